# A private PostgreSQL cluster for a test (sourced): initdb and pg_ctl from
# Debian's postgresql package in a temporary directory of its own, run as an
# unprivileged user (nobody when the test runs as root), a Unix socket in
# that directory and no TCP, stopped by its process id. Never a system-wide
# server. Tests run it with fsync=off; PG_OPTS (server options, given after
# the defaults, so they win) lets a benchmark turn it back on.
#
#   pg_start       start it; PG_URI is then the store's URI, PG_PID the
#                  postmaster's. Returns 1 with PG_WHY set when it cannot run.
#   pg_stop        stop it by its PID (fast shutdown) and remove its
#                  directory (the caller's trap)
#   pg_crash       kill it by its PID at once (SIGQUIT: no checkpoint)
#   pg_restart     pg_crash, then start it again on the same data
#   pg_sql SQL     run SQL in the store's database, unaligned output
PG_PID=
PG_DIR=
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

pg_as() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
	else
		"$@"
	fi
}

pg_up() {
	(cd "$PG_DIR" && pg_as "$pg_bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 60 \
		-o "-c listen_addresses= -k $PG_DIR -c fsync=off -c max_connections=60 ${PG_OPTS:-}" start) \
		>>"$PG_DIR/ctl.log" 2>&1 || { PG_WHY="pg_ctl start failed: $(tail -n 3 "$PG_DIR/log")"; return 1; }
	PG_PID=$(head -n 1 "$PG_DIR/data/postmaster.pid")
}

pg_start() {
	[ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] || { PG_WHY="initdb not installed (Debian: postgresql)"; return 1; }
	command -v psql >/dev/null || { PG_WHY="psql not installed"; return 1; }
	# Its own directory, where the unprivileged user can reach it.
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tcglog-pg.XXXXXX") || { PG_WHY="cannot make a directory"; return 1; }
	if [ "$(id -u)" = 0 ]; then
		chown nobody:nogroup "$PG_DIR" || { PG_WHY="cannot give $PG_DIR to nobody"; return 1; }
	fi
	(cd "$PG_DIR" && pg_as "$pg_bin/initdb" -D "$PG_DIR/data" -A trust -U tcglog --no-sync) \
		>"$PG_DIR/initdb.log" 2>&1 || { PG_WHY="initdb failed: $(tail -n 3 "$PG_DIR/initdb.log")"; return 1; }
	pg_up || return 1
	psql -X -q -h "$PG_DIR" -U tcglog -d postgres -c 'CREATE DATABASE tcglog' >/dev/null ||
		{ PG_WHY="cannot create the database"; pg_stop; return 1; }
	PG_URI="postgresql:///tcglog?host=$PG_DIR&user=tcglog"
}

pg_wait_gone() {
	for _ in $(seq 300); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
	return 1
}

pg_stop() {
	[ -z "$PG_PID" ] || { kill -INT "$PG_PID" 2>/dev/null && pg_wait_gone "$PG_PID"; }
	PG_PID=
	[ -z "$PG_DIR" ] || rm -rf "$PG_DIR"
	PG_DIR=
}

pg_crash() {
	kill -QUIT "$PG_PID" && pg_wait_gone "$PG_PID"
	PG_PID=
}

pg_restart() {
	pg_crash && pg_up
}

pg_sql() {
	psql -X -A -t -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -U tcglog -d tcglog -c "$1"
}
