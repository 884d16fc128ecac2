#!/bin/sh
# dha-issue on swtpm with EK certificates from swtpm's local CA. The device side
# is played by tpm2-tools (tpm2_createak / tpm2_create, tpm2_pcrextend,
# tpm2_quote) and mkbootdata (binding, message assembly), not by our device
# tools. The good path is proved independently: tpm2_activatecredential on the
# same swtpm recovers the wrap key, and the content then opened with the service
# key matches what tpm2-tools, sha256sum, openssl and the TPM itself report.
# Then the attacker's side: each broken rule is refused, with the rule named and
# nothing on standard output.
# Usage: issue.sh MKBOOTDATA DHA-ISSUE CORPUSDIR DHA-NONCE
set -u
here=$(dirname "$0")
. "$here/../tap.sh"
. "$here/../swtpm.sh"
. "$here/../swtpm-ek.sh"
abspath() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
mk=$(abspath "$1")
issue=$(abspath "$2")
corpus=${3:-}
dn=$(abspath "$4")
tmp=$(mktemp -d)
trap 'swtpm_stop; rm -rf "$tmp"' EXIT

missing=$(swtpm_ek_have_tools)
for t in tpm2_createak tpm2_create tpm2_load tpm2_quote tpm2_pcrextend tpm2_pcrread \
	tpm2_readpublic tpm2_activatecredential tpm2_startauthsession tpm2_policysecret \
	tpm2_readclock tpm2_flushcontext sha256sum openssl base64; do
	[ -n "$missing" ] && break
	command -v "$t" >/dev/null 2>&1 || missing=$t
done
if [ -n "$missing" ]; then
	skip "dha-issue against swtpm" "$missing is not installed"
	tap_end
	exit 0
fi
cd "$tmp" || exit 3

# No resource manager: flush transient objects after each command that loads one.
t() { "$@" >>log 2>&1; rc=$?; tpm2_flushcontext -t >/dev/null 2>&1; return $rc; }
fail_diag() { diag "$(tail -5 log)"; }
hexf() { od -An -v -tx1 "$1" | tr -d ' \n'; }
# mkbootdata's log has no WBCL separators: the UEFI Linux profile, whose facts
# come from PCRs 0-9 and 14 (DESIGN.md "Protocol and trust").
SEL=sha256:0,1,2,3,4,5,6,7,8,9,14
# The RSA EK's policy: PolicySecret(TPM_RH_ENDORSEMENT) in a SHA-256 session.
policy() {
	tpm2_startauthsession --policy-session -S s.ctx -g sha256 >>log 2>&1 &&
		tpm2_policysecret -S s.ctx -c e >>log 2>&1
}
endpolicy() { tpm2_flushcontext s.ctx >/dev/null 2>&1; rm -f s.ctx; }

# quote AKCTX HASH DEVICE LOG EKPUB EKCERT AKPUB OUTPREFIX: quote over the
# binding of those fields; OUTPREFIX.msg .sig .pcrs
quote() {
	b=$("$mk" binding "$3" "$4" "$5" "$6" "$7") &&
		t tpm2_quote -c "$1" -g "$2" -l "$SEL" -q "$b" -m "$8.msg" -s "$8.sig" -o "$8.pcrs"
}
# message DEVICE LOG EKPUB EKCERT AKPUB QUOTEPREFIX > FILE
message() { "$mk" message "$1" "$2" "$3" "$4" "$5" "$6.msg" "$6.sig" "$6.pcrs"; }

# run NAME FILE [OPTIONS...]: dha-issue with the service key, its store and A's CA
run() {
	"$issue" --key svc.key --store st.db --ca "$caA" --untrusted "$issA" "$@" >out 2>err
}
# refused NAME STATUS RULE FILE [OPTIONS...]: exit STATUS, RULE in stderr, empty stdout
refused() {
	name=$1 want=$2 rule=$3
	shift 3
	run "$@"
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -q -- "$rule" err && [ ! -s out ]; then
		ok "$name: exit $want, $rule named, nothing issued"
	else
		not_ok "$name: exit $want, $rule named, nothing issued"
		diag "exit $rc, stdout $(wc -c <out) bytes" "$(cat err)"
	fi
}

# ---- Another TPM, B: its own CA and EK certificate ----
if ! swtpm_ek_setup "$tmp/B" || ! swtpm_ek_start "$tmp/B"; then
	not_ok "swtpm B with EK certificates"
	tap_end
	exit 1
fi
swtpm_ek_read_cert rsa ekB.der
swtpm_stop
caB=$(swtpm_ek_root "$tmp/B")
issB=$(swtpm_ek_issuer "$tmp/B")

# ---- TPM A: RSA EK, AKs, a played boot log ----
if ! swtpm_ek_setup "$tmp/A" || ! swtpm_ek_start "$tmp/A"; then
	not_ok "swtpm A with EK certificates"
	tap_end
	exit 1
fi
caA=$(swtpm_ek_root "$tmp/A")
issA=$(swtpm_ek_issuer "$tmp/A")
swtpm_ek_read_cert rsa ek.der &&
	t tpm2_readpublic -c "$SWTPM_EK_RSA_HANDLE" -o ek.pub &&
	t tpm2_createak -C "$SWTPM_EK_RSA_HANDLE" -c ak.ctx -G rsa -g sha256 -s rsassa -u ak.pub \
		-n ak.name &&
	t tpm2_createak -C "$SWTPM_EK_RSA_HANDLE" -c ak2.ctx -G rsa -g sha256 -s rsassa -u ak2.pub \
		-n ak2.name
check "RSA EK (certificate from NV) and two AKs under it (tpm2_createak)" test $? -eq 0 || fail_diag
"$mk" log >boot.log && "$mk" extends boot.log >extends &&
	xargs -n 16 tpm2_pcrextend <extends >>log 2>&1
check "a boot log played into PCRs with tpm2_pcrextend" test $? -eq 0 || fail_diag
"$issue" --new-key svc.key 2>err
check "--new-key makes a 32-byte key file of mode 0600" \
	test "$(stat -c %a:%s svc.key 2>/dev/null)" = "600:32"
"$issue" --new-key svc.key 2>err
check "--new-key refuses to overwrite (key-exists)" test $? -eq 2 -a -n "$(grep key-exists err)"

quote ak.ctx sha256 dev-a boot.log ek.pub ek.der ak.pub q && message dev-a boot.log ek.pub ek.der ak.pub q >boot.yaml
check "bootdata assembled from tpm2_quote over the binding" test $? -eq 0 || fail_diag

# ---- The good path ----
run --validity 2h boot.yaml
rc=$?
check "good bootdata: exit 0, one dha-encblob reply" \
	test $rc -eq 0 -a "$(grep -c '^kind: "dha-encblob"' out)" -eq 1 || diag "$(cat err)"
cp out reply.yaml
"$mk" credential reply.yaml cred.bin 2>>log
policy && t tpm2_activatecredential -c ak.ctx -C "$SWTPM_EK_RSA_HANDLE" -i cred.bin -o wrap.key \
	-P session:s.ctx
check "tpm2_activatecredential (EK and AK on this swtpm) recovers the 32-byte wrap key" \
	test $? -eq 0 -a "$(stat -c %s wrap.key 2>/dev/null)" = 32 || fail_diag
endpolicy
"$mk" open reply.yaml svc.key wrap.key >content 2>>log
check "the wrapped blob unwraps, opens under the service key, and decodes" test $? -eq 0 ||
	fail_diag
field() { sed -n "s/^$1: //p" content; }
check "content: device" test "$(field device)" = dev-a
check "content: AK name equals tpm2_createak -n" test "$(field ak-name)" = "$(hexf ak.name)"
check "content: EK certificate digest equals sha256sum of the NV certificate" \
	test "$(field ek-certificate-sha256)" = "$(sha256sum ek.der | cut -d' ' -f1)"
check "content: the quoted selection" test "$(field pcr-selection)" = "$SEL"
tpm2_pcrread "$SEL" >pcrread.yaml 2>>log
good=1
for p in 0 1 2 3 4 5 6 7 8 9 14; do
	want=$(sed -n "s/^ *$p *: 0x//p" pcrread.yaml | tr 'A-F' 'a-f')
	[ -n "$want" ] && [ "$(field "pcr-sha256-$p")" = "$want" ] || good=0
done
check "content: the 11 PCR values equal tpm2_pcrread's" test $good -eq 1
tpm2_readclock >clock.yaml 2>>log
check "content: reset and restart counts equal tpm2_readclock's" \
	test "$(field reset-count)" = "$(sed -n 's/^ *reset_count: //p' clock.yaml)" \
	-a "$(field restart-count)" = "$(sed -n 's/^ *restart_count: //p' clock.yaml)"
check "content: --validity 2h: expires 7200 s after issued, issued now" \
	test $(($(field expires) - $(field issued))) -eq 7200 \
	-a $(($(date +%s) - $(field issued))) -lt 120
check "content: claims verified against the quote" test "$(field claims-verified)" = true
kid=$( (printf 'tcglog service key'; cat svc.key) | openssl dgst -sha256 -binary | head -c 8 |
	base64)
check "key-id is the service key's id (SHA-256 computed by openssl)" \
	test "$(sed -n 's/^key-id: "\(.*\)"$/\1/p' reply.yaml)" = "$kid"
"$issue" --new-key other.key 2>>log
"$mk" open reply.yaml other.key wrap.key >/dev/null 2>err
check "another service key cannot open the EncBlob (blob-key-unknown)" \
	test $? -eq 1 -a -n "$(grep blob-key-unknown err)"
head -c 32 /dev/urandom >bad.key
"$mk" open reply.yaml svc.key bad.key >/dev/null 2>err
check "a wrong wrap key does not unwrap (exit 1)" test $? -eq 1 -a -n "$(grep "unwrap: blob-" err)"
run <boot.yaml
check "bootdata on standard input" test $? -eq 0 -a -s out
cat boot.yaml boot.yaml >two.yaml
run two.yaml
check "a stream of two bootdata: two replies" test $? -eq 0 -a "$(grep -c '^kind:' out)" -eq 2
{ cat boot.yaml; printf -- '---\nkind: [dha-bootdata\n'; cat boot.yaml; } >stop.yaml
run stop.yaml
check "a YAML syntax error stops the stream: exit 2, the reply before it only, the fault named once" \
	test $? -eq 2 -a "$(grep -c '^kind:' out)" -eq 1 -a "$(grep -c yaml-syntax err)" -eq 1 \
	-a "$(wc -l <err)" -eq 1 || diag "$(cat err)"

# ---- The attacker's side ----
# EK certificate: chains to no trusted root; not the EK's key.
"$issue" --key svc.key --store st.db --ca "$caB" --untrusted "$issB" boot.yaml >out 2>err
check "EK certificate chaining to no trusted root (another swtpm's CA): exit 1, boot.yaml#1: ekcert-chain" \
	test $? -eq 1 -a -n "$(grep '^dha-issue: boot.yaml#1: ekcert-chain: ' err)" -a ! -s out
quote ak.ctx sha256 dev-a boot.log ek.pub ekB.der ak.pub qB &&
	message dev-a boot.log ek.pub ekB.der ak.pub qB >ekB.yaml
"$issue" --key svc.key --store st.db --ca "$caA" --untrusted "$issA" --ca "$caB" \
	--untrusted "$issB" ekB.yaml \
	>out 2>err
check "EK public not the certificate's key (both CAs trusted, quote binds it): ekcert-key-mismatch" \
	test $? -eq 1 -a -n "$(grep ekcert-key-mismatch err)" -a ! -s out

# AKs that are not attestation keys, quoting a message that binds them.
policy && t tpm2_create -C "$SWTPM_EK_RSA_HANDLE" -P session:s.ctx -G rsa2048:rsassa-sha256:null \
	-a "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign" -u unr.pub -r unr.priv
endpolicy
policy && t tpm2_load -C "$SWTPM_EK_RSA_HANDLE" -P session:s.ctx -u unr.pub -r unr.priv -c unr.ctx
endpolicy
quote unr.ctx sha256 dev-a boot.log ek.pub ek.der unr.pub qU &&
	message dev-a boot.log ek.pub ek.der unr.pub qU >unr.yaml
refused "AK not restricted (tpm2_create sign only)" 1 ak-restricted unr.yaml
policy && t tpm2_create -C "$SWTPM_EK_RSA_HANDLE" -P session:s.ctx -G rsa2048:null:null \
	-a "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign|decrypt" -u dec.pub -r dec.priv
endpolicy
policy && t tpm2_load -C "$SWTPM_EK_RSA_HANDLE" -P session:s.ctx -u dec.pub -r dec.priv -c dec.ctx
endpolicy
quote dec.ctx sha256 dev-a boot.log ek.pub ek.der dec.pub qD &&
	message dev-a boot.log ek.pub ek.der dec.pub qD >dec.yaml
refused "AK that decrypts too (sign|decrypt)" 1 ak-decrypt dec.yaml

# Fields changed after quoting: the qualifying data no longer binds them.
message dev-b boot.log ek.pub ek.der ak.pub q >x.yaml
refused "device changed after quoting" 1 quote-nonce x.yaml
"$mk" log >boot2.log && printf 'x' >>boot2.log
message dev-a boot2.log ek.pub ek.der ak.pub q >x.yaml
refused "log changed after quoting" 1 quote-nonce x.yaml
cp ek.der ekpad.der && printf '\377\377\377\377' >>ekpad.der
message dev-a boot.log ek.pub ekpad.der ak.pub q >x.yaml
refused "EK certificate changed after quoting (NV padding added)" 1 quote-nonce x.yaml
quote ak2.ctx sha256 dev-a boot.log ek.pub ek.der ak.pub q2 &&
	message dev-a boot.log ek.pub ek.der ak2.pub q2 >x.yaml
refused "AK public changed after quoting (AK2 signs the binding of AK1's message)" 1 quote-nonce \
	x.yaml
message dev-a boot.log ek.pub ek.der ak.pub q2 >x.yaml
refused "quote signed by another key (AK2) for AK1's message" 1 quote-signature x.yaml
# A quote over the v1 binding (the log's bytes, where v2 binds their SHA-256),
# as devices before v2 made it, computed here rather than by libtcglog.
v1=$(python3 - boot.log ek.pub ek.der ak.pub <<'EOF'
import hashlib, struct, sys
h = hashlib.sha256(b"tcglog dha-bootdata v1\0")
for b in [b"dev-a"] + [open(f, "rb").read() for f in sys.argv[1:]]:
    h.update(struct.pack(">I", len(b)) + b)
print(h.hexdigest())
EOF
) && t tpm2_quote -c ak.ctx -g sha256 -l "$SEL" -q "$v1" -m qv1.msg -s qv1.sig -o qv1.pcrs &&
	message dev-a boot.log ek.pub ek.der ak.pub qv1 >x.yaml
refused "quote over the v1 binding (an older device): refused by name" 1 \
	dha-bootdata-binding-v1 x.yaml
# PCR values that are not the quoted ones.
sed "s/^\( *4 *: 0x\).*/\1$(printf 'AB%.0s' $(seq 32))/" pcrread.yaml >pcrs-bad.yaml
"$mk" message dev-a boot.log ek.pub ek.der ak.pub q.msg q.sig pcrs-bad.yaml >x.yaml 2>>log
refused "PCR 4 in the message is not the quoted value" 1 quote-pcr-digest x.yaml
grep -v '^ *14 *:' pcrread.yaml >pcrs-less.yaml
"$mk" message dev-a boot.log ek.pub ek.der ak.pub q.msg q.sig pcrs-less.yaml >x.yaml 2>>log
refused "the message's PCRs leave out a quoted one (PCR 14)" 1 quote-selection x.yaml
tpm2_pcrread sha256:0,1,2,3,4,5,6,7,8,9,10,14 >pcrs-more.yaml 2>>log
"$mk" message dev-a boot.log ek.pub ek.der ak.pub q.msg q.sig pcrs-more.yaml >x.yaml 2>>log
refused "the message's PCRs add an unquoted one (PCR 10)" 1 quote-selection x.yaml

# The service decides what is quoted: a quote over less than the profile's PCRs
# (Linux: 0-9, 14) is refused before anything is derived from it.
issue_in() { # STORE FILE [OPTIONS...]
	st=$1
	shift
	"$issue" --key svc.key --store "$st" --ca "$caA" --untrusted "$issA" "$@" >out 2>err
}
SEL=sha256:16
quote ak.ctx sha256 dev-a boot.log ek.pub ek.der ak.pub q16 &&
	message dev-a boot.log ek.pub ek.der ak.pub q16 >x.yaml
issue_in sel.db x.yaml
check "a quote over PCR 16 alone: exit 1, quote-selection-resettable, nothing issued" \
	test $? -eq 1 -a -n "$(grep 'quote-selection-resettable' err)" -a ! -s out || diag "$(cat err)"
"$dn" -s sel.db device dev-a >/dev/null 2>&1
check "... and the refused boot data enrolled nobody" test $? -eq 1
SEL=sha256:0,1,2,3,4,5,6,7,11,12,13,14
quote ak.ctx sha256 dev-a boot.log ek.pub ek.der ak.pub qWs &&
	message dev-a boot.log ek.pub ek.der ak.pub qWs >x.yaml
refused "a Linux log quoted with the Windows PCRs (no 8, 9)" 1 \
	"selection-insufficient: the linux profile requires sha256 PCRs the quote leaves out: 8,9" \
	x.yaml
SEL=sha256:0,1,2,3,4,5,6,7,8,9,16,23
quote ak.ctx sha256 dev-a boot.log ek.pub ek.der ak.pub q23 &&
	message dev-a boot.log ek.pub ek.der ak.pub q23 >x.yaml
refused "PCRs 16 and 23 do not stand in for PCR 14" 1 "selection-insufficient: .*: 14$" x.yaml
SEL=sha256:0,1,2,3,4,5,6,7
quote ak.ctx sha256 dev-a boot.log ek.pub ek.der ak.pub q07 &&
	message dev-a boot.log ek.pub ek.der ak.pub q07 >sel07.yaml
refused "PCRs 0-7 only, by default" 1 "selection-insufficient: .*: 8,9,14$" sel07.yaml
run --require-pcrs linux=sha256:0,1,2,3,4,5,6,7 sel07.yaml
check "--require-pcrs linux=sha256:0-7 (the operator's choice): PCRs 0-7 issued" \
	test $? -eq 0 -a -s out || diag "$(cat err)"
refused "--require-pcrs windows=... leaves the Linux requirement as it is" 1 \
	selection-insufficient sel07.yaml --require-pcrs windows=sha256:0,1,2,3,4,5,6,7
SEL=sha256:0,1,2,3,4,5,6,7,8,9,14
refused "--require-pcrs adding PCR 15: the default quote is refused" 1 \
	"selection-insufficient: .*: 15$" boot.yaml --require-pcrs sha256:0,1,2,3,4,5,6,7,8,9,14,15
refused "--require-pcrs sha384 (a bank the quote lacks)" 1 \
	"selection-insufficient: .*requires sha384 PCRs" boot.yaml --require-pcrs linux=sha384:0,1
refused "--require-pcrs naming PCR 16: exit 2" 2 dha-require-pcrs boot.yaml \
	--require-pcrs sha256:0,16
refused "--require-pcrs naming PCR 23: exit 2" 2 dha-require-pcrs boot.yaml \
	--require-pcrs linux=sha256:0-9,14,23
refused "--require-pcrs that is no selection: exit 2" 2 dha-require-pcrs boot.yaml \
	--require-pcrs macos=sha256:0

# A device name belongs to one TPM (the registry in the store).
check "the first accepted boot data bound dev-a to sha256sum of A's NV certificate" \
	test "$("$dn" -s st.db device dev-a 2>&1)" = "$(sha256sum ek.der | cut -d' ' -f1)"
"$dn" -s pre.db enroll dev-a ekB.der 2>>log
issue_in pre.db boot.yaml
check "dev-a pre-registered with B's certificate: A's boot data refused (exit 1), device-ek-mismatch" \
	test $? -eq 1 -a -n "$(grep device-ek-mismatch err)" -a ! -s out || diag "$(cat err)"
check "... and the binding is still B's" \
	test "$("$dn" -s pre.db device dev-a 2>&1)" = "$(sha256sum ekB.der | cut -d' ' -f1)"
"$dn" -s pre.db enroll --rebind dev-a ek.der 2>>log
issue_in pre.db boot.yaml
check "after the operator re-binds dev-a to A: issued" test $? -eq 0 -a -s out || diag "$(cat err)"
issue_in closed.db boot.yaml --closed
check "closed registry, dev-a not enrolled: exit 1, device-unknown, nothing issued" \
	test $? -eq 1 -a -n "$(grep device-unknown err)" -a ! -s out || diag "$(cat err)"
"$dn" -s closed.db device dev-a >/dev/null 2>&1
check "... and dev-a was not enrolled by it" test $? -eq 1
"$dn" -s closed.db enroll dev-a ek.der 2>>log
issue_in closed.db boot.yaml --closed
check "closed registry, dev-a enrolled with A's certificate: issued" test $? -eq 0 -a -s out ||
	diag "$(cat err)"
cp st.db open.db && chmod 0666 open.db
issue_in open.db boot.yaml
check "a world-writable store: exit 3, nonce-store-mode, nothing issued" \
	test $? -eq 3 -a -n "$(grep nonce-store-mode err)" -a ! -s out
ln -s st.db link.db
issue_in link.db boot.yaml
check "a store reached through a symbolic link: exit 3, nonce-store-symlink, nothing issued" \
	test $? -eq 3 -a -n "$(grep nonce-store-symlink err)" -a ! -s out

# Messages that cannot be parsed: exit 2 with the YAML line.
sed 's/^device:/extra: 1\ndevice:/' boot.yaml >x.yaml
refused "unknown key" 2 "x.yaml#1: line 4: column [0-9]*: msg-unknown-key: " x.yaml
sed 's/^\(ak-public: "\)./\1*/' boot.yaml >x.yaml
refused "bad base64" 2 "x.yaml#1: line 8: column [0-9]*: msg-base64: " x.yaml
sed 's/^version: 1/version: 2/' boot.yaml >x.yaml
refused "newer version" 2 "x.yaml#1: line 3: column [0-9]*: msg-version: " x.yaml
sed 's/^kind: .*/kind: "dha-encblob"/' boot.yaml >x.yaml
refused "another kind" 2 "x.yaml#1: line 2: column [0-9]*: msg-kind: " x.yaml
printf '' >x.yaml
refused "no document" 2 msg-empty x.yaml
cat boot.yaml x.yaml >two.yaml
sed 's/^device:.*/device: "dev-b"/' boot.yaml >>two.yaml
run two.yaml
check "a stream with a refused document: exit 1, one reply, the refused one named #2" \
	test $? -eq 1 -a "$(grep -c '^kind:' out)" -eq 1 -a -n "$(grep 'two.yaml#2: .*quote-nonce' err)"

# The service key: others may read it -> environment failure (exit 3).
cp svc.key open.key && chmod 0644 open.key
"$issue" --key open.key --store st.db --ca "$caA" boot.yaml >out 2>err
check "service key of mode 0644: exit 3, key-permissions" \
	test $? -eq 3 -a -n "$(grep key-permissions err)" -a ! -s out
"$issue" --key svc.key --store st.db --ca "$caA" --validity 31d boot.yaml >out 2>err
check "--validity over 30 days: exit 2" test $? -eq 2 -a ! -s out
"$issue" --key svc.key --store st.db boot.yaml >out 2>err
check "no --ca: exit 2" test $? -eq 2
"$issue" --key svc.key --ca "$caA" --untrusted "$issA" boot.yaml >out 2>err
check "no --store (no device registry): exit 2, nothing issued" test $? -eq 2 -a ! -s out

# A log that does not replay to the quote: one more extend after playing it.
t tpm2_pcrextend 4:sha256=0000000000000000000000000000000000000000000000000000000000000001
quote ak.ctx sha256 dev-a boot.log ek.pub ek.der ak.pub qX &&
	message dev-a boot.log ek.pub ek.der ak.pub qX >x.yaml
refused "PCR 4 extended once more than the log says" 1 "pcr-mismatch: .*sha256 PCR 4" x.yaml
swtpm_stop

# ---- ECC: the P-384 EK persisted at 0x81010016 (userWithAuth, so tpm2_create
# and tpm2_load under it need no policy session; tpm2_createak 5.4 fails on it),
# a P-384 AK with ECDSA-SHA384, on a fresh TPM. ----
if swtpm_ek_setup "$tmp/C" && swtpm_ek_start "$tmp/C"; then
	caC=$(swtpm_ek_root "$tmp/C")
	issC=$(swtpm_ek_issuer "$tmp/C")
	swtpm_ek_read_cert ecc ekE.der &&
		t tpm2_readpublic -c "$SWTPM_EK_ECC_HANDLE" -o ekE.pub &&
		t tpm2_create -C "$SWTPM_EK_ECC_HANDLE" -G ecc384:ecdsa-sha384:null -g sha384 \
			-a "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign" \
			-u akE.pub -r akE.priv &&
		t tpm2_load -C "$SWTPM_EK_ECC_HANDLE" -u akE.pub -r akE.priv -c akE.ctx -n akE.name
	check "ECC P-384 EK and a P-384 AK under it (tpm2_create, tpm2_load)" test $? -eq 0 ||
		fail_diag
	xargs -n 16 tpm2_pcrextend <extends >>log 2>&1
	quote akE.ctx sha384 dev-e boot.log ekE.pub ekE.der akE.pub qE &&
		message dev-e boot.log ekE.pub ekE.der akE.pub qE >bootE.yaml
	"$issue" --key svc.key --store st.db --ca "$caC" --untrusted "$issC" bootE.yaml \
		>replyE.yaml 2>err
	check "ECC: good bootdata issued" test $? -eq 0 -a -s replyE.yaml || diag "$(cat err)"
	"$mk" credential replyE.yaml credE.bin 2>>log &&
		t tpm2_activatecredential -c akE.ctx -C "$SWTPM_EK_ECC_HANDLE" -i credE.bin -o wrapE.key
	check "ECC: tpm2_activatecredential recovers the wrap key" test $? -eq 0 || fail_diag
	"$mk" open replyE.yaml svc.key wrapE.key >content 2>>log
	check "ECC: the EncBlob opens; AK name and EK certificate digest as tpm2-tools and sha256sum" \
		test $? -eq 0 -a "$(field ak-name)" = "$(hexf akE.name)" \
		-a "$(field ek-certificate-sha256)" = "$(sha256sum ekE.der | cut -d' ' -f1)"
	"$issue" --key svc.key --store st.db --ca "$caA" --untrusted "$issA" bootE.yaml >out 2>err
	check "ECC: EK certificate of another CA: ekcert-chain" \
		test $? -eq 1 -a -n "$(grep ekcert-chain err)" -a ! -s out
	# An orderly shutdown keeps the clock safe across the restart below.
	tpm2_shutdown >>log 2>&1
	swtpm_stop
else
	not_ok "swtpm C with EK certificates"
fi

# ---- A real Windows boot (corpus): played, quoted, issued. ----
win=$corpus/uefi-eventlog/ideapad/ideapad1.bin
if [ -f "$win" ] && swtpm_ek_start "$tmp/C"; then
	# A fresh PCR set: C restarted (its state is reused for the keys only).
	"$mk" extends "$win" >extW && xargs -n 16 tpm2_pcrextend <extW >>log 2>&1
	t tpm2_load -C "$SWTPM_EK_ECC_HANDLE" -u akE.pub -r akE.priv -c akE.ctx
	# A Windows log: the Windows profile's PCRs (0-7, 11-14).
	SEL=sha256:0,1,2,3,4,5,6,7,11,12,13,14
	quote akE.ctx sha384 laptop "$win" ekE.pub ekE.der akE.pub qW &&
		message laptop "$win" ekE.pub ekE.der akE.pub qW >bootW.yaml
	"$issue" --key svc.key --store st.db --ca "$caC" --untrusted "$issC" bootW.yaml >out 2>err
	rc=$?
	if [ $rc -eq 3 ] && grep -q dha-encblob-size err; then
		skip "Windows log (ideapad1): issued" "its claims exceed the dha-encblob blob cap: $(cat err)"
	else
		check "Windows log (ideapad1) played into swtpm: issued" test $rc -eq 0 -a -s out ||
			diag "$(cat err)"
	fi
	swtpm_stop
else
	skip "Windows log from the corpus" "no corpus"
fi
tap_end
