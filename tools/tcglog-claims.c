/* tcglog-claims: the health facts a TCG event log proves, as a dha-claims document. */
#include <stdlib.h>
#include <string.h>

#include "tcglog/claims.h"
#include "tcglog/digest.h"
#include "tcglog/log.h"
#include "tcglog/pcrs.h"
#include "tool.h"

static const char *prog = "tcglog-claims";

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: %s [OPTIONS] LOG\n"
	        "Derive the health facts that LOG (or - for standard input) proves and write\n"
	        "them as a dha-claims YAML document. Facts come only from events whose PCR\n"
	        "replays to FILE's value, whose data matches its digest where the type binds\n"
	        "it, and whose (PCR, event type) the platform profile expects.\n"
	        "\n"
	        "  -f, --pcrs FILE   expected PCR values: tpm2_pcrread YAML or a tpm2_quote -o\n"
	        "                    file; without it every fact is unverified; a PCR\n"
	        "                    no fact uses and the log never extends (IMA's 10)\n"
	        "                    may differ (listed as pcrs-ignored)\n"
	        "  -b, --bank ALG    the bank to replay and bind with (default: the strongest\n"
	        "                    bank the log and FILE share)\n"
	        "  -1, --allow-sha1  accept the SHA-1 bank\n"
	        "  -l, --lenient     name events that break a rule in the output, leave out\n"
	        "                    their facts, and exit 0\n"
	        "      --format FMT  yaml (the default) or json (one line)\n"
	        "  -h, --help        this text\n"
	        "  -V, --version     the version\n"
	        "\n"
	        "Exit status: 0 facts written, 1 an event breaks a rule (strict mode) or no\n"
	        "acceptable bank, 2 bad usage or input that cannot be parsed, 3 a file could\n"
	        "not be read.\n",
	        prog);
}

typedef struct {
	tcg_claims_opts o;
	const char *pcrs_path;
	bool json;
} options;

static int option(void *ctx, int c, char *arg)
{
	options *opt = ctx;
	switch (c) {
	case 'f':
		opt->pcrs_path = arg;
		break;
	case 'b':
		if (!tcg_alg_from_name(arg, &opt->o.bank))
			return tool_usage_error(prog, "--bank takes a hash algorithm: sha1, "
			                              "sha256, sha384, sha512, sm3_256, sha3_256, "
			                              "sha3_384, sha3_512");
		break;
	case '1':
		opt->o.allow_sha1 = true;
		break;
	case 'l':
		opt->o.lenient = true;
		break;
	}
	return 0;
}

static int run(void *ctx, int argc, char **argv)
{
	const options *opt = ctx;
	if (argc != 1)
		return tool_usage_error(prog, "expects exactly one LOG");

	const char *path = argv[0], *pcrs_path = opt->pcrs_path;
	tcg_claims_input in;
	tcg_err err;
	tcg_rc rc;
	int status;

	tool_init_crypto();
	tcg_err_clear(&err);
	if (!pcrs_path)
		fprintf(stderr, "%s: %s: note: no --pcrs: every fact is unverified\n", prog, path);
	rc = tcg_claims_load(path, pcrs_path, opt->o, &in, &err);
	if (in.claims) {
		for (size_t i = 0; i < tcg_claims_num_problems(in.claims); i++)
			tool_error(prog, path, tcg_claims_problem(in.claims, i));
		tcg_err werr;
		tcg_err_clear(&werr);
		if (tcg_claims_write_as(in.claims, tool_out_format(opt->json), stdout, &werr)) {
			status = tool_error(prog, NULL, &werr);
			goto out;
		}
	}
	status = rc ? (in.claims ? 1 : tool_error(prog, in.failed_file, &err)) : 0;
out:
	tcg_claims_input_free(&in);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pcrs", required_argument, NULL, 'f' }, { "bank", required_argument, NULL, 'b' },
		{ "allow-sha1", no_argument, NULL, '1' }, { "lenient", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	options o = { 0 };
	const tool_spec spec = { .name = prog, .usage = usage, .shortopts = "f:b:1l",
		.longopts = longopts, .json = &o.json, .option = option, .run = run };
	return tool_main(&spec, &o, argc, argv);
}
