package io.mkcnn.report;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportTest {

    @Test
    void thePageIsSelfContainedAndCarriesTheRunsData() {
        Map<String, Object> round = Map.of("type", "round", "round", 1, "loss", 2.25);
        String html = Report.html("run <7>", Map.of("train.epochs", "3"), io.mkcnn.data.CifarFormat.CLASS_NAMES,
                List.of(round));
        assertTrue(html.startsWith("<!DOCTYPE html>") || html.startsWith("<!doctype html>"), html.substring(0, 40));
        assertTrue(html.contains("run &lt;7&gt;"), "the title is escaped");
        assertTrue(html.contains("\"train.epochs\" : \"3\""), "the configuration is in the page");
        assertTrue(html.contains("\"loss\" : 2.25"), "the metrics lines are in the page");
        assertTrue(html.contains("\"airplane\""), "the class names are in the page");
        assertTrue(html.length() > 100_000, "Chart.js is inlined");
        assertFalse(html.contains("/*CHART_JS*/") || html.contains("__TITLE__") || html.contains("/*DATA*/"),
                "every placeholder is filled");
        assertFalse(html.contains("src=\"http"), "nothing is fetched from the network");
    }

    @Test
    void dataCannotCloseTheScriptElement() {
        Map<String, Object> line = Map.of("type", "evaluation", "note", "</script><script>alert(1)");
        String html = Report.html("r", Map.of(), io.mkcnn.data.CifarFormat.CLASS_NAMES, List.of(line));
        assertFalse(html.contains("</script><script>alert"), "a value cannot end the data's script element");
        assertTrue(html.contains("<\\/script>"));
    }
}
