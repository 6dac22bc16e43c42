#include "secmem.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

void otp_wipe(void *p, size_t len)
{
	if (p && len)
		OPENSSL_cleanse(p, len);
}

void otp_free_str(char *s)
{
	if (!s)
		return;
	otp_wipe(s, strlen(s));
	free(s);
}

bool otp_ct_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

bool otp_ct_streq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return false;
	return CRYPTO_memcmp(a, b, la) == 0;
}
