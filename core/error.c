/* Error names and the TRACE=1 error-path tracer. */
#include "core/error.h"
#include "core/log.h"

const char *err_name(int err)
{
	switch (err) {
	case E_OK:
		return "ok";
	case E_INVAL:
		return "invalid";
	case E_RANGE:
		return "out of range";
	case E_NOMEM:
		return "out of memory";
	case E_CHECKSUM:
		return "bad checksum";
	case E_NOTFOUND:
		return "not found";
	case E_TIMEOUT:
		return "timeout";
	case E_NOTSUP:
		return "not supported";
	default:
		return "unknown error";
	}
}

/* Called through ERR() in TRACE builds only: names the exact check that failed. */
int trace_error(const char *file, int line, int err)
{
	log_msg(LOG_ERR, "trace: %s:%d: %s\n", file, line, err_name(err));
	return err;
}
