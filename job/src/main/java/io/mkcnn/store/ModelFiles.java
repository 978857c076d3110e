package io.mkcnn.store;

import io.mkcnn.data.InvalidDataException;
import io.mkcnn.data.LabelSet;
import io.mkcnn.model.DnnlHelpers;
import io.mkcnn.model.MultiKernelNet;
import io.mkcnn.model.NetworkSpec;
import java.io.IOException;
import java.io.InputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads the networks the job writes (the model and checkpoints' models, DL4J {@code ComputationGraph} zips) and
 * puts the project's oneDNN kernels behind them: every model the job loads comes through here.
 */
public final class ModelFiles {
    private ModelFiles() {
    }

    /** A network from a model zip, with its updater state or without, its kernels attached. */
    public static ComputationGraph read(InputStream in, boolean withUpdater) throws IOException {
        return DnnlHelpers.attach(ModelSerializer.restoreComputationGraph(in, withUpdater));
    }

    /**
     * Loads a model saved by {@code train} (without its updater state) and checks it takes 24x24x3 crops and gives
     * the probabilities of a label set's classes (CIFAR-10's 10, CIFAR-100's 100 or 20).
     *
     * @throws InvalidDataException naming the file when it is missing, not a DL4J model, or of another shape
     */
    public static ComputationGraph load(Configuration hadoop, String path) {
        ComputationGraph net;
        try {
            try (InputStream in = StorePaths.open(StorePaths.given(path), hadoop)) {
                net = read(in, false);
            }
        } catch (java.io.FileNotFoundException e) {
            throw new InvalidDataException(path + ": model file not found");
        } catch (Exception | Error e) {
            if (e instanceof VirtualMachineError vme) {
                throw vme;
            }
            throw new InvalidDataException(path + ": not a model saved by train (a DL4J ComputationGraph zip): "
                    + e.getMessage(), e);
        }
        NetworkSpec spec = NetworkSpec.cifar(false);
        try {
            INDArray probe = Nd4j.zeros(net.params().dataType(), 1, spec.inputChannels(), spec.inputSize(),
                    spec.inputSize());
            long outputs = net.outputSingle(false, probe).size(1);
            if (net.getVertex("head_conv") == null || MultiKernelNet.classes(net) != outputs) {
                throw new InvalidDataException(path + ": not a model saved by train (no head convolution giving its "
                        + outputs + " outputs)");
            }
            if (java.util.Arrays.stream(LabelSet.values()).noneMatch(s -> s.size() == outputs)) {
                throw new InvalidDataException(path + ": model gives " + outputs + " outputs; no label set has "
                        + outputs + " (CIFAR-10: 10, CIFAR-100: 100 fine or 20 coarse)");
            }
        } catch (InvalidDataException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InvalidDataException(path + ": model does not accept " + spec.inputChannels() + "x"
                    + spec.inputSize() + "x" + spec.inputSize() + " CIFAR crops: " + e.getMessage(), e);
        }
        return net;
    }
}
