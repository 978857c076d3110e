package io.mkcnn.model;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Batch normalisation followed by a ReLU, as one layer: DL4J's {@link BatchNormalization} configuration and
 * parameters (gamma, beta and the moving statistics, which the BN reconciliation reads and writes as for any
 * batch-normalisation layer), with a ReLU applied to its output ({@link BatchNormReluImpl}). On float32 arrays
 * both run in one pair of oneDNN primitives; the result is that of the two layers in sequence.
 */
public class BatchNormRelu extends BatchNormalization {

    /** For JSON deserialisation. */
    public BatchNormRelu() {
    }

    /**
     * @param decay the moving statistics' decay
     * @param eps added to the variance before its square root
     * @param format the activations' layout
     */
    public BatchNormRelu(double decay, double eps, CNN2DFormat format) {
        setDecay(decay);
        setEps(eps);
        setUseLogStd(true);
        setCnn2DFormat(format);
    }

    @Override
    public BatchNormRelu clone() {
        return (BatchNormRelu) super.clone();
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams,
                             DataType networkDataType) {
        LayerValidation.assertNOutSet("BatchNormRelu", getLayerName(), layerIndex, getNOut());
        return LayerImpls.wire(new BatchNormReluImpl(conf, networkDataType), this, conf, trainingListeners,
                layerIndex, layerParamsView, initializeParams);
    }
}
