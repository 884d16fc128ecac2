/* dha-issue: check dha-bootdata and issue the EncBlob (the DHA service's first step). */
#include <errno.h>
#include <getopt.h>
#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tcglog/blob.h"
#include "tcglog/dha.h"
#include "tcglog/ekcert.h"
#include "tcglog/msg.h"
#include "tcglog/nonce.h"
#include "tool.h"

static const char *prog = "dha-issue";

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: %s --key FILE --store FILE --ca FILE|DIR [--ca ...] [--untrusted FILE]\n"
	        "       [--closed] [--require-pcrs [PROFILE=]SEL]... [--validity DURATION]\n"
	        "       [--allow-sha1] [FILE]\n"
	        "       %s --new-key FILE\n"
	        "Check dha-bootdata messages (FILE, or standard input) and write, for each that\n"
	        "passes every check, a dha-encblob reply: the EncBlob sealed under the service\n"
	        "key, wrapped for the device's TPM with MakeCredential (EK and AK).\n"
	        "\n"
	        "  -k, --key FILE         the service key (32 bytes, mode 0600 or stricter)\n"
	        "  -c, --ca FILE|DIR      EK certificate trust anchors (PEM or DER; a directory\n"
	        "                         is read one level deep); repeatable, at least one\n"
	        "  -u, --untrusted FILE   intermediate certificates; repeatable\n"
	        "  -s, --store FILE       the service's store (SQLite, shared with dha-nonce):\n"
	        "                         its device registry binds each device name to the\n"
	        "                         first EK certificate accepted for it\n"
	        "      --closed           closed registry: refuse names not enrolled before\n"
	        "                         (dha-nonce enroll) instead of enrolling them\n"
	        "  -r, --require-pcrs [PROFILE=]SEL\n"
	        "                         PCRs the quote must cover for boot logs of PROFILE\n"
	        "                         (windows or linux; without it, both); default\n"
	        "                         windows=%s,\n"
	        "                         linux=%s; PCRs 16\n"
	        "                         and 23 never count; repeatable\n"
	        "  -t, --validity DURATION  how long the EncBlob is good for: seconds, or a\n"
	        "                         number with s, m, h or d (default 1d, at most %dd)\n"
	        "      --allow-sha1       accept SHA-1 for the AK and the quoted PCR banks\n"
	        "  -n, --new-key FILE     create a service key (mode 0600; never overwrites)\n"
	        "  -h, --help             this text\n"
	        "  -V, --version          the version\n"
	        "\n"
	        "Checks, in order, each refusal naming its rule: EK and AK public areas; EK\n"
	        "certificate chain, TCG profile and key (ekcert-...); AK attributes (ak-...);\n"
	        "the quote, its qualifying data binding the message (quote-...); the PCRs\n"
	        "required for the log's profile (selection-insufficient); the log's replay\n"
	        "to the quoted PCRs (pcr-mismatch) and strict claims; the device registry\n"
	        "(device-ek-mismatch: the name belongs to another EK certificate;\n"
	        "device-unknown: closed registry, name not enrolled). A reply is written\n"
	        "only for a message that passes all of them.\n"
	        "\n"
	        "Exit status: 0 every message issued, 1 a check failed, 2 bad usage or a\n"
	        "message that cannot be parsed, 3 the environment failed (key file, I/O);\n"
	        "with several messages, the highest of these.\n",
	        prog, prog, TCG_DHA_REQUIRE_WINDOWS, TCG_DHA_REQUIRE_LINUX,
	        TCG_DHA_MAX_VALIDITY / 86400);
}

/* Report err; a YAML fault names the file, document and line in its message,
 * which tool_error puts in the one layout. */
static int report(const char *label, const char *file, const tcg_err *err)
{
	size_t n = strlen(file);
	bool named = !strncmp(err->msg, file, n) && (err->msg[n] == ':' || err->msg[n] == '#');
	return tool_error(prog, named ? file : label, err);
}

static int new_key(const char *path)
{
	tcg_err err;
	tcg_err_clear(&err);
	if (tcg_service_key_create(path, NULL, &err))
		return tool_error(prog, path, &err);
	return 0;
}

/* One bootdata: issue and write the reply, all or nothing on stdout. */
static int issue_one(const tcg_msg *m, const tcg_service_key *key, const tcg_ekcert_trust *trust,
                     const tcg_dha_issue_opts *o, const char *label, const char *file)
{
	tcg_dha_reply reply;
	tcg_err err;
	char *buf = NULL;
	size_t len = 0;
	tcg_err_clear(&err);
	if (tcg_dha_issue(m, key, trust, o, (int64_t)time(NULL), &reply, &err))
		return report(label, file, &err);
	FILE *f = open_memstream(&buf, &len);
	tcg_rc rc = f ? tcg_dha_reply_write(&reply, f, &err) : tcg_fail_nomem(&err);
	if (f && fclose(f) && !rc)
		rc = tcg_fail(&err, TCG_E_NOMEM, TCG_RULE_OUT_OF_MEMORY, "cannot write the reply");
	tcg_dha_reply_free(&reply);
	if (rc) {
		free(buf);
		return tool_error(prog, label, &err);
	}
	int status = tool_write_stdout(prog, buf, len);
	free(buf);
	if (status)
		return status;
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_SHA1 = 256, OPT_CLOSED };
	static const struct option longopts[] = {
		{"key", required_argument, NULL, 'k'},      {"ca", required_argument, NULL, 'c'},
		{"untrusted", required_argument, NULL, 'u'}, {"validity", required_argument, NULL, 't'},
		{"allow-sha1", no_argument, NULL, OPT_SHA1}, {"new-key", required_argument, NULL, 'n'},
		{"store", required_argument, NULL, 's'},    {"closed", no_argument, NULL, OPT_CLOSED},
		{"require-pcrs", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},           {"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	static const tcg_msg_schema *const accept[] = {&tcg_msg_dha_bootdata, NULL};
	const char *key_path = NULL, *new_key_path = NULL, *path = "-", *store_path = NULL;
	bool closed = false;
	tcg_nonce_store *store = NULL;
	enum { MAX_FILES = 64 };
	const char *cas[MAX_FILES], *untrusted[MAX_FILES];
	size_t ncas = 0, nuntrusted = 0;
	tcg_dha_issue_opts o = {0};
	tcg_err err;
	int c, status = 0;

	tcg_err_clear(&err);
	tool_getopt_init(argv, prog);
	while ((c = getopt_long(argc, argv, "k:c:u:t:n:s:r:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			key_path = optarg;
			break;
		case 'c':
			if (ncas == MAX_FILES)
				return tool_usage_error(prog, "too many --ca options");
			cas[ncas++] = optarg;
			break;
		case 'u':
			if (nuntrusted == MAX_FILES)
				return tool_usage_error(prog, "too many --untrusted options");
			untrusted[nuntrusted++] = optarg;
			break;
		case 't':
			if (tcg_dha_duration_parse(optarg, &o.validity, &err))
				return tool_usage_error(prog, err.msg);
			break;
		case OPT_SHA1:
			o.allow_sha1 = true;
			break;
		case 's':
			store_path = optarg;
			break;
		case OPT_CLOSED:
			closed = true;
			break;
		case 'r':
			if (tcg_dha_require_parse(optarg, &o, &err))
				return tool_error(prog, NULL, &err);
			break;
		case 'n':
			new_key_path = optarg;
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
	if (new_key_path) {
		if (key_path || ncas || nuntrusted || o.validity || o.allow_sha1 || store_path ||
		    closed || o.have_require[TCG_PROFILE_LINUX] ||
		    o.have_require[TCG_PROFILE_WINDOWS] || optind < argc)
			return tool_usage_error(prog, "--new-key takes no other option or file");
		return new_key(new_key_path);
	}
	if (!key_path)
		return tool_usage_error(prog, "--key FILE is required");
	if (!ncas)
		return tool_usage_error(prog, "at least one --ca FILE|DIR is required");
	/* Without the registry any TPM with a trusted EK could take a name. */
	if (!store_path)
		return tool_usage_error(prog, "--store FILE is required (the device registry)");
	if (argc - optind > 1)
		return tool_usage_error(prog, "expects at most one FILE");
	if (optind < argc)
		path = argv[optind];
	tool_init_crypto();

	tcg_ekcert_trust *trust;
	int trust_status = tool_trust_load(prog, cas, ncas, untrusted, nuntrusted, &trust);
	if (trust_status)
		return trust_status;

	tcg_service_key key;
	if (tcg_service_key_load(key_path, &key, &err)) {
		tcg_ekcert_trust_free(trust);
		return tool_error(prog, key_path, &err);
	}
	if (tcg_nonce_store_open(store_path, &store, &err)) {
		tcg_service_key_wipe(&key);
		tcg_ekcert_trust_free(trust);
		return tool_error(prog, store_path, &err);
	}
	tcg_nonce_store_set_closed(store, closed);
	o.store = store;

	bool is_stdin = !strcmp(path, "-");
	const char *name = is_stdin ? "<stdin>" : path;
	FILE *in = is_stdin ? stdin : fopen(path, "rb");
	tcg_msg_stream *s = NULL;
	if (!in) {
		fprintf(stderr, "%s: %s: cannot open: %s\n", prog, path, strerror(errno));
		status = 3;
		goto out;
	}
	if (!(s = tcg_msg_stream_open(in, name, accept))) {
		fprintf(stderr, "%s: out of memory\n", prog);
		status = 3;
		goto out;
	}
	if (tcg_dha_verifiers_new(&o.verifiers, &err)) {
		status = tool_error(prog, NULL, &err);
		goto out;
	}
	/* One reply per document: a fleet's backlog is one pipe. */
	for (unsigned n = 0;; n++) {
		tcg_msg m;
		bool done = false;
		char label[300];
		int st;
		/* A stream stopped by an earlier fault (syntax, size, read): that
		 * fault is already reported, and every later read would fail. */
		if (tcg_msg_stream_stopped(s))
			break;
		tcg_err_clear(&err);
		tcg_rc rc = tcg_msg_stream_next(s, &m, &done, &err);
		unsigned idx = tcg_msg_stream_index(s);
		if (idx > 1)
			snprintf(label, sizeof label, "%s#%u", name, idx);
		else
			snprintf(label, sizeof label, "%s", name);
		if (!rc && done) {
			if (!n) {
				fprintf(stderr, "%s: %s: msg-empty: no dha-bootdata document\n", prog, name);
				status = 2;
			}
			break;
		}
		if (rc) {
			st = report(label, name, &err);
			if (st > status)
				status = st;
			continue;
		}
		st = issue_one(&m, &key, trust, &o, label, name);
		tcg_msg_free(&m);
		if (st > status)
			status = st;
		if (st == 3)
			break;
	}
out:
	tcg_msg_stream_close(s);
	if (in && !is_stdin)
		fclose(in);
	tcg_service_key_wipe(&key);
	tcg_ekcert_trust_free(trust);
	tcg_dha_verifiers_free(o.verifiers);
	tcg_nonce_store_close(store);
	return status;
}
