/* The device module's rules that need no TPM: the selection dha-quote quotes,
 * the plain-EncBlob check, the default TCTI, and opening a TCTI that is not
 * there. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tcglog/device.h"
#include "tcglog/dha.h"

static tcg_err err;

static void setup(void) { tcg_err_clear(&err); }

TestSuite(device, .init = setup);

Test(device, selection_from_encblob)
{
	tcg_pcr_selection s, want;
	cr_assert_eq(tcg_dev_quote_selection("sha256:0,1,7", NULL, &s, &err), TCG_OK);
	cr_assert(tcg_pcr_selection_parse("sha256:0,1,7", &want));
	cr_assert(tcg_pcr_selection_equal(&s, &want));
}

Test(device, selection_option_equal_in_other_syntax)
{
	tcg_pcr_selection s;
	/* the same PCRs written as a range: equal, accepted */
	cr_assert_eq(tcg_dev_quote_selection("sha256:0,1,2,3", "sha256:0-3", &s, &err), TCG_OK);
}

Test(device, selection_conflict)
{
	tcg_pcr_selection s;
	cr_assert_eq(tcg_dev_quote_selection("sha256:0,1,7", "sha256:0,1", &s, &err), TCG_E_USAGE);
	cr_assert_str_eq(err.rule, "pcr-selection");
	cr_assert_eq(tcg_exit_status(err.rc), 2);
}

Test(device, selection_default_and_option)
{
	tcg_pcr_selection s, want;
	cr_assert_eq(tcg_dev_quote_selection(NULL, NULL, &s, &err), TCG_OK);
	cr_assert(tcg_pcr_selection_parse(TCG_DHA_DEFAULT_SELECTION, &want));
	cr_assert(tcg_pcr_selection_equal(&s, &want));
	cr_assert_eq(tcg_dev_quote_selection(NULL, "sha384:23", &s, &err), TCG_OK);
	cr_assert_eq(s.num_banks, 1);
	cr_assert_eq(s.bank[0].mask, 1u << 23);
}

Test(device, selection_malformed)
{
	tcg_pcr_selection s;
	cr_assert_eq(tcg_dev_quote_selection(NULL, "sha256:24", &s, &err), TCG_E_USAGE);
	cr_assert_str_eq(err.rule, "pcr-selection");
	cr_assert_eq(tcg_dev_quote_selection("md5:1", NULL, &s, &err), TCG_E_FORMAT);
	cr_assert_str_eq(err.rule, "pcr-selection");
}

static tcg_rc parse(const char *text, tcg_msg *m)
{
	static const tcg_msg_schema *const accept[] = {&tcg_msg_dha_encblob, NULL};
	return tcg_msg_parse((const uint8_t *)text, strlen(text), "t.yaml", accept, m, &err);
}

Test(device, encblob_plain)
{
	tcg_msg m;
	cr_assert_eq(parse("kind: dha-encblob\nversion: 1\ndevice: d\nkey-id: AAAAAAAAAAA=\n"
	                   "blob: AAAA\n", &m), TCG_OK);
	cr_assert_eq(tcg_dev_encblob_plain(&m, &err), TCG_OK);
	tcg_msg_free(&m);
}

Test(device, encblob_reply_refused)
{
	tcg_msg m;
	cr_assert_eq(parse("kind: dha-encblob\nversion: 1\ndevice: d\nkey-id: AAAAAAAAAAA=\n"
	                   "blob: AAAA\nsecret: AAAA\n", &m), TCG_OK);
	cr_assert_eq(tcg_dev_encblob_plain(&m, &err), TCG_E_FORMAT);
	cr_assert_str_eq(err.rule, "encblob-not-activated");
	cr_assert(strstr(err.msg, "t.yaml:6:"), "%s", err.msg);
	tcg_msg_free(&m);
}

Test(device, default_tcti)
{
	setenv("TPM2TOOLS_TCTI", "swtpm:port=1", 1);
	cr_assert_str_eq(tcg_dev_default_tcti(), "swtpm:port=1");
	setenv("TPM2TOOLS_TCTI", "", 1);
	cr_assert_str_eq(tcg_dev_default_tcti(), TCG_DEV_DEFAULT_TCTI);
	unsetenv("TPM2TOOLS_TCTI");
	cr_assert_str_eq(tcg_dev_default_tcti(), TCG_DEV_DEFAULT_TCTI);
}

Test(device, open_absent_tpm)
{
	tcg_dev *d = (tcg_dev *)1;
	setenv("TSS2_LOG", "all+NONE", 1);
	cr_assert_eq(tcg_dev_open("device:/nonexistent/tpm", &d, &err), TCG_E_IO);
	cr_assert_null(d);
	cr_assert_str_eq(err.rule, "tpm");
	cr_assert_eq(tcg_exit_status(err.rc), 3);
	tcg_dev_close(NULL);
}
