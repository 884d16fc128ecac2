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

# libpq, libxml2, SQLite and the TPM stack are opened when a run first needs
# them (libtcglog/dynlib.c). Stand-ins for them, found first through
# LD_LIBRARY_PATH, hold none of their functions and leave a mark when loaded: a
# run that needs none leaves no mark, and one that needs one is refused (3)
# naming the library.
if command -v cc >/dev/null 2>&1; then
	mkdir "$tmp/lib"
	cat >"$tmp/standin.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
__attribute__((constructor)) static void loaded(void)
{
	FILE *f = getenv("STANDIN_MARK") ? fopen(getenv("STANDIN_MARK"), "w") : NULL;
	if (f)
		fclose(f);
}
C
	cc -shared -fPIC -o "$tmp/lib/libpq.so.5" "$tmp/standin.c"
	for l in libxml2.so.2 libtss2-esys.so.0 libtss2-tctildr.so.0 libtss2-rc.so.0; do
		cp "$tmp/lib/libpq.so.5" "$tmp/lib/$l"
	done
	# SQLite's apart: the runs with an SQLite store need the real one.
	mkdir "$tmp/lib-sqlite" && cp "$tmp/lib/libpq.so.5" "$tmp/lib-sqlite/libsqlite3.so.0"
	run env LD_LIBRARY_PATH="$tmp/lib:$tmp/lib-sqlite" STANDIN_MARK="$tmp/mark" \
		"$tools/tcglog-dump" "$fixture"
	check "tcglog-dump loads none of them, nor SQLite" \
		test "$(cat "$tmp/rc")" -eq 0 -a ! -e "$tmp/mark" || diag "$(cat "$tmp/err")"
	run env LD_LIBRARY_PATH="$tmp/lib-sqlite" STANDIN_MARK="$tmp/mark" \
		"$tools/dha-nonce" --store "$tmp/store-none" issue dev1
	expect "dha-nonce: an SQLite store without a usable SQLite names the library" 3 \
		"dha-nonce: $tmp/store-none: nonce-store: an SQLite store needs libsqlite3\\.so\\.0, which cannot be loaded: it has no sqlite3_[a-z0-9_]+"
	check "the stand-in SQLite was the one loaded" test -e "$tmp/mark"
	rm -f "$tmp/mark"
	standin() { LD_LIBRARY_PATH=$tmp/lib STANDIN_MARK=$tmp/mark "$@"; }
	run standin "$tools/dha-nonce" --store "$tmp/store" issue dev1
	check "dha-nonce with an SQLite store loads none of them" \
		test "$(cat "$tmp/rc")" -eq 0 -a ! -e "$tmp/mark" || diag "$(cat "$tmp/err")"
	run standin "$tools/dha-verify" --key "$tmp/key" --store "$tmp/store" "$tmp/empty"
	check "dha-verify over no input (msg-empty) loads none of them" \
		test "$(cat "$tmp/rc")" -eq 2 -a ! -e "$tmp/mark" || diag "$(cat "$tmp/err")"
	run standin "$tools/dha-nonce" --store postgresql://127.0.0.1:1/none issue dev1
	expect "dha-nonce: a PostgreSQL store without a usable libpq names the library" 3 \
		"dha-nonce: postgresql://127\\.0\\.0\\.1:1/none: nonce-store: a PostgreSQL store needs libpq\\.so\\.5, which cannot be loaded: it has no PQ[A-Za-z]+"
	check "the stand-in libpq was the one loaded" test -e "$tmp/mark"
	rm -f "$tmp/mark"
	run standin "$tools/dha-policy" "$(dirname "$0")/../policies/windows-dha.yaml" \
		"$(dirname "$0")/../fixtures/windows11-debug.claims.yaml"
	expect "dha-policy: a report without a usable libxml2 names the library" 3 \
		"dha-policy: report-xml-library: the DHA-Report XML needs libxml2\\.so\\.2, which cannot be loaded: it has no xml[A-Za-z]+"
	check "the stand-in libxml2 was the one loaded" test -e "$tmp/mark"
	rm -f "$tmp/mark"
	run standin "$tools/tcglog-play" --tcti swtpm:host=127.0.0.1,port=1 "$fixture"
	expect "tcglog-play: a TPM without a usable TPM stack names the library" 3 \
		"tcglog-play: swtpm:host=127\\.0\\.0\\.1,port=1: tpm: a TPM needs libtss2-esys\\.so\\.0, which cannot be loaded: it has no Esys_[A-Za-z_]+"
	check "the stand-in libtss2-esys was the one loaded" test -e "$tmp/mark"
else
	skip "libraries opened when needed" "no C compiler (cc) to build the stand-ins"
fi

tap_end
