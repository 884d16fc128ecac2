/* Policies: each operator, unknown handling, every load error with
 * file:line:column, the claims reader and the report reader round trip. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcglog/policy.h"
#include "tcglog/report.h"
#include "yamldoc.h"

static const char claims_text[] =
	"kind: dha-claims\n"
	"version: 1\n"
	"verification:\n"
	"  verified: true\n"
	"health:\n"
	"  SecureBootEnabled: true\n"
	"  BootManagerSVN: 5\n"
	"  PCR0: \"aabbccdd\"\n"
	"  CIPolicy: unknown\n"
	"secureboot:\n"
	"  db: [\"d1\", \"d2\"]\n"
	"  dbx: [\"x1\", \"x2\", \"x3\"]\n"
	"linux:\n"
	"  KernelCmdline: \"root=/dev/sda1 ro quiet\"\n"
	"  BootLoaderDigests: []\n"
	"windows:\n"
	"  LoadedModules:\n"
	"    - {Path: \"\\\\windows\\\\system32\\\\drivers\\\\wdboot.sys\", Validated: true}\n";

static tcg_claims_doc claims;

static void load_claims(void)
{
	tcg_err err;
	tcg_err_clear(&err);
	cr_assert_eq(tcg_claims_doc_parse((const uint8_t *)claims_text, strlen(claims_text),
	                                  "claims.yaml", &claims, &err),
	             TCG_OK, "%s", err.msg);
}

static void free_claims(void)
{
	tcg_claims_doc_free(&claims);
}

/* Evaluate a one-rule policy whose condition is cond (flow YAML). */
static tcg_result eval1(const char *cond, const char *unknown, tcg_outcome *outcome)
{
	char text[2048];
	tcg_policy *p;
	tcg_evaluation ev;
	tcg_err err;
	snprintf(text, sizeof text,
	         "name: t\nversion: 1\nrules:\n  - id: r\n    severity: deny\n%s%s%s"
	         "    condition: %s\n",
	         unknown ? "    unknown: " : "", unknown ? unknown : "", unknown ? "\n" : "", cond);
	tcg_err_clear(&err);
	cr_assert_eq(tcg_policy_parse((const uint8_t *)text, strlen(text), "p.yaml", &p, &err),
	             TCG_OK, "%s: %s", cond, err.msg);
	cr_assert_eq(tcg_policy_evaluate(p, claims.root, &ev, &err), TCG_OK);
	tcg_result r = ev.rules[0].result;
	if (outcome)
		*outcome = ev.rules[0].outcome;
	cr_assert_eq(ev.compliant, ev.rules[0].outcome != TCG_OUT_FAIL);
	tcg_evaluation_free(&ev);
	tcg_policy_free(p);
	return r;
}

#define PASS(c) cr_expect_eq(eval1(c, NULL, NULL), TCG_RES_PASS, "%s should pass", c)
#define FAIL(c) cr_expect_eq(eval1(c, NULL, NULL), TCG_RES_FAIL, "%s should fail", c)
#define UNKN(c) cr_expect_eq(eval1(c, NULL, NULL), TCG_RES_UNKNOWN, "%s should be unknown", c)

TestSuite(policy, .init = load_claims, .fini = free_claims);

Test(policy, equals)
{
	PASS("{fact: health.SecureBootEnabled, equals: true}");
	FAIL("{fact: health.SecureBootEnabled, equals: false}");
	FAIL("{fact: health.SecureBootEnabled, equals: \"true\"}"); /* a string is not a bool */
	PASS("{fact: health.PCR0, equals: \"AABBCCDD\"}");           /* hex ignores case */
	PASS("{fact: health.BootManagerSVN, equals: 5}");
}

Test(policy, in_not_in)
{
	PASS("{fact: health.BootManagerSVN, in: [4, 5]}");
	FAIL("{fact: health.BootManagerSVN, in: [1, 2]}");
	PASS("{fact: health.BootManagerSVN, not-in: [1, 2]}");
	FAIL("{fact: health.BootManagerSVN, not-in: [5]}");
	PASS("{fact: health.PCR0, in: [\"00\", \"aabbccdd\"]}");
}

Test(policy, min_max)
{
	PASS("{fact: health.BootManagerSVN, min: 5}");
	FAIL("{fact: health.BootManagerSVN, min: 6}");
	PASS("{fact: health.BootManagerSVN, max: 5}");
	FAIL("{fact: health.BootManagerSVN, max: 4}");
	FAIL("{fact: health.PCR0, min: 1}"); /* not a number */
}

Test(policy, matches)
{
	PASS("{fact: linux.KernelCmdline, matches: \"(^| )ro( |$)\"}");
	FAIL("{fact: linux.KernelCmdline, matches: \"init=/bin/sh\"}");
	PASS("{fact: windows.LoadedModules.0.Path, matches: \"wdboot\\\\.sys$\"}");
}

Test(policy, present)
{
	PASS("{fact: health.PCR0, present: true}");
	FAIL("{fact: health.SBCPHash, present: true}");
	PASS("{fact: health.SBCPHash, present: false}");
	FAIL("{fact: health.CIPolicy, present: true}"); /* "unknown" is not established */
	/* An empty list proves nothing is there: a guard does not pass on one. */
	FAIL("{fact: linux.BootLoaderDigests, present: true}");
	PASS("{fact: linux.BootLoaderDigests, present: false}");
	PASS("{fact: secureboot.db, present: true}");
}

/* Evaluate cond on a claims document of our own. */
static tcg_result eval_on(const char *doc, const char *cond)
{
	char text[1024];
	tcg_claims_doc c;
	tcg_policy *p;
	tcg_evaluation ev;
	tcg_err err;
	tcg_err_clear(&err);
	cr_assert_eq(tcg_claims_doc_parse((const uint8_t *)doc, strlen(doc), "c.yaml", &c, &err),
	             TCG_OK, "%s", err.msg);
	snprintf(text, sizeof text, "name: t\nversion: 1\nrules:\n"
	         "  - {id: r, severity: deny, condition: %s}\n", cond);
	cr_assert_eq(tcg_policy_parse((const uint8_t *)text, strlen(text), "p", &p, &err), TCG_OK);
	cr_assert_eq(tcg_policy_evaluate(p, c.root, &ev, &err), TCG_OK);
	tcg_result r = ev.rules[0].result;
	tcg_evaluation_free(&ev);
	tcg_policy_free(p);
	tcg_claims_doc_free(&c);
	return r;
}

Test(policy, present_needs_verified_claims)
{
	static const char unverified[] =
		"kind: dha-claims\nversion: 1\nverification: {verified: false}\n"
		"linux: {BootLoaderDigests: [\"aa\"], Shim: true}\n";
	static const char verified[] =
		"kind: dha-claims\nversion: 1\nverification: {verified: true}\n"
		"linux: {BootLoaderDigests: [\"aa\"], Shim: true}\n";
	cr_expect_eq(eval_on(unverified, "{fact: linux.BootLoaderDigests, present: true}"),
	             TCG_RES_FAIL, "a guard passed on facts nothing verified");
	cr_expect_eq(eval_on(unverified, "{fact: linux.Shim, present: true}"), TCG_RES_FAIL);
	cr_expect_eq(eval_on(verified, "{fact: linux.BootLoaderDigests, present: true}"),
	             TCG_RES_PASS);
	cr_expect_eq(eval_on(verified, "{fact: linux.Shim, present: true}"), TCG_RES_PASS);
}

Test(policy, subset_superset)
{
	PASS("{fact: secureboot.db, subset: [\"d1\", \"d2\", \"d3\"]}");
	FAIL("{fact: secureboot.db, subset: [\"d1\"]}");
	PASS("{fact: secureboot.dbx, superset: [\"x1\", \"x3\"]}");
	FAIL("{fact: secureboot.dbx, superset: [\"x1\", \"x4\"]}");
	FAIL("{fact: health.PCR0, subset: [\"aabbccdd\"]}"); /* not a list */
}

Test(policy, combinators)
{
	PASS("{all: [{fact: health.SecureBootEnabled, equals: true}, "
	     "{fact: health.BootManagerSVN, min: 1}]}");
	FAIL("{all: [{fact: health.SecureBootEnabled, equals: true}, "
	     "{fact: health.BootManagerSVN, min: 9}]}");
	PASS("{any: [{fact: health.SecureBootEnabled, equals: false}, "
	     "{fact: health.BootManagerSVN, min: 1}]}");
	FAIL("{any: [{fact: health.SecureBootEnabled, equals: false}, "
	     "{fact: health.BootManagerSVN, min: 9}]}");
	PASS("{not: {fact: health.SecureBootEnabled, equals: false}}");
	FAIL("{not: {fact: health.SecureBootEnabled, equals: true}}");
	/* unknown propagates unless decided */
	UNKN("{all: [{fact: health.SecureBootEnabled, equals: true}, {fact: health.X, equals: 1}]}");
	FAIL("{all: [{fact: health.SecureBootEnabled, equals: false}, {fact: health.X, equals: 1}]}");
	PASS("{any: [{fact: health.SecureBootEnabled, equals: true}, {fact: health.X, equals: 1}]}");
	UNKN("{not: {fact: health.X, equals: 1}}");
}

Test(policy, unknown_handling)
{
	tcg_outcome o;
	UNKN("{fact: health.WinPE, equals: false}");
	UNKN("{fact: health.CIPolicy, equals: \"00\"}");
	cr_expect_eq(eval1("{fact: health.WinPE, equals: false}", NULL, &o), TCG_RES_UNKNOWN);
	cr_expect_eq(o, TCG_OUT_FAIL, "unknown fails by default");
	eval1("{fact: health.WinPE, equals: false}", "fail", &o);
	cr_expect_eq(o, TCG_OUT_FAIL);
	eval1("{fact: health.WinPE, equals: false}", "pass", &o);
	cr_expect_eq(o, TCG_OUT_PASS);
	eval1("{fact: health.WinPE, equals: false}", "warn", &o);
	cr_expect_eq(o, TCG_OUT_WARN);
}

Test(policy, warn_severity_does_not_fail_verdict)
{
	static const char text[] = "name: t\nversion: 1\nrules:\n"
	                           "  - {id: a, severity: warn, condition: {fact: health.X, present: true}}\n"
	                           "  - {id: b, severity: deny, condition: {fact: health.PCR0, present: true}}\n";
	tcg_policy *p;
	tcg_evaluation ev;
	cr_assert_eq(tcg_policy_parse((const uint8_t *)text, strlen(text), "p", &p, NULL), TCG_OK);
	cr_assert_eq(tcg_policy_evaluate(p, claims.root, &ev, NULL), TCG_OK);
	cr_expect_eq(ev.rules[0].outcome, TCG_OUT_FAIL);
	cr_expect(ev.compliant);
	cr_expect_eq(ev.rules[1].nreads, 1);
	cr_expect_str_eq(ev.rules[1].reads[0].path, "health.PCR0");
	tcg_evaluation_free(&ev);
	tcg_policy_free(p);
}

/* ---- load errors: rule name and file:line:column ---- */

static void load_error(const char *text, const char *rule, const char *where)
{
	tcg_policy *p = NULL;
	tcg_err err;
	char msg[512];
	tcg_err_clear(&err);
	tcg_rc rc = tcg_policy_parse((const uint8_t *)text, strlen(text), "bad.yaml", &p, &err);
	tcg_err_format(&err, msg, sizeof msg);
	cr_expect_eq(rc, TCG_E_FORMAT, "expected %s, loaded: %s", rule, text);
	cr_expect_null(p);
	cr_expect_str_eq(err.rule, rule, "%s", msg);
	cr_expect(strstr(err.msg, where) != NULL, "'%s' not in '%s'", where, msg);
}

#define HEAD "name: t\nversion: 1\nrules:\n"

Test(policy_load, unknown_key)
{
	load_error(HEAD "  - id: a\n    severity: deny\n    colour: red\n"
	                "    condition: {fact: health.X, present: true}\n",
	           "policy-unknown-key", "bad.yaml:6:5:");
	load_error("name: t\nversion: 1\nowner: me\nrules: []\n", "policy-unknown-key",
	           "bad.yaml:3:1:");
	load_error(HEAD "  - {id: a, severity: deny, condition: {fact: health.X, equal: 1}}\n",
	           "policy-unknown-key", "bad.yaml:4:57:");
}

Test(policy_load, wrong_type)
{
	load_error(HEAD "  - {id: a, severity: deny, condition: {fact: health.X, min: \"1\"}}\n",
	           "policy-type", "bad.yaml:4:62:");
	load_error(HEAD "  - {id: a, severity: deny, condition: {fact: health.X, in: 1}}\n",
	           "policy-type", "bad.yaml:4:61:");
	load_error(HEAD "  - {id: [a], severity: deny, condition: {fact: health.X, present: 1}}\n",
	           "policy-type", "bad.yaml:4:10:");
	load_error("name: t\nversion: 1\nrules: {a: 1}\n", "policy-type", "bad.yaml:3:8:");
	load_error(HEAD "  - {id: a, severity: block, condition: {fact: health.X, present: true}}\n",
	           "policy-bad-value", "bad.yaml:4:23:");
	load_error(HEAD "  - {id: a, severity: deny, unknown: ignore, "
	                "condition: {fact: health.X, present: true}}\n",
	           "policy-bad-value", "bad.yaml:4:38:");
	load_error(HEAD "  - {id: a, severity: deny, condition: {fact: nosuch.X, present: true}}\n",
	           "policy-fact-path", "bad.yaml:4:47:");
}

/* The report writes these in attributes, where an escape would have no mark. */
Test(policy_load, text_xml_cannot_hold)
{
	load_error("name: \"a\\x01\"\nversion: 1\nrules: []\n", "policy-text", "bad.yaml:1:7:");
	load_error("name: t\nversion: \"1\\uFFFF\"\nrules: []\n", "policy-text", "bad.yaml:2:10:");
	load_error(HEAD "  - {id: \"a\\uFFFE\", severity: deny, "
	                "condition: {fact: health.X, present: true}}\n",
	           "policy-text", "bad.yaml:4:10:");
	load_error(HEAD "  - {id: a, description: \"\\e[2J\", severity: deny, "
	                "condition: {fact: health.X, present: true}}\n",
	           "policy-text", "bad.yaml:4:26:");
}

Test(policy_load, duplicate_id)
{
	load_error(HEAD "  - {id: a, severity: deny, condition: {fact: health.X, present: true}}\n"
	                "  - {id: a, severity: warn, condition: {fact: health.Y, present: true}}\n",
	           "policy-duplicate-id", "bad.yaml:5:10:");
}

Test(policy_load, bad_regex)
{
	load_error(HEAD "  - {id: a, severity: deny, condition: {fact: health.X, matches: \"(ab\"}}\n",
	           "policy-regex", "bad.yaml:4:66:");
}

Test(policy_load, empty_rules)
{
	load_error("name: t\nversion: 1\nrules: []\n", "policy-no-rules", "bad.yaml:3:1:");
	load_error("name: t\nversion: 1\n", "policy-missing-key", "bad.yaml:1:1:");
}

Test(policy_load, duplicate_yaml_key)
{
	load_error("name: t\nversion: 1\nname: u\nrules: []\n", "yaml-duplicate-key",
	           "bad.yaml:3:1:");
}

Test(policy_load, yaml_syntax)
{
	load_error("name: t\nversion: [1\n", "yaml-syntax", "bad.yaml:");
	load_error("name: &a t\nversion: 1\n", "yaml-anchor", "bad.yaml:1:7:");
	load_error("name: !!str t\nversion: 1\n", "yaml-tag", "bad.yaml:1:7:");
	load_error("a: &x [1]\nb: *x\n", "yaml-anchor", "bad.yaml:1:4:");
	load_error("name: t\n---\nname: u\n", "yaml-multiple-documents", "bad.yaml:2:1:");
}

Test(policy_load, too_deep)
{
	char text[4096] = HEAD "  - {id: a, severity: deny, condition: ";
	for (int i = 0; i < 10; i++)
		strcat(text, "{not: ");
	strcat(text, "{fact: health.X, present: true}");
	for (int i = 0; i < 10; i++)
		strcat(text, "}");
	strcat(text, "}\n");
	load_error(text, "policy-too-deep", "bad.yaml:4:");
	char deep[200] = "a: ";
	for (int i = 0; i < 40; i++)
		strcat(deep, "[");
	load_error(deep, "yaml-too-deep", "bad.yaml:1:");
}

Test(policy_load, too_large)
{
	size_t n = TCG_YDOC_MAX_SIZE + 1;
	char *big = malloc(n + 1);
	cr_assert_not_null(big);
	memset(big, '#', n);
	big[n] = '\0';
	load_error(big, "yaml-too-large", "bad.yaml:1:1:");
	free(big);
}

Test(claims, refused)
{
	tcg_claims_doc c;
	tcg_err err;
	static const char *const bad[] = {
		"kind: dha-bootdata\nversion: 1\nverification: {verified: true}\n",
		"kind: dha-claims\nversion: 2\nverification: {verified: true}\n",
		"kind: dha-claims\nversion: 1\nverification: {verified: yes}\n",
		"kind: dha-claims\nversion: 1\nverification: {verified: true}\nextra: {}\n",
		"kind: dha-claims\nversion: 1\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		tcg_err_clear(&err);
		cr_expect_eq(tcg_claims_doc_parse((const uint8_t *)bad[i], strlen(bad[i]), "c", &c,
		                                  &err),
		             TCG_E_FORMAT, "accepted: %s", bad[i]);
	}
}

/* Keys that are not names (the report names facts by them) and the quote's
 * facts in claims no quote verified: refused with the rule and the key's line. */
Test(claims, bad_keys_and_quote_facts)
{
	static const struct {
		const char *doc, *rule, *where;
	} bad[] = {
		{"linux: {\"a b\": 1}\n", "claims-key", "c:4:9:"},
		{"linux: {\"a.b\": 1}\n", "claims-key", "c:4:9:"},
		{"linux: {\"\": 1}\n", "claims-key", "c:4:9:"},
		{"linux: {\"k\\0\": 1}\n", "claims-key", "c:4:9:"},
		{"windows: {LoadedModules: [{\"P<th\": x}]}\n", "claims-key", "c:4:28:"},
		{"health: {AIKPresent: true}\n", "claims-quote-fact", "c:4:22:"},
		{"health: {TpmVersion: 2}\n", "claims-quote-fact", "c:4:22:"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char doc[512];
		tcg_claims_doc c;
		tcg_err err;
		snprintf(doc, sizeof doc,
		         "kind: dha-claims\nversion: 1\nverification: {verified: true, pcrs: pcrs-file}\n"
		         "%s", bad[i].doc);
		tcg_err_clear(&err);
		cr_expect_eq(tcg_claims_doc_parse((const uint8_t *)doc, strlen(doc), "c", &c, &err),
		             TCG_E_FORMAT, "accepted: %s", doc);
		cr_expect_str_eq(err.rule, bad[i].rule, "%s: %s", bad[i].doc, err.msg);
		cr_expect(strstr(err.msg, bad[i].where) != NULL, "'%s' not in '%s'", bad[i].where,
		          err.msg);
	}
	/* the same facts from a quote, and names of every kind claims use */
	static const char good[] =
		"kind: dha-claims\nversion: 1\nverification: {verified: true, pcrs: quote, "
		"pcrs-verified: [0], dha: {ek-certificate-sha256: \"00\"}}\n"
		"health: {AIKPresent: true, ResetCount: 1, RestartCount: 0, TpmVersion: 2}\n"
		"windows: {_x: 1, LoadedModules: [{Path: \"a\"}]}\n";
	tcg_claims_doc c;
	tcg_err err;
	tcg_err_clear(&err);
	cr_expect_eq(tcg_claims_doc_parse((const uint8_t *)good, strlen(good), "c", &c, &err), TCG_OK,
	             "%s", err.msg);
	tcg_claims_doc_free(&c);
}

/* ---- report round trip ---- */

TestSuite(report, .init = load_claims, .fini = free_claims);

static bool fact_eq(const tcg_report_fact *a, const tcg_report_fact *b)
{
	if (strcmp(a->path, b->path) || strcmp(a->type, b->type) || !a->value != !b->value ||
	    (a->value && strcmp(a->value, b->value)) || a->nitems != b->nitems)
		return false;
	for (size_t i = 0; i < a->nitems; i++)
		if (strcmp(a->items[i], b->items[i]))
			return false;
	return true;
}

Test(report, round_trip)
{
	static const char text[] =
		"name: t\nversion: 2\nrules:\n"
		"  - {id: sb, severity: deny, condition: {fact: health.SecureBootEnabled, equals: true}}\n"
		"  - {id: dbx, severity: warn, condition: {fact: secureboot.dbx, superset: [\"x9\"]}}\n"
		"  - {id: u, severity: deny, unknown: warn, condition: {fact: health.WinPE, equals: false}}\n";
	tcg_policy *p;
	tcg_evaluation ev;
	tcg_report r, back;
	tcg_err err;
	char *x1, *x2;
	size_t l1, l2;

	tcg_err_clear(&err);
	cr_assert_eq(tcg_policy_parse((const uint8_t *)text, strlen(text), "p", &p, &err), TCG_OK);
	cr_assert_eq(tcg_policy_evaluate(p, claims.root, &ev, &err), TCG_OK);
	cr_assert_eq(tcg_report_build(p, &ev, claims.root, 1700000000, &r, &err), TCG_OK);
	cr_assert_eq(tcg_report_write_mem(&r, &x1, &l1, &err), TCG_OK);
	cr_assert_eq(tcg_report_read((const uint8_t *)x1, l1, &back, &err), TCG_OK, "%s", err.msg);
	cr_expect_eq(back.compliant, r.compliant);
	cr_expect(back.offline);
	cr_expect_str_eq(back.issued, "2023-11-14T22:13:20Z");
	cr_expect_str_eq(back.policy_name, "t");
	cr_expect_str_eq(back.policy_version, "2");
	cr_expect_str_eq(back.policy_sha256, r.policy_sha256);
	cr_expect_eq(back.protocol_version, 3);
	cr_expect_str_eq(back.error_message, r.error_message);
	cr_assert_eq(back.nrules, 3);
	for (size_t i = 0; i < r.nrules; i++) {
		cr_expect_str_eq(back.rules[i].id, r.rules[i].id);
		cr_expect_str_eq(back.rules[i].result, r.rules[i].result);
		cr_expect_str_eq(back.rules[i].outcome, r.rules[i].outcome);
		cr_expect_str_eq(back.rules[i].severity, r.rules[i].severity);
		cr_expect_str_eq(back.rules[i].unknown, r.rules[i].unknown);
		cr_assert_eq(back.rules[i].nreads, r.rules[i].nreads);
		for (size_t j = 0; j < r.rules[i].nreads; j++)
			cr_expect(fact_eq(&back.rules[i].reads[j], &r.rules[i].reads[j]));
	}
	cr_expect_str_eq(back.rules[2].result, "unknown");
	cr_expect_str_eq(back.rules[2].reads[0].type, "absent");
	cr_assert_eq(back.nfacts, r.nfacts);
	cr_expect(r.nfacts >= 10, "%zu facts", r.nfacts);
	for (size_t i = 0; i < r.nfacts; i++)
		cr_expect(fact_eq(&back.facts[i], &r.facts[i]), "fact %s", r.facts[i].path);
	cr_assert_eq(tcg_report_write_mem(&back, &x2, &l2, &err), TCG_OK);
	cr_expect(l1 == l2 && !memcmp(x1, x2, l1), "write(read(write(r))) differs");
	free(x1);
	free(x2);
	tcg_report_free(&r);
	tcg_report_free(&back);
	tcg_evaluation_free(&ev);
	tcg_policy_free(p);
}

Test(report, reader_refuses)
{
	tcg_report r;
	static const char *const bad[] = {
		"<x/>",
		"<HealthCertificateValidationResponse xmlns=\"" TCG_REPORT_NS_MS "\"/>",
		"not xml",
		"<!DOCTYPE a [<!ENTITY e \"x\">]><HealthCertificateValidationResponse xmlns=\""
		TCG_REPORT_NS_MS "\"/>",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_expect_eq(tcg_report_read((const uint8_t *)bad[i], strlen(bad[i]), &r, NULL),
		             TCG_E_FORMAT, "accepted %s", bad[i]);
}

static char *report_of(const char *doc, tcg_report *r)
{
	static const char pol[] = "name: t\nversion: 1\nrules:\n"
	                          "  - {id: a, severity: deny, condition: {fact: health.X, present: true}}\n";
	tcg_claims_doc c;
	tcg_policy *p;
	tcg_evaluation ev;
	tcg_err err;
	char *xml;
	size_t len;
	tcg_err_clear(&err);
	cr_assert_eq(tcg_claims_doc_parse((const uint8_t *)doc, strlen(doc), "c", &c, &err), TCG_OK,
	             "%s", err.msg);
	cr_assert_eq(tcg_policy_parse((const uint8_t *)pol, strlen(pol), "p", &p, &err), TCG_OK);
	cr_assert_eq(tcg_policy_evaluate(p, c.root, &ev, &err), TCG_OK);
	cr_assert_eq(tcg_report_build(p, &ev, c.root, 0, r, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(tcg_report_write_mem(r, &xml, &len, &err), TCG_OK);
	tcg_evaluation_free(&ev);
	tcg_policy_free(p);
	tcg_claims_doc_free(&c);
	return xml;
}

Test(report, offline_follows_the_claims)
{
	tcg_report r;
	char *x = report_of("kind: dha-claims\nversion: 1\nverification: {verified: true, pcrs: quote}\n"
	                    "health: {AIKPresent: true, SecureBootEnabled: true}\n", &r);
	cr_expect_not(r.offline);
	cr_expect(strstr(x, "<AIKPresent>true</AIKPresent>"), "%s", x);
	cr_expect_null(strstr(x, "offline=\"true\""));
	cr_expect(strstr(x, "<tcg:Unknown>ResetCount RestartCount DEPPolicy"), "%s", x);
	tcg_report_free(&r);
	free(x);
	x = report_of("kind: dha-claims\nversion: 1\nverification: {verified: true, pcrs: pcrs-file}\n"
	              "health: {SecureBootEnabled: true}\n", &r);
	cr_expect(r.offline);
	cr_expect(strstr(x, "tcg:offline=\"true\""), "%s", x);
	cr_expect(strstr(x, "<tcg:Unknown>AIKPresent ResetCount RestartCount DEPPolicy"), "%s", x);
	cr_expect(strstr(x, "<SecureBootEnabled>true</SecureBootEnabled>"), "%s", x);
	tcg_report_free(&r);
	free(x);
	/* nothing verified: no Microsoft properties at all */
	x = report_of("kind: dha-claims\nversion: 1\nverification: {verified: false}\n"
	              "health: {SecureBootEnabled: true}\n", &r);
	cr_expect(r.offline);
	cr_expect_null(strstr(x, "HealthCertificateProperties"), "%s", x);
	cr_expect_null(strstr(x, "tcg:Unknown"), "%s", x);
	tcg_report_free(&r);
	free(x);
}

/* The NUL case of issue 10: the whole value, escaped, and it reads back. */
Test(report, nul_is_not_cut_short)
{
	tcg_report r, back;
	tcg_err err;
	char *x2;
	size_t l2;
	char *x = report_of("kind: dha-claims\nversion: 1\nverification: {verified: true}\n"
	                    "linux: {KernelCmdline: \"ro quiet\\0 init=/bin/sh\\\\\"}\n", &r);
	cr_expect(strstr(x, "escaped=\"true\">ro quiet\\u0000 init=/bin/sh\\\\</tcg:Fact>"), "%s",
	          x);
	tcg_err_clear(&err);
	cr_assert_eq(tcg_report_read((const uint8_t *)x, strlen(x), &back, &err), TCG_OK, "%s",
	             err.msg);
	const tcg_report_fact *f = NULL;
	for (size_t i = 0; i < back.nfacts; i++)
		if (!strcmp(back.facts[i].path, "linux.KernelCmdline"))
			f = &back.facts[i];
	cr_assert_not_null(f);
	cr_expect(f->escaped);
	cr_expect_str_eq(f->value, "ro quiet\\u0000 init=/bin/sh\\\\");
	cr_assert_eq(tcg_report_write_mem(&back, &x2, &l2, &err), TCG_OK);
	cr_expect(l2 == strlen(x) && !memcmp(x, x2, l2), "write(read(write(r))) differs");
	free(x2);
	tcg_report_free(&back);
	tcg_report_free(&r);
	free(x);
}
