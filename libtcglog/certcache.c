/*
 * X.509 certificates parsed once per process (certcache.h).
 */
#include "certcache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>

/* d2i_X509 is never handed more than this (the claims' old cap on a certificate). */
#define MAX_DER ((size_t)TCG_CERT_SUBJECT_MAX * 64)
/* OpenSSL's parsed certificate is a few times its DER (names, extensions, key). */
#define X509_OVERHEAD 4

static X509 *parse(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	if (len > MAX_DER)
		return NULL;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	if (x && p != der + len) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static char *subject_of(X509 *x)
{
	char *out = NULL, *text;
	BIO *b = BIO_new(BIO_s_mem());
	if (b && X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253) >= 0) {
		long n = BIO_get_mem_data(b, &text);
		if (n >= 0 && n <= TCG_CERT_SUBJECT_MAX && (out = malloc((size_t)n + 1))) {
			memcpy(out, text, (size_t)n);
			out[n] = 0;
		}
	}
	BIO_free(b);
	return out;
}

typedef struct {
	uint8_t sha256[32];
	uint8_t *der;
	size_t len;
	X509 *x;
	char *subject; /* NULL until a caller asked for it */
	uint64_t used; /* the lookup count when last found or added */
} entry;

static struct {
	pthread_mutex_t lock;
	entry e[TCG_CERTCACHE_MAX_ENTRIES];
	size_t n, bytes;
	uint64_t clock, hits, misses;
	bool off;
} cache = {.lock = PTHREAD_MUTEX_INITIALIZER};

static size_t entry_bytes(const entry *e)
{
	return e->len * (1 + X509_OVERHEAD) + (e->subject ? strlen(e->subject) + 1 : 0);
}

static void drop(size_t i)
{
	cache.bytes -= entry_bytes(&cache.e[i]);
	free(cache.e[i].der);
	free(cache.e[i].subject);
	X509_free(cache.e[i].x);
	cache.e[i] = cache.e[--cache.n];
}

/* Make room for need more bytes and one more entry. */
static void evict_for(size_t need)
{
	while (cache.n && (cache.n == TCG_CERTCACHE_MAX_ENTRIES ||
	                   cache.bytes + need > TCG_CERTCACHE_MAX_BYTES)) {
		size_t lru = 0;
		for (size_t i = 1; i < cache.n; i++)
			if (cache.e[i].used < cache.e[lru].used)
				lru = i;
		drop(lru);
	}
}

/* The entry for exactly these bytes, or NULL. */
static entry *find(const uint8_t *der, size_t len, const uint8_t sha256[32])
{
	for (size_t i = 0; i < cache.n; i++) {
		entry *e = &cache.e[i];
		if (e->len == len && !memcmp(e->sha256, sha256, 32) && !memcmp(e->der, der, len))
			return e;
	}
	return NULL;
}

/* Keep x (a reference of its own) for der; a failed copy keeps nothing. */
static void insert(const uint8_t *der, size_t len, const uint8_t sha256[32], X509 *x)
{
	entry n = {.len = len, .x = x};
	if (find(der, len, sha256)) /* another thread parsed it meanwhile */
		return;
	if (!(n.der = malloc(len)) || !X509_up_ref(x)) {
		free(n.der);
		return;
	}
	memcpy(n.der, der, len);
	memcpy(n.sha256, sha256, 32);
	evict_for(entry_bytes(&n));
	n.used = cache.clock;
	cache.e[cache.n++] = n;
	cache.bytes += entry_bytes(&n);
}

/* The certificate (a new reference), its cached subject copied into *subject when asked. */
static X509 *lookup(const uint8_t *der, size_t len, const uint8_t *sha256, char **subject)
{
	uint8_t own[32];
	unsigned hl = 0;
	if (subject)
		*subject = NULL;
	if (len > TCG_CERTCACHE_MAX_DER)
		return parse(der, len);
	if (!sha256) {
		if (EVP_Digest(der, len, own, &hl, EVP_sha256(), NULL) != 1)
			return parse(der, len);
		sha256 = own;
	}
	pthread_mutex_lock(&cache.lock);
	if (cache.off) {
		pthread_mutex_unlock(&cache.lock);
		return parse(der, len);
	}
	cache.clock++;
	entry *e = find(der, len, sha256);
	if (e && X509_up_ref(e->x)) {
		X509 *x = e->x;
		e->used = cache.clock;
		cache.hits++;
		/* copies: the entry may be evicted once the lock is released */
		if (subject && e->subject)
			*subject = strdup(e->subject);
		pthread_mutex_unlock(&cache.lock);
		return x;
	}
	cache.misses++;
	pthread_mutex_unlock(&cache.lock);

	X509 *x = parse(der, len);
	if (x) {
		pthread_mutex_lock(&cache.lock);
		insert(der, len, sha256, x);
		pthread_mutex_unlock(&cache.lock);
	}
	return x;
}

X509 *tcg_x509_parse(const uint8_t *der, size_t len, const uint8_t *sha256)
{
	return lookup(der, len, sha256, NULL);
}

char *tcg_cert_subject(const uint8_t *der, size_t len, const uint8_t *sha256)
{
	char *s = NULL;
	X509 *x = lookup(der, len, sha256, &s);
	if (!x || s) {
		X509_free(x);
		return s;
	}
	s = subject_of(x);
	if (s) {
		/* remembered with the entry, when it is still there */
		pthread_mutex_lock(&cache.lock);
		for (size_t i = 0; i < cache.n; i++) {
			entry *e = &cache.e[i];
			if (e->x == x && !e->subject) {
				size_t extra = strlen(s) + 1;
				if (cache.bytes + extra <= TCG_CERTCACHE_MAX_BYTES &&
				    (e->subject = strdup(s)))
					cache.bytes += extra;
				break;
			}
		}
		pthread_mutex_unlock(&cache.lock);
	}
	X509_free(x);
	return s;
}

bool tcg_certcache_enable(bool on)
{
	pthread_mutex_lock(&cache.lock);
	bool was = !cache.off;
	cache.off = !on;
	pthread_mutex_unlock(&cache.lock);
	return was;
}

void tcg_certcache_clear(void)
{
	pthread_mutex_lock(&cache.lock);
	while (cache.n)
		drop(cache.n - 1);
	cache.clock = cache.hits = cache.misses = 0;
	pthread_mutex_unlock(&cache.lock);
}

void tcg_certcache_stats_get(tcg_certcache_stats *s)
{
	pthread_mutex_lock(&cache.lock);
	s->entries = cache.n;
	s->bytes = cache.bytes;
	s->hits = cache.hits;
	s->misses = cache.misses;
	pthread_mutex_unlock(&cache.lock);
}
