package io.mkcnn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.data.CifarFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class MetricsTest {

    /** Labels and predictions as one-hot rows of ten classes. */
    private static INDArray oneHot(int... classes) {
        INDArray a = Nd4j.zeros(DataType.FLOAT, classes.length, CifarFormat.NUM_CLASSES);
        for (int i = 0; i < classes.length; i++) {
            a.putScalar(i, classes[i], 1);
        }
        return a;
    }

    @Test
    @SuppressWarnings("unchecked")
    void anEvaluationBecomesAccuracyPerClassFiguresAndTheConfusionMatrix() {
        Evaluation e = new Evaluation(CifarFormat.NUM_CLASSES);
        // airplane: 2 right, 1 taken for a bird; bird: 1 right; cat: 1 taken for an airplane; no other class
        e.eval(oneHot(0, 0, 0, 2, 3), oneHot(0, 0, 2, 2, 0));
        Map<String, Object> m = Metrics.evaluation(e);

        assertEquals(5, m.get("examples"));
        assertEquals(3.0 / 5, (Double) m.get("accuracy"), 1e-12);
        Map<String, Map<String, Object>> perClass = (Map<String, Map<String, Object>>) m.get("per_class");
        assertEquals(CifarFormat.CLASS_NAMES, List.copyOf(perClass.keySet()));
        Map<String, Object> airplane = perClass.get("airplane");
        assertEquals(2.0 / 3, (Double) airplane.get("recall"), 1e-12);
        assertEquals(airplane.get("recall"), airplane.get("accuracy"), "a class's accuracy is its recall");
        assertEquals(2.0 / 3, (Double) airplane.get("precision"), 1e-12, "2 of the 3 airplane predictions");
        assertEquals(3, airplane.get("support"));
        assertEquals(0.5, (Double) perClass.get("bird").get("precision"), 1e-12);
        assertEquals(0.0, (Double) perClass.get("cat").get("recall"), 0.0);
        assertEquals(0L, ((Number) perClass.get("truck").get("support")).longValue(), "no truck in the batch");

        List<List<Integer>> confusion = (List<List<Integer>>) m.get("confusion_matrix");
        assertEquals(10, confusion.size());
        assertEquals(List.of(2, 0, 1, 0, 0, 0, 0, 0, 0, 0), confusion.get(0), "rows are the true class");
        assertEquals(1, confusion.get(3).get(0));
        assertEquals(5, confusion.stream().flatMap(List::stream).mapToInt(Integer::intValue).sum());
    }

    @Test
    void jsonIsCompactOnOneLineOrIndented() {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("a", 1);
        m.put("b", List.of("x", "y"));
        assertEquals("{\"a\":1,\"b\":[\"x\",\"y\"]}", Metrics.toCompactJson(m));
        String indented = Metrics.toJson(m);
        assertTrue(indented.contains("\n") && indented.contains("\"b\" : [ \"x\", \"y\" ]"), indented);
    }
}
