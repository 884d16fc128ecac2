#!/bin/sh
# Replay against a real TPM: play logs' digests into swtpm with tpm2_pcrextend,
# read the PCRs back with tpm2_pcrread (YAML and the binary serialized layout),
# and require tcglog-replay to agree with the TPM on every PCR of every bank the
# log carries -- including the PCRs the log never extends (0, FF initial values).
# Usage: tpm-replay.sh BUILDDIR CORPUSDIR
set -u
here=$(dirname "$0")
. "$here/tap.sh"
. "$here/swtpm.sh"
build=$1
corpus=$2
dump=$build/tools/tcglog-dump
replay=$build/tools/tcglog-replay
tmp=$(mktemp -d)
trap 'swtpm_stop; rm -rf "$tmp"' EXIT

for tool in swtpm tpm2_pcrextend tpm2_pcrread ss; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		skip "replay against swtpm" "$tool is not installed"
		tap_end
		exit 0
	fi
done

# "PCR:alg=hex,alg=hex" per extending event, from the log's own digests.
extend_args() {
	"$dump" --hex "$1" | python3 -c '
import sys, yaml
d = yaml.safe_load(sys.stdin)
for e in d["events"]:
    if e["EventType"] == "EV_NO_ACTION" or e["PCRIndex"] == -1 or "Digests" not in e:
        continue
    print("%d:%s" % (e["PCRIndex"], ",".join("%s=%s" % (x["AlgorithmId"], x["Digest"]) for x in e["Digests"])))
'
}

play() {
	log=$1
	name=$2
	banks=$(echo $3 | tr ' ' '+')
	n=0
	rm -rf "$tmp/state"
	if ! swtpm_start "$tmp/state"; then
		not_ok "$name: swtpm did not start"
		return
	fi
	extend_args "$log" >"$tmp/args"
	# In batches: one tpm2_pcrextend per event would dominate the run time.
	xargs -n 16 tpm2_pcrextend <"$tmp/args" >"$tmp/err" 2>&1 ||
		{ not_ok "$name: tpm2_pcrextend failed"; diag "$(cat "$tmp/err")"; swtpm_stop; return; }
	n=$(wc -l <"$tmp/args")
	sel=$(for b in $3; do printf '%s:all+' "$b"; done | sed 's/+$//')
	tpm2_pcrread -F serialized -o "$tmp/pcrs.bin" "$sel" >"$tmp/pcrs.yaml" 2>"$tmp/err"
	swtpm_stop
	"$replay" --pcrs "$tmp/pcrs.yaml" "$log" >"$tmp/out" 2>"$tmp/err"
	check "$name: replay equals the TPM's PCRs after $n extends (tpm2_pcrread YAML, $banks)" \
		test $? -eq 0
	[ -s "$tmp/err" ] && diag "$(cat "$tmp/err")"
	"$replay" --pcrs "$tmp/pcrs.bin" "$log" >"$tmp/out" 2>"$tmp/err"
	check "$name: replay equals the TPM's PCRs (tpm2_pcrread -F serialized file)" test $? -eq 0
	[ -s "$tmp/err" ] && diag "$(cat "$tmp/err")"
}

"$build/tests/mklog" strings >"$tmp/strings.bin"
play "$tmp/strings.bin" "generated log" "sha1 sha256"

for f in go-tpm-tools/rhel8-uefi.bin go-tpm-tools/debian-10.bin uefi-eventlog/intel_svr/intel_svr.bin; do
	if [ -f "$corpus/$f" ]; then
		banks=$("$dump" --pcr 0 "$corpus/$f" | sed -n '/^banks:/,/^quirks:/p' | sed -n 's/^- //p' | tr '\n' ' ')
		play "$corpus/$f" "$f" "$banks"
	else
		skip "$f against swtpm" "no corpus"
	fi
done

# From the attacker's side: one extend the log does not record is caught.
rm -rf "$tmp/state"
if swtpm_start "$tmp/state"; then
	extend_args "$tmp/strings.bin" | xargs tpm2_pcrextend
	tpm2_pcrextend 8:sha256=0000000000000000000000000000000000000000000000000000000000000001
	tpm2_pcrread sha1:all+sha256:all >"$tmp/pcrs.yaml" 2>/dev/null
	swtpm_stop
	"$replay" --pcrs "$tmp/pcrs.yaml" "$tmp/strings.bin" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "an unlogged extend of PCR 8 is refused (exit 1) naming sha256 PCR 8 only" \
		test "$rc" -eq 1 -a "$(grep -c pcr-mismatch "$tmp/err")" -eq 1 \
		-a -n "$(grep 'sha256 PCR 8 ' "$tmp/err")"
else
	not_ok "swtpm did not start"
fi
tap_end
