/* Strict YAML documents: see include/tcglog/yamldoc.h. */
#include "tcglog/yamldoc.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct {
	yaml_parser_t *p;
	tcg_ydoc *doc;
	tcg_err *err;
	size_t nodes;
	tcg_ydoc_stream *s; /* set when reading a stream */
} builder;

static tcg_rc stream_event(builder *b, yaml_event_t *ev, int ok);

static tcg_rc at(builder *b, const yaml_mark_t *m, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static tcg_rc at(builder *b, const yaml_mark_t *m, const char *rule, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return tcg_err_set(b->err, TCG_E_FORMAT, rule, TCG_NO_OFFSET, TCG_NO_EVENT, "%s:%zu:%zu: %s",
	                   b->doc->file, m->line + 1, m->column + 1, msg);
}

tcg_rc tcg_ydoc_error(tcg_err *err, const tcg_ydoc *doc, const tcg_ynode *n, const char *rule,
                      const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return tcg_err_set(err, TCG_E_FORMAT, rule, TCG_NO_OFFSET, TCG_NO_EVENT, "%s:%u:%u: %s",
	                   doc ? doc->file : "-", n ? n->line : 0, n ? n->col : 0, msg);
}

static void node_free(tcg_ynode *n)
{
	if (!n)
		return;
	size_t k = n->kind == TCG_YNODE_MAP ? 2 * n->n : n->n;
	for (size_t i = 0; i < k; i++)
		node_free(n->items[i]);
	free(n->items);
	free(n->str);
	free(n);
}

void tcg_ydoc_free(tcg_ydoc *doc)
{
	if (!doc)
		return;
	node_free(doc->root);
	doc->root = NULL;
}

static tcg_rc next(builder *b, yaml_event_t *ev)
{
	int ok = yaml_parser_parse(b->p, ev);
	if (b->s)
		return stream_event(b, ev, ok);
	if (!ok) {
		yaml_mark_t m = b->p->problem_mark;
		return at(b, &m, "yaml-syntax", "%s%s%s", b->p->problem ? b->p->problem : "syntax error",
		          b->p->context ? " " : "", b->p->context ? b->p->context : "");
	}
	return TCG_OK;
}

static void classify(tcg_ynode *n, bool plain)
{
	n->val = TCG_YVAL_STR;
	if (!plain)
		return;
	const char *s = n->str;
	if (n->len == 0 || !strcmp(s, "~") || !strcmp(s, "null")) {
		n->val = TCG_YVAL_NULL;
	} else if (!strcmp(s, "true") || !strcmp(s, "false")) {
		n->val = TCG_YVAL_BOOL;
		n->b = s[0] == 't';
	} else {
		const char *d = s + (s[0] == '-' || s[0] == '+');
		if (*d < '0' || *d > '9' || strlen(s) != n->len)
			return;
		for (const char *c = d; *c; c++)
			if (*c < '0' || *c > '9')
				return;
		char *end;
		errno = 0;
		long long v = strtoll(s, &end, 10);
		if (errno || *end)
			return; /* out of range: stays a string, typed checks refuse it */
		n->val = TCG_YVAL_INT;
		n->i = v;
	}
}

static int key_cmp(const void *a, const void *b)
{
	const tcg_ynode *x = *(tcg_ynode *const *)a, *y = *(tcg_ynode *const *)b;
	size_t l = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->str, y->str, l);
	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static tcg_rc build(builder *b, yaml_event_t *ev, unsigned depth, tcg_ynode **out);

static tcg_rc push(tcg_ynode *parent, size_t *count, size_t *cap, tcg_ynode *item, tcg_err *err)
{
	if (*count == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		tcg_ynode **ni = realloc(parent->items, nc * sizeof *ni);
		if (!ni)
			return tcg_err_set(err, TCG_E_NOMEM, "out-of-memory", TCG_NO_OFFSET, TCG_NO_EVENT,
			                   "out of memory");
		parent->items = ni;
		*cap = nc;
	}
	parent->items[(*count)++] = item;
	return TCG_OK;
}

static tcg_rc check_props(builder *b, const yaml_event_t *ev, const yaml_char_t *anchor,
                          const yaml_char_t *tag)
{
	if (anchor)
		return at(b, &ev->start_mark, "yaml-anchor", "anchors are not allowed");
	if (tag)
		return at(b, &ev->start_mark, "yaml-tag", "tags are not allowed");
	return TCG_OK;
}

/* ev is the first event of the node; it is consumed (deleted) here. */
static tcg_rc build(builder *b, yaml_event_t *ev, unsigned depth, tcg_ynode **out)
{
	tcg_rc rc = TCG_OK;
	tcg_ynode *n;

	*out = NULL;
	if (ev->type == YAML_ALIAS_EVENT) {
		rc = at(b, &ev->start_mark, "yaml-alias", "aliases are not allowed");
		yaml_event_delete(ev);
		return rc;
	}
	if (++b->nodes > TCG_YDOC_MAX_NODES) {
		rc = at(b, &ev->start_mark, "yaml-too-many-nodes", "more than %u nodes",
		        TCG_YDOC_MAX_NODES);
		yaml_event_delete(ev);
		return rc;
	}
	if (!(n = calloc(1, sizeof *n))) {
		yaml_event_delete(ev);
		return tcg_err_set(b->err, TCG_E_NOMEM, "out-of-memory", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "out of memory");
	}
	n->line = (unsigned)(ev->start_mark.line + 1 > UINT_MAX ? UINT_MAX : ev->start_mark.line + 1);
	n->col = (unsigned)(ev->start_mark.column + 1 > UINT_MAX ? UINT_MAX
	                                                          : ev->start_mark.column + 1);
	*out = n;

	if (ev->type == YAML_SCALAR_EVENT) {
		n->kind = TCG_YNODE_SCALAR;
		if ((rc = check_props(b, ev, ev->data.scalar.anchor, ev->data.scalar.tag)))
			goto done;
		n->len = ev->data.scalar.length;
		if (!(n->str = malloc(n->len + 1))) {
			rc = tcg_err_set(b->err, TCG_E_NOMEM, "out-of-memory", TCG_NO_OFFSET, TCG_NO_EVENT,
			                 "out of memory");
			goto done;
		}
		memcpy(n->str, ev->data.scalar.value, n->len);
		n->str[n->len] = '\0';
		classify(n, ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE);
		goto done;
	}
	if (ev->type != YAML_SEQUENCE_START_EVENT && ev->type != YAML_MAPPING_START_EVENT) {
		rc = at(b, &ev->start_mark, "yaml-syntax", "unexpected YAML event");
		goto done;
	}
	bool map = ev->type == YAML_MAPPING_START_EVENT;
	n->kind = map ? TCG_YNODE_MAP : TCG_YNODE_SEQ;
	if ((rc = map ? check_props(b, ev, ev->data.mapping_start.anchor, ev->data.mapping_start.tag)
	              : check_props(b, ev, ev->data.sequence_start.anchor,
	                            ev->data.sequence_start.tag)))
		goto done;
	if (depth >= TCG_YDOC_MAX_DEPTH) {
		rc = at(b, &ev->start_mark, "yaml-too-deep", "nesting deeper than %d",
		        TCG_YDOC_MAX_DEPTH);
		goto done;
	}
	yaml_event_delete(ev);
	size_t count = 0, cap = 0;
	for (;;) {
		yaml_event_t e;
		tcg_ynode *child;
		if ((rc = next(b, &e)))
			goto fail_items;
		if (e.type == YAML_SEQUENCE_END_EVENT || e.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&e);
			break;
		}
		bool is_key = map && count % 2 == 0;
		yaml_mark_t km = e.start_mark;
		if (is_key && e.type != YAML_SCALAR_EVENT && e.type != YAML_ALIAS_EVENT) {
			yaml_event_delete(&e);
			rc = at(b, &km, "yaml-complex-key", "mapping keys must be scalars");
			goto fail_items;
		}
		rc = build(b, &e, depth + 1, &child);
		if (child && (rc || (rc = push(n, &count, &cap, child, b->err)))) {
			node_free(child);
			goto fail_items;
		}
		if (rc)
			goto fail_items;
	}
	n->n = map ? count / 2 : count;
	if (map && n->n > 1) {
		tcg_ynode **keys = malloc(n->n * sizeof *keys);
		if (!keys)
			return tcg_err_set(b->err, TCG_E_NOMEM, "out-of-memory", TCG_NO_OFFSET, TCG_NO_EVENT,
			                   "out of memory");
		for (size_t i = 0; i < n->n; i++)
			keys[i] = n->items[2 * i];
		qsort(keys, n->n, sizeof *keys, key_cmp);
		for (size_t i = 1; i < n->n; i++) {
			if (!key_cmp(&keys[i - 1], &keys[i])) {
				/* name the later occurrence */
				const tcg_ynode *k = keys[i]->line > keys[i - 1]->line ||
				                             (keys[i]->line == keys[i - 1]->line &&
				                              keys[i]->col > keys[i - 1]->col)
				                         ? keys[i]
				                         : keys[i - 1];
				rc = tcg_ydoc_error(b->err, b->doc, k, "yaml-duplicate-key",
				                    "duplicate key '%.64s'", k->str);
				free(keys);
				return rc;
			}
		}
		free(keys);
	}
	return TCG_OK;
fail_items:
	/* keep the tree freeable: a key without its value goes now */
	if (map && count % 2)
		node_free(n->items[--count]);
	n->n = map ? count / 2 : count;
	return rc;
done:
	yaml_event_delete(ev);
	return rc;
}

tcg_rc tcg_ydoc_parse(const uint8_t *data, size_t len, const char *file, tcg_ydoc *doc,
                      tcg_err *err)
{
	yaml_parser_t parser;
	builder b = {.p = &parser, .doc = doc, .err = err};
	yaml_event_t ev;
	tcg_rc rc;

	memset(doc, 0, sizeof *doc);
	snprintf(doc->file, sizeof doc->file, "%s", file ? file : "-");
	doc->size = len;
	if (len > TCG_YDOC_MAX_SIZE)
		return tcg_err_set(err, TCG_E_FORMAT, "yaml-too-large", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "%s:1:1: document of %zu bytes is over the cap of %u", doc->file,
		                   len, TCG_YDOC_MAX_SIZE);
	if (!yaml_parser_initialize(b.p))
		return tcg_err_set(err, TCG_E_NOMEM, "out-of-memory", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "out of memory");
	yaml_parser_set_input_string(b.p, data, len);
	yaml_parser_set_encoding(b.p, YAML_UTF8_ENCODING);
	if ((rc = next(&b, &ev)))
		goto out;
	yaml_event_delete(&ev); /* stream start */
	if ((rc = next(&b, &ev)))
		goto out;
	if (ev.type == YAML_STREAM_END_EVENT) {
		rc = at(&b, &ev.start_mark, "yaml-empty", "no document");
		yaml_event_delete(&ev);
		goto out;
	}
	if (ev.data.document_start.tag_directives.start != ev.data.document_start.tag_directives.end) {
		rc = at(&b, &ev.start_mark, "yaml-tag", "%%TAG directives are not allowed");
		yaml_event_delete(&ev);
		goto out;
	}
	yaml_event_delete(&ev);
	if ((rc = next(&b, &ev)))
		goto out;
	if ((rc = build(&b, &ev, 0, &doc->root)))
		goto out;
	if ((rc = next(&b, &ev)))
		goto out;
	yaml_event_delete(&ev); /* document end */
	if ((rc = next(&b, &ev)))
		goto out;
	if (ev.type != YAML_STREAM_END_EVENT)
		rc = at(&b, &ev.start_mark, "yaml-multiple-documents",
		        "more than one document");
	yaml_event_delete(&ev);
out:
	yaml_parser_delete(b.p);
	if (rc)
		tcg_ydoc_free(doc);
	return rc;
}

const tcg_ynode *tcg_ynode_get(const tcg_ynode *map, const char *key)
{
	if (!map || map->kind != TCG_YNODE_MAP)
		return NULL;
	size_t kl = strlen(key);
	for (size_t i = 0; i < map->n; i++) {
		const tcg_ynode *k = map->items[2 * i];
		if (k->len == kl && !memcmp(k->str, key, kl))
			return map->items[2 * i + 1];
	}
	return NULL;
}

const tcg_ynode *tcg_ynode_path(const tcg_ynode *root, const char *path)
{
	char seg[128];
	const tcg_ynode *n = root;
	const char *p = path;
	while (n && *p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		if (l == 0 || l >= sizeof seg)
			return NULL;
		memcpy(seg, p, l);
		seg[l] = '\0';
		if (n->kind == TCG_YNODE_MAP) {
			n = tcg_ynode_get(n, seg);
		} else if (n->kind == TCG_YNODE_SEQ) {
			char *end;
			if (seg[0] < '0' || seg[0] > '9')
				return NULL;
			unsigned long ix = strtoul(seg, &end, 10);
			if (*end || ix >= n->n)
				return NULL;
			n = n->items[ix];
		} else {
			return NULL;
		}
		p += l;
		if (*p == '.' && !*++p)
			return NULL;
	}
	return n;
}

const char *tcg_ynode_kind_name(const tcg_ynode *n)
{
	if (!n)
		return "nothing";
	if (n->kind == TCG_YNODE_MAP)
		return "a mapping";
	if (n->kind == TCG_YNODE_SEQ)
		return "a list";
	switch (n->val) {
	case TCG_YVAL_BOOL:
		return "a boolean";
	case TCG_YVAL_INT:
		return "an integer";
	case TCG_YVAL_NULL:
		return "null";
	default:
		return "a string";
	}
}

/* ---- streams of documents ---- */

/* Read-ahead beyond a document's cap that the stream still accepts (libyaml
 * buffers up to 16 KiB of raw input and its decoded characters). */
#define STREAM_SLACK (64u << 10)

struct tcg_ydoc_stream {
	yaml_parser_t p;
	FILE *f;
	const uint8_t *buf;
	size_t len, pos;
	size_t delivered;  /* bytes handed to libyaml */
	size_t limit;      /* ... never more than this */
	size_t max_doc;
	size_t events;     /* libyaml events read: the work done so far */
	unsigned depth;    /* collections open in the current document */
	size_t doc_start;  /* mark index where the current document started */
	unsigned doc_line; /* its first line */
	unsigned index;    /* 1-based number of the current document */
	bool started, failed, ended, over, ioerr, in_doc;
	char file[96];
};

static int stream_read(void *data, unsigned char *out, size_t size, size_t *got)
{
	tcg_ydoc_stream *s = data;
	size_t room = s->limit > s->delivered ? s->limit - s->delivered : 0;
	size_t want = size < room + 1 ? size : room + 1;
	size_t n;
	if (s->f) {
		n = fread(out, 1, want, s->f);
		if (n == 0 && ferror(s->f)) {
			s->ioerr = true;
			return 0;
		}
	} else {
		n = s->len - s->pos < want ? s->len - s->pos : want;
		memcpy(out, s->buf + s->pos, n);
		s->pos += n;
	}
	if (n > room) {
		s->over = true;
		return 0;
	}
	s->delivered += n;
	*got = n;
	return 1;
}

static tcg_ydoc_stream *stream_new(const char *file, size_t max_doc)
{
	tcg_ydoc_stream *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	if (!yaml_parser_initialize(&s->p)) {
		free(s);
		return NULL;
	}
	snprintf(s->file, sizeof s->file, "%s", file ? file : "-");
	s->max_doc = max_doc && max_doc < TCG_YDOC_MAX_SIZE ? max_doc : TCG_YDOC_MAX_SIZE;
	s->limit = s->max_doc + STREAM_SLACK;
	yaml_parser_set_input(&s->p, stream_read, s);
	yaml_parser_set_encoding(&s->p, YAML_UTF8_ENCODING);
	return s;
}

tcg_ydoc_stream *tcg_ydoc_stream_open_file(FILE *f, const char *file, size_t max_doc)
{
	tcg_ydoc_stream *s = f ? stream_new(file, max_doc) : NULL;
	if (s)
		s->f = f;
	return s;
}

tcg_ydoc_stream *tcg_ydoc_stream_open_buf(const uint8_t *data, size_t len, const char *file,
                                          size_t max_doc)
{
	tcg_ydoc_stream *s = stream_new(file, max_doc);
	if (s) {
		s->buf = data;
		s->len = data ? len : 0;
	}
	return s;
}

void tcg_ydoc_stream_close(tcg_ydoc_stream *s)
{
	if (!s)
		return;
	yaml_parser_delete(&s->p);
	free(s);
}

unsigned tcg_ydoc_stream_index(const tcg_ydoc_stream *s)
{
	return s ? s->index : 0;
}

bool tcg_ydoc_stream_stopped(const tcg_ydoc_stream *s)
{
	return !s || s->failed;
}

size_t tcg_ydoc_stream_events(const tcg_ydoc_stream *s)
{
	return s ? s->events : 0;
}

static tcg_rc too_large(builder *b)
{
	tcg_ydoc_stream *s = b->s;
	s->failed = true;
	return tcg_err_set(b->err, TCG_E_FORMAT, "yaml-too-large", TCG_NO_OFFSET, TCG_NO_EVENT,
	                   "%s:%u:1: document over the cap of %zu bytes", b->doc->file,
	                   s->doc_line ? s->doc_line : 1, s->max_doc);
}

/* Every event of a stream passes here: syntax and read errors stop the
 * stream, and the current document is held to its cap. */
static tcg_rc stream_event(builder *b, yaml_event_t *ev, int ok)
{
	tcg_ydoc_stream *s = b->s;
	if (!ok) {
		yaml_mark_t m = s->p.problem_mark;
		s->failed = true;
		if (s->over)
			return too_large(b);
		if (s->ioerr)
			return tcg_err_set(b->err, TCG_E_IO, "yaml-read", TCG_NO_OFFSET, TCG_NO_EVENT,
			                   "%s: read error", s->file);
		return at(b, &m, "yaml-syntax", "%s%s%s", s->p.problem ? s->p.problem : "syntax error",
		          s->p.context ? " " : "", s->p.context ? s->p.context : "");
	}
	s->events++;
	if (s->in_doc && ev->end_mark.index - s->doc_start > s->max_doc) {
		yaml_event_delete(ev);
		return too_large(b);
	}
	if (ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT) {
		/* libyaml's work per token grows with the flow nesting, so reading on
		 * past the cap (even only to skip the document) is quadratic in the
		 * input: the stream stops at the first collection too deep. */
		if (++s->depth > TCG_YDOC_MAX_DEPTH) {
			yaml_mark_t m = ev->start_mark;
			yaml_event_delete(ev);
			s->failed = true;
			return at(b, &m, "yaml-too-deep", "nesting deeper than %d", TCG_YDOC_MAX_DEPTH);
		}
	} else if ((ev->type == YAML_SEQUENCE_END_EVENT || ev->type == YAML_MAPPING_END_EVENT) &&
	           s->depth) {
		s->depth--;
	}
	return TCG_OK;
}

/* After a fault inside a document: skip to its end so the stream can go on.
 * Linear: stream_event stops the stream at the nesting cap. */
static void stream_skip(builder *b)
{
	tcg_ydoc_stream *s = b->s;
	tcg_err scratch;
	builder q = *b;
	q.err = &scratch;
	while (!s->failed) {
		yaml_event_t ev;
		if (next(&q, &ev))
			break;
		bool end = ev.type == YAML_DOCUMENT_END_EVENT || ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		if (end)
			break;
	}
	if (s->failed) /* the fault that stopped the stream is the one to report */
		*b->err = scratch;
	s->in_doc = false;
	s->limit = s->delivered + s->max_doc + STREAM_SLACK;
}

tcg_rc tcg_ydoc_stream_next(tcg_ydoc_stream *s, tcg_ydoc *doc, bool *done, tcg_err *err)
{
	builder b = {.p = &s->p, .doc = doc, .err = err, .s = s};
	yaml_event_t ev;
	tcg_rc rc;

	memset(doc, 0, sizeof *doc);
	*done = false;
	snprintf(doc->file, sizeof doc->file, "%s#%u", s->file, s->index);
	if (s->ended) {
		*done = true;
		return TCG_OK;
	}
	if (s->failed)
		return tcg_err_set(err, TCG_E_FORMAT, "yaml-stream", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "%s: the stream stopped at an error in document %u", s->file,
		                   s->index);
	if (!s->started) {
		if ((rc = next(&b, &ev)))
			return rc;
		yaml_event_delete(&ev); /* stream start */
		s->started = true;
	}
	if ((rc = next(&b, &ev)))
		return rc;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		*done = true;
		s->ended = true;
		return TCG_OK;
	}
	s->index++;
	snprintf(doc->file, sizeof doc->file, "%s#%u", s->file, s->index);
	s->in_doc = true;
	s->depth = 0;
	s->doc_start = ev.start_mark.index;
	s->doc_line = (unsigned)(ev.start_mark.line + 1 > UINT_MAX ? UINT_MAX
	                                                           : ev.start_mark.line + 1);
	s->limit = s->delivered + s->max_doc + STREAM_SLACK;
	bool tags = ev.type == YAML_DOCUMENT_START_EVENT &&
	            ev.data.document_start.tag_directives.start !=
	                    ev.data.document_start.tag_directives.end;
	yaml_mark_t sm = ev.start_mark;
	yaml_event_delete(&ev);
	if (tags) {
		rc = at(&b, &sm, "yaml-tag", "%%TAG directives are not allowed");
		goto fault;
	}
	if ((rc = next(&b, &ev)))
		goto fault;
	if ((rc = build(&b, &ev, 0, &doc->root)))
		goto fault;
	if ((rc = next(&b, &ev)))
		goto fault;
	doc->size = ev.end_mark.index - s->doc_start;
	yaml_event_delete(&ev); /* document end */
	s->in_doc = false;
	s->limit = s->delivered + s->max_doc + STREAM_SLACK;
	return TCG_OK;
fault:
	tcg_ydoc_free(doc);
	if (!s->failed)
		stream_skip(&b);
	return rc;
}
