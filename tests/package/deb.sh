#!/bin/sh
# The Debian package: dpkg-buildpackage -us -uc -b on a copy of the sources,
# lintian without errors, and the packages unpacked in a scratch root (dpkg -x)
# hold tools that run, link the packaged library, and a -dev that builds a
# program. Registered in the normal build only (tests/package/meson.build).
# Usage: deb.sh SRCDIR
set -u
. "$(dirname "$0")/../tap.sh"
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for t in dpkg-buildpackage dh dpkg-deb pkg-config cc readelf; do
	if ! command -v "$t" >/dev/null; then
		skip "Debian package" "$t is not installed (Debian packages dpkg-dev, debhelper)"
		tap_end
		exit 0
	fi
done

# The tracked sources only: no build directory or earlier package build inside.
mkdir "$tmp/tcglog"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$src" ls-files -z | (cd "$src" && xargs -0 cp --parents -t "$tmp/tcglog")
else
	(cd "$src" && tar cf - --exclude='./build*' --exclude=./debian/tmp .) | tar xf - -C "$tmp/tcglog"
fi
# meson runs this test alone, so the build may use every core.
export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-parallel=$(nproc)}"
(cd "$tmp/tcglog" && dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1
rc=$?
check "dpkg-buildpackage -us -uc -b exits 0" test "$rc" -eq 0
[ "$rc" -eq 0 ] || diag "$(tail -n 30 "$tmp/build.log")"
for p in libtcglog0 libtcglog-dev tcglog; do
	check "package $p is built" sh -c 'ls "$1"/"$2"_*.deb >/dev/null 2>&1' - "$tmp" "$p"
done

if command -v lintian >/dev/null; then
	lintian "$tmp"/*.changes >"$tmp/lintian" 2>&1
	rc=$?
	check "lintian reports no error" sh -c '[ "$1" -eq 0 ] && ls "$2"/*.changes >/dev/null 2>&1 && ! grep -q "^E: " "$3"' - "$rc" "$tmp" "$tmp/lintian"
	diag "$(grep -E '^(E|W): ' "$tmp/lintian")"
else
	skip "lintian reports no error" "lintian is not installed"
fi

root=$tmp/root
for d in "$tmp"/*.deb; do dpkg -x "$d" "$root"; done
tool=$root/usr/bin/tcglog-replay
libdir=$(dirname "$(find "$root/usr/lib" -name 'libtcglog.so.0' | head -n 1)")
check "tcglog holds the tools, libtcglog0 the library" test -x "$tool" -a -f "$libdir/libtcglog.so.0"
version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
check "tcglog-replay from the package runs on the packaged library" \
	sh -c '[ "$(LD_LIBRARY_PATH=$1 "$2" --version)" = "tcglog-replay (tcglog) $3" ]' - "$libdir" "$tool" "$version"
check "the packaged tools are PIE and link libtcglog.so.0 and libcrypto" \
	sh -c 'readelf -h "$1" | grep -q "Type:.*DYN" && readelf -d "$1" | grep -q "NEEDED.*libtcglog.so.0" &&
		readelf -d "$1" | grep -q "NEEDED.*libcrypto.so"' - "$tool"
deps=$(dpkg-deb -f "$tmp"/tcglog_*.deb Depends)
check "tcglog depends on libtcglog0 and OpenSSL's library (shlibs)" \
	sh -c 'echo "$1" | grep -q "libtcglog0" && echo "$1" | grep -q "libssl3"' - "$deps"
diag "tcglog Depends: $deps"
libdeps=$(dpkg-deb -f "$tmp"/libtcglog0_*.deb Depends)
bad=
# Names as they begin: Debian adds ABI tags (libtss2-esys-3.0.2-0, ...0t64).
for p in libpq5 libxml2 libsqlite3-0 libtss2-esys- libtss2-tctildr0 libtss2-rc0; do
	echo "$libdeps" | grep -Eq "(^|, )$p" || bad="$bad $p"
done
check "libtcglog0 depends on what it opens with dlopen (unseen by shlibs): libpq5, libxml2, SQLite, the TPM stack" \
	test -z "$bad"
[ -n "$bad" ] && diag "not depended on:$bad"
diag "libtcglog0 Depends: $libdeps"
# tcglog.pc's Requires.private must resolve wherever libtcglog-dev is installed.
devdeps=$(dpkg-deb -f "$tmp"/libtcglog-dev_*.deb Depends)
missing=
for r in $(sed -n 's/^Requires.private: *//p' "$(find "$root/usr/lib" -name tcglog.pc | head -n 1)" | tr -d ',' | tr ' ' '\n' | grep -v '^[<>=0-9.]*$'); do
	f=$(pkg-config --path "$r" 2>/dev/null) && p=$(dpkg -S "$f" 2>/dev/null | cut -d: -f1) || p=
	echo "$devdeps" | grep -q "\b${p:-unknown-$r}\b" || missing="$missing $r(${p:-?})"
done
check "libtcglog-dev depends on the -dev package of each module tcglog.pc requires" test -z "$missing"
[ -n "$missing" ] && diag "not depended on:$missing"
check "dha-server --help names /usr/share/tcglog/policies/windows-dha.yaml, which the package holds" \
	sh -c '"$1/usr/bin/dha-server" --help | grep -q " /usr/share/tcglog/policies/windows-dha.yaml$" &&
		test -f "$1/usr/share/tcglog/policies/windows-dha.yaml"' - "$root"
check "completions under /usr/share/bash-completion/completions" \
	test -e "$root/usr/share/bash-completion/completions/tcglog-dump"
check "tcglog ships the EK trust directory /etc/tcglog/ek-roots, empty" \
	sh -c '[ -d "$1/etc/tcglog/ek-roots" ] && [ -z "$(ls -A "$1/etc/tcglog/ek-roots")" ]' - "$root"
check "it is tpm-ekcert-verify's default --ca, and tcglog-ek-roots fills it from the packaged list" \
	sh -c 'LD_LIBRARY_PATH=$2 "$1/usr/bin/tpm-ekcert-verify" --help | grep -q "^ */etc/tcglog/ek-roots$" &&
		"$1/usr/bin/tcglog-ek-roots" --help | grep -q "(default: /usr/share/tcglog/ek-roots.list)" &&
		"$1/usr/bin/tcglog-ek-roots" --help | grep -q "(default: /etc/tcglog/ek-roots)" &&
		test -f "$1/usr/share/tcglog/ek-roots.list"' - "$root" "$libdir"
# The license: LICENSE's words are those of the License paragraph of each
# package's copyright file (debian/copyright, where Debian wants it).
words() { tr -s ' \n\t' '\n\n\n' | grep -v '^\.$' | grep -v '^$'; }
sed '1,/^Copyright/d' "$src/LICENSE" | words >"$tmp/license"
bad=
for p in libtcglog0 libtcglog-dev tcglog; do
	c=$root/usr/share/doc/$p/copyright
	# The text after the last "License: BSD-3-Clause" line: the stand-alone paragraph.
	awk '/^License: BSD-3-Clause$/ {t = ""; next} {t = t $0 "\n"} END {printf "%s", t}' "$c" |
		words >"$tmp/copyright"
	cmp -s "$tmp/license" "$tmp/copyright" || bad="$bad $p"
done
check "each package's copyright file holds the BSD-3-Clause text of LICENSE" test -z "$bad"
[ -n "$bad" ] && diag "differs:$bad"

cat >"$tmp/prog.c" <<'C'
#include <stdio.h>
#include <tcglog/digest.h>
int main(void) { return tcg_alg_size(TCG_ALG_SHA256) == 32 ? 0 : 1; }
C
pc=$(dirname "$(find "$root/usr/lib" -name tcglog.pc | head -n 1)")
flags=$(PKG_CONFIG_PATH=$pc PKG_CONFIG_SYSROOT_DIR=$root pkg-config --cflags --libs tcglog)
# shellcheck disable=SC2086 # flags is a word list
check "libtcglog-dev builds a program through tcglog.pc" \
	sh -c 'cc -std=c11 -o "$1" "$2" $3 && LD_LIBRARY_PATH=$4 "$1"' - "$tmp/prog" "$tmp/prog.c" "$flags" "$libdir"

tap_end
