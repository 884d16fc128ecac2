/* tcglog-dump: decode a TCG event log to YAML. */
#include <stdlib.h>
#include <string.h>

#include "tcglog/dump.h"
#include "tcglog/pcrs.h"
#include "tool.h"

static const char *prog = "tcglog-dump";

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: %s [OPTIONS] LOG\n"
	        "Decode a TCG event log (LOG, or - for standard input) to YAML: header and\n"
	        "banks, every event with its digests, decoded data and data binding, then\n"
	        "the replayed PCRs.\n"
	        "\n"
	        "  -p, --pcr LIST    only events of these PCRs (0,2,4-7 or all; -1 or none\n"
	        "                    for events never extended); may be repeated\n"
	        "  -b, --bank ALG    only digests and PCRs of this bank (sha1, sha256, ...);\n"
	        "                    may be repeated; a bank the log lacks is refused\n"
	        "  -x, --hex         event data as hex, not decoded\n"
	        "  -f, --format FMT  tcglog (the default: every decoded field, offsets,\n"
	        "                    data binding) or tpm2-tools: the keys and values of\n"
	        "                    tpm2_eventlog --eventlog-version=2 (tpm2-tools 5.4), so\n"
	        "                    its readers (keylime) can switch: equal on 4226 of\n"
	        "                    4226 corpus events compared (100%%); where tpm2-tools\n"
	        "                    is wrong, tcglog-dump(1) lists why we differ; no\n"
	        "                    DataBinding: decoded data is not checked there;\n"
	        "                    yaml is tcglog; json: the tcglog document as one line\n"
	        "                    of JSON (numbers numbers, 64-bit exact)\n"
	        "      --eventlog-version=2  the same as --format tpm2-tools\n"
	        "  -s, --strict      refuse the quirks otherwise accepted and reported\n"
	        "                    (trailing-padding, unsized-input,\n"
	        "                    partial-digests)\n"
	        "  -h, --help        this text\n"
	        "  -V, --version     the version\n"
	        "\n"
	        "Exit status: 0 decoded, 2 bad usage, a log that cannot be parsed or a\n"
	        "--bank the log does not carry (pcr-bank-missing),\n"
	        "3 the file could not be read.\n",
	        prog);
}

typedef struct {
	tcg_dump_opts opts;
	bool strict;
} options;

static int option(void *ctx, int c, char *arg)
{
	options *o = ctx;
	switch (c) {
	case 'p': {
		uint32_t m;
		if (!strcmp(arg, "-1") || !strcmp(arg, "none"))
			o->opts.pcr_none = true;
		else if (tcg_pcr_list_parse(arg, &m))
			o->opts.pcr_mask |= m;
		else
			return tool_usage_error(prog, "--pcr takes PCR numbers 0..23, e.g. 0,2,4-7");
		break;
	}
	case 'b':
		return tool_add_bank(prog, o->opts.banks, &o->opts.num_banks, arg);
	case 'x':
		o->opts.no_decode = true;
		break;
	case 'f':
		o->opts.tpm2_tools = o->opts.json = false;
		if (!strcmp(arg, "tpm2-tools"))
			o->opts.tpm2_tools = true;
		else if (!strcmp(arg, "tcglog") || !strcmp(arg, "yaml"))
			;
		else if (!strcmp(arg, "json"))
			o->opts.json = true;
		else
			return tool_usage_error(prog, "--format takes tcglog, yaml, json or tpm2-tools");
		break;
	case 'E':
		/* Version 1 (tpm2_eventlog's default) prints variables and GPT as hex only. */
		if (strcmp(arg, "2"))
			return tool_usage_error(prog, "--eventlog-version takes 2 only");
		o->opts.tpm2_tools = true;
		break;
	case 's':
		o->strict = true;
		break;
	}
	return 0;
}

static int run(void *ctx, int argc, char **argv)
{
	options *o = ctx;
	int rc;

	if (o->opts.tpm2_tools && o->opts.no_decode)
		return tool_usage_error(prog, "--hex has no meaning with --format tpm2-tools");
	if (argc != 1)
		return tool_usage_error(prog, "expects exactly one LOG");

	const char *path = argv[0];
	uint8_t *data;
	tcg_log *log;
	tcg_err err;

	tcg_err_clear(&err);
	if ((rc = tcg_log_load(path, &data, &log, &err)))
		return tool_error(prog, path, &err);
	tool_init_crypto_for(log);
	if (!o->strict || !(rc = tcg_log_refuse_quirks(log, &err)))
		rc = tcg_dump_yaml(log, &o->opts, stdout, &err);
	tcg_log_free(log);
	free(data);
	/* what the dump cannot write is standard output's fault, not the log's */
	if (rc)
		return tool_error(prog, rc == TCG_E_IO ? "standard output" : path, &err);
	return tool_flush_stdout(prog);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pcr", required_argument, NULL, 'p' }, { "bank", required_argument, NULL, 'b' },
		{ "hex", no_argument, NULL, 'x' },       { "strict", no_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "eventlog-version", required_argument, NULL, 'E' },
		{ NULL, 0, NULL, 0 },
	};
	const tool_spec spec = { .name = prog, .usage = usage, .shortopts = "p:b:xf:s",
		.longopts = longopts, .option = option, .run = run };
	options o = { 0 };
	return tool_main(&spec, &o, argc, argv);
}
