/*
 * EK certificates (TCG EK Credential Profile for TPM Family 2.0). OpenSSL
 * parses and chains the certificate; this module finds the certificate in
 * what a TPM's NV index holds, and checks what the profile adds.
 */
#include "tcglog/ekcert.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "buf.h"
#include "certcache.h"
#include "ekcert_int.h"
#include "output_int.h"
#include "tcglog/log.h"

#define OID_TPM_MANUFACTURER "2.23.133.2.1"
#define OID_TPM_MODEL "2.23.133.2.2"
#define OID_TPM_VERSION "2.23.133.2.3"
#define OID_TPM_SPECIFICATION "2.23.133.2.16"
#define OID_EK_CERTIFICATE "2.23.133.8.1"

/* The TPM 1.2 PC Client stored-certificate header: tag 0x1001, type 0 (full), size. */
#define NV_HEADER_LEN 5

struct tcg_ekcert {
	X509 *x;
	uint8_t *der;
	size_t der_len;
	unsigned quirks;
	char padding_detail[96];
	char header_detail[96];

	char *subject, *issuer, *serial;
	char not_before[80], not_after[80];
	const char *key_type;
	unsigned key_bits;
	char curve[32];

	/* subjectAltName directoryName */
	char *manufacturer, *model, *version;
	int san_crit;          /* -1 absent, 0, 1 */
	char san_problem[160]; /* why the SAN cannot be read, "" when it can */

	/* subjectDirectoryAttributes tpmSpecification */
	bool has_spec, spec_bad;
	char *spec_family;
	long spec_level, spec_revision;
};

/* A chain that verified: the leaf's DER, the chain built and its text (see
 * chain_cached for why remembering it is sound). */
struct chain_verdict {
	uint8_t *der;
	size_t der_len;
	STACK_OF(X509) *chain;
	size_t chain_len;
	char (*text)[256];
};

#define CHAIN_VERDICTS 16

struct tcg_ekcert_trust {
	X509_STORE *store;
	STACK_OF(X509) *untrusted;
	size_t num_ca;
	/* Memo of chains that verified; the trust is const to its users, the
	 * memo is not what it vouches for, so it is guarded on its own. */
	pthread_mutex_t lock;
	struct chain_verdict verdict[CHAIN_VERDICTS];
	size_t next_verdict;
	uint64_t chain_hits;
};

#define FMT(rule, off, ...) tcg_err_set(err, TCG_E_FORMAT, rule, off, TCG_NO_EVENT, __VA_ARGS__)
#define NOMEM() \
	tcg_err_set(err, TCG_E_NOMEM, "out-of-memory", TCG_NO_OFFSET, TCG_NO_EVENT, "no memory")

/* --- small helpers ------------------------------------------------------- */

static char *dup_bytes(const void *p, size_t n)
{
	char *s = malloc(n + 1);
	if (s) {
		if (n)
			memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

/* An OpenSSL object as dotted text, always NUL-terminated. */
static void oid_text(const ASN1_OBJECT *o, char *buf, size_t len)
{
	if (OBJ_obj2txt(buf, (int)len, o, 1) <= 0)
		snprintf(buf, len, "?");
}

static bool oid_is(const ASN1_OBJECT *o, const char *dotted)
{
	char buf[80];
	oid_text(o, buf, sizeof buf);
	return strcmp(buf, dotted) == 0;
}

/* An X509_NAME in RFC 2253 form, UTF-8; NULL when out of memory. */
static char *name_text(const X509_NAME *n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *s = NULL;
	long len;
	if (!b)
		return NULL;
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		len = BIO_get_mem_data(b, &p);
		if (len >= 0)
			s = dup_bytes(p, (size_t)len);
	}
	BIO_free(b);
	return s;
}

static void time_text(const ASN1_TIME *t, char out[80])
{
	struct tm tm;
	if (!t || !ASN1_TIME_to_tm(t, &tm)) {
		snprintf(out, 80, "invalid");
		return;
	}
	snprintf(out, 80, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* "id:" followed by exactly 8 hex digits. */
static bool parse_id(const char *s, uint32_t *out)
{
	uint32_t v = 0;
	if (!s || strncmp(s, "id:", 3) != 0 || strlen(s) != 11)
		return false;
	for (size_t i = 3; i < 11; i++) {
		int c = (unsigned char)s[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return false;
		v = v << 4 | (uint32_t)d;
	}
	*out = v;
	return true;
}

/* --- decoding what the certificate says ------------------------------------ */

static void san_problem(tcg_ekcert *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void san_problem(tcg_ekcert *c, const char *fmt, ...)
{
	va_list ap;
	if (c->san_problem[0])
		return;
	va_start(ap, fmt);
	vsnprintf(c->san_problem, sizeof c->san_problem, fmt, ap);
	va_end(ap);
}

/* One TCG attribute value of the SAN directoryName into *slot. */
static bool san_attr(tcg_ekcert *c, char **slot, const char *what, const ASN1_STRING *v)
{
	const unsigned char *p = ASN1_STRING_get0_data(v);
	int n = ASN1_STRING_length(v);
	if (*slot) {
		san_problem(c, "the directoryName holds two TPM %s attributes", what);
		return true;
	}
	if (n < 0 || (n > 0 && !p))
		n = 0;
	if (n > 0 && memchr(p, '\0', (size_t)n)) {
		san_problem(c, "the TPM %s holds a NUL byte", what);
		return true;
	}
	*slot = dup_bytes(p, (size_t)n);
	return *slot != NULL;
}

static bool decode_san(tcg_ekcert *c)
{
	int crit = -1;
	GENERAL_NAMES *gens = X509_get_ext_d2i(c->x, NID_subject_alt_name, &crit, NULL);
	bool ok = true;

	c->san_crit = crit >= 0 ? crit : -1;
	if (!gens) {
		if (crit == -2)
			san_problem(c, "more than one subjectAltName extension");
		else if (crit >= 0)
			san_problem(c, "the subjectAltName extension cannot be decoded");
		else
			san_problem(c, "no subjectAltName extension");
		ERR_clear_error();
		return true;
	}
	for (int i = 0; ok && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		if (g->type != GEN_DIRNAME)
			continue;
		const X509_NAME *dn = g->d.directoryName;
		for (int j = 0; ok && j < X509_NAME_entry_count(dn); j++) {
			const X509_NAME_ENTRY *e = X509_NAME_get_entry(dn, j);
			const ASN1_OBJECT *o = X509_NAME_ENTRY_get_object(e);
			const ASN1_STRING *v = X509_NAME_ENTRY_get_data(e);
			if (oid_is(o, OID_TPM_MANUFACTURER))
				ok = san_attr(c, &c->manufacturer, "manufacturer", v);
			else if (oid_is(o, OID_TPM_MODEL))
				ok = san_attr(c, &c->model, "model", v);
			else if (oid_is(o, OID_TPM_VERSION))
				ok = san_attr(c, &c->version, "version", v);
		}
	}
	GENERAL_NAMES_free(gens);
	if (ok && (!c->manufacturer || !c->model || !c->version))
		san_problem(c, "the subjectAltName has no directoryName with the TPM manufacturer "
		               "(2.23.133.2.1), model (2.23.133.2.2) and version (2.23.133.2.3)");
	return ok;
}

/* d2i of a SEQUENCE or SET of ANY that must use exactly len bytes. */
static STACK_OF(ASN1_TYPE) *any_list(const unsigned char *p, long len, bool set)
{
	const unsigned char *q = p;
	STACK_OF(ASN1_TYPE) *s = set ? d2i_ASN1_SET_ANY(NULL, &q, len)
	                             : d2i_ASN1_SEQUENCE_ANY(NULL, &q, len);
	if (s && q != p + len) {
		sk_ASN1_TYPE_pop_free(s, ASN1_TYPE_free);
		s = NULL;
	}
	return s;
}

static STACK_OF(ASN1_TYPE) *any_list_of(const ASN1_TYPE *t, int type)
{
	if (!t || ASN1_TYPE_get(t) != type)
		return NULL;
	const ASN1_STRING *s = type == V_ASN1_SEQUENCE ? t->value.sequence : t->value.set;
	return any_list(ASN1_STRING_get0_data(s), ASN1_STRING_length(s), type == V_ASN1_SET);
}

static bool int_value(const ASN1_TYPE *t, long *v)
{
	int64_t x;
	if (!t || ASN1_TYPE_get(t) != V_ASN1_INTEGER || !ASN1_INTEGER_get_int64(&x, t->value.integer))
		return false;
	if (x < 0 || x > LONG_MAX)
		return false;
	*v = (long)x;
	return true;
}

/*
 * subjectDirectoryAttributes ::= SEQUENCE OF Attribute; the one we read is
 * tcg-at-tpmSpecification ::= SEQUENCE { family UTF8String, level INTEGER,
 * revision INTEGER }. Sets spec_bad when the extension cannot be read.
 */
static bool decode_sda(tcg_ekcert *c)
{
	int idx = X509_get_ext_by_NID(c->x, NID_subject_directory_attributes, -1);
	STACK_OF(ASN1_TYPE) *attrs;
	bool ok = true;

	if (idx < 0)
		return true;
	if (X509_get_ext_by_NID(c->x, NID_subject_directory_attributes, idx) >= 0) {
		c->spec_bad = true;
		return true;
	}
	const ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(X509_get_ext(c->x, idx));
	attrs = any_list(ASN1_STRING_get0_data(os), ASN1_STRING_length(os), false);
	if (!attrs) {
		c->spec_bad = true;
		ERR_clear_error();
		return true;
	}
	for (int i = 0; ok && !c->spec_bad && i < sk_ASN1_TYPE_num(attrs); i++) {
		STACK_OF(ASN1_TYPE) *attr = any_list_of(sk_ASN1_TYPE_value(attrs, i), V_ASN1_SEQUENCE);
		STACK_OF(ASN1_TYPE) *vals = NULL, *spec = NULL;
		const ASN1_TYPE *type;
		if (!attr || sk_ASN1_TYPE_num(attr) != 2 ||
		    ASN1_TYPE_get(type = sk_ASN1_TYPE_value(attr, 0)) != V_ASN1_OBJECT ||
		    !(vals = any_list_of(sk_ASN1_TYPE_value(attr, 1), V_ASN1_SET)) ||
		    sk_ASN1_TYPE_num(vals) < 1) {
			c->spec_bad = true;
		} else if (oid_is(type->value.object, OID_TPM_SPECIFICATION)) {
			const ASN1_TYPE *fam;
			if (c->has_spec || sk_ASN1_TYPE_num(vals) != 1 ||
			    !(spec = any_list_of(sk_ASN1_TYPE_value(vals, 0), V_ASN1_SEQUENCE)) ||
			    sk_ASN1_TYPE_num(spec) != 3 ||
			    ASN1_TYPE_get(fam = sk_ASN1_TYPE_value(spec, 0)) != V_ASN1_UTF8STRING ||
			    !int_value(sk_ASN1_TYPE_value(spec, 1), &c->spec_level) ||
			    !int_value(sk_ASN1_TYPE_value(spec, 2), &c->spec_revision)) {
				c->spec_bad = true;
			} else {
				const ASN1_STRING *f = fam->value.utf8string;
				int n = ASN1_STRING_length(f);
				const unsigned char *fp = ASN1_STRING_get0_data(f);
				if (n < 0 || (n > 0 && memchr(fp, '\0', (size_t)n)))
					c->spec_bad = true;
				else if (!(c->spec_family = dup_bytes(fp, (size_t)n)))
					ok = false;
				else
					c->has_spec = true;
			}
		}
		sk_ASN1_TYPE_pop_free(spec, ASN1_TYPE_free);
		sk_ASN1_TYPE_pop_free(vals, ASN1_TYPE_free);
		sk_ASN1_TYPE_pop_free(attr, ASN1_TYPE_free);
	}
	sk_ASN1_TYPE_pop_free(attrs, ASN1_TYPE_free);
	if (c->spec_bad) {
		c->has_spec = false;
		free(c->spec_family);
		c->spec_family = NULL;
	}
	ERR_clear_error();
	return ok;
}

static bool decode_key(tcg_ekcert *c)
{
	EVP_PKEY *k = X509_get0_pubkey(c->x);
	size_t n = 0;
	ERR_clear_error();
	if (!k)
		return true;
	c->key_bits = EVP_PKEY_get_bits(k) > 0 ? (unsigned)EVP_PKEY_get_bits(k) : 0;
	if (EVP_PKEY_is_a(k, "RSA")) {
		c->key_type = "rsa";
	} else if (EVP_PKEY_is_a(k, "EC")) {
		c->key_type = "ecc";
		if (!EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, c->curve,
		                                    sizeof c->curve, &n))
			snprintf(c->curve, sizeof c->curve, "unknown");
	}
	ERR_clear_error();
	return true;
}

static tcg_rc decode(tcg_ekcert *c, tcg_err *err)
{
	const ASN1_INTEGER *sn = X509_get0_serialNumber(c->x);
	BIGNUM *bn = sn ? ASN1_INTEGER_to_BN(sn, NULL) : NULL;
	char *hex = bn ? BN_bn2hex(bn) : NULL;

	if (hex)
		c->serial = dup_bytes(hex, strlen(hex));
	OPENSSL_free(hex);
	BN_free(bn);
	c->subject = name_text(X509_get_subject_name(c->x));
	c->issuer = name_text(X509_get_issuer_name(c->x));
	if (!c->serial || !c->subject || !c->issuer)
		return NOMEM();
	time_text(X509_get0_notBefore(c->x), c->not_before);
	time_text(X509_get0_notAfter(c->x), c->not_after);
	if (!decode_key(c) || !decode_san(c) || !decode_sda(c))
		return NOMEM();
	ERR_clear_error();
	return TCG_OK;
}

/* --- finding the certificate in NV bytes ----------------------------------- */

/*
 * The certificate's outer TLV in b: its length including the header, through
 * OpenSSL's DER header reader. base is the offset of b for messages.
 */
static tcg_rc outer_length(const tcg_buf *b, size_t *total, tcg_err *err)
{
	const unsigned char *start, *p;
	long clen = 0;
	int tag = 0, xclass = 0, r;
	size_t avail = tcg_buf_left(b);

	if (!avail || !tcg_buf_peek(b, 1, &start))
		return FMT("ekcert-truncated", tcg_buf_offset(b), "no certificate bytes");
	if (start[0] != 0x30)
		return FMT("ekcert-parse", tcg_buf_offset(b),
		           "not a certificate: expected a DER SEQUENCE (0x30), found 0x%02x", start[0]);
	p = start;
	ERR_clear_error();
	r = ASN1_get_object(&p, &clen, &tag, &xclass, avail > LONG_MAX ? LONG_MAX : (long)avail);
	if (r & 0x80) {
		unsigned long e = ERR_peek_last_error();
		ERR_clear_error();
		if (ERR_GET_REASON(e) == ASN1_R_TOO_LONG && clen >= 0)
			return FMT("ekcert-truncated", tcg_buf_offset(b),
			           "the certificate declares %ld content bytes, %zu bytes are left", clen,
			           avail - (size_t)(p - start));
		return FMT("ekcert-truncated", tcg_buf_offset(b),
		           "the certificate's DER header is cut short or malformed");
	}
	if (r == 0x21)
		return FMT("ekcert-parse", tcg_buf_offset(b),
		           "indefinite-length encoding: a certificate is DER");
	if (tag != V_ASN1_SEQUENCE || xclass != V_ASN1_UNIVERSAL || !(r & V_ASN1_CONSTRUCTED))
		return FMT("ekcert-parse", tcg_buf_offset(b), "not a certificate: no DER SEQUENCE");
	*total = (size_t)(p - start) + (size_t)clen;
	return TCG_OK;
}

/* Bytes after the certificate: padding 0x00 or 0xFF (a quirk) or refused. */
static tcg_rc trailing(tcg_ekcert *c, const tcg_buf *rest, bool allow, tcg_err *err)
{
	size_t n = tcg_buf_left(rest);
	const uint8_t *p;
	if (!n)
		return TCG_OK;
	if (!tcg_buf_peek(rest, n, &p))
		return FMT("ekcert-trailing-data", tcg_buf_offset(rest), "unreadable trailing bytes");
	uint8_t pad = p[0];
	for (size_t i = 0; i < n; i++)
		if (!allow || (pad != 0x00 && pad != 0xff) || p[i] != pad)
			return FMT("ekcert-trailing-data", tcg_buf_offset(rest) + i,
			           "%zu bytes after the certificate are not NV padding (0x00 or 0xFF "
			           "throughout): byte 0x%02x",
			           n, p[i]);
	c->quirks |= TCG_EKCERT_QUIRK_NV_PADDING;
	snprintf(c->padding_detail, sizeof c->padding_detail,
	         "%zu bytes of 0x%02x after the certificate (offset %llu)", n, pad,
	         (unsigned long long)tcg_buf_offset(rest));
	return TCG_OK;
}

static tcg_rc load_x509(tcg_ekcert *c, const uint8_t *p, size_t n, uint64_t off, tcg_err *err)
{
	ERR_clear_error();
	/* A device sends the same certificate with every boot data: parsed once (certcache.h). */
	c->x = tcg_x509_parse(p, n, NULL);
	if (!c->x) {
		ERR_clear_error();
		return FMT("ekcert-parse", off, "the DER SEQUENCE of %zu bytes is not an X.509 "
		                                "certificate", n);
	}
	c->der = malloc(n);
	if (!c->der)
		return NOMEM();
	memcpy(c->der, p, n);
	c->der_len = n;
	return TCG_OK;
}

/* DER as an NV index holds it; the quirks only when nv is true (not inside PEM). */
static tcg_rc parse_der(tcg_ekcert *c, const uint8_t *data, size_t len, bool nv, tcg_err *err)
{
	tcg_buf b = tcg_buf_init(data, len), body;
	const uint8_t *h, *cert;
	size_t total;
	tcg_rc rc;

	if (nv && tcg_buf_peek(&b, 3, &h) && h[0] == 0x10 && h[1] == 0x01 && h[2] == 0x00) {
		uint16_t declared;
		if (!tcg_buf_skip(&b, 3) || !tcg_buf_u16be(&b, &declared))
			return FMT("ekcert-nv-header", 0, "the NV header 10 01 00 is cut short");
		if (!tcg_buf_sub(&b, declared, &body))
			return FMT("ekcert-nv-header", 3,
			           "the NV header declares %u bytes, %zu bytes follow it", declared,
			           tcg_buf_left(&b));
		/* A TCG_FULL_CERT tag (0x1002) may open the stored certificate. */
		bool full = tcg_buf_peek(&body, 2, &h) && h[0] == 0x10 && h[1] == 0x02;
		if (full)
			tcg_buf_skip(&body, 2);
		if ((rc = outer_length(&body, &total, err)))
			return rc;
		if (total != tcg_buf_left(&body))
			return FMT("ekcert-nv-header", 3,
			           "the NV header declares %u bytes, the certificate in it is %zu "
			           "bytes",
			           declared, total + (full ? 2u : 0u));
		c->quirks |= TCG_EKCERT_QUIRK_NV_HEADER;
		snprintf(c->header_detail, sizeof c->header_detail,
		         "TPM 1.2 stored-certificate header 10 01 00 %02x %02x%s before the DER",
		         declared >> 8, declared & 0xff, full ? " and the full-cert tag 10 02" : "");
		if (!tcg_buf_bytes(&body, total, &cert))
			return FMT("ekcert-truncated", tcg_buf_offset(&body), "cut short");
		if ((rc = load_x509(c, cert, total, tcg_buf_offset(&body) - total, err)))
			return rc;
		return trailing(c, &b, true, err);
	}
	if ((rc = outer_length(&b, &total, err)))
		return rc;
	if (!tcg_buf_bytes(&b, total, &cert))
		return FMT("ekcert-truncated", 0, "the certificate declares %zu bytes, %zu are given",
		           total, len);
	if ((rc = load_x509(c, cert, total, 0, err)))
		return rc;
	return trailing(c, &b, nv, err);
}

static bool looks_pem(const uint8_t *data, size_t len)
{
	static const char tag[] = "-----BEGIN ";
	size_t i = 0;
	while (i < len && i < 4096 && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' ||
	                                data[i] == '\n'))
		i++;
	return len - i >= sizeof tag - 1 && !memcmp(data + i, tag, sizeof tag - 1);
}

/*
 * Exactly one PEM CERTIFICATE block. Calls found(der, len, arg) for each
 * block when many is true (trust files), else requires exactly one.
 */
typedef tcg_rc (*pem_cb)(const uint8_t *der, size_t len, void *arg, tcg_err *err);

/* rule: what a malformed PEM input is refused as (the caller's name for it). */
static tcg_rc pem_blocks(const char *rule, const uint8_t *data, size_t len, bool many,
                         pem_cb found, void *arg, size_t *count, tcg_err *err)
{
	BIO *bio = BIO_new_mem_buf(data, (int)len);
	tcg_rc rc = TCG_OK;
	*count = 0;
	if (!bio)
		return NOMEM();
	ERR_clear_error();
	for (;;) {
		char *name = NULL, *header = NULL;
		unsigned char *der = NULL;
		long dlen = 0;
		if (!PEM_read_bio(bio, &name, &header, &der, &dlen)) {
			unsigned long e = ERR_peek_last_error();
			ERR_clear_error();
			if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)
				break; /* no further block */
			rc = FMT(rule, TCG_NO_OFFSET, "a PEM block cannot be decoded");
			break;
		}
		bool is_cert = !strcmp(name, PEM_STRING_X509) || !strcmp(name, PEM_STRING_X509_OLD);
		if (is_cert && !many && *count) {
			rc = FMT(rule, TCG_NO_OFFSET, "more than one certificate in the PEM input");
		} else if (is_cert && dlen >= 0) {
			++*count;
			rc = found(der, (size_t)dlen, arg, err);
		} else if (!many) {
			rc = FMT(rule, TCG_NO_OFFSET, "a PEM block of type \"%.40s\", not a "
			                                      "CERTIFICATE", name);
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(der);
		if (rc)
			break;
	}
	BIO_free(bio);
	return rc;
}

static tcg_rc pem_found_ek(const uint8_t *der, size_t len, void *arg, tcg_err *err)
{
	return parse_der(arg, der, len, false, err);
}

tcg_rc tcg_ekcert_parse(const uint8_t *data, size_t len, tcg_ekcert **out, tcg_err *err)
{
	tcg_ekcert *c;
	tcg_rc rc;
	size_t n;

	*out = NULL;
	if (!len)
		return FMT("ekcert-empty", TCG_NO_OFFSET, "no certificate: the input is empty");
	if (len > TCG_EKCERT_MAX_SIZE)
		return FMT("ekcert-size-cap", TCG_NO_OFFSET, "%zu bytes, over the cap of %u", len,
		           TCG_EKCERT_MAX_SIZE);
	if (!(c = calloc(1, sizeof *c)))
		return NOMEM();
	c->san_crit = -1;
	if (looks_pem(data, len)) {
		rc = pem_blocks("ekcert-pem", data, len, false, pem_found_ek, c, &n, err);
		if (!rc && !n)
			rc = FMT("ekcert-pem", TCG_NO_OFFSET, "no CERTIFICATE block in the PEM input");
	} else {
		rc = parse_der(c, data, len, true, err);
	}
	if (!rc)
		rc = decode(c, err);
	ERR_clear_error();
	if (rc) {
		tcg_ekcert_free(c);
		return rc;
	}
	*out = c;
	return TCG_OK;
}

void tcg_ekcert_free(tcg_ekcert *c)
{
	if (!c)
		return;
	X509_free(c->x);
	free(c->der);
	free(c->subject);
	free(c->issuer);
	free(c->serial);
	free(c->manufacturer);
	free(c->model);
	free(c->version);
	free(c->spec_family);
	free(c);
}

/* --- accessors ---------------------------------------------------------------- */

unsigned tcg_ekcert_quirks(const tcg_ekcert *c) { return c->quirks; }

const char *tcg_ekcert_quirk_name(unsigned quirk)
{
	switch (quirk) {
	case TCG_EKCERT_QUIRK_NV_PADDING:
		return "nv-padding";
	case TCG_EKCERT_QUIRK_NV_HEADER:
		return "nv-header";
	default:
		return "unknown";
	}
}

const char *tcg_ekcert_quirk_detail(const tcg_ekcert *c, unsigned quirk)
{
	if (!(c->quirks & quirk))
		return NULL;
	return quirk == TCG_EKCERT_QUIRK_NV_PADDING ? c->padding_detail
	     : quirk == TCG_EKCERT_QUIRK_NV_HEADER  ? c->header_detail
	                                            : NULL;
}

const char *tcg_ekcert_manufacturer(const tcg_ekcert *c) { return c->manufacturer; }
const char *tcg_ekcert_model(const tcg_ekcert *c) { return c->model; }
const char *tcg_ekcert_version(const tcg_ekcert *c) { return c->version; }
bool tcg_ekcert_manufacturer_id(const tcg_ekcert *c, uint32_t *id)
{
	return parse_id(c->manufacturer, id);
}
bool tcg_ekcert_version_id(const tcg_ekcert *c, uint32_t *version)
{
	return parse_id(c->version, version);
}

bool tcg_ekcert_tpm_spec(const tcg_ekcert *c, const char **family, long *level, long *revision)
{
	if (!c->has_spec)
		return false;
	*family = c->spec_family;
	*level = c->spec_level;
	*revision = c->spec_revision;
	return true;
}

const char *tcg_ekcert_subject(const tcg_ekcert *c) { return c->subject; }
const char *tcg_ekcert_issuer(const tcg_ekcert *c) { return c->issuer; }
const char *tcg_ekcert_serial(const tcg_ekcert *c) { return c->serial; }
const char *tcg_ekcert_not_before(const tcg_ekcert *c) { return c->not_before; }
const char *tcg_ekcert_not_after(const tcg_ekcert *c) { return c->not_after; }
const char *tcg_ekcert_key_type(const tcg_ekcert *c) { return c->key_type; }
unsigned tcg_ekcert_key_bits(const tcg_ekcert *c) { return c->key_bits; }
const char *tcg_ekcert_key_curve(const tcg_ekcert *c)
{
	return c->key_type && !strcmp(c->key_type, "ecc") ? c->curve : NULL;
}
const uint8_t *tcg_ekcert_der(const tcg_ekcert *c, size_t *len)
{
	*len = c->der_len;
	return c->der;
}

/* --- trust anchors and intermediates --------------------------------------------- */

tcg_ekcert_trust *tcg_ekcert_trust_new(void)
{
	tcg_ekcert_trust *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	if (pthread_mutex_init(&t->lock, NULL)) {
		free(t);
		return NULL;
	}
	t->store = X509_STORE_new();
	t->untrusted = sk_X509_new_null();
	if (!t->store || !t->untrusted) {
		tcg_ekcert_trust_free(t);
		return NULL;
	}
	return t;
}

static void verdict_drop(struct chain_verdict *v)
{
	free(v->der);
	sk_X509_pop_free(v->chain, X509_free);
	free(v->text);
	memset(v, 0, sizeof *v);
}

/* Every remembered chain: the anchors or intermediates are about to change. */
static void verdicts_forget(tcg_ekcert_trust *t)
{
	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < CHAIN_VERDICTS; i++)
		verdict_drop(&t->verdict[i]);
	pthread_mutex_unlock(&t->lock);
}

void tcg_ekcert_trust_free(tcg_ekcert_trust *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < CHAIN_VERDICTS; i++)
		verdict_drop(&t->verdict[i]);
	pthread_mutex_destroy(&t->lock);
	X509_STORE_free(t->store);
	sk_X509_pop_free(t->untrusted, X509_free);
	free(t);
}

uint64_t tcg_ekcert_trust_chain_hits(const tcg_ekcert_trust *t)
{
	tcg_ekcert_trust *m = (tcg_ekcert_trust *)t;
	pthread_mutex_lock(&m->lock);
	uint64_t n = m->chain_hits;
	pthread_mutex_unlock(&m->lock);
	return n;
}

struct add_ctx {
	tcg_ekcert_trust *t;
	bool anchor;
	size_t added;
};

static tcg_rc add_der(const uint8_t *der, size_t len, void *arg, tcg_err *err)
{
	struct add_ctx *a = arg;
	const unsigned char *q = der;
	X509 *x = len <= LONG_MAX ? d2i_X509(NULL, &q, (long)len) : NULL;
	int ok;

	if (!x || q != der + len) {
		X509_free(x);
		ERR_clear_error();
		return FMT("ekcert-ca-parse", TCG_NO_OFFSET,
		           "a %s certificate of %zu bytes cannot be parsed",
		           a->anchor ? "CA" : "intermediate", len);
	}
	verdicts_forget(a->t);
	if (a->anchor) {
		ok = X509_STORE_add_cert(a->t->store, x);
		X509_free(x);
		if (ok)
			a->t->num_ca++;
	} else {
		ok = sk_X509_push(a->t->untrusted, x) > 0;
		if (!ok)
			X509_free(x);
	}
	ERR_clear_error();
	if (!ok)
		return NOMEM();
	a->added++;
	return TCG_OK;
}

static tcg_rc add_data(tcg_ekcert_trust *t, const uint8_t *data, size_t len, bool anchor,
                       tcg_err *err)
{
	struct add_ctx a = { t, anchor, 0 };
	size_t n;
	tcg_rc rc;
	if (!len)
		return FMT("ekcert-ca-parse", TCG_NO_OFFSET, "empty certificate file");
	if (looks_pem(data, len)) {
		if ((rc = pem_blocks("ekcert-ca-parse", data, len, true, add_der, &a, &n, err)))
			return rc;
		if (!n)
			return FMT("ekcert-ca-parse", TCG_NO_OFFSET, "no CERTIFICATE block in the PEM file");
		return TCG_OK;
	}
	return add_der(data, len, &a, err);
}

tcg_rc tcg_ekcert_trust_add_ca_data(tcg_ekcert_trust *t, const uint8_t *data, size_t len,
                                    tcg_err *err)
{
	return add_data(t, data, len, true, err);
}

tcg_rc tcg_ekcert_trust_add_untrusted_data(tcg_ekcert_trust *t, const uint8_t *data,
                                           size_t len, tcg_err *err)
{
	return add_data(t, data, len, false, err);
}

/* 1 MiB: a bundle of every vendor's roots fits many times over. */
#define TRUST_FILE_CAP (1u << 20)

static tcg_rc add_file(tcg_ekcert_trust *t, const char *path, bool anchor, tcg_err *err)
{
	uint8_t *data;
	size_t len;
	tcg_rc rc = tcg_read_file(path, TRUST_FILE_CAP, &data, &len, NULL, err);
	if (rc)
		return rc;
	rc = add_data(t, data, len, anchor, err);
	free(data);
	return rc;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory of anchors: every regular file that holds certificates, in name order. */
static tcg_rc add_dir(tcg_ekcert_trust *t, const char *path, tcg_err *err)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, before = t->num_ca;
	tcg_rc rc = TCG_OK;

	if (!d)
		return tcg_err_set(err, TCG_E_IO, "open", TCG_NO_OFFSET, TCG_NO_EVENT, "%s",
		                   strerror(errno));
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			char **nn = nc < 65536 ? realloc(names, nc * sizeof *names) : NULL;
			if (!nn) {
				rc = nc < 65536 ? NOMEM()
				                : FMT("ekcert-ca-parse", TCG_NO_OFFSET,
				                      "too many files in the directory");
				goto out;
			}
			names = nn;
			cap = nc;
		}
		if (!(names[n] = dup_bytes(de->d_name, strlen(de->d_name)))) {
			rc = NOMEM();
			goto out;
		}
		n++;
	}
	if (n)
		qsort(names, n, sizeof *names, name_cmp);
	for (size_t i = 0; i < n; i++) {
		char file[PATH_MAX];
		struct stat st;
		tcg_err ignored;
		if ((size_t)snprintf(file, sizeof file, "%s/%s", path, names[i]) >= sizeof file)
			continue;
		if (stat(file, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		tcg_err_clear(&ignored);
		rc = add_file(t, file, true, &ignored);
		if (rc == TCG_E_NOMEM) {
			rc = NOMEM();
			goto out;
		}
		rc = TCG_OK; /* not a certificate file: skipped */
	}
	if (t->num_ca == before)
		rc = FMT("ekcert-ca-empty", TCG_NO_OFFSET, "no certificate in the directory");
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

tcg_rc tcg_ekcert_trust_add_ca(tcg_ekcert_trust *t, const char *path, tcg_err *err)
{
	struct stat st;
	if (strcmp(path, "-") && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return add_dir(t, path, err);
	return add_file(t, path, true, err);
}

tcg_rc tcg_ekcert_trust_add_untrusted(tcg_ekcert_trust *t, const char *path, tcg_err *err)
{
	return add_file(t, path, false, err);
}

/* --- findings ------------------------------------------------------------------------ */

void tcg_ekcert_result_init(tcg_ekcert_result *res)
{
	memset(res, 0, sizeof *res);
}

static void finding(tcg_ekcert_result *res, bool warning, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void finding(tcg_ekcert_result *res, bool warning, const char *rule, const char *fmt, ...)
{
	va_list ap;
	if (res->num_findings < TCG_EKCERT_MAX_FINDINGS) {
		tcg_ekcert_finding *f = &res->finding[res->num_findings];
		f->rc = TCG_E_MISMATCH;
		f->warning = warning;
		snprintf(f->rule, sizeof f->rule, "%s", rule);
		va_start(ap, fmt);
		vsnprintf(f->msg, sizeof f->msg, fmt, ap);
		va_end(ap);
	}
	res->num_findings++;
}

/* --- the TCG EK credential profile ----------------------------------------------------- */

static void check_eku(const tcg_ekcert *c, bool w, tcg_ekcert_result *res)
{
	int crit = -1;
	EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(c->x, NID_ext_key_usage, &crit, NULL);
	bool found = false;
	if (!eku) {
		ERR_clear_error();
		finding(res, w, "ekcert-eku", "%s",
		        crit == -1   ? "no extendedKeyUsage extension (needs tcg-kp-EKCertificate "
		                       "2.23.133.8.1)"
		        : crit == -2 ? "more than one extendedKeyUsage extension"
		                     : "the extendedKeyUsage extension cannot be decoded");
		return;
	}
	for (int i = 0; i < sk_ASN1_OBJECT_num(eku); i++)
		if (oid_is(sk_ASN1_OBJECT_value(eku, i), OID_EK_CERTIFICATE))
			found = true;
	EXTENDED_KEY_USAGE_free(eku);
	if (!found)
		finding(res, w, "ekcert-eku",
		        "extendedKeyUsage lacks tcg-kp-EKCertificate (2.23.133.8.1)");
}

static void check_key_usage(const tcg_ekcert *c, bool w, tcg_ekcert_result *res)
{
	int crit = -1;
	ASN1_BIT_STRING *ku = X509_get_ext_d2i(c->x, NID_key_usage, &crit, NULL);
	bool rsa = c->key_type && !strcmp(c->key_type, "rsa");
	int bit = rsa ? 2 : 4; /* keyEncipherment (2) for RSA, keyAgreement (4) for ECC */
	if (!ku) {
		ERR_clear_error();
		finding(res, w, "ekcert-key-usage", "%s",
		        crit == -1   ? "no keyUsage extension"
		        : crit == -2 ? "more than one keyUsage extension"
		                     : "the keyUsage extension cannot be decoded");
		return;
	}
	if (!crit)
		finding(res, w, "ekcert-key-usage", "keyUsage is not marked critical");
	if (!ASN1_BIT_STRING_get_bit(ku, bit))
		finding(res, w, "ekcert-key-usage", "keyUsage lacks %s, which an %s EK needs",
		        rsa ? "keyEncipherment" : "keyAgreement", rsa ? "RSA" : "ECC");
	ASN1_BIT_STRING_free(ku);
}

static void check_basic_constraints(const tcg_ekcert *c, bool w, tcg_ekcert_result *res)
{
	int crit = -1;
	BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(c->x, NID_basic_constraints, &crit, NULL);
	if (!bc) {
		ERR_clear_error();
		if (crit != -1)
			finding(res, w, "ekcert-basic-constraints", "%s",
			        crit == -2 ? "more than one basicConstraints extension"
			                   : "the basicConstraints extension cannot be decoded");
		return;
	}
	if (bc->ca)
		finding(res, w, "ekcert-basic-constraints",
		        "basicConstraints says CA:TRUE; an EK certificate is no CA");
	BASIC_CONSTRAINTS_free(bc);
}

static void check_san(const tcg_ekcert *c, bool w, tcg_ekcert_result *res)
{
	uint32_t id;
	if (c->san_problem[0]) {
		finding(res, w, "ekcert-san", "%s", c->san_problem);
		return;
	}
	if (!parse_id(c->manufacturer, &id))
		finding(res, w, "ekcert-san",
		        "the TPM manufacturer is not \"id:\" and 8 hex digits (a TCG vendor ID)");
	if (X509_NAME_entry_count(X509_get_subject_name(c->x)) == 0 && c->san_crit != 1)
		finding(res, w, "ekcert-san", "the subject is empty and subjectAltName is not critical");
}

void tcg_ekcert_check_profile(const tcg_ekcert *c, unsigned flags, tcg_ekcert_result *res)
{
	bool w = flags & TCG_EKCERT_LENIENT;
	const ASN1_INTEGER *sn = X509_get0_serialNumber(c->x);

	/* Not a profile matter: a key we cannot use is no EK. */
	if (!c->key_type)
		finding(res, false, "ekcert-key-type",
		        "the certificate's key is neither RSA nor EC (or cannot be decoded)");
	if (X509_get_version(c->x) != X509_VERSION_3)
		finding(res, w, "ekcert-version", "X.509 version %ld; the profile requires version 3",
		        X509_get_version(c->x) + 1);
	if (!sn || ASN1_STRING_type(sn) == V_ASN1_NEG_INTEGER || ASN1_STRING_length(sn) == 0 ||
	    (ASN1_STRING_length(sn) == 1 && ASN1_STRING_get0_data(sn)[0] == 0))
		finding(res, w, "ekcert-serial", "the serial number is not a positive integer");
	if (X509_NAME_entry_count(X509_get_issuer_name(c->x)) == 0)
		finding(res, w, "ekcert-issuer", "the issuer name is empty");
	check_eku(c, w, res);
	if (c->key_type)
		check_key_usage(c, w, res);
	check_basic_constraints(c, w, res);
	check_san(c, w, res);
}

/* --- the chain ----------------------------------------------------------------------------- */

struct verify_state {
	const tcg_ekcert *c;
	char unhandled[80]; /* the critical extension that neither OpenSSL nor we handle */
};

/*
 * Critical extensions that OpenSSL does not know but this module reads
 * itself: subjectDirectoryAttributes (when its tpmSpecification decoded).
 * The subjectAltName with the TPM's directoryName is one OpenSSL handles.
 */
static int verify_cb(int ok, X509_STORE_CTX *ctx)
{
	struct verify_state *st = X509_STORE_CTX_get_app_data(ctx);
	if (ok || X509_STORE_CTX_get_error(ctx) != X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION || !st)
		return ok;
	X509 *x = X509_STORE_CTX_get_current_cert(ctx);
	bool leaf = X509_STORE_CTX_get_error_depth(ctx) == 0 && x == st->c->x;
	for (int i = 0; i < X509_get_ext_count(x); i++) {
		X509_EXTENSION *e = X509_get_ext(x, i);
		if (!X509_EXTENSION_get_critical(e) || X509_supported_extension(e))
			continue;
		int nid = OBJ_obj2nid(X509_EXTENSION_get_object(e));
		if (leaf && nid == NID_subject_directory_attributes && !st->c->spec_bad)
			continue;
		oid_text(X509_EXTENSION_get_object(e), st->unhandled, sizeof st->unhandled);
		return 0;
	}
	return 1;
}

/*
 * Chains that verified, remembered per trust (issue #12): a device sends the
 * same EK certificate with every boot data, and building and checking its
 * chain (an RSA verify per certificate) cost more than every other check of
 * the certificate. Answering "the chain verifies" from memory is sound
 * because:
 * - only a success is kept, and only for the same certificate: the DER the
 *   leaf was parsed from, compared byte for byte. The verify callback's one
 *   input besides the chain, the leaf's spec_bad, is decoded from those bytes;
 * - the other inputs are this trust's anchors and intermediates, which change
 *   only through add_der, and that forgets every verdict; the verify flags are
 *   constants of this file, and the store has no CRLs or lookup directories;
 * - time is checked again on every use: each certificate of the remembered
 *   chain must be within its validity at `at`, by X509_cmp_time as
 *   X509_verify_cert checks it; if one is not, the chain is built and verified
 *   afresh, which finds what it would have found without the memo (expired,
 *   not yet valid). Signatures, names, extensions and path lengths do not
 *   depend on the time, so a chain that verified then and is within its dates
 *   now verifies now. (At another time OpenSSL may prefer another issuer of
 *   the same name; the chain remembered still proves the certificate.)
 * Failures are never kept: each is found again with its own message. The
 * profile and key checks are not part of this and run every time.
 */
static bool chain_in_time(STACK_OF(X509) *chain, time_t at)
{
	time_t now = at ? at : time(NULL);
	for (int i = 0; i < sk_X509_num(chain); i++) {
		X509 *x = sk_X509_value(chain, i);
		if (X509_cmp_time(X509_get0_notBefore(x), &now) != -1 ||
		    X509_cmp_time(X509_get0_notAfter(x), &now) != 1)
			return false;
	}
	return true;
}

static bool chain_cached(const tcg_ekcert *c, const tcg_ekcert_trust *ct, time_t at,
                         tcg_ekcert_result *res)
{
	tcg_ekcert_trust *t = (tcg_ekcert_trust *)ct;
	bool hit = false;
	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < CHAIN_VERDICTS && !hit; i++) {
		const struct chain_verdict *v = &t->verdict[i];
		if (!v->der || v->der_len != c->der_len || memcmp(v->der, c->der, c->der_len) ||
		    !chain_in_time(v->chain, at))
			continue;
		for (size_t k = 0; k < v->chain_len && res->chain_len < TCG_EKCERT_MAX_CHAIN; k++)
			memcpy(res->chain[res->chain_len++], v->text[k], sizeof res->chain[0]);
		t->chain_hits++;
		hit = true;
	}
	pthread_mutex_unlock(&t->lock);
	ERR_clear_error();
	return hit;
}

/* A chain that verified, for chain_cached; nothing is kept when memory runs out. */
static void chain_remember(const tcg_ekcert *c, const tcg_ekcert_trust *ct, X509_STORE_CTX *ctx,
                           const tcg_ekcert_result *res, size_t first)
{
	tcg_ekcert_trust *t = (tcg_ekcert_trust *)ct;
	struct chain_verdict v = { 0 };
	v.chain_len = res->chain_len - first;
	if (!(v.der = malloc(c->der_len)) || !(v.chain = X509_STORE_CTX_get1_chain(ctx)) ||
	    !(v.text = malloc((v.chain_len ? v.chain_len : 1) * sizeof *v.text))) {
		verdict_drop(&v);
		ERR_clear_error();
		return;
	}
	memcpy(v.der, c->der, c->der_len);
	v.der_len = c->der_len;
	memcpy(v.text, res->chain[first], v.chain_len * sizeof *v.text);
	pthread_mutex_lock(&t->lock);
	verdict_drop(&t->verdict[t->next_verdict]);
	t->verdict[t->next_verdict] = v;
	t->next_verdict = (t->next_verdict + 1) % CHAIN_VERDICTS;
	pthread_mutex_unlock(&t->lock);
}

tcg_rc tcg_ekcert_check_chain(const tcg_ekcert *c, const tcg_ekcert_trust *t, time_t at,
                              tcg_ekcert_result *res, tcg_err *err)
{
	X509_STORE_CTX *ctx;
	struct verify_state st = { c, "" };
	tcg_rc rc = TCG_OK;
	size_t first = res->chain_len;
	int ok;

	if (!t || !t->num_ca) {
		finding(res, false, "ekcert-chain", "no trust anchor given");
		return TCG_OK;
	}
	if (chain_cached(c, t, at, res))
		return TCG_OK;
	if (!(ctx = X509_STORE_CTX_new()))
		return NOMEM();
	if (!X509_STORE_CTX_init(ctx, t->store, c->x, t->untrusted) ||
	    !X509_STORE_CTX_set_app_data(ctx, &st)) {
		rc = NOMEM();
		goto out;
	}
	X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(ctx);
	/* Anchors as given; validity times checked; no purpose (EKs have their own EKU). */
	X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_PARTIAL_CHAIN);
	if (at)
		X509_STORE_CTX_set_time(ctx, 0, at);
	X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
	ok = X509_verify_cert(ctx);

	STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
	for (int i = 0; chain && i < sk_X509_num(chain); i++) {
		char *s = name_text(X509_get_subject_name(sk_X509_value(chain, i)));
		if (res->chain_len < TCG_EKCERT_MAX_CHAIN)
			snprintf(res->chain[res->chain_len++], sizeof res->chain[0], "%s",
			         s ? s : "?");
		free(s);
	}
	if (ok != 1) {
		int e = X509_STORE_CTX_get_error(ctx), depth = X509_STORE_CTX_get_error_depth(ctx);
		X509 *bad = X509_STORE_CTX_get_current_cert(ctx);
		char *who = bad ? name_text(X509_get_subject_name(bad)) : NULL;
		char when[80] = "?";
		const char *rule = e == X509_V_ERR_CERT_HAS_EXPIRED         ? "ekcert-expired"
		                 : e == X509_V_ERR_CERT_NOT_YET_VALID        ? "ekcert-not-yet-valid"
		                 : e == X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION ? "ekcert-critical-ext"
		                                                                : "ekcert-chain";
		if (bad && e == X509_V_ERR_CERT_HAS_EXPIRED)
			time_text(X509_get0_notAfter(bad), when);
		else if (bad && e == X509_V_ERR_CERT_NOT_YET_VALID)
			time_text(X509_get0_notBefore(bad), when);
		if (e == X509_V_ERR_CERT_HAS_EXPIRED)
			finding(res, false, rule, "certificate %d in the chain (%s) expired on %s", depth,
			        who ? who : "?", when);
		else if (e == X509_V_ERR_CERT_NOT_YET_VALID)
			finding(res, false, rule, "certificate %d in the chain (%s) is not valid before %s",
			        depth, who ? who : "?", when);
		else if (e == X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION)
			finding(res, false, rule,
			        "certificate %d in the chain (%s) has a critical extension %s that "
			        "is not checked",
			        depth, who ? who : "?", st.unhandled[0] ? st.unhandled : "?");
		else
			finding(res, false, rule, "certificate %d in the chain (%s): %s", depth,
			        who ? who : "?", X509_verify_cert_error_string(e));
		free(who);
	} else {
		chain_remember(c, t, ctx, res, first);
	}
out:
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

/* --- the EK public area ---------------------------------------------------------------------- */

void tcg_ekcert_check_key(const tcg_ekcert *c, const tcg_public *ek, tcg_ekcert_result *res)
{
	EVP_PKEY *ck = X509_get0_pubkey(c->x), *pk = ek ? tcg_public_pkey(ek) : NULL;
	ERR_clear_error();
	if (!ek)
		return;
	res->key_checked = true;
	res->key_matches = ck && pk && EVP_PKEY_eq(ck, pk) == 1;
	if (!res->key_matches)
		finding(res, false, "ekcert-key-mismatch",
		        "the certificate's %s key is not the EK public area's %s key",
		        c->key_type ? c->key_type : "unknown",
		        tcg_public_type(ek) == TCG_ALG_RSA   ? "RSA"
		        : tcg_public_type(ek) == TCG_ALG_ECC ? "ECC"
		                                             : "public");
	ERR_clear_error();
}

tcg_rc tcg_ekcert_verify(const tcg_ekcert *c, const tcg_ekcert_trust *t, const tcg_public *ek,
                         unsigned flags, time_t at, tcg_ekcert_result *res, tcg_err *err)
{
	tcg_rc rc;
	tcg_ekcert_result_init(res);
	if (!c)
		return tcg_err_set(err, TCG_E_USAGE, "ekcert-usage", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "no certificate");
	if ((rc = tcg_ekcert_check_chain(c, t, at, res, err)))
		return rc;
	tcg_ekcert_check_profile(c, flags, res);
	tcg_ekcert_check_key(c, ek, res);
	size_t kept = res->num_findings < TCG_EKCERT_MAX_FINDINGS ? res->num_findings
	                                                           : TCG_EKCERT_MAX_FINDINGS;
	for (size_t i = 0; i < kept; i++)
		if (!res->finding[i].warning)
			return tcg_err_set(err, TCG_E_MISMATCH, res->finding[i].rule, TCG_NO_OFFSET,
			                   TCG_NO_EVENT, "%s", res->finding[i].msg);
	res->verified = true;
	return TCG_OK;
}

/* The manufacturer mapping: as written, and when it is an "id:" value, the
 * number, its text when the bytes are printable ASCII, and the vendor. */
static void put_manufacturer(tcg_yaml *y, const tcg_ekcert *c)
{
	uint32_t id;

	tcg_yaml_key(y, "manufacturer");
	tcg_yaml_map_start(y);
	if (tcg_ekcert_manufacturer(c))
		tcg_yaml_kv_cstr(y, "id", tcg_ekcert_manufacturer(c));
	else {
		tcg_yaml_key(y, "id");
		tcg_yaml_null(y);
	}
	if (tcg_ekcert_manufacturer_id(c, &id)) {
		char ascii[5];
		bool text = true;
		for (int i = 0; i < 4; i++) {
			unsigned ch = (id >> (24 - 8 * i)) & 0xff;
			if (ch == 0 && i > 0) {
				ascii[i] = '\0';
				continue;
			}
			text = text && ch >= 0x20 && ch < 0x7f && (i == 0 || ascii[i - 1] != '\0');
			ascii[i] = (char)ch;
		}
		ascii[4] = '\0';
		tcg_yaml_kv_hex64(y, "value", id);
		if (text)
			tcg_yaml_kv_cstr(y, "ascii", ascii);
		tcg_yaml_kv_cstr(y, "vendor", tcg_tpm_vendor_name(id) ? tcg_tpm_vendor_name(id)
		                                                     : "unknown");
	}
	tcg_yaml_map_end(y);
}

tcg_rc tcg_ekcert_result_write(const tcg_ekcert *c, const tcg_ekcert_result *r, unsigned flags,
                               tcg_out_format fmt, FILE *out, tcg_err *err)
{
	tcg_yaml *y;
	uint32_t id;
	const char *fam;
	long level, rev;
	tcg_rc rc;

	if ((rc = tcg_out_open(fmt, out, &y, err)))
		return rc;
	tcg_yaml_map_start(y);
	tcg_yaml_kv_bool(y, "verified", r->verified);
	tcg_yaml_kv_cstr(y, "profile", flags & TCG_EKCERT_LENIENT ? "lenient" : "strict");
	put_manufacturer(y, c);
	tcg_yaml_key(y, "model");
	if (tcg_ekcert_model(c))
		tcg_yaml_cstr(y, tcg_ekcert_model(c));
	else
		tcg_yaml_null(y);
	tcg_yaml_key(y, "version");
	if (tcg_ekcert_version(c))
		tcg_yaml_cstr(y, tcg_ekcert_version(c));
	else
		tcg_yaml_null(y);
	if (tcg_ekcert_version_id(c, &id))
		tcg_yaml_kv_hex64(y, "firmware-version", id);
	if (tcg_ekcert_tpm_spec(c, &fam, &level, &rev)) {
		tcg_yaml_key(y, "tpm-specification");
		tcg_yaml_map_start(y);
		tcg_yaml_kv_cstr(y, "family", fam);
		tcg_yaml_kv_u64(y, "level", (uint64_t)level);
		tcg_yaml_kv_u64(y, "revision", (uint64_t)rev);
		tcg_yaml_map_end(y);
	}

	tcg_yaml_key(y, "key");
	tcg_yaml_map_start(y);
	tcg_yaml_kv_cstr(y, "type", tcg_ekcert_key_type(c) ? tcg_ekcert_key_type(c) : "unknown");
	tcg_yaml_kv_u64(y, "bits", tcg_ekcert_key_bits(c));
	if (tcg_ekcert_key_curve(c))
		tcg_yaml_kv_cstr(y, "curve", tcg_ekcert_key_curve(c));
	tcg_yaml_kv_cstr(y, "ek-public", !r->key_checked ? "not given"
	                                 : r->key_matches ? "matches"
	                                                  : "differs");
	tcg_yaml_map_end(y);

	tcg_yaml_kv_cstr(y, "subject", tcg_ekcert_subject(c));
	tcg_yaml_kv_cstr(y, "issuer", tcg_ekcert_issuer(c));
	tcg_yaml_kv_cstr(y, "serial", tcg_ekcert_serial(c));
	tcg_yaml_key(y, "validity");
	tcg_yaml_map_start(y);
	tcg_yaml_kv_cstr(y, "not-before", tcg_ekcert_not_before(c));
	tcg_yaml_kv_cstr(y, "not-after", tcg_ekcert_not_after(c));
	tcg_yaml_map_end(y);

	tcg_yaml_key(y, "chain");
	tcg_yaml_seq_start(y);
	for (size_t i = 0; i < r->chain_len && i < TCG_EKCERT_MAX_CHAIN; i++)
		tcg_yaml_cstr(y, r->chain[i]);
	tcg_yaml_seq_end(y);

	tcg_yaml_key(y, "quirks");
	tcg_yaml_seq_start(y);
	for (unsigned q = 1; q; q <<= 1) {
		if (!(tcg_ekcert_quirks(c) & q))
			continue;
		tcg_yaml_map_start(y);
		tcg_yaml_kv_cstr(y, "name", tcg_ekcert_quirk_name(q));
		tcg_yaml_kv_cstr(y, "detail", tcg_ekcert_quirk_detail(c, q));
		tcg_yaml_map_end(y);
	}
	tcg_yaml_seq_end(y);

	/* findings beyond the capacity were counted, not kept */
	tcg_yaml_key(y, "findings");
	tcg_yaml_seq_start(y);
	size_t kept = r->num_findings < TCG_EKCERT_MAX_FINDINGS ? r->num_findings
	                                                        : TCG_EKCERT_MAX_FINDINGS;
	for (size_t i = 0; i < kept; i++) {
		tcg_yaml_map_start(y);
		tcg_yaml_kv_cstr(y, "rule", r->finding[i].rule);
		tcg_yaml_kv_cstr(y, "severity", r->finding[i].warning ? "warning" : "error");
		tcg_yaml_kv_cstr(y, "message", r->finding[i].msg);
		tcg_yaml_map_end(y);
	}
	tcg_yaml_seq_end(y);
	tcg_yaml_map_end(y);
	return tcg_yaml_finish(y, err);
}
