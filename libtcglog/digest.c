/* The SHA-1/SHA-2 one-shot functions need no OpenSSL library context: a tool
 * that only replays never pays for provider start-up. */
#define OPENSSL_API_COMPAT 10101
#include "tcglog/digest.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	uint16_t id;
	uint16_t size;
	const char *name;     /* as tpm2-tools prints it */
	const char *ossl;     /* OpenSSL fetch name */
} algs[] = {
	{ TCG_ALG_SHA1, 20, "sha1", "SHA1" },
	{ TCG_ALG_SHA256, 32, "sha256", "SHA256" },
	{ TCG_ALG_SHA384, 48, "sha384", "SHA384" },
	{ TCG_ALG_SHA512, 64, "sha512", "SHA512" },
	{ TCG_ALG_SM3_256, 32, "sm3_256", "SM3" },
	{ TCG_ALG_SHA3_256, 32, "sha3_256", "SHA3-256" },
	{ TCG_ALG_SHA3_384, 48, "sha3_384", "SHA3-384" },
	{ TCG_ALG_SHA3_512, 64, "sha3_512", "SHA3-512" },
};
#define NALGS (sizeof algs / sizeof algs[0])

static int alg_index(uint16_t alg)
{
	for (size_t i = 0; i < NALGS; i++)
		if (algs[i].id == alg)
			return (int)i;
	return -1;
}

size_t tcg_alg_size(uint16_t alg)
{
	int i = alg_index(alg);
	return i < 0 ? 0 : algs[i].size;
}

const char *tcg_alg_name(uint16_t alg)
{
	int i = alg_index(alg);
	return i < 0 ? NULL : algs[i].name;
}

bool tcg_alg_is_strong(uint16_t alg, bool allow_sha1)
{
	if (alg == TCG_ALG_SHA1)
		return allow_sha1;
	return tcg_alg_size(alg) >= 32;
}

const char *tcg_alg_ossl_name(uint16_t alg)
{
	int i = alg_index(alg);
	return i < 0 ? NULL : algs[i].ossl;
}

bool tcg_alg_from_name(const char *name, uint16_t *alg)
{
	char norm[16];
	size_t n = 0;
	char *end;
	unsigned long v;

	for (const char *p = name; *p && n + 1 < sizeof norm; p++)
		if (*p != '-')
			norm[n++] = *p;
	norm[n] = '\0';
	for (size_t i = 0; i < NALGS; i++) {
		if (!strcasecmp(norm, algs[i].name)) {
			*alg = algs[i].id;
			return true;
		}
	}
	if (!strcasecmp(norm, "sm3")) {
		*alg = TCG_ALG_SM3_256;
		return true;
	}
	v = strtoul(name, &end, 0);
	if (*name && !*end && v <= 0xFFFF && alg_index((uint16_t)v) >= 0) {
		*alg = (uint16_t)v;
		return true;
	}
	return false;
}

struct tcg_hasher {
	EVP_MD_CTX *ctx;          /* made on first use: SHA-1/-2 need no EVP (nor OpenSSL's init) */
	EVP_MD *md[NALGS];
	bool tried[NALGS];
};

tcg_hasher *tcg_hasher_new(void)
{
	return calloc(1, sizeof(tcg_hasher));
}

void tcg_hasher_free(tcg_hasher *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < NALGS; i++)
		EVP_MD_free(h->md[i]);
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

static EVP_MD *get_md(tcg_hasher *h, uint16_t alg)
{
	int i = alg_index(alg);
	if (i < 0)
		return NULL;
	if (!h->tried[i]) {
		h->tried[i] = true;
		h->md[i] = EVP_MD_fetch(NULL, algs[i].ossl, NULL);
	}
	return h->md[i];
}

bool tcg_alg_needs_hasher(uint16_t alg)
{
	switch (alg) {
	case TCG_ALG_SHA1:
	case TCG_ALG_SHA256:
	case TCG_ALG_SHA384:
	case TCG_ALG_SHA512:
		return false;
	default:
		return true;
	}
}

bool tcg_hasher_supports(tcg_hasher *h, uint16_t alg)
{
	return !tcg_alg_needs_hasher(alg) || get_md(h, alg) != NULL;
}

/* OpenSSL's SHA-1/SHA-2 through the context-free API; false for other algorithms. */
static bool hash_sha(uint16_t alg, const void *a, size_t alen, const void *b, size_t blen,
                     uint8_t *out)
{
	switch (alg) {
	case TCG_ALG_SHA1: {
		SHA_CTX c;
		SHA1_Init(&c);
		SHA1_Update(&c, a, alen);
		SHA1_Update(&c, b, blen);
		SHA1_Final(out, &c);
		OPENSSL_cleanse(&c, sizeof c);
		return true;
	}
	case TCG_ALG_SHA256: {
		SHA256_CTX c;
		SHA256_Init(&c);
		SHA256_Update(&c, a, alen);
		SHA256_Update(&c, b, blen);
		SHA256_Final(out, &c);
		OPENSSL_cleanse(&c, sizeof c);
		return true;
	}
	case TCG_ALG_SHA384:
	case TCG_ALG_SHA512: {
		SHA512_CTX c;
		if (alg == TCG_ALG_SHA384)
			SHA384_Init(&c);
		else
			SHA512_Init(&c);
		SHA512_Update(&c, a, alen);
		SHA512_Update(&c, b, blen);
		if (alg == TCG_ALG_SHA384)
			SHA384_Final(out, &c);
		else
			SHA512_Final(out, &c);
		OPENSSL_cleanse(&c, sizeof c);
		return true;
	}
	default:
		return false;
	}
}

tcg_rc tcg_hash2(tcg_hasher *h, uint16_t alg, const void *a, size_t alen,
                 const void *b, size_t blen, uint8_t *out)
{
	EVP_MD *md;
	unsigned int outlen = 0;

	if (hash_sha(alg, a, alen, b, blen, out))
		return TCG_OK;
	if (!h || !(md = get_md(h, alg)))
		return TCG_E_USAGE;
	if (!h->ctx && !(h->ctx = EVP_MD_CTX_new()))
		return TCG_E_NOMEM;
	if (!EVP_DigestInit_ex2(h->ctx, md, NULL) ||
	    (alen && !EVP_DigestUpdate(h->ctx, a, alen)) ||
	    (blen && !EVP_DigestUpdate(h->ctx, b, blen)) ||
	    !EVP_DigestFinal_ex(h->ctx, out, &outlen))
		return TCG_E_NOMEM;
	return TCG_OK;
}

tcg_rc tcg_hash(tcg_hasher *h, uint16_t alg, const void *data, size_t len, uint8_t *out)
{
	return tcg_hash2(h, alg, data, len, NULL, 0, out);
}
