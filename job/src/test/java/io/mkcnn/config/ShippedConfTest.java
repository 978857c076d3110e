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
        JobConfig c = JobConfig.load("../conf/cifar10-45min.properties", Map.of(), Map.of(), problems);
        assertTrue(problems.isEmpty(), problems.toString());
        assertEquals(2, c.train().workers());
        assertEquals(BnMode.RECOMPUTE, c.bn().mode());
        assertEquals(44.0, c.ops().maxMinutes(), "the budget keeps a scheduled run within its 45 minutes");
        // tuned on 40,000 images for 100 epochs: the file trains on 50,000 with the same examples seen
        assertEquals(100 * 40_000, c.train().epochs() * 50_000);
    }
}
