/* main.c: tiendo-collector's command line: one table of commands (run, keygen ... prune). */
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "command.h"
#include "config.h"
#include "i18n.h"
#include "log.h"
#include "serve.h"
#include "settings.h"

/* The commands: name, handler, usage, summary, help. The help texts live here only, marked
 * for translation (N_: common/command.c shows them translated); a usage line is syntax and
 * stays as it is. A usage line that goes on is indented to stand under the command word,
 * after both "Usage: tiendo-collector " and the overview's "       tiendo-collector ". */
static const td_command s_commands[] = {
    {"run", serve_run, "[run]", N_("serve (the default): store reports, ack them, answer queries"),
     N_("Serves: agents deliver progress reports on the agents endpoint (--bind), each\n"
        "checked against its key's enrolment and scope and the report rules, stored durably\n"
        "in the LMDB store of --state-dir and then acknowledged; the `tiendo` command asks\n"
        "on the query endpoint (--query-bind). Both are CURVE-encrypted; only keys in\n"
        "--authorized-keys connect (docs/security.md). Needs --secret-key (make it with\n"
        "keygen), --authorized-keys and --data-dir.\n"
        "SIGTERM/SIGINT: finish the batch in hand, acknowledge it, exit 0. SIGHUP: reread\n"
        "the authorised keys (connected agents still enrolled stay). With --check-config:\n"
        "print the configuration, read the registry and the keys as a start would, exit.\n"
        "Exit status: 0 stopped cleanly, 1 could not start, 2 bad usage or options.\n")},
    {"keygen", admin_keygen, "keygen PREFIX",
     N_("make a CURVE key pair: PREFIX.key (secret) and PREFIX.pub"),
     N_("Makes a CURVE key pair: PREFIX.key (secret, 0600) and PREFIX.pub (give it to agents\n"
        "and CLI users). The collector's own pair, or a central staff workstation's.\n"
        "Example: tiendo-collector keygen /etc/tiendo/collector\n")},
    {"enrol", admin_enrol,
     "enrol PUBLIC-KEY --scope SCOPE [--role agent|query]\n"
     "                              [--name TEXT] [--authorized-keys FILE]",
     N_("allow a key: an agent's for a scope of units, or a query key"),
     N_("Allows a public key (a .pub file or its 40 characters) to connect: --role agent\n"
        "--scope 01/* lets a province office report for 01 and every unit under it; --role\n"
        "query --scope '*' lets central staff read. Enrolling a key again replaces its line.\n"
        "Then reload the collector. The file's format: docs/security.md.\n"
        "Example: tiendo-collector enrol agent-01.pub --scope '01/*' --name \"Ha Noi DoC\"\n")},
    {"revoke", admin_revoke, "revoke PUBLIC-KEY [--authorized-keys FILE]",
     N_("remove a key; after the reload it can neither connect nor deliver"),
     N_("Removes a key (a .pub file or its 40 characters) from the authorised keys; after\n"
        "the collector's reload it can neither connect nor deliver.\n")},
    {"check", admin_check, "check [--state-dir DIR]",
     N_("verify the store, read-only (prints JSON; exit 1 when not clean)"),
     N_("Verifies the store, read-only and beside a running collector: every revision\n"
        "decodes, no report is stored twice, revisions follow each agent's order, nothing is\n"
        "above its delivery mark, and for every agent and outbox epoch the stored reports,\n"
        "the rejected ones and those lost in a restore gap add up to its high-water mark.\n"
        "Prints JSON (fields in docs/operations.md, \"Checking a store\").\n"
        "Exit status: 0 the store passed, 1 it did not (or could not be read), 2 bad usage.\n")},
    {"backup", admin_backup, "backup DEST [--state-dir DIR]",
     N_("hot, compacted copy of the store into DEST, then `check` of the copy"),
     N_("Writes a hot, compacted copy of the store into the folder DEST (made 0700; one\n"
        "file, DEST/data.mdb, renamed into place only once complete), beside a running\n"
        "collector, then runs `check` on the copy.\n"
        "Exit status: 0 copied and checked, 1 failed, 2 bad usage or DEST holds a store.\n")},
    {"restore", admin_restore, "restore BACKUP-DIR --state-dir DIR [--force]",
     N_("check a backup and copy it into --state-dir (collector stopped)"),
     N_("Checks the backup in BACKUP-DIR, then copies it into --state-dir, for a stopped\n"
        "collector: a store that any process has open there is refused; a folder that is\n"
        "not empty needs --force (its data.mdb is kept as data.mdb.before-restore-<ms>).\n"
        "The result is checked too. Reports acknowledged after the backup are recorded as a\n"
        "restore gap when their agents next connect (docs/operations.md).\n")},
    {"prune", admin_prune, "prune [--dry-run] [--state-dir DIR]",
     N_("apply the retention options now, beside a running collector"),
     N_("Applies --retention-superseded-days and --retention-rejections-days now, in short\n"
        "write transactions (beside a running collector, which also does it once a day).\n"
        "--dry-run counts what would go and changes nothing; --now-ms sets \"now\".\n")},
    {NULL, NULL, NULL, NULL, NULL},
};

#define S_FOOTER N_("Docs: docs/operations.md, docs/protocol.md, docs/security.md.\n")

/* Columns a text takes on a terminal: one per character (the translations are NFC). */
static int s_columns(const char *text)
{
    int n = 0;
    for (const unsigned char *p = (const unsigned char *) text; *p != '\0'; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

static void s_usage(FILE *out)
{
    /* TRANSLATORS: before the first command line of `tiendo-collector --help`; the other
     * lines are indented to stand under it (keep the space at the end) */
    const char *usage = _("Usage: ");
    int indent = s_columns(usage);
    for (const td_command *c = s_commands; c->name != NULL; c++) {
        fprintf(out, "%*s%s ", c == s_commands ? 0 : indent, c == s_commands ? usage : "",
                COLLECTOR_PROGRAM);
        /* a usage line that goes on is indented for the 7 columns of "Usage: " */
        for (const char *line = c->usage, *nl; line != NULL; line = nl != NULL ? nl + 1 : NULL) {
            nl = strchr(line, '\n');
            int len = nl != NULL ? (int) (nl - line) : (int) strlen(line);
            fprintf(out, "%*s%.*s%s", line == c->usage ? 0 : (indent > 7 ? indent - 7 : 0), "", len,
                    line, nl != NULL ? "\n" : "");
        }
        fprintf(out, " [OPTIONS]\n");
    }
    fprintf(out, "\n%s\n%s\n",
            _("The central collector of tiendo: receives progress reports on Resolution\n"
              "06-NQ/TW from agents over ZeroMQ (CURVE-encrypted), stores them durably in\n"
              "LMDB, acknowledges each one, and answers the `tiendo` command's queries.\n"),
            _("Commands:"));
    td_command_print_list(out, s_commands);
    fprintf(out, "\n%s\n%s\n", _("`tiendo-collector COMMAND --help` explains a command.\n"),
            _("Options (also as `name = value` lines in --config FILE, or TIENDO_NAME\n"
              "environment variables; flags win over both):"));
    td_config_print_help(out, settings_table);
    fprintf(out, "\n%s%s",
            _("Exit status: 0 done (run: stopped cleanly), 1 failed or could not start,\n"
              "2 bad usage or options.\n"),
            td_tr(S_FOOTER));
}

int main(int argc, char **argv)
{
    collector_settings cfg;
    td_config_args args = {0, 0, 0, NULL};
    char err[512] = "";
    memset(&cfg, 0, sizeof cfg);
    td_log_init(COLLECTOR_PROGRAM, TD_LOG_INFO);
    td_i18n_start(td_i18n_arg(argc, argv)); /* a bad value is refused below */

    /* The first word names the command; without one (only options) it is `run`. */
    const td_command *cmd = td_command_find(s_commands, "run");
    int first = 1;
    if (argc > 1 && argv[1][0] != '-') {
        cmd = td_command_find(s_commands, argv[1]);
        first = 2;
        if (cmd == NULL) {
            /* TRANSLATORS: %1$s the program, %2$s the word given, %3$s the program again */
            fprintf(stderr, _("%1$s: unknown command '%2$s' (see %3$s --help)\n"),
                    COLLECTOR_PROGRAM, argv[1], COLLECTOR_PROGRAM);
            return COLLECTOR_EXIT_USAGE;
        }
    }
    int status = COLLECTOR_EXIT_USAGE;
    td_log_level level;
    if (td_config_parse(settings_table, &cfg, argc - first, argv + first, &args, err, sizeof err) !=
        TD_OK) {
        fprintf(stderr, "%s: %s\n", COLLECTOR_PROGRAM, err);
    } else if (td_i18n_start(cfg.lang) != 0) {
        fprintf(stderr, _("%s: --lang '%s': must be vi or en\n"), COLLECTOR_PROGRAM, cfg.lang);
    } else if (args.help && first == 1) {
        s_usage(stdout);
        status = COLLECTOR_EXIT_OK;
    } else if (args.help) {
        td_command_print_help(stdout, COLLECTOR_PROGRAM, cmd, settings_table, S_FOOTER);
        status = COLLECTOR_EXIT_OK;
    } else if (settings_check(&cfg, &level, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", COLLECTOR_PROGRAM, err);
    } else {
        td_log_set_level(level);
        cfg.check_config = args.check_config;
        status = cmd->run(&cfg, args.npositional, args.positional);
    }
    td_config_free(settings_table, &cfg);
    td_config_args_free(&args);
    return status;
}
