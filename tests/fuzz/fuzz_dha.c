/* libFuzzer target: the DHA service's readers.
 *
 * 1. The input as EncBlob content (tcg_dha_content_decode): whatever decodes
 *    must encode again and decode to the same encoding (a fixed point).
 * 2. The input as a dha-bootdata message, through every check of the issue
 *    step with a fixed service key and no trust anchor: nothing the fuzzer
 *    makes may be issued, and a refusal leaves no reply behind.
 * 3. The input as the claims an EncBlob carries, re-emitted by dha-verify's
 *    writer: what it writes must read back as a dha-claims message that says
 *    verified: true. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcglog/dha.h"
#include "tcglog/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void content(const uint8_t *data, size_t size)
{
	tcg_dha_content c, c2;
	tcg_err err;
	uint8_t *enc = NULL, *enc2 = NULL;
	size_t len = 0, len2 = 0;

	if (tcg_dha_content_decode(data, size, &c, &err) != TCG_OK) {
		if (c.device || c.claims || c.ak_public)
			abort(); /* a refusal hands nothing back */
		return;
	}
	if (tcg_dha_content_encode(&c, &enc, &len, &err) != TCG_OK)
		abort(); /* what decodes is valid content */
	if (tcg_dha_content_decode(enc, len, &c2, &err) != TCG_OK)
		abort();
	if (tcg_dha_content_encode(&c2, &enc2, &len2, &err) != TCG_OK || len != len2 ||
	    memcmp(enc, enc2, len))
		abort();
	tcg_dha_content_free(&c);
	tcg_dha_content_free(&c2);
	free(enc);
	free(enc2);
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
	tcg_dha_issue_opts o = {.validity = 60};
	if (tcg_dha_issue(&m, &key, trust, &o, 1800000000, &reply, &err) == TCG_OK)
		abort(); /* issued without a trusted EK certificate */
	if (reply.blob || reply.device)
		abort();
	tcg_service_key_wipe(&key);
	tcg_ekcert_trust_free(trust);
	tcg_msg_free(&m);
}

static void claims(const uint8_t *data, size_t size)
{
	static const tcg_msg_schema *const accept[] = {&tcg_msg_dha_claims, NULL};
	tcg_dha_verdict v;
	tcg_err err;
	char *text = NULL;
	size_t len = 0;

	memset(&v, 0, sizeof v);
	if (tcg_msg_parse(data, size, "fuzz", accept, &v.claims, &err) != TCG_OK)
		return;
	v.verified = true;
	strcpy(v.device, "fuzz");
	FILE *f = open_memstream(&text, &len);
	if (!f)
		abort();
	tcg_rc rc = tcg_dha_claims_write(&v, f, &err);
	if (fclose(f))
		abort();
	if (rc == TCG_OK) {
		tcg_msg back;
		bool verified = false;
		if (tcg_msg_parse((const uint8_t *)text, len, "rewritten", accept, &back, &err) !=
		        TCG_OK ||
		    !tcg_msg_bool(&back, "verification.verified", &verified) || !verified)
			abort();
		tcg_msg_free(&back);
	}
	free(text);
	tcg_dha_verdict_free(&v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	content(data, size);
	bootdata(data, size);
	claims(data, size);
	return 0;
}
