/* error.c: descriptions of td_err values, errno translation, and the one way messages are
 * written into a caller's buffer (translated, with their parts kept). */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "i18n.h"
#include "reason.h"

static const char *const s_messages[TD_ERR__COUNT] = {
    [TD_OK] = N_("success"),
    [TD_ERR_NOMEM] = N_("out of memory"),
    [TD_ERR_INVALID] = N_("invalid input"),
    [TD_ERR_NOTFOUND] = N_("not found"),
    [TD_ERR_EXISTS] = N_("already exists"),
    [TD_ERR_TOOBIG] = N_("too big"),
    [TD_ERR_DECODE] = N_("malformed message"),
    [TD_ERR_IO] = N_("input/output error"),
    [TD_ERR_PERMISSION] = N_("permission refused"),
    [TD_ERR_ZMQ] = N_("messaging error"),
    [TD_ERR_STORE] = N_("storage error"),
    [TD_ERR_MAPFULL] = N_("storage map full"),
    [TD_ERR_DISKFULL] = N_("disk full"),
    [TD_ERR_TIMEOUT] = N_("timed out"),
    [TD_ERR_INTERRUPTED] = N_("interrupted"),
    [TD_ERR_CONFIG] = N_("invalid configuration"),
    [TD_ERR_PROTOCOL] = N_("protocol violation"),
};

const char *td_strerror(int err)
{
    if (err < 0 || err >= TD_ERR__COUNT || s_messages[err] == NULL)
        return N_("unknown error");
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

/* The last message of this thread in parts (td_reason_last). */
static _Thread_local td_reason s_last;

static void s_vmsg(char *err, size_t errlen, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void s_vmsg(char *err, size_t errlen, const char *fmt, va_list ap)
{
    va_list parts;
    va_copy(parts, ap);
    td_reason_vset(&s_last, fmt, parts);
    va_end(parts);
    vsnprintf(err, errlen, dgettext(TD_TEXT_DOMAIN, fmt), ap);
}

void td_msg(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    s_vmsg(err, errlen, fmt, ap);
    va_end(ap);
}

td_err td_fail(td_err code, char *err, size_t errlen, const char *fmt, ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        s_vmsg(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

const td_reason *td_reason_last(void)
{
    return &s_last;
}
