/*
 * The formats the result writers (tcg_ekcert_result_write,
 * tcg_quote_result_write, tcg_replay_write, ...) write a document in.
 */
#ifndef TCGLOG_OUTPUT_H
#define TCGLOG_OUTPUT_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
	TCG_OUT_YAML, /* one YAML document ("---" first) */
	TCG_OUT_JSON, /* the same document as one line of JSON */
} tcg_out_format;

#ifdef __cplusplus
}
#endif
#endif
