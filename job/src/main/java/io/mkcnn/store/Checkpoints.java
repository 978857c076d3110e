package io.mkcnn.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints under {@code OUT/checkpoints/round-NNNNNN/}: the model with its updater state ({@code model.zip})
 * and the {@link RunState} ({@code state.json}). A checkpoint is written in a temporary directory and renamed
 * into place when complete, so a crash mid-write never leaves one that looks valid; the newest K are kept.
 */
public final class Checkpoints {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String DIR = "checkpoints";
    private static final String PREFIX = "round-";

    private final FileSystem fs;
    private final Path root;
    private final int keep;

    public Checkpoints(OutputDir out, int keep) {
        this.fs = out.fileSystem();
        this.root = out.resolve(DIR);
        this.keep = keep;
    }

    /** Writes a checkpoint of {@code net} at {@code state}; returns its directory. */
    public Path write(ComputationGraph net, RunState state) {
        return write(net, state, List.of());
    }

    /** As above, with each of {@code parts} that holds something (the outer momentum, the best model). */
    public Path write(ComputationGraph net, RunState state, List<? extends CheckpointPart> parts) {
        Path target = new Path(root, String.format("%s%06d", PREFIX, state.totalRounds));
        Path tmp = new Path(root, ".tmp-" + target.getName() + "-" + UUID.randomUUID());
        try {
            fs.mkdirs(tmp);
            try (OutputStream out = fs.create(new Path(tmp, "model.zip"), false)) {
                ModelSerializer.writeModel(net, out, true);
            }
            for (CheckpointPart part : parts) {
                if (part.length() > 0) {
                    try (OutputStream out = fs.create(new Path(tmp, part.fileName()), false)) {
                        part.save(out);
                    }
                }
            }
            try (OutputStream out = fs.create(new Path(tmp, "state.json"), false)) {
                out.write(JSON.writeValueAsString(state).getBytes(StandardCharsets.UTF_8));
            }
            if (fs.exists(target)) {
                fs.delete(target, true);
            }
            if (!fs.rename(tmp, target)) {
                throw new IOException("cannot rename " + tmp + " to " + target);
            }
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new OutputException(target + ": cannot write checkpoint (" + e.getMessage() + ")", e);
        }
        prune();
        return target;
    }

    /** The newest complete checkpoint, if any; incomplete or unreadable ones are skipped with a warning. */
    public Optional<Loaded> latest() {
        for (Path dir : complete()) {
            try (InputStream in = fs.open(new Path(dir, "state.json"))) {
                RunState state = JSON.readValue(in, RunState.class);
                if (fs.exists(new Path(dir, "model.zip"))) {
                    return Optional.of(new Loaded(dir, state));
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("{}: unreadable checkpoint skipped ({})", dir, e.toString());
            }
        }
        return Optional.empty();
    }

    /**
     * The newest checkpoint that loads whole: its state parses, belongs to run {@code configHash} and to its own
     * round, and its model (with updater state) loads and passes {@code check} (shapes). Each damaged one is skipped
     * with a warning naming it and the reason.
     */
    public Restored restore(String configHash, java.util.function.Consumer<ComputationGraph> check) {
        return restore(configHash, check, List.of());
    }

    /** As above; also loads each of {@code parts}, which a checkpoint must hold where the part expects to be. */
    public Restored restore(String configHash, java.util.function.Consumer<ComputationGraph> check,
                            List<? extends CheckpointPart> parts) {
        List<String> skipped = new ArrayList<>();
        for (Path dir : complete()) {
            try {
                RunState state;
                try (InputStream in = fs.open(new Path(dir, "state.json"))) {
                    state = JSON.readValue(in, RunState.class);
                }
                if (state == null || !configHash.equals(state.configHash)) {
                    throw new IOException("state.json is of configuration " + (state == null ? "?" : state.configHash)
                            + ", this run's is " + configHash);
                }
                if (!dir.getName().equals(String.format("%s%06d", PREFIX, state.totalRounds))) {
                    throw new IOException("state.json records round " + state.totalRounds);
                }
                ComputationGraph net = model(dir);
                check.accept(net);
                for (CheckpointPart part : parts) {
                    Path file = new Path(dir, part.fileName());
                    if (fs.exists(file)) {
                        try (InputStream in = fs.open(file)) {
                            part.load(in, net.params().length());
                        }
                    } else if (part.expectedIn(state)) {
                        throw new IOException("no " + part.fileName() + " (" + part.holds() + ")");
                    } else {
                        part.clear();
                    }
                }
                return new Restored(dir, state, net, skipped);
            } catch (IOException | RuntimeException e) {
                String why = e instanceof OutputException && e.getCause() != null ? e.getCause().toString()
                        : e.toString();
                LOG.warn("{}: damaged checkpoint skipped ({}); trying the one before", dir, why);
                skipped.add(dir.getName() + " (" + why + ")");
            }
        }
        return new Restored(null, null, null, skipped);
    }

    /** The outcome of {@link #restore}: a checkpoint and its model, or none; and the damaged ones passed over. */
    public record Restored(Path dir, RunState state, ComputationGraph net, List<String> skipped) {
        public boolean found() {
            return net != null;
        }
    }

    /** Whether any checkpoint exists. */
    public boolean any() {
        return !complete().isEmpty();
    }

    /** Loads a checkpoint's model with its updater state. */
    public ComputationGraph model(Path dir) {
        try (InputStream in = fs.open(new Path(dir, "model.zip"))) {
            return ModelFiles.read(in, true);
        } catch (IOException e) {
            throw new OutputException(dir + ": cannot read checkpoint model (" + e.getMessage() + ")", e);
        }
    }

    /** A checkpoint found on disk. */
    public record Loaded(Path dir, RunState state) {
    }

    /** Complete checkpoint directories, newest first. */
    private List<Path> complete() {
        List<Path> dirs = new ArrayList<>();
        try {
            if (!fs.exists(root)) {
                return dirs;
            }
            FileStatus[] all = fs.listStatus(root);
            Arrays.sort(all, (a, b) -> b.getPath().getName().compareTo(a.getPath().getName()));
            for (FileStatus st : all) {
                if (st.isDirectory() && st.getPath().getName().startsWith(PREFIX)) {
                    dirs.add(st.getPath());
                }
            }
        } catch (IOException e) {
            throw new OutputException(root + ": cannot list checkpoints (" + e.getMessage() + ")", e);
        }
        return dirs;
    }

    private void prune() {
        List<Path> dirs = complete();
        for (int i = keep; i < dirs.size(); i++) {
            deleteQuietly(dirs.get(i));
        }
        try {
            for (FileStatus st : fs.listStatus(root)) {
                if (st.getPath().getName().startsWith(".tmp-")) {
                    deleteQuietly(st.getPath());
                }
            }
        } catch (IOException e) {
            LOG.warn("{}: cannot list for clean-up ({})", root, e.toString());
        }
    }

    private void deleteQuietly(Path p) {
        try {
            fs.delete(p, true);
        } catch (IOException e) {
            LOG.warn("{}: cannot delete ({})", p, e.toString());
        }
    }
}
