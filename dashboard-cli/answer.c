/* answer.c: the style, rounding, date and unit-name rules every answer of tiendo shares. */
#include "answer.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "i18n.h"
#include "term.h"
#include "timefmt.h"

size_t answer_line_width(const answer_style *style)
{
    return style != NULL && style->line_width > 0 ? style->line_width : 80;
}

int answer_colors(const answer_style *style)
{
    return style != NULL && style->color;
}

const char *answer_sgr(const answer_style *style, const char *sgr)
{
    return answer_colors(style) ? sgr : NULL;
}

void answer_print(FILE *out, const answer_style *style, const char *sgr, const char *text)
{
    term_print(out, answer_sgr(style, sgr), text);
}

void answer_print_items(FILE *out, const answer_style *style, const char *const *items,
                        const char *const *sgrs, size_t n, size_t line_width)
{
    size_t col = 0;

    for (size_t i = 0; i < n; i++) {
        size_t w = term_width(items[i]);
        if (i > 0 && col + 3 + w > line_width) {
            fputs("\n  ", out);
            col = 2;
        } else if (i > 0) {
            fputs(" \xC2\xB7 ", out); /* U+00B7 middle dot */
            col += 3;
        }
        answer_print(out, style, sgrs != NULL ? sgrs[i] : NULL, items[i]);
        col += w;
    }
    fputc('\n', out);
}

void answer_print_list(FILE *out, const answer_style *style, const char *heading,
                       const char *heading_sgr, const char *const *items, size_t n,
                       size_t line_width)
{
    size_t col = term_width(heading);

    answer_print(out, style, heading_sgr, heading);
    for (size_t i = 0; i < n; i++) {
        /* The comma stays on the line of its item. */
        size_t w = term_width(items[i]) + (i + 1 < n ? 1 : 0);
        if (col + 1 + w > line_width && col > 2) {
            fputs("\n  ", out);
            col = 2;
        } else {
            fputc(' ', out);
            col += 1;
        }
        term_print(out, NULL, items[i]);
        if (i + 1 < n)
            fputc(',', out);
        col += w;
    }
    fputc('\n', out);
}

void answer_columns(term_column *out, const term_column *in, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = in[i];
        out[i].title = answer_tr_context(in[i].title);
    }
}

const char *answer_tr_context(const char *msgid)
{
    const char *text = td_tr(msgid), *bar;

    if (text != msgid || msgid == NULL)
        return text; /* translated (or "" for NULL) */
    bar = strchr(msgid, '|');
    return bar != NULL ? bar + 1 : msgid;
}

char *answer_report_status_text(const char *status, char *buf, size_t len)
{
    /* TRANSLATORS: a unit's report status for the period (glossary: on time, late, not yet
     * due, overdue) */
    static const char *const words[][2] = {{"on_time", N_("on time")},
                                           {"late", N_("late")},
                                           {"not_yet_due", N_("not yet due")},
                                           {"overdue", N_("overdue")}};

    if (status == NULL || status[0] == '\0') {
        snprintf(buf, len, "?");
        return buf;
    }
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(status, words[i][0]) == 0) {
            snprintf(buf, len, "%s", _(words[i][1]));
            return buf;
        }
    snprintf(buf, len, "%.40s", status); /* a word of a newer collector */
    for (char *p = buf; *p != '\0'; p++)
        if (*p == '_')
            *p = ' ';
    return buf;
}

/* The Vietnamese text under Vietnamese when there is one, else the English. */
static const char *s_in_language(const char *vi, const char *en)
{
    return td_i18n_lang() == TD_LANG_VI && vi[0] != '\0' ? vi : en;
}

const char *answer_group_title(const td_task_group *g)
{
    return g != NULL ? s_in_language(g->title_vi, g->title_en) : NULL;
}

const char *answer_indicator_name(const td_indicator *ind)
{
    return ind != NULL ? s_in_language(ind->name_vi, ind->name_en) : NULL;
}

const char *answer_measure_text(const char *unit)
{
    /* TRANSLATORS: an indicator's unit: square metres per person */
    static const char *const words[] = {N_("m2/person")};

    for (size_t i = 0; unit != NULL && i < sizeof words / sizeof words[0]; i++)
        if (strcmp(unit, words[i]) == 0)
            return _(words[i]);
    return unit;
}

char *answer_percent_text(double v, char *buf, size_t len)
{
    return td_fmt_percent(answer_round1(v), buf, len);
}

char *answer_number_text(double v, char *buf, size_t len)
{
    char plain[64];
    const char *point;

    snprintf(plain, sizeof plain, "%.10g", v);
    if (strpbrk(plain, "eEni") != NULL) { /* 1e+20, nan, inf: as printf writes them */
        snprintf(buf, len, "%s", plain);
        return buf;
    }
    point = strchr(plain, '.');
    return td_fmt_number(v, point != NULL ? (int) strlen(point + 1) : 0, buf, len);
}

char *answer_day_text(const char *text, char *buf, size_t len)
{
    td_date day;

    if (text == NULL || text[0] == '\0')
        snprintf(buf, len, ANSWER_NONE);
    else if (td_date_parse(text, &day) == TD_OK)
        td_fmt_date(&day, buf, len);
    else
        snprintf(buf, len, "%.16s", text);
    return buf;
}

const char *answer_report_status_sgr(const char *status)
{
    if (status == NULL)
        return NULL;
    if (strcmp(status, "overdue") == 0)
        return "31";
    if (strcmp(status, "late") == 0)
        return "33";
    return NULL;
}

double answer_round1(double x)
{
    /* Rounded here, not left to printf ("%.1f" rounds the binary value, 0.25 to 0.2), so
     * the text and the JSON of one answer show the same number. */
    double scaled = x * 10.0;
    long long whole = (long long) (scaled < 0 ? scaled - 0.5 : scaled + 0.5);
    return (double) whole / 10.0;
}

json_t *answer_json_percent(int has, double v)
{
    return has && isfinite(v) ? json_real(answer_round1(v)) : json_null();
}

char *answer_date_text(int has, int64_t unix_ms, char *buf, size_t len)
{
    char full[32];

    if (!has || unix_ms <= 0)
        snprintf(buf, len, ANSWER_NONE);
    else {
        td_time_rfc3339(unix_ms, full, sizeof full);
        full[10] = '\0'; /* the UTC day: "2026-10-03" */
        answer_day_text(full, buf, len);
    }
    return buf;
}

char *answer_epoch_text(uint64_t epoch, char *buf, size_t len)
{
    snprintf(buf, len, "%016" PRIx64, epoch);
    return buf;
}

const td_date *answer_period_last_day(const char *text, td_date *buf)
{
    td_period p;
    td_date first;

    if (text == NULL || td_period_parse(text, &p) != TD_OK)
        return NULL;
    td_period_span(&p, &first, buf);
    return buf;
}

const char *answer_name_of(const td_registry_t *reg, const char *sent, const char *code,
                           const td_date *on)
{
    const td_unit *u;

    if (sent != NULL && sent[0] != '\0')
        return sent;
    if (reg == NULL || code == NULL)
        return NULL;
    u = td_registry_find(reg, code, on);
    if (u == NULL && on != NULL)
        u = td_registry_find(reg, code, NULL);
    return u != NULL ? u->name : NULL;
}
