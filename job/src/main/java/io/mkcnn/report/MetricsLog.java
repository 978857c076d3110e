package io.mkcnn.report;

import io.mkcnn.eval.Metrics;
import io.mkcnn.store.OutputDir;
import java.util.List;
import java.util.Map;

/**
 * {@code metrics.jsonl}: one JSON object per line, {@code "type": "round"} after every averaging round and
 * {@code "type": "evaluation"} after every evaluation. The lines live in the run state (and so in every
 * checkpoint), and the file is rewritten atomically from them, so after a crash and a resume it holds each
 * round and epoch exactly once.
 */
public final class MetricsLog {
    public static final String FILE = "metrics.jsonl";

    private MetricsLog() {
    }

    public static void write(OutputDir out, List<Map<String, Object>> lines) {
        StringBuilder b = new StringBuilder();
        for (Map<String, Object> line : lines) {
            b.append(Metrics.toCompactJson(line)).append('\n');
        }
        out.writeText(FILE, b.toString());
    }
}
