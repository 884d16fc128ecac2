#include "tcglog/tpm.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_mu.h>

#include "tcglog/digest.h"

struct tcg_public {
	bool has_area;
	TPMT_PUBLIC area;
	uint8_t marshaled[sizeof(TPMT_PUBLIC)];
	size_t marshaled_len;
	EVP_PKEY *pkey;
};

const char *tcg_ecc_curve_name(uint16_t c)
{
	switch (c) {
	case TPM2_ECC_NIST_P256:
		return "P-256";
	case TPM2_ECC_NIST_P384:
		return "P-384";
	case TPM2_ECC_NIST_P521:
		return "P-521";
	default:
		return NULL;
	}
}

static unsigned curve_bits(TPMI_ECC_CURVE c)
{
	switch (c) {
	case TPM2_ECC_NIST_P256:
		return 256;
	case TPM2_ECC_NIST_P384:
		return 384;
	case TPM2_ECC_NIST_P521:
		return 521;
	default:
		return 0;
	}
}

static EVP_PKEY *pkey_from_params(const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *pkey = NULL;
	if (params && ctx && EVP_PKEY_fromdata_init(ctx) > 0)
		if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
			pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return pkey;
}

static tcg_rc area_to_pkey(tcg_public *p, tcg_err *err)
{
	const TPMT_PUBLIC *a = &p->area;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *n = NULL, *e = NULL;
	tcg_rc rc = TCG_OK;

	if (!bld)
		return tcg_fail_nomem(err);
	if (a->type == TPM2_ALG_RSA) {
		uint32_t exp = a->parameters.rsaDetail.exponent ? a->parameters.rsaDetail.exponent : 65537;
		const TPM2B_PUBLIC_KEY_RSA *m = &a->unique.rsa;
		/* An exponent of 1 (or any even one) makes "signatures" trivial to forge. */
		if (exp < 3 || !(exp & 1)) {
			rc = tcg_fail_format(err, "public-rsa-exponent", "RSA exponent %u", exp);
			goto out;
		}
		if (m->size == 0 || m->size * 8u != a->parameters.rsaDetail.keyBits) {
			rc = tcg_fail_format(err, "public-rsa-modulus",
			                     "RSA modulus is %u bytes for a %u-bit key", m->size,
			                     a->parameters.rsaDetail.keyBits);
			goto out;
		}
		n = BN_bin2bn(m->buffer, m->size, NULL);
		e = BN_new();
		if (!n || !e || !BN_set_word(e, exp) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e)) {
			rc = tcg_fail_nomem(err);
			goto out;
		}
		p->pkey = pkey_from_params("RSA", bld);
	} else if (a->type == TPM2_ALG_ECC) {
		const char *curve = tcg_ecc_curve_name(a->parameters.eccDetail.curveID);
		unsigned bytes = (curve_bits(a->parameters.eccDetail.curveID) + 7) / 8;
		const TPMS_ECC_POINT *pt = &a->unique.ecc;
		uint8_t point[1 + 2 * 66];
		if (!curve) {
			rc = tcg_fail_format(err, "public-ecc-curve",
			                     "unsupported ECC curve 0x%04x",
			                     a->parameters.eccDetail.curveID);
			goto out;
		}
		if (pt->x.size == 0 || pt->x.size > bytes || pt->y.size == 0 || pt->y.size > bytes) {
			rc = tcg_fail_format(err, "public-ecc-point",
			                     "ECC point coordinates of %u and %u bytes on %s",
			                     pt->x.size, pt->y.size, curve);
			goto out;
		}
		/* Uncompressed point; TPM coordinates may omit leading zero bytes. */
		memset(point, 0, sizeof point);
		point[0] = 4;
		memcpy(point + 1 + bytes - pt->x.size, pt->x.buffer, pt->x.size);
		memcpy(point + 1 + 2 * bytes - pt->y.size, pt->y.buffer, pt->y.size);
		if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curve, 0) ||
		    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point,
		                                      1 + 2 * bytes)) {
			rc = tcg_fail_nomem(err);
			goto out;
		}
		p->pkey = pkey_from_params("EC", bld);
	} else {
		rc = tcg_fail_format(err, "public-type",
		                     "public area of type 0x%04x is not an RSA or ECC key",
		                     a->type);
		goto out;
	}
	if (!p->pkey)
		rc = tcg_fail_format(err, "public-key", "the public area's key is not a valid key");
out:
	BN_free(n);
	BN_free(e);
	OSSL_PARAM_BLD_free(bld);
	return rc;
}

tcg_rc tcg_public_parse(const uint8_t *data, size_t len, tcg_public **out, tcg_err *err)
{
	TPM2B_PUBLIC pub;
	size_t off = 0, moff = 0;
	uint8_t re[sizeof(TPM2B_PUBLIC)];
	tcg_public *p;
	tcg_rc rc;

	*out = NULL;
	memset(&pub, 0, sizeof pub);
	if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(data, len, &off, &pub) != TSS2_RC_SUCCESS)
		return tcg_fail_format(err, "public-unmarshal", "not a TPM2B_PUBLIC (%zu bytes)",
		                       len);
	if (off != len)
		return tcg_fail_format(err, "public-trailing-data",
		                       "%zu bytes after the TPM2B_PUBLIC", len - off);
	/* Canonical encoding only: the bytes must be exactly what marshaling produces. */
	if (Tss2_MU_TPM2B_PUBLIC_Marshal(&pub, re, sizeof re, &moff) != TSS2_RC_SUCCESS ||
	    moff != len || memcmp(re, data, len))
		return tcg_fail_format(err, "public-noncanonical",
		                       "the TPM2B_PUBLIC does not re-marshal to itself");
	if (!(p = calloc(1, sizeof *p)))
		return tcg_fail_nomem(err);
	p->has_area = true;
	p->area = pub.publicArea;
	memcpy(p->marshaled, data + 2, len - 2);
	p->marshaled_len = len - 2;
	if ((rc = area_to_pkey(p, err))) {
		tcg_public_free(p);
		return rc;
	}
	*out = p;
	return TCG_OK;
}

tcg_rc tcg_public_from_pem(const uint8_t *data, size_t len, tcg_public **out, tcg_err *err)
{
	BIO *bio;
	tcg_public *p;

	*out = NULL;
	if (len > INT32_MAX || !(bio = BIO_new_mem_buf(data, (int)len)))
		return tcg_fail_nomem(err);
	if (!(p = calloc(1, sizeof *p))) {
		BIO_free(bio);
		return tcg_fail_nomem(err);
	}
	p->pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!p->pkey) {
		free(p);
		return tcg_fail_format(err, "public-pem", "not a PEM public key");
	}
	if (EVP_PKEY_is_a(p->pkey, "RSA")) {
		p->area.type = TPM2_ALG_RSA;
	} else if (EVP_PKEY_is_a(p->pkey, "EC")) {
		p->area.type = TPM2_ALG_ECC;
	} else {
		tcg_public_free(p);
		return tcg_fail_format(err, "public-type", "PEM key is neither RSA nor EC");
	}
	*out = p;
	return TCG_OK;
}

tcg_rc tcg_public_load(const uint8_t *data, size_t len, tcg_public **out, tcg_err *err)
{
	static const char pem[] = "-----BEGIN";
	for (size_t i = 0; i + sizeof pem - 1 <= len && i < 64; i++)
		if (!memcmp(data + i, pem, sizeof pem - 1))
			return tcg_public_from_pem(data, len, out, err);
	return tcg_public_parse(data, len, out, err);
}

void tcg_public_free(tcg_public *p)
{
	if (!p)
		return;
	EVP_PKEY_free(p->pkey);
	free(p);
}

bool tcg_public_has_area(const tcg_public *p) { return p->has_area; }
uint16_t tcg_public_type(const tcg_public *p) { return p->area.type; }
uint32_t tcg_public_attributes(const tcg_public *p) { return p->area.objectAttributes; }
tcg_evp_pkey *tcg_public_pkey(const tcg_public *p) { return p->pkey; }

const uint8_t *tcg_public_area(const tcg_public *p, size_t *len)
{
	*len = p->marshaled_len;
	return p->marshaled;
}

uint16_t tcg_public_scheme(const tcg_public *p)
{
	if (!p->has_area)
		return TCG_ALG_NULL;
	if (p->area.type == TPM2_ALG_RSA)
		return p->area.parameters.rsaDetail.scheme.scheme;
	if (p->area.type == TPM2_ALG_ECC)
		return p->area.parameters.eccDetail.scheme.scheme;
	return TCG_ALG_NULL;
}

uint16_t tcg_public_scheme_hash(const tcg_public *p)
{
	if (tcg_public_scheme(p) == TCG_ALG_NULL)
		return TCG_ALG_NULL;
	/* Every signing scheme's details start with hashAlg. */
	if (p->area.type == TPM2_ALG_RSA)
		return p->area.parameters.rsaDetail.scheme.details.anySig.hashAlg;
	return p->area.parameters.eccDetail.scheme.details.anySig.hashAlg;
}

unsigned tcg_public_key_bits(const tcg_public *p)
{
	if (!p->has_area)
		return (unsigned)EVP_PKEY_get_bits(p->pkey);
	if (p->area.type == TPM2_ALG_RSA)
		return p->area.parameters.rsaDetail.keyBits;
	return curve_bits(p->area.parameters.eccDetail.curveID);
}

tcg_rc tcg_public_name(const tcg_public *p, uint8_t name[TCG_MAX_NAME], size_t *len,
                       tcg_err *err)
{
	size_t hlen = tcg_alg_size(p->area.nameAlg);
	tcg_hasher *h;
	tcg_rc rc;

	if (!p->has_area)
		return tcg_fail_format(err, "public-no-area", "a PEM key has no TPM name");
	if (!hlen || hlen + 2 > TCG_MAX_NAME)
		return tcg_fail_format(err, "public-name-alg", "nameAlg 0x%04x is not a known hash",
		                       p->area.nameAlg);
	if (!(h = tcg_hasher_new()))
		return tcg_fail_nomem(err);
	name[0] = (uint8_t)(p->area.nameAlg >> 8);
	name[1] = (uint8_t)p->area.nameAlg;
	rc = tcg_hash(h, p->area.nameAlg, p->marshaled, p->marshaled_len, name + 2);
	tcg_hasher_free(h);
	if (rc)
		return tcg_err_set(err, rc, "hash", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "cannot hash with nameAlg 0x%04x", p->area.nameAlg);
	*len = hlen + 2;
	return TCG_OK;
}

tcg_rc tcg_ak_check(const tcg_public *ak, bool allow_sha1, tcg_err *err)
{
	static const struct {
		uint32_t bit;
		bool want;
		const char *rule, *what;
	} attrs[] = {
		/* decrypt first: a sign+decrypt key is refused for what it is. */
		{ TCG_TPMA_DECRYPT, false, "ak-decrypt", "decrypt" },
		{ TCG_TPMA_RESTRICTED, true, "ak-restricted", "restricted" },
		{ TCG_TPMA_SIGN, true, "ak-sign", "sign" },
		{ TCG_TPMA_FIXEDTPM, true, "ak-fixed-tpm", "fixedTPM" },
		{ TCG_TPMA_FIXEDPARENT, true, "ak-fixed-parent", "fixedParent" },
		{ TCG_TPMA_SENSITIVEDATAORIGIN, true, "ak-sensitive-data-origin", "sensitiveDataOrigin" },
	};
	uint32_t a = tcg_public_attributes(ak);
	uint16_t scheme = tcg_public_scheme(ak), hash = tcg_public_scheme_hash(ak);

	if (!ak->has_area)
		return tcg_fail_mismatch(err, "ak-no-public-area",
		                         "a bare key carries no TPM attributes to check");
	for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
		if (!!(a & attrs[i].bit) != attrs[i].want)
			return tcg_fail_mismatch(err, attrs[i].rule,
			                         "the AK %s %s (objectAttributes 0x%08x)",
			                         attrs[i].want ? "lacks" : "has", attrs[i].what, a);
	if (!tcg_alg_is_strong(ak->area.nameAlg, allow_sha1))
		return tcg_fail_mismatch(err, "ak-name-alg",
		                         "nameAlg 0x%04x is not SHA-256 or stronger%s",
		                         ak->area.nameAlg,
		                         ak->area.nameAlg == TCG_ALG_SHA1 ? " (SHA-1 not allowed)"
		                                                          : "");
	if (ak->area.type == TPM2_ALG_RSA) {
		if (ak->area.parameters.rsaDetail.keyBits < 2048)
			return tcg_fail_mismatch(err, "ak-key-size",
			                         "RSA key of %u bits, under 2048",
			                         ak->area.parameters.rsaDetail.keyBits);
		if (scheme != TCG_ALG_RSASSA && scheme != TCG_ALG_RSAPSS)
			return tcg_fail_mismatch(err, "ak-scheme",
			                         "RSA scheme 0x%04x is neither RSASSA nor RSAPSS",
			                         scheme);
		if (ak->area.parameters.rsaDetail.symmetric.algorithm != TPM2_ALG_NULL)
			return tcg_fail_mismatch(err, "ak-symmetric",
			                         "a signing key with a symmetric algorithm");
	} else if (ak->area.type == TPM2_ALG_ECC) {
		uint16_t c = ak->area.parameters.eccDetail.curveID;
		if (c != TPM2_ECC_NIST_P256 && c != TPM2_ECC_NIST_P384)
			return tcg_fail_mismatch(err, "ak-curve",
			                         "ECC curve 0x%04x is neither P-256 nor P-384", c);
		if (scheme != TCG_ALG_ECDSA)
			return tcg_fail_mismatch(err, "ak-scheme", "ECC scheme 0x%04x is not ECDSA",
			                         scheme);
		if (ak->area.parameters.eccDetail.kdf.scheme != TPM2_ALG_NULL)
			return tcg_fail_mismatch(err, "ak-kdf", "an ECC signing key with a KDF");
	} else {
		return tcg_fail_mismatch(err, "ak-type", "key type 0x%04x", ak->area.type);
	}
	if (!tcg_alg_is_strong(hash, allow_sha1))
		return tcg_fail_mismatch(err, "ak-scheme-hash",
		                         "signing hash 0x%04x is not SHA-256 or stronger%s", hash,
		                         hash == TCG_ALG_SHA1 ? " (SHA-1 not allowed)" : "");
	return TCG_OK;
}
