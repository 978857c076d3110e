package io.mkcnn.model;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A ReLU layer: DL4J's {@link ActivationLayer} with the ReLU activation, whose float32 forward and backward passes
 * run on oneDNN ({@link ReluImpl}). Same configuration and results as DL4J's layer.
 */
public class Relu extends ActivationLayer {

    public Relu() {
        super(new ActivationLayer.Builder().activation(Activation.RELU));
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams,
                             DataType networkDataType) {
        return LayerImpls.wire(new ReluImpl(conf, networkDataType), this, conf, trainingListeners, layerIndex,
                layerParamsView, initializeParams);
    }
}
