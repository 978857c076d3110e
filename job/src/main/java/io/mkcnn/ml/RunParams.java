package io.mkcnn.ml;

import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;

/**
 * The Params of how the training runs: epochs, workers and their rounds, the optimizers' schedule, the outer step,
 * and where and how the run operates (its checkpoint directory, threads, checkpoints, locks).
 */
abstract class RunParams extends NetworkParams {
    private static final long serialVersionUID = 1L;

    private final Param<String> checkpointDir = stringParam("checkpointDir", "out",
            "the run's directory: checkpoints, model.zip, metrics; a rerun on it resumes");
    private final IntParam epochs = intParam("epochs", "train.epochs",
            "passes over the training records");
    private final IntParam workers = intParam("workers", "train.workers",
            "data-parallel workers (Spark tasks trained at once)");
    private final IntParam batchSize = intParam("batchSize", "train.batch",
            "minibatch per worker");
    private final IntParam averagingFrequency = intParam("averagingFrequency", "train.averaging.frequency",
            "minibatches per worker between averagings");
    private final Param<String> trainingApproach = stringParam("trainingApproach", "train.approach",
            "how minibatches reach the executors: stream or export");
    private final Param<String> partitioning = stringParam("partitioning", "train.partitioning",
            "how records are dealt to the workers: iid, by_class or by_label");
    private final LongParam seed = longParam("seed", "train.seed",
            "seeds initialisation, shuffling and augmentation");
    private final Param<String> lrScaling = stringParam("lrScaling", "train.lr.scaling",
            "how the learning rate grows with the workers: none, linear or sqrt");
    private final DoubleParam warmupEpochs = doubleParam("warmupEpochs", "train.lr.warmup.epochs",
            "epochs of learning-rate warm-up");
    private final Param<String> transfer = dependentParam("transfer", "train.transfer",
            "precision of the workers' changes: fp32 or bf16");
    private final Param<String> updaterSync = dependentParam("updaterSync", "train.updater.sync",
            "when Adam's state is averaged: every, periodic or local");
    private final IntParam updaterSyncRounds = intParam("updaterSyncRounds", "train.updater.sync.rounds",
            "rounds between averagings of Adam's state when periodic");
    private final IntParam evalEveryEpochs = intParam("evalEveryEpochs", "eval.every.epochs",
            "epochs between evaluations; 0 for only at the end");
    private final Param<String> outerStep = dependentParam("outerStep", "train.outer",
            "the driver's outer step: average, momentum or nesterov");
    private final Param<String> outerLearningRate = dependentParam("outerLearningRate", "train.outer.lr",
            "the outer learning rate");
    private final Param<String> outerMomentum = dependentParam("outerMomentum", "train.outer.momentum",
            "the outer momentum");
    private final IntParam threads = intParam("threads", "runtime.threads",
            "native threads per JVM; 0 for the task's cores");
    private final IntParam evalBatch = intParam("evalBatch", "eval.batch",
            "records per evaluation batch");
    private final IntParam checkpointEveryRounds = intParam("checkpointEveryRounds", "checkpoint.every.rounds",
            "rounds between checkpoints");
    private final IntParam checkpointKeep = intParam("checkpointKeep", "checkpoint.keep",
            "checkpoints kept");
    private final Param<String> exportDir = stringParam("exportDir", "train.export.dir",
            "where exported minibatches go (approach export); empty for under the run");
    private final IntParam lockStaleSeconds = intParam("lockStaleSeconds", "run.lock.stale.seconds",
            "seconds after which a run lock nobody renews is taken over");
    private final IntParam stopGraceSeconds = intParam("stopGraceSeconds", "stop.grace.seconds",
            "seconds a graceful stop waits for the round in flight");

    public Param<String> checkpointDir() {
        return checkpointDir;
    }

    public MultiKernelCnnClassifier setCheckpointDir(String value) {
        return (MultiKernelCnnClassifier) set(checkpointDir, value);
    }

    public IntParam epochs() {
        return epochs;
    }

    public MultiKernelCnnClassifier setEpochs(int value) {
        return (MultiKernelCnnClassifier) set(epochs, value);
    }

    public IntParam workers() {
        return workers;
    }

    public MultiKernelCnnClassifier setWorkers(int value) {
        return (MultiKernelCnnClassifier) set(workers, value);
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public MultiKernelCnnClassifier setBatchSize(int value) {
        return (MultiKernelCnnClassifier) set(batchSize, value);
    }

    public IntParam averagingFrequency() {
        return averagingFrequency;
    }

    public MultiKernelCnnClassifier setAveragingFrequency(int value) {
        return (MultiKernelCnnClassifier) set(averagingFrequency, value);
    }

    public Param<String> trainingApproach() {
        return trainingApproach;
    }

    public MultiKernelCnnClassifier setTrainingApproach(String value) {
        return (MultiKernelCnnClassifier) set(trainingApproach, value);
    }

    public Param<String> partitioning() {
        return partitioning;
    }

    public MultiKernelCnnClassifier setPartitioning(String value) {
        return (MultiKernelCnnClassifier) set(partitioning, value);
    }

    public LongParam seed() {
        return seed;
    }

    public MultiKernelCnnClassifier setSeed(long value) {
        return (MultiKernelCnnClassifier) set(seed, value);
    }

    public Param<String> lrScaling() {
        return lrScaling;
    }

    public MultiKernelCnnClassifier setLrScaling(String value) {
        return (MultiKernelCnnClassifier) set(lrScaling, value);
    }

    public DoubleParam warmupEpochs() {
        return warmupEpochs;
    }

    public MultiKernelCnnClassifier setWarmupEpochs(double value) {
        return (MultiKernelCnnClassifier) set(warmupEpochs, value);
    }

    public Param<String> transfer() {
        return transfer;
    }

    public MultiKernelCnnClassifier setTransfer(String value) {
        return (MultiKernelCnnClassifier) set(transfer, value);
    }

    public Param<String> updaterSync() {
        return updaterSync;
    }

    public MultiKernelCnnClassifier setUpdaterSync(String value) {
        return (MultiKernelCnnClassifier) set(updaterSync, value);
    }

    public IntParam updaterSyncRounds() {
        return updaterSyncRounds;
    }

    public MultiKernelCnnClassifier setUpdaterSyncRounds(int value) {
        return (MultiKernelCnnClassifier) set(updaterSyncRounds, value);
    }

    public IntParam evalEveryEpochs() {
        return evalEveryEpochs;
    }

    public MultiKernelCnnClassifier setEvalEveryEpochs(int value) {
        return (MultiKernelCnnClassifier) set(evalEveryEpochs, value);
    }

    public Param<String> outerStep() {
        return outerStep;
    }

    public MultiKernelCnnClassifier setOuterStep(String value) {
        return (MultiKernelCnnClassifier) set(outerStep, value);
    }

    public Param<String> outerLearningRate() {
        return outerLearningRate;
    }

    public MultiKernelCnnClassifier setOuterLearningRate(String value) {
        return (MultiKernelCnnClassifier) set(outerLearningRate, value);
    }

    public Param<String> outerMomentum() {
        return outerMomentum;
    }

    public MultiKernelCnnClassifier setOuterMomentum(String value) {
        return (MultiKernelCnnClassifier) set(outerMomentum, value);
    }

    public IntParam threads() {
        return threads;
    }

    public MultiKernelCnnClassifier setThreads(int value) {
        return (MultiKernelCnnClassifier) set(threads, value);
    }

    public IntParam evalBatch() {
        return evalBatch;
    }

    public MultiKernelCnnClassifier setEvalBatch(int value) {
        return (MultiKernelCnnClassifier) set(evalBatch, value);
    }

    public IntParam checkpointEveryRounds() {
        return checkpointEveryRounds;
    }

    public MultiKernelCnnClassifier setCheckpointEveryRounds(int value) {
        return (MultiKernelCnnClassifier) set(checkpointEveryRounds, value);
    }

    public IntParam checkpointKeep() {
        return checkpointKeep;
    }

    public MultiKernelCnnClassifier setCheckpointKeep(int value) {
        return (MultiKernelCnnClassifier) set(checkpointKeep, value);
    }

    public Param<String> exportDir() {
        return exportDir;
    }

    public MultiKernelCnnClassifier setExportDir(String value) {
        return (MultiKernelCnnClassifier) set(exportDir, value);
    }

    public IntParam lockStaleSeconds() {
        return lockStaleSeconds;
    }

    public MultiKernelCnnClassifier setLockStaleSeconds(int value) {
        return (MultiKernelCnnClassifier) set(lockStaleSeconds, value);
    }

    public IntParam stopGraceSeconds() {
        return stopGraceSeconds;
    }

    public MultiKernelCnnClassifier setStopGraceSeconds(int value) {
        return (MultiKernelCnnClassifier) set(stopGraceSeconds, value);
    }

    RunParams(String uid) {
        super(uid);
    }
}
