package io.mkcnn.eval;

import io.mkcnn.config.NativeSettings;
import io.mkcnn.data.LabelSet;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.input.Batches;
import io.mkcnn.model.MultiKernelNet;
import java.util.Collections;
import java.util.Iterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;

/** Distributed evaluation: each partition scores its records with the broadcast network; results are merged. */
public final class Evaluator {
    private Evaluator() {
    }

    public static Evaluation evaluate(JavaSparkContext sc, ComputationGraph net, JavaRDD<CifarRecord> records,
                                      int batch, NativeSettings settings) {
        Broadcast<NetPayload> payload = sc.broadcast(new NetPayload(net, settings));
        try {
            Evaluation e = records.mapPartitions(new EvalPartition(payload, batch))
                    .treeReduce((a, b) -> {
                        a.merge(b);
                        return a;
                    });
            return e;
        } finally {
            payload.destroy();
        }
    }

    /** Scores one partition. */
    static final class EvalPartition implements FlatMapFunction<Iterator<CifarRecord>, Evaluation> {
        private final Broadcast<NetPayload> payload;
        private final int batch;

        EvalPartition(Broadcast<NetPayload> payload, int batch) {
            this.payload = payload;
            this.batch = batch;
        }

        @Override
        public Iterator<Evaluation> call(Iterator<CifarRecord> records) {
            ComputationGraph net = payload.value().network();
            LabelSet labels = LabelSet.ofClasses(MultiKernelNet.classes(net));
            Evaluation eval = new Evaluation(new java.util.ArrayList<>(labels.names()));
            if (!records.hasNext()) {
                return Collections.singletonList(eval).iterator();
            }
            Iterator<DataSet> batches = Batches.evaluation(records, batch, labels.size());
            try (Scorer scorer = Scorer.of(net)) {
                while (batches.hasNext()) {
                    DataSet ds = batches.next();
                    eval.eval(ds.getLabels(), scorer.probabilities(ds.getFeatures()));
                }
            }
            return Collections.singletonList(eval).iterator();
        }
    }
}
