package io.mkcnn.eval;

import io.mkcnn.data.LabelSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;

/** Evaluation results and run figures as JSON-ready maps. */
public final class Metrics {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Metrics() {
    }

    /** Accuracy, per-class accuracy (recall), precision, recall, F1 and the confusion matrix (rows: true class). */
    public static Map<String, Object> evaluation(Evaluation e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("examples", e.getNumRowCounter());
        m.put("accuracy", e.accuracy());
        List<String> names = LabelSet.ofClasses(e.getConfusion().getClasses().size()).names();
        Map<String, Object> perClass = new LinkedHashMap<>();
        for (int c = 0; c < names.size(); c++) {
            Map<String, Object> pc = new LinkedHashMap<>();
            pc.put("accuracy", nanToNull(e.recall(c)));
            pc.put("precision", nanToNull(e.precision(c)));
            pc.put("recall", nanToNull(e.recall(c)));
            pc.put("f1", nanToNull(e.f1(c)));
            pc.put("support", e.getConfusion().getActualTotal(c));
            perClass.put(names.get(c), pc);
        }
        m.put("per_class", perClass);
        List<List<Integer>> confusion = new ArrayList<>();
        for (int t = 0; t < names.size(); t++) {
            List<Integer> row = new ArrayList<>();
            for (int p = 0; p < names.size(); p++) {
                row.add(e.getConfusion().getCount(t, p));
            }
            confusion.add(row);
        }
        m.put("confusion_matrix", confusion);
        return m;
    }

    private static Object nanToNull(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static final ObjectMapper COMPACT = new ObjectMapper();

    /** One-line JSON. */
    public static String toCompactJson(Object value) {
        try {
            return COMPACT.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Indented JSON. */
    public static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
