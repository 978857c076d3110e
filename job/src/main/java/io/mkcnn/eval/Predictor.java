package io.mkcnn.eval;

import io.mkcnn.config.NativeSettings;
import io.mkcnn.data.CifarFormat;
import io.mkcnn.data.CifarRecord;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
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
 * name and the ten class probabilities, as a Spark SQL DataFrame.
 */
public final class Predictor {
    public static final StructType SCHEMA = new StructType()
            .add("source", DataTypes.StringType, false)
            .add("record_index", DataTypes.LongType, false)
            .add("true_label", DataTypes.IntegerType, true)
            .add("predicted_label", DataTypes.IntegerType, false)
            .add("class_name", DataTypes.StringType, false)
            .add("probabilities", DataTypes.createArrayType(DataTypes.FloatType, false), false);

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
            while (records.hasNext()) {
                List<CifarRecord> group = new ArrayList<>(batch);
                while (records.hasNext() && group.size() < batch) {
                    group.add(records.next());
                }
                INDArray out = net.outputSingle(false, io.mkcnn.input.Batches.toDataSet(group,
                        r -> io.mkcnn.data.Augmenter.eval(r.pixels())).getFeatures());
                for (int i = 0; i < group.size(); i++) {
                    CifarRecord r = group.get(i);
                    float[] p = out.getRow(i).toFloatVector();
                    int best = 0;
                    for (int c = 1; c < p.length; c++) {
                        if (p[c] > p[best]) {
                            best = c;
                        }
                    }
                    Float[] boxed = new Float[p.length];
                    for (int c = 0; c < p.length; c++) {
                        boxed[c] = p[c];
                    }
                    rows.add(RowFactory.create(r.source(), r.index(), r.label(), best,
                            CifarFormat.CLASS_NAMES.get(best), boxed));
                }
            }
            return rows.iterator();
        }
    }
}
