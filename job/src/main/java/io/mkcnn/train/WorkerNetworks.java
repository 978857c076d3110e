package io.mkcnn.train;

import io.mkcnn.model.DnnlHelpers;
import io.mkcnn.model.Engine;
import io.mkcnn.model.FusedNet;
import io.mkcnn.runtime.NativeRuntime;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor JVM's networks, kept between rounds. DL4J's worker builds a new network for every round (its
 * layers, its workspaces and the kernels' primitives and buffers, which then warm up again during the round's
 * first minibatches); here a task takes an idle network of the round's configuration, loads the broadcast
 * parameters and updater state into it, and gives it back when its result is taken. A network serves one task
 * at a time. Networks are kept for one configuration (and precision) at a time, named by a key the driver computes
 * once per run ({@link #configKey}), so that a task does not serialise the configuration again.
 *
 * <p>With {@code model.engine=fused} the network trains in its fused form ({@link FusedNet}), which has the
 * broadcast parameters and updater state at the same offsets; the log says once per configuration which engine
 * trains and, where the fused body does not serve the network, why.
 */
final class WorkerNetworks {
    private static final Map<String, Deque<ComputationGraph>> IDLE = new HashMap<>();
    /** The key each handed-out network was taken under (its own configuration changes as it trains). */
    private static final Map<ComputationGraph, String> KEYS = new java.util.IdentityHashMap<>();
    private static final Logger LOG = LoggerFactory.getLogger(WorkerNetworks.class);
    /** The engine choice last logged, so that it is logged once per configuration. */
    private static String logged;

    private WorkerNetworks() {
    }

    /**
     * A network with the broadcast configuration (iteration and epoch counts included), parameters and updater
     * state (zeros when there is none).
     */
    static ComputationGraph take(NetBroadcastTuple tuple, String configKey, Engine engine) {
        ComputationGraph net = idleOrNew(tuple, NativeRuntime.precision() + "\n" + engine + "\n" + configKey, engine);
        // the configuration's clone() drops the counts, and a kept network carries its last round's
        ComputationGraphConfiguration driver = tuple.getGraphConfiguration();
        net.getConfiguration().setIterationCount(driver.getIterationCount());
        net.getConfiguration().setEpochCount(driver.getEpochCount());
        return net;
    }

    private static ComputationGraph idleOrNew(NetBroadcastTuple tuple, String key, Engine engine) {
        ComputationGraphConfiguration conf = tuple.getGraphConfiguration();
        ComputationGraph net;
        synchronized (IDLE) {
            IDLE.keySet().removeIf(k -> !k.equals(key));
            KEYS.values().removeIf(k -> !k.equals(key));
            Deque<ComputationGraph> idle = IDLE.get(key);
            net = idle == null ? null : idle.poll();
        }
        if (net == null) {
            // a copy through JSON: the configuration's clone() shares its layers' updater configurations (and in local
            // mode the broadcast value is the driver's own), which AdamRestart scales for one network at a time
            net = new ComputationGraph(trained(ComputationGraphConfiguration.fromJson(conf.toJson()), engine, key));
            net.init(tuple.getParameters().unsafeDuplication(), false);
            if (tuple.getUpdaterState() != null) {
                net.setUpdater(new ComputationGraphUpdater(net, tuple.getUpdaterState().unsafeDuplication()));
            }
            synchronized (IDLE) {
                KEYS.put(net, key);
            }
            return DnnlHelpers.attach(net);
        }
        net.params().assign(tuple.getParameters());
        INDArray state = net.getUpdater().getStateViewArray();
        if (state != null) {
            if (tuple.getUpdaterState() != null) {
                state.assign(tuple.getUpdaterState());
            } else {
                state.assign(0);
            }
        }
        net.clear();
        return net;
    }

    /** The configuration a network trains in: the fused form where asked for and served, else the layer graph. */
    private static ComputationGraphConfiguration trained(ComputationGraphConfiguration layers, Engine engine,
                                                         String key) {
        String why = engine == Engine.FUSED ? FusedNet.unsupported(layers) : "model.engine=layers";
        synchronized (IDLE) {
            if (!key.equals(logged)) {
                logged = key;
                if (why == null) {
                    LOG.info("engine: fused (the body from the stem to the global pooling as one layer, {})",
                            NativeRuntime.precision().name().toLowerCase(java.util.Locale.ROOT));
                } else {
                    LOG.info("engine: layers ({})", why);
                }
            }
        }
        return why == null ? FusedNet.configuration(layers) : layers;
    }

    /** What trains a network taken by {@link #take}: "fused" or "layers". */
    static String engineOf(ComputationGraph net) {
        return FusedNet.body(net) != null ? "fused" : "layers";
    }

    /** Makes a network taken by {@link #take} available to the next task; its result must have been copied. */
    static void giveBack(ComputationGraph net) {
        synchronized (IDLE) {
            String key = KEYS.get(net);
            if (key != null) {
                IDLE.computeIfAbsent(key, k -> new ArrayDeque<>()).push(net);
            }
        }
    }

    /**
     * What names a configuration's networks: the SHA-256 of its JSON without the iteration and epoch counts (which
     * change every round), small enough to travel with every task. The executor adds its precision.
     */
    static String configKey(ComputationGraphConfiguration conf) {
        ComputationGraphConfiguration c = conf.clone();
        c.setIterationCount(0);
        c.setEpochCount(0);
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(c.toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
