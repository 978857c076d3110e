package io.mkcnn.model;

import java.io.Serializable;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Training-related choices baked into the network configuration.
 *
 * @param head what follows the last convolution
 * @param learningRate Adam step size (initial value when {@code cosineSteps > 0})
 * @param cosineSteps iterations over which the learning rate decays to zero along a cosine; 0 keeps it constant
 * @param l2 L2 weight decay coefficient on convolution weights (0 for none)
 * @param bnDecay momentum of DL4J's moving BN statistics: mean &lt;- d*mean + (1-d)*batchMean
 * @param bnEps epsilon added to the variance when normalising
 * @param seed weight initialisation seed
 * @param dataType parameter and activation type (FLOAT for training; DOUBLE in exactness tests)
 * @param layout how the layers store activations (the network's input is NCHW either way)
 * @param warmupSteps iterations over which the learning rate rises linearly from {@code warmupStart} to
 *     {@code learningRate} (0: no warm-up)
 * @param warmupStart the learning rate at iteration 0 of a warm-up
 */
public record ModelOptions(Head head, double learningRate, long cosineSteps, double l2, double bnDecay,
                           double bnEps, long seed, DataType dataType, CNN2DFormat layout, long warmupSteps,
                           double warmupStart) implements Serializable {

    public ModelOptions(Head head, double learningRate, long cosineSteps, double l2, double bnDecay, double bnEps,
                        long seed, DataType dataType, CNN2DFormat layout) {
        this(head, learningRate, cosineSteps, l2, bnDecay, bnEps, seed, dataType, layout, 0, learningRate);
    }

    public static ModelOptions defaults() {
        return new ModelOptions(Head.LINEAR, 1e-3, 0, 0.0, 0.9, 1e-3, 42, DataType.FLOAT, CNN2DFormat.NHWC);
    }

    public ModelOptions withDataType(DataType type) {
        return new ModelOptions(head, learningRate, cosineSteps, l2, bnDecay, bnEps, seed, type, layout, warmupSteps, warmupStart);
    }

    public ModelOptions withSeed(long newSeed) {
        return new ModelOptions(head, learningRate, cosineSteps, l2, bnDecay, bnEps, newSeed, dataType, layout, warmupSteps, warmupStart);
    }

    public ModelOptions withLayout(CNN2DFormat newLayout) {
        return new ModelOptions(head, learningRate, cosineSteps, l2, bnDecay, bnEps, seed, dataType, newLayout, warmupSteps, warmupStart);
    }
}
