/* libFuzzer target: the tpm2-tools credential file (tpm2_activatecredential -i). */
#include <stdlib.h>
#include <string.h>

#include "tcglog/credential.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[TCG_CREDENTIAL_FILE_MAX];
	tcg_credential c;
	tcg_err err;
	size_t len = 0;

	tcg_err_clear(&err);
	if (tcg_credential_read(data, size, &c, &err) != TCG_OK)
		return 0;
	/* Strict reading: what was accepted writes back to exactly the same bytes. */
	if (tcg_credential_write(&c, out, sizeof out, &len, &err) != TCG_OK || len != size ||
	    memcmp(out, data, size))
		abort();
	return 0;
}
