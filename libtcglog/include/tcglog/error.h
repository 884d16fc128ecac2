/* Error codes and error detail shared by every libtcglog module. */
#ifndef TCGLOG_ERROR_H
#define TCGLOG_ERROR_H

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Each code maps to one tool exit status (tcg_exit_status). */
typedef enum {
	TCG_OK = 0,
	TCG_E_MISMATCH, /* a check failed on well-formed input: exit 1 */
	TCG_E_FORMAT,   /* input that cannot be parsed: exit 2 */
	TCG_E_USAGE,    /* bad arguments: exit 2 */
	TCG_E_IO,       /* the environment failed: exit 3 */
	TCG_E_NOMEM,    /* exit 3 */
} tcg_rc;

#define TCG_NO_EVENT (-1L)
#define TCG_NO_OFFSET UINT64_MAX

/* The detail of the first error: the rule that refused, where, and why. */
typedef struct {
	tcg_rc rc;
	char rule[64];     /* short stable name, e.g. "event-pcr-index" */
	uint64_t offset;   /* byte offset in the input, or TCG_NO_OFFSET */
	long event;        /* event number, or TCG_NO_EVENT */
	char msg[320];
} tcg_err;

/* Fill err (may be NULL) and return rc. */
tcg_rc tcg_err_set(tcg_err *err, tcg_rc rc, const char *rule, uint64_t offset,
                   long event, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

void tcg_err_clear(tcg_err *err);

/* The one rule name for an allocation that failed (TCG_E_NOMEM). */
#define TCG_RULE_OUT_OF_MEMORY "out-of-memory"

/*
 * The helpers every module fails with (err may be NULL; each returns its
 * code). Without _at, the error has no offset and no event.
 *   tcg_fail           any code
 *   tcg_fail_at        input that cannot be parsed, at offset and event
 *   tcg_fail_format    input that cannot be parsed (TCG_E_FORMAT)
 *   tcg_fail_mismatch  a check failed on well-formed input (TCG_E_MISMATCH)
 *   tcg_fail_nomem     out-of-memory, "no memory" (TCG_E_NOMEM)
 */
tcg_rc tcg_fail(tcg_err *err, tcg_rc rc, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
tcg_rc tcg_fail_at(tcg_err *err, const char *rule, uint64_t offset, long event,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
tcg_rc tcg_fail_format(tcg_err *err, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
tcg_rc tcg_fail_mismatch(tcg_err *err, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
tcg_rc tcg_fail_nomem(tcg_err *err);

/* "offset 123: event 4: rule: message" (parts that are unknown are left out). */
void tcg_err_format(const tcg_err *err, char *out, size_t outlen);

int tcg_exit_status(tcg_rc rc);

#ifdef __cplusplus
}
#endif
#endif
