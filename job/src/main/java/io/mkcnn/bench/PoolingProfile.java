package io.mkcnn.bench;

import io.mkcnn.config.JobConfig;
import io.mkcnn.model.MaxPool;
import io.mkcnn.runtime.NativeRuntime;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Max pooling alone: DL4J's layer against the project's, as the layer profile times its vertices. */
final class PoolingProfile {
    private final JobConfig base;

    PoolingProfile(JobConfig base) {
        this.base = base;
    }

    /**
     * Max pooling on the network's two pooling shapes (batch 64, channels-last), DL4J's layer against the
     * project's, each layer alone in the profile's workspace: forward and backward ms, the median of 3
     * repetitions of 100 after 20, at the given native threads.
     */
    Map<String, Object> measure(int threads) {
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
                                    .getAndActivateWorkspace(VertexWalk.WALK_WORKSPACE, VertexWalk.WALK)) {
                                long s = System.nanoTime();
                                layer.setInput(x, VertexWalk.WALK_MGR);
                                layer.activate(true, VertexWalk.WALK_MGR);
                                long t = System.nanoTime();
                                layer.backpropGradient(dy, VertexWalk.WALK_MGR);
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
    static String table(Map<String, Object> m) {
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
}
