#include "tcglog/dump.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evtypes.h"
#include "tcglog/binding.h"
#include "buf.h"
#include "events.h"
#include "tcglog/replay.h"
#include "output_int.h"

static bool bank_wanted(const tcg_dump_opts *o, uint16_t alg)
{
	if (!o->num_banks)
		return true;
	for (size_t i = 0; i < o->num_banks; i++)
		if (o->banks[i] == alg)
			return true;
	return false;
}

static bool event_wanted(const tcg_dump_opts *o, const tcg_event *e)
{
	if (!o->pcr_mask && !o->pcr_none)
		return true;
	if (e->pcr >= TCG_NUM_PCRS)
		return e->pcr == TCG_PCR_NONE && o->pcr_none;
	return (o->pcr_mask >> e->pcr) & 1;
}

static void alg_value(tcg_yaml *y, uint16_t alg)
{
	const char *name = tcg_alg_name(alg);
	if (name)
		tcg_yaml_plain(y, name);
	else
		tcg_yaml_hex64(y, alg);
}

static void dump_specid(tcg_yaml *y, const tcg_log *log)
{
	const tcg_specid *s = tcg_log_specid(log);
	char sig[16];
	snprintf(sig, sizeof sig, "Spec ID Event0%d", s->version);
	tcg_yaml_seq_start(y);
	tcg_yaml_map_start(y);
	tcg_yaml_key(y, "Signature");
	tcg_yaml_plain(y, sig);
	tcg_yaml_kv_u64(y, "platformClass", s->platform_class);
	tcg_yaml_kv_u64(y, "specVersionMinor", s->spec_minor);
	tcg_yaml_kv_u64(y, "specVersionMajor", s->spec_major);
	tcg_yaml_kv_u64(y, "specErrata", s->errata);
	tcg_yaml_kv_u64(y, "uintnSize", s->uintn_size);
	if (s->version == 3) {
		tcg_yaml_kv_u64(y, "numberOfAlgorithms", s->num_algs);
		tcg_yaml_key(y, "Algorithms");
		tcg_yaml_seq_start(y);
		for (uint32_t i = 0; i < s->num_algs; i++) {
			char k[32];
			snprintf(k, sizeof k, "Algorithm[%u]", i);
			tcg_yaml_map_start(y);
			tcg_yaml_key(y, k);
			tcg_yaml_null(y);
			tcg_yaml_key(y, "algorithmId");
			alg_value(y, s->algs[i].alg);
			tcg_yaml_kv_u64(y, "digestSize", s->algs[i].size);
			tcg_yaml_map_end(y);
		}
		tcg_yaml_seq_end(y);
	}
	tcg_yaml_kv_u64(y, "vendorInfoSize", s->vendor_info_size);
	if (s->vendor_info_size)
		tcg_yaml_kv_hex(y, "vendorInfo", s->vendor_info, s->vendor_info_size);
	tcg_yaml_map_end(y);
	tcg_yaml_seq_end(y);
}

static void type_value(tcg_yaml *y, uint32_t type)
{
	const char *name = tcg_event_type_name(type);
	if (name)
		tcg_yaml_plain(y, name);
	else
		tcg_yaml_hex64(y, type);
}

/* DigestCount and Digests: the banks the event carries and the options keep, in bank order. */
static void dump_digests(tcg_yaml *y, const tcg_log *log, const tcg_event *e,
                         const tcg_dump_opts *o)
{
	const uint8_t *d[TCG_MAX_BANKS];
	size_t nb = tcg_log_num_banks(log), shown = 0;
	for (size_t i = 0; i < nb; i++) {
		d[i] = bank_wanted(o, tcg_log_bank(log, i).alg) ? tcg_event_digest(log, e, i) : NULL;
		shown += d[i] != NULL;
	}
	tcg_yaml_kv_u64(y, "DigestCount", shown);
	tcg_yaml_key(y, "Digests");
	tcg_yaml_seq_start(y);
	for (size_t i = 0; i < nb; i++) {
		tcg_bank b = tcg_log_bank(log, i);
		if (!d[i])
			continue;
		tcg_yaml_map_start(y);
		tcg_yaml_key(y, "AlgorithmId");
		alg_value(y, b.alg);
		tcg_yaml_kv_hex(y, "Digest", d[i], b.size);
		tcg_yaml_map_end(y);
	}
	tcg_yaml_seq_end(y);
}

static void dump_event(tcg_yaml *y, const tcg_log *log, const tcg_event *e,
                       const tcg_dump_opts *o, tcg_hasher *h)
{
	tcg_yaml_map_start(y);
	tcg_yaml_kv_u64(y, "EventNum", tcg_event_number(log, e));
	tcg_yaml_key(y, "PCRIndex");
	if (e->pcr == TCG_PCR_NONE)
		tcg_yaml_plain(y, "-1");
	else
		tcg_yaml_u64(y, e->pcr);
	tcg_yaml_key(y, "EventType");
	type_value(y, e->type);
	if (e->header) {
		tcg_yaml_kv_hex(y, "Digest", tcg_event_digest(log, e, 0), 20);
		tcg_yaml_kv_u64(y, "EventSize", e->size);
		tcg_yaml_key(y, "SpecID");
		dump_specid(y, log);
	} else {
		dump_digests(y, log, e, o);
		tcg_yaml_kv_u64(y, "EventSize", e->size);
		tcg_yaml_key(y, "Event");
		if (o->no_decode)
			tcg_yaml_hex(y, tcg_event_data(log, e), e->size);
		else
			tcg_event_decode_yaml(y, log, e);
	}
	/* Our own keys, beside tpm2_eventlog's. */
	tcg_yaml_kv_u64(y, "Offset", e->offset);
	if (!e->header) {
		size_t bad = 0;
		tcg_binding b = tcg_event_binding(log, e, h, &bad);
		tcg_yaml_key(y, "DataBinding");
		tcg_yaml_plain(y, tcg_binding_name(b));
		if (b == TCG_BIND_MISMATCH) {
			tcg_yaml_key(y, "DataBindingBank");
			alg_value(y, tcg_log_bank(log, bad).alg);
		}
	}
	tcg_yaml_map_end(y);
}

/* ------------------------------------------------------------------------ */
/*
 * tpm2-tools compatibility (tpm2_eventlog --eventlog-version=2, as tpm2-tools
 * 5.4 prints it): the same keys and the same values once parsed, so its
 * readers (keylime) can switch. Where tpm2-tools stops, crashes or cannot
 * print an event, its data is written as hex instead; where its value is
 * wrong, ours is right. tcglog-dump(1) lists those cases.
 */

/* The event types tpm2-tools 5.4 names; any other is "Unknown event type". */
static bool tpm2_names_type(uint32_t t)
{
	return t <= EV_OMIT_BOOT_DEVICE_EVENTS ||
	       (t >= EV_EFI_VARIABLE_DRIVER_CONFIG && t <= EV_EFI_VARIABLE_BOOT2) ||
	       t == EV_EFI_VARIABLE_AUTHORITY;
}

/* A UTF-16LE name up to its first NUL as ASCII; false when it is not ASCII or too long. */
static bool ascii_name(tcg_buf b, char *out, size_t max)
{
	size_t n = 0;
	uint16_t c;
	while (tcg_buf_u16le(&b, &c) && c) {
		if (c > 0x7E || c < 0x20 || n + 1 >= max)
			return false;
		out[n++] = (char)c;
	}
	out[n] = 0;
	return true;
}

/* Text up to its first NUL: tpm2-tools prints these with %.*s. */
static void t2_text(tcg_yaml *y, tcg_buf b)
{
	size_t n = 0;
	while (n < b.len && b.p[n])
		n++;
	tcg_yaml_str(y, (const char *)b.p, n);
}

/*
 * EV_IPL and SbatLevel text as tpm2-tools writes it: one line per line of the
 * data (a final newline ends the last line), each in double quotes with NUL,
 * control characters, quote and backslash written as C escapes, the lines
 * kept in a literal block, so a reader gets the quotes and escapes as text.
 */
static void t2_escaped_lines(tcg_yaml *y, tcg_buf b)
{
	size_t n = 0;
	char *s;
	/* At most 2 bytes per input byte, 3 per line (quotes, newline). */
	if (b.len > (SIZE_MAX - 8) / 4 || !(s = malloc(b.len * 4 + 8))) {
		tcg_yaml_fail_nomem(y);
		return;
	}
	s[n++] = '"';
	for (size_t j = 0; j < b.len; j++) {
		char esc = 0;
		if (b.p[j] == '\n') {
			s[n++] = '"';
			if (j + 1 < b.len) {
				s[n++] = '\n';
				s[n++] = '"';
			}
			continue;
		}
		switch (b.p[j]) {
		case '\0': esc = '0'; break;
		case '\a': esc = 'a'; break;
		case '\b': esc = 'b'; break;
		case '\t': esc = 't'; break;
		case '\v': esc = 'v'; break;
		case '\f': esc = 'f'; break;
		case '\r': esc = 'r'; break;
		case 0x1b: esc = 'e'; break;
		case '\'': esc = '\''; break;
		case '\\': esc = '\\'; break;
		}
		if (esc) {
			s[n++] = '\\';
			s[n++] = esc;
		} else {
			s[n++] = (char)b.p[j];
		}
	}
	if (!b.len || b.p[b.len - 1] != '\n')
		s[n++] = '"';
	tcg_yaml_str(y, s, n);
	free(s);
}

static void t2_hex(tcg_yaml *y, tcg_buf b) { tcg_yaml_hex(y, b.p, b.len); }

/* EFI_SIGNATURE_LISTs as tpm2-tools walks them: to the end of the event. */
static void t2_siglists(tcg_yaml *y, tcg_buf rest)
{
	tcg_buf peek = rest;
	const uint8_t *g;
	uint32_t ls, hs, ss;
	/* tpm2-tools writes an empty key when the first header is short or bad. */
	if (!(tcg_buf_bytes(&peek, 16, &g) && tcg_buf_u32le(&peek, &ls) &&
	      tcg_buf_u32le(&peek, &hs) && tcg_buf_u32le(&peek, &ss) && ss >= 16)) {
		tcg_yaml_null(y);
		return;
	}
	tcg_yaml_seq_start(y);
	while (rest.len) {
		tcg_buf list, hdr = rest;
		if (!(tcg_buf_bytes(&hdr, 16, &g) && tcg_buf_u32le(&hdr, &ls) &&
		      tcg_buf_u32le(&hdr, &hs) && tcg_buf_u32le(&hdr, &ss)) ||
		    ss < 16)
			break;
		tcg_yaml_map_start(y);
		tcg_yaml_kv_guid(y, "SignatureType", g);
		tcg_yaml_kv_u64(y, "SignatureListSize", ls);
		tcg_yaml_kv_u64(y, "SignatureHeaderSize", hs);
		tcg_yaml_kv_u64(y, "SignatureSize", ss);
		tcg_yaml_key(y, "Keys");
		/* The list's signatures: whole, inside the list and the event. */
		bool whole = tcg_buf_sub(&rest, ls, &list) && tcg_buf_skip(&list, 28) &&
		             tcg_buf_skip(&list, hs) && list.len >= ss && list.len % ss == 0;
		if (!whole) {
			tcg_yaml_null(y);
			tcg_yaml_map_end(y);
			break;
		}
		tcg_yaml_seq_start(y);
		while (list.len) {
			tcg_buf sig;
			const uint8_t *owner;
			tcg_buf_sub(&list, ss, &sig);
			tcg_buf_bytes(&sig, 16, &owner);
			tcg_yaml_map_start(y);
			tcg_yaml_kv_guid(y, "SignatureOwner", owner);
			tcg_yaml_kv_hex(y, "SignatureData", sig.p, sig.len);
			tcg_yaml_map_end(y);
		}
		tcg_yaml_seq_end(y);
		tcg_yaml_map_end(y);
	}
	tcg_yaml_seq_end(y);
}

/* 'Yes' / 'No' from a one-byte variable (SecureBoot, MokListTrusted); false when longer. */
static bool t2_enabled(tcg_yaml *y, tcg_buf data)
{
	if (data.len > 1)
		return false;
	tcg_yaml_map_start(y);
	tcg_yaml_key(y, "Enabled");
	tcg_yaml_squoted(y, data.len && data.p[0] ? "Yes" : "No");
	tcg_yaml_map_end(y);
	return true;
}

static bool is_boot_option(const char *n)
{
	if (strlen(n) != 8 || strncmp(n, "Boot", 4))
		return false;
	for (int i = 4; i < 8; i++)
		if (!strchr("0123456789abcdefABCDEF", n[i]))
			return false;
	return true;
}

/* EFI_LOAD_OPTION: false when the description has no end inside the data. */
static bool t2_load_option(tcg_yaml *y, tcg_buf data)
{
	tcg_buf b = data, desc;
	uint32_t attrs;
	uint16_t fpl, c = 1;
	if (!tcg_buf_u32le(&b, &attrs) || !tcg_buf_u16le(&b, &fpl))
		return false;
	desc = b;
	while (c && tcg_buf_u16le(&b, &c))
		;
	if (c)
		return false;
	desc.len -= b.len;
	tcg_yaml_map_start(y);
	tcg_yaml_key(y, "Enabled");
	tcg_yaml_squoted(y, attrs & 1 ? "Yes" : "No");
	tcg_yaml_kv_u64(y, "FilePathListLength", fpl);
	tcg_yaml_key(y, "Description");
	tcg_yaml_utf16(y, desc.p, desc.len);
	/* The file path list and the optional data after it, as one hex string. */
	tcg_yaml_kv_hex(y, "DevicePath", b.p, b.len);
	tcg_yaml_map_end(y);
	return true;
}

/* The VariableData value, or false when tpm2-tools prints it as hex (or fails). */
static bool t2_var_data(tcg_yaml *y, uint32_t type, const char *name, tcg_buf data,
                        tcg_buf rest)
{
	if (type == EV_EFI_VARIABLE_DRIVER_CONFIG) {
		if (!strcmp(name, "PK") || !strcmp(name, "KEK") || !strcmp(name, "db") ||
		    !strcmp(name, "dbx")) {
			tcg_yaml_key(y, "VariableData");
			t2_siglists(y, rest);
			return true;
		}
		if (!strcmp(name, "SecureBoot") && data.len <= 1) {
			tcg_yaml_key(y, "VariableData");
			return t2_enabled(y, data);
		}
	} else if (type == EV_EFI_VARIABLE_AUTHORITY) {
		if (!strcmp(name, "MokListTrusted") && data.len <= 1) {
			tcg_yaml_key(y, "VariableData");
			return t2_enabled(y, data);
		}
		const uint8_t *owner;
		tcg_buf sig = data;
		if ((!strcmp(name, "db") || !strcmp(name, "Shim")) && tcg_buf_bytes(&sig, 16, &owner)) {
			tcg_yaml_key(y, "VariableData");
			tcg_yaml_seq_start(y);
			tcg_yaml_map_start(y);
			tcg_yaml_kv_guid(y, "SignatureOwner", owner);
			tcg_yaml_kv_hex(y, "SignatureData", sig.p, sig.len);
			tcg_yaml_map_end(y);
			tcg_yaml_seq_end(y);
			return true;
		}
		if (!strcmp(name, "SbatLevel")) {
			tcg_yaml_key(y, "VariableData");
			tcg_yaml_map_start(y);
			tcg_yaml_key(y, "String");
			t2_escaped_lines(y, data);
			tcg_yaml_map_end(y);
			return true;
		}
	} else if (type == EV_EFI_VARIABLE_BOOT || type == EV_EFI_VARIABLE_BOOT2) {
		if (!strcmp(name, "BootOrder") && data.len % 2 == 0) {
			tcg_yaml_key(y, "VariableData");
			if (!data.len) {
				tcg_yaml_null(y);
				return true;
			}
			tcg_yaml_seq_start(y);
			uint16_t n;
			while (tcg_buf_u16le(&data, &n)) {
				char s[16];
				snprintf(s, sizeof s, "Boot%04x", n);
				tcg_yaml_plain(y, s);
			}
			tcg_yaml_seq_end(y);
			return true;
		}
		if (is_boot_option(name)) {
			tcg_buf probe = data;
			uint32_t a;
			uint16_t f, c = 1;
			bool ends = tcg_buf_u32le(&probe, &a) && tcg_buf_u16le(&probe, &f);
			while (ends && c && tcg_buf_u16le(&probe, &c))
				;
			if (ends && !c) {
				tcg_yaml_key(y, "VariableData");
				return t2_load_option(y, data);
			}
		}
	}
	return false;
}

/* UEFI_VARIABLE_DATA; false when the event is too short for its own sizes. */
static bool t2_variable(tcg_yaml *y, uint32_t type, tcg_buf b)
{
	const uint8_t *guid;
	uint64_t nlen, dlen;
	tcg_buf name, data, rest;
	char ascii[64];
	if (!(tcg_buf_bytes(&b, 16, &guid) && tcg_buf_u64le(&b, &nlen) &&
	      tcg_buf_u64le(&b, &dlen) && nlen <= b.len / 2 && tcg_buf_sub(&b, nlen * 2, &name)))
		return false;
	rest = b;
	if (!tcg_buf_sub64(&b, dlen, &data))
		return false;
	tcg_yaml_map_start(y);
	tcg_yaml_kv_guid(y, "VariableName", guid);
	tcg_yaml_kv_u64(y, "UnicodeNameLength", nlen);
	tcg_yaml_kv_u64(y, "VariableDataLength", dlen);
	tcg_yaml_key(y, "UnicodeName");
	tcg_yaml_utf16(y, name.p, name.len);
	if (!(ascii_name(name, ascii, sizeof ascii) && t2_var_data(y, type, ascii, data, rest)) &&
	    data.len)
		tcg_yaml_kv_hex(y, "VariableData", data.p, data.len);
	tcg_yaml_map_end(y);
	return true;
}

static void t2_blob_fields(tcg_yaml *y, uint64_t base, uint64_t len)
{
	tcg_yaml_kv_hex64(y, "BlobBase", base);
	tcg_yaml_kv_hex64(y, "BlobLength", len);
}

static bool t2_blob(tcg_yaml *y, tcg_buf b)
{
	uint64_t base, len;
	if (!tcg_buf_u64le(&b, &base) || !tcg_buf_u64le(&b, &len))
		return false;
	tcg_yaml_map_start(y);
	t2_blob_fields(y, base, len);
	tcg_yaml_map_end(y);
	return true;
}

static bool t2_blob2(tcg_yaml *y, tcg_buf b)
{
	uint8_t n;
	tcg_buf desc;
	uint64_t base, len;
	if (!(tcg_buf_u8(&b, &n) && tcg_buf_sub(&b, n, &desc) && tcg_buf_u64le(&b, &base) &&
	      tcg_buf_u64le(&b, &len)))
		return false;
	tcg_yaml_map_start(y);
	tcg_yaml_kv_u64(y, "BlobDescriptionSize", n);
	tcg_yaml_kv_hex(y, "BlobDescription", desc.p, desc.len);
	t2_blob_fields(y, base, len);
	tcg_yaml_map_end(y);
	return true;
}

static bool t2_image_load(tcg_yaml *y, tcg_buf b)
{
	uint64_t loc, len, link, dplen;
	if (!(tcg_buf_u64le(&b, &loc) && tcg_buf_u64le(&b, &len) && tcg_buf_u64le(&b, &link) &&
	      tcg_buf_u64le(&b, &dplen)))
		return false;
	tcg_yaml_map_start(y);
	tcg_yaml_kv_hex64(y, "ImageLocationInMemory", loc);
	tcg_yaml_kv_u64(y, "ImageLengthInMemory", len);
	tcg_yaml_kv_hex64(y, "ImageLinkTimeAddress", link);
	tcg_yaml_kv_u64(y, "LengthOfDevicePath", dplen);
	/* The rest of the event, whatever LengthOfDevicePath says. */
	tcg_yaml_kv_hex(y, "DevicePath", b.p, b.len);
	tcg_yaml_map_end(y);
	return true;
}

#define GPT_ENTRY_SIZE 128 /* tpm2-tools' own, whatever SizeOfPartitionEntry says */

static bool t2_gpt(tcg_yaml *y, tcg_buf b)
{
	tcg_buf h = b, sig;
	uint32_t rev, hsize, hcrc, nent, esize, acrc;
	uint64_t my, alt, first, last, elba, nparts;
	const uint8_t *disk;
	if (!(tcg_buf_sub(&h, 8, &sig) && tcg_buf_u32le(&h, &rev) && tcg_buf_u32le(&h, &hsize) &&
	      tcg_buf_u32le(&h, &hcrc) && tcg_buf_skip(&h, 4) && tcg_buf_u64le(&h, &my) &&
	      tcg_buf_u64le(&h, &alt) && tcg_buf_u64le(&h, &first) && tcg_buf_u64le(&h, &last) &&
	      tcg_buf_bytes(&h, 16, &disk) && tcg_buf_u64le(&h, &elba) &&
	      tcg_buf_u32le(&h, &nent) && tcg_buf_u32le(&h, &esize) && tcg_buf_u32le(&h, &acrc) &&
	      tcg_buf_u64le(&h, &nparts)))
		return false;
	/* tpm2-tools stops on a partition array that does not fill the event exactly. */
	if (nparts > h.len / GPT_ENTRY_SIZE || h.len != nparts * GPT_ENTRY_SIZE)
		return false;
	tcg_yaml_map_start(y);
	tcg_yaml_key(y, "Header");
	tcg_yaml_map_start(y);
	tcg_yaml_key(y, "Signature");
	t2_text(y, sig);
	tcg_yaml_kv_hex64(y, "Revision", rev);
	tcg_yaml_kv_u64(y, "HeaderSize", hsize);
	tcg_yaml_kv_hex64(y, "HeaderCRC32", hcrc);
	tcg_yaml_kv_hex64(y, "MyLBA", my);
	tcg_yaml_kv_hex64(y, "AlternateLBA", alt);
	tcg_yaml_kv_hex64(y, "FirstUsableLBA", first);
	tcg_yaml_kv_hex64(y, "LastUsableLBA", last);
	tcg_yaml_kv_guid(y, "DiskGUID", disk);
	tcg_yaml_kv_hex64(y, "PartitionEntryLBA", elba);
	tcg_yaml_kv_u64(y, "NumberOfPartitionEntry", nent);
	tcg_yaml_kv_u64(y, "SizeOfPartitionEntry", esize);
	tcg_yaml_kv_hex64(y, "PartitionEntryArrayCRC32", acrc);
	tcg_yaml_map_end(y);
	tcg_yaml_kv_u64(y, "NumberOfPartitions", nparts);
	tcg_yaml_key(y, "Partitions");
	if (!nparts)
		tcg_yaml_null(y);
	else
		tcg_yaml_seq_start(y);
	for (uint64_t i = 0; i < nparts; i++) {
		const uint8_t *tg, *ug;
		uint64_t s, e, a;
		/* the size check above makes every read succeed; set for the
		 * compiler, which cannot see that through the inlined reads */
		tcg_buf name = tcg_buf_init(NULL, 0);
		tcg_buf_bytes(&h, 16, &tg);
		tcg_buf_bytes(&h, 16, &ug);
		tcg_buf_u64le(&h, &s);
		tcg_buf_u64le(&h, &e);
		tcg_buf_u64le(&h, &a);
		tcg_buf_sub(&h, 72, &name);
		tcg_yaml_map_start(y);
		tcg_yaml_kv_guid(y, "PartitionTypeGUID", tg);
		tcg_yaml_kv_guid(y, "UniquePartitionGUID", ug);
		tcg_yaml_kv_hex64(y, "StartingLBA", s);
		tcg_yaml_kv_hex64(y, "EndingLBA", e);
		tcg_yaml_kv_hex64(y, "Attributes", a);
		tcg_yaml_key(y, "PartitionName");
		tcg_yaml_utf16(y, name.p, name.len);
		tcg_yaml_map_end(y);
	}
	if (nparts)
		tcg_yaml_seq_end(y);
	tcg_yaml_map_end(y);
	return true;
}

static bool t2_no_action(tcg_yaml *y, tcg_buf b)
{
	static const char sl[16] = "StartupLocality";
	if (b.len <= sizeof sl || memcmp(b.p, sl, sizeof sl))
		return false;
	tcg_yaml_map_start(y);
	tcg_yaml_kv_u64(y, "StartupLocality", b.p[sizeof sl]);
	tcg_yaml_map_end(y);
	return true;
}

/* The Event value; event data that tpm2-tools would not decode is hex. */
static void t2_event_data(tcg_yaml *y, const tcg_log *log, const tcg_event *e)
{
	tcg_buf b = tcg_buf_init(tcg_event_data(log, e), e->size);
	bool done = false;
	switch (e->type) {
	case EV_EFI_VARIABLE_DRIVER_CONFIG:
	case EV_EFI_VARIABLE_BOOT:
	case EV_EFI_VARIABLE_BOOT2:
	case EV_EFI_VARIABLE_AUTHORITY:
		done = t2_variable(y, e->type, b);
		break;
	case EV_POST_CODE:
		if (b.len == 16)
			done = t2_blob(y, b);
		else
			t2_text(y, b), done = true;
		break;
	case EV_S_CRTM_CONTENTS:
	case EV_EFI_PLATFORM_FIRMWARE_BLOB:
		done = t2_blob(y, b);
		break;
	case EV_EFI_PLATFORM_FIRMWARE_BLOB2:
		done = t2_blob2(y, b);
		break;
	case EV_EFI_ACTION:
		t2_text(y, b);
		done = true;
		break;
	case EV_IPL:
		tcg_yaml_map_start(y);
		tcg_yaml_key(y, "String");
		t2_escaped_lines(y, b);
		tcg_yaml_map_end(y);
		done = true;
		break;
	case EV_EFI_BOOT_SERVICES_APPLICATION:
	case EV_EFI_BOOT_SERVICES_DRIVER:
	case EV_EFI_RUNTIME_SERVICES_DRIVER:
		done = t2_image_load(y, b);
		break;
	case EV_EFI_GPT_EVENT:
		done = t2_gpt(y, b);
		break;
	case EV_NO_ACTION:
		done = t2_no_action(y, b);
		break;
	}
	if (!done)
		t2_hex(y, b);
}

static void t2_event(tcg_yaml *y, const tcg_log *log, const tcg_event *e, const tcg_dump_opts *o)
{
	tcg_yaml_map_start(y);
	tcg_yaml_kv_u64(y, "EventNum", tcg_event_number(log, e));
	tcg_yaml_key(y, "PCRIndex");
	if (e->pcr == TCG_PCR_NONE)
		tcg_yaml_plain(y, "-1");
	else
		tcg_yaml_u64(y, e->pcr);
	tcg_yaml_key(y, "EventType");
	tcg_yaml_plain(y, tpm2_names_type(e->type) ? tcg_event_type_name(e->type)
	                                           : "Unknown event type");
	if (e->header) {
		tcg_yaml_kv_hex(y, "Digest", tcg_event_digest(log, e, 0), 20);
		tcg_yaml_kv_u64(y, "EventSize", e->size);
		tcg_yaml_key(y, "SpecID");
		dump_specid(y, log);
		tcg_yaml_map_end(y);
		return;
	}
	dump_digests(y, log, e, o);
	tcg_yaml_kv_u64(y, "EventSize", e->size);
	/* tpm2-tools writes no Event key for empty event data. */
	if (e->size) {
		tcg_yaml_key(y, "Event");
		t2_event_data(y, log, e);
	}
	tcg_yaml_map_end(y);
}

/* tpm2_eventlog's layout: "0: 0x78f3..." (plain, so YAML 1.1 reads an integer). */
static void t2_pcrs(tcg_yaml *y, const tcg_replay_result *r, const tcg_dump_opts *o)
{
	tcg_yaml_key(y, "pcrs");
	tcg_yaml_map_start(y);
	for (size_t i = 0; i < r->pcrs.num_banks; i++) {
		const tcg_pcr_bank *b = &r->pcrs.bank[i];
		if (!bank_wanted(o, b->alg))
			continue;
		alg_value(y, b->alg);
		tcg_yaml_map_start(y);
		for (uint32_t p = 0; p < TCG_NUM_PCRS; p++) {
			char v[2 + 2 * TCG_MAX_DIGEST + 1] = "0x";
			if (!(r->extended & b->present & (1u << p)) || b->size > TCG_MAX_DIGEST)
				continue;
			for (size_t k = 0; k < b->size; k++)
				snprintf(v + 2 + 2 * k, 3, "%02x", b->value[p][k]);
			tcg_yaml_u64(y, p);
			tcg_yaml_plain(y, v);
		}
		tcg_yaml_map_end(y);
	}
	tcg_yaml_map_end(y);
}

/* The PCRs the log extends, of the banks asked for, in the one PCR layout;
 * r is left with only those. */
static void dump_pcrs(tcg_yaml *y, tcg_replay_result *r, const tcg_dump_opts *o)
{
	size_t kept = 0;
	for (size_t i = 0; i < r->pcrs.num_banks; i++) {
		if (!bank_wanted(o, r->pcrs.bank[i].alg))
			continue;
		r->pcrs.bank[kept] = r->pcrs.bank[i];
		r->pcrs.bank[kept++].present &= r->extended;
	}
	r->pcrs.num_banks = kept;
	tcg_yaml_key(y, "pcrs");
	tcg_pcrs_write(y, &r->pcrs);
}

tcg_rc tcg_dump_yaml(const tcg_log *log, const tcg_dump_opts *opts, FILE *out, tcg_err *err)
{
	static const tcg_dump_opts defaults;
	const tcg_dump_opts *o = opts ? opts : &defaults;
	tcg_replay_result *r = malloc(sizeof *r);
	tcg_hasher *h = tcg_hasher_new();
	tcg_yaml *y = NULL;
	unsigned quirks = tcg_log_quirks(log);
	tcg_rc rc;

	if (!r || !h) {
		rc = tcg_err_set(err, TCG_E_NOMEM, "out-of-memory", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "no memory");
		goto out;
	}
	/* A bank asked for and absent: refused, as tcglog-replay does, not an empty dump. */
	for (size_t i = 0; i < o->num_banks; i++)
		if (tcg_log_bank_index(log, o->banks[i]) < 0) {
			const char *name = tcg_alg_name(o->banks[i]);
			rc = tcg_err_set(err, TCG_E_USAGE, "pcr-bank-missing", TCG_NO_OFFSET,
			                 TCG_NO_EVENT, "the log carries no %s bank",
			                 name ? name : "such");
			goto out;
		}
	/* Replay first: a log whose records break the replay rules prints nothing. */
	if ((rc = tcg_replay(log, h, r, err)))
		goto out;
	y = o->json ? tcg_yaml_new_json(out) : tcg_yaml_new(out);
	if (!y) {
		rc = tcg_err_set(err, TCG_E_NOMEM, "out-of-memory", TCG_NO_OFFSET, TCG_NO_EVENT,
		                 "no memory");
		goto out;
	}
	tcg_yaml_map_start(y);
	tcg_yaml_kv_u64(y, "version", 2);
	if (o->tpm2_tools) {
		tcg_yaml_key(y, "events");
		tcg_yaml_seq_start(y);
		for (size_t i = 0; i < tcg_log_num_events(log); i++) {
			const tcg_event *e = tcg_log_event(log, i);
			if (event_wanted(o, e))
				t2_event(y, log, e, o);
		}
		tcg_yaml_seq_end(y);
		t2_pcrs(y, r, o);
		tcg_yaml_map_end(y);
		rc = tcg_yaml_finish(y, err);
		goto out;
	}
	tcg_yaml_key(y, "format");
	tcg_yaml_plain(y, tcg_log_is_cc(log) ? "cc-event-log"
	                  : tcg_log_get_format(log) == TCG_FMT_AGILE ? "crypto-agile" : "sha1");
	tcg_yaml_key(y, "banks");
	tcg_yaml_seq_start(y);
	for (size_t i = 0; i < tcg_log_num_banks(log); i++)
		alg_value(y, tcg_log_bank(log, i).alg);
	tcg_yaml_seq_end(y);
	tcg_yaml_key(y, "quirks");
	tcg_yaml_seq_start(y);
	for (unsigned q = 1; q; q <<= 1) {
		if (!(quirks & q))
			continue;
		tcg_yaml_map_start(y);
		tcg_yaml_key(y, "name");
		tcg_yaml_plain(y, tcg_quirk_name(q));
		if (q == TCG_QUIRK_TRAILING_PADDING) {
			tcg_yaml_kv_u64(y, "offset", tcg_log_padding_offset(log));
			tcg_yaml_kv_u64(y, "length", tcg_log_padding_length(log));
		}
		tcg_yaml_map_end(y);
	}
	tcg_yaml_seq_end(y);
	tcg_yaml_key(y, "events");
	tcg_yaml_seq_start(y);
	for (size_t i = 0; i < tcg_log_num_events(log); i++) {
		const tcg_event *e = tcg_log_event(log, i);
		if (event_wanted(o, e))
			dump_event(y, log, e, o, h);
	}
	tcg_yaml_seq_end(y);
	dump_pcrs(y, r, o);
	tcg_yaml_map_end(y);
	rc = tcg_yaml_finish(y, err);
out:
	tcg_hasher_free(h);
	free(r);
	return rc;
}
