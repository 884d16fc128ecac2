#!/bin/sh
# Run one libFuzzer target for a fixed time, seeded with the corpus logs (copied,
# so the corpus stays untouched). Usage: fuzz.sh TARGET SECONDS CORPUSDIR
set -u
. "$(dirname "$0")/tap.sh"
target=$1
seconds=$2
corpus=$3
name=$(basename "$target")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/seeds" "$work/new"
# The shipped policies and their fixtures seed the YAML readers.
find "$(dirname "$0")/../policies" -name '*.yaml' -exec cp {} "$work/seeds/" \; 2>/dev/null
if [ -d "$corpus" ]; then
	find "$corpus" -type f ! -name '*.json' ! -name '*.md' ! -name '*.yml' \
		! -name '*.yaml' ! -name '*.txt' -size -300k -exec cp {} "$work/seeds/" \;
fi
if "$target" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 \
	-print_final_stats=1 -artifact_prefix="$work/" "$work/new" "$work/seeds" >"$work/log" 2>&1; then
	ok "$name: no crash, leak or sanitizer report in ${seconds}s ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$work/log" | cut -d' ' -f2) runs)"
else
	not_ok "$name: fuzzing found a fault"
	diag "$(grep -A15 -e 'ERROR' -e 'SUMMARY' "$work/log" | head -40)"
	for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
		[ -f "$a" ] && diag "input: $(od -An -tx1 "$a" | head -8 | tr -s ' ')"
	done
fi
tap_end
