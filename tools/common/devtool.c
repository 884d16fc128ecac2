/* The shared part of the tools that talk to a TPM: options and start-up. */
#include <stdlib.h>

#include "devtool.h"

int tool_dev_alg(const char *prog, const char *opt, const char *arg, tcg_dev_alg *out)
{
	char msg[64];
	if (tcg_dev_alg_parse(arg, out))
		return 0;
	snprintf(msg, sizeof msg, "%s takes rsa or ecc", opt);
	return tool_usage_error(prog, msg);
}

int tool_dev_handle(const char *prog, const char *opt, const char *arg, uint32_t *out)
{
	char msg[96];
	if (tcg_dev_handle_parse(arg, out))
		return 0;
	snprintf(msg, sizeof msg, "%s takes a persistent handle (0x81000000-0x81ffffff)", opt);
	return tool_usage_error(prog, msg);
}

const char *tool_dev_start(const char *tcti)
{
	setenv("TSS2_LOG", "all+NONE", 0);
	tool_init_crypto();
	return tcti ? tcti : tcg_dev_default_tcti();
}

int tool_dev_option(const char *prog, tool_dev_opts *d, int c, const char *arg)
{
	switch (c) {
	case 'T':
		d->tcti = arg;
		return 0;
	case 'e':
		return tool_dev_alg(prog, "--ek-alg", arg, &d->ek_alg);
	case 'E':
		return tool_dev_handle(prog, "--ek-handle", arg, &d->ek_handle);
	case 'a':
		return tool_dev_handle(prog, "--ak-handle", arg, &d->ak_handle);
	default: /* 'A' */
		return tool_dev_alg(prog, "--ak-alg", arg, &d->ak_alg);
	}
}
