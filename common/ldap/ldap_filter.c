/* SPDX-License-Identifier: BSD-2-Clause */
/* The search filter for one user: the template with %u replaced by the RFC 4515-escaped name. */
#include "ldap_int.h"
#include "err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes a filter value must not carry as they are: \2a \28 \29 \5c \00 (RFC 4515 3). */
static bool special(unsigned char c)
{
	return c == '*' || c == '(' || c == ')' || c == '\\' || c == 0 || c >= 0x80;
}

static size_t escaped_len(const char *user)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)user; *p; p++)
		n += special(*p) ? 3 : 1;
	return n;
}

int ldapf_filter(const char *tmpl, const char *user, char **result)
{
	size_t ulen = escaped_len(user), cap = 1, n = 0;
	char *out;

	*result = NULL;
	for (const char *p = tmpl; *p; p++) {
		if (p[0] == '%' && p[1] == 'u')
			cap += ulen, p++;
		else if (p[0] == '%' && p[1] == '%')
			cap += 1, p++;
		else if (p[0] == '%')
			return OTP_E_INVAL; /* an unknown escape: a template error, not a guess */
		else
			cap += 1;
	}
	if (!(out = malloc(cap)))
		return OTP_E_NOMEM;
	for (const char *p = tmpl; *p; p++) {
		if (p[0] == '%' && p[1] == 'u') {
			for (const unsigned char *u = (const unsigned char *)user; *u; u++)
				n += special(*u) ? (size_t)sprintf(out + n, "\\%02x", *u)
						 : (size_t)(out[n] = (char)*u, 1);
			p++;
		} else if (p[0] == '%') {
			out[n++] = '%';
			p++;
		} else {
			out[n++] = *p;
		}
	}
	out[n] = '\0';
	*result = out;
	return OTP_OK;
}
