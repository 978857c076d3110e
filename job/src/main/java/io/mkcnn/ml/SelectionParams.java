package io.mkcnn.ml;

import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;

/**
 * The Params of what a run is measured on and when it ends: the validation fraction held out of the training rows
 * (or the rows {@code validationIndicatorCol} marks), early stopping, test scorings, and the time budget.
 */
abstract class SelectionParams extends RunParams {
    private static final long serialVersionUID = 1L;

    private final DoubleParam validationFraction = doubleParam("validationFraction", "data.validation.fraction",
            "the fraction of the training rows held out for validation (seeded, class-stratified); 0 for none");
    private final IntParam earlyStopPatience = intParam("earlyStopPatience", "train.early.stop.patience",
            "epochs without a better validation accuracy after which training ends; 0 for never (needs "
                    + "evalEveryEpochs >= 1)");
    private final IntParam testEveryEpochs = intParam("testEveryEpochs", "eval.test.every.epochs",
            "epochs between scorings of the test rows besides the one at the end; 0 for only at the end");
    private final DoubleParam maxMinutes = doubleParam("maxMinutes", "train.max.minutes",
            "this fit's time budget in minutes, ending training at a round boundary; 0 for none");

    SelectionParams(String uid) {
        super(uid);
    }

    public DoubleParam validationFraction() {
        return validationFraction;
    }

    public MultiKernelCnnClassifier setValidationFraction(double value) {
        return (MultiKernelCnnClassifier) set(validationFraction, value);
    }

    public IntParam earlyStopPatience() {
        return earlyStopPatience;
    }

    public MultiKernelCnnClassifier setEarlyStopPatience(int value) {
        return (MultiKernelCnnClassifier) set(earlyStopPatience, value);
    }

    public IntParam testEveryEpochs() {
        return testEveryEpochs;
    }

    public MultiKernelCnnClassifier setTestEveryEpochs(int value) {
        return (MultiKernelCnnClassifier) set(testEveryEpochs, value);
    }

    public DoubleParam maxMinutes() {
        return maxMinutes;
    }

    public MultiKernelCnnClassifier setMaxMinutes(double value) {
        return (MultiKernelCnnClassifier) set(maxMinutes, value);
    }
}
