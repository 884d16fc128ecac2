/* tcglog-play: placeholder until its implementation lands. */
#include <stdio.h>

int main(void)
{
	fputs("tcglog-play: not implemented yet\n", stderr);
	return 2;
}
