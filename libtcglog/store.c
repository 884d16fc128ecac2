/*
 * The store behind the DHA service, whichever database holds it: an SQLite
 * file (store_sqlite.c) or PostgreSQL (store_pg.c). Every rule lives here;
 * a backend only runs statements.
 *
 * Randomness: getrandom(2) with no flags, i.e. the kernel's CSPRNG, which
 * blocks only until it has been seeded once at boot and never returns short
 * for 32 bytes. It is the system CSPRNG itself rather than a user-space DRBG
 * seeded from it (OpenSSL's RAND_bytes), so there is no generator state in
 * the process to duplicate across fork() or to initialize first.
 *
 * Consuming: the backend deletes the row in a transaction and the decision is
 * whether it did, once committed. Only after the decision does a look-up find
 * the reason of a refusal, for the message; it never changes the decision.
 */
#include "tcglog/nonce.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "store_int.h"

struct tcg_nonce_store {
	const struct tcg_store_ops *ops;
	void *be;
	bool closed;
};

tcg_rc tcg_store_fail(tcg_err *err, const char *what, const char *detail)
{
	return tcg_fail(err, TCG_E_IO, "nonce-store", "%s: %s", what, detail);
}

tcg_rc tcg_store_fail_version(tcg_err *err, long version)
{
	return tcg_fail(err, TCG_E_IO, "nonce-store-schema",
	                "the store's schema version %ld is not one this tool knows (0 to %d)",
	                version, TCG_STORE_SCHEMA_VERSION);
}

/* A PostgreSQL connection: a URI or a service name; anything else is a file. */
static bool is_postgresql(const char *spec)
{
	return strncmp(spec, "postgresql://", 13) == 0 || strncmp(spec, "postgres://", 11) == 0 ||
	       strncmp(spec, "service=", 8) == 0;
}

tcg_rc tcg_nonce_store_open(const char *spec, tcg_nonce_store **out, tcg_err *err)
{
	tcg_nonce_store *s;
	tcg_rc rc;

	*out = NULL;
	s = calloc(1, sizeof *s);
	if (!s)
		return tcg_fail_nomem(err);
	rc = is_postgresql(spec) ? tcg_store_pg_open(spec, &s->be, &s->ops, err)
	                                   : tcg_store_sqlite_open(spec, &s->be, &s->ops, err);
	if (rc) {
		free(s);
		return rc;
	}
	*out = s;
	return TCG_OK;
}

void tcg_nonce_store_close(tcg_nonce_store *s)
{
	if (!s)
		return;
	s->ops->close(s->be);
	free(s);
}

tcg_rc tcg_nonce_check_device(const char *device, tcg_err *err)
{
	size_t n = device ? strnlen(device, TCG_NONCE_DEVICE_MAX + 1) : 0;
	if (n == 0)
		return tcg_fail(err, TCG_E_USAGE, "nonce-device", "the device name is empty");
	if (n > TCG_NONCE_DEVICE_MAX)
		return tcg_fail(err, TCG_E_USAGE, "nonce-device",
		                "the device name is longer than %d bytes", TCG_NONCE_DEVICE_MAX);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)device[i];
		if (c < 0x20 || c > 0x7e)
			return tcg_fail(err, TCG_E_USAGE, "nonce-device",
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
		return tcg_fail_format(err, "nonce-hex", "a nonce is exactly %d hex digits",
		                       2 * TCG_NONCE_SIZE);
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
		return tcg_fail(err, TCG_E_USAGE, "nonce-ttl",
		                "the lifetime must be 1 to %d seconds", TCG_NONCE_TTL_MAX);
	return TCG_OK;
}

static tcg_rc check_time(int64_t ttl, int64_t now, tcg_err *err)
{
	tcg_rc rc = tcg_nonce_check_ttl(ttl, err);
	if (rc)
		return rc;
	if (now < 0 || now > INT64_MAX - TCG_NONCE_TTL_MAX)
		return tcg_fail(err, TCG_E_USAGE, "nonce-ttl", "the current time is out of range");
	return TCG_OK;
}

static tcg_rc random_nonce(uint8_t out[TCG_NONCE_SIZE], tcg_err *err)
{
	size_t got = 0;
	while (got < TCG_NONCE_SIZE) {
		ssize_t n = getrandom(out + got, TCG_NONCE_SIZE - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			OPENSSL_cleanse(out, TCG_NONCE_SIZE);
			return tcg_fail(err, TCG_E_IO, "nonce-random", "getrandom: %s",
			                strerror(errno));
		}
		got += (size_t)n;
	}
	return TCG_OK;
}

tcg_rc tcg_nonce_issue(tcg_nonce_store *s, const char *device, int64_t ttl, int64_t now,
                       uint8_t out[TCG_NONCE_SIZE], tcg_err *err)
{
	tcg_rc rc;

	if ((rc = tcg_nonce_check_device(device, err)) || (rc = check_time(ttl, now, err)))
		return rc;
	if (s->closed) {
		uint8_t ek[TCG_REGISTRY_DIGEST_SIZE];
		bool found = false;
		if ((rc = tcg_registry_lookup(s, device, ek, &found, err)))
			return rc;
		if (!found)
			return tcg_fail_mismatch(err, "device-unknown",
			                         "the registry is closed and '%s' is not enrolled",
			                         device);
	}
	if ((rc = random_nonce(out, err)))
		return rc;
	rc = s->ops->insert(s->be, out, device, now, now + ttl, err);
	if (rc)
		OPENSSL_cleanse(out, TCG_NONCE_SIZE);
	return rc;
}

/* After a refusal: why, for the message only. */
static tcg_rc refusal(tcg_nonce_store *s, const char *device, const uint8_t *nonce,
                      int64_t now, tcg_err *err)
{
	char dev[TCG_NONCE_DEVICE_MAX + 1];
	int64_t expires = 0;
	bool found = false;
	tcg_err why;

	tcg_err_clear(&why);
	if (s->ops->why(s->be, nonce, dev, &expires, &found, &why))
		return tcg_fail_mismatch(err, "nonce-unknown",
		                         "the nonce was not consumed (and the store could not say "
		                         "why: %s)",
		                         why.msg);
	if (!found)
		return tcg_fail_mismatch(err, "nonce-unknown",
		                         "the nonce was never issued, is already used, or was purged");
	if (strcmp(dev, device) != 0)
		return tcg_fail_mismatch(err, "nonce-device-mismatch",
		                         "the nonce was issued for another device (it stays unused)");
	if (expires <= now)
		return tcg_fail_mismatch(err, "nonce-expired", "the nonce expired %lld s ago",
		                         (long long)(now - expires));
	/* Issued again after the refusal: cannot happen with 256 random bits. */
	return tcg_fail_mismatch(err, "nonce-unknown", "the nonce was not found when consumed");
}

tcg_rc tcg_nonce_consume_batch(tcg_nonce_store *s, tcg_nonce_claim *claims, size_t n,
                               int64_t now, tcg_err *err)
{
	bool *won;
	size_t tries = 0;
	tcg_err txn;
	tcg_rc rc;

	if (n > TCG_NONCE_BATCH_MAX)
		return tcg_fail(err, TCG_E_USAGE, "nonce-batch",
		                "a batch holds at most %d nonces", TCG_NONCE_BATCH_MAX);
	if ((rc = check_time(1, now, err)))
		return rc;
	won = calloc(n ? n : 1, sizeof *won);
	if (!won)
		return tcg_fail_nomem(err);
	for (size_t i = 0; i < n; i++) {
		tcg_err_clear(&claims[i].err);
		claims[i].rc = tcg_nonce_check_device(claims[i].device, &claims[i].err);
		won[i] = claims[i].rc == TCG_OK;
		tries += won[i];
	}
	tcg_err_clear(&txn);
	rc = tries ? s->ops->consume(s->be, claims, n, now, won, &txn) : TCG_OK;
	/* Nothing is released before the commit: undecided, every claim fails. */
	for (size_t i = 0; i < n; i++) {
		tcg_nonce_claim *c = &claims[i];
		if (c->rc)
			continue;
		if (rc)
			c->rc = tcg_fail(&c->err, TCG_E_IO, txn.rule, "%s", txn.msg);
		else if (!won[i])
			c->rc = refusal(s, c->device, c->nonce, now, &c->err);
	}
	free(won);
	if (rc && err)
		*err = txn;
	return rc;
}

tcg_rc tcg_nonce_consume(tcg_nonce_store *s, const char *device,
                         const uint8_t nonce[TCG_NONCE_SIZE], int64_t now, tcg_err *err)
{
	tcg_nonce_claim c = { .device = device };
	tcg_rc rc;

	memcpy(c.nonce, nonce, TCG_NONCE_SIZE);
	rc = tcg_nonce_consume_batch(s, &c, 1, now, err);
	if (!rc && c.rc && err)
		*err = c.err;
	OPENSSL_cleanse(c.nonce, sizeof c.nonce);
	return rc ? rc : c.rc;
}

tcg_rc tcg_nonce_purge(tcg_nonce_store *s, int64_t now, uint64_t *count, tcg_err *err)
{
	uint64_t n = 0;
	tcg_rc rc = s->ops->purge(s->be, now, &n, err);
	if (count)
		*count = rc ? 0 : n;
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

	*found = false;
	if ((rc = tcg_nonce_check_device(device, err)))
		return rc;
	return s->ops->reg_get(s->be, device, ek, found, err);
}

static void hex32(const uint8_t *d, char out[2 * TCG_REGISTRY_DIGEST_SIZE + 1])
{
	for (size_t i = 0; i < TCG_REGISTRY_DIGEST_SIZE; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* The name is bound (*found) to ek, or refused under rule naming the digest
 * it is bound to instead. */
static tcg_rc check_binding(tcg_nonce_store *s, const char *device, const uint8_t *ek,
                            bool *found, const char *rule, tcg_err *err)
{
	uint8_t bound[TCG_REGISTRY_DIGEST_SIZE];
	char want[2 * TCG_REGISTRY_DIGEST_SIZE + 1];
	tcg_rc rc;

	if ((rc = tcg_registry_lookup(s, device, bound, found, err)) || !*found)
		return rc;
	/* Digests of public certificates: no secret to compare in constant time. */
	if (memcmp(bound, ek, TCG_REGISTRY_DIGEST_SIZE) == 0)
		return TCG_OK;
	hex32(bound, want);
	return tcg_fail_mismatch(err, rule,
	                         "'%s' is %senrolled with the EK certificate of SHA-256 %s, "
	                         "not this one (re-binding it is the operator's explicit step)",
	                         device, strcmp(rule, "device-enrolled") ? "" : "already ", want);
}

tcg_rc tcg_registry_bind(tcg_nonce_store *s, const char *device,
                         const uint8_t ek[TCG_REGISTRY_DIGEST_SIZE], int64_t now, tcg_err *err)
{
	bool found = false;
	tcg_rc rc;

	if ((rc = tcg_nonce_check_device(device, err)))
		return rc;
	if (!s->closed &&
	    (rc = s->ops->reg_write(s->be, false, device, ek, now, "first-boot-data", err)))
		return rc;
	if ((rc = check_binding(s, device, ek, &found, "device-ek-mismatch", err)))
		return rc;
	if (!found)
		return tcg_fail_mismatch(err, "device-unknown",
		                         "the registry is closed and '%s' is not enrolled", device);
	return TCG_OK;
}

tcg_rc tcg_registry_enroll(tcg_nonce_store *s, const char *device,
                           const uint8_t ek[TCG_REGISTRY_DIGEST_SIZE], bool rebind, int64_t now,
                           tcg_err *err)
{
	bool found = false;
	tcg_rc rc;

	if ((rc = tcg_nonce_check_device(device, err)))
		return rc;
	if (rebind)
		return s->ops->reg_write(s->be, true, device, ek, now, "rebind", err);
	if ((rc = s->ops->reg_write(s->be, false, device, ek, now, "operator", err)) ||
	    (rc = check_binding(s, device, ek, &found, "device-enrolled", err)))
		return rc;
	if (!found)
		return tcg_store_fail(err, "the device was not enrolled", device);
	return TCG_OK;
}
