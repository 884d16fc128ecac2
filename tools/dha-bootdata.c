/* dha-bootdata: placeholder until its implementation lands. */
#include <stdio.h>

int main(void)
{
	fputs("dha-bootdata: not implemented yet\n", stderr);
	return 2;
}
