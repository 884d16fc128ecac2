#!/bin/sh
# tcglog-dump --format tpm2-tools against tpm2_eventlog --eventlog-version=2
# (tpm2-tools 5.4) on every corpus log: event by event, parsed values, with the
# agreement as a number that must stay at 100% of the events compared (the
# exceptions of tcglog-dump(1) left out by name, see compare.py). Also the
# --bank refusal, which needs neither the corpus nor tpm2-tools.
# Usage: compat.sh BUILDDIR CORPUSDIR
set -u
here=$(dirname "$0")
. "$here/../tap.sh"
build=$1
corpus=$2
dump=$build/tools/tcglog-dump
mklog=$build/tests/mklog
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A bank the log lacks is refused (exit 2, rule named, nothing on stdout), in both
# formats; a bank it carries is not (so the refusal is about the bank).
"$mklog" locality >"$tmp/two-banks.bin"
for fmt in tcglog tpm2-tools; do
	"$dump" --format "$fmt" --bank sha384 "$tmp/two-banks.bin" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "--format $fmt --bank sha384 on a SHA-1 + SHA-256 log: exit 2 naming pcr-bank-missing" \
		test "$rc" -eq 2 -a -n "$(grep 'two-banks.bin: pcr-bank-missing: the log carries no sha384 bank' "$tmp/err")"
	check "--format $fmt --bank sha384: nothing on stdout" test ! -s "$tmp/out"
	"$dump" --format "$fmt" --bank sha256 "$tmp/two-banks.bin" >"$tmp/out" 2>"$tmp/err"
	check "--format $fmt --bank sha256 on the same log: exit 0, only sha256 digests" \
		test $? -eq 0 -a -n "$(grep 'AlgorithmId: sha256' "$tmp/out")" -a -z "$(grep 'AlgorithmId: sha1' "$tmp/out")"
done
"$dump" --eventlog-version=1 "$tmp/two-banks.bin" >"$tmp/out" 2>"$tmp/err"
check "--eventlog-version=1 is refused (exit 2): only version 2 is offered" test $? -eq 2
"$dump" --eventlog-version=2 --hex "$tmp/two-banks.bin" >"$tmp/out" 2>"$tmp/err"
check "--eventlog-version=2 with --hex is refused (exit 2)" test $? -eq 2

# Where tpm2-tools is wrong we write the right value, computed here from the
# bytes compat-log wrote; with tpm2_eventlog installed, also that it is wrong there.
compat_log=$build/tests/compat/compat-log
have_t2=false
command -v tpm2_eventlog >/dev/null 2>&1 && have_t2=true
event_value() { # LOG.yaml EVENTNUM: the event's Event value as JSON
	python3 -c 'import sys, json, yaml
d = yaml.safe_load(open(sys.argv[1]))
print(json.dumps([e for e in d["events"] if e["EventNum"] == int(sys.argv[2])][0]["Event"]))' "$1" "$2"
}
"$compat_log" secureboot2 >"$tmp/sb2.bin"
"$dump" --eventlog-version=2 "$tmp/sb2.bin" >"$tmp/ours.yaml"
check "SecureBoot with 2 data bytes: VariableData is their hex, not Enabled" \
	test "$(event_value "$tmp/ours.yaml" 1 | jq -c '[.UnicodeName, .VariableData]')" = '["SecureBoot","0101"]'
if $have_t2; then
	tpm2_eventlog --eventlog-version=2 "$tmp/sb2.bin" >/dev/null 2>&1
	check "tpm2-stopped is real: tpm2_eventlog fails on that SecureBoot event" test $? -ne 0
fi
"$compat_log" bootorder-odd >"$tmp/bo.bin"
"$dump" --eventlog-version=2 "$tmp/bo.bin" >"$tmp/ours.yaml"
check "BootOrder with 3 data bytes: VariableData is their hex, no Boot#### list" \
	test "$(event_value "$tmp/ours.yaml" 1 | jq -c '.VariableData')" = '"010002"'
if $have_t2; then
	tpm2_eventlog --eventlog-version=2 "$tmp/bo.bin" >/dev/null 2>&1
	check "tpm2-stopped is real: tpm2_eventlog fails on that BootOrder event" test $? -ne 0
fi
"$compat_log" big-event >"$tmp/big.bin"
"$dump" --eventlog-version=2 "$tmp/big.bin" >"$tmp/ours.yaml"
want=$(python3 -c 'print(bytes(i % 251 for i in range(1500)).hex())')
check "1500 bytes of event data: all 3000 hex digits" \
	test "$(event_value "$tmp/ours.yaml" 1 | jq -r .)" = "$want"
if $have_t2; then
	tpm2_eventlog --eventlog-version=2 "$tmp/big.bin" >"$tmp/t2.yaml" 2>/dev/null
	got=$(python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["events"][1]["Event"])' "$tmp/t2.yaml")
	check "hex-truncated is real: tpm2_eventlog writes the first 1024 bytes only" \
		test "$got" = "$(printf %s "$want" | cut -c1-2048)"
fi

if ! $have_t2; then
	skip "tpm2-tools agreement" "tpm2_eventlog is not installed"
	tap_end
	exit $?
fi

# compare OURS THEIRS STATUS: compare.py's report in $tmp/cmp; 1 when it could not compare.
compare() {
	python3 "$here/compare.py" "$1" "$2" "$3" >"$tmp/cmp" 2>&1
}

# Logs the project writes itself (no corpus needed): a StartupLocality record, a
# PCR -1 event (where tpm2_eventlog stops), a NUL-terminated EV_IPL string and an
# action string tpm2_eventlog cannot write as YAML.
"$mklog" strings >"$tmp/strings.bin"
for log in two-banks strings; do
	"$dump" --eventlog-version=2 "$tmp/$log.bin" >"$tmp/ours.yaml" 2>"$tmp/err"
	tpm2_eventlog --eventlog-version=2 "$tmp/$log.bin" >"$tmp/t2.yaml" 2>/dev/null
	compare "$tmp/ours.yaml" "$tmp/t2.yaml" $?
	set -- $(grep '^# agreement ' "$tmp/cmp")
	check "mklog $log: ${3:-none} events equal tpm2_eventlog's (all, at least 2)" \
		test -n "${3:-}" -a "${3%/*}" = "${3#*/}" -a "${3#*/}" -ge 2
	[ "${3%/*}" = "${3#*/}" ] || diag "$(grep -v '^#' "$tmp/cmp" | head -5 | cut -c1-400)"
done

if [ ! -d "$corpus" ]; then
	skip "tpm2-tools agreement on the corpus" "no corpus at $corpus"
	tap_end
	exit $?
fi

is_log() {
	case $1 in
	*.json | *.yaml | *.yml | *.txt | *.md | *.warn | *.pb | */expected/*) return 1 ;;
	*-bogus | *-empty | */tpm2-tools/specid-vendordata.bin) return 1 ;;
	esac
	return 0
}
equal=0 compared=0 pequal=0 pcompared=0
for log in $(find "$corpus" -type f | sort); do
	is_log "$log" || continue
	name=${log#"$corpus"/}
	if ! "$dump" --eventlog-version=2 "$log" >"$tmp/ours.yaml" 2>"$tmp/err" ||
		! python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); assert d["events"] and d["version"] == 2' \
			"$tmp/ours.yaml" 2>>"$tmp/err"; then
		not_ok "$name: --eventlog-version=2 writes YAML with version 2 and events"
		diag "$(head -3 "$tmp/err")"
		continue
	fi
	# tpm2_eventlog crashes on some logs; a time limit in case one loops.
	timeout 60 tpm2_eventlog --eventlog-version=2 "$log" >"$tmp/t2.yaml" 2>/dev/null
	status=$?
	compare "$tmp/ours.yaml" "$tmp/t2.yaml" "$status"
	case $? in
	0) ;;
	2)
		not_ok "$name: tpm2_eventlog's output has no events list"
		continue
		;;
	*)
		not_ok "$name: compare.py failed"
		diag "$(tail -5 "$tmp/cmp")"
		continue
		;;
	esac
	line=$(grep '^# agreement ' "$tmp/cmp")
	set -- $line
	e=${3%/*} c=${3#*/}
	shift 3
	equal=$((equal + e)) compared=$((compared + c))
	if [ "$e" -eq "$c" ]; then
		ok "$name: $e/$c events equal tpm2_eventlog's (exit $status)${*:+ $*}"
	else
		not_ok "$name: $e/$c events equal tpm2_eventlog's (exit $status)${*:+ $*}"
		diag "$(grep -v '^#' "$tmp/cmp" | head -5 | cut -c1-400)"
	fi
	pline=$(grep '^# pcrs ' "$tmp/cmp") || continue
	set -- $pline
	e=${3%/*} c=${3#*/}
	shift 3
	pequal=$((pequal + e)) pcompared=$((pcompared + c))
	if [ "$e" -eq "$c" ]; then
		ok "$name: $e/$c replayed PCR values equal tpm2_eventlog's${*:+ $*}"
	else
		not_ok "$name: $e/$c replayed PCR values equal tpm2_eventlog's${*:+ $*}"
		diag "$(grep '^pcrs:' "$tmp/cmp" | head -5)"
	fi
done

# The figures tcglog-dump(1) quotes: 100% of the events and PCR values compared, and
# enough of them that a change in either tool making logs incomparable shows here.
diag "agreement: $equal/$compared events, $pequal/$pcompared PCR values"
check "agreement with tpm2_eventlog: $equal/$compared events equal (100% required)" \
	test "$compared" -gt 0 -a "$equal" -eq "$compared"
check "events compared: $compared (at least 4000 of the corpus' logs)" test "$compared" -ge 4000
check "PCR values: $pequal/$pcompared equal (100% required, at least 1000)" \
	test "$pcompared" -ge 1000 -a "$pequal" -eq "$pcompared"
tap_end
