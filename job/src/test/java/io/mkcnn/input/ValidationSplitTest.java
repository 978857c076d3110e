package io.mkcnn.input;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.data.CifarRecord;
import io.mkcnn.testutil.Records;
import io.mkcnn.testutil.SparkTest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.Test;

/** The held-out fraction: seeded, stratified by class, disjoint from what is trained on, independent of order. */
class ValidationSplitTest extends SparkTest {
    /** Uneven classes: class c has 30 + 7c records (30 ... 93). */
    private static List<CifarRecord> uneven() {
        List<CifarRecord> all = Records.synthetic(1000, 11);
        Map<Integer, Integer> kept = new TreeMap<>();
        List<CifarRecord> out = new ArrayList<>();
        for (CifarRecord r : all) {
            if (kept.merge(r.label(), 1, Integer::sum) <= 30 + 7 * r.label()) {
                out.add(r);
            }
        }
        return out;
    }

    private static Set<Long> hashes(List<CifarRecord> records) {
        return records.stream().map(CifarRecord::contentHash).collect(Collectors.toSet());
    }

    private static Map<Integer, Long> perClass(List<CifarRecord> records) {
        return new TreeMap<>(records.stream().collect(Collectors.groupingBy(CifarRecord::label,
                Collectors.counting())));
    }

    @Test
    void eachClassLosesItsFractionAndNothingIsInBoth() {
        List<CifarRecord> records = uneven();
        ValidationSplit.Split split = split(sc.parallelize(records, 3).cache(), 0.2, 42);
        List<CifarRecord> train = split.train().collect();
        List<CifarRecord> validation = split.validation().collect();
        assertEquals(records.size(), train.size() + validation.size());
        Map<Integer, Long> all = perClass(records);
        Map<Integer, Long> held = perClass(validation);
        for (int c = 0; c < 10; c++) {
            assertEquals(Math.round(all.get(c) * 0.2), held.get(c), "class " + c + " of " + all.get(c));
        }
        Set<Long> trained = hashes(train);
        assertTrue(hashes(validation).stream().noneMatch(trained::contains), "no record on both sides");
        assertEquals(hashes(records), union(trained, hashes(validation)));
    }

    @Test
    void theSplitFollowsTheSeedAndNotTheOrderOrPartitioning() {
        List<CifarRecord> records = uneven();
        Set<Long> a = hashes(split(sc.parallelize(records, 3), 0.2, 42).validation().collect());
        List<CifarRecord> shuffled = new ArrayList<>(records);
        Collections.shuffle(shuffled, new Random(5));
        Set<Long> b = hashes(split(sc.parallelize(shuffled, 7), 0.2, 42).validation().collect());
        assertEquals(a, b, "the same records in another order and partitioning");
        Set<Long> c = hashes(split(sc.parallelize(records, 3), 0.2, 43).validation().collect());
        assertNotEquals(a, c, "another seed holds out other records");
        assertEquals(a.size(), c.size());
    }

    private static ValidationSplit.Split split(JavaRDD<CifarRecord> records, double fraction, long seed) {
        ValidationSplit.Plan plan = ValidationSplit.plan(records, fraction, 10);
        assertNull(plan.problem());
        return ValidationSplit.split(records, plan, seed);
    }

    @Test
    void aFractionThatLeavesAClassNothingToTrainOnOrHoldsOutNothingIsAProblem() {
        JavaRDD<CifarRecord> ten = sc.parallelize(Records.synthetic(10, 3), 2); // one record per class
        assertEquals("holds out all 1 training records of class 0, leaving none to train on",
                ValidationSplit.plan(ten, 0.6, 10).problem());
        List<CifarRecord> all = Records.synthetic(600, 3); // 60 of each class
        ValidationSplit.Plan nothing = ValidationSplit.plan(sc.parallelize(all, 2), 0.001, 10);
        assertEquals("holds out 0 of the 600 training records (round(n x 0.001) is 0 for each class; the largest has "
                + "60): give at least 0.0084, or validation records of their own (--validation)", nothing.problem());
        assertEquals(1, ValidationSplit.heldOut(60, 0.0084), "the fraction suggested holds out a record");
        assertEquals(0, ValidationSplit.heldOut(60, 0.0083), "and is the smallest of two digits that does");
        List<CifarRecord> fewOfClass5 = new ArrayList<>(all.stream().filter(r -> r.label() < 5).toList());
        fewOfClass5.addAll(all.stream().filter(r -> r.label() == 5).limit(6).toList());
        ValidationSplit.Plan some = ValidationSplit.plan(sc.parallelize(fewOfClass5, 2), 0.01, 10);
        assertNull(some.problem());
        assertEquals(List.of(5), some.classesNotHeldOut(), "round(6 x 0.01) = 0, round(60 x 0.01) = 1");
    }

    @Test
    void theSmallestKeysMergeInOrder() {
        assertArrayEquals(new long[] {-5, 1, 2}, ValidationSplit.smallest(new long[] {1, 4}, new long[] {-5, 2, 9}, 3));
        assertArrayEquals(new long[] {}, ValidationSplit.smallest(new long[] {1}, new long[] {2}, 0));
        assertArrayEquals(new long[] {1, 2}, ValidationSplit.smallest(new long[] {1}, new long[] {2}, 5));
        assertEquals(3, ValidationSplit.heldOut(13, 0.2), "round(2.6)");
    }

    private static Set<Long> union(Set<Long> a, Set<Long> b) {
        Set<Long> u = new HashSet<>(a);
        u.addAll(b);
        return u;
    }
}
