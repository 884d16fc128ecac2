/* libFuzzer target: TPM public areas, PEM keys, TPMS_ATTEST, and a whole quote check. */
#include <stdlib.h>
#include <string.h>

#include "tcglog/quote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tcg_public *pub = NULL;
	tcg_attest a;
	tcg_err err;
	uint8_t name[TCG_MAX_NAME];
	size_t name_len;

	tcg_err_clear(&err);
	if (tcg_public_load(data, size, &pub, &err) == TCG_OK) {
		(void)tcg_ak_check(pub, false, &err);
		if (tcg_public_has_area(pub))
			(void)tcg_public_name(pub, name, &name_len, &err);
	}
	(void)tcg_attest_parse(data, size, &a, &err);
	/* The first bytes as a signature, the rest as the attestation, against the input's key. */
	if (pub && size > 8) {
		static const uint8_t nonce[4] = { 1, 2, 3, 4 };
		tcg_pcr_values v;
		tcg_quote_result *r = malloc(sizeof *r);
		/* a PEM key too: the checks after the key rules stay reachable */
		tcg_quote_opts o = { .nonce = nonce, .nonce_len = sizeof nonce, .pcrs = &v,
		                     .ak_unchecked = true };
		size_t cut = data[0] % size;
		memset(&v, 0, sizeof v);
		if (r)
			(void)tcg_quote_verify(pub, data + cut, size - cut, data, cut, &o, r, &err);
		free(r);
	}
	tcg_public_free(pub);
	return 0;
}
