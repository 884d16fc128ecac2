/*
 * Digest binding: for event types whose digest is a hash of their data,
 * check the data against the digest in every bank. The event type itself is
 * not covered by any PCR, so callers must not trust data whose binding is
 * not TCG_BIND_OK.
 */
#ifndef TCGLOG_BINDING_H
#define TCGLOG_BINDING_H

#include "tcglog/log.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
	TCG_BIND_NONE,      /* the type does not bind its data (digest of something else) */
	TCG_BIND_OK,        /* data matches the digest in every bank checked */
	TCG_BIND_MISMATCH,  /* data does not match the digest in some bank */
	TCG_BIND_UNCHECKED, /* binding type, but no bank could be hashed */
} tcg_binding;

/* "none", "verified", "mismatch", "unchecked" */
const char *tcg_binding_name(tcg_binding b);

/* Whether (pcr, type) binds its data. */
bool tcg_type_binds(uint32_t pcr, uint32_t type);

/*
 * Check e in every bank. *bad_bank receives the first bank index that
 * mismatched (when TCG_BIND_MISMATCH). hasher may be NULL.
 */
tcg_binding tcg_event_binding(const tcg_log *log, const tcg_event *e, tcg_hasher *hasher,
                              size_t *bad_bank);

#ifdef __cplusplus
}
#endif
#endif
