#include "tcglog/quote.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <tss2/tss2_mu.h>

#include "quote_int.h"
#include "tcglog/replay.h"

static bool hash_allowed(uint16_t alg, bool allow_sha1)
{
	return alg == TCG_ALG_SHA1 ? allow_sha1 : tcg_alg_size(alg) != 0;
}

/* DER ECDSA-Sig-Value from the TPM's (r, s). */
static unsigned char *ecdsa_der(const TPMS_SIGNATURE_ECC *e, int *len)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(e->signatureR.buffer, e->signatureR.size, NULL);
	BIGNUM *s = BN_bin2bn(e->signatureS.buffer, e->signatureS.size, NULL);
	unsigned char *der = NULL;
	if (!sig || !r || !s || !ECDSA_SIG_set0(sig, r, s)) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(sig);
		return NULL;
	}
	*len = i2d_ECDSA_SIG(sig, &der);
	ECDSA_SIG_free(sig);
	return *len > 0 ? der : NULL;
}

/*
 * What a quote verification can keep from one call to the next for one AK:
 * the verify context set up for one scheme and hash, the digest fetched once
 * and a digest context. Built on the first signature, rebuilt only when a
 * signature names another scheme or hash (a bare PEM key has none of its own).
 */
struct tcg_quote_verifier {
	const tcg_public *ak; /* borrowed: outlives the verifier */
	uint16_t scheme, hash; /* what pctx and md are set up for; pctx NULL: nothing yet */
	EVP_MD *md;
	EVP_PKEY_CTX *pctx;
	EVP_MD_CTX *mdctx;
};

static void verifier_clear(tcg_quote_verifier *v)
{
	EVP_PKEY_CTX_free(v->pctx);
	EVP_MD_free(v->md);
	EVP_MD_CTX_free(v->mdctx);
	v->pctx = NULL;
	v->md = NULL;
	v->mdctx = NULL;
	v->scheme = v->hash = 0;
}

tcg_rc tcg_quote_verifier_new(const tcg_public *ak, tcg_quote_verifier **out, tcg_err *err)
{
	*out = NULL;
	if (!ak || !tcg_public_pkey(ak))
		return tcg_fail(err, TCG_E_USAGE, "quote-usage", "no AK for the verifier");
	if (!(*out = OPENSSL_zalloc(sizeof **out)))
		return tcg_fail_nomem(err);
	(*out)->ak = ak;
	return TCG_OK;
}

void tcg_quote_verifier_free(tcg_quote_verifier *v)
{
	if (!v)
		return;
	verifier_clear(v);
	OPENSSL_free(v);
}

/* The context for exactly the scheme and hash the signature names, on this AK's key. */
static tcg_rc verifier_prepare(tcg_quote_verifier *v, uint16_t scheme, uint16_t hash,
                               tcg_err *err)
{
	EVP_PKEY *key = tcg_public_pkey(v->ak);
	const char *name = tcg_alg_ossl_name(hash);
	int ok;

	if (v->pctx && v->scheme == scheme && v->hash == hash)
		return TCG_OK;
	verifier_clear(v);
	if (!name)
		return tcg_fail_mismatch(err, "quote-signature-hash", "unknown signing hash 0x%04x",
		                         hash);
	switch (scheme) {
	case TPM2_ALG_RSASSA:
	case TPM2_ALG_RSAPSS:
		if (!EVP_PKEY_is_a(key, "RSA"))
			goto wrong_key;
		break;
	case TPM2_ALG_ECDSA:
		if (!EVP_PKEY_is_a(key, "EC"))
			goto wrong_key;
		break;
	default:
		return tcg_fail_mismatch(err, "quote-signature-scheme",
		                         "signature scheme 0x%04x is not RSASSA, RSAPSS or ECDSA",
		                         scheme);
	}
	if (!(v->mdctx = EVP_MD_CTX_new())) {
		verifier_clear(v);
		return tcg_fail_nomem(err);
	}
	ok = (v->md = EVP_MD_fetch(NULL, name, NULL)) &&
	     (v->pctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) &&
	     EVP_PKEY_verify_init(v->pctx) > 0 && EVP_PKEY_CTX_set_signature_md(v->pctx, v->md) > 0;
	if (ok && scheme == TPM2_ALG_RSASSA)
		ok = EVP_PKEY_CTX_set_rsa_padding(v->pctx, RSA_PKCS1_PADDING) > 0;
	else if (ok && scheme == TPM2_ALG_RSAPSS)
		/* The TPM's salt is as long as the digest. */
		ok = EVP_PKEY_CTX_set_rsa_padding(v->pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(v->pctx, RSA_PSS_SALTLEN_DIGEST) > 0;
	if (!ok) {
		verifier_clear(v);
		return tcg_fail_mismatch(err, "quote-signature",
		                         "the signature does not verify with the AK's key");
	}
	v->scheme = scheme;
	v->hash = hash;
	return TCG_OK;
wrong_key:
	return tcg_fail_mismatch(err, "quote-signature-scheme",
	                         "a %s signature for a key of another type",
	                         scheme == TPM2_ALG_ECDSA ? "ECDSA" : "RSA");
}

/*
 * The signing hash over a then b. SHA-1 and SHA-2 go through the library's
 * direct one-shot (tcg_hash2): an EVP call costs more than hashing a quote's
 * few hundred bytes. Other hashes use the digest the verifier fetched.
 */
static bool signing_digest(tcg_quote_verifier *v, const void *a, size_t alen, const void *b,
                           size_t blen, unsigned char *out, unsigned int *out_len)
{
	size_t n = tcg_alg_size(v->hash);
	if (n && tcg_hash2(NULL, v->hash, a, alen, b, blen, out) == TCG_OK) {
		*out_len = (unsigned int)n;
		return true;
	}
	return v->mdctx && v->md && EVP_DigestInit_ex2(v->mdctx, v->md, NULL) &&
	       (!alen || EVP_DigestUpdate(v->mdctx, a, alen)) &&
	       (!blen || EVP_DigestUpdate(v->mdctx, b, blen)) &&
	       EVP_DigestFinal_ex(v->mdctx, out, out_len);
}

/* Verify sig over data with exactly the scheme and hash the signature names. */
static tcg_rc verify_signature(tcg_quote_verifier *v, const TPMT_SIGNATURE *sig,
                               const uint8_t *data, size_t len, tcg_err *err)
{
	const unsigned char *s;
	unsigned char *der = NULL, dig[EVP_MAX_MD_SIZE];
	unsigned int dig_len = 0;
	size_t slen;
	int dlen = 0, ok;
	tcg_rc rc;

	if ((rc = verifier_prepare(v, sig->sigAlg, sig->signature.any.hashAlg, err)))
		return rc;
	if (sig->sigAlg == TPM2_ALG_ECDSA) {
		if (!(der = ecdsa_der(&sig->signature.ecdsa, &dlen)))
			return tcg_fail_nomem(err);
		s = der;
		slen = (size_t)dlen;
	} else {
		s = sig->signature.rsassa.sig.buffer;
		slen = sig->signature.rsassa.sig.size;
	}
	ok = signing_digest(v, data, len, NULL, 0, dig, &dig_len) &&
	     EVP_PKEY_verify(v->pctx, s, slen, dig, dig_len) == 1;
	OPENSSL_free(der);
	return ok ? TCG_OK
	          : tcg_fail_mismatch(err, "quote-signature",
	                              "the signature does not verify with the AK's key");
}

static tcg_rc parse_signature(const uint8_t *data, size_t len, TPMT_SIGNATURE *sig, tcg_err *err)
{
	uint8_t re[sizeof(TPMT_SIGNATURE)];
	size_t off = 0, moff = 0;
	memset(sig, 0, sizeof *sig);
	if (len > sizeof re)
		return tcg_fail_format(err, "signature-size",
		                       "%zu bytes is more than any TPMT_SIGNATURE", len);
	if (Tss2_MU_TPMT_SIGNATURE_Unmarshal(data, len, &off, sig) != TSS2_RC_SUCCESS)
		return tcg_fail_format(err, "signature-unmarshal",
		                       "not a TPMT_SIGNATURE (%zu bytes)", len);
	if (off != len)
		return tcg_fail_format(err, "signature-trailing-data",
		                       "%zu bytes after the TPMT_SIGNATURE", len - off);
	if (Tss2_MU_TPMT_SIGNATURE_Marshal(sig, re, sizeof re, &moff) != TSS2_RC_SUCCESS ||
	    moff != len || memcmp(re, data, len))
		return tcg_fail_format(err, "signature-noncanonical",
		                       "the TPMT_SIGNATURE does not re-marshal to itself");
	return TCG_OK;
}

/* PCRs 16 (debug) and 23 (application) can be reset by software at any time. */
#define RESETTABLE_PCRS ((1u << 16) | (1u << 23))

/* The selected PCRs of any bank that can carry evidence. */
static uint32_t selected_evidence(const tcg_pcr_selection *sel)
{
	uint32_t m = 0;
	for (size_t k = 0; k < sel->num_banks; k++)
		m |= sel->bank[k].mask;
	return m & ~RESETTABLE_PCRS;
}

/* The same PCRs per bank, banks in any order (empty banks count as absent). */
static bool selection_same(const tcg_pcr_selection *a, const tcg_pcr_selection *b)
{
	for (int pass = 0; pass < 2; pass++) {
		const tcg_pcr_selection *x = pass ? b : a, *y = pass ? a : b;
		for (size_t i = 0; i < x->num_banks; i++) {
			uint32_t other = 0;
			for (size_t k = 0; k < y->num_banks; k++)
				if (y->bank[k].alg == x->bank[i].alg)
					other |= y->bank[k].mask;
			if (other != x->bank[i].mask)
				return false;
		}
	}
	return true;
}

/* Values for the quote's selection, from a file (same selection) or a replayed log. */
static tcg_rc selected_values(const tcg_attest *a, const tcg_quote_opts *o, tcg_pcr_values *out,
                              tcg_err *err)
{
	const tcg_pcr_values *src = o->pcrs;
	tcg_replay_result *r = NULL;
	tcg_rc rc = TCG_OK;

	out->num_banks = 0; /* tcg_pcrs_add_bank clears each bank it adds */
	if (o->log) {
		/* tcg_replay clears it: zeroing its 12 KB here too would do it twice */
		if (!(r = OPENSSL_malloc(sizeof *r)))
			return tcg_fail_nomem(err);
		if ((rc = tcg_replay(o->log, NULL, r, err)))
			goto out;
		src = &r->pcrs;
		/* PCRs the log never extends hold what any boot's hold: a quote
		 * over only those matches every log. */
		if (!(selected_evidence(&a->selection) & r->extended)) {
			rc = tcg_fail_mismatch(err, "quote-selection-unlogged",
			                       "the quote covers no PCR the log extends: it proves nothing about it");
			goto out;
		}
	} else {
		/* The values given must be exactly the quoted selection: nothing more, nothing less. */
		for (size_t i = 0; i < src->num_banks; i++) {
			uint32_t want = 0;
			for (size_t k = 0; k < a->selection.num_banks; k++)
				if (a->selection.bank[k].alg == src->bank[i].alg)
					want = a->selection.bank[k].mask;
			if (src->bank[i].present != want) {
				rc = tcg_fail_mismatch(err, "quote-selection",
				                       "the %s values given cover PCRs 0x%06x, the quote selects 0x%06x",
				                       tcg_alg_name(src->bank[i].alg),
				                       src->bank[i].present, want);
				goto out;
			}
		}
	}
	for (size_t k = 0; k < a->selection.num_banks; k++) {
		uint16_t alg = a->selection.bank[k].alg;
		uint32_t mask = a->selection.bank[k].mask;
		const tcg_pcr_bank *b = tcg_pcrs_bank_const(src, alg);
		tcg_pcr_bank *ob;
		if (!mask)
			continue;
		if (!hash_allowed(alg, o->allow_sha1)) {
			rc = tcg_fail_mismatch(err, "quote-bank-sha1",
			                       "the quote selects the %s bank (SHA-1 not allowed)",
			                       tcg_alg_name(alg) ? tcg_alg_name(alg) : "unknown");
			goto out;
		}
		if (!b || (b->present & mask) != mask) {
			rc = tcg_fail_mismatch(err, o->log ? "quote-log-bank" : "quote-selection",
			                       o->log ? "the log cannot replay every selected %s PCR"
			                              : "no values for every selected %s PCR",
			                       tcg_alg_name(alg) ? tcg_alg_name(alg) : "unknown");
			goto out;
		}
		if (!(ob = tcg_pcrs_add_bank(out, alg))) {
			rc = tcg_fail_mismatch(err, "quote-selection", "bank 0x%04x", alg);
			goto out;
		}
		for (uint32_t p = 0; p < TCG_NUM_PCRS; p++)
			if (mask & (1u << p))
				memcpy(ob->value[p], b->value[p], b->size);
		ob->present = mask;
	}
out:
	OPENSSL_free(r);
	return rc;
}

/* pcrDigest: H_sig(values of the selection, banks in selection order, indices ascending),
 * with the signing hash the verifier was prepared for. The values are gathered in a
 * buffer of one full bank of the largest digest and, for the common selection that
 * fits, hashed in one call (per-value hash calls cost more than the hashing); a larger
 * selection goes through the verifier's digest context a buffer at a time. */
static tcg_rc composite(const tcg_attest *a, const tcg_pcr_values *v, tcg_quote_verifier *qv,
                        uint8_t *out, tcg_err *err)
{
	uint8_t vals[TCG_NUM_PCRS * TCG_MAX_DIGEST];
	size_t used = 0;
	unsigned int n = 0;
	bool streaming = false, ok = true;

	for (size_t k = 0; ok && k < a->selection.num_banks; k++) {
		const tcg_pcr_bank *b = tcg_pcrs_bank_const(v, a->selection.bank[k].alg);
		for (uint32_t p = 0; ok && b && p < TCG_NUM_PCRS; p++) {
			if (!(a->selection.bank[k].mask & (1u << p)))
				continue;
			if (used + b->size > sizeof vals) {
				ok = qv->mdctx && qv->md &&
				     (streaming || EVP_DigestInit_ex2(qv->mdctx, qv->md, NULL)) &&
				     EVP_DigestUpdate(qv->mdctx, vals, used);
				streaming = true;
				used = 0;
			}
			memcpy(vals + used, b->value[p], b->size);
			used += b->size;
		}
	}
	if (streaming)
		ok = ok && (!used || EVP_DigestUpdate(qv->mdctx, vals, used)) &&
		     EVP_DigestFinal_ex(qv->mdctx, out, &n);
	else
		ok = ok && signing_digest(qv, vals, used, NULL, 0, out, &n);
	return ok ? TCG_OK : tcg_fail_nomem(err);
}

tcg_rc tcg_quote_verify(const tcg_public *ak, const uint8_t *attest, size_t attest_len,
                        const uint8_t *sigdata, size_t sig_len, const tcg_quote_opts *o,
                        tcg_quote_result *r, tcg_err *err)
{
	tcg_quote_verifier v = { .ak = ak };
	tcg_rc rc = tcg_quote_verifier_verify(&v, attest, attest_len, sigdata, sig_len, o, r, err);
	verifier_clear(&v);
	return rc;
}

tcg_rc tcg_quote_verifier_verify(tcg_quote_verifier *qv, const uint8_t *attest, size_t attest_len,
                                 const uint8_t *sigdata, size_t sig_len, const tcg_quote_opts *o,
                                 tcg_quote_result *r, tcg_err *err)
{
	const tcg_public *ak = qv->ak;
	TPMT_SIGNATURE sig;
	tcg_attest *a = &r->attest;
	uint8_t digest[64];
	uint16_t hash;
	tcg_rc rc;

	/* The values' banks are cleared as they are added: zeroing all of them
	 * (12 KB) on every quote would cost more than the rest of the checks.
	 * The attestation is cleared here only (tcg_attest_read does not). */
	memset(r, 0, offsetof(tcg_quote_result, pcrs));
	r->pcrs.num_banks = 0;
	if ((!o->pcrs) == (!o->log))
		return tcg_fail(err, TCG_E_USAGE, "quote-usage",
		                "give either PCR values or an event log");
	if (!o->nonce || !o->nonce_len)
		return tcg_fail(err, TCG_E_USAGE, "quote-nonce-missing",
		                "a quote is only verified against a nonce");
	if ((rc = tcg_attest_read(attest, attest_len, a, err)) ||
	    (rc = parse_signature(sigdata, sig_len, &sig, err)))
		return rc;
	if (!tcg_public_has_area(ak) && !o->ak_unchecked)
		return tcg_fail_mismatch(err, "ak-unchecked-pem",
		                         "a bare public key carries no TPM attributes: nothing shows it is a "
		                         "restricted, fixedTPM attestation key");
	if (tcg_public_has_area(ak)) {
		if ((rc = tcg_ak_check(ak, o->allow_sha1, err)))
			return rc;
		r->ak_checked = true;
		/* Only the AK's declared scheme and hash: no trying other paddings. */
		if (sig.sigAlg != tcg_public_scheme(ak) ||
		    sig.signature.any.hashAlg != tcg_public_scheme_hash(ak))
			return tcg_fail_mismatch(err, "quote-signature-scheme",
			                         "signature scheme 0x%04x/0x%04x is not the AK's 0x%04x/0x%04x",
			                         sig.sigAlg, sig.signature.any.hashAlg,
			                         tcg_public_scheme(ak), tcg_public_scheme_hash(ak));
	}
	hash = sig.signature.any.hashAlg;
	r->sig_scheme = sig.sigAlg;
	r->sig_hash = hash;
	if (!hash_allowed(hash, o->allow_sha1))
		return tcg_fail_mismatch(err, "quote-signature-hash", "signing hash 0x%04x%s", hash,
		                         hash == TCG_ALG_SHA1 ? " is SHA-1, not allowed"
		                                              : " is unknown");
	if ((rc = verify_signature(qv, &sig, attest, attest_len, err)))
		return rc;
	/* magic and type: refused by tcg_attest_read (quote-magic, quote-type) */
	if (a->extra_len != o->nonce_len || CRYPTO_memcmp(a->extra, o->nonce, o->nonce_len))
		return tcg_fail_mismatch(err, "quote-nonce",
		                         "extraData (%zu bytes) is not the nonce", a->extra_len);
	r->authentic = true;
	if (!a->safe && !o->allow_unsafe_clock)
		return tcg_fail_mismatch(err, "quote-clock-unsafe", "the TPM's clock is not safe");
	if (a->pcr_digest_len != tcg_alg_size(hash))
		return tcg_fail_mismatch(err, "quote-pcr-digest",
		                         "pcrDigest of %zu bytes for a %zu-byte signing hash",
		                         a->pcr_digest_len, tcg_alg_size(hash));
	if (o->require && !selection_same(&a->selection, o->require)) {
		char got[512], want[512];
		if (!tcg_pcr_selection_format(&a->selection, got, sizeof got))
			snprintf(got, sizeof got, "?");
		if (!tcg_pcr_selection_format(o->require, want, sizeof want))
			snprintf(want, sizeof want, "?");
		return tcg_fail_mismatch(err, "quote-selection-required",
		                         "the quote selects %s, not the required %s", got, want);
	}
	if (!selected_evidence(&a->selection))
		return tcg_fail_mismatch(err, "quote-selection-resettable",
		                         "the quote selects no PCR but the resettable 16 and 23: it proves "
		                         "nothing about the boot");
	if ((rc = selected_values(a, o, &r->pcrs, err)) ||
	    (rc = composite(a, &r->pcrs, qv, digest, err)))
		return rc;
	if (CRYPTO_memcmp(digest, a->pcr_digest, a->pcr_digest_len)) {
		memset(&r->pcrs, 0, sizeof r->pcrs);
		return o->log ? tcg_fail_mismatch(err, "quote-log-mismatch",
		                                  "the log does not replay to the quoted PCR composite")
		              : tcg_fail_mismatch(err, "quote-pcr-digest",
		                                  "the PCR values do not hash to the quoted composite");
	}
	return TCG_OK;
}

bool tcg_pcr_selection_parse(const char *s, tcg_pcr_selection *out)
{
	memset(out, 0, sizeof *out);
	while (*s) {
		const char *colon = strchr(s, ':');
		const char *plus = strchr(s, '+');
		char name[16], list[128];
		if (!colon || (plus && plus < colon) || (size_t)(colon - s) >= sizeof name)
			return false;
		size_t n = plus ? (size_t)(plus - colon - 1) : strlen(colon + 1);
		if (n >= sizeof list || out->num_banks == TCG_MAX_SELECTION_BANKS)
			return false;
		memcpy(name, s, (size_t)(colon - s));
		name[colon - s] = '\0';
		memcpy(list, colon + 1, n);
		list[n] = '\0';
		uint16_t alg;
		uint32_t mask;
		if (!tcg_alg_from_name(name, &alg) || !tcg_pcr_list_parse(list, &mask))
			return false;
		for (size_t k = 0; k < out->num_banks; k++)
			if (out->bank[k].alg == alg)
				return false;
		out->bank[out->num_banks].alg = alg;
		out->bank[out->num_banks++].mask = mask;
		if (!plus)
			break;
		s = plus + 1;
		if (!*s)
			return false;
	}
	return out->num_banks > 0;
}

bool tcg_pcr_selection_format(const tcg_pcr_selection *sel, char *out, size_t cap)
{
	size_t used = 0;
	if (!cap)
		return false;
	out[0] = '\0';
	for (size_t k = 0; k < sel->num_banks; k++) {
		const char *name = tcg_alg_name(sel->bank[k].alg);
		int w = snprintf(out + used, cap - used, "%s%s:", k ? "+" : "", name ? name : "?");
		if (w < 0 || (size_t)w >= cap - used)
			return false;
		used += (size_t)w;
		bool first = true;
		for (unsigned p = 0; p < TCG_NUM_PCRS; p++) {
			if (!(sel->bank[k].mask >> p & 1))
				continue;
			w = snprintf(out + used, cap - used, "%s%u", first ? "" : ",", p);
			if (w < 0 || (size_t)w >= cap - used)
				return false;
			used += (size_t)w;
			first = false;
		}
	}
	return true;
}

bool tcg_pcr_selection_equal(const tcg_pcr_selection *a, const tcg_pcr_selection *b)
{
	if (a->num_banks != b->num_banks)
		return false;
	for (size_t k = 0; k < a->num_banks; k++)
		if (a->bank[k].alg != b->bank[k].alg || a->bank[k].mask != b->bank[k].mask)
			return false;
	return true;
}
