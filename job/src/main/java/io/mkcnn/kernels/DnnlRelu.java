package io.mkcnn.kernels;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.eltwise_backward;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.prop_kind;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.memory.data_type;
import org.bytedeco.dnnl.memory.format_tag;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * ReLU forward ({@code max(x, 0)}) and backward ({@code dy where x > 0, else 0}) with oneDNN on dense float32
 * arrays of any shape and layout (an element-wise operation sees them as flat vectors). Primitives are cached
 * per length; not thread-safe: one instance per layer instance.
 */
public final class DnnlRelu implements AutoCloseable {
    private final Plans<Long, Plan> plans = new Plans<>();
    private final stream stream = plans.stream;

    /** {@code dst = max(src, 0)}; the arrays may be the same. */
    public void forward(INDArray src, INDArray dst) {
        Plan p = plan(src, dst);
        p.src.set_data_handle(Dnnl.address(src));
        p.dst.set_data_handle(Dnnl.address(dst));
        run(p.forward, p.forwardArgs, KernelClock.RELU_FORWARD);
    }

    /** {@code diffSrc = src > 0 ? diffDst : 0}; {@code diffSrc} may be {@code diffDst}. */
    public void backward(INDArray src, INDArray diffDst, INDArray diffSrc) {
        Plan p = plan(src, diffDst);
        plan(src, diffSrc);
        p.src.set_data_handle(Dnnl.address(src));
        p.diffDst.set_data_handle(Dnnl.address(diffDst));
        p.diffSrc.set_data_handle(Dnnl.address(diffSrc));
        run(p.backward, p.backwardArgs, KernelClock.RELU_BACKWARD);
    }

    private void run(primitive prim, IntMemoryMap args, String stage) {
        long t = KernelClock.start();
        prim.execute(stream, args);
        stream._wait();
        KernelClock.stop(stage, t);
    }

    private Plan plan(INDArray a, INDArray b) {
        for (INDArray x : new INDArray[] {a, b}) {
            if (x.dataType() != DataType.FLOAT || !Dnnl.denseRowMajor(x)) {
                throw new IllegalArgumentException("ReLU arrays must be dense float32, got " + x.shapeInfoToString());
            }
        }
        if (a.length() != b.length()) {
            throw new IllegalArgumentException("ReLU arrays differ in length: " + a.length() + " and " + b.length());
        }
        return plans.get(a.length(), Plan::new);
    }

    @Override
    public void close() {
        plans.close();
    }

    private static final class Plan implements Plans.Plan {
        final memory src;
        final memory dst;
        final memory diffDst;
        final memory diffSrc;
        final eltwise_forward forward;
        final eltwise_backward backward;
        final IntMemoryMap forwardArgs = new IntMemoryMap();
        final IntMemoryMap backwardArgs = new IntMemoryMap();

        Plan(long length) {
            memory.desc d = new memory.desc(new long[] {length}, data_type.f32, format_tag.x);
            src = new memory(d, Dnnl.cpu(), (org.bytedeco.javacpp.Pointer) null);
            dst = new memory(d, Dnnl.cpu(), (org.bytedeco.javacpp.Pointer) null);
            diffDst = new memory(d, Dnnl.cpu(), (org.bytedeco.javacpp.Pointer) null);
            diffSrc = new memory(d, Dnnl.cpu(), (org.bytedeco.javacpp.Pointer) null);
            eltwise_forward.primitive_desc fpd = new eltwise_forward.primitive_desc(
                    new eltwise_forward.desc(prop_kind.forward_training, algorithm.eltwise_relu, d, 0f, 0f),
                    Dnnl.cpu());
            forward = new eltwise_forward(fpd);
            backward = new eltwise_backward(new eltwise_backward.primitive_desc(
                    new eltwise_backward.desc(algorithm.eltwise_relu, d, d, 0f, 0f), Dnnl.cpu(), fpd));
            forwardArgs.put(DNNL_ARG_SRC, src);
            forwardArgs.put(DNNL_ARG_DST, dst);
            backwardArgs.put(DNNL_ARG_SRC, src);
            backwardArgs.put(DNNL_ARG_DIFF_DST, diffDst);
            backwardArgs.put(DNNL_ARG_DIFF_SRC, diffSrc);
        }

        @Override
        public void close() {
            forward.close();
            backward.close();
            forwardArgs.close();
            backwardArgs.close();
            src.close();
            dst.close();
            diffDst.close();
            diffSrc.close();
        }
    }
}
