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
 * and, from the library's YAML reader, yaml-duplicate-key, yaml-syntax,
 * yaml-too-large, yaml-alias, yaml-tag, ...
 *
 * Each exchanged kind but pcrs has a struct with its reader and writer
 * (tcg_msg_KIND_read, tcg_msg_KIND_write, below): read the message with
 * tcg_msg_parse / tcg_msg_stream_next, then its struct; write the struct.
 * Documents written one after another to the same FILE make a valid stream,
 * each starting "---".
 */
#ifndef TCGLOG_MSG_H
#define TCGLOG_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tcglog/error.h"
#include "tcglog/pcrs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A node of a parsed YAML document: opaque outside the library. */
typedef struct tcg_ynode tcg_ynode;
/* A parsed YAML document: the library's. */
struct tcg_ydoc;

/*
 * The caps, named once: the schemas (msg.c) check them when reading, the
 * writers before writing, and the tools read no more than them.
 */
#define TCG_MSG_DEVICE_MAX 255          /* device name, bytes (as nonce.h's) */
/* bootdata log, bytes: 3 MiB less the room every other field takes at its cap
 * (about 28 KB), so its base64 and those fit TCG_MSG_BOOTDATA_MAX_SIZE */
#define TCG_MSG_LOG_MAX ((3u << 20) - (64u << 10))
#define TCG_MSG_PUBLIC_MAX 1024         /* TPM2B_PUBLIC of the EK or the AK */
#define TCG_MSG_EK_CERT_MAX 8192        /* EK certificate, DER */
#define TCG_MSG_ATTEST_MAX 1024         /* a quote's TPMS_ATTEST, marshalled */
#define TCG_MSG_SIGNATURE_MAX 1024      /* a quote's TPMT_SIGNATURE, marshalled */
#define TCG_MSG_KEY_ID_SIZE 8           /* service key id (blob.h's) */
#define TCG_MSG_BLOB_MAX (256u << 10)   /* the EncBlob (a Windows boot's: ~50 KiB) */
#define TCG_MSG_CREDENTIAL_MAX 4096     /* TPM2B_ID_OBJECT */
#define TCG_MSG_SECRET_MAX 4096         /* TPM2B_ENCRYPTED_SECRET */
#define TCG_MSG_SELECTION_MAX 255       /* PCR selection text */
#define TCG_MSG_NONCE_SIZE 32           /* nonce, bytes (as nonce.h's) */
#define TCG_MSG_BANKS_MAX 5             /* PCR banks in a PCR value mapping */
/* Documents, bytes. */
#define TCG_MSG_BOOTDATA_MAX_SIZE (4u << 20) /* the YAML reader's cap (msg.c checks) */
#define TCG_MSG_ENCBLOB_MAX_SIZE (512u << 10)
#define TCG_MSG_SIGNEDBLOB_MAX_SIZE (512u << 10)
#define TCG_MSG_CLAIMS_MAX_SIZE (1u << 20)
#define TCG_MSG_PCRS_MAX_SIZE (64u << 10)

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

/* A message read and checked against its schema (zeroed: none). */
typedef struct {
	struct tcg_ydoc *doc;         /* the library's */
	const tcg_msg_schema *schema;
	unsigned version;
	unsigned index; /* number of the document in its stream (1 for a single one) */
	tcg_msg_bytes *bytes; /* its base64 fields, each checked and decoded once */
	size_t nbytes;
} tcg_msg;

/* One message from len bytes (one document), checked against the schemas
 * in accept (NULL-terminated; NULL: every kind; a schema in accept that is
 * not one of the exchanged kinds is a private kind only that reader knows). */
tcg_rc tcg_msg_parse(const uint8_t *data, size_t len, const char *file,
                     const tcg_msg_schema *const *accept, tcg_msg *m, tcg_err *err);
void tcg_msg_free(tcg_msg *m);

/* A stream of messages ("---" separated documents) read from f (not closed
 * by it), each document capped at tcg_msg_max_size(accept) and checked
 * against accept. NULL when out of memory. */
typedef struct tcg_msg_stream tcg_msg_stream;
tcg_msg_stream *tcg_msg_stream_open(FILE *f, const char *file,
                                    const tcg_msg_schema *const *accept);
/* The next message: TCG_OK and *done at the stream's end. A refused
 * document (a fault inside a well-formed one: duplicate key, alias, tag, too
 * many nodes, or its schema) does not stop the stream; a YAML syntax error, a
 * document over the cap, too deep nesting or a read error does
 * (tcg_msg_stream_stopped). Errors name the document: "FILE#N:LINE:COLUMN". */
tcg_rc tcg_msg_stream_next(tcg_msg_stream *s, tcg_msg *m, bool *done, tcg_err *err);
/* The number of the document last read (1 for the first). */
unsigned tcg_msg_stream_index(const tcg_msg_stream *s);
/* A fault stopped the stream (reported when it happened): every later read
 * fails. */
bool tcg_msg_stream_stopped(const tcg_msg_stream *s);
void tcg_msg_stream_close(tcg_msg_stream *s);

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
/* TCG_E_FORMAT msg-missing-key (at the document) when path is absent: a
 * field optional in the schema that the caller needs. */
tcg_rc tcg_msg_require(const tcg_msg *m, const char *path, tcg_err *err);
/* A base64 field of the schema, borrowed from the message (valid until
 * tcg_msg_free): NULL when absent. */
const uint8_t *tcg_msg_b64_ref(const tcg_msg *m, const char *path, size_t *len);

/* PCR values at path (a mapping bank name -> PCR index -> hex, as in
 * dha-bootdata's quote.pcrs), each value exactly its bank's digest size
 * (TCG_E_FORMAT: msg-missing-key, msg-unknown-key, msg-type, msg-size). */
tcg_rc tcg_msg_pcr_values(const tcg_msg *m, const char *path, tcg_pcr_values *out,
                          tcg_err *err);

/* ---- one struct per kind ----
 *
 * A reader fills its struct from a message of its kind (else TCG_E_USAGE,
 * msg-kind) that tcg_msg_parse or tcg_msg_stream_next checked; strings and
 * bytes are borrowed from the message (valid until tcg_msg_free). A writer
 * checks every field against its kind's schema (a required field absent or a
 * value outside its cap: TCG_E_USAGE, msg-missing-key or msg-size, nothing
 * written) and writes one document to f; TCG_E_NOMEM or TCG_E_IO when that
 * fails.
 */

/* Bytes of a field; p NULL: absent. */
typedef struct {
	const uint8_t *p;
	size_t len;
} tcg_msg_span;

/* dha-bootdata: what the device sends first. */
typedef struct {
	const char *device;
	tcg_msg_span log;            /* TCG event log, as the kernel gives it */
	tcg_msg_span ek_public;      /* TPM2B_PUBLIC of the EK */
	tcg_msg_span ek_certificate; /* DER */
	tcg_msg_span ak_public;      /* TPM2B_PUBLIC of the AK */
	/* quote: over the PCRs, its qualifying data the binding (dha.h) */
	tcg_msg_span attest;         /* TPMS_ATTEST, marshalled */
	tcg_msg_span signature;      /* TPMT_SIGNATURE, marshalled */
	tcg_pcr_values pcrs;         /* the PCR values quoted (read: as
	                              * tcg_msg_pcr_values checks them) */
} tcg_msg_bootdata;
tcg_rc tcg_msg_bootdata_read(const tcg_msg *m, tcg_msg_bootdata *out, tcg_err *err);
tcg_rc tcg_msg_bootdata_write(const tcg_msg_bootdata *b, FILE *f, tcg_err *err);

/* dha-encblob: the service's reply (credential and secret present), or the
 * plain EncBlob the device keeps after TPM2_ActivateCredential (without). */
typedef struct {
	const char *device;
	tcg_msg_span key_id;         /* TCG_MSG_KEY_ID_SIZE bytes */
	tcg_msg_span blob;
	tcg_msg_span credential;     /* TPM2B_ID_OBJECT; optional */
	tcg_msg_span secret;         /* TPM2B_ENCRYPTED_SECRET; optional */
	const char *pcr_selection;   /* what dha-quote quotes; NULL: absent */
} tcg_msg_encblob;
tcg_rc tcg_msg_encblob_read(const tcg_msg *m, tcg_msg_encblob *out, tcg_err *err);
tcg_rc tcg_msg_encblob_write(const tcg_msg_encblob *e, FILE *f, tcg_err *err);

/* dha-signedblob: what the device sends for each verification. */
typedef struct {
	const char *device;
	tcg_msg_span nonce;          /* TCG_MSG_NONCE_SIZE bytes, from dha-nonce */
	tcg_msg_span attest;         /* quote over the same selection, the nonce */
	tcg_msg_span signature;      /* its qualifying data */
	tcg_msg_span encblob;        /* the EncBlob, as dha-encblob's blob */
} tcg_msg_signedblob;
tcg_rc tcg_msg_signedblob_read(const tcg_msg *m, tcg_msg_signedblob *out, tcg_err *err);
tcg_rc tcg_msg_signedblob_write(const tcg_msg_signedblob *s, FILE *f, tcg_err *err);

/* The HealthStatusMismatchFlags of a refusal (dha.h tcg_dha_mismatch). */
#define TCG_MSG_MISMATCH_COUNT 6

/*
 * dha-claims as dha-verify writes it: the envelope. Verified, the document is
 * the claims text sealed in the EncBlob (with its nonce), opaque here: the
 * writer writes text as it is, the reader leaves text NULL (its facts are
 * the message's: tcg_msg_get) and fills device and nonce from
 * verification.dha. Refused, the document is verification {verified: false,
 * result: failed, rule, message, device when known, attributed, mismatch (the
 * flags by tcg_dha_mismatch_names) when compared} and nothing else. attributed
 * (dha.h tcg_dha_failure_write) says whether the refusal is the device's own;
 * the reader leaves it false when the document does not say.
 */
typedef struct {
	bool verified;
	const char *text;            /* verified: the whole document */
	size_t len;
	const char *device;          /* NULL: unknown */
	const char *nonce;           /* verified: hex, as written */
	const char *rule, *message;  /* refused */
	bool attributed;             /* refused: the device's own refusal */
	bool compared;               /* refused: mismatch applies */
	bool mismatch[TCG_MSG_MISMATCH_COUNT];
} tcg_msg_claims;
tcg_rc tcg_msg_claims_read(const tcg_msg *m, tcg_msg_claims *out, tcg_err *err);
tcg_rc tcg_msg_claims_write(const tcg_msg_claims *c, FILE *f, tcg_err *err);

/* Strict base64 (see msg-base64). out holds tcg_b64_decoded_max(len) bytes. */
bool tcg_b64_decode(const char *s, size_t len, uint8_t *out, size_t *outlen);
size_t tcg_b64_decoded_max(size_t len);
/* A NUL-terminated base64 text of p (no line breaks; free()); NULL when out
 * of memory or len is over INT_MAX / 4 * 3. */
char *tcg_b64_encode(const uint8_t *p, size_t len, size_t *outlen);

#ifdef __cplusplus
}
#endif
#endif
