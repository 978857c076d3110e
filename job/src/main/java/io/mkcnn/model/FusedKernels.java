package io.mkcnn.model;

import io.mkcnn.kernels.ConvActivations;
import io.mkcnn.kernels.ConvGeometry;
import io.mkcnn.kernels.DnnlBatchNorm;
import io.mkcnn.kernels.DnnlCast;
import io.mkcnn.kernels.DnnlConcat;
import io.mkcnn.kernels.DnnlConvolution;
import io.mkcnn.kernels.DnnlMaxPool;
import io.mkcnn.kernels.DnnlSum;
import io.mkcnn.runtime.NativeRuntime;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.nd4j.linalg.api.buffer.DataType;

/** The body's kernels, each keeping its primitives per input shape. */
final class FusedKernels {
    final DnnlConvolution stem;
    final DnnlBatchNorm stemBn;
    final DnnlMaxPool pool1;
    final List<List<DnnlConvolution>> branches = new ArrayList<>();
    final DnnlConcat concat = new DnnlConcat();
    final DnnlBatchNorm branchBn;
    final DnnlMaxPool pool2;
    final DnnlConvolution head;
    final DnnlSum sum = new DnnlSum();
    final DnnlCast cast = new DnnlCast();

    FusedKernels(FusedBody conf, DataType act) {
        stem = conv((ConvolutionLayer) conf.unit(FusedBodyImpl.STEM_CONV), ConvActivations.FLOAT);
        BatchNormalization bn = (BatchNormalization) conf.unit(FusedBodyImpl.STEM_BN);
        stemBn = new DnnlBatchNorm(bn.getEps(), true, true);
        pool1 = new DnnlMaxPool(new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}, new int[] {0, 0}, true);
        for (List<String> names : conf.getBranchConvs()) {
            List<DnnlConvolution> convs = new ArrayList<>();
            for (int j = 0; j < names.size(); j++) {
                // the first reads the pooled input and gives the fan-out's gradient in float32; the last writes
                // the float32 part of the concatenation; between them the activation and its gradient are act
                boolean first = j == 0;
                boolean last = j == names.size() - 1;
                convs.add(conv((ConvolutionLayer) conf.unit(names.get(j)), new ConvActivations(
                        act, last ? DataType.FLOAT : act, act, first ? DataType.FLOAT : act)));
            }
            branches.add(convs);
        }
        branchBn = new DnnlBatchNorm(((BatchNormalization) conf.unit(conf.getBranchBns().get(0))).getEps(), true,
                true);
        pool2 = new DnnlMaxPool(new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}, new int[] {0, 0}, true);
        head = conv((ConvolutionLayer) conf.unit(FusedNet.HEAD), ConvActivations.FLOAT, true);
    }

    private static DnnlConvolution conv(ConvolutionLayer c, ConvActivations types) {
        return conv(c, types, false);
    }

    private static DnnlConvolution conv(ConvolutionLayer c, ConvActivations types, boolean bias) {
        return new DnnlConvolution(ConvGeometry.same(c.getNIn(), c.getNOut(), c.getKernelSize()[0],
                c.getKernelSize()[1]), bias, NativeRuntime.precision(), true, types);
    }
}
