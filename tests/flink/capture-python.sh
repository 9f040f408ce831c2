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
python="$venv/bin/python"
# shellcheck source=tests/flink/lib.sh
. "$here/lib.sh"

# --- the cases (each one's job and action: see spec) ---
all_cases=(udf-zero-division map-key-error udf-bad-json map-bad-json udf-wrong-result-type
  map-wrong-output-type udf-missing-module sql-unknown-column table-unsupported-sort http-refused-urllib
  http-refused-requests udf-memory-error udf-memory-oom-killed worker-killed tm-killed)

if [ "${1:-}" = --list ]; then printf '%s\n' "${all_cases[@]}"; exit 0; fi
cases=("$@"); [ ${#cases[@]} -gt 0 ] || cases=("${all_cases[@]}")
for c in "${cases[@]}"; do
  [[ " ${all_cases[*]} " == *" $c "* ]] || { echo "unknown case $c (known: ${all_cases[*]})" >&2; exit 2; }
done

pids=()     # every `timeout` wrapping a JVM or a `flink run` client
cgroup=""   # the memory cgroup of udf-memory-oom-killed
# `timeout` makes itself a process group leader: killing its group (-PID) kills the JVM and
# the Python workers it started (bash pyflink-udf-runner.sh, python, tee), orphaned or not.
kill_tree() { kill -KILL -- "-$1" 2>/dev/null || true; kill -KILL "$1" 2>/dev/null || true; }
stop_all() { # cleanup's first step (see lib.sh)
  local p left
  for p in "${pids[@]}"; do kill_tree "$p"; done
  sleep 1
  for p in "${pids[@]}"; do   # (zombies, killed but not yet reaped, do not count)
    left=$(ps -e -o pid=,pgid=,stat=,args= | awk -v g="$p" '$2 == g && $3 !~ /^Z/')
    if [ -n "$left" ]; then echo "warning: still running in process group $p:" >&2; echo "$left" >&2; fi
  done
}
start_work faultline-pyflink

# --- PyFlink in a venv: the client, the Python workers and the Flink distribution (lib/, opt/, bin/) ---
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import pyflink.version as v, sys; sys.exit(v.__version__ != sys.argv[1])' "$version" 2>/dev/null; then
  echo "installing apache-flink==$version into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "apache-flink==$version"
fi
flink=$("$python" -c 'import os, pyflink; print(os.path.dirname(os.path.abspath(pyflink.__file__)))')
use_flink
mkdir -p "$work/client-tmp"

# --- helpers (lib.sh) ---
java_env=(env -u PYTHONPATH); java_own_tmpdir=1; run_timeout=90

# --- the cluster: one JobManager, one TaskManager with 2 slots ($tm_setup: shell code run
# in the TaskManager's subshell first) ---
start_cluster() { # GROUP
  new_cluster_dir "$1"
  slots=2; tm_count=1
  conf_extra="python.executable: $python"$'\n'"python.client.executable: $python"$'\n'"env.java.opts.all: $opts"
  write_conf
  cp "$conf/log4j.properties" "$conf/log4j-cli.properties"
  start_jm
  tm_n=0; start_tm
  wait_cluster_ready
  echo "Flink $(get /config | py 'd["flink-version"]') on $api, PyFlink $("$python" -c 'import pyflink.version as v; print(v.__version__)') in $venv"
}
tm_setup=":"; tm_jvm_extra=""
ensure_tm() {
  if [ -z "$(tm_java_pid)" ]; then echo "  (TaskManager is gone; starting a new one)"; start_tm; fi
  wait_cluster_ready
}

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
# an empty exception history: nothing to save; the run stops
no_exception_history() { echo "$1: job $2 has an empty exception history" >&2; exit 1; }
no_history=no_exception_history
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
  save_failure "$name" "$job"
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
report
