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
}
