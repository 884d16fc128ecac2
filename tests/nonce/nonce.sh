#!/bin/bash
# dha-nonce end to end: issue/consume once, device binding, expiry and purge,
# malformed input (exit 2), unusable stores (exit 3), racing consumers (exactly
# one wins), consumers killed mid-statement (store consistent, nonce whole).
dn=$1
churn=$2
src=$3
. "$src/tests/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/store.db
ROUNDS=${NONCE_RACE_ROUNDS:-200}
KILLS=${NONCE_KILL_ROUNDS:-40}

# expect_exit NAME STATUS RULE CMD...: the command exits STATUS and, when RULE
# is not empty, names RULE on stderr.
expect_exit() {
	local name=$1 want=$2 rule=$3 got; shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"; got=$?
	if [ "$got" -eq "$want" ] && { [ -z "$rule" ] || grep -q -- "$rule" "$tmp/err"; }; then
		ok "$name"
	else
		not_ok "$name"; diag "exit $got, wanted $want ($rule)" "$(cat "$tmp/err")"
	fi
}
present() { sqlite3 "$db" "SELECT count(*) FROM nonces WHERE nonce = X'$1'"; }

# --- basics ---
expect_exit "--help" 0 "" "$dn" --help
grep -q -- "--store FILE" "$tmp/out" && ok "--help shows usage" || not_ok "--help shows usage"
expect_exit "--version" 0 "" "$dn" --version
n=$("$dn" --store "$db" issue dev1)
check "issue prints 64 hex digits" grep -Eqx '[0-9a-f]{64}' <<<"$n"
mode=$(stat -c %a "$db")
check "store created mode 0600 ($mode)" [ "$mode" = 600 ]
check "store in WAL mode" [ "$(sqlite3 "$db" 'PRAGMA journal_mode')" = wal ]
expect_exit "consume for another device refused" 1 nonce-device-mismatch \
	"$dn" --store "$db" consume dev2 "$n"
check "mismatch leaves the nonce unused" [ "$(present "$n")" = 1 ]
expect_exit "consume once" 0 "" "$dn" --store "$db" consume dev1 "$n"
expect_exit "consume twice refused" 1 nonce-unknown "$dn" --store "$db" consume dev1 "$n"
N=$(tr a-f A-F <<<"$n")
expect_exit "upper-case hex of a used nonce refused" 1 nonce-unknown \
	"$dn" --store "$db" consume dev1 "$N"
n=$("$dn" --store "$db" issue --ttl 60 dev1)
expect_exit "upper-case hex accepted" 0 "" "$dn" --store "$db" consume dev1 "$(tr a-f A-F <<<"$n")"
expect_exit "never issued" 1 nonce-unknown "$dn" -s "$db" consume dev1 "$(printf '%064d' 0)"

# --- distinct ---
for i in $(seq 100); do "$dn" -s "$db" issue many; done >"$tmp/many"
check "100 issued nonces are distinct" [ "$(sort -u "$tmp/many" | wc -l)" = 100 ]

# --- expiry ---
a=$("$dn" -s "$db" issue --ttl 1 exp)
b=$("$dn" -s "$db" issue exp --ttl 1)
c=$("$dn" -s "$db" issue --ttl 300 exp)
sleep 2.2
expect_exit "expired refused" 1 nonce-expired "$dn" -s "$db" consume exp "$a"
check "expired nonce still in the store before purge" [ "$(present "$a")" = 1 ]
purged=$("$dn" -s "$db" purge)
check "purge drops the two expired ($purged)" [ "$purged" = 2 ]
expect_exit "purged nonce unknown" 1 nonce-unknown "$dn" -s "$db" consume exp "$b"
check "purge again drops none" [ "$("$dn" -s "$db" purge)" = 0 ]
expect_exit "unexpired nonce survives purge" 0 "" "$dn" -s "$db" consume exp "$c"

# --- malformed input: exit 2, store untouched ---
long=$(printf 'x%.0s' $(seq 256))
expect_exit "device of 256 bytes" 2 nonce-device "$dn" -s "$tmp/new.db" issue "$long"
check "malformed input does not create the store" [ ! -e "$tmp/new.db" ]
expect_exit "device of 255 bytes accepted" 0 "" "$dn" -s "$db" issue "${long:1}"
expect_exit "empty device" 2 nonce-device "$dn" -s "$db" issue ""
expect_exit "device with newline" 2 nonce-device "$dn" -s "$db" issue $'a\nb'
expect_exit "device with escape" 2 nonce-device "$dn" -s "$db" issue $'\e[1m'
expect_exit "device with UTF-8" 2 nonce-device "$dn" -s "$db" consume $'caf\xc3\xa9' "$n"
expect_exit "nonce of 63 digits" 2 nonce-hex "$dn" -s "$db" consume dev1 "${n:1}"
expect_exit "nonce of 65 digits" 2 nonce-hex "$dn" -s "$db" consume dev1 "${n}0"
expect_exit "nonce with a non-hex digit" 2 nonce-hex "$dn" -s "$db" consume dev1 "${n:0:63}g"
expect_exit "nonce with 0x" 2 nonce-hex "$dn" -s "$db" consume dev1 "0x${n:2}"
expect_exit "--ttl 0" 2 nonce-ttl "$dn" -s "$db" issue --ttl 0 d
expect_exit "--ttl over a day" 2 nonce-ttl "$dn" -s "$db" issue --ttl 86401 d
expect_exit "--ttl not a number" 2 "" "$dn" -s "$db" issue --ttl 5s d
expect_exit "--ttl negative" 2 "" "$dn" -s "$db" issue --ttl -5 d
expect_exit "--ttl with consume" 2 "" "$dn" -s "$db" consume --ttl 5 dev1 "$n"
expect_exit "no --store" 2 "" "$dn" issue d
expect_exit "no command" 2 "" "$dn" -s "$db"
expect_exit "unknown command" 2 "" "$dn" -s "$db" burn d
expect_exit "issue without device" 2 "" "$dn" -s "$db" issue
expect_exit "consume without nonce" 2 "" "$dn" -s "$db" consume d
expect_exit "purge with an argument" 2 "" "$dn" -s "$db" purge d
expect_exit "unknown option" 2 "" "$dn" -s "$db" --frob purge

# --- unusable stores: exit 3 ---
mkdir -m 700 "$tmp/sub"
expect_exit "store is a directory" 3 "nonce-store: " "$dn" -s "$tmp/sub" issue d
expect_exit "store under a missing directory" 3 nonce-store "$dn" -s "$tmp/no/store.db" issue d
head -c 8192 /dev/urandom >"$tmp/garbage.db"
expect_exit "store is not a database" 3 nonce-store "$dn" -s "$tmp/garbage.db" purge
mkfifo "$tmp/fifo"
expect_exit "store is a fifo" 3 nonce-store "$dn" -s "$tmp/fifo" purge

# --- store hygiene: whoever can write the store or swap it owns the nonces
# and the registry (exit 3, rule named, the store left as it was) ---
hy=$tmp/hy
mkdir -m 700 "$hy"
"$dn" -s "$hy/st.db" purge >/dev/null
rows() { sqlite3 "$hy/st.db" 'SELECT count(*) FROM nonces'; }
chmod 0666 "$hy/st.db"
expect_exit "world-writable store refused" 3 nonce-store-mode "$dn" -s "$hy/st.db" issue d
chmod 0602 "$hy/st.db"
expect_exit "store writable by others (0602) refused" 3 nonce-store-mode \
	"$dn" -s "$hy/st.db" issue d
chmod 0600 "$hy/st.db"
check "... and nothing was issued into it" [ "$(rows)" = 0 ]
ln -s st.db "$hy/link.db"
expect_exit "store reached through a symbolic link refused" 3 nonce-store-symlink \
	"$dn" -s "$hy/link.db" issue d
ln -s "$hy/none.db" "$hy/dangling.db"
expect_exit "dangling symbolic link refused (no store created at its target)" 3 \
	nonce-store-symlink "$dn" -s "$hy/dangling.db" issue d
check "... the link's target was not created" [ ! -e "$hy/none.db" ]
ln -s "$hy" "$tmp/hylink"
expect_exit "store whose directory is a symbolic link refused" 3 nonce-store-symlink \
	"$dn" -s "$tmp/hylink/st.db" issue d
check "... and nothing was issued through it" [ "$(rows)" = 0 ]
chmod 0777 "$hy"
expect_exit "store in a world-writable directory refused" 3 nonce-store-mode \
	"$dn" -s "$hy/st.db" issue d
chmod 1777 "$hy"
expect_exit "... even with the sticky bit (others could plant its WAL)" 3 nonce-store-mode \
	"$dn" -s "$hy/st.db" issue d
chmod 0700 "$hy"
expect_exit "the same store, mode 0600 in a private directory, accepted" 0 "" \
	"$dn" -s "$hy/st.db" issue d

# --- device registry ---
# Certificates made by openssl; their digests by sha256sum of the DER.
reg=$tmp/reg.db
if openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/ka.pem" -subj /CN=ek-a -days 2 \
	-outform DER -out "$tmp/a.der" 2>/dev/null &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$tmp/kb.pem" -subj /CN=ek-b -days 2 -out "$tmp/b.pem" 2>/dev/null; then
	da=$(sha256sum <"$tmp/a.der" | cut -d' ' -f1)
	db_=$(openssl x509 -in "$tmp/b.pem" -outform DER | sha256sum | cut -d' ' -f1)
	expect_exit "unknown device: device-unknown" 1 device-unknown "$dn" -s "$reg" device dev-a
	expect_exit "enroll dev-a with certificate A (DER)" 0 "" \
		"$dn" -s "$reg" enroll dev-a "$tmp/a.der"
	check "registry holds sha256sum of certificate A" \
		[ "$("$dn" -s "$reg" device dev-a)" = "$da" ]
	expect_exit "enroll the same binding again" 0 "" "$dn" -s "$reg" enroll dev-a "$tmp/a.der"
	expect_exit "enroll dev-a with certificate B: device-enrolled" 1 device-enrolled \
		"$dn" -s "$reg" enroll dev-a "$tmp/b.pem"
	check "... the binding is still A" [ "$("$dn" -s "$reg" device dev-a)" = "$da" ]
	expect_exit "enroll --rebind dev-a with certificate B (PEM)" 0 "" \
		"$dn" -s "$reg" enroll --rebind dev-a "$tmp/b.pem"
	check "... the binding is now B (sha256sum of its DER)" \
		[ "$("$dn" -s "$reg" device dev-a)" = "$db_" ]
	expect_exit "closed: no nonce for an unknown device (device-unknown)" 1 device-unknown \
		"$dn" -s "$reg" issue --closed dev-x
	check "... and none was stored" \
		[ "$(sqlite3 "$reg" "SELECT count(*) FROM nonces WHERE device = 'dev-x'")" = 0 ]
	n=$("$dn" -s "$reg" issue --closed dev-a)
	check "closed: a nonce for an enrolled device" grep -Eqx '[0-9a-f]{64}' <<<"$n"
	expect_exit "open (default): a nonce for an unknown device" 0 "" \
		"$dn" -s "$reg" issue dev-x
	printf 'not a certificate' >"$tmp/junk"
	expect_exit "enroll with a file that is no certificate: exit 2" 2 ekcert \
		"$dn" -s "$reg" enroll dev-c "$tmp/junk"
	expect_exit "enroll with a missing file: exit 3" 3 "" \
		"$dn" -s "$reg" enroll dev-c "$tmp/none"
	expect_exit "enroll with a bad device name: exit 2" 2 nonce-device \
		"$dn" -s "$reg" enroll $'a\nb' "$tmp/a.der"
	check "... nothing enrolled by them" \
		[ "$(sqlite3 "$reg" "SELECT count(*) FROM devices")" = 1 ]
	expect_exit "--rebind with issue: exit 2" 2 "" "$dn" -s "$reg" issue --rebind dev-a
	expect_exit "--closed with enroll: exit 2" 2 "" \
		"$dn" -s "$reg" enroll --closed dev-a "$tmp/a.der"
	expect_exit "enroll without EKCERT: exit 2" 2 "" "$dn" -s "$reg" enroll dev-a
else
	skip "device registry" "openssl cannot make test certificates"
fi

# --- schema version ---
check "a new store is schema version 1" [ "$(sqlite3 "$reg" 'PRAGMA user_version')" = 1 ]
old=$tmp/old.db
# A store as the version before the registry made it (no user_version), with a nonce.
sqlite3 "$old" "CREATE TABLE nonces (nonce BLOB PRIMARY KEY NOT NULL, device TEXT NOT NULL,
	issued INTEGER NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID;
	INSERT INTO nonces VALUES (zeroblob(32), 'dev-old', 0, 4000000000);"
chmod 600 "$old"
expect_exit "a version-0 store is upgraded: its nonce consumed" 0 "" \
	"$dn" -s "$old" consume dev-old "$(printf '%064d' 0)"
check "... it is version 1 with a device registry" \
	[ "$(sqlite3 "$old" "PRAGMA user_version; SELECT count(*) FROM devices")" = "$(printf '1\n0')" ]
sqlite3 "$old" 'PRAGMA user_version = 99'
expect_exit "a store of a newer schema (99) refused" 3 nonce-store "$dn" -s "$old" purge

# --- racing consumers: exactly one wins each round ---
bad=0
for i in $(seq "$ROUNDS"); do
	n=$("$dn" -s "$db" issue race) || { bad=$((bad + 1)); continue; }
	"$dn" -s "$db" consume race "$n" 2>"$tmp/r1" & p1=$!
	"$dn" -s "$db" consume race "$n" 2>"$tmp/r2" & p2=$!
	wait $p1; r1=$?
	wait $p2; r2=$?
	if ! { [ "$r1" = 0 ] && [ "$r2" = 1 ] && grep -q nonce-unknown "$tmp/r2"; } &&
	   ! { [ "$r1" = 1 ] && [ "$r2" = 0 ] && grep -q nonce-unknown "$tmp/r1"; }; then
		bad=$((bad + 1)); diag "round $i: exits $r1 $r2" "$(cat "$tmp/r1" "$tmp/r2")"
	fi
done
check "$ROUNDS racing rounds: exactly one consumer wins each" [ "$bad" = 0 ]

# --- consumers killed mid-statement ---
bad=0
for i in $(seq "$KILLS"); do
	n=$("$dn" -s "$db" issue victim)
	"$dn" -s "$db" consume victim "$n" 2>/dev/null & p=$!
	sleep "0.00$((i % 10))"
	kill -KILL $p 2>/dev/null; wait $p 2>/dev/null
	ic=$(sqlite3 "$db" 'PRAGMA integrity_check')
	left=$(present "$n")
	"$dn" -s "$db" consume victim "$n" 2>/dev/null; again=$?
	if [ "$ic" != ok ] || { [ "$left" = 1 ] && [ $again != 0 ]; } ||
	   { [ "$left" = 0 ] && [ $again != 1 ]; } || { [ "$left" != 0 ] && [ "$left" != 1 ]; }; then
		bad=$((bad + 1)); diag "round $i: integrity '$ic', present $left, consume again $again"
	fi
done
check "$KILLS killed consumers: store ok, nonce whole (there, or consumed)" [ "$bad" = 0 ]

bad=0
for i in $(seq 10); do
	"$churn" "$db" >"$tmp/churn" 2>/dev/null & p=$!
	# Kill it mid-work, not while it starts up (slow under the sanitizers on
	# a loaded machine): first wait for its first consume, up to 10 s.
	for _ in $(seq 100); do grep -q '^c ' "$tmp/churn" && break; sleep 0.1; done
	sleep "0.$((i * 3))"
	kill -KILL $p 2>/dev/null; wait $p 2>/dev/null
	ic=$(sqlite3 "$db" 'PRAGMA integrity_check')
	[ "$ic" = ok ] || { bad=$((bad + 1)); diag "churn $i: integrity $ic"; }
	# Every consume that returned is final; every earlier issue was consumed.
	sed -n 's/^c //p' "$tmp/churn" >"$tmp/consumed"
	last=$(sed -n 's/^i //p' "$tmp/churn" | tail -n 1)
	[ -s "$tmp/consumed" ] || { bad=$((bad + 1)); diag "churn $i: nothing consumed"; }
	left=$(sqlite3 "$db" "SELECT count(*) FROM nonces WHERE device = 'churn'")
	if [ "$left" -gt 1 ]; then bad=$((bad + 1)); diag "churn $i: $left nonces left"; fi
	if [ "$left" = 1 ]; then
		# The one left is whole and usable once; it is the last issued (or one
		# whose issue committed just before the log line).
		h=$(sqlite3 "$db" "SELECT lower(hex(nonce)) FROM nonces WHERE device = 'churn'")
		grep -qx "$h" "$tmp/consumed" && { bad=$((bad + 1)); diag "churn $i: consumed nonce back"; }
		"$dn" -s "$db" consume churn "$h" || { bad=$((bad + 1)); diag "churn $i: leftover unusable"; }
	elif [ -n "$last" ] && ! grep -qx "$last" "$tmp/consumed"; then
		: # killed after the consume committed but before it was logged
	fi
done
check "10 churners killed: store ok, no consumed nonce back, leftover whole" [ "$bad" = 0 ]
check "final integrity_check" [ "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok ]

tap_end
