/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * LD_PRELOAD shim for the pam_otp_sms tests: makes one libcurl call fail on purpose, which
 * no mock server can provoke from the outside.
 *
 *   CURL_FAULT_SETOPT=NAME    curl_easy_setopt(CURLOPT_NAME, ...) returns CURLE_UNKNOWN_OPTION
 *                             without reaching libcurl (the option stays unset)
 *   CURL_FAULT_GETINFO=NAME   curl_easy_getinfo(CURLINFO_NAME, ...) returns
 *                             CURLE_UNKNOWN_OPTION without writing the result
 *   CURL_FAULT_PERFORM=timeout  curl_easy_perform runs the request for real, then returns
 *                             CURLE_OPERATION_TIMEDOUT (the reply was lost after the request
 *                             went out, like a read timeout)
 *   CURL_FAULT_LOG=PATH       one line appended per injected fault, so a test can tell that
 *                             the fault really happened (and was not, say, never reached)
 *
 * NAME is one of the names in the tables below, or a decimal option number. Everything else
 * is passed on to the real functions (dlsym(RTLD_NEXT)).
 */
#define CURL_DISABLE_TYPECHECK /* the type-checking macros would rename our definitions */
#include <curl/curl.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct name {
	const char *name;
	long value;
};

static const struct name setopts[] = {
	{ "TIMEOUT_MS", CURLOPT_TIMEOUT_MS },
	{ "CONNECTTIMEOUT_MS", CURLOPT_CONNECTTIMEOUT_MS },
	{ "TIMEOUT", CURLOPT_TIMEOUT },
	{ "CONNECTTIMEOUT", CURLOPT_CONNECTTIMEOUT },
	{ "SSL_VERIFYPEER", CURLOPT_SSL_VERIFYPEER },
	{ "SSL_VERIFYHOST", CURLOPT_SSL_VERIFYHOST },
	{ "CAINFO", CURLOPT_CAINFO },
	{ "PROTOCOLS_STR", CURLOPT_PROTOCOLS_STR },
	{ "FOLLOWLOCATION", CURLOPT_FOLLOWLOCATION },
	{ "MAXFILESIZE", CURLOPT_MAXFILESIZE },
	{ "HTTPHEADER", CURLOPT_HTTPHEADER },
	{ NULL, 0 },
};

static const struct name getinfos[] = {
	{ "RESPONSE_CODE", CURLINFO_RESPONSE_CODE },
	{ "REQUEST_SIZE", CURLINFO_REQUEST_SIZE },
	{ NULL, 0 },
};

/* The option named in the variable, or -1 when it is unset or names nothing known. */
static long wanted(const char *var, const struct name *table)
{
	const char *v = getenv(var);
	char *end;
	long n;

	if (!v || !*v)
		return -1;
	for (const struct name *t = table; t->name; t++)
		if (strcmp(v, t->name) == 0)
			return t->value;
	n = strtol(v, &end, 10);
	return *end == '\0' ? n : -1;
}

static void note(const char *what, const char *name)
{
	const char *path = getenv("CURL_FAULT_LOG");
	FILE *f;

	if (!path || !(f = fopen(path, "a")))
		return;
	fprintf(f, "%s %s failed\n", what, name);
	fclose(f);
}

/* The real function: the object after this one that defines sym (libcurl). */
static void find(void **fn, const char *sym)
{
	*fn = dlsym(RTLD_NEXT, sym);
	if (!*fn) {
		fprintf(stderr, "curl_fault: no %s after the shim\n", sym);
		abort();
	}
}

CURLcode curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
	CURLcode (*next)(CURL *, CURLoption, ...);
	va_list ap;
	CURLcode rc;

	find((void **)&next, "curl_easy_setopt"); /* the POSIX idiom for a function */

	if ((long)opt == wanted("CURL_FAULT_SETOPT", setopts)) {
		note("setopt", getenv("CURL_FAULT_SETOPT"));
		return CURLE_UNKNOWN_OPTION;
	}
	/* The argument has the option's type; the option number says which (curl.h). */
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT) {
		long v = va_arg(ap, long);
		rc = next(h, opt, v);
	} else if (opt < CURLOPTTYPE_FUNCTIONPOINT) {
		void *v = va_arg(ap, void *);
		rc = next(h, opt, v);
	} else if (opt < CURLOPTTYPE_OFF_T) {
		void (*v)(void) = va_arg(ap, void (*)(void));
		rc = next(h, opt, v);
	} else if (opt < CURLOPTTYPE_BLOB) {
		curl_off_t v = va_arg(ap, curl_off_t);
		rc = next(h, opt, v);
	} else {
		void *v = va_arg(ap, void *); /* struct curl_blob * */
		rc = next(h, opt, v);
	}
	va_end(ap);
	return rc;
}

CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	CURLcode (*next)(CURL *, CURLINFO, ...);
	va_list ap;
	void *out;

	find((void **)&next, "curl_easy_getinfo");

	/* Every CURLINFO_* takes a pointer to where the value goes. */
	va_start(ap, info);
	out = va_arg(ap, void *);
	va_end(ap);
	if ((long)info == wanted("CURL_FAULT_GETINFO", getinfos)) {
		note("getinfo", getenv("CURL_FAULT_GETINFO"));
		return CURLE_UNKNOWN_OPTION;
	}
	return next(h, info, out);
}

CURLcode curl_easy_perform(CURL *h)
{
	const char *f = getenv("CURL_FAULT_PERFORM");
	CURLcode (*next)(CURL *);
	CURLcode rc;

	find((void **)&next, "curl_easy_perform");
	rc = next(h);

	if (f && strcmp(f, "timeout") == 0 && rc == CURLE_OK) {
		note("perform", "timeout");
		return CURLE_OPERATION_TIMEDOUT;
	}
	return rc;
}
