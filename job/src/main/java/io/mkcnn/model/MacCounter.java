package io.mkcnn.model;

/**
 * Counts multiply-accumulates of the forward pass of one example, as the convolutions define them: every
 * output position of a same-padded, stride-1 convolution costs kh*kw*cin multiplications per filter, padding
 * included. Bias additions, BN, activations and pooling are not counted.
 */
public final class MacCounter {
    private MacCounter() {
    }

    /** Multiplications of a same-padded stride-1 convolution on an h x w x cin input with cout filters. */
    public static long conv(int h, int w, int kh, int kw, int cin, int cout) {
        return (long) h * w * kh * kw * cin * cout;
    }

    /** Multiplications of a kxk convolution, or of its kx1-then-1xk factorisation when {@code factorised}. */
    public static long squareConv(int h, int w, int k, int cin, int cout, boolean factorised) {
        if (!factorised || k == 1) {
            return conv(h, w, k, k, cin, cout);
        }
        return conv(h, w, k, 1, cin, cout) + conv(h, w, 1, k, cout, cout);
    }

    /** Multiply-accumulates of one example's forward pass through the network. */
    public static long forward(NetworkSpec spec) {
        int s = spec.inputSize();
        long macs = conv(s, s, spec.stemKernel(), spec.stemKernel(), spec.inputChannels(), spec.stemFilters());
        int b = spec.branchSize();
        for (int k : spec.branchKernels()) {
            macs += squareConv(b, b, k, spec.stemFilters(), spec.branchFilters(), spec.factorised());
        }
        int h = spec.headSize();
        int concat = spec.branchFilters() * spec.branchKernels().size();
        macs += conv(h, h, spec.headKernel(), spec.headKernel(), concat, spec.classes());
        return macs;
    }
}
