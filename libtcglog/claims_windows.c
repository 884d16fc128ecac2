/*
 * Windows facts from the SIPA items of PCR 12-14 (reference dha.md §4): boot
 * configuration, loaded images, ELAM, revocation lists, VBS. Part of claims.
 */
#include "claims_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Any value on makes the fact true. */
static void latch(tri *f, bool on)
{
	if (on)
		*f = TRI_TRUE;
	else if (*f == TRI_UNK)
		*f = TRI_FALSE;
}

/* Every value must be on for the fact to be true. */
static void all_on(tri *f, bool on)
{
	if (!on)
		*f = TRI_FALSE;
	else if (*f == TRI_UNK)
		*f = TRI_TRUE;
}

static tri tri_of(bool b)
{
	return b ? TRI_TRUE : TRI_FALSE;
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
		s->cur.validated = TRI_UNK;
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
			if (m->validated != TRI_TRUE)
				list[i].validated =
				        m->validated == TRI_UNK && list[i].validated == TRI_UNK
				                ? TRI_UNK
				                : TRI_FALSE;
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
		if (s->cur.validated == TRI_TRUE && wdboot)
			w->elam = true;
		if ((wdboot || !strcmp(pub, elam_publisher)) &&
		    !add_image(w->elamdrv, &w->nelam, MAX_ELAM, &s->cur))
			return refuse(s, id, "sipa-too-many", "more than 16 ELAM drivers");
		if (w->nmod == w->modcap && w->modcap < MAX_MODULES) {
			size_t cap = w->modcap ? 2 * w->modcap : 64;
			module *m = realloc(w->mods, (cap < MAX_MODULES ? cap : MAX_MODULES) * sizeof *m);
			if (!m)
				return refuse(s, id, TCG_RULE_OUT_OF_MEMORY, "out of memory");
			w->mods = m;
			w->modcap = cap < MAX_MODULES ? cap : MAX_MODULES;
		}
		if (!add_image(w->mods, &w->nmod, w->modcap, &s->cur))
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
		tcg_cl_problem(s->c, s->e, "sipa-revlist-time",
		        "the %s revocation list's CreationTime is before 1970 or after 2106: "
		        "no version",
		        what);
}

/* One-byte flags and launch types: true when any value is on (CODEINTEGRITY: every one). */
static void sipa_flag(winfacts *w, uint32_t id, const uint8_t *p, bool on)
{
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
	case SIPA_HYPERVISOR_LAUNCH_TYPE:
		latch(&w->hv, le(p, 8) != 0);
		break;
	case SIPA_VSM_LAUNCH_TYPE:
		latch(&w->vsm, le(p, 8) != 0);
		break;
	default:
		break;
	}
}

/* Numbers measured once per boot: a different second value refuses the event. */
static int sipa_number(sipa_ctx *s, uint32_t id, const uint8_t *p)
{
	winfacts *w = &s->c->win;
	switch (id) {
	case SIPA_DATAEXECUTIONPREVENTION:
		/* The BCD nx setting (dha.md §4.7): 0 OptIn, 1 OptOut, 2 AlwaysOff, 3 AlwaysOn. */
		if (num_once(s, id, &w->dep_num, le(p, 8))) {
			w->dep = TRI_UNK;
			return 1;
		}
		w->dep_raw = w->dep_num.v;
		w->dep = w->dep_raw > 3 ? TRI_UNK : tri_of(w->dep_raw != 2);
		return 0;
	case SIPA_HYPERVISOR_IOMMU_POLICY:
		return num_once(s, id, &w->iommu_policy, le(p, 8));
	case SIPA_SMT_STATUS:
		return num_once(s, id, &w->smt, le(p, 4));
	case SIPA_LSAISO_CONFIG:
		return num_once(s, id, &w->lsaiso, le(p, 4));
	case SIPA_EVENTCOUNTER:
		return num_once(s, id, &w->evcount, le(p, 8));
	case SIPA_COUNTERID:
		return num_once(s, id, &w->counterid, le(p, 8));
	case SIPA_BOOTCOUNTER: {
		uint64_t v = le(p, 8);
		if (w->bootcount_seen && w->bootcount != v)
			return refuse(s, id, "sipa-bootcount-conflict",
			              "SIPA boot counts differ between events");
		w->bootcount_seen = true;
		w->bootcount = v;
		return 0;
	}
	default:
		return 0;
	}
}

/* The boot manager's items in PCR 12 (PCR 13 repeats some): boot type, BitLocker, SVNs. */
static void sipa_boot(sipa_ctx *s, uint32_t id, const uint8_t *p, size_t len)
{
	winfacts *w = &s->c->win;
	uint32_t pcr = s->e->pcr;
	switch (id) {
	case SIPA_TRANSFER_CONTROL: {
		uint32_t v = (uint32_t)le(p, 4);
		if (pcr == 12 && (v == 1 || v == 2)) {
			if (w->coldboot == TRI_UNK)
				w->coldboot = tri_of(v == 1);
			if (w->basvn_state == BASVN_BEFORE_TRANSFER)
				w->basvn_state = BASVN_TRANSFERRED;
		}
		break;
	}
	case SIPA_BITLOCKER_UNLOCK:
		/* PCR 13 repeats PCR 12: BitLocker comes from PCR 12 only. */
		if (pcr == 12) {
			uint64_t v = le(p, len);
			if (w->bitlocker == TRI_UNK)
				w->bitlocker = TRI_FALSE;
			if (v && w->bitlocker == TRI_FALSE) {
				w->bitlocker = TRI_TRUE;
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
			} else if (w->basvn_state == BASVN_APP_MEASURED) {
				w->basvn_seen = true;
				w->basvn = v;
				w->basvn_state = BASVN_TAKEN;
			}
		}
		break;
	case SIPA_MODULE_SVN:
		if (s->in_lma) {
			s->cur.svn = (uint32_t)le(p, 4);
			s->cur.has_svn = true;
		}
		if (pcr == 13 && w->basvn_state == BASVN_TRANSFERRED)
			w->basvn_state = BASVN_APP_MEASURED;
		break;
	default:
		break;
	}
}

/* Payloads kept as they are: revocation lists, CI policy, SBCP, ELAM key names. */
static void sipa_payload(sipa_ctx *s, uint32_t id, const uint8_t *p, size_t len)
{
	winfacts *w = &s->c->win;
	uint32_t pcr = s->e->pcr;
	switch (id) {
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
}

/* An item of a loaded-module aggregation: the image being described. */
static void sipa_module(sipa_ctx *s, uint32_t id, const uint8_t *p, size_t len, bool on)
{
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
		s->cur.validated = tri_of(on);
		break;
	default:
		break;
	}
}

static int sipa_item(void *vctx, uint32_t id, const uint8_t *p, size_t len, unsigned depth)
{
	sipa_ctx *s = vctx;
	winfacts *w = &s->c->win;
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
	/* each id belongs to one group */
	sipa_flag(w, id, p, on);
	if (sipa_number(s, id, p))
		return 1;
	sipa_boot(s, id, p, len);
	sipa_payload(s, id, p, len);
	if (s->in_lma)
		sipa_module(s, id, p, len, on);
	return 0;
}

static const tcg_sipa_visitor sipa_visitor = { sipa_enter, sipa_leave, sipa_item };

void tcg_cl_windows_event(tcg_claims *c, const tcg_event *e)
{
	sipa_ctx s = { .c = c, .e = e, .dry = true };
	tcg_err err;
	tcg_err_clear(&err);
	if (tcg_sipa_walk(tcg_cl_data(c, e), e->size, &sipa_visitor, &s, &err)) {
		tcg_cl_problem(c, e, s.rule ? s.rule : err.rule, "%s", s.rule ? s.why : err.msg);
		return;
	}
	s.dry = false;
	s.in_lma = s.in_elam = false;
	if (tcg_sipa_walk(tcg_cl_data(c, e), e->size, &sipa_visitor, &s, &err))
		tcg_cl_problem(c, e, s.rule ? s.rule : err.rule, "%s", s.rule ? s.why : err.msg);
}

/* The facts that start unknown (the rest start zero). */
void tcg_cl_winfacts_init(winfacts *w)
{
	w->bootdebug = w->oskd = w->testsign = w->flight = TRI_UNK;
	w->safemode = w->winpe = w->hv = w->vsm = w->ci = w->dep = TRI_UNK;
	w->bitlocker = w->coldboot = w->hvdebug = TRI_UNK;
	for (size_t i = 0; i < sizeof w->vbs / sizeof w->vbs[0]; i++)
		w->vbs[i] = TRI_UNK;
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
	tcg_cl_kv_bytes(y, "Digest", r->digest);
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
		tcg_cl_kv_bytes(y, "AuthenticodeHash", m->hash);
		if (m->has_alg)
			tcg_yaml_kv_hex64(y, "HashAlgorithmID", m->alg);
		tcg_cl_kv_tri(y, "Validated", m->validated);
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

void tcg_cl_write_health(const tcg_claims *c, tcg_yaml *y)
{
	const winfacts *w = &c->win;
	tcg_yaml_key(y, "health");
	tcg_yaml_map_start(y);
	tcg_cl_kv_tri(y, "SecureBootEnabled", c->sb.enabled);
	if (w->any) {
		tcg_cl_kv_tri(y, "BootDebuggingEnabled", w->bootdebug);
		tcg_cl_kv_tri(y, "OSKernelDebuggingEnabled", w->oskd);
		tcg_cl_kv_tri(y, "CodeIntegrityEnabled", w->ci);
		tcg_cl_kv_tri(y, "TestSigningEnabled", w->testsign);
		tcg_cl_kv_tri(y, "SafeMode", w->safemode);
		tcg_cl_kv_tri(y, "WinPE", w->winpe);
		/* Unknown unless winload measured its drivers or the ELAM hive (not on resume). */
		if (w->elam || w->drivers_measured || w->elam_hive)
			tcg_yaml_kv_bool(y, "ELAMDriverLoaded", w->elam);
		tcg_cl_kv_tri(y, "VSMEnabled", w->vsm);
		if (w->dep != TRI_UNK)
			tcg_yaml_kv_u64(y, "DEPPolicy", (uint64_t)w->dep);
		if (w->bitlocker != TRI_UNK)
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
		tcg_cl_kv_bytes(y, "CIPolicy", w->cipolicy);
		if (w->sbcp.p)
			tcg_cl_kv_bytes(y, "SBCPHash", w->sbcp);
		else if (c->sb.current_policy.p)
			tcg_cl_kv_bytes(y, "SBCPHash", c->sb.current_policy);
		tcg_cl_kv_bytes(y, "BootRevListInfo", w->bootrev.raw);
		tcg_cl_kv_bytes(y, "OSRevListInfo", w->osrev.raw);
	}
	tcg_yaml_map_end(y);
}

void tcg_cl_write_windows(const tcg_claims *c, tcg_yaml *y)
{
	const winfacts *w = &c->win;
	tcg_yaml_key(y, "windows");
	tcg_yaml_map_start(y);
	if (w->coldboot != TRI_UNK)
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
	tcg_cl_kv_tri(y, "ColdBoot", w->coldboot);
	if (w->bitlocker != TRI_UNK)
		tcg_yaml_kv_u64(y, "BitlockerUnlockFlags", w->bl_flags);
	tcg_cl_kv_tri(y, "HypervisorLaunched", w->hv);
	tcg_cl_kv_tri(y, "HypervisorDebugEnabled", w->hvdebug);
	if (w->iommu_policy.seen && !w->iommu_policy.conflict)
		tcg_yaml_kv_hex64(y, "HypervisorIOMMUPolicy", w->iommu_policy.v);
	tcg_cl_kv_tri(y, "FlightSigningEnabled", w->flight);
	kv_num(y, "DEPPolicyRaw", &w->dep_num);
	kv_name(y, "DEPPolicyName", &w->dep_num, dep_names, 4);
	kv_num(y, "SMTStatus", &w->smt);
	kv_name(y, "SMTStatusName", &w->smt, smt_names, 3);
	kv_num(y, "LSAIsoConfig", &w->lsaiso);
	bool vbs = w->hvci.seen && !w->hvci.conflict;
	for (size_t i = 0; i < sizeof w->vbs / sizeof w->vbs[0]; i++)
		vbs = vbs || w->vbs[i] != TRI_UNK;
	if (vbs) {
		tcg_yaml_key(y, "VBS");
		tcg_yaml_map_start(y);
		for (size_t i = 0; i < sizeof w->vbs / sizeof w->vbs[0]; i++)
			if (vbs_names[i])
				tcg_cl_kv_tri(y, vbs_names[i], w->vbs[i]);
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
	 * path in the event is not covered by its digest, so it is not a fact. A
	 * refused PCR 4 event would leave a gap: only a complete PCR 4 gives the list. */
	if (c->lx.bootloaders.n && tcg_cl_pcr_complete(c, 4))
		tcg_cl_kv_hlist(y, "BootApplicationDigests", &c->lx.bootloaders);
	write_images(y, "LoadedModules", w->mods, w->nmod);
	tcg_yaml_map_end(y);
}

