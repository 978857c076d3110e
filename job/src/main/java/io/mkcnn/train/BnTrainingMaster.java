package io.mkcnn.train;

import io.mkcnn.config.OuterStep;
import io.mkcnn.config.NativeSettings;
import io.mkcnn.config.Transfer;
import io.mkcnn.config.UpdaterSync;
import io.mkcnn.config.BnMode;
import io.mkcnn.model.MultiKernelNet;
import io.mkcnn.bn.BnMoments;
import io.mkcnn.bn.BnReconciler;
import io.mkcnn.bn.BnStatsRecorder;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.input.ShardStream;
import io.mkcnn.store.StorePaths;
import java.util.Arrays;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.datavec.spark.util.BroadcastHadoopConfigHolder;
import org.datavec.spark.util.SerializableHadoopConfig;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.deeplearning4j.core.loader.MultiDataSetLoader;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.worker.ExecuteWorkerPathMDSFlatMap;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;
import org.deeplearning4j.spark.util.SparkUtils;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DL4J's parameter-averaging training master with the driver side of BN reconciliation: after the workers'
 * parameters and updater states are averaged, every BN layer's moving statistics are replaced by the pooled
 * statistics of the round ({@link BnReconciler}) unless the mode is {@link BnMode#NAIVE}. A round's results
 * must all be finite, otherwise the round is refused with {@link NonFiniteRoundException} and the network keeps
 * the previous round's parameters.
 */
public class BnTrainingMaster extends ParameterAveragingTrainingMaster {
    private static final Logger LOG = LoggerFactory.getLogger(BnTrainingMaster.class);

    private final BnMode bnMode;
    private final NativeSettings workerSettings;
    /** A test's faults (the driver's only: the master is not sent to executors). */
    private final transient RunFaults faults;
    private final OuterOptimizer outer;
    private final RoundPlanner planner;
    private transient long splitSeed;
    private transient int skipRounds;
    private transient int splitsThisEpoch;
    private transient RoundListener listener = stats -> { };
    private transient Broadcast<NetBroadcastTuple> lastBroadcast;
    private transient int round;
    private transient BnMoments lastMoments = new BnMoments();
    private transient RoundClock clock = new RoundClock();
    private transient int roundAtEpochStart;
    private transient RoundLabels labels = new RoundLabels();
    /** The run's exported minibatches (created on first use, from the export directory). */
    private transient ExportedMinibatches export;

    /**
     * @param faults a test's faults ({@link RunFaults#NONE} in a real run)
     */
    public BnTrainingMaster(Builder builder, BnMode bnMode, NativeSettings workerSettings, RunFaults faults,
                            OuterOptimizer outer, Transfer transfer, UpdaterSync sync, int syncRounds) {
        super(builder);
        this.planner = new RoundPlanner(transfer, sync, syncRounds);
        this.bnMode = bnMode;
        this.workerSettings = workerSettings;
        this.faults = faults;
        this.outer = outer;
    }

    /** A test's faults, read once per run when the master is made ({@link RunFaults#NONE} in a real run). */
    RunFaults faults() {
        return faults != null ? faults : RunFaults.NONE;
    }

    /** The driver's outer optimizer (whose momentum buffer checkpoints save). */
    public OuterOptimizer outer() {
        return outer;
    }

    /**
     * Prepares the next fit (one epoch): its splits into rounds are drawn with {@code seed} alone, so they are
     * the same whatever ran before, and the first {@code skip} rounds (done before a restart) are left out.
     * The round counter continues from {@code roundsDone}.
     */
    public void startEpoch(long seed, int skip, int roundsDone) {
        this.splitSeed = seed;
        this.skipRounds = skip;
        this.round = roundsDone;
        this.roundAtEpochStart = roundsDone;
        clock.restart();
    }

    /**
     * Prepares the next {@link #trainRounds} of an epoch of {@code roundsInEpoch} rounds ({@code
     * train.approach=stream},
     * where the driver counts the rounds), {@code doneInEpoch} of them done before a restart; the round counter
     * continues from {@code roundsDone}.
     */
    public void startRounds(int roundsInEpoch, int doneInEpoch, int roundsDone) {
        startEpoch(0, doneInEpoch, roundsDone);
        this.splitsThisEpoch = roundsInEpoch;
    }

    /**
     * Trains {@code count} rounds with {@code train.approach=stream}, continuing the round counter: in round r
     * (0-based)
     * every worker trains minibatches r*H .. r*H+H-1 of its shard's {@link ShardStream}, where partition p of
     * {@code shards} is worker p's shard. Each round's tasks run where Spark caches their partition.
     */
    public void trainRounds(SparkComputationGraph graph, JavaRDD<CifarRecord> shards, long seed, int count) {
        for (int i = 0; i < count; i++) {
            long first = (long) round * averagingFrequency;
            StreamRound task = new StreamRound((BnAwareWorker) getWorkerInstance(graph), planner.token(), seed,
                    batchSizePerWorker, MultiKernelNet.classes(graph.getNetwork()), first, averagingFrequency);
            processResults(null, graph, shards.mapPartitionsWithIndex(task, true), i + 1, count);
        }
    }

    /**
     * What the Spark UI shows for the epoch's round jobs, e.g. "run 8a2e epoch 3/27": each round's jobs are
     * described as that plus " round 5/39".
     */
    public void setJobLabel(String label) {
        labels.set(label);
    }

    /** Rounds of the epoch being trained, skipped ones included (known once its data is split). */
    public int roundsThisEpoch() {
        return splitsThisEpoch;
    }

    @Override
    protected <T> JavaRDD<T>[] getSplitRDDs(JavaRDD<T> trainingData, int totalDataSetObjectCount,
                                            int examplesPerDataSetObject) {
        int perSplit = getNumDataSetObjectsPerSplit(examplesPerDataSetObject);
        JavaRDD<T>[] all = SparkUtils.balancedRandomSplit(totalDataSetObjectCount, perSplit, trainingData, splitSeed);
        splitsThisEpoch = all.length;
        return Arrays.copyOfRange(all, Math.min(skipRounds, all.length), all.length);
    }

    public void setRoundListener(RoundListener listener) {
        this.listener = listener;
    }

    /** The merged BN statistics of the last round (what {@link BnMode#POOLED} wrote into the network). */
    public BnMoments lastMoments() {
        return lastMoments;
    }

    /** Rounds completed so far. */
    public int rounds() {
        return round;
    }

    @Override
    public ParameterAveragingTrainingWorker getWorkerInstance(SparkComputationGraph graph) {
        labels.describe(graph.getSparkContext(), skipRounds + round - roundAtEpochStart + 1, splitsThisEpoch);
        ComputationGraph net = graph.getNetwork();
        RoundPlan plan = planner.plan(graph.getSparkContext(), net, round, faults().poisonRound(round + 1));
        NetBroadcastTuple tuple = new NetBroadcastTuple(net.getConfiguration(), net.params(),
                plan.keepsUpdaterState() ? null : net.getUpdater().getStateViewArray());
        lastBroadcast = graph.getSparkContext().broadcast(tuple);
        // maxBatchesPerWorker = 0 (no cap): DL4J caps each worker at averagingFrequency minibatches while its
        // splits round the split count down, so every split holds a little more than that and DL4J silently
        // drops the excess (up to almost half an epoch on small data). Workers train on their whole share.
        WorkerConfiguration configuration = new WorkerConfiguration(true, rddDataSetNumExamples, batchSizePerWorker,
                0, prefetchNumBatches, collectTrainingStats);
        return new BnAwareWorker(lastBroadcast, saveUpdater, configuration, new BnStatsRecorder(), workerSettings,
                plan);
    }

    @Override
    protected void processResults(SparkDl4jMultiLayer network, SparkComputationGraph graph,
                                  JavaRDD<ParameterAveragingTrainingResult> results, int splitNum, int totalSplits) {
        if (graph == null) {
            throw new UnsupportedOperationException("only ComputationGraph training is supported");
        }
        long t0 = System.nanoTime();
        RoundAggregate agg = results.treeAggregate(new RoundAggregate(), RoundAggregate::add, RoundAggregate::merge,
                aggregationDepth);
        long t1 = System.nanoTime();
        destroyBroadcast();
        if (agg.results() == 0) {
            LOG.info("Split {} of {} had no data for any worker; skipped", splitNum, totalSplits);
            return;
        }
        ComputationGraph net = graph.getNetwork();
        INDArray params = agg.averageParams(net.params()); // the network still holds the round's broadcast
        INDArray updater = agg.averageUpdaterState();
        double score = agg.averageScore();
        NonFiniteRoundException.check(round + 1, score, params, updater);
        if (outer != null && outer.kind() != OuterStep.AVERAGE) {
            long tOuter = System.nanoTime();
            params = outer.afterRound(net, params); // BN statistics are left to the reconciliation below
            NonFiniteRoundException.check(round + 1, score, params);
            clock.outerSeconds((System.nanoTime() - tOuter) / 1e9);
        } else {
            clock.outerSeconds(0);
        }
        net.setParams(params);
        if (updater != null) {
            net.getUpdater().setStateViewArray(updater);
            planner.stateAveraged();
        }
        graph.setScore(score);
        lastMoments = agg.moments();
        Map<String, Double> shift = Map.of();
        long t2 = System.nanoTime();
        if (bnMode != BnMode.NAIVE && !agg.moments().isEmpty()) {
            shift = BnReconciler.apply(net, agg.moments());
        }
        long t3 = System.nanoTime();
        ComputationGraphConfiguration conf = net.getConfiguration();
        conf.setIterationCount(conf.getIterationCount() + (int) Math.round(agg.meanBatches()));
        round++;
        double roundSeconds = clock.lap(t3);
        listener.onRound(new RoundStats(round, agg.examples(), agg.results(), score, roundSeconds,
                agg.fitNanosMax() / 1e9, (t1 - t0) / 1e9, (t3 - t2) / 1e9, shift, Map.copyOf(agg.precisions()),
                Map.copyOf(agg.engines())));
    }

    /**
     * Exports the epoch's minibatches ({@link ExportedMinibatches}), then starts the round clock so the export is not
     * counted. DL4J refuses to export whenever the cluster's default filesystem is local, even when the export
     * directory itself is on HDFS or S3; here the configured directory decides, and a local one on a cluster only
     * warns (it works where every executor sees the same disk, as on a single-host standalone cluster).
     */
    @Override
    protected JavaRDD<String> exportIfRequiredMDS(JavaSparkContext sc, JavaRDD<MultiDataSet> trainingData) {
        boolean localMaster = sc.master().matches("^local(\\[(\\d+|\\*)])?$");
        if (!localMaster && export().root().startsWith("file:")) {
            LOG.warn("export directory {} is on a local filesystem while Spark runs on {}: every executor must see it"
                    + " (set train.export.dir to HDFS/S3, or train.approach=direct)", StorePaths.path(export().root()),
                    sc.master());
        }
        if (!export().holds(trainingData.id())) {
            exportMDS(trainingData);
        }
        JavaRDD<String> paths = export().byWorker(sc, numWorkers);
        clock.restart();
        return paths;
    }

    @Override
    protected String exportMDS(JavaRDD<MultiDataSet> trainingData) {
        return export().export(JavaSparkContext.fromSparkContext(trainingData.context()), trainingData,
                batchSizePerWorker);
    }

    @Override
    protected String getBaseDirForRDD(JavaRDD<?> rdd) {
        return export().rddDir(rdd.id());
    }

    /** Workers read the exported minibatches through a loader that decodes their encoded URIs. */
    @Override
    protected void doIterationPaths(SparkDl4jMultiLayer network, SparkComputationGraph graph, JavaRDD<String> split,
                                    int splitNum, int numSplits, int dataSetObjectNumExamples, DataSetLoader dsLoader,
                                    MultiDataSetLoader mdsLoader) {
        if (graph == null || dsLoader != null) {
            throw new UnsupportedOperationException("only ComputationGraph training on MultiDataSets is supported");
        }
        Broadcast<SerializableHadoopConfig> hadoop = BroadcastHadoopConfigHolder.get(graph.getSparkContext());
        JavaRDD<ParameterAveragingTrainingResult> result = split.mapPartitions(new ExecuteWorkerPathMDSFlatMap<>(
                getWorkerInstance(graph), new ExportedMinibatches.Loader(hadoop), hadoop));
        processResults(null, graph, result, splitNum, numSplits);
    }

    @Override
    protected boolean deleteTempDir(JavaSparkContext sc, String dirUri) {
        return ExportedMinibatches.delete(sc.hadoopConfiguration(), dirUri);
    }

    /** Deletes what this master exported and nothing else ({@link ExportedMinibatches#deleteAll}). */
    @Override
    public boolean deleteTempFiles(JavaSparkContext sc) {
        return exportDirectory == null || export().deleteAll(sc.hadoopConfiguration());
    }

    /** See {@link ExportedMinibatches#useFolder}. */
    public void useExportFolder(JavaSparkContext sc, String name, boolean runOwnsDirectory) {
        export().useFolder(sc.hadoopConfiguration(), name, runOwnsDirectory);
    }

    private ExportedMinibatches export() {
        if (export == null) {
            if (exportDirectory == null) {
                throw new IllegalStateException("no export directory set");
            }
            export = new ExportedMinibatches(exportDirectory, trainingMasterUID);
        }
        return export;
    }

    /** Seconds the last outer step took (0 for plain averaging). */
    public double lastOuterSeconds() {
        return clock.outerSeconds();
    }

    private void destroyBroadcast() {
        if (lastBroadcast != null) {
            lastBroadcast.destroy();
            lastBroadcast = null;
        }
    }
}
