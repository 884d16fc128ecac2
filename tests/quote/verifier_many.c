/*
 * Test helper: one tcg_quote_verifier, made once from the AK, verifies every
 * quote given, in order, with the same nonce; each quote's outcome is checked
 * against what the caller expects ("ok" or the rule that must refuse it).
 * quote.sh gives it swtpm quotes and forgeries interleaved, so a verifier that
 * carried anything from one quote to the next would be caught.
 *
 *   verifier_many AK NONCE MSG SIG PCRS EXPECT [MSG SIG PCRS EXPECT]...
 *
 * Prints one line per quote ("N: ok" or "N: RULE"); exit 0 when every outcome
 * is the expected one, 1 otherwise, 3 when the inputs cannot be read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "tcglog/log.h"
#include "tcglog/pcrs.h"
#include "tcglog/quote.h"
#include "tcglog/tpm.h"

#define MAX_FILE (1u << 20)

static _Noreturn void die(const char *what, const char *path, const tcg_err *err)
{
	fprintf(stderr, "verifier_many: %s: %s: %s\n", path, what, err ? err->rule : "");
	exit(3);
}

static uint8_t *load(const char *path, size_t *len)
{
	uint8_t *data;
	tcg_err err;
	if (tcg_read_file(path, MAX_FILE, &data, len, NULL, &err))
		die("read", path, &err);
	return data;
}

int main(int argc, char **argv)
{
	uint8_t nonce[64], *data;
	size_t nonce_len = 0, len;
	tcg_public *ak;
	tcg_quote_verifier *v;
	tcg_quote_result *r = malloc(sizeof *r);
	tcg_pcr_values *pcrs = malloc(sizeof *pcrs);
	tcg_err err;
	int bad = 0;

	if (argc < 7 || (argc - 3) % 4 || !r || !pcrs) {
		fprintf(stderr, "usage: verifier_many AK NONCE MSG SIG PCRS EXPECT...\n");
		return 3;
	}
	if (!tcg_hex_decode(argv[2], nonce, sizeof nonce, &nonce_len) || !nonce_len)
		die("not a hex nonce", argv[2], NULL);
	data = load(argv[1], &len);
	if (tcg_public_load(data, len, &ak, &err))
		die("AK", argv[1], &err);
	free(data);
	if (tcg_quote_verifier_new(ak, &v, &err))
		die("verifier", argv[1], &err);
	for (int i = 3, n = 1; i < argc; i += 4, n++) {
		size_t msg_len, sig_len;
		uint8_t *msg = load(argv[i], &msg_len), *sig = load(argv[i + 1], &sig_len);
		data = load(argv[i + 2], &len);
		if (tcg_pcrs_parse(data, len, argv[i + 2], pcrs, &err))
			die("PCR values", argv[i + 2], &err);
		free(data);
		tcg_quote_opts o = { .nonce = nonce, .nonce_len = nonce_len, .pcrs = pcrs };
		const char *got = tcg_quote_verifier_verify(v, msg, msg_len, sig, sig_len, &o, r, &err)
		                          ? err.rule
		                          : "ok";
		printf("%d: %s\n", n, got);
		if (strcmp(got, argv[i + 3])) {
			fprintf(stderr, "verifier_many: quote %d (%s): %s, expected %s\n", n, argv[i], got,
			        argv[i + 3]);
			bad = 1;
		}
		free(msg);
		free(sig);
	}
	tcg_quote_verifier_free(v);
	tcg_public_free(ak);
	free(r);
	free(pcrs);
	return bad;
}
