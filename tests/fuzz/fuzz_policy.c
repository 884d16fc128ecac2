/*
 * libFuzzer target over the YAML side of appraisal: the strict YAML document
 * reader, the policy loader and the claims reader on the same bytes; when the
 * bytes load as a policy, it is evaluated on a fixed claims document and the
 * report is written and read back; when they load as claims, a fixed policy
 * judges them and the report round-trips.
 *
 *   CC=clang meson setup BUILD -Db_sanitize=address,undefined -Db_lundef=false \
 *       -Dfuzz=true && ninja -C BUILD tests/fuzz_policy
 *   BUILD/tests/fuzz_policy -max_total_time=60 policies/
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcglog/error.h"
#include "tcglog/policy.h"
#include "tcglog/report.h"
#include "yamldoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fixed_claims[] =
	"kind: dha-claims\nversion: 1\nverification: {verified: true}\n"
	"health: {SecureBootEnabled: true, BootManagerSVN: 3, PCR0: \"00ff\"}\n"
	"secureboot: {db: [\"a\", \"b\"], dbx: [\"c\"]}\n"
	"linux: {KernelCmdline: \"ro quiet\"}\n";
static const char fixed_policy[] =
	"name: f\nversion: 1\nrules:\n"
	"  - {id: a, severity: deny, condition: {fact: health.SecureBootEnabled, equals: true}}\n"
	"  - {id: b, severity: warn, unknown: warn, condition: {any: [{fact: secureboot.db, "
	"subset: [\"a\"]}, {not: {fact: linux.KernelCmdline, matches: \"^ro\"}}]}}\n"
	"  - {id: c, severity: deny, unknown: pass, condition: {fact: health.BootManagerSVN, "
	"min: 2}}\n";

static void check_err(const tcg_err *err, tcg_rc rc)
{
	char msg[512];
	if (rc != TCG_OK && err->rc != rc)
		abort();
	tcg_err_format(err, msg, sizeof msg);
	if (!memchr(msg, '\0', sizeof msg) || !memchr(err->rule, '\0', sizeof err->rule) ||
	    !memchr(err->msg, '\0', sizeof err->msg))
		abort();
	/* Every YAML or policy error names the line and column. */
	if (rc == TCG_E_FORMAT && !strstr(err->msg, ":"))
		abort();
}

static void judge(const tcg_policy *p, const tcg_ynode *claims)
{
	tcg_evaluation ev;
	tcg_report r, back;
	tcg_err err;
	char *x1 = NULL, *x2 = NULL;
	size_t l1, l2;

	tcg_err_clear(&err);
	if (tcg_policy_evaluate(p, claims, &ev, &err))
		return;
	if (tcg_report_build(p, &ev, claims, 0, &r, &err) == TCG_OK) {
		if (tcg_report_write_mem(&r, &x1, &l1, &err) == TCG_OK) {
			if (tcg_report_read((const uint8_t *)x1, l1, &back, &err) != TCG_OK)
				abort(); /* our own report must read back */
			if (back.nrules != r.nrules || back.compliant != r.compliant)
				abort();
			if (tcg_report_write_mem(&back, &x2, &l2, &err) == TCG_OK &&
			    (l1 != l2 || memcmp(x1, x2, l1)))
				abort();
			tcg_report_free(&back);
		}
		free(x1);
		free(x2);
		tcg_report_free(&r);
	}
	tcg_evaluation_free(&ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static tcg_claims_doc fixed;
	static tcg_policy *fixedp;
	tcg_err err;
	tcg_rc rc;

	if (!fixedp) {
		if (tcg_claims_doc_parse((const uint8_t *)fixed_claims, sizeof fixed_claims - 1, "c",
		                         &fixed, NULL) ||
		    tcg_policy_parse((const uint8_t *)fixed_policy, sizeof fixed_policy - 1, "p",
		                     &fixedp, NULL))
			abort();
	}

	tcg_ydoc doc;
	tcg_err_clear(&err);
	rc = tcg_ydoc_parse(data, size, "fuzz.yaml", &doc, &err);
	check_err(&err, rc);
	if (rc == TCG_OK) {
		char path[64];
		(void)tcg_ynode_path(doc.root, "health.PCR0");
		/* a path built from the document's first key */
		if (doc.root->kind == TCG_YNODE_MAP && doc.root->n) {
			snprintf(path, sizeof path, "%s.0.x", doc.root->items[0]->str);
			(void)tcg_ynode_path(doc.root, path);
		}
		tcg_ydoc_free(&doc);
	}

	tcg_policy *p = NULL;
	tcg_err_clear(&err);
	rc = tcg_policy_parse(data, size, "fuzz.yaml", &p, &err);
	check_err(&err, rc);
	if (rc == TCG_OK) {
		judge(p, fixed.root);
		tcg_policy_free(p);
	}

	tcg_claims_doc c;
	tcg_err_clear(&err);
	rc = tcg_claims_doc_parse(data, size, "fuzz.yaml", &c, &err);
	check_err(&err, rc);
	if (rc == TCG_OK) {
		judge(fixedp, c.root);
		tcg_claims_doc_free(&c);
	}
	return 0;
}
