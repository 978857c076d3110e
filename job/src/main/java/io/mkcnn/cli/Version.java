package io.mkcnn.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** What {@code --version} prints: the job's version and the versions it was built against. */
final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
        Properties p = new Properties();
        try (InputStream in = Version.class.getResourceAsStream("/io/mkcnn/version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // reported as unknown below
        }
        return new String[] {"mkcnn-job " + p.getProperty("version", "unknown") + " (Spark "
                + p.getProperty("spark", "?") + ", DL4J " + p.getProperty("dl4j", "?") + ", oneDNN preset "
                + p.getProperty("dnnl", "?") + ", Java " + System.getProperty("java.version") + ")"};
    }
}
