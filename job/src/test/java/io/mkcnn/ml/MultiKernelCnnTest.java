package io.mkcnn.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.config.JobConfig;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.data.InvalidDataException;
import io.mkcnn.input.CifarSource;
import io.mkcnn.input.RecordInput;
import io.mkcnn.store.ModelFiles;
import io.mkcnn.testutil.Faults;
import io.mkcnn.testutil.SparkTest;
import io.mkcnn.testutil.SyntheticData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The Spark ML API: fit on a DataFrame trains what the command line trains on the same records; the model scores
 * 10,000 rows as predict does and predicts the same once saved and loaded inside a PipelineModel.
 */
class MultiKernelCnnTest extends SparkTest {
    @TempDir
    static Path dir;
    private static SyntheticData data;
    private static SparkSession spark;
    /** The settings both paths train with: one epoch of 2 workers, fp32 so the runs can be compared closely. */
    private static final String[] SETTINGS = {"train.batch=32", "train.averaging.frequency=5", "model.precision=fp32"};

    @BeforeAll
    static void writeData() {
        data = SyntheticData.write(dir.resolve("data"), 640, 3);
        spark = SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
    }

    @AfterAll
    static void forgetSession() {
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
    }

    private static List<CifarRecord> records(String path) {
        return RecordInput.read(sc, path, CifarSource.Role.SCORING, JobConfig.from(Map.of(), "t", Map.of()).data(), 2)
                .collect();
    }

    /** Training rows (validation false) and test rows (true): raw CIFAR bytes, an int label, the record's index. */
    private static Dataset<Row> frame() {
        StructType schema = new StructType().add("img", DataTypes.BinaryType).add("label", DataTypes.IntegerType)
                .add("validation", DataTypes.BooleanType).add("index", DataTypes.LongType);
        List<Row> rows = new ArrayList<>();
        for (CifarRecord r : records(data.train())) {
            rows.add(RowFactory.create(r.pixels(), r.label(), false, r.index()));
        }
        for (CifarRecord r : records(data.test())) {
            rows.add(RowFactory.create(r.pixels(), r.label(), true, r.index()));
        }
        return spark.createDataFrame(rows, schema);
    }

    private static MultiKernelCnnClassifier classifier(Path out) {
        return new MultiKernelCnnClassifier().setEpochs(1).setWorkers(2).setBatchSize(32).setAveragingFrequency(5)
                .setPrecision("fp32").setCheckpointDir(out.toString()).setValidationIndicatorCol("validation");
    }

    /** ||a - b|| / ||a|| over every parameter. */
    private static double relativeDifference(ComputationGraph a, ComputationGraph b) {
        INDArray pa = a.params();
        return pa.sub(b.params()).norm2Number().doubleValue() / pa.norm2Number().doubleValue();
    }

    /** Every configuration key is a Param but the data's paths, which the DataFrame replaces. */
    @Test
    void everyConfigurationKeyIsAParam() {
        java.util.Set<String> keys = new java.util.TreeSet<>(JobConfig.defaults().keySet());
        keys.removeAll(List.of("data.train", "data.test", "data.validation"));
        assertEquals(keys, new java.util.TreeSet<>(new MultiKernelCnnClassifier().configurationKeys().values()));
    }

    @Test
    void fitOnADataFrameTrainsWhatTheCommandLineTrainsOnTheSameRecords() {
        List<String> args = new ArrayList<>(List.of("train", "--data", data.train(), "--test", data.test(), "--out",
                dir.resolve("cli").toString(), "--epochs", "1", "--workers", "2"));
        for (String s : SETTINGS) {
            args.add("--set");
            args.add(s);
        }
        var r = cli(args.toArray(new String[0]));
        assertEquals(0, r.getKey(), r.getValue());
        ComputationGraph cli = ModelFiles.load(sc.hadoopConfiguration(), dir.resolve("cli/model.zip").toString());
        MultiKernelCnnModel fitted = classifier(dir.resolve("fit")).fit(frame());
        double difference = relativeDifference(cli, fitted.network());
        System.out.printf("fit against the command line: relative parameter difference %.3g%n", difference);
        assertTrue(difference < 1e-4, "relative parameter difference " + difference);
        // a rerun of fit on the finished run trains nothing and gives its model
        MultiKernelCnnModel again = classifier(dir.resolve("fit")).fit(frame());
        assertEquals(0.0, relativeDifference(fitted.network(), again.network()));
    }

    @Test
    void fitResumesAnInterruptedRunFromItsCheckpoint() throws Exception {
        Path run = dir.resolve("interrupted");
        try (var fault = Faults.failAfterRound(1)) {
            assertThrows(RuntimeException.class,
                    () -> classifier(run).setCheckpointEveryRounds(1).fit(frame()));
        }
        assertTrue(Files.isDirectory(run.resolve("checkpoints")), "the first round was checkpointed");
        classifier(run).setCheckpointEveryRounds(1).fit(frame());
        List<Integer> rounds = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            Map<?, ?> m = new com.fasterxml.jackson.databind.ObjectMapper().readValue(line, Map.class);
            if ("round".equals(m.get("type"))) {
                rounds.add(((Number) m.get("round")).intValue());
            }
        }
        assertEquals(List.of(1, 2), rounds, "every round once across the interruption");
        assertTrue(Files.exists(run.resolve("model.zip")));
    }

    @Test
    void aPipelineModelScoresTenThousandRowsAsPredictDoesAndPredictsTheSameOnceLoaded() throws Exception {
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {classifier(dir.resolve("pipe"))});
        PipelineModel model = pipeline.fit(frame());
        SyntheticData big = SyntheticData.write(dir.resolve("big"), 10_000, 9);
        List<Row> rows = new ArrayList<>();
        for (CifarRecord r : records(big.train())) {
            rows.add(RowFactory.create(r.pixels(), r.label(), key(r.source(), r.index())));
        }
        StructType schema = new StructType().add("img", DataTypes.BinaryType).add("label", DataTypes.IntegerType)
                .add("key", DataTypes.StringType);
        Dataset<Row> df = spark.createDataFrame(rows, schema).repartition(4);
        long n = df.count();
        assertEquals(10_000, n);
        Map<String, Row> scored = byKey(model.transform(df).select("key", "prediction", "probability"));
        assertEquals(n, scored.size());

        ComputationGraph net = ((MultiKernelCnnModel) model.stages()[0]).network();
        var p = cli("predict", "--model", save(net).toString(), "--data", big.train(), "--out",
                dir.resolve("predict").toString(), "--set", "model.precision=fp32");
        assertEquals(0, p.getKey(), p.getValue());
        Dataset<Row> predicted = spark.read().parquet(dir.resolve("predict/predictions.parquet").toString());
        Map<String, Row> expected = new java.util.HashMap<>();
        for (Row r : predicted.select("source", "record_index", "prediction", "probability").collectAsList()) {
            expected.put(key(r.getString(0), r.getLong(1)), RowFactory.create(null, r.getDouble(2), r.get(3)));
        }
        assertEquals(n, expected.size());
        for (Map.Entry<String, Row> e : expected.entrySet()) {
            Row got = scored.get(e.getKey());
            assertEquals(e.getValue().getDouble(1), got.getDouble(1), "row " + e.getKey());
            assertArrayEquals(((Vector) e.getValue().get(2)).toArray(), ((Vector) got.get(2)).toArray(), 1e-6);
        }

        Path saved = dir.resolve("pipeline-model");
        model.write().save(saved.toString());
        Map<String, Row> reloaded = byKey(PipelineModel.load(saved.toString()).transform(df)
                .select("key", "prediction", "probability"));
        for (Map.Entry<String, Row> e : scored.entrySet()) {
            assertEquals(e.getValue(), reloaded.get(e.getKey()), "row " + e.getKey());
        }
        // the estimator saves its Params and loads them back
        Path estimator = dir.resolve("estimator");
        classifier(dir.resolve("x")).write().save(estimator.toString());
        MultiKernelCnnClassifier loaded = MultiKernelCnnClassifier.load(estimator.toString());
        assertEquals(1, loaded.getOrDefault(loaded.epochs()));
        assertEquals("validation", loaded.getOrDefault(loaded.validationIndicatorCol()));
    }

    private static Path save(ComputationGraph net) throws java.io.IOException {
        Path p = dir.resolve("net.zip");
        org.deeplearning4j.util.ModelSerializer.writeModel(net, p.toFile(), false);
        return p;
    }

    /** A record's file name and position. */
    private static String key(String source, long index) {
        return new org.apache.hadoop.fs.Path(source).getName() + "#" + index;
    }

    private static Map<String, Row> byKey(Dataset<Row> df) {
        Map<String, Row> m = new java.util.HashMap<>();
        for (Row r : df.collectAsList()) {
            m.put(r.getString(0), r);
        }
        return m;
    }

    @Test
    void validationRowsThatAreTrainingRowsAreRefusedBeyondOnePercentAndAFractionOfNothingIsNamedByItsParam() {
        // 20 of the training rows also marked for validation: 20 of 1,020 validation rows (1.96%) trained on
        Dataset<Row> rows = frame();
        Dataset<Row> twice = rows.union(rows.filter("NOT validation").limit(20).withColumn("validation",
                org.apache.spark.sql.functions.lit(true)));
        Path out = dir.resolve("overlap");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> classifier(out).fit(twice));
        assertTrue(e.getMessage().contains("validation data DataFrame rows where validation: 20 of its 1020 records "
                + "(1.96%) are also training records (e.g. DataFrame (rows where validation)#"), e.getMessage());
        assertFalse(Files.exists(out.resolve("model.zip")));

        MultiKernelCnnClassifier heldOut = classifier(dir.resolve("few")).setValidationFraction(0.0001);
        heldOut.clear(heldOut.validationIndicatorCol());
        IllegalArgumentException f = assertThrows(IllegalArgumentException.class,
                () -> heldOut.fit(rows.filter("NOT validation")));
        assertTrue(f.getMessage().contains("Param validationFraction (data.validation.fraction)=1.0E-4 (Params): "
                + "holds out 0 of the 640 training records"), f.getMessage());
    }

    @Test
    void badParamsAndColumnsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> classifier(dir.resolve("bad")).setEpochs(0).fit(frame()));
        assertTrue(e.getMessage().contains("Param epochs (train.epochs)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> classifier(dir.resolve("bad")).setImageCol("image").fit(frame()));
        assertTrue(e.getMessage().contains("no column 'image'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> classifier(dir.resolve("bad")).setValidationIndicatorCol("index").fit(frame()));
        assertTrue(e.getMessage().contains("validationIndicatorCol 'index' is not a boolean column"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new MultiKernelCnnModel(null).transformSchema(frame().withColumn("prediction",
                        org.apache.spark.sql.functions.lit(1.0)).schema()));
        assertTrue(e.getMessage().contains("column 'prediction' exists already"), e.getMessage());
    }
}
