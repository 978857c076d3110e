package io.mkcnn.train;

import io.mkcnn.config.JobConfig;
import io.mkcnn.data.InvalidDataException;
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
    private Checkpoints checkpoints;
    private RunState state;
    private ComputationGraph net;
    /** A network of this configuration, built only to check a checkpoint's shapes. */
    private ComputationGraph expected;
    private Progress progress;
    private final TaskFailures failures = new TaskFailures();
    private final RunningTasks tasks = new RunningTasks();
    private volatile String jobGroup;
    private GracefulStop stop;
    private int lastCheckpointRound = -1;

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
        if (state != null && net != null && checkpoints != null && state.totalRounds > lastCheckpointRound) {
            checkpoint();
        }
        return new StoppedException(stop.signal(), state == null ? 0 : state.totalRounds);
    }

    /** The run once its directory is held: read the data, restore or start, train every epoch, finish. */
    private RunSummary train(RunDirectory dir, RunData files) {
        RunRecords data = RunRecords.read(sc, cfg, files);
        dir.begin();
        OuterOptimizer outer = restoreOrStart(dir, data);
        start(data, outer);
        try {
            for (int epoch = state.epochsDone + 1; epoch <= cfg.train().epochs(); epoch++) {
                trainEpoch(epoch, data);
                if (evaluationDue(epoch)) {
                    EpochEvaluation.run(sc, cfg, net, data.train(), data.trainCount(), data.test(), epoch, state,
                            progress::elapsed);
                }
                endEpoch(epoch);
            }
        } finally {
            if (!data.epochs().stream()) {
                deleteExport();
            }
        }
        return finish(data);
    }

    /**
     * Resumes from the newest readable checkpoint (its state, network and outer momentum), or starts a fresh run;
     * refuses when checkpoints exist but none is readable.
     *
     * @return the outer optimizer, its momentum restored with the checkpoint
     */
    private OuterOptimizer restoreOrStart(RunDirectory dir, RunRecords data) {
        checkpoints = new Checkpoints(out, cfg.ops().checkpointKeep());
        long totalIterations = data.epochs().totalIterations();
        OuterOptimizer outer = OuterOptimizer.of(cfg);
        Checkpoints.Restored restored = checkpoints.restore(cfg.hash(),
                checkpointed -> MultiKernelNet.requireSameShapes(
                expected(totalIterations), checkpointed), outer);
        if (restored.found()) {
            state = restored.state();
            net = restored.net();
            lastCheckpointRound = state.totalRounds;
            TrainingGauges.checkpoint(state.totalRounds);
            LOG.info("[run {}] resuming from {}: {} epochs and {} rounds done", state.runId, restored.dir(),
                    state.epochsDone, state.totalRounds);
        } else if (!restored.skipped().isEmpty()) {
            // starting over would drop the rounds those checkpoints hold; moving the run aside keeps them
            throw new InvalidDataException(out.resolve(Checkpoints.DIR) + ": no checkpoint is readable ("
                    + String.join("; ", restored.skipped()) + "); starting over would lose their rounds: rerun with "
                    + "--fresh to move this run aside (nothing is deleted) and start again");
        } else {
            state = RunState.fresh(dir.runId(), cfg.hash(), cfg.train().seed());
        }
        return outer;
    }

    /** Logs the run's settings, builds the network (unless restored) and the training master, and wires progress. */
    private void start(RunRecords data, OuterOptimizer outer) {
        long trainCount = data.trainCount();
        LOG.info("[run {}] configuration (hash {}):\n{}", state.runId, cfg.hash(), cfg.describe());
        LOG.info("[run {}] learning rate {} (model.lr {} x {} for {} workers, train.lr.scaling={}), warm-up {} epochs; "
                + "outer step {}", state.runId, cfg.peakLearningRate(), cfg.model().lr(),
                cfg.peakLearningRate() / cfg.model().lr(), cfg.train().workers(),
                        cfg.train().lrScaling().name().toLowerCase(),
                cfg.train().warmupEpochs(), outer.describe());
        LOG.info("[run {}] {} training records, {} test records, {} workers, {}; native {}", state.runId, trainCount,
                data.testCount(), cfg.train().workers(), data.epochs().describe(), NativeRuntime.describe());
        if (net == null) {
            net = MultiKernelNet.create(cfg.networkSpec(), cfg.modelOptions(data.epochs().totalIterations()));
        }
        rounds = new RoundTrainer(sc, cfg, net, RoundTrainer.exportDir(sc, cfg, out), outer);
        rounds.useRunExportFolder(state.runId, out);
        progress = new Progress(cfg, state, rounds.master(), this::afterRound);
        rounds.onRound(progress);
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
            throw new NonFiniteRoundException(e.getMessage() + "; last good checkpoint: " + checkpoints.latest()
                    .map(c -> c.dir().toString()).orElse("none (diverged before the first)"));
        }
    }

    /** Every {@code eval.every.epochs} epochs, and after the last. */
    private boolean evaluationDue(int epoch) {
        int every = cfg.train().evalEveryEpochs();
        return epoch == cfg.train().epochs() || every > 0 && epoch % every == 0;
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

    /** Writes the model, the report and the final metrics, and releases the cached records. */
    private RunSummary finish(RunRecords data) {
        EvaluationLine last = EvaluationLine.last(state.metrics)
                .orElseThrow(() -> new IllegalStateException("no evaluation recorded"));
        RunSummary summary = progress.summary(last, data.trainCount(), data.testCount(), failures);
        out.writeModel(MODEL, net);
        out.writeText(REPORT, Report.html(state.runId, cfg.effective(), cfg.data().labelSet().names(),
                state.metrics));
        out.writeText(METRICS, Metrics.toJson(summary.toMap()));
        LOG.info("[run {}] done: test accuracy {} on {} records; {} examples/s; model {} metrics {} report {}",
                state.runId, String.format("%.4f", last.accuracy()),
                data.testCount(), String.format("%.1f", summary.training().examplesPerSecond()),
                out.resolve(MODEL), out.resolve(METRICS), out.resolve(REPORT));
        data.train().unpersist();
        data.test().unpersist();
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

    /** A network of this configuration, built once and only to check a checkpoint's shapes. */
    private ComputationGraph expected(long totalIterations) {
        if (expected == null) {
            expected = MultiKernelNet.create(cfg.networkSpec(), cfg.modelOptions(totalIterations));
        }
        return expected;
    }

    /** Called after every round, with the state already advanced: metrics file, checkpoint, failure injection. */
    private void afterRound() {
        if (dir.lockLost() != null) {
            throw new io.mkcnn.store.RunLockedException(out.path() + ": this run (" + state.runId + ") lost its lock: "
                    + dir.lockLost() + "; it stopped without writing further (its last checkpoint stays)");
        }
        MetricsLog.write(out, state.metrics);
        if (state.totalRounds % cfg.ops().checkpointEveryRounds() == 0) {
            checkpoint();
        }
        if (stop.requested()) {
            throw stopped();
        }
        rounds.master().faults().afterRound(state.totalRounds);
    }

    private void checkpoint() {
        LOG.info("[run {}] checkpoint {}", state.runId, checkpoints.write(net, state, rounds == null ? null
                : rounds.master().outer()));
        lastCheckpointRound = state.totalRounds;
        TrainingGauges.checkpoint(state.totalRounds);
        MetricsLog.write(out, state.metrics);
    }
}
