package io.mkcnn.kernels;

/**
 * A stride-1, dilation-1 2-D convolution's fixed shape: channels, kernel and zero padding on each side.
 *
 * @param inChannels input channels
 * @param outChannels output channels (filters)
 * @param kernelH kernel height
 * @param kernelW kernel width
 * @param padTop rows of zeros above the input
 * @param padLeft columns of zeros left of the input
 * @param padBottom rows of zeros below
 * @param padRight columns of zeros to the right
 */
public record ConvGeometry(long inChannels, long outChannels, long kernelH, long kernelW, long padTop,
                           long padLeft, long padBottom, long padRight) {

    public ConvGeometry {
        if (inChannels <= 0 || outChannels <= 0 || kernelH <= 0 || kernelW <= 0) {
            throw new IllegalArgumentException("channels and kernel sizes must be positive: " + this);
        }
        if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
            throw new IllegalArgumentException("padding must not be negative: " + this);
        }
    }

    /** "Same" padding for stride 1: the output has the input's size; an even kernel pads one more at the end. */
    public static ConvGeometry same(long inChannels, long outChannels, long kernelH, long kernelW) {
        long th = (kernelH - 1) / 2;
        long tw = (kernelW - 1) / 2;
        return new ConvGeometry(inChannels, outChannels, kernelH, kernelW, th, tw, kernelH - 1 - th,
                kernelW - 1 - tw);
    }

    public long outHeight(long inHeight) {
        return inHeight + padTop + padBottom - kernelH + 1;
    }

    public long outWidth(long inWidth) {
        return inWidth + padLeft + padRight - kernelW + 1;
    }

    /** Multiply-accumulates of the forward pass for one example of the given input size. */
    public long macs(long inHeight, long inWidth) {
        return outHeight(inHeight) * outWidth(inWidth) * outChannels * inChannels * kernelH * kernelW;
    }
}
