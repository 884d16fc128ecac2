/*
 * The TPMS_ATTEST of a quote (TPM 2.0 Part 2, TPMS_ATTEST and TPMS_QUOTE_INFO),
 * read field by field from the received bytes. The signature is over those
 * bytes, so nothing is re-marshalled: every length is checked against its cap
 * and what remains, and bytes after the structure are refused.
 */
#include <string.h>
#include <tss2/tss2_tpm2_types.h>

#include "buf.h"
#include "quote_int.h"

/* The largest quote TPMS_ATTEST accepted: magic, type, qualifiedSigner,
 * extraData, clockInfo (17), firmwareVersion, a full TPML_PCR_SELECTION and
 * pcrDigest. Anything longer is refused before it is read. */
#define ATTEST_QUOTE_MAX                                                                    \
	(4 + 2 + 2 + TCG_MAX_NAME + 2 + sizeof ((tcg_attest *)0)->extra + 17 + 8 + 4 +         \
	 TCG_MAX_SELECTION_BANKS * (2 + 1 + TPM2_PCR_SELECT_MAX) + 2 +                          \
	 sizeof ((tcg_attest *)0)->pcr_digest)

static tcg_rc truncated(size_t len, const char *field, tcg_err *err)
{
	return tcg_fail_format(err, "attest-unmarshal",
	                       "not a TPMS_ATTEST (%zu bytes): it ends inside %s", len, field);
}

/* A TPM2B of at most cap bytes into out. */
static tcg_rc read_tpm2b(tcg_buf *b, size_t len, const char *field, uint8_t *out, size_t cap,
                         size_t *out_len, tcg_err *err)
{
	const uint8_t *p;
	uint16_t n;

	if (!tcg_buf_u16be(b, &n))
		return truncated(len, field, err);
	if (n > cap)
		return tcg_fail_format(err, "attest-size", "%s of %u bytes (at most %zu)", field, n,
		                       cap);
	if (!tcg_buf_bytes(b, n, &p))
		return truncated(len, field, err);
	memcpy(out, p, n);
	*out_len = n;
	return TCG_OK;
}

/* TPML_PCR_SELECTION: at most 16 banks, each selecting only PCRs 0-23, no bank twice. */
static tcg_rc read_selection(tcg_buf *b, size_t len, tcg_pcr_selection *out, tcg_err *err)
{
	uint32_t count;

	if (!tcg_buf_u32be(b, &count))
		return truncated(len, "pcrSelect", err);
	if (count > TCG_MAX_SELECTION_BANKS)
		return tcg_fail_format(err, "quote-selection", "%u banks in the PCR selection",
		                       count);
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *sel;
		uint16_t alg;
		uint8_t n;
		uint32_t mask = 0;

		if (!tcg_buf_u16be(b, &alg) || !tcg_buf_u8(b, &n))
			return truncated(len, "pcrSelect", err);
		if (n > TPM2_PCR_SELECT_MAX)
			return tcg_fail_format(err, "quote-selection", "sizeofSelect %u", n);
		if (!tcg_buf_bytes(b, n, &sel))
			return truncated(len, "pcrSelect", err);
		for (unsigned k = 0; k < n; k++)
			mask |= (uint32_t)sel[k] << (8 * k);
		if (mask >> TCG_NUM_PCRS)
			return tcg_fail_format(err, "quote-selection",
			                       "PCRs above 23 selected in bank 0x%04x", alg);
		for (uint32_t j = 0; j < i; j++)
			if (out->bank[j].alg == alg)
				return tcg_fail_format(err, "quote-selection",
				                       "bank 0x%04x selected twice", alg);
		out->bank[i].alg = alg;
		out->bank[i].mask = mask;
	}
	out->num_banks = count;
	return TCG_OK;
}

tcg_rc tcg_attest_read(const uint8_t *data, size_t len, tcg_attest *out, tcg_err *err)
{
	tcg_buf b = tcg_buf_init(data, len);
	uint8_t safe;
	tcg_rc rc;

	if (!tcg_buf_u32be(&b, &out->magic))
		return truncated(len, "magic", err);
	/* Not the TPM's own structure, or another attestation signed by the same
	 * AK (an NV_Certify): neither is a quote, whatever follows. */
	if (out->magic != TCG_TPM_GENERATED)
		return tcg_fail_mismatch(err, "quote-magic", "magic 0x%08x is not TPM_GENERATED",
		                         out->magic);
	if (!tcg_buf_u16be(&b, &out->type))
		return truncated(len, "type", err);
	if (out->type != TCG_ST_ATTEST_QUOTE)
		return tcg_fail_mismatch(err, "quote-type",
		                         "attestation type 0x%04x is not ATTEST_QUOTE", out->type);
	if (len > ATTEST_QUOTE_MAX)
		return tcg_fail_format(err, "attest-size",
		                       "%zu bytes is more than any quote's TPMS_ATTEST", len);
	if ((rc = read_tpm2b(&b, len, "qualifiedSigner", out->signer, sizeof out->signer,
	                     &out->signer_len, err)) ||
	    (rc = read_tpm2b(&b, len, "extraData", out->extra, sizeof out->extra, &out->extra_len,
	                     err)))
		return rc;
	if (!tcg_buf_u64be(&b, &out->clock) || !tcg_buf_u32be(&b, &out->reset_count) ||
	    !tcg_buf_u32be(&b, &out->restart_count) || !tcg_buf_u8(&b, &safe))
		return truncated(len, "clockInfo", err);
	/* TPMI_YES_NO: only YES is safe (as the TSS read it, any other byte is not) */
	out->safe = safe == TPM2_YES;
	if (!tcg_buf_u64be(&b, &out->firmware_version))
		return truncated(len, "firmwareVersion", err);
	if ((rc = read_selection(&b, len, &out->selection, err)) ||
	    (rc = read_tpm2b(&b, len, "pcrDigest", out->pcr_digest, sizeof out->pcr_digest,
	                     &out->pcr_digest_len, err)))
		return rc;
	if (tcg_buf_left(&b))
		return tcg_fail_format(err, "attest-trailing-data",
		                       "%zu bytes after the TPMS_ATTEST", tcg_buf_left(&b));
	return TCG_OK;
}

tcg_rc tcg_attest_parse(const uint8_t *data, size_t len, tcg_attest *out, tcg_err *err)
{
	memset(out, 0, sizeof *out);
	return tcg_attest_read(data, len, out, err);
}
