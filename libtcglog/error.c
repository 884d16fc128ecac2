#include "tcglog/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 6, 0))) static tcg_rc
err_vset(tcg_err *err, tcg_rc rc, const char *rule, uint64_t offset, long event, const char *fmt,
         va_list ap)
{
	if (!err)
		return rc;
	err->rc = rc;
	snprintf(err->rule, sizeof err->rule, "%s", rule ? rule : "");
	err->offset = offset;
	err->event = event;
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	return rc;
}

tcg_rc tcg_err_set(tcg_err *err, tcg_rc rc, const char *rule, uint64_t offset,
                   long event, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vset(err, rc, rule, offset, event, fmt, ap);
	va_end(ap);
	return rc;
}

tcg_rc tcg_fail(tcg_err *err, tcg_rc rc, const char *rule, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vset(err, rc, rule, TCG_NO_OFFSET, TCG_NO_EVENT, fmt, ap);
	va_end(ap);
	return rc;
}

tcg_rc tcg_fail_at(tcg_err *err, const char *rule, uint64_t offset, long event,
                   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vset(err, TCG_E_FORMAT, rule, offset, event, fmt, ap);
	va_end(ap);
	return TCG_E_FORMAT;
}

tcg_rc tcg_fail_format(tcg_err *err, const char *rule, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vset(err, TCG_E_FORMAT, rule, TCG_NO_OFFSET, TCG_NO_EVENT, fmt, ap);
	va_end(ap);
	return TCG_E_FORMAT;
}

tcg_rc tcg_fail_mismatch(tcg_err *err, const char *rule, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vset(err, TCG_E_MISMATCH, rule, TCG_NO_OFFSET, TCG_NO_EVENT, fmt, ap);
	va_end(ap);
	return TCG_E_MISMATCH;
}

tcg_rc tcg_fail_nomem(tcg_err *err)
{
	return tcg_fail(err, TCG_E_NOMEM, TCG_RULE_OUT_OF_MEMORY, "no memory");
}

void tcg_err_clear(tcg_err *err)
{
	if (!err)
		return;
	memset(err, 0, sizeof *err);
	err->offset = TCG_NO_OFFSET;
	err->event = TCG_NO_EVENT;
}

void tcg_err_format(const tcg_err *err, char *out, size_t outlen)
{
	size_t n = 0;
	int w;
	if (!outlen)
		return;
	out[0] = '\0';
#define APPEND(...)                                                      \
	do {                                                             \
		w = snprintf(out + n, outlen - n, __VA_ARGS__);          \
		if (w < 0 || (size_t)w >= outlen - n)                    \
			return;                                          \
		n += (size_t)w;                                          \
	} while (0)
	if (err->offset != TCG_NO_OFFSET)
		APPEND("offset %llu: ", (unsigned long long)err->offset);
	if (err->event != TCG_NO_EVENT)
		APPEND("event %ld: ", err->event);
	if (err->rule[0])
		APPEND("%s: ", err->rule);
	APPEND("%s", err->msg);
#undef APPEND
}

int tcg_exit_status(tcg_rc rc)
{
	switch (rc) {
	case TCG_OK:
		return 0;
	case TCG_E_MISMATCH:
		return 1;
	case TCG_E_FORMAT:
	case TCG_E_USAGE:
		return 2;
	case TCG_E_IO:
	case TCG_E_NOMEM:
	default:
		return 3;
	}
}
