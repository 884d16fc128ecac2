#include "tcglog/dump.h"

#include <stdlib.h>
#include <string.h>

#include "tcglog/binding.h"
#include "tcglog/events.h"
#include "tcglog/replay.h"
#include "tcglog/yamlout.h"

static bool bank_wanted(const tcg_dump_opts *o, uint16_t alg)
{
	if (!o->num_banks)
		return true;
	for (size_t i = 0; i < o->num_banks; i++)
		if (o->banks[i] == alg)
			return true;
	return false;
}

static bool event_wanted(const tcg_dump_opts *o, const tcg_event *e)
{
	if (!o->pcr_mask && !o->pcr_none)
		return true;
	if (e->pcr >= TCG_NUM_PCRS)
		return e->pcr == TCG_PCR_NONE && o->pcr_none;
	return (o->pcr_mask >> e->pcr) & 1;
}

static void alg_value(tcg_yaml *y, uint16_t alg)
{
	const char *name = tcg_alg_name(alg);
	if (name)
		tcg_yaml_plain(y, name);
	else
		tcg_yaml_hex64(y, alg);
}

static void dump_specid(tcg_yaml *y, const tcg_log *log)
{
	const tcg_specid *s = tcg_log_specid(log);
	char sig[16];
	snprintf(sig, sizeof sig, "Spec ID Event0%d", s->version);
	tcg_yaml_seq_start(y);
	tcg_yaml_map_start(y);
	tcg_yaml_key(y, "Signature");
	tcg_yaml_plain(y, sig);
	tcg_yaml_kv_u64(y, "platformClass", s->platform_class);
	tcg_yaml_kv_u64(y, "specVersionMinor", s->spec_minor);
	tcg_yaml_kv_u64(y, "specVersionMajor", s->spec_major);
	tcg_yaml_kv_u64(y, "specErrata", s->errata);
	tcg_yaml_kv_u64(y, "uintnSize", s->uintn_size);
	if (s->version == 3) {
		tcg_yaml_kv_u64(y, "numberOfAlgorithms", s->num_algs);
		tcg_yaml_key(y, "Algorithms");
		tcg_yaml_seq_start(y);
		for (uint32_t i = 0; i < s->num_algs; i++) {
			char k[32];
			snprintf(k, sizeof k, "Algorithm[%u]", i);
			tcg_yaml_map_start(y);
			tcg_yaml_key(y, k);
			tcg_yaml_null(y);
			tcg_yaml_key(y, "algorithmId");
			alg_value(y, s->algs[i].alg);
			tcg_yaml_kv_u64(y, "digestSize", s->algs[i].size);
			tcg_yaml_map_end(y);
		}
		tcg_yaml_seq_end(y);
	}
	tcg_yaml_kv_u64(y, "vendorInfoSize", s->vendor_info_size);
	if (s->vendor_info_size)
		tcg_yaml_kv_hex(y, "vendorInfo", s->vendor_info, s->vendor_info_size);
	tcg_yaml_map_end(y);
	tcg_yaml_seq_end(y);
}

static void type_value(tcg_yaml *y, uint32_t type)
{
	const char *name = tcg_event_type_name(type);
	if (name)
		tcg_yaml_plain(y, name);
	else
		tcg_yaml_hex64(y, type);
}

static void dump_event(tcg_yaml *y, const tcg_log *log, const tcg_event *e,
                       const tcg_dump_opts *o, tcg_hasher *h)
{
	tcg_yaml_map_start(y);
	tcg_yaml_kv_u64(y, "EventNum", e->number);
	tcg_yaml_key(y, "PCRIndex");
	if (e->pcr == TCG_PCR_NONE)
		tcg_yaml_plain(y, "-1");
	else
		tcg_yaml_u64(y, e->pcr);
	tcg_yaml_key(y, "EventType");
	type_value(y, e->type);
	if (e->header) {
		tcg_yaml_kv_hex(y, "Digest", e->digest[0], 20);
		tcg_yaml_kv_u64(y, "EventSize", e->size);
		tcg_yaml_key(y, "SpecID");
		dump_specid(y, log);
	} else {
		size_t shown = 0;
		for (size_t i = 0; i < tcg_log_num_banks(log); i++)
			shown += e->digest[i] && bank_wanted(o, tcg_log_bank(log, i).alg);
		tcg_yaml_kv_u64(y, "DigestCount", shown);
		tcg_yaml_key(y, "Digests");
		tcg_yaml_seq_start(y);
		for (size_t i = 0; i < tcg_log_num_banks(log); i++) {
			tcg_bank b = tcg_log_bank(log, i);
			if (!e->digest[i] || !bank_wanted(o, b.alg))
				continue;
			tcg_yaml_map_start(y);
			tcg_yaml_key(y, "AlgorithmId");
			alg_value(y, b.alg);
			tcg_yaml_kv_hex(y, "Digest", e->digest[i], b.size);
			tcg_yaml_map_end(y);
		}
		tcg_yaml_seq_end(y);
		tcg_yaml_kv_u64(y, "EventSize", e->size);
		tcg_yaml_key(y, "Event");
		if (o->no_decode)
			tcg_yaml_hex(y, e->data, e->size);
		else
			tcg_event_decode_yaml(y, log, e);
	}
	/* Our own keys, beside tpm2_eventlog's. */
	tcg_yaml_kv_u64(y, "Offset", e->offset);
	if (!e->header) {
		size_t bad = 0;
		tcg_binding b = tcg_event_binding(log, e, h, &bad);
		tcg_yaml_key(y, "DataBinding");
		tcg_yaml_plain(y, tcg_binding_name(b));
		if (b == TCG_BIND_MISMATCH) {
			tcg_yaml_key(y, "DataBindingBank");
			alg_value(y, tcg_log_bank(log, bad).alg);
		}
	}
	tcg_yaml_map_end(y);
}

static void dump_pcrs(tcg_yaml *y, const tcg_replay_result *r, const tcg_dump_opts *o)
{
	tcg_yaml_key(y, "pcrs");
	tcg_yaml_map_start(y);
	for (size_t i = 0; i < r->pcrs.num_banks; i++) {
		const tcg_pcr_bank *b = &r->pcrs.bank[i];
		if (!bank_wanted(o, b->alg))
			continue;
		alg_value(y, b->alg);
		tcg_yaml_map_start(y);
		for (uint32_t p = 0; p < TCG_NUM_PCRS; p++) {
			char v[2 + 2 * TCG_MAX_DIGEST + 1] = "0x";
			if (!(r->extended & b->present & (1u << p)) || b->size > TCG_MAX_DIGEST)
				continue;
			for (size_t k = 0; k < b->size; k++)
				snprintf(v + 2 + 2 * k, 3, "%02x", b->value[p][k]);
			tcg_yaml_u64(y, p);
			tcg_yaml_plain(y, v);
		}
		tcg_yaml_map_end(y);
	}
	tcg_yaml_map_end(y);
}

tcg_rc tcg_dump_yaml(const tcg_log *log, const tcg_dump_opts *opts, FILE *out, tcg_err *err)
{
	static const tcg_dump_opts defaults;
	const tcg_dump_opts *o = opts ? opts : &defaults;
	tcg_replay_result *r = malloc(sizeof *r);
	tcg_hasher *h = tcg_hasher_new();
	tcg_yaml *y = NULL;
	unsigned quirks = tcg_log_quirks(log);
	tcg_rc rc;

	if (!r || !h) {
		rc = tcg_err_set(err, TCG_E_NOMEM, "out-of-memory", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "no memory");
		goto out;
	}
	/* Replay first: a log whose records break the replay rules prints nothing. */
	if ((rc = tcg_replay(log, h, r, err)))
		goto out;
	y = tcg_yaml_new(out);
	if (!y) {
		rc = tcg_err_set(err, TCG_E_NOMEM, "out-of-memory", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "no memory");
		goto out;
	}
	tcg_yaml_map_start(y);
	tcg_yaml_kv_u64(y, "version", 2);
	tcg_yaml_key(y, "format");
	tcg_yaml_plain(y, tcg_log_is_cc(log) ? "cc-event-log"
	                  : tcg_log_get_format(log) == TCG_FMT_AGILE ? "crypto-agile" : "sha1");
	tcg_yaml_key(y, "banks");
	tcg_yaml_seq_start(y);
	for (size_t i = 0; i < tcg_log_num_banks(log); i++)
		alg_value(y, tcg_log_bank(log, i).alg);
	tcg_yaml_seq_end(y);
	tcg_yaml_key(y, "quirks");
	tcg_yaml_seq_start(y);
	for (unsigned q = 1; q; q <<= 1) {
		if (!(quirks & q))
			continue;
		tcg_yaml_map_start(y);
		tcg_yaml_key(y, "name");
		tcg_yaml_plain(y, tcg_quirk_name(q));
		if (q == TCG_QUIRK_TRAILING_PADDING) {
			tcg_yaml_kv_u64(y, "offset", tcg_log_padding_offset(log));
			tcg_yaml_kv_u64(y, "length", tcg_log_padding_length(log));
		}
		tcg_yaml_map_end(y);
	}
	tcg_yaml_seq_end(y);
	tcg_yaml_key(y, "events");
	tcg_yaml_seq_start(y);
	for (size_t i = 0; i < tcg_log_num_events(log); i++) {
		const tcg_event *e = tcg_log_event(log, i);
		if (event_wanted(o, e))
			dump_event(y, log, e, o, h);
	}
	tcg_yaml_seq_end(y);
	dump_pcrs(y, r, o);
	tcg_yaml_map_end(y);
	rc = tcg_yaml_finish(y, err);
out:
	tcg_hasher_free(h);
	free(r);
	return rc;
}
