package io.mkcnn.ml;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;

/**
 * What a Spark session needs before it trains or scores with this library, checked on the driver with a message that
 * says what to set:
 * <ul>
 *   <li>with Kryo ({@code spark.serializer=org.apache.spark.serializer.KryoSerializer}), ND4J's arrays need its
 *       registrator: {@code spark.kryo.registrator=org.nd4j.kryo.Nd4jRegistrator} (Java serialization needs
 *       nothing);</li>
 *   <li>on Java 17, the driver and executors run with the {@code --add-opens} flags of {@code conf/spark-defaults.conf}
 *       (the driver's are checked here; executors get them through {@code spark.executor.extraJavaOptions});</li>
 *   <li>DL4J's Spark training asks an NTP server for the time unless told to use the system clock; the driver's
 *       setting is made here when missing.</li>
 * </ul>
 */
public final class SessionCheck {
    static final String TIME_SOURCE = "org.deeplearning4j.spark.time.TimeSource";
    private static final List<String> OPENS = List.of("java.lang", "java.lang.invoke", "java.lang.reflect", "java.io",
            "java.net", "java.nio", "java.util", "java.util.concurrent", "java.util.concurrent.atomic", "sun.nio.ch",
            "sun.nio.cs", "sun.security.action", "sun.util.calendar");

    private SessionCheck() {
    }

    /**
     * @throws IllegalStateException naming each missing setting
     */
    public static void require(SparkConf conf) {
        List<String> problems = new ArrayList<>();
        if (conf.get("spark.serializer", "").endsWith("KryoSerializer")
                && !conf.get("spark.kryo.registrator", "").contains("org.nd4j.kryo.Nd4jRegistrator")) {
            problems.add("spark.serializer is Kryo but spark.kryo.registrator does not name "
                    + "org.nd4j.kryo.Nd4jRegistrator (set it, or use Java serialization)");
        }
        Module base = Object.class.getModule();
        Module here = SessionCheck.class.getModule();
        List<String> closed = OPENS.stream().filter(p -> !base.isOpen(p, here)).toList();
        if (!closed.isEmpty()) {
            problems.add("the driver JVM lacks --add-opens for java.base/" + String.join(", ", closed) + " (start "
                    + "it and the executors with the --add-opens=java.base/PACKAGE=ALL-UNNAMED flags of "
                    + "conf/spark-defaults.conf)");
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("this Spark session cannot run the multi-kernel CNN: "
                    + String.join("; ", problems));
        }
        if (System.getProperty(TIME_SOURCE) == null) {
            System.setProperty(TIME_SOURCE, "org.deeplearning4j.spark.time.SystemClockTimeSource");
        }
    }
}
