/*
 * Test-only stand-in for the service's reply (not installed):
 *   mkreply (--bootdata FILE | --ek EK.pub --ak AK.pub --device NAME) --blob FILE
 *           [--pcr-selection SEL] [--key-out FILE]
 *       wraps the blob for the device (tcg_dha_wrap), sends the wrapping key
 *       to the EK for the AK's name (tcg_make_credential) and writes the
 *       dha-encblob reply. --key-out writes the wrapping key (tests only: it
 *       lets tpm2_makecredential make a credential for the same key).
 *   mkreply --replace-credential FILE < REPLY
 *       the reply with credential and secret taken from a tpm2_makecredential
 *       file instead.
 * Exit status as the tools: 0, 1 a check refused, 2 bad usage or input, 3 environment.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tcglog/blob.h"
#include "tcglog/credential.h"
#include "tcglog/dha.h"
#include "tcglog/log.h"
#include "tcglog/msg.h"
#include "tcglog/tpm.h"

static int fail(const tcg_err *err)
{
	char msg[512];
	tcg_err_format(err, msg, sizeof msg);
	fprintf(stderr, "mkreply: %s\n", msg);
	return tcg_exit_status(err->rc);
}

static int load(const char *path, uint8_t **data, size_t *len, tcg_err *err)
{
	unsigned q;
	return tcg_read_file(path, 4u << 20, data, len, &q, err) ? fail(err) : 0;
}

static int write_reply(const char *device, const uint8_t *key_id, const uint8_t *blob,
                       size_t blob_len, const tcg_credential *cred, const char *sel,
                       tcg_err *err)
{
	tcg_msg_encblob reply = {
		.device = device,
		.key_id = {key_id, TCG_SERVICE_KEY_ID_SIZE},
		.blob = {blob, blob_len},
		.credential = {cred->id_object, cred->id_object_len},
		.secret = {cred->secret, cred->secret_len},
		.pcr_selection = sel,
	};
	return tcg_msg_encblob_write(&reply, stdout, err) ? fail(err) : 0;
}

static int replace_credential(const char *path, tcg_err *err)
{
	static const tcg_msg_schema *const accept[] = {&tcg_msg_dha_encblob, NULL};
	uint8_t *file = NULL, *in = NULL;
	size_t file_len, in_len;
	tcg_credential cred;
	tcg_msg_encblob reply;
	tcg_msg m;
	int rc;
	if ((rc = load(path, &file, &file_len, err)) || (rc = load("-", &in, &in_len, err)))
		return rc;
	if (tcg_credential_read(file, file_len, &cred, err) ||
	    tcg_msg_parse(in, in_len, "standard input", accept, &m, err))
		return fail(err);
	if (tcg_msg_encblob_read(&m, &reply, err))
		return fail(err);
	rc = write_reply(reply.device, reply.key_id.p, reply.blob.p, reply.blob.len, &cred,
	                 reply.pcr_selection, err);
	tcg_msg_free(&m);
	free(in);
	free(file);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"bootdata", required_argument, NULL, 'b'}, {"ek", required_argument, NULL, 'e'},
		{"ak", required_argument, NULL, 'a'},       {"device", required_argument, NULL, 'd'},
		{"blob", required_argument, NULL, 'B'},     {"pcr-selection", required_argument, NULL, 's'},
		{"key-out", required_argument, NULL, 'k'},
		{"replace-credential", required_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	static const tcg_msg_schema *const accept[] = {&tcg_msg_dha_bootdata, NULL};
	const char *bootdata = NULL, *ek_path = NULL, *ak_path = NULL, *device = NULL;
	const char *blob_path = NULL, *sel = NULL, *key_out = NULL;
	uint8_t *ek_data = NULL, *ak_data = NULL, *plain = NULL, *wrapped = NULL, *bd = NULL;
	size_t ek_len = 0, ak_len = 0, plain_len, wrapped_len, bd_len;
	uint8_t key[TCG_DHA_WRAP_KEY_SIZE], name[TCG_MAX_NAME], key_id[TCG_SERVICE_KEY_ID_SIZE];
	size_t name_len;
	tcg_public *ek = NULL, *ak = NULL;
	tcg_credential cred;
	tcg_msg m;
	tcg_err err;
	int c, rc;

	tcg_err_clear(&err);
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': bootdata = optarg; break;
		case 'e': ek_path = optarg; break;
		case 'a': ak_path = optarg; break;
		case 'd': device = optarg; break;
		case 'B': blob_path = optarg; break;
		case 's': sel = optarg; break;
		case 'k': key_out = optarg; break;
		case 'r': return replace_credential(optarg, &err);
		default: return 2;
		}
	}
	if (!blob_path || (!bootdata && (!ek_path || !ak_path || !device))) {
		fprintf(stderr, "mkreply: needs --blob and --bootdata or --ek, --ak, --device\n");
		return 2;
	}
	if (bootdata) {
		if ((rc = load(bootdata, &bd, &bd_len, &err)))
			return rc;
		if (tcg_msg_parse(bd, bd_len, bootdata, accept, &m, &err)) {
			free(bd);
			return fail(&err);
		}
		if (tcg_msg_b64(&m, "ek-public", &ek_data, &ek_len, &err) ||
		    tcg_msg_b64(&m, "ak-public", &ak_data, &ak_len, &err)) {
			tcg_msg_free(&m);
			free(bd);
			return fail(&err);
		}
		device = tcg_msg_str(&m, "device", NULL);
	} else if ((rc = load(ek_path, &ek_data, &ek_len, &err)) ||
	           (rc = load(ak_path, &ak_data, &ak_len, &err))) {
		return rc;
	}
	if ((rc = load(blob_path, &plain, &plain_len, &err)))
		return rc;
	if (tcg_public_parse(ek_data, ek_len, &ek, &err) ||
	    tcg_public_parse(ak_data, ak_len, &ak, &err) ||
	    tcg_public_name(ak, name, &name_len, &err) ||
	    tcg_dha_wrap(plain, plain_len, device, key, &wrapped, &wrapped_len, &err) ||
	    tcg_make_credential(ek, name, name_len, key, sizeof key, &cred, &err))
		return fail(&err);
	/* The EncBlob's own key id when it is one, else zeros (any test blob). */
	if (tcg_blob_key_id(plain, plain_len, key_id, NULL))
		memset(key_id, 0, sizeof key_id);
	if (key_out) {
		FILE *f = fopen(key_out, "wb");
		if (!f || fwrite(key, 1, sizeof key, f) != sizeof key || fclose(f))
			return 3;
	}
	OPENSSL_cleanse(key, sizeof key);
	rc = write_reply(device, key_id, wrapped, wrapped_len, &cred, sel, &err);
	tcg_public_free(ek);
	tcg_public_free(ak);
	free(ek_data);
	free(ak_data);
	free(plain);
	free(wrapped);
	if (bootdata) {
		tcg_msg_free(&m);
		free(bd);
	}
	return rc;
}
