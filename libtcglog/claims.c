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
#include "sipa.h"
#include "uefi.h"

#define MAX_PROBLEMS 256
/* PCRs facts come from (DESIGN.md: Windows 0-7, 11-14; UEFI Linux 0-9, 14; systemd 11, 12). */
#define FACT_PCRS 0x7BFFu
#define MAX_VARS 64
#define MAX_MODULES 4096
#define MAX_ELAM 16

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
	uint32_t count; /* loads of this image (path and hash) */
} module;

/* A revocation list payload (dha.md §4.6.1), the first one in PCR 13. */
typedef struct {
	bytes raw;
	bool time_ok; /* CreationTime within 1970 .. 2106 (an unsignedInt of seconds) */
	uint64_t secs;
	uint16_t alg;
	bytes digest;
} revlist;

/* A SIPA number measured more than once: the first value, and whether another differed. */
typedef struct {
	bool seen, conflict; /* a conflict makes the fact unknown */
	uint64_t v;
} sipa_num;

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
	bytes cipolicy, sbcp;
	revlist bootrev, osrev;
	size_t nmod;
	module *mods;
	/* ELAM: drivers measured by winload, and the ELAM hive's key names */
	bool drivers_measured, elam_hive;
	size_t nelam, nelamkey;
	module elamdrv[MAX_ELAM];
	bytes elamkey[MAX_ELAM];
	sipa_num evcount, counterid, dep_num, hvci, iommu_policy, smt, lsaiso;
	int hvdebug;
	int vbs[SIPA_VBS_LAST - SIPA_VBS_FIRST + 1]; /* tri-state, all values on */
	bool drtm;
} winfacts;

typedef struct {
	bool pcr7; /* PCR 7 events were used */
	int enabled;
	bool debug, dma;
	bool sep;
	/* databases whose variable was measured (an unmeasured one is unknown, not empty) */
	bool pk_known, kek_known, db_known, dbx_known;
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
	bytes cmdline; /* ASCII (GRUB), pinned by the GRUB linux command */
	bytes linux_arg; /* argument of the last GRUB linux command in PCR 8 */
	size_t pcr14_n; /* PCR 14 extends so far: shim's MOK labels are checked by position */
	bytes cmdline16; /* UTF-16 (systemd) */
	bool cmdline_conflict; /* both: which one the kernel got is not proven */
	size_t nsections;
	char sections[16][16]; /* UKI PE section names, ASCII */
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
	/* firmware habits seen in real logs, accepted by name (the output lists them) */
	bool wa_boot_guard, wa_utf16_odd, wa_vendor_type, wa_compact_pcr2;
	uint32_t gap;      /* PCRs with an event refused: facts needing every extend are unknown */
	uint32_t extended; /* PCRs the log extends */
	uint32_t ignored;  /* PCRs no fact uses whose values differ from the replay */
	size_t boot_end;   /* index of "Exit Boot Services Invocation", or SIZE_MAX */
	size_t nlate;
	long late[64];     /* boot-chain events after the end of boot: listed, not believed */
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
		if (e && !e->header && e->pcr < TCG_NUM_PCRS)
			c->gap |= 1u << e->pcr;
		c->prob_dropped++;
		return;
	}
	if (e && !e->header && e->pcr < TCG_NUM_PCRS)
		c->gap |= 1u << e->pcr;
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

/* UEFI_VARIABLE_DATA, its name in ASCII. */
typedef struct {
	const uint8_t *guid;
	char name[32]; /* ASCII; '?' for others; truncated names end in '?' */
	const uint8_t *data;
	size_t len;
} uefivar;

static bool parse_var_n(const uint8_t *p, size_t size, bool trailing, uefivar *v)
{
	tcg_uefi_var u;
	if (!tcg_uefi_var_parse(p, size, &u) || (tcg_buf_left(&u.rest) && !trailing))
		return false;
	v->guid = u.guid;
	tcg_uefi_var_ascii(&u, v->name, sizeof v->name);
	v->data = u.data.p;
	v->len = u.data.len;
	return true;
}

static bool parse_var(const tcg_event *e, uefivar *v)
{
	return parse_var_n(e->data, e->size, false, v);
}

/* EFI_SIGNATURE_LIST entries into l: SHA-256 of X.509 DER, else the data. */
static bool parse_siglists(tcg_claims *c, const uint8_t *p, size_t len, hlist *l)
{
	tcg_buf b = tcg_buf_init(p, len), sig;
	tcg_siglist sl;
	enum tcg_siglist_rc rc;
	const uint8_t *owner;
	while ((rc = tcg_siglist_next(&b, &sl)) == TCG_SIGLIST_OK) {
		while (tcg_siglist_entry(&sl, &owner, &sig)) {
			uint8_t d[32];
			if (tcg_guid_is(sl.type, TCG_GUID_CERT_X509)) {
				if (tcg_hash(c->h, TCG_ALG_SHA256, sig.p, sig.len, d))
					return false;
				if (!hlist_add(l, d, 32))
					return false;
			} else if (!hlist_add(l, sig.p, sig.len)) {
				return false;
			}
		}
	}
	return rc == TCG_SIGLIST_END;
}

/* ---- Windows facts ---- */

typedef struct {
	tcg_claims *c;
	const tcg_event *e;
	bool dry; /* validate sizes only */
	const char *rule; /* set when an item is refused */
	const char *why;
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

static int refuse(sipa_ctx *s, uint32_t id, const char *rule, const char *why)
{
	s->rule = rule;
	s->why = why;
	s->bad_id = id;
	return 1;
}

/* The first value wins; a different later one is a conflict (the event is refused). */
static int num_once(sipa_ctx *s, uint32_t id, sipa_num *n, uint64_t v)
{
	if (n->seen && n->v != v) {
		n->conflict = true;
		return refuse(s, id, "sipa-value-conflict",
		              "a SIPA value differs from the one measured before it");
	}
	n->seen = true;
	n->v = v;
	return 0;
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
		if (!s->dry)
			s->c->win.elam_hive = true;
	}
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

static bool same_bytes(bytes a, bytes b)
{
	return a.len == b.len && (!a.len || !memcmp(a.p, b.p, a.len));
}

/* Add m to a list of images, once per path and hash; count the loads. */
static bool add_image(module *list, size_t *n, size_t cap, const module *m)
{
	for (size_t i = 0; i < *n; i++)
		if (same_bytes(list[i].path, m->path) && same_bytes(list[i].hash, m->hash)) {
			list[i].count++;
			/* validated only if every load was */
			if (m->validated != 1)
				list[i].validated = m->validated == UNK && list[i].validated == UNK ? UNK : 0;
			return true;
		}
	if (*n == cap)
		return false;
	list[*n] = *m;
	list[*n].count = 1;
	(*n)++;
	return true;
}

/* The ELAM driver signing certificate's subject (every ELAM driver carries it). */
static const char elam_publisher[] = "microsoft windows early launch anti-malware publisher";

static int sipa_leave(void *vctx, uint32_t id, unsigned depth)
{
	sipa_ctx *s = vctx;
	winfacts *w = &s->c->win;
	(void)depth;
	if (id == SIPA_LOADEDMODULE_AGGREGATION) {
		s->in_lma = false;
		if (s->dry || s->e->pcr != 13 || !s->cur.hash.len)
			return 0;
		/* PCR 13 carries the images winload loaded with their paths (dha.md §4.5). */
		char path[512], pub[128];
		utf16_ascii(s->cur.path.p, s->cur.path.len, path, sizeof path);
		utf16_ascii(s->cur.publisher.p, s->cur.publisher.len, pub, sizeof pub);
		bool wdboot = ends_with(path, "\\drivers\\wdboot.sys") ||
		              ends_with(path, "\\drivers\\wd\\wdboot.sys");
		if (strstr(path, "\\drivers\\"))
			w->drivers_measured = true;
		if (s->cur.validated == 1 && wdboot)
			w->elam = true;
		if ((wdboot || !strcmp(pub, elam_publisher)) &&
		    !add_image(w->elamdrv, &w->nelam, MAX_ELAM, &s->cur))
			return refuse(s, id, "sipa-too-many", "more than 16 ELAM drivers");
		if (!w->mods && !(w->mods = calloc(MAX_MODULES, sizeof *w->mods)))
			return refuse(s, id, "nomem", "out of memory");
		if (!add_image(w->mods, &w->nmod, MAX_MODULES, &s->cur))
			return refuse(s, id, "sipa-too-many", "more than 4096 loaded images");
	} else if (id == SIPA_ELAM_AGGREGATION) {
		s->in_elam = false;
	}
	return 0;
}

/* Seconds since 1970 from a FILETIME (100 ns since 1601). */
#define FILETIME_1970 116444736000000000ull

/* dha.md §4.6.1: CreationTime, DigestLength, HashAlgID, Digest; nothing after. */
static bool parse_revlist(const uint8_t *p, size_t len, revlist *r)
{
	tcg_buf b = tcg_buf_init(p, len);
	uint64_t ft;
	uint32_t dlen;
	const uint8_t *d;
	if (!tcg_buf_u64le(&b, &ft) || !tcg_buf_u32le(&b, &dlen) || !tcg_buf_u16le(&b, &r->alg) ||
	    dlen != tcg_buf_left(&b) || !tcg_buf_bytes(&b, dlen, &d) || !dlen ||
	    (tcg_alg_size(r->alg) && tcg_alg_size(r->alg) != dlen))
		return false;
	r->raw = (bytes){ p, len };
	r->digest = (bytes){ d, dlen };
	/* FILETIME is signed: the top bit set is before 1601 */
	r->time_ok = ft >= FILETIME_1970 && ft < 1ull << 63 &&
	             (ft - FILETIME_1970) / 10000000u <= UINT32_MAX;
	r->secs = r->time_ok ? (ft - FILETIME_1970) / 10000000u : 0;
	return true;
}

/* The item's size is as dha.md §4.3/§4.4 says, or the item is refused. */
static int sipa_check(sipa_ctx *s, uint32_t id, const uint8_t *p, size_t len)
{
	if (id >= SIPA_VBS_FIRST && id <= SIPA_VBS_LAST)
		return (id == SIPA_VBS_HVCI_POLICY ? len != 8 : len != 1)
		               ? refuse(s, id, "sipa-item-size", "a VBS item has the wrong size")
		               : 0;
	switch (id) {
	case SIPA_BOOTDEBUGGING:
	case SIPA_OSKERNELDEBUG:
	case SIPA_CODEINTEGRITY:
	case SIPA_TESTSIGNING:
	case SIPA_SAFEMODE:
	case SIPA_WINPE:
	case SIPA_FLIGHTSIGNING:
	case SIPA_IMAGEVALIDATED:
	case SIPA_HYPERVISOR_DEBUG:
		return len != 1 ? refuse(s, id, "sipa-item-size", "a SIPA boolean is not one byte") : 0;
	case SIPA_DATAEXECUTIONPREVENTION:
	case SIPA_HYPERVISOR_LAUNCH_TYPE:
	case SIPA_HYPERVISOR_IOMMU_POLICY:
	case SIPA_VSM_LAUNCH_TYPE:
	case SIPA_BOOTCOUNTER:
	case SIPA_EVENTCOUNTER:
	case SIPA_COUNTERID:
		return len != 8 ? refuse(s, id, "sipa-item-size", "a SIPA UINT64 is not 8 bytes") : 0;
	case SIPA_TRANSFER_CONTROL:
	case SIPA_APPLICATION_SVN:
	case SIPA_MODULE_SVN:
	case SIPA_HASHALGORITHMID:
	case SIPA_SMT_STATUS:
	case SIPA_LSAISO_CONFIG:
		return len != 4 ? refuse(s, id, "sipa-item-size", "a SIPA UINT32 is not 4 bytes") : 0;
	case SIPA_BITLOCKER_UNLOCK:
		return len != 4 && len != 8
		               ? refuse(s, id, "sipa-item-size", "BITLOCKER_UNLOCK is not 4 or 8 bytes")
		               : 0;
	case SIPA_BOOT_REVOCATION_LIST:
	case SIPA_OS_REVOCATION_LIST: {
		revlist r;
		return !parse_revlist(p, len, &r)
		               ? refuse(s, id, "sipa-revlist-malformed",
		                        "a revocation list payload is malformed (dha.md 4.6.1)")
		               : 0;
	}
	case SIPA_SBCP_INFO: {
		tcg_buf b = tcg_buf_init(p, len);
		uint32_t ver, off;
		uint16_t alg, dlen;
		if (!tcg_buf_u32le(&b, &ver) || !tcg_buf_u32le(&b, &off) || !tcg_buf_u16le(&b, &alg) ||
		    !tcg_buf_u16le(&b, &dlen) || off > len || dlen > len - off)
			return refuse(s, id, "sipa-item-size", "SBCP_INFO is malformed");
		return 0;
	}
	default:
		return 0;
	}
}

static void revlist_fact(sipa_ctx *s, revlist *r, const uint8_t *p, size_t len, const char *what)
{
	if (s->e->pcr != 13 || r->raw.p)
		return;
	parse_revlist(p, len, r); /* checked in the dry walk */
	if (!r->time_ok)
		problem(s->c, s->e, "sipa-revlist-time",
		        "the %s revocation list's CreationTime is before 1970 or after 2106: "
		        "no version",
		        what);
}

static int sipa_item(void *vctx, uint32_t id, const uint8_t *p, size_t len, unsigned depth)
{
	sipa_ctx *s = vctx;
	winfacts *w = &s->c->win;
	uint32_t pcr = s->e->pcr;
	(void)depth;

	if (sipa_check(s, id, p, len))
		return 1;
	if (s->dry)
		return 0;
	w->any = true;

	bool on = len && p[0];
	if (id >= SIPA_VBS_FIRST && id <= SIPA_VBS_LAST) {
		if (id == SIPA_VBS_HVCI_POLICY)
			return num_once(s, id, &w->hvci, le(p, 8));
		all_on(&w->vbs[id - SIPA_VBS_FIRST], on);
		return 0;
	}
	if ((id & SIPA_CATEGORY_MASK) == SIPA_DRTM_CATEGORY)
		w->drtm = true;
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
	case SIPA_HYPERVISOR_DEBUG:
		latch(&w->hvdebug, on);
		break;
	case SIPA_CODEINTEGRITY:
		all_on(&w->ci, on);
		break;
	case SIPA_DATAEXECUTIONPREVENTION:
		/* The BCD nx setting (dha.md §4.7): 0 OptIn, 1 OptOut, 2 AlwaysOff, 3 AlwaysOn. */
		if (num_once(s, id, &w->dep_num, le(p, 8))) {
			w->dep = UNK;
			return 1;
		}
		w->dep_raw = w->dep_num.v;
		w->dep = w->dep_raw > 3 ? UNK : w->dep_raw != 2;
		break;
	case SIPA_HYPERVISOR_LAUNCH_TYPE:
		latch(&w->hv, le(p, 8) != 0);
		break;
	case SIPA_HYPERVISOR_IOMMU_POLICY:
		return num_once(s, id, &w->iommu_policy, le(p, 8));
	case SIPA_SMT_STATUS:
		return num_once(s, id, &w->smt, le(p, 4));
	case SIPA_LSAISO_CONFIG:
		return num_once(s, id, &w->lsaiso, le(p, 4));
	case SIPA_VSM_LAUNCH_TYPE:
		latch(&w->vsm, le(p, 8) != 0);
		break;
	case SIPA_BOOTCOUNTER: {
		uint64_t v = le(p, 8);
		if (w->bootcount_seen && w->bootcount != v)
			return refuse(s, id, "sipa-bootcount-conflict",
			              "SIPA boot counts differ between events");
		w->bootcount_seen = true;
		w->bootcount = v;
		break;
	}
	case SIPA_EVENTCOUNTER:
		return num_once(s, id, &w->evcount, le(p, 8));
	case SIPA_COUNTERID:
		return num_once(s, id, &w->counterid, le(p, 8));
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
		revlist_fact(s, &w->bootrev, p, len, "boot");
		break;
	case SIPA_OS_REVOCATION_LIST:
		revlist_fact(s, &w->osrev, p, len, "OS");
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
		/* The ELAM hive's key names: a vendor's key may stay behind after
		 * another vendor's driver replaced it, so they name no driver. */
		if (s->in_elam) {
			bool dup = false;
			for (size_t i = 0; i < w->nelamkey && !dup; i++)
				dup = same_bytes(w->elamkey[i], (bytes){ p, len });
			if (!dup && w->nelamkey < MAX_ELAM)
				w->elamkey[w->nelamkey++] = (bytes){ p, len };
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
		problem(c, e, s.rule ? s.rule : err.rule, "%s", s.rule ? s.why : err.msg);
		return;
	}
	s.dry = false;
	s.in_lma = s.in_elam = false;
	if (tcg_sipa_walk(e->data, e->size, &sipa_visitor, &s, &err))
		problem(c, e, s.rule ? s.rule : err.rule, "%s", s.rule ? s.why : err.msg);
}

/* The facts that start unknown (the rest start zero). */
static void winfacts_init(winfacts *w)
{
	w->hvdebug = UNK;
	for (size_t i = 0; i < sizeof w->vbs / sizeof w->vbs[0]; i++)
		w->vbs[i] = UNK;
}

/* ---- PCR 7: Secure Boot (dha.md §5.6) and shim ---- */

/* What a PCR 7 variable's name allows (PFP 3.3.4.8, shim, dha.md §5.6): the event
 * type is not covered by the digest, the name is, so the name decides the type. */
enum var_kind {
	VAR_CONFIG,    /* Secure Boot policy variables: EV_EFI_VARIABLE_DRIVER_CONFIG only */
	VAR_DB,        /* db: the database (DRIVER_CONFIG) or a certificate from it (AUTHORITY) */
	VAR_SHIM,      /* shim's MokList, SbatLevel, ...: EV_EFI_VARIABLE_AUTHORITY only */
	VAR_DEVDB,     /* the SPDM device database: EV_EFI_SPDM_DEVICE_* only */
	VAR_OTHER,     /* vendor names: DRIVER_CONFIG or AUTHORITY */
};

static enum var_kind var_kind(const uefivar *v)
{
	static const char *const global[] = { "SecureBoot", "PK", "KEK", "SetupMode",
		                              "AuditMode", "DeployedMode" };
	static const char *const imagesec[] = { "dbx", "dbt", "dbr" };
	static const char *const shim[] = { "MokList", "MokListX", "MokListTrusted", "SbatLevel",
		                            "Shim", "MokSBState" };
	for (size_t i = 0; i < sizeof global / sizeof global[0]; i++)
		if (!strcmp(v->name, global[i]))
			return VAR_CONFIG;
	for (size_t i = 0; i < sizeof imagesec / sizeof imagesec[0]; i++)
		if (!strcmp(v->name, imagesec[i]))
			return VAR_CONFIG;
	if (!strcmp(v->name, "db"))
		return VAR_DB;
	for (size_t i = 0; i < sizeof shim / sizeof shim[0]; i++)
		if (!strcmp(v->name, shim[i]))
			return VAR_SHIM;
	if (!strcmp(v->name, "devdb"))
		return VAR_DEVDB;
	return VAR_OTHER;
}

/* DER SEQUENCE with a long-form length that spans exactly len bytes. */
static bool is_der(const uint8_t *p, size_t len)
{
	if (len < 4 || p[0] != 0x30)
		return false;
	if (p[1] == 0x81)
		return len == 3 + (size_t)p[2];
	if (p[1] == 0x82)
		return len == 4 + ((size_t)p[2] << 8 | p[3]);
	if (p[1] == 0x83 && len >= 5)
		return len == 5 + ((size_t)p[2] << 16 | (size_t)p[3] << 8 | p[4]);
	return false;
}

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
		if (var_kind(&v) == VAR_SHIM || var_kind(&v) == VAR_DEVDB) {
			problem(c, e, "secureboot-variable-retyped",
			        "%s measured as EV_EFI_VARIABLE_DRIVER_CONFIG", v.name);
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
		if (tcg_guid_is(v.guid, TCG_GUID_GLOBAL_VARIABLE) && !strcmp(v.name, "SecureBoot")) {
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
		bool *known = NULL;
		if (tcg_guid_is(v.guid, TCG_GUID_GLOBAL_VARIABLE) && !strcmp(v.name, "PK"))
			l = &sb->pk, known = &sb->pk_known;
		else if (tcg_guid_is(v.guid, TCG_GUID_GLOBAL_VARIABLE) && !strcmp(v.name, "KEK"))
			l = &sb->kek, known = &sb->kek_known;
		else if (tcg_guid_is(v.guid, TCG_GUID_IMAGE_SECURITY) && !strcmp(v.name, "db"))
			l = &sb->db, known = &sb->db_known;
		else if (tcg_guid_is(v.guid, TCG_GUID_IMAGE_SECURITY) && !strcmp(v.name, "dbx"))
			l = &sb->dbx, known = &sb->dbx_known;
		else if (!strcmp(v.name, "CurrentPolicy"))
			sb->current_policy = (bytes){ v.data, v.len };
		if (l && !parse_siglists(c, v.data, v.len, l))
			problem(c, e, "signature-list-malformed", "%s: EFI_SIGNATURE_LIST does not parse",
			        v.name);
		else if (known)
			*known = true;
		return;
	case EV_EFI_VARIABLE_AUTHORITY:
		/* Shim appends stray bytes after the variable (covered by the digest). */
		if (!parse_var_n(e->data, e->size, true, &v)) {
			problem(c, e, "uefi-variable-malformed", "UEFI_VARIABLE_DATA does not parse");
			return;
		}
		if (var_kind(&v) == VAR_CONFIG || var_kind(&v) == VAR_DEVDB) {
			problem(c, e, "secureboot-variable-retyped",
			        "%s measured as EV_EFI_VARIABLE_AUTHORITY", v.name);
			return;
		}
		if (tcg_guid_is(v.guid, TCG_GUID_SHIM_LOCK) || var_kind(&v) == VAR_SHIM)
			c->lx.shim = true;
		if (!strcmp(v.name, "SbatLevel")) {
			if (!c->lx.sbat.p) /* the first value wins */
				c->lx.sbat = (bytes){ v.data, v.len };
			return;
		}
		if (!strcmp(v.name, "MokListTrusted"))
			return;
		/* One certificate: EFI_SIGNATURE_DATA (owner GUID, DER or an image hash), or
		 * bare DER. Anything else is another variable's data under this type. */
		size_t skip = is_der(v.data, v.len) ? 0 : 16, h = v.len - 16;
		if (skip && !(v.len > 16 && (is_der(v.data + 16, h) || h == 20 || h == 28 ||
		                             h == 32 || h == 48 || h == 64))) {
			problem(c, e, "authority-malformed",
			        "%s: authority data is not one certificate or image hash", v.name);
			return;
		}
		uint8_t d[32];
		if (!tcg_hash(c->h, TCG_ALG_SHA256, v.data + skip, v.len - skip, d))
			hlist_add(!strcmp(v.name, "MokList") ? &c->lx.mok : &sb->auth, d, 32);
		return;
	case EV_EFI_SPDM_DEVICE_POLICY:
	case EV_EFI_SPDM_DEVICE_AUTHORITY:
		/* Same data layout as an authority: only the device database may use it. */
		if (!parse_var_n(e->data, e->size, false, &v)) {
			problem(c, e, "uefi-variable-malformed", "UEFI_VARIABLE_DATA does not parse");
			return;
		}
		if (var_kind(&v) != VAR_DEVDB)
			problem(c, e, "secureboot-variable-retyped", "%s measured as an SPDM event",
			        v.name);
		return;
	default:
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

/* Whether the data with one more zero byte hashes to e's digest in every bank. */
static bool utf16_odd_matches(tcg_claims *c, const tcg_event *e)
{
	uint8_t *p = malloc((size_t)e->size + 1);
	if (!p)
		return false;
	memcpy(p, e->data, e->size);
	p[e->size] = 0;
	bool ok = digest_matches(c, e, p, (size_t)e->size + 1);
	free(p);
	return ok;
}

/* ---- derivation ---- */

static const uint16_t strength[] = { TCG_ALG_SHA512, TCG_ALG_SHA3_512, TCG_ALG_SHA384,
	                             TCG_ALG_SHA3_384, TCG_ALG_SHA256, TCG_ALG_SHA3_256,
	                             TCG_ALG_SM3_256, TCG_ALG_SHA1 };

static bool is_wbcl_sep(const tcg_event *e)
{
	return e->type == EV_SEPARATOR && e->size == 4 && !memcmp(e->data, "WBCL", 4);
}

/* GRUB's PCR 8 strings: a label, then the text the digest covers (binding.c). */
enum grub_kind { GRUB_NONE, GRUB_CMD, GRUB_KERNEL, GRUB_MODULE };

static enum grub_kind grub_text(tcg_claims *c, const tcg_event *e, bytes *text)
{
	static const struct {
		const char *p;
		enum grub_kind k;
	} labels[] = {
		{ "grub_cmd: ", GRUB_CMD },        { "kernel_cmdline: ", GRUB_KERNEL },
		{ "module_cmdline: ", GRUB_MODULE }, { "grub_cmd ", GRUB_CMD },
		{ "kernel_cmdline ", GRUB_KERNEL }, { "module_cmdline ", GRUB_MODULE },
		{ "grub_kernel_cmdline ", GRUB_KERNEL },
	};
	size_t n = e->size;
	while (n && !e->data[n - 1])
		n--;
	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
		size_t k = strlen(labels[i].p);
		if (n < k || memcmp(e->data, labels[i].p, k))
			continue;
		/* The label is not measured: only a text whose hash is the digest counts. */
		if (digest_matches(c, e, e->data + k, n - k) ||
		    (n < e->size && digest_matches(c, e, e->data + k, n - k + 1))) {
			*text = (bytes){ e->data + k, n - k };
			return labels[i].k;
		}
	}
	return GRUB_NONE;
}

/* The argument of a GRUB command that loads a kernel, or false. */
static bool grub_linux_arg(bytes cmd, bytes *arg)
{
	static const char *const cmds[] = { "linux ", "linuxefi ", "linux16 " };
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		size_t k = strlen(cmds[i]);
		if (cmd.len >= k && !memcmp(cmd.p, cmds[i], k)) {
			*arg = (bytes){ cmd.p + k, cmd.len - k };
			return true;
		}
	}
	return false;
}

/* GRUB quotes the words of the kernel command line that hold spaces (and escapes quotes
 * and backslashes), which its measured linux command does not: equal but for those. */
static bool same_unquoted(bytes a, bytes b)
{
	size_t i = 0, j = 0;
	for (;;) {
		while (i < a.len && (a.p[i] == '"' || a.p[i] == '\\'))
			i++;
		while (j < b.len && (b.p[j] == '"' || b.p[j] == '\\'))
			j++;
		if (i == a.len || j == b.len)
			return i == a.len && j == b.len;
		if (a.p[i++] != b.p[j++])
			return false;
	}
}

/* PCR 4: every extend that is not a measured constant is an image the firmware ran. The
 * type is not covered by the digest, so an image retyped as a driver or EV_IPL still counts;
 * types that bind their data (separator, actions) were checked against it already. */
static void pcr4_event(tcg_claims *c, const tcg_event *e)
{
	if (tcg_type_binds(e->pcr, e->type))
		return;
	hlist_add(&c->lx.bootloaders, e->digest[c->bidx], tcg_alg_size(c->bank));
}

/* shim measures its MOK variables into PCR 14 in this order; the labels are not covered by
 * the digests, the order is (PCR 14 replays). */
static const char *const mok_order[] = { "MokList", "MokListX" };

static void linux_event(tcg_claims *c, const tcg_event *e)
{
	linuxfacts *lx = &c->lx;
	const uint8_t *d = e->digest[c->bidx];
	if (e->pcr == 14) {
		size_t pos = lx->pcr14_n++;
		if (e->type != EV_IPL)
			return;
		for (size_t i = 0; i < sizeof mok_order / sizeof mok_order[0]; i++) {
			size_t k = strlen(mok_order[i]);
			if (e->size < k || memcmp(e->data, mok_order[i], k) ||
			    (e->size > k && (e->size != k + 1 || e->data[k])))
				continue;
			if (pos != i) {
				problem(c, e, "moklist-label-order",
				        "%s label on PCR 14 extend %zu: shim measures it as extend %zu",
				        mok_order[i], pos + 1, i + 1);
				return;
			}
			lx->shim = true;
			if (i == 0)
				hlist_add(&lx->moklist_digest, d, tcg_alg_size(c->bank));
			return;
		}
		if ((e->size == 10 && !memcmp(e->data, "MokSBState", 10)) ||
		    (e->size == 14 && !memcmp(e->data, "MokListTrusted", 14)))
			lx->shim = true;
		return;
	}
	if (e->type != EV_IPL)
		return;
	if (e->pcr == 8) {
		bytes text, arg;
		switch (grub_text(c, e, &text)) {
		case GRUB_NONE:
			return;
		case GRUB_CMD:
			lx->grub = true;
			if (grub_linux_arg(text, &arg))
				lx->linux_arg = arg;
			return;
		case GRUB_KERNEL:
			lx->grub = true;
			/* The label is not measured: the text must be what the last measured
			 * linux command loaded, else it could be any GRUB string. */
			if (!lx->linux_arg.p || !same_unquoted(lx->linux_arg, text)) {
				problem(c, e, "kernel-cmdline-unverified",
				        "kernel command line is not the argument of a GRUB linux command");
				return;
			}
			if (!lx->cmdline.p) /* the first value wins */
				lx->cmdline = text;
			return;
		case GRUB_MODULE:
			lx->grub = true;
			return;
		}
	} else if (e->pcr == 12) {
		/* systemd-stub: the kernel command line, UTF-16LE */
		lx->sdboot = true;
		if (!lx->cmdline16.p)
			lx->cmdline16 = (bytes){ e->data, e->size };
	} else if (e->pcr == 11) {
		lx->sdboot = true;
		/* systemd-stub logs each section twice, both described by the name in UTF-16:
		 * the name (digest = ASCII name and NUL) and the contents. Only the first
		 * kind measures the name. */
		char name[16];
		size_t k = 0;
		for (size_t i = 0; i + 1 < e->size && k + 1 < sizeof name; i += 2) {
			uint16_t u = (uint16_t)(e->data[i] | e->data[i + 1] << 8);
			if (!u)
				break;
			if (u < 0x21 || u > 0x7e)
				return;
			name[k++] = (char)u;
		}
		name[k] = 0;
		if (k && name[0] == '.' && lx->nsections < 16 &&
		    digest_matches(c, e, (const uint8_t *)name, k + 1))
			memcpy(lx->sections[lx->nsections++], name, k + 1);
	}
}

/* PCRs the boot chain measures into after the firmware: no event may extend them after
 * ExitBootServices (PCR 7 in every profile, the rest for Linux). */
static bool boot_chain_pcr(const tcg_claims *c, uint32_t pcr)
{
	if (pcr == 7)
		return true;
	return !c->windows && (pcr == 4 || pcr == 8 || pcr == 9 || (pcr >= 11 && pcr <= 14));
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
	winfacts_init(&c->win);
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

	c->boot_end = SIZE_MAX;
	for (size_t i = 0; i < tcg_log_num_events(log); i++) {
		const tcg_event *e = tcg_log_event(log, i);
		if (!e->header && e->type != TCG_EV_NO_ACTION && e->pcr < TCG_NUM_PCRS)
			c->extended |= 1u << e->pcr;
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
		/* Name each PCR that does not replay, at its first event. A PCR no fact comes
		 * from and the log never extends (IMA's 10, the OS's 15, 16, 23) spoils nothing. */
		for (uint32_t p = 0; p < TCG_NUM_PCRS; p++) {
			if (!(bad & (1u << p)))
				continue;
			if (!(FACT_PCRS & (1u << p)) && !(c->extended & (1u << p))) {
				c->ignored |= 1u << p;
				continue;
			}
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

	/* The end of boot: the first ExitBootServices action (its digest checked, its type
	 * and data checked with the well-known events below). */
	for (size_t i = 0; i < tcg_log_num_events(log) && c->boot_end == SIZE_MAX; i++) {
		const tcg_event *e = tcg_log_event(log, i);
		if (!e->header && e->pcr == 5 && e->type == EV_EFI_ACTION && e->digest[c->bidx] &&
		    !memcmp(e->digest[c->bidx], c->wk[4], dsize))
			c->boot_end = i;
	}

	/* Windows profile: the log closes PCR 12-14 with "WBCL" separators. */
	for (size_t i = 0; i < tcg_log_num_events(log); i++) {
		const tcg_event *e = tcg_log_event(log, i);
		if (!e->header && e->pcr >= 12 && e->pcr <= 14 && is_wbcl_sep(e))
			c->windows = true;
	}

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
		/* Types some firmware uses where no fact reads events. */
		if (!type_allowed(c, e->pcr, e->type) && !tname && e->pcr <= 3) {
			c->wa_vendor_type = true; /* e.g. Intel TXT types in PCR 0 */
		} else if (!type_allowed(c, e->pcr, e->type) && e->pcr == 2 &&
		           e->type == EV_COMPACT_HASH) {
			c->wa_compact_pcr2 = true;
		} else if (!type_allowed(c, e->pcr, e->type)) {
			char what[96];
			snprintf(what, sizeof what, "%s in PCR %u", tname ? tname : "unknown type",
			         e->pcr);
			problem(c, e, "event-type-unexpected", "%s is not in the platform profile",
			        what);
			continue;
		}
		if (!tname)
			tname = "an unknown type";
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
			/* systemd measures a UTF-16 string with its last byte cut from the log. */
			if (b != TCG_BIND_OK && e->type == EV_IPL && (e->size & 1) && e->size > 1 &&
			    !e->data[e->size - 1] && utf16_odd_matches(c, e)) {
				b = TCG_BIND_OK;
				c->wa_utf16_odd = true;
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
			/* Intel Boot Guard measures its S-CRTM as the digest of four zero bytes. */
			if (k == 0 && e->pcr == 0 && e->type == EV_S_CRTM_CONTENTS) {
				c->wa_boot_guard = true;
				continue;
			}
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
		/* Root can extend these PCRs after boot and append matching events. */
		if (i > c->boot_end && boot_chain_pcr(c, e->pcr)) {
			if (c->nlate < sizeof c->late / sizeof c->late[0])
				c->late[c->nlate++] = (long)e->number;
			uint32_t gap = c->gap; /* not believed, so it leaves no gap either */
			problem(c, e, "event-after-boot",
			        "PCR %u extended after ExitBootServices: not believed", e->pcr);
			c->gap = gap;
			continue;
		}
		if (e->pcr == 7)
			pcr7_event(c, e);
		else if (e->pcr == 4)
			pcr4_event(c, e);
		else if (c->windows && e->pcr >= 12 && e->pcr <= 14 && e->type == EV_EVENT_TAG)
			windows_event(c, e);
		else if (!c->windows)
			linux_event(c, e);
	}
	/* GRUB's and systemd-stub's command lines in one boot: root could have appended either
	 * (an event placed early in the file), and nothing shows which the kernel got. */
	if (c->lx.cmdline.p && c->lx.cmdline16.p) {
		c->lx.cmdline_conflict = true;
		problem(c, NULL, "kernel-cmdline-conflict",
		        "both GRUB (PCR 8) and systemd-stub (PCR 12) measured a kernel command line");
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

/* "YYYY-MM-DDTHH:MM:SSZ" for seconds since 1970 (proleptic Gregorian, UTC). */
static void iso_time(uint64_t secs, char out[32])
{
	uint64_t days = secs / 86400, rem = secs % 86400;
	/* civil_from_days (H. Hinnant), for days >= 0 */
	uint64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	unsigned d = (unsigned)(doy - (153 * mp + 2) / 5 + 1), m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	uint64_t y = yoe + era * 400 + (m <= 2);
	snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned)y, m, d,
	         (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60), (unsigned)(rem % 60));
}

static void kv_utf16(tcg_yaml *y, const char *k, bytes b)
{
	if (b.p) {
		tcg_yaml_key(y, k);
		tcg_yaml_utf16(y, b.p, b.len);
	}
}

static void write_revlist(tcg_yaml *y, const char *k, const revlist *r)
{
	if (!r->raw.p)
		return;
	tcg_yaml_key(y, k);
	tcg_yaml_map_start(y);
	if (r->time_ok) {
		char t[32];
		iso_time(r->secs, t);
		tcg_yaml_kv_cstr(y, "CreationTime", t);
	}
	tcg_yaml_kv_u64(y, "HashAlgorithmID", r->alg);
	kv_bytes(y, "Digest", r->digest);
	tcg_yaml_map_end(y);
}

static void write_images(tcg_yaml *y, const char *k, const module *m, size_t n)
{
	if (!n)
		return;
	tcg_yaml_key(y, k);
	tcg_yaml_seq_start(y);
	for (size_t i = 0; i < n; i++, m++) {
		tcg_yaml_map_start(y);
		kv_utf16(y, "Path", m->path);
		kv_bytes(y, "AuthenticodeHash", m->hash);
		if (m->has_alg)
			tcg_yaml_kv_hex64(y, "HashAlgorithmID", m->alg);
		kv_tri(y, "Validated", m->validated);
		kv_utf16(y, "Issuer", m->issuer);
		kv_utf16(y, "Publisher", m->publisher);
		if (m->has_svn)
			tcg_yaml_kv_u64(y, "SVN", m->svn);
		if (m->count > 1)
			tcg_yaml_kv_u64(y, "Count", m->count);
		tcg_yaml_map_end(y);
	}
	tcg_yaml_seq_end(y);
}

static void kv_num(tcg_yaml *y, const char *k, const sipa_num *n)
{
	if (n->seen && !n->conflict)
		tcg_yaml_kv_u64(y, k, n->v);
}

static void kv_name(tcg_yaml *y, const char *k, const sipa_num *n, const char *const *names,
                    size_t nnames)
{
	if (n->seen && !n->conflict && n->v < nnames)
		tcg_yaml_kv_cstr(y, k, names[n->v]);
}

static const char *const dep_names[] = { "OptIn", "OptOut", "AlwaysOff", "AlwaysOn" };
static const char *const smt_names[] = { "disabled", "enabled", "software-disabled" };
static const char *const vbs_names[] = { "VSMRequired",          "SecureBootRequired",
	                                 "IOMMURequired",        "MMIONXRequired",
	                                 "MSRFilteringRequired", "MandatoryEnforcement",
	                                 NULL /* HVCIPolicy */,  "MicrosoftBootChainRequired",
	                                 "DumpUsesAMERoot",      "VSMNoSecretsEnforced" };

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
		/* Unknown unless winload measured its drivers or the ELAM hive (not on resume). */
		if (w->elam || w->drivers_measured || w->elam_hive)
			tcg_yaml_kv_bool(y, "ELAMDriverLoaded", w->elam);
		kv_tri(y, "VSMEnabled", w->vsm);
		if (w->dep != UNK)
			tcg_yaml_kv_u64(y, "DEPPolicy", (uint64_t)w->dep);
		if (w->bitlocker != UNK)
			tcg_yaml_kv_u64(y, "BitlockerStatus", (uint64_t)w->bitlocker);
		if (w->bootrev.raw.p && w->bootrev.time_ok)
			tcg_yaml_kv_u64(y, "BootManagerRevListVersion", w->bootrev.secs);
		if (w->osrev.raw.p && w->osrev.time_ok)
			tcg_yaml_kv_u64(y, "CodeIntegrityRevListVersion", w->osrev.secs);
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
		kv_bytes(y, "BootRevListInfo", w->bootrev.raw);
		kv_bytes(y, "OSRevListInfo", w->osrev.raw);
	}
	tcg_yaml_map_end(y);
}

static void write_windows(const tcg_claims *c, tcg_yaml *y)
{
	const winfacts *w = &c->win;
	tcg_yaml_key(y, "windows");
	tcg_yaml_map_start(y);
	if (w->coldboot != UNK)
		tcg_yaml_kv_cstr(y, "BootType", w->coldboot ? "cold" : "resume");
	/* TPM 1.2: no boot counter (0), the TPM's monotonic counter instead (dha.md §4.3). */
	if (w->bootcount_seen && !w->bootcount && w->evcount.seen && !w->evcount.conflict) {
		tcg_yaml_kv_u64(y, "BootCount", w->evcount.v);
		tcg_yaml_kv_cstr(y, "BootCountSource", "event-counter");
	} else if (w->bootcount_seen) {
		tcg_yaml_kv_u64(y, "BootCount", w->bootcount);
		tcg_yaml_kv_cstr(y, "BootCountSource", "boot-counter");
	}
	kv_num(y, "EventCounter", &w->evcount);
	kv_num(y, "CounterID", &w->counterid);
	kv_tri(y, "ColdBoot", w->coldboot);
	if (w->bitlocker != UNK)
		tcg_yaml_kv_u64(y, "BitlockerUnlockFlags", w->bl_flags);
	kv_tri(y, "HypervisorLaunched", w->hv);
	kv_tri(y, "HypervisorDebugEnabled", w->hvdebug);
	if (w->iommu_policy.seen && !w->iommu_policy.conflict)
		tcg_yaml_kv_hex64(y, "HypervisorIOMMUPolicy", w->iommu_policy.v);
	kv_tri(y, "FlightSigningEnabled", w->flight);
	kv_num(y, "DEPPolicyRaw", &w->dep_num);
	kv_name(y, "DEPPolicyName", &w->dep_num, dep_names, 4);
	kv_num(y, "SMTStatus", &w->smt);
	kv_name(y, "SMTStatusName", &w->smt, smt_names, 3);
	kv_num(y, "LSAIsoConfig", &w->lsaiso);
	bool vbs = w->hvci.seen && !w->hvci.conflict;
	for (size_t i = 0; i < sizeof w->vbs / sizeof w->vbs[0]; i++)
		vbs = vbs || w->vbs[i] != UNK;
	if (vbs) {
		tcg_yaml_key(y, "VBS");
		tcg_yaml_map_start(y);
		for (size_t i = 0; i < sizeof w->vbs / sizeof w->vbs[0]; i++)
			if (vbs_names[i])
				kv_tri(y, vbs_names[i], w->vbs[i]);
		if (w->hvci.seen && !w->hvci.conflict)
			tcg_yaml_kv_hex64(y, "HVCIPolicy", w->hvci.v);
		tcg_yaml_map_end(y);
	}
	if (w->drtm)
		tcg_yaml_kv_bool(y, "DRTMMeasured", true);
	write_revlist(y, "BootRevList", &w->bootrev);
	write_revlist(y, "OSRevList", &w->osrev);
	write_images(y, "ELAMDrivers", w->elamdrv, w->nelam);
	if (w->nelamkey) {
		tcg_yaml_key(y, "ELAMKeyNames");
		tcg_yaml_seq_start(y);
		for (size_t i = 0; i < w->nelamkey; i++)
			tcg_yaml_utf16(y, w->elamkey[i].p, w->elamkey[i].len);
		tcg_yaml_seq_end(y);
	}
	/* PCR 4 images in log order: Authenticode digests in the bank; the
	 * path in the event is not covered by its digest, so it is not a fact. */
	if (c->lx.bootloaders.n)
		kv_hlist(y, "BootApplicationDigests", &c->lx.bootloaders);
	write_images(y, "LoadedModules", w->mods, w->nmod);
	tcg_yaml_map_end(y);
}

/* A PCR whose every extend was accounted for: a fact from the absence of an event holds. */
static bool pcr_complete(const tcg_claims *c, uint32_t pcr)
{
	return (c->usable & (1u << pcr)) && !(c->gap & (1u << pcr));
}

/* A PCR that replays to its initial value: nothing measured into it. */
static bool pcr_untouched(const tcg_claims *c, uint32_t pcr)
{
	return pcr_complete(c, pcr) && !(c->extended & (1u << pcr));
}

/* true when seen, false only when its PCRs prove nothing was measured, else unknown */
static void kv_seen(tcg_yaml *y, const char *k, bool seen, bool none)
{
	if (seen || none)
		tcg_yaml_kv_bool(y, k, seen);
}

static void write_secureboot(const tcg_claims *c, tcg_yaml *y)
{
	const sbfacts *sb = &c->sb;
	bool all7 = pcr_complete(c, 7);
	tcg_yaml_key(y, "secureboot");
	tcg_yaml_map_start(y);
	kv_seen(y, "UEFIDebugMode", sb->debug, all7);
	kv_seen(y, "DMAProtectionDisabled", sb->dma, all7);
	/* A database is known only when its variable was measured. */
	if (sb->pk_known)
		kv_hlist(y, "PK", &sb->pk);
	if (sb->kek_known)
		kv_hlist(y, "KEK", &sb->kek);
	if (sb->db_known)
		kv_hlist(y, "db", &sb->db);
	if (sb->dbx_known)
		kv_hlist(y, "dbx", &sb->dbx);
	if (all7)
		kv_hlist(y, "Authorities", &sb->auth);
	tcg_yaml_map_end(y);
}

static void write_linux(const tcg_claims *c, tcg_yaml *y)
{
	const linuxfacts *lx = &c->lx;
	tcg_yaml_key(y, "linux");
	tcg_yaml_map_start(y);
	/* shim always measures its MOK variables into PCR 14 */
	kv_seen(y, "Shim", lx->shim, pcr_untouched(c, 14) && pcr_complete(c, 7));
	if (lx->shim) {
		if (pcr_complete(c, 7))
			kv_hlist(y, "MokList", &lx->mok);
		if (lx->moklist_digest.n && pcr_complete(c, 14))
			kv_hlist(y, "MokListDigests", &lx->moklist_digest);
	}
	if (lx->sbat.p)
		tcg_yaml_kv_str(y, "SbatLevel", (const char *)lx->sbat.p, lx->sbat.len);
	if (pcr_complete(c, 4))
		kv_hlist(y, "BootLoaderDigests", &lx->bootloaders);
	kv_seen(y, "Grub", lx->grub, pcr_untouched(c, 8));
	if (lx->cmdline_conflict) {
		/* unknown */
	} else if (lx->cmdline.p) {
		tcg_yaml_kv_str(y, "KernelCmdline", (const char *)lx->cmdline.p, lx->cmdline.len);
	} else if (lx->cmdline16.p) {
		tcg_yaml_key(y, "KernelCmdline");
		tcg_yaml_utf16(y, lx->cmdline16.p, lx->cmdline16.len);
	}
	kv_seen(y, "SystemdBoot", lx->sdboot, pcr_untouched(c, 11) && pcr_untouched(c, 12));
	if (lx->nsections) {
		tcg_yaml_key(y, "UKI");
		tcg_yaml_map_start(y);
		tcg_yaml_key(y, "Sections");
		tcg_yaml_seq_start(y);
		for (size_t i = 0; i < lx->nsections; i++)
			tcg_yaml_cstr(y, lx->sections[i]);
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
	if (c->wa_boot_guard)
		tcg_yaml_cstr(y, "boot-guard-separator-digest");
	if (c->wa_utf16_odd)
		tcg_yaml_cstr(y, "utf16-odd-length");
	if (c->wa_vendor_type)
		tcg_yaml_cstr(y, "vendor-event-type");
	if (c->wa_compact_pcr2)
		tcg_yaml_cstr(y, "compact-hash-pcr2");
	tcg_yaml_seq_end(y);
	tcg_yaml_key(y, "pcrs-verified");
	tcg_yaml_seq_start(y);
	for (unsigned p = 0; p < TCG_NUM_PCRS; p++)
		if (c->pcrs_ok & (1u << p))
			tcg_yaml_u64(y, p);
	tcg_yaml_seq_end(y);
	if (c->ignored) {
		tcg_yaml_key(y, "pcrs-ignored");
		tcg_yaml_seq_start(y);
		for (unsigned p = 0; p < TCG_NUM_PCRS; p++)
			if (c->ignored & (1u << p))
				tcg_yaml_u64(y, p);
		tcg_yaml_seq_end(y);
	}
	if (c->nlate) {
		tcg_yaml_key(y, "late-events");
		tcg_yaml_seq_start(y);
		for (size_t i = 0; i < c->nlate; i++)
			tcg_yaml_u64(y, (uint64_t)c->late[i]);
		tcg_yaml_seq_end(y);
	}
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
	if (c->sb.pcr7 && (pcr_complete(c, 7) || c->sb.debug || c->sb.dma || c->sb.pk_known ||
	                   c->sb.kek_known || c->sb.db_known || c->sb.dbx_known))
		write_secureboot(c, y); /* not an empty map when nothing is known */
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
