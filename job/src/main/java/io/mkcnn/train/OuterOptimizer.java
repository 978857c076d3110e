package io.mkcnn.train;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The driver's step after each averaging round, on the change the workers made: {@code d = x0 - avg}, with
 * {@code x0} the parameters broadcast at the round's start and {@code avg} the workers' average.
 *
 * <ul>
 *   <li>{@code average}: {@code x = avg} (DL4J's parameter averaging).</li>
 *   <li>{@code momentum} (SlowMo, Wang et al. 2020): {@code u = beta*u + d/g}, {@code x = x0 - alpha*g*u}, with
 *       {@code g} the inner learning rate of the round.</li>
 *   <li>{@code nesterov} (DiLoCo's outer SGD, Douillard et al. 2023): {@code v = mu*v + d},
 *       {@code x = x0 - alpha*(d + mu*v)}.</li>
 * </ul>
 *
 * Both are computed as {@code avg - (alpha - 1)*d - ...}, so {@code alpha = 1} with no momentum gives the average
 * exactly. A mask leaves parameters out (the BN moving statistics, which the reconciliation sets): there
 * {@code x = avg} and no momentum is kept. The momentum buffer is the optimizer's state, saved with checkpoints.
 */
public final class OuterOptimizer {
    /** The outer steps offered. */
    public enum Kind { AVERAGE, MOMENTUM, NESTEROV }

    private static final double MIN_INNER_LR = 1e-12;

    private final Kind kind;
    private final double alpha;
    private final double momentum;
    private INDArray buffer;

    public OuterOptimizer(Kind kind, double alpha, double momentum) {
        this.kind = kind;
        this.alpha = alpha;
        this.momentum = momentum;
    }

    public Kind kind() {
        return kind;
    }

    /** The momentum buffer (null before the first step, and always for {@code average}). */
    public INDArray buffer() {
        return buffer;
    }

    /**
     * The parameters to broadcast next.
     *
     * @param x0 the parameters at the round's start (not modified)
     * @param avg the workers' average (not modified)
     * @param mask 1 where the outer step applies, 0 where the average is kept
     * @param innerLr the workers' learning rate during the round (used by {@code momentum})
     */
    public INDArray step(INDArray x0, INDArray avg, INDArray mask, double innerLr) {
        if (kind == Kind.AVERAGE) {
            return avg;
        }
        INDArray d = x0.sub(avg).muli(mask);
        if (buffer == null) {
            buffer = Nd4j.zeros(d.dataType(), d.shape());
        }
        INDArray extra;
        if (kind == Kind.MOMENTUM) {
            if (innerLr < MIN_INNER_LR) {
                return avg; // the round moved nothing (learning rate 0): no step, the buffer is kept
            }
            // x = x0 - alpha*g*(beta*u + d/g) = avg - (alpha - 1)*d - alpha*beta*g*u
            extra = buffer.mul(alpha * momentum * innerLr);
            buffer.muli(momentum).addi(d.div(innerLr));
        } else {
            // v = mu*v + d; x = x0 - alpha*(d + mu*v) = avg - (alpha - 1)*d - alpha*mu*v
            buffer.muli(momentum).addi(d);
            extra = buffer.mul(alpha * momentum);
        }
        return avg.sub(d.muli(alpha - 1).addi(extra).muli(mask));
    }

    /** Writes the momentum buffer (a flag, then the array if there is one). */
    public void save(OutputStream out) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        data.writeBoolean(buffer != null);
        if (buffer != null) {
            Nd4j.write(buffer, data);
        }
        data.flush();
    }

    /** Restores a buffer written by {@link #save}. */
    public void load(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        buffer = data.readBoolean() ? Nd4j.read(data) : null;
    }

    /** "nesterov (lr 0.7, momentum 0.9)". */
    public String describe() {
        return kind.name().toLowerCase(Locale.ROOT) + (kind == Kind.AVERAGE ? ""
                : " (lr " + alpha + ", momentum " + momentum + ")");
    }
}
