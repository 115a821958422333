#!/usr/bin/env bash
# Builds the .deb with CPack (cpack -G DEB, into a scratch directory), checks its control fields,
# maintainer scripts and conffiles, unpacks it into a scratch root with `dpkg -x`, and runs the
# installed binary's `check` on the installed example config. Exit 77 (skipped) without cpack,
# dpkg-deb or dpkg-shlibdeps.
# Usage: deb_test.sh BUILD_DIR VERSION
set -euo pipefail
build=$1
version=$2
for tool in cpack dpkg-deb dpkg dpkg-shlibdeps; do
  command -v "$tool" >/dev/null || { echo "deb_test: $tool is missing; skipped"; exit 77; }
done
scratch=$(mktemp -d "${TMPDIR:-/tmp}/tributary-deb.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

(cd "$build" && cpack -G DEB -B "$scratch/out") >"$scratch/cpack.log" 2>&1 ||
  { cat "$scratch/cpack.log" >&2; echo "FAIL: cpack -G DEB" >&2; exit 1; }
shopt -s nullglob
debs=("$scratch"/out/tributary_*.deb)
((${#debs[@]} == 1)) || { echo "FAIL: expected one tributary_*.deb, got: ${debs[*]:-none}" >&2; exit 1; }
deb=${debs[0]}

field() { dpkg-deb -f "$deb" "$1"; }
[[ "$(field Package)" == tributary ]] || fail "Package: $(field Package)"
[[ "$(field Version)" == "$version" ]] || fail "Version: $(field Version), expected $version"
depends=$(field Depends)
# Computed by dpkg-shlibdeps from the binary, not written by hand.
for lib in libc6 libcurl4 libsqlite3-0 libpq5 libpugixml1v5 libsystemd0; do
  [[ "$depends" == *"$lib"* ]] || fail "Depends lacks $lib: $depends"
done

dpkg-deb -e "$deb" "$scratch/control"
grep -qx '/etc/tributary/feeds.conf' "$scratch/control/conffiles" || fail "conffiles: $(cat "$scratch/control/conffiles")"
for script in postinst prerm postrm; do
  [[ -x "$scratch/control/$script" ]] || { fail "no executable $script"; continue; }
  sh -n "$scratch/control/$script" || fail "$script: syntax error"
done
grep -q 'systemd-sysusers /usr/lib/sysusers.d/tributary.conf' "$scratch/control/postinst" || fail "postinst: sysusers"
grep -q 'systemd-tmpfiles --create /usr/lib/tmpfiles.d/tributary.conf' "$scratch/control/postinst" ||
  fail "postinst: tmpfiles"
grep -q 'systemctl daemon-reload' "$scratch/control/postinst" || fail "postinst: daemon-reload"

root=$scratch/root
dpkg -x "$deb" "$root"
binary=$root/usr/bin/tributary
[[ -x "$binary" ]] || { echo "FAIL: no usr/bin/tributary in the package" >&2; exit 1; }
grep -qx 'ExecStart=/usr/bin/tributary -c /etc/tributary/feeds.conf run' "$root/usr/lib/systemd/system/tributary.service" ||
  fail "packaged unit's ExecStart: $(grep ExecStart "$root/usr/lib/systemd/system/tributary.service" || true)"
for file in usr/share/man/man8/tributary.8 usr/share/man/man5/feeds.conf.5 usr/share/doc/tributary/README.md; do
  [[ -f "$root/$file" ]] || fail "missing $file"
done
"$binary" --version | grep -qF "tributary $version" || fail "installed --version: $("$binary" --version 2>&1)"
# `check` creates nothing: the example's /var/lib/tributary paths need not exist.
if "$binary" -c "$root/etc/tributary/feeds.conf" check >"$scratch/check.log" 2>&1; then
  grep -q ': ok: ' "$scratch/check.log" || fail "check said: $(cat "$scratch/check.log")"
  grep -q 'database /var/lib/tributary/tributary.db' "$scratch/check.log" || fail "check: $(cat "$scratch/check.log")"
else
  fail "installed check on the installed example config: $(cat "$scratch/check.log")"
fi

if ((failures)); then exit 1; fi
echo "deb_test: ok: $(basename "$deb"), Depends: $depends"
