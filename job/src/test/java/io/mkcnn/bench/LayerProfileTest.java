package io.mkcnn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.config.JobConfig;
import io.mkcnn.model.FusedNet;
import io.mkcnn.model.MultiKernelNet;
import io.mkcnn.model.NetworkSpec;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;

class LayerProfileTest {
    private static final JobConfig CONFIG = JobConfig.from(Map.of(), "test", Map.of("runtime.threads", "1"));

    /** The vertex-by-vertex walk the profile times computes the gradient DL4J's own pass computes. */
    @Test
    void theWalkComputesDl4jsGradient() {
        walkComputesDl4jsGradient(false);
    }

    /** The fused body walks as one vertex of its own kind, to the same gradient. */
    @Test
    void theWalkOfTheFusedBodyComputesDl4jsGradient() {
        walkComputesDl4jsGradient(true);
    }

    private static void walkComputesDl4jsGradient(boolean fused) {
        for (boolean factorised : new boolean[] {false, true}) {
            ComputationGraph net = MultiKernelNet.create(NetworkSpec.cifar(factorised), CONFIG.modelOptions(0));
            if (fused) {
                net = FusedNet.of(net);
                assertEquals("fused body", VertexWalk.op(net.getVertex(FusedNet.BODY)));
            }
            MultiDataSet batch = Synthetic.batch(8, new Random(3));
            net.fit(batch); // away from the initial weights

            net.setInputs(batch.getFeatures());
            net.setLabels(batch.getLabels());
            net.computeGradientAndScore();
            INDArray expected = net.getGradientsViewArray().dup();
            net.getGradientsViewArray().assign(0);

            int n = net.getVertices().length;
            long[] forward = new long[n];
            long[] backward = new long[n];
            long[] fanOut = new long[1];
            VertexWalk.walk(net, batch, forward, backward, fanOut);
            INDArray walked = net.getGradientsViewArray();

            double scale = expected.norm2Number().doubleValue();
            assertTrue(scale > 0, "a non-zero gradient");
            double diff = walked.sub(expected).norm2Number().doubleValue();
            assertTrue(diff <= 1e-3 * scale, (factorised ? "factorised" : "standard")
                    + ": walked gradient differs from DL4J's by " + diff + " (norm " + scale + ")");
            // every vertex but the input was timed both ways; the branches' fan-out was summed
            for (int i = 0; i < n; i++) {
                if (!net.getVertices()[i].isInputVertex()) {
                    assertTrue(forward[i] > 0 && backward[i] > 0, net.getVertices()[i].getVertexName());
                }
            }
            assertTrue(fused || fanOut[0] > 0, "pool1's gradient is the sum of the four branches'");
        }
    }

    /** Every vertex of the network is one of the named kinds of operation. */
    @Test
    void everyVertexHasAKind() {
        ComputationGraph net = MultiKernelNet.create(NetworkSpec.cifar(true), CONFIG.modelOptions(0));
        for (var v : net.getVertices()) {
            if (!v.isInputVertex()) {
                String op = VertexWalk.op(v);
                assertTrue(VertexWalk.OPS.contains(op) && !op.equals("other"), v.getVertexName() + ": " + op);
            }
        }
        assertEquals("concat / split", VertexWalk.op(net.getVertex("concat")));
        assertEquals(List.of("convolution"), List.of(VertexWalk.op(net.getVertex("branch3_conv_3x1"))));
    }
}
