/*
 * libFuzzer target over the message reader: the bytes as a stream of
 * documents, each checked against every kind's schema (and against each kind
 * alone); every accepted message has its binary fields decoded and is written
 * back and read again, and its kind's struct read, written by its writer (which
 * must accept what the reader accepted), read again and compared.
 *
 *   CC=clang meson setup BUILD -Db_sanitize=address,undefined -Db_lundef=false \
 *       -Dfuzz=true && ninja -C BUILD tests/fuzz_msg
 *   BUILD/tests/fuzz_msg -max_total_time=60
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcglog/msg.h"
#include "msg_int.h"

static bool span_eq(tcg_msg_span a, tcg_msg_span b)
{
	return a.len == b.len && (!a.p) == (!b.p) && (!a.len || !memcmp(a.p, b.p, a.len));
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* The struct of m's kind written and read back into *back (freed by the caller). */
static bool write_read(const tcg_msg *m, const void *v, void *back, tcg_msg *again)
{
	const tcg_msg_schema *only[] = {m->schema, NULL};
	char *text = NULL;
	size_t len = 0;
	tcg_rc rc = TCG_E_USAGE;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return false;
	if (m->schema == &tcg_msg_dha_bootdata)
		rc = tcg_msg_bootdata_write(v, f, NULL);
	else if (m->schema == &tcg_msg_dha_encblob)
		rc = tcg_msg_encblob_write(v, f, NULL);
	else if (m->schema == &tcg_msg_dha_signedblob)
		rc = tcg_msg_signedblob_write(v, f, NULL);
	else if (m->schema == &tcg_msg_dha_claims)
		rc = tcg_msg_claims_write(v, f, NULL);
	fclose(f);
	if (rc == TCG_E_NOMEM) {
		free(text);
		return false;
	}
	/* what the reader accepted the writer writes, and the reader reads again,
	 * unless quoting and escapes grew the document past its cap */
	tcg_err err;
	if (rc)
		abort();
	rc = tcg_msg_parse((const uint8_t *)text, len, "again", only, again, &err);
	free(text);
	if (rc && (!strcmp(err.rule, "msg-size") || !strcmp(err.rule, "yaml-too-large")))
		return false;
	if (rc)
		abort();
	if (m->schema == &tcg_msg_dha_bootdata)
		rc = tcg_msg_bootdata_read(again, back, NULL);
	else if (m->schema == &tcg_msg_dha_encblob)
		rc = tcg_msg_encblob_read(again, back, NULL);
	else if (m->schema == &tcg_msg_dha_signedblob)
		rc = tcg_msg_signedblob_read(again, back, NULL);
	else
		rc = tcg_msg_claims_read(again, back, NULL);
	if (rc)
		abort();
	return true;
}

static void rewrite(const tcg_msg *m)
{
	static tcg_msg_bootdata b, b2;
	tcg_msg_encblob e, e2;
	tcg_msg_signedblob s, s2;
	tcg_msg_claims c, c2;
	tcg_msg again;
	if (m->schema == &tcg_msg_dha_bootdata && !tcg_msg_bootdata_read(m, &b, NULL) &&
	    write_read(m, &b, &b2, &again)) {
		if (!str_eq(b.device, b2.device) || !span_eq(b.log, b2.log) ||
		    !span_eq(b.ek_public, b2.ek_public) ||
		    !span_eq(b.ek_certificate, b2.ek_certificate) ||
		    !span_eq(b.ak_public, b2.ak_public) || !span_eq(b.attest, b2.attest) ||
		    !span_eq(b.signature, b2.signature) || memcmp(&b.pcrs, &b2.pcrs, sizeof b.pcrs))
			abort();
		tcg_msg_free(&again);
	} else if (m->schema == &tcg_msg_dha_encblob && !tcg_msg_encblob_read(m, &e, NULL) &&
	           write_read(m, &e, &e2, &again)) {
		if (!str_eq(e.device, e2.device) || !span_eq(e.key_id, e2.key_id) ||
		    !span_eq(e.blob, e2.blob) || !span_eq(e.credential, e2.credential) ||
		    !span_eq(e.secret, e2.secret) || !str_eq(e.pcr_selection, e2.pcr_selection))
			abort();
		tcg_msg_free(&again);
	} else if (m->schema == &tcg_msg_dha_signedblob && !tcg_msg_signedblob_read(m, &s, NULL) &&
	           write_read(m, &s, &s2, &again)) {
		if (!str_eq(s.device, s2.device) || !span_eq(s.nonce, s2.nonce) ||
		    !span_eq(s.attest, s2.attest) || !span_eq(s.signature, s2.signature) ||
		    !span_eq(s.encblob, s2.encblob))
			abort();
		tcg_msg_free(&again);
	} else if (m->schema == &tcg_msg_dha_claims && !tcg_msg_claims_read(m, &c, NULL) &&
	           !c.verified && write_read(m, &c, &c2, &again)) {
		/* a refusal's envelope; an empty rule is written as "unknown" */
		if (!str_eq(c.device, c2.device) || c.compared != c2.compared ||
		    c.attributed != c2.attributed ||
		    (c.rule && c.rule[0] && !str_eq(c.rule, c2.rule)) ||
		    !str_eq(c.message ? c.message : "", c2.message) ||
		    (c.compared && memcmp(c.mismatch, c2.mismatch, sizeof c.mismatch)))
			abort();
		tcg_msg_free(&again);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void touch(const tcg_msg *m)
{
	static const char *const paths[] = {"log", "ek-public", "key-id", "blob", "nonce",
	                                    "quote.attest", "encblob"};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		uint8_t *p;
		size_t n;
		if (tcg_msg_get(m, paths[i]) && tcg_msg_b64(m, paths[i], &p, &n, NULL) == TCG_OK) {
			size_t el;
			char *e = tcg_b64_encode(p, n, &el);
			uint8_t *q = e ? malloc(tcg_b64_decoded_max(el) + 1) : NULL;
			size_t qn;
			if (q && (!tcg_b64_decode(e, el, q, &qn) || qn != n || (n && memcmp(p, q, n))))
				abort();
			free(q);
			free(e);
			free(p);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tcg_ydoc_stream *s = tcg_ydoc_stream_open_buf(data, size, "fuzz", tcg_msg_max_size(NULL));
	for (unsigned i = 0; s && i < 64; i++) {
		tcg_msg m;
		bool done;
		tcg_err err;
		tcg_rc rc = tcg_msg_next(s, NULL, &m, &done, &err);
		if (rc == TCG_OK && done)
			break;
		if (rc == TCG_OK) {
			touch(&m);
			rewrite(&m);
			tcg_msg_free(&m);
		} else if (err.rc != rc || !err.rule[0]) {
			abort();
		}
	}
	tcg_ydoc_stream_close(s);
	/* each kind alone, on the bytes as one document */
	for (size_t k = 0; tcg_msg_schemas[k]; k++) {
		const tcg_msg_schema *only[] = {tcg_msg_schemas[k], NULL};
		tcg_msg m;
		tcg_err err;
		if (tcg_msg_parse(data, size, "fuzz", only, &m, &err) == TCG_OK) {
			touch(&m);
			tcg_msg_free(&m);
		}
	}
	return 0;
}
