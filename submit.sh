#!/usr/bin/env bash
# Runs the job through spark-submit: $SPARK_HOME/bin/spark-submit when SPARK_HOME is set, otherwise Spark's own
# SparkSubmit from the local runtime built by Maven (job/target/runtime, built here if missing).
#
#   ./submit.sh [spark-submit options] COMMAND [command options]
#
# Spark options (--master, --executor-memory, --conf k=v, ...) come before the command and pass through;
# defaults come from conf/spark-defaults.conf. Environment: SPARK_HOME, MKCNN_CONF_DIR (default ./conf),
# MKCNN_SPARK_CONF (Spark properties file, default $MKCNN_CONF_DIR/spark-defaults.conf; see conf/spark-*.conf),
# JAVA (default java), HADOOP_CONF_DIR / YARN_CONF_DIR (a cluster's configuration, for --master yarn).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CONF_DIR="${MKCNN_CONF_DIR:-$ROOT/conf}"
SPARK_CONF="${MKCNN_SPARK_CONF:-$CONF_DIR/spark-defaults.conf}"
JAVA="${JAVA:-java}"
RUNTIME="$ROOT/job/target/runtime"
COMMANDS=" train evaluate predict generate download demo bench bn-study scaling "

# Split the arguments: spark-submit's options (with their values) up to the first word that is not one, which is
# the command; everything from the command on is the job's. A mistyped command is still the command: the job's own
# parser names it and suggests the closest one.
SPARK_VALUE_OPTIONS=" --archives --class --conf -c --deploy-mode --driver-class-path --driver-cores --driver-java-options \
 --driver-library-path --driver-memory --exclude-packages --executor-cores --executor-memory --files --jars --keytab --kill \
 --master --name --num-executors --packages --principal --properties-file --proxy-user --py-files --queue --remote \
 --repositories --status --total-executor-cores "
SPARK_SWITCHES=" --supervise --usage-error --verbose -v "
spark_args=()
job_args=()
help=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --help | -h | --version | -V)
      job_args=("$@")
      break
      ;;
  esac
  if [[ "$SPARK_VALUE_OPTIONS" == *" $1 "* ]]; then
    if [[ $# -lt 2 ]]; then
      echo "error: spark-submit option $1 needs a value (and a command after it)" >&2
      exit 2
    fi
    spark_args+=("$1" "$2")
    shift 2
  elif [[ "$1" == --*=* && "$SPARK_VALUE_OPTIONS" == *" ${1%%=*} "* || "$SPARK_SWITCHES" == *" $1 "* ]]; then
    spark_args+=("$1")
    shift
  elif [[ "$1" == -* ]]; then
    echo "error: unknown option '$1' before the command: spark-submit options (--master, --conf k=v," \
      "--executor-memory, ...) come before COMMAND and the job's own options after it" >&2
    echo "usage: ./submit.sh [spark-submit options] COMMAND [options]; ./submit.sh --help lists the commands" >&2
    exit 2
  else
    job_args=("$@")
    break
  fi
done
if [[ ${#job_args[@]} -eq 0 ]]; then
  echo "error: no command given (expected one of:$COMMANDS)" >&2
  echo "usage: ./submit.sh [spark-submit options] {train|evaluate|predict|generate|download|demo|bench|bn-study|scaling} [options]" >&2
  echo "       ./submit.sh --help, ./submit.sh COMMAND --help: every option, its default and the exit codes" >&2
  exit 2
fi
for a in "${job_args[@]}"; do
  [[ "$a" == --help || "$a" == -h || "$a" == --version || "$a" == -V ]] && help=true
done
# A command the job does not have: its parser names it and suggests the closest (no Spark needed).
[[ "$COMMANDS" == *" ${job_args[0]} "* ]] || help=true

build_runtime() {
  echo "submit.sh: building the job (mvn package, first run only)..." >&2
  (cd "$ROOT" && mvn -B -q -DskipTests package) >&2
}

job_jar() {
  ls "$ROOT"/job/target/mkcnn-job-*-cluster.jar 2>/dev/null | head -n 1
}

if [[ -z "$(job_jar)" || ! -d "$RUNTIME/jars" ]]; then
  build_runtime
fi
JOB_JAR="$(job_jar)"
THIN_JAR="${JOB_JAR%-cluster.jar}.jar"

# Help, version and unknown commands need no Spark: the job's entry point alone answers them.
if $help; then
  exec "$JAVA" -cp "$RUNTIME/jars/*:$THIN_JAR" -Dlog4j2.configurationFile="file:$CONF_DIR/log4j2.properties" \
    io.mkcnn.cli.Main "${job_args[@]}"
fi

# glibc raises its mmap threshold (up to 32 MB) as large blocks are freed, after which ND4J's freed native arrays
# stay in malloc's arenas instead of going back to the system: a 50-minute local run with evaluations peaked at
# 14 GB. A fixed 4 MB threshold returns every array of 4 MB or more when freed (evaluation's and recompute's
# batches of 256) and leaves the smaller training arrays to the arenas (1 MB cost 20% of training speed). Executors
# get the same through spark.executorEnv in conf/spark-*.conf.
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-4194304}"

# --driver-java-options replaces spark.driver.extraJavaOptions: keep the file's options and add the logging one.
# A properties file separates a key from its value with spaces, '=' or ':'.
conf_value() {
  sed -n -E "s/^$1([[:space:]]*[=:][[:space:]]*|[[:space:]]+)//p" "$SPARK_CONF" | tail -n 1
}
opens="$(conf_value 'spark\.driver\.extraJavaOptions')"

if [[ -n "${SPARK_HOME:-}" ]]; then
  exec "$SPARK_HOME/bin/spark-submit" \
    --properties-file "$SPARK_CONF" \
    --files "$CONF_DIR/log4j2.properties" \
    --driver-java-options "$opens -Dlog4j2.configurationFile=file:$CONF_DIR/log4j2.properties" \
    --class io.mkcnn.cli.Main \
    "${spark_args[@]}" "$JOB_JAR" "${job_args[@]}"
fi

# No Spark installation: the runtime folder doubles as SPARK_HOME (jars/ plus an empty RELEASE marker).
touch "$RUNTIME/RELEASE"
memory="$(conf_value 'spark\.driver\.memory')"
for ((i = 0; i < ${#spark_args[@]}; i++)); do
  case "${spark_args[$i]}" in
    --driver-memory) memory="${spark_args[$((i + 1))]}" ;;
    --driver-memory=*) memory="${spark_args[$i]#--driver-memory=}" ;;
  esac
done
export SPARK_HOME="$RUNTIME" SPARK_SCALA_VERSION=2.12
# shellcheck disable=SC2086  # the options line is a list of JVM flags
exec "$JAVA" -Xmx"${memory:-6g}" $opens \
  -Dlog4j2.configurationFile="file:$CONF_DIR/log4j2.properties" \
  -cp "${HADOOP_CONF_DIR:+$HADOOP_CONF_DIR:}${YARN_CONF_DIR:+$YARN_CONF_DIR:}$RUNTIME/jars/*" \
  org.apache.spark.deploy.SparkSubmit \
  --properties-file "$SPARK_CONF" \
  --class io.mkcnn.cli.Main \
  "${spark_args[@]}" "$THIN_JAR" "${job_args[@]}"
