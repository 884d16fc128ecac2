/*
 * The EncBlob's plaintext (kind dha-encblob-content): a round trip, and each
 * field refused, by its rule, when it is wrong. Cases edit the encoded YAML
 * text, as an issuer with a bug or a forged plaintext would present it.
 */
#include <criterion/criterion.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_mu.h>

#include "tcglog/dha.h"
#include "tcglog/tpm.h"

static const char claims_yaml[] = "kind: dha-claims\nversion: 1\nverification:\n"
                                  "  verified: true\n  pcrs: quote\n";

static uint8_t ak_pub[1024];
static size_t ak_pub_len;
static tcg_dha_content good;
static char *text;     /* the encoded good content, NUL-terminated */
static size_t text_len;

/* An AK public area as tpm2_createak makes it: RSA-2048 restricted signing
 * key, RSASSA-SHA256, nameAlg SHA-256. */
static void make_ak(void)
{
	EVP_PKEY *pk = EVP_RSA_gen(2048);
	BIGNUM *n = NULL;
	cr_assert(pk && EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n));
	TPM2B_PUBLIC p = {0};
	p.publicArea.type = TPM2_ALG_RSA;
	p.publicArea.nameAlg = TPM2_ALG_SHA256;
	p.publicArea.objectAttributes = TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT |
	                                TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
	                                TPMA_OBJECT_SENSITIVEDATAORIGIN |
	                                TPMA_OBJECT_USERWITHAUTH;
	TPMS_RSA_PARMS *r = &p.publicArea.parameters.rsaDetail;
	r->symmetric.algorithm = TPM2_ALG_NULL;
	r->scheme.scheme = TPM2_ALG_RSASSA;
	r->scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
	r->keyBits = 2048;
	p.publicArea.unique.rsa.size = (UINT16)BN_bn2bin(n, p.publicArea.unique.rsa.buffer);
	cr_assert_eq(p.publicArea.unique.rsa.size, 256);
	size_t off = 0;
	cr_assert_eq(Tss2_MU_TPM2B_PUBLIC_Marshal(&p, ak_pub, sizeof ak_pub, &off), TSS2_RC_SUCCESS);
	ak_pub_len = off;
	BN_free(n);
	EVP_PKEY_free(pk);
}

static void setup(void)
{
	tcg_err err;
	tcg_public *ak = NULL;
	make_ak();
	memset(&good, 0, sizeof good);
	good.device = "laptop-17";
	good.ak_public = ak_pub;
	good.ak_public_len = ak_pub_len;
	cr_assert_eq(tcg_public_parse(ak_pub, ak_pub_len, &ak, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(tcg_public_name(ak, good.ak_name, &good.ak_name_len, &err), TCG_OK);
	tcg_public_free(ak);
	memset(good.ek_cert_sha256, 0xec, 32);
	cr_assert(tcg_pcr_selection_parse("sha256:0,1,7+sha1:4", &good.selection));
	tcg_pcr_bank *b = tcg_pcrs_add_bank(&good.pcrs, TCG_ALG_SHA256);
	b->size = 32;
	b->present = 1u << 0 | 1u << 1 | 1u << 7;
	memset(b->value[0], 0x00, 32), memset(b->value[1], 0x11, 32), memset(b->value[7], 0x77, 32);
	b = tcg_pcrs_add_bank(&good.pcrs, TCG_ALG_SHA1);
	b->size = 20;
	b->present = 1u << 4;
	memset(b->value[4], 0x44, 20);
	memset(good.pcr_digest, 0xd1, 32);
	good.pcr_digest_len = 32;
	good.reset_count = 3;
	good.restart_count = 4294967295u;
	good.clock = 123456789012ull;
	good.issued = 1790000000;
	good.expires = 1790086400;
	good.claims = (char *)claims_yaml;
	good.claims_len = sizeof claims_yaml - 1;
	uint8_t *out = NULL;
	cr_assert_eq(tcg_dha_content_encode(&good, &out, &text_len, &err), TCG_OK, "%s: %s",
	             err.rule, err.msg);
	text = malloc(text_len + 1);
	memcpy(text, out, text_len);
	text[text_len] = '\0';
	free(out);
}

static void teardown(void)
{
	free(text);
}

TestSuite(content, .init = setup, .fini = teardown);

Test(content, round_trip)
{
	tcg_dha_content c;
	tcg_err err;
	cr_assert_eq(tcg_dha_content_decode((uint8_t *)text, text_len, &c, &err), TCG_OK,
	             "%s: %s\n%s", err.rule, err.msg, text);
	cr_assert_str_eq(c.device, good.device);
	cr_assert_eq(c.ak_public_len, good.ak_public_len);
	cr_assert_arr_eq(c.ak_public, good.ak_public, good.ak_public_len);
	cr_assert_eq(c.ak_name_len, good.ak_name_len);
	cr_assert_arr_eq(c.ak_name, good.ak_name, good.ak_name_len);
	cr_assert_arr_eq(c.ek_cert_sha256, good.ek_cert_sha256, 32);
	cr_assert(tcg_pcr_selection_equal(&c.selection, &good.selection));
	cr_assert_eq(c.pcrs.num_banks, 2);
	for (size_t k = 0; k < 2; k++) {
		const tcg_pcr_bank *a = tcg_pcrs_bank_const(&good.pcrs, good.pcrs.bank[k].alg);
		const tcg_pcr_bank *b = tcg_pcrs_bank_const(&c.pcrs, good.pcrs.bank[k].alg);
		cr_assert(a && b);
		cr_assert_eq(a->present, b->present);
		cr_assert_eq(a->size, b->size);
		for (unsigned p = 0; p < 24; p++)
			if (a->present >> p & 1)
				cr_assert_arr_eq(a->value[p], b->value[p], a->size);
	}
	cr_assert_eq(c.pcr_digest_len, 32);
	cr_assert_arr_eq(c.pcr_digest, good.pcr_digest, 32);
	cr_assert_eq(c.reset_count, good.reset_count);
	cr_assert_eq(c.restart_count, good.restart_count);
	cr_assert_eq(c.clock, good.clock);
	cr_assert_eq(c.issued, good.issued);
	cr_assert_eq(c.expires, good.expires);
	cr_assert_eq(c.claims_len, good.claims_len);
	cr_assert_arr_eq(c.claims, good.claims, good.claims_len);
	cr_assert_eq(c.claims[c.claims_len], '\0');
	tcg_dha_content_free(&c);
	cr_assert_null(c.device);
}

/* text with the first occurrence of from replaced by to. */
static char *edit(const char *from, const char *to)
{
	const char *at = strstr(text, from);
	cr_assert_not_null(at, "'%s' not in:\n%s", from, text);
	size_t pre = (size_t)(at - text), fl = strlen(from), tl = strlen(to);
	char *s = malloc(text_len - fl + tl + 1);
	memcpy(s, text, pre);
	memcpy(s + pre, to, tl);
	strcpy(s + pre + tl, at + fl);
	return s;
}

/* The line of text that starts with key (up to and with its newline). */
static char *line_of(const char *key)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\n%s:", key);
	const char *at = strstr(text, pat);
	cr_assert_not_null(at, "no key %s in:\n%s", key, text);
	const char *end = strchr(at + 1, '\n');
	size_t n = (size_t)(end - at);
	char *l = malloc(n + 1);
	memcpy(l, at, n);
	l[n] = '\0';
	return l;
}

static void refused_text(const char *s, tcg_rc rc, const char *rule)
{
	tcg_dha_content c;
	tcg_err err;
	tcg_err_clear(&err);
	memset(&c, 0x5a, sizeof c);
	cr_assert_eq(tcg_dha_content_decode((const uint8_t *)s, strlen(s), &c, &err), rc,
	             "rc %d (%s: %s), wanted %s, for:\n%s", err.rc, err.rule, err.msg, rule, s);
	cr_assert_str_eq(err.rule, rule, "%s: %s (wanted %s) for:\n%s", err.rule, err.msg, rule, s);
	cr_assert_null(c.device);
	cr_assert_null(c.claims);
	cr_assert_null(c.ak_public);
}

static void refused(const char *from, const char *to, tcg_rc rc, const char *rule)
{
	char *s = edit(from, to);
	refused_text(s, rc, rule);
	free(s);
}

/* A key replaced by value (the whole "key: ..." line). */
static void refused_value(const char *key, const char *value, tcg_rc rc, const char *rule)
{
	char *l = line_of(key), repl[4096];
	snprintf(repl, sizeof repl, "\n%s: %s", key, value);
	refused(l, repl, rc, rule);
	free(l);
}

Test(content, every_key_required)
{
	static const char *keys[] = {"device", "ak-public", "ak-name", "ek-certificate-sha256",
	                             "pcr-selection", "pcr-digest", "reset-count",
	                             "restart-count", "clock", "issued", "expires", "claims"};
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		char *l = line_of(keys[i]);
		refused(l, "", TCG_E_FORMAT, "msg-missing-key");
		free(l);
	}
	/* pcrs spans lines: rename its key instead */
	refused("\npcrs:", "\npcrz:", TCG_E_FORMAT, "msg-unknown-key");
}

Test(content, header)
{
	refused("version: 1", "version: 2", TCG_E_FORMAT, "msg-version");
	refused("kind: \"dha-encblob-content\"", "kind: dha-claims", TCG_E_FORMAT, "msg-kind");
	refused("kind: \"dha-encblob-content\"", "kind: dha-encblob-contents", TCG_E_FORMAT, "msg-kind");
	refused("\ndevice:", "\nextra: 1\ndevice:", TCG_E_FORMAT, "msg-unknown-key");
	refused("\ndevice:", "\nclock: 1\ndevice:", TCG_E_FORMAT, "yaml-duplicate-key");
}

Test(content, device)
{
	refused_value("device", "\"\"", TCG_E_FORMAT, "msg-size");
	refused_value("device", "\"lap\\ttop\"", TCG_E_FORMAT, "dha-content-device");
	refused_value("device", "[a]", TCG_E_FORMAT, "msg-type");
}

Test(content, ak)
{
	refused_value("ak-public", "\"AAA\"", TCG_E_FORMAT, "msg-base64");
	refused_value("ak-public", "\"AAEA\"", TCG_E_FORMAT, "public-trailing-data");
	refused_value("ak-name", "\"AAsAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"", TCG_E_FORMAT,
	              "dha-content-ak-name");
	refused_value("ak-name", "\"AA==\"", TCG_E_FORMAT, "msg-size");
}

Test(content, ek_certificate_digest)
{
	/* 31 bytes and 33 bytes */
	refused_value("ek-certificate-sha256", "\"7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7A==\"",
	              TCG_E_FORMAT, "msg-size");
	refused_value("ek-certificate-sha256", "\"7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs\"",
	              TCG_E_FORMAT, "msg-size");
}

Test(content, selection)
{
	refused_value("pcr-selection", "sha256:0-1,7+sha1:4", TCG_E_FORMAT, "dha-content-selection");
	refused_value("pcr-selection", "sha256:7,0,1+sha1:4", TCG_E_FORMAT, "dha-content-selection");
	refused_value("pcr-selection", "md5:1", TCG_E_FORMAT, "dha-content-selection");
	refused_value("pcr-selection", "sha256:0,1,7", TCG_E_FORMAT, "dha-content-pcrs");
	refused_value("pcr-selection", "sha256:0,1,2,7+sha1:4", TCG_E_FORMAT, "dha-content-pcrs");
}

Test(content, pcrs)
{
	char v32[80], v20[50];
	memset(v32, 0, sizeof v32), memset(v20, 0, sizeof v20);
	memset(v32, '7', 64), memset(v20, '4', 40);
	char from[128], to[512];
	/* a PCR missing, one too many, a wrong size, a bank too many, bad hex */
	snprintf(from, sizeof from, "    7: \"%s\"\n", "77777777777777777777777777777777"
	                                               "77777777777777777777777777777777");
	refused(from, "", TCG_E_FORMAT, "dha-content-pcrs");
	snprintf(to, sizeof to, "%s    8: \"%s\"\n", from, v32);
	refused(from, to, TCG_E_FORMAT, "dha-content-pcrs");
	snprintf(to, sizeof to, "    7: \"%s\"\n", v20);
	refused(from, to, TCG_E_FORMAT, "msg-size");
	snprintf(to, sizeof to, "    7: \"%s00\"\n", v32);
	refused(from, to, TCG_E_FORMAT, "msg-size");
	snprintf(to, sizeof to, "    7: \"%.62sxx\"\n", v32);
	refused(from, to, TCG_E_FORMAT, "msg-hex");
	snprintf(to, sizeof to, "%s    24: \"%s\"\n", from, v32);
	refused(from, to, TCG_E_FORMAT, "msg-unknown-key");
	snprintf(to, sizeof to, "%s  sha384:\n    0: \"%s%.32s\"\n", from, v32, v32);
	refused(from, to, TCG_E_FORMAT, "dha-content-pcrs");
	snprintf(to, sizeof to, "%s  md5:\n    0: \"%s\"\n", from, v32);
	refused(from, to, TCG_E_FORMAT, "msg-unknown-key");
}

Test(content, numbers)
{
	refused_value("pcr-digest", "\"0dHR0dHR0dHR0dHR0dHR0dHR0dE=\"", TCG_E_FORMAT,
	              "dha-content-pcr-digest");
	refused_value("reset-count", "4294967296", TCG_E_FORMAT, "msg-size");
	refused_value("restart-count", "-1", TCG_E_FORMAT, "msg-type");
	refused_value("clock", "\"12\"", TCG_E_FORMAT, "msg-type");
	refused_value("clock", "99999999999999999999999", TCG_E_FORMAT, "msg-type");
	refused_value("issued", "1790086401", TCG_E_FORMAT, "dha-content-time");
	refused_value("expires", "1789999999", TCG_E_FORMAT, "dha-content-time");
}

Test(content, claims)
{
	/* "kind: pcrs" and plain text are no dha-claims document */
	refused_value("claims", "\"a2luZDogcGNycwp2ZXJzaW9uOiAxCg==\"", TCG_E_FORMAT,
	              "dha-content-claims");
	refused_value("claims", "\"aGVsbG8=\"", TCG_E_FORMAT, "dha-content-claims");
	refused_value("claims", "\"\"", TCG_E_FORMAT, "msg-size");
}

Test(content, not_yaml)
{
	refused_text("", TCG_E_FORMAT, "yaml-empty");
	refused_text("[1, 2", TCG_E_FORMAT, "yaml-syntax");
	char *s = malloc(2u << 20);
	memset(s, ' ', 2u << 20);
	memcpy(s, text, text_len);
	s[(2u << 20) - 1] = '\0';
	tcg_dha_content c;
	tcg_err err;
	cr_assert_neq(tcg_dha_content_decode((uint8_t *)s, strlen(s), &c, &err), TCG_OK);
	free(s);
}

Test(content, encode_refuses_inconsistent_content)
{
	uint8_t *out = (uint8_t *)"x";
	size_t len = 9;
	tcg_err err;
	tcg_dha_content c = good;
	c.selection.bank[0].mask |= 1u << 9; /* PCR 9 selected, no value */
	cr_assert_eq(tcg_dha_content_encode(&c, &out, &len, &err), TCG_E_USAGE);
	cr_assert_null(out);
	c = good;
	c.device = "bad\ndevice";
	cr_assert_eq(tcg_dha_content_encode(&c, &out, &len, &err), TCG_E_USAGE);
	c = good;
	c.expires = c.issued - 1;
	cr_assert_eq(tcg_dha_content_encode(&c, &out, &len, &err), TCG_E_USAGE);
	c = good;
	c.claims_len = 0;
	cr_assert_eq(tcg_dha_content_encode(&c, &out, &len, &err), TCG_E_USAGE);
}

Test(duration, parse)
{
	static const struct {
		const char *s;
		int64_t v;
	} good_d[] = {{"1", 1}, {"90", 90}, {"90s", 90}, {"15m", 900}, {"12h", 43200},
	              {"1d", 86400}, {"30d", 2592000}, {"2592000", 2592000}};
	static const char *bad_d[] = {"", "0", "0d", "31d", "2592001", "1w", "1dd", "-1", "+1",
	                              " 1", "1 ", "d", "99999999999999999999", "721h"};
	tcg_err err;
	int64_t v;
	for (size_t i = 0; i < sizeof good_d / sizeof *good_d; i++) {
		cr_assert_eq(tcg_dha_duration_parse(good_d[i].s, &v, &err), TCG_OK, "%s", good_d[i].s);
		cr_assert_eq(v, good_d[i].v, "%s", good_d[i].s);
	}
	for (size_t i = 0; i < sizeof bad_d / sizeof *bad_d; i++) {
		cr_assert_eq(tcg_dha_duration_parse(bad_d[i], &v, &err), TCG_E_USAGE, "'%s'", bad_d[i]);
		cr_assert_str_eq(err.rule, "dha-validity");
	}
}

/* The content's kind is private: a reader of the exchanged kinds refuses it. */
Test(content, kind_is_private)
{
	tcg_msg m;
	tcg_err err;
	cr_assert_eq(tcg_msg_parse((const uint8_t *)text, text_len, "x", NULL, &m, &err),
	             TCG_E_FORMAT);
	cr_assert_str_eq(err.rule, "msg-kind");
	cr_assert_null(tcg_msg_schema_find("dha-encblob-content"));
}
