package io.mkcnn.model;

import org.deeplearning4j.nn.conf.graph.MergeVertex;

/**
 * DL4J's merge (concatenation) vertex along a fixed axis. DL4J's own vertex works out its axis from the input
 * types, but its {@code clone()} drops it, and the Spark workers build their networks from a cloned
 * configuration: channels-last activations were then concatenated along the height. This one keeps its axis.
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
    public ConcatVertex clone() {
        return new ConcatVertex(getMergeAxis());
    }
}
