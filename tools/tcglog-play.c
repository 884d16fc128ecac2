/* tcglog-play: extend an event log's events into a TPM's PCRs (a software TPM
 * then holds the PCRs of a real boot). */
#include <stdlib.h>
#include <string.h>

#include "tcglog/device.h"
#include "tcglog/digest.h"
#include "devtool.h"

static const char *prog = "tcglog-play";

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: %s [--tcti TCTI] [--force] [--startup] LOG\n"
	        "Extend every event of a TCG event log into the TPM's PCRs, in each bank\n"
	        "both the TPM and the log carry, so that the TPM's PCRs become the values\n"
	        "tcglog-replay computes for the log.\n"
	        "\n"
	        "  -T, --tcti TCTI   the TPM (default: $TPM2TOOLS_TCTI, else %s)\n"
	        "  -f, --force       extend even into PCRs not at their reset value\n"
	        "  -s, --startup     send TPM2_Startup(CLEAR) first, at the locality of the\n"
	        "                    log's StartupLocality event (the TPM must not be started)\n"
	        "  -h, --help        this text\n"
	        "  -V, --version     the version\n"
	        "\n"
	        "EV_NO_ACTION events and PCRs outside 0-23 are not extended. Events without\n"
	        "a digest for one of the banks (Windows' partial-digests) extend the banks\n"
	        "they carry; a note names the bank and PCRs left unplayed. Refused: logs\n"
	        "that extend DRTM PCRs 17-22 or start with an H-CRTM event, a StartupLocality\n"
	        "the TPM was not started at (use --startup), PCRs not at their reset value\n"
	        "(unless --force).\n"
	        "\n"
	        "Exit status: 0 played, 1 refused (play-not-reset, play-startup-locality,\n"
	        "play-drtm, play-hcrtm, play-banks), 2 bad usage or a log that cannot be\n"
	        "parsed, 3 the TPM failed (play-startup: --startup on a TPM already\n"
	        "started).\n",
	        prog, TCG_DEV_DEFAULT_TCTI);
}

static void print_pcrs(FILE *f, uint32_t mask)
{
	bool first = true;
	fputc('[', f);
	for (unsigned p = 0; p < TCG_NUM_PCRS; p++)
		if (mask & (1u << p)) {
			fprintf(f, "%s%u", first ? "" : ", ", p);
			first = false;
		}
	fputc(']', f);
}

static const char *alg_name(uint16_t alg)
{
	const char *n = tcg_alg_name(alg);
	return n ? n : "unknown";
}

typedef struct {
	tool_dev_opts dev;
	unsigned flags;
} options;

static int option(void *ctx, int c, char *arg)
{
	options *o = ctx;
	switch (c) {
	case 'T':
		return tool_dev_option(prog, &o->dev, c, arg);
	case 'f':
		o->flags |= TCG_DEV_PLAY_FORCE;
		break;
	case 's':
		o->flags |= TCG_DEV_PLAY_STARTUP;
		break;
	}
	return 0;
}

static int run(void *ctx, int argc, char **argv)
{
	const options *o = ctx;
	const char *tcti, *path;
	uint8_t *data = NULL;
	tcg_log *log = NULL;
	tcg_dev *dev = NULL;
	tcg_dev_play_result res;
	tcg_err err;
	int status;

	if (argc != 1)
		return tool_usage_error(prog, "expects one LOG");
	path = argv[0];
	tcti = tool_dev_start(o->dev.tcti);
	tcg_err_clear(&err);

	if (tcg_log_load(path, &data, &log, &err))
		return tool_error(prog, path, &err);
	if (tcg_dev_open(tcti, &dev, &err)) {
		status = tool_error(prog, tcti, &err);
		goto out;
	}
	if (tcg_dev_play(dev, log, o->flags, &res, &err)) {
		status = tool_error(prog, path, &err);
		goto out;
	}
	if (res.started)
		fprintf(stderr, "%s: note: TPM2_Startup(CLEAR) sent at locality %d\n", prog,
		        res.startup_locality > 0 ? res.startup_locality : 0);
	for (size_t i = 0; i < res.num_log_only; i++)
		fprintf(stderr, "%s: note: the TPM has no %s bank: the log's %s digests are not played\n",
		        prog, alg_name(res.log_only[i]), alg_name(res.log_only[i]));
	for (size_t i = 0; i < res.num_banks; i++) {
		if (!res.bank[i].in_log)
			fprintf(stderr, "%s: note: the log carries no %s digests: the TPM's %s bank is "
			        "left as it was\n", prog, alg_name(res.bank[i].alg),
			        alg_name(res.bank[i].alg));
		if (res.bank[i].unplayed) {
			fprintf(stderr, "%s: note: %s PCRs ", prog, alg_name(res.bank[i].alg));
			print_pcrs(stderr, res.bank[i].unplayed);
			fprintf(stderr, " left unplayed: events without a %s digest (partial-digests)\n",
			        alg_name(res.bank[i].alg));
		}
	}
	if (res.forced) {
		fprintf(stderr, "%s: note: --force: PCRs ", prog);
		print_pcrs(stderr, res.forced);
		fprintf(stderr, " were not at their reset value\n");
	}

	printf("events: %zu\n", res.events);
	if (res.startup_locality >= 0)
		printf("startup-locality: %d\n", res.startup_locality);
	printf("banks:\n");
	for (size_t i = 0; i < res.num_banks; i++) {
		if (!res.bank[i].in_log)
			continue;
		printf("  %s:\n    played: ", alg_name(res.bank[i].alg));
		print_pcrs(stdout, res.bank[i].played);
		printf("\n    unplayed: ");
		print_pcrs(stdout, res.bank[i].unplayed);
		printf("\n");
	}
	status = fflush(stdout) || ferror(stdout) ? 3 : 0;
	if (status)
		fprintf(stderr, "%s: standard output: write error\n", prog);
out:
	tcg_dev_close(dev);
	tcg_log_free(log);
	free(data);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		TOOL_DEV_TCTI, {"force", no_argument, NULL, 'f'}, {"startup", no_argument, NULL, 's'},
		{NULL, 0, NULL, 0},
	};
	const tool_spec spec = {.name = prog, .usage = usage, .shortopts = "T:fs",
		.longopts = longopts, .option = option, .run = run};
	options o = {.dev = TOOL_DEV_OPTS_INIT};
	return tool_main(&spec, &o, argc, argv);
}
