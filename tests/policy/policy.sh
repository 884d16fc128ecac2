#!/bin/bash
# dha-policy end to end: shipped policies' fixtures, a mutation check (remove or
# invert any rule and some fixture must notice), reports valid against the
# schema, unverified claims refused, init pins a device and passes itself.
build=$1
src=$2
. "$src/tests/tap.sh"
dp=$build/tools/dha-policy
schema=$src/schema/tcglog-dha-report.xsd
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
have_xmllint=false
command -v xmllint >/dev/null && have_xmllint=true

# The claims document inside a fixture (the lines between claims: and expect:).
fixture_claims() { sed -n '/^claims:/,/^expect:/p' "$1" | sed '1d;$d' | sed 's/^    //'; }

validate() { # NAME XML
	if ! $have_xmllint; then skip "$1" "xmllint not installed"; return; fi
	if xmllint --noout --schema "$schema" "$2" 2>"$tmp/xmllint.err"; then ok "$1"
	else not_ok "$1"; diag "$(cat "$tmp/xmllint.err")"; fi
}

for pol in "$src"/policies/*.yaml; do
	name=$(basename "$pol" .yaml)
	fx=("$src/policies/fixtures/$name"/*.yaml)
	if [ ! -e "${fx[0]}" ]; then not_ok "$name has fixtures"; continue; fi
	if "$dp" test "$pol" "${fx[@]}" >"$tmp/out" 2>&1; then ok "$name: ${#fx[@]} fixtures"
	else not_ok "$name fixtures"; diag "$(cat "$tmp/out")"; fi

	# Mutation: each rule removed, then each rule inverted.
	for id in $(sed -n 's/^  - id: //p' "$pol"); do
		awk -v id="$id" '/^  - id: /{skip = ($3 == id)} !skip' "$pol" >"$tmp/removed.yaml"
		awk -v id="$id" '
			/^  - id: /{inrule = ($3 == id); block = 0}
			inrule && /^    condition: .+/ { sub(/condition: /, "condition: {not: "); print $0 "}"; next }
			inrule && /^    condition:$/ { print; print "      not:"; block = 1; next }
			inrule && block && /^      / { print "  " $0; next }
			{ print }' "$pol" >"$tmp/inverted.yaml"
		for m in removed inverted; do
			"$dp" test "$tmp/$m.yaml" "${fx[@]}" >"$tmp/out" 2>&1
			rc=$?
			if [ "$rc" = 1 ]; then ok "$name: rule $id $m is caught by a fixture"
			else not_ok "$name: rule $id $m is caught by a fixture (exit $rc)"
				diag "$(tail -3 "$tmp/out")"; fi
		done
	done

	# Every fixture's report validates against the schema.
	for f in "${fx[@]}"; do
		fixture_claims "$f" >"$tmp/claims.yaml"
		SOURCE_DATE_EPOCH=1700000000 "$dp" "$pol" "$tmp/claims.yaml" >"$tmp/report.xml" 2>/dev/null
		rc=$?
		want=0
		grep -q '^  verdict: non-compliant' "$f" && want=1
		check "$name/$(basename "$f"): exit $want" [ "$rc" = "$want" ]
		validate "$name/$(basename "$f"): report validates" "$tmp/report.xml"
	done
done

# Microsoft's properties: every element Microsoft's v3 schema lists (reference
# dha.md 3.2), for a verified document; the unknown ones named in tcg:Unknown.
ms_required="Issued AIKPresent ResetCount RestartCount DEPPolicy BitlockerStatus
BootManagerRevListVersion CodeIntegrityRevListVersion SecureBootEnabled
BootDebuggingEnabled OSKernelDebuggingEnabled CodeIntegrityEnabled TestSigningEnabled SafeMode
WinPE ELAMDriverLoaded VSMEnabled PCRHashAlgorithmID BootAppSVN BootManagerSVN TpmVersion PCR0"
# The element names inside HealthCertificateProperties, in document order.
hcp_names() { sed -n '/<HealthCertificateProperties>/,/<\/HealthCertificateProperties>/p' "$1" |
	sed -n 's/^ *<\([A-Za-z0-9]*\)>.*/\1/p' | grep -v "^HealthCertificateProperties$"; }
unknown_list() { sed -n 's/.*<tcg:Unknown>\(.*\)<\/tcg:Unknown>.*/\1/p' "$1"; }
has_all() { # XML NAME...: each name is an element of HealthCertificateProperties
	local x=$1 n; shift
	for n in "$@"; do hcp_names "$x" | grep -qx "$n" || return 1; done
}
has_none() { local x=$1 n; shift
	for n in "$@"; do hcp_names "$x" | grep -qx "$n" && return 1; done; return 0
}
full=$src/policies/fixtures/windows-dha/compliant-full.yaml
fixture_claims "$full" >"$tmp/full.yaml"
"$dp" "$src/policies/windows-dha.yaml" "$tmp/full.yaml" >"$tmp/full.xml"
# shellcheck disable=SC2086
check "claims from a quote with every fact: every element Microsoft requires" \
	has_all "$tmp/full.xml" $ms_required
check "... in Microsoft's order (dha.md 3.2), the CI policy after PCR0" \
	test "$(hcp_names "$tmp/full.xml" | tr '\n' ' ')" = "$(echo $ms_required CIPolicy) "
check "... BitlockerStatus as the claims say" grep -q '<BitlockerStatus>1</BitlockerStatus>' "$tmp/full.xml"
check "... nothing unknown, not offline" \
	sh -c "! grep -q 'tcg:Unknown\|tcg:offline' '$tmp/full.xml'"
validate "... the report validates" "$tmp/full.xml"

# Offline (PCR values from a file): the same facts without the quote's four.
fixture_claims "$src/policies/fixtures/windows-dha/compliant.yaml" >"$tmp/part.yaml"
"$dp" "$src/policies/windows-dha.yaml" "$tmp/part.yaml" >"$tmp/part.xml"
check "claims checked against a PCR file: HealthCertificateProperties with Issued" \
	has_all "$tmp/part.xml" Issued SecureBootEnabled BitlockerStatus PCR0
check "... no AIKPresent, ResetCount, RestartCount or TpmVersion" \
	has_none "$tmp/part.xml" AIKPresent ResetCount RestartCount TpmVersion
for n in AIKPresent ResetCount RestartCount TpmVersion; do
	check "... $n named in tcg:Unknown" sh -c "unknown=\"$(unknown_list "$tmp/part.xml")\"; case \" \$unknown \" in *' $n '*) ;; *) exit 1;; esac"
done
check "... the root says offline=\"true\"" \
	grep -q '<HealthCertificateValidationResponse [^>]*tcg:offline="true"' "$tmp/part.xml"
check "... and so do the appraisal and ErrorMessage" \
	sh -c "grep -q 'ErrorMessage=\"offline appraisal' '$tmp/part.xml' &&
		grep -q '<tcg:Appraisal [^>]*offline=\"true\"' '$tmp/part.xml'"
validate "... the offline report validates" "$tmp/part.xml"
check "a report from a quote never says offline" sh -c "! grep -q 'offline=\"true\"' '$tmp/full.xml'"

# A fact that is unknown is left out and named; a fact of the wrong type too.
sed '/^  SecureBootEnabled:/d; s/^  DEPPolicy: 1/  DEPPolicy: "on"/' "$tmp/full.yaml" >"$tmp/holes.yaml"
"$dp" "$src/policies/windows-dha.yaml" "$tmp/holes.yaml" >"$tmp/holes.xml" 2>/dev/null
check "unknown SecureBootEnabled and a string DEPPolicy: left out" \
	has_none "$tmp/holes.xml" SecureBootEnabled DEPPolicy
check "... and named in tcg:Unknown" test "$(unknown_list "$tmp/holes.xml")" = "DEPPolicy SecureBootEnabled"
check "... the rest is there" has_all "$tmp/holes.xml" AIKPresent BitlockerStatus PCR0
validate "... the report validates" "$tmp/holes.xml"

# The quote's facts in claims that no quote verified: refused, not believed.
for n in AIKPresent ResetCount RestartCount TpmVersion; do
	sed 's/^  pcrs: "quote"/  pcrs: "pcrs-file"/' "$tmp/full.yaml" |
		awk -v n="$n" '!/^    (AIKPresent|ResetCount|RestartCount|TpmVersion):/ || $1 == n ":"' \
		>"$tmp/forged.yaml"
	"$dp" "$src/policies/windows-dha.yaml" "$tmp/forged.yaml" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "health.$n in claims from a PCR file: exit 2, claims-quote-fact, no report" \
		test "$rc" = 2 -a ! -s "$tmp/out" -a -n "$(grep "forged.yaml: line [0-9]*: column [0-9]*: claims-quote-fact: " "$tmp/err")"
done

# Unverified claims: refused (exit 1, claims-unverified) unless --offline.
sed 's/^  verified: true/  verified: false/' "$tmp/part.yaml" >"$tmp/unverified.yaml"
"$dp" "$src/policies/windows-dha.yaml" "$tmp/unverified.yaml" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "unverified claims refused: exit 1" [ "$rc" = 1 ]
check "unverified claims refused: rule named" grep -q claims-unverified "$tmp/err"
check "unverified claims refused: no report" [ ! -s "$tmp/out" ]
"$dp" --offline "$src/policies/windows-dha.yaml" <"$tmp/unverified.yaml" >"$tmp/offline.xml"
check "--offline: compliant from standard input" [ $? = 0 ]
check "--offline: the report says so" grep -q 'tcg:offline="true"' "$tmp/offline.xml"
check "--offline: no HealthCertificateProperties for facts nothing verified" \
	sh -c "! grep -q HealthCertificateProperties '$tmp/offline.xml'"
validate "--offline report validates" "$tmp/offline.xml"

# Hostile text in claims: the report stays XML that validates, and shows the
# whole value (escaped, marked) instead of cutting it short or passing it raw.
hostile() { # NAME YAML-VALUE EXPECTED-TEXT
	sed "s|^  KernelCmdline: .*|  KernelCmdline: $2|" "$tmp/linux.yaml" >"$tmp/hostile.yaml"
	"$dp" "$src/policies/linux-secureboot.yaml" "$tmp/hostile.yaml" >"$tmp/hostile.xml" 2>/dev/null
	validate "$1: the report validates" "$tmp/hostile.xml"
	check "$1: the whole value, escaped and marked" \
		grep -qF "<tcg:Fact path=\"linux.KernelCmdline\" type=\"string\" escaped=\"true\">$3</tcg:Fact>" \
		"$tmp/hostile.xml"
}
fixture_claims "$src/policies/fixtures/linux-secureboot/compliant.yaml" >"$tmp/linux.yaml"
hostile "embedded NUL" '"ro quiet\\0 init=/bin/sh"' 'ro quiet\u0000 init=/bin/sh'
hostile "U+FFFE" '"a\\uFFFEb"' 'a\uFFFEb'
hostile "U+FFFF" '"a\\uFFFFb"' 'a\uFFFFb'
hostile "escape and backslash" '"\\e[2J\\\\x"' '\u001B[2J\\x'
hostile "C1 control is XML, other controls are not" '"\\x01\\u0085"' "\\u0001$(printf '\302\205')"
sed 's|^  KernelCmdline: .*|  KernelCmdline: "a\\\\b c"|' "$tmp/linux.yaml" >"$tmp/clean.yaml"
"$dp" "$src/policies/linux-secureboot.yaml" "$tmp/clean.yaml" >"$tmp/clean.xml" 2>/dev/null
check "text that is XML is copied as it is (a backslash stays one, no escaped mark)" \
	grep -qF '<tcg:Fact path="linux.KernelCmdline" type="string">a\b c</tcg:Fact>' "$tmp/clean.xml"
sed 's|^  MokList: \[\]|  MokList: ["aa", "b\\u0000"]|' "$tmp/linux.yaml" >"$tmp/list.yaml"
"$dp" "$src/policies/linux-secureboot.yaml" "$tmp/list.yaml" >"$tmp/list.xml" 2>/dev/null
validate "a list with a NUL in one item: the report validates" "$tmp/list.xml"
check "... every item in the escaped form, the list marked" \
	sh -c "grep -A3 'path=\"linux.MokList\" type=\"list\" escaped=\"true\"' '$tmp/list.xml' | tr -d ' \n' | grep -qF '<tcg:Item>aa</tcg:Item><tcg:Item>b\\u0000</tcg:Item>'"
# A failed verification whose message carries U+FFFF (dha-verify quotes input).
printf 'kind: dha-claims\nversion: 1\nverification: {verified: false, result: failed, rule: msg-yaml, message: "bad \\uFFFF \\\\ x", attributed: false}\n' >"$tmp/failed.yaml"
"$dp" "$src/policies/windows-dha.yaml" "$tmp/failed.yaml" >"$tmp/failed.xml" 2>/dev/null
validate "a failed verification with U+FFFF in its message: the report validates" "$tmp/failed.xml"
check "... the message fact shows it escaped" \
	grep -qF 'path="verification.message" type="string" escaped="true">bad \uFFFF \\ x<' "$tmp/failed.xml"

# Keys must be names (the report names facts by them): anything else is refused.
for key in '"a<b"' '"x y"' '"1st"' '"a.b"' '"-a"' '"k\\uFFFE"' '"k\\0"' '""'; do
	sed "s|^  Shim: true|  Shim: true\n  $key: 1|" "$tmp/linux.yaml" >"$tmp/key.yaml"
	"$dp" "$src/policies/linux-secureboot.yaml" "$tmp/key.yaml" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "claims key $key: exit 2, claims-key with its line, no report" \
		test "$rc" = 2 -a ! -s "$tmp/out" -a -n "$(grep "key.yaml: line [0-9]*: column [0-9]*: claims-key: " "$tmp/err")"
done

# present: true is not satisfied by facts nothing verified.
sed 's/^  verified: true/  verified: false/' "$tmp/linux.yaml" >"$tmp/linux-unverified.yaml"
"$dp" --offline "$src/policies/linux-secureboot.yaml" "$tmp/linux-unverified.yaml" >"$tmp/out" 2>"$tmp/err"
check "unverified claims (--offline): the boot-chain guard fails (exit 1)" \
	test $? = 1 -a -n "$(grep 'rule boot-chain (deny): fail' "$tmp/err")"

# Bad input: exit 2 with file:line:column.
printf 'name: t\nversion: 1\nrules: []\n' >"$tmp/empty.yaml"
"$dp" "$tmp/empty.yaml" "$tmp/full.yaml" >/dev/null 2>"$tmp/err"
rc=$?
check "empty policy: exit 2" [ "$rc" = 2 ]
check "empty policy: file, line, column, rule" grep -q "^dha-policy: $tmp/empty.yaml: line 3: column 1: policy-no-rules: " "$tmp/err"
printf 'kind: dha-claims\nversion: 1\nversion: 1\n' >"$tmp/dup.yaml"
"$dp" "$src/policies/windows-dha.yaml" "$tmp/dup.yaml" >/dev/null 2>"$tmp/err"
rc=$?
check "duplicate key in claims: exit 2" [ "$rc" = 2 ]
check "duplicate key in claims: named" grep -q "^dha-policy: $tmp/dup.yaml: line 3: column 1: yaml-duplicate-key: " "$tmp/err"
"$dp" >/dev/null 2>&1
check "no policy: exit 2" [ $? = 2 ]

# A fixture that expects the wrong thing makes test exit 1.
sed 's/^  verdict: compliant/  verdict: non-compliant/' \
	"$src/policies/fixtures/windows-intune/compliant.yaml" >"$tmp/wrong.yaml"
"$dp" test "$src/policies/windows-intune.yaml" "$tmp/wrong.yaml" >"$tmp/out"
check "test: a differing fixture exits 1" [ $? = 1 ]
check "test: the line says FAIL" grep -q '^FAIL ' "$tmp/out"
printf 'claims: {}\nlog: x\nexpect: {verdict: compliant}\n' >"$tmp/logfx.yaml"
"$dp" test "$src/policies/windows-intune.yaml" "$tmp/logfx.yaml" >"$tmp/out"
check "test: log fixtures are refused until tcglog-claims exists (exit 2)" [ $? = 2 ]

# Malformed fixtures, each refused (ERROR, exit 2) with its rule and place; the
# last one, a failing: entry that is no rule id, once crashed the runner.
n=0
while IFS='|' read -r rule text; do
	n=$((n + 1))
	printf '%b' "$text" >"$tmp/badfx$n.yaml"
	"$dp" test "$src/policies/windows-intune.yaml" "$tmp/badfx$n.yaml" >"$tmp/out" 2>&1
	rc=$?
	check "test: fixture '$text' refused: exit 2, $rule at its place" \
		test "$rc" = 2 -a -n "$(grep "^ERROR $tmp/badfx$n.yaml: $rule: $tmp/badfx$n.yaml:[0-9]*:[0-9]*: " "$tmp/out")"
done <<'FX'
fixture-type|- a\n
fixture-unknown-key|description: x\nbogus: 1\n
fixture-log|pcrs: p.yaml\nexpect: {verdict: compliant}\n
fixture-log|claims: {}\nallow-sha1: yes\nexpect: {verdict: compliant}\n
fixture-missing-key|description: x\n
fixture-unknown-key|claims: {}\nexpect: {verdict: compliant, other: 1}\n
fixture-verdict|claims: {}\nexpect: {verdict: maybe}\n
fixture-type|claims: {}\nexpect: {verdict: compliant, failing: x}\n
fixture-type|claims: {}\nexpect: {verdict: compliant, failing: [{a: b}]}\n
FX

# init: a policy pinned to a known-good device that loads and passes it.
for c in full linux; do
	"$dp" init --from "$tmp/$c.yaml" >"$tmp/init-$c.yaml"
	check "init ($c): exit 0" [ $? = 0 ]
	"$dp" "$tmp/init-$c.yaml" "$tmp/$c.yaml" >"$tmp/init.xml"
	check "init ($c): the policy passes its own claims" [ $? = 0 ]
	validate "init ($c): report validates" "$tmp/init.xml"
done
check "init pins PCR 0" grep -Eq 'fact: "?health.PCR0' "$tmp/init-full.yaml"
check "init pins dbx" grep -Eq 'fact: "?secureboot.dbx' "$tmp/init-linux.yaml"
sed 's/^  SecureBootEnabled: true/  SecureBootEnabled: false/' "$tmp/linux.yaml" >"$tmp/linux-off.yaml"
"$dp" "$tmp/init-linux.yaml" "$tmp/linux-off.yaml" >/dev/null 2>&1
check "init: the pinned policy refuses Secure Boot off" [ $? = 1 ]
sed '/^  BootLoaderDigests:/,/^  [A-Za-z]/{/^    - /d}; s/^  BootLoaderDigests:.*/  BootLoaderDigests: []/' \
	"$tmp/linux.yaml" >"$tmp/linux-nochain.yaml"
check "(the edited claims list no boot images)" grep -q '^  BootLoaderDigests: \[\]' "$tmp/linux-nochain.yaml"
"$dp" "$tmp/init-linux.yaml" "$tmp/linux-nochain.yaml" >/dev/null 2>"$tmp/err"
check "init: the boot chain pin has its guard: an empty list fails it (exit 1)" \
	test $? = 1 -a -n "$(grep 'rule pin-linux-BootLoaderDigests (deny): fail' "$tmp/err")"

tap_end
