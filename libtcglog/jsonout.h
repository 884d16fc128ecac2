/*
 * The JSON side of tcg_yaml (yamlout.h): the same calls build a json-c tree,
 * written as one line per document (JSON Lines on streams). Private.
 * Each call returns NULL, or the problem that fails the output.
 */
#ifndef TCGLOG_JSONOUT_H
#define TCGLOG_JSONOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct tcg_json tcg_json;

tcg_json *tcg_json_new(void);
void tcg_json_free(tcg_json *j);
const char *tcg_json_start(tcg_json *j, bool map);
const char *tcg_json_end(tcg_json *j, bool map);
/* UTF-8 text; plain text is typed as a YAML reader types it (true, false,
 * null or empty, decimal and 0x integers), anything else is a string. */
const char *tcg_json_scalar(tcg_json *j, const char *text, size_t len, bool plain);
/* The document and a newline. */
const char *tcg_json_write(tcg_json *j, FILE *out);

#endif
