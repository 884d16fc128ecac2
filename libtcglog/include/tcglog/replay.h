/* PCR replay of an event log, per bank, and comparison with expected values. */
#ifndef TCGLOG_REPLAY_H
#define TCGLOG_REPLAY_H

#include "tcglog/log.h"
#include "tcglog/output.h"
#include "tcglog/pcrs.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
	/* Each bank of the log that the crypto library can hash: all 24 PCRs, less
	 * those with an event that lacks this bank's digest (partial-digests). */
	tcg_pcr_values pcrs;
	/* Banks the log carries that could not be replayed (unknown algorithm). */
	size_t num_skipped;
	uint16_t skipped[TCG_MAX_BANKS];
	uint32_t extended;      /* bit i: the log extends PCR i */
	int startup_locality;   /* -1: none in the log */
	bool hcrtm;             /* PCR 0 started at H-CRTM's ...04 */
	bool drtm;              /* PCRs 17-22 started at zero, not all-FF */
	unsigned quirks;        /* named workarounds the replay applied */
	/* With TCG_QUIRK_MISSING_EBS: which unlogged sequence was appended to PCR 5. */
	const char *ebs_variant;
} tcg_replay_result;

/*
 * Replay every bank. Rules: EV_NO_ACTION and PCR 0xFFFFFFFF never extend;
 * StartupLocality sets PCR 0's initial value only when it precedes every
 * PCR 0 extend; an EV_EFI_HCRTM_EVENT as the first PCR 0 event starts PCR 0
 * at ...04; PCRs 17-22 start at all-FF unless the log holds a DRTM sequence.
 * hasher may be NULL.
 */
tcg_rc tcg_replay(const tcg_log *log, tcg_hasher *hasher, tcg_replay_result *out,
                  tcg_err *err);

/* One PCR that did not match. */
typedef struct {
	uint16_t alg;
	uint32_t pcr;
	bool missing_bank; /* the expected bank is not in the log */
	bool unreplayable; /* an event of this PCR lacks this bank's digest */
} tcg_pcr_mismatch;

/*
 * Compare a replay with expected values: every PCR listed in expected.
 * allowed_quirks may hold TCG_QUIRK_MISSING_EBS: then a PCR 5 that does not
 * match is retried with the ExitBootServices events appended that some
 * firmware extends without logging (only when the log has none), and the
 * result records the variant. The first max mismatches go to mm and *total
 * receives their count: TCG_E_MISMATCH when there is any, TCG_OK when every
 * listed PCR matched, another code when the comparison itself failed.
 */
tcg_rc tcg_replay_compare(const tcg_log *log, tcg_hasher *hasher, tcg_replay_result *r,
                          const tcg_pcr_values *expected, unsigned allowed_quirks,
                          tcg_pcr_mismatch *mm, size_t max, size_t *total, tcg_err *err);

/*
 * The replayed PCRs (r->pcrs, as tcg_pcrs_write lays them out: what
 * tcg_pcrs_parse reads back). TCG_E_IO (yaml-output) when writing to out
 * fails, TCG_E_NOMEM; TCG_E_USAGE for no such format.
 */
tcg_rc tcg_replay_write(const tcg_replay_result *r, tcg_out_format fmt, FILE *out, tcg_err *err);

/*
 * The document of a comparison (r and mm as tcg_replay_compare left them,
 * num_mm the mismatches it kept in mm): verified when there is none, the
 * quirks the log and the comparison accepted (and which ExitBootServices
 * sequence missing-ebs appended), and each mismatch: its bank, and the PCR
 * with "missing" (no such bank in the log), "unreplayable", or the replayed
 * and the expected value. Errors as tcg_replay_write.
 */
tcg_rc tcg_replay_compare_write(const tcg_log *log, const tcg_replay_result *r,
                                const tcg_pcr_values *expected, const tcg_pcr_mismatch *mm,
                                size_t num_mm, tcg_out_format fmt, FILE *out, tcg_err *err);

#ifdef __cplusplus
}
#endif
#endif
