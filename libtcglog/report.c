/* The DHA-Report XML through libxml2 (xml_dl.h): see include/tcglog/report.h. */
#include "tcglog/report.h"
#include "policy_int.h"
#include "xml_dl.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static tcg_rc nomem(tcg_err *err)
{
	return tcg_err_set(err, TCG_E_NOMEM, "out-of-memory", TCG_NO_OFFSET, TCG_NO_EVENT, "out of memory");
}

static char *dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* An XML 1.0 Char (a code point a document may hold). */
static bool xml_char(uint32_t c)
{
	return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
	       (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong form, no
 * surrogate, at most U+10FFFF) and its code point; 0 when there is none. */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t k;
	uint32_t c, min;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0)
		k = 2, c = s[0] & 0x1Fu, min = 0x80;
	else if ((s[0] & 0xF0) == 0xE0)
		k = 3, c = s[0] & 0x0Fu, min = 0x800;
	else if ((s[0] & 0xF8) == 0xF0)
		k = 4, c = s[0] & 0x07u, min = 0x10000;
	else
		return 0;
	if (k > n)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3Fu);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return k;
}

/*
 * Text for the report from n bytes (NULs included). Text that is all XML
 * characters in UTF-8 is copied as it is (*escaped false). Otherwise the whole
 * text is escaped (*escaped true): a character XML cannot hold becomes \uXXXX,
 * a byte that is not UTF-8 \xHH, a backslash \\; so nothing is lost or cut
 * short, and the escaped form reads back to the original bytes. force escapes
 * clean text too (the items of a list are all in one form).
 */
static char *xml_text_n(const char *s, size_t n, bool force, bool *escaped)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t cp;
	size_t i, k;
	*escaped = false;
	if (!s)
		return strdup("");
	bool clean = !force && tcg_report_text_ok(s, n);
	if (clean)
		return dupn(s, n);
	if (n > (SIZE_MAX - 1) / 6)
		return NULL;
	char *d = malloc(6 * n + 1), *o = d;
	if (!d)
		return NULL;
	for (i = 0; i < n; i += k) {
		k = utf8_seq(u + i, n - i, &cp);
		if (!k) {
			o += sprintf(o, "\\x%02X", u[i]);
			k = 1;
		} else if (cp == '\\') {
			*o++ = '\\';
			*o++ = '\\';
		} else if (!xml_char(cp)) {
			o += sprintf(o, "\\u%04X", (unsigned)cp);
		} else {
			memcpy(o, s + i, k);
			o += k;
		}
	}
	*o = '\0';
	*escaped = true;
	return d;
}

bool tcg_report_text_ok(const char *s, size_t n)
{
	uint32_t cp;
	for (size_t i = 0, k; i < n; i += k)
		if (!(k = utf8_seq((const unsigned char *)s + i, n - i, &cp)) || !xml_char(cp))
			return false;
	return true;
}

/* A NUL-terminated string (policy name, rule id) for an attribute. */
static char *xml_text(const char *s)
{
	bool e;
	return xml_text_n(s, s ? strlen(s) : 0, false, &e);
}

static void fact_free(tcg_report_fact *f)
{
	free(f->path);
	free(f->type);
	free(f->value);
	for (size_t i = 0; i < f->nitems; i++)
		free(f->items[i]);
	free(f->items);
}

void tcg_report_free(tcg_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nrules; i++) {
		tcg_report_rule *u = &r->rules[i];
		free(u->id);
		free(u->severity);
		free(u->unknown);
		free(u->result);
		free(u->outcome);
		for (size_t j = 0; j < u->nreads; j++)
			fact_free(&u->reads[j]);
		free(u->reads);
	}
	free(r->rules);
	for (size_t i = 0; i < r->nfacts; i++)
		fact_free(&r->facts[i]);
	free(r->facts);
	free(r->error_message);
	free(r->issued);
	free(r->policy_name);
	free(r->policy_version);
	free(r->policy_sha256);
	memset(r, 0, sizeof *r);
}

static const char *scalar_type(const tcg_ynode *n)
{
	switch (n->val) {
	case TCG_YVAL_BOOL:
		return "bool";
	case TCG_YVAL_INT:
		return "int";
	case TCG_YVAL_NULL:
		return "null";
	default:
		return "string";
	}
}

static bool scalar_list(const tcg_ynode *n)
{
	if (n->kind != TCG_YNODE_SEQ)
		return false;
	for (size_t i = 0; i < n->n; i++)
		if (n->items[i]->kind != TCG_YNODE_SCALAR)
			return false;
	return true;
}

/* Fill f from node n (NULL: absent; a mapping or nested list: "structure"). */
static int fact_from_node(tcg_report_fact *f, const char *path, const tcg_ynode *n)
{
	bool e;
	memset(f, 0, sizeof *f);
	if (!(f->path = strdup(path)))
		return -1;
	const char *type = !n ? "absent"
	                   : n->kind == TCG_YNODE_SCALAR ? scalar_type(n)
	                   : scalar_list(n)              ? "list"
	                                                 : "structure";
	if (!(f->type = strdup(type)))
		return -1;
	if (n && n->kind == TCG_YNODE_SCALAR) {
		if (!(f->value = xml_text_n(n->str, n->len, false, &f->escaped)))
			return -1;
	}
	if (n && !strcmp(type, "list") && n->n) {
		for (size_t i = 0; i < n->n; i++) {
			char *t = xml_text_n(n->items[i]->str, n->items[i]->len, false, &e);
			free(t);
			if (!t)
				return -1;
			f->escaped |= e;
		}
		if (!(f->items = calloc(n->n, sizeof *f->items)))
			return -1;
		for (size_t i = 0; i < n->n; i++) {
			if (!(f->items[i] = xml_text_n(n->items[i]->str, n->items[i]->len,
			                               f->escaped, &e)))
				return -1;
			f->nitems++;
		}
	}
	return 0;
}

typedef struct {
	tcg_report *r;
	size_t cap;
} facts_acc;

/* 0, -1 out of memory, -2 a key that is not a claims key (tcg_claims_key_ok). */
static int add_facts(facts_acc *a, const char *path, const tcg_ynode *n, unsigned depth)
{
	char sub[512];
	if (depth > TCG_YDOC_MAX_DEPTH)
		return 0;
	if (n->kind == TCG_YNODE_SCALAR || scalar_list(n)) {
		if (a->r->nfacts >= TCG_REPORT_MAX_FACTS)
			return 0;
		if (a->r->nfacts == a->cap) {
			size_t nc = a->cap ? a->cap * 2 : 64;
			tcg_report_fact *nf = realloc(a->r->facts, nc * sizeof *nf);
			if (!nf)
				return -1;
			a->r->facts = nf;
			a->cap = nc;
		}
		if (fact_from_node(&a->r->facts[a->r->nfacts], path, n)) {
			fact_free(&a->r->facts[a->r->nfacts]);
			return -1;
		}
		a->r->nfacts++;
		return 0;
	}
	for (size_t i = 0; i < n->n; i++) {
		int w, rc;
		if (n->kind == TCG_YNODE_MAP) {
			const tcg_ynode *k = n->items[2 * i];
			if (!tcg_claims_key_ok(k))
				return -2;
			w = snprintf(sub, sizeof sub, "%s.%s", path, k->str);
			if (w < 0 || (size_t)w >= sizeof sub)
				continue;
			if ((rc = add_facts(a, sub, n->items[2 * i + 1], depth + 1)))
				return rc;
		} else {
			w = snprintf(sub, sizeof sub, "%s.%zu", path, i);
			if (w < 0 || (size_t)w >= sizeof sub)
				continue;
			if ((rc = add_facts(a, sub, n->items[i], depth + 1)))
				return rc;
		}
	}
	return 0;
}

static tcg_rc facts_error(tcg_report *r, int rc, tcg_err *err)
{
	tcg_report_free(r);
	if (rc == -2)
		return tcg_err_set(err, TCG_E_FORMAT, "claims-key", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "a claims key is not a name (letters, digits, _ and -, "
		                   "1..64 bytes, not starting with a digit or -)");
	return nomem(err);
}

static char *hexstr(const uint8_t *p, size_t n)
{
	char *s = malloc(2 * n + 1);
	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++)
		snprintf(s + 2 * i, 3, "%02x", p[i]);
	s[2 * n] = '\0';
	return s;
}

static bool is_text(const tcg_ynode *n)
{
	return n && n->kind == TCG_YNODE_SCALAR && n->val == TCG_YVAL_STR && n->len == strlen(n->str);
}

/* Offline unless the claims are verified against a quote (verification.pcrs:
 * quote): PCR values from a file prove the log, not the device that booted it. */
static bool claims_offline(const tcg_ynode *claims)
{
	const tcg_ynode *vf = tcg_ynode_get(claims, "verification");
	const tcg_ynode *v = tcg_ynode_get(vf, "verified"), *src = tcg_ynode_get(vf, "pcrs");
	bool verified = v && v->kind == TCG_YNODE_SCALAR && v->val == TCG_YVAL_BOOL && v->b;
	return !verified || !is_text(src) || strcmp(src->str, "quote");
}

tcg_rc tcg_report_build(const tcg_policy *p, const tcg_evaluation *ev, const tcg_ynode *claims,
                        time_t now, tcg_report *r, tcg_err *err)
{
	static const char *const sections[] = {"verification", "health", "windows",
	                                       "secureboot", "linux"};
	char when[32];
	struct tm tm;
	int frc;

	memset(r, 0, sizeof *r);
	r->protocol_version = 3;
	r->offline = claims_offline(claims);
	r->compliant = ev->compliant;
	const tcg_ynode *v = tcg_ynode_get(tcg_ynode_get(claims, "verification"), "verified");
	const char *msg = !r->offline ? ""
	                  : v && v->kind == TCG_YNODE_SCALAR && v->val == TCG_YVAL_BOOL && v->b
	                          ? "offline appraisal: PCR values not from a quote"
	                          : "offline appraisal of unverified claims";
	if (!gmtime_r(&now, &tm) || !strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(when, sizeof when, "1970-01-01T00:00:00Z");
	if (!(r->issued = strdup(when)) || !(r->error_message = strdup(msg)) ||
	    !(r->policy_name = xml_text(tcg_policy_name(p))) ||
	    !(r->policy_version = xml_text(tcg_policy_version(p))) ||
	    !(r->policy_sha256 = hexstr(tcg_policy_sha256(p), 32)))
		goto oom;
	if (ev->nrules && !(r->rules = calloc(ev->nrules, sizeof *r->rules)))
		goto oom;
	for (size_t i = 0; i < ev->nrules; i++) {
		tcg_report_rule *u = &r->rules[r->nrules++];
		const tcg_rule_result *rr = &ev->rules[i];
		if (!(u->id = xml_text(tcg_policy_rule_id(p, i))) ||
		    !(u->severity = strdup(tcg_severity_name(tcg_policy_rule_severity(p, i)))) ||
		    !(u->unknown = strdup(tcg_unknown_name(tcg_policy_rule_unknown(p, i)))) ||
		    !(u->result = strdup(tcg_result_name(rr->result))) ||
		    !(u->outcome = strdup(tcg_outcome_name(rr->outcome))))
			goto oom;
		if (rr->nreads && !(u->reads = calloc(rr->nreads, sizeof *u->reads)))
			goto oom;
		for (size_t j = 0; j < rr->nreads; j++) {
			u->nreads++;
			if (fact_from_node(&u->reads[j], rr->reads[j].path, rr->reads[j].node))
				goto oom;
		}
	}
	facts_acc a = {r, 0};
	for (size_t s = 0; s < sizeof sections / sizeof sections[0]; s++) {
		const tcg_ynode *n = tcg_ynode_get(claims, sections[s]);
		if (n && (frc = add_facts(&a, sections[s], n, 0)))
			return facts_error(r, frc, err);
	}
	return TCG_OK;
oom:
	tcg_report_free(r);
	return nomem(err);
}

/* ---- failed verifications ---- */

static bool node_key_is(const tcg_ynode *k, const char *s)
{
	size_t l = strlen(s);
	return k->kind == TCG_YNODE_SCALAR && k->len == l && !memcmp(k->str, s, l);
}

tcg_rc tcg_report_failed_check(const tcg_claims_doc *c, bool *failed, tcg_err *err)
{
	const tcg_ydoc *doc = c->doc;
	const tcg_ynode *claims = c->root;
	const tcg_ynode *vf = tcg_ynode_get(claims, "verification");
	const tcg_ynode *res = tcg_ynode_get(vf, "result");
	*failed = false;
	if (!res)
		return TCG_OK;
	if (!is_text(res) || strcmp(res->str, "failed"))
		return tcg_ydoc_error(err, doc, res, "claims-verification",
		                      "verification.result must be failed");
	const tcg_ynode *ver = tcg_ynode_get(vf, "verified"), *rule = tcg_ynode_get(vf, "rule"),
	                *msg = tcg_ynode_get(vf, "message"), *mm = tcg_ynode_get(vf, "mismatch"),
	                *att = tcg_ynode_get(vf, "attributed");
	if (!ver || ver->kind != TCG_YNODE_SCALAR || ver->val != TCG_YVAL_BOOL || ver->b)
		return tcg_ydoc_error(err, doc, ver ? ver : vf, "claims-verification",
		                      "a failed verification has verified: false");
	if (!is_text(rule) || rule->len == 0 || rule->len > 64)
		return tcg_ydoc_error(err, doc, rule ? rule : vf, "claims-verification",
		                      "a failed verification names its rule (1..64 bytes)");
	if (!is_text(msg))
		return tcg_ydoc_error(err, doc, msg ? msg : vf, "claims-verification",
		                      "a failed verification has a message");
	/* No default: a record that does not say whose failure it is decides
	 * nothing by accident (reports.h). */
	if (!att || att->kind != TCG_YNODE_SCALAR || att->val != TCG_YVAL_BOOL)
		return tcg_ydoc_error(err, doc, att ? att : vf, "claims-verification",
		                      "a failed verification says whether it is attributed to the "
		                      "device (attributed: true or false)");
	if (mm) {
		if (mm->kind != TCG_YNODE_MAP)
			return tcg_ydoc_error(err, doc, mm, "claims-verification",
			                      "verification.mismatch must be a mapping");
		for (size_t i = 0; i < mm->n; i++) {
			const tcg_ynode *k = mm->items[2 * i], *v = mm->items[2 * i + 1];
			bool known = false;
			for (int j = 0; j < TCG_DHA_MISMATCH_COUNT; j++)
				known |= node_key_is(k, tcg_dha_mismatch_names[j]);
			if (!known)
				return tcg_ydoc_error(err, doc, k, "claims-verification",
				                      "unknown key '%.64s' in verification.mismatch", k->str);
			if (v->kind != TCG_YNODE_SCALAR || v->val != TCG_YVAL_BOOL)
				return tcg_ydoc_error(err, doc, v, "claims-verification",
				                      "verification.mismatch.%.64s must be true or false",
				                      k->str);
		}
	}
	*failed = true;
	return TCG_OK;
}

tcg_rc tcg_report_build_failed(const tcg_policy *p, const tcg_ynode *claims, time_t now,
                               tcg_report *r, tcg_err *err)
{
	const tcg_ynode *vf = tcg_ynode_get(claims, "verification");
	const tcg_ynode *rule = tcg_ynode_get(vf, "rule"), *msg = tcg_ynode_get(vf, "message");
	const tcg_ynode *mm = tcg_ynode_get(vf, "mismatch");
	char when[32];
	struct tm tm;

	memset(r, 0, sizeof *r);
	if (!vf || !is_text(rule) || !is_text(msg))
		return tcg_err_set(err, TCG_E_USAGE, "report-usage", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "the claims record no failed verification");
	r->protocol_version = 3;
	r->error_code = TCG_REPORT_ERROR_VERIFICATION;
	r->compliant = false;
	if (!gmtime_r(&now, &tm) || !strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(when, sizeof when, "1970-01-01T00:00:00Z");
	size_t n = rule->len + 2 + msg->len + 1;
	char *em = malloc(n);
	if (!em)
		goto oom;
	snprintf(em, n, "%s: %s", rule->str, msg->str);
	r->error_message = xml_text(em);
	free(em);
	if (!r->error_message || !(r->issued = strdup(when)) ||
	    !(r->policy_name = xml_text(tcg_policy_name(p))) ||
	    !(r->policy_version = xml_text(tcg_policy_version(p))) ||
	    !(r->policy_sha256 = hexstr(tcg_policy_sha256(p), 32)))
		goto oom;
	if (mm && mm->kind == TCG_YNODE_MAP) {
		r->has_mismatch = true;
		for (int j = 0; j < TCG_DHA_MISMATCH_COUNT; j++) {
			const tcg_ynode *v = tcg_ynode_get(mm, tcg_dha_mismatch_names[j]);
			r->mismatch[j] = v && v->kind == TCG_YNODE_SCALAR && v->val == TCG_YVAL_BOOL && v->b;
		}
	}
	/* Only the verification record: no fact of a refused input is repeated. */
	facts_acc a = {r, 0};
	int frc = add_facts(&a, "verification", vf, 0);
	if (frc)
		return facts_error(r, frc, err);
	return TCG_OK;
oom:
	tcg_report_free(r);
	return nomem(err);
}

/* ---- writing ---- */

/* T_QUOTE: only a verified quote establishes it (dha-verify), never a log. */
typedef enum { T_BOOL, T_UINT, T_HEX, T_HEX_OPT, T_TIME } ms_type;
enum { T_LOG, T_QUOTE };
static const struct {
	const char *name;
	ms_type type;
	int source;
} ms_elems[] = {
	{"Issued", T_TIME, T_LOG},
	{"AIKPresent", T_BOOL, T_QUOTE},
	{"ResetCount", T_UINT, T_QUOTE},
	{"RestartCount", T_UINT, T_QUOTE},
	{"DEPPolicy", T_UINT, T_LOG},
	{"BitlockerStatus", T_UINT, T_LOG},
	{"BootManagerRevListVersion", T_UINT, T_LOG},
	{"CodeIntegrityRevListVersion", T_UINT, T_LOG},
	{"SecureBootEnabled", T_BOOL, T_LOG},
	{"BootDebuggingEnabled", T_BOOL, T_LOG},
	{"OSKernelDebuggingEnabled", T_BOOL, T_LOG},
	{"CodeIntegrityEnabled", T_BOOL, T_LOG},
	{"TestSigningEnabled", T_BOOL, T_LOG},
	{"SafeMode", T_BOOL, T_LOG},
	{"WinPE", T_BOOL, T_LOG},
	{"ELAMDriverLoaded", T_BOOL, T_LOG},
	{"VSMEnabled", T_BOOL, T_LOG},
	{"PCRHashAlgorithmID", T_UINT, T_LOG},
	{"BootAppSVN", T_UINT, T_LOG},
	{"BootManagerSVN", T_UINT, T_LOG},
	{"TpmVersion", T_UINT, T_QUOTE},
	{"PCR0", T_HEX, T_LOG},
	{"CIPolicy", T_HEX_OPT, T_LOG},
	{"SBCPHash", T_HEX_OPT, T_LOG},
	{"BootRevListInfo", T_HEX_OPT, T_LOG},
	{"OSRevListInfo", T_HEX_OPT, T_LOG},
};

static const tcg_report_fact *find_fact(const tcg_report *r, const char *path)
{
	for (size_t i = 0; i < r->nfacts; i++)
		if (!strcmp(r->facts[i].path, path))
			return &r->facts[i];
	return NULL;
}

/* The element's text in Microsoft's form, or NULL when the fact does not fit
 * (then it is unknown: an escaped value, another type, out of range). */
static char *ms_value(const tcg_report_fact *f, ms_type t)
{
	if (!f || !f->value || f->escaped)
		return NULL;
	size_t n = strlen(f->value);
	if (t == T_BOOL)
		return !strcmp(f->type, "bool") &&
		               (!strcmp(f->value, "true") || !strcmp(f->value, "false"))
		               ? strdup(f->value)
		               : NULL;
	if (t == T_UINT) {
		if (strcmp(f->type, "int") || n == 0 || n > 10 ||
		    strspn(f->value, "0123456789") != n ||
		    strtoull(f->value, NULL, 10) > 4294967295ull)
			return NULL;
		return strdup(f->value);
	}
	if (strcmp(f->type, "string") || n == 0 || n % 2)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)f->value[i]))
			return NULL;
	char *s = strdup(f->value);
	if (s)
		for (char *c = s; *c; c++)
			*c = (char)toupper((unsigned char)*c);
	return s;
}

static void add_fact_elem(xmlNodePtr parent, xmlNsPtr ns, const char *name,
                          const tcg_report_fact *f)
{
	xmlNodePtr e = xmlNewChild(parent, ns, BAD_CAST name, NULL);
	xmlNewProp(e, BAD_CAST "path", BAD_CAST f->path);
	xmlNewProp(e, BAD_CAST "type", BAD_CAST f->type);
	if (f->escaped)
		xmlNewProp(e, BAD_CAST "escaped", BAD_CAST "true");
	if (f->value)
		xmlNodeAddContent(e, BAD_CAST f->value);
	for (size_t i = 0; i < f->nitems; i++)
		xmlNewTextChild(e, ns, BAD_CAST "Item", BAD_CAST f->items[i]);
}

/*
 * Microsoft's HealthCertificateProperties for a verified document: each element
 * whose fact is known, in Microsoft's order; every other element but the
 * optional hashes (whose absence is Microsoft's "not measured") named in
 * tcg:Unknown. Offline, the quote's elements are unknown whatever the claims say.
 */
static void add_ms_properties(xmlNodePtr root, xmlNsPtr ms, const tcg_report *r, char *unknown,
                              size_t cap)
{
	const size_t n = sizeof ms_elems / sizeof ms_elems[0];
	size_t ul = 0;
	xmlNodePtr hp = xmlNewChild(root, ms, BAD_CAST "HealthCertificateProperties", NULL);
	unknown[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char *v = NULL;
		if (ms_elems[i].type == T_TIME) {
			v = r->issued ? strdup(r->issued) : NULL;
		} else if (!(r->offline && ms_elems[i].source == T_QUOTE)) {
			char path[64];
			snprintf(path, sizeof path, "health.%s", ms_elems[i].name);
			v = ms_value(find_fact(r, path), ms_elems[i].type);
		}
		if (v)
			xmlNewTextChild(hp, ms, BAD_CAST ms_elems[i].name, BAD_CAST v);
		else if (ms_elems[i].type != T_HEX_OPT && ul + strlen(ms_elems[i].name) + 2 < cap)
			ul += (size_t)snprintf(unknown + ul, cap - ul, "%s%s", ul ? " " : "",
			                       ms_elems[i].name);
		free(v);
	}
}

static xmlDocPtr build_doc(const tcg_report *r)
{
	char num[32];
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr root = xmlNewNode(NULL, BAD_CAST "HealthCertificateValidationResponse");
	xmlDocSetRootElement(doc, root);
	xmlNsPtr ms = xmlNewNs(root, BAD_CAST TCG_REPORT_NS_MS, NULL);
	xmlNsPtr t = xmlNewNs(root, BAD_CAST TCG_REPORT_NS, BAD_CAST "tcg");
	xmlSetNs(root, ms);
	snprintf(num, sizeof num, "%d", r->error_code);
	xmlNewProp(root, BAD_CAST "ErrorCode", BAD_CAST num);
	xmlNewProp(root, BAD_CAST "ErrorMessage", BAD_CAST(r->error_message ? r->error_message : ""));
	snprintf(num, sizeof num, "%d", r->protocol_version);
	xmlNewProp(root, BAD_CAST "ProtocolVersion", BAD_CAST num);

	/* An offline report says so where a consumer looks first. */
	if (r->offline)
		xmlNewNsProp(root, t, BAD_CAST "offline", BAD_CAST "true");
	const tcg_report_fact *vf = find_fact(r, "verification.verified");
	bool verified = vf && !vf->escaped && !strcmp(vf->type, "bool") && vf->value &&
	                !strcmp(vf->value, "true");
	char unknown[1024] = "";
	if (verified && !r->error_code)
		add_ms_properties(root, ms, r, unknown, sizeof unknown);
	if (r->has_mismatch) {
		xmlNodePtr mf = xmlNewChild(root, ms, BAD_CAST "HealthStatusMismatchFlags", NULL);
		for (int j = 0; j < TCG_DHA_MISMATCH_COUNT; j++)
			xmlNewTextChild(mf, ms, BAD_CAST tcg_dha_mismatch_names[j],
			                BAD_CAST(r->mismatch[j] ? "true" : "false"));
	}
	if (unknown[0])
		xmlNewTextChild(root, t, BAD_CAST "Unknown", BAD_CAST unknown);

	xmlNodePtr ap = xmlNewChild(root, t, BAD_CAST "Appraisal", NULL);
	xmlNewProp(ap, BAD_CAST "issued", BAD_CAST(r->issued ? r->issued : ""));
	xmlNewProp(ap, BAD_CAST "offline", BAD_CAST(r->offline ? "true" : "false"));
	xmlNewProp(ap, BAD_CAST "measured", BAD_CAST "last-boot");
	xmlNodePtr pol = xmlNewChild(ap, t, BAD_CAST "Policy", NULL);
	xmlNewProp(pol, BAD_CAST "name", BAD_CAST(r->policy_name ? r->policy_name : ""));
	xmlNewProp(pol, BAD_CAST "version", BAD_CAST(r->policy_version ? r->policy_version : ""));
	xmlNewProp(pol, BAD_CAST "sha256", BAD_CAST(r->policy_sha256 ? r->policy_sha256 : ""));
	xmlNewTextChild(ap, t, BAD_CAST "Verdict",
	                BAD_CAST(r->compliant ? "compliant" : "non-compliant"));
	xmlNodePtr rules = xmlNewChild(ap, t, BAD_CAST "Rules", NULL);
	for (size_t i = 0; i < r->nrules; i++) {
		const tcg_report_rule *u = &r->rules[i];
		xmlNodePtr e = xmlNewChild(rules, t, BAD_CAST "Rule", NULL);
		xmlNewProp(e, BAD_CAST "id", BAD_CAST u->id);
		xmlNewProp(e, BAD_CAST "severity", BAD_CAST u->severity);
		xmlNewProp(e, BAD_CAST "unknown", BAD_CAST u->unknown);
		xmlNewProp(e, BAD_CAST "result", BAD_CAST u->result);
		xmlNewProp(e, BAD_CAST "outcome", BAD_CAST u->outcome);
		for (size_t j = 0; j < u->nreads; j++)
			add_fact_elem(e, t, "Read", &u->reads[j]);
	}
	xmlNodePtr facts = xmlNewChild(ap, t, BAD_CAST "Facts", NULL);
	for (size_t i = 0; i < r->nfacts; i++)
		add_fact_elem(facts, t, "Fact", &r->facts[i]);
	return doc;
}

tcg_rc tcg_report_write_mem(const tcg_report *r, char **xml, size_t *len, tcg_err *err)
{
	xmlChar *buf = NULL;
	int n = 0;
	tcg_rc rc = tcg_xml_load(err);
	if (rc)
		return rc;
	xmlDocPtr doc = build_doc(r);
	if (!doc)
		return nomem(err);
	xmlDocDumpFormatMemoryEnc(doc, &buf, &n, "UTF-8", 1);
	xmlFreeDoc(doc);
	if (!buf || n < 0)
		return nomem(err);
	*xml = dupn((const char *)buf, (size_t)n);
	xmlFree(buf);
	if (!*xml)
		return nomem(err);
	*len = (size_t)n;
	return TCG_OK;
}

tcg_rc tcg_report_write(const tcg_report *r, FILE *out, tcg_err *err)
{
	char *xml;
	size_t len;
	tcg_rc rc = tcg_report_write_mem(r, &xml, &len, err);
	if (rc)
		return rc;
	if (fwrite(xml, 1, len, out) != len || fflush(out))
		rc = tcg_err_set(err, TCG_E_IO, "report-write", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "cannot write the report");
	free(xml);
	return rc;
}

/* ---- reading ---- */

static bool is_elem(xmlNodePtr n, const char *ns, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns && !strcmp((const char *)n->ns->href, ns) &&
	       !strcmp((const char *)n->name, name);
}

static tcg_rc bad(tcg_err *err, xmlNodePtr n, const char *what)
{
	return tcg_err_set(err, TCG_E_FORMAT, "report-format", TCG_NO_OFFSET, TCG_NO_EVENT,
	                   "line %ld: %s", n ? xmlGetLineNo(n) : 0L, what);
}

/* An attribute's value (malloc'd) or NULL. */
static char *attr(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	char *s = v ? strdup((const char *)v) : NULL;
	xmlFree(v);
	return s;
}

static char *own_text(xmlNodePtr n)
{
	size_t len = 0;
	for (xmlNodePtr c = n->children; c; c = c->next)
		if (c->type == XML_TEXT_NODE && c->content)
			len += strlen((const char *)c->content);
	char *s = malloc(len + 1);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (xmlNodePtr c = n->children; c; c = c->next)
		if (c->type == XML_TEXT_NODE && c->content)
			strcat(s, (const char *)c->content);
	return s;
}

static size_t count_children(xmlNodePtr n, const char *name)
{
	size_t k = 0;
	for (xmlNodePtr c = n->children; c; c = c->next)
		if (is_elem(c, TCG_REPORT_NS, name))
			k++;
	return k;
}

static tcg_rc read_fact(xmlNodePtr e, tcg_report_fact *f, tcg_err *err)
{
	memset(f, 0, sizeof *f);
	f->path = attr(e, "path");
	f->type = attr(e, "type");
	if (!f->path || !f->type)
		return bad(err, e, "a fact needs path and type");
	char *esc = attr(e, "escaped");
	f->escaped = esc && !strcmp(esc, "true");
	free(esc);
	bool scalar = !strcmp(f->type, "bool") || !strcmp(f->type, "int") ||
	              !strcmp(f->type, "string") || !strcmp(f->type, "null");
	if (scalar && !(f->value = own_text(e)))
		return nomem(err);
	size_t k = count_children(e, "Item");
	if (k && strcmp(f->type, "list"))
		return bad(err, e, "items in a fact that is not a list");
	if (k && !(f->items = calloc(k, sizeof *f->items)))
		return nomem(err);
	for (xmlNodePtr c = e->children; c; c = c->next)
		if (is_elem(c, TCG_REPORT_NS, "Item")) {
			if (!(f->items[f->nitems] = own_text(c)))
				return nomem(err);
			f->nitems++;
		}
	return TCG_OK;
}

static tcg_rc read_appraisal(xmlNodePtr ap, tcg_report *r, tcg_err *err)
{
	tcg_rc rc;
	char *off = attr(ap, "offline");
	r->offline = off && !strcmp(off, "true");
	free(off);
	free(r->issued);
	r->issued = attr(ap, "issued");
	bool seen_verdict = false;
	for (xmlNodePtr c = ap->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is_elem(c, TCG_REPORT_NS, "Policy")) {
			r->policy_name = attr(c, "name");
			r->policy_version = attr(c, "version");
			r->policy_sha256 = attr(c, "sha256");
		} else if (is_elem(c, TCG_REPORT_NS, "Verdict")) {
			char *v = own_text(c);
			if (!v)
				return nomem(err);
			r->compliant = !strcmp(v, "compliant");
			seen_verdict = r->compliant || !strcmp(v, "non-compliant");
			free(v);
		} else if (is_elem(c, TCG_REPORT_NS, "Rules")) {
			size_t k = count_children(c, "Rule");
			if (k && !(r->rules = calloc(k, sizeof *r->rules)))
				return nomem(err);
			for (xmlNodePtr e = c->children; e; e = e->next) {
				if (!is_elem(e, TCG_REPORT_NS, "Rule"))
					continue;
				tcg_report_rule *u = &r->rules[r->nrules++];
				u->id = attr(e, "id");
				u->severity = attr(e, "severity");
				u->unknown = attr(e, "unknown");
				u->result = attr(e, "result");
				u->outcome = attr(e, "outcome");
				if (!u->id || !u->severity || !u->unknown || !u->result || !u->outcome)
					return bad(err, e, "a rule needs id, severity, unknown, result and "
					                   "outcome");
				size_t m = count_children(e, "Read");
				if (m && !(u->reads = calloc(m, sizeof *u->reads)))
					return nomem(err);
				for (xmlNodePtr x = e->children; x; x = x->next)
					if (is_elem(x, TCG_REPORT_NS, "Read") &&
					    (rc = read_fact(x, &u->reads[u->nreads++], err)))
						return rc;
			}
		} else if (is_elem(c, TCG_REPORT_NS, "Facts")) {
			size_t k = count_children(c, "Fact");
			if (k > TCG_REPORT_MAX_FACTS)
				return bad(err, c, "too many facts");
			if (k && !(r->facts = calloc(k, sizeof *r->facts)))
				return nomem(err);
			for (xmlNodePtr x = c->children; x; x = x->next)
				if (is_elem(x, TCG_REPORT_NS, "Fact") &&
				    (rc = read_fact(x, &r->facts[r->nfacts++], err)))
					return rc;
		} else {
			return bad(err, c, "unknown element in tcg:Appraisal");
		}
	}
	if (!seen_verdict || !r->policy_name || !r->policy_sha256)
		return bad(err, ap, "tcg:Appraisal needs a Policy and a Verdict");
	return TCG_OK;
}

/* HealthStatusMismatchFlags: the six flags, in order, each at most once. */
static tcg_rc read_mismatch(xmlNodePtr mf, tcg_report *r, tcg_err *err)
{
	int next = 0;
	if (r->has_mismatch)
		return bad(err, mf, "HealthStatusMismatchFlags twice");
	r->has_mismatch = true;
	for (xmlNodePtr c = mf->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		int j = next;
		while (j < TCG_DHA_MISMATCH_COUNT &&
		       !is_elem(c, TCG_REPORT_NS_MS, tcg_dha_mismatch_names[j]))
			j++;
		if (j == TCG_DHA_MISMATCH_COUNT)
			return bad(err, c, "unknown or out-of-order element in HealthStatusMismatchFlags");
		char *v = own_text(c);
		if (!v)
			return nomem(err);
		bool t = !strcmp(v, "true"), f = !strcmp(v, "false");
		free(v);
		if (!t && !f)
			return bad(err, c, "a mismatch flag is true or false");
		r->mismatch[j] = t;
		next = j + 1;
	}
	return TCG_OK;
}

tcg_rc tcg_report_read(const uint8_t *xml, size_t len, tcg_report *r, tcg_err *err)
{
	tcg_rc rc = TCG_OK;
	memset(r, 0, sizeof *r);
	if (len > TCG_REPORT_MAX_SIZE || len > (size_t)INT32_MAX)
		return tcg_err_set(err, TCG_E_FORMAT, "report-too-large", TCG_NO_OFFSET,
		                   TCG_NO_EVENT, "report over %u bytes", TCG_REPORT_MAX_SIZE);
	if ((rc = tcg_xml_load(err)))
		return rc;
	xmlDocPtr doc = xmlReadMemory((const char *)xml, (int)len, "report.xml", NULL,
	                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return tcg_err_set(err, TCG_E_FORMAT, "report-xml", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "not well-formed XML");
	xmlNodePtr root = xmlDocGetRootElement(doc);
	if (doc->intSubset) {
		rc = bad(err, root, "a report takes no DTD");
		goto out;
	}
	if (!root || !is_elem(root, TCG_REPORT_NS_MS, "HealthCertificateValidationResponse")) {
		rc = bad(err, root, "the root is not a v3 HealthCertificateValidationResponse");
		goto out;
	}
	char *a = attr(root, "ErrorCode");
	r->error_code = a ? atoi(a) : 0;
	free(a);
	a = attr(root, "ProtocolVersion");
	r->protocol_version = a ? atoi(a) : 0;
	free(a);
	r->error_message = attr(root, "ErrorMessage");
	xmlNodePtr ap = NULL;
	for (xmlNodePtr c = root->children; c; c = c->next) {
		if (is_elem(c, TCG_REPORT_NS, "Appraisal"))
			ap = c;
		else if (is_elem(c, TCG_REPORT_NS_MS, "HealthStatusMismatchFlags") &&
		         (rc = read_mismatch(c, r, err)))
			goto out;
	}
	if (!ap) {
		rc = bad(err, root, "no tcg:Appraisal");
		goto out;
	}
	rc = read_appraisal(ap, r, err);
out:
	xmlFreeDoc(doc);
	if (rc)
		tcg_report_free(r);
	return rc;
}
