#!/bin/sh
# windows-dha's fixtures made from corpus logs (policies/fixtures/windows-dha/
# from-corpus): run beside a "corpus" link, and the resume rule is what fails
# the resume boots. TAP; SKIP without the corpus.
build=$1
src=$2
corpus=$3
. "$src/tests/tap.sh"
dp=$build/tools/dha-policy
pol=$src/policies/windows-dha.yaml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -d "$corpus" ]; then
	skip "windows-dha corpus fixtures" "no corpus at $corpus"
	tap_end
	exit $?
fi
mkdir "$tmp/fx"
cp "$src"/policies/fixtures/windows-dha/from-corpus/*.yaml "$tmp/fx/"
ln -s "$corpus" "$tmp/fx/corpus"
"$dp" test "$pol" "$tmp"/fx/*.yaml >"$tmp/out" 2>&1
check "windows-dha: corpus fixtures as expected" [ $? -eq 0 ]
diag "$(cat "$tmp/out")"
check "windows-dha: two resume fixtures" [ "$(grep -c '^ok .*/resume-' "$tmp/out")" -eq 2 ]

# Without the rule, the resumes still fail, but no longer say why.
awk '/^  - id: /{skip = ($3 == "os-facts-measured")} !skip' "$pol" >"$tmp/no-rule.yaml"
"$dp" test "$tmp/no-rule.yaml" "$tmp"/fx/resume-*.yaml >"$tmp/out" 2>&1
check "without os-facts-measured: the resume fixtures differ" [ $? -eq 1 ]
check "without os-facts-measured: only in that rule" \
	[ "$(grep -c 'differs: ?os-facts-measured)$' "$tmp/out")" -eq 2 ]

# A policy that accepts resumes (unknown: pass on the OS facts, as the policy
# comments say) passes the resume whose measured facts are good.
sed -e '/^  - id: os-facts-measured/,/^    condition/d' \
	-e 's/^    severity: deny$/    severity: deny\n    unknown: pass/' "$pol" >"$tmp/lax.yaml"
"$build/tools/tcglog-claims" --allow-sha1 "$corpus/guard-oss/windows_event_log" >"$tmp/resume.yaml" 2>/dev/null
"$dp" --offline "$tmp/lax.yaml" "$tmp/resume.yaml" >/dev/null 2>"$tmp/err"
check "a resume-accepting policy: the resume is compliant" [ $? -eq 0 ]

tap_end
