/*
 * The PCRs the service requires a bootdata quote to cover (DESIGN.md
 * "Protocol and trust": Windows 0-7, 11-14; UEFI Linux 0-9, 14; PCRs 16 and
 * 23 never count), and the operator's --require-pcrs text.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "tcglog/dha.h"

static tcg_err err;

static tcg_pcr_selection sel(const char *text)
{
	tcg_pcr_selection s;
	cr_assert(tcg_pcr_selection_parse(text, &s), "%s", text);
	return s;
}

static void text_of(const tcg_pcr_selection *s, char *out, size_t cap)
{
	cr_assert(tcg_pcr_selection_format(s, out, cap));
}

Test(require, defaults_are_the_design)
{
	tcg_pcr_selection s;
	char t[256];
	tcg_dha_required_selection(NULL, TCG_PROFILE_WINDOWS, &s);
	text_of(&s, t, sizeof t);
	cr_assert_str_eq(t, "sha256:0,1,2,3,4,5,6,7,11,12,13,14");
	tcg_dha_required_selection(NULL, TCG_PROFILE_LINUX, &s);
	text_of(&s, t, sizeof t);
	cr_assert_str_eq(t, "sha256:0,1,2,3,4,5,6,7,8,9,14");
}

Test(require, parse_per_profile)
{
	tcg_dha_issue_opts o = {0};
	tcg_pcr_selection s;
	char t[256];
	cr_assert_eq(tcg_dha_require_parse("windows=sha256:0-3", &o, &err), TCG_OK, "%s", err.msg);
	tcg_dha_required_selection(&o, TCG_PROFILE_WINDOWS, &s);
	text_of(&s, t, sizeof t);
	cr_assert_str_eq(t, "sha256:0,1,2,3");
	tcg_dha_required_selection(&o, TCG_PROFILE_LINUX, &s);
	text_of(&s, t, sizeof t);
	cr_assert_str_eq(t, "sha256:0,1,2,3,4,5,6,7,8,9,14", "linux keeps its default");
	cr_assert_eq(tcg_dha_require_parse("sha384:0,7", &o, &err), TCG_OK);
	for (int p = 0; p < TCG_PROFILE_COUNT; p++) {
		tcg_dha_required_selection(&o, (tcg_profile)p, &s);
		text_of(&s, t, sizeof t);
		cr_assert_str_eq(t, "sha384:0,7", "no profile: both");
	}
}

Test(require, parse_refuses)
{
	static const char *const bad[] = {"sha256:0,16", "linux=sha256:0-9,14,23", "sha256:23",
	                                  "macos=sha256:0", "windows=", "sha256:", "",
	                                  "windows=linux=sha256:0", "sha256:0+sha256:1"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		tcg_dha_issue_opts o = {0};
		cr_assert_eq(tcg_dha_require_parse(bad[i], &o, &err), TCG_E_USAGE, "'%s'", bad[i]);
		cr_assert_str_eq(err.rule, "dha-require-pcrs");
		cr_assert(!o.have_require[0] && !o.have_require[1], "'%s' set nothing", bad[i]);
	}
}

Test(require, check)
{
	tcg_pcr_selection linux_req, win_req, q;
	tcg_dha_required_selection(NULL, TCG_PROFILE_LINUX, &linux_req);
	tcg_dha_required_selection(NULL, TCG_PROFILE_WINDOWS, &win_req);

	q = sel("sha256:16");
	cr_assert_eq(tcg_dha_selection_check(&q, &linux_req, TCG_PROFILE_LINUX, &err),
	             TCG_E_MISMATCH);
	cr_assert_str_eq(err.rule, "selection-insufficient");

	q = sel("sha256:0-7,11-14");
	cr_assert_eq(tcg_dha_selection_check(&q, &win_req, TCG_PROFILE_WINDOWS, &err), TCG_OK);
	cr_assert_eq(tcg_dha_selection_check(&q, &linux_req, TCG_PROFILE_LINUX, &err),
	             TCG_E_MISMATCH);
	cr_assert(strstr(err.msg, "linux") && strstr(err.msg, ": 8,9"), "%s", err.msg);

	/* More than required is fine; 16 and 23 do not make up for 14. */
	q = sel("sha256:0-23");
	cr_assert_eq(tcg_dha_selection_check(&q, &linux_req, TCG_PROFILE_LINUX, &err), TCG_OK);
	q = sel("sha256:0-9,16,23");
	cr_assert_eq(tcg_dha_selection_check(&q, &linux_req, TCG_PROFILE_LINUX, &err),
	             TCG_E_MISMATCH);
	cr_assert(strstr(err.msg, ": 14"), "%s", err.msg);

	/* The PCRs must be in the required bank. */
	q = sel("sha1:0-9,14+sha384:0-9,14");
	cr_assert_eq(tcg_dha_selection_check(&q, &linux_req, TCG_PROFILE_LINUX, &err),
	             TCG_E_MISMATCH);
	cr_assert(strstr(err.msg, "sha256"), "%s", err.msg);

	/* Every bank of a requirement is required. */
	tcg_pcr_selection two = sel("sha256:0,7+sha384:0,7");
	q = sel("sha256:0-7");
	cr_assert_eq(tcg_dha_selection_check(&q, &two, TCG_PROFILE_LINUX, &err), TCG_E_MISMATCH);
	cr_assert(strstr(err.msg, "sha384"), "%s", err.msg);
	q = sel("sha256:0-7+sha384:0-7");
	cr_assert_eq(tcg_dha_selection_check(&q, &two, TCG_PROFILE_LINUX, &err), TCG_OK);
}
