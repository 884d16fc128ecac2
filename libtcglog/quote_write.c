/* The result documents of a quote verification (tpm-quote-verify's output). */
#include "tcglog/quote.h"

#include "output_int.h"

static const char *scheme_name(uint16_t s)
{
	switch (s) {
	case TCG_ALG_RSASSA:
		return "rsassa";
	case TCG_ALG_RSAPSS:
		return "rsapss";
	case TCG_ALG_ECDSA:
		return "ecdsa";
	default:
		return "unknown";
	}
}

tcg_rc tcg_quote_result_write(const tcg_public *ak, const tcg_quote_result *r, bool from_log,
                              tcg_out_format fmt, FILE *out, tcg_err *err)
{
	uint8_t name[TCG_MAX_NAME];
	size_t name_len;
	tcg_err nerr;
	tcg_yaml *y;
	tcg_rc rc;

	if ((rc = tcg_out_open(fmt, out, &y, err)))
		return rc;
	tcg_yaml_map_start(y);
	tcg_yaml_kv_bool(y, "verified", 1);
	tcg_yaml_key(y, "ak");
	tcg_yaml_map_start(y);
	tcg_yaml_key(y, "type");
	tcg_yaml_plain(y, tcg_public_type(ak) == TCG_ALG_RSA ? "rsa" : "ecc");
	tcg_yaml_kv_u64(y, "bits", tcg_public_key_bits(ak));
	/* a bare (PEM) key has no public area, so no name */
	if (tcg_public_has_area(ak) && !tcg_public_name(ak, name, &name_len, &nerr))
		tcg_yaml_kv_hex(y, "name", name, name_len);
	tcg_yaml_key(y, "checks");
	tcg_yaml_plain(y, r->ak_checked ? "passed" : "not-run");
	if (!r->ak_checked)
		tcg_yaml_kv_cstr(y, "note", "--ak-unchecked-pem: a PEM key carries no TPM attributes, so "
		                            "nothing showed it is a restricted, fixedTPM AK");
	tcg_yaml_map_end(y);
	tcg_yaml_key(y, "signature");
	tcg_yaml_map_start(y);
	tcg_yaml_key(y, "scheme");
	tcg_yaml_plain(y, scheme_name(r->sig_scheme));
	tcg_yaml_key(y, "hash");
	tcg_yaml_plain(y, tcg_alg_name(r->sig_hash));
	tcg_yaml_map_end(y);
	tcg_yaml_kv_hex(y, "signer", r->attest.signer, r->attest.signer_len);
	tcg_yaml_kv_hex(y, "nonce", r->attest.extra, r->attest.extra_len);
	tcg_yaml_key(y, "clock");
	tcg_yaml_map_start(y);
	tcg_yaml_kv_u64(y, "clock", r->attest.clock);
	tcg_yaml_kv_u64(y, "resetCount", r->attest.reset_count);
	tcg_yaml_kv_u64(y, "restartCount", r->attest.restart_count);
	tcg_yaml_kv_bool(y, "safe", r->attest.safe);
	tcg_yaml_map_end(y);
	tcg_yaml_kv_hex64(y, "firmwareVersion", r->attest.firmware_version);
	tcg_yaml_key(y, "pcrSource");
	tcg_yaml_plain(y, from_log ? "event-log" : "pcr-values");
	tcg_yaml_kv_hex(y, "pcrDigest", r->attest.pcr_digest, r->attest.pcr_digest_len);
	/* the quoted selection's values, in its order */
	tcg_yaml_key(y, "pcrs");
	tcg_pcrs_write(y, &r->pcrs);
	tcg_yaml_map_end(y);
	return tcg_yaml_finish(y, err);
}

tcg_rc tcg_quote_refusal_write(const tcg_err *refusal, tcg_out_format fmt, FILE *out,
                               tcg_err *err)
{
	tcg_yaml *y;
	tcg_rc rc;

	if ((rc = tcg_out_open(fmt, out, &y, err)))
		return rc;
	tcg_yaml_map_start(y);
	tcg_yaml_kv_bool(y, "verified", 0);
	tcg_yaml_kv_cstr(y, "rule", refusal->rule);
	tcg_yaml_map_end(y);
	return tcg_yaml_finish(y, err);
}
