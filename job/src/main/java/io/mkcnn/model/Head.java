package io.mkcnn.model;

/** What follows the last 5x5 convolution before global average pooling and softmax. */
public enum Head {
    /** Logits straight from the convolution: trains at Adam 1e-3. */
    LINEAR,
    /** ReLU on the logits before averaging, as in the original design: many units die at higher learning rates. */
    RELU
}
