#include "tcglog/pcrs.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "buf.h"
#include "output_int.h"

tcg_pcr_bank *tcg_pcrs_bank(tcg_pcr_values *v, uint16_t alg)
{
	for (size_t i = 0; i < v->num_banks; i++)
		if (v->bank[i].alg == alg)
			return &v->bank[i];
	return NULL;
}

const tcg_pcr_bank *tcg_pcrs_bank_const(const tcg_pcr_values *v, uint16_t alg)
{
	return tcg_pcrs_bank((tcg_pcr_values *)v, alg);
}

tcg_pcr_bank *tcg_pcrs_add_bank(tcg_pcr_values *v, uint16_t alg)
{
	tcg_pcr_bank *b = tcg_pcrs_bank(v, alg);
	if (b)
		return b;
	if (v->num_banks == TCG_MAX_BANKS || !tcg_alg_size(alg))
		return NULL;
	b = &v->bank[v->num_banks++];
	memset(b, 0, sizeof *b);
	b->alg = alg;
	b->size = (uint16_t)tcg_alg_size(alg);
	return b;
}

void tcg_pcrs_write(tcg_yaml *y, const tcg_pcr_values *v)
{
	tcg_yaml_map_start(y);
	for (size_t k = 0; k < v->num_banks; k++) {
		const tcg_pcr_bank *b = &v->bank[k];
		char alg[8], ix[4];
		snprintf(alg, sizeof alg, "0x%04x", b->alg);
		tcg_yaml_key(y, tcg_alg_name(b->alg) ? tcg_alg_name(b->alg) : alg);
		tcg_yaml_map_start(y);
		for (unsigned p = 0; p < TCG_NUM_PCRS; p++) {
			if (!(b->present >> p & 1))
				continue;
			snprintf(ix, sizeof ix, "%u", p);
			tcg_yaml_kv_hex(y, ix, b->value[p], b->size);
		}
		tcg_yaml_map_end(y);
	}
	tcg_yaml_map_end(y);
}

/* ---- binary: what `tpm2_quote -o` (serialized format) writes ---- */

/*
 * tpm2-tools writes its in-memory structs on a little-endian 64-bit host:
 * TPML_PCR_SELECTION (UINT32 count, 16 x {UINT16 hash, UINT8 sizeofSelect,
 * BYTE pcrSelect[4], pad}), UINT32 count of TPML_DIGEST, then that many
 * TPML_DIGEST (UINT32 count, 8 x {UINT16 size, BYTE buffer[64]}).
 */
#define SEL_ENTRY 8
#define SEL_BANKS 16
#define SEL_SIZE (4 + SEL_BANKS * SEL_ENTRY)
#define DIG_ENTRY 66
#define DIG_PER_LIST 8
#define DIG_LIST (4 + DIG_PER_LIST * DIG_ENTRY)

static tcg_rc parse_binary(const uint8_t *data, size_t len, const char *name,
                           tcg_pcr_values *out, tcg_err *err)
{
	tcg_buf b = tcg_buf_init(data, len), sel;
	uint32_t nsel, nlists;
	uint16_t algs[SEL_BANKS];
	uint32_t masks[SEL_BANKS];
	uint32_t list = 0, in_list = 0, list_count = 0;
	tcg_buf lb = { 0 };

#define BFAIL(rule, ...) tcg_err_set(err, TCG_E_FORMAT, rule, b.base, TCG_NO_EVENT, __VA_ARGS__)
	if (!tcg_buf_sub(&b, SEL_SIZE, &sel) || !tcg_buf_u32le(&sel, &nsel))
		return BFAIL("pcrs-truncated", "%s: too short for a PCR selection", name);
	if (nsel == 0 || nsel > SEL_BANKS)
		return BFAIL("pcrs-selection", "%s: selection count %u", name, nsel);
	for (uint32_t i = 0; i < nsel; i++) {
		uint8_t sz;
		const uint8_t *m;
		tcg_buf_u16le(&sel, &algs[i]);
		tcg_buf_u8(&sel, &sz);
		tcg_buf_bytes(&sel, 4, &m);
		tcg_buf_skip(&sel, 1);
		if (sz < 3 || sz > 4)
			return BFAIL("pcrs-selection", "%s: sizeofSelect %u", name, sz);
		masks[i] = (uint32_t)m[0] | (uint32_t)m[1] << 8 | (uint32_t)m[2] << 16 |
		           (sz > 3 ? (uint32_t)m[3] << 24 : 0);
		if (masks[i] >> TCG_NUM_PCRS)
			return BFAIL("pcrs-selection", "%s: PCR above 23 selected", name);
	}
	if (!tcg_buf_u32le(&b, &nlists) || nlists > 64 || (size_t)nlists * DIG_LIST != b.len)
		return BFAIL("pcrs-size", "%s: digest lists do not fill the file", name);
	memset(out, 0, sizeof *out);
	for (uint32_t i = 0; i < nsel; i++) {
		tcg_pcr_bank *bank;
		if (tcg_pcrs_bank(out, algs[i]))
			return BFAIL("pcrs-duplicate-bank", "%s: bank 0x%04x selected twice", name,
			             algs[i]);
		if (!(bank = tcg_pcrs_add_bank(out, algs[i])))
			return BFAIL("pcrs-bank", "%s: unknown hash algorithm 0x%04x", name, algs[i]);
		for (uint32_t p = 0; p < TCG_NUM_PCRS; p++) {
			uint16_t dsz;
			const uint8_t *d;
			if (!(masks[i] & (1u << p)))
				continue;
			if (in_list == list_count) {
				if (list == nlists)
					return BFAIL("pcrs-count", "%s: fewer values than selected", name);
				tcg_buf_sub(&b, DIG_LIST, &lb);
				tcg_buf_u32le(&lb, &list_count);
				if (list_count == 0 || list_count > DIG_PER_LIST)
					return BFAIL("pcrs-count", "%s: digest list count %u", name,
					             list_count);
				list++;
				in_list = 0;
			}
			tcg_buf_u16le(&lb, &dsz);
			tcg_buf_bytes(&lb, 64, &d);
			in_list++;
			if (dsz != bank->size)
				return BFAIL("pcrs-digest-size", "%s: %u-byte value for a %u-byte bank",
				             name, dsz, bank->size);
			memcpy(bank->value[p], d, dsz);
			bank->present |= 1u << p;
		}
	}
	if (list != nlists || in_list != list_count)
		return BFAIL("pcrs-count", "%s: more values than selected", name);
#undef BFAIL
	return TCG_OK;
}

/* ---- YAML: the tpm2_pcrread layout ---- */

typedef struct {
	yaml_parser_t p;
	yaml_event_t ev;
	bool have;
	const char *name;
	tcg_err *err;
} yreader;

static tcg_rc ynext(yreader *y)
{
	if (y->have)
		yaml_event_delete(&y->ev);
	y->have = false;
	if (!yaml_parser_parse(&y->p, &y->ev))
		return tcg_err_set(y->err, TCG_E_FORMAT, "yaml-syntax", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "%s: line %zu: %s", y->name, y->p.problem_mark.line + 1,
		                   y->p.problem ? y->p.problem : "YAML error");
	y->have = true;
	return TCG_OK;
}

static size_t yline(const yreader *y) { return y->ev.start_mark.line + 1; }

#define YFAIL(rule, ...) tcg_err_set(y->err, TCG_E_FORMAT, rule, TCG_NO_OFFSET, TCG_NO_EVENT, __VA_ARGS__)

static bool scalar_is(const yreader *y, const char *s)
{
	return y->ev.type == YAML_SCALAR_EVENT && y->ev.data.scalar.length == strlen(s) &&
	       !memcmp(y->ev.data.scalar.value, s, y->ev.data.scalar.length);
}

static tcg_rc read_bank(yreader *y, tcg_pcr_bank *bank)
{
	tcg_rc rc;
	if ((rc = ynext(y)))
		return rc;
	if (y->ev.type == YAML_SCALAR_EVENT && y->ev.data.scalar.length == 0)
		return TCG_OK; /* a bank with no values */
	if (y->ev.type != YAML_MAPPING_START_EVENT)
		return YFAIL("pcrs-layout", "%s: line %zu: expected PCR index: value pairs", y->name,
		             yline(y));
	for (;;) {
		char *end;
		unsigned long idx;
		const char *v;
		size_t vlen;
		if ((rc = ynext(y)))
			return rc;
		if (y->ev.type == YAML_MAPPING_END_EVENT)
			return TCG_OK;
		if (y->ev.type != YAML_SCALAR_EVENT)
			return YFAIL("pcrs-layout", "%s: line %zu: expected a PCR index", y->name,
			             yline(y));
		v = (const char *)y->ev.data.scalar.value;
		idx = strtoul(v, &end, 10);
		if (!*v || *end || !isdigit((unsigned char)*v) || idx >= TCG_NUM_PCRS)
			return YFAIL("pcrs-index", "%s: line %zu: \"%.20s\" is not a PCR index 0..23",
			             y->name, yline(y), v);
		if (bank->present & (1u << idx))
			return YFAIL("pcrs-duplicate", "%s: line %zu: PCR %lu listed twice", y->name,
			             yline(y), idx);
		if ((rc = ynext(y)))
			return rc;
		if (y->ev.type != YAML_SCALAR_EVENT)
			return YFAIL("pcrs-layout", "%s: line %zu: expected a hex value", y->name,
			             yline(y));
		v = (const char *)y->ev.data.scalar.value;
		if (strlen(v) != y->ev.data.scalar.length ||
		    !tcg_hex_decode(v, bank->value[idx], bank->size, &vlen) || vlen != bank->size)
			return YFAIL("pcrs-value", "%s: line %zu: PCR %lu needs %u bytes of hex",
			             y->name, yline(y), idx, bank->size);
		bank->present |= 1u << idx;
	}
}

static tcg_rc read_banks(yreader *y, tcg_pcr_values *out, bool top)
{
	tcg_rc rc;
	for (;;) {
		uint16_t alg;
		tcg_pcr_bank *bank;
		if ((rc = ynext(y)))
			return rc;
		if (y->ev.type == YAML_MAPPING_END_EVENT)
			return TCG_OK;
		if (y->ev.type != YAML_SCALAR_EVENT)
			return YFAIL("pcrs-layout", "%s: line %zu: expected a bank name", y->name,
			             yline(y));
		if (top && scalar_is(y, "pcrs")) {
			if ((rc = ynext(y)))
				return rc;
			if (y->ev.type != YAML_MAPPING_START_EVENT)
				return YFAIL("pcrs-layout", "%s: line %zu: pcrs: must hold banks", y->name,
				             yline(y));
			if ((rc = read_banks(y, out, false)))
				return rc;
			continue;
		}
		if (!tcg_alg_from_name((const char *)y->ev.data.scalar.value, &alg))
			return YFAIL("pcrs-bank", "%s: line %zu: unknown bank \"%.20s\"", y->name,
			             yline(y), (const char *)y->ev.data.scalar.value);
		if (tcg_pcrs_bank(out, alg))
			return YFAIL("pcrs-duplicate-bank", "%s: line %zu: bank %s listed twice", y->name,
			             yline(y), tcg_alg_name(alg));
		if (!(bank = tcg_pcrs_add_bank(out, alg)))
			return YFAIL("pcrs-bank", "%s: line %zu: too many banks", y->name, yline(y));
		if ((rc = read_bank(y, bank)))
			return rc;
	}
}

static tcg_rc parse_yaml(const uint8_t *data, size_t len, const char *name,
                         tcg_pcr_values *out, tcg_err *err)
{
	yreader y = { .name = name, .err = err };
	tcg_rc rc;

	memset(out, 0, sizeof *out);
	if (!yaml_parser_initialize(&y.p))
		return tcg_err_set(err, TCG_E_NOMEM, "out-of-memory", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "no memory");
	yaml_parser_set_input_string(&y.p, data, len);
	if ((rc = ynext(&y)) || (rc = ynext(&y)))
		goto out;
	if (y.ev.type != YAML_DOCUMENT_START_EVENT) {
		rc = tcg_err_set(err, TCG_E_FORMAT, "pcrs-empty", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "%s: no YAML document", name);
		goto out;
	}
	if ((rc = ynext(&y)))
		goto out;
	if (y.ev.type != YAML_MAPPING_START_EVENT) {
		rc = tcg_err_set(err, TCG_E_FORMAT, "pcrs-layout", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "%s: line %zu: expected banks", name, yline(&y));
		goto out;
	}
	if ((rc = read_banks(&y, out, true)) || (rc = ynext(&y)))
		goto out;
	if ((rc = ynext(&y)))
		goto out;
	if (y.ev.type != YAML_STREAM_END_EVENT)
		rc = tcg_err_set(err, TCG_E_FORMAT, "pcrs-layout", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "%s: line %zu: more than one YAML document", name, yline(&y));
	else if (!out->num_banks)
		rc = tcg_err_set(err, TCG_E_FORMAT, "pcrs-empty", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "%s: no banks", name);
out:
	if (y.have)
		yaml_event_delete(&y.ev);
	yaml_parser_delete(&y.p);
	return rc;
}

tcg_rc tcg_pcrs_parse(const uint8_t *data, size_t len, const char *name,
                      tcg_pcr_values *out, tcg_err *err)
{
	/* The binary layout starts with a little-endian count of 1..16. */
	if (len >= SEL_SIZE && data[0] >= 1 && data[0] <= SEL_BANKS && !data[1] && !data[2] &&
	    !data[3])
		return parse_binary(data, len, name, out, err);
	return parse_yaml(data, len, name, out, err);
}

bool tcg_pcr_list_parse(const char *s, uint32_t *mask)
{
	uint32_t m = 0;
	if (!strcmp(s, "all")) {
		*mask = (uint32_t)((1ull << TCG_NUM_PCRS) - 1);
		return true;
	}
	while (*s) {
		char *end;
		unsigned long lo, hi;
		if (!isdigit((unsigned char)*s))
			return false;
		lo = hi = strtoul(s, &end, 10);
		if (*end == '-') {
			s = end + 1;
			if (!isdigit((unsigned char)*s))
				return false;
			hi = strtoul(s, &end, 10);
		}
		if (lo > hi || hi >= TCG_NUM_PCRS)
			return false;
		for (unsigned long p = lo; p <= hi; p++)
			m |= 1u << p;
		s = end;
		if (*s == ',')
			s++;
		else if (*s)
			return false;
	}
	if (!m)
		return false;
	*mask = m;
	return true;
}
