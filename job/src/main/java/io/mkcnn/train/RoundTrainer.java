package io.mkcnn.train;

import io.mkcnn.bn.BnMoments;
import io.mkcnn.config.JobConfig;
import io.mkcnn.config.TrainingApproach;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.input.Batches;
import io.mkcnn.store.OutputDir;
import io.mkcnn.store.OutputException;
import io.mkcnn.store.StorePaths;
import java.io.IOException;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;

/**
 * The training core: trains a network round by round on a SparkContext, every worker fitting its shard for
 * {@code train.averaging.frequency} minibatches, the driver averaging, reconciling the BN statistics and taking the
 * outer step ({@link BnTrainingMaster}). A run ({@link Trainer}) drives it epoch by epoch around its checkpoints;
 * benchmarks and studies drive it on their own data.
 */
public final class RoundTrainer {
    private final JavaSparkContext sc;
    private final JobConfig cfg;
    private final BnTrainingMaster master;
    private final SparkComputationGraph spark;

    /**
     * A trainer of {@code net} (trained in place) with a fresh outer optimizer.
     *
     * @param exportDir where {@code train.approach=export} writes minibatches
     */
    public RoundTrainer(JavaSparkContext sc, JobConfig cfg, ComputationGraph net, Path exportDir) {
        this(sc, cfg, net, exportDir, OuterOptimizer.of(cfg));
    }

    /** As above, with the driver's outer optimizer (restored from a checkpoint when a run resumes). */
    RoundTrainer(JavaSparkContext sc, JobConfig cfg, ComputationGraph net, Path exportDir, OuterOptimizer outer) {
        this.sc = sc;
        this.cfg = cfg;
        this.master = master(cfg, exportDir, outer);
        this.spark = new SparkComputationGraph(sc, net, master);
    }

    private static BnTrainingMaster master(JobConfig cfg, Path exportDir, OuterOptimizer outer) {
        ParameterAveragingTrainingMaster.Builder b = new ParameterAveragingTrainingMaster.Builder(cfg.train().workers(),
                cfg.train().batch())
                .batchSizePerWorker(cfg.train().batch())
                .averagingFrequency(cfg.train().averagingFrequency())
                .saveUpdater(true)
                .rngSeed(cfg.train().seed())
                .workerPrefetchNumBatches(2)
                // The records are already spread evenly over one partition per worker. DL4J's own rebalancing
                // shuffles every split and places leftover minibatches with an unseeded Random, which makes
                // runs irreproducible; without it each worker trains its partition's share of every split.
                .repartionData(Repartition.Never)
                .rddTrainingApproach(cfg.train().approach() == TrainingApproach.EXPORT
                        ? RDDTrainingApproach.Export : RDDTrainingApproach.Direct)
                .exportDirectory(StorePaths.uri(exportDir));
        return new BnTrainingMaster(b, cfg.bn().mode(), cfg.nativeSettings(), RunFaults.installed(), outer,
                cfg.train().transfer(), cfg.train().updaterSync(), cfg.train().updaterSyncRounds());
    }

    /** Where minibatches are exported: {@code train.export.dir}, or the run's own {@code _export} in {@code out}. */
    static Path exportDir(JavaSparkContext sc, JobConfig cfg, OutputDir out) {
        if (cfg.ops().exportDir().isBlank()) {
            return out.resolve("_export");
        }
        Path dir = StorePaths.given(cfg.ops().exportDir());
        try {
            return dir.getFileSystem(sc.hadoopConfiguration()).makeQualified(dir);
        } catch (IOException e) {
            throw new OutputException(cfg.ops().exportDir() + ": cannot open the export directory "
                    + "(train.export.dir): " + e.getMessage(), e);
        }
    }

    /** Called after every round, once the network holds the round's result. */
    public void onRound(RoundListener listener) {
        master.setRoundListener(listener);
    }

    /** What the Spark UI shows for the coming rounds' jobs, e.g. "run 8a2e epoch 3/27" (see {@link RoundLabels}). */
    public void label(String label) {
        master.setJobLabel(label);
    }

    /** Rounds completed so far. */
    public int rounds() {
        return master.rounds();
    }

    /** The merged BN statistics of the last round. */
    public BnMoments lastMoments() {
        return master.lastMoments();
    }

    /**
     * One epoch of fixed data (one partition per worker): {@code rounds} rounds of {@code train.approach=stream}, or
     * DL4J's fit of the epoch's minibatches.
     */
    public void fitEpoch(JavaRDD<CifarRecord> records, int epoch, int rounds) {
        if (stream()) {
            trainRounds(records, rounds, 0, master.rounds(), rounds);
        } else {
            fitMinibatches(records, epoch, 0, master.rounds());
        }
    }

    /**
     * {@code train.approach=stream}: trains {@code count} rounds of an epoch of {@code epochRounds}, the first
     * {@code doneInEpoch} of which were done before a restart; the round counter continues from {@code roundsDone}.
     */
    void trainRounds(JavaRDD<CifarRecord> shards, int epochRounds, int doneInEpoch, int roundsDone, int count) {
        master.startRounds(epochRounds, doneInEpoch, roundsDone);
        master.trainRounds(spark, shards, cfg.train().seed(), count);
    }

    /**
     * DL4J's fit of epoch {@code epoch}'s minibatches ({@code train.approach=export} or {@code direct}), split into
     * rounds by a seed of the epoch alone, leaving out the first {@code skip} rounds (done before a restart); the
     * round counter continues from {@code roundsDone}.
     */
    void fitMinibatches(JavaRDD<CifarRecord> shards, int epoch, int skip, int roundsDone) {
        master.startEpoch(cfg.train().seed() * 31 + epoch, skip, roundsDone);
        spark.fitMultiDataSet(Batches.training(shards, cfg.train().batch(), cfg.data().labelSet().size(),
                cfg.train().seed(), epoch));
    }

    /**
     * Exports (unless {@code train.approach=stream}) into one folder per run in the export directory, the same for
     * every attempt of run {@code runId} in {@code out}: a rerun deletes what an attempt that was killed left there,
     * and nothing of another run's (see {@link ExportedMinibatches#useFolder}).
     */
    void useRunExportFolder(String runId, OutputDir out) {
        if (!stream()) {
            master.useExportFolder(sc, "mkcnn-run-" + runId + "-"
                    + String.format("%08x", StorePaths.uri(out.path()).hashCode()), cfg.ops().exportDir().isBlank());
        }
    }

    /** Deletes what this trainer exported, and nothing else. */
    public void deleteExport() {
        master.deleteTempFiles(sc);
    }

    private boolean stream() {
        return cfg.train().approach() == TrainingApproach.STREAM;
    }

    BnTrainingMaster master() {
        return master;
    }
}
