/*
 * Health facts from a verified event log, the driver: bank choice, replay
 * comparison, the evidence rules every event passes before a profile reads
 * it, problems, and the output. The profiles: claims_windows.c (SIPA, PCR
 * 12-14), claims_uefi.c (Secure Boot, PCR 7; images, PCR 4), claims_linux.c
 * (shim, GRUB, systemd). See doc/claims-format.md and reference/dha.md §4.8
 * and §5.6 for the rules.
 */
#include "claims_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output_int.h"
#include "tcglog/binding.h"
#include "tcglog/replay.h"

static const struct {
	bool separator;
	const char *s;
	size_t len;
} well_known[WK_COUNT] = {
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

bool tcg_cl_hlist_add(hlist *l, const uint8_t *d, size_t len)
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

void tcg_cl_problem(tcg_claims *c, const tcg_event *e, const char *rule, const char *fmt, ...)
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
	            e ? (long)tcg_event_number(c->log, e) : TCG_NO_EVENT, "%s", msg);
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
bool tcg_cl_digest_matches(tcg_claims *c, const tcg_event *e, const uint8_t *p, size_t len)
{
	bool any = false;
	for (size_t i = 0; i < tcg_log_num_banks(c->log); i++) {
		tcg_bank bk = tcg_log_bank(c->log, i);
		const uint8_t *want = tcg_event_digest(c->log, e, i);
		uint8_t d[TCG_MAX_DIGEST];
		if (!want || !tcg_hasher_supports(c->h, bk.alg) || tcg_alg_size(bk.alg) != bk.size)
			continue;
		if (tcg_hash(c->h, bk.alg, p, len, d) || memcmp(d, want, bk.size))
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
	memcpy(p, tcg_cl_data(c, e), e->size);
	p[e->size] = 0;
	bool ok = tcg_cl_digest_matches(c, e, p, (size_t)e->size + 1);
	free(p);
	return ok;
}

/* ---- derivation ---- */

static const uint16_t strength[] = { TCG_ALG_SHA512, TCG_ALG_SHA3_512, TCG_ALG_SHA384,
	                             TCG_ALG_SHA3_384, TCG_ALG_SHA256, TCG_ALG_SHA3_256,
	                             TCG_ALG_SM3_256, TCG_ALG_SHA1 };

static bool is_wbcl_sep(const tcg_log *log, const tcg_event *e)
{
	return e->type == EV_SEPARATOR && e->size == 4 &&
	       !memcmp(tcg_event_data(log, e), "WBCL", 4);
}

/* PCRs the boot chain measures into after the firmware: no event may extend them after
 * ExitBootServices (PCR 7 in every profile, the rest for Linux). */
static bool boot_chain_pcr(const tcg_claims *c, uint32_t pcr)
{
	if (pcr == 7)
		return true;
	return !c->windows && (pcr == 4 || pcr == 8 || pcr == 9 || (pcr >= 11 && pcr <= 14));
}

static tcg_claims *claims_new(const tcg_log *log, const tcg_claims_opts *o)
{
	tcg_claims *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	if (!(c->h = tcg_hasher_new())) {
		free(c);
		return NULL;
	}
	c->log = log;
	c->strict = !o->lenient;
	c->verified = o->expected != NULL;
	c->pcrs_source = o->pcrs_source ? o->pcrs_source : (o->expected ? "pcrs-file" : "none");
	tcg_cl_winfacts_init(&c->win);
	c->sb.enabled = TRI_UNK;
	if (o->log_sha256) {
		c->has_log_sha = true;
		memcpy(c->log_sha, o->log_sha256, 32);
	}
	c->boot_end = SIZE_MAX;
	return c;
}

/* Windows profile: the log closes PCR 12-14 with "WBCL" separators. */
tcg_profile tcg_claims_log_profile(const tcg_log *log)
{
	for (size_t i = 0; i < tcg_log_num_events(log); i++) {
		const tcg_event *e = tcg_log_event(log, i);
		if (!e->header && e->pcr >= 12 && e->pcr <= 14 && is_wbcl_sep(log, e))
			return TCG_PROFILE_WINDOWS;
	}
	return TCG_PROFILE_LINUX;
}

/* The bank: given, or the strongest the log, the replay and the values share. */
static tcg_rc choose_bank(tcg_claims *c, const tcg_claims_opts *o, const tcg_replay_result *r,
                          tcg_err *err)
{
	const tcg_log *log = c->log;
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
		if (!c->bank)
			return tcg_err_set(err, TCG_E_MISMATCH, "bank-none", TCG_NO_OFFSET,
			                   TCG_NO_EVENT, "no bank that the log%s carries can be replayed",
			                   o->expected ? " and the PCR values" : "");
	}
	if (c->bank == TCG_ALG_SHA1 && !o->allow_sha1)
		return tcg_err_set(err, TCG_E_MISMATCH, "bank-sha1", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "only the SHA-1 bank is available; SHA-1 needs an explicit allow");
	if ((c->bidx = tcg_log_bank_index(log, c->bank)) < 0 ||
	    !tcg_pcrs_bank_const(&r->pcrs, c->bank))
		return tcg_err_set(err, TCG_E_MISMATCH, "bank-missing", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "the log carries no replayable %s bank",
		                   tcg_alg_name(c->bank) ? tcg_alg_name(c->bank) : "such");
	const tcg_pcr_bank *rb = tcg_pcrs_bank_const(&r->pcrs, c->bank);
	if (rb->present & 1) {
		c->has_pcr0 = true;
		memcpy(c->pcr0, rb->value[0], rb->size);
	}
	return TCG_OK;
}

static bool all_zero(const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (d[i])
			return false;
	return true;
}

/* The PCRs the log extends, and the banks it lists but never extends: the firmware left
 * those PCRs at their reset value, so software can extend them with anything it likes. */
static void find_extended(tcg_claims *c)
{
	size_t nb = tcg_log_num_banks(c->log);
	uint32_t seen = 0;
	for (size_t i = 0; i < tcg_log_num_events(c->log); i++) {
		const tcg_event *e = tcg_log_event(c->log, i);
		if (e->header || e->type == TCG_EV_NO_ACTION || e->pcr >= TCG_NUM_PCRS)
			continue;
		c->extended |= 1u << e->pcr;
		for (size_t b = 0; b < nb && b < 32; b++) {
			const uint8_t *d = tcg_event_digest(c->log, e, b);
			if (d && !all_zero(d, tcg_log_bank(c->log, b).size))
				seen |= 1u << b;
		}
	}
	for (size_t b = 0; b < nb && b < 32; b++)
		if (!(seen & (1u << b)))
			c->unextended |= 1u << b;
}

/* Name each PCR that does not replay, at its first event. A PCR no fact comes from and
 * the log never extends (IMA's 10, the OS's 15, 16, 23) spoils nothing. */
static void name_mismatches(tcg_claims *c, uint32_t bad)
{
	for (uint32_t p = 0; p < TCG_NUM_PCRS; p++) {
		if (!(bad & (1u << p)))
			continue;
		if (!(FACT_PCRS & (1u << p)) && !(c->extended & (1u << p))) {
			c->ignored |= 1u << p;
			continue;
		}
		const tcg_event *first = NULL;
		for (size_t i = 0; i < tcg_log_num_events(c->log) && !first; i++) {
			const tcg_event *e = tcg_log_event(c->log, i);
			if (!e->header && e->pcr == p && e->type != TCG_EV_NO_ACTION)
				first = e;
		}
		char what[32];
		snprintf(what, sizeof what, "%u", p);
		tcg_cl_problem(c, first, "pcr-mismatch",
		               "PCR %s does not replay to the given value: its events give no facts",
		               what);
	}
}

/* Which PCRs replay to the given values: facts come only from those. */
static tcg_rc compare_pcrs(tcg_claims *c, const tcg_claims_opts *o, tcg_replay_result *r,
                           tcg_err *err)
{
	if (!o->expected) {
		c->usable = 0xFFFFFFFFu;
		return TCG_OK;
	}
	const tcg_pcr_bank *eb = tcg_pcrs_bank_const(o->expected, c->bank);
	if (!eb)
		return tcg_err_set(err, TCG_E_MISMATCH, "bank-missing", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "the PCR values carry no %s bank", tcg_alg_name(c->bank));
	tcg_pcr_values *want = calloc(1, sizeof *want);
	if (!want)
		return tcg_fail_nomem(err);
	want->num_banks = 1;
	want->bank[0] = *eb;
	tcg_pcr_mismatch mm[TCG_NUM_PCRS];
	size_t total = 0;
	tcg_err e2;
	tcg_rc crc = tcg_replay_compare(c->log, c->h, r, want, 0, mm, TCG_NUM_PCRS, &total, &e2);
	free(want);
	if (crc && crc != TCG_E_MISMATCH)
		return tcg_err_set(err, crc, e2.rule, e2.offset, e2.event, "%s", e2.msg);
	uint32_t bad = 0;
	for (size_t i = 0; i < total && i < TCG_NUM_PCRS; i++)
		if (mm[i].pcr < TCG_NUM_PCRS)
			bad |= 1u << mm[i].pcr;
	c->pcrs_ok = eb->present & ~bad;
	c->usable = c->pcrs_ok;
	if (eb->present & 1)
		memcpy(c->pcr0, eb->value[0], eb->size), c->has_pcr0 = !(bad & 1);
	name_mismatches(c, bad);
	return TCG_OK;
}

/* What the whole log shows before any event is read: the well-known digests in the bank,
 * the end of boot, the profile. */
static tcg_rc scan_log(tcg_claims *c, tcg_err *err)
{
	const tcg_log *log = c->log;
	size_t dsize = tcg_alg_size(c->bank);
	for (size_t i = 0; i < WK_COUNT; i++)
		if (tcg_hash(c->h, c->bank, well_known[i].s, well_known[i].len, c->wk[i]))
			return tcg_err_set(err, TCG_E_IO, "hash", TCG_NO_OFFSET, TCG_NO_EVENT,
			                   "cannot hash with %s", tcg_alg_name(c->bank));
	for (size_t i = 0; i < tcg_log_num_events(log); i++) {
		const tcg_event *e = tcg_log_event(log, i);
		if (e->header)
			continue;
		/* The end of boot: the first ExitBootServices action (its digest checked, its
		 * type and data checked with the well-known events in event_evidence). */
		const uint8_t *d = tcg_cl_digest(c, e);
		if (c->boot_end == SIZE_MAX && e->pcr == 5 && e->type == EV_EFI_ACTION && d &&
		    !memcmp(d, c->wk[WK_EXIT_BOOT_SERVICES], dsize))
			c->boot_end = i;
	}
	c->windows = tcg_claims_log_profile(log) == TCG_PROFILE_WINDOWS;
	return TCG_OK;
}

/* The event's type is in the platform profile for its PCR, or a named firmware habit. */
static bool type_ok(tcg_claims *c, const tcg_event *e, const char *tname)
{
	if (type_allowed(c, e->pcr, e->type))
		return true;
	/* Types some firmware uses where no fact reads events. */
	if (!tname && e->pcr <= 3) {
		c->wa_vendor_type = true; /* e.g. Intel TXT types in PCR 0 */
		return true;
	}
	if (e->pcr == 2 && e->type == EV_COMPACT_HASH) {
		c->wa_compact_pcr2 = true;
		return true;
	}
	char what[96];
	snprintf(what, sizeof what, "%s in PCR %u", tname ? tname : "unknown type", e->pcr);
	tcg_cl_problem(c, e, "event-type-unexpected", "%s is not in the platform profile", what);
	return false;
}

/* Data bound by the digest (all banks the event carries), or a named firmware habit. */
static bool binding_ok(tcg_claims *c, const tcg_event *e, const char *tname)
{
	if (!tcg_type_binds(e->pcr, e->type))
		return true;
	tcg_binding b = tcg_event_binding(c->log, e, c->h, NULL);
	if (b == TCG_BIND_OK)
		return true;
	/* Old shim measures one stray byte after the certificate. */
	if (e->type == EV_EFI_VARIABLE_AUTHORITY && e->size > 1 &&
	    tcg_cl_digest_matches(c, e, tcg_cl_data(c, e), e->size - 1)) {
		c->shim_stray_byte = true;
		return true;
	}
	/* Firmware blobs whose data some vendors do not hash as PFP says; claims never read
	 * their data. */
	if (e->type == EV_NONHOST_INFO || e->type == EV_PLATFORM_CONFIG_FLAGS ||
	    e->type == EV_TABLE_OF_DEVICES || e->type == EV_S_CRTM_VERSION) {
		c->fw_unbound = true;
		return true;
	}
	/* systemd measures a UTF-16 string with its last byte cut from the log. */
	if (e->type == EV_IPL && (e->size & 1) && e->size > 1 && !tcg_cl_data(c, e)[e->size - 1] &&
	    utf16_odd_matches(c, e)) {
		c->wa_utf16_odd = true;
		return true;
	}
	tcg_cl_problem(c, e, "data-digest-mismatch", "%s data does not match its digest", tname);
	return false;
}

/* A well-known event's digest only with its type and data. */
static bool well_known_ok(tcg_claims *c, const tcg_event *e, const char *tname)
{
	const uint8_t *d = tcg_cl_digest(c, e);
	size_t dsize = tcg_alg_size(c->bank);
	for (size_t k = 0; k < WK_COUNT; k++) {
		if (memcmp(d, c->wk[k], dsize))
			continue;
		/* Intel Boot Guard measures its S-CRTM as the digest of four zero bytes. */
		if (k == WK_SEPARATOR_ZERO && e->pcr == 0 && e->type == EV_S_CRTM_CONTENTS) {
			c->wa_boot_guard = true;
			continue;
		}
		uint32_t want_type = well_known[k].separator ? EV_SEPARATOR : EV_EFI_ACTION;
		if ((e->type != want_type && !(want_type == EV_EFI_ACTION && e->type == EV_ACTION)) ||
		    e->size != well_known[k].len || memcmp(tcg_cl_data(c, e), well_known[k].s, e->size)) {
			tcg_cl_problem(c, e, "well-known-digest-retyped",
			               "%s carries the digest of a well-known event with another type or "
			               "data",
			               tname);
			return false;
		}
	}
	return true;
}

/* Windows: only EV_EVENT_TAG before the WBCL separator of its PCR (12-14). False when
 * the event gives no facts. */
static bool wbcl_ok(tcg_claims *c, const tcg_event *e, bool wbcl_seen[TCG_NUM_PCRS])
{
	if (!c->windows || e->pcr < 12 || e->pcr > 14)
		return true;
	if (e->type == EV_SEPARATOR) {
		if (!is_wbcl_sep(c->log, e))
			tcg_cl_problem(c, e, "wbcl-separator", "separator in PCR 12-14 is not WBCL");
		else if (wbcl_seen[e->pcr])
			tcg_cl_problem(c, e, "wbcl-separator-duplicate",
			               "a second WBCL separator in its PCR");
		wbcl_seen[e->pcr] = true;
		return false;
	}
	if (wbcl_seen[e->pcr]) {
		tcg_cl_problem(c, e, "wbcl-after-separator",
		               "EV_EVENT_TAG after the WBCL separator of its PCR");
		return false;
	}
	return true;
}

/* Root can extend the boot chain's PCRs after boot and append matching events. */
static bool before_boot_end(tcg_claims *c, size_t i, const tcg_event *e)
{
	if (i <= c->boot_end || !boot_chain_pcr(c, e->pcr))
		return true;
	if (c->nlate < sizeof c->late / sizeof c->late[0])
		c->late[c->nlate++] = (long)tcg_event_number(c->log, e);
	uint32_t gap = c->gap; /* not believed, so it leaves no gap either */
	tcg_cl_problem(c, e, "event-after-boot",
	               "PCR %u extended after ExitBootServices: not believed", e->pcr);
	c->gap = gap;
	return false;
}

/* Whether event i may give facts: every evidence rule, in order, each naming what it
 * refuses. */
static bool event_evidence(tcg_claims *c, size_t i, const tcg_event *e,
                           bool wbcl_seen[TCG_NUM_PCRS])
{
	if (e->pcr >= TCG_NUM_PCRS) {
		tcg_cl_problem(c, e, "event-pcr-unexpected", "only EV_NO_ACTION may use PCR -1");
		return false;
	}
	const char *tname = tcg_event_type_name(e->type);
	if (!type_ok(c, e, tname))
		return false;
	if (!tname)
		tname = "an unknown type";
	if (!tcg_cl_digest(c, e)) {
		tcg_cl_problem(c, e, "event-bank-missing", "the event has no %s digest",
		               tcg_alg_name(c->bank));
		return false;
	}
	if (!binding_ok(c, e, tname) || !well_known_ok(c, e, tname) || !wbcl_ok(c, e, wbcl_seen))
		return false;
	if (!(c->usable & (1u << e->pcr)))
		return false; /* PCR not verified: no facts (named when it mismatched) */
	return before_boot_end(c, i, e);
}

/* The profile that reads the event's facts. */
static void event_facts(tcg_claims *c, const tcg_event *e)
{
	if (e->pcr == 7)
		tcg_cl_pcr7_event(c, e);
	else if (e->pcr == 4)
		tcg_cl_pcr4_event(c, e);
	else if (c->windows && e->pcr >= 12 && e->pcr <= 14 && e->type == EV_EVENT_TAG)
		tcg_cl_windows_event(c, e);
	else if (!c->windows)
		tcg_cl_linux_event(c, e);
}

tcg_rc tcg_claims_derive(const tcg_log *log, const tcg_claims_opts *o, tcg_claims **out,
                         tcg_err *err)
{
	tcg_claims *c = claims_new(log, o);
	tcg_replay_result *r = malloc(sizeof *r);
	tcg_rc rc = TCG_OK;
	*out = NULL;
	if (!c || !r) {
		rc = tcg_fail_nomem(err);
		goto fail;
	}
	if ((rc = tcg_replay(log, c->h, r, err)))
		goto fail;
	c->quirks = tcg_log_quirks(log) | r->quirks;
	if ((rc = choose_bank(c, o, r, err)))
		goto fail;
	find_extended(c);
	if ((rc = compare_pcrs(c, o, r, err)) || (rc = scan_log(c, err)))
		goto fail;
	free(r);

	bool wbcl_seen[TCG_NUM_PCRS] = { false };
	for (size_t i = 0; i < tcg_log_num_events(log); i++) {
		const tcg_event *e = tcg_log_event(log, i);
		/* EV_NO_ACTION is never extended: no facts */
		if (!e->header && e->type != TCG_EV_NO_ACTION && event_evidence(c, i, e, wbcl_seen))
			event_facts(c, e);
	}
	tcg_cl_linux_finish(c);
	tcg_cl_secureboot_finish(c);
	*out = c;
	if (c->nprob && c->strict) {
		if (err)
			*err = c->prob[0];
		return TCG_E_MISMATCH;
	}
	return TCG_OK;
fail:
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
	tcg_cl_secureboot_free(c);
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

/* ---- output ---- */

void tcg_cl_kv_tri(tcg_yaml *y, const char *k, tri v)
{
	if (v != TRI_UNK)
		tcg_yaml_kv_bool(y, k, v);
}

void tcg_cl_kv_bytes(tcg_yaml *y, const char *k, bytes b)
{
	if (b.p)
		tcg_yaml_kv_hex(y, k, b.p, b.len);
}

void tcg_cl_kv_hlist(tcg_yaml *y, const char *k, const hlist *l)
{
	tcg_yaml_key(y, k);
	tcg_yaml_seq_start(y);
	for (size_t i = 0; i < l->n; i++)
		tcg_yaml_hex(y, l->e[i].d, l->e[i].len);
	tcg_yaml_seq_end(y);
}

/* A PCR whose every extend was accounted for: a fact from the absence of an event holds. */
bool tcg_cl_pcr_complete(const tcg_claims *c, uint32_t pcr)
{
	return (c->usable & (1u << pcr)) && !(c->gap & (1u << pcr));
}

/* A PCR that replays to its initial value: nothing measured into it. */
bool tcg_cl_pcr_untouched(const tcg_claims *c, uint32_t pcr)
{
	return tcg_cl_pcr_complete(c, pcr) && !(c->extended & (1u << pcr));
}

/* true when seen, false only when its PCRs prove nothing was measured, else unknown */
void tcg_cl_kv_seen(tcg_yaml *y, const char *k, bool seen, bool none)
{
	if (seen || none)
		tcg_yaml_kv_bool(y, k, seen);
}

tcg_rc tcg_claims_write(const tcg_claims *c, FILE *f, tcg_err *err)
{
	return tcg_claims_emit(c, tcg_yaml_new(f), err);
}

tcg_rc tcg_claims_write_as(const tcg_claims *c, tcg_out_format fmt, FILE *f, tcg_err *err)
{
	tcg_yaml *y;
	tcg_rc rc;

	if ((rc = tcg_out_open(fmt, f, &y, err)))
		return rc;
	return tcg_claims_emit(c, y, err);
}

tcg_rc tcg_claims_emit(const tcg_claims *c, tcg_yaml *y, tcg_err *err)
{
	if (!y)
		return tcg_err_set(err, TCG_E_NOMEM, "out-of-memory", TCG_NO_OFFSET, TCG_NO_EVENT,
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
	if (c->unextended) {
		tcg_yaml_key(y, "banks-unextended");
		tcg_yaml_seq_start(y);
		for (size_t b = 0; b < tcg_log_num_banks(c->log) && b < 32; b++)
			if (c->unextended & (1u << b))
				tcg_yaml_cstr(y, tcg_alg_name(tcg_log_bank(c->log, b).alg)
				                         ? tcg_alg_name(tcg_log_bank(c->log, b).alg)
				                         : "unknown");
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
	tcg_cl_write_health(c, y);
	if (c->windows || c->win.any)
		tcg_cl_write_windows(c, y);
	const sbfacts *sb = &c->sb;
	if (sb->pcr7 && (tcg_cl_pcr_complete(c, 7) || sb->debug || sb->dma || sb->pk_known ||
	                 sb->kek_known || sb->db_known || sb->dbx_known))
		tcg_cl_write_secureboot(c, y); /* not an empty map when nothing is known */
	if (!c->windows)
		tcg_cl_write_linux(c, y);
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

