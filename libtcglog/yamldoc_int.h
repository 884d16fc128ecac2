/* Private to yamldoc.c and the direct reader (yamlfast.c), and the tests and
 * fuzzers that hold the two readers to the same trees. */
#ifndef TCGLOG_YAMLDOC_INT_H
#define TCGLOG_YAMLDOC_INT_H

#include "yamldoc.h"

/* Shared by both readers so a tree means the same whichever built it. */
void tcg_ynode_free_tree(tcg_ynode *n);
void tcg_ynode_classify(tcg_ynode *n, bool plain);
/* The later of two equal keys of a mapping, or NULL; -1 in *nomem when out
 * of memory. */
const tcg_ynode *tcg_ynode_dup_key(const tcg_ynode *map, bool *nomem);

/* The same tree: kinds, positions, values and their types. */
bool tcg_ynode_equal(const tcg_ynode *a, const tcg_ynode *b);

/* The direct reader's answer about one document. */
typedef enum { TCG_YFAST_OK, TCG_YFAST_DECLINE, TCG_YFAST_NOMEM } tcg_yfast_rc;

typedef struct {
	tcg_ynode *root;
	size_t consumed;    /* bytes read: through the document, up to the next "---" */
	unsigned lines;     /* line breaks in those bytes */
	size_t size;        /* the document's length as libyaml marks it */
	size_t events;      /* the libyaml events the document stands for */
	bool more;          /* a "---" line follows at consumed */
} tcg_yfast_doc;

/*
 * Read one document at the start of len bytes (a line start; line0 its
 * 0-based line in the input) if it lies inside the subset the project's
 * messages use: block mappings and sequences, one-line plain, single- and
 * double-quoted scalars, comments, "---" and "...". Anything else, or any
 * fault libyaml would report (duplicate key, caps), declines: the caller then
 * hands the same bytes to libyaml. first: the document may start without
 * "---". The tree is the one libyaml's path builds, positions included.
 */
tcg_yfast_rc tcg_yfast_parse(const uint8_t *data, size_t len, unsigned line0, bool first,
                             tcg_yfast_doc *out);

/* Only blank lines and comments, in printable ASCII: nothing libyaml would
 * read as a document or refuse. */
bool tcg_yfast_blank(const uint8_t *data, size_t len);

/* The libyaml path alone: the reference the direct reader is held to. */
tcg_rc tcg_ydoc_parse_slow(const uint8_t *data, size_t len, const char *file, tcg_ydoc *doc,
                           tcg_err *err);
void tcg_ydoc_stream_set_slow(tcg_ydoc_stream *s);

#endif
