/*
 * The EK trust store from --ca / --untrusted options. Apart from tool.c, so
 * that a tool without EK certificates (tcglog-dump) links no X.509 code.
 */
#include <stdio.h>

#include "tool.h"

int tool_trust_load(const char *prog, const tool_paths *cas, const tool_paths *untrusted,
                    tcg_ekcert_trust **out)
{
	tcg_err err;
	tcg_err_clear(&err);
	tcg_ekcert_trust *t = tcg_ekcert_trust_new();
	*out = NULL;
	if (!t) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 3;
	}
	for (size_t i = 0; i < cas->n + untrusted->n; i++) {
		bool ca = i < cas->n;
		const char *path = ca ? cas->path[i] : untrusted->path[i - cas->n];
		if (ca ? tcg_ekcert_trust_add_ca(t, path, &err)
		       : tcg_ekcert_trust_add_untrusted(t, path, &err)) {
			tcg_ekcert_trust_free(t);
			return tool_error(prog, path, &err);
		}
	}
	*out = t;
	return 0;
}
