/*
 * libFuzzer target over the EK certificate read path: tcg_ekcert_parse (NV
 * quirks, PEM, DER, SAN and subjectDirectoryAttributes decoding), every
 * accessor, the profile and key checks, and the chain against the input
 * itself as trust anchor and intermediate (tcg_ekcert_trust_add_*_data),
 * since trust files are read the same way.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I libtcglog/include \
 *       tests/fuzz/fuzz_ekcert.c BUILD/libtcglog/libtcglog.a \
 *       $(pkg-config --libs libcrypto yaml-0.1 tss2-mu) -o fuzz_ekcert
 *   ./fuzz_ekcert -max_total_time=60 SEEDS_DIR
 *
 * Everything allocated per input is freed per input (LeakSanitizer checks).
 * The chain is checked at a fixed time so runs are reproducible.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcglog/ekcert.h"
#include "tcglog/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_err(const tcg_err *err, tcg_rc rc)
{
	char msg[512];
	if (rc != TCG_OK && err->rc != rc) {
		fprintf(stderr, "fuzz_ekcert: rc %d but err.rc %d\n", (int)rc, (int)err->rc);
		abort();
	}
	tcg_err_format(err, msg, sizeof msg);
	if (memchr(err->rule, '\0', sizeof err->rule) == NULL ||
	    memchr(err->msg, '\0', sizeof err->msg) == NULL)
		abort();
	if (rc == TCG_E_FORMAT && !err->rule[0])
		abort(); /* every refusal names its rule */
}

static void touch(const char *s)
{
	volatile size_t n = s ? strlen(s) : 0;
	(void)n;
}

static void accessors(const tcg_ekcert *c)
{
	uint32_t id;
	const char *fam;
	long level, rev;
	size_t len;
	touch(tcg_ekcert_manufacturer(c));
	touch(tcg_ekcert_model(c));
	touch(tcg_ekcert_version(c));
	if (tcg_ekcert_manufacturer_id(c, &id))
		touch(tcg_tpm_vendor_name(id));
	(void)tcg_ekcert_version_id(c, &id);
	if (tcg_ekcert_tpm_spec(c, &fam, &level, &rev))
		touch(fam);
	touch(tcg_ekcert_subject(c));
	touch(tcg_ekcert_issuer(c));
	touch(tcg_ekcert_serial(c));
	touch(tcg_ekcert_not_before(c));
	touch(tcg_ekcert_not_after(c));
	touch(tcg_ekcert_key_type(c));
	touch(tcg_ekcert_key_curve(c));
	(void)tcg_ekcert_key_bits(c);
	for (unsigned q = 1; q; q <<= 1)
		if (tcg_ekcert_quirks(c) & q) {
			touch(tcg_ekcert_quirk_name(q));
			touch(tcg_ekcert_quirk_detail(c, q));
		}
	const uint8_t *der = tcg_ekcert_der(c, &len);
	if (!der || !len)
		abort();
	volatile uint8_t sink = der[0] ^ der[len - 1];
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A private copy: a zero-size input is still a distinct allocation. */
	uint8_t *copy = malloc(size ? size : 1);
	tcg_ekcert *c = NULL;
	tcg_ekcert_trust *t;
	tcg_ekcert_result *res;
	tcg_err err;
	tcg_rc rc;

	if (!copy)
		abort();
	if (size)
		memcpy(copy, data, size);

	tcg_err_clear(&err);
	rc = tcg_ekcert_parse(copy, size, &c, &err);
	check_err(&err, rc);
	if (rc != TCG_OK && c)
		abort();

	t = tcg_ekcert_trust_new();
	res = malloc(sizeof *res);
	if (!t || !res)
		abort();
	tcg_err_clear(&err);
	check_err(&err, tcg_ekcert_trust_add_ca_data(t, copy, size, &err));
	tcg_err_clear(&err);
	check_err(&err, tcg_ekcert_trust_add_untrusted_data(t, copy, size, &err));

	if (c) {
		accessors(c);
		for (unsigned flags = 0; flags < 2; flags++) {
			tcg_err_clear(&err);
			rc = tcg_ekcert_verify(c, t, NULL, flags, 1700000000, res, &err);
			check_err(&err, rc);
			if (rc == TCG_OK && !res->verified)
				abort();
			if (res->chain_len > TCG_EKCERT_MAX_CHAIN)
				abort();
			for (size_t i = 0; i < res->num_findings && i < TCG_EKCERT_MAX_FINDINGS; i++)
				if (!res->finding[i].rule[0] ||
				    !memchr(res->finding[i].msg, '\0', sizeof res->finding[i].msg))
					abort();
		}
		tcg_ekcert_free(c);
	}
	tcg_ekcert_trust_free(t);
	free(res);
	free(copy);
	return 0;
}
