package io.mkcnn.eval;

import io.mkcnn.config.JobConfig;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.data.InvalidDataException;
import io.mkcnn.data.LabelSet;
import io.mkcnn.input.CifarSource;
import io.mkcnn.input.RecordInput;
import io.mkcnn.model.MultiKernelNet;
import io.mkcnn.store.ModelFiles;
import io.mkcnn.store.OutputDir;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * What the evaluate and predict jobs start from, in the order they check it: the output directory (it must take
 * {@code output}), the saved model, then the records to score.
 */
record ScoringInputs(OutputDir out, ComputationGraph net, JavaRDD<CifarRecord> data) {

    /** Applies the native settings in this thread and opens the output, the model and the records. */
    static ScoringInputs open(JavaSparkContext sc, JobConfig cfg, String modelPath, String output) {
        cfg.nativeSettings().apply();
        OutputDir out = OutputDir.open(cfg.ops().out(), sc.hadoopConfiguration(), output);
        ComputationGraph net = ModelFiles.load(sc.hadoopConfiguration(), modelPath);
        LabelSet model = LabelSet.ofClasses(MultiKernelNet.classes(net));
        if (model != cfg.data().labelSet()) {
            throw new InvalidDataException(modelPath + ": the model scores " + model.size() + " classes ("
                    + model.name().toLowerCase(java.util.Locale.ROOT) + "), the data are read as "
                    + cfg.data().labelSet().size() + " classes (data.format=" + cfg.data().format().name()
                    .toLowerCase(java.util.Locale.ROOT) + "): set data.format (and data.cifar100.labels) to the "
                    + "model's");
        }
        JavaRDD<CifarRecord> data = RecordInput.read(sc, cfg.data().test(), CifarSource.Role.SCORING, cfg.data(),
                cfg.train().workers());
        return new ScoringInputs(out, net, data);
    }
}
