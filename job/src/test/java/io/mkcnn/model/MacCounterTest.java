package io.mkcnn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class MacCounterTest {

    @Test
    void seedExampleSameThreeByThreeOnFiveByTwoImageCosts90() {
        assertEquals(90, MacCounter.conv(5, 2, 3, 3, 1, 1));
    }

    @Test
    void seedExampleThreeByOneThenOneByThreeCosts60() {
        assertEquals(60, MacCounter.squareConv(5, 2, 3, 1, 1, true));
        assertEquals(90, MacCounter.squareConv(5, 2, 3, 1, 1, false));
    }

    @Test
    void oneByOneIsNeverFactorised() {
        assertEquals(MacCounter.conv(12, 12, 1, 1, 64, 64), MacCounter.squareConv(12, 12, 1, 64, 64, true));
    }

    @Test
    void standardNetworkForwardPass() {
        assertEquals(54_614_016L, MacCounter.forward(NetworkSpec.cifar(false)));
    }

    @Test
    void factorisedNetworkForwardPass() {
        assertEquals(23_353_344L, MacCounter.forward(NetworkSpec.cifar(true)));
    }
}
