package io.mkcnn.kernels;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_MULTIPLE_SRC;

import java.util.Arrays;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.memory.data_type;
import org.bytedeco.dnnl.memory.format_tag;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.sum;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The element-wise sum of float32 arrays of one shape, in one oneDNN primitive (e.g. the gradients that meet where
 * one activation feeds several layers). {@code dst} may be the first part (in place). Not thread-safe.
 */
public final class DnnlSum implements AutoCloseable {
    private final Plans<String, Plan> plans = new Plans<>();
    private final stream stream = plans.stream;

    /** {@code dst = parts[0] + parts[1] + ...}. */
    public void sum(INDArray[] parts, INDArray dst) {
        check(dst, "dst");
        for (int i = 0; i < parts.length; i++) {
            check(parts[i], "part " + i);
            if (parts[i].length() != dst.length()) {
                throw new IllegalArgumentException("part " + i + " has " + parts[i].length() + " elements, dst "
                        + dst.length());
            }
        }
        Plan p = plans.get(parts.length + "x" + dst.length(), k -> new Plan(parts.length, dst.length()));
        for (int i = 0; i < parts.length; i++) {
            p.src[i].set_data_handle(Dnnl.address(parts[i]));
        }
        p.dst.set_data_handle(Dnnl.address(dst));
        long t = KernelClock.start();
        p.prim.execute(stream, p.args);
        stream._wait();
        KernelClock.stop(KernelClock.SUM, t);
    }

    private static void check(INDArray a, String name) {
        if (a == null || a.dataType() != DataType.FLOAT || !Dnnl.denseRowMajor(a)) {
            throw new IllegalArgumentException(name + " must be a dense float32 array, got "
                    + (a == null ? "none" : a.shapeInfoToString()));
        }
    }

    @Override
    public void close() {
        plans.close();
    }

    /** The primitive and memories for a count of parts of one length (summed as flat vectors). */
    private static final class Plan implements Plans.Plan {
        final memory[] src;
        final memory dst;
        final sum prim;
        final IntMemoryMap args = new IntMemoryMap();

        Plan(int parts, long length) {
            memory.desc d = new memory.desc(new long[] {length}, data_type.f32, format_tag.a);
            float[] scales = new float[parts];
            Arrays.fill(scales, 1f);
            // a native array of the parts' descriptions, passed as oneDNN's std::vector
            memory.desc descs = new memory.desc(parts);
            for (int i = 0; i < parts; i++) {
                descs.getPointer(i).put(d);
            }
            src = new memory[parts];
            for (int i = 0; i < parts; i++) {
                src[i] = new memory(d, Dnnl.cpu(), (Pointer) null);
                args.put(DNNL_ARG_MULTIPLE_SRC + i, src[i]);
            }
            dst = new memory(d, Dnnl.cpu(), (Pointer) null);
            args.put(DNNL_ARG_DST, dst);
            prim = new sum(new sum.primitive_desc(d, scales, descs, Dnnl.cpu()));
        }

        @Override
        public void close() {
            prim.close();
            args.close();
            dst.close();
            for (memory m : src) {
                m.close();
            }
        }
    }
}
