package io.mkcnn.store;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * A run's output directory on any Hadoop filesystem. Every file is written under a temporary name in the same
 * directory and renamed when complete, so a crash never leaves a partial file under a final name.
 */
public final class OutputDir {
    private final FileSystem fs;
    private final Path dir;

    private OutputDir(FileSystem fs, Path dir) {
        this.fs = fs;
        this.dir = dir;
    }

    /**
     * Opens (creating if needed) an output directory.
     *
     * @throws OutputException if the path is an existing file, or holds one of {@code mustNotExist}
     */
    public static OutputDir open(String path, Configuration conf, String... mustNotExist) {
        OutputDir d = inspect(path, conf, mustNotExist);
        d.create();
        return d;
    }

    /** As {@link #open}, without creating the directory (see {@link #create()}). */
    public static OutputDir inspect(String path, Configuration conf, String... mustNotExist) {
        if (path == null || path.isBlank()) {
            throw new OutputException("no output directory given (--out DIR)");
        }
        try {
            Path p = StorePaths.given(path);
            FileSystem fs = p.getFileSystem(conf);
            if (fs.exists(p)) {
                FileStatus st = fs.getFileStatus(p);
                if (!st.isDirectory()) {
                    throw new OutputException(path + ": output path is an existing file, expected a directory");
                }
                for (String name : mustNotExist) {
                    if (fs.exists(new Path(p, name))) {
                        throw new OutputException(path + ": already holds " + name
                                + " from an earlier run; choose another --out directory (nothing was overwritten)");
                    }
                }
            }
            return new OutputDir(fs, fs.makeQualified(p));
        } catch (IOException e) {
            RuntimeException store = ObjectStores.explain(path, conf, e);
            if (store != null) {
                throw store;
            }
            throw new OutputException(path + ": cannot open output directory (" + e.getMessage() + ")", e);
        }
    }

    /** Creates the directory if it does not exist yet. */
    public void create() {
        try {
            mkdirs(fs, dir);
        } catch (IOException e) {
            throw OutputException.unusable(dir, "cannot create the output directory", e);
        }
    }

    /** Creates {@code dir} and its parents; a local directory through Java's files, which say why they cannot. */
    static void mkdirs(FileSystem fs, Path dir) throws IOException {
        if ("file".equals(fs.getUri().getScheme())) {
            Files.createDirectories(java.nio.file.Path.of(dir.toUri()));
        } else if (!fs.mkdirs(dir)) {
            throw new IOException("cannot create the directory " + dir);
        }
    }

    public FileSystem fileSystem() {
        return fs;
    }

    /** Whether {@code name} exists in this directory. */
    public boolean exists(String name) {
        try {
            return fs.exists(resolve(name));
        } catch (IOException e) {
            throw new OutputException(resolve(name) + ": cannot check (" + e.getMessage() + ")", e);
        }
    }

    /** Reads a small text file of this directory. */
    public String readText(String name) {
        try (java.io.InputStream in = fs.open(resolve(name))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new OutputException(resolve(name) + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Moves this directory's content aside to {@code <dir>.previous-<timestamp>} (nothing is deleted), leaving the
     * run lock in place; returns where the old content went.
     */
    public Path moveAside() {
        String stamp = java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern(
                "yyyyMMdd-HHmmss"));
        Path aside = new Path(dir.getParent(), dir.getName() + ".previous-" + stamp);
        try {
            if (fs.exists(aside) || !fs.mkdirs(aside)) {
                throw new IOException(aside + " exists or cannot be created");
            }
            for (String name : list()) {
                if (!fs.rename(resolve(name), new Path(aside, name))) {
                    throw new IOException("rename of " + name + " to " + aside + " failed");
                }
            }
            return aside;
        } catch (IOException e) {
            throw new OutputException(dir + ": cannot move aside (" + e.getMessage() + ")", e);
        }
    }

    /** Whether the directory exists. */
    public boolean isDirectory() {
        try {
            return fs.isDirectory(dir);
        } catch (IOException e) {
            throw new OutputException(dir + ": cannot check (" + e.getMessage() + ")", e);
        }
    }

    /** The names in this directory, the run lock and its temporary files left out; empty if it does not exist. */
    public java.util.List<String> list() {
        java.util.List<String> names = new java.util.ArrayList<>();
        try {
            if (!fs.exists(dir)) {
                return names;
            }
            for (FileStatus st : fs.listStatus(dir)) {
                String name = st.getPath().getName();
                if (!name.equals(RunLock.FILE) && !name.startsWith("." + RunLock.FILE)) {
                    names.add(name);
                }
            }
            java.util.Collections.sort(names);
            return names;
        } catch (IOException e) {
            throw new OutputException(dir + ": cannot list (" + e.getMessage() + ")", e);
        }
    }

    /** Deletes the directory if nothing but a released lock's leftovers is in it (a run refused before writing). */
    public void deleteIfEmpty() {
        try {
            if (fs.exists(dir) && list().isEmpty() && !fs.exists(resolve(RunLock.FILE))) {
                fs.delete(dir, true);
            }
        } catch (IOException e) {
            // an empty directory left behind is harmless
        }
    }

    public Path path() {
        return dir;
    }

    public Path resolve(String name) {
        return new Path(dir, name);
    }

    /** Writes a text file atomically. */
    public void writeText(String name, String text) {
        write(name, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Writes a DL4J model zip (with updater state) atomically. */
    public void writeModel(String name, ComputationGraph net) {
        write(name, out -> ModelSerializer.writeModel(net, out, true));
    }

    /** Deletes {@code name} if it exists. */
    public void delete(String name) {
        try {
            fs.delete(resolve(name), false);
        } catch (IOException e) {
            throw new OutputException(resolve(name) + ": cannot delete (" + e.getMessage() + ")", e);
        }
    }

    /** Something that writes a file's content to a stream. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Writes {@code name} through a temporary file and a rename; replaces an older file of that name. */
    public void write(String name, Content content) {
        Path target = resolve(name);
        Path tmp = resolve("." + name + ".tmp-" + UUID.randomUUID());
        try {
            try (OutputStream out = fs.create(tmp, false)) {
                content.writeTo(out);
            }
            if (fs.exists(target) && !fs.delete(target, false)) {
                throw new IOException("cannot replace " + target);
            }
            if (!fs.rename(tmp, target)) {
                throw new IOException("cannot rename " + tmp + " to " + target);
            }
        } catch (IOException e) {
            try {
                fs.delete(tmp, false);
            } catch (IOException ignored) {
                // the temporary file is named as such; nothing final was touched
            }
            throw new OutputException(target + ": cannot write (" + e.getMessage() + ")", e);
        }
    }
}
