package io.mkcnn.eval;

import io.mkcnn.config.JobConfig;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.input.CifarSource;
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
        JavaRDD<CifarRecord> data = CifarSource.read(sc, cfg.data().test(), CifarSource.Role.SCORING,
                cfg.train().workers());
        return new ScoringInputs(out, net, data);
    }
}
