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

# Microsoft's properties appear (in order) only when every required fact is known.
full=$src/policies/fixtures/windows-dha/compliant-full.yaml
fixture_claims "$full" >"$tmp/full.yaml"
"$dp" "$src/policies/windows-dha.yaml" "$tmp/full.yaml" >"$tmp/full.xml"
check "verified Windows claims: HealthCertificateProperties with BitlockerStatus" \
	grep -q '<BitlockerStatus>1</BitlockerStatus>' "$tmp/full.xml"
fixture_claims "$src/policies/fixtures/windows-dha/compliant.yaml" >"$tmp/part.yaml"
"$dp" "$src/policies/windows-dha.yaml" "$tmp/part.yaml" >"$tmp/part.xml"
check "claims without AIKPresent/ResetCount: no HealthCertificateProperties" \
	sh -c "! grep -q HealthCertificateProperties '$tmp/part.xml'"

# Unverified claims: refused (exit 1, claims-unverified) unless --offline.
sed 's/^  verified: true/  verified: false/' "$tmp/full.yaml" >"$tmp/unverified.yaml"
"$dp" "$src/policies/windows-dha.yaml" "$tmp/unverified.yaml" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "unverified claims refused: exit 1" [ "$rc" = 1 ]
check "unverified claims refused: rule named" grep -q claims-unverified "$tmp/err"
check "unverified claims refused: no report" [ ! -s "$tmp/out" ]
"$dp" --offline "$src/policies/windows-dha.yaml" <"$tmp/unverified.yaml" >"$tmp/offline.xml"
check "--offline: compliant from standard input" [ $? = 0 ]
check "--offline: the report says so" grep -q 'offline="true"' "$tmp/offline.xml"
validate "--offline report validates" "$tmp/offline.xml"

# Bad input: exit 2 with file:line:column.
printf 'name: t\nversion: 1\nrules: []\n' >"$tmp/empty.yaml"
"$dp" "$tmp/empty.yaml" "$tmp/full.yaml" >/dev/null 2>"$tmp/err"
rc=$?
check "empty policy: exit 2" [ "$rc" = 2 ]
check "empty policy: file:line:column" grep -q "policy-no-rules: $tmp/empty.yaml:3:1:" "$tmp/err"
printf 'kind: dha-claims\nversion: 1\nversion: 1\n' >"$tmp/dup.yaml"
"$dp" "$src/policies/windows-dha.yaml" "$tmp/dup.yaml" >/dev/null 2>"$tmp/err"
rc=$?
check "duplicate key in claims: exit 2" [ "$rc" = 2 ]
check "duplicate key in claims: named" grep -q "yaml-duplicate-key: $tmp/dup.yaml:3:1:" "$tmp/err"
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

# init: a policy pinned to a known-good device that loads and passes it.
for c in full linux; do
	if [ $c = linux ]; then fixture_claims "$src/policies/fixtures/linux-secureboot/compliant.yaml" >"$tmp/$c.yaml"; fi
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

tap_end
