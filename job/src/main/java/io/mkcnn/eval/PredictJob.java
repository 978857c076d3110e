package io.mkcnn.eval;

import io.mkcnn.config.JobConfig;
import io.mkcnn.store.OutputDir;
import io.mkcnn.store.OutputException;
import java.io.IOException;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@code predict} command: writes {@code OUT/predictions.parquet}, through a temporary name. */
public final class PredictJob {
    private static final Logger LOG = LoggerFactory.getLogger(PredictJob.class);
    public static final String OUTPUT = "predictions.parquet";

    private final JavaSparkContext sc;
    private final JobConfig cfg;
    private final String modelPath;

    public PredictJob(JavaSparkContext sc, JobConfig cfg, String modelPath) {
        this.sc = sc;
        this.cfg = cfg;
        this.modelPath = modelPath;
    }

    public Path run() {
        ScoringInputs in = ScoringInputs.open(sc, cfg, modelPath, OUTPUT);
        OutputDir out = in.out();
        Path target = out.resolve(OUTPUT);
        Path tmp = out.resolve("." + OUTPUT + ".tmp-" + UUID.randomUUID());
        Predictor.predict(sc, in.net(), in.data(), cfg.ops().evalBatch(), cfg.nativeSettings()).write()
                .parquet(tmp.toString());
        try {
            FileSystem fs = out.fileSystem();
            if (!fs.rename(tmp, target)) {
                throw new IOException("cannot rename " + tmp + " to " + target);
            }
        } catch (IOException e) {
            throw new OutputException(target + ": cannot write (" + e.getMessage() + ")", e);
        }
        LOG.info("predictions for {} written to {}", cfg.data().test(), target);
        return target;
    }
}
