/* Inside the library: the quote TPMS_ATTEST reader (attest.c) for quote.c. */
#ifndef TCGLOG_QUOTE_INT_H
#define TCGLOG_QUOTE_INT_H

#include "tcglog/quote.h"

/* tcg_attest_parse into an out the caller has already cleared (the quote
 * verifier clears its whole result once, the attestation with it). */
tcg_rc tcg_attest_read(const uint8_t *data, size_t len, tcg_attest *out, tcg_err *err);

#endif
