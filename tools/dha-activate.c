/* dha-activate: recover the service's wrapping key with TPM2_ActivateCredential
 * and keep the plain EncBlob. */
#include <errno.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "tcglog/blob.h"
#include "tcglog/device.h"
#include "tcglog/dha.h"
#include "tcglog/msg.h"
#include "devtool.h"

static const char *prog = "dha-activate";

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: %s [--tcti TCTI] [--ek-alg rsa|ecc] [--ek-handle H] [--ak-handle H]\n"
	        "       [FILE]\n"
	        "Read the service's dha-encblob reply (FILE, or standard input), recover its\n"
	        "wrapping key with TPM2_ActivateCredential (the EK and the AK of\n"
	        "dha-bootdata), unwrap the EncBlob and write the plain dha-encblob message\n"
	        "(device, key-id, blob, pcr-selection) for dha-quote.\n"
	        "\n"
	        "  -T, --tcti TCTI     the TPM (default: $TPM2TOOLS_TCTI, else %s)\n"
	        "  -e, --ek-alg ALG    the EK: rsa or ecc, as for dha-bootdata (default: the\n"
	        "                      one the AK was created under, RSA tried first)\n"
	        "  -E, --ek-handle H   the EK's persistent handle, as for dha-bootdata\n"
	        "  -a, --ak-handle H   the AK's persistent handle (default: 0x%08x)\n"
	        "  -h, --help          this text\n"
	        "  -V, --version       the version\n"
	        "\n"
	        "Exit status: 0 written, 1 refused (credential-activate: the reply is not for\n"
	        "this TPM's EK and AK; blob-auth: not for this device; encblob-key-id: its\n"
	        "key-id is not the service key the EncBlob is sealed under), 2 bad usage or a\n"
	        "malformed message (msg-missing-key without credential or secret; blob-format:\n"
	        "what it wraps is not an EncBlob), 3 the TPM or a file failed.\n",
	        prog, TCG_DEV_DEFAULT_TCTI, TCG_DHA_DEFAULT_AK_HANDLE);
}

static int option(void *ctx, int c, char *arg)
{
	return tool_dev_option(prog, ctx, c, arg);
}

static int run(void *ctx, int argc, char **argv)
{
	const tool_dev_opts *o = ctx;
	static const tcg_msg_schema *const accept[] = {&tcg_msg_dha_encblob, NULL};
	const char *tcti = o->tcti, *path = "-", *name = "<stdin>";
	tcg_dev_alg ek_alg = o->ek_alg;
	uint32_t ek_handle = o->ek_handle, ak_handle = o->ak_handle;
	uint8_t *data = NULL, *encblob = NULL, key[64];
	size_t len = 0, encblob_len = 0, key_len = 0;
	unsigned quirks;
	tcg_msg m;
	tcg_msg_encblob reply;
	bool have_msg = false, ak_ok = false;
	tcg_err first;
	tcg_dev *dev = NULL;
	tool_msg_buf msg;
	FILE *out;
	tcg_err err;
	int status = 3;

	if (argc > 1)
		return tool_usage_error(prog, "takes at most one FILE");
	if (argc && strcmp(argv[0], "-") != 0)
		path = name = argv[0];
	tcti = tool_dev_start(tcti);
	tcg_err_clear(&err);

	if (tcg_read_file(path, tcg_msg_dha_encblob.max_size, &data, &len, &quirks, &err)) {
		status = tool_error(prog, name, &err);
		goto out;
	}
	if (tcg_msg_parse(data, len, name, accept, &m, &err)) {
		status = tool_error(prog, name, &err);
		goto out;
	}
	have_msg = true;
	if (tcg_msg_encblob_read(&m, &reply, &err) || tcg_msg_require(&m, "credential", &err) ||
	    tcg_msg_require(&m, "secret", &err)) {
		status = tool_error(prog, name, &err);
		goto out;
	}

	/* Without --ek-alg: the EK the AK was created under (RSA tried first). */
	for (int i = 0; i < 2; i++) {
		tcg_dev_alg alg = ek_alg == TCG_DEV_ALG_AUTO && i == 1 ? TCG_DEV_ALG_ECC : ek_alg;
		if (tcg_dev_open(tcti, &dev, &err)) {
			status = tool_error(prog, tcti, &err);
			goto out;
		}
		if (tcg_dev_ek_load(dev, alg, ek_handle, &err)) {
			if (i == 1)
				err = first;
			status = tool_error(prog, tcti, &err);
			goto out;
		}
		if (!tcg_dev_ak_load(dev, ak_handle, TCG_DEV_ALG_AUTO, false, NULL, &err)) {
			ak_ok = true;
			break;
		}
		if (i == 1 || ek_alg != TCG_DEV_ALG_AUTO || ek_handle ||
		    tcg_dev_ak_last(dev) != TCG_DEV_AK_OTHER_PARENT)
			break;
		first = err;
		tcg_dev_close(dev);
		dev = NULL;
	}
	if (!ak_ok) {
		/* Without our AK no credential made for one can be activated here. */
		if (tcg_dev_ak_last(dev) == TCG_DEV_AK_MISSING)
			tcg_err_set(&err, TCG_E_MISMATCH, "credential-activate", TCG_NO_OFFSET,
			            TCG_NO_EVENT, "no AK at handle 0x%08x: the reply is not for this TPM",
			            ak_handle);
		status = tool_error(prog, tcti, &err);
		goto out;
	}
	if (tcg_dev_activate(dev, reply.credential.p, reply.credential.len, reply.secret.p,
	                     reply.secret.len, key, sizeof key, &key_len, &err)) {
		status = tool_error(prog, name, &err);
		goto out;
	}
	if (tcg_dha_unwrap(reply.blob.p, reply.blob.len, reply.device, key, key_len, &encblob,
	                   &encblob_len, &err) ||
	    tcg_blob_check_key_id(encblob, encblob_len, reply.key_id.p, reply.key_id.len, &err)) {
		status = tool_error(prog, name, &err);
		goto out;
	}

	if (!(out = tool_msg_open(prog, &msg)))
		goto out;
	/* the plain EncBlob dha-quote sends: no credential, no secret */
	tcg_msg_encblob plain = {.device = reply.device, .key_id = reply.key_id,
	                         .blob = {encblob, encblob_len},
	                         .pcr_selection = reply.pcr_selection};
	status = tool_msg_emit(prog, &msg, tcg_msg_encblob_write(&plain, out, &err), &err);
out:
	OPENSSL_cleanse(key, sizeof key);
	tcg_dev_close(dev);
	free(encblob);
	if (have_msg)
		tcg_msg_free(&m);
	free(data);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		TOOL_DEV_TCTI, TOOL_DEV_EK_ALG, TOOL_DEV_EK_HANDLE, TOOL_DEV_AK_HANDLE,
		{NULL, 0, NULL, 0},
	};
	const tool_spec spec = {.name = prog, .usage = usage, .shortopts = "T:e:E:a:",
		.longopts = longopts, .option = option, .run = run};
	tool_dev_opts o = TOOL_DEV_OPTS_INIT;
	return tool_main(&spec, &o, argc, argv);
}
