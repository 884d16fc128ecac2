/*
 * UEFI structures measured into PCRs, parsed once for the decoder (events.c)
 * and the claims: UEFI_VARIABLE_DATA, EFI_SIGNATURE_LIST and the GUIDs that
 * name them. Private to the library.
 */
#ifndef TCGLOG_UEFI_H
#define TCGLOG_UEFI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* GUIDs the library knows by name (one table in uefi.c). */
enum tcg_guid_id {
	TCG_GUID_GLOBAL_VARIABLE,   /* EFI_GLOBAL_VARIABLE: SecureBoot, PK, KEK */
	TCG_GUID_IMAGE_SECURITY,    /* EFI_IMAGE_SECURITY_DATABASE: db, dbx */
	TCG_GUID_SHIM_LOCK,         /* shim's variables */
	TCG_GUID_CERT_SHA256,
	TCG_GUID_CERT_RSA2048,
	TCG_GUID_CERT_RSA2048_SHA256,
	TCG_GUID_CERT_SHA1,
	TCG_GUID_CERT_RSA2048_SHA1,
	TCG_GUID_CERT_X509,
	TCG_GUID_CERT_SHA224,
	TCG_GUID_CERT_SHA384,
	TCG_GUID_CERT_SHA512,
	TCG_GUID_CERT_X509_SHA256,
	TCG_GUID_CERT_X509_SHA384,
	TCG_GUID_CERT_X509_SHA512,
	TCG_GUID_CERT_TYPE_PKCS7,
	TCG_GUID_SMBIOS_TABLE,
	TCG_GUID_SMBIOS3_TABLE,
	TCG_GUID_ACPI_TABLE,
	TCG_GUID_EFI_ACPI_TABLE,
	TCG_GUID_COUNT
};

/* g (16 bytes, as in the log) is the GUID id. */
bool tcg_guid_is(const uint8_t *g, enum tcg_guid_id id);
/* The name the decoder prints for a signature type or configuration table, or NULL. */
const char *tcg_guid_name(const uint8_t g[16]);
/* The table's id for g, or TCG_GUID_COUNT. */
enum tcg_guid_id tcg_guid_lookup(const uint8_t g[16]);

/* UEFI_VARIABLE_DATA; every field points into the parsed bytes. */
typedef struct {
	const uint8_t *guid;
	uint64_t name_units; /* UnicodeNameLength */
	tcg_buf name;        /* UTF-16LE, name_units * 2 bytes */
	tcg_buf data;
	tcg_buf rest;        /* bytes after the variable (old shims add some) */
} tcg_uefi_var;

/* false if the header or a length overruns p. */
bool tcg_uefi_var_parse(const uint8_t *p, size_t len, tcg_uefi_var *v);
/* The name as ASCII ('?' for anything else), truncated names end in '?'. */
void tcg_uefi_var_ascii(const tcg_uefi_var *v, char *out, size_t outlen);

/* One EFI_SIGNATURE_LIST. */
typedef struct {
	const uint8_t *type;
	uint32_t list_size, hdr_size, sig_size;
	tcg_buf hdr;  /* the vendor header */
	tcg_buf sigs; /* EFI_SIGNATURE_DATA entries, a whole number of sig_size bytes */
} tcg_siglist;

enum tcg_siglist_rc { TCG_SIGLIST_END, TCG_SIGLIST_OK, TCG_SIGLIST_MALFORMED };

/* The next list of an array that fills b. */
enum tcg_siglist_rc tcg_siglist_next(tcg_buf *b, tcg_siglist *l);
/* The next entry of l: its owner GUID and data (sig_size - 16 bytes); false at the end. */
bool tcg_siglist_entry(tcg_siglist *l, const uint8_t **owner, tcg_buf *data);

#endif
