/* The shared part of the tools that talk to a TPM: options and start-up only. */
#ifndef TCGLOG_DEVTOOL_H
#define TCGLOG_DEVTOOL_H

#include "tcglog/device.h"
#include "tcglog/dha.h"
#include "tool.h"

/* The TPM options, the same letters in every tool that takes them; a tool
 * lists in its own long options those it takes. */
#define TOOL_DEV_TCTI {"tcti", required_argument, NULL, 'T'}
#define TOOL_DEV_EK_ALG {"ek-alg", required_argument, NULL, 'e'}
#define TOOL_DEV_EK_HANDLE {"ek-handle", required_argument, NULL, 'E'}
#define TOOL_DEV_AK_HANDLE {"ak-handle", required_argument, NULL, 'a'}
#define TOOL_DEV_AK_ALG {"ak-alg", required_argument, NULL, 'A'}

typedef struct {
	const char *tcti; /* NULL: tool_dev_start's default */
	tcg_dev_alg ek_alg, ak_alg;
	uint32_t ek_handle, ak_handle; /* ek_handle 0: the EK's default */
} tool_dev_opts;

#define TOOL_DEV_OPTS_INIT                                                        \
	{ .ek_alg = TCG_DEV_ALG_AUTO, .ak_alg = TCG_DEV_ALG_AUTO,                     \
	  .ak_handle = TCG_DHA_DEFAULT_AK_HANDLE }

/* One of the TPM options (T, e, E, a, A): 0, or the usage exit status. */
int tool_dev_option(const char *prog, tool_dev_opts *d, int c, const char *arg);

/* --ek-alg / --ak-alg ALG: 0, or the usage exit status. */
int tool_dev_alg(const char *prog, const char *opt, const char *arg, tcg_dev_alg *out);

/* --ek-handle / --ak-handle H: 0, or the usage exit status. */
int tool_dev_handle(const char *prog, const char *opt, const char *arg, uint32_t *out);

/* The TCTI to open (tpm2-tools' default when none is given). The TSS's own
 * log stays quiet unless TSS2_LOG asks for it: our errors say what failed. */
const char *tool_dev_start(const char *tcti);

#endif
