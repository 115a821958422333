#!/usr/bin/env bash
# `cmake --install` into scratch roots, as a packager (prefix /usr) and as an operator building
# from source (another prefix) would: every file lands where systemd and man look, the unit's
# ExecStart names the installed binary, the example config passes the installed binary's
# `check`, and a second install keeps the operator's feeds.conf.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
source=$2
scratch=$(mktemp -d "${TMPDIR:-/tmp}/tributary-install.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
expect_file() { [[ -f "$1" ]] || fail "missing $1"; }

install_into() {  # root prefix
  DESTDIR="$1" cmake --install "$build" --prefix "$2" >"$scratch/install.log" 2>&1 ||
    { cat "$scratch/install.log" >&2; fail "cmake --install --prefix $2 failed"; }
}

# As a package would: prefix /usr.
root=$scratch/usr-root
install_into "$root" /usr
expect_file "$root/usr/bin/tributary"
[[ -x "$root/usr/bin/tributary" ]] || fail "usr/bin/tributary is not executable"
expect_file "$root/usr/lib/systemd/system/tributary.service"
expect_file "$root/usr/share/man/man8/tributary.8"
expect_file "$root/usr/share/man/man5/feeds.conf.5"
expect_file "$root/usr/share/doc/tributary/README.md"
expect_file "$root/usr/share/doc/tributary/feeds.conf.example"
expect_file "$root/etc/tributary/feeds.conf"
for kind in sysusers tmpfiles; do
  if [[ -f "$source/systemd/tributary.$kind" ]]; then
    expect_file "$root/usr/lib/$kind.d/tributary.conf"
  elif [[ -e "$root/usr/lib/$kind.d/tributary.conf" ]]; then
    fail "usr/lib/$kind.d/tributary.conf installed without systemd/tributary.$kind in the source"
  fi
done
unit=$root/usr/lib/systemd/system/tributary.service
grep -qx 'ExecStart=/usr/bin/tributary -c /etc/tributary/feeds.conf run' "$unit" ||
  fail "unit ExecStart: $(grep ExecStart "$unit")"
grep -q '/usr/local' "$unit" && fail "unit still names /usr/local: $(grep /usr/local "$unit")"
grep -q '^database = /var/lib/tributary/tributary.db' "$root/etc/tributary/feeds.conf" ||
  fail "example config's database is not under /var/lib/tributary"

"$root/usr/bin/tributary" --version | grep -q "tributary" || fail "installed binary does not run"
man_version=$(grep '^\.TH' "$root/usr/share/man/man8/tributary.8")
[[ "$man_version" == *"@VERSION@"* ]] && fail "man page version not substituted: $man_version"
"$root/usr/bin/tributary" -c "$root/etc/tributary/feeds.conf" check >"$scratch/check.log" 2>&1 ||
  { cat "$scratch/check.log" >&2; fail "installed check on the installed example config"; }

# A second install keeps the operator's configuration.
echo "# the operator's own" >>"$root/etc/tributary/feeds.conf"
install_into "$root" /usr
grep -q "the operator's own" "$root/etc/tributary/feeds.conf" || fail "a second install replaced feeds.conf"

# From source into another prefix: the unit follows the binary.
root=$scratch/opt-root
install_into "$root" /opt/tributary
expect_file "$root/opt/tributary/bin/tributary"
grep -qx 'ExecStart=/opt/tributary/bin/tributary -c /etc/tributary/feeds.conf run' \
  "$root/opt/tributary/lib/systemd/system/tributary.service" || fail "unit ExecStart under /opt/tributary"
expect_file "$root/etc/tributary/feeds.conf"

if ((failures)); then exit 1; fi
echo "install_test: ok"
