/*
 * CPU time of whole processes, compared in turns. Each round runs every
 * command once, one after the other, in an order that rotates from round to
 * round; so a burst of other load on the machine falls on every command
 * alike, where runs taken command by command (hyperfine) let it fall on one.
 * A run's CPU time is its user + system time as wait4() reports it (the
 * scheduler's own count for that process: exec, loading, work and exit).
 *
 *   cc -O2 -o proccpu bench/proccpu.c
 *   ./proccpu [-n ROUNDS] [-w WARMUP] -- CMD [ARG...] -- CMD [ARG...] ...
 *
 * Commands run with stdin, stdout and stderr on /dev/null and must exit 0.
 * Prints one line per command, tab-separated:
 *   cmd INDEX cpu_us user_us sys_us minflt wall_us ratio
 * each a median over the rounds; ratio is the median over the rounds of this
 * command's CPU time over the first command's in the same round (1 for the
 * first). A median of per-round ratios is what the rotation is for: each
 * ratio compares runs taken moments apart.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAX_CMDS = 8, MAX_ROUNDS = 100000 };

typedef struct {
	double cpu, user, sys, minflt, wall;
} sample;

static _Noreturn void die(const char *msg, const char *detail)
{
	fprintf(stderr, "proccpu: %s%s%s\n", msg, detail ? ": " : "", detail ? detail : "");
	exit(2);
}

static double tv_us(struct timeval tv)
{
	return (double)tv.tv_sec * 1e6 + (double)tv.tv_usec;
}

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static sample run(char **argv, int devnull)
{
	double t0 = now_us();
	pid_t pid = fork();
	if (pid < 0)
		die("fork", strerror(errno));
	if (pid == 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	int st;
	struct rusage ru;
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR)
			die("wait4", strerror(errno));
	double t1 = now_us();
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die("did not exit 0", argv[0]);
	sample s = { .user = tv_us(ru.ru_utime), .sys = tv_us(ru.ru_stime),
		     .minflt = (double)ru.ru_minflt, .wall = t1 - t0 };
	s.cpu = s.user + s.sys;
	return s;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Median of n values (v is reordered). */
static double median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static long number(const char *s, long lo, long hi, const char *what)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		die("not a number in range", what);
	return v;
}

int main(int argc, char **argv)
{
	long rounds = 100, warmup = 3;
	int i = 1;
	for (; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			rounds = number(argv[++i], 1, MAX_ROUNDS, "-n");
		else if (!strcmp(argv[i], "-w") && i + 1 < argc)
			warmup = number(argv[++i], 0, MAX_ROUNDS, "-w");
		else
			die("usage: proccpu [-n ROUNDS] [-w WARMUP] -- CMD [ARG...] [-- CMD ...]",
			    argv[i]);
	}
	char **cmd[MAX_CMDS];
	int ncmd = 0;
	/* Split the rest at each "--" into NULL-terminated argument vectors. */
	while (i < argc) {
		argv[i++] = NULL;
		if (i >= argc || !strcmp(argv[i], "--"))
			die("an empty command", NULL);
		if (ncmd == MAX_CMDS)
			die("too many commands", NULL);
		cmd[ncmd++] = &argv[i];
		while (i < argc && strcmp(argv[i], "--"))
			i++;
	}
	if (!ncmd)
		die("no command (see the comment at the top of bench/proccpu.c)", NULL);

	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0)
		die("/dev/null", strerror(errno));
	sample *s = calloc((size_t)rounds * (size_t)ncmd, sizeof *s);
	double *v = calloc((size_t)rounds, sizeof *v);
	if (!s || !v)
		die("out of memory", NULL);

	for (long r = -warmup; r < rounds; r++)
		for (int k = 0; k < ncmd; k++) {
			int c = (int)((k + (r < 0 ? 0 : r)) % ncmd);
			sample x = run(cmd[c], devnull);
			if (r >= 0)
				s[(size_t)r * (size_t)ncmd + (size_t)c] = x;
		}

	for (int c = 0; c < ncmd; c++) {
		double m[6];
		for (int f = 0; f < 6; f++) {
			for (long r = 0; r < rounds; r++) {
				const sample *x = &s[(size_t)r * (size_t)ncmd + (size_t)c];
				const sample *first = &s[(size_t)r * (size_t)ncmd];
				double val[6] = { x->cpu, x->user, x->sys, x->minflt, x->wall,
						  first->cpu > 0 ? x->cpu / first->cpu : 0 };
				v[r] = val[f];
			}
			m[f] = median(v, (size_t)rounds);
		}
		printf("cmd\t%d\t%.1f\t%.1f\t%.1f\t%.0f\t%.1f\t%.3f\n", c, m[0], m[1], m[2], m[3], m[4],
		       m[5]);
	}
	free(s);
	free(v);
	return 0;
}
