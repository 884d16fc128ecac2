/* dha-issue: check dha-bootdata and issue the EncBlob (the DHA service's first step). */
#include <errno.h>
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

typedef struct {
	const char *key_path, *new_key_path, *store_path;
	bool closed;
	tool_paths cas, untrusted;
	tcg_dha_issue_opts o;
} options;

enum { OPT_SHA1 = 256, OPT_CLOSED };

static int option(void *ctx, int c, char *arg)
{
	options *opt = ctx;
	tcg_err err;
	tcg_err_clear(&err);
	switch (c) {
	case 'k':
		opt->key_path = arg;
		break;
	case 'c':
		return tool_paths_add(prog, &opt->cas, "--ca", arg);
	case 'u':
		return tool_paths_add(prog, &opt->untrusted, "--untrusted", arg);
	case 't':
		if (tcg_dha_duration_parse(arg, &opt->o.validity, &err))
			return tool_usage_error(prog, err.msg);
		break;
	case OPT_SHA1:
		opt->o.allow_sha1 = true;
		break;
	case 's':
		opt->store_path = arg;
		break;
	case OPT_CLOSED:
		opt->closed = true;
		break;
	case 'r':
		if (tcg_dha_require_parse(arg, &opt->o, &err))
			return tool_error(prog, NULL, &err);
		break;
	case 'n':
		opt->new_key_path = arg;
		break;
	}
	return 0;
}

static int run(void *ctx, int argc, char **argv)
{
	static const tcg_msg_schema *const accept[] = {&tcg_msg_dha_bootdata, NULL};
	options *opt = ctx;
	tcg_dha_issue_opts *o = &opt->o;
	const char *path = "-";
	tcg_nonce_store *store = NULL;
	tool_input in = {0};
	tcg_err err;
	int status = 0;

	tcg_err_clear(&err);
	if (opt->new_key_path) {
		if (opt->key_path || opt->cas.n || opt->untrusted.n || o->validity || o->allow_sha1 ||
		    opt->store_path || opt->closed || o->have_require[TCG_PROFILE_LINUX] ||
		    o->have_require[TCG_PROFILE_WINDOWS] || argc)
			return tool_usage_error(prog, "--new-key takes no other option or file");
		return new_key(opt->new_key_path);
	}
	if (!opt->key_path)
		return tool_usage_error(prog, "--key FILE is required");
	if (!opt->cas.n)
		return tool_usage_error(prog, "at least one --ca FILE|DIR is required");
	/* Without the registry any TPM with a trusted EK could take a name. */
	if (!opt->store_path)
		return tool_usage_error(prog, "--store FILE is required (the device registry)");
	if (argc > 1)
		return tool_usage_error(prog, "expects at most one FILE");
	if (argc)
		path = argv[0];
	tool_init_crypto();

	tcg_ekcert_trust *trust;
	int trust_status = tool_trust_load(prog, &opt->cas, &opt->untrusted, &trust);
	if (trust_status)
		return trust_status;

	tcg_service_key key;
	if (tcg_service_key_load(opt->key_path, &key, &err)) {
		tcg_ekcert_trust_free(trust);
		return tool_error(prog, opt->key_path, &err);
	}
	if (tcg_nonce_store_open(opt->store_path, &store, &err)) {
		tcg_service_key_wipe(&key);
		tcg_ekcert_trust_free(trust);
		return tool_error(prog, opt->store_path, &err);
	}
	tcg_nonce_store_set_closed(store, opt->closed);
	o->store = store;

	tcg_msg_stream *s = NULL;
	if ((status = tool_input_open(prog, path, &in)))
		goto out;
	const char *name = in.name;
	if (!(s = tcg_msg_stream_open(in.f, name, accept))) {
		fprintf(stderr, "%s: out of memory\n", prog);
		status = 3;
		goto out;
	}
	if (tcg_dha_verifiers_new(&o->verifiers, &err)) {
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
		/* FILE#N from the first document on, as dha-verify says it. */
		tool_doc_label(label, sizeof label, name, tcg_msg_stream_index(s));
		if (!rc && done) {
			if (!n) {
				fprintf(stderr, "%s: %s: msg-empty: no dha-bootdata document\n", prog, name);
				status = 2;
			}
			break;
		}
		if (rc) {
			status = tool_worse(status, report(label, name, &err));
			continue;
		}
		st = issue_one(&m, &key, trust, o, label, name);
		tcg_msg_free(&m);
		status = tool_worse(status, st);
		if (st == 3)
			break;
	}
out:
	tcg_msg_stream_close(s);
	tool_input_close(&in);
	tcg_service_key_wipe(&key);
	tcg_ekcert_trust_free(trust);
	tcg_dha_verifiers_free(o->verifiers);
	tcg_nonce_store_close(store);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"key", required_argument, NULL, 'k'},      {"ca", required_argument, NULL, 'c'},
		{"untrusted", required_argument, NULL, 'u'}, {"validity", required_argument, NULL, 't'},
		{"allow-sha1", no_argument, NULL, OPT_SHA1}, {"new-key", required_argument, NULL, 'n'},
		{"store", required_argument, NULL, 's'},    {"closed", no_argument, NULL, OPT_CLOSED},
		{"require-pcrs", required_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	const tool_spec spec = {.name = prog, .usage = usage, .shortopts = "k:c:u:t:n:s:r:",
		.longopts = longopts, .option = option, .run = run};
	options o = {0};
	return tool_main(&spec, &o, argc, argv);
}
