package io.mkcnn.testutil;

import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Base of tests that need Spark: one local[2] context per test class, UI off, stopped after the class. */
public abstract class SparkTest {
    protected static JavaSparkContext sc;

    @BeforeAll
    static void startSpark() {
        SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("mkcnn-test")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "localhost")
                .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .set("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator");
        sc = new JavaSparkContext(conf);
    }

    /** Runs a command line on this class's SparkContext: its exit code and what it printed on stderr. */
    protected static Map.Entry<Integer, String> cli(String... args) {
        return Cli.run(sc, args);
    }

    @AfterAll
    static void stopSpark() {
        if (sc != null) {
            sc.stop();
            sc = null;
        }
    }
}
