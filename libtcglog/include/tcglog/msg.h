/*
 * The messages the DHA tools exchange (DESIGN.md "Messages"): one YAML
 * document per message, `kind:` and `version:` its first two keys, binary
 * fields standard base64 (RFC 4648 with padding). Each kind has a schema of
 * field descriptors; a reader checks a document against the schema of its kind
 * and refuses, with the rule and "FILE:LINE:COLUMN" of the fault (in a stream
 * "FILE#N:LINE:COLUMN", N the document's number), TCG_E_FORMAT (exit 2):
 *
 *   msg-header       the document is not a mapping, or `kind:` / `version:` is
 *                    missing or not first / second, or version is not an
 *                    integer >= 1
 *   msg-kind         a kind this reader does not know or does not expect here
 *   msg-version      a version newer than the reader's
 *   msg-unknown-key  a key the schema does not name (in a closed mapping)
 *   msg-missing-key  a required key is absent
 *   msg-type         a value of the wrong type (a list for a string, ...)
 *   msg-base64       not canonical base64: characters outside the alphabet,
 *                    whitespace, a length not a multiple of 4, wrong padding,
 *                    non-zero padding bits
 *   msg-hex          not an even number of hex digits
 *   msg-size         a value outside its bounds (string length, decoded
 *                    bytes, integer range, list entries) or a document over
 *                    its kind's cap
 * and, from the YAML reader (yamldoc.h), yaml-duplicate-key, yaml-syntax,
 * yaml-too-large, yaml-alias, yaml-tag, ...
 *
 * Writing: open a tcg_yaml per message (tcg_yaml_new; documents written one
 * after another to the same FILE make a valid stream, each starting "---"),
 * tcg_msg_write_start, the fields (tcg_yaml_kv_* of yamlout.h, tcg_msg_kv_b64
 * for binary), tcg_msg_write_end, tcg_yaml_finish.
 */
#ifndef TCGLOG_MSG_H
#define TCGLOG_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tcglog/error.h"
#include "tcglog/pcrs.h"
#include "tcglog/yamldoc.h"
#include "tcglog/yamlout.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
	TCG_MSG_STR,  /* any scalar but null, as text; no NUL; min..max bytes */
	TCG_MSG_UINT, /* a plain decimal integer in min..max */
	TCG_MSG_BOOL, /* true / false */
	TCG_MSG_B64,  /* canonical base64; min..max decoded bytes */
	TCG_MSG_HEX,  /* hex digits, either case; min..max decoded bytes */
	TCG_MSG_MAP,  /* a mapping with the keys in .fields (others refused unless .open) */
	TCG_MSG_LIST, /* a sequence of min..max entries, each as .item */
	TCG_MSG_DICT, /* a mapping of min..max entries with keys of the caller's choosing
	               * (.keys: one of these names; else .key_index: decimal 0..max_index;
	               * else any string of 1..64 bytes), each value as .item */
} tcg_msg_type;

typedef struct tcg_msg_field tcg_msg_field;
struct tcg_msg_field {
	const char *name;             /* the key; NULL ends a field list */
	tcg_msg_type type;
	bool required;
	uint64_t min, max;            /* bounds, see tcg_msg_type (max 0: no bound) */
	const tcg_msg_field *fields;  /* MAP: its keys */
	const tcg_msg_field *item;    /* LIST, DICT: each entry (its name unused) */
	bool open;                    /* MAP: keys not in .fields are allowed, unchecked */
	const char *const *keys;      /* DICT: the allowed keys, NULL-terminated */
	bool key_index;               /* DICT: keys are decimal 0..max_index */
	unsigned max_index;
};

typedef struct {
	const char *kind;
	unsigned version;             /* the newest version this reader knows */
	size_t max_size;              /* cap on the document, bytes */
	const tcg_msg_field *fields;  /* after kind and version; NULL-name terminated */
} tcg_msg_schema;

/* The five kinds (field lists in msg.c). */
extern const tcg_msg_schema tcg_msg_dha_bootdata;
extern const tcg_msg_schema tcg_msg_dha_encblob;
extern const tcg_msg_schema tcg_msg_dha_signedblob;
extern const tcg_msg_schema tcg_msg_dha_claims;
extern const tcg_msg_schema tcg_msg_pcrs;
/* All of them, NULL-terminated. */
extern const tcg_msg_schema *const tcg_msg_schemas[];

const tcg_msg_schema *tcg_msg_schema_find(const char *kind);

/* The largest cap among accept (NULL: all kinds): a stream's per-document cap. */
size_t tcg_msg_max_size(const tcg_msg_schema *const *accept);

/* A base64 field of a checked message, decoded when it was checked. */
typedef struct {
	const tcg_ynode *node;
	uint8_t *data;
	size_t len;
} tcg_msg_bytes;

/* A message read and checked against its schema. */
typedef struct {
	tcg_ydoc doc;
	const tcg_msg_schema *schema;
	unsigned version;
	unsigned index; /* number of the document in its stream (1 for a single one) */
	tcg_msg_bytes *bytes; /* its base64 fields, each checked and decoded once */
	size_t nbytes;
} tcg_msg;

/* Check a parsed document against the schemas in accept (NULL-terminated;
 * NULL: every kind; a schema in accept that is not one of the exchanged kinds
 * is a private kind only that reader knows). Takes doc over: on success it
 * moves into m, on failure it is freed. */
tcg_rc tcg_msg_from_doc(tcg_ydoc *doc, const tcg_msg_schema *const *accept, tcg_msg *m,
                        tcg_err *err);
/* One message from len bytes (one document). */
tcg_rc tcg_msg_parse(const uint8_t *data, size_t len, const char *file,
                     const tcg_msg_schema *const *accept, tcg_msg *m, tcg_err *err);
/* The next message of a stream (opened with max_doc tcg_msg_max_size(accept)):
 * TCG_OK and *done at its end. A refused document does not stop the stream
 * unless tcg_ydoc_stream says so (see yamldoc.h). */
tcg_rc tcg_msg_next(tcg_ydoc_stream *s, const tcg_msg_schema *const *accept, tcg_msg *m,
                    bool *done, tcg_err *err);
void tcg_msg_free(tcg_msg *m);

/* Values of a checked message by dotted path ("quote.attest",
 * "pcrs.sha256.7"). NULL / false when absent. */
const tcg_ynode *tcg_msg_get(const tcg_msg *m, const char *path);
const char *tcg_msg_str(const tcg_msg *m, const char *path, size_t *len);
bool tcg_msg_uint(const tcg_msg *m, const char *path, uint64_t *v);
bool tcg_msg_bool(const tcg_msg *m, const char *path, bool *v);
/* The decoded bytes of a base64 (or, for _hex, hex) field into a new buffer
 * (*out, free()). Absent: TCG_E_FORMAT msg-missing-key. A base64 field of the
 * schema is copied from its decoding at the check, not decoded again. */
tcg_rc tcg_msg_b64(const tcg_msg *m, const char *path, uint8_t **out, size_t *len,
                   tcg_err *err);
tcg_rc tcg_msg_hex(const tcg_msg *m, const char *path, uint8_t **out, size_t *len,
                   tcg_err *err);
/* A base64 field of the schema, borrowed from the message (valid until
 * tcg_msg_free): NULL when absent. */
const uint8_t *tcg_msg_b64_ref(const tcg_msg *m, const char *path, size_t *len);

/* PCR values at path (a mapping bank name -> PCR index -> hex, as in
 * dha-bootdata's quote.pcrs), each value exactly its bank's digest size
 * (TCG_E_FORMAT: msg-missing-key, msg-unknown-key, msg-type, msg-size). */
tcg_rc tcg_msg_pcr_values(const tcg_msg *m, const char *path, tcg_pcr_values *out,
                          tcg_err *err);
/* Write v as that mapping (the key is the caller's). */
void tcg_msg_put_pcr_values(tcg_yaml *y, const tcg_pcr_values *v);

/* Strict base64 (see msg-base64). out holds tcg_b64_decoded_max(len) bytes. */
bool tcg_b64_decode(const char *s, size_t len, uint8_t *out, size_t *outlen);
size_t tcg_b64_decoded_max(size_t len);
/* A NUL-terminated base64 text of p (no line breaks; free()); NULL when out
 * of memory or len is over INT_MAX / 4 * 3. */
char *tcg_b64_encode(const uint8_t *p, size_t len, size_t *outlen);

/* Writing: the mapping with kind and version ... its end. */
void tcg_msg_write_start(tcg_yaml *y, const char *kind, unsigned version);
void tcg_msg_write_end(tcg_yaml *y);
/* key + a base64 value (double-quoted, one line). TCG_E_NOMEM (nothing
 * written) when out of memory. */
tcg_rc tcg_msg_kv_b64(tcg_yaml *y, const char *key, const uint8_t *p, size_t len,
                      tcg_err *err);

#ifdef __cplusplus
}
#endif
#endif
