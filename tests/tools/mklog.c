/* Writes small logs for the tool tests with the library's writer. Usage: mklog KIND > FILE */
#include <stdio.h>
#include <string.h>

#include "writer.h"

int main(int argc, char **argv)
{
	static const uint16_t algs[] = { TCG_ALG_SHA1, TCG_ALG_SHA256 };
	static const uint8_t locality3[17] = "StartupLocality\0\3";
	tcg_writer *w = tcg_writer_new(TCG_FMT_AGILE, algs, 2);
	const uint8_t *p;
	size_t len;

	if (argc != 2 || !w)
		return 2;
	if (!strcmp(argv[1], "locality") || !strcmp(argv[1], "padded")) {
		tcg_writer_event(w, 0, 3, NULL, locality3, sizeof locality3);
		tcg_writer_event(w, 0, 8, NULL, "v\0", 2);
		tcg_writer_event(w, 7, 4, NULL, "\0\0\0\0", 4);
		tcg_writer_event(w, 4, 0x80000007, NULL, "Calling EFI Application from Boot Option", 40);
		tcg_writer_event(w, 0xFFFFFFFF, 3, NULL, "trust point", 11);
		if (!strcmp(argv[1], "padded")) {
			uint8_t pad[64];
			memset(pad, 0xFF, sizeof pad);
			tcg_writer_raw(w, pad, sizeof pad);
		}
	} else if (!strcmp(argv[1], "strings")) {
		/* Bytes YAML cannot hold raw: quotes, newlines, invalid UTF-8, NULs. */
		tcg_writer_event(w, 5, 0x80000007, NULL, "a\"b'c\n- key: x\xff\xfe\x00z", 16);
		tcg_writer_event(w, 8, 0xD, NULL, "grub_cmd: linux /vmlinuz ro\0", 29);
	} else {
		return 2;
	}
	p = tcg_writer_data(w, &len);
	fwrite(p, 1, len, stdout);
	tcg_writer_free(w);
	return fflush(stdout) ? 3 : 0;
}
