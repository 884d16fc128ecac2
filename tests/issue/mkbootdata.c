/*
 * Test helper for dha-issue, standing in for the device side with tpm2-tools'
 * outputs (so the service is tested without our own device tools):
 *
 *   mkbootdata log > FILE
 *       a small SHA-256 boot log (firmware, boot manager, separators) whose
 *       claims derive cleanly in strict mode
 *   mkbootdata extends LOG
 *       "PCR:alg=hex,..." per extending event, for tpm2_pcrextend
 *   mkbootdata binding DEVICE LOG EKPUB EKCERT AKPUB
 *       the quote's qualifying data (hex) for those fields
 *   mkbootdata message DEVICE LOG EKPUB EKCERT AKPUB ATTEST SIG PCRS
 *       the dha-bootdata message (PCRS: tpm2_quote -o file or tpm2_pcrread YAML)
 *   mkbootdata credential REPLY OUT
 *       the reply's credential and secret in tpm2-tools' credential file format
 *   mkbootdata open REPLY SERVICEKEY WRAPKEY
 *       unwrap with the activated key, open with the service key, decode, and
 *       print the content's fields (hex, one "key: value" a line)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcglog/blob.h"
#include "tcglog/credential.h"
#include "tcglog/dha.h"
#include "tcglog/log.h"
#include "tcglog/msg.h"
#include "tcglog/pcrs.h"
#include "writer.h"

static _Noreturn void die(const char *what, const tcg_err *err)
{
	fprintf(stderr, "mkbootdata: %s: %s: %s\n", what, err ? err->rule : "", err ? err->msg : "");
	exit(3);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	uint8_t *d = NULL;
	tcg_err err;
	if (tcg_read_file(path, 8u << 20, &d, len, NULL, &err))
		die(path, &err);
	return d;
}

static void hex(const char *key, const uint8_t *p, size_t n)
{
	printf("%s: ", key);
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	putchar('\n');
}

static int make_log(void)
{
	static const uint16_t algs[] = {TCG_ALG_SHA256};
	static const char ver[] = "1.0 test firmware";
	static const char calling[] = "Calling EFI Application from Boot Option";
	static const char ebs[] = "Exit Boot Services Invocation";
	static const uint8_t sep[4] = {0};
	tcg_writer *w = tcg_writer_new(TCG_FMT_AGILE, algs, 1);
	if (!w)
		return 3;
	tcg_writer_event(w, 0, 0x8 /* EV_S_CRTM_VERSION */, NULL, ver, sizeof ver);
	tcg_writer_event(w, 4, TCG_EV_EFI_ACTION, NULL, calling, sizeof calling - 1);
	for (uint32_t p = 0; p <= 7; p++)
		tcg_writer_event(w, p, TCG_EV_SEPARATOR, NULL, sep, sizeof sep);
	tcg_writer_event(w, 5, TCG_EV_EFI_ACTION, NULL, ebs, sizeof ebs - 1);
	size_t len;
	const uint8_t *d = tcg_writer_data(w, &len);
	fwrite(d, 1, len, stdout);
	tcg_writer_free(w);
	return fflush(stdout) ? 3 : 0;
}

static int extends(const char *path)
{
	uint8_t *data;
	tcg_log *log;
	tcg_err err;
	if (tcg_log_load(path, &data, &log, &err))
		die(path, &err);
	for (size_t i = 0; i < tcg_log_num_events(log); i++) {
		const tcg_event *e = tcg_log_event(log, i);
		if (e->header || e->type == TCG_EV_NO_ACTION || e->pcr >= TCG_NUM_PCRS)
			continue;
		printf("%u:", e->pcr);
		for (size_t b = 0, n = 0; b < tcg_log_num_banks(log); b++) {
			tcg_bank bank = tcg_log_bank(log, b);
			const uint8_t *d = tcg_event_digest(log, e, b);
			if (!d)
				continue;
			printf("%s%s=", n++ ? "," : "", tcg_alg_name(bank.alg));
			for (size_t k = 0; k < bank.size; k++)
				printf("%02x", d[k]);
		}
		putchar('\n');
	}
	tcg_log_free(log);
	free(data);
	return 0;
}

typedef struct {
	const char *device;
	uint8_t *log, *ekpub, *ekcert, *akpub;
	size_t log_len, ekpub_len, ekcert_len, akpub_len;
} fields;

static void read_fields(fields *f, char **argv)
{
	f->device = argv[0];
	f->log = slurp(argv[1], &f->log_len);
	f->ekpub = slurp(argv[2], &f->ekpub_len);
	f->ekcert = slurp(argv[3], &f->ekcert_len);
	f->akpub = slurp(argv[4], &f->akpub_len);
}

static void free_fields(fields *f)
{
	free(f->log);
	free(f->ekpub);
	free(f->ekcert);
	free(f->akpub);
}

static int binding(char **argv)
{
	fields f;
	uint8_t b[TCG_DHA_BINDING_SIZE];
	tcg_err err;
	read_fields(&f, argv);
	if (tcg_dha_bootdata_binding(f.device, f.log, f.log_len, f.ekpub, f.ekpub_len, f.ekcert,
	                             f.ekcert_len, f.akpub, f.akpub_len, b, &err))
		die("binding", &err);
	for (size_t i = 0; i < sizeof b; i++)
		printf("%02x", b[i]);
	putchar('\n');
	free_fields(&f);
	return 0;
}

static int message(char **argv)
{
	fields f;
	size_t alen, slen, plen;
	tcg_err err;
	read_fields(&f, argv);
	uint8_t *attest = slurp(argv[5], &alen), *sig = slurp(argv[6], &slen),
	        *praw = slurp(argv[7], &plen);
	static tcg_pcr_values pcrs;
	if (tcg_pcrs_parse(praw, plen, argv[7], &pcrs, &err))
		die(argv[7], &err);
	tcg_msg_bootdata bd = {
		.device = f.device,
		.log = {f.log, f.log_len},
		.ek_public = {f.ekpub, f.ekpub_len},
		.ek_certificate = {f.ekcert, f.ekcert_len},
		.ak_public = {f.akpub, f.akpub_len},
		.attest = {attest, alen},
		.signature = {sig, slen},
		.pcrs = pcrs,
	};
	if (tcg_msg_bootdata_write(&bd, stdout, &err))
		die("write", &err);
	free_fields(&f);
	free(attest);
	free(sig);
	free(praw);
	return 0;
}

static void read_reply(const char *path, tcg_msg *m)
{
	static const tcg_msg_schema *const accept[] = {&tcg_msg_dha_encblob, NULL};
	size_t len;
	tcg_err err;
	uint8_t *d = slurp(path, &len);
	if (tcg_msg_parse(d, len, path, accept, m, &err))
		die(path, &err);
	free(d);
}

static int credential(char **argv)
{
	tcg_msg m;
	tcg_credential c;
	tcg_err err;
	uint8_t *id, *sec, out[TCG_CREDENTIAL_FILE_MAX];
	size_t idl, secl, outl;
	read_reply(argv[0], &m);
	if (tcg_msg_b64(&m, "credential", &id, &idl, &err) ||
	    tcg_msg_b64(&m, "secret", &sec, &secl, &err))
		die(argv[0], &err);
	if (idl > sizeof c.id_object || secl > sizeof c.secret)
		die("credential or secret too large", NULL);
	memcpy(c.id_object, id, idl), c.id_object_len = idl;
	memcpy(c.secret, sec, secl), c.secret_len = secl;
	if (tcg_credential_write(&c, out, sizeof out, &outl, &err))
		die("credential file", &err);
	free(id);
	free(sec);
	tcg_msg_free(&m);
	FILE *f = fopen(argv[1], "wb");
	if (!f || fwrite(out, 1, outl, f) != outl || fclose(f))
		die(argv[1], NULL);
	return 0;
}

static int open_reply(char **argv)
{
	tcg_msg m;
	tcg_err err;
	tcg_service_key key;
	uint8_t *blob, *encblob, *plain;
	size_t blen, elen, plen, klen;
	read_reply(argv[0], &m);
	const char *device = tcg_msg_str(&m, "device", NULL);
	if (tcg_service_key_load(argv[1], &key, &err))
		die(argv[1], &err);
	uint8_t *wrap = slurp(argv[2], &klen);
	if (tcg_msg_b64(&m, "blob", &blob, &blen, &err))
		die("blob", &err);
	/* Each layer fails with its own rule and exit status. */
	int status = 0;
	encblob = plain = NULL;
	elen = plen = 0;
	const char *layer = "unwrap";
	if (tcg_dha_unwrap(blob, blen, device, wrap, klen, &encblob, &elen, &err) ||
	    (layer = "open", tcg_blob_open(&key, 1, encblob, elen,
	                                   (const uint8_t *)TCG_DHA_ENCBLOB_AAD,
	                                   TCG_DHA_ENCBLOB_AAD_LEN, &plain, &plen, &err))) {
		fprintf(stderr, "mkbootdata: %s: %s: %s\n", layer, err.rule, err.msg);
		status = tcg_exit_status(err.rc);
		goto done;
	}
	tcg_dha_content c;
	if (tcg_dha_content_decode(plain, plen, &c, NULL, &err)) {
		fprintf(stderr, "mkbootdata: decode: %s: %s\n", err.rule, err.msg);
		status = tcg_exit_status(err.rc);
		goto done;
	}
	printf("device: %s\n", c.device);
	hex("ak-name", c.ak_name, c.ak_name_len);
	hex("ek-certificate-sha256", c.ek_cert_sha256, 32);
	char sel[256];
	tcg_pcr_selection_format(&c.selection, sel, sizeof sel);
	printf("pcr-selection: %s\n", sel);
	for (size_t k = 0; k < c.pcrs.num_banks; k++)
		for (unsigned p = 0; p < TCG_NUM_PCRS; p++)
			if (c.pcrs.bank[k].present >> p & 1) {
				char pkey[32];
				snprintf(pkey, sizeof pkey, "pcr-%s-%u", tcg_alg_name(c.pcrs.bank[k].alg), p);
				hex(pkey, c.pcrs.bank[k].value[p], c.pcrs.bank[k].size);
			}
	hex("pcr-digest", c.pcr_digest, c.pcr_digest_len);
	printf("reset-count: %u\nrestart-count: %u\nclock: %llu\nissued: %lld\nexpires: %lld\n",
	       c.reset_count, c.restart_count, (unsigned long long)c.clock, (long long)c.issued,
	       (long long)c.expires);
	printf("claims-verified: %s\n", strstr(c.claims, "verified: true") ? "true" : "false");
	tcg_dha_content_free(&c);
done:
	tcg_blob_free_plaintext(plain, plen);
	tcg_service_key_wipe(&key);
	free(blob);
	free(encblob);
	free(wrap);
	tcg_msg_free(&m);
	return status;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "log"))
		return make_log();
	if (argc == 3 && !strcmp(argv[1], "extends"))
		return extends(argv[2]);
	if (argc == 7 && !strcmp(argv[1], "binding"))
		return binding(argv + 2);
	if (argc == 10 && !strcmp(argv[1], "message"))
		return message(argv + 2);
	if (argc == 4 && !strcmp(argv[1], "credential"))
		return credential(argv + 2);
	if (argc == 5 && !strcmp(argv[1], "open"))
		return open_reply(argv + 2);
	fputs("usage: mkbootdata log | extends LOG | binding DEVICE LOG EKPUB EKCERT AKPUB |\n"
	      "       message DEVICE LOG EKPUB EKCERT AKPUB ATTEST SIG PCRS |\n"
	      "       credential REPLY OUT | open REPLY SERVICEKEY WRAPKEY\n",
	      stderr);
	return 2;
}
