/* The DHA messages: schema refusals with their lines, round trips, streams,
 * caps and base64 edge cases. */
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcglog/msg.h"
#include "msg_int.h"

static const char encblob_ok[] = "kind: dha-encblob\n"
                                 "version: 1\n"
                                 "device: dev1\n"
                                 "key-id: \"AAECAwQFBgc=\"\n"
                                 "blob: \"3q2+7w==\"\n";

/* Parse text as one message; expect rule at line. */
static void refuse(const char *text, const char *rule, unsigned line)
{
	tcg_msg m;
	tcg_err err = {0};
	tcg_rc rc = tcg_msg_parse((const uint8_t *)text, strlen(text), "t.yaml", NULL, &m, &err);
	cr_assert_eq(rc, TCG_E_FORMAT, "expected %s, got rc %d for:\n%s", rule, rc, text);
	cr_assert_str_eq(err.rule, rule, "rule %s (%s), wanted %s", err.rule, err.msg, rule);
	char want[32];
	snprintf(want, sizeof want, "t.yaml:%u:", line);
	cr_assert(!strncmp(err.msg, want, strlen(want)), "message '%s' not at line %u", err.msg,
	          line);
	cr_assert_eq(tcg_exit_status(rc), 2);
}

static void accept_text(const char *text, tcg_msg *m)
{
	tcg_err err = {0};
	tcg_rc rc = tcg_msg_parse((const uint8_t *)text, strlen(text), "t.yaml", NULL, m, &err);
	cr_assert_eq(rc, TCG_OK, "refused: %s: %s\n%s", err.rule, err.msg, text);
}

Test(msg, accepts_encblob)
{
	tcg_msg m;
	uint8_t *p;
	size_t n;
	accept_text(encblob_ok, &m);
	cr_assert_eq(m.schema, &tcg_msg_dha_encblob);
	cr_assert_eq(m.version, 1);
	cr_assert_str_eq(tcg_msg_str(&m, "device", NULL), "dev1");
	cr_assert_eq(tcg_msg_b64(&m, "key-id", &p, &n, NULL), TCG_OK);
	cr_assert_eq(n, 8);
	for (size_t i = 0; i < 8; i++)
		cr_assert_eq(p[i], i);
	free(p);
	cr_assert_eq(tcg_msg_b64(&m, "credential", &p, &n, NULL), TCG_E_FORMAT);
	tcg_msg_free(&m);
}

Test(msg, header)
{
	refuse("- a\n- b\n", "msg-header", 1);
	refuse("version: 1\nkind: dha-encblob\n", "msg-header", 1);
	refuse("kind: dha-encblob\ndevice: x\nversion: 1\n", "msg-header", 2);
	refuse("kind: dha-encblob\n", "msg-header", 1);
	refuse("kind: dha-encblob\nversion: 0\n", "msg-header", 2);
	refuse("kind: dha-encblob\nversion: one\n", "msg-header", 2);
	refuse("kind: [a]\nversion: 1\n", "msg-header", 1);
}

Test(msg, kind_and_version)
{
	refuse("kind: dha-other\nversion: 1\n", "msg-kind", 1);
	refuse("\n\nkind: dha-encblob\nversion: 2\ndevice: a\n", "msg-version", 4);
	/* a kind this reader does not expect */
	tcg_msg m;
	tcg_err err = {0};
	const tcg_msg_schema *only[] = {&tcg_msg_dha_signedblob, NULL};
	cr_assert_eq(tcg_msg_parse((const uint8_t *)encblob_ok, strlen(encblob_ok), "t.yaml", only,
	                           &m, &err),
	             TCG_E_FORMAT);
	cr_assert_str_eq(err.rule, "msg-kind");
}

Test(msg, unknown_and_missing_keys)
{
	refuse("kind: dha-encblob\nversion: 1\ndevice: d\nkey-id: \"AAECAwQFBgc=\"\n"
	       "blob: \"AA==\"\nextra: 1\n",
	       "msg-unknown-key", 6);
	refuse("kind: dha-encblob\nversion: 1\ndevice: d\nblob: \"AA==\"\n", "msg-missing-key", 1);
	refuse("kind: dha-signedblob\nversion: 1\ndevice: d\n"
	       "nonce: \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"\n"
	       "quote:\n  attest: \"AA==\"\n  signatur: \"AA==\"\nencblob: \"AA==\"\n",
	       "msg-unknown-key", 7);
	refuse("kind: dha-signedblob\nversion: 1\ndevice: d\n"
	       "nonce: \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"\n"
	       "quote:\n  attest: \"AA==\"\nencblob: \"AA==\"\n",
	       "msg-missing-key", 6);
	refuse("kind: dha-encblob\nversion: 1\ndevice: d\ndevice: e\n", "yaml-duplicate-key", 4);
}

Test(msg, types)
{
	refuse("kind: dha-encblob\nversion: 1\ndevice: [a]\n", "msg-type", 3);
	refuse("kind: dha-encblob\nversion: 1\ndevice:\n", "msg-type", 3);
	refuse("kind: dha-encblob\nversion: 1\ndevice: d\nkey-id: {a: 1}\n", "msg-type", 4);
	refuse("kind: dha-claims\nversion: 1\nverification: {verified: yes}\n", "msg-type", 3);
	refuse("kind: dha-claims\nversion: 1\nverification: []\n", "msg-type", 3);
	refuse("kind: dha-encblob\nversion: 1\ndevice: \"a\\0b\"\n", "msg-type", 3);
}

Test(msg, base64_refusals)
{
	static const char *const bad[] = {
		"\"AAECAwQFBgc\"",   /* no padding */
		"\"AAEC AwQFBgc=\"", /* whitespace inside */
		"\"AAECAwQFBgc==\"", /* too much padding */
		"\"AAECAwQF=gc=\"",  /* padding inside */
		"\"AAECAwQFBg-=\"",  /* base64url */
		"\"AAECAwQFBgd=\"",  /* non-zero padding bits */
		"\" AAECAwQFBgc=\"", /* leading space */
		"\"AAECAwQFBgc=\\n\"",
		"\"AAECAwQFBgc=\\0\"",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[256];
		snprintf(text, sizeof text, "kind: dha-encblob\nversion: 1\ndevice: d\nblob: \"AA==\"\n"
		                            "key-id: %s\n",
		         bad[i]);
		refuse(text, "msg-base64", 5);
	}
}

Test(msg, sizes)
{
	/* key-id is 8 bytes: 7 and 9 are refused */
	refuse("kind: dha-encblob\nversion: 1\ndevice: d\nblob: \"AA==\"\nkey-id: \"AAECAwQFBg==\"\n",
	       "msg-size", 5);
	refuse("kind: dha-encblob\nversion: 1\ndevice: d\nblob: \"AA==\"\n"
	       "key-id: \"AAECAwQFBgcI\"\n",
	       "msg-size", 5);
	refuse("kind: dha-encblob\nversion: 1\ndevice: \"\"\n", "msg-size", 3);
	/* a device name over 255 bytes */
	char text[1024];
	char name[300];
	memset(name, 'a', 256);
	name[256] = '\0';
	snprintf(text, sizeof text, "kind: dha-encblob\nversion: 1\ndevice: %s\n", name);
	refuse(text, "msg-size", 3);
	/* a document over its kind's cap (512 KiB for dha-encblob) */
	size_t big = 600000;
	char *doc = malloc(big + 100);
	int off = snprintf(doc, big + 100, "kind: dha-encblob\nversion: 1\n# ");
	memset(doc + off, 'x', big);
	strcpy(doc + off + big, "\ndevice: d\n");
	refuse(doc, "msg-size", 1);
	free(doc);
}

Test(msg, pcrs)
{
	tcg_msg m;
	uint8_t *p;
	size_t n;
	char text[512];
	char h[65];
	memset(h, 'a', 64);
	h[64] = '\0';
	snprintf(text, sizeof text, "kind: pcrs\nversion: 1\npcrs:\n  sha256:\n    0: %s\n    23: %s\n",
	         h, h);
	accept_text(text, &m);
	cr_assert_eq(tcg_msg_hex(&m, "pcrs.sha256.23", &p, &n, NULL), TCG_OK);
	cr_assert_eq(n, 32);
	cr_assert_eq(p[0], 0xaa);
	free(p);
	tcg_msg_free(&m);
	snprintf(text, sizeof text, "kind: pcrs\nversion: 1\npcrs:\n  sha256:\n    24: %s\n", h);
	refuse(text, "msg-unknown-key", 5);
	snprintf(text, sizeof text, "kind: pcrs\nversion: 1\npcrs:\n  md5:\n    0: %s\n", h);
	refuse(text, "msg-unknown-key", 4);
	refuse("kind: pcrs\nversion: 1\npcrs:\n  sha1:\n    0: abc\n", "msg-hex", 5);
	refuse("kind: pcrs\nversion: 1\npcrs: {}\n", "msg-size", 3);
}

Test(msg, claims_open_sections)
{
	tcg_msg m;
	bool v;
	accept_text("kind: dha-claims\nversion: 1\nverification: {verified: true, bank: sha256}\n"
	            "health: {SecureBootEnabled: true, PCR0: \"00\"}\n",
	            &m);
	cr_assert(tcg_msg_bool(&m, "verification.verified", &v) && v);
	tcg_msg_free(&m);
	refuse("kind: dha-claims\nversion: 1\nverification: {verified: true}\nother: {}\n",
	       "msg-unknown-key", 4);
}

/* ---- base64 ---- */

static void b64_round(const uint8_t *p, size_t n, const char *want)
{
	size_t len, dn;
	char *s = tcg_b64_encode(p, n, &len);
	cr_assert(s);
	if (want)
		cr_assert_str_eq(s, want);
	cr_assert_eq(len, strlen(s));
	uint8_t *d = malloc(tcg_b64_decoded_max(len) + 1);
	cr_assert(tcg_b64_decode(s, len, d, &dn), "decode %s", s);
	cr_assert_eq(dn, n);
	cr_assert(!n || !memcmp(d, p, n));
	free(d);
	free(s);
}

Test(b64, edges)
{
	const uint8_t f[] = "foobar";
	b64_round(f, 0, "");
	b64_round(f, 1, "Zg==");
	b64_round(f, 2, "Zm8=");
	b64_round(f, 3, "Zm9v");
	b64_round(f, 4, "Zm9vYg==");
	b64_round(f, 6, "Zm9vYmFy");
	uint8_t run[300];
	memset(run, 0, 150);
	memset(run + 150, 0xff, 150);
	for (size_t n = 0; n <= sizeof run; n++)
		b64_round(run + (n % 2 ? 150 - n / 2 : 0), n / 2 + n % 3, NULL);
	uint8_t out[16];
	size_t n;
	cr_assert(!tcg_b64_decode("Zg=", 3, out, &n));
	cr_assert(!tcg_b64_decode("Zh==", 4, out, &n));
	cr_assert(!tcg_b64_decode("Zm9=", 4, out, &n));
	cr_assert(!tcg_b64_decode("====", 4, out, &n));
	cr_assert(!tcg_b64_decode("Z===", 4, out, &n));
	cr_assert(!tcg_b64_decode("Zm\n9v", 5, out, &n));
	cr_assert(!tcg_b64_decode("Zm 9v", 5, out, &n));
	cr_assert(tcg_b64_decode("//8A", 4, out, &n) && n == 3 && out[0] == 0xff && out[2] == 0);
}

/* The table decoder against the RFC 4648 alphabet and OpenSSL's decoder:
 * every byte value at every position of a group, with and without padding. */
Test(b64, every_byte_everywhere)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char *const base[] = {"QUJDRA==", "QUJDREU=", "QUJDREVG"};
	for (size_t b = 0; b < 3; b++) {
		size_t len = strlen(base[b]), pad = 2 - b;
		for (size_t pos = 0; pos < len - pad; pos++) {
			for (unsigned c = 0; c < 256; c++) {
				char s[16];
				uint8_t ours[16], ref[16];
				size_t n = 0;
				memcpy(s, base[b], len);
				s[pos] = (char)c;
				bool valid = c && strchr(alphabet, (int)c);
				unsigned v = valid ? (unsigned)(strchr(alphabet, (int)c) - alphabet) : 0;
				/* the last character before padding keeps its spare bits zero */
				if (valid && pos == len - pad - 1 && pad)
					valid = !(v & (pad == 2 ? 0xf : 0x3));
				cr_assert_eq(tcg_b64_decode(s, len, ours, &n), valid, "%s byte %u at %zu",
				             base[b], c, pos);
				if (!valid)
					continue;
				cr_assert_eq(EVP_DecodeBlock(ref, (const unsigned char *)s, (int)len),
				             (int)(len / 4 * 3));
				cr_assert_eq(n, len / 4 * 3 - pad);
				cr_assert_arr_eq(ours, ref, n, "%.*s", (int)len, s);
			}
		}
	}
}

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Every byte value at every position of s (the base64 of n bytes, len
 * characters without padding): refused where it is not of the alphabet, else
 * decoded as OpenSSL decodes it. */
static void every_byte_everywhere(const char *s, size_t len, size_t n_want)
{
	uint8_t ours[128], ref[128];
	char t[128];
	cr_assert(len <= sizeof t && n_want <= sizeof ours);
	for (size_t pos = 0; pos < len; pos++) {
		for (unsigned c = 0; c < 256; c++) {
			size_t n = 0;
			memcpy(t, s, len);
			t[pos] = (char)c;
			bool valid = c && strchr(b64_alphabet, (int)c);
			cr_assert_eq(tcg_b64_decode(t, len, ours, &n), valid, "byte %u at %zu", c, pos);
			if (!valid)
				continue;
			cr_assert_eq(EVP_DecodeBlock(ref, (const unsigned char *)t, (int)len), (int)n_want);
			cr_assert_eq(n, n_want);
			cr_assert_arr_eq(ours, ref, n, "byte %u at %zu", c, pos);
		}
	}
}

/* Past 32 characters the decoder takes 16 at a time: every byte value at
 * every position of 3 blocks and the tail after them, and data of every
 * length up to 3 blocks and a few more, against OpenSSL's coder. */
Test(b64, blocks_of_sixteen)
{
	uint8_t data[300], ours[300];
	char s[404];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 151 + (i >> 3));
	for (size_t n = 0; n <= sizeof data; n++) {
		size_t len = (size_t)EVP_EncodeBlock((unsigned char *)s, data, (int)n), dn = 0;
		cr_assert(tcg_b64_decode(s, len, ours, &dn), "length %zu", n);
		cr_assert_eq(dn, n);
		cr_assert(!n || !memcmp(ours, data, n), "length %zu", n);
	}
	/* 52 characters: 3 blocks of 16 (every value of the alphabet among them), 4 after */
	size_t len = (size_t)EVP_EncodeBlock((unsigned char *)s, data, 39);
	cr_assert_eq(len, 52);
	memcpy(s, b64_alphabet, 48);
	every_byte_everywhere(s, len, 39);
}

/* Past 64 characters a CPU with AVX2 takes 32 at a time: every byte value at
 * every position of 3 such blocks (two stored whole, the last through a copy)
 * and the 4 characters after them, against OpenSSL's decoder. */
Test(b64, blocks_of_thirty_two)
{
	uint8_t data[75];
	char s[104];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 89 + 7);
	size_t len = (size_t)EVP_EncodeBlock((unsigned char *)s, data, (int)sizeof data);
	cr_assert_eq(len, 100);
	memcpy(s + 20, b64_alphabet, 64);
	every_byte_everywhere(s, len, sizeof data);
}

/* ---- writer round trip ---- */

static char *write_encblob(const char *device, const uint8_t *blob, size_t n, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	static const uint8_t kid[8] = {0, 0xff, 1, 2, 3, 4, 5, 0};
	tcg_msg_encblob e = {.device = device, .key_id = {kid, sizeof kid}, .blob = {blob, n}};
	cr_assert_eq(tcg_msg_encblob_write(&e, f, NULL), TCG_OK);
	fclose(f);
	return buf;
}

Test(msg, round_trip)
{
	for (size_t n = 1; n < 40; n++) {
		uint8_t blob[40];
		for (size_t i = 0; i < n; i++)
			blob[i] = (uint8_t)(i % 3 == 0 ? 0 : i % 3 == 1 ? 0xff : i * 37);
		size_t len;
		char *text = write_encblob("dev \"1\"", blob, n, &len);
		tcg_msg m;
		uint8_t *p;
		size_t pn;
		accept_text(text, &m);
		cr_assert_str_eq(tcg_msg_str(&m, "device", NULL), "dev \"1\"");
		cr_assert_eq(tcg_msg_b64(&m, "blob", &p, &pn, NULL), TCG_OK);
		cr_assert_eq(pn, n);
		cr_assert(!memcmp(p, blob, n));
		free(p);
		tcg_msg_free(&m);
		free(text);
	}
}

/* ---- streams ---- */

Test(stream, three_documents)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	for (int i = 0; i < 3; i++) {
		uint8_t blob[3] = {(uint8_t)i, 0, 0xff};
		size_t l;
		char *t = write_encblob(i == 1 ? "second" : "other", blob, 3, &l);
		fwrite(t, 1, l, f);
		free(t);
	}
	fclose(f);
	FILE *in = fmemopen(buf, len, "r");
	tcg_ydoc_stream *s = tcg_ydoc_stream_open_file(in, "batch", tcg_msg_max_size(NULL));
	unsigned count = 0;
	for (;;) {
		tcg_msg m;
		bool done;
		tcg_err err = {0};
		cr_assert_eq(tcg_msg_next(s, NULL, &m, &done, &err), TCG_OK, "%s", err.msg);
		if (done)
			break;
		count++;
		cr_assert_eq(m.index, count);
		uint8_t *p;
		size_t n;
		cr_assert_eq(tcg_msg_b64(&m, "blob", &p, &n, NULL), TCG_OK);
		cr_assert_eq(n, 3);
		cr_assert_eq(p[0], count - 1);
		free(p);
		if (count == 2)
			cr_assert_str_eq(tcg_msg_str(&m, "device", NULL), "second");
		tcg_msg_free(&m);
	}
	cr_assert_eq(count, 3);
	tcg_ydoc_stream_close(s);
	fclose(in);
	free(buf);
}

#define ENC "kind: dha-encblob\nversion: 1\ndevice: d\nkey-id: \"AAECAwQFBgc=\"\nblob: \"AA==\"\n"

/* Read a stream from a buffer; expect documents 1 and 3 to pass and document
 * 2 to fail with rule at line. */
static void stream_fault_cap(const char *text, const char *rule, unsigned line, bool goes_on,
                             size_t cap)
{
	tcg_ydoc_stream *s = tcg_ydoc_stream_open_buf((const uint8_t *)text, strlen(text), "in",
	                                              cap);
	tcg_msg m;
	bool done;
	tcg_err err = {0};
	cr_assert_eq(tcg_msg_next(s, NULL, &m, &done, &err), TCG_OK, "%s", err.msg);
	cr_assert(!done);
	tcg_msg_free(&m);
	cr_assert_eq(tcg_msg_next(s, NULL, &m, &done, &err), TCG_E_FORMAT);
	cr_assert_str_eq(err.rule, rule, "%s: %s", err.rule, err.msg);
	char want[32];
	snprintf(want, sizeof want, "in#2:%u:", line);
	cr_assert(!strncmp(err.msg, want, strlen(want)), "'%s' is not at %s", err.msg, want);
	cr_assert_eq(tcg_ydoc_stream_index(s), 2);
	tcg_rc rc = tcg_msg_next(s, NULL, &m, &done, &err);
	if (goes_on) {
		cr_assert_eq(rc, TCG_OK, "%s", err.msg);
		cr_assert(!done);
		cr_assert_eq(m.index, 3);
		tcg_msg_free(&m);
		cr_assert_eq(tcg_msg_next(s, NULL, &m, &done, &err), TCG_OK);
		cr_assert(done);
		cr_assert_eq(tcg_msg_next(s, NULL, &m, &done, &err), TCG_OK);
		cr_assert(done);
	} else {
		cr_assert_eq(rc, TCG_E_FORMAT);
	}
	tcg_ydoc_stream_close(s);
}

static void stream_fault(const char *text, const char *rule, unsigned line, bool goes_on)
{
	stream_fault_cap(text, rule, line, goes_on, tcg_msg_max_size(NULL));
}

Test(stream, bad_second_document)
{
	/* lines: doc 1 is 1-6, doc 2 starts at 7 */
	stream_fault("---\n" ENC "---\nkind: dha-encblob\nversion: 1\ndevice: d\nnope: 1\n---\n" ENC,
	             "msg-unknown-key", 11, true);
	stream_fault("---\n" ENC "---\nkind: dha-encblob\nversion: 3\n---\n" ENC, "msg-version", 9,
	             true);
	stream_fault("---\n" ENC "---\nkind: dha-encblob\nversion: 1\nversion: 1\n---\n" ENC,
	             "yaml-duplicate-key", 10, true);
	stream_fault("---\n" ENC "---\nkind: dha-encblob\nversion: 1\na: &x 1\nb: *x\n---\n" ENC,
	             "yaml-anchor", 10, true);
	stream_fault("---\n" ENC "---\nkind: dha-encblob\nversion: 1\ndevice: d\nkey-id: \"A A=\"\n"
	             "---\n" ENC,
	             "msg-base64", 11, true);
	stream_fault("---\n" ENC "---\nkind: dha-encblob\nversion: 1\n device: [\n---\n" ENC,
	             "yaml-syntax", 10, false);
}

Test(stream, document_cap)
{
	/* the second document is over the per-document cap: the stream stops */
	size_t big = 600000;
	char *t = malloc(big + 400);
	int off = snprintf(t, big + 400, "---\n" ENC "---\nkind: dha-encblob\nversion: 1\n# ");
	memset(t + off, 'x', big);
	strcpy(t + off + big, "\ndevice: d\n---\n" ENC);
	stream_fault_cap(t, "yaml-too-large", 7, false, 100000);
	/* under a stream cap that is larger, the kind's own cap still refuses */
	tcg_ydoc_stream *s = tcg_ydoc_stream_open_buf((const uint8_t *)t, strlen(t), "in", 0);
	tcg_msg m;
	bool done;
	tcg_err err = {0};
	cr_assert_eq(tcg_msg_next(s, NULL, &m, &done, &err), TCG_OK);
	tcg_msg_free(&m);
	cr_assert_eq(tcg_msg_next(s, NULL, &m, &done, &err), TCG_E_FORMAT);
	cr_assert_str_eq(err.rule, "msg-size", "%s", err.msg);
	cr_assert_eq(tcg_msg_next(s, NULL, &m, &done, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(m.index, 3);
	tcg_msg_free(&m);
	tcg_ydoc_stream_close(s);
	free(t);
}

Test(stream, empty)
{
	tcg_ydoc_stream *s = tcg_ydoc_stream_open_buf((const uint8_t *)"", 0, "in", 0);
	tcg_ydoc doc;
	bool done;
	cr_assert_eq(tcg_ydoc_stream_next(s, &doc, &done, NULL), TCG_OK);
	cr_assert(done);
	tcg_ydoc_stream_close(s);
}

/* ---- hostile nesting: the work stays linear ---- */

/* A signedblob whose value is depth flow sequences, then a good document. */
static char *deep_stream(size_t depth, const char *before)
{
	size_t cap = strlen(ENC) + strlen(before) + 2 * depth + 64;
	char *t = malloc(cap);
	cr_assert(t);
	int off = snprintf(t, cap, "---\nkind: dha-encblob\nversion: 1\n%sx: ", before);
	memset(t + off, '[', depth);
	memset(t + off + depth, ']', depth);
	snprintf(t + off + 2 * depth, cap - (size_t)off - 2 * depth, "\n---\n" ENC);
	return t;
}

/* Refuse doc 1 with rule; return the libyaml events the stream read. The
 * stream stops: the good document after it is not read. */
static size_t deep_events(size_t depth, const char *before, const char *rule, unsigned line)
{
	char *t = deep_stream(depth, before);
	tcg_ydoc_stream *s = tcg_ydoc_stream_open_buf((const uint8_t *)t, strlen(t), "in", 0);
	tcg_msg m;
	bool done = false;
	tcg_err err = {0};
	cr_assert_eq(tcg_msg_next(s, NULL, &m, &done, &err), TCG_E_FORMAT);
	cr_assert_str_eq(err.rule, rule, "%s: %s", err.rule, err.msg);
	char want[32];
	snprintf(want, sizeof want, "in#1:%u:", line);
	cr_assert(!strncmp(err.msg, want, strlen(want)), "'%s' is not at %s", err.msg, want);
	size_t n = tcg_ydoc_stream_events(s);
	cr_assert_eq(tcg_msg_next(s, NULL, &m, &done, &err), TCG_E_FORMAT);
	cr_assert_str_eq(err.rule, "yaml-stream", "%s: %s", err.rule, err.msg);
	cr_assert_eq(tcg_ydoc_stream_events(s), n, "the stream read on after stopping");
	tcg_ydoc_stream_close(s);
	free(t);
	return n;
}

Test(stream, deep_nesting_stops_at_the_cap)
{
	/* libyaml's cost per event grows with the open flow collections, so
	 * the old skip to the document's end was quadratic (100 s for 200 KB).
	 * The work is counted in events, not timed: it must not depend on how
	 * deep the input goes past the cap (TCG_YDOC_MAX_DEPTH + the 4 events
	 * before the value). */
	size_t a = deep_events(20000, "", "yaml-too-deep", 4);
	size_t b = deep_events(40000, "", "yaml-too-deep", 4);
	cr_assert_eq(a, b, "events for depth 20000: %zu, for 40000: %zu", a, b);
	cr_assert_leq(a, 3 * TCG_YDOC_MAX_DEPTH, "%zu events", a);
	/* a fault before the nesting (skip mode) is bounded the same way */
	a = deep_events(20000, "a: &x 1\n", "yaml-too-deep", 5);
	b = deep_events(40000, "a: &x 1\n", "yaml-too-deep", 5);
	cr_assert_eq(a, b, "skipping: events for depth 20000: %zu, for 40000: %zu", a, b);
	cr_assert_leq(a, 3 * TCG_YDOC_MAX_DEPTH, "%zu events", a);
}

Test(msg, deep_nesting_refused)
{
	/* the single-document reader refuses at the cap too (no skip to do) */
	char *t = deep_stream(100000, "");
	char *end = strstr(t, "\n---\nkind: dha-encblob\nversion: 1\ndevice");
	cr_assert(end);
	*end = '\0';
	refuse(t + 4, "yaml-too-deep", 3);
	free(t);
}

/* ---- the kinds' structs: writers refuse what readers refuse, round trips ---- */

/* What a writer made, as text (*len bytes; free()); rc its result. */
static char *written(tcg_rc (*write)(const void *, FILE *, tcg_err *), const void *v,
                     tcg_rc *rc, tcg_err *err, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	cr_assert_not_null(f);
	*rc = write(v, f, err);
	fclose(f);
	return buf;
}

static tcg_rc bootdata_w(const void *v, FILE *f, tcg_err *e) { return tcg_msg_bootdata_write(v, f, e); }
static tcg_rc encblob_w(const void *v, FILE *f, tcg_err *e) { return tcg_msg_encblob_write(v, f, e); }
static tcg_rc signedblob_w(const void *v, FILE *f, tcg_err *e) { return tcg_msg_signedblob_write(v, f, e); }
static tcg_rc claims_w(const void *v, FILE *f, tcg_err *e) { return tcg_msg_claims_write(v, f, e); }

/* Written, then read back by the schema reader as one message of kind. */
static void write_read(tcg_rc (*write)(const void *, FILE *, tcg_err *), const void *v,
                       const tcg_msg_schema *kind, tcg_msg *m)
{
	const tcg_msg_schema *only[] = {kind, NULL};
	tcg_err err = {0};
	size_t len;
	tcg_rc rc;
	char *text = written(write, v, &rc, &err, &len);
	cr_assert_eq(rc, TCG_OK, "%s: %s", err.rule, err.msg);
	cr_assert_eq(tcg_msg_parse((const uint8_t *)text, len, "w", only, m, &err), TCG_OK,
	             "%s: %s", err.rule, err.msg);
	free(text);
}

/* The writer refuses with rule, writing nothing. */
static void write_refused(tcg_rc (*write)(const void *, FILE *, tcg_err *), const void *v,
                          const char *rule)
{
	tcg_err err = {0};
	size_t len;
	tcg_rc rc;
	char *text = written(write, v, &rc, &err, &len);
	cr_assert_eq(rc, TCG_E_USAGE, "wanted %s, got rc %d", rule, rc);
	cr_assert_str_eq(err.rule, rule, "%s (%s)", err.rule, err.msg);
	cr_assert_eq(len, 0, "%zu bytes written", len);
	free(text);
}

static void span_eq(tcg_msg_span a, const uint8_t *p, size_t n)
{
	cr_assert_eq(a.len, n);
	cr_assert(n == 0 || !memcmp(a.p, p, n));
}

static uint8_t big[TCG_MSG_LOG_MAX + 1];

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 131 + seed);
}

/* Boot data with every field at its cap (the log's, a device name that needs
 * quoting, every bank of every PCR) fits the document cap, so whatever the
 * writer accepts the reader takes back. */
Test(kinds, bootdata_at_every_cap_fits_the_document_cap)
{
	static const uint16_t algs[TCG_MSG_BANKS_MAX] = {TCG_ALG_SHA1, TCG_ALG_SHA256,
	                                                 TCG_ALG_SHA384, TCG_ALG_SHA512,
	                                                 TCG_ALG_SM3_256};
	static tcg_msg_bootdata b, back;
	static char device[TCG_MSG_DEVICE_MAX + 1];
	fill(big, sizeof big, 7);
	memset(device, '"', TCG_MSG_DEVICE_MAX);
	b.device = device;
	b.log = (tcg_msg_span){big, TCG_MSG_LOG_MAX};
	b.ek_public = b.ak_public = (tcg_msg_span){big, TCG_MSG_PUBLIC_MAX};
	b.ek_certificate = (tcg_msg_span){big, TCG_MSG_EK_CERT_MAX};
	b.attest = (tcg_msg_span){big, TCG_MSG_ATTEST_MAX};
	b.signature = (tcg_msg_span){big, TCG_MSG_SIGNATURE_MAX};
	for (size_t i = 0; i < TCG_MSG_BANKS_MAX; i++) {
		tcg_pcr_bank *k = tcg_pcrs_add_bank(&b.pcrs, algs[i]);
		cr_assert_not_null(k);
		k->size = (uint16_t)tcg_alg_size(algs[i]);
		k->present = (1u << TCG_NUM_PCRS) - 1;
		for (unsigned p = 0; p < TCG_NUM_PCRS; p++)
			fill(k->value[p], k->size, 8 + p);
	}
	tcg_msg m;
	write_read(bootdata_w, &b, &tcg_msg_dha_bootdata, &m);
	cr_assert_eq(tcg_msg_bootdata_read(&m, &back, NULL), TCG_OK);
	cr_assert_eq(strlen(back.device), TCG_MSG_DEVICE_MAX);
	span_eq(back.log, big, TCG_MSG_LOG_MAX);
	cr_assert_eq(back.pcrs.num_banks, TCG_MSG_BANKS_MAX);
	tcg_msg_free(&m);
}

Test(kinds, bootdata_round_trip_and_caps)
{
	static tcg_msg_bootdata b, back;
	uint8_t att[100], sig[70], pub[60];
	fill(big, sizeof big, 1);
	fill(att, sizeof att, 2);
	fill(sig, sizeof sig, 3);
	fill(pub, sizeof pub, 4);
	tcg_pcr_bank *k = tcg_pcrs_add_bank(&b.pcrs, TCG_ALG_SHA256);
	cr_assert_not_null(k);
	k->size = 32;
	k->present = 1u << 0 | 1u << 23;
	fill(k->value[0], 32, 5);
	fill(k->value[23], 32, 6);
	/* a log of 1 MiB: at TCG_MSG_LOG_MAX its base64 alone is the document cap */
	b = (tcg_msg_bootdata){.device = "laptop \"7\"", .log = {big, 1u << 20},
	                       .ek_public = {pub, 60}, .ek_certificate = {big, TCG_MSG_EK_CERT_MAX},
	                       .ak_public = {pub, 2}, .attest = {att, sizeof att},
	                       .signature = {sig, sizeof sig}, .pcrs = b.pcrs};
	tcg_msg m;
	write_read(bootdata_w, &b, &tcg_msg_dha_bootdata, &m);
	cr_assert_eq(tcg_msg_bootdata_read(&m, &back, NULL), TCG_OK);
	cr_assert_str_eq(back.device, b.device);
	span_eq(back.log, big, 1u << 20);
	span_eq(back.ek_public, pub, 60);
	span_eq(back.ek_certificate, big, TCG_MSG_EK_CERT_MAX);
	span_eq(back.ak_public, pub, 2);
	span_eq(back.attest, att, sizeof att);
	span_eq(back.signature, sig, sizeof sig);
	cr_assert_eq(back.pcrs.num_banks, 1);
	cr_assert_eq(back.pcrs.bank[0].present, k->present);
	cr_assert(!memcmp(back.pcrs.bank[0].value[23], k->value[23], 32));
	tcg_msg_free(&m);

	/* one byte over each cap, or a field missing: refused, nothing written */
	tcg_msg_bootdata bad = b;
	bad.log.len = TCG_MSG_LOG_MAX + 1;
	write_refused(bootdata_w, &bad, "msg-size");
	bad = b;
	bad.ek_certificate.len = TCG_MSG_EK_CERT_MAX + 1;
	write_refused(bootdata_w, &bad, "msg-size");
	bad = b;
	bad.ak_public.len = 1;
	write_refused(bootdata_w, &bad, "msg-size");
	bad = b;
	bad.attest.len = TCG_MSG_ATTEST_MAX + 1;
	bad.attest.p = big;
	write_refused(bootdata_w, &bad, "msg-size");
	bad = b;
	bad.signature.p = NULL;
	write_refused(bootdata_w, &bad, "msg-missing-key");
	bad = b;
	bad.pcrs.num_banks = 0;
	write_refused(bootdata_w, &bad, "msg-missing-key");
	bad = b;
	bad.pcrs.bank[0].present = 0;
	write_refused(bootdata_w, &bad, "msg-size");
	char name[TCG_MSG_DEVICE_MAX + 2];
	memset(name, 'a', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	bad = b;
	bad.device = name;
	write_refused(bootdata_w, &bad, "msg-size");
	bad.device = NULL;
	write_refused(bootdata_w, &bad, "msg-missing-key");
}

Test(kinds, encblob_reply_and_plain)
{
	uint8_t kid[TCG_MSG_KEY_ID_SIZE] = {9, 8, 7, 6, 5, 4, 3, 2}, cred[50], sec[258];
	fill(big, TCG_MSG_BLOB_MAX, 7);
	fill(cred, sizeof cred, 8);
	fill(sec, sizeof sec, 9);
	tcg_msg_encblob e = {.device = "d", .key_id = {kid, sizeof kid},
	                     .blob = {big, TCG_MSG_BLOB_MAX}, .credential = {cred, sizeof cred},
	                     .secret = {sec, sizeof sec}, .pcr_selection = "sha256:0,7"};
	tcg_msg_encblob back;
	tcg_msg m;
	write_read(encblob_w, &e, &tcg_msg_dha_encblob, &m);
	cr_assert_eq(tcg_msg_encblob_read(&m, &back, NULL), TCG_OK);
	cr_assert_str_eq(back.device, "d");
	span_eq(back.key_id, kid, sizeof kid);
	span_eq(back.blob, big, TCG_MSG_BLOB_MAX);
	span_eq(back.credential, cred, sizeof cred);
	span_eq(back.secret, sec, sizeof sec);
	cr_assert_str_eq(back.pcr_selection, "sha256:0,7");
	cr_assert_eq(tcg_msg_require(&m, "secret", NULL), TCG_OK);
	tcg_msg_free(&m);

	/* the plain form: optional fields absent, and absent when read */
	tcg_msg_encblob plain = {.device = "d", .key_id = e.key_id, .blob = {big, 1}};
	tcg_err err = {0};
	write_read(encblob_w, &plain, &tcg_msg_dha_encblob, &m);
	cr_assert_eq(tcg_msg_encblob_read(&m, &back, NULL), TCG_OK);
	cr_assert_null(back.credential.p);
	cr_assert_null(back.secret.p);
	cr_assert_null(back.pcr_selection);
	cr_assert_eq(tcg_msg_require(&m, "credential", &err), TCG_E_FORMAT);
	cr_assert_str_eq(err.rule, "msg-missing-key");
	tcg_msg_free(&m);

	tcg_msg_encblob bad = e;
	bad.key_id.len = TCG_MSG_KEY_ID_SIZE - 1;
	write_refused(encblob_w, &bad, "msg-size");
	bad = e;
	bad.blob.len = TCG_MSG_BLOB_MAX + 1;
	write_refused(encblob_w, &bad, "msg-size");
	bad = e;
	bad.secret.p = big;
	bad.secret.len = TCG_MSG_SECRET_MAX + 1;
	write_refused(encblob_w, &bad, "msg-size");
	bad = e;
	bad.pcr_selection = "";
	write_refused(encblob_w, &bad, "msg-size");
}

Test(kinds, signedblob_round_trip)
{
	uint8_t nonce[TCG_MSG_NONCE_SIZE], att[80], sig[72];
	fill(nonce, sizeof nonce, 10);
	fill(att, sizeof att, 11);
	fill(sig, sizeof sig, 12);
	fill(big, 5000, 13);
	tcg_msg_signedblob s = {.device = "srv-1", .nonce = {nonce, sizeof nonce},
	                        .attest = {att, sizeof att}, .signature = {sig, sizeof sig},
	                        .encblob = {big, 5000}}, back;
	tcg_msg m;
	write_read(signedblob_w, &s, &tcg_msg_dha_signedblob, &m);
	cr_assert_eq(tcg_msg_signedblob_read(&m, &back, NULL), TCG_OK);
	cr_assert_str_eq(back.device, "srv-1");
	span_eq(back.nonce, nonce, sizeof nonce);
	span_eq(back.attest, att, sizeof att);
	span_eq(back.signature, sig, sizeof sig);
	span_eq(back.encblob, big, 5000);
	/* another kind's reader refuses it */
	tcg_msg_encblob eb;
	tcg_err err = {0};
	cr_assert_eq(tcg_msg_encblob_read(&m, &eb, &err), TCG_E_USAGE);
	cr_assert_str_eq(err.rule, "msg-kind");
	tcg_msg_free(&m);

	tcg_msg_signedblob bad = s;
	bad.nonce.len = TCG_MSG_NONCE_SIZE + 1;
	bad.nonce.p = big;
	write_refused(signedblob_w, &bad, "msg-size");
	bad = s;
	bad.encblob.p = NULL;
	write_refused(signedblob_w, &bad, "msg-missing-key");
}

Test(kinds, claims_envelope)
{
	tcg_msg_claims c = {.device = "pc", .rule = "dha-reboot", .message = "reset count 3, not 2",
	                    .attributed = true, .compared = true, .mismatch = {false, true, false}},
	               back;
	tcg_msg m;
	write_read(claims_w, &c, &tcg_msg_dha_claims, &m);
	cr_assert_eq(tcg_msg_claims_read(&m, &back, NULL), TCG_OK);
	cr_assert(!back.verified);
	cr_assert_str_eq(back.device, "pc");
	cr_assert_str_eq(back.rule, "dha-reboot");
	cr_assert_str_eq(back.message, c.message);
	cr_assert(back.compared);
	cr_assert(back.attributed);
	for (int i = 0; i < TCG_MSG_MISMATCH_COUNT; i++)
		cr_assert_eq(back.mismatch[i], i == 1, "flag %d", i);
	cr_assert_null(back.text);
	tcg_msg_free(&m);

	/* refused before a comparison, device unknown: neither written */
	tcg_msg_claims early = {.rule = "", .message = NULL};
	write_read(claims_w, &early, &tcg_msg_dha_claims, &m);
	cr_assert_eq(tcg_msg_claims_read(&m, &back, NULL), TCG_OK);
	cr_assert_str_eq(back.rule, "unknown");
	cr_assert_str_eq(back.message, "");
	cr_assert_null(back.device);
	cr_assert(!back.compared);
	cr_assert(!back.attributed);
	cr_assert_not_null(tcg_msg_get(&m, "verification.attributed"), "always said");
	cr_assert_null(tcg_msg_get(&m, "verification.mismatch"));
	tcg_msg_free(&m);

	/* verified: the sealed text goes out as it is */
	static const char text[] = "---\nkind: dha-claims\nversion: 1\nverification:\n"
	                           "  verified: true\n  dha:\n    device: \"pc\"\n"
	                           "    nonce: \"00ff\"\n";
	tcg_msg_claims v = {.verified = true, .text = text, .len = sizeof text - 1};
	size_t len;
	tcg_rc rc;
	char *out = written(claims_w, &v, &rc, NULL, &len);
	cr_assert_eq(rc, TCG_OK);
	cr_assert_eq(len, sizeof text - 1);
	cr_assert(!memcmp(out, text, len));
	free(out);
	accept_text(text, &m);
	cr_assert_eq(tcg_msg_claims_read(&m, &back, NULL), TCG_OK);
	cr_assert(back.verified);
	cr_assert_str_eq(back.device, "pc");
	cr_assert_str_eq(back.nonce, "00ff");
	tcg_msg_free(&m);
	v.text = NULL;
	write_refused(claims_w, &v, "msg-missing-key");
}

Test(stream, messages_of_the_accepted_kinds)
{
	static const tcg_msg_schema *const accept[] = {&tcg_msg_dha_encblob, NULL};
	static const char text[] = "---\nkind: dha-encblob\nversion: 1\ndevice: a\n"
	                           "key-id: \"AAECAwQFBgc=\"\nblob: \"3q2+7w==\"\n"
	                           "---\nkind: dha-signedblob\nversion: 1\n"
	                           "---\nkind: dha-encblob\nversion: 1\ndevice: c\n"
	                           "key-id: \"AAECAwQFBgc=\"\nblob: \"AA==\"\n";
	FILE *f = fmemopen((void *)text, sizeof text - 1, "r");
	tcg_msg_stream *s = tcg_msg_stream_open(f, "s.yaml", accept);
	tcg_msg_encblob e;
	tcg_err err = {0};
	tcg_msg m;
	bool done = false;
	cr_assert_not_null(s);
	cr_assert_eq(tcg_msg_stream_next(s, &m, &done, &err), TCG_OK, "%s", err.msg);
	cr_assert(!done);
	cr_assert_eq(tcg_msg_stream_index(s), 1);
	cr_assert_eq(tcg_msg_encblob_read(&m, &e, NULL), TCG_OK);
	cr_assert_str_eq(e.device, "a");
	tcg_msg_free(&m);
	/* a kind not accepted: refused, the stream goes on */
	cr_assert_eq(tcg_msg_stream_next(s, &m, &done, &err), TCG_E_FORMAT);
	cr_assert_str_eq(err.rule, "msg-kind");
	cr_assert(!tcg_msg_stream_stopped(s));
	cr_assert_eq(tcg_msg_stream_next(s, &m, &done, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(tcg_msg_stream_index(s), 3);
	cr_assert_eq(tcg_msg_encblob_read(&m, &e, NULL), TCG_OK);
	cr_assert_str_eq(e.device, "c");
	tcg_msg_free(&m);
	cr_assert_eq(tcg_msg_stream_next(s, &m, &done, &err), TCG_OK);
	cr_assert(done);
	tcg_msg_stream_close(s);
	fclose(f);
}
