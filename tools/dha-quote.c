/* dha-quote: answer the server's challenge -- a quote over the nonce, sent with
 * the EncBlob (the dha-signedblob message). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tcglog/device.h"
#include "tcglog/dha.h"
#include "tcglog/msg.h"
#include "tcglog/nonce.h"
#include "devtool.h"

static const char *prog = "dha-quote";

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: %s [--tcti TCTI] --nonce HEX [--encblob FILE] [--ak-handle H]\n"
	        "       [--pcr-list SEL]\n"
	        "Quote the PCRs with the AK over the server's nonce and write the\n"
	        "dha-signedblob message: device, nonce, quote and the EncBlob kept by\n"
	        "dha-activate.\n"
	        "\n"
	        "  -T, --tcti TCTI     the TPM (default: $TPM2TOOLS_TCTI, else %s)\n"
	        "  -n, --nonce HEX     the nonce from dha-nonce: 64 hex digits (required)\n"
	        "  -b, --encblob FILE  the plain dha-encblob message from dha-activate\n"
	        "                      (default: standard input)\n"
	        "  -a, --ak-handle H   the AK's persistent handle (default: 0x%08x)\n"
	        "  -p, --pcr-list SEL  PCRs to quote when the EncBlob names none (default:\n"
	        "                      %s); it must equal the EncBlob's\n"
	        "                      pcr-selection when that is present\n"
	        "  -h, --help          this text\n"
	        "  -V, --version       the version\n"
	        "\n"
	        "Exit status: 0 written, 2 bad usage, a malformed nonce (nonce-hex) or\n"
	        "message, the service's reply not yet activated (encblob-not-activated), a\n"
	        "--pcr-list other than the EncBlob's (pcr-selection), 3 the TPM or a file\n"
	        "failed (ak-missing: run dha-bootdata first).\n",
	        prog, TCG_DEV_DEFAULT_TCTI, TCG_DHA_DEFAULT_AK_HANDLE, TCG_DHA_DEFAULT_SELECTION);
}

typedef struct {
	tool_dev_opts dev;
	const char *nonce_hex, *path, *name, *sel_opt;
} options;

static int option(void *ctx, int c, char *arg)
{
	options *o = ctx;
	switch (c) {
	case 'n':
		o->nonce_hex = arg;
		break;
	case 'b':
		if (strcmp(arg, "-") != 0)
			o->path = o->name = arg;
		break;
	case 'p':
		o->sel_opt = arg;
		break;
	default:
		return tool_dev_option(prog, &o->dev, c, arg);
	}
	return 0;
}

static int run(void *ctx, int argc, char **argv)
{
	const options *o = ctx;
	static const tcg_msg_schema *const accept[] = {&tcg_msg_dha_encblob, NULL};
	const char *tcti = o->dev.tcti, *nonce_hex = o->nonce_hex, *path = o->path, *name = o->name;
	const char *sel_opt = o->sel_opt;
	uint32_t ak_handle = o->dev.ak_handle;
	uint8_t nonce[TCG_NONCE_SIZE], *data = NULL;
	size_t len = 0;
	unsigned quirks;
	tcg_msg m;
	tcg_msg_encblob eb;
	bool have_msg = false;
	tcg_pcr_selection sel;
	tcg_dev *dev = NULL;
	tcg_dev_quote_out *q = NULL;
	tool_msg_buf msg;
	FILE *out;
	tcg_err err;
	int status = 3;

	if (argc != 0)
		return tool_usage_error(prog, "takes no arguments (the EncBlob: --encblob FILE)");
	if (!nonce_hex)
		return tool_usage_error(prog, "--nonce HEX is required");
	tcti = tool_dev_start(tcti);
	tcg_err_clear(&err);
	if (tcg_nonce_from_hex(nonce_hex, nonce, &err))
		return tool_error(prog, "--nonce", &err);

	if (tcg_read_file(path, tcg_msg_dha_encblob.max_size, &data, &len, &quirks, &err)) {
		status = tool_error(prog, name, &err);
		goto out;
	}
	if (tcg_msg_parse(data, len, name, accept, &m, &err)) {
		status = tool_error(prog, name, &err);
		goto out;
	}
	have_msg = true;
	if (tcg_dev_encblob_plain(&m, &err) || tcg_msg_encblob_read(&m, &eb, &err) ||
	    tcg_dev_quote_selection(eb.pcr_selection, sel_opt, &sel, &err)) {
		status = tool_error(prog, name, &err);
		goto out;
	}
	if (!(q = malloc(sizeof *q))) {
		fprintf(stderr, "%s: out of memory\n", prog);
		goto out;
	}
	if (tcg_dev_open(tcti, &dev, &err) ||
	    tcg_dev_ak_load(dev, ak_handle, TCG_DEV_ALG_AUTO, false, NULL, &err) ||
	    tcg_dev_quote(dev, &sel, nonce, sizeof nonce, q, &err)) {
		status = tool_error(prog, tcti, &err);
		goto out;
	}

	if (!(out = tool_msg_open(prog, &msg)))
		goto out;
	tcg_msg_signedblob sb = {
		.device = eb.device,
		.nonce = {nonce, sizeof nonce},
		.attest = {q->attest, q->attest_len},
		.signature = {q->signature, q->signature_len},
		.encblob = eb.blob,
	};
	status = tool_msg_emit(prog, &msg, tcg_msg_signedblob_write(&sb, out, &err), &err);
out:
	free(q);
	tcg_dev_close(dev);
	if (have_msg)
		tcg_msg_free(&m);
	free(data);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		TOOL_DEV_TCTI, TOOL_DEV_AK_HANDLE,
		{"nonce", required_argument, NULL, 'n'}, {"encblob", required_argument, NULL, 'b'},
		{"pcr-list", required_argument, NULL, 'p'},
		{NULL, 0, NULL, 0},
	};
	options o = {.dev = TOOL_DEV_OPTS_INIT, .path = "-", .name = "<stdin>"};
	const tool_spec spec = {.name = prog, .usage = usage, .shortopts = "T:n:b:a:p:",
		.longopts = longopts, .option = option, .run = run};
	return tool_main(&spec, &o, argc, argv);
}
