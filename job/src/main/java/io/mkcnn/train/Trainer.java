package io.mkcnn.train;

import io.mkcnn.config.BnMode;
import io.mkcnn.config.JobConfig;
import io.mkcnn.eval.Metrics;
import io.mkcnn.input.RunData;
import io.mkcnn.input.RunFiles;
import io.mkcnn.model.MultiKernelNet;
import io.mkcnn.report.EvaluationLine;
import io.mkcnn.report.MetricsLog;
import io.mkcnn.report.Report;
import io.mkcnn.report.RunSummary;
import io.mkcnn.report.TrainingGauges;
import io.mkcnn.runtime.NativeRuntime;
import io.mkcnn.store.Checkpoints;
import io.mkcnn.store.OutputDir;
import io.mkcnn.store.RunDirectory;
import io.mkcnn.store.RunState;
import java.util.Optional;
import java.util.UUID;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver loop of a training run: read and validate the data, build or restore the network, train it epoch
 * by epoch with DL4J parameter averaging (BN reconciled every round by {@link BnTrainingMaster}), checkpoint
 * every N rounds and at every epoch end, evaluate every E epochs, and finish with {@code model.zip},
 * {@code metrics.json}, {@code metrics.jsonl} and {@code report.html}. Rerunning the same command resumes from
 * the newest checkpoint; rerunning a finished run does nothing.
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    public static final String MODEL = RunDirectory.MODEL;
    public static final String METRICS = RunDirectory.METRICS;
    public static final String REPORT = "report.html";
    public static final String BEST_MODEL = BestModel.FILE;
    /** How long a failing or stopping run waits for running tasks before leaving its export to the rerun. */
    private static final long EXPORT_DRAIN_MILLIS = 5_000;

    private final JavaSparkContext sc;
    private final JobConfig cfg;
    private final boolean fresh;
    private final RunData given;
    private String presetRunId;
    private OutputDir out;
    private RunDirectory dir;
    private RoundTrainer rounds;
    private RunCheckpoints checkpoints;
    private RunState state;
    private ComputationGraph net;
    private Progress progress;
    private final TaskFailures failures = new TaskFailures();
    private final RunningTasks tasks = new RunningTasks();
    private volatile String jobGroup;
    private GracefulStop stop;
    private Evaluations evaluations;
    private final TimeBudget budget;

    public Trainer(JavaSparkContext sc, JobConfig cfg, boolean fresh) {
        this(sc, cfg, fresh, null);
    }

    /**
     * A run on records given otherwise than by the configuration's paths (a DataFrame's rows), which
     * {@code data.train} and {@code data.test} then only describe.
     *
     * @param data the records; null for the files {@code cfg.data()} names
     */
    public Trainer(JavaSparkContext sc, JobConfig cfg, boolean fresh, RunData data) {
        this.sc = sc;
        this.cfg = cfg;
        this.fresh = fresh;
        this.given = data;
        this.budget = new TimeBudget(cfg.ops().maxMinutes());
    }

    /** A new run's id: four hexadecimal digits. */
    public static String newRunId() {
        return UUID.randomUUID().toString().substring(0, 4);
    }

    /** The id a new run takes (chosen before the SparkContext, to name its metrics); a resumed run keeps its own. */
    public Trainer withNewRunId(String runId) {
        this.presetRunId = runId;
        return this;
    }

    /**
     * Runs (or resumes) the training.
     *
     * @return what {@code metrics.json} says; empty when the run was already complete (nothing trained)
     */
    public Optional<RunSummary> run() {
        String newRunId = presetRunId != null ? presetRunId : newRunId();
        jobGroup = "mkcnn-run-" + newRunId;
        try (GracefulStop stop = GracefulStop.install(cfg.ops().stopGraceSeconds(),
                () -> sc.cancelJobGroup(jobGroup))) {
            this.stop = stop;
            sc.setJobGroup(jobGroup, "run " + newRunId + ": listing the data", false);
            try {
                return lockedRun(newRunId);
            } catch (Exception e) { // Spark's job cancellation is a checked SparkException, thrown unchecked
                if (stop.requested() && !(e instanceof StoppedException)) {
                    LOG.warn("[run {}] stopping: {}", state == null ? "-" : state.runId, e.toString());
                    // the grace time ran out and the run's jobs were cancelled: keep the last completed round
                    throw stopped();
                }
                throw e;
            } finally {
                sc.clearJobGroup();
            }
        }
    }

    private Optional<RunSummary> lockedRun(String newRunId) {
        cfg.nativeSettings().apply();
        RunData files = given != null ? given : RunFiles.of(cfg.data(), sc.hadoopConfiguration());
        try (RunDirectory dir = RunDirectory.open(cfg, sc.hadoopConfiguration(), fresh, newRunId)) {
            this.dir = dir;
            stop.beforeHalt(dir::close);
            out = dir.out();
            if (dir.action() == RunDirectory.Action.COMPLETE) {
                LOG.info("[run {}] already complete in {}: nothing to do (model {})", dir.runId(), out.path(),
                        out.resolve(MODEL));
                return Optional.empty();
            }
            jobGroup = "mkcnn-run-" + dir.runId();
            sc.setJobGroup(jobGroup, "run " + dir.runId() + ": reading and checking the data", false);
            sc.sc().addSparkListener(failures);
            sc.sc().addSparkListener(tasks);
            try {
                return Optional.of(train(dir, files));
            } finally {
                sc.sc().removeSparkListener(failures);
                sc.sc().removeSparkListener(tasks);
            }
        }
    }

    /** Checkpoints the last completed round (if any) and says the run stopped by signal. */
    private StoppedException stopped() {
        if (state != null && net != null && checkpoints != null && checkpoints.behind(state)) {
            checkpoint();
        }
        return new StoppedException(stop.signal(), state == null ? 0 : state.totalRounds);
    }

    /**
     * The run once its directory is held: read the data, restore or start, train every epoch (or until early
     * stopping or the time budget ends it), finish.
     */
    private RunSummary train(RunDirectory dir, RunData files) {
        RunRecords data = RunRecords.read(sc, cfg, files);
        dir.begin();
        restoreOrStart(dir, data);
        start(data);
        RunSummary.Ending ending = RunSummary.Ending.EPOCHS;
        budget.trainingStarts();
        try {
            for (int epoch = state.epochsDone + 1; epoch <= cfg.train().epochs(); epoch++) {
                if (evaluations.stopsEarly()) {
                    ending = RunSummary.Ending.EARLY_STOP;
                    break;
                }
                trainEpoch(epoch, data);
                if (evaluations.afterEpoch(epoch, net)) {
                    budget.evaluationEnded();
                }
                endEpoch(epoch);
            }
        } catch (TimeBudget.Reached e) {
            LOG.info("[run {}] stopping on the time budget: {}", state.runId, e.getMessage());
            ending = RunSummary.Ending.BUDGET;
            if (checkpoints.behind(state)) {
                checkpoint();
            }
        } finally {
            if (!data.epochs().stream()) {
                deleteExport();
            }
        }
        if (ending == RunSummary.Ending.EARLY_STOP) {
            LOG.info("[run {}] early stop after epoch {}: no better validation accuracy for {} epochs since epoch {} "
                    + "({})", state.runId, state.epochsDone, cfg.train().earlyStopPatience(), state.bestEpoch,
                    String.format("%.4f", state.bestAccuracy));
        }
        return finish(data, ending);
    }

    /** Resumes from the newest readable checkpoint, or starts a fresh run ({@link RunCheckpoints}). */
    private void restoreOrStart(RunDirectory dir, RunRecords data) {
        checkpoints = new RunCheckpoints(cfg, out);
        RunCheckpoints.Start start = checkpoints.restoreOrStart(dir.runId(), data.epochs().totalIterations());
        state = start.state();
        net = start.net();
        if (start.from() != null) {
            TrainingGauges.checkpoint(state.totalRounds);
            LOG.info("[run {}] resuming from {}: {} epochs and {} rounds done", state.runId, start.from(),
                    state.epochsDone, state.totalRounds);
        }
    }

    /** Builds the network (unless restored) and the training master, wires progress and logs the run's settings. */
    private void start(RunRecords data) {
        OuterOptimizer outer = checkpoints.outer();
        if (net == null) {
            net = MultiKernelNet.create(cfg.networkSpec(), cfg.modelOptions(data.epochs().totalIterations()));
        }
        rounds = new RoundTrainer(sc, cfg, net, RoundTrainer.exportDir(sc, cfg, out), outer);
        rounds.useRunExportFolder(state.runId, out);
        progress = new Progress(cfg, state, rounds.master(), this::afterRound);
        progress.announce(data, outer);
        rounds.onRound(progress);
        evaluations = new Evaluations(sc, cfg, data, state, checkpoints.best(), progress::elapsed);
        long scored = data.validationCount() + data.testCount()
                + (cfg.bn().mode() == BnMode.RECOMPUTE ? cfg.bn().recomputeSamples() : 0);
        budget.guessEvaluation(scored, (long) cfg.train().workers() * cfg.train().batch()
                * cfg.train().averagingFrequency());
    }

    /** Trains one epoch's rounds. */
    private void trainEpoch(int epoch, RunRecords data) {
        String label = "run " + state.runId + " epoch " + epoch + "/" + cfg.train().epochs();
        rounds.label(label);
        progress.startEpoch(epoch);
        try {
            if (data.epochs().stream()) {
                // the epoch ends at the round boundary nearest its last record
                int first = data.epochs().ending(epoch - 1);
                int end = data.epochs().ending(epoch);
                rounds.trainRounds(data.train(), end - first, state.totalRounds - first, state.totalRounds,
                        Math.max(0, end - state.totalRounds));
                net.incrementEpochCount();
            } else {
                sc.setJobDescription(label + ": exporting minibatches");
                rounds.fitMinibatches(data.train(), epoch, state.roundsInEpochDone, state.totalRounds);
            }
        } catch (NonFiniteRoundException e) {
            throw new NonFiniteRoundException(e.getMessage() + "; last good checkpoint: " + checkpoints.latest());
        }
    }

    /**
     * Marks the epoch done and checkpoints it, then stops here when a signal asked. The epoch counts as done only
     * once its evaluation is: a stop during the evaluation resumes with it.
     */
    private void endEpoch(int epoch) {
        state.epochsDone = epoch;
        state.roundsInEpochDone = 0;
        checkpoint();
        if (stop.requested() && epoch < cfg.train().epochs()) {
            throw stopped();
        }
    }

    /**
     * Scores the network as it ends where no evaluation did yet, and writes the model, the report and the final
     * metrics; releases the cached records. A run its budget ended checkpoints those evaluations too: the rerun
     * continues from this round, with the best model they may have chosen.
     */
    private RunSummary finish(RunRecords data, RunSummary.Ending ending) {
        int lines = state.metrics.size();
        evaluations.atEnd(net);
        if (ending == RunSummary.Ending.BUDGET && state.metrics.size() > lines) {
            checkpoint();
        }
        MetricsLog.write(out, state.metrics);
        RunSummary summary = progress.summary(ending, EvaluationLine.last(state.metrics, EvaluationLine.VALIDATION)
                .filter(v -> data.validation() != null).orElse(null),
                EvaluationLine.last(state.metrics, EvaluationLine.TEST).filter(t -> data.test() != null)
                        .orElse(null), evaluations.bestSummary().orElse(null), data, failures);
        out.writeModel(MODEL, net);
        out.writeText(REPORT, Report.html(state.runId, cfg.effective(), cfg.data().labelSet().names(),
                state.metrics));
        out.writeText(METRICS, Metrics.toJson(summary.toMap()));
        LOG.info("[run {}] {}: {}; {} examples/s; model {} metrics {} report {}", state.runId, ending.describe(),
                summary.describeAccuracy(), String.format("%.1f", summary.training().examplesPerSecond()),
                out.resolve(MODEL), out.resolve(METRICS), out.resolve(REPORT));
        data.unpersist();
        return summary;
    }

    /**
     * Deletes what the run exported, also when it fails or stops, once no task reads it any more: the tasks of a
     * round abandoned by a stop run on until they finish, and the rerun deletes what they kept.
     */
    private void deleteExport() {
        if (tasks.awaitNone(EXPORT_DRAIN_MILLIS)) {
            rounds.deleteExport();
        } else {
            LOG.info("[run {}] tasks of an abandoned round still run: their exported minibatches stay until the rerun",
                    state.runId);
        }
    }

    /** Called after every round, with the state already advanced: metrics file, checkpoint, failure injection. */
    private void afterRound() {
        if (dir.lockLost() != null) {
            throw new io.mkcnn.store.RunLockedException(out.path() + ": this run (" + state.runId + ") lost its lock: "
                    + dir.lockLost() + "; it stopped without writing further (its last checkpoint stays)");
        }
        budget.roundEnded();
        MetricsLog.write(out, state.metrics);
        if (state.totalRounds % cfg.ops().checkpointEveryRounds() == 0) {
            checkpoint();
        }
        if (stop.requested()) {
            throw stopped();
        }
        rounds.master().faults().afterRound(state.totalRounds);
        budget.check(state.totalRounds);
    }

    private void checkpoint() {
        LOG.info("[run {}] checkpoint {}", state.runId, checkpoints.write(net, state));
        budget.writeEnded();
        TrainingGauges.checkpoint(state.totalRounds);
        MetricsLog.write(out, state.metrics);
    }
}
