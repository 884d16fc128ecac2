/* Boilerplate shared by the tools: messages and exit codes only, no rules. */
#ifndef TCGLOG_TOOL_H
#define TCGLOG_TOOL_H

#include <errno.h>
#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcglog/ekcert.h"
#include "tcglog/error.h"
#include "tcglog/log.h"
#include "tcglog/output.h"

/* The name errors give a file: standard input ("-") is "<stdin>". */
static inline const char *tool_file_name(const char *file)
{
	return file && !strcmp(file, "-") ? "<stdin>" : file;
}

/*
 * The one error layout of every tool, on one line:
 * "PROG: FILE: [offset N: [event M:] | line N: column C:] rule: message"
 * (FILE#D for the D-th document of a stream).
 * FILE is NULL only when no file is concerned (a TPM, the output).
 */
static inline int tool_error(const char *prog, const char *file, const tcg_err *err)
{
	char msg[512];
	const char *name = tool_file_name(file);
	size_t nlen = name ? strlen(name) : 0;
	unsigned long doc = 0, line, col;
	int used = 0;
	/* The YAML reader says "FILE[#DOC]:LINE:COL: why"; put the line where
	 * every tool puts a position, after the file and before the rule. */
	if (name && !strncmp(err->msg, name, nlen) &&
	    ((err->msg[nlen] == ':' &&
	      sscanf(err->msg + nlen, ":%lu:%lu: %n", &line, &col, &used) == 2) ||
	     (err->msg[nlen] == '#' &&
	      sscanf(err->msg + nlen, "#%lu:%lu:%lu: %n", &doc, &line, &col, &used) == 3)) &&
	    used) {
		tcg_err e = *err;
		memmove(e.msg, err->msg + nlen + (size_t)used, strlen(err->msg + nlen + used) + 1);
		tcg_err_format(&e, msg, sizeof msg);
		if (doc)
			fprintf(stderr, "%s: %s#%lu: line %lu: column %lu: %s\n", prog, name, doc, line,
			        col, msg);
		else
			fprintf(stderr, "%s: %s: line %lu: column %lu: %s\n", prog, name, line, col, msg);
		return tcg_exit_status(err->rc);
	}
	tcg_err_format(err, msg, sizeof msg);
	if (name)
		fprintf(stderr, "%s: %s: %s\n", prog, name, msg);
	else
		fprintf(stderr, "%s: %s\n", prog, msg);
	return tcg_exit_status(err->rc);
}

static inline int tool_usage_error(const char *prog, const char *what)
{
	fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n", prog, what, prog);
	return 2;
}

/*
 * Before the getopt loop: getopt says what is wrong with an option under our
 * name (not the path the tool was run by), once.
 */
static inline void tool_getopt_init(char **argv, const char *prog)
{
	argv[0] = (char *)prog;
}

/* getopt's '?': it has said what is wrong; only the hint follows. */
static inline int tool_option_error(const char *prog)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", prog);
	return 2;
}

/*
 * OpenSSL's default start-up (configuration file, every cipher, digest and
 * error string) costs more than a whole log replay. Tools load only what they
 * use; a configuration named in OPENSSL_CONF is still honoured.
 */
static inline void tool_init_crypto(void)
{
	uint64_t opts = OPENSSL_INIT_NO_ADD_ALL_CIPHERS |
	                OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS;
	if (!getenv("OPENSSL_CONF"))
		opts |= OPENSSL_INIT_NO_LOAD_CONFIG;
	OPENSSL_init_crypto(opts, NULL);
}

/* --bank ALG: append to banks; 0 or the usage exit status. */
static inline int tool_add_bank(const char *prog, uint16_t *banks, size_t *n, const char *name)
{
	if (*n == TCG_MAX_BANKS)
		return tool_usage_error(prog, "too many --bank options");
	if (!tcg_alg_from_name(name, &banks[*n]))
		return tool_usage_error(prog, "--bank takes a hash algorithm: sha1, sha256, sha384, "
		                              "sha512, sm3_256, sha3_256, sha3_384, sha3_512");
	++*n;
	return 0;
}

/* --format yaml|json: 0 (*json set), or the usage exit status. */
static inline int tool_format(const char *prog, const char *arg, bool *json)
{
	if (strcmp(arg, "yaml") && strcmp(arg, "json"))
		return tool_usage_error(prog, "--format takes yaml or json");
	*json = !strcmp(arg, "json");
	return 0;
}

/* The result writers' format for --format's choice. */
static inline tcg_out_format tool_out_format(bool json)
{
	return json ? TCG_OUT_JSON : TCG_OUT_YAML;
}

static inline int tool_version(const char *prog)
{
	printf("%s (tcglog) %s\n", prog, TCGLOG_VERSION);
	return 0;
}

/* Flush standard output: 0, or 3 after saying why. */
static inline int tool_flush_stdout(const char *prog)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: standard output: %s\n", prog, strerror(errno));
		return 3;
	}
	return 0;
}

/* Write all of text to standard output and flush: 0, or 3 after saying why. */
static inline int tool_write_stdout(const char *prog, const void *text, size_t len)
{
	if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
		fprintf(stderr, "%s: standard output: %s\n", prog, strerror(errno));
		return 3;
	}
	return 0;
}

/* A message made in memory and written whole: nothing reaches standard output
 * unless all of it was made. */
typedef struct {
	FILE *mem;
	char *text;
	size_t len;
} tool_msg_buf;

/* Where to write a new message, or NULL (said) when out of memory. */
static inline FILE *tool_msg_open(const char *prog, tool_msg_buf *b)
{
	b->text = NULL;
	b->len = 0;
	if (!(b->mem = open_memstream(&b->text, &b->len)))
		fprintf(stderr, "%s: out of memory\n", prog);
	return b->mem;
}

/* Write the message to standard output unless its writer failed (rc, said
 * in err). Releases b; 0 or the exit status. */
static inline int tool_msg_emit(const char *prog, tool_msg_buf *b, tcg_rc rc, tcg_err *err)
{
	int status = rc ? tool_error(prog, NULL, err) : 0;
	if (fclose(b->mem) != 0 && !status) {
		fprintf(stderr, "%s: out of memory\n", prog);
		status = 3;
	}
	if (!status)
		status = tool_write_stdout(prog, b->text, b->len);
	free(b->text);
	b->mem = NULL;
	b->text = NULL;
	return status;
}

/* The trust anchors of --ca and --untrusted: 0, or the exit status after
 * saying which file failed (*out NULL). */
static inline int tool_trust_load(const char *prog, const char *const *cas, size_t ncas,
                                  const char *const *untrusted, size_t nuntrusted,
                                  tcg_ekcert_trust **out)
{
	tcg_err err;
	tcg_err_clear(&err);
	tcg_ekcert_trust *t = tcg_ekcert_trust_new();
	*out = NULL;
	if (!t) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 3;
	}
	for (size_t i = 0; i < ncas + nuntrusted; i++) {
		const char *path = i < ncas ? cas[i] : untrusted[i - ncas];
		if (i < ncas ? tcg_ekcert_trust_add_ca(t, path, &err)
		             : tcg_ekcert_trust_add_untrusted(t, path, &err)) {
			tcg_ekcert_trust_free(t);
			return tool_error(prog, path, &err);
		}
	}
	*out = t;
	return 0;
}

#endif
