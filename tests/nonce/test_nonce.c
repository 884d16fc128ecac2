/* Nonce store: issue and consume once, device binding, expiry with an explicit
 * clock, purge, strict device/TTL/hex checks, distinct nonces, file mode. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tcglog/nonce.h"

static char dir[64];
static char path[128];
static tcg_nonce_store *st;
static tcg_err err;

static void setup(void)
{
	strcpy(dir, "/tmp/tcglog-nonce-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/store.db", dir);
	tcg_err_clear(&err);
	cr_assert_eq(tcg_nonce_store_open(path, &st, &err), TCG_OK, "%s", err.msg);
}

static void teardown(void)
{
	char cmd[160];
	tcg_nonce_store_close(st);
	st = NULL;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(nonce, .init = setup, .fini = teardown);

#define NOW 1700000000

Test(nonce, issue_consume_once)
{
	uint8_t n[TCG_NONCE_SIZE];
	cr_assert_eq(tcg_nonce_issue(st, "dev1", 300, NOW, n, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(tcg_nonce_consume(st, "dev1", n, NOW + 1, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(tcg_nonce_consume(st, "dev1", n, NOW + 1, &err), TCG_E_MISMATCH);
	cr_assert_str_eq(err.rule, "nonce-unknown");
}

Test(nonce, never_issued)
{
	uint8_t n[TCG_NONCE_SIZE] = { 1 };
	cr_assert_eq(tcg_nonce_consume(st, "dev1", n, NOW, &err), TCG_E_MISMATCH);
	cr_assert_str_eq(err.rule, "nonce-unknown");
}

Test(nonce, other_device_refused_and_not_consumed)
{
	uint8_t n[TCG_NONCE_SIZE];
	cr_assert_eq(tcg_nonce_issue(st, "dev1", 300, NOW, n, &err), TCG_OK);
	cr_assert_eq(tcg_nonce_consume(st, "dev2", n, NOW, &err), TCG_E_MISMATCH);
	cr_assert_str_eq(err.rule, "nonce-device-mismatch");
	cr_assert_eq(tcg_nonce_consume(st, "dev1 ", n, NOW, &err), TCG_E_MISMATCH);
	cr_assert_str_eq(err.rule, "nonce-device-mismatch");
	cr_assert_eq(tcg_nonce_consume(st, "DEV1", n, NOW, &err), TCG_E_MISMATCH);
	cr_assert_eq(tcg_nonce_consume(st, "dev1", n, NOW, &err), TCG_OK, "%s", err.msg);
}

Test(nonce, expiry_and_purge)
{
	uint8_t a[TCG_NONCE_SIZE], b[TCG_NONCE_SIZE], c[TCG_NONCE_SIZE];
	uint64_t count = 99;
	cr_assert_eq(tcg_nonce_issue(st, "d", 10, NOW, a, &err), TCG_OK);
	cr_assert_eq(tcg_nonce_issue(st, "d", 10, NOW, b, &err), TCG_OK);
	cr_assert_eq(tcg_nonce_issue(st, "d", 100, NOW, c, &err), TCG_OK);
	/* Valid while now < issue + ttl. */
	cr_assert_eq(tcg_nonce_consume(st, "d", a, NOW + 9, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(tcg_nonce_consume(st, "d", b, NOW + 10, &err), TCG_E_MISMATCH);
	cr_assert_str_eq(err.rule, "nonce-expired");
	/* An expired nonce stays refused (and in the store) until purged. */
	cr_assert_eq(tcg_nonce_consume(st, "d", b, NOW + 50, &err), TCG_E_MISMATCH);
	cr_assert_str_eq(err.rule, "nonce-expired");
	cr_assert_eq(tcg_nonce_purge(st, NOW + 10, &count, &err), TCG_OK);
	cr_assert_eq(count, 1);
	cr_assert_eq(tcg_nonce_consume(st, "d", b, NOW + 50, &err), TCG_E_MISMATCH);
	cr_assert_str_eq(err.rule, "nonce-unknown");
	cr_assert_eq(tcg_nonce_purge(st, NOW + 10, &count, &err), TCG_OK);
	cr_assert_eq(count, 0);
	cr_assert_eq(tcg_nonce_consume(st, "d", c, NOW + 99, &err), TCG_OK);
}

Test(nonce, device_names)
{
	char name[300];
	uint8_t n[TCG_NONCE_SIZE];
	memset(name, 'a', sizeof name);
	name[255] = '\0';
	cr_assert_eq(tcg_nonce_check_device(name, &err), TCG_OK);
	cr_assert_eq(tcg_nonce_issue(st, name, 300, NOW, n, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(tcg_nonce_consume(st, name, n, NOW, &err), TCG_OK);
	name[255] = 'a';
	name[256] = '\0';
	cr_assert_eq(tcg_nonce_check_device(name, &err), TCG_E_USAGE);
	cr_assert_str_eq(err.rule, "nonce-device");
	cr_assert_eq(tcg_nonce_issue(st, name, 300, NOW, n, &err), TCG_E_USAGE);
	cr_assert_eq(tcg_nonce_consume(st, name, n, NOW, &err), TCG_E_USAGE);
	static const char *bad[] = { "", "a\nb", "tab\t", "\x7f", "caf\xc3\xa9", "\x1b[31m" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_eq(tcg_nonce_check_device(bad[i], &err), TCG_E_USAGE, "%zu", i);
		cr_assert_str_eq(err.rule, "nonce-device");
	}
	cr_assert_eq(tcg_nonce_check_device(NULL, &err), TCG_E_USAGE);
	cr_assert_eq(tcg_nonce_check_device("host-01.example ~!", &err), TCG_OK);
}

Test(nonce, ttl_bounds)
{
	uint8_t n[TCG_NONCE_SIZE];
	static const int64_t bad[] = { 0, -1, TCG_NONCE_TTL_MAX + 1, INT64_MAX, INT64_MIN };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_eq(tcg_nonce_issue(st, "d", bad[i], NOW, n, &err), TCG_E_USAGE);
		cr_assert_str_eq(err.rule, "nonce-ttl");
	}
	cr_assert_eq(tcg_nonce_issue(st, "d", TCG_NONCE_TTL_MAX, NOW, n, &err), TCG_OK);
	cr_assert_eq(tcg_nonce_issue(st, "d", 1, INT64_MAX, n, &err), TCG_E_USAGE);
	cr_assert_eq(tcg_nonce_issue(st, "d", 1, -5, n, &err), TCG_E_USAGE);
}

Test(nonce, hex)
{
	uint8_t n[TCG_NONCE_SIZE];
	char hex[80];
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02X", i * 7 + 1);
	cr_assert_eq(tcg_nonce_from_hex(hex, n, &err), TCG_OK);
	for (int i = 0; i < 32; i++)
		cr_assert_eq(n[i], (uint8_t)(i * 7 + 1));
	hex[10] = 'a';
	cr_assert_eq(tcg_nonce_from_hex(hex, n, &err), TCG_OK);
	static const char *bad[] = {
		"", "00",
		"000000000000000000000000000000000000000000000000000000000000000",   /* 63 */
		"00000000000000000000000000000000000000000000000000000000000000000", /* 65 */
		"0000000000000000000000000000000000000000000000000000000000000g00",
		"00:0000000000000000000000000000000000000000000000000000000000000",
		" 000000000000000000000000000000000000000000000000000000000000000",
		"0x00000000000000000000000000000000000000000000000000000000000000",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_eq(tcg_nonce_from_hex(bad[i], n, &err), TCG_E_FORMAT, "%zu", i);
		cr_assert_str_eq(err.rule, "nonce-hex");
	}
}

static int cmp32(const void *a, const void *b)
{
	return memcmp(a, b, TCG_NONCE_SIZE);
}

Test(nonce, distinct)
{
	enum { N = 2000 };
	uint8_t(*n)[TCG_NONCE_SIZE] = calloc(N, TCG_NONCE_SIZE);
	uint64_t count;
	cr_assert_not_null(n);
	for (int i = 0; i < N; i++)
		cr_assert_eq(tcg_nonce_issue(st, "d", 5, NOW, n[i], &err), TCG_OK, "%s", err.msg);
	qsort(n, N, TCG_NONCE_SIZE, cmp32);
	for (int i = 1; i < N; i++)
		cr_assert_neq(memcmp(n[i - 1], n[i], TCG_NONCE_SIZE), 0);
	/* Not constant bytes: every byte position takes many values. */
	for (int j = 0; j < TCG_NONCE_SIZE; j++) {
		int seen[256] = { 0 }, kinds = 0;
		for (int i = 0; i < N; i++)
			kinds += !seen[n[i][j]]++;
		cr_assert_gt(kinds, 200, "byte %d takes %d values", j, kinds);
	}
	cr_assert_eq(tcg_nonce_purge(st, NOW + 5, &count, &err), TCG_OK);
	cr_assert_eq(count, N);
	free(n);
}

Test(nonce, file_mode_0600)
{
	char p2[160];
	struct stat sb;
	tcg_nonce_store *s2;
	mode_t old = umask(0);
	snprintf(p2, sizeof p2, "%s/fresh.db", dir);
	cr_assert_eq(tcg_nonce_store_open(p2, &s2, &err), TCG_OK, "%s", err.msg);
	umask(old);
	cr_assert_eq(stat(p2, &sb), 0);
	cr_assert_eq(sb.st_mode & 07777, 0600, "mode %o", (unsigned)(sb.st_mode & 07777));
	snprintf(p2, sizeof p2, "%s/fresh.db-wal", dir);
	cr_assert_eq(stat(p2, &sb), 0, "WAL journal in use");
	cr_assert_eq(sb.st_mode & 07777, 0600, "wal mode %o", (unsigned)(sb.st_mode & 07777));
	tcg_nonce_store_close(s2);
}

Test(nonce, two_handles_one_store)
{
	uint8_t n[TCG_NONCE_SIZE];
	tcg_nonce_store *s2;
	cr_assert_eq(tcg_nonce_store_open(path, &s2, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(tcg_nonce_issue(st, "d", 300, NOW, n, &err), TCG_OK);
	cr_assert_eq(tcg_nonce_consume(s2, "d", n, NOW, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(tcg_nonce_consume(st, "d", n, NOW, &err), TCG_E_MISMATCH);
	cr_assert_str_eq(err.rule, "nonce-unknown");
	tcg_nonce_store_close(s2);
}

Test(nonce, bad_stores)
{
	char p2[160];
	tcg_nonce_store *s2 = (tcg_nonce_store *)&err;
	FILE *f;
	/* A directory inside ours: dir itself sits in the world-writable /tmp. */
	snprintf(p2, sizeof p2, "%s/sub", dir);
	cr_assert_eq(mkdir(p2, 0700), 0);
	cr_assert_eq(tcg_nonce_store_open(p2, &s2, &err), TCG_E_IO);
	cr_assert_null(s2);
	cr_assert_str_eq(err.rule, "nonce-store");
	snprintf(p2, sizeof p2, "%s/missing/store.db", dir);
	cr_assert_eq(tcg_nonce_store_open(p2, &s2, &err), TCG_E_IO);
	snprintf(p2, sizeof p2, "%s/garbage.db", dir);
	f = fopen(p2, "w");
	cr_assert_not_null(f);
	for (int i = 0; i < 200; i++)
		fputs("this is not an SQLite database\n", f);
	fclose(f);
	cr_assert_eq(tcg_nonce_store_open(p2, &s2, &err), TCG_E_IO);
	cr_assert(strstr(err.msg, "not a database"), "%s", err.msg);
}

/* ---- device registry ---- */

static const uint8_t ek_a[TCG_REGISTRY_DIGEST_SIZE] = {0xaa, 1};
static const uint8_t ek_b[TCG_REGISTRY_DIGEST_SIZE] = {0xbb, 2};

Test(nonce, registry_first_binding_wins)
{
	uint8_t got[TCG_REGISTRY_DIGEST_SIZE];
	bool found = true;
	tcg_nonce_store *s2;
	cr_assert_eq(tcg_registry_lookup(st, "d", got, &found, &err), TCG_OK);
	cr_assert(!found);
	cr_assert_eq(tcg_registry_bind(st, "d", ek_a, NOW, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(tcg_registry_bind(st, "d", ek_a, NOW + 1, &err), TCG_OK, "%s", err.msg);
	/* Another handle (another dha-issue process) sees the binding. */
	cr_assert_eq(tcg_nonce_store_open(path, &s2, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(tcg_registry_bind(s2, "d", ek_b, NOW, &err), TCG_E_MISMATCH);
	cr_assert_str_eq(err.rule, "device-ek-mismatch");
	tcg_nonce_store_close(s2);
	cr_assert_eq(tcg_registry_lookup(st, "d", got, &found, &err), TCG_OK);
	cr_assert(found);
	cr_assert_eq(memcmp(got, ek_a, sizeof got), 0, "the refused EK did not re-bind");
}

Test(nonce, registry_closed)
{
	uint8_t n[TCG_NONCE_SIZE];
	tcg_nonce_store_set_closed(st, true);
	cr_assert_eq(tcg_registry_bind(st, "new", ek_a, NOW, &err), TCG_E_MISMATCH);
	cr_assert_str_eq(err.rule, "device-unknown");
	cr_assert_eq(tcg_nonce_issue(st, "new", 300, NOW, n, &err), TCG_E_MISMATCH);
	cr_assert_str_eq(err.rule, "device-unknown");
	cr_assert_eq(tcg_registry_enroll(st, "new", ek_a, false, NOW, &err), TCG_OK, "%s",
	             err.msg);
	cr_assert_eq(tcg_registry_bind(st, "new", ek_a, NOW, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(tcg_registry_bind(st, "new", ek_b, NOW, &err), TCG_E_MISMATCH);
	cr_assert_str_eq(err.rule, "device-ek-mismatch");
	cr_assert_eq(tcg_nonce_issue(st, "new", 300, NOW, n, &err), TCG_OK, "%s", err.msg);
}

Test(nonce, registry_rebind_is_explicit)
{
	uint8_t got[TCG_REGISTRY_DIGEST_SIZE];
	bool found;
	cr_assert_eq(tcg_registry_enroll(st, "d", ek_a, false, NOW, &err), TCG_OK);
	cr_assert_eq(tcg_registry_enroll(st, "d", ek_b, false, NOW, &err), TCG_E_MISMATCH);
	cr_assert_str_eq(err.rule, "device-enrolled");
	cr_assert_eq(tcg_registry_enroll(st, "d", ek_b, true, NOW, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(tcg_registry_lookup(st, "d", got, &found, &err), TCG_OK);
	cr_assert(found);
	cr_assert_eq(memcmp(got, ek_b, sizeof got), 0);
	cr_assert_eq(tcg_registry_bind(st, "d", ek_a, NOW, &err), TCG_E_MISMATCH);
	cr_assert_eq(tcg_registry_bind(st, "d", ek_b, NOW, &err), TCG_OK);
	cr_assert_eq(tcg_registry_enroll(st, "", ek_b, true, NOW, &err), TCG_E_USAGE);
	cr_assert_str_eq(err.rule, "nonce-device");
}

/* Group commit with an explicit clock: each claim its own result, the
 * transaction's failure none, a batch over the cap refused whole. */
Test(nonce, batch_results_per_claim)
{
	uint8_t a[TCG_NONCE_SIZE], b[TCG_NONCE_SIZE], x[TCG_NONCE_SIZE];
	tcg_nonce_claim c[5] = { { .device = "d" }, { .device = "d" }, { .device = "e" },
		                 { .device = "d" }, { .device = "" } };
	cr_assert_eq(tcg_nonce_issue(st, "d", 300, NOW, a, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(tcg_nonce_issue(st, "d", 300, NOW, b, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(tcg_nonce_issue(st, "d", 10, NOW - 20, x, &err), TCG_OK, "%s", err.msg);
	memcpy(c[0].nonce, a, sizeof a);
	memcpy(c[1].nonce, a, sizeof a); /* the same nonce again: consumed once */
	memcpy(c[2].nonce, b, sizeof b); /* another device's: left */
	memcpy(c[3].nonce, x, sizeof x); /* expired */
	memcpy(c[4].nonce, b, sizeof b); /* malformed device: not tried */
	cr_assert_eq(tcg_nonce_consume_batch(st, c, 5, NOW, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(c[0].rc, TCG_OK, "%s", c[0].err.msg);
	cr_assert_eq(c[1].rc, TCG_E_MISMATCH);
	cr_assert_str_eq(c[1].err.rule, "nonce-unknown");
	cr_assert_str_eq(c[2].err.rule, "nonce-device-mismatch");
	cr_assert_str_eq(c[3].err.rule, "nonce-expired");
	cr_assert_eq(c[4].rc, TCG_E_USAGE);
	cr_assert_str_eq(c[4].err.rule, "nonce-device");
	cr_assert_eq(tcg_nonce_consume(st, "d", b, NOW, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(tcg_nonce_consume_batch(st, c, TCG_NONCE_BATCH_MAX + 1, NOW, &err),
	             TCG_E_USAGE);
	cr_assert_str_eq(err.rule, "nonce-batch");
	cr_assert_eq(tcg_nonce_consume_batch(st, NULL, 0, NOW, &err), TCG_OK);
}
