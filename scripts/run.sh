#!/usr/bin/env bash
# Quick start, step 1: installs what is missing, builds, and runs the daemon in
# the foreground on the shipped feeds.conf (state in ./state/). Ctrl-C stops it.
# Extra arguments go to `tributary` before the command, e.g. -l debug.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh release tributary
exec build/release/daemon/tributary -c feeds.conf "$@" run
