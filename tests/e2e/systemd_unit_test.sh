#!/bin/sh
# The systemd unit as systemd reads it: `systemd-analyze verify` finds nothing to say about it,
# and `systemd-analyze security --offline=yes` rates its exposure at most MAX_EXPOSURE.
# Usage: systemd_unit_test.sh UNIT BINARY [MAX_EXPOSURE]
# Exit 77 (ctest SKIP_RETURN_CODE) only when systemd-analyze is not installed.
set -eu
unit=$1
binary=$2
max=${3:-1.5}

command -v systemd-analyze >/dev/null 2>&1 || { echo "systemd-analyze not installed: skipped"; exit 77; }
[ -r "$unit" ] || { echo "$unit: cannot read"; exit 1; }
[ -x "$binary" ] || { echo "$binary: not an executable"; exit 1; }
case $binary in /*) ;; *) binary=$(pwd)/$binary ;; esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# verify checks that ExecStart= names an executable: point it at this build's binary. The
# file keeps its name, which the unit's checks depend on.
sed "s|^ExecStart=[^ ]*|ExecStart=$binary|" "$unit" >"$work/tributary.service"

status=0
# --man=no: the man pages named in Documentation= are installed by the package, not here.
if ! out=$(systemd-analyze verify --man=no "$work/tributary.service" 2>&1) || [ -n "$out" ]; then
    echo "systemd-analyze verify $unit:"
    echo "$out"
    status=1
fi

report=$(systemd-analyze security --offline=yes --no-pager "$work/tributary.service" 2>&1) || true
exposure=$(printf '%s\n' "$report" | sed -n 's/.*Overall exposure level for tributary\.service: \([0-9.]*\).*/\1/p')
if [ -z "$exposure" ]; then
    echo "systemd-analyze security $unit: no exposure figure in:"
    echo "$report"
    exit 1
fi
echo "$unit: exposure $exposure (at most $max)"
if awk -v e="$exposure" -v m="$max" 'BEGIN { exit !(e > m) }'; then
    echo "$unit: exposure $exposure is above $max; what counts:"
    printf '%s\n' "$report" | grep '✗' || true
    status=1
fi
exit $status
