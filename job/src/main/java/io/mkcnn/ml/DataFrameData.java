package io.mkcnn.ml;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;

import io.mkcnn.config.DataConfig;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.input.ImageRows;
import io.mkcnn.input.RunData;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A DataFrame's rows as a run's records: the rows marked by the validation column (when one is given) are the
 * validation records, the others trained on. Without one, the training rows are also the test records, unless the
 * configuration holds a fraction of them out ({@code data.validation.fraction}).
 */
final class DataFrameData implements RunData {
    private final Dataset<Row> df;
    private final DataConfig data;
    private final String validationColumn;

    /**
     * @param validationColumn a boolean column, true for the rows to evaluate on (null counts as false); null for
     *     none
     */
    DataFrameData(Dataset<Row> df, DataConfig data, String validationColumn) {
        this.df = df;
        this.data = data;
        this.validationColumn = validationColumn;
    }

    private JavaRDD<CifarRecord> rows(Column which, String name) {
        Dataset<Row> rows = which == null ? df : df.filter(which);
        return ImageRows.records(rows, data.imageColumn(), data.labelColumn(), data.labelSet(), name);
    }

    private Column validation() {
        return coalesce(col(validationColumn), lit(false));
    }

    @Override
    public JavaRDD<CifarRecord> trainRecords(JavaSparkContext sc, int partitions) {
        return validationColumn == null ? rows(null, "DataFrame")
                : rows(not(validation()), "DataFrame (training rows)");
    }

    @Override
    public JavaRDD<CifarRecord> validationRecords(JavaSparkContext sc, int partitions) {
        return validationColumn == null ? null
                : rows(validation(), "DataFrame (rows where " + validationColumn + ")").repartition(partitions);
    }

    @Override
    public boolean testIsTraining() {
        return validationColumn == null && data.validationFraction() == 0;
    }

    @Override
    public JavaRDD<CifarRecord> testRecords(JavaSparkContext sc, int partitions) {
        return testIsTraining() ? rows(null, "DataFrame").repartition(partitions) : null;
    }
}
