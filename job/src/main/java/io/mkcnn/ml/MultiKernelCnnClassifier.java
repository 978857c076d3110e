package io.mkcnn.ml;

import io.mkcnn.config.InvalidConfigException;
import io.mkcnn.config.JobConfig;
import io.mkcnn.data.InvalidDataException;
import io.mkcnn.input.ImageRows;
import io.mkcnn.store.ModelFiles;
import io.mkcnn.store.StorePaths;
import io.mkcnn.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the multi-kernel CNN on a DataFrame of images and integer labels, through the same training core as the
 * command line: parameter averaging over {@code workers} Spark tasks, BN statistics reconciled every round, the
 * outer optimizer, checkpoints in {@code checkpointDir} (a rerun of {@code fit} on the same directory resumes from
 * the newest one, and on a finished run only loads its model). Every configuration key is a Param with the key's
 * default ({@code explainParams()} names the key of each).
 *
 * <p>Rows marked true in {@code validationIndicatorCol} (or a {@code validationFraction} of the rows, held out
 * seeded and class-stratified) are evaluated after epochs instead of trained on, and {@code fit} returns the network
 * of the best validation accuracy; without either the training rows are evaluated and the last network returned. The records are dealt to the workers from their canonical order,
 * so the same rows give the same run as the command line's files of the same images.
 */
public final class MultiKernelCnnClassifier extends SelectionParams implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(MultiKernelCnnClassifier.class);

    private final Param<String> validationIndicatorCol = new Param<>(this, "validationIndicatorCol",
            "a boolean column, true for the rows evaluated after epochs instead of trained on (null: false)");

    public MultiKernelCnnClassifier(String uid) {
        super(uid);
    }

    public MultiKernelCnnClassifier() {
        this(org.apache.spark.ml.util.Identifiable$.MODULE$.randomUID("mkcnnClassifier"));
    }

    public Param<String> validationIndicatorCol() {
        return validationIndicatorCol;
    }

    public MultiKernelCnnClassifier setValidationIndicatorCol(String value) {
        return (MultiKernelCnnClassifier) set(validationIndicatorCol, value);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        JobConfig cfg = configuration(Map.of());
        try {
            ImageRows.requireColumns(schema, cfg.data().imageColumn(), cfg.data().labelColumn(),
                    cfg.data().labelSet(), "DataFrame");
        } catch (InvalidDataException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (isSet(validationIndicatorCol)) {
            String v = getOrDefault(validationIndicatorCol);
            if (!java.util.Arrays.asList(schema.fieldNames()).contains(v)
                    || !(schema.apply(v).dataType() instanceof BooleanType)) {
                throw new IllegalArgumentException("DataFrame: validationIndicatorCol '" + v + "' is not a boolean "
                        + "column (columns: " + String.join(", ", schema.fieldNames()) + ")");
            }
        }
        return new MultiKernelCnnModel(uid(), null).setImageCol(cfg.data().imageColumn()).transformSchema(schema);
    }

    @Override
    public MultiKernelCnnModel fit(Dataset<?> dataset) {
        transformSchema(dataset.schema(), true);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
        SessionCheck.require(sc.getConf());
        String validation = isSet(validationIndicatorCol) ? getOrDefault(validationIndicatorCol) : null;
        boolean heldOut = (Double) getOrDefault(validationFraction()) > 0;
        Map<String, String> fixed = new LinkedHashMap<>();
        fixed.put("data.train", "DataFrame");
        if (validation != null) {
            fixed.put("data.validation", "DataFrame rows where " + validation);
        }
        fixed.put("data.test", validation != null || heldOut ? "" : "DataFrame (the training rows)");
        if (getOrDefault(checkpointDir()).isEmpty()) {
            fixed.put("out", temporaryRunDirectory());
        }
        JobConfig cfg = configuration(fixed);
        if (validation == null && !heldOut) {
            LOG.warn("{}: no validationIndicatorCol or validationFraction: the accuracy after epochs is measured on "
                    + "the training rows, and no best model is kept", uid());
        }
        try {
            new Trainer(sc, cfg, false, new DataFrameData(dataset.toDF(), cfg.data(), validation)).run();
        } catch (InvalidConfigException e) { // a Param the data shows wrong (a fraction that holds out nothing)
            throw named(e);
        }
        // with validation rows, the network of the best validation accuracy, as Spark's own estimators return
        String kept = cfg.data().hasValidation() ? Trainer.BEST_MODEL : Trainer.MODEL;
        ComputationGraph net = ModelFiles.load(sc.hadoopConfiguration(),
                new Path(StorePaths.given(cfg.ops().out()), kept).toString());
        MultiKernelCnnModel model = new MultiKernelCnnModel(uid(), net)
                .setImageCol(cfg.data().imageColumn())
                .setBatchSize(cfg.ops().evalBatch())
                .setThreads(cfg.ops().threads())
                .setPrecision(cfg.ops().precision().name().toLowerCase(java.util.Locale.ROOT));
        return model.setParent(this);
    }

    private String temporaryRunDirectory() {
        try {
            String dir = Files.createTempDirectory("mkcnn-fit-").toUri().toString();
            LOG.info("{}: no checkpointDir set: the run's checkpoints and model go to {}", uid(), dir);
            return dir;
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a directory for the run: " + e.getMessage(), e);
        }
    }

    @Override
    public MultiKernelCnnClassifier copy(ParamMap extra) {
        return (MultiKernelCnnClassifier) defaultCopy(extra);
    }

    /** The reader {@code Pipeline.load} finds by reflection. */
    public static MLReader<MultiKernelCnnClassifier> read() {
        return new DefaultParamsReader<>();
    }

    public static MultiKernelCnnClassifier load(String path) {
        return read().load(path);
    }
}
