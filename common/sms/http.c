/* SPDX-License-Identifier: BSD-2-Clause */
#include "http.h"
#include "err.h"
#include "secmem.h"
#include "monotime.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <arpa/inet.h>

/* Another try is only worth it with this much of the overall time left. */
#define MIN_LEFT_MS 1000
#define RETRY_AFTER_MAX 5   /* seconds; a longer Retry-After ends the retries */

struct sink {
	char *buf;
	size_t len;
	bool toobig;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct sink *s = ud;
	size_t n = size * nmemb;

	if (n > OTP_HTTP_BODY_MAX - s->len) {
		s->toobig = true;
		return 0; /* makes libcurl stop with CURLE_WRITE_ERROR */
	}
	memcpy(s->buf + s->len, ptr, n);
	s->len += n;
	return n;
}

static void sleep_ms(long long ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

/* 127.0.0.0/8, ::1 or the name localhost: the only hosts plain http may reach. */
static bool loopback_host(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL;
	unsigned char a[16];
	bool ok = false;

	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host) {
		if (strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0)
			ok = true;
		else if (inet_pton(AF_INET, host, a) == 1)
			ok = a[0] == 127;
	}
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

int otp_http_check_url(const struct otp_cfg *cfg, const char *url, struct otp_why *err)
{
	for (const char *p = url; *p; p++) {
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f) {
			otp_why_set(err, 0, "URL contains a space or control character");
			return OTP_E_INVAL;
		}
	}
	if (strncasecmp(url, "https://", 8) == 0)
		return OTP_OK;
	if (strncasecmp(url, "http://", 7) == 0) {
		if (!cfg->allow_insecure_http) {
			otp_why_set(err, 0, "plain http:// URL refused (allow_insecure_http is off)");
			return OTP_E_INVAL;
		}
		if (loopback_host(url))
			return OTP_OK;
		otp_why_set(err, 0, "plain http:// URL refused: allow_insecure_http is only for "
			 "127.0.0.0/8, [::1] and localhost, use https:// for any other host");
		return OTP_E_INVAL;
	}
	otp_why_set(err, 0, "URL must start with https://");
	return OTP_E_INVAL;
}

static int classify(CURLcode rc, const struct sink *s)
{
	switch (rc) {
	case CURLE_OK:
		return OTP_HTTP_OK;
	case CURLE_OPERATION_TIMEDOUT:
		return OTP_HTTP_TIMEOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		return OTP_HTTP_CONNECT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		return OTP_HTTP_TLS;
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return OTP_HTTP_CONFIG;
	case CURLE_WRITE_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
		return s->toobig || rc == CURLE_FILESIZE_EXCEEDED ? OTP_HTTP_TOOBIG
								  : OTP_HTTP_ERROR;
	default:
		return OTP_HTTP_ERROR;
	}
}

/* Delta-seconds form only; an HTTP-date is treated as absent. -1 when absent. */
static long retry_after(CURL *h)
{
	struct curl_header *hdr;
	long v = 0;

	if (curl_easy_header(h, "Retry-After", 0, CURLH_HEADER, -1, &hdr) != CURLHE_OK)
		return -1;
	for (const char *p = hdr->value; *p; p++) {
		if (*p < '0' || *p > '9' || v > 100000)
			return -1;
		v = v * 10 + (*p - '0');
	}
	return hdr->value[0] ? v : -1;
}

static struct curl_slist *add_header(struct curl_slist *list, const char *line, bool *ok)
{
	struct curl_slist *n = curl_slist_append(list, line);

	if (!n) {
		*ok = false;
		return list;
	}
	return n;
}

/* The header list may hold a bearer token: wipe each line before libcurl frees it. */
static void free_headers(struct curl_slist *list)
{
	for (struct curl_slist *s = list; s; s = s->next)
		otp_wipe(s->data, strlen(s->data));
	curl_slist_free_all(list);
}

static struct curl_slist *build_headers(const struct otp_http_req *req, bool *ok)
{
	struct curl_slist *list = NULL;
	char line[1200];

	*ok = true;
	snprintf(line, sizeof(line), "Content-Type: %s", req->content_type);
	list = add_header(list, line, ok);
	/* No 100-continue round trip. Not with SigV4: libcurl before 8.3 signs the empty
	 * "Expect:" line without sending it, and AWS refuses a signed header that is absent
	 * (curl issue #11664). Our bodies are far below the 1 MiB where libcurl would add
	 * "Expect: 100-continue" by itself, so nothing is lost. */
	if (!req->sigv4)
		list = add_header(list, "Expect:", ok);
	for (size_t i = 0; req->headers && req->headers[i]; i++)
		list = add_header(list, req->headers[i], ok);
	if (req->bearer) {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", req->bearer);
		list = add_header(list, line, ok);
		otp_wipe(line, sizeof(line));
	}
	return list;
}

static bool setup(CURL *h, const struct otp_cfg *cfg, const struct otp_http_req *req,
		  struct curl_slist *headers, struct sink *s, char *errbuf)
{
	const char *protos = cfg->allow_insecure_http ? "http,https" : "https";
	bool ok = true;

#define SET(opt, val) ok = ok && curl_easy_setopt(h, opt, val) == CURLE_OK
	SET(CURLOPT_URL, req->url);
	SET(CURLOPT_PROTOCOLS_STR, protos);
	SET(CURLOPT_REDIR_PROTOCOLS_STR, protos);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (cfg->ca_file)
		SET(CURLOPT_CAINFO, cfg->ca_file);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_USERAGENT, "pam_otp_sms/1");
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_MAXFILESIZE, (long)OTP_HTTP_BODY_MAX);
	SET(CURLOPT_WRITEFUNCTION, on_data);
	SET(CURLOPT_WRITEDATA, s);
	SET(CURLOPT_POST, 1L);
	SET(CURLOPT_POSTFIELDS, req->body);
	SET(CURLOPT_POSTFIELDSIZE, (long)req->body_len);
	SET(CURLOPT_HTTPHEADER, headers);
	if (req->user && req->pass) {
		/* Never in the URL, where it would show in errors. */
		SET(CURLOPT_USERNAME, req->user);
		SET(CURLOPT_PASSWORD, req->pass);
		if (req->sigv4)
			SET(CURLOPT_AWS_SIGV4, req->sigv4);
		else
			SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	}
#undef SET
	return ok;
}

/* Both timeouts for the time that is left; false if libcurl refused either. */
static bool set_timeouts(CURL *h, const struct otp_cfg *cfg, long long deadline)
{
	long long left = deadline - otp_monotonic_ms();
	long long conn_ms = (long long)(cfg->connect_timeout ? cfg->connect_timeout : 5) * 1000;

	if (left < 1)
		left = 1; /* 0 would mean no limit at all */
	return curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)left) == CURLE_OK &&
	       curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
				(long)(conn_ms < left ? conn_ms : left)) == CURLE_OK;
}

/* The failure is retryable under the request's policy; note it when the policy says no. */
static bool may_retry(const struct otp_http_req *req, struct otp_http_resp *resp,
		      bool unsent)
{
	if (unsent || req->retry == OTP_HTTP_RETRY_UNPROCESSED)
		return true;
	resp->held_back = true;
	return false;
}

/* Run one request; returns whether another try may follow and how long to wait first. */
static bool attempt(CURL *h, const struct otp_cfg *cfg, const struct otp_http_req *req,
		    long long deadline, struct sink *s, char *errbuf,
		    struct otp_http_resp *resp, long long *wait)
{
	long sent = 0, ra;
	CURLcode rc;

	otp_wipe(s->buf, s->len);
	s->len = 0;
	s->toobig = false;
	errbuf[0] = '\0';
	resp->status = 0;
	resp->error[0] = '\0';
	resp->held_back = false;
	if (!set_timeouts(h, cfg, deadline)) {
		/* Never a request without its time limit. */
		resp->fail = OTP_HTTP_ERROR;
		snprintf(resp->error, sizeof(resp->error), "libcurl refused the timeouts");
		return false;
	}
	rc = curl_easy_perform(h);
	resp->tries++;
	resp->fail = classify(rc, s);
	*wait = 250LL << (resp->tries - 1); /* 250 ms, 500 ms */
	if (rc != CURLE_OK) {
		snprintf(resp->error, sizeof(resp->error), "%s",
			 errbuf[0] ? errbuf : curl_easy_strerror(rc));
		if (resp->fail == OTP_HTTP_CONNECT)
			return true; /* nothing reached the provider */
		/* A timeout before anything was sent is a connect timeout: nothing was
		 * processed. After a read timeout the message may be out: never retry. An
		 * unreadable byte count counts as sent. */
		if (curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &sent) != CURLE_OK)
			return false;
		return resp->fail == OTP_HTTP_TIMEOUT && sent == 0;
	}
	if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status) != CURLE_OK) {
		resp->fail = OTP_HTTP_ERROR;
		resp->status = 0;
		snprintf(resp->error, sizeof(resp->error), "cannot read the HTTP status");
		return false;
	}
	if (resp->status == 429) {
		ra = retry_after(h);
		if (ra > RETRY_AFTER_MAX)
			return false;
		if (ra >= 0)
			*wait = ra * 1000;
		return may_retry(req, resp, false);
	}
	if (resp->status == 502 || resp->status == 503)
		return may_retry(req, resp, false);
	return false;
}

int otp_http_post(const struct otp_cfg *cfg, const struct otp_http_req *req,
		  struct otp_http_resp *resp)
{
	long long deadline = otp_monotonic_ms() + (long long)(cfg->timeout ? cfg->timeout : 10) * 1000;
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *headers;
	struct otp_why why;
	struct sink s = { NULL, 0, false };
	CURL *h;
	bool ok;

	memset(resp, 0, sizeof(*resp));
	if (otp_http_check_url(cfg, req->url, &why) != OTP_OK) {
		snprintf(resp->error, sizeof(resp->error), "%.*s", (int)sizeof(resp->error) - 1,
			 why.text);
		resp->fail = OTP_HTTP_CONFIG;
		return OTP_OK;
	}
	if (!(s.buf = malloc(OTP_HTTP_BODY_MAX + 1)))
		return OTP_E_NOMEM;
	headers = build_headers(req, &ok);
	h = curl_easy_init();
	if (!ok || !h || !setup(h, cfg, req, headers, &s, errbuf)) {
		if (ok && h) {
			/* Not memory: this libcurl refused an option (one it was built without). */
			resp->fail = OTP_HTTP_CONFIG;
			snprintf(resp->error, sizeof(resp->error),
				 "libcurl refused a request option (TLS, protocol or limit)");
		}
		if (h)
			curl_easy_cleanup(h);
		free_headers(headers);
		free(s.buf);
		return ok && h ? OTP_OK : OTP_E_NOMEM;
	}
	for (;;) {
		long long wait;
		bool again = attempt(h, cfg, req, deadline, &s, errbuf, resp, &wait);

		if (!again || resp->tries >= OTP_HTTP_MAX_TRIES ||
		    deadline - otp_monotonic_ms() - wait < MIN_LEFT_MS)
			break;
		sleep_ms(wait);
	}
	curl_easy_cleanup(h);
	free_headers(headers);
	s.buf[s.len] = '\0';
	resp->body = s.buf;
	resp->len = s.len;
	return OTP_OK;
}

void otp_http_resp_free(struct otp_http_resp *resp)
{
	if (resp->body) {
		otp_wipe(resp->body, resp->len);
		free(resp->body);
	}
	resp->body = NULL;
	resp->len = 0;
}
