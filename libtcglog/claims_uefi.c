/*
 * UEFI facts: Secure Boot from PCR 7 (PFP, reference dha.md §5.6) and the
 * images the firmware ran (PCR 4). Part of claims.
 */
#include "claims_int.h"

#include <stdlib.h>
#include <string.h>

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

static bool parse_var(const tcg_event *e, uefivar *v)
{
	return parse_var_n(e->data, e->size, false, v);
}

/* EFI_SIGNATURE_LIST entries into l: SHA-256 of X.509 DER, else the data. */
static bool parse_siglists(tcg_claims *c, const uint8_t *p, size_t len, hlist *l)
{
	tcg_buf b = tcg_buf_init(p, len), sig;
	tcg_siglist sl;
	enum tcg_siglist_rc rc;
	const uint8_t *owner;
	while ((rc = tcg_siglist_next(&b, &sl)) == TCG_SIGLIST_OK) {
		while (tcg_siglist_entry(&sl, &owner, &sig)) {
			uint8_t d[32];
			if (tcg_guid_is(sl.type, TCG_GUID_CERT_X509)) {
				if (tcg_hash(c->h, TCG_ALG_SHA256, sig.p, sig.len, d))
					return false;
				if (!tcg_cl_hlist_add(l, d, 32))
					return false;
			} else if (!tcg_cl_hlist_add(l, sig.p, sig.len)) {
				return false;
			}
		}
	}
	return rc == TCG_SIGLIST_END;
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
	bool global = tcg_guid_is(v->guid, TCG_GUID_GLOBAL_VARIABLE);
	bool imagesec = tcg_guid_is(v->guid, TCG_GUID_IMAGE_SECURITY);
	if (global && !strcmp(v->name, "PK"))
		l = &sb->pk, known = &sb->pk_known;
	else if (global && !strcmp(v->name, "KEK"))
		l = &sb->kek, known = &sb->kek_known;
	else if (imagesec && !strcmp(v->name, "db"))
		l = &sb->db, known = &sb->db_known;
	else if (imagesec && !strcmp(v->name, "dbx"))
		l = &sb->dbx, known = &sb->dbx_known;
	else if (!strcmp(v->name, "CurrentPolicy"))
		sb->current_policy = (bytes){ v->data, v->len };
	if (l && !parse_siglists(c, v->data, v->len, l))
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
	if (!parse_var(e, &v)) {
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
	if (!parse_var_n(e->data, e->size, true, &v)) {
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
	if (!tcg_hash(c->h, TCG_ALG_SHA256, v.data + skip, v.len - skip, d))
		tcg_cl_hlist_add(!strcmp(v.name, "MokList") ? &c->lx.mok : &c->sb.auth, d, 32);
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
		if (e->size == 15 && !memcmp(e->data, "UEFI Debug Mode", 15))
			sb->debug = true;
		else if (e->size == 23 && !memcmp(e->data, "DMA Protection Disabled", 23))
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
		if (!parse_var_n(e->data, e->size, false, &v)) {
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
	tcg_cl_hlist_add(&c->lx.bootloaders, e->digest[c->bidx], tcg_alg_size(c->bank));
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
	if (sb->pk_known)
		tcg_cl_kv_hlist(y, "PK", &sb->pk);
	if (sb->kek_known)
		tcg_cl_kv_hlist(y, "KEK", &sb->kek);
	if (sb->db_known)
		tcg_cl_kv_hlist(y, "db", &sb->db);
	if (sb->dbx_known)
		tcg_cl_kv_hlist(y, "dbx", &sb->dbx);
	if (all7)
		tcg_cl_kv_hlist(y, "Authorities", &sb->auth);
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
