/*
 * In-process throughput of libtcglog: load every log named on the command
 * line into memory once, then for about SECONDS per mode parse (and replay,
 * and check every event's digest binding) each log in turn, round after
 * round, on one thread. One tcg_hasher serves every log, as a long-running
 * verifier would use it. Prints logs/s, MB/s (10^6 bytes of log input) and
 * microseconds per log for each mode.
 *
 *   cc -O2 -I libtcglog/include bench/throughput.c build/libtcglog/libtcglog.a \
 *      $(pkg-config --libs libcrypto yaml-0.1 json-c) -o throughput
 *   ./throughput [-t SECONDS] LOG...
 *
 * Logs that the library refuses are reported on stderr and left out.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tcglog/binding.h"
#include "tcglog/digest.h"
#include "tcglog/log.h"
#include "tcglog/replay.h"

typedef struct {
	const char *path;
	uint8_t *data;
	size_t len;
	unsigned flags;
} input;

enum { MODE_PARSE, MODE_REPLAY, MODE_BINDING, NMODES };
static const char *const mode_name[NMODES] = { "parse", "parse+replay", "parse+replay+binding" };

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void fail(const char *what, const char *path, const tcg_err *err)
{
	char msg[512];
	tcg_err_format(err, msg, sizeof msg);
	fprintf(stderr, "throughput: %s: %s: %s\n", path, what, msg);
	exit(3);
}

/* One log through one mode; returns the number of events. */
static size_t run_one(const input *in, int mode, tcg_hasher *h, tcg_replay_result *r)
{
	tcg_log *log;
	tcg_err err;
	size_t n;

	if (tcg_log_parse(in->data, in->len, in->flags, &log, &err))
		fail("parse", in->path, &err);
	n = tcg_log_num_events(log);
	if (mode >= MODE_REPLAY && tcg_replay(log, h, r, &err))
		fail("replay", in->path, &err);
	if (mode >= MODE_BINDING)
		for (size_t i = 0; i < n; i++)
			(void)tcg_event_binding(log, tcg_log_event(log, i), h, NULL);
	tcg_log_free(log);
	return n;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: throughput [-t SECONDS] LOG...\n"
	           "Parse, replay and check the binding of every LOG in one process, round\n"
	           "after round for SECONDS (default 2) per mode; print logs/s and MB/s.\n");
}

int main(int argc, char **argv)
{
	double seconds = 2.0;
	int c;

	while ((c = getopt(argc, argv, "t:h")) != -1) {
		switch (c) {
		case 't': {
			char *end;
			seconds = strtod(optarg, &end);
			if (*end || !(seconds > 0)) {
				usage(stderr);
				return 2;
			}
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}

	size_t nin = 0, bytes = 0, events = 0;
	input *in = calloc((size_t)(argc - optind), sizeof *in);
	tcg_replay_result *r = malloc(sizeof *r);
	tcg_hasher *h = tcg_hasher_new();
	if (!in || !r || !h) {
		fprintf(stderr, "throughput: out of memory\n");
		return 3;
	}
	for (int i = optind; i < argc; i++) {
		input *p = &in[nin];
		tcg_log *log;
		tcg_err err;
		p->path = argv[i];
		if (tcg_read_file(p->path, TCG_MAX_LOG_SIZE, &p->data, &p->len, &p->flags, &err))
			fail("read", p->path, &err);
		if (tcg_log_parse(p->data, p->len, p->flags, &log, &err)) {
			char msg[512];
			tcg_err_format(&err, msg, sizeof msg);
			fprintf(stderr, "throughput: %s: skipped (%s)\n", p->path, msg);
			free(p->data);
			continue;
		}
		events += tcg_log_num_events(log);
		bytes += p->len;
		tcg_log_free(log);
		nin++;
	}
	if (!nin) {
		fprintf(stderr, "throughput: no log parses\n");
		return 2;
	}
	printf("%zu logs, %.3f MB and %zu events per round, %.1f s per mode, one thread\n", nin,
	       (double)bytes / 1e6, events, seconds);
	printf("%-22s %12s %10s %9s %12s\n", "mode", "logs/s", "MB/s", "us/log", "events/s");

	for (int mode = 0; mode < NMODES; mode++) {
		/* One round to warm caches and fetch the digests, untimed. */
		for (size_t i = 0; i < nin; i++)
			run_one(&in[i], mode, h, r);
		size_t rounds = 0, ev = 0;
		double t0 = now(), t;
		do {
			for (size_t i = 0; i < nin; i++)
				ev += run_one(&in[i], mode, h, r);
			rounds++;
		} while ((t = now() - t0) < seconds);
		double logs = (double)rounds * (double)nin;
		printf("%-22s %12.0f %10.1f %9.2f %12.0f\n", mode_name[mode], logs / t,
		       (double)rounds * (double)bytes / 1e6 / t, t * 1e6 / logs, (double)ev / t);
	}

	for (size_t i = 0; i < nin; i++)
		free(in[i].data);
	free(in);
	free(r);
	tcg_hasher_free(h);
	return 0;
}
