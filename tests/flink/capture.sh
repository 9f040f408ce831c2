#!/usr/bin/env bash
# Runs small failing Flink jobs on a local standalone cluster (Flink 2.3.0 from
# the apache-flink-libraries wheel) and saves what Flink's REST API reports
# about each failure into crates/stacktrace/tests/data/flink/.
#   tests/flink/capture.sh [case ...]     cases: failing-map lambda-npe too-many-slots closed-port
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out="$repo/crates/stacktrace/tests/data/flink"
cache="${FAULTLINE_FLINK_CACHE:-$HOME/.cache/faultline/flink}"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

mkdir -p "$cache" "$out"
if [ ! -d "$cache/x/pyflink" ]; then
  pip download --no-deps -q apache-flink-libraries==2.3.0 -d "$cache"
  (cd "$cache" && mkdir -p x && cd x && unzip -q -o ../apache_flink_libraries-2.3.0-*.whl)
fi
flink="$cache/x/pyflink"
dist="$flink/lib/flink-dist-2.3.0.jar"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rest=$(free_port); rpc=$(free_port)
conf="$work/conf"; mkdir -p "$conf" "$work/log"
cat > "$conf/config.yaml" <<YAML
jobmanager.rpc.address: 127.0.0.1
jobmanager.rpc.port: $rpc
jobmanager.bind-host: 127.0.0.1
jobmanager.memory.process.size: 1024m
taskmanager.host: 127.0.0.1
taskmanager.bind-host: 127.0.0.1
taskmanager.memory.process.size: 1280m
taskmanager.numberOfTaskSlots: 2
rest.address: 127.0.0.1
rest.bind-address: 127.0.0.1
rest.port: $rest
blob.server.port: 0
restart-strategy.type: none
slot.request.timeout: 10000
heartbeat.timeout: 10000
YAML
opts=$(unzip -p "$dist" config.yaml | sed -n 's/^ *all: //p' | head -1)
cp="$flink/lib/*"
log="-Dlog.file=$work/log/x.log -Dlog4j.configurationFile=file:$flink/conf/log4j.properties"

# shellcheck disable=SC2086
java $opts -Xmx512m $log -cp "$cp" org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint --configDir "$conf" > "$work/log/jm.out" 2>&1 &
pids+=($!)
params=$(java -cp "$flink/bin/bash-java-utils.jar:$cp" org.apache.flink.runtime.util.bash.BashJavaUtils GET_TM_RESOURCE_PARAMS --configDir "$conf" 2>/dev/null | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p')
jvm=$(echo "$params" | sed -n 1p); dyn=$(echo "$params" | sed -n 2p)
# shellcheck disable=SC2086
java $opts $jvm $log -cp "$cp" org.apache.flink.runtime.taskexecutor.TaskManagerRunner --configDir "$conf" $dyn > "$work/log/tm.out" 2>&1 &
pids+=($!)

api="http://127.0.0.1:$rest"
for _ in $(seq 120); do
  n=$(curl -sf "$api/overview" | python3 -c 'import json,sys; print(json.load(sys.stdin)["taskmanagers"])' 2>/dev/null || echo 0)
  [ "$n" -ge 1 ] && break; sleep 1
done
[ "$n" -ge 1 ] || { echo "cluster did not start" >&2; tail -20 "$work/log/jm.out" "$work/log/tm.out" >&2; exit 1; }

mkdir -p "$work/classes"
javac -cp "$dist" -d "$work/classes" "$here"/jobs/com/acme/jobs/*.java
(cd "$work/classes" && jar cf "$work/jobs.jar" .)
jar_id=$(curl -sf -X POST -F "jarfile=@$work/jobs.jar" "$api/jars/upload" | python3 -c 'import json,sys; print(json.load(sys.stdin)["filename"].split("/")[-1])')

run_case() {
  local name=$1 class=$2
  local job
  job=$(curl -sf -X POST "$api/jars/$jar_id/run?entry-class=com.acme.jobs.$class" | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobid"])')
  for _ in $(seq 90); do
    state=$(curl -sf "$api/jobs/$job" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
    [ "$state" = FAILED ] && break; sleep 1
  done
  curl -sf "$api/jobs/$job/exceptions?maxExceptions=10" > "$out/$name.exceptions.json"
  python3 - "$out/$name.exceptions.json" "$out/$name.txt" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
entries = doc.get("exceptionHistory", {}).get("entries", [])
text = entries[0]["stacktrace"] if entries else doc["root-exception"]
open(sys.argv[2], "w").write(text)
PY
  echo "$name: $state, $(head -1 "$out/$name.txt" | cut -c1-100)"
}

cases=("$@"); [ ${#cases[@]} -gt 0 ] || cases=(failing-map lambda-npe too-many-slots closed-port)
for c in "${cases[@]}"; do
  case $c in
    failing-map) run_case failing-map FailingMap ;;
    lambda-npe) run_case lambda-npe LambdaNpe ;;
    too-many-slots) run_case too-many-slots TooManySlots ;;
    closed-port) run_case closed-port ClosedPort ;;
    *) echo "unknown case $c" >&2; exit 2 ;;
  esac
done
