/* The YAML picture of a whole log, as tcglog-dump prints it. */
#ifndef TCGLOG_DUMP_H
#define TCGLOG_DUMP_H

#include <stdio.h>

#include "tcglog/log.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
	uint32_t pcr_mask;   /* events of these PCRs (bit i = PCR i); 0 = all */
	bool pcr_none;       /* with pcr_mask: also PCR 0xFFFFFFFF events */
	size_t num_banks;    /* 0 = every bank */
	uint16_t banks[TCG_MAX_BANKS];
	bool no_decode;      /* event data as hex only */
	bool tpm2_tools;     /* tpm2_eventlog --eventlog-version=2 (tpm2-tools 5.4) values only */
	bool json;           /* the same document as one line of JSON (tcg_yaml_new_json) */
} tcg_dump_opts;

/*
 * Header and banks, every event (number, offset, PCR, type, digests, size,
 * decoded data, data binding), then the replayed PCRs. Key names follow
 * tpm2_eventlog --eventlog-version=2 where both print the same thing.
 * With tpm2_tools: only tpm2-tools 5.4's keys, with its values once parsed
 * (tcglog-dump(1) lists where they differ on purpose). A bank asked for that
 * the log lacks is refused (TCG_E_USAGE, rule pcr-bank-missing).
 */
tcg_rc tcg_dump_yaml(const tcg_log *log, const tcg_dump_opts *opts, FILE *out, tcg_err *err);

#ifdef __cplusplus
}
#endif
#endif
