package io.mkcnn.train;

import io.mkcnn.config.BnMode;
import io.mkcnn.bn.BnRecompute;
import io.mkcnn.config.JobConfig;
import io.mkcnn.config.TrainingApproach;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.data.InvalidDataException;
import io.mkcnn.eval.Evaluator;
import io.mkcnn.eval.Metrics;
import io.mkcnn.input.CifarSource;
import io.mkcnn.input.Shards;
import io.mkcnn.model.MacCounter;
import io.mkcnn.model.MultiKernelNet;
import io.mkcnn.report.EvaluationLine;
import io.mkcnn.report.MetricsLog;
import io.mkcnn.report.Report;
import io.mkcnn.report.RunSummary;
import io.mkcnn.runtime.NativeRuntime;
import io.mkcnn.store.Checkpoints;
import io.mkcnn.store.OutputDir;
import io.mkcnn.store.RunDirectory;
import io.mkcnn.store.RunState;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.evaluation.classification.Evaluation;
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
        this.sc = sc;
        this.cfg = cfg;
        this.fresh = fresh;
    }

    /**
     * Runs (or resumes) the training.
     *
     * @return what {@code metrics.json} says; empty when the run was already complete (nothing trained)
     */
    public Optional<RunSummary> run() {
        String newRunId = UUID.randomUUID().toString().substring(0, 4);
        jobGroup = "mkcnn-run-" + newRunId;
        try (GracefulStop stop = GracefulStop.install(cfg.ops().stopGraceSeconds(), () -> sc.cancelJobGroup(jobGroup))) {
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
        List<org.apache.hadoop.fs.Path> trainFiles = CifarSource.listFiles(cfg.data().train(), CifarSource.Role.TRAINING,
                sc.hadoopConfiguration());
        List<org.apache.hadoop.fs.Path> testFiles = CifarSource.listFiles(cfg.data().test(), CifarSource.Role.SCORING,
                sc.hadoopConfiguration());
        refuseOverlap(trainFiles, testFiles);
        LOG.info("training files ({}): {}", trainFiles.size(), trainFiles);
        LOG.info("test files ({}): {}", testFiles.size(), testFiles);
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
                return Optional.of(train(dir, trainFiles, testFiles));
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

    /** The run's records: training shards and test records, cached, with their counts. */
    private record Data(JavaRDD<CifarRecord> train, JavaRDD<CifarRecord> test, long trainCount, long testCount) {
    }

    /** The run once its directory is held: read the data, restore or start, train every epoch, finish. */
    private RunSummary train(RunDirectory dir, List<org.apache.hadoop.fs.Path> trainFiles,
                                      List<org.apache.hadoop.fs.Path> testFiles) {
        Data data = readData(trainFiles, testFiles);
        dir.begin();
        OuterOptimizer outer = restoreOrStart(dir, data);
        start(data, outer);
        try {
            for (int epoch = state.epochsDone + 1; epoch <= cfg.train().epochs(); epoch++) {
                trainEpoch(epoch, data);
            }
        } finally {
            if (!stream()) {
                deleteExport();
            }
        }
        return finish(data);
    }

    private boolean stream() {
        return cfg.train().approach() == TrainingApproach.STREAM;
    }

    /** Reads and shards the records, and parses and validates every one before anything is written. */
    private Data readData(List<org.apache.hadoop.fs.Path> trainFiles, List<org.apache.hadoop.fs.Path> testFiles) {
        JavaRDD<CifarRecord> records = CifarSource.read(sc, trainFiles, cfg.train().workers());
        JavaRDD<CifarRecord> train = switch (cfg.train().partitioning()) {
            case IID -> records;
            case BY_CLASS -> Shards.byClass(records, cfg.train().workers());
            case BY_LABEL -> Shards.byLabel(records, cfg.train().workers());
        };
        train.persist(StorageLevel.MEMORY_ONLY());
        JavaRDD<CifarRecord> test = CifarSource.read(sc, testFiles, cfg.train().workers())
                .persist(StorageLevel.MEMORY_ONLY());
        return new Data(train, test, train.count(), test.count());
    }

    /** Parameter updates over the whole run (the learning-rate schedules span them). */
    private long totalIterations(long trainCount) {
        return (stream() ? roundsEnding(cfg.train().epochs(), trainCount) : roundsPerEpoch(trainCount) * cfg.train().epochs())
                * cfg.train().averagingFrequency();
    }

    /**
     * Resumes from the newest readable checkpoint (its state, network and outer momentum), or starts a fresh run;
     * refuses when checkpoints exist but none is readable.
     *
     * @return the outer optimizer, its momentum restored with the checkpoint
     */
    private OuterOptimizer restoreOrStart(RunDirectory dir, Data data) {
        checkpoints = new Checkpoints(out, cfg.ops().checkpointKeep());
        long totalIterations = totalIterations(data.trainCount());
        OuterOptimizer outer = OuterOptimizer.of(cfg);
        Checkpoints.Restored restored = checkpoints.restore(cfg.hash(), checkpointed -> sameShapes(checkpointed,
                totalIterations), outer);
        if (restored.found()) {
            state = restored.state();
            net = restored.net();
            lastCheckpointRound = state.totalRounds;
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
    private void start(Data data, OuterOptimizer outer) {
        long trainCount = data.trainCount();
        LOG.info("[run {}] configuration (hash {}):\n{}", state.runId, cfg.hash(), cfg.describe());
        LOG.info("[run {}] learning rate {} (model.lr {} x {} for {} workers, train.lr.scaling={}), warm-up {} epochs; "
                + "outer step {}", state.runId, cfg.peakLearningRate(), cfg.model().lr(),
                cfg.peakLearningRate() / cfg.model().lr(), cfg.train().workers(), cfg.train().lrScaling().name().toLowerCase(),
                cfg.train().warmupEpochs(), outer.describe());
        LOG.info("[run {}] {} training records, {} test records, {} workers, {} rounds per epoch ({}); native {}",
                state.runId, trainCount, data.testCount(), cfg.train().workers(), stream()
                        ? String.format("%.2f", roundsEnding(cfg.train().epochs(), trainCount) / (double) cfg.train().epochs())
                        : roundsPerEpoch(trainCount), stream() ? "rounds run on across epoch ends"
                        : "whole rounds in each epoch", NativeRuntime.describe());
        if (net == null) {
            net = MultiKernelNet.create(cfg.networkSpec(), cfg.modelOptions(totalIterations(trainCount)));
        }
        rounds = new RoundTrainer(sc, cfg, net, exportDir(), outer);
        if (!stream()) {
            // one folder per run in the export directory, the same for every attempt: a rerun deletes what an
            // attempt that was killed left there, and nothing of another run's
            rounds.useExportFolder("mkcnn-run-" + state.runId + "-"
                    + String.format("%08x", io.mkcnn.store.StorePaths.uri(out.path()).hashCode()),
                    cfg.ops().exportDir().isBlank());
        }
        progress = new Progress(cfg, state, rounds.master(), this::afterRound);
        rounds.onRound(progress);
    }

    /** Trains one epoch's rounds, evaluates when due, checkpoints, and stops here when a signal asked. */
    private void trainEpoch(int epoch, Data data) {
        String label = "run " + state.runId + " epoch " + epoch + "/" + cfg.train().epochs();
        rounds.label(label);
        progress.startEpoch(epoch);
        try {
            if (stream()) {
                // the epoch ends at the round boundary nearest its last record
                int first = roundsEnding(epoch - 1, data.trainCount());
                int end = roundsEnding(epoch, data.trainCount());
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
        // the epoch counts as done only once its evaluation is: a stop during the evaluation resumes with it
        if (epoch == cfg.train().epochs() || cfg.train().evalEveryEpochs() > 0 && epoch % cfg.train().evalEveryEpochs() == 0) {
            sc.setJobDescription(label + ": evaluation");
            evaluate(data.train(), data.trainCount(), data.test(), epoch);
        }
        state.epochsDone = epoch;
        state.roundsInEpochDone = 0;
        checkpoint();
        if (stop.requested() && epoch < cfg.train().epochs()) {
            throw stopped();
        }
    }

    /** Writes the model, the report and the final metrics, and releases the cached records. */
    private RunSummary finish(Data data) {
        EvaluationLine last = EvaluationLine.last(state.metrics)
                .orElseThrow(() -> new IllegalStateException("no evaluation recorded"));
        RunSummary summary = summary(last, data.trainCount(), data.testCount());
        out.writeModel(MODEL, net);
        out.writeText(REPORT, Report.html(state.runId, cfg.effective(), state.metrics));
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

    /** Refuses a checkpointed network whose parameters are not shaped as this configuration's network. */
    private void sameShapes(ComputationGraph checkpointed, long totalIterations) {
        if (expected == null) {
            expected = MultiKernelNet.create(cfg.networkSpec(), cfg.modelOptions(totalIterations));
        }
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> want = expected.paramTable();
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> got = checkpointed.paramTable();
        if (!want.keySet().equals(got.keySet())) {
            java.util.Set<String> missing = new java.util.TreeSet<>(want.keySet());
            missing.removeAll(got.keySet());
            java.util.Set<String> extra = new java.util.TreeSet<>(got.keySet());
            extra.removeAll(want.keySet());
            throw new IllegalArgumentException("not this configuration's network: " + got.size() + " parameter arrays, "
                    + "expected " + want.size() + "; missing " + missing.stream().limit(3).toList() + ", unexpected "
                    + extra.stream().limit(3).toList());
        }
        want.forEach((k, v) -> {
            if (!java.util.Arrays.equals(v.shape(), got.get(k).shape())) {
                throw new IllegalArgumentException("model parameter " + k + " has shape "
                        + java.util.Arrays.toString(got.get(k).shape()) + ", expected "
                        + java.util.Arrays.toString(v.shape()));
            }
        });
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
        MetricsLog.write(out, state.metrics);
    }

    /** Evaluates on the test data (after recomputing BN statistics in recompute mode) and logs a metrics line. */
    private void evaluate(JavaRDD<CifarRecord> train, long trainCount, JavaRDD<CifarRecord> test, int epoch) {
        Map<String, Double> recomputeShift = Map.of();
        if (cfg.bn().mode() == BnMode.RECOMPUTE) {
            recomputeShift = BnRecompute.apply(sc, net, train, trainCount, cfg.bn().recomputeSamples(), cfg.ops().evalBatch(),
                    cfg.train().seed() + epoch, cfg.nativeSettings());
        }
        long start = System.nanoTime();
        Evaluation eval = Evaluator.evaluate(sc, net, test, cfg.ops().evalBatch(), cfg.nativeSettings());
        double seconds = (System.nanoTime() - start) / 1e9;
        state.metrics.add(new EvaluationLine(epoch, state.totalRounds, state.examplesSeen, progress.elapsed(),
                Metrics.evaluation(eval), eval.getNumRowCounter() / seconds, recomputeShift).toMap());
        LOG.info("[run {}][epoch {}/{}] test accuracy {} ({} records, {}/s)", state.runId, epoch, cfg.train().epochs(),
                String.format("%.4f", eval.accuracy()), eval.getNumRowCounter(),
                String.format("%.0f", eval.getNumRowCounter() / seconds));
    }

    private RunSummary summary(EvaluationLine test, long trainCount, long testCount) {
        RunSummary.Training training = new RunSummary.Training(state.epochsDone, state.totalRounds,
                state.examplesSeen, state.trainSeconds, progress.lastLoss(), MacCounter.forward(cfg.networkSpec()),
                failures.failedTasks(), failures.lostExecutors(),
                NativeRuntime.precision().name().toLowerCase(java.util.Locale.ROOT), progress.precisions());
        return new RunSummary(state.runId, test, training, trainCount, testCount,
                cfg.bn().mode().name().toLowerCase(java.util.Locale.ROOT), progress.lastShift(), cfg.effective(),
                cfg.hash());
    }

    /** Scoring a model on records it trained on would report a meaningless accuracy. */
    private void refuseOverlap(List<org.apache.hadoop.fs.Path> trainFiles, List<org.apache.hadoop.fs.Path> testFiles) {
        var both = new java.util.ArrayList<>(testFiles);
        both.retainAll(new java.util.HashSet<>(trainFiles));
        if (!both.isEmpty()) {
            throw new InvalidDataException("test data " + cfg.data().test() + " and training data " + cfg.data().train()
                    + " share " + both + "; pass the training batches alone to --data (e.g. a data_batch_*.bin glob)");
        }
    }

    /** DL4J's split count: whole rounds of workers x averaging frequency minibatches, rounded down. */
    private long roundsPerEpoch(long records) {
        long batches = (records + cfg.train().batch() - 1) / cfg.train().batch();
        return Math.max(1, batches / ((long) cfg.train().workers() * cfg.train().averagingFrequency()));
    }

    /**
     * {@code train.approach=stream}: the rounds done when {@code epoch} epochs end, the round boundary nearest the
     * end of the epoch's records ({@code epoch x records / (workers x H x batch)} rounded, at least one), 0 for
     * epoch 0. When a round holds more than an epoch, consecutive epochs may end at the same boundary.
     */
    int roundsEnding(int epoch, long records) {
        return roundsEnding(epoch, records, cfg);
    }

    /** As {@link #roundsEnding(int, long)} for a configuration. */
    static int roundsEnding(int epoch, long records, JobConfig cfg) {
        if (epoch == 0) {
            return 0;
        }
        double perRound = (double) cfg.train().workers() * cfg.train().averagingFrequency() * cfg.train().batch();
        return (int) Math.max(1, Math.round(epoch * records / perRound));
    }

    /** Where minibatches are exported: {@code train.export.dir}, or the run's own {@code _export} folder. */
    private org.apache.hadoop.fs.Path exportDir() {
        if (cfg.ops().exportDir().isBlank()) {
            return out.resolve("_export");
        }
        org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(cfg.ops().exportDir());
        try {
            return dir.getFileSystem(sc.hadoopConfiguration()).makeQualified(dir);
        } catch (java.io.IOException e) {
            throw new io.mkcnn.store.OutputException(cfg.ops().exportDir() + ": cannot open the export directory "
                    + "(train.export.dir): " + e.getMessage(), e);
        }
    }
}
