/*
 * In-process quote verification throughput of libtcglog: load each quote
 * (AK public area, TPMS_ATTEST, TPMT_SIGNATURE, PCR values) into memory once,
 * then verify it over and over for about SECONDS of CPU time per loop, on one
 * thread, with the same nonce and PCR values each time. The AK and the PCR
 * values are parsed once, as a long-running verifier would hold them; every
 * call parses the attestation and the signature, checks the AK rules,
 * verifies the signature and recomputes the PCR composite. Two ways:
 * "once", tcg_quote_verify (a verify context built and dropped per call), and
 * "reuse", one tcg_quote_verifier made from the AK and used for every call.
 *
 * Beside them, the same signature checked with the AK's key the way `openssl
 * speed` does: one EVP_PKEY_CTX set up once, the SHA-256 of the attestation
 * computed once, EVP_PKEY_verify in the loop. The loops take turns in slices
 * of 50 ms, so that other load on the machine weighs on all alike. Time is
 * the process's user CPU time (getrusage), the divisor `openssl speed` uses,
 * so the rates compare with its verify/s. Prints verifications/s per CPU
 * second and the ratios to the bare check.
 *
 *   cc -O2 -I libtcglog/include bench/quote_throughput.c build/libtcglog/libtcglog.a \
 *      $(pkg-config --libs libcrypto yaml-0.1 json-c tss2-mu) -o quote_throughput
 *   ./quote_throughput [-t SECONDS] -q NONCE NAME AK MSG SIG PCRS [NAME AK MSG SIG PCRS]...
 *
 * A quote that does not verify is an error (exit 1): nothing is timed then.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <tss2/tss2_mu.h>

#include "tcglog/log.h"
#include "tcglog/pcrs.h"
#include "tcglog/quote.h"
#include "tcglog/tpm.h"

#define MAX_FILE (1u << 20)

typedef struct {
	const char *name;
	tcg_public *ak;
	uint8_t *msg, *sig;
	size_t msg_len, sig_len;
	tcg_pcr_values *pcrs;
	/* The bare signature check. */
	EVP_PKEY_CTX *raw;
	unsigned char *raw_sig;
	size_t raw_sig_len;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned digest_len;
} quote;

/* User CPU time of the process, as openssl speed measures (it has no -elapsed here). */
static double now(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6;
}

static void fail(const char *what, const char *path, const tcg_err *err, int status)
{
	char msg[512];
	tcg_err_format(err, msg, sizeof msg);
	fprintf(stderr, "quote_throughput: %s: %s: %s\n", path, what, msg);
	exit(status);
}

static uint8_t *load(const char *path, size_t *len)
{
	uint8_t *data;
	tcg_err err;
	if (tcg_read_file(path, MAX_FILE, &data, len, NULL, &err))
		fail("read", path, &err, 3);
	return data;
}

static void ossl_fail(const char *what, const char *name)
{
	fprintf(stderr, "quote_throughput: %s: %s failed\n", name, what);
	exit(1);
}

/* The context, signature and digest for the bare check, from the quote's own data. */
static void raw_setup(quote *q)
{
	TPMT_SIGNATURE sig;
	size_t off = 0;
	EVP_PKEY *key = tcg_public_pkey(q->ak);

	memset(&sig, 0, sizeof sig);
	if (Tss2_MU_TPMT_SIGNATURE_Unmarshal(q->sig, q->sig_len, &off, &sig) != TSS2_RC_SUCCESS)
		ossl_fail("TPMT_SIGNATURE unmarshal", q->name);
	if (sig.signature.any.hashAlg != TPM2_ALG_SHA256)
		ossl_fail("SHA-256 signing hash", q->name);
	if (!EVP_Digest(q->msg, q->msg_len, q->digest, &q->digest_len, EVP_sha256(), NULL))
		ossl_fail("EVP_Digest", q->name);
	if (!(q->raw = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) ||
	    EVP_PKEY_verify_init(q->raw) <= 0)
		ossl_fail("EVP_PKEY_verify_init", q->name);
	if (sig.sigAlg == TPM2_ALG_RSASSA) {
		if (EVP_PKEY_CTX_set_rsa_padding(q->raw, RSA_PKCS1_PADDING) <= 0 ||
		    EVP_PKEY_CTX_set_signature_md(q->raw, EVP_sha256()) <= 0)
			ossl_fail("RSA verify setup", q->name);
		q->raw_sig_len = sig.signature.rsassa.sig.size;
		if (!(q->raw_sig = OPENSSL_memdup(sig.signature.rsassa.sig.buffer, q->raw_sig_len)))
			ossl_fail("allocation", q->name);
	} else if (sig.sigAlg == TPM2_ALG_ECDSA) {
		ECDSA_SIG *e = ECDSA_SIG_new();
		BIGNUM *r = BN_bin2bn(sig.signature.ecdsa.signatureR.buffer,
		                      sig.signature.ecdsa.signatureR.size, NULL);
		BIGNUM *s = BN_bin2bn(sig.signature.ecdsa.signatureS.buffer,
		                      sig.signature.ecdsa.signatureS.size, NULL);
		int n;
		if (!e || !r || !s || !ECDSA_SIG_set0(e, r, s) || (n = i2d_ECDSA_SIG(e, &q->raw_sig)) <= 0)
			ossl_fail("ECDSA signature encoding", q->name);
		q->raw_sig_len = (size_t)n;
		ECDSA_SIG_free(e);
	} else {
		ossl_fail("RSASSA or ECDSA signature", q->name);
	}
	if (EVP_PKEY_verify(q->raw, q->raw_sig, q->raw_sig_len, q->digest, q->digest_len) != 1)
		ossl_fail("bare EVP_PKEY_verify", q->name);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: quote_throughput [-t SECONDS] -q NONCE NAME AK MSG SIG PCRS...\n"
	           "Verify each quote (AK: TPM2B_PUBLIC or PEM, MSG: TPMS_ATTEST, SIG:\n"
	           "TPMT_SIGNATURE, PCRS: tpm2_quote -o or tpm2_pcrread YAML) against the hex\n"
	           "NONCE with tcg_quote_verify and with one tcg_quote_verifier, over and over\n"
	           "for SECONDS (default 2) of user CPU time each, taking turns with a bare\n"
	           "EVP_PKEY_verify of the same signature; print verifications per CPU second.\n");
}

int main(int argc, char **argv)
{
	double seconds = 2.0;
	const char *nonce_hex = NULL;
	uint8_t nonce[64];
	size_t nonce_len = 0;
	int c;

	while ((c = getopt(argc, argv, "t:q:h")) != -1) {
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
		case 'q':
			nonce_hex = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!nonce_hex || optind >= argc || (argc - optind) % 5) {
		usage(stderr);
		return 2;
	}
	if (!tcg_hex_decode(nonce_hex, nonce, sizeof nonce, &nonce_len) || !nonce_len) {
		fprintf(stderr, "quote_throughput: -q takes a non-empty hex nonce of at most %zu bytes\n",
		        sizeof nonce);
		return 2;
	}

	size_t nq = (size_t)(argc - optind) / 5;
	quote *q = calloc(nq, sizeof *q);
	tcg_quote_result *r = malloc(sizeof *r);
	if (!q || !r) {
		fprintf(stderr, "quote_throughput: out of memory\n");
		return 3;
	}
	for (size_t i = 0; i < nq; i++) {
		char **a = &argv[optind + 5 * i];
		uint8_t *data;
		size_t len;
		tcg_err err;
		q[i].name = a[0];
		data = load(a[1], &len);
		if (tcg_public_load(data, len, &q[i].ak, &err))
			fail("AK", a[1], &err, 2);
		free(data);
		q[i].msg = load(a[2], &q[i].msg_len);
		q[i].sig = load(a[3], &q[i].sig_len);
		data = load(a[4], &len);
		if (!(q[i].pcrs = malloc(sizeof *q[i].pcrs)))
			return 3;
		if (tcg_pcrs_parse(data, len, a[4], q[i].pcrs, &err))
			fail("PCR values", a[4], &err, 2);
		free(data);
	}

	printf("%zu quote(s), %.1f s of user CPU time in each loop per quote, one thread, loops "
	       "alternating\n",
	       nq, seconds);
	printf("%-8s %7s %10s %10s %10s %9s %9s %10s\n", "quote", "key", "once/s", "reuse/s", "raw/s",
	       "once/raw", "reuse/raw", "us/reuse");
	for (size_t i = 0; i < nq; i++) {
		tcg_quote_opts o = { .nonce = nonce, .nonce_len = nonce_len, .pcrs = q[i].pcrs };
		tcg_quote_verifier *v;
		tcg_err err;
		raw_setup(&q[i]);
		if (tcg_quote_verifier_new(q[i].ak, &v, &err))
			fail("verifier", q[i].name, &err, 3);
		/* Untimed: check that the quote verifies both ways, and warm the caches. */
		for (int k = 0; k < 10; k++)
			if (tcg_quote_verify(q[i].ak, q[i].msg, q[i].msg_len, q[i].sig, q[i].sig_len, &o,
			                     r, &err) ||
			    tcg_quote_verifier_verify(v, q[i].msg, q[i].msg_len, q[i].sig, q[i].sig_len, &o,
			                              r, &err))
				fail("verify", q[i].name, &err, 1);
		size_t n = 0, nreuse = 0, nraw = 0;
		double t = 0, treuse = 0, traw = 0;
		while (t < seconds || treuse < seconds || traw < seconds) {
			/* Slices of 50 ms; the clock is read every 8 calls, which costs little next to
			 * a signature check. */
			double t0 = now(), d;
			do {
				for (int k = 0; k < 8; k++, n++)
					if (tcg_quote_verify(q[i].ak, q[i].msg, q[i].msg_len, q[i].sig,
					                     q[i].sig_len, &o, r, &err))
						fail("verify", q[i].name, &err, 1);
			} while ((d = now() - t0) < 0.05);
			t += d;
			t0 = now();
			do {
				for (int k = 0; k < 8; k++, nreuse++)
					if (tcg_quote_verifier_verify(v, q[i].msg, q[i].msg_len, q[i].sig,
					                              q[i].sig_len, &o, r, &err))
						fail("verify", q[i].name, &err, 1);
			} while ((d = now() - t0) < 0.05);
			treuse += d;
			t0 = now();
			do {
				for (int k = 0; k < 8; k++, nraw++)
					if (EVP_PKEY_verify(q[i].raw, q[i].raw_sig, q[i].raw_sig_len, q[i].digest,
					                    q[i].digest_len) != 1)
						ossl_fail("bare EVP_PKEY_verify", q[i].name);
			} while ((d = now() - t0) < 0.05);
			traw += d;
		}
		tcg_quote_verifier_free(v);
		char key[16];
		snprintf(key, sizeof key, "%s%u", tcg_public_type(q[i].ak) == TCG_ALG_RSA ? "rsa" : "ecc",
		         tcg_public_key_bits(q[i].ak));
		double rate = (double)n / t, reuse = (double)nreuse / treuse,
		       raw_rate = (double)nraw / traw;
		printf("%-8s %7s %10.0f %10.0f %10.0f %9.2f %9.2f %10.2f\n", q[i].name, key, rate, reuse,
		       raw_rate, rate / raw_rate, reuse / raw_rate, 1e6 / reuse);
	}

	for (size_t i = 0; i < nq; i++) {
		tcg_public_free(q[i].ak);
		free(q[i].msg);
		free(q[i].sig);
		free(q[i].pcrs);
		EVP_PKEY_CTX_free(q[i].raw);
		OPENSSL_free(q[i].raw_sig);
	}
	free(q);
	free(r);
	return 0;
}
