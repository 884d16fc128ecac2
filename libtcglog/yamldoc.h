/*
 * A strict YAML reader: libyaml parser events into a small tree that keeps the
 * line and column of every node. The subset the messages use (block
 * collections, one-line scalars, comments) is read by a direct reader that
 * builds the same tree; any other document goes to libyaml, which also makes
 * every refusal. It refuses what our documents never need and
 * an attacker might use: duplicate keys, anchors, aliases, tags (and %TAG
 * directives), complex keys, more than one document, input over a size cap,
 * nesting over a depth cap, more nodes than a node cap. Every error names the
 * file, line and column ("FILE:LINE:COLUMN: ...", TCG_E_FORMAT).
 *
 * Private to the library, its tests and fuzzers: the public headers know
 * tcg_ynode only as an opaque type, so the tree's layout is no ABI.
 */
#ifndef TCGLOG_YAMLDOC_H
#define TCGLOG_YAMLDOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tcglog/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TCG_YDOC_MAX_SIZE (4u << 20) /* bytes */
#define TCG_YDOC_MAX_DEPTH 32
#define TCG_YDOC_MAX_NODES 200000

typedef enum { TCG_YNODE_SCALAR, TCG_YNODE_SEQ, TCG_YNODE_MAP } tcg_ynode_kind;

/* What a scalar is: plain true/false, a plain decimal integer, a plain null
 * (~, null or empty), anything else (or any quoted scalar) a string. */
typedef enum { TCG_YVAL_STR, TCG_YVAL_BOOL, TCG_YVAL_INT, TCG_YVAL_NULL } tcg_yval;

typedef struct tcg_ynode tcg_ynode;
struct tcg_ynode {
	tcg_ynode_kind kind;
	unsigned line, col; /* 1-based */
	/* scalar */
	char *str;          /* NUL-terminated (len excludes it; may hold NULs) */
	size_t len;
	tcg_yval val;
	bool b;
	long long i;
	/* sequence: items[0..n); mapping: keys items[2k], values items[2k+1] */
	tcg_ynode **items;
	size_t n;           /* number of entries (mapping: pairs) */
};

typedef struct tcg_ydoc {
	tcg_ynode *root;
	char file[128];     /* the name errors use */
	size_t size;        /* the document's length in the input (a stream: characters) */
} tcg_ydoc;

/* Parse one document of len bytes (cap TCG_YDOC_MAX_SIZE). file names the
 * input in errors. On success doc->root is set (never NULL). */
tcg_rc tcg_ydoc_parse(const uint8_t *data, size_t len, const char *file, tcg_ydoc *doc,
                      tcg_err *err);
void tcg_ydoc_free(tcg_ydoc *doc);

/*
 * A stream of many documents ("---" separated), read one document at a time
 * with the same refusals and caps as tcg_ydoc_parse, each document capped at
 * max_doc bytes (0 or more than TCG_YDOC_MAX_SIZE: TCG_YDOC_MAX_SIZE) and
 * never more than that (plus a small read-ahead) held in memory. Errors name
 * the document: "FILE#N:LINE:COLUMN: ..." (N counts from 1, lines count from
 * the start of the stream). A fault inside a well-formed document (duplicate
 * key, alias, tag, too many nodes) spoils only that document: the next call
 * goes on with document N+1. A YAML syntax error, a document over the cap,
 * nesting deeper than TCG_YDOC_MAX_DEPTH (libyaml's cost per event grows with
 * the nesting, so even skipping it would be quadratic) or a read error stops
 * the stream: later calls fail again. The work is linear in the input read.
 * Bytes libyaml cannot decode (bad UTF-8, control characters) are refused
 * at the document that holds them, not at an earlier one libyaml's 16 KiB
 * read-ahead would have reached.
 */
typedef struct tcg_ydoc_stream tcg_ydoc_stream;

/* Read from f (not closed by the stream) or from len bytes at data (kept by
 * the caller until the stream is closed). NULL when out of memory. A FILE
 * with a descriptor is read through it, what each read(2) gives (nothing may
 * have been read from f through stdio before): on a pipe a document is
 * answered as soon as it is complete, at a "..." line ending it, the next
 * "---" line or the end of the input, while the writer keeps the pipe open. */
tcg_ydoc_stream *tcg_ydoc_stream_open_file(FILE *f, const char *file, size_t max_doc);
tcg_ydoc_stream *tcg_ydoc_stream_open_buf(const uint8_t *data, size_t len, const char *file,
                                          size_t max_doc);
/* The next document into doc (free it with tcg_ydoc_free). At the end of the
 * stream: TCG_OK with *done set and doc empty. An empty stream has no
 * documents (the caller decides whether that is an error). */
tcg_rc tcg_ydoc_stream_next(tcg_ydoc_stream *s, tcg_ydoc *doc, bool *done, tcg_err *err);
/* The number (1-based) of the document the last call read or refused. */
unsigned tcg_ydoc_stream_index(const tcg_ydoc_stream *s);
/* A fault stopped the stream: every later call fails (yaml-stream) and
 * reads nothing, so a reader stops asking. */
bool tcg_ydoc_stream_stopped(const tcg_ydoc_stream *s);
/* The number of libyaml events the stream has read so far (a document the
 * direct reader read counts the events libyaml would have given): the work
 * done, which tests and benchmarks bound (a refusal must not read on). */
size_t tcg_ydoc_stream_events(const tcg_ydoc_stream *s);
void tcg_ydoc_stream_close(tcg_ydoc_stream *s);

/* A mapping's value for key, or NULL (also when map is not a mapping). */
const tcg_ynode *tcg_ynode_get(const tcg_ynode *map, const char *key);
/* Follow a dotted path ("health.PCR0", "windows.LoadedModules.0.Path"):
 * mapping keys, or decimal indexes into sequences. NULL when absent. */
const tcg_ynode *tcg_ynode_path(const tcg_ynode *root, const char *path);
const char *tcg_ynode_kind_name(const tcg_ynode *n);

/* Set err to "rule: FILE:LINE:COLUMN: message" at node n (TCG_E_FORMAT). */
tcg_rc tcg_ydoc_error(tcg_err *err, const tcg_ydoc *doc, const tcg_ynode *n, const char *rule,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#ifdef __cplusplus
}
#endif
#endif
