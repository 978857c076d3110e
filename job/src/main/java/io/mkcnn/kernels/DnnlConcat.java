package io.mkcnn.kernels;

import java.util.Arrays;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.memory.data_type;
import org.bytedeco.dnnl.memory.format_tag;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Concatenation of channels-last float32 activations along their channels, and the split of a gradient back into
 * the parts: one oneDNN reorder per part between the part's dense array and its channel slice of the whole
 * (a sub-memory: the slice is read or written in place, strided). The whole is float32; a part may be bf16, which
 * the reorder converts on the way (rounded to nearest even). Not thread-safe: one instance per vertex.
 */
public final class DnnlConcat implements AutoCloseable {
    private final Plans<String, Plan> plans = new Plans<>();
    private final stream stream = plans.stream;

    /** {@code dst[..., offset_i : offset_i + c_i] = parts[i]} for [N, H, W, c_i] parts and an [N, H, W, sum c_i] dst. */
    public void concat(INDArray[] parts, INDArray dst) {
        copy(dst, parts, true);
    }

    /** {@code parts[i] = whole[..., offset_i : offset_i + c_i]}: the inverse of {@link #concat}. */
    public void split(INDArray whole, INDArray[] parts) {
        copy(whole, parts, false);
    }

    /** Each part into its channel slice of the whole ({@code intoWhole}) or out of it. */
    private void copy(INDArray whole, INDArray[] parts, boolean intoWhole) {
        Plan p = plan(parts, whole);
        for (int i = 0; i < parts.length; i++) {
            p.part[i].set_data_handle(Dnnl.address(parts[i]));
            p.slice[i].set_data_handle(Dnnl.address(whole));
            if (intoWhole) {
                run(p.into[i], p.part[i], p.slice[i]);
            } else {
                run(p.outOf[i], p.slice[i], p.part[i]);
            }
        }
        stream._wait();
    }

    private void run(reorder r, memory from, memory to) {
        long t = KernelClock.start();
        r.execute(stream, from, to);
        KernelClock.stop(KernelClock.CONCAT, t);
    }

    private Plan plan(INDArray[] parts, INDArray whole) {
        check(whole, "the concatenation");
        long[] s = whole.shape();
        long[] channels = new long[parts.length];
        boolean[] bf16 = new boolean[parts.length];
        long total = 0;
        for (int i = 0; i < parts.length; i++) {
            checkPart(parts[i], "part " + i);
            bf16[i] = parts[i].dataType() == DataType.BFLOAT16;
            long[] q = parts[i].shape();
            if (q[0] != s[0] || q[1] != s[1] || q[2] != s[2]) {
                throw new IllegalArgumentException("part " + i + " is " + Arrays.toString(q) + ", the concatenation "
                        + Arrays.toString(s) + ": only the channels (last dimension) may differ");
            }
            channels[i] = q[3];
            total += q[3];
        }
        if (total != s[3]) {
            throw new IllegalArgumentException("the parts have " + total + " channels, the concatenation " + s[3]);
        }
        String key = Arrays.toString(s) + Arrays.toString(channels) + Arrays.toString(bf16);
        return plans.get(key, k -> new Plan(s, channels, bf16));
    }

    private static void checkPart(INDArray a, String name) {
        if (a.dataType() == DataType.BFLOAT16 && a.rank() == 4 && Dnnl.denseRowMajor(a)) {
            return;
        }
        check(a, name);
    }

    private static void check(INDArray a, String name) {
        if (a.dataType() != DataType.FLOAT || a.rank() != 4 || !Dnnl.denseRowMajor(a)) {
            throw new IllegalArgumentException(name + " must be a dense rank-4 float32 array, got "
                    + a.dataType() + " " + a.shapeInfoToString());
        }
    }

    @Override
    public void close() {
        plans.close();
    }

    /** The memories and reorders for one shape of the whole and its parts. */
    private static final class Plan implements Plans.Plan {
        final memory.desc wholeDesc;
        final memory[] part;
        final memory[] slice;
        final reorder[] into;
        final reorder[] outOf;

        Plan(long[] nhwc, long[] channels, boolean[] bf16) {
            long n = nhwc[0];
            long h = nhwc[1];
            long w = nhwc[2];
            wholeDesc = new memory.desc(new long[] {n, nhwc[3], h, w}, data_type.f32, format_tag.nhwc);
            part = new memory[channels.length];
            slice = new memory[channels.length];
            into = new reorder[channels.length];
            outOf = new reorder[channels.length];
            long offset = 0;
            for (int i = 0; i < channels.length; i++) {
                long[] dims = {n, channels[i], h, w};
                part[i] = new memory(new memory.desc(dims, bf16[i] ? data_type.bf16 : data_type.f32, format_tag.nhwc),
                        Dnnl.cpu(),
                        (org.bytedeco.javacpp.Pointer) null);
                slice[i] = new memory(wholeDesc.submemory_desc(dims, new long[] {0, offset, 0, 0}), Dnnl.cpu(),
                        (org.bytedeco.javacpp.Pointer) null);
                into[i] = new reorder(part[i], slice[i]);
                outOf[i] = new reorder(slice[i], part[i]);
                offset += channels[i];
            }
        }

        @Override
        public void close() {
            for (int i = 0; i < part.length; i++) {
                into[i].close();
                outOf[i].close();
                part[i].close();
                slice[i].close();
            }
            wholeDesc.close();
        }
    }
}
