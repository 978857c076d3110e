package io.mkcnn.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.data.SyntheticCifar;
import io.mkcnn.testutil.MetricKeys;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * A real Spark standalone cluster on 127.0.0.1, started from the local runtime's jars: a Master and two Workers,
 * each its own JVM, executors in JVMs of their own. The job is submitted through {@code ./submit.sh --master
 * spark://...}; one executor is killed with SIGKILL in the middle of a round, and the job must still finish all
 * its rounds. Everything started is stopped by process id, also when the test fails.
 */
class StandaloneClusterIT {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path RUNTIME = ROOT.resolve("job/target/runtime");
    private static final List<ProcessHandle> STARTED = new ArrayList<>();
    @TempDir
    static Path tmp;
    static int masterPort;
    static int webPort;
    static int driverUiPort;

    @BeforeAll
    static void startCluster() throws Exception {
        assertTrue(Files.isDirectory(RUNTIME.resolve("jars")), "run after mvn package: " + RUNTIME);
        Files.write(RUNTIME.resolve("RELEASE"), new byte[0]);
        masterPort = freePort();
        webPort = freePort();
        daemon("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
                String.valueOf(masterPort), "--webui-port", String.valueOf(webPort));
        waitFor(() -> masterJson() != null, "master web UI");
        for (int i = 1; i <= 2; i++) {
            daemon("worker" + i, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1",
                    "--memory", "3g", "--webui-port", String.valueOf(freePort()),
                    "--work-dir", tmp.resolve("work" + i).toString(), "spark://127.0.0.1:" + masterPort);
        }
        waitFor(() -> aliveWorkers() == 2, "two alive workers");
        driverUiPort = freePort();
    }

    @AfterAll
    static void stopCluster() {
        for (ProcessHandle p : STARTED) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (ProcessHandle p : STARTED) {
            p.onExit().orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> null).join();
        }
    }

    private static void daemon(String name, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx512m"));
        cmd.addAll(opens());
        cmd.addAll(List.of("-cp", RUNTIME.resolve("jars") + "/*", mainClass));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(tmp.resolve(name + ".log").toFile());
        pb.environment().put("SPARK_HOME", RUNTIME.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.12");
        STARTED.add(pb.start().toHandle());
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static List<String> opens() {
        return java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens")).toList();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> masterJson() {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + webPort + "/json/")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? new ObjectMapper().readValue(r.body(), Map.class) : null;
        } catch (Exception e) {
            return null;
        }
    }

    @SuppressWarnings("unchecked")
    private static long aliveWorkers() {
        Map<String, Object> m = masterJson();
        return m == null ? 0 : ((List<Map<String, Object>>) m.get("workers")).stream()
                .filter(w -> "ALIVE".equals(w.get("state"))).count();
    }

    private static void waitFor(java.util.function.BooleanSupplier ok, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!ok.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(250);
        }
    }

    /** Executor JVMs (CoarseGrainedExecutorBackend) under the workers. */
    private static List<ProcessHandle> executors() {
        return STARTED.stream().flatMap(ProcessHandle::descendants)
                .filter(p -> p.info().arguments().map(a -> String.join(" ", a)).orElse("")
                        .contains("CoarseGrainedExecutorBackend")).toList();
    }

    /** The {@code --executor-id} an executor JVM was started with. */
    private static String executorId(ProcessHandle executor) {
        String[] args = executor.info().arguments().orElse(new String[0]);
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("--executor-id")) {
                return args[i + 1];
            }
        }
        return "";
    }

    /**
     * Polls the driver's status API until a task has just started on an executor; returns that executor's id. A
     * task that started less than {@link #FRESH_TASK_MILLIS} ago still has most of its run ahead, so killing its
     * executor fails it; an executor merely reported busy may already be between tasks (the API lags the tasks).
     */
    @SuppressWarnings("unchecked")
    private static String waitForBusyExecutor(Process driver) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        ObjectMapper json = new ObjectMapper();
        String api = "http://127.0.0.1:" + driverUiPort + "/api/v1/applications";
        java.time.format.DateTimeFormatter launch = java.time.format.DateTimeFormatter
                .ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'GMT'").withZone(java.time.ZoneOffset.UTC);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (driver.isAlive() && System.nanoTime() < deadline) {
            try {
                List<Map<String, Object>> apps = json.readValue(get(http, api), List.class);
                String app = api + "/" + apps.get(0).get("id");
                List<Map<String, Object>> stages = json.readValue(get(http, app + "/stages?status=active"),
                        List.class);
                for (Map<String, Object> stage : stages) {
                    List<Map<String, Object>> tasks = json.readValue(get(http, app + "/stages/"
                            + stage.get("stageId") + "/" + stage.get("attemptId") + "/taskList?length=1000"),
                            List.class);
                    for (Map<String, Object> t : tasks) {
                        long age = java.time.Instant.now().toEpochMilli()
                                - java.time.Instant.from(launch.parse((String) t.get("launchTime"))).toEpochMilli();
                        if ("RUNNING".equals(t.get("status")) && !"driver".equals(t.get("executorId"))
                                && age < FRESH_TASK_MILLIS) {
                            return (String) t.get("executorId");
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // the UI is not up yet, or the answer was partial: ask again
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no task started on an executor within 2 minutes (driver alive: "
                + driver.isAlive() + ")");
    }

    /** How recently a task must have started for {@link #waitForBusyExecutor} to pick its executor. */
    private static final long FRESH_TASK_MILLIS = 300;

    private static String get(HttpClient http, String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException(url + ": HTTP " + r.statusCode());
        }
        return r.body();
    }

    /** Submits a 2-epoch, 8-round training of the synthetic data through submit.sh to the cluster. */
    private static Process submit(Path out, Path log) throws IOException {
        return submit(out, log, 2);
    }

    /** Submits a training run of {@code epochs} epochs of 4 rounds. */
    private static Process submit(Path out, Path log, int epochs) throws IOException {
        Path data = tmp.resolve("data");
        if (!Files.isDirectory(data)) {
            SyntheticCifar.write(data, 1280, 21);
        }
        List<String> cmd = List.of(ROOT.resolve("submit.sh").toString(), "--master", "spark://127.0.0.1:" + masterPort,
                "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.ui.port=" + driverUiPort,
                "--executor-memory", "1500m", "--conf", "spark.executor.cores=1", "--conf", "spark.task.maxFailures=4",
                "train", "--data", data.resolve("synthetic_batch_*.bin").toString(),
                "--test", data.resolve("synthetic_test_batch.bin").toString(), "--out", out.toString(),
                "--epochs", String.valueOf(epochs), "--workers", "2", "--set", "train.batch=32",
                "--set", "train.averaging.frequency=5", "--set", "runtime.threads=1",
                "--set", "checkpoint.every.rounds=1");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("SPARK_HOME");
        Process driver = pb.start();
        STARTED.add(driver.toHandle());
        return driver;
    }

    private static void waitForLine(Process driver, Path log, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(8);
        while (!Files.readString(log).contains(text)) {
            assertTrue(driver.isAlive() && System.nanoTime() < deadline, "no '" + text + "' in:\n"
                    + Files.readString(log));
            Thread.sleep(200);
        }
    }

    @Test
    void killedDriverIsResumedByRerunningTheCommand() throws Exception {
        Path out = tmp.resolve("out-driver-killed");
        Path log = tmp.resolve("driver-killed.log");
        Process driver = submit(out, log);
        waitForLine(driver, log, "][round 3/");
        driver.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        driver.destroyForcibly(); // SIGKILL
        driver.waitFor();
        assertFalse(Files.exists(out.resolve("model.zip")));
        List<String> before = MetricKeys.of(out);

        Path log2 = tmp.resolve("driver-rerun.log");
        Process rerun = submit(out, log2);
        assertTrue(rerun.waitFor(10, TimeUnit.MINUTES));
        assertEquals(0, rerun.exitValue(), Files.readString(log2));
        assertTrue(Files.readString(log2).contains("resuming from"), Files.readString(log2));
        List<String> after = MetricKeys.of(out);
        assertEquals(before, after.subList(0, before.size()), "what was written before the kill is kept");
        List<String> expected = new ArrayList<>();
        for (int r = 1; r <= 8; r++) {
            expected.add("round:" + ((r - 1) / 4 + 1) + ":" + r);
            if (r % 4 == 0) {
                expected.add("evaluation:" + (r / 4) + ":" + r);
            }
        }
        assertEquals(expected, after, "every round and evaluation exactly once");
    }

    @Test
    void aSecondRunOnTheSameOutputIsRefusedAndSigtermStopsTheFirstForARerunToFinish() throws Exception {
        Path out = tmp.resolve("out-sigterm");
        Path log = tmp.resolve("driver-sigterm.log");
        // 4 epochs: the first run must still be training when the second driver, a JVM and a SparkContext later,
        // reaches the lock (2 epochs left it a margin of seconds on a loaded machine)
        int epochs = 4;
        Process driver = submit(out, log, epochs);
        waitForLine(driver, log, "][round 2/");

        // a scheduler's retry while the first run is alive: refused at once, nothing written
        Path log2 = tmp.resolve("driver-second.log");
        Process second = submit(out, log2, epochs);
        assertTrue(second.waitFor(3, TimeUnit.MINUTES));
        String secondLog = Files.readString(log2);
        assertEquals(6, second.exitValue(), secondLog);
        assertTrue(secondLog.contains("in use by run "), secondLog);
        assertTrue(driver.isAlive(), "the first run goes on");

        driver.destroy(); // SIGTERM to the driver JVM (submit.sh execs it)
        assertTrue(driver.waitFor(2, TimeUnit.MINUTES), "stopped within the grace time");
        String text = Files.readString(log);
        assertEquals(5, driver.exitValue(), text);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "stopped by SIGTERM after round (\\d+); rerun the same command to resume").matcher(text);
        assertTrue(m.find(), text);
        assertTrue(Files.isDirectory(out.resolve("checkpoints").resolve(String.format("round-%06d",
                Integer.parseInt(m.group(1))))), "checkpoint of the last completed round");
        assertFalse(Files.exists(out.resolve("run.lock")), "the lock is released");

        Path log3 = tmp.resolve("driver-after-sigterm.log");
        Process rerun = submit(out, log3, epochs);
        assertTrue(rerun.waitFor(10, TimeUnit.MINUTES));
        assertEquals(0, rerun.exitValue(), Files.readString(log3));
        List<String> expected = new ArrayList<>();
        for (int r = 1; r <= 4 * epochs; r++) {
            expected.add("round:" + ((r - 1) / 4 + 1) + ":" + r);
            if (r % 4 == 0) {
                expected.add("evaluation:" + (r / 4) + ":" + r);
            }
        }
        assertEquals(expected, MetricKeys.of(out), "every round and evaluation exactly once");
    }

    @Test
    @SuppressWarnings("unchecked")
    void jobSurvivesAnExecutorKilledMidRound() throws Exception {
        Path out = tmp.resolve("out");
        Path log = tmp.resolve("driver.log");
        Process driver = submit(out, log);

        // wait for the second round to be logged, then kill an executor while it runs a task of a later round
        // (the driver's status API says which executor has an active task; a fixed delay can fall between tasks)
        waitForLine(driver, log, "][round 2/");
        List<ProcessHandle> executors = executors();
        assertEquals(2, executors.size(), "one executor JVM per worker");
        assertFalse(executors.stream().anyMatch(e -> e.pid() == driver.pid()), "executors are not the driver");
        String busy = waitForBusyExecutor(driver);
        ProcessHandle victim = executors.stream().filter(e -> executorId(e).equals(busy)).findFirst()
                .orElseThrow(() -> new AssertionError("no executor JVM with --executor-id " + busy));
        victim.destroyForcibly(); // SIGKILL
        assertTrue(driver.waitFor(10, TimeUnit.MINUTES), "driver did not finish");
        String driverLog = Files.readString(log);
        assertEquals(0, driver.exitValue(), driverLog);

        Map<String, Object> m = new ObjectMapper().readValue(out.resolve("metrics.json").toFile(), Map.class);
        Map<String, Object> training = (Map<String, Object>) m.get("training");
        System.out.println("standalone cluster run, one executor killed: " + training + "; executor pids "
                + executors.stream().map(ProcessHandle::pid).toList() + ", driver pid " + driver.pid());
        // 1280 records / (2 workers x 32 x 5) = 4 rounds per epoch
        assertEquals(8, ((Number) training.get("rounds")).intValue(), driverLog);
        assertEquals(2, ((Number) training.get("epochs")).intValue());
        assertEquals(2560, ((Number) training.get("examples")).intValue());
        assertTrue(((Number) training.get("executors_lost")).intValue() >= 1, training.toString());
        assertTrue(((Number) training.get("task_failures_survived")).intValue() >= 1, training.toString());
        assertTrue(Files.exists(out.resolve("model.zip")));
        // each executor JVM chose the convolutions' precision itself (model.precision=auto): bf16 where this CPU
        // has bf16 instructions, so the cluster run exercises the bf16 kernels there
        String expected = io.mkcnn.kernels.Dnnl.isa().hasBf16() ? "bf16" : "fp32";
        Map<String, String> precisions = (Map<String, String>) training.get("worker_precision");
        assertTrue(precisions.size() >= 2, "every executor that trained reports its precision: " + precisions);
        assertFalse(precisions.keySet().stream().anyMatch(k -> k.startsWith("driver@")), precisions.toString());
        assertTrue(precisions.values().stream().allMatch(expected::equals), precisions.toString());
        // and trained the fused body (model.engine=fused, the default), resuming after the lost executor with it
        Map<String, String> engines = (Map<String, String>) training.get("worker_engine");
        assertEquals(precisions.keySet(), engines.keySet(), engines.toString());
        assertTrue(engines.values().stream().allMatch("fused"::equals), engines.toString());
    }
}
