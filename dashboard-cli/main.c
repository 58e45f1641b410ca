/* main.c: the tiendo command: asks the collector's query socket for the national picture. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "clock.h"
#include "codec.h"
#include "config.h"
#include "keys.h"
#include "log.h"
#include "options.h"
#include "period.h"
#include "registry.h"
#include "answer_agents.h"
#include "answer_indicators.h"
#include "answer_status.h"
#include "answer_unit.h"
#include "answer_units.h"

/* Documented in docs/cli.md; scripts rely on them. */
enum {
    S_EXIT_OK = 0,
    S_EXIT_ANSWER_ERROR = 1, /* the collector answered with an error (or an unreadable answer) */
    S_EXIT_USAGE = 2,        /* usage or configuration error */
    S_EXIT_UNREACHABLE = 3,  /* the collector could not be reached */
};

/* The terminal's width; 100 when writing to a file or pipe (nobody's screen to fit). */
static size_t s_line_width(int is_terminal)
{
    struct winsize ws;

    if (is_terminal && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
        return ws.ws_col;
    return is_terminal ? 80 : 100;
}

static int s_exit_for(td_err rc)
{
    switch (rc) {
    case TD_ERR_TIMEOUT:
    case TD_ERR_ZMQ:
    case TD_ERR_PERMISSION:
        return S_EXIT_UNREACHABLE;
    case TD_ERR_CONFIG:
        return S_EXIT_USAGE;
    default:
        return S_EXIT_ANSWER_ERROR;
    }
}

static int s_missing(const char *what)
{
    fprintf(stderr,
            "tiendo: the collector's answer holds no %s (is the collector older than "
            "this command?)\n",
            what);
    return S_EXIT_ANSWER_ERROR;
}

/* The order --sort asks for; fallback when the user gave none. */
static answer_sort s_sort(const options_t *opt, answer_sort fallback)
{
    answer_sort by;
    if (opt->sort == NULL || answer_sort_parse(opt->sort, &by) != 0)
        return fallback;
    return by;
}

/* Print the answer; returns the exit status. */
static int s_show(options_command cmd, const options_t *opt, const Tiendo__QueryResponse *resp,
                  const td_registry_t *reg)
{
    int is_terminal = isatty(STDOUT_FILENO);
    answer_style style = {0, 0, 0};
    td_err rc;

    if (resp->error_code != 0) {
        fprintf(stderr, "tiendo: the collector answered with an error: %s\n",
                resp->error && resp->error[0] ? resp->error : "(no description)");
        return S_EXIT_ANSWER_ERROR;
    }
    style.color = options_use_color(opt->color, is_terminal, getenv("NO_COLOR"), getenv("TERM"));
    style.line_width = s_line_width(is_terminal);

    switch (cmd) {
    case OPTIONS_CMD_STATUS:
        if (resp->result_case != TIENDO__QUERY_RESPONSE__RESULT_STATUS || resp->status == NULL)
            return s_missing("a status summary");
        rc = opt->json ? answer_status_json(stdout, resp->status, reg)
                       : answer_status_text(stdout, resp->status, reg, &style);
        break;
    case OPTIONS_CMD_AGENTS:
        if (resp->result_case != TIENDO__QUERY_RESPONSE__RESULT_AGENTS || resp->agents == NULL)
            return s_missing("an agent list");
        rc = opt->json ? answer_agents_json(stdout, resp->agents)
                       : answer_agents_text(stdout, resp->agents, td_now_ms(), &style);
        break;
    case OPTIONS_CMD_INDICATORS:
        if (resp->result_case != TIENDO__QUERY_RESPONSE__RESULT_INDICATORS ||
            resp->indicators == NULL)
            return s_missing("an indicator table");
        rc = opt->json ? answer_indicators_json(stdout, resp->indicators, reg)
                       : answer_indicators_text(stdout, resp->indicators, reg, &style);
        break;
    case OPTIONS_CMD_UNIT:
        if (resp->result_case != TIENDO__QUERY_RESPONSE__RESULT_UNIT || resp->unit == NULL)
            return s_missing("a unit's report");
        rc = opt->json ? answer_unit_json(stdout, resp->unit)
                       : answer_unit_text(stdout, resp->unit, reg, &style);
        break;
    case OPTIONS_CMD_OVERDUE:
        if (resp->result_case != TIENDO__QUERY_RESPONSE__RESULT_OVERDUE || resp->overdue == NULL)
            return s_missing("a list of late and overdue units");
        answer_units_sort(resp->overdue, s_sort(opt, ANSWER_SORT_STATUS));
        rc = opt->json ? answer_units_json(stdout, resp->overdue)
                       : answer_units_text(stdout, resp->overdue, "Late and overdue units", &style);
        break;
    default: /* units, export */
        if (resp->result_case != TIENDO__QUERY_RESPONSE__RESULT_UNITS || resp->units == NULL)
            return s_missing("a unit list");
        answer_units_sort(resp->units, s_sort(opt, ANSWER_SORT_CODE));
        if (cmd == OPTIONS_CMD_EXPORT)
            rc = strcmp(opt->format, "json") == 0 ? answer_units_json(stdout, resp->units)
                                                  : answer_units_csv(stdout, resp->units);
        else
            rc = opt->json ? answer_units_json(stdout, resp->units)
                           : answer_units_text(stdout, resp->units, "Units", &style);
        break;
    }
    if (rc == TD_OK && fflush(stdout) != 0)
        rc = TD_ERR_IO;
    if (rc != TD_OK) {
        fprintf(stderr, "tiendo: cannot print the answer: %s\n", td_strerror(rc));
        return S_EXIT_ANSWER_ERROR;
    }
    return S_EXIT_OK;
}

int main(int argc, char **argv)
{
    options_t opt;
    td_config_args args = {0, 0, 0, NULL};
    client_params cp;
    char err[1024], config_path[4096], period[TD_PERIOD_TEXT_MAX] = "", timeout[32];
    char **av = NULL;
    int ac = 0, status = S_EXIT_USAGE;
    options_command cmd = OPTIONS_CMD_NONE;
    td_registry_t *reg = NULL;
    Tiendo__QueryResponse *resp = NULL;
    Tiendo__QueryRequest req = TIENDO__QUERY_REQUEST__INIT;
    Tiendo__StatusQuery status_query = TIENDO__STATUS_QUERY__INIT;
    Tiendo__AgentsQuery agents_query = TIENDO__AGENTS_QUERY__INIT;
    Tiendo__IndicatorsQuery indicators_query = TIENDO__INDICATORS_QUERY__INIT;
    Tiendo__UnitsQuery units_query = TIENDO__UNITS_QUERY__INIT;
    Tiendo__UnitQuery unit_query = TIENDO__UNIT_QUERY__INIT;
    Tiendo__OverdueQuery overdue_query = TIENDO__OVERDUE_QUERY__INIT;
    const char *unit_code = NULL;
    td_log_level level = TD_LOG_WARN;
    td_err rc;

    memset(&opt, 0, sizeof opt);
    memset(&cp, 0, sizeof cp);
    td_log_init("tiendo", TD_LOG_WARN);

    /* What follows the program name, with the per-user file in front when there is one. */
    av = calloc((size_t) argc + 3, sizeof *av);
    if (av == NULL) {
        fprintf(stderr, "tiendo: out of memory\n");
        goto cleanup;
    }
    if (options_default_config(argc - 1, argv + 1, config_path, sizeof config_path)) {
        av[ac++] = "--config";
        av[ac++] = config_path;
    }
    for (int i = 1; i < argc; i++)
        av[ac++] = argv[i];

    rc = td_config_parse(options_table, &opt, ac, av, &args, err, sizeof err);
    if (rc != TD_OK) {
        fprintf(stderr, "tiendo: %s\n(see tiendo --help)\n", err);
        goto cleanup;
    }
    if (args.help) {
        options_print_help(stdout, options_command_find(argc - 1, argv + 1));
        status = S_EXIT_OK;
        goto cleanup;
    }
    if (args.npositional > 0 && strcmp(args.positional[0], "help") == 0) {
        /* "tiendo help status" for people who do not think in flags. */
        options_print_help(stdout, options_command_find(args.npositional - 1, args.positional + 1));
        status = S_EXIT_OK;
        goto cleanup;
    }
    if (args.npositional > 0) {
        cmd = options_command_parse(args.positional[0]);
        if (cmd == OPTIONS_CMD_NONE) {
            fprintf(stderr,
                    "tiendo: unknown command '%s' (the commands are status, agents, indicators, "
                    "units, unit, overdue and export; see tiendo --help)\n",
                    args.positional[0]);
            goto cleanup;
        }
    }
    if (cmd == OPTIONS_CMD_UNIT) {
        if (args.npositional < 2) {
            fprintf(stderr, "tiendo: unit needs the unit's code, e.g. tiendo unit 01 "
                            "(see tiendo unit --help)\n");
            goto cleanup;
        }
        unit_code = args.positional[1];
        if (unit_code[0] == '\0' || strlen(unit_code) > 16) {
            fprintf(stderr, "tiendo: '%.40s' is not a unit code (for example 01)\n", unit_code);
            goto cleanup;
        }
    }
    if (args.npositional > (cmd == OPTIONS_CMD_UNIT ? 2 : 1)) {
        fprintf(stderr, "tiendo: unexpected argument '%s' after '%s' (see tiendo %s --help)\n",
                args.positional[args.npositional - 1], args.positional[0], args.positional[0]);
        goto cleanup;
    }
    if (cmd == OPTIONS_CMD_NONE && !args.check_config) {
        fprintf(stderr, "Usage: tiendo COMMAND [OPTIONS]   (commands: status, agents, indicators,\n"
                        "       units, unit, overdue, export)\n"
                        "Run 'tiendo --help' for more.\n");
        goto cleanup;
    }

    rc = options_validate(&opt, err, sizeof err);
    if (rc != TD_OK) {
        fprintf(stderr, "tiendo: %s\n", err);
        goto cleanup;
    }
    td_log_level_parse(opt.log_level, &level);
    td_log_set_level(level);
    if (cmd != OPTIONS_CMD_AGENTS || args.check_config) {
        rc = options_resolve_period(opt.period, time(NULL), period, sizeof period, err, sizeof err);
        if (rc != TD_OK) {
            fprintf(stderr, "tiendo: --period: %s\n", err);
            goto cleanup;
        }
    }
    rc = td_keys_load_public(opt.collector_public_key, cp.server_public, err, sizeof err);
    if (rc != TD_OK) {
        fprintf(stderr, "tiendo: the collector's public key (--collector-public-key): %s\n", err);
        goto cleanup;
    }
    rc = td_keys_load_secret(opt.secret_key, cp.secret, cp.public_key, err, sizeof err);
    if (rc != TD_OK) {
        fprintf(stderr, "tiendo: this workstation's secret key (--secret-key): %s\n", err);
        goto cleanup;
    }
    if (cmd == OPTIONS_CMD_STATUS || cmd == OPTIONS_CMD_INDICATORS || cmd == OPTIONS_CMD_UNIT ||
        args.check_config) {
        /* Names and titles are local reference data; without them the numbers still help,
         * so only --check-config treats a missing registry as an error. */
        rc = td_registry_open(&reg, opt.data_dir, err, sizeof err);
        if (rc != TD_OK) {
            if (args.check_config) {
                fprintf(stderr, "tiendo: --data-dir %s: %s\n", opt.data_dir, err);
                goto cleanup;
            }
            fprintf(stderr,
                    "tiendo: warning: cannot read the unit registry in %s (%s); "
                    "showing codes without names\n",
                    opt.data_dir, err);
            reg = NULL;
        }
    }
    if (args.check_config) {
        status = S_EXIT_OK;
        goto cleanup;
    }

    cp.endpoint = opt.query;
    cp.timeout_ms = (int) opt.timeout_ms;
    req.has_version = 1;
    req.version = TD_PROTOCOL_VERSION;
    if (cmd == OPTIONS_CMD_STATUS) {
        status_query.dataset = opt.dataset;
        status_query.period = period;
        req.query_case = TIENDO__QUERY_REQUEST__QUERY_STATUS;
        req.status = &status_query;
    } else if (cmd == OPTIONS_CMD_INDICATORS) {
        indicators_query.dataset = opt.dataset;
        indicators_query.period = period;
        indicators_query.level = opt.level;
        req.query_case = TIENDO__QUERY_REQUEST__QUERY_INDICATORS;
        req.indicators = &indicators_query;
    } else if (cmd == OPTIONS_CMD_UNITS || cmd == OPTIONS_CMD_EXPORT) {
        units_query.dataset = opt.dataset;
        units_query.period = period;
        units_query.province = opt.province;
        req.query_case = TIENDO__QUERY_REQUEST__QUERY_UNITS;
        req.units = &units_query;
    } else if (cmd == OPTIONS_CMD_UNIT) {
        unit_query.dataset = opt.dataset;
        unit_query.period = period;
        unit_query.unit = (char *) unit_code;
        req.query_case = TIENDO__QUERY_REQUEST__QUERY_UNIT;
        req.unit = &unit_query;
    } else if (cmd == OPTIONS_CMD_OVERDUE) {
        overdue_query.dataset = opt.dataset;
        overdue_query.period = period;
        req.query_case = TIENDO__QUERY_REQUEST__QUERY_OVERDUE;
        req.overdue = &overdue_query;
    } else {
        req.query_case = TIENDO__QUERY_REQUEST__QUERY_AGENTS;
        req.agents = &agents_query;
    }
    err[0] = '\0';
    rc = client_query(&cp, &req, &resp, err, sizeof err);
    if (rc == TD_ERR_TIMEOUT) {
        fprintf(stderr,
                "tiendo: no answer from the collector at %s within %s (is it running? are the "
                "keys right?)\n",
                opt.query, options_format_timeout(opt.timeout_ms, timeout, sizeof timeout));
        status = S_EXIT_UNREACHABLE;
        goto cleanup;
    }
    if (rc != TD_OK) {
        fprintf(stderr, "tiendo: %s\n", err[0] ? err : td_strerror(rc));
        status = s_exit_for(rc);
        goto cleanup;
    }
    status = s_show(cmd, &opt, resp, reg);

cleanup:
    td_query_response_free(&resp);
    td_registry_close(&reg);
    memset(cp.secret, 0, sizeof cp.secret);
    td_config_free(options_table, &opt);
    td_config_args_free(&args);
    free(av);
    return status;
}
