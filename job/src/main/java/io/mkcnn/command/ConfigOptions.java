package io.mkcnn.command;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options shared by the commands that read the job's configuration: {@code --conf FILE} and {@code --set k=v}. */
public class ConfigOptions {
    @Option(names = "--conf", paramLabel = "FILE",
            description = "properties file of configuration keys (see conf/job.properties); under --set")
    public String conf;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "a configuration key, over --conf; repeatable (e.g. --set train.batch=128)")
    List<String> sets = new ArrayList<>();

    /** The --set pairs; a malformed one is a problem. */
    public Map<String, String> pairs(String command, List<String> problems) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String s : sets) {
            int kv = s.indexOf('=');
            if (kv <= 0) {
                problems.add(command + ": --set " + s + ": expected key=value");
            } else {
                m.put(s.substring(0, kv).trim(), s.substring(kv + 1));
            }
        }
        return m;
    }
}
