package io.mkcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** How the precision setting resolves on CPUs with and without bf16 instructions (oneDNN's ISA values). */
class PrecisionTest {

    @Test
    void isaLevelsFromOneDnnValues() {
        assertEquals(Isa.BASIC, Isa.fromDnnl(0x7));            // avx2
        assertEquals(Isa.AVX512_CORE, Isa.fromDnnl(0x27));
        assertEquals(Isa.AVX512_CORE_VNNI, Isa.fromDnnl(0x67));
        assertEquals(Isa.AVX512_CORE_BF16, Isa.fromDnnl(0xe7));
        assertEquals(Isa.AVX512_CORE_AMX, Isa.fromDnnl(0x3e7));
    }

    @Test
    void autoPicksBf16OnlyWhereTheCpuHasIt() {
        assertEquals(Precision.BF16, Precision.AUTO.resolve(Isa.AVX512_CORE_BF16));
        assertEquals(Precision.BF16, Precision.AUTO.resolve(Isa.AVX512_CORE_AMX));
        assertEquals(Precision.FP32, Precision.AUTO.resolve(Isa.AVX512_CORE_VNNI));
        assertEquals(Precision.FP32, Precision.AUTO.resolve(Isa.BASIC));
        assertEquals(Precision.FP32, Precision.FP32.resolve(Isa.AVX512_CORE_AMX));
    }

    @Test
    void bf16IsRefusedWithAClearMessageOnACpuWithoutIt() {
        UnsupportedPrecisionException e = assertThrows(UnsupportedPrecisionException.class,
                () -> Precision.BF16.resolve(Isa.AVX512_CORE));
        assertEquals("model.precision=bf16 needs a CPU with AVX512-BF16 or AMX-BF16; this one offers AVX512_CORE"
                + " (use model.precision=fp32 or auto)", e.getMessage());
    }
}
