/* Policies and claims, private: the checks on claims already parsed (a
 * fixture's, a report's), for the library and its tests. */
#ifndef TCGLOG_POLICY_INT_H
#define TCGLOG_POLICY_INT_H

#include "tcglog/policy.h"
#include "yamldoc.h"

/* tcg_claims_doc_parse's checks on a node already parsed (a fixture's
 * claims:). The node stays owned by doc, whose file name errors use. */
tcg_rc tcg_claims_check(const tcg_ydoc *doc, const tcg_ynode *root, bool *verified,
                        tcg_err *err);
/* A claims key: 1..64 bytes of ASCII letters, digits, _ and -, starting with
 * a letter or _ (an XML name, and a segment of a dotted fact path). */
bool tcg_claims_key_ok(const tcg_ynode *k);

#endif
