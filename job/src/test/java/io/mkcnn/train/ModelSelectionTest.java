package io.mkcnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.testutil.Cli;
import io.mkcnn.testutil.Faults;
import io.mkcnn.testutil.MetricKeys;
import io.mkcnn.testutil.SparkTest;
import io.mkcnn.testutil.SyntheticData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * A validation set, the best model, early stopping and the time budget, through the train command: which set each
 * evaluation scores, that {@code best-model.zip} is the best epoch's and survives a failure and resume, and that
 * early stopping and the budget end a run with exit 0 and its outputs written.
 */
class ModelSelectionTest extends SparkTest {
    @TempDir
    static Path dir;
    static SyntheticData data;
    static String validation;
    static String lastErr = "";

    @BeforeAll
    static void syntheticData() {
        data = SyntheticData.write(dir.resolve("data"), 512, 9);
        validation = SyntheticData.write(dir.resolve("validation"), 200, 21).firstBatch();
    }

    /** 512 records, 2 workers of 16 x 4 minibatches: 4 rounds an epoch. */
    private static int train(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--data", data.train(), "--out", out.toString(),
                "--workers", "2", "--set", "train.batch=16", "--set", "train.averaging.frequency=4",
                "--set", "checkpoint.every.rounds=2"));
        args.addAll(List.of(extra));
        Map.Entry<Integer, String> r = Cli.run(sc, args.toArray(new String[0]));
        lastErr = r.getValue();
        return r.getKey();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(Path file) throws Exception {
        return new ObjectMapper().readValue(file.toFile(), Map.class);
    }

    private static List<Map<String, Object>> lines(Path out) throws Exception {
        return MetricKeys.lines(out);
    }

    private static List<Map<String, Object>> evaluations(Path out, String set) throws Exception {
        return lines(out).stream().filter(l -> "evaluation".equals(l.get("type")) && set.equals(l.get("set")))
                .toList();
    }

    private static double number(Map<String, Object> m, String key) {
        return ((Number) m.get(key)).doubleValue();
    }

    @Test
    @SuppressWarnings("unchecked")
    void theBestModelIsTheBestEpochsAndSurvivesAFailureAndResume() throws Exception {
        Path out = dir.resolve("best");
        String[] cmd = {"--validation", validation, "--test", data.test(), "--epochs", "4"};
        try (Faults.Installed f = Faults.failAfterRound(10)) { // mid epoch 3, after the checkpoint of round 10
            assertEquals(1, train(out, cmd), lastErr);
        }
        Path checkpoint = out.resolve("checkpoints").resolve("round-000010");
        Map<String, Object> state = json(checkpoint.resolve("state.json"));
        assertTrue(number(state, "bestEpoch") >= 1, "two epochs were evaluated: " + state);
        assertArrayEquals(Files.readAllBytes(checkpoint.resolve("best-model.zip")),
                Files.readAllBytes(out.resolve("best-model.zip")), "the checkpoint holds the file's model");

        assertEquals(0, train(out, cmd), lastErr);
        List<Map<String, Object>> validations = evaluations(out, "validation");
        assertEquals(List.of(1, 2, 3, 4), validations.stream().map(l -> l.get("epoch")).toList(),
                "every epoch scored the validation records once");
        assertEquals(List.of(16), evaluations(out, "test").stream().map(l -> l.get("round")).toList(),
                "the test records once, at the end");
        Map<String, Object> metrics = json(out.resolve("metrics.json"));
        assertEquals(true, metrics.get("complete"));
        assertEquals("epochs", metrics.get("ending"));
        Map<String, Object> best = (Map<String, Object>) metrics.get("best");
        double bestAccuracy = validations.stream().mapToDouble(l -> number(l, "accuracy")).max().orElseThrow();
        int bestEpoch = validations.stream().filter(l -> number(l, "accuracy") == bestAccuracy)
                .mapToInt(l -> ((Number) l.get("epoch")).intValue()).min().orElseThrow();
        assertEquals(bestAccuracy, number(best, "validation_accuracy"));
        assertEquals(bestEpoch, ((Number) best.get("epoch")).intValue());
        assertEquals(200, ((Number) metrics.get("validation_records")).intValue());

        // the file is that epoch's network: scoring it on the validation records gives that epoch's accuracy
        Path scored = dir.resolve("best-scored");
        assertEquals(0, Cli.run(sc, "evaluate", "--model", out.resolve("best-model.zip").toString(), "--data",
                validation, "--out", scored.toString()).getKey());
        assertEquals(bestAccuracy, number((Map<String, Object>) json(scored.resolve("metrics.json")).get("test"),
                "accuracy"), 1e-9);
        Path last = dir.resolve("best-test");
        assertEquals(0, Cli.run(sc, "evaluate", "--model", out.resolve("best-model.zip").toString(), "--data",
                data.test(), "--out", last.toString()).getKey());
        assertEquals(number((Map<String, Object>) json(last.resolve("metrics.json")).get("test"), "accuracy"),
                number(best, "test_accuracy"), 1e-9, "metrics.json scores the best model on the test records too");
        String report = Files.readString(out.resolve("report.html"));
        assertTrue(report.contains("\"best\" : {"), "the report marks the best epoch");
    }

    @Test
    void aHeldOutFractionIsTheValidationSetAndNoTestIsNeeded() throws Exception {
        Path out = dir.resolve("fraction");
        assertEquals(0, train(out, "--epochs", "1", "--set", "data.validation.fraction=0.25"), lastErr);
        Map<String, Object> metrics = json(out.resolve("metrics.json"));
        int held = ((Number) metrics.get("validation_records")).intValue();
        assertTrue(Math.abs(held - 128) <= 5, "a quarter of each class, rounded: " + held);
        assertEquals(512 - held, ((Number) metrics.get("training_records")).intValue());
        assertFalse(metrics.containsKey("test"), "no test records given");
        assertTrue(Files.exists(out.resolve("best-model.zip")));
    }

    /**
     * With a learning rate too small to move any weight, no epoch betters the first by more than noise: patience 1
     * ends the run after the first epoch that does not improve.
     */
    @Test
    void earlyStoppingEndsTheRunNormallyAndARerunFindsItComplete() throws Exception {
        Path out = dir.resolve("early");
        String[] cmd = {"--validation", validation, "--test", data.test(), "--epochs", "6",
            "--set", "train.early.stop.patience=1", "--set", "model.lr=1e-30"};
        assertEquals(0, train(out, cmd), lastErr);
        Map<String, Object> metrics = json(out.resolve("metrics.json"));
        assertEquals("early_stop", metrics.get("ending"), String.valueOf(metrics.get("training")));
        assertEquals(true, metrics.get("complete"));
        List<Map<String, Object>> validations = evaluations(out, "validation");
        int stopped = ((Number) validations.get(validations.size() - 1).get("epoch")).intValue();
        assertTrue(stopped < 6, "stopped at epoch " + stopped);
        @SuppressWarnings("unchecked")
        int best = ((Number) ((Map<String, Object>) metrics.get("best")).get("epoch")).intValue();
        assertEquals(stopped - 1, best, "one epoch without improvement");
        assertEquals(List.of(stopped), evaluations(out, "test").stream().map(l -> l.get("epoch")).toList(),
                "the test records scored once, at the end");
        for (String file : List.of("model.zip", "best-model.zip", "report.html")) {
            assertTrue(Files.exists(out.resolve(file)), file);
        }
        List<String> keys = MetricKeys.of(out);
        assertEquals(0, train(out, cmd), lastErr);
        assertEquals(keys, MetricKeys.of(out), "the rerun finds the run complete and trains nothing");
    }

    @Test
    void theTimeBudgetEndsTrainingInTimeAndTheRerunContinues() throws Exception {
        Path out = dir.resolve("budget");
        assertEquals(0, train(out, "--test", data.test(), "--epochs", "200", "--set", "train.max.minutes=0.1"),
                lastErr);
        Map<String, Object> metrics = json(out.resolve("metrics.json"));
        assertEquals("budget", metrics.get("ending"));
        assertEquals(false, metrics.get("complete"));
        assertTrue(Files.exists(out.resolve("model.zip")) && Files.exists(out.resolve("report.html")));
        List<Map<String, Object>> first = lines(out);
        int rounds = (int) first.stream().filter(l -> "round".equals(l.get("type"))).count();
        Map<String, Object> last = first.get(first.size() - 1);
        assertEquals("evaluation", last.get("type"), "the network as it stopped is scored: " + last);
        assertEquals(rounds, ((Number) last.get("round")).intValue());
        double elapsed = number(last, "elapsed_seconds");
        // every invocation trains a round before it can judge one's cost (a cold JVM's first may alone exceed the
        // budget); after more, the final evaluation ends within the budget, give or take the estimate's error
        assertTrue(rounds == 1 || elapsed <= 6.0 * 1.25, rounds + " rounds, the outputs' evaluation ended "
                + elapsed + " s into a 6 s budget");

        // a larger budget is the same run (not part of the configuration's hash): it continues where the first ended
        assertEquals(0, train(out, "--test", data.test(), "--epochs", "200", "--set", "train.max.minutes=0.13"),
                lastErr);
        List<Integer> all = lines(out).stream().filter(l -> "round".equals(l.get("type")))
                .map(l -> ((Number) l.get("round")).intValue()).toList();
        assertTrue(all.size() > rounds, "the rerun trained on");
        assertEquals(java.util.stream.IntStream.rangeClosed(1, all.size()).boxed().toList(), all,
                "every round once, the rerun's first after the first run's last");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aBudgetThatEndsTheFirstEpochKeepsTheBestModelInMetricsAndCheckpoint() throws Exception {
        Path out = dir.resolve("budget-first-epoch");
        // 0.06 s: every invocation trains one round before it can judge a round's cost, then stops (epoch 1 of 4)
        String[] cmd = {"--validation", validation, "--epochs", "50", "--set", "train.max.minutes=0.001"};
        assertEquals(0, train(out, cmd), lastErr);
        Map<String, Object> best = (Map<String, Object>) json(out.resolve("metrics.json")).get("best");
        assertTrue(best != null, "metrics.json names best-model.zip");
        assertEquals(0, ((Number) best.get("epoch")).intValue(), "no epoch done yet");
        assertEquals(1, ((Number) best.get("round")).intValue());
        Path checkpoint = out.resolve("checkpoints").resolve("round-000001");
        assertEquals(1, number(json(checkpoint.resolve("state.json")), "bestRound"));
        assertArrayEquals(Files.readAllBytes(out.resolve("best-model.zip")),
                Files.readAllBytes(checkpoint.resolve("best-model.zip")), "the checkpoint holds the best model");

        // the rerun continues from that round with its evaluation and best model, and trains one more
        assertEquals(0, train(out, cmd), lastErr);
        assertEquals(List.of(1, 2), evaluations(out, "validation").stream()
                .map(l -> ((Number) l.get("round")).intValue()).toList(), "each evaluation once");
        best = (Map<String, Object>) json(out.resolve("metrics.json")).get("best");
        assertTrue(best != null && Files.exists(out.resolve("best-model.zip")), "the best model is kept");
    }

    @Test
    void validationSettingsAreCheckedBeforeAnythingRuns() {
        assertEquals(2, train(dir.resolve("x1"), "--epochs", "1"));
        assertTrue(lastErr.contains("train: missing required option --test (or a validation set: --validation PATH, "
                + "or --set data.validation.fraction=F)"), lastErr);
        assertEquals(2, train(dir.resolve("x2"), "--validation", validation, "--set", "data.validation.fraction=0.1"));
        assertTrue(lastErr.contains("data.validation.fraction=0.1 (command line): data.validation (" + validation
                + ") is set too"), lastErr);
        assertEquals(2, train(dir.resolve("x3"), "--test", data.test(), "--set", "train.early.stop.patience=3"));
        assertTrue(lastErr.contains("train.early.stop.patience=3 (command line): early stopping watches the "
                + "validation accuracy"), lastErr);
        assertEquals(2, train(dir.resolve("x5"), "--validation", validation, "--set", "train.early.stop.patience=2",
                "--set", "eval.every.epochs=0"));
        assertTrue(lastErr.contains("train.early.stop.patience=2 (command line): early stopping watches the "
                + "evaluations after epochs, and eval.every.epochs=0 makes none before the end"), lastErr);
        assertEquals(3, train(dir.resolve("x4"), "--test", data.test(), "--validation", data.test()));
        assertTrue(lastErr.contains("validation data " + data.test() + " and test data " + data.test() + " share"),
                lastErr);
        assertFalse(Files.exists(dir.resolve("x1")) || Files.exists(dir.resolve("x4"))
                || Files.exists(dir.resolve("x5")), "nothing was written");
    }
}
