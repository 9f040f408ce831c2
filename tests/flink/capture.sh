#!/usr/bin/env bash
# Runs small failing Flink jobs on a local standalone cluster (Flink 2.3.0 from
# the PyPI wheel apache-flink-libraries) and saves what Flink's REST API reports
# about each failure into crates/stacktrace/tests/data/flink/.
#
#   tests/flink/capture.sh [case ...]      (no case: all of them)
#   cases: failing-map lambda-npe kryo-unmodifiable too-many-slots heap-oom closed-port tm-killed tm-frozen
#
# Environment:
#   FAULTLINE_FLINK_CACHE  where the wheel is downloaded and unpacked (default ~/.cache/faultline/flink)
#   FAULTLINE_FLINK_OUT    where the captures go (default crates/stacktrace/tests/data/flink)
#   FAULTLINE_FLINK_KEEP=1 keep the work dir (config, Flink logs) and print its path
#
# Needs java and javac (17), python3, curl, pip (only for the first download).
# Everything listens on 127.0.0.1 on ports picked at run time. Every JVM runs
# under `timeout` (at most 20 minutes) and is killed when the script exits.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
version=2.3.0
out="${FAULTLINE_FLINK_OUT:-$repo/crates/stacktrace/tests/data/flink}"
cache="${FAULTLINE_FLINK_CACHE:-$HOME/.cache/faultline/flink}"
all_cases=(failing-map lambda-npe kryo-unmodifiable too-many-slots heap-oom closed-port tm-killed tm-frozen)
cases=("$@"); [ ${#cases[@]} -gt 0 ] || cases=("${all_cases[@]}")
for c in "${cases[@]}"; do
  [[ " ${all_cases[*]} " == *" $c "* ]] || { echo "unknown case $c (known: ${all_cases[*]})" >&2; exit 2; }
done

work=$(mktemp -d -t faultline-flink.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do pkill -KILL -P "$p" 2>/dev/null || true; done  # each java under its `timeout`
  sleep 1
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done     # a `timeout` still there
  if pgrep -f "$work/conf" >/dev/null; then
    echo "warning: JVMs still running:" >&2; pgrep -af "$work/conf" >&2 || true
  fi
  if [ "${FAULTLINE_FLINK_KEEP:-}" = 1 ]; then echo "work dir kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- Flink from the wheel (jars only: lib/, opt/, plugins/, bin/bash-java-utils.jar) ---
flink="$cache/$version/pyflink"
if [ ! -f "$flink/lib/flink-dist-$version.jar" ]; then
  mkdir -p "$cache"
  ls "$cache"/apache_flink_libraries-"$version"-*.whl >/dev/null 2>&1 ||
    pip download --no-deps -q "apache-flink-libraries==$version" -d "$cache"
  rm -rf "$cache/$version.tmp"
  python3 -m zipfile -e "$(ls "$cache"/apache_flink_libraries-"$version"-*.whl | head -1)" "$cache/$version.tmp"
  mv "$cache/$version.tmp" "$cache/$version"
fi
dist="$flink/lib/flink-dist-$version.jar"
cp="$flink/lib/*"

# --- configuration ---
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rest=$(free_port); rpc=$(free_port)
conf="$work/conf"; mkdir -p "$conf" "$work/log" "$work/tmp" "$work/plugins" "$out"
# Flink looks for plugins in $FLINK_PLUGINS_DIR, else in ./plugins, and refuses to start on a
# subdirectory without jars (this repository has a plugins/ of its own): use an empty one.
export FLINK_PLUGINS_DIR="$work/plugins"
cat > "$conf/config.yaml" <<YAML
jobmanager.rpc.address: 127.0.0.1
jobmanager.rpc.port: $rpc
jobmanager.bind-host: 127.0.0.1
jobmanager.memory.process.size: 1024m
taskmanager.host: 127.0.0.1
taskmanager.bind-host: 127.0.0.1
taskmanager.rpc.port: 0
taskmanager.data.port: 0
taskmanager.memory.process.size: 1280m
taskmanager.numberOfTaskSlots: 2
rest.address: 127.0.0.1
rest.bind-address: 127.0.0.1
rest.port: $rest
blob.server.port: 0
metrics.internal.query-service.port: 0
restart-strategy.type: none
slot.request.timeout: 10000
heartbeat.interval: 2000
heartbeat.timeout: 10000
io.tmp.dirs: $work/tmp
YAML
cat > "$conf/log4j.properties" <<'PROPS'
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = MainAppender
appender.main.name = MainAppender
appender.main.type = File
appender.main.fileName = ${sys:log.file}
appender.main.layout.type = PatternLayout
appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
PROPS
# JVM module flags (--add-opens/--add-exports): env.java.opts.all of flink-dist's default config.yaml.
opts=$(python3 -c 'import sys,zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read("config.yaml").decode())' "$dist" |
  sed -n 's/^ *all: //p' | head -1)
# Heap, metaspace and direct memory flags (line 1) and -D settings (line 2), as Flink's bin scripts get them.
resource_params() {
  java -cp "$flink/bin/bash-java-utils.jar:$cp" org.apache.flink.runtime.util.bash.BashJavaUtils "$1" --configDir "$conf" 2>/dev/null |
    sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p'
}
jm_params=$(resource_params GET_JM_RESOURCE_PARAMS)
tm_params=$(resource_params GET_TM_RESOURCE_PARAMS)
[ -n "$jm_params" ] && [ -n "$tm_params" ] || { echo "BashJavaUtils printed no resource params" >&2; exit 1; }

# start_java NAME MAINCLASS JVMFLAGS ARGS... ; sets $last_pid (the `timeout` wrapping the java)
start_java() {
  local name=$1 main=$2 jvm=$3; shift 3
  # shellcheck disable=SC2086
  (cd "$work" && exec timeout -s KILL 1200 java $opts $jvm -Dlog.file="$work/log/$name.log" \
    -Dlog4j.configurationFile="file:$conf/log4j.properties" \
    -cp "$cp" "$main" --configDir "$conf" "$@" > "$work/log/$name.out" 2>&1) &
  last_pid=$!
  disown "$last_pid"   # no "Killed" notices from bash; cleanup kills it by pid
  pids+=("$last_pid")
}
tm_n=0
start_tm() {
  tm_n=$((tm_n + 1))
  # shellcheck disable=SC2046
  start_java "tm$tm_n" org.apache.flink.runtime.taskexecutor.TaskManagerRunner \
    "$(echo "$tm_params" | sed -n 1p)" $(echo "$tm_params" | sed -n 2p)
  tm_pid=$last_pid
}
tm_java_pid() { pgrep -P "$tm_pid" java || true; }

api="http://127.0.0.1:$rest"
py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
get() { curl -sf --max-time 10 "$api$1"; }
# wait_for SECONDS CMD...: runs CMD once a second until it succeeds.
wait_for() {
  local n=$1; shift
  for _ in $(seq "$n"); do "$@" && return 0; sleep 1; done
  return 1
}
cluster_ready() { # the JobManager up, one live TaskManager, all slots free
  [ -n "$(pgrep -P "$jm_pid" java)" ] || { echo "the JobManager died" >&2; tail -n 30 "$work/log/jm.log" >&2; exit 1; }
  [ -n "$(tm_java_pid)" ] || return 1
  local o; o=$(get /overview) || return 1
  [ "$(echo "$o" | py 'd["slots-available"] >= 2 and d["taskmanagers"] >= 1')" = True ]
}
ensure_tm() {
  if [ -z "$(tm_java_pid)" ]; then echo "  (TaskManager is gone; starting a new one)"; start_tm; fi
  wait_for 90 cluster_ready || { echo "cluster not ready" >&2; tail -n 30 "$work"/log/*.out >&2; exit 1; }
}

start_java jm org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint "$(echo "$jm_params" | sed -n 1p)"
jm_pid=$last_pid
start_tm
ensure_tm
echo "Flink $(get /config | py 'd["flink-version"]') on $api"

# --- the jobs ---
mkdir -p "$work/classes"
# shellcheck disable=SC2046
javac -nowarn -cp "$dist" -d "$work/classes" $(find "$here/jobs/src" -name '*.java')
(cd "$work/classes" && jar cf "$work/jobs.jar" .)
jar_id=$(curl -sf -X POST -F "jarfile=@$work/jobs.jar" "$api/jars/upload" | py 'd["filename"].split("/")[-1]')

job_state() { get "/jobs/$1" | py 'd["state"]'; }
is_failed() { [ "$(job_state "$1")" = FAILED ]; }
all_running() { [ "$(get "/jobs/$1" | py 'all(v["status"] == "RUNNING" for v in d["vertices"])')" = True ]; }
has_history() { [ "$(get "/jobs/$1/exceptions" | py 'len(d["exceptionHistory"]["entries"])')" -ge 1 ]; }

failures=0
# run_case NAME CLASS [kill-tm|stop-tm]: with kill-tm/stop-tm the TaskManager gets SIGKILL/SIGSTOP
# once all tasks run (a stopped one is killed after the job failed; the next case starts a new one).
run_case() {
  local name=$1 class=$2 mode=${3:-} job
  ensure_tm
  job=$(curl -sf -X POST "$api/jars/$jar_id/run?entry-class=com.acme.jobs.$class" | py 'd["jobid"]') ||
    { echo "$name: submission failed" >&2; failures=$((failures + 1)); return; }
  if [ -n "$mode" ]; then
    if ! wait_for 60 all_running "$job"; then
      echo "$name: job never ran" >&2; failures=$((failures + 1)); return
    fi
    sleep 3
    local sig=KILL; [ "$mode" = stop-tm ] && sig=STOP
    echo "  sending SIG$sig to the TaskManager (pid $(tm_java_pid))"
    kill -"$sig" "$(tm_java_pid)"
  fi
  if ! wait_for 120 is_failed "$job"; then
    echo "$name: not FAILED but $(job_state "$job") after 120 s; cancelling" >&2
    curl -sf -X PATCH "$api/jobs/$job?mode=cancel" >/dev/null || true
    failures=$((failures + 1)); return
  fi
  wait_for 10 has_history "$job" || true
  if [ "$mode" = stop-tm ]; then kill -KILL "$(tm_java_pid)"; fi
  get "/jobs/$job/exceptions?maxExceptions=10" > "$out/$name.exceptions.json"
  python3 - "$out/$name.exceptions.json" "$out/$name.txt" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
entries = doc.get("exceptionHistory", {}).get("entries", [])
text = entries[0]["stacktrace"] if entries else doc["root-exception"]
open(sys.argv[2], "w").write(text)
PY
  echo "$name: FAILED; $(head -n 1 "$out/$name.txt" | cut -c1-110)"
  grep '^Caused by' "$out/$name.txt" | sed 's/^/    /' | cut -c1-150 || true
}

for c in "${cases[@]}"; do
  case $c in
    failing-map) run_case failing-map FailingMap ;;
    lambda-npe) run_case lambda-npe LambdaNpe ;;
    kryo-unmodifiable) run_case kryo-unmodifiable KryoUnmodifiable ;;
    too-many-slots) run_case too-many-slots TooManySlots ;;
    heap-oom) run_case heap-oom HeapHog ;;
    closed-port) run_case closed-port ClosedPort ;;
    tm-killed) run_case tm-killed Steady kill-tm ;;
    tm-frozen) run_case tm-frozen Steady stop-tm ;;
  esac
done
[ "$failures" -eq 0 ] || { echo "$failures case(s) not captured" >&2; exit 1; }
echo "captured ${#cases[@]} case(s) into $out"
