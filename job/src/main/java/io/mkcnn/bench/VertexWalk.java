package io.mkcnn.bench;

import io.mkcnn.model.BatchNormRelu;
import java.util.List;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One forward and backward pass of a graph vertex by vertex, in DL4J's order and with its calls, each vertex timed
 * on its own, and the kinds of operation the vertices belong to.
 */
final class VertexWalk {
    /** The kinds of operation a vertex belongs to, in the order the tables list them. */
    static final List<String> OPS = List.of("convolution", "batch norm + relu", "batch norm", "relu", "max pooling",
            "concat / split", "global average pool", "softmax + loss", "gradient sum (fan-out)", "fused body", "other");

    /**
     * The walk's arrays live in one workspace, reset per pass, sized on the first pass (as DL4J's own passes
     * allocate from workspaces: fresh arrays would time the allocator, not the layers).
     */
    static final String WALK = "LAYER_PROFILE_WALK";
    static final WorkspaceConfiguration WALK_WORKSPACE = WorkspaceConfiguration.builder().initialSize(0)
            .overallocationLimit(0.05).policyLearning(LearningPolicy.FIRST_LOOP).policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE).policyAllocation(AllocationPolicy.OVERALLOCATE).build();
    static final LayerWorkspaceMgr WALK_MGR;

    static {
        LayerWorkspaceMgr.Builder b = LayerWorkspaceMgr.builder();
        for (ArrayType t : ArrayType.values()) {
            b.with(t, WALK, WALK_WORKSPACE);
        }
        WALK_MGR = b.build();
    }

    private VertexWalk() {
    }

    /**
     * One forward and backward pass vertex by vertex, in DL4J's order and with its calls, adding each vertex's
     * nanoseconds to {@code forward}/{@code backward} and the summing of gradients where an activation feeds
     * several vertices to {@code fanOut[0]}.
     */
    static void walk(ComputationGraph net, MultiDataSet batch, long[] forward, long[] backward,
                     long[] fanOut) {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WALK_WORKSPACE, WALK)) {
            walk(net, batch, forward, backward, fanOut, WALK_MGR);
        }
    }

    private static void walk(ComputationGraph net, MultiDataSet batch, long[] forward, long[] backward,
                             long[] fanOut, LayerWorkspaceMgr mgr) {
        GraphVertex[] vertices = net.getVertices();
        int[] order = net.topologicalSortOrder();
        INDArray[] out = new INDArray[vertices.length];
        for (int idx : order) {
            GraphVertex v = vertices[idx];
            if (v.isInputVertex()) {
                out[idx] = batch.getFeatures(0);
                continue;
            }
            VertexIndices[] in = v.getInputVertices();
            for (int j = 0; j < in.length; j++) {
                v.setInput(j, out[in[j].getVertexIndex()], mgr);
            }
            if (v.isOutputVertex() && v.getLayer() instanceof IOutputLayer o) {
                o.setLabels(batch.getLabels(0));
            }
            long s = System.nanoTime();
            out[idx] = v.doForward(true, mgr);
            forward[idx] += System.nanoTime() - s;
        }
        INDArray[] eps = new INDArray[vertices.length];
        for (int k = order.length - 1; k >= 0; k--) {
            int idx = order[k];
            GraphVertex v = vertices[idx];
            if (v.isInputVertex()) {
                continue;
            }
            if (!v.isOutputVertex()) {
                v.setEpsilon(eps[idx]);
            }
            long s = System.nanoTime();
            Pair<Gradient, INDArray[]> p = v.doBackward(false, mgr);
            backward[idx] += System.nanoTime() - s;
            INDArray[] e = p.getSecond();
            VertexIndices[] in = v.getInputVertices();
            for (int j = 0; e != null && j < in.length && j < e.length; j++) {
                int from = in[j].getVertexIndex();
                if (e[j] == null || vertices[from].isInputVertex()) {
                    continue;
                }
                if (eps[from] == null) {
                    eps[from] = e[j];
                } else {
                    s = System.nanoTime();
                    eps[from] = eps[from].add(e[j]);
                    fanOut[0] += System.nanoTime() - s;
                }
            }
        }
    }

    /** The kind of operation a vertex is. */
    static String op(GraphVertex v) {
        if (!v.hasLayer()) {
            return v.getNumInputArrays() > 1 ? "concat / split" : "other";
        }
        var conf = v.getLayer().conf().getLayer();
        if (conf instanceof io.mkcnn.model.FusedBody) {
            return "fused body";
        } else if (conf instanceof ConvolutionLayer) {
            return "convolution";
        } else if (conf instanceof BatchNormRelu) {
            return "batch norm + relu";
        } else if (conf instanceof BatchNormalization) {
            return "batch norm";
        } else if (conf instanceof ActivationLayer) {
            return "relu";
        } else if (conf instanceof SubsamplingLayer) {
            return "max pooling";
        } else if (conf instanceof GlobalPoolingLayer) {
            return "global average pool";
        } else if (conf instanceof LossLayer) {
            return "softmax + loss";
        }
        return "other";
    }
}
