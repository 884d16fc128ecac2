#!/bin/sh
# tpm-ekcert-verify: swtpm's EK certificates (read from NV with tpm2-tools)
# verify against swtpm's local CA and match the EKs tpm2_createek recreates;
# certificates made here with openssl (a test CA) exercise every refusal.
# Each refusal checks the exit status and that the message names the rule.
# Usage: ekcert.sh TOOL
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/tap.sh"
. "$here/swtpm.sh"
. "$here/swtpm-ek.sh"
tool=$1
tmp=$(mktemp -d)
trap 'swtpm_stop; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT

# A system python3 starts several times faster than a version-manager shim.
py=python3
for cand in /usr/bin/python3 python3; do
	if "$cand" -c 'import yaml' 2>/dev/null; then
		py=$cand
		break
	fi
done

run() { "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }
rc() { cat "$tmp/rc"; }
out_has() { grep -q -- "$1" "$tmp/out"; }
err_has() { grep -q -- "$1" "$tmp/err"; }
yaml_ok() { "$py" -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$tmp/out"; }
# refused STATUS RULE NAME -- CMD...: exit STATUS and RULE named on stderr.
refused() {
	want=$1 rule=$2 name=$3
	shift 4
	run "$@"
	if [ "$(rc)" -eq "$want" ] && err_has "$rule"; then
		ok "$name (exit $want, $rule)"
	else
		not_ok "$name (exit $want, $rule)"
		diag "exit $(rc)" "$(cat "$tmp/err")"
	fi
}
field() { "$py" -c 'import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[int(k)] if isinstance(d, list) else d[k]
print(d)' "$tmp/out" "$1"; }

# --- usage ---------------------------------------------------------------------
run "$tool" --help
check "--help exits 0 and shows usage" test "$(rc)" -eq 0 -a -n "$(grep Usage: "$tmp/out")"
run "$tool" --version
check "--version names the tool" test "$(rc)" -eq 0 -a -n "$(grep 'tpm-ekcert-verify (tcglog)' "$tmp/out")"
run "$tool" --no-such-option x
check "unknown option exits 2" test "$(rc)" -eq 2
run "$tool" --ca /dev/null
check "no CERT exits 2" test "$(rc)" -eq 2 -a -s "$tmp/err"
# Without --ca the installation's EK trust directory (--help names it) is read:
# missing or empty it is refused naming it, filled the missing CERT is named.
defdir=$("$tool" --help | sed -n 's|^ *\(/.*/ek-roots\)$|\1|p')
run "$tool" "$tmp/x.der"
check "no --ca reads the EK trust directory --help names ($defdir)" \
	test "$(rc)" -ne 0 -a -n "$defdir" -a -n "$(grep -e "$defdir" -e "$tmp/x.der" "$tmp/err")"

# --- certificates made with openssl --------------------------------------------
# openssl 3.0's x509 has no -not_before/-not_after; "openssl ca" sets any dates.
mkdir -p "$tmp/pki"
cat >"$tmp/pki/ca.cnf" <<'EOF'
oid_section = tcg_oids
[tcg_oids]
tpmManufacturer = 2.23.133.2.1
tpmModel = 2.23.133.2.2
tpmVersion = 2.23.133.2.3
[ca]
default_ca = test_ca
[test_ca]
dir = $ENV::CADIR
database = $dir/index.txt
new_certs_dir = $dir
serial = $dir/serial
default_md = sha256
policy = pol
unique_subject = no
email_in_dn = no
default_days = 3650
[pol]
commonName = supplied
[req]
distinguished_name = req_dn
[req_dn]
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[tpm_dn]
tpmManufacturer = id:49465800
tpmModel = SLB9670
tpmVersion = id:00070055
[ek_rsa]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyEncipherment
extendedKeyUsage = 2.23.133.8.1
subjectAltName = critical,dirName:tpm_dn
authorityKeyIdentifier = keyid
[ek_ecc]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyAgreement
extendedKeyUsage = 2.23.133.8.1
subjectAltName = critical,dirName:tpm_dn
authorityKeyIdentifier = keyid
[ek_ecc_keyenc]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyEncipherment
extendedKeyUsage = 2.23.133.8.1
subjectAltName = critical,dirName:tpm_dn
[ek_noeku]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyEncipherment
subjectAltName = critical,dirName:tpm_dn
[ek_nosan]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyEncipherment
extendedKeyUsage = 2.23.133.8.1
[ek_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyEncipherment
extendedKeyUsage = 2.23.133.8.1
subjectAltName = critical,dirName:tpm_dn
[ek_critsda]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyEncipherment
extendedKeyUsage = 2.23.133.8.1
subjectAltName = critical,dirName:tpm_dn
2.5.29.9 = critical,ASN1:SEQUENCE:sda
[ek_critother]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyEncipherment
extendedKeyUsage = 2.23.133.8.1
subjectAltName = critical,dirName:tpm_dn
1.3.6.1.4.1.99999.1 = critical,ASN1:NULL
[sda]
attr = SEQUENCE:sda_attr
[sda_attr]
type = OID:2.23.133.2.16
values = SETWRAP,SEQUENCE:tpm_spec
[tpm_spec]
family = UTF8:2.0
level = INT:0
revision = INT:138
EOF

# mkca NAME START END [ISSUER]: a CA (self-signed without ISSUER), P-256 key.
mkca() {
	d=$tmp/pki/$1
	mkdir -p "$d"
	: >"$d/index.txt"
	echo 01 >"$d/serial"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/key.pem" 2>/dev/null
	CADIR=$tmp/pki openssl req -new -config "$tmp/pki/ca.cnf" -key "$d/key.pem" -subj "/CN=tcglog test $1" \
		-out "$d/csr.pem" 2>/dev/null || return 1
	if [ $# -ge 4 ]; then
		i=$tmp/pki/$4
		CADIR=$i openssl ca -batch -config "$tmp/pki/ca.cnf" -cert "$i/cert.pem" -keyfile "$i/key.pem" \
			-extensions v3_ca -startdate "$2" -enddate "$3" -notext -in "$d/csr.pem" \
			-out "$d/cert.pem" 2>"$d/log"
	else
		CADIR=$d openssl ca -batch -config "$tmp/pki/ca.cnf" -selfsign -keyfile "$d/key.pem" \
			-extensions v3_ca -startdate "$2" -enddate "$3" -notext -in "$d/csr.pem" \
			-out "$d/cert.pem" 2>"$d/log"
	fi
}
# mkleaf OUT ISSUER EXTSECTION KEY START END: an EK-like certificate (DER in OUT).
mkleaf() {
	i=$tmp/pki/$2
	CADIR=$tmp/pki openssl req -new -config "$tmp/pki/ca.cnf" -key "$4" -subj "/CN=tcglog test EK" \
		-out "$1.csr" 2>/dev/null || return 1
	CADIR=$i openssl ca -batch -config "$tmp/pki/ca.cnf" -cert "$i/cert.pem" -keyfile "$i/key.pem" \
		-extensions "$3" -startdate "$5" -enddate "$6" -notext -in "$1.csr" -out "$1.pem" \
		2>"$1.log" || { diag "$(cat "$1.log")"; return 1; }
	openssl x509 -in "$1.pem" -outform DER -out "$1"
}

now_start=20240101000000Z
far_end=20491231235959Z
p=$tmp/pki
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$p/rsa.key" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$p/ecc.key" 2>/dev/null
openssl pkey -in "$p/rsa.key" -pubout -out "$p/rsa.pub.pem"
openssl pkey -in "$p/ecc.key" -pubout -out "$p/ecc.pub.pem"
if mkca root $now_start $far_end && mkca inter $now_start $far_end root &&
	mkca oldroot 20180101000000Z 20200101000000Z && mkca shortroot 20180101000000Z 20200101000000Z &&
	mkleaf "$p/good.der" inter ek_rsa "$p/rsa.key" $now_start $far_end &&
	mkleaf "$p/good-ecc.der" inter ek_ecc "$p/ecc.key" $now_start $far_end &&
	mkleaf "$p/noeku.der" inter ek_noeku "$p/rsa.key" $now_start $far_end &&
	mkleaf "$p/nosan.der" inter ek_nosan "$p/rsa.key" $now_start $far_end &&
	mkleaf "$p/isca.der" inter ek_ca "$p/rsa.key" $now_start $far_end &&
	mkleaf "$p/ecc-keyenc.der" inter ek_ecc_keyenc "$p/ecc.key" $now_start $far_end &&
	mkleaf "$p/critsda.der" inter ek_critsda "$p/rsa.key" $now_start $far_end &&
	mkleaf "$p/critother.der" inter ek_critother "$p/rsa.key" $now_start $far_end &&
	mkleaf "$p/expired.der" oldroot ek_rsa "$p/rsa.key" 20180601000000Z 20190601000000Z &&
	mkleaf "$p/under-expired-ca.der" shortroot ek_rsa "$p/rsa.key" $now_start $far_end &&
	mkleaf "$p/future.der" inter ek_rsa "$p/rsa.key" 20450101000000Z $far_end; then
	ok "test PKI made with openssl ca"
else
	not_ok "test PKI made with openssl ca"
	tap_end
	exit 1
fi
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=foreign CA" \
	-keyout "$p/foreign.key" -out "$p/foreign.pem" -days 1 2>/dev/null
root=$p/root/cert.pem
inter=$p/inter/cert.pem

run "$tool" --ca "$root" --untrusted "$inter" --ek "$p/rsa.pub.pem" "$p/good.der"
check "test EK (RSA) verifies with --ek as a PEM key (exit 0)" test "$(rc)" -eq 0
check "test EK: manufacturer decoded (Infineon)" test "$(field manufacturer.vendor)" = Infineon
check "test EK: model and version" test "$(field model) $(field version)" = "SLB9670 id:00070055"
check "test EK: chain of three, leaf first" \
	test "$(field chain.0)|$(field chain.2)" = "CN=tcglog test EK|CN=tcglog test root"
run "$tool" --ca "$root" --untrusted "$inter" --ek "$p/ecc.pub.pem" "$p/good-ecc.der"
check "test EK (ECC P-256, keyAgreement) verifies" test "$(rc)" -eq 0
run "$tool" --ca "$inter" "$p/good.der"
check "an intermediate given as --ca is a trust anchor (exit 0)" test "$(rc)" -eq 0

refused 1 ekcert-chain "foreign CA refused" -- "$tool" --ca "$p/foreign.pem" "$p/good.der"
refused 1 ekcert-chain "missing intermediate refused" -- "$tool" --ca "$root" "$p/good.der"
refused 1 ekcert-expired "expired chain refused" -- "$tool" --ca "$p/oldroot/cert.pem" "$p/expired.der"
refused 1 ekcert-expired "a valid EK under an expired CA refused" -- \
	"$tool" --ca "$p/shortroot/cert.pem" "$p/under-expired-ca.der"
check "the expired CA is named (certificate 1)" err_has "certificate 1 in the chain"
refused 1 ekcert-not-yet-valid "certificate not yet valid refused" -- \
	"$tool" --ca "$root" --untrusted "$inter" "$p/future.der"
refused 1 ekcert-key-mismatch "another key as --ek refused" -- \
	"$tool" --ca "$root" --untrusted "$inter" --ek "$p/ecc.pub.pem" "$p/good.der"
refused 1 ekcert-eku "no EK EKU refused in strict mode" -- \
	"$tool" --ca "$root" --untrusted "$inter" "$p/noeku.der"
run "$tool" --lenient --ca "$root" --untrusted "$inter" "$p/noeku.der"
check "no EK EKU accepted under --lenient (exit 0)" test "$(rc)" -eq 0
check "--lenient lists ekcert-eku as a warning" \
	test "$(field findings.0.rule) $(field findings.0.severity)" = "ekcert-eku warning"
check "--lenient warns on stderr" err_has "warning: ekcert-eku"
refused 1 ekcert-san "no subjectAltName refused" -- \
	"$tool" --ca "$root" --untrusted "$inter" "$p/nosan.der"
refused 1 ekcert-basic-constraints "CA:TRUE refused" -- \
	"$tool" --ca "$root" --untrusted "$inter" "$p/isca.der"
refused 1 ekcert-key-usage "ECC EK with keyEncipherment (no keyAgreement) refused" -- \
	"$tool" --ca "$root" --untrusted "$inter" "$p/ecc-keyenc.der"
run "$tool" --ca "$root" --untrusted "$inter" "$p/critsda.der"
check "critical subjectDirectoryAttributes (tpmSpecification) handled (exit 0)" test "$(rc)" -eq 0
check "tpmSpecification decoded" test "$(field tpm-specification.revision)" = 138
refused 1 ekcert-critical-ext "an unknown critical extension refused" -- \
	"$tool" --ca "$root" --untrusted "$inter" "$p/critother.der"
run "$tool" --lenient --ca "$root" --untrusted "$inter" "$p/critother.der"
check "an unknown critical extension refused under --lenient too" test "$(rc)" -eq 1

# --- NV quirks and unparsable input ----------------------------------------------
g=$p/good.der
cp "$g" "$tmp/pad0.der" && head -c 600 /dev/zero >>"$tmp/pad0.der"
run "$tool" --ca "$root" --untrusted "$inter" "$tmp/pad0.der"
check "NV padding 0x00 accepted (exit 0)" test "$(rc)" -eq 0
check "NV padding 0x00 reported as quirk nv-padding" \
	test "$(field quirks.0.name)" = nv-padding -a -n "$(grep '600 bytes of 0x00' "$tmp/out")"
cp "$g" "$tmp/padff.der" && head -c 300 /dev/zero | tr '\000' '\377' >>"$tmp/padff.der"
run "$tool" --ca "$root" --untrusted "$inter" "$tmp/padff.der"
check "NV padding 0xFF accepted and reported" \
	test "$(rc)" -eq 0 -a "$(field quirks.0.name)" = nv-padding -a -n "$(grep 'of 0xff' "$tmp/out")"
"$py" -c 'import sys; d = open(sys.argv[1], "rb").read()
sys.stdout.buffer.write(bytes([0x10, 1, 0, len(d) >> 8, len(d) & 255]) + d)' "$g" >"$tmp/hdr.der"
run "$tool" --ca "$root" --untrusted "$inter" "$tmp/hdr.der"
check "5-byte NV header accepted and reported as nv-header" \
	test "$(rc)" -eq 0 -a "$(field quirks.0.name)" = nv-header
"$py" -c 'import sys; d = open(sys.argv[1], "rb").read()
sys.stdout.buffer.write(bytes([0x10, 1, 0, (len(d) + 9) >> 8, (len(d) + 9) & 255]) + d + bytes(9))' \
	"$g" >"$tmp/hdrbad.der"
refused 2 ekcert-nv-header "NV header whose length disagrees refused" -- \
	"$tool" --ca "$root" "$tmp/hdrbad.der"
printf 'this is not a certificate\n' >"$tmp/garbage"
refused 2 ekcert-parse "garbage refused" -- "$tool" --ca "$root" "$tmp/garbage"
head -c 400 "$g" >"$tmp/trunc.der"
refused 2 ekcert-truncated "truncated DER refused" -- "$tool" --ca "$root" "$tmp/trunc.der"
head -c 1 "$g" >"$tmp/trunc1.der"
refused 2 ekcert-truncated "one byte of DER refused" -- "$tool" --ca "$root" "$tmp/trunc1.der"
cp "$g" "$tmp/junk.der" && printf 'junk' >>"$tmp/junk.der"
refused 2 ekcert-trailing-data "trailing bytes that are not padding refused" -- \
	"$tool" --ca "$root" "$tmp/junk.der"
cp "$g" "$tmp/mixed.der" && printf '\000\000\377' >>"$tmp/mixed.der"
refused 2 ekcert-trailing-data "mixed 0x00/0xFF padding refused" -- "$tool" --ca "$root" "$tmp/mixed.der"
"$py" -c 'import sys; d = bytearray(open(sys.argv[1], "rb").read()); d[len(d) // 2] ^= 0xff
sys.stdout.buffer.write(bytes(d))' "$g" >"$tmp/flip.der"
run "$tool" --ca "$root" --untrusted "$inter" "$tmp/flip.der"
check "a flipped byte inside the certificate is refused (exit 1 or 2)" \
	test "$(rc)" -eq 1 -o "$(rc)" -eq 2
: >"$tmp/empty"
refused 2 ekcert-empty "empty input refused" -- "$tool" --ca "$root" "$tmp/empty"
cat "$p/good.der.pem" "$p/noeku.der.pem" >"$tmp/two.pem"
refused 2 ekcert-pem "two PEM certificates as CERT refused" -- "$tool" --ca "$root" "$tmp/two.pem"
refused 2 ekcert-ca-parse "unparsable --ca refused" -- "$tool" --ca "$tmp/garbage" "$g"
mkdir "$tmp/emptydir"
refused 2 ekcert-ca-empty "--ca directory without certificates refused" -- \
	"$tool" --ca "$tmp/emptydir" "$g"
refused 2 public-unmarshal "unparsable --ek refused" -- "$tool" --ca "$root" --ek "$tmp/garbage" "$g"
run "$tool" --ca "$tmp/does-not-exist" "$g"
check "missing --ca file exits 3 naming it" test "$(rc)" -eq 3 && err_has does-not-exist

# --- swtpm: EK certificates from the TPM's NV indices ------------------------------
missing=$(swtpm_ek_have_tools)
if [ -n "$missing" ]; then
	skip "swtpm EK certificates" "$missing is not installed"
	tap_end
	exit $?
fi
s=$tmp/swtpm
if ! swtpm_ek_setup "$s"; then
	not_ok "swtpm_setup makes EK certificates with a private configuration"
	diag "$(cat "$s/setup.log")"
	tap_end
	exit 1
fi
ok "swtpm_setup makes EK certificates with a private configuration"
if ! swtpm_ek_start "$s"; then
	not_ok "swtpm starts on the manufactured state"
	tap_end
	exit 1
fi
swtpm_ek_read_cert rsa "$tmp/ek-rsa.der" && swtpm_ek_read_cert ecc "$tmp/ek-ecc.der"
check "EK certificates read from NV 0x01c00002 (RSA) and 0x01c00016 (ECC P-384)" \
	test -s "$tmp/ek-rsa.der" -a -s "$tmp/ek-ecc.der"
swtpm_ek_read_pub rsa "$tmp/ek-rsa.pub" && swtpm_ek_read_pub ecc "$tmp/ek-ecc.pub"
check "EK public areas from tpm2_createek -G rsa / -G ecc384" \
	test -s "$tmp/ek-rsa.pub" -a -s "$tmp/ek-ecc.pub"
if tpm2_nvreadpublic 0x01c0000a >/dev/null 2>&1; then
	diag "note: this swtpm also has a low-range ECC EK certificate at 0x01c0000a"
fi
swtpm_stop
sroot=$(swtpm_ek_root "$s")
sinter=$(swtpm_ek_issuer "$s")

run "$tool" --ca "$sroot" --untrusted "$sinter" --ek "$tmp/ek-rsa.pub" "$tmp/ek-rsa.der"
check "swtpm RSA EK certificate verifies against the local CA with --ek (exit 0)" test "$(rc)" -eq 0
[ "$(rc)" -eq 0 ] || diag "$(cat "$tmp/err")"
check "swtpm RSA: YAML parses, verified: true" yaml_ok
check "swtpm RSA: verified true, key rsa 2048, EK public matches" \
	test "$(field verified) $(field key.type) $(field key.bits) $(field key.ek-public)" = "True rsa 2048 matches"
check "swtpm RSA: manufacturer id:00001014 decoded as swtpm, model swtpm" \
	test "$(field manufacturer.id) $(field manufacturer.vendor) $(field model)" = "id:00001014 swtpm swtpm"
check "swtpm RSA: chain EK, swtpm-localca, swtpm-localca-rootca" \
	test "$(field chain.1)|$(field chain.2)" = "CN=swtpm-localca|CN=swtpm-localca-rootca"
check "swtpm RSA: no quirks, no findings" test "$(field quirks) $(field findings)" = "[] []"
run "$tool" --ca "$sroot" --untrusted "$sinter" --ek "$tmp/ek-ecc.pub" "$tmp/ek-ecc.der"
check "swtpm ECC EK certificate verifies against the local CA with --ek (exit 0)" test "$(rc)" -eq 0
[ "$(rc)" -eq 0 ] || diag "$(cat "$tmp/err")"
check "swtpm ECC: key ecc 384 secp384r1, EK public matches" \
	test "$(field key.type) $(field key.bits) $(field key.curve) $(field key.ek-public)" = "ecc 384 secp384r1 matches"
run "$tool" --ca "$s/ca" --ek "$tmp/ek-rsa.pub" - <"$tmp/ek-rsa.der"
check "swtpm RSA from stdin with --ca DIR (local CA's directory) verifies" test "$(rc)" -eq 0
refused 1 ekcert-key-mismatch "swtpm RSA certificate with the ECC EK public area refused" -- \
	"$tool" --ca "$sroot" --untrusted "$sinter" --ek "$tmp/ek-ecc.pub" "$tmp/ek-rsa.der"
check "... and its output says the EK public area differs" test "$(field key.ek-public)" = differs
refused 1 ekcert-key-mismatch "swtpm ECC certificate with the RSA EK public area refused" -- \
	"$tool" --ca "$sroot" --untrusted "$sinter" --ek "$tmp/ek-rsa.pub" "$tmp/ek-ecc.der"
refused 1 ekcert-chain "swtpm EK certificate against a foreign CA refused" -- \
	"$tool" --ca "$p/foreign.pem" --untrusted "$sinter" "$tmp/ek-rsa.der"
refused 1 ekcert-chain "swtpm EK certificate against the test CA refused" -- \
	"$tool" --ca "$root" "$tmp/ek-ecc.der"
cp "$tmp/ek-rsa.der" "$tmp/ek-rsa-pad.der" && head -c 200 /dev/zero | tr '\000' '\377' >>"$tmp/ek-rsa-pad.der"
run "$tool" --ca "$sroot" --untrusted "$sinter" --ek "$tmp/ek-rsa.pub" "$tmp/ek-rsa-pad.der"
check "swtpm RSA with 0xFF NV padding verifies, quirk reported" \
	test "$(rc)" -eq 0 -a "$(field quirks.0.name)" = nv-padding
tap_end
