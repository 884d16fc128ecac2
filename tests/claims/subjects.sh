#!/bin/sh
# Secure Boot certificate subjects (PKSubjects, KEKSubjects, dbSubjects) and dbx
# entry counts on every corpus log, against openssl's reading of the certificates
# the test extracts from tcglog-dump's output (cert_subjects.py); banks the log
# lists but never extends, against tpm2_eventlog's output (unextended_banks.py). TAP.
build=$1
corpus=$2
here=$(dirname "$0")
. "$here/../tap.sh"
claims=$build/tools/tcglog-claims
attack=$build/tests/claims/claims-attack
dump=$build/tools/tcglog-dump
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -d "$corpus" ]; then
	skip "subjects" "no corpus at $corpus"
	tap_end
	exit 0
fi
if ! python3 -c 'import yaml' 2>/dev/null || ! command -v openssl >/dev/null; then
	skip "subjects" "python3 with yaml or openssl not installed"
	tap_end
	exit $?
fi

pca="CN=Microsoft Windows Production PCA 2011,O=Microsoft Corporation,L=Redmond,ST=Washington,C=US"
total=0
with_pca=0
for f in $(find "$corpus" -type f | grep -v -E '\.(json|ya?ml|md|txt|pb|b64|textproto)$' | sort); do
	n=$(echo "${f#"$corpus"/}" | tr / _)
	"$claims" --allow-sha1 --lenient "$f" >"$tmp/$n.claims" 2>/dev/null || continue
	"$dump" "$f" >"$tmp/$n.dump" 2>/dev/null || continue
	grep -q '^  db:$' "$tmp/$n.claims" || continue
	if python3 "$here/cert_subjects.py" "$tmp/$n.dump" "$tmp/$n.claims" >"$tmp/diff" 2>&1; then
		ok "${f#"$corpus"/}: subjects and dbx counts equal openssl's ($(head -1 "$tmp/diff"))"
	else
		not_ok "${f#"$corpus"/}: subjects and dbx counts equal openssl's"
		diag "$(head -10 "$tmp/diff")"
	fi
	total=$((total + 1))
	# the subject in the db list (not only somewhere in the document)
	if sed -n '/^  dbSubjects:$/,/^  [^ -]/p' "$tmp/$n.claims" | grep -qF -- "- \"$pca\""; then
		with_pca=$((with_pca + 1))
	fi
done
check "logs with a measured db compared ($total)" [ "$total" -gt 0 ]
# Windows logs of the corpus hold Microsoft's Windows Production PCA 2011 in db.
check "dbSubjects names Windows Production PCA 2011 ($with_pca logs)" [ "$with_pca" -gt 0 ]

# A db certificate that is no certificate: its subject is unknown, so dbSubjects is absent
# (never a shorter list), while db still lists its digest.
gcp=$corpus/go-attestation/windows_gcp_shielded_vm.bin
if [ -f "$gcp" ] && "$attack" db-cert-garbled "$gcp" "$tmp/garbled.bin"; then
	"$claims" --allow-sha1 --lenient "$tmp/garbled.bin" >"$tmp/garbled.claims" 2>/dev/null
	check "garbled db certificate: db still listed" grep -q '^  db:$' "$tmp/garbled.claims"
	check "garbled db certificate: dbSubjects absent" \
		sh -c "! grep -q '^  dbSubjects:' '$tmp/garbled.claims'"
	check "garbled db certificate: KEKSubjects still there" \
		grep -q '^  KEKSubjects:$' "$tmp/garbled.claims"
else
	skip "garbled db certificate" "GCP log not in the corpus"
fi

# banks-unextended: the tpm2-tools logs, whose tpm2_eventlog output the corpus keeps
notes=0
for y in "$corpus"/tpm2-tools/expected/event-raw/*.yaml; do
	[ -f "$y" ] || continue
	b=$(basename "$y" .yaml)
	"$claims" --allow-sha1 --lenient "$corpus/tpm2-tools/$b" >"$tmp/$b.claims" 2>/dev/null || continue
	if python3 "$here/unextended_banks.py" "$y" "$tmp/$b.claims" >"$tmp/diff" 2>&1; then
		ok "tpm2-tools/$b: banks-unextended as tpm2_eventlog shows ($(cat "$tmp/diff"))"
	else
		not_ok "tpm2-tools/$b: banks-unextended as tpm2_eventlog shows"
		diag "$(cat "$tmp/diff")"
	fi
	grep -q '^  banks-unextended:' "$tmp/$b.claims" && notes=$((notes + 1))
done
# event-uefiaction.bin and event-uefivar.bin list SHA-384 and SHA-512 with zero digests
check "some tpm2-tools log has an unextended bank ($notes)" [ "$notes" -gt 0 ]
tap_end
