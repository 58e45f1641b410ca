/* log.h: levelled log lines to stderr (journald takes them under systemd). */
#ifndef TIENDO_LOG_H
#define TIENDO_LOG_H

typedef enum { TD_LOG_DEBUG = 0, TD_LOG_INFO, TD_LOG_WARN, TD_LOG_ERROR } td_log_level;

/* Set the program name shown in each line (borrowed; must outlive logging) and the
 * minimum level printed. Not thread-safe against concurrent td_log calls. */
void td_log_init(const char *program, td_log_level min_level);
void td_log_set_level(td_log_level min_level);

/* Parse "debug", "info", "warn" or "error". Returns 0 and sets *out, or -1. */
int td_log_level_parse(const char *text, td_log_level *out);

/* One line: "2026-11-29T09:40:00.123Z tiendo-collector[123] WARN: message".
 * Thread-safe (one write(2) per line). */
void td_log(td_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define td_debug(...) td_log(TD_LOG_DEBUG, __VA_ARGS__)
#define td_info(...)  td_log(TD_LOG_INFO, __VA_ARGS__)
#define td_warn(...)  td_log(TD_LOG_WARN, __VA_ARGS__)
#define td_error(...) td_log(TD_LOG_ERROR, __VA_ARGS__)

#endif
