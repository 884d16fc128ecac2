/* tcglog-replay: replay a TCG event log and print or compare the PCRs. */
#include <stdlib.h>
#include <string.h>

#include "tcglog/log.h"
#include "tcglog/pcrs.h"
#include "tcglog/replay.h"
#include "tool.h"

static const char *prog = "tcglog-replay";

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: %s [OPTIONS] LOG\n"
	        "Replay a TCG event log (LOG, or - for standard input). Without --pcrs,\n"
	        "print the replayed PCRs: bank, PCR index, value as a lower-case hex string\n"
	        "(sha256: {0: \"78f3...\"}), which --pcrs reads back. With --pcrs, compare\n"
	        "every PCR that FILE lists and name each one that differs.\n"
	        "\n"
	        "  -f, --pcrs FILE   expected values: tpm2_pcrread YAML or a tpm2_quote -o file\n"
	        "  -b, --bank ALG    only this bank (sha1, sha256, ...); may be repeated\n"
	        "  -q, --quirk NAME  allow a named firmware workaround: missing-ebs (PCR 5\n"
	        "                    lacks the logged ExitBootServices events)\n"
	        "  -s, --strict      refuse the quirks otherwise accepted and reported\n"
	        "                    (trailing-padding, unsized-input,\n"
	        "                    partial-digests)\n"
	        "      --format FMT  yaml (the default) or json (one line)\n"
	        "  -h, --help        this text\n"
	        "  -V, --version     the version\n"
	        "\n"
	        "Exit status: 0 replayed (and every PCR matched), 1 a PCR differs or a bank\n"
	        "is missing from the log, 2 bad usage or input that cannot be parsed,\n"
	        "3 a file could not be read.\n",
	        prog);
}

static void print_hex(FILE *f, const uint8_t *p, size_t n)
{
	fputs("0x", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02X", p[i]);
}

static bool bank_selected(const uint16_t *banks, size_t n, uint16_t alg)
{
	if (!n)
		return true;
	for (size_t i = 0; i < n; i++)
		if (banks[i] == alg)
			return true;
	return false;
}

/* Keep only the selected banks in v. */
static void filter_banks(tcg_pcr_values *v, const uint16_t *banks, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < v->num_banks; i++)
		if (bank_selected(banks, n, v->bank[i].alg))
			v->bank[k++] = v->bank[i];
	v->num_banks = k;
}

/* One mismatch on standard error. */
static void say_mismatch(const char *path, const tcg_pcr_mismatch *m, const tcg_replay_result *r,
                         const tcg_pcr_values *want)
{
	const char *bank = tcg_alg_name(m->alg);
	if (m->missing_bank) {
		fprintf(stderr, "%s: %s: pcr-bank-missing: the log carries no %s bank\n", prog, path,
		        bank);
	} else if (m->unreplayable) {
		fprintf(stderr, "%s: %s: pcr-unreplayable: %s PCR %u has events without a %s digest\n",
		        prog, path, bank, m->pcr, bank);
	} else {
		const uint8_t *got = tcg_pcrs_bank_const(&r->pcrs, m->alg)->value[m->pcr];
		const tcg_pcr_bank *wb = tcg_pcrs_bank_const(want, m->alg);
		fprintf(stderr, "%s: %s: pcr-mismatch: %s PCR %u replays to ", prog, path, bank,
		        m->pcr);
		print_hex(stderr, got, wb->size);
		fprintf(stderr, ", expected ");
		print_hex(stderr, wb->value[m->pcr], wb->size);
		fputc('\n', stderr);
	}
}

static int compare(const char *path, const char *pcrs_path, const tcg_log *log,
                   tcg_replay_result *r, const uint16_t *banks, size_t nbanks, unsigned quirks,
                   bool json)
{
	uint8_t *data;
	size_t len, total = 0;
	tcg_pcr_values *want = malloc(sizeof *want);
	tcg_pcr_mismatch mm[TCG_MAX_BANKS * TCG_NUM_PCRS];
	tcg_err err;
	tcg_rc rc;
	int status;

	tcg_err_clear(&err);
	if (!want)
		return 3;
	if ((rc = tcg_read_file(pcrs_path, 1u << 20, &data, &len, NULL, &err))) {
		free(want);
		return tool_error(prog, pcrs_path, &err);
	}
	rc = tcg_pcrs_parse(data, len, pcrs_path, want, &err);
	free(data);
	if (rc) {
		free(want);
		return tool_error(prog, NULL, &err);
	}
	filter_banks(want, banks, nbanks);
	rc = tcg_replay_compare(log, NULL, r, want, quirks, mm, sizeof mm / sizeof mm[0], &total,
	                        &err);
	if (rc && rc != TCG_E_MISMATCH) {
		free(want);
		return tool_error(prog, path, &err);
	}
	/* mm has room for every PCR of every bank: none is left out */
	if (total > sizeof mm / sizeof mm[0])
		total = sizeof mm / sizeof mm[0];
	for (size_t i = 0; i < total; i++)
		say_mismatch(path, &mm[i], r, want);
	status = 0;
	if (tcg_replay_compare_write(log, r, want, mm, total, tool_out_format(json), stdout, &err))
		status = tool_error(prog, NULL, &err);
	else if (total)
		status = 1;
	free(want);
	return status;
}

typedef struct {
	const char *pcrs_path;
	uint16_t banks[TCG_MAX_BANKS];
	size_t nbanks;
	unsigned quirks;
	bool strict, json;
} options;

static int option(void *ctx, int c, char *arg)
{
	options *o = ctx;
	switch (c) {
	case 'f':
		o->pcrs_path = arg;
		break;
	case 'b':
		return tool_add_bank(prog, o->banks, &o->nbanks, arg);
	case 'q': {
		unsigned q;
		if (!tcg_quirk_from_name(arg, &q) || q != TCG_QUIRK_MISSING_EBS)
			return tool_usage_error(prog, "--quirk takes: missing-ebs");
		o->quirks |= q;
		break;
	}
	case 's':
		o->strict = true;
		break;
	}
	return 0;
}

static int run(void *ctx, int argc, char **argv)
{
	const options *o = ctx;
	const char *pcrs_path = o->pcrs_path;
	const uint16_t *banks = o->banks;
	size_t nbanks = o->nbanks;
	unsigned quirks = o->quirks;
	bool strict = o->strict, json = o->json;

	if (argc != 1)
		return tool_usage_error(prog, "expects exactly one LOG");
	if (quirks && !pcrs_path)
		return tool_usage_error(prog, "--quirk missing-ebs needs --pcrs to compare against");

	const char *path = argv[0];
	uint8_t *data;
	tcg_log *log;
	tcg_replay_result *r = calloc(1, sizeof *r);
	tcg_err err;
	int status = 0;

	tcg_err_clear(&err);
	if (!r)
		return 3;
	if (tcg_log_load(path, &data, &log, &err)) {
		free(r);
		return tool_error(prog, path, &err);
	}
	tool_init_crypto_for(log);
	if (strict && tcg_log_refuse_quirks(log, &err)) {
		status = tool_error(prog, path, &err);
	} else if (tcg_replay(log, NULL, r, &err)) {
		status = tool_error(prog, path, &err);
	} else if (pcrs_path) {
		status = compare(path, pcrs_path, log, r, banks, nbanks, quirks, json);
	} else {
		filter_banks(&r->pcrs, banks, nbanks);
		for (size_t i = 0; i < nbanks; i++)
			if (!tcg_pcrs_bank(&r->pcrs, banks[i])) {
				fprintf(stderr, "%s: %s: pcr-bank-missing: the log carries no %s bank\n",
				        prog, path, tcg_alg_name(banks[i]));
				status = 1;
			}
		if (tcg_replay_write(r, tool_out_format(json), stdout, &err))
			status = tool_worse(status, tool_error(prog, NULL, &err));
		/* The PCR layout has no place for them: quirks go to stderr. */
		for (unsigned q = 1; q; q <<= 1)
			if (tcg_log_quirks(log) & q)
				fprintf(stderr, "%s: %s: note: accepted quirk %s\n", prog, path,
				        tcg_quirk_name(q));
	}
	for (size_t i = 0; i < r->num_skipped; i++)
		fprintf(stderr, "%s: %s: note: bank 0x%04x not replayed (unknown algorithm)\n", prog,
		        path, r->skipped[i]);
	tcg_log_free(log);
	free(data);
	free(r);
	return tool_flush_stdout(prog) ? 3 : status;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pcrs", required_argument, NULL, 'f' }, { "bank", required_argument, NULL, 'b' },
		{ "quirk", required_argument, NULL, 'q' }, { "strict", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	options o = { 0 };
	const tool_spec spec = { .name = prog, .usage = usage, .shortopts = "f:b:q:s",
		.longopts = longopts, .json = &o.json, .option = option, .run = run };
	return tool_main(&spec, &o, argc, argv);
}
