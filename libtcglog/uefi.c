/* UEFI_VARIABLE_DATA, EFI_SIGNATURE_LIST and the GUID table (uefi.h). */
#include "uefi.h"

#include <string.h>

/* EFI_GUID byte order: the first three fields little-endian. */
#define G(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7)                                           \
	{ (a) & 0xff, (a) >> 8 & 0xff, (a) >> 16 & 0xff, (a) >> 24 & 0xff, (b) & 0xff,      \
	  (b) >> 8 & 0xff, (c) & 0xff, (c) >> 8 & 0xff, d0, d1, d2, d3, d4, d5, d6, d7 }

static const struct {
	uint8_t g[16];
	const char *name; /* printed by the decoder; NULL: compared with, not named */
} guids[TCG_GUID_COUNT] = {
	[TCG_GUID_GLOBAL_VARIABLE] = { G(0x8be4df61, 0x93ca, 0x11d2, 0xaa, 0x0d, 0x00, 0xe0, 0x98,
	                                 0x03, 0x2b, 0x8c), NULL },
	[TCG_GUID_IMAGE_SECURITY] = { G(0xd719b2cb, 0x3d3a, 0x4596, 0xa3, 0xbc, 0xda, 0xd0, 0x0e,
	                                0x67, 0x65, 0x6f), NULL },
	[TCG_GUID_SHIM_LOCK] = { G(0x605dab50, 0xe046, 0x4300, 0xab, 0xb6, 0x3d, 0xd8, 0x10, 0xdd,
	                           0x8b, 0x23), NULL },
	[TCG_GUID_CERT_SHA256] = { G(0xc1c41626, 0x504c, 0x4092, 0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93,
	                             0x43, 0x28), "EFI_CERT_SHA256_GUID" },
	[TCG_GUID_CERT_RSA2048] = { G(0x3c5766e8, 0x269c, 0x4e34, 0xaa, 0x14, 0xed, 0x77, 0x6e,
	                              0x85, 0xb3, 0xb6), "EFI_CERT_RSA2048_GUID" },
	[TCG_GUID_CERT_RSA2048_SHA256] = { G(0xe2b36190, 0x879b, 0x4a3d, 0xad, 0x8d, 0xf2, 0xe7,
	                                     0xbb, 0xa3, 0x27, 0x84),
	                                   "EFI_CERT_RSA2048_SHA256_GUID" },
	[TCG_GUID_CERT_SHA1] = { G(0x826ca512, 0xcf10, 0x4ac9, 0xb1, 0x87, 0xbe, 0x01, 0x49, 0x66,
	                           0x31, 0xbd), "EFI_CERT_SHA1_GUID" },
	[TCG_GUID_CERT_RSA2048_SHA1] = { G(0x67f8444f, 0x8743, 0x48f1, 0xa3, 0x28, 0x1e, 0xaa,
	                                   0xb8, 0x73, 0x60, 0x80),
	                                 "EFI_CERT_RSA2048_SHA1_GUID" },
	[TCG_GUID_CERT_X509] = { G(0xa5c059a1, 0x94e4, 0x4aa7, 0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b,
	                           0xf0, 0x72), "EFI_CERT_X509_GUID" },
	[TCG_GUID_CERT_SHA224] = { G(0x0b6e5233, 0xa65c, 0x44c9, 0x94, 0x07, 0xd9, 0xab, 0x83,
	                             0xbf, 0xc8, 0xbd), "EFI_CERT_SHA224_GUID" },
	[TCG_GUID_CERT_SHA384] = { G(0xff3e5307, 0x9fd0, 0x48c9, 0x85, 0xf1, 0x8a, 0xd5, 0x6c,
	                             0x70, 0x1e, 0x01), "EFI_CERT_SHA384_GUID" },
	[TCG_GUID_CERT_SHA512] = { G(0x093e0fae, 0xa6c4, 0x4f50, 0x9f, 0x1b, 0xd4, 0x1e, 0x2b,
	                             0x89, 0xc1, 0x9a), "EFI_CERT_SHA512_GUID" },
	[TCG_GUID_CERT_X509_SHA256] = { G(0x3bd2a492, 0x96c0, 0x4079, 0xb4, 0x20, 0xfc, 0xf9,
	                                  0x8e, 0xf1, 0x03, 0xed), "EFI_CERT_X509_SHA256_GUID" },
	[TCG_GUID_CERT_X509_SHA384] = { G(0x7076876e, 0x80c2, 0x4ee6, 0xaa, 0xd2, 0x28, 0xb3,
	                                  0x49, 0xa6, 0x86, 0x5b), "EFI_CERT_X509_SHA384_GUID" },
	[TCG_GUID_CERT_X509_SHA512] = { G(0x446dbf63, 0x2502, 0x4cda, 0xbc, 0xfa, 0x24, 0x65,
	                                  0xb2, 0xd0, 0xfe, 0x9d), "EFI_CERT_X509_SHA512_GUID" },
	[TCG_GUID_CERT_TYPE_PKCS7] = { G(0x4aafd29d, 0x68df, 0x49ee, 0x8a, 0xa9, 0x34, 0x7d, 0x37,
	                                 0x56, 0x65, 0xa7), "EFI_CERT_TYPE_PKCS7_GUID" },
	[TCG_GUID_SMBIOS_TABLE] = { G(0xeb9d2d31, 0x2d88, 0x11d3, 0x9a, 0x16, 0x00, 0x90, 0x27,
	                              0x3f, 0xc1, 0x4d), "SMBIOS_TABLE_GUID" },
	[TCG_GUID_SMBIOS3_TABLE] = { G(0xf2fd1544, 0x9794, 0x4a2c, 0x99, 0x2e, 0xe5, 0xbb, 0xcf,
	                               0x20, 0xe3, 0x94), "SMBIOS3_TABLE_GUID" },
	[TCG_GUID_ACPI_TABLE] = { G(0xeb9d2d30, 0x2d88, 0x11d3, 0x9a, 0x16, 0x00, 0x90, 0x27, 0x3f,
	                            0xc1, 0x4d), "ACPI_TABLE_GUID" },
	[TCG_GUID_EFI_ACPI_TABLE] = { G(0x8868e871, 0xe4f1, 0x11d3, 0xbc, 0x22, 0x00, 0x80, 0xc7,
	                                0x3c, 0x88, 0x81), "EFI_ACPI_TABLE_GUID" },
};

bool tcg_guid_is(const uint8_t *g, enum tcg_guid_id id)
{
	return id < TCG_GUID_COUNT && !memcmp(g, guids[id].g, 16);
}

enum tcg_guid_id tcg_guid_lookup(const uint8_t g[16])
{
	for (int i = 0; i < TCG_GUID_COUNT; i++)
		if (!memcmp(g, guids[i].g, 16))
			return (enum tcg_guid_id)i;
	return TCG_GUID_COUNT;
}

const char *tcg_guid_name(const uint8_t g[16])
{
	enum tcg_guid_id id = tcg_guid_lookup(g);
	return id < TCG_GUID_COUNT ? guids[id].name : NULL;
}

bool tcg_uefi_var_parse(const uint8_t *p, size_t len, tcg_uefi_var *v)
{
	tcg_buf b = tcg_buf_init(p, len);
	uint64_t dlen;
	if (!tcg_buf_bytes(&b, 16, &v->guid) || !tcg_buf_u64le(&b, &v->name_units) ||
	    !tcg_buf_u64le(&b, &dlen))
		return false;
	/* name_units counts UTF-16 units: bound it before doubling it. */
	if (v->name_units > tcg_buf_left(&b) / 2 ||
	    !tcg_buf_sub64(&b, v->name_units * 2, &v->name) || !tcg_buf_sub64(&b, dlen, &v->data))
		return false;
	v->rest = b;
	return true;
}

void tcg_uefi_var_ascii(const tcg_uefi_var *v, char *out, size_t outlen)
{
	size_t k = 0;
	if (!outlen)
		return;
	for (size_t i = 0; i + 1 < v->name.len && k + 1 < outlen; i += 2) {
		uint16_t u = (uint16_t)(v->name.p[i] | v->name.p[i + 1] << 8);
		out[k++] = (u >= 0x20 && u < 0x7f) ? (char)u : '?';
	}
	if (outlen >= 2 && v->name.len / 2 >= outlen)
		out[outlen - 2] = '?';
	out[k] = 0;
}

enum tcg_siglist_rc tcg_siglist_next(tcg_buf *b, tcg_siglist *l)
{
	if (!tcg_buf_left(b))
		return TCG_SIGLIST_END;
	/* The list size counts its own 28-byte header. */
	if (!tcg_buf_bytes(b, 16, &l->type) || !tcg_buf_u32le(b, &l->list_size) ||
	    !tcg_buf_u32le(b, &l->hdr_size) || !tcg_buf_u32le(b, &l->sig_size) ||
	    l->list_size < 28 || !tcg_buf_sub(b, l->list_size - 28u, &l->sigs) ||
	    !tcg_buf_sub(&l->sigs, l->hdr_size, &l->hdr) || l->sig_size < 16 ||
	    tcg_buf_left(&l->sigs) % l->sig_size)
		return TCG_SIGLIST_MALFORMED;
	return TCG_SIGLIST_OK;
}

bool tcg_siglist_entry(tcg_siglist *l, const uint8_t **owner, tcg_buf *data)
{
	return tcg_buf_left(&l->sigs) && tcg_buf_bytes(&l->sigs, 16, owner) &&
	       tcg_buf_sub(&l->sigs, l->sig_size - 16u, data);
}
