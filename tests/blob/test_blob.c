/* EncBlob and service key files.
 *
 * Bit flips, by region of the blob:
 *   bytes  0..3  magic      -> blob-format      (TCG_E_FORMAT)
 *   byte   4     version    -> blob-format      (TCG_E_FORMAT)
 *   bytes  5..12 key id     -> blob-key-unknown (TCG_E_MISMATCH)
 *   bytes 13..24 nonce      -> blob-auth        (TCG_E_MISMATCH)
 *   ciphertext, tag         -> blob-auth        (TCG_E_MISMATCH)
 * Truncation: under 41 bytes (header + tag) -> blob-format, otherwise blob-auth.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tcglog/blob.h"

static tcg_err err;
static tcg_service_key ka, kb;
static const uint8_t msg[] = "device=dev1 ak=000b1234 pcrs=sha256:0,1,2,3,4,5,6,7";
static const uint8_t aad[] = "dha-encblob v1";

static void keys_setup(void)
{
	uint8_t raw[TCG_SERVICE_KEY_SIZE];
	tcg_err_clear(&err);
	memset(raw, 0xa5, sizeof raw);
	tcg_service_key_set(&ka, raw);
	memset(raw, 0x5a, sizeof raw);
	tcg_service_key_set(&kb, raw);
}

static void keys_teardown(void)
{
	tcg_service_key_wipe(&ka);
	tcg_service_key_wipe(&kb);
}

TestSuite(blob, .init = keys_setup, .fini = keys_teardown);

static void seal(const tcg_service_key *k, uint8_t **b, size_t *blen)
{
	cr_assert_eq(tcg_blob_seal(k, msg, sizeof msg, aad, sizeof aad, b, blen, &err), TCG_OK,
	             "%s", err.msg);
	cr_assert_eq(*blen, sizeof msg + TCG_BLOB_OVERHEAD);
}

/* Open must fail with rc and rule, and hand back no plaintext. */
static void refused(const tcg_service_key *keys, size_t nkeys, const uint8_t *b, size_t blen,
                    const uint8_t *a, size_t alen, tcg_rc rc, const char *rule,
                    const char *what)
{
	uint8_t *pt = (uint8_t *)"sentinel";
	size_t plen = 99;
	tcg_err_clear(&err);
	cr_assert_eq(tcg_blob_open(keys, nkeys, b, blen, a, alen, &pt, &plen, &err), rc,
	             "%s: rc %d (%s: %s)", what, err.rc, err.rule, err.msg);
	cr_assert_str_eq(err.rule, rule, "%s: rule %s", what, err.rule);
	cr_assert_null(pt, "%s: plaintext returned", what);
	cr_assert_eq(plen, 0, "%s", what);
}

Test(blob, round_trip)
{
	uint8_t *b, *pt;
	size_t blen, plen;
	seal(&ka, &b, &blen);
	cr_assert_eq(memcmp(b, "TCGB", 4), 0);
	cr_assert_eq(b[4], 1);
	cr_assert_eq(memcmp(b + 5, ka.id, TCG_SERVICE_KEY_ID_SIZE), 0);
	cr_assert_eq(tcg_blob_open(&ka, 1, b, blen, aad, sizeof aad, &pt, &plen, &err), TCG_OK,
	             "%s", err.msg);
	cr_assert_eq(plen, sizeof msg);
	cr_assert_eq(memcmp(pt, msg, plen), 0);
	/* The plaintext is not in the blob in clear. */
	for (size_t i = 0; i + 11 <= blen; i++)
		cr_assert_neq(memcmp(b + i, "device=dev1", 11), 0);
	tcg_blob_free_plaintext(pt, plen);
	free(b);
}

Test(blob, empty_plaintext_and_no_aad)
{
	uint8_t *b, *pt;
	size_t blen, plen;
	cr_assert_eq(tcg_blob_seal(&ka, NULL, 0, NULL, 0, &b, &blen, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(blen, TCG_BLOB_OVERHEAD);
	cr_assert_eq(tcg_blob_open(&ka, 1, b, blen, NULL, 0, &pt, &plen, &err), TCG_OK, "%s",
	             err.msg);
	cr_assert_eq(plen, 0);
	tcg_blob_free_plaintext(pt, plen);
	/* An empty blob still authenticates its AAD. */
	refused(&ka, 1, b, blen, aad, sizeof aad, TCG_E_MISMATCH, "blob-auth", "aad added");
	free(b);
}

Test(blob, key_id_is_labelled_hash)
{
	/* Distinct keys give distinct ids; the id is not a prefix of the key. */
	cr_assert_neq(memcmp(ka.id, kb.id, TCG_SERVICE_KEY_ID_SIZE), 0);
	cr_assert_neq(memcmp(ka.id, ka.key, TCG_SERVICE_KEY_ID_SIZE), 0);
	uint8_t id[TCG_SERVICE_KEY_ID_SIZE];
	uint8_t *b;
	size_t blen;
	seal(&kb, &b, &blen);
	cr_assert_eq(tcg_blob_key_id(b, blen, id, &err), TCG_OK);
	cr_assert_eq(memcmp(id, kb.id, sizeof id), 0);
	free(b);
}

Test(blob, bit_flip_every_position)
{
	uint8_t *b;
	size_t blen;
	int format = 0, unknown = 0, auth = 0;
	seal(&ka, &b, &blen);
	for (size_t i = 0; i < blen; i++) {
		for (int bit = 0; bit < 8; bit++) {
			char what[64];
			const char *rule;
			tcg_rc rc;
			snprintf(what, sizeof what, "byte %zu bit %d", i, bit);
			if (i < 5) {
				rule = "blob-format", rc = TCG_E_FORMAT, format++;
			} else if (i < 13) {
				rule = "blob-key-unknown", rc = TCG_E_MISMATCH, unknown++;
			} else {
				rule = "blob-auth", rc = TCG_E_MISMATCH, auth++;
			}
			b[i] ^= (uint8_t)(1u << bit);
			refused(&ka, 1, b, blen, aad, sizeof aad, rc, rule, what);
			b[i] ^= (uint8_t)(1u << bit);
		}
	}
	cr_assert_eq(format, 5 * 8);
	cr_assert_eq(unknown, 8 * 8);
	cr_assert_eq(auth, (int)(blen - 13) * 8);
	/* Unflipped, it still opens. */
	uint8_t *pt;
	size_t plen;
	cr_assert_eq(tcg_blob_open(&ka, 1, b, blen, aad, sizeof aad, &pt, &plen, &err), TCG_OK);
	tcg_blob_free_plaintext(pt, plen);
	free(b);
}

Test(blob, truncated_at_every_length)
{
	uint8_t *b;
	size_t blen;
	seal(&ka, &b, &blen);
	for (size_t n = 0; n < blen; n++) {
		char what[64];
		snprintf(what, sizeof what, "truncated to %zu", n);
		/* A copy of exactly n bytes, so ASan sees any read past the end. */
		uint8_t *t = malloc(n ? n : 1);
		memcpy(t, b, n);
		if (n < TCG_BLOB_OVERHEAD)
			refused(&ka, 1, t, n, aad, sizeof aad, TCG_E_FORMAT, "blob-format", what);
		else
			refused(&ka, 1, t, n, aad, sizeof aad, TCG_E_MISMATCH, "blob-auth", what);
		free(t);
	}
	/* Extended by a byte: also refused. */
	uint8_t *x = malloc(blen + 1);
	memcpy(x, b, blen);
	x[blen] = 0;
	refused(&ka, 1, x, blen + 1, aad, sizeof aad, TCG_E_MISMATCH, "blob-auth", "extended");
	free(x);
	free(b);
}

Test(blob, other_service_key)
{
	uint8_t *b;
	size_t blen;
	seal(&kb, &b, &blen);
	/* The id names kb: a service holding only ka does not know it. */
	refused(&ka, 1, b, blen, aad, sizeof aad, TCG_E_MISMATCH, "blob-key-unknown", "other key");
	refused(NULL, 0, b, blen, aad, sizeof aad, TCG_E_MISMATCH, "blob-key-unknown", "no keys");
	/* Crafted: sealed with kb but claiming ka's id. */
	memcpy(b + 5, ka.id, TCG_SERVICE_KEY_ID_SIZE);
	refused(&ka, 1, b, blen, aad, sizeof aad, TCG_E_MISMATCH, "blob-auth", "forged key id");
	tcg_service_key both[2] = { ka, kb };
	refused(both, 2, b, blen, aad, sizeof aad, TCG_E_MISMATCH, "blob-auth",
	        "forged key id, both keys");
	tcg_service_key_wipe(&both[0]);
	tcg_service_key_wipe(&both[1]);
	free(b);
}

Test(blob, wrong_aad)
{
	uint8_t *b;
	size_t blen;
	static const uint8_t other[] = "dha-encblob v2";
	seal(&ka, &b, &blen);
	refused(&ka, 1, b, blen, other, sizeof other, TCG_E_MISMATCH, "blob-auth", "other aad");
	refused(&ka, 1, b, blen, aad, sizeof aad - 1, TCG_E_MISMATCH, "blob-auth", "short aad");
	refused(&ka, 1, b, blen, NULL, 0, TCG_E_MISMATCH, "blob-auth", "no aad");
	free(b);
}

Test(blob, fresh_nonces)
{
	uint8_t *b1, *b2;
	size_t l1, l2;
	seal(&ka, &b1, &l1);
	seal(&ka, &b2, &l2);
	cr_assert_eq(l1, l2);
	cr_assert_eq(memcmp(b1, b2, 13), 0, "same header up to the nonce");
	cr_assert_neq(memcmp(b1 + 13, b2 + 13, TCG_BLOB_NONCE_SIZE), 0, "nonce reused");
	cr_assert_neq(memcmp(b1 + 25, b2 + 25, l1 - 25), 0, "same ciphertext");
	free(b1);
	free(b2);
}

Test(blob, rotation)
{
	uint8_t *old_b, *new_b, *pt;
	size_t old_l, new_l, plen;
	tcg_service_key ring[2] = { ka, kb }; /* [old, new] */
	seal(&ka, &old_b, &old_l);
	seal(&kb, &new_b, &new_l);
	cr_assert_eq(tcg_blob_open(ring, 2, old_b, old_l, aad, sizeof aad, &pt, &plen, &err),
	             TCG_OK, "%s", err.msg);
	cr_assert_eq(memcmp(pt, msg, plen), 0);
	tcg_blob_free_plaintext(pt, plen);
	cr_assert_eq(tcg_blob_open(ring, 2, new_b, new_l, aad, sizeof aad, &pt, &plen, &err),
	             TCG_OK, "%s", err.msg);
	cr_assert_eq(memcmp(pt, msg, plen), 0);
	tcg_blob_free_plaintext(pt, plen);
	/* Old key retired: the old blob is refused by name. */
	refused(&ring[1], 1, old_b, old_l, aad, sizeof aad, TCG_E_MISMATCH, "blob-key-unknown",
	        "retired key");
	tcg_service_key_wipe(&ring[0]);
	tcg_service_key_wipe(&ring[1]);
	free(old_b);
	free(new_b);
}

Test(blob, size_caps)
{
	size_t max = TCG_BLOB_MAX - TCG_BLOB_OVERHEAD;
	uint8_t *big = calloc(1, TCG_BLOB_MAX + 1);
	uint8_t *b, *pt;
	size_t blen, plen;
	cr_assert_eq(tcg_blob_seal(&ka, big, max, NULL, 0, &b, &blen, &err), TCG_OK, "%s",
	             err.msg);
	cr_assert_eq(blen, TCG_BLOB_MAX);
	cr_assert_eq(tcg_blob_open(&ka, 1, b, blen, NULL, 0, &pt, &plen, &err), TCG_OK);
	tcg_blob_free_plaintext(pt, plen);
	free(b);
	cr_assert_eq(tcg_blob_seal(&ka, big, max + 1, NULL, 0, &b, &blen, &err), TCG_E_USAGE);
	cr_assert_str_eq(err.rule, "blob-size");
	cr_assert_null(b);
	memcpy(big, "TCGB\1", 5);
	refused(&ka, 1, big, TCG_BLOB_MAX + 1, NULL, 0, TCG_E_FORMAT, "blob-size", "over cap");
	free(big);
}

/* ---- key files ---- */

static char dir[64];

static void dir_setup(void)
{
	tcg_err_clear(&err);
	strcpy(dir, "/tmp/tcglog-blob-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void dir_teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(keyfile, .init = dir_setup, .fini = dir_teardown);

static void path_in(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

static void write_file(const char *p, size_t size, mode_t mode)
{
	uint8_t buf[64];
	memset(buf, 7, sizeof buf);
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, buf, size), (ssize_t)size);
	cr_assert_eq(fchmod(fd, mode), 0);
	close(fd);
}

static void load_refused(const char *p, tcg_rc rc, const char *rule)
{
	tcg_service_key k;
	memset(&k, 0xff, sizeof k);
	tcg_err_clear(&err);
	cr_assert_eq(tcg_service_key_load(p, &k, &err), rc, "%s: %s", p, err.msg);
	cr_assert_str_eq(err.rule, rule, "%s: %s", p, err.rule);
	/* Nothing of a key is left in k. */
	static const tcg_service_key zero;
	cr_assert_eq(memcmp(&k, &zero, sizeof k), 0);
}

Test(keyfile, create_0600_under_umask_000_and_load)
{
	char p[128];
	struct stat st;
	tcg_service_key made, loaded;
	path_in(p, sizeof p, "service.key");
	mode_t old = umask(0);
	tcg_rc rc = tcg_service_key_create(p, &made, &err);
	umask(old);
	cr_assert_eq(rc, TCG_OK, "%s", err.msg);
	cr_assert_eq(lstat(p, &st), 0);
	cr_assert(S_ISREG(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0600, "mode %o", (unsigned)(st.st_mode & 07777));
	cr_assert_eq(st.st_size, TCG_SERVICE_KEY_SIZE);
	cr_assert_eq(tcg_service_key_load(p, &loaded, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(memcmp(&made, &loaded, sizeof made), 0);

	/* A blob sealed with the created key opens with the loaded one. */
	uint8_t *b, *pt;
	size_t blen, plen;
	cr_assert_eq(tcg_blob_seal(&made, msg, sizeof msg, NULL, 0, &b, &blen, &err), TCG_OK);
	cr_assert_eq(tcg_blob_open(&loaded, 1, b, blen, NULL, 0, &pt, &plen, &err), TCG_OK);
	tcg_blob_free_plaintext(pt, plen);
	free(b);

	tcg_service_key_wipe(&made);
	tcg_service_key_wipe(&loaded);
	static const tcg_service_key zero;
	cr_assert_eq(memcmp(&made, &zero, sizeof made), 0);
}

Test(keyfile, two_keys_differ)
{
	char p1[128], p2[128];
	tcg_service_key k1, k2;
	path_in(p1, sizeof p1, "k1");
	path_in(p2, sizeof p2, "k2");
	cr_assert_eq(tcg_service_key_create(p1, &k1, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(tcg_service_key_create(p2, &k2, &err), TCG_OK, "%s", err.msg);
	cr_assert_neq(memcmp(k1.key, k2.key, sizeof k1.key), 0);
	cr_assert_neq(memcmp(k1.id, k2.id, sizeof k1.id), 0);
	tcg_service_key_wipe(&k1);
	tcg_service_key_wipe(&k2);
}

Test(keyfile, create_refuses_overwrite)
{
	char p[128], l[128];
	struct stat st;
	path_in(p, sizeof p, "existing");
	write_file(p, 5, 0600);
	cr_assert_eq(tcg_service_key_create(p, NULL, &err), TCG_E_USAGE);
	cr_assert_str_eq(err.rule, "key-exists");
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq(st.st_size, 5, "existing file changed");
	/* Nor through a dangling symlink. */
	path_in(l, sizeof l, "dangling");
	cr_assert_eq(symlink("/nonexistent/tcglog-key", l), 0);
	cr_assert_eq(tcg_service_key_create(l, NULL, &err), TCG_E_USAGE);
	cr_assert_str_eq(err.rule, "key-exists");
}

Test(keyfile, create_in_missing_dir)
{
	char p[128];
	path_in(p, sizeof p, "no/such/dir/key");
	cr_assert_eq(tcg_service_key_create(p, NULL, &err), TCG_E_IO);
	cr_assert_str_eq(err.rule, "key-create");
}

Test(keyfile, permissions)
{
	static const mode_t bad[] = { 0644, 0640, 0604, 0620, 0602, 0660, 0666, 0610, 0601 };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char p[128], name[32];
		snprintf(name, sizeof name, "key-%04o", (unsigned)bad[i]);
		path_in(p, sizeof p, name);
		write_file(p, TCG_SERVICE_KEY_SIZE, bad[i]);
		load_refused(p, TCG_E_IO, "key-permissions");
	}
	cr_assert_eq(tcg_exit_status(TCG_E_IO), 3);
	/* Owner-only modes are fine. */
	char p[128];
	tcg_service_key k;
	path_in(p, sizeof p, "key-0400");
	write_file(p, TCG_SERVICE_KEY_SIZE, 0400);
	cr_assert_eq(tcg_service_key_load(p, &k, &err), TCG_OK, "%s", err.msg);
	tcg_service_key_wipe(&k);
}

Test(keyfile, size)
{
	static const size_t sizes[] = { 0, 1, 31, 33, 64 };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		char p[128], name[32];
		snprintf(name, sizeof name, "key-%zu", sizes[i]);
		path_in(p, sizeof p, name);
		write_file(p, sizes[i], 0600);
		load_refused(p, TCG_E_IO, "key-size");
	}
}

Test(keyfile, symlink_refused)
{
	char p[128], l[128];
	path_in(p, sizeof p, "real.key");
	path_in(l, sizeof l, "link.key");
	write_file(p, TCG_SERVICE_KEY_SIZE, 0600);
	cr_assert_eq(symlink(p, l), 0);
	load_refused(l, TCG_E_IO, "key-symlink");
}

Test(keyfile, non_regular_refused)
{
	char p[128];
	path_in(p, sizeof p, "adir");
	cr_assert_eq(mkdir(p, 0700), 0);
	load_refused(p, TCG_E_IO, "key-type");
	path_in(p, sizeof p, "afifo");
	cr_assert_eq(mkfifo(p, 0600), 0);
	load_refused(p, TCG_E_IO, "key-type"); /* and does not hang */
	load_refused("/dev/null", TCG_E_IO, "key-type");
}

Test(keyfile, missing)
{
	char p[128];
	path_in(p, sizeof p, "none");
	load_refused(p, TCG_E_IO, "key-open");
}
