/* tpm-ekcert-verify: placeholder until the tool lands. */
#include <stdio.h>

int main(void)
{
	fputs("tpm-ekcert-verify: not implemented yet\n", stderr);
	return 3;
}
