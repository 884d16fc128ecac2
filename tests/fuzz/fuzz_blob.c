/* libFuzzer target: the EncBlob reader (tcg_blob_open).
 *
 * The input is opened as a blob under two fixed service keys; nothing the fuzzer makes
 * without a key may open. Then the input is sealed as plaintext, must open back to
 * itself, and must be refused once any one bit (chosen from the input) is flipped. */
#include <stdlib.h>
#include <string.h>

#include "tcglog/blob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t aad[] = "fuzz";
	uint8_t raw[TCG_SERVICE_KEY_SIZE];
	tcg_service_key keys[2];
	uint8_t *pt = NULL, *blob = NULL;
	size_t plen = 0, blen = 0;
	tcg_err err;

	tcg_err_clear(&err);
	memset(raw, 0x11, sizeof raw);
	tcg_service_key_set(&keys[0], raw);
	memset(raw, 0x22, sizeof raw);
	tcg_service_key_set(&keys[1], raw);

	/* 1. Untrusted bytes as a blob: must be refused, with no plaintext. */
	if (tcg_blob_open(keys, 2, data, size, aad, sizeof aad, &pt, &plen, &err) == TCG_OK)
		abort(); /* a forgery */
	if (pt != NULL || plen != 0)
		abort();

	/* 2. Round trip of the input as plaintext, and a single flipped bit refused. */
	if (size > 4096)
		goto out;
	if (tcg_blob_seal(&keys[size & 1], data, size, aad, sizeof aad, &blob, &blen, &err) !=
	    TCG_OK)
		abort();
	if (tcg_blob_open(keys, 2, blob, blen, aad, sizeof aad, &pt, &plen, &err) != TCG_OK ||
	    plen != size || (size > 0 && memcmp(pt, data, size) != 0))
		abort();
	tcg_blob_free_plaintext(pt, plen);
	pt = NULL;
	{
		size_t pos = size > 0 ? ((size_t)data[0] << 8 | (size > 1 ? data[1] : 0)) % blen : 0;
		blob[pos] ^= (uint8_t)(1u << (size > 2 ? data[2] % 8 : 0));
		if (tcg_blob_open(keys, 2, blob, blen, aad, sizeof aad, &pt, &plen, &err) == TCG_OK ||
		    pt != NULL)
			abort();
	}
	free(blob);
out:
	tcg_service_key_wipe(&keys[0]);
	tcg_service_key_wipe(&keys[1]);
	return 0;
}
