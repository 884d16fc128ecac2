/* libFuzzer target: the DHA service's readers.
 *
 * 1. The input as EncBlob content (tcg_dha_content_decode, binary): whatever
 *    decodes must encode to the same bytes (the layout has one encoding);
 *    the verifier's decoder, which leaves the claims in the input, must
 *    agree with it (the same answer, the same claims bytes).
 * 2. The input as a dha-bootdata message, through every check of the issue
 *    step with a fixed service key and no trust anchor: nothing the fuzzer
 *    makes may be issued, and a refusal leaves no reply behind. It goes
 *    through twice: without a memo, then with the stream's memo that lives
 *    across inputs (what dha-issue keeps parsed: AK verifiers, EK public
 *    areas and certificates); both refusals must be the same.
 * 3. The input as the claims an issuer seals (tcg_dha_content_set_claims):
 *    what it prepares must read back as a dha-claims message that says
 *    verified: true, with the nonce slot inside and zero. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dha_int.h"
#include "tcglog/dha.h"
#include "tcglog/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void content(const uint8_t *data, size_t size)
{
	tcg_dha_content c;
	tcg_public *ak = NULL;
	tcg_err err;
	uint8_t *enc = NULL;
	size_t len = 0;

	tcg_dha_content r;
	tcg_public *rak = NULL;
	size_t at = 0;
	tcg_rc rc = tcg_dha_content_decode(data, size, &c, &ak, &err);
	tcg_rc rr = tcg_dha_content_decode_known(data, size, &r, NULL, &rak, &at, &err);
	if (rr != rc || r.claims)
		abort();
	if (rc != TCG_OK) {
		if (c.device || c.claims || c.ak_public || ak || r.device || r.ak_public || rak)
			abort(); /* a refusal hands nothing back */
		return;
	}
	if (!ak || tcg_dha_content_encode(&c, &enc, &len, &err) != TCG_OK || len != size ||
	    memcmp(enc, data, size))
		abort();
	if (r.claims_len != c.claims_len || r.nonce_slot != c.nonce_slot || at > size ||
	    size - at < r.claims_len || memcmp(data + at, c.claims, c.claims_len))
		abort();
	tcg_public_free(ak);
	tcg_public_free(rak);
	tcg_dha_content_free(&c);
	tcg_dha_content_free(&r);
	free(enc);
}

static void bootdata(const uint8_t *data, size_t size)
{
	static const tcg_msg_schema *const accept[] = {&tcg_msg_dha_bootdata, NULL};
	uint8_t raw[TCG_SERVICE_KEY_SIZE];
	tcg_service_key key;
	tcg_msg m;
	tcg_err err;
	tcg_dha_reply reply;

	if (tcg_msg_parse(data, size, "fuzz", accept, &m, &err) != TCG_OK)
		return;
	tcg_ekcert_trust *trust = tcg_ekcert_trust_new();
	if (!trust)
		abort();
	memset(raw, 0x33, sizeof raw);
	tcg_service_key_set(&key, raw);
	static tcg_dha_verifiers *memo;
	if (!memo && tcg_dha_verifiers_new(&memo, &err))
		abort();
	tcg_dha_issue_opts o = {.validity = 60};
	if (tcg_dha_issue(&m, &key, trust, &o, 1800000000, &reply, &err) == TCG_OK)
		abort(); /* issued without a trusted EK certificate */
	if (reply.blob || reply.device)
		abort();
	tcg_err again;
	o.verifiers = memo;
	if (tcg_dha_issue(&m, &key, trust, &o, 1800000000, &reply, &again) != err.rc ||
	    strcmp(again.rule, err.rule) || reply.blob || reply.device)
		abort(); /* the memo changed the answer */
	tcg_service_key_wipe(&key);
	tcg_ekcert_trust_free(trust);
	tcg_msg_free(&m);
}

static void claims(const uint8_t *data, size_t size)
{
	static const tcg_msg_schema *const accept[] = {&tcg_msg_dha_claims, NULL};
	static const uint8_t key_id[TCG_SERVICE_KEY_ID_SIZE];
	tcg_dha_content c;
	tcg_err err;

	memset(&c, 0, sizeof c);
	c.device = "fuzz";
	c.ak_name_len = 2;
	c.expires = 1;
	if (!tcg_pcr_selection_parse("sha256:0", &c.selection))
		abort();
	if (tcg_dha_content_set_claims(&c, key_id, (const char *)data, size, &err) != TCG_OK) {
		if (c.claims)
			abort();
		return;
	}
	tcg_msg back;
	bool verified = false;
	size_t n = 0;
	const char *nonce;
	if (tcg_msg_parse((const uint8_t *)c.claims, c.claims_len, "sealed", accept, &back, &err) !=
	        TCG_OK ||
	    !tcg_msg_bool(&back, "verification.verified", &verified) || !verified ||
	    !(nonce = tcg_msg_str(&back, "verification.dha.nonce", &n)) ||
	    n != TCG_DHA_NONCE_SLOT_LEN || c.nonce_slot > c.claims_len - n ||
	    memcmp(c.claims + c.nonce_slot, nonce, n) || strspn(nonce, "0") != n)
		abort();
	tcg_msg_free(&back);
	free(c.claims);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	content(data, size);
	bootdata(data, size);
	claims(data, size);
	return 0;
}
