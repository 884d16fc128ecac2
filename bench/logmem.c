/*
 * Helper of bench/memory, compiled against a build's static library.
 *
 *   logmem big OUT BYTES SRC...  write a crypto-agile SHA-1 + SHA-256 log of at most
 *                                BYTES: the measured events of the SRC logs (their own
 *                                digests and data), taken in turn, one log after the
 *                                other, until the next one would not fit
 *   logmem dense OUT BYTES       write the densest log of at most BYTES: headerless
 *                                SHA-1 events without data, 32 bytes each, the most
 *                                events a log of that size can hold
 *   logmem parse LOG             load and parse LOG, print its event count: the parse's
 *                                own peak memory, with nothing written
 *   logmem none                  exit: the floor of any process linked like the others
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcglog/log.h"
#include "writer.h"

/* The events a log may repeat: extended, with a digest in both banks, no ordering rule. */
static bool repeatable(const tcg_log *log, const tcg_event *e, int b1, int b256)
{
	return !e->header && e->type != TCG_EV_NO_ACTION && e->type != TCG_EV_EFI_HCRTM_EVENT &&
	       e->pcr < TCG_NUM_PCRS && tcg_event_digest(log, e, (size_t)b1) &&
	       tcg_event_digest(log, e, (size_t)b256);
}

/* Append src's repeatable events while the log stays within max; false once full. */
static bool append_log(tcg_writer *w, const tcg_log *src, size_t max)
{
	int b1 = tcg_log_bank_index(src, TCG_ALG_SHA1), b256 = tcg_log_bank_index(src, TCG_ALG_SHA256);
	if (b1 < 0 || b256 < 0)
		return true;
	for (size_t i = 0; i < tcg_log_num_events(src); i++) {
		const tcg_event *e = tcg_log_event(src, i);
		const uint8_t *d[2];
		size_t len;
		if (!repeatable(src, e, b1, b256))
			continue;
		tcg_writer_data(w, &len);
		if (len + 12 + 2 * 2 + 20 + 32 + 4 + e->size > max)
			return false;
		d[0] = tcg_event_digest(src, e, (size_t)b1);
		d[1] = tcg_event_digest(src, e, (size_t)b256);
		if (tcg_writer_event(w, e->pcr, e->type, d, tcg_event_data(src, e), e->size))
			return false;
	}
	return true;
}

static int big(const char *out, size_t max, char **srcs, int nsrc)
{
	static const uint16_t algs[] = { TCG_ALG_SHA1, TCG_ALG_SHA256 };
	tcg_writer *w = tcg_writer_new(TCG_FMT_AGILE, algs, 2);
	tcg_log *logs[256];
	uint8_t *data[256];
	size_t before = 0, len;
	int n = 0, rc = 0;
	tcg_err err;

	for (int i = 0; i < nsrc && n < 256; i++)
		if (!tcg_log_load(srcs[i], &data[n], &logs[n], &err))
			n++;
	if (!w || !n) {
		fputs("logmem: no source log parses\n", stderr);
		return 2;
	}
	/* Round after round over the sources until one no longer fits or a round adds nothing. */
	for (bool more = true; more;) {
		for (int i = 0; i < n && more; i++)
			more = append_log(w, logs[i], max);
		tcg_writer_data(w, &len);
		more = more && len > before;
		before = len;
	}
	const uint8_t *p = tcg_writer_data(w, &len);
	FILE *f = fopen(out, "wb");
	if (!f || fwrite(p, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "logmem: cannot write %s\n", out);
		rc = 3;
	}
	for (int i = 0; i < n; i++) {
		tcg_log_free(logs[i]);
		free(data[i]);
	}
	tcg_writer_free(w);
	return rc;
}

static int dense(const char *out, size_t max)
{
	FILE *f = fopen(out, "wb");
	uint8_t ev[32] = { 0 };
	int rc = 0;
	/* PCR 8, EV_IPL, a SHA-1 digest, no data: never bound, replays anywhere. */
	ev[0] = 8;
	ev[4] = 0x0d;
	for (size_t i = 0; f && i + sizeof ev <= max; i += sizeof ev) {
		ev[8] = (uint8_t)i;
		ev[9] = (uint8_t)(i >> 8);
		if (fwrite(ev, 1, sizeof ev, f) != sizeof ev)
			break;
	}
	if (!f || ferror(f) || fclose(f)) {
		fprintf(stderr, "logmem: cannot write %s\n", out);
		rc = 3;
	}
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && !strcmp(argv[1], "big"))
		return big(argv[2], strtoull(argv[3], NULL, 10), argv + 4, argc - 4);
	if (argc == 4 && !strcmp(argv[1], "dense"))
		return dense(argv[2], strtoull(argv[3], NULL, 10));
	if (argc == 3 && !strcmp(argv[1], "parse")) {
		uint8_t *data;
		tcg_log *log;
		tcg_err err;
		if (tcg_log_load(argv[2], &data, &log, &err)) {
			fprintf(stderr, "logmem: %s: %s: %s\n", argv[2], err.rule, err.msg);
			return 2;
		}
		printf("%zu\n", tcg_log_num_events(log));
		tcg_log_free(log);
		free(data);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "none"))
		return 0;
	fputs("usage: logmem big OUT BYTES SRC... | dense OUT BYTES | parse LOG | none\n", stderr);
	return 2;
}
