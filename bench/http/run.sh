#!/usr/bin/env bash
# Serving benchmark: the real daemon beside Debian's nginx serving the same bytes as a static file
# (gzip_static), both on 127.0.0.1, measured with wrk. See bench/http/README.md.
#
# Usage: bench/http/run.sh
# Environment:
#   ROUNDS=3          interleaved rounds (medians are reported)
#   DURATION=10       seconds per wrk run;  CONNECTIONS=50 wrk connections (1 thread)
#   IDLE=5000         idle keep-alive connections held open in the "idle" case
#   INGEST_FEEDS=1000 feeds of the cold ingest in the "ingest" case (0 skips the case)
#   CASES="plain idle ingest"  which cases to run
#   TRIBUTARY=PATH    the binary (default: build/release/daemon/tributary of this tree)
#   BENCH_DIR=DIR     work directory (default: a new temporary one, removed unless KEEP=1)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-50}
IDLE=${IDLE:-5000}
INGEST_FEEDS=${INGEST_FEEDS:-1000}
TRIBUTARY=${TRIBUTARY:-$repo/build/release/daemon/tributary}
die() { echo "bench/http: $*" >&2; exit 1; }

nginx_bin=$(command -v nginx || true)
[[ -z $nginx_bin && -x /usr/sbin/nginx ]] && nginx_bin=/usr/sbin/nginx
[[ -n $nginx_bin ]] || die "nginx is missing (Debian package nginx-light or nginx)"
command -v wrk >/dev/null || die "wrk is missing (Debian package wrk)"
command -v curl >/dev/null || die "curl is missing"
[[ -x $TRIBUTARY ]] || die "no tributary binary at $TRIBUTARY (scripts/build.sh release tributary)"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
(($(ulimit -n) >= IDLE + 1000)) || die "only $(ulimit -n) open files allowed; IDLE=$IDLE needs more"

if [[ -n ${BENCH_DIR:-} ]]; then B=$BENCH_DIR; mkdir -p "$B"; else B=$(mktemp -d "${TMPDIR:-/tmp}/tributary-http.XXXXXX"); fi
B=$(cd "$B" && pwd)
pids=()
cleanup() {
  local rc=$? p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [[ ${KEEP:-0} == 1 ]]; then echo "bench/http: work directory kept: $B"; else rm -rf "$B"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
forget() { local keep=() p; for p in "${pids[@]}"; do [[ $p != "$1" ]] && keep+=("$p"); done; pids=("${keep[@]}"); }
stop_pid() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; forget "$1"; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { # URL: until it answers 200
  local _
  for _ in $(seq 300); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  die "nothing answers at $1"
}

# --- the farm: a few feeds for the served output, and INGEST_FEEDS more for the cold ingest ------
nginx_port=$(free_port)
farm_url="http://127.0.0.1:$nginx_port/farm"
python3 "$repo/bench/cycle/make_farm.py" --out "$B/served-farm" --feeds 12 --seed http --base-url "$farm_url/s" --quiet
if ((INGEST_FEEDS > 0)); then
  # Dated a month earlier than the served feeds, so that no farm story joins a served one and
  # changes the served bytes under the ingest (the served output carries only its 12 feeds).
  python3 "$repo/bench/cycle/make_farm.py" --out "$B/ingest-farm" --feeds "$INGEST_FEEDS" --seed http-ingest \
    --now "$(($(date +%s) / 3600 * 3600 - 30 * 86400))" --base-url "$farm_url/i" --quiet
fi
mkdir -p "$B/static" "$B/nginx/tmp"

cat >"$B/nginx/nginx.conf" <<CONF
daemon off;
$([[ $(id -u) -eq 0 ]] && echo "user root;")
worker_processes 1;
pid $B/nginx/nginx.pid;
error_log $B/nginx/error.log warn;
events { worker_connections $((IDLE + 2000)); }
http {
  include /etc/nginx/mime.types;
  access_log off;
  sendfile on;
  etag on;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  gzip_static on;
  client_body_temp_path $B/nginx/tmp/body;
  proxy_temp_path $B/nginx/tmp/proxy;
  fastcgi_temp_path $B/nginx/tmp/fastcgi;
  uwsgi_temp_path $B/nginx/tmp/uwsgi;
  scgi_temp_path $B/nginx/tmp/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    location = /alive { return 200 ok; }
    location /farm/s/ { alias $B/served-farm/feeds/; }
    location /farm/i/ { alias $B/ingest-farm/feeds/; }
    location / { root $B/static; }
  }
}
CONF
"$nginx_bin" -e "$B/nginx/error.log" -p "$B/nginx/" -c "$B/nginx/nginx.conf" &
nginx_pid=$!
pids+=("$nginx_pid")
wait_http "http://127.0.0.1:$nginx_port/alive"
echo "bench/http: nginx (pid $nginx_pid) on 127.0.0.1:$nginx_port"

# --- the daemon: one output of the served feeds, 200 items ---------------------------------------
# conf SERVED_ONLY(1|0) PORT: the output carries the served feeds only (tag served); with 0 the
# ingest farm's feeds are configured too (never fetched: a cold ingest at start).
write_conf() {
  {
    echo "[daemon]"
    echo "database = db/tributary.db"
    echo "listen = 127.0.0.1:$2"
    echo "allow_private = yes"
    echo "interval = 6h"
    echo "startup_spread = 1s"
    echo "min_host_spacing = 0"
    echo "max_concurrent = 16"
    echo "max_per_host = 16"
    echo "http_max_connections = $((IDLE + 1000))"
    echo "http_idle_timeout = 120s"
    echo "log_level = info"
    echo
    echo "[output merged]"
    echo "path = out/merged.xml"
    echo "url = /merged.xml"
    echo "max_items = 200"
    echo "include_tags = served"
    # Every item an entry: with stories, a farm feed's copy of a story could become the copy shown,
    # and the served bytes would change under the ingest.
    echo "dedup = item"
    echo
    awk '/^\[feed /{f=1} f' "$B/served-farm/feeds.conf" | sed 's/^\[feed f/[feed served-f/; s/^tags = .*/tags = served/'
    if [[ $1 == 0 ]]; then
      awk '/^\[feed /{f=1} f' "$B/ingest-farm/feeds.conf" | sed 's/^\[feed f/[feed ingest-f/; s/^tags = .*/tags = farm/'
    fi
  } >"$3/feeds.conf"
}

daemon_pid=
start_daemon() { # DIR: runs the daemon of DIR/feeds.conf, sets daemon_pid, waits for the output
  "$TRIBUTARY" -c "$1/feeds.conf" run >"$1/run.log" 2>&1 &
  daemon_pid=$!
  pids+=("$daemon_pid")
  wait_http "http://127.0.0.1:$T_PORT/merged.xml"
}

T_PORT=$(free_port)
mkdir -p "$B/t/db" "$B/t/out"
write_conf 1 "$T_PORT" "$B/t"
start_daemon "$B/t"
served_feeds=$(grep -c '^\[feed ' "$B/served-farm/feeds.conf")
for _ in $(seq 600); do  # every served feed in (and published), 200 items shown
  fetched=$(grep -c ' fetched in ' "$B/t/run.log" || true)
  n=$(curl -fsS "http://127.0.0.1:$T_PORT/merged.xml" | grep -c '<item>' || true)
  ((fetched >= served_feeds && n >= 200)) && break
  sleep 0.1
done
sleep 2
curl -fsS -o "$B/static/merged.xml" "http://127.0.0.1:$T_PORT/merged.xml"
items=$(grep -c '<item>' "$B/static/merged.xml" || true)
gzip -1 -k -f "$B/static/merged.xml"  # gzip_static serves merged.xml.gz to gzip clients
etag_t=$(curl -fsSI "http://127.0.0.1:$T_PORT/merged.xml" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p')
etag_n=$(curl -fsSI "http://127.0.0.1:$nginx_port/merged.xml" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p')
cmp -s <(curl -fsS "http://127.0.0.1:$T_PORT/merged.xml") <(curl -fsS "http://127.0.0.1:$nginx_port/merged.xml") ||
  die "the two servers do not serve the same bytes"
printf 'bench/http: merged feed of %s items, %s bytes (%s gzipped); tributary on %s\n' "$items" \
  "$(stat -c %s "$B/static/merged.xml")" "$(stat -c %s "$B/static/merged.xml.gz")" "$T_PORT"

CASES=${CASES:-plain idle ingest}
has_case() { [[ " $CASES " == *" $1 "* ]]; }

# --- measuring --------------------------------------------------------------------------------
: >"$B/results.tsv"
# run_wrk CASE KIND SERVER ROUND PORT: one wrk run, appended to results.tsv (rps, p99 in ms).
run_wrk() {
  local case=$1 kind=$2 server=$3 round=$4 port=$5 etag headers=()
  [[ $server == tributary ]] && etag=$etag_t || etag=$etag_n
  case $kind in
    full) ;;
    gzip) headers=(-H "Accept-Encoding: gzip") ;;
    304) headers=(-H "If-None-Match: $etag") ;;
  esac
  wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency "${headers[@]}" "http://127.0.0.1:$port/merged.xml" \
    >"$B/wrk.out" 2>&1 || true
  awk -v c="$case" -v k="$kind" -v s="$server" -v r="$round" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec:/ { rps = $2 }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx or 3xx/ { bad = $NF }
    END { printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c, k, s, r, rps, p99, bad + 0 }' "$B/wrk.out" >>"$B/results.tsv"
  tail -n 1 "$B/results.tsv" | awk -F'\t' '{ printf "  %-7s %-5s %-9s round %s: %10.0f req/s  p99 %8.2f ms%s\n", $1, $2, $3, $4, $5, $6, ($7 > 0 ? "  (" $7 " non-2xx/3xx)" : "") }'
}

hold() { # PORT: starts the idle-connection holder, waits until it holds them all; sets hold_pid
  python3 "$here/hold_idle.py" --port "$1" --path /merged.xml --connections "$IDLE" >"$B/hold.out" 2>&1 &
  hold_pid=$!
  pids+=("$hold_pid")
  for _ in $(seq 1200); do grep -q '^holding' "$B/hold.out" && return 0; sleep 0.1; done
  die "could not hold $IDLE connections: $(tail -n 2 "$B/hold.out")"
}

for round in $(seq "$ROUNDS"); do
  echo "bench/http: round $round of $ROUNDS"
  has_case plain && for kind in full gzip 304; do
    # Interleaved, and the first server alternates between rounds.
    if ((round % 2)); then order=(tributary nginx); else order=(nginx tributary); fi
    for server in "${order[@]}"; do
      [[ $server == tributary ]] && port=$T_PORT || port=$nginx_port
      run_wrk plain "$kind" "$server" "$round" "$port"
    done
  done
  if ((round % 2)); then order=(tributary nginx); else order=(nginx tributary); fi
  has_case idle && for server in "${order[@]}"; do
    [[ $server == tributary ]] && port=$T_PORT || port=$nginx_port
    hold "$port"
    run_wrk idle full "$server" "$round" "$port"
    stop_pid "$hold_pid"
  done
done
stop_pid "$daemon_pid"

# While a daemon runs a cold ingest of INGEST_FEEDS feeds: a fresh copy of the served database, and
# a config that adds the ingest farm's feeds (never fetched). nginx is measured during such an
# ingest too, so that both share the machine with the same work.
if ((INGEST_FEEDS > 0)) && has_case ingest; then
  for round in $(seq "$ROUNDS"); do
    if ((round % 2)); then order=(tributary nginx); else order=(nginx tributary); fi
    for server in "${order[@]}"; do
      d=$B/ingest.$round.$server
      rm -rf "$d"; mkdir -p "$d/out"
      cp -r "$B/t/db" "$d/db"
      write_conf 0 "$T_PORT" "$d"
      start_daemon "$d"
      [[ $server == tributary ]] && port=$T_PORT || port=$nginx_port
      run_wrk ingest full "$server" "$round" "$port"
      fetched=$(grep -c ' fetched in ' "$d/run.log" || true)
      echo "    feeds fetched by the end of the run: $fetched of $((INGEST_FEEDS + 12)) (ingest still going: $((fetched < INGEST_FEEDS + 12)))"
      cmp -s <(curl -fsS "http://127.0.0.1:$T_PORT/merged.xml" 2>/dev/null) "$B/static/merged.xml" ||
        echo "    note: the bytes differ from the static copy (a restarted daemon dates its first render anew: lastBuildDate)"
      stop_pid "$daemon_pid"
    done
  done
fi

# --- the table --------------------------------------------------------------------------------
python3 - "$B/results.tsv" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
cases = [("plain", "full", "full 200"), ("plain", "gzip", "gzip 200"), ("plain", "304", "304"),
         ("idle", "full", "full 200, idle conns held"), ("ingest", "full", "full 200, during cold ingest")]
print()
print("| case | tributary req/s | nginx req/s | rate ratio | tributary p99 ms | nginx p99 ms | p99 ratio | goal |")
print("|---|---:|---:|---:|---:|---:|---:|---|")
for case, kind, label in cases:
    t = [r for r in rows if r[0] == case and r[1] == kind and r[2] == "tributary"]
    n = [r for r in rows if r[0] == case and r[1] == kind and r[2] == "nginx"]
    if not t or not n:
        continue
    med = lambda rs, i: statistics.median(float(r[i] or 0) for r in rs)
    tr, nr, tp, np_ = med(t, 4), med(n, 4), med(t, 5), med(n, 5)
    rr = tr / nr if nr else float("nan")
    pr = tp / np_ if np_ else float("nan")
    ok = "met" if rr >= 0.9 and pr <= 2.0 else "MISSED"
    print(f"| {label} | {tr:,.0f} | {nr:,.0f} | {rr:.2f}× | {tp:.2f} | {np_:.2f} | {pr:.2f}× | {ok} |")
print(f"\nmedians of {len(set(r[3] for r in rows))} interleaved rounds; wrk -t1 -c50; raw runs: results.tsv")
PY
