# TAP helpers for the shell tests (sourced). Each check is one TAP line.
tap_n=0
tap_failed=0
ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $*"; }
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP $2"; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
# check NAME CONDITION-COMMAND...: ok when the command succeeds.
check() { local name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; fi; }
# The corpus's Windows boots (WBCL separators in PCRs 12-14), paths in the corpus.
windows_corpus_logs="go-attestation/windows_gcp_shielded_vm.bin go-attestation/option_rom_eventlog
	guard-oss/tpm12_windows_lenovo_x1carbonv3 guard-oss/tpm2_windows_lenovo_yogax1v2
	guard-oss/windows_event_log guard-oss/dell-notebook-5eventlogs-WBCL.log
	guard-oss/dell-notebook-5eventlogs-WBCL.evidence.eventlog.0.bin
	guard-oss/dell-notebook-5eventlogs-WBCL.evidence.eventlog.1.bin
	guard-oss/dell-notebook-5eventlogs-WBCL.evidence.eventlog.2.bin
	guard-oss/dell-notebook-5eventlogs-WBCL.evidence.eventlog.3.bin
	guard-oss/dell-notebook-5eventlogs-WBCL.evidence.eventlog.4.bin
	uefi-eventlog/ideapad/ideapad1.bin uefi-eventlog/thinkpad/p511.bin"
tap_end() { echo "1..$tap_n"; [ "$tap_failed" -eq 0 ]; }
# expect_exit NAME STATUS RULE CMD...: the command exits STATUS and, when RULE
# is not empty, names RULE on stderr; its output is left in $tmp/out and
# $tmp/err (the caller's temporary directory).
expect_exit() {
	local name=$1 want=$2 rule=$3 got; shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"; got=$?
	if [ "$got" -eq "$want" ] && { [ -z "$rule" ] || grep -q -- "$rule" "$tmp/err"; }; then
		ok "$name"
	else
		not_ok "$name"; diag "exit $got, wanted $want ($rule)" "$(cat "$tmp/err")"
	fi
}

# A corpus *.expected-pcrs.json as tpm2_pcrread YAML, leaving out the PCRs the
# file says the log cannot reproduce (Linux IMA's PCR 10, unlogged events).
pcrs_from_json() {
	jq -r '(.not_reproducible_from_log // {}) as $nr
	  | .pcrs | to_entries[] | .key as $bank
	  | ($nr[$bank] // [] | map(tostring)) as $skip
	  | [.value | to_entries[] | select(.key as $k | $skip | index($k) | not)] as $vals
	  | select($vals | length > 0)
	  | "\($bank):", ($vals[] | "  \(.key) : 0x\(.value)")' "$1"
}
