#!/bin/sh
# The whole Device Health Attestation on one machine: a software TPM with EK
# certificates from swtpm's local CA holds the PCRs of a Windows 11 boot (the
# project's fixture), the device and service roles talk through pipes, and a
# shipped policy turns the verified facts into a DHA-Report.
# Usage: [DEMO_LOG=FILE] dha-demo.sh BUILDDIR SOURCEDIR CORPUSDIR [rsa|ecc]
set -u
build=$1
src=$2
corpus=$3
ek=${4:-rsa}
. "$src/tests/swtpm.sh"
. "$src/tests/swtpm-ek.sh"

tools=$build/tools
policy=$src/policies/windows-dha.yaml
device=demo-device
work=$(mktemp -d)
# swtpm is stopped by its process id whatever happens.
trap 'swtpm_stop; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

say() { printf '\n== %s\n' "$*" >&2; }
die() { echo "dha-demo: $*" >&2; exit 1; }

missing=$(swtpm_ek_have_tools) || die "$missing is missing (make deps installs it)"

say "a software TPM with EK certificates from swtpm's local CA"
swtpm_ek_setup "$work/tpm" || die "swtpm_setup failed: $(tail -5 "$work/tpm/setup.log")"
swtpm_ek_start "$work/tpm" || die "swtpm did not start"
echo "swtpm (pid $SWTPM_PID) at $TPM2TOOLS_TCTI" >&2

# The boot: the project's own Windows 11 fixture (fixtures/windows11.bin), the
# same on every machine, corpus or not. It is preferred to the corpus's Lenovo
# Yoga X1 log even when the corpus is there because it shows more: every
# HealthCertificateProperties element (the Lenovo boot measures no SI policy
# or SBCP, so CIPolicy and SBCPHash are absent) and VSM on. DEMO_LOG=FILE
# plays another Windows log instead, e.g. the corpus's
# guard-oss/tpm2_windows_lenovo_yogax1v2.
log=${DEMO_LOG:-$src/fixtures/windows11.bin}
[ -f "$log" ] || die "no boot log at $log"
if [ -n "${DEMO_LOG:-}" ]; then
	say "the TPM replays the boot log $log"
else
	say "the TPM replays the fixture Windows 11 boot (fixtures/windows11.bin)"
	real=$corpus/guard-oss/tpm2_windows_lenovo_yogax1v2
	[ -f "$real" ] && echo "(DEMO_LOG=$real plays a real boot from the corpus)" >&2
fi
"$tools/tcglog-play" "$log" >&2 || die "tcglog-play failed"

say "service: a fresh service key, nonce store and the EK root as trust anchor"
server() { "$tools/dha-server" --state "$work/server" "$@"; }
devicectl() { "$tools/dha-device" --state "$work/device" "$@"; }
server init --ca "$(swtpm_ek_root "$work/tpm")" --untrusted "$(swtpm_ek_issuer "$work/tpm")" ||
	die "dha-server init failed"

say "step 1: device bootdata | server issue | device activate"
devicectl bootdata -- --device "$device" --log "$log" --ek-alg "$ek" |
	server issue | devicectl activate || die "boot data was not accepted"

say "step 2 and 3: server nonce | device quote | server verify | server report"
server nonce "$device" | devicectl quote | server verify >"$work/claims.yaml"
verify_rc=$?
server report "$policy" <"$work/claims.yaml" >"$work/report.xml"
report_rc=$?
[ -s "$work/report.xml" ] || die "no report (dha-verify exit $verify_rc, dha-policy exit $report_rc)"

say "DHA-Report"
cat "$work/report.xml"

xp() { xmllint --xpath "$1" "$work/report.xml" 2>/dev/null; }
ids() { xp "$1" | tr '\n' ' ' | sed 's/ *id="\([^"]*\)"/\1 /g; s/ *$//'; }
fact() { xp "string(//*[local-name()='Fact'][@path='health.$1'])"; }
verdict=$(xp 'string(//*[local-name()="Verdict"])')
failing=$(ids '//*[local-name()="Rule"][@outcome="fail"][@severity="deny"]/@id')
warnings=$(ids '//*[local-name()="Rule"][@outcome="fail"][@severity!="deny"]/@id')
passed=$(xp 'count(//*[local-name()="Rule"][@outcome="pass"])')
# Microsoft's part: the elements of HealthCertificateProperties, against the
# schema's list (reference/dha.md §3.2).
hcp_type='//*[local-name()="complexType"][@name="HealthCertificatePublicProperties"]//*[local-name()="element"]/@name'
all=$(xmllint --xpath "$hcp_type" "$src/schema/tcglog-dha-report.xsd" 2>/dev/null |
	sed 's/ *name="\([^"]*\)"/\1\n/g' | sed '/^$/d')
missing=
for el in $all; do
	[ "$(xp "count(//*[local-name()='HealthCertificateProperties']/*[local-name()='$el'])")" = 1 ] ||
		missing="$missing $el"
done
say "summary"
cat <<EOF
device:        $device ($ek EK, certificate from swtpm's local CA)
boot log:      ${log#"$src"/}
policy:        $policy
verification:  $([ "$verify_rc" -eq 0 ] && echo "quote, nonce and EncBlob verified" || echo "FAILED (dha-verify exit $verify_rc)")
Microsoft:     $(echo "$all" | wc -l) HealthCertificateProperties elements${missing:+; missing:$missing}
verdict:       $verdict ($passed rules passed${failing:+; failing: $failing}${warnings:+; warnings: $warnings})
Secure Boot:   $(fact SecureBootEnabled)
BitLocker:     $(fact BitlockerStatus)
ELAM driver:   $(fact ELAMDriverLoaded)
AIK present:   $(fact AIKPresent) (reset count $(fact ResetCount), restart count $(fact RestartCount))
EOF
[ "$verify_rc" -eq 0 ] && [ "$report_rc" -le 1 ]
