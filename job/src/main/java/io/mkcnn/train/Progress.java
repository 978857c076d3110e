package io.mkcnn.train;

import io.mkcnn.config.JobConfig;
import io.mkcnn.model.MacCounter;
import io.mkcnn.report.EvaluationLine;
import io.mkcnn.report.RoundLine;
import io.mkcnn.report.RunSummary;
import io.mkcnn.report.TrainingGauges;
import io.mkcnn.runtime.NativeRuntime;
import io.mkcnn.store.RunState;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Advances the run state after every round, logs the greppable progress line
 * {@code [run 7f3a][epoch 2/20][round 14/40] examples=... throughput=.../s loss=... eta=...} and adds the
 * round's line to the metrics, then hands over to the driver ({@code afterRound}).
 */
final class Progress implements RoundListener {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    private final JobConfig cfg;
    private final RunState state;
    private final BnTrainingMaster master;
    private final Runnable afterRound;
    private final long attemptStartNanos = System.nanoTime();
    private final double elapsedBeforeAttempt;
    private int epoch;
    private double lastLoss = Double.NaN;
    private Map<String, Double> lastShift = Map.of();
    private final Map<String, String> precisions = new java.util.TreeMap<>();
    private final Map<String, String> engines = new java.util.TreeMap<>();

    Progress(JobConfig cfg, RunState state, BnTrainingMaster master, Runnable afterRound) {
        this.cfg = cfg;
        this.state = state;
        this.elapsedBeforeAttempt = state.elapsedSeconds;
        this.master = master;
        this.afterRound = afterRound;
    }

    /** Logs the run's configuration, learning rate, outer step, records and native settings as it starts. */
    void announce(RunRecords data, OuterOptimizer outer) {
        LOG.info("[run {}] configuration (hash {}):\n{}", state.runId, cfg.hash(), cfg.describe());
        LOG.info("[run {}] learning rate {} (model.lr {} x {} for {} workers, train.lr.scaling={}), warm-up {} epochs; "
                + "outer step {}", state.runId, cfg.peakLearningRate(), cfg.model().lr(),
                cfg.peakLearningRate() / cfg.model().lr(), cfg.train().workers(),
                cfg.train().lrScaling().name().toLowerCase(Locale.ROOT), cfg.train().warmupEpochs(),
                outer.describe());
        LOG.info("[run {}] {} training records, {} validation records, {} test records, {} workers, {}; native {}",
                state.runId, data.trainCount(), data.validationCount(), data.testCount(), cfg.train().workers(),
                data.epochs().describe(), NativeRuntime.describe());
    }

    /** Advances and returns the run's wall-clock seconds (this attempt's time added to earlier attempts'). */
    double elapsed() {
        state.elapsedSeconds = elapsedBeforeAttempt + (System.nanoTime() - attemptStartNanos) / 1e9;
        return state.elapsedSeconds;
    }

    void startEpoch(int e) {
        epoch = e;
    }

    @Override
    public void onRound(RoundStats s) {
        state.totalRounds = s.round();
        state.roundsInEpochDone++;
        state.examplesSeen += s.examples();
        state.trainSeconds += s.roundSeconds();
        lastLoss = s.score();
        lastShift = s.bnShift();
        int perEpoch = Math.max(1, master.roundsThisEpoch());
        double throughput = s.examples() / Math.max(1e-9, s.roundSeconds());
        double secondsPerRound = state.trainSeconds / Math.max(1, state.totalRounds);
        long roundsLeft = (long) (cfg.train().epochs() - epoch) * perEpoch + perEpoch - state.roundsInEpochDone;
        LOG.info("[run {}][epoch {}/{}][round {}/{}] examples={} throughput={}/s loss={} eta={}", state.runId, epoch,
                cfg.train().epochs(), state.roundsInEpochDone, perEpoch, state.examplesSeen,
                String.format("%.1f", throughput), String.format("%.4f", s.score()),
                duration(secondsPerRound * Math.max(0, roundsLeft)));
        state.metrics.add(new RoundLine(epoch, s.round(), state.roundsInEpochDone, s.examples(), state.examplesSeen,
                elapsed(), s.workers(), s.score(), throughput, s.roundSeconds(), s.fitSeconds(), s.jobSeconds(),
                s.reconcileSeconds(), master.lastOuterSeconds(), s.bnShift(), s.precisions()).toMap());
        precisions.putAll(s.precisions());
        engines.putAll(s.engines());
        TrainingGauges.round(epoch, s.round(), state.examplesSeen, s.score(), throughput, s.bnShift());
        afterRound.run();
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 60 ? (s / 60) + "m" + (s % 60) + "s" : s + "s";
    }

    double lastLoss() {
        return lastLoss;
    }

    /** The convolutions' precision of every executor that trained in this attempt ("executorId@host"). */
    Map<String, String> precisions() {
        return precisions;
    }

    Map<String, Double> lastShift() {
        return lastShift;
    }

    /** The run's summary for {@code metrics.json}: its last validation and test evaluations (either may be null). */
    RunSummary summary(RunSummary.Ending ending, EvaluationLine validation, EvaluationLine test,
                       Map<String, Object> best, RunRecords data, TaskFailures failures) {
        RunSummary.Training training = new RunSummary.Training(state.epochsDone, state.totalRounds,
                state.examplesSeen, state.trainSeconds, lastLoss, MacCounter.forward(cfg.networkSpec()),
                failures.failedTasks(), failures.lostExecutors(),
                NativeRuntime.precision().name().toLowerCase(Locale.ROOT), precisions, engines);
        return new RunSummary(state.runId, ending, validation, test, best, training, new RunSummary.Records(
                data.trainCount(), data.validationCount(), data.testCount(), data.validationInTraining(),
                data.testInTraining()), cfg.bn().mode().name().toLowerCase(Locale.ROOT), lastShift,
                cfg.effective(), cfg.hash());
    }
}
