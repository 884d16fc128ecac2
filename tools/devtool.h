/* The shared part of the tools that talk to a TPM: options and start-up only. */
#ifndef TCGLOG_DEVTOOL_H
#define TCGLOG_DEVTOOL_H

#include "tcglog/device.h"
#include "tool.h"

/* --ek-alg / --ak-alg ALG: 0, or the usage exit status. */
int tool_dev_alg(const char *prog, const char *opt, const char *arg, tcg_dev_alg *out);

/* --ek-handle / --ak-handle H: 0, or the usage exit status. */
int tool_dev_handle(const char *prog, const char *opt, const char *arg, uint32_t *out);

/* The TCTI to open (tpm2-tools' default when none is given). The TSS's own
 * log stays quiet unless TSS2_LOG asks for it: our errors say what failed. */
const char *tool_dev_start(const char *tcti);

#endif
