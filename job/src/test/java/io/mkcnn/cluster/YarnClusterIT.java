package io.mkcnn.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.data.SyntheticCifar;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.apache.hadoop.yarn.server.resourcemanager.rmapp.RMApp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * The job on YARN: an in-process YARN cluster (one ResourceManager, one NodeManager) and HDFS from
 * {@code hadoop-client-minicluster}, as Spark's own YARN tests start them. The job is submitted through
 * {@code ./submit.sh --master yarn} with {@code conf/spark-yarn.conf}, data and outputs on HDFS, the runtime's jars
 * given to the containers as {@code local:} paths instead of uploaded. Of that file, the serializer, the Java 17 and
 * DL4J flags of the driver and executors, the metrics plugin and sink, the task retries and the environment lines
 * are used as they are; the executor and driver sizes are replaced (the file's 4 x 8 GB do not fit this machine,
 * and the mini cluster's NodeManager offers 4 GB), and {@code spark.yarn.maxAppAttempts} (1 in the file) is 2 for
 * the killed-ApplicationMaster case.
 */
class YarnClusterIT {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path RUNTIME = ROOT.resolve("job/target/runtime");
    @TempDir
    static Path tmp;
    private static MiniDFSCluster dfs;
    private static MiniYARNCluster yarn;
    private static FileSystem hdfs;
    private static String hdfsUri;

    @BeforeAll
    static void startClusters() throws Exception {
        assertTrue(Files.isDirectory(RUNTIME.resolve("jars")), "run after mvn package: " + RUNTIME);
        Configuration conf = new YarnConfiguration();
        conf.set("hadoop.tmp.dir", tmp.resolve("hadoop").toString());
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("dfs").toString());
        dfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        dfs.waitActive();
        hdfsUri = dfs.getURI().toString();
        conf.set("fs.defaultFS", hdfsUri);
        // as Spark's YARN tests: no disk-full check, and the capacity scheduler's queue the minicluster jar lacks
        conf.set("yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", "100.0");
        conf.set("yarn.scheduler.capacity.root.queues", "default");
        conf.setInt("yarn.scheduler.capacity.root.default.capacity", 100);
        conf.setFloat("yarn.scheduler.capacity.root.default.user-limit-factor", 1);
        conf.setInt("yarn.scheduler.capacity.root.default.maximum-capacity", 100);
        conf.set("yarn.scheduler.capacity.root.default.state", "RUNNING");
        conf.set("yarn.scheduler.capacity.root.default.acl_submit_applications", "*");
        conf.set("yarn.scheduler.capacity.root.default.acl_administer_queue", "*");
        conf.setInt("yarn.scheduler.capacity.node-locality-delay", -1);
        conf.set("yarn.resourcemanager.hostname", "localhost");
        conf.setInt("yarn.nodemanager.resource.cpu-vcores", 4);
        conf.setInt("yarn.scheduler.minimum-allocation-mb", 256);
        conf.setInt("yarn.scheduler.maximum-allocation-mb", 8_192);
        conf.setBoolean("yarn.nodemanager.vmem-check-enabled", false);
        conf.setBoolean("yarn.nodemanager.pmem-check-enabled", false);
        conf.setInt("yarn.resourcemanager.am.max-attempts", 2);
        yarn = new MiniYARNCluster("mkcnn", 1, 1, 1);
        yarn.init(conf);
        yarn.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (yarn.getConfig().get(YarnConfiguration.RM_ADDRESS).endsWith(":0")) {
            assertTrue(System.nanoTime() < deadline, "the ResourceManager's address");
            Thread.sleep(100);
        }
        hdfs = FileSystem.get(java.net.URI.create(hdfsUri), conf);
        Path data = tmp.resolve("data");
        SyntheticCifar.write(data, 1280, 5);
        hdfs.copyFromLocalFile(new org.apache.hadoop.fs.Path(data.toUri()),
                new org.apache.hadoop.fs.Path(hdfsUri + "/data"));
    }

    @AfterAll
    static void stopClusters() throws IOException {
        if (yarn != null) {
            yarn.stop();
        }
        if (hdfs != null) {
            hdfs.close();
        }
        if (dfs != null) {
            dfs.shutdown();
        }
    }

    /**
     * The Spark properties of a YARN submission: {@code conf/spark-yarn.conf}, then the sizes this machine fits and
     * the mini cluster's addresses.
     */
    private static Path sparkConf(String name, Map<String, String> extra) throws IOException {
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(ROOT.resolve("conf/spark-yarn.conf"))) {
            p.load(in);
        }
        p.setProperty("spark.executor.instances", "2");
        p.setProperty("spark.executor.cores", "1");
        p.setProperty("spark.task.cpus", "1");
        // the mini cluster's NodeManager offers 4 GB whatever it is told, and does not enforce the sizes: requests
        // small enough for the driver and two executors to fit (ND4J's native arrays are outside them)
        p.setProperty("spark.executor.memory", "512m");
        p.setProperty("spark.executor.memoryOverhead", "384m");
        p.setProperty("spark.driver.memory", "768m");
        p.setProperty("spark.driver.memoryOverhead", "384m");
        p.setProperty("spark.yarn.am.memory", "512m");
        p.setProperty("spark.yarn.am.memoryOverhead", "384m");
        p.setProperty("spark.yarn.jars", "local:" + RUNTIME.resolve("jars") + "/*");
        String javaHome = System.getProperty("java.home");
        p.setProperty("spark.yarn.appMasterEnv.JAVA_HOME", javaHome);
        p.setProperty("spark.executorEnv.JAVA_HOME", javaHome);
        p.setProperty("spark.yarn.am.extraJavaOptions", p.getProperty("spark.executor.extraJavaOptions"));
        for (Map.Entry<String, String> e : yarn.getConfig()) {
            p.setProperty("spark.hadoop." + e.getKey(), e.getValue());
        }
        p.setProperty("spark.hadoop.fs.defaultFS", hdfsUri);
        // the mini cluster maps racks with a test class the containers do not have
        p.setProperty("spark.hadoop.net.topology.node.switch.mapping.impl", "org.apache.hadoop.net.ScriptBasedMapping");
        p.putAll(extra);
        // Spark's own format (key, spaces, value), which submit.sh reads too; Properties.store would escape '=' and ':'
        Path file = tmp.resolve(name + ".conf");
        try (Writer w = Files.newBufferedWriter(file)) {
            for (String k : new java.util.TreeSet<>(p.stringPropertyNames())) {
                w.write(k + " " + p.getProperty(k) + "\n");
            }
        }
        return file;
    }

    private static Process submit(String deployMode, String out, Path log, Map<String, String> extra)
            throws IOException {
        return submit(deployMode, out, log, extra, hdfsUri + "/data/synthetic_batch_*.bin");
    }

    private static Process submit(String deployMode, String out, Path log, Map<String, String> extra, String data,
            String... more) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("submit.sh").toString(), "--master", "yarn",
                "--deploy-mode", deployMode, "train", "--data", data, "--test",
                hdfsUri + "/data/synthetic_test_batch.bin", "--out", hdfsUri + out, "--epochs", "2", "--set",
                "train.batch=32", "--set", "train.averaging.frequency=5", "--set", "checkpoint.every.rounds=1"));
        cmd.addAll(List.of(more));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("MKCNN_SPARK_CONF", sparkConf(deployMode + out.replace('/', '-'), extra).toString());
        Path hadoopConf = Files.createDirectories(tmp.resolve("hadoop-conf"));
        pb.environment().put("HADOOP_CONF_DIR", hadoopConf.toString());
        pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        return pb.start();
    }

    /** The rounds of {@code out}'s metrics.jsonl, in order. */
    private static List<Integer> rounds(String out) throws IOException {
        List<Integer> rounds = new ArrayList<>();
        try (var in = hdfs.open(new org.apache.hadoop.fs.Path(hdfsUri + out + "/metrics.jsonl"))) {
            for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                Map<?, ?> m = new ObjectMapper().readValue(line, Map.class);
                if ("round".equals(m.get("type"))) {
                    rounds.add(((Number) m.get("round")).intValue());
                }
            }
        }
        return rounds;
    }

    private static RMApp newestApplication() {
        return yarn.getResourceManager().getRMContext().getRMApps().values().stream()
                .max(java.util.Comparator.comparingLong(RMApp::getStartTime)).orElseThrow();
    }

    /**
     * A failure the job names (exit codes 2, 3, 4, 6) ends the application in its first attempt, although two are
     * allowed: FAILED, with the job's message as YARN's diagnostics. {@code more} makes the submission fail.
     */
    private static void assertEndsAtOnce(String name, String expected, String data, String... more)
            throws Exception {
        Path log = tmp.resolve(name + ".log");
        Process p = submit("cluster", "/runs/" + name, log, Map.of("spark.yarn.maxAppAttempts", "2"), data, more);
        assertTrue(p.waitFor(4, TimeUnit.MINUTES), "the submission ends");
        assertTrue(p.exitValue() != 0, "spark-submit reports the failure: " + Files.readString(log));
        RMApp app = newestApplication();
        String diagnostics = String.valueOf(app.getDiagnostics());
        assertEquals("FAILED", String.valueOf(app.getFinalApplicationStatus()), diagnostics);
        assertEquals(1, app.getAppAttempts().size(), "no second attempt: " + diagnostics);
        assertTrue(diagnostics.contains(expected), diagnostics);
    }

    /** Before the SparkContext exists (when Spark's ApplicationMaster has not registered the attempt yet). */
    @Test
    void aConfigurationErrorFailsTheApplicationWithoutRetry() throws Exception {
        assertEndsAtOnce("bad-config", "exit code 2: error: invalid configuration or arguments:\n"
                + "  train.batch=0 (command line): expected an integer between 1 and 65536",
                hdfsUri + "/data/synthetic_batch_*.bin", "--set", "train.batch=0");
    }

    /** After the SparkContext started: the input is checked on the driver once Spark runs. */
    @Test
    void anInputErrorFailsTheApplicationWithoutRetry() throws Exception {
        assertEndsAtOnce("bad-input", "exit code 3: error: invalid input data: " + hdfsUri
                + "/missing/*.bin: no such file or directory", hdfsUri + "/missing/*.bin");
    }

    @Test
    void clientModeTrainsOnHdfsWithEveryRoundOnce() throws Exception {
        Path log = tmp.resolve("client.log");
        Process p = submit("client", "/runs/client", log, Map.of());
        assertTrue(p.waitFor(6, TimeUnit.MINUTES), "the submission ends");
        assertEquals(0, p.exitValue(), Files.readString(log));
        List<Integer> rounds = rounds("/runs/client");
        assertEquals(java.util.stream.IntStream.rangeClosed(1, rounds.size()).boxed().toList(), rounds);
        assertTrue(hdfs.exists(new org.apache.hadoop.fs.Path(hdfsUri + "/runs/client/model.zip")));
    }

    /**
     * Cluster mode, data and outputs on HDFS, and the ApplicationMaster (the driver) killed with SIGKILL once a
     * checkpoint is there: YARN starts a second attempt, which resumes from the checkpoint and finishes the run with
     * every round once and the application SUCCEEDED. (This is the cluster-mode run: an uninterrupted one would
     * repeat its first attempt and its end, and the failing submissions below are cluster mode too.)
     */
    @Test
    void clusterModeTrainsOnHdfsAndAKilledApplicationMasterIsRetriedAndResumes() throws Exception {
        Path log = tmp.resolve("killed.log");
        Process p = submit("cluster", "/runs/killed", log, Map.of("spark.yarn.maxAppAttempts", "2"));
        org.apache.hadoop.fs.Path checkpoints = new org.apache.hadoop.fs.Path(hdfsUri + "/runs/killed/checkpoints");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (!(hdfs.exists(checkpoints) && hdfs.listStatus(checkpoints).length > 0)) {
            assertTrue(p.isAlive() && System.nanoTime() < deadline, "a checkpoint before the end: "
                    + Files.readString(log));
            Thread.sleep(200);
        }
        // the container's JVM, not the shell that launched it
        List<ProcessHandle> masters = ProcessHandle.allProcesses()
                .filter(h -> h.info().command().orElse("").endsWith("/java") && h.info().arguments()
                .map(x -> String.join(" ", x)).orElse("").contains("org.apache.spark.deploy.yarn.ApplicationMaster"))
                .toList();
        assertEquals(1, masters.size(), "one ApplicationMaster JVM");
        masters.get(0).destroyForcibly();
        assertTrue(p.waitFor(6, TimeUnit.MINUTES), "the submission ends");
        assertEquals(0, p.exitValue(), Files.readString(log));
        List<Integer> rounds = rounds("/runs/killed");
        assertEquals(java.util.stream.IntStream.rangeClosed(1, rounds.size()).boxed().toList(), rounds,
                "every round once across the attempts");
        assertTrue(rounds.size() >= 4, "rounds " + rounds);
        RMApp app = newestApplication();
        assertEquals(2, app.getAppAttempts().size(), "YARN ran a second attempt");
        assertEquals("SUCCEEDED", String.valueOf(app.getFinalApplicationStatus()));
        assertTrue(hdfs.exists(new org.apache.hadoop.fs.Path(hdfsUri + "/runs/killed/model.zip")));
    }
}
