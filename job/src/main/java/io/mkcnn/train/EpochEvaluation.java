package io.mkcnn.train;

import io.mkcnn.bn.BnRecompute;
import io.mkcnn.config.BnMode;
import io.mkcnn.config.JobConfig;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.eval.Evaluator;
import io.mkcnn.eval.Metrics;
import io.mkcnn.report.EvaluationLine;
import io.mkcnn.report.TrainingGauges;
import io.mkcnn.store.RunState;
import java.util.Map;
import java.util.function.DoubleSupplier;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.evaluation.classification.Evaluation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The evaluation after an epoch: in {@code bn.mode=recompute} the BN statistics are first recomputed on training
 * records through the averaged network, then the test records are scored; the result is the run's next metrics
 * line.
 */
final class EpochEvaluation {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    private EpochEvaluation() {
    }

    /**
     * Evaluates {@code net} after {@code epoch} and adds the line to {@code state}'s metrics.
     *
     * @param elapsed the run's wall-clock seconds, read when the evaluation ends
     */
    static EvaluationLine run(JavaSparkContext sc, JobConfig cfg, ComputationGraph net, JavaRDD<CifarRecord> train,
                              long trainCount, JavaRDD<CifarRecord> test, int epoch, RunState state,
                              DoubleSupplier elapsed) {
        sc.setJobDescription("run " + state.runId + " epoch " + epoch + "/" + cfg.train().epochs() + ": evaluation");
        Map<String, Double> recomputeShift = Map.of();
        if (cfg.bn().mode() == BnMode.RECOMPUTE) {
            recomputeShift = BnRecompute.apply(sc, net, train, trainCount, cfg.bn().recomputeSamples(),
                    cfg.ops().evalBatch(), cfg.train().seed() + epoch, cfg.nativeSettings());
        }
        long start = System.nanoTime();
        Evaluation eval = Evaluator.evaluate(sc, net, test, cfg.ops().evalBatch(), cfg.nativeSettings());
        double seconds = (System.nanoTime() - start) / 1e9;
        EvaluationLine line = new EvaluationLine(epoch, state.totalRounds, state.examplesSeen, elapsed.getAsDouble(),
                Metrics.evaluation(eval), eval.getNumRowCounter() / seconds, recomputeShift);
        state.metrics.add(line.toMap());
        TrainingGauges.evaluation(eval.accuracy());
        LOG.info("[run {}][epoch {}/{}] test accuracy {} ({} records, {}/s)", state.runId, epoch, cfg.train().epochs(),
                String.format("%.4f", eval.accuracy()), eval.getNumRowCounter(),
                String.format("%.0f", eval.getNumRowCounter() / seconds));
        return line;
    }
}
