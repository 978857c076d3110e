package io.mkcnn.train;

import io.mkcnn.bn.BnLayers;
import io.mkcnn.config.JobConfig;
import io.mkcnn.config.OuterStep;
import io.mkcnn.store.CheckpointPart;
import io.mkcnn.store.RunState;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
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
public final class OuterOptimizer implements CheckpointPart {
    private static final double MIN_INNER_LR = 1e-12;

    private final OuterStep kind;
    private final double alpha;
    private final double momentum;
    private INDArray buffer;
    /** 1 where the step moves a parameter, 0 on the BN moving statistics (made for the network's shape). */
    private INDArray mask;

    /** A new outer optimizer of a run's configuration (its momentum buffer empty). */
    public static OuterOptimizer of(JobConfig cfg) {
        return new OuterOptimizer(cfg.outer().step(), cfg.outer().lr(), cfg.outer().momentum());
    }

    public OuterOptimizer(OuterStep kind, double alpha, double momentum) {
        this.kind = kind;
        this.alpha = alpha;
        this.momentum = momentum;
    }

    public OuterStep kind() {
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
        if (kind == OuterStep.AVERAGE) {
            return avg;
        }
        if (kind == OuterStep.MOMENTUM && innerLr < MIN_INNER_LR) {
            return avg; // the round moved nothing (learning rate 0): no step, the buffer is kept
        }
        // one pass over the flattened values in Java (a dozen whole-array native ops cost more on the driver)
        double[] x = x0.toDoubleVector();
        double[] a = avg.toDoubleVector();
        double[] m = mask.toDoubleVector();
        double[] u = buffer == null ? new double[x.length] : buffer.toDoubleVector();
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double d = (x[i] - a[i]) * m[i];
            double extra;
            if (kind == OuterStep.MOMENTUM) {
                // x = x0 - alpha*g*(beta*u + d/g) = avg - (alpha - 1)*d - alpha*beta*g*u
                extra = alpha * momentum * innerLr * u[i];
                u[i] = momentum * u[i] + d / innerLr;
            } else {
                // v = mu*v + d; x = x0 - alpha*(d + mu*v) = avg - (alpha - 1)*d - alpha*mu*v
                u[i] = momentum * u[i] + d;
                extra = alpha * momentum * u[i];
            }
            out[i] = a[i] - ((alpha - 1) * d + extra) * m[i];
        }
        buffer = array(u, x0);
        return array(out, avg);
    }

    /** Values as an array of {@code like}'s type and shape. */
    private static INDArray array(double[] values, INDArray like) {
        INDArray a;
        if (like.dataType() == DataType.FLOAT) {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) values[i];
            }
            a = Nd4j.createFromArray(f);
        } else {
            a = Nd4j.createFromArray(values).castTo(like.dataType());
        }
        return a.reshape(like.shape());
    }

    /** The momentum buffer's length; 0 before the first step and always for {@code average}. */
    @Override
    public long length() {
        return buffer == null ? 0 : buffer.length();
    }

    @Override
    public String fileName() {
        return "outer.bin";
    }

    @Override
    public String holds() {
        return "the outer optimizer's momentum";
    }

    /** Every step but {@code average} keeps a momentum buffer from its first round on. */
    @Override
    public boolean expectedIn(RunState state) {
        return kind != OuterStep.AVERAGE && state.totalRounds > 0;
    }

    @Override
    public void clear() {
        buffer = null;
    }

    /** Writes the momentum buffer (a flag, then the array if there is one). */
    @Override
    public void save(OutputStream out) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        data.writeBoolean(buffer != null);
        if (buffer != null) {
            Nd4j.write(buffer, data);
        }
        data.flush();
    }

    /** Restores a buffer written by {@link #save}. */
    @Override
    public void load(InputStream in, long modelParams) throws IOException {
        DataInputStream data = new DataInputStream(in);
        buffer = data.readBoolean() ? Nd4j.read(data) : null;
        if (buffer != null && buffer.length() != modelParams) {
            long held = buffer.length();
            buffer = null;
            throw new IOException(fileName() + " holds " + held + " values, the model " + modelParams);
        }
    }

    /** "nesterov (lr 0.7, momentum 0.9)". */
    public String describe() {
        return kind.name().toLowerCase(Locale.ROOT) + (kind == OuterStep.AVERAGE ? ""
                : " (lr " + alpha + ", momentum " + momentum + ")");
    }

    /**
     * The parameters after a round: the outer step from the parameters the network still holds (those broadcast at
     * the round's start) towards the workers' average. The BN layers' moving statistics are masked out (the
     * reconciliation sets them); the Adam state is not touched.
     */
    public INDArray afterRound(ComputationGraph net, INDArray average) {
        if (mask == null || mask.length() != net.params().length()) {
            mask = mask(net, BnLayers.names(net));
        }
        return step(net.params(), average, mask, innerLearningRate(net));
    }

    /**
     * 1 for every parameter the outer step moves, 0 for the BN layers' moving statistics (every BN parameter but
     * gamma and beta), read from where each parameter's view lies in the flat vector; the parameters are not touched.
     */
    static INDArray mask(ComputationGraph net, java.util.Collection<String> bnLayers) {
        INDArray flat = net.params();
        float[] mask = new float[Math.toIntExact(flat.length())];
        java.util.Arrays.fill(mask, 1f);
        for (String bn : bnLayers) {
            for (var e : net.getLayer(bn).paramTable().entrySet()) {
                if (!e.getKey().equals("gamma") && !e.getKey().equals("beta")) {
                    INDArray view = e.getValue();
                    long size = flat.data().getElementSize();
                    long from = (view.data().address() + view.offset() * size
                            - flat.data().address() - flat.offset() * size) / size;
                    if (from < 0 || from + view.length() > mask.length) {
                        throw new IllegalStateException(bn + "_" + e.getKey() + " is not a view of the parameters");
                    }
                    java.util.Arrays.fill(mask, (int) from, (int) (from + view.length()), 0f);
                }
            }
        }
        return org.nd4j.linalg.factory.Nd4j.createFromArray(mask).reshape(flat.shape()).castTo(flat.dataType());
    }

    /** The learning rate the workers' updater used at the round's start (from the network's own schedule). */
    static double innerLearningRate(ComputationGraph net) {
        int iteration = net.getConfiguration().getIterationCount();
        int epoch = net.getConfiguration().getEpochCount();
        for (org.deeplearning4j.nn.api.Layer l : net.getLayers()) {
            for (String param : l.paramTable().keySet()) {
                org.nd4j.linalg.learning.config.IUpdater u = l.conf().getLayer().getUpdaterByParam(param);
                if (u != null && u.hasLearningRate()) {
                    return u.getLearningRate(iteration, epoch);
                }
            }
        }
        throw new IllegalStateException("no layer of the network has a learning rate");
    }
}
