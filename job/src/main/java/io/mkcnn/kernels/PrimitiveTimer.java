package io.mkcnn.kernels;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.Pointer;

/**
 * Times a primitive on zeroed buffers of its own (laid out as the buffers it was given), to choose between two
 * ways of computing one thing on this machine. The fastest of a few runs after a warm-up, in milliseconds.
 */
final class PrimitiveTimer {
    private static final int WARM = 2;
    private static final int RUNS = 5;

    private PrimitiveTimer() {
    }

    /** @param args the primitive's arguments as it will run (only their descriptions are used) */
    static double millis(primitive p, IntMemoryMap args) {
        IntMemoryMap own = new IntMemoryMap();
        List<memory> made = new ArrayList<>();
        try (stream s = new stream(Dnnl.cpu())) {
            for (IntMemoryMap.Iterator it = args.begin(); !it.equals(args.end()); it = it.increment()) {
                memory.desc d = it.second().get_desc();
                memory m = new memory(d, Dnnl.cpu());
                Pointer.memset(m.get_data_handle(), 0, d.get_size());
                made.add(m);
                own.put(it.first(), m);
            }
            double[] t = new double[RUNS];
            for (int i = 0; i < WARM + RUNS; i++) {
                long start = System.nanoTime();
                p.execute(s, own);
                s._wait();
                if (i >= WARM) {
                    t[i - WARM] = (System.nanoTime() - start) / 1e6;
                }
            }
            return Arrays.stream(t).min().orElseThrow();
        } finally {
            made.forEach(memory::close);
            own.close();
        }
    }
}
