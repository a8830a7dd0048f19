#!/usr/bin/env bash
# Local single-node Kafka (KRaft, broker and controller in one process) and
# Apache Cassandra for tests, benchmarks and CI, from Maven Central artifacts
# only: tools/<server>/pom.xml lists the jars, Maven copies them into
# .services/<server>/lib once (git-ignored), and the server runs from them
# with `java -cp`. Everything a server writes (config, data, log, pid) stays
# under .services/<server>/. Bound to 127.0.0.1; started in the background;
# `start` returns once the server answers (Kafka a metadata request,
# Cassandra a CQL query), or fails with the reason and the log's tail.
#
#   scripts/services.sh start  [kafka] [cassandra]   (both when none is named)
#   scripts/services.sh stop   [kafka] [cassandra]
#   scripts/services.sh status [kafka] [cassandra]
#   scripts/services.sh fetch  [kafka] [cassandra]   only download the jars
#   scripts/services.sh clean  [kafka] [cassandra]   stop, then delete the data
#
# Environment (defaults in brackets):
#   BOURSE_KAFKA_PORT [9092]  BOURSE_KAFKA_CONTROLLER_PORT [9093]  BOURSE_KAFKA_HEAP [512m]
#   BOURSE_CASSANDRA_PORT [9042]  BOURSE_CASSANDRA_STORAGE_PORT [7000]  BOURSE_CASSANDRA_HEAP [512m]
#   BOURSE_SERVICES_DIR [<repo>/.services]  BOURSE_SERVICES_TIMEOUT_S [180]
#   JAVA [java, or $JAVA_HOME/bin/java]  MVN [mvn]
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${BOURSE_SERVICES_DIR:-$ROOT/.services}"
TIMEOUT_S="${BOURSE_SERVICES_TIMEOUT_S:-180}"
if [[ -n "${JAVA:-}" ]]; then :; elif [[ -n "${JAVA_HOME:-}" ]]; then JAVA="$JAVA_HOME/bin/java"; else JAVA=java; fi
MVN="${MVN:-mvn}"
DEPENDENCY_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

KAFKA_PORT="${BOURSE_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${BOURSE_KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP="${BOURSE_KAFKA_HEAP:-512m}"
CASSANDRA_PORT="${BOURSE_CASSANDRA_PORT:-9042}"
CASSANDRA_STORAGE_PORT="${BOURSE_CASSANDRA_STORAGE_PORT:-7000}"
CASSANDRA_HEAP="${BOURSE_CASSANDRA_HEAP:-512m}"

say() { echo "services: $*"; }
die() { echo "services: $*" >&2; exit 1; }

port_of() { case "$1" in kafka) echo "$KAFKA_PORT" ;; cassandra) echo "$CASSANDRA_PORT" ;; esac; }
probe() { node "$ROOT/scripts/probe.mjs" "$1" "127.0.0.1:$(port_of "$1")" "${2:-2000}"; }
pid_of() { local f="$DIR/$1/pid"; [[ -f "$f" ]] && kill -0 "$(cat "$f")" 2>/dev/null && cat "$f"; }

# Downloads the server's jars (and their dependencies) once; a changed pom downloads again.
fetch() {
  local name="$1" pom="$ROOT/tools/$1/pom.xml" lib="$DIR/$1/lib"
  local stamp
  stamp="$(sha256sum "$pom" | cut -d' ' -f1)"
  if [[ -f "$lib/.fetched" && "$(cat "$lib/.fetched")" == "$stamp" ]]; then return 0; fi
  command -v "$MVN" >/dev/null || die "$name: Maven ($MVN) is not installed; it downloads the jars"
  say "$name: downloading jars from Maven Central (tools/$1/pom.xml)"
  local t0=$SECONDS
  rm -rf "$lib.tmp"
  mkdir -p "$DIR/$1"
  "$MVN" -B -f "$pom" "$DEPENDENCY_PLUGIN:copy-dependencies" \
    -DincludeScope=runtime -DoutputDirectory="$lib.tmp" >"$DIR/$1/fetch.log" 2>&1 ||
    { tail -n 30 "$DIR/$1/fetch.log" >&2; die "$name: Maven could not resolve tools/$1/pom.xml (log: $DIR/$1/fetch.log)"; }
  rm -rf "$lib" && mv "$lib.tmp" "$lib" && echo "$stamp" >"$lib/.fetched"
  say "$name: $(find "$lib" -name '*.jar' | wc -l) jars in $((SECONDS - t0)) s"
}

kafka_config() {
  local d="$DIR/kafka"
  mkdir -p "$d/conf" "$d/data"
  cat >"$d/conf/server.properties" <<EOF
# Written by scripts/services.sh on each start: one node, broker and controller.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$d/data
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
EOF
  cat >"$d/conf/log4j2.properties" <<'EOF'
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.console.ref = STDOUT
logger.server.name = kafka.server
logger.server.level = INFO
logger.raft.name = kafka.server.KafkaRaftServer
logger.raft.level = INFO
EOF
}

kafka_launch() {
  local d="$DIR/kafka" log="-Dlog4j2.configurationFile=$DIR/kafka/conf/log4j2.properties"
  kafka_config
  if [[ ! -f "$d/data/meta.properties" ]]; then
    # A cluster id is 16 random bytes in unpadded base64url; one that starts
    # with "-" would read as an option to the storage tool, so draw again.
    local id="-"
    while [[ "$id" == -* ]]; do
      id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
    done
    "$JAVA" -Xmx256m "$log" -cp "$d/lib/*" kafka.tools.StorageTool format --standalone \
      -t "$id" -c "$d/conf/server.properties" >"$d/format.log" 2>&1 ||
      { cat "$d/format.log" >&2; die "kafka: formatting the data folder failed"; }
  fi
  setsid nohup "$JAVA" -Xms"$KAFKA_HEAP" -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -Dkafka.logs.dir="$d" "$log" -cp "$d/lib/*" kafka.Kafka "$d/conf/server.properties" \
    >"$d/server.log" 2>&1 </dev/null &
  echo $! >"$d/pid"
}

cassandra_config() {
  local d="$DIR/cassandra"
  mkdir -p "$d/conf" "$d/data"
  cat >"$d/conf/cassandra.yaml" <<EOF
# Written by scripts/services.sh on each start: one node on loopback.
cluster_name: bourse-local
num_tokens: 1
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
commitlog_sync: periodic
commitlog_sync_period: 10000ms
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "127.0.0.1:$CASSANDRA_STORAGE_PORT"
listen_address: 127.0.0.1
rpc_address: 127.0.0.1
storage_port: $CASSANDRA_STORAGE_PORT
native_transport_port: $CASSANDRA_PORT
start_native_transport: true
auto_snapshot: false
EOF
  cat >"$d/conf/logback.xml" <<'EOF'
<configuration>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %logger{0} - %msg%n</pattern></encoder>
  </appender>
  <root level="WARN"><appender-ref ref="STDOUT"/></root>
  <logger name="org.apache.cassandra.service.StorageService" level="INFO"/>
</configuration>
EOF
}

# The JPMS flags are those of Cassandra 5.0's conf/jvm17-server.options.
CASSANDRA_JVM17=(
  -Djdk.attach.allowAttachSelf=true
  --add-exports java.base/jdk.internal.misc=ALL-UNNAMED
  --add-exports java.base/jdk.internal.ref=ALL-UNNAMED
  --add-exports java.base/sun.nio.ch=ALL-UNNAMED
  --add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED
  --add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED
  --add-exports java.sql/java.sql=ALL-UNNAMED
  --add-exports java.base/java.lang.ref=ALL-UNNAMED
  --add-exports jdk.unsupported/sun.misc=ALL-UNNAMED
  --add-opens java.base/java.lang.module=ALL-UNNAMED
  --add-opens java.base/jdk.internal.loader=ALL-UNNAMED
  --add-opens java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED
  --add-opens java.base/jdk.internal.math=ALL-UNNAMED
  --add-opens java.base/jdk.internal.module=ALL-UNNAMED
  --add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED
  --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
  --add-opens java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens java.base/java.io=ALL-UNNAMED
  --add-opens java.base/java.nio=ALL-UNNAMED
  --add-opens java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens java.base/java.lang=ALL-UNNAMED
  --add-opens java.base/java.util=ALL-UNNAMED
  --add-opens java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens java.base/java.util.concurrent.atomic=ALL-UNNAMED
  -Dio.netty.tryReflectionSetAccessible=true
)

cassandra_launch() {
  local d="$DIR/cassandra"
  cassandra_config
  local jamm
  jamm="$(find "$d/lib" -name 'jamm-*.jar' | head -n 1)"
  [[ -n "$jamm" ]] || die "cassandra: no jamm jar in $d/lib (the memory meter agent Cassandra needs)"
  setsid nohup "$JAVA" -Xms"$CASSANDRA_HEAP" -Xmx"$CASSANDRA_HEAP" -XX:+UseG1GC \
    -XX:+ParallelRefProcEnabled -XX:MaxTenuringThreshold=1 -XX:+ExitOnOutOfMemoryError \
    -javaagent:"$jamm" "${CASSANDRA_JVM17[@]}" \
    -Dcassandra-foreground=yes -Dcassandra.config="file://$d/conf/cassandra.yaml" \
    -Dcassandra.storagedir="$d/data" -Dlogback.configurationFile="$d/conf/logback.xml" \
    -Dcassandra.skip_wait_for_gossip_to_settle=0 \
    -cp "$d/conf:$d/lib/*" org.apache.cassandra.service.CassandraDaemon \
    >"$d/server.log" 2>&1 </dev/null &
  echo $! >"$d/pid"
}

start() {
  local name="$1" port pid t0
  port="$(port_of "$name")"
  # Always: the fault tests run a private broker from these jars.
  fetch "$name"
  if pid="$(pid_of "$name")"; then
    if probe "$name" >/dev/null 2>&1; then say "$name: already running (pid $pid) on 127.0.0.1:$port"; return 0; fi
    die "$name: pid $pid is running but 127.0.0.1:$port does not answer; see $DIR/$name/server.log or stop it"
  fi
  if probe "$name" >/dev/null 2>&1; then
    say "$name: 127.0.0.1:$port already answers (a server this script did not start); using it"
    return 0
  fi
  command -v "$JAVA" >/dev/null || die "$name: no Java ($JAVA); Java 17 or later is needed"
  t0=$(date +%s%N)
  "${name}_launch"
  pid="$(cat "$DIR/$name/pid")"
  local until=$((SECONDS + TIMEOUT_S))
  while ! probe "$name" 1000 >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 40 "$DIR/$name/server.log" >&2 || true
      die "$name: the server exited during start-up (log above: $DIR/$name/server.log)"
    fi
    if ((SECONDS >= until)); then
      tail -n 40 "$DIR/$name/server.log" >&2 || true
      kill "$pid" 2>/dev/null || true
      die "$name: no answer on 127.0.0.1:$port within ${TIMEOUT_S} s (BOURSE_SERVICES_TIMEOUT_S); stopped it"
    fi
    sleep 0.25
  done
  say "$name: ready on 127.0.0.1:$port (pid $pid) after $((($(date +%s%N) - t0) / 1000000)) ms; $(probe "$name" 2>&1)"
}

stop() {
  local name="$1" pid
  if ! pid="$(pid_of "$name")"; then
    rm -f "$DIR/$name/pid"
    say "$name: not running (started by this script)"
    return 0
  fi
  # SIGTERM: Kafka shuts down in a controlled way, Cassandra drains.
  kill "$pid"
  local until=$((SECONDS + 60))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= until)); then
      say "$name: pid $pid did not stop within 60 s; killing it"
      kill -9 "$pid" 2>/dev/null || true
    fi
    sleep 0.2
  done
  rm -f "$DIR/$name/pid"
  say "$name: stopped (pid $pid)"
}

status() {
  local name="$1" pid
  if pid="$(pid_of "$name")"; then
    if probe "$name" >/dev/null 2>&1; then say "$name: running (pid $pid), answering on 127.0.0.1:$(port_of "$name")"
    else say "$name: running (pid $pid), NOT answering on 127.0.0.1:$(port_of "$name")"; return 1; fi
  elif probe "$name" >/dev/null 2>&1; then
    say "$name: 127.0.0.1:$(port_of "$name") answers (a server this script did not start)"
  else
    say "$name: not running"
    return 1
  fi
}

clean() {
  stop "$1"
  rm -rf "${DIR:?}/$1/data" "${DIR:?}/$1/conf" "$DIR/$1/server.log" "$DIR/$1/format.log"
  say "$1: data removed (jars kept in $DIR/$1/lib)"
}

cmd="${1:-}"
shift || true
case "$cmd" in start | stop | status | fetch | clean) ;; *)
  echo "usage: scripts/services.sh start|stop|status|fetch|clean [kafka] [cassandra]" >&2
  exit 2
  ;;
esac
names=("$@")
((${#names[@]})) || names=(kafka cassandra)
for n in "${names[@]}"; do
  case "$n" in kafka | cassandra) ;; *) die "unknown server \"$n\" (kafka, cassandra)" ;; esac
done
mkdir -p "$DIR"
rc=0
for n in "${names[@]}"; do
  mkdir -p "$DIR/$n"
  "$cmd" "$n" || rc=1
done
exit $rc
