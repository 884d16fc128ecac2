/*
 * The EncBlob's plaintext (binary, version 2): the encoder against the layout
 * documented in dha.h, built here byte by byte; a round trip; and each field
 * refused, by its rule, when it is wrong, as an issuer with a bug or a forged
 * plaintext would present it (every truncation too). The claims prepared for
 * sealing read back as the dha-claims document dha-verify is to write.
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

#include "dha_int.h"
#include "tcglog/dha.h"
#include "tcglog/log.h"
#include "tcglog/tpm.h"
#include "yamldoc.h"

static const char claims_yaml[] = "kind: dha-claims\nversion: 1\nverification:\n"
                                  "  verified: true\n  pcrs: quote\nhealth:\n  SafeMode: false\n";
static const uint8_t key_id[TCG_SERVICE_KEY_ID_SIZE] = {1, 2, 3, 4, 5, 6, 7, 8};

static uint8_t ak_pub[1024];
static size_t ak_pub_len;
static tcg_dha_content good;
static uint8_t *enc; /* the encoded good content */
static size_t enc_len;
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

/* Where each field of the layout starts, as the builder below lays it out. */
static struct {
	size_t device, ak_public, ak_name, banks, values, pcr_digest, counts, issued, expires,
		claims, slot, end;
} at;

static size_t be(uint8_t *p, size_t off, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[off + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	return off + n;
}

static size_t raw(uint8_t *p, size_t off, const void *v, size_t n)
{
	memcpy(p + off, v, n);
	return off + n;
}

/* The layout of dha.h, written out field by field from good. */
static size_t build(uint8_t *p)
{
	size_t o = raw(p, 0, "TCGC", 4);
	o = be(p, o, 2, 1);
	at.device = o;
	o = be(p, o, strlen(good.device), 1);
	o = raw(p, o, good.device, strlen(good.device));
	at.ak_public = o;
	o = be(p, o, good.ak_public_len, 2);
	o = raw(p, o, good.ak_public, good.ak_public_len);
	at.ak_name = o;
	o = be(p, o, good.ak_name_len, 1);
	o = raw(p, o, good.ak_name, good.ak_name_len);
	o = raw(p, o, good.ek_cert_sha256, 32);
	at.banks = o;
	o = be(p, o, 2, 1);
	o = be(p, o, TCG_ALG_SHA256, 2);
	o = be(p, o, 1u << 0 | 1u << 1 | 1u << 7, 4);
	o = be(p, o, TCG_ALG_SHA1, 2);
	o = be(p, o, 1u << 4, 4);
	at.values = o;
	for (int i = 0; i < 3; i++) {
		memset(p + o, "\x00\x11\x77"[i], 32);
		o += 32;
	}
	memset(p + o, 0x44, 20);
	o += 20;
	at.pcr_digest = o;
	o = be(p, o, 32, 1);
	o = raw(p, o, good.pcr_digest, 32);
	at.counts = o;
	o = be(p, o, good.reset_count, 4);
	o = be(p, o, good.restart_count, 4);
	o = be(p, o, good.clock, 8);
	at.issued = o;
	o = be(p, o, (uint64_t)good.issued, 8);
	at.expires = o;
	o = be(p, o, (uint64_t)good.expires, 8);
	at.claims = o;
	o = be(p, o, good.claims_len, 4);
	o = raw(p, o, good.claims, good.claims_len);
	at.slot = o;
	o = be(p, o, good.nonce_slot, 4);
	at.end = o;
	return o;
}

static void setup(void)
{
	tcg_err err;
	tcg_public *ak = NULL;
	make_ak();
	memset(&good, 0, sizeof good);
	good.device = strdup("laptop-17");
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
	cr_assert_eq(tcg_dha_content_set_claims(&good, key_id, claims_yaml, sizeof claims_yaml - 1,
	                                        &err),
	             TCG_OK, "%s: %s", err.rule, err.msg);
	cr_assert_eq(tcg_dha_content_encode(&good, &enc, &enc_len, &err), TCG_OK, "%s: %s",
	             err.rule, err.msg);
	uint8_t *layout = malloc(enc_len + 4096);
	build(layout); /* where each field is */
	free(layout);
}

static void teardown(void)
{
	free(enc);
	free(good.device);
	free(good.claims);
}

TestSuite(content, .init = setup, .fini = teardown);

Test(content, layout)
{
	uint8_t *want = malloc(enc_len + 4096);
	size_t n = build(want);
	cr_assert_eq(n, enc_len);
	cr_assert_arr_eq(enc, want, n);
	free(want);
}

Test(content, round_trip)
{
	tcg_dha_content c;
	tcg_public *ak = NULL;
	tcg_err err;
	cr_assert_eq(tcg_dha_content_decode(enc, enc_len, &c, &ak, &err), TCG_OK, "%s: %s",
	             err.rule, err.msg);
	cr_assert_not_null(ak);
	cr_assert_str_eq(c.device, good.device);
	cr_assert_eq(c.ak_public_len, good.ak_public_len);
	cr_assert_arr_eq(c.ak_public, good.ak_public, good.ak_public_len);
	cr_assert_eq(c.ak_name_len, good.ak_name_len);
	cr_assert_arr_eq(c.ak_name, good.ak_name, good.ak_name_len);
	cr_assert_arr_eq(c.ek_cert_sha256, good.ek_cert_sha256, 32);
	cr_assert(tcg_pcr_selection_equal(&c.selection, &good.selection));
	for (size_t k = 0; k < 2; k++) {
		const tcg_pcr_bank *a = &good.pcrs.bank[k], *b = tcg_pcrs_bank_const(&c.pcrs, a->alg);
		cr_assert_not_null(b);
		cr_assert_eq(b->present, a->present);
		for (unsigned i = 0; i < TCG_NUM_PCRS; i++)
			if (a->present & (1u << i))
				cr_assert_arr_eq(b->value[i], a->value[i], a->size);
	}
	cr_assert_arr_eq(c.pcr_digest, good.pcr_digest, 32);
	cr_assert_eq(c.reset_count, good.reset_count);
	cr_assert_eq(c.restart_count, good.restart_count);
	cr_assert_eq(c.clock, good.clock);
	cr_assert_eq(c.issued, good.issued);
	cr_assert_eq(c.expires, good.expires);
	cr_assert_eq(c.claims_len, good.claims_len);
	cr_assert_arr_eq(c.claims, good.claims, good.claims_len);
	cr_assert_eq(c.nonce_slot, good.nonce_slot);
	tcg_public_free(ak);
	tcg_dha_content_free(&c);
}

/* The claims as sealed: the document dha-verify writes, nonce slot of zeros. */
Test(content, sealed_claims)
{
	static const tcg_msg_schema *const accept[] = {&tcg_msg_dha_claims, NULL};
	tcg_msg m;
	tcg_err err;
	bool b = false;
	uint64_t u = 0;
	size_t n = 0;
	cr_assert_eq(tcg_msg_parse((const uint8_t *)good.claims, good.claims_len, "sealed", accept,
	                           &m, &err),
	             TCG_OK, "%s: %s\n%s", err.rule, err.msg, good.claims);
	const char *nonce = tcg_msg_str(&m, "verification.dha.nonce", &n);
	cr_assert_eq(n, 64);
	cr_assert_not_null(nonce);
	cr_assert(!memcmp(good.claims + good.nonce_slot,
	                  "0000000000000000000000000000000000000000000000000000000000000000", 64));
	cr_assert_eq(good.claims[good.nonce_slot - 1], '"');
	cr_assert_eq(good.claims[good.nonce_slot + 64], '"');
	cr_assert_str_eq(tcg_msg_str(&m, "verification.dha.device", NULL), "laptop-17");
	cr_assert_str_eq(tcg_msg_str(&m, "verification.dha.key-id", NULL), "0102030405060708");
	cr_assert_str_eq(tcg_msg_str(&m, "verification.dha.pcr-selection", NULL),
	                 "sha256:0,1,7+sha1:4");
	cr_assert_str_eq(tcg_msg_str(&m, "verification.dha.issued", NULL), "2026-09-21T14:13:20Z");
	cr_assert(tcg_msg_bool(&m, "health.AIKPresent", &b) && b);
	cr_assert(tcg_msg_bool(&m, "health.SafeMode", &b) && !b);
	cr_assert(tcg_msg_uint(&m, "health.ResetCount", &u) && u == 3);
	cr_assert(tcg_msg_uint(&m, "health.RestartCount", &u) && u == 4294967295u);
	cr_assert(tcg_msg_uint(&m, "health.TpmVersion", &u) && u == 2);
	tcg_msg_free(&m);
}

Test(content, set_claims_refuses)
{
	static const char unverified[] = "kind: dha-claims\nversion: 1\nverification:\n"
	                                 "  verified: false\n";
	static const char pcrs[] = "kind: pcrs\nversion: 1\n";
	tcg_dha_content c = good;
	tcg_err err;
	c.claims = NULL;
	cr_assert_eq(tcg_dha_content_set_claims(&c, key_id, unverified, sizeof unverified - 1, &err),
	             TCG_E_MISMATCH);
	cr_assert_str_eq(err.rule, "dha-claims-unverified");
	cr_assert_eq(tcg_dha_content_set_claims(&c, key_id, pcrs, sizeof pcrs - 1, &err),
	             TCG_E_FORMAT);
	cr_assert_str_eq(err.rule, "msg-kind");
	cr_assert_eq(tcg_dha_content_set_claims(&c, key_id, "hello", 5, &err), TCG_E_FORMAT);
	cr_assert_null(c.claims);
}

/* The same tree, scalars compared as text (a re-emitted "0x1" is quoted). */
static bool same_text_tree(const tcg_ynode *a, const tcg_ynode *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == TCG_YNODE_SCALAR)
		return a->len == b->len && !memcmp(a->str, b->str, a->len);
	if (a->n != b->n)
		return false;
	size_t items = a->kind == TCG_YNODE_MAP ? 2 * a->n : a->n;
	for (size_t i = 0; i < items; i++)
		if (!same_text_tree(a->items[i], b->items[i]))
			return false;
	return true;
}

/* Every line of sub stands in text, in order. */
static bool lines_in_order(const char *sub, const char *text)
{
	for (const char *l = sub; *l;) {
		const char *e = strchr(l, '\n');
		size_t n = e ? (size_t)(e - l + 1) : strlen(l);
		char *line = strndup(l, n);
		const char *hit = strstr(text, line);
		free(line);
		if (!hit)
			return false;
		text = hit + n;
		l += n;
	}
	return true;
}

/*
 * dha-issue splices the verified entries into its own claims (the issuer's
 * text kept byte for byte); claims given as text are read and written again.
 * Both say the same, for the claims of every fixture boot that verifies.
 */
Test(content, issuer_claims_as_if_read)
{
	static const tcg_msg_schema *const accept[] = {&tcg_msg_dha_claims, NULL};
	static const char *const boots[] = {"windows11", "windows11-resume", "windows11-debug",
	                                    "linux-uki", "linux-shim-grub", "locality3"};
	const char *dir = getenv("TCGLOG_FIXTURES");
	size_t compared = 0;
	cr_assert_not_null(dir, "TCGLOG_FIXTURES is not set");
	for (size_t i = 0; i < sizeof boots / sizeof *boots; i++) {
		char logp[4096], pcrp[4096];
		uint8_t *data = NULL, *pd = NULL;
		size_t plen = 0;
		tcg_log *log = NULL;
		tcg_pcr_values pcrs;
		tcg_claims *cl = NULL;
		tcg_err err;
		snprintf(logp, sizeof logp, "%s/%s.bin", dir, boots[i]);
		snprintf(pcrp, sizeof pcrp, "%s/%s.pcrs.yaml", dir, boots[i]);
		cr_assert_eq(tcg_log_load(logp, &data, &log, &err), TCG_OK, "%s: %s", logp, err.msg);
		cr_assert_eq(tcg_read_file(pcrp, 1u << 20, &pd, &plen, NULL, &err), TCG_OK);
		cr_assert_eq(tcg_pcrs_parse(pd, plen, pcrp, &pcrs, &err), TCG_OK);
		tcg_claims_opts o = {.expected = &pcrs, .pcrs_source = "quote"};
		if (tcg_claims_derive(log, &o, &cl, &err) == TCG_OK) {
			char *text = NULL;
			size_t len = 0;
			tcg_msg ma, mb;
			FILE *f = open_memstream(&text, &len);
			cr_assert_eq(tcg_claims_write(cl, f, &err), TCG_OK);
			fclose(f);
			tcg_dha_content a = good, b = good;
			a.claims = b.claims = NULL;
			cr_assert_eq(tcg_dha_content_set_claims(&a, key_id, text, len, &err), TCG_OK,
			             "%s: %s: %s", boots[i], err.rule, err.msg);
			cr_assert_eq(tcg_dha_seal_claims(&b, key_id, cl, &err), TCG_OK, "%s: %s: %s",
			             boots[i], err.rule, err.msg);
			cr_assert(lines_in_order(text, b.claims), "%s: the issuer's lines", boots[i]);
			cr_assert_eq(tcg_msg_parse((uint8_t *)a.claims, a.claims_len, "a", accept, &ma,
			                           &err),
			             TCG_OK);
			cr_assert_eq(tcg_msg_parse((uint8_t *)b.claims, b.claims_len, "b", accept, &mb,
			                           &err),
			             TCG_OK, "%s: %s", boots[i], err.msg);
			cr_assert(same_text_tree(ma.doc->root, mb.doc->root), "%s", boots[i]);
			cr_assert(!memcmp(b.claims + b.nonce_slot,
			                  "0000000000000000000000000000000000000000000000000000000000000000",
			                  64));
			tcg_msg_free(&ma);
			tcg_msg_free(&mb);
			free(a.claims);
			free(b.claims);
			free(text);
			compared++;
		}
		tcg_claims_free(cl);
		tcg_log_free(log);
		free(data);
		free(pd);
	}
	cr_assert_gt(compared, 0);
}

static void refused_bytes(const uint8_t *p, size_t n, const char *rule)
{
	tcg_dha_content c;
	tcg_public *ak = (tcg_public *)&c;
	tcg_err err;
	tcg_err_clear(&err);
	memset(&c, 0x5a, sizeof c);
	cr_assert_eq(tcg_dha_content_decode(p, n, &c, &ak, &err), TCG_E_FORMAT,
	             "rc %d (%s: %s), wanted %s", err.rc, err.rule, err.msg, rule);
	if (rule)
		cr_assert_str_eq(err.rule, rule, "%s: %s (wanted %s)", err.rule, err.msg, rule);
	cr_assert_null(c.device);
	cr_assert_null(c.claims);
	cr_assert_null(c.ak_public);
	cr_assert_null(ak);
}

/* The good encoding with n bytes at off set to the big-endian v. */
static void refused_field(size_t off, uint64_t v, unsigned n, const char *rule)
{
	uint8_t *p = malloc(enc_len);
	memcpy(p, enc, enc_len);
	be(p, off, v, n);
	refused_bytes(p, enc_len, rule);
	free(p);
}

Test(content, every_truncation)
{
	for (size_t n = 0; n < enc_len; n++)
		refused_bytes(enc, n, NULL);
	uint8_t *p = malloc(enc_len + 1);
	memcpy(p, enc, enc_len);
	p[enc_len] = 0;
	refused_bytes(p, enc_len + 1, "dha-content-format");
	free(p);
}

/* An EncBlob of the YAML era, or of an unknown version: refused by name. */
Test(content, version)
{
	static const char yaml[] = "kind: \"dha-encblob-content\"\nversion: 1\ndevice: \"x\"\n";
	refused_bytes((const uint8_t *)yaml, sizeof yaml - 1, "dha-content-version");
	refused_field(4, 1, 1, "dha-content-version");
	refused_field(4, 3, 1, "dha-content-version");
	refused_field(0, 'X', 1, "dha-content-version");
}

Test(content, fields)
{
	refused_field(at.device, 0, 1, "dha-content-device");
	refused_field(at.device + 4, '\t', 1, "dha-content-device");
	refused_field(at.device + 4, 0, 1, "dha-content-device");
	refused_field(at.ak_public, 1, 2, "dha-content-format");
	refused_field(at.ak_public + 2, 0xff, 1, NULL); /* no longer a TPM2B_PUBLIC */
	refused_field(at.ak_name + 5, good.ak_name[4] ^ 1, 1, "dha-content-ak-name");
	refused_field(at.banks, 0, 1, "dha-content-selection");
	refused_field(at.banks + 1, 0x0001, 2, "dha-content-selection"); /* RSA is no bank */
	refused_field(at.banks + 3, 0, 4, "dha-content-selection");
	refused_field(at.banks + 3, 1u << 24, 4, "dha-content-selection");
	refused_field(at.banks + 7, TCG_ALG_SHA256, 2, "dha-content-selection"); /* twice */
	refused_field(at.pcr_digest, 20, 1, "dha-content-pcr-digest");
	refused_field(at.issued, (uint64_t)good.expires + 1, 8, "dha-content-time");
	refused_field(at.expires, (uint64_t)good.issued - 1, 8, "dha-content-time");
	refused_field(at.expires, UINT64_MAX, 8, "dha-content-time");
	refused_field(at.claims, 0, 4, "dha-content-claims");
	refused_field(at.slot, good.nonce_slot + 1, 4, "dha-content-claims");
	refused_field(at.slot, good.claims_len - 63, 4, "dha-content-claims");
	refused_field(at.slot, UINT32_MAX, 4, "dha-content-claims");
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
	c = good;
	c.nonce_slot = 0; /* the claims hold no zeros there */
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

