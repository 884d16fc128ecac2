/* tool_main: the options every tool takes, handled once. */
#include <stdlib.h>
#include <string.h>

#include "tool.h"

enum { MAX_OPTS = 32, MAX_SHORT = 64 };

int tool_main(const tool_spec *spec, void *ctx, int argc, char **argv)
{
	static const struct option common[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"format", required_argument, NULL, TOOL_OPT_FORMAT},
	};
	struct option longopts[MAX_OPTS];
	char shortopts[MAX_SHORT];
	size_t n = 0;
	int c, st;

	/* The tables are the tools' own constants: a tool that outgrows them is
	 * a build-time mistake, caught by any run. */
	while (spec->longopts[n].name)
		n++;
	if (n + 4 > MAX_OPTS || strlen(spec->shortopts) + 3 > MAX_SHORT)
		abort();
	memcpy(longopts, spec->longopts, n * sizeof *longopts);
	memcpy(longopts + n, common, (spec->json ? 3 : 2) * sizeof *longopts);
	n += spec->json ? 3 : 2;
	memset(&longopts[n], 0, sizeof longopts[n]);
	snprintf(shortopts, sizeof shortopts, "%shV", spec->shortopts);

	tool_getopt_init(argv, spec->name);
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			spec->usage(stdout);
			return 0;
		case 'V':
			return tool_version(spec->name);
		case TOOL_OPT_FORMAT:
			st = tool_format(spec->name, optarg, spec->json);
			break;
		case '?':
			return tool_option_error(spec->name);
		default:
			st = spec->option(ctx, c, optarg);
			break;
		}
		if (st)
			return st;
	}
	return spec->run(ctx, argc - optind, argv + optind);
}
