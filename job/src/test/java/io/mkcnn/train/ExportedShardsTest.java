package io.mkcnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.config.JobConfig;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.testutil.Records;
import io.mkcnn.testutil.SparkTest;
import io.mkcnn.input.Batches;
import io.mkcnn.input.Shards;
import io.mkcnn.model.MultiKernelNet;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.MultiDataSet;
import scala.Tuple2;

/** Class-sorted shards through DL4J's export path: each worker of a training round sees only its shard's classes. */
class ExportedShardsTest extends SparkTest {
    @TempDir
    Path dir;

    @Test
    void eachWorkerOfARoundTrainsOnlyItsShardsClasses() throws Exception {
        JobConfig cfg = JobConfig.from(Map.of(), "test", Map.of("train.workers", "4", "train.batch", "10",
                "train.averaging.frequency", "2", "train.partitioning", "by_class"));
        JavaRDD<CifarRecord> shards = Shards.byClass(sc.parallelize(Records.synthetic(400, 4), 2), 4);
        BnTrainingMaster master = new RoundTrainer(sc, cfg, MultiKernelNet.create(cfg.networkSpec(),
                cfg.modelOptions(0)), new org.apache.hadoop.fs.Path(dir.resolve("export").toUri())).master();
        master.startEpoch(7, 0, 0);
        JavaRDD<String> paths = master.exportIfRequiredMDS(sc, Batches.training(shards, 10, 10, 7, 1));
        JavaRDD<String>[] splits = master.getSplitRDDs(paths, (int) paths.count(), 10);
        assertTrue(splits.length >= 2, "several rounds: " + splits.length);
        List<Set<Integer>> expected = Records.labelsByPartition(shards);
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
