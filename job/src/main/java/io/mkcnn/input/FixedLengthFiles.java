package io.mkcnn.input;

import io.mkcnn.data.BinaryLayout;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.store.StorePaths;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.BytesWritable;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.mapreduce.InputSplit;
import org.apache.hadoop.mapreduce.JobContext;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.spark.input.FixedLengthBinaryInputFormat;
import scala.Tuple2;

/**
 * Spark's fixed-length record input over exactly the files listed in {@link #FILES_KEY} (encoded URIs, one per
 * line) instead of {@code FileInputFormat}'s comma-separated, glob-expanded input paths.
 */
public final class FixedLengthFiles extends FixedLengthBinaryInputFormat {
    static final String FILES_KEY = "mkcnn.input.files";

    @Override
    protected List<FileStatus> listStatus(JobContext job) throws IOException {
        Configuration conf = job.getConfiguration();
        List<FileStatus> statuses = new ArrayList<>();
        for (String uri : java.util.Objects.requireNonNullElse(conf.getRaw(FILES_KEY), "").split("\n")) {
            if (!uri.isEmpty()) {
                Path p = StorePaths.path(uri);
                statuses.add(p.getFileSystem(conf).getFileStatus(p));
            }
        }
        return statuses;
    }

    /** Parses one input split's records, naming the split's file in every error. */
    static final class ParseSplit extends scala.runtime.AbstractFunction2<InputSplit,
            scala.collection.Iterator<Tuple2<LongWritable, BytesWritable>>, scala.collection.Iterator<CifarRecord>>
            implements java.io.Serializable {
        private final BinaryLayout layout;

        ParseSplit(BinaryLayout layout) {
            this.layout = layout;
        }

        @Override
        public scala.collection.Iterator<CifarRecord> apply(
                InputSplit split, scala.collection.Iterator<Tuple2<LongWritable, BytesWritable>> it) {
            String file = ((FileSplit) split).getPath().toString();
            return it.map(new scala.runtime.AbstractFunction1<Tuple2<LongWritable, BytesWritable>, CifarRecord>() {
                @Override
                public CifarRecord apply(Tuple2<LongWritable, BytesWritable> t) {
                    return layout.parse(t._2().copyBytes(), file, t._1().get());
                }
            });
        }
    }
}
