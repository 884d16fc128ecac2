/* dha-issue: placeholder until its implementation lands. */
#include <stdio.h>

int main(void)
{
	fputs("dha-issue: not implemented yet\n", stderr);
	return 2;
}
