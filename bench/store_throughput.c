/*
 * The store's nonce writes per second through libtcglog's public interface
 * (tcglog/nonce.h), on whichever backend SPEC names (an SQLite file or a
 * PostgreSQL URI). Used by bench/store.
 *
 *   store_throughput run SPEC CLIENTS COUNT MODE [POSTMASTER_PID]
 *     CLIENTS processes, each with its own connection, first issue COUNT
 *     nonces each (tcg_nonce_issue, one device name per nonce), then, after
 *     all have issued, consume them (MODE "single": tcg_nonce_consume one at
 *     a time; "batch:B": tcg_nonce_consume_batch, B per transaction). The
 *     phases start together (every client connected and waiting) and end
 *     when the last client is done. One line per phase:
 *       PHASE CLIENTS MODE OPS WALL_S CLIENT_CPU_S SERVER_CPU_S
 *     CPU is user + system time: the clients' own (getrusage), and with
 *     POSTMASTER_PID the PostgreSQL server's (the postmaster, its children
 *     and the children it reaped, from /proc), else 0.
 *   store_throughput cpu POSTMASTER_PID
 *     that server's CPU seconds so far, as above (for the limit's run).
 *   store_throughput fill SPEC N
 *     enrol N devices (tcg_registry_enroll) and issue one nonce for each:
 *     the rows one attesting device keeps in the store.
 *
 * A refused or failed nonce is an error (exit 1): nothing is printed then.
 *
 *   cc -O2 -I libtcglog/include bench/store_throughput.c build/libtcglog/libtcglog.a \
 *      $(pkg-config --libs libcrypto yaml-0.1 sqlite3 libpq) -o store_throughput
 */
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tcglog/nonce.h"

#define MAX_CLIENTS 64
#define MAX_COUNT 1000000
#define PHASES 2

/* What a client sends back after each phase: small enough for one atomic
 * pipe write. */
typedef struct {
	int ok;
	double cpu;
} report;

static void die(const char *what, const tcg_err *err)
{
	fprintf(stderr, "store_throughput: %s: %s: %s\n", what, err ? err->rule : "",
	        err ? err->msg : "");
	exit(1);
}

static double cpu_self(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* utime + stime (+ cutime + cstime when reaped) of one process, in ticks;
 * *ppid gets its parent. */
static unsigned long long proc_ticks(const char *pid, long *ppid, int with_children)
{
	char path[64], buf[1024];
	unsigned long long ut, st, cut, cst;
	FILE *f;
	char *p;

	snprintf(path, sizeof path, "/proc/%s/stat", pid);
	if (!(f = fopen(path, "r")))
		return 0;
	p = fgets(buf, sizeof buf, f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	/* After the command's ")": state ppid and 9 fields up to utime. */
	if (!p || sscanf(p + 2, "%*c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu",
	                 ppid, &ut, &st, &cut, &cst) != 5)
		return 0;
	return ut + st + (with_children ? cut + cst : 0);
}

/* CPU seconds of a PostgreSQL server: the postmaster with the children it
 * reaped, and its live children (backends, WAL writer, checkpointer). */
static double server_cpu(long postmaster)
{
	unsigned long long ticks = 0;
	struct dirent *d;
	DIR *dir;

	if (postmaster <= 0 || !(dir = opendir("/proc")))
		return 0;
	while ((d = readdir(dir))) {
		long ppid = 0;
		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		int self = atol(d->d_name) == postmaster;
		unsigned long long t = proc_ticks(d->d_name, &ppid, self);
		if (self || ppid == postmaster)
			ticks += t;
	}
	closedir(dir);
	return (double)ticks / (double)sysconf(_SC_CLK_TCK);
}

static void device_name(char *out, size_t size, int client, long k)
{
	snprintf(out, size, "bench-device-%d-%ld", client, k);
}

static int issue_all(tcg_nonce_store *s, int client, long count, tcg_nonce_claim *claims,
                     char (*names)[48])
{
	int64_t now = time(NULL);
	tcg_err err;

	for (long k = 0; k < count; k++) {
		device_name(names[k], sizeof names[k], client, k);
		claims[k].device = names[k];
		if (tcg_nonce_issue(s, names[k], TCG_NONCE_TTL_DEFAULT, now, claims[k].nonce, &err)) {
			fprintf(stderr, "store_throughput: issue: %s: %s\n", err.rule, err.msg);
			return 0;
		}
	}
	return 1;
}

static int consume_all(tcg_nonce_store *s, tcg_nonce_claim *claims, long count, long batch)
{
	int64_t now = time(NULL);
	long step = batch ? batch : 1;
	tcg_err err;

	for (long k = 0; k < count; k += step) {
		long n = count - k < step ? count - k : step;
		tcg_rc rc = batch ? tcg_nonce_consume_batch(s, claims + k, (size_t)n, now, &err)
		                  : tcg_nonce_consume(s, claims[k].device, claims[k].nonce, now, &err);
		for (long i = 0; !rc && batch && i < n; i++)
			if ((rc = claims[k + i].rc))
				err = claims[k + i].err;
		if (rc) {
			fprintf(stderr, "store_throughput: consume: %s: %s\n", err.rule, err.msg);
			return 0;
		}
	}
	return 1;
}

/* Wait for the parent to close the phase's pipe: every client starts then. */
static void await(int fd)
{
	char c;

	while (read(fd, &c, 1) > 0)
		;
}

static void client(const char *spec, int id, long count, long batch, int go[PHASES + 1],
                   int out)
{
	tcg_nonce_claim *claims = calloc((size_t)count, sizeof *claims);
	char(*names)[48] = calloc((size_t)count, sizeof *names);
	tcg_nonce_store *s;
	tcg_err err;
	report r = { 1, 0 };

	if (!claims || !names)
		die("out of memory", NULL);
	if (tcg_nonce_store_open(spec, &s, &err)) {
		fprintf(stderr, "store_throughput: open: %s: %s\n", err.rule, err.msg);
		r.ok = 0;
	}
	/* Connected (or not: the parent stops then): ready for the first phase. */
	if (write(out, &r, sizeof r) != (ssize_t)sizeof r || !r.ok)
		exit(1);
	for (int phase = 0; phase < PHASES; phase++) {
		await(go[phase]);
		r.cpu = cpu_self();
		r.ok = phase == 0 ? issue_all(s, id, count, claims, names)
		                  : consume_all(s, claims, count, batch);
		r.cpu = cpu_self() - r.cpu;
		if (write(out, &r, sizeof r) != (ssize_t)sizeof r)
			exit(1);
	}
	/* Stay connected until the server's CPU time has been read. */
	await(go[PHASES]);
	tcg_nonce_store_close(s);
	exit(0);
}

static long parse_long(const char *s, long min, long max, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "store_throughput: %s: expected %ld..%ld, got '%s'\n", what, min, max, s);
		exit(2);
	}
	return v;
}

/* One report from each client: the sum of their CPU times, -1 when one died. */
static double collect(int fd, int clients, int *failed)
{
	double cpu = 0;
	report r;

	for (int i = 0; i < clients; i++) {
		if (read(fd, &r, sizeof r) != (ssize_t)sizeof r) {
			fprintf(stderr, "store_throughput: a client died\n");
			return -1;
		}
		*failed |= !r.ok;
		cpu += r.cpu;
	}
	return cpu;
}

static int run(const char *spec, int clients, long count, const char *mode, long postmaster)
{
	static const char *phase_name[PHASES] = { "issue", "consume" };
	long batch = strcmp(mode, "single") == 0 ? 0 : -1;
	int go[PHASES + 1][2], res[2], failed = 0;
	pid_t pids[MAX_CLIENTS];

	if (strncmp(mode, "batch:", 6) == 0)
		batch = parse_long(mode + 6, 1, TCG_NONCE_BATCH_MAX, "batch");
	if (batch < 0)
		return fprintf(stderr, "store_throughput: mode is single or batch:B\n"), 2;
	for (int p = 0; p <= PHASES; p++)
		if (pipe(go[p]))
			return perror("pipe"), 1;
	if (pipe(res))
		return perror("pipe"), 1;
	for (int i = 0; i < clients; i++) {
		pid_t pid = pids[i] = fork();
		if (pid < 0)
			return perror("fork"), 1;
		if (pid == 0) {
			int rd[PHASES + 1];
			for (int p = 0; p <= PHASES; p++) {
				close(go[p][1]);
				rd[p] = go[p][0];
			}
			close(res[0]);
			client(spec, i, count, batch, rd, res[1]);
		}
	}
	for (int p = 0; p <= PHASES; p++)
		close(go[p][0]);
	close(res[1]);
	/* Every client connected before the first phase starts. */
	if (collect(res[0], clients, &failed) < 0 || failed) {
		for (int i = 0; i < clients; i++)
			kill(pids[i], SIGTERM);
		return 1;
	}
	for (int p = 0; p < PHASES; p++) {
		double srv = server_cpu(postmaster), t0 = now_s();
		close(go[p][1]);
		double cpu = collect(res[0], clients, &failed);
		if (cpu < 0)
			return 1;
		double wall = now_s() - t0;
		srv = server_cpu(postmaster) - srv;
		if (!failed)
			printf("%s %d %s %ld %.6f %.6f %.6f\n", phase_name[p], clients, mode,
			       count * clients, wall, cpu, srv);
	}
	close(go[PHASES][1]);
	for (int i = 0; i < clients; i++) {
		int st;
		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed = 1;
	}
	return failed;
}

static int fill(const char *spec, long n)
{
	static const uint8_t ek[TCG_REGISTRY_DIGEST_SIZE] = { 1 };
	uint8_t nonce[TCG_NONCE_SIZE];
	int64_t now = time(NULL);
	tcg_nonce_store *s;
	char name[48];
	tcg_err err;

	if (tcg_nonce_store_open(spec, &s, &err))
		die("open", &err);
	for (long k = 0; k < n; k++) {
		device_name(name, sizeof name, 0, k);
		if (tcg_registry_enroll(s, name, ek, false, now, &err) ||
		    tcg_nonce_issue(s, name, TCG_NONCE_TTL_DEFAULT, now, nonce, &err))
			die("fill", &err);
	}
	tcg_nonce_store_close(s);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 6 && argc <= 7 && strcmp(argv[1], "run") == 0)
		return run(argv[2], (int)parse_long(argv[3], 1, MAX_CLIENTS, "clients"),
		           parse_long(argv[4], 1, MAX_COUNT, "count"), argv[5],
		           argc == 7 ? parse_long(argv[6], 1, 1L << 30, "postmaster pid") : 0);
	if (argc == 3 && strcmp(argv[1], "cpu") == 0)
		return printf("%.6f\n", server_cpu(parse_long(argv[2], 1, 1L << 30, "postmaster pid"))) < 0;
	if (argc == 4 && strcmp(argv[1], "fill") == 0)
		return fill(argv[2], parse_long(argv[3], 1, MAX_COUNT, "devices"));
	fprintf(stderr, "usage: store_throughput run SPEC CLIENTS COUNT single|batch:B [POSTMASTER_PID]\n"
	                "       store_throughput cpu POSTMASTER_PID\n"
	                "       store_throughput fill SPEC DEVICES\n");
	return 2;
}
