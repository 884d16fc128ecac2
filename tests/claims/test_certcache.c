/*
 * The process-wide cache of parsed certificates (libtcglog/certcache.c): a
 * remembered answer is exactly what parsing the same bytes gives now, a
 * certificate differing by one byte (even under the digest of another) is
 * parsed on its own, the cache stays within its caps, and the claims and EK
 * certificates read through it are the same with the cache on or off.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "certcache.h"
#include "tcglog/claims.h"
#include "tcglog/ekcert.h"

static EVP_PKEY *key;

static void setup(void)
{
	key = EVP_EC_gen("P-256");
	cr_assert_not_null(key);
	tcg_certcache_enable(true);
	tcg_certcache_clear();
}

static void teardown(void)
{
	EVP_PKEY_free(key);
	tcg_certcache_enable(true);
	tcg_certcache_clear();
}

/* A self-signed certificate "CN=cn" with serial as DER (malloc'd). */
static uint8_t *make_cert(const char *cn, long serial, size_t *len)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	cr_assert(x && name);
	cr_assert(X509_set_version(x, X509_VERSION_3));
	cr_assert(ASN1_INTEGER_set(X509_get_serialNumber(x), serial));
	cr_assert(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"tcglog test",
	                                     -1, -1, 0));
	cr_assert(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1,
	                                     -1, 0));
	cr_assert(X509_set_subject_name(x, name) && X509_set_issuer_name(x, name));
	cr_assert(X509_gmtime_adj(X509_getm_notBefore(x), 0) &&
	          X509_gmtime_adj(X509_getm_notAfter(x), 86400));
	cr_assert(X509_set_pubkey(x, key) && X509_sign(x, key, EVP_sha256()));
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	cr_assert_gt(n, 0);
	uint8_t *out = malloc((size_t)n);
	memcpy(out, der, (size_t)n);
	*len = (size_t)n;
	OPENSSL_free(der);
	X509_NAME_free(name);
	X509_free(x);
	return out;
}

static void sha256(const uint8_t *p, size_t len, uint8_t out[32])
{
	unsigned hl = 0;
	cr_assert(EVP_Digest(p, len, out, &hl, EVP_sha256(), NULL) == 1 && hl == 32);
}

/* The subject with the cache off: what OpenSSL makes of these bytes now. */
static char *fresh_subject(const uint8_t *der, size_t len)
{
	bool was = tcg_certcache_enable(false);
	char *s = tcg_cert_subject(der, len, NULL);
	tcg_certcache_enable(was);
	return s;
}

static tcg_certcache_stats stats(void)
{
	tcg_certcache_stats s;
	tcg_certcache_stats_get(&s);
	return s;
}

Test(certcache, remembered_answer_is_a_fresh_parse, .init = setup, .fini = teardown)
{
	size_t len;
	uint8_t *der = make_cert("Secure Boot db", 1, &len), d[32];
	sha256(der, len, d);
	char *want = fresh_subject(der, len);
	cr_assert_str_eq(want, "CN=Secure Boot db,O=tcglog test");
	cr_assert_eq(stats().entries, 0, "the cache off keeps nothing");

	char *first = tcg_cert_subject(der, len, d), *again = tcg_cert_subject(der, len, d);
	char *nodigest = tcg_cert_subject(der, len, NULL);
	cr_assert_str_eq(first, want);
	cr_assert_str_eq(again, want);
	cr_assert_str_eq(nodigest, want);
	tcg_certcache_stats s = stats();
	cr_assert_eq(s.entries, 1);
	cr_assert_eq(s.misses, 1);
	cr_assert_eq(s.hits, 2);

	/* the shared X509 is the certificate a fresh d2i_X509 gives */
	const unsigned char *p = der;
	X509 *fresh = d2i_X509(NULL, &p, (long)len), *cached = tcg_x509_parse(der, len, d);
	cr_assert(fresh && cached);
	cr_assert_eq(X509_cmp(fresh, cached), 0);
	X509_free(fresh);
	X509_free(cached);
	free(want);
	free(first);
	free(again);
	free(nodigest);
	free(der);
}

/* Flip one byte at off; the subject must be what a fresh parse of the new bytes gives. */
static void one_byte_off(const uint8_t *der, size_t len, size_t off, const uint8_t *digest,
                         const char *orig, bool same_subject)
{
	uint8_t *b = malloc(len), d[32];
	memcpy(b, der, len);
	b[off] ^= 0x01;
	sha256(b, len, d);
	char *want = fresh_subject(b, len);
	uint64_t misses = stats().misses;
	char *got = tcg_cert_subject(b, len, digest ? digest : d);
	cr_assert_eq(stats().misses, misses + 1, "byte %zu changed: not found in the cache", off);
	if (want) {
		cr_assert_str_eq(got, want, "byte %zu changed", off);
		if (same_subject)
			cr_assert_str_eq(got, orig);
		else
			cr_assert_str_neq(got, orig);
	} else {
		cr_assert_null(got, "byte %zu changed: no subject, as when parsed afresh", off);
	}
	free(want);
	free(got);
	free(b);
}

Test(certcache, one_byte_apart_is_another_certificate, .init = setup, .fini = teardown)
{
	size_t len;
	uint8_t *der = make_cert("Secure Boot KEK", 2, &len), d[32];
	sha256(der, len, d);
	char *orig = tcg_cert_subject(der, len, d);
	cr_assert_str_eq(orig, "CN=Secure Boot KEK,O=tcglog test");

	/* a letter of the subject (after the issuer, which names it too): another subject */
	size_t cn = len - 3;
	while (cn && memcmp(der + cn, "KEK", 3))
		cn--;
	cr_assert_gt(cn, 0);
	one_byte_off(der, len, cn, NULL, orig, false);
	/* the signature's last byte: the same subject, still a certificate of its own */
	one_byte_off(der, len, len - 1, NULL, orig, true);
	/* under the first certificate's digest (as if SHA-256 collided): the bytes decide */
	one_byte_off(der, len, cn, d, orig, false);
	one_byte_off(der, len, len - 1, d, orig, true);
	/* the outer length: no certificate, and nothing remembered for it */
	size_t entries = stats().entries;
	one_byte_off(der, len, 2, NULL, orig, false);
	cr_assert_eq(stats().entries, entries, "a certificate that does not parse is not kept");

	/* bytes after the certificate: refused, as d2i_X509 alone would not */
	uint8_t *longer = malloc(len + 1);
	memcpy(longer, der, len);
	longer[len] = 0;
	cr_assert_null(tcg_cert_subject(longer, len + 1, NULL));
	cr_assert_null(tcg_x509_parse(longer, len + 1, NULL));
	/* the original is still answered from the cache, unchanged */
	char *again = tcg_cert_subject(der, len, d);
	cr_assert_str_eq(again, orig);
	free(again);
	free(longer);
	free(orig);
	free(der);
}

Test(certcache, bounded, .init = setup, .fini = teardown)
{
	for (long i = 0; i < TCG_CERTCACHE_MAX_ENTRIES + 44; i++) {
		size_t len;
		char cn[32];
		snprintf(cn, sizeof cn, "certificate %ld", i);
		uint8_t *der = make_cert(cn, i, &len);
		char *s = tcg_cert_subject(der, len, NULL);
		cr_assert_not_null(s);
		free(s);
		free(der);
		tcg_certcache_stats st = stats();
		cr_assert_leq(st.entries, TCG_CERTCACHE_MAX_ENTRIES);
		cr_assert_leq(st.bytes, TCG_CERTCACHE_MAX_BYTES);
	}
	cr_assert_eq(stats().entries, TCG_CERTCACHE_MAX_ENTRIES);
	/* the least recently used went first: certificate 0 is parsed again */
	size_t len;
	uint8_t *der = make_cert("certificate 0", 0, &len);
	uint64_t misses = stats().misses;
	char *s = tcg_cert_subject(der, len, NULL);
	cr_assert_str_eq(s, "CN=certificate 0,O=tcglog test");
	cr_assert_eq(stats().misses, misses + 1);
	free(s);
	free(der);
	/* over the size for an entry: parsed every time, never kept */
	uint8_t *big = calloc(1, TCG_CERTCACHE_MAX_DER + 1);
	size_t entries = stats().entries;
	cr_assert_null(tcg_x509_parse(big, TCG_CERTCACHE_MAX_DER + 1, NULL));
	cr_assert_eq(stats().entries, entries);
	free(big);
}

/* The claims document of a fixture log checked against its PCR values. */
static char *claims_text(const char *name, size_t *len)
{
	const char *dir = getenv("TCGLOG_FIXTURES");
	char log[4096], pcrs[4096];
	cr_assert_not_null(dir, "TCGLOG_FIXTURES is not set");
	snprintf(log, sizeof log, "%s/%s.bin", dir, name);
	snprintf(pcrs, sizeof pcrs, "%s/%s.pcrs.yaml", dir, name);
	tcg_claims_input in;
	tcg_err err;
	tcg_claims_opts o = {.allow_sha1 = true};
	cr_assert_eq(tcg_claims_load(log, pcrs, o, &in, &err), TCG_OK, "%s: %s", name, err.msg);
	char *text = NULL;
	FILE *f = open_memstream(&text, len);
	cr_assert_eq(tcg_claims_write(in.claims, f, &err), TCG_OK);
	fclose(f);
	tcg_claims_input_free(&in);
	return text;
}

Test(certcache, claims_same_with_and_without, .init = setup, .fini = teardown)
{
	static const char *const logs[] = {"windows11", "windows11-debug", "linux-shim-grub",
	                                   "linux-uki"};
	for (size_t i = 0; i < sizeof logs / sizeof *logs; i++) {
		size_t n_off, n_cold, n_warm;
		tcg_certcache_enable(false);
		char *off = claims_text(logs[i], &n_off);
		tcg_certcache_enable(true);
		tcg_certcache_clear();
		char *cold = claims_text(logs[i], &n_cold);
		uint64_t hits = stats().hits;
		char *warm = claims_text(logs[i], &n_warm);
		cr_assert_gt(stats().hits, hits, "%s: the second reading is answered from the cache",
		             logs[i]);
		cr_assert(strstr(off, "Subjects:"), "%s names certificate subjects", logs[i]);
		cr_assert(n_off == n_cold && !memcmp(off, cold, n_off), "%s: cold cache", logs[i]);
		cr_assert(n_off == n_warm && !memcmp(off, warm, n_off), "%s: warm cache", logs[i]);
		free(off);
		free(cold);
		free(warm);
	}
}

Test(certcache, ek_certificate_same_with_and_without, .init = setup, .fini = teardown)
{
	size_t len;
	uint8_t *der = make_cert("EK", 7, &len);
	tcg_ekcert *c[3];
	tcg_err err;
	tcg_certcache_enable(false);
	cr_assert_eq(tcg_ekcert_parse(der, len, &c[0], &err), TCG_OK, "%s", err.msg);
	tcg_certcache_enable(true);
	cr_assert_eq(tcg_ekcert_parse(der, len, &c[1], &err), TCG_OK, "%s", err.msg);
	uint64_t hits = stats().hits;
	cr_assert_eq(tcg_ekcert_parse(der, len, &c[2], &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(stats().hits, hits + 1);
	for (int i = 1; i < 3; i++) {
		size_t a, b;
		const uint8_t *da = tcg_ekcert_der(c[0], &a), *db = tcg_ekcert_der(c[i], &b);
		cr_assert(a == b && !memcmp(da, db, a));
		cr_assert_str_eq(tcg_ekcert_subject(c[0]), tcg_ekcert_subject(c[i]));
		cr_assert_str_eq(tcg_ekcert_serial(c[0]), tcg_ekcert_serial(c[i]));
		cr_assert_str_eq(tcg_ekcert_key_type(c[0]), tcg_ekcert_key_type(c[i]));
		cr_assert_eq(tcg_ekcert_quirks(c[0]), tcg_ekcert_quirks(c[i]));
	}
	/* freeing one leaves the other (and the cache's) certificate intact */
	tcg_ekcert_free(c[1]);
	cr_assert_str_eq(tcg_ekcert_subject(c[2]), "CN=EK,O=tcglog test");
	tcg_ekcert_free(c[0]);
	tcg_ekcert_free(c[2]);
	free(der);
}
