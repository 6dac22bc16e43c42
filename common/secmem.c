/* SPDX-License-Identifier: BSD-2-Clause */
#include "secmem.h"

#include <stdlib.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>
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

/*
 * A page-aligned private mapping kept out of core dumps (MADV_DONTDUMP): for long-lived
 * secret holders in a host process that may dump core. Not prctl(PR_SET_DUMPABLE), which
 * would change the host process. Two system calls each way: not for per-attempt buffers.
 */
static size_t round_to_pages(size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (len + page - 1) / page * page;
}

void *otp_secure_alloc(size_t len)
{
	size_t size = round_to_pages(len ? len : 1);
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (madvise(p, size, MADV_DONTDUMP) != 0) {
		munmap(p, size);
		return NULL;
	}
	return p;
}

void otp_secure_free(void *p, size_t len)
{
	if (!p)
		return;
	otp_wipe(p, len);
	munmap(p, round_to_pages(len ? len : 1));
}

/* Before each secret block: how it was made, and its usable size. */
struct secret_hdr {
	size_t len;
	bool dontdump;
	max_align_t align[];
};

void *otp_secret_alloc(size_t len)
{
	bool dontdump = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0;
	size_t total = sizeof(struct secret_hdr) + len;
	struct secret_hdr *h = dontdump ? otp_secure_alloc(total) : calloc(1, total);

	if (!h)
		return NULL;
	h->len = len;
	h->dontdump = dontdump;
	return h + 1;
}

void otp_secret_free(void *p)
{
	struct secret_hdr *h = p ? (struct secret_hdr *)p - 1 : NULL;

	if (!h)
		return;
	if (h->dontdump) {
		otp_secure_free(h, sizeof(*h) + h->len);
	} else {
		otp_wipe(h, sizeof(*h) + h->len);
		free(h);
	}
}
