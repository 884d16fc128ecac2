/* tpm-ekcert-verify: check an EK certificate's chain, TCG profile and key. */
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

typedef struct {
	tool_paths cas, untrusted;
	const char *ek_path;
	bool lenient, json;
} options;

static int option(void *ctx, int c, char *arg)
{
	options *o = ctx;
	switch (c) {
	case 'c':
		return tool_paths_add(prog, &o->cas, "--ca", arg);
	case 'u':
		return tool_paths_add(prog, &o->untrusted, "--untrusted", arg);
	case 'e':
		o->ek_path = arg;
		break;
	case 'l':
		o->lenient = true;
		break;
	}
	return 0;
}

static int run(void *ctx, int argc, char **argv)
{
	options *o = ctx;

	if (argc != 1)
		return tool_usage_error(prog, "expects exactly one CERT");
	/* The installed anchors, which only the operator (or tcglog-ek-roots, from
	 * fingerprinted vendor CAs) writes; an empty directory is refused. */
	if (!o->cas.n)
		o->cas.path[o->cas.n++] = TCGLOG_EK_ROOTS;

	const char *path = argv[0], *ek_path = o->ek_path;
	bool lenient = o->lenient, json = o->json;
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
	if ((status = tool_trust_load(prog, &o->cas, &o->untrusted, &trust)))
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
	return tool_flush_stdout(prog) ? 3 : status;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ca", required_argument, NULL, 'c' },  { "untrusted", required_argument, NULL, 'u' },
		{ "ek", required_argument, NULL, 'e' },  { "lenient", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	options o = { 0 };
	const tool_spec spec = { .name = prog, .usage = usage, .shortopts = "c:u:e:l",
		.longopts = longopts, .json = &o.json, .option = option, .run = run };
	return tool_main(&spec, &o, argc, argv);
}
