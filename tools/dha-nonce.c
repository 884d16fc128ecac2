/* dha-nonce: issue, consume and purge the challenge nonces of a DHA server. */
#include <errno.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tcglog/dha.h"
#include "tcglog/log.h"
#include "tcglog/nonce.h"
#include "tool.h"

static const char *prog = "dha-nonce";

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: %s --store STORE issue [--ttl SECONDS] [--closed] DEVICE\n"
	        "       %s --store STORE consume DEVICE NONCE\n"
	        "       %s --store STORE consume-batch < LINES\n"
	        "       %s --store STORE purge\n"
	        "       %s --store STORE enroll [--rebind] DEVICE EKCERT\n"
	        "       %s --store STORE device DEVICE\n"
	        "Keep the challenge nonces and the device registry of a DHA server in an\n"
	        "SQLite file (created mode 0600 when missing; refused when it or its\n"
	        "directory is a symbolic link or writable by others) or in PostgreSQL\n"
	        "(STORE postgresql://..., postgres://... or service=NAME; no password in\n"
	        "it: a password file or pg_service.conf holds that).\n"
	        "\n"
	        "  issue DEVICE          print a fresh 32-byte nonce for DEVICE as 64 hex\n"
	        "                        digits\n"
	        "  consume DEVICE NONCE  take NONCE (64 hex digits) back for DEVICE: it\n"
	        "                        succeeds once; a nonce of another device is\n"
	        "                        refused and left unused\n"
	        "  consume-batch         read lines 'DEVICE NONCE' (at most %d) and consume\n"
	        "                        them all in one transaction; after it committed,\n"
	        "                        print each line followed by 'consumed' or the rule\n"
	        "                        that refused it\n"
	        "  purge                 drop expired nonces; print how many\n"
	        "  enroll DEVICE EKCERT  bind DEVICE to the EK certificate EKCERT (DER or\n"
	        "                        PEM file) before its first boot data; a name bound\n"
	        "                        to another certificate is refused (device-enrolled)\n"
	        "                        unless --rebind\n"
	        "  device DEVICE         print the SHA-256 of the EK certificate DEVICE is\n"
	        "                        bound to (device-unknown when it is not enrolled)\n"
	        "\n"
	        "  -s, --store STORE     the store: an SQLite FILE or a PostgreSQL URI or\n"
	        "                        service=NAME (required)\n"
	        "  -t, --ttl SECONDS     lifetime of an issued nonce, 1 to %d\n"
	        "                        (default %d)\n"
	        "      --closed          closed registry: issue only for enrolled devices\n"
	        "                        (device-unknown otherwise)\n"
	        "      --rebind          enroll: replace the device's binding (a new TPM)\n"
	        "  -h, --help            this text\n"
	        "  -V, --version         the version\n"
	        "\n"
	        "DEVICE is 1 to %d bytes of printable ASCII.\n"
	        "\n"
	        "Exit status: 0 done (issued, consumed, purged, enrolled; every line of a\n"
	        "batch consumed), 1 refused\n"
	        "(nonce-unknown, nonce-device-mismatch, nonce-expired, device-unknown,\n"
	        "device-enrolled), 2 bad usage or a malformed DEVICE, NONCE, SECONDS or\n"
	        "EKCERT, 3 the store failed (nonce-store, nonce-store-symlink,\n"
	        "nonce-store-mode, nonce-store-schema, nonce-store-credentials; a batch:\n"
	        "nothing decided, nothing printed).\n",
	        prog, prog, prog, prog, prog, prog, TCG_NONCE_BATCH_MAX, TCG_NONCE_TTL_MAX,
	        TCG_NONCE_TTL_DEFAULT, TCG_NONCE_DEVICE_MAX);
}

/* Whole decimal number, nothing else; false when it is not one. */
static bool parse_int64(const char *s, int64_t *out)
{
	char *end;
	long long v;
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* The batch's lines, each "DEVICE NONCE" (DEVICE may hold spaces), checked
 * before the store is opened: the first malformed line is exit 2. */
static int read_batch(FILE *in, tcg_nonce_claim **out, size_t *count)
{
	char line[TCG_NONCE_DEVICE_MAX + 2 * TCG_NONCE_SIZE + 3];
	tcg_nonce_claim *claims = calloc(TCG_NONCE_BATCH_MAX, sizeof *claims);
	size_t n = 0, lineno = 0;
	tcg_err err;

	if (!claims) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 3;
	}
	*out = claims;
	tcg_err_clear(&err);
	while (fgets(line, sizeof line, in)) {
		size_t len = strlen(line);
		char *sp;
		lineno++;
		if (len == 0 || line[len - 1] != '\n')
			return tool_usage_error(prog, "standard input: a line is too long or unended");
		line[len - 1] = '\0';
		if (n == TCG_NONCE_BATCH_MAX)
			return tool_usage_error(prog, "standard input: more lines than a batch holds");
		if (!(sp = strrchr(line, ' ')))
			return tool_usage_error(prog, "standard input: a line is not 'DEVICE NONCE'");
		*sp = '\0';
		if (tcg_nonce_check_device(line, &err) ||
		    tcg_nonce_from_hex(sp + 1, claims[n].nonce, &err)) {
			snprintf(line, sizeof line, "<stdin>#%zu", lineno);
			return tool_error(prog, line, &err);
		}
		if (!(claims[n++].device = strdup(line))) {
			fprintf(stderr, "%s: out of memory\n", prog);
			return 3;
		}
	}
	*count = n;
	if (ferror(in)) {
		fprintf(stderr, "%s: standard input: %s\n", prog, strerror(errno));
		return 3;
	}
	return 0;
}

static void free_batch(tcg_nonce_claim *claims, size_t n)
{
	if (!claims)
		return;
	for (size_t i = 0; i < TCG_NONCE_BATCH_MAX && (i < n || claims[i].device); i++)
		free((char *)claims[i].device);
	OPENSSL_cleanse(claims, TCG_NONCE_BATCH_MAX * sizeof *claims);
	free(claims);
}

static void print_hex(const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", d[i]);
}

/* One transaction; the lines are printed only once it committed. */
static int consume_batch(tcg_nonce_store *store, const char *store_path,
                         tcg_nonce_claim *claims, size_t n)
{
	int status = 0;
	tcg_err err;

	tcg_err_clear(&err);
	if (tcg_nonce_consume_batch(store, claims, n, (int64_t)time(NULL), &err))
		return tool_error(prog, store_path, &err);
	for (size_t i = 0; i < n; i++) {
		printf("%s ", claims[i].device);
		print_hex(claims[i].nonce, TCG_NONCE_SIZE);
		printf(" %s\n", claims[i].rc ? claims[i].err.rule : "consumed");
		if (claims[i].rc && status < tcg_exit_status(claims[i].rc))
			status = tcg_exit_status(claims[i].rc);
	}
	int out = tool_flush_stdout(prog);
	return out ? out : status;
}

typedef struct {
	const char *store_path;
	int64_t ttl;
	bool have_ttl, closed, rebind;
} options;

enum { OPT_CLOSED = 256, OPT_REBIND };

static int option(void *ctx, int c, char *arg)
{
	options *o = ctx;
	switch (c) {
	case 's':
		o->store_path = arg;
		break;
	case 't':
		if (!parse_int64(arg, &o->ttl))
			return tool_usage_error(prog, "--ttl takes a number of seconds");
		o->have_ttl = true;
		break;
	case OPT_CLOSED:
		o->closed = true;
		break;
	case OPT_REBIND:
		o->rebind = true;
		break;
	}
	return 0;
}

static int run(void *ctx, int argc, char **argv)
{
	const options *o = ctx;
	const char *store_path = o->store_path, *cmd;
	int64_t ttl = o->ttl;
	bool have_ttl = o->have_ttl, closed = o->closed, rebind = o->rebind;
	tcg_nonce_store *store;
	uint8_t nonce[TCG_NONCE_SIZE];
	tcg_err err;
	tcg_rc rc;
	int nargs, status = 0;

	if (argc < 1)
		return tool_usage_error(prog, "expects a command: issue, consume, consume-batch, "
		                              "purge, enroll or device");
	cmd = argv[0];
	nargs = argc - 1;
	argv++;
	if (strcmp(cmd, "issue") == 0) {
		if (nargs != 1)
			return tool_usage_error(prog, "issue expects one DEVICE");
	} else if (strcmp(cmd, "consume") == 0) {
		if (nargs != 2)
			return tool_usage_error(prog, "consume expects DEVICE and NONCE");
	} else if (strcmp(cmd, "purge") == 0 || strcmp(cmd, "consume-batch") == 0) {
		if (nargs != 0)
			return tool_usage_error(prog, "purge and consume-batch take no arguments");
	} else if (strcmp(cmd, "enroll") == 0) {
		if (nargs != 2)
			return tool_usage_error(prog, "enroll expects DEVICE and EKCERT");
	} else if (strcmp(cmd, "device") == 0) {
		if (nargs != 1)
			return tool_usage_error(prog, "device expects one DEVICE");
	} else {
		return tool_usage_error(prog,
		                        "unknown command (issue, consume, consume-batch, purge, "
		                        "enroll or device)");
	}
	if (have_ttl && strcmp(cmd, "issue") != 0)
		return tool_usage_error(prog, "--ttl applies to issue only");
	if (closed && strcmp(cmd, "issue") != 0)
		return tool_usage_error(prog, "--closed applies to issue only");
	if (rebind && strcmp(cmd, "enroll") != 0)
		return tool_usage_error(prog, "--rebind applies to enroll only");
	if (!store_path)
		return tool_usage_error(prog, "--store STORE is required");

	/* Refuse malformed input before touching the store. */
	tcg_err_clear(&err);
	if (nargs >= 1 && (rc = tcg_nonce_check_device(argv[0], &err)))
		return tool_error(prog, NULL, &err);
	if (nargs == 2 && !strcmp(cmd, "consume") &&
	    (rc = tcg_nonce_from_hex(argv[1], nonce, &err)))
		return tool_error(prog, NULL, &err);
	uint8_t *cert = NULL;
	size_t cert_len = 0;
	if (!strcmp(cmd, "enroll") &&
	    (rc = tcg_read_file(argv[1], TCG_EKCERT_MAX_SIZE + 1, &cert, &cert_len, NULL,
	                        &err)))
		return tool_error(prog, argv[1], &err);
	if (have_ttl && (rc = tcg_nonce_check_ttl(ttl, &err)))
		return tool_error(prog, NULL, &err);
	tcg_nonce_claim *claims = NULL;
	size_t nclaims = 0;
	if (!strcmp(cmd, "consume-batch") && (status = read_batch(stdin, &claims, &nclaims))) {
		free_batch(claims, nclaims);
		return status;
	}

	if ((rc = tcg_nonce_store_open(store_path, &store, &err))) {
		OPENSSL_cleanse(nonce, sizeof nonce);
		free(cert);
		free_batch(claims, nclaims);
		return tool_error(prog, store_path, &err);
	}
	tcg_nonce_store_set_closed(store, closed);
	if (strcmp(cmd, "enroll") == 0) {
		rc = tcg_dha_enroll(store, argv[0], cert, cert_len, rebind, (int64_t)time(NULL),
		                    &err);
		if (rc)
			status = tool_error(prog,
			                    rc == TCG_E_IO ? store_path
			                    : rc == TCG_E_FORMAT ? argv[1]
			                                         : NULL,
			                    &err);
	} else if (strcmp(cmd, "device") == 0) {
		uint8_t ek[TCG_REGISTRY_DIGEST_SIZE];
		bool found = false;
		rc = tcg_registry_lookup(store, argv[0], ek, &found, &err);
		if (!rc && !found)
			rc = tcg_err_set(&err, TCG_E_MISMATCH, "device-unknown", TCG_NO_OFFSET,
			                 TCG_NO_EVENT, "'%s' is not enrolled", argv[0]);
		if (rc) {
			status = tool_error(prog, rc == TCG_E_IO ? store_path : NULL, &err);
		} else {
			print_hex(ek, sizeof ek);
			putchar('\n');
			status = tool_flush_stdout(prog);
		}
	} else if (strcmp(cmd, "issue") == 0) {
		rc = tcg_nonce_issue(store, argv[0], ttl, (int64_t)time(NULL), nonce, &err);
		if (rc) {
			status = tool_error(prog, rc == TCG_E_IO ? store_path : NULL, &err);
		} else {
			print_hex(nonce, sizeof nonce);
			putchar('\n');
			status = tool_flush_stdout(prog);
		}
	} else if (strcmp(cmd, "consume-batch") == 0) {
		status = consume_batch(store, store_path, claims, nclaims);
	} else if (strcmp(cmd, "consume") == 0) {
		rc = tcg_nonce_consume(store, argv[0], nonce, (int64_t)time(NULL), &err);
		if (rc)
			status = tool_error(prog, store_path, &err);
	} else {
		uint64_t count;
		rc = tcg_nonce_purge(store, (int64_t)time(NULL), &count, &err);
		if (rc) {
			status = tool_error(prog, store_path, &err);
		} else {
			printf("%llu\n", (unsigned long long)count);
			status = tool_flush_stdout(prog);
		}
	}
	OPENSSL_cleanse(nonce, sizeof nonce);
	free(cert);
	free_batch(claims, nclaims);
	tcg_nonce_store_close(store);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "store", required_argument, NULL, 's' }, { "ttl", required_argument, NULL, 't' },
		{ "closed", no_argument, NULL, OPT_CLOSED }, { "rebind", no_argument, NULL, OPT_REBIND },
		{NULL, 0, NULL, 0},
	};
	options o = {.ttl = TCG_NONCE_TTL_DEFAULT};
	const tool_spec spec = {.name = prog, .usage = usage, .shortopts = "s:t:",
		.longopts = longopts, .option = option, .run = run};
	return tool_main(&spec, &o, argc, argv);
}
