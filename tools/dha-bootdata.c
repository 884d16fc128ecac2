/* dha-bootdata: the device's first DHA message -- log, EK, AK and a quote that
 * binds them. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcglog/device.h"
#include "tcglog/dha.h"
#include "tcglog/digest.h"
#include "tcglog/msg.h"
#include "tcglog/nonce.h"
#include "tool.h"

static const char *prog = "dha-bootdata";

#define DEFAULT_LOG "/sys/kernel/security/tpm0/binary_bios_measurements"
/* The dha-bootdata message's cap on the log field. */
#define LOG_CAP (3u << 20)

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
	        "  -p, --pcr-list SEL  PCRs to quote (default: %s)\n"
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
	        prog, TCG_DEV_DEFAULT_TCTI, DEFAULT_LOG, TCG_DHA_DEFAULT_SELECTION,
	        TCG_DHA_DEFAULT_AK_HANDLE);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"tcti", required_argument, NULL, 'T'},     {"device", required_argument, NULL, 'd'},
		{"log", required_argument, NULL, 'l'},      {"pcr-list", required_argument, NULL, 'p'},
		{"ek-alg", required_argument, NULL, 'e'},   {"ek-handle", required_argument, NULL, 'E'},
		{"ak-handle", required_argument, NULL, 'a'}, {"ak-alg", required_argument, NULL, 'A'},
		{"help", no_argument, NULL, 'h'},           {"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *tcti = NULL, *device = NULL, *log_path = DEFAULT_LOG;
	const char *sel_text = TCG_DHA_DEFAULT_SELECTION;
	char host[HOST_NAME_MAX + 1];
	tcg_dev_alg ek_alg = TCG_DEV_ALG_AUTO, ak_alg = TCG_DEV_ALG_AUTO;
	uint32_t ek_handle = 0, ak_handle = TCG_DHA_DEFAULT_AK_HANDLE;
	tcg_pcr_selection sel;
	uint8_t *log_data = NULL, binding[TCG_DHA_BINDING_SIZE];
	size_t log_len = 0;
	unsigned quirks = 0;
	tcg_log *log = NULL;
	tcg_dev *dev = NULL;
	tcg_dev_quote_out *q = NULL;
	char *text = NULL;
	size_t text_len = 0;
	FILE *mem = NULL;
	tcg_yaml *y;
	tcg_err err;
	int c, status = 3;

	while ((c = getopt_long(argc, argv, "T:d:l:p:e:E:a:A:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'T':
			tcti = optarg;
			break;
		case 'd':
			device = optarg;
			break;
		case 'l':
			log_path = optarg;
			break;
		case 'p':
			sel_text = optarg;
			break;
		case 'e':
			if (!tcg_dev_alg_parse(optarg, &ek_alg))
				return tool_usage_error(prog, "--ek-alg takes rsa or ecc");
			break;
		case 'E':
			if (!tcg_dev_handle_parse(optarg, &ek_handle))
				return tool_usage_error(prog, "--ek-handle takes a persistent handle "
				                              "(0x81000000-0x81ffffff)");
			break;
		case 'a':
			if (!tcg_dev_handle_parse(optarg, &ak_handle))
				return tool_usage_error(prog, "--ak-handle takes a persistent handle "
				                              "(0x81000000-0x81ffffff)");
			break;
		case 'A':
			if (!tcg_dev_alg_parse(optarg, &ak_alg))
				return tool_usage_error(prog, "--ak-alg takes rsa or ecc");
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			return tool_version(prog);
		default:
			return tool_usage_error(prog, "unknown option");
		}
	}
	if (optind != argc)
		return tool_usage_error(prog, "takes no arguments");
	if (!tcg_pcr_selection_parse(sel_text, &sel))
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
	if (!tcti)
		tcti = tcg_dev_default_tcti();
	setenv("TSS2_LOG", "all+NONE", 0);
	tool_init_crypto();
	tcg_err_clear(&err);
	if (tcg_nonce_check_device(device, &err))
		return tool_error(prog, NULL, &err);

	/* The log goes out as read; parsing it only catches the wrong file early. */
	if (tcg_read_file(log_path, LOG_CAP, &log_data, &log_len, &quirks, &err) ||
	    tcg_log_parse(log_data, log_len, quirks, &log, &err)) {
		status = tool_error(prog, log_path, &err);
		goto out;
	}
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

	/* The whole message in memory first: nothing reaches stdout unless complete. */
	if (!(mem = open_memstream(&text, &text_len)) || !(y = tcg_yaml_new(mem))) {
		fprintf(stderr, "%s: out of memory\n", prog);
		goto out;
	}
	tcg_msg_write_start(y, "dha-bootdata", 1);
	tcg_yaml_kv_cstr(y, "device", device);
	if (tcg_msg_kv_b64(y, "log", log_data, log_len, &err) ||
	    tcg_msg_kv_b64(y, "ek-public", ek_pub, ek_pub_len, &err) ||
	    tcg_msg_kv_b64(y, "ek-certificate", ek_cert, ek_cert_len, &err) ||
	    tcg_msg_kv_b64(y, "ak-public", ak_pub, ak_pub_len, &err)) {
		tcg_yaml_finish(y, NULL);
		status = tool_error(prog, NULL, &err);
		goto out;
	}
	tcg_yaml_key(y, "quote");
	tcg_yaml_map_start(y);
	if (tcg_msg_kv_b64(y, "attest", q->attest, q->attest_len, &err) ||
	    tcg_msg_kv_b64(y, "signature", q->signature, q->signature_len, &err)) {
		tcg_yaml_finish(y, NULL);
		status = tool_error(prog, NULL, &err);
		goto out;
	}
	tcg_yaml_key(y, "pcrs");
	tcg_msg_put_pcr_values(y, &q->pcrs);
	tcg_yaml_map_end(y);
	tcg_msg_write_end(y);
	if (tcg_yaml_finish(y, &err)) {
		status = tool_error(prog, NULL, &err);
		goto out;
	}
	if (fclose(mem) != 0) {
		mem = NULL;
		fprintf(stderr, "%s: out of memory\n", prog);
		goto out;
	}
	mem = NULL;
	if (tool_write_stdout(prog, text, text_len))
		goto out;
	status = 0;
out:
	if (mem)
		fclose(mem);
	free(text);
	free(q);
	tcg_dev_close(dev);
	tcg_log_free(log);
	free(log_data);
	return status;
}
