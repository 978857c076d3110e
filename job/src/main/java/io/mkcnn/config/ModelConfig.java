package io.mkcnn.config;

import io.mkcnn.config.JobConfig.LrSchedule;
import io.mkcnn.model.Head;
import java.io.Serializable;
import org.deeplearning4j.nn.conf.CNN2DFormat;

/**
 * The network and its inner optimizer ({@code model.*} apart from the precision, which is an operation setting).
 *
 * @param factorised each kxk branch as kx1 then 1xk
 * @param layout activations' layout
 * @param head the classifier head
 * @param lr Adam's learning rate (before scaling with the workers)
 * @param lrSchedule constant or cosine
 * @param l2 weight decay
 */
public record ModelConfig(boolean factorised, CNN2DFormat layout, Head head, double lr, LrSchedule lrSchedule,
                          double l2) implements Serializable {

    static ModelConfig read(Settings s) {
        return new ModelConfig(
                s.bool("model.factorised", false),
                s.enumValue("model.layout", CNN2DFormat.NHWC),
                s.enumValue("model.head", Head.LINEAR),
                s.positiveDouble("model.lr", 1e-3),
                s.enumValue("model.lr.schedule", LrSchedule.CONSTANT),
                s.doubleValue("model.l2", 0.0, 0.0, 1.0));
    }
}
