/*
 * The Device Health Attestation protocol (DESIGN.md "Protocol and trust"):
 * what the device and the service must agree on, and the service's two steps.
 *
 *   dha-bootdata   device -> service: log, EK public and certificate, AK
 *                  public, PCR values and a quote whose qualifying data is
 *                  tcg_dha_bootdata_binding() of the rest of the message.
 *   dha-encblob    service -> device: the EncBlob (blob.h) wrapped once more
 *                  (tcg_dha_wrap) under a random key sent with MakeCredential;
 *                  after TPM2_ActivateCredential the device keeps the plain
 *                  EncBlob (tcg_dha_unwrap).
 *   dha-signedblob device -> service: a quote over the same selection with
 *                  the nonce as qualifying data, and the EncBlob.
 *
 * The EncBlob's plaintext is a tcg_dha_content, encoded as one YAML document
 * of kind "dha-encblob-content" (never exchanged in clear).
 */
#ifndef TCGLOG_DHA_H
#define TCGLOG_DHA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcglog/blob.h"
#include "tcglog/error.h"
#include "tcglog/pcrs.h"
#include "tcglog/quote.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The selection quoted when none is given: the PCRs a Windows boot measures
 * (firmware, boot manager, BitLocker and the SIPA PCRs 11-14). */
#define TCG_DHA_DEFAULT_SELECTION "sha256:0,1,2,3,4,5,6,7,11,12,13,14"
/* Where dha-bootdata keeps the AK: an owner-range persistent handle outside
 * the ranges the TCG handle registry reserves for storage and endorsement
 * primary keys (0x81000000-0x8101FFFF). */
#define TCG_DHA_DEFAULT_AK_HANDLE 0x81020001u
/* Bytes of the key sent with MakeCredential (fits a SHA-256 EK's digest). */
#define TCG_DHA_WRAP_KEY_SIZE 32
#define TCG_DHA_BINDING_SIZE 32

/*
 * The qualifying data of the bootdata quote: SHA-256 over the label
 * "tcglog dha-bootdata v1" with its NUL, then, for each of device, log,
 * ek-public, ek-certificate and ak-public in this order, its length as a
 * 4-byte big-endian number and its bytes (the decoded bytes of the message's
 * base64 fields; the device name without NUL).
 */
tcg_rc tcg_dha_bootdata_binding(const char *device, const uint8_t *log, size_t log_len,
                                const uint8_t *ek_public, size_t ek_public_len,
                                const uint8_t *ek_cert, size_t ek_cert_len,
                                const uint8_t *ak_public, size_t ak_public_len,
                                uint8_t out[TCG_DHA_BINDING_SIZE], tcg_err *err);

/*
 * The service's outer layer (rule dha-wrap). wrap: a fresh random key (out in
 * key, for MakeCredential; wipe it after use) seals the EncBlob with
 * AES-256-GCM, the device name authenticated with it. unwrap: the device's
 * side with the key TPM2_ActivateCredential recovered; TCG_E_MISMATCH
 * (blob-auth) when the key or device is not the one it was wrapped for.
 */
tcg_rc tcg_dha_wrap(const uint8_t *encblob, size_t len, const char *device,
                    uint8_t key[TCG_DHA_WRAP_KEY_SIZE], uint8_t **out, size_t *out_len,
                    tcg_err *err);
tcg_rc tcg_dha_unwrap(const uint8_t *wrapped, size_t len, const char *device,
                      const uint8_t *key, size_t key_len, uint8_t **encblob, size_t *out_len,
                      tcg_err *err);

/*
 * What the EncBlob binds (DESIGN.md): every field is set by the issuer and
 * checked by the verifier.
 */
typedef struct {
	char *device;                  /* 1..255 printable ASCII */
	uint8_t *ak_public;            /* TPM2B_PUBLIC of the AK, as in the bootdata */
	size_t ak_public_len;
	uint8_t ak_name[TCG_MAX_NAME];
	size_t ak_name_len;
	uint8_t ek_cert_sha256[32];    /* SHA-256 of the EK certificate's DER */
	tcg_pcr_selection selection;   /* as quoted in the bootdata */
	tcg_pcr_values pcrs;           /* the quoted values, by that selection */
	uint8_t pcr_digest[TCG_MAX_DIGEST]; /* the quote's composite digest */
	size_t pcr_digest_len;
	uint32_t reset_count, restart_count;
	uint64_t clock;                /* the bootdata quote's clock, ms */
	int64_t issued, expires;       /* seconds since the epoch, UTC */
	char *claims;                  /* the dha-claims document (YAML text) */
	size_t claims_len;
} tcg_dha_content;

/* Encode to the YAML document sealed in the EncBlob (*out malloc'd). */
tcg_rc tcg_dha_content_encode(const tcg_dha_content *c, uint8_t **out, size_t *len,
                              tcg_err *err);
/* Decode strictly (kind dha-encblob-content, schema checked, sizes capped). */
tcg_rc tcg_dha_content_decode(const uint8_t *data, size_t len, tcg_dha_content *c,
                              tcg_err *err);
void tcg_dha_content_free(tcg_dha_content *c);

/* ---- dha-issue (dha.c) ---- */

/* ---- dha-verify (dha_verify.c) ---- */

#ifdef __cplusplus
}
#endif
#endif
