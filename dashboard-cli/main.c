/* main.c: the tiendo command: parses the line, then runs the command its table names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "config.h"
#include "i18n.h"
#include "log.h"
#include "options.h"

int main(int argc, char **argv)
{
    commands_run run;
    td_config_args args = {0, 0, 0, NULL};
    char err[1024], config_path[4096];
    char **av = NULL;
    int ac = 0, status = COMMANDS_EXIT_USAGE;
    const td_command *cmd;
    td_err rc;

    memset(&run, 0, sizeof run);
    td_log_init("tiendo", TD_LOG_WARN);
    td_i18n_start(td_i18n_arg(argc, argv)); /* a bad value is refused below */

    /* What follows the program name, with the per-user file in front when there is one. */
    av = calloc((size_t) argc + 3, sizeof *av);
    if (av == NULL) {
        fprintf(stderr, "tiendo: %s\n", _(td_strerror(TD_ERR_NOMEM)));
        goto cleanup;
    }
    if (options_default_config(argc - 1, argv + 1, config_path, sizeof config_path)) {
        av[ac++] = "--config";
        av[ac++] = config_path;
    }
    for (int i = 1; i < argc; i++)
        av[ac++] = argv[i];

    rc = td_config_parse(options_table, &run.opt, ac, av, &args, err, sizeof err);
    if (rc != TD_OK) {
        fprintf(stderr, "tiendo: %s\n%s\n", err, _("(see tiendo --help)"));
        goto cleanup;
    }
    if (td_i18n_start(run.opt.lang) != 0) {
        td_msg(err, sizeof err, "--lang '%.40s': must be vi or en", run.opt.lang);
        fprintf(stderr, "tiendo: %s\n%s\n", err, _("(see tiendo --help)"));
        goto cleanup;
    }
    if (args.help) { /* --help may stand anywhere: the first command word decides */
        commands_print_help(stdout, commands_find_word(argc - 1, argv + 1));
        status = COMMANDS_EXIT_OK;
        goto cleanup;
    }
    run.check_config = args.check_config;
    if (args.npositional == 0) {
        if (args.check_config)
            status = commands_check_config(&run);
        else
            commands_print_usage(stderr);
        goto cleanup;
    }
    cmd = td_command_find(commands_table, args.positional[0]);
    if (cmd == NULL) {
        commands_print_unknown(stderr, args.positional[0]);
        goto cleanup;
    }
    status = cmd->run(&run, args.npositional - 1, args.positional + 1);

cleanup:
    commands_release(&run);
    td_config_free(options_table, &run.opt);
    td_config_args_free(&args);
    free(av);
    return status;
}
