/* dha-activate: placeholder until its implementation lands. */
#include <stdio.h>

int main(void)
{
	fputs("dha-activate: not implemented yet\n", stderr);
	return 2;
}
