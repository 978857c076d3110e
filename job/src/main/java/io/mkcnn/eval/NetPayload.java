package io.mkcnn.eval;

import io.mkcnn.model.DnnlHelpers;
import io.mkcnn.config.NativeSettings;
import java.io.Serializable;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A network as broadcast to executors for inference: its configuration (JSON) and parameters. */
public final class NetPayload implements Serializable {
    private final String configurationJson;
    private final INDArray params;
    private final NativeSettings settings;
    private final String id = java.util.UUID.randomUUID().toString();
    /** Networks built on this JVM, by payload, kept for the next task: one per task running at once. */
    private static final java.util.Map<String, java.util.Deque<ComputationGraph>> POOL =
            java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(8, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<String, java.util.Deque<ComputationGraph>> e) {
                    return size() > 4;
                }
            });

    public NetPayload(ComputationGraph net, NativeSettings settings) {
        this.configurationJson = net.getConfiguration().toJson();
        this.params = net.params().dup();
        this.settings = settings;
    }

    /**
     * A network of this payload for one task: one a finished task gave back on this JVM, or a new one. Networks are
     * not shared by tasks running at once; give it back with {@link #release}.
     */
    public ComputationGraph borrow() {
        ComputationGraph net = POOL.computeIfAbsent(id, k -> new java.util.concurrent.ConcurrentLinkedDeque<>())
                .pollFirst();
        return net != null ? net : network();
    }

    /** Gives a network from {@link #borrow} back for the next task on this JVM. */
    public void release(ComputationGraph net) {
        POOL.computeIfAbsent(id, k -> new java.util.concurrent.ConcurrentLinkedDeque<>()).offerFirst(net);
    }

    /** Rebuilds the network on an executor, with the native runtime configured first. */
    public ComputationGraph network() {
        settings.apply();
        ComputationGraph net = new ComputationGraph(ComputationGraphConfiguration.fromJson(configurationJson));
        net.init(params.dup(), false);
        return DnnlHelpers.attach(net);
    }
}
