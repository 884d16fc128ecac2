#include "buf.h"

#include <string.h>

bool tcg_buf_bytes(tcg_buf *b, size_t n, const uint8_t **out)
{
	if (n > b->len)
		return false;
	*out = b->p;
	return tcg_buf_skip(b, n);
}

bool tcg_buf_peek(const tcg_buf *b, size_t n, const uint8_t **out)
{
	if (n > b->len)
		return false;
	*out = b->p;
	return true;
}

bool tcg_buf_sub64(tcg_buf *b, uint64_t n, tcg_buf *sub)
{
	if (n > (uint64_t)b->len)
		return false;
	return tcg_buf_sub(b, (size_t)n, sub);
}

bool tcg_buf_u8(tcg_buf *b, uint8_t *v)
{
	if (b->len < 1)
		return false;
	*v = b->p[0];
	return tcg_buf_skip(b, 1);
}

bool tcg_buf_u16le(tcg_buf *b, uint16_t *v)
{
	if (b->len < 2)
		return false;
	*v = (uint16_t)(b->p[0] | (b->p[1] << 8));
	return tcg_buf_skip(b, 2);
}

bool tcg_buf_u64le(tcg_buf *b, uint64_t *v)
{
	uint32_t lo, hi;
	if (b->len < 8)
		return false;
	tcg_buf_u32le(b, &lo);
	tcg_buf_u32le(b, &hi);
	*v = (uint64_t)hi << 32 | lo;
	return true;
}

bool tcg_buf_u16be(tcg_buf *b, uint16_t *v)
{
	if (b->len < 2)
		return false;
	*v = (uint16_t)(b->p[0] << 8 | b->p[1]);
	return tcg_buf_skip(b, 2);
}

bool tcg_buf_u32be(tcg_buf *b, uint32_t *v)
{
	if (b->len < 4)
		return false;
	*v = (uint32_t)b->p[0] << 24 | (uint32_t)b->p[1] << 16 | (uint32_t)b->p[2] << 8 |
	     (uint32_t)b->p[3];
	return tcg_buf_skip(b, 4);
}

bool tcg_buf_u64be(tcg_buf *b, uint64_t *v)
{
	uint32_t hi, lo;
	if (b->len < 8)
		return false;
	tcg_buf_u32be(b, &hi);
	tcg_buf_u32be(b, &lo);
	*v = (uint64_t)hi << 32 | lo;
	return true;
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool tcg_hex_decode_n(const char *s, size_t n, uint8_t *out, size_t max, size_t *len)
{
	if (n % 2 || n / 2 > max)
		return false;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hex_nibble(s[2 * i]), lo = hex_nibble(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		if (out)
			out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return true;
}

bool tcg_hex_decode(const char *s, uint8_t *out, size_t max, size_t *len)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	return tcg_hex_decode_n(s, strlen(s), out, max, len);
}
