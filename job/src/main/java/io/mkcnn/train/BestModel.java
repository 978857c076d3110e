package io.mkcnn.train;

import io.mkcnn.report.EvaluationLine;
import io.mkcnn.store.CheckpointPart;
import io.mkcnn.store.ModelFiles;
import io.mkcnn.store.OutputDir;
import io.mkcnn.store.RunState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * The network of the best validation accuracy so far: {@code OUT/best-model.zip}, written atomically whenever a
 * validation evaluation beats it (the earliest of equal accuracies is kept). Its epoch, round and accuracy are in
 * the run's state, and every checkpoint carries a copy, so a resumed run restores the file its checkpoint knew.
 */
final class BestModel implements CheckpointPart {
    static final String FILE = "best-model.zip";

    private final OutputDir out;
    /** The model zip (without updater state), or null before the first validation evaluation. */
    private byte[] zip;

    BestModel(OutputDir out) {
        this.out = out;
    }

    /**
     * Keeps {@code net} when {@code line}, a validation evaluation of it, beats the best so far.
     *
     * @return whether it did
     */
    boolean consider(EvaluationLine line, ComputationGraph net, RunState state) {
        if (state.hasBest() && line.accuracy() <= state.bestAccuracy) {
            return false;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ModelSerializer.writeModel(net, bytes, false);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise the network", e);
        }
        zip = bytes.toByteArray();
        out.write(FILE, o -> o.write(zip));
        state.bestEpoch = line.epoch();
        state.bestRound = line.round();
        state.bestAccuracy = line.accuracy();
        return true;
    }

    /** The best network, or null when there is none. */
    ComputationGraph network() {
        if (zip == null) {
            return null;
        }
        try {
            return ModelFiles.read(new ByteArrayInputStream(zip), false);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the kept best model", e);
        }
    }

    /** After a resume: {@code OUT/best-model.zip} becomes the checkpoint's copy, or goes when it had none. */
    void restoreFile() {
        if (zip != null) {
            out.write(FILE, o -> o.write(zip));
        } else if (out.exists(FILE)) {
            out.delete(FILE);
        }
    }

    @Override
    public String fileName() {
        return FILE;
    }

    @Override
    public String holds() {
        return "the best model so far";
    }

    @Override
    public long length() {
        return zip == null ? 0 : zip.length;
    }

    @Override
    public boolean expectedIn(RunState state) {
        return state.hasBest();
    }

    @Override
    public void save(OutputStream o) throws IOException {
        o.write(zip);
    }

    @Override
    public void load(InputStream in, long modelParams) throws IOException {
        zip = in.readAllBytes();
    }

    @Override
    public void clear() {
        zip = null;
    }
}
