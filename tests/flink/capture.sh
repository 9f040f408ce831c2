#!/usr/bin/env bash
# Runs small failing Flink jobs on local standalone clusters (Flink 2.3.0 from
# the PyPI wheel apache-flink-libraries) and saves what Flink's REST API reports
# about each failure into crates/stacktrace/tests/data/flink/.
#
#   tests/flink/capture.sh [case ...]      (no case: all of them)
#   tests/flink/capture.sh --list          (the cases and their cluster groups)
#
# Cases run one after another, grouped by the cluster they need: each group gets
# a fresh cluster (see start_cluster; "main" is one TaskManager with 2 slots).
#
# Environment:
#   FAULTLINE_FLINK_CACHE  where the wheel is downloaded and unpacked (default ~/.cache/faultline/flink)
#   FAULTLINE_FLINK_OUT    where the captures go (default crates/stacktrace/tests/data/flink)
#   FAULTLINE_FLINK_KEEP=1 keep the work dir (config, Flink logs) and print its path
#
# Needs java and javac (17), python3, curl, pip (only for the first download); the jdbc group
# PostgreSQL and pgjdbc, the mariadb group MariaDB and its Connector/J (Debian packages).
# The disk-full cases mount small tmpfs volumes and thread-leak puts its TaskManager in a
# pids cgroup (v1): both need root; without it those cases are reported as not captured.
# Everything listens on 127.0.0.1 on ports picked at run time. Every JVM runs
# under `timeout` (at most 20 minutes) and is killed when the script exits.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
version=2.3.0
out="${FAULTLINE_FLINK_OUT:-$repo/crates/stacktrace/tests/data/flink}"
cache="${FAULTLINE_FLINK_CACHE:-$HOME/.cache/faultline/flink}"
python=python3
# shellcheck source=tests/flink/lib.sh
. "$here/lib.sh"

# --- the cases, by cluster group (groups run in this order) ---
groups=(main adaptive twotm limits metaspace parallelgc threads jdbc mariadb)
all_cases=()
declare -A group_of
add() { local g=$1 c; shift; for c in "$@"; do group_of[$c]=$g; all_cases+=("$c"); done; }
add main failing-map lambda-npe kryo-unmodifiable too-many-slots heap-oom closed-port tm-killed tm-frozen \
  parse-number split-fields cast-in-filter null-key process-throws open-missing-file window-average \
  failing-sink failing-source non-keyed-state non-keyed-timer list-state-null timer-null bad-timestamp \
  bad-partitioner deep-recursion kryo-lambda-field null-tuple-field closure-not-serializable closure-http-client \
  class-by-name missing-dependency conflicting-dependency jdbc-no-driver required-param s3-without-plugin \
  system-exit-intercepted state-value-type-changed state-key-type-changed slow-snapshot snapshot-throws \
  http-refused unknown-host unknown-host-http connect-timeout connection-reset http-500 http-503 \
  read-timeout http-client-timeout async-timeout empty-reply tls-to-plain \
  checkpoint-expired checkpoint-dir-removed checkpoint-disk-full checkpoint-metadata-disk-full big-accumulator \
  spool-disk-full corrupt-length window-buffer-oom direct-buffers shuffle-files-removed
add adaptive no-taskmanager-adaptive
add twotm network-connection-cut upstream-tm-killed batch-producer-tm-killed
add limits file-leak
add metaspace class-leak
add parallelgc gc-thrashing
add threads thread-leak
add jdbc jdbc-refused jdbc-connect-timeout jdbc-auth-failed jdbc-database-missing jdbc-ssl-required jdbc-missing-table jdbc-syntax-error jdbc-unique-violation \
  jdbc-read-only jdbc-too-many-connections jdbc-statement-timeout jdbc-backend-terminated jdbc-disk-full \
  jdbc-server-stopped jdbc-missing-column jdbc-permission-denied jdbc-role-missing jdbc-hba-rejected jdbc-not-null \
  jdbc-foreign-key jdbc-check-violation jdbc-value-too-long jdbc-invalid-input jdbc-integer-out-of-range \
  jdbc-division-by-zero jdbc-deadlock jdbc-lock-timeout jdbc-statement-cancelled jdbc-server-fast-shutdown \
  jdbc-server-shutting-down jdbc-role-connection-limit jdbc-idle-in-transaction jdbc-idle-session-timeout
add mariadb mariadb-refused mariadb-auth-failed mariadb-database-missing mariadb-missing-table mariadb-syntax-error \
  mariadb-permission-denied mariadb-duplicate-key mariadb-data-too-long mariadb-not-null mariadb-foreign-key \
  mariadb-too-many-connections mariadb-lock-wait-timeout mariadb-deadlock mariadb-statement-timeout mariadb-read-only \
  mariadb-connection-killed mariadb-server-killed mariadb-server-shutdown mariadb-wait-timeout

if [ "${1:-}" = --list ]; then
  for c in "${all_cases[@]}"; do echo "$c ${group_of[$c]}"; done
  exit 0
fi
cases=("$@"); [ ${#cases[@]} -gt 0 ] || cases=("${all_cases[@]}")
for c in "${cases[@]}"; do
  [ -n "${group_of[$c]:-}" ] || { echo "unknown case $c (known: ${all_cases[*]})" >&2; exit 2; }
done

pids=()     # every `timeout` wrapping a JVM or a helper process
mounts=()   # tmpfs volumes to unmount
cgroup=""   # the pids cgroup of the threads group
pgroot=""   # the throwaway PostgreSQL of the jdbc group (see pg_start)
mdbroot=""  # the throwaway MariaDB of the mariadb group (see mdb_start)
# --- PostgreSQL for the jdbc group (Debian's postgresql and libpostgresql-jdbc-java) ---
# A throwaway cluster in its own temp dir (owned by the postgres user, who runs the server),
# listening on 127.0.0.1:$pgport (password logins) and on a Unix socket in $pgroot (trust, for
# the script's psql). max_connections is small (10, 3 of them reserved for superusers) for
# jdbc-too-many-connections; a 1 MiB tablespace on a tmpfs serves jdbc-disk-full.
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
pgjar=/usr/share/java/postgresql.jar
pg_as() { setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }
pg_sql() { PGOPTIONS="-c default_transaction_read_only=off" "$pgbin/psql" -h "$pgroot" -p "$pgport" -U postgres -d "${pgdb:-orders}" -v ON_ERROR_STOP=1 -qAtX -c "$1"; }
pg_up() { "$pgbin/pg_isready" -q -h "$pgroot" -p "$pgport"; }
pg_run() { # the postmaster, under timeout like the JVMs
  (exec timeout -s KILL 1200 setpriv --reuid=postgres --regid=postgres --init-groups -- \
    "$pgbin/postgres" -D "$pgroot/data" >> "$pgroot/postgres.log" 2>&1) &
  pids+=("$!"); disown "$!"
  wait_for 30 pg_up || { echo "PostgreSQL did not start" >&2; tail -n 20 "$pgroot/postgres.log" >&2; return 1; }
}
pg_start() {
  [ -x "$pgbin/postgres" ] && [ -f "$pgjar" ] && id postgres >/dev/null 2>&1 ||
    { echo "needs PostgreSQL and its JDBC driver: apt-get install postgresql libpostgresql-jdbc-java" >&2; return 1; }
  pgroot=$(mktemp -d -t faultline-pg.XXXXXX); chown postgres: "$pgroot"; pgport=$(free_port)
  pg_as "$pgbin/initdb" -D "$pgroot/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 > "$pgroot/initdb.log" 2>&1 ||
    { cat "$pgroot/initdb.log" >&2; return 1; }
  # host logins: the reports database trusts local clients; everywhere else only the listed roles,
  # with their password (a role missing from that list has no pg_hba.conf entry)
  sed -i 's|^host    all             all             127.0.0.1/32 .*|host    reports         all             127.0.0.1/32            trust\
host    all             flink,reporting,postgres 127.0.0.1/32   scram-sha-256|' "$pgroot/data/pg_hba.conf"
  cat >> "$pgroot/data/postgresql.conf" <<CONF
port = $pgport
listen_addresses = '127.0.0.1'
unix_socket_directories = '$pgroot'
max_connections = 10
superuser_reserved_connections = 3
shared_buffers = 16MB
fsync = off
CONF
  pg_run || return 1
  mkdir -p "$pgroot/small"
  mount -t tmpfs -o "size=1m,uid=$(id -u postgres),gid=$(id -g postgres),mode=700" faultline-pg "$pgroot/small" &&
    mounts+=("$pgroot/small") || echo "  (no tmpfs for the tablespace: jdbc-disk-full needs root)" >&2
  pgdb=postgres pg_sql "CREATE DATABASE orders" && pgdb=postgres pg_sql "CREATE DATABASE reports" && pg_sql "
    CREATE ROLE flink LOGIN PASSWORD 'flink-secret';
    CREATE ROLE reporting LOGIN PASSWORD 'reporting-secret';
    CREATE ROLE flink_ingest LOGIN PASSWORD 'flink_ingest-secret';
    GRANT ALL ON SCHEMA public TO flink;
    CREATE TABLE customers (customer_id bigint PRIMARY KEY, tier text NOT NULL);
    INSERT INTO customers SELECT i, (ARRAY['gold','silver','bronze'])[1 + i % 3] FROM generate_series(0, 99) i;
    GRANT SELECT ON customers TO flink, reporting;
    CREATE TABLE customer_stats (customer_id bigint PRIMARY KEY, revenue numeric NOT NULL, orders int NOT NULL);
    INSERT INTO customer_stats SELECT i, 25 * i, CASE WHEN i = 42 THEN 0 ELSE 1 + i % 5 END FROM generate_series(0, 99) i;
    GRANT SELECT ON customer_stats TO flink;
    CREATE TABLE orders (order_id bigint PRIMARY KEY);
    INSERT INTO orders SELECT generate_series(0, 199);"
  if mountpoint -q "$pgroot/small"; then pg_sql "CREATE TABLESPACE small LOCATION '$pgroot/small'" && pg_sql "GRANT CREATE ON TABLESPACE small TO flink"; fi
  echo "[jdbc] PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pgport ($pgroot)"
}
pg_stop() { # immediate shutdown (SIGQUIT to the postmaster and its backends)
  [ -n "$pgroot" ] && [ -f "$pgroot/data/postmaster.pid" ] || return 0
  pg_as "$pgbin/pg_ctl" -D "$pgroot/data" -w -t 20 stop -m immediate > /dev/null 2>&1 || true
}
# --- MariaDB for the mariadb group (Debian's mariadb-server and libmariadb-java) ---
# A throwaway server (not the system service) with its own datadir in a temp dir (made by
# mariadb-install-db, owned by the mysql user, who runs mariadbd under timeout), listening on
# 127.0.0.1:$mdbport (password logins) and on a socket in $mdbroot (root by unix_socket, for the
# script's client). mdb_pid is the `timeout` wrapping mariadbd.
mdbjar=/usr/share/java/mariadb-java-client.jar
mdb_pid=""
mdb_sql() { mariadb --no-defaults -S "$mdbroot/mysqld.sock" -u root -NB -e "$1" ${mdbdb-orders}; }
mdb_up() { mariadb-admin --no-defaults -S "$mdbroot/mysqld.sock" -u root --connect-timeout=2 ping > /dev/null 2>&1; }
mdb_run() {
  (exec timeout -s KILL 1200 setpriv --reuid=mysql --regid=mysql --init-groups -- mariadbd --no-defaults \
    --datadir="$mdbroot/data" --tmpdir="$mdbroot/tmp" --socket="$mdbroot/mysqld.sock" --pid-file="$mdbroot/mariadbd.pid" \
    --port="$mdbport" --bind-address=127.0.0.1 --skip-name-resolve --log-error="$mdbroot/error.log" \
    --innodb-buffer-pool-size=32M --max-connections=20 >> "$mdbroot/mariadbd.out" 2>&1) &
  mdb_pid=$!; pids+=("$mdb_pid"); disown "$mdb_pid"
  wait_for 30 mdb_up || { echo "MariaDB did not start" >&2; tail -n 20 "$mdbroot/error.log" >&2; return 1; }
}
mdb_start() {
  command -v mariadbd > /dev/null && command -v mariadb-install-db > /dev/null && [ -f "$mdbjar" ] && id mysql > /dev/null 2>&1 ||
    { echo "needs MariaDB and its JDBC driver: apt-get install mariadb-server libmariadb-java" >&2; return 1; }
  mdbroot=$(mktemp -d -t faultline-mariadb.XXXXXX); mkdir "$mdbroot/tmp"; chown -R mysql: "$mdbroot"; mdbport=$(free_port)
  setpriv --reuid=mysql --regid=mysql --init-groups -- mariadb-install-db --no-defaults --datadir="$mdbroot/data" \
    --auth-root-authentication-method=socket --auth-root-socket-user=root --skip-test-db > "$mdbroot/install.log" 2>&1 ||
    { cat "$mdbroot/install.log" >&2; return 1; }
  mdb_run || return 1
  mdbdb="" mdb_sql "CREATE DATABASE orders" && mdb_sql "
    CREATE USER flink@'%' IDENTIFIED BY 'flink-secret';
    CREATE USER reporting@'%' IDENTIFIED BY 'reporting-secret';
    GRANT SELECT, INSERT, UPDATE, DELETE ON orders.* TO flink@'%';
    GRANT SELECT ON orders.* TO reporting@'%';
    CREATE TABLE customers (customer_id bigint PRIMARY KEY, tier varchar(16) NOT NULL);
    INSERT INTO customers SELECT seq, ELT(1 + seq % 3, 'gold', 'silver', 'bronze') FROM seq_0_to_99;
    CREATE TABLE orders (order_id bigint PRIMARY KEY);
    INSERT INTO orders SELECT seq FROM seq_0_to_199;
    CREATE TABLE ledger (entry_id int PRIMARY KEY, amount bigint NOT NULL);
    INSERT INTO ledger SELECT seq, 0 FROM seq_1_to_5000;" || return 1
  echo "[mariadb] MariaDB $(mdb_sql "SELECT version()") on 127.0.0.1:$mdbport ($mdbroot)"
}
mdb_stop() { # SIGKILL to mariadbd (the child of its timeout, if that still runs: no stale pid is used)
  [ -n "$mdb_pid" ] && grep -qF "$mdbroot/data" "/proc/$mdb_pid/cmdline" 2>/dev/null || return 0
  pkill -KILL -P "$mdb_pid" 2>/dev/null || true
  wait_for 10 eval '! pgrep -P "$mdb_pid" > /dev/null' || true
}

kill_tree() { pkill -KILL -P "$1" 2>/dev/null || true; kill -KILL "$1" 2>/dev/null || true; }
stop_all() { # cleanup's first step (see lib.sh)
  local p
  pg_stop
  mdb_stop
  for p in "${pids[@]}"; do pkill -CONT -P "$p" 2>/dev/null || true; pkill -KILL -P "$p" 2>/dev/null || true; done
  sleep 1
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done     # a `timeout` still there
  for p in "${mounts[@]}"; do umount -l "$p" 2>/dev/null || true; done
  if [ -n "$cgroup" ]; then sleep 1; fi   # (cleanup removes it)
  if pgrep -f "$work/" >/dev/null; then
    echo "warning: JVMs still running:" >&2; pgrep -af "$work/" >&2 || true
  fi
  if [ -n "$pgroot" ]; then
    if pgrep -f "$pgroot" >/dev/null; then echo "warning: PostgreSQL still running:" >&2; pgrep -af "$pgroot" >&2 || true; fi
    rm -rf "$pgroot"
  fi
  if [ -n "$mdbroot" ]; then
    if pgrep -f "$mdbroot" >/dev/null; then echo "warning: MariaDB still running:" >&2; pgrep -af "$mdbroot" >&2 || true; fi
    rm -rf "$mdbroot"
  fi
}
start_work faultline-flink

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
use_flink

# --- the jobs: jobs/src, plus a vendor library the jobs compile against (jobs/vendor-api, not
# packaged) and a different version of it that the jar bundles (jobs/vendor-lib) ---
mkdir -p "$work/classes" "$work/vendor-api"
# shellcheck disable=SC2046
javac -nowarn -d "$work/vendor-api" $(find "$here/jobs/vendor-api" -name '*.java')
# shellcheck disable=SC2046
javac -nowarn -cp "$cp:$work/vendor-api" -d "$work/classes" $(find "$here/jobs/src" -name '*.java') 2> "$work/javac.err" ||
  { cat "$work/javac.err" >&2; exit 1; }
# shellcheck disable=SC2046
javac -nowarn -d "$work/classes" $(find "$here/jobs/vendor-lib" -name '*.java')
(cd "$work/classes" && jar cf "$work/jobs.jar" .)

# --- helpers (lib.sh) ---
java_env=(); java_own_tmpdir=""; run_timeout=60

# --- misbehaving services for the dependency cases (tests/flink/services.py) ---
(exec timeout -s KILL 1200 python3 "$here/services.py" > "$work/services.json" 2> "$work/services.err") &
pids+=("$!"); disown "$!"
wait_for 10 test -s "$work/services.json" || { echo "services.py did not start" >&2; cat "$work/services.err" >&2; exit 1; }
svc() { py "d['$1']" < "$work/services.json"; }

# --- clusters ---
# start_cluster GROUP: a fresh JobManager and the group's TaskManagers, the jobs jar uploaded.
start_cluster() {
  local g=$1 extra="" i
  new_cluster_dir "$g"
  slots=2; tm_count=1; tm_setup=":"; tm_jvm_extra=""
  case $g in
    adaptive) tm_count=0                                  # no TaskManager, the adaptive scheduler
      extra="jobmanager.scheduler: adaptive"$'\n'"jobmanager.adaptive-scheduler.resource-wait-timeout: 5 s" ;;
    twotm) tm_count=2; slots=1                            # two machines, one slot each; the JobManager
      extra="heartbeat.rpc-failure-threshold: 5" ;;       # is slower to declare a killed one lost
    limits) tm_setup="ulimit -n 1024" ;;                  # a low open-files limit for the TaskManager
    metaspace) extra="taskmanager.memory.jvm-metaspace.size: 112m" ;;
    parallelgc) tm_jvm_extra="-XX:+UseParallelGC" ;;      # the collector that reports "GC overhead limit exceeded"
    threads)                                              # at most 400 threads in the TaskManager
      cgroup="/sys/fs/cgroup/pids/faultline-flink-$$"
      mkdir -p "$cgroup" && echo 400 > "$cgroup/pids.max" || { echo "no pids cgroup here" >&2; cgroup=""; return 1; }
      tm_setup="echo \$BASHPID > $cgroup/cgroup.procs" ;;
  esac
  conf_extra="cluster.intercept-user-system-exit: THROW"$'\n'"$extra"
  write_conf
  start_jm
  tm_pids=()
  for ((i = 0; i < tm_count; i++)); do start_tm; done
  wait_cluster_ready
  jar_id=$(curl -sf -X POST -F "jarfile=@$work/jobs.jar" "$api/jars/upload" | py 'd["filename"].split("/")[-1]')
  echo "[$g] Flink $(get /config | py 'd["flink-version"]') on $api, $tm_count TaskManager(s) with $slots slot(s)"
}
stop_cluster() {
  local p
  for p in "$jm_pid" "${tm_pids[@]}"; do pkill -CONT -P "$p" 2>/dev/null || true; kill_tree "$p"; done
  if [ -n "$cgroup" ]; then sleep 1; rmdir "$cgroup" 2>/dev/null || true; cgroup=""; fi
}
ensure_tm() { # as many live TaskManagers as the group has (a case may have killed one)
  local p live=0
  for p in "${tm_pids[@]}"; do [ -z "$(pgrep -P "$p" java)" ] || live=$((live + 1)); done
  for ((; live < tm_count; live++)); do echo "  (a TaskManager is gone; starting a new one)"; start_tm; done
  wait_cluster_ready
}

has_checkpoint() { [ "$(get "/jobs/$1/checkpoints" | py 'd["counts"]["completed"]')" -ge 1 ]; }

# submit CLASS [ARG...]: POST /jars/:id/run with a JSON body (entry class, program arguments and
# $savepoint if set). Prints the job id; on an error response, leaves it in $work/response.json.
submit() {
  local class=$1 body code; shift
  body=$(python3 -c 'import json,sys; b={"entryClass":"com.acme.jobs."+sys.argv[1],"programArgsList":sys.argv[3:]}
if sys.argv[2]: b["savepointPath"]=sys.argv[2]
print(json.dumps(b))' "$class" "${savepoint:-}" "$@")
  code=$(curl -s --max-time 60 -o "$work/response.json" -w '%{http_code}' -X POST \
    -H 'Content-Type: application/json' -d "$body" "$api/jars/$jar_id/run")
  [ "$code" = 200 ] || return 1
  py 'd["jobid"]' < "$work/response.json"
}

# --- per-case actions: before submitting (setup), once submitted (action), after FAILED (after) ---
kill_tm() { wait_running "$1" && sleep 3 && echo "  SIGKILL to the TaskManager (pid $(tm_java_pid))" && kill -KILL "$(tm_java_pid)"; }
stop_tm() { wait_running "$1" && sleep 3 && echo "  SIGSTOP to the TaskManager (pid $(tm_java_pid))" && kill -STOP "$(tm_java_pid)"; }
kill_stopped_tm() { kill -KILL "$(tm_java_pid)"; }
# freeze the TaskManager for 6 s (less than heartbeat.timeout) once a checkpoint completed
pause_tm() {
  wait_running "$1" && wait_for 30 has_checkpoint "$1" || return 1
  local p; p=$(tm_java_pid); echo "  SIGSTOP to the TaskManager (pid $p) for 6 s"
  kill -STOP "$p"; sleep 6; kill -CONT "$p"
}
# once a checkpoint completed, the checkpoint directory disappears and a file takes its name
break_checkpoint_dir() {
  wait_running "$1" && wait_for 30 has_checkpoint "$1" || return 1
  echo "  replacing $ckdir with a file"
  rm -rf "$ckdir"; echo "not a directory" > "$ckdir"
}
# the id of the TaskManager that runs the job's upstream tasks
upstream_tm() {
  local vid
  vid=$(get "/jobs/$1" | py '[v["id"] for v in d["vertices"] if "upstream" in v["name"]][0]')
  get "/jobs/$1/vertices/$vid/taskmanagers" | py 'd["taskmanagers"][0]["taskmanager-id"]'
}
# a network failure between the TaskManagers: the kernel closes (ss -K) every TCP connection to the
# upstream TaskManager's data port (the downstream's netty channel) while both processes live on
upstream_data_port() { get "/taskmanagers/$(upstream_tm "$1")" | py 'd["dataPort"]'; }
cut_upstream_connections() {
  wait_running "$1" && sleep 3 || return 1
  local port; port=$(upstream_data_port "$1")
  echo "  closing the TCP connections to the upstream TaskManager's data port $port"
  ss -K dst 127.0.0.1 dport = ":$port" > /dev/null 2>&1 || return 1
}
# once a checkpoint completed, fill the rest of the checkpoint volume
fill_checkpoint_volume() {
  wait_running "$1" && wait_for 30 has_checkpoint "$1" || return 1
  echo "  filling the checkpoint volume"
  dd if=/dev/zero of="$(dirname "$ckdir")/filler" bs=64k 2>/dev/null || true
}
# kill the TaskManager that runs the upstream tasks (found by its resource id in the TaskManager logs)
kill_upstream_tm() {
  wait_running "$1" && sleep 3 || return 1
  local tmid p
  tmid=$(upstream_tm "$1")
  for p in "${tm_pids[@]}"; do
    if grep -qF "ResourceID: $tmid" "$gdir/log/${tm_log[$p]}" 2>/dev/null; then
      echo "  SIGKILL to the upstream TaskManager (${tm_log[$p]})"; kill -KILL "$(pgrep -P "$p" java)"; return 0
    fi
  done
  echo "  no TaskManager log mentions $tmid" >&2; return 1
}
# jdbc group: before each case the server is up (restarted after jdbc-server-stopped), the side
# sessions of the previous case are gone, settings reset and order_events empty; then the case's own
# preparation. Side sessions (psql) run under timeout like everything else.
pg_side() { # USER SQL: a psql session in the background (over TCP with USER's password; postgres: the socket)
  local host=127.0.0.1; [ "$1" = postgres ] && host=$pgroot
  (exec timeout -s KILL 300 env PGPASSWORD="$1-secret" "$pgbin/psql" -h "$host" -p "$pgport" -U "$1" -d orders -qAtX -c "$2" \
    >> "$pgroot/side.log" 2>&1) &
  pids+=("$!"); disown "$!"
}
pg_sessions() { [ "$(pg_sql "SELECT count(*) FROM pg_stat_activity WHERE usename = '$1' AND state = '$2'")" -ge "$3" ]; }
pg_case() {
  # down, or still up but refusing connections (shutting down): stopped for good and started again
  pg_up || { echo "  (PostgreSQL is down; starting it again)"; pg_stop; pg_run || return 1; }
  pg_sql "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename IN ('flink', 'reporting')
    OR (usename = 'postgres' AND backend_type = 'client backend' AND pid <> pg_backend_pid())" > /dev/null
  pg_sql "SET client_min_messages = warning; ALTER ROLE flink RESET ALL; ALTER ROLE flink CONNECTION LIMIT -1;
    ALTER DATABASE orders RESET ALL; DROP TABLE IF EXISTS order_events;
    CREATE TABLE order_events (order_id bigint PRIMARY KEY, note text NOT NULL) $([ "$1" = disk-full ] && echo TABLESPACE small);
    GRANT SELECT, INSERT, UPDATE ON order_events TO flink"
  case $1 in
    read-only) pg_sql "ALTER DATABASE orders SET default_transaction_read_only = on" ;;
    statement-timeout) pg_sql "ALTER ROLE flink SET statement_timeout = '2s'" ;;
    too-many-connections) # a reporting tool holds every connection a non-superuser may have (10 - 3)
      local i; for i in 1 2 3 4 5 6 7; do pg_side reporting "SELECT pg_sleep(120)"; done
      wait_for 20 pg_sessions reporting active 7 || return 1
      echo "  7 reporting sessions hold the non-reserved connections" ;;
    permission-denied) pg_sql "REVOKE INSERT ON order_events FROM flink" ;;
    foreign-key) pg_sql "ALTER TABLE order_events ADD FOREIGN KEY (order_id) REFERENCES orders" ;;   # orders holds 0..199
    check-violation) pg_sql "ALTER TABLE order_events ADD CHECK (order_id > 0)" ;;
    value-too-long) pg_sql "ALTER TABLE order_events ALTER note TYPE varchar(10)" ;;
    invalid-input) pg_sql "ALTER TABLE order_events ALTER note TYPE jsonb USING note::jsonb" ;;
    integer-out-of-range) pg_sql "ALTER TABLE order_events ALTER order_id TYPE integer" ;;
    lock-timeout) pg_sql "ALTER ROLE flink SET lock_timeout = '2s'" ;;
    idle-in-transaction) pg_sql "ALTER ROLE flink SET idle_in_transaction_session_timeout = '1s'" ;;
    idle-session-timeout) pg_sql "ALTER ROLE flink SET idle_session_timeout = '1s'" ;;
    role-connection-limit) # the job's role may have one session, and a colleague's psql as flink holds it
      pg_sql "ALTER ROLE flink CONNECTION LIMIT 1"; pg_side flink "SELECT pg_sleep(120)"
      wait_for 20 pg_sessions flink active 1 || return 1
      echo "  a psql session of role flink holds its one connection" ;;
    server-shutting-down) # a smart shutdown waits for a reporting session to end and refuses new ones
      pg_side reporting "SELECT pg_sleep(120)"; wait_for 20 pg_sessions reporting active 1 || return 1
      pg_as "$pgbin/pg_ctl" -D "$pgroot/data" -W stop -m smart > /dev/null
      echo "  pg_ctl stop -m smart while a reporting session runs" ;;
  esac
}
wait_rows() { [ "$(pg_sql "SELECT count(*) FROM order_events")" -ge 100 ]; }
# once the job has written rows: a stop of the database server, a DBA's pg_terminate_backend, a lock
pg_stop_under_job() {
  wait_running "$1" && wait_for 30 wait_rows || return 1
  echo "  pg_ctl stop -m immediate"; pg_stop
}
pg_terminate_under_job() {
  wait_running "$1" && wait_for 30 wait_rows || return 1
  echo "  pg_terminate_backend() of the job's sessions: $(pg_sql "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = 'flink'")"
}
pg_lock_under_job() {
  wait_running "$1" && wait_for 30 wait_rows || return 1
  echo "  a maintenance session locks order_events (ACCESS EXCLUSIVE) for 60 s"
  pg_side postgres "BEGIN; LOCK TABLE order_events IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT;"
}
# the lookup job has looked up for 2 s: a maintenance session locks customers (ACCESS EXCLUSIVE) for 60 s
pg_lock_customers_under_job() {
  wait_running "$1" && sleep 2 || return 1
  echo "  a maintenance session locks customers (ACCESS EXCLUSIVE) for 60 s"
  pg_side postgres "BEGIN; LOCK TABLE customers IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT;"
}
# the job's INSERT waits behind a maintenance session's lock; a DBA cancels it (pg_cancel_backend)
pg_waiting() { [ "$(pg_sql "SELECT count(*) FROM pg_stat_activity WHERE usename = 'flink' AND wait_event_type = 'Lock'")" -ge 1 ]; }
pg_cancel_under_job() {
  pg_lock_under_job "$1" && wait_for 20 pg_waiting || return 1
  echo "  pg_cancel_backend() of the job's waiting session: $(pg_sql "SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity WHERE usename = 'flink'")"
}
# the lookup job has run for 2 s: pg_ctl stop -m fast (backends get SIGTERM)
pg_fast_stop_under_job() {
  wait_running "$1" && sleep 2 || return 1
  echo "  pg_ctl stop -m fast"; pg_as "$pgbin/pg_ctl" -D "$pgroot/data" -w -t 20 stop -m fast > /dev/null
}
# the job's first transaction (commit=2000) is open: another session inserts order 800, then order 5
# (the job's, uncommitted: it waits for the job); the job reaches 800 and waits for it; the job's
# deadlock check (deadlock_timeout 1 s; the other session's is 60 s) finds the cycle
pg_in_transaction() { [ "$(pg_sql "SELECT count(*) FROM pg_stat_activity WHERE usename = 'flink' AND backend_xid IS NOT NULL")" -ge 1 ]; }
pg_deadlock_under_job() {
  wait_running "$1" && wait_for 30 pg_in_transaction || return 1
  echo "  another session inserts orders 800 and 5 in one transaction"
  pg_side postgres "SET deadlock_timeout = '60s'; BEGIN; INSERT INTO order_events VALUES (800, 'manual'); SELECT pg_sleep(2);
    INSERT INTO order_events VALUES (5, 'manual'); COMMIT;"
}
# mariadb group: before each case the server is up (restarted after the cases that stop it), the
# sessions of the previous case are killed, global settings and the job's account reset and
# order_events created empty; then the case's own preparation. Side sessions (the mariadb client)
# run under timeout like everything else.
mdb_side() { # USER SQL: a client session in the background (over TCP with USER's password; root: the socket)
  local who=(-S "$mdbroot/mysqld.sock" -u root); [ "$1" = root ] || who=(-h 127.0.0.1 -P "$mdbport" -u "$1" -p"$1-secret")
  (exec timeout -s KILL 300 mariadb --no-defaults "${who[@]}" -NB -e "$2" orders >> "$mdbroot/side.log" 2>&1) &
  pids+=("$!"); disown "$!"
}
mdb_fill() { # N: reporting sessions (each in SELECT SLEEP(120)) until N of them run; a session may be
  # refused while the server still counts a connection just closed, so the missing ones are started again
  local n i try
  for try in 1 2 3 4 5 6 7 8 9 10; do
    n=$(mdb_sql "SELECT count(*) FROM information_schema.processlist WHERE user = 'reporting' AND info LIKE 'SELECT SLEEP%'")
    [ "$n" -ge "$1" ] && return 0
    for ((i = n; i < $1; i++)); do mdb_side reporting "SELECT SLEEP(120)"; done
    sleep 2
  done
  return 1
}
mdb_case() {
  mdb_up || { echo "  (MariaDB is down; starting it again)"; mdb_stop; mdb_run || return 1; }
  local id
  for id in $(mdb_sql "SELECT id FROM information_schema.processlist WHERE user IN ('flink', 'reporting')
      OR (user = 'root' AND id <> connection_id())"); do mdb_sql "KILL $id" 2> /dev/null || true; done
  mdb_sql "SET GLOBAL read_only = 0, max_connections = 20, innodb_lock_wait_timeout = 50, wait_timeout = 28800;
    ALTER USER flink@'%' WITH MAX_STATEMENT_TIME 0; DROP TABLE IF EXISTS order_events;
    CREATE TABLE order_events (order_id bigint PRIMARY KEY, note varchar(255) NOT NULL)"
  case $1 in
    data-too-long) mdb_sql "ALTER TABLE order_events MODIFY note varchar(10) NOT NULL" ;;
    foreign-key) mdb_sql "ALTER TABLE order_events ADD FOREIGN KEY (order_id) REFERENCES orders (order_id)" ;;   # orders holds 0..199
    read-only) mdb_sql "SET GLOBAL read_only = 1" ;;
    lock-wait-timeout) mdb_sql "SET GLOBAL innodb_lock_wait_timeout = 2" ;;
    statement-timeout) mdb_sql "ALTER USER flink@'%' WITH MAX_STATEMENT_TIME 2" ;;
    wait-timeout) mdb_sql "SET GLOBAL wait_timeout = 1" ;;
    too-many-connections) # a reporting tool holds every connection (max_connections 10, its minimum; root
      # keeps the one extra connection MariaDB allows an account with SUPER)
      mdb_sql "SET GLOBAL max_connections = 10"
      mdb_fill 10 || { tail -n 5 "$mdbroot/side.log" >&2; return 1; }
      echo "  10 reporting sessions hold every connection" ;;
  esac
}
mdb_rows() { [ "$(mdb_sql "SELECT count(*) FROM order_events")" -ge 100 ]; }
mdb_job_session() { mdb_sql "SELECT id FROM information_schema.processlist WHERE user = 'flink' LIMIT 1"; }
# once the job has written rows: a maintenance session locks every row of order_events and the gap
# after them (SELECT ... FOR UPDATE) for 60 s; the job's next INSERT waits for it
mdb_lock_under_job() {
  wait_running "$1" && wait_for 30 mdb_rows || return 1
  echo "  a maintenance session locks the rows of order_events (SELECT ... FOR UPDATE) for 60 s"
  mdb_side root "BEGIN; SELECT count(*) FROM order_events FOR UPDATE; SELECT SLEEP(60); COMMIT;"
}
# the lookup job has looked up for 2 s: a maintenance session holds LOCK TABLES customers WRITE for 60 s
mdb_lock_customers_under_job() {
  wait_running "$1" && sleep 2 || return 1
  echo "  a maintenance session holds LOCK TABLES customers WRITE for 60 s"
  mdb_side root "LOCK TABLES customers WRITE; SELECT SLEEP(60); UNLOCK TABLES;"
}
# the job's first transaction (commit=2000) is open: another session updates 5000 ledger rows (so
# InnoDB picks the job, the lighter transaction, as the deadlock victim), inserts order 800, then
# order 5 (the job's, uncommitted: it waits for the job); the job reaches 800
mdb_in_transaction() {
  [ "$(mdb_sql "SELECT count(*) FROM information_schema.innodb_trx t JOIN information_schema.processlist p
    ON p.id = t.trx_mysql_thread_id WHERE p.user = 'flink'")" -ge 1 ]
}
mdb_deadlock_under_job() {
  wait_running "$1" && wait_for 30 mdb_in_transaction || return 1
  echo "  another session updates the ledger, inserts orders 800 and 5 in one transaction"
  mdb_side root "SET innodb_lock_wait_timeout = 60; BEGIN; UPDATE ledger SET amount = amount + 1;
    INSERT INTO order_events VALUES (800, 'manual'); SELECT SLEEP(2); INSERT INTO order_events VALUES (5, 'manual'); COMMIT;"
}
# once the job has written rows: KILL of the job's connection, SIGKILL to mariadbd; once the lookup
# job has run for 2 s: a normal shutdown
mdb_kill_under_job() {
  wait_running "$1" && wait_for 30 mdb_rows || return 1
  local id; id=$(mdb_job_session); echo "  KILL $id (the job's connection)"; mdb_sql "KILL $id"
}
mdb_sigkill_under_job() {
  wait_running "$1" && wait_for 30 mdb_rows || return 1
  echo "  SIGKILL to mariadbd"; mdb_stop
}
mdb_shutdown_under_job() {
  wait_running "$1" && sleep 2 || return 1
  echo "  mariadb-admin shutdown"
  mariadb-admin --no-defaults -S "$mdbroot/mysqld.sock" -u root shutdown
}
# BATCH mode: once the fast source has finished (its blocking partition written to shuffle files in
# the TaskManager's io.tmp.dirs) and while the slow one runs, remove the shuffle files (what a tmp
# cleaner does); the downstream asks for the partitions later
orders_done() { [ "$(get "/jobs/$1" | py '[v["status"] for v in d["vertices"] if "orders" in v["name"]][0]')" = FINISHED ]; }
remove_shuffle_files() {
  wait_for 60 orders_done "$1" || return 1
  local files; files=$(find "$gdir/tmp" -type f -name '*.shuffle.*')
  [ -n "$files" ] || { echo "  no shuffle files in $gdir/tmp" >&2; find "$gdir/tmp" -type f | head >&2; return 1; }
  echo "  removing $(echo "$files" | wc -l) shuffle file(s): $(echo "$files" | xargs -n1 basename | tr '\n' ' ')"
  echo "$files" | xargs rm -f
}
# BATCH mode on two one-slot TaskManagers: the fast source and the slow one run on different
# machines; once the fast one has finished, its TaskManager (holding the blocking partition) gets
# SIGKILL; the keyed sum, scheduled when the slow source ends, asks the dead machine for it
kill_orders_tm() {
  wait_for 60 orders_done "$1" || return 1
  local tmid p vid
  vid=$(get "/jobs/$1" | py '[v["id"] for v in d["vertices"] if "orders" in v["name"]][0]')
  tmid=$(get "/jobs/$1/vertices/$vid/taskmanagers" | py 'd["taskmanagers"][0]["taskmanager-id"]')
  for p in "${tm_pids[@]}"; do
    if grep -qF "ResourceID: $tmid" "$gdir/log/${tm_log[$p]}" 2>/dev/null; then
      echo "  SIGKILL to the TaskManager holding the orders partition (${tm_log[$p]})"; kill -KILL "$(pgrep -P "$p" java)"; return 0
    fi
  done
  echo "  no TaskManager log mentions $tmid" >&2; return 1
}
mount_tmpfs() { # DIR SIZE
  mkdir -p "$1"
  mount -t tmpfs -o "size=$2" faultline-flink "$1" || { echo "  cannot mount a tmpfs on $1 (needs root)" >&2; return 1; }
  mounts+=("$1")
}
# a savepoint of StateEvolution v1, restored by the case's job
savepoint_done() {
  local r; r=$(get "/jobs/$1/savepoints/$2") || return 1
  [ "$(echo "$r" | py 'd["status"]["id"]')" = COMPLETED ]
}
take_savepoint() {
  local job trig
  savepoint=""
  job=$(submit StateEvolution v1) || { echo "  v1 not submitted" >&2; return 1; }
  wait_running "$job" && sleep 3 || return 1
  trig=$(curl -sf -X POST -H 'Content-Type: application/json' \
    -d "{\"targetDirectory\": \"file://$work/savepoints\", \"drain\": false}" "$api/jobs/$job/stop" | py 'd["request-id"]')
  wait_for 60 savepoint_done "$job" "$trig" || { echo "  no savepoint" >&2; return 1; }
  savepoint=$(get "/jobs/$job/savepoints/$trig" | py 'd["operation"]["location"]')
  wait_for 30 is_gone "$job" || true
  echo "  savepoint of state-evolution-v1: $savepoint"
}
# spec CASE: sets class, args, setup, action, after, expect (failed | rejected: the
# submission itself fails and the REST error is captured) and want: for racy cases, an
# extended regex the trace should match; the case is run up to 3 times until it does (each
# run is real; the README says which outcomes occur).
spec() {
  class=""; args=(); setup=""; action=""; after=""; expect=failed; savepoint=""; want=""
  local http="http://127.0.0.1:$(svc http)"
  case $1 in
    failing-map) class=FailingMap ;;
    lambda-npe) class=LambdaNpe ;;
    kryo-unmodifiable) class=KryoUnmodifiable ;;
    too-many-slots) class=TooManySlots ;;
    heap-oom) class=HeapHog ;;
    closed-port) class=ClosedPort ;;
    tm-killed) class=Steady; action=kill_tm ;;
    tm-frozen) class=Steady; action=stop_tm; after=kill_stopped_tm ;;
    parse-number) class=ParseNumber ;;
    split-fields) class=SplitFields ;;
    cast-in-filter) class=CastInFilter ;;
    null-key) class=NullKey ;;
    process-throws) class=ProcessThrows ;;
    open-missing-file) class=OpenMissingFile ;;
    window-average) class=WindowAverage ;;
    failing-sink) class=FailingSink ;;
    failing-source) class=FailingSource ;;
    non-keyed-state) class=NonKeyedState ;;
    non-keyed-timer) class=NonKeyedTimer ;;
    list-state-null) class=ListStateNull ;;
    kryo-lambda-field) class=KryoLambdaField ;;
    null-tuple-field) class=NullTupleField ;;
    class-by-name) class=ClassByName ;;
    missing-dependency) class=MissingDependency ;;
    conflicting-dependency) class=ConflictingDependency ;;
    state-value-type-changed) class=StateEvolution; args=(value-string); setup=take_savepoint ;;
    state-key-type-changed) class=StateEvolution; args=(key-string); setup=take_savepoint ;;
    required-param) class=RequiredParam; args=(--rates.currency EUR) ;;
    s3-without-plugin) class=S3WithoutPlugin; expect=rejected ;;
    jdbc-no-driver) class=JdbcNoDriver ;;
    system-exit-intercepted) class=SystemExit ;;
    deep-recursion) class=DeepRecursion ;;
    bad-timestamp) class=BadTimestamp ;;
    timer-null) class=TimerNull ;;
    bad-partitioner) class=BadPartitioner ;;
    slow-snapshot) class=SlowSnapshot ;;
    snapshot-throws) class=SnapshotThrows ;;
    closure-not-serializable) class=ClosureNotSerializable; expect=rejected ;;
    closure-http-client) class=ClosureHttpClient; expect=rejected ;;
    checkpoint-expired) class=CheckpointedSteady; ckdir="$work/checkpoints/expired"
      args=("file://$ckdir" 2000); action=pause_tm ;;
    checkpoint-dir-removed) class=CheckpointedSteady; ckdir="$work/checkpoints/removed"
      args=("file://$ckdir" 10000); action=break_checkpoint_dir ;;
    checkpoint-disk-full) class=CheckpointedSteady; ckdir="$work/ckfull/checkpoints"
      args=("file://$ckdir" 10000 1000); setup="mount_tmpfs $work/ckfull 4m" ;;
    checkpoint-metadata-disk-full) class=CheckpointedSteady; ckdir="$work/mdfull/checkpoints"
      args=("file://$ckdir" 10000 0 16); setup="mount_tmpfs $work/mdfull 1m"; action=fill_checkpoint_volume ;;
    big-accumulator) class=BigAccumulator ;;
    window-buffer-oom) class=WindowBufferOom ;;
    corrupt-length) class=CorruptLength ;;
    direct-buffers) class=DirectBuffers ;;
    spool-disk-full) class=SpoolToDisk; args=("$work/small/spool.bin"); setup="mount_tmpfs $work/small 8m" ;;
    http-refused) class=HttpRefused; args=("http://127.0.0.1:$(svc closed)") ;;
    unknown-host) class=UnknownHost; args=(orders-db.no-such-host.invalid 5432) ;;
    unknown-host-http) class=UnknownHostHttp; args=(http://inventory.no-such-host.invalid:8080) ;;
    connect-timeout) class=ConnectTimeout; args=(127.0.0.1 "$(svc backlog)") ;;
    connection-reset) class=ConnectionReset; args=(127.0.0.1 "$(svc reset)") ;;
    http-500) class=Http500; args=("$http") ;;
    http-503) class=Http503; args=("$http") ;;
    read-timeout) class=ReadTimeout; args=("http://127.0.0.1:$(svc silent)") ;;
    http-client-timeout) class=HttpClientTimeout; args=("http://127.0.0.1:$(svc silent)") ;;
    async-timeout) class=AsyncTimeout; args=("http://127.0.0.1:$(svc silent)") ;;
    empty-reply) class=EmptyReply; args=("http://127.0.0.1:$(svc empty)") ;;
    tls-to-plain) class=TlsToPlain; args=("https://127.0.0.1:$(svc http)") ;;
    jdbc-*) class=JdbcOrdersSink; setup="pg_case ${1#jdbc-}"
      local db=(driver="$pgjar" url="jdbc:postgresql://127.0.0.1:${pgport:-0}/orders" user=flink password=flink-secret)
      args=("${db[@]}")
      case $1 in
        jdbc-refused) setup=""; args=(driver="$pgjar" url="jdbc:postgresql://127.0.0.1:$(svc closed)/orders" user=flink password=flink-secret) ;;
        jdbc-connect-timeout) setup=""; args=(driver="$pgjar" url="jdbc:postgresql://127.0.0.1:$(svc backlog)/orders?connectTimeout=3" user=flink password=flink-secret) ;;
        jdbc-auth-failed) args=("${db[@]:0:3}" password=flink-secret-2023) ;;
        jdbc-database-missing) args=(driver="$pgjar" url="jdbc:postgresql://127.0.0.1:${pgport:-0}/order" user=flink password=flink-secret) ;;
        jdbc-ssl-required) args=(driver="$pgjar" url="jdbc:postgresql://127.0.0.1:${pgport:-0}/orders?sslmode=require" user=flink password=flink-secret) ;;
        jdbc-missing-table) args+=(table=order_event) ;;
        jdbc-syntax-error) class=JdbcLookup; args+=("query=SELECT tier FROM customers WHERE customer_id = ? ORDER tier") ;;
        jdbc-unique-violation) args+=(count=1000 pace=0 batch=10 repeat=25) ;;
        jdbc-read-only) args+=(count=1000) ;;
        jdbc-too-many-connections) ;;
        jdbc-statement-timeout) action=pg_lock_under_job ;;
        jdbc-backend-terminated) action=pg_terminate_under_job ;;
        jdbc-disk-full) args+=(pace=0 batch=50 payload=2000) ;;
        jdbc-server-stopped) action=pg_stop_under_job ;;
        jdbc-missing-column) class=JdbcLookup; args+=("query=SELECT tier, region FROM customers WHERE customer_id = ?") ;;
        jdbc-permission-denied) ;;
        jdbc-role-missing) class=JdbcLookup; args=(driver="$pgjar" url="jdbc:postgresql://127.0.0.1:${pgport:-0}/reports" user=report_reader password=report_reader-secret) ;;
        jdbc-hba-rejected) class=JdbcLookup; args=(driver="$pgjar" url="jdbc:postgresql://127.0.0.1:${pgport:-0}/orders" user=flink_ingest password=flink_ingest-secret) ;;
        jdbc-not-null) args+=(nulls=50) ;;
        jdbc-foreign-key) ;;
        jdbc-check-violation) args+=(batch=10) ;;
        jdbc-value-too-long) args+=(pace=1 batch=20 payload=0) ;;   # notes "order-N-" outgrow the column at N = 1000
        jdbc-invalid-input) args=(driver="$pgjar" url="jdbc:postgresql://127.0.0.1:${pgport:-0}/orders?stringtype=unspecified" user=flink password=flink-secret) ;;
        jdbc-integer-out-of-range) args+=(start=2147483600) ;;
        jdbc-division-by-zero) class=JdbcLookup; args+=("query=SELECT round(revenue / orders, 2) FROM customer_stats WHERE customer_id = ?") ;;
        jdbc-deadlock) args+=(commit=2000); action=pg_deadlock_under_job ;;
        jdbc-lock-timeout) class=JdbcLookup; action=pg_lock_customers_under_job ;;
        jdbc-statement-cancelled) action=pg_cancel_under_job ;;
        jdbc-server-fast-shutdown) class=JdbcLookup; action=pg_fast_stop_under_job ;;
        jdbc-server-shutting-down) ;;
        jdbc-role-connection-limit) class=JdbcLookup ;;
        jdbc-idle-in-transaction) args+=(commit=100 pace=1500) ;;
        jdbc-idle-session-timeout) class=JdbcLookup; args+=(pace=1500) ;;
      esac ;;
    mariadb-*) class=JdbcOrdersSink; setup="mdb_case ${1#mariadb-}"
      local my=(driver="$mdbjar" url="jdbc:mariadb://127.0.0.1:${mdbport:-0}/orders" user=flink password=flink-secret)
      args=("${my[@]}")
      case $1 in
        mariadb-refused) setup=""; args=(driver="$mdbjar" url="jdbc:mariadb://127.0.0.1:$(svc closed)/orders" user=flink password=flink-secret) ;;
        mariadb-auth-failed) args=("${my[@]:0:3}" password=flink-secret-2023) ;;
        mariadb-database-missing) class=JdbcLookup; args=(driver="$mdbjar" url="jdbc:mariadb://127.0.0.1:${mdbport:-0}/order" user=flink password=flink-secret) ;;
        mariadb-missing-table) args+=(table=order_event) ;;
        mariadb-syntax-error) class=JdbcLookup; args+=("query=SELECT tier FROM customers WHERE customer_id = ? ORDER tier") ;;
        mariadb-permission-denied) args=("${my[@]:0:2}" user=reporting password=reporting-secret) ;;   # an account that may only read
        mariadb-duplicate-key) args+=(count=1000 pace=0 batch=10 repeat=25) ;;
        mariadb-data-too-long) args+=(pace=1 payload=0) ;;   # notes "order-N-" outgrow varchar(10) at N = 1000
        mariadb-not-null) args+=(nulls=50) ;;
        mariadb-foreign-key) args+=(batch=20) ;;
        mariadb-too-many-connections) class=JdbcLookup ;;
        mariadb-lock-wait-timeout) action=mdb_lock_under_job ;;
        mariadb-deadlock) args+=(commit=2000); action=mdb_deadlock_under_job ;;
        mariadb-statement-timeout) class=JdbcLookup; action=mdb_lock_customers_under_job ;;
        mariadb-read-only) ;;
        mariadb-connection-killed) action=mdb_kill_under_job ;;
        mariadb-server-killed) action=mdb_sigkill_under_job; want="SocketException: Connection reset" ;;
        mariadb-server-shutdown) class=JdbcLookup; action=mdb_shutdown_under_job ;;
        mariadb-wait-timeout) class=JdbcLookup; args+=(pace=2000) ;;
      esac ;;
    shuffle-files-removed) class=BatchShuffle; action=remove_shuffle_files ;;
    batch-producer-tm-killed) class=BatchShuffle; action=kill_orders_tm ;;
    no-taskmanager-adaptive) class=Steady ;;
    network-connection-cut) class=UpstreamDownstream; action=cut_upstream_connections ;;
    upstream-tm-killed) class=UpstreamDownstream; action=kill_upstream_tm; want="RemoteTransportException" ;;
    file-leak) class=FileLeak; args=("$gdir/tmp") ;;
    class-leak) class=ClassLeak; want="OutOfMemoryError: Metaspace" ;;
    gc-thrashing) class=LookupCache ;;
    thread-leak) class=ThreadLeak ;;
  esac
}

# An empty exception history (the adaptive scheduler failing before any execution existed):
# the failure is only in the job's result.
save_execution_result() { # NAME JOB
  get "/jobs/$2/execution-result" > "$out/$1.execution-result"
  py 'd["job-execution-result"]["failure-cause"]["stack-trace"]' < "$out/$1.execution-result" > "$work/trace.txt"
}
no_history=save_execution_result
run_case() {
  local name=$1 try
  spec "$name"
  for try in 1 2 3; do
    run_once "$name"
    [ -n "$want" ] && [ -f "$out/$name.txt" ] && ! grep -Eq "$want" "$out/$name.txt" || return 0
    [ "$try" -lt 3 ] || { echo "  (3 tries, none matching /$want/; keeping the last)"; return 0; }
    echo "  (try $try: the trace does not match /$want/; again on a fresh cluster)"
    stop_cluster; start_cluster "${group_of[$name]}"
  done
}
run_once() {
  local name=$1 job
  ensure_tm
  if [ -n "$setup" ]; then $setup || { not_captured "$name" "setup ($setup) failed"; return; }; fi
  if ! job=$(submit "$class" "${args[@]}"); then
    if [ "$expect" = rejected ]; then
      cp "$work/response.json" "$out/$name.run-response"
      python3 - "$out/$name.run-response" "$out/$name.txt" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
open(sys.argv[2], "w").write("\n".join(doc["errors"]))
PY
      echo "$name: rejected; $(head -n 1 "$out/$name.txt" | cut -c1-110)"
      grep '^Caused by' "$out/$name.txt" | sed 's/^/    /' | cut -c1-150 || true
    else
      not_captured "$name" "submission failed: $(head -c 600 "$work/response.json")"
    fi
    return
  fi
  [ "$expect" = failed ] || { not_captured "$name" "expected a rejected submission, got job $job"; cancel "$job"; return; }
  if [ -n "$action" ]; then $action "$job" || { not_captured "$name" "action ($action) failed"; cancel "$job"; return; }; fi
  if ! { wait_for 120 is_gone "$job" && is_failed "$job"; }; then
    not_captured "$name" "not FAILED but $(job_state "$job") after 120 s; cancelling"
    cancel "$job"; return
  fi
  wait_for 10 has_history "$job" || true
  if [ -n "$after" ]; then $after "$job"; fi
  save_failure "$name" "$job"
  echo "$name: FAILED; $(head -n 1 "$out/$name.txt" | cut -c1-110)"
  grep '^Caused by' "$out/$name.txt" | sed 's/^/    /' | cut -c1-150 || true
}

for g in "${groups[@]}"; do
  todo=()
  for c in "${cases[@]}"; do [ "${group_of[$c]}" = "$g" ] && todo+=("$c"); done
  [ ${#todo[@]} -gt 0 ] || continue
  if [ "$g" = jdbc ] && ! pg_start; then
    for c in "${todo[@]}"; do not_captured "$c" "no PostgreSQL"; done
    continue
  fi
  if [ "$g" = mariadb ] && ! mdb_start; then
    for c in "${todo[@]}"; do not_captured "$c" "no MariaDB"; done
    continue
  fi
  if ! start_cluster "$g"; then
    for c in "${todo[@]}"; do not_captured "$c" "no $g cluster"; done
    continue
  fi
  for c in "${todo[@]}"; do run_case "$c"; done
  stop_cluster
  if [ "$g" = jdbc ]; then pg_stop; fi
  if [ "$g" = mariadb ]; then mdb_stop; fi
done
report
