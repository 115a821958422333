#!/usr/bin/env bash
# Whole-cycle benchmark: `tributary once` beside `newsboat -x reload` on a generated feed farm
# served by Debian's nginx on 127.0.0.1. See bench/cycle/README.md.
#
# Usage: bench/cycle/run.sh [N ...]            (default: 1000 10000)
# Environment:
#   RUNS=3            interleaved repetitions per N (medians are reported)
#   BENCH_DIR=DIR     work directory (default: a new temporary directory); removed at the end unless KEEP=1
#   KEEP=1            keep BENCH_DIR (farm, databases, logs, results.tsv)
#   BUILD=1           build tributary first (scripts/build.sh release tributary); otherwise never builds
#   TRIBUTARY=PATH    the binary (default: build/release/daemon/tributary of this tree)
#   NEWSBOAT=0        measure tributary only
#   NEWSBOAT_WARM=0   newsboat's cold cycle only, not its second and third: at 10,000 feeds the
#                     cold one alone takes over 20 minutes, and the three over an hour
#   SEED=1            farm seed;  MUTATE=0.10  fraction of feeds changed before each steady cycle
#   CONCURRENCY=16    tributary max_concurrent and max_per_host, newsboat reload-threads
#   TIMEOUT=1800      seconds allowed to each measured command
#   PERF=1            after the runs of each N, one more cold tributary cycle under `perf record -g`,
#                     and its top symbols by self time; PERF=dwarf: DWARF call graphs (the release
#                     build keeps no frame pointers), and tributary's functions by inclusive time too
#   POSTGRESQL=1      also run tributary's three cycles (cold on a fresh schema, second, steady) with its
#                     store in PostgreSQL 15: one throwaway server for the whole script
#                     (tests/support/postgresql.sh with TRIBUTARY_PG_DURABLE=1, shared_buffers 128MB),
#                     kinds pg-cold, pg-second, pg-steady, and the server's CPU time for each cycle
#   DAEMONS=3         with POSTGRESQL=1: also the same three cycles by this many daemons at once,
#                     sharing one schema (share_database = yes): kinds pgs-cold, pgs-second,
#                     pgs-steady, wall until the last one ends, CPU summed over them
#   SERVICE=1         also the cold cycle by `tributary run` (the service, stopped once its first cycle
#                     has ended: bench/cycle/service_cycle.sh), kind tributary-run-cold; 0: skip it
#   HOSTS=1           spread the farm over this many hosts (1 to 254): nginx listens on 127.0.0.1 ...
#                     127.0.0.HOSTS (all loopback on Linux), same port, and feed i's URL is on
#                     127.0.0.(1 + i mod HOSTS). Daemons sharing a database lease a host before polling
#                     its feeds, so on a one-host farm one daemon does all the work; real deployments
#                     have many hosts
set -euo pipefail

die() { echo "bench/cycle: $*" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
sizes=("$@")
((${#sizes[@]})) || sizes=(1000 10000)
RUNS=${RUNS:-3}
SEED=${SEED:-1}
MUTATE=${MUTATE:-0.10}
CONCURRENCY=${CONCURRENCY:-16}
TIMEOUT=${TIMEOUT:-1800}
NEWSBOAT=${NEWSBOAT:-1}
NEWSBOAT_WARM=${NEWSBOAT_WARM:-1}
PERF=${PERF:-0}
perf_mode=$PERF
[[ $PERF == dwarf ]] && PERF=1
[[ $PERF =~ ^[01]$ ]] || die "PERF is 1 or dwarf"
TRIBUTARY=${TRIBUTARY:-$repo/build/release/daemon/tributary}
POSTGRESQL=${POSTGRESQL:-0}
DAEMONS=${DAEMONS:-1}
HOSTS=${HOSTS:-1}
SERVICE=${SERVICE:-1}

for n in "${sizes[@]}"; do [[ $n =~ ^[1-9][0-9]*$ ]] || die "not a feed count: '$n'"; done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer"
[[ $POSTGRESQL =~ ^[01]$ ]] || die "POSTGRESQL is 0 or 1"
[[ $SERVICE =~ ^[01]$ ]] || die "SERVICE is 0 or 1"
[[ $NEWSBOAT =~ ^[01]$ ]] || die "NEWSBOAT is 0 or 1"
[[ $NEWSBOAT_WARM =~ ^[01]$ ]] || die "NEWSBOAT_WARM is 0 or 1"
[[ $DAEMONS =~ ^[1-9][0-9]*$ ]] || die "DAEMONS must be a positive integer"
((DAEMONS == 1 || POSTGRESQL)) || die "DAEMONS > 1 needs POSTGRESQL=1 (daemons share a PostgreSQL database)"
[[ $HOSTS =~ ^([1-9][0-9]?|1[0-9][0-9]|2[0-4][0-9]|25[0-4])$ ]] || die "HOSTS must be an integer from 1 to 254"

# --- what the benchmark needs, installed the way scripts/install-deps.sh does it -------------
nginx_bin=$(command -v nginx || true)
[[ -z $nginx_bin && -x /usr/sbin/nginx ]] && nginx_bin=/usr/sbin/nginx
packages=(time sqlite3 python3 curl)
((NEWSBOAT)) && packages+=(newsboat)
((PERF)) && packages+=(linux-perf)
((POSTGRESQL)) && packages+=(postgresql-15 postgresql-client-15)
[[ -z $nginx_bin ]] && packages+=(nginx-light)
missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "bench/cycle: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -q
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
nginx_bin=$(command -v nginx || true)
[[ -z $nginx_bin && -x /usr/sbin/nginx ]] && nginx_bin=/usr/sbin/nginx
[[ -n $nginx_bin ]] || die "nginx is missing (Debian package nginx-light)"
if ((NEWSBOAT)); then command -v newsboat >/dev/null || die "newsboat is missing (Debian package newsboat)"; fi
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (Debian package time)"
command -v sqlite3 >/dev/null || die "sqlite3 is missing (Debian package sqlite3)"
if ((PERF)); then command -v perf >/dev/null || die "perf is missing (Debian package linux-perf)"; fi
psql_bin=
if ((POSTGRESQL)); then
  psql_bin=/usr/lib/postgresql/15/bin/psql
  [[ -x $psql_bin ]] || psql_bin=$(command -v psql || true)
  [[ -n $psql_bin ]] || die "psql is missing (Debian package postgresql-client-15)"
fi

if [[ ${BUILD:-0} == 1 ]]; then "$repo/scripts/build.sh" release tributary; fi
[[ -x $TRIBUTARY ]] || die "no tributary binary at $TRIBUTARY (build it: scripts/build.sh release tributary, or BUILD=1)"

# 10,000 feeds: the clients hold few sockets at once, but nothing here should run out of descriptors.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
(($(ulimit -n) >= 4096)) || echo "bench/cycle: warning: only $(ulimit -n) open files allowed" >&2

# --- work directory, nginx, cleanup -----------------------------------------------------------
if [[ -n ${BENCH_DIR:-} ]]; then
  B=$BENCH_DIR
  mkdir -p "$B"
  [[ -z $(ls -A "$B") ]] || die "BENCH_DIR $B is not empty"
else
  B=$(mktemp -d "${TMPDIR:-/tmp}/tributary-bench.XXXXXX")
fi
B=$(cd "$B" && pwd)
nginx_pid=
cleanup() {
  local rc=$?
  # The PostgreSQL server (POSTGRESQL=1), whether or not its start got as far as writing its state:
  # postgresql.sh stops what it started and removes its data directory.
  if [[ -d $B/postgresql ]]; then
    "$repo/tests/support/postgresql.sh" stop "$B/postgresql" || echo "bench/cycle: could not stop PostgreSQL" >&2
  fi
  if [[ -n $nginx_pid ]] && kill -0 "$nginx_pid" 2>/dev/null; then
    kill -QUIT "$nginx_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$nginx_pid" 2>/dev/null || break; sleep 0.1; done
    kill -TERM "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
  fi
  if [[ ${KEEP:-0} == 1 ]]; then
    echo "bench/cycle: work directory kept: $B"
  else
    rm -rf "$B"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_nginx() {
  mkdir -p "$B/nginx/tmp"
  local user_line=""
  # Workers started by root would run as nobody, who cannot read a private temporary directory.
  [[ $(id -u) -eq 0 ]] && user_line="user root;"
  local attempt
  for attempt in 1 2 3; do
    port=$(free_port)
    {
      echo "daemon off;"
      echo "$user_line"
      echo "worker_processes 1;"
      echo "pid $B/nginx/nginx.pid;"
      echo "error_log $B/nginx/error.log warn;"
      echo "events { worker_connections 4096; }"
      echo "http {"
      echo "  include /etc/nginx/mime.types;"
      echo "  default_type application/octet-stream;"
      echo "  access_log off;"
      echo "  sendfile on;"
      echo "  etag on;"
      echo "  keepalive_requests 100000;"
      echo "  gzip on;"
      echo "  gzip_comp_level 1;"
      echo "  gzip_types text/xml application/xml application/rss+xml application/atom+xml;"
      echo "  client_body_temp_path $B/nginx/tmp/body;"
      echo "  proxy_temp_path $B/nginx/tmp/proxy;"
      echo "  fastcgi_temp_path $B/nginx/tmp/fastcgi;"
      echo "  uwsgi_temp_path $B/nginx/tmp/uwsgi;"
      echo "  scgi_temp_path $B/nginx/tmp/scgi;"
      echo "  server {"
      for h in $(seq "$HOSTS"); do echo "    listen 127.0.0.$h:$port;"; done   # the farm's hosts (HOSTS)
      echo "    location = /alive { return 200 ok; }"
      for n in "${sizes[@]}"; do echo "    location /n$n/ { alias $B/n$n/feeds/; }"; done
      echo "  }"
      echo "}"
    } >"$B/nginx/nginx.conf"
    "$nginx_bin" -e "$B/nginx/error.log" -p "$B/nginx/" -c "$B/nginx/nginx.conf" &
    nginx_pid=$!
    for _ in $(seq 50); do
      if curl -fsS "http://127.0.0.1:$port/alive" >/dev/null 2>&1; then
        echo "bench/cycle: nginx (pid $nginx_pid) serving on 127.0.0.1:$port$( ((HOSTS == 1)) ||
          echo " ... 127.0.0.$HOSTS:$port ($HOSTS hosts)")"
        return 0
      fi
      kill -0 "$nginx_pid" 2>/dev/null || break
      sleep 0.1
    done
    # Lost the port to someone else, or nginx refused its configuration: say why, try another port.
    kill -TERM "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
    nginx_pid=
    echo "bench/cycle: nginx did not start on port $port (attempt $attempt):" >&2
    tail -n 3 "$B/nginx/error.log" >&2 || true
  done
  die "nginx would not start; see above"
}

# --- measuring ------------------------------------------------------------------------------
: >"$B/results.tsv"
: >"$B/counts.tsv"

# measure N RUN KIND LOG command...: one measured command, appended to results.tsv.
measure() {
  local n=$1 run=$2 kind=$3 log=$4 rc=0 load
  shift 4
  read -r load _ </proc/loadavg   # others' work on the machine shows in wall times: recorded beside them
  /usr/bin/time -f '%e %U %S %M' -o "$B/time.out" timeout -k 30 "$TIMEOUT" "$@" >"$log" 2>&1 || rc=$?
  local wall user sys rss
  read -r wall user sys rss < <(tail -n 1 "$B/time.out")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$run" "$kind" "$wall" "$user" "$sys" "$rss" "$rc" "$load" \
    >>"$B/results.tsv"
  awk -v run="$run" -v kind="$kind" -v w="$wall" -v u="$user" -v s="$sys" -v m="$rss" -v rc="$rc" -v logf="$log" \
    'BEGIN { printf "  run %s  %-17s %8.2f s wall %8.2f s CPU %6.0f MB%s\n", run, kind, w, u + s, m / 1024,
             rc == 0 ? "" : "  FAILED (exit " rc ", see " logf ")" }'
  return 0
}

count() { printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >>"$B/counts.tsv"; }

# What tributary's database holds after a cycle, so a broken run shows.
tributary_counts() {
  local n=$1 run=$2 kind=$3 dir=$4 db=$4/tributary/tributary.db
  [[ -f $db ]] || { count "$n" "$run" "$kind" error "no database"; return 0; }
  count "$n" "$run" "$kind" items "$(sqlite3 "$db" 'SELECT count(*) FROM items')"
  count "$n" "$run" "$kind" stories "$(sqlite3 "$db" 'SELECT count(*) FROM stories')"
  count "$n" "$run" "$kind" outcomes "$(sqlite3 "$db" \
    "SELECT group_concat(o || '=' || c, ' ') FROM (SELECT last_outcome o, count(*) c FROM feeds GROUP BY 1)")"
  # Titles with Arabic letters, and titles decoded wrongly (replacement characters, UTF-8 or
  # windows-1256 bytes read as Latin-1).
  count "$n" "$run" "$kind" arabic_titles "$(sqlite3 "$db" "SELECT count(*) FROM items WHERE title GLOB '*[ء-ي]*'")"
  count "$n" "$run" "$kind" mojibake "$(sqlite3 "$db" \
    "SELECT count(*) FROM items WHERE instr(title, char(65533)) OR title GLOB '*[ÃØÙ]*'")"
  count "$n" "$run" "$kind" cycle "$(grep -ho 'cycle: .*' "$dir/logs/tributary-$kind.$run.log" | tail -n 1 || true)"
}

newsboat_counts() {
  local n=$1 run=$2 kind=$3 cache=$4
  [[ -f $cache ]] || { count "$n" "$run" "$kind" error "no cache"; return 0; }
  count "$n" "$run" "$kind" items "$(sqlite3 "$cache" 'SELECT count(*) FROM rss_item')"
  count "$n" "$run" "$kind" feeds "$(sqlite3 "$cache" 'SELECT count(*) FROM rss_feed')"
  count "$n" "$run" "$kind" arabic_titles "$(sqlite3 "$cache" "SELECT count(*) FROM rss_item WHERE title GLOB '*[ء-ي]*'")"
}

tributary_once() { # DIR KIND RUN
  measure "$n" "$3" "tributary-$2" "$1/logs/tributary-$2.$3.log" "$TRIBUTARY" -c "$1/feeds.conf" once
  tributary_counts "$n" "$3" "$2" "$1"
}

# The cold cycle as the service runs it (SERVICE=1): what a systemd unit's first start costs.
tributary_service_cold() { # DIR RUN
  rm -rf "$1/tributary"
  mkdir -p "$1/tributary"
  measure "$n" "$2" tributary-run-cold "$1/logs/tributary-run-cold.$2.log" \
    "$here/service_cycle.sh" "$TRIBUTARY" "$1/feeds.conf"
  tributary_counts "$n" "$2" run-cold "$1"
}

# --- PostgreSQL (POSTGRESQL=1) ---------------------------------------------------------------
pg_host='' pg_port='' pg_user='' pg_db='' pg_pid='' pg_schema='' clk_tck=''

start_postgresql() {
  TRIBUTARY_PG_DURABLE=1 TRIBUTARY_PG_SHARED_BUFFERS=128MB "$repo/tests/support/postgresql.sh" start "$B/postgresql"
  local word
  for word in $(<"$B/postgresql/conninfo"); do   # host=127.0.0.1 port=N user=U dbname=D
    case $word in
      host=*) pg_host=${word#host=} ;;
      port=*) pg_port=${word#port=} ;;
      user=*) pg_user=${word#user=} ;;
      dbname=*) pg_db=${word#dbname=} ;;
    esac
  done
  pg_pid=$(<"$B/postgresql/pid")
  [[ -n $pg_host && $pg_port =~ ^[0-9]+$ && -n $pg_user && -n $pg_db && $pg_pid =~ ^[0-9]+$ ]] ||
    die "unexpected $B/postgresql/conninfo or pid"
  echo "bench/cycle: PostgreSQL $(pg_sql 'SHOW server_version') (pid $pg_pid) on $pg_host:$pg_port:" \
    "fsync $(pg_sql 'SHOW fsync'), synchronous_commit $(pg_sql 'SHOW synchronous_commit')," \
    "full_page_writes $(pg_sql 'SHOW full_page_writes'), shared_buffers $(pg_sql 'SHOW shared_buffers')"
}

# pg_sql SQL: one statement through psql, unaligned rows without a header.
pg_sql() {
  PGPASSWORD=$(<"$B/postgresql/password") PGCLIENTENCODING=UTF8 \
    "$psql_bin" -X -q -A -t -v ON_ERROR_STOP=1 --no-password \
    -h "$pg_host" -p "$pg_port" -U "$pg_user" -d "$pg_db" -c "$1"
}

# The CPU time of the whole server in clock ticks: the postmaster's utime + stime + cutime + cstime
# (a backend's time is added to cutime/cstime when the postmaster reaps it, after the client
# disconnects) plus utime + stime of each live child (checkpointer, background and WAL writers,
# autovacuum, backends). It first waits, up to 10 s, until no client backend and no unreaped child
# is left, so the last client's backend is counted once and whole; and it reads the postmaster
# before and after its children, again if a child was reaped in between.
pg_server_ticks() {
  python3 - "$pg_pid" <<'EOF'
import os
import sys
import time

pm = sys.argv[1]


def fields(pid):
    """/proc/PID/stat from field 3 (state) on: field k is [k - 3]; the name may hold spaces."""
    with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
        text = fh.read()
    return text[text.rindex(")") + 2:].split()


def children():
    kids = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                f = fields(pid)
            except (OSError, ValueError):
                continue
            if f[1] == pm:
                kids.append((pid, f))
    return kids


def settled(kids):
    for pid, f in kids:
        if f[0] in "ZX":
            return False
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if b"127.0.0.1(" in fh.read():        # "postgres: USER DB 127.0.0.1(PORT) idle"
                    return False
        except OSError:
            pass
    return True


deadline = time.monotonic() + 10
while not settled(children()):
    if time.monotonic() > deadline:
        print("bench/cycle: a client backend of PostgreSQL is still there after 10 s", file=sys.stderr)
        break
    time.sleep(0.02)
for _ in range(100):
    before = fields(pm)
    kids = children()
    after = fields(pm)
    if before[13:15] == after[13:15]:                  # nothing reaped meanwhile
        print(sum(int(x) for x in after[11:15]) + sum(int(f[11]) + int(f[12]) for _, f in kids))
        sys.exit(0)
sys.exit("bench/cycle: could not read the server's CPU time")
EOF
}

# pg_fresh_schema DIR RUN: schema bench_N_RUN (the previous run's is dropped), and DIR/feeds-pg.conf:
# DIR/feeds.conf with the database in that schema and the merged feed under DIR/tributary-pg/.
pg_fresh_schema() {
  local dir=$1 run=$2 schema=bench_${n}_$2
  pg_schema=$schema
  if ((run > 1)); then pg_sql "DROP SCHEMA bench_${n}_$((run - 1)) CASCADE" >/dev/null; fi
  pg_sql "CREATE SCHEMA $schema" >/dev/null
  rm -rf "$dir/tributary-pg"
  mkdir -p "$dir/tributary-pg"
  local url="postgresql://$pg_user@$pg_host:$pg_port/$pg_db?options=-c%20search_path%3D$schema"
  awk -v url="$url" -v pw="$B/postgresql/password" '
    /^database = / { print "database = " url; print "database_password_file = " pw; db++; next }
    /^path = tributary\// { sub(/^path = tributary\//, "path = tributary-pg/"); out++ }
    { print }
    END { if (db != 1 || out != 1) { print "feeds.conf: expected one database and one output path" > "/dev/stderr"; exit 1 } }
  ' "$dir/feeds.conf" >"$dir/feeds-pg.conf"
}

# What the PostgreSQL store holds after a cycle, as tributary_counts does for SQLite.
pg_counts() {
  local n=$1 run=$2 kind=$3 dir=$4 s=$pg_schema
  if [[ $(pg_sql "SELECT to_regclass('$s.items') IS NOT NULL" || true) != t ]]; then
    count "$n" "$run" "$kind" error "no tables in schema $s"
    return 0
  fi
  count "$n" "$run" "$kind" items "$(pg_sql "SELECT count(*) FROM $s.items" || true)"
  count "$n" "$run" "$kind" stories "$(pg_sql "SELECT count(*) FROM $s.stories" || true)"
  count "$n" "$run" "$kind" outcomes "$(pg_sql \
    "SELECT string_agg(o || '=' || c, ' ' ORDER BY o) FROM (SELECT last_outcome o, count(*) c FROM $s.feeds GROUP BY 1) t" || true)"
  count "$n" "$run" "$kind" arabic_titles "$(pg_sql "SELECT count(*) FROM $s.items WHERE title ~ '[ء-ي]'" || true)"
  count "$n" "$run" "$kind" mojibake "$(pg_sql \
    "SELECT count(*) FROM $s.items WHERE position(chr(65533) in title) > 0 OR title ~ '[ÃØÙ]'" || true)"
  # Several daemons' cycles (pgs-*) are counted by pg_shared_once, from their own logs.
  [[ -f $dir/logs/tributary-$kind.$run.log ]] &&
    count "$n" "$run" "$kind" cycle "$(grep -ho 'cycle: .*' "$dir/logs/tributary-$kind.$run.log" | tail -n 1 || true)"
  return 0
}

# pg_once DIR KIND RUN: one measured cycle on PostgreSQL, with the server's CPU time around it.
pg_once() {
  local dir=$1 kind=pg-$2 run=$3 before after cpu
  before=$(pg_server_ticks)
  measure "$n" "$run" "$kind" "$dir/logs/tributary-$kind.$run.log" "$TRIBUTARY" -c "$dir/feeds-pg.conf" once
  after=$(pg_server_ticks)
  cpu=$(awk -v a="$after" -v b="$before" -v hz="$clk_tck" 'BEGIN { printf "%.2f", (a - b) / hz }')
  count "$n" "$run" "$kind" server_cpu "$cpu"
  printf '  run %s  %-17s %15s %8.2f s server CPU\n' "$run" "$kind" "" "$cpu"
  pg_counts "$n" "$run" "$kind" "$dir"
}

# pg_shared_schema DIR RUN: schema bench_N_RUN_shared for DAEMONS daemons, and DIR/feeds-pgs-I.conf
# for each: feeds-pg.conf's database in that schema, share_database = yes, its own output directory.
pg_shared_schema() {
  local dir=$1 run=$2 schema=bench_${n}_$2_shared i
  if ((run > 1)); then pg_sql "DROP SCHEMA bench_${n}_$((run - 1))_shared CASCADE" >/dev/null; fi
  pg_sql "CREATE SCHEMA $schema" >/dev/null
  for i in $(seq "$DAEMONS"); do
    rm -rf "$dir/tributary-pgs-$i"
    mkdir -p "$dir/tributary-pgs-$i"
    awk -v schema="$schema" -v i="$i" '
      /^database = / { sub(/search_path%3D[A-Za-z0-9_]+/, "search_path%3D" schema); print; print "share_database = yes"; next }
      /^path = tributary-pg\// { sub(/^path = tributary-pg\//, "path = tributary-pgs-" i "/") }
      { print }
    ' "$dir/feeds-pg.conf" >"$dir/feeds-pgs-$i.conf"
  done
}

# pg_shared_once DIR KIND RUN: DAEMONS daemons' `once` at the same moment on the shared schema: wall
# until the last ends, their CPU summed, the largest peak RSS, and the server's CPU around them all.
pg_shared_once() {
  local dir=$1 kind=pgs-$2 run=$3 before after cpu i rc=0 load start end pids=()
  # With share_database, `once` polls the feeds that are due, and the cold cycle left every feed due
  # in a quarter of an hour: the second and steady cycles are measured as the cycles in which every
  # feed is due again, like the single daemon's (whose `once` polls every feed).
  if [[ $2 != cold ]]; then pg_sql "UPDATE bench_${n}_${run}_shared.feeds SET next_due = NULL" >/dev/null; fi
  read -r load _ </proc/loadavg
  before=$(pg_server_ticks)
  start=$(date +%s.%N)
  for i in $(seq "$DAEMONS"); do
    /usr/bin/time -f '%e %U %S %M' -o "$B/time.$i" timeout -k 30 "$TIMEOUT" "$TRIBUTARY" -c "$dir/feeds-pgs-$i.conf" \
      once >"$dir/logs/tributary-$kind-$i.$run.log" 2>&1 &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do wait "${pids[$i]}" || rc=$?; done
  end=$(date +%s.%N)
  after=$(pg_server_ticks)
  local user=0 sys=0 rss=0 polled=0 w u s m p
  for i in $(seq "$DAEMONS"); do
    read -r w u s m < <(tail -n 1 "$B/time.$i")
    user=$(awk -v a="$user" -v b="$u" 'BEGIN { print a + b }')
    sys=$(awk -v a="$sys" -v b="$s" 'BEGIN { print a + b }')
    ((m > rss)) && rss=$m
    p=$(grep -ho 'cycle: [0-9]* feeds polled' "$dir/logs/tributary-$kind-$i.$run.log" | tail -n 1 | grep -o '[0-9]*' || true)
    polled=$((polled + ${p:-0}))
  done
  local wall
  wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$run" "$kind" "$wall" "$user" "$sys" "$rss" "$rc" "$load" \
    >>"$B/results.tsv"
  cpu=$(awk -v a="$after" -v b="$before" -v hz="$clk_tck" 'BEGIN { printf "%.2f", (a - b) / hz }')
  count "$n" "$run" "$kind" server_cpu "$cpu"
  count "$n" "$run" "$kind" daemons "$DAEMONS"
  printf '  run %s  %-17s %8.2f s wall %8.2f s CPU %6.0f MB  (%s daemons, %s feeds polled in all)%s\n' "$run" "$kind" \
    "$wall" "$(awk -v a="$user" -v b="$sys" 'BEGIN { print a + b }')" "$((rss / 1024))" "$DAEMONS" "$polled" \
    "$( ((rc == 0)) || echo "  FAILED (exit $rc)")"
  printf '  run %s  %-17s %15s %8.2f s server CPU\n' "$run" "$kind" "" "$cpu"
  local keep=$pg_schema
  pg_schema=bench_${n}_${run}_shared
  pg_counts "$n" "$run" "$kind" "$dir"
  pg_schema=$keep
  count "$n" "$run" "$kind" cycle "cycle: $polled feeds polled by $DAEMONS daemons"
}

newsboat_reload() { # DIR KIND RUN
  local nb=$1/newsboat
  measure "$n" "$3" "newsboat-$2" "$1/logs/newsboat-$2.$3.log" \
    env HOME="$nb/home" XDG_CONFIG_HOME="$nb/home/.config" XDG_DATA_HOME="$nb/home/.local/share" \
    newsboat -q -C "$nb/config" -u "$1/urls.txt" -c "$nb/cache.db" -x reload
  newsboat_counts "$n" "$3" "newsboat-$2" "$nb/cache.db"
}

echo "bench/cycle: work directory $B; $($TRIBUTARY --version 2>&1 | head -n 1)"
((NEWSBOAT)) && echo "bench/cycle: $(newsboat -v 2>&1 | head -n 1)"
mkdir -p "$B/nginx"
for n in "${sizes[@]}"; do mkdir -p "$B/n$n/feeds"; done
start_nginx
if ((POSTGRESQL)); then
  clk_tck=$(getconf CLK_TCK)
  start_postgresql
fi

for n in "${sizes[@]}"; do
  d=$B/n$n
  echo "== $n feeds"
  python3 "$here/make_farm.py" --out "$d" --feeds "$n" --seed "$SEED" --concurrency "$CONCURRENCY" \
    --base-url "http://127.0.0.1:$port/n$n" --hosts "$HOSTS"
  # The first HOSTS feeds are one on each host.
  while read -r first; do
    curl -fsS -o /dev/null --compressed "$first" || die "nginx does not serve $first"
  done < <(head -n "$HOSTS" "$d/urls.txt")
  mkdir -p "$d/newsboat/home" "$d/logs"
  # newsboat's counterpart of tributary's max_concurrent; the rest of its defaults stand.
  printf 'reload-threads %s\n' "$CONCURRENCY" >"$d/newsboat/config"
  for run in $(seq "$RUNS"); do
    # The service's cold cycle (a fresh database of its own), then `once`: cold (a fresh database),
    # then the same farm again (every feed answers 304).
    if ((SERVICE)); then tributary_service_cold "$d" "$run"; fi
    rm -rf "$d/tributary"
    mkdir -p "$d/tributary"
    tributary_once "$d" cold "$run"
    tributary_once "$d" second "$run"
    if ((NEWSBOAT)); then
      rm -f "$d/newsboat/cache.db" "$d/newsboat/cache.db.lock"
      newsboat_reload "$d" cold "$run"
      # newsboat 2.21 stores a feed's ETag/Last-Modified only once the feed is in its cache, so
      # on a fresh cache its second reload downloads everything again; the third is all-304.
      if ((NEWSBOAT_WARM)); then
        newsboat_reload "$d" second "$run"
        newsboat_reload "$d" third "$run"
      fi
    fi
    if ((POSTGRESQL)); then
      # The same cold and second cycles with the store in PostgreSQL, on the same farm.
      pg_fresh_schema "$d" "$run"
      pg_once "$d" cold "$run"
      pg_once "$d" second "$run"
      if ((DAEMONS > 1)); then
        pg_shared_schema "$d" "$run"
        pg_shared_once "$d" cold "$run"
        pg_shared_once "$d" second "$run"
      fi
    fi
    # Steady: a fraction of the feeds changed since the last cycle, the rest answer 304.
    python3 "$here/make_farm.py" --out "$d" --mutate "$MUTATE" --round "$run" --quiet
    tributary_once "$d" steady "$run"
    if ((POSTGRESQL)); then
      # PostgreSQL's steady cycle sees the very change SQLite's saw, not just one of the same size:
      # both stores last saw the farm of round RUN-1 (their cold and second cycles ran before this
      # round's mutation), and SQLite's steady cycle changes nothing on the farm. So the same feeds
      # answer 200 with the same new and edited items, and the same ETags answer 304. (A second
      # mutation round of its own would be another set of feeds, and make_farm.py's rounds are
      # cumulative: the next run's cold cycles would start from a farm two rounds on.)
      pg_once "$d" steady "$run"
      if ((DAEMONS > 1)); then pg_shared_once "$d" steady "$run"; fi
    fi
  done
  if ((PERF)); then
    rm -rf "$d/tributary"
    mkdir -p "$d/tributary"
    echo "  perf record -g: one more cold cycle"
    graph=(-g)
    [[ $perf_mode == dwarf ]] && graph=(-F 250 --call-graph "dwarf,16384")
    perf record "${graph[@]}" -q -o "$d/perf.data" -- "$TRIBUTARY" -c "$d/feeds.conf" once >"$d/logs/perf.log" 2>&1 ||
      echo "  perf record failed, see $d/logs/perf.log" >&2
    if [[ -s $d/perf.data ]]; then
      perf report -i "$d/perf.data" --stdio --no-children -g none --sort dso,symbol --percent-limit 0.5 \
        2>/dev/null | grep -E '^ +[0-9]' | head -n 15 >"$d/perf.txt" || true
      count "$n" 0 perf top "$(paste -sd '|' "$d/perf.txt")"
      if [[ $perf_mode == dwarf ]]; then
        perf report -i "$d/perf.data" --stdio --children -g none --sort dso,symbol --percent-limit 2 \
          2>/dev/null | grep -E '^ +[0-9].* tributary +\[\.\] tributary::' | head -n 30 >"$d/perf-children.txt" || true
        count "$n" 0 perf children "$(paste -sd '|' "$d/perf-children.txt")"
      fi
    fi
  fi
done

python3 "$here/report.py" "$B" "${sizes[@]}"
