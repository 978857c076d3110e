package io.mkcnn.command;

/** A command that runs on Spark: the parser's factory gives it where its SparkContext comes from. */
public abstract class SparkCommand implements Runnable {
    protected SparkContexts spark = SparkContexts.own();

    /** Where this command's SparkContext comes from (set by the parser's factory before it runs). */
    public void contexts(SparkContexts contexts) {
        this.spark = contexts;
    }
}
