/* dha-verify: open each EncBlob, check the quote and nonce against it, write claims. */
#include <errno.h>
#include <getopt.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tcglog/dha.h"
#include "tool.h"

static const char *prog = "dha-verify";

#define MAX_KEYS 64 /* dha-server keeps every retired key */

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: %s --key FILE [--key FILE]... --store FILE [--allow-sha1] [FILE]...\n"
	        "Verify dha-signedblob messages (each FILE, or standard input, may hold many\n"
	        "YAML documents): open the EncBlob with a service key, check the quote with\n"
	        "the EncBlob's AK over the nonce, take the nonce back from the store for the\n"
	        "device, and compare the quote with the EncBlob (PCR selection and digest,\n"
	        "reset and restart counts, clock). One dha-claims document per input goes to\n"
	        "standard output: the verified claims, or verified: false with the rule that\n"
	        "refused (and the HealthStatusMismatchFlags when the state differs).\n"
	        "\n"
	        "  -k, --key FILE     a service key (32 bytes, mode 0600); repeat it to accept\n"
	        "                     EncBlobs sealed under an old and a new key (up to %d)\n"
	        "  -s, --store FILE   the nonce store of dha-nonce (required)\n"
	        "      --allow-sha1   accept SHA-1 in the AK, signature and PCR bank\n"
	        "  -h, --help         this text\n"
	        "  -V, --version      the version\n"
	        "\n"
	        "Exit status: 0 every input verified, 1 an input failed a check (each is\n"
	        "named on standard error with its rule), 2 bad usage or an input that cannot\n"
	        "be parsed, 3 a key file, the store or an I/O failed.\n",
	        prog, MAX_KEYS);
}

typedef struct {
	tcg_dha_verify_opts opts;
	int status;
} run;

static int worse(int a, int b)
{
	/* 3 (environment) over 2 (unparsable) over 1 (refused) over 0 */
	return a > b ? a : b;
}

/* Write one failure document; the write's own fault is an I/O error. */
static void failure(run *r, const char *device, const tcg_err *e, const bool *mismatch)
{
	tcg_err werr;
	tcg_err_clear(&werr);
	if (tcg_dha_failure_write(stdout, device, e, mismatch, &werr))
		r->status = worse(r->status, tool_error(prog, "standard output", &werr));
}

static void verify_one(run *r, const tcg_msg *m, const char *name)
{
	tcg_dha_verdict v;
	tcg_err err;
	tcg_rc rc;
	char where[160];

	snprintf(where, sizeof where, "%s#%u", name, m->index);
	tcg_err_clear(&err);
	r->opts.now = (int64_t)time(NULL); /* a long batch keeps expiry honest */
	rc = tcg_dha_verify(m, &r->opts, &v, &err);
	if (rc) {
		r->status = worse(r->status, tool_error(prog, where, &err));
		failure(r, v.device[0] ? v.device : NULL, &err, v.compared ? v.mismatch : NULL);
	} else if ((rc = tcg_dha_claims_write(&v, stdout, &err))) {
		r->status = worse(r->status, tool_error(prog, "standard output", &err));
	}
	tcg_dha_verdict_free(&v);
}

static void verify_file(run *r, const char *path)
{
	static const tcg_msg_schema *const accept[] = {&tcg_msg_dha_signedblob, NULL};
	bool is_stdin = !strcmp(path, "-");
	const char *name = is_stdin ? "<stdin>" : path;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	tcg_err err;
	unsigned docs = 0;

	if (!f) {
		fprintf(stderr, "%s: %s: input-open: %s\n", prog, path, strerror(errno));
		r->status = worse(r->status, 3);
		return;
	}
	tcg_ydoc_stream *s = tcg_ydoc_stream_open_file(f, name, tcg_msg_max_size(accept));
	if (!s) {
		fprintf(stderr, "%s: %s: out-of-memory\n", prog, name);
		r->status = worse(r->status, 3);
		goto out;
	}
	for (;;) {
		tcg_msg m;
		bool done = false;
		tcg_err_clear(&err);
		tcg_rc rc = tcg_msg_next(s, accept, &m, &done, &err);
		if (!rc && done)
			break;
		if (rc) {
			/* A stream stopped by an earlier fault says so once more: that
			 * document already has its failure document. */
			if (!strcmp(err.rule, "yaml-stream"))
				break;
			docs++;
			r->status = worse(r->status, tool_error(prog, NULL, &err));
			failure(r, NULL, &err, NULL);
			continue;
		}
		docs++;
		verify_one(r, &m, name);
		tcg_msg_free(&m);
		fflush(stdout);
	}
	if (!docs) {
		fprintf(stderr, "%s: %s: msg-empty: no dha-signedblob document\n", prog, name);
		r->status = worse(r->status, 2);
	}
	tcg_ydoc_stream_close(s);
out:
	if (!is_stdin)
		fclose(f);
}

int main(int argc, char **argv)
{
	enum { OPT_SHA1 = 256 };
	static const struct option longopts[] = {
		{"key", required_argument, NULL, 'k'},     {"store", required_argument, NULL, 's'},
		{"allow-sha1", no_argument, NULL, OPT_SHA1}, {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},       {NULL, 0, NULL, 0},
	};
	const char *key_paths[MAX_KEYS];
	size_t nkeys = 0;
	const char *store_path = NULL;
	bool allow_sha1 = false;
	tcg_service_key keys[MAX_KEYS];
	tcg_nonce_store *store = NULL;
	tcg_err err;
	int c;

	tool_init_crypto();
	while ((c = getopt_long(argc, argv, "k:s:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (nkeys == MAX_KEYS)
				return tool_usage_error(prog, "too many --key options");
			key_paths[nkeys++] = optarg;
			break;
		case 's':
			store_path = optarg;
			break;
		case OPT_SHA1:
			allow_sha1 = true;
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
	if (!nkeys)
		return tool_usage_error(prog, "--key FILE is required");
	if (!store_path)
		return tool_usage_error(prog, "--store FILE is required");

	tcg_err_clear(&err);
	for (size_t i = 0; i < nkeys; i++) {
		if (tcg_service_key_load(key_paths[i], &keys[i], &err)) {
			for (size_t j = 0; j < i; j++)
				tcg_service_key_wipe(&keys[j]);
			return tool_error(prog, key_paths[i], &err);
		}
	}
	if (tcg_nonce_store_open(store_path, &store, &err)) {
		for (size_t j = 0; j < nkeys; j++)
			tcg_service_key_wipe(&keys[j]);
		return tool_error(prog, store_path, &err);
	}

	run r = {.opts = {.keys = keys, .nkeys = nkeys, .store = store, .allow_sha1 = allow_sha1},
	         .status = 0};
	if (optind >= argc)
		verify_file(&r, "-");
	for (int i = optind; i < argc; i++)
		verify_file(&r, argv[i]);
	tcg_nonce_store_close(store);
	for (size_t j = 0; j < nkeys; j++)
		tcg_service_key_wipe(&keys[j]);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: standard output: %s\n", prog, strerror(errno));
		return 3;
	}
	return r.status;
}
