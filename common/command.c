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

/* Display columns of the first n bytes of a UTF-8 text (NFC: a column a character). */
static int s_columns(const char *s, size_t n)
{
    int columns = 0;
    for (size_t i = 0; i < n; i++)
        columns += ((unsigned char) s[i] & 0xC0) != 0x80;
    return columns;
}

/* usage with its continuation lines moved by delta columns into buf: they are indented
 * for "Usage: PROGRAM ", and a translation of "Usage:" may be wider or narrower. */
static const char *s_reindent(const char *usage, int delta, char *buf, size_t len)
{
    size_t o = 0;
    for (const char *p = usage; *p != '\0';) {
        const char *nl = strchr(p, '\n');
        size_t n = nl != NULL ? (size_t) (nl - p) : strlen(p);
        int indent = 0;
        if (p != usage) {
            size_t spaces = strspn(p, " ");
            indent = (int) spaces + delta > 0 ? (int) spaces + delta : 0;
            p += spaces;
            n -= spaces;
        }
        int w =
            snprintf(buf + o, len - o, "%*s%.*s%s", indent, "", (int) n, p, nl != NULL ? "\n" : "");
        if (w < 0 || (size_t) w >= len - o)
            return usage; /* too long to move: as it is */
        o += (size_t) w;
        p += n + (nl != NULL);
    }
    return o > 0 ? buf : usage;
}

void td_command_print_help(FILE *out, const char *program, const td_command *cmd,
                           const td_config_option *options, const char *footer)
{
    /* TRANSLATORS: "Usage: tiendo status [--period P] [OPTIONS]": keep [OPTIONS] */
    const char *format = _("Usage: %s %s [OPTIONS]\n\n%s");
    const char *conversion = strchr(format, '%');
    int delta = conversion != NULL
                    ? s_columns(format, (size_t) (conversion - format)) - (int) strlen("Usage: ")
                    : 0;
    char usage[2048];
    fprintf(out, _("Usage: %s %s [OPTIONS]\n\n%s"), program,
            s_reindent(td_tr(cmd->usage), delta, usage, sizeof usage), td_tr(cmd->help));
    if (options != NULL) {
        fprintf(out, "\n%s\n", _("Options:"));
        td_config_print_help(out, options);
    }
    if (footer != NULL)
        fprintf(out, "\n%s", td_tr(footer));
}
