/* commands.c: the tiendo command's commands: one table, each row's handler and help text. */
#include "commands.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "answer_agents.h"
#include "answer_indicators.h"
#include "answer_status.h"
#include "answer_tasks.h"
#include "answer_unit.h"
#include "answer_units.h"
#include "clock.h"
#include "codec.h"
#include "i18n.h"
#include "keys.h"
#include "log.h"
#include "reason.h"

/* "tiendo: " and a message for people, on stderr, with a line end. */
static void s_say(const char *text)
{
    fprintf(stderr, "tiendo: %s\n", text);
}

/* s_prepare's answer when the command should go on and ask the collector (every real
 * exit status is >= 0). */
#define S_GO (-1)

enum {
    S_NEEDS_PERIOD = 1,   /* the question names a period */
    S_NEEDS_REGISTRY = 2, /* the answer shows names and titles from the local registry */
};

/* Check the options and load what a question needs: the period, both keys and, for
 * answers that show names, the registry (a missing registry only warns: the numbers still
 * help; --check-config, which checks all of it, treats it as an error). Returns S_GO,
 * COMMANDS_EXIT_OK after a passing --check-config, or COMMANDS_EXIT_USAGE. */
static int s_prepare(commands_run *run, unsigned needs)
{
    const options_t *opt = &run->opt;
    td_log_level level = TD_LOG_WARN;
    char err[1024], msg[1536];
    td_err rc;

    rc = options_validate(opt, err, sizeof err);
    if (rc != TD_OK) {
        s_say(err);
        return COMMANDS_EXIT_USAGE;
    }
    td_log_level_parse(opt->log_level, &level);
    td_log_set_level(level);
    if ((needs & S_NEEDS_PERIOD) || run->check_config) {
        rc = options_resolve_period(opt->period, time(NULL), run->period, sizeof run->period, err,
                                    sizeof err);
        if (rc != TD_OK) {
            fprintf(stderr, "tiendo: --period: %s\n", err);
            return COMMANDS_EXIT_USAGE;
        }
    }
    rc = td_keys_load_public(opt->collector_public_key, run->client.server_public, err, sizeof err);
    if (rc != TD_OK) {
        td_msg(msg, sizeof msg, "the collector's public key (--collector-public-key): %s", err);
        s_say(msg);
        return COMMANDS_EXIT_USAGE;
    }
    rc = td_keys_load_secret(opt->secret_key, run->client.secret, run->client.public_key, err,
                             sizeof err);
    if (rc != TD_OK) {
        td_msg(msg, sizeof msg, "this workstation's secret key (--secret-key): %s", err);
        s_say(msg);
        return COMMANDS_EXIT_USAGE;
    }
    if ((needs & S_NEEDS_REGISTRY) || run->check_config) {
        td_registry_close(&run->reg); /* a run checked before it asks opens it again */
        rc = td_registry_open(&run->reg, opt->data_dir, err, sizeof err);
        if (rc != TD_OK && run->check_config) {
            fprintf(stderr, "tiendo: --data-dir %s: %s\n", opt->data_dir, err);
            return COMMANDS_EXIT_USAGE;
        }
        if (rc != TD_OK) {
            td_msg(msg, sizeof msg,
                   "warning: cannot read the unit registry in %s (%s); showing codes without "
                   "names",
                   opt->data_dir, err);
            s_say(msg);
            run->reg = NULL;
        }
    }
    return run->check_config ? COMMANDS_EXIT_OK : S_GO;
}

/* A command that takes at most max operands: refuse more, then s_prepare. */
static int s_start(commands_run *run, const char *name, int noperands, char **operands, int max,
                   unsigned needs)
{
    char msg[512];

    if (noperands > max) {
        /* TRANSLATORS: %1$s the argument, %2$s and %3$s the command's name */
        td_msg(msg, sizeof msg, "unexpected argument '%.200s' after '%s' (see tiendo %s --help)",
               operands[noperands - 1], name, name);
        s_say(msg);
        return COMMANDS_EXIT_USAGE;
    }
    return s_prepare(run, needs);
}

static int s_exit_for(td_err rc)
{
    switch (rc) {
    case TD_ERR_TIMEOUT:
    case TD_ERR_ZMQ:
    case TD_ERR_PERMISSION:
        return COMMANDS_EXIT_UNREACHABLE;
    case TD_ERR_CONFIG:
        return COMMANDS_EXIT_USAGE;
    default:
        return COMMANDS_EXIT_ANSWER_ERROR;
    }
}

/* Ask the collector req (its version is set here) and keep the answer in run->resp.
 * Returns S_GO for an answer without an error, else the exit status, having said why. */
static int s_ask(commands_run *run, Tiendo__QueryRequest *req)
{
    const Tiendo__QueryResponse *resp;
    char err[1024] = "", timeout[32], msg[2048], reason[TD_REASON_TEXT_MAX];
    td_err rc;

    req->has_version = 1;
    req->version = TD_PROTOCOL_VERSION;
    run->client.endpoint = run->opt.query;
    run->client.timeout_ms = (int) run->opt.timeout_ms;
    td_query_response_free(&run->resp);
    rc = client_query(&run->client, req, &run->resp, err, sizeof err);
    if (rc == TD_ERR_TIMEOUT) {
        /* TRANSLATORS: %1$s the collector's endpoint, %2$s a timeout ("5 s") */
        td_msg(msg, sizeof msg,
               "no answer from the collector at %s within %s (is it running? are the keys "
               "right?)",
               run->opt.query,
               options_format_timeout(run->opt.timeout_ms, timeout, sizeof timeout));
        s_say(msg);
        return COMMANDS_EXIT_UNREACHABLE;
    }
    if (rc != TD_OK) {
        s_say(err[0] ? err : _(td_strerror(rc)));
        return s_exit_for(rc);
    }
    resp = run->resp;
    if (resp->error_code != 0) {
        /* The collector sends its reason in parts (QueryResponse.error_format, error_args)
         * beside the English text: shown in the reader's language when this tiendo knows
         * the code, else the English (an older or newer collector). */
        if (resp->error != NULL && resp->error[0] != '\0')
            td_reason_render_parts(resp->error_format, (const char *const *) resp->error_args,
                                   resp->n_error_args, resp->error, reason, sizeof reason);
        else
            snprintf(reason, sizeof reason, "%s", _("(no description)"));
        td_msg(msg, sizeof msg, "the collector answered with an error: %s", reason);
        s_say(msg);
        return COMMANDS_EXIT_ANSWER_ERROR;
    }
    return S_GO;
}

/* An answer of another kind than asked (or empty). */
static int s_missing(const char *what)
{
    char msg[512];

    /* TRANSLATORS: %s what was asked for ("a status summary") */
    td_msg(msg, sizeof msg,
           "the collector's answer holds no %s (is the collector older than this command?)",
           _(what));
    s_say(msg);
    return COMMANDS_EXIT_ANSWER_ERROR;
}

/* How an answer printed: flushed and fine, or why not. */
static int s_printed(td_err rc)
{
    if (rc == TD_OK && fflush(stdout) != 0)
        rc = TD_ERR_IO;
    if (rc != TD_OK) {
        char msg[256];
        td_msg(msg, sizeof msg, "cannot print the answer: %s", _(td_strerror(rc)));
        s_say(msg);
        return COMMANDS_EXIT_ANSWER_ERROR;
    }
    return COMMANDS_EXIT_OK;
}

/* Colours (--color, NO_COLOR, TERM) and the line width: the terminal's; 100 when writing
 * to a file or pipe (nobody's screen to fit). */
static answer_style s_style(const commands_run *run)
{
    int is_terminal = isatty(STDOUT_FILENO);
    answer_style style = {0, is_terminal ? 80 : 100, 0};
    struct winsize ws;

    style.color =
        options_use_color(run->opt.color, is_terminal, getenv("NO_COLOR"), getenv("TERM"));
    if (is_terminal && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
        style.line_width = ws.ws_col;
    return style;
}

/* The order --sort asks for; fallback when the user gave none. */
static answer_units_order s_sort(const commands_run *run, answer_units_order fallback)
{
    answer_units_order by;
    if (run->opt.sort == NULL || answer_units_sort_parse(run->opt.sort, &by) != 0)
        return fallback;
    return by;
}

static int s_status(void *ctx, int noperands, char **operands)
{
    commands_run *run = ctx;
    Tiendo__QueryRequest req = TIENDO__QUERY_REQUEST__INIT;
    Tiendo__StatusQuery q = TIENDO__STATUS_QUERY__INIT;
    const Tiendo__StatusSummary *s;
    answer_style style;
    int status;

    status = s_start(run, "status", noperands, operands, 0, S_NEEDS_PERIOD | S_NEEDS_REGISTRY);
    if (status != S_GO)
        return status;
    q.dataset = run->opt.dataset;
    q.period = run->period;
    req.query_case = TIENDO__QUERY_REQUEST__QUERY_STATUS;
    req.status = &q;
    status = s_ask(run, &req);
    if (status != S_GO)
        return status;
    s = run->resp->status;
    if (run->resp->result_case != TIENDO__QUERY_RESPONSE__RESULT_STATUS || s == NULL)
        return s_missing(N_("a status summary"));
    style = s_style(run);
    return s_printed(run->opt.json ? answer_status_json(stdout, s, run->reg)
                                   : answer_status_text(stdout, s, run->reg, &style));
}

static int s_agents(void *ctx, int noperands, char **operands)
{
    commands_run *run = ctx;
    Tiendo__QueryRequest req = TIENDO__QUERY_REQUEST__INIT;
    Tiendo__AgentsQuery q = TIENDO__AGENTS_QUERY__INIT;
    const Tiendo__AgentList *list;
    answer_style style;
    int status;

    status = s_start(run, "agents", noperands, operands, 0, 0);
    if (status != S_GO)
        return status;
    req.query_case = TIENDO__QUERY_REQUEST__QUERY_AGENTS;
    req.agents = &q;
    status = s_ask(run, &req);
    if (status != S_GO)
        return status;
    list = run->resp->agents;
    if (run->resp->result_case != TIENDO__QUERY_RESPONSE__RESULT_AGENTS || list == NULL)
        return s_missing(N_("an agent list"));
    style = s_style(run);
    return s_printed(run->opt.json ? answer_agents_json(stdout, list)
                                   : answer_agents_text(stdout, list, td_now_ms(), &style));
}

static int s_indicators(void *ctx, int noperands, char **operands)
{
    commands_run *run = ctx;
    Tiendo__QueryRequest req = TIENDO__QUERY_REQUEST__INIT;
    Tiendo__IndicatorsQuery q = TIENDO__INDICATORS_QUERY__INIT;
    const Tiendo__IndicatorTable *t;
    answer_style style;
    int status;

    status = s_start(run, "indicators", noperands, operands, 0, S_NEEDS_PERIOD | S_NEEDS_REGISTRY);
    if (status != S_GO)
        return status;
    q.dataset = run->opt.dataset;
    q.period = run->period;
    q.level = run->opt.level;
    req.query_case = TIENDO__QUERY_REQUEST__QUERY_INDICATORS;
    req.indicators = &q;
    status = s_ask(run, &req);
    if (status != S_GO)
        return status;
    t = run->resp->indicators;
    if (run->resp->result_case != TIENDO__QUERY_RESPONSE__RESULT_INDICATORS || t == NULL)
        return s_missing(N_("an indicator table"));
    style = s_style(run);
    return s_printed(run->opt.json ? answer_indicators_json(stdout, t, run->reg)
                                   : answer_indicators_text(stdout, t, run->reg, &style));
}

/* units and export ask the same question: every unit of the period (--province: one
 * province's), sorted by --sort (code unless told). Sets *list (run->resp's). */
static int s_unit_list(commands_run *run, const char *name, int noperands, char **operands,
                       Tiendo__UnitList **list)
{
    Tiendo__QueryRequest req = TIENDO__QUERY_REQUEST__INIT;
    Tiendo__UnitsQuery q = TIENDO__UNITS_QUERY__INIT;
    int status;

    status = s_start(run, name, noperands, operands, 0, S_NEEDS_PERIOD);
    if (status != S_GO)
        return status;
    q.dataset = run->opt.dataset;
    q.period = run->period;
    q.province = run->opt.province;
    req.query_case = TIENDO__QUERY_REQUEST__QUERY_UNITS;
    req.units = &q;
    status = s_ask(run, &req);
    if (status != S_GO)
        return status;
    *list = run->resp->units;
    if (run->resp->result_case != TIENDO__QUERY_RESPONSE__RESULT_UNITS || *list == NULL)
        return s_missing(N_("a unit list"));
    answer_units_sort(*list, s_sort(run, ANSWER_UNITS_BY_CODE));
    return S_GO;
}

static int s_units(void *ctx, int noperands, char **operands)
{
    commands_run *run = ctx;
    Tiendo__UnitList *list = NULL;
    answer_style style;
    int status = s_unit_list(run, "units", noperands, operands, &list);

    if (status != S_GO)
        return status;
    style = s_style(run);
    return s_printed(run->opt.json ? answer_units_json(stdout, list)
                                   : answer_units_text(stdout, list, _("Units"), &style));
}

static int s_export(void *ctx, int noperands, char **operands)
{
    commands_run *run = ctx;
    Tiendo__UnitList *list = NULL;
    int status = s_unit_list(run, "export", noperands, operands, &list);

    if (status != S_GO)
        return status;
    return s_printed(strcmp(run->opt.format, "json") == 0 ? answer_units_json(stdout, list)
                                                          : answer_units_csv(stdout, list));
}

static int s_unit(void *ctx, int noperands, char **operands)
{
    commands_run *run = ctx;
    Tiendo__QueryRequest req = TIENDO__QUERY_REQUEST__INIT;
    Tiendo__UnitQuery q = TIENDO__UNIT_QUERY__INIT;
    const Tiendo__UnitDetail *d;
    answer_style style;
    int status;

    char msg[256];

    if (noperands < 1) {
        s_say(_("unit needs the unit's code, e.g. tiendo unit 01 (see tiendo unit --help)"));
        return COMMANDS_EXIT_USAGE;
    }
    if (operands[0][0] == '\0' || strlen(operands[0]) > 16) {
        td_msg(msg, sizeof msg, "'%.40s' is not a unit code (for example 01)", operands[0]);
        s_say(msg);
        return COMMANDS_EXIT_USAGE;
    }
    status = s_start(run, "unit", noperands, operands, 1, S_NEEDS_PERIOD | S_NEEDS_REGISTRY);
    if (status != S_GO)
        return status;
    q.dataset = run->opt.dataset;
    q.period = run->period;
    q.unit = operands[0];
    req.query_case = TIENDO__QUERY_REQUEST__QUERY_UNIT;
    req.unit = &q;
    status = s_ask(run, &req);
    if (status != S_GO)
        return status;
    d = run->resp->unit;
    if (run->resp->result_case != TIENDO__QUERY_RESPONSE__RESULT_UNIT || d == NULL)
        return s_missing(N_("a unit's report"));
    style = s_style(run);
    return s_printed(run->opt.json ? answer_unit_json(stdout, d)
                                   : answer_unit_text(stdout, d, run->reg, &style));
}

static int s_overdue(void *ctx, int noperands, char **operands)
{
    commands_run *run = ctx;
    Tiendo__QueryRequest req = TIENDO__QUERY_REQUEST__INIT;
    Tiendo__OverdueQuery q = TIENDO__OVERDUE_QUERY__INIT;
    Tiendo__UnitList *list;
    answer_style style;
    int status;

    status = s_start(run, "overdue", noperands, operands, 0, S_NEEDS_PERIOD);
    if (status != S_GO)
        return status;
    q.dataset = run->opt.dataset;
    q.period = run->period;
    req.query_case = TIENDO__QUERY_REQUEST__QUERY_OVERDUE;
    req.overdue = &q;
    status = s_ask(run, &req);
    if (status != S_GO)
        return status;
    list = run->resp->overdue;
    if (run->resp->result_case != TIENDO__QUERY_RESPONSE__RESULT_OVERDUE || list == NULL)
        return s_missing(N_("a list of late and overdue units"));
    answer_units_sort(list, s_sort(run, ANSWER_UNITS_BY_STATUS));
    style = s_style(run);
    return s_printed(run->opt.json
                         ? answer_units_json(stdout, list)
                         : answer_units_text(stdout, list, _("Late and overdue units"), &style));
}

static int s_tasks(void *ctx, int noperands, char **operands)
{
    commands_run *run = ctx;
    Tiendo__QueryRequest req = TIENDO__QUERY_REQUEST__INIT;
    Tiendo__TasksQuery q = TIENDO__TASKS_QUERY__INIT;
    const Tiendo__TaskList *list;
    answer_style style;
    int status;

    status = s_start(run, "tasks", noperands, operands, 0, S_NEEDS_REGISTRY);
    if (status != S_GO)
        return status;
    q.dataset = run->opt.dataset;
    q.state = run->opt.status;
    q.province = run->opt.province;
    q.has_group = run->opt.group > 0;
    q.group = (uint32_t) run->opt.group;
    q.owner = run->opt.owner;
    q.as_of = run->opt.as_of;
    q.has_limit = run->opt.limit > 0;
    q.limit = (uint32_t) run->opt.limit;
    req.query_case = TIENDO__QUERY_REQUEST__QUERY_TASKS;
    req.tasks = &q;
    status = s_ask(run, &req);
    if (status != S_GO)
        return status;
    list = run->resp->tasks;
    if (run->resp->result_case != TIENDO__QUERY_RESPONSE__RESULT_TASKS || list == NULL)
        return s_missing(N_("a list of action-plan tasks"));
    style = s_style(run);
    return s_printed(run->opt.json ? answer_tasks_json(stdout, list, run->reg)
                                   : answer_tasks_text(stdout, list, run->reg, &style));
}

static int s_keygen(void *ctx, int noperands, char **operands)
{
    (void) ctx;
    char err[512] = "";
    if (noperands != 1) {
        fprintf(stderr, "tiendo: %s\n",
                _("keygen needs one PREFIX, e.g. ~/.config/tiendo/staff (see tiendo help keygen)"));
        return COMMANDS_EXIT_USAGE;
    }
    if (td_keys_generate(operands[0], err, sizeof err) != TD_OK) {
        fprintf(stderr, "tiendo: %s\n", err);
        return COMMANDS_EXIT_USAGE;
    }
    /* TRANSLATORS: %s (three times) is the PREFIX given, e.g. /home/lan/.config/tiendo/staff */
    printf(_("wrote %s.key (your secret key: it stays on this workstation, mode 0600) and\n"
             "%s.pub (send it to the collector's operators to be enrolled as a query key);\n"
             "then put secret-key = %s.key in ~/.config/tiendo/tiendo.conf\n"),
           operands[0], operands[0], operands[0]);
    return COMMANDS_EXIT_OK;
}

static int s_help(void *ctx, int noperands, char **operands)
{
    (void) ctx;
    /* "tiendo help status" for people who do not think in flags; like --help, the first
     * word that names a command decides ("tiendo help help": help's own), and none gives
     * the overview. */
    commands_print_help(stdout, commands_find_word(noperands, operands));
    return COMMANDS_EXIT_OK;
}

const td_command commands_table[] = {
    {"status", s_status, N_("status [--period PERIOD] [--dataset DATASET] [--json]"),
     N_("National summary: reported, on time, progress, indicators, lagging"),
     N_("The national summary for one reporting period: how many provinces have\n"
        "reported; the deadline and how many reported on time, late, are not yet\n"
        "due or overdue (timeliness = on time / expected); how far each of the\n"
        "six task groups of Resolution 06-NQ/TW has come (how many provinces have\n"
        "not started, are in progress or have completed it, and the mean\n"
        "progress); each indicator for the nation against its 2025 and 2030\n"
        "targets (\"*\" after a name: target not confirmed); the units furthest\n"
        "behind; which provinces have not reported yet, which reported only\n"
        "through the provinces merged into them, and which have no live agent;\n"
        "and how many action-plan tasks are overdue (tiendo tasks lists them).\n"
        "\n"
        "Each person is counted once: where a province and its communes both\n"
        "report, the province's own figure counts. A value marked \"*\" is\n"
        "partial: it covers only some of the provinces expected (\"Covers\": how\n"
        "many gave it, e.g. 31/34; the footnote under the table says so too).\n"
        "\n"
        "Without --period it shows the current quarter. Periods are written\n"
        "2026-Q3 (quarter), 2026-M07 (month), 2026-H2 (half-year), 2026-9M (first\n"
        "nine months) or 2026 (year).\n"
        "\n"
        "Examples:\n"
        "  tiendo status\n"
        "  tiendo status --period 2026-Q3\n"
        "  tiendo status --period 2026 --json > status-2026.json\n")},
    {"agents", s_agents, N_("agents [--json]"),
     N_("Every enrolled office: connected, silent, never connected, backlog"),
     N_("One line for each key the collector knows: every office enrolled, whether\n"
        "its agent ever connected or not, and keys seen before they were revoked.\n"
        "For each: its name and scope (the units it may report for, e.g. 01/*),\n"
        "its state in words, when it was last heard from, and from its last\n"
        "heartbeat: reports waiting to be sent (outbox) and how old the oldest\n"
        "is, reports the collector rejected (dead letters) and how far its clock\n"
        "is from the collector's (positive: the agent's clock is ahead). The\n"
        "states:\n"
        "  connected        heard from within the collector's silence threshold\n"
        "  silent for 2 h   heard from before, but not for longer than that\n"
        "  never connected  enrolled, but its agent has never made contact\n"
        "  revoked          no longer enrolled (its reports stay stored)\n"
        "  query key        a tiendo workstation such as this one, not an office\n"
        "Colours only underline the words. --json adds the whole key, the agent's\n"
        "version, the outbox epoch and the last report number stored (high water).\n"
        "\n"
        "Examples:\n"
        "  tiendo agents\n"
        "  tiendo agents --json\n")},
    {"indicators", s_indicators,
     N_("indicators [--level nation|province] [--period PERIOD]\n"
        "                         [--dataset DATASET] [--json]"),
     N_("Indicators for the nation or each province, against targets"),
     N_("The indicators of Resolution 06-NQ/TW (T01, T02 ...) computed from the\n"
        "reports of one period. With --level nation (the default) you get one\n"
        "table for the whole country: each indicator's value, its 2025 and 2030\n"
        "targets and whether the value is below, within or above them. With\n"
        "--level province you get one line per province with its value for\n"
        "every indicator, to one decimal (\"\xE2\x80\x94\" when the province gave no data).\n"
        "\n"
        "Each person is counted once: a province's own report wins over the sum\n"
        "of its communes (or of the provinces merged into it), and that sum is\n"
        "shown beside it as a check (\"74.7 (5/6)\": 5 of its 6 communes gave\n"
        "it). Without its own figure, its parts' sum stands for it. A value\n"
        "marked \"*\" is partial: only some of the units it covers gave it; the\n"
        "footnote under the table says how many.\n"
        "\n"
        "Examples:\n"
        "  tiendo indicators\n"
        "  tiendo indicators --level province --period 2026-Q3\n"
        "  tiendo indicators --level province --json > indicators.json\n")},
    {"units", s_units,
     N_("units [--province CODE] [--sort code|name|progress|status]\n"
        "                    [--period PERIOD] [--dataset DATASET] [--json]"),
     N_("Every expected unit: status, revision, progress, overdue tasks"),
     N_("One line for every unit expected to report in the period: its code and\n"
        "name, whether it reported on time, late, is not yet due or is overdue,\n"
        "its latest revision (\"\xE2\x80\x94\": nothing received), the day its first\n"
        "report arrived, its mean progress over the six task groups, and how many\n"
        "of its action-plan tasks are overdue (tiendo tasks --province CODE).\n"
        "--province shows one province and its units. --sort orders the lines by\n"
        "code (the default), name, progress (lowest first) or status (overdue,\n"
        "then late, not yet due, on time).\n"
        "\n"
        "Examples:\n"
        "  tiendo units\n"
        "  tiendo units --sort progress\n"
        "  tiendo units --province 01 --period 2026-Q3\n")},
    {"unit", s_unit, N_("unit CODE [--period PERIOD] [--dataset DATASET] [--json]"),
     N_("A unit's report in full and its revisions: tiendo unit CODE"),
     N_("Everything about one unit's report for the period: its name, when the\n"
        "unit existed and what replaced it, whether it reported on time, the six\n"
        "task groups (status, progress, note), the data values it gave, its\n"
        "action plan, and every revision the collector stored (when it arrived,\n"
        "who prepared it, which agent sent it).\n"
        "\n"
        "Examples:\n"
        "  tiendo unit 01\n"
        "  tiendo unit 79 --period 2026-Q3 --json\n")},
    {"overdue", s_overdue,
     N_("overdue [--sort code|name|progress|status] [--period PERIOD]\n"
        "                      [--dataset DATASET] [--json]"),
     N_("Units whose report is late or overdue"),
     N_("Like 'tiendo units', but only the units whose report is late (arrived\n"
        "after the deadline) or overdue (the deadline has passed and nothing has\n"
        "arrived). Sorted by status unless you say otherwise: overdue first.\n"
        "\n"
        "Examples:\n"
        "  tiendo overdue\n"
        "  tiendo overdue --period 2026-Q2 --json\n")},
    {"tasks", s_tasks,
     N_("tasks [--status STATE] [--province CODE] [--group N] [--owner TEXT]\n"
        "                    [--limit N] [--as-of YYYY-MM-DD] [--dataset DATASET] [--json]"),
     N_("Action-plan tasks: which are overdue, where, and whose"),
     N_("The tasks of the localities' action plans (kế hoạch hành động), as each\n"
        "unit last reported them, with the state the Government Office follows\n"
        "assignments by, on today's date (or --as-of):\n"
        "  completed_on_time  completed on or before its deadline\n"
        "  completed_late     completed after its deadline\n"
        "  in_progress        not completed, and the deadline has not passed yet\n"
        "  overdue            not completed, and the deadline has passed\n"
        "A task keeps its identity (unit and task id) across quarters and\n"
        "revisions; --json also gives each one's history of status changes.\n"
        "\n"
        "The line above the table counts the tasks that match in each state. The table\n"
        "shows the unit, the task's id and title, its lead owner, deadline, state\n"
        "and the day it was completed. --status keeps one state, --province one\n"
        "province and its communes, --group one of the six task groups, and\n"
        "--owner the tasks whose lead owner or a co-owner contains the text, in\n"
        "any case (\"nội vụ\" finds \"Sở Nội vụ\"). Filters add up. At most\n"
        "--limit tasks are listed (100 unless told; 0: all), those with the earliest\n"
        "deadlines, and the line under the table says how many matched.\n"
        "\n"
        "Examples:\n"
        "  tiendo tasks --status overdue\n"
        "  tiendo tasks --province 01 --group 2\n"
        "  tiendo tasks --owner \"Sở Xây dựng\" --as-of 2026-12-31 --json\n")},
    {"export", s_export,
     N_("export [--format csv|json] [--period PERIOD]\n"
        "                     [--dataset DATASET]"),
     N_("The units list as CSV or JSON, for spreadsheets and scripts"),
     N_("Writes the list of units for the period, as 'tiendo units' shows it,\n"
        "in a form other programs can read: CSV (the default; a header line,\n"
        "UTF-8, opens in a spreadsheet) or JSON (the same as 'tiendo units\n"
        "--json'). Redirect it into a file.\n"
        "\n"
        "Examples:\n"
        "  tiendo export > units-2026-Q3.csv\n"
        "  tiendo export --format json --period 2026-Q2 > units.json\n")},
    {"keygen", s_keygen, N_("keygen PREFIX"),
     N_("Make this workstation's key pair (PREFIX.key, PREFIX.pub)"),
     N_("Makes a new CURVE key pair for this workstation: PREFIX.key, the secret key,\n"
        "readable by you only (mode 0600), which never leaves this machine, and\n"
        "PREFIX.pub, the public key, which you send to the collector's operators: they\n"
        "enrol it as a query key (tiendo-collector enrol PREFIX.pub --role query\n"
        "--scope '*'). An existing key is never overwritten. Asks nothing of the\n"
        "collector.\n"
        "\n"
        "Examples:\n"
        "  tiendo keygen ~/.config/tiendo/staff\n")},
    {"help", s_help, N_("help [COMMAND]"),
     N_("What a command does and its options (also: COMMAND --help)"),
     N_("Prints what COMMAND does, its options and examples, as 'tiendo COMMAND --help'\n"
        "does; without COMMAND, the overview of every command.\n"
        "\n"
        "Examples:\n"
        "  tiendo help\n"
        "  tiendo help units\n")},
    {NULL, NULL, NULL, NULL, NULL},
};

static const char s_overview[] =
    N_("Shows the national picture of the localities' progress reports on\n"
       "Resolution 06-NQ/TW, as held by the tiendo collector.\n");

static const char s_footer[] =
    N_("Settings can also come from a file (--config FILE, the file named by\n"
       "TIENDO_CONFIG, ~/.config/tiendo/tiendo.conf, else /etc/tiendo/tiendo.conf),\n"
       "with lines such as\n"
       "  query = tcp://collector.example:7421\n"
       "and from environment variables such as TIENDO_QUERY and TIENDO_SECRET_KEY.\n"
       "What you type on the command line wins over the environment, which wins over\n"
       "the file.\n"
       "\n"
       "Exit codes: 0 success; 1 the collector answered with an error; 2 usage or\n"
       "configuration error; 3 the collector could not be reached.\n");

const td_command *commands_find_word(int argc, char *const *argv)
{
    const td_command *help = NULL;

    for (int i = 0; i < argc && argv[i] != NULL; i++) {
        const td_command *cmd = td_command_find(commands_table, argv[i]);
        /* "help" is the question, not its subject: "tiendo help status --help" is about
         * status. Only a line that names no other command gets help's own help. */
        if (cmd != NULL && cmd->run == s_help)
            help = cmd;
        else if (cmd != NULL)
            return cmd;
    }
    return help;
}

void commands_print_help(FILE *out, const td_command *cmd)
{
    if (cmd != NULL) {
        td_command_print_help(out, "tiendo", cmd, options_table, s_footer);
        return;
    }
    fprintf(out, "%s\n\n%s\n%s\n", _("Usage: tiendo COMMAND [OPTIONS]"), td_tr(s_overview),
            _("Commands:"));
    td_command_print_list(out, commands_table);
    fprintf(out, "\n%s\n",
            _("Run 'tiendo COMMAND --help' (or 'tiendo help COMMAND') to read more about a\n"
              "command.\n\nOptions (any command, anywhere on the line):"));
    td_config_print_help(out, options_table);
    fprintf(out, "\n%s", td_tr(s_footer));
}

/* "status, agents, ..., export<last>help": the table's names. */
static void s_print_names(FILE *out, const char *last)
{
    for (const td_command *c = commands_table; c->name != NULL; c++)
        fprintf(out, "%s%s", c == commands_table ? "" : c[1].name == NULL ? last : ", ", c->name);
}

void commands_print_usage(FILE *out)
{
    fprintf(out, "%s\n%s ", _("Usage: tiendo COMMAND [OPTIONS]"), _("Commands:"));
    s_print_names(out, ", ");
    fprintf(out, "\n%s\n", _("Run 'tiendo --help' for more."));
}

void commands_print_unknown(FILE *out, const char *word)
{
    /* TRANSLATORS: followed by the list of commands ("status, agents, ... and help") and
     * "; see tiendo --help)" */
    fprintf(out, _("tiendo: unknown command '%s' (the commands are "), word);
    /* TRANSLATORS: the last separator of the list of commands: "export and help" */
    s_print_names(out, _(" and "));
    fprintf(out, "%s\n", _("; see tiendo --help)"));
}

int commands_check_config(commands_run *run)
{
    int status;

    run->check_config = 1;
    status = s_prepare(run, S_NEEDS_PERIOD | S_NEEDS_REGISTRY);
    return status == S_GO ? COMMANDS_EXIT_OK : status;
}

void commands_release(commands_run *run)
{
    td_query_response_free(&run->resp);
    td_registry_close(&run->reg);
    memset(run->client.secret, 0, sizeof run->client.secret);
}
