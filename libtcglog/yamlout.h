/*
 * YAML output: always valid YAML whatever bytes the input holds, in the layout
 * libyaml's emitter writes (block style, indent 2, no line folding), written
 * directly into a buffer flushed to the FILE in large chunks. Errors are sticky
 * and reported by tcg_yaml_finish.
 */
#ifndef TCGLOG_YAMLOUT_H
#define TCGLOG_YAMLOUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tcglog/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tcg_yaml tcg_yaml;
/* A node of a parsed YAML document: opaque outside the library. */
typedef struct tcg_ynode tcg_ynode;

/* Starts the stream and a document ("---"). NULL when out of memory. */
tcg_yaml *tcg_yaml_new(FILE *out);
/* The same calls written as JSON instead: one line per document (JSON Lines
 * on streams). Plain scalars are typed as a YAML reader types them (true,
 * false, null or empty, decimal and 0x integers: numbers, 64-bit exact),
 * every other scalar is a string. */
tcg_yaml *tcg_yaml_new_json(FILE *out);
/* A YAML document kept as text (dha-verify's sealed claims) written to out
 * as one line of JSON, its scalars typed as tcg_yaml_new_json types them
 * (plain: numbers, booleans, null; quoted: strings): the JSON a tool writing
 * the same document with tcg_yaml_new_json gives. Aliases are refused. */
tcg_rc tcg_yaml_text_to_json(const char *text, size_t len, FILE *out, tcg_err *err);
/* Ends the document and stream, flushes, frees y. */
tcg_rc tcg_yaml_finish(tcg_yaml *y, tcg_err *err);

void tcg_yaml_map_start(tcg_yaml *y);
void tcg_yaml_map_end(tcg_yaml *y);
void tcg_yaml_seq_start(tcg_yaml *y);
void tcg_yaml_seq_end(tcg_yaml *y);
/* A mapping key (plain style; pass only plain ASCII names). Text that is not
 * printable ASCII, here and in tcg_yaml_plain / tcg_yaml_squoted, is written
 * double-quoted like tcg_yaml_str; text that would not read back plain is
 * single-quoted. */
void tcg_yaml_key_n(tcg_yaml *y, const char *key, size_t len);
/* Inline so that a literal key's length is counted at compile time. */
static inline void tcg_yaml_key(tcg_yaml *y, const char *key) { tcg_yaml_key_n(y, key, strlen(key)); }
/* A text value, double-quoted; bytes that are not UTF-8 become U+FFFD. */
void tcg_yaml_str(tcg_yaml *y, const char *s, size_t len);
void tcg_yaml_cstr(tcg_yaml *y, const char *s);
/* A single-quoted value ('Yes'), as tpm2_eventlog writes some words. */
void tcg_yaml_squoted(tcg_yaml *y, const char *s);
/* UTF-16LE text up to the first NUL or len bytes; bad units become U+FFFD. */
void tcg_yaml_utf16(tcg_yaml *y, const uint8_t *p, size_t len);
/* A plain scalar: numbers, booleans. Pass only safe ASCII. */
void tcg_yaml_plain(tcg_yaml *y, const char *s);
void tcg_yaml_u64(tcg_yaml *y, uint64_t v);          /* decimal */
void tcg_yaml_hex64(tcg_yaml *y, uint64_t v);        /* 0x1f */
void tcg_yaml_bool(tcg_yaml *y, int v);              /* true / false */
void tcg_yaml_hex(tcg_yaml *y, const uint8_t *p, size_t len); /* "00ff..." lower case */
void tcg_yaml_guid(tcg_yaml *y, const uint8_t p[16]); /* 8be4df61-93ca-11d2-... */
void tcg_yaml_null(tcg_yaml *y);                      /* an empty value */
/* A caller's own allocation failed: the output fails as "no memory". */
void tcg_yaml_fail_nomem(tcg_yaml *y);

/* key + value in one call. */
void tcg_yaml_kv_str(tcg_yaml *y, const char *key, const char *s, size_t len);
void tcg_yaml_kv_cstr(tcg_yaml *y, const char *key, const char *s);
void tcg_yaml_kv_u64(tcg_yaml *y, const char *key, uint64_t v);
void tcg_yaml_kv_hex64(tcg_yaml *y, const char *key, uint64_t v);
void tcg_yaml_kv_hex(tcg_yaml *y, const char *key, const uint8_t *p, size_t len);
void tcg_yaml_kv_bool(tcg_yaml *y, const char *key, int v);
void tcg_yaml_kv_guid(tcg_yaml *y, const char *key, const uint8_t p[16]);

/*
 * A parsed YAML tree (the library's reader) written back, so a document
 * read with tcg_msg_parse can be re-emitted (in part, with keys replaced
 * by the caller) and read back to the same tree: scalars keep their type
 * (strings double-quoted, integers and booleans plain in canonical form, null
 * empty), mapping keys are plain when that reads back as the same string and
 * type, else double-quoted; key order and sequence order are kept. Nesting
 * deeper than the reader's depth cap (which no parsed tree has) fails the output.
 */
void tcg_yaml_node(tcg_yaml *y, const tcg_ynode *n);
/* A mapping key taken from a parsed tree, written as tcg_yaml_node writes keys. */
void tcg_yaml_node_key(tcg_yaml *y, const tcg_ynode *key);

/* Format a GUID (mixed-endian, as EFI_GUID) into 37 bytes. */
void tcg_guid_format(const uint8_t p[16], char out[37]);

#ifdef __cplusplus
}
#endif
#endif
