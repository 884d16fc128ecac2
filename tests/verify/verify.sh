#!/bin/sh
# dha-verify end to end on swtpm, evidence made WITHOUT our device tools:
# tpm2_createek / tpm2_createak / tpm2_pcrextend / tpm2_quote on the device,
# an EncBlob sealed by the test helper mkencblob from that evidence, nonces from
# dha-nonce. The happy path is checked against tpm2_readclock and dha-policy;
# every refusal is made from the attacker's side (exit 1 or 2, the rule named,
# a dha-claims document with verified: false, and the nonce left alone when the
# quote is not the device's). Racing and killed verifiers, and batches.
# Usage: verify.sh BUILDDIR CORPUSDIR SOURCEDIR MKENCBLOB
set -u
build=$1
corpus=$2
src=$3
mkencblob=$4
# meson passes targets relative to its working directory; this script moves.
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
build=$(abs "$build")
corpus=$(abs "$corpus")
src=$(abs "$src")
mkencblob=$(abs "$mkencblob")
. "$src/tests/tap.sh"
. "$src/tests/swtpm.sh"
. "$src/tests/swtpm-ek.sh"
. "$src/tests/store/pg.sh"
dv=$build/tools/dha-verify
dn=$build/tools/dha-nonce
dp=$build/tools/dha-policy
claims_tool=$build/tools/tcglog-claims
schema=$src/schema/tcglog-dha-report.xsd
ROUNDS=${VERIFY_RACE_ROUNDS:-50}
KILLS=${VERIFY_KILL_ROUNDS:-12}
tmp=$(mktemp -d)
PID_A=
PID_B=
stop_all() {
	for p in $PID_A $PID_B; do
		SWTPM_PID=$p
		swtpm_stop
	done
	PID_A=
	PID_B=
}
trap 'stop_all; pg_stop; [ -n "${VERIFY_KEEP:-}" ] || rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

for tool in swtpm tpm2_createak tpm2_quote tpm2_readclock tpm2_pcrextend tpm2_evictcontrol \
		swtpm_ioctl xxd xmllint sqlite3 ss jq; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		skip "dha-verify on swtpm" "$tool is not installed"
		tap_end
		exit 0
	fi
done

# --- the device's claims: a real Windows boot (or a generated log without the corpus) ---
win=$corpus/guard-oss/dell-notebook-5eventlogs-WBCL.evidence.eventlog.4
if [ -f "$win.bin" ]; then
	pcrs_from_json "$win.expected-pcrs.json" >boot.pcrs
	"$claims_tool" --pcrs boot.pcrs "$win.bin" >claims.yaml 2>claims.err
else
	diag "no corpus at $corpus: claims of a generated log"
	"$build/tests/mklog" strings >boot.bin
	"$build/tools/tcglog-replay" boot.bin >boot.pcrs
	"$claims_tool" --pcrs boot.pcrs boot.bin >claims.yaml 2>claims.err
fi
check "claims for the EncBlob (tcglog-claims exit 0)" test -s claims.yaml
"$dp" init --from claims.yaml >policy.yaml 2>/dev/null
check "a policy that passes that boot (dha-policy init)" test -s policy.yaml

# --- two TPMs: A (with EK certificates from swtpm's CA when swtpm_setup is there) and B ---
start_tpm() { # DIR: a TPM with EK certificates, or a plain one
	if swtpm_ek_have_tools >/dev/null && swtpm_ek_setup "$1"; then
		swtpm_ek_start "$1"
	else
		swtpm_start "$1/state"
	fi
}
if ! start_tpm "$tmp/tpmB"; then not_ok "swtpm B starts"; tap_end; exit 1; fi
PID_B=$SWTPM_PID
TCTI_B=$TPM2TOOLS_TCTI
if ! start_tpm "$tmp/tpmA"; then not_ok "swtpm A starts"; tap_end; exit 1; fi
PID_A=$SWTPM_PID
TCTI_A=$TPM2TOOLS_TCTI
port_A=$swtpm_port

# No resource manager: flush transient objects after each command.
t() { "$@" >/dev/null 2>>"$tmp/tpm.err" && tpm2_flushcontext -t >/dev/null 2>&1; }
AK=0x81020001
AK2=0x81020002
AKECC=0x81020003
mkak() { # HANDLE ALG SCHEME: an AK under the RSA EK, kept at HANDLE
	t tpm2_createek -c ek.ctx -G rsa -u ek.pub &&
	t tpm2_createak -C ek.ctx -c ak.ctx -G "$2" -g sha256 -s "$3" -u "ak-$1.pub" -n "ak-$1.name" &&
	t tpm2_evictcontrol -C o -c ak.ctx "$1"
}
check "device A: EK and RSA AK (tpm2_createek, tpm2_createak)" mkak $AK rsa rsassa
check "device A: a second AK" mkak $AK2 rsa rsassa
check "device A: an ECC AK" mkak $AKECC ecc ecdsa
cp "ak-$AK.pub" akA.pub
cp "ak-$AK.name" akA.name
TPM2TOOLS_TCTI=$TCTI_B
check "device B: EK and AK" mkak $AK rsa rsassa
TPM2TOOLS_TCTI=$TCTI_A
tpm2_nvread "$SWTPM_EK_RSA_NV" -C "$SWTPM_EK_RSA_NV" -o ekcert.der >/dev/null 2>&1 ||
	head -c 600 /dev/urandom >ekcert.der

# The boot: a few extends, then the boot-data quote (any qualifying data).
SEL=sha256:0,1,2,7
extend_boot() {
	for i in 1 2 3; do
		tpm2_pcrextend "$i:sha256=$(printf '%064x' $((i * 17)))" || return 1
	done
	tpm2_pcrextend "7:sha256=$(printf '%064x' 7)"
}
check "device A: PCR extends (tpm2_pcrextend)" extend_boot
bootquote() { # AKHANDLE PREFIX: the boot-data quote
	t tpm2_quote -c "$1" -l "$SEL" -q 0badcafe -m "$2.msg" -s "$2.sig" -o "$2.pcrs"
}
check "device A: boot-data quote (tpm2_quote)" bootquote $AK boot

head -c 32 /dev/urandom >key
head -c 32 /dev/urandom >key2
chmod 600 key key2
# The device is bound to ekcert.der in the registry of ${STORE:-st.db}, as
# dha-issue binds it (dha-verify refuses a name bound to another certificate).
mkblob() { # OUT AKPUB BOOTPREFIX [DEVICE] [KEY] [extra mkencblob options]
	o=$1 p=$2 q=$3 d=${4:-devA} k=${5:-key}
	shift 3; [ $# -gt 0 ] && shift; [ $# -gt 0 ] && shift
	"$mkencblob" --key "$k" --device "$d" --ak-public "$p" --ek-cert ekcert.der \
		--attest "$q.msg" --pcrs "$q.pcrs" --claims claims.yaml \
		--store "${STORE:-st.db}" "$@" -o "$o"
}
mkblob encA.bin akA.pub boot 2>mk.err
check "EncBlob of device A sealed (mkencblob)" test $? = 0
[ -s mk.err ] && diag "$(cat mk.err)"

b64() { base64 -w0 "$1"; }
hexb64() { printf '%s' "$1" | xxd -r -p | base64 -w0; }
# sbwrite OUT DEVICE NONCE QUOTEPREFIX ENCBLOB: a dha-signedblob by hand
sbwrite() {
	cat >"$1" <<EOF
kind: dha-signedblob
version: 1
device: $2
nonce: $(hexb64 "$3")
quote:
  attest: $(b64 "$4.msg")
  signature: $(b64 "$4.sig")
encblob: $(b64 "$5")
EOF
}
# signed OUT [DEVICE] [ENCBLOB] [AKHANDLE] [NONCE-DEVICE]: a fresh nonce for
# NONCE-DEVICE, quoted by AKHANDLE on the current TPM; the nonce in OUT.nonce
signed() {
	s_out=$1 s_dev=${2:-devA} s_enc=${3:-encA.bin} s_ak=${4:-$AK} s_ndev=${5:-${2:-devA}}
	s_n=$("$dn" --store "${STORE:-st.db}" issue "$s_ndev") || return 1
	printf '%s\n' "$s_n" >"$s_out.nonce"
	t tpm2_quote -c "$s_ak" -l "$SEL" -q "$s_n" -m "$s_out.msg" -s "$s_out.sig" || return 1
	sbwrite "$s_out" "$s_dev" "$s_n" "$s_out" "$s_enc"
}
present() { sqlite3 st.db "SELECT count(*) FROM nonces WHERE nonce = X'$1'"; }
docs() { grep -c '^kind: "dha-claims"' "$1"; }

# Whose refusal it is (dha-verify(1)): only one after an authentic quote by
# the sealed AK over a nonce consumed for the device is the device's own.
attributed_for() {
	case $1 in
	dha-reboot | dha-resume | dha-pcr-mismatch | dha-clock-unsafe) echo true ;;
	*) echo false ;;
	esac
}
# run NAME STATUS RULE [dha-verify args...]: exit STATUS, RULE on stderr, and
# for a refusal one document with verified: false naming RULE, attributed to
# the device only for the rules above.
run() {
	r_name=$1 r_want=$2 r_rule=$3; shift 3
	"$dv" "$@" >out.yaml 2>err.txt; r_got=$?
	if [ "$r_got" -ne "$r_want" ]; then
		not_ok "$r_name"; diag "exit $r_got, wanted $r_want ($r_rule)" "$(cat err.txt)"
		return
	fi
	if [ -n "$r_rule" ] && ! { grep -q -- "$r_rule" err.txt &&
	    grep -q "^  verified: false" out.yaml && grep -q "^  result: \"failed\"" out.yaml &&
	    grep -q "^  rule: \"$r_rule\"" out.yaml &&
	    grep -q "^  attributed: $(attributed_for "$r_rule")\$" out.yaml; }; then
		not_ok "$r_name"; diag "rule $r_rule not named, or not attributed as it should be" \
			"$(cat err.txt out.yaml)"
		return
	fi
	ok "$r_name"
}
V="--key key --store st.db"

# --- usage ---
"$dv" --help >help.txt 2>&1
check "--help (exit 0) shows the options" grep -q -- "--store FILE" help.txt
run "no --key: exit 2" 2 "" --store st.db
run "no --store: exit 2" 2 "" --key key
chmod 644 key2
run "a key others can read: exit 3 (key-permissions)" 3 "" --key key2 --store st.db /dev/null
grep -q key-permissions err.txt && ok "... named key-permissions" || not_ok "... named key-permissions"
chmod 600 key2
run "a store that is a directory: exit 3" 3 "" --key key --store "$tmp" /dev/null

# --- the happy path ---
signed sb1.yaml
run "happy path: exit 0" 0 "" $V sb1.yaml
cp out.yaml verified.yaml
tpm2_readclock >clock.yaml 2>/dev/null
rc_tpm=$(sed -n 's/^ *reset_count: *//p' clock.yaml)
rs_tpm=$(sed -n 's/^ *restart_count: *//p' clock.yaml)
check "verified: true, pcrs: quote" \
	test -n "$(grep '^  verified: true' verified.yaml)" -a -n "$(grep '^  pcrs: "quote"' verified.yaml)"
check "health.AIKPresent: true" grep -q '^  AIKPresent: true' verified.yaml
check "health.ResetCount equals tpm2_readclock's reset_count ($rc_tpm)" \
	grep -q "^  ResetCount: $rc_tpm\$" verified.yaml
check "health.RestartCount equals tpm2_readclock's restart_count ($rs_tpm)" \
	grep -q "^  RestartCount: $rs_tpm\$" verified.yaml
check "health.TpmVersion: 2" grep -q '^  TpmVersion: 2$' verified.yaml
check "verification.dha names the device and the nonce" \
	grep -q "^    nonce: \"$(cat sb1.yaml.nonce)\"" verified.yaml
akname=$(xxd -p -c 100 akA.name)
check "verification.dha.ak-name is tpm2_createak's name" grep -q "ak-name: \"$akname\"" verified.yaml
check "the nonce is consumed" [ "$(present "$(cat sb1.yaml.nonce)")" = 0 ]
"$dp" policy.yaml verified.yaml >report.xml 2>policy.err
check "the verified claims under the boot's policy: compliant (dha-policy exit 0)" test $? -eq 0
check "... the report validates against the schema" \
	xmllint --noout --schema "$schema" report.xml 2>/dev/null
check "... ErrorCode 0, no mismatch flags" \
	test -n "$(grep 'ErrorCode="0"' report.xml)" -a -z "$(grep HealthStatusMismatchFlags report.xml)"

# Claims with every health element: Microsoft's HealthCertificateProperties
# get AIKPresent and the counts of the current quote.
cat >full-claims.yaml <<'EOF'
kind: dha-claims
version: 1
verification:
  verified: true
  pcrs: "pcrs-file"
health:
  SecureBootEnabled: true
  BootDebuggingEnabled: false
  OSKernelDebuggingEnabled: false
  CodeIntegrityEnabled: true
  TestSigningEnabled: false
  SafeMode: false
  WinPE: false
  ELAMDriverLoaded: true
  VSMEnabled: false
  DEPPolicy: 1
  BitlockerStatus: 1
  BootManagerRevListVersion: 0
  CodeIntegrityRevListVersion: 0
  BootAppSVN: 1
  BootManagerSVN: 1
  PCR0: "06a3d26102e0fe2448b565568ca56a72aebb6082954d2bcf2b4fc9cbcd9f2484"
  PCRHashAlgorithmID: 11
EOF
cp claims.yaml claims.orig && cp full-claims.yaml claims.yaml
mkblob encFull.bin akA.pub boot
cp claims.orig claims.yaml
signed sbf.yaml devA encFull.bin
run "claims with every health element: exit 0" 0 "" $V sbf.yaml
"$dp" policy.yaml out.yaml >full.xml 2>/dev/null
check "... the report has HealthCertificateProperties with AIKPresent true" \
	grep -q '<AIKPresent>true</AIKPresent>' full.xml
check "... and ResetCount $rc_tpm, RestartCount $rs_tpm, TpmVersion 2" \
	test -n "$(grep "<ResetCount>$rc_tpm</ResetCount>" full.xml)" \
	-a -n "$(grep "<RestartCount>$rs_tpm</RestartCount>" full.xml)" \
	-a -n "$(grep '<TpmVersion>2</TpmVersion>' full.xml)"
check "... and validates" xmllint --noout --schema "$schema" full.xml 2>/dev/null

# ECC AK
bootquote $AKECC bootecc
mkblob encEcc.bin "ak-$AKECC.pub" bootecc
signed sbecc.yaml devA encEcc.bin $AKECC
run "an ECC P-256 AK: exit 0" 0 "" $V sbecc.yaml

# --format json: the same claims as the YAML answer (python's json against
# python's yaml), one line a document; a refusal is a JSON document too.
signed sbjson.yaml
run "--format json: exit 0" 0 "" $V --format json sbjson.yaml
check "... one line, the health facts of the YAML answer" python3 -c '
import json, sys, yaml
lines = open(sys.argv[1]).read().splitlines()
j, y = json.loads(lines[0]), yaml.safe_load(open(sys.argv[2]))
assert len(lines) == 1 and j["health"] == y["health"] and j["verification"]["verified"] is True
' out.yaml verified.yaml
run "--format json, the same signedblob again: exit 1" 1 "" $V --format json sbjson.yaml
check "... a JSON failure document: not verified, rule nonce-unknown, device devA, not attributed" python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
v = json.loads(lines[0])["verification"]
assert len(lines) == 1 and v["verified"] is False and v["rule"] == "nonce-unknown", v
assert v["attributed"] is False, v
assert "devA" in json.dumps(v), v
' out.yaml

# --- anyone can send a signedblob under devA's name: its failure is kept but
# does not decide devA's status (dha-verify | dha-policy | dha-report, as
# dha-server runs them) ---
rp=$build/tools/dha-report
RS=reports.db
keep() { # CLAIMS: appraise and keep; the report in CLAIMS.xml
	"$dp" policy.yaml "$1" >"$1.xml" 2>/dev/null
	"$rp" --store "$RS" add "$1.xml"
}
latest() { "$rp" --store "$RS" status --format json | jq -r 'select(.device == "devA") | .verdict'; }
keep verified.yaml
check "devA's verified report kept: its latest status compliant" [ "$(latest)" = compliant ]
mkblob encB.bin akA.pub boot devB
signed sbgarb.yaml
sed 's/^encblob: .*/encblob: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"/' sbgarb.yaml >sbgarb2.yaml
signed sbBenc.yaml devA encB.bin
for a in "sbgarb2.yaml blob-format garbage for an EncBlob" \
		"sbBenc.yaml dha-device-mismatch devB's EncBlob" \
		"sb1.yaml nonce-unknown devA's own signedblob replayed"; do
	set -- $a
	f=$1 rule=$2; shift 2
	"$dv" $V "$f" >"att-$f" 2>/dev/null
	check "an attacker sends $* under devA's name: refused ($rule), attributed: false" \
		test -n "$(grep "^  rule: \"$rule\"" "att-$f")" -a -n "$(grep '^  attributed: false$' "att-$f")" \
		-a -n "$(grep '^  device: "devA"' "att-$f")"
	keep "att-$f"
	check "... its non-compliant report is kept, and devA's latest status stays compliant" \
		test "$(latest)" = compliant -a -n "$(grep 'ErrorCode="1"' "att-$f.xml")"
done
check "... devA's history lists all four, the failures unattributed" \
	[ "$("$rp" --store "$RS" status --format json devA | jq -r '[.verdict, .attributed, (.failing | join(" "))] | @tsv' | tr '\t\n' ' ;')" = \
	"compliant true ;non-compliant false blob-format;non-compliant false dha-device-mismatch;non-compliant false nonce-unknown;" ]
check "... the nonce of the garbage one is left for devA" [ "$(present "$(cat sbgarb.yaml.nonce)")" = 1 ]

# --- replay, other devices, expiry ---
run "the same signedblob twice: nonce-unknown" 1 nonce-unknown $V sb1.yaml
check "... the failure names the device" grep -q '^  device: "devA"' out.yaml
check "... and repeats no fact" test -z "$(grep -E '^(health|windows|secureboot|linux):' out.yaml)"

signed sbx.yaml devA encA.bin $AK devB
run "a nonce issued for another device: nonce-device-mismatch" 1 nonce-device-mismatch $V sbx.yaml
check "... that nonce is left unused" [ "$(present "$(cat sbx.yaml.nonce)")" = 1 ]
"$dn" --store st.db consume devB "$(cat sbx.yaml.nonce)" 2>/dev/null
check "... and the right device can still use it" test $? -eq 0

n=$("$dn" --store st.db issue --ttl 1 devA)
t tpm2_quote -c $AK -l "$SEL" -q "$n" -m exp.msg -s exp.sig
sbwrite sbexp.yaml devA "$n" exp encA.bin
sleep 2
run "an expired nonce: nonce-expired" 1 nonce-expired $V sbexp.yaml

mkblob encOld.bin akA.pub boot devA key --age 100 --validity 10
signed sbold.yaml devA encOld.bin
run "an expired EncBlob: encblob-expired" 1 encblob-expired $V sbold.yaml
check "... the nonce is left unused" [ "$(present "$(cat sbold.yaml.nonce)")" = 1 ]

signed sbdev.yaml devB encA.bin
run "device A's EncBlob sent as device B's: dha-device-mismatch" 1 dha-device-mismatch $V sbdev.yaml
check "... the nonce is left unused" [ "$(present "$(cat sbdev.yaml.nonce)")" = 1 ]

# --- the device registry: a re-bind revokes, a lost binding refuses ---
# An EncBlob issued while devA was bound to another EK certificate (its old
# TPM); the registry now binds devA to ekcert.der, as after enroll --rebind.
head -c 600 /dev/urandom >ekold.der
"$mkencblob" --key key --device devA --ak-public akA.pub --ek-cert ekold.der \
	--attest boot.msg --pcrs boot.pcrs --claims claims.yaml -o encOldEk.bin
signed sbrebound.yaml devA encOldEk.bin
run "an EncBlob of the EK certificate devA was bound to before a re-bind: device-ek-rebound" \
	1 device-ek-rebound $V sbrebound.yaml
check "... the message names the current binding (sha256sum of ekcert.der)" \
	grep -q "$(sha256sum <ekcert.der | cut -c1-64)" err.txt
check "... and the EncBlob's (sha256sum of ekold.der)" \
	grep -q "$(sha256sum <ekold.der | cut -c1-64)" err.txt
check "... no mismatch flags (no HealthStatusMismatchFlags fits)" test -z "$(grep mismatch: out.yaml)"
check "... the nonce is left unused" [ "$(present "$(cat sbrebound.yaml.nonce)")" = 1 ]
signed sbcur.yaml
run "... while the EncBlob of the current binding verifies" 0 "" $V sbcur.yaml
# A store that lost its registry (reset): the name is not enrolled there.
STORE=st-reset.db signed sbreset.yaml devA encA.bin
run "a store without devA's binding (reset): device-unknown" 1 device-unknown \
	--key key --store st-reset.db sbreset.yaml
check "... the nonce is left unused" \
	[ "$(sqlite3 st-reset.db "SELECT count(*) FROM nonces WHERE nonce = X'$(cat sbreset.yaml.nonce)'")" = 1 ]

# --- the EncBlob attacked ---
signed sbflip.yaml
size=$(wc -c <encA.bin)
flip() { # IN OFFSET OUT: IN with the low bit of byte OFFSET flipped
	python3 -c 'import sys
d = bytearray(open(sys.argv[1], "rb").read()); d[int(sys.argv[2])] ^= 1
open(sys.argv[3], "wb").write(d)' "$1" "$2" "$3"
}
bad=0
for spec in "0 2 blob-format magic" "4 2 blob-format version" "5 1 blob-key-unknown key-id" \
		"12 1 blob-key-unknown key-id" "13 1 blob-auth nonce" "24 1 blob-auth nonce" \
		"25 1 blob-auth ciphertext" "$((size / 2)) 1 blob-auth ciphertext" \
		"$((size - 17)) 1 blob-auth ciphertext" "$((size - 16)) 1 blob-auth tag" \
		"$((size - 1)) 1 blob-auth tag"; do
	set -- $spec
	flip encA.bin "$1" encF.bin
	sbwrite sbF.yaml devA "$(cat sbflip.yaml.nonce)" sbflip.yaml encF.bin
	"$dv" $V sbF.yaml >out.yaml 2>err.txt; got=$?
	if [ "$got" != "$2" ] || ! grep -q "$3" err.txt || ! grep -q "rule: \"$3\"" out.yaml; then
		bad=$((bad + 1)); diag "byte $1 ($4): exit $got, wanted $2 $3" "$(cat err.txt)"
	fi
done
check "a bit flipped in the EncBlob (magic, version, key id, nonce, ciphertext, tag): refused, rule named" [ "$bad" = 0 ]
check "... the nonce is left unused" [ "$(present "$(cat sbflip.yaml.nonce)")" = 1 ]
run "... and the untouched signedblob still verifies" 0 "" $V sbflip.yaml

mkblob enc2.bin akA.pub boot devA key2
signed sbk2.yaml devA enc2.bin
run "an EncBlob sealed under another service key: blob-key-unknown" 1 blob-key-unknown $V sbk2.yaml
check "... the nonce is left unused" [ "$(present "$(cat sbk2.yaml.nonce)")" = 1 ]
run "key rotation: old and new keys given, the new key's EncBlob verifies" 0 "" \
	--key key --key key2 --store st.db sbk2.yaml
signed sbk1.yaml
run "key rotation: ... and the old key's EncBlob too" 0 "" --key key2 --key key --store st.db sbk1.yaml
# dha-server rotate, 70 times: verify passes only the retired keys that an
# EncBlob still valid can need (a key's name records when it was retired;
# dha-issue's --validity is at most 30 days), so it keeps working.
srv=$tmp/srv
mkdir -m 700 "$srv" && cp key "$srv/service.key" && chmod 600 "$srv/service.key"
server() { "$build/tools/dha-server" --state "$srv" "$@"; }
sverify() { # NAME STATUS RULE SIGNEDBLOB: dha-server verify
	server verify <"$4" >out.yaml 2>err.txt; r_got=$?
	if [ "$r_got" -eq "$2" ] && { [ -z "$3" ] ||
	    { grep -q -- "$3" err.txt && grep -q "^  rule: \"$3\"" out.yaml; }; }; then
		ok "$1"
	else
		not_ok "$1"; diag "exit $r_got, wanted $2 ($3)" "$(cat err.txt)"
	fi
}
STORE=$srv/nonces.sqlite mkblob encR0.bin akA.pub boot devA key
rot_bad=0
for i in $(seq 70); do server rotate 2>>rot.err || rot_bad=$((rot_bad + 1)); done
check "70 dha-server rotate runs: exit 0 each" [ "$rot_bad" = 0 ]
check "... 70 retired keys kept (all may still be needed)" \
	[ "$(find "$srv/retired" -name '*.key' | wc -l)" = 70 ]
STORE=$srv/nonces.sqlite mkblob encR.bin akA.pub boot devA "$srv/service.key"
STORE=$srv/nonces.sqlite signed sbR.yaml devA encR.bin
sverify "after 70 rotations, a fresh EncBlob verifies (dha-server verify)" 0 "" sbR.yaml
STORE=$srv/nonces.sqlite signed sbR0.yaml devA encR0.bin
sverify "... and one sealed under the first key, retired 70 rotations ago" 0 "" sbR0.yaml
# Retirement times moved back (as if the rotations had happened long ago):
# the first key past dha-issue's longest validity (30 days), another within it.
now=$(date -u +%s)
first=$(ls "$srv/retired" | sort -t- -k1,1n -k2,2n | head -n 1)
second=$(ls "$srv/retired" | sort -t- -k1,1n -k2,2n | sed -n 2p)
mv "$srv/retired/$first" "$srv/retired/$((now - 31 * 86400))-0.key"
mv "$srv/retired/$second" "$srv/retired/$((now - 29 * 86400))-0.key"
STORE=$srv/nonces.sqlite mkblob encR29.bin akA.pub boot devA \
	"$srv/retired/$((now - 29 * 86400))-0.key"
STORE=$srv/nonces.sqlite signed sbR29.yaml devA encR29.bin
sverify "a key retired 29 days ago still opens its EncBlob" 0 "" sbR29.yaml
STORE=$srv/nonces.sqlite signed sbR0.yaml devA encR0.bin
sverify "a key retired 31 days ago is left out: its EncBlob is refused, blob-key-unknown" \
	1 blob-key-unknown sbR0.yaml
server rotate 2>rot.err
check "the next rotate deletes the key retired 31 days ago, and says so" \
	test ! -e "$srv/retired/$((now - 31 * 86400))-0.key" -a -n "$(grep dropped rot.err)"
check "... and keeps the one retired 29 days ago" [ -e "$srv/retired/$((now - 29 * 86400))-0.key" ]
sverify "an EncBlob under the deleted key stays refused, blob-key-unknown" \
	1 blob-key-unknown sbR0.yaml

mkblob encAad.bin akA.pub boot devA key --aad "tcglog something-else v1"
signed sbaad.yaml devA encAad.bin
run "a blob sealed under the key for another purpose (other AAD): blob-auth" 1 blob-auth $V sbaad.yaml

# --- forged and foreign quotes: refused BEFORE the nonce is consumed ---
signed sbak2.yaml devA encA.bin $AK2
run "a quote by another key of the same TPM: quote-signature" 1 quote-signature $V sbak2.yaml
check "... the nonce is left unused" [ "$(present "$(cat sbak2.yaml.nonce)")" = 1 ]

n=$("$dn" --store st.db issue devA)
TPM2TOOLS_TCTI=$TCTI_B
t tpm2_quote -c $AK -l "$SEL" -q "$n" -m qB.msg -s qB.sig
TPM2TOOLS_TCTI=$TCTI_A
sbwrite sbB.yaml devA "$n" qB encA.bin
run "device A's EncBlob with device B's quote (second swtpm): quote-signature" 1 quote-signature $V sbB.yaml
check "... the nonce is NOT consumed" [ "$(present "$n")" = 1 ]
t tpm2_quote -c $AK -l "$SEL" -q "$n" -m qA.msg -s qA.sig
sbwrite sbA.yaml devA "$n" qA encA.bin
run "... and device A's own quote over it still verifies" 0 "" $V sbA.yaml

signed sbtamper.yaml
python3 -c 'import sys
d = bytearray(open(sys.argv[1], "rb").read()); d[-40] ^= 1
open(sys.argv[1], "wb").write(d)' sbtamper.yaml.msg
sbwrite sbtamper.yaml devA "$(cat sbtamper.yaml.nonce)" sbtamper.yaml encA.bin
run "an attest changed after signing: quote-signature" 1 quote-signature $V sbtamper.yaml
check "... the nonce is left unused" [ "$(present "$(cat sbtamper.yaml.nonce)")" = 1 ]

n=$("$dn" --store st.db issue devA)
t tpm2_quote -c $AK -l "$SEL" -q "$(printf '%064x' 1)" -m qn.msg -s qn.sig
sbwrite sbn.yaml devA "$n" qn encA.bin
run "a genuine quote over another nonce: quote-nonce" 1 quote-nonce $V sbn.yaml
check "... the nonce is left unused" [ "$(present "$n")" = 1 ]

# --- malformed signedblobs: exit 2 with the YAML line ---
signed sbm.yaml
sed 's/^encblob:/colour: blue\nencblob:/' sbm.yaml >m1.yaml
run "an unknown key: msg-unknown-key" 2 msg-unknown-key $V m1.yaml
check "... with FILE#1:LINE:COLUMN" grep -q 'm1.yaml#1:8:1' out.yaml
sed 's/^nonce: .*/nonce: "not*base64"/' sbm.yaml >m2.yaml
run "bad base64: msg-base64" 2 msg-base64 $V m2.yaml
check "... with FILE#1:LINE:COLUMN" grep -q 'm2.yaml#1:4:' out.yaml
sed 's/^version: 1/version: 2/' sbm.yaml >m3.yaml
run "a newer version: msg-version" 2 msg-version $V m3.yaml
check "... with FILE#1:LINE:COLUMN" grep -q 'm3.yaml#1:2:' out.yaml
sed 's/^kind: dha-signedblob/kind: dha-encblob/' sbm.yaml >m4.yaml
run "another kind: msg-kind" 2 msg-kind $V m4.yaml
check "the malformed inputs left the nonce unused" [ "$(present "$(cat sbm.yaml.nonce)")" = 1 ]

# --- batches: one document out per document in ---
: >batch.yaml
for i in 1 2 3 4 5; do
	if [ "$i" = 3 ]; then
		flip encA.bin 30 encF.bin
		signed b$i.yaml devA encF.bin
	else
		signed b$i.yaml
	fi
	cat b$i.yaml >>batch.yaml
	[ "$i" = 5 ] || echo --- >>batch.yaml
done
run "a batch of 5 with one bad EncBlob in the middle: exit 1" 1 "" $V batch.yaml
check "... 5 claims documents" [ "$(docs out.yaml)" = 5 ]
check "... 4 verified, the third refused (blob-auth)" \
	test "$(grep -c '^  verified: true' out.yaml)" = 4 -a \
	"$(grep '^  rule:' out.yaml)" = '  rule: "blob-auth"'
check "... stderr names document #3" grep -q 'batch.yaml#3: blob-auth' err.txt
: >batch2.yaml
for i in 1 2 3; do
	signed c$i.yaml
	if [ "$i" = 2 ]; then sed 's/^version: 1/version: 9/' c$i.yaml >>batch2.yaml
	else cat c$i.yaml >>batch2.yaml; fi
	[ "$i" = 3 ] || echo --- >>batch2.yaml
done
"$dv" $V <batch2.yaml >out.yaml 2>err.txt
check "a batch on stdin with an unparsable document: exit 2, 3 documents, 2 verified" \
	test $? = 2 -a "$(docs out.yaml)" = 3 -a "$(grep -c '^  verified: true' out.yaml)" = 2
signed d1.yaml
signed d3.yaml
{ cat d1.yaml; printf -- '---\nkind: [dha-signedblob\n---\n'; cat d3.yaml; } >batch3.yaml
"$dv" $V batch3.yaml >out.yaml 2>err.txt
check "a YAML syntax error stops the file: exit 2, the documents before it answered" \
	test $? = 2 -a "$(docs out.yaml)" = 2 -a "$(grep -c '^  verified: true' out.yaml)" = 1 \
	-a -n "$(grep 'rule: "yaml-syntax"' out.yaml)"
signed e1.yaml
signed e2.yaml
"$dv" $V e1.yaml e2.yaml >out.yaml 2>err.txt
check "two files: exit 0, two verified documents" \
	test $? = 0 -a "$(grep -c '^  verified: true' out.yaml)" = 2
"$dv" $V /dev/null >out.yaml 2>err.txt
check "an empty input: exit 2, no document" test $? = 2 -a ! -s out.yaml

# --- racing verifiers: exactly one wins each round ---
bad=0
for i in $(seq "$ROUNDS"); do
	signed race.yaml || { bad=$((bad + 1)); continue; }
	"$dv" $V race.yaml >r1.out 2>r1.err & p1=$!
	"$dv" $V race.yaml >r2.out 2>r2.err & p2=$!
	wait $p1; r1=$?
	wait $p2; r2=$?
	if ! { [ "$r1" = 0 ] && [ "$r2" = 1 ] && grep -q nonce-unknown r2.err; } &&
	   ! { [ "$r1" = 1 ] && [ "$r2" = 0 ] && grep -q nonce-unknown r1.err; }; then
		bad=$((bad + 1)); diag "round $i: exits $r1 $r2" "$(cat r1.err r2.err)"
	fi
done
check "$ROUNDS rounds of two verifiers racing on one signedblob: exactly one wins" [ "$bad" = 0 ]

# --- verifiers killed mid-run ---
bad=0
for i in $(seq "$KILLS"); do
	: >kb.yaml
	for j in 1 2 3 4; do
		signed k$j.yaml
		cat k$j.yaml >>kb.yaml
		[ "$j" = 4 ] || echo --- >>kb.yaml
	done
	"$dv" $V kb.yaml >/dev/null 2>&1 & p=$!
	sleep "0.0$((i % 10))"
	kill -KILL $p 2>/dev/null; wait $p 2>/dev/null
	ic=$(sqlite3 st.db 'PRAGMA integrity_check')
	[ "$ic" = ok ] || { bad=$((bad + 1)); diag "round $i: integrity $ic"; }
	for j in 1 2 3 4; do
		left=$(present "$(cat k$j.yaml.nonce)")
		"$dv" $V k$j.yaml >/dev/null 2>kerr.txt; again=$?
		if { [ "$left" = 1 ] && [ "$again" != 0 ]; } ||
		   { [ "$left" = 0 ] && ! { [ "$again" = 1 ] && grep -q nonce-unknown kerr.txt; }; }; then
			bad=$((bad + 1)); diag "round $i doc $j: present $left, verify again $again" \
				"$(cat kerr.txt)"
		fi
	done
done
check "$KILLS verifiers SIGKILLed mid-batch: store ok, each nonce usable once or nonce-unknown" \
	[ "$bad" = 0 ]

# Group commit from the outside: a verdict is printed only for a nonce the
# store has consumed. Killed after the commit but before writing, a nonce is
# consumed without a verdict (the device retries with a new nonce): counted,
# since no order of commit and write can close that window.
bad=0 silent=0
for i in $(seq "$KILLS"); do
	: >kv.yaml
	for j in 1 2 3 4 5 6; do
		signed v$j.yaml
		cat v$j.yaml >>kv.yaml
		[ "$j" = 6 ] || echo --- >>kv.yaml
	done
	"$dv" $V kv.yaml >kv.out 2>/dev/null & p=$!
	sleep "0.0$((i % 10))"
	kill -KILL $p 2>/dev/null; wait $p 2>/dev/null
	for j in 1 2 3 4 5 6; do
		n=$(cat v$j.yaml.nonce)
		left=$(present "$n")
		printed=$(grep -ci "^    nonce: \"$n\"" kv.out)
		if [ "$left$printed" = 01 ] || [ "$left$printed" = 10 ]; then :
		elif [ "$left$printed" = 00 ]; then silent=$((silent + 1))
		else bad=$((bad + 1)); diag "round $i doc $j: present $left, verdicts printed $printed"; fi
	done
done
diag "$silent nonces consumed by a verifier killed between its commit and its output"
check "$KILLS verifiers SIGKILLed mid-batch: a verdict printed only for a consumed nonce" \
	[ "$bad" = 0 ]

# The same nonce twice in one stream (one batch): only the first wins.
signed dup.yaml
{ cat dup.yaml; echo ---; cat dup.yaml; } >dup2.yaml
"$dv" $V dup2.yaml >out.yaml 2>err.txt
check "one signedblob twice in a batch: exit 1, the first verified, the second nonce-unknown" \
	test $? = 1 -a "$(docs out.yaml)" = 2 -a "$(sed -n 's/^  verified: //p' out.yaml | tr '\n' ' ')" = "true false " \
	-a -n "$(grep 'dup2.yaml#2: nonce-unknown' err.txt)"

# An interactive writer: a signedblob ended by a "..." line, then it waits
# for the verdict with the pipe still open. The verdict comes before the end
# of the input (a reader that waited for more input or the end would not).
signed live.yaml
rm -f live.fifo
mkfifo live.fifo
"$dv" $V <live.fifo >live.out 2>live.err &
live_pid=$!
exec 7>live.fifo
(cat live.yaml && echo ...) >&7 # a subshell: a verifier gone early is its SIGPIPE
for _ in $(seq 300); do
	grep -q '^  verified: true' live.out && break
	sleep 0.1
done
grep -q '^  verified: true' live.out
live_seen=$?
exec 7>&-
wait "$live_pid"
live_rc=$?
check "a signedblob ended by '...' on a pipe kept open: its verdict before the writer closes it" \
	test "$live_seen" = 0 -a "$live_rc" = 0 -a "$(docs live.out)" = 1

# --- one PostgreSQL store: two service instances x verifiers racing ---
# Separate state directories sharing the service key and the store, as two
# verifier hosts behind a load balancer; each round a stream of signedblobs
# that four dha-verify processes (two per instance) answer at once.
pg_race() {
	for d in svc1 svc2; do
		"$build/tools/dha-server" --state "$tmp/$d" init --store "$PG_URI" >/dev/null 2>>pg.err ||
			return 1
		cp key "$tmp/$d/service.key"
	done
	STORE=$PG_URI mkblob encPG.bin akA.pub boot 2>>pg.err || return 1
	bad=0
	for i in $(seq "$PG_ROUNDS"); do
		: >pgr.yaml
		for j in 1 2 3; do
			STORE=$PG_URI signed pg$j.yaml devA encPG.bin || { bad=$((bad + 1)); continue 2; }
			cat pg$j.yaml >>pgr.yaml
			[ "$j" = 3 ] || echo --- >>pgr.yaml
		done
		pids=
		for v in 1 2 3 4; do
			"$build/tools/dha-server" --state "$tmp/svc$(( (v + 1) / 2 ))" verify \
				<pgr.yaml >pgv$v.out 2>pgv$v.err &
			pids="$pids $!"
		done
		wait $pids
		for j in 1 2 3; do
			n=$(cat pg$j.yaml.nonce)
			won=$(cat pgv1.out pgv2.out pgv3.out pgv4.out | grep -ci "^    nonce: \"$n\"")
			lost=$(cat pgv1.err pgv2.err pgv3.err pgv4.err | grep -c "pgr.yaml#$j: nonce-unknown\|<stdin>#$j: nonce-unknown")
			left=$(pg_sql "SELECT count(*) FROM nonces WHERE nonce = '\\x$n'::bytea")
			[ "$won$lost$left" = 130 ] ||
				{ bad=$((bad + 1)); diag "round $i doc $j: won $won, nonce-unknown $lost, left $left" \
					"$(cat pgv*.err)"; }
		done
	done
	[ "$bad" = 0 ]
}
# PostgreSQL crashes while a stream waits for input half-way: the documents
# answered before it are consumed, the rest undecided (exit 3, named on
# stderr with nonce-store, no document); after the restart nothing answered
# is usable again.
pg_crash_stream() {
	: >pgs1.yaml; : >pgs2.yaml
	for j in $(seq 8); do
		STORE=$PG_URI signed pgc$j.yaml devA encPG.bin || return 1
		f=pgs1.yaml; [ "$j" -le 4 ] || f=pgs2.yaml
		[ ! -s $f ] || echo --- >>$f
		cat pgc$j.yaml >>$f
	done
	rm -f pgc.fifo; mkfifo pgc.fifo
	"$build/tools/dha-server" --state "$tmp/svc1" verify <pgc.fifo >pgc.out 2>pgc.err & p=$!
	{ cat pgs1.yaml; echo ---; sleep 2; pg_crash; cat pgs2.yaml; } >pgc.fifo
	wait $p; st=$?
	pg_up || return 1
	undecided=$(grep -c 'nonce-store' pgc.err)
	diag "exit $st, $(docs pgc.out) documents, $undecided undecided"
	[ "$st" = 3 ] && [ "$undecided" -ge 4 ] && ! grep -q 'rule: "nonce-store"' pgc.out || return 1
	for j in $(seq 8); do
		n=$(cat pgc$j.yaml.nonce)
		printed=$(grep -ci "^    nonce: \"$n\"" pgc.out)
		left=$(pg_sql "SELECT count(*) FROM nonces WHERE nonce = '\\x$n'::bytea")
		[ "$printed" = 1 ] && [ "$left" = 0 ] && continue
		[ "$printed" = 0 ] && grep -q "#$j: nonce-store" pgc.err && continue
		diag "doc $j: printed $printed, left $left"; return 1
	done
}
PG_ROUNDS=${VERIFY_PG_ROUNDS:-10}
if pg_start; then
	check "$PG_ROUNDS rounds, 2 instances x 2 verifiers on one PostgreSQL store, 3 signedblobs: exactly one winner each" \
		pg_race
	check "PostgreSQL crashed mid-stream: exit 3, answered ones consumed, the rest undecided without a document" \
		pg_crash_stream
	[ -s pg.err ] && diag "$(cat pg.err)"
	pg_stop
else
	skip "verifiers racing on one PostgreSQL store" "$PG_WHY"
fi

# --- the TPM's state changed since boot data ---
tpm2_pcrextend "7:sha256=$(printf '%064x' 99)"
signed sbpcr.yaml
run "a PCR extended after the EncBlob: dha-pcr-mismatch" 1 dha-pcr-mismatch $V sbpcr.yaml
check "... mismatch.PCR true, the counts false" \
	test -n "$(grep '^    PCR: true' out.yaml)" -a -n "$(grep '^    RebootCount: false' out.yaml)" \
	-a -n "$(grep '^    ResumeCount: false' out.yaml)"
check "... the authentic quote consumed the nonce" [ "$(present "$(cat sbpcr.yaml.nonce)")" = 0 ]
cp out.yaml pcr-failed.yaml
"$dp" policy.yaml pcr-failed.yaml >pcr.xml 2>pcr.err
check "dha-policy on it: exit 1, verification-failed named" \
	test $? = 1 -a -n "$(grep verification-failed pcr.err)"
check "... the report validates against the schema" xmllint --noout --schema "$schema" pcr.xml 2>/dev/null
check "... it records the failure as devA's own (fact verification.attributed true)" \
	grep -q 'path="verification.attributed" type="bool">true<' pcr.xml
"$rp" --store "$RS" add pcr.xml
check "... kept: devA's own PCR mismatch makes its latest status non-compliant" \
	[ "$(latest)" = non-compliant ]
check "... ErrorCode 1, ErrorMessage names the rule" \
	grep -q 'ErrorCode="1" ErrorMessage="dha-pcr-mismatch: ' pcr.xml
check "... HealthStatusMismatchFlags: ResumeCount false, RebootCount false, PCR true, SVNs false" \
	test "$(tr -d ' \n' <pcr.xml | grep -o '<HealthStatusMismatchFlags>.*</HealthStatusMismatchFlags>')" = \
	'<HealthStatusMismatchFlags><ResumeCount>false</ResumeCount><RebootCount>false</RebootCount><PCR>true</PCR><BootAppSVN>false</BootAppSVN><BootManagerSVNChain>false</BootManagerSVNChain><BootAppSVNChain>false</BootAppSVNChain></HealthStatusMismatchFlags>'
check "... no HealthCertificateProperties, verdict non-compliant, no rule passing" \
	test -z "$(grep HealthCertificateProperties pcr.xml)" \
	-a -n "$(grep '<tcg:Verdict>non-compliant</tcg:Verdict>' pcr.xml)" \
	-a -z "$(grep 'outcome="pass"' pcr.xml)"

"$dp" --offline policy.yaml pcr-failed.yaml >pcr-off.xml 2>/dev/null
check "... --offline changes nothing: exit 1, ErrorCode 1" \
	test $? = 1 -a -n "$(grep 'ErrorCode="1"' pcr-off.xml)"
sed 's/^  result: "failed"/  result: "passed"/' pcr-failed.yaml >forged-failure.yaml
"$dp" policy.yaml forged-failure.yaml >/dev/null 2>pf.err
check "a failure record that is not dha-verify's: exit 2, claims-verification" \
	test $? = 2 -a -n "$(grep claims-verification pf.err)"

# New boot data for the current PCRs, then a resume (Shutdown(STATE), power
# cycle, Startup(STATE)): restartCount moves, the PCRs stay.
bootquote $AK boot2
mkblob enc3.bin akA.pub boot2
signed sbres.yaml devA enc3.bin
run "(new boot data verifies)" 0 "" $V sbres.yaml
tpm2_shutdown >/dev/null 2>&1
swtpm_ioctl --tcp "127.0.0.1:$((port_A + 1))" -i >/dev/null 2>&1
tpm2_startup >/dev/null 2>&1
signed sbres.yaml devA enc3.bin
run "the TPM resumed since boot data: dha-resume" 1 dha-resume $V sbres.yaml
check "... mismatch.ResumeCount true, RebootCount and PCR false" \
	test -n "$(grep '^    ResumeCount: true' out.yaml)" \
	-a -n "$(grep '^    RebootCount: false' out.yaml)" -a -n "$(grep '^    PCR: false' out.yaml)"

# A reboot: swtpm stopped by its process id and started again on the same
# state; the boot's extends played again so that only the count differs.
bootquote $AK boot3
mkblob enc4.bin akA.pub boot3
tpm2_shutdown -c >/dev/null 2>&1
SWTPM_PID=$PID_A
swtpm_stop
PID_A=
if swtpm_start "$tmp/tpmA/state"; then
	PID_A=$SWTPM_PID
	TCTI_A=$TPM2TOOLS_TCTI
	tpm2_startup -c >/dev/null 2>&1
	extend_boot >/dev/null
	tpm2_pcrextend "7:sha256=$(printf '%064x' 99)" >/dev/null
	signed sbreb.yaml devA enc4.bin
	run "the TPM rebooted since boot data: dha-reboot" 1 dha-reboot $V sbreb.yaml
	check "... mismatch.RebootCount true, PCR false (same extends)" \
		test -n "$(grep '^    RebootCount: true' out.yaml)" -a -n "$(grep '^    PCR: false' out.yaml)"
	"$dp" policy.yaml out.yaml >reb.xml 2>/dev/null
	check "... dha-policy: RebootCount true in a valid report" \
		test -n "$(grep '<RebootCount>true</RebootCount>' reb.xml)" -a -n \
		"$(xmllint --noout --schema "$schema" reb.xml 2>&1 | grep validates)"
	tpm2_pcrextend "0:sha256=$(printf '%064x' 5)" >/dev/null
	signed sbreb2.yaml devA enc4.bin
	run "... and with a PCR changed too: still dha-reboot, both flags" 1 dha-reboot $V sbreb2.yaml
	check "... RebootCount and PCR true" \
		test -n "$(grep '^    RebootCount: true' out.yaml)" -a -n "$(grep '^    PCR: true' out.yaml)"
else
	not_ok "swtpm A restarts on its state"
fi

tap_end
