/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * JSON over json-c: parse provider replies strictly and build request bodies. Bodies hold
 * codes, so building wipes json-c's copies of the strings before freeing them.
 */
#ifndef OTP_SMS_JSONIO_H
#define OTP_SMS_JSONIO_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;

/* One JSON value filling buf (whitespace around it allowed); NULL if malformed. */
struct json_object *otp_json_parse(const char *buf, size_t len);
/* Free a parsed or built value; NULL is fine. */
void otp_json_free(struct json_object *obj);

/* obj[key] if obj is an object and the member has that type, else NULL. */
const char *otp_json_str(struct json_object *obj, const char *key);
struct json_object *otp_json_obj(struct json_object *obj, const char *key);
/* obj[key] if it is an array, else NULL. */
struct json_object *otp_json_array(struct json_object *obj, const char *key);
/* obj[key][0] if obj[key] is a non-empty array, else NULL. */
struct json_object *otp_json_first(struct json_object *obj, const char *key);
/* v itself if it is a string, else NULL. */
const char *otp_json_as_str(struct json_object *v);
/* obj[key] as text when it is a string or an integer (error codes come as either) and it
 * fits in cap; a longer one is refused, never cut. */
bool otp_json_scalar(struct json_object *obj, const char *key, char *out, size_t cap);

/* A new empty object, or NULL. */
struct json_object *otp_json_new(void);
/* Add a string member; NULL value is skipped. Returns 0 or OTP_E_NOMEM. */
int otp_json_add(struct json_object *obj, const char *key, const char *value);
/* Serialize to a malloc'd string (caller wipes and frees) and wipe + free obj. */
char *otp_json_finish(struct json_object *obj);

#endif
