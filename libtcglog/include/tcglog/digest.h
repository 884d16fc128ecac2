/* Hash algorithms (TPM_ALG_ID), hashing through OpenSSL, and digest binding. */
#ifndef TCGLOG_DIGEST_H
#define TCGLOG_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcglog/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TCG_MAX_DIGEST 64

#define TCG_ALG_SHA1 0x0004
#define TCG_ALG_SHA256 0x000B
#define TCG_ALG_SHA384 0x000C
#define TCG_ALG_SHA512 0x000D
#define TCG_ALG_SM3_256 0x0012
#define TCG_ALG_SHA3_256 0x0027
#define TCG_ALG_SHA3_384 0x0028
#define TCG_ALG_SHA3_512 0x0029

/* Hex text (optional 0x, even length) into at most max bytes; false when
 * malformed. For digests and nonces given on command lines. */
bool tcg_hex_decode(const char *s, uint8_t *out, size_t max, size_t *len);

/* Known hash size for alg, or 0 when the algorithm is unknown. */
size_t tcg_alg_size(uint16_t alg);
/* "sha256" etc. as tpm2-tools names them; NULL when unknown. */
const char *tcg_alg_name(uint16_t alg);
/* SHA-256 or stronger (SHA-2, SHA-3, SM3); SHA-1 only when allow_sha1. */
bool tcg_alg_is_strong(uint16_t alg, bool allow_sha1);
/* OpenSSL's fetch name ("SHA256", "SM3", "SHA3-256"); NULL when unknown. */
const char *tcg_alg_ossl_name(uint16_t alg);
/* Accepts the names above (case-insensitive, "sha-256" too) or a number. */
bool tcg_alg_from_name(const char *name, uint16_t *alg);

/* Reusable hashing state: fetch algorithms once, hash many times. */
typedef struct tcg_hasher tcg_hasher;

tcg_hasher *tcg_hasher_new(void);
void tcg_hasher_free(tcg_hasher *h);
/* False when the algorithm is unknown or the crypto library lacks it. */
bool tcg_hasher_supports(tcg_hasher *h, uint16_t alg);
/* out receives tcg_alg_size(alg) bytes. Two parts so that extends need no copy. */
tcg_rc tcg_hash2(tcg_hasher *h, uint16_t alg, const void *a, size_t alen,
                 const void *b, size_t blen, uint8_t *out);
tcg_rc tcg_hash(tcg_hasher *h, uint16_t alg, const void *data, size_t len, uint8_t *out);
/* SHA-1 and SHA-2 need no hasher (h may be NULL for them, for no other
 * algorithm) and never start OpenSSL's providers; false for those, true for
 * the others (SM3, SHA-3), which go through them. */
bool tcg_alg_needs_hasher(uint16_t alg);

#ifdef __cplusplus
}
#endif
#endif
