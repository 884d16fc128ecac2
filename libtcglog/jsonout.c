#include "jsonout.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "yamlout.h"

enum { MAX_NEST = 64 };

struct tcg_json {
	json_object *root;         /* NULL is JSON null too: has_root tells */
	bool has_root;
	json_object *st[MAX_NEST]; /* open objects and arrays, held by their parents */
	unsigned depth;
	char *key;                 /* an object's key waiting for its value */
};

tcg_json *tcg_json_new(void) { return calloc(1, sizeof(tcg_json)); }

void tcg_json_free(tcg_json *j)
{
	if (!j)
		return;
	json_object_put(j->root);
	free(j->key);
	free(j);
}

static bool in_object(const tcg_json *j)
{
	return j->depth && json_object_is_type(j->st[j->depth - 1], json_type_object);
}

/* Place v (its reference taken; NULL is null) where the document expects a value. */
static const char *place(tcg_json *j, json_object *v)
{
	int rc;
	if (!j->depth) {
		if (j->has_root) {
			json_object_put(v);
			return "a second root node in one document";
		}
		j->root = v;
		j->has_root = true;
		return NULL;
	}
	if (in_object(j)) {
		rc = json_object_object_add(j->st[j->depth - 1], j->key, v);
		free(j->key);
		j->key = NULL;
	} else {
		rc = json_object_array_add(j->st[j->depth - 1], v);
	}
	if (rc) {
		json_object_put(v);
		return "no memory";
	}
	return NULL;
}

const char *tcg_json_start(tcg_json *j, bool map)
{
	json_object *v;
	const char *problem;
	if (in_object(j) && !j->key)
		return "a mapping key that is not a scalar";
	if (j->depth == MAX_NEST)
		return "nesting too deep";
	if (!(v = map ? json_object_new_object() : json_object_new_array()))
		return "no memory";
	if ((problem = place(j, v)))
		return problem;
	j->st[j->depth++] = v;
	return NULL;
}

const char *tcg_json_end(tcg_json *j, bool map)
{
	if (!j->depth || map != in_object(j) || j->key)
		return map ? "a mapping end out of place" : "a sequence end out of place";
	j->depth--;
	return NULL;
}

/* A plain decimal or 0x integer that fits 64 bits, as YAML readers type it. */
static json_object *plain_int(const char *s, size_t len)
{
	char *end;
	bool neg = s[0] == '-', hex = len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	size_t digits = hex ? 2 : neg;
	if (digits >= len)
		return NULL;
	for (size_t i = digits; i < len; i++)
		if (!(hex ? isxdigit((unsigned char)s[i]) : isdigit((unsigned char)s[i])))
			return NULL;
	errno = 0;
	if (neg) {
		long long v = strtoll(s, &end, 10);
		return errno ? NULL : json_object_new_int64(v);
	}
	unsigned long long u = strtoull(s, &end, hex ? 16 : 10);
	return errno ? NULL : json_object_new_uint64(u);
}

static bool is_null(const char *s, size_t len)
{
	return !len || !strcmp(s, "null") || !strcmp(s, "~");
}

const char *tcg_json_scalar(tcg_json *j, const char *text, size_t len, bool plain)
{
	json_object *v = NULL;
	if (len > INT32_MAX)
		return "scalar too long";
	if (in_object(j) && !j->key) {
		/* json-c keys are C strings: a NUL ends them */
		return (j->key = strndup(text, len)) ? NULL : "no memory";
	}
	if (!plain)
		v = json_object_new_string_len(text, (int)len);
	else if (is_null(text, len))
		return place(j, NULL);
	else if (!strcmp(text, "true") || !strcmp(text, "false"))
		v = json_object_new_boolean(text[0] == 't');
	else if (!(v = plain_int(text, len)))
		v = json_object_new_string_len(text, (int)len);
	return v ? place(j, v) : "no memory";
}

const char *tcg_json_write(tcg_json *j, FILE *out)
{
	const char *s;
	size_t len;
	if (j->depth || !j->has_root)
		return j->depth ? "a mapping or sequence left open" : "a document without content";
	s = json_object_to_json_string_length(j->root,
	                                      JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
	                                      &len);
	if (!j->root) {
		s = "null";
		len = 4;
	}
	if (!s)
		return "no memory";
	if (fwrite(s, 1, len, out) != len || fputc('\n', out) == EOF)
		return errno ? strerror(errno) : "write failed";
	return NULL;
}

/* One parser event written through the JSON writer; 1 at the document's end,
 * -1 on what our documents never hold. */
static int json_event(tcg_yaml *y, const yaml_event_t *ev, bool *key_next, unsigned *kinds,
                      unsigned *depth)
{
	switch (ev->type) {
	case YAML_STREAM_START_EVENT:
	case YAML_DOCUMENT_START_EVENT:
		return 0;
	case YAML_DOCUMENT_END_EVENT:
		return 1;
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		if (*depth == 8 * sizeof *kinds)
			return -1;
		if (ev->type == YAML_MAPPING_START_EVENT)
			tcg_yaml_map_start(y);
		else
			tcg_yaml_seq_start(y);
		*kinds = *kinds << 1 | (ev->type == YAML_MAPPING_START_EVENT);
		++*depth;
		*key_next = ev->type == YAML_MAPPING_START_EVENT;
		return 0;
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		if (ev->type == YAML_MAPPING_END_EVENT)
			tcg_yaml_map_end(y);
		else
			tcg_yaml_seq_end(y);
		*kinds >>= 1;
		--*depth;
		*key_next = *depth && (*kinds & 1);
		return 0;
	case YAML_SCALAR_EVENT: {
		const char *s = (const char *)ev->data.scalar.value;
		size_t len = ev->data.scalar.length;
		if (*key_next && strlen(s) == len)
			tcg_yaml_key(y, s);
		else if (*key_next)
			return -1;
		else if (ev->data.scalar.plain_implicit && strlen(s) == len)
			tcg_yaml_plain(y, s);
		else
			tcg_yaml_str(y, s, len);
		if (*depth && (*kinds & 1))
			*key_next = !*key_next;
		return 0;
	}
	default: /* aliases */
		return -1;
	}
}

tcg_rc tcg_yaml_text_to_json(const char *text, size_t len, FILE *out, tcg_err *err)
{
	yaml_parser_t p;
	yaml_event_t ev;
	tcg_yaml *y = tcg_yaml_new_json(out);
	bool key_next = false;
	unsigned kinds = 0, depth = 0;
	int done = 0;

	if (!y || !yaml_parser_initialize(&p)) {
		if (y)
			tcg_yaml_fail_nomem(y);
		return y ? tcg_yaml_finish(y, err) : tcg_fail_nomem(err);
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			done = -1;
			break;
		}
		done = json_event(y, &ev, &key_next, &kinds, &depth);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (done < 0) {
		tcg_yaml_finish(y, NULL);
		return tcg_fail(err, TCG_E_FORMAT, "json-convert",
		                "a YAML document the JSON output cannot hold");
	}
	return tcg_yaml_finish(y, err);
}
