/* dha-policy: placeholder until the tool lands. */
#include <stdio.h>

int main(void)
{
	fputs("dha-policy: not implemented yet\n", stderr);
	return 3;
}
