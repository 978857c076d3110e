package io.mkcnn.model;

/**
 * What runs a training step ({@code model.engine}): the network's body as one fused layer ({@link FusedBody}), or
 * DL4J's layer graph. Both train the same parameters at the same offsets, so a run may resume under either.
 */
public enum Engine {
    /** The body from the stem to the global average pooling as one layer, where it serves the network. */
    FUSED,
    /** DL4J's layer graph, one layer per convolution, BN and pooling. */
    LAYERS
}
