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

    public NetPayload(ComputationGraph net, NativeSettings settings) {
        this.configurationJson = net.getConfiguration().toJson();
        this.params = net.params().dup();
        this.settings = settings;
    }

    /** Rebuilds the network on an executor, with the native runtime configured first. */
    public ComputationGraph network() {
        settings.apply();
        ComputationGraph net = new ComputationGraph(ComputationGraphConfiguration.fromJson(configurationJson));
        net.init(params.dup(), false);
        return DnnlHelpers.attach(net);
    }
}
