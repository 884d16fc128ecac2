/* Writing messages field by field (msg.c): the kinds' writers (msg_kinds.c)
 * only. Private: it exposes the YAML writer. */
#ifndef TCGLOG_MSGWRITE_H
#define TCGLOG_MSGWRITE_H

#include "tcglog/msg.h"
#include "yamlout.h"

/* The mapping with kind and version ... its end. */
void tcg_msg_write_start(tcg_yaml *y, const char *kind, unsigned version);
void tcg_msg_write_end(tcg_yaml *y);
/* key + a base64 value (double-quoted, one line). TCG_E_NOMEM (nothing
 * written) when out of memory. */
tcg_rc tcg_msg_kv_b64(tcg_yaml *y, const char *key, const uint8_t *p, size_t len,
                      tcg_err *err);
/* v as a mapping bank name -> PCR index -> hex (the key is the caller's). */
void tcg_msg_put_pcr_values(tcg_yaml *y, const tcg_pcr_values *v);

#endif
