/* tpm-quote-verify: verify a TPM 2.0 quote against an AK, a nonce, and PCR values or a log. */
#include <openssl/crypto.h>
#include <string.h>

#include "tcglog/quote.h"
#include "tool.h"

static const char *prog = "tpm-quote-verify";

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: %s --ak FILE --msg FILE --sig FILE --nonce HEX (--pcrs FILE | --log FILE)\n"
	        "       [--pcr-list SELECTION] [--ak-unchecked-pem] [--allow-sha1] [--format FMT]\n"
	        "Verify a TPM 2.0 quote and print the verified attestation as YAML.\n"
	        "\n"
	        "  -u, --ak FILE     attestation key: TPM2B_PUBLIC (tpm2_createak -u); a PEM\n"
	        "                    public key only with --ak-unchecked-pem\n"
	        "  -m, --msg FILE    the TPMS_ATTEST (tpm2_quote -m)\n"
	        "  -s, --sig FILE    the TPMT_SIGNATURE (tpm2_quote -s)\n"
	        "  -n, --nonce HEX   the qualifying data the quote must carry\n"
	        "  -f, --pcrs FILE   PCR values: tpm2_quote -o file or tpm2_pcrread YAML; they\n"
	        "                    must cover exactly the quoted selection\n"
	        "  -l, --log FILE    an event log, replayed for the quoted selection instead;\n"
	        "                    the quote must cover a PCR the log extends\n"
	        "  -L, --pcr-list SELECTION  the selection the quote must have, in tpm2-tools'\n"
	        "                    syntax (sha256:0-7+sha1:0); another one is refused\n"
	        "      --ak-unchecked-pem  accept a PEM public key as the AK: it carries no TPM\n"
	        "                    attributes, so NOTHING shows it is a restricted, fixedTPM\n"
	        "                    key, and a quote signed by any signing key passes (the\n"
	        "                    output says ak: checks: not-run)\n"
	        "      --allow-sha1  accept SHA-1 for the AK's name, the signature and PCR banks\n"
	        "      --format FMT  yaml (the default) or json (one line)\n"
	        "  -h, --help        this text\n"
	        "  -V, --version     the version\n"
	        "\n"
	        "A quote over only the resettable PCRs 16 and 23 proves nothing and is refused.\n"
	        "\n"
	        "Exit status: 0 verified, 1 a check failed (the rule is named), 2 bad usage or\n"
	        "input that cannot be parsed, 3 a file could not be read.\n",
	        prog);
}

static tcg_rc read_small(const char *path, uint8_t **data, size_t *len, tcg_err *err)
{
	return tcg_read_file(path, 1u << 20, data, len, NULL, err);
}

typedef struct {
	const char *ak_path, *msg_path, *sig_path, *nonce_hex, *pcrs_path, *log_path, *pcr_list;
	tcg_quote_opts o;
	bool json;
} options;

enum { OPT_SHA1 = 256, OPT_UNCHECKED };

static int option(void *ctx, int c, char *arg)
{
	options *opt = ctx;
	switch (c) {
	case 'u': opt->ak_path = arg; break;
	case 'm': opt->msg_path = arg; break;
	case 's': opt->sig_path = arg; break;
	case 'n': opt->nonce_hex = arg; break;
	case 'f': opt->pcrs_path = arg; break;
	case 'l': opt->log_path = arg; break;
	case 'L': opt->pcr_list = arg; break;
	case OPT_SHA1: opt->o.allow_sha1 = true; break;
	case OPT_UNCHECKED: opt->o.ak_unchecked = true; break;
	}
	return 0;
}

static int run(void *ctx, int argc, char **argv)
{
	const options *opt = ctx;
	const char *ak_path = opt->ak_path, *msg_path = opt->msg_path, *sig_path = opt->sig_path;
	const char *nonce_hex = opt->nonce_hex, *pcrs_path = opt->pcrs_path;
	const char *log_path = opt->log_path, *pcr_list = opt->pcr_list;
	tcg_pcr_selection require;
	uint8_t nonce[64], *ak_data = NULL, *msg = NULL, *sig = NULL, *pcrs_data = NULL, *log_data = NULL;
	size_t nonce_len = 0, ak_len, msg_len, sig_len, pcrs_len;
	tcg_quote_opts o = opt->o;
	tcg_public *ak = NULL;
	tcg_log *log = NULL;
	tcg_pcr_values *pcrs = NULL;
	tcg_quote_result *r = NULL;
	const char *failed_file = NULL;
	bool json = opt->json;
	tcg_err err, werr;
	int status = 0;

	if (argc != 0)
		return tool_usage_error(prog, "unexpected argument");
	if (!ak_path || !msg_path || !sig_path)
		return tool_usage_error(prog, "--ak, --msg and --sig are required");
	if (!nonce_hex)
		return tool_usage_error(prog, "--nonce is required: a quote without a nonce proves nothing fresh");
	if (!tcg_hex_decode(nonce_hex, nonce, sizeof nonce, &nonce_len) || !nonce_len)
		return tool_usage_error(prog, "--nonce takes 1 to 64 bytes of hex");
	if (!pcrs_path == !log_path)
		return tool_usage_error(prog, "give exactly one of --pcrs and --log");
	if (pcr_list) {
		if (!tcg_pcr_selection_parse(pcr_list, &require))
			return tool_usage_error(prog, "--pcr-list takes a selection like sha256:0-7+sha1:0");
		o.require = &require;
	}

	tool_init_crypto();
	tcg_err_clear(&err);
	o.nonce = nonce;
	o.nonce_len = nonce_len;
	if (!(pcrs = calloc(1, sizeof *pcrs)) || !(r = calloc(1, sizeof *r))) {
		status = 3;
		goto out;
	}
	if (read_small(failed_file = ak_path, &ak_data, &ak_len, &err) ||
	    tcg_public_load(ak_data, ak_len, &ak, &err) ||
	    read_small(failed_file = msg_path, &msg, &msg_len, &err) ||
	    read_small(failed_file = sig_path, &sig, &sig_len, &err))
		goto fail;
	if (pcrs_path) {
		if (read_small(failed_file = pcrs_path, &pcrs_data, &pcrs_len, &err) ||
		    tcg_pcrs_parse(pcrs_data, pcrs_len, pcrs_path, pcrs, &err))
			goto fail;
		o.pcrs = pcrs;
	} else {
		if (tcg_log_load(failed_file = log_path, &log_data, &log, &err))
			goto fail;
		o.log = log;
	}
	/* What fails now is the quote: its attest, signature or PCR digest. */
	failed_file = msg_path;
	if (tcg_quote_verify(ak, msg, msg_len, sig, sig_len, &o, r, &err))
		goto fail;
	tcg_err_clear(&werr);
	if (tcg_quote_result_write(ak, r, log != NULL, tool_out_format(json), stdout, &werr))
		status = tool_error(prog, NULL, &werr);
	goto out;
fail:
	/* A refusal is a document too; the rule is also said on stderr. */
	tcg_err_clear(&werr);
	if (err.rc == TCG_E_MISMATCH &&
	    tcg_quote_refusal_write(&err, tool_out_format(json), stdout, &werr))
		tool_error(prog, NULL, &werr);
	status = tool_error(prog, failed_file, &err);
out:
	OPENSSL_cleanse(nonce, sizeof nonce);
	tcg_public_free(ak);
	tcg_log_free(log);
	free(ak_data);
	free(msg);
	free(sig);
	free(pcrs_data);
	free(log_data);
	free(pcrs);
	free(r);
	return tool_flush_stdout(prog) ? 3 : status;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ak", required_argument, NULL, 'u' },    { "msg", required_argument, NULL, 'm' },
		{ "sig", required_argument, NULL, 's' },   { "nonce", required_argument, NULL, 'n' },
		{ "pcrs", required_argument, NULL, 'f' },  { "log", required_argument, NULL, 'l' },
		{ "allow-sha1", no_argument, NULL, OPT_SHA1 },
		{ "pcr-list", required_argument, NULL, 'L' },
		{ "ak-unchecked-pem", no_argument, NULL, OPT_UNCHECKED },
		{ NULL, 0, NULL, 0 },
	};
	options o = { 0 };
	const tool_spec spec = { .name = prog, .usage = usage, .shortopts = "u:m:s:n:f:l:L:",
		.longopts = longopts, .json = &o.json, .option = option, .run = run };
	return tool_main(&spec, &o, argc, argv);
}
