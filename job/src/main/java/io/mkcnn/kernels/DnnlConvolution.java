package io.mkcnn.kernels;

import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.prop_kind;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.memory.data_type;
import org.bytedeco.dnnl.memory.format_tag;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One convolution layer's oneDNN kernels (forward, backward data, backward weights) on ND4J arrays in NCHW or NHWC
 * (channels-last) with OIHW weights, float32 in and out. With {@link Precision#BF16} the primitives read bf16 copies of the inputs
 * and weights and accumulate and write float32 (autocast semantics: parameters, gradients and activations stay
 * float32); with {@link Precision#FP32} they compute in float32.
 *
 * <p>The activations may be kept in bf16 between kernels ({@link ConvActivations}): an input array already in
 * bf16 and channels-last is what a bf16 primitive reads, so it is read in place, and a bf16 output is written by
 * the primitive directly (rounded to nearest even, as a conversion would).
 *
 * <p>The primitives choose their own (blocked) layouts; inputs are reordered into them and outputs back into the
 * caller's arrays. Primitives, reorders and internal buffers are created once per input shape and cached; the
 * caller's arrays are attached to them per call without copying. Not thread-safe: one instance per layer
 * instance, which DL4J uses from one thread.
 */
public final class DnnlConvolution implements AutoCloseable {
    private final ConvGeometry geometry;
    private final Precision precision;
    private final boolean bias;
    private final boolean channelsLast;
    private final ConvActivations types;
    /** For an inference-only kernel ({@link #inference}): whether a ReLU follows in the same primitive; else null. */
    private final Boolean inferenceRelu;
    private final Plans<Long, Plan> plans;
    private final stream stream;
    /** Tests force one way of computing the weights' gradient (null: each plan measures both and keeps the faster). */
    static volatile Boolean weightsAsForward;

    /**
     * @param geometry channels, kernel and padding (stride and dilation 1)
     * @param bias whether the layer has a bias
     * @param precision what the primitives compute in
     * @param channelsLast whether activations are NHWC arrays ([N, H, W, C]) rather than NCHW
     */
    public DnnlConvolution(ConvGeometry geometry, boolean bias, Precision precision, boolean channelsLast) {
        this(geometry, bias, precision, channelsLast, ConvActivations.FLOAT);
    }

    /** @param types the element types of the activation arrays passed to the passes */
    public DnnlConvolution(ConvGeometry geometry, boolean bias, Precision precision, boolean channelsLast,
                           ConvActivations types) {
        this(geometry, bias, precision, channelsLast, types, null);
    }

    /**
     * A forward-only kernel for inference (oneDNN's {@code forward_inference}, no backward primitives made), with
     * the ReLU that follows applied inside the convolution's primitive (a post-op) when {@code relu}.
     */
    public static DnnlConvolution inference(ConvGeometry geometry, boolean bias, Precision precision,
                                            boolean channelsLast, boolean relu) {
        return new DnnlConvolution(geometry, bias, precision, channelsLast, ConvActivations.FLOAT, relu);
    }

    private DnnlConvolution(ConvGeometry geometry, boolean bias, Precision precision, boolean channelsLast,
                            ConvActivations types, Boolean inferenceRelu) {
        if (precision == Precision.AUTO) {
            throw new IllegalArgumentException("resolve the precision before creating kernels");
        }
        this.geometry = geometry;
        this.bias = bias;
        this.precision = precision;
        this.channelsLast = channelsLast;
        this.types = types;
        this.inferenceRelu = inferenceRelu;
        this.plans = new Plans<>();
        this.stream = plans.stream;
    }

    public Precision precision() {
        return precision;
    }

    /** {@code dst = conv(src, weights) + bias}; {@code bias} is ignored (may be null) for a layer without bias. */
    public void forward(INDArray src, INDArray weights, INDArray bias, INDArray dst) {
        check(src, types.src(), "src");
        check(weights, "weights");
        check(dst, types.dst(), "dst");
        Plan p = plan(src);
        checkLength(weights, p.weightsLength, "weights");
        checkLength(dst, p.dstLength, "dst");
        if (this.bias) {
            checkLength(bias, geometry.outChannels(), "bias");
            check(bias, "bias");
        }
        p.fwd.run(stream, src, weights, this.bias ? bias : null, dst);
        p.forwardSrc = Dnnl.address(src).address();
    }

    /**
     * Gradients of the convolution: {@code diffSrc} (may be null to skip backward data), {@code diffWeights} and
     * {@code diffBias} (ignored for a layer without bias) are overwritten.
     */
    public void backward(INDArray src, INDArray weights, INDArray diffDst, INDArray diffSrc, INDArray diffWeights,
                         INDArray diffBias) {
        if (inferenceRelu != null) {
            throw new IllegalStateException("an inference kernel has no backward pass");
        }
        check(src, types.src(), "src");
        check(weights, "weights");
        check(diffDst, types.diffDst(), "diffDst");
        check(diffWeights, "diffWeights");
        Plan p = plan(src);
        checkLength(weights, p.weightsLength, "weights");
        checkLength(diffWeights, p.weightsLength, "diffWeights");
        checkLength(diffDst, p.dstLength, "diffDst");
        if (this.bias) {
            checkLength(diffBias, geometry.outChannels(), "diffBias");
            check(diffBias, "diffBias");
        }
        boolean diffDstLoaded = false;
        if (diffSrc != null) {
            check(diffSrc, types.diffSrc(), "diffSrc");
            checkLength(diffSrc, src.length(), "diffSrc");
            p.bwdData.run(stream, diffDst, weights, diffSrc);
            diffDstLoaded = p.shareDiffDst;
        }
        // the input's conversion from the forward pass and the gradient's from the backward-data pass are reused
        // where the weights' gradient wants the same layout: the forward of this input was the last of this shape
        if (p.asForward != null) {
            p.asForward.run(stream, src, diffDst, diffWeights);
            return;
        }
        boolean srcLoaded = p.shareSrc && p.forwardSrc == Dnnl.address(src).address();
        p.bwdWeights.run(stream, src, diffDst, diffWeights, this.bias ? diffBias : null,
                srcLoaded ? p.fwd.src.inner() : null, diffDstLoaded ? p.bwdData.diffDst.inner() : null);
    }

    private Plan plan(INDArray src) {
        long n = src.size(0);
        long h = src.size(channelsLast ? 1 : 2);
        long w = src.size(channelsLast ? 2 : 3);
        long c = src.size(channelsLast ? 3 : 1);
        if (c != geometry.inChannels()) {
            throw new IllegalArgumentException("input has " + c + " channels, the layer " + geometry.inChannels());
        }
        long key = (n << 40) | (h << 20) | w;
        return plans.get(key, k -> new Plan(n, h, w));
    }

    private static void check(INDArray a, String name) {
        check(a, DataType.FLOAT, name);
    }

    private static void check(INDArray a, DataType type, String name) {
        if (a.dataType() != type || !Dnnl.denseRowMajor(a)) {
            throw new IllegalArgumentException(name + " must be a contiguous "
                    + (type == DataType.FLOAT ? "float32" : "bf16") + " c-order array, got "
                    + a.dataType() + " " + a.ordering() + " " + a.shapeInfoToString());
        }
    }

    /**
     * The primitives read and write whole arrays: one of the wrong size would be read or written out of bounds.
     * (The element type is checked apart.)
     */
    private static void checkLength(INDArray a, long expected, String name) {
        if (a == null || a.length() != expected) {
            throw new IllegalArgumentException(name + " must have " + expected + " elements, got "
                    + (a == null ? "none" : a.shapeInfoToString()));
        }
    }

    @Override
    public void close() {
        plans.close();
    }

    /** The primitives and buffers for one input shape. */
    private final class Plan implements Plans.Plan {
        final long weightsLength;
        final long dstLength;
        final ConvPasses.Forward fwd;
        final ConvPasses.BackwardData bwdData;
        final ConvPasses.BackwardWeights bwdWeights;
        /** The weights' gradient as a forward convolution, where it measured faster; null for the direct pass. */
        final ConvPasses.TwoToOne asForward;
        /** Whether the weights' gradient reads the input in the layout the forward converted it into. */
        final boolean shareSrc;
        /** Whether it reads the output's gradient in the layout the backward-data pass converted it into. */
        final boolean shareDiffDst;
        /** Where the last forward of this shape read its input (its conversion is still in the forward's buffer). */
        long forwardSrc;

        Plan(long n, long h, long w) {
            ConvGeometry g = geometry;
            long oh = g.outHeight(h);
            long ow = g.outWidth(w);
            data_type compute = precision == Precision.BF16 ? data_type.bf16 : data_type.f32;
            long[] srcDims = {n, g.inChannels(), h, w};
            long[] wDims = {g.outChannels(), g.inChannels(), g.kernelH(), g.kernelW()};
            long[] dstDims = {n, g.outChannels(), oh, ow};
            weightsLength = g.outChannels() * g.inChannels() * g.kernelH() * g.kernelW();
            dstLength = n * g.outChannels() * oh * ow;
            format_tag act = channelsLast ? format_tag.nhwc : format_tag.nchw;
            memory.desc srcUser = desc(srcDims, dnnlType(types.src()), act);
            memory.desc diffSrcUser = desc(srcDims, dnnlType(types.diffSrc()), act);
            memory.desc wUser = desc(wDims, data_type.f32, format_tag.oihw);
            memory.desc bUser = desc(new long[] {g.outChannels()}, data_type.f32, format_tag.x);
            memory.desc dstUser = desc(dstDims, dnnlType(types.dst()), act);
            memory.desc diffDstUser = desc(dstDims, dnnlType(types.diffDst()), act);
            // channels-last activations stay channels-last (oneDNN's kernels read and write NHWC directly, so only
            // the bf16 conversion remains); for NCHW the primitives pick their blocked layouts
            format_tag actAny = channelsLast ? format_tag.nhwc : format_tag.any;
            memory.desc srcAny = desc(srcDims, compute, actAny);
            memory.desc wAny = desc(wDims, compute, format_tag.any);
            memory.desc dstAnyCompute = desc(dstDims, compute, actAny);
            // outputs in the caller's type: a bf16 output array is written by the primitive itself
            memory.desc dstAnyF32 = desc(dstDims, dnnlType(types.dst()), actAny);
            memory.desc srcAnyF32 = desc(srcDims, dnnlType(types.diffSrc()), actAny);
            memory.desc wAnyF32 = desc(wDims, data_type.f32, format_tag.any);
            long[] strides = {1, 1};
            long[] padL = {g.padTop(), g.padLeft()};
            long[] padR = {g.padBottom(), g.padRight()};

            prop_kind kind = inferenceRelu != null ? prop_kind.forward_inference : prop_kind.forward_training;
            convolution_forward.desc fd = bias
                    ? new convolution_forward.desc(kind, algorithm.convolution_direct,
                    srcAny, wAny, bUser, dstAnyF32, strides, padL, padR)
                    : new convolution_forward.desc(kind, algorithm.convolution_direct,
                    srcAny, wAny, dstAnyF32, strides, padL, padR);
            convolution_forward.primitive_desc fpd;
            if (Boolean.TRUE.equals(inferenceRelu)) {
                try (post_ops ops = new post_ops(); primitive_attr attr = new primitive_attr()) {
                    ops.append_eltwise(1.0f, algorithm.eltwise_relu, 0f, 0f);
                    attr.set_post_ops(ops);
                    fpd = new convolution_forward.primitive_desc(fd, attr, Dnnl.cpu());
                }
            } else {
                fpd = new convolution_forward.primitive_desc(fd, Dnnl.cpu());
            }
            fwd = new ConvPasses.Forward(fpd, srcUser, wUser, bias ? bUser : null, dstUser);
            if (inferenceRelu != null) {
                bwdData = null;
                bwdWeights = null;
                shareSrc = false;
                shareDiffDst = false;
                asForward = null;
                return;
            }

            convolution_backward_data.desc bdd = new convolution_backward_data.desc(algorithm.convolution_direct,
                    srcAnyF32, wAny, dstAnyCompute, strides, padL, padR);
            bwdData = new ConvPasses.BackwardData(new convolution_backward_data.primitive_desc(bdd, Dnnl.cpu(), fpd),
                    diffDstUser, wUser, diffSrcUser);

            convolution_backward_weights.desc bwd = bias
                    ? new convolution_backward_weights.desc(algorithm.convolution_direct, srcAny, wAnyF32, bUser,
                    dstAnyCompute, strides, padL, padR)
                    : new convolution_backward_weights.desc(algorithm.convolution_direct, srcAny, wAnyF32,
                    dstAnyCompute, strides, padL, padR);
            bwdWeights = new ConvPasses.BackwardWeights(new convolution_backward_weights.primitive_desc(bwd,
                    Dnnl.cpu(), fpd), srcUser, diffDstUser, wUser, bias ? bUser : null);
            shareSrc = fwd.src.convertsLike(bwdWeights.src);
            shareDiffDst = bwdData.diffDst.convertsLike(bwdWeights.diffDst);
            asForward = channelsLast && !bias ? ConvPasses.weightsAsForwardWhereFaster(weightsAsForward,
                    new long[] {n, h, w, geometry.inChannels()}, new long[] {oh, ow}, geometry, compute,
                    dnnlType(types.src()), dnnlType(types.diffDst()), bwdWeights) : null;
        }

        @Override
        public void close() {
            fwd.close();
            if (bwdData == null) {
                return;
            }
            bwdData.close();
            bwdWeights.close();
            if (asForward != null) {
                asForward.close();
            }
        }
    }

    static data_type dnnlType(DataType t) {
        return t == DataType.BFLOAT16 ? data_type.bf16 : data_type.f32;
    }

    private static memory.desc desc(long[] dims, data_type type, format_tag tag) {
        return new memory.desc(dims, type, tag);
    }
}
