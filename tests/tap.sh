# TAP helpers for the shell tests (sourced). Each check is one TAP line.
tap_n=0
tap_failed=0
ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $*"; }
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP $2"; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
# check NAME CONDITION-COMMAND...: ok when the command succeeds.
check() { local name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; fi; }
tap_end() { echo "1..$tap_n"; [ "$tap_failed" -eq 0 ]; }

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
