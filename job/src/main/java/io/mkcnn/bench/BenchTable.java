package io.mkcnn.bench;

import io.mkcnn.runtime.NativeRuntime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The benchmark's printed table: one row per measurement, with its bound and the fraction of it reached. */
final class BenchTable {
    private static final Logger LOG = LoggerFactory.getLogger(Benchmark.class);
    private final List<Map<String, Object>> rows = new ArrayList<>();

    Map<String, Object> result(String what, boolean factorised, int batch, double examplesPerSecond,
                                       double bound, Map<String, Object> split) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("what", what);
        m.put("model", factorised ? "factorised" : "standard");
        m.put("batch", batch);
        m.put("precision", NativeRuntime.precision().name().toLowerCase(java.util.Locale.ROOT));
        m.put("examples_per_second", examplesPerSecond);
        m.put("ceiling_bound_examples_per_second", bound);
        m.put("fraction_of_ceiling", examplesPerSecond / bound);
        if (split != null) {
            m.put("round", split);
        }
        LOG.info("{} {} batch {}: {} examples/s ({}% of the ceiling bound {})", what, m.get("model"), batch,
                String.format("%.1f", examplesPerSecond), String.format("%.0f", 100 * examplesPerSecond / bound),
                String.format("%.0f", bound));
        row(what + " " + m.get("model") + " b" + batch, (String) m.get("precision"), examplesPerSecond, bound,
                examplesPerSecond / bound);
        return m;
    }

    void row(String what, String precision, double value, double bound, double fraction) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("what", what);
        r.put("precision", precision);
        r.put("value", value);
        r.put("bound", bound);
        r.put("fraction", fraction);
        rows.add(r);
    }

    String table() {
        StringBuilder b = new StringBuilder(String.format("%-40s %-9s %12s %12s %9s%n", "measurement", "precision",
                "value", "bound", "of bound"));
        for (Map<String, Object> r : rows) {
            double bound = (double) r.get("bound");
            b.append(String.format("%-40s %-9s %12.1f %12s %9s%n", r.get("what"), r.get("precision"),
                    (double) r.get("value"),
                    Double.isNaN(bound) ? "" : String.format("%.1f", bound),
                    Double.isNaN(bound) ? "" : String.format("%.0f%%", 100 * (double) r.get("fraction"))));
        }
        return b.toString();
    }
}
