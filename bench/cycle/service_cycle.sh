#!/usr/bin/env bash
# service_cycle.sh BINARY CONFIG: one cold cycle by `tributary run`, the service (its HTTP
# endpoint up, publications while documents land), stopped with SIGTERM once every feed of the
# config has been polled; the daemon's log on stdout and its exit status. bench/cycle/run.sh
# measures it (kind tributary-run-cold) with /usr/bin/time, whose figures are the daemon's: this
# script only waits. The service starts its feeds over startup_spread (5 s by default), so it logs
# a round ("cycle: N feeds polled, ...") for each group of feeds that fell due together.
set -euo pipefail
feeds=$(grep -c '^\[feed ' "$2")
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$1" -c "$2" run >"$log" 2>&1 &
pid=$!
polled() { grep -o 'cycle: [0-9]* feeds polled' "$log" | awk '{ n += $2 } END { print n + 0 }'; }
until (($(polled) >= feeds)); do
  if ! kill -0 "$pid" 2>/dev/null; then
    cat "$log"
    wait "$pid" || exit $?
    exit 1
  fi
  sleep 0.1
done
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
cat "$log"
exit "$rc"
