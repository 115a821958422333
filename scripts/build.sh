#!/usr/bin/env bash
# Configures and builds Tributary in build/<flavour> (release, sanitize).
# Usage: scripts/build.sh [release|sanitize] [ninja targets…]
set -euo pipefail
cd "$(dirname "$0")/.."

flavour=${1:-release}
shift || true
case "$flavour" in
  release)  args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRIBUTARY_WERROR=ON) ;;
  # No -Werror here: with sanitizers GCC 12 reports false positives inside Boost
  # (-Wmaybe-uninitialized, -Wmismatched-new-delete); the release build gates warnings.
  sanitize) args=(-DCMAKE_BUILD_TYPE=Debug -DTRIBUTARY_SANITIZE=ON -DTRIBUTARY_BENCH=OFF) ;;
  *) echo "build.sh: unknown flavour '$flavour' (release or sanitize)" >&2; exit 2 ;;
esac

# A compiler cache, where the machine has one, makes rebuilds in several work trees cheap.
if command -v ccache >/dev/null; then args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache); fi

dir=build/$flavour
cmake -S . -B "$dir" -G Ninja "${args[@]}" >/dev/null
cmake --build "$dir" -- "$@"
