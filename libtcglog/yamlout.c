#include "yamlout.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "jsonout.h"
#include "yamldoc.h"

/*
 * A direct writer: the bytes libyaml's emitter writes for the same calls
 * (block style, indent 2, unlimited width, unicode), without its per-scalar
 * copies and analysis. Layout state (indent, column, whitespace, indention)
 * and the rules that use it follow libyaml 0.2.5's emitter, so that output
 * stays byte-identical; scalar styles are chosen from the call (strings
 * double-quoted, numbers and names plain) with one check of the plain ones.
 */

enum {
	/* far above a line; each 4 KiB page first touched costs a fault, which
	 * outweighs the writes a smaller buffer adds (64 KiB: 13 more faults
	 * on a 212 KB dump for 18 fewer writes) */
	OUT_BUF = 16 * 1024,
	MAX_NEST = 64,            /* nesting deeper than any caller (yamldoc caps trees at 32) */
	SIMPLE_KEY_MAX = 128,     /* longer keys are written "? key" as libyaml does */
	CP_ROOM = 12,             /* most bytes one code point takes escaped: \UXXXXXXXX */
};

/* The layout steps every node takes, inlined into their few callers: a call
 * per step cost more than the bytes they write. */
#if defined(__GNUC__)
#define STEP static inline __attribute__((always_inline))
#else
#define STEP static inline
#endif

enum frame_kind { F_MAP, F_SEQ };
enum style { S_PLAIN, S_SINGLE, S_DOUBLE };

struct frame {
	unsigned char kind;       /* F_MAP or F_SEQ */
	bool pending;             /* started; block or empty flow ("{}") decided by the next call */
	bool in_mapping;          /* the node is a mapping's value or key (indentless sequences) */
	bool want_value;          /* F_MAP: a key was written, its value comes next */
	bool simple_key;          /* F_MAP: that key was written "key:", not "? key" */
	int parent_indent;
};

struct tcg_yaml {
	FILE *out;
	tcg_json *json;           /* JSON instead of YAML: the calls build its tree */
	int failed;
	char problem[128];
	int indent, column;
	bool whitespace, indention;
	bool root_done;
	unsigned depth;
	struct frame st[MAX_NEST];
	size_t n;
	char buf[OUT_BUF];
};

static void fail(tcg_yaml *y, const char *problem)
{
	if (y->failed)
		return;
	y->failed = 1;
	snprintf(y->problem, sizeof y->problem, "%s", problem);
}

static void flush(tcg_yaml *y)
{
	if (y->n && fwrite(y->buf, 1, y->n, y->out) != y->n)
		fail(y, errno ? strerror(errno) : "write failed");
	y->n = 0;
}

/* At least need (<= OUT_BUF) free bytes at the end of the buffer. */
static inline char *room(tcg_yaml *y, size_t need)
{
	if (OUT_BUF - y->n < need)
		flush(y);
	return y->buf + y->n;
}

static inline void put(tcg_yaml *y, char c)
{
	*room(y, 1) = c;
	y->n++;
	y->column++;
}

/* Bytes, not characters, and not exact after a scalar: libyaml's rules read
 * the column only while a line holds nothing but indent and indicators. */
static inline void add_column(tcg_yaml *y, size_t len)
{
	if (len < INT_MAX / 2 && y->column < INT_MAX / 2)
		y->column += (int)len;
}

static void put_long(tcg_yaml *y, const char *p, size_t len)
{
	while (len) {
		size_t k = OUT_BUF - y->n;
		if (!k)
			k = (flush(y), OUT_BUF);
		if (k > len)
			k = len;
		memcpy(y->buf + y->n, p, k);
		y->n += k;
		p += k;
		len -= k;
	}
}

STEP void put_bytes(tcg_yaml *y, const char *p, size_t len)
{
	add_column(y, len);
	if (len > OUT_BUF - y->n) {
		put_long(y, p, len);
		return;
	}
	memcpy(y->buf + y->n, p, len);
	y->n += len;
}

/*
 * libyaml's yaml_emitter_write_indent. Nesting is capped (MAX_NEST), so a
 * break and the indent fit the buffer; the state is kept in locals because
 * every byte written through y->buf could alias y's other fields. Short
 * indents are one fixed-size copy (room leaves the slack), cheaper than a
 * memset call.
 */
STEP void write_indent(tcg_yaml *y)
{
	static const char spaces[32] = "                                ";
	int indent = y->indent >= 0 ? y->indent : 0, col = y->column;
	char *o = room(y, 1 + (size_t)indent + sizeof spaces), *s = o;
	if (!y->indention || col > indent || (col == indent && !y->whitespace)) {
		*o++ = '\n';
		col = 0;
	}
	if (col < indent) {
		size_t k = (size_t)(indent - col);
		if (k <= sizeof spaces)
			memcpy(o, spaces, sizeof spaces);
		else
			memset(o, ' ', k);
		o += k;
		col = indent;
	}
	y->n += (size_t)(o - s);
	y->column = col;
	y->whitespace = true;
	y->indention = true;
}

/* libyaml's yaml_emitter_write_indicator, for the one-character indicators. */
STEP void write_indicator(tcg_yaml *y, char c, bool need_ws, bool is_ws, bool is_indention)
{
	char *o = room(y, 2), *s = o;
	if (need_ws && !y->whitespace)
		*o++ = ' ';
	*o++ = c;
	y->n += (size_t)(o - s);
	y->column += (int)(o - s);
	y->whitespace = is_ws;
	y->indention = y->indention && is_indention;
}

/* ---- structure ---- */

/* A started mapping or sequence that gets content is a block: libyaml's
 * increase_indent when its first key or item comes. */
static void open_block(tcg_yaml *y, struct frame *f)
{
	bool indentless = f->kind == F_SEQ && f->in_mapping && !y->indention;
	f->pending = false;
	f->parent_indent = y->indent;
	if (y->indent < 0)
		y->indent = 0;
	else if (!indentless)
		y->indent += 2;
}

/* The innermost open mapping or sequence, NULL at the root. A node's
 * callers look it up once for before_node and after_node. */
static inline struct frame *top(tcg_yaml *y) { return y->depth ? &y->st[y->depth - 1] : NULL; }

/* What precedes a node in f: "- ", a key's "? ", a value's ":". Returns whether
 * the node sits in a mapping; *simple_key says it is written as a simple key.
 * Each case says whether it writes an indent and which indicator, written
 * once below: one copy of each writer keeps the common calls short. */
STEP bool before_node(tcg_yaml *y, struct frame *f, bool scalar, size_t len, bool multiline,
                      bool *simple_key)
{
	bool indent = true, in_map = true, ind_ws = true;
	char ind;
	*simple_key = false;
	if (!f) {
		if (y->root_done)
			fail(y, "a second root node in one document");
		return false;
	}
	if (f->pending)
		open_block(y, f);
	if (f->kind == F_SEQ) {
		ind = '-';
		in_map = false;
	} else if (f->want_value) {
		ind = ':';
		if (f->simple_key)
			indent = ind_ws = false;
	} else if (!scalar) {
		fail(y, "a mapping key that is not a scalar");
		return true;
	} else {
		f->simple_key = *simple_key = !multiline && len <= SIMPLE_KEY_MAX;
		ind = f->simple_key ? '\0' : '?';
	}
	if (indent)
		write_indent(y);
	/* none is whitespace; "-", "?" and a complex key's ":" want a space
	 * before them and keep the line's indention, a simple key's ":"
	 * follows the key and ends it */
	if (ind)
		write_indicator(y, ind, ind_ws, false, ind_ws);
	return in_map;
}

/* A node in f is complete: its mapping now expects a value, or a key again. */
STEP void after_node(tcg_yaml *y, struct frame *f)
{
	if (!f) {
		y->root_done = true;
		return;
	}
	if (f->kind == F_MAP)
		f->want_value = !f->want_value;
}

/* A problem the JSON side reports fails the output. */
static void json_did(tcg_yaml *y, const char *problem)
{
	if (problem)
		fail(y, problem);
}

static void start(tcg_yaml *y, enum frame_kind kind)
{
	bool simple, in_map;
	if (y->failed)
		return;
	if (y->json) {
		json_did(y, tcg_json_start(y->json, kind == F_MAP));
		return;
	}
	in_map = before_node(y, top(y), false, 0, false, &simple);
	if (y->depth == MAX_NEST)
		fail(y, "nesting too deep");
	if (y->failed)
		return;
	y->st[y->depth++] = (struct frame){ .kind = (unsigned char)kind, .pending = true,
		                            .in_mapping = in_map };
}

static void end(tcg_yaml *y, enum frame_kind kind)
{
	struct frame *f;
	if (y->failed)
		return;
	if (y->json) {
		json_did(y, tcg_json_end(y->json, kind == F_MAP));
		return;
	}
	f = top(y);
	if (!f || f->kind != kind || (kind == F_MAP && f->want_value)) {
		fail(y, kind == F_MAP ? "a mapping end out of place" : "a sequence end out of place");
		return;
	}
	if (f->pending) {
		/* empty: libyaml writes the flow form */
		write_indicator(y, kind == F_MAP ? '{' : '[', true, true, false);
		write_indicator(y, kind == F_MAP ? '}' : ']', false, false, false);
	} else {
		y->indent = f->parent_indent;
	}
	y->depth--;
	after_node(y, top(y));
}

void tcg_yaml_map_start(tcg_yaml *y) { start(y, F_MAP); }
void tcg_yaml_map_end(tcg_yaml *y) { end(y, F_MAP); }
void tcg_yaml_seq_start(tcg_yaml *y) { start(y, F_SEQ); }
void tcg_yaml_seq_end(tcg_yaml *y) { end(y, F_SEQ); }

static tcg_yaml *writer_new(FILE *out, bool json)
{
	tcg_yaml *y = malloc(sizeof *y);
	if (!y)
		return NULL;
	y->json = NULL;
	if (json && !(y->json = tcg_json_new())) {
		free(y);
		return NULL;
	}
	y->out = out;
	y->failed = 0;
	y->problem[0] = '\0';
	y->indent = -1;
	y->column = 0;
	y->whitespace = y->indention = true;
	y->root_done = false;
	y->depth = 0;
	y->n = 0;
	return y;
}

tcg_yaml *tcg_yaml_new(FILE *out)
{
	tcg_yaml *y = writer_new(out, false);
	if (y) {
		/* the document start: libyaml's indicator "---" after write_indent */
		write_indent(y);
		put_bytes(y, "---", 3);
		y->whitespace = y->indention = false;
	}
	return y;
}

tcg_yaml *tcg_yaml_new_json(FILE *out) { return writer_new(out, true); }

tcg_rc tcg_yaml_finish(tcg_yaml *y, tcg_err *err)
{
	tcg_rc rc = TCG_OK;
	if (!y)
		return tcg_err_set(err, TCG_E_NOMEM, "out-of-memory", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "no memory");
	if (y->json) {
		if (!y->failed)
			json_did(y, tcg_json_write(y->json, y->out));
		tcg_json_free(y->json);
	} else if (y->depth || !y->root_done) {
		fail(y, y->depth ? "a mapping or sequence left open" : "a document without content");
	}
	if (!y->failed && !y->json) {
		write_indent(y);
		flush(y);
	}
	if (y->failed)
		rc = tcg_err_set(err, TCG_E_IO, "yaml-output", TCG_NO_OFFSET, TCG_NO_EVENT, "%s",
		                 y->problem);
	free(y);
	return rc;
}

void tcg_yaml_fail_nomem(tcg_yaml *y) { fail(y, "no memory"); }

/* ---- scalars ---- */

/* Append code point c as UTF-8; out must have 4 bytes free. */
static size_t put_utf8(char *out, uint32_t c)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xC0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xE0 | c >> 12);
		out[1] = (char)(0x80 | (c >> 6 & 0x3F));
		out[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | c >> 18);
	out[1] = (char)(0x80 | (c >> 12 & 0x3F));
	out[2] = (char)(0x80 | (c >> 6 & 0x3F));
	out[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/* Length of a valid UTF-8 sequence at p (max n bytes), 0 if invalid. */
static size_t utf8_len(const uint8_t *p, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		len = 2;
		c = p[0] & 0x1F;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		len = 3;
		c = p[0] & 0x0F;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		len = 4;
		c = p[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3F);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10FFFF)))
		return 0;
	*cp = c;
	return len;
}

/* The next code point of UTF-8 text: bad bytes and the characters YAML cannot
 * carry even escaped (U+FFFE, U+FFFF) read as U+FFFD. */
static uint32_t utf8_next(const uint8_t *p, size_t len, size_t *i)
{
	uint32_t c = 0;
	size_t l = utf8_len(p + *i, len - *i, &c);
	*i += l ? l : 1;
	return !l || c == 0xFFFE || c == 0xFFFF ? 0xFFFD : c;
}

/* The next code point of UTF-16LE text (units long); 0 at a NUL. */
static uint32_t utf16_next(const uint8_t *p, size_t units, size_t *i)
{
	uint32_t c = (uint32_t)p[2 * *i] | (uint32_t)p[2 * *i + 1] << 8;
	(*i)++;
	if (c >= 0xD800 && c <= 0xDBFF && *i < units) {
		uint32_t lo = (uint32_t)p[2 * *i] | (uint32_t)p[2 * *i + 1] << 8;
		if (lo < 0xDC00 || lo > 0xDFFF)
			return 0xFFFD;
		(*i)++;
		return 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
	}
	if ((c >= 0xD800 && c <= 0xDFFF) || c == 0xFFFE || c == 0xFFFF)
		return 0xFFFD;
	return c;
}

static size_t utf8_size(uint32_t c) { return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4; }

static bool is_break(uint32_t c) { return c == '\n' || c == '\r' || c == 0x85 || c == 0x2028 || c == 0x2029; }

/* Written as is inside double quotes (libyaml: printable, not a break, BOM, '"' or '\\'). */
static bool dq_raw(uint32_t c)
{
	if (c < 0x80)
		return c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
	return (c >= 0xA0 && c <= 0xD7FF && c != 0x2028 && c != 0x2029) ||
	       (c >= 0xE000 && c <= 0xFFFD && c != 0xFEFF);
}

/* One code point inside double quotes, escaped as libyaml escapes it. */
static void dq_cp(tcg_yaml *y, uint32_t c)
{
	static const char hexd[] = "0123456789ABCDEF";
	char *o = room(y, CP_ROOM), *s = o;
	int width;
	if (dq_raw(c)) {
		y->n += put_utf8(o, c);
		return;
	}
	*o++ = '\\';
	switch (c) {
	case 0x00: *o++ = '0'; break;
	case 0x07: *o++ = 'a'; break;
	case 0x08: *o++ = 'b'; break;
	case 0x09: *o++ = 't'; break;
	case 0x0A: *o++ = 'n'; break;
	case 0x0B: *o++ = 'v'; break;
	case 0x0C: *o++ = 'f'; break;
	case 0x0D: *o++ = 'r'; break;
	case 0x1B: *o++ = 'e'; break;
	case 0x22: *o++ = '"'; break;
	case 0x5C: *o++ = '\\'; break;
	case 0x85: *o++ = 'N'; break;
	case 0x2028: *o++ = 'L'; break;
	case 0x2029: *o++ = 'P'; break;
	default:
		*o++ = c <= 0xFF ? 'x' : c <= 0xFFFF ? 'u' : 'U';
		width = c <= 0xFF ? 2 : c <= 0xFFFF ? 4 : 8;
		for (int k = (width - 1) * 4; k >= 0; k -= 4)
			*o++ = hexd[c >> k & 0xF];
	}
	y->n += (size_t)(o - s);
}

/* Bytes 0x20..0x7E but '"' and '\\': copied as they are. */
static bool dq_safe_byte(uint8_t b) { return b >= 0x20 && b < 0x7F && b != '"' && b != '\\'; }

/*
 * How many bytes from p on are dq_safe_byte. Eight at a time while none of
 * them is a control byte, DEL or above, '"' or '\\' (a base64 EncBlob in a
 * reply is 100 KB of such bytes); the word tests only say whether one of the
 * eight is, so the word that holds one is read byte by byte.
 */
static size_t dq_safe_run(const uint8_t *p, size_t len)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	size_t i = 0;
	for (; len - i >= 8; i += 8) {
		uint64_t v, q, b;
		memcpy(&v, p + i, sizeof v);
		q = v ^ (ones * '"');
		b = v ^ (ones * '\\');
		if (((v - ones * 0x20) & ~v) & high || /* a byte under 0x20 */
		    ((v + ones) | v) & high ||          /* 0x7F or above */
		    ((q - ones) & ~q & high) || ((b - ones) & ~b & high))
			break;
	}
	while (i < len && dq_safe_byte(p[i]))
		i++;
	return i;
}

/* The text of a double-quoted scalar from UTF-8; runs of plain ASCII are copied. */
static void dq_utf8(tcg_yaml *y, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t j = i + dq_safe_run(p + i, len - i);
		if (j > i) {
			put_bytes(y, (const char *)p + i, j - i);
			i = j;
		} else {
			dq_cp(y, utf8_next(p, len, &i));
		}
	}
}

enum text { T_ASCII, T_UTF8, T_UTF16, T_HEX };

/* The size and line breaks of a scalar's text as libyaml would see it, which
 * decide whether it can be a simple key. Only keys need it. */
static void text_shape(enum text kind, const uint8_t *p, size_t len, size_t *size, bool *multiline)
{
	size_t i = 0;
	uint32_t c;
	*size = kind == T_HEX ? 2 * len : kind == T_UTF16 ? 0 : len;
	*multiline = false;
	if (kind == T_UTF8) {
		*size = 0;
		while (i < len) {
			c = utf8_next(p, len, &i);
			*size += utf8_size(c);
			*multiline |= is_break(c);
		}
	} else if (kind == T_UTF16) {
		while (i < len / 2 && (c = utf16_next(p, len / 2, &i))) {
			*size += utf8_size(c);
			*multiline |= is_break(c);
		}
	}
}

static bool printable_ascii(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7E)
			return false;
	return true;
}

/*
 * Bytes that never make libyaml's analysis refuse the plain style, wherever
 * they stand: letters, digits, '_', '/', '(', ')', '+', '=', and '-', '.' and
 * ' ' anywhere but first ("---", "...", "- " start other tokens; ' ' not last
 * either). Bit 1: may lead, bit 2: may follow.
 */
static const unsigned char plain_class[256] = {
	['('] = 3, [')'] = 3, ['+'] = 3, ['.'] = 2, ['/'] = 3, ['='] = 3, ['_'] = 3,
	[' '] = 2, ['-'] = 2,
	['0'] = 3, ['1'] = 3, ['2'] = 3, ['3'] = 3, ['4'] = 3,
	['5'] = 3, ['6'] = 3, ['7'] = 3, ['8'] = 3, ['9'] = 3,
	['A'] = 3, ['B'] = 3, ['C'] = 3, ['D'] = 3, ['E'] = 3, ['F'] = 3, ['G'] = 3,
	['H'] = 3, ['I'] = 3, ['J'] = 3, ['K'] = 3, ['L'] = 3, ['M'] = 3, ['N'] = 3,
	['O'] = 3, ['P'] = 3, ['Q'] = 3, ['R'] = 3, ['S'] = 3, ['T'] = 3, ['U'] = 3,
	['V'] = 3, ['W'] = 3, ['X'] = 3, ['Y'] = 3, ['Z'] = 3,
	['a'] = 3, ['b'] = 3, ['c'] = 3, ['d'] = 3, ['e'] = 3, ['f'] = 3, ['g'] = 3,
	['h'] = 3, ['i'] = 3, ['j'] = 3, ['k'] = 3, ['l'] = 3, ['m'] = 3, ['n'] = 3,
	['o'] = 3, ['p'] = 3, ['q'] = 3, ['r'] = 3, ['s'] = 3, ['t'] = 3, ['u'] = 3,
	['v'] = 3, ['w'] = 3, ['x'] = 3, ['y'] = 3, ['z'] = 3,
};

/* Printable ASCII that libyaml would write plain, decided in one pass over
 * the common case (keys, names, numbers); false means "ask the full rules". */
static bool plain_sure(const char *s, size_t len)
{
	const unsigned char *c = (const unsigned char *)s;
	unsigned ok = 2;
	size_t i = 1;
	if (!len || !(plain_class[c[0]] & 1) || s[len - 1] == ' ')
		return false;
	/* four at a time: SIPA names run to 60 bytes */
	for (; len - i >= 4; i += 4)
		ok &= plain_class[c[i]] & plain_class[c[i + 1]] & plain_class[c[i + 2]] &
		      plain_class[c[i + 3]];
	for (; i < len; i++)
		ok &= plain_class[c[i]];
	return ok;
}

/* libyaml's analysis of printable ASCII text: may it be written plain in a block? */
static bool block_plain_ok(const char *s, size_t len)
{
	if (!len)
		return true;
	if (s[0] == ' ' || s[len - 1] == ' ' ||
	    (len >= 3 && (!memcmp(s, "---", 3) || !memcmp(s, "...", 3))) ||
	    strchr("#,[]{}&*!|>'\"%@`", s[0]))
		return false;
	for (size_t i = 0; i < len; i++) {
		bool space_after = i + 1 == len || s[i + 1] == ' ';
		if (space_after && (s[i] == ':' || (i == 0 && (s[0] == '?' || s[0] == '-'))))
			return false;
		if (i && s[i] == '#' && s[i - 1] == ' ')
			return false;
	}
	return true;
}

/* UTF-16LE text up to its first NUL; runs of plain ASCII are copied as they are. */
/*
 * Whether the four UTF-16LE units at p are all dq_safe_byte ASCII, tested as
 * 16-bit lanes of one word (the module paths of a Windows boot's claims are
 * thousands of such units); little-endian hosts only, else never.
 */
static bool dq_safe_units4(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0001000100010001u, high = 0x8000800080008000u;
	uint64_t v, q, b;
	memcpy(&v, p, sizeof v);
	q = v ^ (ones * '"');
	b = v ^ (ones * '\\');
	return !(v & 0xFF00FF00FF00FF00u) &&          /* ASCII: each lane under 0x100 */
	       !((v - ones * 0x20) & ~v & high) &&     /* no lane under 0x20 */
	       !((v + ones * 0x81) & (ones << 8)) &&   /* none 0x7F or above */
	       !((q - ones) & ~q & high) && !((b - ones) & ~b & high);
#else
	(void)p;
	return false;
#endif
}

static void dq_utf16(tcg_yaml *y, const uint8_t *p, size_t len)
{
	size_t i = 0, units = len / 2;
	uint32_t c;
	while (i < units) {
		size_t k = OUT_BUF - y->n, j = 0;
		char *o = y->buf + y->n;
		for (; k - j >= 4 && units - i >= 4 && dq_safe_units4(p + 2 * i); i += 4, j += 4) {
			o[j] = (char)p[2 * i];
			o[j + 1] = (char)p[2 * i + 2];
			o[j + 2] = (char)p[2 * i + 4];
			o[j + 3] = (char)p[2 * i + 6];
		}
		while (j < k && i < units && !p[2 * i + 1] && dq_safe_byte(p[2 * i]))
			o[j++] = (char)p[2 * i++];
		y->n += j;
		if (i == units)
			return;
		if (j == k) {
			flush(y);
			continue;
		}
		if (!(c = utf16_next(p, units, &i)))
			return;
		dq_cp(y, c);
	}
}

/* "00" to "ff": a byte's two digits in one two-byte copy. */
#define HEX_ROW(h) h "0" h "1" h "2" h "3" h "4" h "5" h "6" h "7" \
                   h "8" h "9" h "a" h "b" h "c" h "d" h "e" h "f"
static const char hex_pairs[] = HEX_ROW("0") HEX_ROW("1") HEX_ROW("2") HEX_ROW("3")
	HEX_ROW("4") HEX_ROW("5") HEX_ROW("6") HEX_ROW("7") HEX_ROW("8") HEX_ROW("9")
	HEX_ROW("a") HEX_ROW("b") HEX_ROW("c") HEX_ROW("d") HEX_ROW("e") HEX_ROW("f");

static void dq_hex(tcg_yaml *y, const uint8_t *p, size_t len)
{
	while (len) {
		size_t k = (OUT_BUF - y->n) / 2;
		char *o = y->buf + y->n;
		if (!k) {
			flush(y);
			continue;
		}
		if (k > len)
			k = len;
		size_t i = 0;
		/* four bytes a round: digests are most of a log's output */
		for (; k - i >= 4; i += 4) {
			memcpy(o + 2 * i, hex_pairs + 2 * p[i], 2);
			memcpy(o + 2 * i + 2, hex_pairs + 2 * p[i + 1], 2);
			memcpy(o + 2 * i + 4, hex_pairs + 2 * p[i + 2], 2);
			memcpy(o + 2 * i + 6, hex_pairs + 2 * p[i + 3], 2);
		}
		for (; i < k; i++)
			memcpy(o + 2 * i, hex_pairs + 2 * p[i], 2);
		y->n += 2 * k;
		p += k;
		len -= k;
	}
}

static void single_quoted(tcg_yaml *y, const char *s, size_t len)
{
	write_indicator(y, '\'', true, false, false);
	for (const char *q; (q = memchr(s, '\'', len)); len -= (size_t)(q + 1 - s), s = q + 1) {
		put_bytes(y, s, (size_t)(q + 1 - s));
		put(y, '\'');
	}
	put_bytes(y, s, len);
	write_indicator(y, '\'', false, false, false);
}

static void double_quoted(tcg_yaml *y, enum text kind, const uint8_t *p, size_t len)
{
	write_indicator(y, '"', true, false, false);
	if (kind == T_UTF16)
		dq_utf16(y, p, len);
	else if (kind == T_HEX)
		dq_hex(y, p, len);
	else
		dq_utf8(y, p, len);
	write_indicator(y, '"', false, false, false);
}

/* The text a scalar stands for, as UTF-8 in one allocation (JSON strings). */
static char *text_utf8(enum text kind, const uint8_t *p, size_t len, size_t *n)
{
	size_t i = 0, cap = kind == T_HEX ? 2 * len : kind == T_UTF16 ? 2 * len : 3 * len;
	char *out = len <= SIZE_MAX / 4 ? malloc(cap + 1) : NULL;
	uint32_t c;
	*n = 0;
	if (!out)
		return NULL;
	if (kind == T_ASCII) {
		memcpy(out, p, len);
		*n = len;
	} else if (kind == T_HEX) {
		for (; i < len; i++, *n += 2)
			memcpy(out + *n, hex_pairs + 2 * p[i], 2);
	} else if (kind == T_UTF16) {
		while (i < len / 2 && (c = utf16_next(p, len / 2, &i)))
			*n += put_utf8(out + *n, c);
	} else {
		while (i < len)
			*n += put_utf8(out + *n, utf8_next(p, len, &i));
	}
	out[*n] = '\0';
	return out;
}

static void json_text(tcg_yaml *y, bool plain, enum text kind, const uint8_t *p, size_t len)
{
	size_t n;
	char *t = text_utf8(kind, p, len, &n);
	if (!t) {
		fail(y, "no memory");
		return;
	}
	json_did(y, tcg_json_scalar(y->json, t, n, plain));
	free(t);
}

static bool key_expected(const tcg_yaml *y)
{
	return y->depth && y->st[y->depth - 1].kind == F_MAP && !y->st[y->depth - 1].want_value;
}

/* A plain scalar whose text is known to need no quotes: printable ASCII that
 * libyaml's analysis allows plain, not empty (numbers, names, GUIDs). */
static void plain_known(tcg_yaml *y, const char *s, size_t len)
{
	struct frame *f;
	bool simple;
	if (y->failed)
		return;
	if (y->json) {
		json_text(y, true, T_ASCII, (const uint8_t *)s, len);
		return;
	}
	f = top(y);
	before_node(y, f, true, len, false, &simple);
	if (y->failed)
		return;
	if (!y->whitespace)
		put(y, ' ');
	put_bytes(y, s, len);
	y->whitespace = y->indention = false;
	after_node(y, f);
}

/*
 * One scalar. T_ASCII text asks for want (plain or single-quoted) and falls
 * back as libyaml does: plain to single-quoted, and text that is not printable
 * ASCII (callers promise it is) to double quotes. Other text is double-quoted.
 */
static void scalar(tcg_yaml *y, enum style want, enum text kind, const void *text, size_t len)
{
	const uint8_t *p = text;
	size_t size = len;
	bool simple = false, multiline = false;
	if (y->failed)
		return;
	if (kind == T_ASCII && !printable_ascii(text, len))
		kind = T_UTF8;
	if (y->json) {
		json_text(y, want == S_PLAIN && kind == T_ASCII, kind, p, len);
		return;
	}
	if (key_expected(y))
		text_shape(kind, p, len, &size, &multiline);
	before_node(y, top(y), true, size, multiline, &simple);
	if (y->failed)
		return;
	if (kind != T_ASCII)
		double_quoted(y, kind, p, len);
	else if (want == S_PLAIN && block_plain_ok(text, len) && !(simple && !len)) {
		if (!y->whitespace && len)
			put(y, ' ');
		put_bytes(y, text, len);
		y->whitespace = y->indention = false;
	} else {
		single_quoted(y, text, len);
	}
	after_node(y, top(y));
}

/* Text asked plain: the common case, decided in one pass, skips scalar's rules. */
static void plain(tcg_yaml *y, const char *s, size_t len)
{
	if (plain_sure(s, len))
		plain_known(y, s, len);
	else
		scalar(y, S_PLAIN, T_ASCII, s, len);
}

void tcg_yaml_key_n(tcg_yaml *y, const char *key, size_t len) { plain(y, key, len); }
void tcg_yaml_plain(tcg_yaml *y, const char *s) { plain(y, s, strlen(s)); }
void tcg_yaml_null(tcg_yaml *y) { plain(y, "", 0); }
void tcg_yaml_squoted(tcg_yaml *y, const char *s) { scalar(y, S_SINGLE, T_ASCII, s, strlen(s)); }
void tcg_yaml_str(tcg_yaml *y, const char *s, size_t len) { scalar(y, S_DOUBLE, T_UTF8, s, len); }
void tcg_yaml_cstr(tcg_yaml *y, const char *s) { tcg_yaml_str(y, s, strlen(s)); }
void tcg_yaml_utf16(tcg_yaml *y, const uint8_t *p, size_t len) { scalar(y, S_DOUBLE, T_UTF16, p, len); }
void tcg_yaml_hex(tcg_yaml *y, const uint8_t *p, size_t len) { scalar(y, S_DOUBLE, T_HEX, p, len); }

/* v in decimal, ending at end; returns where it starts. */
static char *fmt_u64(char *end, uint64_t v)
{
	do
		*--end = (char)('0' + v % 10);
	while (v /= 10);
	return end;
}

static const char hex_lower[] = "0123456789abcdef";

void tcg_yaml_u64(tcg_yaml *y, uint64_t v)
{
	char b[24], *s = fmt_u64(b + sizeof b, v);
	plain_known(y, s, (size_t)(b + sizeof b - s));
}

void tcg_yaml_hex64(tcg_yaml *y, uint64_t v)
{
	char b[24], *s = b + sizeof b;
	do
		*--s = hex_lower[v & 15];
	while (v >>= 4);
	*--s = 'x';
	*--s = '0';
	plain_known(y, s, (size_t)(b + sizeof b - s));
}

void tcg_yaml_bool(tcg_yaml *y, int v)
{
	if (v)
		plain_known(y, "true", 4);
	else
		plain_known(y, "false", 5);
}

/* Bytes 3..0, 5..4, 7..6 little-endian, then 8..15 as they are; each byte's
 * digits at a fixed place, the dashes between the groups. */
void tcg_guid_format(const uint8_t p[16], char out[37])
{
	static const unsigned char order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
	static const unsigned char at[16] = { 0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34 };
	for (size_t i = 0; i < 16; i++)
		memcpy(out + at[i], hex_pairs + 2 * p[order[i]], 2);
	out[8] = out[13] = out[18] = out[23] = '-';
	out[36] = '\0';
}

void tcg_yaml_guid(tcg_yaml *y, const uint8_t p[16])
{
	char g[37];
	tcg_guid_format(p, g);
	plain_known(y, g, 36);
}

void tcg_yaml_kv_str(tcg_yaml *y, const char *key, const char *s, size_t len)
{
	tcg_yaml_key(y, key);
	tcg_yaml_str(y, s, len);
}

void tcg_yaml_kv_cstr(tcg_yaml *y, const char *key, const char *s)
{
	tcg_yaml_key(y, key);
	tcg_yaml_cstr(y, s);
}

void tcg_yaml_kv_u64(tcg_yaml *y, const char *key, uint64_t v)
{
	tcg_yaml_key(y, key);
	tcg_yaml_u64(y, v);
}

void tcg_yaml_kv_hex64(tcg_yaml *y, const char *key, uint64_t v)
{
	tcg_yaml_key(y, key);
	tcg_yaml_hex64(y, v);
}

void tcg_yaml_kv_hex(tcg_yaml *y, const char *key, const uint8_t *p, size_t len)
{
	tcg_yaml_key(y, key);
	tcg_yaml_hex(y, p, len);
}

void tcg_yaml_kv_bool(tcg_yaml *y, const char *key, int v)
{
	tcg_yaml_key(y, key);
	tcg_yaml_bool(y, v);
}

void tcg_yaml_kv_guid(tcg_yaml *y, const char *key, const uint8_t p[16])
{
	tcg_yaml_key(y, key);
	tcg_yaml_guid(y, p);
}

/* ---- parsed trees written back ---- */

/* Would this text, written plain, read back as the same string? Only a
 * conservative set: names that start with a letter or '_' and hold letters,
 * digits, '_', '-', '.'; never a word the reader types (true, false, null). */
static bool plain_key_ok(const char *s, size_t len)
{
	if (len == 0 || len != strlen(s) || len > 128)
		return false;
	if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return false;
	}
	return strcmp(s, "true") && strcmp(s, "false") && strcmp(s, "null");
}

static void node_scalar(tcg_yaml *y, const tcg_ynode *n, bool is_key)
{
	char b[32];
	switch (n->val) {
	case TCG_YVAL_BOOL:
		tcg_yaml_bool(y, n->b);
		return;
	case TCG_YVAL_INT:
		snprintf(b, sizeof b, "%lld", n->i);
		tcg_yaml_plain(y, b);
		return;
	case TCG_YVAL_NULL:
		tcg_yaml_null(y);
		return;
	default:
		if (is_key && plain_key_ok(n->str, n->len))
			tcg_yaml_plain(y, n->str);
		else
			tcg_yaml_str(y, n->str, n->len);
	}
}

static void node_at(tcg_yaml *y, const tcg_ynode *n, unsigned depth)
{
	if (y->failed)
		return;
	if (!n || depth > TCG_YDOC_MAX_DEPTH) {
		y->failed = 1;
		snprintf(y->problem, sizeof y->problem, n ? "tree too deep" : "no node");
		return;
	}
	switch (n->kind) {
	case TCG_YNODE_SCALAR:
		node_scalar(y, n, false);
		return;
	case TCG_YNODE_SEQ:
		tcg_yaml_seq_start(y);
		for (size_t i = 0; i < n->n; i++)
			node_at(y, n->items[i], depth + 1);
		tcg_yaml_seq_end(y);
		return;
	case TCG_YNODE_MAP:
		tcg_yaml_map_start(y);
		for (size_t i = 0; i < n->n; i++) {
			tcg_yaml_node_key(y, n->items[2 * i]);
			node_at(y, n->items[2 * i + 1], depth + 1);
		}
		tcg_yaml_map_end(y);
		return;
	}
}

void tcg_yaml_node_key(tcg_yaml *y, const tcg_ynode *key)
{
	if (y->failed)
		return;
	if (!key || key->kind != TCG_YNODE_SCALAR) {
		/* the strict reader refuses complex keys, so a tree never has one */
		y->failed = 1;
		snprintf(y->problem, sizeof y->problem, "a mapping key that is not a scalar");
		return;
	}
	node_scalar(y, key, true);
}

void tcg_yaml_node(tcg_yaml *y, const tcg_ynode *n)
{
	node_at(y, n, 0);
}
