package io.mkcnn.kernels;

import org.bytedeco.dnnl.dnnl_version_t;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The process's oneDNN library (JavaCPP's preset, separate from the copy built into ND4J): its CPU engine, its
 * version and the instruction set it dispatches to. The engine is created once and shared by every kernel.
 */
public final class Dnnl {
    private static engine cpu;

    private Dnnl() {
    }

    /** The shared CPU engine (thread-safe in oneDNN; streams are per kernel). */
    public static synchronized engine cpu() {
        if (cpu == null) {
            cpu = new engine(engine.kind.cpu, 0);
        }
        return cpu;
    }

    /** oneDNN's version, e.g. "2.5.2". */
    public static String version() {
        dnnl_version_t v = dnnl.dnnl_version();
        return v.major() + "." + v.minor() + "." + v.patch();
    }

    /** The instruction set oneDNN's kernels use on this CPU (at most what {@code ONEDNN_MAX_CPU_ISA} allows). */
    public static Isa isa() {
        return Isa.fromDnnl(dnnl.get_effective_cpu_isa().value);
    }

    /** Whether the elements lie in row-major order without gaps (strides of size-1 dimensions do not matter). */
    public static boolean denseRowMajor(INDArray a) {
        if (a.isEmpty()) {
            return false;
        }
        long expected = 1;
        for (int d = a.rank() - 1; d >= 0; d--) {
            if (a.size(d) != 1 && a.stride(d) != expected) {
                return false;
            }
            expected *= a.size(d);
        }
        return true;
    }

    /** The array itself when it is dense float32, else a dense float32 copy: what the kernels take. */
    public static INDArray dense(INDArray a) {
        return denseRowMajor(a) && a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT).dup('c');
    }

    /**
     * The elements of a dense float32 array, copied out in one native copy (no ND4J op: for small per-channel
     * vectors, whose ND4J ops cost more in dispatch than in arithmetic).
     */
    public static float[] floats(INDArray a) {
        requireDenseFloat(a);
        float[] v = new float[Math.toIntExact(a.length())];
        new FloatPointer(address(a)).get(v);
        return v;
    }

    /** Overwrites a dense float32 array with {@code v}, element for element. */
    public static void setFloats(INDArray a, float[] v) {
        requireDenseFloat(a);
        if (a.length() != v.length) {
            throw new IllegalArgumentException("array of " + a.length() + " elements, values " + v.length);
        }
        new FloatPointer(address(a)).put(v);
    }

    private static void requireDenseFloat(INDArray a) {
        if (a.dataType() != DataType.FLOAT || !denseRowMajor(a)) {
            throw new IllegalArgumentException("dense float32 array expected, got " + a.shapeInfoToString());
        }
    }

    /** A pointer to an array's first element (its buffer plus offset); the array must stay alive while in use. */
    static Pointer address(INDArray a) {
        long addr = a.data().address() + a.offset() * a.data().getElementSize();
        return new Pointer() {
            {
                address = addr;
            }
        };
    }
}
