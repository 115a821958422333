#!/usr/bin/env bash
# Quick start, step 2: installs what is missing, builds, and runs the whole test
# suite twice: a normal build, then an AddressSanitizer+UndefinedBehaviorSanitizer
# build (SANITIZE=0 skips it while iterating); then fuzzes the parser for
# FUZZ_SECONDS (default 60; 0 skips).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
jobs=$(nproc)

echo "== release build and tests"
scripts/build.sh release
ctest --test-dir build/release --output-on-failure -j "$jobs"

if [[ "${SANITIZE:-1}" != 0 ]]; then
  echo "== ASan+UBSan build and tests"
  scripts/build.sh sanitize
  # halt_on_error: a sanitizer report fails the test that triggered it.
  ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build/sanitize --output-on-failure -j "$jobs"
fi
if [[ "${FUZZ_SECONDS:-60}" != 0 ]]; then
  echo "== libFuzzer on the parser, ${FUZZ_SECONDS:-60}s under ASan+UBSan"
  scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
fi
echo "== all tests passed"
