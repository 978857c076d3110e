package io.mkcnn.model;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A max-pooling layer: DL4J's {@link SubsamplingLayer} with max pooling, whose float32 forward and
 * backward passes run on oneDNN ({@link MaxPoolImpl}). Same configuration and results as DL4J's layer.
 */
public class MaxPool extends SubsamplingLayer {

    /** For JSON deserialisation. */
    protected MaxPool() {
    }

    public MaxPool(SubsamplingLayer.Builder builder) {
        super(builder);
        if (getPoolingType() != org.deeplearning4j.nn.conf.layers.PoolingType.MAX) {
            throw new IllegalArgumentException("MaxPool needs max pooling, got " + getPoolingType());
        }
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams,
                             DataType networkDataType) {
        return LayerImpls.wire(new MaxPoolImpl(conf, networkDataType), this, conf, trainingListeners, layerIndex,
                layerParamsView, initializeParams);
    }
}
