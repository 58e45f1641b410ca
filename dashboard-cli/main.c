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
#include "render.h"

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
        return S_EXIT_UNREACHABLE;
    case TD_ERR_CONFIG:
        return S_EXIT_USAGE;
    default:
        return S_EXIT_ANSWER_ERROR;
    }
}

/* Print the answer; returns the exit status. */
static int s_show(options_command cmd, const options_t *opt, const Tiendo__QueryResponse *resp,
                  const td_registry_t *reg)
{
    int is_terminal = isatty(STDOUT_FILENO);
    render_style style = {0, 0, 0};
    td_err rc;

    if (resp->error_code != 0) {
        fprintf(stderr, "tiendo: the collector answered with an error: %s\n",
                resp->error && resp->error[0] ? resp->error : "(no description)");
        return S_EXIT_ANSWER_ERROR;
    }
    style.color = options_use_color(opt->color, is_terminal, getenv("NO_COLOR"), getenv("TERM"));
    style.line_width = s_line_width(is_terminal);

    if (cmd == OPTIONS_CMD_STATUS) {
        if (resp->result_case != TIENDO__QUERY_RESPONSE__RESULT_STATUS || resp->status == NULL) {
            fprintf(stderr, "tiendo: the collector's answer holds no status summary\n");
            return S_EXIT_ANSWER_ERROR;
        }
        rc = opt->json ? render_status_json(stdout, resp->status, reg)
                       : render_status_text(stdout, resp->status, reg, &style);
    } else {
        if (resp->result_case != TIENDO__QUERY_RESPONSE__RESULT_AGENTS || resp->agents == NULL) {
            fprintf(stderr, "tiendo: the collector's answer holds no agent list\n");
            return S_EXIT_ANSWER_ERROR;
        }
        rc = opt->json ? render_agents_json(stdout, resp->agents)
                       : render_agents_text(stdout, resp->agents, td_now_ms(), &style);
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
    td_config_args args;
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
                    "tiendo: unknown command '%s' (the commands are status and agents; "
                    "see tiendo --help)\n",
                    args.positional[0]);
            goto cleanup;
        }
    }
    if (args.npositional > 1) {
        fprintf(stderr, "tiendo: unexpected argument '%s' after '%s' (see tiendo %s --help)\n",
                args.positional[1], args.positional[0], args.positional[0]);
        goto cleanup;
    }
    if (cmd == OPTIONS_CMD_NONE && !args.check_config) {
        fprintf(stderr, "Usage: tiendo COMMAND [OPTIONS]   (commands: status, agents)\n"
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
    if (cmd == OPTIONS_CMD_STATUS || args.check_config) {
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
    if (cmd == OPTIONS_CMD_STATUS || args.check_config) {
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
    free(av);
    return status;
}
