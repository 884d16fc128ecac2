/*
 * Event data decoders: the YAML value of "Event:" for each event type, in
 * the layout tpm2_eventlog --eventlog-version=2 uses where it decodes the
 * same event, with keys of our own beside its keys.
 *
 * Every decoder runs twice: first with y == NULL, which only validates (the
 * o_* helpers below write nothing), then, when that succeeded, for real.
 * Data that turns out malformed half-way through is therefore never half
 * printed: the whole event falls back to a hex string. Decoders depend on
 * nothing but their input, so the second run takes the path of the first.
 *
 * Input is hostile: every read goes through the tcg_buf reader.
 */
#include "events.h"
#include "evtypes.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "tcglog/digest.h"
#include "sipa.h"
#include "uefi.h"

#if defined(__GNUC__) || defined(__clang__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

const char *tcg_event_type_name(uint32_t type)
{
	switch (type) {
	case EV_PREBOOT_CERT: return "EV_PREBOOT_CERT";
	case EV_POST_CODE: return "EV_POST_CODE";
	case EV_UNUSED: return "EV_UNUSED";
	case EV_NO_ACTION: return "EV_NO_ACTION";
	case EV_SEPARATOR: return "EV_SEPARATOR";
	case EV_ACTION: return "EV_ACTION";
	case EV_EVENT_TAG: return "EV_EVENT_TAG";
	case EV_S_CRTM_CONTENTS: return "EV_S_CRTM_CONTENTS";
	case EV_S_CRTM_VERSION: return "EV_S_CRTM_VERSION";
	case EV_CPU_MICROCODE: return "EV_CPU_MICROCODE";
	case EV_PLATFORM_CONFIG_FLAGS: return "EV_PLATFORM_CONFIG_FLAGS";
	case EV_TABLE_OF_DEVICES: return "EV_TABLE_OF_DEVICES";
	case EV_COMPACT_HASH: return "EV_COMPACT_HASH";
	case EV_IPL: return "EV_IPL";
	case EV_IPL_PARTITION_DATA: return "EV_IPL_PARTITION_DATA";
	case EV_NONHOST_CODE: return "EV_NONHOST_CODE";
	case EV_NONHOST_CONFIG: return "EV_NONHOST_CONFIG";
	case EV_NONHOST_INFO: return "EV_NONHOST_INFO";
	case EV_OMIT_BOOT_DEVICE_EVENTS: return "EV_OMIT_BOOT_DEVICE_EVENTS";
	case EV_POST_CODE2: return "EV_POST_CODE2";
	case EV_EFI_EVENT_BASE: return "EV_EFI_EVENT_BASE";
	case EV_EFI_VARIABLE_DRIVER_CONFIG: return "EV_EFI_VARIABLE_DRIVER_CONFIG";
	case EV_EFI_VARIABLE_BOOT: return "EV_EFI_VARIABLE_BOOT";
	case EV_EFI_BOOT_SERVICES_APPLICATION: return "EV_EFI_BOOT_SERVICES_APPLICATION";
	case EV_EFI_BOOT_SERVICES_DRIVER: return "EV_EFI_BOOT_SERVICES_DRIVER";
	case EV_EFI_RUNTIME_SERVICES_DRIVER: return "EV_EFI_RUNTIME_SERVICES_DRIVER";
	case EV_EFI_GPT_EVENT: return "EV_EFI_GPT_EVENT";
	case EV_EFI_ACTION: return "EV_EFI_ACTION";
	case EV_EFI_PLATFORM_FIRMWARE_BLOB: return "EV_EFI_PLATFORM_FIRMWARE_BLOB";
	case EV_EFI_HANDOFF_TABLES: return "EV_EFI_HANDOFF_TABLES";
	case EV_EFI_PLATFORM_FIRMWARE_BLOB2: return "EV_EFI_PLATFORM_FIRMWARE_BLOB2";
	case EV_EFI_HANDOFF_TABLES2: return "EV_EFI_HANDOFF_TABLES2";
	case EV_EFI_VARIABLE_BOOT2: return "EV_EFI_VARIABLE_BOOT2";
	case EV_EFI_GPT_EVENT2: return "EV_EFI_GPT_EVENT2";
	case EV_EFI_HCRTM_EVENT: return "EV_EFI_HCRTM_EVENT";
	case EV_EFI_VARIABLE_AUTHORITY: return "EV_EFI_VARIABLE_AUTHORITY";
	case EV_EFI_SPDM_FIRMWARE_BLOB: return "EV_EFI_SPDM_FIRMWARE_BLOB";
	case EV_EFI_SPDM_FIRMWARE_CONFIG: return "EV_EFI_SPDM_FIRMWARE_CONFIG";
	case EV_EFI_SPDM_DEVICE_POLICY: return "EV_EFI_SPDM_DEVICE_POLICY";
	case EV_EFI_SPDM_DEVICE_AUTHORITY: return "EV_EFI_SPDM_DEVICE_AUTHORITY";
	default: return NULL;
	}
}

/* ------------------------------------------------------------------------ */
/* Output. y == NULL is the validation pass: write nothing.                 */

static void o_map(tcg_yaml *y) { if (y) tcg_yaml_map_start(y); }
static void o_map_end(tcg_yaml *y) { if (y) tcg_yaml_map_end(y); }
static void o_seq(tcg_yaml *y) { if (y) tcg_yaml_seq_start(y); }
static void o_seq_end(tcg_yaml *y) { if (y) tcg_yaml_seq_end(y); }
static void o_key(tcg_yaml *y, const char *k) { if (y) tcg_yaml_key(y, k); }
static void o_plain(tcg_yaml *y, const char *s) { if (y) tcg_yaml_plain(y, s); }
static void o_cstr(tcg_yaml *y, const char *s) { if (y) tcg_yaml_cstr(y, s); }
static void o_squoted(tcg_yaml *y, const char *s) { if (y) tcg_yaml_squoted(y, s); }
static void o_u64(tcg_yaml *y, uint64_t v) { if (y) tcg_yaml_u64(y, v); }
static void o_hex64(tcg_yaml *y, uint64_t v) { if (y) tcg_yaml_hex64(y, v); }
static void o_bool(tcg_yaml *y, int v) { if (y) tcg_yaml_bool(y, v); }

/* The bytes of a sub-buffer, for the emitter (which reads exactly len). */
static void o_hex(tcg_yaml *y, tcg_buf b) { if (y) tcg_yaml_hex(y, b.p, b.len); }
static void o_utf16(tcg_yaml *y, tcg_buf b) { if (y) tcg_yaml_utf16(y, b.p, b.len); }
static void o_str(tcg_yaml *y, tcg_buf b) { if (y) tcg_yaml_str(y, (const char *)b.p, b.len); }
static void o_guid(tcg_yaml *y, const uint8_t g[16]) { if (y) tcg_yaml_guid(y, g); }

static void kv_plain(tcg_yaml *y, const char *k, const char *v) { o_key(y, k); o_plain(y, v); }
static void kv_cstr(tcg_yaml *y, const char *k, const char *v) { o_key(y, k); o_cstr(y, v); }
static void kv_u64(tcg_yaml *y, const char *k, uint64_t v) { o_key(y, k); o_u64(y, v); }
static void kv_hex64(tcg_yaml *y, const char *k, uint64_t v) { o_key(y, k); o_hex64(y, v); }
static void kv_bool(tcg_yaml *y, const char *k, int v) { o_key(y, k); o_bool(y, v); }
static void kv_hex(tcg_yaml *y, const char *k, tcg_buf b) { o_key(y, k); o_hex(y, b); }
static void kv_utf16(tcg_yaml *y, const char *k, tcg_buf b) { o_key(y, k); o_utf16(y, b); }
static void kv_guid(tcg_yaml *y, const char *k, const uint8_t g[16]) { o_key(y, k); o_guid(y, g); }

/* ------------------------------------------------------------------------ */
/* Small readers and text checks, all through tcg_buf.                      */

static bool rd_guid(tcg_buf *b, const uint8_t **g) { return tcg_buf_bytes(b, 16, g); }

/* The first n bytes of b (all of b when it is shorter). */
static tcg_buf head(tcg_buf b, size_t n)
{
	tcg_buf h;
	return tcg_buf_sub(&b, n, &h) ? h : b;
}

/* Text in event data often carries its C terminator: drop one for display. */
static tcg_buf strip_nul(tcg_buf b)
{
	const uint8_t *p;
	tcg_buf last = b;
	if (b.len && tcg_buf_skip(&last, b.len - 1) && tcg_buf_peek(&last, 1, &p) && *p == 0)
		return head(b, b.len - 1);
	return b;
}

static void o_text(tcg_yaml *y, tcg_buf b) { o_str(y, strip_nul(b)); }
static void kv_text(tcg_yaml *y, const char *k, tcg_buf b) { o_key(y, k); o_text(y, b); }

static bool all_zero(tcg_buf b)
{
	uint8_t c;
	while (tcg_buf_u8(&b, &c))
		if (c)
			return false;
	return true;
}

/* Printable ASCII (tab, CR, LF allowed), then nothing but NULs. */
static bool is_ascii_text(tcg_buf b)
{
	uint8_t c;
	size_t n = 0;
	while (tcg_buf_u8(&b, &c)) {
		if (c == 0)
			return n > 0 && all_zero(b);
		if ((c < 0x20 || c > 0x7E) && c != '\t' && c != '\r' && c != '\n')
			return false;
		n++;
	}
	return n > 0;
}

/* Well-formed UTF-8 (NUL bytes allowed: the emitter escapes them). */
static bool is_utf8(tcg_buf b)
{
	uint8_t c;
	while (tcg_buf_u8(&b, &c)) {
		uint32_t cp;
		size_t more;
		if (c < 0x80)
			continue;
		if (c >= 0xC2 && c <= 0xDF) {
			more = 1;
			cp = c & 0x1Fu;
		} else if (c >= 0xE0 && c <= 0xEF) {
			more = 2;
			cp = c & 0x0Fu;
		} else if (c >= 0xF0 && c <= 0xF4) {
			more = 3;
			cp = c & 0x07u;
		} else {
			return false;
		}
		for (size_t i = 0; i < more; i++) {
			if (!tcg_buf_u8(&b, &c) || (c & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (c & 0x3Fu);
		}
		if ((more == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (more == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
			return false;
	}
	return true;
}

/*
 * A NUL-terminated UTF-16LE string and nothing else: even length, the last
 * unit and only it is NUL, surrogates paired, no control characters but tab,
 * CR, LF. latin1: every unit below 0x100, which tells UTF-16 ASCII text
 * apart from UTF-8 text that merely ends in NULs.
 */
static bool is_utf16_text(tcg_buf b, bool latin1)
{
	uint16_t u;
	if (b.len < 2 || b.len % 2)
		return false;
	while (tcg_buf_u16le(&b, &u)) {
		if (u == 0)
			return tcg_buf_left(&b) == 0;
		if ((u < 0x20 && u != '\t' && u != '\r' && u != '\n') || u == 0x7F ||
		    (latin1 && u > 0xFF))
			return false;
		if (u >= 0xDC00 && u <= 0xDFFF)
			return false;
		if (u >= 0xD800 && u <= 0xDBFF) {
			uint16_t lo;
			if (!tcg_buf_u16le(&b, &lo) || lo < 0xDC00 || lo > 0xDFFF)
				return false;
		}
	}
	return false;
}

/* UTF-16 name equals an ASCII name (one trailing NUL unit tolerated). */
static bool name_is(tcg_buf name, const char *s)
{
	size_t n = strlen(s);
	uint16_t u;
	if (name.len == 2 * n + 2) {
		tcg_buf t = name;
		if (!tcg_buf_skip(&t, 2 * n) || !tcg_buf_u16le(&t, &u) || u != 0)
			return false;
		name = head(name, 2 * n);
	}
	if (name.len != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!tcg_buf_u16le(&name, &u) || u != (unsigned char)s[i])
			return false;
	return true;
}

static bool is_hex_digit(uint16_t u)
{
	return (u >= '0' && u <= '9') || (u >= 'a' && u <= 'f') || (u >= 'A' && u <= 'F');
}

/* "Boot####" and the other EFI_LOAD_OPTION variable names. */
static bool is_load_option_name(tcg_buf name)
{
	static const char *const prefixes[] = { "Boot", "Driver", "SysPrep", "PlatformRecovery" };
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
		size_t n = strlen(prefixes[i]);
		tcg_buf tail = name;
		uint16_t u;
		bool ok = true;
		if (name.len != 2 * (n + 4))
			continue;
		if (!name_is(head(name, 2 * n), prefixes[i]) || !tcg_buf_skip(&tail, 2 * n))
			continue;
		while (tcg_buf_u16le(&tail, &u))
			ok = ok && is_hex_digit(u);
		if (ok)
			return true;
	}
	return false;
}

/* A DER SEQUENCE that exactly fills b: a bare X.509 certificate. */
static bool is_der_sequence(tcg_buf b)
{
	uint8_t tag, l0;
	uint64_t len = 0;
	if (!tcg_buf_u8(&b, &tag) || tag != 0x30 || !tcg_buf_u8(&b, &l0))
		return false;
	if (l0 < 0x80) {
		len = l0;
	} else {
		size_t n = l0 & 0x7Fu;
		if (n == 0 || n > 4)
			return false;
		for (size_t i = 0; i < n; i++) {
			uint8_t c;
			if (!tcg_buf_u8(&b, &c))
				return false;
			len = len << 8 | c;
		}
	}
	return len == tcg_buf_left(&b);
}

/* ------------------------------------------------------------------------ */
/* A growing string, for the device-path text.                              */

typedef struct {
	char *p;
	size_t len, cap;
	bool bad;
} sbuf;

static void sb_add(sbuf *s, const char *t, size_t n)
{
	if (s->bad)
		return;
	if (n > SIZE_MAX / 4 - s->len) {
		s->bad = true;
		return;
	}
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 128;
		char *q;
		while (cap < s->len + n + 1)
			cap *= 2;
		if (!(q = realloc(s->p, cap))) {
			s->bad = true;
			return;
		}
		s->p = q;
		s->cap = cap;
	}
	memcpy(s->p + s->len, t, n);
	s->len += n;
	s->p[s->len] = '\0';
}

static void sb_puts(sbuf *s, const char *t) { sb_add(s, t, strlen(t)); }

PRINTF_LIKE(2, 3)
static void sb_printf(sbuf *s, const char *fmt, ...)
{
	char t[128];
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(t, sizeof t, fmt, ap);
	va_end(ap);
	/* Only short numeric fields go through here; longer means a bug. */
	if (n < 0 || (size_t)n >= sizeof t) {
		s->bad = true;
		return;
	}
	sb_add(s, t, (size_t)n);
}

static void sb_cp(sbuf *s, uint32_t c)
{
	char t[4];
	size_t n;
	if (c < 0x80) {
		t[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		t[0] = (char)(0xC0 | c >> 6);
		t[1] = (char)(0x80 | (c & 0x3F));
		n = 2;
	} else if (c < 0x10000) {
		t[0] = (char)(0xE0 | c >> 12);
		t[1] = (char)(0x80 | (c >> 6 & 0x3F));
		t[2] = (char)(0x80 | (c & 0x3F));
		n = 3;
	} else {
		t[0] = (char)(0xF0 | c >> 18);
		t[1] = (char)(0x80 | (c >> 12 & 0x3F));
		t[2] = (char)(0x80 | (c >> 6 & 0x3F));
		t[3] = (char)(0x80 | (c & 0x3F));
		n = 4;
	}
	sb_add(s, t, n);
}

/* UTF-16LE up to a NUL or the end; bad units become U+FFFD. */
static void sb_utf16(sbuf *s, tcg_buf b)
{
	uint16_t u;
	while (tcg_buf_u16le(&b, &u) && u) {
		uint32_t c = u;
		if (u >= 0xD800 && u <= 0xDBFF) {
			tcg_buf t = b;
			uint16_t lo;
			if (tcg_buf_u16le(&t, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
				c = 0x10000 + ((uint32_t)(u - 0xD800) << 10) + (lo - 0xDC00);
				b = t;
			} else {
				c = 0xFFFD;
			}
		} else if (u >= 0xDC00 && u <= 0xDFFF) {
			c = 0xFFFD;
		}
		sb_cp(s, c);
	}
}

/* Raw bytes (the emitter later turns non-UTF-8 into U+FFFD). */
static void sb_bytes(sbuf *s, tcg_buf b)
{
	const uint8_t *p;
	size_t n = b.len;
	if (n && tcg_buf_bytes(&b, n, &p))
		sb_add(s, (const char *)p, n);
}

static void sb_hex(sbuf *s, tcg_buf b)
{
	uint8_t c;
	while (tcg_buf_u8(&b, &c))
		sb_printf(s, "%02x", c);
}

static void sb_guid(sbuf *s, const uint8_t g[16])
{
	char t[37];
	tcg_guid_format(g, t);
	sb_puts(s, t);
}

/* ------------------------------------------------------------------------ */
/* EFI device paths as text, in the UEFI / efivar notation for common nodes. */

static void dp_generic(sbuf *s, uint8_t type, uint8_t sub, tcg_buf n)
{
	sb_printf(s, "Path(%u,%u", type, sub);
	if (n.len) {
		sb_puts(s, ",");
		sb_hex(s, n);
	}
	sb_puts(s, ")");
}

/* VenHw(guid[,data]) and its kin. */
static bool dp_vendor(sbuf *s, const char *name, tcg_buf n)
{
	const uint8_t *g;
	if (!rd_guid(&n, &g))
		return false;
	sb_printf(s, "%s(", name);
	sb_guid(s, g);
	if (n.len) {
		sb_puts(s, ",");
		sb_hex(s, n);
	}
	sb_puts(s, ")");
	return true;
}

static bool dp_acpi(sbuf *s, uint8_t sub, tcg_buf n)
{
	uint32_t hid, uid;
	if (sub == 1) {
		if (n.len != 8 || !tcg_buf_u32le(&n, &hid) || !tcg_buf_u32le(&n, &uid))
			return false;
		/* EISA ID: "PNP" compressed in the low word. */
		if ((hid & 0xFFFFu) == 0x41D0u) {
			switch (hid >> 16) {
			case 0x0A03: sb_printf(s, "PciRoot(0x%" PRIx32 ")", uid); return true;
			case 0x0A08: sb_printf(s, "PcieRoot(0x%" PRIx32 ")", uid); return true;
			case 0x0604: sb_printf(s, "Floppy(0x%" PRIx32 ")", uid); return true;
			case 0x0301: sb_printf(s, "Keyboard(0x%" PRIx32 ")", uid); return true;
			case 0x0501: sb_printf(s, "Serial(0x%" PRIx32 ")", uid); return true;
			case 0x0401: sb_printf(s, "ParallelPort(0x%" PRIx32 ")", uid); return true;
			default:
				sb_printf(s, "Acpi(PNP%04" PRIX32 ",0x%" PRIx32 ")", hid >> 16, uid);
				return true;
			}
		}
		sb_printf(s, "Acpi(0x%08" PRIx32 ",0x%" PRIx32 ")", hid, uid);
		return true;
	}
	if (sub == 3) {
		uint32_t adr;
		if (!n.len || n.len % 4)
			return false;
		sb_puts(s, "AcpiAdr(");
		for (bool first = true; tcg_buf_u32le(&n, &adr); first = false)
			sb_printf(s, "%s0x%" PRIx32, first ? "" : ",", adr);
		sb_puts(s, ")");
		return true;
	}
	return false;
}

static void sb_ipv4(sbuf *s, const uint8_t *a)
{
	sb_printf(s, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

static void sb_ipv6(sbuf *s, tcg_buf a)
{
	uint16_t w;
	for (int i = 0; i < 8 && tcg_buf_u16be(&a, &w); i++)
		sb_printf(s, "%s%x", i ? ":" : "", w);
}

static void sb_proto(sbuf *s, uint16_t p)
{
	if (p == 6)
		sb_puts(s, "TCP");
	else if (p == 17)
		sb_puts(s, "UDP");
	else
		sb_printf(s, "0x%x", p);
}

static bool dp_msg(sbuf *s, uint8_t sub, tcg_buf n)
{
	uint8_t a8, b8, c8;
	uint16_t a16, b16, c16;
	uint32_t a32;
	uint64_t a64, b64;
	const uint8_t *p;
	switch (sub) {
	case 0x01: /* ATAPI */
		if (n.len != 4 || !tcg_buf_u8(&n, &a8) || !tcg_buf_u8(&n, &b8) || !tcg_buf_u16le(&n, &a16))
			return false;
		sb_printf(s, "Ata(%s,%s,0x%x)", a8 ? "Secondary" : "Primary", b8 ? "Slave" : "Master",
		          a16);
		return true;
	case 0x02: /* SCSI */
		if (n.len != 4 || !tcg_buf_u16le(&n, &a16) || !tcg_buf_u16le(&n, &b16))
			return false;
		sb_printf(s, "SCSI(%u,%u)", a16, b16);
		return true;
	case 0x03: /* Fibre Channel */
		if (n.len != 20 || !tcg_buf_u32le(&n, &a32) || !tcg_buf_u64le(&n, &a64) ||
		    !tcg_buf_u64le(&n, &b64))
			return false;
		sb_printf(s, "Fibre(0x%" PRIx64 ",0x%" PRIx64 ")", a64, b64);
		return true;
	case 0x05: /* USB */
		if (n.len != 2 || !tcg_buf_u8(&n, &a8) || !tcg_buf_u8(&n, &b8))
			return false;
		sb_printf(s, "USB(%u,%u)", a8, b8);
		return true;
	case 0x0A:
		return dp_vendor(s, "VenMsg", n);
	case 0x0B: { /* MAC: 32 address bytes, 6 used by Ethernet */
		tcg_buf mac;
		if (n.len != 33 || !tcg_buf_sub(&n, 32, &mac) || !tcg_buf_u8(&n, &a8))
			return false;
		if (a8 == 0 || a8 == 1)
			mac = head(mac, 6);
		sb_puts(s, "MAC(");
		sb_hex(s, mac);
		sb_printf(s, ",%u)", a8);
		return true;
	}
	case 0x0C: { /* IPv4 */
		const uint8_t *local, *remote, *gw = NULL, *mask = NULL;
		if ((n.len != 15 && n.len != 23) || !tcg_buf_bytes(&n, 4, &local) ||
		    !tcg_buf_bytes(&n, 4, &remote) || !tcg_buf_u16le(&n, &a16) ||
		    !tcg_buf_u16le(&n, &b16) || !tcg_buf_u16le(&n, &c16) || !tcg_buf_u8(&n, &a8))
			return false;
		if (n.len && (!tcg_buf_bytes(&n, 4, &gw) || !tcg_buf_bytes(&n, 4, &mask)))
			return false;
		sb_puts(s, "IPv4(");
		sb_ipv4(s, remote);
		sb_puts(s, ",");
		sb_proto(s, c16);
		sb_puts(s, a8 ? ",Static," : ",DHCP,");
		sb_ipv4(s, local);
		if (gw) {
			sb_puts(s, ",");
			sb_ipv4(s, gw);
			sb_puts(s, ",");
			sb_ipv4(s, mask);
		}
		sb_puts(s, ")");
		return true;
	}
	case 0x0D: { /* IPv6 */
		tcg_buf local, remote, gw = { NULL, 0, 0 };
		if ((n.len != 39 && n.len != 56) || !tcg_buf_sub(&n, 16, &local) ||
		    !tcg_buf_sub(&n, 16, &remote) || !tcg_buf_u16le(&n, &a16) ||
		    !tcg_buf_u16le(&n, &b16) || !tcg_buf_u16le(&n, &c16) || !tcg_buf_u8(&n, &a8))
			return false;
		if (n.len && (!tcg_buf_u8(&n, &b8) || !tcg_buf_sub(&n, 16, &gw)))
			return false;
		sb_puts(s, "IPv6(");
		sb_ipv6(s, remote);
		sb_puts(s, ",");
		sb_proto(s, c16);
		sb_puts(s, a8 == 0 ? ",Static," : a8 == 1 ? ",StatelessAutoConfigure," : ",StatefulAutoConfigure,");
		sb_ipv6(s, local);
		if (gw.len) {
			sb_printf(s, ",0x%x,", b8);
			sb_ipv6(s, gw);
		}
		sb_puts(s, ")");
		return true;
	}
	case 0x0F: /* USB class */
		if (n.len != 7 || !tcg_buf_u16le(&n, &a16) || !tcg_buf_u16le(&n, &b16) ||
		    !tcg_buf_u8(&n, &a8) || !tcg_buf_u8(&n, &b8) || !tcg_buf_u8(&n, &c8))
			return false;
		sb_printf(s, "UsbClass(0x%x,0x%x,0x%x,0x%x,0x%x)", a16, b16, a8, b8, c8);
		return true;
	case 0x11: /* device logical unit */
		if (n.len != 1 || !tcg_buf_u8(&n, &a8))
			return false;
		sb_printf(s, "Unit(0x%x)", a8);
		return true;
	case 0x12: /* SATA */
		if (n.len != 6 || !tcg_buf_u16le(&n, &a16) || !tcg_buf_u16le(&n, &b16) ||
		    !tcg_buf_u16le(&n, &c16))
			return false;
		sb_printf(s, "Sata(%u,%u,%u)", a16, b16, c16);
		return true;
	case 0x17: /* NVMe namespace */
		if (n.len != 12 || !tcg_buf_u32le(&n, &a32) || !tcg_buf_bytes(&n, 8, &p))
			return false;
		sb_printf(s, "NVMe(0x%" PRIx32 ",%02X-%02X-%02X-%02X-%02X-%02X-%02X-%02X)", a32, p[0],
		          p[1], p[2], p[3], p[4], p[5], p[6], p[7]);
		return true;
	case 0x18: /* URI */
		sb_puts(s, "Uri(");
		sb_bytes(s, n);
		sb_puts(s, ")");
		return true;
	case 0x1A: /* SD */
	case 0x1D: /* eMMC */
		if (n.len != 1 || !tcg_buf_u8(&n, &a8))
			return false;
		sb_printf(s, "%s(0x%x)", sub == 0x1A ? "SD" : "eMMC", a8);
		return true;
	default:
		return false;
	}
}

static bool dp_media(sbuf *s, uint8_t sub, tcg_buf n)
{
	uint32_t a32;
	uint64_t a64, b64;
	const uint8_t *g;
	switch (sub) {
	case 0x01: { /* hard drive partition */
		uint8_t fmt, sigtype;
		if (n.len != 38 || !tcg_buf_u32le(&n, &a32) || !tcg_buf_u64le(&n, &a64) ||
		    !tcg_buf_u64le(&n, &b64) || !tcg_buf_bytes(&n, 16, &g) || !tcg_buf_u8(&n, &fmt) ||
		    !tcg_buf_u8(&n, &sigtype))
			return false;
		sb_printf(s, "HD(%" PRIu32 ",", a32);
		if (fmt == 2 && sigtype == 2) {
			sb_puts(s, "GPT,");
			sb_guid(s, g);
		} else if (fmt == 1 && sigtype == 1) {
			sb_printf(s, "MBR,0x%02x%02x%02x%02x", g[3], g[2], g[1], g[0]);
		} else {
			sb_printf(s, "%u,%u", fmt, sigtype);
		}
		sb_printf(s, ",0x%" PRIx64 ",0x%" PRIx64 ")", a64, b64);
		return true;
	}
	case 0x02: /* CD-ROM */
		if (n.len != 20 || !tcg_buf_u32le(&n, &a32) || !tcg_buf_u64le(&n, &a64) ||
		    !tcg_buf_u64le(&n, &b64))
			return false;
		sb_printf(s, "CDROM(0x%" PRIx32 ",0x%" PRIx64 ",0x%" PRIx64 ")", a32, a64, b64);
		return true;
	case 0x03:
		return dp_vendor(s, "VenMedia", n);
	case 0x04: /* file path */
		if (n.len % 2)
			return false;
		sb_puts(s, "File(");
		sb_utf16(s, n);
		sb_puts(s, ")");
		return true;
	case 0x05:
	case 0x06:
	case 0x07:
		if (n.len != 16 || !rd_guid(&n, &g))
			return false;
		sb_puts(s, sub == 5 ? "Media(" : sub == 6 ? "FvFile(" : "FvVol(");
		sb_guid(s, g);
		sb_puts(s, ")");
		return true;
	case 0x08: /* relative offset range */
		if (n.len != 20 || !tcg_buf_u32le(&n, &a32) || !tcg_buf_u64le(&n, &a64) ||
		    !tcg_buf_u64le(&n, &b64))
			return false;
		sb_printf(s, "Offset(0x%" PRIx64 ",0x%" PRIx64 ")", a64, b64);
		return true;
	default:
		return false;
	}
}

static bool dp_node(sbuf *s, uint8_t type, uint8_t sub, tcg_buf n)
{
	uint8_t a8, b8;
	uint16_t a16, b16;
	uint32_t a32;
	uint64_t a64, b64;
	switch (type) {
	case 0x01: /* hardware */
		switch (sub) {
		case 0x01:
			if (n.len != 2 || !tcg_buf_u8(&n, &a8) || !tcg_buf_u8(&n, &b8))
				return false;
			sb_printf(s, "Pci(0x%x,0x%x)", b8, a8);
			return true;
		case 0x02:
			if (n.len != 1 || !tcg_buf_u8(&n, &a8))
				return false;
			sb_printf(s, "PcCard(0x%x)", a8);
			return true;
		case 0x03:
			if (n.len != 20 || !tcg_buf_u32le(&n, &a32) || !tcg_buf_u64le(&n, &a64) ||
			    !tcg_buf_u64le(&n, &b64))
				return false;
			sb_printf(s, "MemoryMapped(0x%" PRIx32 ",0x%" PRIx64 ",0x%" PRIx64 ")", a32, a64,
			          b64);
			return true;
		case 0x04:
			return dp_vendor(s, "VenHw", n);
		case 0x05:
			if (n.len != 4 || !tcg_buf_u32le(&n, &a32))
				return false;
			sb_printf(s, "Ctrl(0x%" PRIx32 ")", a32);
			return true;
		default:
			return false;
		}
	case 0x02:
		return dp_acpi(s, sub, n);
	case 0x03:
		return dp_msg(s, sub, n);
	case 0x04:
		return dp_media(s, sub, n);
	case 0x05: { /* BIOS boot specification */
		static const char *const types[] = { NULL, "Floppy", "HD", "CDROM", "PCMCIA", "USB",
		                                     "Network" };
		tcg_buf desc;
		if (sub != 1 || n.len < 4 || !tcg_buf_u16le(&n, &a16) || !tcg_buf_u16le(&n, &b16))
			return false;
		desc = n;
		if (a16 >= 1 && a16 <= 6)
			sb_printf(s, "BBS(%s,", types[a16]);
		else
			sb_printf(s, "BBS(0x%x,", a16);
		sb_bytes(s, strip_nul(desc));
		sb_printf(s, ",0x%x)", b16);
		return true;
	}
	default:
		return false;
	}
}

/*
 * Text of the device path at the start of *b, up to and including its End
 * Entire node (or the end of b), which is consumed. NULL when a node is
 * shorter than its 4-byte header or overruns. Caller frees.
 */
static char *dp_take_text(tcg_buf *b)
{
	sbuf s = { NULL, 0, 0, false };
	bool first = true;
	sb_add(&s, "", 0);
	while (tcg_buf_left(b)) {
		uint8_t type, sub;
		uint16_t len;
		tcg_buf n;
		if (!tcg_buf_u8(b, &type) || !tcg_buf_u8(b, &sub) || !tcg_buf_u16le(b, &len) ||
		    len < 4 || !tcg_buf_sub(b, (size_t)len - 4, &n))
			goto bad;
		if (type == 0x7F && sub == 0xFF)
			break;
		if (type == 0x7F && sub == 0x01) { /* end of one instance */
			sb_puts(&s, ",");
			first = true;
			continue;
		}
		if (!first)
			sb_puts(&s, "/");
		first = false;
		if (!dp_node(&s, type, sub, n))
			dp_generic(&s, type, sub, n);
	}
	if (s.bad)
		goto bad;
	return s.p;
bad:
	free(s.p);
	return NULL;
}

/* One device path filling b exactly. */
static char *dp_to_text(tcg_buf b)
{
	char *t = dp_take_text(&b);
	if (t && tcg_buf_left(&b)) {
		free(t);
		t = NULL;
	}
	return t;
}

/* Our key beside a hex DevicePath: the decoded text when it decodes. */
static void kv_devpath_text(tcg_yaml *y, const char *key, tcg_buf dp)
{
	char *t;
	if (!y || !dp.len)
		return;
	if ((t = dp_to_text(dp))) {
		tcg_yaml_kv_cstr(y, key, t);
		free(t);
	}
}

/*
 * EFI_LOAD_OPTION's FilePathList is a packed array of device paths: the
 * first (the one efivar prints) as DevicePathText, all of them as
 * FilePathListText when there are more.
 */
static void kv_filepathlist_text(tcg_yaml *y, tcg_buf dp)
{
	tcg_buf b = dp;
	size_t n = 0;
	char *t;
	if (!y || !dp.len)
		return;
	for (; tcg_buf_left(&b); n++) {
		if (!(t = dp_take_text(&b)))
			return;
		free(t);
	}
	b = dp;
	t = dp_take_text(&b);
	tcg_yaml_kv_cstr(y, "DevicePathText", t ? t : "");
	free(t);
	if (n < 2)
		return;
	b = dp;
	tcg_yaml_key(y, "FilePathListText");
	tcg_yaml_seq_start(y);
	while (tcg_buf_left(&b)) {
		t = dp_take_text(&b);
		tcg_yaml_cstr(y, t ? t : "");
		free(t);
	}
	tcg_yaml_seq_end(y);
}

/* ------------------------------------------------------------------------ */
/* UEFI variables (UEFI_VARIABLE_DATA).                                     */

/* EFI_SIGNATURE_LIST array; the whole of b must be lists. */
static bool dec_siglists(tcg_yaml *y, tcg_buf b)
{
	tcg_siglist l;
	enum tcg_siglist_rc rc;
	o_seq(y);
	while ((rc = tcg_siglist_next(&b, &l)) == TCG_SIGLIST_OK) {
		const uint8_t *owner;
		tcg_buf data;
		const char *name;
		o_map(y);
		kv_guid(y, "SignatureType", l.type);
		kv_u64(y, "SignatureListSize", l.list_size);
		kv_u64(y, "SignatureHeaderSize", l.hdr_size);
		kv_u64(y, "SignatureSize", l.sig_size);
		o_key(y, "Keys");
		o_seq(y);
		while (tcg_siglist_entry(&l, &owner, &data)) {
			o_map(y);
			kv_guid(y, "SignatureOwner", owner);
			kv_hex(y, "SignatureData", data);
			o_map_end(y);
		}
		o_seq_end(y);
		if ((name = tcg_guid_name(l.type)))
			kv_plain(y, "SignatureTypeName", name);
		if (l.hdr_size)
			kv_hex(y, "SignatureHeader", l.hdr);
		o_map_end(y);
	}
	o_seq_end(y);
	return rc == TCG_SIGLIST_END;
}

/*
 * A single EFI_SIGNATURE_DATA, as tpm2_eventlog lays it out (a one-item
 * list). Shim measures its built-in and vendor_db certificates bare, without
 * the owner GUID: then SignatureData holds the whole certificate and there
 * is no SignatureOwner, and BareCertificate says so.
 */
static bool sigdata(tcg_yaml *y, tcg_buf b, bool shim)
{
	const uint8_t *owner = NULL;
	tcg_buf all = b;
	bool bare = is_der_sequence(all), has_owner = rd_guid(&b, &owner);
	if (!has_owner && !bare)
		return false;
	o_seq(y);
	o_map(y);
	if (has_owner && (!bare || shim)) {
		/* tpm2_eventlog splits "Shim" this way even though it is bare. */
		kv_guid(y, "SignatureOwner", owner);
		kv_hex(y, "SignatureData", b);
	} else {
		kv_hex(y, "SignatureData", all);
	}
	if (bare) {
		kv_bool(y, "BareCertificate", 1);
		if (shim)
			kv_hex(y, "Certificate", all);
	}
	o_map_end(y);
	o_seq_end(y);
	return true;
}

static bool dec_sigdata(tcg_yaml *y, tcg_buf b) { return sigdata(y, b, false); }
static bool dec_sigdata_shim(tcg_yaml *y, tcg_buf b) { return sigdata(y, b, true); }

/* 'Yes' / 'No' like tpm2_eventlog: no data is 'No', one byte is its truth. */
static bool dec_enabled_byte(tcg_yaml *y, tcg_buf b)
{
	uint8_t v = 0;
	if (b.len > 1 || (b.len == 1 && !tcg_buf_u8(&b, &v)))
		return false;
	o_map(y);
	o_key(y, "Enabled");
	o_squoted(y, v ? "Yes" : "No");
	o_map_end(y);
	return true;
}

static bool dec_bootorder(tcg_yaml *y, tcg_buf b)
{
	uint16_t n;
	if (b.len % 2)
		return false;
	o_seq(y);
	while (tcg_buf_u16le(&b, &n)) {
		char t[16];
		snprintf(t, sizeof t, "Boot%04X", n);
		o_plain(y, t);
	}
	o_seq_end(y);
	return true;
}

/* EFI_LOAD_OPTION: the description is bounded by the variable data. */
static bool dec_load_option(tcg_yaml *y, tcg_buf b)
{
	uint32_t attr;
	uint16_t fp_len, u;
	size_t units = 0;
	tcg_buf scan, desc, dp;
	if (!tcg_buf_u32le(&b, &attr) || !tcg_buf_u16le(&b, &fp_len))
		return false;
	scan = b;
	do {
		if (!tcg_buf_u16le(&scan, &u))
			return false;
		units++;
	} while (u);
	if (!tcg_buf_sub(&b, 2 * units, &desc) || !tcg_buf_sub(&b, fp_len, &dp))
		return false;
	o_map(y);
	o_key(y, "Enabled");
	o_squoted(y, attr & 1 ? "Yes" : "No");
	kv_u64(y, "FilePathListLength", fp_len);
	kv_utf16(y, "Description", desc);
	kv_hex(y, "DevicePath", dp);
	kv_hex64(y, "Attributes", attr);
	kv_filepathlist_text(y, dp);
	if (tcg_buf_left(&b))
		kv_hex(y, "OptionalData", b);
	o_map_end(y);
	return true;
}

static bool dec_text_map(tcg_yaml *y, tcg_buf b)
{
	o_map(y);
	kv_text(y, "String", b);
	o_map_end(y);
	return true;
}

static bool is_siglist_name(tcg_buf name)
{
	static const char *const names[] = { "PK", "KEK", "db", "dbx", "dbt", "dbr",
		                             "MokList", "MokListX", "MokListRT", "MokListXRT",
		                             "vendor_db", "vendor_dbx" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (name_is(name, names[i]))
			return true;
	return false;
}

typedef bool (*data_fn)(tcg_yaml *y, tcg_buf b);

/* Which decoder the variable's name and the event type promise, if any. */
static data_fn var_data_decoder(uint32_t type, tcg_buf name)
{
	if (name_is(name, "SbatLevel"))
		return dec_text_map;
	switch (type) {
	case EV_EFI_VARIABLE_DRIVER_CONFIG:
		if (name_is(name, "SecureBoot"))
			return dec_enabled_byte;
		return is_siglist_name(name) ? dec_siglists : NULL;
	case EV_EFI_VARIABLE_BOOT:
	case EV_EFI_VARIABLE_BOOT2:
		if (name_is(name, "BootOrder"))
			return dec_bootorder;
		return is_load_option_name(name) ? dec_load_option : NULL;
	case EV_EFI_VARIABLE_AUTHORITY:
		if (name_is(name, "MokListTrusted"))
			return dec_enabled_byte;
		return name_is(name, "Shim") ? dec_sigdata_shim : dec_sigdata;
	case EV_EFI_SPDM_DEVICE_POLICY:
		return dec_siglists;
	case EV_EFI_SPDM_DEVICE_AUTHORITY:
		return dec_sigdata;
	default:
		return NULL;
	}
}

static tcg_buf ev_buf(const tcg_log *log, const tcg_event *e)
{
	return tcg_buf_init(tcg_event_data(log, e), e->size);
}

static bool dec_variable(tcg_yaml *y, const tcg_log *log, const tcg_event *e)
{
	tcg_uefi_var v;
	data_fn f;
	if (!tcg_uefi_var_parse(tcg_event_data(log, e), e->size, &v))
		return false;
	o_map(y);
	kv_guid(y, "VariableName", v.guid);
	kv_u64(y, "UnicodeNameLength", v.name_units);
	kv_u64(y, "VariableDataLength", v.data.len);
	kv_utf16(y, "UnicodeName", v.name);
	o_key(y, "VariableData");
	f = var_data_decoder(e->type, v.name);
	if (f && f(NULL, v.data)) {
		f(y, v.data);
	} else {
		o_hex(y, v.data);
		if (f)
			kv_cstr(y, "VariableDataMalformed",
			        "does not parse as the structure the variable name promises");
	}
	/* Old shims add stray bytes after the variable: shown, never dropped. */
	if (tcg_buf_left(&v.rest))
		kv_hex(y, "TrailingBytes", v.rest);
	o_map_end(y);
	return true;
}

/* ------------------------------------------------------------------------ */
/* Image loads, GPT, firmware blobs, handoff tables.                        */

static bool dec_image_load(tcg_yaml *y, const tcg_log *log, const tcg_event *e)
{
	tcg_buf b = ev_buf(log, e), dp;
	uint64_t loc, len, link, dp_len;
	if (!tcg_buf_u64le(&b, &loc) || !tcg_buf_u64le(&b, &len) || !tcg_buf_u64le(&b, &link) ||
	    !tcg_buf_u64le(&b, &dp_len) || !tcg_buf_sub64(&b, dp_len, &dp))
		return false;
	o_map(y);
	kv_hex64(y, "ImageLocationInMemory", loc);
	kv_u64(y, "ImageLengthInMemory", len);
	kv_hex64(y, "ImageLinkTimeAddress", link);
	kv_u64(y, "LengthOfDevicePath", dp_len);
	kv_hex(y, "DevicePath", dp);
	kv_devpath_text(y, "DevicePathText", dp);
	/* shim logs image loads with bytes after the device path. */
	if (tcg_buf_left(&b))
		kv_hex(y, "TrailingBytes", b);
	o_map_end(y);
	return true;
}

static bool dec_gpt(tcg_yaml *y, const tcg_log *log, const tcg_event *e)
{
	tcg_buf b = ev_buf(log, e), sig;
	uint32_t rev, hsize, hcrc, rsv, nentries, esize, acrc;
	uint64_t my, alt, first, last, entry_lba, nparts;
	const uint8_t *disk;
	if (!tcg_buf_sub(&b, 8, &sig) || !tcg_buf_u32le(&b, &rev) || !tcg_buf_u32le(&b, &hsize) ||
	    !tcg_buf_u32le(&b, &hcrc) || !tcg_buf_u32le(&b, &rsv) || !tcg_buf_u64le(&b, &my) ||
	    !tcg_buf_u64le(&b, &alt) || !tcg_buf_u64le(&b, &first) || !tcg_buf_u64le(&b, &last) ||
	    !rd_guid(&b, &disk) || !tcg_buf_u64le(&b, &entry_lba) ||
	    !tcg_buf_u32le(&b, &nentries) || !tcg_buf_u32le(&b, &esize) ||
	    !tcg_buf_u32le(&b, &acrc) || !tcg_buf_u64le(&b, &nparts))
		return false;
	/* Entries are copied with the header's stride, at least the 128-byte
	 * EFI_PARTITION_ENTRY; together they must fill the rest exactly. */
	if (esize < 128 || nparts > tcg_buf_left(&b) / esize ||
	    nparts * esize != tcg_buf_left(&b))
		return false;
	o_map(y);
	o_key(y, "Header");
	o_map(y);
	o_key(y, "Signature");
	o_str(y, sig);
	kv_hex64(y, "Revision", rev);
	kv_u64(y, "HeaderSize", hsize);
	kv_hex64(y, "HeaderCRC32", hcrc);
	kv_hex64(y, "MyLBA", my);
	kv_hex64(y, "AlternateLBA", alt);
	kv_hex64(y, "FirstUsableLBA", first);
	kv_hex64(y, "LastUsableLBA", last);
	kv_guid(y, "DiskGUID", disk);
	kv_hex64(y, "PartitionEntryLBA", entry_lba);
	kv_u64(y, "NumberOfPartitionEntry", nentries);
	kv_u64(y, "SizeOfPartitionEntry", esize);
	kv_hex64(y, "PartitionEntryArrayCRC32", acrc);
	o_map_end(y);
	kv_u64(y, "NumberOfPartitions", nparts);
	o_key(y, "Partitions");
	o_seq(y);
	for (uint64_t i = 0; i < nparts; i++) {
		tcg_buf ent, pname;
		const uint8_t *ptype, *uniq;
		uint64_t start, end, attr;
		if (!tcg_buf_sub(&b, esize, &ent) || !rd_guid(&ent, &ptype) || !rd_guid(&ent, &uniq) ||
		    !tcg_buf_u64le(&ent, &start) || !tcg_buf_u64le(&ent, &end) ||
		    !tcg_buf_u64le(&ent, &attr) || !tcg_buf_sub(&ent, 72, &pname))
			return false;
		o_map(y);
		kv_guid(y, "PartitionTypeGUID", ptype);
		kv_guid(y, "UniquePartitionGUID", uniq);
		kv_hex64(y, "StartingLBA", start);
		kv_hex64(y, "EndingLBA", end);
		kv_hex64(y, "Attributes", attr);
		kv_utf16(y, "PartitionName", pname);
		o_map_end(y);
	}
	o_seq_end(y);
	o_map_end(y);
	return true;
}

/* UEFI_PLATFORM_FIRMWARE_BLOB: exactly 16 bytes. */
static bool blob(tcg_yaml *y, tcg_buf b)
{
	uint64_t base, len;
	if (b.len != 16 || !tcg_buf_u64le(&b, &base) || !tcg_buf_u64le(&b, &len))
		return false;
	o_map(y);
	kv_hex64(y, "BlobBase", base);
	kv_hex64(y, "BlobLength", len);
	o_map_end(y);
	return true;
}

/* UEFI_PLATFORM_FIRMWARE_BLOB2: sized description, base, length; exact. */
static bool blob2(tcg_yaml *y, tcg_buf b)
{
	uint8_t n;
	uint64_t base, len;
	tcg_buf desc;
	if (!tcg_buf_u8(&b, &n) || !tcg_buf_sub(&b, n, &desc) || !tcg_buf_u64le(&b, &base) ||
	    !tcg_buf_u64le(&b, &len) || tcg_buf_left(&b))
		return false;
	o_map(y);
	kv_u64(y, "BlobDescriptionSize", n);
	kv_text(y, "BlobDescription", desc);
	kv_hex64(y, "BlobBase", base);
	kv_hex64(y, "BlobLength", len);
	o_map_end(y);
	return true;
}

static bool dec_blob(tcg_yaml *y, const tcg_log *log, const tcg_event *e)
{
	return blob(y, ev_buf(log, e));
}

static bool dec_blob2(tcg_yaml *y, const tcg_log *log, const tcg_event *e)
{
	return blob2(y, ev_buf(log, e));
}

/*
 * EV_POST_CODE: a blob when 16 bytes (as tpm2_eventlog assumes), else an
 * ASCII tag ("ACPI DATA", written as a bare string like tpm2_eventlog), else
 * a BLOB2 when it fits one exactly.
 */
static bool dec_post_code(tcg_yaml *y, const tcg_log *log, const tcg_event *e)
{
	tcg_buf b = ev_buf(log, e);
	if (b.len == 16)
		return blob(y, b);
	if (is_ascii_text(b)) {
		o_text(y, b);
		return true;
	}
	return blob2(y, b);
}

/* EV_S_CRTM_CONTENTS: a blob (PFP), a BLOB2, or an ASCII description. */
static bool dec_crtm_contents(tcg_yaml *y, const tcg_log *log, const tcg_event *e)
{
	tcg_buf b = ev_buf(log, e);
	if (b.len == 16)
		return blob(y, b);
	if (blob2(NULL, b))
		return blob2(y, b);
	if (is_ascii_text(b))
		return dec_text_map(y, b);
	return false;
}

static bool handoff_tables(tcg_yaml *y, tcg_buf b)
{
	uint64_t n;
	if (!tcg_buf_u64le(&b, &n) || n > tcg_buf_left(&b) / 24 || n * 24 != tcg_buf_left(&b))
		return false;
	kv_u64(y, "NumberOfTables", n);
	o_key(y, "Tables");
	o_seq(y);
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *g;
		uint64_t table;
		const char *name;
		if (!rd_guid(&b, &g) || !tcg_buf_u64le(&b, &table))
			return false;
		o_map(y);
		kv_guid(y, "VendorGuid", g);
		kv_hex64(y, "VendorTable", table);
		if ((name = tcg_guid_name(g)))
			kv_plain(y, "VendorGuidName", name);
		o_map_end(y);
	}
	o_seq_end(y);
	return true;
}

static bool dec_handoff(tcg_yaml *y, const tcg_log *log, const tcg_event *e)
{
	bool ok;
	o_map(y);
	ok = handoff_tables(y, ev_buf(log, e));
	o_map_end(y);
	return ok;
}

static bool dec_handoff2(tcg_yaml *y, const tcg_log *log, const tcg_event *e)
{
	tcg_buf b = ev_buf(log, e), desc;
	uint8_t n;
	bool ok;
	if (!tcg_buf_u8(&b, &n) || !tcg_buf_sub(&b, n, &desc))
		return false;
	o_map(y);
	kv_u64(y, "TableDescriptionSize", n);
	kv_text(y, "TableDescription", desc);
	ok = handoff_tables(y, b);
	o_map_end(y);
	return ok;
}

/* ------------------------------------------------------------------------ */
/* Strings.                                                                 */

/* A bare string like tpm2_eventlog's EV_EFI_ACTION: the spec says ASCII;
 * anything else shows as U+FFFD, never as a guess. */
static bool dec_bare_text(tcg_yaml *y, const tcg_log *log, const tcg_event *e)
{
	o_text(y, ev_buf(log, e));
	return true;
}

/*
 * EV_IPL: GRUB logs UTF-8 text, systemd-boot/stub UTF-16LE; legacy BIOS
 * logs boot code. UTF-16 is recognised only as NUL-terminated Latin-1 text
 * that is not also clean UTF-8, and labelled; binary falls back to hex.
 */
static bool dec_ipl(tcg_yaml *y, const tcg_log *log, const tcg_event *e)
{
	tcg_buf b = ev_buf(log, e), t = strip_nul(b), nulls = t;
	uint8_t c;
	bool has_nul = false;
	while (tcg_buf_u8(&nulls, &c))
		has_nul = has_nul || c == 0;
	if (has_nul && is_utf16_text(b, true)) {
		o_map(y);
		kv_utf16(y, "String", b);
		kv_plain(y, "Encoding", "UTF-16LE");
		o_map_end(y);
		return true;
	}
	if (!is_utf8(b))
		return false;
	return dec_text_map(y, b);
}

/*
 * The PFP allows a NUL-terminated UCS-2 string (OVMF, most firmware) or a
 * GUID; some firmware writes ASCII instead, which is labelled as such.
 */
static bool dec_crtm_version(tcg_yaml *y, const tcg_log *log, const tcg_event *e)
{
	tcg_buf b = ev_buf(log, e);
	const uint8_t *g;
	/* Latin-1 UCS-2 first: it cannot be mistaken for anything else. */
	if (is_utf16_text(b, true)) {
		o_map(y);
		kv_utf16(y, "String", b);
		o_map_end(y);
		return true;
	}
	if (b.len == 16 && rd_guid(&b, &g)) {
		o_map(y);
		kv_guid(y, "GUID", g);
		o_map_end(y);
		return true;
	}
	/* ASCII before other UCS-2: "AB\0\0" would also pass as UCS-2. */
	if (is_ascii_text(b)) {
		o_map(y);
		kv_text(y, "String", b);
		kv_plain(y, "Encoding", "ASCII");
		o_map_end(y);
		return true;
	}
	if (!is_utf16_text(b, false))
		return false;
	o_map(y);
	kv_utf16(y, "String", b);
	o_map_end(y);
	return true;
}

/* ------------------------------------------------------------------------ */
/* Windows SIPA (WBCL) items: EV_EVENT_TAG and PCR -1 EV_NO_ACTION.         */

static void kv_alg(tcg_yaml *y, const char *k, uint16_t alg)
{
	const char *n = tcg_alg_name(alg);
	o_key(y, k);
	if (n)
		o_plain(y, n);
	else
		o_hex64(y, alg);
}

/* Windows FILETIME (100 ns since 1601-01-01 UTC) as ISO 8601. */
static void filetime_iso(uint64_t ft, char out[80])
{
	uint64_t secs = ft / 10000000u, rem = secs % 86400u;
	/* Days since 0000-03-01, then the civil-from-days algorithm. */
	uint64_t z = secs / 86400u + 584694u; /* 1601-01-01 is day 584694 */
	uint64_t era = z / 146097u, doe = z % 146097u;
	uint64_t yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) / 365u;
	uint64_t doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);
	uint64_t mp = (5u * doy + 2u) / 153u;
	uint64_t d = doy - (153u * mp + 2u) / 5u + 1u;
	uint64_t m = mp < 10u ? mp + 3u : mp - 9u;
	uint64_t yr = yoe + era * 400u + (m <= 2u);
	snprintf(out, 80, "%04" PRIu64 "-%02" PRIu64 "-%02" PRIu64 "T%02" PRIu64 ":%02" PRIu64
	         ":%02" PRIu64 "Z",
	         yr, m, d, rem / 3600u, rem / 60u % 60u, rem % 60u);
}

/* SIPAEVENT_REVOCATION_LIST_PAYLOAD. */
static bool sipa_revlist(tcg_yaml *y, tcg_buf b)
{
	uint64_t ft;
	uint32_t dlen;
	uint16_t alg;
	tcg_buf digest;
	char iso[80];
	if (!tcg_buf_u64le(&b, &ft) || !tcg_buf_u32le(&b, &dlen) || !tcg_buf_u16le(&b, &alg) ||
	    !tcg_buf_sub(&b, dlen, &digest) || tcg_buf_left(&b))
		return false;
	filetime_iso(ft, iso);
	kv_u64(y, "CreationTime", ft);
	kv_cstr(y, "CreationTimeUTC", iso);
	kv_u64(y, "DigestLength", dlen);
	kv_alg(y, "HashAlgID", alg);
	kv_hex(y, "Digest", digest);
	return true;
}

/* SIPAEVENT_SI_POLICY_PAYLOAD. */
static bool sipa_sipolicy(tcg_yaml *y, tcg_buf b)
{
	uint64_t ver;
	uint16_t name_len, alg;
	uint32_t dlen;
	tcg_buf name, digest;
	char t[48];
	if (!tcg_buf_u64le(&b, &ver) || !tcg_buf_u16le(&b, &name_len) || !tcg_buf_u16le(&b, &alg) ||
	    !tcg_buf_u32le(&b, &dlen) || !tcg_buf_sub(&b, name_len, &name) ||
	    !tcg_buf_sub(&b, dlen, &digest) || tcg_buf_left(&b))
		return false;
	/* Four UINT16 words, low to high: revision, build, minor, major. */
	snprintf(t, sizeof t, "%u.%u.%u.%u", (unsigned)(ver >> 48 & 0xFFFF),
	         (unsigned)(ver >> 32 & 0xFFFF), (unsigned)(ver >> 16 & 0xFFFF),
	         (unsigned)(ver & 0xFFFF));
	kv_hex64(y, "PolicyVersion", ver);
	kv_cstr(y, "PolicyVersionText", t);
	kv_u64(y, "PolicyNameLength", name_len);
	kv_alg(y, "HashAlgID", alg);
	kv_u64(y, "DigestLength", dlen);
	kv_utf16(y, "PolicyName", name);
	kv_hex(y, "Digest", digest);
	return true;
}

/* SIPAEVENT_SBCP_INFO_PAYLOAD_V1: the digest sits at VarDataOffset. */
static bool sipa_sbcp(tcg_yaml *y, tcg_buf b)
{
	uint32_t ver, off, options, signers;
	uint16_t alg, dlen;
	tcg_buf gap, digest;
	if (!tcg_buf_u32le(&b, &ver) || !tcg_buf_u32le(&b, &off) || !tcg_buf_u16le(&b, &alg) ||
	    !tcg_buf_u16le(&b, &dlen) || !tcg_buf_u32le(&b, &options) ||
	    !tcg_buf_u32le(&b, &signers) || off < 20 || !tcg_buf_sub(&b, off - 20u, &gap) ||
	    !tcg_buf_sub(&b, dlen, &digest) || tcg_buf_left(&b))
		return false;
	kv_u64(y, "PayloadVersion", ver);
	kv_u64(y, "VarDataOffset", off);
	kv_alg(y, "HashAlgID", alg);
	kv_u64(y, "DigestLength", dlen);
	kv_hex64(y, "Options", options);
	kv_u64(y, "SignersCount", signers);
	kv_hex(y, "Digest", digest);
	return true;
}

/* SIPAEVENT_VSM_IDK_INFO_PAYLOAD: only RSA (1) is defined. */
static bool sipa_idk(tcg_yaml *y, tcg_buf b)
{
	uint32_t alg, bits, exp_len, mod_len;
	tcg_buf exp, mod;
	if (!tcg_buf_u32le(&b, &alg))
		return false;
	kv_u64(y, "KeyAlgID", alg);
	if (alg != 1) {
		kv_hex(y, "Data", b);
		return true;
	}
	if (!tcg_buf_u32le(&b, &bits) || !tcg_buf_u32le(&b, &exp_len) ||
	    !tcg_buf_u32le(&b, &mod_len) || !tcg_buf_sub(&b, exp_len, &exp) ||
	    !tcg_buf_sub(&b, mod_len, &mod) || tcg_buf_left(&b))
		return false;
	kv_u64(y, "KeyBitLength", bits);
	kv_u64(y, "PublicExpLengthBytes", exp_len);
	kv_u64(y, "ModulusSizeBytes", mod_len);
	kv_hex(y, "PublicExponent", exp);
	kv_hex(y, "Modulus", mod);
	return true;
}

static bool sipa_ksrsig(tcg_yaml *y, tcg_buf b)
{
	uint32_t alg, len;
	tcg_buf sig;
	if (!tcg_buf_u32le(&b, &alg) || !tcg_buf_u32le(&b, &len) || !tcg_buf_sub(&b, len, &sig) ||
	    tcg_buf_left(&b))
		return false;
	kv_hex64(y, "SignAlgID", alg);
	kv_u64(y, "SignatureLength", len);
	kv_hex(y, "Signature", sig);
	return true;
}

static const char *calg_name(uint32_t v)
{
	switch (v) {
	case 0x8001: return "CALG_MD2";
	case 0x8002: return "CALG_MD4";
	case 0x8003: return "CALG_MD5";
	case 0x8004: return "CALG_SHA1";
	case 0x800C: return "CALG_SHA_256";
	case 0x800D: return "CALG_SHA_384";
	case 0x800E: return "CALG_SHA_512";
	default: return NULL;
	}
}

static const char *transfer_name(uint32_t v)
{
	switch (v) {
	case 0: return "NONE";
	case 1: return "OSLOADER";
	case 2: return "RESUME";
	case 3: return "MSUTILITY";
	case 4: return "NOSIGCHECK";
	case 5: return "HYPERVISOR";
	case 0xFFFFFFFFu: return "UNKNOWN";
	default: return NULL;
	}
}

static const char *osdevice_name(uint32_t v)
{
	switch (v) {
	case 0x00000000: return "UNKNOWN";
	case 0x00010001: return "BLOCKIO_HARDDISK";
	case 0x00010002: return "BLOCKIO_REMOVABLEDISK";
	case 0x00010003: return "BLOCKIO_CDROM";
	case 0x00010004: return "BLOCKIO_PARTITION";
	case 0x00010005: return "BLOCKIO_FILE";
	case 0x00010006: return "BLOCKIO_RAMDISK";
	case 0x00010007: return "BLOCKIO_VIRTUALHARDDISK";
	case 0x00020000: return "SERIAL";
	case 0x00030000: return "UDP";
	case 0x00040000: return "VMBUS";
	case 0x00050000: return "COMPOSITE";
	case 0x00060000: return "CIMFS";
	default: return NULL;
	}
}

static void bitlocker_flags(tcg_yaml *y, uint32_t v)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} flags[] = {
		{ 0x001, "CACHED" },   { 0x002, "MEDIA" },    { 0x004, "TPM" },
		{ 0x010, "PIN" },      { 0x020, "EXTERNAL" }, { 0x040, "RECOVERY" },
		{ 0x080, "PASSPHRASE" }, { 0x100, "NBP" },    { 0x200, "AUK_OSFVEINFO" },
	};
	o_key(y, "Flags");
	o_seq(y);
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
		if (v & flags[i].bit)
			o_plain(y, flags[i].name);
	o_seq_end(y);
}

static void sipa_malformed(tcg_yaml *y, const char *why, tcg_buf p)
{
	kv_cstr(y, "Malformed", why);
	kv_hex(y, "Data", p);
}

/* A fixed-size item of the wrong size is shown, flagged, not fatal. */
static bool sized(tcg_yaml *y, tcg_buf p, size_t want)
{
	char why[48];
	if (p.len == want)
		return true;
	snprintf(why, sizeof why, "expected %zu bytes", want);
	sipa_malformed(y, why, p);
	return false;
}

static void sipa_payload(tcg_yaml *y, const struct tcg_sipa_def *d, tcg_buf p)
{
	uint8_t v8;
	uint32_t v32;
	uint64_t v64;
	const char *n;
	bool (*sf)(tcg_yaml *, tcg_buf) = NULL;

	switch (d->kind) {
	case SK_BYTES:
		kv_hex(y, "Data", p);
		return;
	case SK_DIGEST:
		kv_hex(y, "Digest", p);
		return;
	case SK_BOOL:
	case SK_U8:
		if (sized(y, p, 1) && tcg_buf_u8(&p, &v8)) {
			if (d->kind == SK_BOOL)
				kv_bool(y, "Value", v8 != 0);
			else
				kv_u64(y, "Value", v8);
		}
		return;
	case SK_U32:
	case SK_U32X:
	case SK_CALG:
	case SK_TRANSFER:
	case SK_OSDEVICE:
	case SK_BITLOCKER:
		if (!sized(y, p, 4) || !tcg_buf_u32le(&p, &v32))
			return;
		if (d->kind == SK_U32 || d->kind == SK_TRANSFER)
			kv_u64(y, "Value", v32);
		else
			kv_hex64(y, "Value", v32);
		n = d->kind == SK_CALG       ? calg_name(v32)
		    : d->kind == SK_TRANSFER ? transfer_name(v32)
		    : d->kind == SK_OSDEVICE ? osdevice_name(v32)
		                             : NULL;
		if (n)
			kv_plain(y, "Meaning", n);
		if (d->kind == SK_BITLOCKER)
			bitlocker_flags(y, v32);
		return;
	case SK_U64:
	case SK_U64X:
		if (sized(y, p, 8) && tcg_buf_u64le(&p, &v64)) {
			if (d->kind == SK_U64)
				kv_u64(y, "Value", v64);
			else
				kv_hex64(y, "Value", v64);
		}
		return;
	case SK_UTF16:
		if (p.len % 2)
			sipa_malformed(y, "odd length for UTF-16", p);
		else
			kv_utf16(y, "String", p);
		return;
	case SK_ASCII:
		if (is_ascii_text(p))
			kv_text(y, "String", p);
		else
			kv_hex(y, "Data", p);
		return;
	case SK_REVLIST: sf = sipa_revlist; break;
	case SK_SIPOLICY: sf = sipa_sipolicy; break;
	case SK_SBCP: sf = sipa_sbcp; break;
	case SK_IDK: sf = sipa_idk; break;
	case SK_KSRSIG: sf = sipa_ksrsig; break;
	}
	if (sf && sf(NULL, p))
		sf(y, p);
	else
		sipa_malformed(y, "lengths do not fit the payload structure", p);
}

static bool sipa_list(tcg_yaml *y, tcg_buf b, unsigned depth);

static void sipa_item(tcg_yaml *y, uint32_t id, tcg_buf p, unsigned depth)
{
	const struct tcg_sipa_def *d;
	/* The validation pass: an item's own content never fails its list. */
	if (!y)
		return;
	d = tcg_sipa_find(id);
	o_map(y);
	if (d)
		kv_plain(y, "Name", d->name);
	kv_hex64(y, "Id", id);
	kv_u64(y, "Size", p.len);
	if (tcg_sipa_is_container(id)) {
		/* A container: its framing is checked on its own, so a bad
		 * container is flagged in place and never fails its parent. */
		if (depth + 1 > TCG_SIPA_MAX_DEPTH) {
			sipa_malformed(y, "containers nested too deep", p);
		} else if (sipa_list(NULL, p, depth + 1)) {
			o_key(y, "Items");
			sipa_list(y, p, depth + 1);
		} else {
			sipa_malformed(y, "items overrun the container", p);
		}
	} else if (d) {
		sipa_payload(y, d, p);
	} else {
		kv_hex(y, "Data", p);
	}
	o_map_end(y);
}

/* Items {UINT32 type; UINT32 size; payload} packed back to back, filling b. */
static bool sipa_list(tcg_yaml *y, tcg_buf b, unsigned depth)
{
	o_seq(y);
	while (tcg_buf_left(&b)) {
		uint32_t id;
		tcg_buf p;
		if (!tcg_sipa_next(&b, &id, &p))
			return false;
		sipa_item(y, id, p, depth);
	}
	o_seq_end(y);
	return true;
}

static bool dec_sipa(tcg_yaml *y, const tcg_log *log, const tcg_event *e)
{
	return sipa_list(y, ev_buf(log, e), 0);
}

/* ------------------------------------------------------------------------ */
/* EV_NO_ACTION: identified by a 16-byte signature.                         */

static bool sig_is(tcg_buf b, const char *sig16)
{
	const uint8_t *p;
	return tcg_buf_peek(&b, 16, &p) && !memcmp(p, sig16, 16);
}

/* A UINT8-length-prefixed string. */
static bool kv_str8(tcg_yaml *y, const char *k, tcg_buf *b)
{
	uint8_t n;
	tcg_buf s;
	if (!tcg_buf_u8(b, &n) || !tcg_buf_sub(b, n, &s))
		return false;
	kv_text(y, k, s);
	return true;
}

/* An SP800-155 Event3 locator: UINT32 type, UINT32 length, bytes. */
static bool locator(tcg_yaml *y, const char *type_key, const char *key, tcg_buf *b)
{
	uint32_t type, len;
	tcg_buf v, name;
	const uint8_t *g;
	if (!tcg_buf_u32le(b, &type) || !tcg_buf_u32le(b, &len) || !tcg_buf_sub(b, len, &v))
		return false;
	kv_u64(y, type_key, type);
	o_key(y, key);
	name = v;
	if (type == 1) { /* URI */
		o_text(y, v);
	} else if (type == 3 && rd_guid(&name, &g) && name.len % 2 == 0) {
		/* UEFI variable: GUID, then the NUL-terminated UCS-2 name */
		o_map(y);
		kv_guid(y, "VariableName", g);
		kv_utf16(y, "UnicodeName", name);
		o_map_end(y);
	} else { /* raw data, or a device path */
		o_hex(y, v);
		if (type == 2) {
			char k[64];
			snprintf(k, sizeof k, "%sText", key);
			kv_devpath_text(y, k, v);
		}
	}
	return true;
}

/* TCG_Sp800_155_PlatformId_Event, Event2 and Event3. */
static bool sp800_155(tcg_yaml *y, tcg_buf b, int version)
{
	tcg_buf sig;
	uint32_t id;
	const uint8_t *g;
	if (!tcg_buf_sub(&b, 16, &sig) || !tcg_buf_u32le(&b, &id) || !rd_guid(&b, &g))
		return false;
	o_map(y);
	kv_text(y, "Signature", sig);
	if (version == 1) {
		kv_u64(y, "VendorId", id);
		kv_guid(y, "ReferenceManifestGuid", g);
	} else {
		uint32_t fw_id;
		kv_u64(y, "PlatformManufacturerId", id);
		kv_guid(y, "ReferenceManifestGuid", g);
		if (!kv_str8(y, "PlatformManufacturerStr", &b) || !kv_str8(y, "PlatformModel", &b) ||
		    !kv_str8(y, "PlatformVersion", &b) || !kv_str8(y, "FirmwareManufacturerStr", &b) ||
		    !tcg_buf_u32le(&b, &fw_id))
			return false;
		kv_u64(y, "FirmwareManufacturerId", fw_id);
		if (!kv_str8(y, "FirmwareVersion", &b))
			return false;
		if (version == 3 && (!locator(y, "RIMLocatorType", "RIMLocator", &b) ||
		                     !locator(y, "PlatformCertLocatorType", "PlatformCertLocator", &b)))
			return false;
	}
	if (tcg_buf_left(&b))
		return false;
	o_map_end(y);
	return true;
}

/* TCG_HCRTMComponentEvent. */
static bool hcrtm_compmeas(tcg_yaml *y, tcg_buf b)
{
	tcg_buf sig, meas;
	uint8_t fmt;
	uint16_t n;
	if (!tcg_buf_sub(&b, 16, &sig))
		return false;
	o_map(y);
	kv_text(y, "Signature", sig);
	if (!kv_str8(y, "ComponentDescription", &b) || !tcg_buf_u8(&b, &fmt) ||
	    !tcg_buf_u16le(&b, &n) || !tcg_buf_sub(&b, n, &meas) || tcg_buf_left(&b))
		return false;
	kv_u64(y, "MeasurementFormatType", fmt);
	kv_hex(y, "ComponentMeasurement", meas);
	o_map_end(y);
	return true;
}

/* NV-extend records of SPDM device measurement (edk2). */
static bool nv_index(tcg_yaml *y, tcg_buf b, bool dynamic)
{
	tcg_buf sig, rsv, desc, data;
	uint16_t ver, n;
	uint64_t uid;
	if (!tcg_buf_sub(&b, 16, &sig) || !tcg_buf_u16le(&b, &ver) || !tcg_buf_sub(&b, 6, &rsv))
		return false;
	o_map(y);
	kv_text(y, "Signature", sig);
	kv_u64(y, "Version", ver);
	if (dynamic) {
		if (!tcg_buf_u64le(&b, &uid) || !tcg_buf_u16le(&b, &n) || !tcg_buf_sub(&b, n, &desc))
			return false;
		kv_hex64(y, "Uid", uid);
		kv_text(y, "Description", desc);
		if (!tcg_buf_u16le(&b, &n) || !tcg_buf_sub(&b, n, &data) || tcg_buf_left(&b))
			return false;
		kv_hex(y, "Data", data);
	} else {
		/* TCG_DEVICE_SECURITY_EVENT_DATA2: left as hex. */
		kv_hex(y, "Data", b);
	}
	o_map_end(y);
	return true;
}

static bool dec_no_action(tcg_yaml *y, const tcg_log *log, const tcg_event *e)
{
	static const char truncated[] = "TCG Event Log Truncated";
	tcg_buf b = ev_buf(log, e);
	const uint8_t *p;
	uint8_t loc;
	/* Windows: never-extended trust points carry SIPA items. */
	if (e->pcr == TCG_PCR_NONE)
		return sipa_list(y, b, 0);
	if (sig_is(b, "StartupLocality\0")) {
		tcg_buf t = b;
		if (b.len != 17 || !tcg_buf_skip(&t, 16) || !tcg_buf_u8(&t, &loc))
			return false;
		o_map(y);
		kv_u64(y, "StartupLocality", loc);
		o_map_end(y);
		return true;
	}
	if (sig_is(b, "SP800-155 Event\0"))
		return sp800_155(y, b, 1);
	if (sig_is(b, "SP800-155 Event2"))
		return sp800_155(y, b, 2);
	if (sig_is(b, "SP800-155 Event3"))
		return sp800_155(y, b, 3);
	if (sig_is(b, "H-CRTM CompMeas\0"))
		return hcrtm_compmeas(y, b);
	if (sig_is(b, "NvIndexInstance\0"))
		return nv_index(y, b, false);
	if (sig_is(b, "NvIndexDynamic \0"))
		return nv_index(y, b, true);
	/* Project Mu / edk2 marker: the string with or without its NUL. */
	if (strip_nul(b).len == sizeof truncated - 1 && tcg_buf_peek(&b, sizeof truncated - 1, &p) &&
	    !memcmp(p, truncated, sizeof truncated - 1)) {
		o_map(y);
		kv_cstr(y, "Signature", truncated);
		o_map_end(y);
		return true;
	}
	return false;
}

/* ------------------------------------------------------------------------ */

typedef bool (*event_fn)(tcg_yaml *y, const tcg_log *log, const tcg_event *e);

static event_fn event_decoder(uint32_t type)
{
	switch (type) {
	case EV_EFI_VARIABLE_DRIVER_CONFIG:
	case EV_EFI_VARIABLE_BOOT:
	case EV_EFI_VARIABLE_BOOT2:
	case EV_EFI_VARIABLE_AUTHORITY:
	case EV_EFI_SPDM_DEVICE_POLICY:
	case EV_EFI_SPDM_DEVICE_AUTHORITY:
		return dec_variable;
	case EV_EFI_BOOT_SERVICES_APPLICATION:
	case EV_EFI_BOOT_SERVICES_DRIVER:
	case EV_EFI_RUNTIME_SERVICES_DRIVER:
		return dec_image_load;
	case EV_EFI_GPT_EVENT:
	case EV_EFI_GPT_EVENT2:
		return dec_gpt;
	case EV_EFI_PLATFORM_FIRMWARE_BLOB:
		return dec_blob;
	case EV_EFI_PLATFORM_FIRMWARE_BLOB2:
	case EV_POST_CODE2:
		return dec_blob2;
	case EV_POST_CODE:
		return dec_post_code;
	case EV_S_CRTM_CONTENTS:
		return dec_crtm_contents;
	case EV_EFI_HANDOFF_TABLES:
		return dec_handoff;
	case EV_EFI_HANDOFF_TABLES2:
		return dec_handoff2;
	case EV_ACTION:
	case EV_EFI_ACTION:
	case EV_OMIT_BOOT_DEVICE_EVENTS:
	case EV_EFI_HCRTM_EVENT:
		return dec_bare_text;
	case EV_IPL:
		return dec_ipl;
	case EV_S_CRTM_VERSION:
		return dec_crtm_version;
	case EV_NO_ACTION:
		return dec_no_action;
	case EV_EVENT_TAG:
		return dec_sipa;
	default:
		return NULL;
	}
}

void tcg_event_decode_yaml(tcg_yaml *y, const tcg_log *log, const tcg_event *e)
{
	event_fn f = e->size ? event_decoder(e->type) : NULL;
	/* Validate first (y == NULL), then write: never half an event. */
	if (f && f(NULL, log, e))
		f(y, log, e);
	else
		tcg_yaml_hex(y, tcg_event_data(log, e), e->size);
}
