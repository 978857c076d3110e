package io.mkcnn.model;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A DL4J convolution with no activation (the convolutions that feed batch normalisation) whose backward pass
 * does not recompute the forward convolution.
 *
 * <p>DL4J's {@code ConvolutionLayer.backpropGradient} recomputes the layer's pre-activation output only to
 * apply the activation function's derivative; with oneDNN helpers on, the cached copy is never used, so every
 * training step runs each convolution's forward pass twice (measured: 12 {@code conv2d} calls for 6
 * convolutions per minibatch). For the identity activation the derivative ignores that output, so an
 * uninitialised array of the right shape takes its place. Same configuration and parameters as
 * {@link ConvolutionLayer}; only the layer implementation differs.
 */
public class LinearConvolution extends ConvolutionLayer {
    /** Whether backprop computes the input's gradient (false for a layer on the network's input; JSON field). */
    private boolean inputGradient = true;

    /** For JSON deserialisation. */
    protected LinearConvolution() {
    }

    public LinearConvolution(ConvolutionLayer.Builder builder) {
        super(builder);
        if (!(getActivationFn() instanceof ActivationIdentity)) {
            throw new IllegalArgumentException("LinearConvolution needs the identity activation, got "
                    + getActivationFn());
        }
    }

    /** Whether backprop computes the gradient of this layer's input. */
    public boolean isInputGradient() {
        return inputGradient;
    }

    /**
     * @param inputGradient false for a layer that reads the network's input: nobody uses that gradient, and for
     *     a 3-channel input it is the most expensive part of the layer's backward pass
     * @return this layer
     */
    public LinearConvolution setInputGradient(boolean inputGradient) {
        this.inputGradient = inputGradient;
        return this;
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && o instanceof LinearConvolution l && l.inputGradient == inputGradient;
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Boolean.hashCode(inputGradient);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams,
                             DataType networkDataType) {
        return LayerImpls.wire(new LinearConvolutionImpl(conf, networkDataType), this, conf, trainingListeners,
                layerIndex, layerParamsView, initializeParams);
    }
}
