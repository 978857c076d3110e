package io.mkcnn.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * State a checkpoint carries beside the model, in a file of its own (the outer optimizer's momentum buffer, the
 * best model so far): written with every checkpoint while it holds something, and read back on resume.
 */
public interface CheckpointPart {
    /** The part's file in a checkpoint's directory. */
    String fileName();

    /** What the part holds, for the message about a checkpoint that lacks it. */
    String holds();

    /** Values or bytes held now; 0 when there is nothing to write. */
    long length();

    /** Whether a checkpoint of {@code state} must hold this part (else it is damaged). */
    boolean expectedIn(RunState state);

    void save(OutputStream out) throws IOException;

    /** Reads the part back from a checkpoint whose model has {@code modelParams} parameters (to check against). */
    void load(InputStream in, long modelParams) throws IOException;

    /** Forgets what the part holds: the checkpoint resumed from has no file of it. */
    void clear();
}
