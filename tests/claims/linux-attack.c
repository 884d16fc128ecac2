/*
 * linux-attack MODE IN OUT: copy an event log (any format, every bank kept)
 * with one attack on the Linux and Secure Boot facts applied, as root on the
 * booted machine could: retype events, swap texts the digest does not cover,
 * or extend a PCR after boot and append matching events. Modes:
 *   app-driver      first PCR 4 boot application retyped EV_EFI_BOOT_SERVICES_DRIVER
 *   app-ipl         first PCR 4 boot application retyped EV_IPL
 *   grub-swap       the PCR 8 kernel_cmdline label and the next grub_cmd label swapped
 *   spdm-authority  first PCR 7 EV_EFI_VARIABLE_AUTHORITY retyped EV_EFI_SPDM_DEVICE_AUTHORITY
 *   mok-swap        the PCR 14 labels MokList and MokListX swapped
 *   var-authority-NAME  the PCR 7 variable NAME retyped EV_EFI_VARIABLE_AUTHORITY
 *   late-cmdline    PCR 8 grub_cmd "linux /evil init=/bin/sh" and its kernel_cmdline
 *                   appended after the log (after ExitBootServices)
 *   early-cmdline   the same two events placed before ExitBootServices in the file
 *   late-sbat       a PCR 7 SbatLevel authority "sbat,1,2099\n" appended
 *   early-sbat      the same placed before ExitBootServices in the file
 *   sep7-crtm       the PCR 7 separator retyped EV_S_CRTM_CONTENTS (Boot Guard's habit
 *                   is a workaround in PCR 0 only)
 *   vendor7         the first PCR 7 authority retyped 0x40e (a vendor type, accepted
 *                   by name in PCRs 0-3 only)
 *   uki             before ExitBootServices, systemd-stub's PCR 11 events for a UKI:
 *                   names .linux and .osrel (digest of the ASCII name and NUL) each
 *                   followed by its contents ("KERNEL", "ID=fedora\n"), then contents
 *                   "console=evil" labelled .cmdline with no name event
 *   copy            no change
 * Appended events carry the digests the PCR got (the text after GRUB's label, the
 * whole UEFI_VARIABLE_DATA), so the log replays to the extended PCRs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcglog/digest.h"
#include "tcglog/log.h"
#include "writer.h"

#define EV_SEPARATOR 4u
#define EV_IPL 13u
#define EV_EFI_VARIABLE_DRIVER_CONFIG 0x80000001u
#define EV_EFI_BOOT_SERVICES_APPLICATION 0x80000003u
#define EV_EFI_BOOT_SERVICES_DRIVER 0x80000004u
#define EV_EFI_ACTION 0x80000007u
#define EV_EFI_VARIABLE_AUTHORITY 0x800000E0u
#define EV_EFI_SPDM_DEVICE_AUTHORITY 0x800000E4u

static const tcg_log *log_;
static tcg_hasher *hasher;

/* Append an event; digests: the log's for e, else H(measured) in every bank. */
static int put(tcg_writer *w, const tcg_event *e, uint32_t pcr, uint32_t type,
               const uint8_t *data, size_t size, const uint8_t *measured, size_t mlen)
{
	const uint8_t *d[8] = { 0 };
	uint8_t own[8][64];
	size_t nb = tcg_log_num_banks(log_);
	for (size_t i = 0; i < nb && i < 8; i++) {
		if (e) {
			d[i] = tcg_event_digest(log_, e, i);
		} else {
			if (tcg_hash(hasher, tcg_log_bank(log_, i).alg, measured, mlen, own[i]))
				return -1;
			d[i] = own[i];
		}
	}
	if (!data && e) {
		data = tcg_event_data(log_, e);
		size = e->size;
	}
	return tcg_writer_event(w, pcr, type, d, data, (uint32_t)size) ? -1 : 0;
}

static int copy(tcg_writer *w, const tcg_event *e, uint32_t type)
{
	return put(w, e, e->pcr, type, NULL, 0, NULL, 0);
}

/* PCR 7 UEFI_VARIABLE_DATA whose name is name. */
static bool is_var(const tcg_event *e, const char *name)
{
	size_t n = strlen(name);
	if (e->pcr != 7 || e->size < 32 + 2 * n || tcg_event_data(log_, e)[16] != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (tcg_event_data(log_, e)[32 + 2 * i] != (uint8_t)name[i] || tcg_event_data(log_, e)[33 + 2 * i])
			return false;
	return true;
}

static bool starts(const tcg_event *e, const char *s)
{
	return e->size >= strlen(s) && !memcmp(tcg_event_data(log_, e), s, strlen(s));
}

/* A copy of e's data with its leading label from replaced by to. */
static int relabel(tcg_writer *w, const tcg_event *e, const char *from, const char *to)
{
	size_t a = strlen(from), b = strlen(to), n = e->size - a + b;
	uint8_t *p = malloc(n);
	if (!p)
		return -1;
	memcpy(p, to, b);
	memcpy(p + b, tcg_event_data(log_, e) + a, e->size - a);
	int rc = put(w, e, e->pcr, e->type, p, n, NULL, 0);
	free(p);
	return rc;
}

static int append_cmdline(tcg_writer *w)
{
	static const char cmd[] = "linux /evil init=/bin/sh", arg[] = "/evil init=/bin/sh";
	char t1[64], t2[64];
	snprintf(t1, sizeof t1, "grub_cmd: %s", cmd);
	snprintf(t2, sizeof t2, "kernel_cmdline: %s", arg);
	if (put(w, NULL, 8, EV_IPL, (const uint8_t *)t1, strlen(t1), (const uint8_t *)cmd,
	        strlen(cmd)))
		return -1;
	return put(w, NULL, 8, EV_IPL, (const uint8_t *)t2, strlen(t2), (const uint8_t *)arg,
	           strlen(arg));
}

/* A PCR 11 EV_IPL described by label in UTF-16 (with its NUL), measuring m. */
static int stub_event(tcg_writer *w, const char *label, const char *m, size_t mlen)
{
	uint8_t d[64] = { 0 };
	size_t n = strlen(label);
	for (size_t i = 0; i < n && i < 31; i++)
		d[2 * i] = (uint8_t)label[i];
	return put(w, NULL, 11, EV_IPL, d, 2 * n + 2, (const uint8_t *)m, mlen);
}

static int append_uki(tcg_writer *w)
{
	return stub_event(w, ".linux", ".linux", 7) || stub_event(w, ".linux", "KERNEL", 6) ||
	       stub_event(w, ".osrel", ".osrel", 7) || stub_event(w, ".osrel", "ID=fedora\n", 10) ||
	       stub_event(w, ".cmdline", "console=evil", 12);
}

static int append_sbat(tcg_writer *w)
{
	/* shim lock GUID, name "SbatLevel", data "sbat,1,2099\n" */
	static const uint8_t var[] = {
		0x50, 0xab, 0x5d, 0x60, 0x46, 0xe0, 0x00, 0x43, 0xab, 0xb6, 0x3d, 0xd8, 0x10, 0xdd,
		0x8b, 0x23, 9,    0,    0,    0,    0,    0,    0,    0,    12,   0,    0,    0,
		0,    0,    0,    0,    'S',  0,    'b',  0,    'a',  0,    't',  0,    'L',  0,
		'e',  0,    'v',  0,    'e',  0,    'l',  0,    's',  'b',  'a',  't',  ',',  '1',
		',',  '2',  '0',  '9',  '9',  '\n',
	};
	return put(w, NULL, 7, EV_EFI_VARIABLE_AUTHORITY, var, sizeof var, var, sizeof var);
}

int main(int argc, char **argv)
{
	uint8_t *data;
	tcg_log *log;
	tcg_err err;
	if (argc != 4) {
		fputs("usage: linux-attack MODE IN OUT\n", stderr);
		return 2;
	}
	const char *mode = argv[1];
	if (tcg_log_load(argv[2], &data, &log, &err)) {
		fprintf(stderr, "linux-attack: %s: %s\n", argv[2], err.msg);
		return 2;
	}
	log_ = log;
	hasher = tcg_hasher_new();
	uint16_t algs[8];
	size_t nb = tcg_log_num_banks(log);
	for (size_t i = 0; i < nb && i < 8; i++)
		algs[i] = tcg_log_bank(log, i).alg;
	tcg_writer *w = tcg_writer_new(tcg_log_get_format(log), algs, nb < 8 ? nb : 8);
	bool done = false, swap_pending = false;
	bool early = !strncmp(mode, "early-", 6) || !strcmp(mode, "uki");
	const char *var = !strncmp(mode, "var-authority-", 14) ? mode + 14 : NULL;
	int rc = 0;
	for (size_t i = 0; i < tcg_log_num_events(log) && !rc; i++) {
		const tcg_event *e = tcg_log_event(log, i);
		if (e->header)
			continue;
		if (early && !done && e->pcr == 5 && e->type == EV_EFI_ACTION &&
		    e->size == 29 && !memcmp(tcg_event_data(log, e), "Exit Boot Services Invocation", 29)) {
			done = true;
			rc = !strcmp(mode, "uki")             ? append_uki(w)
			     : !strcmp(mode, "early-cmdline") ? append_cmdline(w)
			                                      : append_sbat(w);
			if (rc)
				break;
		}
		if (!done && e->pcr == 4 && e->type == EV_EFI_BOOT_SERVICES_APPLICATION &&
		    (!strcmp(mode, "app-driver") || !strcmp(mode, "app-ipl"))) {
			done = true;
			rc = copy(w, e, !strcmp(mode, "app-ipl") ? EV_IPL : EV_EFI_BOOT_SERVICES_DRIVER);
			continue;
		}
		if (!strcmp(mode, "grub-swap") && !done && e->pcr == 8) {
			if (!swap_pending && starts(e, "kernel_cmdline: ")) {
				swap_pending = true;
				rc = relabel(w, e, "kernel_cmdline: ", "grub_cmd: ");
				continue;
			}
			if (swap_pending && starts(e, "grub_cmd: ")) {
				done = true;
				rc = relabel(w, e, "grub_cmd: ", "kernel_cmdline: ");
				continue;
			}
		}
		if (!strcmp(mode, "spdm-authority") && !done && e->pcr == 7 &&
		    e->type == EV_EFI_VARIABLE_AUTHORITY) {
			done = true;
			rc = copy(w, e, EV_EFI_SPDM_DEVICE_AUTHORITY);
			continue;
		}
		if (!strcmp(mode, "sep7-crtm") && !done && e->pcr == 7 && e->type == EV_SEPARATOR) {
			done = true;
			rc = copy(w, e, 7u);
			continue;
		}
		if (!strcmp(mode, "vendor7") && !done && e->pcr == 7 &&
		    e->type == EV_EFI_VARIABLE_AUTHORITY) {
			done = true;
			rc = copy(w, e, 0x40eu);
			continue;
		}
		if (!strcmp(mode, "mok-swap") && e->pcr == 14 && e->type == EV_IPL) {
			if (e->size >= 8 && !memcmp(tcg_event_data(log, e), "MokListX", 8)) {
				done = true;
				rc = relabel(w, e, "MokListX", "MokList");
				continue;
			}
			if (e->size >= 7 && !memcmp(tcg_event_data(log, e), "MokList", 7) &&
			    (e->size == 7 || !tcg_event_data(log, e)[7])) {
				rc = relabel(w, e, "MokList", "MokListX");
				continue;
			}
		}
		if (var && !done && e->type == EV_EFI_VARIABLE_DRIVER_CONFIG && is_var(e, var)) {
			done = true;
			rc = copy(w, e, EV_EFI_VARIABLE_AUTHORITY);
			continue;
		}
		rc = copy(w, e, e->type);
	}
	if (!rc && !strcmp(mode, "late-cmdline"))
		rc = append_cmdline(w), done = true;
	if (!rc && !strcmp(mode, "late-sbat"))
		rc = append_sbat(w), done = true;
	if (!rc && !done && strcmp(mode, "copy")) {
		fprintf(stderr, "linux-attack: %s: nothing to change in %s\n", mode, argv[2]);
		rc = 1;
	}
	size_t len;
	const uint8_t *out = tcg_writer_data(w, &len);
	FILE *f = rc ? NULL : fopen(argv[3], "wb");
	if (!rc && (!f || fwrite(out, 1, len, f) != len || fclose(f))) {
		fprintf(stderr, "linux-attack: cannot write %s\n", argv[3]);
		rc = 3;
	}
	tcg_writer_free(w);
	tcg_hasher_free(hasher);
	tcg_log_free(log);
	free(data);
	return rc ? 1 : 0;
}
