/* SPDX-License-Identifier: BSD-2-Clause */
/* The doctor's verdicts: collected, then printed as aligned lines or as a JSON array. */
#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[] = { "ok", "warn", "FAIL" };

void report_add(struct report *rp, const char *check, enum verdict v, const char *fix,
		const char *fmt, ...)
{
	struct check_result *r;
	va_list ap;

	if (rp->n == rp->cap) {
		unsigned cap = rp->cap ? rp->cap * 2 : 16;
		struct check_result *more = realloc(rp->r, cap * sizeof(*more));

		if (!more) {
			/* Out of memory: a failure nobody can see must still fail the run. */
			rp->failed = true;
			return;
		}
		rp->r = more;
		rp->cap = cap;
	}
	r = &rp->r[rp->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->check, sizeof(r->check), "%s", check);
	r->status = v;
	snprintf(r->fix, sizeof(r->fix), "%s", fix ? fix : "");
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
	if (v == V_FAIL)
		rp->failed = true;
}

/*
 * A JSON string: quotes, backslash and every control byte escaped; bytes >= 0x80 pass as
 * they are (the texts are UTF-8 or come from file names, which a consumer reads as such);
 * an invalid UTF-8 byte becomes U+FFFD so the output always parses.
 */
static void json_str(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	putchar('"');
	while (*p) {
		unsigned char ch = *p;
		size_t n = ch < 0x80 ? 1 : (ch & 0xe0) == 0xc0 ? 2 : (ch & 0xf0) == 0xe0 ? 3 :
			   (ch & 0xf8) == 0xf0 ? 4 : 0;
		bool valid = n > 0 && !(n == 2 && ch < 0xc2);

		for (size_t i = 1; valid && i < n; i++)
			valid = (p[i] & 0xc0) == 0x80;
		if (!valid) {
			fputs("\\ufffd", stdout);
			p++;
			continue;
		}
		if (n > 1) {
			fwrite(p, 1, n, stdout);
			p += n;
			continue;
		}
		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", stdout);
		else if (ch == '\t')
			fputs("\\t", stdout);
		else if (ch < 0x20 || ch == 0x7f)
			printf("\\u%04x", ch);
		else
			putchar(ch);
		p++;
	}
	putchar('"');
}

void report_print(const struct report *rp, bool json)
{
	if (json) {
		putchar('[');
		for (unsigned i = 0; i < rp->n; i++) {
			const struct check_result *r = &rp->r[i];

			fputs(i ? ",\n {" : "\n {", stdout);
			fputs("\"check\": ", stdout);
			json_str(r->check);
			fputs(", \"status\": ", stdout);
			json_str(names[r->status]);
			fputs(", \"detail\": ", stdout);
			json_str(r->detail);
			fputs(", \"fix\": ", stdout);
			json_str(r->fix);
			putchar('}');
		}
		fputs("\n]\n", stdout);
		return;
	}
	for (unsigned i = 0; i < rp->n; i++) {
		const struct check_result *r = &rp->r[i];

		printf("%-5s %-12s %s\n", names[r->status], r->check, r->detail);
		if (r->fix[0])
			printf("      %-12s fix: %s\n", "", r->fix);
	}
}

void report_free(struct report *rp)
{
	free(rp->r);
	memset(rp, 0, sizeof(*rp));
}
