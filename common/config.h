/* config.h: table-driven configuration; file, environment and flags through one parser. */
#ifndef TIENDO_CONFIG_H
#define TIENDO_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "error.h"

typedef enum {
    TD_OPT_STRING, /* char * field, owned by the target (malloc'd) */
    TD_OPT_INT,    /* long long field, checked against [min, max] */
    TD_OPT_BOOL,   /* int field, 0 or 1; "--name" alone sets 1; file: true/false/yes/no/1/0 */
} td_opt_type;

/* One row of a program's option table. The table ends with a row whose name is NULL.
 * name uses dashes ("data-dir"): the flag is --data-dir, the file key data_dir or
 * data-dir, the environment variable TIENDO_DATA_DIR. */
typedef struct {
    const char *name;
    td_opt_type type;
    size_t offset;             /* offsetof(target struct, field) */
    const char *default_value; /* parsed like any input; NULL leaves a string NULL / number 0 */
    long long min, max; /* INT: bounds; STRING: max is the longest allowed length (0 = 4096) */
    const char *help;
} td_config_option;

/* What td_config_parse found besides options. */
typedef struct {
    int help;          /* --help or -h */
    int check_config;  /* --check-config */
    int npositional;   /* every argument that is not an option, in order: as many as given */
    char **positional; /* malloc'd array of pointers borrowed from argv (NULL when none);
                          free with td_config_args_free */
} td_config_args;

/* Fill target from, in rising precedence: the table's defaults, the file named by
 * --config FILE (lines "key = value", '#' comments), TIENDO_* environment variables,
 * then the flags in argv (argv[0] is NOT skipped: pass what follows the program name
 * or subcommand). Flags are "--name value" or "--name=value"; "--" ends options;
 * anything else is positional. Every value is checked against its row's bounds.
 * On error returns TD_ERR_CONFIG (or TD_ERR_NOMEM) with a message naming the option
 * (and file:line) in err; target may be partly filled: call td_config_free. On success
 * call td_config_args_free when done with args (on error it is already empty). args may
 * be NULL: then any positional argument is an error. */
td_err td_config_parse(const td_config_option *table, void *target, int argc, char *const *argv,
                       td_config_args *args, char *err, size_t errlen);

/* Free the positional array and zero *args; accepts NULL and a zeroed struct. */
void td_config_args_free(td_config_args *args);

/* Free the strings the parser stored in target (safe on a partly filled target). */
void td_config_free(const td_config_option *table, void *target);

/* Print one line per option: flag, type, default, bounds, help. */
void td_config_print_help(FILE *out, const td_config_option *table);

/* Print the effective configuration as a file td_config_parse can read back. */
void td_config_dump(FILE *out, const td_config_option *table, const void *target);

#endif
