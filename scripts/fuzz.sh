#!/usr/bin/env bash
# Fuzz what reads feeds with libFuzzer under ASan+UBSan:  scripts/fuzz.sh [seconds]   (default 60)
# Builds build/fuzz with clang, seeds a corpus from ../shared/corpus (when present) and
# tests/fixtures, and runs the three targets one after the other within the given time: the feed
# parser (tributary_parse_fuzz, half of it), the HTML sanitizer and title reader
# (tributary_html_fuzz, a quarter) and the story features of an item's text
# (tributary_features_fuzz, a quarter), each with its dictionary (fuzz/*.dict). Fails on any
# crash, leak, timeout or UB report.
# Environment: TRIBUTARY_FUZZ_BUILD (build dir), TRIBUTARY_CORPUS_DIR (seed feeds),
# TRIBUTARY_FUZZ_JOBS (parallel fuzzing processes, default 1), TRIBUTARY_FUZZ_MAX_LEN (bytes, default 65536;
# TRIBUTARY_FUZZ_HTML_MAX_LEN for the HTML target, default 8192: whole feeds made it run at 100 executions a second),
# TRIBUTARY_FUZZ_RSS_MB (memory limit per process, default 2048; ASan's allocator grows over long runs),
# TRIBUTARY_FUZZ_TARGETS ("parse html features" by default; one of them to give it all the time).
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${TRIBUTARY_FUZZ_BUILD:-$root/build/fuzz}"
corpus_src="${TRIBUTARY_CORPUS_DIR:-$root/../shared/corpus}"
jobs="${TRIBUTARY_FUZZ_JOBS:-1}"
max_len="${TRIBUTARY_FUZZ_MAX_LEN:-65536}"
html_max_len="${TRIBUTARY_FUZZ_HTML_MAX_LEN:-8192}"
rss_mb="${TRIBUTARY_FUZZ_RSS_MB:-2048}"
targets="${TRIBUTARY_FUZZ_TARGETS:-parse html features}"

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
# shellcheck disable=SC2086
ninja -C "$build" $(printf 'tributary_%s_fuzz ' $targets)

seeds="$build/seeds"
crashes="$build/crashes-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$seeds" "$crashes"
# Seeds: every feed file we have, prefixed with the options byte the targets read first (0: no
# content type, sanitize on; for the HTML target, no base URL). Feeds are full of HTML, escaped
# and not, which is what the HTML target needs too.
seed_dirs=("$root/tests/fixtures")
if [ -d "$corpus_src" ]; then seed_dirs+=("$corpus_src"); fi
n=0
while IFS= read -r -d '' file; do
  n=$((n + 1))
  { printf '\x00'; head -c 262144 "$file"; } >"$seeds/seed-$n"
done < <(find "${seed_dirs[@]}" -type f \
           \( -name '*.xml' -o -name '*.rss' -o -name '*.atom' -o -name '*.rdf' -o -name '*.json' -o -path '*/input/*' \) \
           ! -name 'expectations.json' -print0)

# The time is split, not added to: the parser gets half (two thirds when it runs with one other),
# the others share the rest.
count=$(wc -w <<<"$targets")
parse_share=0
if [ "$count" -gt 1 ] && [[ " $targets " == *" parse "* ]]; then
  if [ "$count" -eq 2 ]; then parse_share=$((seconds * 2 / 3)); else parse_share=$((seconds / 2)); fi
fi
total_executions=0
failed=0
for target in $targets; do
  if [ "$count" -eq 1 ]; then
    share=$seconds
  elif [ "$target" = parse ]; then
    share=$parse_share
  elif [ "$parse_share" -gt 0 ]; then
    share=$(((seconds - parse_share) / (count - 1)))
  else
    share=$((seconds / count))
  fi
  [ "$share" -ge 1 ] || share=1
  work="$build/corpus-$target"
  target_max_len=$max_len
  if [ "$target" = html ] || [ "$target" = features ]; then target_max_len=$html_max_len; fi
  mkdir -p "$work"
  echo "fuzz.sh: tributary_${target}_fuzz, $n seed files, ${share}s"
  # TRIBUTARY_FUZZ_JOBS independent fuzzing processes (not libFuzzer's -fork, whose totals are not
  # reported): each writes its own log, all share the working corpus, and their executions are summed.
  binary="$(find "$build" -name "tributary_${target}_fuzz" -type f -perm -u+x | head -1)"
  pids=()
  for job in $(seq 1 "$jobs"); do
    "$binary" "$work" "$seeds" -dict="$root/fuzz/$target.dict" \
      -max_total_time="$share" -timeout=10 -rss_limit_mb="$rss_mb" -max_len="$target_max_len" -print_final_stats=1 \
      -artifact_prefix="$crashes/$target-" >"$build/fuzz-$target-$job.log" 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  executions=0
  for job in $(seq 1 "$jobs"); do
    log="$build/fuzz-$target-$job.log"
    grep -E '^(#[0-9]+.*(INITED|DONE)|==[0-9]+==|SUMMARY|stat::)' "$log" || true
    units=$(grep -Eo 'stat::number_of_executed_units: [0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)
    executions=$((executions + ${units:-0}))
  done
  echo "fuzz.sh: tributary_${target}_fuzz: $executions executions"
  total_executions=$((total_executions + executions))
done
if [ "$failed" -ne 0 ] || [ -n "$(ls -A "$crashes")" ]; then
  echo "fuzz.sh: FAILED; see $build/fuzz-*.log and $crashes" >&2
  exit 1
fi
echo "fuzz.sh: no crash; $total_executions executions in $jobs process(es) per target over ${seconds}s"
