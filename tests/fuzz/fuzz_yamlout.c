/*
 * libFuzzer target over the YAML writer (yamlout.h): the input becomes a
 * random tree of writer calls (mappings, sequences, keys; strings of any bytes,
 * UTF-16, hex, numbers, booleans, nulls, GUIDs, words that YAML types: null,
 * true, 12, 0x1f, ~, "a: b", "#", leading spaces). The output must
 *  - read back through the project's reader (yamldoc, libyaml) to the same
 *    tree, every string a string with the same bytes (text that is not UTF-8
 *    as U+FFFD, decoded here by iconv, not by the writer's code), every number,
 *    boolean and null its own type and value;
 *  - equal byte for byte what libyaml's emitter writes for the same events in
 *    the writer's settings (block style, indent 2, unlimited width, unicode).
 *
 *   CC=clang meson setup BUILD -Db_sanitize=address,undefined -Db_lundef=false \
 *       -Dfuzz=true && ninja -C BUILD tests/fuzz_yamlout
 *   BUILD/tests/fuzz_yamlout -max_total_time=60
 */
#include <errno.h>
#include <iconv.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "yamldoc.h"
#include "yamlout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_NODES = 300, MAX_DEPTH = 12, MAX_TEXT = 300 };

/* What the writer is asked to write. */
enum call { C_STR, C_UTF16, C_HEX, C_U64, C_HEX64, C_BOOL, C_NULL, C_GUID, C_SQUOTED, C_PLAIN,
	    C_KEY, NUM_CALLS };

typedef struct node node;
struct node {
	tcg_ynode_kind kind;
	enum call call;
	const uint8_t *raw; /* the call's argument */
	size_t raw_len;
	uint64_t u;
	char *text;         /* what must read back (UTF-8), and what libyaml is given */
	size_t len;
	tcg_yval val;
	long long i;
	node **items;       /* mapping: key, value, key, value ... */
	size_t n;
};

typedef struct {
	const uint8_t *p;
	size_t len;
	size_t nodes;
} input;

static unsigned take(input *in)
{
	if (!in->len)
		return 0;
	in->len--;
	return *in->p++;
}

static const uint8_t *take_bytes(input *in, size_t *n)
{
	const uint8_t *p = in->p;
	*n = take(in);
	if (*n > in->len)
		*n = in->len;
	in->p += *n;
	in->len -= *n;
	return p;
}

/* Words and characters that YAML gives a meaning, mixed into strings. */
static const char *const tricky[] = {
	"null", "Null", "~", "true", "false", "yes", "no", "on", "12", "-7", "+3", "0x1f", "1e3",
	".inf", ".nan", "0o17", "", " ", "  lead", "trail ", "a: b", "a:b", ":", "- x", "-", "?",
	"? x", "#", "a #b", "a#b", "---", "...", "'", "''", "\"", "\\", "{}", "[a]", "&a", "*a",
	"!t", "|", ">", "%", "@", "`", ",", "\t", "\n", "\r\n", " \n ", "\xc2\x85", "\xe2\x80\xa8",
	"\xe2\x80\xa9", "\xef\xbb\xbf", "\xc2\xa0", "\x7f", "\x1b", "\xef\xbf\xbe", "\xed\xa0\x80",
	"\xf0\x9f\x98\x80", "\xff", "\xc3\xa9", "\0",
};

/* Decoding by iconv, independent of the writer: invalid input and U+FFFE,
 * U+FFFF become U+FFFD; UTF-16 stops at a NUL. Returns the UTF-8 length. */
static size_t decode(const char *from, const uint8_t *p, size_t len, size_t unit, char *out)
{
	iconv_t cd = iconv_open("UTF-32LE", from), back = iconv_open("UTF-8", "UTF-32LE");
	size_t o = 0;
	if (cd == (iconv_t)-1 || back == (iconv_t)-1)
		abort();
	while (len >= unit) {
		uint32_t c;
		char *ip = (char *)(uintptr_t)p, *op = (char *)&c;
		size_t il = len, ol = sizeof c;
		size_t r = iconv(cd, &ip, &il, &op, &ol);
		if (ol == 0) { /* one code point decoded */
			len -= (size_t)((const uint8_t *)ip - p);
			p = (const uint8_t *)ip;
		} else if (r == (size_t)-1 && (errno == EILSEQ || errno == EINVAL)) {
			c = 0xFFFD;
			p += unit;
			len -= unit;
		} else {
			abort();
		}
		if (unit == 2 && c == 0)
			break;
		if (c == 0xFFFE || c == 0xFFFF)
			c = 0xFFFD;
		ip = (char *)&c;
		il = sizeof c;
		op = out + o;
		ol = 4;
		if (iconv(back, &ip, &il, &op, &ol) == (size_t)-1)
			abort();
		o = (size_t)(op - out);
	}
	iconv_close(cd);
	iconv_close(back);
	return o;
}

/* A name that reads back plain as a string: [a-z][a-z0-9_.-]*, not a typed word. */
static char *plain_name(input *in, size_t *len)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789_.-";
	size_t n = 1 + take(in) % 12;
	char *t = malloc(n + 1);
	if (!t)
		abort();
	for (size_t i = 0; i < n; i++)
		t[i] = chars[take(in) % (i ? sizeof chars - 1 : 26)];
	t[n] = '\0';
	if (!strcmp(t, "null") || !strcmp(t, "true") || !strcmp(t, "false"))
		t[0] = 'x';
	*len = n;
	return t;
}

/* A string argument: random bytes, tricky words, or both. */
static void string_arg(input *in, node *s, uint8_t *scratch)
{
	unsigned how = take(in) % 3;
	size_t n = 0;
	if (how != 0) {
		const char *w = tricky[take(in) % (sizeof tricky / sizeof tricky[0])];
		size_t wl = strlen(w) + (w[0] == '\0' && take(in) % 2); /* "\0" once in a while */
		memcpy(scratch, w, wl);
		n = wl;
	}
	if (how != 1) {
		size_t k;
		const uint8_t *p = take_bytes(in, &k);
		memcpy(scratch + n, p, k);
		n += k;
	}
	s->raw = scratch;
	s->raw_len = n;
}

static node *scalar(input *in, bool key)
{
	node *s = calloc(1, sizeof *s);
	uint8_t *scratch = malloc(MAX_TEXT);
	char *t = malloc(4 * MAX_TEXT + 1);
	if (!s || !scratch || !t)
		abort();
	s->kind = TCG_YNODE_SCALAR;
	s->val = TCG_YVAL_STR;
	s->call = (enum call)(take(in) % NUM_CALLS);
	for (int k = 0; k < 8; k++)
		s->u = s->u << 8 | take(in);
	switch (s->call) {
	case C_STR:
		string_arg(in, s, scratch);
		s->len = decode("UTF-8", s->raw, s->raw_len, 1, t);
		break;
	case C_UTF16:
		string_arg(in, s, scratch);
		s->len = decode("UTF-16LE", s->raw, s->raw_len, 2, t);
		break;
	case C_HEX:
		s->raw = take_bytes(in, &s->raw_len);
		for (size_t i = 0; i < s->raw_len; i++)
			sprintf(t + 2 * i, "%02x", s->raw[i]);
		s->len = 2 * s->raw_len;
		break;
	case C_U64:
		s->len = (size_t)sprintf(t, "%" PRIu64, s->u);
		if (s->u <= INT64_MAX) {
			s->val = TCG_YVAL_INT;
			s->i = (long long)s->u;
		}
		break;
	case C_HEX64:
		s->len = (size_t)sprintf(t, "0x%" PRIx64, s->u);
		break;
	case C_BOOL:
		s->val = TCG_YVAL_BOOL;
		s->i = s->u & 1;
		s->len = (size_t)sprintf(t, "%s", s->i ? "true" : "false");
		break;
	case C_NULL: /* as a key, libyaml writes '' (an empty plain key would not read) */
		s->val = key ? TCG_YVAL_STR : TCG_YVAL_NULL;
		break;
	case C_GUID: {
		s->raw = scratch;
		s->raw_len = 16;
		for (int k = 0; k < 16; k++)
			scratch[k] = (uint8_t)take(in);
		tcg_guid_format(scratch, t);
		s->len = 36;
		break;
	}
	case C_SQUOTED: { /* printable ASCII only (the API's promise) */
		size_t n;
		const uint8_t *p = take_bytes(in, &n);
		for (size_t k = 0; k < n; k++)
			t[k] = (char)(0x20 + p[k] % 95);
		s->len = n;
		break;
	}
	default:
		free(t);
		t = plain_name(in, &s->len);
		break;
	}
	t[s->len] = '\0';
	s->text = t;
	if (s->call != C_STR && s->call != C_UTF16 && s->call != C_GUID) {
		free(scratch);
		if (s->call != C_HEX)
			s->raw = NULL;
	}
	return s;
}

static bool same_text(const node *a, const node *b)
{
	return a->len == b->len && !memcmp(a->text, b->text, a->len);
}

static void node_free(node *n)
{
	size_t items = n->kind == TCG_YNODE_MAP ? 2 * n->n : n->n;
	for (size_t i = 0; i < items; i++)
		node_free(n->items[i]);
	free(n->items);
	if (n->call == C_STR || n->call == C_UTF16 || n->call == C_GUID)
		free((void *)n->raw);
	free(n->text);
	free(n);
}

static node *tree(input *in, unsigned depth)
{
	unsigned what = take(in) % 8;
	node *n;
	if (in->nodes++ > MAX_NODES || depth >= MAX_DEPTH || what < 5)
		return scalar(in, false);
	n = calloc(1, sizeof *n);
	if (!n)
		abort();
	n->kind = what == 5 ? TCG_YNODE_SEQ : TCG_YNODE_MAP;
	size_t count = take(in) % 6;
	n->items = calloc(2 * count + 1, sizeof *n->items);
	if (!n->items)
		abort();
	for (size_t i = 0; i < count && in->len; i++) {
		if (n->kind == TCG_YNODE_SEQ) {
			n->items[n->n++] = tree(in, depth + 1);
			continue;
		}
		node *k = scalar(in, true);
		bool dup = false;
		for (size_t j = 0; j < n->n; j++)
			dup |= same_text(n->items[2 * j], k);
		if (dup) { /* yamldoc refuses duplicate keys */
			node_free(k);
			continue;
		}
		n->items[2 * n->n] = k;
		n->items[2 * n->n + 1] = tree(in, depth + 1);
		n->n++;
	}
	return n;
}

static void write_ours(tcg_yaml *y, const node *n, bool key)
{
	switch (n->kind) {
	case TCG_YNODE_SEQ:
		tcg_yaml_seq_start(y);
		for (size_t i = 0; i < n->n; i++)
			write_ours(y, n->items[i], false);
		tcg_yaml_seq_end(y);
		return;
	case TCG_YNODE_MAP:
		tcg_yaml_map_start(y);
		for (size_t i = 0; i < n->n; i++) {
			write_ours(y, n->items[2 * i], true);
			write_ours(y, n->items[2 * i + 1], false);
		}
		tcg_yaml_map_end(y);
		return;
	default:
		break;
	}
	switch (n->call) {
	case C_STR: tcg_yaml_str(y, (const char *)n->raw, n->raw_len); break;
	case C_UTF16: tcg_yaml_utf16(y, n->raw, n->raw_len); break;
	case C_HEX: tcg_yaml_hex(y, n->raw, n->raw_len); break;
	case C_U64: tcg_yaml_u64(y, n->u); break;
	case C_HEX64: tcg_yaml_hex64(y, n->u); break;
	case C_BOOL: tcg_yaml_bool(y, (int)n->i); break;
	case C_NULL: tcg_yaml_null(y); break;
	case C_GUID: tcg_yaml_guid(y, n->raw); break;
	case C_SQUOTED: tcg_yaml_squoted(y, n->text); break;
	case C_PLAIN: tcg_yaml_plain(y, n->text); break;
	default: key ? tcg_yaml_key(y, n->text) : tcg_yaml_plain(y, n->text); break;
	}
}

static void emit(yaml_emitter_t *em, yaml_event_t *ev)
{
	if (!yaml_emitter_emit(em, ev))
		abort();
}

/* The same tree as libyaml's emitter writes it: the reference layout. */
static void write_libyaml(yaml_emitter_t *em, const node *n)
{
	yaml_event_t ev;
	yaml_scalar_style_t style;
	size_t items = n->kind == TCG_YNODE_MAP ? 2 * n->n : n->n;
	if (n->kind == TCG_YNODE_SEQ)
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
	else if (n->kind == TCG_YNODE_MAP)
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
	if (n->kind != TCG_YNODE_SCALAR) {
		emit(em, &ev);
		for (size_t i = 0; i < items; i++)
			write_libyaml(em, n->items[i]);
		if (n->kind == TCG_YNODE_SEQ)
			yaml_sequence_end_event_initialize(&ev);
		else
			yaml_mapping_end_event_initialize(&ev);
		emit(em, &ev);
		return;
	}
	style = n->call <= C_HEX ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
	        : n->call == C_SQUOTED ? YAML_SINGLE_QUOTED_SCALAR_STYLE
	                               : YAML_PLAIN_SCALAR_STYLE;
	/* quoted_implicit even for plain requests: libyaml would tag a plain
	 * request it has to quote ('! ""'), which our reader refuses; the writer
	 * writes the quoted string alone */
	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)n->text, (int)n->len,
	                                  style == YAML_PLAIN_SCALAR_STYLE, 1, style))
		abort();
	emit(em, &ev);
}

static int write_buf(void *data, unsigned char *buffer, size_t size)
{
	FILE *f = data;
	return fwrite(buffer, 1, size, f) == size;
}

static char *reference(const node *root, size_t *len)
{
	yaml_emitter_t em;
	yaml_event_t ev;
	char *out = NULL;
	FILE *f = open_memstream(&out, len);
	if (!f || !yaml_emitter_initialize(&em))
		abort();
	yaml_emitter_set_output(&em, write_buf, f);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_width(&em, -1);
	yaml_emitter_set_indent(&em, 2);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	emit(&em, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 0);
	emit(&em, &ev);
	write_libyaml(&em, root);
	yaml_document_end_event_initialize(&ev, 1);
	emit(&em, &ev);
	yaml_stream_end_event_initialize(&ev);
	emit(&em, &ev);
	yaml_emitter_delete(&em);
	fclose(f);
	return out;
}

static void check(const node *want, const tcg_ynode *got)
{
	size_t items = want->kind == TCG_YNODE_MAP ? 2 * want->n : want->n;
	if (got->kind != want->kind || (want->kind != TCG_YNODE_SCALAR && got->n != want->n) ||
	    (want->kind == TCG_YNODE_SCALAR && got->val != want->val))
		abort();
	for (size_t i = 0; i < items; i++)
		check(want->items[i], got->items[i]);
	if (want->kind != TCG_YNODE_SCALAR)
		return;
	switch (want->val) {
	case TCG_YVAL_STR:
		if (got->len != want->len || memcmp(got->str, want->text, want->len))
			abort();
		break;
	case TCG_YVAL_INT:
	case TCG_YVAL_BOOL:
		if ((want->val == TCG_YVAL_INT ? got->i : got->b) != want->i)
			abort();
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	input in = { data, size, 0 };
	node *root = tree(&in, 0);
	char *ours = NULL, *ref;
	size_t ours_len = 0, ref_len;
	FILE *f = open_memstream(&ours, &ours_len);
	tcg_yaml *y = f ? tcg_yaml_new(f) : NULL;
	tcg_err err;
	tcg_ydoc doc;
	if (!y)
		abort();
	write_ours(y, root, false);
	if (tcg_yaml_finish(y, &err) || fclose(f))
		abort();
	ref = reference(root, &ref_len);
	if (ref_len != ours_len || memcmp(ref, ours, ours_len)) {
		fprintf(stderr, "ours:\n%.*s\nlibyaml:\n%.*s\n", (int)ours_len, ours, (int)ref_len, ref);
		abort();
	}
	if (tcg_ydoc_parse((const uint8_t *)ours, ours_len, "fuzz", &doc, &err)) {
		fprintf(stderr, "%s\n%.*s\n", err.msg, (int)ours_len, ours);
		abort();
	}
	check(root, doc.root);
	tcg_ydoc_free(&doc);
	free(ours);
	free(ref);
	node_free(root);
	return 0;
}
