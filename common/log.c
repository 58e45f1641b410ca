/* log.c: formats log lines and writes each with a single write(2). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *s_program = "tiendo";
static td_log_level s_min_level = TD_LOG_INFO;
static const char *const s_level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void td_log_init(const char *program, td_log_level min_level)
{
    if (program != NULL)
        s_program = program;
    s_min_level = min_level;
}

void td_log_set_level(td_log_level min_level)
{
    s_min_level = min_level;
}

int td_log_level_parse(const char *text, td_log_level *out)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(text, names[i]) == 0) {
            *out = (td_log_level) i;
            return 0;
        }
    }
    return -1;
}

void td_log(td_log_level level, const char *fmt, ...)
{
    if (level < s_min_level)
        return;
    char line[2048];
    struct timeval now;
    gettimeofday(&now, NULL);
    struct tm utc;
    gmtime_r(&now.tv_sec, &utc);
    size_t used = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &utc);
    int n =
        snprintf(line + used, sizeof line - used, ".%03dZ %s[%d] %s: ", (int) (now.tv_usec / 1000),
                 s_program, (int) getpid(), s_level_names[level]);
    if (n > 0)
        used += (size_t) n;
    if (used < sizeof line) {
        va_list ap;
        va_start(ap, fmt);
        n = vsnprintf(line + used, sizeof line - used, fmt, ap);
        va_end(ap);
        if (n > 0)
            used += (size_t) n;
    }
    if (used > sizeof line - 2)
        used = sizeof line - 2; /* truncated: keep the newline */
    line[used++] = '\n';
    ssize_t ignored = write(STDERR_FILENO, line, used);
    (void) ignored;
}
