#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server for the tests (ctest fixture "postgresql").
#
#   postgresql.sh start STATE_DIR   initdb a fresh cluster in a new directory under /tmp, start it
#                                   on 127.0.0.1 and a free port, create database tributary_test
#                                   owned by the superuser tributary (password authentication) and
#                                   write STATE_DIR/{conninfo,password,pid,datadir}.
#   postgresql.sh stop STATE_DIR    fast shutdown, then remove the data directory and those files.
#
# The data directory is under /tmp, not STATE_DIR, because initdb refuses root: as root the server
# runs as the unprivileged user nobody, who may not be able to traverse the build directory.
# The password is written only to STATE_DIR/password (0600) and is never printed.
#
# Environment (both optional, for bench/cycle; the tests set neither):
#   TRIBUTARY_PG_DURABLE=1            keep PostgreSQL's defaults fsync = on and full_page_writes = on
#                                     and set only synchronous_commit = off: a crash may lose the last
#                                     commits but never corrupts, like the daemon's SQLite (WAL with
#                                     synchronous = NORMAL). By default fsync, synchronous_commit and
#                                     full_page_writes are all off: fast, and a crash may corrupt the
#                                     throwaway cluster.
#   TRIBUTARY_PG_SHARED_BUFFERS=SIZE  shared_buffers (default 32MB), e.g. 128MB
set -euo pipefail

readonly pg_bin=/usr/lib/postgresql/15/bin
readonly run_user=nobody
readonly start_timeout=30  # seconds until the server must accept connections
readonly stop_timeout=30   # seconds until a fast shutdown must be done, then SIGKILL
readonly max_attempts=10   # ports tried when another process takes the chosen one first

die() {
    echo "postgresql.sh: $*" >&2
    exit 1
}

usage() {
    echo "usage: postgresql.sh start|stop STATE_DIR" >&2
    exit 2
}

# Nothing from the caller's environment may redirect our clients to another server.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGSERVICE PGSERVICEFILE PGPASSFILE PGOPTIONS PGSSLMODE \
    PGPASSWORD PGDATA

# as_server_user CMD…: runs CMD as the user the server runs as (nobody when we are root).
as_server_user() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u "$run_user" -- "$@"
    else
        "$@"
    fi
}

# pid_alive PID: the process exists and is not a zombie.
pid_alive() {
    local state
    [[ -r /proc/$1/stat ]] || return 1
    state=$(sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

# port_in_use PORT: some TCP socket (any state, IPv4 or IPv6) has PORT as its local port.
port_in_use() {
    local hex
    hex=$(printf '%04X' "$1")
    awk -v hex="$hex" 'FNR > 1 { split($2, a, ":"); if (a[2] == hex) { found = 1; exit } } END { exit !found }' \
        /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# free_port: a random port in 20000-60000 nothing is using (never PostgreSQL's default 5432).
free_port() {
    local port i
    for ((i = 0; i < 100; i++)); do
        port=$(shuf -i 20000-60000 -n 1)
        port_in_use "$port" || {
            echo "$port"
            return 0
        }
    done
    die "no free TCP port found in 20000-60000"
}

# A data directory we may remove: one this script created (see start).
our_datadir() {
    [[ "$1" =~ ^/tmp/tributary-postgresql\.[A-Za-z0-9]+$ && -d "$1" ]]
}

# is_our_postmaster PID DATADIR: PID is a live postgres process serving DATADIR.
is_our_postmaster() {
    local pid=$1 datadir=$2 comm
    [[ "$pid" =~ ^[0-9]+$ ]] && pid_alive "$pid" || return 1
    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
    [[ "$comm" == postgres ]] || return 1
    # When the lock file is still there it must name this pid; a reused pid is left alone.
    if [[ -n "$datadir" && -r "$datadir/data/postmaster.pid" ]]; then
        [[ "$(head -n 1 "$datadir/data/postmaster.pid")" == "$pid" ]] || return 1
    fi
    return 0
}

# await_reaped PID: the exited postmaster is not our child; give its parent (init) up to 5 s
# to reap it, so that no "<defunct>" entry outlives the stop. Some container inits reap late.
await_reaped() {
    local i
    for ((i = 0; i < 50; i++)); do
        [[ -e /proc/$1 ]] || return 0
        sleep 0.1
    done
}

# shutdown_pid PID: fast shutdown (SIGINT), SIGKILL after stop_timeout seconds.
shutdown_pid() {
    local pid=$1 i
    kill -INT "$pid" 2>/dev/null || return 0
    for ((i = 0; i < stop_timeout * 10; i++)); do
        pid_alive "$pid" || {
            await_reaped "$pid"
            return 0
        }
        sleep 0.1
    done
    echo "postgresql.sh: server $pid did not stop within ${stop_timeout}s, killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        pid_alive "$pid" || break
        sleep 0.1
    done
    await_reaped "$pid"
}

cmd_stop() {
    local state_dir=$1 pid="" datadir=""
    [[ -r "$state_dir/pid" ]] && pid=$(<"$state_dir/pid")
    [[ -r "$state_dir/datadir" ]] && datadir=$(<"$state_dir/datadir")
    if [[ -n "$pid" ]] && is_our_postmaster "$pid" "$datadir"; then
        shutdown_pid "$pid"
    fi
    if [[ -n "$datadir" ]] && our_datadir "$datadir"; then
        rm -rf -- "$datadir"
    fi
    rm -f -- "$state_dir/conninfo" "$state_dir/password" "$state_dir/pid" "$state_dir/datadir"
}

# Set by cmd_start, used by the exit trap to clean up after a failed start.
tmp_dir=""
started=0

cleanup_failed_start() {
    ((started)) && return 0
    [[ -n "$tmp_dir" ]] || return 0
    local pid
    if [[ -r "$tmp_dir/data/postmaster.pid" ]]; then
        pid=$(head -n 1 "$tmp_dir/data/postmaster.pid")
        is_our_postmaster "$pid" "$tmp_dir" && shutdown_pid "$pid"
    fi
    rm -rf -- "$tmp_dir"
}

cmd_start() {
    local state_dir=$1
    local shared_buffers=${TRIBUTARY_PG_SHARED_BUFFERS:-32MB}
    [[ "$shared_buffers" =~ ^[1-9][0-9]*(kB|MB|GB)$ ]] ||
        die "TRIBUTARY_PG_SHARED_BUFFERS must be a size such as 128MB, not '$shared_buffers'"
    [[ "${TRIBUTARY_PG_DURABLE:-0}" =~ ^[01]$ ]] || die "TRIBUTARY_PG_DURABLE is 0 or 1"
    [[ -x "$pg_bin/initdb" && -x "$pg_bin/pg_ctl" && -x "$pg_bin/postgres" && -x "$pg_bin/pg_isready" &&
        -x "$pg_bin/createdb" ]] ||
        die "PostgreSQL 15 server binaries not found in $pg_bin: install the Debian package postgresql-15 (scripts/install-deps.sh)"

    mkdir -p -- "$state_dir"
    state_dir=$(cd -- "$state_dir" && pwd)
    cmd_stop "$state_dir"  # a server left behind by an earlier run

    trap cleanup_failed_start EXIT
    tmp_dir=$(mktemp -d /tmp/tributary-postgresql.XXXXXXXXXX)
    if [[ $(id -u) -eq 0 ]]; then
        id -u "$run_user" >/dev/null 2>&1 || die "user $run_user does not exist: initdb refuses to run as root"
        chown "$run_user:$(id -gn "$run_user")" "$tmp_dir"
    fi
    chmod 700 "$tmp_dir"
    # The server user's cwd must be somewhere it can enter (the build directory may be under /root).
    cd "$tmp_dir"

    # 32 random bytes in hex: nothing to quote in a conninfo string or a shell.
    local password
    password=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
    [[ ${#password} -eq 64 ]] || die "could not generate a password"
    (
        umask 077
        printf '%s' "$password" >"$tmp_dir/pwfile"
    )
    if [[ $(id -u) -eq 0 ]]; then chown "$run_user" "$tmp_dir/pwfile"; fi

    local locale_args=(--no-locale)
    if locale -a 2>/dev/null | grep -qixE 'c\.utf-?8'; then locale_args=(--locale=C.UTF-8); fi

    local initdb_log="$tmp_dir/initdb.log"
    if ! as_server_user "$pg_bin/initdb" --pgdata="$tmp_dir/data" --auth=scram-sha-256 --username=tributary \
        --pwfile="$tmp_dir/pwfile" --encoding=UTF8 "${locale_args[@]}" --no-sync >"$initdb_log" 2>&1; then
        cat "$initdb_log" >&2
        die "initdb failed"
    fi
    rm -f -- "$tmp_dir/pwfile"

    # Appended last, so these win over initdb's defaults.
    local durability="fsync = off
synchronous_commit = off
full_page_writes = off"
    [[ "${TRIBUTARY_PG_DURABLE:-0}" == 1 ]] && durability="synchronous_commit = off"
    cat >>"$tmp_dir/data/postgresql.conf" <<EOF

# tributary tests (tests/support/postgresql.sh)
listen_addresses = '127.0.0.1'
unix_socket_directories = '$tmp_dir'
max_connections = 200
shared_buffers = $shared_buffers
$durability
EOF

    local attempt port log pid="" ready=0 bind_failed i
    for ((attempt = 1; attempt <= max_attempts; attempt++)); do
        port=$(free_port)
        log="$tmp_dir/server-$attempt.log"
        as_server_user "$pg_bin/pg_ctl" start --no-wait --silent --pgdata="$tmp_dir/data" --log="$log" \
            --options="-c port=$port" >/dev/null
        bind_failed=0
        pid=""
        for ((i = 0; i < start_timeout * 10; i++)); do
            if [[ -z "$pid" && -r "$tmp_dir/data/postmaster.pid" ]]; then
                pid=$(head -n 1 "$tmp_dir/data/postmaster.pid" 2>/dev/null || true)
            fi
            if [[ -r "$log" ]] && grep -qE 'could not (bind IPv4 address|create any TCP/IP sockets)' "$log"; then
                bind_failed=1
                break
            fi
            if [[ -n "$pid" ]] && pid_alive "$pid" &&
                "$pg_bin/pg_isready" --quiet --host=127.0.0.1 --port="$port" --timeout=1; then
                ready=1
                break
            fi
            # Exited: after writing its lock file (pid gone), or before (a bad setting, say: FATAL
            # logged, and no client has connected yet to cause a FATAL of its own).
            if { [[ -n "$pid" ]] && ! pid_alive "$pid"; } ||
                { [[ -z "$pid" && -r "$log" ]] && grep -qE '(FATAL|PANIC): ' "$log"; }; then
                cat "$log" >&2 2>/dev/null || true
                die "the server exited during startup (log above)"
            fi
            sleep 0.1
        done
        ((ready)) && break
        if ((bind_failed)); then
            # Another process took the port between our check and the bind: wait for this
            # postmaster to exit, then try another port.
            for ((i = 0; i < 100; i++)); do
                [[ -e "$tmp_dir/data/postmaster.pid" ]] || break
                sleep 0.1
            done
            echo "postgresql.sh: port $port was taken, trying another" >&2
            continue
        fi
        cat "$log" >&2 2>/dev/null || true
        die "the server did not accept connections on 127.0.0.1:$port within ${start_timeout}s (log above)"
    done
    ((ready)) || die "could not bind a free port in $max_attempts attempts"

    if ! PGPASSWORD="$password" "$pg_bin/createdb" --host=127.0.0.1 --port="$port" --username=tributary \
        --owner=tributary --no-password tributary_test; then
        die "could not create database tributary_test"
    fi

    local tmp_state
    tmp_state=$(mktemp "$state_dir/.password.XXXXXX")  # created 0600
    printf '%s' "$password" >"$tmp_state"
    chmod 600 "$tmp_state"
    mv -f -- "$tmp_state" "$state_dir/password"
    echo "host=127.0.0.1 port=$port user=tributary dbname=tributary_test" >"$state_dir/conninfo"
    echo "$pid" >"$state_dir/pid"
    echo "$tmp_dir" >"$state_dir/datadir"
    started=1
    echo "postgresql.sh: PostgreSQL 15 ready on 127.0.0.1:$port (pid $pid, data in $tmp_dir)"
}

(($# == 2)) || usage
case "$1" in
    start) cmd_start "$2" ;;
    stop) cmd_stop "$2" ;;
    *) usage ;;
esac
