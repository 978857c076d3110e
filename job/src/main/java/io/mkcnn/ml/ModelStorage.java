package io.mkcnn.ml;

import io.mkcnn.store.ModelFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsReader$;
import org.apache.spark.ml.util.DefaultParamsWriter$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import scala.Option;

/**
 * How a {@link MultiKernelCnnModel} is saved: Spark's metadata ({@code PATH/metadata}, as {@code DefaultParamsWriter}
 * writes it for every stage: class, uid, Spark version, Params) and the network ({@code PATH/network/model.zip},
 * the same file {@code train} writes, written under a temporary name and renamed when complete).
 */
final class ModelStorage {
    static final String NETWORK = "network/model.zip";

    private ModelStorage() {
    }

    /** Writes a model. */
    static final class Writer extends MLWriter {
        private final MultiKernelCnnModel model;

        Writer(MultiKernelCnnModel model) {
            this.model = model;
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter$.MODULE$.saveMetadata(model, path, sc(), Option.empty(), Option.empty());
            Path target = new Path(path, NETWORK);
            Path tmp = new Path(target.getParent(), ".model.zip.tmp-" + UUID.randomUUID());
            try {
                FileSystem fs = target.getFileSystem(sc().hadoopConfiguration());
                try (OutputStream out = fs.create(tmp, false)) {
                    ModelSerializer.writeModel(model.network(), out, false);
                }
                if (!fs.rename(tmp, target)) {
                    throw new IOException("cannot rename " + tmp + " to " + target);
                }
            } catch (IOException e) {
                throw new io.mkcnn.store.OutputException(target + ": cannot write (" + e.getMessage() + ")", e);
            }
        }
    }

    /** Reads a model written by {@link Writer}; {@code PipelineModel.load} reaches it through the model's read(). */
    static final class Reader extends MLReader<MultiKernelCnnModel> {
        @Override
        public MultiKernelCnnModel load(String path) {
            DefaultParamsReader.Metadata metadata = DefaultParamsReader$.MODULE$.loadMetadata(path, sc(),
                    MultiKernelCnnModel.class.getName());
            ComputationGraph net = ModelFiles.load(sc().hadoopConfiguration(), new Path(path, NETWORK).toString());
            MultiKernelCnnModel model = new MultiKernelCnnModel(metadata.uid(), net);
            metadata.getAndSetParams(model, Option.empty());
            return model;
        }
    }
}
