/* The direct YAML reader: the messages the library writes stay on it, and
 * whatever it declines reads as libyaml reads it, refusals and their
 * positions included (the libyaml path, tcg_ydoc_parse_slow and a stream set
 * slow, is the reference). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcglog/msg.h"
#include "msgwrite.h"
#include "yamldoc_int.h"

/* A signedblob-sized message as the library writes it: n bytes of blob (the
 * field writers, not tcg_msg_encblob_write, so any device name is written). */
static char *write_message(const char *device, size_t n, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	uint8_t *blob = malloc(n);
	for (size_t i = 0; i < n; i++)
		blob[i] = (uint8_t)(i * 131 + 7);
	tcg_yaml *y = tcg_yaml_new(f);
	tcg_msg_write_start(y, "dha-encblob", 1);
	tcg_yaml_kv_cstr(y, "device", device);
	cr_assert_eq(tcg_msg_kv_b64(y, "key-id", blob, 8, NULL), TCG_OK);
	cr_assert_eq(tcg_msg_kv_b64(y, "blob", blob, n, NULL), TCG_OK);
	tcg_msg_write_end(y);
	cr_assert_eq(tcg_yaml_finish(y, NULL), TCG_OK);
	fclose(f);
	free(blob);
	return buf;
}

static void same_as_libyaml(const char *text, size_t len)
{
	tcg_ydoc a, b;
	tcg_err ea = {0}, eb = {0};
	tcg_rc ra = tcg_ydoc_parse((const uint8_t *)text, len, "t", &a, &ea);
	tcg_rc rb = tcg_ydoc_parse_slow((const uint8_t *)text, len, "t", &b, &eb);
	cr_assert_eq(ra, rb, "%s / %s", ea.msg, eb.msg);
	if (ra) {
		cr_assert_str_eq(ea.rule, eb.rule);
		cr_assert_str_eq(ea.msg, eb.msg);
	} else {
		cr_assert(tcg_ynode_equal(a.root, b.root), "the trees differ:\n%s", text);
		cr_assert_eq(a.size, b.size);
	}
	tcg_ydoc_free(&a);
	tcg_ydoc_free(&b);
}

Test(yamlfast, written_messages_stay_on_the_direct_reader)
{
	static const char *const devices[] = {"dev1", "dev \"1\"", "a: b", "#x", "-", "",
	                                      "tab\there", "caf\xc3\xa9", "it's", " lead"};
	for (size_t d = 0; d < sizeof devices / sizeof devices[0]; d++) {
		size_t len;
		char *text = write_message(devices[d], d == 0 ? 40000 : 30, &len);
		same_as_libyaml(text, len);
		tcg_yfast_doc fd;
		tcg_yfast_rc rc = tcg_yfast_parse((const uint8_t *)text, len, 0, true, &fd);
		/* only what libyaml must judge (a tab, UTF-8) may leave the direct reader */
		if (d < 6)
			cr_assert_eq(rc, TCG_YFAST_OK, "declined:\n%.300s", text);
		tcg_ynode_free_tree(fd.root);
		free(text);
	}
}

Test(yamlfast, the_subset_reads_as_libyaml_reads_it)
{
	static const char *const docs[] = {
		"a: 1\nb:\n- x\n- y: 2\n  z: ~\n-\n- []\nc: {}\n",
		"---\nk: \"\\x41\\u00e9\\U0001F600\\N\\_\\L\\P\\t\\\"\\\\\\/\\0\"\n...\n# end\n",
		"  a:   'it''s'  # c\n  b:\n    - -5\n    - +7\n    - 99999999999999999999\n",
		"a: true\nb: false\nc: null\nd:\ne: \"true\"\nf: 'null'\n\"g\": h # x\n",
		"a:\n  - b:\n    - c\n  -\n    d: e\n",
		/* declined, so libyaml's own answer, refusal and position */
		"a: 1\na: 2\n", "a: {b: 1}\n", "a: |\n  x\n", "a: &x 1\nb: *x\n", "a: !t 1\n",
		"a: b\n  c\n", "a: \"x\n  y\"\n", "a: b: c\n", "- a\nb: c\n", "a:\n- b\n c: d\n",
		"%YAML 1.1\n---\na: 1\n", "a: 1\n---\nb: 2\n", "--- a\n", "\xef\xbb\xbf\x61: 1\n", /* a BOM, then "a: 1" */
		"a:\tb\n", "a: 1\r\n", "a: \"\\ud800\"\n", "a: \"\\q\"\n", "",
	};
	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
		same_as_libyaml(docs[i], strlen(docs[i]));
}

/* Every byte value at every position of "k: \"" + n letters + "\"\n",
 * against libyaml. */
static void every_byte_in_quotes(size_t n)
{
	char text[320];
	cr_assert(n + 6 <= sizeof text);
	for (size_t pos = 4; pos < 4 + n; pos++) {
		for (unsigned c = 0; c < 256; c++) {
			memcpy(text, "k: \"", 4);
			memset(text + 4, 'a', n);
			memcpy(text + 4 + n, "\"\n", 2);
			text[pos] = (char)c;
			same_as_libyaml(text, n + 6);
		}
	}
}

/* The printable check takes 16 bytes at a time: every byte value at every
 * position of a 45-byte line reads as libyaml reads it. */
Test(yamlfast, every_byte_in_a_long_line) { every_byte_in_quotes(40); }

/* From 256 bytes on a CPU with AVX2 checks 32 at a time: every byte value at
 * every position of a 306-byte line (9 blocks of 32, then 16 and 2) reads as
 * libyaml reads it. */
Test(yamlfast, every_byte_in_a_longer_line) { every_byte_in_quotes(300); }

/* Read the stream both ways; return the number of documents read. */
static unsigned same_stream(const char *text, size_t max_doc, bool file, const char *rule,
                            unsigned doc, unsigned line)
{
	size_t len = strlen(text);
	FILE *f = file ? fmemopen((void *)text, len, "r") : NULL;
	tcg_ydoc_stream *a = file ? tcg_ydoc_stream_open_file(f, "in", max_doc)
	                          : tcg_ydoc_stream_open_buf((const uint8_t *)text, len, "in", max_doc);
	tcg_ydoc_stream *b = tcg_ydoc_stream_open_buf((const uint8_t *)text, len, "in", max_doc);
	unsigned n = 0;
	bool refused = false;
	tcg_ydoc_stream_set_slow(b);
	for (;;) {
		tcg_ydoc da, db;
		tcg_err ea = {0}, eb = {0};
		bool done_a, done_b;
		tcg_rc ra = tcg_ydoc_stream_next(a, &da, &done_a, &ea);
		tcg_rc rb = tcg_ydoc_stream_next(b, &db, &done_b, &eb);
		cr_assert_eq(ra, rb, "%s / %s", ea.msg, eb.msg);
		if (ra) {
			cr_assert_str_eq(ea.rule, eb.rule);
			cr_assert_str_eq(ea.msg, eb.msg);
			char want[32];
			snprintf(want, sizeof want, "in#%u:%u:", doc, line);
			if (!refused && rule) {
				cr_assert_str_eq(ea.rule, rule, "%s", ea.msg);
				cr_assert(!strncmp(ea.msg, want, strlen(want)), "%s is not at %s", ea.msg,
				          want);
			}
			refused = true;
		} else if (!done_a) {
			n++;
			cr_assert_str_eq(da.file, db.file);
			cr_assert_eq(da.size, db.size);
			cr_assert(tcg_ynode_equal(da.root, db.root), "document %u differs", n);
		}
		cr_assert_eq(done_a, done_b);
		tcg_ydoc_free(&da);
		tcg_ydoc_free(&db);
		if (done_a || tcg_ydoc_stream_stopped(a) || n > 100)
			break;
	}
	cr_assert_eq(refused, rule != NULL, "no refusal %s", rule ? rule : "");
	tcg_ydoc_stream_close(a);
	tcg_ydoc_stream_close(b);
	if (f)
		fclose(f);
	return n;
}

Test(yamlfast, a_stream_hands_libyaml_the_rest_at_the_document_declined)
{
	/* document 2 leaves the subset, its duplicate key at line 7 of the stream */
	const char *t = "a: 1\n---\nb: {x: 1}\n# c\nd: 2\n\nd: 3\n---\ne: [1]\n...\n---\nf: g\n";
	for (int file = 0; file < 2; file++) {
		same_stream(t, 0, file, "yaml-duplicate-key", 2, 7);
		/* in the subset, a duplicate key is libyaml's to refuse, at its line */
		same_stream("a: 1\n---\nb: 1\n\nb: 2\n---\nc: 3\n", 0, file, "yaml-duplicate-key", 2,
		            5);
		same_stream("a: 1\n---\nb: [\n---\nc: 3\n", 0, file, "yaml-syntax", 2, 4);
		cr_assert_eq(same_stream("# x\n---\na: 1\n...\n# y\n---\nb: 2\n", 0, file, NULL, 0, 0),
		             2);
		/* a bare document after "...": libyaml's to judge with what came before */
		same_stream("---\na: 1\n...\nb: 2\n", 0, file, "yaml-syntax", 1, 4);
		cr_assert_eq(same_stream("---\na: 1\n...\n\n---\nb: 2\n...\n", 0, file, NULL, 0, 0), 2);
		/* a document over the cap: libyaml's refusal, and the stream stops */
		same_stream("a: 1\n---\nb: 0123456789012345678901234567890123456789\n---\nc: 1\n", 40,
		            file, "yaml-too-large", 2, 2);
	}
}

Test(yamlfast, long_documents_from_a_file)
{
	/* 40 KB scalars across the direct reader's 64 KiB reads */
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	for (int i = 0; i < 7; i++) {
		size_t l;
		char *t = write_message(i == 4 ? "{flow}" : "dev", 40000 + (size_t)i * 3, &l);
		if (i == 5)
			fputs("# between\n", f);
		fwrite(t, 1, l, f);
		free(t);
	}
	fclose(f);
	cr_assert_eq(same_stream(buf, 0, true, NULL, 0, 0), 7);
	cr_assert_eq(same_stream(buf, 0, false, NULL, 0, 0), 7);
	free(buf);
}

static void next_is(tcg_ydoc_stream *s, const char *key)
{
	tcg_ydoc d;
	tcg_err err = {0};
	bool done = true;
	cr_assert_eq(tcg_ydoc_stream_next(s, &d, &done, &err), TCG_OK, "%s", err.msg);
	cr_assert(!done);
	cr_assert_not_null(tcg_ynode_get(d.root, key), "document with %s", key);
	tcg_ydoc_free(&d);
}

static void put(int fd, const char *text)
{
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
}

/* A writer on a pipe that waits for each answer: a document ended by a "..."
 * line or followed by a "---" line is read while the pipe stays open (a
 * stream that waited for more input or the end would hang: the timeout). */
Test(yamlfast, a_pipe_gives_each_finished_document_while_it_stays_open, .timeout = 20)
{
	int p[2];
	cr_assert_eq(pipe(p), 0);
	FILE *f = fdopen(p[0], "r");
	tcg_ydoc_stream *s = tcg_ydoc_stream_open_file(f, "pipe", 0);
	cr_assert_not_null(s);
	put(p[1], "---\na: 1\n...\n");
	next_is(s, "a");
	put(p[1], "---\nb: 2\n");
	put(p[1], "---\nc: 3\n");
	next_is(s, "b");
	close(p[1]); /* the end finishes the last */
	next_is(s, "c");
	tcg_ydoc d;
	bool done = false;
	cr_assert_eq(tcg_ydoc_stream_next(s, &d, &done, NULL), TCG_OK);
	cr_assert(done);
	tcg_ydoc_stream_close(s);
	fclose(f);
}
