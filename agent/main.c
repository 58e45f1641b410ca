/* main.c: tiendo-agent's command line: one table of commands (keygen ... dead-letters). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "cmd.h"
#include "command.h"
#include "config.h"
#include "i18n.h"
#include "log.h"
#include "period.h"
#include "registry.h"

#define OPT(name, type, field, def, min, max, help)                                                \
    {                                                                                              \
        name, type, offsetof(agent_config, field), def, min, max, help                             \
    }

static const td_config_option s_options[] = {
    OPT("state-dir", TD_OPT_STRING, state_dir, "/var/lib/tiendo/agent", 1, 1024,
        N_("Folder of the outbox, where reports wait to be sent (created 0700)")),
    OPT("collector", TD_OPT_STRING, collector, "tcp://127.0.0.1:7420", 1, 256,
        N_("Address of the central collector (run)")),
    OPT("collector-public-key", TD_OPT_STRING, collector_public_key, "/etc/tiendo/collector.pub", 1,
        1024, N_("File with the collector's public key, from its operator (run)")),
    OPT("secret-key", TD_OPT_STRING, secret_key, "/etc/tiendo/agent.key", 1, 1024,
        N_("This office's secret key file, made by keygen, mode 0600 (run)")),
    OPT("data-dir", TD_OPT_STRING, data_dir, TIENDO_DEFAULT_DATA_DIR, 1, 1024,
        N_("Folder of the unit registry and indicator catalogue (template, submit)")),
    OPT("unit", TD_OPT_STRING, unit, NULL, 1, TD_CODE_MAX - 1,
        N_("This office's unit code, e.g. 01 for Ha Noi (template; submit checks reports "
           "are for it or a unit below it)")),
    OPT("dataset", TD_OPT_STRING, dataset, TD_DEFAULT_DATASET, 1, TD_DATASET_NAME_MAX,
        N_("Dataset of new templates")),
    OPT("period", TD_OPT_STRING, period, NULL, 1, TD_PERIOD_TEXT_MAX - 1,
        N_("Reporting period: 2026-Q4, 2026-M07, 2026-H2, 2026-9M or 2026 (template)")),
    OPT("lang", TD_OPT_STRING, lang, NULL, 0, 8,
        N_("Language of messages: vi (Vietnamese) or en (English); default: from the locale "
           "(LANGUAGE, LC_ALL, LC_MESSAGES, LANG)")),
    OPT("log-level", TD_OPT_STRING, log_level, "info", 1, 16,
        N_("How much run logs: debug, info, warn or error")),
    OPT("window", TD_OPT_INT, window, "256", 1, 10000,
        N_("Reports sent ahead without an answer yet (run)")),
    OPT("resend-timeout-ms", TD_OPT_INT, resend_timeout_ms, "5000", 100, 3600000,
        N_("Resend a report not answered within this many ms; doubles each time (run)")),
    OPT("backoff-max-ms", TD_OPT_INT, backoff_max_ms, "60000", 100, 86400000,
        N_("Longest wait between resends (run)")),
    OPT("heartbeat-ms", TD_OPT_INT, heartbeat_ms, "5000", 100, 3600000,
        N_("Interval of the health messages sent to the collector (run)")),
    OPT("zmq-heartbeat-ms", TD_OPT_INT, zmq_heartbeat_ms, "1000", 0, 600000,
        N_("Connection check interval; a link silent 3x this long is dropped and redialled; "
           "0 turns it off (run)")),
    OPT("reconnect-max-ms", TD_OPT_INT, reconnect_max_ms, "30000", 100, 3600000,
        N_("Longest wait between reconnection attempts (run)")),
    OPT("map-size-mb", TD_OPT_INT, map_size_mb, "64", 1, 8192,
        N_("Initial size of the outbox file in MiB (it grows when full)")),
    OPT("metrics-bind", TD_OPT_STRING, metrics_bind, "", 0, 256,
        N_("Serve Prometheus metrics at http://HOST:PORT/metrics, e.g. 127.0.0.1:9421; port 0 "
           "picks one (logged); empty: off (run)")),
    OPT("exit-when-empty", TD_OPT_BOOL, exit_when_empty, "false", 0, 0,
        N_("run: stop once every queued report has been answered")),
    OPT("json", TD_OPT_BOOL, json, "false", 0, 0,
        N_("status, dead-letters: print JSON (fields in docs/agent.md)")),
    {NULL, TD_OPT_STRING, 0, NULL, 0, 0, NULL},
};

/* The commands: name, handler, usage, summary, help. The help texts live here only. */
static const td_command s_commands[] = {
    {"keygen", cmd_keygen, N_("keygen PREFIX"), N_("make this office's key pair"),
     N_("Makes a key pair for this office: PREFIX.key (secret, mode 0600: keep it on this\n"
        "machine, point --secret-key at it) and PREFIX.pub (public). Send the public key\n"
        "that is printed to the collector's operator: it enrols this office for its unit.\n"
        "Refuses to overwrite existing files.\n"
        "Example: tiendo-agent keygen /etc/tiendo/agent\n")},
    {"template", cmd_template, N_("template --period P [--unit U] [--dataset D]"),
     N_("print a blank report to fill in"),
     N_("Prints a report skeleton (JSON) for the period: the six task groups of Resolution\n"
        "06-NQ/TW, every data element of the indicator catalogue (value null) and an empty\n"
        "action plan. Fill it in and give it to `submit`. Without --period the current\n"
        "quarter is used. The format is described in docs/report-format.md.\n"
        "Example: tiendo-agent template --period 2026-Q4 --unit 01 > report.json\n")},
    {"submit", cmd_submit, N_("submit FILE [FILE...]"), N_("check reports and queue them"),
     N_("Reads reports (JSON, at most 262144 bytes each; - reads standard input, once),\n"
        "checks them with the same rules as the collector (units, period, task groups, data\n"
        "elements), and stores them in the outbox with the next numbers, in the order given.\n"
        "When it prints \"queued\", the reports are safely on disk and `run` will deliver\n"
        "them, even if the line to the centre is down or the machine restarts.\n"
        "Every file is checked before anything is queued. A report with a mistake is refused\n"
        "with the place of the mistake, e.g.\n"
        "  tiendo-agent: report.json: task_groups[2].progress: must be a number 0..100\n"
        "and then NOTHING is queued (at most 20 such lines, then \"... and N more\"): fix the\n"
        "files and submit again. Otherwise all are queued in one step: one \"queued\" line per\n"
        "file, or one line for all when more than 10. At most 100000 files at once.\n"
        "Submitting a newer version of the same unit and period later is fine: the centre\n"
        "keeps the latest.\n"
        "Example: tiendo-agent submit report.json\n"
        "         tiendo-agent submit reports/*.json\n")},
    {"run", cmd_run, N_("run [--exit-when-empty]"),
     N_("send queued reports to the collector (service)"),
     N_("Sends the queued reports to the collector in order, waits for each answer, resends\n"
        "when no answer comes, and keeps trying for as long as the collector is unreachable:\n"
        "reports stay queued on disk meanwhile. A delivered report leaves the outbox; a\n"
        "report the collector rejects becomes a dead letter (see `dead-letters`). Normally\n"
        "started by systemd. Stops cleanly on Ctrl-C or SIGTERM. Needs --collector,\n"
        "--collector-public-key and --secret-key. Only one `run` per outbox at a time.\n"
        "--exit-when-empty: stop once nothing is left to send.\n")},
    {"status", cmd_status, N_("status [--json]"), N_("show what is waiting to be sent"),
     N_("Shows the outbox: how many reports wait to be sent and how old the oldest is, the\n"
        "next report number, whether the sender (`run`) is running, how many reports were\n"
        "rejected (and the latest reason), and the list of waiting reports (number, unit,\n"
        "period, when queued).\n")},
    {"dead-letters", cmd_dead_letters, N_("dead-letters [list | resubmit N | discard N] [--json]"),
     N_("reports the collector rejected"),
     N_("list (the default): the rejected reports with the collector's reason.\n"
        "resubmit N: queue dead letter #N again, unchanged, under a new number (useful when\n"
        "  the problem was on the collector's side, e.g. this office was not enrolled yet).\n"
        "  If the report itself was wrong, fix the file and `submit` it instead.\n"
        "discard N: delete dead letter #N.\n")},
    {NULL, NULL, NULL, NULL, NULL},
};

#define S_COMMAND_FOOTER N_("Exit status: 0 done, 1 failed, 2 wrong command or options.\n")

static void s_usage(FILE *out)
{
    fputs(_("Usage: tiendo-agent COMMAND [OPTIONS]\n"
            "\n"
            "Sends this office's progress reports on Resolution 06-NQ/TW to the central\n"
            "collector. Reports are checked and stored here first, so nothing is lost\n"
            "when the line to the centre is down: they are sent when it comes back.\n"
            "\n"
            "Commands:\n"),
          out);
    td_command_print_list(out, s_commands);
    fputs(_("\n"
            "`tiendo-agent COMMAND --help` explains a command.\n"
            "\n"
            "Options (anywhere after the command; also `name = value` lines in\n"
            "--config FILE, or TIENDO_NAME environment variables; flags win):\n"),
          out);
    td_config_print_help(out, s_options);
    fputs(_("\n"
            "Exit status: 0 done, 1 failed (the message says why), 2 wrong command or\n"
            "options. Guide: docs/agent.md.\n"),
          out);
}

/* Checks the table cannot express. */
static int s_check_config(const agent_config *cfg, char *err, size_t errlen)
{
    td_log_level level;
    td_period p;
    if (td_log_level_parse(cfg->log_level, &level) != 0) {
        td_msg(err, errlen, "--log-level: must be debug, info, warn or error, not '%s'",
               cfg->log_level);
        return -1;
    }
    if (cfg->backoff_max_ms < cfg->resend_timeout_ms) {
        td_msg(err, errlen, "--backoff-max-ms (%lld) must be at least --resend-timeout-ms (%lld)",
               cfg->backoff_max_ms, cfg->resend_timeout_ms);
        return -1;
    }
    if (cfg->period != NULL && td_period_parse(cfg->period, &p) != TD_OK) {
        td_msg(err, errlen,
               "--period: '%s' is not a period; write 2026-Q4, 2026-M07, 2026-H2, 2026-9M "
               "or 2026",
               cfg->period);
        return -1;
    }
    if (!td_dataset_name_valid(cfg->dataset)) {
        td_msg(err, errlen, "--dataset: '%s' must be 1..%d of a-z, 0-9 and _", cfg->dataset,
               TD_DATASET_NAME_MAX);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    agent_config cfg;
    memset(&cfg, 0, sizeof cfg);
    td_config_args args = {0, 0, 0, NULL};
    char err[1024];
    int rc = AGENT_EXIT_USAGE;

    td_i18n_start(td_i18n_arg(argc, argv)); /* a bad value is refused below */
    if (argc < 2) {
        s_usage(stderr);
        return AGENT_EXIT_USAGE;
    }
    const char *word = argv[1];
    const td_command *cmd = word[0] != '-' ? td_command_find(s_commands, word) : NULL;
    if (word[0] != '-' && cmd == NULL) {
        agent_fail(NULL, "unknown command '%s' (see tiendo-agent --help)", word);
        return AGENT_EXIT_USAGE;
    }
    int first = cmd != NULL ? 2 : 1;
    td_err e = td_config_parse(s_options, &cfg, argc - first, argv + first, &args, err, sizeof err);
    if (e == TD_OK && td_i18n_start(cfg.lang) != 0)
        e = td_fail(TD_ERR_CONFIG, err, sizeof err, "--lang '%s': must be vi or en", cfg.lang);
    if (e == TD_OK && args.help) {
        if (cmd != NULL)
            td_command_print_help(stdout, AGENT_PROGRAM, cmd, s_options, S_COMMAND_FOOTER);
        else
            s_usage(stdout);
        rc = AGENT_EXIT_OK;
        goto cleanup;
    }
    if (e != TD_OK || s_check_config(&cfg, err, sizeof err) != 0) {
        agent_fail_text(NULL, err);
        goto cleanup;
    }
    if (args.check_config) {
        td_config_dump(stdout, s_options, &cfg);
        rc = AGENT_EXIT_OK;
        goto cleanup;
    }
    if (cmd == NULL) {
        agent_fail(NULL, "missing command (see tiendo-agent --help)");
        goto cleanup;
    }
    td_log_level level = TD_LOG_INFO;
    td_log_level_parse(cfg.log_level, &level);
    td_log_init(AGENT_PROGRAM, level);
    rc = cmd->run(&cfg, args.npositional, args.positional);
cleanup:
    td_config_free(s_options, &cfg);
    td_config_args_free(&args);
    return rc;
}
