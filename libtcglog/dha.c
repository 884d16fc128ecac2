#include "tcglog/dha.h"
#include "yamldoc.h"
#include "tcglog/nonce.h"
#include "buf.h"
#include "dha_int.h"
#include "tcglog/claims.h"
#include "tcglog/credential.h"
#include "tcglog/ekcert.h"
#include "tcglog/log.h"
#include "tcglog/msg.h"
#include "tcglog/replay.h"
#include "tcglog/tpm.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* v2 binds the log by its SHA-256, which the service needs for the claims
 * anyway: one pass over the log instead of two (issue #12). v1 bound the
 * log's bytes; such quotes are refused by name (dha-bootdata-binding-v1). */
static const char binding_label[] = "tcglog dha-bootdata v2";
static const char binding_label_v1[] = "tcglog dha-bootdata v1";
static const char wrap_label[] = "tcglog dha-wrap v1";

static int hash_field(EVP_MD_CTX *md, const void *p, size_t len)
{
	uint8_t be[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
	                 (uint8_t)len};
	return EVP_DigestUpdate(md, be, sizeof be) == 1 && (!len || EVP_DigestUpdate(md, p, len) == 1);
}

/* SHA-256 over label (with its NUL), then each field as length and bytes;
 * log is the log itself (v1) or its SHA-256 (v2). */
static tcg_rc binding_of(const char *label, size_t label_size, const char *device,
                         const uint8_t *log, size_t log_len, const uint8_t *ek_public,
                         size_t ek_public_len, const uint8_t *ek_cert, size_t ek_cert_len,
                         const uint8_t *ak_public, size_t ak_public_len,
                         uint8_t out[TCG_DHA_BINDING_SIZE], tcg_err *err)
{
	const size_t lens[] = {device ? strlen(device) : 0, log_len, ek_public_len, ek_cert_len,
	                       ak_public_len};
	const void *parts[] = {device, log, ek_public, ek_cert, ak_public};
	for (size_t i = 0; i < 5; i++)
		if (!parts[i] || lens[i] > UINT32_MAX)
			return tcg_fail(err, TCG_E_USAGE, "dha-binding",
			                "a bootdata field is missing or too large");
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned n = 0;
	int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
	         EVP_DigestUpdate(md, label, label_size) == 1;
	for (size_t i = 0; ok && i < 5; i++)
		ok = hash_field(md, parts[i], lens[i]);
	ok = ok && EVP_DigestFinal_ex(md, out, &n) == 1 && n == TCG_DHA_BINDING_SIZE;
	EVP_MD_CTX_free(md);
	return ok ? TCG_OK : tcg_fail(err, TCG_E_IO, "dha-binding", "SHA-256 failed");
}

static tcg_rc log_sha256(const uint8_t *log, size_t log_len, uint8_t out[32], tcg_err *err)
{
	if (!log || tcg_hash(NULL, TCG_ALG_SHA256, log, log_len, out))
		return tcg_fail(err, TCG_E_IO, "dha-binding", "SHA-256 of the log failed");
	return TCG_OK;
}

tcg_rc tcg_dha_bootdata_binding(const char *device, const uint8_t *log, size_t log_len,
                                const uint8_t *ek_public, size_t ek_public_len,
                                const uint8_t *ek_cert, size_t ek_cert_len,
                                const uint8_t *ak_public, size_t ak_public_len,
                                uint8_t out[TCG_DHA_BINDING_SIZE], tcg_err *err)
{
	uint8_t digest[32];
	tcg_rc rc;
	if (!log)
		return tcg_fail(err, TCG_E_USAGE, "dha-binding",
		                "a bootdata field is missing or too large");
	if ((rc = log_sha256(log, log_len, digest, err)))
		return rc;
	return binding_of(binding_label, sizeof binding_label, device, digest, sizeof digest,
	                  ek_public, ek_public_len, ek_cert, ek_cert_len, ak_public, ak_public_len,
	                  out, err);
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
		return tcg_fail(err, TCG_E_USAGE, "dha-wrap", "tcg_dha_wrap: missing argument");
	tcg_rc rc = tcg_random(key, TCG_DHA_WRAP_KEY_SIZE, err);
	if (rc)
		return rc;
	size_t aad_len;
	uint8_t *aad = wrap_aad(device, &aad_len);
	if (!aad)
		return tcg_fail_nomem(err);
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
		return tcg_fail(err, TCG_E_USAGE, "dha-wrap", "tcg_dha_unwrap: missing argument");
	if (key_len != TCG_DHA_WRAP_KEY_SIZE)
		return tcg_fail_mismatch(err, "dha-wrap",
		                         "the activated credential is %zu bytes, not %d", key_len,
		                         TCG_DHA_WRAP_KEY_SIZE);
	size_t aad_len;
	uint8_t *aad = wrap_aad(device, &aad_len);
	if (!aad)
		return tcg_fail_nomem(err);
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
		return tcg_fail_nomem(err);
	}
	memcpy(*encblob, plain, plen);
	*out_len = plen;
	tcg_blob_free_plaintext(plain, plen);
	return TCG_OK;
}

/* ---- quote verifiers per AK ---- */

/* What a device sends with every boot data, kept parsed per exact bytes and
 * replaced round robin: its AK's quote verifier (the AK parsed and named with
 * it), its EK public area (OpenSSL 3 builds the EVP_PKEY through fromdata,
 * which costs more than MakeCredential's own work) and its EK certificate
 * (decoded with its digest). */
#define KEPT 16
typedef struct {
	uint8_t *bytes; /* as received, compared byte for byte */
	size_t len;
	void *obj;      /* parsed from exactly those bytes */
	uint8_t sha256[32]; /* certificates: tcg_dha_ek_cert_sha256 */
} kept_entry;
typedef struct {
	kept_entry e[KEPT];
	size_t next;
} kept;

struct tcg_dha_verifiers {
	kept aks, eks, certs;
};

/* What aks keeps per AK: the AK parsed, its name, its verifier. */
typedef struct {
	tcg_public *ak;
	uint8_t name[TCG_MAX_NAME];
	size_t name_len;
	tcg_quote_verifier *qv;
} ak_verifier;

static void ak_obj_free(void *p)
{
	ak_verifier *a = p;
	tcg_quote_verifier_free(a->qv);
	tcg_public_free(a->ak);
	free(a);
}
static void ek_obj_free(void *p) { tcg_public_free(p); }
static void cert_obj_free(void *p) { tcg_ekcert_free(p); }

static void kept_drop(kept_entry *k, void (*obj_free)(void *))
{
	if (k->obj)
		obj_free(k->obj);
	free(k->bytes);
	memset(k, 0, sizeof *k);
}

static const kept_entry *kept_find(const kept *k, const uint8_t *bytes, size_t len)
{
	for (size_t i = 0; i < KEPT; i++)
		if (k->e[i].obj && k->e[i].len == len && !memcmp(k->e[i].bytes, bytes, len))
			return &k->e[i];
	return NULL;
}

/* Keep obj (parsed from bytes) in k, replacing round robin; NULL (obj not
 * kept, still the caller's) when memory runs out. */
static kept_entry *kept_add(kept *k, const uint8_t *bytes, size_t len, void *obj,
                            void (*obj_free)(void *))
{
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return NULL;
	kept_entry *e = &k->e[k->next];
	kept_drop(e, obj_free);
	memcpy(copy, bytes, len);
	e->bytes = copy;
	e->len = len;
	e->obj = obj;
	k->next = (k->next + 1) % KEPT;
	return e;
}

tcg_rc tcg_dha_verifiers_new(tcg_dha_verifiers **out, tcg_err *err)
{
	if (!(*out = calloc(1, sizeof **out)))
		return tcg_fail_nomem(err);
	return TCG_OK;
}

void tcg_dha_verifiers_free(tcg_dha_verifiers *vs)
{
	for (size_t i = 0; vs && i < KEPT; i++) {
		kept_drop(&vs->aks.e[i], ak_obj_free);
		kept_drop(&vs->eks.e[i], ek_obj_free);
		kept_drop(&vs->certs.e[i], cert_obj_free);
	}
	free(vs);
}

/*
 * The EK public area these exact bytes parse to: the one vs parsed before
 * from the same bytes (tcg_public_parse's answer depends on nothing else), or
 * a new one, kept in vs when it parses, else left to the caller in *own.
 * Refusals are not kept: each is found again.
 */
static tcg_rc ek_public_for(tcg_dha_verifiers *vs, const uint8_t *bytes, size_t len,
                            const tcg_public **out, tcg_public **own, tcg_err *err)
{
	const kept_entry *k = vs ? kept_find(&vs->eks, bytes, len) : NULL;
	tcg_rc rc;
	*out = *own = NULL;
	if (k) {
		*out = k->obj;
		return TCG_OK;
	}
	if ((rc = tcg_public_parse(bytes, len, own, err)))
		return rc;
	*out = *own;
	if (vs && kept_add(&vs->eks, bytes, len, *own, ek_obj_free))
		*own = NULL;
	return TCG_OK;
}

/* The same for the EK certificate (tcg_ekcert_parse), with its DER's SHA-256. */
static tcg_rc ek_cert_for(tcg_dha_verifiers *vs, const uint8_t *bytes, size_t len,
                          const tcg_ekcert **out, tcg_ekcert **own, uint8_t sha256[32],
                          tcg_err *err)
{
	const kept_entry *k = vs ? kept_find(&vs->certs, bytes, len) : NULL;
	kept_entry *e;
	tcg_rc rc;
	*out = *own = NULL;
	if (k) {
		*out = k->obj;
		memcpy(sha256, k->sha256, 32);
		return TCG_OK;
	}
	if ((rc = tcg_ekcert_parse(bytes, len, own, err)) ||
	    (rc = tcg_dha_ek_cert_sha256(*own, sha256, err)))
		return rc;
	*out = *own;
	if (vs && (e = kept_add(&vs->certs, bytes, len, *own, cert_obj_free))) {
		memcpy(e->sha256, sha256, 32);
		*own = NULL;
	}
	return TCG_OK;
}

tcg_rc tcg_dha_verifier_for(tcg_dha_verifiers *vs, const uint8_t *ak_public, size_t len,
                            const tcg_public *ak, tcg_quote_verifier **qv,
                            tcg_quote_verifier **own, tcg_err *err)
{
	tcg_rc rc;
	*own = NULL;
	if (!vs) {
		rc = tcg_quote_verifier_new(ak, own, err);
		*qv = *own;
		return rc;
	}
	const kept_entry *k = kept_find(&vs->aks, ak_public, len);
	if (k) {
		*qv = ((const ak_verifier *)k->obj)->qv;
		return TCG_OK;
	}
	ak_verifier *a = calloc(1, sizeof *a);
	if (!a)
		return tcg_fail_nomem(err);
	if ((rc = tcg_public_parse(ak_public, len, &a->ak, err)) ||
	    (rc = tcg_public_name(a->ak, a->name, &a->name_len, err)) ||
	    (rc = tcg_quote_verifier_new(a->ak, &a->qv, err)) ||
	    (!kept_add(&vs->aks, ak_public, len, a, ak_obj_free) && (rc = tcg_fail_nomem(err)))) {
		ak_obj_free(a);
		return rc;
	}
	*qv = a->qv;
	return TCG_OK;
}

/* The AK vs holds for these bytes, parsed and named when it was added. */
static const tcg_public *verifiers_known(const tcg_dha_verifiers *vs, const uint8_t *ak_public,
                                         size_t len, const uint8_t **name, size_t *name_len)
{
	const kept_entry *k = vs ? kept_find(&vs->aks, ak_public, len) : NULL;
	const ak_verifier *a = k ? k->obj : NULL;
	if (!a)
		return NULL;
	*name = a->name;
	*name_len = a->name_len;
	return a->ak;
}

/* ---- EncBlob content (binary, see tcg_dha_content_encode) ---- */

static const uint8_t content_magic[4] = {'T', 'C', 'G', 'C'};
#define AK_PUBLIC_MAX 1024

static const uint16_t content_algs[] = {TCG_ALG_SHA1, TCG_ALG_SHA256, TCG_ALG_SHA384,
                                        TCG_ALG_SHA512, TCG_ALG_SM3_256};

/* The nonce store's device-name rule (one rule for every place a name
 * travels), on a value that holds no NUL of its own. */
static bool device_ok(const char *d, size_t len)
{
	return d && strlen(d) == len && tcg_nonce_check_device(d, NULL) == TCG_OK;
}

static bool alg_known(uint16_t alg)
{
	for (size_t i = 0; i < sizeof content_algs / sizeof *content_algs; i++)
		if (alg == content_algs[i])
			return true;
	return false;
}

/* A selection every bank of which is a known bank with PCRs, each bank once;
 * text (when not NULL) receives its canonical form. */
static bool selection_ok(const tcg_pcr_selection *sel, char *text, size_t cap)
{
	if (!sel->num_banks || sel->num_banks > TCG_MAX_BANKS)
		return false;
	for (size_t k = 0; k < sel->num_banks; k++) {
		if (!sel->bank[k].mask || sel->bank[k].mask >> TCG_NUM_PCRS ||
		    !alg_known(sel->bank[k].alg))
			return false;
		for (size_t j = 0; j < k; j++)
			if (sel->bank[j].alg == sel->bank[k].alg)
				return false;
	}
	return !text || tcg_pcr_selection_format(sel, text, cap);
}

/* The values exactly cover the selection: same banks, same PCRs, bank sizes. */
static bool pcrs_match_selection(const tcg_pcr_values *v, const tcg_pcr_selection *sel)
{
	if (v->num_banks != sel->num_banks)
		return false;
	for (size_t k = 0; k < sel->num_banks; k++) {
		const tcg_pcr_bank *b = tcg_pcrs_bank_const(v, sel->bank[k].alg);
		if (!b || b->present != sel->bank[k].mask || b->size != tcg_alg_size(b->alg))
			return false;
	}
	return true;
}

/* A nonce slot of zeros inside the claims. */
static bool nonce_slot_ok(const char *claims, size_t len, size_t slot)
{
	if (!claims || slot > len || len - slot < TCG_DHA_NONCE_SLOT_LEN)
		return false;
	for (size_t i = 0; i < TCG_DHA_NONCE_SLOT_LEN; i++)
		if (claims[slot + i] != '0')
			return false;
	return true;
}

static size_t pcrs_in(uint32_t mask)
{
	size_t n = 0;
	for (; mask; mask &= mask - 1)
		n++;
	return n;
}

static size_t content_size(const tcg_dha_content *c)
{
	size_t n = 4 + 1 + 1 + strlen(c->device) + 2 + c->ak_public_len + 1 + c->ak_name_len + 32 +
	           1 + 6 * c->selection.num_banks + 1 + c->pcr_digest_len + 4 + 4 + 8 + 8 + 8 + 4 +
	           c->claims_len + 4;
	for (size_t k = 0; k < c->selection.num_banks; k++)
		n += pcrs_in(c->selection.bank[k].mask) *
		     tcg_alg_size(c->selection.bank[k].alg);
	return n;
}

static uint8_t *put(uint8_t *p, const void *v, size_t n)
{
	memcpy(p, v, n);
	return p + n;
}

static uint8_t *put_be(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	return p + bytes;
}

tcg_rc tcg_dha_content_encode(const tcg_dha_content *c, uint8_t **out, size_t *len,
                              tcg_err *err)
{
	*out = NULL;
	*len = 0;
	if (!c || !device_ok(c->device, c->device ? strlen(c->device) : 0))
		return tcg_fail(err, TCG_E_USAGE, "dha-content",
		                "the device name must be 1..255 printable ASCII");
	if (!c->ak_public || c->ak_public_len < 2 || c->ak_public_len > AK_PUBLIC_MAX ||
	    c->ak_name_len < 2 || c->ak_name_len > TCG_MAX_NAME)
		return tcg_fail(err, TCG_E_USAGE, "dha-content",
		                "AK public area or name missing or too large");
	if (!selection_ok(&c->selection, NULL, 0) || !pcrs_match_selection(&c->pcrs, &c->selection))
		return tcg_fail(err, TCG_E_USAGE, "dha-content",
		                "the PCR values do not exactly cover a valid selection");
	if (c->pcr_digest_len < 20 || c->pcr_digest_len > TCG_MAX_DIGEST)
		return tcg_fail(err, TCG_E_USAGE, "dha-content", "PCR digest of %zu bytes",
		                c->pcr_digest_len);
	if (c->clock > INT64_MAX || c->issued < 0 || c->expires < c->issued)
		return tcg_fail(err, TCG_E_USAGE, "dha-content", "clock or validity out of range");
	if (!c->claims_len || c->claims_len > TCG_DHA_CONTENT_MAX_CLAIMS ||
	    !nonce_slot_ok(c->claims, c->claims_len, c->nonce_slot))
		return tcg_fail(err, TCG_E_USAGE, "dha-content",
		                "claims missing, over %u bytes or without their nonce slot",
		                TCG_DHA_CONTENT_MAX_CLAIMS);

	size_t n = content_size(c);
	uint8_t *buf = malloc(n), *p = buf;
	if (!buf)
		return tcg_fail_nomem(err);
	p = put(p, content_magic, sizeof content_magic);
	p = put_be(p, TCG_DHA_CONTENT_VERSION, 1);
	p = put_be(p, strlen(c->device), 1);
	p = put(p, c->device, strlen(c->device));
	p = put_be(p, c->ak_public_len, 2);
	p = put(p, c->ak_public, c->ak_public_len);
	p = put_be(p, c->ak_name_len, 1);
	p = put(p, c->ak_name, c->ak_name_len);
	p = put(p, c->ek_cert_sha256, sizeof c->ek_cert_sha256);
	p = put_be(p, c->selection.num_banks, 1);
	for (size_t k = 0; k < c->selection.num_banks; k++) {
		p = put_be(p, c->selection.bank[k].alg, 2);
		p = put_be(p, c->selection.bank[k].mask, 4);
	}
	for (size_t k = 0; k < c->selection.num_banks; k++) {
		const tcg_pcr_bank *b = tcg_pcrs_bank_const(&c->pcrs, c->selection.bank[k].alg);
		for (unsigned i = 0; i < TCG_NUM_PCRS; i++)
			if (b->present & (1u << i))
				p = put(p, b->value[i], b->size);
	}
	p = put_be(p, c->pcr_digest_len, 1);
	p = put(p, c->pcr_digest, c->pcr_digest_len);
	p = put_be(p, c->reset_count, 4);
	p = put_be(p, c->restart_count, 4);
	p = put_be(p, c->clock, 8);
	p = put_be(p, (uint64_t)c->issued, 8);
	p = put_be(p, (uint64_t)c->expires, 8);
	p = put_be(p, c->claims_len, 4);
	p = put(p, c->claims, c->claims_len);
	put_be(p, c->nonce_slot, 4);
	*out = buf;
	*len = n;
	return TCG_OK;
}

static bool get_u64be(tcg_buf *b, uint64_t *v)
{
	uint32_t hi, lo;
	if (!tcg_buf_u32be(b, &hi) || !tcg_buf_u32be(b, &lo))
		return false;
	*v = (uint64_t)hi << 32 | lo;
	return true;
}

/* n (read as a u8, u16 or u32 length) bytes into a new NUL-terminated buffer. */
static bool get_sized(tcg_buf *b, unsigned lenbytes, size_t min, size_t max, uint8_t **out,
                      size_t *len)
{
	uint8_t u8 = 0;
	uint16_t u16 = 0;
	uint32_t n = 0;
	const uint8_t *p;
	if (lenbytes == 1 ? !tcg_buf_u8(b, &u8) : lenbytes == 2 ? !tcg_buf_u16be(b, &u16)
	                                                         : !tcg_buf_u32be(b, &n))
		return false;
	n = lenbytes == 1 ? u8 : lenbytes == 2 ? u16 : n;
	if (n < min || n > max || !tcg_buf_bytes(b, n, &p) || !(*out = malloc((size_t)n + 1)))
		return false;
	memcpy(*out, p, n);
	(*out)[n] = 0;
	*len = n;
	return true;
}

static bool get_fixed(tcg_buf *b, size_t min, size_t max, uint8_t *out, size_t *len)
{
	uint8_t n;
	const uint8_t *p;
	if (!tcg_buf_u8(b, &n) || n < min || n > max || !tcg_buf_bytes(b, n, &p))
		return false;
	memcpy(out, p, n);
	*len = n;
	return true;
}

static bool get_selection(tcg_buf *b, tcg_pcr_selection *sel, tcg_pcr_values *v)
{
	uint8_t nb;
	if (!tcg_buf_u8(b, &nb) || !nb || nb > TCG_MAX_BANKS)
		return false;
	sel->num_banks = nb;
	for (size_t k = 0; k < nb; k++)
		if (!tcg_buf_u16be(b, &sel->bank[k].alg) || !tcg_buf_u32be(b, &sel->bank[k].mask))
			return false;
	if (!selection_ok(sel, NULL, 0))
		return false;
	for (size_t k = 0; k < nb; k++) {
		tcg_pcr_bank *bank = tcg_pcrs_add_bank(v, sel->bank[k].alg);
		if (!bank)
			return false;
		bank->size = tcg_alg_size(bank->alg);
		bank->present = sel->bank[k].mask;
		for (unsigned i = 0; i < TCG_NUM_PCRS; i++) {
			const uint8_t *p;
			if (!(bank->present & (1u << i)))
				continue;
			if (!tcg_buf_bytes(b, bank->size, &p))
				return false;
			memcpy(bank->value[i], p, bank->size);
		}
	}
	return true;
}

#define CFAULT(rule, ...) tcg_fail_format(err, rule, __VA_ARGS__)

void tcg_dha_content_clear(tcg_dha_content *c)
{
	memset(c, 0, offsetof(tcg_dha_content, pcrs.bank));
	memset(c->pcr_digest, 0, sizeof *c - offsetof(tcg_dha_content, pcr_digest));
}

tcg_rc tcg_dha_content_decode(const uint8_t *data, size_t len, tcg_dha_content *c,
                              tcg_public **akp, tcg_err *err)
{
	return tcg_dha_content_decode_known(data, len, c, NULL, akp, NULL, err);
}

tcg_rc tcg_dha_content_decode_known(const uint8_t *data, size_t len, tcg_dha_content *c,
                                    const tcg_dha_verifiers *vs, tcg_public **akp,
                                    size_t *claims_at, tcg_err *err)
{
	tcg_buf b = tcg_buf_init(data, len);
	const uint8_t *magic;
	uint8_t version = 0, own_name[TCG_MAX_NAME];
	const uint8_t *name = own_name;
	uint64_t u = 0;
	uint32_t slot = 0;
	size_t n = 0, nlen = 0;
	tcg_public *ak = NULL;
	const tcg_public *known = NULL;
	tcg_rc rc;

	tcg_dha_content_clear(c);
	if (akp)
		*akp = NULL;
	if (!data)
		return tcg_fail(err, TCG_E_USAGE, "dha-content", "no content");
	if (!tcg_buf_bytes(&b, sizeof content_magic, &magic) || !tcg_buf_u8(&b, &version) ||
	    memcmp(magic, content_magic, sizeof content_magic) || version != TCG_DHA_CONTENT_VERSION)
		return CFAULT("dha-content-version",
		              "the EncBlob's content is not of version %d (sealed by an older "
		              "dha-issue?); new boot data is needed",
		              TCG_DHA_CONTENT_VERSION);
	if (!get_sized(&b, 1, 1, 255, (uint8_t **)&c->device, &n) || !device_ok(c->device, n)) {
		rc = CFAULT("dha-content-device", "device must be 1..255 printable ASCII");
		goto fail;
	}
	if (!get_sized(&b, 2, 2, AK_PUBLIC_MAX, &c->ak_public, &c->ak_public_len) ||
	    !get_fixed(&b, 2, TCG_MAX_NAME, c->ak_name, &c->ak_name_len) ||
	    !tcg_buf_bytes(&b, sizeof c->ek_cert_sha256, &magic)) {
		rc = CFAULT("dha-content-format", "the content is truncated or a length is out of range");
		goto fail;
	}
	memcpy(c->ek_cert_sha256, magic, sizeof c->ek_cert_sha256);
	/* an AK vs verified before: parsed and named then, the same checks on its name */
	if (!(known = verifiers_known(vs, c->ak_public, c->ak_public_len, &name, &nlen)) &&
	    ((rc = tcg_public_parse(c->ak_public, c->ak_public_len, &ak, err)) ||
	     (rc = tcg_public_name(ak, own_name, &nlen, err))))
		goto fail;
	if (nlen != c->ak_name_len || CRYPTO_memcmp(name, c->ak_name, nlen)) {
		rc = CFAULT("dha-content-ak-name", "ak-name is not the name of ak-public");
		goto fail;
	}
	if (!get_selection(&b, &c->selection, &c->pcrs)) {
		rc = CFAULT("dha-content-selection", "not a canonical PCR selection with its values");
		goto fail;
	}
	if (!get_fixed(&b, 20, TCG_MAX_DIGEST, c->pcr_digest, &c->pcr_digest_len) ||
	    c->pcr_digest_len != tcg_alg_size(tcg_public_scheme_hash(known ? known : ak))) {
		rc = CFAULT("dha-content-pcr-digest", "pcr-digest not of the AK's signing hash size");
		goto fail;
	}
	if (!tcg_buf_u32be(&b, &c->reset_count) || !tcg_buf_u32be(&b, &c->restart_count) ||
	    !get_u64be(&b, &c->clock) || !get_u64be(&b, &u) || u > INT64_MAX ||
	    c->clock > INT64_MAX) {
		rc = CFAULT("dha-content-format", "the content is truncated or a count out of range");
		goto fail;
	}
	c->issued = (int64_t)u;
	if (!get_u64be(&b, &u) || u > INT64_MAX || (int64_t)u < c->issued) {
		rc = CFAULT("dha-content-time", "expires before it was issued");
		goto fail;
	}
	c->expires = (int64_t)u;
	if (claims_at) { /* left where they are: the verifier writes them out as they are */
		uint32_t cn = 0;
		const uint8_t *cp = NULL;
		if (!tcg_buf_u32be(&b, &cn) || !cn || cn > TCG_DHA_CONTENT_MAX_CLAIMS ||
		    !tcg_buf_bytes(&b, cn, &cp) || !tcg_buf_u32be(&b, &slot) ||
		    !nonce_slot_ok((const char *)cp, cn, slot)) {
			rc = CFAULT("dha-content-claims",
			            "the claims are truncated or lack their nonce slot");
			goto fail;
		}
		c->claims_len = cn;
		*claims_at = (size_t)(cp - data);
	} else if (!get_sized(&b, 4, 1, TCG_DHA_CONTENT_MAX_CLAIMS, (uint8_t **)&c->claims,
	                      &c->claims_len) ||
	           !tcg_buf_u32be(&b, &slot) || !nonce_slot_ok(c->claims, c->claims_len, slot)) {
		rc = CFAULT("dha-content-claims", "the claims are truncated or lack their nonce slot");
		goto fail;
	}
	c->nonce_slot = slot;
	if (tcg_buf_left(&b)) {
		rc = CFAULT("dha-content-format", "%zu bytes after the content", tcg_buf_left(&b));
		goto fail;
	}
	if (akp)
		*akp = ak;
	else
		tcg_public_free(ak);
	return TCG_OK;

fail:
	tcg_public_free(ak);
	tcg_dha_content_free(c);
	return rc;
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
	tcg_dha_content_clear(c);
}

/* ---- dha-issue ---- */

bool tcg_duration_parse(const char *s, int64_t max, int64_t *seconds)
{
	int64_t v = 0, unit = 1;
	const char *p = s;
	*seconds = 0;
	if (!s || *s < '0' || *s > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > max)
			return false;
	}
	switch (*p) {
	case '\0':
		break;
	case 's':
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	default:
		return false;
	}
	if ((*p && p[1]) || v < 1 || v > max / unit)
		return false;
	*seconds = v * unit;
	return true;
}

tcg_rc tcg_dha_duration_parse(const char *s, int64_t *seconds, tcg_err *err)
{
	if (tcg_duration_parse(s, TCG_DHA_MAX_VALIDITY, seconds))
		return TCG_OK;
	return tcg_fail(err, TCG_E_USAGE, "dha-validity",
	                "'%.32s' is not a duration of 1 second to %d days (N, Ns, Nm, Nh, Nd)",
	                s ? s : "", TCG_DHA_MAX_VALIDITY / 86400);
}

void tcg_dha_reply_free(tcg_dha_reply *r)
{
	if (!r)
		return;
	free(r->device);
	free(r->blob);
	memset(r, 0, sizeof *r);
}

/* ---- what the service requires quoted ---- */

static const char *const require_default[TCG_PROFILE_COUNT] = {
	[TCG_PROFILE_LINUX] = TCG_DHA_REQUIRE_LINUX,
	[TCG_PROFILE_WINDOWS] = TCG_DHA_REQUIRE_WINDOWS,
};
static const char *const profile_names[TCG_PROFILE_COUNT] = {
	[TCG_PROFILE_LINUX] = "linux",
	[TCG_PROFILE_WINDOWS] = "windows",
};
/* Resettable by any process at any time: never evidence, never required. */
#define RESETTABLE_PCRS ((1u << 16) | (1u << 23))

const char *tcg_profile_name(tcg_profile p)
{
	return p < TCG_PROFILE_COUNT ? profile_names[p] : "unknown";
}

tcg_rc tcg_dha_require_parse(const char *text, tcg_dha_issue_opts *o, tcg_err *err)
{
	int only = -1;
	const char *sel = text ? text : "";
	for (int p = 0; p < TCG_PROFILE_COUNT; p++) {
		size_t n = strlen(profile_names[p]);
		if (!strncmp(sel, profile_names[p], n) && sel[n] == '=') {
			only = p;
			sel += n + 1;
			break;
		}
	}
	tcg_pcr_selection req;
	if (!tcg_pcr_selection_parse(sel, &req) || !req.num_banks)
		return tcg_fail(err, TCG_E_USAGE, "dha-require-pcrs",
		                "'%.64s' is not [windows=|linux=]SELECTION (like sha256:0,1,2,3)",
		                text ? text : "");
	for (size_t k = 0; k < req.num_banks; k++) {
		if (!req.bank[k].mask)
			return tcg_fail(err, TCG_E_USAGE, "dha-require-pcrs",
			                "'%.64s': a required bank has no PCRs", text);
		if (req.bank[k].mask & RESETTABLE_PCRS)
			return tcg_fail(err, TCG_E_USAGE, "dha-require-pcrs",
			                "'%.64s': PCRs 16 and 23 can be reset by anyone and prove nothing",
			                text);
	}
	for (int p = 0; p < TCG_PROFILE_COUNT; p++)
		if (only < 0 || only == p) {
			o->require[p] = req;
			o->have_require[p] = true;
		}
	return TCG_OK;
}

void tcg_dha_required_selection(const tcg_dha_issue_opts *o, tcg_profile p,
                                tcg_pcr_selection *out)
{
	if (p >= TCG_PROFILE_COUNT)
		p = TCG_PROFILE_LINUX;
	if (o && o->have_require[p])
		*out = o->require[p];
	else if (!tcg_pcr_selection_parse(require_default[p], out))
		memset(out, 0, sizeof *out); /* cannot happen: a constant */
}

tcg_rc tcg_dha_selection_check(const tcg_pcr_selection *quoted,
                               const tcg_pcr_selection *required, tcg_profile profile,
                               tcg_err *err)
{
	if (!required->num_banks)
		return tcg_fail_mismatch(err, "selection-insufficient", "no PCRs are required");
	for (size_t k = 0; k < required->num_banks; k++) {
		uint32_t want = required->bank[k].mask & ~RESETTABLE_PCRS, have = 0;
		for (size_t j = 0; j < quoted->num_banks; j++)
			if (quoted->bank[j].alg == required->bank[k].alg)
				have |= quoted->bank[j].mask;
		uint32_t missing = want & ~have;
		if (!want || missing) {
			char list[128] = "";
			size_t n = 0;
			for (unsigned i = 0; i < TCG_NUM_PCRS && n < sizeof list; i++)
				if (missing >> i & 1)
					n += (size_t)snprintf(list + n, sizeof list - n, "%s%u",
					                      n ? "," : "", i);
			const char *bank = tcg_alg_name(required->bank[k].alg);
			return tcg_fail_mismatch(err, "selection-insufficient",
			                         "the %s profile requires %s PCRs the quote leaves out: %s",
			                         tcg_profile_name(profile), bank ? bank : "unknown",
			                         want ? list : "all");
		}
	}
	return TCG_OK;
}

tcg_rc tcg_dha_ek_cert_sha256(const tcg_ekcert *cert, uint8_t out[32], tcg_err *err)
{
	size_t der_len = 0;
	const uint8_t *der = cert ? tcg_ekcert_der(cert, &der_len) : NULL;
	if (!der || tcg_hash(NULL, TCG_ALG_SHA256, der, der_len, out))
		return tcg_fail(err, TCG_E_IO, "dha-issue", "SHA-256 of the EK certificate failed");
	return TCG_OK;
}

tcg_rc tcg_dha_enroll(tcg_nonce_store *store, const char *device, const uint8_t *cert,
                      size_t cert_len, bool rebind, int64_t now, tcg_err *err)
{
	tcg_ekcert *c = NULL;
	uint8_t digest[32];
	tcg_rc rc;
	if (!store || !cert)
		return tcg_fail(err, TCG_E_USAGE, "dha-enroll", "tcg_dha_enroll: missing argument");
	if (cert_len > TCG_EKCERT_MAX_SIZE)
		return tcg_fail_format(err, "ekcert-size", "the EK certificate is over %u bytes",
		                       TCG_EKCERT_MAX_SIZE);
	if (!(rc = tcg_ekcert_parse(cert, cert_len, &c, err)) &&
	    !(rc = tcg_dha_ek_cert_sha256(c, digest, err)))
		rc = tcg_registry_enroll(store, device, digest, rebind, now, err);
	tcg_ekcert_free(c);
	return rc;
}

/* Everything the checks hold, on the heap (PCR sets are kilobytes each). */
typedef struct {
	char *device;
	tcg_msg_bootdata bd; /* borrowed from the message */
	const tcg_public *ek, *ak; /* the verifiers' or the own ones below */
	tcg_public *ek_own, *ak_own;
	const tcg_ekcert *cert;
	tcg_ekcert *cert_own;
	uint8_t cert_sha256[32];
	tcg_ekcert_result certres;
	tcg_quote_result quote;
	tcg_log *parsed;
	tcg_claims *claims;
	tcg_replay_result replay;
	tcg_pcr_mismatch mm[TCG_MAX_BANKS * TCG_NUM_PCRS];
	tcg_dha_content content;
	char selection[256];
} issue_work;

static void work_free(issue_work *w)
{
	free(w->device);
	tcg_public_free(w->ek_own);
	tcg_public_free(w->ak_own);
	tcg_ekcert_free(w->cert_own);
	tcg_claims_free(w->claims);
	tcg_log_free(w->parsed);
	if (w->content.claims)
		OPENSSL_cleanse(w->content.claims, w->content.claims_len);
	free(w->content.claims);
	free(w);
}

/* The strongest bank the quote selects: the one claims are derived in. */
static uint16_t claims_bank(const tcg_pcr_selection *sel)
{
	static const uint16_t order[] = {TCG_ALG_SHA512, TCG_ALG_SHA384, TCG_ALG_SHA256,
	                                 TCG_ALG_SM3_256, TCG_ALG_SHA1};
	for (size_t i = 0; i < sizeof order / sizeof *order; i++)
		for (size_t k = 0; k < sel->num_banks; k++)
			if (sel->bank[k].alg == order[i] && sel->bank[k].mask)
				return order[i];
	return 0;
}

/* Steps 1-5: every check on the bootdata, results in w. */
static tcg_rc issue_checks(const tcg_msg *m, const tcg_ekcert_trust *trust,
                           const tcg_dha_issue_opts *o, int64_t now, issue_work *w,
                           tcg_err *err)
{
	tcg_rc rc;
	size_t dlen = 0;
	const char *dev = tcg_msg_str(m, "device", &dlen);
	tcg_msg_bootdata *bd = &w->bd;
	if (!device_ok(dev, dlen))
		return tcg_ydoc_error(err, m->doc, tcg_msg_get(m, "device"), "dha-bootdata-device",
		                      "device must be 1..255 printable ASCII");
	if (!(w->device = strdup(dev)))
		return tcg_fail_nomem(err);
	if ((rc = tcg_msg_bootdata_read(m, bd, err)))
		return rc;

	/* 1. the two public areas (parsed before from the same bytes, or now); the
	 * EK must be one MakeCredential can use */
	const uint8_t *ak_name;
	size_t ak_name_len;
	if ((rc = ek_public_for(o->verifiers, bd->ek_public.p, bd->ek_public.len, &w->ek,
	                        &w->ek_own, err)))
		return rc;
	if (!(w->ak = verifiers_known(o->verifiers, bd->ak_public.p, bd->ak_public.len, &ak_name,
	                              &ak_name_len))) {
		if ((rc = tcg_public_parse(bd->ak_public.p, bd->ak_public.len, &w->ak_own, err)))
			return rc;
		w->ak = w->ak_own;
	}
	if ((rc = tcg_credential_ek_check(w->ek, err)))
		return rc;

	/* 2. the EK certificate: chain, profile, and the EK's own key */
	if ((rc = ek_cert_for(o->verifiers, bd->ek_certificate.p, bd->ek_certificate.len, &w->cert,
	                      &w->cert_own, w->cert_sha256, err)) ||
	    (rc = tcg_ekcert_verify(w->cert, trust, w->ek, o->ekcert_flags, (time_t)now,
	                            &w->certres, err)))
		return rc;

	/* 3. the AK */
	if ((rc = tcg_ak_check(w->ak, o->allow_sha1, err)))
		return rc;

	/* 4. the quote, its qualifying data binding the rest of the message (the
	 * log by its SHA-256, which the claims carry too: the log is hashed once) */
	uint8_t binding[TCG_DHA_BINDING_SIZE], log_sha[32];
	if ((rc = log_sha256(bd->log.p, bd->log.len, log_sha, err)) ||
	    (rc = binding_of(binding_label, sizeof binding_label, w->device, log_sha,
	                     sizeof log_sha, bd->ek_public.p, bd->ek_public.len,
	                     bd->ek_certificate.p, bd->ek_certificate.len, bd->ak_public.p,
	                     bd->ak_public.len, binding, err)))
		return rc;
	tcg_quote_opts qo = {.nonce = binding, .nonce_len = sizeof binding,
	                     .allow_sha1 = o->allow_sha1, .pcrs = &bd->pcrs};
	tcg_quote_verifier *qv = NULL, *own = NULL;
	if (!(rc = tcg_dha_verifier_for(o->verifiers, bd->ak_public.p, bd->ak_public.len, w->ak,
	                                &qv, &own, err)))
		rc = tcg_quote_verifier_verify(qv, bd->attest.p, bd->attest.len, bd->signature.p,
		                               bd->signature.len, &qo, &w->quote, err);
	/* A quote over the v1 binding is from a device older than this service:
	 * said so by name rather than as a foreign nonce. Only on this failure's
	 * path; the quote is refused either way. */
	tcg_err scratch;
	if (rc == TCG_E_MISMATCH && err && !strcmp(err->rule, "quote-nonce") &&
	    !binding_of(binding_label_v1, sizeof binding_label_v1, w->device, bd->log.p,
	                bd->log.len, bd->ek_public.p, bd->ek_public.len, bd->ek_certificate.p,
	                bd->ek_certificate.len, bd->ak_public.p, bd->ak_public.len, binding,
	                &scratch)) {
		qo.nonce = binding;
		if (!tcg_quote_verifier_verify(qv, bd->attest.p, bd->attest.len, bd->signature.p,
		                               bd->signature.len, &qo, &w->quote, &scratch))
			rc = tcg_fail_mismatch(err, "dha-bootdata-binding-v1",
			                       "the quote binds the boot data by \"%s\" (the log's "
			                       "bytes); this service takes \"%s\" (the log's "
			                       "SHA-256): update the device's dha-bootdata",
			                       binding_label_v1, binding_label);
	}
	tcg_quote_verifier_free(own);
	if (rc)
		return rc;
	const tcg_pcr_selection *sel = &w->quote.attest.selection;
	if (!selection_ok(sel, w->selection, sizeof w->selection))
		return tcg_fail_mismatch(err, "dha-bootdata-selection",
		                         "the quote's PCR selection has an empty or unknown bank");

	/* 5. the log parses; its profile decides the PCRs the quote must cover
	 * (the service's choice, not the device's) ... */
	if ((rc = tcg_log_parse(bd->log.p, bd->log.len, 0, &w->parsed, err)))
		return rc;
	tcg_profile profile = tcg_claims_log_profile(w->parsed);
	tcg_pcr_selection required;
	tcg_dha_required_selection(o, profile, &required);
	if ((rc = tcg_dha_selection_check(sel, &required, profile, err)))
		return rc;
	/* ... it replays to every quoted PCR of every quoted bank ... */
	if ((rc = tcg_replay(w->parsed, NULL, &w->replay, err)))
		return rc;
	size_t total = 0;
	rc = tcg_replay_compare(w->parsed, NULL, &w->replay, &w->quote.pcrs, 0, w->mm,
	                        sizeof w->mm / sizeof *w->mm, &total, err);
	if (rc == TCG_E_MISMATCH && total) {
		const tcg_pcr_mismatch *x = &w->mm[0];
		const char *bank = tcg_alg_name(x->alg) ? tcg_alg_name(x->alg) : "unknown";
		return tcg_fail_mismatch(err, "pcr-mismatch",
		                         "the log does not replay to the quote: %s PCR %u%s (%zu PCR%s differ)",
		                         bank, x->pcr,
		                         x->missing_bank   ? ": the log has no such bank"
		                         : x->unreplayable ? ": an event lacks this bank's digest"
		                                           : " differs",
		                         total, total == 1 ? "" : "s");
	}
	if (rc)
		return rc;
	/* ... and only then are claims derived, strictly, from the quoted values */
	tcg_claims_opts co = {.expected = &w->quote.pcrs, .pcrs_source = "quote",
	                      .bank = claims_bank(&required), .allow_sha1 = o->allow_sha1,
	                      .log_sha256 = log_sha};
	rc = tcg_claims_derive(w->parsed, &co, &w->claims, err);
	if (rc) {
		tcg_claims_free(w->claims);
		w->claims = NULL;
	}
	return rc;
}

tcg_rc tcg_dha_issue(const tcg_msg *bootdata, const tcg_service_key *key,
                     const tcg_ekcert_trust *trust, const tcg_dha_issue_opts *opts,
                     int64_t now, tcg_dha_reply *out, tcg_err *err)
{
	static const tcg_dha_issue_opts defaults = {0};
	tcg_rc rc;
	issue_work *w;
	uint8_t *plain = NULL, *sealed = NULL, wrap_key[TCG_DHA_WRAP_KEY_SIZE];
	size_t plain_len = 0, sealed_len = 0;
	tcg_credential cred;

	if (out)
		memset(out, 0, sizeof *out);
	if (!bootdata || bootdata->schema != &tcg_msg_dha_bootdata || !key || !trust || !out)
		return tcg_fail(err, TCG_E_USAGE, "dha-issue",
		                "tcg_dha_issue: missing argument or not a "
		                "dha-bootdata message");
	if (!opts)
		opts = &defaults;
	int64_t validity = opts->validity ? opts->validity : TCG_DHA_DEFAULT_VALIDITY;
	if (validity < 1 || validity > TCG_DHA_MAX_VALIDITY || now < 0 ||
	    now > INT64_MAX - validity)
		return tcg_fail(err, TCG_E_USAGE, "dha-validity",
		                "validity %lld s from %lld is out of range", (long long)validity,
		                (long long)now);
	if (!(w = calloc(1, sizeof *w)))
		return tcg_fail_nomem(err);
	if ((rc = issue_checks(bootdata, trust, opts, now, w, err)))
		goto done;

	/* 6. the content: only facts that passed every check above */
	tcg_dha_content *c = &w->content;
	const tcg_attest *a = &w->quote.attest;
	memcpy(c->ek_cert_sha256, w->cert_sha256, sizeof c->ek_cert_sha256);
	/* The name is bound only by boot data that passed every check. */
	if (opts->store &&
	    (rc = tcg_registry_bind(opts->store, w->device, c->ek_cert_sha256, now, err)))
		goto done;
	c->device = w->device;
	c->ak_public = (uint8_t *)w->bd.ak_public.p;
	c->ak_public_len = w->bd.ak_public.len;
	if ((rc = tcg_public_name(w->ak, c->ak_name, &c->ak_name_len, err)))
		goto done;
	c->selection = a->selection;
	c->pcrs = w->quote.pcrs;
	memcpy(c->pcr_digest, a->pcr_digest, a->pcr_digest_len);
	c->pcr_digest_len = a->pcr_digest_len;
	c->reset_count = a->reset_count;
	c->restart_count = a->restart_count;
	c->clock = a->clock;
	c->issued = now;
	c->expires = now + validity;
	if ((rc = tcg_dha_seal_claims(c, key->id, w->claims, err)))
		goto done;

	if ((rc = tcg_dha_content_encode(c, &plain, &plain_len, err)) ||
	    (rc = tcg_blob_seal(key, plain, plain_len, (const uint8_t *)TCG_DHA_ENCBLOB_AAD,
	                        TCG_DHA_ENCBLOB_AAD_LEN, &sealed, &sealed_len, err)) ||
	    (rc = tcg_dha_wrap(sealed, sealed_len, w->device, wrap_key, &out->blob, &out->blob_len,
	                       err)))
		goto done;
	rc = tcg_make_credential(w->ek, c->ak_name, c->ak_name_len, wrap_key, sizeof wrap_key,
	                         &cred, err);
	if (rc)
		goto done;
	/* refused here rather than by the device */
	if (out->blob_len > TCG_MSG_BLOB_MAX) {
		rc = tcg_fail(err, TCG_E_IO, "dha-encblob-size",
		              "the EncBlob is %zu bytes (claims %zu bytes), over the dha-encblob cap of "
		              "%u",
		              out->blob_len, c->claims_len, TCG_MSG_BLOB_MAX);
		goto done;
	}
	memcpy(out->key_id, key->id, sizeof out->key_id);
	memcpy(out->credential, cred.id_object, cred.id_object_len);
	out->credential_len = cred.id_object_len;
	memcpy(out->secret, cred.secret, cred.secret_len);
	out->secret_len = cred.secret_len;
	memcpy(out->pcr_selection, w->selection, sizeof out->pcr_selection);
	out->device = w->device;
	w->device = NULL;

done:
	OPENSSL_cleanse(wrap_key, sizeof wrap_key);
	OPENSSL_cleanse(&cred, sizeof cred);
	if (plain)
		OPENSSL_cleanse(plain, plain_len);
	free(plain);
	free(sealed);
	/* content borrows device and AK public from w */
	w->content.device = NULL;
	w->content.ak_public = NULL;
	work_free(w);
	if (rc)
		tcg_dha_reply_free(out);
	return rc;
}

tcg_rc tcg_dha_reply_write(const tcg_dha_reply *r, FILE *f, tcg_err *err)
{
	if (!r || !r->device || !r->blob)
		return tcg_fail(err, TCG_E_USAGE, "dha-issue", "no reply to write");
	tcg_msg_encblob e = {
		.device = r->device,
		.key_id = {r->key_id, sizeof r->key_id},
		.blob = {r->blob, r->blob_len},
		.credential = {r->credential, r->credential_len},
		.secret = {r->secret, r->secret_len},
		.pcr_selection = r->pcr_selection,
	};
	return tcg_msg_encblob_write(&e, f, err);
}
