/* dha-policy: appraise claims with a YAML policy and write the DHA-Report. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tcglog/policy.h"
#include "tcglog/report.h"
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
	if (tcg_report_build_failed(p, c->root, now(), &r, &err))
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
	if ((rc = tcg_claims_doc_load(claims_path, &c, &err))) {
		tcg_policy_free(p);
		return tool_error(prog, claims_path, &err);
	}
	bool failed;
	if ((rc = tcg_report_failed_check(&c, &failed, &err))) {
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
	if ((rc = tcg_policy_evaluate(p, c.root, &ev, &err))) {
		status = tool_error(prog, claims_path, &err);
		goto out;
	}
	if ((rc = tcg_report_build(p, &ev, c.root, now(), &r, &err))) {
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

/* 0 as expected, 1 differs, 2 bad fixture. */
static int run_fixture(const tcg_policy *p, const char *path)
{
	tcg_policy_fixture *fx = NULL;
	tcg_evaluation ev;
	tcg_err err;
	int status = 0;
	char msg[512];

	tcg_err_clear(&err);
	if (tcg_policy_fixture_load(path, &fx, &err) ||
	    tcg_policy_evaluate(p, tcg_policy_fixture_claims(fx), &ev, &err)) {
		tcg_policy_fixture_free(fx);
		tcg_err_format(&err, msg, sizeof msg);
		printf("ERROR %s: %s\n", path, msg);
		return 2;
	}
	bool want_c = tcg_policy_fixture_compliant(fx);
	size_t nfailing = tcg_policy_fixture_nfailing(fx);
	char got_fail[1024] = "", diff[1024] = "";
	size_t gl = 0, dl = 0;
	for (size_t i = 0; i < ev.nrules; i++) {
		const char *id = tcg_policy_rule_id(p, i);
		bool is_fail = ev.rules[i].outcome == TCG_OUT_FAIL, expected = false;
		for (size_t j = 0; j < nfailing; j++)
			expected |= !strcmp(tcg_policy_fixture_failing(fx, j), id);
		if (is_fail && gl < sizeof got_fail)
			gl += (size_t)snprintf(got_fail + gl, sizeof got_fail - gl, "%s%s",
			                       gl ? ", " : "", id);
		if (is_fail != expected && dl < sizeof diff)
			dl += (size_t)snprintf(diff + dl, sizeof diff - dl, " %s%s", is_fail ? "+" : "-",
			                       id);
	}
	for (size_t j = 0; j < nfailing; j++) {
		const char *want = tcg_policy_fixture_failing(fx, j);
		bool known = false;
		for (size_t i = 0; i < ev.nrules; i++)
			known |= !strcmp(want, tcg_policy_rule_id(p, i));
		if (!known && dl < sizeof diff)
			dl += (size_t)snprintf(diff + dl, sizeof diff - dl, " ?%s", want);
	}
	if (ev.compliant == want_c && !dl) {
		printf("ok %s: %s\n", path, ev.compliant ? "compliant" : "non-compliant");
	} else {
		printf("FAIL %s: expected %s, got %s (failing: %s; differs:%s)\n", path,
		       want_c ? "compliant" : "non-compliant",
		       ev.compliant ? "compliant" : "non-compliant", gl ? got_fail : "none",
		       dl ? diff : " none");
		status = 1;
	}
	tcg_evaluation_free(&ev);
	tcg_policy_fixture_free(fx);
	return status;
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

static int init_mode(int argc, char **argv)
{
	const char *from = NULL;
	tcg_claims_doc c;
	tcg_err err;
	size_t nrules;

	if (argc == 3 && !strcmp(argv[1], "--from"))
		from = argv[2];
	else if (argc == 2 && !strncmp(argv[1], "--from=", 7))
		from = argv[1] + 7;
	else
		return tool_usage_error(prog, "init takes --from CLAIMS");
	tcg_err_clear(&err);
	if (tcg_claims_doc_load(from, &c, &err))
		return tool_error(prog, NULL, &err);
	tcg_rc rc = tcg_policy_write_baseline(&c, stdout, &nrules, &err);
	tcg_claims_doc_free(&c);
	if (rc)
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
