/*
 * dha-verify's writers and what reads them: parsed YAML trees written back
 * (tcg_yaml_node) read back to the same tree; verified claims keep their facts
 * and order with the verification facts replaced; failure documents are
 * dha-claims that dha-policy turns into a failed-verification report, which
 * validates against the schema's rules as the reader enforces them and reads
 * back (HealthStatusMismatchFlags included).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcglog/dha.h"
#include "tcglog/msg.h"
#include "tcglog/policy.h"
#include "tcglog/report.h"
#include "yamldoc.h"
#include "yamlout.h"

static bool tree_eq(const tcg_ynode *a, const tcg_ynode *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == TCG_YNODE_SCALAR) {
		if (a->val != b->val)
			return false;
		switch (a->val) {
		case TCG_YVAL_BOOL:
			return a->b == b->b;
		case TCG_YVAL_INT:
			return a->i == b->i;
		case TCG_YVAL_NULL:
			return true;
		default:
			return a->len == b->len && !memcmp(a->str, b->str, a->len);
		}
	}
	if (a->n != b->n)
		return false;
	size_t k = a->kind == TCG_YNODE_MAP ? 2 * a->n : a->n;
	for (size_t i = 0; i < k; i++)
		if (!tree_eq(a->items[i], b->items[i]))
			return false;
	return true;
}

/* Write n with tcg_yaml_node into a buffer (*len bytes, free()). */
static char *emit(const tcg_ynode *n, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	cr_assert(f);
	tcg_yaml *y = tcg_yaml_new(f);
	tcg_err err;
	tcg_yaml_node(y, n);
	cr_assert_eq(tcg_yaml_finish(y, &err), TCG_OK, "%s", err.msg);
	fclose(f);
	return buf;
}

static void parse(const char *text, size_t len, tcg_ydoc *d)
{
	tcg_err err;
	cr_assert_eq(tcg_ydoc_parse((const uint8_t *)text, len, "t", d, &err), TCG_OK, "%s: %s",
	             err.msg, text);
}

Test(yamlout, node_round_trip)
{
	static const char text[] =
		"plain: word\n"
		"quoted: \"123\"\n"
		"\"true\": 'false'\n"
		"\"0\": zero-as-string-key\n"
		"7: seven\n"
		"\"a key: with # signs\": \"x\\ny\\t\\\"z\\\"\"\n"
		"\"\": empty key\n"
		"unicode: \"caf\\u00e9 \\u2603\"\n"
		"nul: \"a\\0b\"\n"
		"int: -42\n"
		"plus: +7\n"
		"big: 9223372036854775807\n"
		"huge: 99999999999999999999\n"
		"hexish: 0x800c\n"
		"bools: [true, false, \"true\"]\n"
		"nulls: [~, null, \"null\"]\nempty-value:\n"
		"empty-map: {}\n"
		"empty-seq: []\n"
		"nested:\n"
		"  - a: {b: [1, [2, [3]]]}\n"
		"  - - x\n"
		"    - y\n"
		"last:\n";
	tcg_ydoc a, b;
	size_t len;
	parse(text, sizeof text - 1, &a);
	char *out = emit(a.root, &len);
	parse(out, len, &b);
	cr_expect(tree_eq(a.root, b.root), "differs after a round trip:\n%s", out);
	/* and stable: a second round writes the same bytes */
	size_t len2;
	char *out2 = emit(b.root, &len2);
	cr_expect(len == len2 && !memcmp(out, out2, len), "not stable:\n%s\n%s", out, out2);
	free(out);
	free(out2);
	tcg_ydoc_free(&a);
	tcg_ydoc_free(&b);
}

Test(yamlout, node_bytes_that_are_not_utf8)
{
	tcg_ynode s = {.kind = TCG_YNODE_SCALAR, .str = "ab\xff\xfe" "c", .len = 5,
	               .val = TCG_YVAL_STR};
	size_t len;
	char *out = emit(&s, &len);
	tcg_ydoc d;
	parse(out, len, &d);
	cr_expect_str_eq(d.root->str, "ab\xef\xbf\xbd\xef\xbf\xbd" "c");
	tcg_ydoc_free(&d);
	free(out);
}

/* ---- verified claims ---- */

static const char claims_text[] =
	"---\n"
	"kind: \"dha-claims\"\n"
	"version: 1\n"
	"verification:\n"
	"  verified: true\n"
	"  pcrs: \"pcrs-file\"\n"
	"  bank: \"sha256\"\n"
	"  result: \"failed\"\n"
	"  pcrs-verified: [0, 7]\n"
	"health:\n"
	"  SecureBootEnabled: true\n"
	"  ResetCount: 99\n"
	"  PCR0: \"00ff\"\n"
	"windows:\n"
	"  BootCount: 4\n"
	"  LoadedModules:\n"
	"  - {Path: \"\\\\EFI\\\\x.efi\", HashAlgorithmID: 0x800c}\n";

/* A verdict whose claims are text as tcg_dha_content_set_claims seals them
 * (the nonce slot left as sealed: tcg_dha_verify fills it, verify.sh checks). */
static void verdict_of(const char *text, tcg_dha_verdict *v)
{
	static const uint8_t key_id[TCG_SERVICE_KEY_ID_SIZE] = {0x11, 0x11, 0x11, 0x11,
	                                                        0x11, 0x11, 0x11, 0x11};
	tcg_dha_content c;
	tcg_err err;
	memset(&c, 0, sizeof c);
	memset(v, 0, sizeof *v);
	c.device = "laptop-17";
	c.ak_name[0] = 0x00;
	c.ak_name[1] = 0x0b;
	c.ak_name_len = 34;
	cr_assert(tcg_pcr_selection_parse("sha256:0,7", &c.selection));
	c.issued = 1700000000;
	c.expires = 1700086400;
	c.reset_count = 5;
	c.restart_count = 2;
	cr_assert_eq(tcg_dha_content_set_claims(&c, key_id, text, strlen(text), &err), TCG_OK,
	             "%s: %s", err.rule, err.msg);
	v->verified = true;
	v->claims = c.claims;
	v->claims_len = c.claims_len;
}

static char *write_claims(const tcg_dha_verdict *v, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	tcg_err err;
	cr_assert_eq(tcg_dha_claims_write(v, TCG_OUT_YAML, f, &err), TCG_OK, "%s", err.msg);
	fclose(f);
	return buf;
}

Test(claims, verified_claims)
{
	static const tcg_msg_schema *const accept[] = {&tcg_msg_dha_claims, NULL};
	tcg_dha_verdict v;
	tcg_msg back;
	tcg_claims_doc cd;
	tcg_err err;
	size_t len;
	bool b;
	uint64_t u;

	verdict_of(claims_text, &v);
	char *out = write_claims(&v, &len);
	cr_assert_eq(tcg_msg_parse((const uint8_t *)out, len, "out", accept, &back, &err), TCG_OK,
	             "%s\n%s", err.msg, out);
	cr_expect(tcg_msg_bool(&back, "verification.verified", &b) && b);
	cr_expect_str_eq(tcg_msg_str(&back, "verification.pcrs", NULL), "quote");
	cr_expect_str_eq(tcg_msg_str(&back, "verification.bank", NULL), "sha256");
	cr_expect_null(tcg_msg_get(&back, "verification.result"), "a failure key survived");
	cr_expect_str_eq(tcg_msg_str(&back, "verification.dha.device", NULL), "laptop-17");
	cr_expect_str_eq(tcg_msg_str(&back, "verification.dha.issued", NULL),
	                 "2023-11-14T22:13:20Z");
	cr_expect_str_eq(tcg_msg_str(&back, "verification.dha.expires", NULL),
	                 "2023-11-15T22:13:20Z");
	cr_expect_str_eq(tcg_msg_str(&back, "verification.dha.pcr-selection", NULL), "sha256:0,7");
	cr_expect_str_eq(tcg_msg_str(&back, "verification.dha.key-id", NULL), "1111111111111111");
	cr_expect(tcg_msg_uint(&back, "verification.dha.reset-count", &u) && u == 5);
	cr_expect(tcg_msg_bool(&back, "health.AIKPresent", &b) && b);
	cr_expect(tcg_msg_uint(&back, "health.ResetCount", &u) && u == 5, "replaced in place");
	cr_expect(tcg_msg_uint(&back, "health.RestartCount", &u) && u == 2);
	cr_expect(tcg_msg_uint(&back, "health.TpmVersion", &u) && u == 2);
	cr_expect_str_eq(tcg_msg_str(&back, "windows.LoadedModules.0.HashAlgorithmID", NULL),
	                 "0x800c");
	cr_expect_str_eq(tcg_msg_str(&back, "windows.LoadedModules.0.Path", NULL),
	                 "\\EFI\\x.efi");
	/* key order kept: the sections and the health facts as they came */
	const tcg_ynode *r = back.doc->root, *h = tcg_msg_get(&back, "health");
	cr_assert_eq(r->n, 5);
	cr_expect_str_eq(r->items[6]->str, "health");
	cr_expect_str_eq(r->items[8]->str, "windows");
	cr_expect_str_eq(h->items[0]->str, "SecureBootEnabled");
	cr_expect_str_eq(h->items[2]->str, "ResetCount");
	cr_expect_str_eq(h->items[4]->str, "PCR0");
	tcg_msg in;
	cr_assert_eq(tcg_msg_parse((const uint8_t *)claims_text, strlen(claims_text), "in", accept,
	                           &in, &err),
	             TCG_OK);
	cr_expect(tree_eq(tcg_msg_get(&back, "windows"), tcg_msg_get(&in, "windows")));
	tcg_msg_free(&in);
	/* and dha-policy reads it as verified claims */
	cr_assert_eq(tcg_claims_doc_parse((const uint8_t *)out, len, "out", &cd, &err), TCG_OK,
	             "%s", err.msg);
	cr_expect(cd.verified);
	cr_expect_eq(tcg_report_failed_check(&cd, &b, &err), TCG_OK);
	cr_expect(!b);
	tcg_claims_doc_free(&cd);
	tcg_msg_free(&back);
	tcg_dha_verdict_free(&v);
	free(out);
}

Test(claims, health_added_when_missing)
{
	static const tcg_msg_schema *const accept[] = {&tcg_msg_dha_claims, NULL};
	tcg_dha_verdict v;
	tcg_msg back;
	tcg_err err;
	size_t len;
	bool b;

	verdict_of("kind: dha-claims\nversion: 1\nverification: {verified: true}\n"
	           "linux: {Shim: true}\n",
	           &v);
	char *out = write_claims(&v, &len);
	cr_assert_eq(tcg_msg_parse((const uint8_t *)out, len, "out", accept, &back, &err), TCG_OK,
	             "%s", err.msg);
	cr_expect_str_eq(back.doc->root->items[6]->str, "health", "health right after verification");
	cr_expect(tcg_msg_bool(&back, "health.AIKPresent", &b) && b);
	cr_expect(tcg_msg_bool(&back, "linux.Shim", &b) && b);
	tcg_msg_free(&back);
	tcg_dha_verdict_free(&v);
	free(out);
}

Test(claims, only_verified_verdicts)
{
	tcg_dha_verdict v;
	tcg_err err;
	memset(&v, 0, sizeof v);
	cr_expect_eq(tcg_dha_claims_write(&v, TCG_OUT_YAML, stdout, &err), TCG_E_USAGE);
	cr_expect_eq(tcg_dha_verify(NULL, NULL, &v, &err), TCG_E_USAGE);
}

/* A batch refused as a whole leaves every document undecided, without a
 * verdict; a slot without a message is left alone. */
Test(claims, batch_usage)
{
	tcg_msg m;
	tcg_dha_verify_item it[2];
	tcg_err err;
	memset(&m, 0, sizeof m);
	memset(it, 0, sizeof it);
	it[0].msg = &m;
	it[1].rc = TCG_E_FORMAT;
	cr_expect_eq(tcg_dha_verify_batch(it, 2, NULL, &err), TCG_E_USAGE);
	cr_expect_str_eq(err.rule, "dha-verify-usage");
	cr_expect_eq(it[0].rc, TCG_E_USAGE);
	cr_expect(!it[0].decided && !it[0].v.verified);
	cr_expect_eq(it[1].rc, TCG_E_FORMAT);
	cr_expect_eq(tcg_dha_verify_batch(it, TCG_DHA_VERIFY_BATCH_MAX + 1, NULL, &err),
	             TCG_E_USAGE);
	cr_expect_eq(tcg_dha_verify_batch(NULL, 0, NULL, &err), TCG_E_USAGE);
}

/* The two halves of a batch refuse as it does: a prepared document without
 * usable options fails on its own, a commit without a store leaves every
 * prepared document undecided and one never prepared alone. */
Test(claims, prepare_commit_usage)
{
	tcg_msg m;
	tcg_dha_verify_item it[2];
	tcg_err err;
	memset(&m, 0, sizeof m);
	memset(it, 0, sizeof it);
	cr_expect_eq(tcg_dha_verify_prepare(NULL, NULL), TCG_E_USAGE);
	it[0].msg = &m;
	cr_expect_eq(tcg_dha_verify_prepare(&it[0], NULL), TCG_E_USAGE);
	cr_expect_str_eq(it[0].err.rule, "dha-verify-usage");
	cr_expect(it[0].prepared && it[0].decided && !it[0].v.verified);
	it[1].rc = TCG_E_FORMAT;
	cr_expect_eq(tcg_dha_verify_commit(it, 2, NULL, &err), TCG_E_USAGE);
	cr_expect_str_eq(err.rule, "dha-verify-usage");
	cr_expect_eq(it[0].rc, TCG_E_USAGE);
	cr_expect(!it[0].decided && !it[0].v.verified);
	cr_expect_eq(it[1].rc, TCG_E_FORMAT);
	cr_expect(!it[1].prepared);
	cr_expect_eq(tcg_dha_verify_commit(NULL, 1, NULL, &err), TCG_E_USAGE);
}

/* ---- failures and their reports ---- */

static char *write_failure(const char *device, const char *rule, const char *msg,
                           const bool *mismatch, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	tcg_err e, err;
	tcg_dha_verdict v = {.compared = mismatch != NULL, .nonce_consumed = mismatch != NULL};
	if (device)
		snprintf(v.device, sizeof v.device, "%s", device);
	if (mismatch)
		memcpy(v.mismatch, mismatch, sizeof v.mismatch);
	tcg_err_set(&e, TCG_E_MISMATCH, rule, TCG_NO_OFFSET, TCG_NO_EVENT, "%s", msg);
	cr_assert_eq(tcg_dha_failure_write(TCG_OUT_YAML, f, device || mismatch ? &v : NULL, &e,
	                                   &err),
	             TCG_OK);
	fclose(f);
	return buf;
}

static const char policy_text[] =
	"name: t\nversion: 1\nrules:\n"
	"  - {id: sb, severity: deny, unknown: pass, condition: {fact: health.SecureBootEnabled,"
	" equals: true}}\n";

Test(report, failed_verification_round_trip)
{
	static const bool flags[TCG_DHA_MISMATCH_COUNT] = {false, true, true, false, false, false};
	tcg_claims_doc cd;
	tcg_policy *p;
	tcg_report r, back;
	tcg_err err;
	size_t len, l1, l2;
	char *x1, *x2;
	bool failed;

	/* a device name an attacker chose: still one valid YAML string */
	char *doc = write_failure("dev\"ice\n\xff", "dha-reboot", "the TPM was reset <&>", flags,
	                          &len);
	cr_assert_eq(tcg_claims_doc_parse((const uint8_t *)doc, len, "f", &cd, &err), TCG_OK,
	             "%s\n%s", err.msg, doc);
	cr_expect(!cd.verified);
	cr_assert_eq(tcg_report_failed_check(&cd, &failed, &err), TCG_OK, "%s",
	             err.msg);
	cr_assert(failed);
	cr_assert_eq(tcg_policy_parse((const uint8_t *)policy_text, strlen(policy_text), "p", &p,
	                              &err),
	             TCG_OK);
	cr_assert_eq(tcg_report_build_failed(p, cd.root, 1700000000, &r, &err), TCG_OK);
	cr_expect_eq(r.error_code, TCG_REPORT_ERROR_VERIFICATION);
	cr_expect_str_eq(r.error_message, "dha-reboot: the TPM was reset <&>");
	cr_expect(!r.compliant);
	cr_expect_eq(r.nrules, 0, "no rule is evaluated on a failed verification");
	cr_assert(r.has_mismatch);
	bool attributed = false;
	for (size_t i = 0; i < r.nfacts; i++) {
		cr_expect(!strncmp(r.facts[i].path, "verification.", 13), "fact %s", r.facts[i].path);
		attributed |= !strcmp(r.facts[i].path, "verification.attributed") &&
		              !strcmp(r.facts[i].value, "true");
	}
	cr_expect(attributed, "a refusal after the comparison is the device's own");
	cr_assert_eq(tcg_report_write_mem(&r, &x1, &l1, &err), TCG_OK);
	cr_expect_null(strstr(x1, "HealthCertificateProperties"));
	cr_expect_not_null(strstr(x1, "<RebootCount>true</RebootCount>"), "%s", x1);
	cr_assert_eq(tcg_report_read((const uint8_t *)x1, l1, &back, &err), TCG_OK, "%s", err.msg);
	cr_expect_eq(back.error_code, TCG_REPORT_ERROR_VERIFICATION);
	cr_expect_str_eq(back.error_message, r.error_message);
	cr_expect(!back.compliant);
	cr_expect_eq(back.nrules, 0);
	cr_assert(back.has_mismatch);
	for (int i = 0; i < TCG_DHA_MISMATCH_COUNT; i++)
		cr_expect_eq(back.mismatch[i], flags[i], "flag %s", tcg_dha_mismatch_names[i]);
	cr_expect_eq(back.nfacts, r.nfacts);
	cr_assert_eq(tcg_report_write_mem(&back, &x2, &l2, &err), TCG_OK);
	cr_expect(l1 == l2 && !memcmp(x1, x2, l1), "write(read(write(r))) differs");
	free(x1);
	free(x2);
	tcg_report_free(&r);
	tcg_report_free(&back);
	tcg_claims_doc_free(&cd);

	/* without flags (a refusal before the comparison): no mismatch element */
	free(doc);
	doc = write_failure(NULL, "nonce-unknown", "used", NULL, &len);
	cr_assert_eq(tcg_claims_doc_parse((const uint8_t *)doc, len, "f", &cd, &err), TCG_OK);
	cr_assert_eq(tcg_report_build_failed(p, cd.root, 1700000000, &r, &err), TCG_OK);
	cr_expect(!r.has_mismatch);
	cr_assert_eq(tcg_report_write_mem(&r, &x1, &l1, &err), TCG_OK);
	cr_expect_null(strstr(x1, "HealthStatusMismatchFlags"));
	cr_assert_eq(tcg_report_read((const uint8_t *)x1, l1, &back, &err), TCG_OK);
	cr_expect(!back.has_mismatch);
	free(x1);
	tcg_report_free(&r);
	tcg_report_free(&back);
	tcg_claims_doc_free(&cd);
	tcg_policy_free(p);
	free(doc);
}

Test(report, failed_check_refuses)
{
	static const char *const bad[] = {
		"kind: dha-claims\nversion: 1\nverification: {verified: false, result: passed, "
		"rule: x, message: y}\n",
		"kind: dha-claims\nversion: 1\nverification: {verified: true, result: failed, "
		"rule: x, message: y}\n",
		"kind: dha-claims\nversion: 1\nverification: {verified: false, result: failed, "
		"message: y}\n",
		"kind: dha-claims\nversion: 1\nverification: {verified: false, result: failed, "
		"rule: 5, message: y}\n",
		"kind: dha-claims\nversion: 1\nverification: {verified: false, result: failed, "
		"rule: x}\n",
		"kind: dha-claims\nversion: 1\nverification: {verified: false, result: failed, "
		"rule: x, message: y, attributed: true, mismatch: [PCR]}\n",
		"kind: dha-claims\nversion: 1\nverification: {verified: false, result: failed, "
		"rule: x, message: y, attributed: true, mismatch: {PCRs: true}}\n",
		"kind: dha-claims\nversion: 1\nverification: {verified: false, result: failed, "
		"rule: x, message: y, attributed: true, mismatch: {PCR: yes}}\n",
		/* whose failure it is is never guessed */
		"kind: dha-claims\nversion: 1\nverification: {verified: false, result: failed, "
		"rule: x, message: y}\n",
		"kind: dha-claims\nversion: 1\nverification: {verified: false, result: failed, "
		"rule: x, message: y, attributed: yes}\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		tcg_claims_doc cd;
		tcg_err err;
		bool failed = true;
		cr_assert_eq(tcg_claims_doc_parse((const uint8_t *)bad[i], strlen(bad[i]), "c", &cd,
		                                  &err),
		             TCG_OK, "%s", err.msg);
		cr_expect_eq(tcg_report_failed_check(&cd, &failed, &err),
		             TCG_E_FORMAT, "accepted: %s", bad[i]);
		cr_expect_str_eq(err.rule, "claims-verification");
		cr_expect_not_null(strstr(err.msg, "c:3:"), "%s", err.msg);
		tcg_claims_doc_free(&cd);
	}
}

Test(report, reader_refuses_bad_flags)
{
	static const char *const bad[] = {
		"<PCR>true</PCR><RebootCount>true</RebootCount>",
		"<PCR>yes</PCR>",
		"<Frob>true</Frob>",
		"<PCR>true</PCR><PCR>true</PCR>",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char xml[2048];
		tcg_report r;
		snprintf(xml, sizeof xml,
		         "<HealthCertificateValidationResponse xmlns=\"%s\" xmlns:tcg=\"%s\" "
		         "ErrorCode=\"1\" ErrorMessage=\"x\" ProtocolVersion=\"3\">"
		         "<HealthStatusMismatchFlags>%s</HealthStatusMismatchFlags>"
		         "<tcg:Appraisal issued=\"2023-11-14T22:13:20Z\" offline=\"false\" "
		         "measured=\"last-boot\"><tcg:Policy name=\"t\" version=\"1\" sha256=\"%064d\"/>"
		         "<tcg:Verdict>non-compliant</tcg:Verdict><tcg:Rules/><tcg:Facts/>"
		         "</tcg:Appraisal></HealthCertificateValidationResponse>",
		         TCG_REPORT_NS_MS, TCG_REPORT_NS, bad[i], 0);
		cr_expect_eq(tcg_report_read((const uint8_t *)xml, strlen(xml), &r, NULL), TCG_E_FORMAT,
		             "accepted %s", bad[i]);
	}
}

Test(retired, key_names)
{
	/* the window is dha-issue's longest validity: an EncBlob sealed just
	 * before retirement is good until then */
	int64_t now = 2000000000;
	char name[64];
	snprintf(name, sizeof name, "%lld-0.key", (long long)(now - TCG_DHA_MAX_VALIDITY));
	cr_assert_eq(tcg_dha_retired_key(name, now), TCG_DHA_RETIRED_NEEDED);
	snprintf(name, sizeof name, "%lld-12.key", (long long)(now - TCG_DHA_MAX_VALIDITY - 1));
	cr_assert_eq(tcg_dha_retired_key(name, now), TCG_DHA_RETIRED_EXPIRED);
	snprintf(name, sizeof name, "%lld-0.key", (long long)(now + 100));
	cr_assert_eq(tcg_dha_retired_key(name, now), TCG_DHA_RETIRED_NEEDED, "clock set back");
	static const char *const undated[] = {
		"20261205T133000Z.key", "0-0.key", "01-0.key", "1000-.key", "1000-0.key.bak",
		"1000.key", "-1000-0.key", "99999999999999999999999-0.key", "1000-0x.key", "",
	};
	for (size_t i = 0; i < sizeof undated / sizeof undated[0]; i++)
		cr_assert_eq(tcg_dha_retired_key(undated[i], now), TCG_DHA_RETIRED_UNDATED, "%s",
		             undated[i]);
}
