#include "tcglog/replay.h"

#include <string.h>

#include "output_int.h"

static bool is_drtm_pcr(uint32_t pcr) { return pcr >= 17 && pcr <= 22; }

/* StartupLocality: exactly "StartupLocality\0" plus one locality byte. */
static bool is_startup_locality(const tcg_event *e, const uint8_t *data)
{
	return e->type == TCG_EV_NO_ACTION && e->size >= 16 &&
	       !memcmp(data, "StartupLocality\0", 16);
}

/* First pass: the initial values that the log's own records determine. */
static tcg_rc initial_state(const tcg_log *log, tcg_replay_result *r, tcg_err *err)
{
	bool pcr0_extended = false;
	size_t n = tcg_log_num_events(log);

	r->startup_locality = -1;
	for (size_t i = 0; i < n; i++) {
		const tcg_event *e = tcg_log_event(log, i);
		const uint8_t *d = tcg_event_data(log, e);
		long evno = (long)i;
		if (e->header)
			continue;
		if (is_startup_locality(e, d)) {
			if (e->pcr != 0)
				return tcg_fail_at(err, "startup-locality-pcr", e->offset,
				                   evno, "StartupLocality in PCR %u, not 0",
				                   e->pcr);
			if (e->size != 17)
				return tcg_fail_at(err, "startup-locality-size", e->offset,
				                   evno,
				                   "StartupLocality data is %u bytes, not 17",
				                   e->size);
			if (r->startup_locality >= 0)
				return tcg_fail_at(err, "startup-locality-duplicate", e->offset,
				                   evno, "a second StartupLocality record");
			if (pcr0_extended)
				return tcg_fail_at(err, "startup-locality-late", e->offset,
				                   evno,
				                   "StartupLocality after PCR 0 was extended");
			if (d[16] != 0 && d[16] != 3)
				return tcg_fail_at(err, "startup-locality-value", e->offset,
				                   evno, "locality %u is neither 0 nor 3",
				                   d[16]);
			r->startup_locality = d[16];
			continue;
		}
		if (e->type == TCG_EV_NO_ACTION || e->pcr >= TCG_NUM_PCRS)
			continue;
		if (e->type == TCG_EV_EFI_HCRTM_EVENT) {
			if (e->pcr != 0 || pcr0_extended)
				return tcg_fail_at(err, "hcrtm-position", e->offset, evno,
				                   "H-CRTM event must be the first PCR 0 event");
			r->hcrtm = true;
		}
		if (e->pcr == 0)
			pcr0_extended = true;
		if (is_drtm_pcr(e->pcr))
			r->drtm = true;
		r->extended |= 1u << e->pcr;
	}
	if (r->hcrtm && r->startup_locality >= 0)
		return tcg_fail_at(err, "hcrtm-startup-locality", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "log has both an H-CRTM event and a StartupLocality record");
	return TCG_OK;
}

static void init_bank(const tcg_replay_result *r, tcg_pcr_bank *b)
{
	b->present = (uint32_t)((1ull << TCG_NUM_PCRS) - 1);
	memset(b->value, 0, sizeof b->value);
	if (!r->drtm)
		for (uint32_t p = 17; p <= 22; p++)
			memset(b->value[p], 0xFF, b->size);
	if (r->hcrtm)
		b->value[0][b->size - 1] = 4;
	else if (r->startup_locality > 0)
		b->value[0][b->size - 1] = (uint8_t)r->startup_locality;
}

tcg_rc tcg_replay(const tcg_log *log, tcg_hasher *hasher, tcg_replay_result *r,
                  tcg_err *err)
{
	tcg_hasher *own = NULL;
	size_t n = tcg_log_num_events(log), nb = tcg_log_num_banks(log);
	int slot[TCG_MAX_BANKS];
	tcg_rc rc;

	memset(r, 0, sizeof *r);
	if ((rc = initial_state(log, r, err)))
		return rc;
	if (!hasher && !(hasher = own = tcg_hasher_new()))
		return tcg_fail_nomem(err);
	for (size_t i = 0; i < nb; i++) {
		tcg_bank bk = tcg_log_bank(log, i);
		slot[i] = -1;
		if (!tcg_hasher_supports(hasher, bk.alg) || tcg_alg_size(bk.alg) != bk.size) {
			r->skipped[r->num_skipped++] = bk.alg;
			continue;
		}
		tcg_pcr_bank *b = &r->pcrs.bank[r->pcrs.num_banks];
		slot[i] = (int)r->pcrs.num_banks++;
		b->alg = bk.alg;
		b->size = bk.size;
		init_bank(r, b);
	}
	for (size_t i = 0; i < n; i++) {
		const tcg_event *e = tcg_log_event(log, i);
		if (e->header || e->type == TCG_EV_NO_ACTION || e->pcr >= TCG_NUM_PCRS)
			continue;
		for (size_t k = 0; k < nb; k++) {
			if (slot[k] < 0)
				continue;
			tcg_pcr_bank *b = &r->pcrs.bank[slot[k]];
			uint8_t *v = b->value[e->pcr];
			const uint8_t *dig = tcg_event_digest(log, e, k);
			if (!dig) {
				b->present &= ~(1u << e->pcr);
				continue;
			}
			if ((rc = tcg_hash2(hasher, b->alg, v, b->size, dig, b->size, v))) {
				tcg_err_set(err, rc, "hash", TCG_NO_OFFSET, TCG_NO_EVENT,
				            "hashing failed");
				goto out;
			}
		}
	}
	rc = TCG_OK;
out:
	tcg_hasher_free(own);
	return rc;
}

/* Unlogged ExitBootServices sequences some firmware extends into PCR 5. */
static const struct {
	const char *name;
	const char *actions[3];
} ebs_variants[] = {
	{ "invocation+success",
	  { "Exit Boot Services Invocation", "Exit Boot Services Returned with Success" } },
	{ "invocation+failure",
	  { "Exit Boot Services Invocation", "Exit Boot Services Returned with Failure" } },
	{ "invocation+failure+success",
	  { "Exit Boot Services Invocation", "Exit Boot Services Returned with Failure",
	    "Exit Boot Services Returned with Success" } },
};

static bool log_has_ebs(const tcg_log *log)
{
	static const char inv[] = "Exit Boot Services Invocation";
	for (size_t i = 0; i < tcg_log_num_events(log); i++) {
		const tcg_event *e = tcg_log_event(log, i);
		if (e->pcr == 5 && e->type == TCG_EV_EFI_ACTION && e->size == sizeof inv - 1 &&
		    !memcmp(tcg_event_data(log, e), inv, e->size))
			return true;
	}
	return false;
}

static tcg_rc try_ebs(tcg_hasher *h, tcg_pcr_bank *b, const uint8_t *want, const char **variant)
{
	for (size_t v = 0; v < sizeof ebs_variants / sizeof ebs_variants[0]; v++) {
		uint8_t pcr[TCG_MAX_DIGEST], d[TCG_MAX_DIGEST];
		tcg_rc rc;
		memcpy(pcr, b->value[5], b->size);
		for (size_t a = 0; a < 3 && ebs_variants[v].actions[a]; a++) {
			const char *s = ebs_variants[v].actions[a];
			if ((rc = tcg_hash(h, b->alg, s, strlen(s), d)) ||
			    (rc = tcg_hash2(h, b->alg, pcr, b->size, d, b->size, pcr)))
				return rc;
		}
		if (!memcmp(pcr, want, b->size)) {
			memcpy(b->value[5], pcr, b->size);
			*variant = ebs_variants[v].name;
			return TCG_OK;
		}
	}
	return TCG_E_MISMATCH;
}

tcg_rc tcg_replay_compare(const tcg_log *log, tcg_hasher *hasher, tcg_replay_result *r,
                          const tcg_pcr_values *expected, unsigned allowed_quirks,
                          tcg_pcr_mismatch *mm, size_t max, size_t *total, tcg_err *err)
{
	tcg_hasher *own = NULL;
	size_t count = 0;
	tcg_rc rc = TCG_OK;
	bool ebs_ok = (allowed_quirks & TCG_QUIRK_MISSING_EBS) && !log_has_ebs(log);

#define ADD(a, p, missing, unrep)                                           \
	do {                                                                \
		if (count < max) {                                          \
			mm[count].alg = (a);                                \
			mm[count].pcr = (p);                                \
			mm[count].missing_bank = (missing);                 \
			mm[count].unreplayable = (unrep);                   \
		}                                                           \
		count++;                                                    \
	} while (0)

	for (size_t i = 0; i < expected->num_banks; i++) {
		const tcg_pcr_bank *want = &expected->bank[i];
		tcg_pcr_bank *got = tcg_pcrs_bank(&r->pcrs, want->alg);
		if (!got) {
			ADD(want->alg, 0, true, false);
			continue;
		}
		for (uint32_t p = 0; p < TCG_NUM_PCRS; p++) {
			if (!(want->present & (1u << p)))
				continue;
			if (!(got->present & (1u << p))) {
				ADD(want->alg, p, false, true);
				continue;
			}
			if (want->size == got->size && !memcmp(got->value[p], want->value[p], got->size))
				continue;
			if (p == 5 && ebs_ok && want->size == got->size) {
				if (!hasher && !(hasher = own = tcg_hasher_new())) {
					rc = tcg_fail_nomem(err);
					goto out;
				}
				rc = try_ebs(hasher, got, want->value[5], &r->ebs_variant);
				if (rc == TCG_OK) {
					r->quirks |= TCG_QUIRK_MISSING_EBS;
					continue;
				}
				if (rc != TCG_E_MISMATCH)
					goto out;
				rc = TCG_OK;
			}
			ADD(want->alg, p, false, false);
		}
	}
#undef ADD
	*total = count;
	if (count)
		rc = tcg_fail_mismatch(err, "pcr-mismatch",
		                       "%zu PCR value(s) differ from the replay", count);
out:
	tcg_hasher_free(own);
	return rc;
}

tcg_rc tcg_replay_write(const tcg_replay_result *r, tcg_out_format fmt, FILE *out, tcg_err *err)
{
	tcg_yaml *y;
	tcg_rc rc;

	if ((rc = tcg_out_open(fmt, out, &y, err)))
		return rc;
	tcg_pcrs_write(y, &r->pcrs);
	return tcg_yaml_finish(y, err);
}

/* The quirks the log and the comparison accepted, by name. */
static void put_quirks(tcg_yaml *y, const tcg_log *log, const tcg_replay_result *r)
{
	unsigned q = tcg_log_quirks(log) | r->quirks;
	if (!q)
		return;
	tcg_yaml_key(y, "quirks");
	tcg_yaml_seq_start(y);
	for (unsigned b = 1; b; b <<= 1)
		if ((q & b) && tcg_quirk_name(b))
			tcg_yaml_cstr(y, tcg_quirk_name(b));
	tcg_yaml_seq_end(y);
	/* which ExitBootServices events the workaround appended to PCR 5 */
	if ((q & TCG_QUIRK_MISSING_EBS) && r->ebs_variant)
		tcg_yaml_kv_cstr(y, "missing-ebs-appended", r->ebs_variant);
}

static void put_mismatch(tcg_yaml *y, const tcg_pcr_mismatch *m, const tcg_replay_result *r,
                         const tcg_pcr_values *expected)
{
	tcg_yaml_map_start(y);
	tcg_yaml_kv_cstr(y, "bank", tcg_alg_name(m->alg));
	if (m->missing_bank) {
		tcg_yaml_kv_bool(y, "missing", 1);
	} else if (m->unreplayable) {
		tcg_yaml_kv_u64(y, "pcr", m->pcr);
		tcg_yaml_kv_bool(y, "unreplayable", 1);
	} else {
		const tcg_pcr_bank *got = tcg_pcrs_bank_const(&r->pcrs, m->alg);
		const tcg_pcr_bank *want = tcg_pcrs_bank_const(expected, m->alg);
		tcg_yaml_kv_u64(y, "pcr", m->pcr);
		/* both banks exist for a value that differs; the values only then */
		if (got && want && m->pcr < TCG_NUM_PCRS) {
			tcg_yaml_kv_hex(y, "replayed", got->value[m->pcr], want->size);
			tcg_yaml_kv_hex(y, "expected", want->value[m->pcr], want->size);
		}
	}
	tcg_yaml_map_end(y);
}

tcg_rc tcg_replay_compare_write(const tcg_log *log, const tcg_replay_result *r,
                                const tcg_pcr_values *expected, const tcg_pcr_mismatch *mm,
                                size_t num_mm, tcg_out_format fmt, FILE *out, tcg_err *err)
{
	tcg_yaml *y;
	tcg_rc rc;

	if ((rc = tcg_out_open(fmt, out, &y, err)))
		return rc;
	tcg_yaml_map_start(y);
	tcg_yaml_kv_bool(y, "verified", !num_mm);
	put_quirks(y, log, r);
	if (num_mm) {
		tcg_yaml_key(y, "mismatches");
		tcg_yaml_seq_start(y);
		for (size_t i = 0; i < num_mm; i++)
			put_mismatch(y, &mm[i], r, expected);
		tcg_yaml_seq_end(y);
	}
	tcg_yaml_map_end(y);
	return tcg_yaml_finish(y, err);
}
