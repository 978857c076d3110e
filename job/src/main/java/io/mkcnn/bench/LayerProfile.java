package io.mkcnn.bench;

import io.mkcnn.config.JobConfig;
import io.mkcnn.kernels.KernelClock;
import io.mkcnn.model.BatchNormRelu;
import io.mkcnn.model.MaxPool;
import io.mkcnn.model.MultiKernelNet;
import io.mkcnn.model.NetworkSpec;
import io.mkcnn.runtime.NativeRuntime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Where a training step's time goes, layer by layer and by kind of operation, in one JVM: the whole step
 * ({@code fit}), its forward and backward pass ({@code computeGradientAndScore}), the updater (Adam and the
 * parameters' step, as DL4J's solver calls them), each vertex's forward and backward timed on its own by walking
 * the graph as DL4J does (in one workspace of its own, so the walk's sum and DL4J's own pass differ by the
 * graph's bookkeeping and its workspaces' handling),
 * and, inside the step, the project's kernels by stage (primitives against the conversions into their layout
 * and precision, from {@link KernelClock}).
 */
final class LayerProfile {
    /** The kinds of operation a vertex belongs to, in the order the tables list them. */
    static final List<String> OPS = List.of("convolution", "batch norm + relu", "batch norm", "relu", "max pooling",
            "concat / split", "global average pool", "softmax + loss", "gradient sum (fan-out)", "other");

    /**
     * The walk's arrays live in one workspace, reset per pass, sized on the first pass (as DL4J's own passes
     * allocate from workspaces: fresh arrays would time the allocator, not the layers).
     */
    private static final String WALK = "LAYER_PROFILE_WALK";
    private static final WorkspaceConfiguration WALK_WORKSPACE = WorkspaceConfiguration.builder().initialSize(0)
            .overallocationLimit(0.05).policyLearning(LearningPolicy.FIRST_LOOP).policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE).policyAllocation(AllocationPolicy.OVERALLOCATE).build();
    private static final LayerWorkspaceMgr WALK_MGR;

    static {
        LayerWorkspaceMgr.Builder b = LayerWorkspaceMgr.builder();
        for (ArrayType t : ArrayType.values()) {
            b.with(t, WALK, WALK_WORKSPACE);
        }
        WALK_MGR = b.build();
    }

    private final JobConfig base;
    private final int steps;

    /** @param steps timed steps per repetition (the medians are over 3 repetitions after a warm-up) */
    LayerProfile(JobConfig base, int steps) {
        this.base = base;
        this.steps = steps;
    }

    /** The profile of one model at one native thread count; restores the job's thread count afterwards. */
    Map<String, Object> measure(boolean factorised, int threads, MultiDataSet batch) {
        NativeRuntime.configure(threads);
        try {
            return profile(factorised, threads, batch);
        } finally {
            base.nativeSettings().apply();
        }
    }

    private Map<String, Object> profile(boolean factorised, int threads, MultiDataSet batch) {
        ComputationGraph net = MultiKernelNet.create(NetworkSpec.cifar(factorised), base.modelOptions(0));
        for (int i = 0; i < 5; i++) {
            net.fit(batch);
        }
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

        GraphVertex[] vertices = net.getVertices();
        long[] forward = new long[vertices.length];
        long[] backward = new long[vertices.length];
        long[] fanOut = new long[1];
        int warm = 3;
        for (int i = 0; i < warm + steps; i++) {
            boolean timed = i >= warm;
            walk(net, batch, timed ? forward : new long[vertices.length],
                    timed ? backward : new long[vertices.length], timed ? fanOut : new long[1]);
        }

        List<Map<String, Object>> layers = new ArrayList<>();
        Map<String, double[]> byOp = new LinkedHashMap<>();
        for (String op : OPS) {
            byOp.put(op, new double[2]);
        }
        double walked = 0;
        for (int idx : net.topologicalSortOrder()) {
            GraphVertex v = vertices[idx];
            if (v.isInputVertex()) {
                continue;
            }
            String op = op(v);
            double f = forward[idx] / 1e6 / steps;
            double b = backward[idx] / 1e6 / steps;
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
        double sum = fanOut[0] / 1e6 / steps;
        byOp.get("gradient sum (fan-out)")[1] += sum;
        walked += sum;
        byOp.values().removeIf(t -> t[0] == 0 && t[1] == 0);

        double stepMs = Stats.median(fit);
        double passMs = Stats.median(pass);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", factorised ? "factorised" : "standard");
        m.put("threads", threads);
        m.put("batch", (int) batch.getFeatures(0).size(0));
        m.put("precision", NativeRuntime.precision().name().toLowerCase(Locale.ROOT));
        m.put("step_ms", stepMs);
        m.put("forward_backward_ms", passMs);
        m.put("updater_ms", Stats.median(update));
        m.put("rest_of_step_ms", stepMs - passMs - Stats.median(update));
        m.put("layers_walked_ms", walked);
        m.put("layers", layers);
        Map<String, Object> ops = new LinkedHashMap<>();
        byOp.forEach((op, t) -> ops.put(op, Map.of("forward_ms", t[0], "backward_ms", t[1])));
        m.put("by_op", ops);
        Map<String, Object> kernel = new LinkedHashMap<>();
        stages.forEach((stage, nanos) -> kernel.put(stage, nanos / 1e6 / steps));
        m.put("kernel_stages_ms_per_step", kernel);
        return m;
    }

    /**
     * One forward and backward pass vertex by vertex, in DL4J's order and with its calls, adding each vertex's
     * nanoseconds to {@code forward}/{@code backward} and the summing of gradients where an activation feeds
     * several vertices to {@code fanOut[0]}.
     */
    static void walk(ComputationGraph net, MultiDataSet batch, long[] forward, long[] backward,
                     long[] fanOut) {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WALK_WORKSPACE, WALK)) {
            walk(net, batch, forward, backward, fanOut, WALK_MGR);
        }
    }

    private static void walk(ComputationGraph net, MultiDataSet batch, long[] forward, long[] backward,
                             long[] fanOut, LayerWorkspaceMgr mgr) {
        GraphVertex[] vertices = net.getVertices();
        int[] order = net.topologicalSortOrder();
        INDArray[] out = new INDArray[vertices.length];
        for (int idx : order) {
            GraphVertex v = vertices[idx];
            if (v.isInputVertex()) {
                out[idx] = batch.getFeatures(0);
                continue;
            }
            VertexIndices[] in = v.getInputVertices();
            for (int j = 0; j < in.length; j++) {
                v.setInput(j, out[in[j].getVertexIndex()], mgr);
            }
            if (v.isOutputVertex() && v.getLayer() instanceof IOutputLayer o) {
                o.setLabels(batch.getLabels(0));
            }
            long s = System.nanoTime();
            out[idx] = v.doForward(true, mgr);
            forward[idx] += System.nanoTime() - s;
        }
        INDArray[] eps = new INDArray[vertices.length];
        for (int k = order.length - 1; k >= 0; k--) {
            int idx = order[k];
            GraphVertex v = vertices[idx];
            if (v.isInputVertex()) {
                continue;
            }
            if (!v.isOutputVertex()) {
                v.setEpsilon(eps[idx]);
            }
            long s = System.nanoTime();
            Pair<Gradient, INDArray[]> p = v.doBackward(false, mgr);
            backward[idx] += System.nanoTime() - s;
            INDArray[] e = p.getSecond();
            VertexIndices[] in = v.getInputVertices();
            for (int j = 0; e != null && j < in.length && j < e.length; j++) {
                int from = in[j].getVertexIndex();
                if (e[j] == null || vertices[from].isInputVertex()) {
                    continue;
                }
                if (eps[from] == null) {
                    eps[from] = e[j];
                } else {
                    s = System.nanoTime();
                    eps[from] = eps[from].add(e[j]);
                    fanOut[0] += System.nanoTime() - s;
                }
            }
        }
    }

    /** The kind of operation a vertex is. */
    static String op(GraphVertex v) {
        if (!v.hasLayer()) {
            return v.getNumInputArrays() > 1 ? "concat / split" : "other";
        }
        var conf = v.getLayer().conf().getLayer();
        if (conf instanceof ConvolutionLayer) {
            return "convolution";
        } else if (conf instanceof BatchNormRelu) {
            return "batch norm + relu";
        } else if (conf instanceof BatchNormalization) {
            return "batch norm";
        } else if (conf instanceof ActivationLayer) {
            return "relu";
        } else if (conf instanceof SubsamplingLayer) {
            return "max pooling";
        } else if (conf instanceof GlobalPoolingLayer) {
            return "global average pool";
        } else if (conf instanceof LossLayer) {
            return "softmax + loss";
        }
        return "other";
    }

    /** The profile as text: the step, each vertex, the totals by kind of operation and the kernels' stages. */
    @SuppressWarnings("unchecked")
    static String table(Map<String, Object> m) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%s, %s, %d thread(s), batch %d: step %.1f ms = forward + backward %.1f"
                        + " + updater %.1f + rest %.1f; the layers walked one by one %.1f%n", m.get("model"),
                m.get("precision"), m.get("threads"), m.get("batch"), m.get("step_ms"), m.get("forward_backward_ms"),
                m.get("updater_ms"), m.get("rest_of_step_ms"), m.get("layers_walked_ms")));
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

    /**
     * Max pooling on the network's two pooling shapes (batch 64, channels-last), DL4J's layer against the
     * project's, each layer alone in the profile's workspace: forward and backward ms, the median of 3
     * repetitions of 100 after 20, at the given native threads.
     */
    Map<String, Object> pooling(int threads) {
        NativeRuntime.configure(threads);
        try {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("threads", threads);
            SubsamplingLayer.Builder b = new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                    .convolutionMode(ConvolutionMode.Same).dataFormat(CNN2DFormat.NHWC);
            for (long[] shape : new long[][] {{64, 24, 24, 64}, {64, 12, 12, 256}}) {
                INDArray x = Nd4j.randn(DataType.FLOAT, shape);
                INDArray dy = Nd4j.randn(DataType.FLOAT, shape[0], shape[1] / 2, shape[2] / 2, shape[3]);
                for (boolean ours : new boolean[] {false, true}) {
                    org.deeplearning4j.nn.conf.layers.Layer conf = ours ? new MaxPool(b) : b.build();
                    org.deeplearning4j.nn.api.Layer layer = conf.instantiate(new NeuralNetConfiguration.Builder()
                            .dataType(DataType.FLOAT).layer(conf).build(), List.of(), 0, null, true, DataType.FLOAT);
                    double[] f = new double[3];
                    double[] bw = new double[3];
                    for (int r = -1; r < 3; r++) {
                        int n = r < 0 ? 20 : 100;
                        long fn = 0;
                        long bn = 0;
                        for (int i = 0; i < n; i++) {
                            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager()
                                    .getAndActivateWorkspace(WALK_WORKSPACE, WALK)) {
                                long s = System.nanoTime();
                                layer.setInput(x, WALK_MGR);
                                layer.activate(true, WALK_MGR);
                                long t = System.nanoTime();
                                layer.backpropGradient(dy, WALK_MGR);
                                bn += System.nanoTime() - t;
                                fn += t - s;
                            }
                        }
                        if (r >= 0) {
                            f[r] = fn / 1e6 / n;
                            bw[r] = bn / 1e6 / n;
                        }
                    }
                    m.put((ours ? "onednn " : "dl4j ") + Arrays.toString(shape),
                            Map.of("forward_ms", Stats.median(f), "backward_ms", Stats.median(bw)));
                }
            }
            return m;
        } finally {
            base.nativeSettings().apply();
        }
    }

    /** The pooling comparison as text. */
    @SuppressWarnings("unchecked")
    static String poolingTable(Map<String, Object> m) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "max pooling, %d thread(s): DL4J's layer against the project's (ms)%n", m.get("threads")));
        m.forEach((k, v) -> {
            if (v instanceof Map<?, ?> t) {
                b.append(String.format(Locale.ROOT, "  %-28s forward %6.3f  backward %6.3f%n", k,
                        ((Map<String, Double>) t).get("forward_ms"), ((Map<String, Double>) t).get("backward_ms")));
            }
        });
        return b.toString();
    }

    /** A minibatch for the profile (the benchmark's synthetic records). */
    static MultiDataSet batch(int n) {
        return Synthetic.batch(n, new Random(7));
    }
}
