package io.mkcnn.ml;

import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;

/** The Params of what is trained: the data's columns and labels, the network, batch normalisation, the precision. */
abstract class NetworkParams extends TrainingStage {
    private static final long serialVersionUID = 1L;

    private final Param<String> imageCol = stringParam("imageCol", "data.image.column",
            "the image column: PNG/JPEG bytes, a struct of binary bytes, an image struct or raw CIFAR bytes");
    private final Param<String> labelCol = stringParam("labelCol", "data.label.column",
            "the integer label column");
    private final Param<String> dataFormat = stringParam("dataFormat", "data.format",
            "the label set: cifar10, or cifar100");
    private final Param<String> cifar100Labels = stringParam("cifar100Labels", "data.cifar100.labels",
            "with cifar100: fine (100 classes) or coarse (20)");
    private final BooleanParam factorised = booleanParam("factorised", "model.factorised",
            "each kxk branch as kx1 then 1xk");
    private final Param<String> layout = stringParam("layout", "model.layout",
            "activations' layout: nhwc or nchw");
    private final Param<String> head = stringParam("head", "model.head",
            "the classifier head: linear or relu");
    private final DoubleParam learningRate = doubleParam("learningRate", "model.lr",
            "Adam's learning rate");
    private final Param<String> lrSchedule = stringParam("lrSchedule", "model.lr.schedule",
            "constant or cosine");
    private final DoubleParam l2 = doubleParam("l2", "model.l2",
            "weight decay");
    private final DoubleParam bnDecay = doubleParam("bnDecay", "bn.decay",
            "decay of the BN moving statistics");
    private final DoubleParam bnEps = doubleParam("bnEps", "bn.eps",
            "added to the BN variance");
    private final Param<String> bnMode = stringParam("bnMode", "bn.mode",
            "BN reconciliation after a round: pooled, recompute or naive");
    private final IntParam bnRecomputeSamples = intParam("bnRecomputeSamples", "bn.recompute.samples",
            "records the recompute mode runs through the averaged network");
    private final Param<String> precision = stringParam("precision", "model.precision",
            "the convolutions' precision: auto, fp32 or bf16");
    private final Param<String> engine = stringParam("engine", "model.engine",
            "what runs a training step: fused (the body as one layer) or layers (DL4J's layer graph)");

    public Param<String> imageCol() {
        return imageCol;
    }

    public MultiKernelCnnClassifier setImageCol(String value) {
        return (MultiKernelCnnClassifier) set(imageCol, value);
    }

    public Param<String> labelCol() {
        return labelCol;
    }

    public MultiKernelCnnClassifier setLabelCol(String value) {
        return (MultiKernelCnnClassifier) set(labelCol, value);
    }

    public Param<String> dataFormat() {
        return dataFormat;
    }

    public MultiKernelCnnClassifier setDataFormat(String value) {
        return (MultiKernelCnnClassifier) set(dataFormat, value);
    }

    public Param<String> cifar100Labels() {
        return cifar100Labels;
    }

    public MultiKernelCnnClassifier setCifar100Labels(String value) {
        return (MultiKernelCnnClassifier) set(cifar100Labels, value);
    }

    public BooleanParam factorised() {
        return factorised;
    }

    public MultiKernelCnnClassifier setFactorised(boolean value) {
        return (MultiKernelCnnClassifier) set(factorised, value);
    }

    public Param<String> layout() {
        return layout;
    }

    public MultiKernelCnnClassifier setLayout(String value) {
        return (MultiKernelCnnClassifier) set(layout, value);
    }

    public Param<String> head() {
        return head;
    }

    public MultiKernelCnnClassifier setHead(String value) {
        return (MultiKernelCnnClassifier) set(head, value);
    }

    public DoubleParam learningRate() {
        return learningRate;
    }

    public MultiKernelCnnClassifier setLearningRate(double value) {
        return (MultiKernelCnnClassifier) set(learningRate, value);
    }

    public Param<String> lrSchedule() {
        return lrSchedule;
    }

    public MultiKernelCnnClassifier setLrSchedule(String value) {
        return (MultiKernelCnnClassifier) set(lrSchedule, value);
    }

    public DoubleParam l2() {
        return l2;
    }

    public MultiKernelCnnClassifier setL2(double value) {
        return (MultiKernelCnnClassifier) set(l2, value);
    }

    public DoubleParam bnDecay() {
        return bnDecay;
    }

    public MultiKernelCnnClassifier setBnDecay(double value) {
        return (MultiKernelCnnClassifier) set(bnDecay, value);
    }

    public DoubleParam bnEps() {
        return bnEps;
    }

    public MultiKernelCnnClassifier setBnEps(double value) {
        return (MultiKernelCnnClassifier) set(bnEps, value);
    }

    public Param<String> bnMode() {
        return bnMode;
    }

    public MultiKernelCnnClassifier setBnMode(String value) {
        return (MultiKernelCnnClassifier) set(bnMode, value);
    }

    public IntParam bnRecomputeSamples() {
        return bnRecomputeSamples;
    }

    public MultiKernelCnnClassifier setBnRecomputeSamples(int value) {
        return (MultiKernelCnnClassifier) set(bnRecomputeSamples, value);
    }

    public Param<String> precision() {
        return precision;
    }

    public MultiKernelCnnClassifier setPrecision(String value) {
        return (MultiKernelCnnClassifier) set(precision, value);
    }

    public Param<String> engine() {
        return engine;
    }

    public MultiKernelCnnClassifier setEngine(String value) {
        return (MultiKernelCnnClassifier) set(engine, value);
    }

    NetworkParams(String uid) {
        super(uid);
    }
}
