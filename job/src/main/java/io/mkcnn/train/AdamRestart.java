package io.mkcnn.train;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * Adam's bias correction for moments that started from zero at iteration {@code zeroedAt} of the run (a shard whose
 * executor kept no optimizer state under {@code train.updater.sync=local}) instead of at iteration 0.
 *
 * <p>DL4J's Adam scales its step by {@code c(t) = sqrt(1 - beta2^t) / (1 - beta1^t)} with t the run's iteration + 1,
 * which also drives the learning-rate schedule. Moments zeroed at {@code zeroedAt} need {@code c(t - zeroedAt)}:
 * without it the first steps after the restart are up to 6x too large. While attached, each of the network's Adam
 * configurations reads its learning rate through a schedule scaled by {@code c(t - zeroedAt) / c(t)}, set before
 * every step; {@link #detach()} puts the original schedules (or fixed rates) back. Adam's optimizer state and the
 * network's configuration are otherwise untouched.
 */
final class AdamRestart {
    private final long zeroedAt;
    private final double[] factor = {1.0};
    private final Map<Adam, ISchedule> original = new IdentityHashMap<>();
    private final Map<Adam, Double> originalRate = new IdentityHashMap<>();
    private final double beta1;
    private final double beta2;

    private AdamRestart(long zeroedAt, List<Adam> adams) {
        this.zeroedAt = zeroedAt;
        this.beta1 = adams.isEmpty() ? 0.9 : adams.get(0).getBeta1();
        this.beta2 = adams.isEmpty() ? 0.999 : adams.get(0).getBeta2();
        for (Adam a : adams) {
            original.put(a, a.getLearningRateSchedule());
            originalRate.put(a, a.getLearningRate());
            a.setLrAndSchedule(Double.NaN, new Scaled(a.getLearningRateSchedule(), a.getLearningRate(), factor));
        }
    }

    /** Wraps the learning rates of every Adam configuration of {@code net}, set for its next step. */
    static AdamRestart attach(ComputationGraph net, long zeroedAt) {
        Map<Adam, Boolean> seen = new IdentityHashMap<>();
        List<Adam> adams = new ArrayList<>();
        for (Layer l : net.getLayers()) {
            for (String param : l.paramTable().keySet()) {
                IUpdater u = l.conf().getLayer().getUpdaterByParam(param);
                if (u instanceof Adam a && seen.put(a, true) == null) {
                    adams.add(a);
                }
            }
        }
        AdamRestart restart = new AdamRestart(zeroedAt, adams);
        restart.beforeStep(net.getConfiguration().getIterationCount());
        return restart;
    }

    /** Sets the factor for the step the network takes next, at the run's iteration {@code iteration}. */
    void beforeStep(int iteration) {
        factor[0] = factor(iteration + 1L - zeroedAt, iteration + 1L, beta1, beta2);
    }

    /** {@code c(local) / c(global)}, 1 when the moments started with the run. */
    static double factor(long local, long global, double beta1, double beta2) {
        return correction(Math.max(1, local), beta1, beta2) / correction(global, beta1, beta2);
    }

    private static double correction(long t, double beta1, double beta2) {
        return Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t));
    }

    /** Puts every Adam configuration's own schedule or fixed rate back. */
    void detach() {
        original.forEach((a, schedule) -> a.setLrAndSchedule(originalRate.get(a), schedule));
    }

    /** A learning rate (a schedule's, or a fixed one) times a factor shared by every layer. */
    private record Scaled(ISchedule base, double fixed, double[] factor) implements ISchedule {
        @Override
        public double valueAt(int iteration, int epoch) {
            return (base == null ? fixed : base.valueAt(iteration, epoch)) * factor[0];
        }

        @Override
        public ISchedule clone() {
            return new Scaled(base == null ? null : base.clone(), fixed, factor);
        }
    }
}
