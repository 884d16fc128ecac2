/*
 * The quote TPMS_ATTEST reader from the attacker's side: each malformed
 * structure, built here by hand as TPM 2.0 Part 2 lays it out, refused for
 * its rule.
 */
#include <criterion/criterion.h>
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
