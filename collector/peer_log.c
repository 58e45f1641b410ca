/* peer_log.c: rate-limited WARN lines for events caused by peers. */
#include "peer_log.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

uint64_t peer_log_event(peer_log *log, int64_t now_mono_ms, const char *verb, const char *fmt, ...)
{
    log->count++;
    if (log->logged && now_mono_ms - log->last_log_ms < 1000)
        return log->count;
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    td_warn("%s (%" PRIu64 " %s so far)", what, log->count, verb);
    log->last_log_ms = now_mono_ms;
    log->logged = 1;
    return log->count;
}
