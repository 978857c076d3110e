package io.mkcnn.model;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/** What every layer configuration of the project does in {@code instantiate} once it has made its own layer. */
final class LayerImpls {
    private LayerImpls() {
    }

    /**
     * Gives a new layer implementation its listeners, index, parameter view and parameters, as DL4J's own
     * configurations do.
     *
     * @return {@code layer}
     */
    static Layer wire(Layer layer, org.deeplearning4j.nn.conf.layers.Layer layerConf, NeuralNetConfiguration conf,
                      Collection<TrainingListener> trainingListeners, int layerIndex, INDArray layerParamsView,
                      boolean initializeParams) {
        layer.setListeners(trainingListeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        layer.setParamTable(layerConf.initializer().init(conf, layerParamsView, initializeParams));
        layer.setConf(conf);
        return layer;
    }
}
