package io.mkcnn.bench;

import io.mkcnn.config.JobConfig;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.data.SyntheticCifar;
import io.mkcnn.input.Batches;
import io.mkcnn.model.MultiKernelNet;
import io.mkcnn.model.NetworkSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What parts of a worker's step cost apart from training: input preparation, BN statistics, ND4J's ops. */
final class ComponentCosts {
    private static final Logger LOG = LoggerFactory.getLogger(Benchmark.class);

    private final JobConfig base;
    private final int reps;
    private final BenchTable table;

    ComponentCosts(JobConfig base, int reps, BenchTable table) {
        this.base = base;
        this.reps = reps;
        this.table = table;
    }

    /** Decoding + augmentation + batching on one thread, as an executor does it (no training). */
    Map<String, Object> augmentation() {
        List<CifarRecord> data = new ArrayList<>();
        Random rng = new Random(4);
        for (int i = 0; i < 4096; i++) {
            data.add(SyntheticCifar.generate(i % 10, rng, i));
        }
        double[] t = new double[reps + 1];
        for (int r = 0; r <= reps; r++) {
            long s = System.nanoTime();
            for (int i = 0; i < data.size(); i += 64) {
                Batches.toDataSet(data.subList(i, Math.min(data.size(), i + 64)),
                        x -> io.mkcnn.data.Augmenter.train(x.pixels(), rng));
            }
            t[r] = data.size() / ((System.nanoTime() - s) / 1e9);
        }
        double perSecond = Stats.median(Arrays.copyOfRange(t, 1, t.length));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("what", "augmentation and batching, 1 thread");
        m.put("examples_per_second", perSecond);
        LOG.info("augmentation and batching: {} examples/s on one thread", String.format("%.0f", perSecond));
        table.row("augmentation + batching, 1 thread", "", perSecond, Double.NaN, Double.NaN);
        return m;
    }

    /**
     * What the per-round BN statistics cost a worker: reading every BN layer's moving statistics before and
     * after each minibatch, against the time of the minibatch's fit.
     */
    Map<String, Object> bnStatistics() {
        ComputationGraph net = MultiKernelNet.create(NetworkSpec.cifar(false), base.modelOptions(0));
        MultiDataSet batch = Synthetic.batch(64, new Random(5));
        io.mkcnn.bn.BnStatsRecorder recorder = new io.mkcnn.bn.BnStatsRecorder();
        for (int i = 0; i < 5; i++) {
            recorder.preUpdate(batch, net);
            net.fit(batch);
            recorder.postUpdate(batch, net);
        }
        int n = 20;
        long statsNanos = 0;
        long fitNanos = 0;
        for (int i = 0; i < n; i++) {
            long a = System.nanoTime();
            recorder.preUpdate(batch, net);
            long b = System.nanoTime();
            net.fit(batch);
            long c = System.nanoTime();
            recorder.postUpdate(batch, net);
            long d = System.nanoTime();
            statsNanos += (b - a) + (d - c);
            fitNanos += c - b;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("what", "BN statistics collection per minibatch of 64");
        m.put("stats_ms", statsNanos / 1e6 / n);
        m.put("fit_ms", fitNanos / 1e6 / n);
        m.put("fraction_of_fit", (double) statsNanos / fitNanos);
        LOG.info("BN statistics: {} ms per minibatch, {}% of its {} ms fit",
                String.format("%.3f", statsNanos / 1e6 / n), String.format("%.2f", 100.0 * statsNanos / fitNanos), String.format("%.1f", fitNanos / 1e6 / n));
        table.row("BN stats cost (% of minibatch fit)", "", 100.0 * statsNanos / fitNanos, Double.NaN, Double.NaN);
        return m;
    }

    /** ND4J's op profiler over ten single-JVM minibatches: time per op type (printed by ND4J). */
    void opProfile() {
        ComputationGraph net = MultiKernelNet.create(NetworkSpec.cifar(false), base.modelOptions(0));
        MultiDataSet batch = Synthetic.batch(64, new Random(6));
        for (int i = 0; i < 5; i++) {
            net.fit(batch);
        }
        var executioner = Nd4j.getExecutioner();
        executioner.setProfilingConfig(org.nd4j.linalg.profiler.ProfilerConfig.builder()
                .notOptimalArguments(false).checkElapsedTime(true).build());
        executioner.setProfilingMode(org.nd4j.linalg.api.ops.executioner.OpExecutioner.ProfilingMode.OPERATIONS);
        org.nd4j.linalg.profiler.OpProfiler.getInstance().reset();
        try {
            for (int i = 0; i < 10; i++) {
                net.fit(batch);
            }
            org.nd4j.linalg.profiler.OpProfiler.getInstance().printOutDashboard();
        } finally {
            executioner.setProfilingMode(org.nd4j.linalg.api.ops.executioner.OpExecutioner.ProfilingMode.DISABLED);
        }
    }
}
