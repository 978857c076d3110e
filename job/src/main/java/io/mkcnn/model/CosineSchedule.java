package io.mkcnn.model;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/** Cosine decay from {@code initial} at iteration 0 to zero at {@code steps}, then zero. */
public final class CosineSchedule implements ISchedule {
    private final double initial;
    private final long steps;

    public CosineSchedule(@JsonProperty("initial") double initial, @JsonProperty("steps") long steps) {
        this.initial = initial;
        this.steps = steps;
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        if (iteration >= steps) {
            return 0.0;
        }
        return initial * 0.5 * (1 + Math.cos(Math.PI * iteration / steps));
    }

    @Override
    public ISchedule clone() {
        return new CosineSchedule(initial, steps);
    }

    @JsonProperty("initial")
    public double getInitial() {
        return initial;
    }

    @JsonProperty("steps")
    public long getSteps() {
        return steps;
    }

    public ScheduleType getScheduleType() {
        return ScheduleType.ITERATION;
    }
}
