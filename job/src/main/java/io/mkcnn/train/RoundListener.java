package io.mkcnn.train;

/** Called on the driver after every averaging round, once parameters and BN statistics are in place. */
@FunctionalInterface
public interface RoundListener {
    void onRound(RoundStats stats);
}
