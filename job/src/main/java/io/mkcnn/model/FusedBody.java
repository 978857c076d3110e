package io.mkcnn.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * The network's body, from the stem convolution to the global average pooling, as one layer ({@link
 * FusedBodyImpl}): the same maths and the same parameters as the layer graph's {@code stem_conv ... gap}
 * ({@link MultiKernelNet}); the loss layer stays DL4J's.
 *
 * <p>The layer keeps the graph's layer configurations as its units, in the graph's topological order. Each unit's
 * parameters are this layer's parameters {@code unit_param} (e.g. {@code stem_bn_gamma}), laid out in that order,
 * each with its unit's updater and regularisation. DL4J starts an updater block wherever the updater configuration
 * changes, so the flat parameter, gradient and updater-state arrays of a network with this layer are those of the
 * layer graph, offset for offset ({@link FusedNet} converts between the two forms).
 */
public class FusedBody extends BaseLayer {
    /** The graph's layer configurations from the stem to the branches' BN, in topological (parameter) order. */
    private List<NeuralNetConfiguration> units = new ArrayList<>();
    /** Per branch, in concatenation order: its convolutions' unit names, input first. */
    private List<List<String>> branchConvs = new ArrayList<>();
    /** Per branch, in concatenation order: its BN unit's name. */
    private List<String> branchBns = new ArrayList<>();

    /** For JSON deserialisation. */
    public FusedBody() {
    }

    FusedBody(List<NeuralNetConfiguration> units, List<List<String>> branchConvs, List<String> branchBns) {
        this.units = new ArrayList<>(units);
        this.branchConvs = branchConvs.stream().map(l -> (List<String>) new ArrayList<>(l)).toList();
        this.branchBns = new ArrayList<>(branchBns);
    }

    public List<NeuralNetConfiguration> getUnits() {
        return units;
    }

    public void setUnits(List<NeuralNetConfiguration> units) {
        this.units = units;
    }

    public List<List<String>> getBranchConvs() {
        return branchConvs;
    }

    public void setBranchConvs(List<List<String>> branchConvs) {
        this.branchConvs = branchConvs;
    }

    public List<String> getBranchBns() {
        return branchBns;
    }

    public void setBranchBns(List<String> branchBns) {
        this.branchBns = branchBns;
    }

    /** The configuration of the unit called {@code name}. */
    org.deeplearning4j.nn.conf.layers.Layer unit(String name) {
        for (NeuralNetConfiguration u : units) {
            if (u.getLayer().getLayerName().equals(name)) {
                return u.getLayer();
            }
        }
        throw new IllegalArgumentException("the fused body has no unit " + name);
    }

    /** The unit's layer configuration of a parameter {@code unit_param}. */
    org.deeplearning4j.nn.conf.layers.Layer unitOf(String paramName) {
        return unit(paramName.substring(0, paramName.lastIndexOf('_')));
    }

    static String unitParam(String paramName) {
        return paramName.substring(paramName.lastIndexOf('_') + 1);
    }

    /** What the body puts out: the head's filters (the classes), averaged over the image. */
    long outChannels() {
        return ((FeedForwardLayer) unit(FusedNet.HEAD)).getNOut();
    }

    /** Whether the head applies a ReLU (else it is linear). */
    boolean headRelu() {
        return plainRelu(((BaseLayer) unit(FusedNet.HEAD)).getActivationFn());
    }

    /** DL4J's ReLU with its defaults: max(0, x), no cap, threshold or slope. */
    static boolean plainRelu(org.nd4j.linalg.activations.IActivation a) {
        return a instanceof ActivationReLU r && r.getMax() == null
                && (r.getThreshold() == null || r.getThreshold() == 0.0)
                && (r.getNegativeSlope() == null || r.getNegativeSlope() == 0.0);
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        return unitOf(paramName).getUpdaterByParam(unitParam(paramName));
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return unitOf(paramName).getRegularizationByParam(unitParam(paramName));
    }

    @Override
    public boolean isPretrainParam(String paramName) {
        return false;
    }

    @Override
    public ParamInitializer initializer() {
        return FusedBodyParams.INSTANCE;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams,
                             DataType networkDataType) {
        return LayerImpls.wire(new FusedBodyImpl(conf, networkDataType), this, conf, trainingListeners, layerIndex,
                layerParamsView, initializeParams);
    }

    /** One value per class: the head's output averaged over the image. */
    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(outChannels());
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        // the units carry their own channel counts
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        return new LayerMemoryReport.Builder(getLayerName(), FusedBody.class, inputType,
                getOutputType(-1, inputType)).standardMemory(0, 0).workingMemory(0, 0, 0, 0)
                .cacheMemory(0, 0).build();
    }

    @Override
    public FusedBody clone() {
        FusedBody c = (FusedBody) super.clone();
        c.units = new ArrayList<>();
        for (NeuralNetConfiguration u : units) {
            c.units.add(u.clone());
        }
        c.branchConvs = branchConvs.stream().map(l -> (List<String>) new ArrayList<>(l)).toList();
        c.branchBns = new ArrayList<>(branchBns);
        return c;
    }
}
