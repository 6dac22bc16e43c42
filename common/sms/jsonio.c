/* SPDX-License-Identifier: BSD-2-Clause */
#include "jsonio.h"
#include "err.h"
#include "secmem.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEPTH_MAX 16

struct json_object *otp_json_parse(const char *buf, size_t len)
{
	struct json_tokener *tok;
	struct json_object *obj;
	size_t end;

	if (!buf || len == 0 || len > (size_t)0x7fffffff || memchr(buf, '\0', len))
		return NULL;
	if (!(tok = json_tokener_new_ex(DEPTH_MAX)))
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	/* Only whitespace may follow the value. */
	for (; obj && end < len; end++) {
		if (!strchr(" \t\r\n", buf[end])) {
			json_object_put(obj);
			obj = NULL;
		}
	}
	return obj;
}

void otp_json_free(struct json_object *obj)
{
	json_object_put(obj);
}

static struct json_object *member(struct json_object *obj, const char *key, json_type type)
{
	struct json_object *v;

	if (!obj || !json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

const char *otp_json_str(struct json_object *obj, const char *key)
{
	struct json_object *v = member(obj, key, json_type_string);

	return v ? json_object_get_string(v) : NULL;
}

const char *otp_json_as_str(struct json_object *v)
{
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

struct json_object *otp_json_obj(struct json_object *obj, const char *key)
{
	return member(obj, key, json_type_object);
}

struct json_object *otp_json_array(struct json_object *obj, const char *key)
{
	return member(obj, key, json_type_array);
}

struct json_object *otp_json_first(struct json_object *obj, const char *key)
{
	struct json_object *a = member(obj, key, json_type_array);

	return a && json_object_array_length(a) > 0 ? json_object_array_get_idx(a, 0) : NULL;
}

bool otp_json_scalar(struct json_object *obj, const char *key, char *out, size_t cap)
{
	struct json_object *v;
	int n = -1;

	if ((v = member(obj, key, json_type_string)))
		n = snprintf(out, cap, "%s", json_object_get_string(v));
	else if ((v = member(obj, key, json_type_int)))
		n = snprintf(out, cap, "%lld", (long long)json_object_get_int64(v));
	if (n >= 0 && (size_t)n < cap)
		return true;
	if (cap)
		out[0] = '\0';
	return false;
}

struct json_object *otp_json_new(void)
{
	return json_object_new_object();
}

int otp_json_add(struct json_object *obj, const char *key, const char *value)
{
	struct json_object *v;

	if (!value)
		return OTP_OK;
	if (!(v = json_object_new_string(value)))
		return OTP_E_NOMEM;
	if (json_object_object_add(obj, key, v) != 0) {
		json_object_put(v);
		return OTP_E_NOMEM;
	}
	return OTP_OK;
}

/* json-c keeps its own copies of member strings: overwrite them in place. Its string
 * storage is plain heap memory; the API only hands it out as const. */
static void wipe_strings(struct json_object *obj)
{
	struct json_object_iterator it = json_object_iter_begin(obj);
	struct json_object_iterator end = json_object_iter_end(obj);

	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		struct json_object *v = json_object_iter_peek_value(&it);

		if (json_object_is_type(v, json_type_string))
			otp_wipe((char *)json_object_get_string(v), (size_t)json_object_get_string_len(v));
	}
}

char *otp_json_finish(struct json_object *obj)
{
	const char *text;
	size_t len;
	char *out = NULL;

	if (!obj)
		return NULL;
	text = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN |
						  JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (text && (out = malloc(len + 1))) {
		memcpy(out, text, len);
		out[len] = '\0';
	}
	if (text)
		otp_wipe((char *)text, len); /* the object's own print buffer */
	wipe_strings(obj);
	json_object_put(obj);
	return out;
}
