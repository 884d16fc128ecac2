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
	check "a new store is schema version 2" [ "$(q 'PRAGMA user_version')" = 2 ]
	old=$tmp/old.db
	# As the version before the registry made it (no user_version), with a nonce.
	sqlite3 "$old" "CREATE TABLE nonces (nonce BLOB PRIMARY KEY NOT NULL, device TEXT NOT NULL,
		issued INTEGER NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID;
		INSERT INTO nonces VALUES (zeroblob(32), 'dev-old', 0, 4000000000);"
	chmod 600 "$old"
	expect_exit "a version-0 store is upgraded: its nonce consumed" 0 "" \
		"$dn" -s "$old" consume dev-old "$(printf '%064d' 0)"
	check "... it is version 2 with a device registry and reports" \
		[ "$(sqlite3 "$old" "PRAGMA user_version; SELECT count(*) FROM devices; SELECT count(*) FROM reports")" = "$(printf '2\n0\n0')" ]
	sqlite3 "$old" 'PRAGMA user_version = 99'
	expect_exit "a store of a newer schema (99) refused" 3 nonce-store-schema "$dn" -s "$old" purge
else
	check "a new store is schema version 2" [ "$(q 'SELECT version FROM tcglog_schema')" = 2 ]
	q 'UPDATE tcglog_schema SET version = 99'
	expect_exit "a store of a newer schema (99) refused" 3 nonce-store-schema "$dn" -s "$S" purge
	q 'UPDATE tcglog_schema SET version = 2; INSERT INTO tcglog_schema VALUES (2)'
	expect_exit "a store with two version rows refused" 3 nonce-store-schema "$dn" -s "$S" purge
	q 'DELETE FROM tcglog_schema; INSERT INTO tcglog_schema VALUES (2)'
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
		'SELECT version FROM tcglog_schema')" = 2 ]
	n=$("$server" --state "$st" nonce srv-dev)
	check "... and its nonce step issues into it" [ "$(psql -X -A -t -h "$PG_DIR" -U tcglog -d fresh -c \
		"SELECT device FROM nonces WHERE nonce = $(blob "$n")")" = srv-dev ]
else
	check "... made the schema in it" [ "$(sqlite3 "$fresh" 'PRAGMA user_version')" = 2 ]
	n=$("$server" --state "$st" nonce srv-dev)
	check "... and its nonce step issues into it" [ "$(sqlite3 "$fresh" \
		"SELECT device FROM nonces WHERE nonce = $(blob "$n")")" = srv-dev ]
fi

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
	(for f in "$tmp"/chunk.*; do
		"$dn" -s "$S" consume-batch <"$f" >"$f.out" 2>"$f.err"; echo $? >"$f.rc"
		sleep 0.1
	done) & stream=$!
	# Crash the server once the stream is under way, then start it again.
	for _ in $(seq 100); do [ -e "$tmp/chunk.001.rc" ] && break; sleep 0.1; done
	pg_restart || diag "restart failed: $PG_WHY"
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
		[ "$undecided" -gt 0 ] && [ "$printed_on_3" = 0 ]
	check "... and some decided before and after it" \
		[ "$(cat "$tmp"/chunk.00[01].rc)" = "$(printf '0\n0')" ] && [ "$(cat "$tmp"/chunk.014.rc)" = 0 ]
	check "every decided batch was wholly consumed, none refused (nothing accepted twice)" \
		[ "$twice" = 0 ] && [ "$lost" = 0 ]
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
		[ $((gone % 10)) = 0 ] && [ "$gone" -le $((undecided * 10)) ]
	while read -r _ h; do [ "$(present "$h")" = 0 ] || echo "stream $h"; done <"$tmp/rest" >"$tmp/again"
	expect_exit "after the restart they are consumed, once each" 0 "" \
		"$dn" -s "$S" consume-batch <"$tmp/again"
fi

tap_end
