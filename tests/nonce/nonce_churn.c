/* nonce_churn STORE: issue and consume nonces in a loop until killed, logging
 * "i HEX" after each issue and "c HEX" after each consume has committed. */
#include <stdio.h>
#include <time.h>

#include "tcglog/nonce.h"

int main(int argc, char **argv)
{
	tcg_nonce_store *s;
	uint8_t n[TCG_NONCE_SIZE];
	tcg_err err;
	char hex[2 * TCG_NONCE_SIZE + 1];

	tcg_err_clear(&err);
	if (argc != 2 || tcg_nonce_store_open(argv[1], &s, &err)) {
		fprintf(stderr, "nonce_churn: %s\n", err.msg);
		return 3;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		if (tcg_nonce_issue(s, "churn", 300, (int64_t)time(NULL), n, &err))
			break;
		for (int i = 0; i < TCG_NONCE_SIZE; i++)
			snprintf(hex + 2 * i, 3, "%02x", n[i]);
		printf("i %s\n", hex);
		if (tcg_nonce_consume(s, "churn", n, (int64_t)time(NULL), &err))
			break;
		printf("c %s\n", hex);
	}
	fprintf(stderr, "nonce_churn: %s: %s\n", err.rule, err.msg);
	tcg_nonce_store_close(s);
	return 1;
}
