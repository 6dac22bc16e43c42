/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * LD_PRELOAD shim for the tests: pthread_create fails with EAGAIN, as under a spent
 * RLIMIT_NPROC. The directory store must then refuse to talk to the server (its deadline
 * cannot be enforced) and fail closed.
 */
#include <errno.h>
#include <pthread.h>

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *),
		   void *arg)
{
	(void)thread, (void)attr, (void)start, (void)arg;
	return EAGAIN;
}
