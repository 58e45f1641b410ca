/* config.c: one option table drives defaults, the --config file, TIENDO_* variables and flags. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"

#define S_FILE_MAX   (1024 * 1024) /* a configuration file is a few hundred bytes */
#define S_LINE_MAX   4096
#define S_STRING_MAX 4096 /* a STRING row with max == 0 */
#define S_NAME_MAX   128  /* longest option name we build keys and variables from */
#define S_WHY_MAX    160

/* The row called exactly name[0..len) (dashes), or NULL. */
static const td_config_option *s_find(const td_config_option *table, const char *name, size_t len)
{
    for (const td_config_option *opt = table; opt->name != NULL; opt++) {
        if (strlen(opt->name) == len && memcmp(opt->name, name, len) == 0)
            return opt;
    }
    return NULL;
}

/* Strict integer: optional sign, decimal digits, nothing else, no overflow. strtoll alone
 * would accept leading blanks, "12abc" (stopping at 'a') and saturate on overflow. */
static int s_parse_int(const char *text, long long *out)
{
    const char *p = text;
    if (*p == '+' || *p == '-')
        p++;
    if (*p < '0' || *p > '9')
        return -1;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

static int s_parse_bool(const char *text, int *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(text, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(text, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

static size_t s_string_max(const td_config_option *opt)
{
    return opt->max > 0 ? (size_t) opt->max : S_STRING_MAX;
}

/* Check value against the row and store it. On failure why says what the value must be
 * (the caller adds where the value came from). */
static td_err s_set(const td_config_option *opt, void *target, const char *value, char *why,
                    size_t whylen)
{
    char *field = (char *) target + opt->offset;
    switch (opt->type) {
    case TD_OPT_STRING: {
        size_t len = strlen(value);
        size_t max = s_string_max(opt);
        size_t min = opt->min > 0 ? (size_t) opt->min : 0;
        if (len > max || len < min) {
            if (min > 0)
                td_msg(why, whylen, "must be %zu to %zu bytes long", min, max);
            else
                td_msg(why, whylen, "must be at most %zu bytes long", max);
            return TD_ERR_CONFIG;
        }
        char *copy = strdup(value);
        if (copy == NULL) {
            td_msg(why, whylen, "out of memory");
            return TD_ERR_NOMEM;
        }
        char **slot = (char **) (void *) field;
        free(*slot);
        *slot = copy;
        return TD_OK;
    }
    case TD_OPT_INT: {
        long long v = 0;
        if (s_parse_int(value, &v) != 0 || v < opt->min || v > opt->max) {
            td_msg(why, whylen, "must be an integer between %lld and %lld", opt->min, opt->max);
            return TD_ERR_CONFIG;
        }
        *(long long *) (void *) field = v;
        return TD_OK;
    }
    case TD_OPT_BOOL: {
        int b = 0;
        if (s_parse_bool(value, &b) != 0) {
            td_msg(why, whylen, "must be true or false (yes/no, on/off, 1/0)");
            return TD_ERR_CONFIG;
        }
        *(int *) (void *) field = b;
        return TD_OK;
    }
    }
    td_msg(why, whylen, "has an unknown type");
    return TD_ERR_CONFIG;
}

/* Every table field starts at NULL / 0, then gets its default through the same checks
 * as any other input, so a bad default is caught by the first --check-config. */
static td_err s_defaults(const td_config_option *table, void *target, char *err, size_t errlen)
{
    for (const td_config_option *opt = table; opt->name != NULL; opt++) {
        char *field = (char *) target + opt->offset;
        if (opt->type == TD_OPT_STRING)
            *(char **) (void *) field = NULL;
        else if (opt->type == TD_OPT_INT)
            *(long long *) (void *) field = 0;
        else
            *(int *) (void *) field = 0;
    }
    for (const td_config_option *opt = table; opt->name != NULL; opt++) {
        if (opt->default_value == NULL)
            continue;
        char why[S_WHY_MAX];
        td_err rc = s_set(opt, target, opt->default_value, why, sizeof why);
        if (rc != TD_OK) {
            td_msg(err, errlen, "default of option '%s': %s", opt->name, why);
            return rc;
        }
    }
    return TD_OK;
}

/* Unquote a "..." value in place: \" \\ \n \t \r are the escapes td_config_dump writes. */
static int s_unquote(char *value, const char **why)
{
    char *r = value + 1;
    char *w = value;
    for (;;) {
        if (*r == '\0') {
            *why = "unterminated quote";
            return -1;
        }
        if (*r == '"')
            break;
        if (*r == '\\') {
            r++;
            switch (*r) {
            case '"':
            case '\\':
                *w++ = *r;
                break;
            case 'n':
                *w++ = '\n';
                break;
            case 't':
                *w++ = '\t';
                break;
            case 'r':
                *w++ = '\r';
                break;
            default:
                *why = "unknown escape after '\\' (use \\\" \\\\ \\n \\t \\r)";
                return -1;
            }
            r++;
            continue;
        }
        *w++ = *r++;
    }
    if (r[1] != '\0') {
        *why = "text after the closing quote";
        return -1;
    }
    *w = '\0';
    return 0;
}

static char *s_trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static td_err s_file_line(const td_config_option *table, void *target, const char *path, int lineno,
                          char *line, char *err, size_t errlen)
{
    line = s_trim(line);
    if (line[0] == '\0' || line[0] == '#')
        return TD_OK;
    char *eq = strchr(line, '=');
    if (eq == NULL || eq == line) {
        td_msg(err, errlen, "%s:%d: expected 'key = value'", path, lineno);
        return TD_ERR_CONFIG;
    }
    *eq = '\0';
    char *key = s_trim(line);
    char *value = s_trim(eq + 1);

    /* Keys may be written data_dir or data-dir; the table uses dashes. */
    char name[S_NAME_MAX];
    size_t keylen = strlen(key);
    const td_config_option *opt = NULL;
    if (keylen < sizeof name) {
        for (size_t i = 0; i <= keylen; i++)
            name[i] = key[i] == '_' ? '-' : key[i];
        opt = s_find(table, name, keylen);
    }
    if (opt == NULL) {
        td_msg(err, errlen, "%s:%d: unknown option '%s'", path, lineno, key);
        return TD_ERR_CONFIG;
    }
    if (value[0] == '"') {
        const char *why = NULL;
        if (s_unquote(value, &why) != 0) {
            td_msg(err, errlen, "%s:%d: option '%s': %s", path, lineno, key, why);
            return TD_ERR_CONFIG;
        }
    }
    char why[S_WHY_MAX];
    td_err rc = s_set(opt, target, value, why, sizeof why);
    if (rc != TD_OK)
        td_msg(err, errlen, "%s:%d: option '%s': %s", path, lineno, key, why);
    return rc;
}

static td_err s_load_file(const td_config_option *table, void *target, const char *path, char *err,
                          size_t errlen)
{
    td_err rc = TD_OK;
    char *buf = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        td_msg(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        rc = TD_ERR_CONFIG;
        goto cleanup;
    }
    /* Read one byte past the cap to tell "exactly 1 MiB" from "larger". */
    buf = malloc(S_FILE_MAX + 2);
    if (buf == NULL) {
        td_msg(err, errlen, "%s: out of memory", path);
        rc = TD_ERR_NOMEM;
        goto cleanup;
    }
    size_t n = fread(buf, 1, S_FILE_MAX + 1, f);
    if (ferror(f)) {
        td_msg(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        rc = TD_ERR_CONFIG;
        goto cleanup;
    }
    if (n > S_FILE_MAX) {
        td_msg(err, errlen, "%s: larger than 1 MiB", path);
        rc = TD_ERR_CONFIG;
        goto cleanup;
    }
    buf[n] = '\0';

    char *p = buf;
    char *end = buf + n;
    int lineno = 0;
    while (p < end) {
        lineno++;
        char *nl = memchr(p, '\n', (size_t) (end - p));
        char *lend = nl != NULL ? nl : end;
        size_t len = (size_t) (lend - p);
        if (len > S_LINE_MAX) {
            td_msg(err, errlen, "%s:%d: line longer than %d bytes", path, lineno, S_LINE_MAX);
            rc = TD_ERR_CONFIG;
            goto cleanup;
        }
        if (memchr(p, '\0', len) != NULL) {
            td_msg(err, errlen, "%s:%d: NUL byte in line", path, lineno);
            rc = TD_ERR_CONFIG;
            goto cleanup;
        }
        *lend = '\0';
        rc = s_file_line(table, target, path, lineno, p, err, errlen);
        if (rc != TD_OK)
            goto cleanup;
        p = lend + 1;
    }

cleanup:
    free(buf);
    if (f != NULL)
        fclose(f);
    return rc;
}

/* TIENDO_ + the name upper-cased with dashes as underscores. */
static int s_env_name(const char *name, char *buf, size_t len)
{
    int n = snprintf(buf, len, "TIENDO_%s", name);
    if (n < 0 || (size_t) n >= len)
        return -1;
    for (char *p = buf; *p != '\0'; p++)
        *p = *p == '-' ? '_' : (char) toupper((unsigned char) *p);
    return 0;
}

static td_err s_load_env(const td_config_option *table, void *target, char *err, size_t errlen)
{
    for (const td_config_option *opt = table; opt->name != NULL; opt++) {
        char var[S_NAME_MAX + 8];
        if (s_env_name(opt->name, var, sizeof var) != 0)
            continue;
        const char *value = getenv(var);
        if (value == NULL)
            continue;
        char why[S_WHY_MAX];
        td_err rc = s_set(opt, target, value, why, sizeof why);
        if (rc != TD_OK) {
            td_msg(err, errlen, "%s: %s", var, why);
            return rc;
        }
    }
    return TD_OK;
}

static int s_is(const char *name, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(name, word, len) == 0;
}

/* "--x value" never takes something that is itself a long option as the value:
 * "--data-dir --verbose" is a missing value, not a folder named "--verbose". */
static int s_can_be_value(const char *arg)
{
    return arg != NULL && strncmp(arg, "--", 2) != 0;
}

/* One walk over argv serves both passes. The first (apply == 0) finds --config, the
 * positionals and --check-config and reports syntax errors (unknown flag, missing value);
 * the second (apply == 1) stores the values after file and environment, so a flag wins
 * wherever it stands among the positionals. */
static td_err s_walk(const td_config_option *table, void *target, int argc, char *const *argv,
                     int apply, td_config_args *args, const char **config_file, char *err,
                     size_t errlen)
{
    int options_done = 0;
    for (int i = 0; i < argc && argv[i] != NULL; i++) {
        const char *arg = argv[i];
        if (options_done || arg[0] != '-' || arg[1] == '\0') {
            if (apply)
                continue;
            if (args->positional == NULL) { /* room for every argument: one allocation */
                args->positional = calloc((size_t) argc + 1, sizeof *args->positional);
                if (args->positional == NULL) {
                    td_msg(err, errlen, "out of memory");
                    return TD_ERR_NOMEM;
                }
            }
            args->positional[args->npositional++] = (char *) arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            options_done = 1;
            continue;
        }
        if (arg[1] != '-') {
            if (strcmp(arg, "-h") == 0) {
                args->help = 1;
                continue;
            }
            td_msg(err, errlen, "unknown option %s (see --help)", arg);
            return TD_ERR_CONFIG;
        }

        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq != NULL ? (size_t) (eq - name) : strlen(name);
        const char *value = eq != NULL ? eq + 1 : NULL;
        int ilen = len > 200 ? 200 : (int) len; /* for messages only */

        if (s_is(name, len, "help") || s_is(name, len, "check-config")) {
            if (value != NULL) {
                td_msg(err, errlen, "--%.*s takes no value", ilen, name);
                return TD_ERR_CONFIG;
            }
            if (s_is(name, len, "help"))
                args->help = 1;
            else
                args->check_config = 1;
            continue;
        }

        const td_config_option *opt = s_find(table, name, len);
        const char *bool_value = "1";
        if (opt == NULL && value == NULL && len > 3 && memcmp(name, "no-", 3) == 0) {
            const td_config_option *negated = s_find(table, name + 3, len - 3);
            if (negated != NULL && negated->type == TD_OPT_BOOL) {
                opt = negated;
                bool_value = "0";
            }
        }
        int is_config = opt == NULL && s_is(name, len, "config");
        if (opt == NULL && !is_config) {
            td_msg(err, errlen, "unknown option --%.*s (see --help)", ilen, name);
            return TD_ERR_CONFIG;
        }
        if (value == NULL) {
            if (!is_config && opt->type == TD_OPT_BOOL) {
                value = bool_value;
            } else if (i + 1 < argc && s_can_be_value(argv[i + 1])) {
                value = argv[++i];
            } else {
                td_msg(err, errlen, "--%.*s needs a value", ilen, name);
                return TD_ERR_CONFIG;
            }
        }
        if (is_config) {
            if (!apply)
                *config_file = value;
            continue;
        }
        if (apply) {
            char why[S_WHY_MAX];
            td_err rc = s_set(opt, target, value, why, sizeof why);
            if (rc != TD_OK) {
                td_msg(err, errlen, "--%s: %s", opt->name, why);
                return rc;
            }
        }
    }
    return TD_OK;
}

/* --help wins over everything else on the line, so a user with a broken command line
 * or configuration file can still read the help. */
static int s_wants_help(int argc, char *const *argv)
{
    for (int i = 0; i < argc && argv[i] != NULL; i++) {
        if (strcmp(argv[i], "--") == 0)
            return 0;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
    }
    return 0;
}

static td_err s_parse(const td_config_option *table, void *target, int argc, char *const *argv,
                      td_config_args *args, int positional_allowed, char *err, size_t errlen)
{
    memset(args, 0, sizeof *args);
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (argv == NULL)
        argc = 0;

    td_err rc = s_defaults(table, target, err, errlen);
    if (rc != TD_OK)
        return rc;
    if (s_wants_help(argc, argv)) {
        /* The help comes in the language the configuration names (lang =): take what the
         * file, the environment and the line say, best effort, so a broken line or file
         * still gets the help. */
        td_config_args scratch = {0, 0, 0, NULL};
        const char *file = NULL;
        char ignored[S_WHY_MAX * 2];
        if (s_walk(table, target, argc, argv, 0, &scratch, &file, ignored, sizeof ignored) ==
                TD_OK &&
            file != NULL)
            (void) s_load_file(table, target, file, ignored, sizeof ignored);
        (void) s_load_env(table, target, ignored, sizeof ignored);
        (void) s_walk(table, target, argc, argv, 1, &scratch, &file, ignored, sizeof ignored);
        td_config_args_free(&scratch);
        args->help = 1;
        return TD_OK;
    }

    const char *config_file = NULL;
    rc = s_walk(table, target, argc, argv, 0, args, &config_file, err, errlen);
    if (rc != TD_OK)
        return rc;
    if (!positional_allowed && args->npositional > 0) {
        td_msg(err, errlen, "unexpected argument '%s'", args->positional[0]);
        return TD_ERR_CONFIG;
    }
    if (config_file != NULL) {
        rc = s_load_file(table, target, config_file, err, errlen);
        if (rc != TD_OK)
            return rc;
    }
    rc = s_load_env(table, target, err, errlen);
    if (rc != TD_OK)
        return rc;
    return s_walk(table, target, argc, argv, 1, args, &config_file, err, errlen);
}

td_err td_config_parse(const td_config_option *table, void *target, int argc, char *const *argv,
                       td_config_args *args, char *err, size_t errlen)
{
    td_config_args local;
    td_config_args *a = args != NULL ? args : &local;
    td_err rc = s_parse(table, target, argc, argv, a, args != NULL, err, errlen);
    if (rc != TD_OK || a == &local)
        td_config_args_free(a); /* on error nothing needs freeing but target's strings */
    return rc;
}

void td_config_args_free(td_config_args *args)
{
    if (args == NULL)
        return;
    free(args->positional);
    memset(args, 0, sizeof *args);
}

void td_config_free(const td_config_option *table, void *target)
{
    if (table == NULL || target == NULL)
        return;
    for (const td_config_option *opt = table; opt->name != NULL; opt++) {
        if (opt->type != TD_OPT_STRING)
            continue;
        char **slot = (char **) (void *) ((char *) target + opt->offset);
        free(*slot);
        *slot = NULL;
    }
}

/* The flag column: "--data-dir PATH", "--port N", "--verbose". */
static void s_flag_text(const td_config_option *opt, char *buf, size_t len)
{
    const char *metavar = "";
    if (opt->type == TD_OPT_INT) {
        metavar = " N";
    } else if (opt->type == TD_OPT_STRING) {
        if (strstr(opt->name, "dir") != NULL || strstr(opt->name, "file") != NULL ||
            strstr(opt->name, "path") != NULL || strstr(opt->name, "key") != NULL)
            metavar = " PATH";
        else
            metavar = " TEXT";
    }
    snprintf(buf, len, "--%s%s", opt->name, metavar);
}

void td_config_print_help(FILE *out, const td_config_option *table)
{
    static const char *const builtin[][2] = {
        {"--config FILE", N_("Read options from FILE (lines \"key = value\")")},
        {"--check-config", N_("Check the configuration, print nothing else, and exit")},
        {"-h, --help", N_("Show this help and exit")},
    };
    size_t width = 0;
    char flag[S_NAME_MAX + 16];
    for (const td_config_option *opt = table; opt->name != NULL; opt++) {
        s_flag_text(opt, flag, sizeof flag);
        if (strlen(flag) > width)
            width = strlen(flag);
    }
    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
        if (strlen(builtin[i][0]) > width)
            width = strlen(builtin[i][0]);
    }
    int w = (int) width;

    for (const td_config_option *opt = table; opt->name != NULL; opt++) {
        s_flag_text(opt, flag, sizeof flag);
        fprintf(out, "  %-*s  %s", w, flag, td_tr(opt->help));
        switch (opt->type) {
        case TD_OPT_STRING:
            if (opt->default_value != NULL)
                fprintf(out, _(" (default: %s)"), opt->default_value);
            break;
        case TD_OPT_INT:
            fprintf(out, _(" (%lld..%lld, default: %s)"), opt->min, opt->max,
                    opt->default_value != NULL ? opt->default_value : "0");
            break;
        case TD_OPT_BOOL: {
            int b = 0;
            if (opt->default_value != NULL)
                s_parse_bool(opt->default_value, &b);
            fprintf(out, _(" (default: %s; --no-%s turns it off)"), b ? _("on") : _("off"),
                    opt->name);
            break;
        }
        }
        fputc('\n', out);
    }
    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
        fprintf(out, "  %-*s  %s\n", w, builtin[i][0], td_tr(builtin[i][1]));
}

static void s_dump_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        default:
            fputc(*s, out);
            break;
        }
    }
    fputc('"', out);
}

void td_config_dump(FILE *out, const td_config_option *table, const void *target)
{
    for (const td_config_option *opt = table; opt->name != NULL; opt++) {
        const char *field = (const char *) target + opt->offset;
        switch (opt->type) {
        case TD_OPT_STRING: {
            const char *s = *(char *const *) (const void *) field;
            if (s == NULL) {
                fprintf(out, "# %s is not set\n", opt->name);
            } else {
                fprintf(out, "%s = ", opt->name);
                s_dump_string(out, s);
                fputc('\n', out);
            }
            break;
        }
        case TD_OPT_INT:
            fprintf(out, "%s = %lld\n", opt->name, *(const long long *) (const void *) field);
            break;
        case TD_OPT_BOOL:
            fprintf(out, "%s = %s\n", opt->name,
                    *(const int *) (const void *) field ? "true" : "false");
            break;
        }
    }
}
