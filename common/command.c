/* command.c: lookup and help text of a program's command table. */
#include "command.h"

#include <string.h>

#include "i18n.h"

const td_command *td_command_find(const td_command *table, const char *name)
{
    for (const td_command *c = table; name != NULL && c->name != NULL; c++) {
        if (strcmp(c->name, name) == 0)
            return c;
    }
    return NULL;
}

void td_command_print_list(FILE *out, const td_command *table)
{
    int width = 0;
    for (const td_command *c = table; c->name != NULL; c++) {
        int n = (int) strlen(c->name);
        if (n > width)
            width = n;
    }
    for (const td_command *c = table; c->name != NULL; c++)
        fprintf(out, "  %-*s  %s\n", width, c->name, td_tr(c->summary));
}

void td_command_print_help(FILE *out, const char *program, const td_command *cmd,
                           const td_config_option *options, const char *footer)
{
    /* TRANSLATORS: "Usage: tiendo status [--period P] [OPTIONS]": keep [OPTIONS] */
    fprintf(out, _("Usage: %s %s [OPTIONS]\n\n%s"), program, td_tr(cmd->usage), td_tr(cmd->help));
    if (options != NULL) {
        fprintf(out, "\n%s\n", _("Options:"));
        td_config_print_help(out, options);
    }
    if (footer != NULL)
        fprintf(out, "\n%s", td_tr(footer));
}
