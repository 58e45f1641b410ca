/* options.c: the tiendo command's option table, help text and checks of user input. */
#include "options.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "calendar.h"

/* Bounds: strings are paths or short words; a period is at most "2026-M07". */
const td_config_option options_table[] = {
    {"query", TD_OPT_STRING, offsetof(options_t, query), OPTIONS_DEFAULT_QUERY, 0,
     OPTIONS_ENDPOINT_MAX, "Where the collector answers questions (its query endpoint)"},
    {"collector-public-key", TD_OPT_STRING, offsetof(options_t, collector_public_key), NULL, 0,
     4096, "File with the collector's public key (.pub), to be sure it is the real collector"},
    {"secret-key", TD_OPT_STRING, offsetof(options_t, secret_key), NULL, 0, 4096,
     "File with this workstation's secret key (.key, readable only by you)"},
    {"data-dir", TD_OPT_STRING, offsetof(options_t, data_dir), TIENDO_DEFAULT_DATA_DIR, 0, 4096,
     "Folder with the unit registry and task groups (names and titles)"},
    {"timeout-ms", TD_OPT_INT, offsetof(options_t, timeout_ms), "5000", 100, 600000,
     "How long to wait for the collector's answer, in milliseconds"},
    {"json", TD_OPT_BOOL, offsetof(options_t, json), NULL, 0, 0,
     "Print JSON (fields in docs/cli-json.md) instead of tables"},
    {"period", TD_OPT_STRING, offsetof(options_t, period), NULL, 0, 16,
     "Reporting period: 2026-Q3, 2026-M07, 2026-H2, 2026-9M or 2026 (default: this quarter)"},
    {"dataset", TD_OPT_STRING, offsetof(options_t, dataset), TD_DEFAULT_DATASET, 0,
     TD_DATASET_NAME_MAX, "Which reporting programme (nq06: Resolution 06-NQ/TW)"},
    {"color", TD_OPT_STRING, offsetof(options_t, color), "auto", 0, 16,
     "Colours: auto (only on a terminal), always or never"},
    {"log-level", TD_OPT_STRING, offsetof(options_t, log_level), "warn", 0, 16,
     "How much to log on stderr: debug, info, warn or error"},
    {"level", TD_OPT_STRING, offsetof(options_t, level), "nation", 0, 16,
     "indicators: nation (one table) or province (one row per province)"},
    {"province", TD_OPT_STRING, offsetof(options_t, province), NULL, 0, 16,
     "units: show only this province (its code, e.g. 01) and its units"},
    {"sort", TD_OPT_STRING, offsetof(options_t, sort), NULL, 0, 16,
     "units, overdue: order by code (units' default), name, progress (lowest first) or "
     "status (worst first; overdue's default)"},
    {"format", TD_OPT_STRING, offsetof(options_t, format), "csv", 0, 16,
     "export: csv (for spreadsheets) or json"},
    {NULL, TD_OPT_STRING, 0, NULL, 0, 0, NULL},
};

options_command options_command_parse(const char *word)
{
    if (word == NULL)
        return OPTIONS_CMD_NONE;
    if (strcmp(word, "status") == 0)
        return OPTIONS_CMD_STATUS;
    if (strcmp(word, "agents") == 0)
        return OPTIONS_CMD_AGENTS;
    if (strcmp(word, "indicators") == 0)
        return OPTIONS_CMD_INDICATORS;
    if (strcmp(word, "units") == 0)
        return OPTIONS_CMD_UNITS;
    if (strcmp(word, "unit") == 0)
        return OPTIONS_CMD_UNIT;
    if (strcmp(word, "overdue") == 0)
        return OPTIONS_CMD_OVERDUE;
    if (strcmp(word, "export") == 0)
        return OPTIONS_CMD_EXPORT;
    return OPTIONS_CMD_NONE;
}

options_command options_command_find(int argc, char *const *argv)
{
    for (int i = 0; i < argc && argv[i] != NULL; i++) {
        options_command cmd = options_command_parse(argv[i]);
        if (cmd != OPTIONS_CMD_NONE)
            return cmd;
    }
    return OPTIONS_CMD_NONE;
}

static const char s_period_forms[] =
    "write it as 2026-Q3 (quarter), 2026-M07 (month), 2026-H2 (half-year), "
    "2026-9M (first nine months) or 2026 (year), with a year from 2000 to 2100";

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
        snprintf(err, errlen, "'%.40s' is not a reporting period: %s", typed, s_period_forms);
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

    if (!td_dataset_name_valid(o->dataset)) {
        snprintf(err, errlen,
                 "--dataset '%.40s': use 1 to %d lower-case letters, digits and '_' (for example "
                 "%s)",
                 o->dataset != NULL ? o->dataset : "", TD_DATASET_NAME_MAX, TD_DEFAULT_DATASET);
        return TD_ERR_CONFIG;
    }
    if (o->color == NULL || (strcmp(o->color, "auto") != 0 && strcmp(o->color, "always") != 0 &&
                             strcmp(o->color, "never") != 0)) {
        snprintf(err, errlen, "--color '%s': must be auto, always or never",
                 o->color ? o->color : "");
        return TD_ERR_CONFIG;
    }
    if (o->log_level == NULL || td_log_level_parse(o->log_level, &level) != 0) {
        snprintf(err, errlen, "--log-level '%s': must be debug, info, warn or error",
                 o->log_level ? o->log_level : "");
        return TD_ERR_CONFIG;
    }
    if (o->query == NULL ||
        !(s_starts_with(o->query, "tcp://") || s_starts_with(o->query, "ipc://") ||
          s_starts_with(o->query, "inproc://"))) {
        snprintf(err, errlen,
                 "--query '%s': must be an endpoint such as tcp://collector.example:7421 "
                 "(default " OPTIONS_DEFAULT_QUERY ")",
                 o->query ? o->query : "");
        return TD_ERR_CONFIG;
    }
    if (o->level != NULL && strcmp(o->level, "nation") != 0 && strcmp(o->level, "province") != 0) {
        snprintf(err, errlen, "--level '%s': must be nation or province", o->level);
        return TD_ERR_CONFIG;
    }
    if (o->sort != NULL && strcmp(o->sort, "code") != 0 && strcmp(o->sort, "name") != 0 &&
        strcmp(o->sort, "progress") != 0 && strcmp(o->sort, "status") != 0) {
        snprintf(err, errlen, "--sort '%s': must be code, name, progress or status", o->sort);
        return TD_ERR_CONFIG;
    }
    if (o->format != NULL && strcmp(o->format, "csv") != 0 && strcmp(o->format, "json") != 0) {
        snprintf(err, errlen, "--format '%s': must be csv or json", o->format);
        return TD_ERR_CONFIG;
    }
    if (o->province != NULL) {
        const char *p = o->province;
        for (; *p != '\0' && isalnum((unsigned char) *p); p++)
            ;
        if (o->province[0] == '\0' || *p != '\0') {
            snprintf(err, errlen,
                     "--province '%s': give the province's code, letters and digits only "
                     "(for example 01)",
                     o->province);
            return TD_ERR_CONFIG;
        }
    }
    if (o->collector_public_key == NULL || o->collector_public_key[0] == '\0') {
        snprintf(err, errlen,
                 "no --collector-public-key: give the file with the collector's public key "
                 "(ask the collector's operators for it)");
        return TD_ERR_CONFIG;
    }
    if (o->secret_key == NULL || o->secret_key[0] == '\0') {
        snprintf(err, errlen,
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
        return 0;
    if (n <= 0 || (size_t) n >= len)
        return 0;
    return access(buf, F_OK) == 0;
}

char *options_format_timeout(long long ms, char *buf, size_t len)
{
    if (ms < 1000)
        snprintf(buf, len, "%lld ms", ms);
    else if (ms % 1000 == 0)
        snprintf(buf, len, "%lld s", ms / 1000);
    else
        snprintf(buf, len, "%g s", (double) ms / 1000.0);
    return buf;
}

static void s_footer(FILE *out)
{
    fprintf(out, "\nSettings can also come from a file (--config FILE, the file named by\n"
                 "TIENDO_CONFIG, or ~/.config/tiendo/tiendo.conf), with lines such as\n"
                 "  query = tcp://collector.example:7421\n"
                 "and from environment variables such as TIENDO_QUERY and TIENDO_SECRET_KEY.\n"
                 "What you type on the command line wins over the environment, which wins over\n"
                 "the file.\n"
                 "\nExit codes: 0 success; 1 the collector answered with an error; 2 usage or\n"
                 "configuration error; 3 the collector could not be reached.\n");
}

void options_print_help(FILE *out, options_command cmd)
{
    switch (cmd) {
    case OPTIONS_CMD_STATUS:
        fprintf(out, "Usage: tiendo status [--period PERIOD] [--dataset DATASET] [--json]\n"
                     "\n"
                     "The national summary for one reporting period: how many provinces have\n"
                     "reported; the deadline and how many reported on time, late, are not yet\n"
                     "due or overdue (timeliness = on time / expected); how far each of the\n"
                     "six task groups of Resolution 06-NQ/TW has come (how many provinces have\n"
                     "not started, are in progress or have completed it, and the mean\n"
                     "progress); each indicator for the nation against its 2025 and 2030\n"
                     "targets (\"*\": target not confirmed); the units furthest behind; and\n"
                     "which provinces have not reported yet.\n"
                     "\n"
                     "Without --period it shows the current quarter. Periods are written\n"
                     "2026-Q3 (quarter), 2026-M07 (month), 2026-H2 (half-year), 2026-9M (first\n"
                     "nine months) or 2026 (year).\n"
                     "\n"
                     "Examples:\n"
                     "  tiendo status\n"
                     "  tiendo status --period 2026-Q3\n"
                     "  tiendo status --period 2026 --json > status-2026.json\n"
                     "\n"
                     "Options:\n");
        break;
    case OPTIONS_CMD_AGENTS:
        fprintf(out, "Usage: tiendo agents [--json]\n"
                     "\n"
                     "One line for each reporting office's agent the collector knows: its key,\n"
                     "when it was last heard from, its outbox epoch and the last report number\n"
                     "stored (high water), and from its last heartbeat: version, reports waiting\n"
                     "to be sent (outbox) and how old the oldest is, reports the collector\n"
                     "rejected (dead letters), and how far its clock is from the collector's\n"
                     "(positive: the agent's clock is ahead).\n"
                     "\n"
                     "Examples:\n"
                     "  tiendo agents\n"
                     "  tiendo agents --json\n"
                     "\n"
                     "Options:\n");
        break;
    case OPTIONS_CMD_INDICATORS:
        fprintf(
            out,
            "Usage: tiendo indicators [--level nation|province] [--period PERIOD]\n"
            "                         [--dataset DATASET] [--json]\n"
            "\n"
            "The indicators of Resolution 06-NQ/TW (T01, T02 ...) computed from the\n"
            "reports of one period. With --level nation (the default) you get one\n"
            "table for the whole country: each indicator's value, its 2025 and 2030\n"
            "targets and whether the value is below, within or above them. With\n"
            "--level province you get one line per province with its value for\n"
            "every indicator, to one decimal (\"\xE2\x80\x94\" when the province gave no data).\n"
            "\n"
            "Examples:\n"
            "  tiendo indicators\n"
            "  tiendo indicators --level province --period 2026-Q3\n"
            "  tiendo indicators --level province --json > indicators.json\n"
            "\n"
            "Options:\n");
        break;
    case OPTIONS_CMD_UNITS:
        fprintf(out, "Usage: tiendo units [--province CODE] [--sort code|name|progress|status]\n"
                     "                    [--period PERIOD] [--dataset DATASET] [--json]\n"
                     "\n"
                     "One line for every unit expected to report in the period: its code and\n"
                     "name, whether it reported on time, late, is not yet due or is overdue,\n"
                     "its latest revision (\"\xE2\x80\x94\": nothing received), the day its first\n"
                     "report arrived, and its mean progress over the six task groups.\n"
                     "--province shows one province and its units. --sort orders the lines by\n"
                     "code (the default), name, progress (lowest first) or status (overdue,\n"
                     "then late, not yet due, on time).\n"
                     "\n"
                     "Examples:\n"
                     "  tiendo units\n"
                     "  tiendo units --sort progress\n"
                     "  tiendo units --province 01 --period 2026-Q3\n"
                     "\n"
                     "Options:\n");
        break;
    case OPTIONS_CMD_UNIT:
        fprintf(out, "Usage: tiendo unit CODE [--period PERIOD] [--dataset DATASET] [--json]\n"
                     "\n"
                     "Everything about one unit's report for the period: its name, when the\n"
                     "unit existed and what replaced it, whether it reported on time, the six\n"
                     "task groups (status, progress, note), the data values it gave, its\n"
                     "action plan, and every revision the collector stored (when it arrived,\n"
                     "who prepared it, which agent sent it).\n"
                     "\n"
                     "Examples:\n"
                     "  tiendo unit 01\n"
                     "  tiendo unit 79 --period 2026-Q3 --json\n"
                     "\n"
                     "Options:\n");
        break;
    case OPTIONS_CMD_OVERDUE:
        fprintf(out, "Usage: tiendo overdue [--sort code|name|progress|status] [--period PERIOD]\n"
                     "                      [--dataset DATASET] [--json]\n"
                     "\n"
                     "Like 'tiendo units', but only the units whose report is late (arrived\n"
                     "after the deadline) or overdue (the deadline has passed and nothing has\n"
                     "arrived). Sorted by status unless you say otherwise: overdue first.\n"
                     "\n"
                     "Examples:\n"
                     "  tiendo overdue\n"
                     "  tiendo overdue --period 2026-Q2 --json\n"
                     "\n"
                     "Options:\n");
        break;
    case OPTIONS_CMD_EXPORT:
        fprintf(out, "Usage: tiendo export [--format csv|json] [--period PERIOD]\n"
                     "                     [--dataset DATASET] [> FILE]\n"
                     "\n"
                     "Writes the list of units for the period, as 'tiendo units' shows it,\n"
                     "in a form other programs can read: CSV (the default; a header line,\n"
                     "UTF-8, opens in a spreadsheet) or JSON (the same as 'tiendo units\n"
                     "--json'). Redirect it into a file.\n"
                     "\n"
                     "Examples:\n"
                     "  tiendo export > units-2026-Q3.csv\n"
                     "  tiendo export --format json --period 2026-Q2 > units.json\n"
                     "\n"
                     "Options:\n");
        break;
    case OPTIONS_CMD_NONE:
    default:
        fprintf(out, "Usage: tiendo COMMAND [OPTIONS]\n"
                     "\n"
                     "Shows the national picture of the localities' progress reports on\n"
                     "Resolution 06-NQ/TW, as held by the tiendo collector.\n"
                     "\n"
                     "Commands:\n"
                     "  status   National summary for a period: who has reported and on time,\n"
                     "           progress on the six task groups, indicators against targets,\n"
                     "           lagging units, who has not reported yet\n"
                     "  agents   The reporting offices' agents: last heard from, reports waiting,\n"
                     "           version, clock\n"
                     "  indicators  Indicators for the nation or each province, against targets\n"
                     "  units    Every expected unit: status, revision, first received, progress\n"
                     "  unit CODE   One unit's report in full and its revision history\n"
                     "  overdue  Units whose report is late or overdue\n"
                     "  export   The units list as CSV or JSON, for spreadsheets and scripts\n"
                     "\n"
                     "Run 'tiendo COMMAND --help' to read more about a command.\n"
                     "\n"
                     "Options (any command, anywhere on the line):\n");
        break;
    }
    td_config_print_help(out, options_table);
    s_footer(out);
}
