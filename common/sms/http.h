/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The one place that talks HTTP, over libcurl: HTTPS only (plain http only with
 * allow_insecure_http, and then only to a loopback host), peer and host always verified, no
 * redirects, bounded replies, and retries only where a request was surely not processed, as
 * each request's retry policy says, all inside the overall timeout.
 */
#ifndef OTP_SMS_HTTP_H
#define OTP_SMS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "cfg.h"
#include "why.h"

#define OTP_HTTP_BODY_MAX (64 * 1024)
#define OTP_HTTP_MAX_TRIES 3

/*
 * When a request may be sent again. Every request names its policy; the zero value is the
 * strict one, so a request that forgets to say is never repeated after it may have arrived.
 */
enum otp_http_retry {
	/* Not idempotent in effect (a Twilio Verify check: a repeat of a check that was
	 * processed finds the verification gone and reads as "denied"): again only when the
	 * request surely never left (could not connect; connect timeout with nothing sent). */
	OTP_HTTP_RETRY_UNSENT = 0,
	/* Also after 429, 502 and 503, which the providers document as "not processed". */
	OTP_HTTP_RETRY_UNPROCESSED,
};

struct otp_http_req {
	enum otp_http_retry retry;
	const char *url;
	const char *content_type;   /* "application/json", "application/x-www-form-urlencoded" */
	const char *body;           /* not copied: the caller wipes it */
	size_t body_len;
	const char *user, *pass;    /* Basic auth, or the key pair for SigV4 */
	const char *bearer;         /* "Authorization: Bearer ..." */
	const char *sigv4;          /* CURLOPT_AWS_SIGV4, e.g. "aws:amz:eu-west-1:sns"; every
				     * header line sent is signed (X-Amz-Security-Token too) */
	const char *const *headers; /* more "Name: value" lines, NULL-terminated */
};

enum otp_http_fail {
	OTP_HTTP_OK,        /* a reply arrived (any status) */
	OTP_HTTP_TIMEOUT,   /* no complete reply within the time */
	OTP_HTTP_CONNECT,   /* could not resolve or connect */
	OTP_HTTP_TLS,       /* handshake or certificate check failed */
	OTP_HTTP_CONFIG,    /* bad URL, scheme or CA file */
	OTP_HTTP_TOOBIG,    /* reply over OTP_HTTP_BODY_MAX */
	OTP_HTTP_ERROR,     /* anything else from libcurl */
};

struct otp_http_resp {
	int fail;           /* enum otp_http_fail */
	long status;        /* HTTP status of the last reply, 0 if none */
	char *body;         /* NUL-terminated; wiped by otp_http_resp_free */
	size_t len;
	unsigned tries;
	bool held_back;     /* a retryable failure that the request's policy kept from a retry */
	char error[160];    /* why, for fail != OTP_HTTP_OK */
};

/* 0 if url may be used under cfg: https://, or http:// to 127.0.0.0/8, [::1] or localhost
 * with allow_insecure_http. err says why not. */
int otp_http_check_url(const struct otp_cfg *cfg, const char *url, struct otp_why *err);

/* POST req; the result (also a failure) is in resp. Returns 0 or OTP_E_NOMEM. */
int otp_http_post(const struct otp_cfg *cfg, const struct otp_http_req *req,
		  struct otp_http_resp *resp);
void otp_http_resp_free(struct otp_http_resp *resp);

#endif
