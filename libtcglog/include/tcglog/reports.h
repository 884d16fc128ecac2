/*
 * The DHA-Reports the service keeps, per device, in its store (nonce.h: the
 * same SQLite file or PostgreSQL database as the nonces and the registry,
 * schema version 3). Each kept report has the device name, the appraisal
 * time, the verdict, whether it is attributed to the device, the rules that
 * failed, the policy name and the report's XML, all taken from the report
 * itself (tcg_report_row_from_xml), so a row never says what its XML does
 * not.
 *
 * Attributed: a verified report, or a failed verification whose sender
 * proved to be the device (dha.h tcg_dha_failure_write). Anyone can send a
 * signedblob under any device's name: the failure it earns is kept (for
 * incident response: the device's history lists it) but unattributed, so it
 * never changes the device's latest status. Rows kept before schema version 3
 * count as attributed, as they did.
 *
 * Rules (tcg_err.rule):
 *   report-device   the report names no device (verification.dha.device,
 *                   or verification.device of a failed verification), or
 *                   one that is not 1..255 bytes of printable ASCII (exit 2)
 *   report-attributed  a failed verification's verification.attributed
 *                   fact is not a boolean (exit 2)
 *   report-size     the XML is larger than TCG_REPORTS_XML_MAX (exit 2)
 *   report-time     a time is neither seconds since the epoch nor
 *                   YYYY-MM-DDTHH:MM:SSZ (exit 2)
 *   report-keep     a retention outside 1 second to TCG_REPORTS_KEEP_MAX
 *                   (exit 2)
 *   nonce-store     the store failed (exit 3)
 */
#ifndef TCGLOG_REPORTS_H
#define TCGLOG_REPORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tcglog/error.h"
#include "tcglog/nonce.h"
#include "tcglog/output.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TCG_REPORTS_XML_MAX (1u << 20)        /* bytes of one kept report */
#define TCG_REPORTS_KEEP_MAX (3650LL * 86400) /* ten years */
#define TCG_REPORTS_TIME_LEN 20               /* "YYYY-MM-DDTHH:MM:SSZ" */

/* A kept report. */
typedef struct {
	char device[TCG_NONCE_DEVICE_MAX + 1];
	int64_t time;  /* the appraisal time (tcg:Appraisal issued), seconds since the epoch */
	bool compliant;
	bool attributed; /* it may decide the device's status (above) */
	char *failing; /* ids of the rules whose outcome is fail, space-separated; for a
	                  failed verification its rule; "" when none */
	char *policy;  /* the policy's name */
	char *xml;     /* the report; NULL in rows listed back */
	size_t xml_len;
} tcg_report_row;

/* The row of a report written by dha-policy (read strictly, tcg_report_read). */
tcg_rc tcg_report_row_from_xml(const uint8_t *xml, size_t len, tcg_report_row *row,
                               tcg_err *err);
void tcg_report_row_free(tcg_report_row *row);

/* Keep row (its xml included) in the store. */
tcg_rc tcg_reports_add(tcg_nonce_store *s, const tcg_report_row *row, tcg_err *err);

typedef struct {
	const char *device; /* NULL: the latest report of each device, by device name */
	int64_t since;      /* only rows appraised at or after it (0: all) */
	int verdict;        /* -1 any, 0 non-compliant, 1 compliant */
} tcg_reports_query;

/*
 * Call each for every row the query selects: without a device the latest
 * attributed report of each device (the filters apply to that report: a
 * device whose latest report is compliant is not listed as non-compliant; a
 * device with none is not listed), ordered by the device name's bytes; with
 * one, that device's reports, attributed or not, oldest first.
 * A nonzero return of each stops the listing and is returned.
 */
tcg_rc tcg_reports_list(tcg_nonce_store *s, const tcg_reports_query *q,
                        tcg_rc (*each)(void *arg, const tcg_report_row *row, tcg_err *err),
                        void *arg, tcg_err *err);

/* Drop the reports appraised before now - keep; count (may be NULL) gets how many. */
tcg_rc tcg_reports_purge(tcg_nonce_store *s, int64_t keep, int64_t now, uint64_t *count,
                         tcg_err *err);

/* A retention: N, Ns, Nm, Nh or Nd, 1 second to TCG_REPORTS_KEEP_MAX (report-keep). */
tcg_rc tcg_reports_keep_parse(const char *s, int64_t *seconds, tcg_err *err);

/* A time: seconds since the epoch, or YYYY-MM-DDTHH:MM:SSZ (UTC) (report-time). */
tcg_rc tcg_reports_time_parse(const char *s, int64_t *t, tcg_err *err);

/* t as YYYY-MM-DDTHH:MM:SSZ; false when it has no such form. */
bool tcg_reports_time_format(int64_t t, char out[TCG_REPORTS_TIME_LEN + 1]);

/*
 * One listed row as a document (dha-report status --format json: one line
 * each): device, time (YYYY-MM-DDTHH:MM:SSZ), verdict, attributed (a
 * boolean), policy, and failing as a list of rule ids. nonce-store (TCG_E_IO) for a time with no such form;
 * TCG_E_IO (yaml-output) when writing to out fails, TCG_E_NOMEM; TCG_E_USAGE
 * for no such format.
 */
tcg_rc tcg_report_row_write(const tcg_report_row *row, tcg_out_format fmt, FILE *out,
                            tcg_err *err);

#ifdef __cplusplus
}
#endif
#endif
