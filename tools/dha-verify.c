/* dha-verify: open each EncBlob, check the quote and nonce against it, write claims. */
#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tcglog/dha.h"
#include "tool.h"

static const char *prog = "dha-verify";

/* dha-server rotate keeps at most 1000 retired keys that can still be needed */
#define MAX_KEYS 1024

/*
 * Group commit: up to BATCH documents wait for one transaction that consumes
 * their nonces; their answers go out, in input order, only after it. On
 * disk SQLite consumed 7.3k nonces/s one by one, 90k/s in batches of 32
 * (issue #12): past that the verification, not the flush, is the cost.
 */
#define BATCH 32

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: %s --key FILE [--key FILE]... [--retired DIR] --store FILE [--allow-sha1]\n"
	        "       [--format FMT] [FILE]...\n"
	        "       %s --retired DIR --expired-keys\n"
	        "Verify dha-signedblob messages (each FILE, or standard input, may hold many\n"
	        "YAML documents): open the EncBlob with a service key, check that the store's\n"
	        "device registry still binds the device to the EncBlob's EK certificate\n"
	        "(device-ek-rebound after a re-bind, device-unknown when not enrolled),\n"
	        "check the quote with the EncBlob's AK over the nonce, take the nonce back\n"
	        "from the store for the device, and compare the quote with the EncBlob (PCR\n"
	        "selection and digest, reset and restart counts, clock). One dha-claims\n"
	        "document per input goes to\n"
	        "standard output: the verified claims, or verified: false with the rule that\n"
	        "refused (and the HealthStatusMismatchFlags when the state differs).\n"
	        "Documents are answered in batches of up to %d (fewer when the input would\n"
	        "block), in order, after their nonces were taken in one transaction.\n"
	        "\n"
	        "  -k, --key FILE     a service key (32 bytes, mode 0600); repeat it to accept\n"
	        "                     EncBlobs sealed under an old and a new key (up to %d\n"
	        "                     keys in all, --retired included)\n"
	        "  -r, --retired DIR  also the keys dha-server rotate retired into DIR (named\n"
	        "                     SECONDS-N.key by their retirement time) that an EncBlob\n"
	        "                     still valid can need; older ones are left out\n"
	        "      --expired-keys print the keys in --retired DIR that no EncBlob still\n"
	        "                     valid can need (one path a line) and exit\n"
	        "  -s, --store FILE   the store of dha-nonce and dha-issue: nonces and the\n"
	        "                     device registry (required)\n"
	        "      --allow-sha1   accept SHA-1 in the AK, signature and PCR bank\n"
	        "      --format FMT   yaml (the default) or json: one line per document\n"
	        "  -h, --help         this text\n"
	        "  -V, --version      the version\n"
	        "\n"
	        "Exit status: 0 every input verified, 1 an input failed a check (each is\n"
	        "named on standard error with its rule), 2 bad usage or an input that cannot\n"
	        "be parsed, 3 a key file, the store or an I/O failed (a document the failed\n"
	        "store left undecided gets no output document).\n",
	        prog, prog, BATCH, MAX_KEYS);
}

typedef struct {
	tcg_dha_verify_opts opts;
	bool json; /* --format json */
	int status;
} run;

/* Write one failure document; the write's own fault is an I/O error. */
static void failure(run *r, const tcg_dha_verdict *v, const tcg_err *e)
{
	tcg_err werr;
	tcg_err_clear(&werr);
	tcg_rc rc = tcg_dha_failure_write(tool_out_format(r->json), stdout, v, e, &werr);
	if (rc)
		r->status = tool_worse(r->status, tool_error(prog, "standard output", &werr));
}

/* One document's answer: its claims, its failure document, or (undecided: the
 * store failed before its nonce was decided) only the error. index: the
 * document's in the stream, 0 when it could not be parsed. */
static void answer(run *r, tcg_dha_verify_item *it, unsigned index, const char *name)
{
	tcg_err err;
	char where[160];

	if (!index) { /* unparsable: the error names where */
		r->status = tool_worse(r->status, tool_error(prog, NULL, &it->err));
		failure(r, NULL, &it->err);
		return;
	}
	tool_doc_label(where, sizeof where, name, index);
	if (it->rc) {
		r->status = tool_worse(r->status, tool_error(prog, where, &it->err));
		if (it->decided)
			failure(r, &it->v, &it->err);
		return;
	}
	tcg_err_clear(&err);
	if (tcg_dha_claims_write(&it->v, tool_out_format(r->json), stdout, &err))
		r->status = tool_worse(r->status, tool_error(prog, "standard output", &err));
}

/* A batch holds verdicts, not messages: each document is checked (all but
 * its nonce) as it is read and its message freed, so a batch's memory is
 * its claims and heap pages are not faulted in for 32 messages at once. */
typedef struct {
	tcg_dha_verify_item it[BATCH];
	unsigned index[BATCH]; /* 0: the document could not be parsed */
	size_t n;
} batch;

static void flush_batch(run *r, batch *b, const char *name)
{
	r->opts.now = (int64_t)time(NULL); /* a long stream keeps expiry honest */
	tcg_dha_verify_commit(b->it, b->n, &r->opts, NULL);
	for (size_t i = 0; i < b->n; i++) {
		answer(r, &b->it[i], b->index[i], name);
		tcg_dha_verdict_free(&b->it[i].v);
	}
	b->n = 0;
	fflush(stdout); /* the answers of a committed batch, before the next waits */
}

/* Nothing more to read now (a pipe or terminal that would block): a waiting
 * batch goes ahead rather than stall its documents' answers. Input the stream
 * has read ahead is not seen: the batch is just smaller. */
static bool input_idle(FILE *f)
{
	struct pollfd p = {.fd = fileno(f), .events = POLLIN};
	return poll(&p, 1, 0) == 0;
}

static void verify_file(run *r, const char *path)
{
	static const tcg_msg_schema *const accept[] = {&tcg_msg_dha_signedblob, NULL};
	tool_input in;
	tcg_msg_stream *s = NULL;
	batch *b = NULL;
	unsigned docs = 0;

	if (tool_input_open(prog, path, &in)) {
		r->status = tool_worse(r->status, 3);
		return;
	}
	FILE *f = in.f;
	const char *name = in.name;
	if (!(b = calloc(1, sizeof *b)) ||
	    !(s = tcg_msg_stream_open(f, name, accept))) {
		fprintf(stderr, "%s: %s: out-of-memory\n", prog, name);
		r->status = tool_worse(r->status, 3);
		goto out;
	}
	/* A stream stopped by a fault: that document has its failure document. */
	while (!tcg_msg_stream_stopped(s)) {
		tcg_dha_verify_item *it = &b->it[b->n];
		tcg_msg m;
		bool done = false;
		memset(it, 0, sizeof *it);
		tcg_rc rc = tcg_msg_stream_next(s, &m, &done, &it->err);
		if (!rc && done)
			break;
		docs++;
		it->rc = rc;
		b->index[b->n] = rc ? 0 : m.index;
		if (!rc) {
			it->msg = &m;
			r->opts.now = (int64_t)time(NULL); /* its expiry, judged as it arrives */
			tcg_dha_verify_prepare(it, &r->opts);
			it->msg = NULL;
			tcg_msg_free(&m);
		}
		if (++b->n == BATCH || input_idle(f))
			flush_batch(r, b, name);
	}
	flush_batch(r, b, name);
	if (!docs) {
		fprintf(stderr, "%s: %s: msg-empty: no dha-signedblob document\n", prog, name);
		r->status = tool_worse(r->status, 2);
	}
out:
	tcg_msg_stream_close(s);
	free(b);
	tool_input_close(&in);
}

typedef struct {
	char *path[MAX_KEYS];
	size_t n;
} key_list;

static int add_key(key_list *l, const char *path)
{
	if (l->n == MAX_KEYS)
		return tool_usage_error(prog, "too many service keys (--key and --retired)");
	if (!(l->path[l->n] = strdup(path))) {
		fprintf(stderr, "%s: out-of-memory\n", prog);
		return 3;
	}
	l->n++;
	return 0;
}

/* The retired keys of dir: those still needed (or, with expired, the others). */
static int retired_keys(key_list *l, const char *dir, bool expired)
{
	int64_t now = (int64_t)time(NULL);
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;
	char path[4096];

	if (!d) {
		fprintf(stderr, "%s: %s: key-open: %s\n", prog, dir, strerror(errno));
		return 3;
	}
	while (!rc && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n < 4 || strcmp(e->d_name + n - 4, ".key"))
			continue;
		bool gone = tcg_dha_retired_key(e->d_name, now) == TCG_DHA_RETIRED_EXPIRED;
		if (gone != expired)
			continue;
		if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path) {
			fprintf(stderr, "%s: %s: key-open: path too long\n", prog, dir);
			rc = 3;
		} else {
			rc = add_key(l, path);
		}
	}
	closedir(d);
	return rc;
}

static void free_keys(key_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->path[i]);
	l->n = 0;
}

typedef struct {
	key_list paths;
	const char *store_path, *retired;
	bool allow_sha1, list_expired, json;
} options;

enum { OPT_SHA1 = 256, OPT_EXPIRED };

static int option(void *ctx, int c, char *arg)
{
	options *o = ctx;
	switch (c) {
	case 'k':
		return add_key(&o->paths, arg);
	case 's':
		o->store_path = arg;
		break;
	case 'r':
		o->retired = arg;
		break;
	case OPT_EXPIRED:
		o->list_expired = true;
		break;
	case OPT_SHA1:
		o->allow_sha1 = true;
		break;
	}
	return 0;
}

static int verify_inputs(void *ctx, int argc, char **argv)
{
	options *o = ctx;
	key_list *paths = &o->paths;
	const char *store_path = o->store_path, *retired = o->retired;
	tcg_service_key *keys = NULL;
	size_t nkeys = 0;
	tcg_nonce_store *store = NULL;
	tcg_err err;
	int st;

	if (o->list_expired) {
		if (!retired || paths->n || store_path || argc)
			return tool_usage_error(prog, "--expired-keys takes --retired DIR only");
		if ((st = retired_keys(paths, retired, true)))
			return st;
		for (size_t i = 0; i < paths->n; i++)
			printf("%s\n", paths->path[i]);
		free_keys(paths);
		return fflush(stdout) ? 3 : 0;
	}
	if (!paths->n)
		return tool_usage_error(prog, "--key FILE is required");
	if (!store_path)
		return tool_usage_error(prog, "--store FILE is required");
	if (retired && (st = retired_keys(paths, retired, false)))
		return st;

	tcg_err_clear(&err);
	if (!(keys = calloc(paths->n, sizeof *keys))) {
		fprintf(stderr, "%s: out-of-memory\n", prog);
		return 3;
	}
	for (size_t i = 0; i < paths->n; i++, nkeys++) {
		if (tcg_service_key_load(paths->path[i], &keys[i], &err)) {
			st = tool_error(prog, paths->path[i], &err);
			goto keys_out;
		}
	}
	if (tcg_nonce_store_open(store_path, &store, &err)) {
		st = tool_error(prog, store_path, &err);
		goto keys_out;
	}

	run r = {.opts = {.keys = keys, .nkeys = nkeys, .store = store, .allow_sha1 = o->allow_sha1},
	         .json = o->json, .status = 0};
	if (tcg_dha_verifiers_new(&r.opts.verifiers, &err)) {
		tcg_nonce_store_close(store);
		st = tool_error(prog, NULL, &err);
		goto keys_out;
	}
	if (!argc)
		verify_file(&r, "-");
	for (int i = 0; i < argc; i++)
		verify_file(&r, argv[i]);
	tcg_dha_verifiers_free(r.opts.verifiers);
	tcg_nonce_store_close(store);
	st = r.status;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: standard output: %s\n", prog, strerror(errno));
		st = 3;
	}
keys_out:
	for (size_t j = 0; j < nkeys; j++)
		tcg_service_key_wipe(&keys[j]);
	free(keys);
	free_keys(paths);
	return st;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"key", required_argument, NULL, 'k'},     {"store", required_argument, NULL, 's'},
		{"allow-sha1", no_argument, NULL, OPT_SHA1},
		{"retired", required_argument, NULL, 'r'}, {"expired-keys", no_argument, NULL, OPT_EXPIRED},
		{NULL, 0, NULL, 0},
	};
	static options o;
	const tool_spec spec = {.name = prog, .usage = usage, .shortopts = "k:s:r:",
		.longopts = longopts, .json = &o.json, .option = option, .run = verify_inputs};

	tool_init_crypto();
#ifdef M_TRIM_THRESHOLD
	/* A batch's messages (a few MB) are freed at once; glibc would give the
	 * memory back to the kernel after every batch and fault it in again for
	 * the next: a quarter of the CPU time a signedblob took (issue #12). */
	mallopt(M_TRIM_THRESHOLD, 32 << 20);
#endif
	return tool_main(&spec, &o, argc, argv);
}
