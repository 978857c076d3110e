package io.mkcnn.eval;

import io.mkcnn.runtime.NativeRuntime;
import java.io.Serializable;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A network as broadcast to executors for inference: its configuration (JSON) and parameters. */
public final class NetPayload implements Serializable {
    private final String configurationJson;
    private final INDArray params;
    private final int threads;

    public NetPayload(ComputationGraph net, int threads) {
        this.configurationJson = net.getConfiguration().toJson();
        this.params = net.params().dup();
        this.threads = threads;
    }

    /** Rebuilds the network on an executor, with the native runtime configured first. */
    public ComputationGraph network() {
        NativeRuntime.configure(threads);
        ComputationGraph net = new ComputationGraph(ComputationGraphConfiguration.fromJson(configurationJson));
        net.init(params.dup(), false);
        return net;
    }
}
