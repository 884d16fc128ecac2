/* The EncBlob (AES-256-GCM under the service key) and the service key file.
 * Layout, rules and error codes: include/tcglog/blob.h.
 *
 * Randomness comes from getrandom(2) (tcg_random): keys and nonces are taken straight
 * from the kernel CSPRNG, as DESIGN.md asks ("system CSPRNG"), with no user-space DRBG
 * state in between that a fork or a mis-seeded process could duplicate. OpenSSL 3's
 * RAND_bytes would be sound too (it seeds from getrandom and reseeds after fork); the
 * direct call keeps the key's origin obvious and independent of OpenSSL configuration.
 *
 * Key files are configuration of the service, not input under check, so every refusal
 * of a key file is TCG_E_IO (exit 3, "the environment failed"), keeping exits 1 and 2
 * for the messages being judged. Only key-exists (create asked to overwrite) is a usage
 * error.
 */
#include "tcglog/blob.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#define KEY_ID_LABEL "tcglog service key"

#define OFF_MAGIC 0
#define OFF_VERSION 4
#define OFF_KEY_ID 5
#define OFF_NONCE (OFF_KEY_ID + TCG_SERVICE_KEY_ID_SIZE)

tcg_rc tcg_random(void *buf, size_t len, tcg_err *err)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return tcg_err_set(err, TCG_E_IO, "random", TCG_NO_OFFSET, TCG_NO_EVENT,
			                   "getrandom: %s", strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
	return TCG_OK;
}

/* ---- service key ---- */

static int key_id(const uint8_t key[TCG_SERVICE_KEY_SIZE], uint8_t id[TCG_SERVICE_KEY_ID_SIZE])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	         EVP_DigestUpdate(ctx, KEY_ID_LABEL, strlen(KEY_ID_LABEL)) == 1 &&
	         EVP_DigestUpdate(ctx, key, TCG_SERVICE_KEY_SIZE) == 1 &&
	         EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen >= TCG_SERVICE_KEY_ID_SIZE;
	EVP_MD_CTX_free(ctx);
	if (ok)
		memcpy(id, md, TCG_SERVICE_KEY_ID_SIZE);
	OPENSSL_cleanse(md, sizeof md);
	return ok;
}

void tcg_service_key_set(tcg_service_key *k, const uint8_t raw[TCG_SERVICE_KEY_SIZE])
{
	memcpy(k->key, raw, TCG_SERVICE_KEY_SIZE);
	if (!key_id(k->key, k->id))
		abort(); /* SHA-256 unavailable: nothing in this library can work */
}

void tcg_service_key_wipe(tcg_service_key *k)
{
	if (k)
		OPENSSL_cleanse(k, sizeof *k);
}

tcg_rc tcg_service_key_load(const char *path, tcg_service_key *k, tcg_err *err)
{
	uint8_t raw[TCG_SERVICE_KEY_SIZE + 1];
	size_t got = 0;
	struct stat st;
	tcg_rc rc = TCG_OK;
	int fd;

	if (!k || !path)
		return tcg_err_set(err, TCG_E_USAGE, "key-usage", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "tcg_service_key_load: missing argument");
	tcg_service_key_wipe(k);
	/* O_NOFOLLOW: a symlink is refused (ELOOP); O_NONBLOCK: a FIFO cannot hang the open,
	 * fstat below refuses it. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP)
			return tcg_err_set(err, TCG_E_IO, "key-symlink", TCG_NO_OFFSET, TCG_NO_EVENT,
			                   "%s: a service key file must not be a symbolic link",
			                   path);
		return tcg_err_set(err, TCG_E_IO, "key-open", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "%s: %s", path, strerror(errno));
	}
	/* Check the file that was opened, not whatever the path names now. */
	if (fstat(fd, &st) != 0) {
		rc = tcg_err_set(err, TCG_E_IO, "key-open", TCG_NO_OFFSET, TCG_NO_EVENT, "%s: %s",
		                 path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = tcg_err_set(err, TCG_E_IO, "key-type", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "%s: a service key must be a regular file", path);
		goto out;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		rc = tcg_err_set(err, TCG_E_IO, "key-permissions", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "%s: mode %04o lets group or others access the service key "
		                 "(chmod 600)",
		                 path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if (st.st_size != TCG_SERVICE_KEY_SIZE) {
		rc = tcg_err_set(err, TCG_E_IO, "key-size", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "%s: %lld bytes, a service key is exactly %d", path,
		                 (long long)st.st_size, TCG_SERVICE_KEY_SIZE);
		goto out;
	}
	/* Read one byte more than needed: the size is checked again on what was read. */
	while (got < sizeof raw) {
		ssize_t n = read(fd, raw + got, sizeof raw - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = tcg_err_set(err, TCG_E_IO, "key-open", TCG_NO_OFFSET, TCG_NO_EVENT,
			                 "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got != TCG_SERVICE_KEY_SIZE) {
		rc = tcg_err_set(err, TCG_E_IO, "key-size", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "%s: read %s%zu bytes, a service key is exactly %d", path,
		                 got > TCG_SERVICE_KEY_SIZE ? "more than " : "",
		                 got > TCG_SERVICE_KEY_SIZE ? (size_t)TCG_SERVICE_KEY_SIZE : got,
		                 TCG_SERVICE_KEY_SIZE);
		goto out;
	}
	tcg_service_key_set(k, raw);
out:
	OPENSSL_cleanse(raw, sizeof raw);
	close(fd);
	if (rc != TCG_OK)
		tcg_service_key_wipe(k);
	return rc;
}

/* fsync the directory holding path, so the new name survives a crash. */
static int sync_parent(const char *path)
{
	size_t n = strlen(path);
	char *dir = malloc(n + 2);
	char *slash;
	int fd, ok;

	if (!dir)
		return 0;
	memcpy(dir, path, n + 1);
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return 0;
	ok = fsync(fd) == 0 || errno == EINVAL; /* some file systems cannot sync directories */
	close(fd);
	return ok;
}

tcg_rc tcg_service_key_create(const char *path, tcg_service_key *k, tcg_err *err)
{
	uint8_t raw[TCG_SERVICE_KEY_SIZE];
	size_t done = 0;
	tcg_rc rc;
	int fd;

	if (k)
		tcg_service_key_wipe(k);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return tcg_err_set(err, TCG_E_USAGE, "key-exists", TCG_NO_OFFSET, TCG_NO_EVENT,
			                   "%s: exists; a service key is never overwritten", path);
		return tcg_err_set(err, TCG_E_IO, "key-create", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "%s: %s", path, strerror(errno));
	}
	/* 0600 whatever the umask (open's mode is masked by it). */
	if (fchmod(fd, 0600) != 0) {
		rc = tcg_err_set(err, TCG_E_IO, "key-create", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "%s: fchmod: %s", path, strerror(errno));
		goto fail;
	}
	rc = tcg_random(raw, sizeof raw, err);
	if (rc != TCG_OK)
		goto fail;
	while (done < sizeof raw) {
		ssize_t n = write(fd, raw + done, sizeof raw - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = tcg_err_set(err, TCG_E_IO, "key-create", TCG_NO_OFFSET, TCG_NO_EVENT,
			                 "%s: write: %s", path, strerror(errno));
			goto fail;
		}
		done += (size_t)n;
	}
	if (fsync(fd) != 0) {
		rc = tcg_err_set(err, TCG_E_IO, "key-create", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "%s: fsync: %s", path, strerror(errno));
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = tcg_err_set(err, TCG_E_IO, "key-create", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "%s: close: %s", path, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (!sync_parent(path)) {
		rc = tcg_err_set(err, TCG_E_IO, "key-create", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "%s: cannot sync the directory: %s", path, strerror(errno));
		goto fail;
	}
	if (k)
		tcg_service_key_set(k, raw);
	OPENSSL_cleanse(raw, sizeof raw);
	return TCG_OK;
fail:
	OPENSSL_cleanse(raw, sizeof raw);
	if (fd >= 0)
		close(fd);
	unlink(path); /* created by us (O_EXCL): leave no partial key behind */
	return rc;
}

/* ---- blob ---- */

static tcg_rc check_aad(const uint8_t *aad, size_t aad_len, tcg_err *err)
{
	if (aad_len > TCG_BLOB_AAD_MAX)
		return tcg_err_set(err, TCG_E_USAGE, "blob-size", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "additional data of %zu bytes is over the cap of %u", aad_len,
		                   TCG_BLOB_AAD_MAX);
	if (aad_len > 0 && aad == NULL)
		return tcg_err_set(err, TCG_E_USAGE, "blob-usage", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "additional data length without data");
	return TCG_OK;
}

/* AES-256-GCM fetched once: EVP_aes_256_gcm() makes OpenSSL 3 look the
 * implementation up again on every EVP_CipherInit_ex (issue #12). Kept for the
 * process's life; NULL if the fetch failed (then the implicit one decides). */
static CRYPTO_ONCE gcm_once = CRYPTO_ONCE_STATIC_INIT;
static EVP_CIPHER *gcm_fetched;

static void gcm_fetch(void)
{
	gcm_fetched = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
}

static const EVP_CIPHER *gcm_cipher(void)
{
	if (!CRYPTO_THREAD_run_once(&gcm_once, gcm_fetch) || !gcm_fetched)
		return EVP_aes_256_gcm();
	return gcm_fetched;
}

/* Key, nonce and the additional data (header, then the caller's) into ctx. */
static int gcm_start(EVP_CIPHER_CTX *ctx, int enc, const tcg_service_key *k,
                     const uint8_t *header, const uint8_t *aad, size_t aad_len)
{
	int outl = 0;

	if (EVP_CipherInit_ex(ctx, gcm_cipher(), NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, TCG_BLOB_NONCE_SIZE, NULL) != 1 ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, k->key, header + OFF_NONCE, enc) != 1 ||
	    EVP_CipherUpdate(ctx, NULL, &outl, header, TCG_BLOB_HEADER_SIZE) != 1)
		return 0;
	if (aad_len > 0 && EVP_CipherUpdate(ctx, NULL, &outl, aad, (int)aad_len) != 1)
		return 0;
	return 1;
}

tcg_rc tcg_blob_seal(const tcg_service_key *k, const uint8_t *plaintext, size_t len,
                     const uint8_t *aad, size_t aad_len, uint8_t **out, size_t *out_len,
                     tcg_err *err)
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t *buf = NULL;
	size_t total;
	int outl = 0, fl = 0;
	tcg_rc rc;

	if (!out || !out_len || !k || (len > 0 && !plaintext))
		return tcg_err_set(err, TCG_E_USAGE, "blob-usage", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "tcg_blob_seal: missing argument");
	*out = NULL;
	*out_len = 0;
	rc = check_aad(aad, aad_len, err);
	if (rc != TCG_OK)
		return rc;
	if (len > TCG_BLOB_MAX - TCG_BLOB_OVERHEAD)
		return tcg_err_set(err, TCG_E_USAGE, "blob-size", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "plaintext of %zu bytes: a blob is capped at %u bytes", len,
		                   TCG_BLOB_MAX);
	total = TCG_BLOB_OVERHEAD + len;
	buf = malloc(total);
	if (!buf)
		return tcg_err_set(err, TCG_E_NOMEM, "blob-crypto", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "out of memory");
	memcpy(buf + OFF_MAGIC, TCG_BLOB_MAGIC, 4);
	buf[OFF_VERSION] = TCG_BLOB_VERSION;
	memcpy(buf + OFF_KEY_ID, k->id, TCG_SERVICE_KEY_ID_SIZE);
	rc = tcg_random(buf + OFF_NONCE, TCG_BLOB_NONCE_SIZE, err);
	if (rc != TCG_OK)
		goto fail;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx || !gcm_start(ctx, 1, k, buf, aad, aad_len) ||
	    (len > 0 && EVP_EncryptUpdate(ctx, buf + TCG_BLOB_HEADER_SIZE, &outl, plaintext,
	                                  (int)len) != 1) ||
	    EVP_EncryptFinal_ex(ctx, buf + TCG_BLOB_HEADER_SIZE + outl, &fl) != 1 ||
	    (size_t)outl + (size_t)fl != len ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TCG_BLOB_TAG_SIZE,
	                        buf + TCG_BLOB_HEADER_SIZE + len) != 1) {
		rc = tcg_err_set(err, TCG_E_IO, "blob-crypto", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "AES-256-GCM encryption failed");
		goto fail;
	}
	EVP_CIPHER_CTX_free(ctx); /* cleanses the key schedule */
	*out = buf;
	*out_len = total;
	return TCG_OK;
fail:
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(buf, total);
	free(buf);
	return rc;
}

tcg_rc tcg_blob_key_id(const uint8_t *blob, size_t len,
                       uint8_t id[TCG_SERVICE_KEY_ID_SIZE], tcg_err *err)
{
	if (len > TCG_BLOB_MAX)
		return tcg_err_set(err, TCG_E_FORMAT, "blob-size", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "blob of %zu bytes is over the cap of %u", len, TCG_BLOB_MAX);
	if (!blob || len < TCG_BLOB_OVERHEAD)
		return tcg_err_set(err, TCG_E_FORMAT, "blob-format", len, TCG_NO_EVENT,
		                   "blob of %zu bytes is shorter than the %d of header and tag",
		                   len, TCG_BLOB_OVERHEAD);
	if (memcmp(blob + OFF_MAGIC, TCG_BLOB_MAGIC, 4) != 0)
		return tcg_err_set(err, TCG_E_FORMAT, "blob-format", OFF_MAGIC, TCG_NO_EVENT,
		                   "not an EncBlob (bad magic)");
	if (blob[OFF_VERSION] != TCG_BLOB_VERSION)
		return tcg_err_set(err, TCG_E_FORMAT, "blob-format", OFF_VERSION, TCG_NO_EVENT,
		                   "EncBlob version %u, this build reads version %d",
		                   blob[OFF_VERSION], TCG_BLOB_VERSION);
	memcpy(id, blob + OFF_KEY_ID, TCG_SERVICE_KEY_ID_SIZE);
	return TCG_OK;
}

tcg_rc tcg_blob_check_key_id(const uint8_t *blob, size_t len, const uint8_t *id, size_t id_len,
                             tcg_err *err)
{
	uint8_t have[TCG_SERVICE_KEY_ID_SIZE];
	char a[2 * TCG_SERVICE_KEY_ID_SIZE + 1] = "", b[2 * TCG_SERVICE_KEY_ID_SIZE + 1] = "";
	tcg_rc rc = tcg_blob_key_id(blob, len, have, err);
	if (rc != TCG_OK)
		return rc;
	if (id && id_len == sizeof have && memcmp(id, have, sizeof have) == 0)
		return TCG_OK;
	for (size_t i = 0; i < sizeof have; i++) {
		snprintf(b + 2 * i, 3, "%02x", have[i]);
		if (id && i < id_len)
			snprintf(a + 2 * i, 3, "%02x", id[i]);
	}
	return tcg_err_set(err, TCG_E_MISMATCH, "encblob-key-id", OFF_KEY_ID, TCG_NO_EVENT,
	                   "the message names service key '%s' (%zu bytes), the EncBlob is sealed "
	                   "under %s",
	                   a, id_len, b);
}

tcg_rc tcg_blob_open(const tcg_service_key *keys, size_t nkeys, const uint8_t *blob,
                     size_t len, const uint8_t *aad, size_t aad_len, uint8_t **plaintext,
                     size_t *plen, tcg_err *err)
{
	uint8_t id[TCG_SERVICE_KEY_ID_SIZE];
	uint8_t tag[TCG_BLOB_TAG_SIZE];
	const tcg_service_key *k = NULL;
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t *pt = NULL;
	size_t clen;
	int outl = 0, fl = 0, ok;
	tcg_rc rc;

	if (!plaintext || !plen || (nkeys > 0 && !keys))
		return tcg_err_set(err, TCG_E_USAGE, "blob-usage", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "tcg_blob_open: missing argument");
	*plaintext = NULL;
	*plen = 0;
	rc = check_aad(aad, aad_len, err);
	if (rc != TCG_OK)
		return rc;
	rc = tcg_blob_key_id(blob, len, id, err);
	if (rc != TCG_OK)
		return rc;
	/* Key ids are public; still, look at every key, whatever matches. */
	for (size_t i = 0; i < nkeys; i++)
		if (CRYPTO_memcmp(keys[i].id, id, sizeof id) == 0 && k == NULL)
			k = &keys[i];
	if (!k) {
		char hex[2 * TCG_SERVICE_KEY_ID_SIZE + 1];
		for (size_t i = 0; i < sizeof id; i++)
			snprintf(hex + 2 * i, 3, "%02x", id[i]);
		return tcg_err_set(err, TCG_E_MISMATCH, "blob-key-unknown", OFF_KEY_ID,
		                   TCG_NO_EVENT,
		                   "EncBlob sealed under service key %s, which is not among the "
		                   "%zu key(s) given",
		                   hex, nkeys);
	}
	clen = len - TCG_BLOB_OVERHEAD;
	memcpy(tag, blob + TCG_BLOB_HEADER_SIZE + clen, sizeof tag);
	pt = malloc(clen > 0 ? clen : 1);
	if (!pt)
		return tcg_err_set(err, TCG_E_NOMEM, "blob-crypto", TCG_NO_OFFSET, TCG_NO_EVENT,
		                   "out of memory");
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx || !gcm_start(ctx, 0, k, blob, aad, aad_len) ||
	    (clen > 0 &&
	     EVP_DecryptUpdate(ctx, pt, &outl, blob + TCG_BLOB_HEADER_SIZE, (int)clen) != 1) ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, (int)sizeof tag, tag) != 1) {
		rc = tcg_err_set(err, TCG_E_IO, "blob-crypto", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "AES-256-GCM decryption failed");
		goto fail;
	}
	/* The tag is checked here; until then pt holds unauthenticated plaintext. */
	ok = EVP_DecryptFinal_ex(ctx, pt + outl, &fl);
	if (ok != 1 || (size_t)outl + (size_t)fl != clen) {
		rc = tcg_err_set(err, TCG_E_MISMATCH, "blob-auth", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "EncBlob fails authentication: altered, truncated, sealed "
		                 "with another key or bound to other data");
		goto fail;
	}
	EVP_CIPHER_CTX_free(ctx);
	*plaintext = pt;
	*plen = clen;
	return TCG_OK;
fail:
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(pt, clen > 0 ? clen : 1);
	free(pt);
	return rc;
}

void tcg_blob_free_plaintext(uint8_t *plaintext, size_t plen)
{
	if (!plaintext)
		return;
	OPENSSL_cleanse(plaintext, plen);
	free(plaintext);
}
