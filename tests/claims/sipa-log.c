/*
 * sipa-log CASE OUT: write a small SHA-256 Windows log (SIPA trust boundaries
 * in PCR 12 and 13, WBCL separators) for one case of tests/claims/windows.sh.
 * Values come from reference/dha.md, not from tcglog's output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcglog/digest.h"
#include "writer.h"

typedef struct {
	uint8_t b[1 << 19]; /* the images-* cases hold thousands of modules */
	size_t n;
} buf;

static void raw(buf *b, const void *p, size_t len)
{
	if (b->n + len > sizeof b->b)
		abort();
	memcpy(b->b + b->n, p, len);
	b->n += len;
}

static void u32(buf *b, uint32_t v)
{
	uint8_t p[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	raw(b, p, 4);
}

static void u64(buf *b, uint64_t v)
{
	u32(b, (uint32_t)v);
	u32(b, (uint32_t)(v >> 32));
}

static void item(buf *b, uint32_t id, const void *p, size_t len)
{
	u32(b, id);
	u32(b, (uint32_t)len);
	raw(b, p, len);
}

static void item_u64(buf *b, uint32_t id, uint64_t v)
{
	buf t = { .n = 0 };
	u64(&t, v);
	item(b, id, t.b, t.n);
}

static void item_u32(buf *b, uint32_t id, uint32_t v)
{
	buf t = { .n = 0 };
	u32(&t, v);
	item(b, id, t.b, t.n);
}

static void item_u8(buf *b, uint32_t id, uint8_t v)
{
	item(b, id, &v, 1);
}

static void item_utf16(buf *b, uint32_t id, const char *s)
{
	buf t = { .n = 0 };
	for (size_t i = 0; i <= strlen(s); i++) {
		uint8_t c[2] = { (uint8_t)s[i], 0 };
		raw(&t, c, 2);
	}
	item(b, id, t.b, t.n);
}

/* REVOCATION_LIST_PAYLOAD (dha.md §4.6.1) with a SHA-256 digest of 0x11. */
static void revlist(buf *b, uint32_t id, uint64_t filetime, uint32_t dlen)
{
	buf t = { .n = 0 };
	uint8_t d[32];
	memset(d, 0x11, sizeof d);
	u64(&t, filetime);
	u32(&t, dlen);
	raw(&t, "\x0b\x00", 2);
	raw(&t, d, 32);
	item(b, id, t.b, t.n);
}

/* A loaded-module aggregation as winload measures it into PCR 13. */
static void lma(buf *b, const char *path, uint8_t hashbyte, int validated, const char *publisher)
{
	buf t = { .n = 0 };
	uint8_t h[32];
	memset(h, hashbyte, sizeof h);
	item_utf16(&t, 0x00070001, path);
	item_u32(&t, 0x00070003, 0x800C);
	item(&t, 0x00070004, h, 32);
	if (validated >= 0)
		item_u8(&t, 0x0007000A, (uint8_t)validated);
	if (publisher)
		item_utf16(&t, 0x00070008, publisher);
	item(b, 0x40010003, t.b, t.n);
}

static void elam_key(buf *b, const char *name)
{
	buf t = { .n = 0 };
	item_utf16(&t, 0x00090001, name);
	item(b, 0x40010002, t.b, t.n);
}

#define FT(secs) (((uint64_t)(secs) + 11644473600u) * 10000000u)
#define ELAM_PUB "Microsoft Windows Early Launch Anti-malware Publisher"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fputs("usage: sipa-log CASE OUT\n", stderr);
		return 2;
	}
	const char *k = argv[1];
	static buf p12, p13, e12, e13; /* too large for the stack */
	/* common: winload's boundary, a cold boot unless the case says otherwise */
	item_u64(&p12, 0x00020002, !strcmp(k, "tpm12") ? 0 : 7);
	item_u32(&p12, 0x00020003, !strcmp(k, "resume") ? 2 : 1);
	item_u8(&p12, 0x00050002, 1);
	item_u8(&p13, 0x00050002, 1);
	if (!strcmp(k, "ms-example")) {
		/* Microsoft's example report: BootRevListInfo 2016-06-14T20:36:50Z,
		 * OSRevListInfo 2015-09-29T20:51:47Z (dha.md §3.2); a fraction of a second */
		revlist(&p13, 0x00040002, FT(1465936610) + 4321, 32);
		revlist(&p13, 0x00050013, FT(1443559907), 32);
	} else if (!strcmp(k, "revlist-1969")) {
		revlist(&p13, 0x00040002, FT(0) - 10000000u, 32);
	} else if (!strcmp(k, "revlist-2107")) {
		revlist(&p13, 0x00040002, FT(0x100000000ull), 32);
	} else if (!strcmp(k, "revlist-short")) {
		revlist(&p13, 0x00050013, FT(1443559907), 33); /* says 33, holds 32 */
	} else if (!strcmp(k, "dep-alwaysoff")) {
		item_u64(&p12, 0x00050004, 2);
		item_u64(&p13, 0x00050004, 2);
	} else if (!strcmp(k, "dep-conflict")) {
		item_u64(&p12, 0x00050004, 0);
		item_u64(&p13, 0x00050004, 2);
	} else if (!strcmp(k, "dep-unknown")) {
		item_u64(&p12, 0x00050004, 7);
	} else if (!strcmp(k, "wdboot")) {
		lma(&p13, "\\Windows\\system32\\drivers\\wd\\WdBoot.sys", 0xaa, 1, ELAM_PUB);
	} else if (!strcmp(k, "wdboot-unvalidated")) {
		lma(&p13, "\\Windows\\System32\\DRIVERS\\WDBOOT.SYS", 0xaa, 0, ELAM_PUB);
	} else if (!strcmp(k, "wdboot-elsewhere")) {
		/* the name, validated, but not under \drivers\ */
		lma(&p13, "\\Windows\\Temp\\wdboot.sys", 0xaa, 1, ELAM_PUB);
		lma(&p13, "\\Windows\\system32\\drivers\\disk.sys", 0xbb, 1, NULL);
	} else if (!strcmp(k, "other-vendor")) {
		/* the Dell boots: Defender's ELAM key, ESET's driver */
		elam_key(&p12, "Windows Defender");
		lma(&p13, "\\WINDOWS\\system32\\DRIVERS\\eelam.sys", 0xcc, 1, ELAM_PUB);
	} else if (!strcmp(k, "resume")) {
		lma(&p13, "\\Windows\\system32\\winresume.efi", 0xdd, 1, NULL);
	} else if (!strcmp(k, "twice")) {
		lma(&p13, "\\Windows\\system32\\drivers\\disk.sys", 0xbb, 1, NULL);
		lma(&p13, "\\Windows\\system32\\drivers\\disk.sys", 0xbb, 1, NULL);
		lma(&p13, "\\Windows\\system32\\drivers\\disk.sys", 0xbc, 1, NULL);
	} else if (!strcmp(k, "tpm12")) {
		item_u64(&p12, 0x00020006, 947);
		item_u64(&p12, 0x00020007, 64032461);
	} else if (!strcmp(k, "vbs")) {
		item_u64(&p12, 0x0005000A, 1);
		item_u8(&p12, 0x0005000D, 0);
		item_u8(&p12, 0x000A0001, 1);
		item_u8(&p12, 0x000A0003, 1);
		item_u8(&p13, 0x000A0003, 0);
		item_u8(&p12, 0x000A0006, 1);
		item_u64(&p12, 0x000A0007, 0x5);
		item_u32(&p12, 0x00050014, 2);
		item_u32(&p12, 0x00050028, 2);
	} else if (!strcmp(k, "images-4096") || !strcmp(k, "images-4097")) {
		/* distinct images up to the cap on loaded modules, and one over it */
		int n = !strcmp(k, "images-4096") ? 4096 : 4097;
		for (int i = 0; i < n; i++) {
			char path[64];
			snprintf(path, sizeof path, "\\Windows\\image%04d.sys", i);
			lma(&p13, path, 0xee, 1, NULL);
		}
	} else if (strcmp(k, "plain")) {
		fprintf(stderr, "sipa-log: unknown case %s\n", k);
		return 2;
	}
	item(&e12, 0x40010001, p12.b, p12.n);
	item(&e13, 0x40010001, p13.b, p13.n);

	const uint16_t algs[] = { TCG_ALG_SHA256 };
	tcg_writer *w = tcg_writer_new(TCG_FMT_AGILE, algs, 1);
	int rc = !w || tcg_writer_event(w, 12, 6, NULL, e12.b, (uint32_t)e12.n) ||
	         tcg_writer_event(w, 13, 6, NULL, e13.b, (uint32_t)e13.n);
	for (uint32_t pcr = 12; pcr <= 14 && !rc; pcr++)
		rc = tcg_writer_event(w, pcr, 4, NULL, "WBCL", 4) != TCG_OK;
	size_t len;
	const uint8_t *out = rc ? NULL : tcg_writer_data(w, &len);
	FILE *f = out ? fopen(argv[2], "wb") : NULL;
	if (!f || fwrite(out, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "sipa-log: cannot write %s\n", argv[2]);
		rc = 1;
	}
	tcg_writer_free(w);
	return rc ? 1 : 0;
}
