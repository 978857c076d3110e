package io.mkcnn.kernels;

/**
 * The instruction sets that matter to the project's kernels, as oneDNN reports them (its ISA values are bit sets:
 * each level contains the bits of the levels it extends).
 */
public enum Isa {
    /** Below AVX-512: fp32 kernels only. */
    BASIC(0x0, false),
    AVX512_CORE(0x27, false),
    AVX512_CORE_VNNI(0x67, false),
    /** AVX512-BF16: bf16 dot products at twice the fp32 rate. */
    AVX512_CORE_BF16(0xe7, true),
    /** AMX tiles with bf16. */
    AVX512_CORE_AMX(0x3e7, true);

    private final int bits;
    private final boolean bf16;

    Isa(int bits, boolean bf16) {
        this.bits = bits;
        this.bf16 = bf16;
    }

    /** Whether oneDNN computes bf16 convolutions with native instructions at this level. */
    public boolean hasBf16() {
        return bf16;
    }

    /** The highest level whose bits are all in oneDNN's effective ISA value. */
    public static Isa fromDnnl(int value) {
        Isa best = BASIC;
        for (Isa i : values()) {
            if ((value & i.bits) == i.bits) {
                best = i;
            }
        }
        return best;
    }
}
