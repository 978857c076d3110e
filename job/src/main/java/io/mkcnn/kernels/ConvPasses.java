package io.mkcnn.kernels;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.stream;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The three passes of {@link DnnlConvolution} for one input shape, each a oneDNN primitive with its ports: the
 * caller's arrays converted into the primitive's layout and precision on the way in, and back on the way out.
 */
final class ConvPasses {
    private ConvPasses() {
    }

    /** Runs a pass's primitive on its stream, timed under {@code stage}. */
    private static void execute(stream s, primitive prim, IntMemoryMap args, String stage) {
        long t = KernelClock.start();
        prim.execute(s, args);
        s._wait();
        KernelClock.stop(stage, t);
    }

    /** The forward pass: {@code y = conv(x, w) + b}. */
    static final class Forward implements AutoCloseable {
        final convolution_forward prim;
        final Port src;
        final Port weights;
        final Port bias;
        final Port dst;
        final IntMemoryMap args = new IntMemoryMap();

        /** @param bUser the bias's user layout, or null for a layer without bias */
        Forward(convolution_forward.primitive_desc pd, memory.desc srcUser, memory.desc wUser, memory.desc bUser,
                memory.desc dstUser) {
            prim = new convolution_forward(pd);
            src = Port.in(srcUser, pd.src_desc());
            weights = Port.in(wUser, pd.weights_desc());
            bias = bUser != null ? Port.in(bUser, pd.bias_desc()) : null;
            dst = Port.out(dstUser, pd.dst_desc());
            args.put(DNNL_ARG_SRC, src.inner());
            args.put(DNNL_ARG_WEIGHTS, weights.inner());
            if (bias != null) {
                args.put(DNNL_ARG_BIAS, bias.inner());
            }
            args.put(DNNL_ARG_DST, dst.inner());
        }

        void run(stream s, INDArray x, INDArray w, INDArray b, INDArray y) {
            src.load(s, x);
            weights.load(s, w);
            if (bias != null) {
                bias.load(s, b);
            }
            dst.attach(y);
            execute(s, prim, args, KernelClock.CONV_FORWARD);
            dst.store(s);
            s._wait();
        }

        @Override
        public void close() {
            prim.close();
            args.close();
            Port.closeAll(src, weights, bias, dst);
        }
    }

    /** A pass with two inputs and one output, each through its port: the primitive timed under {@code stage}. */
    static class TwoToOne implements AutoCloseable {
        final primitive prim;
        final IntMemoryMap args = new IntMemoryMap();
        private final String stage;
        private final Port first;
        private final Port second;
        private final Port out;

        TwoToOne(primitive prim, String stage, int firstArg, Port first, int secondArg, Port second, int outArg,
                 Port out) {
            this.prim = prim;
            this.stage = stage;
            this.first = first;
            this.second = second;
            this.out = out;
            args.put(firstArg, first.inner());
            args.put(secondArg, second.inner());
            args.put(outArg, out.inner());
        }

        void run(stream s, INDArray a, INDArray b, INDArray result) {
            first.load(s, a);
            second.load(s, b);
            out.attach(result);
            execute(s, prim, args, stage);
            out.store(s);
            s._wait();
        }

        @Override
        public void close() {
            prim.close();
            args.close();
            Port.closeAll(first, second, out);
        }
    }

    /** The gradient with respect to the input: {@code run(dy, w, dx)}. */
    static final class BackwardData extends TwoToOne {
        final Port diffDst;

        BackwardData(convolution_backward_data.primitive_desc pd, memory.desc dstUser, memory.desc wUser,
                     memory.desc srcUser) {
            this(pd, Port.in(dstUser, pd.diff_dst_desc()), wUser, srcUser);
        }

        private BackwardData(convolution_backward_data.primitive_desc pd, Port diffDst, memory.desc wUser,
                             memory.desc srcUser) {
            super(new convolution_backward_data(pd), KernelClock.CONV_BACKWARD_DATA, DNNL_ARG_DIFF_DST, diffDst,
                    DNNL_ARG_WEIGHTS, Port.in(wUser, pd.weights_desc()), DNNL_ARG_DIFF_SRC,
                    Port.out(srcUser, pd.diff_src_desc()));
            this.diffDst = diffDst;
        }
    }

    /** The gradients with respect to the weights and the bias. */
    static final class BackwardWeights implements AutoCloseable {
        final convolution_backward_weights prim;
        final Port src;
        final Port diffDst;
        final Port diffWeights;
        final Port diffBias;
        final IntMemoryMap args = new IntMemoryMap();

        /** @param bUser the bias's user layout, or null for a layer without bias */
        BackwardWeights(convolution_backward_weights.primitive_desc pd, memory.desc srcUser, memory.desc dstUser,
                        memory.desc wUser, memory.desc bUser) {
            prim = new convolution_backward_weights(pd);
            src = Port.in(srcUser, pd.src_desc());
            diffDst = Port.in(dstUser, pd.diff_dst_desc());
            diffWeights = Port.out(wUser, pd.diff_weights_desc());
            diffBias = bUser != null ? Port.out(bUser, pd.diff_bias_desc()) : null;
            args.put(DNNL_ARG_SRC, src.inner());
            args.put(DNNL_ARG_DIFF_DST, diffDst.inner());
            args.put(DNNL_ARG_DIFF_WEIGHTS, diffWeights.inner());
            if (diffBias != null) {
                args.put(DNNL_ARG_DIFF_BIAS, diffBias.inner());
            }
        }

        /**
         * @param srcLoaded a buffer already holding {@code x} in this primitive's layout, or null to convert it
         * @param diffDstLoaded likewise for {@code dy}
         */
        void run(stream s, INDArray x, INDArray dy, INDArray dw, INDArray db, memory srcLoaded,
                 memory diffDstLoaded) {
            if (srcLoaded != null) {
                args.put(DNNL_ARG_SRC, srcLoaded);
            } else {
                src.load(s, x);
            }
            if (diffDstLoaded != null) {
                args.put(DNNL_ARG_DIFF_DST, diffDstLoaded);
            } else {
                diffDst.load(s, dy);
            }
            diffWeights.attach(dw);
            if (diffBias != null) {
                diffBias.attach(db);
            }
            execute(s, prim, args, KernelClock.CONV_BACKWARD_WEIGHTS);
            if (srcLoaded != null) {
                args.put(DNNL_ARG_SRC, src.inner());
            }
            if (diffDstLoaded != null) {
                args.put(DNNL_ARG_DIFF_DST, diffDst.inner());
            }
            diffWeights.store(s);
            if (diffBias != null) {
                diffBias.store(s);
            }
            s._wait();
        }

        @Override
        public void close() {
            prim.close();
            args.close();
            Port.closeAll(src, diffDst, diffWeights, diffBias);
        }
    }

    /**
     * The weights' gradient of a channels-last convolution without bias, computed as a forward convolution. With
     * input x [N, H, W, C] and output gradient dy [N, OH, OW, O], {@code dW[o, c, i, j] = sum over n, h, w of
     * dy[n, h, w, o] x[n, h + i - padTop, w + j - padLeft, c]}: the forward convolution of x seen as C images of
     * N channels with dy seen as O filters of N channels and OH x OW taps, whose output (C images of O channels,
     * kh x kw, the same padding) is dW with its first two axes swapped. Both views are strided descriptions of the
     * caller's arrays, so the ports' reorders transpose (and convert) them on the way in and out. oneDNN's
     * forward kernels beat its backward-weights kernels on the large kernels of this network ({@link
     * DnnlConvolution} measures both per shape and keeps the faster). The pass runs {@code run(x, dy, dw)}.
     *
     * @param nhwc the input's dimensions [N, H, W, C]
     * @param outHw the output's height and width
     */
    static TwoToOne weightsAsForward(long[] nhwc, long[] outHw, ConvGeometry g, memory.data_type compute,
                                     memory.data_type srcType, memory.data_type diffDstType) {
        long n = nhwc[0];
        long h = nhwc[1];
        long w = nhwc[2];
        long c = nhwc[3];
        long o = g.outChannels();
        long oh = outHw[0];
        long ow = outHw[1];
        long kh = g.kernelH();
        long kw = g.kernelW();
        memory.desc srcUser = new memory.desc(new long[] {c, n, h, w}, srcType, new long[] {1, h * w * c, w * c, c});
        memory.desc dyUser = new memory.desc(new long[] {o, n, oh, ow}, diffDstType,
                new long[] {1, oh * ow * o, ow * o, o});
        memory.desc dwUser = new memory.desc(new long[] {c, o, kh, kw}, memory.data_type.f32,
                new long[] {kh * kw, c * kh * kw, kw, 1});
        memory.desc srcAny = new memory.desc(new long[] {c, n, h, w}, compute, memory.format_tag.nhwc);
        memory.desc dyAny = new memory.desc(new long[] {o, n, oh, ow}, compute, memory.format_tag.any);
        memory.desc dwAny = new memory.desc(new long[] {c, o, kh, kw}, memory.data_type.f32,
                memory.format_tag.any);
        convolution_forward.primitive_desc pd = new convolution_forward.primitive_desc(
                new convolution_forward.desc(org.bytedeco.dnnl.global.dnnl.prop_kind.forward_inference,
                org.bytedeco.dnnl.global.dnnl.algorithm.convolution_direct, srcAny, dyAny, dwAny,
                new long[] {1, 1}, new long[] {g.padTop(), g.padLeft()}, new long[] {g.padBottom(), g.padRight()}),
                Dnnl.cpu());
        return new TwoToOne(new convolution_forward(pd), KernelClock.CONV_BACKWARD_WEIGHTS, DNNL_ARG_SRC,
                Port.in(srcUser, pd.src_desc()), DNNL_ARG_WEIGHTS, Port.in(dyUser, pd.weights_desc()), DNNL_ARG_DST,
                Port.out(dwUser, pd.dst_desc()));
    }

    /** Per shape, precision and activation types: whether the weights' gradient runs as a forward convolution. */
    private static final Map<String, Boolean> CHOICES = new ConcurrentHashMap<>();

    /**
     * The weights' gradient as a forward convolution ({@link #weightsAsForward}) where {@code forced} is true, or
     * (forced null) where it runs in under 80% of the {@code direct} pass's time, each timed on zeroed buffers of
     * this shape the first time the JVM meets it (in a step it also pays the transposing conversions, and it
     * measured 1.4 ms faster a standard step, no faster a factorised one); else null.
     */
    static TwoToOne weightsAsForwardWhereFaster(Boolean forced, long[] nhwc, long[] outHw, ConvGeometry g,
                                                memory.data_type compute, memory.data_type srcType,
                                                memory.data_type diffDstType, BackwardWeights direct) {
        if (Boolean.FALSE.equals(forced)) {
            return null;
        }
        TwoToOne f = weightsAsForward(nhwc, outHw, g, compute, srcType, diffDstType);
        if (forced != null) {
            return f;
        }
        // decided once per JVM and shape, so that every network of the JVM computes alike
        String key = g + " " + Arrays.toString(nhwc) + " " + compute + " " + srcType + " " + diffDstType;
        boolean faster = CHOICES.computeIfAbsent(key, k -> PrimitiveTimer.millis(f.prim, f.args)
                < 0.8 * PrimitiveTimer.millis(direct.prim, direct.args));
        if (faster) {
            return f;
        }
        f.close();
        return null;
    }
}
