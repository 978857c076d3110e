package io.mkcnn.kernels;

import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where a primitive meets a caller's array: when the primitive wants the array's own layout and type the
 * primitive reads or writes the array in place; otherwise the port owns a buffer in the primitive's layout and a
 * reorder between the two (into the buffer for inputs, out of it for outputs).
 */
final class Port implements AutoCloseable {
    private final memory user;
    private final memory inner;
    private final reorder reorder;

    private Port(memory.desc userDesc, memory.desc wanted, boolean input) {
        this.user = new memory(userDesc, Dnnl.cpu(), (org.bytedeco.javacpp.Pointer) null);
        if (wanted.equals(userDesc)) {
            this.inner = user;
            this.reorder = null;
        } else {
            this.inner = new memory(wanted, Dnnl.cpu());
            this.reorder = input ? new reorder(user, inner) : new reorder(inner, user);
        }
    }

    static Port in(memory.desc userDesc, memory.desc wanted) {
        return new Port(userDesc, wanted, true);
    }

    static Port out(memory.desc userDesc, memory.desc wanted) {
        return new Port(userDesc, wanted, false);
    }

    /**
     * Whether this port and another convert into buffers of the same layout and type, so that what one has
     * loaded the other's primitive can read as it is.
     */
    boolean convertsLike(Port other) {
        return reorder != null && other.reorder != null && inner.get_desc().equals(other.inner.get_desc());
    }

    /** The memory the primitive is given. */
    memory inner() {
        return inner;
    }

    /** Points the port at an input array and brings its values into the primitive's layout. */
    void load(stream s, INDArray a) {
        user.set_data_handle(Dnnl.address(a));
        if (reorder != null) {
            long t = KernelClock.start();
            reorder.execute(s, user, inner);
            KernelClock.stop(KernelClock.CONVERSION, t);
        }
    }

    /** Points the port at an output array; {@link #store} then fills it. */
    void attach(INDArray a) {
        user.set_data_handle(Dnnl.address(a));
    }

    /** Moves the primitive's result into the attached array (nothing to do when it wrote there directly). */
    void store(stream s) {
        if (reorder != null) {
            long t = KernelClock.start();
            reorder.execute(s, inner, user);
            KernelClock.stop(KernelClock.CONVERSION, t);
        }
    }

    @Override
    public void close() {
        if (reorder != null) {
            reorder.close();
            inner.close();
        }
        user.close();
    }

    static void closeAll(Port... ports) {
        for (Port p : ports) {
            if (p != null) {
                p.close();
            }
        }
    }
}
