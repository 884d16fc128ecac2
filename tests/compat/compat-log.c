/*
 * Writes the small logs on which tpm2-tools 5.4 is wrong, for compat.sh:
 * compat-log KIND > FILE, KIND one of
 *   secureboot2    SecureBoot variable with 2 data bytes (tpm2_eventlog stops)
 *   bootorder-odd  BootOrder with 3 data bytes (tpm2_eventlog stops)
 *   big-event      1500 bytes of EV_PLATFORM_CONFIG_FLAGS data, i % 251
 *                  (tpm2_eventlog cuts the hex after 1024 bytes)
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "writer.h"

static const uint8_t global_var[16] = { 0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11,
	                                0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c };

/* UEFI_VARIABLE_DATA for an ASCII name into out; its length. */
static size_t variable(uint8_t *out, const char *name, const uint8_t *data, uint64_t dlen)
{
	uint64_t nlen = strlen(name);
	size_t n = 0;
	memcpy(out, global_var, 16);
	n += 16;
	for (int i = 0; i < 8; i++)
		out[n++] = (uint8_t)(nlen >> (8 * i));
	for (int i = 0; i < 8; i++)
		out[n++] = (uint8_t)(dlen >> (8 * i));
	for (size_t i = 0; i < nlen; i++) {
		out[n++] = (uint8_t)name[i];
		out[n++] = 0;
	}
	memcpy(out + n, data, dlen);
	return n + dlen;
}

int main(int argc, char **argv)
{
	static const uint16_t algs[] = { TCG_ALG_SHA1, TCG_ALG_SHA256 };
	static const uint8_t two[2] = { 1, 1 }, three[3] = { 1, 0, 2 };
	uint8_t ev[2048];
	size_t len;
	const uint8_t *p;
	tcg_writer *w = tcg_writer_new(TCG_FMT_AGILE, algs, 2);

	if (argc != 2 || !w)
		return 2;
	if (!strcmp(argv[1], "secureboot2")) {
		len = variable(ev, "SecureBoot", two, sizeof two);
		tcg_writer_event(w, 7, 0x80000001, NULL, ev, len);
	} else if (!strcmp(argv[1], "bootorder-odd")) {
		len = variable(ev, "BootOrder", three, sizeof three);
		tcg_writer_event(w, 1, 0x80000002, NULL, ev, len);
	} else if (!strcmp(argv[1], "big-event")) {
		for (size_t i = 0; i < 1500; i++)
			ev[i] = (uint8_t)(i % 251);
		tcg_writer_event(w, 1, 0xA, NULL, ev, 1500);
	} else {
		tcg_writer_free(w);
		return 2;
	}
	p = tcg_writer_data(w, &len);
	fwrite(p, 1, len, stdout);
	tcg_writer_free(w);
	return fflush(stdout) ? 3 : 0;
}
