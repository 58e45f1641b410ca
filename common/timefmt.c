/* timefmt.c: time and duration text shared by tiendo, tiendo-agent and tiendo-collector. */
#include "timefmt.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "i18n.h"

char *td_time_rfc3339(int64_t unix_ms, char *buf, size_t len)
{
    int64_t secs = unix_ms / 1000, ms = unix_ms % 1000;
    struct tm tm;

    if (ms < 0) { /* floor division for times before 1970 */
        ms += 1000;
        secs -= 1;
    }
    time_t t = (time_t) secs;
    if (gmtime_r(&t, &tm) == NULL) {
        snprintf(buf, len, "invalid time");
        return buf;
    }
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int) ms);
    return buf;
}

char *td_time_local(int64_t unix_ms, char *buf, size_t len)
{
    time_t t = (time_t) (unix_ms / 1000);
    struct tm tm;
    if (unix_ms <= 0 || localtime_r(&t, &tm) == NULL ||
        strftime(buf, len, "%Y-%m-%d %H:%M", &tm) == 0)
        snprintf(buf, len, "-");
    return buf;
}

char *td_duration_text(int64_t ms, char *buf, size_t len)
{
    if (ms < 0)
        ms = 0;
    long long s = (long long) (ms / 1000);
    /* TRANSLATORS: durations people read in tables (tiendo agents, tiendo-agent status),
     * two units at most: ms milliseconds, s seconds, min minutes, h hours, d days. */
    if (ms < 1000)
        snprintf(buf, len, _("%lld ms"), (long long) ms);
    else if (s < 60)
        snprintf(buf, len, _("%lld s"), s);
    else if (s < 3600)
        snprintf(buf, len, _("%lld min"), s / 60);
    else if (s < 86400 && (s % 3600) / 60 == 0)
        snprintf(buf, len, _("%lld h"), s / 3600);
    else if (s < 86400)
        snprintf(buf, len, _("%lld h %lld min"), s / 3600, (s % 3600) / 60);
    else if ((s % 86400) / 3600 == 0)
        snprintf(buf, len, _("%lld d"), s / 86400);
    else
        snprintf(buf, len, _("%lld d %lld h"), s / 86400, (s % 86400) / 3600);
    return buf;
}

char *td_age_text(int64_t now_ms, int64_t then_ms, char *buf, size_t len)
{
    if (then_ms <= 0) {
        /* TRANSLATORS: when something was last heard from: never */
        snprintf(buf, len, "%s", _("never"));
        return buf;
    }
    int64_t age = now_ms - then_ms;
    if (age < 1000) {
        /* not "850 ms ago": ages are read at a glance */
        snprintf(buf, len, "%s", _("0 s ago"));
        return buf;
    }
    char d[32];
    /* TRANSLATORS: an age, %s is a duration ("3 h 5 min"): "3 h 5 min ago" */
    snprintf(buf, len, _("%s ago"), td_duration_text(age, d, sizeof d));
    return buf;
}

char *td_offset_text(int64_t ms, char *buf, size_t len)
{
    char sign = ms < 0 ? '-' : '+', number[32];
    uint64_t mag = ms < 0 ? (uint64_t) 0 - (uint64_t) ms : (uint64_t) ms;

    /* TRANSLATORS: a clock offset: %c is its sign (+ or -), then a number and a unit as in
     * the durations ("+120 ms", "-3.4 s", "+5 min", "+2 h") */
    if (mag == 0)
        snprintf(buf, len, _("%lld ms"), 0LL);
    else if (mag < 1000)
        snprintf(buf, len, _("%c%lld ms"), sign, (long long) mag);
    else if (mag < 60000)
        snprintf(buf, len, _("%c%s s"), sign,
                 td_fmt_number((double) mag / 1000.0, 1, number, sizeof number));
    else if (mag < 3600000)
        snprintf(buf, len, _("%c%lld min"), sign, (long long) (mag / 60000));
    else
        snprintf(buf, len, _("%c%lld h"), sign, (long long) (mag / 3600000));
    return buf;
}
