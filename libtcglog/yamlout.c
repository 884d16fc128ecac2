#include "tcglog/yamlout.h"

#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct tcg_yaml {
	yaml_emitter_t em;
	int failed;
	char problem[128];
};

static void emit(tcg_yaml *y, yaml_event_t *ev)
{
	if (y->failed) {
		yaml_event_delete(ev);
		return;
	}
	if (!yaml_emitter_emit(&y->em, ev)) {
		y->failed = 1;
		snprintf(y->problem, sizeof y->problem, "%s",
		         y->em.problem ? y->em.problem : "YAML emitter error");
	}
}

static void scalar(tcg_yaml *y, const char *s, size_t len, yaml_scalar_style_t style)
{
	yaml_event_t ev;
	int plain = style == YAML_PLAIN_SCALAR_STYLE;
	if (y->failed)
		return;
	if (len > INT_MAX) {
		y->failed = 1;
		snprintf(y->problem, sizeof y->problem, "scalar too long");
		return;
	}
	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)len, plain,
	                                  !plain, style)) {
		y->failed = 1;
		snprintf(y->problem, sizeof y->problem, "cannot make a scalar");
		return;
	}
	emit(y, &ev);
}

tcg_yaml *tcg_yaml_new(FILE *out)
{
	tcg_yaml *y = calloc(1, sizeof *y);
	yaml_event_t ev;
	if (!y)
		return NULL;
	if (!yaml_emitter_initialize(&y->em)) {
		free(y);
		return NULL;
	}
	yaml_emitter_set_output_file(&y->em, out);
	yaml_emitter_set_unicode(&y->em, 1);
	yaml_emitter_set_width(&y->em, -1);
	yaml_emitter_set_indent(&y->em, 2);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	emit(y, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 0);
	emit(y, &ev);
	return y;
}

tcg_rc tcg_yaml_finish(tcg_yaml *y, tcg_err *err)
{
	yaml_event_t ev;
	tcg_rc rc = TCG_OK;
	if (!y)
		return tcg_err_set(err, TCG_E_NOMEM, "out-of-memory", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "no memory");
	yaml_document_end_event_initialize(&ev, 1);
	emit(y, &ev);
	yaml_stream_end_event_initialize(&ev);
	emit(y, &ev);
	if (!y->failed && !yaml_emitter_flush(&y->em)) {
		y->failed = 1;
		snprintf(y->problem, sizeof y->problem, "write failed");
	}
	if (y->failed)
		rc = tcg_err_set(err, TCG_E_IO, "yaml-output", TCG_NO_OFFSET, TCG_NO_EVENT, "%s",
		                 y->problem);
	yaml_emitter_delete(&y->em);
	free(y);
	return rc;
}

void tcg_yaml_map_start(tcg_yaml *y)
{
	yaml_event_t ev;
	yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
	emit(y, &ev);
}

void tcg_yaml_map_end(tcg_yaml *y)
{
	yaml_event_t ev;
	yaml_mapping_end_event_initialize(&ev);
	emit(y, &ev);
}

void tcg_yaml_seq_start(tcg_yaml *y)
{
	yaml_event_t ev;
	yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
	emit(y, &ev);
}

void tcg_yaml_seq_end(tcg_yaml *y)
{
	yaml_event_t ev;
	yaml_sequence_end_event_initialize(&ev);
	emit(y, &ev);
}

void tcg_yaml_key(tcg_yaml *y, const char *key)
{
	scalar(y, key, strlen(key), YAML_PLAIN_SCALAR_STYLE);
}

void tcg_yaml_plain(tcg_yaml *y, const char *s)
{
	scalar(y, s, strlen(s), YAML_PLAIN_SCALAR_STYLE);
}

void tcg_yaml_null(tcg_yaml *y) { scalar(y, "", 0, YAML_PLAIN_SCALAR_STYLE); }

void tcg_yaml_fail_nomem(tcg_yaml *y)
{
	if (y->failed)
		return;
	y->failed = 1;
	snprintf(y->problem, sizeof y->problem, "no memory");
}

void tcg_yaml_squoted(tcg_yaml *y, const char *s)
{
	scalar(y, s, strlen(s), YAML_SINGLE_QUOTED_SCALAR_STYLE);
}

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

/* Characters YAML cannot carry even escaped are replaced too. */
static bool yaml_printable_ok(uint32_t c)
{
	return c != 0xFFFE && c != 0xFFFF;
}

void tcg_yaml_str(tcg_yaml *y, const char *s, size_t len)
{
	/* Worst case: every byte becomes a 3-byte U+FFFD. */
	char *out;
	size_t n = 0;
	const uint8_t *p = (const uint8_t *)s;
	if (y->failed)
		return;
	if (len > SIZE_MAX / 3 - 1 || !(out = malloc(len * 3 + 1))) {
		y->failed = 1;
		snprintf(y->problem, sizeof y->problem, "no memory");
		return;
	}
	for (size_t i = 0; i < len;) {
		uint32_t c = 0;
		size_t l = utf8_len(p + i, len - i, &c);
		if (!l || !yaml_printable_ok(c)) {
			n += put_utf8(out + n, 0xFFFD);
			i += l ? l : 1;
			continue;
		}
		memcpy(out + n, p + i, l);
		n += l;
		i += l;
	}
	scalar(y, out, n, YAML_DOUBLE_QUOTED_SCALAR_STYLE);
	free(out);
}

void tcg_yaml_cstr(tcg_yaml *y, const char *s) { tcg_yaml_str(y, s, strlen(s)); }

void tcg_yaml_utf16(tcg_yaml *y, const uint8_t *p, size_t len)
{
	size_t units = len / 2, n = 0;
	char *out;
	if (y->failed)
		return;
	if (units > (SIZE_MAX - 1) / 4 || !(out = malloc(units * 4 + 1))) {
		y->failed = 1;
		snprintf(y->problem, sizeof y->problem, "no memory");
		return;
	}
	for (size_t i = 0; i < units; i++) {
		uint32_t c = (uint32_t)p[2 * i] | (uint32_t)p[2 * i + 1] << 8;
		if (c == 0)
			break;
		if (c >= 0xD800 && c <= 0xDBFF && i + 1 < units) {
			uint32_t lo = (uint32_t)p[2 * i + 2] | (uint32_t)p[2 * i + 3] << 8;
			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
				i++;
			} else {
				c = 0xFFFD;
			}
		} else if (c >= 0xD800 && c <= 0xDFFF) {
			c = 0xFFFD;
		}
		if (!yaml_printable_ok(c))
			c = 0xFFFD;
		n += put_utf8(out + n, c);
	}
	scalar(y, out, n, YAML_DOUBLE_QUOTED_SCALAR_STYLE);
	free(out);
}

void tcg_yaml_u64(tcg_yaml *y, uint64_t v)
{
	char b[24];
	snprintf(b, sizeof b, "%" PRIu64, v);
	tcg_yaml_plain(y, b);
}

void tcg_yaml_hex64(tcg_yaml *y, uint64_t v)
{
	char b[24];
	snprintf(b, sizeof b, "0x%" PRIx64, v);
	tcg_yaml_plain(y, b);
}

void tcg_yaml_bool(tcg_yaml *y, int v) { tcg_yaml_plain(y, v ? "true" : "false"); }

void tcg_yaml_hex(tcg_yaml *y, const uint8_t *p, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char *out;
	if (y->failed)
		return;
	if (len > SIZE_MAX / 2 - 1 || !(out = malloc(len * 2 + 1))) {
		y->failed = 1;
		snprintf(y->problem, sizeof y->problem, "no memory");
		return;
	}
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	scalar(y, out, len * 2, YAML_DOUBLE_QUOTED_SCALAR_STYLE);
	free(out);
}

void tcg_guid_format(const uint8_t p[16], char out[37])
{
	snprintf(out, 37,
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", p[3],
	         p[2], p[1], p[0], p[5], p[4], p[7], p[6], p[8], p[9], p[10], p[11], p[12], p[13],
	         p[14], p[15]);
}

void tcg_yaml_guid(tcg_yaml *y, const uint8_t p[16])
{
	char g[37];
	tcg_guid_format(p, g);
	tcg_yaml_plain(y, g);
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
