#!/bin/sh
# tcglog-ek-roots against file:// copies of CA certificates made here with
# openssl: those whose SHA-256 (openssl's own fingerprint) the list gives are
# written as PEM, one listed with a wrong fingerprint is refused and not
# written, a bad list changes nothing, a missing file is an environment
# failure; tpm-ekcert-verify chains to the directory written, and reads the
# installation's directory when no --ca is given. The shipped list is well
# formed. Usage: ek-roots.sh BUILDDIR SRCDIR
set -u
. "$(dirname "$0")/../tap.sh"
build=$1
src=$2
script=$build/tools/tcglog-ek-roots
verify=$build/tools/tpm-ekcert-verify
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for need in curl openssl sha256sum; do
	if ! command -v "$need" >/dev/null; then
		skip "EK trust anchors" "$need is not installed"
		tap_end
		exit 0
	fi
done

# ca NAME ALGORITHM-OPTIONS...: a self-signed CA, NAME.pem and NAME.der.
ca() {
	n=$1
	shift
	openssl req -x509 -new -nodes -days 30 -subj "/O=tcglog test/CN=$n" -keyout "$tmp/$n.key" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
		-out "$tmp/$n.pem" "$@" 2>/dev/null &&
		openssl x509 -in "$tmp/$n.pem" -outform DER -out "$tmp/$n.der"
}
# fp NAME: the SHA-256 fingerprint openssl computes, lowercase hex.
fp() { openssl x509 -in "$tmp/$1.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f; }

ca rsa-root -newkey rsa:2048 && ca ecc-root -newkey ec -pkeyopt ec_paramgen_curve:P-256 &&
	ca forged -newkey ec -pkeyopt ec_paramgen_curve:P-256
check "three test CAs made with openssl" test -s "$tmp/forged.der"
# One published as DER, one as PEM, one whose list entry is another CA's fingerprint.
cat >"$tmp/list" <<EOF
# test list
TestVendor $(fp rsa-root) file://$tmp/rsa-root.der Test RSA Root CA

TestVendor $(fp ecc-root) file://$tmp/ecc-root.pem Test ECC Root (PEM)
Forger $(fp rsa-root) file://$tmp/forged.der Forged Root CA
EOF
out=$tmp/roots
"$script" --list "$tmp/list" --output "$out" >"$tmp/stdout" 2>"$tmp/err"
rc=$?
check "a fingerprint mismatch exits 1" test "$rc" -eq 1
diag "$(cat "$tmp/err")"
check "the refusal names the URL and the rule ek-root-fingerprint" \
	grep -q "^tcglog-ek-roots: file://$tmp/forged.der: ek-root-fingerprint: " "$tmp/err"
forged_fp=$(openssl x509 -in "$tmp/forged.pem" -noout -fingerprint -sha256)
check "the refused certificate is not written" sh -c '[ "$(ls "$1" | wc -l)" -eq 2 ] &&
	for p in "$1"/*; do [ "$(openssl x509 -in "$p" -noout -fingerprint -sha256)" != "$2" ] || exit 1; done' \
	- "$out" "$forged_fp"
for n in rsa-root ecc-root; do
	f=$(grep -l "" "$out"/*.pem | while read -r p; do
		[ "$(openssl x509 -in "$p" -noout -fingerprint -sha256)" = "$(openssl x509 -in "$tmp/$n.pem" -noout -fingerprint -sha256)" ] && echo "$p"
	done)
	check "$n is written as PEM with openssl's fingerprint (${f##*/})" \
		sh -c '[ -n "$1" ] && grep -q -- "-----BEGIN CERTIFICATE-----" "$1"' - "$f"
done
check "files are named VENDOR-NAME.pem" test -f "$out/TestVendor-Test-RSA-Root-CA.pem"
check "nothing is left half-written (no dot files)" test -z "$(ls -A "$out" | grep '^\.')"

# The directory anchors tpm-ekcert-verify: a leaf under the ECC root chains to it.
openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj "/CN=tcglog test EK" \
	-keyout "$tmp/leaf.key" -out "$tmp/leaf.csr" 2>/dev/null &&
	openssl x509 -req -in "$tmp/leaf.csr" -CA "$tmp/ecc-root.pem" -CAkey "$tmp/ecc-root.key" \
		-days 30 -outform DER -out "$tmp/leaf.der" 2>/dev/null
"$verify" --ca "$out" "$tmp/leaf.der" >"$tmp/v" 2>"$tmp/verr"
check "tpm-ekcert-verify --ca DIR chains a certificate to a CA the script wrote" \
	sh -c 'grep -q "CN=tcglog test EK" "$1" && grep -q "CN=ecc-root" "$1" && ! grep -q "ekcert-chain" "$1" "$2"' - "$tmp/v" "$tmp/verr"
grep -q "CN=ecc-root" "$tmp/v" || diag "$(cat "$tmp/v" "$tmp/verr")"
rm -f "$out"/TestVendor-Test-ECC*
"$verify" --ca "$out" "$tmp/leaf.der" >"$tmp/v" 2>&1
check "and refuses it once that CA is gone (ekcert-chain)" grep -q ekcert-chain "$tmp/v"

grep -v Forger "$tmp/list" >"$tmp/good"
"$script" -l "$tmp/good" -o "$tmp/again" 2>"$tmp/err"
check "a list whose every fingerprint matches exits 0" test $? -eq 0
check "and says how many it wrote" grep -q "2 certificates in $tmp/again" "$tmp/err"

for bad in "TestVendor $(fp rsa-root | tr a-f A-F) file://$tmp/rsa-root.der upper-case hash" \
	"TestVendor $(fp rsa-root | cut -c 2-) file://$tmp/rsa-root.der short hash" \
	"TestVendor $(fp rsa-root) ftp://example.invalid/x.der other scheme" \
	"TestVendor $(fp rsa-root) file://$tmp/rsa-root.der"; do
	{ cat "$tmp/good"; echo "$bad"; } >"$tmp/bad"
	"$script" -l "$tmp/bad" -o "$tmp/none" 2>"$tmp/err"
	rc=$?
	check "bad line '${bad##*der }': exit 2 naming line 5, nothing written" \
		sh -c '[ "$1" -eq 2 ] && grep -q "^tcglog-ek-roots: $2: line 5: ek-roots-list: " "$3" && [ ! -e "$4" ]' \
		- "$rc" "$tmp/bad" "$tmp/err" "$tmp/none"
done
echo "TestVendor $(fp rsa-root) file://$tmp/missing.der Missing CA" >"$tmp/gone"
"$script" -l "$tmp/gone" -o "$tmp/gone.d" 2>"$tmp/err"
check "a download that fails exits 3 naming its URL" \
	sh -c '[ "$1" -eq 3 ] && grep -q "file://$2/missing.der: download" "$3"' - $? "$tmp" "$tmp/err"
"$script" --no-such-option 2>/dev/null
check "an unknown option exits 2" test $? -eq 2

# Without --ca, tpm-ekcert-verify reads the directory --help names, the
# script's default output: an empty one is refused, naming it.
dir=$(sed -n "s/^out='\(.*\)'$/\1/p" "$script")
check "tpm-ekcert-verify --help names the script's default directory ($dir)" \
	sh -c '[ -n "$1" ] && "$2" --help | grep -q "^ *$1$"' - "$dir" "$verify"
if [ ! -e "$dir" ]; then
	"$verify" "$tmp/leaf.der" >/dev/null 2>"$tmp/err"
	check "without --ca it reads that directory (missing here: exit 3 naming it)" \
		sh -c '[ "$1" -eq 3 ] && grep -q "^tpm-ekcert-verify: $2: open: " "$3"' - $? "$dir" "$tmp/err"
else
	skip "without --ca it reads that directory" "$dir exists on this machine"
fi

# The shipped list: four fields, SHA-256 hex, the vendor's http(s) URL.
list=$src/ekroots/ek-roots.list
bad=$(grep -v '^#' "$list" | grep -v '^$' |
	grep -Ev '^[A-Za-z]+ [0-9a-f]{64} https?://[^ ]+ [^ ].*$' || true)
check "the shipped list's $(grep -c '^[A-Za-z]' "$list") lines are VENDOR SHA256 URL NAME" \
	test -z "$bad" -a "$(grep -c '^[A-Za-z]' "$list")" -gt 10
[ -n "$bad" ] && diag "$bad"
check "no fingerprint is listed twice" \
	test -z "$(grep -v '^#' "$list" | awk 'NF {print $2}' | sort | uniq -d)"

tap_end
