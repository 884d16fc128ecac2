/*
 * The quote TPMS_ATTEST reader from the attacker's side (each malformed
 * structure refused for its rule), and the PCR composite of large selections
 * against OpenSSL: quotes built here by hand, as TPM 2.0 Part 2 lays them out,
 * and signed with an OpenSSL key.
 */
#include <criterion/criterion.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <string.h>

#include "tcglog/quote.h"

/* A TPMS_ATTEST under construction, big-endian as the TPM marshals it. */
typedef struct {
	uint8_t b[1024];
	size_t n;
} bytes;

static void put(bytes *o, uint64_t v, int width)
{
	for (int i = width - 1; i >= 0; i--)
		o->b[o->n++] = (uint8_t)(v >> (8 * i));
}

static void put_raw(bytes *o, const void *p, size_t n)
{
	memcpy(o->b + o->n, p, n);
	o->n += n;
}

static void put_tpm2b(bytes *o, size_t n, uint8_t fill)
{
	put(o, n, 2);
	memset(o->b + o->n, fill, n);
	o->n += n;
}

static const uint8_t nonce[8] = { 0xc0, 0xff, 0xee, 1, 2, 3, 4, 5 };

typedef struct {
	size_t signer, extra, digest; /* TPM2B sizes */
	uint32_t banks;               /* selection count */
	uint8_t sizeof_select;
} shape;

/* A quote over sha256:0-7 with the given field sizes, pcrDigest filled with d. */
static void attest_with(bytes *o, const shape *s, const uint8_t *digest)
{
	o->n = 0;
	put(o, TCG_TPM_GENERATED, 4);
	put(o, TCG_ST_ATTEST_QUOTE, 2);
	put_tpm2b(o, s->signer, 0x11);
	put(o, s->extra, 2);
	for (size_t i = 0; i < s->extra; i++)
		o->b[o->n++] = nonce[i % sizeof nonce];
	put(o, 0x0102030405060708ull, 8); /* clock */
	put(o, 9, 4);                     /* resetCount */
	put(o, 10, 4);                    /* restartCount */
	put(o, 1, 1);                     /* safe */
	put(o, 0x2000000000000001ull, 8); /* firmwareVersion */
	put(o, s->banks, 4);
	for (uint32_t k = 0; k < s->banks; k++) {
		put(o, TCG_ALG_SHA256 + k, 2);
		put(o, s->sizeof_select, 1);
		for (unsigned i = 0; i < s->sizeof_select; i++)
			put(o, i == 0 ? 0xff : 0, 1);
	}
	put(o, s->digest, 2);
	if (digest)
		put_raw(o, digest, s->digest);
	else
		for (size_t i = 0; i < s->digest; i++)
			o->b[o->n++] = 0x22;
}

static const shape good = { .signer = 34, .extra = 8, .digest = 32, .banks = 1,
	                     .sizeof_select = 3 };

static void expect_refused(const bytes *o, tcg_rc rc, const char *rule)
{
	tcg_attest a;
	tcg_err err;
	tcg_err_clear(&err);
	cr_assert_eq(tcg_attest_parse(o->b, o->n, &a, &err), rc, "want %s, got %s: %s", rule,
	             err.rule, err.msg);
	cr_assert_str_eq(err.rule, rule, "%s", err.msg);
	cr_assert(err.msg[0]);
}

Test(attest, a_quote_is_read_field_by_field)
{
	bytes o;
	tcg_attest a;
	tcg_err err;
	attest_with(&o, &good, NULL);
	cr_assert_eq(tcg_attest_parse(o.b, o.n, &a, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(a.magic, TCG_TPM_GENERATED);
	cr_assert_eq(a.type, TCG_ST_ATTEST_QUOTE);
	cr_assert_eq(a.signer_len, 34);
	cr_assert_eq(a.signer[33], 0x11);
	cr_assert_eq(a.extra_len, 8);
	cr_assert_arr_eq(a.extra, nonce, 8);
	cr_assert_eq(a.clock, 0x0102030405060708ull);
	cr_assert_eq(a.reset_count, 9);
	cr_assert_eq(a.restart_count, 10);
	cr_assert(a.safe);
	cr_assert_eq(a.firmware_version, 0x2000000000000001ull);
	cr_assert_eq(a.selection.num_banks, 1);
	cr_assert_eq(a.selection.bank[0].alg, TCG_ALG_SHA256);
	cr_assert_eq(a.selection.bank[0].mask, 0xff);
	cr_assert_eq(a.pcr_digest_len, 32);
	cr_assert_eq(a.pcr_digest[31], 0x22);
}

Test(attest, every_truncation_is_refused)
{
	bytes o;
	attest_with(&o, &good, NULL);
	for (size_t cut = 0; cut < o.n; cut++) {
		bytes t = o;
		t.n = cut;
		expect_refused(&t, TCG_E_FORMAT, "attest-unmarshal");
	}
}

Test(attest, trailing_bytes_are_refused)
{
	bytes o;
	attest_with(&o, &good, NULL);
	o.b[o.n++] = 0;
	expect_refused(&o, TCG_E_FORMAT, "attest-trailing-data");
}

Test(attest, wrong_magic_or_type_is_not_a_quote)
{
	bytes o;
	attest_with(&o, &good, NULL);
	o.b[0] = 0x00;
	expect_refused(&o, TCG_E_MISMATCH, "quote-magic");
	attest_with(&o, &good, NULL);
	o.b[5] = 0x14; /* TPM_ST_ATTEST_NV (0x8014) */
	expect_refused(&o, TCG_E_MISMATCH, "quote-type");
}

Test(attest, oversized_lengths_are_refused)
{
	shape s;
	bytes o;

	s = good, s.signer = TCG_MAX_NAME + 1;
	attest_with(&o, &s, NULL);
	expect_refused(&o, TCG_E_FORMAT, "attest-size");
	s = good, s.extra = 65;
	attest_with(&o, &s, NULL);
	expect_refused(&o, TCG_E_FORMAT, "attest-size");
	s = good, s.digest = 65;
	attest_with(&o, &s, NULL);
	expect_refused(&o, TCG_E_FORMAT, "attest-size");
	/* a length the bytes do not hold, within its cap */
	attest_with(&o, &good, NULL);
	o.b[o.n - 33] = 64; /* pcrDigest size 64, 32 bytes follow */
	expect_refused(&o, TCG_E_FORMAT, "attest-unmarshal");
	/* a length of 0xFFFF, the extraData's */
	attest_with(&o, &good, NULL);
	o.b[6 + 2 + 34] = 0xff;
	o.b[6 + 2 + 34 + 1] = 0xff;
	expect_refused(&o, TCG_E_FORMAT, "attest-size");
	/* longer than any quote's TPMS_ATTEST can be */
	attest_with(&o, &good, NULL);
	memset(o.b + o.n, 0, 400);
	o.n += 400;
	expect_refused(&o, TCG_E_FORMAT, "attest-size");
}

Test(attest, bad_selections_are_refused)
{
	shape s;
	bytes o;
	size_t at;

	s = good, s.banks = TCG_MAX_SELECTION_BANKS + 1;
	attest_with(&o, &s, NULL);
	expect_refused(&o, TCG_E_FORMAT, "quote-selection");
	/* a count of 2^32 - 1 with no banks after it */
	s = good, s.banks = 0;
	attest_with(&o, &s, NULL);
	at = o.n - 2 - 32 - 4;
	memset(o.b + at, 0xff, 4);
	expect_refused(&o, TCG_E_FORMAT, "quote-selection");
	s = good, s.sizeof_select = 5;
	attest_with(&o, &s, NULL);
	expect_refused(&o, TCG_E_FORMAT, "quote-selection");
	/* PCR 24 selected */
	s = good, s.sizeof_select = 4;
	attest_with(&o, &s, NULL);
	o.b[o.n - 2 - 32 - 1] = 0x01;
	expect_refused(&o, TCG_E_FORMAT, "quote-selection");
	/* the same bank twice */
	s = good, s.banks = 2;
	attest_with(&o, &s, NULL);
	at = o.n - 2 - 32 - 2 * (2 + 1 + 3);
	o.b[at + 6 + 1] = (uint8_t)TCG_ALG_SHA256;
	expect_refused(&o, TCG_E_FORMAT, "quote-selection");
}

/* ---- the composite of large selections, against OpenSSL */

static EVP_PKEY *key;
static tcg_public *pub;

static void key_setup(void)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem;
	long n;
	tcg_err err;
	key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	cr_assert(key && bio && PEM_write_bio_PUBKEY(bio, key));
	n = BIO_get_mem_data(bio, &pem);
	cr_assert_eq(tcg_public_load((const uint8_t *)pem, (size_t)n, &pub, &err), TCG_OK, "%s",
	             err.msg);
	BIO_free(bio);
}

static void key_teardown(void)
{
	tcg_public_free(pub);
	EVP_PKEY_free(key);
}

/* TPMT_SIGNATURE: ECDSA, SHA-256, (r, s) of OpenSSL's signature over the attestation. */
static void sign(const bytes *att, bytes *sig)
{
	uint8_t der[128];
	size_t der_len = sizeof der;
	const unsigned char *p = der;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	ECDSA_SIG *es;
	cr_assert(c && EVP_DigestSignInit(c, NULL, EVP_sha256(), NULL, key) == 1 &&
	          EVP_DigestSign(c, der, &der_len, att->b, att->n) == 1);
	EVP_MD_CTX_free(c);
	cr_assert(es = d2i_ECDSA_SIG(NULL, &p, (long)der_len));
	sig->n = 0;
	put(sig, TCG_ALG_ECDSA, 2);
	put(sig, TCG_ALG_SHA256, 2);
	put(sig, 32, 2);
	BN_bn2binpad(ECDSA_SIG_get0_r(es), sig->b + sig->n, 32);
	sig->n += 32;
	put(sig, 32, 2);
	BN_bn2binpad(ECDSA_SIG_get0_s(es), sig->b + sig->n, 32);
	sig->n += 32;
	ECDSA_SIG_free(es);
}

/*
 * Quote every PCR of each bank in algs, with values from a counter, the
 * composite computed by OpenSSL; verify with those values, then with one
 * value changed.
 */
static void composite_case(const uint16_t *algs, size_t nalgs)
{
	static tcg_pcr_values v;
	static tcg_quote_result r;
	uint8_t digest[32];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	bytes att, sig;
	tcg_err err;
	uint8_t n = 0;
	tcg_quote_opts o = { .nonce = nonce, .nonce_len = sizeof nonce, .pcrs = &v,
		             .ak_unchecked = true };

	memset(&v, 0, sizeof v);
	cr_assert(c && EVP_DigestInit_ex(c, EVP_sha256(), NULL));
	for (size_t k = 0; k < nalgs; k++) {
		tcg_pcr_bank *b = tcg_pcrs_add_bank(&v, algs[k]);
		cr_assert(b);
		for (unsigned p = 0; p < TCG_NUM_PCRS; p++) {
			for (unsigned i = 0; i < b->size; i++)
				b->value[p][i] = n++;
			EVP_DigestUpdate(c, b->value[p], b->size);
		}
		b->present = (1u << TCG_NUM_PCRS) - 1;
	}
	cr_assert(EVP_DigestFinal_ex(c, digest, NULL));
	EVP_MD_CTX_free(c);

	att.n = 0;
	put(&att, TCG_TPM_GENERATED, 4);
	put(&att, TCG_ST_ATTEST_QUOTE, 2);
	put_tpm2b(&att, 0, 0);
	put(&att, sizeof nonce, 2);
	put_raw(&att, nonce, sizeof nonce);
	put(&att, 1, 8);
	put(&att, 0, 4);
	put(&att, 0, 4);
	put(&att, 1, 1);
	put(&att, 0, 8);
	put(&att, nalgs, 4);
	for (size_t k = 0; k < nalgs; k++) {
		put(&att, algs[k], 2);
		put(&att, 3, 1);
		put(&att, 0xffffff, 3);
	}
	put(&att, sizeof digest, 2);
	put_raw(&att, digest, sizeof digest);
	sign(&att, &sig);

	tcg_err_clear(&err);
	cr_assert_eq(tcg_quote_verify(pub, att.b, att.n, sig.b, sig.n, &o, &r, &err), TCG_OK,
	             "%s: %s", err.rule, err.msg);
	cr_assert_eq(r.pcrs.num_banks, nalgs);
	v.bank[nalgs - 1].value[23][0] ^= 1;
	cr_assert_eq(tcg_quote_verify(pub, att.b, att.n, sig.b, sig.n, &o, &r, &err),
	             TCG_E_MISMATCH);
	cr_assert_str_eq(err.rule, "quote-pcr-digest", "%s", err.msg);
}

TestSuite(composite, .init = key_setup, .fini = key_teardown);

Test(composite, one_bank)
{
	static const uint16_t algs[] = { TCG_ALG_SHA256 };
	composite_case(algs, 1);
}

/* 24 values of 64 bytes: exactly the gathering buffer */
Test(composite, a_full_sha512_bank)
{
	static const uint16_t algs[] = { TCG_ALG_SHA512 };
	composite_case(algs, 1);
}

/* one value more than the buffer, and three times it */
Test(composite, selections_larger_than_the_buffer)
{
	static const uint16_t two[] = { TCG_ALG_SHA512, TCG_ALG_SHA256 };
	static const uint16_t four[] = { TCG_ALG_SHA256, TCG_ALG_SHA384, TCG_ALG_SHA512,
		                         TCG_ALG_SHA3_256 };
	composite_case(two, 2);
	composite_case(four, 4);
}
