/*
 * TPM2_MakeCredential in software (TPM 2.0 Part 1, "Credential Protection"
 * and "Protected Storage"; Part 3, TPM2_MakeCredential).
 *
 * A verifier encrypts a small secret to a TPM's endorsement key (EK) for the
 * name of another object (the AK): only a TPM that holds the EK's private key
 * and has an object of that name loaded returns the secret from
 * TPM2_ActivateCredential. Everything through OpenSSL (OAEP, ECDH, AES-CFB,
 * HMAC, the KDFs) and tss2-mu (marshaling).
 *
 *   seed       RSA EK: random nameAlg-sized bytes, sent RSA-OAEP encrypted
 *              (hash and MGF1 = nameAlg, label "IDENTITY\0");
 *              ECC EK: KDFe(nameAlg, Z, "IDENTITY", ephemeral.x, EK.x) from
 *              ECDH with an ephemeral key on the EK's curve, whose public
 *              point (a TPMS_ECC_POINT) is sent.
 *   symKey     KDFa(nameAlg, seed, "STORAGE", name, -, EK symmetric key bits)
 *   hmacKey    KDFa(nameAlg, seed, "INTEGRITY", -, -, nameAlg digest bits)
 *   encIdentity  AES-CFB(symKey, IV = 0, TPM2B_DIGEST(secret))
 *   idObject   TPM2B_DIGEST(HMAC_nameAlg(hmacKey, encIdentity || name)) || encIdentity
 */
#ifndef TCGLOG_CREDENTIAL_H
#define TCGLOG_CREDENTIAL_H

#include <stddef.h>
#include <stdint.h>

#include "tcglog/error.h"
#include "tcglog/tpm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Marshaled TPM2B_ID_OBJECT: size + TPM2B_DIGEST (HMAC) + encrypted TPM2B_DIGEST. */
#define TCG_MAX_ID_OBJECT (2 + 2 * (2 + 64))
/* Marshaled TPM2B_ENCRYPTED_SECRET: size + an RSA-4096 ciphertext at most. */
#define TCG_MAX_ENCRYPTED_SECRET (2 + 512)
/* The largest KDF input (key, Z, each context) and output accepted, in bytes. */
#define TCG_MAX_KDF_BYTES 4096

/* A credential as TPM2_MakeCredential returns it (both fields marshaled). */
typedef struct {
	uint8_t id_object[TCG_MAX_ID_OBJECT]; /* TPM2B_ID_OBJECT */
	size_t id_object_len;
	uint8_t secret[TCG_MAX_ENCRYPTED_SECRET]; /* TPM2B_ENCRYPTED_SECRET */
	size_t secret_len;
} tcg_credential;

/*
 * KDFa (Part 1 §11.4.10.2, SP 800-108 counter mode with HMAC_hash):
 * out = HMAC(key, [i]32 || label || 0x00 || context_u || context_v || [8*out_len]32) ...
 * label is a C string (the 0x00 after it is added here). Whole bytes only.
 * TCG_E_USAGE for an unknown hash, an empty key or label, or sizes over
 * TCG_MAX_KDF_BYTES.
 */
tcg_rc tcg_kdfa(uint16_t hash_alg, const uint8_t *key, size_t key_len, const char *label,
                const uint8_t *context_u, size_t context_u_len, const uint8_t *context_v,
                size_t context_v_len, uint8_t *out, size_t out_len, tcg_err *err);

/*
 * KDFe (Part 1 §11.4.10.3, SP 800-56A concatenation KDF with hash):
 * out = H([i]32 || Z || label || 0x00 || party_u || party_v) ...
 * TCG_E_USAGE as for tcg_kdfa (an empty Z included).
 */
tcg_rc tcg_kdfe(uint16_t hash_alg, const uint8_t *z, size_t z_len, const char *label,
                const uint8_t *party_u, size_t party_u_len, const uint8_t *party_v,
                size_t party_v_len, uint8_t *out, size_t out_len, tcg_err *err);

/*
 * Secret sharing with a TPM key (Part 1 "Secret Sharing"): a seed of the
 * key's nameAlg digest size, and its encryption to the key as the content of
 * a TPM2B_ENCRYPTED_SECRET (an RSA-OAEP ciphertext, or a marshaled
 * TPMS_ECC_POINT). label: "IDENTITY" for credentials ("DUPLICATE", "SECRET"
 * for the TPM's other uses). ecc_ephemeral: NULL for a fresh random
 * ephemeral key; otherwise the ephemeral private scalar (big-endian), for
 * known-answer tests only -- a fixed ephemeral key gives a fixed seed. It
 * must be NULL for RSA keys. No attribute checks on the key (see
 * tcg_credential_ek_check). seed receives *seed_len bytes (<= 64);
 * encrypted holds encrypted_cap bytes and receives *encrypted_len.
 * The caller wipes the seed.
 */
tcg_rc tcg_secret_share(const tcg_public *key, const char *label, const uint8_t *ecc_ephemeral,
                        size_t ecc_ephemeral_len, uint8_t seed[64], size_t *seed_len,
                        uint8_t *encrypted, size_t encrypted_cap, size_t *encrypted_len,
                        tcg_err *err);

/*
 * The EK must be a storage-style key: a TPM public area of an RSA (2048 bits
 * or more) or ECC (P-256, P-384, P-521) key that is restricted, decrypt, not
 * sign, with no asymmetric scheme, AES-CFB as its symmetric algorithm, and a
 * nameAlg of SHA-256 or stronger. TCG_E_MISMATCH with a "credential-ek-..."
 * rule otherwise.
 */
tcg_rc tcg_credential_ek_check(const tcg_public *ek, tcg_err *err);

/*
 * TPM2_MakeCredential: protect secret (1 to nameAlg-digest-size bytes) for
 * the object named name (nameAlg || digest, as tcg_public_name gives it) so
 * that only the TPM holding ek can recover it with TPM2_ActivateCredential.
 * Refuses with "credential-ek-..." (see above), "credential-name" or
 * "credential-secret-size". out is filled only on success.
 */
tcg_rc tcg_make_credential(const tcg_public *ek, const uint8_t *name, size_t name_len,
                           const uint8_t *secret, size_t secret_len, tcg_credential *out,
                           tcg_err *err);

/*
 * The file tpm2_makecredential writes and tpm2_activatecredential -i reads:
 * magic 0xBADCC0DE and version 1 (both 32-bit big-endian), the marshaled
 * TPM2B_ID_OBJECT, then the marshaled TPM2B_ENCRYPTED_SECRET.
 */
#define TCG_CREDENTIAL_FILE_MAX (8 + TCG_MAX_ID_OBJECT + TCG_MAX_ENCRYPTED_SECRET)
tcg_rc tcg_credential_write(const tcg_credential *cred, uint8_t *out, size_t cap, size_t *len,
                            tcg_err *err);
/* Strict: magic, version 1, both structures within their bounds, no trailing bytes. */
tcg_rc tcg_credential_read(const uint8_t *data, size_t len, tcg_credential *out, tcg_err *err);

#ifdef __cplusplus
}
#endif
#endif
