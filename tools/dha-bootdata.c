/* dha-bootdata: the device's first DHA message -- log, EK, AK and a quote that
 * binds them. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcglog/device.h"
#include "tcglog/dha.h"
#include "tcglog/digest.h"
#include "tcglog/msg.h"
#include "tcglog/nonce.h"
#include "devtool.h"

static const char *prog = "dha-bootdata";

#define DEFAULT_LOG "/sys/kernel/security/tpm0/binary_bios_measurements"

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: %s [--tcti TCTI] [--device NAME] [--log FILE] [--pcr-list SEL]\n"
	        "       [--ek-alg rsa|ecc] [--ek-handle H] [--ak-handle H] [--ak-alg rsa|ecc]\n"
	        "Write the dha-bootdata message: the device name, the event log, the EK\n"
	        "public area and certificate (from the TPM's NV), the AK public area, and a\n"
	        "quote over SEL whose qualifying data binds all of them. The AK is created\n"
	        "under the EK on first use and kept at the AK handle.\n"
	        "\n"
	        "  -T, --tcti TCTI     the TPM (default: $TPM2TOOLS_TCTI, else %s)\n"
	        "  -d, --device NAME   device name, 1-255 printable ASCII (default: host name)\n"
	        "  -l, --log FILE      event log (default: %s)\n"
	        "  -p, --pcr-list SEL  PCRs to quote (default: what the service requires by\n"
	        "                      default for the log's profile: Windows\n"
	        "                      %s,\n"
	        "                      UEFI Linux %s)\n"
	        "  -e, --ek-alg ALG    EK certificate and EK: rsa or ecc (default: rsa when the\n"
	        "                      TPM has an RSA EK certificate, else ecc)\n"
	        "  -E, --ek-handle H   the EK's persistent handle (default: the persistent\n"
	        "                      key matching the certificate, else made from the TCG\n"
	        "                      template)\n"
	        "  -a, --ak-handle H   the AK's persistent handle (default: 0x%08x)\n"
	        "  -A, --ak-alg ALG    the AK to create: rsa (RSA-2048, RSASSA-SHA256; default)\n"
	        "                      or ecc (P-256, ECDSA-SHA256)\n"
	        "  -h, --help          this text\n"
	        "  -V, --version       the version\n"
	        "\n"
	        "Exit status: 0 written, 1 refused (ekcert-key-mismatch, ak-handle-occupied,\n"
	        "ak-alg-mismatch, ak-parent), 2 bad usage or a log that cannot be parsed,\n"
	        "3 the TPM or a file failed.\n",
	        prog, TCG_DEV_DEFAULT_TCTI, DEFAULT_LOG, TCG_DHA_REQUIRE_WINDOWS,
	        TCG_DHA_REQUIRE_LINUX,
	        TCG_DHA_DEFAULT_AK_HANDLE);
}

typedef struct {
	tool_dev_opts dev;
	const char *device, *log_path, *sel_text;
} options;

static int option(void *ctx, int c, char *arg)
{
	options *o = ctx;
	switch (c) {
	case 'd':
		o->device = arg;
		break;
	case 'l':
		o->log_path = arg;
		break;
	case 'p':
		o->sel_text = arg;
		break;
	default:
		return tool_dev_option(prog, &o->dev, c, arg);
	}
	return 0;
}

static int run(void *ctx, int argc, char **argv)
{
	const options *o = ctx;
	const char *tcti = o->dev.tcti, *device = o->device, *log_path = o->log_path;
	const char *sel_text = o->sel_text;
	tcg_dev_alg ek_alg = o->dev.ek_alg, ak_alg = o->dev.ak_alg;
	uint32_t ek_handle = o->dev.ek_handle, ak_handle = o->dev.ak_handle;
	char host[HOST_NAME_MAX + 1];
	tcg_pcr_selection sel;
	uint8_t *log_data = NULL, binding[TCG_DHA_BINDING_SIZE];
	size_t log_len = 0;
	unsigned quirks = 0;
	tcg_log *log = NULL;
	tcg_dev *dev = NULL;
	tcg_dev_quote_out *q = NULL;
	tool_msg_buf msg;
	FILE *out;
	tcg_err err;
	int status = 3;

	if (argc != 0)
		return tool_usage_error(prog, "takes no arguments");
	if (sel_text && !tcg_pcr_selection_parse(sel_text, &sel))
		return tool_usage_error(prog, "--pcr-list takes a PCR selection like "
		                              "\"sha256:0,1,2,3,4,5,6,7\"");
	if (!device) {
		if (gethostname(host, sizeof host) != 0) {
			fprintf(stderr, "%s: gethostname: %s\n", prog, strerror(errno));
			return 3;
		}
		host[sizeof host - 1] = '\0';
		device = host;
	}
	tcti = tool_dev_start(tcti);
	tcg_err_clear(&err);
	if (tcg_nonce_check_device(device, &err))
		return tool_error(prog, NULL, &err);

	/* The log goes out as read; parsing it only catches the wrong file early. */
	if (tcg_read_file(log_path, TCG_MSG_LOG_MAX, &log_data, &log_len, &quirks, &err) ||
	    tcg_log_parse(log_data, log_len, quirks, &log, &err)) {
		status = tool_error(prog, log_path, &err);
		goto out;
	}
	/* The service decides what must be quoted: by default, what it requires. */
	if (!sel_text)
		tcg_dha_required_selection(NULL, tcg_claims_log_profile(log), &sel);
	if (!(q = malloc(sizeof *q))) {
		fprintf(stderr, "%s: out of memory\n", prog);
		goto out;
	}
	if (tcg_dev_open(tcti, &dev, &err)) {
		status = tool_error(prog, tcti, &err);
		goto out;
	}
	size_t ek_pub_len, ek_cert_len, ak_pub_len;
	const uint8_t *ek_pub, *ek_cert, *ak_pub;
	if (tcg_dev_ek_load(dev, ek_alg, ek_handle, &err) ||
	    tcg_dev_ak_load(dev, ak_handle, ak_alg, true, NULL, &err)) {
		status = tool_error(prog, tcti, &err);
		goto out;
	}
	ek_pub = tcg_dev_ek_public(dev, &ek_pub_len);
	ek_cert = tcg_dev_ek_cert(dev, &ek_cert_len);
	ak_pub = tcg_dev_ak_public(dev, &ak_pub_len);
	if (tcg_dha_bootdata_binding(device, log_data, log_len, ek_pub, ek_pub_len, ek_cert,
	                             ek_cert_len, ak_pub, ak_pub_len, binding, &err) ||
	    tcg_dev_quote(dev, &sel, binding, sizeof binding, q, &err)) {
		status = tool_error(prog, tcti, &err);
		goto out;
	}

	if (!(out = tool_msg_open(prog, &msg)))
		goto out;
	tcg_msg_bootdata bd = {
		.device = device,
		.log = {log_data, log_len},
		.ek_public = {ek_pub, ek_pub_len},
		.ek_certificate = {ek_cert, ek_cert_len},
		.ak_public = {ak_pub, ak_pub_len},
		.attest = {q->attest, q->attest_len},
		.signature = {q->signature, q->signature_len},
		.pcrs = q->pcrs,
	};
	status = tool_msg_emit(prog, &msg, tcg_msg_bootdata_write(&bd, out, &err), &err);
out:
	free(q);
	tcg_dev_close(dev);
	tcg_log_free(log);
	free(log_data);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		TOOL_DEV_TCTI, TOOL_DEV_EK_ALG, TOOL_DEV_EK_HANDLE, TOOL_DEV_AK_HANDLE, TOOL_DEV_AK_ALG,
		{"device", required_argument, NULL, 'd'}, {"log", required_argument, NULL, 'l'},
		{"pcr-list", required_argument, NULL, 'p'},
		{NULL, 0, NULL, 0},
	};
	options o = {.dev = TOOL_DEV_OPTS_INIT, .log_path = DEFAULT_LOG};
	const tool_spec spec = {.name = prog, .usage = usage, .shortopts = "T:d:l:p:e:E:a:A:",
		.longopts = longopts, .option = option, .run = run};
	return tool_main(&spec, &o, argc, argv);
}
