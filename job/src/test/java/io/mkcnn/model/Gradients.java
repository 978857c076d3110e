package io.mkcnn.model;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/** A network's flat gradient on one minibatch, and how far two arrays are apart. */
final class Gradients {
    private Gradients() {
    }

    /** The gradient of the loss at the network's current parameters (training mode; parameters unchanged). */
    static INDArray of(ComputationGraph net, MultiDataSet batch) {
        net.setInputs(batch.getFeatures());
        net.setLabels(batch.getLabels());
        net.computeGradientAndScore();
        return net.gradient().gradient().dup();
    }

    /** |a - b| / |a| in the L2 norm. */
    static double relativeDifference(INDArray a, INDArray b) {
        return a.sub(b).norm2Number().doubleValue() / a.norm2Number().doubleValue();
    }
}
