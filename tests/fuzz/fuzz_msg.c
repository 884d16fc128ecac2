/*
 * libFuzzer target over the message reader: the bytes as a stream of
 * documents, each checked against every kind's schema (and against each kind
 * alone); every accepted message has its binary fields decoded and is written
 * back and read again.
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
