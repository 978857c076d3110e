package io.mkcnn.train;

import io.mkcnn.model.Kernels;
import io.mkcnn.config.JobConfig;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.data.InvalidDataException;
import io.mkcnn.eval.Evaluator;
import io.mkcnn.eval.Metrics;
import io.mkcnn.input.CifarSource;
import io.mkcnn.model.NetworkSpec;
import io.mkcnn.runtime.NativeRuntime;
import io.mkcnn.store.OutputDir;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@code evaluate} command: scores a saved model on CIFAR records and writes {@code metrics.json}. */
public final class Evaluate {
    private static final Logger LOG = LoggerFactory.getLogger(Evaluate.class);

    private final JavaSparkContext sc;
    private final JobConfig cfg;
    private final String modelPath;

    public Evaluate(JavaSparkContext sc, JobConfig cfg, String modelPath) {
        this.sc = sc;
        this.cfg = cfg;
        this.modelPath = modelPath;
    }

    public Map<String, Object> run() {
        NativeRuntime.apply(cfg.nativeSettings());
        OutputDir out = OutputDir.open(cfg.out(), sc.hadoopConfiguration(), Trainer.METRICS);
        ComputationGraph net = load(sc, modelPath);
        JavaRDD<CifarRecord> data = CifarSource.read(sc, cfg.testData(), CifarSource.Role.SCORING, cfg.workers());
        long start = System.nanoTime();
        Evaluation eval = Evaluator.evaluate(sc, net, data, cfg.evalBatch(), cfg.nativeSettings());
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("model", modelPath);
        metrics.put("data", cfg.testData());
        metrics.put("test", Metrics.evaluation(eval));
        metrics.put("evaluation_examples_per_second", eval.getNumRowCounter() / seconds);
        metrics.put("configuration", new java.util.TreeMap<>(cfg.effective()));
        out.writeText(Trainer.METRICS, Metrics.toJson(metrics));
        LOG.info("accuracy {} on {} records; metrics {}", String.format("%.4f", eval.accuracy()),
                eval.getNumRowCounter(), out.resolve(Trainer.METRICS));
        return metrics;
    }

    /**
     * Loads a model saved by {@code train} and checks it takes 24x24x3 crops and gives 10 class probabilities.
     *
     * @throws InvalidDataException naming the file when it is missing, not a DL4J model, or of another shape
     */
    public static ComputationGraph load(JavaSparkContext sc, String path) {
        ComputationGraph net;
        try {
            Path p = new Path(path);
            try (InputStream in = p.getFileSystem(sc.hadoopConfiguration()).open(p)) {
                net = Kernels.attach(ModelSerializer.restoreComputationGraph(in, false));
            }
        } catch (java.io.FileNotFoundException e) {
            throw new InvalidDataException(path + ": model file not found");
        } catch (Exception | Error e) {
            if (e instanceof VirtualMachineError vme) {
                throw vme;
            }
            throw new InvalidDataException(path + ": not a model saved by train (a DL4J ComputationGraph zip): "
                    + e.getMessage(), e);
        }
        NetworkSpec spec = NetworkSpec.cifar(false);
        try {
            INDArray probe = Nd4j.zeros(net.params().dataType(), 1, spec.inputChannels(), spec.inputSize(),
                    spec.inputSize());
            long outputs = net.outputSingle(false, probe).size(1);
            if (outputs != spec.classes()) {
                throw new InvalidDataException(path + ": model gives " + outputs + " outputs, expected "
                        + spec.classes() + " CIFAR-10 classes");
            }
        } catch (InvalidDataException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InvalidDataException(path + ": model does not accept " + spec.inputChannels() + "x"
                    + spec.inputSize() + "x" + spec.inputSize() + " CIFAR crops: " + e.getMessage(), e);
        }
        return net;
    }
}
