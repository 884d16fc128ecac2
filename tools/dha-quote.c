/* dha-quote: placeholder until its implementation lands. */
#include <stdio.h>

int main(void)
{
	fputs("dha-quote: not implemented yet\n", stderr);
	return 2;
}
