/*
 * libFuzzer target for the Windows SIPA walker (tcg_sipa_walk): arbitrary
 * bytes as the data of an EV_EVENT_TAG event, walked with a visitor that
 * touches every byte it is given, so ASan sees any read past the input.
 */
#include <stdint.h>
#include <stdlib.h>

#include "tcglog/claims.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int enter(void *ctx, uint32_t id, unsigned depth)
{
	(void)id;
	if (depth > 8)
		abort(); /* the walker promises TCG_SIPA_MAX_DEPTH */
	++*(unsigned *)ctx;
	return 0;
}

static int item(void *ctx, uint32_t id, const uint8_t *p, size_t len, unsigned depth)
{
	unsigned sum = id + depth;
	for (size_t i = 0; i < len; i++)
		sum += p[i];
	*(unsigned *)ctx += sum;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const tcg_sipa_visitor v = { enter, NULL, item };
	unsigned acc = 0;
	tcg_err err;
	/* Copy so the input ends exactly where the heap block does. */
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	for (size_t i = 0; i < size; i++)
		copy[i] = data[i];
	(void)tcg_sipa_walk(copy, size, &v, &acc, &err);
	free(copy);
	return 0;
}
