package io.mkcnn.kernels;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WORKSPACE;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.prop_kind;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.memory.data_type;
import org.bytedeco.dnnl.memory.format_tag;
import org.bytedeco.dnnl.pooling_backward;
import org.bytedeco.dnnl.pooling_forward;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * 2-D max pooling with oneDNN on dense float32 arrays, NCHW or channels-last, read and written in place. The
 * training forward records where each window's maximum was (oneDNN's workspace, one byte per output), and the
 * backward routes the gradient there without recomputing the forward. The workspace is the one of the last
 * training forward of the same shape, so a backward must follow its own forward (as a layer's do); {@link
 * #backward} refuses one whose input is not where the last training forward's was. Max pooling is exact in
 * fp32, so it runs in fp32 whatever precision the convolutions use. Primitives are cached per input shape; not
 * thread-safe: one instance per layer instance.
 */
public final class DnnlMaxPool implements AutoCloseable {
    private final long[] kernel;
    private final long[] strides;
    private final long[] padTopLeft;
    private final long[] padBottomRight;
    private final boolean channelsLast;
    private final Plans<String, Plan> plans = new Plans<>();
    private final stream stream = plans.stream;
    private long lastTrainingInput;
    private Plan lastTrainingPlan;

    /**
     * @param kernel window height and width
     * @param strides vertical and horizontal stride
     * @param padTopLeft rows above and columns left of the input that windows may cover (never the maximum)
     * @param padBottomRight rows below and columns right of it
     */
    public DnnlMaxPool(int[] kernel, int[] strides, int[] padTopLeft, int[] padBottomRight, boolean channelsLast) {
        this.kernel = longs(kernel);
        this.strides = longs(strides);
        this.padTopLeft = longs(padTopLeft);
        this.padBottomRight = longs(padBottomRight);
        this.channelsLast = channelsLast;
    }

    /** Output height (or width) for an input height (or width) along dimension {@code d} (0 rows, 1 columns). */
    public long outSize(long in, int d) {
        return (in + padTopLeft[d] + padBottomRight[d] - kernel[d]) / strides[d] + 1;
    }

    /** {@code dst} = the windows' maxima of {@code src}; when {@code training}, records them for {@link #backward}. */
    public void forward(INDArray src, INDArray dst, boolean training) {
        Plan p = plan(src);
        checkLength(dst, p.dstLength, "dst");
        p.src.set_data_handle(Dnnl.address(src));
        p.dst.set_data_handle(Dnnl.address(dst));
        if (training) {
            run(p.training, p.trainingArgs, KernelClock.POOL_FORWARD);
            lastTrainingInput = Dnnl.address(src).address();
            lastTrainingPlan = p;
        } else {
            run(p.inference, p.inferenceArgs, KernelClock.POOL_FORWARD);
        }
    }

    /** Whether the last training forward was of this array (its workspace then serves {@link #backward}). */
    public boolean recorded(INDArray src) {
        return recorded(plan(src), src);
    }

    private boolean recorded(Plan p, INDArray src) {
        return p == lastTrainingPlan && Dnnl.address(src).address() == lastTrainingInput;
    }

    /**
     * {@code diffSrc} = {@code diffDst} routed to where the last training forward of {@code src} found each
     * window's maximum, zero elsewhere (overwritten whole).
     */
    public void backward(INDArray src, INDArray diffDst, INDArray diffSrc) {
        Plan p = plan(src);
        if (!recorded(p, src)) {
            throw new IllegalStateException("max pooling backward without a training forward of its input "
                    + src.shapeInfoToString());
        }
        checkLength(diffDst, p.dstLength, "diffDst");
        checkLength(diffSrc, src.length(), "diffSrc");
        p.diffDst.set_data_handle(Dnnl.address(diffDst));
        p.diffSrc.set_data_handle(Dnnl.address(diffSrc));
        run(p.backward, p.backwardArgs, KernelClock.POOL_BACKWARD);
    }

    private void run(primitive prim, IntMemoryMap args, String stage) {
        long t = KernelClock.start();
        prim.execute(stream, args);
        stream._wait();
        KernelClock.stop(stage, t);
    }

    private Plan plan(INDArray src) {
        check(src, "src");
        if (src.rank() != 4) {
            throw new IllegalArgumentException("max pooling takes rank-4 arrays, got " + src.shapeInfoToString());
        }
        long[] s = src.shape();
        long[] nchw = channelsLast ? new long[] {s[0], s[3], s[1], s[2]} : s;
        return plans.get(java.util.Arrays.toString(nchw), k -> new Plan(nchw));
    }

    private static void check(INDArray a, String name) {
        if (a == null || a.dataType() != DataType.FLOAT || !Dnnl.denseRowMajor(a)) {
            throw new IllegalArgumentException(name + " must be a dense float32 c-order array, got "
                    + (a == null ? "none" : a.dataType() + " " + a.shapeInfoToString()));
        }
    }

    private static void checkLength(INDArray a, long expected, String name) {
        check(a, name);
        if (a.length() != expected) {
            throw new IllegalArgumentException(name + " must have " + expected + " elements, got "
                    + a.shapeInfoToString());
        }
    }

    private static long[] longs(int[] a) {
        if (a.length != 2) {
            throw new IllegalArgumentException("expected 2 values (rows, columns), got " + a.length);
        }
        return new long[] {a[0], a[1]};
    }

    @Override
    public void close() {
        plans.close();
        lastTrainingPlan = null;
    }

    /** The primitives, the workspace and the memory handles for one input shape. */
    private final class Plan implements Plans.Plan {
        final long dstLength;
        final memory src;
        final memory dst;
        final memory diffSrc;
        final memory diffDst;
        final memory workspace;
        final pooling_forward training;
        final pooling_forward inference;
        final pooling_backward backward;
        final IntMemoryMap trainingArgs = new IntMemoryMap();
        final IntMemoryMap inferenceArgs = new IntMemoryMap();
        final IntMemoryMap backwardArgs = new IntMemoryMap();

        Plan(long[] nchw) {
            long[] dstDims = {nchw[0], nchw[1], outSize(nchw[2], 0), outSize(nchw[3], 1)};
            if (dstDims[2] < 1 || dstDims[3] < 1) {
                throw new IllegalArgumentException("max pooling window larger than its input " + java.util.Arrays
                        .toString(nchw));
            }
            dstLength = dstDims[0] * dstDims[1] * dstDims[2] * dstDims[3];
            format_tag tag = channelsLast ? format_tag.nhwc : format_tag.nchw;
            memory.desc srcDesc = new memory.desc(nchw, data_type.f32, tag);
            memory.desc dstDesc = new memory.desc(dstDims, data_type.f32, tag);
            src = new memory(srcDesc, Dnnl.cpu(), (org.bytedeco.javacpp.Pointer) null);
            dst = new memory(dstDesc, Dnnl.cpu(), (org.bytedeco.javacpp.Pointer) null);
            diffSrc = new memory(srcDesc, Dnnl.cpu(), (org.bytedeco.javacpp.Pointer) null);
            diffDst = new memory(dstDesc, Dnnl.cpu(), (org.bytedeco.javacpp.Pointer) null);
            pooling_forward.primitive_desc fpd = new pooling_forward.primitive_desc(new pooling_forward.desc(
                    prop_kind.forward_training, algorithm.pooling_max, srcDesc, dstDesc, strides, kernel,
                    padTopLeft, padBottomRight), Dnnl.cpu());
            workspace = new memory(fpd.workspace_desc(), Dnnl.cpu());
            training = new pooling_forward(fpd);
            inference = new pooling_forward(new pooling_forward.primitive_desc(new pooling_forward.desc(
                    prop_kind.forward_inference, algorithm.pooling_max, srcDesc, dstDesc, strides, kernel,
                    padTopLeft, padBottomRight), Dnnl.cpu()));
            backward = new pooling_backward(new pooling_backward.primitive_desc(new pooling_backward.desc(
                    algorithm.pooling_max, srcDesc, dstDesc, strides, kernel, padTopLeft, padBottomRight),
                    Dnnl.cpu(), fpd));
            trainingArgs.put(DNNL_ARG_SRC, src);
            trainingArgs.put(DNNL_ARG_DST, dst);
            trainingArgs.put(DNNL_ARG_WORKSPACE, workspace);
            inferenceArgs.put(DNNL_ARG_SRC, src);
            inferenceArgs.put(DNNL_ARG_DST, dst);
            backwardArgs.put(DNNL_ARG_DIFF_DST, diffDst);
            backwardArgs.put(DNNL_ARG_DIFF_SRC, diffSrc);
            backwardArgs.put(DNNL_ARG_WORKSPACE, workspace);
        }

        @Override
        public void close() {
            training.close();
            inference.close();
            backward.close();
            trainingArgs.close();
            inferenceArgs.close();
            backwardArgs.close();
            workspace.close();
            src.close();
            dst.close();
            diffSrc.close();
            diffDst.close();
        }
    }
}
