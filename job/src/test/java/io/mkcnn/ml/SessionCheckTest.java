package io.mkcnn.ml;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** A session the library cannot run on is refused with what to set; the tests' own JVM has the flags. */
class SessionCheckTest {
    @Test
    void kryoWithoutNd4jsRegistratorIsRefusedAndJavaSerializationIsFine() {
        SparkConf kryo = new SparkConf(false).set("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SessionCheck.require(kryo));
        assertTrue(e.getMessage().contains("spark.kryo.registrator") && e.getMessage().contains(
                "org.nd4j.kryo.Nd4jRegistrator"), e.getMessage());
        assertDoesNotThrow(() -> SessionCheck.require(kryo.clone().set("spark.kryo.registrator",
                "org.nd4j.kryo.Nd4jRegistrator")));
        assertDoesNotThrow(() -> SessionCheck.require(new SparkConf(false)));
        assertTrue(System.getProperty(SessionCheck.TIME_SOURCE).endsWith("SystemClockTimeSource"));
    }
}
