/*
 * libFuzzer target over the whole read path of an untrusted event log:
 * tcg_log_parse, then (when it parses) tcg_replay, tcg_event_binding on every
 * event and tcg_dump_yaml (both formats); and tcg_pcrs_parse on the same bytes, since
 * expected-PCR files are untrusted input too.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I libtcglog/include \
 *       tests/fuzz/fuzz_eventlog.c BUILD/libtcglog/libtcglog.a \
 *       $(pkg-config --libs libcrypto yaml-0.1) -o fuzz_eventlog
 *   ./fuzz_eventlog -max_total_time=60 SEEDS_DIR
 *
 * Everything allocated per input is freed per input (LeakSanitizer checks).
 * Two objects live for the whole process on purpose: the /dev/null stream the
 * YAML goes to and one tcg_hasher (the tools and the benchmark reuse one too;
 * tcg_hash2 starts each digest afresh, so no state carries between inputs).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcglog/binding.h"
#include "tcglog/digest.h"
#include "tcglog/dump.h"
#include "tcglog/error.h"
#include "tcglog/log.h"
#include "tcglog/pcrs.h"
#include "tcglog/replay.h"
#include "output_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;
static tcg_hasher *hasher;
/* Large (about 12 KiB each): static rather than on the fuzzer's stack. */
static tcg_replay_result replay;
static tcg_pcr_values pcrs;

static FILE *null_stream(void)
{
	if (!devnull) {
		devnull = fopen("/dev/null", "w");
		if (!devnull) {
			perror("fuzz_eventlog: /dev/null");
			abort();
		}
	}
	return devnull;
}

static void check_err(const tcg_err *err, tcg_rc rc)
{
	char msg[512];
	/* Every failure must say why; formatting it must stay in bounds. */
	if (rc != TCG_OK && err->rc != rc) {
		fprintf(stderr, "fuzz_eventlog: rc %d but err.rc %d\n", (int)rc, (int)err->rc);
		abort();
	}
	tcg_err_format(err, msg, sizeof msg);
	if (memchr(msg, '\0', sizeof msg) == NULL)
		abort();
	if (memchr(err->rule, '\0', sizeof err->rule) == NULL ||
	    memchr(err->msg, '\0', sizeof err->msg) == NULL)
		abort();
}

static void fuzz_log(const uint8_t *data, size_t size)
{
	tcg_log *log = NULL;
	tcg_err err;
	tcg_rc rc;

	tcg_err_clear(&err);
	rc = tcg_log_parse(data, size, 0, &log, &err);
	check_err(&err, rc);
	if (rc != TCG_OK) {
		if (log)
			tcg_log_free(log);
		return;
	}

	/* Accessors: touch every event's fields so ASan checks the pointers. */
	size_t nbanks = tcg_log_num_banks(log), nev = tcg_log_num_events(log);
	volatile uint8_t sink = 0;
	for (size_t b = 0; b < nbanks; b++) {
		tcg_bank bk = tcg_log_bank(log, b);
		if (tcg_log_bank_index(log, bk.alg) < 0)
			abort();
	}
	(void)tcg_log_specid(log);
	(void)tcg_log_quirks(log);
	(void)tcg_log_size(log);
	(void)tcg_log_is_cc(log);
	for (size_t i = 0; i < nev; i++) {
		const tcg_event *e = tcg_log_event(log, i);
		size_t nb = e->header ? 1 : nbanks;
		for (size_t b = 0; b < nb; b++) {
			size_t dlen = e->header ? 20 : tcg_log_bank(log, b).size;
			const uint8_t *d = tcg_event_digest(log, e, b);
			if (d && dlen)
				sink ^= d[0] ^ d[dlen - 1];
		}
		if (e->size)
			sink ^= tcg_event_data(log, e)[0] ^ tcg_event_data(log, e)[e->size - 1];
	}
	(void)sink;

	tcg_err_clear(&err);
	rc = tcg_replay(log, hasher, &replay, &err);
	check_err(&err, rc);

	for (size_t i = 0; i < nev; i++) {
		size_t bad = 0;
		tcg_binding bd = tcg_event_binding(log, tcg_log_event(log, i), hasher, &bad);
		if (bd == TCG_BIND_MISMATCH && bad >= nbanks)
			abort();
		(void)tcg_binding_name(bd);
	}

	FILE *out = null_stream();
	tcg_err_clear(&err);
	rc = tcg_dump_yaml(log, NULL, out, &err);
	check_err(&err, rc);
	clearerr(out);
	/* The tpm2-tools layout decodes the same bytes with its own readers. */
	static const tcg_dump_opts tpm2_tools = { .tpm2_tools = true };
	tcg_err_clear(&err);
	rc = tcg_dump_yaml(log, &tpm2_tools, out, &err);
	check_err(&err, rc);
	clearerr(out);

	tcg_log_free(log);
}

static void fuzz_pcrs(const uint8_t *data, size_t size)
{
	tcg_err err;
	tcg_rc rc;

	tcg_err_clear(&err);
	rc = tcg_pcrs_parse(data, size, "fuzz", &pcrs, &err);
	check_err(&err, rc);
	if (rc == TCG_OK) {
		if (pcrs.num_banks > TCG_MAX_BANKS)
			abort();
		tcg_yaml *y = tcg_yaml_new(null_stream());
		if (y) {
			tcg_pcrs_write(y, &pcrs);
			(void)tcg_yaml_finish(y, &err);
		}
		clearerr(null_stream());
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!hasher && !(hasher = tcg_hasher_new()))
		abort();

	/*
	 * libFuzzer's buffer is exactly size bytes, so reads past the end are
	 * caught. Parse a private copy anyway: the log keeps pointers into its
	 * input, and a copy of size 0 is a distinct allocation ASan can watch.
	 */
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	if (size)
		memcpy(copy, data, size);

	fuzz_log(copy, size);
	fuzz_pcrs(copy, size);

	free(copy);
	return 0;
}
