package io.mkcnn.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.cli.Main;
import io.mkcnn.data.SyntheticCifar;
import io.mkcnn.testutil.Faults;
import io.mkcnn.testutil.SparkTest;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real HDFS (MiniDFSCluster): records read from hdfs://, checkpoints written to it, interrupted and resumed; the
 * data and run folders have spaces, a comma, '#', '%' and brackets in their names.
 */
class HdfsRunTest extends SparkTest {
    @TempDir
    static Path local;
    static MiniDFSCluster cluster;
    static String hdfs;
    static FileSystem fs;

    @BeforeAll
    static void startHdfs() throws Exception {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, local.resolve("hdfs").toString());
        cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        cluster.waitActive();
        fs = cluster.getFileSystem();
        hdfs = fs.getUri().toString();
        SyntheticCifar.write(local.resolve("data"), 480, 11);
        fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(local.resolve("data").toUri()),
                new org.apache.hadoop.fs.Path(hdfs + "/my cifar, #1"));
    }

    @AfterAll
    static void stopHdfs() {
        if (cluster != null) {
            cluster.shutdown();
        }
    }

    private static int train(String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--data", hdfs + "/my cifar, #1/synthetic_batch_*.bin",
                "--test", hdfs + "/my cifar, #1/synthetic_test_batch.bin", "--out", hdfs + "/runs/r1 [x] 50%", "--epochs", "2",
                "--workers", "2", "--set", "train.batch=16", "--set", "train.averaging.frequency=5",
                "--set", "checkpoint.every.rounds=1", "--set", "train.approach=export"));
        args.addAll(List.of(extra));
        return Main.runWith(sc, args.toArray(new String[0]));
    }

    @Test
    void trainsFromHdfsCheckpointsToItAndResumesAfterAnInterruption() throws Exception {
        try (Faults.Installed f = Faults.failAfterRound(4)) {
            assertEquals(1, train());
        }
        org.apache.hadoop.fs.Path out = new org.apache.hadoop.fs.Path(hdfs + "/runs/r1 [x] 50%");
        assertTrue(fs.exists(new org.apache.hadoop.fs.Path(out, "checkpoints/round-000004/model.zip")));
        assertFalse(fs.exists(new org.apache.hadoop.fs.Path(out, "model.zip")));

        assertEquals(0, train());
        assertFalse(fs.exists(new org.apache.hadoop.fs.Path(out, "_export")), "exported minibatches removed");
        try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(out, "model.zip"))) {
            ComputationGraph net = ModelSerializer.restoreComputationGraph(in, true);
            assertEquals(10, net.getLayer("head_conv").getParam("W").size(0));
        }
        String jsonl;
        try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(out, "metrics.jsonl"))) {
            jsonl = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        // 480 records / (2 workers x 16 x 5) = 3 rounds an epoch, 2 epochs: rounds 1..6 once each
        for (int r = 1; r <= 6; r++) {
            assertEquals(1, jsonl.split("\"type\":\"round\",\"epoch\":\\d,\"round\":" + r + ",", -1).length - 1,
                    "round " + r + " in\n" + jsonl);
        }
        assertEquals(2, jsonl.split("\"type\":\"evaluation\"", -1).length - 1);
        assertEquals(0, train(), "a finished run is left alone");
    }

    @Test
    void theRunLockIsExclusiveOnHdfs() throws Exception {
        org.apache.hadoop.fs.Path out = new org.apache.hadoop.fs.Path(hdfs + "/runs/locked");
        try (RunLock first = RunLock.acquire(fs, out, "aaaa", java.time.Duration.ofSeconds(60))) {
            RunLockedException e = org.junit.jupiter.api.Assertions.assertThrows(RunLockedException.class,
                    () -> RunLock.acquire(fs, out, "bbbb", java.time.Duration.ofSeconds(60)));
            assertTrue(e.getMessage().contains("in use by run aaaa"), e.getMessage());
        }
        assertFalse(fs.exists(new org.apache.hadoop.fs.Path(out, RunLock.FILE)), "released");
        // a stale lock of another host is taken over
        try (java.io.OutputStream o = fs.create(new org.apache.hadoop.fs.Path(out, RunLock.FILE))) {
            o.write(("{\"run_id\":\"old\",\"host\":\"elsewhere\",\"pid\":1,\"process_start\":\"\","
                    + "\"started\":\"then\",\"token\":\"t\"}").getBytes(StandardCharsets.UTF_8));
        }
        fs.setTimes(new org.apache.hadoop.fs.Path(out, RunLock.FILE), System.currentTimeMillis() - 120_000, -1);
        try (RunLock taken = RunLock.acquire(fs, out, "cccc", java.time.Duration.ofSeconds(60))) {
            assertEquals("cccc", taken.owner().runId());
        }
    }
}
