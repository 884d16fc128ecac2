#include "writer.h"

#include <stdlib.h>
#include <string.h>

struct tcg_writer {
	tcg_log_format fmt;
	size_t num_algs;
	uint16_t algs[TCG_MAX_BANKS];
	uint8_t *buf;
	size_t len, cap;
	tcg_hasher *h;
};

static tcg_rc put(tcg_writer *w, const void *p, size_t n)
{
	if (n > w->cap - w->len) {
		size_t cap = w->cap ? w->cap : 4096;
		while (cap - w->len < n) {
			if (cap > SIZE_MAX / 2)
				return TCG_E_NOMEM;
			cap *= 2;
		}
		uint8_t *nb = realloc(w->buf, cap);
		if (!nb)
			return TCG_E_NOMEM;
		w->buf = nb;
		w->cap = cap;
	}
	if (n)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
	return TCG_OK;
}

static tcg_rc put32(tcg_writer *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	return put(w, b, 4);
}

static tcg_rc put16(tcg_writer *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	return put(w, b, 2);
}

tcg_writer *tcg_writer_new(tcg_log_format fmt, const uint16_t *algs, size_t num_algs)
{
	static const uint8_t zero[20];
	tcg_writer *w;

	if (fmt == TCG_FMT_AGILE && (num_algs == 0 || num_algs > TCG_MAX_BANKS))
		return NULL;
	if (!(w = calloc(1, sizeof *w)) || !(w->h = tcg_hasher_new())) {
		free(w);
		return NULL;
	}
	w->fmt = fmt;
	if (fmt == TCG_FMT_SHA1) {
		w->num_algs = 1;
		w->algs[0] = TCG_ALG_SHA1;
		return w;
	}
	w->num_algs = num_algs;
	memcpy(w->algs, algs, num_algs * sizeof *algs);
	/* TCG_PCR_EVENT carrying TCG_EfiSpecIDEventStruct. */
	uint32_t size = (uint32_t)(16 + 4 + 4 + 4 + 4 * num_algs + 1);
	tcg_rc rc = put32(w, 0) || put32(w, TCG_EV_NO_ACTION) || put(w, zero, 20) ||
	            put32(w, size) || put(w, "Spec ID Event03", 16) || put32(w, 0);
	const uint8_t ver[4] = { 0, 2, 0, 2 }; /* minor, major, errata, uintnSize */
	rc = rc || put(w, ver, 4) || put32(w, (uint32_t)num_algs);
	for (size_t i = 0; i < num_algs && !rc; i++)
		rc = put16(w, algs[i]) || put16(w, (uint16_t)tcg_alg_size(algs[i]));
	rc = rc || put(w, "", 1);
	if (rc) {
		tcg_writer_free(w);
		return NULL;
	}
	return w;
}

void tcg_writer_free(tcg_writer *w)
{
	if (!w)
		return;
	tcg_hasher_free(w->h);
	free(w->buf);
	free(w);
}

tcg_rc tcg_writer_event(tcg_writer *w, uint32_t pcr, uint32_t type,
                        const uint8_t *const *digests, const void *data, uint32_t size)
{
	tcg_rc rc = put32(w, pcr) ? TCG_E_NOMEM : put32(w, type);
	if (!rc && w->fmt == TCG_FMT_AGILE)
		rc = put32(w, (uint32_t)w->num_algs);
	for (size_t i = 0; i < w->num_algs && !rc; i++) {
		uint8_t d[TCG_MAX_DIGEST] = { 0 };
		size_t dsize = tcg_alg_size(w->algs[i]);
		if (digests)
			memcpy(d, digests[i], dsize);
		else if (type != TCG_EV_NO_ACTION)
			rc = tcg_hash(w->h, w->algs[i], data, size, d);
		if (!rc && w->fmt == TCG_FMT_AGILE)
			rc = put16(w, w->algs[i]);
		if (!rc)
			rc = put(w, d, dsize);
	}
	if (!rc)
		rc = put32(w, size);
	if (!rc)
		rc = put(w, data, size);
	return rc;
}

tcg_rc tcg_writer_event_of(tcg_writer *w, uint32_t pcr, uint32_t type, const void *measured,
                           size_t mlen, const void *data, uint32_t size)
{
	uint8_t d[TCG_MAX_BANKS][TCG_MAX_DIGEST];
	const uint8_t *dp[TCG_MAX_BANKS];
	for (size_t i = 0; i < w->num_algs; i++) {
		tcg_rc rc = tcg_hash(w->h, w->algs[i], measured, mlen, d[i]);
		if (rc)
			return rc;
		dp[i] = d[i];
	}
	return tcg_writer_event(w, pcr, type, dp, data, size);
}

tcg_rc tcg_writer_raw(tcg_writer *w, const void *data, size_t len)
{
	return put(w, data, len);
}

const uint8_t *tcg_writer_data(const tcg_writer *w, size_t *len)
{
	*len = w->len;
	return w->buf;
}
