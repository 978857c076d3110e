package io.mkcnn.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.data.SyntheticCifar;
import io.mkcnn.testutil.ChildJvm;
import io.mkcnn.testutil.Cli;
import io.mkcnn.testutil.SparkTest;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * The embedded runtime against a real S3-API server (Adobe's S3Mock, its own process on 127.0.0.1): records read
 * from s3a://, every output written there, a driver killed with SIGKILL resumed from its S3 checkpoints, and an
 * unreachable endpoint reported with the bucket and endpoint in bounded time.
 */
class S3RunTest extends SparkTest {
    private static final Path S3MOCK = Path.of("target/s3mock/s3mock.jar");
    private static final String BUCKET = "mkcnn";
    @TempDir
    static Path tmp;
    static Process server;
    static int port;
    static Map<String, String> s3a = new LinkedHashMap<>();
    static FileSystem fs;

    @BeforeAll
    static void startS3() throws Exception {
        assertTrue(Files.exists(S3MOCK), "copied by the build (process-test-resources): " + S3MOCK.toAbsolutePath());
        port = freePort();
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
                "-jar", S3MOCK.toString(), "--com.adobe.testing.s3mock.httpPort=" + port,
                "--server.port=" + freePort(), "--com.adobe.testing.s3mock.domain.initialBuckets=" + BUCKET,
                "--com.adobe.testing.s3mock.domain.root=" + tmp.resolve("s3root"), "--server.address=127.0.0.1");
        server = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("s3mock.log").toFile())
                .start();
        s3a.put("fs.s3a.endpoint", "http://127.0.0.1:" + port);
        s3a.put("fs.s3a.path.style.access", "true");
        s3a.put("fs.s3a.connection.ssl.enabled", "false");
        s3a.put("fs.s3a.access.key", "test");
        s3a.put("fs.s3a.secret.key", "test");
        // S3Mock answers S3A's conditional reads without the object's ETag; real S3 needs no such setting
        s3a.put("fs.s3a.change.detection.mode", "none");
        s3a.forEach((k, v) -> sc.hadoopConfiguration().set(k, v));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!Files.readString(tmp.resolve("s3mock.log")).contains("Started S3MockApplication")) {
            assertTrue(server.isAlive() && System.nanoTime() < deadline, Files.readString(tmp.resolve("s3mock.log")));
            Thread.sleep(200);
        }
        fs = FileSystem.get(URI.create("s3a://" + BUCKET + "/"), sc.hadoopConfiguration());
        Path data = tmp.resolve("data");
        SyntheticCifar.write(data, 480, 23);
        fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(data.toUri()),
                new org.apache.hadoop.fs.Path("s3a://" + BUCKET + "/my cifar, 1"));
    }

    @AfterAll
    static void stopS3() throws Exception {
        if (server != null) {
            server.destroyForcibly().waitFor();
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static List<String> train(String out) {
        return List.of("train", "--data", "s3a://" + BUCKET + "/my cifar, 1/synthetic_batch_*.bin",
                "--test", "s3a://" + BUCKET + "/my cifar, 1/synthetic_test_batch.bin", "--out", out, "--epochs", "2",
                "--workers", "2", "--set", "train.batch=16", "--set", "train.averaging.frequency=5",
                "--set", "checkpoint.every.rounds=1", "--set", "train.approach=export");
    }

    private static String read(String path) throws Exception {
        try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(path))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static boolean exists(String path) throws Exception {
        return fs.exists(new org.apache.hadoop.fs.Path(path));
    }

    @Test
    void trainsFromS3WritesEveryOutputThereAndResumesAfterSigkill() throws Exception {
        String out = "s3a://" + BUCKET + "/runs/r 1, a";
        ChildJvm child = ChildJvm.main(train(out));
        s3a.forEach((k, v) -> child.property("spark.hadoop." + k, v));
        Path log = tmp.resolve("killed.log");
        Process p = child.start(log);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (!exists(out + "/checkpoints/round-000002/state.json")) {
            assertTrue(p.isAlive() && System.nanoTime() < deadline, Files.readString(log));
            Thread.sleep(100);
        }
        p.destroyForcibly().waitFor(); // SIGKILL
        assertFalse(exists(out + "/model.zip"));
        assertTrue(exists(out + "/" + RunLock.FILE), "a killed run leaves its lock, which the rerun takes over");

        var r = Cli.run(sc, train(out).toArray(new String[0]));
        assertEquals(0, r.getKey(), r.getValue());
        for (String name : List.of("model.zip", "metrics.json", "metrics.jsonl", "report.html", "config.properties",
                "run.json")) {
            assertTrue(exists(out + "/" + name), name);
        }
        assertFalse(exists(out + "/" + RunLock.FILE), "released");
        assertFalse(exists(out + "/_export"), "the killed attempt's exported minibatches removed by the rerun");
        List<String> keys = new ArrayList<>();
        for (String line : read(out + "/metrics.jsonl").split("\n")) {
            Map<?, ?> m = new ObjectMapper().readValue(line, Map.class);
            keys.add(m.get("type") + ":" + m.get("epoch") + ":" + m.get("round"));
        }
        // 480 records / (2 workers x 16 x 5) = 3 rounds an epoch
        assertEquals(List.of("round:1:1", "round:1:2", "round:1:3", "evaluation:1:3", "round:2:4", "round:2:5",
                "round:2:6", "evaluation:2:6"), keys, "every round and evaluation exactly once");

        var e = Cli.run(sc, "evaluate", "--model", out + "/model.zip", "--data",
                "s3a://" + BUCKET + "/my cifar, 1/synthetic_test_batch.bin", "--out", "s3a://" + BUCKET + "/eval");
        assertEquals(0, e.getKey(), e.getValue());
        assertTrue(exists("s3a://" + BUCKET + "/eval/metrics.json"));
        var pr = Cli.run(sc, "predict", "--model", out + "/model.zip", "--data",
                "s3a://" + BUCKET + "/my cifar, 1/synthetic_test_batch.bin", "--out", "s3a://" + BUCKET + "/pred");
        assertEquals(0, pr.getKey(), pr.getValue());
        assertTrue(exists("s3a://" + BUCKET + "/pred/predictions.parquet/_SUCCESS"));
    }

    @Test
    void anUnreachableEndpointIsAClearErrorNamingBucketAndEndpointInBoundedTime() throws Exception {
        Configuration conf = sc.hadoopConfiguration();
        int closed = freePort();
        conf.set("fs.s3a.bucket.nowhere.endpoint", "http://127.0.0.1:" + closed);
        long start = System.nanoTime();
        var r = Cli.run(sc, "train", "--data", "s3a://nowhere/cifar/*.bin", "--test", "s3a://nowhere/test.bin",
                "--out", tmp.resolve("never").toString());
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(1, r.getKey(), r.getValue());
        assertTrue(r.getValue().contains("s3a://nowhere"), r.getValue());
        assertTrue(r.getValue().contains("endpoint http://127.0.0.1:" + closed), r.getValue());
        assertTrue(seconds < 60, "gave up after " + seconds + " s");
        assertFalse(Files.exists(tmp.resolve("never")));
        System.out.println("unreachable endpoint reported after " + seconds + " s: " + r.getValue());
    }

    @Test
    void missingCredentialsAreAClearErrorNamingBucketAndEndpointInBoundedTime() throws Exception {
        // the providers a machine without keys falls back to: environment variables and the instance metadata service
        Configuration conf = sc.hadoopConfiguration();
        conf.set("fs.s3a.bucket.nokeys.endpoint", "http://127.0.0.1:" + port);
        conf.set("fs.s3a.bucket.nokeys.aws.credentials.provider",
                "com.amazonaws.auth.EnvironmentVariableCredentialsProvider,"
                        + "org.apache.hadoop.fs.s3a.auth.IAMInstanceCredentialsProvider");
        long start = System.nanoTime();
        var r = Cli.run(sc, "train", "--data", "s3a://nokeys/cifar/*.bin", "--test", "s3a://nokeys/test.bin",
                "--out", tmp.resolve("never2").toString());
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(2, r.getKey(), r.getValue());
        assertTrue(r.getValue().contains("s3a://nokeys (endpoint http://127.0.0.1:" + port + "): access denied or no "
                + "credentials"), r.getValue());
        assertTrue(seconds < 60, "gave up after " + seconds + " s");
        System.out.println("missing credentials reported after " + seconds + " s: " + r.getValue());
    }

    @Test
    void theRunLockRefusesASecondOwnerOnS3() throws Exception {
        org.apache.hadoop.fs.Path out = new org.apache.hadoop.fs.Path("s3a://" + BUCKET + "/locked");
        try (RunLock first = RunLock.acquire(fs, out, "aaaa", java.time.Duration.ofSeconds(60))) {
            RunLockedException e = org.junit.jupiter.api.Assertions.assertThrows(RunLockedException.class,
                    () -> RunLock.acquire(fs, out, "bbbb", java.time.Duration.ofSeconds(60)));
            assertTrue(e.getMessage().contains("in use by run aaaa"), e.getMessage());
            assertTrue(read(out + "/" + RunLock.FILE).contains(first.owner().token()));
        }
        assertFalse(exists(out + "/" + RunLock.FILE), "released");
        assertFalse(exists(out + "/_export"), "the killed attempt's exported minibatches removed by the rerun");
    }
}
