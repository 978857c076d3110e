package io.mkcnn.model;

import io.mkcnn.kernels.Dnnl;
import io.mkcnn.kernels.DnnlConcat;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.impl.MergeVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The graph vertex of {@link ConcatVertex}: channels-last float32 activations are concatenated along their
 * channels, and the gradient split back, by oneDNN reorders into and out of each part's channel slice
 * ({@link DnnlConcat}); anything else (another axis, a single input, other types or strided inputs) goes to
 * DL4J's merge vertex.
 */
public class ConcatVertexImpl extends MergeVertex {
    private final int axis;
    private DnnlConcat kernel;
    /** The parts' shapes of the last forward pass the kernel made, or null when DL4J's vertex made it. */
    private long[][] partShapes;

    public ConcatVertexImpl(ComputationGraph graph, String name, int vertexIndex, DataType dataType, int axis) {
        super(graph, name, vertexIndex, dataType, axis);
        this.axis = axis;
    }

    private boolean handles(INDArray[] in) {
        if (axis != 3 || in.length < 2) {
            return false;
        }
        for (INDArray a : in) {
            if (a.dataType() != DataType.FLOAT || a.rank() != 4 || !Dnnl.denseRowMajor(a)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (!canDoForward() || !handles(inputs)) {
            partShapes = null;
            return super.doForward(training, workspaceMgr);
        }
        partShapes = new long[inputs.length][];
        long channels = 0;
        for (int i = 0; i < inputs.length; i++) {
            partShapes[i] = inputs[i].shape();
            channels += partShapes[i][3];
        }
        long[] s = partShapes[0];
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
                new long[] {s[0], s[1], s[2], channels}, 'c');
        kernel().concat(inputs, out);
        return out;
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
        if (partShapes == null || !canDoBackward()) {
            return super.doBackward(tbptt, workspaceMgr);
        }
        INDArray[] out = new INDArray[partShapes.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, partShapes[i], 'c');
        }
        kernel().split(Dnnl.dense(epsilon), out);
        return new Pair<>(null, out);
    }

    private DnnlConcat kernel() {
        if (kernel == null) {
            kernel = new DnnlConcat();
        }
        return kernel;
    }
}
