package io.mkcnn.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.config.NativeSettings;
import io.mkcnn.data.Augmenter;
import io.mkcnn.data.CifarFormat;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.input.Batches;
import io.mkcnn.kernels.Precision;
import io.mkcnn.model.ModelOptions;
import io.mkcnn.model.MultiKernelNet;
import io.mkcnn.model.NetworkSpec;
import io.mkcnn.runtime.NativeRuntime;
import io.mkcnn.testutil.Records;
import io.mkcnn.testutil.SparkTest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Distributed evaluation and prediction against the same network run on the driver over the same records: the
 * partitions (one of them empty) change nothing.
 */
class EvaluatorPredictorTest extends SparkTest {
    private static ComputationGraph net;
    private static List<CifarRecord> records;

    @BeforeAll
    static void network() {
        net = MultiKernelNet.create(NetworkSpec.cifar(false), ModelOptions.defaults().withSeed(5));
        // a few training steps, so that the predictions are not all one class
        records = Records.synthetic(70, 3);
        var batches = Batches.evaluation(records.iterator(), 35, 10);
        while (batches.hasNext()) {
            net.fit(batches.next());
        }
    }

    /** Three partitions: 30 records, none, 40. */
    private static JavaRDD<CifarRecord> partitioned() {
        List<List<CifarRecord>> parts = List.of(new ArrayList<>(records.subList(0, 30)), new ArrayList<>(),
                new ArrayList<>(records.subList(30, records.size())));
        JavaRDD<CifarRecord> rdd = sc.parallelize(parts, 3).flatMap(List::iterator);
        assertEquals(List.of(30, 0, 40), rdd.glom().map(List::size).collect());
        return rdd;
    }

    /** The probabilities the driver's own scorer gives: the folded pass, as the executors run it. */
    private static INDArray localOutput() {
        try (Scorer scorer = Scorer.of(net)) {
            assertTrue(scorer.folded(), "the folded inference pass serves this network");
            return scorer.probabilities(Batches.toDataSet(records, r -> Augmenter.eval(r.pixels())).getFeatures());
        }
    }

    /**
     * In fp32 the evaluation's accuracy is DL4J's layers' (the probabilities agree to float rounding,
     * {@code FoldedInferenceTest}); in bf16 the two round differently, and a network this little trained has many
     * near ties.
     */
    @Test
    void theFoldedPassScoresAsDl4jsLayersDoInFp32() {
        NativeRuntime.configurePrecision(Precision.FP32);
        try {
            ComputationGraph fp32 = MultiKernelNet.create(NetworkSpec.cifar(false), ModelOptions.defaults()
                    .withSeed(5));
            var steps = Batches.evaluation(records.iterator(), 35, 10);
            while (steps.hasNext()) {
                fp32.fit(steps.next());
            }
            List<CifarRecord> many = Records.synthetic(2000, 11);
            Evaluation layers = new Evaluation(CifarFormat.NUM_CLASSES);
            var batches = Batches.evaluation(many.iterator(), 250, 10);
            while (batches.hasNext()) {
                var ds = batches.next();
                layers.eval(ds.getLabels(), fp32.outputSingle(false, ds.getFeatures()));
            }
            Evaluation folded = Evaluator.evaluate(sc, fp32, sc.parallelize(many, 2), 250,
                    new NativeSettings(0, Precision.FP32));
            System.out.printf("accuracy on 2,000 records, fp32: DL4J's layers %.4f, folded %.4f%n",
                    layers.accuracy(), folded.accuracy());
            assertEquals(layers.accuracy(), folded.accuracy(), 2e-4, "within 0.02 point");
        } finally {
            NativeRuntime.configurePrecision(Precision.AUTO);
        }
    }

    @Test
    void distributedEvaluationCountsWhatTheDriverWould() {
        Evaluation local = new Evaluation(CifarFormat.NUM_CLASSES);
        local.eval(Batches.toDataSet(records, r -> Augmenter.eval(r.pixels())).getLabels(), localOutput());
        Evaluation distributed = Evaluator.evaluate(sc, net, sc.parallelize(records, 3), 16,
                NativeSettings.defaults());
        assertEquals(records.size(), distributed.getNumRowCounter());
        assertEquals(local.accuracy(), distributed.accuracy(), 1e-12);
        for (int t = 0; t < CifarFormat.NUM_CLASSES; t++) {
            for (int p = 0; p < CifarFormat.NUM_CLASSES; p++) {
                assertEquals(local.getConfusion().getCount(t, p), distributed.getConfusion().getCount(t, p));
            }
        }
        Evaluation withEmpty = Evaluator.evaluate(sc, net, partitioned(), 16, NativeSettings.defaults());
        assertEquals(local.accuracy(), withEmpty.accuracy(), 1e-12);
    }

    @Test
    void predictionsAreOneRowPerRecordWithTheDriversProbabilities() {
        INDArray expected = localOutput();
        List<Row> rows = Predictor.predict(sc, net, partitioned(), 16, NativeSettings.defaults()).collectAsList()
                .stream().sorted(Comparator.comparingLong(r -> r.getLong(1))).toList();
        assertEquals(records.size(), rows.size());
        long classes = rows.stream().map(r -> r.getInt(3)).distinct().count();
        assertTrue(classes > 1, "the trained network predicts more than one class");
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            CifarRecord r = records.get(i);
            assertEquals(r.source(), row.getString(0));
            assertEquals(r.index(), row.getLong(1));
            assertEquals(r.label(), row.getInt(2));
            float[] p = expected.getRow(i).toFloatVector();
            List<Float> got = row.getList(5);
            float[] probabilities = new float[got.size()];
            for (int c = 0; c < probabilities.length; c++) {
                probabilities[c] = got.get(c);
            }
            assertArrayEquals(p, probabilities, 1e-5f, "record " + i);
            int best = 0;
            for (int c = 1; c < p.length; c++) {
                best = p[c] > p[best] ? c : best;
            }
            assertEquals(best, row.getInt(3), "the predicted label is the most probable class");
            assertEquals(CifarFormat.CLASS_NAMES.get(best), row.getString(4));
        }
    }
}
