/* PCR value files: the tpm2_pcrread YAML layout and the tpm2_quote -o binary. */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"
#include "tcglog/pcrs.h"

static tcg_pcr_values v;

static tcg_rc parse(const char *text, tcg_err *err)
{
	tcg_err_clear(err);
	return tcg_pcrs_parse((const uint8_t *)text, strlen(text), "test.yaml", &v, err);
}

#define H20 "0x0102030405060708090A0B0C0D0E0F1011121314"

Test(pcrs, top_level_banks)
{
	tcg_err err;
	cr_assert_eq(parse("sha1:\n  0 : " H20 "\n  7 : " H20 "\n", &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(v.num_banks, 1);
	cr_assert_eq(v.bank[0].alg, TCG_ALG_SHA1);
	cr_assert_eq(v.bank[0].present, (1u << 0) | (1u << 7));
	cr_assert_eq(v.bank[0].value[7][19], 0x14);
}

Test(pcrs, indented_banks_as_tpm2_pcrread_prints)
{
	tcg_err err;
	cr_assert_eq(parse("  sha1:\n    0 : " H20 "\n  sha256:\n    1 : 0x"
	                   "00000000000000000000000000000000000000000000000000000000000000ff\n",
	                   &err),
	             TCG_OK, "%s", err.msg);
	cr_assert_eq(v.num_banks, 2);
	cr_assert_eq(v.bank[1].value[1][31], 0xff);
}

Test(pcrs, under_pcrs_key)
{
	tcg_err err;
	cr_assert_eq(parse("pcrs:\n  sha1:\n    0  : " H20 "\n", &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(v.bank[0].present, 1);
}

Test(pcrs, refusals_name_rule_and_line)
{
	static const struct {
		const char *text, *rule, *line;
	} cases[] = {
		{ "sha1:\n  24 : " H20 "\n", "pcrs-index", "line 2" },
		{ "sha1:\n  0 : 0x0102\n", "pcrs-value", "line 2" },
		{ "sha1:\n  0 : 0xZZ02030405060708090A0B0C0D0E0F1011121314\n", "pcrs-value", "line 2" },
		{ "sha1:\n  0 : " H20 "\n  0 : " H20 "\n", "pcrs-duplicate", "line 3" },
		{ "md5:\n  0 : " H20 "\n", "pcrs-bank", "line 1" },
		{ "sha1:\n  0 : " H20 "\nsha1:\n  1 : " H20 "\n", "pcrs-duplicate-bank", "line 3" },
		{ "- a\n- b\n", "pcrs-layout", "line 1" },
		{ "", "pcrs-empty", "" },
		{ "sha1: [\n", "pcrs-layout", "line 1" },
		{ "sha1:\n  \"0 : x\n", "yaml-syntax", "line" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		tcg_err err;
		cr_assert_eq(parse(cases[i].text, &err), TCG_E_FORMAT, "case %zu", i);
		cr_assert_str_eq(err.rule, cases[i].rule, "case %zu", i);
		cr_assert(strstr(err.msg, cases[i].line), "case %zu: %s", i, err.msg);
	}
}

/* The tpm2_quote -o layout, built byte by byte from its struct definitions. */
Test(pcrs, quote_output_binary)
{
	uint8_t f[132 + 4 + 532] = { 0 };
	tcg_err err;
	put32le(f, 1);         /* TPML_PCR_SELECTION.count */
	f[4] = 0x0b;           /* hash = SHA256 */
	f[6] = 3;              /* sizeofSelect */
	f[7] = 0x81;           /* PCRs 0 and 7 */
	put32le(f + 132, 1);   /* one TPML_DIGEST */
	put32le(f + 136, 2);   /* two digests */
	f[140] = 32;           /* digest[0].size */
	f[142] = 0xAA;
	f[140 + 66] = 32;      /* digest[1].size */
	f[142 + 66] = 0xBB;
	cr_assert_eq(tcg_pcrs_parse(f, sizeof f, "quote.pcrs", &v, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(v.num_banks, 1);
	cr_assert_eq(v.bank[0].present, 0x81);
	cr_assert_eq(v.bank[0].value[0][0], 0xAA);
	cr_assert_eq(v.bank[0].value[7][0], 0xBB);
	put32le(f + 136, 3);
	cr_assert_eq(tcg_pcrs_parse(f, sizeof f, "quote.pcrs", &v, &err), TCG_E_FORMAT);
	cr_assert_eq(tcg_pcrs_parse(f, sizeof f - 1, "quote.pcrs", &v, &err), TCG_E_FORMAT);
}

Test(pcrs, pcr_lists)
{
	uint32_t m;
	cr_assert(tcg_pcr_list_parse("0,2,4-7", &m));
	cr_assert_eq(m, 0xF5);
	cr_assert(tcg_pcr_list_parse("all", &m));
	cr_assert_eq(m, 0xFFFFFF);
	cr_assert_not(tcg_pcr_list_parse("24", &m));
	cr_assert_not(tcg_pcr_list_parse("7-3", &m));
	cr_assert_not(tcg_pcr_list_parse("x", &m));
	cr_assert_not(tcg_pcr_list_parse("", &m));
}
