#!/bin/sh
# make corpus (tests/corpus-fetch.sh) against a local copy of the corpus: an
# upstream tree built from it under file://, every hash checked, a tampered
# file refused. Usage: corpus-fetch-test.sh SRCDIR CORPUSDIR
set -u
. "$(dirname "$0")/tap.sh"
src=$1
corpus=$2
fetch=$src/tests/corpus-fetch.sh
manifest=$src/corpus.manifest
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -d "$corpus" ]; then
	skip "corpus fetch" "no corpus at $corpus to serve as the source"
	tap_end
	exit 0
fi
if ! command -v curl >/dev/null || ! command -v jq >/dev/null; then
	skip "corpus fetch" "needs curl and jq"
	tap_end
	exit 0
fi

entries() { grep -v '^#' "$manifest" | grep -v '^$'; }

# The manifest against the corpus: the same files, the same bytes, and the
# hash prefixes the corpus's own MANIFEST.md quotes for its logs.
(cd "$corpus" && find . -type f ! -name MANIFEST.md | sed 's|^\./||' | sort) >"$tmp/have"
entries | awk '{print $2}' | sort >"$tmp/listed"
check "the manifest lists exactly the corpus's $(wc -l <"$tmp/have") files" cmp -s "$tmp/have" "$tmp/listed"
entries | awk '{print $1 "  " $2}' >"$tmp/sums"
check "every manifest hash is the corpus file's SHA-256" sh -c 'cd "$1" && sha256sum --quiet -c "$2"' - "$corpus" "$tmp/sums"
if [ -f "$corpus/MANIFEST.md" ]; then
	# Rows read: | `PATH` | ... sha256 0123456789abcdef… |
	sed -n 's/^| `\([^`]*\)` |.* sha256 \([0-9a-f]\{16\}\)… .*/\1 \2/p' "$corpus/MANIFEST.md" >"$tmp/quoted"
	n=0 wrong=0
	while read -r p prefix; do
		n=$((n + 1))
		grep -q "^${prefix}[0-9a-f]*  $p " "$manifest" || { wrong=$((wrong + 1)); diag "$p: MANIFEST.md says sha256 $prefix…"; }
	done <"$tmp/quoted"
	check "the $n hash prefixes MANIFEST.md quotes agree with the manifest" test "$n" -gt 0 -a "$wrong" -eq 0
fi

# An upstream tree (REPOSITORY/COMMIT/PATH) made from the corpus by undoing
# each method: raw files as they are, base64 ones encoded again. The JSON the
# json-base64 files come from is itself a raw corpus file at the same commit.
up=$tmp/upstream
entries | while read -r _ path method repository commit upath; do
	t=$up/$repository/$commit/$upath
	case $method in
	raw) mkdir -p "$(dirname "$t")" && cp "$corpus/$path" "$t" ;;
	base64) mkdir -p "$(dirname "$t")" && base64 <"$corpus/$path" >"$t" ;;
	esac
done
nfetch=$(entries | awk '$3 != "none"' | wc -l)
nnone=$(entries | awk '$3 == "none"' | wc -l)

sh "$fetch" -s "file://$up" -o "$tmp/c1" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "fetch from a file:// upstream exits 0" test "$rc" -eq 0
[ "$rc" -eq 0 ] || diag "$(cat "$tmp/err")"
missing=0 differ=0
entries | awk '$3 != "none" {print $2}' >"$tmp/fetchable"
while read -r p; do
	if [ ! -f "$tmp/c1/$p" ]; then missing=$((missing + 1)); diag "not fetched: $p"
	elif ! cmp -s "$corpus/$p" "$tmp/c1/$p"; then differ=$((differ + 1)); diag "differs: $p"; fi
done <"$tmp/fetchable"
check "all $nfetch fetchable files arrive, equal to the corpus" test "$missing" -eq 0 -a "$differ" -eq 0
check "the $nnone files without an upstream copy are counted, not invented" \
	sh -c 'grep -q "^corpus-fetch: $1 files have no upstream copy" "$2" &&
		test "$(find "$3" -type f | wc -l)" -eq "$4"' - "$nnone" "$tmp/out" "$tmp/c1" "$nfetch"
check "a log taken out of upstream JSON (linux_tpm12.bin) and a base64 one (mb_log.bin) decode" \
	sh -c 'cmp -s "$1/go-attestation/linux_tpm12.bin" "$2/go-attestation/linux_tpm12.bin" &&
		cmp -s "$1/keylime/mb_log.bin" "$2/keylime/mb_log.bin"' - "$corpus" "$tmp/c1"

sh "$fetch" -s "file://$up" -o "$tmp/c1" >"$tmp/out" 2>&1
check "a second run keeps every verified file" sh -c 'test $0 -eq 0 && grep -q " 0 fetched, $1 already present" "$2"' $? "$nfetch" "$tmp/out"

# From the attacker's side: one changed byte upstream, in a raw and in a
# base64 file. Both are refused by name and never land in CORPUS.
raw=$(entries | awk '$3 == "raw" && $2 ~ /\.bin$/ {print; exit}')
set -- $raw
rawpath=$2 rawup=$up/$4/$5/$6
b64=$(entries | awk '$3 == "base64" {print; exit}')
set -- $b64
b64path=$2 b64up=$up/$4/$5/$6
printf 'X' | dd of="$rawup" bs=1 seek=100 conv=notrunc 2>/dev/null
base64 -d <"$b64up" | { cat; printf '\0'; } | base64 >"$tmp/b64" && mv "$tmp/b64" "$b64up"
sh "$fetch" -s "file://$up" -o "$tmp/c2" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "a tampered upstream file makes the fetch exit 1" test "$rc" -eq 1
check "the refusal names the file and hash-mismatch ($rawpath)" grep -q "^corpus-fetch: $rawpath: hash-mismatch: " "$tmp/err"
check "the refusal names the base64 file ($b64path)" grep -q "^corpus-fetch: $b64path: hash-mismatch: " "$tmp/err"
check "the tampered files are not written" test ! -e "$tmp/c2/$rawpath" -a ! -e "$tmp/c2/$b64path"
check "the other files still arrive" test "$(find "$tmp/c2" -type f | wc -l)" -eq $((nfetch - 2))

# An existing file that no longer matches is replaced by a verified copy.
printf 'X' | dd of="$tmp/c1/$rawpath" bs=1 seek=100 conv=notrunc 2>/dev/null
sh "$fetch" -M "file://$corpus" -o "$tmp/c1" >"$tmp/out" 2>"$tmp/err"
check "-M from a corpus copy exits 0" test $? -eq 0
check "-M fetches all files, the changed one replaced" diff -r -x MANIFEST.md "$corpus" "$tmp/c1"

# A bad manifest line stops the fetch (exit 2); nothing is fetched for it.
printf '%s  ../escape  raw  o/r  c  p\n' "$(entries | awk '{print $1; exit}')" >"$tmp/bad.manifest"
sh "$fetch" -m "$tmp/bad.manifest" -s "file://$up" -o "$tmp/c3" >/dev/null 2>"$tmp/err"
check "a manifest path leaving CORPUS exits 2" sh -c 'test $0 -eq 2 && grep -q "bad path" "$1"' $? "$tmp/err"
printf '%s  tpm2-tools/x.bin  raw\n' "$(entries | awk '{print $1; exit}')" >"$tmp/bad.manifest"
sh "$fetch" -m "$tmp/bad.manifest" -s "file://$up" -o "$tmp/c3" >/dev/null 2>"$tmp/err"
check "a manifest line short of fields exits 2" sh -c 'test $0 -eq 2 && grep -q "6 fields expected" "$1"' $? "$tmp/err"
check "nothing was written for the bad manifests" test ! -e "$tmp/c3/tpm2-tools" -a ! -e "$tmp/escape"

tap_end
