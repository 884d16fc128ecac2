/* The tools' shared part (built once in common/): messages, exit codes and
 * option handling only, no rules. */
#ifndef TCGLOG_TOOL_H
#define TCGLOG_TOOL_H

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcglog/ekcert.h"
#include "tcglog/error.h"
#include "tcglog/log.h"
#include "tcglog/output.h"

/*
 * What a tool is: its own options and what it does with them. tool_main adds
 * -h/--help, -V/--version and (json set) --format yaml|json, says what is
 * wrong with an option once, and gives run the operands.
 */
typedef struct {
	const char *name;
	void (*usage)(FILE *f);
	const char *shortopts;          /* the tool's own; "hV" is added */
	const struct option *longopts;  /* the tool's own, ending with a zero entry */
	bool *json;                     /* non-NULL: the tool takes --format yaml|json */
	/* One of the tool's own options: 0, or the exit status to stop with. */
	int (*option)(void *ctx, int opt, char *arg);
	int (*run)(void *ctx, int argc, char **argv);
} tool_spec;

/* --format's getopt value, above any tool's own long-only values. */
#define TOOL_OPT_FORMAT 0x7f00

/* Parse the options into ctx, then run on the operands: the exit status. */
int tool_main(const tool_spec *spec, void *ctx, int argc, char **argv);

/* The name errors give a file: standard input ("-") is "<stdin>". */
const char *tool_file_name(const char *file);

/*
 * The one error layout of every tool, on one line:
 * "PROG: FILE: [offset N: [event M:] | line N: column C:] rule: message"
 * (FILE#D for the D-th document of a stream).
 * FILE is NULL only when no file is concerned (a TPM, the output).
 */
int tool_error(const char *prog, const char *file, const tcg_err *err);

int tool_usage_error(const char *prog, const char *what);

/*
 * Before the getopt loop: getopt says what is wrong with an option under our
 * name (not the path the tool was run by), once.
 */
void tool_getopt_init(char **argv, const char *prog);

/* getopt's '?': it has said what is wrong; only the hint follows. */
int tool_option_error(const char *prog);

/*
 * OpenSSL's default start-up (configuration file, every cipher, digest and
 * error string) costs more than a whole log replay. Tools load only what they
 * use; a configuration named in OPENSSL_CONF is still honoured.
 */
void tool_init_crypto(void);
/* The same, only when LOG has a bank that hashes through OpenSSL's providers
 * (SM3, SHA-3): SHA-1 and SHA-2 never start them, and starting them for
 * nothing is a tenth of a dump. Before the first hash of the log. */
void tool_init_crypto_for(const tcg_log *log);

/* --bank ALG: append to banks; 0 or the usage exit status. */
int tool_add_bank(const char *prog, uint16_t *banks, size_t *n, const char *name);

/* --format yaml|json: 0 (*json set), or the usage exit status. */
int tool_format(const char *prog, const char *arg, bool *json);

/* The result writers' format for --format's choice. */
tcg_out_format tool_out_format(bool json);

int tool_version(const char *prog);

/* Flush standard output: 0, or 3 after saying why. */
int tool_flush_stdout(const char *prog);

/* Write all of text to standard output and flush: 0, or 3 after saying why. */
int tool_write_stdout(const char *prog, const void *text, size_t len);

/* A message made in memory and written whole: nothing reaches standard output
 * unless all of it was made. */
typedef struct {
	FILE *mem;
	char *text;
	size_t len;
} tool_msg_buf;

/* Where to write a new message, or NULL (said) when out of memory. */
FILE *tool_msg_open(const char *prog, tool_msg_buf *b);

/* Write the message to standard output unless its writer failed (rc, said
 * in err). Releases b; 0 or the exit status. */
int tool_msg_emit(const char *prog, tool_msg_buf *b, tcg_rc rc, tcg_err *err);

/* A repeatable path option (--ca, --untrusted, --key): the paths in order. */
#define TOOL_MAX_PATHS 64
typedef struct {
	const char *path[TOOL_MAX_PATHS];
	size_t n;
} tool_paths;

/* Append path given to option opt ("--ca"): 0, or the usage exit status. */
int tool_paths_add(const char *prog, tool_paths *l, const char *opt, const char *path);

/* The trust anchors of --ca and --untrusted: 0, or the exit status after
 * saying which file failed (*out NULL). */
int tool_trust_load(const char *prog, const tool_paths *cas, const tool_paths *untrusted,
                    tcg_ekcert_trust **out);

/* The exit status of several inputs: 3 (environment) over 2 (unparsable)
 * over 1 (refused) over 0. */
int tool_worse(int a, int b);

/* An input FILE, or standard input for "-": name is what messages call it. */
typedef struct {
	FILE *f;
	const char *name;
	bool is_stdin;
} tool_input;

/* Open path: 0, or 3 after saying "PROG: PATH: RULE: why" (f NULL). */
int tool_input_open(const char *prog, const char *path, tool_input *in);
void tool_input_close(tool_input *in);

/* Where the doc-th document (from 1) of a stream named name is: "NAME#DOC". */
void tool_doc_label(char *buf, size_t size, const char *name, unsigned doc);

#endif
