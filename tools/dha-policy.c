/* dha-policy: appraise claims with a YAML policy and write the DHA-Report. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tcglog/claims.h"
#include "tcglog/log.h"
#include "tcglog/policy.h"
#include "tcglog/report.h"
#include "tcglog/yamldoc.h"
#include "tcglog/yamlout.h"
#include "tool.h"

static const char *prog = "dha-policy";

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: %s [OPTIONS] POLICY [CLAIMS]\n"
	        "       %s test POLICY FIXTURE...\n"
	        "       %s init --from CLAIMS\n"
	        "Appraise a dha-claims document (CLAIMS, or standard input) with a YAML\n"
	        "policy and write the DHA-Report XML to standard output.\n"
	        "\n"
	        "  -o, --offline     accept unverified claims (an offline look at a log);\n"
	        "                    the report says so and has no HealthCertificateProperties\n"
	        "  -h, --help        this text\n"
	        "  -V, --version     the version\n"
	        "\n"
	        "Verified claims give Microsoft's HealthCertificateProperties with each\n"
	        "element whose fact is known; the unknown ones are named in tcg:Unknown.\n"
	        "Claims whose PCR values are not from a quote (verification.pcrs other than\n"
	        "quote) give an offline report: tcg:offline=\"true\", no AIKPresent,\n"
	        "ResetCount, RestartCount or TpmVersion. Text XML cannot hold is escaped\n"
	        "(\\uXXXX, escaped=\"true\"); claims keys must be names (claims-key).\n"
	        "\n"
	        "Claims of a failed verification (dha-verify: verification.result: failed)\n"
	        "give a report with ErrorCode 1, ErrorMessage \"rule: message\", the\n"
	        "HealthStatusMismatchFlags they carry, no rule evaluated and the verdict\n"
	        "non-compliant (exit 1).\n"
	        "\n"
	        "test: run golden fixtures (claims:, or log: with pcrs: paths relative to the\n"
	        "fixture and allow-sha1:, and expect: {verdict, failing}) through POLICY;\n"
	        "one line per fixture and a summary.\n"
	        "init: print a starting policy that pins the facts of a known-good device\n"
	        "(list pins guarded by present: true).\n"
	        "\n"
	        "Exit status: 0 compliant (test: every fixture as expected), 1 non-compliant,\n"
	        "a failed verification, unverified claims without --offline\n"
	        "(claims-unverified), or a fixture that differs, 2 bad usage or input that\n"
	        "cannot be parsed (claims-key, claims-quote-fact, ...), 3 a file could not\n"
	        "be read.\n",
	        prog, prog, prog);
}

static tcg_rc load_claims(const char *path, tcg_claims_doc *c, tcg_err *err)
{
	uint8_t *data;
	size_t len;
	tcg_rc rc = tcg_read_file(path, TCG_YDOC_MAX_SIZE, &data, &len, NULL, err);
	if (rc)
		return rc;
	rc = tcg_claims_doc_parse(data, len, strcmp(path, "-") ? path : "<stdin>", c, err);
	free(data);
	return rc;
}

static time_t now(void)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	if (s && *s) {
		char *end;
		long long v = strtoll(s, &end, 10);
		if (!*end && v >= 0)
			return (time_t)v;
	}
	return time(NULL);
}

/* Claims of a refused input (dha-verify): a report that says so, exit 1. */
static int failed_report(const tcg_policy *p, const tcg_claims_doc *c, const char *claims_path)
{
	tcg_report r;
	tcg_err err;
	tcg_err_clear(&err);
	if (tcg_report_build_failed(p, c->doc.root, now(), &r, &err))
		return tool_error(prog, NULL, &err);
	tcg_rc rc = tcg_report_write(&r, stdout, &err);
	if (!rc)
		fprintf(stderr, "%s: %s: verification-failed: %s\n", prog,
		        tool_file_name(claims_path), r.error_message);
	tcg_report_free(&r);
	return rc ? tool_error(prog, NULL, &err) : 1;
}

static int appraise(const char *policy_path, const char *claims_path, bool offline)
{
	tcg_policy *p = NULL;
	tcg_claims_doc c;
	tcg_evaluation ev;
	tcg_report r;
	tcg_err err;
	tcg_rc rc;
	int status;

	tcg_err_clear(&err);
	if ((rc = tcg_policy_load(policy_path, &p, &err)))
		return tool_error(prog, policy_path, &err);
	if ((rc = load_claims(claims_path, &c, &err))) {
		tcg_policy_free(p);
		return tool_error(prog, claims_path, &err);
	}
	bool failed;
	if ((rc = tcg_report_failed_check(&c.doc, c.doc.root, &failed, &err))) {
		status = tool_error(prog, claims_path, &err);
		goto out;
	}
	if (failed) {
		status = failed_report(p, &c, claims_path);
		goto out;
	}
	if (!c.verified && !offline) {
		fprintf(stderr,
		        "%s: %s: claims-unverified: the claims are not verified "
		        "(verification.verified: false); use --offline for an offline look\n",
		        prog, tool_file_name(claims_path));
		status = 1;
		goto out;
	}
	if ((rc = tcg_policy_evaluate(p, c.doc.root, &ev, &err))) {
		status = tool_error(prog, claims_path, &err);
		goto out;
	}
	if ((rc = tcg_report_build(p, &ev, c.doc.root, now(), &r, &err))) {
		tcg_evaluation_free(&ev);
		status = tool_error(prog, NULL, &err);
		goto out;
	}
	rc = tcg_report_write(&r, stdout, &err);
	status = rc ? tool_error(prog, NULL, &err) : ev.compliant ? 0 : 1;
	for (size_t i = 0; !rc && i < ev.nrules; i++)
		if (ev.rules[i].outcome != TCG_OUT_PASS)
			fprintf(stderr, "%s: %s: rule %s (%s): %s\n", prog, policy_path,
			        tcg_policy_rule_id(p, i), tcg_severity_name(tcg_policy_rule_severity(p, i)),
			        ev.rules[i].outcome == TCG_OUT_WARN ? "unknown, warned"
			                                            : tcg_result_name(ev.rules[i].result));
	tcg_report_free(&r);
	tcg_evaluation_free(&ev);
out:
	tcg_claims_doc_free(&c);
	tcg_policy_free(p);
	return status;
}

/* A fixture file's path relative to the fixture (absolute paths as they are). */
static void fixture_path(const char *fixture, const char *rel, char *out, size_t n)
{
	const char *slash = strrchr(fixture, '/');
	if (rel[0] == '/' || !slash)
		snprintf(out, n, "%s", rel);
	else
		snprintf(out, n, "%.*s/%s", (int)(slash - fixture), fixture, rel);
}

/* The claims of a fixture's log: and pcrs:, derived as tcglog-claims does. */
static tcg_rc derived_claims(const char *fixture, const tcg_ynode *logn, const tcg_ynode *pcrsn,
                             bool allow_sha1, tcg_ydoc *cd, tcg_err *err)
{
	char logp[4096], pcrsp[4096];
	tcg_claims_input in;
	tcg_claims_opts o = { .allow_sha1 = allow_sha1 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	tcg_rc rc;

	fixture_path(fixture, logn->str, logp, sizeof logp);
	if (pcrsn)
		fixture_path(fixture, pcrsn->str, pcrsp, sizeof pcrsp);
	rc = tcg_claims_load(logp, pcrsn ? pcrsp : NULL, o, &in, err);
	if (!in.claims) {
		tcg_claims_input_free(&in);
		return rc ? rc : TCG_E_FORMAT;
	}
	if (!(f = open_memstream(&buf, &len))) {
		tcg_claims_input_free(&in);
		return tcg_err_set(err, TCG_E_NOMEM, "out-of-memory", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "no memory");
	}
	rc = tcg_claims_write(in.claims, f, err);
	fclose(f);
	tcg_claims_input_free(&in);
	if (!rc)
		rc = tcg_ydoc_parse((const uint8_t *)buf, len, logp, cd, err);
	free(buf);
	return rc;
}

/* 0 as expected, 1 differs, 2 bad fixture. */
static int run_fixture(const tcg_policy *p, const char *path)
{
	uint8_t *data;
	size_t len;
	tcg_ydoc d;
	tcg_err err;
	tcg_rc rc;
	int status = 0;
	char msg[512];

	tcg_err_clear(&err);
	if ((rc = tcg_read_file(path, TCG_YDOC_MAX_SIZE, &data, &len, NULL, &err)))
		goto bad;
	rc = tcg_ydoc_parse(data, len, path, &d, &err);
	free(data);
	if (rc)
		goto bad;
	const tcg_ynode *root = d.root, *claims = NULL, *expect = NULL, *logn = NULL, *pcrsn = NULL,
	                *sha1n = NULL;
	tcg_ydoc cd = { 0 };
	if (root->kind != TCG_YNODE_MAP) {
		rc = tcg_ydoc_error(&err, &d, root, "fixture-type", "a fixture must be a mapping");
		goto bad_doc;
	}
	for (size_t i = 0; i < root->n; i++) {
		const tcg_ynode *k = root->items[2 * i];
		if (!strcmp(k->str, "claims"))
			claims = root->items[2 * i + 1];
		else if (!strcmp(k->str, "expect"))
			expect = root->items[2 * i + 1];
		else if (!strcmp(k->str, "log"))
			logn = root->items[2 * i + 1];
		else if (!strcmp(k->str, "pcrs"))
			pcrsn = root->items[2 * i + 1];
		else if (!strcmp(k->str, "allow-sha1"))
			sha1n = root->items[2 * i + 1];
		else if (strcmp(k->str, "description")) {
			rc = tcg_ydoc_error(&err, &d, k, "fixture-unknown-key",
			                    "unknown key '%.64s' in a fixture (description, claims, "
			                    "expect)",
			                    k->str);
			goto bad_doc;
		}
	}
	if ((logn && (claims || logn->kind != TCG_YNODE_SCALAR ||
	              (pcrsn && pcrsn->kind != TCG_YNODE_SCALAR))) ||
	    (pcrsn && !logn)) {
		rc = tcg_ydoc_error(&err, &d, logn ? logn : pcrsn, "fixture-log",
		                    "give claims:, or log: with an optional pcrs: (file paths)");
		goto bad_doc;
	}
	if (sha1n && (!logn || sha1n->kind != TCG_YNODE_SCALAR ||
	              (strcmp(sha1n->str, "true") && strcmp(sha1n->str, "false")))) {
		rc = tcg_ydoc_error(&err, &d, sha1n, "fixture-log",
		                    "allow-sha1: takes true or false, beside log:");
		goto bad_doc;
	}
	if (logn) {
		if ((rc = derived_claims(path, logn, pcrsn, sha1n && !strcmp(sha1n->str, "true"),
		                         &cd, &err)))
			goto bad_doc;
		claims = cd.root;
	}
	if (!claims || !expect || expect->kind != TCG_YNODE_MAP) {
		rc = tcg_ydoc_error(&err, &d, root, "fixture-missing-key",
		                    "a fixture needs claims: (or log:) and expect: {verdict, failing}");
		goto bad_doc;
	}
	const tcg_ynode *verdict = NULL, *failing = NULL;
	for (size_t i = 0; i < expect->n; i++) {
		const tcg_ynode *k = expect->items[2 * i], *v = expect->items[2 * i + 1];
		if (!strcmp(k->str, "verdict"))
			verdict = v;
		else if (!strcmp(k->str, "failing"))
			failing = v;
		else {
			rc = tcg_ydoc_error(&err, &d, k, "fixture-unknown-key",
			                    "unknown key '%.64s' in expect (verdict, failing)", k->str);
			goto bad_doc;
		}
	}
	if (!verdict || verdict->kind != TCG_YNODE_SCALAR ||
	    (strcmp(verdict->str, "compliant") && strcmp(verdict->str, "non-compliant"))) {
		rc = tcg_ydoc_error(&err, &d, verdict ? verdict : expect, "fixture-verdict",
		                    "expect.verdict must be compliant or non-compliant");
		goto bad_doc;
	}
	if (failing && failing->kind != TCG_YNODE_SEQ) {
		rc = tcg_ydoc_error(&err, &d, failing, "fixture-type", "expect.failing must be a list");
		goto bad_doc;
	}
	bool verified;
	if ((rc = tcg_claims_check(logn ? &cd : &d, claims, &verified, &err)))
		goto bad_doc;
	tcg_evaluation ev;
	if ((rc = tcg_policy_evaluate(p, claims, &ev, &err)))
		goto bad_doc;
	bool want_c = !strcmp(verdict->str, "compliant");
	char got_fail[1024] = "", diff[1024] = "";
	size_t gl = 0, dl = 0;
	for (size_t i = 0; i < ev.nrules; i++) {
		const char *id = tcg_policy_rule_id(p, i);
		bool is_fail = ev.rules[i].outcome == TCG_OUT_FAIL, expected = false;
		for (size_t j = 0; failing && j < failing->n; j++)
			expected |= !strcmp(failing->items[j]->str, id);
		if (is_fail && gl < sizeof got_fail)
			gl += (size_t)snprintf(got_fail + gl, sizeof got_fail - gl, "%s%s",
			                       gl ? ", " : "", id);
		if (is_fail != expected && dl < sizeof diff)
			dl += (size_t)snprintf(diff + dl, sizeof diff - dl, " %s%s", is_fail ? "+" : "-",
			                       id);
	}
	for (size_t j = 0; failing && j < failing->n; j++) {
		bool known = false;
		for (size_t i = 0; i < ev.nrules; i++)
			known |= !strcmp(failing->items[j]->str, tcg_policy_rule_id(p, i));
		if (!known && dl < sizeof diff)
			dl += (size_t)snprintf(diff + dl, sizeof diff - dl, " ?%s", failing->items[j]->str);
	}
	if (ev.compliant == want_c && !dl) {
		printf("ok %s: %s\n", path, ev.compliant ? "compliant" : "non-compliant");
	} else {
		printf("FAIL %s: expected %s, got %s (failing: %s; differs:%s)\n", path,
		       verdict->str, ev.compliant ? "compliant" : "non-compliant",
		       gl ? got_fail : "none", dl ? diff : " none");
		status = 1;
	}
	tcg_evaluation_free(&ev);
	tcg_ydoc_free(&cd);
	tcg_ydoc_free(&d);
	return status;
bad_doc:
	tcg_ydoc_free(&cd);
	tcg_ydoc_free(&d);
bad:
	tcg_err_format(&err, msg, sizeof msg);
	printf("ERROR %s: %s\n", path, msg);
	return 2;
}

static int test_mode(int argc, char **argv)
{
	tcg_policy *p;
	tcg_err err;
	size_t pass = 0, fail = 0, bad = 0;

	if (argc < 3)
		return tool_usage_error(prog, "test needs POLICY and at least one FIXTURE");
	tcg_err_clear(&err);
	if (tcg_policy_load(argv[1], &p, &err))
		return tool_error(prog, NULL, &err);
	for (int i = 2; i < argc; i++) {
		int s = run_fixture(p, argv[i]);
		*(s == 0 ? &pass : s == 1 ? &fail : &bad) += 1;
	}
	tcg_policy_free(p);
	printf("%s: %zu fixtures, %zu as expected, %zu differ, %zu bad\n", argv[1],
	       pass + fail + bad, pass, fail, bad);
	return bad ? 2 : fail ? 1 : 0;
}

/* One pin; guard: all: [{fact, present: true}, the pin] (for subset, which an
 * empty list would pass without the guard). */
static void init_eq(tcg_yaml *y, const char *id, const char *desc, const char *fact,
                    const char *op, const tcg_ynode *v, bool guard)
{
	tcg_yaml_map_start(y);
	tcg_yaml_kv_cstr(y, "id", id);
	tcg_yaml_kv_cstr(y, "description", desc);
	tcg_yaml_kv_cstr(y, "severity", "deny");
	tcg_yaml_key(y, "condition");
	if (guard) {
		tcg_yaml_map_start(y);
		tcg_yaml_key(y, "all");
		tcg_yaml_seq_start(y);
		tcg_yaml_map_start(y);
		tcg_yaml_kv_cstr(y, "fact", fact);
		tcg_yaml_key(y, "present");
		tcg_yaml_plain(y, "true");
		tcg_yaml_map_end(y);
	}
	tcg_yaml_map_start(y);
	tcg_yaml_kv_cstr(y, "fact", fact);
	tcg_yaml_key(y, op);
	if (v->kind == TCG_YNODE_SEQ) {
		tcg_yaml_seq_start(y);
		for (size_t i = 0; i < v->n; i++)
			tcg_yaml_cstr(y, v->items[i]->str);
		tcg_yaml_seq_end(y);
	} else if (!strcmp(op, "in")) {
		tcg_yaml_seq_start(y);
		tcg_yaml_cstr(y, v->str);
		tcg_yaml_seq_end(y);
	} else if (v->val == TCG_YVAL_BOOL || v->val == TCG_YVAL_INT) {
		tcg_yaml_plain(y, v->str);
	} else {
		tcg_yaml_cstr(y, v->str);
	}
	tcg_yaml_map_end(y);
	if (guard) {
		tcg_yaml_seq_end(y);
		tcg_yaml_map_end(y);
	}
	tcg_yaml_map_end(y);
}

static bool str_list(const tcg_ynode *n)
{
	if (!n || n->kind != TCG_YNODE_SEQ)
		return false;
	for (size_t i = 0; i < n->n; i++)
		if (n->items[i]->kind != TCG_YNODE_SCALAR || n->items[i]->val != TCG_YVAL_STR)
			return false;
	return true;
}

static int init_mode(int argc, char **argv)
{
	static const struct {
		const char *section, *list, *op;
	} lists[] = {
		{"secureboot", "PK", "subset"},  {"secureboot", "KEK", "subset"},
		{"secureboot", "db", "subset"},  {"secureboot", "dbx", "superset"},
		{"linux", "BootLoaderDigests", "subset"}, {"linux", "MokList", "subset"},
	};
	const char *from = NULL;
	tcg_claims_doc c;
	tcg_err err;
	size_t nrules = 0;
	char id[96], desc[256], fact[128];

	if (argc == 3 && !strcmp(argv[1], "--from"))
		from = argv[2];
	else if (argc == 2 && !strncmp(argv[1], "--from=", 7))
		from = argv[1] + 7;
	else
		return tool_usage_error(prog, "init takes --from CLAIMS");
	tcg_err_clear(&err);
	if (load_claims(from, &c, &err))
		return tool_error(prog, NULL, &err);
	tcg_yaml *y = tcg_yaml_new(stdout);
	if (!y) {
		tcg_claims_doc_free(&c);
		return 3;
	}
	tcg_yaml_map_start(y);
	tcg_yaml_kv_cstr(y, "name", "device-baseline");
	tcg_yaml_kv_u64(y, "version", 1);
	tcg_yaml_kv_cstr(y, "description",
	                 "Starting policy pinned to one known-good device by dha-policy init; "
	                 "edit before use");
	tcg_yaml_key(y, "rules");
	tcg_yaml_seq_start(y);
	const tcg_ynode *h = tcg_ynode_get(c.doc.root, "health");
	for (size_t i = 0; h && h->kind == TCG_YNODE_MAP && i < h->n; i++) {
		const tcg_ynode *k = h->items[2 * i], *v = h->items[2 * i + 1];
		if (v->kind != TCG_YNODE_SCALAR || k->len > 64 ||
		    (v->val != TCG_YVAL_BOOL && strcmp(k->str, "PCR0")))
			continue;
		snprintf(fact, sizeof fact, "health.%s", k->str);
		snprintf(id, sizeof id, "pin-%s", k->str);
		snprintf(desc, sizeof desc, "%s as on the known-good device", k->str);
		init_eq(y, id, desc, fact, v->val == TCG_YVAL_BOOL ? "equals" : "in", v, false);
		nrules++;
	}
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		snprintf(fact, sizeof fact, "%s.%s", lists[i].section, lists[i].list);
		const tcg_ynode *v = tcg_ynode_path(c.doc.root, fact);
		bool subset = !strcmp(lists[i].op, "subset");
		/* "At least nothing" pins nothing; an empty allow-list is pinned as
		 * empty, without the guard an empty list could not pass. */
		if (!str_list(v) || (!subset && v->n == 0))
			continue;
		snprintf(id, sizeof id, "pin-%s-%s", lists[i].section, lists[i].list);
		snprintf(desc, sizeof desc, "%s %s the known-good device's", fact,
		         subset ? "only holds entries of" : "holds at least");
		init_eq(y, id, desc, fact, lists[i].op, v, subset && v->n);
		nrules++;
	}
	const tcg_ynode *cmd = tcg_ynode_path(c.doc.root, "linux.KernelCmdline");
	if (cmd && cmd->kind == TCG_YNODE_SCALAR && cmd->val == TCG_YVAL_STR) {
		init_eq(y, "pin-linux-KernelCmdline", "kernel command line as on the known-good device",
		        "linux.KernelCmdline", "equals", cmd, false);
		nrules++;
	}
	tcg_yaml_seq_end(y);
	tcg_yaml_map_end(y);
	tcg_claims_doc_free(&c);
	if (tcg_yaml_finish(y, &err))
		return tool_error(prog, NULL, &err);
	if (!nrules) {
		fprintf(stderr, "%s: %s: init-no-facts: the claims hold no facts to pin\n", prog,
		        from);
		return 2;
	}
	return 0;
}

static int option(void *ctx, int c, char *arg)
{
	*(bool *)ctx = true; /* 'o': --offline */
	return 0;
}

static int run(void *ctx, int argc, char **argv)
{
	if (argc < 1 || argc > 2)
		return tool_usage_error(prog, "expected POLICY [CLAIMS]");
	return appraise(argv[0], argc > 1 ? argv[1] : "-", *(bool *)ctx);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"offline", no_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	const tool_spec spec = {.name = prog, .usage = usage, .shortopts = "o", .longopts = opts,
		.option = option, .run = run};
	bool offline = false;

	tool_init_crypto();
	if (argc > 1 && !strcmp(argv[1], "test"))
		return test_mode(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "init"))
		return init_mode(argc - 1, argv + 1);
	return tool_main(&spec, &offline, argc, argv);
}
