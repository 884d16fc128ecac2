/*
 * Nonce store on SQLite.
 *
 * Randomness: getrandom(2) with no flags, i.e. the kernel's CSPRNG, which
 * blocks only until it has been seeded once at boot and never returns short
 * for 32 bytes. It is the system CSPRNG itself rather than a user-space DRBG
 * seeded from it (OpenSSL's RAND_bytes), so there is no generator state in
 * the process to duplicate across fork() or to initialize first.
 *
 * Consuming is one statement, DELETE ... WHERE nonce AND device AND not
 * expired RETURNING: SQLite runs a write statement under the database's write
 * lock, so of several processes racing on one nonce exactly one deletes the
 * row and sees it returned; the others find nothing to delete. Only after the
 * decision is made does a SELECT look for the reason of a refusal, for the
 * message; it never changes the decision. synchronous=FULL makes a consumed
 * nonce stay consumed across a power loss (NORMAL in WAL mode could roll the
 * last commits back and let a nonce be replayed).
 */
#include "tcglog/nonce.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

struct tcg_nonce_store {
	sqlite3 *db;
	sqlite3_stmt *insert, *consume, *why, *purge;
	sqlite3_stmt *reg_add, *reg_get, *reg_set;
	bool closed;
};

/* Version 0: nonces only (user_version never set). Version 1 adds the
 * device registry. Each step upgrades from the version before it. */
static const char *const schema[TCG_STORE_SCHEMA_VERSION + 1] = {
	"CREATE TABLE IF NOT EXISTS nonces ("
	" nonce BLOB PRIMARY KEY NOT NULL"
	"  CHECK (typeof(nonce) = 'blob' AND length(nonce) = 32),"
	" device TEXT NOT NULL CHECK (length(device) BETWEEN 1 AND 255),"
	" issued INTEGER NOT NULL,"
	" expires INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS nonces_expires ON nonces (expires);",
	"CREATE TABLE IF NOT EXISTS devices ("
	" device TEXT PRIMARY KEY NOT NULL CHECK (length(device) BETWEEN 1 AND 255),"
	" ek_sha256 BLOB NOT NULL"
	"  CHECK (typeof(ek_sha256) = 'blob' AND length(ek_sha256) = 32),"
	" enrolled INTEGER NOT NULL,"
	" how TEXT NOT NULL CHECK (how IN ('first-boot-data', 'operator', 'rebind'))"
	") WITHOUT ROWID;",
};

static tcg_rc store_err(sqlite3 *db, tcg_err *err, const char *what)
{
	return tcg_err_set(err, TCG_E_IO, "nonce-store", TCG_NO_OFFSET, TCG_NO_EVENT, "%s: %s",
	                   what, db ? sqlite3_errmsg(db) : "out of memory");
}

static tcg_rc prepare(tcg_nonce_store *s, const char *sql, sqlite3_stmt **st, tcg_err *err)
{
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
		return store_err(s->db, err, "cannot prepare a statement");
	return TCG_OK;
}

void tcg_nonce_store_close(tcg_nonce_store *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->insert);
	sqlite3_finalize(s->consume);
	sqlite3_finalize(s->why);
	sqlite3_finalize(s->purge);
	sqlite3_finalize(s->reg_add);
	sqlite3_finalize(s->reg_get);
	sqlite3_finalize(s->reg_set);
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
static tcg_rc schema_upgrade(tcg_nonce_store *s, tcg_err *err)
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
		return store_err(s->db, err, "cannot set up the store");
	if (sqlite3_exec(s->db, "PRAGMA user_version", version_cb, &version, NULL) != SQLITE_OK)
		goto fail;
	if (version < 0 || version > TCG_STORE_SCHEMA_VERSION) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return tcg_err_set(err, TCG_E_IO, "nonce-store", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "the store's schema version %ld is not one this tool knows "
		                   "(0 to %d)",
		                   version, TCG_STORE_SCHEMA_VERSION);
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
	tcg_rc rc = store_err(s->db, err, "cannot set up the store");
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
		return tcg_err_set(err, TCG_E_NOMEM, "nonce-store", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "out of memory");
	tcg_rc rc = TCG_OK;
	if (lstat(dir, &st) != 0)
		rc = tcg_err_set(err, TCG_E_IO, "nonce-store", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "cannot look at the store's directory: %s", strerror(errno));
	else if (S_ISLNK(st.st_mode))
		rc = tcg_err_set(err, TCG_E_IO, "nonce-store-symlink", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "the store's directory is a symbolic link");
	else if (st.st_mode & S_IWOTH)
		rc = tcg_err_set(err, TCG_E_IO, "nonce-store-mode", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "the store's directory is writable by others (mode %04o)",
		                 (unsigned)(st.st_mode & 07777));
	free(dir);
	return rc;
}

tcg_rc tcg_nonce_store_open(const char *path, tcg_nonce_store **out, tcg_err *err)
{
	tcg_nonce_store *s;
	struct stat st;
	int fd, wal = 0;
	tcg_rc rc;

	*out = NULL;
	if ((rc = check_dir(path, err)))
		return rc;
	/* Create the file ourselves so it starts 0600; SQLite gives its WAL and
	 * shared-memory files the database file's mode. */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0600);
	if (fd < 0 && errno == ELOOP)
		return tcg_err_set(err, TCG_E_IO, "nonce-store-symlink", TCG_NO_OFFSET,
		                   TCG_NO_EVENT, "the store is a symbolic link");
	if (fd < 0)
		return tcg_err_set(err, TCG_E_IO, "nonce-store", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "cannot open the store: %s", strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return tcg_err_set(err, TCG_E_IO, "nonce-store", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "the store is not a regular file");
	}
	close(fd);
	if (st.st_mode & S_IWOTH)
		return tcg_err_set(err, TCG_E_IO, "nonce-store-mode", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "the store is writable by others (mode %04o)",
		                   (unsigned)(st.st_mode & 07777));

	s = calloc(1, sizeof *s);
	if (!s)
		return tcg_err_set(err, TCG_E_NOMEM, "nonce-store", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "out of memory");
	/* ":memory:" would name SQLite's in-memory database, not this file. */
	if (sqlite3_open_v2(strcmp(path, ":memory:") == 0 ? "./:memory:" : path, &s->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
	                    NULL) != SQLITE_OK) {
		rc = store_err(s->db, err, "cannot open the store");
		tcg_nonce_store_close(s);
		return rc;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, TCG_NONCE_BUSY_TIMEOUT_MS);
	if (sqlite3_exec(s->db, "PRAGMA journal_mode = WAL", journal_cb, &wal, NULL) != SQLITE_OK) {
		rc = store_err(s->db, err, "cannot switch to WAL");
		goto fail;
	}
	if (!wal) {
		rc = tcg_err_set(err, TCG_E_IO, "nonce-store", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "the store cannot use a WAL journal here (a network file system?)");
		goto fail;
	}
	if (sqlite3_exec(s->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL) != SQLITE_OK) {
		rc = store_err(s->db, err, "cannot set up the store");
		goto fail;
	}
	if ((rc = schema_upgrade(s, err)))
		goto fail;
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
	    (rc = prepare(s, "INSERT INTO devices (device, ek_sha256, enrolled, how) "
	                     "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (device) DO UPDATE SET "
	                     "ek_sha256 = excluded.ek_sha256, enrolled = excluded.enrolled, "
	                     "how = excluded.how",
	                  &s->reg_set, err)))
		goto fail;
	*out = s;
	return TCG_OK;
fail:
	tcg_nonce_store_close(s);
	return rc;
}

tcg_rc tcg_nonce_check_device(const char *device, tcg_err *err)
{
	size_t n = device ? strnlen(device, TCG_NONCE_DEVICE_MAX + 1) : 0;
	if (n == 0)
		return tcg_err_set(err, TCG_E_USAGE, "nonce-device", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "the device name is empty");
	if (n > TCG_NONCE_DEVICE_MAX)
		return tcg_err_set(err, TCG_E_USAGE, "nonce-device", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "the device name is longer than %d bytes", TCG_NONCE_DEVICE_MAX);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)device[i];
		if (c < 0x20 || c > 0x7e)
			return tcg_err_set(err, TCG_E_USAGE, "nonce-device", TCG_NO_OFFSET,
			                   TCG_NO_EVENT,
			                   "the device name has byte 0x%02x at %zu: only printable "
			                   "ASCII is allowed",
			                   c, i);
	}
	return TCG_OK;
}

tcg_rc tcg_nonce_from_hex(const char *hex, uint8_t out[TCG_NONCE_SIZE], tcg_err *err)
{
	size_t n = hex ? strnlen(hex, 2 * TCG_NONCE_SIZE + 1) : 0;
	if (n != 2 * TCG_NONCE_SIZE)
		return tcg_err_set(err, TCG_E_FORMAT, "nonce-hex", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "a nonce is exactly %d hex digits", 2 * TCG_NONCE_SIZE);
	for (size_t i = 0; i < TCG_NONCE_SIZE; i++) {
		int hi = OPENSSL_hexchar2int((unsigned char)hex[2 * i]);
		int lo = OPENSSL_hexchar2int((unsigned char)hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			OPENSSL_cleanse(out, TCG_NONCE_SIZE);
			return tcg_err_set(err, TCG_E_FORMAT, "nonce-hex", 2 * i + (hi >= 0),
			                   TCG_NO_EVENT, "not a hex digit in the nonce");
		}
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return TCG_OK;
}

tcg_rc tcg_nonce_check_ttl(int64_t ttl, tcg_err *err)
{
	if (ttl < 1 || ttl > TCG_NONCE_TTL_MAX)
		return tcg_err_set(err, TCG_E_USAGE, "nonce-ttl", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "the lifetime must be 1 to %d seconds", TCG_NONCE_TTL_MAX);
	return TCG_OK;
}

static tcg_rc check_time(int64_t ttl, int64_t now, tcg_err *err)
{
	tcg_rc rc = tcg_nonce_check_ttl(ttl, err);
	if (rc)
		return rc;
	if (now < 0 || now > INT64_MAX - TCG_NONCE_TTL_MAX)
		return tcg_err_set(err, TCG_E_USAGE, "nonce-ttl", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "the current time is out of range");
	return TCG_OK;
}

tcg_rc tcg_nonce_issue(tcg_nonce_store *s, const char *device, int64_t ttl, int64_t now,
                       uint8_t out[TCG_NONCE_SIZE], tcg_err *err)
{
	size_t got = 0;
	tcg_rc rc;
	int r;

	if ((rc = tcg_nonce_check_device(device, err)) || (rc = check_time(ttl, now, err)))
		return rc;
	if (s->closed) {
		uint8_t ek[TCG_REGISTRY_DIGEST_SIZE];
		bool found = false;
		if ((rc = tcg_registry_lookup(s, device, ek, &found, err)))
			return rc;
		if (!found)
			return tcg_err_set(err, TCG_E_MISMATCH, "device-unknown", TCG_NO_OFFSET,
			                   TCG_NO_EVENT,
			                   "the registry is closed and '%s' is not enrolled", device);
	}
	while (got < TCG_NONCE_SIZE) {
		ssize_t n = getrandom(out + got, TCG_NONCE_SIZE - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			OPENSSL_cleanse(out, TCG_NONCE_SIZE);
			return tcg_err_set(err, TCG_E_IO, "nonce-random", TCG_NO_OFFSET, TCG_NO_EVENT,
			                   "getrandom: %s", strerror(errno));
		}
		got += (size_t)n;
	}
	sqlite3_reset(s->insert);
	if (sqlite3_bind_blob(s->insert, 1, out, TCG_NONCE_SIZE, SQLITE_STATIC) ||
	    sqlite3_bind_text(s->insert, 2, device, -1, SQLITE_STATIC) ||
	    sqlite3_bind_int64(s->insert, 3, now) ||
	    sqlite3_bind_int64(s->insert, 4, now + ttl)) {
		rc = store_err(s->db, err, "cannot issue");
		goto out;
	}
	r = sqlite3_step(s->insert);
	rc = r == SQLITE_DONE ? TCG_OK : store_err(s->db, err, "cannot issue");
out:
	sqlite3_reset(s->insert);
	sqlite3_clear_bindings(s->insert);
	if (rc)
		OPENSSL_cleanse(out, TCG_NONCE_SIZE);
	return rc;
}

/* After a refusal: why, for the message only. */
static tcg_rc refusal(tcg_nonce_store *s, const char *device, const uint8_t *nonce,
                      int64_t now, tcg_err *err)
{
	tcg_rc rc;
	int r;

	if (sqlite3_bind_blob(s->why, 1, nonce, TCG_NONCE_SIZE, SQLITE_STATIC))
		return store_err(s->db, err, "cannot look the nonce up");
	r = sqlite3_step(s->why);
	if (r == SQLITE_DONE) {
		rc = tcg_err_set(err, TCG_E_MISMATCH, "nonce-unknown", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "the nonce was never issued, is already used, or was purged");
	} else if (r != SQLITE_ROW) {
		rc = tcg_err_set(err, TCG_E_MISMATCH, "nonce-unknown", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "the nonce was not consumed (and the store could not say why: "
		                 "%s)",
		                 sqlite3_errmsg(s->db));
	} else {
		const unsigned char *dev = sqlite3_column_text(s->why, 0);
		int64_t expires = sqlite3_column_int64(s->why, 1);
		if (!dev || strcmp((const char *)dev, device) != 0)
			rc = tcg_err_set(err, TCG_E_MISMATCH, "nonce-device-mismatch", TCG_NO_OFFSET,
			                 TCG_NO_EVENT,
			                 "the nonce was issued for another device (it stays "
			                 "unused)");
		else if (expires <= now)
			rc = tcg_err_set(err, TCG_E_MISMATCH, "nonce-expired", TCG_NO_OFFSET,
			                 TCG_NO_EVENT, "the nonce expired %lld s ago",
			                 (long long)(now - expires));
		else /* Issued again after the refusal: cannot happen with 256 random bits. */
			rc = tcg_err_set(err, TCG_E_MISMATCH, "nonce-unknown", TCG_NO_OFFSET,
			                 TCG_NO_EVENT, "the nonce was not found when consumed");
	}
	sqlite3_reset(s->why);
	sqlite3_clear_bindings(s->why);
	return rc;
}

tcg_rc tcg_nonce_consume(tcg_nonce_store *s, const char *device,
                         const uint8_t nonce[TCG_NONCE_SIZE], int64_t now, tcg_err *err)
{
	int r, rows = 0;
	tcg_rc rc;

	if ((rc = tcg_nonce_check_device(device, err)) || (rc = check_time(1, now, err)))
		return rc;
	sqlite3_reset(s->consume);
	if (sqlite3_bind_blob(s->consume, 1, nonce, TCG_NONCE_SIZE, SQLITE_STATIC) ||
	    sqlite3_bind_text(s->consume, 2, device, -1, SQLITE_STATIC) ||
	    sqlite3_bind_int64(s->consume, 3, now)) {
		rc = store_err(s->db, err, "cannot consume");
		goto out;
	}
	/* The decision: this statement deleted the row (and committed) or not. */
	while ((r = sqlite3_step(s->consume)) == SQLITE_ROW)
		rows++;
	if (r != SQLITE_DONE) {
		rc = store_err(s->db, err, "cannot consume");
		goto out;
	}
	sqlite3_reset(s->consume);
	sqlite3_clear_bindings(s->consume);
	if (rows == 1)
		return TCG_OK;
	return refusal(s, device, nonce, now, err);
out:
	sqlite3_reset(s->consume);
	sqlite3_clear_bindings(s->consume);
	return rc;
}

tcg_rc tcg_nonce_purge(tcg_nonce_store *s, int64_t now, uint64_t *count, tcg_err *err)
{
	tcg_rc rc = TCG_OK;

	if (count)
		*count = 0;
	sqlite3_reset(s->purge);
	if (sqlite3_bind_int64(s->purge, 1, now) || sqlite3_step(s->purge) != SQLITE_DONE)
		rc = store_err(s->db, err, "cannot purge");
	else if (count)
		*count = (uint64_t)sqlite3_changes64(s->db);
	sqlite3_reset(s->purge);
	return rc;
}

/* ---- device registry ---- */

void tcg_nonce_store_set_closed(tcg_nonce_store *s, bool closed)
{
	s->closed = closed;
}

tcg_rc tcg_registry_lookup(tcg_nonce_store *s, const char *device,
                           uint8_t ek[TCG_REGISTRY_DIGEST_SIZE], bool *found, tcg_err *err)
{
	tcg_rc rc;
	int r;

	*found = false;
	if ((rc = tcg_nonce_check_device(device, err)))
		return rc;
	sqlite3_reset(s->reg_get);
	if (sqlite3_bind_text(s->reg_get, 1, device, -1, SQLITE_STATIC)) {
		rc = store_err(s->db, err, "cannot look the device up");
		goto out;
	}
	r = sqlite3_step(s->reg_get);
	if (r == SQLITE_ROW) {
		/* The schema's CHECK keeps it a 32-byte blob. */
		const void *d = sqlite3_column_blob(s->reg_get, 0);
		if (!d || sqlite3_column_bytes(s->reg_get, 0) != TCG_REGISTRY_DIGEST_SIZE) {
			rc = tcg_err_set(err, TCG_E_IO, "nonce-store", TCG_NO_OFFSET, TCG_NO_EVENT,
			                 "the registry entry of '%s' is damaged", device);
			goto out;
		}
		memcpy(ek, d, TCG_REGISTRY_DIGEST_SIZE);
		*found = true;
	} else if (r != SQLITE_DONE) {
		rc = store_err(s->db, err, "cannot look the device up");
	}
out:
	sqlite3_reset(s->reg_get);
	sqlite3_clear_bindings(s->reg_get);
	return rc;
}

/* Run an insert statement of the registry (reg_add or reg_set). */
static tcg_rc registry_write(tcg_nonce_store *s, sqlite3_stmt *st, const char *device,
                             const uint8_t *ek, int64_t now, const char *how, tcg_err *err)
{
	tcg_rc rc = TCG_OK;
	sqlite3_reset(st);
	if (sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC) ||
	    sqlite3_bind_blob(st, 2, ek, TCG_REGISTRY_DIGEST_SIZE, SQLITE_STATIC) ||
	    sqlite3_bind_int64(st, 3, now) || sqlite3_bind_text(st, 4, how, -1, SQLITE_STATIC) ||
	    sqlite3_step(st) != SQLITE_DONE)
		rc = store_err(s->db, err, "cannot enrol the device");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

static void hex32(const uint8_t *d, char out[2 * TCG_REGISTRY_DIGEST_SIZE + 1])
{
	for (size_t i = 0; i < TCG_REGISTRY_DIGEST_SIZE; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

tcg_rc tcg_registry_bind(tcg_nonce_store *s, const char *device,
                         const uint8_t ek[TCG_REGISTRY_DIGEST_SIZE], int64_t now, tcg_err *err)
{
	uint8_t bound[TCG_REGISTRY_DIGEST_SIZE];
	bool found = false;
	tcg_rc rc;

	if ((rc = tcg_nonce_check_device(device, err)))
		return rc;
	if (!s->closed && (rc = registry_write(s, s->reg_add, device, ek, now, "first-boot-data",
	                                       err)))
		return rc;
	if ((rc = tcg_registry_lookup(s, device, bound, &found, err)))
		return rc;
	if (!found)
		return tcg_err_set(err, TCG_E_MISMATCH, "device-unknown", TCG_NO_OFFSET,
		                   TCG_NO_EVENT, "the registry is closed and '%s' is not enrolled",
		                   device);
	/* Digests of public certificates: no secret to compare in constant time. */
	if (memcmp(bound, ek, TCG_REGISTRY_DIGEST_SIZE) != 0) {
		char want[2 * TCG_REGISTRY_DIGEST_SIZE + 1];
		hex32(bound, want);
		return tcg_err_set(err, TCG_E_MISMATCH, "device-ek-mismatch", TCG_NO_OFFSET,
		                   TCG_NO_EVENT,
		                   "'%s' is enrolled with the EK certificate of SHA-256 %s, not "
		                   "this one (the operator re-binds a replaced TPM)",
		                   device, want);
	}
	return TCG_OK;
}

tcg_rc tcg_registry_enroll(tcg_nonce_store *s, const char *device,
                           const uint8_t ek[TCG_REGISTRY_DIGEST_SIZE], bool rebind, int64_t now,
                           tcg_err *err)
{
	uint8_t bound[TCG_REGISTRY_DIGEST_SIZE];
	bool found = false;
	tcg_rc rc;

	if ((rc = tcg_nonce_check_device(device, err)))
		return rc;
	if (rebind)
		return registry_write(s, s->reg_set, device, ek, now, "rebind", err);
	if ((rc = registry_write(s, s->reg_add, device, ek, now, "operator", err)) ||
	    (rc = tcg_registry_lookup(s, device, bound, &found, err)))
		return rc;
	if (!found)
		return store_err(s->db, err, "the device was not enrolled");
	if (memcmp(bound, ek, TCG_REGISTRY_DIGEST_SIZE) != 0) {
		char want[2 * TCG_REGISTRY_DIGEST_SIZE + 1];
		hex32(bound, want);
		return tcg_err_set(err, TCG_E_MISMATCH, "device-enrolled", TCG_NO_OFFSET,
		                   TCG_NO_EVENT,
		                   "'%s' is already enrolled with the EK certificate of SHA-256 %s "
		                   "(re-binding it is an explicit step)",
		                   device, want);
	}
	return TCG_OK;
}
