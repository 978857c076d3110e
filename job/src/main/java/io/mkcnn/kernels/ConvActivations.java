package io.mkcnn.kernels;

import org.nd4j.linalg.api.buffer.DataType;

/**
 * The element types of a {@link DnnlConvolution}'s activation arrays: the input, the output, the output's gradient
 * and the input's gradient ({@code FLOAT} or {@code BFLOAT16} each).
 */
public record ConvActivations(DataType src, DataType dst, DataType diffDst, DataType diffSrc) {
    public static final ConvActivations FLOAT = new ConvActivations(DataType.FLOAT, DataType.FLOAT, DataType.FLOAT,
            DataType.FLOAT);

    public ConvActivations {
        for (DataType t : new DataType[] {src, dst, diffDst, diffSrc}) {
            if (t != DataType.FLOAT && t != DataType.BFLOAT16) {
                throw new IllegalArgumentException("activations are FLOAT or BFLOAT16, not " + t);
            }
        }
    }
}
