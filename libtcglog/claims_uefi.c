/*
 * UEFI facts: Secure Boot from PCR 7 (PFP, reference dha.md §5.6) and the
 * images the firmware ran (PCR 4). Part of claims.
 */
#include "claims_int.h"

#include <stdlib.h>
#include <string.h>

#include "certcache.h"
#include "tcglog/binding.h"
#include "uefi.h"

/* UEFI_VARIABLE_DATA, its name in ASCII. */
typedef struct {
	const uint8_t *guid;
	char name[32]; /* ASCII; '?' for others; truncated names end in '?' */
	const uint8_t *data;
	size_t len;
} uefivar;

static bool parse_var_n(const uint8_t *p, size_t size, bool trailing, uefivar *v)
{
	tcg_uefi_var u;
	if (!tcg_uefi_var_parse(p, size, &u) || (tcg_buf_left(&u.rest) && !trailing))
		return false;
	v->guid = u.guid;
	tcg_uefi_var_ascii(&u, v->name, sizeof v->name);
	v->data = u.data.p;
	v->len = u.data.len;
	return true;
}

static bool parse_var(const tcg_claims *c, const tcg_event *e, uefivar *v)
{
	return parse_var_n(tcg_cl_data(c, e), e->size, false, v);
}

static bool strlist_add(strlist *l, char *s)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 8;
		char **ns = nc > 65536 ? NULL : realloc(l->s, nc * sizeof *ns);
		if (!ns) {
			free(s);
			return false;
		}
		l->s = ns;
		l->cap = nc;
	}
	l->s[l->n++] = s;
	return true;
}

static void strlist_free(strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->s[i]);
	free(l->s);
}

/* Add the subject of a certificate (sha256: its digest) to l; one that does not parse
 * makes l unknown. */
static void add_subject(strlist *l, const uint8_t *der, size_t len, const uint8_t *sha256)
{
	char *s = tcg_cert_subject(der, len, sha256);
	if (!s || !strlist_add(l, s))
		l->bad = true;
}

static void count_type(typecount *t, const uint8_t *type)
{
	for (size_t i = 0; i < t->n; i++)
		if (!memcmp(t->t[i].type, type, 16)) {
			t->t[i].count++;
			return;
		}
	if (t->n == MAX_SIGTYPES) {
		t->bad = true;
		return;
	}
	t->t[t->n].type = type;
	t->t[t->n++].count = 1;
}

/* EFI_SIGNATURE_LIST entries into l: SHA-256 of X.509 DER, else the data. Subjects of the
 * X.509 entries into subj, entries per type into types (each when not NULL). */
static bool parse_siglists(tcg_claims *c, const uint8_t *p, size_t len, hlist *l,
                           strlist *subj, typecount *types)
{
	tcg_buf b = tcg_buf_init(p, len), sig;
	tcg_siglist sl;
	enum tcg_siglist_rc rc;
	const uint8_t *owner;
	while ((rc = tcg_siglist_next(&b, &sl)) == TCG_SIGLIST_OK) {
		while (tcg_siglist_entry(&sl, &owner, &sig)) {
			uint8_t d[32];
			if (types)
				count_type(types, sl.type);
			if (tcg_guid_is(sl.type, TCG_GUID_CERT_X509)) {
				if (tcg_hash(c->h, TCG_ALG_SHA256, sig.p, sig.len, d))
					return false;
				if (!tcg_cl_hlist_add(l, d, 32))
					return false;
				if (subj)
					add_subject(subj, sig.p, sig.len, d);
			} else if (!tcg_cl_hlist_add(l, sig.p, sig.len)) {
				return false;
			}
		}
	}
	return rc == TCG_SIGLIST_END;
}

void tcg_cl_secureboot_free(tcg_claims *c)
{
	strlist_free(&c->sb.pk_subj);
	strlist_free(&c->sb.kek_subj);
	strlist_free(&c->sb.db_subj);
	strlist_free(&c->sb.auth_subj);
}

/* ---- PCR 7: Secure Boot (dha.md §5.6) and shim ---- */

/* What a PCR 7 variable's name allows (PFP 3.3.4.8, shim, dha.md §5.6): the event
 * type is not covered by the digest, the name is, so the name decides the type. */
enum var_kind {
	VAR_CONFIG,    /* Secure Boot policy variables: EV_EFI_VARIABLE_DRIVER_CONFIG only */
	VAR_DB,        /* db: the database (DRIVER_CONFIG) or a certificate from it (AUTHORITY) */
	VAR_SHIM,      /* shim's MokList, SbatLevel, ...: EV_EFI_VARIABLE_AUTHORITY only */
	VAR_DEVDB,     /* the SPDM device database: EV_EFI_SPDM_DEVICE_* only */
	VAR_OTHER,     /* vendor names: DRIVER_CONFIG or AUTHORITY */
};

static enum var_kind var_kind(const uefivar *v)
{
	static const char *const global[] = { "SecureBoot", "PK", "KEK", "SetupMode",
		                              "AuditMode", "DeployedMode" };
	static const char *const imagesec[] = { "dbx", "dbt", "dbr" };
	static const char *const shim[] = { "MokList", "MokListX", "MokListTrusted", "SbatLevel",
		                            "Shim", "MokSBState" };
	for (size_t i = 0; i < sizeof global / sizeof global[0]; i++)
		if (!strcmp(v->name, global[i]))
			return VAR_CONFIG;
	for (size_t i = 0; i < sizeof imagesec / sizeof imagesec[0]; i++)
		if (!strcmp(v->name, imagesec[i]))
			return VAR_CONFIG;
	if (!strcmp(v->name, "db"))
		return VAR_DB;
	for (size_t i = 0; i < sizeof shim / sizeof shim[0]; i++)
		if (!strcmp(v->name, shim[i]))
			return VAR_SHIM;
	if (!strcmp(v->name, "devdb"))
		return VAR_DEVDB;
	return VAR_OTHER;
}

/* DER SEQUENCE with a long-form length that spans exactly len bytes. */
static bool is_der(const uint8_t *p, size_t len)
{
	if (len < 4 || p[0] != 0x30)
		return false;
	if (p[1] == 0x81)
		return len == 3 + (size_t)p[2];
	if (p[1] == 0x82)
		return len == 4 + ((size_t)p[2] << 8 | p[3]);
	if (p[1] == 0x83 && len >= 5)
		return len == 5 + ((size_t)p[2] << 16 | (size_t)p[3] << 8 | p[4]);
	return false;
}

/* The SecureBoot variable: one byte 0 or 1, or empty on firmware without Secure Boot. */
static void secureboot_var(tcg_claims *c, const tcg_event *e, const uefivar *v)
{
	if (v->len == 0) {
		c->sb_empty = true;
		c->sb.enabled = TRI_FALSE;
		return;
	}
	if (v->len != 1 || v->data[0] > 1) {
		tcg_cl_problem(c, e, "secureboot-value",
		               "SecureBoot data is not exactly one byte 0 or 1");
		return;
	}
	c->sb.enabled = v->data[0] ? TRI_TRUE : TRI_FALSE;
}

/* PK, KEK, db, dbx (known only once parsed whole), CurrentPolicy; other names give no fact. */
static void database_var(tcg_claims *c, const tcg_event *e, const uefivar *v)
{
	sbfacts *sb = &c->sb;
	hlist *l = NULL;
	bool *known = NULL;
	strlist *subj = NULL;
	typecount *types = NULL;
	bool global = tcg_guid_is(v->guid, TCG_GUID_GLOBAL_VARIABLE);
	bool imagesec = tcg_guid_is(v->guid, TCG_GUID_IMAGE_SECURITY);
	if (global && !strcmp(v->name, "PK"))
		l = &sb->pk, known = &sb->pk_known, subj = &sb->pk_subj;
	else if (global && !strcmp(v->name, "KEK"))
		l = &sb->kek, known = &sb->kek_known, subj = &sb->kek_subj;
	else if (imagesec && !strcmp(v->name, "db"))
		l = &sb->db, known = &sb->db_known, subj = &sb->db_subj;
	else if (imagesec && !strcmp(v->name, "dbx"))
		l = &sb->dbx, known = &sb->dbx_known, types = &sb->dbx_types;
	else if (!strcmp(v->name, "CurrentPolicy"))
		sb->current_policy = (bytes){ v->data, v->len };
	if (l && !parse_siglists(c, v->data, v->len, l, subj, types))
		tcg_cl_problem(c, e, "signature-list-malformed",
		               "%s: EFI_SIGNATURE_LIST does not parse", v->name);
	else if (known)
		*known = true;
}

/* A Secure Boot policy variable (EV_EFI_VARIABLE_DRIVER_CONFIG), before the separator, once. */
static void config_var(tcg_claims *c, const tcg_event *e)
{
	sbfacts *sb = &c->sb;
	uefivar v;
	if (!parse_var(c, e, &v)) {
		tcg_cl_problem(c, e, "uefi-variable-malformed", "UEFI_VARIABLE_DATA does not parse");
		return;
	}
	if (var_kind(&v) == VAR_SHIM || var_kind(&v) == VAR_DEVDB) {
		tcg_cl_problem(c, e, "secureboot-variable-retyped",
		               "%s measured as EV_EFI_VARIABLE_DRIVER_CONFIG", v.name);
		return;
	}
	if (sb->sep) {
		tcg_cl_problem(c, e, "secureboot-variable-after-separator",
		               "Secure Boot variable %s measured after the separator", v.name);
		return;
	}
	for (size_t i = 0; i < sb->nvars; i++)
		if (!memcmp(sb->vars[i].guid, v.guid, 16) && !strcmp(sb->vars[i].name, v.name)) {
			tcg_cl_problem(c, e, "secureboot-variable-repeated",
			               "Secure Boot variable %s measured twice", v.name);
			return;
		}
	if (sb->nvars == MAX_VARS) {
		tcg_cl_problem(c, e, "secureboot-variable-repeated", "too many PCR 7 variables");
		return;
	}
	memcpy(sb->vars[sb->nvars].guid, v.guid, 16);
	strcpy(sb->vars[sb->nvars].name, v.name);
	sb->nvars++;
	if (tcg_guid_is(v.guid, TCG_GUID_GLOBAL_VARIABLE) && !strcmp(v.name, "SecureBoot"))
		secureboot_var(c, e, &v);
	else
		database_var(c, e, &v);
}

/* One certificate or image hash that verified a boot image (EV_EFI_VARIABLE_AUTHORITY). */
static void authority(tcg_claims *c, const tcg_event *e)
{
	uefivar v;
	/* Shim appends stray bytes after the variable (covered by the digest). */
	if (!parse_var_n(tcg_cl_data(c, e), e->size, true, &v)) {
		tcg_cl_problem(c, e, "uefi-variable-malformed", "UEFI_VARIABLE_DATA does not parse");
		return;
	}
	if (var_kind(&v) == VAR_CONFIG || var_kind(&v) == VAR_DEVDB) {
		tcg_cl_problem(c, e, "secureboot-variable-retyped",
		               "%s measured as EV_EFI_VARIABLE_AUTHORITY", v.name);
		return;
	}
	if (tcg_guid_is(v.guid, TCG_GUID_SHIM_LOCK) || var_kind(&v) == VAR_SHIM)
		c->lx.shim = true;
	if (!strcmp(v.name, "SbatLevel")) {
		if (!c->lx.sbat.p) /* the first value wins */
			c->lx.sbat = (bytes){ v.data, v.len };
		return;
	}
	if (!strcmp(v.name, "MokListTrusted"))
		return;
	/* One certificate: EFI_SIGNATURE_DATA (owner GUID, DER or an image hash), or
	 * bare DER. Anything else is another variable's data under this type. */
	size_t skip = is_der(v.data, v.len) ? 0 : 16, h = v.len - 16;
	if (skip && !(v.len > 16 && (is_der(v.data + 16, h) || h == 20 || h == 28 || h == 32 ||
	                             h == 48 || h == 64))) {
		tcg_cl_problem(c, e, "authority-malformed",
		               "%s: authority data is not one certificate or image hash", v.name);
		return;
	}
	uint8_t d[32];
	bool mok = !strcmp(v.name, "MokList");
	bool hashed = !tcg_hash(c->h, TCG_ALG_SHA256, v.data + skip, v.len - skip, d);
	if (hashed)
		tcg_cl_hlist_add(mok ? &c->lx.mok : &c->sb.auth, d, 32);
	if (!mok && is_der(v.data + skip, v.len - skip))
		add_subject(&c->sb.auth_subj, v.data + skip, v.len - skip, hashed ? d : NULL);
}

void tcg_cl_pcr7_event(tcg_claims *c, const tcg_event *e)
{
	sbfacts *sb = &c->sb;
	uefivar v;
	sb->pcr7 = true;
	switch (e->type) {
	case EV_SEPARATOR:
		if (sb->sep) {
			tcg_cl_problem(c, e, "separator-duplicate", "a second separator in PCR 7");
			return;
		}
		sb->sep = true;
		return;
	case EV_EFI_ACTION:
		if (e->size == 15 && !memcmp(tcg_cl_data(c, e), "UEFI Debug Mode", 15))
			sb->debug = true;
		else if (e->size == 23 && !memcmp(tcg_cl_data(c, e), "DMA Protection Disabled", 23))
			sb->dma = true;
		else
			tcg_cl_problem(c, e, "event-type-unexpected",
			               "EV_EFI_ACTION in PCR 7 other than UEFI Debug Mode or DMA "
			               "Protection Disabled");
		return;
	case EV_EFI_VARIABLE_DRIVER_CONFIG:
		config_var(c, e);
		return;
	case EV_EFI_VARIABLE_AUTHORITY:
		authority(c, e);
		return;
	case EV_EFI_SPDM_DEVICE_POLICY:
	case EV_EFI_SPDM_DEVICE_AUTHORITY:
		/* Same data layout as an authority: only the device database may use it. */
		if (!parse_var(c, e, &v)) {
			tcg_cl_problem(c, e, "uefi-variable-malformed",
			               "UEFI_VARIABLE_DATA does not parse");
			return;
		}
		if (var_kind(&v) != VAR_DEVDB)
			tcg_cl_problem(c, e, "secureboot-variable-retyped",
			               "%s measured as an SPDM event", v.name);
		return;
	default:
		return;
	}
}

/* PCR 4: every extend that is not a measured constant is an image the firmware ran. The
 * type is not covered by the digest, so an image retyped as a driver or EV_IPL still counts;
 * types that bind their data (separator, actions) were checked against it already. */
void tcg_cl_pcr4_event(tcg_claims *c, const tcg_event *e)
{
	if (tcg_type_binds(e->pcr, e->type))
		return;
	tcg_cl_hlist_add(&c->lx.bootloaders, tcg_cl_digest(c, e), tcg_alg_size(c->bank));
}

static void kv_subjects(tcg_yaml *y, const char *k, const strlist *l)
{
	if (l->bad)
		return;
	tcg_yaml_key(y, k);
	tcg_yaml_seq_start(y);
	for (size_t i = 0; i < l->n; i++)
		tcg_yaml_cstr(y, l->s[i]);
	tcg_yaml_seq_end(y);
}

/* dbx entries per signature type: SHA256, X509, ... (EFI_CERT_<name>_GUID), else the GUID. */
static void kv_types(tcg_yaml *y, const char *k, const typecount *t)
{
	if (t->bad)
		return;
	tcg_yaml_key(y, k);
	tcg_yaml_map_start(y);
	for (size_t i = 0; i < t->n; i++) {
		const char *name = tcg_guid_name(t->t[i].type);
		char key[40];
		size_t n = name ? strlen(name) : 0;
		if (n > 14 && !strncmp(name, "EFI_CERT_", 9) && !strcmp(name + n - 5, "_GUID"))
			snprintf(key, sizeof key, "%.*s", (int)(n - 14), name + 9);
		else
			tcg_guid_format(t->t[i].type, key);
		tcg_yaml_kv_u64(y, key, t->t[i].count);
	}
	tcg_yaml_map_end(y);
}

void tcg_cl_write_secureboot(const tcg_claims *c, tcg_yaml *y)
{
	const sbfacts *sb = &c->sb;
	bool all7 = tcg_cl_pcr_complete(c, 7);
	tcg_yaml_key(y, "secureboot");
	tcg_yaml_map_start(y);
	tcg_cl_kv_seen(y, "UEFIDebugMode", sb->debug, all7);
	tcg_cl_kv_seen(y, "DMAProtectionDisabled", sb->dma, all7);
	/* A database is known only when its variable was measured. */
	if (sb->pk_known) {
		tcg_cl_kv_hlist(y, "PK", &sb->pk);
		kv_subjects(y, "PKSubjects", &sb->pk_subj);
	}
	if (sb->kek_known) {
		tcg_cl_kv_hlist(y, "KEK", &sb->kek);
		kv_subjects(y, "KEKSubjects", &sb->kek_subj);
	}
	if (sb->db_known) {
		tcg_cl_kv_hlist(y, "db", &sb->db);
		kv_subjects(y, "dbSubjects", &sb->db_subj);
	}
	if (sb->dbx_known) {
		tcg_cl_kv_hlist(y, "dbx", &sb->dbx);
		kv_types(y, "dbxEntryCounts", &sb->dbx_types);
	}
	if (all7) {
		tcg_cl_kv_hlist(y, "Authorities", &sb->auth);
		kv_subjects(y, "AuthoritySubjects", &sb->auth_subj);
	}
	tcg_yaml_map_end(y);
}

void tcg_cl_secureboot_finish(tcg_claims *c)
{
	/* PFP / dha.md §5.6: Secure Boot on means its databases were measured and used. */
	if (c->sb.enabled == TRI_TRUE && (!c->sb.pk.n || !c->sb.kek.n || !c->sb.db.n || !c->sb.auth.n))
		tcg_cl_problem(c, NULL, "secureboot-incomplete",
		        "Secure Boot is on but %s", !c->sb.pk.n ? "PK is empty"
		                                    : !c->sb.kek.n ? "KEK is empty"
		                                    : !c->sb.db.n ? "db is empty"
		                                                  : "no image was verified by an authority");
}
