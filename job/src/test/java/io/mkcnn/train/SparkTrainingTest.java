package io.mkcnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.bn.BnLayers;
import io.mkcnn.bn.ChannelMoments;
import io.mkcnn.config.JobConfig;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.input.Batches;
import io.mkcnn.input.ShardStream;
import io.mkcnn.model.MultiKernelNet;
import io.mkcnn.runtime.NativeRuntime;
import io.mkcnn.testutil.Records;
import io.mkcnn.testutil.SparkTest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/** Parameter averaging on Spark local mode, with each BN reconciliation mode. */
class SparkTrainingTest extends SparkTest {
    @TempDir
    Path dir;

    private JobConfig config(int workers, int averagingFrequency, String bnMode, String approach) {
        return JobConfig.from(Map.of(), "test", Map.of(
                "train.workers", String.valueOf(workers),
                "train.batch", "16",
                "train.averaging.frequency", String.valueOf(averagingFrequency),
                "bn.mode", bnMode,
                "train.approach", approach,
                "train.seed", "7",
                // one native thread everywhere: oneDNN's sums depend on how the work is split between threads
                "runtime.threads", "1"));
    }

    /**
     * Trains one epoch on Spark ({@code streamRounds} rounds under {@code train.approach=stream}); returns the trainer
     * (for its round figures) and leaves the result in net.
     */
    private RoundTrainer fit(JobConfig cfg, ComputationGraph net, JavaRDD<CifarRecord> records,
                             List<RoundStats> rounds, int streamRounds) {
        RoundTrainer trainer = new RoundTrainer(sc, cfg, net, new org.apache.hadoop.fs.Path(
                dir.resolve("export").toUri()));
        trainer.onRound(rounds::add);
        trainer.fitEpoch(records, 1, streamRounds);
        trainer.deleteExport();
        return trainer;
    }

    @Test
    void oneWorkerWithNaiveAveragingEqualsSingleJvmTraining() {
        NativeRuntime.configure(1);
        JobConfig cfg = config(1, 100, "naive", "export");
        JavaRDD<CifarRecord> records = sc.parallelize(Records.synthetic(96, 1), 1);

        ComputationGraph local = MultiKernelNet.create(cfg.networkSpec(), cfg.modelOptions(0));
        INDArray initial = local.params().dup();
        for (MultiDataSet b : Batches.training(records, 16, 10, cfg.train().seed(), 1).collect()) {
            local.fit(b);
        }

        ComputationGraph distributed = MultiKernelNet.create(cfg.networkSpec(), cfg.modelOptions(0));
        List<RoundStats> rounds = new ArrayList<>();
        fit(cfg, distributed, records, rounds, 0);

        assertEquals(1, rounds.size());
        assertEquals(96, rounds.get(0).examples());
        assertTrue(local.params().sub(initial).norm2Number().doubleValue() > 1e-2, "training changed the weights");
        assertTrue(local.params().equalsWithEps(distributed.params(), 1e-5),
                "max difference " + local.params().sub(distributed.params()).amaxNumber());
        NativeRuntime.configure(0);
    }

    /**
     * {@code train.approach=stream}: round r trains minibatches r*H .. r*H+H-1 of the worker's shard stream, so one
     * worker over three rounds (12 minibatches of 16 from 40 records: 4.8 epochs, minibatches spanning epoch ends)
     * is the single JVM fitting those 12 minibatches in turn.
     */
    @Test
    void oneStreamWorkerTrainsItsShardsMinibatchesInTurnAcrossEpochEnds() {
        NativeRuntime.configure(1);
        JobConfig cfg = config(1, 4, "naive", "stream");
        List<CifarRecord> data = Records.synthetic(40, 1);
        JavaRDD<CifarRecord> records = sc.parallelize(data, 1);

        ComputationGraph local = MultiKernelNet.create(cfg.networkSpec(), cfg.modelOptions(0));
        ShardStream shard = new ShardStream(data, cfg.train().seed(), 0, 16);
        for (int i = 0; i < 12; i++) {
            var d = shard.minibatch(i);
            local.fit(new org.nd4j.linalg.dataset.MultiDataSet(d.getFeatures(), d.getLabels()));
        }

        ComputationGraph distributed = MultiKernelNet.create(cfg.networkSpec(), cfg.modelOptions(0));
        RoundTrainer trainer = new RoundTrainer(sc, cfg, distributed, new org.apache.hadoop.fs.Path(
                dir.resolve("export").toUri()));
        List<RoundStats> rounds = new ArrayList<>();
        trainer.onRound(rounds::add);
        trainer.fitEpoch(records, 1, 3);

        assertEquals(List.of(64L, 64L, 64L), rounds.stream().map(RoundStats::examples).toList());
        assertEquals(3, trainer.rounds());
        assertTrue(local.params().equalsWithEps(distributed.params(), 1e-5),
                "max difference " + local.params().sub(distributed.params()).amaxNumber());
        assertFalse(java.nio.file.Files.exists(dir.resolve("export")), "nothing exported");
        NativeRuntime.configure(0);
    }

    @Test
    void pooledStatisticsLandInTheNetworkAndLeaveTheWeightsAsNaiveAveraging() {
        NativeRuntime.configure(0);
        // three uneven input partitions, two workers
        JavaRDD<CifarRecord> records = sc.parallelize(Records.synthetic(200, 2), 3);

        ComputationGraph naive = MultiKernelNet.create(config(2, 3, "naive", "direct").networkSpec(),
                config(2, 3, "naive", "direct").modelOptions(0));
        List<RoundStats> naiveRounds = new ArrayList<>();
        fit(config(2, 3, "naive", "direct"), naive, records, naiveRounds, 0);

        JobConfig pooledCfg = config(2, 3, "pooled", "direct");
        ComputationGraph pooled = MultiKernelNet.create(pooledCfg.networkSpec(), pooledCfg.modelOptions(0));
        List<RoundStats> pooledRounds = new ArrayList<>();
        RoundTrainer master = fit(pooledCfg, pooled, records, pooledRounds, 0);

        assertEquals(200, pooledRounds.stream().mapToLong(RoundStats::examples).sum(), "no example dropped");
        assertEquals(naiveRounds.size(), pooledRounds.size());
        assertTrue(pooledRounds.size() >= 2, "several rounds: " + pooledRounds.size());
        // BN moving statistics do not take part in training, so the weights are the same in both modes ...
        INDArray w1 = naive.getLayer("branch5_conv").getParam("W");
        INDArray w2 = pooled.getLayer("branch5_conv").getParam("W");
        assertTrue(w1.equalsWithEps(w2, 1e-4), "weights differ by " + w1.sub(w2).amaxNumber());
        // ... while the BN statistics are the pooled ones of the last round
        Map<String, ChannelMoments> last = master.lastMoments().layers();
        assertEquals(BnLayers.names(pooled).size(), last.size());
        for (String layer : BnLayers.names(pooled)) {
            assertArrayEquals(last.get(layer).mean(), BnLayers.mean(pooled, layer), 1e-4, layer);
            double[] expectedVar = last.get(layer).variance();
            double[] gotVar = BnLayers.variance(pooled, layer);
            for (int c = 0; c < gotVar.length; c++) {
                assertEquals(expectedVar[c], gotVar[c], 1e-4 * Math.max(1, expectedVar[c]), layer + "[" + c + "]");
            }
            assertFalse(java.util.Arrays.equals(BnLayers.variance(naive, layer), gotVar), layer);
        }
        assertTrue(pooledRounds.get(pooledRounds.size() - 1).bnShift().values().stream().allMatch(v -> v > 0));
    }

    @Test
    void workersWithoutDataAreSkipped() {
        NativeRuntime.configure(0);
        JobConfig cfg = config(4, 10, "pooled", "export");
        // 40 records in batches of 16: three minibatches for four workers
        JavaRDD<CifarRecord> records = sc.parallelize(Records.synthetic(40, 3), 2);
        ComputationGraph net = MultiKernelNet.create(cfg.networkSpec(), cfg.modelOptions(0));
        INDArray before = net.params().dup();
        List<RoundStats> rounds = new ArrayList<>();
        fit(cfg, net, records, rounds, 0);
        assertEquals(1, rounds.size());
        assertEquals(40, rounds.get(0).examples());
        assertTrue(rounds.get(0).workers() < 4, "workers that returned: " + rounds.get(0).workers());
        assertTrue(net.params().sub(before).norm2Number().doubleValue() > 1e-3);
    }

    @Test
    void recomputedStatisticsCoverTheSampleAndMatchADirectPassForTheFirstLayer() {
        NativeRuntime.configure(0);
        JobConfig cfg = config(2, 10, "recompute", "direct");
        List<CifarRecord> data = Records.synthetic(120, 4);
        JavaRDD<CifarRecord> records = sc.parallelize(data, 3);
        ComputationGraph net = MultiKernelNet.create(cfg.networkSpec(), cfg.modelOptions(0));
        io.mkcnn.bn.BnMoments distributed = io.mkcnn.bn.BnRecompute.moments(sc, net, records, 120, 1_000, 32, 1,
                io.mkcnn.config.NativeSettings.defaults());

        io.mkcnn.bn.BnMoments direct = new io.mkcnn.bn.BnMoments();
        io.mkcnn.bn.BnRecompute.accumulate(net, Batches.toDataSet(data,
                r -> io.mkcnn.data.Augmenter.eval(r.pixels())).getFeatures(), direct);
        for (String layer : BnLayers.names(net)) {
            double hw = layer.equals("stem_bn") ? 24 * 24 : 12 * 12;
            assertEquals(120 * hw, distributed.layers().get(layer).count(), 1e-6, layer);
        }
        // the stem's input does not depend on how records were batched, so it matches exactly
        assertArrayEquals(direct.layers().get("stem_bn").mean(), distributed.layers().get("stem_bn").mean(), 1e-5);
        assertArrayEquals(direct.layers().get("stem_bn").variance(),
                distributed.layers().get("stem_bn").variance(), 1e-4);

        java.util.Map<String, Double> shift = io.mkcnn.bn.BnRecompute.apply(sc, net, records, 120, 1_000, 32, 1,
                io.mkcnn.config.NativeSettings.defaults());
        assertEquals(BnLayers.names(net).size(), shift.size());
        assertArrayEquals(distributed.layers().get("stem_bn").mean(), BnLayers.mean(net, "stem_bn"), 1e-5);
    }

    @Test
    void recomputedStatisticsDoNotDependOnHowTheRecordsAreSharded() {
        NativeRuntime.configure(0);
        JobConfig cfg = config(2, 10, "recompute", "direct");
        List<CifarRecord> data = Records.synthetic(200, 4);
        ComputationGraph net = MultiKernelNet.create(cfg.networkSpec(), cfg.modelOptions(0));
        // four partitions both ways: interleaved labels, and each partition holding two or three classes in order
        JavaRDD<CifarRecord> iid = sc.parallelize(data, 4);
        JavaRDD<CifarRecord> sorted = io.mkcnn.input.Shards.byClass(sc.parallelize(data, 3), 4);
        io.mkcnn.bn.BnMoments a = io.mkcnn.bn.BnRecompute.moments(sc, net, iid, 200, 1_000, 16, 1,
                io.mkcnn.config.NativeSettings.defaults());
        io.mkcnn.bn.BnMoments b = io.mkcnn.bn.BnRecompute.moments(sc, net, sorted, 200, 1_000, 16, 1,
                io.mkcnn.config.NativeSettings.defaults());
        for (String layer : BnLayers.names(net)) {
            ChannelMoments x = a.layers().get(layer);
            ChannelMoments y = b.layers().get(layer);
            assertEquals(x.count(), y.count(), 1e-6, layer);
            // the branches' inputs are normalised by the stem's batch statistics: the same only for the same batches
            assertArrayEquals(x.mean(), y.mean(), 1e-4, layer);
            assertArrayEquals(x.variance(), y.variance(), 1e-4, layer);
        }
    }

    /**
     * For each named variant of the settings, a new network trained for four rounds of 2 workers on the same 256
     * synthetic records (generated with {@code dataSeed}), one native thread.
     */
    private Map<String, ComputationGraph> fourRoundsEach(long dataSeed, Map<String, Map<String, String>> variants) {
        NativeRuntime.configure(1);
        JavaRDD<CifarRecord> records = sc.parallelize(Records.synthetic(256, dataSeed), 2);
        Map<String, ComputationGraph> nets = new java.util.TreeMap<>();
        variants.forEach((name, settings) -> nets.put(name, fourRounds(records, settings)));
        return nets;
    }

    private ComputationGraph fourRounds(JavaRDD<CifarRecord> records, Map<String, String> settings) {
        Map<String, String> set = new java.util.HashMap<>(Map.of("train.workers", "2", "train.batch", "16",
                "train.averaging.frequency", "2", "train.seed", "7", "runtime.threads", "1"));
        set.putAll(settings);
        JobConfig cfg = JobConfig.from(Map.of(), "test", set);
        ComputationGraph net = MultiKernelNet.create(cfg.networkSpec(), cfg.modelOptions(0));
        List<RoundStats> rounds = new ArrayList<>();
        fit(cfg, net, records, rounds, 4);
        assertEquals(4, rounds.size(), "256 records / (2 workers x 16 x 2) rounds");
        return net;
    }

    /** The parameters {@link #fourRounds} starts from (its seed's). */
    private static INDArray initialOfFourRounds() {
        JobConfig cfg = JobConfig.from(Map.of(), "test", Map.of("train.seed", "7"));
        return MultiKernelNet.create(cfg.networkSpec(), cfg.modelOptions(0)).params();
    }

    @Test
    void bf16TransferTracksFp32Transfer() {
        Map<String, ComputationGraph> nets = fourRoundsEach(21, Map.of(
                "fp32", Map.of("train.transfer", "fp32"),
                "bf16", Map.of("train.transfer", "bf16")));
        INDArray fp32 = nets.get("fp32").params();
        double moved = fp32.sub(initialOfFourRounds()).norm2Number().doubleValue();
        double apart = nets.get("bf16").params().sub(fp32).norm2Number().doubleValue();
        assertTrue(moved > 0, "training changed the parameters");
        // the BN moving statistics are reconciled from exact sums in both; the rest differs by bf16 rounding
        assertTrue(apart < 0.01 * moved, "bf16 transfer " + apart + " from fp32 transfer, which moved " + moved);
        assertTrue(apart > 0, "bf16 transfer is not fp32 transfer");
    }

    @Test
    void periodicStateSyncEveryRoundEqualsSyncEveryRoundAndLongerPeriodsStillTrain() {
        Map<String, ComputationGraph> nets = fourRoundsEach(23, Map.of(
                "every10", Map.of("train.updater.sync", "every", "train.updater.sync.rounds", "10"),
                "periodic1", Map.of("train.updater.sync", "periodic", "train.updater.sync.rounds", "1"),
                "periodic3", Map.of("train.updater.sync", "periodic", "train.updater.sync.rounds", "3")));
        // a period of one round is today's averaging, bit for bit: the state only takes another road
        assertEquals(nets.get("every10").params(), nets.get("periodic1").params());
        assertEquals(nets.get("every10").getUpdater().getStateViewArray(),
                nets.get("periodic1").getUpdater().getStateViewArray());
        // every third round (rounds 3 of 4 averaged): the shards' own moments in between give other weights
        INDArray every = nets.get("every10").params();
        INDArray periodic = nets.get("periodic3").params();
        double moved = every.sub(initialOfFourRounds()).norm2Number().doubleValue();
        double apart = periodic.sub(every).norm2Number().doubleValue();
        assertTrue(apart > 0 && apart < 0.5 * moved, "periodic " + apart + " from every, which moved " + moved);
        assertFalse(periodic.isNaN().any());
    }
}
