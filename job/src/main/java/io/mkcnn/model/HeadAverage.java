package io.mkcnn.model;

/**
 * The end of the fused body on plain arrays: the head's optional ReLU, and the global average over the head's
 * positions (channels-last [N, H, W, classes] to [N, classes]) with its gradient. A few thousand values a batch:
 * loops cost less than array operations' dispatch.
 */
final class HeadAverage {
    private HeadAverage() {
    }

    /** max(0, x) in place. */
    static void relu(float[] head) {
        for (int i = 0; i < head.length; i++) {
            head[i] = Math.max(head[i], 0f);
        }
    }

    /** Each example's mean over the positions, per class. */
    static float[] forward(float[] head, int n, int classes) {
        int positions = head.length / (n * classes);
        float[] mean = new float[n * classes];
        for (int e = 0; e < n; e++) {
            for (int p = 0; p < positions; p++) {
                int at = (e * positions + p) * classes;
                for (int c = 0; c < classes; c++) {
                    mean[e * classes + c] += head[at + c];
                }
            }
        }
        for (int i = 0; i < mean.length; i++) {
            mean[i] /= positions;
        }
        return mean;
    }

    /**
     * The gradient at the head's output: each position gets its example's class gradient divided by the positions,
     * and zero where the ReLU's output was not positive.
     *
     * @param reluOutput the head after its ReLU, or null for a linear head
     */
    static float[] backward(float[] gradient, float[] reluOutput, int n, int classes, int positions) {
        float[] dHead = new float[n * positions * classes];
        for (int e = 0; e < n; e++) {
            for (int p = 0; p < positions; p++) {
                int at = (e * positions + p) * classes;
                for (int c = 0; c < classes; c++) {
                    boolean off = reluOutput != null && reluOutput[at + c] <= 0f;
                    dHead[at + c] = off ? 0f : gradient[e * classes + c] / positions;
                }
            }
        }
        return dHead;
    }
}
