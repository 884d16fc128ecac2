/* dha-policy init: a starting policy from known-good claims (policy.h). */
#include "tcglog/policy.h"
#include "policy_int.h"

#include <string.h>

#include "yamlout.h"

/* One pin; guard: all: [{fact, present: true}, the pin] (for subset, which an
 * empty list would pass without the guard). */
static void pin(tcg_yaml *y, const char *id, const char *desc, const char *fact,
                const char *op, const tcg_ynode *v, bool guard)
{
	tcg_yaml_map_start(y);
	tcg_yaml_kv_cstr(y, "id", id);
	tcg_yaml_kv_cstr(y, "description", desc);
	tcg_yaml_kv_cstr(y, "severity", "deny");
	tcg_yaml_key(y, "condition");
	if (guard) {
		tcg_yaml_map_start(y);
		tcg_yaml_key(y, "all");
		tcg_yaml_seq_start(y);
		tcg_yaml_map_start(y);
		tcg_yaml_kv_cstr(y, "fact", fact);
		tcg_yaml_key(y, "present");
		tcg_yaml_plain(y, "true");
		tcg_yaml_map_end(y);
	}
	tcg_yaml_map_start(y);
	tcg_yaml_kv_cstr(y, "fact", fact);
	tcg_yaml_key(y, op);
	if (v->kind == TCG_YNODE_SEQ) {
		tcg_yaml_seq_start(y);
		for (size_t i = 0; i < v->n; i++)
			tcg_yaml_cstr(y, v->items[i]->str);
		tcg_yaml_seq_end(y);
	} else if (!strcmp(op, "in")) {
		tcg_yaml_seq_start(y);
		tcg_yaml_cstr(y, v->str);
		tcg_yaml_seq_end(y);
	} else if (v->val == TCG_YVAL_BOOL || v->val == TCG_YVAL_INT) {
		tcg_yaml_plain(y, v->str);
	} else {
		tcg_yaml_cstr(y, v->str);
	}
	tcg_yaml_map_end(y);
	if (guard) {
		tcg_yaml_seq_end(y);
		tcg_yaml_map_end(y);
	}
	tcg_yaml_map_end(y);
}

static bool str_list(const tcg_ynode *n)
{
	if (!n || n->kind != TCG_YNODE_SEQ)
		return false;
	for (size_t i = 0; i < n->n; i++)
		if (n->items[i]->kind != TCG_YNODE_SCALAR || n->items[i]->val != TCG_YVAL_STR)
			return false;
	return true;
}

tcg_rc tcg_policy_write_baseline(const tcg_claims_doc *c, FILE *f, size_t *nrules,
                                 tcg_err *err)
{
	static const struct {
		const char *section, *list, *op;
	} lists[] = {
		{"secureboot", "PK", "subset"},  {"secureboot", "KEK", "subset"},
		{"secureboot", "db", "subset"},  {"secureboot", "dbx", "superset"},
		{"linux", "BootLoaderDigests", "subset"}, {"linux", "MokList", "subset"},
	};
	char id[96], desc[256], fact[128];

	*nrules = 0;
	tcg_yaml *y = tcg_yaml_new(f);
	if (!y)
		return tcg_err_set(err, TCG_E_NOMEM, "out-of-memory", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "no memory");
	tcg_yaml_map_start(y);
	tcg_yaml_kv_cstr(y, "name", "device-baseline");
	tcg_yaml_kv_u64(y, "version", 1);
	tcg_yaml_kv_cstr(y, "description",
	                 "Starting policy pinned to one known-good device by dha-policy init; "
	                 "edit before use");
	tcg_yaml_key(y, "rules");
	tcg_yaml_seq_start(y);
	const tcg_ynode *h = tcg_ynode_get(c->root, "health");
	for (size_t i = 0; h && h->kind == TCG_YNODE_MAP && i < h->n; i++) {
		const tcg_ynode *k = h->items[2 * i], *v = h->items[2 * i + 1];
		if (v->kind != TCG_YNODE_SCALAR || k->len > 64 ||
		    (v->val != TCG_YVAL_BOOL && strcmp(k->str, "PCR0")))
			continue;
		snprintf(fact, sizeof fact, "health.%s", k->str);
		snprintf(id, sizeof id, "pin-%s", k->str);
		snprintf(desc, sizeof desc, "%s as on the known-good device", k->str);
		pin(y, id, desc, fact, v->val == TCG_YVAL_BOOL ? "equals" : "in", v, false);
		++*nrules;
	}
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		snprintf(fact, sizeof fact, "%s.%s", lists[i].section, lists[i].list);
		const tcg_ynode *v = tcg_ynode_path(c->root, fact);
		bool subset = !strcmp(lists[i].op, "subset");
		/* "At least nothing" pins nothing; an empty allow-list is pinned as
		 * empty, without the guard an empty list could not pass. */
		if (!str_list(v) || (!subset && v->n == 0))
			continue;
		snprintf(id, sizeof id, "pin-%s-%s", lists[i].section, lists[i].list);
		snprintf(desc, sizeof desc, "%s %s the known-good device's", fact,
		         subset ? "only holds entries of" : "holds at least");
		pin(y, id, desc, fact, lists[i].op, v, subset && v->n);
		++*nrules;
	}
	const tcg_ynode *cmd = tcg_ynode_path(c->root, "linux.KernelCmdline");
	if (cmd && cmd->kind == TCG_YNODE_SCALAR && cmd->val == TCG_YVAL_STR) {
		pin(y, "pin-linux-KernelCmdline", "kernel command line as on the known-good device",
		    "linux.KernelCmdline", "equals", cmd, false);
		++*nrules;
	}
	tcg_yaml_seq_end(y);
	tcg_yaml_map_end(y);
	return tcg_yaml_finish(y, err);
}
