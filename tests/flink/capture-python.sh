#!/usr/bin/env bash
# Runs small failing PyFlink (Python) jobs on a local standalone Flink 2.3.0 cluster
# (the jars, bin/flink and Python package of the PyPI wheels apache-flink and
# apache-flink-libraries 2.3.0, installed into a venv) and saves what Flink's REST API
# reports about each failure into crates/stacktrace/tests/data/pyflink/.
#
#   tests/flink/capture-python.sh [case ...]      (no case: all of them)
#   tests/flink/capture-python.sh --list          (the cases)
#
# Jobs are the scripts in tests/flink/python/, submitted with the package's own
# `flink run -m 127.0.0.1:PORT -d -py JOB ARGS` (the client runs the script with the venv's
# python; Python UDFs run in Python worker processes the TaskManager starts, again the
# venv's python: python.executable).
#
# Environment:
#   FAULTLINE_PYFLINK_VENV  the venv (default ~/.cache/faultline/pyflink; made and filled
#                           with `pip install apache-flink==2.3.0` when missing)
#   FAULTLINE_PYFLINK_OUT   where the captures go (default crates/stacktrace/tests/data/pyflink)
#   FAULTLINE_FLINK_KEEP=1  keep the work dir (config, Flink and client logs) and print its path
#
# Needs java (17), python3 (3.11: the venv's), curl and pip (first run only). The
# udf-memory-oom-killed case puts the TaskManager in a memory cgroup (v1): it needs root.
# Everything listens on 127.0.0.1 on ports picked at run time. Every JVM and client runs
# under `timeout` and is killed when the script exits.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
version=2.3.0
jobs="$here/python"
out="${FAULTLINE_PYFLINK_OUT:-$repo/crates/stacktrace/tests/data/pyflink}"
venv="${FAULTLINE_PYFLINK_VENV:-$HOME/.cache/faultline/pyflink}"

# --- the cases (each one's job and action: see spec) ---
all_cases=(udf-zero-division map-key-error udf-bad-json map-bad-json udf-wrong-result-type
  map-wrong-output-type udf-missing-module sql-unknown-column table-unsupported-sort http-refused-urllib
  http-refused-requests udf-memory-error udf-memory-oom-killed worker-killed tm-killed)

if [ "${1:-}" = --list ]; then printf '%s\n' "${all_cases[@]}"; exit 0; fi
cases=("$@"); [ ${#cases[@]} -gt 0 ] || cases=("${all_cases[@]}")
for c in "${cases[@]}"; do
  [[ " ${all_cases[*]} " == *" $c "* ]] || { echo "unknown case $c (known: ${all_cases[*]})" >&2; exit 2; }
done

work=$(mktemp -d -t faultline-pyflink.XXXXXX)
pids=()     # every `timeout` wrapping a JVM or a `flink run` client
cgroup=""   # the memory cgroup of udf-memory-oom-killed
# `timeout` makes itself a process group leader: killing its group (-PID) kills the JVM and
# the Python workers it started (bash pyflink-udf-runner.sh, python, tee), orphaned or not.
kill_tree() { kill -KILL -- "-$1" 2>/dev/null || true; kill -KILL "$1" 2>/dev/null || true; }
cleanup() {
  local p left
  for p in "${pids[@]}"; do kill_tree "$p"; done
  sleep 1
  for p in "${pids[@]}"; do   # (zombies, killed but not yet reaped, do not count)
    left=$(ps -e -o pid=,pgid=,stat=,args= | awk -v g="$p" '$2 == g && $3 !~ /^Z/')
    if [ -n "$left" ]; then echo "warning: still running in process group $p:" >&2; echo "$left" >&2; fi
  done
  if [ -n "$cgroup" ]; then rmdir "$cgroup" 2>/dev/null || echo "warning: could not remove $cgroup" >&2; fi
  if [ "${FAULTLINE_FLINK_KEEP:-}" = 1 ]; then echo "work dir kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
t0=$(date +%s)

# --- PyFlink in a venv: the client, the Python workers and the Flink distribution (lib/, opt/, bin/) ---
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import pyflink.version as v, sys; sys.exit(v.__version__ != sys.argv[1])' "$version" 2>/dev/null; then
  echo "installing apache-flink==$version into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "apache-flink==$version"
fi
python="$venv/bin/python"
flink=$("$python" -c 'import os, pyflink; print(os.path.dirname(os.path.abspath(pyflink.__file__)))')
dist="$flink/lib/flink-dist-$version.jar"
cp="$flink/lib/*"
[ -f "$dist" ] || { echo "no $dist" >&2; exit 1; }
mkdir -p "$out" "$work/plugins" "$work/client-tmp"
export FLINK_PLUGINS_DIR="$work/plugins"   # an empty plugins dir (see capture.sh)
# JVM module flags (--add-opens/--add-exports): env.java.opts.all of flink-dist's default config.yaml.
opts=$("$python" -c 'import sys,zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read("config.yaml").decode())' "$dist" |
  sed -n 's/^ *all: //p' | head -1)

# --- helpers ---
free_port() { "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
py() { "$python" -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
get() { curl -sf --max-time 10 "$api$1"; }
wait_for() { # wait_for SECONDS CMD...: runs CMD once a second until it succeeds
  local n=$1; shift
  for _ in $(seq "$n"); do "$@" && return 0; sleep 1; done
  return 1
}
# start_java NAME MAINCLASS JVMFLAGS SETUP ARGS... ; sets $last_pid (the `timeout` wrapping the java)
start_java() {
  local name=$1 main=$2 jvm=$3 setup=$4; shift 4
  # shellcheck disable=SC2086
  (cd "$gdir" && eval "$setup" && exec timeout -s KILL 1200 env -u PYTHONPATH java $opts $jvm -Djava.io.tmpdir="$gdir/tmp" -Dlog.file="$gdir/log/$name.log" \
    -Dlog4j.configurationFile="file:$conf/log4j.properties" \
    -cp "$cp" "$main" --configDir "$conf" "$@" > "$gdir/log/$name.out" 2>&1) &
  last_pid=$!
  disown "$last_pid"
  pids+=("$last_pid")
}

# --- the cluster: one JobManager, one TaskManager with 2 slots ($tm_setup: shell code run
# in the TaskManager's subshell first) ---
start_cluster() { # GROUP
  gdir="$work/$1"; conf="$gdir/conf"; mkdir -p "$conf" "$gdir/log" "$gdir/tmp"
  rest=$(free_port); rpc=$(free_port); api="http://127.0.0.1:$rest"
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
io.tmp.dirs: $gdir/tmp
python.executable: $python
python.client.executable: $python
env.java.opts.all: $opts
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
  cp "$conf/log4j.properties" "$conf/log4j-cli.properties"
  resource_params() {
    java -cp "$flink/bin/bash-java-utils.jar:$cp" org.apache.flink.runtime.util.bash.BashJavaUtils "$1" --configDir "$conf" 2>/dev/null |
      sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p'
  }
  jm_params=$(resource_params GET_JM_RESOURCE_PARAMS)
  tm_params=$(resource_params GET_TM_RESOURCE_PARAMS)
  [ -n "$jm_params" ] && [ -n "$tm_params" ] || { echo "BashJavaUtils printed no resource params" >&2; exit 1; }
  start_java jm org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint "$(echo "$jm_params" | sed -n 1p)" ":"
  jm_pid=$last_pid
  tm_n=0; start_tm
  wait_for 90 cluster_ready || { echo "cluster not ready" >&2; tail -n 30 "$gdir"/log/*.out >&2; exit 1; }
  echo "Flink $(get /config | py 'd["flink-version"]') on $api, PyFlink $("$python" -c 'import pyflink.version as v; print(v.__version__)') in $venv"
}
tm_setup=":"
start_tm() {
  tm_n=$((tm_n + 1))
  # shellcheck disable=SC2046
  start_java "tm$tm_n" org.apache.flink.runtime.taskexecutor.TaskManagerRunner "$(echo "$tm_params" | sed -n 1p)" "$tm_setup" \
    $(echo "$tm_params" | sed -n 2p)
  tm_pid=$last_pid
}
tm_java_pid() { pgrep -P "$tm_pid" java || true; }
jm_java_pid() { pgrep -P "$jm_pid" java || true; }
cluster_ready() { # the JobManager up, a live TaskManager, both slots free
  [ -n "$(jm_java_pid)" ] || { echo "the JobManager died" >&2; tail -n 30 "$gdir/log/jm.log" >&2; exit 1; }
  [ -n "$(tm_java_pid)" ] || return 1
  local o; o=$(get /overview) || return 1
  [ "$(echo "$o" | py "d['slots-available'] >= 2 and d['taskmanagers'] >= 1")" = True ]
}
ensure_tm() {
  if [ -z "$(tm_java_pid)" ]; then echo "  (TaskManager is gone; starting a new one)"; start_tm; fi
  wait_for 90 cluster_ready || { echo "cluster not ready" >&2; tail -n 30 "$gdir"/log/*.out >&2; exit 1; }
}

job_state() { get "/jobs/$1" | py 'd["state"]'; }
is_failed() { [ "$(job_state "$1")" = FAILED ]; }
is_gone() { local s; s=$(job_state "$1"); [ "$s" = CANCELED ] || [ "$s" = FAILED ] || [ "$s" = FINISHED ]; }
all_running() { [ "$(get "/jobs/$1" | py 'all(v["status"] == "RUNNING" for v in d["vertices"])')" = True ]; }
has_history() { [ "$(get "/jobs/$1/exceptions" | py 'len(d["exceptionHistory"]["entries"])')" -ge 1 ]; }
cancel() { curl -sf -X PATCH "$api/jobs/$1?mode=cancel" >/dev/null || true; wait_for 30 is_gone "$1" || true; }

# submit CASE: `flink run -d -py` of $script with $args (the client under timeout, with $client_env);
# its output goes to $work/CASE.client, and the job id it printed (if any) to $work/CASE.job.
submit() {
  local log="$work/$1.client" p
  # shellcheck disable=SC2086
  (cd "$work" && exec timeout -s KILL 300 env -u PYTHONPATH FLINK_CONF_DIR="$conf" FLINK_LOG_DIR="$gdir/log" \
    JVM_ARGS="-Djava.io.tmpdir=$work/client-tmp" PATH="$venv/bin:$PATH" $client_env \
    "$flink/bin/flink" run -m "127.0.0.1:$rest" -d -py "$jobs/$script" "${args[@]}" > "$log" 2>&1) &
  p=$!; pids+=("$p"); wait "$p" || true
  sed -n 's/^Job has been submitted with JobID \([0-9a-f]\{32\}\)$/\1/p' "$log" > "$work/$1.job"
}

# --- per-case actions once the job is submitted ---
wait_running() { wait_for 90 all_running "$1" || { echo "  the job never ran" >&2; return 1; }; }
worker_pid() { # the Python worker (python -m pyflink.fn_execution.beam.beam_boot) under the TaskManager
  local runner; runner=$(pgrep -P "$(tm_java_pid)" -f pyflink-udf-runner.sh | head -1)
  [ -n "$runner" ] && pgrep -P "$runner" -f pyflink.fn_execution.beam.beam_boot | head -1
}
kill_worker() {
  wait_running "$1" && wait_for 60 worker_pid > /dev/null && sleep 5 || return 1
  echo "  SIGKILL to the Python worker (pid $(worker_pid): $(ps -o args= -p "$(worker_pid)" | cut -c1-80))"
  kill -KILL "$(worker_pid)"
}
kill_tm() {
  wait_running "$1" && wait_for 60 worker_pid > /dev/null && sleep 5 || return 1
  echo "  SIGKILL to the TaskManager (pid $(tm_java_pid))"; kill -KILL "$(tm_java_pid)"
}
watch_memory() { # the memcg group: report what the kernel's OOM killer did
  local w
  wait_running "$1" && wait_for 60 worker_pid > /dev/null || return 1
  w=$(worker_pid); echo "  Python worker pid $w in $cgroup (limit $(($(cat "$cgroup/memory.limit_in_bytes") >> 20)) MiB)"
  wait_for 180 is_gone "$1" || true
  echo "  cgroup: max usage $(($(cat "$cgroup/memory.max_usage_in_bytes") >> 20)) MiB, failcnt $(cat "$cgroup/memory.failcnt"), $(grep oom_kill "$cgroup/memory.oom_control" | tr '\n' ' ')"
  if kill -0 "$w" 2>/dev/null; then echo "  the Python worker is alive"; else echo "  the Python worker is gone"; fi
  if [ -n "$(tm_java_pid)" ]; then echo "  the TaskManager is alive"; else echo "  the TaskManager is gone"; fi
}

# spec CASE: sets script (in tests/flink/python), args, client_env (extra environment of the
# client only), action (run once the job is submitted) and expect: failed, or rejected (the
# client fails before submitting a job: its output is the capture).
spec() {
  script=""; args=(); client_env=""; action=""; expect=failed
  case $1 in
    udf-zero-division) script=udf_zero_division.py ;;
    map-key-error) script=map_key_error.py ;;
    udf-bad-json) script=udf_bad_json.py ;;
    map-bad-json) script=map_bad_json.py ;;
    udf-wrong-result-type) script=udf_wrong_result_type.py ;;
    map-wrong-output-type) script=map_wrong_output_type.py ;;
    udf-missing-module) script=udf_missing_module.py; client_env="PYTHONPATH=$jobs/client-lib" ;;
    sql-unknown-column) script=sql_unknown_column.py; expect=rejected ;;
    table-unsupported-sort) script=table_unsupported_sort.py; expect=rejected ;;
    http-refused-urllib) script=udf_http_refused.py; args=("http://127.0.0.1:$(free_port)" urllib) ;;
    http-refused-requests) script=udf_http_refused.py; args=("http://127.0.0.1:$(free_port)" requests) ;;
    udf-memory-error) script=udf_memory_error.py ;;
    udf-memory-oom-killed) script=udf_memory_leak.py; action=watch_memory ;;
    worker-killed) script=steady_udf.py; action=kill_worker ;;
    tm-killed) script=steady_udf.py; action=kill_tm ;;
  esac
}

# summary < TRACE: one line for the console: the last Python exception of the first Python
# traceback (up to the Java frames after it), else the last `Caused by:`, else the first line
summary() {
  "$python" -c '
import re, sys
text = sys.stdin.read()
tb = text.find("Traceback (most recent call last):")
found = []
if tb >= 0:   # up to the first Java frame after it (the end of the exception message)
    end = text.find("\n\tat ", tb)
    found = re.findall(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit)\b.*)$", text[tb:end], re.M)
found = found or re.findall(r"^Caused by: (.*)$", text, re.M) or text.splitlines()[:1]
print(found[-1][:150])'
}
failures=0
not_captured() { echo "$1: $2" >&2; failures=$((failures + 1)); }
run_case() {
  local name=$1 job
  spec "$name"
  ensure_tm
  submit "$name"; job=$(cat "$work/$name.job")
  if [ -z "$job" ]; then
    if [ "$expect" = rejected ]; then
      cp "$work/$name.client" "$out/$name.client-output"
      head -c -1 "$work/$name.client" > "$out/$name.txt"   # without the last newline
      echo "$name: rejected by the client; $(summary < "$out/$name.txt")"
    else
      not_captured "$name" "no job submitted: $(tail -c 600 "$work/$name.client")"
    fi
    return
  fi
  [ "$expect" = failed ] || { not_captured "$name" "expected the client to fail, got job $job"; cancel "$job"; return; }
  if [ -n "$action" ]; then $action "$job" || { not_captured "$name" "action ($action) failed"; cancel "$job"; return; }; fi
  if ! { wait_for 120 is_gone "$job" && is_failed "$job"; }; then
    not_captured "$name" "not FAILED but $(job_state "$job") after 120 s; cancelling"
    cancel "$job"; return
  fi
  wait_for 10 has_history "$job" || true
  get "/jobs/$job/exceptions?maxExceptions=10" > "$out/$name.exceptions.json"
  py 'd["exceptionHistory"]["entries"][0]["stacktrace"]' < "$out/$name.exceptions.json" > "$work/trace.txt"
  head -c -1 "$work/trace.txt" > "$out/$name.txt"   # print() added a newline
  echo "$name: FAILED; $(summary < "$out/$name.txt")"
}

# groups: main (one JobManager, one TaskManager), then memcg (the TaskManager in a memory cgroup)
memcg_limit_mb=2048
for g in main memcg; do
  todo=()
  for c in "${cases[@]}"; do
    if [ "$c" = udf-memory-oom-killed ]; then [ "$g" = memcg ] && todo+=("$c"); else [ "$g" = main ] && todo+=("$c"); fi
  done
  [ ${#todo[@]} -gt 0 ] || continue
  tm_setup=":"
  if [ "$g" = memcg ]; then
    cgroup="/sys/fs/cgroup/memory/faultline-pyflink-$$"
    if ! { mkdir -p "$cgroup" && echo $((memcg_limit_mb << 20)) > "$cgroup/memory.limit_in_bytes"; }; then
      for c in "${todo[@]}"; do not_captured "$c" "no memory cgroup (needs root and cgroup v1)"; done
      cgroup=""; continue
    fi
    tm_setup="echo \$BASHPID > $cgroup/cgroup.procs"
    echo "[memcg] the TaskManager and its Python workers in $cgroup, memory.limit_in_bytes ${memcg_limit_mb} MiB"
  fi
  start_cluster "$g"
  for c in "${todo[@]}"; do run_case "$c"; done
  for p in "${pids[@]}"; do kill_tree "$p"; done   # the group's JVMs and Python workers
done
echo "$(( ${#cases[@]} - failures )) of ${#cases[@]} case(s) captured into $out in $(( $(date +%s) - t0 )) s"
[ "$failures" -eq 0 ] || { echo "$failures case(s) not captured" >&2; exit 1; }
