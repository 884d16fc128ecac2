/*
 * TPM2_MakeCredential in software: KDFa and KDFe against the spec's
 * construction written out here with OpenSSL one-shot primitives; EK rules;
 * bounds; the tpm2-tools credential file. The independent proof, activation on
 * a real TPM (swtpm) and tpm2_makecredential's output, is in credential.sh.
 */
#include <criterion/criterion.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <string.h>
#include <tss2/tss2_mu.h>

#include "tcglog/credential.h"
#include "tcglog/digest.h"
#include "tcglog/tpm.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *md(uint16_t alg)
{
	return alg == TCG_ALG_SHA1 ? "SHA1" : alg == TCG_ALG_SHA256 ? "SHA256"
	     : alg == TCG_ALG_SHA384 ? "SHA384" : "SHA512";
}

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* KDFa as Part 1 §11.4.10.2 writes it, block by block with one-shot HMAC. */
static void ref_kdfa(uint16_t alg, const uint8_t *key, size_t klen, const char *label,
                     const uint8_t *u, size_t ulen, const uint8_t *v, size_t vlen, uint8_t *out,
                     size_t len)
{
	uint8_t in[4 + 64 + 1 + 512 + 4], block[64];
	size_t llen = strlen(label), hlen = tcg_alg_size(alg), done = 0, n;
	cr_assert(4 + llen + 1 + ulen + vlen + 4 <= sizeof in);
	for (uint32_t i = 1; done < len; i++) {
		size_t o = 0;
		be32(in, i), o += 4;
		memcpy(in + o, label, llen), o += llen;
		in[o++] = 0;
		if (ulen)
			memcpy(in + o, u, ulen), o += ulen;
		if (vlen)
			memcpy(in + o, v, vlen), o += vlen;
		be32(in + o, (uint32_t)(8 * len)), o += 4; /* L: the whole output, in bits */
		cr_assert(EVP_Q_mac(NULL, "HMAC", NULL, md(alg), NULL, key, klen, in, o, block,
		                    sizeof block, &n));
		n = len - done < hlen ? len - done : hlen;
		memcpy(out + done, block, n);
		done += n;
	}
}

Test(kdfa, equals_the_spec_construction)
{
	static const uint16_t algs[] = { TCG_ALG_SHA1, TCG_ALG_SHA256, TCG_ALG_SHA384, TCG_ALG_SHA512 };
	static const size_t lens[] = { 1, 16, 20, 32, 33, 48, 64, 65, 130, 200 };
	uint8_t key[64], u[66], v[40], a[200], b[200];
	for (size_t i = 0; i < N(algs); i++)
		for (size_t j = 0; j < N(lens); j++) {
			RAND_bytes(key, sizeof key), RAND_bytes(u, sizeof u), RAND_bytes(v, sizeof v);
			ref_kdfa(algs[i], key, 32, "INTEGRITY", u, sizeof u, v, sizeof v, b, lens[j]);
			cr_assert_eq(tcg_kdfa(algs[i], key, 32, "INTEGRITY", u, sizeof u, v, sizeof v, a,
			                      lens[j], NULL), TCG_OK);
			cr_assert_arr_eq(a, b, lens[j], "alg 0x%x, %zu bytes", algs[i], lens[j]);
		}
}

/* OpenSSL's KBKDF (SP 800-108, counter, HMAC) directly, parameters spelled out. */
Test(kdfa, equals_openssl_kbkdf_counter_hmac)
{
	uint8_t key[32], ctx[34], a[48], b[48];
	int one = 1;
	RAND_bytes(key, sizeof key), RAND_bytes(ctx, sizeof ctx);
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "KBKDF", NULL);
	EVP_KDF_CTX *c = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM p[] = {
		OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_MODE, "counter", 0),
		OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_MAC, "HMAC", 0),
		OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA384", 0),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_KEY, key, sizeof key),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_SALT, "STORAGE", 7),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_INFO, ctx, sizeof ctx),
		OSSL_PARAM_int(OSSL_KDF_PARAM_KBKDF_USE_L, &one),
		OSSL_PARAM_int(OSSL_KDF_PARAM_KBKDF_USE_SEPARATOR, &one),
		OSSL_PARAM_END,
	};
	cr_assert_eq(EVP_KDF_derive(c, b, sizeof b, p), 1);
	EVP_KDF_CTX_free(c);
	EVP_KDF_free(kdf);
	cr_assert_eq(tcg_kdfa(TCG_ALG_SHA384, key, sizeof key, "STORAGE", ctx, 10, ctx + 10, 24, a,
	                      sizeof a, NULL), TCG_OK);
	cr_assert_arr_eq(a, b, sizeof a);
}

/* KDFe is H(counter || Z || label || 0 || U || V): the SP 800-56 single-step KDF, not X9.63. */
Test(kdfe, is_single_step_not_x963)
{
	uint8_t z[48], u[48], v[48], a[100], b[100], x[100], in[4 + 48 + 9 + 96], blk[64];
	RAND_bytes(z, sizeof z), RAND_bytes(u, sizeof u), RAND_bytes(v, sizeof v);
	for (uint32_t c = 1, done = 0; done < sizeof b; c++) {
		size_t o = 0, n;
		be32(in, c), o += 4;
		memcpy(in + o, z, sizeof z), o += sizeof z;
		memcpy(in + o, "IDENTITY", 9), o += 9; /* with its 0x00 */
		memcpy(in + o, u, sizeof u), o += sizeof u;
		memcpy(in + o, v, sizeof v), o += sizeof v;
		cr_assert(EVP_Q_digest(NULL, "SHA384", NULL, in, o, blk, NULL));
		n = sizeof b - done < 48 ? sizeof b - done : 48;
		memcpy(b + done, blk, n);
		done += (uint32_t)n;
	}
	cr_assert_eq(tcg_kdfe(TCG_ALG_SHA384, z, sizeof z, "IDENTITY", u, sizeof u, v, sizeof v, a,
	                      sizeof a, NULL), TCG_OK);
	cr_assert_arr_eq(a, b, sizeof a);

	/* X9.63 (counter after Z) over the same inputs gives something else. */
	uint8_t info[9 + 96];
	memcpy(info, "IDENTITY", 9), memcpy(info + 9, u, 48), memcpy(info + 57, v, 48);
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "X963KDF", NULL);
	EVP_KDF_CTX *c = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM p[] = {
		OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA384", 0),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_KEY, z, sizeof z),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_INFO, info, sizeof info),
		OSSL_PARAM_END,
	};
	cr_assert_eq(EVP_KDF_derive(c, x, sizeof x, p), 1);
	EVP_KDF_CTX_free(c);
	EVP_KDF_free(kdf);
	cr_assert(memcmp(a, x, sizeof x) != 0);
}

Test(kdf, bounds)
{
	uint8_t k[16] = { 1 }, out[16];
	tcg_err err;
	cr_assert_eq(tcg_kdfa(0x0999, k, 16, "L", NULL, 0, NULL, 0, out, 16, &err), TCG_E_USAGE);
	cr_assert_eq(tcg_kdfa(TCG_ALG_SHA256, k, 0, "L", NULL, 0, NULL, 0, out, 16, &err), TCG_E_USAGE);
	cr_assert_eq(tcg_kdfa(TCG_ALG_SHA256, k, 16, "", NULL, 0, NULL, 0, out, 16, &err), TCG_E_USAGE);
	cr_assert_eq(tcg_kdfa(TCG_ALG_SHA256, k, 16, "L", NULL, 0, NULL, 0, out, 0, &err), TCG_E_USAGE);
	cr_assert_eq(tcg_kdfa(TCG_ALG_SHA256, k, 16, "L", k, TCG_MAX_KDF_BYTES + 1, NULL, 0, out, 16, &err),
	             TCG_E_USAGE);
	cr_assert_eq(tcg_kdfe(TCG_ALG_SHA256, k, 16, "L", NULL, 0, NULL, 0, out, TCG_MAX_KDF_BYTES + 1, &err),
	             TCG_E_USAGE);
	cr_assert_str_eq(err.rule, "kdf-length");
}

static tcg_public *public_from_area(const uint8_t *area, size_t len)
{
	uint8_t buf[1024];
	tcg_public *p = NULL;
	tcg_err err;
	cr_assert(len + 2 <= sizeof buf);
	buf[0] = (uint8_t)(len >> 8), buf[1] = (uint8_t)len;
	memcpy(buf + 2, area, len);
	tcg_err_clear(&err);
	cr_assert_eq(tcg_public_parse(buf, len + 2, &p, &err), TCG_OK, "%s", err.msg);
	return p;
}

/* ---- EK public areas made here, with a private key to play the TPM's part ---- */

static EVP_PKEY *rsa_priv;

static TPMT_PUBLIC rsa_ek_template(void)
{
	TPMT_PUBLIC a;
	BIGNUM *n = NULL;
	if (!rsa_priv)
		rsa_priv = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	memset(&a, 0, sizeof a);
	a.type = TPM2_ALG_RSA;
	a.nameAlg = TPM2_ALG_SHA256;
	a.objectAttributes = TCG_TPMA_FIXEDTPM | TCG_TPMA_FIXEDPARENT | TCG_TPMA_SENSITIVEDATAORIGIN |
	                     TCG_TPMA_ADMINWITHPOLICY | TCG_TPMA_RESTRICTED | TCG_TPMA_DECRYPT;
	a.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_AES;
	a.parameters.rsaDetail.symmetric.keyBits.aes = 128;
	a.parameters.rsaDetail.symmetric.mode.aes = TPM2_ALG_CFB;
	a.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
	a.parameters.rsaDetail.keyBits = 2048;
	cr_assert(EVP_PKEY_get_bn_param(rsa_priv, OSSL_PKEY_PARAM_RSA_N, &n));
	a.unique.rsa.size = 256;
	BN_bn2binpad(n, a.unique.rsa.buffer, 256);
	BN_free(n);
	return a;
}

static tcg_public *load_area(const TPMT_PUBLIC *a)
{
	uint8_t buf[sizeof(TPMT_PUBLIC)];
	size_t off = 0;
	cr_assert_eq(Tss2_MU_TPMT_PUBLIC_Marshal(a, buf, sizeof buf, &off), TSS2_RC_SUCCESS);
	return public_from_area(buf, off);
}

static void refused(const TPMT_PUBLIC *a, const char *rule)
{
	tcg_public *p = load_area(a);
	tcg_credential c;
	uint8_t name[34] = { 0x00, 0x0b }, secret[16] = { 1 };
	tcg_err err;
	tcg_err_clear(&err);
	cr_assert_eq(tcg_credential_ek_check(p, &err), TCG_E_MISMATCH, "%s", rule);
	cr_assert_str_eq(err.rule, rule);
	tcg_err_clear(&err);
	cr_assert_eq(tcg_make_credential(p, name, sizeof name, secret, sizeof secret, &c, &err),
	             TCG_E_MISMATCH);
	cr_assert_str_eq(err.rule, rule);
	tcg_public_free(p);
}

Test(ek, storage_key_rules)
{
	TPMT_PUBLIC a = rsa_ek_template();
	tcg_public *p = load_area(&a);
	cr_assert_eq(tcg_credential_ek_check(p, NULL), TCG_OK);
	tcg_public_free(p);

	a.objectAttributes &= ~TCG_TPMA_RESTRICTED;
	refused(&a, "credential-ek-restricted");
	a = rsa_ek_template(), a.objectAttributes &= ~TCG_TPMA_DECRYPT;
	refused(&a, "credential-ek-decrypt");
	a = rsa_ek_template(), a.objectAttributes |= TCG_TPMA_SIGN;
	refused(&a, "credential-ek-sign");
	a = rsa_ek_template(), a.nameAlg = TPM2_ALG_SHA1;
	refused(&a, "credential-ek-name-alg");
	a = rsa_ek_template(), a.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
	a.parameters.rsaDetail.symmetric.keyBits.aes = 0, a.parameters.rsaDetail.symmetric.mode.aes = 0;
	refused(&a, "credential-ek-symmetric");
	a = rsa_ek_template(), a.parameters.rsaDetail.symmetric.mode.aes = TPM2_ALG_OFB;
	refused(&a, "credential-ek-symmetric-mode");
	a = rsa_ek_template(), a.parameters.rsaDetail.scheme.scheme = TPM2_ALG_OAEP;
	a.parameters.rsaDetail.scheme.details.oaep.hashAlg = TPM2_ALG_SHA256;
	refused(&a, "credential-ek-scheme");
}

Test(ek, a_bare_pem_key_is_refused)
{
	static const char pem[] = "-----BEGIN PUBLIC KEY-----\n"
		"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9\n"
		"q9UU8I5mEovUf86QZ7kOBIjJwqnzD1omageEHWwHdBO6B+dFabmdT9POxg==\n"
		"-----END PUBLIC KEY-----\n";
	tcg_public *p = NULL;
	tcg_err err;
	tcg_err_clear(&err);
	cr_assert_eq(tcg_public_load((const uint8_t *)pem, sizeof pem - 1, &p, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(tcg_credential_ek_check(p, &err), TCG_E_MISMATCH);
	cr_assert_str_eq(err.rule, "credential-ek-no-public-area");
	tcg_public_free(p);
}

Test(make_credential, input_bounds)
{
	TPMT_PUBLIC a = rsa_ek_template();
	tcg_public *p = load_area(&a);
	uint8_t name[70] = { 0x00, 0x0b }, secret[64] = { 1 };
	tcg_credential c;
	tcg_err err;

	cr_assert_eq(tcg_make_credential(p, name, 34, secret, 0, &c, &err), TCG_E_USAGE);
	cr_assert_str_eq(err.rule, "credential-secret-size");
	cr_assert_eq(tcg_make_credential(p, name, 34, secret, 33, &c, &err), TCG_E_USAGE);
	cr_assert_str_eq(err.rule, "credential-secret-size");
	cr_assert_eq(tcg_make_credential(p, name, 33, secret, 32, &c, &err), TCG_E_FORMAT);
	cr_assert_str_eq(err.rule, "credential-name");
	cr_assert_eq(tcg_make_credential(p, name, 70, secret, 32, &c, &err), TCG_E_FORMAT);
	cr_assert_eq(tcg_make_credential(p, name, 1, secret, 32, &c, &err), TCG_E_FORMAT);
	name[1] = 0x99; /* not a hash */
	cr_assert_eq(tcg_make_credential(p, name, 34, secret, 32, &c, &err), TCG_E_FORMAT);
	name[1] = 0x0c; /* a SHA-384 name */
	cr_assert_eq(tcg_make_credential(p, name, 50, secret, 32, &c, &err), TCG_OK);
	tcg_public_free(p);
}

/*
 * TPM2_ActivateCredential written out here with OpenSSL, playing the TPM with
 * the EK's private key: OAEP-decrypt the seed, check the HMAC, decrypt.
 */
static bool activate(const tcg_credential *c, const uint8_t *name, size_t name_len,
                     uint8_t *secret, size_t *secret_len)
{
	uint8_t seed[256], aes[16], hk[32], mac[32], plain[66];
	size_t seed_len = sizeof seed, n = 0;
	const uint8_t *id = c->id_object + 2, *enc = c->secret + 2;
	size_t id_len = c->id_object_len - 2, enc_len = c->secret_len - 2;
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(NULL, rsa_priv, NULL);
	cr_assert(EVP_PKEY_decrypt_init(pc) > 0);
	EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_OAEP_PADDING);
	EVP_PKEY_CTX_set_rsa_oaep_md_name(pc, "SHA256", NULL);
	EVP_PKEY_CTX_set_rsa_mgf1_md_name(pc, "SHA256", NULL);
	EVP_PKEY_CTX_set0_rsa_oaep_label(pc, OPENSSL_memdup("IDENTITY", 9), 9);
	cr_assert(EVP_PKEY_decrypt(pc, seed, &seed_len, enc, enc_len) > 0);
	EVP_PKEY_CTX_free(pc);
	cr_assert_eq(seed_len, 32);
	ref_kdfa(TCG_ALG_SHA256, seed, 32, "STORAGE", name, name_len, NULL, 0, aes, 16);
	ref_kdfa(TCG_ALG_SHA256, seed, 32, "INTEGRITY", NULL, 0, NULL, 0, hk, 32);
	cr_assert_eq(id[0] << 8 | id[1], 32);
	uint8_t in[66 + 66];
	memcpy(in, id + 34, id_len - 34), memcpy(in + id_len - 34, name, name_len);
	cr_assert(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, hk, 32, in, id_len - 34 + name_len, mac,
	                    sizeof mac, &n));
	if (CRYPTO_memcmp(mac, id + 2, 32))
		return false;
	EVP_CIPHER_CTX *cc = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0;
	static const uint8_t iv[16];
	cr_assert(EVP_DecryptInit_ex2(cc, EVP_aes_128_cfb128(), aes, iv, NULL));
	cr_assert(EVP_DecryptUpdate(cc, plain, &l1, id + 34, (int)(id_len - 34)));
	cr_assert(EVP_DecryptFinal_ex(cc, plain + l1, &l2));
	EVP_CIPHER_CTX_free(cc);
	*secret_len = (size_t)(plain[0] << 8 | plain[1]);
	cr_assert_eq(*secret_len + 2, (size_t)(l1 + l2));
	memcpy(secret, plain + 2, *secret_len);
	return true;
}

Test(make_credential, activates_in_software_and_binds_the_name)
{
	TPMT_PUBLIC a = rsa_ek_template();
	tcg_public *p = load_area(&a);
	uint8_t name[34] = { 0x00, 0x0b }, secret[32], got[64];
	size_t got_len = 0;
	tcg_credential c;
	tcg_err err;
	RAND_bytes(name + 2, 32), RAND_bytes(secret, sizeof secret);
	tcg_err_clear(&err);
	cr_assert_eq(tcg_make_credential(p, name, sizeof name, secret, 20, &c, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(c.id_object_len, 2 + 2 + 32 + 2 + 20);
	cr_assert_eq(c.secret_len, 2 + 256);
	cr_assert(activate(&c, name, sizeof name, got, &got_len));
	cr_assert_eq(got_len, 20);
	cr_assert_arr_eq(got, secret, 20);
	name[10] ^= 1;
	cr_assert_not(activate(&c, name, sizeof name, got, &got_len), "another name activates");
	tcg_public_free(p);
}

Test(credential_file, round_trip_and_strictness)
{
	TPMT_PUBLIC a = rsa_ek_template();
	tcg_public *p = load_area(&a);
	uint8_t name[34] = { 0x00, 0x0b }, secret[32] = { 7 }, f[TCG_CREDENTIAL_FILE_MAX + 1];
	size_t len;
	tcg_credential c, r;
	tcg_err err;
	cr_assert_eq(tcg_make_credential(p, name, sizeof name, secret, 32, &c, NULL), TCG_OK);
	cr_assert_eq(tcg_credential_write(&c, f, sizeof f, &len, NULL), TCG_OK);
	cr_assert_eq(len, 8 + 2 + 2 + 32 + 2 + 32 + 2 + 256);
	static const uint8_t head[8] = { 0xBA, 0xDC, 0xC0, 0xDE, 0, 0, 0, 1 };
	cr_assert_arr_eq(f, head, 8);
	cr_assert_eq(tcg_credential_read(f, len, &r, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(r.id_object_len, c.id_object_len);
	cr_assert_arr_eq(r.id_object, c.id_object, c.id_object_len);
	cr_assert_arr_eq(r.secret, c.secret, c.secret_len);
	for (size_t cut = 0; cut < len; cut++)
		cr_assert_eq(tcg_credential_read(f, cut, &r, &err), TCG_E_FORMAT, "cut at %zu", cut);
	f[len] = 0;
	cr_assert_eq(tcg_credential_read(f, len + 1, &r, &err), TCG_E_FORMAT);
	cr_assert_str_eq(err.rule, "credential-file-trailing-data");
	f[7] = 2;
	cr_assert_eq(tcg_credential_read(f, len, &r, &err), TCG_E_FORMAT);
	cr_assert_str_eq(err.rule, "credential-file-version");
	f[7] = 1, f[0] = 0xBB;
	cr_assert_eq(tcg_credential_read(f, len, &r, &err), TCG_E_FORMAT);
	cr_assert_str_eq(err.rule, "credential-file-magic");
	f[0] = 0xBA, f[8] = 0xFF; /* an ID object larger than the structure */
	cr_assert_eq(tcg_credential_read(f, len, &r, &err), TCG_E_FORMAT);
	cr_assert_str_eq(err.rule, "credential-file-id-object");
	cr_assert_eq(tcg_credential_write(&c, f, 100, &len, &err), TCG_E_USAGE);
	tcg_public_free(p);
}
