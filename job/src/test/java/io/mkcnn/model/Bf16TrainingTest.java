package io.mkcnn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mkcnn.kernels.Dnnl;
import io.mkcnn.kernels.Precision;
import io.mkcnn.runtime.NativeRuntime;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Training with bf16 convolutions against fp32 (autocast semantics: fp32 parameters, gradients and saved
 * models), on the real network with random data. Runs where the CPU has bf16 instructions.
 */
class Bf16TrainingTest {

    @BeforeEach
    void needsBf16() {
        assumeTrue(Dnnl.isa().hasBf16(), "this CPU has no bf16 instructions: " + Dnnl.isa());
        NativeRuntime.configure(0);
    }

    @AfterEach
    void restore() {
        NativeRuntime.configurePrecision(Precision.AUTO);
    }

    private static ComputationGraph net(Precision precision, boolean factorised) {
        NativeRuntime.configurePrecision(precision);
        return MultiKernelNet.create(NetworkSpec.cifar(factorised), ModelOptions.defaults());
    }

    private static MultiDataSet batch(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 32, 10);
        for (int i = 0; i < 32; i++) {
            y.putScalar(i, (i * 3 + seed) % 10, 1);
        }
        return new MultiDataSet(Nd4j.randn(DataType.FLOAT, 32, 3, 24, 24), y);
    }

    @Test
    void gradientsAgreeWithFp32ToBf16Precision() {
        for (boolean factorised : new boolean[] {false, true}) {
            ComputationGraph fp32 = net(Precision.FP32, factorised);
            ComputationGraph bf16 = net(Precision.BF16, factorised);
            MultiDataSet b = batch(1);
            INDArray g32 = Gradients.of(fp32, b);
            INDArray g16 = Gradients.of(bf16, b);
            double diff = Gradients.relativeDifference(g32, g16);
            assertTrue(diff > 0, "bf16 kernels ran (the gradients differ in rounding)");
            assertTrue(diff < 3e-2, "factorised=" + factorised + ": gradients differ by " + diff);
            assertEquals(fp32.score(), bf16.score(), 1e-2 * fp32.score(), "loss");
        }
    }

    @Test
    void aTrainingStepMovesTheParametersAsInFp32() {
        ComputationGraph fp32 = net(Precision.FP32, false);
        ComputationGraph bf16 = net(Precision.BF16, false);
        INDArray initial = fp32.params().dup();
        for (long s = 1; s <= 3; s++) {
            fp32.fit(batch(s));
            bf16.fit(batch(s));
        }
        INDArray d32 = fp32.params().sub(initial);
        INDArray d16 = bf16.params().sub(initial);
        assertTrue(d32.norm2Number().doubleValue() > 1e-2, "training changed the weights");
        assertEquals(DataType.FLOAT, bf16.params().dataType(), "parameters stay fp32");
        double diff = Gradients.relativeDifference(d32, d16);
        assertTrue(diff < 0.1, "updates differ by " + diff);
    }

    @Test
    void aBf16TrainedModelSavesAndLoadsAsFp32AndPredictsTheSameInEitherPrecision() throws Exception {
        ComputationGraph bf16 = net(Precision.BF16, true);
        bf16.fit(batch(1));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(bf16, bytes, true);
        NativeRuntime.configurePrecision(Precision.FP32);
        ComputationGraph restored = DnnlHelpers.attach(ModelSerializer.restoreComputationGraph(
                new ByteArrayInputStream(bytes.toByteArray()), true));
        assertEquals(DataType.FLOAT, restored.params().dataType());
        assertTrue(bf16.params().equalsWithEps(restored.params(), 0), "parameters saved exactly");
        INDArray x = batch(2).getFeatures(0);
        INDArray p16 = bf16.outputSingle(false, x);
        INDArray p32 = restored.outputSingle(false, x);
        assertTrue(p16.sub(p32).amaxNumber().doubleValue() < 2e-2, "class probabilities differ by "
                + p16.sub(p32).amaxNumber());
    }
}
