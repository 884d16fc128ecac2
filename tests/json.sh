#!/bin/sh
# --format json says the same as the YAML: for every fixture log and (when
# present) every corpus log the tool parses, python's json reading of
# `TOOL --format json` equals PyYAML's reading of `TOOL`, types included
# (numbers numbers, 64-bit exact; booleans; strings stay strings; mapping keys,
# which JSON holds as strings, compared as their text), and the output is one
# line: tcglog-dump, tcglog-replay (alone and with --pcrs), tcglog-claims,
# tpm-ekcert-verify. Usage: json.sh BUILDDIR SRCDIR CORPUSDIR
set -u
. "$(dirname "$0")/tap.sh"
tools=$1/tools
dump=$tools/tcglog-dump
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

# compare NAME TOOL ARGS...: the tool's JSON equals its YAML (when the YAML
# run gives a document: exit 0, or 1 for a verdict that refuses).
compare() {
	name=$1
	tool=$2
	shift 2
	"$tools/$tool" "$@" >"$tmp/y" 2>/dev/null
	[ $? -le 1 ] && [ -s "$tmp/y" ] || return 0
	"$tools/$tool" --format json "$@" >"$tmp/j" 2>/dev/null
	check "$tool $name: JSON equals the YAML" same "$tmp/y" "$tmp/j"
	check "$tool $name: one line" test "$(wc -l <"$tmp/j")" -eq 1
}

for f in "$src"/fixtures/*.bin; do
	b=${f%.bin}
	n=fixtures/${f##*/}
	compare "$n" tcglog-dump "$f"
	compare "$n --hex" tcglog-dump --hex "$f"
	compare "$n" tcglog-replay "$f"
	compare "$n --pcrs" tcglog-replay --pcrs "$b.pcrs.yaml" "$f"
	compare "$n --pcrs (a PCR changed)" tcglog-replay --pcrs "$src/fixtures/locality3.pcrs.yaml" "$f"
	compare "$n" tcglog-claims --pcrs "$b.pcrs.yaml" "$f"
done

# The replayed PCRs are strings in both (a plain 0x... reads as an integer in YAML 1.1).
f=$src/fixtures/linux-uki.bin
"$tools/tcglog-replay" "$f" >"$tmp/y"
"$tools/tcglog-dump" "$f" >"$tmp/d"
check "tcglog-replay and tcglog-dump: PCR values are strings, the same in both" python3 -c '
import sys, yaml
r = yaml.safe_load(open(sys.argv[1]))
d = yaml.safe_load(open(sys.argv[2]))["pcrs"]
ok = all(isinstance(v, str) and v == v.lower() for b in r.values() for v in b.values())
sys.exit(0 if ok and all(d[b][i] == r[b][i] for b in d for i in d[b]) else 1)' "$tmp/y" "$tmp/d"

# An EK certificate (made here with openssl; no TCG profile: a refusal
# document, exit 1) and its CA.
if openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=ca \
	-keyout "$tmp/ca.key" -out "$tmp/ca.pem" -days 2 2>/dev/null &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=ek \
		-keyout "$tmp/ek.key" -out "$tmp/ek.csr" 2>/dev/null &&
	openssl x509 -req -in "$tmp/ek.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" \
		-CAcreateserial -days 2 -out "$tmp/ek.pem" 2>/dev/null; then
	compare "a certificate without the TCG profile" tpm-ekcert-verify --ca "$tmp/ca.pem" "$tmp/ek.pem"
	compare "--lenient" tpm-ekcert-verify --lenient --ca "$tmp/ca.pem" "$tmp/ek.pem"
else
	not_ok "openssl made no test certificate"
fi

if [ -d "$corpus" ]; then
	find "$corpus" -type f ! -name '*.json' ! -name '*.md' ! -name '*.txt' ! -name '*.y*ml' \
		! -name '*.pb' ! -name '*.warn' | LC_ALL=C sort >"$tmp/logs"
	while IFS= read -r f; do
		compare "corpus/${f#"$corpus"/}" tcglog-dump "$f"
		compare "corpus/${f#"$corpus"/}" tcglog-replay "$f"
	done <"$tmp/logs"
else
	skip "corpus comparisons" "no corpus at $corpus"
fi

# Unparseable input fails as in YAML, with no partial document.
printf 'x' >"$tmp/bad"
"$dump" --format json "$tmp/bad" >"$tmp/out" 2>"$tmp/err"
check "a log that cannot be parsed: exit 2, nothing on stdout" test $? -eq 2 -a ! -s "$tmp/out"
tap_end
