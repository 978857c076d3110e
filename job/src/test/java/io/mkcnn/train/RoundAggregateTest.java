package io.mkcnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.bn.BnMoments;
import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The round's aggregate as Spark's treeAggregate builds it: workers' results added into partial aggregates,
 * partials merged in any grouping, the same figures whichever way; what the driver makes of bf16 changes, and
 * what a task's partial sum weighs.
 */
class RoundAggregateTest {
    private static final int N = 10_000;

    private static short[] change(long seed) {
        Random rng = new Random(seed);
        float[] c = new float[N];
        for (int i = 0; i < N; i++) {
            c[i] = (float) (rng.nextGaussian() * 1e-3);
        }
        return Bf16Changes.encode(c, new float[N]);
    }

    private static RoundResult result(short[] change) {
        return new RoundResult(null, change, null, 1.0, new BnMoments(), 16, 1, 1, "w", "fp32", "fused");
    }

    private static int serializedBytes(Object o) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        return bytes.size();
    }

    @Test
    void theDriverAddsTheMeanChangeToTheStartInAnyMergeOrder() {
        short[][] changes = {change(1), change(2), change(3)};
        INDArray start = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, N);
        float[] expected = new float[N];
        for (short[] c : changes) {
            Bf16Changes.addTo(c, expected);
        }
        float[] s = start.toFloatVector();
        for (int i = 0; i < N; i++) {
            expected[i] = s[i] + expected[i] / 3;
        }
        // ((a + b) + c) and (a + (b + c)): the tree's shape does not matter
        RoundAggregate left = RoundAggregate.merge(RoundAggregate.add(RoundAggregate.add(new RoundAggregate(),
                result(changes[0])), result(changes[1])), RoundAggregate.add(new RoundAggregate(), result(changes[2])));
        RoundAggregate right = RoundAggregate.merge(RoundAggregate.add(new RoundAggregate(), result(changes[0])),
                RoundAggregate.merge(RoundAggregate.add(new RoundAggregate(), result(changes[1])),
                        RoundAggregate.add(new RoundAggregate(), result(changes[2]))));
        for (RoundAggregate agg : new RoundAggregate[] {left, right}) {
            assertEquals(3, agg.results());
            assertArrayEquals(expected, agg.averageParams(start).toFloatVector(), 1e-7f);
        }
        assertArrayEquals(new long[] {1, N}, left.averageParams(start).shape());
    }

    @Test
    void oneWorkersPartialAggregateTravelsInSixteenBits() throws Exception {
        RoundAggregate one = RoundAggregate.add(new RoundAggregate(), result(change(4)));
        int bytes = serializedBytes(one);
        assertTrue(bytes >= 2 * N && bytes < 2 * N + 2_000, bytes + " bytes for " + N + " values");
        RoundAggregate two = RoundAggregate.add(one, result(change(5)));
        assertTrue(serializedBytes(two) >= 4 * N, "two are summed in fp32");
    }


    private static BnMoments moments(double mean) {
        BnMoments m = new BnMoments();
        m.layer("stem_bn", 2).addGroup(10, new double[] {mean, -mean}, new double[] {1, 2});
        return m;
    }

    /** An fp32 worker result with parameters {@code p}, updater state {@code 10 p}, score and counts from it. */
    private static RoundResult fp32(float p, String worker) {
        return new RoundResult(Nd4j.createFromArray(p, 2 * p), Nd4j.createFromArray(10 * p), p, moments(p),
                (long) (100 * p), (long) p, (long) (1000 * p), worker, "bf16",
                p > 1 ? "fused" : "layers");
    }

    private static RoundResult bf16(float[] change, String worker) {
        return new RoundResult(null, Bf16Changes.encode(change, new float[change.length]),
                Nd4j.createFromArray(1f), 1.0, new BnMoments(), 64, 2, 5, worker, "fp32", "fused");
    }

    @Test
    void addsAndMergesWorkersResultsIntoMeans() {
        // one partial with two workers, one with one, one empty (a task whose shard had no data)
        RoundAggregate a = RoundAggregate.add(RoundAggregate.add(new RoundAggregate(), fp32(1, "1@h")), fp32(2, "2@h"));
        RoundAggregate b = RoundAggregate.add(new RoundAggregate(), fp32(6, "3@h"));
        RoundAggregate empty = RoundAggregate.add(new RoundAggregate(), new RoundResult(null, null, 0, new BnMoments(),
                0, 0, 0, "4@h", "bf16", "fused"));
        RoundAggregate all = RoundAggregate.merge(RoundAggregate.merge(empty, a), b);

        assertEquals(3, all.results(), "the worker without data is not counted");
        assertArrayEquals(new float[] {3, 6}, all.averageParams().toFloatVector(), 0f);
        assertArrayEquals(new float[] {30}, all.averageUpdaterState().toFloatVector(), 0f);
        assertEquals(3.0, all.averageScore(), 1e-12);
        assertEquals(900, all.examples());
        assertEquals(3.0, all.meanBatches(), 1e-12);
        assertEquals(6000, all.fitNanosMax(), "the round waits for its slowest worker");
        assertEquals(Map.of("1@h", "bf16", "2@h", "bf16", "3@h", "bf16"), all.precisions());
        assertEquals(Map.of("1@h", "layers", "2@h", "fused", "3@h", "fused"), all.engines());
        assertEquals(30, all.moments().layers().get("stem_bn").count(), 0.0);
        assertEquals(3.0, all.moments().layers().get("stem_bn").mean()[0], 1e-12);
    }

    @Test
    void nothingReturnedMeansNoAverage() {
        RoundAggregate none = RoundAggregate.merge(new RoundAggregate(), new RoundAggregate());
        assertEquals(0, none.results());
        assertNull(none.averageParams());
        assertNull(none.averageUpdaterState());
        assertTrue(Double.isNaN(none.averageScore()));
        assertEquals(0.0, none.meanBatches(), 0.0);
    }

    /** bf16 changes: the mean change is added to the round's start, however the changes were grouped. */
    @Test
    void bf16ChangesAverageOntoTheStartInAnyGrouping() {
        float[] c1 = {0.5f, -1f, 0.25f};
        float[] c2 = {1.5f, 1f, 0.75f};
        float[] c3 = {1f, 3f, -1f};
        var start = Nd4j.createFromArray(10f, 20f, 30f);
        float[] expected = {10 + 1f, 20 + 1f, 30 + 0f};

        RoundAggregate one = RoundAggregate.add(new RoundAggregate(), bf16(c1, "1@h"));
        assertArrayEquals(new float[] {10.5f, 19f, 30.25f}, one.averageParams(start).toFloatVector(), 0f,
                "a single worker's change as it came");

        RoundAggregate left = RoundAggregate.merge(
                RoundAggregate.add(RoundAggregate.add(new RoundAggregate(), bf16(c1, "1@h")), bf16(c2, "2@h")),
                RoundAggregate.add(new RoundAggregate(), bf16(c3, "3@h")));
        RoundAggregate right = RoundAggregate.merge(RoundAggregate.add(new RoundAggregate(), bf16(c1, "1@h")),
                RoundAggregate.merge(RoundAggregate.add(new RoundAggregate(), bf16(c2, "2@h")),
                        RoundAggregate.add(new RoundAggregate(), bf16(c3, "3@h"))));
        assertArrayEquals(expected, left.averageParams(start).toFloatVector(), 0f);
        assertArrayEquals(expected, right.averageParams(start).toFloatVector(), 0f);
        assertArrayEquals(expected, left.averageParams(start).toFloatVector(), 0f, "reading leaves the sum as it was");
        assertEquals(3, left.results());
    }
}
