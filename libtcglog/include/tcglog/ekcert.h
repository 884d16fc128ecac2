/*
 * EK certificates: parse them as TPMs store them (NV quirks named and
 * reported), chain them to trust anchors with OpenSSL, check the TCG EK
 * Credential Profile, and match the certificate's key with an EK public area.
 *
 * Rules (tcg_err.rule and tcg_ekcert_finding.rule), with their exit status:
 *   2 (TCG_E_FORMAT): ekcert-empty, ekcert-size-cap, ekcert-parse,
 *     ekcert-truncated, ekcert-trailing-data, ekcert-nv-header, ekcert-pem,
 *     ekcert-ca-parse, ekcert-ca-empty
 *   1 (TCG_E_MISMATCH), always: ekcert-chain, ekcert-expired,
 *     ekcert-not-yet-valid, ekcert-critical-ext, ekcert-key-mismatch
 *   1, or a warning in lenient mode (the profile): ekcert-version,
 *     ekcert-serial, ekcert-issuer, ekcert-key-type, ekcert-eku,
 *     ekcert-key-usage, ekcert-basic-constraints, ekcert-san
 */
#ifndef TCGLOG_EKCERT_H
#define TCGLOG_EKCERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "tcglog/error.h"
#include "tcglog/output.h"
#include "tcglog/tpm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Input larger than this is no EK certificate (NV indices hold a few KiB). */
#define TCG_EKCERT_MAX_SIZE 65536u

/* NV quirks: accepted, and reported by name. */
#define TCG_EKCERT_QUIRK_NV_PADDING 0x1u /* 0x00 or 0xFF bytes after the DER */
#define TCG_EKCERT_QUIRK_NV_HEADER 0x2u  /* TPM 1.2 stored-cert header 10 01 00 LEN_HI LEN_LO */

/* Verification flags. */
#define TCG_EKCERT_LENIENT 0x1u /* profile findings become warnings */

typedef struct tcg_ekcert tcg_ekcert;
typedef struct tcg_ekcert_trust tcg_ekcert_trust;

/*
 * One certificate, DER or PEM ("-----BEGIN CERTIFICATE-----"). DER may carry
 * the NV quirks; anything else that is not exactly one certificate is refused
 * (TCG_E_FORMAT, the offset of the fault where it has one).
 */
tcg_rc tcg_ekcert_parse(const uint8_t *data, size_t len, tcg_ekcert **out, tcg_err *err);
void tcg_ekcert_free(tcg_ekcert *c);

/* The quirks applied (TCG_EKCERT_QUIRK_*), their names and what they saw. */
unsigned tcg_ekcert_quirks(const tcg_ekcert *c);
const char *tcg_ekcert_quirk_name(unsigned quirk); /* "nv-padding", "nv-header" */
const char *tcg_ekcert_quirk_detail(const tcg_ekcert *c, unsigned quirk);

/* Identity from the subjectAltName directoryName (NULL when absent). */
const char *tcg_ekcert_manufacturer(const tcg_ekcert *c); /* as written: "id:49424D00" */
/* The manufacturer as a TPM_PT_MANUFACTURER value; false unless "id:" + 8 hex digits. */
bool tcg_ekcert_manufacturer_id(const tcg_ekcert *c, uint32_t *id);
const char *tcg_ekcert_model(const tcg_ekcert *c);
const char *tcg_ekcert_version(const tcg_ekcert *c); /* as written: "id:00070002" */
/* The firmware version; false unless "id:" + 8 hex digits. */
bool tcg_ekcert_version_id(const tcg_ekcert *c, uint32_t *version);
/* subjectDirectoryAttributes tpmSpecification; false when absent. */
bool tcg_ekcert_tpm_spec(const tcg_ekcert *c, const char **family, long *level, long *revision);

/* Vendor name from the TCG TPM Vendor ID Registry, or NULL when not listed. */
const char *tcg_tpm_vendor_name(uint32_t id);

/* RFC 2253 names, UTF-8. */
const char *tcg_ekcert_subject(const tcg_ekcert *c);
const char *tcg_ekcert_issuer(const tcg_ekcert *c);
const char *tcg_ekcert_serial(const tcg_ekcert *c); /* hex, "-" first if negative */
/* Validity as ISO 8601 UTC ("2026-01-02T03:04:05Z"). */
const char *tcg_ekcert_not_before(const tcg_ekcert *c);
const char *tcg_ekcert_not_after(const tcg_ekcert *c);
/* "rsa" or "ecc" (NULL for another key type); bits; the curve name for ECC. */
const char *tcg_ekcert_key_type(const tcg_ekcert *c);
unsigned tcg_ekcert_key_bits(const tcg_ekcert *c);
const char *tcg_ekcert_key_curve(const tcg_ekcert *c);
/* The certificate's DER bytes. */
const uint8_t *tcg_ekcert_der(const tcg_ekcert *c, size_t *len);

/*
 * Trust anchors and intermediates. A file holds PEM certificates (one or
 * more; other PEM blocks are skipped) or one DER certificate. A directory
 * given as a trust anchor is read one level deep: every regular file that
 * holds certificates counts, other files are skipped, and at least one
 * certificate must be found. Every anchor is trusted as it is, self-signed
 * or not.
 */
tcg_ekcert_trust *tcg_ekcert_trust_new(void);
void tcg_ekcert_trust_free(tcg_ekcert_trust *t);
tcg_rc tcg_ekcert_trust_add_ca(tcg_ekcert_trust *t, const char *path, tcg_err *err);
tcg_rc tcg_ekcert_trust_add_ca_data(tcg_ekcert_trust *t, const uint8_t *data, size_t len,
                                    tcg_err *err);
tcg_rc tcg_ekcert_trust_add_untrusted(tcg_ekcert_trust *t, const char *path, tcg_err *err);
tcg_rc tcg_ekcert_trust_add_untrusted_data(tcg_ekcert_trust *t, const uint8_t *data,
                                           size_t len, tcg_err *err);

#define TCG_EKCERT_MAX_FINDINGS 24
#define TCG_EKCERT_MAX_CHAIN 8

typedef struct {
	tcg_rc rc;      /* TCG_E_MISMATCH */
	bool warning;   /* lenient mode: reported, did not refuse */
	char rule[32];
	char msg[256];
} tcg_ekcert_finding;

typedef struct {
	bool verified;        /* no finding refused */
	bool key_checked;     /* an EK public area was compared */
	bool key_matches;     /* ... and it is the certificate's key */
	size_t num_findings;  /* findings beyond the capacity are counted, not kept */
	tcg_ekcert_finding finding[TCG_EKCERT_MAX_FINDINGS];
	size_t chain_len;     /* the chain OpenSSL built, leaf first (partial on failure) */
	char chain[TCG_EKCERT_MAX_CHAIN][256];
} tcg_ekcert_result;

/*
 * Every check in turn, collecting findings in res: the chain to t's anchors
 * (validity times checked at `at`, or now when at is 0; no purpose check;
 * critical extensions OpenSSL does not handle are refused unless they are
 * ones this module checks itself), the TCG profile, and, when ek is given,
 * the certificate's key against it. TCG_OK when verified, else
 * TCG_E_MISMATCH with err holding the first refusing finding; TCG_E_NOMEM
 * or TCG_E_USAGE for failures that are not about the certificate. A chain
 * that verified is remembered by t for the same certificate (its exact DER):
 * used again, each of its certificates is held to its validity at `at`
 * (else the chain is built afresh); adding to t forgets every chain.
 */
tcg_rc tcg_ekcert_verify(const tcg_ekcert *c, const tcg_ekcert_trust *t, const tcg_public *ek,
                         unsigned flags, time_t at, tcg_ekcert_result *res, tcg_err *err);

/* The parts on their own (each adds to res; res must be cleared first). */
void tcg_ekcert_result_init(tcg_ekcert_result *res);
void tcg_ekcert_check_profile(const tcg_ekcert *c, unsigned flags, tcg_ekcert_result *res);
tcg_rc tcg_ekcert_check_chain(const tcg_ekcert *c, const tcg_ekcert_trust *t, time_t at,
                              tcg_ekcert_result *res, tcg_err *err);
void tcg_ekcert_check_key(const tcg_ekcert *c, const tcg_public *ek, tcg_ekcert_result *res);

/*
 * The result document of tpm-ekcert-verify: verified, the profile of flags
 * (those given to tcg_ekcert_verify: strict or lenient), the certificate's
 * identity, key (ek-public: whether res compared an EK), names and validity,
 * the chain, the NV quirks and the findings kept. TCG_E_IO (yaml-output)
 * when writing to out fails, TCG_E_NOMEM; TCG_E_USAGE for no such format.
 */
tcg_rc tcg_ekcert_result_write(const tcg_ekcert *c, const tcg_ekcert_result *res,
                               unsigned flags, tcg_out_format fmt, FILE *out, tcg_err *err);

#ifdef __cplusplus
}
#endif
#endif
