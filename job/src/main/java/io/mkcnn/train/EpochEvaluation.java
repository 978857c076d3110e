package io.mkcnn.train;

import io.mkcnn.bn.BnRecompute;
import io.mkcnn.config.BnMode;
import io.mkcnn.config.JobConfig;
import io.mkcnn.eval.Evaluator;
import io.mkcnn.eval.Metrics;
import io.mkcnn.report.EvaluationLine;
import io.mkcnn.report.TrainingGauges;
import io.mkcnn.store.RunState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.evaluation.classification.Evaluation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An evaluation of the network as it stands: in {@code bn.mode=recompute} the BN statistics are first recomputed on
 * training records through the averaged network, then each requested set (validation, test) is scored; each result
 * is one more metrics line of the run.
 */
final class EpochEvaluation {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    private EpochEvaluation() {
    }

    /**
     * Evaluates {@code net} on {@code sets} after {@code epoch} and adds their lines to {@code state}'s metrics.
     *
     * @param sets {@link EvaluationLine#VALIDATION} and/or {@link EvaluationLine#TEST}, in that order
     * @param elapsed the run's wall-clock seconds, read when each evaluation ends
     */
    static List<EvaluationLine> run(JavaSparkContext sc, JobConfig cfg, ComputationGraph net, RunRecords data,
                                    List<String> sets, int epoch, RunState state, DoubleSupplier elapsed) {
        sc.setJobDescription("run " + state.runId + " epoch " + epoch + "/" + cfg.train().epochs() + ": evaluation");
        Map<String, Double> recomputeShift = Map.of();
        if (cfg.bn().mode() == BnMode.RECOMPUTE) {
            recomputeShift = BnRecompute.apply(sc, net, data.train(), data.trainCount(), cfg.bn().recomputeSamples(),
                    cfg.ops().evalBatch(), cfg.train().seed() + epoch, cfg.nativeSettings());
        }
        List<EvaluationLine> lines = new ArrayList<>();
        for (String set : sets) {
            long start = System.nanoTime();
            Evaluation eval = Evaluator.evaluate(sc, net, data.of(set), cfg.ops().evalBatch(), cfg.nativeSettings());
            double seconds = (System.nanoTime() - start) / 1e9;
            EvaluationLine line = new EvaluationLine(set, epoch, state.totalRounds, state.examplesSeen,
                    elapsed.getAsDouble(), Metrics.evaluation(eval), eval.getNumRowCounter() / seconds,
                    recomputeShift);
            state.metrics.add(line.toMap());
            lines.add(line);
            if (set.equals(data.perEpochSet())) {
                TrainingGauges.evaluation(eval.accuracy());
            }
            LOG.info("[run {}][epoch {}/{}] {} accuracy {} ({} records, {}/s)", state.runId, epoch,
                    cfg.train().epochs(), set, String.format("%.4f", eval.accuracy()), eval.getNumRowCounter(),
                    String.format("%.0f", eval.getNumRowCounter() / seconds));
        }
        return lines;
    }
}
