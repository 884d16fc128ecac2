/* Each message kind as a struct: its reader and writer (include/tcglog/msg.h). */
#include "tcglog/dha.h"
#include "tcglog/msg.h"
#include "msgwrite.h"

#include <stdio.h>
#include <string.h>

_Static_assert(TCG_MSG_MISMATCH_COUNT == TCG_DHA_MISMATCH_COUNT,
               "one mismatch flag per HealthStatusMismatchFlags element");
_Static_assert(TCG_MSG_KEY_ID_SIZE == TCG_SERVICE_KEY_ID_SIZE, "the service key id");
_Static_assert(TCG_MSG_NONCE_SIZE == TCG_NONCE_SIZE, "the nonce");
_Static_assert(TCG_MSG_DEVICE_MAX == TCG_NONCE_DEVICE_MAX, "the device name");

/* ---- reading ---- */

static tcg_rc want_kind(const tcg_msg *m, const tcg_msg_schema *s, const void *out,
                        tcg_err *err)
{
	if (!m || m->schema != s || !out)
		return tcg_fail(err, TCG_E_USAGE, "msg-kind", "not a checked %s message", s->kind);
	return TCG_OK;
}

static tcg_msg_span span_at(const tcg_msg *m, const char *path)
{
	tcg_msg_span v;
	v.p = tcg_msg_b64_ref(m, path, &v.len);
	return v;
}

tcg_rc tcg_msg_bootdata_read(const tcg_msg *m, tcg_msg_bootdata *out, tcg_err *err)
{
	tcg_rc rc = want_kind(m, &tcg_msg_dha_bootdata, out, err);
	if (rc)
		return rc;
	out->device = tcg_msg_str(m, "device", NULL);
	out->log = span_at(m, "log");
	out->ek_public = span_at(m, "ek-public");
	out->ek_certificate = span_at(m, "ek-certificate");
	out->ak_public = span_at(m, "ak-public");
	out->attest = span_at(m, "quote.attest");
	out->signature = span_at(m, "quote.signature");
	return tcg_msg_pcr_values(m, "quote.pcrs", &out->pcrs, err);
}

tcg_rc tcg_msg_encblob_read(const tcg_msg *m, tcg_msg_encblob *out, tcg_err *err)
{
	tcg_rc rc = want_kind(m, &tcg_msg_dha_encblob, out, err);
	if (rc)
		return rc;
	out->device = tcg_msg_str(m, "device", NULL);
	out->key_id = span_at(m, "key-id");
	out->blob = span_at(m, "blob");
	out->credential = span_at(m, "credential");
	out->secret = span_at(m, "secret");
	out->pcr_selection = tcg_msg_str(m, "pcr-selection", NULL);
	return TCG_OK;
}

tcg_rc tcg_msg_signedblob_read(const tcg_msg *m, tcg_msg_signedblob *out, tcg_err *err)
{
	tcg_rc rc = want_kind(m, &tcg_msg_dha_signedblob, out, err);
	if (rc)
		return rc;
	out->device = tcg_msg_str(m, "device", NULL);
	out->nonce = span_at(m, "nonce");
	out->attest = span_at(m, "quote.attest");
	out->signature = span_at(m, "quote.signature");
	out->encblob = span_at(m, "encblob");
	return TCG_OK;
}

tcg_rc tcg_msg_claims_read(const tcg_msg *m, tcg_msg_claims *out, tcg_err *err)
{
	tcg_rc rc = want_kind(m, &tcg_msg_dha_claims, out, err);
	if (rc)
		return rc;
	memset(out, 0, sizeof *out);
	tcg_msg_bool(m, "verification.verified", &out->verified);
	if (out->verified) {
		out->device = tcg_msg_str(m, "verification.dha.device", NULL);
		out->nonce = tcg_msg_str(m, "verification.dha.nonce", NULL);
		return TCG_OK;
	}
	out->device = tcg_msg_str(m, "verification.device", NULL);
	out->rule = tcg_msg_str(m, "verification.rule", NULL);
	out->message = tcg_msg_str(m, "verification.message", NULL);
	tcg_msg_bool(m, "verification.attributed", &out->attributed);
	for (int i = 0; i < TCG_MSG_MISMATCH_COUNT; i++) {
		char path[64];
		snprintf(path, sizeof path, "verification.mismatch.%s", tcg_dha_mismatch_names[i]);
		if (tcg_msg_bool(m, path, &out->mismatch[i]))
			out->compared = true;
	}
	return TCG_OK;
}

/* ---- writing ---- */

/* The field of kind s at a dotted path ("quote.attest"). */
static const tcg_msg_field *field_at(const tcg_msg_schema *s, const char *path)
{
	const tcg_msg_field *f = s->fields;
	for (;;) {
		size_t n = strcspn(path, ".");
		while (f && f->name && (strlen(f->name) != n || memcmp(f->name, path, n)))
			f++;
		if (!f || !f->name || !path[n])
			return f && f->name ? f : NULL;
		path += n + 1;
		f = f->fields;
	}
}

/* A value of n bytes (absent: present false) against its field of s. */
static tcg_rc check_field(const tcg_msg_schema *s, const char *path, bool present, size_t n,
                          tcg_err *err)
{
	const tcg_msg_field *f = field_at(s, path);
	if (!f)
		return tcg_fail(err, TCG_E_USAGE, "msg-unknown-key", "%s has no %s", s->kind, path);
	if (!present)
		return f->required ? tcg_fail(err, TCG_E_USAGE, "msg-missing-key",
		                              "%s: %s is required", s->kind, path)
		                   : TCG_OK;
	if (n < f->min || (f->max && n > f->max))
		return tcg_fail(err, TCG_E_USAGE, "msg-size", "%s: %s of %zu bytes, not in %llu..%llu",
		                s->kind, path, n, (unsigned long long)f->min,
		                (unsigned long long)f->max);
	return TCG_OK;
}

static tcg_rc check_span(const tcg_msg_schema *s, const char *path, tcg_msg_span v,
                         tcg_err *err)
{
	return check_field(s, path, v.p != NULL, v.len, err);
}

static tcg_rc check_str(const tcg_msg_schema *s, const char *path, const char *v, tcg_err *err)
{
	return check_field(s, path, v != NULL, v ? strlen(v) : 0, err);
}

/* Each bank of a PCR value mapping holds at least one PCR (msg.c's pcr_bank). */
static tcg_rc check_pcrs(const tcg_msg_schema *s, const char *path, const tcg_pcr_values *v,
                         tcg_err *err)
{
	tcg_rc rc = check_field(s, path, v->num_banks > 0, v->num_banks, err);
	for (size_t k = 0; !rc && k < v->num_banks; k++)
		if (!v->bank[k].present || !tcg_alg_name(v->bank[k].alg))
			rc = tcg_fail(err, TCG_E_USAGE, "msg-size", "%s: %s: a bank without PCRs",
			              s->kind, path);
	return rc;
}

/* One document: a writer of the message's fields, then the finish. */
typedef tcg_rc (*fields_fn)(tcg_yaml *y, const void *arg, tcg_err *err);

static tcg_rc write_doc(const tcg_msg_schema *s, fields_fn fields, const void *arg, FILE *f,
                        tcg_err *err)
{
	tcg_yaml *y = tcg_yaml_new(f);
	if (!y)
		return tcg_fail_nomem(err);
	tcg_msg_write_start(y, s->kind, s->version);
	tcg_rc rc = fields(y, arg, err);
	tcg_msg_write_end(y);
	tcg_rc frc = tcg_yaml_finish(y, rc ? NULL : err);
	return rc ? rc : frc;
}

static tcg_rc kv_span(tcg_yaml *y, const char *key, tcg_msg_span v, tcg_err *err)
{
	return v.p ? tcg_msg_kv_b64(y, key, v.p, v.len, err) : TCG_OK;
}

static tcg_rc bootdata_fields(tcg_yaml *y, const void *arg, tcg_err *err)
{
	const tcg_msg_bootdata *b = arg;
	tcg_rc rc;
	tcg_yaml_kv_cstr(y, "device", b->device);
	if ((rc = kv_span(y, "log", b->log, err)) ||
	    (rc = kv_span(y, "ek-public", b->ek_public, err)) ||
	    (rc = kv_span(y, "ek-certificate", b->ek_certificate, err)) ||
	    (rc = kv_span(y, "ak-public", b->ak_public, err)))
		return rc;
	tcg_yaml_key(y, "quote");
	tcg_yaml_map_start(y);
	if (!(rc = kv_span(y, "attest", b->attest, err)) &&
	    !(rc = kv_span(y, "signature", b->signature, err))) {
		tcg_yaml_key(y, "pcrs");
		tcg_msg_put_pcr_values(y, &b->pcrs);
	}
	tcg_yaml_map_end(y);
	return rc;
}

tcg_rc tcg_msg_bootdata_write(const tcg_msg_bootdata *b, FILE *f, tcg_err *err)
{
	const tcg_msg_schema *s = &tcg_msg_dha_bootdata;
	tcg_rc rc;
	if (!b)
		return tcg_fail(err, TCG_E_USAGE, "msg-missing-key", "no dha-bootdata to write");
	if ((rc = check_str(s, "device", b->device, err)) ||
	    (rc = check_span(s, "log", b->log, err)) ||
	    (rc = check_span(s, "ek-public", b->ek_public, err)) ||
	    (rc = check_span(s, "ek-certificate", b->ek_certificate, err)) ||
	    (rc = check_span(s, "ak-public", b->ak_public, err)) ||
	    (rc = check_span(s, "quote.attest", b->attest, err)) ||
	    (rc = check_span(s, "quote.signature", b->signature, err)) ||
	    (rc = check_pcrs(s, "quote.pcrs", &b->pcrs, err)))
		return rc;
	return write_doc(s, bootdata_fields, b, f, err);
}

static tcg_rc encblob_fields(tcg_yaml *y, const void *arg, tcg_err *err)
{
	const tcg_msg_encblob *e = arg;
	tcg_rc rc;
	tcg_yaml_kv_cstr(y, "device", e->device);
	if ((rc = kv_span(y, "key-id", e->key_id, err)) || (rc = kv_span(y, "blob", e->blob, err)) ||
	    (rc = kv_span(y, "credential", e->credential, err)) ||
	    (rc = kv_span(y, "secret", e->secret, err)))
		return rc;
	if (e->pcr_selection)
		tcg_yaml_kv_cstr(y, "pcr-selection", e->pcr_selection);
	return TCG_OK;
}

tcg_rc tcg_msg_encblob_write(const tcg_msg_encblob *e, FILE *f, tcg_err *err)
{
	const tcg_msg_schema *s = &tcg_msg_dha_encblob;
	tcg_rc rc;
	if (!e)
		return tcg_fail(err, TCG_E_USAGE, "msg-missing-key", "no dha-encblob to write");
	if ((rc = check_str(s, "device", e->device, err)) ||
	    (rc = check_span(s, "key-id", e->key_id, err)) ||
	    (rc = check_span(s, "blob", e->blob, err)) ||
	    (rc = check_span(s, "credential", e->credential, err)) ||
	    (rc = check_span(s, "secret", e->secret, err)) ||
	    (rc = check_str(s, "pcr-selection", e->pcr_selection, err)))
		return rc;
	return write_doc(s, encblob_fields, e, f, err);
}

static tcg_rc signedblob_fields(tcg_yaml *y, const void *arg, tcg_err *err)
{
	const tcg_msg_signedblob *sb = arg;
	tcg_rc rc;
	tcg_yaml_kv_cstr(y, "device", sb->device);
	if ((rc = kv_span(y, "nonce", sb->nonce, err)))
		return rc;
	tcg_yaml_key(y, "quote");
	tcg_yaml_map_start(y);
	if (!(rc = kv_span(y, "attest", sb->attest, err)))
		rc = kv_span(y, "signature", sb->signature, err);
	tcg_yaml_map_end(y);
	return rc ? rc : kv_span(y, "encblob", sb->encblob, err);
}

tcg_rc tcg_msg_signedblob_write(const tcg_msg_signedblob *sb, FILE *f, tcg_err *err)
{
	const tcg_msg_schema *s = &tcg_msg_dha_signedblob;
	tcg_rc rc;
	if (!sb)
		return tcg_fail(err, TCG_E_USAGE, "msg-missing-key", "no dha-signedblob to write");
	if ((rc = check_str(s, "device", sb->device, err)) ||
	    (rc = check_span(s, "nonce", sb->nonce, err)) ||
	    (rc = check_span(s, "quote.attest", sb->attest, err)) ||
	    (rc = check_span(s, "quote.signature", sb->signature, err)) ||
	    (rc = check_span(s, "encblob", sb->encblob, err)))
		return rc;
	return write_doc(s, signedblob_fields, sb, f, err);
}

static tcg_rc refusal_fields(tcg_yaml *y, const void *arg, tcg_err *err)
{
	const tcg_msg_claims *c = arg;
	(void)err;
	tcg_yaml_key(y, "verification");
	tcg_yaml_map_start(y);
	tcg_yaml_kv_bool(y, "verified", 0);
	tcg_yaml_kv_cstr(y, "result", "failed");
	tcg_yaml_kv_cstr(y, "rule", c->rule && c->rule[0] ? c->rule : "unknown");
	tcg_yaml_kv_cstr(y, "message", c->message ? c->message : "");
	if (c->device)
		tcg_yaml_kv_cstr(y, "device", c->device);
	tcg_yaml_kv_bool(y, "attributed", c->attributed);
	if (c->compared) {
		tcg_yaml_key(y, "mismatch");
		tcg_yaml_map_start(y);
		for (int i = 0; i < TCG_MSG_MISMATCH_COUNT; i++)
			tcg_yaml_kv_bool(y, tcg_dha_mismatch_names[i], c->mismatch[i]);
		tcg_yaml_map_end(y);
	}
	tcg_yaml_map_end(y);
	return TCG_OK;
}

tcg_rc tcg_msg_claims_write(const tcg_msg_claims *c, FILE *f, tcg_err *err)
{
	if (!c || (c->verified && !c->text))
		return tcg_fail(err, TCG_E_USAGE, "msg-missing-key", "no dha-claims to write");
	if (!c->verified)
		return write_doc(&tcg_msg_dha_claims, refusal_fields, c, f, err);
	if (c->len > TCG_MSG_CLAIMS_MAX_SIZE)
		return tcg_fail(err, TCG_E_USAGE, "msg-size", "dha-claims of %zu bytes over the cap of %u",
		                c->len, TCG_MSG_CLAIMS_MAX_SIZE);
	if (fwrite(c->text, 1, c->len, f) != c->len)
		return tcg_fail(err, TCG_E_IO, "output", "cannot write the claims");
	return TCG_OK;
}
