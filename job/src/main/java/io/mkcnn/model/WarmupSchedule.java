package io.mkcnn.model;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * A linear warm-up from {@code start} to {@code peak} over {@code warmup} iterations, then {@code peak} held
 * ({@code cosineSteps = 0}) or decayed to zero along a cosine over the iterations left up to {@code cosineSteps}.
 */
public final class WarmupSchedule implements ISchedule {
    private final double start;
    private final double peak;
    private final long warmup;
    private final long cosineSteps;

    public WarmupSchedule(@JsonProperty("start") double start, @JsonProperty("peak") double peak,
                          @JsonProperty("warmup") long warmup, @JsonProperty("cosineSteps") long cosineSteps) {
        this.start = start;
        this.peak = peak;
        this.warmup = warmup;
        this.cosineSteps = cosineSteps;
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        if (iteration < warmup) {
            return start + (peak - start) * iteration / warmup;
        }
        if (cosineSteps <= 0) {
            return peak;
        }
        long span = Math.max(1, cosineSteps - warmup);
        long done = iteration - warmup;
        return done >= span ? 0.0 : peak * 0.5 * (1 + Math.cos(Math.PI * done / span));
    }

    @Override
    public ISchedule clone() {
        return new WarmupSchedule(start, peak, warmup, cosineSteps);
    }

    @JsonProperty("start")
    public double getStart() {
        return start;
    }

    @JsonProperty("peak")
    public double getPeak() {
        return peak;
    }

    @JsonProperty("warmup")
    public long getWarmup() {
        return warmup;
    }

    @JsonProperty("cosineSteps")
    public long getCosineSteps() {
        return cosineSteps;
    }

    public ScheduleType getScheduleType() {
        return ScheduleType.ITERATION;
    }
}
