/* dha-verify: the service's last step (see include/tcglog/dha.h). */
#include "tcglog/dha.h"
#include "dha_int.h"
#include "yamldoc.h"
#include "output_int.h"
#include "yamlout.h"

#include <openssl/crypto.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const tcg_dha_mismatch_names[TCG_DHA_MISMATCH_COUNT] = {
	"ResumeCount", "RebootCount", "PCR", "BootAppSVN", "BootManagerSVNChain", "BootAppSVNChain",
};

void tcg_dha_verdict_free(tcg_dha_verdict *v)
{
	if (!v)
		return;
	free(v->claims_mem ? v->claims_mem : v->claims);
	memset(v, 0, sizeof *v);
}

/* The EncBlob's plaintext, kept until its claims are written. */
typedef struct {
	uint8_t *p;
	size_t len, claims_at;
} plaintext;

/* Step 1: the EncBlob opened and decoded, its AK parsed; c->claims are the
 * plaintext's (pt->p + pt->claims_at), not a copy. */
static tcg_rc open_encblob(const tcg_msg *m, const tcg_dha_verify_opts *o, tcg_dha_content *c,
                           tcg_public **ak, plaintext *pt, tcg_dha_verdict *v, tcg_err *err)
{
	size_t blob_len = 0;
	const uint8_t *blob = tcg_msg_b64_ref(m, "encblob", &blob_len);
	tcg_rc rc;

	if (!blob)
		rc = tcg_fail_format(err, "msg-missing-key", "no encblob");
	else if (!(rc = tcg_blob_key_id(blob, blob_len, v->key_id, err)))
		rc = tcg_blob_open(o->keys, o->nkeys, blob, blob_len,
		                   (const uint8_t *)TCG_DHA_ENCBLOB_AAD, TCG_DHA_ENCBLOB_AAD_LEN, &pt->p,
		                   &pt->len, err);
	if (rc) {
		tcg_dha_content_clear(c); /* the decoder sets it on every other path */
		return rc;
	}
	return tcg_dha_content_decode_known(pt->p, pt->len, c, o->verifiers, ak, &pt->claims_at,
	                                    err);
}

/*
 * The sealed claims with the nonce in their slot: the verdict's document,
 * written out as they lie in the plaintext (a Windows boot's are some 30 KB:
 * copying them was 4% of a verification). The rest of the plaintext is
 * cleansed now; the claims, the output, are freed as a copy of them was.
 */
static void take_claims(const tcg_dha_content *c, plaintext *pt, const uint8_t *nonce,
                        tcg_dha_verdict *v)
{
	static const char digits[] = "0123456789abcdef";
	char *claims = (char *)pt->p + pt->claims_at;
	char *slot = claims + c->nonce_slot; /* the decoder checked the slot's bounds */
	size_t tail = pt->claims_at + c->claims_len;
	for (size_t i = 0; i < TCG_NONCE_SIZE; i++) {
		slot[2 * i] = digits[nonce[i] >> 4];
		slot[2 * i + 1] = digits[nonce[i] & 15];
	}
	OPENSSL_cleanse(pt->p, pt->claims_at);
	OPENSSL_cleanse(pt->p + tail, pt->len - tail);
	v->claims = claims;
	v->claims_len = c->claims_len;
	v->claims_mem = pt->p;
	pt->p = NULL;
}

static void hex32(const uint8_t *d, char out[2 * TCG_REGISTRY_DIGEST_SIZE + 1])
{
	for (size_t i = 0; i < TCG_REGISTRY_DIGEST_SIZE; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/*
 * Step 2: the registry still binds the device to the EncBlob's EK
 * certificate. An EncBlob stays valid until it expires, so without this an
 * operator's re-bind (a replaced or stolen TPM) would not revoke the old
 * TPM's EncBlob. A name the registry does not hold was bound at issue time
 * (dha-issue requires the store), so the store was reset or the entry
 * removed: nothing vouches for the binding any more.
 */
static tcg_rc check_binding(tcg_nonce_store *s, const tcg_dha_content *c, tcg_err *err)
{
	uint8_t bound[TCG_REGISTRY_DIGEST_SIZE];
	char now_hex[2 * TCG_REGISTRY_DIGEST_SIZE + 1], was_hex[2 * TCG_REGISTRY_DIGEST_SIZE + 1];
	bool found = false;
	tcg_rc rc;
	if ((rc = tcg_registry_lookup(s, c->device, bound, &found, err)))
		return rc;
	if (!found)
		return tcg_fail_mismatch(err, "device-unknown",
		                         "'%s' is not in the device registry (the store was reset or the device "
		                         "removed); new boot data is needed",
		                         c->device);
	/* Digests of public certificates: no secret to compare in constant time. */
	if (memcmp(bound, c->ek_cert_sha256, sizeof bound) != 0) {
		hex32(bound, now_hex);
		hex32(c->ek_cert_sha256, was_hex);
		return tcg_fail_mismatch(err, "device-ek-rebound",
		                         "'%s' was re-bound to the EK certificate of SHA-256 %s after this "
		                         "EncBlob was issued for %s; new boot data from its current TPM is needed",
		                         c->device, now_hex, was_hex);
	}
	return TCG_OK;
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
		return tcg_fail_mismatch(err, "dha-reboot",
		                         "the TPM was reset (rebooted) since the EncBlob was issued: resetCount "
		                         "%u, the EncBlob's %u%s",
		                         a->reset_count, c->reset_count,
		                         f[TCG_DHA_MISMATCH_PCR] ? "; the PCRs differ too" : "");
	if (f[TCG_DHA_MISMATCH_RESUME_COUNT])
		return tcg_fail_mismatch(err, "dha-resume",
		                         "the TPM was restarted or resumed since the EncBlob was issued: "
		                         "restartCount %u, the EncBlob's %u%s",
		                         a->restart_count, c->restart_count,
		                         f[TCG_DHA_MISMATCH_PCR] ? "; the PCRs differ too" : "");
	if (f[TCG_DHA_MISMATCH_PCR])
		return tcg_fail_mismatch(err, "dha-pcr-mismatch",
		                         "the quoted PCRs are not the EncBlob's (%s)",
		                         quote_state_failed ? quote_err->msg
		                                            : "selection or composite differs");
	if (!a->safe)
		return tcg_fail_mismatch(err, "dha-clock-unsafe", "the TPM's clock is not safe");
	return TCG_OK;
}

/* Steps 1-3, and step 5's comparison kept in it->after_rc and after_err (told
 * once step 4 passes): everything but the nonce. TCG_OK: the nonce is to be
 * consumed. */
static tcg_rc verify_but_nonce(const tcg_msg *m, const tcg_dha_verify_opts *o,
                               tcg_dha_verify_item *it, tcg_err *err)
{
	tcg_dha_verdict *v = &it->v;
	tcg_dha_content c;
	plaintext pt = {NULL, 0, 0};
	tcg_public *ak = NULL;
	tcg_quote_verifier *qv = NULL, *own_qv = NULL;
	tcg_quote_result *qr = NULL;
	const uint8_t *nonce, *attest, *sig;
	size_t nonce_len = 0, attest_len = 0, sig_len = 0;
	const char *device;
	size_t device_len = 0;
	tcg_quote_opts qo = {0};
	tcg_err qerr;
	bool state_failed = false;
	tcg_rc rc;

	memset(v, 0, sizeof *v);
	if (!m || m->schema != &tcg_msg_dha_signedblob || !o || !o->store || (!o->keys && o->nkeys))
		return tcg_fail(err, TCG_E_USAGE, "dha-verify-usage",
		                "a dha-signedblob, keys and a store");
	device = tcg_msg_str(m, "device", &device_len);
	if (!device || device_len != strlen(device) || device_len > TCG_NONCE_DEVICE_MAX)
		return tcg_fail_format(err, "msg-type",
		                       "the device name is not a string of 1..%d bytes",
		                       TCG_NONCE_DEVICE_MAX);
	memcpy(v->device, device, device_len + 1);
	/* the schema decoded and bounded them */
	nonce = tcg_msg_b64_ref(m, "nonce", &nonce_len);
	attest = tcg_msg_b64_ref(m, "quote.attest", &attest_len);
	sig = tcg_msg_b64_ref(m, "quote.signature", &sig_len);
	if (!nonce || !attest || !sig)
		return tcg_fail_format(err, "msg-missing-key", "nonce, quote.attest or quote.signature");
	if (nonce_len != TCG_NONCE_SIZE)
		return tcg_fail_format(err, "msg-size", "the nonce is %zu bytes, not %d", nonce_len,
		                       TCG_NONCE_SIZE);
	memcpy(v->nonce, nonce, TCG_NONCE_SIZE);

	/* 1. the EncBlob */
	if ((rc = open_encblob(m, o, &c, &ak, &pt, v, err)))
		goto out;

	/* 2. whose, and still good */
	if (strcmp(c.device, device)) {
		rc = tcg_fail_mismatch(err, "dha-device-mismatch",
		                       "the EncBlob was issued to another device, not '%.64s'",
		                       device);
		goto out;
	}
	if (o->now >= c.expires) {
		rc = tcg_fail_mismatch(err, "encblob-expired",
		                       "the EncBlob expired %lld seconds ago; new boot data is needed",
		                       (long long)(o->now - c.expires));
		goto out;
	}
	if ((rc = check_binding(o->store, &c, err)))
		goto out;

	/* 3. an authentic quote over this nonce, before the nonce is touched */
	if (!(qr = OPENSSL_malloc(sizeof *qr))) { /* the verifier clears it first */
		rc = tcg_fail_nomem(err);
		goto out;
	}
	if ((rc = tcg_dha_verifier_for(o->verifiers, c.ak_public, c.ak_public_len, ak, &qv,
	                               &own_qv, err)))
		goto out;
	qo.nonce = nonce;
	qo.nonce_len = nonce_len;
	qo.allow_sha1 = o->allow_sha1;
	qo.pcrs = &c.pcrs;
	qo.allow_unsafe_clock = true; /* dha-clock-unsafe, after the counts and PCRs */
	tcg_err_clear(&qerr);
	if (tcg_quote_verifier_verify(qv, attest, attest_len, sig, sig_len, &qo, qr, &qerr)) {
		/* an authentic quote whose state differs is compared below */
		if (!qr->authentic || qerr.rc != TCG_E_MISMATCH) {
			if (err)
				*err = qerr;
			rc = qerr.rc;
			goto out;
		}
		state_failed = true;
	}
	/* authentic: the verifier has unmarshalled the attestation */
	const tcg_attest *a = &qr->attest;

	/* 5. the present state against the EncBlob's, told once step 4 passes */
	v->reset_count = a->reset_count;
	v->restart_count = a->restart_count;
	v->clock = a->clock;
	tcg_err_clear(&it->after_err);
	if ((it->after_rc = compare(a, &c, state_failed, &qerr, v, &it->after_err)))
		goto out;
	memcpy(v->ak_name, c.ak_name, c.ak_name_len);
	v->ak_name_len = c.ak_name_len;
	memcpy(v->ek_cert_sha256, c.ek_cert_sha256, sizeof v->ek_cert_sha256);
	v->selection = c.selection;
	v->issued = c.issued;
	v->expires = c.expires;
	take_claims(&c, &pt, nonce, v);
out:
	OPENSSL_free(qr);
	tcg_quote_verifier_free(own_qv);
	tcg_public_free(ak);
	tcg_dha_content_free(&c);
	tcg_blob_free_plaintext(pt.p, pt.len);
	return rc;
}

/* Step 4's answer (claim) decides: a refused nonce leaves only the device and
 * nonce known, as when the checks stopped there; a consumed one, step 5's. */
static tcg_rc settle(tcg_dha_verify_item *it, const tcg_nonce_claim *claim)
{
	tcg_dha_verdict *v = &it->v;
	if (claim->rc) {
		tcg_dha_verdict known = {0};
		memcpy(known.device, v->device, sizeof known.device);
		memcpy(known.nonce, v->nonce, sizeof known.nonce);
		tcg_dha_verdict_free(v);
		*v = known;
		it->err = claim->err;
		return claim->rc;
	}
	v->nonce_consumed = true;
	if (it->after_rc) {
		it->err = it->after_err;
		return it->after_rc;
	}
	v->verified = true;
	return TCG_OK;
}

/* Nothing of the batch was verified: each document fails with e, undecided. */
static void fail_items(tcg_dha_verify_item *items, size_t n, const tcg_err *e)
{
	for (size_t i = 0; i < n; i++) {
		if (!items[i].prepared)
			continue;
		tcg_dha_verdict_free(&items[i].v);
		items[i].err = *e;
		items[i].rc = e->rc;
		items[i].decided = false;
	}
}

tcg_rc tcg_dha_verify_prepare(tcg_dha_verify_item *it, const tcg_dha_verify_opts *o)
{
	if (!it)
		return TCG_E_USAGE;
	tcg_err_clear(&it->err);
	it->prepared = true;
	it->after_rc = TCG_OK;
	it->rc = verify_but_nonce(it->msg, o, it, &it->err);
	it->decided = it->rc != TCG_E_IO; /* the registry's store failed */
	return it->rc;
}

static bool batch_ok(const tcg_dha_verify_item *items, size_t n, const tcg_dha_verify_opts *o)
{
	return n <= TCG_DHA_VERIFY_BATCH_MAX && (!n || items) && o && o->store;
}

tcg_rc tcg_dha_verify_commit(tcg_dha_verify_item *items, size_t n, const tcg_dha_verify_opts *o,
                             tcg_err *err)
{
	tcg_nonce_claim *claims = NULL;
	size_t *which = NULL, tries = 0;
	tcg_err txn;
	tcg_rc rc = TCG_OK;

	tcg_err_clear(&txn);
	if (!batch_ok(items, n, o)) {
		rc = tcg_fail(&txn, TCG_E_USAGE, "dha-verify-usage",
		              "a batch of at most %d documents, and a store", TCG_DHA_VERIFY_BATCH_MAX);
		goto out;
	}
	if (n && (!(claims = calloc(n, sizeof *claims)) || !(which = calloc(n, sizeof *which)))) {
		rc = tcg_fail_nomem(&txn);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		tcg_dha_verify_item *it = &items[i];
		if (!it->prepared || it->rc)
			continue;
		claims[tries].device = it->v.device;
		memcpy(claims[tries].nonce, it->v.nonce, TCG_NONCE_SIZE);
		which[tries++] = i;
	}
	/* 4. the nonces, once, in one transaction; per claim only after it */
	if (tries && (rc = tcg_nonce_consume_batch(o->store, claims, tries, o->now, &txn))) {
		for (size_t k = 0; k < tries; k++) { /* not every failure fills the claims */
			claims[k].rc = rc;
			claims[k].err = txn;
		}
	}
	for (size_t k = 0; k < tries; k++) {
		tcg_dha_verify_item *it = &items[which[k]];
		it->rc = settle(it, &claims[k]);
		it->decided = rc == TCG_OK;
	}
out:
	if (rc && !tries && items && n <= TCG_DHA_VERIFY_BATCH_MAX)
		fail_items(items, n, &txn);
	if (rc && err)
		*err = txn;
	if (claims)
		OPENSSL_cleanse(claims, n * sizeof *claims);
	free(claims);
	free(which);
	return rc;
}

tcg_rc tcg_dha_verify_batch(tcg_dha_verify_item *items, size_t n, const tcg_dha_verify_opts *o,
                            tcg_err *err)
{
	bool ok = batch_ok(items, n, o);
	for (size_t i = 0; items && n <= TCG_DHA_VERIFY_BATCH_MAX && i < n; i++) {
		if (!items[i].msg) {
			items[i].prepared = false; /* left alone */
		} else if (ok) {
			tcg_dha_verify_prepare(&items[i], o);
		} else { /* refused below, as a whole */
			memset(&items[i].v, 0, sizeof items[i].v);
			items[i].prepared = true;
		}
	}
	return tcg_dha_verify_commit(items, n, o, err);
}

tcg_rc tcg_dha_verify(const tcg_msg *m, const tcg_dha_verify_opts *o, tcg_dha_verdict *v,
                      tcg_err *err)
{
	tcg_dha_verify_item it = {.msg = m};

	memset(v, 0, sizeof *v);
	if (!m) /* the batch leaves a NULL alone: refuse it here */
		return tcg_fail(err, TCG_E_USAGE, "dha-verify-usage", "a dha-signedblob");
	tcg_dha_verify_batch(&it, 1, o, NULL);
	*v = it.v;
	if (err)
		*err = it.err;
	return it.rc;
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

/* What the verified claims say of the EncBlob, known when it is sealed. */
typedef struct {
	const tcg_dha_content *c;
	const uint8_t *key_id;
} sealed_facts;

static void write_dha(tcg_yaml *y, const sealed_facts *f)
{
	static const uint8_t slot[TCG_NONCE_SIZE]; /* zeros: tcg_dha_verify writes the nonce */
	const tcg_dha_content *c = f->c;
	char sel[256];
	if (!tcg_pcr_selection_format(&c->selection, sel, sizeof sel))
		snprintf(sel, sizeof sel, "?");
	tcg_yaml_key(y, "dha");
	tcg_yaml_map_start(y);
	tcg_yaml_kv_cstr(y, "device", c->device);
	tcg_yaml_kv_hex(y, "nonce", slot, sizeof slot);
	tcg_yaml_kv_hex(y, "ak-name", c->ak_name, c->ak_name_len);
	tcg_yaml_kv_hex(y, "ek-certificate-sha256", c->ek_cert_sha256, sizeof c->ek_cert_sha256);
	tcg_yaml_kv_cstr(y, "pcr-selection", sel);
	kv_time(y, "issued", c->issued);
	kv_time(y, "expires", c->expires);
	tcg_yaml_kv_u64(y, "reset-count", c->reset_count);
	tcg_yaml_kv_u64(y, "restart-count", c->restart_count);
	tcg_yaml_kv_hex(y, "key-id", f->key_id, TCG_SERVICE_KEY_ID_SIZE);
	tcg_yaml_map_end(y);
}

static void write_verification(tcg_yaml *y, const tcg_ynode *vf, const sealed_facts *f)
{
	/* A failure record never rides along with verified claims. */
	static const char *const drop[] = {"dha",     "result",     "rule",
	                                   "message", "attributed", "mismatch"};
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
	write_dha(y, f);
	tcg_yaml_map_end(y);
}

/* The facts only the verified quote gives, as the report's health names. */
enum { H_AIK, H_RESET, H_RESTART, H_TPMVERSION, H_COUNT };
static const char *const health_keys[H_COUNT] = {"AIKPresent", "ResetCount", "RestartCount",
                                                 "TpmVersion"};

/* The counts are the EncBlob's: a quote that verifies has the same. */
static void health_value(tcg_yaml *y, int which, const tcg_dha_content *c)
{
	tcg_yaml_key(y, health_keys[which]);
	switch (which) {
	case H_AIK:
		tcg_yaml_bool(y, 1);
		break;
	case H_RESET:
		tcg_yaml_u64(y, c->reset_count);
		break;
	case H_RESTART:
		tcg_yaml_u64(y, c->restart_count);
		break;
	default:
		tcg_yaml_u64(y, 2); /* TPM 2.0 */
	}
}

static void write_health(tcg_yaml *y, const tcg_ynode *h, const tcg_dha_content *c)
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
			health_value(y, which, c);
			seen[which] = true;
		} else {
			tcg_yaml_node_key(y, k);
			tcg_yaml_node(y, h->items[2 * i + 1]);
		}
	}
	for (int j = 0; j < H_COUNT; j++)
		if (!seen[j])
			health_value(y, j, c);
	tcg_yaml_map_end(y);
}

static tcg_rc write_verified(const tcg_ynode *root, const sealed_facts *f, FILE *out,
                             tcg_err *err)
{
	bool health = tcg_ynode_get(root, "health") != NULL;
	tcg_yaml *y = tcg_yaml_new(out);
	if (!y)
		return tcg_fail_nomem(err);
	tcg_yaml_map_start(y);
	for (size_t i = 0; i < root->n; i++) {
		const tcg_ynode *k = root->items[2 * i], *val = root->items[2 * i + 1];
		if (key_is(k, "verification")) {
			tcg_yaml_key(y, "verification");
			write_verification(y, val, f);
			if (!health) {
				tcg_yaml_key(y, "health");
				write_health(y, NULL, f->c);
			}
		} else if (key_is(k, "health")) {
			tcg_yaml_key(y, "health");
			write_health(y, val, f->c);
		} else {
			tcg_yaml_node_key(y, k);
			tcg_yaml_node(y, val);
		}
	}
	tcg_yaml_map_end(y);
	return tcg_yaml_finish(y, err);
}

static const char *find(const char *from, const char *end, const char *needle)
{
	size_t n = strlen(needle);
	for (const char *p = from; p && (size_t)(end - p) >= n; p++) {
		if (!(p = memchr(p, needle[0], (size_t)(end - p))) || (size_t)(end - p) < n)
			return NULL;
		if (!memcmp(p, needle, n))
			return p;
	}
	return NULL;
}

/*
 * In the block layout the writer gives (every scalar on one line, strings
 * double-quoted with their breaks escaped) a line at column 0 is a top-level
 * key: the block under the top-level key whose line holds p ends at the first
 * newline followed by anything but a space (returned), or at end.
 */
static const char *block_end(const char *p, const char *end)
{
	while ((p = memchr(p, '\n', (size_t)(end - p))) && p + 1 < end && p[1] == ' ')
		p++;
	return p ? p : end;
}

/* Where write_verified put the nonce: verification's last key is dha, whose
 * second line is the nonce of zeros. */
static bool nonce_slot(const char *t, size_t len, size_t *slot)
{
	const char *end = t + len, *v = find(t, end, "\nverification:\n"), *p, *dha = NULL;
	static const char line[] = "    nonce: \"";
	if (!v)
		return false;
	p = block_end(v + 1, end);
	for (const char *q = v; (q = find(q + 1, p, "\n  dha:\n"));)
		dha = q;
	if (!dha || !(p = memchr(dha + 8, '\n', (size_t)(end - dha - 8))) ||
	    (size_t)(end - p) < 1 + sizeof line - 1 + TCG_DHA_NONCE_SLOT_LEN + 2 ||
	    memcmp(p + 1, line, sizeof line - 1))
		return false;
	*slot = (size_t)(p + sizeof line - t);
	return p[sizeof line + TCG_DHA_NONCE_SLOT_LEN] == '"';
}

/* Adopt text as c's claims when its nonce slot is where it belongs. */
static tcg_rc adopt_claims(tcg_dha_content *c, char *text, size_t len, tcg_err *err)
{
	size_t slot = 0;
	if (!len || len > TCG_DHA_CONTENT_MAX_CLAIMS) {
		free(text);
		return tcg_fail_format(err, "dha-content-claims", "the claims are %zu bytes, over %u",
		                       len, TCG_DHA_CONTENT_MAX_CLAIMS);
	}
	if (!nonce_slot(text, len, &slot)) {
		free(text);
		return tcg_fail(err, TCG_E_IO, "dha-content-claims",
		                "the claims writer left no nonce slot where expected");
	}
	if (c->claims)
		OPENSSL_cleanse(c->claims, c->claims_len);
	free(c->claims);
	c->claims = text;
	c->claims_len = len;
	c->nonce_slot = slot;
	return TCG_OK;
}

/* Text written to memory by write (NUL-terminated; TCG_E_NOMEM when it fails). */
static tcg_rc write_text(tcg_rc (*write)(FILE *f, const void *arg, tcg_err *err),
                         const void *arg, char **text, size_t *len, tcg_err *err)
{
	FILE *f = open_memstream(text, len);
	if (!f)
		return tcg_fail_nomem(err);
	tcg_rc rc = write(f, arg, err);
	if (fclose(f) && !rc)
		rc = tcg_fail_nomem(err);
	if (rc) {
		free(*text);
		*text = NULL;
	}
	return rc;
}

/* The entries write_verified adds to claims that hold neither: a document
 * {verification: {dha: ...}, health: {AIKPresent: ...}}. */
static tcg_rc write_additions(FILE *f, const void *arg, tcg_err *err)
{
	const sealed_facts *sf = arg;
	tcg_yaml *y = tcg_yaml_new(f);
	if (!y)
		return tcg_fail_nomem(err);
	tcg_yaml_map_start(y);
	tcg_yaml_key(y, "verification");
	tcg_yaml_map_start(y);
	write_dha(y, sf);
	tcg_yaml_map_end(y);
	tcg_yaml_key(y, "health");
	write_health(y, NULL, sf->c);
	tcg_yaml_map_end(y);
	return tcg_yaml_finish(y, err);
}

static tcg_rc write_claims(FILE *f, const void *arg, tcg_err *err)
{
	return tcg_claims_write(arg, f, err);
}

/* The block under the top-level key (with its colon and newline) of t. */
static bool block_of(const char *t, const char *end, const char *key, const char **from,
                     const char **to)
{
	const char *k = find(t, end, key);
	if (!k || (k != t && k[-1] != '\n'))
		return false;
	*from = k + strlen(key);
	*to = block_end(k, end);
	*to += *to < end;
	return true;
}

tcg_rc tcg_dha_seal_claims(tcg_dha_content *c, const uint8_t *key_id, const tcg_claims *claims,
                           tcg_err *err)
{
	sealed_facts sf = {c, key_id};
	char *t = NULL, *add = NULL, *out = NULL;
	size_t tlen = 0, alen = 0;
	const char *v, *v_end, *h, *h_end, *av, *av_end, *ah, *ah_end;
	tcg_rc rc;

	if ((rc = write_text(write_claims, claims, &t, &tlen, err)) ||
	    (rc = write_text(write_additions, &sf, &add, &alen, err)))
		goto out;
	/* tcg_claims_write: verification, then health, neither with what is added */
	if (!block_of(t, t + tlen, "verification:\n", &v, &v_end) ||
	    !block_of(v_end, t + tlen, "health:\n", &h, &h_end) || h != v_end + 8 ||
	    !block_of(add, add + alen, "verification:\n", &av, &av_end) ||
	    !block_of(av_end, add + alen, "health:\n", &ah, &ah_end)) {
		rc = tcg_fail(err, TCG_E_IO, "dha-content-claims",
		              "the claims are not laid out as the claims writer lays them out");
		goto out;
	}
	size_t n1 = (size_t)(v_end - t), a1 = (size_t)(av_end - av), n2 = (size_t)(h_end - v_end),
	       a2 = (size_t)(ah_end - ah), n3 = tlen - (size_t)(h_end - t);
	if (!(out = malloc(n1 + a1 + n2 + a2 + n3 + 1))) {
		rc = tcg_fail_nomem(err);
		goto out;
	}
	memcpy(out, t, n1);
	memcpy(out + n1, av, a1);
	memcpy(out + n1 + a1, v_end, n2);
	memcpy(out + n1 + a1 + n2, ah, a2);
	memcpy(out + n1 + a1 + n2 + a2, h_end, n3);
	out[n1 + a1 + n2 + a2 + n3] = '\0';
	rc = adopt_claims(c, out, n1 + a1 + n2 + a2 + n3, err);
	out = NULL;
out:
	free(out);
	free(t);
	free(add);
	return rc;
}

typedef struct {
	const tcg_ynode *root;
	const sealed_facts *f;
} parsed_claims;

static tcg_rc write_parsed(FILE *f, const void *arg, tcg_err *err)
{
	const parsed_claims *p = arg;
	return write_verified(p->root, p->f, f, err);
}

tcg_rc tcg_dha_content_set_claims(tcg_dha_content *c, const uint8_t *key_id, const char *claims,
                                  size_t len, tcg_err *err)
{
	static const tcg_msg_schema *const accept[] = {&tcg_msg_dha_claims, NULL};
	sealed_facts f = {c, key_id};
	bool verified = false;
	char *text = NULL;
	size_t tlen = 0;
	tcg_msg m;
	tcg_rc rc;

	if (!c || !key_id || !c->device || !claims)
		return tcg_fail(err, TCG_E_USAGE, "dha-content", "content, key id and claims needed");
	if ((rc = tcg_msg_parse((const uint8_t *)claims, len, "claims", accept, &m, err)))
		return rc;
	if (!tcg_msg_bool(&m, "verification.verified", &verified) || !verified) {
		tcg_msg_free(&m);
		return tcg_fail_mismatch(err, "dha-claims-unverified",
		                         "the claims are not verified (verification.verified: false)");
	}
	rc = write_text(write_parsed, &(parsed_claims){m.doc->root, &f}, &text, &tlen, err);
	tcg_msg_free(&m);
	return rc ? rc : adopt_claims(c, text, tlen, err);
}

tcg_rc tcg_dha_claims_write(const tcg_dha_verdict *v, tcg_out_format fmt, FILE *out,
                            tcg_err *err)
{
	if (!v || !v->verified || !v->claims)
		return tcg_fail(err, TCG_E_USAGE, "dha-verify-usage", "no verified claims to write");
	tcg_msg_claims c = {.verified = true, .text = v->claims, .len = v->claims_len};
	tcg_rc rc = tcg_out_check(fmt, err);
	if (rc || fmt == TCG_OUT_YAML)
		return rc ? rc : tcg_msg_claims_write(&c, out, err);
	/* the sealed text is the document: its JSON is read straight from it */
	return tcg_yaml_text_to_json(c.text, c.len, out, err);
}

tcg_rc tcg_dha_failure_write(tcg_out_format fmt, FILE *out, const tcg_dha_verdict *v,
                             const tcg_err *failure, tcg_err *err)
{
	/* Only a sender that proved to be the device (dha.h) speaks for it. */
	tcg_msg_claims c = {.device = v && v->device[0] ? v->device : NULL,
	                    .rule = failure ? failure->rule : NULL,
	                    .message = failure ? failure->msg : NULL,
	                    .attributed = v && v->nonce_consumed && !v->verified,
	                    .compared = v && v->compared};
	char *text = NULL;
	size_t len = 0;
	FILE *mem;
	tcg_rc rc;

	if (c.compared)
		memcpy(c.mismatch, v->mismatch, sizeof c.mismatch);
	if ((rc = tcg_out_check(fmt, err)) || fmt == TCG_OUT_YAML)
		return rc ? rc : tcg_msg_claims_write(&c, out, err);
	/* JSON: the same document, read back from its YAML */
	if (!(mem = open_memstream(&text, &len)))
		return tcg_fail_nomem(err);
	rc = tcg_msg_claims_write(&c, mem, err);
	if (fclose(mem) && !rc)
		rc = tcg_fail_nomem(err);
	if (!rc)
		rc = tcg_yaml_text_to_json(text, len, out, err);
	free(text);
	return rc;
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
