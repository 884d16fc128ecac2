#!/bin/sh
# The whole Device Health Attestation on one machine: a software TPM with EK
# certificates from swtpm's local CA holds the PCRs of a real Windows boot,
# the device and service roles talk through pipes, and a shipped policy turns
# the verified facts into a DHA-Report.
# Usage: dha-demo.sh BUILDDIR SOURCEDIR CORPUSDIR [rsa|ecc]
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

# A crypto-agile Windows boot from the corpus when it is beside the checkout
# (Lenovo Yoga X1 v2: Secure Boot, BitLocker, ELAM; SIPA events in PCRs 12-14),
# otherwise a log the project generates.
log=$corpus/guard-oss/tpm2_windows_lenovo_yogax1v2
if [ -f "$log" ]; then
	say "the TPM replays a real Windows boot: $log"
else
	log=$work/generated.bin
	"$build/tests/mklog" strings >"$log" || die "cannot generate a log"
	say "no corpus at $corpus: the TPM replays a generated log"
	policy=$src/policies/linux-secureboot.yaml
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
say "summary"
cat <<EOF
device:        $device ($ek EK, certificate from swtpm's local CA)
boot log:      $log
policy:        $policy
verification:  $([ "$verify_rc" -eq 0 ] && echo "quote, nonce and EncBlob verified" || echo "FAILED (dha-verify exit $verify_rc)")
verdict:       $verdict ($passed rules passed${failing:+; failing: $failing}${warnings:+; warnings: $warnings})
Secure Boot:   $(fact SecureBootEnabled)
BitLocker:     $(fact BitlockerStatus)
ELAM driver:   $(fact ELAMDriverLoaded)
AIK present:   $(fact AIKPresent) (reset count $(fact ResetCount), restart count $(fact RestartCount))
EOF
[ "$verify_rc" -eq 0 ] && [ "$report_rc" -le 1 ]
