/* Private to libtcglog and its tests: what ekcert.c remembers. */
#ifndef TCGLOG_EKCERT_INT_H
#define TCGLOG_EKCERT_INT_H

#include <stdint.h>

#include "tcglog/ekcert.h"

/* Chain checks t answered from a chain that verified before (tests, benchmarks). */
uint64_t tcg_ekcert_trust_chain_hits(const tcg_ekcert_trust *t);

#endif
