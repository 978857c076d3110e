package io.mkcnn.model;

import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's merge (concatenation) vertex along a fixed axis. DL4J's own vertex works out its axis from the input
 * types, but its {@code clone()} drops it, and the Spark workers build their networks from a cloned
 * configuration: channels-last activations were then concatenated along the height. This one keeps its axis,
 * and concatenates channels-last activations with oneDNN ({@link ConcatVertexImpl}).
 */
public class ConcatVertex extends MergeVertex {

    /** For JSON deserialisation. */
    public ConcatVertex() {
    }

    /** @param axis the dimension to concatenate along (1 for NCHW channels, 3 for NHWC) */
    public ConcatVertex(int axis) {
        setMergeAxis(axis);
    }

    @Override
    public GraphVertex instantiate(ComputationGraph graph, String name, int idx, INDArray paramsView,
                                   boolean initializeParams, DataType networkDatatype) {
        return new ConcatVertexImpl(graph, name, idx, networkDatatype, getMergeAxis());
    }

    @Override
    public ConcatVertex clone() {
        return new ConcatVertex(getMergeAxis());
    }
}
