package io.mkcnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mkcnn.config.JobConfig;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Where epochs end when rounds run on across epoch ends ({@code train.approach=stream}). */
class EpochEndsTest {
    private static List<Integer> ends(int workers, int h, int batch, long records, int epochs) {
        JobConfig cfg = JobConfig.from(Map.of(), "test", Map.of("train.workers", String.valueOf(workers),
                "train.averaging.frequency", String.valueOf(h), "train.batch", String.valueOf(batch)));
        return IntStream.rangeClosed(0, epochs).mapToObj(e -> new EpochRounds(cfg, records).ending(e)).toList();
    }

    @Test
    void eachEpochEndsAtTheRoundBoundaryNearestItsLastRecord() {
        // 640 records, 96 a round: 6.67 rounds an epoch
        assertEquals(List.of(0, 7, 13, 20), ends(2, 3, 16, 640, 3));
        // 40,000 records, 4 workers x 200 x 64 = 51,200 a round: 0.78 rounds an epoch, some epochs end together,
        // and 12 epochs are 9 rounds (460,800 examples, within half a round of 480,000)
        assertEquals(List.of(0, 1, 2, 2, 3, 4, 5, 5, 6, 7, 8, 9, 9), ends(4, 200, 64, 40_000, 12));
        // at least one round, however small the data
        assertEquals(List.of(0, 1, 1), ends(4, 200, 64, 100, 2));
    }
}
