/* Sets of PCR values per bank: replay results and values read from files. */
#ifndef TCGLOG_PCRS_H
#define TCGLOG_PCRS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tcglog/digest.h"
#include "tcglog/error.h"
#include "tcglog/log.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
	uint16_t alg;
	uint16_t size;
	uint32_t present;                          /* bit i: PCR i has a value */
	uint8_t value[TCG_NUM_PCRS][TCG_MAX_DIGEST];
} tcg_pcr_bank;

typedef struct {
	size_t num_banks;
	tcg_pcr_bank bank[TCG_MAX_BANKS];
} tcg_pcr_values;

/* The bank for alg, or NULL. */
tcg_pcr_bank *tcg_pcrs_bank(tcg_pcr_values *v, uint16_t alg);
const tcg_pcr_bank *tcg_pcrs_bank_const(const tcg_pcr_values *v, uint16_t alg);
/* The bank for alg, added empty when missing; NULL when the set is full. */
tcg_pcr_bank *tcg_pcrs_add_bank(tcg_pcr_values *v, uint16_t alg);

/*
 * Read PCR values from the YAML layout of tpm2_pcrread (banks at the top
 * level or indented, optionally under "pcrs:"), or from the binary file that
 * `tpm2_quote -o` writes (TPML_PCR_SELECTION, count, TPML_DIGEST values).
 * name is used in messages.
 */
tcg_rc tcg_pcrs_parse(const uint8_t *data, size_t len, const char *name,
                      tcg_pcr_values *out, tcg_err *err);

/* "0,1,7", "0-7", "all"; sets *mask bit i for PCR i. False when malformed. */
bool tcg_pcr_list_parse(const char *s, uint32_t *mask);

#ifdef __cplusplus
}
#endif
#endif
