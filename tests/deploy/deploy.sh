#!/bin/sh
# The front door (deploy/): dha-cgi refusing hostile requests on its own, then
# nginx + fcgiwrap over HTTPS on the loopback address with a test CA, a device
# on swtpm attesting the fixture windows11 boot through dha-device --url, and
# the protocol's attacks over HTTP, each with the HTTP status and exit status
# it must give. Usage: deploy.sh BUILDDIR SOURCEDIR
set -u
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
. "$src/tests/tap.sh"
. "$src/tests/swtpm.sh"
. "$src/tests/swtpm-ek.sh"
. "$src/tests/deploy/frontdoor.sh"
. "$src/tests/store/pg.sh"
tools=$build/tools
cgi=$src/deploy/dha-cgi
edit="python3 $src/tests/e2e/msgedit.py"
schema=$src/schema/tcglog-dha-report.xsd
log=$src/fixtures/windows11.bin
dev=kiosk-7
tmp=$(mktemp -d)
# The front door's users (frontdoor.sh) pass through, to their own directories.
chmod 711 "$tmp"
trap 'frontdoor_stop; swtpm_stop; pg_stop; rm -rf "$tmp"' EXIT

# cgi_status VAR=VALUE...: the Status line dha-cgi answers with that
# environment (no web server), an empty body on standard input.
cgi_status() {
	env -i REQUEST_METHOD=POST DHA_STATE="$tmp/none" DHA_POLICIES="$src/policies" "$@" \
		sh "$cgi" </dev/null >"$tmp/cgi.out" 2>/dev/null
	sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$tmp/cgi.out" | tr -d '\r'
}
cgi_refuses() {
	want=$1 rule=$2
	shift 2
	got=$(cgi_status "$@")
	check "dha-cgi alone, $*: $want, $rule" test "$got" = "$want" -a -n "$(grep -- "$rule" "$tmp/cgi.out")"
}
cgi_refuses 404 http-step DHA_STEP='issue;touch x'
cgi_refuses 404 http-step DHA_STEP='$(id)'
cgi_refuses 404 http-argument DHA_STEP=nonce DHA_ARG='--closed'
cgi_refuses 404 http-argument DHA_STEP=nonce DHA_ARG='a b'
cgi_refuses 404 http-argument DHA_STEP=report DHA_ARG='../windows-dha'
cgi_refuses 404 http-argument DHA_STEP=verify DHA_ARG='x'
cgi_refuses 404 http-policy DHA_STEP=report DHA_ARG='no-such-policy'
cgi_refuses 400 http-query DHA_STEP=verify QUERY_STRING='a=1'
cgi_refuses 400 http-length DHA_STEP=verify CONTENT_LENGTH='1;id'
cgi_refuses 413 http-body-too-large DHA_STEP=verify CONTENT_LENGTH=1048577
cgi_refuses 413 http-body-too-large DHA_STEP=nonce DHA_ARG=x CONTENT_LENGTH=1
cgi_refuses 405 http-method DHA_STEP=verify REQUEST_METHOD=GET
cgi_refuses 500 http-config DHA_STEP=verify DHA_STATE='relative/dir'

if missing=$(swtpm_ek_have_tools) && missing=$(frontdoor_have); then :; else
	skip "the front door over HTTPS" "$missing is missing"
	tap_end
	exit $?
fi

server() { "$tools/dha-server" --state "$tmp/state" "$@"; }
devstate=$tmp/device
device() { "$tools/dha-device" --state "$devstate" --url "$FRONTDOOR_URL" --cacert "$FRONTDOOR_CA" "$@"; }
# http PATH [CURL-OPTIONS]: POST to the front door; prints the HTTP status,
# the body in $tmp/body.
http() {
	p=$1
	shift
	curl -s --cacert "$FRONTDOOR_CA" -o "$tmp/body" -w '%{http_code}' "$@" "$FRONTDOOR_URL/$p"
}
post() { http "$1" --data-binary "@$2" -H 'Content-Type: application/yaml'; }
in_body() { grep -q -- "$1" "$tmp/body"; }

if ! { swtpm_ek_setup "$tmp/tpm" && swtpm_ek_start "$tmp/tpm" &&
	"$tools/tcglog-play" "$log" >/dev/null 2>&1 &&
	server init --ca "$(swtpm_ek_root "$tmp/tpm")" \
		--untrusted "$(swtpm_ek_issuer "$tmp/tpm")" 2>/dev/null; }; then
	not_ok "swtpm with EK certificates, the fixture boot played, the service initialised"
	tap_end
	exit 1
fi
if ! frontdoor_start "$tmp/door" "$src" "$tools" "$tmp/state" "$src/policies" 2; then
	not_ok "nginx and fcgiwrap started on the loopback address"
	diag "$(cat "$tmp/door/nginx.log" "$tmp/door/www/error.log" "$tmp/door/fcgiwrap.log" 2>/dev/null)"
	tap_end
	exit 1
fi
ok "nginx and fcgiwrap started on the loopback address ($FRONTDOOR_URL)"

key=$tmp/state/service.key
check "the service key is mode 0600 of the service user" \
	test "$(stat -c '%a %u' "$key")" = "600 $(stat -c %u "$tmp/state")"
if [ "$(id -u)" -ne 0 ]; then
	skip "nginx's user cannot read the service key" "not root: nginx runs as the caller"
elif frontdoor_as_web cat "$key" >/dev/null 2>&1; then
	not_ok "nginx's user cannot read the service key"
else
	ok "nginx's user cannot read the service key"
fi

# The whole exchange through the front door.
device --device "$dev" --policy windows-dha attest -- --log "$log" >"$tmp/report.xml" 2>"$tmp/err"
rc=$?
check "dha-device --url attest: compliant under windows-dha (exit 0)" test $rc -eq 0
[ $rc -eq 0 ] || diag "$(cat "$tmp/err")"
check "... the report validates against the schema" \
	xmllint --noout --schema "$schema" "$tmp/report.xml"
check "... and says the AIK is present (verified against the EK)" \
	grep -q 'path="health.AIKPresent"[^>]*>true<' "$tmp/report.xml"
device --device "$dev" quote >"$tmp/claims.yaml" 2>"$tmp/err"
check "dha-device --url quote: verified claims (exit 0), ResetCount the TPM's own" test $? -eq 0 -a \
	"$($edit "$tmp/claims.yaml" get health.ResetCount 2>/dev/null)" = \
	"$(tpm2_readclock | sed -n 's/^ *reset_count: *//p')"

# signed [DEVICE]: a nonce from the front door, the device's quote over it.
signed() {
	http "nonce/${1:-$dev}" -X POST >/dev/null &&
		"$tools/dha-device" --state "$devstate" quote <"$tmp/body"
}

# A replayed signedblob.
signed >"$tmp/signed.yaml"
check "a signedblob over HTTP: 200" test "$(post verify "$tmp/signed.yaml")" = 200
check "the same signedblob again: 403 naming nonce-unknown" \
	test "$(post verify "$tmp/signed.yaml")" = 403 -a -n "$(in_body nonce-unknown && echo y)"

# Another device's nonce, by curl and through dha-device (exit 1).
signed other-device >"$tmp/signed.yaml"
check "a nonce of another device: 403 naming nonce-device-mismatch" \
	test "$(post verify "$tmp/signed.yaml")" = 403 -a -n "$(in_body nonce-device-mismatch && echo y)"
device --device other-device quote >/dev/null 2>"$tmp/err"
check "... and dha-device --url quote under that name: exit 1, the rule named" \
	test $? -eq 1 -a -n "$(grep nonce-device-mismatch "$tmp/err")"

# A bit flipped in the EncBlob's ciphertext and tag: refused, nonce not burned.
signed >"$tmp/signed.yaml"
for at in 100 -1; do
	$edit "$tmp/signed.yaml" flip encblob "$at" >"$tmp/flipped.yaml"
	check "EncBlob bit flipped at byte $at: 403 naming blob-auth" \
		test "$(post verify "$tmp/flipped.yaml")" = 403 -a -n "$(in_body blob-auth && echo y)"
done
check "... and the untouched signedblob still verifies: 200" \
	test "$(post verify "$tmp/signed.yaml")" = 200

# Fabricated claims: a document that the windows-dha policy, given it
# directly, finds compliant (checked here first). Posted to every path, it
# never comes back as a compliant report: no endpoint takes claims.
awk '/^claims:/ { f = 1; next } /^[a-z]/ { f = 0 } f' \
	"$src/policies/fixtures/windows-dha/compliant-full.yaml" | sed 's/^    //' >"$tmp/forged.yaml"
"$tools/dha-policy" "$src/policies/windows-dha.yaml" "$tmp/forged.yaml" >/dev/null 2>&1
check "the forged claims are compliant when appraised directly (exit 0)" test $? -eq 0
for p in issue verify "nonce/$dev" report/windows-dha report/windows-intune \
	report/linux-secureboot report; do
	code=$(post "$p" "$tmp/forged.yaml")
	case $code in 400 | 403 | 404 | 413) refused=y ;; *) refused= ;; esac
	check "forged compliant claims to /dha/$p: $code, no compliant report" \
		test -n "$refused" -a -z "$(in_body '>compliant<' && echo y)"
done
# The honest path: the report of a signedblob, once; its replay is refused
# with a non-compliant report naming the rule.
signed >"$tmp/signed.yaml"
check "a signedblob to /dha/report/windows-dha: 200, a compliant report" \
	test "$(post report/windows-dha "$tmp/signed.yaml")" = 200 -a -n "$(in_body '>compliant<' && echo y)"
check "... the report validates against the schema" xmllint --noout --schema "$schema" "$tmp/body"
check "the same signedblob again: 403, a non-compliant report naming nonce-unknown" \
	test "$(post report/windows-dha "$tmp/signed.yaml")" = 403 -a -n "$(in_body nonce-unknown && echo y)" \
	-a -n "$(in_body '>non-compliant<' && echo y)"

# Bodies over the caps: nginx answers 413 before any process starts.
head -c 1100000 /dev/zero >"$tmp/big"
check "a 1.1 MB body to verify: 413" test "$(post verify "$tmp/big")" = 413
head -c 2000 /dev/zero >"$tmp/big"
check "a 2 kB body to nonce: 413" test "$(post "nonce/$dev" "$tmp/big")" = 413
printf 'kind: dha-signedblob\nversion: 1\n' >"$tmp/bad.yaml"
check "a malformed signedblob: 400" test "$(post verify "$tmp/bad.yaml")" = 400

# Injection through the path, the query, a header: nothing runs.
for p in 'nonce/%24%28touch%20pwned%29' 'nonce/--closed' 'nonce/kiosk-7;touch%20pwned' \
	'nonce/a%2F..%2F..%2Fpwned' 'report/no-such-policy' 'issue/extra' 'purge' 'rotate'; do
	check "POST /dha/$p: 404" test "$(http "$p" -X POST)" = 404
done
# nginx decodes the path and refuses one that climbs above the root.
check "POST /dha/report/..%2F..%2F..%2Fetc%2Fpasswd: 400" \
	test "$(http 'report/..%2F..%2F..%2Fetc%2Fpasswd' -X POST)" = 400
check "a query string: 400 naming http-query" \
	test "$(http 'issue?x=%3Btouch%20pwned' -X POST)" = 400 -a -n "$(in_body http-query && echo y)"
check "GET instead of POST: 405" test "$(http verify)" = 405
check "a header meant for dha-cgi's environment (DHA_STEP, shellshock) is ignored: 400" \
	test "$(http verify -X POST -H 'DHA-STEP: nonce' -H 'X: () { :;}; touch pwned')" = 400
check "... and no file named pwned appeared anywhere the service can write" \
	test -z "$(find "$tmp" / -maxdepth 1 -name pwned 2>/dev/null)"

# The device's errors: a wrong CA, no service (exit 3).
mkdir -p "$tmp/other" && frontdoor_certs "$tmp/other"
"$tools/dha-device" --state "$tmp/device" --url "$FRONTDOOR_URL" --cacert "$tmp/other/ca.pem" \
	--device "$dev" quote >/dev/null 2>"$tmp/err"
check "dha-device --url with another CA: exit 3, curl's reason said" \
	test $? -eq 3 -a -n "$(grep -i 'certificate' "$tmp/err")"
diag "$(head -1 "$tmp/err")"

# The service key gone: 503, and the body names no path of the server's.
mv "$key" "$key.away"
signed >"$tmp/signed.yaml" 2>/dev/null
check "the service without its key: 503, no server path in the body" \
	test "$(post verify "$tmp/signed.yaml")" = 503 -a -z "$(in_body "$tmp" && echo y)"
mv "$key.away" "$key"
frontdoor_stop
device --device "$dev" quote >/dev/null 2>"$tmp/err"
check "dha-device --url with the service stopped: exit 3" test $? -eq 3

# Two verifier back ends (state directories of their own, the same service
# key and trust anchors, as two hosts would have) on one private PostgreSQL
# store, two fcgiwrap pools behind one nginx upstream.
if ! pg_start; then
	skip "two back ends on one PostgreSQL store" "PostgreSQL cannot run here: $PG_WHY"
	tap_end
	exit $?
fi
# The back ends' user reaches the cluster's socket in its directory.
[ "$(id -u)" -ne 0 ] || chmod 711 "$PG_DIR"
pg_a=$tmp/pg-a pg_b=$tmp/pg-b
if ! { "$tools/dha-server" --state "$pg_a" init --store "$PG_URI" \
	--ca "$(swtpm_ek_root "$tmp/tpm")" --untrusted "$(swtpm_ek_issuer "$tmp/tpm")" 2>"$tmp/err" &&
	cp -a "$pg_a" "$pg_b" &&
	frontdoor_start "$tmp/door-pg" "$src" "$tools" "$pg_a:$pg_b" "$src/policies" 2; }; then
	not_ok "two back ends on one PostgreSQL store started"
	diag "$(cat "$tmp/err" "$tmp/door-pg/nginx.log" "$tmp/door-pg/fcgiwrap.log" 2>/dev/null)"
	tap_end
	exit 1
fi
ok "two back ends on one PostgreSQL store started ($FRONTDOOR_URL)"
devstate=$tmp/device-pg
device --device "$dev" --policy windows-dha attest -- --log "$log" >"$tmp/report.xml" 2>"$tmp/err"
rc=$?
check "dha-device --url attest through them: compliant under windows-dha (exit 0)" test $rc -eq 0
[ $rc -eq 0 ] || diag "$(cat "$tmp/err")"
rows() { pg_sql "SELECT count(*) FROM nonces WHERE device = '$dev'" 2>/dev/null; }
before=$(rows)
http "nonce/$dev" -X POST >/dev/null
check "a nonce through the front door is a row in PostgreSQL (psql: $before, then $(rows))" \
	test -n "$before" -a "$(rows)" = "$((before + 1))"
# served N: requests back end N has answered so far.
served() { cat "$tmp/door-pg/run/served-$1" 2>/dev/null | wc -l; }
# A signedblob replayed at once, eight copies in flight over both back ends:
# exactly one is accepted, each round.
for round in 1 2 3; do
	signed >"$tmp/signed.yaml"
	a=$(served 1) b=$(served 2)
	for i in 1 2 3 4 5 6 7 8; do
		printf 'url = "%s/verify"\ncacert = "%s"\ndata-binary = "@%s"\noutput = "%s"\nwrite-out = "%%{http_code}\\n"\n' \
			"$FRONTDOOR_URL" "$FRONTDOOR_CA" "$tmp/signed.yaml" "$tmp/replay-$i"
		[ $i -eq 8 ] || echo next
	done >"$tmp/replay.conf"
	curl -s --parallel --parallel-max 8 --config "$tmp/replay.conf" >"$tmp/codes"
	check "round $round: one signedblob 8 times at once over both back ends: one 200, seven 403 (nonce-unknown)" \
		test "$(grep -c '^200$' "$tmp/codes")" = 1 -a "$(grep -c '^403$' "$tmp/codes")" = 7 -a \
		"$(grep -l nonce-unknown "$tmp"/replay-* | wc -l)" = 7
	check "... both back ends answered part of them" \
		test "$(served 1)" -gt "$a" -a "$(served 2)" -gt "$b"
done
tap_end
