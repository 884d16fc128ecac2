/*
 * Test-only issuer of EncBlobs (not installed): builds a tcg_dha_content from
 * evidence that tpm2-tools made, encodes it and seals it under a service key,
 * as dha-issue would after its checks (which this helper does not make).
 *
 *   mkencblob --key KEY --device NAME --ak-public AK.pub --ek-cert CERT
 *             --attest QUOTE.msg --pcrs QUOTE.pcrs --claims CLAIMS.yaml
 *             [--age SECONDS] [--validity SECONDS] [--aad TEXT] [--store STORE]
 *             -o BLOB
 *
 * AK.pub is TPM2B_PUBLIC (tpm2_createak -u); CERT any file (its SHA-256 is
 * bound); QUOTE.msg the TPMS_ATTEST of the boot-data quote (tpm2_quote -m):
 * selection, composite, resetCount, restartCount and clock come from it;
 * QUOTE.pcrs the values it quoted (tpm2_quote -o). The EncBlob is issued
 * SECONDS (--age, default 0) ago and valid for --validity (default 3600).
 * --aad seals with other additional data than TCG_DHA_ENCBLOB_AAD. --store
 * binds NAME to CERT's digest in STORE's device registry, as dha-issue does
 * (open registry; a name bound to another digest fails).
 */
#include <getopt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tcglog/blob.h"
#include "tcglog/dha.h"
#include "tcglog/log.h"
#include "tcglog/nonce.h"
#include "tcglog/quote.h"

static int fail(const char *what, const tcg_err *err)
{
	char msg[512];
	tcg_err_format(err, msg, sizeof msg);
	fprintf(stderr, "mkencblob: %s: %s\n", what, msg);
	return tcg_exit_status(err->rc);
}

static int usage(void)
{
	fputs("usage: mkencblob --key KEY --device NAME --ak-public AK.pub --ek-cert CERT "
	      "--attest Q.msg --pcrs Q.pcrs --claims CLAIMS [--age S] [--validity S] "
	      "[--aad TEXT] [--store STORE] -o BLOB\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"key", required_argument, NULL, 'k'},    {"device", required_argument, NULL, 'd'},
		{"ak-public", required_argument, NULL, 'a'}, {"ek-cert", required_argument, NULL, 'e'},
		{"attest", required_argument, NULL, 'm'}, {"pcrs", required_argument, NULL, 'p'},
		{"claims", required_argument, NULL, 'c'}, {"age", required_argument, NULL, 'g'},
		{"validity", required_argument, NULL, 'v'}, {"aad", required_argument, NULL, 'A'},
		{"output", required_argument, NULL, 'o'}, {"store", required_argument, NULL, 's'},
		{NULL, 0, NULL, 0},
	};
	const char *key_path = NULL, *device = NULL, *ak_path = NULL, *cert_path = NULL,
	           *attest_path = NULL, *pcrs_path = NULL, *claims_path = NULL, *out_path = NULL;
	const char *aad = TCG_DHA_ENCBLOB_AAD, *store_path = NULL;
	long long age = 0, validity = 3600;
	int c;

	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'k': key_path = optarg; break;
		case 'd': device = optarg; break;
		case 'a': ak_path = optarg; break;
		case 'e': cert_path = optarg; break;
		case 'm': attest_path = optarg; break;
		case 'p': pcrs_path = optarg; break;
		case 'c': claims_path = optarg; break;
		case 'g': age = atoll(optarg); break;
		case 'v': validity = atoll(optarg); break;
		case 'A': aad = optarg; break;
		case 'o': out_path = optarg; break;
		case 's': store_path = optarg; break;
		default: return usage();
		}
	}
	if (!key_path || !device || !ak_path || !cert_path || !attest_path || !pcrs_path ||
	    !claims_path || !out_path || optind != argc)
		return usage();

	tcg_err err;
	tcg_service_key key;
	tcg_dha_content ct;
	tcg_attest a;
	tcg_public *ak = NULL;
	uint8_t *cert = NULL, *att = NULL, *pcrs = NULL, *plain = NULL, *blob = NULL, *claims = NULL;
	size_t cert_len, att_len, pcrs_len, plen = 0, blen = 0, claims_len = 0;
	unsigned mdlen = 0;
	int status = 0;

	memset(&ct, 0, sizeof ct);
	tcg_err_clear(&err);
	if (tcg_service_key_load(key_path, &key, &err))
		return fail(key_path, &err);
	ct.device = strdup(device);
	if (tcg_read_file(ak_path, 4096, &ct.ak_public, &ct.ak_public_len, NULL, &err) ||
	    tcg_public_parse(ct.ak_public, ct.ak_public_len, &ak, &err) ||
	    tcg_public_name(ak, ct.ak_name, &ct.ak_name_len, &err)) {
		status = fail(ak_path, &err);
		goto out;
	}
	if (tcg_read_file(cert_path, 65536, &cert, &cert_len, NULL, &err) ||
	    !EVP_Digest(cert, cert_len, ct.ek_cert_sha256, &mdlen, EVP_sha256(), NULL)) {
		status = fail(cert_path, &err);
		goto out;
	}
	if (store_path) {
		tcg_nonce_store *st = NULL;
		if (tcg_nonce_store_open(store_path, &st, &err) ||
		    tcg_registry_bind(st, device, ct.ek_cert_sha256, (int64_t)time(NULL), &err)) {
			tcg_nonce_store_close(st);
			status = fail(store_path, &err);
			goto out;
		}
		tcg_nonce_store_close(st);
	}
	if (tcg_read_file(attest_path, 4096, &att, &att_len, NULL, &err) ||
	    tcg_attest_parse(att, att_len, &a, &err)) {
		status = fail(attest_path, &err);
		goto out;
	}
	if (tcg_read_file(pcrs_path, 65536, &pcrs, &pcrs_len, NULL, &err) ||
	    tcg_pcrs_parse(pcrs, pcrs_len, pcrs_path, &ct.pcrs, &err)) {
		status = fail(pcrs_path, &err);
		goto out;
	}
	ct.selection = a.selection;
	memcpy(ct.pcr_digest, a.pcr_digest, a.pcr_digest_len);
	ct.pcr_digest_len = a.pcr_digest_len;
	ct.reset_count = a.reset_count;
	ct.restart_count = a.restart_count;
	ct.clock = a.clock;
	ct.issued = (int64_t)time(NULL) - age;
	ct.expires = ct.issued + validity;
	if (tcg_read_file(claims_path, 1u << 20, &claims, &claims_len, NULL, &err) ||
	    tcg_dha_content_set_claims(&ct, key.id, (const char *)claims, claims_len, &err)) {
		status = fail(claims_path, &err);
		goto out;
	}
	if (tcg_dha_content_encode(&ct, &plain, &plen, &err) ||
	    tcg_blob_seal(&key, plain, plen, (const uint8_t *)aad, strlen(aad), &blob, &blen, &err)) {
		status = fail("seal", &err);
		goto out;
	}
	FILE *f = fopen(out_path, "wb");
	if (!f || fwrite(blob, 1, blen, f) != blen || fclose(f)) {
		perror(out_path);
		status = 3;
	}
out:
	if (plain)
		OPENSSL_cleanse(plain, plen);
	free(plain);
	free(blob);
	free(cert);
	free(claims);
	free(att);
	free(pcrs);
	tcg_public_free(ak);
	tcg_dha_content_free(&ct);
	tcg_service_key_wipe(&key);
	return status;
}
