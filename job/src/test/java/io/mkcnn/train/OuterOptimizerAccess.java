package io.mkcnn.train;

import org.deeplearning4j.nn.graph.ComputationGraph;

/** Test access to the outer optimizer's package-private helpers. */
public final class OuterOptimizerAccess {
    private OuterOptimizerAccess() {
    }

    /** The learning rate the network's updater gives at its current iteration. */
    public static double innerLearningRate(ComputationGraph net) {
        return OuterOptimizer.innerLearningRate(net);
    }

    /** The outer step's mask: 1 where it moves a parameter, 0 on the BN moving statistics. */
    public static org.nd4j.linalg.api.ndarray.INDArray outerMask(ComputationGraph net) {
        return OuterOptimizer.mask(net, io.mkcnn.bn.BnLayers.names(net));
    }
}
