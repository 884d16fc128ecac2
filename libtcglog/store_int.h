/*
 * The seam between the store interface (store.c) and its backends
 * (store_sqlite.c, store_pg.c). store.c keeps every rule: input checks,
 * randomness, closed registry, the reason given for a refusal. A backend
 * only runs statements, each answering TCG_E_IO (rule nonce-store) when the
 * database fails.
 */
#ifndef TCGLOG_STORE_INT_H
#define TCGLOG_STORE_INT_H

#include "tcglog/nonce.h"
#include "tcglog/reports.h"

struct tcg_store_ops {
	void (*close)(void *be);
	tcg_rc (*insert)(void *be, const uint8_t *nonce, const char *device, int64_t issued,
	                 int64_t expires, tcg_err *err);
	/* Delete each claim's nonce when it is the claim's device's and not
	 * expired, all in one transaction. won[i] comes in true for the claims
	 * to try and goes out true for those this transaction deleted; they are
	 * decided only when it returns TCG_OK (committed). */
	tcg_rc (*consume)(void *be, const tcg_nonce_claim *claims, size_t n, int64_t now,
	                  bool *won, tcg_err *err);
	/* The device and expiry of a nonce still in the store (*found). */
	tcg_rc (*why)(void *be, const uint8_t *nonce, char device[TCG_NONCE_DEVICE_MAX + 1],
	              int64_t *expires, bool *found, tcg_err *err);
	tcg_rc (*purge)(void *be, int64_t now, uint64_t *count, tcg_err *err);
	/* Bind device to ek: only when it is not bound yet, or replacing it. */
	tcg_rc (*reg_write)(void *be, bool replace, const char *device, const uint8_t *ek,
	                    int64_t now, const char *how, tcg_err *err);
	tcg_rc (*reg_get)(void *be, const char *device, uint8_t *ek, bool *found, tcg_err *err);
	/* Kept reports: row's strings are checked by store.c. */
	tcg_rc (*rep_add)(void *be, const tcg_report_row *row, tcg_err *err);
	/* The rows of q, verdict as its text ("" any), each given a row whose
	 * strings live until each returns; store.c checks them. */
	tcg_rc (*rep_list)(void *be, const tcg_reports_query *q, const char *verdict,
	                   tcg_rc (*each)(void *arg, const tcg_report_row *row, tcg_err *err),
	                   void *arg, tcg_err *err);
	tcg_rc (*rep_purge)(void *be, int64_t before, uint64_t *count, tcg_err *err);
};

/* The SQL of a listing: the latest report of each device, or one device's
 * history (the same text on both backends but for the parameters' form). */
#define TCG_REPORTS_COLUMNS \
	"SELECT device, appraised, verdict, failing, policy, attributed FROM reports"
/* Only attributed rows decide a status (reports.h): the latest of them. The
 * bare column is the partial index reports_attributed's condition (SQLite's
 * 0 or 1 is a truth value there), and the row-value comparison one range of
 * it, so however many unattributed rows anyone sends under a name, the
 * listing reads none of them. */
#define TCG_REPORTS_NEWER \
	"r.attributed AND NOT EXISTS (SELECT 1 FROM reports n WHERE " \
	"n.device = r.device AND n.attributed AND (n.appraised, n.id) > (r.appraised, r.id))"

/* Open a backend: *be and *ops on success. */
tcg_rc tcg_store_sqlite_open(const char *path, void **be, const struct tcg_store_ops **ops,
                             tcg_err *err);
tcg_rc tcg_store_pg_open(const char *conninfo, void **be, const struct tcg_store_ops **ops,
                         tcg_err *err);

/* The failure of a backend: TCG_E_IO, rule nonce-store, "what: detail". */
tcg_rc tcg_store_fail(tcg_err *err, const char *what, const char *detail);

/* A schema at a version this library cannot use (nonce-store-schema). */
tcg_rc tcg_store_fail_version(tcg_err *err, long version);

#endif
