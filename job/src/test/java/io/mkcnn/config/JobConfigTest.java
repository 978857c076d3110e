package io.mkcnn.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class JobConfigTest {

    @Test
    void commandLineOverridesFileOverridesDefaults() {
        JobConfig c = JobConfig.from(Map.of("train.epochs", "5", "bn.mode", "naive"), "my.properties",
                Map.of("train.epochs", "7"));
        assertEquals(7, c.train().epochs());
        assertEquals(BnMode.NAIVE, c.bn().mode());
        assertEquals(64, c.train().batch());
    }

    @Test
    void problemsNameKeyValueOriginAndRule() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> JobConfig.from(
                Map.of("train.batch", "abc", "model.lr", "-1"), "my.properties", Map.of("model.head", "tanh")));
        assertEquals(3, e.problems().size(), e.getMessage());
        assertTrue(e.problems().contains("train.batch=abc (my.properties): expected an integer"), e.getMessage());
        assertTrue(e.problems().contains("model.lr=-1 (my.properties): expected a number > 0"), e.getMessage());
        assertTrue(e.problems().contains("model.head=tanh (command line): expected one of linear, relu"),
                e.getMessage());
    }

    @Test
    void hashIgnoresOutputLocationsButNotTrainingSettings() {
        JobConfig a = JobConfig.from(Map.of(), "d", Map.of("out", "/a"));
        JobConfig b = JobConfig.from(Map.of(), "d", Map.of("out", "/b"));
        JobConfig c = JobConfig.from(Map.of(), "d", Map.of("out", "/a", "model.lr", "0.01"));
        assertEquals(a.hash(), b.hash());
        assertNotEquals(a.hash(), c.hash());
    }

    /** The round's defaults follow the workers and the shards: the study's recommendation only where it holds. */
    @Test
    void roundDefaultsFollowTheWorkersAndTheShards() {
        Map<String, String> one = JobConfig.from(Map.of(), "t", Map.of("train.workers", "1")).effective();
        assertEquals("average", one.get("train.outer"));
        assertEquals("fp32", one.get("train.transfer"));
        assertEquals("every", one.get("train.updater.sync"));
        Map<String, String> two = JobConfig.from(Map.of(), "t", Map.of()).effective();
        assertEquals("nesterov", two.get("train.outer"));
        assertEquals("0.7", two.get("train.outer.lr"));
        assertEquals("0.9", two.get("train.outer.momentum"));
        assertEquals("bf16", two.get("train.transfer"));
        assertEquals("local", two.get("train.updater.sync"));
        assertEquals("20", two.get("train.averaging.frequency"));
        Map<String, String> sorted = JobConfig.from(Map.of(), "t", Map.of("train.workers", "4",
                "train.partitioning", "by_class")).effective();
        assertEquals("every", sorted.get("train.updater.sync"), "class-sorted shards average Adam's state");
        assertEquals("bf16", sorted.get("train.transfer"));
        Map<String, String> chosen = JobConfig.from(Map.of(), "t", Map.of("train.outer", "average",
                "train.updater.sync", "periodic", "train.transfer", "fp32")).effective();
        assertEquals("average", chosen.get("train.outer"));
        assertEquals("periodic", chosen.get("train.updater.sync"));
        assertEquals("fp32", chosen.get("train.transfer"));
    }

    /** A key added later counts in the hash only when set otherwise than its default, so older runs resume. */
    @Test
    void aKeyAddedLaterLeavesTheHashOfItsDefaultAlone() {
        // one worker: fp32 is the default
        JobConfig plain = JobConfig.from(Map.of(), "test", Map.of("train.workers", "1"));
        JobConfig fp32 = JobConfig.from(Map.of(), "test", Map.of("train.workers", "1", "train.transfer", "fp32"));
        JobConfig bf16 = JobConfig.from(Map.of(), "test", Map.of("train.workers", "1", "train.transfer", "bf16"));
        assertEquals(plain.hash(), fp32.hash());
        assertNotEquals(plain.hash(), bf16.hash());
        assertEquals("fp32", plain.effective().get("train.transfer"));
        // several workers: bf16 is the default now, and a run saved before the key existed (fp32) is not this one
        JobConfig several = JobConfig.from(Map.of(), "test", Map.of());
        assertEquals("bf16", several.effective().get("train.transfer"));
        assertEquals(JobConfig.from(Map.of(), "test", Map.of("train.transfer", "bf16")).hash(), several.hash());
        assertNotEquals(JobConfig.from(Map.of(), "test", Map.of("train.transfer", "fp32")).hash(), several.hash());
    }

    /** A run saved before validation sets and early stopping existed resumes: their defaults leave its hash. */
    @Test
    void runsSavedBeforeValidationSetsExistedResume() {
        Map<String, String> saved = new java.util.TreeMap<>(JobConfig.defaults());
        List.of("data.validation", "data.validation.fraction", "train.early.stop.patience", "eval.test.every.epochs",
                "train.max.minutes").forEach(saved::remove);
        assertEquals(List.of(), JobConfig.from(Map.of(), "test", Map.of()).differencesFrom(saved));
        assertEquals(List.of("data.validation.fraction: 0.0 -> 0.1"), JobConfig.from(Map.of(), "test",
                Map.of("data.validation.fraction", "0.1")).differencesFrom(saved));
    }

    /** conf/job.properties lists every key with the built-in default: they must not drift apart. */
    @Test
    void differencesFromASavedConfigurationNameTheRunDefiningKeys() {
        Map<String, String> saved = new java.util.TreeMap<>(JobConfig.from(Map.of(), "test", Map.of(
                "train.approach", "export", "runtime.threads", "1", "out", "/a")).effective());
        saved.remove("train.transfer"); // a run saved before the key existed
        JobConfig now = JobConfig.from(Map.of(), "test", Map.of("out", "/b", "train.seed", "5"));
        assertEquals(java.util.List.of("train.approach: export -> stream", "train.seed: 42 -> 5",
                "train.transfer: fp32 -> bf16"), now.differencesFrom(saved));
    }

    @Test
    void shippedPropertiesFileListsEveryKeyWithItsDefault() throws Exception {
        String text = Files.readString(Path.of("..", "conf", "job.properties"));
        Matcher m = Pattern.compile("(?m)^# ([a-z0-9.]+) =[ ]?(.*)$").matcher(text);
        Map<String, String> listed = new LinkedHashMap<>();
        while (m.find()) {
            listed.put(m.group(1), m.group(2).trim());
        }
        Map<String, String> defaults = JobConfig.from(Map.of(), "defaults", Map.of()).effective();
        assertEquals(new java.util.TreeMap<>(defaults), new java.util.TreeMap<>(listed));
    }

    /**
     * The test-only failure-injection keys became a hook: configuration files of earlier runs, which name them with
     * 0, still load (and the keys leave the effective configuration); any other value is refused naming the key.
     */
    @Test
    void theRetiredDebugKeysLoadFromOldFilesOnlyAtZero() {
        JobConfig old = JobConfig.from(Map.of("debug.fail.after.rounds", "0", "debug.nan.round", "0"),
                "old/config.properties", Map.of());
        assertTrue(old.effective().keySet().stream().noneMatch(k -> k.startsWith("debug.")), "left out");
        assertEquals(JobConfig.from(Map.of(), "none", Map.of()).hash(), old.hash());
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> JobConfig.from(Map.of(), "none", Map.of("debug.fail.after.rounds", "7")));
        assertTrue(e.getMessage().contains("debug.fail.after.rounds") && e.getMessage().contains("no longer")
                && e.getMessage().contains(JobConfig.RUN_FAULTS_PROPERTY), e.getMessage());
    }

    /**
     * The hash digests every key but the operation section's: each key set to another valid value leaves the hash
     * alone exactly when it is one of the run's locations, timings, threads, precision or evaluation batch.
     */
    @Test
    void theHashCoversEverySectionButOperations() {
        Map<String, String> other = new LinkedHashMap<>();
        other.put("data.train", "/elsewhere");
        other.put("data.test", "/elsewhere-test");
        other.put("data.format", "cifar100");
        other.put("data.cifar100.labels", "coarse");
        other.put("data.image.column", "image");
        other.put("data.label.column", "y");
        other.put("train.epochs", "3");
        other.put("train.workers", "3");
        other.put("train.batch", "32");
        other.put("train.averaging.frequency", "7");
        other.put("train.approach", "export");
        other.put("train.partitioning", "by_class");
        other.put("train.seed", "7");
        other.put("train.lr.scaling", "sqrt");
        other.put("train.lr.warmup.epochs", "1");
        other.put("train.transfer", "fp32");
        other.put("train.updater.sync", "periodic");
        other.put("train.updater.sync.rounds", "3");
        other.put("eval.every.epochs", "2");
        other.put("model.factorised", "true");
        other.put("model.layout", "nchw");
        other.put("model.head", "relu");
        other.put("model.lr", "0.01");
        other.put("model.lr.schedule", "cosine");
        other.put("model.l2", "0.001");
        other.put("bn.decay", "0.5");
        other.put("bn.eps", "0.01");
        other.put("bn.mode", "naive");
        other.put("bn.recompute.samples", "100");
        other.put("train.outer", "momentum");
        other.put("train.outer.lr", "0.5");
        other.put("train.outer.momentum", "0.2");
        Map<String, String> ops = Map.of("out", "/o", "train.export.dir", "/x", "runtime.threads", "1",
                "model.precision", "fp32", "eval.batch", "16", "checkpoint.every.rounds", "2", "checkpoint.keep", "1",
                "run.lock.stale.seconds", "5", "stop.grace.seconds", "1", "eval.test.every.epochs", "2");
        ops = new java.util.TreeMap<>(ops);
        ops.put("train.max.minutes", "45");
        ops.put("model.engine", "layers");
        // these three go together (a path or a fraction, and early stopping only with either): checked below
        List<String> selection = List.of("data.validation", "data.validation.fraction", "train.early.stop.patience");
        assertEquals(JobConfig.defaults().keySet(), new java.util.TreeSet<>(java.util.stream.Stream.of(
                other.keySet().stream(), ops.keySet().stream(), selection.stream()).flatMap(x -> x).toList()),
                "every key is listed here once");
        String base = JobConfig.from(Map.of(), "d", Map.of()).hash();
        other.forEach((k, v) -> assertNotEquals(base, JobConfig.from(Map.of(), "d", Map.of(k, v)).hash(), k));
        ops.forEach((k, v) -> assertEquals(base, JobConfig.from(Map.of(), "d", Map.of(k, v)).hash(), k));
        String validated = JobConfig.from(Map.of(), "d", Map.of("data.validation", "/v")).hash();
        assertNotEquals(base, validated);
        assertNotEquals(base, JobConfig.from(Map.of(), "d", Map.of("data.validation.fraction", "0.2")).hash());
        assertNotEquals(validated, JobConfig.from(Map.of(), "d", Map.of("data.validation", "/v",
                "train.early.stop.patience", "2")).hash());
        JobConfig c = JobConfig.from(Map.of(), "d", other);
        assertEquals("/elsewhere", c.data().train());
        assertEquals(32, c.train().batch());
        assertEquals(OuterStep.MOMENTUM, c.outer().step());
        assertEquals(0.01, c.bn().eps());
        assertEquals(16, JobConfig.from(Map.of(), "d", ops).ops().evalBatch());
    }
}
