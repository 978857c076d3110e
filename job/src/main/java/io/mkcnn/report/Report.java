package io.mkcnn.report;

import io.mkcnn.eval.Metrics;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * {@code report.html}: one self-contained page (Chart.js inlined, no network needed) with the configuration; the
 * loss per round and smoothed, the validation and test accuracy against minutes with the best validation epoch
 * marked, throughput and BN reconciliation curves; the confusion matrix as a heat map and the per-class metrics of
 * the last evaluation (on the test records where there are).
 */
public final class Report {
    private Report() {
    }

    /**
     * @param title page title (the run id)
     * @param config effective configuration
     * @param classes the class names, in label order
     * @param lines the run's metrics.jsonl lines (type "round" or "evaluation")
     */
    public static String html(String title, Map<String, String> config, List<String> classes,
                              List<Map<String, Object>> lines) {
        String template = resource("report.html");
        return template
                .replace("/*CHART_JS*/", resource("chart.umd.min.js"))
                .replace("__TITLE__", escape(title))
                .replace("/*DATA*/null", Metrics.toJson(Map.of("config", config, "lines", lines,
                        "classes", classes, "curves", Curves.of(lines))).replace("</", "<\\/"));
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String resource(String name) {
        try (InputStream in = Report.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + name, e);
        }
    }
}
