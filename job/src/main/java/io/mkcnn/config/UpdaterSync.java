package io.mkcnn.config;

/** How the workers' inner optimizer state (Adam's moments) is kept between rounds ({@code train.updater.sync}). */
public enum UpdaterSync {
    /** Averaged every round, like the parameters (DL4J's parameter averaging with its updater saved). */
    EVERY,
    /**
     * Kept on the executor for each shard and averaged every {@code train.updater.sync.rounds} rounds: results and
     * broadcasts carry no optimizer state in between. A shard whose executor kept nothing for it starts from the
     * driver's last averaged state.
     */
    PERIODIC,
    /**
     * Kept on the executor for each shard and never averaged (as DiLoCo keeps its inner optimizer local). A shard whose
     * executor kept nothing for it starts from zero moments with Adam's bias correction restarted for it.
     */
    LOCAL
}
