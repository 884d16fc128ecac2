/*
 * Private: X.509 certificates parsed once per process. A fleet sends the same
 * Secure Boot certificates (PK, KEK, db, the authorities that verified boot
 * images) in every log, and a device its EK certificate in every boot data;
 * parsing one with d2i_X509 (OpenSSL 3 decodes the public key through its
 * provider decoders) costs more than the rest of the claims together.
 */
#ifndef TCGLOG_CERTCACHE_H
#define TCGLOG_CERTCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

/* Entries kept, and bytes they hold (certificate, subject, and an estimate of
 * OpenSSL's parsed form); the least recently used entry goes first. A
 * certificate over TCG_CERTCACHE_MAX_DER is parsed every time. */
#define TCG_CERTCACHE_MAX_ENTRIES 256
#define TCG_CERTCACHE_MAX_BYTES (4u << 20)
#define TCG_CERTCACHE_MAX_DER (16u << 10)
/* Subject names longer than this are no subject (the caller's list is unknown). */
#define TCG_CERT_SUBJECT_MAX 1024

/*
 * der, exactly one whole DER certificate (nothing after it), parsed: a new
 * reference (X509_free it), or NULL when it does not parse, has bytes after
 * it, or memory ran out -- exactly what d2i_X509 gives now. sha256 is the
 * SHA-256 of der when the caller has it, else NULL (computed here). An entry
 * is found by the digest and then compared byte for byte with der, so only
 * the same certificate ever gets a remembered answer. Only certificates that
 * parse are remembered: a NULL may come from a failed allocation.
 *
 * The X509 is shared with the cache and other callers: treat it as read-only
 * (OpenSSL's own lazily computed fields are guarded by its locks).
 */
X509 *tcg_x509_parse(const uint8_t *der, size_t len, const uint8_t *sha256);

/*
 * The subject of der (as tcg_x509_parse) in RFC 2253 form (malloc'd), or NULL
 * when it does not parse or its subject is over TCG_CERT_SUBJECT_MAX.
 */
char *tcg_cert_subject(const uint8_t *der, size_t len, const uint8_t *sha256);

/*
 * Safe from any thread: the cache is shared by the whole process, and the
 * library's objects, each used by one thread at a time, may still be used by
 * several threads at once; a mutex guards it (held for a lookup or an insert,
 * never while parsing).
 *
 * Tests: turn the cache off (every certificate parsed, nothing kept) or on
 * again, answering whether it was on; forget every entry and the counts.
 */
bool tcg_certcache_enable(bool on);
void tcg_certcache_clear(void);

/* Entries held, and lookups answered from the cache or not (tests, benchmarks). */
typedef struct {
	size_t entries, bytes;
	uint64_t hits, misses;
} tcg_certcache_stats;
void tcg_certcache_stats_get(tcg_certcache_stats *s);

#endif
