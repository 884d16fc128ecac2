/*
 * The DHA-Report: Microsoft's HealthCertificateValidationResponse v3 (its
 * namespace, element set and order, BitlockerStatus spelling) with our
 * appraisal in urn:tcglog:dha-report:1 (schema/tcglog-dha-report.xsd).
 *
 * HealthCertificateProperties is written for every verified claims document
 * (verification.verified true): Issued (the appraisal time) and each element
 * whose fact the claims' health: section establishes, in Microsoft's order;
 * nothing is guessed. The elements Microsoft requires that are unknown are
 * named, space-separated, in tcg:Unknown after Microsoft's elements.
 *
 * Offline: claims not verified against a quote (verification.pcrs other than
 * "quote", or verified false). The root then carries tcg:offline="true" and
 * tcg:Appraisal offline="true", the ErrorMessage says so, and AIKPresent,
 * ResetCount, RestartCount and TpmVersion (a quote's facts) are unknown.
 * Unverified claims get no HealthCertificateProperties.
 *
 * Text: facts are copied byte for byte when they are XML characters in UTF-8.
 * Otherwise the fact carries escaped="true" and its text (every item of a
 * list) is escaped: \uXXXX for a character XML cannot hold (controls, NUL,
 * U+FFFE, U+FFFF), \xHH for a byte that is not UTF-8, \\ for a backslash.
 * Claims keys must be names (as tcg_claims_doc_parse checks them) or the
 * report is refused (claims-key). Every fact of the claims (all sections, verification
 * included) is also in tcg:Facts, which is what the reader reads back.
 *
 * A failed verification (claims as dha-verify writes them for a refused
 * input: verification {verified: false, result: failed, rule, message,
 * attributed, mismatch}) makes a report of its own: ErrorCode TCG_REPORT_ERROR_VERIFICATION,
 * ErrorMessage "rule: message", no HealthCertificateProperties,
 * HealthStatusMismatchFlags (all six, in order) when the claims carry
 * verification.mismatch, and an appraisal whose verdict is non-compliant with
 * no rule evaluated (tcg:Rules empty: nothing unverified is judged); the facts
 * are the verification section's only, verification.attributed among them
 * (the fact tcg_report_row_from_xml reads: whether the failure is the
 * device's own, dha.h tcg_dha_failure_write).
 */
#ifndef TCGLOG_REPORT_H
#define TCGLOG_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "tcglog/dha.h"
#include "tcglog/error.h"
#include "tcglog/policy.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TCG_REPORT_NS_MS \
	"http://schemas.microsoft.com/windows/security/healthcertificate/validation/response/v3"
#define TCG_REPORT_NS "urn:tcglog:dha-report:1"
#define TCG_REPORT_MAX_SIZE (16u << 20)
#define TCG_REPORT_MAX_FACTS 100000
/* ErrorCode of a report on DHA-Data that failed verification. */
#define TCG_REPORT_ERROR_VERIFICATION 1

/* A fact: dotted path, type (bool, int, string, null, list, absent), text
 * value (scalars) or items (list of scalars). */
typedef struct {
	char *path;
	char *type;
	char *value;
	char **items;
	size_t nitems;
	bool escaped; /* value and items are in the escaped form (above) */
} tcg_report_fact;

typedef struct {
	char *id;
	char *severity; /* deny | warn */
	char *unknown;  /* fail | pass | warn */
	char *result;   /* pass | fail | unknown */
	char *outcome;  /* pass | fail | warn */
	tcg_report_fact *reads;
	size_t nreads;
} tcg_report_rule;

typedef struct {
	int error_code;
	char *error_message;
	int protocol_version;
	char *issued;          /* xs:dateTime, UTC */
	bool offline;          /* claims not verified against a quote (above) */
	char *policy_name, *policy_version, *policy_sha256; /* hex, lower case */
	bool compliant;
	tcg_report_rule *rules;
	size_t nrules;
	tcg_report_fact *facts;
	size_t nfacts;
	/* HealthStatusMismatchFlags, by tcg_dha_mismatch (written when has_mismatch) */
	bool has_mismatch;
	bool mismatch[TCG_DHA_MISMATCH_COUNT];
} tcg_report;

/* Build a report from a policy, its evaluation and the claims; now is the
 * appraisal time. Whether it is offline follows from the claims. */
tcg_rc tcg_report_build(const tcg_policy *p, const tcg_evaluation *ev, const tcg_ynode *claims,
                        time_t now, tcg_report *r, tcg_err *err);

/*
 * Whether claims record a failed verification (verification.result present).
 * A record that is not dha-verify's is refused, TCG_E_FORMAT with the claims'
 * FILE:LINE:COLUMN (rule claims-verification): result other than "failed",
 * verified not false, rule or message missing or not text, attributed
 * missing or not a boolean, mismatch not a mapping of the six flag names to
 * booleans.
 */
tcg_rc tcg_report_failed_check(const tcg_claims_doc *c, bool *failed, tcg_err *err);
/* The report of a failed verification (claims checked by tcg_report_failed_check). */
tcg_rc tcg_report_build_failed(const tcg_policy *p, const tcg_ynode *claims, time_t now,
                               tcg_report *r, tcg_err *err);

/* Whether n bytes are UTF-8 made of characters XML 1.0 can hold: text that is
 * written as it is (anything else is escaped, or refused where it has no
 * mark: policy names, versions, descriptions and rule ids). */
bool tcg_report_text_ok(const char *s, size_t n);

tcg_rc tcg_report_write(const tcg_report *r, FILE *out, tcg_err *err);
/* Write into a malloc'd buffer (*xml, *len). */
tcg_rc tcg_report_write_mem(const tcg_report *r, char **xml, size_t *len, tcg_err *err);
/* Read a report written by tcg_report_write (strict on our part). */
tcg_rc tcg_report_read(const uint8_t *xml, size_t len, tcg_report *r, tcg_err *err);
void tcg_report_free(tcg_report *r);

#ifdef __cplusplus
}
#endif
#endif
