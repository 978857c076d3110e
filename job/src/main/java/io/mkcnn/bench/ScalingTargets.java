package io.mkcnn.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The scaling study's targets, each with the figure that meets it or not. */
final class ScalingTargets {
    private ScalingTargets() {
    }

    /** The study's targets (the outer step against one worker and against averaging, its cost) with their figures. */
    static List<Map<String, Object>> targets(List<Map<String, Object>> rows, String outer) {
        Map<String, Double> acc = new LinkedHashMap<>();
        double maxOuterShare = 0;
        for (Map<String, Object> r : rows) {
            acc.put((String) r.get("name"), (Double) r.get("final_accuracy"));
            if (!((String) r.get("name")).endsWith("-average")) {
                maxOuterShare = Math.max(maxOuterShare, ((Number) r.get("outer_share_of_round_time")).doubleValue());
            }
        }
        List<Map<String, Object>> checks = new ArrayList<>();
        checks.add(check("4 IID workers with " + outer + " within 1.0 point of one worker",
                points(acc.get("w4-iid-" + outer), acc.get("w1-iid")), -1.0));
        checks.add(check("2 IID workers with " + outer + " within 0.5 points of one worker",
                points(acc.get("w2-iid-" + outer), acc.get("w1-iid")), -0.5));
        checks.add(check("4 class-sorted workers: " + outer + " >= 5 points above plain averaging",
                points(acc.get("w4-by_class-" + outer), acc.get("w4-by_class-average")), 5.0));
        Map<String, Object> cost = new LinkedHashMap<>();
        cost.put("target", "outer step <= 2% of round time");
        cost.put("value_percent", 100 * maxOuterShare);
        boolean timed = rows.stream().anyMatch(r -> !((String) r.get("name")).endsWith("-average")
                && !"w1-iid".equals(r.get("name")));
        cost.put("met", timed ? maxOuterShare <= 0.02 : null);
        checks.add(cost);
        return checks;
    }

    /**
     * The sweep's targets: every run within 0.5 points (IID shards) or 1 point (class-sorted) of the run with the
     * smallest H of the same shards under {@code every} state and the same transfer (or, without such a run, the same
     * state and transfer).
     */
    static List<Map<String, Object>> sweepTargets(List<Map<String, Object>> rows) {
        List<Map<String, Object>> checks = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            Map<String, Object> ref = null;
            for (boolean everyOnly : new boolean[] {true, false}) {
                for (Map<String, Object> c : rows) {
                    boolean same = c.get("shards").equals(r.get("shards"))
                            && c.get("transfer").equals(r.get("transfer"))
                            && (everyOnly ? "every".equals(c.get("updater_sync"))
                            : c.get("updater_sync").equals(r.get("updater_sync")));
                    if (same && (ref == null || ((Number) c.get("averaging_frequency")).intValue()
                            < ((Number) ref.get("averaging_frequency")).intValue())) {
                        ref = c;
                    }
                }
                if (ref != null) {
                    break;
                }
            }
            if (ref == null || ref == r) {
                continue;
            }
            double allowed = "iid".equals(r.get("shards")) ? 0.5 : 1.0;
            checks.add(check(r.get("name") + " within " + allowed + " of " + ref.get("name"),
                    points((Double) r.get("final_accuracy"), (Double) ref.get("final_accuracy")), -allowed));
        }
        return checks;
    }

    /** One target as a line: whether it is met, what it asks and the measured figure. */
    static String targetLine(Map<String, Object> t) {
        Object met = t.get("met");
        String value = t.containsKey("value_points")
                ? (t.get("value_points") == null ? "-" : String.format(Locale.ROOT, "%+.2f points",
                        ((Number) t.get("value_points")).doubleValue()))
                : String.format(Locale.ROOT, "%.2f%%", ((Number) t.get("value_percent")).doubleValue());
        return String.format(Locale.ROOT, "%-9s %-72s %s", met == null ? "not run" : Boolean.TRUE.equals(met) ? "met"
                : "NOT MET", t.get("target"), value);
    }

    private static Double points(Double a, Double b) {
        return a == null || b == null ? null : 100 * (a - b);
    }

    private static Map<String, Object> check(String target, Double points, double atLeast) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("target", target);
        m.put("value_points", points);
        m.put("met", points == null ? null : points >= atLeast); // null: a run it compares was not in this study
        return m;
    }
}
