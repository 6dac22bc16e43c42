/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Shared by the libFuzzer harnesses. Each harness defines LLVMFuzzerTestOneInput; linked
 * with -fsanitize=fuzzer it is driven by libFuzzer, linked with replay_main.c it replays
 * the seed corpus as a normal test (gcc builds too).
 */
#ifndef OTP_FUZZ_H
#define OTP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property that must hold for every input: report it and abort, so libFuzzer saves the
 * input as a crash and the replay test fails. */
#define FUZZ_CHECK(cond)                                                                   \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                    \
			abort();                                                           \
		}                                                                          \
	} while (0)

/* A NUL-terminated copy of data (the parsers under test take C strings). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	for (size_t i = 0; i < size; i++)
		s[i] = (char)data[i];
	s[size] = '\0';
	return s;
}

/*
 * Split a copy of the input at newlines into at most max fields (the last field keeps any
 * further newlines). Returns the copy, which the fields point into; free it when done.
 * Missing fields are "".
 */
static inline char *fuzz_fields(const uint8_t *data, size_t size, char **fields, size_t max)
{
	char *copy = fuzz_strndup(data, size);
	char *s = copy;

	for (size_t i = 0; i < max; i++) {
		char *nl;

		fields[i] = s;
		if (i + 1 < max && (nl = strchr(s, '\n'))) {
			*nl = '\0';
			s = nl + 1;
		} else if (i + 1 < max) {
			s += strlen(s); /* the rest are "" */
		}
	}
	return copy;
}

#endif
