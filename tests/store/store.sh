#!/bin/bash
# The store's semantics, the same script on each backend: store.sh DHA-NONCE
# BACKEND SRC with BACKEND sqlite (a file) or postgresql (a private cluster
# this test starts; SKIP where it cannot run). Nonces used once, per device,
# expiry and purge; the device registry; batches consumed in one transaction;
# schema versions; racing consumers (exactly one winner); consumers killed
# inside a transaction (each batch all or nothing); on PostgreSQL, the server
# restarted in the middle of a stream (exit 3 for what was undecided, nothing
# accepted twice, nothing lost). And dha-server init --store choosing it.
dn=$1
backend=$2
src=$3
server=$4
rp=$5
. "$src/tests/tap.sh"
. "$src/tests/store/pg.sh"
tmp=$(mktemp -d)
trap 'pg_stop; rm -rf "$tmp"' EXIT
ROUNDS=${STORE_RACE_ROUNDS:-40}
KILLS=${STORE_KILL_ROUNDS:-15}

case $backend in
sqlite)
	S=$tmp/store.db
	q() { sqlite3 "$S" "$1"; }
	# SQL naming a nonce given in hex
	blob() { echo "X'$1'"; }
	hexof() { echo "lower(hex($1))"; }
	;;
postgresql)
	pg_start || { echo "1..0 # SKIP PostgreSQL cannot run here: $PG_WHY"; exit 0; }
	S=$PG_URI
	q() { pg_sql "$1"; }
	blob() { echo "'\\x$1'::bytea"; }
	hexof() { echo "encode($1, 'hex')"; }
	;;
*) echo "store.sh: unknown backend $backend" >&2; exit 2 ;;
esac
present() { q "SELECT count(*) FROM nonces WHERE nonce = $(blob "$1")"; }

# --- used once, per device ---
n=$("$dn" -s "$S" issue dev1)
check "issue prints 64 hex digits" grep -Eqx '[0-9a-f]{64}' <<<"$n"
check "... and the store holds it for dev1" \
	[ "$(q "SELECT device FROM nonces WHERE nonce = $(blob "$n")")" = dev1 ]
expect_exit "consume for another device refused" 1 nonce-device-mismatch \
	"$dn" -s "$S" consume dev2 "$n"
check "mismatch leaves the nonce unused" [ "$(present "$n")" = 1 ]
expect_exit "consume once" 0 "" "$dn" -s "$S" consume dev1 "$n"
check "... the row is gone" [ "$(present "$n")" = 0 ]
expect_exit "consume twice refused" 1 nonce-unknown "$dn" -s "$S" consume dev1 "$n"
expect_exit "never issued" 1 nonce-unknown "$dn" -s "$S" consume dev1 "$(printf '%064d' 0)"
for i in $(seq 50); do "$dn" -s "$S" issue many; done >"$tmp/many"
check "50 issued nonces are distinct" [ "$(sort -u "$tmp/many" | wc -l)" = 50 ]
check "... and the store holds the same 50" \
	[ "$(q "SELECT $(hexof nonce) FROM nonces WHERE device = 'many'" | sort)" = "$(sort "$tmp/many")" ]

# --- expiry and purge ---
a=$("$dn" -s "$S" issue --ttl 1 exp)
b=$("$dn" -s "$S" issue --ttl 1 exp)
c=$("$dn" -s "$S" issue --ttl 300 exp)
sleep 2.2
expect_exit "expired refused" 1 nonce-expired "$dn" -s "$S" consume exp "$a"
check "expired nonce still in the store before purge" [ "$(present "$a")" = 1 ]
purged=$("$dn" -s "$S" purge)
check "purge drops the two expired ($purged)" [ "$purged" = 2 ]
expect_exit "purged nonce unknown" 1 nonce-unknown "$dn" -s "$S" consume exp "$b"
check "purge again drops none" [ "$("$dn" -s "$S" purge)" = 0 ]
expect_exit "unexpired nonce survives purge" 0 "" "$dn" -s "$S" consume exp "$c"

# --- a batch: one transaction, a result per line after it ---
g1=$("$dn" -s "$S" issue bat)
g2=$("$dn" -s "$S" issue 'bat two')
o=$("$dn" -s "$S" issue other)
x=$("$dn" -s "$S" issue --ttl 1 bat)
sleep 1.2
printf 'bat %s\nbat two %s\nbat %s\nbat %s\nbat %s\nbat %s\n' \
	"$g1" "$g2" "$o" "$x" "$g1" "$(printf '%064d' 7)" >"$tmp/batch"
expect_exit "a batch with refused lines exits 1" 1 "" "$dn" -s "$S" consume-batch <"$tmp/batch"
printf 'bat %s consumed\nbat two %s consumed\nbat %s nonce-device-mismatch
bat %s nonce-expired\nbat %s nonce-unknown\nbat %s nonce-unknown\n' \
	"$g1" "$g2" "$o" "$x" "$g1" "$(printf '%064d' 7)" >"$tmp/want"
check "... each line's result, in order (the repeated nonce refused)" cmp -s "$tmp/out" "$tmp/want"
check "... consumed rows gone, refused ones left" \
	[ "$(present "$g1")$(present "$g2")$(present "$o")$(present "$x")" = 0011 ]
expect_exit "an empty batch" 0 "" "$dn" -s "$S" consume-batch </dev/null
printf 'bat %s\nbat xyz\n' "$o" >"$tmp/bad"
expect_exit "a malformed line: exit 2 before the store is touched" 2 nonce-hex \
	"$dn" -s "$S" consume-batch <"$tmp/bad"
grep -q '<stdin>#2: nonce-hex' "$tmp/err" && ok "... naming line 2" || not_ok "... naming line 2"
printf 'other %s\n' "$o" >"$tmp/one"
expect_exit "the good line of it was not consumed: it still is consumable" 0 "" \
	"$dn" -s "$S" consume-batch <"$tmp/one"

# --- device registry ---
if openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/ka.pem" -subj /CN=ek-a -days 2 \
	-outform DER -out "$tmp/a.der" 2>/dev/null &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$tmp/kb.pem" -subj /CN=ek-b -days 2 -out "$tmp/b.pem" 2>/dev/null; then
	da=$(sha256sum <"$tmp/a.der" | cut -d' ' -f1)
	db_=$(openssl x509 -in "$tmp/b.pem" -outform DER | sha256sum | cut -d' ' -f1)
	expect_exit "unknown device: device-unknown" 1 device-unknown "$dn" -s "$S" device dev-a
	expect_exit "enroll dev-a with certificate A (DER)" 0 "" \
		"$dn" -s "$S" enroll dev-a "$tmp/a.der"
	check "registry holds sha256sum of certificate A" \
		[ "$(q "SELECT $(hexof ek_sha256) FROM devices WHERE device = 'dev-a'")" = "$da" ]
	check "dha-nonce device prints it" [ "$("$dn" -s "$S" device dev-a)" = "$da" ]
	expect_exit "enroll the same binding again" 0 "" "$dn" -s "$S" enroll dev-a "$tmp/a.der"
	expect_exit "enroll dev-a with certificate B: device-enrolled" 1 device-enrolled \
		"$dn" -s "$S" enroll dev-a "$tmp/b.pem"
	check "... the binding is still A" [ "$("$dn" -s "$S" device dev-a)" = "$da" ]
	expect_exit "enroll --rebind dev-a with certificate B (PEM)" 0 "" \
		"$dn" -s "$S" enroll --rebind dev-a "$tmp/b.pem"
	check "... the binding is now B (sha256sum of its DER), how = rebind" \
		[ "$(q "SELECT $(hexof ek_sha256) || ' ' || how FROM devices WHERE device = 'dev-a'")" = "$db_ rebind" ]
	expect_exit "closed: no nonce for an unknown device (device-unknown)" 1 device-unknown \
		"$dn" -s "$S" issue --closed dev-x
	check "... and none was stored" \
		[ "$(q "SELECT count(*) FROM nonces WHERE device = 'dev-x'")" = 0 ]
	n=$("$dn" -s "$S" issue --closed dev-a)
	check "closed: a nonce for an enrolled device" [ "$(present "$n")" = 1 ]
	expect_exit "open (default): a nonce for an unknown device" 0 "" "$dn" -s "$S" issue dev-x
	printf 'not a certificate' >"$tmp/junk"
	expect_exit "enroll with a file that is no certificate: exit 2" 2 ekcert \
		"$dn" -s "$S" enroll dev-c "$tmp/junk"
	expect_exit "enroll with a missing file: exit 3" 3 "" "$dn" -s "$S" enroll dev-c "$tmp/none"
	check "... nothing enrolled by them" [ "$(q "SELECT count(*) FROM devices")" = 1 ]
else
	skip "device registry" "openssl cannot make test certificates"
fi

# --- schema versions: an older store upgraded, a newer or unknown one refused ---
if [ "$backend" = sqlite ]; then
	check "a new store is schema version 3" [ "$(q 'PRAGMA user_version')" = 3 ]
	old=$tmp/old.db
	# As the version before the registry made it (no user_version), with a nonce.
	sqlite3 "$old" "CREATE TABLE nonces (nonce BLOB PRIMARY KEY NOT NULL, device TEXT NOT NULL,
		issued INTEGER NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID;
		INSERT INTO nonces VALUES (zeroblob(32), 'dev-old', 0, 4000000000);"
	chmod 600 "$old"
	expect_exit "a version-0 store is upgraded: its nonce consumed" 0 "" \
		"$dn" -s "$old" consume dev-old "$(printf '%064d' 0)"
	check "... it is version 3 with a device registry and reports" \
		[ "$(sqlite3 "$old" "PRAGMA user_version; SELECT count(*) FROM devices; SELECT count(*) FROM reports")" = "$(printf '3\n0\n0')" ]
	sqlite3 "$old" 'PRAGMA user_version = 99'
	expect_exit "a store of a newer schema (99) refused" 3 nonce-store-schema "$dn" -s "$old" purge
else
	check "a new store is schema version 3" [ "$(q 'SELECT version FROM tcglog_schema')" = 3 ]
	q 'UPDATE tcglog_schema SET version = 99'
	expect_exit "a store of a newer schema (99) refused" 3 nonce-store-schema "$dn" -s "$S" purge
	q 'UPDATE tcglog_schema SET version = 3; INSERT INTO tcglog_schema VALUES (3)'
	expect_exit "a store with two version rows refused" 3 nonce-store-schema "$dn" -s "$S" purge
	q 'DELETE FROM tcglog_schema; INSERT INTO tcglog_schema VALUES (3)'
	q 'CREATE DATABASE other' >/dev/null
	other=${S/\/\/\/tcglog/\/\/\/other}
	psql -X -q -h "$PG_DIR" -U tcglog -d other -c 'CREATE TABLE nonces (n int)'
	expect_exit "a database with a foreign 'nonces' table and no version: refused, not misread" \
		3 nonce-store "$dn" -s "$other" purge
	check "... and left as it was" \
		[ "$(psql -X -A -t -h "$PG_DIR" -U tcglog -d other -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = 1 ]
fi

# --- dha-server init --store: the schema made, the store kept for each step ---
st=$tmp/state
if [ "$backend" = postgresql ]; then
	bad_uri="postgresql://tcglog:secret@/tcglog?host=$PG_DIR"
	expect_exit "dha-server init --store with a password in it: refused" 3 nonce-store-credentials \
		"$server" --state "$st" init --store "$bad_uri"
	check "... and not recorded" [ ! -e "$st/store" ]
	q 'CREATE DATABASE fresh' >/dev/null
	fresh=${S/\/\/\/tcglog/\/\/\/fresh}
else
	fresh=$tmp/fresh.db
fi
expect_exit "dha-server init --store on an empty store" 0 "" "$server" --state "$st" init --store "$fresh"
if [ "$backend" = postgresql ]; then
	check "... made the schema in it" [ "$(psql -X -A -t -h "$PG_DIR" -U tcglog -d fresh -c \
		'SELECT version FROM tcglog_schema')" = 3 ]
	n=$("$server" --state "$st" nonce srv-dev)
	check "... and its nonce step issues into it" [ "$(psql -X -A -t -h "$PG_DIR" -U tcglog -d fresh -c \
		"SELECT device FROM nonces WHERE nonce = $(blob "$n")")" = srv-dev ]
else
	check "... made the schema in it" [ "$(sqlite3 "$fresh" 'PRAGMA user_version')" = 3 ]
	n=$("$server" --state "$st" nonce srv-dev)
	check "... and its nonce step issues into it" [ "$(sqlite3 "$fresh" \
		"SELECT device FROM nonces WHERE nonce = $(blob "$n")")" = srv-dev ]
fi

# --- DHA-Reports kept per device: dha-server report, status, retention ---
rs=$tmp/rstate
srv() { "$server" --state "$rs" "$@"; }
pol=$src/policies/windows-dha.yaml
# claims FIXTURE DEVICE: the fixture's claims naming DEVICE as verified
# (verification.dha.device, a JSON string: a YAML double-quoted scalar).
claims() {
	local l
	while IFS= read -r l; do
		printf '%s\n' "$l"
		[ "$l" = verification: ] && printf '  dha:\n    device: %s\n' "$(jq -Rn --arg d "$2" '$d')"
	done <"$src/fixtures/$1.claims.yaml"
}
# appraise N FIXTURE DEVICE TIME: dha-server report at TIME; the XML in $tmp/rN.xml
appraise() {
	claims "$2" "$3" >"$tmp/c$1.yaml"
	SOURCE_DATE_EPOCH=$4 srv report "$pol" <"$tmp/c$1.yaml" >"$tmp/r$1.xml" 2>"$tmp/err$1"
}
# xpath FILE EXPR: the value xmllint reads from a report (namespaces by local name)
xpath() { xmllint --xpath "$2" "$1" 2>/dev/null; }
# row FILE: what a report says, as status --format json must list it (xmllint,
# jq); attributed unless it is a failed verification whose fact says false
row() {
	local a=true
	[ "$(xpath "$1" 'string(//*[local-name()="Fact"][@path="verification.attributed"])')" = false ] &&
		a=false
	jq -cn --arg dev "$2" --arg t "$(xpath "$1" 'string(//*[local-name()="Appraisal"]/@issued)')" \
		--arg v "$(xpath "$1" 'string(//*[local-name()="Verdict"])')" --argjson a "$a" \
		--arg p "$(xpath "$1" 'string(//*[local-name()="Policy"]/@name)')" \
		--arg f "$(xpath "$1" '//*[local-name()="Rule"][@outcome="fail"]/@id' | sed 's/^ *id="\(.*\)"$/\1/')" \
		'{device: $dev, time: $t, verdict: $v, attributed: $a, policy: $p, failing: ($f | split("\n") | map(select(. != "")))}'
}
hostile="x'; DROP TABLE reports; -- \"<b>&amp;\" \$(id) \`id\` %s%n \\"
T1=1700000000 T2=1700000100 T3=1700000200
srv init --store "$S" >/dev/null 2>&1
appraise 1 windows11 'kiosk 7' $T1
check "report: a compliant report (exit 0), XML on standard output" \
	[ "$(xpath "$tmp/r1.xml" 'string(//*[local-name()="Verdict"])')" = compliant ]
appraise 2 windows11-sb-off "$hostile" $T1
check "report: a non-compliant one exits 1 and is still written" test $? = 1 -a -s "$tmp/r2.xml"
appraise 3 windows11 "$hostile" $T2
appraise 4 windows11-testsign lab $T2
appraise 5 windows11-sb-off 'kiosk 7' $T3
SOURCE_DATE_EPOCH=$T1 "$(dirname "$dn")/dha-policy" "$pol" "$tmp/c1.yaml" >"$tmp/plain.xml" 2>/dev/null
check "report's output is dha-policy's, byte for byte" cmp -s "$tmp/r1.xml" "$tmp/plain.xml"
check "the store keeps the five reports" [ "$(q 'SELECT count(*) FROM reports')" = 5 ]
check "... each with the XML written out" \
	[ "$(q "SELECT xml FROM reports WHERE appraised = $T3")" = "$(cat "$tmp/r5.xml")" ]
check "... the hostile device name stored as it is" \
	[ "$(q "SELECT count(*) FROM reports WHERE device = $(printf '%s' "$hostile" | sed "s/'/''/g; s/^/'/; s/\$/'/")")" = 2 ]

# latest per device, sorted by the name's bytes: kiosk 7 (r5), lab (r4), x'... (r3)
{ row "$tmp/r5.xml" 'kiosk 7'; row "$tmp/r4.xml" lab; row "$tmp/r3.xml" "$hostile"; } >"$tmp/want"
srv status --format json >"$tmp/got"
check "status --format json: the latest report of each device, as xmllint reads its XML" \
	[ "$(jq -c . "$tmp/got")" = "$(cat "$tmp/want")" ]
[ "$(jq -c . "$tmp/got")" = "$(cat "$tmp/want")" ] || diag "$(cat "$tmp/got")" "$(cat "$tmp/want")"
check "... non-compliant ones name their failing rules" \
	[ "$(jq -c 'select(.device == "lab") | .failing' "$tmp/got")" = '["no-test-signing"]' ]
srv status >"$tmp/text"
check "status (text): a line per device, six tab-separated columns" \
	test "$(wc -l <"$tmp/text")" = 3 -a -z "$(awk -F'\t' 'NF != 6' "$tmp/text")"
check "... TIME DEVICE VERDICT POLICY FAILING ATTRIBUTION, the hostile name printed as it is" \
	[ "$(sed -n 3p "$tmp/text")" = "$(printf '%s\t%s\t%s\t%s\t%s\t%s' "$(date -u -d @$T2 +%Y-%m-%dT%H:%M:%SZ)" \
		"${hostile//\\/\\x5c}" compliant windows-dha - attributed)" ]
check "... the same rows as JSON" [ "$(cut -f2,3 "$tmp/text" | sed 's/\\x5c/\\/g')" = \
	"$(jq -r '[.device, .verdict] | @tsv' "$tmp/got" | sed 's/\\\\/\\/g')" ]
srv status --format json -- "$hostile" >"$tmp/got"
{ row "$tmp/r2.xml" "$hostile"; row "$tmp/r3.xml" "$hostile"; } >"$tmp/want"
check "status DEVICE: its history, oldest first (the hostile name as an argument)" \
	[ "$(jq -c . "$tmp/got")" = "$(cat "$tmp/want")" ]
check "status --verdict non-compliant: the devices whose latest report is" \
	[ "$(srv status --verdict non-compliant --format json | jq -r .device | xargs)" = "kiosk 7 lab" ]
check "status --since (seconds): the latest reports from then on" \
	[ "$(srv status --since $T3 | cut -f2)" = "kiosk 7" ]
check "status DEVICE --since (YYYY-MM-DDTHH:MM:SSZ) --verdict compliant" \
	[ "$(srv status 'kiosk 7' --verdict compliant --since "$(date -u -d @$T1 +%Y-%m-%dT%H:%M:%SZ)" | cut -f1)" = \
		"$(date -u -d @$T1 +%Y-%m-%dT%H:%M:%SZ)" ]
check "status of a device with no report: nothing, exit 0" [ -z "$(srv status nobody)" ]
expect_exit "status --verdict maybe: exit 2" 2 "" srv status --verdict maybe
expect_exit "status --since 2023-02-30T00:00:00Z: exit 2" 2 report-time srv status --since 2023-02-30T00:00:00Z
expect_exit "status with a control character in DEVICE: exit 2" 2 nonce-device srv status "$(printf 'a\tb')"

# attacks on what is kept
claims windows11 "$(printf 'evil\tname')" >"$tmp/bad.yaml"
expect_exit "a report whose device name holds a control character: refused (exit 2)" 2 report-device \
	srv report "$pol" <"$tmp/bad.yaml"
claims windows11 "$(printf 'evil\tname')" | grep -v '^  dha:\|^    device:' >"$tmp/bad.yaml"
expect_exit "a report naming no device: refused (exit 2)" 2 report-device \
	srv report "$pol" <"$tmp/bad.yaml"
{ cat "$tmp/r1.xml"; head -c 1100000 /dev/zero | tr '\0' ' '; } >"$tmp/big.xml"
expect_exit "a report over 1 MiB: refused (exit 2)" 2 size-cap "$rp" -s "$S" add "$tmp/big.xml"
check "... none of them kept" [ "$(q 'SELECT count(*) FROM reports')" = 5 ]
# failed DEVICE RULE ATTRIBUTED: a failure document as dha-verify writes it
failed() {
	printf -- '---\nkind: "dha-claims"\nversion: 1\nverification:\n  verified: false\n  result: "failed"
  rule: "%s"\n  message: "m"\n  device: %s\n  attributed: %s\n' "$2" "$(jq -Rn --arg d "$1" '$d')" "$3"
}
failed 'kiosk 9' nonce-unknown false >"$tmp/failed.yaml"
SOURCE_DATE_EPOCH=$T1 srv report "$pol" <"$tmp/failed.yaml" >"$tmp/r7.xml" 2>/dev/null
check "a failed verification: exit 1, kept under the device it claimed" \
	test $? = 1 -a "$(srv status --format json 'kiosk 9' | jq -r '.verdict + " " + .failing[]')" = \
	"non-compliant $(xpath "$tmp/r7.xml" 'substring-before(/*/@ErrorMessage, ":")')"
check "... unattributed (nobody proved to be kiosk 9): in its history, no latest status" \
	test "$(srv status --format json 'kiosk 9' | jq -r .attributed)" = false -a \
	-z "$(srv status | grep 'kiosk 9')"
# Anyone can send a signedblob under lab's name: lab's latest stays what lab proved.
failed lab blob-auth false | SOURCE_DATE_EPOCH=$T3 srv report "$pol" >"$tmp/r8.xml" 2>/dev/null
check "an unattributed failure under lab's name, newer than lab's report: kept, lab's status unchanged" \
	test "$(srv status --format json lab | jq -r .attributed | xargs)" = "true false" -a \
	"$(srv status --format json | jq -c 'select(.device == "lab")')" = "$(row "$tmp/r4.xml" lab)"
check "... status --verdict non-compliant lists the same devices as before" \
	[ "$(srv status --verdict non-compliant --format json | jq -r .device | xargs)" = "kiosk 7 lab" ]
check "... the history's text lines say unattributed" \
	[ "$(srv status lab | cut -f3,6 | tail -n 1)" = "$(printf 'non-compliant\tunattributed')" ]
# The device's own failure (after an authentic quote over its nonce) decides.
failed "$hostile" dha-pcr-mismatch true | SOURCE_DATE_EPOCH=$T3 srv report "$pol" >"$tmp/r9.xml" 2>/dev/null
check "an attributed failure: the device's latest status is non-compliant" \
	[ "$(srv status --format json | jq -c --arg d "$hostile" 'select(.device == $d) | [.verdict, .failing]')" = \
		'["non-compliant",["dha-pcr-mismatch"]]' ]
check "... and it says attributed: true" \
	[ "$(srv status --format json -- "$hostile" | tail -n 1 | jq -r .attributed)" = true ]
failed lab blob-auth | sed '/attributed/d' >"$tmp/noattr.yaml"
expect_exit "a failure document that does not say whose it is: refused (exit 2)" 2 claims-verification \
	srv report "$pol" <"$tmp/noattr.yaml"
sed 's/"bool">false</"bool">maybe</' "$tmp/r8.xml" >"$tmp/badattr.xml"
grep -q maybe "$tmp/badattr.xml" || diag "no attributed fact in r8.xml"
expect_exit "a report whose attributed fact is not a boolean: refused (exit 2)" 2 "" \
	"$rp" -s "$S" add "$tmp/badattr.xml"

# retention: init --keep-reports, applied by purge
expect_exit "init --keep-reports 0: exit 2, nothing recorded" 2 report-keep srv init --keep-reports 0
check "... (no DIR/keep-reports)" [ ! -e "$rs/keep-reports" ]
appraise 6 windows11 lab "$(date +%s)"
expect_exit "init --keep-reports 1d" 0 "" srv init --keep-reports 1d
expect_exit "purge drops the reports older than a day" 0 "dropped 8 reports" srv purge
check "... and keeps today's" test "$(q 'SELECT count(*) FROM reports')" = 1 -a \
	"$(srv status | cut -f2,3)" = "$(printf 'lab\tcompliant')"
check "dha-report purge --keep prints how many it dropped" [ "$("$rp" -s "$S" purge --keep 1d)" = 0 ]

# --- a version-1 store, made by the version-1 SQL, upgraded to 2: data kept ---
sql=$src/libtcglog/sql
zero=$(printf '%064d' 0)
if [ "$backend" = sqlite ]; then
	v1=$tmp/v1.db
	cat "$sql/sqlite-0-nonces.sql" "$sql/sqlite-1-devices.sql" | sqlite3 "$v1"
	sqlite3 "$v1" "PRAGMA user_version = 1; INSERT INTO nonces VALUES (zeroblob(32), 'dev-v1', 0, 4000000000);
		INSERT INTO devices VALUES ('dev-v1', zeroblob(32), 0, 'operator')"
	chmod 600 "$v1"
	v1q() { sqlite3 "$v1" "$1"; }
	version='PRAGMA user_version'
else
	q 'CREATE DATABASE v1' >/dev/null
	v1=${S/\/\/\/tcglog/\/\/\/v1}
	v1q() { psql -X -A -t -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -U tcglog -d v1 -c "$1"; }
	cat "$sql/postgresql-0-version.sql" "$sql/postgresql-1-store.sql" |
		psql -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -U tcglog -d v1 >/dev/null
	v1q "INSERT INTO tcglog_schema VALUES (1); INSERT INTO nonces VALUES ('\\x$zero', 'dev-v1', 0, 4000000000);
		INSERT INTO devices VALUES ('dev-v1', '\\x$zero', 0, 'operator')"
	version='SELECT version FROM tcglog_schema'
fi
check "a version-1 store has no reports table" test -z "$(v1q 'SELECT count(*) FROM reports' 2>/dev/null)"
check "dha-report opens it: no report listed" [ -z "$("$rp" -s "$v1" status)" ]
check "... it is version 3 now, with an empty reports table" \
	[ "$(v1q "$version"; v1q 'SELECT count(*) FROM reports')" = "$(printf '3\n0')" ]
check "... its device still bound" [ "$("$dn" -s "$v1" device dev-v1)" = "$zero" ]
expect_exit "... its nonce still there, consumed once" 0 "" "$dn" -s "$v1" consume dev-v1 "$zero"
expect_exit "... and a report kept in it" 0 "" "$rp" -s "$v1" add "$tmp/r1.xml"
check "... listed back" [ "$("$rp" -s "$v1" status --format json | jq -c .)" = "$(row "$tmp/r1.xml" 'kiosk 7')" ]
v1q "$(echo "$version" | sed 's/PRAGMA user_version/PRAGMA user_version = 4/; s/SELECT version FROM tcglog_schema/UPDATE tcglog_schema SET version = 4/')"
expect_exit "a version-4 store: refused, not misread" 3 nonce-store-schema "$rp" -s "$v1" status

# --- a version-2 store (reports without attribution) upgraded to 3: rows kept,
# counted as attributed as they were ---
if [ "$backend" = sqlite ]; then
	v2=$tmp/v2.db
	cat "$sql/sqlite-0-nonces.sql" "$sql/sqlite-1-devices.sql" "$sql/sqlite-2-reports.sql" | sqlite3 "$v2"
	sqlite3 "$v2" 'PRAGMA user_version = 2'
	chmod 600 "$v2"
	v2q() { sqlite3 "$v2" "$1"; }
else
	q 'CREATE DATABASE v2' >/dev/null
	v2=${S/\/\/\/tcglog/\/\/\/v2}
	v2q() { psql -X -A -t -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -U tcglog -d v2 -c "$1"; }
	cat "$sql/postgresql-0-version.sql" "$sql/postgresql-1-store.sql" "$sql/postgresql-2-reports.sql" |
		psql -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -U tcglog -d v2 >/dev/null
	v2q 'INSERT INTO tcglog_schema VALUES (2)'
fi
v2q "INSERT INTO reports (device, appraised, verdict, failing, policy, xml)
	VALUES ('dev-v2', $T1, 'compliant', '', 'p', '<x/>'), ('dev-v2', $T2, 'non-compliant', 'dha-reboot', 'p', '<x/>')"
check "dha-report opens a version-2 store: its latest row listed, attributed" \
	[ "$("$rp" -s "$v2" status --format json | jq -c '[.device, .verdict, .attributed]')" = '["dev-v2","non-compliant",true]' ]
check "... it is version 3 now, both rows kept, attributed" \
	[ "$(v2q "$version"; v2q 'SELECT count(*) FROM reports WHERE attributed')" = "$(printf '3\n2')" ]
failed dev-v2 quote-signature false >"$tmp/v2f.yaml"
SOURCE_DATE_EPOCH=$T3 "$(dirname "$dn")/dha-policy" "$pol" "$tmp/v2f.yaml" >"$tmp/v2f.xml" 2>/dev/null
expect_exit "... an unattributed failure added to it" 0 "" "$rp" -s "$v2" add "$tmp/v2f.xml"
check "... leaves its latest status as the version-2 rows decided it" \
	[ "$("$rp" -s "$v2" status | cut -f3,5,6)" = "$(printf 'non-compliant\tdha-reboot\tattributed')" ]

# --- racing consumers: exactly one wins each round ---
bad=0
for i in $(seq "$ROUNDS"); do
	n=$("$dn" -s "$S" issue race) || { bad=$((bad + 1)); continue; }
	"$dn" -s "$S" consume race "$n" 2>"$tmp/r1" & p1=$!
	"$dn" -s "$S" consume race "$n" 2>"$tmp/r2" & p2=$!
	echo "race $n" | "$dn" -s "$S" consume-batch >"$tmp/r3" 2>&1 & p3=$!
	wait $p1; r1=$?
	wait $p2; r2=$?
	wait $p3; r3=$?
	wins=0
	for r in $r1 $r2 $r3; do [ "$r" = 0 ] && wins=$((wins + 1)); [ "$r" -gt 1 ] && wins=9; done
	if [ "$wins" != 1 ] || [ "$(present "$n")" != 0 ]; then
		bad=$((bad + 1)); diag "round $i: exits $r1 $r2 $r3" "$(cat "$tmp/r1" "$tmp/r2" "$tmp/r3")"
	fi
done
check "$ROUNDS rounds of three racing consumers (one a batch): exactly one wins each" [ "$bad" = 0 ]

# --- consumers killed inside a transaction: each batch all or nothing ---
bad=0
for i in $(seq "$KILLS"); do
	: >"$tmp/kb"
	for j in $(seq 8); do echo "victim $("$dn" -s "$S" issue victim)"; done >"$tmp/kb"
	"$dn" -s "$S" consume-batch <"$tmp/kb" >/dev/null 2>&1 & p=$!
	sleep "0.0$((i % 10))$((RANDOM % 10))"
	kill -KILL $p 2>/dev/null; wait $p 2>/dev/null
	left=0
	while read -r _ h; do left=$((left + $(present "$h"))); done <"$tmp/kb"
	if [ "$left" != 0 ] && [ "$left" != 8 ]; then
		bad=$((bad + 1)); diag "round $i: $left of 8 left"
	fi
	# What is left is whole: consumable, once.
	if [ "$left" = 8 ] && ! "$dn" -s "$S" consume-batch <"$tmp/kb" >/dev/null 2>&1; then
		bad=$((bad + 1)); diag "round $i: the leftovers are not consumable"
	fi
done
check "$KILLS batches killed at random points: each all consumed or all left whole" [ "$bad" = 0 ]
[ "$backend" = sqlite ] && check "integrity_check" [ "$(q 'PRAGMA integrity_check')" = ok ]

# --- PostgreSQL restarted in the middle of a stream of consumes ---
if [ "$backend" = postgresql ]; then
	for i in $(seq 150); do echo "stream $("$dn" -s "$S" issue --ttl 600 stream)"; done >"$tmp/all"
	split -l 10 -d -a 3 "$tmp/all" "$tmp/chunk."
	# The last batch waits for the server to be back (however long a loaded
	# machine takes), so some batch is decided after the restart.
	(for f in "$tmp"/chunk.*; do
		case $f in *.014) for _ in $(seq 900); do [ -e "$tmp/up" ] && break; sleep 0.1; done ;; esac
		"$dn" -s "$S" consume-batch <"$f" >"$f.out" 2>"$f.err"; echo $? >"$f.rc"
		sleep 0.1
	done) & stream=$!
	# Crash the server once the stream is under way, then start it again.
	for _ in $(seq 100); do [ -e "$tmp/chunk.001.rc" ] && break; sleep 0.1; done
	pg_restart || diag "restart failed: $PG_WHY"
	touch "$tmp/up"
	wait $stream
	undecided=0 twice=0 lost=0 printed_on_3=0 partial=0
	for f in "$tmp"/chunk.???; do
		rc=$(cat "$f.rc")
		if [ "$rc" = 3 ]; then
			undecided=$((undecided + 1))
			[ -s "$f.out" ] && printed_on_3=$((printed_on_3 + 1))
			# each undecided batch: all consumed (the commit got there) or all left
			left=0
			while read -r _ h; do left=$((left + $(present "$h"))); done <"$f"
			[ "$left" = 0 ] || [ "$left" = 10 ] || partial=$((partial + 1))
		elif [ "$rc" = 0 ]; then
			while read -r _ h _; do [ "$(present "$h")" = 0 ] || lost=$((lost + 1)); done <"$f.out"
		else
			twice=$((twice + 1)); diag "$f: exit $rc" "$(cat "$f.err")"
		fi
	done
	check "the restart left some batches undecided (exit 3) and nothing printed for them ($undecided)" \
		test "$undecided" -gt 0 -a "$printed_on_3" = 0
	check "... and some decided before and after it" \
		test "$(cat "$tmp"/chunk.00[01].rc)" = "$(printf '0\n0')" -a "$(cat "$tmp"/chunk.014.rc)" = 0
	check "every decided batch was wholly consumed, none refused (nothing accepted twice)" \
		test "$twice" = 0 -a "$lost" = 0
	check "each undecided batch consumed wholly or left wholly" [ "$partial" = 0 ]
	# Nothing lost: every nonce not reported consumed is still there, once.
	cat "$tmp"/chunk.???.out | cut -d' ' -f2 | sort >"$tmp/consumed"
	check "no nonce reported consumed twice" [ -z "$(uniq -d "$tmp/consumed")" ]
	cut -d' ' -f2 "$tmp/all" | sort >"$tmp/issued"
	comm -23 "$tmp/issued" "$tmp/consumed" | sed 's/^/stream /' >"$tmp/rest"
	rest_present=0
	while read -r _ h; do rest_present=$((rest_present + $(present "$h"))); done <"$tmp/rest"
	gone=$(( $(wc -l <"$tmp/rest") - rest_present ))
	check "the nonces not reported consumed are still in the store, but for whole undecided batches ($gone gone)" \
		test $((gone % 10)) = 0 -a "$gone" -le $((undecided * 10))
	while read -r _ h; do [ "$(present "$h")" = 0 ] || echo "stream $h"; done <"$tmp/rest" >"$tmp/again"
	expect_exit "after the restart they are consumed, once each" 0 "" \
		"$dn" -s "$S" consume-batch <"$tmp/again"
fi

tap_end
