package io.mkcnn.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.data.CifarRecord;
import io.mkcnn.testutil.Records;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

class ShardStreamTest {
    private static final List<CifarRecord> SHARD = Records.synthetic(10, 3);

    private static List<String> ids(List<CifarRecord> records) {
        return records.stream().map(r -> r.source() + "#" + r.index()).toList();
    }

    @Test
    void everyEpochVisitsEachRecordOnceInItsOwnOrderAndMinibatchesSpanEpochEnds() {
        ShardStream s = new ShardStream(SHARD, 5, 1, 4);
        List<String> stream = new ArrayList<>();
        for (int i = 0; i < 10; i++) { // 40 positions: four epochs of 10
            List<CifarRecord> b = s.records(i);
            assertEquals(4, b.size(), "every minibatch is full");
            stream.addAll(ids(b));
        }
        Set<String> all = new HashSet<>(ids(SHARD));
        List<List<String>> epochs = new ArrayList<>();
        for (int e = 0; e < 4; e++) {
            List<String> epoch = stream.subList(e * 10, e * 10 + 10);
            assertEquals(all, new HashSet<>(epoch), "epoch " + e + " is a permutation of the shard");
            epochs.add(epoch);
        }
        assertEquals(4, new HashSet<>(epochs).size(), "each epoch has its own order");
        // minibatch 2 holds positions 8-11: the last two of epoch 0 and the first two of epoch 1
        assertEquals(List.of(epochs.get(0).get(8), epochs.get(0).get(9), epochs.get(1).get(0), epochs.get(1).get(1)),
                ids(s.records(2)));
    }

    @Test
    void aMinibatchDependsOnlyOnTheRecordsSeedPartitionAndIndex() {
        List<CifarRecord> shuffled = new ArrayList<>(SHARD);
        Collections.shuffle(shuffled, new Random(1));
        ShardStream inOrder = new ShardStream(SHARD, 5, 1, 4);
        ShardStream otherInput = new ShardStream(shuffled, 5, 1, 4);
        for (int i = 0; i < 8; i++) {
            inOrder.minibatch(i); // this one has made the minibatches before; the other makes number 7 first
        }
        DataSet a = inOrder.minibatch(7);
        DataSet b = otherInput.minibatch(7);
        assertEquals(a.getFeatures(), b.getFeatures(), "same augmentation whatever was made before");
        assertEquals(a.getLabels(), b.getLabels());
        assertEquals(ids(inOrder.records(7)), ids(otherInput.records(7)));
        // the same records read from elsewhere (other names and positions) make the same minibatches
        List<CifarRecord> elsewhere = shuffled.stream()
                .map(r -> new CifarRecord(r.label(), r.pixels(), "images/" + r.index() + ".png", 0)).toList();
        DataSet c = new ShardStream(elsewhere, 5, 1, 4).minibatch(7);
        assertEquals(a.getFeatures(), c.getFeatures());
        assertEquals(a.getLabels(), c.getLabels());

        assertNotEquals(a.getFeatures(), inOrder.minibatch(8).getFeatures());
        assertNotEquals(ids(inOrder.records(0)), ids(new ShardStream(SHARD, 5, 2, 4).records(0)),
                "another partition, another order");
        assertNotEquals(a.getFeatures(), new ShardStream(SHARD, 6, 1, 4).minibatch(7).getFeatures(),
                "another seed");
        assertTrue(a.getFeatures().shape()[0] == 4 && a.getFeatures().shape()[1] == 3);
    }
}
