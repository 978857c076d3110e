package io.mkcnn.kernels;

/** What the convolutions compute in ({@code model.precision}). */
public enum Precision {
    /** bf16 where the CPU computes it natively (AVX512-BF16 or AMX-BF16), fp32 elsewhere. */
    AUTO,
    /** float32 throughout. */
    FP32,
    /** bf16 inputs and weights, float32 accumulation and outputs; parameters and everything else float32. */
    BF16;

    /**
     * The precision to use on a CPU with the given instruction set.
     *
     * @throws UnsupportedPrecisionException when bf16 is asked for and the CPU has no bf16 instructions
     */
    public Precision resolve(Isa isa) {
        return switch (this) {
            case AUTO -> isa.hasBf16() ? BF16 : FP32;
            case FP32 -> FP32;
            case BF16 -> {
                if (!isa.hasBf16()) {
                    throw new UnsupportedPrecisionException("model.precision=bf16 needs a CPU with AVX512-BF16 or AMX-BF16;"
                            + " this one offers " + isa + " (use model.precision=fp32 or auto)");
                }
                yield BF16;
            }
        };
    }
}
