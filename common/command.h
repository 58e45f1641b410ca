/* command.h: a program's commands as one table {name, handler, usage, summary, help}. */
#ifndef TIENDO_COMMAND_H
#define TIENDO_COMMAND_H

#include <stdio.h>

#include "config.h"

/* One command. The table ends with a row whose name is NULL. run gets the program's
 * parsed configuration (its own struct, passed through as ctx) and the operands that
 * followed the command word (borrowed from argv), and returns the exit status. */
typedef struct {
    const char *name;
    int (*run)(void *ctx, int noperands, char **operands);
    const char *usage;   /* "submit FILE [FILE...]": the line after "Usage: PROGRAM " */
    const char *summary; /* one line for the program's overview */
    const char *help;    /* what `PROGRAM COMMAND --help` explains, lines ending in \n */
} td_command;

/* The row called name, or NULL (name may be NULL). */
const td_command *td_command_find(const td_command *table, const char *name);

/* "  name          summary" per command, names padded to the longest. */
void td_command_print_list(FILE *out, const td_command *table);

/* A command's help: "Usage: PROGRAM USAGE [OPTIONS]", its help text, then "Options:" and
 * the option table (td_config_print_help; NULL prints none) and footer (may be NULL). */
void td_command_print_help(FILE *out, const char *program, const td_command *cmd,
                           const td_config_option *options, const char *footer);

#endif
