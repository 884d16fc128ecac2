/* Event types and event data decoders. */
#ifndef TCGLOG_EVENTS_H
#define TCGLOG_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "tcglog/log.h"
#include "yamlout.h"

#ifdef __cplusplus
extern "C" {
#endif

/* "EV_EFI_ACTION" etc. as tpm2_eventlog names them; NULL when unknown. */
const char *tcg_event_type_name(uint32_t type);

/*
 * Write the decoded data of e as the YAML value of the current key: a
 * mapping, sequence or scalar in the layout tpm2_eventlog --eventlog-version=2
 * uses where it decodes the same event, with extra keys of our own beside
 * them. Data that cannot be decoded is written as a hex string, never
 * guessed; decoders never read outside the event's data.
 */
void tcg_event_decode_yaml(tcg_yaml *y, const tcg_log *log, const tcg_event *e);

/* Recursion limit for nested Windows SIPA containers. */
#define TCG_SIPA_MAX_DEPTH 8

#ifdef __cplusplus
}
#endif
#endif
