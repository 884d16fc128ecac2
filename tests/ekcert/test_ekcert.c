/*
 * Unit tests of the EK certificate module on certificates built here with
 * OpenSSL: NV quirks, every truncation, the profile in strict and lenient
 * mode, the key match, the vendor table and the chains a trust remembers.
 */
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ekcert_int.h"
#include "tcglog/ekcert.h"
#include "tcglog/tpm.h"

static EVP_PKEY *key;
static uint8_t *der;
static size_t der_len;

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	cr_assert_not_null(e);
	cr_assert(X509_add_ext(x, e, -1));
	X509_EXTENSION_free(e);
}

/* A self-signed EK-like certificate for an ECC key; eku false leaves the EKU out. */
static size_t make_cert(uint8_t **out, bool eku, bool san)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	cr_assert(x && n);
	cr_assert(X509_set_version(x, X509_VERSION_3));
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"unit EK", -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	X509_NAME_free(n);
	X509_gmtime_adj(X509_getm_notBefore(x), -86400);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365);
	X509_set_pubkey(x, key);
	add_ext(x, x, NID_basic_constraints, "critical,CA:FALSE");
	add_ext(x, x, NID_key_usage, "critical,keyAgreement");
	if (eku)
		add_ext(x, x, NID_ext_key_usage, "2.23.133.8.1");
	if (san) {
		X509_NAME *dn = X509_NAME_new();
		GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
		GENERAL_NAME *g = GENERAL_NAME_new();
		X509_NAME_add_entry_by_txt(dn, "2.23.133.2.1", MBSTRING_UTF8,
		                           (const unsigned char *)"id:49424D00", -1, -1, 0);
		X509_NAME_add_entry_by_txt(dn, "2.23.133.2.2", MBSTRING_UTF8,
		                           (const unsigned char *)"unit model", -1, -1, 0);
		X509_NAME_add_entry_by_txt(dn, "2.23.133.2.3", MBSTRING_UTF8,
		                           (const unsigned char *)"id:00010002", -1, -1, 0);
		GENERAL_NAME_set0_value(g, GEN_DIRNAME, dn);
		sk_GENERAL_NAME_push(gens, g);
		cr_assert(X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 1, 0));
		GENERAL_NAMES_free(gens);
	}
	cr_assert(X509_sign(x, key, EVP_sha256()));
	int len = i2d_X509(x, NULL);
	cr_assert(len > 0);
	*out = malloc((size_t)len);
	unsigned char *p = *out;
	i2d_X509(x, &p);
	X509_free(x);
	return (size_t)len;
}

static void setup(void)
{
	key = EVP_EC_gen("P-256");
	cr_assert_not_null(key);
	der_len = make_cert(&der, true, true);
}

static void teardown(void)
{
	free(der);
	EVP_PKEY_free(key);
}

TestSuite(ekcert, .init = setup, .fini = teardown);

static tcg_ekcert *parse_ok(const uint8_t *p, size_t n)
{
	tcg_ekcert *c = NULL;
	tcg_err err;
	tcg_err_clear(&err);
	tcg_rc rc = tcg_ekcert_parse(p, n, &c, &err);
	cr_assert_eq(rc, TCG_OK, "%s: %s", err.rule, err.msg);
	return c;
}

static void parse_refused(const uint8_t *p, size_t n, const char *rule)
{
	tcg_ekcert *c = NULL;
	tcg_err err;
	tcg_err_clear(&err);
	cr_assert_eq(tcg_ekcert_parse(p, n, &c, &err), TCG_E_FORMAT);
	cr_assert_null(c);
	if (rule)
		cr_assert_str_eq(err.rule, rule, "%s: %s", err.rule, err.msg);
}

Test(ekcert, clean_der_decodes_identity)
{
	tcg_ekcert *c = parse_ok(der, der_len);
	uint32_t id;
	cr_assert_eq(tcg_ekcert_quirks(c), 0);
	cr_assert_str_eq(tcg_ekcert_manufacturer(c), "id:49424D00");
	cr_assert(tcg_ekcert_manufacturer_id(c, &id));
	cr_assert_eq(id, 0x49424D00);
	cr_assert_str_eq(tcg_tpm_vendor_name(id), "IBM");
	cr_assert_str_eq(tcg_ekcert_model(c), "unit model");
	cr_assert(tcg_ekcert_version_id(c, &id));
	cr_assert_eq(id, 0x00010002);
	cr_assert_str_eq(tcg_ekcert_key_type(c), "ecc");
	cr_assert_eq(tcg_ekcert_key_bits(c), 256);
	cr_assert_str_eq(tcg_ekcert_subject(c), "CN=unit EK");
	cr_assert_str_eq(tcg_ekcert_serial(c), "07");
	tcg_ekcert_free(c);
}

Test(ekcert, padding_is_a_named_quirk)
{
	for (int fill = 0; fill < 2; fill++) {
		uint8_t *p = malloc(der_len + 100);
		memcpy(p, der, der_len);
		memset(p + der_len, fill ? 0xff : 0x00, 100);
		tcg_ekcert *c = parse_ok(p, der_len + 100);
		cr_assert_eq(tcg_ekcert_quirks(c), TCG_EKCERT_QUIRK_NV_PADDING);
		cr_assert_str_eq(tcg_ekcert_quirk_name(TCG_EKCERT_QUIRK_NV_PADDING), "nv-padding");
		cr_assert_not_null(strstr(tcg_ekcert_quirk_detail(c, TCG_EKCERT_QUIRK_NV_PADDING),
		                          fill ? "0xff" : "0x00"));
		tcg_ekcert_free(c);
		p[der_len + 50] ^= 0xff; /* mixed padding */
		parse_refused(p, der_len + 100, "ekcert-trailing-data");
		free(p);
	}
}

Test(ekcert, nv_header_with_and_without_full_cert_tag)
{
	for (int tag = 0; tag < 2; tag++) {
		size_t body = der_len + (tag ? 2 : 0);
		uint8_t *p = malloc(5 + body + 8);
		p[0] = 0x10, p[1] = 0x01, p[2] = 0x00, p[3] = (uint8_t)(body >> 8), p[4] = (uint8_t)body;
		if (tag)
			p[5] = 0x10, p[6] = 0x02;
		memcpy(p + 5 + (tag ? 2 : 0), der, der_len);
		memset(p + 5 + body, 0xff, 8);
		tcg_ekcert *c = parse_ok(p, 5 + body + 8);
		cr_assert_eq(tcg_ekcert_quirks(c), TCG_EKCERT_QUIRK_NV_HEADER | TCG_EKCERT_QUIRK_NV_PADDING);
		tcg_ekcert_free(c);
		p[4] = (uint8_t)(body + 1); /* header length one too long */
		parse_refused(p, 5 + body + 8, "ekcert-nv-header");
		p[3] = 0xff; /* header length past the end */
		parse_refused(p, 5 + body + 8, "ekcert-nv-header");
		free(p);
	}
}

Test(ekcert, every_truncation_refused)
{
	for (size_t n = 0; n < der_len; n++) {
		uint8_t *p = malloc(n ? n : 1);
		memcpy(p, der, n);
		parse_refused(p, n, NULL);
		free(p);
	}
}

Test(ekcert, pem_accepted_without_quirks)
{
	BIO *b = BIO_new(BIO_s_mem());
	const unsigned char *q = der;
	X509 *x = d2i_X509(NULL, &q, (long)der_len);
	char *pem;
	PEM_write_bio_X509(b, x);
	long n = BIO_get_mem_data(b, &pem);
	tcg_ekcert *c = parse_ok((const uint8_t *)pem, (size_t)n);
	cr_assert_eq(tcg_ekcert_quirks(c), 0);
	tcg_ekcert_free(c);
	X509_free(x);
	BIO_free(b);
}

static tcg_rc verify(const uint8_t *p, size_t n, unsigned flags, tcg_ekcert_result *res,
                     tcg_err *err)
{
	tcg_ekcert *c = parse_ok(p, n);
	tcg_ekcert_trust *t = tcg_ekcert_trust_new();
	tcg_public *pub = NULL;
	BIO *b = BIO_new(BIO_s_mem());
	char *pem;
	cr_assert_eq(tcg_ekcert_trust_add_ca_data(t, p, n, err), TCG_OK);
	PEM_write_bio_PUBKEY(b, key);
	long len = BIO_get_mem_data(b, &pem);
	cr_assert_eq(tcg_public_load((const uint8_t *)pem, (size_t)len, &pub, err), TCG_OK);
	tcg_rc rc = tcg_ekcert_verify(c, t, pub, flags, 0, res, err);
	tcg_public_free(pub);
	BIO_free(b);
	tcg_ekcert_trust_free(t);
	tcg_ekcert_free(c);
	return rc;
}

Test(ekcert, self_anchored_verifies_and_key_matches)
{
	tcg_ekcert_result res;
	tcg_err err;
	tcg_err_clear(&err);
	cr_assert_eq(verify(der, der_len, 0, &res, &err), TCG_OK, "%s: %s", err.rule, err.msg);
	cr_assert(res.verified);
	cr_assert(res.key_checked);
	cr_assert_eq(res.num_findings, 0);
}

Test(ekcert, missing_eku_strict_refused_lenient_warned)
{
	uint8_t *p;
	size_t n = make_cert(&p, false, true);
	tcg_ekcert_result res;
	tcg_err err;
	tcg_err_clear(&err);
	cr_assert_eq(verify(p, n, 0, &res, &err), TCG_E_MISMATCH);
	cr_assert_str_eq(err.rule, "ekcert-eku");
	cr_assert_eq(verify(p, n, TCG_EKCERT_LENIENT, &res, &err), TCG_OK);
	cr_assert_eq(res.num_findings, 1);
	cr_assert(res.finding[0].warning);
	cr_assert_str_eq(res.finding[0].rule, "ekcert-eku");
	free(p);
}

Test(ekcert, missing_san_refused)
{
	uint8_t *p;
	size_t n = make_cert(&p, true, false);
	tcg_ekcert_result res;
	tcg_err err;
	tcg_err_clear(&err);
	cr_assert_eq(verify(p, n, 0, &res, &err), TCG_E_MISMATCH);
	cr_assert_str_eq(err.rule, "ekcert-san");
	free(p);
}

Test(ekcert, other_key_mismatch)
{
	tcg_ekcert *c = parse_ok(der, der_len);
	EVP_PKEY *other = EVP_EC_gen("P-256");
	BIO *b = BIO_new(BIO_s_mem());
	tcg_public *pub = NULL;
	tcg_ekcert_result res;
	char *pem;
	PEM_write_bio_PUBKEY(b, other);
	long len = BIO_get_mem_data(b, &pem);
	cr_assert_eq(tcg_public_load((const uint8_t *)pem, (size_t)len, &pub, NULL), TCG_OK);
	tcg_ekcert_result_init(&res);
	tcg_ekcert_check_key(c, pub, &res);
	cr_assert_eq(res.num_findings, 1);
	cr_assert_str_eq(res.finding[0].rule, "ekcert-key-mismatch");
	tcg_public_free(pub);
	BIO_free(b);
	EVP_PKEY_free(other);
	tcg_ekcert_free(c);
}

Test(ekcert, vendor_table)
{
	cr_assert_str_eq(tcg_tpm_vendor_name(0x4E544300), "Nuvoton");
	cr_assert_str_eq(tcg_tpm_vendor_name(0x53544D20), "STMicroelectronics");
	cr_assert_str_eq(tcg_tpm_vendor_name(0x494E5443), "Intel");
	cr_assert_str_eq(tcg_tpm_vendor_name(0x00001014), "swtpm");
	cr_assert_null(tcg_tpm_vendor_name(0x12345678));
}

Test(ekcert, garbage_and_empty_refused)
{
	static const uint8_t junk[] = "not a certificate";
	parse_refused(junk, sizeof junk - 1, "ekcert-parse");
	parse_refused(junk, 0, "ekcert-empty");
	static const uint8_t indefinite[] = { 0x30, 0x80, 0x00, 0x00 };
	parse_refused(indefinite, sizeof indefinite, "ekcert-parse");
}

/*
 * A chain that verified is remembered per trust (ekcert.c, chain_cached):
 * found again for the same certificate, but every certificate of the chain is
 * held to its validity at each new time, a certificate the trust does not
 * chain is refused every time, and adding to the trust forgets the chain.
 * Root -> intermediate -> leaf, made here; the intermediate expires first.
 */
static X509 *make_ca(const char *cn, X509 *issuer, EVP_PKEY *issuer_key, EVP_PKEY *k,
                     long not_after_days, bool ca)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	cr_assert(x && n);
	cr_assert(X509_set_version(x, X509_VERSION_3));
	ASN1_INTEGER_set(X509_get_serialNumber(x), 9);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509_NAME_free(n);
	X509_gmtime_adj(X509_getm_notBefore(x), -86400);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * not_after_days);
	X509_set_pubkey(x, k);
	add_ext(x, issuer ? issuer : x, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	if (ca)
		add_ext(x, issuer ? issuer : x, NID_key_usage, "critical,keyCertSign");
	cr_assert(X509_sign(x, issuer_key, EVP_sha256()));
	return x;
}

static size_t der_of(X509 *x, uint8_t **out)
{
	int len = i2d_X509(x, NULL);
	cr_assert(len > 0);
	unsigned char *p = *out = malloc((size_t)len);
	i2d_X509(x, &p);
	return (size_t)len;
}

static tcg_rc chain_at(const tcg_ekcert *c, const tcg_ekcert_trust *t, time_t at, tcg_err *err)
{
	tcg_ekcert_result res;
	tcg_ekcert_result_init(&res);
	tcg_err_clear(err);
	tcg_rc rc = tcg_ekcert_check_chain(c, t, at, &res, err);
	cr_assert_eq(rc, TCG_OK);
	if (!res.num_findings) {
		cr_assert_eq(res.chain_len, 3);
		cr_assert_str_eq(res.chain[0], "CN=memo leaf");
		cr_assert_str_eq(res.chain[1], "CN=memo intermediate");
		cr_assert_str_eq(res.chain[2], "CN=memo root");
		return TCG_OK;
	}
	snprintf(err->rule, sizeof err->rule, "%s", res.finding[0].rule);
	snprintf(err->msg, sizeof err->msg, "%s", res.finding[0].msg);
	return TCG_E_MISMATCH;
}

Test(ekcert, remembered_chain_rechecks_every_validity)
{
	EVP_PKEY *rk = EVP_EC_gen("P-256"), *ik = EVP_EC_gen("P-256"), *lk = EVP_EC_gen("P-256");
	X509 *root = make_ca("memo root", NULL, rk, rk, 3650, true);
	X509 *inter = make_ca("memo intermediate", root, rk, ik, 30, true);
	X509 *leaf = make_ca("memo leaf", inter, ik, lk, 365, false);
	X509 *other = make_ca("memo leaf", inter, lk, lk, 365, false); /* not signed by inter */
	uint8_t *rd, *id, *ld, *od;
	size_t rn = der_of(root, &rd), in = der_of(inter, &id), ln = der_of(leaf, &ld),
	       on = der_of(other, &od);
	tcg_ekcert_trust *t = tcg_ekcert_trust_new();
	tcg_ekcert *c = parse_ok(ld, ln), *o = parse_ok(od, on);
	tcg_err err;
	time_t now = time(NULL);
	cr_assert_eq(tcg_ekcert_trust_add_ca_data(t, rd, rn, &err), TCG_OK);
	cr_assert_eq(tcg_ekcert_trust_add_untrusted_data(t, id, in, &err), TCG_OK);

	cr_assert_eq(chain_at(c, t, now, &err), TCG_OK, "%s: %s", err.rule, err.msg);
	cr_assert_eq(tcg_ekcert_trust_chain_hits(t), 0);
	cr_assert_eq(chain_at(c, t, now + 60, &err), TCG_OK, "%s: %s", err.rule, err.msg);
	cr_assert_eq(tcg_ekcert_trust_chain_hits(t), 1);
	/* the intermediate's end, within the leaf's: refused, naming certificate 1 */
	cr_assert_eq(chain_at(c, t, now + 86400L * 40, &err), TCG_E_MISMATCH);
	cr_assert_str_eq(err.rule, "ekcert-expired");
	cr_assert(strstr(err.msg, "certificate 1 "), "%s", err.msg);
	/* before the leaf's start */
	cr_assert_eq(chain_at(c, t, now - 2 * 86400L, &err), TCG_E_MISMATCH);
	cr_assert_str_eq(err.rule, "ekcert-not-yet-valid");
	cr_assert_eq(tcg_ekcert_trust_chain_hits(t), 1);
	cr_assert_eq(chain_at(c, t, now, &err), TCG_OK, "%s: %s", err.rule, err.msg);
	cr_assert_eq(tcg_ekcert_trust_chain_hits(t), 2);
	/* a certificate of the same name the intermediate did not sign, twice */
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(chain_at(o, t, now, &err), TCG_E_MISMATCH);
		cr_assert_str_eq(err.rule, "ekcert-chain");
	}
	cr_assert_eq(tcg_ekcert_trust_chain_hits(t), 2);
	/* the trust grows: what it remembered is forgotten, then learnt again */
	cr_assert_eq(tcg_ekcert_trust_add_ca_data(t, der, der_len, &err), TCG_OK);
	cr_assert_eq(chain_at(c, t, now, &err), TCG_OK, "%s: %s", err.rule, err.msg);
	cr_assert_eq(tcg_ekcert_trust_chain_hits(t), 2);
	cr_assert_eq(chain_at(c, t, now, &err), TCG_OK, "%s: %s", err.rule, err.msg);
	cr_assert_eq(tcg_ekcert_trust_chain_hits(t), 3);

	tcg_ekcert_free(c);
	tcg_ekcert_free(o);
	tcg_ekcert_trust_free(t);
	free(rd);
	free(id);
	free(ld);
	free(od);
	X509_free(root);
	X509_free(inter);
	X509_free(leaf);
	X509_free(other);
	EVP_PKEY_free(rk);
	EVP_PKEY_free(ik);
	EVP_PKEY_free(lk);
}
