package io.mkcnn.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The recipe shipped in conf/ loads as {@code --conf} loads it: a typo would otherwise show only on a user's run. */
class ShippedConfTest {
    @Test
    void recipeIsAValidConfiguration() {
        List<String> problems = new ArrayList<>();
        JobConfig c = JobConfig.load("../conf/cifar10-60min.properties", Map.of(), Map.of(), problems);
        assertTrue(problems.isEmpty(), problems.toString());
        assertEquals(2, c.train().workers());
        assertEquals(BnMode.RECOMPUTE, c.bn().mode());
    }
}
