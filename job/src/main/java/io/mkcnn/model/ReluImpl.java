package io.mkcnn.model;

import io.mkcnn.kernels.Dnnl;
import io.mkcnn.kernels.DnnlRelu;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.ActivationLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The layer implementation of {@link Relu}: oneDNN's element-wise ReLU on dense float32 arrays, writing into a new
 * array (DL4J's layer copies its input first and then applies the activation in place, in both passes); anything
 * else goes to DL4J's implementation.
 */
public class ReluImpl extends ActivationLayer {
    private DnnlRelu kernel;

    public ReluImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private boolean handles(INDArray a) {
        return a.dataType() == DataType.FLOAT && Dnnl.denseRowMajor(a);
    }

    private DnnlRelu kernel() {
        if (kernel == null) {
            kernel = new DnnlRelu();
        }
        return kernel;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        if (!handles(input)) {
            return super.activate(training, mgr);
        }
        INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, input.shape(), 'c');
        kernel().forward(input, out);
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (!handles(input) || !handles(epsilon)) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        INDArray delta = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT,
                input.shape(), 'c');
        kernel().backward(input, epsilon, delta);
        return new Pair<>(new DefaultGradient(), delta);
    }
}
