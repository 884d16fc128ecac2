/* YAML policies and their evaluation: see include/tcglog/policy.h. */
#include "tcglog/policy.h"
#include "policy_int.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tcglog/log.h"
#include "tcglog/report.h"

typedef enum {
	C_ALL, C_ANY, C_NOT, C_EQUALS, C_IN, C_NOT_IN, C_MIN, C_MAX, C_MATCHES, C_PRESENT,
	C_SUBSET, C_SUPERSET,
} cop;

static const char *const op_names[] = {
	"all", "any", "not", "equals", "in", "not-in", "min", "max", "matches", "present",
	"subset", "superset",
};

typedef struct cond cond;
struct cond {
	cop op;
	char *fact;
	const tcg_ynode *arg;
	long long num;
	bool flag;
	bool has_re;
	regex_t re;
	cond **kids;
	size_t nkids;
};

typedef struct {
	char *id, *description;
	tcg_severity severity;
	tcg_unknown_mode unknown;
	cond *c;
} rule;

struct tcg_policy {
	tcg_ydoc doc;
	char *name, *version, *description;
	uint8_t sha256[32];
	rule *rules;
	size_t nrules;
};

static void cond_free(cond *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nkids; i++)
		cond_free(c->kids[i]);
	free(c->kids);
	free(c->fact);
	if (c->has_re)
		regfree(&c->re);
	free(c);
}

void tcg_policy_free(tcg_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nrules; i++) {
		free(p->rules[i].id);
		free(p->rules[i].description);
		cond_free(p->rules[i].c);
	}
	free(p->rules);
	free(p->name);
	free(p->version);
	free(p->description);
	tcg_ydoc_free(&p->doc);
	free(p);
}

static tcg_rc nomem(tcg_err *err)
{
	return tcg_err_set(err, TCG_E_NOMEM, "out-of-memory", TCG_NO_OFFSET, TCG_NO_EVENT, "out of memory");
}

static bool is_str(const tcg_ynode *n)
{
	return n && n->kind == TCG_YNODE_SCALAR && n->val == TCG_YVAL_STR;
}

static bool key_is(const tcg_ynode *k, const char *s)
{
	return k->len == strlen(s) && !memcmp(k->str, s, k->len);
}

/* A string field: copied into *out. */
static tcg_rc get_str(const tcg_ydoc *d, const tcg_ynode *n, const char *what, char **out,
                      tcg_err *err)
{
	if (!is_str(n) || n->len == 0 || strlen(n->str) != n->len)
		return tcg_ydoc_error(err, d, n, "policy-type", "%s must be a non-empty string, not %s",
		                      what, tcg_ynode_kind_name(n));
	/* The report carries it in an attribute, with no mark for escapes. */
	if (!tcg_report_text_ok(n->str, n->len))
		return tcg_ydoc_error(err, d, n, "policy-text",
		                      "%s holds a character XML cannot (a control character, "
		                      "U+FFFE or U+FFFF)",
		                      what);
	if (!(*out = strdup(n->str)))
		return nomem(err);
	return TCG_OK;
}

static const char *const sections[] = {"verification", "health", "windows", "secureboot",
                                       "linux"};

static tcg_rc check_fact_path(const tcg_ydoc *d, const tcg_ynode *n, tcg_err *err)
{
	if (!is_str(n) || n->len == 0 || n->len > 120 || strlen(n->str) != n->len)
		return tcg_ydoc_error(err, d, n, "policy-type",
		                      "fact must be a dotted path (health.SecureBootEnabled)");
	const char *s = n->str;
	size_t seglen = 0;
	for (const char *c = s;; c++) {
		if (*c == '.' || !*c) {
			if (!seglen)
				return tcg_ydoc_error(err, d, n, "policy-fact-path",
				                      "empty segment in fact path '%s'", s);
			seglen = 0;
			if (!*c)
				break;
		} else if (isalnum((unsigned char)*c) || *c == '_' || *c == '-') {
			seglen++;
		} else {
			return tcg_ydoc_error(err, d, n, "policy-fact-path",
			                      "bad character in fact path '%s'", s);
		}
	}
	size_t l = strcspn(s, ".");
	for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
		if (strlen(sections[i]) == l && !strncmp(s, sections[i], l))
			return TCG_OK;
	return tcg_ydoc_error(err, d, n, "policy-fact-path",
	                      "fact '%s' is not in a claims section (verification, health, "
	                      "windows, secureboot, linux)",
	                      s);
}

static tcg_rc scalar_list(const tcg_ydoc *d, const tcg_ynode *n, const char *op, tcg_err *err)
{
	if (!n || n->kind != TCG_YNODE_SEQ)
		return tcg_ydoc_error(err, d, n, "policy-type", "%s takes a list, not %s", op,
		                      tcg_ynode_kind_name(n));
	for (size_t i = 0; i < n->n; i++)
		if (n->items[i]->kind != TCG_YNODE_SCALAR || n->items[i]->val == TCG_YVAL_NULL)
			return tcg_ydoc_error(err, d, n->items[i], "policy-type",
			                      "%s: list items must be values, not %s", op,
			                      tcg_ynode_kind_name(n->items[i]));
	return TCG_OK;
}

static tcg_rc parse_cond(const tcg_ydoc *d, const tcg_ynode *n, unsigned depth, cond **out,
                         tcg_err *err)
{
	tcg_rc rc;
	cond *c;
	const tcg_ynode *opk = NULL, *opv = NULL, *factv = NULL;
	int op = -1;

	*out = NULL;
	if (depth >= TCG_POLICY_MAX_COND_DEPTH)
		return tcg_ydoc_error(err, d, n, "policy-too-deep", "conditions nest deeper than %d",
		                      TCG_POLICY_MAX_COND_DEPTH);
	if (!n || n->kind != TCG_YNODE_MAP)
		return tcg_ydoc_error(err, d, n, "policy-type", "a condition must be a mapping, not %s",
		                      tcg_ynode_kind_name(n));
	for (size_t i = 0; i < n->n; i++) {
		const tcg_ynode *k = n->items[2 * i], *v = n->items[2 * i + 1];
		int found = -1;
		if (key_is(k, "fact")) {
			factv = v;
			continue;
		}
		for (size_t j = 0; j < sizeof op_names / sizeof op_names[0]; j++)
			if (key_is(k, op_names[j]))
				found = (int)j;
		if (found < 0)
			return tcg_ydoc_error(err, d, k, "policy-unknown-key",
			                      "unknown key '%.64s' in a condition (operators: all, any, "
			                      "not, equals, in, not-in, min, max, matches, present, "
			                      "subset, superset)",
			                      k->str);
		if (opk)
			return tcg_ydoc_error(err, d, k, "policy-condition",
			                      "a condition takes one operator: '%s' and '%.64s'",
			                      op_names[op], k->str);
		opk = k;
		opv = v;
		op = found;
	}
	if (!opk)
		return tcg_ydoc_error(err, d, n, "policy-condition", "a condition needs an operator");
	if (!(c = calloc(1, sizeof *c)))
		return nomem(err);
	*out = c;
	c->op = (cop)op;
	c->arg = opv;
	if (op <= C_NOT) {
		if (factv)
			return tcg_ydoc_error(err, d, factv, "policy-condition",
			                      "'%s' combines conditions and takes no fact", op_names[op]);
		if (op == C_NOT) {
			c->kids = calloc(1, sizeof *c->kids);
			if (!c->kids)
				return nomem(err);
			c->nkids = 1;
			return parse_cond(d, opv, depth + 1, &c->kids[0], err);
		}
		if (opv->kind != TCG_YNODE_SEQ || opv->n == 0)
			return tcg_ydoc_error(err, d, opv, "policy-type",
			                      "'%s' takes a non-empty list of conditions", op_names[op]);
		if (!(c->kids = calloc(opv->n, sizeof *c->kids)))
			return nomem(err);
		for (size_t i = 0; i < opv->n; i++) {
			c->nkids++;
			if ((rc = parse_cond(d, opv->items[i], depth + 1, &c->kids[i], err)))
				return rc;
		}
		return TCG_OK;
	}
	if (!factv)
		return tcg_ydoc_error(err, d, opk, "policy-condition", "'%s' needs a fact: key",
		                      op_names[op]);
	if ((rc = check_fact_path(d, factv, err)))
		return rc;
	if (!(c->fact = strdup(factv->str)))
		return nomem(err);
	switch (c->op) {
	case C_EQUALS:
		if (opv->kind != TCG_YNODE_SCALAR || opv->val == TCG_YVAL_NULL)
			return tcg_ydoc_error(err, d, opv, "policy-type",
			                      "equals takes a value, not %s", tcg_ynode_kind_name(opv));
		break;
	case C_IN:
	case C_NOT_IN:
	case C_SUBSET:
	case C_SUPERSET:
		return scalar_list(d, opv, op_names[op], err);
	case C_MIN:
	case C_MAX:
		if (opv->kind != TCG_YNODE_SCALAR || opv->val != TCG_YVAL_INT)
			return tcg_ydoc_error(err, d, opv, "policy-type", "%s takes an integer, not %s",
			                      op_names[op], tcg_ynode_kind_name(opv));
		c->num = opv->i;
		break;
	case C_PRESENT:
		if (opv->kind != TCG_YNODE_SCALAR || opv->val != TCG_YVAL_BOOL)
			return tcg_ydoc_error(err, d, opv, "policy-type",
			                      "present takes true or false, not %s",
			                      tcg_ynode_kind_name(opv));
		c->flag = opv->b;
		break;
	case C_MATCHES: {
		if (!is_str(opv) || strlen(opv->str) != opv->len)
			return tcg_ydoc_error(err, d, opv, "policy-type",
			                      "matches takes a regular expression string, not %s",
			                      tcg_ynode_kind_name(opv));
		int e = regcomp(&c->re, opv->str, REG_EXTENDED | REG_NOSUB);
		if (e) {
			char m[128];
			regerror(e, &c->re, m, sizeof m);
			return tcg_ydoc_error(err, d, opv, "policy-regex",
			                      "bad regular expression '%.64s': %s", opv->str, m);
		}
		c->has_re = true;
		break;
	}
	default:
		break;
	}
	return TCG_OK;
}

static tcg_rc parse_rule(const tcg_ydoc *d, const tcg_ynode *n, rule *r, tcg_err *err)
{
	tcg_rc rc;
	const tcg_ynode *cond_node = NULL, *sev = NULL;

	r->unknown = TCG_UNKNOWN_FAIL;
	if (n->kind != TCG_YNODE_MAP)
		return tcg_ydoc_error(err, d, n, "policy-type", "a rule must be a mapping, not %s",
		                      tcg_ynode_kind_name(n));
	for (size_t i = 0; i < n->n; i++) {
		const tcg_ynode *k = n->items[2 * i], *v = n->items[2 * i + 1];
		if (key_is(k, "id")) {
			if ((rc = get_str(d, v, "id", &r->id, err)))
				return rc;
		} else if (key_is(k, "description")) {
			if ((rc = get_str(d, v, "description", &r->description, err)))
				return rc;
		} else if (key_is(k, "severity")) {
			sev = v;
			if (is_str(v) && !strcmp(v->str, "deny"))
				r->severity = TCG_SEV_DENY;
			else if (is_str(v) && !strcmp(v->str, "warn"))
				r->severity = TCG_SEV_WARN;
			else
				return tcg_ydoc_error(err, d, v, "policy-bad-value",
				                      "severity must be deny or warn");
		} else if (key_is(k, "unknown")) {
			if (is_str(v) && !strcmp(v->str, "fail"))
				r->unknown = TCG_UNKNOWN_FAIL;
			else if (is_str(v) && !strcmp(v->str, "pass"))
				r->unknown = TCG_UNKNOWN_PASS;
			else if (is_str(v) && !strcmp(v->str, "warn"))
				r->unknown = TCG_UNKNOWN_WARN;
			else
				return tcg_ydoc_error(err, d, v, "policy-bad-value",
				                      "unknown must be fail, pass or warn");
		} else if (key_is(k, "condition")) {
			cond_node = v;
		} else {
			return tcg_ydoc_error(err, d, k, "policy-unknown-key",
			                      "unknown key '%.64s' in a rule (id, description, "
			                      "severity, unknown, condition)",
			                      k->str);
		}
	}
	if (!r->id)
		return tcg_ydoc_error(err, d, n, "policy-missing-key", "a rule needs an id");
	if (!sev)
		return tcg_ydoc_error(err, d, n, "policy-missing-key", "rule '%s' needs a severity",
		                      r->id);
	if (!cond_node)
		return tcg_ydoc_error(err, d, n, "policy-missing-key", "rule '%s' needs a condition",
		                      r->id);
	return parse_cond(d, cond_node, 0, &r->c, err);
}

tcg_rc tcg_policy_parse(const uint8_t *data, size_t len, const char *file, tcg_policy **out,
                        tcg_err *err)
{
	tcg_policy *p = calloc(1, sizeof *p);
	const tcg_ynode *root, *rules = NULL, *rules_key = NULL;
	tcg_rc rc;

	*out = NULL;
	if (!p)
		return nomem(err);
	if ((rc = tcg_ydoc_parse(data, len, file, &p->doc, err)))
		goto fail;
	if (!EVP_Digest(data, len, p->sha256, NULL, EVP_sha256(), NULL)) {
		rc = nomem(err);
		goto fail;
	}
	root = p->doc.root;
	if (root->kind != TCG_YNODE_MAP) {
		rc = tcg_ydoc_error(err, &p->doc, root, "policy-type",
		                    "a policy must be a mapping, not %s", tcg_ynode_kind_name(root));
		goto fail;
	}
	for (size_t i = 0; i < root->n; i++) {
		const tcg_ynode *k = root->items[2 * i], *v = root->items[2 * i + 1];
		if (key_is(k, "name")) {
			rc = get_str(&p->doc, v, "name", &p->name, err);
		} else if (key_is(k, "description")) {
			rc = get_str(&p->doc, v, "description", &p->description, err);
		} else if (key_is(k, "version")) {
			if (v->kind != TCG_YNODE_SCALAR ||
			    (v->val != TCG_YVAL_INT && v->val != TCG_YVAL_STR) || !v->len ||
			    strlen(v->str) != v->len)
				rc = tcg_ydoc_error(err, &p->doc, v, "policy-type",
				                    "version must be a number or a string, not %s",
				                    tcg_ynode_kind_name(v));
			else if (!tcg_report_text_ok(v->str, v->len))
				rc = tcg_ydoc_error(err, &p->doc, v, "policy-text",
				                    "version holds a character XML cannot (a control "
				                    "character, U+FFFE or U+FFFF)");
			else if (!(p->version = strdup(v->str)))
				rc = nomem(err);
		} else if (key_is(k, "rules")) {
			rules = v;
			rules_key = k;
		} else {
			rc = tcg_ydoc_error(err, &p->doc, k, "policy-unknown-key",
			                    "unknown key '%.64s' in a policy (name, version, "
			                    "description, rules)",
			                    k->str);
		}
		if (rc)
			goto fail;
	}
	if (!p->name || !p->version || !rules) {
		rc = tcg_ydoc_error(err, &p->doc, root, "policy-missing-key",
		                    "a policy needs %s", !p->name ? "a name" :
		                    !p->version ? "a version" : "rules");
		goto fail;
	}
	if (rules->kind != TCG_YNODE_SEQ) {
		rc = tcg_ydoc_error(err, &p->doc, rules, "policy-type", "rules must be a list, not %s",
		                    tcg_ynode_kind_name(rules));
		goto fail;
	}
	if (rules->n == 0) {
		rc = tcg_ydoc_error(err, &p->doc, rules_key, "policy-no-rules",
		                    "a policy without rules would accept everything");
		goto fail;
	}
	if (rules->n > TCG_POLICY_MAX_RULES) {
		rc = tcg_ydoc_error(err, &p->doc, rules, "policy-too-many-rules",
		                    "more than %d rules", TCG_POLICY_MAX_RULES);
		goto fail;
	}
	if (!(p->rules = calloc(rules->n, sizeof *p->rules))) {
		rc = nomem(err);
		goto fail;
	}
	for (size_t i = 0; i < rules->n; i++) {
		p->nrules++;
		if ((rc = parse_rule(&p->doc, rules->items[i], &p->rules[i], err)))
			goto fail;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(p->rules[j].id, p->rules[i].id)) {
				rc = tcg_ydoc_error(err, &p->doc, tcg_ynode_get(rules->items[i], "id"),
				                    "policy-duplicate-id", "duplicate rule id '%.64s'",
				                    p->rules[i].id);
				goto fail;
			}
	}
	*out = p;
	return TCG_OK;
fail:
	tcg_policy_free(p);
	return rc;
}

tcg_rc tcg_policy_load(const char *path, tcg_policy **out, tcg_err *err)
{
	uint8_t *data;
	size_t len;
	tcg_rc rc = tcg_read_file(path, TCG_YDOC_MAX_SIZE, &data, &len, NULL, err);
	if (rc)
		return rc;
	rc = tcg_policy_parse(data, len, path, out, err);
	free(data);
	return rc;
}

const char *tcg_policy_name(const tcg_policy *p) { return p->name; }
const char *tcg_policy_version(const tcg_policy *p) { return p->version; }
const uint8_t *tcg_policy_sha256(const tcg_policy *p) { return p->sha256; }
const char *tcg_policy_rule_id(const tcg_policy *p, size_t i) { return p->rules[i].id; }
tcg_severity tcg_policy_rule_severity(const tcg_policy *p, size_t i)
{
	return p->rules[i].severity;
}
tcg_unknown_mode tcg_policy_rule_unknown(const tcg_policy *p, size_t i)
{
	return p->rules[i].unknown;
}

/* ---- evaluation ---- */

/* Established: present, not null, not the word "unknown". */
static bool established(const tcg_ynode *n)
{
	if (!n)
		return false;
	if (n->kind == TCG_YNODE_SCALAR &&
	    (n->val == TCG_YVAL_NULL || (n->val == TCG_YVAL_STR && !strcmp(n->str, "unknown"))))
		return false;
	return true;
}

/*
 * What present: true asks: the fact is established in claims that something
 * verified (verification.verified true), and a list holds an entry. An empty
 * list proves nothing is there only where a verified event measured it empty;
 * a guard cannot tell that from a writer that listed nothing for a fact nobody
 * measured, so it does not pass on one (the list operators still read []).
 */
static bool present(const tcg_ynode *claims, const tcg_ynode *f)
{
	const tcg_ynode *v = tcg_ynode_path(claims, "verification.verified");
	if (!v || v->kind != TCG_YNODE_SCALAR || v->val != TCG_YVAL_BOOL || !v->b)
		return false;
	if (f && f->kind == TCG_YNODE_SEQ && f->n == 0)
		return false;
	return established(f);
}

static bool is_hex(const tcg_ynode *n)
{
	if (n->len == 0 || n->len % 2)
		return false;
	for (size_t i = 0; i < n->len; i++)
		if (!isxdigit((unsigned char)n->str[i]))
			return false;
	return true;
}

/* Scalar equality by type; hex strings compare without regard to case. */
static bool value_eq(const tcg_ynode *a, const tcg_ynode *b)
{
	if (a->kind != TCG_YNODE_SCALAR || b->kind != TCG_YNODE_SCALAR || a->val != b->val)
		return false;
	switch (a->val) {
	case TCG_YVAL_BOOL:
		return a->b == b->b;
	case TCG_YVAL_INT:
		return a->i == b->i;
	case TCG_YVAL_NULL:
		return true;
	default:
		if (a->len != b->len)
			return false;
		if (!memcmp(a->str, b->str, a->len))
			return true;
		return is_hex(a) && is_hex(b) && !strncasecmp(a->str, b->str, a->len);
	}
}

static bool list_has(const tcg_ynode *list, const tcg_ynode *v)
{
	for (size_t i = 0; i < list->n; i++)
		if (value_eq(list->items[i], v))
			return true;
	return false;
}

static void record(tcg_rule_result *rr, const char *path, const tcg_ynode *n)
{
	for (size_t i = 0; i < rr->nreads; i++)
		if (!strcmp(rr->reads[i].path, path))
			return;
	if (rr->nreads < TCG_POLICY_MAX_READS)
		rr->reads[rr->nreads++] = (tcg_fact_read){path, n};
}

static tcg_result eval(const cond *c, const tcg_ynode *claims, tcg_rule_result *rr)
{
	tcg_result r;
	bool unknown = false;

	switch (c->op) {
	case C_ALL:
		r = TCG_RES_PASS;
		for (size_t i = 0; i < c->nkids; i++) {
			tcg_result k = eval(c->kids[i], claims, rr);
			if (k == TCG_RES_FAIL)
				r = TCG_RES_FAIL;
			else if (k == TCG_RES_UNKNOWN)
				unknown = true;
		}
		return r == TCG_RES_FAIL ? r : unknown ? TCG_RES_UNKNOWN : TCG_RES_PASS;
	case C_ANY:
		r = TCG_RES_FAIL;
		for (size_t i = 0; i < c->nkids; i++) {
			tcg_result k = eval(c->kids[i], claims, rr);
			if (k == TCG_RES_PASS)
				r = TCG_RES_PASS;
			else if (k == TCG_RES_UNKNOWN)
				unknown = true;
		}
		return r == TCG_RES_PASS ? r : unknown ? TCG_RES_UNKNOWN : TCG_RES_FAIL;
	case C_NOT:
		r = eval(c->kids[0], claims, rr);
		return r == TCG_RES_PASS ? TCG_RES_FAIL : r == TCG_RES_FAIL ? TCG_RES_PASS : r;
	default:
		break;
	}

	const tcg_ynode *f = tcg_ynode_path(claims, c->fact);
	record(rr, c->fact, f);
	if (c->op == C_PRESENT)
		return present(claims, f) == c->flag ? TCG_RES_PASS : TCG_RES_FAIL;
	if (!established(f))
		return TCG_RES_UNKNOWN;
	switch (c->op) {
	case C_EQUALS:
		return value_eq(f, c->arg) ? TCG_RES_PASS : TCG_RES_FAIL;
	case C_IN:
		return f->kind == TCG_YNODE_SCALAR && list_has(c->arg, f) ? TCG_RES_PASS
		                                                          : TCG_RES_FAIL;
	case C_NOT_IN:
		return f->kind == TCG_YNODE_SCALAR && !list_has(c->arg, f) ? TCG_RES_PASS
		                                                           : TCG_RES_FAIL;
	case C_MIN:
		return f->kind == TCG_YNODE_SCALAR && f->val == TCG_YVAL_INT && f->i >= c->num
		               ? TCG_RES_PASS
		               : TCG_RES_FAIL;
	case C_MAX:
		return f->kind == TCG_YNODE_SCALAR && f->val == TCG_YVAL_INT && f->i <= c->num
		               ? TCG_RES_PASS
		               : TCG_RES_FAIL;
	case C_MATCHES:
		return f->kind == TCG_YNODE_SCALAR && strlen(f->str) == f->len &&
		               regexec(&c->re, f->str, 0, NULL, 0) == 0
		               ? TCG_RES_PASS
		               : TCG_RES_FAIL;
	case C_SUBSET:
		if (f->kind != TCG_YNODE_SEQ)
			return TCG_RES_FAIL;
		for (size_t i = 0; i < f->n; i++)
			if (!list_has(c->arg, f->items[i]))
				return TCG_RES_FAIL;
		return TCG_RES_PASS;
	case C_SUPERSET:
		if (f->kind != TCG_YNODE_SEQ)
			return TCG_RES_FAIL;
		for (size_t i = 0; i < c->arg->n; i++)
			if (!list_has(f, c->arg->items[i]))
				return TCG_RES_FAIL;
		return TCG_RES_PASS;
	default:
		return TCG_RES_FAIL;
	}
}

tcg_rc tcg_policy_evaluate(const tcg_policy *p, const tcg_ynode *claims, tcg_evaluation *ev,
                           tcg_err *err)
{
	memset(ev, 0, sizeof *ev);
	if (!(ev->rules = calloc(p->nrules, sizeof *ev->rules)))
		return nomem(err);
	ev->nrules = p->nrules;
	ev->compliant = true;
	for (size_t i = 0; i < p->nrules; i++) {
		tcg_rule_result *rr = &ev->rules[i];
		rr->result = eval(p->rules[i].c, claims, rr);
		if (rr->result == TCG_RES_PASS)
			rr->outcome = TCG_OUT_PASS;
		else if (rr->result == TCG_RES_FAIL)
			rr->outcome = TCG_OUT_FAIL;
		else
			rr->outcome = p->rules[i].unknown == TCG_UNKNOWN_PASS   ? TCG_OUT_PASS
			              : p->rules[i].unknown == TCG_UNKNOWN_WARN ? TCG_OUT_WARN
			                                                        : TCG_OUT_FAIL;
		if (rr->outcome == TCG_OUT_FAIL && p->rules[i].severity == TCG_SEV_DENY)
			ev->compliant = false;
	}
	return TCG_OK;
}

void tcg_evaluation_free(tcg_evaluation *ev)
{
	free(ev->rules);
	ev->rules = NULL;
	ev->nrules = 0;
}

const char *tcg_severity_name(tcg_severity s) { return s == TCG_SEV_WARN ? "warn" : "deny"; }
const char *tcg_unknown_name(tcg_unknown_mode u)
{
	return u == TCG_UNKNOWN_PASS ? "pass" : u == TCG_UNKNOWN_WARN ? "warn" : "fail";
}
const char *tcg_result_name(tcg_result r)
{
	return r == TCG_RES_PASS ? "pass" : r == TCG_RES_FAIL ? "fail" : "unknown";
}
const char *tcg_outcome_name(tcg_outcome o)
{
	return o == TCG_OUT_PASS ? "pass" : o == TCG_OUT_FAIL ? "fail" : "warn";
}

/* ---- claims documents ---- */

bool tcg_claims_key_ok(const tcg_ynode *k)
{
	if (!k || k->kind != TCG_YNODE_SCALAR || k->len == 0 || k->len > 64 ||
	    strlen(k->str) != k->len)
		return false;
	if (!isalpha((unsigned char)k->str[0]) && k->str[0] != '_')
		return false;
	for (size_t i = 1; i < k->len; i++)
		if (!isalnum((unsigned char)k->str[i]) && k->str[i] != '_' && k->str[i] != '-')
			return false;
	return true;
}

/* Every mapping key under n is a claims key (the report names facts by them). */
static tcg_rc check_keys(const tcg_ydoc *doc, const tcg_ynode *n, tcg_err *err)
{
	if (n->kind == TCG_YNODE_SCALAR)
		return TCG_OK;
	for (size_t i = 0; i < n->n; i++) {
		tcg_rc rc;
		const tcg_ynode *v = n->kind == TCG_YNODE_MAP ? n->items[2 * i + 1] : n->items[i];
		if (n->kind == TCG_YNODE_MAP && !tcg_claims_key_ok(n->items[2 * i]))
			return tcg_ydoc_error(err, doc, n->items[2 * i], "claims-key",
			                      "a claims key is a name of 1..64 letters, digits, _ "
			                      "and -, starting with a letter or _");
		if ((rc = check_keys(doc, v, err)))
			return rc;
	}
	return TCG_OK;
}

/* The health facts only a verified quote establishes (dha-verify writes them). */
static const char *const quote_facts[] = {"AIKPresent", "ResetCount", "RestartCount",
                                          "TpmVersion"};

tcg_rc tcg_claims_check(const tcg_ydoc *doc, const tcg_ynode *root, bool *verified,
                        tcg_err *err)
{
	static const char *const keys[] = {"kind", "version", "verification", "health",
	                                   "windows", "secureboot", "linux"};
	if (!root || root->kind != TCG_YNODE_MAP)
		return tcg_ydoc_error(err, doc, root, "claims-type",
		                      "claims must be a mapping, not %s", tcg_ynode_kind_name(root));
	for (size_t i = 0; i < root->n; i++) {
		const tcg_ynode *k = root->items[2 * i], *v = root->items[2 * i + 1];
		bool known = false;
		for (size_t j = 0; j < sizeof keys / sizeof keys[0]; j++)
			known |= key_is(k, keys[j]);
		if (!known)
			return tcg_ydoc_error(err, doc, k, "claims-unknown-key",
			                      "unknown key '%.64s' in claims", k->str);
		if (v->kind != TCG_YNODE_MAP && !key_is(k, "kind") && !key_is(k, "version"))
			return tcg_ydoc_error(err, doc, v, "claims-type",
			                      "section '%.64s' must be a mapping", k->str);
	}
	const tcg_ynode *kind = tcg_ynode_get(root, "kind"), *ver = tcg_ynode_get(root, "version");
	if (!is_str(kind) || strcmp(kind->str, "dha-claims"))
		return tcg_ydoc_error(err, doc, kind ? kind : root, "claims-kind",
		                      "kind must be dha-claims");
	if (!ver || ver->kind != TCG_YNODE_SCALAR || ver->val != TCG_YVAL_INT || ver->i < 1)
		return tcg_ydoc_error(err, doc, ver ? ver : root, "claims-version",
		                      "version must be a positive integer");
	if (ver->i > 1)
		return tcg_ydoc_error(err, doc, ver, "claims-version",
		                      "version %lld is newer than this reader (1)", ver->i);
	const tcg_ynode *vf = tcg_ynode_get(root, "verification");
	const tcg_ynode *v = tcg_ynode_get(vf, "verified");
	if (!vf || vf->kind != TCG_YNODE_MAP)
		return tcg_ydoc_error(err, doc, vf ? vf : root, "claims-verification",
		                      "claims need a verification: section");
	if (!v || v->kind != TCG_YNODE_SCALAR || v->val != TCG_YVAL_BOOL)
		return tcg_ydoc_error(err, doc, v ? v : vf, "claims-verification",
		                      "verification.verified must be true or false");
	const tcg_ynode *src = tcg_ynode_get(vf, "pcrs");
	bool quoted = v->b && is_str(src) && !strcmp(src->str, "quote");
	const tcg_ynode *h = tcg_ynode_get(root, "health");
	for (size_t i = 0; h && !quoted && i < sizeof quote_facts / sizeof quote_facts[0]; i++) {
		const tcg_ynode *q = tcg_ynode_get(h, quote_facts[i]);
		if (q)
			return tcg_ydoc_error(err, doc, q, "claims-quote-fact",
			                      "health.%s comes only from a verified quote "
			                      "(verification.pcrs: quote)",
			                      quote_facts[i]);
	}
	for (size_t i = 0; i < root->n; i++) {
		tcg_rc rc = check_keys(doc, root->items[2 * i + 1], err);
		if (rc)
			return rc;
	}
	*verified = v->b;
	return TCG_OK;
}

tcg_rc tcg_claims_doc_parse(const uint8_t *data, size_t len, const char *file,
                            tcg_claims_doc *c, tcg_err *err)
{
	tcg_rc rc;
	memset(c, 0, sizeof *c);
	if (!(c->doc = calloc(1, sizeof *c->doc)))
		return tcg_err_set(err, TCG_E_NOMEM, "out-of-memory", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "no memory");
	if ((rc = tcg_ydoc_parse(data, len, file, c->doc, err)) ||
	    (rc = tcg_claims_check(c->doc, c->doc->root, &c->verified, err))) {
		tcg_claims_doc_free(c);
		return rc;
	}
	c->root = c->doc->root;
	return TCG_OK;
}

tcg_rc tcg_claims_doc_load(const char *path, tcg_claims_doc *c, tcg_err *err)
{
	uint8_t *data;
	size_t len;
	memset(c, 0, sizeof *c);
	tcg_rc rc = tcg_read_file(path, TCG_YDOC_MAX_SIZE, &data, &len, NULL, err);
	if (rc)
		return rc;
	rc = tcg_claims_doc_parse(data, len, strcmp(path, "-") ? path : "<stdin>", c, err);
	free(data);
	return rc;
}

void tcg_claims_doc_free(tcg_claims_doc *c)
{
	if (!c)
		return;
	tcg_ydoc_free(c->doc);
	free(c->doc);
	memset(c, 0, sizeof *c);
}
