package io.mkcnn.runtime;

import java.io.IOException;
import java.net.InetAddress;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.yarn.api.records.ApplicationAttemptId;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.client.api.AMRMClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.exceptions.InvalidApplicationMasterRequestException;
import org.apache.hadoop.yarn.exceptions.YarnException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's YARN application attempt, when the job runs as the ApplicationMaster ({@code --deploy-mode
 * cluster}). Spark's ApplicationMaster ends a failed attempt without unregistering it unless it is the last, so
 * YARN starts another attempt for any failure, even one a retry would repeat. {@link #fail} ends the application
 * itself: it unregisters the attempt from the ResourceManager as FAILED with the job's message as the diagnostics,
 * registering it first when the failure came before the SparkContext (which is when Spark's ApplicationMaster
 * registers).
 */
public final class YarnAttempt {
    private static final Logger LOG = LoggerFactory.getLogger(YarnAttempt.class);
    /** YARN's longest diagnostics is configurable; this keeps the message well inside any setting. */
    private static final int MAX_DIAGNOSTICS = 4_000;
    private final ApplicationAttemptId id;
    private final YarnConfiguration conf;
    private final int maxAttempts;

    private YarnAttempt(ApplicationAttemptId id, YarnConfiguration conf, int maxAttempts) {
        this.id = id;
        this.conf = conf;
        this.maxAttempts = maxAttempts;
    }

    /**
     * This JVM's attempt when it is the driver of a YARN cluster-mode application (Spark's ApplicationMaster sets
     * {@code spark.master} and the deploy mode as system properties, YARN sets {@code CONTAINER_ID}), else empty.
     */
    public static Optional<YarnAttempt> ofThisDriver() {
        return of(System.getenv(), System.getProperties());
    }

    static Optional<YarnAttempt> of(Map<String, String> env, java.util.Properties props) {
        String container = env.get("CONTAINER_ID");
        if (container == null || !props.getProperty("spark.master", "").startsWith("yarn")
                || !"cluster".equals(props.getProperty("spark.submit.deployMode"))) {
            return Optional.empty();
        }
        YarnConfiguration conf = new YarnConfiguration();
        for (String key : props.stringPropertyNames()) {
            if (key.startsWith("spark.hadoop.")) {
                conf.set(key.substring("spark.hadoop.".length()), props.getProperty(key));
            }
        }
        int yarnMax = conf.getInt(YarnConfiguration.RM_AM_MAX_ATTEMPTS, YarnConfiguration.DEFAULT_RM_AM_MAX_ATTEMPTS);
        String sparkMax = props.getProperty("spark.yarn.maxAppAttempts");
        int max = sparkMax == null ? yarnMax : Math.min(yarnMax, Integer.parseInt(sparkMax.trim()));
        return Optional.of(new YarnAttempt(ContainerId.fromString(container).getApplicationAttemptId(), conf, max));
    }

    public ApplicationAttemptId id() {
        return id;
    }

    /** Whether YARN would start no other attempt after this one. */
    public boolean isLast() {
        return id.getAttemptId() >= maxAttempts;
    }

    /**
     * Ends the application as FAILED with {@code diagnostics}: the ResourceManager starts no other attempt and shows
     * the message. The process still exits afterwards with the job's own code.
     */
    public void fail(String diagnostics) throws IOException, YarnException {
        String text = diagnostics.length() <= MAX_DIAGNOSTICS ? diagnostics
                : diagnostics.substring(0, MAX_DIAGNOSTICS) + " ...";
        AMRMClient<AMRMClient.ContainerRequest> rm = AMRMClient.createAMRMClient();
        rm.init(conf);
        rm.start();
        try {
            try {
                rm.registerApplicationMaster(InetAddress.getLocalHost().getCanonicalHostName(), -1, "");
            } catch (InvalidApplicationMasterRequestException alreadyRegistered) {
                // Spark's ApplicationMaster registered the attempt when the SparkContext started
                LOG.debug("attempt {} is registered already", id);
            }
            rm.unregisterApplicationMaster(FinalApplicationStatus.FAILED, text, null);
            LOG.info("YARN application attempt {} ended as FAILED; YARN will not retry it", id);
        } finally {
            rm.stop();
        }
    }
}
