/*
 * The store on an SQLite file (the default backend).
 *
 * Consuming is DELETE ... WHERE nonce AND device AND not expired RETURNING,
 * one statement per claim inside one BEGIN IMMEDIATE transaction: SQLite runs
 * writes under the database's write lock, so of several processes racing on
 * one nonce exactly one deletes the row; the others find nothing to delete.
 * synchronous=FULL makes a consumed nonce stay consumed across a power loss
 * (NORMAL in WAL mode could roll the last commits back and let a nonce be
 * replayed).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sqlite_dl.h"
#include "store_int.h"
#include "store_sql.h"

typedef struct {
	sqlite3 *db;
	sqlite3_stmt *insert, *consume, *why, *purge;
	sqlite3_stmt *reg_add, *reg_get, *reg_set;
	sqlite3_stmt *rep_add, *rep_latest, *rep_history, *rep_purge;
} sqlite_store;

/* Version 0: nonces only (user_version never set). Each step upgrades from
 * the version before it; the SQL is that of the installed files. */
static const char *const schema[TCG_STORE_SCHEMA_VERSION + 1] = {
	TCG_SQL_SQLITE_0,
	TCG_SQL_SQLITE_1,
	TCG_SQL_SQLITE_2,
	TCG_SQL_SQLITE_3,
};

static tcg_rc db_fail(sqlite3 *db, tcg_err *err, const char *what)
{
	return tcg_store_fail(err, what, db ? sqlite3_errmsg(db) : "out of memory");
}

static tcg_rc prepare(sqlite_store *s, const char *sql, sqlite3_stmt **st, tcg_err *err)
{
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
		return db_fail(s->db, err, "cannot prepare a statement");
	return TCG_OK;
}

static void sqlite_close(void *be)
{
	sqlite_store *s = be;
	if (!s)
		return;
	sqlite3_finalize(s->insert);
	sqlite3_finalize(s->consume);
	sqlite3_finalize(s->why);
	sqlite3_finalize(s->purge);
	sqlite3_finalize(s->reg_add);
	sqlite3_finalize(s->reg_get);
	sqlite3_finalize(s->reg_set);
	sqlite3_finalize(s->rep_add);
	sqlite3_finalize(s->rep_latest);
	sqlite3_finalize(s->rep_history);
	sqlite3_finalize(s->rep_purge);
	sqlite3_close_v2(s->db);
	free(s);
}

/* The journal mode the database is in after asking for WAL. */
static int journal_cb(void *arg, int ncol, char **val, char **name)
{
	(void)name;
	if (ncol == 1 && val[0])
		*(int *)arg = strcmp(val[0], "wal") == 0;
	return 0;
}

/* The user_version callback. */
static int version_cb(void *arg, int ncol, char **val, char **name)
{
	(void)name;
	if (ncol == 1 && val[0])
		*(long *)arg = strtol(val[0], NULL, 10);
	return 0;
}

/* Bring the schema to TCG_STORE_SCHEMA_VERSION in one write transaction, so
 * two processes opening an old store upgrade it once. */
static tcg_rc schema_upgrade(sqlite_store *s, tcg_err *err)
{
	long version = -1;
	char set[64];

	/* The usual case, a current store: a read, no write transaction (each
	 * write costs an fsync under synchronous=FULL). */
	if (sqlite3_exec(s->db, "PRAGMA user_version", version_cb, &version, NULL) == SQLITE_OK &&
	    version == TCG_STORE_SCHEMA_VERSION)
		return TCG_OK;
	version = -1;
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(s->db, err, "cannot set up the store");
	if (sqlite3_exec(s->db, "PRAGMA user_version", version_cb, &version, NULL) != SQLITE_OK)
		goto fail;
	if (version < 0 || version > TCG_STORE_SCHEMA_VERSION) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return tcg_store_fail_version(err, version);
	}
	/* Step 0 again on a version-0 store: every statement of it is IF NOT EXISTS. */
	for (long v = version ? version + 1 : 0; v <= TCG_STORE_SCHEMA_VERSION; v++)
		if (sqlite3_exec(s->db, schema[v], NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
	snprintf(set, sizeof set, "PRAGMA user_version = %d", TCG_STORE_SCHEMA_VERSION);
	if (sqlite3_exec(s->db, set, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	return TCG_OK;
fail: {
	tcg_rc rc = db_fail(s->db, err, "cannot set up the store");
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}
}

/* The directory the store is in must be no symbolic link and not writable by
 * others: whoever can replace the file or its WAL owns the nonces and the
 * registry. */
static tcg_rc check_dir(const char *path, tcg_err *err)
{
	struct stat st;
	const char *slash = strrchr(path, '/');
	char *dir;

	if (!slash)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		return tcg_fail_nomem(err);
	tcg_rc rc = TCG_OK;
	if (lstat(dir, &st) != 0)
		rc = tcg_fail(err, TCG_E_IO, "nonce-store",
		              "cannot look at the store's directory: %s", strerror(errno));
	else if (S_ISLNK(st.st_mode))
		rc = tcg_fail(err, TCG_E_IO, "nonce-store-symlink",
		              "the store's directory is a symbolic link");
	else if (st.st_mode & S_IWOTH)
		rc = tcg_fail(err, TCG_E_IO, "nonce-store-mode",
		              "the store's directory is writable by others (mode %04o)",
		              (unsigned)(st.st_mode & 07777));
	free(dir);
	return rc;
}

/* Create the file ourselves so it starts 0600 (SQLite gives its WAL and
 * shared-memory files the database file's mode), refusing links and files
 * others can write. */
static tcg_rc check_file(const char *path, tcg_err *err)
{
	struct stat st;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0600);

	if (fd < 0 && errno == ELOOP)
		return tcg_fail(err, TCG_E_IO, "nonce-store-symlink",
		                "the store is a symbolic link");
	if (fd < 0)
		return tcg_fail(err, TCG_E_IO, "nonce-store", "cannot open the store: %s",
		                strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return tcg_fail(err, TCG_E_IO, "nonce-store", "the store is not a regular file");
	}
	close(fd);
	if (st.st_mode & S_IWOTH)
		return tcg_fail(err, TCG_E_IO, "nonce-store-mode",
		                "the store is writable by others (mode %04o)",
		                (unsigned)(st.st_mode & 07777));
	return TCG_OK;
}

static tcg_rc prepare_all(sqlite_store *s, tcg_err *err)
{
	tcg_rc rc;
	if ((rc = prepare(s, "INSERT INTO nonces (nonce, device, issued, expires) "
	                     "VALUES (?1, ?2, ?3, ?4)", &s->insert, err)) ||
	    (rc = prepare(s, "DELETE FROM nonces WHERE nonce = ?1 AND device = ?2 "
	                     "AND expires > ?3 RETURNING 1", &s->consume, err)) ||
	    (rc = prepare(s, "SELECT device, expires FROM nonces WHERE nonce = ?1", &s->why,
	                  err)) ||
	    (rc = prepare(s, "DELETE FROM nonces WHERE expires <= ?1", &s->purge, err)) ||
	    /* First binding wins: a racing second one inserts nothing and then
	     * reads the first one's digest. */
	    (rc = prepare(s, "INSERT INTO devices (device, ek_sha256, enrolled, how) "
	                     "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (device) DO NOTHING",
	                  &s->reg_add, err)) ||
	    (rc = prepare(s, "SELECT ek_sha256 FROM devices WHERE device = ?1", &s->reg_get,
	                  err)) ||
	    (rc = prepare(s, "INSERT INTO reports (device, appraised, verdict, failing, policy, "
	                     "xml, attributed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &s->rep_add,
	                  err)) ||
	    (rc = prepare(s, TCG_REPORTS_COLUMNS " r WHERE " TCG_REPORTS_NEWER " AND "
	                     "appraised >= ?1 AND (?2 = '' OR verdict = ?2) ORDER BY device",
	                  &s->rep_latest, err)) ||
	    (rc = prepare(s, TCG_REPORTS_COLUMNS " WHERE device = ?3 AND appraised >= ?1 AND "
	                     "(?2 = '' OR verdict = ?2) ORDER BY appraised, id",
	                  &s->rep_history, err)) ||
	    (rc = prepare(s, "DELETE FROM reports WHERE appraised < ?1", &s->rep_purge, err)))
		return rc;
	return prepare(s, "INSERT INTO devices (device, ek_sha256, enrolled, how) "
	                  "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (device) DO UPDATE SET "
	                  "ek_sha256 = excluded.ek_sha256, enrolled = excluded.enrolled, "
	                  "how = excluded.how",
	               &s->reg_set, err);
}

static tcg_rc sqlite_insert(void *be, const uint8_t *nonce, const char *device,
                            int64_t issued, int64_t expires, tcg_err *err)
{
	sqlite_store *s = be;
	tcg_rc rc = TCG_OK;

	sqlite3_reset(s->insert);
	if (sqlite3_bind_blob(s->insert, 1, nonce, TCG_NONCE_SIZE, SQLITE_STATIC) ||
	    sqlite3_bind_text(s->insert, 2, device, -1, SQLITE_STATIC) ||
	    sqlite3_bind_int64(s->insert, 3, issued) ||
	    sqlite3_bind_int64(s->insert, 4, expires) || sqlite3_step(s->insert) != SQLITE_DONE)
		rc = db_fail(s->db, err, "cannot issue");
	sqlite3_reset(s->insert);
	sqlite3_clear_bindings(s->insert);
	return rc;
}

/* One claim inside the transaction: *won when this statement deleted it. */
static int consume_one(sqlite_store *s, const tcg_nonce_claim *c, int64_t now, bool *won)
{
	int r, rows = 0;

	sqlite3_reset(s->consume);
	if (sqlite3_bind_blob(s->consume, 1, c->nonce, TCG_NONCE_SIZE, SQLITE_STATIC) ||
	    sqlite3_bind_text(s->consume, 2, c->device, -1, SQLITE_STATIC) ||
	    sqlite3_bind_int64(s->consume, 3, now))
		return SQLITE_ERROR;
	while ((r = sqlite3_step(s->consume)) == SQLITE_ROW)
		rows++;
	sqlite3_reset(s->consume);
	sqlite3_clear_bindings(s->consume);
	*won = rows == 1;
	return r;
}

static tcg_rc sqlite_consume(void *be, const tcg_nonce_claim *claims, size_t n, int64_t now,
                             bool *won, tcg_err *err)
{
	sqlite_store *s = be;

	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(s->db, err, "cannot consume");
	for (size_t i = 0; i < n; i++) {
		if (won[i] && consume_one(s, &claims[i], now, &won[i]) != SQLITE_DONE)
			goto fail;
	}
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	return TCG_OK;
fail: {
	tcg_rc rc = db_fail(s->db, err, "cannot consume");
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}
}

static tcg_rc sqlite_why(void *be, const uint8_t *nonce, char device[TCG_NONCE_DEVICE_MAX + 1],
                         int64_t *expires, bool *found, tcg_err *err)
{
	sqlite_store *s = be;
	tcg_rc rc = TCG_OK;
	int r;

	*found = false;
	if (sqlite3_bind_blob(s->why, 1, nonce, TCG_NONCE_SIZE, SQLITE_STATIC))
		return db_fail(s->db, err, "cannot look the nonce up");
	r = sqlite3_step(s->why);
	if (r == SQLITE_ROW) {
		const unsigned char *dev = sqlite3_column_text(s->why, 0);
		snprintf(device, TCG_NONCE_DEVICE_MAX + 1, "%s", dev ? (const char *)dev : "");
		*expires = sqlite3_column_int64(s->why, 1);
		*found = true;
	} else if (r != SQLITE_DONE) {
		rc = db_fail(s->db, err, "cannot look the nonce up");
	}
	sqlite3_reset(s->why);
	sqlite3_clear_bindings(s->why);
	return rc;
}

/* A DELETE of the rows older than t (st's one parameter); how many. */
static tcg_rc delete_before(sqlite_store *s, sqlite3_stmt *st, int64_t t, uint64_t *count,
                            const char *what, tcg_err *err)
{
	tcg_rc rc = TCG_OK;

	sqlite3_reset(st);
	if (sqlite3_bind_int64(st, 1, t) || sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(s->db, err, what);
	else
		*count = (uint64_t)sqlite3_changes64(s->db);
	sqlite3_reset(st);
	return rc;
}

static tcg_rc sqlite_purge(void *be, int64_t now, uint64_t *count, tcg_err *err)
{
	sqlite_store *s = be;
	return delete_before(s, s->purge, now, count, "cannot purge", err);
}

static tcg_rc sqlite_reg_write(void *be, bool replace, const char *device, const uint8_t *ek,
                               int64_t now, const char *how, tcg_err *err)
{
	sqlite_store *s = be;
	sqlite3_stmt *st = replace ? s->reg_set : s->reg_add;
	tcg_rc rc = TCG_OK;

	sqlite3_reset(st);
	if (sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC) ||
	    sqlite3_bind_blob(st, 2, ek, TCG_REGISTRY_DIGEST_SIZE, SQLITE_STATIC) ||
	    sqlite3_bind_int64(st, 3, now) || sqlite3_bind_text(st, 4, how, -1, SQLITE_STATIC) ||
	    sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(s->db, err, "cannot enrol the device");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

static tcg_rc sqlite_reg_get(void *be, const char *device, uint8_t *ek, bool *found,
                             tcg_err *err)
{
	sqlite_store *s = be;
	tcg_rc rc = TCG_OK;
	int r;

	sqlite3_reset(s->reg_get);
	if (sqlite3_bind_text(s->reg_get, 1, device, -1, SQLITE_STATIC)) {
		rc = db_fail(s->db, err, "cannot look the device up");
		goto out;
	}
	r = sqlite3_step(s->reg_get);
	if (r == SQLITE_ROW) {
		/* The schema's CHECK keeps it a 32-byte blob. */
		const void *d = sqlite3_column_blob(s->reg_get, 0);
		if (!d || sqlite3_column_bytes(s->reg_get, 0) != TCG_REGISTRY_DIGEST_SIZE) {
			rc = tcg_store_fail(err, "the registry entry is damaged", device);
			goto out;
		}
		memcpy(ek, d, TCG_REGISTRY_DIGEST_SIZE);
		*found = true;
	} else if (r != SQLITE_DONE) {
		rc = db_fail(s->db, err, "cannot look the device up");
	}
out:
	sqlite3_reset(s->reg_get);
	sqlite3_clear_bindings(s->reg_get);
	return rc;
}

static tcg_rc sqlite_rep_add(void *be, const tcg_report_row *row, tcg_err *err)
{
	sqlite_store *s = be;
	sqlite3_stmt *st = s->rep_add;
	tcg_rc rc = TCG_OK;

	sqlite3_reset(st);
	if (sqlite3_bind_text(st, 1, row->device, -1, SQLITE_STATIC) ||
	    sqlite3_bind_int64(st, 2, row->time) ||
	    sqlite3_bind_text(st, 3, row->compliant ? "compliant" : "non-compliant", -1,
	                      SQLITE_STATIC) ||
	    sqlite3_bind_text(st, 4, row->failing, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(st, 5, row->policy, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text64(st, 6, row->xml, row->xml_len, SQLITE_STATIC, SQLITE_UTF8) ||
	    sqlite3_bind_int(st, 7, row->attributed) || sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(s->db, err, "cannot keep the report");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

static const char *column_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

static tcg_rc sqlite_rep_list(void *be, const tcg_reports_query *q, const char *verdict,
                              tcg_rc (*each)(void *arg, const tcg_report_row *row,
                                             tcg_err *err),
                              void *arg, tcg_err *err)
{
	sqlite_store *s = be;
	sqlite3_stmt *st = q->device ? s->rep_history : s->rep_latest;
	tcg_rc rc = TCG_OK;
	int r = SQLITE_DONE;

	sqlite3_reset(st);
	if (sqlite3_bind_int64(st, 1, q->since) ||
	    sqlite3_bind_text(st, 2, verdict, -1, SQLITE_STATIC) ||
	    (q->device && sqlite3_bind_text(st, 3, q->device, -1, SQLITE_STATIC))) {
		rc = db_fail(s->db, err, "cannot list the reports");
		goto out;
	}
	while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
		tcg_report_row row = {
			.time = sqlite3_column_int64(st, 1),
			.compliant = strcmp(column_text(st, 2), "compliant") == 0,
			.failing = (char *)column_text(st, 3),
			.policy = (char *)column_text(st, 4),
			.attributed = sqlite3_column_int(st, 5) != 0,
		};
		snprintf(row.device, sizeof row.device, "%s", column_text(st, 0));
		rc = each(arg, &row, err);
	}
	if (!rc && r != SQLITE_DONE)
		rc = db_fail(s->db, err, "cannot list the reports");
out:
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

static tcg_rc sqlite_rep_purge(void *be, int64_t before, uint64_t *count, tcg_err *err)
{
	sqlite_store *s = be;
	return delete_before(s, s->rep_purge, before, count, "cannot purge the reports", err);
}

static const struct tcg_store_ops sqlite_ops = {
	.close = sqlite_close,
	.insert = sqlite_insert,
	.consume = sqlite_consume,
	.why = sqlite_why,
	.purge = sqlite_purge,
	.reg_write = sqlite_reg_write,
	.reg_get = sqlite_reg_get,
	.rep_add = sqlite_rep_add,
	.rep_list = sqlite_rep_list,
	.rep_purge = sqlite_rep_purge,
};

tcg_rc tcg_store_sqlite_open(const char *path, void **be, const struct tcg_store_ops **ops,
                             tcg_err *err)
{
	sqlite_store *s;
	int wal = 0;
	tcg_rc rc;

	if ((rc = tcg_sqlite_load(err)) || (rc = check_dir(path, err)) ||
	    (rc = check_file(path, err)))
		return rc;
	s = calloc(1, sizeof *s);
	if (!s)
		return tcg_fail_nomem(err);
	/* ":memory:" would name SQLite's in-memory database, not this file. */
	if (sqlite3_open_v2(strcmp(path, ":memory:") == 0 ? "./:memory:" : path, &s->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
	                    NULL) != SQLITE_OK) {
		rc = db_fail(s->db, err, "cannot open the store");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, TCG_NONCE_BUSY_TIMEOUT_MS);
	if (sqlite3_exec(s->db, "PRAGMA journal_mode = WAL", journal_cb, &wal, NULL) != SQLITE_OK) {
		rc = db_fail(s->db, err, "cannot switch to WAL");
		goto fail;
	}
	if (!wal) {
		rc = tcg_store_fail(err, "the store cannot use a WAL journal here",
		                    "a network file system?");
		goto fail;
	}
	if (sqlite3_exec(s->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_fail(s->db, err, "cannot set up the store");
		goto fail;
	}
	if ((rc = schema_upgrade(s, err)) || (rc = prepare_all(s, err)))
		goto fail;
	*be = s;
	*ops = &sqlite_ops;
	return TCG_OK;
fail:
	sqlite_close(s);
	return rc;
}
