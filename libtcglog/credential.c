/*
 * TPM2_MakeCredential in software. See include/tcglog/credential.h for the
 * construction; the spec references are TPM 2.0 Part 1 (rev 1.59) §11.4.10
 * (KDFa, KDFe), "Secret Sharing" (RSA-OAEP and ECDH seeds), §24 "Credential
 * Protection" and "Protected Storage" (symmetric key, integrity HMAC).
 */
#include "tcglog/credential.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_mu.h>

#include "tcglog/digest.h"

_Static_assert(TCG_MAX_ID_OBJECT == 2 + sizeof(TPMS_ID_OBJECT), "TPM2B_ID_OBJECT size");
_Static_assert(TCG_MAX_ENCRYPTED_SECRET == sizeof(TPM2B_ENCRYPTED_SECRET),
               "TPM2B_ENCRYPTED_SECRET size");

#define CRED_MAGIC 0xBADCC0DEu
#define CRED_VERSION 1u
#define MAX_LABEL 64

#define USAGE(rule, ...) tcg_err_set(err, TCG_E_USAGE, rule, TCG_NO_OFFSET, TCG_NO_EVENT, __VA_ARGS__)
#define FORMAT(rule, off, ...) tcg_err_set(err, TCG_E_FORMAT, rule, off, TCG_NO_EVENT, __VA_ARGS__)
#define REFUSE(rule, ...) tcg_err_set(err, TCG_E_MISMATCH, rule, TCG_NO_OFFSET, TCG_NO_EVENT, __VA_ARGS__)
#define CRYPTO(...) tcg_err_set(err, TCG_E_IO, "crypto", TCG_NO_OFFSET, TCG_NO_EVENT, __VA_ARGS__)
#define NOMEM() tcg_err_set(err, TCG_E_NOMEM, "out-of-memory", TCG_NO_OFFSET, TCG_NO_EVENT, "no memory")

/* OpenSSL's name for a TPM hash algorithm. */
static tcg_rc kdf_args(uint16_t hash_alg, size_t key_len, const char *label, size_t cu, size_t cv,
                       size_t out_len, const char **md, size_t *label_len, tcg_err *err)
{
	if (!(*md = tcg_alg_ossl_name(hash_alg)) || !tcg_alg_size(hash_alg))
		return USAGE("kdf-hash", "hash algorithm 0x%04x is not known", hash_alg);
	if (!label || !(*label_len = strnlen(label, MAX_LABEL + 1)) || *label_len > MAX_LABEL)
		return USAGE("kdf-label", "the label must have 1 to %d characters", MAX_LABEL);
	if (!key_len || key_len > TCG_MAX_KDF_BYTES)
		return USAGE("kdf-key", "a key of %zu bytes (1 to %d)", key_len, TCG_MAX_KDF_BYTES);
	if (cu > TCG_MAX_KDF_BYTES || cv > TCG_MAX_KDF_BYTES)
		return USAGE("kdf-context", "context of %zu and %zu bytes (at most %d each)", cu, cv,
		             TCG_MAX_KDF_BYTES);
	if (!out_len || out_len > TCG_MAX_KDF_BYTES)
		return USAGE("kdf-length", "%zu output bytes (1 to %d)", out_len, TCG_MAX_KDF_BYTES);
	return TCG_OK;
}

/* One EVP_KDF derivation; params end with OSSL_PARAM_END. */
static tcg_rc kdf_derive(const char *kdf_name, const OSSL_PARAM *params, uint8_t *out,
                         size_t out_len, tcg_err *err)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, kdf_name, NULL);
	EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	tcg_rc rc = TCG_OK;

	if (!kctx || EVP_KDF_derive(kctx, out, out_len, params) <= 0) {
		OPENSSL_cleanse(out, out_len);
		rc = CRYPTO("OpenSSL %s failed", kdf_name);
	}
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return rc;
}

/*
 * KDFa is SP 800-108 counter mode with HMAC, a 32-bit counter before the
 * fixed input, a 0x00 separator after the label and a 32-bit L after the
 * context: exactly OpenSSL's KBKDF defaults (label = "salt", context = "info").
 */
tcg_rc tcg_kdfa(uint16_t hash_alg, const uint8_t *key, size_t key_len, const char *label,
                const uint8_t *context_u, size_t context_u_len, const uint8_t *context_v,
                size_t context_v_len, uint8_t *out, size_t out_len, tcg_err *err)
{
	const char *md;
	size_t label_len, ctx_len = context_u_len + context_v_len;
	uint8_t *ctx = NULL;
	OSSL_PARAM params[7], *p = params;
	tcg_rc rc;

	if ((rc = kdf_args(hash_alg, key_len, label, context_u_len, context_v_len, out_len, &md,
	                   &label_len, err)))
		return rc;
	if (ctx_len) {
		if (!(ctx = malloc(ctx_len)))
			return NOMEM();
		if (context_u_len)
			memcpy(ctx, context_u, context_u_len);
		if (context_v_len)
			memcpy(ctx + context_u_len, context_v, context_v_len);
	}
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE, (char *)"counter", 0);
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MAC, (char *)"HMAC", 0);
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, key_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)label, label_len);
	if (ctx_len)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, ctx, ctx_len);
	*p = OSSL_PARAM_construct_end();
	rc = kdf_derive("KBKDF", params, out, out_len, err);
	free(ctx);
	return rc;
}

/*
 * KDFe is the SP 800-56A (56C option 1) single-step KDF with a hash:
 * H(counter || Z || FixedInfo), counter from 1: OpenSSL's SSKDF with the
 * digest only, FixedInfo = label || 0x00 || PartyUInfo || PartyVInfo.
 * (Not X9.63, which puts the counter after Z.)
 */
tcg_rc tcg_kdfe(uint16_t hash_alg, const uint8_t *z, size_t z_len, const char *label,
                const uint8_t *party_u, size_t party_u_len, const uint8_t *party_v,
                size_t party_v_len, uint8_t *out, size_t out_len, tcg_err *err)
{
	const char *md;
	size_t label_len, info_len;
	uint8_t *info;
	OSSL_PARAM params[4], *p = params;
	tcg_rc rc;

	if ((rc = kdf_args(hash_alg, z_len, label, party_u_len, party_v_len, out_len, &md,
	                   &label_len, err)))
		return rc;
	info_len = label_len + 1 + party_u_len + party_v_len;
	if (!(info = malloc(info_len)))
		return NOMEM();
	memcpy(info, label, label_len);
	info[label_len] = 0;
	if (party_u_len)
		memcpy(info + label_len + 1, party_u, party_u_len);
	if (party_v_len)
		memcpy(info + label_len + 1 + party_u_len, party_v, party_v_len);
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)z, z_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, info_len);
	*p = OSSL_PARAM_construct_end();
	rc = kdf_derive("SSKDF", params, out, out_len, err);
	free(info);
	return rc;
}

/* The TPMT_PUBLIC of a key, unmarshaled again from its canonical bytes. */
static tcg_rc get_area(const tcg_public *key, TPMT_PUBLIC *area, tcg_err *err)
{
	size_t len, off = 0;
	const uint8_t *bytes;

	if (!tcg_public_has_area(key))
		return REFUSE("credential-ek-no-public-area",
		              "a bare key (PEM) has no TPM public area: no name algorithm, "
		              "attributes or symmetric algorithm to protect a credential with");
	bytes = tcg_public_area(key, &len);
	memset(area, 0, sizeof *area);
	if (Tss2_MU_TPMT_PUBLIC_Unmarshal(bytes, len, &off, area) != TSS2_RC_SUCCESS || off != len)
		return FORMAT("public-unmarshal", TCG_NO_OFFSET, "the public area does not unmarshal");
	return TCG_OK;
}

static tcg_rc rsa_seed(const tcg_public *key, const char *md, const char *label,
                       size_t label_len, const uint8_t *seed, size_t seed_len,
                       uint8_t *encrypted, size_t cap, size_t *encrypted_len, tcg_err *err)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, tcg_public_pkey(key), NULL);
	unsigned char *oaep_label = OPENSSL_memdup(label, label_len + 1); /* with the 0x00 */
	size_t need = 0;
	tcg_rc rc = TCG_OK;

	if (!c || !oaep_label) {
		rc = NOMEM();
		goto out;
	}
	if (EVP_PKEY_encrypt_init(c) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md_name(c, md, NULL) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md_name(c, md, NULL) <= 0 ||
	    EVP_PKEY_CTX_set0_rsa_oaep_label(c, oaep_label, (int)(label_len + 1)) <= 0) {
		rc = CRYPTO("cannot set up RSA-OAEP with %s", md);
		goto out;
	}
	oaep_label = NULL; /* owned by c now */
	if (EVP_PKEY_encrypt(c, NULL, &need, seed, seed_len) <= 0 || need > cap) {
		rc = CRYPTO("RSA-OAEP of a %zu-byte seed is not possible with this key", seed_len);
		goto out;
	}
	*encrypted_len = need;
	if (EVP_PKEY_encrypt(c, encrypted, encrypted_len, seed, seed_len) <= 0)
		rc = CRYPTO("RSA-OAEP encryption failed");
out:
	OPENSSL_free(oaep_label);
	EVP_PKEY_CTX_free(c);
	return rc;
}

/* An ephemeral key pair on the curve named: random, or from a given private scalar. */
static tcg_rc ephemeral_key(const char *curve, const uint8_t *priv, size_t priv_len,
                            EVP_PKEY **out, tcg_err *err)
{
	EC_GROUP *g = NULL;
	EC_POINT *pt = NULL;
	BIGNUM *d = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *c = NULL;
	uint8_t pub[1 + 2 * 66];
	size_t pub_len;
	tcg_rc rc = TCG_OK;

	*out = NULL;
	if (!priv) {
		if (!(*out = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve)))
			return CRYPTO("cannot make an ephemeral key on %s", curve);
		return TCG_OK;
	}
	if (!(g = EC_GROUP_new_by_curve_name(EC_curve_nist2nid(curve))) ||
	    !(pt = EC_POINT_new(g)) || !(d = BN_secure_new()) || !(bld = OSSL_PARAM_BLD_new())) {
		rc = NOMEM();
		goto out;
	}
	if (priv_len > 66 || !BN_bin2bn(priv, (int)priv_len, d) || BN_is_zero(d) ||
	    BN_cmp(d, EC_GROUP_get0_order(g)) >= 0) {
		rc = USAGE("credential-ephemeral", "the ephemeral private key is not a scalar of %s",
		           curve);
		goto out;
	}
	if (!EC_POINT_mul(g, pt, d, NULL, NULL, NULL) ||
	    !(pub_len = EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof pub,
	                                   NULL)) ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curve, 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, pub_len) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)) ||
	    !(c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) || EVP_PKEY_fromdata_init(c) <= 0 ||
	    EVP_PKEY_fromdata(c, out, EVP_PKEY_KEYPAIR, params) <= 0) {
		*out = NULL;
		rc = CRYPTO("cannot make the ephemeral key on %s", curve);
	}
out:
	EVP_PKEY_CTX_free(c);
	OSSL_PARAM_free(params); /* clears the secure block the private BN went into */
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	EC_POINT_free(pt);
	EC_GROUP_free(g);
	return rc;
}

static tcg_rc ecc_seed(const tcg_public *key, const TPMT_PUBLIC *area, const char *label,
                       const uint8_t *eph_priv, size_t eph_len, uint8_t *seed, size_t seed_len,
                       uint8_t *encrypted, size_t cap, size_t *encrypted_len, tcg_err *err)
{
	const char *curve = tcg_ecc_curve_name(area->parameters.eccDetail.curveID);
	size_t clen = (tcg_public_key_bits(key) + 7) / 8, zlen = 0, off = 0;
	EVP_PKEY *eph = NULL;
	EVP_PKEY_CTX *c = NULL;
	BIGNUM *x = NULL, *y = NULL;
	uint8_t z[66];
	TPMS_ECC_POINT point;
	tcg_rc rc;

	if (!curve || clen == 0 || clen > sizeof z)
		return REFUSE("credential-ek-curve", "ECC curve 0x%04x is not supported",
		              area->parameters.eccDetail.curveID);
	if ((rc = ephemeral_key(curve, eph_priv, eph_len, &eph, err)))
		return rc;
	/* Z: the x-coordinate of the shared point, padded to the field size. */
	c = EVP_PKEY_CTX_new_from_pkey(NULL, eph, NULL);
	if (!c || EVP_PKEY_derive_init(c) <= 0 ||
	    EVP_PKEY_derive_set_peer(c, tcg_public_pkey(key)) <= 0 ||
	    EVP_PKEY_derive(c, NULL, &zlen) <= 0 || zlen != clen ||
	    EVP_PKEY_derive(c, z, &zlen) <= 0) {
		rc = CRYPTO("ECDH with the key on %s failed", curve);
		goto out;
	}
	memset(&point, 0, sizeof point);
	if (!EVP_PKEY_get_bn_param(eph, OSSL_PKEY_PARAM_EC_PUB_X, &x) ||
	    !EVP_PKEY_get_bn_param(eph, OSSL_PKEY_PARAM_EC_PUB_Y, &y) ||
	    BN_bn2binpad(x, point.x.buffer, (int)clen) != (int)clen ||
	    BN_bn2binpad(y, point.y.buffer, (int)clen) != (int)clen) {
		rc = CRYPTO("cannot read the ephemeral public key");
		goto out;
	}
	point.x.size = point.y.size = (uint16_t)clen;
	/* PartyUInfo: the ephemeral x; PartyVInfo: the key's x as its public area has it. */
	if ((rc = tcg_kdfe(area->nameAlg, z, zlen, label, point.x.buffer, clen,
	                   area->unique.ecc.x.buffer, area->unique.ecc.x.size, seed, seed_len, err)))
		goto out;
	if (Tss2_MU_TPMS_ECC_POINT_Marshal(&point, encrypted, cap, &off) != TSS2_RC_SUCCESS) {
		OPENSSL_cleanse(seed, seed_len);
		rc = USAGE("credential-buffer", "no room for the ephemeral point");
		goto out;
	}
	*encrypted_len = off;
out:
	OPENSSL_cleanse(z, sizeof z);
	BN_free(x);
	BN_free(y);
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(eph);
	return rc;
}

tcg_rc tcg_secret_share(const tcg_public *key, const char *label, const uint8_t *ecc_ephemeral,
                        size_t ecc_ephemeral_len, uint8_t seed[64], size_t *seed_len,
                        uint8_t *encrypted, size_t encrypted_cap, size_t *encrypted_len,
                        tcg_err *err)
{
	TPMT_PUBLIC area;
	const char *md;
	size_t hlen, label_len;
	tcg_rc rc;

	if ((rc = get_area(key, &area, err)))
		return rc;
	if (!(md = tcg_alg_ossl_name(area.nameAlg)) || !(hlen = tcg_alg_size(area.nameAlg)) || hlen > 64)
		return REFUSE("credential-ek-name-alg", "nameAlg 0x%04x is not a known hash",
		              area.nameAlg);
	if (!label || !(label_len = strnlen(label, MAX_LABEL + 1)) || label_len > MAX_LABEL)
		return USAGE("kdf-label", "the label must have 1 to %d characters", MAX_LABEL);
	if (area.type == TPM2_ALG_RSA) {
		if (ecc_ephemeral)
			return USAGE("credential-ephemeral", "an ephemeral ECC key for an RSA key");
		if (RAND_bytes(seed, (int)hlen) != 1)
			return CRYPTO("no random bytes for the seed");
		rc = rsa_seed(key, md, label, label_len, seed, hlen, encrypted, encrypted_cap,
		              encrypted_len, err);
	} else if (area.type == TPM2_ALG_ECC) {
		rc = ecc_seed(key, &area, label, ecc_ephemeral, ecc_ephemeral_len, seed, hlen,
		              encrypted, encrypted_cap, encrypted_len, err);
	} else {
		return REFUSE("credential-ek-type", "key type 0x%04x is neither RSA nor ECC", area.type);
	}
	if (rc) {
		OPENSSL_cleanse(seed, 64);
		return rc;
	}
	*seed_len = hlen;
	return TCG_OK;
}

static tcg_rc ek_check_area(const TPMT_PUBLIC *a, tcg_err *err)
{
	static const struct {
		uint32_t bit;
		bool want;
		const char *rule, *what;
	} attrs[] = {
		{ TCG_TPMA_RESTRICTED, true, "credential-ek-restricted", "restricted" },
		{ TCG_TPMA_DECRYPT, true, "credential-ek-decrypt", "decrypt" },
		{ TCG_TPMA_SIGN, false, "credential-ek-sign", "sign" },
	};
	const TPMT_SYM_DEF_OBJECT *sym;
	uint32_t attr = a->objectAttributes;

	for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
		if (!!(attr & attrs[i].bit) != attrs[i].want)
			return REFUSE(attrs[i].rule, "the EK %s %s (objectAttributes 0x%08x)",
			              attrs[i].want ? "lacks" : "has", attrs[i].what, attr);
	if (!tcg_alg_is_strong(a->nameAlg, false) || !tcg_alg_ossl_name(a->nameAlg))
		return REFUSE("credential-ek-name-alg", "nameAlg 0x%04x is not SHA-256 or stronger",
		              a->nameAlg);
	if (a->type == TPM2_ALG_RSA) {
		if (a->parameters.rsaDetail.keyBits < 2048)
			return REFUSE("credential-ek-key-size", "RSA key of %u bits, under 2048",
			              a->parameters.rsaDetail.keyBits);
		if (a->parameters.rsaDetail.scheme.scheme != TPM2_ALG_NULL)
			return REFUSE("credential-ek-scheme", "a storage key with RSA scheme 0x%04x",
			              a->parameters.rsaDetail.scheme.scheme);
		sym = &a->parameters.rsaDetail.symmetric;
	} else if (a->type == TPM2_ALG_ECC) {
		if (!tcg_ecc_curve_name(a->parameters.eccDetail.curveID))
			return REFUSE("credential-ek-curve", "ECC curve 0x%04x is not P-256, P-384 or P-521",
			              a->parameters.eccDetail.curveID);
		if (a->parameters.eccDetail.scheme.scheme != TPM2_ALG_NULL)
			return REFUSE("credential-ek-scheme", "a storage key with ECC scheme 0x%04x",
			              a->parameters.eccDetail.scheme.scheme);
		if (a->parameters.eccDetail.kdf.scheme != TPM2_ALG_NULL)
			return REFUSE("credential-ek-kdf", "a storage key with KDF 0x%04x",
			              a->parameters.eccDetail.kdf.scheme);
		sym = &a->parameters.eccDetail.symmetric;
	} else {
		return REFUSE("credential-ek-type", "key type 0x%04x is neither RSA nor ECC", a->type);
	}
	if (sym->algorithm != TPM2_ALG_AES)
		return REFUSE("credential-ek-symmetric", "symmetric algorithm 0x%04x is not AES",
		              sym->algorithm);
	if (sym->mode.aes != TPM2_ALG_CFB)
		return REFUSE("credential-ek-symmetric-mode", "symmetric mode 0x%04x is not CFB",
		              sym->mode.aes);
	if (sym->keyBits.aes != 128 && sym->keyBits.aes != 192 && sym->keyBits.aes != 256)
		return REFUSE("credential-ek-symmetric-bits", "AES key of %u bits", sym->keyBits.aes);
	return TCG_OK;
}

tcg_rc tcg_credential_ek_check(const tcg_public *ek, tcg_err *err)
{
	TPMT_PUBLIC area;
	tcg_rc rc;

	if ((rc = get_area(ek, &area, err)))
		return rc;
	return ek_check_area(&area, err);
}

static const char *aes_cfb(unsigned bits)
{
	return bits == 128 ? "AES-128-CFB" : bits == 192 ? "AES-192-CFB" : "AES-256-CFB";
}

/* encIdentity: AES-CFB with a zero IV over the marshaled TPM2B_DIGEST of the secret. */
static tcg_rc encrypt_identity(unsigned key_bits, const uint8_t *key, const uint8_t *in,
                               size_t len, uint8_t *out, tcg_err *err)
{
	static const uint8_t iv[16];
	EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, aes_cfb(key_bits), NULL);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, fin = 0;
	tcg_rc rc = TCG_OK;

	if (!cipher || !c || EVP_EncryptInit_ex2(c, cipher, key, iv, NULL) != 1 ||
	    EVP_EncryptUpdate(c, out, &n, in, (int)len) != 1 ||
	    EVP_EncryptFinal_ex(c, out + n, &fin) != 1 || (size_t)(n + fin) != len)
		rc = CRYPTO("%s encryption failed", aes_cfb(key_bits));
	EVP_CIPHER_CTX_free(c);
	EVP_CIPHER_free(cipher);
	return rc;
}

/* outerHMAC = HMAC_nameAlg(hmacKey, encIdentity || name) */
static tcg_rc integrity_hmac(const char *md, const uint8_t *key, size_t key_len,
                             const uint8_t *enc, size_t enc_len, const uint8_t *name,
                             size_t name_len, uint8_t *out, size_t out_len, tcg_err *err)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *c = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[2];
	size_t n = 0;
	tcg_rc rc = TCG_OK;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!c || EVP_MAC_init(c, key, key_len, params) != 1 || EVP_MAC_update(c, enc, enc_len) != 1 ||
	    EVP_MAC_update(c, name, name_len) != 1 || EVP_MAC_final(c, out, &n, out_len) != 1 ||
	    n != out_len)
		rc = CRYPTO("HMAC-%s failed", md);
	EVP_MAC_CTX_free(c);
	EVP_MAC_free(mac);
	return rc;
}

tcg_rc tcg_make_credential(const tcg_public *ek, const uint8_t *name, size_t name_len,
                           const uint8_t *secret, size_t secret_len, tcg_credential *out,
                           tcg_err *err)
{
	TPMT_PUBLIC area;
	const TPMT_SYM_DEF_OBJECT *sym;
	uint8_t seed[64], sym_key[32], hmac_key[64], sensitive[2 + 64], enc_identity[2 + 64];
	uint8_t encrypted[TCG_MAX_ENCRYPTED_SECRET - 2];
	size_t hlen, seed_len = 0, enc_len = 0, off;
	unsigned key_bits;
	const char *md;
	TPM2B_ID_OBJECT id;
	TPM2B_DIGEST hmac;
	TPM2B_ENCRYPTED_SECRET es;
	tcg_credential res;
	tcg_rc rc;

	if ((rc = get_area(ek, &area, err)) || (rc = ek_check_area(&area, err)))
		return rc;
	md = tcg_alg_ossl_name(area.nameAlg);
	hlen = tcg_alg_size(area.nameAlg);
	sym = area.type == TPM2_ALG_RSA ? &area.parameters.rsaDetail.symmetric
	                                : &area.parameters.eccDetail.symmetric;
	key_bits = sym->keyBits.aes;

	/* The name of a key: nameAlg || digest of that algorithm's size. */
	if (!name || name_len < 2 || name_len > TCG_MAX_NAME ||
	    !tcg_alg_size((uint16_t)(name[0] << 8 | name[1])) ||
	    name_len != 2 + tcg_alg_size((uint16_t)(name[0] << 8 | name[1])))
		return FORMAT("credential-name", TCG_NO_OFFSET,
		              "a name of %zu bytes is not a hash algorithm and its digest", name_len);
	if (!secret || secret_len == 0 || secret_len > hlen)
		return USAGE("credential-secret-size",
		             "a secret of %zu bytes (1 to %zu, the EK's nameAlg digest size)", secret_len,
		             hlen);

	if ((rc = tcg_secret_share(ek, "IDENTITY", NULL, 0, seed, &seed_len, encrypted,
	                           sizeof encrypted, &enc_len, err)))
		return rc;
	sensitive[0] = (uint8_t)(secret_len >> 8);
	sensitive[1] = (uint8_t)secret_len;
	memcpy(sensitive + 2, secret, secret_len);
	if ((rc = tcg_kdfa(area.nameAlg, seed, seed_len, "STORAGE", name, name_len, NULL, 0, sym_key,
	                   key_bits / 8, err)) ||
	    (rc = tcg_kdfa(area.nameAlg, seed, seed_len, "INTEGRITY", NULL, 0, NULL, 0, hmac_key,
	                   hlen, err)) ||
	    (rc = encrypt_identity(key_bits, sym_key, sensitive, 2 + secret_len, enc_identity, err)))
		goto out;
	memset(&hmac, 0, sizeof hmac);
	hmac.size = (uint16_t)hlen;
	if ((rc = integrity_hmac(md, hmac_key, hlen, enc_identity, 2 + secret_len, name, name_len,
	                         hmac.buffer, hlen, err)))
		goto out;

	/* TPMS_ID_OBJECT: integrityHMAC as a TPM2B_DIGEST, then encIdentity as it is. */
	memset(&id, 0, sizeof id);
	off = 0;
	if (Tss2_MU_TPM2B_DIGEST_Marshal(&hmac, id.credential, sizeof id.credential, &off) !=
	    TSS2_RC_SUCCESS || off + 2 + secret_len > sizeof id.credential) {
		rc = CRYPTO("cannot marshal the integrity HMAC");
		goto out;
	}
	memcpy(id.credential + off, enc_identity, 2 + secret_len);
	id.size = (uint16_t)(off + 2 + secret_len);
	memset(&es, 0, sizeof es);
	es.size = (uint16_t)enc_len;
	memcpy(es.secret, encrypted, enc_len);
	memset(&res, 0, sizeof res);
	off = 0;
	if (Tss2_MU_TPM2B_ID_OBJECT_Marshal(&id, res.id_object, sizeof res.id_object, &off) !=
	    TSS2_RC_SUCCESS) {
		rc = CRYPTO("cannot marshal the TPM2B_ID_OBJECT");
		goto out;
	}
	res.id_object_len = off;
	off = 0;
	if (Tss2_MU_TPM2B_ENCRYPTED_SECRET_Marshal(&es, res.secret, sizeof res.secret, &off) !=
	    TSS2_RC_SUCCESS) {
		rc = CRYPTO("cannot marshal the TPM2B_ENCRYPTED_SECRET");
		goto out;
	}
	res.secret_len = off;
	*out = res;
out:
	OPENSSL_cleanse(seed, sizeof seed);
	OPENSSL_cleanse(sym_key, sizeof sym_key);
	OPENSSL_cleanse(hmac_key, sizeof hmac_key);
	OPENSSL_cleanse(sensitive, sizeof sensitive);
	return rc;
}

static void put32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32be(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

tcg_rc tcg_credential_write(const tcg_credential *cred, uint8_t *out, size_t cap, size_t *len,
                            tcg_err *err)
{
	size_t need;

	if (cred->id_object_len > sizeof cred->id_object || cred->secret_len > sizeof cred->secret)
		return USAGE("credential-file", "credential fields over their maximum size");
	need = 8 + cred->id_object_len + cred->secret_len;
	if (need > cap)
		return USAGE("credential-buffer", "%zu bytes needed, %zu given", need, cap);
	put32be(out, CRED_MAGIC);
	put32be(out + 4, CRED_VERSION);
	memcpy(out + 8, cred->id_object, cred->id_object_len);
	memcpy(out + 8 + cred->id_object_len, cred->secret, cred->secret_len);
	*len = need;
	return TCG_OK;
}

tcg_rc tcg_credential_read(const uint8_t *data, size_t len, tcg_credential *out, tcg_err *err)
{
	TPM2B_ID_OBJECT id;
	TPM2B_ENCRYPTED_SECRET es;
	tcg_credential res;
	size_t off = 8, start, hmac_size;

	if (len < 8)
		return FORMAT("credential-file-truncated", len, "%zu bytes: no magic and version", len);
	if (get32be(data) != CRED_MAGIC)
		return FORMAT("credential-file-magic", 0, "magic 0x%08x is not 0xBADCC0DE",
		              get32be(data));
	if (get32be(data + 4) != CRED_VERSION)
		return FORMAT("credential-file-version", 4, "version %u is not 1", get32be(data + 4));
	memset(&id, 0, sizeof id);
	memset(&es, 0, sizeof es);
	if (Tss2_MU_TPM2B_ID_OBJECT_Unmarshal(data, len, &off, &id) != TSS2_RC_SUCCESS)
		return FORMAT("credential-file-id-object", 8,
		              "no TPM2B_ID_OBJECT of at most %zu bytes here", sizeof id.credential);
	/* integrityHMAC (a TPM2B_DIGEST) and a non-empty encIdentity after it. */
	hmac_size = id.size >= 2 ? (size_t)(id.credential[0] << 8 | id.credential[1]) : 0;
	if (id.size < 2 || hmac_size == 0 || hmac_size > 64 || 2 + hmac_size + 2 > id.size)
		return FORMAT("credential-file-id-object", 10,
		              "the TPM2B_ID_OBJECT does not hold an integrity HMAC and an encIdentity");
	start = off;
	if (Tss2_MU_TPM2B_ENCRYPTED_SECRET_Unmarshal(data, len, &off, &es) != TSS2_RC_SUCCESS)
		return FORMAT("credential-file-secret", start,
		              "no TPM2B_ENCRYPTED_SECRET of at most %zu bytes here", sizeof es.secret);
	if (es.size == 0)
		return FORMAT("credential-file-secret", start, "the encrypted secret is empty");
	if (off != len)
		return FORMAT("credential-file-trailing-data", off, "%zu bytes after the credential",
		              len - off);
	memset(&res, 0, sizeof res);
	memcpy(res.id_object, data + 8, start - 8);
	res.id_object_len = start - 8;
	memcpy(res.secret, data + start, off - start);
	res.secret_len = off - start;
	*out = res;
	return TCG_OK;
}
