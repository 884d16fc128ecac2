/* Replay rules, checked against values computed here with OpenSSL alone. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "helpers.h"
#include "tcglog/binding.h"
#include "tcglog/pcrs.h"
#include "tcglog/replay.h"

static tcg_replay_result res;

static tcg_rc replay_writer(tcg_writer *w, tcg_err *err)
{
	tcg_log *log;
	tcg_rc rc = parse_writer(w, &log, err);
	cr_assert_eq(rc, TCG_OK, "parse: %s", err->msg);
	rc = tcg_replay(log, NULL, &res, err);
	tcg_log_free(log);
	tcg_writer_free(w);
	return rc;
}

static const uint8_t *pcr256(uint32_t p)
{
	const tcg_pcr_bank *b = tcg_pcrs_bank_const(&res.pcrs, TCG_ALG_SHA256);
	cr_assert_not_null(b);
	return b->value[p];
}

static const uint8_t *pcr1(uint32_t p)
{
	const tcg_pcr_bank *b = tcg_pcrs_bank_const(&res.pcrs, TCG_ALG_SHA1);
	cr_assert_not_null(b);
	return b->value[p];
}

static const uint8_t locality3[17] = "StartupLocality\0\3";

Test(replay, extends_each_bank_and_skips_no_action)
{
	tcg_writer *w = agile_writer();
	uint8_t want1[20] = { 0 }, want256[32] = { 0 };
	tcg_err err;
	tcg_writer_event(w, 4, 0x80000007, NULL, "a", 1);
	tcg_writer_event(w, 4, 3, NULL, "not extended", 12);
	tcg_writer_event(w, 4, 0x80000007, NULL, "b", 1);
	tcg_writer_event(w, TCG_PCR_NONE, 4, NULL, "none", 4);
	cr_assert_eq(replay_writer(w, &err), TCG_OK);
	ref_extend_data("SHA1", 20, want1, "a", 1);
	ref_extend_data("SHA1", 20, want1, "b", 1);
	ref_extend_data("SHA256", 32, want256, "a", 1);
	ref_extend_data("SHA256", 32, want256, "b", 1);
	cr_assert_arr_eq(pcr1(4), want1, 20);
	cr_assert_arr_eq(pcr256(4), want256, 32);
	cr_assert_eq(res.extended, 1u << 4);
}

/* SM3 and SHA-3 hash through OpenSSL's providers (the hasher's EVP path, made
 * on first use), SHA-1/SHA-2 without them: both kinds in one log. */
Test(replay, extends_provider_banks_beside_sha2)
{
	static const uint16_t algs[] = { TCG_ALG_SHA256, TCG_ALG_SM3_256, TCG_ALG_SHA3_256 };
	static const char *const md[] = { "SHA256", "SM3", "SHA3-256" };
	tcg_writer *w = tcg_writer_new(TCG_FMT_AGILE, algs, 3);
	tcg_err err;
	cr_assert_not_null(w);
	tcg_writer_event(w, 7, 0x80000007, NULL, "a", 1);
	tcg_writer_event(w, 7, 0x80000007, NULL, "bc", 2);
	cr_assert_eq(replay_writer(w, &err), TCG_OK, "%s", err.msg);
	for (size_t i = 0; i < 3; i++) {
		uint8_t want[32] = { 0 };
		const tcg_pcr_bank *b = tcg_pcrs_bank_const(&res.pcrs, algs[i]);
		cr_assert_not_null(b, "bank %s", md[i]);
		ref_extend_data(md[i], 32, want, "a", 1);
		ref_extend_data(md[i], 32, want, "bc", 2);
		cr_assert_arr_eq(b->value[7], want, 32, "bank %s", md[i]);
		cr_assert_eq(tcg_alg_needs_hasher(algs[i]), i > 0, "bank %s", md[i]);
	}
}

Test(replay, unextended_pcrs_hold_initial_values)
{
	tcg_writer *w = agile_writer();
	uint8_t zero[32] = { 0 }, ff[32];
	tcg_err err;
	memset(ff, 0xFF, sizeof ff);
	tcg_writer_event(w, 4, 0x80000007, NULL, "a", 1);
	cr_assert_eq(replay_writer(w, &err), TCG_OK);
	for (uint32_t p = 0; p < 24; p++)
		cr_assert_arr_eq(pcr256(p), p == 4 ? pcr256(4) : (p >= 17 && p <= 22) ? ff : zero, 32,
		                 "PCR %u", p);
	cr_assert_not(res.drtm);
}

Test(replay, drtm_event_resets_17_to_22)
{
	tcg_writer *w = agile_writer();
	uint8_t want[32] = { 0 }, zero[32] = { 0 };
	tcg_err err;
	tcg_writer_event(w, 17, 0x401, NULL, "drtm", 4);
	cr_assert_eq(replay_writer(w, &err), TCG_OK);
	ref_extend_data("SHA256", 32, want, "drtm", 4);
	cr_assert(res.drtm);
	cr_assert_arr_eq(pcr256(17), want, 32);
	cr_assert_arr_eq(pcr256(18), zero, 32);
}

Test(replay, startup_locality_sets_pcr0)
{
	tcg_writer *w = agile_writer();
	uint8_t want[32] = { 0 };
	tcg_err err;
	tcg_writer_event(w, 0, 3, NULL, locality3, sizeof locality3);
	tcg_writer_event(w, 0, 8, NULL, "v", 1);
	cr_assert_eq(replay_writer(w, &err), TCG_OK);
	want[31] = 3;
	ref_extend_data("SHA256", 32, want, "v", 1);
	cr_assert_eq(res.startup_locality, 3);
	cr_assert_arr_eq(pcr256(0), want, 32);
}

Test(replay, startup_locality_after_pcr0_extend_is_refused)
{
	tcg_writer *w = agile_writer();
	tcg_err err;
	tcg_writer_event(w, 0, 8, NULL, "v", 1);
	tcg_writer_event(w, 0, 3, NULL, locality3, sizeof locality3);
	cr_assert_eq(replay_writer(w, &err), TCG_E_FORMAT);
	cr_assert_str_eq(err.rule, "startup-locality-late");
	cr_assert_eq(err.event, 2);
}

Test(replay, startup_locality_other_values_refused)
{
	uint8_t loc2[17];
	tcg_writer *w = agile_writer();
	tcg_err err;
	memcpy(loc2, locality3, 17);
	loc2[16] = 2;
	tcg_writer_event(w, 0, 3, NULL, loc2, 17);
	cr_assert_eq(replay_writer(w, &err), TCG_E_FORMAT);
	cr_assert_str_eq(err.rule, "startup-locality-value");
}

Test(replay, startup_locality_twice_refused)
{
	tcg_writer *w = agile_writer();
	tcg_err err;
	tcg_writer_event(w, 0, 3, NULL, locality3, 17);
	tcg_writer_event(w, 0, 3, NULL, locality3, 17);
	cr_assert_eq(replay_writer(w, &err), TCG_E_FORMAT);
	cr_assert_str_eq(err.rule, "startup-locality-duplicate");
}

Test(replay, startup_locality_wrong_size_refused)
{
	tcg_writer *w = agile_writer();
	tcg_err err;
	tcg_writer_event(w, 0, 3, NULL, "StartupLocality\0\3\0", 18);
	cr_assert_eq(replay_writer(w, &err), TCG_E_FORMAT);
	cr_assert_str_eq(err.rule, "startup-locality-size");
}

Test(replay, hcrtm_starts_pcr0_at_four)
{
	tcg_writer *w = agile_writer();
	uint8_t want[20] = { 0 };
	tcg_err err;
	tcg_writer_event(w, 0, 0x80000010, NULL, "HCRTM", 5);
	tcg_writer_event(w, 0, 8, NULL, "v", 1);
	cr_assert_eq(replay_writer(w, &err), TCG_OK);
	want[19] = 4;
	ref_extend_data("SHA1", 20, want, "HCRTM", 5);
	ref_extend_data("SHA1", 20, want, "v", 1);
	cr_assert(res.hcrtm);
	cr_assert_arr_eq(pcr1(0), want, 20);
}

Test(replay, hcrtm_not_first_is_refused)
{
	tcg_writer *w = agile_writer();
	tcg_err err;
	tcg_writer_event(w, 0, 8, NULL, "v", 1);
	tcg_writer_event(w, 0, 0x80000010, NULL, "HCRTM", 5);
	cr_assert_eq(replay_writer(w, &err), TCG_E_FORMAT);
	cr_assert_str_eq(err.rule, "hcrtm-position");
}

Test(replay, hcrtm_with_startup_locality_is_refused)
{
	tcg_writer *w = agile_writer();
	tcg_err err;
	tcg_writer_event(w, 0, 3, NULL, locality3, 17);
	tcg_writer_event(w, 0, 0x80000010, NULL, "HCRTM", 5);
	cr_assert_eq(replay_writer(w, &err), TCG_E_FORMAT);
	cr_assert_str_eq(err.rule, "hcrtm-startup-locality");
}

/* ---- comparison and the missing-ExitBootServices workaround ---- */

static const char inv[] = "Exit Boot Services Invocation";
static const char ok[] = "Exit Boot Services Returned with Success";

static tcg_log *ebs_log(tcg_writer **w)
{
	tcg_log *log;
	tcg_err err;
	*w = agile_writer();
	tcg_writer_event(*w, 5, 0x80000006, NULL, "gpt", 3);
	cr_assert_eq(parse_writer(*w, &log, &err), TCG_OK);
	return log;
}

static void ebs_expected(tcg_pcr_values *want)
{
	tcg_pcr_bank *b;
	memset(want, 0, sizeof *want);
	b = tcg_pcrs_add_bank(want, TCG_ALG_SHA256);
	ref_extend_data("SHA256", 32, b->value[5], "gpt", 3);
	ref_extend_data("SHA256", 32, b->value[5], inv, sizeof inv - 1);
	ref_extend_data("SHA256", 32, b->value[5], ok, sizeof ok - 1);
	b->present = 1u << 5;
}

Test(compare, missing_ebs_refused_without_the_option)
{
	tcg_writer *w;
	tcg_log *log = ebs_log(&w);
	tcg_pcr_values want;
	tcg_pcr_mismatch mm[4];
	size_t total;
	tcg_err err;
	ebs_expected(&want);
	cr_assert_eq(tcg_replay(log, NULL, &res, &err), TCG_OK);
	cr_assert_eq(tcg_replay_compare(log, NULL, &res, &want, 0, mm, 4, &total, &err),
	             TCG_E_MISMATCH);
	cr_assert_eq(total, 1);
	cr_assert_eq(mm[0].pcr, 5);
	cr_assert_str_eq(err.rule, "pcr-mismatch");
	tcg_log_free(log);
	tcg_writer_free(w);
}

Test(compare, missing_ebs_workaround_is_named)
{
	tcg_writer *w;
	tcg_log *log = ebs_log(&w);
	tcg_pcr_values want;
	tcg_pcr_mismatch mm[4];
	size_t total;
	tcg_err err;
	ebs_expected(&want);
	cr_assert_eq(tcg_replay(log, NULL, &res, &err), TCG_OK);
	cr_assert_eq(tcg_replay_compare(log, NULL, &res, &want, TCG_QUIRK_MISSING_EBS, mm, 4,
	                                &total, &err),
	             TCG_OK);
	cr_assert_eq(total, 0);
	cr_assert_eq(res.quirks, TCG_QUIRK_MISSING_EBS);
	cr_assert_str_eq(res.ebs_variant, "invocation+success");
	tcg_log_free(log);
	tcg_writer_free(w);
}

Test(compare, missing_ebs_not_applied_when_log_has_ebs)
{
	tcg_writer *w = agile_writer();
	tcg_log *log;
	tcg_pcr_values want;
	tcg_pcr_mismatch mm[4];
	size_t total;
	tcg_err err;
	tcg_writer_event(w, 5, 0x80000006, NULL, "gpt", 3);
	tcg_writer_event(w, 5, 0x80000007, NULL, inv, sizeof inv - 1);
	cr_assert_eq(parse_writer(w, &log, &err), TCG_OK);
	ebs_expected(&want);
	cr_assert_eq(tcg_replay(log, NULL, &res, &err), TCG_OK);
	cr_assert_eq(tcg_replay_compare(log, NULL, &res, &want, TCG_QUIRK_MISSING_EBS, mm, 4,
	                                &total, &err),
	             TCG_E_MISMATCH);
	cr_assert_eq(res.quirks, 0);
	tcg_log_free(log);
	tcg_writer_free(w);
}

Test(compare, bank_missing_from_log)
{
	tcg_writer *w = agile_writer();
	tcg_log *log;
	tcg_pcr_values want;
	tcg_pcr_mismatch mm[4];
	size_t total;
	tcg_err err;
	tcg_writer_event(w, 5, 0x80000006, NULL, "gpt", 3);
	cr_assert_eq(parse_writer(w, &log, &err), TCG_OK);
	memset(&want, 0, sizeof want);
	tcg_pcrs_add_bank(&want, TCG_ALG_SHA384)->present = 1;
	cr_assert_eq(tcg_replay(log, NULL, &res, &err), TCG_OK);
	cr_assert_eq(tcg_replay_compare(log, NULL, &res, &want, 0, mm, 4, &total, &err),
	             TCG_E_MISMATCH);
	cr_assert(mm[0].missing_bank);
	cr_assert_eq(mm[0].alg, TCG_ALG_SHA384);
	tcg_log_free(log);
	tcg_writer_free(w);
}

/* ---- data binding ---- */

static tcg_binding binding_of(uint32_t pcr, uint32_t type, const void *data, uint32_t size,
                              const void *hashed, size_t hlen)
{
	static const uint16_t algs[] = { TCG_ALG_SHA256 };
	tcg_writer *w = tcg_writer_new(TCG_FMT_AGILE, algs, 1);
	uint8_t d[32];
	const uint8_t *dp[1] = { d };
	tcg_log *log;
	tcg_err err;
	tcg_binding b;
	ref_hash("SHA256", hashed, hlen, NULL, 0, d);
	tcg_writer_event(w, pcr, type, dp, data, size);
	cr_assert_eq(parse_writer(w, &log, &err), TCG_OK);
	b = tcg_event_binding(log, tcg_log_event(log, 1), NULL, NULL);
	tcg_log_free(log);
	tcg_writer_free(w);
	return b;
}

Test(binding, separator_data_must_match)
{
	cr_assert_eq(binding_of(7, 4, "\0\0\0\0", 4, "\0\0\0\0", 4), TCG_BIND_OK);
	cr_assert_eq(binding_of(7, 4, "\1\0\0\0", 4, "\0\0\0\0", 4), TCG_BIND_MISMATCH);
}

Test(binding, action_retyped_keeps_checking)
{
	/* EV_EFI_ACTION binds; EV_EFI_BOOT_SERVICES_APPLICATION does not. */
	cr_assert_eq(binding_of(4, 0x80000007, "x", 1, "y", 1), TCG_BIND_MISMATCH);
	cr_assert_eq(binding_of(4, 0x80000003, "x", 1, "y", 1), TCG_BIND_NONE);
}

Test(binding, variable_boot_accepts_data_only_hash)
{
	uint8_t var[16 + 8 + 8 + 2 + 3] = { 0 };
	var[16] = 1; /* UnicodeNameLength 1 */
	var[24] = 3; /* VariableDataLength 3 */
	var[32] = 'A';
	memcpy(var + 34, "abc", 3);
	cr_assert_eq(binding_of(1, 0x80000002, var, sizeof var, "abc", 3), TCG_BIND_OK);
	cr_assert_eq(binding_of(1, 0x80000002, var, sizeof var, var, sizeof var), TCG_BIND_OK);
	cr_assert_eq(binding_of(1, 0x80000002, var, sizeof var, "abd", 3), TCG_BIND_MISMATCH);
}

Test(binding, grub_string_with_or_without_nul)
{
	cr_assert_eq(binding_of(8, 0xD, "grub_cmd: x\0", 12, "grub_cmd: x", 11), TCG_BIND_OK);
	cr_assert_eq(binding_of(9, 0xD, "/boot/vmlinuz", 13, "kernel", 6), TCG_BIND_NONE);
}

Test(replay, partial_digests_leave_that_bank_unreplayed)
{
	static const uint16_t algs[] = { TCG_ALG_SHA1, TCG_ALG_SHA256 };
	tcg_writer *w = tcg_writer_new(TCG_FMT_AGILE, algs, 2);
	size_t len;
	const uint8_t *p;
	uint8_t raw[4 + 4 + 4 + 2 + 32 + 4 + 1] = { 12, 0, 0, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0x0b, 0 };
	uint8_t want[32] = { 0 };
	tcg_pcr_values exp;
	tcg_pcr_mismatch mm[4];
	size_t total;
	tcg_log *log;
	tcg_err err;
	/* PCR 12 event with a SHA-256 digest only, as Windows writes them. */
	ref_hash("SHA256", "t", 1, NULL, 0, raw + 14);
	put32le(raw + 46, 1);
	raw[50] = 't';
	tcg_writer_event(w, 4, 0x80000007, NULL, "a", 1);
	tcg_writer_raw(w, raw, sizeof raw);
	p = tcg_writer_data(w, &len);
	cr_assert_eq(tcg_log_parse(p, len, 0, &log, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(tcg_replay(log, NULL, &res, &err), TCG_OK);
	ref_extend_data("SHA256", 32, want, "t", 1);
	cr_assert_arr_eq(pcr256(12), want, 32);
	cr_assert_eq(tcg_pcrs_bank(&res.pcrs, TCG_ALG_SHA1)->present & (1u << 12), 0);
	cr_assert_neq(tcg_pcrs_bank(&res.pcrs, TCG_ALG_SHA1)->present & (1u << 4), 0);
	memset(&exp, 0, sizeof exp);
	tcg_pcrs_add_bank(&exp, TCG_ALG_SHA1)->present = 1u << 12;
	cr_assert_eq(tcg_replay_compare(log, NULL, &res, &exp, 0, mm, 4, &total, &err),
	             TCG_E_MISMATCH);
	cr_assert(mm[0].unreplayable);
	tcg_log_free(log);
	tcg_writer_free(w);
}

/* tcg_replay_write's document in fmt, read back by tcg_pcrs_parse. */
static void write_read_back(tcg_out_format fmt, tcg_pcr_values *back)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	tcg_err err;
	cr_assert_not_null(f);
	cr_assert_eq(tcg_replay_write(&res, fmt, f, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(tcg_pcrs_parse((const uint8_t *)text, len, "written", back, &err), TCG_OK,
	             "%s: %s", err.msg, text);
	free(text);
}

Test(replay, written_pcrs_read_back_in_each_format)
{
	tcg_writer *w = agile_writer();
	uint8_t want256[32] = { 0 };
	tcg_pcr_values back;
	tcg_err err;
	tcg_writer_event(w, 4, 0x80000007, NULL, "a", 1);
	cr_assert_eq(replay_writer(w, &err), TCG_OK);
	ref_extend_data("SHA256", 32, want256, "a", 1);
	for (int fmt = TCG_OUT_YAML; fmt <= TCG_OUT_JSON; fmt++) {
		write_read_back((tcg_out_format)fmt, &back);
		const tcg_pcr_bank *b = tcg_pcrs_bank_const(&back, TCG_ALG_SHA256);
		cr_assert_not_null(b, "format %d", fmt);
		cr_assert_eq(back.num_banks, 2);
		cr_assert_eq(b->present, 0xffffffu, "format %d", fmt);
		cr_assert_arr_eq(b->value[4], want256, 32, "format %d", fmt);
	}
}

Test(replay, write_refuses_a_format_that_is_none)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	tcg_err err;
	cr_assert_not_null(f);
	cr_assert_eq(tcg_replay_write(&res, (tcg_out_format)7, f, &err), TCG_E_USAGE);
	cr_assert_str_eq(err.rule, "output-format");
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(len, 0, "nothing is written");
	free(text);
}
