/*
 * Health facts from a TCG event log (the dha-claims message, see
 * doc/claims-format.md). Facts come only from events that pass every rule:
 * their PCR replays to the given value, their data matches their digest
 * where the type binds data, and their (PCR, type) is one the platform
 * profile expects. Every event that breaks a rule is a problem; in strict
 * mode (the default) any problem makes tcg_claims_derive fail.
 */
#ifndef TCGLOG_CLAIMS_H
#define TCGLOG_CLAIMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tcglog/error.h"
#include "tcglog/log.h"
#include "tcglog/output.h"
#include "tcglog/pcrs.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
	/* Expected PCR values (from a file or a verified quote); NULL: every fact
	 * is unverified. */
	const tcg_pcr_values *expected;
	/* "pcrs-file", "quote" or "none" (the verification.pcrs key). */
	const char *pcrs_source;
	/* Bank to replay and bind with; 0: the strongest bank the log and the
	 * expected values share (never SHA-1 unless allow_sha1). */
	uint16_t bank;
	bool allow_sha1;
	/* Lenient: problems are named in the output but do not fail. */
	bool lenient;
	/* Digest of the log bytes for verification.log.sha256 (may be NULL). */
	const uint8_t *log_sha256;
} tcg_claims_opts;

typedef struct tcg_claims tcg_claims;

/* The platform profile whose facts a log gives: Windows when the log closes
 * PCR 12-14 with "WBCL" separators, else UEFI Linux. */
typedef enum { TCG_PROFILE_LINUX, TCG_PROFILE_WINDOWS, TCG_PROFILE_COUNT } tcg_profile;
tcg_profile tcg_claims_log_profile(const tcg_log *log);

/*
 * Derive the facts. On TCG_OK or TCG_E_MISMATCH *out holds the claims (with
 * TCG_E_MISMATCH, err names the first problem: rule, event and offset); other
 * codes leave *out NULL. hasher may be NULL.
 */
tcg_rc tcg_claims_derive(const tcg_log *log, const tcg_claims_opts *opts, tcg_claims **out,
                         tcg_err *err);
void tcg_claims_free(tcg_claims *c);

/* The events that broke a rule, in log order (each with rule, event, offset). */
size_t tcg_claims_num_problems(const tcg_claims *c);
const tcg_err *tcg_claims_problem(const tcg_claims *c, size_t i);

/* A log read from a file, the PCR values it is checked against, and its claims. */
typedef struct {
	uint8_t *data;
	tcg_log *log;
	tcg_pcr_values *pcrs;
	tcg_claims *claims;
	const char *failed_file; /* the file an error is about, or NULL */
} tcg_claims_input;

/*
 * Read LOG (and PCR values from pcrs_path, or none), derive the claims with
 * opts (expected, pcrs_source and log_sha256 are filled in here). Returns as
 * tcg_claims_derive; in->claims is set on TCG_OK and TCG_E_MISMATCH.
 */
tcg_rc tcg_claims_load(const char *log_path, const char *pcrs_path, tcg_claims_opts opts,
                       tcg_claims_input *in, tcg_err *err);
void tcg_claims_input_free(tcg_claims_input *in);

/* Write the dha-claims YAML document. */
tcg_rc tcg_claims_write(const tcg_claims *c, FILE *f, tcg_err *err);
/* The same document in fmt (TCG_OUT_JSON: one line); TCG_E_USAGE for no
 * such format. */
tcg_rc tcg_claims_write_as(const tcg_claims *c, tcg_out_format fmt, FILE *f, tcg_err *err);

/*
 * Walk the SIPA items of one EV_EVENT_TAG event's data (TCG_PCClientTaggedEvent).
 * Containers are entered to at most TCG_SIPA_MAX_DEPTH levels. The callbacks
 * may be NULL; a non-zero return from one stops the walk with TCG_E_MISMATCH.
 */
typedef struct {
	int (*enter)(void *ctx, uint32_t id, unsigned depth);
	int (*leave)(void *ctx, uint32_t id, unsigned depth);
	int (*item)(void *ctx, uint32_t id, const uint8_t *data, size_t len, unsigned depth);
} tcg_sipa_visitor;

tcg_rc tcg_sipa_walk(const uint8_t *data, size_t len, const tcg_sipa_visitor *v, void *ctx,
                     tcg_err *err);

#ifdef __cplusplus
}
#endif
#endif
