/* tcglog-claims: placeholder until the tool lands. */
#include <stdio.h>

int main(void)
{
	fputs("tcglog-claims: not implemented yet\n", stderr);
	return 3;
}
