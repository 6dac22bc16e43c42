/* SPDX-License-Identifier: BSD-2-Clause */
#include "path.h"
#include "err.h"

#include <stdio.h>
#include <string.h>

bool otp_user_name_ok(const char *user)
{
	size_t n = user ? strlen(user) : 0;

	if (n == 0 || n > 255 || user[0] == '.' || user[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = user[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '.' || c == '_' || c == '-' || c == '@' || c == '+' ||
			  (c == '$' && i == n - 1);
		if (!ok)
			return false;
	}
	return true;
}

bool otp_path_in_home(const char *tmpl)
{
	return tmpl[0] == '~' || strncmp(tmpl, "%h", 2) == 0;
}

static bool append(char *out, size_t outsz, size_t *n, const char *s)
{
	size_t len = strlen(s);

	if (*n + len >= outsz)
		return false;
	memcpy(out + *n, s, len);
	*n += len;
	out[*n] = '\0';
	return true;
}

static bool has_dot_component(const char *p)
{
	for (const char *s = p; (s = strstr(s, "/.")) != NULL; s++) {
		if (s[2] == '/' || s[2] == '\0' || (s[2] == '.' && (s[3] == '/' || s[3] == '\0')))
			return true;
	}
	return false;
}

int otp_path_expand(const char *tmpl, const char *user, const char *home, uid_t uid,
		    char *out, size_t outsz)
{
	char num[24];
	size_t n = 0;
	const char *t = tmpl;

	if (!outsz)
		return OTP_E_TOOBIG;
	out[0] = '\0';
	if (!otp_user_name_ok(user) || !home || home[0] != '/')
		return OTP_E_INVAL;
	if (t[0] == '~') {
		if (t[1] != '/' && t[1] != '\0')
			return OTP_E_INVAL; /* ~other is not supported */
		if (!append(out, outsz, &n, home))
			return OTP_E_TOOBIG;
		t++;
	}
	for (; *t; t++) {
		const char *piece;
		char c[2] = { *t, '\0' };

		if (*t != '%') {
			piece = c;
		} else {
			switch (*++t) {
			case 'u': piece = user; break;
			case 'h': piece = home; break;
			case 'U': snprintf(num, sizeof(num), "%u", (unsigned)uid); piece = num; break;
			case '%': piece = "%"; break;
			default: return OTP_E_INVAL;
			}
		}
		if (!append(out, outsz, &n, piece))
			return OTP_E_TOOBIG;
	}
	if (out[0] != '/' || has_dot_component(out))
		return OTP_E_INVAL;
	return OTP_OK;
}
