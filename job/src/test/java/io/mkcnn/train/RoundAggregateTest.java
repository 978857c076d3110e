package io.mkcnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.bn.BnMoments;
import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The round's sums of bf16 changes: what the driver makes of them, and what a task's partial sum weighs. */
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
        return new RoundResult(null, change, null, 1.0, new BnMoments(), 16, 1, 1, "w", "fp32");
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
}
