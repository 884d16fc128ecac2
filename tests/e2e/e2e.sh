#!/bin/sh
# Device Health Attestation end to end on swtpm, through the role scripts:
# the happy path for an RSA and an ECC EK, and every refusal of the protocol
# from the attacker's side (rule named, nothing issued or accepted).
# Usage: e2e.sh BUILDDIR SOURCEDIR CORPUSDIR MKBOOTDATA (the corpus is optional)
set -u
build=$1
src=$2
corpus=$3
mkbootdata=$4
. "$src/tests/tap.sh"
. "$src/tests/swtpm.sh"
. "$src/tests/swtpm-ek.sh"
tools=$build/tools
edit="python3 $src/tests/e2e/msgedit.py"
schema=$src/schema/tcglog-dha-report.xsd
tmp=$(mktemp -d)
SWTPM_B_PID=
trap 'swtpm_stop; [ -z "$SWTPM_B_PID" ] || kill "$SWTPM_B_PID" 2>/dev/null; rm -rf "$tmp"' EXIT

if missing=$(swtpm_ek_have_tools); then :; else
	skip "dha end to end" "$missing is missing"
	tap_end
	exit 0
fi
# A real Windows boot from the corpus where it is present, else the project's
# own Windows 11 fixture (compliant, every Microsoft element); a second log
# that does not replay to the first one's PCRs, from the same source.
log=$corpus/guard-oss/tpm2_windows_lenovo_yogax1v2
other_log=$corpus/uefi-eventlog/thinkpad/p511.bin
if [ ! -f "$log" ] || [ ! -f "$other_log" ]; then
	log=$src/fixtures/windows11.bin
	other_log=$src/fixtures/linux-shim-grub.bin
fi
diag "boot log: $log"
policy=$src/policies/windows-dha.yaml
dev=kiosk-7
ak_handle=0x81020001                             # dha-bootdata's default
selection=sha256:0,1,2,3,4,5,6,7,11,12,13,14     # and its default for a Windows log

server() { "$tools/dha-server" --state "$tmp/server" "$@"; }
device() { "$tools/dha-device" --state "$tmp/device" "$@"; }
# rule_in FILE RULE: the tool named the rule on standard error.
rule_in() { grep -q -- "$2" "$1"; }
valid() { xmllint --noout --schema "$schema" "$1" 2>/dev/null; }
claim() { $edit "$1" get "$2" 2>/dev/null; }

# A fresh TPM with EK certificates, the Windows boot played into it, a fresh
# service trusting that TPM's CA, and the device's EncBlob issued and kept.
# fresh EKALG
fresh() {
	swtpm_stop
	rm -rf "$tmp/tpm" "$tmp/server" "$tmp/device"
	swtpm_ek_setup "$tmp/tpm" && swtpm_ek_start "$tmp/tpm" &&
		"$tools/tcglog-play" "$log" >/dev/null 2>&1 &&
		server init --ca "$(swtpm_ek_root "$tmp/tpm")" \
			--untrusted "$(swtpm_ek_issuer "$tmp/tpm")" 2>/dev/null &&
		device bootdata -- --device "$dev" --log "$log" --ek-alg "$1" >"$tmp/bootdata.yaml" &&
		server issue <"$tmp/bootdata.yaml" >"$tmp/reply.yaml" &&
		device activate <"$tmp/reply.yaml" 2>/dev/null
}

# signed [DEVICE-FOR-NONCE [TTL]]: a fresh nonce and the device's quote over it.
signed() {
	server nonce "${1:-$dev}" -- --ttl "${2:-300}" | device quote
}

for ek in rsa ecc; do
	if ! fresh "$ek"; then
		not_ok "$ek EK: boot data issued and activated on swtpm"
		continue
	fi
	ok "$ek EK: boot data issued and activated on swtpm"
	signed >"$tmp/signed.yaml"
	server verify <"$tmp/signed.yaml" >"$tmp/claims.yaml" 2>"$tmp/err"
	check "$ek EK: the signed quote verifies (exit 0)" test $? -eq 0
	server report "$policy" <"$tmp/claims.yaml" >"$tmp/report.xml" 2>"$tmp/err"
	check "$ek EK: compliant under windows-dha (exit 0)" test $? -eq 0
	check "$ek EK: the report validates against the schema" valid "$tmp/report.xml"
	check "$ek EK: the report says the AIK is present (verified against the EK)" \
		grep -q 'path="health.AIKPresent"[^>]*>true<' "$tmp/report.xml"
	check "$ek EK: ResetCount is the TPM's own (tpm2_readclock)" test \
		"$(claim "$tmp/claims.yaml" health.ResetCount)" = \
		"$(tpm2_readclock | sed -n 's/^ *reset_count: *//p')"
done

# Every refusal below starts from the RSA device.
fresh rsa || not_ok "fresh RSA device for the refusals"

# Replay: the same signedblob twice.
signed >"$tmp/signed.yaml"
server verify <"$tmp/signed.yaml" >/dev/null 2>&1
server verify <"$tmp/signed.yaml" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "the same signedblob twice: refused (exit 1), nonce-unknown" \
	test $rc -eq 1 -a "$(claim "$tmp/out" verification.verified)" = False
check "... and the rule is named" rule_in "$tmp/err" nonce-unknown

# A nonce issued for another device.
signed other-device >"$tmp/signed.yaml"
server verify <"$tmp/signed.yaml" >/dev/null 2>"$tmp/err"
check "a nonce of another device: refused (exit 1), nonce-device-mismatch" \
	test $? -eq 1 -a -n "$(grep nonce-device-mismatch "$tmp/err")"

# An expired nonce.
signed "$dev" 1 >"$tmp/signed.yaml"
sleep 2
server verify <"$tmp/signed.yaml" >/dev/null 2>"$tmp/err"
check "an expired nonce: refused (exit 1), nonce-expired" \
	test $? -eq 1 -a -n "$(grep nonce-expired "$tmp/err")"

# A bit flipped in the EncBlob: magic, version, key id, GCM nonce,
# ciphertext, tag. None of them burns the nonce.
signed >"$tmp/signed.yaml"
for at in 0 4 5 12 13 24 25 100 -17 -1; do
	$edit "$tmp/signed.yaml" flip encblob "$at" >"$tmp/flipped.yaml"
	server verify <"$tmp/flipped.yaml" >/dev/null 2>"$tmp/err"
	rc=$?
	check "EncBlob bit flipped at byte $at: refused (exit $rc), rule $(grep -o 'blob-[a-z-]*' "$tmp/err" | head -1)" \
		test $rc -ge 1 -a -n "$(grep -E 'blob-(format|key-unknown|auth)' "$tmp/err")"
done
server verify <"$tmp/signed.yaml" >/dev/null 2>"$tmp/err"
check "... and the untouched signedblob still verifies: its nonce was not burned" test $? -eq 0

# An EncBlob sealed under another service key.
"$tools/dha-server" --state "$tmp/server2" init --ca "$(swtpm_ek_root "$tmp/tpm")" \
	--untrusted "$(swtpm_ek_issuer "$tmp/tpm")" 2>/dev/null
"$tools/dha-server" --state "$tmp/server2" issue <"$tmp/bootdata.yaml" |
	"$tools/dha-device" --state "$tmp/device2" activate 2>/dev/null
server nonce "$dev" | "$tools/dha-device" --state "$tmp/device2" quote >"$tmp/signed.yaml"
server verify <"$tmp/signed.yaml" >/dev/null 2>"$tmp/err"
check "an EncBlob sealed under another service key: refused (exit 1), blob-key-unknown" \
	test $? -eq 1 -a -n "$(grep blob-key-unknown "$tmp/err")"

# A second TPM with a CA of its own: an EncBlob made for one device's TPM is
# useless to another, another device's quote does not go with this device's
# EncBlob, and the service trusts only the CA it was given.
tcti_a=$TPM2TOOLS_TCTI
pid_a=$SWTPM_PID
SWTPM_PID=
swtpm_ek_setup "$tmp/tpm-b" >/dev/null 2>&1 && swtpm_ek_start "$tmp/tpm-b"
SWTPM_B_PID=$SWTPM_PID
tcti_b=$TPM2TOOLS_TCTI
SWTPM_PID=$pid_a
TPM2TOOLS_TCTI=$tcti_a
export TPM2TOOLS_TCTI
device_b() { "$tools/dha-device" --tcti "$tcti_b" --state "$tmp/device-b" "$@"; }

device_b activate <"$tmp/reply.yaml" >/dev/null 2>"$tmp/err"
check "the reply for TPM A cannot be activated on TPM B (exit 1)" test $? -eq 1
diag "$(head -1 "$tmp/err")"
"$tools/tcglog-play" --tcti "$tcti_b" "$log" >/dev/null 2>&1
"$tools/dha-server" --state "$tmp/server-b" init --ca "$(swtpm_ek_root "$tmp/tpm-b")" \
	--untrusted "$(swtpm_ek_issuer "$tmp/tpm-b")" 2>/dev/null
device_b bootdata -- --device "$dev" --log "$log" >"$tmp/bootdata-b.yaml"
"$tools/dha-server" --state "$tmp/server-b" issue <"$tmp/bootdata-b.yaml" |
	device_b activate 2>/dev/null
server nonce "$dev" | device_b quote >"$tmp/signed-b.yaml"
signed >"$tmp/signed-a.yaml"
$edit "$tmp/signed-b.yaml" take encblob "$tmp/signed-a.yaml" >"$tmp/mixed.yaml"
server verify <"$tmp/mixed.yaml" >/dev/null 2>"$tmp/err"
check "device A's EncBlob with TPM B's quote: refused (exit 1)" test $? -eq 1
diag "$(head -1 "$tmp/err")"
server verify <"$tmp/signed-a.yaml" >/dev/null 2>&1
check "... and device A's own signedblob still verifies: its nonce was not burned" test $? -eq 0

# Boot data naming TPM A's EK with TPM B's AK (quoted by B over the binding of
# exactly those fields): the service cannot tell, but the reply it issues is
# useless on both TPMs -- MakeCredential ties the key to A's EK and B's AK.
for f in log ek-public ek-certificate; do
	$edit "$tmp/bootdata.yaml" get "$f" | xxd -r -p >"$tmp/mix-$f"
done
$edit "$tmp/bootdata-b.yaml" get ak-public | xxd -r -p >"$tmp/mix-ak-public"
binding=$("$mkbootdata" binding "$dev" "$tmp/mix-log" "$tmp/mix-ek-public" \
	"$tmp/mix-ek-certificate" "$tmp/mix-ak-public")
TPM2TOOLS_TCTI=$tcti_b tpm2_quote -c "$ak_handle" -l "$selection" -q "$binding" -g sha256 \
	-m "$tmp/mix.attest" -s "$tmp/mix.sig" -o "$tmp/mix.pcrs" >/dev/null 2>&1
"$mkbootdata" message "$dev" "$tmp/mix-log" "$tmp/mix-ek-public" "$tmp/mix-ek-certificate" \
	"$tmp/mix-ak-public" "$tmp/mix.attest" "$tmp/mix.sig" "$tmp/mix.pcrs" >"$tmp/mix.yaml"
server issue <"$tmp/mix.yaml" >"$tmp/mix-reply.yaml" 2>"$tmp/err"
check "boot data with TPM A's EK and TPM B's AK: the service issues (it cannot tell)" \
	test $? -eq 0 -a -s "$tmp/mix-reply.yaml"
"$tools/dha-device" --state "$tmp/device-mix" activate <"$tmp/mix-reply.yaml" \
	>/dev/null 2>"$tmp/err"
check "... but TPM A cannot activate the reply (exit 1, credential-activate)" \
	test $? -eq 1 -a -n "$(grep credential-activate "$tmp/err")"
"$tools/dha-device" --tcti "$tcti_b" --state "$tmp/device-mix" activate \
	<"$tmp/mix-reply.yaml" >/dev/null 2>"$tmp/err"
check "... nor can TPM B (exit 1, credential-activate)" \
	test $? -eq 1 -a -n "$(grep credential-activate "$tmp/err")"

# A device name belongs to one TPM: a service trusting both TPMs' CAs. TPM B
# asks for an EncBlob under A's name (kiosk-7) after A enrolled: refused until
# the operator re-binds the name; a closed registry refuses unknown names.
srv_ab() { "$tools/dha-server" --state "$tmp/server-ab" "$@"; }
srv_ab init --ca "$(swtpm_ek_root "$tmp/tpm")" --untrusted "$(swtpm_ek_issuer "$tmp/tpm")" \
	--ca "$(swtpm_ek_root "$tmp/tpm-b")" --untrusted "$(swtpm_ek_issuer "$tmp/tpm-b")" 2>/dev/null
srv_ab issue <"$tmp/bootdata.yaml" >"$tmp/out" 2>"$tmp/err"
check "registry: A's boot data under kiosk-7 issued (first enrolment)" \
	test $? -eq 0 -a -s "$tmp/out" || diag "$(cat "$tmp/err")"
# TPM A keeps that EncBlob: still valid for a day, whatever the operator does.
rm -rf "$tmp/device-abA"
"$tools/dha-device" --state "$tmp/device-abA" activate <"$tmp/out" 2>"$tmp/err"
check "... and activated on A" test $? -eq 0 || diag "$(cat "$tmp/err")"
$edit "$tmp/bootdata.yaml" get ek-certificate | xxd -r -p >"$tmp/ekA.der"
$edit "$tmp/bootdata-b.yaml" get ek-certificate | xxd -r -p >"$tmp/ekB.der"
check "... kiosk-7 is bound to sha256sum of A's EK certificate" test \
	"$("$tools/dha-nonce" --store "$tmp/server-ab/nonces.sqlite" device "$dev" 2>&1)" = \
	"$(sha256sum <"$tmp/ekA.der" | cut -d' ' -f1)"
srv_ab issue <"$tmp/bootdata-b.yaml" >"$tmp/out" 2>"$tmp/err"
check "TPM B (trusted EK certificate) under A's name: refused (exit 1), device-ek-mismatch, nothing issued" \
	test $? -eq 1 -a -n "$(grep device-ek-mismatch "$tmp/err")" -a ! -s "$tmp/out"
srv_ab enroll "$dev" "$tmp/ekB.der" >/dev/null 2>"$tmp/err"
check "enroll without --rebind over A's binding: refused (exit 1), device-enrolled" \
	test $? -eq 1 -a -n "$(grep device-enrolled "$tmp/err")"
srv_ab enroll --rebind "$dev" "$tmp/ekB.der" 2>"$tmp/err"
check "the operator re-binds kiosk-7 to TPM B (enroll --rebind, exit 0)" test $? -eq 0 ||
	diag "$(cat "$tmp/err")"
rm -rf "$tmp/device-ab"
srv_ab issue <"$tmp/bootdata-b.yaml" 2>"$tmp/err" |
	"$tools/dha-device" --tcti "$tcti_b" --state "$tmp/device-ab" activate 2>>"$tmp/err"
check "... then TPM B's boot data is issued and activated on B" test $? -eq 0 ||
	diag "$(cat "$tmp/err")"
srv_ab nonce "$dev" | "$tools/dha-device" --tcti "$tcti_b" --state "$tmp/device-ab" quote |
	srv_ab verify >/dev/null 2>"$tmp/err"
check "... and B's quote for kiosk-7 verifies (exit 0)" test $? -eq 0 || diag "$(cat "$tmp/err")"
# The re-bind revokes: A's old EncBlob with A's fresh, genuine quote.
srv_ab nonce "$dev" | "$tools/dha-device" --state "$tmp/device-abA" quote >"$tmp/signed-old.yaml"
srv_ab verify <"$tmp/signed-old.yaml" >"$tmp/out" 2>"$tmp/err"
check "after the re-bind, A's old EncBlob with A's fresh quote: refused (exit 1), device-ek-rebound" \
	test $? -eq 1 -a -n "$(grep device-ek-rebound "$tmp/err")" \
	-a "$(claim "$tmp/out" verification.verified)" = False \
	-a "$(claim "$tmp/out" verification.rule)" = device-ek-rebound ||
	diag "$(cat "$tmp/err")"
check "... the message names A's certificate digest (sha256sum)" \
	grep -q "$(sha256sum <"$tmp/ekA.der" | cut -c1-64)" "$tmp/err"
"$tools/dha-nonce" --store "$tmp/server-ab/nonces.sqlite" consume "$dev" \
	"$(claim "$tmp/signed-old.yaml" nonce)" 2>"$tmp/err"
check "... and its nonce was not consumed (dha-nonce consume takes it, exit 0)" test $? -eq 0 ||
	diag "$(cat "$tmp/err")"
srv_ab issue <"$tmp/bootdata.yaml" >"$tmp/out" 2>"$tmp/err"
check "... while A's boot data under kiosk-7 is now refused (device-ek-mismatch)" \
	test $? -eq 1 -a -n "$(grep device-ek-mismatch "$tmp/err")" -a ! -s "$tmp/out"

srv_c() { "$tools/dha-server" --state "$tmp/server-c" "$@"; }
srv_c init --closed --ca "$(swtpm_ek_root "$tmp/tpm")" \
	--untrusted "$(swtpm_ek_issuer "$tmp/tpm")" 2>/dev/null
srv_c nonce "$dev" >"$tmp/out" 2>"$tmp/err"
check "closed registry: no nonce for an unknown name (exit 1, device-unknown)" \
	test $? -eq 1 -a -n "$(grep device-unknown "$tmp/err")" -a ! -s "$tmp/out"
srv_c issue <"$tmp/bootdata.yaml" >"$tmp/out" 2>"$tmp/err"
check "closed registry: no EncBlob for an unknown name (exit 1, device-unknown)" \
	test $? -eq 1 -a -n "$(grep device-unknown "$tmp/err")" -a ! -s "$tmp/out"
srv_c enroll "$dev" "$tmp/ekA.der" 2>"$tmp/err"
rm -rf "$tmp/device-c"
srv_c issue <"$tmp/bootdata.yaml" 2>"$tmp/err" |
	"$tools/dha-device" --state "$tmp/device-c" activate 2>>"$tmp/err" &&
	srv_c nonce "$dev" | "$tools/dha-device" --state "$tmp/device-c" quote |
	srv_c verify >/dev/null 2>>"$tmp/err"
check "closed registry, kiosk-7 pre-registered with A's certificate: issued and verified" \
	test $? -eq 0 || diag "$(cat "$tmp/err")"
srv_c init --open 2>/dev/null
srv_c nonce other-device >/dev/null 2>"$tmp/err"
check "init --open: a nonce for an unknown name again" test $? -eq 0

# The service decides what is quoted: required PCRs kept in the state.
srv_r() { "$tools/dha-server" --state "$tmp/server-r" "$@"; }
srv_r init --ca "$(swtpm_ek_root "$tmp/tpm")" --untrusted "$(swtpm_ek_issuer "$tmp/tpm")" \
	--require-pcrs windows=sha256:0,1,2,3,4,5,6,7,8,9,11,12,13,14 2>/dev/null
srv_r issue <"$tmp/bootdata.yaml" >"$tmp/out" 2>"$tmp/err"
check "init --require-pcrs adding PCRs 8, 9: the default quote is refused (selection-insufficient)" \
	test $? -eq 1 -a -n "$(grep 'selection-insufficient.*8,9' "$tmp/err")" -a ! -s "$tmp/out"
srv_r init --require-pcrs sha256:0,16 >/dev/null 2>"$tmp/err"
check "init --require-pcrs naming PCR 16: exit 2, dha-require-pcrs" \
	test $? -eq 2 -a -n "$(grep dha-require-pcrs "$tmp/err")"
srv_r issue <"$tmp/bootdata.yaml" >/dev/null 2>"$tmp/err"
check "... and the requirement kept is the earlier one" \
	grep -q 'selection-insufficient.*8,9' "$tmp/err"
SEL16=sha256:16
TPM2TOOLS_TCTI=$tcti_b tpm2_quote -c "$ak_handle" -l "$SEL16" -q "$binding" -g sha256 \
	-m "$tmp/q16.attest" -s "$tmp/q16.sig" -o "$tmp/q16.pcrs" >/dev/null 2>&1
"$mkbootdata" message "$dev" "$tmp/mix-log" "$tmp/mix-ek-public" "$tmp/mix-ek-certificate" \
	"$tmp/mix-ak-public" "$tmp/q16.attest" "$tmp/q16.sig" "$tmp/q16.pcrs" >"$tmp/q16.yaml"
server issue <"$tmp/q16.yaml" >"$tmp/out" 2>"$tmp/err"
check "boot data quoting sha256:16 alone: refused (exit 1), quote-selection-resettable" \
	test $? -eq 1 -a -n "$(grep quote-selection-resettable "$tmp/err")" -a ! -s "$tmp/out"

# Boot data whose EK certificate chains to no root the service trusts.
"$tools/dha-server" --state "$tmp/server3" init --ca "$(swtpm_ek_root "$tmp/tpm-b")" 2>/dev/null
"$tools/dha-server" --state "$tmp/server3" issue <"$tmp/bootdata.yaml" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "EK certificate from an untrusted CA: refused (exit $rc), nothing issued" \
	test $rc -eq 1 -a ! -s "$tmp/out"
check "... the chain rule is named" grep -q 'ekcert-chain\|ekcert-issuer\|chain' "$tmp/err"

# Boot data whose log does not replay to its quote.
device bootdata -- --device "$dev" --log "$other_log" >"$tmp/bad-log.yaml"
server issue <"$tmp/bad-log.yaml" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "boot data whose log does not replay to its quote: refused (exit $rc), nothing issued" \
	test $rc -eq 1 -a ! -s "$tmp/out"
diag "$(head -2 "$tmp/err")"

# Two verifiers race on one signedblob: exactly one accepts, every round.
wins_ok=0
for _ in $(seq 10); do
	signed >"$tmp/race.yaml" 2>/dev/null
	server verify <"$tmp/race.yaml" >/dev/null 2>&1 &
	p1=$!
	server verify <"$tmp/race.yaml" >/dev/null 2>&1 &
	p2=$!
	wait $p1
	r1=$?
	wait $p2
	r2=$?
	[ $((r1 == 0)) -ne $((r2 == 0)) ] && wins_ok=$((wins_ok + 1))
done
check "two verifiers racing on one signedblob: exactly one accepts, 10 rounds of 10" test $wins_ok -eq 10

# A PCR extended after boot data: the PCR mismatch flag.
tpm2_pcrextend "12:sha256=$(printf '%064x' 7)" >/dev/null 2>&1
signed >"$tmp/signed.yaml"
server verify <"$tmp/signed.yaml" >"$tmp/claims.yaml" 2>"$tmp/err"
check "a PCR extended after boot data: refused (exit 1)" test $? -eq 1
check "... with the PCR mismatch flag set" \
	test "$(claim "$tmp/claims.yaml" verification.mismatch.PCR)" = True
server report "$policy" <"$tmp/claims.yaml" >"$tmp/report.xml" 2>/dev/null
check "... the report is non-compliant (exit 1) with HealthStatusMismatchFlags PCR true" \
	grep -q '<PCR>true</PCR>' "$tmp/report.xml"
check "... and validates against the schema" valid "$tmp/report.xml"

# The TPM restarted between boot data and quote: the reboot flag. An orderly
# shutdown first, as an OS does, so the TPM's clock stays safe.
tpm2_shutdown -c >/dev/null 2>&1
swtpm_stop
swtpm_ek_start "$tmp/tpm"
"$tools/tcglog-play" "$log" >/dev/null 2>&1
signed >"$tmp/signed.yaml"
server verify <"$tmp/signed.yaml" >"$tmp/claims.yaml" 2>"$tmp/err"
check "the TPM restarted since boot data: refused (exit 1)" test $? -eq 1
check "... with the reboot flag set" \
	test "$(claim "$tmp/claims.yaml" verification.mismatch.RebootCount)" = True

# The role scripts: usage and their own refusals.
"$tools/dha-device" --help >"$tmp/out" 2>&1
check "dha-device --help (exit 0) names its steps" grep -q 'activate' "$tmp/out"
"$tools/dha-server" --help >"$tmp/out" 2>&1
check "dha-server --help (exit 0) names its steps" grep -q 'rotate' "$tmp/out"
"$tools/dha-device" frobnicate >/dev/null 2>"$tmp/err"
check "dha-device with an unknown step: exit 2" test $? -eq 2
echo 00 | "$tools/dha-device" --state "$tmp/nowhere" quote >/dev/null 2>"$tmp/err"
check "dha-device quote before activate: exit 2, says so" test $? -eq 2 -a -n "$(grep activate "$tmp/err")"
"$tools/dha-server" --state "$tmp/nowhere" verify </dev/null >/dev/null 2>"$tmp/err"
check "dha-server verify without init: exit 3, says so" test $? -eq 3 -a -n "$(grep init "$tmp/err")"

# Key rotation: EncBlobs sealed under the retired key still verify.
swtpm_stop
fresh rsa
server rotate 2>/dev/null
signed >"$tmp/signed.yaml"
server verify <"$tmp/signed.yaml" >/dev/null 2>"$tmp/err"
check "after rotate, an EncBlob sealed under the retired key verifies" test $? -eq 0
rm -f "$tmp"/server/retired/*.key
signed >"$tmp/signed.yaml"
server verify <"$tmp/signed.yaml" >/dev/null 2>"$tmp/err"
check "... and is refused once the retired key is deleted (blob-key-unknown)" \
	grep -q blob-key-unknown "$tmp/err"

# The main job: make demo's script, on its own TPM.
swtpm_stop
sh "$src/demo/dha-demo.sh" "$build" "$src" "$corpus" >"$tmp/demo.out" 2>"$tmp/demo.err"
check "the demo runs end to end (exit 0)" test $? -eq 0
check "... prints the DHA-Report" grep -q 'HealthCertificateValidationResponse' "$tmp/demo.out"
check "... and a compliant verdict in its summary" grep -q '^verdict: *compliant' "$tmp/demo.out"
tap_end
