/* dha-nonce: placeholder until the tool lands. */
#include <stdio.h>

int main(void)
{
	fputs("dha-nonce: not implemented yet\n", stderr);
	return 3;
}
