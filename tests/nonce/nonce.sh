#!/bin/bash
# dha-nonce on an SQLite file: its command line, malformed input (exit 2),
# unusable stores and their hygiene (exit 3), churners killed mid-work (store
# consistent, nonce whole). The store's semantics on both backends (used once,
# per device, expiry, registry, batches, schema versions, races, kills) are
# tests/store/store.sh's.
dn=$1
churn=$2
src=$3
. "$src/tests/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/store.db

# --- basics ---
expect_exit "--help" 0 "" "$dn" --help
grep -q -- "--store STORE" "$tmp/out" && ok "--help shows usage" || not_ok "--help shows usage"
expect_exit "--version" 0 "" "$dn" --version
n=$("$dn" --store "$db" issue dev1)
check "issue prints 64 hex digits" grep -Eqx '[0-9a-f]{64}' <<<"$n"
mode=$(stat -c %a "$db")
check "store created mode 0600 ($mode)" [ "$mode" = 600 ]
check "store in WAL mode" [ "$(sqlite3 "$db" 'PRAGMA journal_mode')" = wal ]
expect_exit "consume once" 0 "" "$dn" --store "$db" consume dev1 "$n"
N=$(tr a-f A-F <<<"$n")
expect_exit "upper-case hex of a used nonce refused" 1 nonce-unknown \
	"$dn" --store "$db" consume dev1 "$N"
n=$("$dn" --store "$db" issue --ttl 60 dev1)
expect_exit "upper-case hex accepted" 0 "" "$dn" --store "$db" consume dev1 "$(tr a-f A-F <<<"$n")"

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
expect_exit "--rebind with issue" 2 "" "$dn" -s "$db" issue --rebind dev-a
expect_exit "--closed with enroll" 2 "" "$dn" -s "$db" enroll --closed dev-a /dev/null
expect_exit "enroll without EKCERT" 2 "" "$dn" -s "$db" enroll dev-a
expect_exit "enroll with a bad device name" 2 nonce-device "$dn" -s "$db" enroll $'a\nb' /dev/null
expect_exit "consume-batch with an argument" 2 "" "$dn" -s "$db" consume-batch d
head -c 400 /dev/zero | tr '\0' x >"$tmp/long"
expect_exit "consume-batch: an unended line" 2 "" "$dn" -s "$db" consume-batch <"$tmp/long"
expect_exit "a PostgreSQL URI holding a password refused" 3 nonce-store-credentials \
	"$dn" -s "postgresql://u:secret@localhost/db" purge

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

# --- churners killed mid-work ---
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
