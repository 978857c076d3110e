package io.mkcnn.train;

import io.mkcnn.config.JobConfig;
import io.mkcnn.eval.Evaluator;
import io.mkcnn.report.EvaluationLine;
import io.mkcnn.store.RunState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.DoubleSupplier;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a run evaluates and when, and what it keeps of it. With a validation set, the evaluations after epochs
 * ({@code eval.every.epochs}) score it, keep the best model ({@link BestModel}) and decide early stopping
 * ({@code train.early.stop.patience}); the test records are scored at the end and every
 * {@code eval.test.every.epochs}. Without one, the test records take the evaluations after epochs, as they always
 * did, and no best model is kept (choosing one by the test records would tune to them).
 */
final class Evaluations {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    private final JavaSparkContext sc;
    private final JobConfig cfg;
    private final RunRecords data;
    private final RunState state;
    private final BestModel best;
    private final DoubleSupplier elapsed;

    Evaluations(JavaSparkContext sc, JobConfig cfg, RunRecords data, RunState state, BestModel best,
                DoubleSupplier elapsed) {
        this.sc = sc;
        this.cfg = cfg;
        this.data = data;
        this.state = state;
        this.best = best;
        this.elapsed = elapsed;
    }

    /** The sets due after {@code epoch}: the per-epoch set every {@code eval.every.epochs}, the test set as asked. */
    List<String> dueAfter(int epoch) {
        List<String> sets = new ArrayList<>();
        boolean last = epoch == cfg.train().epochs();
        int every = cfg.train().evalEveryEpochs();
        if (last || every > 0 && epoch % every == 0) {
            sets.add(data.perEpochSet());
        }
        int testEvery = cfg.ops().testEveryEpochs();
        if (data.validation() != null && data.test() != null
                && (last || testEvery > 0 && epoch % testEvery == 0)) {
            sets.add(EvaluationLine.TEST);
        }
        return sets;
    }

    /** Evaluates what is due after {@code epoch}; keeps the best model. Returns whether anything was evaluated. */
    boolean afterEpoch(int epoch, ComputationGraph net) {
        List<String> sets = dueAfter(epoch);
        if (sets.isEmpty()) {
            return false;
        }
        keep(EpochEvaluation.run(sc, cfg, net, data, sets, epoch, state, elapsed), net);
        return true;
    }

    /**
     * Whether early stopping ends the run: the last validation evaluation came {@code train.early.stop.patience} or
     * more epochs after the best one. Decided from the run's state alone, so a resumed run decides the same.
     */
    boolean stopsEarly() {
        int patience = cfg.train().earlyStopPatience();
        if (patience == 0 || !state.hasBest()) {
            return false;
        }
        return EvaluationLine.last(state.metrics, EvaluationLine.VALIDATION)
                .map(v -> v.epoch() - state.bestEpoch >= patience).orElse(false);
    }

    /**
     * At the end of the run (its last epoch, early stopping, or its time budget): scores the network as it ends on
     * every set that has no evaluation of its last round yet.
     */
    void atEnd(ComputationGraph net) {
        List<String> sets = new ArrayList<>();
        for (String set : List.of(EvaluationLine.VALIDATION, EvaluationLine.TEST)) {
            if (data.of(set) != null && EvaluationLine.last(state.metrics, set)
                    .map(l -> l.round() != state.totalRounds).orElse(true)) {
                sets.add(set);
            }
        }
        if (!sets.isEmpty()) {
            keep(EpochEvaluation.run(sc, cfg, net, data, sets, state.epochsDone, state, elapsed), net);
        }
    }

    private void keep(List<EvaluationLine> lines, ComputationGraph net) {
        for (EvaluationLine line : lines) {
            if (line.set().equals(EvaluationLine.VALIDATION) && best.consider(line, net, state)) {
                LOG.info("[run {}][epoch {}] best validation accuracy so far: {} written", state.runId,
                        line.epoch(), BestModel.FILE);
            }
        }
    }

    /**
     * {@code metrics.json}'s {@code best}: the epoch, round and validation accuracy of {@code best-model.zip}, and
     * its test accuracy (scored here unless the last model is the best); empty without a validation set.
     */
    Optional<Map<String, Object>> bestSummary() {
        if (!state.hasBest()) {
            return Optional.empty();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", BestModel.FILE);
        m.put("epoch", state.bestEpoch);
        m.put("round", state.bestRound);
        m.put("validation_accuracy", state.bestAccuracy);
        if (data.test() != null) {
            Optional<EvaluationLine> lastTest = EvaluationLine.last(state.metrics, EvaluationLine.TEST);
            double accuracy;
            if (lastTest.isPresent() && lastTest.get().round() == state.bestRound) {
                accuracy = lastTest.get().accuracy();
            } else {
                sc.setJobDescription("run " + state.runId + ": the best model on the test records");
                accuracy = Evaluator.evaluate(sc, best.network(), data.test(), cfg.ops().evalBatch(),
                        cfg.nativeSettings()).accuracy();
            }
            m.put("test_accuracy", accuracy);
        }
        return Optional.of(m);
    }
}
