package io.mkcnn.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.bn.BnMode;
import io.mkcnn.cli.InvalidConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class JobConfigTest {

    @Test
    void commandLineOverridesFileOverridesDefaults() {
        JobConfig c = JobConfig.from(Map.of("train.epochs", "5", "bn.mode", "naive"), "my.properties",
                Map.of("train.epochs", "7"));
        assertEquals(7, c.epochs());
        assertEquals(BnMode.NAIVE, c.bnMode());
        assertEquals(64, c.batchPerWorker());
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

    /** A key added later counts in the hash only when set otherwise than its default, so older runs resume. */
    @Test
    void aKeyAddedLaterLeavesTheHashOfItsDefaultAlone() {
        JobConfig plain = JobConfig.from(Map.of(), "test", Map.of());
        JobConfig fp32 = JobConfig.from(Map.of(), "test", Map.of("train.transfer", "fp32"));
        JobConfig bf16 = JobConfig.from(Map.of(), "test", Map.of("train.transfer", "bf16"));
        assertEquals(plain.hash(), fp32.hash());
        assertNotEquals(plain.hash(), bf16.hash());
        assertEquals("fp32", plain.effective().get("train.transfer"));
    }

    /** conf/job.properties lists every key with the built-in default: they must not drift apart. */
    @Test
    void differencesFromASavedConfigurationNameTheRunDefiningKeys() {
        Map<String, String> saved = new java.util.TreeMap<>(JobConfig.from(Map.of(), "test", Map.of(
                "train.approach", "export", "runtime.threads", "1", "out", "/a")).effective());
        saved.remove("train.transfer"); // a run saved before the key existed
        JobConfig now = JobConfig.from(Map.of(), "test", Map.of("out", "/b", "train.seed", "5"));
        assertEquals(java.util.List.of("train.approach: export -> stream", "train.seed: 42 -> 5"),
                now.differencesFrom(saved));
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
}
