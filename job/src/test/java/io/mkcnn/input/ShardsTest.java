package io.mkcnn.input;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mkcnn.data.CifarRecord;
import io.mkcnn.testutil.Records;
import io.mkcnn.testutil.SparkTest;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.Test;

/** Class-sorted and label shards: their contents. (Through a training round: train/ExportedShardsTest.) */
class ShardsTest extends SparkTest {
    @Test
    void byLabelPutsEveryLabelWhollyOnOneWorker() {
        List<CifarRecord> records = Records.synthetic(200, 3); // 20 per class
        JavaRDD<CifarRecord> shards = Shards.byLabel(sc.parallelize(records, 3), 4, 10);
        assertEquals(4, shards.getNumPartitions());
        assertEquals(List.of(Set.of(0, 1, 2), Set.of(3, 4), Set.of(5, 6, 7), Set.of(8, 9)),
                Records.labelsByPartition(shards));
        assertEquals(List.of(60, 40, 60, 40), shards.glom().map(List::size).collect());
        assertEquals(200, shards.map(r -> r.source() + "#" + r.index()).distinct().count());
    }

    @Test
    void byClassCutsLabelSortedRecordsIntoEqualContiguousShares() {
        List<CifarRecord> records = Records.synthetic(200, 3); // 20 per class
        JavaRDD<CifarRecord> shards = Shards.byClass(sc.parallelize(records, 3), 4);
        assertEquals(4, shards.getNumPartitions());
        List<Integer> sizes = shards.glom().map(List::size).collect();
        assertEquals(List.of(50, 50, 50, 50), sizes);
        // 2.5 classes per worker: [0,1,2] [2,3,4] [5,6,7] [7,8,9]
        assertEquals(List.of(Set.of(0, 1, 2), Set.of(2, 3, 4), Set.of(5, 6, 7), Set.of(7, 8, 9)),
                Records.labelsByPartition(shards));
        // every record once, and the same shares whatever the input partitioning
        assertEquals(200, shards.map(r -> r.source() + "#" + r.index()).distinct().count());
        List<List<Long>> a = shards.glom()
                .map(l -> l.stream().map(CifarRecord::index).sorted().collect(Collectors.toList())).collect();
        List<List<Long>> b = Shards.byClass(sc.parallelize(records, 7), 4).glom()
                .map(l -> l.stream().map(CifarRecord::index).sorted().collect(Collectors.toList())).collect();
        assertEquals(a, b);
    }

    @Test
    void iidSharesAreEqualMixedAndDependOnlyOnTheRecordsContent() {
        List<CifarRecord> records = Records.synthetic(203, 3);
        JavaRDD<CifarRecord> shards = Shards.iid(sc.parallelize(records, 3), 4);
        assertEquals(List.of(51, 51, 51, 50), shards.glom().map(List::size).collect());
        Records.labelsByPartition(shards).forEach(labels -> assertEquals(10, labels.size(),
                "every share mixes the classes"));
        // the same records under other names, in another order and other input partitions: the same shares
        List<CifarRecord> renamed = new java.util.ArrayList<>();
        for (int i = records.size() - 1; i >= 0; i--) {
            CifarRecord r = records.get(i);
            renamed.add(new CifarRecord(r.label(), r.pixels(), "table.parquet", 1000 + i));
        }
        assertEquals(content(shards), content(Shards.iid(sc.parallelize(renamed, 5), 4)));
        assertEquals(content(Shards.byClass(sc.parallelize(records, 2), 4)),
                content(Shards.byClass(sc.parallelize(renamed, 6), 4)));
    }

    /** Each partition's records as label and content hash, in the partition's order. */
    private static List<List<String>> content(JavaRDD<CifarRecord> shards) {
        return shards.glom().map(l -> l.stream().map(r -> r.label() + ":" + r.contentHash())
                .collect(Collectors.toList())).collect();
    }
}
