/*
 * Test-only driver for tcg_make_credential (not installed):
 *   makecred --ek EK.pub (--name HEX | --name-file FILE | --ak AK.pub) --secret FILE -o OUT
 *       writes the file tpm2_activatecredential -i reads
 *   makecred --inspect FILE
 *       reads such a file strictly (ours or tpm2_makecredential's) and prints its layout
 * Exit status as the tools: 0, 1 a check refused, 2 bad usage or input, 3 environment.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tcglog/credential.h"
#include "tcglog/tpm.h"

#define MAX_FILE 65536

static int fail(const tcg_err *err)
{
	char msg[512];
	tcg_err_format(err, msg, sizeof msg);
	fprintf(stderr, "makecred: %s\n", msg);
	return tcg_exit_status(err->rc);
}

static int read_file(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 3;
	}
	*len = fread(buf, 1, cap, f);
	if (ferror(f) || !feof(f)) {
		fprintf(stderr, "makecred: %s: unreadable or over %zu bytes\n", path, cap - 1);
		fclose(f);
		return 2;
	}
	fclose(f);
	return 0;
}

static int hex_name(const char *s, uint8_t *out, size_t *len)
{
	size_t n = strlen(s);
	if (n % 2 || n / 2 > TCG_MAX_NAME)
		return 2;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return 2;
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return 0;
}

static int load_public(const char *path, tcg_public **p, tcg_err *err)
{
	static uint8_t buf[MAX_FILE];
	size_t len;
	int rc = read_file(path, buf, sizeof buf, &len);
	if (rc)
		return rc;
	if (tcg_public_load(buf, len, p, err))
		return fail(err);
	return 0;
}

static int inspect(const char *path)
{
	static uint8_t buf[MAX_FILE];
	tcg_credential c;
	tcg_err err;
	size_t len;
	int rc = read_file(path, buf, sizeof buf, &len);
	if (rc)
		return rc;
	tcg_err_clear(&err);
	if (tcg_credential_read(buf, len, &c, &err))
		return fail(&err);
	/* id_object: size(2) integrityHMAC size(2) HMAC encIdentity */
	unsigned hmac = (unsigned)(c.id_object[2] << 8 | c.id_object[3]);
	printf("file %zu\nid_object %zu\nintegrity_hmac %u\nenc_identity %zu\nencrypted_secret %zu\n",
	       len, c.id_object_len - 2, hmac, c.id_object_len - 4 - hmac, c.secret_len - 2);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ek", required_argument, NULL, 'e' },     { "name", required_argument, NULL, 'n' },
		{ "name-file", required_argument, NULL, 'N' }, { "ak", required_argument, NULL, 'a' },
		{ "secret", required_argument, NULL, 's' }, { "out", required_argument, NULL, 'o' },
		{ "inspect", required_argument, NULL, 'i' }, { NULL, 0, NULL, 0 },
	};
	const char *ek_path = NULL, *name_hex = NULL, *name_file = NULL, *ak_path = NULL;
	const char *secret_path = NULL, *out_path = NULL;
	static uint8_t secret[MAX_FILE], file[TCG_CREDENTIAL_FILE_MAX];
	uint8_t name[TCG_MAX_NAME + 1];
	size_t name_len = 0, secret_len = 0, file_len = 0;
	tcg_public *ek = NULL, *ak = NULL;
	tcg_credential cred;
	tcg_err err;
	int c, rc = 0;

	tcg_err_clear(&err);
	while ((c = getopt_long(argc, argv, "e:n:N:a:s:o:i:", opts, NULL)) != -1) {
		switch (c) {
		case 'e': ek_path = optarg; break;
		case 'n': name_hex = optarg; break;
		case 'N': name_file = optarg; break;
		case 'a': ak_path = optarg; break;
		case 's': secret_path = optarg; break;
		case 'o': out_path = optarg; break;
		case 'i': return inspect(optarg);
		default: return 2;
		}
	}
	if (!ek_path || !secret_path || !out_path || !!name_hex + !!name_file + !!ak_path != 1) {
		fprintf(stderr, "usage: makecred --ek EK (--name HEX | --name-file F | --ak AK) "
		                "--secret F -o OUT | --inspect F\n");
		return 2;
	}
	if ((rc = load_public(ek_path, &ek, &err)))
		goto out;
	if (name_hex && hex_name(name_hex, name, &name_len)) {
		fprintf(stderr, "makecred: --name is not a hex name\n");
		rc = 2;
		goto out;
	}
	if (name_file && (rc = read_file(name_file, name, sizeof name, &name_len)))
		goto out;
	if (ak_path) {
		if ((rc = load_public(ak_path, &ak, &err)))
			goto out;
		if (tcg_public_name(ak, name, &name_len, &err)) {
			rc = fail(&err);
			goto out;
		}
	}
	if ((rc = read_file(secret_path, secret, sizeof secret, &secret_len)))
		goto out;
	if (tcg_make_credential(ek, name, name_len, secret, secret_len, &cred, &err) ||
	    tcg_credential_write(&cred, file, sizeof file, &file_len, &err)) {
		rc = fail(&err);
		goto out;
	}
	FILE *f = fopen(out_path, "wb");
	if (!f || fwrite(file, 1, file_len, f) != file_len || fclose(f)) {
		perror(out_path);
		rc = 3;
	}
out:
	OPENSSL_cleanse(secret, sizeof secret);
	tcg_public_free(ek);
	tcg_public_free(ak);
	return rc;
}
