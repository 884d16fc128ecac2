/* Parser strictness: every rule broken on purpose must be refused by name. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "helpers.h"

/* A hand-made Spec ID Event03 header; fields can be broken before parsing. */
typedef struct {
	uint8_t b[512];
	size_t len;
} rawlog;

static void raw_put(rawlog *r, const void *p, size_t n)
{
	cr_assert_leq(r->len + n, sizeof r->b);
	memcpy(r->b + r->len, p, n);
	r->len += n;
}

static void raw_u32(rawlog *r, uint32_t v)
{
	uint8_t b[4];
	put32le(b, v);
	raw_put(r, b, 4);
}

static void raw_u16(rawlog *r, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	raw_put(r, b, 2);
}

/* Header with algs/sizes as given; returns offset of the EventSize field. */
static size_t raw_header(rawlog *r, const char *sig, uint8_t major, uint32_t nalgs,
                         const uint16_t *algs, const uint16_t *sizes, uint8_t vendor_size,
                         size_t vendor_present, size_t extra)
{
	static const uint8_t zero[20];
	uint8_t ver[4] = { 0, major, 0, 2 };
	size_t size_at;
	raw_u32(r, 0);
	raw_u32(r, 3);
	raw_put(r, zero, 20);
	size_at = r->len;
	raw_u32(r, 0);
	raw_put(r, sig, 16);
	raw_u32(r, 0);
	raw_put(r, ver, 4);
	raw_u32(r, nalgs);
	for (uint32_t i = 0; i < nalgs && i < 10; i++) {
		raw_u16(r, algs[i]);
		raw_u16(r, sizes[i]);
	}
	raw_put(r, &vendor_size, 1);
	for (size_t i = 0; i < vendor_present + extra; i++)
		raw_put(r, "v", 1);
	put32le(r->b + size_at, (uint32_t)(r->len - size_at - 4));
	return size_at;
}

static void expect_refused(const uint8_t *p, size_t len, const char *rule, long event)
{
	tcg_log *log = NULL;
	tcg_err err;
	tcg_err_clear(&err);
	cr_assert_eq(tcg_log_parse(p, len, 0, &log, &err), TCG_E_FORMAT, "expected %s", rule);
	cr_assert_null(log);
	cr_assert_str_eq(err.rule, rule);
	cr_assert_eq(err.event, event, "rule %s: event %ld", rule, err.event);
	cr_assert_neq(err.offset, TCG_NO_OFFSET, "rule %s names no offset", rule);
	cr_assert_eq(tcg_exit_status(err.rc), 2);
}

static const uint16_t algs2[] = { TCG_ALG_SHA1, TCG_ALG_SHA256 };
static const uint16_t sizes2[] = { 20, 32 };

Test(specid, good_header_parses)
{
	rawlog r = { .len = 0 };
	tcg_log *log;
	tcg_err err;
	raw_header(&r, "Spec ID Event03", 2, 2, algs2, sizes2, 0, 0, 0);
	cr_assert_eq(tcg_log_parse(r.b, r.len, 0, &log, &err), TCG_OK);
	cr_assert_eq(tcg_log_get_format(log), TCG_FMT_AGILE);
	cr_assert_eq(tcg_log_num_banks(log), 2);
	cr_assert_eq(tcg_log_bank(log, 1).alg, TCG_ALG_SHA256);
	tcg_log_free(log);
}

Test(specid, unknown_signature)
{
	rawlog r = { .len = 0 };
	raw_header(&r, "Spec ID Event09", 2, 2, algs2, sizes2, 0, 0, 0);
	expect_refused(r.b, r.len, "specid-signature", 0);
}

Test(specid, wrong_version)
{
	rawlog r = { .len = 0 };
	raw_header(&r, "Spec ID Event03", 3, 2, algs2, sizes2, 0, 0, 0);
	expect_refused(r.b, r.len, "specid-version", 0);
}

Test(specid, zero_algorithms)
{
	rawlog r = { .len = 0 };
	raw_header(&r, "Spec ID Event03", 2, 0, algs2, sizes2, 0, 0, 0);
	expect_refused(r.b, r.len, "specid-algorithm-count", 0);
}

Test(specid, too_many_algorithms)
{
	rawlog r = { .len = 0 };
	uint16_t a[9] = { 4, 0xb, 0xc, 0xd, 0x12, 0x27, 0x28, 0x29, 0x99 };
	uint16_t s[9] = { 20, 32, 48, 64, 32, 32, 48, 64, 32 };
	raw_header(&r, "Spec ID Event03", 2, 9, a, s, 0, 0, 0);
	expect_refused(r.b, r.len, "specid-algorithm-count", 0);
}

Test(specid, declared_size_differs_from_real)
{
	rawlog r = { .len = 0 };
	uint16_t s[2] = { 20, 20 };
	raw_header(&r, "Spec ID Event03", 2, 2, algs2, s, 0, 0, 0);
	expect_refused(r.b, r.len, "specid-digest-size", 0);
}

Test(specid, duplicate_algorithm)
{
	rawlog r = { .len = 0 };
	uint16_t a[2] = { TCG_ALG_SHA256, TCG_ALG_SHA256 };
	uint16_t s[2] = { 32, 32 };
	raw_header(&r, "Spec ID Event03", 2, 2, a, s, 0, 0, 0);
	expect_refused(r.b, r.len, "specid-duplicate-algorithm", 0);
}

Test(specid, vendor_info_overruns_event)
{
	rawlog r = { .len = 0 };
	raw_header(&r, "Spec ID Event03", 2, 2, algs2, sizes2, 4, 2, 0);
	expect_refused(r.b, r.len, "specid-vendor-info", 0);
}

Test(specid, bytes_after_vendor_info)
{
	rawlog r = { .len = 0 };
	raw_header(&r, "Spec ID Event03", 2, 2, algs2, sizes2, 1, 1, 3);
	expect_refused(r.b, r.len, "specid-trailing-data", 0);
}

Test(specid, nonzero_header_digest)
{
	rawlog r = { .len = 0 };
	raw_header(&r, "Spec ID Event03", 2, 2, algs2, sizes2, 0, 0, 0);
	r.b[10] = 1;
	expect_refused(r.b, r.len, "specid-digest", 0);
}

Test(specid, header_in_pcr_2)
{
	rawlog r = { .len = 0 };
	raw_header(&r, "Spec ID Event03", 2, 2, algs2, sizes2, 0, 0, 0);
	r.b[0] = 2;
	expect_refused(r.b, r.len, "specid-pcr", 0);
}

/* An agile log with one good event; tests then break one field of event 1. */
static size_t one_event_log(rawlog *r, uint32_t pcr, uint32_t ndigests, const uint16_t *algs,
                            uint32_t size, size_t data_present)
{
	size_t at;
	uint8_t d[64] = { 0 };
	raw_header(r, "Spec ID Event03", 2, 2, algs2, sizes2, 0, 0, 0);
	at = r->len;
	raw_u32(r, pcr);
	raw_u32(r, 0x80000007);
	raw_u32(r, ndigests);
	for (uint32_t i = 0; i < ndigests; i++) {
		raw_u16(r, algs[i]);
		raw_put(r, d, tcg_alg_size(algs[i]) ? tcg_alg_size(algs[i]) : 32);
	}
	raw_u32(r, size);
	for (size_t i = 0; i < data_present; i++)
		raw_put(r, "x", 1);
	return at;
}

Test(event, pcr_index_out_of_range)
{
	rawlog r = { .len = 0 };
	one_event_log(&r, 24, 2, algs2, 1, 1);
	expect_refused(r.b, r.len, "event-pcr-index", 1);
}

Test(event, pcr_none_is_accepted)
{
	rawlog r = { .len = 0 };
	tcg_log *log;
	tcg_err err;
	one_event_log(&r, 0xFFFFFFFF, 2, algs2, 1, 1);
	cr_assert_eq(tcg_log_parse(r.b, r.len, 0, &log, &err), TCG_OK);
	cr_assert_eq(tcg_log_event(log, 1)->pcr, TCG_PCR_NONE);
	tcg_log_free(log);
}

Test(event, no_digests)
{
	rawlog r = { .len = 0 };
	one_event_log(&r, 0, 0, algs2, 1, 1);
	expect_refused(r.b, r.len, "event-digest-count", 1);
}

Test(event, more_digests_than_banks)
{
	rawlog r = { .len = 0 };
	uint16_t a[3] = { TCG_ALG_SHA1, TCG_ALG_SHA256, TCG_ALG_SHA384 };
	one_event_log(&r, 0, 3, a, 1, 1);
	expect_refused(r.b, r.len, "event-digest-count", 1);
}

Test(quirk, fewer_digests_than_banks_is_named)
{
	rawlog r = { .len = 0 };
	uint16_t a[1] = { TCG_ALG_SHA256 };
	tcg_log *log;
	tcg_err err;
	one_event_log(&r, 12, 1, a, 1, 1);
	cr_assert_eq(tcg_log_parse(r.b, r.len, 0, &log, &err), TCG_OK);
	cr_assert_eq(tcg_log_quirks(log), TCG_QUIRK_PARTIAL_DIGESTS);
	cr_assert_null(tcg_event_digest(log, tcg_log_event(log, 1), 0));
	cr_assert_not_null(tcg_event_digest(log, tcg_log_event(log, 1), 1));
	tcg_log_free(log);
}

/* Digests and data are found in the log's own bytes, where the event put them, whatever
 * order the event lists its banks in. */
Test(event, digests_and_data_point_into_the_log)
{
	rawlog r = { .len = 0 };
	uint16_t a[2] = { TCG_ALG_SHA256, TCG_ALG_SHA1 };
	tcg_log *log;
	tcg_err err;
	size_t at = one_event_log(&r, 4, 2, a, 1, 1);
	cr_assert_eq(tcg_log_parse(r.b, r.len, 0, &log, &err), TCG_OK);
	const tcg_event *e = tcg_log_event(log, 1);
	cr_assert_eq(tcg_event_number(log, e), 1);
	cr_assert_eq(e->offset, at);
	/* PCR, type, count; then SHA-256 (2 + 32 bytes), SHA-1 (2 + 20), size. */
	cr_assert_eq(tcg_event_digest(log, e, 1), r.b + at + 12 + 2);
	cr_assert_eq(tcg_event_digest(log, e, 0), r.b + at + 12 + 34 + 2);
	cr_assert_eq(tcg_event_data(log, e), r.b + at + 12 + 34 + 22 + 4);
	cr_assert_eq(e->size, 1);
	cr_assert_null(tcg_event_digest(log, e, 2));
	/* The Spec ID event: its one zero SHA-1 digest, after PCR and type. */
	cr_assert_eq(tcg_event_digest(log, tcg_log_event(log, 0), 0), r.b + 8);
	cr_assert_null(tcg_event_digest(log, tcg_log_event(log, 0), 1));
	tcg_log_free(log);
}

Test(event, undeclared_algorithm)
{
	rawlog r = { .len = 0 };
	uint16_t a[2] = { TCG_ALG_SHA1, TCG_ALG_SHA384 };
	one_event_log(&r, 0, 2, a, 1, 1);
	expect_refused(r.b, r.len, "event-digest-algorithm", 1);
}

Test(event, same_algorithm_twice)
{
	rawlog r = { .len = 0 };
	uint16_t a[2] = { TCG_ALG_SHA256, TCG_ALG_SHA256 };
	one_event_log(&r, 0, 2, a, 1, 1);
	expect_refused(r.b, r.len, "event-digest-duplicate", 1);
}

Test(event, data_overruns_log)
{
	rawlog r = { .len = 0 };
	one_event_log(&r, 0, 2, algs2, 10, 3);
	expect_refused(r.b, r.len, "event-truncated", 1);
}

Test(event, header_cut_short)
{
	rawlog r = { .len = 0 };
	size_t at = one_event_log(&r, 0, 2, algs2, 1, 1);
	/* From the type field on: a cut inside the zero PCR index reads as zero padding. */
	for (size_t cut = at + 5; cut < r.len - 1; cut += 7)
		expect_refused(r.b, cut, "event-truncated", 1);
}

Test(event, size_over_cap)
{
	rawlog r = { .len = 0 };
	one_event_log(&r, 0, 2, algs2, TCG_MAX_EVENT_SIZE + 1, 1);
	expect_refused(r.b, r.len, "event-size-cap", 1);
}

Test(log, empty)
{
	expect_refused((const uint8_t *)"", 0, "log-empty", TCG_NO_EVENT);
}

Test(log, text_is_not_a_log)
{
	static const char text[] = "bogus\ninvalid\nevent\nlog\nfile\nhere\n";
	expect_refused((const uint8_t *)text, sizeof text - 1, "event-pcr-index", 0);
}

Test(log, headerless_sha1_log)
{
	tcg_writer *w = tcg_writer_new(TCG_FMT_SHA1, NULL, 0);
	tcg_log *log;
	tcg_err err;
	tcg_writer_event(w, 0, 8, NULL, "v\0\0", 4);
	tcg_writer_event(w, 7, 4, NULL, "\0\0\0\0", 4);
	cr_assert_eq(parse_writer(w, &log, &err), TCG_OK);
	cr_assert_eq(tcg_log_get_format(log), TCG_FMT_SHA1);
	cr_assert_eq(tcg_log_num_events(log), 2);
	cr_assert_eq(tcg_log_specid(log)->version, -1);
	cr_assert_eq(tcg_log_event(log, 1)->offset, 36);
	tcg_log_free(log);
	tcg_writer_free(w);
}

Test(log, event02_header_keeps_sha1_layout)
{
	rawlog r = { .len = 0 };
	static const uint8_t zero[20];
	uint8_t hdr[9] = { 0 };
	tcg_log *log;
	tcg_err err;
	raw_u32(&r, 0);
	raw_u32(&r, 3);
	raw_put(&r, zero, 20);
	raw_u32(&r, 16 + 4 + 5);
	raw_put(&r, "Spec ID Event02", 16);
	hdr[4] = 2; /* minor */
	hdr[5] = 1; /* major */
	hdr[7] = 1; /* uintnSize */
	raw_put(&r, hdr, 9);
	raw_u32(&r, 4);
	raw_u32(&r, 4);
	raw_put(&r, zero, 20);
	raw_u32(&r, 4);
	raw_u32(&r, 0);
	cr_assert_eq(tcg_log_parse(r.b, r.len, 0, &log, &err), TCG_OK, "%s", err.msg);
	cr_assert_eq(tcg_log_get_format(log), TCG_FMT_SHA1);
	cr_assert_eq(tcg_log_specid(log)->version, 2);
	cr_assert(tcg_log_event(log, 0)->header);
	cr_assert_eq(tcg_log_num_events(log), 2);
	tcg_log_free(log);
}

static void padding_case(uint8_t fill)
{
	tcg_writer *w = agile_writer();
	uint8_t pad[100];
	tcg_log *log;
	tcg_err err;
	size_t before;
	tcg_writer_event(w, 4, 4, NULL, "\0\0\0\0", 4);
	tcg_writer_data(w, &before);
	memset(pad, fill, sizeof pad);
	tcg_writer_raw(w, pad, sizeof pad);
	cr_assert_eq(parse_writer(w, &log, &err), TCG_OK);
	cr_assert_eq(tcg_log_quirks(log), TCG_QUIRK_TRAILING_PADDING);
	cr_assert_eq(tcg_log_padding_offset(log), before);
	cr_assert_eq(tcg_log_padding_length(log), sizeof pad);
	cr_assert_eq(tcg_log_num_events(log), 2);
	tcg_log_free(log);
	tcg_writer_free(w);
}

Test(quirk, trailing_ff_padding_is_named)
{
	padding_case(0xFF);
}

Test(quirk, trailing_zero_padding_is_named)
{
	padding_case(0x00);
}

Test(quirk, padding_with_garbage_is_refused)
{
	tcg_writer *w = agile_writer();
	uint8_t pad[100];
	tcg_log *log;
	tcg_err err;
	tcg_writer_event(w, 4, 4, NULL, "\0\0\0\0", 4);
	memset(pad, 0xFF, sizeof pad);
	pad[60] = 0x12;
	tcg_writer_raw(w, pad, sizeof pad);
	cr_assert_eq(parse_writer(w, &log, &err), TCG_E_FORMAT);
	cr_assert_str_eq(err.rule, "event-digest-count");
	cr_assert_eq(err.event, 2);
	tcg_writer_free(w);
}

Test(quirk, unsized_input_is_named)
{
	/* procfs, like securityfs, reports size 0 for files with content. */
	uint8_t *data;
	size_t len;
	unsigned quirks;
	tcg_err err;
	cr_assert_eq(tcg_read_file("/proc/self/status", 1 << 20, &data, &len, &quirks, &err), TCG_OK);
	cr_assert_gt(len, 0);
	cr_assert_eq(quirks, TCG_QUIRK_UNSIZED_INPUT);
	free(data);
}

Test(read, size_cap)
{
	uint8_t *data;
	size_t len;
	tcg_err err;
	cr_assert_eq(tcg_read_file("/proc/self/status", 16, &data, &len, NULL, &err), TCG_E_FORMAT);
	cr_assert_str_eq(err.rule, "input-size-cap");
}

Test(event, nv_index_only_for_no_action)
{
	tcg_writer *w = agile_writer();
	tcg_log *log;
	tcg_err err;
	tcg_writer_event(w, 0x01C40200, 3, NULL, "NvIndexInstance\0", 16);
	cr_assert_eq(parse_writer(w, &log, &err), TCG_OK, "%s", err.msg);
	tcg_log_free(log);
	tcg_writer_event(w, 0x01C40200, 4, NULL, "\0\0\0\0", 4);
	cr_assert_eq(parse_writer(w, &log, &err), TCG_E_FORMAT);
	cr_assert_str_eq(err.rule, "event-pcr-index");
	cr_assert_eq(err.event, 2);
	tcg_writer_free(w);
}

/* The shared error helpers (error.h): each sets the code its name says, no
 * location unless _at, and the tool exit status of DESIGN.md. */
Test(error, helpers)
{
	tcg_err err;
	char line[512];
	cr_assert_eq(tcg_fail_format(&err, "r-format", "n=%d", 7), TCG_E_FORMAT);
	cr_expect_eq(err.rc, TCG_E_FORMAT);
	cr_expect_str_eq(err.rule, "r-format");
	cr_expect_str_eq(err.msg, "n=7");
	cr_expect_eq(err.offset, TCG_NO_OFFSET);
	cr_expect_eq(err.event, TCG_NO_EVENT);
	cr_expect_eq(tcg_exit_status(err.rc), 2);
	cr_assert_eq(tcg_fail_mismatch(&err, "r-mismatch", "%s", "differs"), TCG_E_MISMATCH);
	cr_expect_eq(err.rc, TCG_E_MISMATCH);
	cr_expect_str_eq(err.rule, "r-mismatch");
	cr_expect_eq(tcg_exit_status(err.rc), 1);
	cr_assert_eq(tcg_fail(&err, TCG_E_IO, "r-io", "disk"), TCG_E_IO);
	cr_expect_eq(err.rc, TCG_E_IO);
	cr_expect_eq(tcg_exit_status(err.rc), 3);
	cr_assert_eq(tcg_fail_nomem(&err), TCG_E_NOMEM);
	cr_expect_str_eq(err.rule, "out-of-memory");
	cr_expect_str_eq(err.rule, TCG_RULE_OUT_OF_MEMORY);
	cr_expect_eq(tcg_exit_status(err.rc), 3);
	cr_assert_eq(tcg_fail_at(&err, "r-at", 12, 3, "bad"), TCG_E_FORMAT);
	tcg_err_format(&err, line, sizeof line);
	cr_expect_str_eq(line, "offset 12: event 3: r-at: bad");
	/* err may be NULL: the code still comes back */
	cr_expect_eq(tcg_fail_mismatch(NULL, "r", "x"), TCG_E_MISMATCH);
	cr_expect_eq(tcg_fail_nomem(NULL), TCG_E_NOMEM);
}
