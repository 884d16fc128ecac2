/*
 * The store on PostgreSQL, through libpq: several verifier hosts share it.
 *
 * Consuming is DELETE ... WHERE (nonce, device) of the batch AND not expired
 * RETURNING, one statement for every claim of a batch (its own
 * transaction): of several sessions racing
 * on one nonce, the first takes the row lock and deletes it; the others wait
 * for its commit, re-check the row, find it gone and delete nothing (READ
 * COMMITTED). A session killed, or a server restarted, before COMMIT leaves
 * every row as it was. The connection is not re-established: a failed
 * statement fails what it was doing (nonce-store, exit 3) and the caller
 * starts again, so nothing is decided twice.
 *
 * Credentials: a conninfo that carries a password is refused, so a password
 * never sits on a command line (ps shows it to every user); libpq reads it
 * from a password file (~/.pgpass, PGPASSFILE) or a pg_service.conf service.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pq_dl.h"
#include "store_int.h"
#include "store_sql.h"

typedef struct {
	PGconn *conn;
} pg_store;

/* Each step upgrades from the version before it (0: an empty database). */
static const char *const schema[TCG_STORE_SCHEMA_VERSION + 1] = {
	TCG_SQL_POSTGRESQL_0,
	TCG_SQL_POSTGRESQL_1,
	TCG_SQL_POSTGRESQL_2,
	TCG_SQL_POSTGRESQL_3,
};

/* Any one number, the same for every tcglog tool: serializes upgrades. */
#define SCHEMA_LOCK "SELECT pg_advisory_xact_lock(7472636)"

static tcg_rc conn_fail(PGconn *c, tcg_err *err, const char *what)
{
	char msg[256];
	/* libpq's message ends with a newline and may run on several lines. */
	snprintf(msg, sizeof msg, "%s", c ? PQerrorMessage(c) : "out of memory");
	for (char *p = msg; *p; p++)
		if (*p == '\n')
			*p = p[1] ? ' ' : '\0';
	return tcg_store_fail(err, what, msg);
}

/* Run sql with text/binary params; the result when it has status want, else
 * NULL with err filled. */
static PGresult *run(pg_store *s, const char *sql, int n, const char *const *val,
                     const int *len, ExecStatusType want, const char *what, tcg_err *err)
{
	static const int binary[7] = { 1, 1, 1, 1, 1, 1, 1 };
	PGresult *r = PQexecParams(s->conn, sql, n, NULL, val, len, n ? binary : NULL, 0);
	if (r && PQresultStatus(r) == want)
		return r;
	conn_fail(s->conn, err, what);
	PQclear(r);
	return NULL;
}

/* A statement without parameters; several of them (a schema step) too. */
static tcg_rc command(pg_store *s, const char *sql, const char *what, tcg_err *err)
{
	PGresult *r = PQexec(s->conn, sql);
	tcg_rc rc = TCG_OK;

	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = conn_fail(s->conn, err, what);
	PQclear(r);
	return rc;
}

/* Binary parameters and results: a bigint is 8 bytes, big-endian. */
static void be64(int64_t v, char out[8])
{
	uint64_t u = (uint64_t)v;
	for (int i = 7; i >= 0; i--, u >>= 8)
		out[i] = (char)(u & 0xff);
}

static int64_t from_be64(const char *p)
{
	uint64_t u = 0;
	for (int i = 0; i < 8; i++)
		u = u << 8 | (uint8_t)p[i];
	return (int64_t)u;
}

static void pg_close(void *be)
{
	pg_store *s = be;
	if (!s)
		return;
	PQfinish(s->conn);
	free(s);
}

/* The version recorded, -1 when there is no version table or no row. */
static long read_version(pg_store *s)
{
	long v = -1;
	PGresult *r = PQexec(s->conn, "SELECT version FROM tcglog_schema");
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
		v = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	else if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 1)
		v = -2;
	PQclear(r);
	return v;
}

/* Bring the schema to TCG_STORE_SCHEMA_VERSION in one transaction under an
 * advisory lock, so two processes opening an old store upgrade it once. */
static tcg_rc schema_upgrade(pg_store *s, tcg_err *err)
{
	char set[96];
	long version;

	if (read_version(s) == TCG_STORE_SCHEMA_VERSION)
		return TCG_OK;
	if (command(s, "BEGIN", "cannot set up the store", err))
		goto fail;
	PGresult *lock = run(s, SCHEMA_LOCK, 0, NULL, NULL, PGRES_TUPLES_OK,
	                     "cannot set up the store", err);
	PQclear(lock);
	if (!lock || command(s, schema[0], "cannot set up the store", err))
		goto fail;
	version = read_version(s);
	if (version == -1)
		version = 0;
	if (version < 0 || version > TCG_STORE_SCHEMA_VERSION) {
		command(s, "ROLLBACK", "", NULL);
		return tcg_store_fail_version(err, version);
	}
	for (long v = version + 1; v <= TCG_STORE_SCHEMA_VERSION; v++)
		if (command(s, schema[v], "cannot set up the store", err))
			goto fail;
	snprintf(set, sizeof set, "DELETE FROM tcglog_schema; INSERT INTO tcglog_schema VALUES (%d)",
	         TCG_STORE_SCHEMA_VERSION);
	if (command(s, set, "cannot set up the store", err) ||
	    command(s, "COMMIT", "cannot set up the store", err))
		goto fail;
	return TCG_OK;
fail:
	command(s, "ROLLBACK", "", NULL);
	return TCG_E_IO;
}

static tcg_rc pg_insert(void *be, const uint8_t *nonce, const char *device, int64_t issued,
                        int64_t expires, tcg_err *err)
{
	char t1[8], t2[8];
	const char *val[4] = { (const char *)nonce, device, t1, t2 };
	int len[4] = { TCG_NONCE_SIZE, (int)strlen(device), 8, 8 };
	PGresult *r;

	be64(issued, t1);
	be64(expires, t2);
	r = run(be, "INSERT INTO nonces (nonce, device, issued, expires) "
	            "VALUES ($1::bytea, $2::text, $3::bigint, $4::bigint)",
	        4, val, len, PGRES_COMMAND_OK, "cannot issue", err);
	PQclear(r);
	return r ? TCG_OK : TCG_E_IO;
}

/*
 * The claims to try in one statement: nonces as one bytea of 32-byte
 * records, devices as one text joined by newlines (a device name is
 * printable ASCII: no newline), the row of each numbered from 1. DISTINCT ON
 * keeps the first of a pair given twice, so only that one can win, as when
 * the statements ran one by one.
 */
static const char consume_sql[] =
	"WITH c AS (SELECT DISTINCT ON (nonce, device) nonce, device, ord FROM "
	"(SELECT substring($1::bytea FROM (ord::int - 1) * 32 + 1 FOR 32) AS nonce, device, ord "
	"FROM unnest(string_to_array($2::text, E'\\n')) WITH ORDINALITY AS u(device, ord)) t "
	"ORDER BY nonce, device, ord) "
	"DELETE FROM nonces n USING c WHERE n.nonce = c.nonce AND n.device = c.device "
	"AND n.expires > $3::bigint RETURNING c.ord";

static tcg_rc pg_consume(void *be, const tcg_nonce_claim *claims, size_t n, int64_t now,
                         bool *won, tcg_err *err)
{
	pg_store *s = be;
	size_t *which = calloc(n ? n : 1, sizeof *which), tries = 0, dlen = 0;
	uint8_t *nonces = malloc(n ? n * TCG_NONCE_SIZE : 1);
	char *devices = malloc(n ? n * (TCG_NONCE_DEVICE_MAX + 1) : 1), t[8];
	PGresult *r = NULL;
	tcg_rc rc = TCG_E_IO;

	if (!which || !nonces || !devices) {
		rc = tcg_fail_nomem(err);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!won[i])
			continue;
		size_t l = strlen(claims[i].device);
		if (tries)
			devices[dlen++] = '\n';
		memcpy(devices + dlen, claims[i].device, l);
		dlen += l;
		memcpy(nonces + tries * TCG_NONCE_SIZE, claims[i].nonce, TCG_NONCE_SIZE);
		which[tries++] = i;
		won[i] = false;
	}
	be64(now, t);
	const char *val[3] = { (const char *)nonces, devices, t };
	int len[3] = { (int)(tries * TCG_NONCE_SIZE), (int)dlen, 8 };
	/* One statement, one transaction: COMMIT answered is the decision. Lost
	 * on the way, it is undecided here (exit 3), each row consumed or not. */
	if (!(r = run(s, consume_sql, 3, val, len, PGRES_TUPLES_OK, "cannot consume", err)))
		goto out;
	for (int row = 0; row < PQntuples(r); row++) {
		char *end = NULL;
		long long ord = strtoll(PQgetvalue(r, row, 0), &end, 10); /* a text result */
		if (*end || ord < 1 || (unsigned long long)ord > tries) {
			tcg_store_fail(err, "cannot consume", "the database answered an unknown row");
			goto out;
		}
		won[which[ord - 1]] = true;
	}
	rc = TCG_OK;
out:
	if (rc)
		for (size_t i = 0; i < n; i++)
			won[i] = false;
	PQclear(r);
	free(which);
	free(nonces);
	free(devices);
	return rc;
}

static tcg_rc pg_why(void *be, const uint8_t *nonce, char device[TCG_NONCE_DEVICE_MAX + 1],
                     int64_t *expires, bool *found, tcg_err *err)
{
	const char *val[1] = { (const char *)nonce };
	int len[1] = { TCG_NONCE_SIZE };
	PGresult *r;

	*found = false;
	/* Binary results: the bigint arrives as 8 big-endian bytes. */
	r = PQexecParams(((pg_store *)be)->conn,
	                 "SELECT device, expires FROM nonces WHERE nonce = $1::bytea", 1, NULL,
	                 val, len, (const int[]){ 1 }, 1);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		PQclear(r);
		return conn_fail(((pg_store *)be)->conn, err, "cannot look the nonce up");
	}
	if (PQntuples(r) == 1 && PQgetlength(r, 0, 1) == 8) {
		int dl = PQgetlength(r, 0, 0);
		if (dl > TCG_NONCE_DEVICE_MAX)
			dl = TCG_NONCE_DEVICE_MAX;
		memcpy(device, PQgetvalue(r, 0, 0), (size_t)dl);
		device[dl] = '\0';
		*expires = from_be64(PQgetvalue(r, 0, 1));
		*found = true;
	}
	PQclear(r);
	return TCG_OK;
}

/* A DELETE of the rows older than t (sql's one parameter); how many. */
static tcg_rc delete_before(void *be, const char *sql, int64_t t, uint64_t *count,
                            const char *what, tcg_err *err)
{
	char b[8];
	const char *val[1] = { b };
	int len[1] = { 8 };
	PGresult *r;

	be64(t, b);
	r = run(be, sql, 1, val, len, PGRES_COMMAND_OK, what, err);
	if (!r)
		return TCG_E_IO;
	*count = strtoull(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return TCG_OK;
}

static tcg_rc pg_purge(void *be, int64_t now, uint64_t *count, tcg_err *err)
{
	return delete_before(be, "DELETE FROM nonces WHERE expires <= $1::bigint", now, count,
	                     "cannot purge", err);
}

static tcg_rc pg_reg_write(void *be, bool replace, const char *device, const uint8_t *ek,
                           int64_t now, const char *how, tcg_err *err)
{
	char t[8];
	const char *val[4] = { device, (const char *)ek, t, how };
	int len[4] = { (int)strlen(device), TCG_REGISTRY_DIGEST_SIZE, 8, (int)strlen(how) };
	PGresult *r;

	be64(now, t);
	/* First binding wins unless replacing: a racing second one inserts
	 * nothing and then reads the first one's digest. */
	r = run(be,
	        replace ? "INSERT INTO devices (device, ek_sha256, enrolled, how) "
	                  "VALUES ($1::text, $2::bytea, $3::bigint, $4::text) ON CONFLICT (device) "
	                  "DO UPDATE SET ek_sha256 = excluded.ek_sha256, "
	                  "enrolled = excluded.enrolled, how = excluded.how"
	                : "INSERT INTO devices (device, ek_sha256, enrolled, how) "
	                  "VALUES ($1::text, $2::bytea, $3::bigint, $4::text) "
	                  "ON CONFLICT (device) DO NOTHING",
	        4, val, len, PGRES_COMMAND_OK, "cannot enrol the device", err);
	PQclear(r);
	return r ? TCG_OK : TCG_E_IO;
}

static tcg_rc pg_reg_get(void *be, const char *device, uint8_t *ek, bool *found, tcg_err *err)
{
	const char *val[1] = { device };
	int len[1] = { (int)strlen(device) };
	PGresult *r = PQexecParams(((pg_store *)be)->conn,
	                           "SELECT ek_sha256 FROM devices WHERE device = $1::text", 1, NULL,
	                           val, len, (const int[]){ 1 }, 1);
	tcg_rc rc = TCG_OK;

	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		rc = conn_fail(((pg_store *)be)->conn, err, "cannot look the device up");
	} else if (PQntuples(r) == 1) {
		/* The schema's CHECK keeps it 32 bytes. */
		if (PQgetlength(r, 0, 0) != TCG_REGISTRY_DIGEST_SIZE) {
			rc = tcg_store_fail(err, "the registry entry is damaged", device);
		} else {
			memcpy(ek, PQgetvalue(r, 0, 0), TCG_REGISTRY_DIGEST_SIZE);
			*found = true;
		}
	}
	PQclear(r);
	return rc;
}

static tcg_rc pg_rep_add(void *be, const tcg_report_row *row, tcg_err *err)
{
	char t[8], attributed = row->attributed ? 1 : 0; /* a binary boolean: one byte */
	const char *verdict = row->compliant ? "compliant" : "non-compliant";
	const char *val[7] = { row->device, t, verdict, row->failing, row->policy, row->xml,
		               &attributed };
	int len[7] = { (int)strlen(row->device), 8, (int)strlen(verdict), (int)strlen(row->failing),
		       (int)strlen(row->policy), (int)row->xml_len, 1 };
	PGresult *r;

	be64(row->time, t);
	r = run(be, "INSERT INTO reports (device, appraised, verdict, failing, policy, xml, "
	            "attributed) VALUES ($1::text, $2::bigint, $3::text, $4::text, $5::text, "
	            "$6::text, $7::boolean)",
	        7, val, len, PGRES_COMMAND_OK, "cannot keep the report", err);
	PQclear(r);
	return r ? TCG_OK : TCG_E_IO;
}

/* A text column of a binary result, as a C string (text holds no NUL). */
static char *pg_text(PGresult *r, int row, int col, char *buf, size_t n)
{
	int l = PQgetlength(r, row, col);
	if ((size_t)l >= n)
		l = (int)n - 1;
	memcpy(buf, PQgetvalue(r, row, col), (size_t)l);
	buf[l] = '\0';
	return buf;
}

static tcg_rc pg_rep_list(void *be, const tcg_reports_query *q, const char *verdict,
                          tcg_rc (*each)(void *arg, const tcg_report_row *row, tcg_err *err),
                          void *arg, tcg_err *err)
{
	char t[8];
	const char *val[3] = { t, verdict, q->device };
	int len[3] = { 8, (int)strlen(verdict), q->device ? (int)strlen(q->device) : 0 };
	static const int binary[3] = { 1, 1, 1 };
	tcg_rc rc = TCG_OK;
	PGresult *r;

	be64(q->since, t);
	/* Binary results: the bigint arrives as 8 big-endian bytes. */
	r = PQexecParams(((pg_store *)be)->conn,
	                 q->device ? TCG_REPORTS_COLUMNS " WHERE device = $3::text AND "
	                             "appraised >= $1::bigint AND ($2::text = '' OR "
	                             "verdict = $2::text) ORDER BY appraised, id"
	                           : TCG_REPORTS_COLUMNS " r WHERE " TCG_REPORTS_NEWER " AND "
	                             "appraised >= $1::bigint AND ($2::text = '' OR "
	                             "verdict = $2::text) ORDER BY device COLLATE \"C\"",
	                 q->device ? 3 : 2, NULL, val, len, binary, 1);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		PQclear(r);
		return conn_fail(((pg_store *)be)->conn, err, "cannot list the reports");
	}
	for (int i = 0; !rc && i < PQntuples(r); i++) {
		char verdict_text[16];
		tcg_report_row row = { 0 };
		if (PQgetlength(r, i, 1) != 8 || PQgetlength(r, i, 5) != 1) {
			rc = tcg_store_fail(err, "a kept report is damaged", "its time or attribution");
			break;
		}
		pg_text(r, i, 0, row.device, sizeof row.device);
		row.time = from_be64(PQgetvalue(r, i, 1));
		row.compliant = !strcmp(pg_text(r, i, 2, verdict_text, sizeof verdict_text),
		                        "compliant");
		/* NUL-terminated by libpq */
		row.failing = PQgetvalue(r, i, 3);
		row.policy = PQgetvalue(r, i, 4);
		row.attributed = PQgetvalue(r, i, 5)[0] != 0;
		rc = each(arg, &row, err);
	}
	PQclear(r);
	return rc;
}

static tcg_rc pg_rep_purge(void *be, int64_t before, uint64_t *count, tcg_err *err)
{
	return delete_before(be, "DELETE FROM reports WHERE appraised < $1::bigint", before, count,
	                     "cannot purge the reports", err);
}

static const struct tcg_store_ops pg_ops = {
	.close = pg_close,
	.insert = pg_insert,
	.consume = pg_consume,
	.why = pg_why,
	.purge = pg_purge,
	.reg_write = pg_reg_write,
	.reg_get = pg_reg_get,
	.rep_add = pg_rep_add,
	.rep_list = pg_rep_list,
	.rep_purge = pg_rep_purge,
};

/* Notices (CREATE ... IF NOT EXISTS) are not for the tool's stderr. */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* A password in the connection string itself: refused. */
static tcg_rc check_conninfo(const char *conninfo, tcg_err *err)
{
	char *msg = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &msg);
	tcg_rc rc = TCG_OK;

	if (!opts) {
		rc = tcg_fail(err, TCG_E_IO, "nonce-store",
		              "not a PostgreSQL connection string: %s", msg ? msg : "out of memory");
		PQfreemem(msg);
		return rc;
	}
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val && *o->val)
			rc = tcg_fail(err, TCG_E_IO, "nonce-store-credentials",
			              "the connection string holds a password: keep it in a "
			              "password file (PGPASSFILE, ~/.pgpass) or a pg_service.conf "
			              "service instead");
	PQconninfoFree(opts);
	return rc;
}

tcg_rc tcg_store_pg_open(const char *conninfo, void **be, const struct tcg_store_ops **ops,
                         tcg_err *err)
{
	pg_store *s;
	tcg_rc rc;

	if ((rc = tcg_pq_load(err)) || (rc = check_conninfo(conninfo, err)))
		return rc;
	s = calloc(1, sizeof *s);
	if (!s)
		return tcg_fail_nomem(err);
	s->conn = PQconnectdb(conninfo);
	if (!s->conn || PQstatus(s->conn) != CONNECTION_OK) {
		rc = conn_fail(s->conn, err, "cannot connect to the store");
		pg_close(s);
		return rc;
	}
	PQsetNoticeProcessor(s->conn, quiet, NULL);
	if ((rc = schema_upgrade(s, err))) {
		pg_close(s);
		return rc;
	}
	*be = s;
	*ops = &pg_ops;
	return TCG_OK;
}
