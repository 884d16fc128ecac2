/*
 * YAML compliance policies (format: dha-policy(5)) and the claims documents
 * they judge (doc/claims-format.md).
 *
 * Loading is strict: unknown keys, wrong types, duplicate rule ids, bad
 * regular expressions, too deep conditions and a policy without rules are
 * errors naming FILE:LINE:COLUMN (TCG_E_FORMAT, rule "policy-..."). There is
 * no accept-all: no policy, no verdict.
 */
#ifndef TCGLOG_POLICY_H
#define TCGLOG_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tcglog/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TCG_POLICY_MAX_RULES 1024
#define TCG_POLICY_MAX_COND_DEPTH 8
#define TCG_POLICY_MAX_READS 64 /* facts recorded per rule */

/* A node of a parsed YAML document: opaque outside the library. */
typedef struct tcg_ynode tcg_ynode;
/* A parsed YAML document: the library's. */
struct tcg_ydoc;

typedef struct tcg_policy tcg_policy;

typedef enum { TCG_SEV_DENY, TCG_SEV_WARN } tcg_severity;
typedef enum { TCG_UNKNOWN_FAIL, TCG_UNKNOWN_PASS, TCG_UNKNOWN_WARN } tcg_unknown_mode;
typedef enum { TCG_RES_PASS, TCG_RES_FAIL, TCG_RES_UNKNOWN } tcg_result;
/* What a result means once `unknown:` is applied: pass, fail, or warn (an
 * unknown reported but not failing). */
typedef enum { TCG_OUT_PASS, TCG_OUT_FAIL, TCG_OUT_WARN } tcg_outcome;

/* A loaded claims document (kind: dha-claims, version 1). */
typedef struct {
	struct tcg_ydoc *doc;  /* the library's */
	const tcg_ynode *root; /* the claims, for tcg_policy_evaluate and report.h */
	bool verified;         /* verification.verified */
} tcg_claims_doc;

/* Parse and check a claims document: kind, version (newer refused), known
 * top-level sections, verification.verified a boolean, every key a name
 * (rule claims-key: 1..64 bytes of ASCII letters, digits, _ and -, starting
 * with a letter or _, so an XML name and a segment of a fact path), and health.AIKPresent, ResetCount,
 * RestartCount and TpmVersion only in claims verified against a quote
 * (verification.pcrs: quote; rule claims-quote-fact). */
tcg_rc tcg_claims_doc_parse(const uint8_t *data, size_t len, const char *file,
                            tcg_claims_doc *c, tcg_err *err);
/* The same from a file ("-": standard input, named <stdin>), read up to the
 * YAML reader's cap (4 MiB). */
tcg_rc tcg_claims_doc_load(const char *path, tcg_claims_doc *c, tcg_err *err);
void tcg_claims_doc_free(tcg_claims_doc *c);

tcg_rc tcg_policy_parse(const uint8_t *data, size_t len, const char *file, tcg_policy **out,
                        tcg_err *err);
tcg_rc tcg_policy_load(const char *path, tcg_policy **out, tcg_err *err);
void tcg_policy_free(tcg_policy *p);

const char *tcg_policy_name(const tcg_policy *p);
const char *tcg_policy_version(const tcg_policy *p);
/* SHA-256 of the policy's bytes as given to tcg_policy_parse. */
const uint8_t *tcg_policy_sha256(const tcg_policy *p);
const char *tcg_policy_rule_id(const tcg_policy *p, size_t i);
tcg_severity tcg_policy_rule_severity(const tcg_policy *p, size_t i);
tcg_unknown_mode tcg_policy_rule_unknown(const tcg_policy *p, size_t i);

/* One fact a rule read: its path and the node (NULL when absent). */
typedef struct {
	const char *path;
	const tcg_ynode *node;
} tcg_fact_read;

typedef struct {
	tcg_result result;
	tcg_outcome outcome;
	tcg_fact_read reads[TCG_POLICY_MAX_READS];
	size_t nreads;
} tcg_rule_result;

typedef struct {
	bool compliant;          /* no deny rule's outcome is fail */
	size_t nrules;
	tcg_rule_result *rules;  /* one per policy rule, in order */
} tcg_evaluation;

/* Evaluate p on a claims root. Result pointers stay valid while p and the
 * claims tree live. */
tcg_rc tcg_policy_evaluate(const tcg_policy *p, const tcg_ynode *claims, tcg_evaluation *ev,
                           tcg_err *err);
void tcg_evaluation_free(tcg_evaluation *ev);

/*
 * A golden fixture (dha-policy test; format: dha-policy(5)): a mapping of
 * description, claims: (inline) or log: with optional pcrs: and allow-sha1:
 * (files relative to the fixture; the claims derived as tcglog-claims does),
 * and expect: {verdict: compliant | non-compliant, failing: [rule ids]}.
 * Refused with FILE:LINE:COLUMN (TCG_E_FORMAT): fixture-type,
 * fixture-unknown-key, fixture-log, fixture-missing-key, fixture-verdict, and
 * the claims checks of tcg_claims_doc_parse; a file that cannot be read:
 * TCG_E_IO.
 */
typedef struct tcg_policy_fixture tcg_policy_fixture;
tcg_rc tcg_policy_fixture_load(const char *path, tcg_policy_fixture **out, tcg_err *err);
void tcg_policy_fixture_free(tcg_policy_fixture *f);
/* The claims root, to evaluate (valid until tcg_policy_fixture_free). */
const tcg_ynode *tcg_policy_fixture_claims(const tcg_policy_fixture *f);
/* expect.verdict. */
bool tcg_policy_fixture_compliant(const tcg_policy_fixture *f);
/* expect.failing: the ids of the rules expected to fail (none when absent). */
size_t tcg_policy_fixture_nfailing(const tcg_policy_fixture *f);
const char *tcg_policy_fixture_failing(const tcg_policy_fixture *f, size_t i);

/*
 * dha-policy init: write to f a starting policy that pins the facts of a
 * known-good device's claims: each boolean health fact and PCR0 (equals /
 * in), the Secure Boot and Linux lists (subset, guarded by present: true, or
 * dbx superset) and linux.KernelCmdline. *nrules: the rules written; 0 (a
 * policy without rules, which loading refuses) is the caller's error to
 * report.
 */
tcg_rc tcg_policy_write_baseline(const tcg_claims_doc *c, FILE *f, size_t *nrules,
                                 tcg_err *err);

const char *tcg_severity_name(tcg_severity s);
const char *tcg_unknown_name(tcg_unknown_mode u);
const char *tcg_result_name(tcg_result r);
const char *tcg_outcome_name(tcg_outcome o);

#ifdef __cplusplus
}
#endif
#endif
