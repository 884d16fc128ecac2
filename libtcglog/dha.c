#include "tcglog/dha.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(rc, rule, ...) tcg_err_set(err, rc, rule, TCG_NO_OFFSET, TCG_NO_EVENT, __VA_ARGS__)

static const char binding_label[] = "tcglog dha-bootdata v1";
static const char wrap_label[] = "tcglog dha-wrap v1";

static int hash_field(EVP_MD_CTX *md, const void *p, size_t len)
{
	uint8_t be[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
	                 (uint8_t)len};
	return EVP_DigestUpdate(md, be, sizeof be) == 1 && (!len || EVP_DigestUpdate(md, p, len) == 1);
}

tcg_rc tcg_dha_bootdata_binding(const char *device, const uint8_t *log, size_t log_len,
                                const uint8_t *ek_public, size_t ek_public_len,
                                const uint8_t *ek_cert, size_t ek_cert_len,
                                const uint8_t *ak_public, size_t ak_public_len,
                                uint8_t out[TCG_DHA_BINDING_SIZE], tcg_err *err)
{
	const size_t lens[] = {device ? strlen(device) : 0, log_len, ek_public_len, ek_cert_len,
	                       ak_public_len};
	const void *parts[] = {device, log, ek_public, ek_cert, ak_public};
	for (size_t i = 0; i < 5; i++)
		if (!parts[i] || lens[i] > UINT32_MAX)
			return FAIL(TCG_E_USAGE, "dha-binding", "a bootdata field is missing or too large");
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned n = 0;
	int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
	         EVP_DigestUpdate(md, binding_label, sizeof binding_label) == 1;
	for (size_t i = 0; ok && i < 5; i++)
		ok = hash_field(md, parts[i], lens[i]);
	ok = ok && EVP_DigestFinal_ex(md, out, &n) == 1 && n == TCG_DHA_BINDING_SIZE;
	EVP_MD_CTX_free(md);
	return ok ? TCG_OK : FAIL(TCG_E_IO, "dha-binding", "SHA-256 failed");
}

/* Additional data of the outer layer: label, NUL, device name. */
static uint8_t *wrap_aad(const char *device, size_t *len)
{
	size_t n = strlen(device);
	uint8_t *aad = malloc(sizeof wrap_label + n);
	if (aad) {
		memcpy(aad, wrap_label, sizeof wrap_label);
		memcpy(aad + sizeof wrap_label, device, n);
		*len = sizeof wrap_label + n;
	}
	return aad;
}

tcg_rc tcg_dha_wrap(const uint8_t *encblob, size_t len, const char *device,
                    uint8_t key[TCG_DHA_WRAP_KEY_SIZE], uint8_t **out, size_t *out_len,
                    tcg_err *err)
{
	*out = NULL;
	*out_len = 0;
	if (!encblob || !device)
		return FAIL(TCG_E_USAGE, "dha-wrap", "tcg_dha_wrap: missing argument");
	tcg_rc rc = tcg_random(key, TCG_DHA_WRAP_KEY_SIZE, err);
	if (rc)
		return rc;
	size_t aad_len;
	uint8_t *aad = wrap_aad(device, &aad_len);
	if (!aad)
		return FAIL(TCG_E_NOMEM, "out-of-memory", "no memory");
	tcg_service_key k;
	tcg_service_key_set(&k, key);
	rc = tcg_blob_seal(&k, encblob, len, aad, aad_len, out, out_len, err);
	tcg_service_key_wipe(&k);
	free(aad);
	if (rc)
		OPENSSL_cleanse(key, TCG_DHA_WRAP_KEY_SIZE);
	return rc;
}

tcg_rc tcg_dha_unwrap(const uint8_t *wrapped, size_t len, const char *device,
                      const uint8_t *key, size_t key_len, uint8_t **encblob, size_t *out_len,
                      tcg_err *err)
{
	*encblob = NULL;
	*out_len = 0;
	if (!wrapped || !device || !key)
		return FAIL(TCG_E_USAGE, "dha-wrap", "tcg_dha_unwrap: missing argument");
	if (key_len != TCG_DHA_WRAP_KEY_SIZE)
		return FAIL(TCG_E_MISMATCH, "dha-wrap", "the activated credential is %zu bytes, not %d",
		            key_len, TCG_DHA_WRAP_KEY_SIZE);
	size_t aad_len;
	uint8_t *aad = wrap_aad(device, &aad_len);
	if (!aad)
		return FAIL(TCG_E_NOMEM, "out-of-memory", "no memory");
	tcg_service_key k;
	tcg_service_key_set(&k, key);
	/* The EncBlob is no secret of the device's (it cannot open it): a plain
	 * copy out of the wiped plaintext buffer is fine. */
	uint8_t *plain = NULL;
	size_t plen = 0;
	tcg_rc rc = tcg_blob_open(&k, 1, wrapped, len, aad, aad_len, &plain, &plen, err);
	tcg_service_key_wipe(&k);
	free(aad);
	if (rc)
		return rc;
	*encblob = malloc(plen ? plen : 1);
	if (!*encblob) {
		tcg_blob_free_plaintext(plain, plen);
		return FAIL(TCG_E_NOMEM, "out-of-memory", "no memory");
	}
	memcpy(*encblob, plain, plen);
	*out_len = plen;
	tcg_blob_free_plaintext(plain, plen);
	return TCG_OK;
}

/* ---- EncBlob content (kind dha-encblob-content) ---- */

tcg_rc tcg_dha_content_encode(const tcg_dha_content *c, uint8_t **out, size_t *len,
                              tcg_err *err)
{
	(void)c;
	*out = NULL;
	*len = 0;
	return FAIL(TCG_E_USAGE, "dha-content", "not implemented yet");
}

tcg_rc tcg_dha_content_decode(const uint8_t *data, size_t len, tcg_dha_content *c,
                              tcg_err *err)
{
	(void)data;
	(void)len;
	memset(c, 0, sizeof *c);
	return FAIL(TCG_E_USAGE, "dha-content", "not implemented yet");
}

void tcg_dha_content_free(tcg_dha_content *c)
{
	if (!c)
		return;
	free(c->device);
	free(c->ak_public);
	if (c->claims)
		OPENSSL_cleanse(c->claims, c->claims_len);
	free(c->claims);
	memset(c, 0, sizeof *c);
}
