package io.mkcnn.testutil;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * A run's metrics.jsonl as "type:epoch:round" keys, to check that every round and evaluation appears once; its
 * metrics.json.
 */
public final class MetricKeys {
    private MetricKeys() {
    }

    /** A run's metrics.jsonl, each line parsed. */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> lines(Path out) throws IOException {
        List<Map<String, Object>> lines = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            lines.add(new ObjectMapper().readValue(line, Map.class));
        }
        return lines;
    }

    /** A run's metrics.json, parsed. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> summary(Path out) throws IOException {
        return new ObjectMapper().readValue(out.resolve("metrics.json").toFile(), Map.class);
    }

    public static List<String> of(Path out) throws IOException {
        List<String> keys = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            Map<?, ?> m = new ObjectMapper().readValue(line, Map.class);
            keys.add(m.get("type") + ":" + m.get("epoch") + ":" + m.get("round"));
        }
        return keys;
    }
}
