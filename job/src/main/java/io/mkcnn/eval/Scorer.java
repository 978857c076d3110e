package io.mkcnn.eval;

import io.mkcnn.model.FoldedInference;
import io.mkcnn.runtime.NativeRuntime;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A task's class probabilities: the folded inference pass ({@link FoldedInference}, BN folded into the
 * convolutions) where it serves the network, DL4J's layers otherwise. Which one ran, and why, is logged once per
 * JVM. One instance per task (not thread-safe); close it to free the pass's native kernels.
 */
public final class Scorer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Scorer.class);
    private static final Set<String> SAID = ConcurrentHashMap.newKeySet();

    private final ComputationGraph net;
    private final FoldedInference folded;

    private Scorer(ComputationGraph net, FoldedInference folded) {
        this.net = net;
        this.folded = folded;
    }

    /** Scores with {@code net}, through the folded pass in the JVM's precision where it serves the network. */
    public static Scorer of(ComputationGraph net) {
        try {
            FoldedInference pass = FoldedInference.of(net, NativeRuntime.precision());
            once("inference: BN folded into the convolutions, " + NativeRuntime.precision() + " kernels");
            return new Scorer(net, pass);
        } catch (FoldedInference.Unsupported e) {
            once("inference: DL4J's layers (" + e.getMessage() + ")");
            return new Scorer(net, null);
        }
    }

    private static void once(String message) {
        if (SAID.add(message)) {
            LOG.info(message);
        }
    }

    /** Whether the folded pass scores. */
    public boolean folded() {
        return folded != null;
    }

    /** The class probabilities of {@code features} ([N, 3, H, W], the network's input): [N, classes]. */
    public INDArray probabilities(INDArray features) {
        return folded != null ? folded.output(features) : net.outputSingle(false, features);
    }

    @Override
    public void close() {
        if (folded != null) {
            folded.close();
        }
    }
}
