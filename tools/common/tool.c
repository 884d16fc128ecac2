/* The tools' shared part: messages, exit codes and option handling. */
#include <errno.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

const char *tool_file_name(const char *file)
{
	return file && !strcmp(file, "-") ? "<stdin>" : file;
}

int tool_error(const char *prog, const char *file, const tcg_err *err)
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

int tool_usage_error(const char *prog, const char *what)
{
	fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n", prog, what, prog);
	return 2;
}

void tool_getopt_init(char **argv, const char *prog)
{
	argv[0] = (char *)prog;
}

int tool_option_error(const char *prog)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", prog);
	return 2;
}

void tool_init_crypto(void)
{
	uint64_t opts = OPENSSL_INIT_NO_ADD_ALL_CIPHERS |
	                OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS;
	if (!getenv("OPENSSL_CONF"))
		opts |= OPENSSL_INIT_NO_LOAD_CONFIG;
	OPENSSL_init_crypto(opts, NULL);
}

void tool_init_crypto_for(const tcg_log *log)
{
	for (size_t i = 0; i < tcg_log_num_banks(log); i++)
		if (tcg_alg_needs_hasher(tcg_log_bank(log, i).alg)) {
			tool_init_crypto();
			return;
		}
}

int tool_add_bank(const char *prog, uint16_t *banks, size_t *n, const char *name)
{
	if (*n == TCG_MAX_BANKS)
		return tool_usage_error(prog, "too many --bank options");
	if (!tcg_alg_from_name(name, &banks[*n]))
		return tool_usage_error(prog, "--bank takes a hash algorithm: sha1, sha256, sha384, "
		                              "sha512, sm3_256, sha3_256, sha3_384, sha3_512");
	++*n;
	return 0;
}

int tool_format(const char *prog, const char *arg, bool *json)
{
	if (strcmp(arg, "yaml") && strcmp(arg, "json"))
		return tool_usage_error(prog, "--format takes yaml or json");
	*json = !strcmp(arg, "json");
	return 0;
}

tcg_out_format tool_out_format(bool json)
{
	return json ? TCG_OUT_JSON : TCG_OUT_YAML;
}

int tool_version(const char *prog)
{
	printf("%s (tcglog) %s\n", prog, TCGLOG_VERSION);
	return 0;
}

int tool_flush_stdout(const char *prog)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: standard output: %s\n", prog, strerror(errno));
		return 3;
	}
	return 0;
}

int tool_write_stdout(const char *prog, const void *text, size_t len)
{
	if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
		fprintf(stderr, "%s: standard output: %s\n", prog, strerror(errno));
		return 3;
	}
	return 0;
}

FILE *tool_msg_open(const char *prog, tool_msg_buf *b)
{
	b->text = NULL;
	b->len = 0;
	if (!(b->mem = open_memstream(&b->text, &b->len)))
		fprintf(stderr, "%s: out of memory\n", prog);
	return b->mem;
}

int tool_msg_emit(const char *prog, tool_msg_buf *b, tcg_rc rc, tcg_err *err)
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

int tool_paths_add(const char *prog, tool_paths *l, const char *opt, const char *path)
{
	char msg[64];
	if (l->n == TOOL_MAX_PATHS) {
		snprintf(msg, sizeof msg, "too many %s options", opt);
		return tool_usage_error(prog, msg);
	}
	l->path[l->n++] = path;
	return 0;
}

int tool_worse(int a, int b)
{
	return a > b ? a : b;
}

int tool_input_open(const char *prog, const char *path, tool_input *in)
{
	in->is_stdin = !strcmp(path, "-");
	in->name = tool_file_name(path);
	if (!(in->f = in->is_stdin ? stdin : fopen(path, "rb"))) {
		fprintf(stderr, "%s: %s: open: %s\n", prog, path, strerror(errno));
		return 3;
	}
	return 0;
}

void tool_input_close(tool_input *in)
{
	if (in->f && !in->is_stdin)
		fclose(in->f);
	in->f = NULL;
}

void tool_doc_label(char *buf, size_t size, const char *name, unsigned doc)
{
	snprintf(buf, size, "%s#%u", name, doc);
}
