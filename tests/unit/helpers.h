/* Test helpers: logs built with the library's writer, digests from OpenSSL directly. */
#ifndef TCGLOG_TEST_HELPERS_H
#define TCGLOG_TEST_HELPERS_H

#include <openssl/evp.h>
#include <string.h>

#include "tcglog/log.h"
#include "writer.h"

/* Independent reference hash: OpenSSL's one-shot API, not libtcglog's hasher. */
static inline void ref_hash(const char *md, const void *a, size_t alen, const void *b,
                            size_t blen, uint8_t *out)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_DigestInit_ex(c, EVP_get_digestbyname(md), NULL);
	EVP_DigestUpdate(c, a, alen);
	if (blen)
		EVP_DigestUpdate(c, b, blen);
	EVP_DigestFinal_ex(c, out, NULL);
	EVP_MD_CTX_free(c);
}

/* pcr = H(pcr || H(data)) */
static inline void ref_extend_data(const char *md, size_t size, uint8_t *pcr, const void *data,
                                   size_t len)
{
	uint8_t d[64];
	ref_hash(md, data, len, NULL, 0, d);
	ref_hash(md, pcr, size, d, size, pcr);
}

static inline tcg_writer *agile_writer(void)
{
	static const uint16_t algs[] = { TCG_ALG_SHA1, TCG_ALG_SHA256 };
	return tcg_writer_new(TCG_FMT_AGILE, algs, 2);
}

static inline tcg_rc parse_writer(tcg_writer *w, tcg_log **log, tcg_err *err)
{
	size_t len;
	const uint8_t *p = tcg_writer_data(w, &len);
	tcg_err_clear(err);
	return tcg_log_parse(p, len, 0, log, err);
}

/* Little-endian store into a byte array, for hand-made malformed logs. */
static inline void put32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

#endif
