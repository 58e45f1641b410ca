/* commands.h: the tiendo command's commands, one table (common/command.h), and their help. */
#ifndef TIENDO_CLI_COMMANDS_H
#define TIENDO_CLI_COMMANDS_H

#include <stdio.h>

#include "client.h"
#include "command.h"
#include "options.h"
#include "period.h"
#include "registry.h"
#include "tiendo.pb-c.h"

/* The exit statuses, documented in docs/cli.md; scripts rely on them. */
enum {
    COMMANDS_EXIT_OK = 0,
    COMMANDS_EXIT_ANSWER_ERROR = 1, /* the collector answered with an error, or unreadably */
    COMMANDS_EXIT_USAGE = 2,        /* usage or configuration error */
    COMMANDS_EXIT_UNREACHABLE = 3,  /* the collector could not be reached or refused us */
};

/* What a command runs with (the ctx of td_command.run). main fills opt (td_config_parse
 * with options_table) and check_config, and frees opt; the command fills the rest, which
 * commands_release frees. One run per process; not thread-safe. */
typedef struct {
    options_t opt;    /* the parsed options */
    int check_config; /* --check-config: check what can be checked, ask nothing, exit 0 */
    char period[TD_PERIOD_TEXT_MAX]; /* the period asked about (options_resolve_period) */
    td_registry_t *reg;              /* local reference data, or NULL (names become codes) */
    client_params client;            /* keys and endpoint for client_query */
    Tiendo__QueryResponse *resp;     /* the collector's answer */
} commands_run;

/* Every command: status, agents, indicators, units, unit, overdue, export and help. Each
 * row's run(ctx = commands_run *, operands after the command word) checks its operands
 * and the options, builds its own question, asks the collector, prints its own answer on
 * stdout (errors on stderr) and returns a COMMANDS_EXIT_* status. With check_config it
 * returns after the checks. Ends with a row whose name is NULL. */
extern const td_command commands_table[];

/* The first word of argv[0..argc) that names a command other than help (for --help,
 * which may stand anywhere on the line, and for "tiendo help COMMAND"); the help row when
 * help is the only command named; else NULL. */
const td_command *commands_find_word(int argc, char *const *argv);

/* The help of cmd (td_command_print_help with the option table and the settings and exit
 * codes footer), or the overview of every command when cmd is NULL. */
void commands_print_help(FILE *out, const td_command *cmd);

/* What no command (only --check-config) runs: the checks of every command, registry and
 * period included. Returns COMMANDS_EXIT_OK or COMMANDS_EXIT_USAGE. */
int commands_check_config(commands_run *run);

/* stderr lines for a line without a command (exit COMMANDS_EXIT_USAGE), and for an
 * unknown command word. Both name the commands of the table. */
void commands_print_usage(FILE *out);
void commands_print_unknown(FILE *out, const char *word);

/* Free what a command filled in run (answer, registry) and wipe the secret key. run->opt
 * stays main's. Safe on a run no command used. */
void commands_release(commands_run *run);

#endif
