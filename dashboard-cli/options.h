/* options.h: the tiendo command's option table and the checks of what the user typed. */
#ifndef TIENDO_CLI_OPTIONS_H
#define TIENDO_CLI_OPTIONS_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "error.h"
#include "period.h"

#define OPTIONS_DEFAULT_QUERY "tcp://127.0.0.1:7421"
#define OPTIONS_ENDPOINT_MAX  256
#define OPTIONS_USER_CONFIG   "tiendo/tiendo.conf"      /* under $XDG_CONFIG_HOME or ~/.config */
#define OPTIONS_SYSTEM_CONFIG "/etc/tiendo/tiendo.conf" /* the package's, for everyone */

/* Everything the table fills (strings malloc'd; free with td_config_free(options_table, o)). */
typedef struct {
    char *query;                /* the collector's query endpoint */
    char *collector_public_key; /* file holding the collector's public key */
    char *secret_key;           /* this CLI's secret key file (.key, mode 0600) */
    char *data_dir;             /* unit registry and task groups (local reference data) */
    long long timeout_ms;       /* how long to wait for the collector's answer */
    int json;                   /* print JSON instead of tables */
    char *period;               /* status: the period; NULL = the current quarter */
    char *dataset;              /* status: the dataset, default nq06 */
    char *color;                /* auto, always or never */
    char *log_level;            /* debug, info, warn, error */
    char *lang;                 /* vi, en; NULL: from the locale */
    char *level;                /* indicators: nation or province */
    char *province;             /* units: only this province and its units; NULL = all */
    char *sort;                 /* units, overdue: code, name, progress or status */
    char *format;               /* export: csv or json */
    char *status;               /* tasks: only this state (td_task_state_parse); NULL = all */
    long long group;            /* tasks: only this task group, 1..TD_TASK_GROUPS; 0 = all */
    long long limit;            /* tasks: at most this many, earliest deadlines; 0 = all */
    char *owner;                /* tasks: text in the lead owner or a co-owner; NULL = any */
    char *as_of;                /* tasks: YYYY-MM-DD the states are for; NULL = today */
} options_t;

/* The table for td_config_parse (ends with a NULL name). */
extern const td_config_option options_table[];

/* The period to ask about: text when given (checked with td_period_parse; an error names
 * the accepted forms), else the quarter containing `now` (UTC). Writes the canonical text
 * into out (TD_PERIOD_TEXT_MAX bytes). Returns TD_OK or TD_ERR_INVALID with err filled. */
td_err options_resolve_period(const char *text, time_t now, char *out, size_t outlen, char *err,
                              size_t errlen);

/* Check the values the table cannot: dataset (td_dataset_name_valid), color (auto, always,
 * never), log level, query endpoint (tcp://, ipc:// or inproc://), level (nation,
 * province), sort (code, name, progress, status), format (csv, json), province (1..16 of
 * letters and digits), status (a state of common/tasks.h: completed_on_time,
 * completed_late, in_progress, overdue), owner (valid UTF-8; the table bounds it to 1..200
 * bytes), as-of (a real date, YYYY-MM-DD; the table bounds --group to 1..6). TD_ERR_CONFIG
 * with err. */
td_err options_validate(const options_t *o, char *err, size_t errlen);

/* Whether to colour the output: "always" yes, "never" no, "auto" only when stdout is a
 * terminal, NO_COLOR is unset or empty, and TERM is not "dumb". */
int options_use_color(const char *mode, int stdout_is_terminal, const char *no_color,
                      const char *term);

/* The configuration file to read when neither --config nor TIENDO_CONFIG names one: the
 * per-user file ($XDG_CONFIG_HOME/tiendo/tiendo.conf or ~/.config/tiendo/tiendo.conf) when
 * it exists, else OPTIONS_SYSTEM_CONFIG when it exists (the package's: the collector's
 * address, the data folder, lang = vi). TIENDO_CONFIG, when set, is returned as it is.
 * Writes into buf; returns 1 if a file should be read, 0 if none. */
int options_default_config(int argc, char *const *argv, char *buf, size_t len);

/* The same with the system-wide file's path given (tests). */
int options_default_config_in(int argc, char *const *argv, const char *system_file, char *buf,
                              size_t len);

/* "5 s", "1.5 s", "250 ms": a timeout for messages. */
char *options_format_timeout(long long ms, char *buf, size_t len);

#endif
