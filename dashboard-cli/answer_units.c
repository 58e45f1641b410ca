/* answer_units.c: unit rows for units, overdue and export: sorted, as a table, JSON and CSV. */
#include "answer_units.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "json_out.h"
#include "term.h"
#include "timefmt.h"
#include "utf8.h"

int answer_units_sort_parse(const char *word, answer_units_order *out)
{
    static const char *const names[] = {"code", "name", "progress", "status"};
    for (size_t i = 0; word != NULL && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(word, names[i]) == 0) {
            *out = (answer_units_order) i;
            return 0;
        }
    return -1;
}

/* overdue 0, late 1, not_yet_due 2, on_time 3, anything else 4. */
int answer_units_status_rank(const char *status)
{
    static const char *const order[] = {"overdue", "late", "not_yet_due", "on_time"};
    for (int i = 0; status != NULL && i < 4; i++)
        if (strcmp(status, order[i]) == 0)
            return i;
    return 4;
}

static int s_str_cmp(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

static int s_row_code_cmp(const void *a, const void *b)
{
    const Tiendo__UnitRow *x = *(Tiendo__UnitRow *const *) a, *y = *(Tiendo__UnitRow *const *) b;
    return s_str_cmp(x->unit, y->unit);
}

static int s_row_name_cmp(const void *a, const void *b)
{
    const Tiendo__UnitRow *x = *(Tiendo__UnitRow *const *) a, *y = *(Tiendo__UnitRow *const *) b;
    int c = s_str_cmp(x->name, y->name);
    return c ? c : s_row_code_cmp(a, b);
}

static int s_has_progress(const Tiendo__UnitRow *r)
{
    return r->has_mean_progress_percent && isfinite(r->mean_progress_percent);
}

/* Lowest progress first; units without any (not reported) before every reported one. */
static int s_row_progress_cmp(const void *a, const void *b)
{
    const Tiendo__UnitRow *x = *(Tiendo__UnitRow *const *) a, *y = *(Tiendo__UnitRow *const *) b;
    int hx = s_has_progress(x), hy = s_has_progress(y);
    if (hx != hy)
        return hx - hy;
    if (hx && x->mean_progress_percent != y->mean_progress_percent)
        return x->mean_progress_percent < y->mean_progress_percent ? -1 : 1;
    return s_row_code_cmp(a, b);
}

static int s_row_status_cmp(const void *a, const void *b)
{
    const Tiendo__UnitRow *x = *(Tiendo__UnitRow *const *) a, *y = *(Tiendo__UnitRow *const *) b;
    int rx = answer_units_status_rank(x->status), ry = answer_units_status_rank(y->status);
    return rx != ry ? rx - ry : s_row_code_cmp(a, b);
}

void answer_units_sort(Tiendo__UnitList *list, answer_units_order by)
{
    int (*cmp)(const void *, const void *) = s_row_code_cmp;

    if (list->n_units < 2)
        return;
    if (by == ANSWER_UNITS_BY_NAME)
        cmp = s_row_name_cmp;
    else if (by == ANSWER_UNITS_BY_PROGRESS)
        cmp = s_row_progress_cmp;
    else if (by == ANSWER_UNITS_BY_STATUS)
        cmp = s_row_status_cmp;
    if (list->n_units > 1) /* qsort takes no NULL base, even for 0 items */
        qsort(list->units, list->n_units, sizeof *list->units, cmp);
}

/* The last column, Overdue tasks, is shown when the collector counts them. */
enum { UNIT_COLS = 7, UNIT_CELL = 320 };

static const char *s_unit_status_color(void *ctx, size_t row, size_t col)
{
    const Tiendo__UnitRow *u = ((const Tiendo__UnitList *) ctx)->units[row];
    if (col == 6)
        return u->has_tasks_overdue && u->tasks_overdue > 0 ? answer_report_status_sgr("overdue")
                                                            : NULL;
    return col == 2 ? answer_report_status_sgr(u->status) : NULL;
}

td_err answer_units_text(FILE *out, const Tiendo__UnitList *list, const char *title,
                         const answer_style *style)
{
    static const term_column table[UNIT_COLS] = {
        {N_("Code"), TERM_LEFT, 0},           {N_("Name"), TERM_LEFT, 0},
        {N_("Status"), TERM_LEFT, 0},         {N_("Revision"), TERM_RIGHT, 0},
        {N_("First received"), TERM_LEFT, 0}, {N_("Progress"), TERM_RIGHT, 0},
        {N_("Overdue tasks"), TERM_RIGHT, 0},
    };
    size_t n = list->n_units, name_width, ncols = UNIT_COLS - 1;
    char(*text)[UNIT_CELL] = NULL;
    const char **cells = NULL;
    term_column cols[UNIT_COLS];
    char day[32], count[32];
    td_err rc = TD_OK;

    answer_print(out, style, "1", title ? title : _("Units"));
    fprintf(out, ", %s %s", list->dataset ? list->dataset : "?", list->period ? list->period : "?");
    if (list->deadline != NULL && list->deadline[0] != '\0')
        /* TRANSLATORS: after a heading: the period's report deadline, %s a date */
        fprintf(out, _(" (deadline %s)"), answer_day_text(list->deadline, day, sizeof day));
    fputs("\n\n", out);
    if (n == 0) {
        fprintf(out, "%s\n", _("No units."));
        return TD_OK;
    }
    answer_columns(cols, table, UNIT_COLS);
    for (size_t r = 0; r < n; r++)
        if (list->units[r]->has_tasks_overdue)
            ncols = UNIT_COLS;
    text = calloc(n * ncols, sizeof *text);
    cells = calloc(n * ncols, sizeof *cells);
    if (text == NULL || cells == NULL) {
        rc = TD_ERR_NOMEM;
        goto cleanup;
    }
    for (size_t r = 0; r < n; r++) {
        const Tiendo__UnitRow *u = list->units[r];
        char(*row)[UNIT_CELL] = text + r * ncols;

        snprintf(row[0], UNIT_CELL, "%.16s", u->unit ? u->unit : "?");
        answer_report_status_text(u->status, row[2], UNIT_CELL);
        if (u->has_revision)
            snprintf(row[3], UNIT_CELL, "%" PRIu32, u->revision);
        else
            snprintf(row[3], UNIT_CELL, ANSWER_NONE);
        answer_date_text(u->has_first_received_at_ms, u->first_received_at_ms, row[4], UNIT_CELL);
        if (s_has_progress(u))
            answer_percent_text(u->mean_progress_percent, row[5], UNIT_CELL);
        else
            snprintf(row[5], UNIT_CELL, ANSWER_NONE);
        if (ncols == UNIT_COLS && u->has_tasks_overdue)
            td_fmt_count(u->tasks_overdue, row[6], UNIT_CELL);
        else if (ncols == UNIT_COLS)
            snprintf(row[6], UNIT_CELL, ANSWER_NONE);
        for (size_t k = 0; k < ncols; k++)
            cells[r * ncols + k] = row[k];
    }
    /* The name takes what the other columns leave of the line, 10..40 columns. */
    name_width = term_flex_width(cols, ncols, cells, n, 1, answer_line_width(style), 10, 40);
    for (size_t r = 0; r < n; r++) {
        const char *name = list->units[r]->name;
        term_fit(name ? name : "", name_width, text[r * ncols + 1], UNIT_CELL);
    }
    cols[1].max_width = name_width;
    rc = term_table(out, cols, ncols, cells, n, NULL,
                    answer_colors(style) ? s_unit_status_color : NULL, (void *) list);
    if (rc == TD_OK) {
        fprintf(out, P_("%s unit", "%s units", n), td_fmt_count(n, count, sizeof count));
        fputc('\n', out);
    }

cleanup:
    free(cells);
    free(text);
    return rc;
}

json_t *answer_units_row_json(const Tiendo__UnitRow *u, int *failed)
{
    json_t *o = json_object();

    if (o == NULL) {
        *failed = 1;
        return NULL;
    }
    td_json_set(o, "unit", td_json_text(u->unit), failed);
    td_json_set(o, "name", td_json_text_nonempty(u->name), failed);
    td_json_set(o, "level", td_json_text_nonempty(u->level), failed);
    td_json_set(o, "parent", td_json_text_nonempty(u->parent), failed);
    td_json_set(o, "status", td_json_text_nonempty(u->status), failed);
    td_json_set(o, "revision", u->has_revision ? td_json_u64(u->revision) : json_null(), failed);
    td_json_set(o, "first_received_at",
                td_json_time(u->has_first_received_at_ms, u->first_received_at_ms), failed);
    td_json_set(o, "received_at", td_json_time(u->has_received_at_ms, u->received_at_ms), failed);
    td_json_set(o, "mean_progress_percent",
                answer_json_percent(u->has_mean_progress_percent, u->mean_progress_percent),
                failed);
    td_json_set(o, "tasks_overdue",
                u->has_tasks_overdue ? td_json_u64(u->tasks_overdue) : json_null(), failed);
    return o;
}

td_err answer_units_json(FILE *out, const Tiendo__UnitList *list)
{
    json_t *root = json_object(), *units = json_array();
    int failed = 0;

    if (root == NULL || units == NULL) {
        json_decref(units);
        json_decref(root);
        return TD_ERR_NOMEM;
    }
    td_json_set(root, "dataset", td_json_text(list->dataset), &failed);
    td_json_set(root, "period", td_json_text(list->period), &failed);
    td_json_set(root, "deadline", td_json_text_nonempty(list->deadline), &failed);
    td_json_set(root, "units", units, &failed); /* root owns it from here */
    for (size_t i = 0; i < list->n_units && !failed; i++)
        td_json_append(units, answer_units_row_json(list->units[i], &failed), &failed);
    if (failed) {
        json_decref(root);
        return TD_ERR_NOMEM;
    }
    return td_json_print(out, root);
}

void answer_units_csv_field(FILE *out, const char *s)
{
    size_t len = s ? strlen(s) : 0;
    int quote = s != NULL && strpbrk(s, ",\"\r\n") != NULL;

    if (quote)
        fputc('"', out);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = td_utf8_decode(s + i, len - i, &cp);
        if (cp == TD_UTF8_INVALID)
            fputs("\xEF\xBF\xBD", out); /* U+FFFD */
        else if (n == 1 && s[i] == '"')
            fputs("\"\"", out);
        else
            fwrite(s + i, 1, n, out);
        i += n;
    }
    if (quote)
        fputc('"', out);
}

/* A time by the JSON rule (td_time_rfc3339), or nothing when unset. */
static void s_csv_time(FILE *out, int has, int64_t unix_ms)
{
    char when[32];

    if (has && unix_ms > 0)
        fputs(td_time_rfc3339(unix_ms, when, sizeof when), out);
}

td_err answer_units_csv(FILE *out, const Tiendo__UnitList *list)
{
    fputs("unit,name,level,parent,status,revision,first_received_at,received_at,"
          "mean_progress_percent,tasks_overdue\r\n",
          out);
    for (size_t i = 0; i < list->n_units; i++) {
        const Tiendo__UnitRow *u = list->units[i];
        answer_units_csv_field(out, u->unit);
        fputc(',', out);
        answer_units_csv_field(out, u->name);
        fputc(',', out);
        answer_units_csv_field(out, u->level);
        fputc(',', out);
        answer_units_csv_field(out, u->parent);
        fputc(',', out);
        answer_units_csv_field(out, u->status);
        fputc(',', out);
        if (u->has_revision)
            fprintf(out, "%" PRIu32, u->revision);
        fputc(',', out);
        s_csv_time(out, u->has_first_received_at_ms, u->first_received_at_ms);
        fputc(',', out);
        s_csv_time(out, u->has_received_at_ms, u->received_at_ms);
        fputc(',', out);
        if (s_has_progress(u))
            fprintf(out, "%.1f", answer_round1(u->mean_progress_percent));
        fputc(',', out);
        if (u->has_tasks_overdue)
            fprintf(out, "%" PRIu32, u->tasks_overdue);
        fputs("\r\n", out);
    }
    return ferror(out) ? TD_ERR_IO : TD_OK;
}
