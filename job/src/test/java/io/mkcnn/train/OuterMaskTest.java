package io.mkcnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.model.ModelOptions;
import io.mkcnn.model.MultiKernelNet;
import io.mkcnn.model.NetworkSpec;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The outer step moves every parameter but the BN layers' moving statistics, and finding them changes nothing. */
class OuterMaskTest {

    @Test
    void theMaskIsZeroExactlyOnTheMovingStatistics() {
        for (boolean factorised : new boolean[] {false, true}) {
            ComputationGraph net = MultiKernelNet.create(NetworkSpec.cifar(factorised), ModelOptions.defaults());
            INDArray before = net.params().dup();
            INDArray mask = OuterOptimizerAccess.outerMask(net);
            assertTrue(before.equalsWithEps(net.params(), 0), "the parameters are untouched");
            assertEquals(net.params().length(), mask.length());
            // each layer's parameters, in the flat vector's order, against the mask's values there
            long zeros = 0;
            long offset = 0;
            for (String name : net.getConfiguration().getTopologicalOrderStr()) {
                if (!net.getConfiguration().getVertices().containsKey(name) || net.getLayer(name) == null) {
                    continue;
                }
                Layer layer = net.getLayer(name);
                for (Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
                    boolean moving = name.endsWith("_bn") && !p.getKey().equals("gamma") && !p.getKey().equals("beta");
                    double[] m = mask.reshape(mask.length()).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(
                            offset, offset + p.getValue().length())).toDoubleVector();
                    for (double x : m) {
                        assertEquals(moving ? 0.0 : 1.0, x, 0.0, name + "_" + p.getKey());
                    }
                    zeros += moving ? m.length : 0;
                    offset += p.getValue().length();
                }
            }
            assertEquals(net.params().length(), offset, "every parameter visited");
            // five BN layers of 64 channels, each with a moving mean and a moving log10 std
            assertEquals(5 * 2 * 64, zeros);
        }
    }
}
