#!/bin/sh
# Error lines: every tool names the file an error is about, in the one layout
# "tool: FILE: [offset N: | line N: column C:] rule: message" on one line, standard
# input as "<stdin>"; an unknown option is said once (by getopt) before the
# hint. Usage: errors.sh BUILDDIR
set -u
. "$(dirname "$0")/tap.sh"
tools=$1/tools
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/empty"
fixture=$(dirname "$0")/../fixtures/windows11.bin
nonce=0000000000000000000000000000000000000000000000000000000000000000

run() { "$@" </dev/null >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }
# expect NAME STATUS REGEX: the exit status, and stderr is exactly one line
# matching REGEX (an extended regular expression, anchored).
expect() {
	check "$1" test "$(cat "$tmp/rc")" -eq "$2" -a "$(wc -l <"$tmp/err")" -eq 1 \
		-a -n "$(grep -E -- "^$3\$" "$tmp/err")" || diag "$(cat "$tmp/err")"
}

for n in tcglog-dump tcglog-replay tcglog-claims tcglog-play tpm-quote-verify \
	tpm-ekcert-verify dha-policy dha-nonce dha-bootdata dha-activate dha-quote dha-issue \
	dha-verify; do
	run "$tools/$n" --no-such-option
	# getopt's own line under the tool's name, then the hint: two lines.
	check "$n: an unknown option is reported once, then the hint" \
		test "$(cat "$tmp/rc")" -eq 2 -a "$(wc -l <"$tmp/err")" -eq 2 \
		-a "$(sed -n 1p "$tmp/err")" = "$n: unrecognized option '--no-such-option'" \
		-a "$(sed -n 2p "$tmp/err")" = "Try '$n --help' for more information."
done

# The logs: a missing file is the environment (3), an empty one cannot be parsed (2).
for n in tcglog-dump tcglog-replay tcglog-play; do
	run "$tools/$n" "$tmp/missing"
	expect "$n: a missing log names the file and the rule" 3 \
		"$n: $tmp/missing: open: No such file or directory"
	run "$tools/$n" "$tmp/empty"
	expect "$n: an empty log names the file, offset and rule" 2 \
		"$n: $tmp/empty: offset 0: log-empty: .*"
	"$tools/$n" - <"$tmp/empty" >/dev/null 2>"$tmp/err"
	echo $? >"$tmp/rc"
	expect "$n: standard input is <stdin>" 2 "$n: <stdin>: offset 0: log-empty: .*"
done
# tcglog-claims notes first that nothing verifies its facts; the error is last.
run "$tools/tcglog-claims" "$tmp/empty"
check "tcglog-claims: an empty log names the file, offset and rule" \
	test "$(cat "$tmp/rc")" -eq 2 -a -n "$(tail -n 1 "$tmp/err" |
	grep -E "^tcglog-claims: $tmp/empty: offset 0: log-empty: ")"
run "$tools/dha-bootdata" -l "$tmp/empty"
expect "dha-bootdata: an empty --log names the file and the rule" 2 \
	"dha-bootdata: $tmp/empty: offset 0: log-empty: .*"

# YAML inputs: the line comes after the file, before the rule.
run "$tools/dha-policy" "$tmp/missing" "$tmp/empty"
expect "dha-policy: a missing policy names the file" 3 \
	"dha-policy: $tmp/missing: open: No such file or directory"
run "$tools/dha-policy" "$tmp/empty" "$tmp/empty"
expect "dha-policy: an empty policy names the file, line and rule" 2 \
	"dha-policy: $tmp/empty: line 1: column 1: yaml-empty: .*"
printf 'name: p\nversion: 1\nrules:\n  - id: sb\n    severity: deny\n    condition: {fact: health.SecureBootEnabled, equals: true}\n' >"$tmp/policy.yaml"
run "$tools/dha-policy" "$tmp/policy.yaml" "$tmp/missing"
expect "dha-policy: missing claims name the file" 3 \
	"dha-policy: $tmp/missing: open: No such file or directory"
printf 'a: [\n' >"$tmp/bad.yaml"
run "$tools/dha-activate" "$tmp/bad.yaml"
expect "dha-activate: a bad message names the file, line and rule" 2 \
	"dha-activate: $tmp/bad.yaml: line [0-9]+: column [0-9]+: yaml-[a-z-]+: .*"
run "$tools/dha-quote" -n $nonce -b "$tmp/empty"
expect "dha-quote: an empty EncBlob names the file, line and rule" 2 \
	"dha-quote: $tmp/empty: line 1: column 1: yaml-empty: .*"

# Binary TPM structures and certificates.
run "$tools/tpm-quote-verify" -u "$tmp/empty" -m "$tmp/empty" -s "$tmp/empty" -n 00 \
	-f "$tmp/empty"
expect "tpm-quote-verify: an empty AK names the file and the rule" 2 \
	"tpm-quote-verify: $tmp/empty: public-unmarshal: .*"
run "$tools/tpm-ekcert-verify" --ca "$tmp/missing" "$tmp/empty"
expect "tpm-ekcert-verify: a missing --ca names the file" 3 \
	"tpm-ekcert-verify: $tmp/missing: open: No such file or directory"

# The message streams: a missing input is the environment (3), named as the logs' is.
head -c 32 /dev/urandom >"$tmp/key" && chmod 600 "$tmp/key"
run "$tools/dha-issue" --ca "$(dirname "$0")/../fixtures/certs/db.der" --key "$tmp/key" \
	--store "$tmp/store" "$tmp/missing"
expect "dha-issue: a missing input names the file and the rule" 3 \
	"dha-issue: $tmp/missing: open: No such file or directory"
run "$tools/dha-verify" --key "$tmp/key" --store "$tmp/store" "$tmp/missing"
expect "dha-verify: a missing input names the file and the rule" 3 \
	"dha-verify: $tmp/missing: open: No such file or directory"

# Standard output that cannot be written is named, and the environment (3).
if [ -w /dev/full ]; then
	for n in tcglog-dump tcglog-replay; do
		"$tools/$n" "$fixture" >/dev/full 2>"$tmp/err" </dev/null
		echo $? >"$tmp/rc"
		expect "$n: a full standard output exits 3 naming it" 3 \
			"$n: standard output: (yaml-output: )?No space left on device"
	done
else
	skip "a full standard output" "no writable /dev/full"
fi

# An unreadable file is the environment (3), named with the system's reason.
# Root reads any file, so as root the tools run as nobody (setpriv); the
# directory then only lets them through to the file.
chmod 711 "$tmp"
: >"$tmp/locked"
chmod 000 "$tmp/locked"
as_user=
if [ "$(id -u)" -eq 0 ]; then
	if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
		as_user="setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups"
	else
		as_user=none
	fi
fi
if [ "$as_user" = none ]; then
	skip "unreadable files" "running as root without setpriv or the user nobody"
else
	for n in tcglog-dump tcglog-replay tcglog-claims; do
		run $as_user "$tools/$n" "$tmp/locked"
		check "$n: an unreadable log (mode 000) exits 3 naming the file" \
			test "$(cat "$tmp/rc")" -eq 3 -a -n "$(tail -n 1 "$tmp/err" |
			grep -Ex "$n: $tmp/locked: open: Permission denied")" || diag "$(cat "$tmp/err")"
	done
	run $as_user "$tools/dha-policy" "$tmp/locked" "$tmp/empty"
	expect "dha-policy: an unreadable policy names the file" 3 \
		"dha-policy: $tmp/locked: open: Permission denied"
	run $as_user "$tools/tpm-ekcert-verify" --ca "$tmp/locked" "$tmp/empty"
	expect "tpm-ekcert-verify: an unreadable --ca names the file" 3 \
		"tpm-ekcert-verify: $tmp/locked: open: Permission denied"
fi

tap_end
