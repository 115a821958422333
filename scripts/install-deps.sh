#!/usr/bin/env bash
# Installs the Debian 12 packages Tributary needs to build, test and run.
# Idempotent: asks apt-get only for what dpkg says is missing, so a second run is a no-op.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git python3 curl
  libcurl4-openssl-dev libssl-dev libpugixml-dev libsqlite3-dev sqlite3
  libboost1.81-dev libspdlog-dev libfmt-dev libgtest-dev libgmock-dev
  zlib1g-dev libbrotli-dev libicu-dev libgumbo-dev nlohmann-json3-dev libsimdjson-dev libsystemd-dev
  libstemmer-dev clang libclang-rt-14-dev time libxml2-utils xsltproc
  dpkg-dev file groff-base
  # The browser test (tests/e2e/chromium_test.cpp, ctest label "chromium"): 25 packages, 116 MiB
  # downloaded, 414 MB installed, about 20 s on a warm mirror. Without it that test is skipped.
  chromium
  # bench/http: nginx (gzip_static) beside the daemon, wrk to drive both.
  nginx-light wrk
  # The PostgreSQL store and its tests: libpq, and a throwaway PostgreSQL 15 server that ctest
  # starts on 127.0.0.1 (tests/support/postgresql.sh). The package may also create and start
  # Debian's default cluster on port 5432; the tests never use it.
  postgresql-15 libpq-dev
)

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
