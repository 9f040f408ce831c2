# What capture.sh (Java jobs) and capture-python.sh (PyFlink jobs) share: sourced by both, it only
# defines functions. They read the caller's variables when called:
#   python         the python that runs the helpers (python3; the venv's in capture-python.sh)
#   work, out      the work dir and where the captures go
#   flink, version the Flink distribution (lib/, opt/, bin/) and its version
#   pids, cgroup   every `timeout` started (start_java adds to it); a cgroup to remove on exit ("": none)
#   gdir, conf, api, rest, rpc   the current cluster's dir, config dir, REST address and ports (new_cluster_dir)
#   slots, tm_count              TaskManager slots and how many TaskManagers the cluster has
#   conf_extra     config.yaml lines after the shared ones
#   tm_setup, tm_jvm_extra       shell code run in a TaskManager's subshell first; more TaskManager JVM flags
#   java_env, java_own_tmpdir    words before `java` (e.g. env -u VAR); 1: java.io.tmpdir is $gdir/tmp
#   run_timeout    how long wait_running waits for every vertex to run (seconds)
#   no_history     what save_failure does on an empty exception history (a function: NAME JOB)
# and the caller defines stop_all (cleanup's first step: kill what the script started).

# --- on exit ---
# cleanup (the EXIT trap): the caller's stop_all, then the cgroup and the work dir.
cleanup() {
  stop_all
  if [ -n "$cgroup" ]; then rmdir "$cgroup" 2>/dev/null || echo "warning: could not remove $cgroup" >&2; fi
  if [ "${FAULTLINE_FLINK_KEEP:-}" = 1 ]; then echo "work dir kept: $work" >&2; else rm -rf "$work"; fi
}
# start_work TEMPLATE: a fresh work dir ($work), cleaned up on exit; $t0, the start time.
start_work() {
  work=$(mktemp -d -t "$1.XXXXXX")
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  t0=$(date +%s)
}

# --- Flink (with $flink set): $dist, $cp, an empty plugins dir, $opts ---
use_flink() {
  dist="$flink/lib/flink-dist-$version.jar"
  cp="$flink/lib/*"
  [ -f "$dist" ] || { echo "no $dist" >&2; exit 1; }
  mkdir -p "$out" "$work/plugins"
  # Flink looks for plugins in $FLINK_PLUGINS_DIR, else in ./plugins, and refuses to start on a
  # subdirectory without jars (this repository has a plugins/ of its own): use an empty one.
  export FLINK_PLUGINS_DIR="$work/plugins"
  # JVM module flags (--add-opens/--add-exports): env.java.opts.all of flink-dist's default config.yaml.
  opts=$("$python" -c 'import sys,zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read("config.yaml").decode())' "$dist" |
    sed -n 's/^ *all: //p' | head -1)
}

# --- helpers ---
free_port() { "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
py() { "$python" -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
get() { curl -sf --max-time 10 "$api$1"; }
# wait_for SECONDS CMD...: runs CMD once a second until it succeeds.
wait_for() {
  local n=$1; shift
  for _ in $(seq "$n"); do "$@" && return 0; sleep 1; done
  return 1
}
# start_java NAME MAINCLASS JVMFLAGS SETUP ARGS... ; sets $last_pid (the `timeout` wrapping the java).
# SETUP is shell code run in the JVM's subshell first (ulimit, cgroup).
start_java() {
  local name=$1 main=$2 jvm=$3 setup=$4 tmpdir=(); shift 4
  [ "${java_own_tmpdir:-}" != 1 ] || tmpdir=(-Djava.io.tmpdir="$gdir/tmp")
  # shellcheck disable=SC2086
  (cd "$gdir" && eval "$setup" && exec timeout -s KILL 1200 "${java_env[@]}" java $opts $jvm "${tmpdir[@]}" -Dlog.file="$gdir/log/$name.log" \
    -Dlog4j.configurationFile="file:$conf/log4j.properties" \
    -cp "$cp" "$main" --configDir "$conf" "$@" > "$gdir/log/$name.out" 2>&1) &
  last_pid=$!
  disown "$last_pid"   # no "Killed" notices from bash; cleanup kills it by pid
  pids+=("$last_pid")
}

# --- clusters ---
# new_cluster_dir GROUP: $gdir (work/GROUP), its conf, log and tmp dirs; the JobManager's ports and $api.
new_cluster_dir() {
  gdir="$work/$1"; conf="$gdir/conf"; mkdir -p "$conf" "$gdir/log" "$gdir/tmp"
  rest=$(free_port); rpc=$(free_port); api="http://127.0.0.1:$rest"
}
# write_conf: $conf/config.yaml ($slots per TaskManager, then $conf_extra) and log4j.properties.
write_conf() {
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
taskmanager.numberOfTaskSlots: $slots
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
$conf_extra
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
}
# Heap, metaspace and direct memory flags (line 1) and -D settings (line 2), as Flink's bin scripts get them.
resource_params() {
  java -cp "$flink/bin/bash-java-utils.jar:$cp" org.apache.flink.runtime.util.bash.BashJavaUtils "$1" --configDir "$conf" 2>/dev/null |
    sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p'
}
# start_jm: $jm_params and $tm_params for the config written, then the JobManager ($jm_pid).
start_jm() {
  jm_params=$(resource_params GET_JM_RESOURCE_PARAMS)
  tm_params=$(resource_params GET_TM_RESOURCE_PARAMS)
  [ -n "$jm_params" ] && [ -n "$tm_params" ] || { echo "BashJavaUtils printed no resource params" >&2; exit 1; }
  start_java jm org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint "$(echo "$jm_params" | sed -n 1p)" ":"
  jm_pid=$last_pid
}
# start_tm: one more TaskManager ($tm_pid, added to $tm_pids; its log file name in tm_log).
tm_n=0
tm_pids=()
declare -A tm_log
start_tm() {
  tm_n=$((tm_n + 1))
  # shellcheck disable=SC2046
  start_java "tm$tm_n" org.apache.flink.runtime.taskexecutor.TaskManagerRunner \
    "$(echo "$tm_params" | sed -n 1p) $tm_jvm_extra" "$tm_setup" $(echo "$tm_params" | sed -n 2p)
  tm_pid=$last_pid
  tm_pids+=("$tm_pid")
  tm_log[$tm_pid]="tm$tm_n.log"
}
tm_java_pid() { pgrep -P "$tm_pid" java || true; }
jm_java_pid() { pgrep -P "$jm_pid" java || true; }
cluster_ready() { # the JobManager up, the cluster's live TaskManagers, all slots free
  [ -n "$(jm_java_pid)" ] || { echo "the JobManager died" >&2; tail -n 30 "$gdir/log/jm.log" >&2; exit 1; }
  [ "$tm_count" -eq 0 ] || [ -n "$(tm_java_pid)" ] || return 1
  local o; o=$(get /overview) || return 1
  [ "$(echo "$o" | py "d['slots-available'] >= $((slots * tm_count)) and d['taskmanagers'] >= $tm_count")" = True ]
}
wait_cluster_ready() {
  wait_for 90 cluster_ready || { echo "cluster not ready" >&2; tail -n 30 "$gdir"/log/*.out >&2; exit 1; }
}

# --- jobs ---
job_state() { get "/jobs/$1" | py 'd["state"]'; }
is_failed() { [ "$(job_state "$1")" = FAILED ]; }
is_gone() { local s; s=$(job_state "$1"); [ "$s" = CANCELED ] || [ "$s" = FAILED ] || [ "$s" = FINISHED ]; }
all_running() { [ "$(get "/jobs/$1" | py 'all(v["status"] == "RUNNING" for v in d["vertices"])')" = True ]; }
has_history() { [ "$(get "/jobs/$1/exceptions" | py 'len(d["exceptionHistory"]["entries"])')" -ge 1 ]; }
cancel() { curl -sf -X PATCH "$api/jobs/$1?mode=cancel" >/dev/null || true; wait_for 30 is_gone "$1" || true; }
wait_running() { wait_for "$run_timeout" all_running "$1" || { echo "  the job never ran" >&2; return 1; }; }

# save_failure NAME JOB: the job's exception history into $out/NAME.exceptions.json and the
# stacktrace of its newest entry into $out/NAME.txt; on an empty history, $no_history NAME JOB
# writes the trace (into $work/trace.txt) instead.
save_failure() {
  local name=$1 job=$2
  get "/jobs/$job/exceptions?maxExceptions=10" > "$work/exceptions.json"
  if [ "$(py 'len(d["exceptionHistory"]["entries"])' < "$work/exceptions.json")" -gt 0 ]; then
    mv "$work/exceptions.json" "$out/$name.exceptions.json"
    py 'd["exceptionHistory"]["entries"][0]["stacktrace"]' < "$out/$name.exceptions.json" > "$work/trace.txt"
  else
    $no_history "$name" "$job"
  fi
  head -c -1 "$work/trace.txt" > "$out/$name.txt"   # print() added a newline
}

# --- the tally ---
failures=0
not_captured() { echo "$1: $2" >&2; failures=$((failures + 1)); }
report() {
  echo "$(( ${#cases[@]} - failures )) of ${#cases[@]} case(s) captured into $out in $(( $(date +%s) - t0 )) s"
  [ "$failures" -eq 0 ] || { echo "$failures case(s) not captured" >&2; exit 1; }
}
