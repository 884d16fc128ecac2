#!/bin/sh
# Corpus tests: real logs against PCR values from outside our code (the logs'
# own upstream projects, signed quotes, TPM reads) and against tpm2_eventlog.
# Usage: corpus.sh BUILDDIR CORPUSDIR
set -u
. "$(dirname "$0")/tap.sh"
build=$1
corpus=$2
replay=$build/tools/tcglog-replay
dump=$build/tools/tcglog-dump
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -d "$corpus" ]; then
	skip "corpus" "no corpus at $corpus"
	tap_end
	exit 0
fi

for exp in $(find "$corpus" -name '*.expected-pcrs.json' | sort); do
	base=${exp%.expected-pcrs.json}
	log=$base
	[ -f "$log" ] || log=$base.bin
	name=${log#"$corpus"/}
	if [ ! -f "$log" ]; then
		not_ok "$name: log for $(basename "$exp") not found"
		continue
	fi
	pcrs_from_json "$exp" >"$tmp/want.yaml"
	if [ ! -s "$tmp/want.yaml" ]; then
		ok "$name: no PCR reproducible from the log alone (see the quirk tests)"
		continue
	fi
	n=$(grep -c ' : ' "$tmp/want.yaml")
	if "$replay" --pcrs "$tmp/want.yaml" "$log" >"$tmp/out" 2>"$tmp/err"; then
		ok "$name replays to its $n expected PCR values"
	else
		not_ok "$name replays to its $n expected PCR values"
		diag "$(cat "$tmp/err")"
	fi
done

# TDX CCEL: RTMR i is MR index i+1 in the SHA-384 bank.
for exp in $(find "$corpus" -name '*.expected-rtmrs.json' | sort); do
	log=${exp%.expected-rtmrs.json}.bin
	name=${log#"$corpus"/}
	jq -r '"sha384:", (.rtmrs_sha384 | to_entries[] | "  \(.key | tonumber + 1) : 0x\(.value)")' \
		"$exp" >"$tmp/want.yaml"
	if "$replay" --pcrs "$tmp/want.yaml" "$log" >"$tmp/out" 2>"$tmp/err"; then
		ok "$name replays to its RTMR0-2"
	else
		not_ok "$name replays to its RTMR0-2"
		diag "$(cat "$tmp/err")"
	fi
done

# The log that lacks its ExitBootServices events: only the named workaround reaches PCR 5.
ebs=$corpus/go-attestation/ebs_event_missing_eventlog
if [ -f "$ebs" ]; then
	printf 'sha1:\n  5 : 0x%s\n' "$(jq -r '.pcrs.sha1["5"]' "$ebs.expected-pcrs.json")" >"$tmp/pcr5.yaml"
	"$replay" --pcrs "$tmp/pcr5.yaml" "$ebs" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "missing-ebs log: strict replay refuses PCR 5 (exit 1, pcr-mismatch)" \
		test "$rc" -eq 1 -a -n "$(grep 'pcr-mismatch: sha1 PCR 5' "$tmp/err")"
	"$replay" --quirk missing-ebs --pcrs "$tmp/pcr5.yaml" "$ebs" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "missing-ebs log: --quirk missing-ebs matches PCR 5 and names the quirk" \
		test "$rc" -eq 0 -a -n "$(grep 'missing-ebs' "$tmp/out")"
fi

# A tampered digest: the altered HIRS log must not replay to the original's PCRs.
alt=$corpus/hirs/TPMLog_Altered.bin
if [ -f "$alt" ] && [ -f "$corpus/hirs/TpmLog.expected-pcrs.json" ]; then
	pcrs_from_json "$corpus/hirs/TpmLog.expected-pcrs.json" >"$tmp/want.yaml"
	"$replay" --pcrs "$tmp/want.yaml" "$alt" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "hirs/TPMLog_Altered.bin: refused against the original's PCRs (exit 1)" \
		test "$rc" -eq 1 -a -n "$(grep 'pcr-mismatch' "$tmp/err")"
fi

# Malformed inputs: exit 2 and the fault named.
refused() {
	f=$corpus/$1
	[ -f "$f" ] || return 0
	"$dump" "$f" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "$1 is refused with exit 2 naming $2" test "$rc" -eq 2 -a -n "$(grep -- "$2" "$tmp/err")"
	check "$1 prints nothing on stdout when refused" test ! -s "$tmp/out"
}
refused keylime/binary_bios_measurements-bogus event-pcr-index
refused keylime/binary_bios_measurements-empty log-empty
refused tpm2-tools/specid-vendordata.bin specid-vendor-info

# Every binary log: dump exits 0 with YAML that a YAML library loads, or is one of the above.
is_log() {
	case $1 in
	*.json | *.yaml | *.yml | *.txt | *.md | *.warn | *.pb | */expected/*) return 1 ;;
	*-bogus | *-empty | */tpm2-tools/specid-vendordata.bin) return 1 ;;
	esac
	return 0
}
for log in $(find "$corpus" -type f | sort); do
	is_log "$log" || continue
	name=${log#"$corpus"/}
	if "$dump" "$log" >"$tmp/dump.yaml" 2>"$tmp/err" &&
		python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); assert d["events"]' \
			"$tmp/dump.yaml" 2>>"$tmp/err"; then
		ok "$name decodes to valid YAML"
	else
		not_ok "$name decodes to valid YAML"
		diag "$(head -5 "$tmp/err")"
	fi
done

# Decoding against tpm2_eventlog --eventlog-version=2: every event and decoded field
# both print agrees (where its YAML is usable: it breaks on SHA-1 logs).
if command -v tpm2_eventlog >/dev/null 2>&1; then
	for log in $(find "$corpus" -type f | sort); do
		is_log "$log" || continue
		name=${log#"$corpus"/}
		tpm2_eventlog --eventlog-version=2 "$log" >"$tmp/t2.yaml" 2>/dev/null || continue
		"$dump" "$log" >"$tmp/ours.yaml" 2>/dev/null
		python3 "$(dirname "$0")/compare_tpm2.py" "$tmp/ours.yaml" "$tmp/t2.yaml" >"$tmp/cmp" 2>&1
		case $? in
		0) ok "$name: decoding agrees with tpm2_eventlog ($(tail -1 "$tmp/cmp" | sed 's/^# //'))" ;;
		2) ;;
		*) not_ok "$name: decoding agrees with tpm2_eventlog"; diag "$(head -5 "$tmp/cmp" | cut -c1-300)" ;;
		esac
	done
fi

# Logs tpm2_eventlog parses, without StartupLocality, H-CRTM or SP800-155 records
# (where it is wrong about PCR 0): its replay and ours agree on every PCR it prints.
if command -v tpm2_eventlog >/dev/null 2>&1; then
	for log in $(find "$corpus" -type f | sort); do
		is_log "$log" || continue
		name=${log#"$corpus"/}
		grep -q -a -e 'StartupLocality' -e 'SP800-155' -e 'HCRTM' "$log" && continue
		tpm2_eventlog "$log" >"$tmp/t2.yaml" 2>/dev/null || continue
		grep -q 'EV_EFI_HCRTM_EVENT' "$tmp/t2.yaml" && continue
		sed -n '/^pcrs:/,$p' "$tmp/t2.yaml" >"$tmp/t2pcrs.yaml"
		if ! grep -q ' : 0x' "$tmp/t2pcrs.yaml"; then
			continue
		fi
		n=$(grep -c ' : 0x' "$tmp/t2pcrs.yaml")
		if "$replay" --pcrs "$tmp/t2pcrs.yaml" "$log" >"$tmp/out" 2>"$tmp/err"; then
			ok "$name: replay agrees with tpm2_eventlog on $n PCR values"
		else
			not_ok "$name: replay agrees with tpm2_eventlog on $n PCR values"
			diag "$(cat "$tmp/err")"
		fi
	done
else
	skip "tpm2_eventlog comparison" "tpm2_eventlog is not installed"
fi
tap_end
