/* reason.c: capturing a message's printf arguments as text, and putting them back into a
 * translated format. */
#include "reason.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "i18n.h"
#include "utf8.h"

void td_reason_clear(td_reason *r)
{
    if (r == NULL)
        return;
    r->format = NULL;
    r->nargs = 0;
    r->text[0] = '\0';
}

/* One conversion of a format: where it ends, and its parts. */
typedef struct {
    const char *end; /* just past the conversion character */
    int position;    /* n of "%n$", 0 when none */
    char flags[8];
    int width_star, prec_star;
    char width[16], prec[16];
    char length[3];
    char conv;
} s_spec;

/* Parse the conversion starting at p (just after '%'). Returns 0, or -1 when malformed. */
static int s_parse(const char *p, s_spec *s)
{
    memset(s, 0, sizeof *s);
    const char *q = p;
    int n = 0;
    while (*q >= '0' && *q <= '9')
        n = n * 10 + (*q++ - '0');
    if (*q == '$' && n > 0) {
        s->position = n;
        p = q + 1;
    }
    size_t k = 0;
    while (*p != '\0' && strchr("-+ #0'", *p) != NULL && k + 1 < sizeof s->flags)
        s->flags[k++] = *p++;
    if (*p == '*') {
        s->width_star = 1;
        p++;
    } else {
        for (k = 0; *p >= '0' && *p <= '9' && k + 1 < sizeof s->width; p++)
            s->width[k++] = *p;
    }
    if (*p == '.') {
        p++;
        if (*p == '*') {
            s->prec_star = 1;
            p++;
        } else {
            s->prec[0] = '.';
            for (k = 1; *p >= '0' && *p <= '9' && k + 1 < sizeof s->prec; p++)
                s->prec[k++] = *p;
            s->prec[k] = '\0';
        }
    }
    k = 0;
    while (*p != '\0' && strchr("hlzjtL", *p) != NULL && k + 1 < sizeof s->length)
        s->length[k++] = *p++;
    if (*p == '\0' || strchr("diuxXocsfgeEGp", *p) == NULL)
        return -1;
    s->conv = *p;
    s->end = p + 1;
    return 0;
}

/* "%.0s": an argument the English text leaves out and a translation may show (e.g. the
 * number people count an entry by, beside a path that counts from 0). */
static int s_hidden(const s_spec *s)
{
    return s->conv == 's' && !s->prec_star && strcmp(s->prec, ".0") == 0;
}

/* Format one conversion with its own argument taken from ap. */
static void s_one(const s_spec *s, va_list *ap, char *out, size_t len)
{
    char spec[64];
    char width[16] = "", prec[20] = "";
    if (s->width_star)
        snprintf(width, sizeof width, "%d", va_arg(*ap, int));
    else
        snprintf(width, sizeof width, "%s", s->width);
    if (s->prec_star)
        snprintf(prec, sizeof prec, ".%d", va_arg(*ap, int));
    else
        snprintf(prec, sizeof prec, "%s", s->prec);
    snprintf(spec, sizeof spec, "%%%s%s%s%s%c", s->flags, width, prec, s->length, s->conv);
    const char *l = s->length;
/* The format is built at run time from a parsed literal whose argument types were
 * checked by the compiler at td_reason_set's call (format attribute). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    switch (s->conv) {
    case 'd':
    case 'i':
        if (strcmp(l, "ll") == 0)
            snprintf(out, len, spec, va_arg(*ap, long long));
        else if (strcmp(l, "l") == 0)
            snprintf(out, len, spec, va_arg(*ap, long));
        else if (strcmp(l, "z") == 0 || strcmp(l, "t") == 0)
            snprintf(out, len, spec, va_arg(*ap, ssize_t));
        else if (strcmp(l, "j") == 0)
            snprintf(out, len, spec, va_arg(*ap, intmax_t));
        else
            snprintf(out, len, spec, va_arg(*ap, int));
        break;
    case 'u':
    case 'x':
    case 'X':
    case 'o':
        if (strcmp(l, "ll") == 0)
            snprintf(out, len, spec, va_arg(*ap, unsigned long long));
        else if (strcmp(l, "l") == 0)
            snprintf(out, len, spec, va_arg(*ap, unsigned long));
        else if (strcmp(l, "z") == 0 || strcmp(l, "t") == 0)
            snprintf(out, len, spec, va_arg(*ap, size_t));
        else if (strcmp(l, "j") == 0)
            snprintf(out, len, spec, va_arg(*ap, uintmax_t));
        else
            snprintf(out, len, spec, va_arg(*ap, unsigned int));
        break;
    case 'c':
        snprintf(out, len, spec, va_arg(*ap, int));
        break;
    case 's':
        snprintf(out, len, spec, va_arg(*ap, const char *));
        break;
    case 'p':
        snprintf(out, len, spec, va_arg(*ap, void *));
        break;
    default: /* f g e E G */
        if (strcmp(l, "L") == 0)
            snprintf(out, len, spec, va_arg(*ap, long double));
        else
            snprintf(out, len, spec, va_arg(*ap, double));
        break;
    }
#pragma GCC diagnostic pop
}

void td_reason_set(td_reason *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    td_reason_vset(r, fmt, ap);
    va_end(ap);
}

void td_reason_vset(td_reason *r, const char *fmt, va_list ap)
{
    if (r == NULL)
        return;
    va_list text, args;
    va_copy(text, ap);
    va_copy(args, ap);
    vsnprintf(r->text, sizeof r->text, fmt, text);
    va_end(text);
    r->format = fmt;
    r->nargs = 0;
    char scratch[TD_REASON_ARG_MAX];
    for (const char *p = fmt; *p != '\0'; p++) {
        if (*p != '%')
            continue;
        if (p[1] == '%') {
            p++;
            continue;
        }
        s_spec s;
        if (s_parse(p + 1, &s) != 0)
            break;
        char *out = r->nargs < TD_REASON_ARGS ? r->args[r->nargs] : scratch;
        if (s_hidden(&s))
            s.prec[0] = '\0'; /* printed as nothing, kept whole for a translation */
        s_one(&s, &args, out, TD_REASON_ARG_MAX);
        if (r->nargs < TD_REASON_ARGS)
            r->nargs++;
        p = s.end - 1;
    }
    va_end(args);
}

char *td_reason_render_parts(const char *format, const char *const *args, size_t nargs,
                             const char *english, char *buf, size_t len)
{
    if (len == 0)
        return buf;
    const char *fallback = english != NULL ? english : "";
    if (format == NULL || format[0] == '\0') {
        snprintf(buf, len, "%s", fallback);
        return buf;
    }
    const char *tr = dgettext(TD_TEXT_DOMAIN, format);
    size_t o = 0, next = 0;
    for (const char *p = tr; *p != '\0'; p++) {
        if (*p != '%' || p[1] == '%') {
            if (o + 1 < len)
                buf[o++] = *p;
            if (*p == '%')
                p++;
            continue;
        }
        s_spec s;
        if (s_parse(p + 1, &s) != 0)
            goto fallback;
        size_t k = s.position > 0 ? (size_t) s.position - 1 : next++;
        if (k >= nargs || args[k] == NULL)
            goto fallback;
        /* a string's precision holds in the rendering too ("%.0s" shows nothing) */
        size_t n = strlen(args[k]);
        if (s.conv == 's' && s.prec[0] == '.') {
            size_t max = (size_t) strtoul(s.prec + 1, NULL, 10);
            if (n > max)
                n = td_utf8_cut(args[k], n, max);
        }
        for (size_t i = 0; i < n && o + 1 < len; i++)
            buf[o++] = args[k][i];
        p = s.end - 1;
    }
    buf[o] = '\0';
    return buf;
fallback:
    snprintf(buf, len, "%s", fallback);
    return buf;
}

char *td_reason_render(const td_reason *r, char *buf, size_t len)
{
    const char *args[TD_REASON_ARGS];
    for (int i = 0; i < r->nargs; i++)
        args[i] = r->args[i];
    return td_reason_render_parts(r->format, args, (size_t) r->nargs, r->text, buf, len);
}
