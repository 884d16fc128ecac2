#!/bin/sh
# The offline pipeline on real logs: tcglog-claims | dha-policy, the report
# checked against the project's XML Schema. Verdicts follow facts that
# go-attestation's tests assert for the same Windows log (BitLocker unlock 0).
# Usage: pipeline.sh BUILDDIR CORPUSDIR SOURCEDIR
set -u
. "$(dirname "$0")/tap.sh"
build=$1
corpus=$2
src=$3
claims=$build/tools/tcglog-claims
policy=$build/tools/dha-policy
schema=$src/schema/tcglog-dha-report.xsd
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -d "$corpus" ]; then
	skip "pipeline" "no corpus at $corpus"
	tap_end
	exit 0
fi
valid() { xmllint --noout --schema "$schema" "$1" 2>"$tmp/xmllint.err"; }
elem() { sed -n "s/.*<$1>\\([^<]*\\)<.*/\\1/p" "$2"; }
# Seconds since 1970 of the little-endian FILETIME (100 ns since 1601) that
# starts a hex string.
filetime_secs() {
	be=$(printf '%s' "$1" | cut -c1-16 | sed 's/../& /g' | awk '{for (i = NF; i > 0; i--) printf "%s", $i}')
	echo $((0x$be / 10000000 - 11644473600))
}

win=$corpus/go-attestation/windows_gcp_shielded_vm.bin
pcrs_from_json "${win%.bin}.expected-pcrs.json" >"$tmp/win.pcrs"
"$claims" --allow-sha1 --pcrs "$tmp/win.pcrs" "$win" >"$tmp/win.claims" 2>"$tmp/err"
check "Windows GCP log: verified claims (exit 0)" test $? -eq 0
for p in windows-dha windows-intune; do
	"$policy" "$src/policies/$p.yaml" "$tmp/win.claims" >"$tmp/$p.xml" 2>"$tmp/err"
	rc=$?
	check "Windows GCP log under $p: non-compliant (exit 1), BitLocker is the only failing rule" \
		test "$rc" -eq 1 -a "$(grep -c 'outcome="fail"' "$tmp/$p.xml")" -eq 1 \
		-a -n "$(grep 'id="[a-z-]*bitlocker"[^>]*outcome="fail"' "$tmp/$p.xml")"
	check "Windows GCP log under $p: the report validates against the schema" valid "$tmp/$p.xml"
	check "Windows GCP log under $p: Microsoft's BitlockerStatus element is 0" \
		grep -q '<BitlockerStatus>0</BitlockerStatus>\|path="health.BitlockerStatus"[^>]*>0<' "$tmp/$p.xml"
done

# Every Windows log of the corpus (MANIFEST.md, "Windows WBCL"): claims checked
# against PCR values from a file give an offline report that validates, has
# Microsoft's HealthCertificateProperties, and leaves out what only a quote
# proves. PCR values are the corpus's where it has them, else the log's own
# replay (tcglog-replay): what an offline check of a log copied from a device does.
for l in $windows_corpus_logs; do
	log=$corpus/$l
	if [ ! -f "$log" ]; then
		skip "$l" "not in the corpus"
		continue
	fi
	json=${log%.bin}.expected-pcrs.json
	if [ -f "$json" ]; then
		pcrs_from_json "$json" >"$tmp/w.pcrs"
	else
		"$build/tools/tcglog-replay" "$log" >"$tmp/w.pcrs" 2>"$tmp/err"
	fi
	"$claims" --allow-sha1 --pcrs "$tmp/w.pcrs" "$log" >"$tmp/w.claims" 2>"$tmp/err"
	check "$l: verified claims (exit 0)" \
		test $? -eq 0 -a -n "$(grep '^  verified: true' "$tmp/w.claims")"
	"$policy" "$src/policies/windows-dha.yaml" "$tmp/w.claims" >"$tmp/w.xml" 2>"$tmp/err"
	check "$l: the report validates against the schema" valid "$tmp/w.xml"
	check "$l: HealthCertificateProperties with Issued" \
		grep -q '^    <Issued>' "$tmp/w.xml"
	check "$l: offline=\"true\" on the root, no AIKPresent, named unknown instead" \
		test -n "$(grep '<HealthCertificateValidationResponse [^>]*tcg:offline="true"' "$tmp/w.xml")" \
		-a -z "$(grep '<AIKPresent>' "$tmp/w.xml")" \
		-a -n "$(grep '<tcg:Unknown>AIKPresent ResetCount RestartCount' "$tmp/w.xml")"
	# The versions against the raw payloads beside them (dha.md 4.6.1: a
	# little-endian FILETIME first), decoded here, not by tcglog.
	for pair in BootManagerRevListVersion:BootRevListInfo CodeIntegrityRevListVersion:OSRevListInfo; do
		v=$(elem "${pair%%:*}" "$tmp/w.xml")
		raw=$(elem "${pair#*:}" "$tmp/w.xml")
		[ -n "$v" ] || [ -n "$raw" ] || continue
		check "$l: ${pair%%:*} is the CreationTime of ${pair#*:} in seconds since 1970" \
			test -n "$raw" -a "$v" = "$(filetime_secs "$raw")"
	done
done
check "GCP log: BootManagerRevListVersion 1513100591 (2017-12-12T17:43:11Z, dha.md 4.6.1)" \
	sh -c "$(command -v "$policy") '$src/policies/windows-dha.yaml' '$tmp/win.claims' 2>/dev/null |
		grep -q '<BootManagerRevListVersion>1513100591<'"

# A policy made from a known-good Linux boot passes that boot and refuses another.
rhel=$corpus/go-tpm-tools/rhel8-uefi.bin
pcrs_from_json "${rhel%.bin}.expected-pcrs.json" >"$tmp/rhel.pcrs"
"$claims" --pcrs "$tmp/rhel.pcrs" "$rhel" >"$tmp/rhel.claims" 2>"$tmp/err"
check "RHEL 8 log: verified claims (exit 0)" test $? -eq 0
"$policy" init --from "$tmp/rhel.claims" >"$tmp/rhel-policy.yaml" 2>"$tmp/err"
check "dha-policy init makes a policy from the RHEL 8 claims" test $? -eq 0
"$policy" "$tmp/rhel-policy.yaml" "$tmp/rhel.claims" >"$tmp/rhel.xml" 2>"$tmp/err"
check "the RHEL 8 boot is compliant under its own policy" test $? -eq 0
check "... and the report validates" valid "$tmp/rhel.xml"
nosb=$corpus/go-tpm-tools/ubuntu-2104-no-secure-boot.bin
pcrs_from_json "${nosb%.bin}.expected-pcrs.json" >"$tmp/nosb.pcrs"
"$claims" --pcrs "$tmp/nosb.pcrs" "$nosb" >"$tmp/nosb.claims" 2>"$tmp/err"
"$policy" "$tmp/rhel-policy.yaml" "$tmp/nosb.claims" >"$tmp/nosb.xml" 2>"$tmp/err"
rc=$?
check "a boot without Secure Boot under the RHEL 8 policy: non-compliant (exit 1)" test "$rc" -eq 1
check "... with Secure Boot named among the failing rules" \
	grep -q 'path="health.SecureBootEnabled"[^>]*>false<' "$tmp/nosb.xml"

# Fixtures made of a log and its PCRs: dha-policy test derives the claims itself.
cat >"$tmp/gcp-fixture.yaml" <<FIX
description: the GCP shielded VM boot, BitLocker not used
log: $win
pcrs: win.pcrs
allow-sha1: true
expect:
  verdict: non-compliant
  failing: [bitlocker]
FIX
"$policy" test "$src/policies/windows-dha.yaml" "$tmp/gcp-fixture.yaml" >"$tmp/out" 2>&1
check "dha-policy test with a log: and pcrs: fixture (exit 0)" test $? -eq 0
sed 's/verdict: non-compliant/verdict: compliant/' "$tmp/gcp-fixture.yaml" >"$tmp/wrong-fixture.yaml"
"$policy" test "$src/policies/windows-dha.yaml" "$tmp/wrong-fixture.yaml" >"$tmp/out" 2>&1
check "a log fixture expecting the wrong verdict is reported (exit 1, FAIL)" \
	test $? -eq 1 -a -n "$(grep '^FAIL' "$tmp/out")"

# Unverified claims (no PCR values): refused unless --offline, and then the report says so.
"$claims" "$rhel" >"$tmp/unverified.claims" 2>/dev/null
"$policy" "$tmp/rhel-policy.yaml" "$tmp/unverified.claims" >"$tmp/u.xml" 2>"$tmp/err"
rc=$?
check "unverified claims are refused (exit 1, claims-unverified), no report" \
	test "$rc" -eq 1 -a -n "$(grep claims-unverified "$tmp/err")" -a ! -s "$tmp/u.xml"
"$policy" --offline "$tmp/rhel-policy.yaml" "$tmp/unverified.claims" >"$tmp/u.xml" 2>"$tmp/err"
check "with --offline the report says offline" grep -q 'tcg:offline="true"' "$tmp/u.xml"
check "... and has no HealthCertificateProperties (nothing verified)" \
	sh -c "! grep -q HealthCertificateProperties '$tmp/u.xml'"
tap_end
