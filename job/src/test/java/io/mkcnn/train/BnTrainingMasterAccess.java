package io.mkcnn.train;

import org.deeplearning4j.nn.graph.ComputationGraph;

/** Test access to the training master's package-private helpers. */
public final class BnTrainingMasterAccess {
    private BnTrainingMasterAccess() {
    }

    /** The learning rate the network's updater gives at its current iteration. */
    public static double innerLearningRate(ComputationGraph net) {
        return BnTrainingMaster.innerLearningRate(net);
    }

    /** The outer step's mask: 1 where it moves a parameter, 0 on the BN moving statistics. */
    public static org.nd4j.linalg.api.ndarray.INDArray outerMask(ComputationGraph net) {
        return BnTrainingMaster.outerMask(net, io.mkcnn.bn.BnLayers.names(net));
    }
}
