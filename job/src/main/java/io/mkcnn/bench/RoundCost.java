package io.mkcnn.bench;

import io.mkcnn.config.JobConfig;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.model.MultiKernelNet;
import io.mkcnn.store.OutputDir;
import io.mkcnn.train.RoundTrainer;
import io.mkcnn.train.RoundAggregate;
import io.mkcnn.train.RoundStats;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cost of one parameter-averaging round for W workers, measured: the bytes a round moves (the broadcast of
 * parameters plus Adam state to every worker, and every worker's result back), the driver's share (merging the
 * results it receives, averaging, setting the parameters and broadcasting the next round's) and the rest of the
 * round that is not the workers' fit (scheduling, broadcast fetch, result transfer). From the figures at each
 * measured W it fits {@code overhead(W) = a + b*W} and reports, for larger W, the overhead, the smallest
 * averaging interval H that keeps it at or under 10% of a round, and the speed-up over one worker at the
 * configured H.
 */
final class RoundCost {
    private static final Logger LOG = LoggerFactory.getLogger(RoundCost.class);
    /** The executors extrapolated to. */
    static final int[] EXTRAPOLATED = {8, 16, 32, 64};
    /** The overhead share of a round that the recommended H keeps under. */
    static final double OVERHEAD_SHARE = 0.10;

    private final JavaSparkContext sc;
    private final JobConfig base;
    private final int reps;

    RoundCost(JavaSparkContext sc, JobConfig base, int reps) {
        this.sc = sc;
        this.base = base;
        this.reps = reps;
    }

    /** Task metrics of the round jobs, collected on the driver. */
    private static final class Tasks extends SparkListener {
        final Set<Integer> roundStages = Collections.synchronizedSet(new HashSet<>());
        final List<long[]> ends = Collections.synchronizedList(new ArrayList<>());
        volatile String label = "";

        @Override
        public void onJobStart(SparkListenerJobStart job) {
            String description = job.properties() == null ? null
                    : job.properties().getProperty("spark.job.description");
            if (description != null && !label.isEmpty() && description.startsWith(label + " round ")) {
                scala.collection.Iterator<Object> it = job.stageIds().iterator();
                while (it.hasNext()) {
                    roundStages.add((Integer) it.next());
                }
            }
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            if (end.taskMetrics() != null && roundStages.contains(end.stageId())) {
                var m = end.taskMetrics();
                ends.add(new long[] {m.resultSize(), m.executorDeserializeTime(), m.executorRunTime(),
                    m.resultSerializationTime()});
            }
        }
    }

    /** Measures every W of {@code workers} in turn; returns the report section. */
    Map<String, Object> measure(List<Integer> workers, OutputDir out) {
        Tasks tasks = new Tasks();
        sc.sc().addSparkListener(tasks);
        List<Map<String, Object>> points = new ArrayList<>();
        try {
            for (int w : workers) {
                points.add(measure(w, tasks, out));
            }
        } finally {
            sc.sc().removeSparkListener(tasks);
        }
        Map<String, Object> section = new LinkedHashMap<>();
        section.put("averaging_frequency", base.train().averagingFrequency());
        section.put("batch", base.train().batch());
        section.put("task_slots", slots());
        section.put("measured", points);
        section.put("model", model(points, base.train().averagingFrequency()));
        return section;
    }

    private int slots() {
        int cpus = Integer.parseInt(sc.getConf().get("spark.task.cpus", "1"));
        return Math.max(1, sc.sc().defaultParallelism() / Math.max(1, cpus));
    }

    private Map<String, Object> measure(int w, Tasks tasks, OutputDir out) {
        Map<String, String> set = new LinkedHashMap<>(base.effective());
        set.put("train.workers", String.valueOf(w));
        JobConfig cfg = JobConfig.from(Map.of(), "bench", set);
        int h = cfg.train().averagingFrequency();
        int roundsPerEpoch = Math.max(3, reps);
        Timed t = timedRounds(cfg, w, roundsPerEpoch, tasks, out);
        ComputationGraph net = t.net();
        List<RoundStats> timed = t.rounds();
        List<long[]> ends = t.ends();
        long mergeNanos = t.mergeNanos();
        int mergeCount = t.mergeCount();
        long params = net.numParams();
        long updater = net.getUpdater().getStateViewArray().length();
        long broadcastBytes = broadcastBytes(cfg, net);
        double resultBytes = ends.stream().mapToLong(e -> e[0]).average().orElse(Double.NaN);
        int n = timed.size();
        double round = Stats.median(timed.stream().mapToDouble(RoundStats::roundSeconds).toArray());
        double fit = Stats.median(timed.stream().mapToDouble(RoundStats::fitSeconds).toArray());
        double job = Stats.median(timed.stream().mapToDouble(RoundStats::jobSeconds).toArray());
        double reconcile = Stats.median(timed.stream().mapToDouble(RoundStats::reconcileSeconds).toArray());
        // more tasks than slots run in waves, each as long as one worker's fit
        int waves = (w + slots() - 1) / slots();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workers", w);
        m.put("transfer", cfg.train().transfer().name().toLowerCase(java.util.Locale.ROOT));
        m.put("updater_sync", cfg.train().updaterSync().name().toLowerCase(java.util.Locale.ROOT));
        m.put("rounds_timed", n);
        m.put("waves", waves);
        m.put("parameters", params);
        m.put("updater_state_values", updater);
        m.put("broadcast_bytes", broadcastBytes);
        m.put("result_bytes_per_worker", resultBytes);
        m.put("driver_bytes_in_per_round", ends.isEmpty() ? Double.NaN : resultBytes * ends.size() / Math.max(1, n));
        m.put("bytes_moved_per_round", w * (broadcastBytes + resultBytes));
        m.put("round_seconds", round);
        m.put("worker_fit_seconds", fit);
        m.put("step_seconds", fit / h);
        m.put("spark_job_seconds", job);
        m.put("driver_merge_seconds", mergeCount == 0 ? 0.0 : mergeNanos / 1e9 / Math.max(1, n));
        m.put("driver_results_merged_per_round", (double) mergeCount / Math.max(1, n));
        m.put("driver_seconds", round - job - reconcile);
        m.put("bn_reconcile_seconds", reconcile);
        m.put("task_deserialize_seconds", medianOf(ends, 1) / 1e3);
        m.put("task_result_serialize_seconds", medianOf(ends, 3) / 1e3);
        // inside the task but not fitting: taking the network and its state, making the first minibatch, the result
        m.put("task_run_beyond_fit_seconds", medianOf(ends, 2) / 1e3 - fit);
        m.put("job_overhead_seconds", job - waves * fit);
        m.put("overhead_seconds", round - waves * fit);
        m.put("overhead_share", (round - waves * fit) / round);
        LOG.info("round cost, {} worker(s): round {} s, fit {} s x {} wave(s), overhead {} s; {} MB broadcast, {} MB"
                + " per result", w, fmt(round), fmt(fit), waves, fmt(round - waves * fit),
                fmt(broadcastBytes / 1e6), fmt(resultBytes / 1e6));
        return m;
    }

    /** The timed epoch's rounds (after one warming up), the network they trained, and the tasks' ends. */
    private record Timed(ComputationGraph net, List<RoundStats> rounds, List<long[]> ends, long mergeNanos,
                         int mergeCount) {
    }

    /** Trains two epochs of {@code roundsPerEpoch} rounds of {@code w} workers; times the second. */
    private Timed timedRounds(JobConfig cfg, int w, int roundsPerEpoch, Tasks tasks, OutputDir out) {
        int h = cfg.train().averagingFrequency();
        int batch = cfg.train().batch();
        JavaRDD<CifarRecord> records = Synthetic.shards(sc, w, batch * h * roundsPerEpoch, 5);
        ComputationGraph net = MultiKernelNet.create(cfg.networkSpec(), cfg.modelOptions(0));
        RoundTrainer trainer = new RoundTrainer(sc, cfg, net, out.resolve("_export"));
        List<RoundStats> rounds = new ArrayList<>();
        trainer.onRound(rounds::add);
        List<RoundStats> timed = new ArrayList<>();
        long mergeNanos = 0;
        int mergeCount = 0;
        for (int epoch = 0; epoch < 2; epoch++) { // the first epoch warms up
            rounds.clear();
            tasks.roundStages.clear();
            tasks.ends.clear();
            tasks.label = "cost w" + w + " e" + epoch;
            trainer.label(tasks.label);
            long mergeBefore = RoundAggregate.driverMergeNanos();
            int countBefore = RoundAggregate.driverMerges();
            trainer.fitEpoch(records, epoch, roundsPerEpoch);
            if (epoch == 1) {
                timed.addAll(rounds);
                mergeNanos = RoundAggregate.driverMergeNanos() - mergeBefore;
                mergeCount = RoundAggregate.driverMerges() - countBefore;
            }
        }
        trainer.deleteExport();
        records.unpersist();
        return new Timed(net, timed, new ArrayList<>(tasks.ends), mergeNanos, mergeCount);
    }

    /** What a round broadcasts: the network's parameters and, only under train.updater.sync=every, its state. */
    private static long broadcastBytes(JobConfig cfg, ComputationGraph net) {
        NetBroadcastTuple tuple = new NetBroadcastTuple(net.getConfiguration(), net.params(),
                cfg.train().updaterSync() == io.mkcnn.config.UpdaterSync.EVERY
                        ? net.getUpdater().getStateViewArray() : null);
        ByteBuffer serialized = SparkEnv.get().serializer().newInstance().serialize(tuple,
                scala.reflect.ClassTag$.MODULE$.apply(NetBroadcastTuple.class));
        return serialized.remaining();
    }

    private static double medianOf(List<long[]> ends, int column) {
        return Stats.median(ends.stream().mapToDouble(e -> e[column]).toArray());
    }

    /**
     * Least squares {@code overhead(W) = a + b*W} over the measured points (b = 0 with one point), and what it
     * predicts for {@link #EXTRAPOLATED}: the overhead, the H that keeps it at {@link #OVERHEAD_SHARE} of a round,
     * and the speed-up over one worker at the configured H (W workers' examples in a round of H steps plus the
     * overhead, against one worker's H steps plus its own).
     */
    static Map<String, Object> model(List<Map<String, Object>> points, int h) {
        int n = points.size();
        double[] x = new double[n];
        double[] y = new double[n];
        double step = 0;
        for (int i = 0; i < n; i++) {
            x[i] = ((Number) points.get(i).get("workers")).doubleValue();
            y[i] = ((Number) points.get(i).get("overhead_seconds")).doubleValue();
            step += ((Number) points.get(i).get("step_seconds")).doubleValue() / n;
        }
        double mx = java.util.Arrays.stream(x).average().orElse(0);
        double my = java.util.Arrays.stream(y).average().orElse(0);
        double sxx = 0;
        double sxy = 0;
        for (int i = 0; i < n; i++) {
            sxx += (x[i] - mx) * (x[i] - mx);
            sxy += (x[i] - mx) * (y[i] - my);
        }
        double b = sxx > 0 ? Math.max(0, sxy / sxx) : 0;
        double a = my - b * mx;
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("overhead_fixed_seconds", a);
        model.put("overhead_per_worker_seconds", b);
        model.put("step_seconds", step);
        List<Map<String, Object>> predicted = new ArrayList<>();
        for (int w : EXTRAPOLATED) {
            double overhead = a + b * w;
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("workers", w);
            p.put("overhead_seconds", overhead);
            p.put("h_for_overhead_share", (int) Math.ceil(overhead * (1 - OVERHEAD_SHARE) / OVERHEAD_SHARE / step));
            p.put("speedup_at_h", w * (h * step + a + b) / (h * step + overhead));
            predicted.add(p);
        }
        model.put("extrapolated", predicted);
        return model;
    }

    /** The measured points and the model as text. */
    @SuppressWarnings("unchecked")
    static String table(Map<String, Object> section) {
        StringBuilder s = new StringBuilder(String.format("%n%-8s %10s %10s %10s %10s %8s %12s %12s %10s%n", "workers",
                "round s", "fit s", "overhead s", "driver s", "share", "broadcast MB", "result MB", "merge s"));
        for (Map<String, Object> p : (List<Map<String, Object>>) section.get("measured")) {
            s.append(String.format(Locale.ROOT, "%-8d %10.3f %10.3f %10.3f %10.3f %7.1f%% %12.2f %12.2f %10.4f%n",
                    ((Number) p.get("workers")).intValue(), (double) p.get("round_seconds"),
                    (double) p.get("worker_fit_seconds"), (double) p.get("overhead_seconds"),
                    (double) p.get("driver_seconds"), 100 * (double) p.get("overhead_share"),
                    ((Number) p.get("broadcast_bytes")).doubleValue() / 1e6,
                    ((Number) p.get("result_bytes_per_worker")).doubleValue() / 1e6,
                    (double) p.get("driver_merge_seconds")));
        }
        Map<String, Object> model = (Map<String, Object>) section.get("model");
        s.append(String.format(Locale.ROOT, "model: overhead(W) = %.3f s + %.4f s x W; one step %.4f s (H = %s)%n",
                (double) model.get("overhead_fixed_seconds"), (double) model.get("overhead_per_worker_seconds"),
                (double) model.get("step_seconds"), section.get("averaging_frequency")));
        for (Map<String, Object> p : (List<Map<String, Object>>) model.get("extrapolated")) {
            s.append(String.format(Locale.ROOT, "  W=%-3d overhead %.3f s; H >= %d keeps it under %.0f%% of a round;"
                    + " speed-up over one worker at H = %s: %.1fx%n",
                    ((Number) p.get("workers")).intValue(), (double) p.get("overhead_seconds"),
                    ((Number) p.get("h_for_overhead_share")).intValue(), 100 * OVERHEAD_SHARE,
                    section.get("averaging_frequency"), (double) p.get("speedup_at_h")));
        }
        return s.toString();
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
