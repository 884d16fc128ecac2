/* The messages between the DHA tools: see include/tcglog/msg.h. */
#include "tcglog/msg.h"
#include "buf.h"
#include "msg_int.h"
#include "msgwrite.h"
#include "output_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define B64_SSSE3 1
#endif

_Static_assert(TCG_MSG_BOOTDATA_MAX_SIZE == TCG_YDOC_MAX_SIZE,
               "a bootdata document is capped by the YAML reader's cap");
/* Whatever the writer accepts the reader takes back: the log's base64 leaves
 * 64 KiB for the other fields (about 28 KB at their caps; a test writes it). */
_Static_assert((TCG_MSG_LOG_MAX + 2) / 3 * 4 + (64u << 10) <= TCG_MSG_BOOTDATA_MAX_SIZE,
               "a bootdata log at its cap fits the document with every other field");

/* ---- schemas ----
 * First versions: the tool authors extend them (a new optional field keeps
 * the version; a new required one or a changed meaning bumps it). */

#define B64(n, req, lo, hi) {.name = (n), .type = TCG_MSG_B64, .required = (req), .min = (lo), .max = (hi)}
#define STR(n, req, lo, hi) {.name = (n), .type = TCG_MSG_STR, .required = (req), .min = (lo), .max = (hi)}
#define END {.name = NULL}

static const char *const bank_names[] = {"sha1", "sha256", "sha384", "sha512", "sm3_256", NULL};

/* PCR values: bank name -> PCR index 0..23 -> hex digest (20..64 bytes; the
 * exact size of each bank is the reader's check). */
static const tcg_msg_field pcr_value = {.name = "value", .type = TCG_MSG_HEX, .min = 20, .max = 64};
static const tcg_msg_field pcr_bank = {
	.name = "bank", .type = TCG_MSG_DICT, .min = 1, .max = 24, .item = &pcr_value,
	.key_index = true, .max_index = 23};

/* quote of dha-bootdata: a TPM2_Quote over the selection, its qualifying data
 * binding the rest of the message. */
static const tcg_msg_field bootdata_quote[] = {
	B64("attest", true, 1, TCG_MSG_ATTEST_MAX),       /* TPM2B_ATTEST contents (TPMS_ATTEST) */
	B64("signature", true, 1, TCG_MSG_SIGNATURE_MAX), /* TPMT_SIGNATURE, marshalled */
	{.name = "pcrs", .type = TCG_MSG_DICT, .required = true, .min = 1, .max = TCG_MSG_BANKS_MAX,
	 .item = &pcr_bank, .keys = bank_names}, /* the PCR values quoted */
	END,
};

/* dha-bootdata v1: what the device sends first. */
static const tcg_msg_field bootdata_fields[] = {
	STR("device", true, 1, TCG_MSG_DEVICE_MAX),          /* device name (default: host name) */
	B64("log", true, 1, TCG_MSG_LOG_MAX),                /* TCG event log, as the kernel gives it */
	B64("ek-public", true, 2, TCG_MSG_PUBLIC_MAX),       /* TPM2B_PUBLIC of the EK */
	B64("ek-certificate", true, 1, TCG_MSG_EK_CERT_MAX), /* the EK certificate, DER */
	B64("ak-public", true, 2, TCG_MSG_PUBLIC_MAX),       /* TPM2B_PUBLIC of the AK */
	{.name = "quote", .type = TCG_MSG_MAP, .required = true, .fields = bootdata_quote},
	END,
};

/* dha-encblob v1: the service's reply (credential and secret present) and the
 * plain EncBlob the device keeps after TPM2_ActivateCredential (without them). */
static const tcg_msg_field encblob_fields[] = {
	STR("device", true, 1, TCG_MSG_DEVICE_MAX),
	B64("key-id", true, TCG_MSG_KEY_ID_SIZE, TCG_MSG_KEY_ID_SIZE), /* service key id, in clear */
	B64("blob", true, 1, TCG_MSG_BLOB_MAX),              /* AES-256-GCM EncBlob */
	B64("credential", false, 1, TCG_MSG_CREDENTIAL_MAX), /* TPM2B_ID_OBJECT from MakeCredential */
	B64("secret", false, 1, TCG_MSG_SECRET_MAX),         /* TPM2B_ENCRYPTED_SECRET from it */
	STR("pcr-selection", false, 1, TCG_MSG_SELECTION_MAX), /* what dha-quote quotes: "sha256:0,1,2" */
	END,
};

/* quote of dha-signedblob: over the same selection, the nonce as qualifying data. */
static const tcg_msg_field signed_quote[] = {
	B64("attest", true, 1, TCG_MSG_ATTEST_MAX),
	B64("signature", true, 1, TCG_MSG_SIGNATURE_MAX),
	END,
};

/* dha-signedblob v1: what the device sends for each verification. */
static const tcg_msg_field signedblob_fields[] = {
	STR("device", true, 1, TCG_MSG_DEVICE_MAX),
	B64("nonce", true, TCG_MSG_NONCE_SIZE, TCG_MSG_NONCE_SIZE), /* from dha-nonce */
	{.name = "quote", .type = TCG_MSG_MAP, .required = true, .fields = signed_quote},
	B64("encblob", true, 1, TCG_MSG_BLOB_MAX),           /* the EncBlob as dha-encblob's blob */
	END,
};

/* dha-claims v1: as tcg_claims_write writes them (and tcg_claims_check reads):
 * verification.verified required, the sections open (their facts vary). */
static const tcg_msg_field verification_fields[] = {
	{.name = "verified", .type = TCG_MSG_BOOL, .required = true},
	END,
};
static const tcg_msg_field no_fields[] = {END};
static const tcg_msg_field claims_fields[] = {
	{.name = "verification", .type = TCG_MSG_MAP, .required = true,
	 .fields = verification_fields, .open = true},
	{.name = "health", .type = TCG_MSG_MAP, .fields = no_fields, .open = true},
	{.name = "windows", .type = TCG_MSG_MAP, .fields = no_fields, .open = true},
	{.name = "secureboot", .type = TCG_MSG_MAP, .fields = no_fields, .open = true},
	{.name = "linux", .type = TCG_MSG_MAP, .fields = no_fields, .open = true},
	END,
};

/* pcrs v1: PCR values, "pcrs: {sha256: {0: 3d45..., 7: ...}}". */
static const tcg_msg_field pcrs_fields[] = {
	{.name = "pcrs", .type = TCG_MSG_DICT, .required = true, .min = 1, .max = TCG_MSG_BANKS_MAX,
	 .item = &pcr_bank, .keys = bank_names},
	END,
};

const tcg_msg_schema tcg_msg_dha_bootdata = {"dha-bootdata", 1, TCG_MSG_BOOTDATA_MAX_SIZE,
                                             bootdata_fields};
const tcg_msg_schema tcg_msg_dha_encblob = {"dha-encblob", 1, TCG_MSG_ENCBLOB_MAX_SIZE,
                                            encblob_fields};
const tcg_msg_schema tcg_msg_dha_signedblob = {"dha-signedblob", 1, TCG_MSG_SIGNEDBLOB_MAX_SIZE,
                                               signedblob_fields};
const tcg_msg_schema tcg_msg_dha_claims = {"dha-claims", 1, TCG_MSG_CLAIMS_MAX_SIZE,
                                           claims_fields};
const tcg_msg_schema tcg_msg_pcrs = {"pcrs", 1, TCG_MSG_PCRS_MAX_SIZE, pcrs_fields};

const tcg_msg_schema *const tcg_msg_schemas[] = {
	&tcg_msg_dha_bootdata, &tcg_msg_dha_encblob, &tcg_msg_dha_signedblob,
	&tcg_msg_dha_claims, &tcg_msg_pcrs, NULL,
};

const tcg_msg_schema *tcg_msg_schema_find(const char *kind)
{
	for (size_t i = 0; kind && tcg_msg_schemas[i]; i++)
		if (!strcmp(tcg_msg_schemas[i]->kind, kind))
			return tcg_msg_schemas[i];
	return NULL;
}

size_t tcg_msg_max_size(const tcg_msg_schema *const *accept)
{
	size_t m = 0;
	if (!accept)
		accept = tcg_msg_schemas;
	for (size_t i = 0; accept[i]; i++)
		if (accept[i]->max_size > m)
			m = accept[i]->max_size;
	return m;
}

/* ---- base64 ---- */

/* The value of each byte as a base64 character; B64_BAD outside the
 * alphabet. One lookup a character, no branch on its value: EncBlobs are tens
 * of kilobytes. */
#define B64_BAD 0x80
#define B64_ROW(c) B64_BAD, B64_BAD, B64_BAD, B64_BAD, B64_BAD, B64_BAD, B64_BAD, B64_BAD, \
	B64_BAD, B64_BAD, B64_BAD, B64_BAD, B64_BAD, B64_BAD, B64_BAD, B64_BAD
static const uint8_t b64_table[256] = {
	B64_ROW(0), B64_ROW(1),
	/* ' ' .. '/' */
	B64_BAD, B64_BAD, B64_BAD, B64_BAD, B64_BAD, B64_BAD, B64_BAD, B64_BAD, B64_BAD, B64_BAD,
	B64_BAD, 62, B64_BAD, B64_BAD, B64_BAD, 63,
	/* '0' .. '?' */
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, B64_BAD, B64_BAD, B64_BAD, B64_BAD, B64_BAD, B64_BAD,
	/* '@' .. 'O' */
	B64_BAD, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	/* 'P' .. '_' */
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, B64_BAD, B64_BAD, B64_BAD, B64_BAD, B64_BAD,
	/* '`' .. 'o' */
	B64_BAD, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	/* 'p' .. 0x7f */
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, B64_BAD, B64_BAD, B64_BAD, B64_BAD, B64_BAD,
	B64_ROW(8), B64_ROW(9), B64_ROW(10), B64_ROW(11), B64_ROW(12), B64_ROW(13), B64_ROW(14),
	B64_ROW(15),
};

size_t tcg_b64_decoded_max(size_t len)
{
	return len / 4 * 3;
}

#ifdef B64_SSSE3

/*
 * 16 characters at a time with SSSE3 (issue #12: the EncBlob's 41 KB of
 * base64 were a third of a signedblob's instructions one character at a
 * time). Each character's nibbles index two tables of class bits: a
 * character is outside the alphabet when its high nibble's class is among
 * the classes its low nibble excludes. Classes: 0x01 high nibble 0, 1, 8..f
 * (nothing valid); 0x02 high 2 (only '+' b, '/' f); 0x04 high 3 ('0'..'9');
 * 0x08 high 4, 6 (not 0: '@', '`'); 0x10 high 5, 7 (not b..f). The value is
 * the character plus an offset by high nibble, '/' told from '+' by
 * stepping its index down one. Returns the characters done (a multiple of
 * 16); *bad gets B64_BAD when one is invalid.
 */
__attribute__((target("ssse3"))) static size_t b64_decode_ssse3(const unsigned char *p,
                                                                 size_t len, uint8_t *out,
                                                                 unsigned *bad)
{
	const __m128i lut_lo = _mm_setr_epi8(0x0b, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03,
	                                     0x03, 0x07, 0x15, 0x17, 0x17, 0x17, 0x15);
	const __m128i lut_hi = _mm_setr_epi8(0x01, 0x01, 0x02, 0x04, 0x08, 0x10, 0x08, 0x10, 0x01,
	                                     0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01);
	const __m128i lut_off = _mm_setr_epi8(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0,
	                                      0, 0);
	const __m128i nib = _mm_set1_epi8(0x0f), slash = _mm_set1_epi8('/');
	/* the three bytes of each 32-bit lane, first byte highest */
	const __m128i pack = _mm_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
	__m128i acc = _mm_setzero_si128();
	size_t i = 0;
	for (; i + 16 <= len; i += 16) {
		__m128i in = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		__m128i hi = _mm_and_si128(_mm_srli_epi32(in, 4), nib), lo = _mm_and_si128(in, nib);
		acc = _mm_or_si128(acc, _mm_and_si128(_mm_shuffle_epi8(lut_lo, lo),
		                                      _mm_shuffle_epi8(lut_hi, hi)));
		__m128i idx = _mm_add_epi8(hi, _mm_cmpeq_epi8(in, slash));
		__m128i v = _mm_add_epi8(in, _mm_shuffle_epi8(lut_off, idx));
		/* pairs to 12 bits (a << 6 | b), pairs of those to 24 */
		v = _mm_maddubs_epi16(v, _mm_set1_epi32(0x01400140));
		v = _mm_madd_epi16(v, _mm_set1_epi32(0x00011000));
		v = _mm_shuffle_epi8(v, pack);
		if (out && i + 32 <= len) { /* the next block's 12 bytes take the 4 spare */
			_mm_storeu_si128((__m128i *)(void *)(out + i / 4 * 3), v);
		} else if (out) {
			uint8_t tmp[16];
			_mm_storeu_si128((__m128i *)(void *)tmp, v);
			memcpy(out + i / 4 * 3, tmp, 12);
		}
	}
	if (_mm_movemask_epi8(_mm_cmpeq_epi8(acc, _mm_setzero_si128())) != 0xffff)
		*bad |= B64_BAD;
	return i;
}

/*
 * The same 32 characters at a time with AVX2 (the EncBlob's 41 KB were still
 * 11% of a signedblob's instructions 16 at a time): the tables repeat in
 * both 128-bit lanes, each lane packs its 12 bytes as above and one
 * permutation puts the two lanes' 24 bytes together.
 */
__attribute__((target("avx2"))) static size_t b64_decode_avx2(const unsigned char *p,
                                                               size_t len, uint8_t *out,
                                                               unsigned *bad)
{
	const __m256i lut_lo = _mm256_setr_epi8(
		0x0b, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x07, 0x15, 0x17, 0x17,
		0x17, 0x15, 0x0b, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x07, 0x15,
		0x17, 0x17, 0x17, 0x15);
	const __m256i lut_hi = _mm256_setr_epi8(
		0x01, 0x01, 0x02, 0x04, 0x08, 0x10, 0x08, 0x10, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
		0x01, 0x01, 0x01, 0x01, 0x02, 0x04, 0x08, 0x10, 0x08, 0x10, 0x01, 0x01, 0x01, 0x01,
		0x01, 0x01, 0x01, 0x01);
	const __m256i lut_off = _mm256_setr_epi8(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0,
	                                         0, 0, 0, 0, 16, 19, 4, -65, -65, -71, -71, 0, 0,
	                                         0, 0, 0, 0, 0, 0);
	const __m256i nib = _mm256_set1_epi8(0x0f), slash = _mm256_set1_epi8('/');
	const __m256i pack = _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1,
	                                      -1, 2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1,
	                                      -1, -1);
	const __m256i join = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7);
	__m256i acc = _mm256_setzero_si256();
	size_t i = 0;
	for (; i + 32 <= len; i += 32) {
		__m256i in = _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
		__m256i hi = _mm256_and_si256(_mm256_srli_epi32(in, 4), nib),
		        lo = _mm256_and_si256(in, nib);
		acc = _mm256_or_si256(acc, _mm256_and_si256(_mm256_shuffle_epi8(lut_lo, lo),
		                                            _mm256_shuffle_epi8(lut_hi, hi)));
		__m256i idx = _mm256_add_epi8(hi, _mm256_cmpeq_epi8(in, slash));
		__m256i v = _mm256_add_epi8(in, _mm256_shuffle_epi8(lut_off, idx));
		v = _mm256_maddubs_epi16(v, _mm256_set1_epi32(0x01400140));
		v = _mm256_madd_epi16(v, _mm256_set1_epi32(0x00011000));
		v = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(v, pack), join);
		if (out && i + 64 <= len) { /* the next block's 24 bytes take the 8 spare */
			_mm256_storeu_si256((__m256i *)(void *)(out + i / 4 * 3), v);
		} else if (out) {
			uint8_t tmp[32];
			_mm256_storeu_si256((__m256i *)(void *)tmp, v);
			memcpy(out + i / 4 * 3, tmp, 24);
		}
	}
	if (!_mm256_testz_si256(acc, acc))
		*bad |= B64_BAD;
	return i;
}
#endif

/*
 * Canonical base64 (see msg-base64) checked and, when out is not NULL,
 * decoded in one pass; *outlen: the decoded size. The bad bits of every
 * character's value are or-ed together and tested once at the end.
 */
static bool b64_decode(const char *s, size_t len, uint8_t *out, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t pad = 0, full, i = 0;
	unsigned bad = 0;
	*outlen = 0;
	if (len == 0)
		return true;
	if (len % 4 || len > (size_t)INT_MAX)
		return false;
	if (p[len - 1] == '=')
		pad = p[len - 2] == '=' ? 2 : 1;
	full = pad ? len - 4 : len;
#ifdef B64_SSSE3
	if (full >= 64 && __builtin_cpu_supports("avx2")) {
		i = b64_decode_avx2(p, full, out, &bad);
		p += i;
		if (out)
			out += i / 4 * 3;
	}
	if (full - i >= 32 && __builtin_cpu_supports("ssse3")) {
		size_t k = b64_decode_ssse3(p, full - i, out, &bad);
		i += k;
		p += k;
		if (out)
			out += k / 4 * 3;
	}
#endif
	for (; i < full; i += 4, p += 4) {
		unsigned a = b64_table[p[0]], b = b64_table[p[1]], c = b64_table[p[2]],
		         d = b64_table[p[3]];
		bad |= a | b | c | d;
		if (out) {
			uint32_t v = (uint32_t)(a & 63) << 18 | (uint32_t)(b & 63) << 12 |
			             (uint32_t)(c & 63) << 6 | (d & 63);
			*out++ = (uint8_t)(v >> 16);
			*out++ = (uint8_t)(v >> 8);
			*out++ = (uint8_t)v;
		}
	}
	if (pad) {
		/* the unused bits of the last character are zero (canonical) */
		unsigned a = b64_table[p[0]], b = b64_table[p[1]],
		         c = pad == 1 ? b64_table[p[2]] : 0;
		unsigned spare = pad == 2 ? (b & 0xf) : (c & 0x3);
		bad |= a | b | c | (spare ? B64_BAD : 0);
		if (out) {
			*out++ = (uint8_t)((a & 63) << 2 | (b & 63) >> 4);
			if (pad == 1)
				*out = (uint8_t)((b & 0xf) << 4 | (c & 63) >> 2);
		}
	}
	if (bad & B64_BAD)
		return false;
	*outlen = len / 4 * 3 - pad;
	return true;
}

bool tcg_b64_decode(const char *s, size_t len, uint8_t *out, size_t *outlen)
{
	return b64_decode(s, len, out, outlen);
}

char *tcg_b64_encode(const uint8_t *p, size_t len, size_t *outlen)
{
	if (len > (size_t)INT_MAX / 4 * 3)
		return NULL;
	size_t n = (len + 2) / 3 * 4;
	char *s = malloc(n + 1);
	if (!s)
		return NULL;
	int w = len ? EVP_EncodeBlock((unsigned char *)s, p, (int)len) : 0;
	s[w] = '\0';
	if (outlen)
		*outlen = (size_t)w;
	return s;
}

/* ---- checking ---- */

typedef struct {
	const tcg_ydoc *doc;
	tcg_err *err;
	tcg_msg *m; /* receives the decoded base64 fields */
	char path[256];
} checker;

static bool key_is(const tcg_ynode *k, const char *s)
{
	size_t l = strlen(s);
	return k->kind == TCG_YNODE_SCALAR && k->len == l && !memcmp(k->str, s, l);
}

static tcg_rc check_value(checker *c, const tcg_msg_field *f, const tcg_ynode *v);

/* Append a key to the path for the duration of one check. */
static tcg_rc check_at(checker *c, const char *key, size_t klen, const tcg_msg_field *f,
                       const tcg_ynode *v)
{
	size_t l = strlen(c->path);
	snprintf(c->path + l, sizeof c->path - l, "%s%.*s", l ? "." : "",
	         (int)(klen > 64 ? 64 : klen), key);
	tcg_rc rc = check_value(c, f, v);
	c->path[l] = '\0';
	return rc;
}

static const char *type_name(tcg_msg_type t)
{
	switch (t) {
	case TCG_MSG_STR:
		return "a string";
	case TCG_MSG_UINT:
		return "an unsigned integer";
	case TCG_MSG_BOOL:
		return "true or false";
	case TCG_MSG_B64:
		return "base64";
	case TCG_MSG_HEX:
		return "hex";
	case TCG_MSG_MAP:
	case TCG_MSG_DICT:
		return "a mapping";
	default:
		return "a list";
	}
}

static tcg_rc wrong_type(checker *c, const tcg_msg_field *f, const tcg_ynode *v)
{
	return tcg_ydoc_error(c->err, c->doc, v, "msg-type", "%s must be %s, not %s", c->path,
	                      type_name(f->type), tcg_ynode_kind_name(v));
}

static tcg_rc check_bounds(checker *c, const tcg_msg_field *f, const tcg_ynode *v, uint64_t n,
                           const char *unit)
{
	if (n < f->min || (f->max && n > f->max))
		return tcg_ydoc_error(c->err, c->doc, v, "msg-size",
		                      "%s: %llu %s, not in %llu..%llu", c->path,
		                      (unsigned long long)n, unit, (unsigned long long)f->min,
		                      (unsigned long long)f->max);
	return TCG_OK;
}

static tcg_rc check_map(checker *c, const tcg_msg_field *f, const tcg_ynode *v)
{
	for (size_t i = 0; i < v->n; i++) {
		const tcg_ynode *k = v->items[2 * i];
		const tcg_msg_field *g = f->fields;
		while (g && g->name && !key_is(k, g->name))
			g++;
		if (!g || !g->name) {
			if (f->open)
				continue;
			return tcg_ydoc_error(c->err, c->doc, k, "msg-unknown-key",
			                      "unknown key '%.64s'%s%s", k->str, *c->path ? " in " : "",
			                      c->path);
		}
		tcg_rc rc = check_at(c, g->name, strlen(g->name), g, v->items[2 * i + 1]);
		if (rc)
			return rc;
	}
	for (const tcg_msg_field *g = f->fields; g && g->name; g++)
		if (g->required && !tcg_ynode_get(v, g->name))
			return tcg_ydoc_error(c->err, c->doc, v, "msg-missing-key",
			                      "missing key '%s'%s%s", g->name, *c->path ? " in " : "",
			                      c->path);
	return TCG_OK;
}

static tcg_rc check_dict_key(checker *c, const tcg_msg_field *f, const tcg_ynode *k)
{
	if (f->keys) {
		for (size_t j = 0; f->keys[j]; j++)
			if (key_is(k, f->keys[j]))
				return TCG_OK;
		return tcg_ydoc_error(c->err, c->doc, k, "msg-unknown-key", "unknown key '%.64s' in %s",
		                      k->str, c->path);
	}
	if (f->key_index) {
		if (k->val != TCG_YVAL_INT || k->i < 0 || k->i > (long long)f->max_index ||
		    k->str[0] == '+' || (k->str[0] == '0' && k->len > 1))
			return tcg_ydoc_error(c->err, c->doc, k, "msg-unknown-key",
			                      "key '%.64s' in %s is not an index 0..%u", k->str, c->path,
			                      f->max_index);
		return TCG_OK;
	}
	if (k->len == 0 || k->len > 64 || k->len != strlen(k->str))
		return tcg_ydoc_error(c->err, c->doc, k, "msg-unknown-key",
		                      "keys in %s must be 1..64 bytes", c->path);
	return TCG_OK;
}

/* Check a base64 field by decoding it, once, into the message. */
static tcg_rc check_b64(checker *c, const tcg_msg_field *f, const tcg_ynode *v)
{
	tcg_msg *m = c->m;
	size_t n = 0;
	uint8_t *buf;
	tcg_rc rc;
	if (!(m->nbytes & (m->nbytes + 1)) || !m->bytes) { /* grow at 0, 1, 3, 7, ... */
		tcg_msg_bytes *b = realloc(m->bytes, (2 * m->nbytes + 2) * sizeof *b);
		if (!b)
			return tcg_fail_nomem(c->err);
		m->bytes = b;
	}
	if (!(buf = malloc(tcg_b64_decoded_max(v->len) + 1)))
		return tcg_fail_nomem(c->err);
	if (v->len != strlen(v->str) || !b64_decode(v->str, v->len, buf, &n)) {
		free(buf);
		return tcg_ydoc_error(c->err, c->doc, v, "msg-base64", "%s is not canonical base64",
		                      c->path);
	}
	if ((rc = check_bounds(c, f, v, n, "bytes"))) {
		free(buf);
		return rc;
	}
	m->bytes[m->nbytes++] = (tcg_msg_bytes){v, buf, n};
	return TCG_OK;
}

static tcg_rc check_value(checker *c, const tcg_msg_field *f, const tcg_ynode *v)
{
	tcg_rc rc;
	bool scalar = v->kind == TCG_YNODE_SCALAR;
	switch (f->type) {
	case TCG_MSG_STR:
		if (!scalar || v->val == TCG_YVAL_NULL)
			return wrong_type(c, f, v);
		if (v->len != strlen(v->str))
			return tcg_ydoc_error(c->err, c->doc, v, "msg-type", "%s holds a NUL", c->path);
		return check_bounds(c, f, v, v->len, "bytes");
	case TCG_MSG_UINT:
		if (!scalar || v->val != TCG_YVAL_INT || v->i < 0)
			return wrong_type(c, f, v);
		return check_bounds(c, f, v, (uint64_t)v->i, "(the value)");
	case TCG_MSG_BOOL:
		if (!scalar || v->val != TCG_YVAL_BOOL)
			return wrong_type(c, f, v);
		return TCG_OK;
	case TCG_MSG_B64:
	case TCG_MSG_HEX: {
		size_t n;
		bool ok;
		if (!scalar || (v->val == TCG_YVAL_NULL && v->len))
			return wrong_type(c, f, v);
		if (f->type == TCG_MSG_HEX) {
			ok = v->len == strlen(v->str) && tcg_hex_decode_n(v->str, v->len, NULL, SIZE_MAX, &n);
			if (!ok)
				return tcg_ydoc_error(c->err, c->doc, v, "msg-hex",
				                      "%s is not an even number of hex digits", c->path);
		} else {
			/* bound the work before decoding */
			if (f->max && tcg_b64_decoded_max(v->len) > f->max + 2)
				return check_bounds(c, f, v, tcg_b64_decoded_max(v->len), "bytes");
			return check_b64(c, f, v);
		}
		return check_bounds(c, f, v, n, "bytes");
	}
	case TCG_MSG_MAP:
		if (v->kind != TCG_YNODE_MAP)
			return wrong_type(c, f, v);
		return check_map(c, f, v);
	case TCG_MSG_LIST:
		if (v->kind != TCG_YNODE_SEQ)
			return wrong_type(c, f, v);
		if ((rc = check_bounds(c, f, v, v->n, "entries")))
			return rc;
		for (size_t i = 0; i < v->n; i++) {
			char ix[24];
			snprintf(ix, sizeof ix, "%zu", i);
			if ((rc = check_at(c, ix, strlen(ix), f->item, v->items[i])))
				return rc;
		}
		return TCG_OK;
	case TCG_MSG_DICT:
		if (v->kind != TCG_YNODE_MAP)
			return wrong_type(c, f, v);
		for (size_t i = 0; i < v->n; i++) {
			const tcg_ynode *k = v->items[2 * i];
			if ((rc = check_dict_key(c, f, k)) ||
			    (rc = check_at(c, k->str, k->len, f->item, v->items[2 * i + 1])))
				return rc;
		}
		return check_bounds(c, f, v, v->n, "entries");
	}
	return wrong_type(c, f, v);
}

static bool accepted(const tcg_msg_schema *s, const tcg_msg_schema *const *accept)
{
	if (!accept)
		return true;
	for (size_t i = 0; accept[i]; i++)
		if (accept[i] == s)
			return true;
	return false;
}

static tcg_rc check_doc(const tcg_ydoc *doc, const tcg_msg_schema *const *accept, tcg_msg *m,
                        tcg_err *err)
{
	const tcg_ynode *r = doc->root;
	checker c = {.doc = doc, .err = err, .m = m};
	if (!r || r->kind != TCG_YNODE_MAP)
		return tcg_ydoc_error(err, doc, r, "msg-header", "a message is a mapping, not %s",
		                      tcg_ynode_kind_name(r));
	if (r->n < 1 || !key_is(r->items[0], "kind"))
		return tcg_ydoc_error(err, doc, r->n ? r->items[0] : r, "msg-header",
		                      "the first key must be kind:");
	const tcg_ynode *kind = r->items[1];
	if (kind->kind != TCG_YNODE_SCALAR || kind->val != TCG_YVAL_STR)
		return tcg_ydoc_error(err, doc, kind, "msg-header", "kind must be a name, not %s",
		                      tcg_ynode_kind_name(kind));
	if (r->n < 2 || !key_is(r->items[2], "version"))
		return tcg_ydoc_error(err, doc, r->n > 1 ? r->items[2] : r, "msg-header",
		                      "the second key must be version:");
	const tcg_ynode *ver = r->items[3];
	if (ver->kind != TCG_YNODE_SCALAR || ver->val != TCG_YVAL_INT || ver->i < 1 ||
	    ver->i > INT_MAX)
		return tcg_ydoc_error(err, doc, ver, "msg-header",
		                      "version must be an integer from 1, not '%.32s'",
		                      ver->kind == TCG_YNODE_SCALAR ? ver->str : "(not a scalar)");
	const tcg_msg_schema *s = kind->len == strlen(kind->str) ? tcg_msg_schema_find(kind->str)
	                                                           : NULL;
	/* A private kind (never exchanged, e.g. the EncBlob's plaintext) is known
	 * only to the reader that passes its schema in accept. */
	for (size_t i = 0; !s && accept && accept[i] && kind->len == strlen(kind->str); i++)
		if (!strcmp(accept[i]->kind, kind->str))
			s = accept[i];
	if (!s)
		return tcg_ydoc_error(err, doc, kind, "msg-kind", "unknown kind '%.64s'", kind->str);
	if (!accepted(s, accept))
		return tcg_ydoc_error(err, doc, kind, "msg-kind", "a %s message is not expected here",
		                      s->kind);
	if ((unsigned long long)ver->i > s->version)
		return tcg_ydoc_error(err, doc, ver, "msg-version",
		                      "%s version %lld is newer than this reader (%u)", s->kind, ver->i,
		                      s->version);
	if (doc->size > s->max_size)
		return tcg_ydoc_error(err, doc, r, "msg-size",
		                      "%s message of %zu bytes is over the cap of %zu", s->kind,
		                      doc->size, s->max_size);
	/* the rest as a closed mapping, kind and version skipped */
	for (size_t i = 2; i < r->n; i++) {
		const tcg_ynode *k = r->items[2 * i];
		const tcg_msg_field *g = s->fields;
		while (g->name && !key_is(k, g->name))
			g++;
		if (!g->name)
			return tcg_ydoc_error(err, doc, k, "msg-unknown-key", "unknown key '%.64s'",
			                      k->str);
		tcg_rc rc = check_at(&c, g->name, strlen(g->name), g, r->items[2 * i + 1]);
		if (rc)
			return rc;
	}
	for (const tcg_msg_field *g = s->fields; g->name; g++)
		if (g->required && !tcg_ynode_get(r, g->name))
			return tcg_ydoc_error(err, doc, r, "msg-missing-key", "missing key '%s'", g->name);
	m->schema = s;
	m->version = (unsigned)ver->i;
	return TCG_OK;
}

tcg_rc tcg_msg_from_doc(tcg_ydoc *doc, const tcg_msg_schema *const *accept, tcg_msg *m,
                        tcg_err *err)
{
	memset(m, 0, sizeof *m);
	tcg_rc rc = check_doc(doc, accept, m, err);
	if (rc) {
		tcg_ydoc_free(doc);
		tcg_msg_free(m);
		return rc;
	}
	if (!(m->doc = malloc(sizeof *m->doc))) {
		tcg_ydoc_free(doc);
		tcg_msg_free(m);
		return tcg_fail_nomem(err);
	}
	*m->doc = *doc;
	m->index = 1;
	memset(doc, 0, sizeof *doc);
	return TCG_OK;
}

tcg_rc tcg_msg_parse(const uint8_t *data, size_t len, const char *file,
                     const tcg_msg_schema *const *accept, tcg_msg *m, tcg_err *err)
{
	tcg_ydoc doc;
	tcg_rc rc;
	memset(m, 0, sizeof *m);
	if ((rc = tcg_ydoc_parse(data, len, file, &doc, err)))
		return rc;
	return tcg_msg_from_doc(&doc, accept, m, err);
}

tcg_rc tcg_msg_next(tcg_ydoc_stream *s, const tcg_msg_schema *const *accept, tcg_msg *m,
                    bool *done, tcg_err *err)
{
	tcg_ydoc doc;
	tcg_rc rc;
	memset(m, 0, sizeof *m);
	if ((rc = tcg_ydoc_stream_next(s, &doc, done, err)) || *done)
		return rc;
	if ((rc = tcg_msg_from_doc(&doc, accept, m, err)))
		return rc;
	m->index = tcg_ydoc_stream_index(s);
	return TCG_OK;
}

struct tcg_msg_stream {
	tcg_ydoc_stream *docs;
	const tcg_msg_schema *const *accept;
};

tcg_msg_stream *tcg_msg_stream_open(FILE *f, const char *file,
                                    const tcg_msg_schema *const *accept)
{
	tcg_msg_stream *s = calloc(1, sizeof *s);
	if (s && !(s->docs = tcg_ydoc_stream_open_file(f, file, tcg_msg_max_size(accept)))) {
		free(s);
		return NULL;
	}
	if (s)
		s->accept = accept;
	return s;
}

tcg_rc tcg_msg_stream_next(tcg_msg_stream *s, tcg_msg *m, bool *done, tcg_err *err)
{
	return tcg_msg_next(s->docs, s->accept, m, done, err);
}

unsigned tcg_msg_stream_index(const tcg_msg_stream *s)
{
	return tcg_ydoc_stream_index(s->docs);
}

bool tcg_msg_stream_stopped(const tcg_msg_stream *s)
{
	return tcg_ydoc_stream_stopped(s->docs);
}

void tcg_msg_stream_close(tcg_msg_stream *s)
{
	if (!s)
		return;
	tcg_ydoc_stream_close(s->docs);
	free(s);
}

void tcg_msg_free(tcg_msg *m)
{
	if (!m)
		return;
	tcg_ydoc_free(m->doc);
	free(m->doc);
	/* Not cleansed: the document's text, freed as it is, holds the same
	 * bytes in base64 (no message field is a secret in the clear). */
	for (size_t i = 0; i < m->nbytes; i++)
		free(m->bytes[i].data);
	free(m->bytes);
	memset(m, 0, sizeof *m);
}

/* ---- reading values ---- */

const tcg_ynode *tcg_msg_get(const tcg_msg *m, const char *path)
{
	return m && m->doc ? tcg_ynode_path(m->doc->root, path) : NULL;
}

const char *tcg_msg_str(const tcg_msg *m, const char *path, size_t *len)
{
	const tcg_ynode *n = tcg_msg_get(m, path);
	if (!n || n->kind != TCG_YNODE_SCALAR || n->val == TCG_YVAL_NULL)
		return NULL;
	if (len)
		*len = n->len;
	return n->str;
}

bool tcg_msg_uint(const tcg_msg *m, const char *path, uint64_t *v)
{
	const tcg_ynode *n = tcg_msg_get(m, path);
	if (!n || n->kind != TCG_YNODE_SCALAR || n->val != TCG_YVAL_INT || n->i < 0)
		return false;
	*v = (uint64_t)n->i;
	return true;
}

bool tcg_msg_bool(const tcg_msg *m, const char *path, bool *v)
{
	const tcg_ynode *n = tcg_msg_get(m, path);
	if (!n || n->kind != TCG_YNODE_SCALAR || n->val != TCG_YVAL_BOOL)
		return false;
	*v = n->b;
	return true;
}

static const tcg_msg_bytes *decoded(const tcg_msg *m, const tcg_ynode *n)
{
	for (size_t i = 0; m && n && i < m->nbytes; i++)
		if (m->bytes[i].node == n)
			return &m->bytes[i];
	return NULL;
}

const uint8_t *tcg_msg_b64_ref(const tcg_msg *m, const char *path, size_t *len)
{
	const tcg_msg_bytes *b = decoded(m, tcg_msg_get(m, path));
	*len = b ? b->len : 0;
	return b ? b->data : NULL;
}

tcg_rc tcg_msg_require(const tcg_msg *m, const char *path, tcg_err *err)
{
	if (tcg_msg_get(m, path))
		return TCG_OK;
	return tcg_ydoc_error(err, m ? m->doc : NULL, m && m->doc ? m->doc->root : NULL, "msg-missing-key",
	                      "missing key '%.64s'", path);
}

static tcg_rc get_bytes(const tcg_msg *m, const char *path, bool hex, uint8_t **out,
                        size_t *len, tcg_err *err)
{
	const tcg_ynode *n = tcg_msg_get(m, path);
	const tcg_msg_bytes *b = hex ? NULL : decoded(m, n);
	tcg_rc rc;
	*out = NULL;
	*len = 0;
	if ((rc = tcg_msg_require(m, path, err)))
		return rc;
	if (b) {
		if (!(*out = malloc(b->len + 1)))
			return tcg_fail_nomem(err);
		memcpy(*out, b->data, b->len);
		*len = b->len;
		return TCG_OK;
	}
	if (n->kind != TCG_YNODE_SCALAR || n->len != strlen(n->str))
		return tcg_ydoc_error(err, m->doc, n, "msg-type", "%.64s must be %s", path,
		                      hex ? "hex" : "base64");
	uint8_t *buf = malloc(n->len + 1); /* more than base64 or hex needs */
	if (!buf)
		return tcg_err_set(err, TCG_E_NOMEM, "out-of-memory", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "out of memory");
	bool ok = hex ? tcg_hex_decode_n(n->str, n->len, buf, n->len, len)
	              : tcg_b64_decode(n->str, n->len, buf, len);
	if (!ok) {
		free(buf);
		return tcg_ydoc_error(err, m->doc, n, hex ? "msg-hex" : "msg-base64",
		                      "%.64s is not %s", path, hex ? "hex" : "canonical base64");
	}
	*out = buf;
	return TCG_OK;
}

tcg_rc tcg_msg_b64(const tcg_msg *m, const char *path, uint8_t **out, size_t *len,
                   tcg_err *err)
{
	return get_bytes(m, path, false, out, len, err);
}

tcg_rc tcg_msg_hex(const tcg_msg *m, const char *path, uint8_t **out, size_t *len,
                   tcg_err *err)
{
	return get_bytes(m, path, true, out, len, err);
}

/* ---- writing ---- */

void tcg_msg_write_start(tcg_yaml *y, const char *kind, unsigned version)
{
	tcg_yaml_map_start(y);
	tcg_yaml_kv_cstr(y, "kind", kind);
	tcg_yaml_kv_u64(y, "version", version);
}

void tcg_msg_write_end(tcg_yaml *y)
{
	tcg_yaml_map_end(y);
}

static tcg_rc put_b64(tcg_yaml *y, const char *key, const uint8_t *p, size_t len, tcg_err *err)
{
	size_t n;
	char *s = tcg_b64_encode(p, len, &n);
	if (!s)
		return tcg_err_set(err, TCG_E_NOMEM, "out-of-memory", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "out of memory for %zu bytes of base64", len);
	if (key)
		tcg_yaml_key(y, key);
	tcg_yaml_str(y, s, n);
	free(s);
	return TCG_OK;
}

tcg_rc tcg_msg_kv_b64(tcg_yaml *y, const char *key, const uint8_t *p, size_t len,
                      tcg_err *err)
{
	return put_b64(y, key, p, len, err);
}

/* ---- PCR values (bank name -> PCR index -> hex) ---- */

tcg_rc tcg_msg_pcr_values(const tcg_msg *m, const char *path, tcg_pcr_values *out,
                          tcg_err *err)
{
	const tcg_ynode *banks = tcg_msg_get(m, path);
	memset(out, 0, sizeof *out);
	if (!banks || banks->kind != TCG_YNODE_MAP)
		return tcg_ydoc_error(err, m->doc, banks ? banks : m->doc->root, "msg-missing-key",
		                      "missing mapping '%s'", path);
	for (size_t k = 0; k < banks->n; k++) {
		const tcg_ynode *name = banks->items[2 * k], *pcrs = banks->items[2 * k + 1];
		uint16_t alg;
		tcg_pcr_bank *b;
		if (!tcg_alg_from_name(name->str, &alg) || !tcg_alg_size(alg))
			return tcg_ydoc_error(err, m->doc, name, "msg-unknown-key",
			                      "unknown bank '%.32s' in %s", name->str, path);
		if (tcg_pcrs_bank(out, alg) || !(b = tcg_pcrs_add_bank(out, alg)))
			return tcg_ydoc_error(err, m->doc, name, "msg-size",
			                      "bank %s repeated or too many banks in %s", name->str,
			                      path);
		b->size = (uint16_t)tcg_alg_size(alg);
		if (pcrs->kind != TCG_YNODE_MAP)
			return tcg_ydoc_error(err, m->doc, pcrs, "msg-type", "%s.%s must be a mapping",
			                      path, name->str);
		for (size_t i = 0; i < pcrs->n; i++) {
			const tcg_ynode *ix = pcrs->items[2 * i], *val = pcrs->items[2 * i + 1];
			size_t n = 0;
			if (ix->val != TCG_YVAL_INT || ix->i < 0 || ix->i >= TCG_NUM_PCRS)
				return tcg_ydoc_error(err, m->doc, ix, "msg-unknown-key",
				                      "PCR index '%.32s' in %s.%s", ix->str, path,
				                      name->str);
			unsigned p = (unsigned)ix->i;
			if (b->present >> p & 1)
				return tcg_ydoc_error(err, m->doc, ix, "yaml-duplicate-key",
				                      "PCR %u twice in %s.%s", p, path, name->str);
			if (val->kind != TCG_YNODE_SCALAR || val->len != b->size * 2 ||
			    val->len != strlen(val->str) ||
			    !tcg_hex_decode_n(val->str, val->len, b->value[p], sizeof b->value[p], &n) ||
			    n != b->size)
				return tcg_ydoc_error(err, m->doc, val, "msg-size",
				                      "%s.%s.%u must be %u bytes of hex", path, name->str, p,
				                      (unsigned)b->size);
			b->present |= 1u << p;
		}
	}
	return TCG_OK;
}

void tcg_msg_put_pcr_values(tcg_yaml *y, const tcg_pcr_values *v) { tcg_pcrs_write(y, v); }
