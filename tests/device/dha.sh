#!/bin/sh
# The device tools on swtpm with EK certificates (swtpm_setup's local CA):
# dha-bootdata on the RSA EK and on the P-384 EK (persistent, and made again
# from the TCG templates), checked against tpm2-tools (tpm2_checkquote,
# tpm2_readpublic, tpm2_nvread, tpm2_pcrread) and a binding computed here;
# the AK persisted and reused; dha-activate round trips with a reply made by
# mkreply (libtcglog's MakeCredential) and by tpm2_makecredential; dha-quote
# checked with tpm2_checkquote and the nonce. From the attacker's side: a reply
# for TPM A activated on TPM B, tampered replies, occupied AK handles, bad
# nonces, unactivated EncBlobs.
# Usage: dha.sh BUILDDIR CORPUSDIR MKREPLY
set -u
here=$(dirname "$0")
. "$here/../tap.sh"
. "$here/../swtpm.sh"
. "$here/../swtpm-ek.sh"
build=$(cd "$1" && pwd)
corpus=$2
mkreply=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")
bootdata=$build/tools/dha-bootdata
activate=$build/tools/dha-activate
quote=$build/tools/dha-quote
play=$build/tools/tcglog-play
qverify=$build/tools/tpm-quote-verify
tmp=$(mktemp -d)
trap 'swtpm_stop; rm -rf "$tmp"' EXIT

if missing=$(swtpm_ek_have_tools); then :; else
	skip "device tools against swtpm" "$missing is not installed"
	tap_end
	exit 0
fi
for tool in tpm2_checkquote tpm2_readpublic tpm2_makecredential tpm2_evictcontrol tpm2_pcrread \
	tpm2_shutdown tpm2_createprimary tpm2_create tpm2_flushcontext python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		skip "device tools against swtpm" "$tool is not installed"
		tap_end
		exit 0
	fi
done
python3 -c 'import yaml' 2>/dev/null || { skip "device tools" "python3-yaml missing"; tap_end; exit 0; }
cd "$tmp" || exit 3

# An orderly TPM2_Shutdown before swtpm stops keeps the TPM's clock "safe".
stop() { tpm2_shutdown >/dev/null 2>&1; swtpm_stop; }
hex() { od -An -v -tx1 "$1" | tr -d ' \n'; }
fail_diag() { diag "$(cat "$tmp/err" 2>/dev/null)"; }
# check, showing the last command's stderr (err) when it fails.
checkd() { n=$1; shift; if "$@"; then ok "$n"; else not_ok "$n"; fail_diag; fi; }

# ext MSG PREFIX: the message's binary fields as files PREFIX.FIELD, the
# bootdata binding (computed here from DESIGN/dha.h, not by libtcglog) as
# PREFIX.binding, quoted PCRs as PREFIX.pcrs.yaml (tpm2_pcrread layout).
ext() {
	python3 - "$1" "$2" <<'EOF'
import base64, hashlib, struct, sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
out = sys.argv[2]
def w(name, b):
    open(out + "." + name, "wb").write(b)
for k in ("log", "ek-public", "ek-certificate", "ak-public", "blob", "nonce", "encblob",
          "credential", "secret", "key-id"):
    if k in d:
        w(k, base64.b64decode(d[k], validate=True))
for k in ("device", "pcr-selection", "kind"):
    if k in d:
        open(out + "." + k, "w").write(d[k])
open(out + ".keys", "w").write(" ".join(d.keys()))
q = d.get("quote", {})
if q:
    w("attest", base64.b64decode(q["attest"]))
    w("sig", base64.b64decode(q["signature"]))
if d.get("kind") == "dha-bootdata":
    h = hashlib.sha256(b"tcglog dha-bootdata v2\0")
    dev = d["device"].encode()
    h.update(struct.pack(">I", len(dev)) + dev)
    for k in ("log", "ek-public", "ek-certificate", "ak-public"):
        b = base64.b64decode(d[k])
        if k == "log":
            b = hashlib.sha256(b).digest()
        h.update(struct.pack(">I", len(b)) + b)
    open(out + ".binding", "w").write(h.hexdigest())
if "pcrs" in q:
    with open(out + ".pcrs.yaml", "w") as f:
        for bank, vals in q["pcrs"].items():
            f.write("%s:\n" % bank)
            for i, v in sorted(vals.items(), key=lambda x: int(x[0])):
                f.write("  %d : 0x%s\n" % (int(i), v))
EOF
}

# The PCRs of a tpm2_pcrread-layout file, compared value by value with the TPM.
same_as_tpm() {
	tpm2_pcrread "$2" >"$tmp/tpmnow.yaml" 2>/dev/null &&
		python3 - "$1" "$tmp/tpmnow.yaml" <<'EOF'
import re, sys
def load(p):
    d, bank = {}, None
    for line in open(p):
        m = re.match(r'\s*([a-z0-9_]+):\s*$', line)
        if m:
            bank = m.group(1); d.setdefault(bank, {}); continue
        m = re.match(r'\s*(\d+)\s*:\s*0x([0-9a-fA-F]+)\s*$', line)
        if m and bank:
            d[bank][int(m.group(1))] = m.group(2).lower()
    return d
a, b = load(sys.argv[1]), load(sys.argv[2])
sys.exit(0 if a == b and a else 1)
EOF
}

# dha-bootdata quotes by default what the service requires for the log's
# profile (DESIGN.md): Windows 0-7, 11-14; otherwise (the generated log has no
# WBCL separators) UEFI Linux 0-9, 14.
sel=sha256:0,1,2,3,4,5,6,7,11,12,13,14
log=$corpus/guard-oss/tpm2_windows_lenovo_yogax1v2
[ -f "$log" ] || {
	"$build/tests/mklog" strings >"$tmp/gen.bin"
	log=$tmp/gen.bin
	sel=sha256:0,1,2,3,4,5,6,7,8,9,14
}

# ---------------- TPM A ----------------
if ! swtpm_ek_setup "$tmp/A" >>"$tmp/log" 2>&1 || ! swtpm_ek_start "$tmp/A"; then
	not_ok "swtpm A with EK certificates started"
	tap_end
	exit 1
fi
"$play" "$log" >/dev/null 2>"$tmp/err"
checkd "a real Windows log played into TPM A" test $? -eq 0

# --- bootdata on the RSA EK (persistent at 0x81010001, policy-authorised) ---
"$bootdata" --device dev-A --log "$log" >b1.yaml 2>err
rc=$?
checkd "dha-bootdata (RSA EK) exits 0" test $rc -eq 0
ext b1.yaml b1
cmp -s b1.log "$log"
checkd "bootdata: the log is the file's bytes" test $? -eq 0
swtpm_ek_read_cert rsa ek-rsa.der && cmp -s b1.ek-certificate ek-rsa.der
checkd "bootdata: ek-certificate is NV 0x01c00002 as tpm2_nvread reads it" test $? -eq 0
tpm2_readpublic -c 0x81010001 -o ek-rsa.pub >/dev/null 2>&1 && cmp -s b1.ek-public ek-rsa.pub
checkd "bootdata: ek-public is the persistent RSA EK (tpm2_readpublic 0x81010001)" test $? -eq 0
tpm2_readpublic -c 0x81020001 -o ak.pub -n ak.name >ak.txt 2>&1 && cmp -s b1.ak-public ak.pub
checkd "bootdata: the AK is persistent at 0x81020001 and is ak-public" test $? -eq 0
grep -q 'value: fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign$' ak.txt
checkd "bootdata: AK attributes (tpm2_readpublic): $(grep -A1 '^attributes:' ak.txt | sed -n 's/ *value: //p')" \
	test $? -eq 0
grep -q 'rsassa' ak.txt && grep -q 'bits: 2048' ak.txt
checkd "bootdata: the AK is RSA-2048 RSASSA" test $? -eq 0
"$qverify" --ak b1.ak-public --msg b1.attest --sig b1.sig --nonce "$(cat b1.binding)" \
	--pcrs b1.pcrs.yaml >qv.out 2>err
checkd "bootdata: tpm-quote-verify accepts the quote with the binding computed here (AK checks: $(sed -n 's/ *checks: //p' qv.out))" \
	test $? -eq 0
"$qverify" --ak b1.ak-public --msg b1.attest --sig b1.sig --nonce "$(cat b1.binding)" \
	--log "$log" >/dev/null 2>err
checkd "bootdata: ... and with the log replayed instead of the PCR values" test $? -eq 0
tpm2_pcrread -F serialized -o pcrs.bin "$sel" >/dev/null 2>&1 &&
	tpm2_checkquote -u ak.pub -m b1.attest -s b1.sig -f pcrs.bin -g sha256 \
		-q "$(cat b1.binding)" >err 2>&1
checkd "bootdata: tpm2_checkquote accepts it with the binding and tpm2_pcrread's PCRs" \
	test $? -eq 0
same_as_tpm b1.pcrs.yaml "$sel"
checkd "bootdata: the quoted PCR values are tpm2_pcrread's" test $? -eq 0
"$qverify" --ak b1.ak-public --msg b1.attest --sig b1.sig \
	--nonce "$(printf '%064d' 0)" --pcrs b1.pcrs.yaml >/dev/null 2>err
rc=$?
checkd "bootdata: the quote does not verify with another qualifying data (exit $rc)" \
	sh -c "[ $rc -eq 1 ] && grep -q quote-nonce err"

"$bootdata" --device dev-A --log "$log" >b2.yaml 2>err
checkd "dha-bootdata again exits 0" test $? -eq 0
ext b2.yaml b2
cmp -s b1.ak-public b2.ak-public && [ "$(tpm2_getcap handles-persistent | grep -c 0x8102)" -eq 1 ]
checkd "bootdata: the AK is reused (same ak-public, one AK handle)" test $? -eq 0
! cmp -s b1.attest b2.attest
checkd "bootdata: ... with a new quote" test $? -eq 0

# --- the P-384 EK (persistent at 0x81010016, userWithAuth) and an ECC AK ---
"$bootdata" --device dev-A --log "$log" --ek-alg ecc >b3.yaml 2>err
rc=$?
checkd "--ek-alg ecc with the RSA EK's AK at the AK handle: refused (exit $rc): $(cat err)" \
	sh -c "[ $rc -eq 1 ] && grep -q ak-parent err"
"$bootdata" --device dev-A --log "$log" --ek-alg ecc --ak-handle 0x81020002 --ak-alg ecc \
	>b3.yaml 2>err
checkd "dha-bootdata --ek-alg ecc --ak-alg ecc exits 0" test $? -eq 0
ext b3.yaml b3
swtpm_ek_read_cert ecc ek-ecc.der && cmp -s b3.ek-certificate ek-ecc.der
checkd "P-384: ek-certificate is NV 0x01c00016" test $? -eq 0
tpm2_readpublic -c 0x81010016 -o ek-ecc.pub >/dev/null 2>&1 && cmp -s b3.ek-public ek-ecc.pub
checkd "P-384: ek-public is the persistent P-384 EK (0x81010016)" test $? -eq 0
tpm2_readpublic -c 0x81020002 -o ak2.pub >ak2.txt 2>&1 && cmp -s ak2.pub b3.ak-public &&
	grep -q 'value: ecdsa' ak2.txt && grep -q 'value: NIST p256' ak2.txt
checkd "P-384: the ECC P-256 ECDSA AK is persistent at 0x81020002" test $? -eq 0
"$qverify" --ak b3.ak-public --msg b3.attest --sig b3.sig --nonce "$(cat b3.binding)" \
	--pcrs b3.pcrs.yaml >/dev/null 2>err
checkd "P-384: tpm-quote-verify accepts the ECDSA quote" test $? -eq 0
tpm2_checkquote -u ak2.pub -m b3.attest -s b3.sig -f pcrs.bin -g sha256 \
	-q "$(cat b3.binding)" >err 2>&1
checkd "P-384: tpm2_checkquote accepts it" test $? -eq 0

# --- EKs made again from the TCG templates (H-3 P-384, L-1 RSA-2048) ---
tpm2_evictcontrol -C o -c 0x81010016 >/dev/null 2>&1 &&
	tpm2_evictcontrol -C o -c 0x81010001 >/dev/null 2>&1
checkd "the persistent EKs evicted" test $? -eq 0
"$bootdata" --device dev-A --log "$log" --ek-alg ecc --ak-handle 0x81020002 >b4.yaml 2>err
checkd "P-384 EK from template H-3: bootdata exits 0" test $? -eq 0
ext b4.yaml b4
cmp -s b4.ek-public ek-ecc.pub && cmp -s b4.ak-public b3.ak-public
checkd "H-3: the EK made is the certified one (= swtpm_setup's), the AK under it reused" \
	test $? -eq 0
"$bootdata" --device dev-A --log "$log" --ek-alg rsa >b5.yaml 2>err
checkd "RSA EK from template L-1: bootdata exits 0" test $? -eq 0
ext b5.yaml b5
cmp -s b5.ek-public ek-rsa.pub && cmp -s b5.ak-public b1.ak-public
checkd "L-1: the EK made is the certified one, the AK under it reused" test $? -eq 0
# The low range's EK template index replaces the default template: here the
# L-1 template itself, marshalled by hand (TPMT_PUBLIC), so the key is the same.
python3 -c '
import struct, sys
pol = bytes.fromhex("837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa")
t = struct.pack(">HHIH", 0x0001, 0x000B, 0x000300B2, len(pol)) + pol
t += struct.pack(">HHH", 0x0006, 128, 0x0043) + struct.pack(">HHI", 0x0010, 2048, 0)
t += struct.pack(">H", 256) + bytes(256)
sys.stdout.buffer.write(t)' >l1.tmpl
nvput() { tpm2_nvdefine -C o -s "$(wc -c <"$2")" -a "ownerwrite|ownerread|authread|authwrite" \
	"$1" >>"$tmp/log" 2>&1 && tpm2_nvwrite -C o -i "$2" "$1" >>"$tmp/log" 2>&1; }
nvput 0x01c00004 l1.tmpl && "$bootdata" --device dev-A --log "$log" --ek-alg rsa >b8.yaml 2>err &&
	ext b8.yaml b8 && cmp -s b8.ek-public ek-rsa.pub
checkd "L-1 with an EK template index (0x01c00004): its template is used, the certified EK made" \
	test $? -eq 0
tpm2_nvundefine -C o 0x01c00004 >>"$tmp/log" 2>&1
printf 'junk!' >junk.tmpl
nvput 0x01c00004 junk.tmpl
"$bootdata" --device dev-A --log "$log" --ek-alg rsa >/dev/null 2>err
rc=$?
checkd "a malformed EK template index: exit $rc, ek-template" \
	sh -c "[ $rc -eq 3 ] && grep -q ek-template err"
tpm2_nvundefine -C o 0x01c00004 >>"$tmp/log" 2>&1
# An EK nonce index changes the EK the template makes: no longer the certified one.
head -c 16 /dev/urandom >nonce.bin
nvput 0x01c00003 nonce.bin
"$bootdata" --device dev-A --log "$log" --ek-alg rsa >/dev/null 2>err
rc=$?
checkd "L-1 with an EK nonce index (0x01c00003): the nonce is used, so the EK is not the certified one (exit $rc)" \
	sh -c "[ $rc -eq 1 ] && grep -q ekcert-key-mismatch err"
tpm2_nvundefine -C o 0x01c00003 >>"$tmp/log" 2>&1
"$bootdata" --device dev-A --log "$log" --ek-alg rsa --ak-handle 0x81020003 >b6.yaml 2>err
checkd "L-1: a new AK under the template EK (PolicySecret session) exits 0" test $? -eq 0
transient=$(tpm2_getcap handles-transient 2>err) && ! printf '%s' "$transient" | grep -q 0x
checkd "nothing left loaded in the TPM (no transient handles)" test $? -eq 0
sessions=$(tpm2_getcap handles-loaded-session 2>err) && ! printf '%s' "$sessions" | grep -q 0x
checkd "no session left in the TPM" test $? -eq 0

# --- refused AK handles and EK handles ---
t() { "$@" >>"$tmp/log" 2>&1; r=$?; tpm2_flushcontext -t >/dev/null 2>&1; return $r; }
t tpm2_createprimary -C o -c prim.ctx && t tpm2_evictcontrol -C o -c prim.ctx 0x81020005 &&
	t tpm2_create -C 0x81020005 -G rsa2048:rsassa-sha256:null \
		-a "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign" -u un.pub -r un.priv &&
	t tpm2_load -C 0x81020005 -u un.pub -r un.priv -c un.ctx &&
	t tpm2_evictcontrol -C o -c un.ctx 0x81020006
checkd "a storage key and an unrestricted signing key persisted at 0x81020005/6" test $? -eq 0
"$bootdata" --device dev-A --log "$log" --ak-handle 0x81020005 >/dev/null 2>err
rc=$?
checkd "a storage key at the AK handle: refused (exit $rc): $(cat err)" \
	sh -c "[ $rc -eq 1 ] && grep -q ak-handle-occupied err"
"$bootdata" --device dev-A --log "$log" --ak-handle 0x81020006 >/dev/null 2>err
rc=$?
checkd "an unrestricted signing key at the AK handle: refused (exit $rc): $(cat err)" \
	sh -c "[ $rc -eq 1 ] && grep -q ak-handle-occupied err && grep -q restricted err"
"$bootdata" --device dev-A --log "$log" --ak-alg ecc >/dev/null 2>err
rc=$?
checkd "--ak-alg ecc with the RSA AK at the handle: refused (exit $rc)" \
	sh -c "[ $rc -eq 1 ] && grep -q ak-alg-mismatch err"
"$bootdata" --device dev-A --log "$log" --ek-alg rsa --ek-handle 0x81020005 >/dev/null 2>err
rc=$?
checkd "--ek-handle of a key that is not the certificate's: refused (exit $rc)" \
	sh -c "[ $rc -eq 1 ] && grep -q ekcert-key-mismatch err"
"$bootdata" --device "bad
name" --log "$log" >/dev/null 2>err
checkd "a device name with a newline: exit $?" test $? -eq 2
"$bootdata" --device dev-A --log "$log" --pcr-list sha256:99 >/dev/null 2>err
checkd "a malformed --pcr-list: exit $?" test $? -eq 2
"$bootdata" --device dev-A --log /nonexistent >/dev/null 2>err
checkd "a missing log: exit $?" test $? -eq 3

# --- activation: round trip with mkreply (libtcglog MakeCredential) ---
# what the service seals: an EncBlob header (magic TCGB, version 1, an 8-byte key id) and
# random bytes; mkreply names the key id the header carries
{ printf 'TCGB\001'; head -c 1995 /dev/urandom; } >plain.bin
"$mkreply" --bootdata b1.yaml --blob plain.bin --pcr-selection "$sel" --key-out key.bin \
	>reply.yaml 2>err
checkd "mkreply made a reply for TPM A's RSA EK and AK" test $? -eq 0
"$activate" reply.yaml >enc.yaml 2>err
checkd "dha-activate exits 0" test $? -eq 0
ext enc.yaml enc
cmp -s enc.blob plain.bin && [ "$(cat enc.device)" = dev-A ] &&
	[ "$(cat enc.pcr-selection)" = "$sel" ] && [ "$(cat enc.keys)" = "kind version device key-id blob pcr-selection" ]
checkd "activate: the blob is recovered, device and pcr-selection copied, no credential/secret ($(cat enc.keys))" \
	test $? -eq 0
"$activate" <reply.yaml >enc2.yaml 2>err && cmp -s enc.yaml enc2.yaml
checkd "activate: the same from standard input" test $? -eq 0
tpm2_makecredential -T none -e ek-rsa.pub -s key.bin -n "$(hex ak.name)" -o tools.cred \
	>>"$tmp/log" 2>&1 && "$mkreply" --replace-credential tools.cred <reply.yaml >reply-tools.yaml 2>err &&
	"$activate" reply-tools.yaml >enc3.yaml 2>>err && cmp -s enc.yaml enc3.yaml
checkd "activate: a credential from tpm2_makecredential for the same key activates too" \
	test $? -eq 0
grep -v '^credential:' reply.yaml >nocred.yaml
"$activate" nocred.yaml >/dev/null 2>err
rc=$?
checkd "a reply without credential: exit $rc, msg-missing-key" \
	sh -c "[ $rc -eq 2 ] && grep -q msg-missing-key err"
# The reply names another service key than the one its EncBlob is sealed under.
python3 - <<'PY' || not_ok "rewriting the reply's key-id"
import base64, re
r = open("reply.yaml").read()
m = re.search(r'^key-id: "([^"]*)"$', r, re.M)
k = bytearray(base64.b64decode(m.group(1)))
k[0] ^= 1
open("otherkey.yaml", "w").write(r.replace(m.group(1), base64.b64encode(bytes(k)).decode()))
PY
"$activate" otherkey.yaml >out 2>err
rc=$?
checkd "a reply whose key-id is not its EncBlob's: exit $rc, encblob-key-id, nothing written" \
	sh -c "[ $rc -eq 1 ] && grep -q encblob-key-id err && [ ! -s out ]"
head -c 2000 /dev/urandom >notblob.bin
"$mkreply" --bootdata b1.yaml --blob notblob.bin >notblob.yaml 2>>err
"$activate" notblob.yaml >out 2>err
rc=$?
checkd "a reply that wraps no EncBlob: exit $rc, blob-format, nothing written" \
	sh -c "[ $rc -eq 2 ] && grep -q blob-format err && [ ! -s out ]"
sed 's/^device: "dev-A"/device: "dev-B"/' reply.yaml >otherdev.yaml
"$activate" otherdev.yaml >/dev/null 2>err
rc=$?
checkd "a reply relabelled for another device: refused (exit $rc): $(cat err)" \
	sh -c "[ $rc -eq 1 ] && grep -q blob-auth err"
"$mkreply" --bootdata b3.yaml --blob plain.bin >reply-ak2.yaml 2>>err
"$activate" reply-ak2.yaml >/dev/null 2>err
rc=$?
checkd "a reply for the other AK (0x81020002) with the default AK: refused (exit $rc)" \
	sh -c "[ $rc -eq 1 ] && grep -q credential-activate err"
"$activate" --ek-alg ecc --ak-handle 0x81020002 reply-ak2.yaml >enc4.yaml 2>err && ext enc4.yaml enc4 &&
	cmp -s enc4.blob plain.bin
checkd "... and activated with the P-384 EK (from its template) and that AK" test $? -eq 0
"$activate" --ak-handle 0x81020002 reply-ak2.yaml >enc5.yaml 2>err && cmp -s enc4.yaml enc5.yaml
checkd "... also without --ek-alg (the AK's parent EK is found)" test $? -eq 0

# --- dha-quote ---
nonce=$(head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n')
"$quote" --nonce "$nonce" --encblob enc.yaml >sb.yaml 2>err
checkd "dha-quote exits 0" test $? -eq 0
ext sb.yaml sb
[ "$(hex sb.nonce)" = "$nonce" ] && cmp -s sb.encblob plain.bin && [ "$(cat sb.device)" = dev-A ]
checkd "signedblob: device, nonce and encblob as given" test $? -eq 0
tpm2_pcrread -F serialized -o pcrs2.bin "$sel" >/dev/null 2>&1 &&
	tpm2_checkquote -u ak.pub -m sb.attest -s sb.sig -f pcrs2.bin -g sha256 -q "$nonce" >err 2>&1
checkd "signedblob: tpm2_checkquote accepts the quote with the nonce and tpm2_pcrread's PCRs" \
	test $? -eq 0
tpm2_pcrread "$sel" >pcrs2.yaml 2>/dev/null
"$qverify" --ak ak.pub --msg sb.attest --sig sb.sig --nonce "$nonce" --pcrs pcrs2.yaml \
	>/dev/null 2>err
checkd "signedblob: tpm-quote-verify accepts it (selection = the EncBlob's)" test $? -eq 0
other=$(head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n')
tpm2_checkquote -u ak.pub -m sb.attest -s sb.sig -f pcrs2.bin -g sha256 -q "$other" \
	>/dev/null 2>&1
checkd "signedblob: tpm2_checkquote refuses it with another nonce" test $? -ne 0
"$quote" --nonce "$nonce" <enc.yaml >/dev/null 2>err
checkd "dha-quote reads the EncBlob from standard input" test $? -eq 0
for bad in 12 "${nonce}00" "$(printf '%s' "$nonce" | sed 's/^./g/')" ""; do
	"$quote" --nonce "$bad" --encblob enc.yaml >/dev/null 2>err
	rc=$?
	checkd "--nonce '$bad': exit $rc, nonce-hex" sh -c "[ $rc -eq 2 ] && grep -q nonce-hex err"
done
"$quote" --encblob enc.yaml >/dev/null 2>err
checkd "no --nonce: exit $?" test $? -eq 2
"$quote" --nonce "$nonce" --encblob reply.yaml >out 2>err
rc=$?
checkd "the service's reply (not activated) as EncBlob: exit $rc, encblob-not-activated, nothing written" \
	sh -c "[ $rc -eq 2 ] && grep -q encblob-not-activated err && [ ! -s out ]"
"$quote" --nonce "$nonce" --encblob enc.yaml --pcr-list sha256:0 >/dev/null 2>err
rc=$?
checkd "--pcr-list other than the EncBlob's: exit $rc, pcr-selection" \
	sh -c "[ $rc -eq 2 ] && grep -q pcr-selection err"
"$quote" --nonce "$nonce" --encblob enc.yaml --pcr-list "$sel" >/dev/null 2>err
checkd "--pcr-list equal to the EncBlob's: exit $?" test $? -eq 0
"$quote" --nonce "$nonce" --encblob enc.yaml --ak-handle 0x81020009 >/dev/null 2>err
rc=$?
checkd "no AK at --ak-handle: exit $rc, ak-missing" sh -c "[ $rc -eq 3 ] && grep -q ak-missing err"
printf 'kind: dha-bootdata\nversion: 1\n' >wrongkind.yaml
"$quote" --nonce "$nonce" --encblob wrongkind.yaml >/dev/null 2>err
rc=$?
checkd "a message of another kind as EncBlob: exit $rc" sh -c "[ $rc -eq 2 ] && grep -q msg- err"

# --- a P-384 EK without userWithAuth: the AK's parent and the activation need a
# SHA-384 policy session with PolicySecret(endorsement) (tpm2-tools 5.4's
# tpm2_createak cannot). Its certificate (from a throwaway CA) goes to the
# low-range ECC index 0x01c0000a, which the ECC search reads first. ---
ok384=0
tpm2_startauthsession -S trial.ctx -g sha384 >>"$tmp/log" 2>&1 &&
	tpm2_policysecret -S trial.ctx -c e -L pol384.bin >>"$tmp/log" 2>&1 &&
	tpm2_flushcontext trial.ctx >>"$tmp/log" 2>&1 &&
	t tpm2_createprimary -C e -G ecc384:aes256cfb -g sha384 -L pol384.bin -c ek384.ctx \
		-a "fixedtpm|fixedparent|sensitivedataorigin|adminwithpolicy|restricted|decrypt" &&
	t tpm2_evictcontrol -C o -c ek384.ctx 0x81010020 &&
	tpm2_readpublic -c 0x81010020 -f pem -o ek384.pem >>"$tmp/log" 2>&1 &&
	tpm2_readpublic -c 0x81010020 -o ek384.pub >>"$tmp/log" 2>&1 &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
		-out ca.pem -subj /CN=test-ca -days 1 >>"$tmp/log" 2>&1 &&
	openssl req -new -key ca.key -subj /CN=ek -out ek384.csr >>"$tmp/log" 2>&1 &&
	openssl x509 -req -in ek384.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
		-force_pubkey ek384.pem -days 1 -outform DER -out ek384.der >>"$tmp/log" 2>&1 &&
	tpm2_nvdefine -C o -s "$(wc -c <ek384.der)" -a "ownerwrite|ownerread|authread|authwrite" \
		0x01c0000a >>"$tmp/log" 2>&1 &&
	tpm2_nvwrite -C o -i ek384.der 0x01c0000a >>"$tmp/log" 2>&1 && ok384=1
checkd "a P-384 EK without userWithAuth at 0x81010020, its certificate at NV 0x01c0000a" \
	test $ok384 -eq 1
if [ $ok384 -eq 1 ]; then
	"$bootdata" --device dev-A --log "$log" --ek-alg ecc --ak-handle 0x81020008 >b7.yaml 2>err
	checkd "SHA-384 policy EK: dha-bootdata exits 0 (AK created under it)" test $? -eq 0
	ext b7.yaml b7
	cmp -s b7.ek-public ek384.pub && cmp -s b7.ek-certificate ek384.der
	checkd "SHA-384 policy EK: ek-public and ek-certificate are that EK's" test $? -eq 0
	"$qverify" --ak b7.ak-public --msg b7.attest --sig b7.sig --nonce "$(cat b7.binding)" \
		--pcrs b7.pcrs.yaml >/dev/null 2>err
	checkd "SHA-384 policy EK: the quote verifies" test $? -eq 0
	"$mkreply" --bootdata b7.yaml --blob plain.bin >reply7.yaml 2>err &&
		"$activate" --ek-alg ecc --ak-handle 0x81020008 reply7.yaml >enc7.yaml 2>err &&
		ext enc7.yaml enc7 && cmp -s enc7.blob plain.bin
	checkd "SHA-384 policy EK: the reply activates (ActivateCredential, SHA-384 session)" \
		test $? -eq 0
	sessions=$(tpm2_getcap handles-loaded-session 2>err) && ! printf '%s' "$sessions" | grep -q 0x
	checkd "... and no session is left in the TPM" test $? -eq 0
fi
stop

# ---------------- TPM B: a reply for TPM A does not activate ----------------
if swtpm_ek_setup "$tmp/B" >>"$tmp/log" 2>&1 && swtpm_ek_start "$tmp/B"; then
	"$activate" reply.yaml >/dev/null 2>err
	rc=$?
	checkd "TPM B without an AK: A's reply refused (exit $rc): $(cat err)" \
		sh -c "[ $rc -eq 1 ] && grep -q credential-activate err"
	"$bootdata" --device dev-A --log "$log" >bB.yaml 2>err
	checkd "TPM B: dha-bootdata exits 0 (B's own EK and AK)" test $? -eq 0
	ext bB.yaml bB
	! cmp -s bB.ek-public b1.ek-public && ! cmp -s bB.ak-public b1.ak-public
	checkd "TPM B: another EK and another AK than A's" test $? -eq 0
	"$activate" reply.yaml >out 2>err
	rc=$?
	checkd "TPM B: A's reply refused (exit $rc), nothing written: $(cat err)" \
		sh -c "[ $rc -eq 1 ] && grep -q credential-activate err && [ ! -s out ]"
	# A reply for A's AK name but B's EK: B's EK decrypts the seed, but B has no
	# object with that name loaded at the AK handle.
	"$mkreply" --ek bB.ek-public --ak b1.ak-public --device dev-A --blob plain.bin \
		>reply-mixed.yaml 2>>err
	"$activate" reply-mixed.yaml >out 2>err
	rc=$?
	checkd "TPM B: a reply for B's EK but A's AK refused (exit $rc)" \
		sh -c "[ $rc -eq 1 ] && grep -q credential-activate err"
	"$mkreply" --bootdata bB.yaml --blob plain.bin >replyB.yaml 2>>err &&
		"$activate" replyB.yaml >encB.yaml 2>err && ext encB.yaml encB && cmp -s encB.blob plain.bin
	checkd "TPM B: its own reply activates" test $? -eq 0
	stop
else
	not_ok "swtpm B with EK certificates started"
fi
tap_end
