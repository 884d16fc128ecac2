/*
 * Differential libFuzzer target: the direct YAML reader (yamlfast.c) against
 * the libyaml path it stands in for. For any bytes, as one document and as a
 * stream (from a buffer and from a FILE, with a small and the default cap),
 * both give the same trees (kinds, values, positions, sizes) or the same
 * refusal, rule and message, position included.
 *
 *   CC=clang meson setup BUILD -Db_sanitize=address,undefined -Db_lundef=false \
 *       -Dfuzz=true && ninja -C BUILD tests/fuzz_yamlfast
 *   BUILD/tests/fuzz_yamlfast -max_total_time=60
 */
#define _POSIX_C_SOURCE 200809L /* fmemopen */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yamldoc_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_yamlfast: the readers differ: %s\n", what);
		abort();
	}
}

static void same_result(tcg_rc ra, const tcg_err *ea, tcg_rc rb, const tcg_err *eb)
{
	check(ra == rb, "return code");
	if (ra) {
		check(!strcmp(ea->rule, eb->rule), "rule");
		check(!strcmp(ea->msg, eb->msg), "message");
	}
}

static void same_doc(const tcg_ydoc *a, const tcg_ydoc *b)
{
	check(!strcmp(a->file, b->file), "document name");
	check(a->size == b->size, "document size");
	check(tcg_ynode_equal(a->root, b->root), "tree");
}

static void one_document(const uint8_t *data, size_t size)
{
	tcg_ydoc a, b;
	tcg_err ea = {0}, eb = {0};
	tcg_rc ra = tcg_ydoc_parse(data, size, "fuzz", &a, &ea);
	tcg_rc rb = tcg_ydoc_parse_slow(data, size, "fuzz", &b, &eb);
	same_result(ra, &ea, rb, &eb);
	if (!ra)
		same_doc(&a, &b);
	tcg_ydoc_free(&a);
	tcg_ydoc_free(&b);
}

static void stream(const uint8_t *data, size_t size, size_t max_doc, bool file)
{
	FILE *f = file && size ? fmemopen((void *)data, size, "r") : NULL;
	tcg_ydoc_stream *a = f ? tcg_ydoc_stream_open_file(f, "fuzz", max_doc)
	                       : tcg_ydoc_stream_open_buf(data, size, "fuzz", max_doc);
	tcg_ydoc_stream *b = tcg_ydoc_stream_open_buf(data, size, "fuzz", max_doc);
	if (!a || !b)
		abort();
	tcg_ydoc_stream_set_slow(b);
	for (unsigned i = 0; i < 64; i++) {
		tcg_ydoc da, db;
		tcg_err ea = {0}, eb = {0};
		bool done_a = false, done_b = false;
		tcg_rc ra = tcg_ydoc_stream_next(a, &da, &done_a, &ea);
		tcg_rc rb = tcg_ydoc_stream_next(b, &db, &done_b, &eb);
		same_result(ra, &ea, rb, &eb);
		check(done_a == done_b, "end of the stream");
		check(tcg_ydoc_stream_index(a) == tcg_ydoc_stream_index(b), "document number");
		check(tcg_ydoc_stream_stopped(a) == tcg_ydoc_stream_stopped(b), "stopped");
		if (!ra && !done_a)
			same_doc(&da, &db);
		tcg_ydoc_free(&da);
		tcg_ydoc_free(&db);
		if (done_a || tcg_ydoc_stream_stopped(a))
			break;
	}
	tcg_ydoc_stream_close(a);
	tcg_ydoc_stream_close(b);
	if (f)
		fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one_document(data, size);
	/* libyaml decodes its read-ahead (16 KiB) at once, so bytes it cannot
	 * read fail the document before them; the direct reader lets libyaml
	 * meet them at their own document. Streams are compared on what libyaml
	 * reads without such an error. */
	uint8_t *t = malloc(size ? size : 1);
	if (!t)
		return 0;
	for (size_t i = 0; i < size; i++) {
		uint8_t c = data[i];
		t[i] = (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t' || c == '\r' ? c
		                                                                        : 0x20 + c % 0x5f;
	}
	stream(t, size, 0, false);
	stream(t, size, 0, true);
	stream(t, size, 100, false);
	stream(t, size, 100, true);
	free(t);
	return 0;
}
