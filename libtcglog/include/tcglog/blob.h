/* The EncBlob: AES-256-GCM under the service key, and the service key itself.
 *
 * Blob layout (all fields in this order, no padding):
 *
 *   offset  size  field
 *        0     4  magic "TCGB"
 *        4     1  version (1)
 *        5     8  key id of the service key that sealed it
 *       13    12  nonce (random per blob)
 *       25     n  ciphertext (n = plaintext length)
 *     25+n    16  GCM tag
 *
 * The 25-byte header is authenticated as additional data, followed by the caller's
 * own additional data, so no byte of the blob can change without the open failing.
 *
 * Key id: the first 8 bytes of SHA-256("tcglog service key" || key). It names the key
 * a blob needs (so keys can rotate: open with the old and the new key) without
 * revealing anything about the key.
 *
 * Service key file: exactly 32 random bytes, a regular file (not a symlink) that
 * neither group nor others may access (mode & 077 == 0, checked with fstat on the
 * opened descriptor).
 *
 * Error codes and rules:
 *   key file (the service's own configuration, not input under check: exit 3)
 *     key-open         cannot open / read the file                      TCG_E_IO
 *     key-symlink      the path is a symbolic link                      TCG_E_IO
 *     key-type         not a regular file (directory, FIFO, device)     TCG_E_IO
 *     key-permissions  group or others have any access (mode & 077)     TCG_E_IO
 *     key-size         not exactly 32 bytes                             TCG_E_IO
 *     key-exists       tcg_service_key_create over an existing path     TCG_E_USAGE
 *     key-usage        NULL path or key                                 TCG_E_USAGE
 *     key-create       cannot create / write / sync a new key file      TCG_E_IO
 *   blob
 *     blob-size        blob over TCG_BLOB_MAX (open: TCG_E_FORMAT; seal: TCG_E_USAGE)
 *     blob-format      short blob, bad magic, unknown version           TCG_E_FORMAT
 *     blob-key-unknown no given key has the blob's key id               TCG_E_MISMATCH
 *     blob-auth        GCM authentication failed                        TCG_E_MISMATCH
 *     blob-crypto      OpenSSL failed unexpectedly                      TCG_E_IO
 *     random           the system CSPRNG failed                         TCG_E_IO
 */
#ifndef TCGLOG_BLOB_H
#define TCGLOG_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "tcglog/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TCG_SERVICE_KEY_SIZE 32
#define TCG_SERVICE_KEY_ID_SIZE 8

#define TCG_BLOB_MAGIC "TCGB"
#define TCG_BLOB_VERSION 1
#define TCG_BLOB_NONCE_SIZE 12
#define TCG_BLOB_TAG_SIZE 16
#define TCG_BLOB_HEADER_SIZE (4 + 1 + TCG_SERVICE_KEY_ID_SIZE + TCG_BLOB_NONCE_SIZE)
#define TCG_BLOB_OVERHEAD (TCG_BLOB_HEADER_SIZE + TCG_BLOB_TAG_SIZE)
/* Largest blob accepted or produced (header, ciphertext and tag). */
#define TCG_BLOB_MAX (1024u * 1024u)
/* Largest caller additional data. */
#define TCG_BLOB_AAD_MAX (1024u * 1024u)

/* A service key and its id. Holds a secret: wipe with tcg_service_key_wipe. */
typedef struct {
	uint8_t key[TCG_SERVICE_KEY_SIZE];
	uint8_t id[TCG_SERVICE_KEY_ID_SIZE];
} tcg_service_key;

/* Fill buf with len bytes from the kernel CSPRNG (getrandom(2), retried on EINTR and
 * short reads). Blocks only until the kernel pool is first initialised. */
tcg_rc tcg_random(void *buf, size_t len, tcg_err *err);

/* Set k from 32 raw key bytes and compute its id. */
void tcg_service_key_set(tcg_service_key *k, const uint8_t raw[TCG_SERVICE_KEY_SIZE]);

/* Read a key file (see the rules above). On failure k is wiped. */
tcg_rc tcg_service_key_load(const char *path, tcg_service_key *k, tcg_err *err);

/* Create a new key file: 32 bytes from getrandom(2), O_CREAT|O_EXCL|O_NOFOLLOW, mode
 * 0600 whatever the umask, fsync'd (file and directory). Never overwrites. If k is not
 * NULL it receives the new key (wipe it after use). On failure nothing is left at path. */
tcg_rc tcg_service_key_create(const char *path, tcg_service_key *k, tcg_err *err);

/* Wipe the key (OPENSSL_cleanse). NULL is allowed. */
void tcg_service_key_wipe(tcg_service_key *k);

/* Seal plaintext under k, authenticating aad (may be NULL when aad_len is 0).
 * *out is malloc'd (free with free(); it holds no secret), *out_len its length. */
tcg_rc tcg_blob_seal(const tcg_service_key *k, const uint8_t *plaintext, size_t len,
                     const uint8_t *aad, size_t aad_len, uint8_t **out, size_t *out_len,
                     tcg_err *err);

/* Open a blob with whichever of keys[0..nkeys) has its key id. On success *plaintext
 * is malloc'd (release with tcg_blob_free_plaintext, which wipes it) and *plen set;
 * on failure *plaintext is NULL, *plen 0 and no decrypted byte survives. */
tcg_rc tcg_blob_open(const tcg_service_key *keys, size_t nkeys, const uint8_t *blob,
                     size_t len, const uint8_t *aad, size_t aad_len, uint8_t **plaintext,
                     size_t *plen, tcg_err *err);

/* Wipe and free a plaintext from tcg_blob_open. NULL is allowed. */
void tcg_blob_free_plaintext(uint8_t *plaintext, size_t plen);

/* The key id a blob names, without opening it (for messages: "sealed under key ...").
 * TCG_E_FORMAT / blob-format on a blob too short or with a bad magic or version. */
tcg_rc tcg_blob_key_id(const uint8_t *blob, size_t len,
                       uint8_t id[TCG_SERVICE_KEY_ID_SIZE], tcg_err *err);
/* The blob is sealed under the key id a message names beside it: TCG_E_FORMAT
 * as tcg_blob_key_id, TCG_E_MISMATCH "encblob-key-id" when it differs. */
tcg_rc tcg_blob_check_key_id(const uint8_t *blob, size_t len, const uint8_t *id, size_t id_len,
                             tcg_err *err);

#ifdef __cplusplus
}
#endif
#endif
