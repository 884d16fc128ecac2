/*
 * The DHA service's store, one interface whichever database holds it: an
 * SQLite file (the default; WAL journal, busy timeout) or PostgreSQL (a
 * postgresql:// or postgres:// URI, or service=NAME, and libpq's PG*
 * environment). Both have the same semantics; callers never see which.
 *
 * Nonces for the DHA challenge: a nonce is 32 bytes from the system CSPRNG,
 * bound to one device name, taken back at most once, before it expires.
 *
 * Rules (tcg_err.rule):
 *   nonce-device           device name empty, longer than 255 bytes, or not
 *                          printable ASCII (exit 2)
 *   nonce-ttl              lifetime outside 1..TCG_NONCE_TTL_MAX seconds (exit 2)
 *   nonce-hex              nonce text is not exactly 64 hex digits (exit 2)
 *   nonce-unknown          never issued, already consumed, or purged (exit 1)
 *   nonce-device-mismatch  issued for another device; NOT consumed (exit 1)
 *   nonce-expired          past its expiry; left for purge (exit 1)
 *   nonce-store            the store failed: the database's message (exit 3)
 *   nonce-store-schema     the store's schema version is newer than this
 *                          library's, or unknown: refused, never misread (exit 3)
 *   nonce-store-credentials a PostgreSQL connection string holding a password:
 *                          refused (a password file or pg_service.conf holds
 *                          it, never a command line) (exit 3)
 *   nonce-batch            a batch of more than TCG_NONCE_BATCH_MAX (exit 2)
 *   nonce-store-symlink    the store file or its directory is a symbolic
 *                          link (exit 3)
 *   nonce-store-mode       the store file or its directory is writable by
 *                          others (exit 3)
 *   device-unknown         the name is not enrolled: refused by a closed
 *                          registry, and by dha-verify in any mode (exit 1)
 *   device-ek-mismatch     the name is bound to another EK certificate (exit 1)
 *   device-enrolled        enrol without rebind: the name is bound to another
 *                          EK certificate (exit 1)
 *
 * The same store keeps the device registry: each enrolled device name with
 * the SHA-256 of the EK certificate it is bound to (DESIGN.md "Protocol and
 * trust": a device name belongs to one TPM), and since schema version 2 the
 * DHA-Reports kept per device (tcglog/reports.h). The schema carries a version
 * (SQLite: PRAGMA user_version; PostgreSQL: table tcglog_schema); an older
 * store is upgraded when opened, in one transaction, from the SQL the package
 * installs under share/tcglog/sql.
 */
#ifndef TCGLOG_NONCE_H
#define TCGLOG_NONCE_H

#include <stdbool.h>
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

#define TCG_STORE_SCHEMA_VERSION 3
#define TCG_REGISTRY_DIGEST_SIZE 32

/*
 * Open the store spec names, creating or upgrading its schema. A PostgreSQL
 * spec (postgresql://..., postgres://..., service=NAME) connects with libpq;
 * anything else is the path of an SQLite file, created (mode 0600) when
 * missing. A store that cannot be opened or is not a store: TCG_E_IO.
 * Refused, TCG_E_IO, before SQLite opens it: the file or its directory is a
 * symbolic link (nonce-store-symlink); the file or its directory is writable
 * by others (nonce-store-mode): whoever can write them can mint nonces and
 * re-bind devices.
 */
tcg_rc tcg_nonce_store_open(const char *spec, tcg_nonce_store **out, tcg_err *err);
void tcg_nonce_store_close(tcg_nonce_store *s);

/*
 * Closed registry (the operator's choice, default open): nonces are issued
 * only for enrolled names and boot data of an unenrolled name does not enrol
 * it (device-unknown).
 */
void tcg_nonce_store_set_closed(tcg_nonce_store *s, bool closed);

/*
 * Boot data for device passed every check with an EK certificate of digest
 * ek: bind the name to it when the name is new (refused, device-unknown, when
 * the registry is closed), accept it when bound to the same digest, refuse it
 * (device-ek-mismatch, TCG_E_MISMATCH) when bound to another. The first of two
 * racing enrolments wins; the other sees its binding.
 */
tcg_rc tcg_registry_bind(tcg_nonce_store *s, const char *device,
                         const uint8_t ek[TCG_REGISTRY_DIGEST_SIZE], int64_t now, tcg_err *err);

/*
 * The operator enrols device with the EK certificate of digest ek. A name
 * already bound to another digest is refused (device-enrolled, TCG_E_MISMATCH)
 * unless rebind; rebind re-binds it. Enrolling the same binding again is TCG_OK.
 */
tcg_rc tcg_registry_enroll(tcg_nonce_store *s, const char *device,
                           const uint8_t ek[TCG_REGISTRY_DIGEST_SIZE], bool rebind, int64_t now,
                           tcg_err *err);

/* The digest device is bound to: *found false when it is not enrolled. */
tcg_rc tcg_registry_lookup(tcg_nonce_store *s, const char *device,
                           uint8_t ek[TCG_REGISTRY_DIGEST_SIZE], bool *found, tcg_err *err);

/* Check a device name: 1..255 bytes of printable ASCII (0x20..0x7e). */
tcg_rc tcg_nonce_check_device(const char *device, tcg_err *err);

/* Check a lifetime: 1..TCG_NONCE_TTL_MAX seconds. */
tcg_rc tcg_nonce_check_ttl(int64_t ttl, tcg_err *err);

/* Parse exactly 64 hex digits (either case, nothing else) into out. */
tcg_rc tcg_nonce_from_hex(const char *hex, uint8_t out[TCG_NONCE_SIZE], tcg_err *err);

/*
 * Issue a fresh nonce for device, valid while now < now + ttl (seconds since
 * the epoch); ttl is 1..TCG_NONCE_TTL_MAX (TCG_NONCE_TTL_DEFAULT is the usual).
 * A closed registry refuses a device that is not enrolled (device-unknown,
 * TCG_E_MISMATCH).
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

#define TCG_NONCE_BATCH_MAX 4096

/* One nonce of a batch: device and nonce in, rc and err out. */
typedef struct {
	const char *device;
	uint8_t nonce[TCG_NONCE_SIZE];
	tcg_rc rc;
	tcg_err err;
} tcg_nonce_claim;

/*
 * Group commit: consume n claims (at most TCG_NONCE_BATCH_MAX) in ONE
 * transaction. TCG_OK: it committed, and each claim's rc says whether its
 * nonce was consumed (TCG_OK, exactly once across all processes) or refused
 * as tcg_nonce_consume would (or TCG_E_USAGE, nonce-device, for a malformed
 * device name). Otherwise (TCG_E_IO: the database failed, nothing is decided)
 * every claim carries the error too; a claim is never reported consumed
 * before its transaction committed. When the commit's answer itself is lost
 * (the server went away), its nonces are consumed or not, each whole.
 */
tcg_rc tcg_nonce_consume_batch(tcg_nonce_store *s, tcg_nonce_claim *claims, size_t n,
                               int64_t now, tcg_err *err);

/* Drop the nonces expired at now; count (may be NULL) gets how many. */
tcg_rc tcg_nonce_purge(tcg_nonce_store *s, int64_t now, uint64_t *count, tcg_err *err);

#ifdef __cplusplus
}
#endif
#endif
