/*
 * The direct YAML reader: the subset the project's messages use, read a line
 * at a time with memchr, long scalars copied once. It builds the tree
 * yamldoc.c builds from libyaml's events, positions included, or declines and
 * leaves the bytes to libyaml, which then reports any fault itself: the
 * reader never refuses anything on its own. See yamldoc_int.h.
 */
#include "yamldoc_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define PRINTABLE_AVX2 1
#endif

/* libyaml refuses a simple key whose ':' is more than 1024 characters on. */
#define KEY_MAX 1000

enum { L_EOF, L_CONTENT, L_DOCSTART, L_DOCEND, L_BAD };

typedef struct {
	const char *end;        /* the input's end */
	const char *ls, *le;    /* the current line, le at its '\n' or the end */
	const char *next;       /* the line after it, NULL at the end */
	unsigned line, nl;      /* the current line's number; breaks before next */
	int kind;               /* L_* of the current line */
	long ind;               /* its indent (L_CONTENT) */
	size_t nodes, colls;
	bool nomem;
} rd;

#ifdef PRINTABLE_AVX2
/* 32 at a time, for the long lines (an EncBlob's base64 is one of 41 KB);
 * returns where it stopped, or NULL at a byte that is not printable. */
__attribute__((target("avx2"))) static const char *printable_avx2(const char *p, const char *e)
{
	const __m256i lo = _mm256_set1_epi8(0x20), hi = _mm256_set1_epi8(0x7e);
	for (; e - p >= 32; p += 32) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);
		if (_mm256_movemask_epi8(
			    _mm256_or_si256(_mm256_cmpgt_epi8(lo, v), _mm256_cmpgt_epi8(v, hi))))
			return NULL;
	}
	return p;
}
#endif

/* Every byte printable ASCII: no tab, CR, control, DEL or UTF-8, which are
 * libyaml's to judge. A word at a time: a byte under 0x20 borrows, 0x7f
 * carries into, and 0x80 and up already have, the high bit. */
static bool printable(const char *p, const char *e)
{
	uint64_t acc = 0;
#ifdef PRINTABLE_AVX2
	if (e - p >= 256 && __builtin_cpu_supports("avx2") && !(p = printable_avx2(p, e)))
		return false;
#endif
#ifdef __SSE2__
	/* 16 at a time: as signed bytes, 0x80 and up are under 0x20 too */
	const __m128i lo = _mm_set1_epi8(0x20), hi = _mm_set1_epi8(0x7e);
	for (; e - p >= 16; p += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		if (_mm_movemask_epi8(_mm_or_si128(_mm_cmplt_epi8(v, lo), _mm_cmpgt_epi8(v, hi))))
			return false;
	}
#endif
	for (; e - p >= 8; p += 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		acc |= w | (w + 0x0101010101010101u) | (w - 0x2020202020202020u);
		if (acc & 0x8080808080808080u)
			return false;
	}
	for (; p < e; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			return false;
	return true;
}

static bool marker(const char *ls, const char *le, char c)
{
	return le - ls >= 3 && ls[0] == c && ls[1] == c && ls[2] == c &&
	       (le - ls == 3 || ls[3] == ' ');
}

/* On to the next line that holds more than blanks or a comment. */
static void advance(rd *r)
{
	for (;;) {
		if (!r->next || r->next >= r->end) {
			r->kind = L_EOF;
			r->ls = r->le = r->end;
			r->line = r->nl;
			return;
		}
		r->ls = r->next;
		r->line = r->nl;
		r->le = memchr(r->ls, '\n', (size_t)(r->end - r->ls));
		if (r->le) {
			r->next = r->le + 1;
			r->nl++;
		} else {
			r->le = r->end;
			r->next = NULL;
		}
		if (!printable(r->ls, r->le)) {
			r->kind = L_BAD;
			return;
		}
		const char *c = r->ls;
		while (c < r->le && *c == ' ')
			c++;
		if (c == r->le || *c == '#')
			continue;
		if (marker(r->ls, r->le, '-'))
			r->kind = L_DOCSTART;
		else if (marker(r->ls, r->le, '.'))
			r->kind = L_DOCEND;
		else
			r->kind = L_CONTENT;
		r->ind = c - r->ls;
		return;
	}
}

/* A block sequence entry: '-' and a blank or the line's end. */
static bool entry(const rd *r, const char *s)
{
	return *s == '-' && (s + 1 == r->le || s[1] == ' ');
}

static tcg_ynode *mk(rd *r, tcg_ynode_kind kind, unsigned line, long col0)
{
	if (++r->nodes > TCG_YDOC_MAX_NODES)
		return NULL;
	tcg_ynode *n = calloc(1, sizeof *n);
	if (!n) {
		r->nomem = true;
		return NULL;
	}
	n->kind = kind;
	n->line = line + 1;
	n->col = (unsigned)col0 + 1;
	if (kind != TCG_YNODE_SCALAR)
		r->colls++;
	return n;
}

static int scalar_node(rd *r, const char *s, char *str, size_t len, bool plain, tcg_ynode **out)
{
	tcg_ynode *n = mk(r, TCG_YNODE_SCALAR, r->line, s - r->ls);
	if (!n) {
		free(str);
		return -1;
	}
	n->str = str;
	n->len = len;
	str[len] = '\0';
	tcg_ynode_classify(n, plain);
	*out = n;
	return 0;
}

static char *copy(rd *r, const char *p, size_t len)
{
	char *s = malloc(len + 1);
	if (!s)
		r->nomem = true;
	else
		memcpy(s, p, len);
	return s;
}

static int hexval(const char *p, int digits, unsigned long *v)
{
	*v = 0;
	for (int i = 0; i < digits; i++) {
		char c = p[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
		        : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		*v = *v << 4 | (unsigned long)d;
	}
	return 0;
}

static char *utf8(char *o, unsigned long v)
{
	if (v < 0x80) {
		*o++ = (char)v;
	} else if (v < 0x800) {
		*o++ = (char)(0xc0 | v >> 6);
		*o++ = (char)(0x80 | (v & 0x3f));
	} else if (v < 0x10000) {
		*o++ = (char)(0xe0 | v >> 12);
		*o++ = (char)(0x80 | (v >> 6 & 0x3f));
		*o++ = (char)(0x80 | (v & 0x3f));
	} else {
		*o++ = (char)(0xf0 | v >> 18);
		*o++ = (char)(0x80 | (v >> 12 & 0x3f));
		*o++ = (char)(0x80 | (v >> 6 & 0x3f));
		*o++ = (char)(0x80 | (v & 0x3f));
	}
	return o;
}

/* One escape after the backslash at *pp (libyaml's set); NULL to decline. */
static char *escape(const rd *r, const char **pp, char *o)
{
	static const char from[] = "0abtnvfre \"/\\'", to[] = "\0\a\b\t\n\v\f\r\x1b \"/\\'";
	const char *p = *pp;
	if (p == r->le)
		return NULL; /* an escaped line break: a multi-line scalar */
	const char *f = memchr(from, *p, sizeof from - 1);
	int digits = *p == 'x' ? 2 : *p == 'u' ? 4 : *p == 'U' ? 8 : 0;
	unsigned long v;
	if (f) {
		*o++ = to[f - from];
	} else if (*p == 'N' || *p == '_') {
		o = utf8(o, *p == 'N' ? 0x85 : 0xa0);
	} else if (*p == 'L' || *p == 'P') {
		o = utf8(o, *p == 'L' ? 0x2028 : 0x2029);
	} else if (!digits || r->le - p <= digits || hexval(p + 1, digits, &v) ||
	           (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff) {
		return NULL;
	} else {
		o = utf8(o, v);
		p += digits;
	}
	*pp = p + 1;
	return o;
}

static int double_quoted(rd *r, const char *s, tcg_ynode **out, const char **after)
{
	const char *q = s + 1;
	const char *close = memchr(q, '"', (size_t)(r->le - q));
	const char *bs = memchr(q, '\\', (size_t)((close ? close : r->le) - q));
	char *str;
	size_t len;
	if (!bs) {
		if (!close)
			return -1; /* goes on past the line */
		len = (size_t)(close - q);
		if (!(str = copy(r, q, len)))
			return -1;
	} else {
		/* an escape yields at most 3 bytes for its 2 characters */
		if (!(str = malloc(2 * (size_t)(r->le - q) + 1))) {
			r->nomem = true;
			return -1;
		}
		char *o = str;
		const char *p = q;
		for (;;) {
			const char *b = p;
			while (p < r->le && *p != '"' && *p != '\\')
				p++;
			memcpy(o, b, (size_t)(p - b));
			o += p - b;
			if (p == r->le)
				goto decline;
			if (*p == '"')
				break;
			p++;
			if (!(o = escape(r, &p, o)))
				goto decline;
		}
		close = p;
		len = (size_t)(o - str);
	}
	*after = close + 1;
	return scalar_node(r, s, str, len, false, out);
decline:
	free(str);
	return -1;
}

static int single_quoted(rd *r, const char *s, tcg_ynode **out, const char **after)
{
	char *str = malloc((size_t)(r->le - s));
	char *o = str;
	const char *p = s + 1;
	if (!str) {
		r->nomem = true;
		return -1;
	}
	for (;;) {
		const char *c = memchr(p, '\'', (size_t)(r->le - p));
		if (!c) {
			free(str);
			return -1;
		}
		memcpy(o, p, (size_t)(c - p));
		o += c - p;
		if (c + 1 < r->le && c[1] == '\'') {
			*o++ = '\'';
			p = c + 2;
			continue;
		}
		*after = c + 1;
		return scalar_node(r, s, str, (size_t)(o - str), false, out);
	}
}

/* A ':' and a blank or the line's end in [p, le), or NULL. */
static const char *indicator(const rd *r, const char *p)
{
	for (; (p = memchr(p, ':', (size_t)(r->le - p))); p++)
		if (p + 1 == r->le || p[1] == ' ')
			return p;
	return NULL;
}

static int plain(rd *r, const char *s, tcg_ynode **out, const char **colon)
{
	const char *c = indicator(r, s), *lim = c ? c : r->le, *e = lim;
	for (const char *h = s; (h = memchr(h, '#', (size_t)(lim - h))); h++)
		if (h[-1] == ' ') { /* a comment: s itself is never '#' */
			e = h;
			c = NULL;
			break;
		}
	while (e > s && e[-1] == ' ')
		e--;
	*colon = c;
	char *str = copy(r, s, (size_t)(e - s));
	return str ? scalar_node(r, s, str, (size_t)(e - s), true, out) : -1;
}

/*
 * The scalar at s on the current line. *colon: the mapping indicator after
 * it, or NULL when only blanks or a comment follow it on the line.
 */
static int scalar(rd *r, const char *s, tcg_ynode **out, const char **colon)
{
	const char *after;
	*out = NULL;
	if (*s == '"' || *s == '\'') {
		if ((*s == '"' ? double_quoted : single_quoted)(r, s, out, &after))
			return -1;
		const char *p = after;
		while (p < r->le && *p == ' ')
			p++;
		*colon = NULL;
		if (p < r->le && *p == ':' && (p + 1 == r->le || p[1] == ' '))
			*colon = p;
		else if (p < r->le && (*p != '#' || p == after))
			goto decline;
	} else {
		if (strchr("-?:,[]{}#&*!|>%@`", *s) && !(*s == '-' && !entry(r, s)))
			return -1;
		if (plain(r, s, out, colon))
			return -1;
	}
	if (*colon && *colon - s > KEY_MAX)
		goto decline;
	return 0;
decline:
	tcg_ynode_free_tree(*out);
	*out = NULL;
	return -1;
}

static int push(rd *r, tcg_ynode *parent, size_t *count, tcg_ynode *item)
{
	if ((*count & (*count - 1)) == 0 && *count >= 4) { /* 4, 8, 16, ... are full */
		tcg_ynode **ni = realloc(parent->items, 2 * *count * sizeof *ni);
		if (!ni) {
			r->nomem = true;
			tcg_ynode_free_tree(item);
			return -1;
		}
		parent->items = ni;
	} else if (*count == 0 && !(parent->items = malloc(4 * sizeof *parent->items))) {
		r->nomem = true;
		tcg_ynode_free_tree(item);
		return -1;
	}
	parent->items[(*count)++] = item;
	return 0;
}

static int block(rd *r, long parent_col, unsigned depth, tcg_ynode **out);
static int mapping(rd *r, const char *s, tcg_ynode *key, const char *colon, unsigned depth,
                   tcg_ynode **out);

static int line_done(rd *r, long col, tcg_ynode **out);

/* "[]" or "{}" alone, the writer's empty list and mapping. */
static int empty_flow(rd *r, const char *v, long col, unsigned depth, tcg_ynode **out)
{
	const char *e = v + 2;
	if (r->le - v < 2 || v[1] != (*v == '[' ? ']' : '}') || depth >= TCG_YDOC_MAX_DEPTH)
		return -1;
	while (e < r->le && *e == ' ')
		e++;
	if (e != r->le)
		return -1;
	if (!(*out = mk(r, *v == '[' ? TCG_YNODE_SEQ : TCG_YNODE_MAP, r->line, v - r->ls)))
		return -1;
	return line_done(r, col, out);
}

/* After a scalar that ends its line: the next line must not continue it. */
static int line_done(rd *r, long col, tcg_ynode **out)
{
	advance(r);
	if (r->kind == L_CONTENT && r->ind > col) {
		tcg_ynode_free_tree(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* The node after an indicator ("key:" or "-") that ends at p on the current
 * line, inline or on the lines below; col is the collection's column. */
static int value(rd *r, const char *p, long col, bool in_map, unsigned depth, tcg_ynode **out)
{
	const char *v = p, *colon;
	while (v < r->le && *v == ' ')
		v++;
	if (v < r->le && *v != '#') {
		if (*v == '[' || *v == '{')
			return empty_flow(r, v, col, depth, out);
		if (entry(r, v) || scalar(r, v, out, &colon))
			return -1;
		if (colon) {
			if (in_map) { /* "a: b: c" */
				tcg_ynode_free_tree(*out);
				*out = NULL;
				return -1;
			}
			return mapping(r, v, *out, colon, depth, out);
		}
		return line_done(r, col, out);
	}
	unsigned line = r->line;
	long col0 = p - r->ls;
	advance(r);
	if (r->kind == L_CONTENT &&
	    (r->ind > col || (in_map && r->ind == col && entry(r, r->ls + col))))
		return block(r, col, depth, out);
	/* nothing: libyaml's empty scalar, marked just after the indicator */
	char *str = malloc(1);
	if (!str) {
		r->nomem = true;
		return -1;
	}
	if (!(*out = mk(r, TCG_YNODE_SCALAR, line, col0))) {
		free(str);
		return -1;
	}
	(*out)->str = str;
	str[0] = '\0';
	(*out)->val = TCG_YVAL_NULL;
	return 0;
}

/* Whether the collection with an item at col goes on at the current line. */
static int goes_on(const rd *r, long col)
{
	if (r->kind != L_CONTENT || r->ind < col)
		return 0;
	return r->ind == col ? 1 : -1;
}

static int sequence(rd *r, bool indentless, unsigned depth, tcg_ynode **out)
{
	long col = r->ind;
	tcg_ynode *n;
	size_t count = 0;
	int more;
	if (depth >= TCG_YDOC_MAX_DEPTH || !(n = mk(r, TCG_YNODE_SEQ, r->line, col)))
		return -1;
	do {
		tcg_ynode *item = NULL;
		if (value(r, r->ls + col + 1, col, false, depth + 1, &item) ||
		    push(r, n, &count, item))
			goto fail;
		n->n = count;
		more = goes_on(r, col);
		if (more > 0 && !entry(r, r->ls + col)) {
			if (!indentless) /* "- a" then "b: c" under it */
				goto fail;
			more = 0;
		}
	} while (more > 0);
	*out = n;
	if (more < 0)
		goto fail;
	return 0;
fail:
	n->n = count;
	tcg_ynode_free_tree(n);
	*out = NULL;
	return -1;
}

/* A block mapping whose first key (already read) starts at s. */
static int mapping(rd *r, const char *s, tcg_ynode *key, const char *colon, unsigned depth,
                   tcg_ynode **out)
{
	long col = s - r->ls;
	size_t count = 0;
	int more;
	bool nomem = false;
	tcg_ynode *n = depth < TCG_YDOC_MAX_DEPTH ? mk(r, TCG_YNODE_MAP, r->line, col) : NULL;
	*out = NULL;
	if (!n) {
		tcg_ynode_free_tree(key);
		return -1;
	}
	for (;;) {
		tcg_ynode *v = NULL;
		if (push(r, n, &count, key))
			goto fail;
		if (value(r, colon + 1, col, true, depth + 1, &v) || push(r, n, &count, v))
			goto fail;
		n->n = count / 2;
		if ((more = goes_on(r, col)) <= 0)
			break;
		s = r->ls + col;
		if (entry(r, s) || scalar(r, s, &key, &colon))
			goto fail;
		if (!colon) {
			tcg_ynode_free_tree(key);
			goto fail;
		}
	}
	if (more < 0 || tcg_ynode_dup_key(n, &nomem)) {
		r->nomem |= nomem;
		goto fail;
	}
	*out = n;
	return 0;
fail:
	n->n = count / 2;
	if (count % 2)
		tcg_ynode_free_tree(n->items[count - 1]);
	tcg_ynode_free_tree(n);
	return -1;
}

/* The node whose first line is the current one (indented past parent_col,
 * or an indentless sequence at it). */
static int block(rd *r, long parent_col, unsigned depth, tcg_ynode **out)
{
	const char *s = r->ls + r->ind, *colon;
	tcg_ynode *k;
	*out = NULL;
	if (entry(r, s))
		return sequence(r, r->ind == parent_col, depth, out);
	if (scalar(r, s, &k, &colon))
		return -1;
	if (colon)
		return mapping(r, s, k, colon, depth, out);
	*out = k;
	return line_done(r, parent_col, out);
}

/* After the root: "..." and comments, then the end or the next "---". */
static bool doc_end(rd *r, const char *base, tcg_yfast_doc *out, size_t start)
{
	size_t end;
	if (r->kind == L_DOCEND) {
		if (r->le - r->ls != 3)
			return false;
		end = (size_t)(r->ls - base) + 3;
		advance(r);
	} else {
		end = (size_t)(r->ls - base);
	}
	if (r->kind != L_EOF && r->kind != L_DOCSTART)
		return false;
	out->more = r->kind == L_DOCSTART;
	out->consumed = (size_t)(r->ls - base);
	out->lines = r->line;
	out->size = end - start;
	return true;
}

tcg_yfast_rc tcg_yfast_parse(const uint8_t *data, size_t len, unsigned line0, bool first,
                             tcg_yfast_doc *out)
{
	const char *base = (const char *)data;
	rd r = {.end = base + len, .next = len ? base : NULL, .nl = line0};
	size_t start;

	memset(out, 0, sizeof *out);
	advance(&r);
	if (r.kind == L_DOCSTART) {
		if (r.ind != 0 || r.le - r.ls != 3)
			return TCG_YFAST_DECLINE; /* "--- value" */
		start = (size_t)(r.ls - base);
		advance(&r);
	} else if (!first || r.kind != L_CONTENT) {
		return TCG_YFAST_DECLINE;
	} else {
		start = (size_t)(r.ls + r.ind - base);
	}
	if (r.kind != L_CONTENT || block(&r, -1, 0, &out->root) ||
	    out->root->kind == TCG_YNODE_SCALAR || !doc_end(&r, base, out, start)) {
		tcg_ynode_free_tree(out->root);
		out->root = NULL;
		return r.nomem ? TCG_YFAST_NOMEM : TCG_YFAST_DECLINE;
	}
	out->lines -= line0;
	/* document start and end, a start and an end per collection, the scalars */
	out->events = 2 + r.nodes + r.colls;
	return TCG_YFAST_OK;
}

bool tcg_yfast_blank(const uint8_t *data, size_t len)
{
	const char *base = (const char *)data;
	rd r = {.end = base + len, .next = len ? base : NULL};
	advance(&r);
	return r.kind == L_EOF;
}
