/* dha-report: keep the DHA-Reports of a DHA server per device, list them, purge them. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tcglog/nonce.h"
#include "tcglog/reports.h"
#include "tool.h"

static const char *prog = "dha-report";

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: %s --store STORE add [REPORT]\n"
	        "       %s --store STORE status [--since TIME] [--verdict VERDICT]\n"
	        "                    [--format FORMAT] [DEVICE]\n"
	        "       %s --store STORE purge --keep DURATION\n"
	        "Keep the DHA-Reports of a DHA server per device in its store (the SQLite\n"
	        "file or PostgreSQL database of dha-nonce), list them, purge them.\n"
	        "\n"
	        "  add [REPORT]          keep the DHA-Report XML (REPORT, or standard input)\n"
	        "                        as dha-policy wrote it, under the device it names,\n"
	        "                        with its appraisal time, verdict, failing rules and\n"
	        "                        policy name (at most %u bytes)\n"
	        "  status [DEVICE]       without DEVICE the latest attributed report of each\n"
	        "                        device, by name; with DEVICE all its reports, oldest\n"
	        "                        first; the filters apply to the rows listed\n"
	        "  purge                 drop the reports appraised more than --keep ago;\n"
	        "                        print how many\n"
	        "\n"
	        "  -s, --store STORE     the store: an SQLite FILE or a PostgreSQL URI or\n"
	        "                        service=NAME (required)\n"
	        "      --since TIME      only reports appraised at or after TIME: seconds\n"
	        "                        since the epoch or YYYY-MM-DDTHH:MM:SSZ\n"
	        "      --verdict VERDICT only compliant or non-compliant reports\n"
	        "      --format FORMAT   text (default): a line per report, tab-separated\n"
	        "                        TIME DEVICE VERDICT POLICY FAILING ATTRIBUTION\n"
	        "                        (FAILING the failed rules' ids, space-separated,\n"
	        "                        or -; a byte outside printable ASCII, and \\,\n"
	        "                        written \\xHH; ATTRIBUTION attributed or\n"
	        "                        unattributed); json: JSON Lines, an object per\n"
	        "                        report with device, time, verdict, attributed (a\n"
	        "                        boolean), policy and failing (a list)\n"
	        "  -k, --keep DURATION   purge: keep reports N, Ns, Nm, Nh or Nd (at most\n"
	        "                        %lld days)\n"
	        "  -h, --help            this text\n"
	        "  -V, --version         the version\n"
	        "\n"
	        "FAILING holds the rules whose outcome is fail; for a failed verification,\n"
	        "the verification's rule. A failed verification is attributed only when the\n"
	        "sender proved to be the device (dha-verify(1)); an unattributed one (a\n"
	        "signedblob anyone could send under the device's name) is kept and listed\n"
	        "in the device's history but never decides its latest status.\n"
	        "\n"
	        "Exit status: 0 done, 2 bad usage or a report that cannot be parsed, is too\n"
	        "large, names no device or no attribution (report-device, report-attributed,\n"
	        "input-size-cap), 3 the report\n"
	        "cannot be read or the store failed (nonce-store, ...).\n",
	        prog, prog, prog, TCG_REPORTS_XML_MAX, TCG_REPORTS_KEEP_MAX / 86400);
}

typedef struct {
	bool json;
} printer;

/* A text field on one line: printable ASCII as it is; the backslash and any
 * other byte as \xHH. */
static void put_field(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p > 0x7e || *p == '\\')
			printf("\\x%02x", *p);
		else
			putchar(*p);
}

static tcg_rc print_text(const tcg_report_row *row, const char *when)
{
	printf("%s\t", when);
	put_field(row->device);
	printf("\t%s\t", row->compliant ? "compliant" : "non-compliant");
	put_field(row->policy);
	putchar('\t');
	put_field(row->failing[0] ? row->failing : "-");
	printf("\t%s\n", row->attributed ? "attributed" : "unattributed");
	return TCG_OK;
}

static tcg_rc print_row(void *arg, const tcg_report_row *row, tcg_err *err)
{
	const printer *p = arg;
	char when[TCG_REPORTS_TIME_LEN + 1];

	if (p->json)
		return tcg_report_row_write(row, TCG_OUT_JSON, stdout, err);
	if (!tcg_reports_time_format(row->time, when))
		return tcg_fail(err, TCG_E_IO, "nonce-store", "a kept report's time is out of range");
	return print_text(row, when);
}

static int add(tcg_nonce_store *store, const char *store_path, const char *path)
{
	uint8_t *xml;
	size_t len;
	tcg_report_row row;
	tcg_err err;
	int status = 0;

	tcg_err_clear(&err);
	if (tcg_read_file(path, TCG_REPORTS_XML_MAX, &xml, &len, NULL, &err))
		return tool_error(prog, path, &err);
	if (tcg_report_row_from_xml(xml, len, &row, &err))
		status = tool_error(prog, path, &err);
	else if (tcg_reports_add(store, &row, &err))
		status = tool_error(prog, store_path, &err);
	tcg_report_row_free(&row);
	free(xml);
	return status;
}

typedef struct {
	const char *store_path, *keep_text;
	tcg_reports_query q;
	printer pr;
	bool filters, have_format;
	int64_t keep;
} options;

enum { OPT_SINCE = 256, OPT_VERDICT, OPT_FORMAT };

static int option(void *ctx, int c, char *arg)
{
	options *o = ctx;
	switch (c) {
	case 's':
		o->store_path = arg;
		break;
	case OPT_SINCE: {
		tcg_err err;
		tcg_err_clear(&err);
		if (tcg_reports_time_parse(arg, &o->q.since, &err))
			return tool_error(prog, NULL, &err);
		o->filters = true;
		break;
	}
	case OPT_VERDICT:
		if (strcmp(arg, "compliant") && strcmp(arg, "non-compliant"))
			return tool_usage_error(prog, "--verdict is compliant or non-compliant");
		o->q.verdict = !strcmp(arg, "compliant");
		o->filters = true;
		break;
	case OPT_FORMAT:
		if (strcmp(arg, "text") && strcmp(arg, "json"))
			return tool_usage_error(prog, "--format is text or json");
		o->pr.json = !strcmp(arg, "json");
		o->have_format = true;
		break;
	case 'k': {
		tcg_err err;
		tcg_err_clear(&err);
		if (tcg_reports_keep_parse(arg, &o->keep, &err))
			return tool_error(prog, NULL, &err);
		o->keep_text = arg;
		break;
	}
	}
	return 0;
}

static int run(void *ctx, int argc, char **argv)
{
	const options *o = ctx;
	const char *store_path = o->store_path, *cmd, *keep_text = o->keep_text;
	tcg_reports_query q = o->q;
	printer pr = o->pr;
	bool filters = o->filters, have_format = o->have_format;
	int64_t keep = o->keep;
	tcg_nonce_store *store;
	tcg_err err;
	int nargs, status = 0;

	tcg_err_clear(&err);
	if (argc < 1)
		return tool_usage_error(prog, "expects a command: add, status or purge");
	cmd = argv[0];
	nargs = argc - 1;
	argv++;
	if (strcmp(cmd, "add") && strcmp(cmd, "status") && strcmp(cmd, "purge"))
		return tool_usage_error(prog, "unknown command (add, status or purge)");
	if (nargs > (strcmp(cmd, "purge") ? 1 : 0))
		return tool_usage_error(prog, "add takes at most REPORT, status at most DEVICE, "
		                              "purge nothing");
	if ((filters || have_format) && strcmp(cmd, "status"))
		return tool_usage_error(prog, "--since, --verdict and --format apply to status only");
	if (!keep_text != !!strcmp(cmd, "purge"))
		return tool_usage_error(prog, "purge needs --keep DURATION, and only purge takes it");
	if (!store_path)
		return tool_usage_error(prog, "--store STORE is required");
	if (!strcmp(cmd, "status") && nargs) {
		q.device = argv[0];
		if (tcg_nonce_check_device(q.device, &err))
			return tool_error(prog, NULL, &err);
	}

	if (tcg_nonce_store_open(store_path, &store, &err))
		return tool_error(prog, store_path, &err);
	if (!strcmp(cmd, "add")) {
		status = add(store, store_path, nargs ? argv[0] : "-");
	} else if (!strcmp(cmd, "status")) {
		if (tcg_reports_list(store, &q, print_row, &pr, &err))
			status = tool_error(prog, err.rc == TCG_E_IO ? store_path : NULL, &err);
		int out = tool_flush_stdout(prog);
		status = status ? status : out;
	} else {
		uint64_t count;
		if (tcg_reports_purge(store, keep, (int64_t)time(NULL), &count, &err)) {
			status = tool_error(prog, store_path, &err);
		} else {
			printf("%llu\n", (unsigned long long)count);
			status = tool_flush_stdout(prog);
		}
	}
	tcg_nonce_store_close(store);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "store", required_argument, NULL, 's' },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "verdict", required_argument, NULL, OPT_VERDICT },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "keep", required_argument, NULL, 'k' },
		{NULL, 0, NULL, 0},
	};
	options o = {.q = {.verdict = -1}};
	const tool_spec spec = {.name = prog, .usage = usage, .shortopts = "s:k:",
		.longopts = longopts, .option = option, .run = run};
	return tool_main(&spec, &o, argc, argv);
}
