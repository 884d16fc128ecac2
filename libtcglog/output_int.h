/* The start of every result writer: the YAML writer for the format asked for. */
#ifndef TCGLOG_OUTPUT_INT_H
#define TCGLOG_OUTPUT_INT_H

#include <stdio.h>

#include "tcglog/error.h"
#include "tcglog/output.h"
#include "tcglog/pcrs.h"
#include "yamlout.h"

/* TCG_OK for a format there is, else TCG_E_USAGE (output-format). */
static inline tcg_rc tcg_out_check(tcg_out_format fmt, tcg_err *err)
{
	if (fmt != TCG_OUT_YAML && fmt != TCG_OUT_JSON)
		return tcg_fail(err, TCG_E_USAGE, "output-format", "no output format %d", (int)fmt);
	return TCG_OK;
}

/* *y for fmt on out; TCG_E_USAGE for a format that is none, TCG_E_NOMEM. */
static inline tcg_rc tcg_out_open(tcg_out_format fmt, FILE *out, tcg_yaml **y, tcg_err *err)
{
	tcg_rc rc;
	*y = NULL;
	if ((rc = tcg_out_check(fmt, err)))
		return rc;
	if (!out)
		return tcg_fail(err, TCG_E_USAGE, "output-format", "no output stream");
	*y = fmt == TCG_OUT_JSON ? tcg_yaml_new_json(out) : tcg_yaml_new(out);
	return *y ? TCG_OK : tcg_fail_nomem(err);
}

/*
 * The one PCR layout of every output: a mapping bank -> PCR index -> the value
 * as lower-case hex, a string (sha256: {0: "78f3..."}), for the PCRs present.
 * A plain 0x... value would read as an integer in YAML 1.1; tcg_pcrs_parse
 * reads this layout back.
 */
void tcg_pcrs_write(tcg_yaml *y, const tcg_pcr_values *v);

#endif
