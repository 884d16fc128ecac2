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
#include <time.h>

#include "dha_int.h"
#include "output_int.h"
#include "store_int.h"
#include "tcglog/report.h"

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

	if ((rc = tcg_nonce_check_device(device, err)) ||
	    (rc = check_binding(s, device, ek, &found, "device-ek-mismatch", err)))
		return rc;
	/* A bound device (every boot data but its first) costs one read, no
	 * write; a new one is inserted if still absent, then read back, so of
	 * racing first bindings the one that won decides. */
	if (!found && !s->closed &&
	    ((rc = s->ops->reg_write(s->be, false, device, ek, now, "first-boot-data", err)) ||
	     (rc = check_binding(s, device, ek, &found, "device-ek-mismatch", err))))
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

/* ---- kept reports ---- */

static const tcg_report_fact *report_fact(const tcg_report *r, const char *path)
{
	for (size_t i = 0; i < r->nfacts; i++)
		if (r->facts[i].path && !strcmp(r->facts[i].path, path))
			return &r->facts[i];
	return NULL;
}

/* The verified device, else the one a failed verification was claimed for. */
static tcg_rc report_device(const tcg_report *r, char out[TCG_NONCE_DEVICE_MAX + 1],
                            tcg_err *err)
{
	const tcg_report_fact *f = report_fact(r, "verification.dha.device");
	tcg_err e;

	if (!f)
		f = report_fact(r, "verification.device");
	if (!f || !f->value || !f->type || strcmp(f->type, "string"))
		return tcg_fail_format(err, "report-device",
		                       "the report names no device (verification.dha.device)");
	if (f->escaped || tcg_nonce_check_device(f->value, &e))
		return tcg_fail_format(err, "report-device",
		                       "the report's device name is not 1 to %d bytes of printable "
		                       "ASCII",
		                       TCG_NONCE_DEVICE_MAX);
	snprintf(out, TCG_NONCE_DEVICE_MAX + 1, "%s", f->value);
	return TCG_OK;
}

/* The ids of the failed rules, space-separated; a failed verification's rule. */
static char *report_failing(const tcg_report *r)
{
	size_t n = 1;
	char *out, *p;

	if (r->error_code == TCG_REPORT_ERROR_VERIFICATION && r->error_message)
		return strndup(r->error_message, strcspn(r->error_message, ": "));
	for (size_t i = 0; i < r->nrules; i++)
		if (r->rules[i].outcome && !strcmp(r->rules[i].outcome, "fail"))
			n += strlen(r->rules[i].id) + 1;
	if (!(out = p = malloc(n)))
		return NULL;
	*p = '\0';
	for (size_t i = 0; i < r->nrules; i++)
		if (r->rules[i].outcome && !strcmp(r->rules[i].outcome, "fail"))
			p += sprintf(p, "%s%s", p == out ? "" : " ", r->rules[i].id);
	return out;
}

/*
 * Whether the report may decide its device's status: a verified report, or a
 * failed verification the sender proved to be the device's own (fact
 * verification.attributed, dha.h tcg_dha_failure_write). A failed one without
 * the fact was written before it existed and counts as attributed, as it did.
 */
static tcg_rc report_attributed(const tcg_report *r, bool *attributed, tcg_err *err)
{
	const tcg_report_fact *f = report_fact(r, "verification.attributed");

	*attributed = true;
	if (r->error_code != TCG_REPORT_ERROR_VERIFICATION || !f)
		return TCG_OK;
	if (f->escaped || !f->type || strcmp(f->type, "bool") || !f->value ||
	    (strcmp(f->value, "true") && strcmp(f->value, "false")))
		return tcg_fail_format(err, "report-attributed",
		                       "the report's verification.attributed is not true or false");
	*attributed = !strcmp(f->value, "true");
	return TCG_OK;
}

static tcg_rc row_fill(const tcg_report *r, const uint8_t *xml, size_t len, tcg_report_row *row,
                       tcg_err *err)
{
	tcg_rc rc;

	if ((rc = report_device(r, row->device, err)) ||
	    (rc = report_attributed(r, &row->attributed, err)))
		return rc;
	if (!r->issued || tcg_reports_time_parse(r->issued, &row->time, err))
		return tcg_fail_format(err, "report-time", "the report's appraisal time is not "
		                                           "YYYY-MM-DDTHH:MM:SSZ");
	row->compliant = r->compliant;
	row->failing = report_failing(r);
	row->policy = strdup(r->policy_name ? r->policy_name : "");
	row->xml = malloc(len + 1);
	if (!row->failing || !row->policy || !row->xml)
		return tcg_fail_nomem(err);
	memcpy(row->xml, xml, len);
	row->xml[len] = '\0';
	row->xml_len = len;
	return TCG_OK;
}

tcg_rc tcg_report_row_from_xml(const uint8_t *xml, size_t len, tcg_report_row *row,
                               tcg_err *err)
{
	tcg_report r;
	tcg_rc rc;

	memset(row, 0, sizeof *row);
	if (len > TCG_REPORTS_XML_MAX)
		return tcg_fail_format(err, "report-size", "a kept report is at most %u bytes",
		                       TCG_REPORTS_XML_MAX);
	/* The store keeps it as text. */
	if (memchr(xml, '\0', len))
		return tcg_fail_format(err, "report-size", "the report holds a NUL byte");
	if ((rc = tcg_report_read(xml, len, &r, err)))
		return rc;
	rc = row_fill(&r, xml, len, row, err);
	tcg_report_free(&r);
	if (rc)
		tcg_report_row_free(row);
	return rc;
}

void tcg_report_row_free(tcg_report_row *row)
{
	if (!row)
		return;
	free(row->failing);
	free(row->policy);
	free(row->xml);
	memset(row, 0, sizeof *row);
}

tcg_rc tcg_reports_add(tcg_nonce_store *s, const tcg_report_row *row, tcg_err *err)
{
	tcg_rc rc;

	if ((rc = tcg_nonce_check_device(row->device, err)))
		return rc;
	if (!row->failing || !row->policy || !row->xml || row->xml_len > TCG_REPORTS_XML_MAX ||
	    strlen(row->xml) != row->xml_len)
		return tcg_fail(err, TCG_E_USAGE, "report-size",
		                "a kept report needs its failing rules, policy and XML of at most "
		                "%u bytes",
		                TCG_REPORTS_XML_MAX);
	return s->ops->rep_add(s->be, row, err);
}

typedef struct {
	tcg_rc (*each)(void *arg, const tcg_report_row *row, tcg_err *err);
	void *arg;
} list_ctx;

/* A row as the backend read it: its device name checked again before use. */
static tcg_rc checked_row(void *arg, const tcg_report_row *row, tcg_err *err)
{
	const list_ctx *c = arg;
	tcg_err e;

	if (tcg_nonce_check_device(row->device, &e))
		return tcg_store_fail(err, "a kept report is damaged", "its device name");
	return c->each(c->arg, row, err);
}

tcg_rc tcg_reports_list(tcg_nonce_store *s, const tcg_reports_query *q,
                        tcg_rc (*each)(void *arg, const tcg_report_row *row, tcg_err *err),
                        void *arg, tcg_err *err)
{
	static const char *const verdicts[] = { "", "non-compliant", "compliant" };
	list_ctx c = { each, arg };
	tcg_rc rc;

	if (q->device && (rc = tcg_nonce_check_device(q->device, err)))
		return rc;
	if (q->since < 0 || q->verdict < -1 || q->verdict > 1)
		return tcg_fail(err, TCG_E_USAGE, "report-time",
		                "a listing starts at a time since the epoch, for a verdict");
	return s->ops->rep_list(s->be, q, verdicts[q->verdict + 1], checked_row, &c, err);
}

tcg_rc tcg_reports_purge(tcg_nonce_store *s, int64_t keep, int64_t now, uint64_t *count,
                         tcg_err *err)
{
	uint64_t n = 0;
	tcg_rc rc;

	if (keep < 1 || keep > TCG_REPORTS_KEEP_MAX)
		return tcg_fail(err, TCG_E_USAGE, "report-keep",
		                "reports are kept 1 second to %lld days",
		                TCG_REPORTS_KEEP_MAX / 86400);
	if ((rc = check_time(1, now, err)))
		return rc;
	rc = s->ops->rep_purge(s->be, now - keep, &n, err);
	if (count)
		*count = rc ? 0 : n;
	return rc;
}

tcg_rc tcg_reports_keep_parse(const char *s, int64_t *seconds, tcg_err *err)
{
	if (tcg_duration_parse(s, TCG_REPORTS_KEEP_MAX, seconds))
		return TCG_OK;
	return tcg_fail(err, TCG_E_USAGE, "report-keep",
	                "'%.32s' is not a duration of 1 second to %lld days (N, Ns, Nm, Nh, Nd)",
	                s ? s : "", TCG_REPORTS_KEEP_MAX / 86400);
}

/* Up to the year 9999: what the text form holds. */
#define TIME_MAX 253402300799LL

bool tcg_reports_time_format(int64_t t, char out[TCG_REPORTS_TIME_LEN + 1])
{
	struct tm tm;
	time_t tt = (time_t)t;

	return t >= 0 && t <= TIME_MAX && gmtime_r(&tt, &tm) &&
	       strftime(out, TCG_REPORTS_TIME_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm) ==
	               TCG_REPORTS_TIME_LEN;
}

tcg_rc tcg_reports_time_parse(const char *s, int64_t *t, tcg_err *err)
{
	char back[TCG_REPORTS_TIME_LEN + 1];
	size_t digits = s ? strspn(s, "0123456789") : 0;
	struct tm tm = { 0 };

	*t = 0;
	if (digits && !s[digits] && digits <= 12) {
		*t = strtoll(s, NULL, 10);
		if (*t <= TIME_MAX)
			return TCG_OK;
	} else if (s && strlen(s) == TCG_REPORTS_TIME_LEN &&
	           sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec) == 6) {
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		*t = (int64_t)timegm(&tm);
		/* Written back the same: no field out of range, no sign or space. */
		if (tcg_reports_time_format(*t, back) && !strcmp(back, s))
			return TCG_OK;
	}
	*t = 0;
	return tcg_fail(err, TCG_E_USAGE, "report-time",
	                "'%.32s' is neither seconds since the epoch nor YYYY-MM-DDTHH:MM:SSZ",
	                s ? s : "");
}

tcg_rc tcg_report_row_write(const tcg_report_row *row, tcg_out_format fmt, FILE *out,
                            tcg_err *err)
{
	char when[TCG_REPORTS_TIME_LEN + 1];
	const char *p = row->failing ? row->failing : "";
	tcg_yaml *y;
	tcg_rc rc;

	if (!tcg_reports_time_format(row->time, when))
		return tcg_fail(err, TCG_E_IO, "nonce-store", "a kept report's time is out of range");
	if ((rc = tcg_out_open(fmt, out, &y, err)))
		return rc;
	tcg_yaml_map_start(y);
	tcg_yaml_kv_cstr(y, "device", row->device);
	tcg_yaml_kv_cstr(y, "time", when);
	tcg_yaml_kv_cstr(y, "verdict", row->compliant ? "compliant" : "non-compliant");
	tcg_yaml_kv_bool(y, "attributed", row->attributed);
	tcg_yaml_kv_cstr(y, "policy", row->policy ? row->policy : "");
	tcg_yaml_key(y, "failing");
	tcg_yaml_seq_start(y);
	while (*p) {
		size_t n = strcspn(p, " ");
		if (n)
			tcg_yaml_str(y, p, n);
		p += n + (p[n] == ' ');
	}
	tcg_yaml_seq_end(y);
	tcg_yaml_map_end(y);
	return tcg_yaml_finish(y, err);
}
