#!/bin/sh
# tpm-quote-verify against evidence from a real TPM 2.0 (swtpm), made with
# tpm2-tools: good quotes are accepted (and tpm2_checkquote agrees), every
# forgery and mismatch is refused with exit 1 or 2 and its rule named.
# Usage: quote.sh BUILDDIR CORPUSDIR [VERIFIER_MANY]
set -u
here=$(dirname "$0")
. "$here/../tap.sh"
. "$here/../swtpm.sh"
build=$1
qv=$build/tools/tpm-quote-verify
dump=$build/tools/tcglog-dump
mklog=$build/tests/mklog
many=${3:-}
case $many in "" | /*) ;; *) many=$PWD/$many ;; esac
tmp=$(mktemp -d)
trap 'swtpm_stop; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

for tool in swtpm tpm2_quote tpm2_checkquote ss; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		skip "quotes on swtpm" "$tool is not installed"
		tap_end
		exit 0
	fi
done
if ! swtpm_start "$tmp/state"; then
	not_ok "swtpm starts"
	tap_end
	exit 1
fi

# swtpm has no resource manager: flush transient objects after each step.
t() { "$@" >/dev/null 2>>"$tmp/tpm.err" && tpm2_flushcontext -t >/dev/null 2>&1; }
N=c0ffee0123456789
# Objects: EK, RSA and ECC AKs under it, a second RSA AK, an unrestricted signing key,
# an AK with SHA-1 everywhere, and an NV index to certify.
t tpm2_createek -c ek.ctx -G rsa -u ek.pub
t tpm2_createak -C ek.ctx -c ak.ctx -G rsa -g sha256 -s rsassa -u ak.pub -n ak.name
t tpm2_createak -C ek.ctx -c akecc.ctx -G ecc -g sha256 -s ecdsa -u akecc.pub -n akecc.name
t tpm2_createak -C ek.ctx -c ak2.ctx -G rsa -g sha256 -s rsassa -u ak2.pub -n ak2.name
t tpm2_createak -C ek.ctx -c aksha1.ctx -G rsa -g sha1 -s rsassa -u aksha1.pub -n aksha1.name
t tpm2_createprimary -C o -c owner.ctx
t tpm2_create -C owner.ctx -G rsa2048 -u signer.pub -r signer.priv \
	-a "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign"
t tpm2_load -C owner.ctx -u signer.pub -r signer.priv -c signer.ctx
t tpm2_readpublic -c signer.ctx -f pem -o signer.pem
t tpm2_readpublic -c signer.ctx -o signer.tpm2b
t tpm2_nvdefine 0x1500016 -C o -s 32 -a "ownerread|ownerwrite|authread|authwrite"
t tpm2_nvwrite 0x1500016 -C o -i ek.pub --offset 0 -s 32 2>/dev/null ||
	{ head -c 32 ek.pub >nvdata; t tpm2_nvwrite 0x1500016 -C o -i nvdata; }

# The generated log's digests go into the TPM, so its PCRs replay from the log.
"$mklog" strings >boot.bin
"$dump" --hex boot.bin | python3 -c '
import sys, yaml
for e in yaml.safe_load(sys.stdin)["events"]:
    if e["EventType"] != "EV_NO_ACTION" and e["PCRIndex"] != -1 and "Digests" in e:
        print("%d:%s" % (e["PCRIndex"], ",".join("%s=%s" % (d["AlgorithmId"], d["Digest"]) for d in e["Digests"])))
' | xargs tpm2_pcrextend

SEL=sha256:0,5,8
t tpm2_quote -c ak.ctx -l "$SEL" -q "$N" -m q.msg -s q.sig -o q.pcrs -g sha256
tpm2_pcrread "$SEL" >q.yaml 2>/dev/null
t tpm2_quote -c akecc.ctx -l "$SEL" -q "$N" -m qe.msg -s qe.sig -o qe.pcrs -g sha256
t tpm2_quote -c ak.ctx -l sha1:0,5,8+sha256:0,5,8 -q "$N" -m qm.msg -s qm.sig -o qm.pcrs -g sha256
t tpm2_quote -c ak2.ctx -l "$SEL" -q "$N" -m q2.msg -s q2.sig -o q2.pcrs -g sha256
t tpm2_quote -c ak.ctx -l "$SEL" -m qn.msg -s qn.sig -o qn.pcrs -g sha256
t tpm2_quote -c ak.ctx -l sha256:0,5 -q "$N" -m qf.msg -s qf.sig -o qf.pcrs -g sha256
t tpm2_quote -c aksha1.ctx -l "$SEL" -q "$N" -m q1.msg -s q1.sig -o q1.pcrs -g sha1
t tpm2_nvcertify -C ak.ctx -g sha256 -s rsassa -q "$N" -o nv.sig --attestation nv.msg --size 32 0x1500016
tpm2_pcrread sha256:0,5,8,9 >q-extra.yaml 2>/dev/null
# Quotes that prove nothing: only the resettable PCRs, or only a PCR the log
# never extends (mklog's strings log extends 0, 5 and 8; 9 holds zeros, as in any boot).
t tpm2_quote -c ak.ctx -l sha256:16 -q "$N" -m q16.msg -s q16.sig -o q16.pcrs -g sha256
t tpm2_quote -c ak.ctx -l sha256:16,23 -q "$N" -m q1623.msg -s q1623.sig -o q1623.pcrs -g sha256
t tpm2_quote -c ak.ctx -l sha256:9 -q "$N" -m q9.msg -s q9.sig -o q9.pcrs -g sha256
# More quotes by the same AK (each with its own clock), for one verifier over many.
for i in 1 2 3 4 5; do
	t tpm2_quote -c ak.ctx -l "$SEL" -q "$N" -m "qr$i.msg" -s "qr$i.sig" -o "qr$i.pcrs" -g sha256
done
swtpm_stop
if [ -s "$tmp/tpm.err" ] && grep -q ERROR "$tmp/tpm.err"; then
	not_ok "making the reference objects with tpm2-tools"
	diag "$(grep ERROR "$tmp/tpm.err" | head -5)"
fi

run() { "$qv" "$@" >out 2>err; echo $? >rc; }
accepted() { test "$(cat rc)" -eq 0 && grep -q '^verified: true' out; }
refused() { test "$(cat rc)" -eq "$1" && grep -q -- "$2" err; }

# ---- accepted, and tpm2_checkquote agrees
run --ak ak.pub --msg q.msg --sig q.sig --nonce "$N" --pcrs q.pcrs
check "RSA AK, SHA-256 quote, tpm2_quote -o PCR file: verified" accepted
tpm2_checkquote -u ak.pub -m q.msg -s q.sig -f q.pcrs -g sha256 -q "$N" >/dev/null 2>&1
check "tpm2_checkquote agrees on the same quote" test $? -eq 0
run --ak ak.pub --msg q.msg --sig q.sig --nonce "$N" --pcrs q.yaml
check "RSA AK, tpm2_pcrread YAML PCR file: verified" accepted
run --ak akecc.pub --msg qe.msg --sig qe.sig --nonce "$N" --pcrs qe.pcrs
check "ECC AK (ECDSA P-256): verified" accepted
run --ak ak.pub --msg qm.msg --sig qm.sig --nonce "$N" --pcrs qm.pcrs --allow-sha1
check "multi-bank SHA-1 + SHA-256 quote with --allow-sha1: verified" accepted
run --ak ak.pub --msg q.msg --sig q.sig --nonce "$N" --log boot.bin
check "quote checked against the event log replayed into the TPM: verified" accepted
check "the log-verified values are printed" grep -q 'pcrSource: event-log' out
tpm2_readpublic -c ak.ctx >/dev/null 2>&1 # (no TPM now: only the file formats matter below)
"$build/tools/tcglog-dump" --hex boot.bin >/dev/null
run --ak ak.pub --msg q.msg --sig q.sig --nonce "$N" --pcrs q.pcrs
check "the AK name printed is the one tpm2_createak wrote" \
	grep -q "name: \"$(xxd -p ak.name | tr -d '\n')\"" out

run --ak ak.pub --msg q.msg --sig q.sig --nonce "$N" --log boot.bin --pcr-list sha256:0,5,8
check "--pcr-list naming the quote's own selection: verified" accepted
run --ak ak.pub --msg qm.msg --sig qm.sig --nonce "$N" --pcrs qm.pcrs --allow-sha1 \
	--pcr-list sha256:0,5,8+sha1:0,5,8
check "--pcr-list with the banks in another order than the quote's: verified" accepted

# ---- quotes that prove nothing, and selections the caller did not ask for
check "the strings log extends no PCR 9 (the unlogged quote below relies on it)" \
	sh -c "\"$dump\" boot.bin | grep -q 'PCRIndex: 9\$' && exit 1 || exit 0"
run --ak ak.pub --msg q16.msg --sig q16.sig --nonce "$N" --log boot.bin
check "a quote over PCR 16 only, with a log: exit 1, quote-selection-resettable" \
	refused 1 quote-selection-resettable
run --ak ak.pub --msg q16.msg --sig q16.sig --nonce "$N" --pcrs q16.pcrs
check "a quote over PCR 16 only, with values: exit 1, quote-selection-resettable" \
	refused 1 quote-selection-resettable
run --ak ak.pub --msg q1623.msg --sig q1623.sig --nonce "$N" --pcrs q1623.pcrs
check "a quote over PCRs 16 and 23: exit 1, quote-selection-resettable" \
	refused 1 quote-selection-resettable
tpm2_checkquote -u ak.pub -m q9.msg -s q9.sig -f q9.pcrs -g sha256 -q "$N" >/dev/null 2>&1
check "the PCR-9 quote itself is genuine (tpm2_checkquote accepts it)" test $? -eq 0
run --ak ak.pub --msg q9.msg --sig q9.sig --nonce "$N" --log boot.bin
check "a quote over only a PCR the log never extends: exit 1, quote-selection-unlogged" \
	refused 1 quote-selection-unlogged
run --ak ak.pub --msg qf.msg --sig qf.sig --nonce "$N" --log boot.bin --pcr-list sha256:0,5,8
check "a quote over fewer PCRs than --pcr-list: exit 1, quote-selection-required" \
	refused 1 quote-selection-required
run --ak ak.pub --msg qm.msg --sig qm.sig --nonce "$N" --pcrs qm.pcrs --allow-sha1 \
	--pcr-list sha256:0,5,8
check "a quote with a bank --pcr-list does not name: exit 1, quote-selection-required" \
	refused 1 quote-selection-required
run --ak ak.pub --msg q.msg --sig q.sig --nonce "$N" --log boot.bin --pcr-list sha256:0+5
check "a malformed --pcr-list: exit 2" refused 2 pcr-list

# ---- refused, each naming its rule
run --ak ak.pub --msg q.msg --sig q.sig --nonce c0ffee0123456788 --pcrs q.pcrs
check "wrong nonce: exit 1, quote-nonce" refused 1 quote-nonce
run --ak ak.pub --msg qn.msg --sig qn.sig --nonce "$N" --pcrs qn.pcrs
check "quote made without a nonce: exit 1, quote-nonce" refused 1 quote-nonce
run --ak ak.pub --msg q.msg --sig q.sig --pcrs q.pcrs
check "no --nonce: exit 2, says a nonce is required" refused 2 nonce
sed 's/^\(    8 : 0x\)./\1F/' q.yaml >changed.yaml
cmp -s changed.yaml q.yaml && sed -i 's/^\(    8 : 0x\)F/\10/' changed.yaml
run --ak ak.pub --msg q.msg --sig q.sig --nonce "$N" --pcrs changed.yaml
check "a changed PCR value: exit 1, quote-pcr-digest" refused 1 quote-pcr-digest
awk '/^    5 :/ { v5 = $0; next } /^    8 :/ { v8 = $0; next } { print }
     END { sub(/5 :/, "8 :", v5); sub(/8 :/, "5 :", v8); print v8; print v5 }' q.yaml >swapped.yaml
run --ak ak.pub --msg q.msg --sig q.sig --nonce "$N" --pcrs swapped.yaml
check "PCR values relabelled to other indices: exit 1, quote-pcr-digest" refused 1 quote-pcr-digest
run --ak ak.pub --msg qf.msg --sig qf.sig --nonce "$N" --pcrs q.yaml
check "a quote over fewer PCRs than the values given: exit 1, quote-selection" refused 1 quote-selection
run --ak ak.pub --msg q.msg --sig q.sig --nonce "$N" --pcrs q-extra.yaml
check "values for a PCR the quote does not cover: exit 1, quote-selection" refused 1 quote-selection
run --ak ak.pub --msg nv.msg --sig nv.sig --nonce "$N" --pcrs q.pcrs
check "an NV_Certify signed by the AK passed off as a quote: exit 1, quote-type" refused 1 quote-type
run --ak ak2.pub --msg q.msg --sig q.sig --nonce "$N" --pcrs q.pcrs
check "another AK's key: exit 1, quote-signature" refused 1 quote-signature
run --ak ak.pub --msg q.msg --sig q2.sig --nonce "$N" --pcrs q.pcrs
check "a signature from another message: exit 1, quote-signature" refused 1 quote-signature
run --ak aksha1.pub --msg q1.msg --sig q1.sig --nonce "$N" --pcrs q1.pcrs
check "an AK that signs with SHA-1, without --allow-sha1: exit 1, ak-scheme-hash" \
	refused 1 ak-scheme-hash
run --ak aksha1.pub --msg q1.msg --sig q1.sig --nonce "$N" --pcrs q1.pcrs --allow-sha1
check "the same SHA-1 AK with --allow-sha1: verified" accepted
run --ak ak.pub --msg qm.msg --sig qm.sig --nonce "$N" --pcrs qm.pcrs
check "a SHA-1 PCR bank without --allow-sha1: exit 1, quote-bank-sha1" refused 1 quote-bank-sha1
run --ak ak.pub --msg q.msg --sig q.sig --nonce "$N" --log "$tmp/other.bin" 2>/dev/null
"$mklog" locality >other.bin
run --ak ak.pub --msg q.msg --sig q.sig --nonce "$N" --log other.bin
check "an event log that does not replay to the quote: exit 1, quote-log-mismatch" \
	refused 1 quote-log-mismatch

# A forged TPMS_ATTEST: the good quote's body with another PCR digest, signed by an
# unrestricted key (restricted keys refuse to sign anything that starts with the magic).
python3 -c '
import sys
m = bytearray(open("q.msg", "rb").read())
m[-1] ^= 1
open("forged.msg", "wb").write(m)
m2 = bytearray(open("q.msg", "rb").read())
m2[0] = 0x00
open("badmagic.msg", "wb").write(m2)
'
if swtpm_start "$tmp/state"; then
	t tpm2_createprimary -C o -c owner.ctx
	t tpm2_load -C owner.ctx -u signer.pub -r signer.priv -c signer.ctx
	t tpm2_sign -c signer.ctx -g sha256 -s rsassa -o forged.sig forged.msg
	t tpm2_load -C owner.ctx -u signer.pub -r signer.priv -c signer.ctx
	t tpm2_sign -c signer.ctx -g sha256 -s rsassa -o badmagic.sig badmagic.msg
	t tpm2_load -C owner.ctx -u signer.pub -r signer.priv -c signer.ctx
	t tpm2_sign -c signer.ctx -g sha256 -s rsassa -o copied.sig q.msg
	swtpm_stop
fi
run --ak signer.tpm2b --msg forged.msg --sig forged.sig --nonce "$N" --pcrs q.pcrs
check "a forged TPMS_ATTEST signed by an unrestricted key: exit 1, ak-restricted" \
	refused 1 ak-restricted
# A PEM key cannot show restricted or fixedTPM: the genuine quote body signed by
# the unrestricted key passes every other check, so it is refused unless asked for.
run --ak signer.pem --msg q.msg --sig copied.sig --nonce "$N" --pcrs q.pcrs
check "a quote signed by an unrestricted key given as PEM: exit 1, ak-unchecked-pem" \
	refused 1 ak-unchecked-pem
run --ak ak.pub --msg q.msg --sig q.sig --nonce "$N" --pcrs q.pcrs --ak-unchecked-pem
check "--ak-unchecked-pem changes nothing for a TPM2B_PUBLIC AK" grep -q 'checks: passed' out
run --ak signer.pem --msg q.msg --sig copied.sig --nonce "$N" --pcrs q.pcrs --ak-unchecked-pem
check "with --ak-unchecked-pem the PEM key is accepted and the output says the AK is unchecked" \
	sh -c 'grep -q "^verified: true" out && grep -q "checks: not-run" out &&
	       grep -q "note: .*ak-unchecked-pem" out'
run --ak signer.pem --msg badmagic.msg --sig badmagic.sig --nonce "$N" --pcrs q.pcrs \
	--ak-unchecked-pem
check "a structure without TPM_GENERATED magic (bare PEM key): exit 1, quote-magic" \
	refused 1 quote-magic
run --ak signer.pem --msg forged.msg --sig forged.sig --nonce "$N" --pcrs q.pcrs --ak-unchecked-pem
check "a forged PCR digest signed by the key given as PEM: exit 1, quote-pcr-digest" \
	refused 1 quote-pcr-digest
tpm2_checkquote -u signer.pem -m badmagic.msg -s badmagic.sig -f q.pcrs -g sha256 -q "$N" >/dev/null 2>&1
diag "tpm2_checkquote on the bad-magic forgery: exit $? (5.4 is known to accept it)"

# AK attribute rules: the real AK's public area with one attribute changed (the key
# checks come before the signature, so each is refused for the attribute).
flip() { python3 -c '
import sys
b = bytearray(open("ak.pub", "rb").read())
a = int.from_bytes(b[6:10], "big")
a ^= int(sys.argv[1], 16)
b[6:10] = a.to_bytes(4, "big")
open(sys.argv[2], "wb").write(b)
' "$1" "$2"; }
flip 0x00010000 ak-unrestricted.pub
flip 0x00000002 ak-nofixedtpm.pub
flip 0x00020000 ak-decrypt.pub
run --ak ak-unrestricted.pub --msg q.msg --sig q.sig --nonce "$N" --pcrs q.pcrs
check "an AK without restricted: exit 1, ak-restricted" refused 1 ak-restricted
run --ak ak-nofixedtpm.pub --msg q.msg --sig q.sig --nonce "$N" --pcrs q.pcrs
check "an AK without fixedTPM: exit 1, ak-fixed-tpm" refused 1 ak-fixed-tpm
run --ak ak-decrypt.pub --msg q.msg --sig q.sig --nonce "$N" --pcrs q.pcrs
check "an AK with decrypt: exit 1, ak-decrypt" refused 1 ak-decrypt

# An RSA exponent of 1 would make any "signature" verify: refused when the key is read.
python3 -c '
b = bytearray(open("ak.pub", "rb").read())
o = 12 + int.from_bytes(b[10:12], "big")   # after size, type, nameAlg, attributes, authPolicy
assert int.from_bytes(b[o:o + 2], "big") == 0x10  # symmetric: NULL
o += 2 + 4 + 2                              # symmetric, scheme + hash, keyBits
b[o:o + 4] = (1).to_bytes(4, "big")
open("ak-e1.pub", "wb").write(b)
'
run --ak ak-e1.pub --msg q.msg --sig q.sig --nonce "$N" --pcrs q.pcrs
check "an AK whose RSA exponent is 1: exit 2, public-rsa-exponent" refused 2 public-rsa-exponent

# Truncated and oversized structures: exit 2.
head -c -1 q.msg >short.msg
cp q.msg long.msg && printf '\0' >>long.msg
head -c -1 q.sig >short.sig
cp ak.pub long.pub && printf '\0' >>long.pub
run --ak ak.pub --msg short.msg --sig q.sig --nonce "$N" --pcrs q.pcrs
check "a truncated TPMS_ATTEST: exit 2, attest-unmarshal" refused 2 attest-unmarshal
run --ak ak.pub --msg long.msg --sig q.sig --nonce "$N" --pcrs q.pcrs
check "a TPMS_ATTEST with a trailing byte: exit 2, attest-trailing-data" refused 2 attest-trailing-data
run --ak ak.pub --msg q.msg --sig short.sig --nonce "$N" --pcrs q.pcrs
check "a truncated TPMT_SIGNATURE: exit 2, signature-unmarshal" refused 2 signature-unmarshal
run --ak long.pub --msg q.msg --sig q.sig --nonce "$N" --pcrs q.pcrs
check "a TPM2B_PUBLIC with a trailing byte: exit 2, public-trailing-data" refused 2 public-trailing-data
# One verifier object, made once from the AK, over many quotes: the good ones
# pass, each bad one among them is refused for its own rule, and a good one
# right after a refusal still passes (nothing of one quote carries to the next).
if [ -n "$many" ]; then
	"$many" ak.pub "$N" \
		qr1.msg qr1.sig qr1.pcrs ok qr2.msg qr2.sig qr2.pcrs ok qr3.msg qr3.sig qr3.pcrs ok \
		q.msg q2.sig q.pcrs quote-signature \
		qr4.msg qr4.sig qr4.pcrs ok \
		q.msg q.sig changed.yaml quote-pcr-digest \
		qf.msg qf.sig qf.pcrs ok \
		qe.msg qe.sig qe.pcrs quote-signature-scheme \
		qr5.msg qr5.sig qr5.pcrs ok \
		q16.msg q16.sig q16.pcrs quote-selection-resettable \
		qm.msg qm.sig qm.pcrs quote-bank-sha1 \
		forged.msg forged.sig q.pcrs quote-signature \
		q.msg q.sig q.pcrs ok >many.out 2>many.err
	check "one verifier: 7 quotes verified, 6 forgeries and mismatches refused by rule, in turn" \
		test $? -eq 0
	[ -s many.err ] && diag "$(cat many.err)"
	for k in qr1 qr2 qr3 qr4 qr5 qf; do
		tpm2_checkquote -u ak.pub -m $k.msg -s $k.sig -f $k.pcrs -g sha256 -q "$N" >/dev/null 2>&1 ||
			not_ok "tpm2_checkquote accepts $k, which the verifier was expected to accept"
	done
	"$many" ak.pub "$N" qr1.msg qr1.sig qr1.pcrs ok q.msg q2.sig q.pcrs ok >/dev/null 2>&1
	check "the helper fails when an outcome is not the expected one (a forgery expected ok)" \
		test $? -eq 1
else
	skip "one verifier over many quotes" "no verifier_many helper given"
fi
tap_end
