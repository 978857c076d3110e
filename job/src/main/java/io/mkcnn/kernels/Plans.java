package io.mkcnn.kernels;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.bytedeco.dnnl.stream;

/**
 * A kernel's primitives per input shape, made on first use and kept, with the oneDNN stream they run on; closing
 * it closes every plan and the stream. Not thread-safe, like the kernels.
 *
 * @param <K> what tells input shapes apart
 * @param <P> what one input shape needs
 */
final class Plans<K, P extends Plans.Plan> implements AutoCloseable {

    /** The primitives and memories of one input shape. */
    interface Plan extends AutoCloseable {
        @Override
        void close();
    }

    final stream stream = new stream(Dnnl.cpu());
    private final Map<K, P> plans = new HashMap<>();

    /** The plan of {@code key}, made by {@code make} the first time. */
    P get(K key, Function<K, P> make) {
        return plans.computeIfAbsent(key, make);
    }

    @Override
    public void close() {
        plans.values().forEach(Plan::close);
        plans.clear();
        stream.close();
    }
}
