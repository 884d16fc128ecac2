#!/bin/sh
# Tool tests: options, exit statuses, output layouts, and refusals from the
# attacker's side. Usage: tools.sh BUILDDIR CORPUSDIR
set -u
. "$(dirname "$0")/tap.sh"
build=$1
corpus=$2
dump=$build/tools/tcglog-dump
replay=$build/tools/tcglog-replay
mklog=$build/tests/mklog
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run() { "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }
rc() { cat "$tmp/rc"; }
out_has() { grep -q -- "$1" "$tmp/out"; }
err_has() { grep -q -- "$1" "$tmp/err"; }
yaml_ok() { python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$1"; }

for t in "$dump" "$replay" "$build/tools/tpm-quote-verify" "$build/tools/tpm-ekcert-verify"; do
	n=$(basename "$t")
	run "$t" --help
	check "$n --help exits 0 and shows usage" test "$(rc)" -eq 0 -a -n "$(grep Usage: "$tmp/out")"
	run "$t" --version
	check "$n --version names the tool" test "$(rc)" -eq 0 -a -n "$(grep "$n (tcglog)" "$tmp/out")"
	run "$t" --no-such-option x
	check "$n: unknown option exits 2" test "$(rc)" -eq 2
	run "$t"
	check "$n: no arguments exits 2 with a message" test "$(rc)" -eq 2 -a -s "$tmp/err"
	case $n in tcglog-*)
		run "$t" "$tmp/does-not-exist"
		check "$n: missing file exits 3 naming the file" \
			test "$(rc)" -eq 3 -a -n "$(grep does-not-exist "$tmp/err")"
		run "$t" "$tmp"
		check "$n: a directory exits 3" test "$(rc)" -eq 3
	esac
done

"$mklog" locality >"$tmp/loc.bin"
"$mklog" padded >"$tmp/pad.bin"
"$mklog" strings >"$tmp/str.bin"

# Replay without --pcrs: the one PCR layout (index: "hex", a string), all 24 PCRs
# per bank, PCR 0 from locality 3.
run "$replay" "$tmp/loc.bin"
check "replay prints both banks" test "$(grep -c '^sha' "$tmp/out")" -eq 2
check "replay prints 24 PCRs per bank" test "$(grep -c '^  [0-9]' "$tmp/out")" -eq 48
check "replay prints PCR 17 as all-ff (no DRTM)" out_has '17: "ffffffffffffffffffffffffffffffffffffffff"'
check "replay values read as strings (YAML 1.1)" python3 -c '
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
sys.exit(0 if all(isinstance(v, str) for b in d.values() for v in b.values()) else 1)' "$tmp/out"
# Expected PCR 0 computed here with openssl: H(00..03 || H("v\0")).
want0=$( (printf '%038d03' 0 | xxd -r -p; printf 'v\0' | openssl dgst -sha1 -binary) |
	openssl dgst -sha1 -r | cut -d' ' -f1)
check "replay PCR 0 starts at the StartupLocality (checked with openssl)" out_has "0: \"$want0\""

# --pcrs: round trip through our own layout, then one value changed.
cp "$tmp/out" "$tmp/pcrs.yaml"
run "$replay" --pcrs "$tmp/pcrs.yaml" "$tmp/loc.bin"
check "replay --pcrs: own output matches (exit 0)" test "$(rc)" -eq 0
sed 's/^\(  7: "\)./\10/; s/^\(  7: "\)00/\111/' "$tmp/pcrs.yaml" >"$tmp/bad.yaml"
run "$replay" --pcrs "$tmp/bad.yaml" "$tmp/loc.bin"
check "replay --pcrs: a changed PCR 7 exits 1" test "$(rc)" -eq 1
check "replay --pcrs: names both banks' PCR 7" \
	test "$(grep -c 'pcr-mismatch: sha[0-9]* PCR 7 ' "$tmp/err")" -eq 2
check "replay --pcrs: mismatch YAML lists replayed and expected" out_has 'expected: "'
printf 'sha384:\n  0 : 0x%096d\n' 0 >"$tmp/384.yaml"
run "$replay" --pcrs "$tmp/384.yaml" "$tmp/loc.bin"
check "replay --pcrs: a bank the log lacks exits 1 and says so" \
	test "$(rc)" -eq 1 -a -n "$(grep 'carries no sha384 bank' "$tmp/err")"
printf 'sha1:\n  0 : 0x1234\n' >"$tmp/short.yaml"
run "$replay" --pcrs "$tmp/short.yaml" "$tmp/loc.bin"
check "replay --pcrs: malformed values exit 2 naming the line" \
	test "$(rc)" -eq 2 -a -n "$(grep 'line 2' "$tmp/err")"
run "$replay" --bank sha256 "$tmp/loc.bin"
check "replay --bank sha256 prints only that bank" \
	test "$(grep -c '^sha' "$tmp/out")" -eq 1 -a -n "$(grep '^sha256:' "$tmp/out")"
run "$replay" --quirk missing-ebs "$tmp/loc.bin"
check "replay --quirk without --pcrs is a usage error" test "$(rc)" -eq 2
run "$replay" --quirk nonsense --pcrs "$tmp/pcrs.yaml" "$tmp/loc.bin"
check "replay --quirk with an unknown name is a usage error" test "$(rc)" -eq 2

# Padding: accepted and reported by default, refused by --strict.
run "$dump" "$tmp/pad.bin"
check "dump reports trailing padding as a named quirk" \
	test "$(rc)" -eq 0 -a -n "$(grep 'name: trailing-padding' "$tmp/out")"
run "$dump" --strict "$tmp/pad.bin"
check "dump --strict refuses trailing padding (exit 2, named)" \
	test "$(rc)" -eq 2 -a -n "$(grep trailing-padding "$tmp/err")"
run "$replay" "$tmp/pad.bin"
check "replay names an accepted quirk on stderr" \
	test "$(rc)" -eq 0 -a -n "$(grep 'accepted quirk trailing-padding' "$tmp/err")"
run "$replay" --strict "$tmp/pad.bin"
check "replay --strict refuses trailing padding (exit 2)" test "$(rc)" -eq 2

# Dump: valid YAML whatever the bytes; filters; standard input.
run "$dump" "$tmp/str.bin"
check "dump of hostile strings exits 0" test "$(rc)" -eq 0
check "dump of hostile strings is valid YAML" yaml_ok "$tmp/out"
run "$dump" - <"$tmp/loc.bin"
check "dump reads standard input" test "$(rc)" -eq 0 -a -n "$(grep 'EventNum: 5' "$tmp/out")"
run "$dump" --pcr 7 "$tmp/loc.bin"
check "dump --pcr 7 shows only PCR 7 events" \
	test "$(grep -c 'PCRIndex:' "$tmp/out")" -eq 1 -a -n "$(grep 'PCRIndex: 7' "$tmp/out")"
run "$dump" --pcr none "$tmp/loc.bin"
check "dump --pcr none shows the never-extended events" \
	test "$(grep -c 'PCRIndex:' "$tmp/out")" -eq 1 -a -n "$(grep 'PCRIndex: -1' "$tmp/out")"
run "$dump" --bank sha256 "$tmp/loc.bin"
check "dump --bank sha256 drops the sha1 digests" \
	test -z "$(grep 'AlgorithmId: sha1' "$tmp/out")" -a -n "$(grep 'AlgorithmId: sha256' "$tmp/out")"
run "$dump" --pcr 99 "$tmp/loc.bin"
check "dump --pcr 99 is a usage error" test "$(rc)" -eq 2
run "$dump" --bank md5 "$tmp/loc.bin"
check "dump --bank md5 is a usage error" test "$(rc)" -eq 2

# Truncated log: exit 2 naming offset, event and rule; nothing on stdout.
head -c 150 "$tmp/loc.bin" >"$tmp/trunc.bin"
run "$dump" "$tmp/trunc.bin"
check "dump of a truncated log exits 2 naming offset, event and rule" \
	test "$(rc)" -eq 2 -a -n "$(grep 'offset [0-9]*: event [0-9]*: event-truncated' "$tmp/err")"
check "dump of a truncated log prints no partial YAML" test ! -s "$tmp/out"
tap_end
