/* error.c: descriptions of td_err values and errno translation. */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

static const char *const s_messages[TD_ERR__COUNT] = {
    [TD_OK] = "success",
    [TD_ERR_NOMEM] = "out of memory",
    [TD_ERR_INVALID] = "invalid input",
    [TD_ERR_NOTFOUND] = "not found",
    [TD_ERR_EXISTS] = "already exists",
    [TD_ERR_TOOBIG] = "too big",
    [TD_ERR_DECODE] = "malformed message",
    [TD_ERR_IO] = "input/output error",
    [TD_ERR_PERMISSION] = "permission refused",
    [TD_ERR_ZMQ] = "messaging error",
    [TD_ERR_STORE] = "storage error",
    [TD_ERR_MAPFULL] = "storage map full",
    [TD_ERR_DISKFULL] = "disk full",
    [TD_ERR_TIMEOUT] = "timed out",
    [TD_ERR_INTERRUPTED] = "interrupted",
    [TD_ERR_CONFIG] = "invalid configuration",
    [TD_ERR_PROTOCOL] = "protocol violation",
};

const char *td_strerror(int err)
{
    if (err < 0 || err >= TD_ERR__COUNT || s_messages[err] == NULL)
        return "unknown error";
    return s_messages[err];
}

td_err td_err_from_errno(int errnum)
{
    switch (errnum) {
    case 0:
        return TD_OK;
    case ENOMEM:
        return TD_ERR_NOMEM;
    case ENOENT:
        return TD_ERR_NOTFOUND;
    case EEXIST:
        return TD_ERR_EXISTS;
    case EACCES:
    case EPERM:
        return TD_ERR_PERMISSION;
    case ENOSPC:
    case EDQUOT:
        return TD_ERR_DISKFULL;
    case EINVAL:
        return TD_ERR_INVALID;
    case E2BIG:
    case EMSGSIZE:
    case EFBIG:
        return TD_ERR_TOOBIG;
    case ETIMEDOUT:
        return TD_ERR_TIMEOUT;
    case EINTR:
        return TD_ERR_INTERRUPTED;
    default:
        return TD_ERR_IO;
    }
}

void td_msg(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

td_err td_fail(td_err code, char *err, size_t errlen, const char *fmt, ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}
