#!/bin/sh
# The installed tree: meson install into a scratch DESTDIR, then a program
# built only from what tcglog.pc says (headers, -ltcglog) links and runs; the
# library exports tcg_* alone; installed tools are PIE and link the shared
# libtcglog and libcrypto; the installed headers are the API (no private
# header; the exports are exactly what they declare). Usage: install.sh BUILDDIR
set -u
. "$(dirname "$0")/../tap.sh"
build=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root

for need in meson pkg-config jq readelf nm; do
	if ! command -v "$need" >/dev/null; then
		skip "installed tree" "$need is not installed"
		tap_end
		exit 0
	fi
done

opt() { meson introspect --buildoptions "$build" | jq -r --arg n "$1" '.[] | select(.name == $n) | .value'; }
prefix=$(opt prefix)
libdir=$prefix/$(opt libdir)
bindir=$prefix/$(opt bindir)
version=$(meson introspect --projectinfo "$build" | jq -r .version)

meson install -C "$build" --no-rebuild --quiet --destdir "$root" >"$tmp/out" 2>&1
check "meson install --destdir exits 0" test $? -eq 0 || diag "$(cat "$tmp/out")"

export PKG_CONFIG_PATH="$root$libdir/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$root"
check "tcglog.pc is installed and says version $version" test "$(pkg-config --modversion tcglog 2>&1)" = "$version"
flags=$(pkg-config --cflags --libs tcglog)
check "tcglog.pc links -ltcglog from the installed libdir" sh -c 'echo "$1" | grep -q -- "-L$2" && echo "$1" | grep -q -- "-ltcglog"' - "$flags" "$root$libdir"

# SHA-256("abc") is FIPS 180-2's first example: an answer from outside this project.
cat >"$tmp/prog.c" <<'C'
#include <stdio.h>
#include <tcglog/digest.h>
int main(void)
{
	uint8_t out[32];
	if (tcg_hash(NULL, TCG_ALG_SHA256, "abc", 3, out) != TCG_OK)
		return 1;
	for (size_t i = 0; i < tcg_alg_size(TCG_ALG_SHA256); i++)
		printf("%02x", out[i]);
	printf("\n");
	return 0;
}
C
# A sanitizer build's library needs its runtime in the program too.
san=$(opt b_sanitize)
cc=$(jq -r '.[0].command | split(" ")[0]' "$build/compile_commands.json")
[ "$san" = none ] && sanflags= || sanflags=-fsanitize=$san
# shellcheck disable=SC2086 # cc, sanflags and flags are word lists
$cc -std=c11 -Wall -Werror $sanflags -o "$tmp/prog" "$tmp/prog.c" $flags >"$tmp/out" 2>&1
check "a program compiles and links with pkg-config --cflags --libs tcglog" test $? -eq 0 || diag "$(cat "$tmp/out")"
out=$(LD_LIBRARY_PATH=$root$libdir "$tmp/prog")
check "it runs on the installed libtcglog: tcg_hash SHA-256(\"abc\") is FIPS 180-2's value" \
	test "$out" = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
check "it loads libtcglog.so.0 from the installed tree" \
	sh -c 'LD_LIBRARY_PATH=$1 ldd "$2" | grep -q "libtcglog.so.0 => $1/libtcglog.so.0"' - "$root$libdir" "$tmp/prog"

so=$root$libdir/libtcglog.so.0
nm -D --defined-only "$so" | awk '$2 != "A" && $3 !~ /^tcg_/ {print $3}' >"$tmp/foreign"
check "libtcglog.so exports tcg_* symbols only (version script)" test ! -s "$tmp/foreign" -a -f "$so"
[ -s "$tmp/foreign" ] && diag "exported: $(tr '\n' ' ' <"$tmp/foreign")"
# Every tool's start maps what libtcglog links: libpq, libxml2, SQLite and
# the TPM stack (and what they pull in) are opened only by the runs that need
# them (dynlib.c).
readelf -d "$so" >"$tmp/sodyn" 2>&1
check "libtcglog.so.0 links none of libpq, libxml2, sqlite3, tss2-esys, -tctildr, -rc (opened when needed)" \
	sh -c 'grep -q "NEEDED.*libcrypto" "$1" &&
		! grep -Eq "NEEDED.*\[(libpq|libxml2|libsqlite3|libtss2-esys|libtss2-tctildr|libtss2-rc)\." "$1"' - "$tmp/sodyn"

# The installed headers are the API: the private ones stay out, each public
# one compiles on its own from the installed tree (so none includes a private
# one), and the library exports exactly what they declare, nothing more.
inc=$root$prefix/$(opt includedir)
present=
for h in buf.h writer.h events.h uefi.h sipa.h claims_int.h evtypes.h yamldoc.h yamldoc_int.h \
	yamlout.h jsonout.h output_int.h msgwrite.h msg_int.h policy_int.h; do
	[ -e "$inc/tcglog/$h" ] && present="$present $h"
done
check "private headers (buf.h, writer.h, yamldoc.h, yamlout.h, ...) are not installed" test -d "$inc/tcglog" -a -z "$present"
[ -n "$present" ] && diag "installed:$present"
# The YAML reader and writer are the library's: its tree is no ABI, its
# functions no export (the result writers take a tcg_out_format instead).
nm -D --defined-only "$so" | awk '$3 ~ /^tcg_(ydoc|ynode|yaml)_/ {print $3}' >"$tmp/yamldoc"
check "libtcglog.so exports no tcg_ydoc_ / tcg_ynode_ / tcg_yaml_ symbol (the YAML reader and writer are private)" \
	test -f "$so" -a ! -s "$tmp/yamldoc"
[ -s "$tmp/yamldoc" ] && diag "exported: $(tr '\n' ' ' <"$tmp/yamldoc")"
bad=
n=0
for h in "$inc"/tcglog/*.h; do
	n=$((n + 1))
	printf '#include <tcglog/%s>\n' "${h##*/}" >"$tmp/one.c"
	$cc -std=c11 -Wall -Werror -fsyntax-only -I"$inc" "$tmp/one.c" >"$tmp/out" 2>&1 || bad="$bad ${h##*/}"
done
check "each of the $n installed headers compiles alone against the installed include dir" test "$n" -gt 10 -a -z "$bad"
[ -n "$bad" ] && diag "do not compile alone:$bad"
nm -D --defined-only "$so" | awk '$2 != "A" {sub(/@.*/, "", $3); print $3}' | sort -u >"$tmp/exported"
"$(dirname "$0")/api-functions.sh" "$cc" "$inc" >"$tmp/declared" 2>"$tmp/out" || diag "$(cat "$tmp/out")"
comm -23 "$tmp/exported" "$tmp/declared" >"$tmp/extra"
comm -13 "$tmp/exported" "$tmp/declared" >"$tmp/missing"
check "every symbol libtcglog.so exports is declared in an installed header" \
	test -s "$tmp/exported" -a ! -s "$tmp/extra"
[ -s "$tmp/extra" ] && diag "exported, declared nowhere public: $(tr '\n' ' ' <"$tmp/extra")"
check "every function and object the installed headers declare ($(wc -l <"$tmp/declared")) is exported" \
	test "$(wc -l <"$tmp/declared")" -gt 100 -a ! -s "$tmp/missing"
[ -s "$tmp/missing" ] && diag "declared, not exported: $(tr '\n' ' ' <"$tmp/missing")"

if [ "$(opt static_tools)" = true ]; then
	skip "installed tools link the shared libraries" "this build has -Dstatic_tools=true"
else
	bad=
	n=0
	for t in "$root$bindir"/*; do
		head -c 4 "$t" | grep -q ELF || continue
		n=$((n + 1))
		readelf -h "$t" | grep -q 'Type:.*DYN' || bad="$bad ${t##*/}(not PIE)"
		readelf -d "$t" >"$tmp/dyn"
		grep -q 'NEEDED.*\[libtcglog\.so\.0\]' "$tmp/dyn" || bad="$bad ${t##*/}(no libtcglog.so.0)"
		# dha-report keeps and lists reports: no cryptography to link
		[ "${t##*/}" = dha-report ] || grep -q 'NEEDED.*\[libcrypto\.so\.' "$tmp/dyn" ||
			bad="$bad ${t##*/}(no libcrypto.so)"
		LD_LIBRARY_PATH=$root$libdir "$t" --version >/dev/null 2>&1 || bad="$bad ${t##*/}(--version fails)"
	done
	check "all $n installed tools are PIE, link libtcglog.so.0 and (but dha-report) libcrypto.so, and run" test "$n" -gt 10 -a -z "$bad"
	[ -n "$bad" ] && diag "$bad"
fi

# The role scripts: --version from the build, --help naming this installation's files.
datadir=$prefix/$(opt datadir)
for s in dha-server dha-device; do
	out=$(PATH=$root$bindir:$PATH "$root$bindir/$s" --version 2>&1)
	check "installed $s --version prints '$s (tcglog) $version'" test "$out" = "$s (tcglog) $version"
done
"$root$bindir/dha-server" --help >"$tmp/help" 2>&1
grep -o "$datadir/tcglog/[A-Za-z0-9/._-]*" "$tmp/help" | sort -u >"$tmp/paths"
missing=
while read -r p; do [ -e "$root$p" ] || missing="$missing $p"; done <"$tmp/paths"
check "dha-server --help names $(wc -l <"$tmp/paths") paths under $datadir/tcglog, each installed" \
	test -s "$tmp/paths" -a -z "$missing"
[ -n "$missing" ] && diag "not installed:$missing"
check "dha-server --help names the shipped windows-dha.yaml policy" grep -qx "$datadir/tcglog/policies/windows-dha.yaml" "$tmp/paths"
"$root$bindir/dha-device" --help >"$tmp/help" 2>&1
check "dha-device --help names the bindir its tools are installed in" grep -q "installed in $bindir\.$" "$tmp/help"

# Completions where bash-completion looks, one per tool, each defining its tool's.
compdir=$(opt bash_completionsdir)
[ -n "$compdir" ] || compdir=$datadir/bash-completion/completions
case $compdir in /*) ;; *) compdir=$prefix/$compdir ;; esac
bad=
n=0
for t in "$root$bindir"/*; do
	n=$((n + 1))
	f=$root$compdir/${t##*/}
	bash -c '. "$1" && complete -p "$2"' - "$f" "${t##*/}" >/dev/null 2>&1 || bad="$bad ${t##*/}"
done
check "each of the $n installed tools has a completion in $compdir" test "$n" -gt 10 -a -z "$bad"
[ -n "$bad" ] && diag "no completion:$bad"

tap_end
