#!/usr/bin/env bash
# Fuzz the parse stage with libFuzzer under ASan+UBSan:  scripts/fuzz.sh [seconds]   (default 60)
# Builds build/fuzz with clang, seeds a corpus from ../shared/corpus (when present) and
# tests/fixtures, runs for the given time and fails on any crash, leak, timeout or UB report.
# Environment: TRIBUTARY_FUZZ_BUILD (build dir), TRIBUTARY_CORPUS_DIR (seed feeds),
# TRIBUTARY_FUZZ_JOBS (parallel fuzzing processes, default 1), TRIBUTARY_FUZZ_MAX_LEN (bytes, default 65536),
# TRIBUTARY_FUZZ_RSS_MB (memory limit per process, default 2048; ASan's allocator grows over long runs).
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${TRIBUTARY_FUZZ_BUILD:-$root/build/fuzz}"
corpus_src="${TRIBUTARY_CORPUS_DIR:-$root/../shared/corpus}"
jobs="${TRIBUTARY_FUZZ_JOBS:-1}"
max_len="${TRIBUTARY_FUZZ_MAX_LEN:-65536}"
rss_mb="${TRIBUTARY_FUZZ_RSS_MB:-2048}"

for tool in clang clang++ cmake ninja; do
  command -v "$tool" >/dev/null || { echo "fuzz.sh: $tool is missing (apt-get install clang libclang-rt-dev cmake ninja-build)" >&2; exit 2; }
done

extra=()
if ! grep -q 'add_subdirectory(fuzz)' "$root/CMakeLists.txt"; then
  extra+=("-DCMAKE_PROJECT_INCLUDE=$root/fuzz/attach.cmake")
fi
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTRIBUTARY_FUZZ=ON -DBUILD_TESTING=OFF -DTRIBUTARY_BENCH=OFF "${extra[@]}" >"$build.configure.log" 2>&1 ||
  { cat "$build.configure.log" >&2; exit 2; }
ninja -C "$build" tributary_parse_fuzz

seeds="$build/seeds"
work="$build/corpus"
crashes="$build/crashes-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$seeds" "$work" "$crashes"
# Seeds: every feed file we have, prefixed with the options byte the target reads first (0: no
# content type, sanitize on).
seed_dirs=("$root/tests/fixtures")
if [ -d "$corpus_src" ]; then seed_dirs+=("$corpus_src"); fi
n=0
while IFS= read -r -d '' file; do
  n=$((n + 1))
  { printf '\x00'; head -c 262144 "$file"; } >"$seeds/seed-$n"
done < <(find "${seed_dirs[@]}" -type f \
           \( -name '*.xml' -o -name '*.rss' -o -name '*.atom' -o -name '*.rdf' -o -name '*.json' -o -path '*/input/*' \) \
           ! -name 'expectations.json' -print0)
echo "fuzz.sh: $n seed files; running for ${seconds}s"

# TRIBUTARY_FUZZ_JOBS independent fuzzing processes (not libFuzzer's -fork, whose totals are not
# reported): each writes its own log, all share the working corpus, and their executions are summed.
binary="$(find "$build" -name tributary_parse_fuzz -type f -perm -u+x | head -1)"
pids=()
for job in $(seq 1 "$jobs"); do
  "$binary" "$work" "$seeds" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb="$rss_mb" -max_len="$max_len" -print_final_stats=1 \
    -artifact_prefix="$crashes/" >"$build/fuzz-$job.log" 2>&1 &
  pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
executions=0
for job in $(seq 1 "$jobs"); do
  log="$build/fuzz-$job.log"
  grep -E '^(#[0-9]+.*(INITED|DONE)|==[0-9]+==|SUMMARY|stat::)' "$log" || true
  units=$(grep -Eo 'stat::number_of_executed_units: [0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)
  executions=$((executions + ${units:-0}))
done
if [ "$failed" -ne 0 ] || [ -n "$(ls -A "$crashes")" ]; then
  echo "fuzz.sh: FAILED; see $build/fuzz-*.log and $crashes" >&2
  exit 1
fi
echo "fuzz.sh: no crash; $executions executions in $jobs process(es) over ${seconds}s"
