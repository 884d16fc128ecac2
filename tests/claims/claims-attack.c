/*
 * claims-attack MODE IN OUT: copy a Windows event log (SHA-1 layout, as the
 * GCP shielded VM log) with one evidence rule broken, for tcglog-claims tests.
 * Modes:
 *   sipa-flip       flip the CODEINTEGRITY byte of a PCR 12 SIPA event (digest kept)
 *   sep-action      retype the PCR 7 separator as EV_EFI_ACTION
 *   tag-pcr11       move the first PCR 12 EV_EVENT_TAG to PCR 11
 *   var-repeat      measure the PCR 7 "db" variable twice
 *   var-after-sep   move the SecureBoot variable after the PCR 7 separator
 *   wbcl-dup        repeat the PCR 12 WBCL separator
 *   pcr4-retype     follow the first PCR 4 boot application with a copy typed
 *                   EV_EFI_VARIABLE_BOOT (a PCR 4 event the profile refuses)
 *   db-cert-garbled re-tag the first certificate of the PCR 7 "db" variable so it is
 *                   no DER certificate (the signature list still parses; digest recomputed)
 *   copy            no change
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcglog/log.h"
#include "writer.h"

static const tcg_log *log_;

static int put(tcg_writer *w, const tcg_event *e, uint32_t pcr, uint32_t type,
               const uint8_t *data)
{
	const uint8_t *const d[1] = { tcg_event_digest(log_, e, 0) };
	return tcg_writer_event(w, pcr, type, d, data ? data : tcg_event_data(log_, e), e->size) ? -1 : 0;
}

static bool is_var(const tcg_event *e, const char *name)
{
	size_t n = strlen(name);
	if (e->pcr != 7 || e->type != 0x80000001u || e->size < 32 + 2 * n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (tcg_event_data(log_, e)[32 + 2 * i] != (uint8_t)name[i] || tcg_event_data(log_, e)[33 + 2 * i])
			return false;
	return tcg_event_data(log_, e)[16] == n;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The first X.509 entry's DER in a db variable's data, or 0. */
static size_t db_first_cert(const tcg_event *e)
{
	static const uint8_t x509[16] = { 0xa1, 0x59, 0xc0, 0xa5, 0xe4, 0x94, 0xa7, 0x4a,
		                          0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72 };
	size_t off = 32 + 2 * 2; /* GUID, two lengths, "db" */
	if (e->size < off + 28 + 16 + 1 || memcmp(tcg_event_data(log_, e) + off, x509, 16))
		return 0;
	uint32_t hdr = le32(tcg_event_data(log_, e) + off + 20);
	off += 28 + hdr + 16; /* the header, the owner GUID */
	return off < e->size && tcg_event_data(log_, e)[off] == 0x30 ? off : 0;
}

int main(int argc, char **argv)
{
	uint8_t *data;
	tcg_log *log;
	tcg_err err;
	if (argc != 4) {
		fputs("usage: claims-attack MODE IN OUT\n", stderr);
		return 2;
	}
	const char *mode = argv[1];
	if (tcg_log_load(argv[2], &data, &log, &err)) {
		fprintf(stderr, "claims-attack: %s: %s\n", argv[2], err.msg);
		return 2;
	}
	log_ = log;
	tcg_writer *w = tcg_writer_new(TCG_FMT_SHA1, NULL, 0);
	const tcg_event *sbvar = NULL;
	bool done = false;
	int rc = 0;
	for (size_t i = 0; i < tcg_log_num_events(log) && !rc; i++) {
		const tcg_event *e = tcg_log_event(log, i);
		if (!strcmp(mode, "sipa-flip") && !done && e->pcr == 12 && e->type == 6) {
			uint8_t *copy = malloc(e->size);
			memcpy(copy, tcg_event_data(log, e), e->size);
			for (size_t k = 0; k + 9 <= e->size; k++)
				if (!memcmp(copy + k, "\x02\x00\x05\x00\x01\x00\x00\x00", 8)) {
					copy[k + 8] ^= 1;
					done = true;
					break;
				}
			rc = put(w, e, e->pcr, e->type, copy);
			free(copy);
			continue;
		}
		if (!strcmp(mode, "sep-action") && !done && e->pcr == 7 && e->type == 4) {
			done = true;
			rc = put(w, e, e->pcr, 0x80000007u, NULL);
			continue;
		}
		if (!strcmp(mode, "pcr4-retype") && !done && e->pcr == 4 && e->type == 0x80000003u) {
			done = true;
			rc = put(w, e, e->pcr, e->type, NULL) || put(w, e, e->pcr, 0x80000002u, NULL);
			continue;
		}
		if (!strcmp(mode, "tag-pcr11") && !done && e->pcr == 12 && e->type == 6) {
			done = true;
			rc = put(w, e, 11, e->type, NULL);
			continue;
		}
		if (!strcmp(mode, "var-repeat") && !done && is_var(e, "db")) {
			done = true;
			rc = put(w, e, e->pcr, e->type, NULL);
		}
		if (!strcmp(mode, "db-cert-garbled") && !done && is_var(e, "db") && db_first_cert(e)) {
			uint8_t *copy = malloc(e->size);
			memcpy(copy, tcg_event_data(log, e), e->size);
			copy[db_first_cert(e)] = 0x31; /* a SET, not a certificate */
			done = true;
			/* hashed again: the data matches its digest, as firmware would measure it */
			rc = tcg_writer_event(w, e->pcr, e->type, NULL, copy, e->size) ? 1 : 0;
			free(copy);
			continue;
		}
		if (!strcmp(mode, "var-after-sep") && !done && is_var(e, "SecureBoot")) {
			sbvar = e;
			continue;
		}
		/* Secure Boot on, but no image verified by a db authority. */
		if (!strcmp(mode, "no-authority") && e->pcr == 7 && e->type == 0x800000E0u) {
			done = true;
			continue;
		}
		if (!strcmp(mode, "wbcl-dup") && !done && e->pcr == 12 && e->type == 4) {
			done = true;
			rc = put(w, e, e->pcr, e->type, NULL);
		}
		rc = rc ? rc : put(w, e, e->pcr, e->type, NULL);
		if (sbvar && e->pcr == 7 && e->type == 4) {
			done = true;
			rc = put(w, sbvar, sbvar->pcr, sbvar->type, NULL);
			sbvar = NULL;
		}
	}
	if (!done && strcmp(mode, "copy")) {
		fprintf(stderr, "claims-attack: %s: nothing to change in %s\n", mode, argv[2]);
		rc = 1;
	}
	size_t len;
	const uint8_t *out = tcg_writer_data(w, &len);
	FILE *f = rc ? NULL : fopen(argv[3], "wb");
	if (!rc && (!f || fwrite(out, 1, len, f) != len || fclose(f))) {
		fprintf(stderr, "claims-attack: cannot write %s\n", argv[3]);
		rc = 3;
	}
	tcg_writer_free(w);
	tcg_log_free(log);
	free(data);
	return rc ? 1 : 0;
}
