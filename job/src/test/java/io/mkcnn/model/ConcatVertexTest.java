package io.mkcnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The concatenation vertex computes what DL4J's merge vertex computes along the channels, both passes. */
class ConcatVertexTest {

    @Test
    void sameResultsAsDl4jsMergeVertex() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            MergeVertex conf = new MergeVertex();
            conf.setMergeAxis(3);
            GraphVertex theirs = conf.instantiate(null, "concat", 0, null, false, type);
            GraphVertex ours = new ConcatVertex(3).instantiate(null, "concat", 0, null, false, type);
            assertTrue(ours instanceof ConcatVertexImpl);
            Nd4j.getRandom().setSeed(31);
            INDArray[] in = {Nd4j.randn(type, 2, 3, 3, 4), Nd4j.randn(type, 2, 3, 3, 6), Nd4j.randn(type, 2, 3, 3, 4)};
            LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
            theirs.setInputs(in);
            ours.setInputs(in);
            INDArray expected = theirs.doForward(true, mgr);
            assertEquals(expected, ours.doForward(true, mgr), type.toString());
            INDArray eps = Nd4j.randn(type, expected.shape());
            theirs.setEpsilon(eps);
            ours.setEpsilon(eps);
            INDArray[] a = theirs.doBackward(false, mgr).getSecond();
            INDArray[] b = ours.doBackward(false, mgr).getSecond();
            assertEquals(a.length, b.length);
            for (int i = 0; i < a.length; i++) {
                assertArrayEquals(a[i].shape(), b[i].shape());
                assertEquals(a[i], b[i], type + " part " + i);
            }
        }
    }
}
