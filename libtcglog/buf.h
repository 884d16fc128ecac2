/*
 * Bounded reader over untrusted bytes. Every read checks what remains first;
 * nothing else in the library does pointer arithmetic on input.
 */
#ifndef TCGLOG_BUF_H
#define TCGLOG_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcglog/digest.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
	const uint8_t *p;
	size_t len;     /* bytes remaining */
	uint64_t base;  /* offset of p in the outermost input, for error messages */
} tcg_buf;

static inline tcg_buf tcg_buf_init(const uint8_t *p, size_t len)
{
	tcg_buf b = { p, len, 0 };
	return b;
}

static inline size_t tcg_buf_left(const tcg_buf *b) { return b->len; }
static inline uint64_t tcg_buf_offset(const tcg_buf *b) { return b->base; }

/* Inline, with the reads a log's walk makes most (every event's and SIPA
 * item's framing): a call each cost more than the read. */
static inline bool tcg_buf_skip(tcg_buf *b, size_t n)
{
	if (n > b->len)
		return false;
	b->p += n;
	b->len -= n;
	b->base += n;
	return true;
}
bool tcg_buf_bytes(tcg_buf *b, size_t n, const uint8_t **out);
/* Split the next n bytes off into sub (offsets preserved). */
static inline bool tcg_buf_sub(tcg_buf *b, size_t n, tcg_buf *sub)
{
	if (n > b->len)
		return false;
	sub->p = b->p;
	sub->len = n;
	sub->base = b->base;
	return tcg_buf_skip(b, n);
}
/* n is a 64-bit length read from input: refuse it rather than truncate it. */
bool tcg_buf_sub64(tcg_buf *b, uint64_t n, tcg_buf *sub);
bool tcg_buf_u8(tcg_buf *b, uint8_t *v);
bool tcg_buf_u16le(tcg_buf *b, uint16_t *v);
static inline bool tcg_buf_u32le(tcg_buf *b, uint32_t *v)
{
	if (b->len < 4)
		return false;
	*v = (uint32_t)b->p[0] | (uint32_t)b->p[1] << 8 | (uint32_t)b->p[2] << 16 |
	     (uint32_t)b->p[3] << 24;
	return tcg_buf_skip(b, 4);
}
bool tcg_buf_u64le(tcg_buf *b, uint64_t *v);
bool tcg_buf_u16be(tcg_buf *b, uint16_t *v);
bool tcg_buf_u32be(tcg_buf *b, uint32_t *v);
bool tcg_buf_u64be(tcg_buf *b, uint64_t *v);
/* tcg_hex_decode is public (digest.h). */
/* Exactly n hex digits, no prefix; out may be NULL to only check them. */
bool tcg_hex_decode_n(const char *s, size_t n, uint8_t *out, size_t max, size_t *len);

/* Look at the next n bytes without consuming them. */
bool tcg_buf_peek(const tcg_buf *b, size_t n, const uint8_t **out);

#ifdef __cplusplus
}
#endif
#endif
