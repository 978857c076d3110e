package io.mkcnn.eval;

import io.mkcnn.config.NativeSettings;
import io.mkcnn.data.Augmenter;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.data.LabelSet;
import io.mkcnn.input.Batches;
import io.mkcnn.model.MultiKernelNet;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Batch inference: one row per record with its source file, record index, true label, predicted label, class
 * name and the class probabilities, and the same prediction in Spark ML's columns: {@code prediction} (the label as a
 * double) and {@code probability} (an ML vector), as a Spark SQL DataFrame.
 */
public final class Predictor {
    /** Spark ML's column of the predicted label, as a double. */
    public static final String PREDICTION = "prediction";
    /** Spark ML's column of the class probabilities, as a vector. */
    public static final String PROBABILITY = "probability";
    public static final StructType SCHEMA = new StructType()
            .add("source", DataTypes.StringType, false)
            .add("record_index", DataTypes.LongType, false)
            .add("true_label", DataTypes.IntegerType, true)
            .add("predicted_label", DataTypes.IntegerType, false)
            .add("class_name", DataTypes.StringType, false)
            .add("probabilities", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add(PREDICTION, DataTypes.DoubleType, false)
            .add(PROBABILITY, SQLDataTypes.VectorType(), false);

    private Predictor() {
    }

    public static Dataset<Row> predict(JavaSparkContext sc, ComputationGraph net, JavaRDD<CifarRecord> records,
                                       int batch, NativeSettings settings) {
        Broadcast<NetPayload> payload = sc.broadcast(new NetPayload(net, settings));
        JavaRDD<Row> rows = records.mapPartitions(new PredictPartition(payload, batch));
        return SparkSession.builder().sparkContext(sc.sc()).getOrCreate().createDataFrame(rows, SCHEMA);
    }

    /** Scores one partition's records. */
    static final class PredictPartition implements FlatMapFunction<Iterator<CifarRecord>, Row> {
        private final Broadcast<NetPayload> payload;
        private final int batch;

        PredictPartition(Broadcast<NetPayload> payload, int batch) {
            this.payload = payload;
            this.batch = batch;
        }

        @Override
        public Iterator<Row> call(Iterator<CifarRecord> records) {
            List<Row> rows = new ArrayList<>();
            if (!records.hasNext()) {
                return rows.iterator();
            }
            ComputationGraph net = payload.value().network();
            LabelSet labels = LabelSet.ofClasses(MultiKernelNet.classes(net));
            try (Scorer scorer = Scorer.of(net)) {
                score(records, scorer, labels, rows);
            }
            return rows.iterator();
        }

        private void score(Iterator<CifarRecord> records, Scorer scorer, LabelSet labels, List<Row> rows) {
            while (records.hasNext()) {
                List<CifarRecord> group = new ArrayList<>(batch);
                while (records.hasNext() && group.size() < batch) {
                    group.add(records.next());
                }
                float[][] scores = scores(scorer, group, labels.size());
                for (int i = 0; i < group.size(); i++) {
                    CifarRecord r = group.get(i);
                    float[] p = scores[i];
                    int best = best(p);
                    Float[] boxed = new Float[p.length];
                    double[] wide = new double[p.length];
                    for (int c = 0; c < p.length; c++) {
                        boxed[c] = p[c];
                        wide[c] = p[c];
                    }
                    rows.add(RowFactory.create(r.source(), r.index(), r.label(), best, labels.name(best), boxed,
                            (double) best, Vectors.dense(wide)));
                }
            }
        }
    }

    /** The class probabilities {@code scorer} gives each record (centre crop), one row per record. */
    public static float[][] scores(Scorer scorer, List<CifarRecord> group, int classes) {
        INDArray out = scorer.probabilities(Batches.toDataSet(group, classes,
                r -> Augmenter.eval(r.pixels())).getFeatures());
        float[][] rows = new float[group.size()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = out.getRow(i).toFloatVector();
        }
        return rows;
    }

    /** The index of the highest score (the first of equal ones). */
    public static int best(float[] p) {
        int best = 0;
        for (int c = 1; c < p.length; c++) {
            if (p[c] > p[best]) {
                best = c;
            }
        }
        return best;
    }
}
