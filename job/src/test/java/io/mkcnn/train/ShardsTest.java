package io.mkcnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.config.JobConfig;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.input.Batches;
import io.mkcnn.input.Shards;
import io.mkcnn.testutil.Records;
import io.mkcnn.testutil.SparkTest;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.MultiDataSet;
import scala.Tuple2;

/** Class-sorted shards: their contents, and that each worker of a training round sees only its shard's classes. */
class ShardsTest extends SparkTest {
    @TempDir
    Path dir;

    /** Labels of each partition, by partition index. */
    private static List<Set<Integer>> labelsByPartition(JavaRDD<CifarRecord> rdd) {
        List<Tuple2<Integer, Integer>> pairs = rdd.mapPartitionsWithIndex((p, it) -> {
            List<Tuple2<Integer, Integer>> out = new ArrayList<>();
            it.forEachRemaining(r -> out.add(new Tuple2<>(p, r.label())));
            return out.iterator();
        }, true).collect();
        List<Set<Integer>> labels = new ArrayList<>();
        for (int i = 0; i < rdd.getNumPartitions(); i++) {
            labels.add(new TreeSet<>());
        }
        pairs.forEach(t -> labels.get(t._1()).add(t._2()));
        return labels;
    }

    @Test
    void byLabelPutsEveryLabelWhollyOnOneWorker() {
        List<CifarRecord> records = Records.synthetic(200, 3); // 20 per class
        JavaRDD<CifarRecord> shards = Shards.byLabel(sc.parallelize(records, 3), 4);
        assertEquals(4, shards.getNumPartitions());
        assertEquals(List.of(Set.of(0, 1, 2), Set.of(3, 4), Set.of(5, 6, 7), Set.of(8, 9)), labelsByPartition(shards));
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
                labelsByPartition(shards));
        // every record once, and the same shares whatever the input partitioning
        assertEquals(200, shards.map(r -> r.source() + "#" + r.index()).distinct().count());
        List<List<Long>> a = shards.glom()
                .map(l -> l.stream().map(CifarRecord::index).sorted().collect(Collectors.toList())).collect();
        List<List<Long>> b = Shards.byClass(sc.parallelize(records, 7), 4).glom()
                .map(l -> l.stream().map(CifarRecord::index).sorted().collect(Collectors.toList())).collect();
        assertEquals(a, b);
    }

    @Test
    void eachWorkerOfARoundTrainsOnlyItsShardsClasses() throws Exception {
        JobConfig cfg = JobConfig.from(Map.of(), "test", Map.of("train.workers", "4", "train.batch", "10",
                "train.averaging.frequency", "2", "train.partitioning", "by_class"));
        JavaRDD<CifarRecord> shards = Shards.byClass(sc.parallelize(Records.synthetic(400, 4), 2), 4);
        BnTrainingMaster master = Trainer.master(cfg, new org.apache.hadoop.fs.Path(dir.resolve("export").toUri()));
        master.startEpoch(7, 0, 0);
        JavaRDD<String> paths = master.exportIfRequiredMDS(sc, Batches.training(shards, 10, 7, 1));
        JavaRDD<String>[] splits = master.getSplitRDDs(paths, (int) paths.count(), 10);
        assertTrue(splits.length >= 2, "several rounds: " + splits.length);
        List<Set<Integer>> expected = labelsByPartition(shards);
        for (JavaRDD<String> split : splits) {
            assertEquals(4, split.getNumPartitions());
            List<Tuple2<Integer, Integer>> seen = split.mapPartitionsWithIndex((p, it) -> {
                List<Tuple2<Integer, Integer>> out = new ArrayList<>();
                while (it.hasNext()) {
                    org.apache.hadoop.fs.Path file = io.mkcnn.store.StorePaths.path(it.next());
                    MultiDataSet mds = new MultiDataSet();
                    try (InputStream in = FileSystem.get(file.toUri(), new Configuration()).open(file)) {
                        mds.load(in);
                    }
                    int[] labels = mds.getLabels(0).argMax(1).toIntVector();
                    for (int l : labels) {
                        out.add(new Tuple2<>(p, l));
                    }
                }
                return out.iterator();
            }, true).collect();
            assertTrue(!seen.isEmpty());
            for (Tuple2<Integer, Integer> t : seen) {
                assertTrue(expected.get(t._1()).contains(t._2()), "worker " + t._1() + " got label " + t._2()
                        + ", its shard holds " + expected.get(t._1()));
            }
            // and every worker trains in every round
            assertEquals(4, new TreeSet<>(seen.stream().map(Tuple2::_1).toList()).size(), "workers of " + seen);
        }
        master.deleteTempFiles(sc);
    }
}
