package io.mkcnn.bench;

import io.mkcnn.config.JobConfig;
import io.mkcnn.kernels.KernelClock;
import io.mkcnn.model.Engine;
import io.mkcnn.model.FusedNet;
import io.mkcnn.model.MultiKernelNet;
import io.mkcnn.model.NetworkSpec;
import io.mkcnn.runtime.NativeRuntime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.dataset.MultiDataSet;

/**
 * Where a training step's time goes, layer by layer and by kind of operation, in one JVM: the whole step
 * ({@code fit}), its forward and backward pass ({@code computeGradientAndScore}), the updater (Adam and the
 * parameters' step, as DL4J's solver calls them), each vertex's forward and backward timed on its own by walking
 * the graph as DL4J does (in one workspace of its own, so the walk's sum and DL4J's own pass differ by the
 * graph's bookkeeping and its workspaces' handling),
 * and, inside the step, the project's kernels by stage (primitives against the conversions into their layout
 * and precision, from {@link KernelClock}), with the rest of the step outside the kernels. A network with the
 * fused body ({@link FusedNet}) walks as one vertex for the body.
 */
final class LayerProfile {
    private final JobConfig base;
    private final int steps;

    /** @param steps timed steps per repetition (the medians are over 3 repetitions after a warm-up) */
    LayerProfile(JobConfig base, int steps) {
        this.base = base;
        this.steps = steps;
    }

    /** The profile of one model at one native thread count; restores the job's thread count afterwards. */
    Map<String, Object> measure(boolean factorised, int threads, MultiDataSet batch, Engine engine) {
        NativeRuntime.configure(threads);
        try {
            return profile(factorised, threads, batch, engine);
        } finally {
            base.nativeSettings().apply();
        }
    }

    /** A step's times over 3 repetitions: the whole fit, its pass, its updater, and the kernels' stages. */
    private record StepTimes(double[] fit, double[] pass, double[] update, Map<String, Long> stages) {
    }

    /** The step's vertices walked one by one: nanoseconds per vertex forward and backward, and the fan-out sums. */
    private record Walk(long[] forward, long[] backward, long fanOut) {
    }

    private Map<String, Object> profile(boolean factorised, int threads, MultiDataSet batch, Engine engine) {
        ComputationGraph layerGraph = MultiKernelNet.create(NetworkSpec.cifar(factorised), base.modelOptions(0));
        ComputationGraph net = engine == Engine.FUSED ? FusedNet.of(layerGraph) : layerGraph;
        for (int i = 0; i < 5; i++) {
            net.fit(batch);
        }
        StepTimes times = stepTimes(net, batch);
        Walk walk = walkSteps(net, batch);
        List<Map<String, Object>> layers = new ArrayList<>();
        Map<String, double[]> byOp = new LinkedHashMap<>();
        double walked = byVertex(net, walk, layers, byOp);

        double stepMs = Stats.median(times.fit());
        double passMs = Stats.median(times.pass());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", factorised ? "factorised" : "standard");
        m.put("engine", engine.name().toLowerCase(Locale.ROOT));
        m.put("threads", threads);
        m.put("batch", (int) batch.getFeatures(0).size(0));
        m.put("precision", NativeRuntime.precision().name().toLowerCase(Locale.ROOT));
        m.put("step_ms", stepMs);
        m.put("forward_backward_ms", passMs);
        m.put("updater_ms", Stats.median(times.update()));
        m.put("rest_of_step_ms", stepMs - passMs - Stats.median(times.update()));
        m.put("layers_walked_ms", walked);
        m.put("layers", layers);
        Map<String, Object> ops = new LinkedHashMap<>();
        byOp.forEach((op, t) -> ops.put(op, Map.of("forward_ms", t[0], "backward_ms", t[1])));
        m.put("by_op", ops);
        Map<String, Object> kernel = new LinkedHashMap<>();
        times.stages().forEach((stage, nanos) -> kernel.put(stage, nanos / 1e6 / steps));
        m.put("kernel_stages_ms_per_step", kernel);
        // the step split three ways: the primitives, the conversions into and out of their layouts, the rest
        double conversions = times.stages().getOrDefault(KernelClock.CONVERSION, 0L) / 1e6 / steps;
        double kernels = times.stages().values().stream().mapToLong(Long::longValue).sum() / 1e6 / steps;
        m.put("primitives_ms", kernels - conversions);
        m.put("conversions_ms", conversions);
        m.put("outside_kernels_ms", Stats.median(times.fit()) - kernels);
        return m;
    }

    /**
     * Times {@code steps} whole steps ({@code fit}, with the kernels' clock on) and then {@code steps} passes and
     * updater steps apart, as DL4J's solver calls them, 3 times.
     */
    private StepTimes stepTimes(ComputationGraph net, MultiDataSet batch) {
        double[] fit = new double[3];
        double[] pass = new double[3];
        double[] update = new double[3];
        Map<String, Long> stages = Map.of();
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        int examples = (int) batch.getFeatures(0).size(0);
        for (int r = 0; r < 3; r++) {
            KernelClock.reset();
            KernelClock.enable(true);
            long s = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                net.fit(batch);
            }
            fit[r] = (System.nanoTime() - s) / 1e6 / steps;
            KernelClock.enable(false);
            if (r == 1) {
                stages = KernelClock.totals();
            }
            net.setInputs(batch.getFeatures());
            net.setLabels(batch.getLabels());
            long passNanos = 0;
            long updateNanos = 0;
            for (int i = 0; i < steps; i++) {
                s = System.nanoTime();
                net.computeGradientAndScore();
                long t = System.nanoTime();
                // what DL4J's solver does after the pass: Adam turns the gradient into the update, then the step
                net.getUpdater().update(net.gradient(), net.getIterationCount(), net.getEpochCount(), examples, mgr);
                net.params().subi(net.getGradientsViewArray());
                updateNanos += System.nanoTime() - t;
                passNanos += t - s;
            }
            pass[r] = passNanos / 1e6 / steps;
            update[r] = updateNanos / 1e6 / steps;
        }
        KernelClock.reset();
        return new StepTimes(fit, pass, update, stages);
    }

    /** Walks {@code steps} passes vertex by vertex after 3 untimed ones. */
    private Walk walkSteps(ComputationGraph net, MultiDataSet batch) {
        int n = net.getVertices().length;
        long[] forward = new long[n];
        long[] backward = new long[n];
        long[] fanOut = new long[1];
        int warm = 3;
        for (int i = 0; i < warm + steps; i++) {
            boolean timed = i >= warm;
            VertexWalk.walk(net, batch, timed ? forward : new long[n], timed ? backward : new long[n],
                    timed ? fanOut : new long[1]);
        }
        return new Walk(forward, backward, fanOut[0]);
    }

    /**
     * The walk per vertex (ms per step, into {@code layers}) and per kind of operation (into {@code byOp}, only
     * the kinds present); returns the walk's total.
     */
    private double byVertex(ComputationGraph net, Walk walk, List<Map<String, Object>> layers,
                            Map<String, double[]> byOp) {
        for (String op : VertexWalk.OPS) {
            byOp.put(op, new double[2]);
        }
        GraphVertex[] vertices = net.getVertices();
        double walked = 0;
        for (int idx : net.topologicalSortOrder()) {
            GraphVertex v = vertices[idx];
            if (v.isInputVertex()) {
                continue;
            }
            String op = VertexWalk.op(v);
            double f = walk.forward()[idx] / 1e6 / steps;
            double b = walk.backward()[idx] / 1e6 / steps;
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("vertex", v.getVertexName());
            row.put("op", op);
            row.put("forward_ms", f);
            row.put("backward_ms", b);
            layers.add(row);
            byOp.get(op)[0] += f;
            byOp.get(op)[1] += b;
            walked += f + b;
        }
        double sum = walk.fanOut() / 1e6 / steps;
        byOp.get("gradient sum (fan-out)")[1] += sum;
        byOp.values().removeIf(t -> t[0] == 0 && t[1] == 0);
        return walked + sum;
    }

    /** The profile as text: the step, each vertex, the totals by kind of operation and the kernels' stages. */
    @SuppressWarnings("unchecked")
    static String table(Map<String, Object> m) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%s, %s engine, %s, %d thread(s), batch %d: step %.1f ms = forward + "
                        + "backward %.1f + updater %.1f + rest %.1f; the layers walked one by one %.1f%n",
                m.get("model"), m.get("engine"), m.get("precision"), m.get("threads"), m.get("batch"),
                m.get("step_ms"), m.get("forward_backward_ms"), m.get("updater_ms"), m.get("rest_of_step_ms"),
                m.get("layers_walked_ms")));
        b.append(String.format(Locale.ROOT, "  the step: primitives %.1f ms + conversions %.1f ms + outside the "
                + "kernels %.1f ms%n", m.get("primitives_ms"), m.get("conversions_ms"), m.get("outside_kernels_ms")));
        b.append(String.format(Locale.ROOT, "  %-24s %-22s %10s %11s%n", "vertex", "op", "forward ms", "backward ms"));
        for (Map<String, Object> r : (List<Map<String, Object>>) m.get("layers")) {
            b.append(String.format(Locale.ROOT, "  %-24s %-22s %10.2f %11.2f%n", r.get("vertex"), r.get("op"),
                    r.get("forward_ms"), r.get("backward_ms")));
        }
        b.append(String.format(Locale.ROOT, "  %-47s %10s %11s %8s%n", "by op", "forward ms", "backward ms",
                "total"));
        ((Map<String, Map<String, Double>>) m.get("by_op")).forEach((op, t) -> b.append(String.format(Locale.ROOT,
                "  %-47s %10.2f %11.2f %8.2f%n", op, t.get("forward_ms"), t.get("backward_ms"),
                t.get("forward_ms") + t.get("backward_ms"))));
        b.append(String.format(Locale.ROOT, "  %-47s %10s %11s %8.2f%n", "updater (Adam and the step)", "", "",
                (double) m.get("updater_ms")));
        b.append("  kernels inside the step, ms per step:");
        ((Map<String, Double>) m.get("kernel_stages_ms_per_step")).forEach((stage, ms) ->
                b.append(String.format(Locale.ROOT, " %s %.2f;", stage, ms)));
        return b.append(System.lineSeparator()).toString();
    }

    /** A minibatch for the profile (the benchmark's synthetic records). */
    static MultiDataSet batch(int n) {
        return Synthetic.batch(n, new Random(7));
    }
}
