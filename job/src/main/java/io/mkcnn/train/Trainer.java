package io.mkcnn.train;

import io.mkcnn.bn.BnMode;
import io.mkcnn.bn.BnRecompute;
import io.mkcnn.config.JobConfig;
import io.mkcnn.config.TrainingApproach;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.data.InvalidDataException;
import io.mkcnn.eval.Evaluator;
import io.mkcnn.eval.Metrics;
import io.mkcnn.input.Batches;
import io.mkcnn.input.CifarSource;
import io.mkcnn.model.MacCounter;
import io.mkcnn.model.MultiKernelNet;
import io.mkcnn.runtime.NativeRuntime;
import io.mkcnn.store.OutputDir;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver loop of a training run: read and validate the data, build the network, train it epoch by epoch
 * with DL4J parameter averaging (BN reconciled every round by {@link BnTrainingMaster}), evaluate on the test
 * data, and write {@code model.zip}, {@code metrics.json} and {@code config.properties} to the output directory.
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    public static final String MODEL = "model.zip";
    public static final String METRICS = "metrics.json";

    private final JavaSparkContext sc;
    private final JobConfig cfg;
    private final String runId = UUID.randomUUID().toString().substring(0, 4);

    public Trainer(JavaSparkContext sc, JobConfig cfg) {
        this.sc = sc;
        this.cfg = cfg;
    }

    /** Runs the whole training; returns the metrics written to {@code metrics.json}. */
    public Map<String, Object> run() {
        NativeRuntime.configure(cfg.threads());
        OutputDir out = OutputDir.open(cfg.out(), sc.hadoopConfiguration(), MODEL);
        LOG.info("[run {}] configuration (hash {}):\n{}", runId, cfg.hash(), cfg.describe());
        refuseOverlap();
        JavaRDD<CifarRecord> train = CifarSource.read(sc, cfg.trainData(), cfg.workers())
                .persist(StorageLevel.MEMORY_ONLY());
        JavaRDD<CifarRecord> test = CifarSource.read(sc, cfg.testData(), cfg.workers())
                .persist(StorageLevel.MEMORY_ONLY());
        long trainCount = train.count();
        long testCount = test.count();
        long roundsPerEpoch = roundsPerEpoch(trainCount);
        long totalIterations = roundsPerEpoch * cfg.epochs() * cfg.averagingFrequency();
        LOG.info("[run {}] {} training records, {} test records, {} workers, ~{} rounds per epoch; native {}",
                runId, trainCount, testCount, cfg.workers(), roundsPerEpoch, NativeRuntime.describe());

        ComputationGraph net = MultiKernelNet.create(cfg.networkSpec(), cfg.modelOptions(totalIterations));
        BnTrainingMaster master = master(out);
        SparkComputationGraph spark = new SparkComputationGraph(sc, net, master);
        Progress progress = new Progress(runId, cfg.epochs(), roundsPerEpoch);
        master.setRoundListener(progress);

        long start = System.nanoTime();
        for (int epoch = 1; epoch <= cfg.epochs(); epoch++) {
            progress.startEpoch(epoch);
            JavaRDD<MultiDataSet> batches = Batches.training(train, cfg.batchPerWorker(), cfg.seed(), epoch);
            master.markRoundStart();
            spark.fitMultiDataSet(batches);
        }
        double trainSeconds = (System.nanoTime() - start) / 1e9;
        master.deleteTempFiles(sc);
        Map<String, Double> recomputeShift = Map.of();
        if (cfg.bnMode() == BnMode.RECOMPUTE) {
            recomputeShift = BnRecompute.apply(sc, net, train, trainCount, cfg.recomputeSamples(), cfg.evalBatch(),
                    cfg.seed(), cfg.threads());
        }
        long evalStart = System.nanoTime();
        Evaluation eval = Evaluator.evaluate(sc, net, test, cfg.evalBatch(), cfg.threads());
        double evalSeconds = (System.nanoTime() - evalStart) / 1e9;

        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("run_id", runId);
        metrics.put("test", Metrics.evaluation(eval));
        metrics.put("training", Map.of(
                "epochs", cfg.epochs(),
                "rounds", master.rounds(),
                "examples", progress.examples(),
                "seconds", trainSeconds,
                "examples_per_second", progress.examples() / trainSeconds,
                "final_loss", progress.lastLoss(),
                "forward_macs_per_example", MacCounter.forward(cfg.networkSpec())));
        metrics.put("evaluation_examples_per_second", testCount / evalSeconds);
        metrics.put("bn", Map.of("mode", cfg.bnMode().name().toLowerCase(), "recompute_shift", recomputeShift,
                "last_round_shift", progress.lastShift()));
        metrics.put("rounds", progress.history());
        metrics.put("configuration", new java.util.TreeMap<>(cfg.effective()));
        metrics.put("configuration_hash", cfg.hash());

        out.writeText("config.properties", cfg.describe());
        out.writeModel(MODEL, net);
        out.writeText(METRICS, Metrics.toJson(metrics));
        LOG.info("[run {}] done: test accuracy {} on {} records; {} examples/s; model {} metrics {}", runId,
                String.format("%.4f", eval.accuracy()), testCount,
                String.format("%.1f", progress.examples() / trainSeconds), out.resolve(MODEL), out.resolve(METRICS));
        train.unpersist();
        test.unpersist();
        return metrics;
    }

    /** Scoring a model on records it trained on would report a meaningless accuracy. */
    private void refuseOverlap() {
        var trainFiles = new java.util.HashSet<>(CifarSource.listFiles(cfg.trainData(), sc.hadoopConfiguration()));
        var both = new java.util.ArrayList<>(CifarSource.listFiles(cfg.testData(), sc.hadoopConfiguration()));
        both.retainAll(trainFiles);
        if (!both.isEmpty()) {
            throw new InvalidDataException("test data " + cfg.testData() + " and training data " + cfg.trainData()
                    + " share " + both + "; pass the training batches alone to --data (e.g. a data_batch_*.bin glob)");
        }
    }

    /** DL4J's split count: whole rounds of workers x averaging frequency minibatches, rounded down. */
    private long roundsPerEpoch(long records) {
        long batches = (records + cfg.batchPerWorker() - 1) / cfg.batchPerWorker();
        return Math.max(1, batches / ((long) cfg.workers() * cfg.averagingFrequency()));
    }

    private BnTrainingMaster master(OutputDir out) {
        return master(cfg, cfg.exportDir().isBlank() ? out.resolve("_export").toString() : cfg.exportDir());
    }

    /** The training master for a configuration, exporting minibatches under {@code exportDir}. */
    public static BnTrainingMaster master(JobConfig cfg, String exportDir) {
        ParameterAveragingTrainingMaster.Builder b = new ParameterAveragingTrainingMaster.Builder(cfg.workers(),
                cfg.batchPerWorker())
                .batchSizePerWorker(cfg.batchPerWorker())
                .averagingFrequency(cfg.averagingFrequency())
                .saveUpdater(true)
                .rngSeed(cfg.seed())
                .workerPrefetchNumBatches(2)
                // The records are already spread evenly over one partition per worker. DL4J's own rebalancing
                // shuffles every split and places leftover minibatches with an unseeded Random, which makes
                // runs irreproducible; without it each worker trains its partition's share of every split.
                .repartionData(Repartition.Never)
                .rddTrainingApproach(cfg.approach() == TrainingApproach.EXPORT
                        ? RDDTrainingApproach.Export : RDDTrainingApproach.Direct)
                .exportDirectory(exportDir);
        return new BnTrainingMaster(b, cfg.bnMode(), cfg.threads());
    }

    /** Progress lines and per-round history. */
    static final class Progress implements RoundListener {
        private final String runId;
        private final int epochs;
        private final long roundsPerEpoch;
        private final long start = System.nanoTime();
        private final List<Map<String, Object>> history = new ArrayList<>();
        private int epoch;
        private int roundInEpoch;
        private long examples;
        private double lastLoss = Double.NaN;
        private Map<String, Double> lastShift = Map.of();

        Progress(String runId, int epochs, long roundsPerEpoch) {
            this.runId = runId;
            this.epochs = epochs;
            this.roundsPerEpoch = roundsPerEpoch;
        }

        void startEpoch(int e) {
            epoch = e;
            roundInEpoch = 0;
        }

        @Override
        public void onRound(RoundStats s) {
            roundInEpoch++;
            examples += s.examples();
            lastLoss = s.score();
            lastShift = s.bnShift();
            double elapsed = (System.nanoTime() - start) / 1e9;
            double done = (epoch - 1) * (double) roundsPerEpoch + roundInEpoch;
            double total = (double) epochs * roundsPerEpoch;
            double eta = done > 0 ? elapsed * Math.max(0, total - done) / done : 0;
            LOG.info("[run {}][epoch {}/{}][round {}/{}] examples={} throughput={}/s loss={} eta={}", runId, epoch,
                    epochs, roundInEpoch, roundsPerEpoch, examples,
                    String.format("%.1f", s.examples() / Math.max(1e-9, s.roundSeconds())),
                    String.format("%.4f", s.score()), duration(eta));
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("epoch", epoch);
            h.put("round", s.round());
            h.put("examples", s.examples());
            h.put("loss", s.score());
            h.put("round_seconds", s.roundSeconds());
            h.put("fit_seconds", s.fitSeconds());
            h.put("job_seconds", s.jobSeconds());
            h.put("reconcile_seconds", s.reconcileSeconds());
            h.put("bn_shift", s.bnShift());
            history.add(h);
        }

        static String duration(double seconds) {
            long s = Math.round(seconds);
            return s >= 60 ? (s / 60) + "m" + (s % 60) + "s" : s + "s";
        }

        long examples() {
            return examples;
        }

        double lastLoss() {
            return lastLoss;
        }

        Map<String, Double> lastShift() {
            return lastShift;
        }

        List<Map<String, Object>> history() {
            return history;
        }
    }
}
