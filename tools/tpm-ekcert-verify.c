/* tpm-ekcert-verify: check an EK certificate's chain, TCG profile and key. */
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tcglog/ekcert.h"
#include "tcglog/tpm.h"
#include "tool.h"

static const char *prog = "tpm-ekcert-verify";

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: %s [--ca FILE|DIR] [OPTIONS] CERT\n"
	        "Check an EK certificate (CERT, or - for standard input; DER or PEM, as read\n"
	        "from the TPM's NV index): its chain to the trust anchors, the TCG EK\n"
	        "credential profile, and with --ek that its key is the EK's. Prints YAML\n"
	        "(or JSON).\n"
	        "\n"
	        "  -c, --ca FILE|DIR       trust anchors: PEM or DER certificates, or a directory\n"
	        "                          of them; may be repeated (64 times); without it,\n"
	        "                          the directory tcglog-ek-roots fills:\n"
	        "                          %s\n"
	        "  -u, --untrusted FILE    intermediate certificates (PEM or DER); may be\n"
	        "                          repeated (64 times)\n"
	        "  -e, --ek FILE           the EK public area (TPM2B_PUBLIC, as tpm2_createek -u\n"
	        "                          writes it) or a PEM public key\n"
	        "  -l, --lenient           profile findings are warnings, not refusals\n"
	        "      --format FMT        yaml (the default) or json (one line)\n"
	        "  -h, --help              this text\n"
	        "  -V, --version           the version\n"
	        "\n"
	        "Accepted and reported NV quirks: nv-padding (0x00 or 0xFF bytes after the\n"
	        "certificate), nv-header (the TPM 1.2 header 10 01 00 LEN before it).\n"
	        "\n"
	        "Exit status: 0 verified, 1 a check failed (the rule is named), 2 bad usage\n"
	        "or input that cannot be parsed, 3 a file could not be read.\n",
	        prog, TCGLOG_EK_ROOTS);
}

#define MAX_FILES 64

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ca", required_argument, NULL, 'c' },  { "untrusted", required_argument, NULL, 'u' },
		{ "ek", required_argument, NULL, 'e' },  { "lenient", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },      { "version", no_argument, NULL, 'V' },
		{ "format", required_argument, NULL, 'F' }, { NULL, 0, NULL, 0 },
	};
	const char *cas[MAX_FILES], *untrusted[MAX_FILES], *ek_path = NULL;
	size_t ncas = 0, nuntrusted = 0;
	bool lenient = false, json = false;
	int c;

	tool_getopt_init(argv, prog);
	while ((c = getopt_long(argc, argv, "c:u:e:lhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (ncas == MAX_FILES)
				return tool_usage_error(prog, "too many --ca options");
			cas[ncas++] = optarg;
			break;
		case 'u':
			if (nuntrusted == MAX_FILES)
				return tool_usage_error(prog, "too many --untrusted options");
			untrusted[nuntrusted++] = optarg;
			break;
		case 'e':
			ek_path = optarg;
			break;
		case 'l':
			lenient = true;
			break;
		case 'F':
			if ((c = tool_format(prog, optarg, &json)))
				return c;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			return tool_version(prog);
		default:
			return tool_option_error(prog);
		}
	}
	if (optind != argc - 1)
		return tool_usage_error(prog, "expects exactly one CERT");
	/* The installed anchors, which only the operator (or tcglog-ek-roots, from
	 * fingerprinted vendor CAs) writes; an empty directory is refused. */
	if (!ncas)
		cas[ncas++] = TCGLOG_EK_ROOTS;

	const char *path = argv[optind];
	tcg_ekcert_trust *trust = NULL;
	tcg_ekcert *cert = NULL;
	tcg_public *ek = NULL;
	tcg_ekcert_result *res = calloc(1, sizeof *res);
	uint8_t *data = NULL;
	size_t len;
	tcg_err err;
	int status = 0;

	tool_init_crypto();
	tcg_err_clear(&err);
	if (!res) {
		fprintf(stderr, "%s: out of memory\n", prog);
		status = 3;
		goto out;
	}
	if ((status = tool_trust_load(prog, cas, ncas, untrusted, nuntrusted, &trust)))
		goto out;
	if (ek_path) {
		if (tcg_read_file(ek_path, 1u << 16, &data, &len, NULL, &err) ||
		    tcg_public_load(data, len, &ek, &err)) {
			status = tool_error(prog, ek_path, &err);
			goto out;
		}
		free(data);
		data = NULL;
	}
	if (tcg_read_file(path, TCG_EKCERT_MAX_SIZE, &data, &len, NULL, &err) ||
	    tcg_ekcert_parse(data, len, &cert, &err)) {
		status = tool_error(prog, path, &err);
		goto out;
	}
	unsigned flags = lenient ? TCG_EKCERT_LENIENT : 0;
	tcg_rc rc = tcg_ekcert_verify(cert, trust, ek, flags, 0, res, &err);
	if (rc && rc != TCG_E_MISMATCH) {
		status = tool_error(prog, path, &err);
		goto out;
	}
	tcg_err werr;
	tcg_err_clear(&werr);
	tcg_rc wrc = tcg_ekcert_result_write(cert, res, flags, tool_out_format(json), stdout, &werr);
	size_t kept = res->num_findings < TCG_EKCERT_MAX_FINDINGS ? res->num_findings
	                                                          : TCG_EKCERT_MAX_FINDINGS;
	for (size_t i = 0; i < kept; i++)
		fprintf(stderr, "%s: %s: %s%s: %s\n", prog, path,
		        res->finding[i].warning ? "warning: " : "", res->finding[i].rule,
		        res->finding[i].msg);
	status = wrc ? tool_error(prog, NULL, &werr) : rc ? 1 : 0;
out:
	tcg_ekcert_free(cert);
	tcg_public_free(ek);
	tcg_ekcert_trust_free(trust);
	free(data);
	free(res);
	if (fflush(stdout) != 0) {
		perror(prog);
		return 3;
	}
	return status;
}
