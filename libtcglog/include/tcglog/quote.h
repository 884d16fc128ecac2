/*
 * TPM 2.0 quotes: a TPMS_ATTEST signed by an attestation key, checked against
 * a nonce and against PCR values or an event log.
 */
#ifndef TCGLOG_QUOTE_H
#define TCGLOG_QUOTE_H

#include "tcglog/log.h"
#include "tcglog/output.h"
#include "tcglog/pcrs.h"
#include "tcglog/tpm.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TCG_TPM_GENERATED 0xFF544347u
#define TCG_ST_ATTEST_QUOTE 0x8018
#define TCG_MAX_SELECTION_BANKS 16

/* A TPML_PCR_SELECTION: banks in the order the TPM hashed them. */
typedef struct {
	size_t num_banks;
	struct {
		uint16_t alg;
		uint32_t mask; /* bit i: PCR i */
	} bank[TCG_MAX_SELECTION_BANKS];
} tcg_pcr_selection;

/*
 * A selection in tpm2-tools' syntax: "sha256:0,1,2-7+sha1:0" (banks joined
 * by '+', each "NAME:LIST" with LIST as tcg_pcr_list_parse). False when
 * malformed, a bank is unknown, repeated, or there are too many banks.
 */
bool tcg_pcr_selection_parse(const char *s, tcg_pcr_selection *out);
/* The canonical text of a selection: banks in order, PCRs ascending, no
 * ranges ("sha256:0,1,2"). False when cap is too small. */
bool tcg_pcr_selection_format(const tcg_pcr_selection *sel, char *out, size_t cap);
/* Same banks in the same order with the same PCRs. */
bool tcg_pcr_selection_equal(const tcg_pcr_selection *a, const tcg_pcr_selection *b);

/* The fields of a TPMS_ATTEST (quote body only when type is ATTEST_QUOTE). */
typedef struct {
	uint32_t magic;
	uint16_t type;
	uint8_t signer[TCG_MAX_NAME];
	size_t signer_len;
	uint8_t extra[64];
	size_t extra_len;
	uint64_t clock;
	uint32_t reset_count, restart_count;
	bool safe;
	uint64_t firmware_version;
	tcg_pcr_selection selection;
	uint8_t pcr_digest[64];
	size_t pcr_digest_len;
} tcg_attest;

/* A quote's TPMS_ATTEST, strictly: every length within its cap and the bytes
 * there are, no trailing bytes (TCG_E_FORMAT: attest-unmarshal, attest-size,
 * attest-trailing-data, quote-selection). Another magic or type is not a quote:
 * TCG_E_MISMATCH quote-magic or quote-type. */
tcg_rc tcg_attest_parse(const uint8_t *data, size_t len, tcg_attest *out, tcg_err *err);

typedef struct {
	const uint8_t *nonce; /* expected extraData; required */
	size_t nonce_len;
	bool allow_sha1;      /* SHA-1 nameAlg, signing hash or PCR bank */
	/* Exactly one of: PCR values (their selection must equal the quote's), or
	 * an event log replayed for the quote's selection. */
	const tcg_pcr_values *pcrs;
	const tcg_log *log;
	/* The selection the caller requires (banks in any order); NULL: any
	 * selection that proves something (see tcg_quote_verify). */
	const tcg_pcr_selection *require;
	/* Accept a bare public key (PEM): it carries no TPM attributes, so
	 * nothing shows it is a restricted, fixedTPM key and a quote signed by
	 * any key that signs anything is accepted. Refused unless set. */
	bool ak_unchecked;
	/* Leave attest.safe to the caller (who names its own rule for it). */
	bool allow_unsafe_clock;
} tcg_quote_opts;

typedef struct {
	tcg_attest attest;
	bool ak_checked;        /* false for a bare (PEM) key (opts.ak_unchecked) */
	/* The AK, the signature with its own scheme, magic, type and nonce
	 * passed: the quote is the TPM's own word, and a refusal after this is
	 * about the state it reports (clock, selection, PCR values). */
	bool authentic;
	uint16_t sig_scheme, sig_hash;
	tcg_pcr_values pcrs;    /* the verified PCR values, by the quote's selection
	                         * (banks past pcrs.num_banks are left as they were) */
} tcg_quote_result;

/*
 * Verify: magic TPM_GENERATED and type ATTEST_QUOTE (as the attestation is
 * read, tcg_attest_parse), AK rules (tcg_ak_check; a bare key only with
 * ak_unchecked, else "ak-unchecked-pem"), signature with the AK's own scheme
 * and hash only, extraData equal to the nonce
 * (constant time), clock safe, the selection: equal to opts->require when
 * given ("quote-selection-required"), some PCR besides the resettable 16 and
 * 23 ("quote-selection-resettable"), with a log some PCR the log extends
 * ("quote-selection-unlogged"), with values the values' selection; and the
 * PCR composite recomputed with the signing hash. TCG_E_MISMATCH with the
 * rule ("quote-...", "ak-...") when a check fails, TCG_E_FORMAT when the
 * structures cannot be parsed. Callers tell an unauthentic quote from a
 * state that differs by out->authentic, never by the rule's name.
 */
tcg_rc tcg_quote_verify(const tcg_public *ak, const uint8_t *attest, size_t attest_len,
                        const uint8_t *sig, size_t sig_len, const tcg_quote_opts *opts,
                        tcg_quote_result *out, tcg_err *err);

/*
 * The same verification for many quotes by one AK, reusing what does not
 * change between them: the verify context and the signing hash, set up on the
 * first quote (and again only if a signature names another scheme or hash).
 * Every check of tcg_quote_verify runs on every quote, with the opts given to
 * each call. The AK is borrowed and must outlive the verifier; a verifier is
 * used by one thread at a time. tcg_quote_verify is one verifier used once.
 */
typedef struct tcg_quote_verifier tcg_quote_verifier;

tcg_rc tcg_quote_verifier_new(const tcg_public *ak, tcg_quote_verifier **out, tcg_err *err);
tcg_rc tcg_quote_verifier_verify(tcg_quote_verifier *v, const uint8_t *attest, size_t attest_len,
                                 const uint8_t *sig, size_t sig_len, const tcg_quote_opts *opts,
                                 tcg_quote_result *out, tcg_err *err);
void tcg_quote_verifier_free(tcg_quote_verifier *v);

/*
 * The document of a verified quote (tpm-quote-verify's output): the AK
 * (type, bits, name when it has a public area, whether its checks ran), the
 * signature's scheme and hash, signer, nonce, clock, firmware version, where
 * the PCR values came from (from_log: the log given to the verification)
 * and the verified values by the quote's selection. TCG_E_IO (yaml-output)
 * when writing to out fails, TCG_E_NOMEM; TCG_E_USAGE for no such format.
 */
tcg_rc tcg_quote_result_write(const tcg_public *ak, const tcg_quote_result *r, bool from_log,
                              tcg_out_format fmt, FILE *out, tcg_err *err);
/* The document of a quote refused by a rule (TCG_E_MISMATCH from
 * tcg_quote_verify): verified false, and the rule of refusal. */
tcg_rc tcg_quote_refusal_write(const tcg_err *refusal, tcg_out_format fmt, FILE *out,
                               tcg_err *err);

#ifdef __cplusplus
}
#endif
#endif
