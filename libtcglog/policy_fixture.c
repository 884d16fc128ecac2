/* Golden policy fixtures (dha-policy test): see include/tcglog/policy.h. */
#include "tcglog/policy.h"
#include "policy_int.h"

#include <stdlib.h>
#include <string.h>

#include "tcglog/claims.h"
#include "tcglog/log.h"

struct tcg_policy_fixture {
	tcg_ydoc doc;            /* the fixture */
	tcg_ydoc derived;        /* the claims of its log:, when it has one */
	const tcg_ynode *claims; /* in doc or derived */
	bool compliant;
	const tcg_ynode *failing; /* a sequence of scalars, or NULL */
};

static tcg_rc nomem(tcg_err *err)
{
	return tcg_err_set(err, TCG_E_NOMEM, "out-of-memory", TCG_NO_OFFSET, TCG_NO_EVENT,
	                   "no memory");
}

/* A fixture file's path relative to the fixture (absolute paths as they are). */
static void fixture_path(const char *fixture, const char *rel, char *out, size_t n)
{
	const char *slash = strrchr(fixture, '/');
	if (rel[0] == '/' || !slash)
		snprintf(out, n, "%s", rel);
	else
		snprintf(out, n, "%.*s/%s", (int)(slash - fixture), fixture, rel);
}

/* The claims of a fixture's log: and pcrs:, derived as tcglog-claims does and
 * read back as a claims file would be. */
static tcg_rc derived_claims(const char *fixture, const tcg_ynode *logn, const tcg_ynode *pcrsn,
                             bool allow_sha1, tcg_ydoc *cd, tcg_err *err)
{
	char logp[4096], pcrsp[4096];
	tcg_claims_input in;
	tcg_claims_opts o = {.allow_sha1 = allow_sha1};
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	tcg_rc rc;

	fixture_path(fixture, logn->str, logp, sizeof logp);
	if (pcrsn)
		fixture_path(fixture, pcrsn->str, pcrsp, sizeof pcrsp);
	rc = tcg_claims_load(logp, pcrsn ? pcrsp : NULL, o, &in, err);
	if (!in.claims) {
		tcg_claims_input_free(&in);
		return rc ? rc : TCG_E_FORMAT;
	}
	if (!(f = open_memstream(&buf, &len))) {
		tcg_claims_input_free(&in);
		return nomem(err);
	}
	rc = tcg_claims_write(in.claims, f, err);
	fclose(f);
	tcg_claims_input_free(&in);
	if (!rc)
		rc = tcg_ydoc_parse((const uint8_t *)buf, len, logp, cd, err);
	free(buf);
	return rc;
}

static bool is_scalar(const tcg_ynode *n)
{
	return n->kind == TCG_YNODE_SCALAR;
}

/* The checks, in the order errors are reported. */
static tcg_rc check(tcg_policy_fixture *fx, const char *path, tcg_err *err)
{
	const tcg_ydoc *d = &fx->doc;
	const tcg_ynode *root = d->root, *claims = NULL, *expect = NULL, *logn = NULL,
	                *pcrsn = NULL, *sha1n = NULL;
	tcg_rc rc;

	if (root->kind != TCG_YNODE_MAP)
		return tcg_ydoc_error(err, d, root, "fixture-type", "a fixture must be a mapping");
	for (size_t i = 0; i < root->n; i++) {
		const tcg_ynode *k = root->items[2 * i], *v = root->items[2 * i + 1];
		if (!strcmp(k->str, "claims"))
			claims = v;
		else if (!strcmp(k->str, "expect"))
			expect = v;
		else if (!strcmp(k->str, "log"))
			logn = v;
		else if (!strcmp(k->str, "pcrs"))
			pcrsn = v;
		else if (!strcmp(k->str, "allow-sha1"))
			sha1n = v;
		else if (strcmp(k->str, "description"))
			return tcg_ydoc_error(err, d, k, "fixture-unknown-key",
			                      "unknown key '%.64s' in a fixture (description, claims, "
			                      "expect)",
			                      k->str);
	}
	if ((logn && (claims || !is_scalar(logn) || (pcrsn && !is_scalar(pcrsn)))) ||
	    (pcrsn && !logn))
		return tcg_ydoc_error(err, d, logn ? logn : pcrsn, "fixture-log",
		                      "give claims:, or log: with an optional pcrs: (file paths)");
	if (sha1n && (!logn || !is_scalar(sha1n) ||
	              (strcmp(sha1n->str, "true") && strcmp(sha1n->str, "false"))))
		return tcg_ydoc_error(err, d, sha1n, "fixture-log",
		                      "allow-sha1: takes true or false, beside log:");
	if (logn) {
		if ((rc = derived_claims(path, logn, pcrsn, sha1n && !strcmp(sha1n->str, "true"),
		                         &fx->derived, err)))
			return rc;
		claims = fx->derived.root;
	}
	if (!claims || !expect || expect->kind != TCG_YNODE_MAP)
		return tcg_ydoc_error(err, d, root, "fixture-missing-key",
		                      "a fixture needs claims: (or log:) and expect: {verdict, failing}");
	const tcg_ynode *verdict = NULL, *failing = NULL;
	for (size_t i = 0; i < expect->n; i++) {
		const tcg_ynode *k = expect->items[2 * i], *v = expect->items[2 * i + 1];
		if (!strcmp(k->str, "verdict"))
			verdict = v;
		else if (!strcmp(k->str, "failing"))
			failing = v;
		else
			return tcg_ydoc_error(err, d, k, "fixture-unknown-key",
			                      "unknown key '%.64s' in expect (verdict, failing)", k->str);
	}
	if (!verdict || !is_scalar(verdict) ||
	    (strcmp(verdict->str, "compliant") && strcmp(verdict->str, "non-compliant")))
		return tcg_ydoc_error(err, d, verdict ? verdict : expect, "fixture-verdict",
		                      "expect.verdict must be compliant or non-compliant");
	if (failing && failing->kind != TCG_YNODE_SEQ)
		return tcg_ydoc_error(err, d, failing, "fixture-type", "expect.failing must be a list");
	/* Rule ids are text: an entry that is a list or mapping has none. */
	for (size_t i = 0; failing && i < failing->n; i++)
		if (!is_scalar(failing->items[i]))
			return tcg_ydoc_error(err, d, failing->items[i], "fixture-type",
			                      "expect.failing must be a list of rule ids");
	bool verified;
	if ((rc = tcg_claims_check(logn ? &fx->derived : d, claims, &verified, err)))
		return rc;
	fx->claims = claims;
	fx->compliant = !strcmp(verdict->str, "compliant");
	fx->failing = failing;
	return TCG_OK;
}

tcg_rc tcg_policy_fixture_load(const char *path, tcg_policy_fixture **out, tcg_err *err)
{
	uint8_t *data;
	size_t len;
	tcg_rc rc;

	*out = NULL;
	if ((rc = tcg_read_file(path, TCG_YDOC_MAX_SIZE, &data, &len, NULL, err)))
		return rc;
	tcg_policy_fixture *fx = calloc(1, sizeof *fx);
	if (!fx) {
		free(data);
		return nomem(err);
	}
	rc = tcg_ydoc_parse(data, len, path, &fx->doc, err);
	free(data);
	if (rc || (rc = check(fx, path, err))) {
		tcg_policy_fixture_free(fx);
		return rc;
	}
	*out = fx;
	return TCG_OK;
}

void tcg_policy_fixture_free(tcg_policy_fixture *f)
{
	if (!f)
		return;
	tcg_ydoc_free(&f->derived);
	tcg_ydoc_free(&f->doc);
	free(f);
}

const tcg_ynode *tcg_policy_fixture_claims(const tcg_policy_fixture *f)
{
	return f->claims;
}

bool tcg_policy_fixture_compliant(const tcg_policy_fixture *f)
{
	return f->compliant;
}

size_t tcg_policy_fixture_nfailing(const tcg_policy_fixture *f)
{
	return f->failing ? f->failing->n : 0;
}

const char *tcg_policy_fixture_failing(const tcg_policy_fixture *f, size_t i)
{
	return f->failing && i < f->failing->n ? f->failing->items[i]->str : NULL;
}
