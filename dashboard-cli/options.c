/* options.c: the tiendo command's option table and the checks of what the user typed. */
#include "options.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calendar.h"
#include "i18n.h"
#include "log.h"
#include "registry.h"
#include "tasks.h"
#include "utf8.h"

/* Bounds: strings are paths or short words; a period is at most "2026-M07". */
const td_config_option options_table[] = {
    {"query", TD_OPT_STRING, offsetof(options_t, query), OPTIONS_DEFAULT_QUERY, 0,
     OPTIONS_ENDPOINT_MAX, N_("Where the collector answers questions (its query endpoint)")},
    {"collector-public-key", TD_OPT_STRING, offsetof(options_t, collector_public_key), NULL, 0,
     4096, N_("File with the collector's public key (.pub), to be sure it is the real collector")},
    {"secret-key", TD_OPT_STRING, offsetof(options_t, secret_key), NULL, 0, 4096,
     N_("File with this workstation's secret key (.key, readable only by you)")},
    {"data-dir", TD_OPT_STRING, offsetof(options_t, data_dir), TIENDO_DEFAULT_DATA_DIR, 0, 4096,
     N_("Folder with the unit registry and task groups (names and titles)")},
    {"timeout-ms", TD_OPT_INT, offsetof(options_t, timeout_ms), "5000", 100, 600000,
     N_("How long to wait for the collector's answer, in milliseconds")},
    {"json", TD_OPT_BOOL, offsetof(options_t, json), NULL, 0, 0,
     N_("Print JSON (fields in docs/cli-json.md) instead of tables")},
    {"period", TD_OPT_STRING, offsetof(options_t, period), NULL, 0, 16,
     N_("Reporting period: 2026-Q3, 2026-M07, 2026-H2, 2026-9M or 2026 (default: this quarter)")},
    {"dataset", TD_OPT_STRING, offsetof(options_t, dataset), TD_DEFAULT_DATASET, 0,
     TD_DATASET_NAME_MAX, N_("Which reporting programme (nq06: Resolution 06-NQ/TW)")},
    {"color", TD_OPT_STRING, offsetof(options_t, color), "auto", 0, 16,
     N_("Colours: auto (only on a terminal), always or never")},
    {"lang", TD_OPT_STRING, offsetof(options_t, lang), NULL, 0, 8,
     N_("Language of tables and messages: vi (Vietnamese) or en (English); default: from the "
        "locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG)")},
    {"log-level", TD_OPT_STRING, offsetof(options_t, log_level), "warn", 0, 16,
     N_("How much to log on stderr: debug, info, warn or error")},
    {"level", TD_OPT_STRING, offsetof(options_t, level), "nation", 0, 16,
     N_("indicators: nation (one table) or province (one row per province)")},
    {"province", TD_OPT_STRING, offsetof(options_t, province), NULL, 0, 16,
     N_("units, export, tasks: show only this province (its code, e.g. 01) and its units")},
    {"sort", TD_OPT_STRING, offsetof(options_t, sort), NULL, 0, 16,
     N_("units, overdue: order by code (units' default), name, progress (lowest first) or "
        "status (worst first; overdue's default)")},
    {"format", TD_OPT_STRING, offsetof(options_t, format), "csv", 0, 16,
     N_("export: csv (for spreadsheets) or json")},
    {"status", TD_OPT_STRING, offsetof(options_t, status), NULL, 0, 32,
     N_("tasks: only tasks in this state: completed_on_time, completed_late, in_progress or "
        "overdue")},
    {"group", TD_OPT_INT, offsetof(options_t, group), NULL, 1, TD_TASK_GROUPS,
     N_("tasks: only tasks of task group N (not given: every group)")},
    {"owner", TD_OPT_STRING, offsetof(options_t, owner), NULL, 1, 200,
     N_("tasks: only tasks whose lead owner or a co-owner contains this text (any case)")},
    {"limit", TD_OPT_INT, offsetof(options_t, limit), "100", 0, 100000,
     N_("tasks: list at most N tasks, those with the earliest deadlines (0: all; the counts "
        "always cover all)")},
    {"as-of", TD_OPT_STRING, offsetof(options_t, as_of), NULL, 0, 16,
     N_("tasks: the day the states are for, YYYY-MM-DD (default: today, UTC)")},
    {NULL, TD_OPT_STRING, 0, NULL, 0, 0, NULL},
};

td_err options_resolve_period(const char *text, time_t now, char *out, size_t outlen, char *err,
                              size_t errlen)
{
    char norm[TD_PERIOD_TEXT_MAX];
    const char *typed = text;
    td_period p;
    size_t n = 0;

    if (text == NULL || text[0] == '\0') {
        p = td_period_containing(TD_PERIOD_QUARTER, now);
        td_period_format(&p, out, outlen);
        return TD_OK;
    }
    /* Forgive what people type by hand: surrounding spaces and lower-case letters. */
    while (*text == ' ')
        text++;
    for (; *text != '\0' && n + 1 < sizeof norm; text++)
        norm[n++] = (char) toupper((unsigned char) *text);
    while (n > 0 && norm[n - 1] == ' ')
        n--;
    norm[n] = '\0';
    if (*text != '\0' || td_period_parse(norm, &p) != TD_OK) {
        td_msg(err, errlen,
               "'%.40s' is not a reporting period: write it as 2026-Q3 (quarter), 2026-M07 "
               "(month), 2026-H2 (half-year), 2026-9M (first nine months) or 2026 (year), with a "
               "year from 2000 to 2100",
               typed);
        return TD_ERR_INVALID;
    }
    td_period_format(&p, out, outlen);
    return TD_OK;
}

static int s_starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

td_err options_validate(const options_t *o, char *err, size_t errlen)
{
    td_log_level level;
    td_task_state state;
    td_date day;

    if (!td_dataset_name_valid(o->dataset)) {
        td_msg(err, errlen,
               "--dataset '%.40s': use 1 to %d lower-case letters, digits and '_' (for example "
               "%s)",
               o->dataset != NULL ? o->dataset : "", TD_DATASET_NAME_MAX, TD_DEFAULT_DATASET);
        return TD_ERR_CONFIG;
    }
    if (o->color == NULL || (strcmp(o->color, "auto") != 0 && strcmp(o->color, "always") != 0 &&
                             strcmp(o->color, "never") != 0)) {
        td_msg(err, errlen, "--color '%s': must be auto, always or never",
               o->color ? o->color : "");
        return TD_ERR_CONFIG;
    }
    if (o->log_level == NULL || td_log_level_parse(o->log_level, &level) != 0) {
        td_msg(err, errlen, "--log-level '%s': must be debug, info, warn or error",
               o->log_level ? o->log_level : "");
        return TD_ERR_CONFIG;
    }
    if (o->query == NULL ||
        !(s_starts_with(o->query, "tcp://") || s_starts_with(o->query, "ipc://") ||
          s_starts_with(o->query, "inproc://"))) {
        td_msg(err, errlen,
               "--query '%s': must be an endpoint such as tcp://collector.example:7421 "
               "(default %s)",
               o->query ? o->query : "", OPTIONS_DEFAULT_QUERY);
        return TD_ERR_CONFIG;
    }
    if (o->level != NULL && strcmp(o->level, "nation") != 0 && strcmp(o->level, "province") != 0) {
        td_msg(err, errlen, "--level '%s': must be nation or province", o->level);
        return TD_ERR_CONFIG;
    }
    if (o->sort != NULL && strcmp(o->sort, "code") != 0 && strcmp(o->sort, "name") != 0 &&
        strcmp(o->sort, "progress") != 0 && strcmp(o->sort, "status") != 0) {
        td_msg(err, errlen, "--sort '%s': must be code, name, progress or status", o->sort);
        return TD_ERR_CONFIG;
    }
    if (o->format != NULL && strcmp(o->format, "csv") != 0 && strcmp(o->format, "json") != 0) {
        td_msg(err, errlen, "--format '%s': must be csv or json", o->format);
        return TD_ERR_CONFIG;
    }
    if (o->province != NULL) {
        const char *p = o->province;
        for (; *p != '\0' && isalnum((unsigned char) *p); p++)
            ;
        if (o->province[0] == '\0' || *p != '\0') {
            td_msg(err, errlen,
                   "--province '%s': give the province's code, letters and digits only "
                   "(for example 01)",
                   o->province);
            return TD_ERR_CONFIG;
        }
    }
    if (o->status != NULL && td_task_state_parse(o->status, &state) != 0) {
        td_msg(err, errlen,
               "--status '%.40s': must be completed_on_time, completed_late, in_progress or "
               "overdue",
               o->status);
        return TD_ERR_CONFIG;
    }
    if (o->owner != NULL && !td_utf8_valid_text(o->owner)) {
        td_msg(err, errlen,
               "--owner: the text is not valid UTF-8 (check the terminal's "
               "character set)");
        return TD_ERR_CONFIG;
    }
    if (o->as_of != NULL && td_date_parse(o->as_of, &day) != TD_OK) {
        td_msg(err, errlen,
               "--as-of '%.40s': must be a day of the calendar, YYYY-MM-DD (for example "
               "2026-12-31)",
               o->as_of);
        return TD_ERR_CONFIG;
    }
    if (o->collector_public_key == NULL || o->collector_public_key[0] == '\0') {
        td_msg(err, errlen,
               "no --collector-public-key: give the file with the collector's public key "
               "(ask the collector's operators for it)");
        return TD_ERR_CONFIG;
    }
    if (o->secret_key == NULL || o->secret_key[0] == '\0') {
        td_msg(err, errlen,
               "no --secret-key: give this workstation's secret key file (.key); the "
               "collector's operators make it and enrol its public key as a query client");
        return TD_ERR_CONFIG;
    }
    return TD_OK;
}

int options_use_color(const char *mode, int stdout_is_terminal, const char *no_color,
                      const char *term)
{
    if (mode == NULL || strcmp(mode, "never") == 0)
        return 0;
    if (strcmp(mode, "always") == 0)
        return 1;
    /* auto: https://no-color.org asks that a non-empty NO_COLOR turn colours off. */
    if (!stdout_is_terminal || (no_color != NULL && no_color[0] != '\0'))
        return 0;
    if (term != NULL && strcmp(term, "dumb") == 0)
        return 0;
    return 1;
}

int options_default_config(int argc, char *const *argv, char *buf, size_t len)
{
    return options_default_config_in(argc, argv, OPTIONS_SYSTEM_CONFIG, buf, len);
}

/* The system-wide file into buf when it exists. */
static int s_system_config(const char *system_file, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%s", system_file);
    return n > 0 && (size_t) n < len && access(buf, F_OK) == 0;
}

int options_default_config_in(int argc, char *const *argv, const char *system_file, char *buf,
                              size_t len)
{
    const char *env, *home;
    int n;

    for (int i = 0; i < argc && argv[i] != NULL; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--config") == 0 || strncmp(argv[i], "--config=", 9) == 0)
            return 0;
    }
    env = getenv("TIENDO_CONFIG");
    if (env != NULL && env[0] != '\0') {
        n = snprintf(buf, len, "%s", env);
        return n > 0 && (size_t) n < len;
    }
    env = getenv("XDG_CONFIG_HOME");
    home = getenv("HOME");
    if (env != NULL && env[0] == '/')
        n = snprintf(buf, len, "%s/" OPTIONS_USER_CONFIG, env);
    else if (home != NULL && home[0] == '/')
        n = snprintf(buf, len, "%s/.config/" OPTIONS_USER_CONFIG, home);
    else
        return s_system_config(system_file, buf, len);
    if (n > 0 && (size_t) n < len && access(buf, F_OK) == 0)
        return 1;
    return s_system_config(system_file, buf, len);
}

char *options_format_timeout(long long ms, char *buf, size_t len)
{
    char seconds[32];

    /* The units of common/timefmt's durations, in the reader's language. */
    if (ms < 1000)
        snprintf(buf, len, _("%lld ms"), ms);
    else if (ms % 1000 == 0)
        snprintf(buf, len, _("%lld s"), ms / 1000);
    else /* TRANSLATORS: a timeout in seconds with decimals, "1.5 s" */
        snprintf(buf, len, _("%s s"),
                 td_fmt_number((double) ms / 1000.0,
                               ms % 100 == 0  ? 1
                               : ms % 10 == 0 ? 2
                                              : 3,
                               seconds, sizeof seconds));
    return buf;
}
