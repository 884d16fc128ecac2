/* tpm-quote-verify: placeholder until the tool lands. */
#include <stdio.h>

int main(void)
{
	fputs("tpm-quote-verify: not implemented yet\n", stderr);
	return 3;
}
