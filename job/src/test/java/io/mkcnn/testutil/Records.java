package io.mkcnn.testutil;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mkcnn.data.CifarRecord;
import io.mkcnn.data.SyntheticCifar;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.api.java.JavaRDD;
import scala.Tuple2;

/** Small synthetic record sets and CIFAR files for tests. */
public final class Records {
    private Records() {
    }

    public static List<CifarRecord> synthetic(int n, long seed) {
        Random rng = new Random(seed);
        List<CifarRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(SyntheticCifar.generate(i % 10, rng, i));
        }
        return out;
    }

    public static Path write(Path file, List<CifarRecord> records) throws IOException {
        Files.createDirectories(file.getParent());
        try (OutputStream out = Files.newOutputStream(file)) {
            for (CifarRecord r : records) {
                out.write(r.toBytes());
            }
        }
        return file;
    }

    /** Asserts that two sets of records are equal in content (labels and pixels), in any order. */
    public static void assertSameContent(List<CifarRecord> expected, List<CifarRecord> got) {
        List<CifarRecord> e = expected.stream().sorted(CifarRecord.CONTENT_ORDER).toList();
        List<CifarRecord> g = got.stream().sorted(CifarRecord.CONTENT_ORDER).toList();
        assertEquals(e.size(), g.size());
        for (int i = 0; i < e.size(); i++) {
            assertEquals(e.get(i).label(), g.get(i).label(), "record " + i);
            assertArrayEquals(e.get(i).pixels(), g.get(i).pixels(), "record " + i);
        }
    }

    /** Labels of each partition, by partition index. */
    public static List<Set<Integer>> labelsByPartition(JavaRDD<CifarRecord> rdd) {
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
}
