package io.mkcnn.model;

import java.util.List;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The intermediate arrays of one batch shape: activations, their gradients and the BN statistics. */
final class FusedBuffers {
    final INDArray stem;
    final INDArray stemOut;
    final INDArray stemGrad;
    final INDArray stemMean;
    final INDArray stemVar;
    final INDArray pooled;
    /** What the branches read: the pooled input in the activations' type (the same array in float32). */
    final INDArray pooledIn;
    final INDArray[] pooledGrad;
    /** The branches' input gradients, last branch first. */
    final INDArray[] fanOut;
    final INDArray[] inner;
    final INDArray[] innerGrad;
    final INDArray[] branch;
    /** The branches' output gradients, split out of the concatenation's in the activations' type. */
    final INDArray[] branchGrad;
    final INDArray joined;
    final INDArray joinedOut;
    final INDArray joinedGrad;
    final INDArray gamma;
    final INDArray beta;
    final INDArray mean;
    final INDArray var;
    final INDArray dGamma;
    final INDArray dBeta;
    final INDArray pooled2;
    final INDArray pooled2Grad;
    final INDArray head;
    final INDArray headGrad;

    FusedBuffers(FusedBody conf, long n, long h, long w, DataType act) {
        try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            long stemC = ((ConvolutionLayer) conf.unit(FusedBodyImpl.STEM_CONV)).getNOut();
            stem = make(n, h, w, stemC);
            stemOut = make(n, h, w, stemC);
            stemGrad = make(n, h, w, stemC);
            stemMean = Nd4j.createUninitialized(DataType.FLOAT, stemC);
            stemVar = Nd4j.createUninitialized(DataType.FLOAT, stemC);
            long ph = h / 2;
            long pw = w / 2;
            pooled = make(n, ph, pw, stemC);
            pooledIn = act == DataType.FLOAT ? pooled : make(act, n, ph, pw, stemC);
            int branches = conf.getBranchBns().size();
            pooledGrad = new INDArray[branches];
            inner = new INDArray[branches];
            innerGrad = new INDArray[branches];
            branch = new INDArray[branches];
            branchGrad = new INDArray[branches];
            long total = 0;
            for (int i = 0; i < branches; i++) {
                List<String> convs = conf.getBranchConvs().get(i);
                long c = ((ConvolutionLayer) conf.unit(convs.get(convs.size() - 1))).getNOut();
                pooledGrad[i] = make(n, ph, pw, stemC);
                branch[i] = make(n, ph, pw, c);
                // the split may overwrite the forward's parts in float32: the convolutions' backward reads
                // only their inputs
                branchGrad[i] = act == DataType.FLOAT ? branch[i] : make(act, n, ph, pw, c);
                if (convs.size() > 1) {
                    long ic = ((ConvolutionLayer) conf.unit(convs.get(0))).getNOut();
                    inner[i] = make(act, n, ph, pw, ic);
                    innerGrad[i] = make(act, n, ph, pw, ic);
                }
                total += c;
            }
            fanOut = new INDArray[branches];
            for (int i = 0; i < branches; i++) {
                fanOut[i] = pooledGrad[branches - 1 - i];
            }
            joined = make(n, ph, pw, total);
            joinedOut = make(n, ph, pw, total);
            joinedGrad = make(n, ph, pw, total);
            gamma = Nd4j.createUninitialized(DataType.FLOAT, total);
            beta = Nd4j.createUninitialized(DataType.FLOAT, total);
            mean = Nd4j.createUninitialized(DataType.FLOAT, total);
            var = Nd4j.createUninitialized(DataType.FLOAT, total);
            dGamma = Nd4j.createUninitialized(DataType.FLOAT, total);
            dBeta = Nd4j.createUninitialized(DataType.FLOAT, total);
            pooled2 = make(n, ph / 2, pw / 2, total);
            pooled2Grad = make(n, ph / 2, pw / 2, total);
            long classes = ((ConvolutionLayer) conf.unit(FusedNet.HEAD)).getNOut();
            head = make(n, ph / 2, pw / 2, classes);
            headGrad = make(n, ph / 2, pw / 2, classes);
        }
    }

    private static INDArray make(long n, long h, long w, long c) {
        return make(DataType.FLOAT, n, h, w, c);
    }

    private static INDArray make(DataType type, long n, long h, long w, long c) {
        return Nd4j.createUninitialized(type, new long[] {n, h, w, c}, 'c');
    }
}
