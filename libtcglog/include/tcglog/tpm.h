/*
 * TPM 2.0 structures through tss2-mu, strictly: an encoding is accepted only
 * when it re-marshals to exactly the bytes given (no trailing bytes, no
 * non-canonical sizes).
 */
#ifndef TCGLOG_TPM_H
#define TCGLOG_TPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcglog/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct evp_pkey_st tcg_evp_pkey; /* OpenSSL's EVP_PKEY */

/* TPMA_OBJECT bits. */
#define TCG_TPMA_FIXEDTPM 0x00000002u
#define TCG_TPMA_STCLEAR 0x00000004u
#define TCG_TPMA_FIXEDPARENT 0x00000010u
#define TCG_TPMA_SENSITIVEDATAORIGIN 0x00000020u
#define TCG_TPMA_USERWITHAUTH 0x00000040u
#define TCG_TPMA_ADMINWITHPOLICY 0x00000080u
#define TCG_TPMA_RESTRICTED 0x00010000u
#define TCG_TPMA_DECRYPT 0x00020000u
#define TCG_TPMA_SIGN 0x00040000u

#define TCG_ALG_RSA 0x0001
#define TCG_ALG_ECC 0x0023
#define TCG_ALG_RSASSA 0x0014
#define TCG_ALG_RSAPSS 0x0016
#define TCG_ALG_ECDSA 0x0018
#define TCG_ALG_NULL 0x0010

#define TCG_MAX_NAME 66 /* nameAlg + SHA-512 digest */

/* A public key: a TPM public area, or only a key (from PEM). */
typedef struct tcg_public tcg_public;

/* TPM2B_PUBLIC, as tpm2_createak -u and tpm2_readpublic -o write it. */
tcg_rc tcg_public_parse(const uint8_t *data, size_t len, tcg_public **out, tcg_err *err);
/* A PEM SubjectPublicKeyInfo: no TPM attributes, so no AK checks are possible. */
tcg_rc tcg_public_from_pem(const uint8_t *data, size_t len, tcg_public **out, tcg_err *err);
/* Either of the above, by content. */
tcg_rc tcg_public_load(const uint8_t *data, size_t len, tcg_public **out, tcg_err *err);
void tcg_public_free(tcg_public *p);

bool tcg_public_has_area(const tcg_public *p); /* false for a PEM key */
uint16_t tcg_public_type(const tcg_public *p);  /* TCG_ALG_RSA / TCG_ALG_ECC */
uint32_t tcg_public_attributes(const tcg_public *p);
/* Signing scheme and its hash from the public area (TCG_ALG_NULL when none). */
uint16_t tcg_public_scheme(const tcg_public *p);
uint16_t tcg_public_scheme_hash(const tcg_public *p);
/* RSA modulus bits, or the ECC curve size in bits. */
unsigned tcg_public_key_bits(const tcg_public *p);
/* "P-256", "P-384", "P-521" for a TPM_ECC_CURVE; NULL for others. */
const char *tcg_ecc_curve_name(uint16_t curve);

/* The key; owned by p. */
tcg_evp_pkey *tcg_public_pkey(const tcg_public *p);
/* The marshaled TPMT_PUBLIC (the bytes the name is computed over). */
const uint8_t *tcg_public_area(const tcg_public *p, size_t *len);

/* The TPM name: nameAlg (big-endian) || H_nameAlg(TPMT_PUBLIC). */
tcg_rc tcg_public_name(const tcg_public *p, uint8_t name[TCG_MAX_NAME], size_t *len,
                       tcg_err *err);

/*
 * Attestation-key rules: restricted, sign, not decrypt, fixedTPM, fixedParent,
 * sensitiveDataOrigin; RSA >= 2048 bits with RSASSA or RSAPSS, or ECC P-256 /
 * P-384 with ECDSA; nameAlg and scheme hash SHA-256 or stronger unless
 * allow_sha1. TCG_E_MISMATCH naming the rule ("ak-...") when one fails.
 */
tcg_rc tcg_ak_check(const tcg_public *ak, bool allow_sha1, tcg_err *err);

#ifdef __cplusplus
}
#endif
#endif
