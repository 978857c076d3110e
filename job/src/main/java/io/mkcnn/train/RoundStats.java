package io.mkcnn.train;

import java.util.Map;

/**
 * What the driver knows after one averaging round.
 *
 * @param round 1-based round number within the run
 * @param examples examples trained on in this round, over all workers
 * @param workers workers that returned a result
 * @param score mean training loss reported by the workers
 * @param roundSeconds wall time from the previous round's end to this one's
 * @param fitSeconds longest worker fit time
 * @param jobSeconds time of the round's Spark job (workers' tasks and the tree aggregation of their results)
 * @param reconcileSeconds time spent reconciling BN statistics
 * @param bnShift per BN layer, mean |log(var_reconciled / var_naive)| over channels (empty in naive mode)
 * @param precisions the convolutions' precision of each executor that trained ("executorId@host" to precision)
 * @param engines what trained on each executor ("fused" or "layers")
 */
public record RoundStats(int round, long examples, int workers, double score, double roundSeconds,
                         double fitSeconds, double jobSeconds, double reconcileSeconds,
                         Map<String, Double> bnShift, Map<String, String> precisions, Map<String, String> engines) {
}
