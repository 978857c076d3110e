package io.mkcnn.ml;

import io.mkcnn.config.NativeSettings;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.data.LabelSet;
import io.mkcnn.eval.NetPayload;
import io.mkcnn.eval.Predictor;
import io.mkcnn.eval.Scorer;
import io.mkcnn.input.ImageColumn;
import io.mkcnn.kernels.Precision;
import io.mkcnn.model.MultiKernelNet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * A trained multi-kernel network as a Spark ML model: {@code transform} adds {@code prediction} (the label, a
 * double) and {@code probability} (the class probabilities, an ML vector) to every row, scoring each partition's
 * images with one network per running task on the executors (built once per executor JVM and reused by its later
 * tasks). Saved with its Params in Spark's metadata layout and the network beside it, alone or inside a
 * {@code PipelineModel}.
 */
public final class MultiKernelCnnModel extends Model<MultiKernelCnnModel> implements MLWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final transient ComputationGraph net;
    private final Param<String> imageCol;
    private final Param<String> predictionCol;
    private final Param<String> probabilityCol;
    private final IntParam batchSize;
    private final IntParam threads;
    private final Param<String> precision;

    /**
     * @param uid the model's id (its estimator's when fitted)
     * @param net the trained network; it is not copied
     */
    public MultiKernelCnnModel(String uid, ComputationGraph net) {
        this.uid = uid;
        this.net = net;
        imageCol = new Param<>(this, "imageCol", "the image column");
        predictionCol = new Param<>(this, "predictionCol", "the predicted label's column (double)");
        probabilityCol = new Param<>(this, "probabilityCol", "the class probabilities' column (vector)");
        batchSize = new IntParam(this, "batchSize", "images scored at once");
        threads = new IntParam(this, "threads", "native threads per executor JVM; 0 for the task's cores");
        precision = new Param<>(this, "precision", "the convolutions' precision: auto, fp32 or bf16");
        setDefault(imageCol, "img");
        setDefault(predictionCol, Predictor.PREDICTION);
        setDefault(probabilityCol, Predictor.PROBABILITY);
        setDefault(batchSize, 256);
        setDefault(threads, 0);
        setDefault(precision, "auto");
    }

    /** A model of {@code net} with a new id. */
    public MultiKernelCnnModel(ComputationGraph net) {
        this(org.apache.spark.ml.util.Identifiable$.MODULE$.randomUID("mkcnnModel"), net);
    }

    @Override
    public String uid() {
        return uid;
    }

    /** The trained network (shared, not a copy). */
    public ComputationGraph network() {
        return net;
    }

    /** The classes the network scores. */
    public LabelSet labels() {
        return LabelSet.ofClasses(MultiKernelNet.classes(net));
    }

    public Param<String> imageCol() {
        return imageCol;
    }

    public MultiKernelCnnModel setImageCol(String value) {
        return with(imageCol, value);
    }

    public Param<String> predictionCol() {
        return predictionCol;
    }

    public MultiKernelCnnModel setPredictionCol(String value) {
        return with(predictionCol, value);
    }

    public Param<String> probabilityCol() {
        return probabilityCol;
    }

    public MultiKernelCnnModel setProbabilityCol(String value) {
        return with(probabilityCol, value);
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public MultiKernelCnnModel setBatchSize(int value) {
        return with(batchSize, value);
    }

    public IntParam threads() {
        return threads;
    }

    public MultiKernelCnnModel setThreads(int value) {
        return with(threads, value);
    }

    public Param<String> precision() {
        return precision;
    }

    public MultiKernelCnnModel setPrecision(String value) {
        return with(precision, value);
    }

    private MultiKernelCnnModel with(Param<?> p, Object value) {
        @SuppressWarnings("unchecked")
        Param<Object> param = (Param<Object>) p;
        set(param, value);
        return this;
    }

    /** The native settings the executors apply: the threads and a precision this build knows. */
    NativeSettings nativeSettings() {
        String p = getOrDefault(precision);
        Precision parsed;
        try {
            parsed = Precision.valueOf(p.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(uid + ": Param precision is '" + p + "', expected one of "
                    + Arrays.stream(Precision.values()).map(v -> v.name().toLowerCase(Locale.ROOT)).toList(), e);
        }
        return new NativeSettings((Integer) getOrDefault(threads), parsed);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        ImageColumn.of(schema, getOrDefault(imageCol), "DataFrame");
        for (Param<String> out : List.of(predictionCol, probabilityCol)) {
            if (Arrays.asList(schema.fieldNames()).contains(getOrDefault(out))) {
                throw new IllegalArgumentException("DataFrame: column '" + getOrDefault(out) + "' exists already; "
                        + "set " + out.name() + " to another name");
            }
        }
        return schema.add(getOrDefault(predictionCol), DataTypes.DoubleType, false)
                .add(getOrDefault(probabilityCol), SQLDataTypes.VectorType(), false);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema(), true);
        Dataset<Row> df = dataset.toDF();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
        SessionCheck.require(sc.getConf());
        Broadcast<NetPayload> payload = sc.broadcast(new NetPayload(net, nativeSettings()));
        ImageColumn reader = ImageColumn.of(df.schema(), getOrDefault(imageCol), "DataFrame");
        JavaRDD<Row> rows = df.javaRDD().mapPartitionsWithIndex(new ScorePartition(payload, reader,
                (Integer) getOrDefault(batchSize), labels().size()), true);
        return dataset.sparkSession().createDataFrame(rows, out);
    }

    /** Scores one partition's rows with a network borrowed for the task, keeping every column. */
    static final class ScorePartition implements Function2<Integer, Iterator<Row>, Iterator<Row>> {
        private final Broadcast<NetPayload> payload;
        private final ImageColumn reader;
        private final int batch;
        private final int classes;

        ScorePartition(Broadcast<NetPayload> payload, ImageColumn reader, int batch, int classes) {
            this.payload = payload;
            this.reader = reader;
            this.batch = batch;
            this.classes = classes;
        }

        @Override
        public Iterator<Row> call(Integer partition, Iterator<Row> rows) {
            List<Row> scored = new ArrayList<>();
            if (!rows.hasNext()) {
                return scored.iterator();
            }
            ComputationGraph net = payload.value().borrow();
            try (Scorer scorer = Scorer.of(net)) {
                long position = 0;
                while (rows.hasNext()) {
                    List<Row> group = new ArrayList<>(batch);
                    List<CifarRecord> images = new ArrayList<>(batch);
                    while (rows.hasNext() && group.size() < batch) {
                        Row row = rows.next();
                        String where = "partition " + partition + ", row " + position++;
                        images.add(new CifarRecord(0, reader.pixels(row, where), where, position));
                        group.add(row);
                    }
                    float[][] scores = Predictor.scores(scorer, images, classes);
                    for (int i = 0; i < group.size(); i++) {
                        scored.add(withPrediction(group.get(i), scores[i]));
                    }
                }
            } finally {
                payload.value().release(net);
            }
            return scored.iterator();
        }

        private static Row withPrediction(Row row, float[] p) {
            Object[] values = new Object[row.size() + 2];
            for (int i = 0; i < row.size(); i++) {
                values[i] = row.get(i);
            }
            double[] wide = new double[p.length];
            for (int c = 0; c < p.length; c++) {
                wide[c] = p[c];
            }
            values[row.size()] = (double) Predictor.best(p);
            values[row.size() + 1] = Vectors.dense(wide);
            return RowFactory.create(values);
        }
    }

    @Override
    public MultiKernelCnnModel copy(ParamMap extra) {
        MultiKernelCnnModel copy = new MultiKernelCnnModel(uid, net);
        copyValues(copy, extra);
        return copy.setParent(parent());
    }

    @Override
    public MLWriter write() {
        return new ModelStorage.Writer(this);
    }

    /** The reader {@code PipelineModel.load} finds by reflection. */
    public static MLReader<MultiKernelCnnModel> read() {
        return new ModelStorage.Reader();
    }

    /** Loads a model saved by {@link #write()}. */
    public static MultiKernelCnnModel load(String path) {
        return read().load(path);
    }
}
