/* Unit tests for the shared UEFI parsers (libtcglog/uefi.c): bounds of
 * UEFI_VARIABLE_DATA and EFI_SIGNATURE_LIST, against the layouts in UEFI 2.10
 * §8.2 (variables) and §32.4.1 (signature lists). */
#include <criterion/criterion.h>
#include <string.h>

#include "uefi.h"

static size_t put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
	return 4;
}

static size_t put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
	return 8;
}

/* EFI_CERT_SHA256_GUID, c1c41626-504c-4092-aca9-41f936934328, in EFI_GUID byte order */
static const uint8_t sha256_guid[16] = { 0x26, 0x16, 0xc4, 0xc1, 0x4c, 0x50, 0x92, 0x40,
	                                 0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93, 0x43, 0x28 };

/* One list of n SHA-256 entries (owner GUID + 32 bytes each). */
static size_t siglist(uint8_t *p, unsigned n, uint32_t list_size, uint32_t sig_size)
{
	size_t k = 0;
	memcpy(p, sha256_guid, 16);
	k += 16;
	k += put32(p + k, list_size);
	k += put32(p + k, 0);
	k += put32(p + k, sig_size);
	memset(p + k, 0xab, (size_t)n * 48);
	return k + (size_t)n * 48;
}

Test(uefi, siglist_entries)
{
	uint8_t b[256];
	size_t n = siglist(b, 3, 28 + 3 * 48, 48);
	tcg_buf buf = tcg_buf_init(b, n);
	tcg_siglist l;
	const uint8_t *owner;
	tcg_buf data;
	unsigned count = 0;
	cr_assert_eq(tcg_siglist_next(&buf, &l), TCG_SIGLIST_OK);
	cr_assert(tcg_guid_is(l.type, TCG_GUID_CERT_SHA256));
	cr_assert_str_eq(tcg_guid_name(l.type), "EFI_CERT_SHA256_GUID");
	while (tcg_siglist_entry(&l, &owner, &data)) {
		cr_assert_eq(data.len, 32);
		count++;
	}
	cr_assert_eq(count, 3);
	cr_assert_eq(tcg_siglist_next(&buf, &l), TCG_SIGLIST_END);
}

Test(uefi, siglist_refuses_bad_sizes)
{
	uint8_t b[256];
	tcg_siglist l;
	struct {
		uint32_t list_size, sig_size;
	} bad[] = {
		{ 27, 48 },              /* smaller than its own header */
		{ 28 + 3 * 48 + 1, 48 }, /* overruns the data */
		{ 28 + 3 * 48, 15 },     /* an entry smaller than its owner GUID */
		{ 28 + 3 * 48, 47 },     /* entries do not fill the list */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t n = siglist(b, 3, bad[i].list_size, bad[i].sig_size);
		tcg_buf buf = tcg_buf_init(b, n);
		cr_assert_eq(tcg_siglist_next(&buf, &l), TCG_SIGLIST_MALFORMED, "case %zu", i);
	}
}

static size_t var(uint8_t *p, uint64_t name_units, uint64_t data_len, size_t extra)
{
	size_t k = 16;
	memset(p, 0x11, 16);
	k += put64(p + k, name_units);
	k += put64(p + k, data_len);
	static const uint8_t db[4] = { 'd', 0, 'b', 0 };
	memcpy(p + k, db, 4);
	k += 4;
	memset(p + k, 0x22, 5 + extra);
	return k + 5 + extra;
}

Test(uefi, variable)
{
	uint8_t b[128];
	tcg_uefi_var v;
	char name[8];
	size_t n = var(b, 2, 5, 0);
	cr_assert(tcg_uefi_var_parse(b, n, &v));
	cr_assert_eq(v.name_units, 2);
	cr_assert_eq(v.data.len, 5);
	cr_assert_eq(tcg_buf_left(&v.rest), 0);
	tcg_uefi_var_ascii(&v, name, sizeof name);
	cr_assert_str_eq(name, "db");
	n = var(b, 2, 5, 3); /* trailing bytes are kept apart, not refused */
	cr_assert(tcg_uefi_var_parse(b, n, &v));
	cr_assert_eq(tcg_buf_left(&v.rest), 3);
}

Test(uefi, variable_refuses_overruns)
{
	uint8_t b[128];
	tcg_uefi_var v;
	size_t n = var(b, 2, 6, 0);
	cr_assert_not(tcg_uefi_var_parse(b, n, &v)); /* data one byte short */
	n = var(b, UINT64_MAX / 2 + 1, 5, 0);
	cr_assert_not(tcg_uefi_var_parse(b, n, &v)); /* name length that overflows when doubled */
	cr_assert_not(tcg_uefi_var_parse(b, 39, &v)); /* header cut */
}
