#!/bin/sh
# --format json says the same as the YAML: for every fixture log and (when
# present) every corpus log tcglog-dump parses, python's json reading of
# `tcglog-dump --format json` equals PyYAML's reading of `tcglog-dump`, types
# included (numbers numbers, 64-bit exact; booleans; strings stay strings;
# mapping keys, which JSON holds as strings, compared as their text), and the
# output is one line. Usage: json.sh BUILDDIR SRCDIR CORPUSDIR
set -u
. "$(dirname "$0")/tap.sh"
dump=$1/tools/tcglog-dump
src=$2
corpus=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# same YAML JSON: exit 0 when both files hold the same data.
same() {
	python3 - "$1" "$2" <<'PY'
import json, sys, yaml
y = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
j = json.load(open(sys.argv[2], encoding="utf-8"))
def key(k):
    return str(k).lower() if isinstance(k, bool) else str(k)
def eq(a, b):
    # tcglog-dump's pcrs values are plain 0x... today, which YAML 1.1 reads as
    # integers beyond 64 bits; JSON keeps them as that text (until one PCR
    # layout quotes them everywhere, issue #11 section 5)
    if isinstance(a, int) and isinstance(b, str) and b.startswith("0x") and a >= 2**64:
        return int(b, 16) == a
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        a = {key(k): v for k, v in a.items()}
        return a.keys() == b.keys() and all(eq(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(eq, a, b))
    return a == b
sys.exit(0 if eq(y, j) else 1)
PY
}

compare() {
	name=$1
	shift
	if ! "$dump" "$@" >"$tmp/y" 2>/dev/null; then
		return
	fi
	"$dump" --format json "$@" >"$tmp/j"
	check "$name: JSON equals the YAML" same "$tmp/y" "$tmp/j"
	check "$name: one line" test "$(wc -l <"$tmp/j")" -eq 1
}

for f in "$src"/fixtures/*.bin; do
	compare "fixtures/${f##*/}" "$f"
	compare "fixtures/${f##*/} --hex" --hex "$f"
done

if [ -d "$corpus" ]; then
	find "$corpus" -type f ! -name '*.json' ! -name '*.md' ! -name '*.txt' ! -name '*.y*ml' \
		! -name '*.pb' ! -name '*.warn' | LC_ALL=C sort >"$tmp/logs"
	while IFS= read -r f; do
		compare "corpus/${f#"$corpus"/}" "$f"
	done <"$tmp/logs"
else
	skip "corpus comparisons" "no corpus at $corpus"
fi

# Unparseable input fails as in YAML, with no partial document.
printf 'x' >"$tmp/bad"
"$dump" --format json "$tmp/bad" >"$tmp/out" 2>"$tmp/err"
check "a log that cannot be parsed: exit 2, nothing on stdout" test $? -eq 2 -a ! -s "$tmp/out"
tap_end
