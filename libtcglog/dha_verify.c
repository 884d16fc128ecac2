/* dha-verify: the service's last step (see include/tcglog/dha.h). */
#include "tcglog/dha.h"

#include <openssl/crypto.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FAIL(rc, rule, ...) tcg_err_set(err, rc, rule, TCG_NO_OFFSET, TCG_NO_EVENT, __VA_ARGS__)

const char *const tcg_dha_mismatch_names[TCG_DHA_MISMATCH_COUNT] = {
	"ResumeCount", "RebootCount", "PCR", "BootAppSVN", "BootManagerSVNChain", "BootAppSVNChain",
};

void tcg_dha_verdict_free(tcg_dha_verdict *v)
{
	if (!v)
		return;
	tcg_msg_free(&v->claims);
	memset(v, 0, sizeof *v);
}

/* The EncBlob's claims: a dha-claims document that says verified: true. */
static tcg_rc parse_claims(const tcg_dha_content *c, tcg_msg *out, tcg_err *err)
{
	static const tcg_msg_schema *const accept[] = {&tcg_msg_dha_claims, NULL};
	bool verified = false;
	tcg_rc rc;
	if (!c->claims || !c->claims_len)
		return FAIL(TCG_E_FORMAT, "dha-content", "the EncBlob holds no claims");
	if ((rc = tcg_msg_parse((const uint8_t *)c->claims, c->claims_len, "encblob-claims", accept,
	                        out, err)))
		return rc;
	if (!tcg_msg_bool(out, "verification.verified", &verified) || !verified) {
		tcg_msg_free(out);
		return FAIL(TCG_E_MISMATCH, "dha-claims-unverified",
		            "the EncBlob's claims are not verified (verification.verified: false)");
	}
	return TCG_OK;
}

/* Step 1: the EncBlob opened, decoded, its AK parsed and its claims read. */
static tcg_rc open_encblob(const tcg_msg *m, const tcg_dha_verify_opts *o, tcg_dha_content *c,
                           tcg_public **ak, tcg_dha_verdict *v, tcg_err *err)
{
	uint8_t *blob = NULL, *plain = NULL;
	size_t blob_len = 0, plen = 0;
	tcg_rc rc;

	if ((rc = tcg_msg_b64(m, "encblob", &blob, &blob_len, err)))
		return rc;
	if (!(rc = tcg_blob_key_id(blob, blob_len, v->key_id, err)))
		rc = tcg_blob_open(o->keys, o->nkeys, blob, blob_len,
		                   (const uint8_t *)TCG_DHA_ENCBLOB_AAD, TCG_DHA_ENCBLOB_AAD_LEN, &plain,
		                   &plen, err);
	free(blob);
	if (rc)
		return rc;
	rc = tcg_dha_content_decode(plain, plen, c, err);
	tcg_blob_free_plaintext(plain, plen);
	if (rc)
		return rc;
	if ((rc = parse_claims(c, &v->claims, err)))
		return rc;
	/* (tcg_dha_content_decode has checked ak-name against it) */
	return tcg_public_parse(c->ak_public, c->ak_public_len, ak, err);
}

/* Step 5: what differs between the current quote and the EncBlob. */
static tcg_rc compare(const tcg_attest *a, const tcg_dha_content *c, bool quote_state_failed,
                      const tcg_err *quote_err, tcg_dha_verdict *v, tcg_err *err)
{
	bool *f = v->mismatch;
	f[TCG_DHA_MISMATCH_REBOOT_COUNT] = a->reset_count != c->reset_count;
	f[TCG_DHA_MISMATCH_RESUME_COUNT] = a->restart_count != c->restart_count;
	f[TCG_DHA_MISMATCH_PCR] =
		!tcg_pcr_selection_equal(&a->selection, &c->selection) ||
		a->pcr_digest_len != c->pcr_digest_len ||
		CRYPTO_memcmp(a->pcr_digest, c->pcr_digest, a->pcr_digest_len) != 0 ||
		quote_state_failed;
	v->compared = true;
	if (f[TCG_DHA_MISMATCH_REBOOT_COUNT])
		return FAIL(TCG_E_MISMATCH, "dha-reboot",
		            "the TPM was reset (rebooted) since the EncBlob was issued: resetCount "
		            "%u, the EncBlob's %u%s",
		            a->reset_count, c->reset_count,
		            f[TCG_DHA_MISMATCH_PCR] ? "; the PCRs differ too" : "");
	if (f[TCG_DHA_MISMATCH_RESUME_COUNT])
		return FAIL(TCG_E_MISMATCH, "dha-resume",
		            "the TPM was restarted or resumed since the EncBlob was issued: "
		            "restartCount %u, the EncBlob's %u%s",
		            a->restart_count, c->restart_count,
		            f[TCG_DHA_MISMATCH_PCR] ? "; the PCRs differ too" : "");
	if (f[TCG_DHA_MISMATCH_PCR])
		return FAIL(TCG_E_MISMATCH, "dha-pcr-mismatch",
		            "the quoted PCRs are not the EncBlob's (%s)",
		            quote_state_failed ? quote_err->msg : "selection or composite differs");
	if (!a->safe)
		return FAIL(TCG_E_MISMATCH, "dha-clock-unsafe", "the TPM's clock is not safe");
	return TCG_OK;
}

tcg_rc tcg_dha_verify(const tcg_msg *m, const tcg_dha_verify_opts *o, tcg_dha_verdict *v,
                      tcg_err *err)
{
	tcg_dha_content c;
	tcg_public *ak = NULL;
	tcg_quote_result *qr = NULL;
	uint8_t *nonce = NULL, *attest = NULL, *sig = NULL;
	size_t nonce_len = 0, attest_len = 0, sig_len = 0;
	const char *device;
	size_t device_len = 0;
	tcg_attest a;
	tcg_quote_opts qo = {0};
	tcg_err qerr;
	bool state_failed = false;
	tcg_rc rc;

	memset(v, 0, sizeof *v);
	memset(&c, 0, sizeof c);
	if (!m || m->schema != &tcg_msg_dha_signedblob || !o || !o->store || (!o->keys && o->nkeys))
		return FAIL(TCG_E_USAGE, "dha-verify-usage", "a dha-signedblob, keys and a store");
	device = tcg_msg_str(m, "device", &device_len);
	if (!device || device_len != strlen(device) || device_len > TCG_NONCE_DEVICE_MAX)
		return FAIL(TCG_E_FORMAT, "msg-type", "the device name is not a string of 1..%d bytes",
		            TCG_NONCE_DEVICE_MAX);
	memcpy(v->device, device, device_len + 1);
	if ((rc = tcg_msg_b64(m, "nonce", &nonce, &nonce_len, err)) ||
	    (rc = tcg_msg_b64(m, "quote.attest", &attest, &attest_len, err)) ||
	    (rc = tcg_msg_b64(m, "quote.signature", &sig, &sig_len, err)))
		goto out;
	if (nonce_len != TCG_NONCE_SIZE) {
		rc = FAIL(TCG_E_FORMAT, "msg-size", "the nonce is %zu bytes, not %d", nonce_len,
		          TCG_NONCE_SIZE);
		goto out;
	}
	memcpy(v->nonce, nonce, TCG_NONCE_SIZE);

	/* 1. the EncBlob */
	if ((rc = open_encblob(m, o, &c, &ak, v, err)))
		goto out;

	/* 2. whose, and still good */
	if (strcmp(c.device, device)) {
		rc = FAIL(TCG_E_MISMATCH, "dha-device-mismatch",
		          "the EncBlob was issued to another device, not '%.64s'", device);
		goto out;
	}
	if (o->now >= c.expires) {
		rc = FAIL(TCG_E_MISMATCH, "encblob-expired",
		          "the EncBlob expired %lld seconds ago; new boot data is needed",
		          (long long)(o->now - c.expires));
		goto out;
	}

	/* 3. an authentic quote over this nonce, before the nonce is touched */
	if (!(qr = OPENSSL_zalloc(sizeof *qr))) {
		rc = FAIL(TCG_E_NOMEM, "out-of-memory", "no memory");
		goto out;
	}
	qo.nonce = nonce;
	qo.nonce_len = nonce_len;
	qo.allow_sha1 = o->allow_sha1;
	qo.pcrs = &c.pcrs;
	qo.allow_unsafe_clock = true; /* dha-clock-unsafe, after the counts and PCRs */
	tcg_err_clear(&qerr);
	if (tcg_quote_verify(ak, attest, attest_len, sig, sig_len, &qo, qr, &qerr)) {
		/* an authentic quote whose state differs is compared below */
		if (!qr->authentic || qerr.rc != TCG_E_MISMATCH) {
			if (err)
				*err = qerr;
			rc = qerr.rc;
			goto out;
		}
		state_failed = true;
	}
	if ((rc = tcg_attest_parse(attest, attest_len, &a, err)))
		goto out;

	/* 4. the nonce, once */
	if ((rc = tcg_nonce_consume(o->store, device, nonce, o->now, err)))
		goto out;
	v->nonce_consumed = true;

	/* 5. the present state against the EncBlob's */
	v->reset_count = a.reset_count;
	v->restart_count = a.restart_count;
	v->clock = a.clock;
	if ((rc = compare(&a, &c, state_failed, &qerr, v, err)))
		goto out;

	v->verified = true;
	memcpy(v->ak_name, c.ak_name, c.ak_name_len);
	v->ak_name_len = c.ak_name_len;
	memcpy(v->ek_cert_sha256, c.ek_cert_sha256, sizeof v->ek_cert_sha256);
	v->selection = c.selection;
	v->issued = c.issued;
	v->expires = c.expires;
out:
	if (rc)
		tcg_msg_free(&v->claims);
	OPENSSL_free(qr);
	tcg_public_free(ak);
	tcg_dha_content_free(&c);
	if (nonce)
		OPENSSL_cleanse(nonce, nonce_len);
	free(nonce);
	free(attest);
	free(sig);
	return rc;
}

/* ---- the claims documents ---- */

static bool key_is(const tcg_ynode *k, const char *s)
{
	size_t l = strlen(s);
	return k->kind == TCG_YNODE_SCALAR && k->val == TCG_YVAL_STR && k->len == l &&
	       !memcmp(k->str, s, l);
}

static void kv_time(tcg_yaml *y, const char *key, int64_t t)
{
	char s[32];
	struct tm tm;
	time_t tt = (time_t)t;
	if ((int64_t)tt != t || !gmtime_r(&tt, &tm) ||
	    !strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(s, sizeof s, "%lld", (long long)t);
	tcg_yaml_kv_cstr(y, key, s);
}

static void write_dha(tcg_yaml *y, const tcg_dha_verdict *v)
{
	char sel[256];
	if (!tcg_pcr_selection_format(&v->selection, sel, sizeof sel))
		snprintf(sel, sizeof sel, "?");
	tcg_yaml_key(y, "dha");
	tcg_yaml_map_start(y);
	tcg_yaml_kv_cstr(y, "device", v->device);
	tcg_yaml_kv_hex(y, "nonce", v->nonce, sizeof v->nonce);
	tcg_yaml_kv_hex(y, "ak-name", v->ak_name, v->ak_name_len);
	tcg_yaml_kv_hex(y, "ek-certificate-sha256", v->ek_cert_sha256, sizeof v->ek_cert_sha256);
	tcg_yaml_kv_cstr(y, "pcr-selection", sel);
	kv_time(y, "issued", v->issued);
	kv_time(y, "expires", v->expires);
	tcg_yaml_kv_u64(y, "reset-count", v->reset_count);
	tcg_yaml_kv_u64(y, "restart-count", v->restart_count);
	tcg_yaml_kv_hex(y, "key-id", v->key_id, sizeof v->key_id);
	tcg_yaml_map_end(y);
}

static void write_verification(tcg_yaml *y, const tcg_ynode *vf, const tcg_dha_verdict *v)
{
	/* A failure record never rides along with verified claims. */
	static const char *const drop[] = {"dha", "result", "rule", "message", "mismatch"};
	bool pcrs = false;
	tcg_yaml_map_start(y);
	for (size_t i = 0; vf && i < vf->n; i++) {
		const tcg_ynode *k = vf->items[2 * i];
		bool dropped = false;
		for (size_t j = 0; j < sizeof drop / sizeof drop[0]; j++)
			dropped |= key_is(k, drop[j]);
		if (dropped)
			continue;
		if (key_is(k, "verified")) {
			tcg_yaml_kv_bool(y, "verified", 1);
		} else if (key_is(k, "pcrs")) {
			tcg_yaml_kv_cstr(y, "pcrs", "quote");
			pcrs = true;
		} else {
			tcg_yaml_node_key(y, k);
			tcg_yaml_node(y, vf->items[2 * i + 1]);
		}
	}
	if (!pcrs)
		tcg_yaml_kv_cstr(y, "pcrs", "quote");
	write_dha(y, v);
	tcg_yaml_map_end(y);
}

/* The facts only the verified quote gives, as the report's health names. */
enum { H_AIK, H_RESET, H_RESTART, H_TPMVERSION, H_COUNT };
static const char *const health_keys[H_COUNT] = {"AIKPresent", "ResetCount", "RestartCount",
                                                 "TpmVersion"};

static void health_value(tcg_yaml *y, int which, const tcg_dha_verdict *v)
{
	tcg_yaml_key(y, health_keys[which]);
	switch (which) {
	case H_AIK:
		tcg_yaml_bool(y, 1);
		break;
	case H_RESET:
		tcg_yaml_u64(y, v->reset_count);
		break;
	case H_RESTART:
		tcg_yaml_u64(y, v->restart_count);
		break;
	default:
		tcg_yaml_u64(y, 2); /* TPM 2.0 */
	}
}

static void write_health(tcg_yaml *y, const tcg_ynode *h, const tcg_dha_verdict *v)
{
	bool seen[H_COUNT] = {false};
	tcg_yaml_map_start(y);
	for (size_t i = 0; h && i < h->n; i++) {
		const tcg_ynode *k = h->items[2 * i];
		int which = -1;
		for (int j = 0; j < H_COUNT; j++)
			if (key_is(k, health_keys[j]))
				which = j;
		if (which >= 0) {
			health_value(y, which, v);
			seen[which] = true;
		} else {
			tcg_yaml_node_key(y, k);
			tcg_yaml_node(y, h->items[2 * i + 1]);
		}
	}
	for (int j = 0; j < H_COUNT; j++)
		if (!seen[j])
			health_value(y, j, v);
	tcg_yaml_map_end(y);
}

tcg_rc tcg_dha_claims_write(const tcg_dha_verdict *v, FILE *out, tcg_err *err)
{
	const tcg_ynode *root = v ? v->claims.doc.root : NULL;
	if (!v || !v->verified || !root || root->kind != TCG_YNODE_MAP)
		return FAIL(TCG_E_USAGE, "dha-verify-usage", "no verified claims to write");
	bool health = tcg_ynode_get(root, "health") != NULL;
	tcg_yaml *y = tcg_yaml_new(out);
	if (!y)
		return FAIL(TCG_E_NOMEM, "out-of-memory", "no memory");
	tcg_yaml_map_start(y);
	for (size_t i = 0; i < root->n; i++) {
		const tcg_ynode *k = root->items[2 * i], *val = root->items[2 * i + 1];
		if (key_is(k, "verification")) {
			tcg_yaml_key(y, "verification");
			write_verification(y, val, v);
			if (!health) {
				tcg_yaml_key(y, "health");
				write_health(y, NULL, v);
			}
		} else if (key_is(k, "health")) {
			tcg_yaml_key(y, "health");
			write_health(y, val, v);
		} else {
			tcg_yaml_node_key(y, k);
			tcg_yaml_node(y, val);
		}
	}
	tcg_yaml_map_end(y);
	return tcg_yaml_finish(y, err);
}

tcg_rc tcg_dha_failure_write(FILE *out, const char *device, const tcg_err *failure,
                             const bool *mismatch, tcg_err *err)
{
	tcg_yaml *y = tcg_yaml_new(out);
	if (!y)
		return FAIL(TCG_E_NOMEM, "out-of-memory", "no memory");
	tcg_msg_write_start(y, "dha-claims", 1);
	tcg_yaml_key(y, "verification");
	tcg_yaml_map_start(y);
	tcg_yaml_kv_bool(y, "verified", 0);
	tcg_yaml_kv_cstr(y, "result", "failed");
	tcg_yaml_kv_cstr(y, "rule", failure && failure->rule[0] ? failure->rule : "unknown");
	tcg_yaml_kv_cstr(y, "message", failure ? failure->msg : "");
	if (device)
		tcg_yaml_kv_cstr(y, "device", device);
	if (mismatch) {
		tcg_yaml_key(y, "mismatch");
		tcg_yaml_map_start(y);
		for (int i = 0; i < TCG_DHA_MISMATCH_COUNT; i++)
			tcg_yaml_kv_bool(y, tcg_dha_mismatch_names[i], mismatch[i]);
		tcg_yaml_map_end(y);
	}
	tcg_yaml_map_end(y);
	tcg_msg_write_end(y);
	return tcg_yaml_finish(y, err);
}

tcg_dha_retired tcg_dha_retired_key(const char *name, int64_t now)
{
	/* SECONDS-N.key, digits only, SECONDS without leading zeros */
	const char *p = name;
	int64_t t = 0;
	if (!name || *p < '1' || *p > '9')
		return TCG_DHA_RETIRED_UNDATED;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (t > (INT64_MAX - 9) / 10)
			return TCG_DHA_RETIRED_UNDATED;
		t = 10 * t + (*p - '0');
	}
	if (*p++ != '-' || *p < '0' || *p > '9')
		return TCG_DHA_RETIRED_UNDATED;
	while (*p >= '0' && *p <= '9')
		p++;
	if (strcmp(p, ".key"))
		return TCG_DHA_RETIRED_UNDATED;
	/* a retirement in the future (a clock set back) keeps the key */
	return now > t && now - t > TCG_DHA_MAX_VALIDITY ? TCG_DHA_RETIRED_EXPIRED
	                                                 : TCG_DHA_RETIRED_NEEDED;
}
