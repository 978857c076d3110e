package io.mkcnn.cli;

import io.mkcnn.bench.Benchmark;
import io.mkcnn.bench.BnStudy;
import io.mkcnn.config.JobConfig;
import io.mkcnn.data.CifarDownloader;
import io.mkcnn.data.SyntheticCifar;
import io.mkcnn.train.Evaluate;
import io.mkcnn.train.Predict;
import io.mkcnn.train.Trainer;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;

/** The subcommands: each parses its options into a {@link JobConfig} or arguments and runs. */
final class Commands {
    private static final Set<String> TRAIN = Set.of("data", "test", "out", "epochs", "workers", "conf", "set");
    private static final Set<String> EVALUATE = Set.of("model", "data", "out", "conf", "set");
    private static final Set<String> PREDICT = Set.of("model", "data", "out", "conf", "set");
    private static final Set<String> GENERATE = Set.of("out", "records", "seed");
    private static final Set<String> DOWNLOAD = Set.of("out", "url", "md5");
    private static final Set<String> BENCH = Set.of("out", "reps", "workers", "cases", "conf", "set");
    private static final Set<String> STUDY = Set.of("data", "test", "out", "epochs", "workers", "conf", "set");
    private static final Set<String> DEMO = Set.of("out", "records", "epochs", "workers", "conf", "set");

    private Commands() {
    }

    static void run(String command, List<String> args) {
        switch (command) {
            case "train" -> train(Args.parse(command, args, TRAIN, Set.of("fresh")));
            case "evaluate" -> evaluate(Args.parse(command, args, EVALUATE));
            case "predict" -> predict(Args.parse(command, args, PREDICT));
            case "generate" -> generate(Args.parse(command, args, GENERATE));
            case "download" -> download(Args.parse(command, args, DOWNLOAD));
            case "demo" -> demo(Args.parse(command, args, DEMO, Set.of("fresh")));
            case "bench" -> bench(Args.parse(command, args, BENCH));
            case "bn-study" -> bnStudy(Args.parse(command, args, STUDY));
            default -> throw new InvalidConfigException("unknown command '" + command
                    + "' (expected train, evaluate, predict, generate, download, demo, bench or bn-study)");
        }
    }

    private static void train(Args a) {
        List<String> problems = new ArrayList<>();
        Map<String, String> overrides = trainingOverrides("train", a, problems);
        JobConfig cfg = config(a.get("conf"), overrides, problems);
        withSpark("mkcnn-train", sc -> new Trainer(sc, cfg, a.flag("fresh")).run());
    }

    /** Settings from the options of a command that trains: --data, --test, --out, --epochs, --workers, --set. */
    private static Map<String, String> trainingOverrides(String command, Args a, List<String> problems) {
        a.require(command, "data", problems);
        a.require(command, "test", problems);
        a.require(command, "out", problems);
        Map<String, String> overrides = new LinkedHashMap<>();
        put(overrides, "data.train", a.get("data"));
        put(overrides, "data.test", a.get("test"));
        put(overrides, "out", a.get("out"));
        put(overrides, "train.epochs", a.get("epochs"));
        put(overrides, "train.workers", a.get("workers"));
        overrides.putAll(a.sets());
        return overrides;
    }

    private static void evaluate(Args a) {
        JobConfig cfg = scoring("evaluate", a);
        withSpark("mkcnn-evaluate", sc -> new Evaluate(sc, cfg, a.get("model")).run());
    }

    private static void predict(Args a) {
        JobConfig cfg = scoring("predict", a);
        withSpark("mkcnn-predict", sc -> new Predict(sc, cfg, a.get("model")).run());
    }

    /** The configuration of a command that scores a saved model on --data, writing to --out. */
    private static JobConfig scoring(String command, Args a) {
        List<String> problems = new ArrayList<>();
        a.require(command, "model", problems);
        a.require(command, "data", problems);
        a.require(command, "out", problems);
        Map<String, String> overrides = new LinkedHashMap<>();
        put(overrides, "data.test", a.get("data"));
        put(overrides, "out", a.get("out"));
        overrides.putAll(a.sets());
        return config(a.get("conf"), overrides, problems);
    }

    private static void generate(Args a) {
        List<String> problems = new ArrayList<>();
        String out = a.require("generate", "out", problems);
        String records = a.require("generate", "records", problems);
        int n = positiveInt("generate", "records", records, problems);
        long seed = a.get("seed") == null ? 1L : longValue("generate", "seed", a.get("seed"), problems);
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        SyntheticCifar.write(Path.of(out), n, seed);
    }

    private static void download(Args a) {
        List<String> problems = new ArrayList<>();
        String out = a.require("download", "out", problems);
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        String url = a.get("url") == null ? CifarDownloader.DEFAULT_URL : a.get("url");
        String md5 = a.get("md5") == null ? CifarDownloader.DEFAULT_MD5 : a.get("md5");
        new CifarDownloader(url, md5).download(Path.of(out));
    }

    private static void demo(Args a) {
        List<String> problems = new ArrayList<>();
        String out = a.require("demo", "out", problems);
        int records = a.get("records") == null ? 6000 : positiveInt("demo", "records", a.get("records"), problems);
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        Path data = Path.of(out, "data");
        if (!Files.isDirectory(data)) {
            SyntheticCifar.write(data, records, 1L);
        }
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("data.train", data.resolve("synthetic_batch_*.bin").toString());
        overrides.put("data.test", data.resolve("synthetic_test_batch.bin").toString());
        overrides.put("out", Path.of(out, "run").toString());
        overrides.put("train.epochs", a.get("epochs") == null ? "3" : a.get("epochs"));
        put(overrides, "train.workers", a.get("workers"));
        overrides.putAll(a.sets());
        JobConfig cfg = config(a.get("conf"), overrides, problems);
        withSpark("mkcnn-demo", sc -> new Trainer(sc, cfg, a.flag("fresh")).run());
    }

    private static void bench(Args a) {
        List<String> problems = new ArrayList<>();
        a.require("bench", "out", problems);
        int reps = a.get("reps") == null ? 3 : positiveInt("bench", "reps", a.get("reps"), problems);
        Map<String, String> overrides = new LinkedHashMap<>();
        put(overrides, "out", a.get("out"));
        put(overrides, "train.workers", a.get("workers"));
        overrides.putAll(a.sets());
        Set<String> cases = a.get("cases") == null ? Set.copyOf(Benchmark.CASES)
                : Set.of(a.get("cases").split(","));
        for (String c : cases) {
            if (!Benchmark.CASES.contains(c)) {
                problems.add("bench: --cases " + c + ": expected a comma-separated list of " + Benchmark.CASES);
            }
        }
        JobConfig cfg = config(a.get("conf"), overrides, problems);
        withSpark("mkcnn-bench", sc -> new Benchmark(sc, cfg, reps, cases).run());
    }

    private static void bnStudy(Args a) {
        List<String> problems = new ArrayList<>();
        Map<String, String> overrides = trainingOverrides("bn-study", a, problems);
        // the study's own defaults, under --conf and --set: the configuration the README's reference figures were
        // measured with (4 workers, 20 minibatches between averagings, Adam 1e-4), for 4 epochs
        Map<String, String> defaults = Map.of("train.workers", "4", "train.averaging.frequency", "20",
                "model.lr", "0.0001", "train.epochs", "4");
        JobConfig cfg = config(a.get("conf"), defaults, overrides, problems);
        withSpark("mkcnn-bn-study", sc -> new BnStudy(sc, cfg).run());
    }

    /** Loads the properties file (if any) under the overrides; throws with every problem found. */
    static JobConfig config(String confFile, Map<String, String> overrides, List<String> problems) {
        return config(confFile, Map.of(), overrides, problems);
    }

    /** As above, with a command's own defaults under the properties file. */
    static JobConfig config(String confFile, Map<String, String> defaults, Map<String, String> overrides,
                            List<String> problems) {
        Map<String, String> file = new LinkedHashMap<>(defaults);
        if (confFile != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(Path.of(confFile))) {
                p.load(r);
                p.stringPropertyNames().forEach(k -> file.put(k, p.getProperty(k)));
            } catch (NoSuchFileException e) {
                problems.add("--conf " + confFile + ": no such file");
            } catch (IOException | IllegalArgumentException e) {
                problems.add("--conf " + confFile + ": cannot read (" + e.getMessage() + ")");
            }
        }
        try {
            JobConfig cfg = JobConfig.from(file, confFile == null ? "defaults" : confFile, overrides);
            if (!problems.isEmpty()) {
                throw new InvalidConfigException(problems);
            }
            return cfg;
        } catch (InvalidConfigException e) {
            List<String> all = new ArrayList<>(problems);
            all.addAll(e.problems().stream().filter(p -> !problems.contains(p)).toList());
            throw new InvalidConfigException(all);
        }
    }

    /** A context supplied by the caller (tests); when null, each command creates and stops its own. */
    static volatile JavaSparkContext supplied;

    /** Runs {@code body} with the supplied SparkContext, or a new one that is stopped afterwards. */
    static void withSpark(String appName, java.util.function.Consumer<JavaSparkContext> body) {
        if (supplied != null) {
            body.accept(supplied);
            return;
        }
        SparkConf conf = new SparkConf().setAppName(appName)
                .setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .setIfMissing("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator");
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(SparkContext.getOrCreate(conf));
        try {
            body.accept(sc);
        } finally {
            sc.stop();
        }
    }

    private static void put(Map<String, String> m, String key, String value) {
        if (value != null) {
            m.put(key, value);
        }
    }

    private static int positiveInt(String command, String name, String value, List<String> problems) {
        try {
            int v = Integer.parseInt(value.trim());
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException | NullPointerException e) {
            // reported below
        }
        if (value != null) {
            problems.add(command + ": --" + name + " " + value + ": expected a positive integer");
        }
        return 1;
    }

    private static long longValue(String command, String name, String value, List<String> problems) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            problems.add(command + ": --" + name + " " + value + ": expected an integer");
            return 0;
        }
    }
}
