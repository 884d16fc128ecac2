/* A small event-log writer: builds logs for tests and for tcglog-play. */
#ifndef TCGLOG_WRITER_H
#define TCGLOG_WRITER_H

#include "tcglog/log.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tcg_writer tcg_writer;

/*
 * TCG_FMT_AGILE writes a "Spec ID Event03" header for algs first;
 * TCG_FMT_SHA1 writes headerless TCG_PCR_EVENT entries (algs ignored).
 */
tcg_writer *tcg_writer_new(tcg_log_format fmt, const uint16_t *algs, size_t num_algs);
void tcg_writer_free(tcg_writer *w);

/*
 * Append an event. digests: one per bank in the order given to
 * tcg_writer_new, or NULL to hash data in each bank (zeros for EV_NO_ACTION).
 */
tcg_rc tcg_writer_event(tcg_writer *w, uint32_t pcr, uint32_t type,
                        const uint8_t *const *digests, const void *data, uint32_t size);
/*
 * Append an event whose digests are of other bytes than its data (an image's
 * contents, a file GRUB read, a string measured without its NUL): measured,
 * hashed in each bank.
 */
tcg_rc tcg_writer_event_of(tcg_writer *w, uint32_t pcr, uint32_t type, const void *measured,
                           size_t mlen, const void *data, uint32_t size);
/* Append raw bytes (for malformed logs in tests). */
tcg_rc tcg_writer_raw(tcg_writer *w, const void *data, size_t len);

const uint8_t *tcg_writer_data(const tcg_writer *w, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
