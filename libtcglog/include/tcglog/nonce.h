/*
 * Nonce store for the DHA challenge: a nonce is 32 bytes from the system
 * CSPRNG, bound to one device name, taken back at most once, before it
 * expires. The default store is an SQLite file (WAL journal, busy timeout).
 *
 * Rules (tcg_err.rule):
 *   nonce-device           device name empty, longer than 255 bytes, or not
 *                          printable ASCII (exit 2)
 *   nonce-ttl              lifetime outside 1..TCG_NONCE_TTL_MAX seconds (exit 2)
 *   nonce-hex              nonce text is not exactly 64 hex digits (exit 2)
 *   nonce-unknown          never issued, already consumed, or purged (exit 1)
 *   nonce-device-mismatch  issued for another device; NOT consumed (exit 1)
 *   nonce-expired          past its expiry; left for purge (exit 1)
 *   nonce-store            the store failed: SQLite's message (exit 3)
 */
#ifndef TCGLOG_NONCE_H
#define TCGLOG_NONCE_H

#include <stdint.h>

#include "tcglog/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TCG_NONCE_SIZE 32
#define TCG_NONCE_DEVICE_MAX 255
#define TCG_NONCE_TTL_DEFAULT 300   /* seconds */
#define TCG_NONCE_TTL_MAX 86400     /* one day */
#define TCG_NONCE_BUSY_TIMEOUT_MS 10000

typedef struct tcg_nonce_store tcg_nonce_store;

/*
 * Open the SQLite store at path, creating the file (mode 0600) and the schema
 * when missing. A path that cannot be opened or is not a store: TCG_E_IO.
 */
tcg_rc tcg_nonce_store_open(const char *path, tcg_nonce_store **out, tcg_err *err);
void tcg_nonce_store_close(tcg_nonce_store *s);

/* Check a device name: 1..255 bytes of printable ASCII (0x20..0x7e). */
tcg_rc tcg_nonce_check_device(const char *device, tcg_err *err);

/* Check a lifetime: 1..TCG_NONCE_TTL_MAX seconds. */
tcg_rc tcg_nonce_check_ttl(int64_t ttl, tcg_err *err);

/* Parse exactly 64 hex digits (either case, nothing else) into out. */
tcg_rc tcg_nonce_from_hex(const char *hex, uint8_t out[TCG_NONCE_SIZE], tcg_err *err);

/*
 * Issue a fresh nonce for device, valid while now < now + ttl (seconds since
 * the epoch); ttl is 1..TCG_NONCE_TTL_MAX (TCG_NONCE_TTL_DEFAULT is the usual).
 */
tcg_rc tcg_nonce_issue(tcg_nonce_store *s, const char *device, int64_t ttl, int64_t now,
                       uint8_t out[TCG_NONCE_SIZE], tcg_err *err);

/*
 * Take nonce back for device: TCG_OK exactly once, by one atomic statement,
 * however many processes race on it. Otherwise TCG_E_MISMATCH with rule
 * nonce-unknown, nonce-device-mismatch or nonce-expired; a refused nonce is
 * left as it was (a mismatch does not burn the right device's nonce).
 */
tcg_rc tcg_nonce_consume(tcg_nonce_store *s, const char *device,
                         const uint8_t nonce[TCG_NONCE_SIZE], int64_t now, tcg_err *err);

/* Drop the nonces expired at now; count (may be NULL) gets how many. */
tcg_rc tcg_nonce_purge(tcg_nonce_store *s, int64_t now, uint64_t *count, tcg_err *err);

#ifdef __cplusplus
}
#endif
#endif
