package io.mkcnn.kernels;

import org.bytedeco.dnnl.memory.data_type;
import org.bytedeco.dnnl.memory.format_tag;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Copies a dense array into another of the same length and another element type (float32 and bf16, rounded to
 * nearest even: what the convolutions' own conversions do), in one oneDNN reorder. Not thread-safe.
 */
public final class DnnlCast implements AutoCloseable {
    private final Plans<String, Plan> plans = new Plans<>();
    private final stream stream = plans.stream;

    /** {@code dst = src}, element for element, converted to {@code dst}'s type. */
    public void cast(INDArray src, INDArray dst) {
        check(src, "src");
        check(dst, "dst");
        if (src.length() != dst.length()) {
            throw new IllegalArgumentException("src has " + src.length() + " elements, dst " + dst.length());
        }
        Plan p = plans.get(src.dataType() + ">" + dst.dataType() + ":" + src.length(),
                k -> new Plan(src.length(), type(src), type(dst)));
        p.src.set_data_handle(Dnnl.address(src));
        p.dst.set_data_handle(Dnnl.address(dst));
        long t = KernelClock.start();
        p.reorder.execute(stream, p.src, p.dst);
        stream._wait();
        KernelClock.stop(KernelClock.CONVERSION, t);
    }

    private static data_type type(INDArray a) {
        return a.dataType() == DataType.BFLOAT16 ? data_type.bf16 : data_type.f32;
    }

    private static void check(INDArray a, String name) {
        if (a == null || a.dataType() != DataType.FLOAT && a.dataType() != DataType.BFLOAT16
                || !Dnnl.denseRowMajor(a)) {
            throw new IllegalArgumentException(name + " must be a dense float32 or bf16 array, got "
                    + (a == null ? "none" : a.dataType() + " " + a.shapeInfoToString()));
        }
    }

    @Override
    public void close() {
        plans.close();
    }

    /** The reorder and memories for one length and pair of types (as flat vectors). */
    private static final class Plan implements Plans.Plan {
        final memory src;
        final memory dst;
        final reorder reorder;

        Plan(long length, data_type from, data_type to) {
            src = new memory(new memory.desc(new long[] {length}, from, format_tag.a), Dnnl.cpu(),
                    (Pointer) null);
            dst = new memory(new memory.desc(new long[] {length}, to, format_tag.a), Dnnl.cpu(),
                    (Pointer) null);
            reorder = new reorder(src, dst);
        }

        @Override
        public void close() {
            reorder.close();
            src.close();
            dst.close();
        }
    }
}
