/*
 * libFuzzer target, differential: the library's quote TPMS_ATTEST reader
 * against tss2-mu's Tss2_MU_TPMS_ATTEST_Unmarshal on the same bytes. Where
 * tss2-mu reads a quote (magic TPM_GENERATED, type ATTEST_QUOTE), the library
 * must accept exactly what tss2-mu reads to the last byte within the caps the
 * library keeps (name 66, extraData and pcrDigest 64 bytes; PCRs 0-23, no
 * bank twice), and read the same fields. Anything else that starts with four
 * bytes of magic and two of type must be refused for that magic or type.
 */
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_mu.h>

#include "tcglog/quote.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* tss2-mu logs every refusal to standard error: millions of lines, not findings. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("TSS2_LOG", "all+NONE", 1);
	return 0;
}

/* The selection as the TSS read it, held to the library's rules. */
static bool tss_selection(const TPML_PCR_SELECTION *s, tcg_pcr_selection *out)
{
	memset(out, 0, sizeof *out);
	for (uint32_t i = 0; i < s->count; i++) {
		uint32_t mask = 0;
		for (unsigned k = 0; k < s->pcrSelections[i].sizeofSelect; k++)
			mask |= (uint32_t)s->pcrSelections[i].pcrSelect[k] << (8 * k);
		if (mask >> TCG_NUM_PCRS)
			return false;
		for (uint32_t j = 0; j < i; j++)
			if (s->pcrSelections[j].hash == s->pcrSelections[i].hash)
				return false;
		out->bank[i].alg = s->pcrSelections[i].hash;
		out->bank[i].mask = mask;
	}
	out->num_banks = s->count;
	return s->count <= TCG_MAX_SELECTION_BANKS;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TPMS_ATTEST t;
	tcg_pcr_selection sel;
	tcg_attest a;
	tcg_err err;
	size_t off = 0;
	bool tss_ok, ours_ok;
	tcg_rc rc;

	tcg_err_clear(&err);
	rc = tcg_attest_parse(data, size, &a, &err);
	ours_ok = rc == TCG_OK;
	if (size >= 4 && ((uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
	                  (uint32_t)data[2] << 8 | data[3]) != TCG_TPM_GENERATED) {
		if (rc != TCG_E_MISMATCH || strcmp(err.rule, "quote-magic"))
			abort();
		return 0;
	}
	if (size >= 6 && (data[4] << 8 | data[5]) != TCG_ST_ATTEST_QUOTE) {
		if (rc != TCG_E_MISMATCH || strcmp(err.rule, "quote-type"))
			abort();
		return 0;
	}
	memset(&t, 0, sizeof t);
	tss_ok = Tss2_MU_TPMS_ATTEST_Unmarshal(data, size, &off, &t) == TSS2_RC_SUCCESS &&
	         off == size && t.qualifiedSigner.size <= sizeof a.signer &&
	         t.extraData.size <= sizeof a.extra &&
	         t.attested.quote.pcrDigest.size <= sizeof a.pcr_digest &&
	         tss_selection(&t.attested.quote.pcrSelect, &sel);
	if (tss_ok != ours_ok)
		abort();
	if (!ours_ok) {
		/* a refusal is a format error naming its rule, never a mismatch */
		if (rc != TCG_E_FORMAT || !err.rule[0])
			abort();
		return 0;
	}
	if (a.magic != t.magic || a.type != t.type ||
	    a.signer_len != t.qualifiedSigner.size ||
	    memcmp(a.signer, t.qualifiedSigner.name, a.signer_len) ||
	    a.extra_len != t.extraData.size || memcmp(a.extra, t.extraData.buffer, a.extra_len) ||
	    a.clock != t.clockInfo.clock || a.reset_count != t.clockInfo.resetCount ||
	    a.restart_count != t.clockInfo.restartCount ||
	    a.safe != (t.clockInfo.safe == TPM2_YES) || a.firmware_version != t.firmwareVersion ||
	    !tcg_pcr_selection_equal(&a.selection, &sel) ||
	    a.pcr_digest_len != t.attested.quote.pcrDigest.size ||
	    memcmp(a.pcr_digest, t.attested.quote.pcrDigest.buffer, a.pcr_digest_len))
		abort();
	return 0;
}
