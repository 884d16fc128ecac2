/* dha-activate: recover the service's wrapping key with TPM2_ActivateCredential
 * and keep the plain EncBlob. */
#include <errno.h>
#include <getopt.h>
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

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"tcti", required_argument, NULL, 'T'},      {"ek-alg", required_argument, NULL, 'e'},
		{"ek-handle", required_argument, NULL, 'E'}, {"ak-handle", required_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},            {"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	static const tcg_msg_schema *const accept[] = {&tcg_msg_dha_encblob, NULL};
	const char *tcti = NULL, *path = "-", *name = "<stdin>";
	tcg_dev_alg ek_alg = TCG_DEV_ALG_AUTO;
	uint32_t ek_handle = 0, ak_handle = TCG_DHA_DEFAULT_AK_HANDLE;
	uint8_t *data = NULL, *cred = NULL, *secret = NULL, *wrapped = NULL, *key_id = NULL;
	uint8_t *encblob = NULL, key[64];
	size_t len = 0, cred_len, secret_len, wrapped_len, key_id_len, encblob_len = 0,
	       key_len = 0;
	unsigned quirks;
	const char *device, *selection;
	tcg_msg m;
	bool have_msg = false, ak_ok = false;
	tcg_err first;
	tcg_dev *dev = NULL;
	tool_msg_buf msg;
	tcg_yaml *y;
	tcg_err err;
	int c, status = 3;
	int st;

	tool_getopt_init(argv, prog);
	while ((c = getopt_long(argc, argv, "T:e:E:a:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'T':
			tcti = optarg;
			break;
		case 'e':
			if ((st = tool_dev_alg(prog, "--ek-alg", optarg, &ek_alg)))
				return st;
			break;
		case 'E':
			if ((st = tool_dev_handle(prog, "--ek-handle", optarg, &ek_handle)))
				return st;
			break;
		case 'a':
			if ((st = tool_dev_handle(prog, "--ak-handle", optarg, &ak_handle)))
				return st;
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
	if (argc - optind > 1)
		return tool_usage_error(prog, "takes at most one FILE");
	if (optind < argc && strcmp(argv[optind], "-") != 0)
		path = name = argv[optind];
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
	device = tcg_msg_str(&m, "device", NULL);
	selection = tcg_msg_str(&m, "pcr-selection", NULL);
	if (tcg_msg_b64(&m, "credential", &cred, &cred_len, &err) ||
	    tcg_msg_b64(&m, "secret", &secret, &secret_len, &err) ||
	    tcg_msg_b64(&m, "blob", &wrapped, &wrapped_len, &err) ||
	    tcg_msg_b64(&m, "key-id", &key_id, &key_id_len, &err)) {
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
	if (tcg_dev_activate(dev, cred, cred_len, secret, secret_len, key, sizeof key, &key_len,
	                     &err)) {
		status = tool_error(prog, name, &err);
		goto out;
	}
	if (tcg_dha_unwrap(wrapped, wrapped_len, device, key, key_len, &encblob, &encblob_len,
	                   &err) ||
	    tcg_blob_check_key_id(encblob, encblob_len, key_id, key_id_len, &err)) {
		status = tool_error(prog, name, &err);
		goto out;
	}

	if (!(y = tool_msg_open(prog, &msg)))
		goto out;
	tcg_msg_write_start(y, "dha-encblob", 1);
	tcg_yaml_kv_cstr(y, "device", device);
	tcg_rc wrc = TCG_OK;
	if (tcg_msg_kv_b64(y, "key-id", key_id, key_id_len, &err) ||
	    tcg_msg_kv_b64(y, "blob", encblob, encblob_len, &err))
		wrc = err.rc;
	if (selection)
		tcg_yaml_kv_cstr(y, "pcr-selection", selection);
	tcg_msg_write_end(y);
	status = tool_msg_emit(prog, &msg, y, wrc, &err);
out:
	OPENSSL_cleanse(key, sizeof key);
	tcg_dev_close(dev);
	free(cred);
	free(secret);
	free(wrapped);
	free(key_id);
	free(encblob);
	if (have_msg)
		tcg_msg_free(&m);
	free(data);
	return status;
}
