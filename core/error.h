/*
 * Error codes and error-path tracing.
 *
 * Functions return 0 or a negative E_* code. Every place that *creates* an
 * error writes `return ERR(E_RANGE);`: in a `make TRACE=1` build ERR() also
 * logs "trace: <file>:<line>: <error>" so a user can see which check failed.
 */
#ifndef BULKHEAD_CORE_ERROR_H
#define BULKHEAD_CORE_ERROR_H

enum {
	E_OK = 0,
	E_INVAL = -1,	 /* malformed input */
	E_RANGE = -2,	 /* out of bounds / too large */
	E_NOMEM = -3,	 /* allocator exhausted or a fixed table full */
	E_CHECKSUM = -4, /* checksum mismatch */
	E_NOTFOUND = -5, /* required item absent */
	E_TIMEOUT = -6,	 /* hardware did not answer in time */
	E_NOTSUP = -7,	 /* hardware lacks a required feature */
};

const char *err_name(int err);
int trace_error(const char *file, int line, int err);

#ifdef CONFIG_TRACE_ERROR
#define ERR(e) trace_error(__FILE__, __LINE__, (e))
#else
#define ERR(e) (e)
#endif

#endif
