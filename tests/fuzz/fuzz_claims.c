/*
 * libFuzzer target for claims derivation: arbitrary bytes as an event log;
 * when it parses, derive the claims in strict and lenient mode, with and
 * without expected PCR values (the log's own replay, so the rules run on
 * verified PCRs too), and write the document to /dev/null.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcglog/claims.h"
#include "tcglog/log.h"
#include "tcglog/replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

static void run(const tcg_log *log, const tcg_pcr_values *want, bool lenient)
{
	tcg_claims_opts o = { 0 };
	tcg_claims *c = NULL;
	tcg_err err;
	o.expected = want;
	o.allow_sha1 = true;
	o.lenient = lenient;
	tcg_rc rc = tcg_claims_derive(log, &o, &c, &err);
	if ((rc == TCG_OK || rc == TCG_E_MISMATCH) && c)
		(void)tcg_claims_write(c, devnull, &err);
	tcg_claims_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tcg_log *log;
	tcg_err err;
	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		return 0;
	if (tcg_log_parse(data, size, 0, &log, &err))
		return 0;
	run(log, NULL, false);
	run(log, NULL, true);
	tcg_replay_result *r = malloc(sizeof *r);
	if (r && !tcg_replay(log, NULL, r, &err))
		run(log, &r->pcrs, true);
	free(r);
	tcg_log_free(log);
	return 0;
}
