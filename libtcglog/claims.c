/*
 * Health facts from a verified event log: Secure Boot (PCR 7), Windows SIPA
 * (PCR 12-14), Linux boot (shim, GRUB, systemd). See doc/claims-format.md
 * and reference/dha.md §4.8 and §5.6 for the rules.
 */
#include "tcglog/claims.h"
#include "evtypes.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tcglog/binding.h"
#include "tcglog/buf.h"
#include "tcglog/digest.h"
#include "tcglog/events.h"
#include "tcglog/replay.h"
#include "tcglog/yamlout.h"

/* SIPA items (dha.md §4.3). */
#define SIPA_CONTAINER_MASK 0x000F0000u
#define SIPA_CONTAINER 0x00010000u
#define SIPA_ELAM_AGGREGATION 0x40010002u
#define SIPA_LOADEDMODULE_AGGREGATION 0x40010003u
#define SIPA_BOOTCOUNTER 0x00020002u
#define SIPA_TRANSFER_CONTROL 0x00020003u
#define SIPA_BITLOCKER_UNLOCK 0x00020005u
#define SIPA_APPLICATION_SVN 0x00020009u
#define SIPA_BOOTDEBUGGING 0x00040001u
#define SIPA_BOOT_REVOCATION_LIST 0x00040002u
#define SIPA_OSKERNELDEBUG 0x00050001u
#define SIPA_CODEINTEGRITY 0x00050002u
#define SIPA_TESTSIGNING 0x00050003u
#define SIPA_DEP 0x00050004u
#define SIPA_SAFEMODE 0x00050005u
#define SIPA_WINPE 0x00050006u
#define SIPA_HYPERVISOR_LAUNCH_TYPE 0x0005000Au
#define SIPA_SI_POLICY 0x0005000Fu
#define SIPA_VSM_LAUNCH_TYPE 0x00050012u
#define SIPA_OS_REVOCATION_LIST 0x00050013u
#define SIPA_FLIGHTSIGNING 0x00050021u
#define SIPA_SBCP_INFO 0x00050029u
#define SIPA_FILEPATH 0x00070001u
#define SIPA_HASHALGORITHMID 0x00070003u
#define SIPA_AUTHENTICODEHASH 0x00070004u
#define SIPA_AUTHORITYISSUER 0x00070005u
#define SIPA_AUTHORITYPUBLISHER 0x00070008u
#define SIPA_IMAGEVALIDATED 0x0007000Au
#define SIPA_MODULE_SVN 0x0007000Bu
#define SIPA_ELAM_KEYNAME 0x00090001u

#define MAX_PROBLEMS 256
#define MAX_VARS 64
#define MAX_MODULES 4096

static const uint8_t guid_global[16] = { 0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11,
	                                 0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c };
static const uint8_t guid_imagesec[16] = { 0xcb, 0xb2, 0x19, 0xd7, 0x3a, 0x3d, 0x96, 0x45,
	                                   0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f };
static const uint8_t guid_cert_x509[16] = { 0xa1, 0x59, 0xc0, 0xa5, 0xe4, 0x94, 0xa7, 0x4a,
	                                    0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72 };

/* A byte string pointing into the log. */
typedef struct {
	const uint8_t *p;
	size_t len;
} bytes;

/* A list of digests (Secure Boot databases, boot loader digests). */
typedef struct {
	size_t n, cap;
	struct hent {
		uint8_t len;
		uint8_t d[TCG_MAX_DIGEST];
	} *e;
} hlist;

typedef struct {
	bytes path, hash, issuer, publisher;
	uint32_t alg, svn;
	int validated; /* -1 unknown */
	bool has_alg, has_svn;
} module;

/* Unknown, false, true. */
enum { UNK = -1 };

typedef struct {
	bool any;
	int bootdebug, oskd, testsign, flight, safemode, winpe, hv, vsm, ci, dep;
	uint64_t dep_raw;
	int bitlocker;
	uint64_t bl_flags;
	bool bootcount_seen;
	uint64_t bootcount;
	int coldboot;
	bool elam;
	bool bmsvn_seen, basvn_seen;
	uint32_t bmsvn, basvn;
	int basvn_state;
	bytes cipolicy, sbcp, bootrev, osrev;
	size_t nmod;
	module *mods;
} winfacts;

typedef struct {
	bool pcr7; /* PCR 7 events were used */
	int enabled;
	bool debug, dma;
	bool sep;
	size_t nvars;
	struct {
		uint8_t guid[16];
		char name[32];
	} vars[MAX_VARS];
	hlist pk, kek, db, dbx, auth;
	bytes current_policy;
} sbfacts;

typedef struct {
	bool shim, grub, sdboot;
	hlist mok, bootloaders, moklist_digest;
	bytes sbat;
	bytes cmdline; /* ASCII (GRUB) */
	bytes cmdline16; /* UTF-16 (systemd) */
	size_t nsections;
	bytes sections[16];
} linuxfacts;

struct tcg_claims {
	const tcg_log *log;
	bool verified, strict, windows;
	const char *pcrs_source;
	uint16_t bank;
	int bidx; /* bank index in the log */
	uint32_t pcrs_ok; /* PCRs whose replay matched */
	uint32_t usable;  /* PCRs facts may come from */
	bool has_pcr0;
	uint8_t pcr0[TCG_MAX_DIGEST];
	bool has_log_sha;
	uint8_t log_sha[32];
	unsigned quirks;
	bool shim_stray_byte, sb_empty, fw_unbound;
	size_t nprob;
	tcg_err prob[MAX_PROBLEMS];
	size_t prob_dropped;
	winfacts win;
	sbfacts sb;
	linuxfacts lx;
	tcg_hasher *h;
	/* well-known digests in the chosen bank */
	uint8_t wk[8][TCG_MAX_DIGEST];
};

static const struct {
	bool separator;
	const char *s;
	size_t len;
} well_known[8] = {
	{ true, "\0\0\0\0", 4 },
	{ true, "\xff\xff\xff\xff", 4 },
	{ true, "WBCL", 4 },
	{ false, "Calling EFI Application from Boot Option", 40 },
	{ false, "Exit Boot Services Invocation", 29 },
	{ false, "UEFI Debug Mode", 15 },
	{ false, "DMA Protection Disabled", 23 },
	{ false, "Returning from EFI Application from Boot Option", 47 },
};

/* ---- small helpers ---- */

static bool hlist_add(hlist *l, const uint8_t *d, size_t len)
{
	if (len > TCG_MAX_DIGEST)
		len = TCG_MAX_DIGEST;
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 16;
		if (nc > 65536)
			return false;
		struct hent *ne = realloc(l->e, nc * sizeof *ne);
		if (!ne)
			return false;
		l->e = ne;
		l->cap = nc;
	}
	l->e[l->n].len = (uint8_t)len;
	memcpy(l->e[l->n].d, d, len);
	l->n++;
	return true;
}

static void problem(tcg_claims *c, const tcg_event *e, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void problem(tcg_claims *c, const tcg_event *e, const char *rule, const char *fmt, ...)
{
	if (c->nprob == MAX_PROBLEMS) {
		c->prob_dropped++;
		return;
	}
	tcg_err *p = &c->prob[c->nprob++];
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	tcg_err_set(p, TCG_E_MISMATCH, rule, e ? e->offset : TCG_NO_OFFSET,
	            e ? (long)e->number : TCG_NO_EVENT, "%s", msg);
}

/* UTF-16LE into lower-case ASCII ('?' for anything else), NUL-terminated. */
static void utf16_ascii(const uint8_t *p, size_t len, char *out, size_t outlen)
{
	size_t k = 0;
	for (size_t i = 0; i + 1 < len && k + 1 < outlen; i += 2) {
		uint16_t u = (uint16_t)(p[i] | p[i + 1] << 8);
		if (!u)
			break;
		out[k++] = u < 0x80 ? (char)tolower(u) : '?';
	}
	out[k] = 0;
}

/* UEFI_VARIABLE_DATA. */
typedef struct {
	const uint8_t *guid;
	char name[32]; /* ASCII; '?' for others; truncated names end in '?' */
	const uint8_t *data;
	size_t len;
} uefivar;

static bool parse_var_n(const uint8_t *p, size_t size, bool trailing, uefivar *v)
{
	tcg_buf b = tcg_buf_init(p, size), name, data;
	uint64_t nlen, dlen;
	if (!tcg_buf_bytes(&b, 16, &v->guid) || !tcg_buf_u64le(&b, &nlen) ||
	    !tcg_buf_u64le(&b, &dlen) || nlen > SIZE_MAX / 2 ||
	    !tcg_buf_sub64(&b, nlen * 2, &name) || !tcg_buf_sub64(&b, dlen, &data) ||
	    (tcg_buf_left(&b) && !trailing))
		return false;
	size_t k = 0;
	for (size_t i = 0; i + 1 < name.len && k + 1 < sizeof v->name; i += 2) {
		uint16_t u = (uint16_t)(name.p[i] | name.p[i + 1] << 8);
		v->name[k++] = (u >= 0x20 && u < 0x7f) ? (char)u : '?';
	}
	if (name.len / 2 >= sizeof v->name)
		v->name[sizeof v->name - 2] = '?';
	v->name[k] = 0;
	v->data = data.p;
	v->len = data.len;
	return true;
}

static bool parse_var(const tcg_event *e, uefivar *v)
{
	return parse_var_n(e->data, e->size, false, v);
}

/* EFI_SIGNATURE_LIST entries into l: SHA-256 of X.509 DER, else the data. */
static bool parse_siglists(tcg_claims *c, const uint8_t *p, size_t len, hlist *l)
{
	tcg_buf b = tcg_buf_init(p, len);
	while (tcg_buf_left(&b)) {
		const uint8_t *type;
		uint32_t lsize, hsize, ssize;
		tcg_buf list;
		if (!tcg_buf_bytes(&b, 16, &type) || !tcg_buf_u32le(&b, &lsize) ||
		    !tcg_buf_u32le(&b, &hsize) || !tcg_buf_u32le(&b, &ssize) || lsize < 28 ||
		    !tcg_buf_sub(&b, lsize - 28, &list) || !tcg_buf_skip(&list, hsize) ||
		    ssize < 16 || tcg_buf_left(&list) % ssize)
			return false;
		while (tcg_buf_left(&list)) {
			const uint8_t *sig;
			uint8_t d[32];
			if (!tcg_buf_bytes(&list, ssize, &sig))
				return false;
			if (!memcmp(type, guid_cert_x509, 16)) {
				if (tcg_hash(c->h, TCG_ALG_SHA256, sig + 16, ssize - 16, d))
					return false;
				if (!hlist_add(l, d, 32))
					return false;
			} else if (!hlist_add(l, sig + 16, ssize - 16)) {
				return false;
			}
		}
	}
	return true;
}

/* ---- SIPA walker ---- */

static tcg_rc walk_items(tcg_buf *b, const tcg_sipa_visitor *v, void *ctx, unsigned depth,
                         tcg_err *err)
{
	while (tcg_buf_left(b)) {
		uint32_t id, size;
		tcg_buf sub;
		uint64_t off = tcg_buf_offset(b);
		if (!tcg_buf_u32le(b, &id) || !tcg_buf_u32le(b, &size) || !tcg_buf_sub(b, size, &sub))
			return tcg_err_set(err, TCG_E_MISMATCH, "sipa-malformed", off, TCG_NO_EVENT,
			                   "SIPA item overruns its container");
		if ((id & SIPA_CONTAINER_MASK) == SIPA_CONTAINER) {
			/* the outermost container is depth 0 */
			if (depth > TCG_SIPA_MAX_DEPTH)
				return tcg_err_set(err, TCG_E_MISMATCH, "sipa-depth", off, TCG_NO_EVENT,
				                   "SIPA containers nested deeper than %d",
				                   TCG_SIPA_MAX_DEPTH);
			if (v && v->enter && v->enter(ctx, id, depth))
				goto stop;
			tcg_rc rc = walk_items(&sub, v, ctx, depth + 1, err);
			if (rc)
				return rc;
			if (v && v->leave && v->leave(ctx, id, depth))
				goto stop;
		} else if (v && v->item && v->item(ctx, id, sub.p, sub.len, depth)) {
			goto stop;
		}
		continue;
	stop:
		return tcg_err_set(err, TCG_E_MISMATCH, "sipa-item", off, TCG_NO_EVENT,
		                   "SIPA item 0x%08x refused", id);
	}
	return TCG_OK;
}

tcg_rc tcg_sipa_walk(const uint8_t *data, size_t len, const tcg_sipa_visitor *v, void *ctx,
                     tcg_err *err)
{
	tcg_buf b = tcg_buf_init(data, len), sub;
	uint32_t id, size;
	if (!tcg_buf_u32le(&b, &id) || !tcg_buf_u32le(&b, &size) || size != tcg_buf_left(&b) ||
	    !tcg_buf_sub(&b, size, &sub))
		return tcg_err_set(err, TCG_E_MISMATCH, "sipa-malformed", 0, TCG_NO_EVENT,
		                   "tagged event size does not match its data");
	if ((id & SIPA_CONTAINER_MASK) == SIPA_CONTAINER) {
		if (v && v->enter && v->enter(ctx, id, 0))
			goto stop;
		tcg_rc rc = walk_items(&sub, v, ctx, 1, err);
		if (rc)
			return rc;
		if (v && v->leave && v->leave(ctx, id, 0))
			goto stop;
		return TCG_OK;
	}
	if (v && v->item && v->item(ctx, id, sub.p, sub.len, 0))
		goto stop;
	return TCG_OK;
stop:
	return tcg_err_set(err, TCG_E_MISMATCH, "sipa-item", 0, TCG_NO_EVENT,
	                   "SIPA item 0x%08x refused", id);
}

/* ---- Windows facts ---- */

typedef struct {
	tcg_claims *c;
	const tcg_event *e;
	bool dry; /* validate sizes only */
	const char *rule; /* set when an item is refused */
	uint32_t bad_id;
	bool in_lma, in_elam;
	module cur;
} sipa_ctx;

static void latch(int *f, bool on)
{
	if (on)
		*f = 1;
	else if (*f == UNK)
		*f = 0;
}

static void all_on(int *f, bool on)
{
	if (!on)
		*f = 0;
	else if (*f == UNK)
		*f = 1;
}

static uint64_t le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

static int sipa_enter(void *vctx, uint32_t id, unsigned depth)
{
	sipa_ctx *s = vctx;
	(void)depth;
	if (id == SIPA_LOADEDMODULE_AGGREGATION) {
		memset(&s->cur, 0, sizeof s->cur);
		s->cur.validated = UNK;
		s->in_lma = true;
	} else if (id == SIPA_ELAM_AGGREGATION) {
		s->in_elam = true;
	}
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

static int sipa_leave(void *vctx, uint32_t id, unsigned depth)
{
	sipa_ctx *s = vctx;
	winfacts *w = &s->c->win;
	(void)depth;
	if (id == SIPA_LOADEDMODULE_AGGREGATION) {
		s->in_lma = false;
		if (s->dry)
			return 0;
		char path[512];
		utf16_ascii(s->cur.path.p, s->cur.path.len, path, sizeof path);
		if (s->cur.validated == 1 && (ends_with(path, "\\drivers\\wdboot.sys") ||
		                              ends_with(path, "\\drivers\\wd\\wdboot.sys")))
			w->elam = true;
		if (s->e->pcr == 13 && s->cur.hash.len && w->nmod < MAX_MODULES) {
			if (!w->mods && !(w->mods = calloc(MAX_MODULES, sizeof *w->mods)))
				return 1;
			w->mods[w->nmod++] = s->cur;
		}
	} else if (id == SIPA_ELAM_AGGREGATION) {
		s->in_elam = false;
	}
	return 0;
}

static int refuse(sipa_ctx *s, uint32_t id, const char *rule)
{
	s->rule = rule;
	s->bad_id = id;
	return 1;
}

static int sipa_item(void *vctx, uint32_t id, const uint8_t *p, size_t len, unsigned depth)
{
	sipa_ctx *s = vctx;
	winfacts *w = &s->c->win;
	uint32_t pcr = s->e->pcr;
	(void)depth;

	/* Sizes first (dha.md §4.4): booleans one byte, counters fixed width. */
	switch (id) {
	case SIPA_BOOTDEBUGGING:
	case SIPA_OSKERNELDEBUG:
	case SIPA_CODEINTEGRITY:
	case SIPA_TESTSIGNING:
	case SIPA_SAFEMODE:
	case SIPA_WINPE:
	case SIPA_FLIGHTSIGNING:
	case SIPA_IMAGEVALIDATED:
		if (len != 1)
			return refuse(s, id, "sipa-item-size");
		break;
	case SIPA_DEP:
	case SIPA_HYPERVISOR_LAUNCH_TYPE:
	case SIPA_VSM_LAUNCH_TYPE:
	case SIPA_BOOTCOUNTER:
		if (len != 8)
			return refuse(s, id, "sipa-item-size");
		break;
	case SIPA_TRANSFER_CONTROL:
	case SIPA_APPLICATION_SVN:
	case SIPA_MODULE_SVN:
	case SIPA_HASHALGORITHMID:
		if (len != 4)
			return refuse(s, id, "sipa-item-size");
		break;
	case SIPA_BITLOCKER_UNLOCK:
		if (len != 4 && len != 8)
			return refuse(s, id, "sipa-item-size");
		break;
	case SIPA_SBCP_INFO: {
		tcg_buf b = tcg_buf_init(p, len);
		uint32_t ver, off;
		uint16_t alg, dlen;
		if (!tcg_buf_u32le(&b, &ver) || !tcg_buf_u32le(&b, &off) || !tcg_buf_u16le(&b, &alg) ||
		    !tcg_buf_u16le(&b, &dlen) || off > len || dlen > len - off)
			return refuse(s, id, "sipa-item-size");
		break;
	}
	default:
		break;
	}
	if (s->dry)
		return 0;
	w->any = true;

	bool on = len && p[0];
	switch (id) {
	case SIPA_BOOTDEBUGGING:
		latch(&w->bootdebug, on);
		break;
	case SIPA_OSKERNELDEBUG:
		latch(&w->oskd, on);
		break;
	case SIPA_TESTSIGNING:
		latch(&w->testsign, on);
		break;
	case SIPA_FLIGHTSIGNING:
		latch(&w->flight, on);
		break;
	case SIPA_SAFEMODE:
		latch(&w->safemode, on);
		break;
	case SIPA_WINPE:
		latch(&w->winpe, on);
		break;
	case SIPA_CODEINTEGRITY:
		all_on(&w->ci, on);
		break;
	case SIPA_DEP:
		w->dep_raw = le(p, 8);
		all_on(&w->dep, w->dep_raw != 0);
		break;
	case SIPA_HYPERVISOR_LAUNCH_TYPE:
		latch(&w->hv, le(p, 8) != 0);
		break;
	case SIPA_VSM_LAUNCH_TYPE:
		latch(&w->vsm, le(p, 8) != 0);
		break;
	case SIPA_BOOTCOUNTER: {
		uint64_t v = le(p, 8);
		if (w->bootcount_seen && w->bootcount != v)
			return refuse(s, id, "sipa-bootcount-conflict");
		w->bootcount_seen = true;
		w->bootcount = v;
		break;
	}
	case SIPA_TRANSFER_CONTROL: {
		uint32_t v = (uint32_t)le(p, 4);
		if (pcr == 12 && (v == 1 || v == 2)) {
			if (w->coldboot == UNK)
				w->coldboot = v == 1;
			if (w->basvn_state == 0)
				w->basvn_state = 1;
		}
		break;
	}
	case SIPA_BITLOCKER_UNLOCK:
		/* PCR 13 repeats PCR 12: BitLocker comes from PCR 12 only. */
		if (pcr == 12) {
			uint64_t v = le(p, len);
			if (w->bitlocker == UNK)
				w->bitlocker = 0;
			if (v && w->bitlocker == 0) {
				w->bitlocker = 1;
				w->bl_flags = v;
			}
		}
		break;
	case SIPA_APPLICATION_SVN:
		if (pcr == 12) {
			uint32_t v = (uint32_t)le(p, 4);
			if (!w->bmsvn_seen) {
				w->bmsvn_seen = true;
				w->bmsvn = v;
			} else if (w->basvn_state == 2) {
				w->basvn_seen = true;
				w->basvn = v;
				w->basvn_state = 3;
			}
		}
		break;
	case SIPA_MODULE_SVN:
		if (s->in_lma) {
			s->cur.svn = (uint32_t)le(p, 4);
			s->cur.has_svn = true;
		}
		if (pcr == 13 && w->basvn_state == 1)
			w->basvn_state = 2;
		break;
	case SIPA_BOOT_REVOCATION_LIST:
		if (pcr == 13 && !w->bootrev.p)
			w->bootrev = (bytes){ p, len };
		break;
	case SIPA_OS_REVOCATION_LIST:
		if (pcr == 13 && !w->osrev.p)
			w->osrev = (bytes){ p, len };
		break;
	case SIPA_SI_POLICY:
		if (pcr == 13 && !w->cipolicy.p)
			w->cipolicy = (bytes){ p, len };
		break;
	case SIPA_SBCP_INFO:
		if (pcr == 13 && !w->sbcp.p) {
			uint32_t off = (uint32_t)le(p + 4, 4);
			uint16_t dlen = (uint16_t)le(p + 10, 2);
			w->sbcp = (bytes){ p + off, dlen };
		}
		break;
	case SIPA_ELAM_KEYNAME:
		if (s->in_elam) {
			char name[64];
			utf16_ascii(p, len, name, sizeof name);
			if (!strcmp(name, "windows defender"))
				w->elam = true;
		}
		break;
	default:
		break;
	}
	if (s->in_lma) {
		switch (id) {
		case SIPA_FILEPATH:
			s->cur.path = (bytes){ p, len };
			break;
		case SIPA_AUTHENTICODEHASH:
			s->cur.hash = (bytes){ p, len };
			break;
		case SIPA_AUTHORITYISSUER:
			s->cur.issuer = (bytes){ p, len };
			break;
		case SIPA_AUTHORITYPUBLISHER:
			s->cur.publisher = (bytes){ p, len };
			break;
		case SIPA_HASHALGORITHMID:
			s->cur.alg = (uint32_t)le(p, 4);
			s->cur.has_alg = true;
			break;
		case SIPA_IMAGEVALIDATED:
			s->cur.validated = on;
			break;
		default:
			break;
		}
	}
	return 0;
}

static const tcg_sipa_visitor sipa_visitor = { sipa_enter, sipa_leave, sipa_item };

static void windows_event(tcg_claims *c, const tcg_event *e)
{
	sipa_ctx s = { .c = c, .e = e, .dry = true };
	tcg_err err;
	tcg_err_clear(&err);
	if (tcg_sipa_walk(e->data, e->size, &sipa_visitor, &s, &err)) {
		problem(c, e, s.rule ? s.rule : err.rule, "%s", s.rule ? "a SIPA item has the wrong size or conflicts" : err.msg);
		return;
	}
	s.dry = false;
	s.in_lma = s.in_elam = false;
	if (tcg_sipa_walk(e->data, e->size, &sipa_visitor, &s, &err))
		problem(c, e, s.rule ? s.rule : err.rule, "%s",
		        s.rule ? "SIPA boot counts differ between events" : err.msg);
}

/* ---- PCR 7: Secure Boot (dha.md §5.6) and shim ---- */

static const uint8_t guid_shim[16] = { 0x50, 0xab, 0x5d, 0x60, 0x46, 0xe0, 0x00, 0x43,
	                               0xab, 0xb6, 0x3d, 0xd8, 0x10, 0xdd, 0x8b, 0x23 };

static void pcr7_event(tcg_claims *c, const tcg_event *e)
{
	sbfacts *sb = &c->sb;
	uefivar v;
	sb->pcr7 = true;
	switch (e->type) {
	case EV_SEPARATOR:
		if (sb->sep) {
			problem(c, e, "separator-duplicate", "a second separator in PCR 7");
			return;
		}
		sb->sep = true;
		return;
	case EV_EFI_ACTION:
		if (e->size == 15 && !memcmp(e->data, "UEFI Debug Mode", 15))
			sb->debug = true;
		else if (e->size == 23 && !memcmp(e->data, "DMA Protection Disabled", 23))
			sb->dma = true;
		else
			problem(c, e, "event-type-unexpected",
			        "EV_EFI_ACTION in PCR 7 other than UEFI Debug Mode or DMA Protection Disabled");
		return;
	case EV_EFI_VARIABLE_DRIVER_CONFIG:
		if (!parse_var(e, &v)) {
			problem(c, e, "uefi-variable-malformed", "UEFI_VARIABLE_DATA does not parse");
			return;
		}
		if (sb->sep) {
			problem(c, e, "secureboot-variable-after-separator",
			        "Secure Boot variable %s measured after the separator", v.name);
			return;
		}
		for (size_t i = 0; i < sb->nvars; i++)
			if (!memcmp(sb->vars[i].guid, v.guid, 16) && !strcmp(sb->vars[i].name, v.name)) {
				problem(c, e, "secureboot-variable-repeated",
				        "Secure Boot variable %s measured twice", v.name);
				return;
			}
		if (sb->nvars == MAX_VARS) {
			problem(c, e, "secureboot-variable-repeated", "too many PCR 7 variables");
			return;
		}
		memcpy(sb->vars[sb->nvars].guid, v.guid, 16);
		strcpy(sb->vars[sb->nvars].name, v.name);
		sb->nvars++;
		if (!memcmp(v.guid, guid_global, 16) && !strcmp(v.name, "SecureBoot")) {
			if (v.len == 0) {
				/* Firmware without Secure Boot measures the variable empty. */
				c->sb_empty = true;
				sb->enabled = 0;
				return;
			}
			if (v.len != 1 || v.data[0] > 1) {
				problem(c, e, "secureboot-value",
				        "SecureBoot data is not exactly one byte 0 or 1");
				return;
			}
			sb->enabled = v.data[0];
			return;
		}
		hlist *l = NULL;
		if (!memcmp(v.guid, guid_global, 16) && !strcmp(v.name, "PK"))
			l = &sb->pk;
		else if (!memcmp(v.guid, guid_global, 16) && !strcmp(v.name, "KEK"))
			l = &sb->kek;
		else if (!memcmp(v.guid, guid_imagesec, 16) && !strcmp(v.name, "db"))
			l = &sb->db;
		else if (!memcmp(v.guid, guid_imagesec, 16) && !strcmp(v.name, "dbx"))
			l = &sb->dbx;
		else if (!strcmp(v.name, "CurrentPolicy"))
			sb->current_policy = (bytes){ v.data, v.len };
		if (l && !parse_siglists(c, v.data, v.len, l))
			problem(c, e, "signature-list-malformed", "%s: EFI_SIGNATURE_LIST does not parse",
			        v.name);
		return;
	case EV_EFI_VARIABLE_AUTHORITY:
		/* Shim appends stray bytes after the variable (covered by the digest). */
		if (!parse_var_n(e->data, e->size, true, &v)) {
			problem(c, e, "uefi-variable-malformed", "UEFI_VARIABLE_DATA does not parse");
			return;
		}
		if (!memcmp(v.guid, guid_shim, 16) || !strcmp(v.name, "MokList") ||
		    !strcmp(v.name, "SbatLevel") || !strcmp(v.name, "MokListTrusted"))
			c->lx.shim = true;
		if (!strcmp(v.name, "SbatLevel")) {
			c->lx.sbat = (bytes){ v.data, v.len };
		} else if (v.len > 16 && strcmp(v.name, "MokListTrusted")) {
			uint8_t d[32];
			/* EFI_SIGNATURE_DATA (owner GUID, DER), or a bare DER certificate */
			size_t skip = v.data[0] == 0x30 && v.data[1] == 0x82 ? 0 : 16;
			if (!tcg_hash(c->h, TCG_ALG_SHA256, v.data + skip, v.len - skip, d))
				hlist_add(!strcmp(v.name, "MokList") ? &c->lx.mok : &sb->auth, d, 32);
		}
		return;
	default: /* SPDM device policy and authority: allowed, no facts yet */
		return;
	}
}

/* ---- per-PCR allow-list ---- */

static bool type_allowed(const tcg_claims *c, uint32_t pcr, uint32_t t)
{
	switch (pcr) {
	case 0:
		return t == EV_POST_CODE || t == EV_SEPARATOR || t == EV_S_CRTM_CONTENTS ||
		       t == EV_S_CRTM_VERSION || t == EV_NONHOST_CODE || t == EV_NONHOST_INFO ||
		       t == EV_POST_CODE2 || t == EV_EFI_PLATFORM_FIRMWARE_BLOB ||
		       t == EV_EFI_PLATFORM_FIRMWARE_BLOB2 || t == EV_EFI_HCRTM_EVENT ||
		       t == EV_EFI_ACTION || t == EV_ACTION || t == EV_EFI_HANDOFF_TABLES ||
		       t == EV_COMPACT_HASH || t == EV_EVENT_TAG;
	case 1:
		return t == EV_CPU_MICROCODE || t == EV_PLATFORM_CONFIG_FLAGS ||
		       t == EV_TABLE_OF_DEVICES || t == EV_NONHOST_CONFIG || t == EV_NONHOST_INFO ||
		       t == EV_SEPARATOR || t == EV_EFI_VARIABLE_DRIVER_CONFIG ||
		       t == EV_EFI_VARIABLE_BOOT || t == EV_EFI_VARIABLE_BOOT2 ||
		       t == EV_EFI_HANDOFF_TABLES || t == EV_EFI_HANDOFF_TABLES2 ||
		       t == EV_EFI_ACTION || t == EV_ACTION || t == EV_POST_CODE ||
		       t == EV_EVENT_TAG;
	case 2:
		return t == EV_SEPARATOR || t == EV_EFI_BOOT_SERVICES_APPLICATION ||
		       t == EV_EFI_BOOT_SERVICES_DRIVER || t == EV_EFI_RUNTIME_SERVICES_DRIVER ||
		       t == EV_EFI_PLATFORM_FIRMWARE_BLOB || t == EV_EFI_PLATFORM_FIRMWARE_BLOB2 ||
		       t == EV_EFI_SPDM_FIRMWARE_BLOB || t == EV_NONHOST_CODE ||
		       t == EV_NONHOST_INFO || t == EV_EFI_ACTION || t == EV_ACTION ||
		       t == EV_POST_CODE || t == EV_EVENT_TAG;
	case 3:
		return t == EV_SEPARATOR || t == EV_EFI_VARIABLE_DRIVER_CONFIG ||
		       t == EV_EFI_SPDM_FIRMWARE_CONFIG || t == EV_NONHOST_CONFIG ||
		       t == EV_EFI_ACTION || t == EV_ACTION;
	case 4:
		return t == EV_SEPARATOR || t == EV_ACTION || t == EV_EFI_ACTION ||
		       t == EV_EFI_BOOT_SERVICES_APPLICATION || t == EV_EFI_BOOT_SERVICES_DRIVER ||
		       t == EV_IPL || t == EV_OMIT_BOOT_DEVICE_EVENTS;
	case 5:
		return t == EV_SEPARATOR || t == EV_ACTION || t == EV_EFI_ACTION ||
		       t == EV_EFI_GPT_EVENT || t == EV_EFI_GPT_EVENT2 || t == EV_IPL_PARTITION_DATA ||
		       t == EV_EFI_VARIABLE_DRIVER_CONFIG || t == EV_EFI_VARIABLE_BOOT;
	case 6:
		return t == EV_SEPARATOR || t == EV_ACTION || t == EV_EFI_ACTION ||
		       t == EV_COMPACT_HASH;
	case 7:
		return t == EV_SEPARATOR || t == EV_EFI_VARIABLE_DRIVER_CONFIG ||
		       t == EV_EFI_VARIABLE_AUTHORITY || t == EV_EFI_ACTION ||
		       t == EV_EFI_SPDM_DEVICE_POLICY || t == EV_EFI_SPDM_DEVICE_AUTHORITY;
	case 8:
	case 9:
	case 15:
		return !c->windows && (t == EV_IPL || t == EV_EVENT_TAG);
	case 11:
		if (c->windows)
			return t == EV_COMPACT_HASH;
		return t == EV_IPL || t == EV_EVENT_TAG;
	case 12:
	case 13:
	case 14:
		if (c->windows)
			return t == EV_EVENT_TAG || t == EV_SEPARATOR;
		return t == EV_IPL || t == EV_EVENT_TAG;
	case 17:
	case 18:
	case 19:
	case 20:
	case 21:
	case 22:
		return (t >= 0x400 && t <= 0x4FF) || (t >= 0x8000 && t <= 0x8007) ||
		       t == EV_EVENT_TAG || t == EV_SEPARATOR;
	default: /* 10 (IMA is not in the firmware log), 16 and 23 never evidence */
		return false;
	}
}

/* Whether claims rely on the data of (pcr, type) matching its digest. */
/* Whether p..len hashes to e's digest in every bank e carries that can be hashed. */
static bool digest_matches(tcg_claims *c, const tcg_event *e, const uint8_t *p, size_t len)
{
	bool any = false;
	for (size_t i = 0; i < tcg_log_num_banks(c->log); i++) {
		tcg_bank bk = tcg_log_bank(c->log, i);
		uint8_t d[TCG_MAX_DIGEST];
		if (!e->digest[i] || !tcg_hasher_supports(c->h, bk.alg) ||
		    tcg_alg_size(bk.alg) != bk.size)
			continue;
		if (tcg_hash(c->h, bk.alg, p, len, d) || memcmp(d, e->digest[i], bk.size))
			return false;
		any = true;
	}
	return any;
}

/* ---- derivation ---- */

static const uint16_t strength[] = { TCG_ALG_SHA512, TCG_ALG_SHA3_512, TCG_ALG_SHA384,
	                             TCG_ALG_SHA3_384, TCG_ALG_SHA256, TCG_ALG_SHA3_256,
	                             TCG_ALG_SM3_256, TCG_ALG_SHA1 };

static bool is_wbcl_sep(const tcg_event *e)
{
	return e->type == EV_SEPARATOR && e->size == 4 && !memcmp(e->data, "WBCL", 4);
}

/* Windows profile: the log closes PCR 12-14 with "WBCL" separators. */
tcg_profile tcg_claims_log_profile(const tcg_log *log)
{
	for (size_t i = 0; i < tcg_log_num_events(log); i++) {
		const tcg_event *e = tcg_log_event(log, i);
		if (!e->header && e->pcr >= 12 && e->pcr <= 14 && is_wbcl_sep(e))
			return TCG_PROFILE_WINDOWS;
	}
	return TCG_PROFILE_LINUX;
}

static void linux_event(tcg_claims *c, const tcg_event *e)
{
	linuxfacts *lx = &c->lx;
	const uint8_t *d = e->digest[c->bidx];
	if (e->pcr == 4 && e->type == EV_EFI_BOOT_SERVICES_APPLICATION)
		hlist_add(&lx->bootloaders, d, tcg_alg_size(c->bank));
	if (e->type != EV_IPL)
		return;
	size_t n = e->size;
	while (n && !e->data[n - 1])
		n--;
	if (e->pcr == 8) {
		lx->grub = true;
		if (n >= 16 && !memcmp(e->data, "kernel_cmdline: ", 16))
			lx->cmdline = (bytes){ e->data + 16, n - 16 };
		else if (n >= 15 && !memcmp(e->data, "kernel_cmdline ", 15))
			lx->cmdline = (bytes){ e->data + 15, n - 15 };
		else if (n >= 20 && !memcmp(e->data, "grub_kernel_cmdline ", 20))
			lx->cmdline = (bytes){ e->data + 20, n - 20 };
	} else if (e->pcr == 14) {
		if ((n == 7 && !memcmp(e->data, "MokList", 7))) {
			lx->shim = true;
			hlist_add(&lx->moklist_digest, d, tcg_alg_size(c->bank));
		} else if ((n == 8 && !memcmp(e->data, "MokListX", 8)) ||
		           (n == 10 && !memcmp(e->data, "MokSBState", 10))) {
			lx->shim = true;
		}
	} else if (e->pcr == 12) {
		/* systemd-stub: the kernel command line, UTF-16LE */
		lx->sdboot = true;
		if (!lx->cmdline16.p)
			lx->cmdline16 = (bytes){ e->data, e->size };
	} else if (e->pcr == 11) {
		lx->sdboot = true;
		if (lx->nsections < 16 && n && n < 64 && e->data[0] == '.')
			lx->sections[lx->nsections++] = (bytes){ e->data, n };
	}
}

tcg_rc tcg_claims_derive(const tcg_log *log, const tcg_claims_opts *o, tcg_claims **out,
                         tcg_err *err)
{
	tcg_claims *c = calloc(1, sizeof *c);
	tcg_replay_result *r = malloc(sizeof *r);
	tcg_pcr_values *want = NULL;
	tcg_rc rc = TCG_OK;
	*out = NULL;
	if (!c || !r || !(c->h = tcg_hasher_new())) {
		rc = tcg_err_set(err, TCG_E_NOMEM, "nomem", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "out of memory");
		goto fail;
	}
	c->log = log;
	c->strict = !o->lenient;
	c->verified = o->expected != NULL;
	c->pcrs_source = o->pcrs_source ? o->pcrs_source : (o->expected ? "pcrs-file" : "none");
	c->win.bootdebug = c->win.oskd = c->win.testsign = c->win.flight = UNK;
	c->win.safemode = c->win.winpe = c->win.hv = c->win.vsm = c->win.ci = c->win.dep = UNK;
	c->win.bitlocker = c->win.coldboot = UNK;
	c->sb.enabled = UNK;
	if (o->log_sha256) {
		c->has_log_sha = true;
		memcpy(c->log_sha, o->log_sha256, 32);
	}

	if ((rc = tcg_replay(log, c->h, r, err)))
		goto fail;
	c->quirks = tcg_log_quirks(log) | r->quirks;

	/* The bank: given, or the strongest the log, the replay and the values share. */
	if (o->bank) {
		c->bank = o->bank;
	} else {
		for (size_t i = 0; i < sizeof strength / sizeof strength[0] && !c->bank; i++) {
			uint16_t a = strength[i];
			if (tcg_log_bank_index(log, a) < 0 || !tcg_pcrs_bank_const(&r->pcrs, a))
				continue;
			if (o->expected && !tcg_pcrs_bank_const(o->expected, a))
				continue;
			c->bank = a;
		}
		if (!c->bank) {
			rc = tcg_err_set(err, TCG_E_MISMATCH, "bank-none", TCG_NO_OFFSET, TCG_NO_EVENT,
			                 "no bank that the log%s carries can be replayed",
			                 o->expected ? " and the PCR values" : "");
			goto fail;
		}
	}
	if (c->bank == TCG_ALG_SHA1 && !o->allow_sha1) {
		rc = tcg_err_set(err, TCG_E_MISMATCH, "bank-sha1", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "only the SHA-1 bank is available; SHA-1 needs an explicit allow");
		goto fail;
	}
	if ((c->bidx = tcg_log_bank_index(log, c->bank)) < 0 ||
	    !tcg_pcrs_bank_const(&r->pcrs, c->bank)) {
		rc = tcg_err_set(err, TCG_E_MISMATCH, "bank-missing", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "the log carries no replayable %s bank",
		                 tcg_alg_name(c->bank) ? tcg_alg_name(c->bank) : "such");
		goto fail;
	}
	const tcg_pcr_bank *rb = tcg_pcrs_bank_const(&r->pcrs, c->bank);
	if (rb->present & 1) {
		c->has_pcr0 = true;
		memcpy(c->pcr0, rb->value[0], rb->size);
	}

	/* Which PCRs replay to the given values. */
	if (o->expected) {
		const tcg_pcr_bank *eb = tcg_pcrs_bank_const(o->expected, c->bank);
		if (!eb) {
			rc = tcg_err_set(err, TCG_E_MISMATCH, "bank-missing", TCG_NO_OFFSET,
			                 TCG_NO_EVENT, "the PCR values carry no %s bank",
			                 tcg_alg_name(c->bank));
			goto fail;
		}
		if (!(want = calloc(1, sizeof *want))) {
			rc = tcg_err_set(err, TCG_E_NOMEM, "nomem", TCG_NO_OFFSET, TCG_NO_EVENT,
			                 "out of memory");
			goto fail;
		}
		want->num_banks = 1;
		want->bank[0] = *eb;
		tcg_pcr_mismatch mm[TCG_NUM_PCRS];
		size_t total = 0;
		tcg_err e2;
		tcg_rc crc = tcg_replay_compare(log, c->h, r, want, 0, mm, TCG_NUM_PCRS, &total, &e2);
		if (crc && crc != TCG_E_MISMATCH) {
			rc = tcg_err_set(err, crc, e2.rule, e2.offset, e2.event, "%s", e2.msg);
			goto fail;
		}
		uint32_t bad = 0;
		for (size_t i = 0; i < total && i < TCG_NUM_PCRS; i++)
			if (mm[i].pcr < TCG_NUM_PCRS)
				bad |= 1u << mm[i].pcr;
		c->pcrs_ok = eb->present & ~bad;
		c->usable = c->pcrs_ok;
		if (eb->present & 1)
			memcpy(c->pcr0, eb->value[0], eb->size), c->has_pcr0 = !(bad & 1);
		/* Name each PCR that does not replay, at its first event. */
		for (uint32_t p = 0; p < TCG_NUM_PCRS; p++) {
			if (!(bad & (1u << p)))
				continue;
			const tcg_event *first = NULL;
			for (size_t i = 0; i < tcg_log_num_events(log) && !first; i++) {
				const tcg_event *e = tcg_log_event(log, i);
				if (!e->header && e->pcr == p && e->type != TCG_EV_NO_ACTION)
					first = e;
			}
			char what[32];
			snprintf(what, sizeof what, "%u", p);
			problem(c, first, "pcr-mismatch",
			        "PCR %s does not replay to the given value: its events give no facts",
			        what);
		}
	} else {
		c->usable = 0xFFFFFFFFu;
	}

	/* Well-known digests in the chosen bank. */
	for (size_t i = 0; i < 8; i++)
		if (tcg_hash(c->h, c->bank, well_known[i].s, well_known[i].len, c->wk[i])) {
			rc = tcg_err_set(err, TCG_E_IO, "hash", TCG_NO_OFFSET, TCG_NO_EVENT,
			                 "cannot hash with %s", tcg_alg_name(c->bank));
			goto fail;
		}
	size_t dsize = tcg_alg_size(c->bank);

	c->windows = tcg_claims_log_profile(log) == TCG_PROFILE_WINDOWS;

	bool wbcl_seen[TCG_NUM_PCRS] = { false };
	for (size_t i = 0; i < tcg_log_num_events(log); i++) {
		const tcg_event *e = tcg_log_event(log, i);
		if (e->header)
			continue;
		if (e->type == TCG_EV_NO_ACTION)
			continue; /* never extended, no facts */
		if (e->pcr >= TCG_NUM_PCRS) {
			problem(c, e, "event-pcr-unexpected", "only EV_NO_ACTION may use PCR -1");
			continue;
		}
		const char *tname = tcg_event_type_name(e->type);
		if (!type_allowed(c, e->pcr, e->type)) {
			char what[96];
			snprintf(what, sizeof what, "%s in PCR %u", tname ? tname : "unknown type",
			         e->pcr);
			problem(c, e, "event-type-unexpected", "%s is not in the platform profile",
			        what);
			continue;
		}
		const uint8_t *d = e->digest[c->bidx];
		if (!d) {
			problem(c, e, "event-bank-missing", "the event has no %s digest",
			        tcg_alg_name(c->bank));
			continue;
		}
		/* Data bound by the digest (all banks the event carries). */
		if (tcg_type_binds(e->pcr, e->type)) {
			tcg_binding b = tcg_event_binding(log, e, c->h, NULL);
			/* Old shim measures one stray byte after the certificate. */
			if (b != TCG_BIND_OK && e->type == EV_EFI_VARIABLE_AUTHORITY && e->size > 1 &&
			    digest_matches(c, e, e->data, e->size - 1)) {
				b = TCG_BIND_OK;
				c->shim_stray_byte = true;
			}
			/* Firmware blobs whose data some vendors do not hash as PFP says;
			 * claims never read their data. */
			if (b != TCG_BIND_OK && (e->type == EV_NONHOST_INFO ||
			                         e->type == EV_PLATFORM_CONFIG_FLAGS ||
			                         e->type == EV_TABLE_OF_DEVICES ||
			                         e->type == EV_S_CRTM_VERSION)) {
				b = TCG_BIND_OK;
				c->fw_unbound = true;
			}
			if (b != TCG_BIND_OK) {
				problem(c, e, "data-digest-mismatch", "%s data does not match its digest",
				        tname);
				continue;
			}
		}
		/* A well-known event's digest with another type or other data. */
		bool wk_bad = false;
		for (size_t k = 0; k < 8 && !wk_bad; k++) {
			if (memcmp(d, c->wk[k], dsize))
				continue;
			uint32_t want_type = well_known[k].separator ? EV_SEPARATOR : EV_EFI_ACTION;
			if ((e->type != want_type && !(want_type == EV_EFI_ACTION && e->type == EV_ACTION)) ||
			    e->size != well_known[k].len || memcmp(e->data, well_known[k].s, e->size))
				wk_bad = true;
		}
		if (wk_bad) {
			problem(c, e, "well-known-digest-retyped",
			        "%s carries the digest of a well-known event with another type or data",
			        tname);
			continue;
		}
		/* Windows: only EV_EVENT_TAG before the WBCL separator of its PCR. */
		if (c->windows && e->pcr >= 12 && e->pcr <= 14) {
			if (e->type == EV_SEPARATOR) {
				if (!is_wbcl_sep(e))
					problem(c, e, "wbcl-separator", "separator in PCR 12-14 is not WBCL");
				else if (wbcl_seen[e->pcr])
					problem(c, e, "wbcl-separator-duplicate",
					        "a second WBCL separator in its PCR");
				wbcl_seen[e->pcr] = true;
				continue;
			}
			if (wbcl_seen[e->pcr]) {
				problem(c, e, "wbcl-after-separator",
				        "EV_EVENT_TAG after the WBCL separator of its PCR");
				continue;
			}
		}
		if (!(c->usable & (1u << e->pcr)))
			continue; /* PCR not verified: no facts (named above when it mismatched) */
		if (e->pcr == 7)
			pcr7_event(c, e);
		else if (c->windows && e->pcr >= 12 && e->pcr <= 14 && e->type == EV_EVENT_TAG)
			windows_event(c, e);
		else if (!c->windows)
			linux_event(c, e);
		else if (e->pcr == 4 && e->type == EV_EFI_BOOT_SERVICES_APPLICATION)
			hlist_add(&c->lx.bootloaders, d, dsize);
	}
	/* PFP / dha.md §5.6: Secure Boot on means its databases were measured and used. */
	if (c->sb.enabled == 1 && (!c->sb.pk.n || !c->sb.kek.n || !c->sb.db.n || !c->sb.auth.n))
		problem(c, NULL, "secureboot-incomplete",
		        "Secure Boot is on but %s", !c->sb.pk.n ? "PK is empty"
		                                    : !c->sb.kek.n ? "KEK is empty"
		                                    : !c->sb.db.n ? "db is empty"
		                                                  : "no image was verified by an authority");
	free(want);
	free(r);
	if (c->nprob && c->strict) {
		if (err)
			*err = c->prob[0];
		*out = c;
		return TCG_E_MISMATCH;
	}
	*out = c;
	return TCG_OK;
fail:
	free(want);
	free(r);
	tcg_claims_free(c);
	return rc;
}

static void hlist_free(hlist *l)
{
	free(l->e);
}

void tcg_claims_free(tcg_claims *c)
{
	if (!c)
		return;
	tcg_hasher_free(c->h);
	free(c->win.mods);
	hlist_free(&c->sb.pk);
	hlist_free(&c->sb.kek);
	hlist_free(&c->sb.db);
	hlist_free(&c->sb.dbx);
	hlist_free(&c->sb.auth);
	hlist_free(&c->lx.mok);
	hlist_free(&c->lx.bootloaders);
	hlist_free(&c->lx.moklist_digest);
	free(c);
}

size_t tcg_claims_num_problems(const tcg_claims *c)
{
	return c->nprob;
}

const tcg_err *tcg_claims_problem(const tcg_claims *c, size_t i)
{
	return i < c->nprob ? &c->prob[i] : NULL;
}

bool tcg_claims_verified(const tcg_claims *c)
{
	return c->verified;
}

uint16_t tcg_claims_bank(const tcg_claims *c)
{
	return c->bank;
}

/* ---- output ---- */

static void kv_tri(tcg_yaml *y, const char *k, int v)
{
	if (v != UNK)
		tcg_yaml_kv_bool(y, k, v);
}

static void kv_bytes(tcg_yaml *y, const char *k, bytes b)
{
	if (b.p)
		tcg_yaml_kv_hex(y, k, b.p, b.len);
}

static void kv_hlist(tcg_yaml *y, const char *k, const hlist *l)
{
	tcg_yaml_key(y, k);
	tcg_yaml_seq_start(y);
	for (size_t i = 0; i < l->n; i++)
		tcg_yaml_hex(y, l->e[i].d, l->e[i].len);
	tcg_yaml_seq_end(y);
}

static void write_health(const tcg_claims *c, tcg_yaml *y)
{
	const winfacts *w = &c->win;
	tcg_yaml_key(y, "health");
	tcg_yaml_map_start(y);
	kv_tri(y, "SecureBootEnabled", c->sb.enabled);
	if (w->any) {
		kv_tri(y, "BootDebuggingEnabled", w->bootdebug);
		kv_tri(y, "OSKernelDebuggingEnabled", w->oskd);
		kv_tri(y, "CodeIntegrityEnabled", w->ci);
		kv_tri(y, "TestSigningEnabled", w->testsign);
		kv_tri(y, "SafeMode", w->safemode);
		kv_tri(y, "WinPE", w->winpe);
		tcg_yaml_kv_bool(y, "ELAMDriverLoaded", w->elam);
		kv_tri(y, "VSMEnabled", w->vsm);
		if (w->dep != UNK)
			tcg_yaml_kv_u64(y, "DEPPolicy", (uint64_t)w->dep);
		if (w->bitlocker != UNK)
			tcg_yaml_kv_u64(y, "BitlockerStatus", (uint64_t)w->bitlocker);
		if (w->basvn_seen)
			tcg_yaml_kv_u64(y, "BootAppSVN", w->basvn);
		if (w->bmsvn_seen)
			tcg_yaml_kv_u64(y, "BootManagerSVN", w->bmsvn);
	}
	if (c->has_pcr0)
		tcg_yaml_kv_hex(y, "PCR0", c->pcr0, tcg_alg_size(c->bank));
	tcg_yaml_kv_u64(y, "PCRHashAlgorithmID", c->bank);
	if (w->any) {
		kv_bytes(y, "CIPolicy", w->cipolicy);
		if (w->sbcp.p)
			kv_bytes(y, "SBCPHash", w->sbcp);
		else if (c->sb.current_policy.p)
			kv_bytes(y, "SBCPHash", c->sb.current_policy);
		kv_bytes(y, "BootRevListInfo", w->bootrev);
		kv_bytes(y, "OSRevListInfo", w->osrev);
	}
	tcg_yaml_map_end(y);
}

static void write_windows(const tcg_claims *c, tcg_yaml *y)
{
	const winfacts *w = &c->win;
	tcg_yaml_key(y, "windows");
	tcg_yaml_map_start(y);
	if (w->bootcount_seen)
		tcg_yaml_kv_u64(y, "BootCount", w->bootcount);
	kv_tri(y, "ColdBoot", w->coldboot);
	if (w->bitlocker != UNK)
		tcg_yaml_kv_u64(y, "BitlockerUnlockFlags", w->bl_flags);
	kv_tri(y, "HypervisorLaunched", w->hv);
	kv_tri(y, "FlightSigningEnabled", w->flight);
	if (w->dep != UNK)
		tcg_yaml_kv_u64(y, "DEPPolicyRaw", w->dep_raw);
	tcg_yaml_key(y, "LoadedModules");
	tcg_yaml_seq_start(y);
	for (size_t i = 0; i < w->nmod; i++) {
		const module *m = &w->mods[i];
		tcg_yaml_map_start(y);
		if (m->path.p) {
			tcg_yaml_key(y, "Path");
			tcg_yaml_utf16(y, m->path.p, m->path.len);
		}
		kv_bytes(y, "AuthenticodeHash", m->hash);
		if (m->has_alg)
			tcg_yaml_kv_hex64(y, "HashAlgorithmID", m->alg);
		kv_tri(y, "Validated", m->validated);
		if (m->issuer.p) {
			tcg_yaml_key(y, "Issuer");
			tcg_yaml_utf16(y, m->issuer.p, m->issuer.len);
		}
		if (m->publisher.p) {
			tcg_yaml_key(y, "Publisher");
			tcg_yaml_utf16(y, m->publisher.p, m->publisher.len);
		}
		if (m->has_svn)
			tcg_yaml_kv_u64(y, "SVN", m->svn);
		tcg_yaml_map_end(y);
	}
	tcg_yaml_seq_end(y);
	tcg_yaml_map_end(y);
}

static void write_secureboot(const tcg_claims *c, tcg_yaml *y)
{
	const sbfacts *sb = &c->sb;
	tcg_yaml_key(y, "secureboot");
	tcg_yaml_map_start(y);
	tcg_yaml_kv_bool(y, "UEFIDebugMode", sb->debug);
	tcg_yaml_kv_bool(y, "DMAProtectionDisabled", sb->dma);
	kv_hlist(y, "PK", &sb->pk);
	kv_hlist(y, "KEK", &sb->kek);
	kv_hlist(y, "db", &sb->db);
	kv_hlist(y, "dbx", &sb->dbx);
	kv_hlist(y, "Authorities", &sb->auth);
	tcg_yaml_map_end(y);
}

static void write_linux(const tcg_claims *c, tcg_yaml *y)
{
	const linuxfacts *lx = &c->lx;
	tcg_yaml_key(y, "linux");
	tcg_yaml_map_start(y);
	tcg_yaml_kv_bool(y, "Shim", lx->shim);
	if (lx->shim) {
		kv_hlist(y, "MokList", &lx->mok);
		kv_hlist(y, "MokListDigests", &lx->moklist_digest);
	}
	if (lx->sbat.p)
		tcg_yaml_kv_str(y, "SbatLevel", (const char *)lx->sbat.p, lx->sbat.len);
	kv_hlist(y, "BootLoaderDigests", &lx->bootloaders);
	tcg_yaml_kv_bool(y, "Grub", lx->grub);
	if (lx->cmdline.p) {
		tcg_yaml_kv_str(y, "KernelCmdline", (const char *)lx->cmdline.p, lx->cmdline.len);
	} else if (lx->cmdline16.p) {
		tcg_yaml_key(y, "KernelCmdline");
		tcg_yaml_utf16(y, lx->cmdline16.p, lx->cmdline16.len);
	}
	tcg_yaml_kv_bool(y, "SystemdBoot", lx->sdboot);
	if (lx->nsections) {
		tcg_yaml_key(y, "UKI");
		tcg_yaml_map_start(y);
		tcg_yaml_key(y, "Sections");
		tcg_yaml_seq_start(y);
		for (size_t i = 0; i < lx->nsections; i++)
			tcg_yaml_str(y, (const char *)lx->sections[i].p, lx->sections[i].len);
		tcg_yaml_seq_end(y);
		tcg_yaml_map_end(y);
	}
	tcg_yaml_map_end(y);
}

tcg_rc tcg_claims_write(const tcg_claims *c, FILE *f, tcg_err *err)
{
	tcg_yaml *y = tcg_yaml_new(f);
	if (!y)
		return tcg_err_set(err, TCG_E_NOMEM, "nomem", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "out of memory");
	tcg_yaml_map_start(y);
	tcg_yaml_kv_cstr(y, "kind", "dha-claims");
	tcg_yaml_kv_u64(y, "version", 1);
	tcg_yaml_key(y, "verification");
	tcg_yaml_map_start(y);
	tcg_yaml_kv_bool(y, "verified", c->verified && !c->nprob);
	tcg_yaml_kv_cstr(y, "pcrs", c->pcrs_source);
	tcg_yaml_kv_cstr(y, "bank", tcg_alg_name(c->bank));
	tcg_yaml_key(y, "log");
	tcg_yaml_map_start(y);
	if (c->has_log_sha)
		tcg_yaml_kv_hex(y, "sha256", c->log_sha, 32);
	tcg_yaml_kv_u64(y, "events", tcg_log_num_events(c->log));
	tcg_yaml_map_end(y);
	tcg_yaml_kv_bool(y, "strict", c->strict);
	tcg_yaml_key(y, "workarounds");
	tcg_yaml_seq_start(y);
	for (unsigned b = 1; b; b <<= 1)
		if ((c->quirks & b) && tcg_quirk_name(b))
			tcg_yaml_cstr(y, tcg_quirk_name(b));
	if (c->sb_empty)
		tcg_yaml_cstr(y, "secureboot-empty");
	if (c->fw_unbound)
		tcg_yaml_cstr(y, "unbound-firmware-data");
	if (c->shim_stray_byte)
		tcg_yaml_cstr(y, "shim-authority-trailing-byte");
	tcg_yaml_seq_end(y);
	tcg_yaml_key(y, "pcrs-verified");
	tcg_yaml_seq_start(y);
	for (unsigned p = 0; p < TCG_NUM_PCRS; p++)
		if (c->pcrs_ok & (1u << p))
			tcg_yaml_u64(y, p);
	tcg_yaml_seq_end(y);
	tcg_yaml_key(y, "problems");
	tcg_yaml_seq_start(y);
	for (size_t i = 0; i < c->nprob; i++) {
		const tcg_err *p = &c->prob[i];
		tcg_yaml_map_start(y);
		tcg_yaml_kv_cstr(y, "rule", p->rule);
		if (p->event != TCG_NO_EVENT)
			tcg_yaml_kv_u64(y, "event", (uint64_t)p->event);
		if (p->offset != TCG_NO_OFFSET)
			tcg_yaml_kv_u64(y, "offset", p->offset);
		tcg_yaml_kv_cstr(y, "message", p->msg);
		tcg_yaml_map_end(y);
	}
	tcg_yaml_seq_end(y);
	tcg_yaml_map_end(y);
	write_health(c, y);
	if (c->windows || c->win.any)
		write_windows(c, y);
	if (c->sb.pcr7)
		write_secureboot(c, y);
	if (!c->windows)
		write_linux(c, y);
	tcg_yaml_map_end(y);
	return tcg_yaml_finish(y, err);
}

tcg_rc tcg_claims_load(const char *log_path, const char *pcrs_path, tcg_claims_opts opts,
                       tcg_claims_input *in, tcg_err *err)
{
	uint8_t sha[32];
	tcg_rc rc;

	memset(in, 0, sizeof *in);
	if (pcrs_path) {
		uint8_t *pd;
		size_t plen;
		if (!(in->pcrs = malloc(sizeof *in->pcrs)))
			return tcg_err_set(err, TCG_E_NOMEM, "out-of-memory", TCG_NO_OFFSET,
			                   TCG_NO_EVENT, "no memory");
		in->failed_file = pcrs_path;
		if ((rc = tcg_read_file(pcrs_path, 1u << 20, &pd, &plen, NULL, err)))
			return rc;
		rc = tcg_pcrs_parse(pd, plen, pcrs_path, in->pcrs, err);
		free(pd);
		if (rc)
			return rc;
		opts.expected = in->pcrs;
		opts.pcrs_source = "pcrs-file";
	} else {
		opts.expected = NULL;
		opts.pcrs_source = "none";
	}
	in->failed_file = log_path;
	if ((rc = tcg_log_load(log_path, &in->data, &in->log, err)))
		return rc;
	opts.log_sha256 = tcg_hash(NULL, TCG_ALG_SHA256, in->data, tcg_log_size(in->log), sha)
	                          ? NULL
	                          : sha;
	rc = tcg_claims_derive(in->log, &opts, &in->claims, err);
	if (!rc || in->claims)
		in->failed_file = NULL;
	return rc;
}

void tcg_claims_input_free(tcg_claims_input *in)
{
	tcg_claims_free(in->claims);
	tcg_log_free(in->log);
	free(in->data);
	free(in->pcrs);
	memset(in, 0, sizeof *in);
}
