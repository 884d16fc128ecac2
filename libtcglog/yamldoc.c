/* Strict YAML documents: see include/tcglog/yamldoc.h. */
#include "yamldoc_int.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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
static size_t line_of(const builder *b, const yaml_mark_t *m);

static tcg_rc at(builder *b, const yaml_mark_t *m, const char *rule, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return tcg_err_set(b->err, TCG_E_FORMAT, rule, TCG_NO_OFFSET, TCG_NO_EVENT, "%s:%zu:%zu: %s",
	                   b->doc->file, line_of(b, m), m->column + 1, msg);
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

void tcg_ynode_free_tree(tcg_ynode *n)
{
	if (!n)
		return;
	size_t k = n->kind == TCG_YNODE_MAP ? 2 * n->n : n->n;
	for (size_t i = 0; i < k; i++)
		tcg_ynode_free_tree(n->items[i]);
	free(n->items);
	free(n->str);
	free(n);
}

bool tcg_ynode_equal(const tcg_ynode *a, const tcg_ynode *b)
{
	if (!a || !b)
		return a == b;
	if (a->kind != b->kind || a->line != b->line || a->col != b->col || a->n != b->n)
		return false;
	if (a->kind == TCG_YNODE_SCALAR)
		return a->len == b->len && !memcmp(a->str, b->str, a->len + 1) && a->val == b->val &&
		       a->b == b->b && a->i == b->i;
	size_t k = a->kind == TCG_YNODE_MAP ? 2 * a->n : a->n;
	for (size_t i = 0; i < k; i++)
		if (!tcg_ynode_equal(a->items[i], b->items[i]))
			return false;
	return true;
}

void tcg_ydoc_free(tcg_ydoc *doc)
{
	if (!doc)
		return;
	tcg_ynode_free_tree(doc->root);
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

void tcg_ynode_classify(tcg_ynode *n, bool plain)
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

const tcg_ynode *tcg_ynode_dup_key(const tcg_ynode *map, bool *nomem)
{
	const tcg_ynode *dup = NULL;
	*nomem = false;
	if (map->kind != TCG_YNODE_MAP || map->n < 2)
		return NULL;
	tcg_ynode **keys = malloc(map->n * sizeof *keys);
	if (!keys) {
		*nomem = true;
		return NULL;
	}
	for (size_t i = 0; i < map->n; i++)
		keys[i] = map->items[2 * i];
	qsort(keys, map->n, sizeof *keys, key_cmp);
	for (size_t i = 1; i < map->n && !dup; i++) {
		if (!key_cmp(&keys[i - 1], &keys[i])) {
			/* name the later occurrence */
			const tcg_ynode *a = keys[i - 1], *b = keys[i];
			dup = b->line > a->line || (b->line == a->line && b->col > a->col) ? b : a;
		}
	}
	free(keys);
	return dup;
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
	size_t line = line_of(b, &ev->start_mark);
	n->line = (unsigned)(line > UINT_MAX ? UINT_MAX : line);
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
		tcg_ynode_classify(n, ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE);
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
			tcg_ynode_free_tree(child);
			goto fail_items;
		}
		if (rc)
			goto fail_items;
	}
	n->n = map ? count / 2 : count;
	if (map) {
		bool nomem = false;
		const tcg_ynode *k = tcg_ynode_dup_key(n, &nomem);
		if (nomem)
			return tcg_err_set(b->err, TCG_E_NOMEM, "out-of-memory", TCG_NO_OFFSET,
			                   TCG_NO_EVENT, "out of memory");
		if (k)
			return tcg_ydoc_error(b->err, b->doc, k, "yaml-duplicate-key",
			                      "duplicate key '%.64s'", k->str);
	}
	return TCG_OK;
fail_items:
	/* keep the tree freeable: a key without its value goes now */
	if (map && count % 2)
		tcg_ynode_free_tree(n->items[--count]);
	n->n = map ? count / 2 : count;
	return rc;
done:
	yaml_event_delete(ev);
	return rc;
}

tcg_rc tcg_ydoc_parse(const uint8_t *data, size_t len, const char *file, tcg_ydoc *doc,
                      tcg_err *err)
{
	tcg_yfast_doc fd;
	tcg_yfast_rc fr = len <= TCG_YDOC_MAX_SIZE ? tcg_yfast_parse(data, len, 0, true, &fd)
	                                           : TCG_YFAST_DECLINE;
	if (fr == TCG_YFAST_NOMEM)
		return tcg_err_set(err, TCG_E_NOMEM, "out-of-memory", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "out of memory");
	if (fr == TCG_YFAST_OK && fd.more) { /* more than one document: libyaml says so */
		tcg_ynode_free_tree(fd.root);
		fr = TCG_YFAST_DECLINE;
	}
	if (fr == TCG_YFAST_DECLINE)
		return tcg_ydoc_parse_slow(data, len, file, doc, err);
	memset(doc, 0, sizeof *doc);
	snprintf(doc->file, sizeof doc->file, "%s", file ? file : "-");
	doc->size = len;
	doc->root = fd.root;
	return TCG_OK;
}

tcg_rc tcg_ydoc_parse_slow(const uint8_t *data, size_t len, const char *file, tcg_ydoc *doc,
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
	int fd;            /* f's descriptor, read directly; -1: through f */
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
	/* The direct reader goes first; from the first document it declines,
	 * libyaml reads the rest from there (slow), its lines counted from
	 * line_base. A file is read ahead into win (buf, len: pos is where the
	 * next document starts). */
	bool slow, eof;
	uint8_t *win;
	size_t wcap, bound;
	unsigned lines, line_base;
	char file[96];
};

static size_t line_of(const builder *b, const yaml_mark_t *m)
{
	return m->line + 1 + (b->s ? b->s->line_base : 0);
}

/*
 * Up to want bytes of the file: what one read() gives, so that on a pipe a
 * document the writer has finished is read while it waits for the answer
 * (stdio's fread waits for all of want or the end). 0: the end, or an error
 * (*ioerr set).
 */
static size_t read_some(tcg_ydoc_stream *s, uint8_t *out, size_t want, bool *ioerr)
{
	if (s->fd < 0) {
		size_t n = fread(out, 1, want, s->f);
		*ioerr = n == 0 && ferror(s->f);
		return n;
	}
	for (;;) {
		ssize_t n = read(s->fd, out, want);
		if (n >= 0) {
			*ioerr = false;
			return (size_t)n;
		}
		if (errno != EINTR) {
			*ioerr = true;
			return 0;
		}
	}
}

static int stream_read(void *data, unsigned char *out, size_t size, size_t *got)
{
	tcg_ydoc_stream *s = data;
	size_t room = s->limit > s->delivered ? s->limit - s->delivered : 0;
	size_t want = size < room + 1 ? size : room + 1;
	size_t n = 0;
	if (s->pos < s->len) { /* what the direct reader read ahead, first */
		n = s->len - s->pos < want ? s->len - s->pos : want;
		memcpy(out, s->buf + s->pos, n);
		s->pos += n;
	} else if (s->f) {
		bool ioerr;
		n = read_some(s, out, want, &ioerr);
		if (ioerr) {
			s->ioerr = true;
			return 0;
		}
	}
	if (n > room) {
		s->over = true;
		return 0;
	}
	s->delivered += n;
	*got = n;
	return 1;
}

/* What the direct reader reads of a file at a time. */
#define READ_CHUNK (64u << 10)

static bool window_room(tcg_ydoc_stream *s)
{
	if (s->pos == s->len) {
		s->pos = s->len = 0;
	} else if (s->pos > s->wcap / 2) {
		memmove(s->win, s->win + s->pos, s->len - s->pos);
		s->len -= s->pos;
		s->pos = 0;
	}
	if (s->wcap - s->len < READ_CHUNK) {
		size_t nc = 2 * s->wcap > s->len + READ_CHUNK ? 2 * s->wcap : s->len + READ_CHUNK;
		uint8_t *w = realloc(s->win, nc);
		if (!w)
			return false;
		s->win = w;
		s->wcap = nc;
	}
	s->buf = s->win;
	return true;
}

/* A "---" or "..." line at i + 1 ends the document at pos, unless only
 * blank lines and comments come before it (a "---" then starts it). */
static bool ends_doc(const tcg_ydoc_stream *s, size_t i)
{
	const uint8_t *w = s->buf;
	return (i + 4 == s->len || w[i + 4] == ' ' || w[i + 4] == '\n') &&
	       !tcg_yfast_blank(w + s->pos, i + 1 - s->pos);
}

/* Read already after a "...": anything but blank lines or a "---" line. A
 * bare document there is libyaml's to judge with what came before, so such a
 * window runs on to the next "---" line as any other. (Sent after the "..."
 * was answered, it is read as a stream of its own.) */
static bool bare_after(const uint8_t *p, const uint8_t *end)
{
	return !(end - p >= 3 && !memcmp(p, "---", 3)) && !tcg_yfast_blank(p, (size_t)(end - p));
}

/* File mode: read on until the window holds the document at pos whole (up to
 * the next "---" line, through a "..." line, or to the end of the input) in
 * [pos, bound): a writer that ends its document with "..." gets the answer
 * while it keeps the stream open. false: over the cap, out of memory or a
 * read error, all for libyaml to meet. */
static bool fill(tcg_ydoc_stream *s)
{
	size_t from = s->pos;
	for (;;) {
		while (from + 4 <= s->len) {
			const uint8_t *h = memchr(s->buf + from, '\n', s->len - from - 3);
			if (!h) {
				from = s->len - 3;
				break;
			}
			bool start = !memcmp(h + 1, "---", 3);
			if (!start && memcmp(h + 1, "...", 3)) {
				from = (size_t)(h - s->buf) + 1;
				continue;
			}
			size_t i = (size_t)(h - s->buf);
			if (i + 4 == s->len && !s->eof) {
				from = i;
				break; /* the next byte decides */
			}
			if (ends_doc(s, i)) {
				const uint8_t *e = start ? h : memchr(h + 4, '\n', s->len - i - 4);
				if (!start && e && bare_after(e + 1, s->buf + s->len)) {
					from = i + 1;
					continue;
				}
				if (e || s->eof) {
					s->bound = e ? (size_t)(e - s->buf) + 1 : s->len;
					return true;
				}
				from = i;
				break; /* the rest of the "..." line */
			}
			from = i + 1;
		}
		if (s->eof) {
			s->bound = s->len;
			return true;
		}
		size_t off = from - s->pos; /* window_room may move the window */
		if (s->len - s->pos > s->max_doc + STREAM_SLACK || !window_room(s))
			return false;
		from = s->pos + off;
		bool ioerr;
		size_t n = read_some(s, s->win + s->len, READ_CHUNK, &ioerr);
		if (ioerr)
			return false;
		s->eof = n == 0;
		s->len += n;
	}
}

/* From here on libyaml reads the stream, from the document at pos. */
static void to_slow(tcg_ydoc_stream *s)
{
	s->slow = true;
	s->line_base = s->lines;
	s->started = false;
	s->delivered = 0;
	s->limit = s->max_doc + STREAM_SLACK;
}

void tcg_ydoc_stream_set_slow(tcg_ydoc_stream *s)
{
	to_slow(s);
}

/* The next document by the direct reader: true when it read it or found the
 * stream's end (*rc set), false when libyaml must. */
static bool fast_next(tcg_ydoc_stream *s, tcg_ydoc *doc, bool *done, tcg_err *err, tcg_rc *rc)
{
	if (s->f && !fill(s))
		return false;
	const uint8_t *p = s->buf ? s->buf + s->pos : NULL;
	size_t avail = (s->f ? s->bound : s->len) - s->pos;
	tcg_yfast_doc fd;
	*rc = TCG_OK;
	if ((!s->f || s->bound == s->len) && tcg_yfast_blank(p, avail)) {
		s->events += s->index ? 1 : 2; /* stream start and end */
		s->ended = *done = true;
		return true;
	}
	tcg_yfast_rc fr = tcg_yfast_parse(p, avail, s->lines, s->index == 0, &fd);
	if (fr == TCG_YFAST_NOMEM) {
		*rc = tcg_err_set(err, TCG_E_NOMEM, "out-of-memory", TCG_NO_OFFSET, TCG_NO_EVENT,
		                  "out of memory");
		return true;
	}
	if (fr != TCG_YFAST_OK || fd.size > s->max_doc) {
		tcg_ynode_free_tree(fd.root);
		return false;
	}
	s->events += fd.events + (s->index == 0);
	s->index++;
	snprintf(doc->file, sizeof doc->file, "%s#%u", s->file, s->index);
	doc->root = fd.root;
	doc->size = fd.size;
	s->pos += fd.consumed;
	s->lines += fd.lines;
	return true;
}

static tcg_ydoc_stream *stream_new(const char *file, size_t max_doc)
{
	tcg_ydoc_stream *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->fd = -1;
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
	if (s) {
		s->f = f;
		s->fd = fileno(f); /* -1 for a stream without one (fmemopen) */
	}
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
	free(s->win);
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
	if (!s->slow) {
		if (fast_next(s, doc, done, err, &rc))
			return rc;
		to_slow(s);
	}
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
	size_t line = line_of(&b, &ev.start_mark);
	s->doc_line = (unsigned)(line > UINT_MAX ? UINT_MAX : line);
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
