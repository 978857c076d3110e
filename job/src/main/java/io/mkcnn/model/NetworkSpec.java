package io.mkcnn.model;

import java.io.Serializable;
import java.util.List;

/**
 * The shape of the multi-kernel network: a 5x5 stem convolution, max pooling, parallel branches with the given
 * kernel sizes concatenated, max pooling, and a 5x5 convolution to the classes followed by global average
 * pooling. Same padding and stride 1 throughout; every pooling halves the side.
 *
 * @param inputSize side of the (square) input crop
 * @param inputChannels channels of the input
 * @param stemKernel kernel side of the stem convolution
 * @param stemFilters filters of the stem convolution
 * @param branchKernels kernel side of each parallel branch
 * @param branchFilters filters of every branch
 * @param headKernel kernel side of the last convolution
 * @param classes number of classes (filters of the last convolution)
 * @param factorised whether every branch kxk convolution with k &gt; 1 is a kx1 then a 1xk convolution
 */
public record NetworkSpec(int inputSize, int inputChannels, int stemKernel, int stemFilters,
                          List<Integer> branchKernels, int branchFilters, int headKernel, int classes,
                          boolean factorised) implements Serializable {

    public NetworkSpec {
        branchKernels = List.copyOf(branchKernels);
    }

    /** The CIFAR-10 network: 24x24x3 crops, 64-filter stem and branches of 1, 3, 5 and 7, ten classes. */
    public static NetworkSpec cifar(boolean factorised) {
        return cifar(factorised, 10);
    }

    /** The same network with {@code classes} outputs (CIFAR-100: 100 fine or 20 coarse classes). */
    public static NetworkSpec cifar(boolean factorised, int classes) {
        return new NetworkSpec(24, 3, 5, 64, List.of(1, 3, 5, 7), 64, 5, classes, factorised);
    }

    /** Side of the branch inputs (after the first pooling). */
    public int branchSize() {
        return inputSize / 2;
    }

    /** Side of the head input (after the second pooling). */
    public int headSize() {
        return inputSize / 4;
    }
}
