/* Private to the DHA modules (dha.c, dha_verify.c). */
#ifndef TCGLOG_DHA_INT_H
#define TCGLOG_DHA_INT_H

#include "tcglog/dha.h"

/*
 * The quote verifier for an AK (ak_public, parsed as ak): vs's for these
 * bytes, else a new one kept in vs. Without vs a new one in *own, which the
 * caller frees (else *own is NULL).
 */
tcg_rc tcg_dha_verifier_for(tcg_dha_verifiers *vs, const uint8_t *ak_public, size_t len,
                            const tcg_public *ak, tcg_quote_verifier **qv,
                            tcg_quote_verifier **own, tcg_err *err);

/*
 * Empty c as memset would, but for the PCR banks' values (num_banks becomes
 * 0): they are most of its 13 KB and tcg_pcrs_add_bank clears a bank as it
 * adds it. Clearing all of it twice a verification was 3% of one.
 */
void tcg_dha_content_clear(tcg_dha_content *c);

/*
 * tcg_dha_content_decode, but an AK that vs holds (the same ak_public bytes)
 * is not parsed again: its name, computed when vs took it, is compared with
 * the content's, and *akp (when given) is NULL. Any other AK as there.
 * With claims_at, the claims are not copied: c->claims stays NULL and they
 * are the c->claims_len bytes at data + *claims_at (same checks), which the
 * caller keeps for as long as it uses them.
 */
tcg_rc tcg_dha_content_decode_known(const uint8_t *data, size_t len, tcg_dha_content *c,
                                    const tcg_dha_verifiers *vs, tcg_public **akp,
                                    size_t *claims_at, tcg_err *err);

/*
 * tcg_dha_content_set_claims for the issuer's own claims, without reading
 * them back: tcg_claims_write's document with the entries the parsed path
 * adds (verification.dha, the quote's health facts) spliced in where it would
 * write them (the same bytes; tests/issue compares the two).
 */
tcg_rc tcg_dha_seal_claims(tcg_dha_content *c, const uint8_t *key_id, const tcg_claims *claims,
                           tcg_err *err);

/* A duration: N, Ns, Nm, Nh or Nd, 1 second to max seconds; false otherwise. */
bool tcg_duration_parse(const char *s, int64_t max, int64_t *seconds);

#endif
