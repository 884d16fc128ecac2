/* Unit tests for the SIPA walker: bounds, depth and callbacks. */
#include <criterion/criterion.h>
#include <string.h>

#include "tcglog/claims.h"
#include "events.h"
#include "sipa.h"

static size_t put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
	return 4;
}

typedef struct {
	int items, enters, leaves;
	unsigned maxdepth;
	uint32_t last;
} counts;

static int on_enter(void *c, uint32_t id, unsigned d)
{
	counts *k = c;
	(void)id;
	k->enters++;
	if (d > k->maxdepth)
		k->maxdepth = d;
	return 0;
}

static int on_leave(void *c, uint32_t id, unsigned d)
{
	(void)id;
	(void)d;
	((counts *)c)->leaves++;
	return 0;
}

static int on_item(void *c, uint32_t id, const uint8_t *p, size_t len, unsigned d)
{
	counts *k = c;
	(void)p;
	(void)len;
	(void)d;
	k->items++;
	k->last = id;
	return 0;
}

static const tcg_sipa_visitor visitor = { on_enter, on_leave, on_item };

/* A trust boundary holding BOOTCOUNTER and CODEINTEGRITY. */
Test(sipa, walks_items)
{
	uint8_t b[64];
	size_t n = 0;
	n += put32(b + n, 0x40010001);
	n += put32(b + n, 8 + 8 + 8 + 1);
	n += put32(b + n, 0x00020002);
	n += put32(b + n, 8);
	memset(b + n, 0, 8);
	b[n] = 4;
	n += 8;
	n += put32(b + n, 0x00050002);
	n += put32(b + n, 1);
	b[n++] = 1;
	counts k = { 0 };
	tcg_err err;
	cr_assert_eq(tcg_sipa_walk(b, n, &visitor, &k, &err), TCG_OK);
	cr_assert_eq(k.items, 2);
	cr_assert_eq(k.enters, 1);
	cr_assert_eq(k.leaves, 1);
	cr_assert_eq(k.last, 0x00050002);
}

Test(sipa, refuses_overrun)
{
	uint8_t b[32];
	size_t n = 0;
	n += put32(b + n, 0x40010001);
	n += put32(b + n, 12);
	n += put32(b + n, 0x00050002);
	n += put32(b + n, 5); /* claims 5 bytes, 4 left */
	n += put32(b + n, 0);
	tcg_err err;
	cr_assert_eq(tcg_sipa_walk(b, n, &visitor, &(counts){ 0 }, &err), TCG_E_MISMATCH);
	cr_assert_str_eq(err.rule, "sipa-malformed");
}

Test(sipa, refuses_outer_size_mismatch)
{
	uint8_t b[16] = { 0 };
	put32(b, 0x40010001);
	put32(b + 4, 100);
	tcg_err err;
	cr_assert_eq(tcg_sipa_walk(b, sizeof b, NULL, NULL, &err), TCG_E_MISMATCH);
	cr_assert_eq(tcg_sipa_walk(b, 3, NULL, NULL, &err), TCG_E_MISMATCH);
}

/* Containers nested one level deeper than the cap are refused. */
Test(sipa, depth_cap)
{
	for (unsigned levels = TCG_SIPA_MAX_DEPTH; levels <= TCG_SIPA_MAX_DEPTH + 1; levels++) {
		uint8_t b[8 * 16];
		size_t n = 0;
		/* levels+1 containers (outermost at depth 0), innermost empty */
		for (unsigned i = 0; i <= levels; i++) {
			n += put32(b + n, 0x40010001);
			n += put32(b + n, 8 * (levels - i));
		}
		counts k = { 0 };
		tcg_err err;
		tcg_rc rc = tcg_sipa_walk(b, n, &visitor, &k, &err);
		if (levels == TCG_SIPA_MAX_DEPTH) {
			cr_assert_eq(rc, TCG_OK);
			cr_assert_eq(k.maxdepth, TCG_SIPA_MAX_DEPTH);
		} else {
			cr_assert_eq(rc, TCG_E_MISMATCH);
			cr_assert_str_eq(err.rule, "sipa-depth");
		}
	}
}

/* A bare top-level item (PCR 14 AUTHORITYPUBKEY) is one item, not a container. */
Test(sipa, bare_item)
{
	uint8_t b[12];
	put32(b, 0x00060002);
	put32(b + 4, 4);
	put32(b + 8, 0x30820000);
	counts k = { 0 };
	tcg_err err;
	cr_assert_eq(tcg_sipa_walk(b, sizeof b, &visitor, &k, &err), TCG_OK);
	cr_assert_eq(k.items, 1);
	cr_assert_eq(k.enters, 0);
}

/* tcg_sipa_find bisects the table: it must ascend, and finds every entry. */
Test(sipa, table_sorted)
{
	for (size_t i = 0; i < tcg_sipa_ndefs; i++) {
		if (i)
			cr_expect(tcg_sipa_defs[i - 1].id < tcg_sipa_defs[i].id, "entry %zu (0x%08x) out of order",
			          i, tcg_sipa_defs[i].id);
		cr_expect(tcg_sipa_find(tcg_sipa_defs[i].id) == &tcg_sipa_defs[i]);
	}
	cr_expect_null(tcg_sipa_find(0));
	cr_expect_null(tcg_sipa_find(0xFFFFFFFFu));
	cr_expect_null(tcg_sipa_find(SIPA_TRUSTBOUNDARY + 100));
}
