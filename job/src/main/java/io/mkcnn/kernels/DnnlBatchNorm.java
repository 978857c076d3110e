package io.mkcnn.kernels;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SCALE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SHIFT;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_MEAN;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCALE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SHIFT;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_VARIANCE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WORKSPACE;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.batch_normalization_backward;
import org.bytedeco.dnnl.batch_normalization_forward;
import org.bytedeco.dnnl.global.dnnl.normalization_flags;
import org.bytedeco.dnnl.global.dnnl.prop_kind;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.memory.data_type;
import org.bytedeco.dnnl.memory.format_tag;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One batch-normalisation layer's oneDNN kernels on NCHW or NHWC float32 arrays, with per-channel scale (gamma) and shift
 * (beta): training forward (normalises with the batch's own mean and biased variance, and returns both),
 * inference forward (with given statistics) and backward (gradients of the input, gamma and beta). Batch
 * normalisation always computes in float32, whatever the convolutions' precision.
 *
 * <p>With {@code relu}, a ReLU follows the normalisation inside the same primitives (oneDNN's fused
 * normalisation and ReLU): the forward writes {@code max(0, y)} and records which outputs were positive in a
 * workspace the kernel keeps, and the backward zeroes the output gradient elsewhere before the normalisation's
 * own backward. The backward therefore belongs to the latest training forward of the same shape.
 *
 * <p>Primitives are created once per input shape and cached; arrays are attached per call without copying. Not
 * thread-safe: one instance per layer instance.
 */
public final class DnnlBatchNorm implements AutoCloseable {
    private static final int SCALE_SHIFT = normalization_flags.use_scale.value | normalization_flags.use_shift.value;
    private final float epsilon;
    private final boolean channelsLast;
    private final int flags;
    private final Plans<Long, Plan> plans = new Plans<>();
    private final stream stream = plans.stream;

    /**
     * @param epsilon added to the variance before its square root
     * @param channelsLast whether the arrays are NHWC ([N, H, W, C]) rather than NCHW
     */
    public DnnlBatchNorm(double epsilon, boolean channelsLast) {
        this(epsilon, channelsLast, false);
    }

    /**
     * @param epsilon added to the variance before its square root
     * @param channelsLast whether the arrays are NHWC ([N, H, W, C]) rather than NCHW
     * @param relu whether a ReLU follows the normalisation (fused into the same primitives)
     */
    public DnnlBatchNorm(double epsilon, boolean channelsLast, boolean relu) {
        this.epsilon = (float) epsilon;
        this.channelsLast = channelsLast;
        this.flags = SCALE_SHIFT | (relu ? normalization_flags.fuse_norm_relu.value : 0);
    }

    /**
     * Training forward: writes the batch's per-channel mean and biased variance (over examples, height and width)
     * into {@code mean} and {@code variance} and the normalised, scaled and shifted input into {@code dst}.
     */
    public void forwardTraining(INDArray src, INDArray gamma, INDArray beta, INDArray dst, INDArray mean,
                                INDArray variance) {
        Plan p = plan(src);
        run(KernelClock.BN_FORWARD, p.training, p.trainingArgs, p.src, src, p.dst, dst, p.mean, mean, p.variance, variance,
                p.scale, gamma, p.shift, beta);
    }

    /** Inference forward with the given per-channel statistics. */
    public void forwardInference(INDArray src, INDArray gamma, INDArray beta, INDArray mean, INDArray variance,
                                 INDArray dst) {
        Plan p = plan(src);
        run(KernelClock.BN_FORWARD, p.inference, p.inferenceArgs, p.src, src, p.dst, dst, p.mean, mean, p.variance, variance,
                p.scale, gamma, p.shift, beta);
    }

    /**
     * Backward of the training forward: {@code mean} and {@code variance} are the batch statistics the forward
     * returned (with a fused ReLU, the latest training forward of this shape); {@code diffSrc}, {@code diffGamma}
     * and {@code diffBeta} are overwritten. ({@code beta} does not enter the gradients, but oneDNN 2.5 refuses to
     * run the primitive without it.)
     */
    public void backward(INDArray src, INDArray diffDst, INDArray gamma, INDArray beta, INDArray mean,
                         INDArray variance,
                         INDArray diffSrc, INDArray diffGamma, INDArray diffBeta) {
        Plan p = plan(src);
        run(KernelClock.BN_BACKWARD, p.backward, p.backwardArgs, p.src, src, p.diffDst, diffDst, p.scale, gamma, p.shift, beta, p.mean, mean,
                p.variance, variance, p.diffSrc, diffSrc, p.diffScale, diffGamma, p.diffShift, diffBeta);
    }

    /** Attaches each (memory, array) pair, then runs the primitive. */
    private void run(String stage, primitive prim, IntMemoryMap args, Object... pairs) {
        for (int i = 0; i < pairs.length; i += 2) {
            INDArray a = (INDArray) pairs[i + 1];
            long expected = ((memory) pairs[i]).get_desc().get_size() / Float.BYTES;
            if (a.dataType() != DataType.FLOAT || !Dnnl.denseRowMajor(a) || a.length() != expected) {
                throw new IllegalArgumentException("batch norm arrays must be contiguous float32 c-order with "
                        + expected + " elements, got " + a.shapeInfoToString());
            }
            ((memory) pairs[i]).set_data_handle(Dnnl.address(a));
        }
        long t = KernelClock.start();
        prim.execute(stream, args);
        stream._wait();
        KernelClock.stop(stage, t);
    }

    private Plan plan(INDArray src) {
        if (src.rank() != 4) {
            throw new IllegalArgumentException("batch norm kernels take rank-4 arrays, got "
                    + src.shapeInfoToString());
        }
        long[] s = src.shape();
        long[] nchw = channelsLast ? new long[] {s[0], s[3], s[1], s[2]} : s;
        long key = (nchw[0] << 45) | (nchw[1] << 30) | (nchw[2] << 15) | nchw[3];
        return plans.get(key, k -> new Plan(nchw));
    }

    @Override
    public void close() {
        plans.close();
    }

    /** Primitives and memory handles for one input shape; every memory wraps a caller's array. */
    private final class Plan implements Plans.Plan {
        final memory src;
        final memory dst;
        final memory diffSrc;
        final memory diffDst;
        final memory mean;
        final memory variance;
        final memory scale;
        final memory shift;
        final memory diffScale;
        final memory diffShift;
        final memory workspace;
        final batch_normalization_forward training;
        final batch_normalization_forward inference;
        final batch_normalization_backward backward;
        final IntMemoryMap trainingArgs = new IntMemoryMap();
        final IntMemoryMap inferenceArgs = new IntMemoryMap();
        final IntMemoryMap backwardArgs = new IntMemoryMap();

        /** @param shape logical dimensions N, C, H, W */
        Plan(long[] shape) {
            memory.desc data = new memory.desc(shape, data_type.f32, channelsLast ? format_tag.nhwc : format_tag.nchw);
            memory.desc channel = new memory.desc(new long[] {shape[1]}, data_type.f32, format_tag.x);
            src = wrap(data);
            dst = wrap(data);
            diffSrc = wrap(data);
            diffDst = wrap(data);
            mean = wrap(channel);
            variance = wrap(channel);
            scale = wrap(channel);
            shift = wrap(channel);
            diffScale = wrap(channel);
            diffShift = wrap(channel);

            batch_normalization_forward.primitive_desc trainPd = new batch_normalization_forward.primitive_desc(
                    new batch_normalization_forward.desc(prop_kind.forward_training.value, data, epsilon,
                            flags), Dnnl.cpu());
            training = new batch_normalization_forward(trainPd);
            inference = new batch_normalization_forward(new batch_normalization_forward.primitive_desc(
                    new batch_normalization_forward.desc(prop_kind.forward_inference.value, data, epsilon,
                            flags | normalization_flags.use_global_stats.value), Dnnl.cpu()));
            backward = new batch_normalization_backward(new batch_normalization_backward.primitive_desc(
                    new batch_normalization_backward.desc(prop_kind.backward.value, data, data, epsilon,
                            flags), Dnnl.cpu(), trainPd));
            // the fused ReLU's record of positive outputs, owned by oneDNN (none without the ReLU)
            workspace = (flags & normalization_flags.fuse_norm_relu.value) != 0
                    ? new memory(trainPd.workspace_desc(), Dnnl.cpu()) : null;

            for (IntMemoryMap m : new IntMemoryMap[] {trainingArgs, inferenceArgs}) {
                m.put(DNNL_ARG_SRC, src);
                m.put(DNNL_ARG_DST, dst);
                m.put(DNNL_ARG_MEAN, mean);
                m.put(DNNL_ARG_VARIANCE, variance);
                m.put(DNNL_ARG_SCALE, scale);
                m.put(DNNL_ARG_SHIFT, shift);
            }
            backwardArgs.put(DNNL_ARG_SRC, src);
            backwardArgs.put(DNNL_ARG_DIFF_DST, diffDst);
            backwardArgs.put(DNNL_ARG_MEAN, mean);
            backwardArgs.put(DNNL_ARG_VARIANCE, variance);
            backwardArgs.put(DNNL_ARG_SCALE, scale);
            backwardArgs.put(DNNL_ARG_SHIFT, shift);
            backwardArgs.put(DNNL_ARG_DIFF_SRC, diffSrc);
            backwardArgs.put(DNNL_ARG_DIFF_SCALE, diffScale);
            backwardArgs.put(DNNL_ARG_DIFF_SHIFT, diffShift);
            if (workspace != null) {
                trainingArgs.put(DNNL_ARG_WORKSPACE, workspace);
                backwardArgs.put(DNNL_ARG_WORKSPACE, workspace);
            }
        }

        private memory wrap(memory.desc d) {
            return new memory(d, Dnnl.cpu(), (org.bytedeco.javacpp.Pointer) null);
        }

        @Override
        public void close() {
            training.close();
            inference.close();
            backward.close();
            trainingArgs.close();
            inferenceArgs.close();
            backwardArgs.close();
            for (memory m : new memory[] {src, dst, diffSrc, diffDst, mean, variance, scale, shift, diffScale,
                    diffShift}) {
                m.close();
            }
            if (workspace != null) {
                workspace.close();
            }
        }
    }
}
