/* answer_status.c: the national summary of one period, for people and as JSON. */
#include "answer_status.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "answer_indicators.h"
#include "calendar.h"
#include "codec.h"
#include "i18n.h"
#include "json_out.h"
#include "term.h"
#include "utf8.h"

enum { LAG_COLS = 4 };

double answer_status_completeness(const Tiendo__StatusSummary *s)
{
    if (s->units_expected == 0)
        return -1.0;
    return answer_round1(100.0 * (double) s->units_reported / (double) s->units_expected);
}

double answer_status_timeliness(const Tiendo__StatusSummary *s)
{
    if (s->units_expected == 0 || !s->has_units_on_time)
        return -1.0;
    return answer_round1(100.0 * (double) s->units_on_time / (double) s->units_expected);
}

/* One row of the task-group table: the registry's group, the collector's counts, or both. */
typedef struct {
    uint32_t group;
    const td_task_group *info;            /* NULL when the registry lacks the group */
    const Tiendo__TaskGroupSummary *sums; /* NULL when the collector sent nothing for it */
} s_group_row;

static int s_group_row_cmp(const void *a, const void *b)
{
    const s_group_row *x = a, *y = b;
    return (x->group > y->group) - (x->group < y->group);
}

/* Rows for every group the registry knows (1..6) and any other the collector reported,
 * sorted by group number. Caller frees *rows_out. */
static td_err s_group_rows(const Tiendo__StatusSummary *s, const td_registry_t *reg,
                           s_group_row **rows_out, size_t *n_out)
{
    const td_task_group *groups = NULL;
    size_t ngroups = reg ? td_registry_task_groups(reg, &groups) : 0;
    s_group_row *rows = calloc(ngroups + s->n_task_groups + 1, sizeof *rows);
    size_t n = 0;

    if (rows == NULL)
        return TD_ERR_NOMEM;
    for (size_t i = 0; i < ngroups; i++) {
        rows[n].group = (uint32_t) groups[i].group;
        rows[n].info = &groups[i];
        n++;
    }
    for (size_t i = 0; i < s->n_task_groups; i++) {
        const Tiendo__TaskGroupSummary *t = s->task_groups[i];
        size_t j;
        for (j = 0; j < n; j++)
            if (rows[j].group == t->group)
                break;
        if (j == n) {
            rows[n].group = t->group;
            n++;
        }
        if (rows[j].sums == NULL)
            rows[j].sums = t;
    }
    if (n > 1) /* qsort takes no NULL base, even for 0 items */
        qsort(rows, n, sizeof *rows, s_group_row_cmp);
    *rows_out = rows;
    *n_out = n;
    return TD_OK;
}

typedef struct {
    uint32_t not_started, in_progress, completed, not_reported;
    int has_mean;
    double mean;
} s_group_counts;

static s_group_counts s_counts(const Tiendo__StatusSummary *s, const s_group_row *row)
{
    s_group_counts c = {0, 0, 0, 0, 0, 0.0};
    uint64_t counted;

    if (row->sums != NULL) {
        c.not_started = row->sums->not_started;
        c.in_progress = row->sums->in_progress;
        c.completed = row->sums->completed;
    }
    counted = (uint64_t) c.not_started + c.in_progress + c.completed;
    /* Every expected unit falls in exactly one column: a unit that gave no status for the
     * group (it has not reported) is "not reported". */
    c.not_reported = counted < s->units_expected ? (uint32_t) (s->units_expected - counted) : 0;
    if (row->sums != NULL && counted > 0 && row->sums->has_mean_progress_percent &&
        isfinite(row->sums->mean_progress_percent)) {
        c.has_mean = 1;
        c.mean = answer_round1(row->sums->mean_progress_percent);
    }
    return c;
}

/* The deadline and how many expected units are on time, late, not yet due or overdue.
 * Prints nothing for a collector that sends none of it (older than these fields). */
static void s_text_deadline(FILE *out, const Tiendo__StatusSummary *s, const answer_style *style,
                            size_t line_width)
{
    enum { N = 6, LEN = 128 };
    char text[N][LEN], day[32], count[32], pct[32];
    const char *items[N], *sgrs[N];
    size_t n = 0;
    double timeliness = answer_status_timeliness(s);

    if ((s->deadline == NULL || s->deadline[0] == '\0') && !s->has_units_on_time &&
        !s->has_units_late && !s->has_units_not_yet_due && !s->has_units_overdue)
        return;
    /* TRANSLATORS: the report deadline of the period, %s a date ("25/12/2026") */
    snprintf(text[n], LEN, _("Deadline %s"),
             s->deadline && s->deadline[0] ? answer_day_text(s->deadline, day, sizeof day)
                                           : _("unknown"));
    sgrs[n++] = NULL;
    /* TRANSLATORS: "on time 30": how many expected units reported on time (%s a count) */
    if (s->has_units_on_time) {
        snprintf(text[n], LEN, _("on time %s"),
                 td_fmt_count(s->units_on_time, count, sizeof count));
        sgrs[n++] = NULL;
    }
    if (s->has_units_late) {
        snprintf(text[n], LEN, _("late %s"), td_fmt_count(s->units_late, count, sizeof count));
        sgrs[n++] = s->units_late > 0 ? answer_report_status_sgr("late") : NULL;
    }
    if (s->has_units_not_yet_due) {
        snprintf(text[n], LEN, _("not yet due %s"),
                 td_fmt_count(s->units_not_yet_due, count, sizeof count));
        sgrs[n++] = NULL;
    }
    if (s->has_units_overdue) {
        snprintf(text[n], LEN, _("overdue %s"),
                 td_fmt_count(s->units_overdue, count, sizeof count));
        sgrs[n++] = s->units_overdue > 0 ? answer_report_status_sgr("overdue") : NULL;
    }
    if (s->has_units_on_time) {
        /* TRANSLATORS: %s a percentage ("88,2 %") or "—" when nothing is expected */
        snprintf(text[n], LEN, _("timeliness %s (on time / expected)"),
                 timeliness < 0 ? ANSWER_NONE : answer_percent_text(timeliness, pct, sizeof pct));
        sgrs[n++] = NULL;
    }
    for (size_t i = 0; i < n; i++)
        items[i] = text[i];
    /* The deadline date is peer text: answer_print writes it through term_cell. */
    answer_print_items(out, style, items, sgrs, n, line_width);
}

static const char *s_lagging_color(void *ctx, size_t row, size_t col)
{
    const Tiendo__StatusSummary *s = ctx;
    return col == 2 ? answer_report_status_sgr(s->lagging[row]->status) : NULL;
}

/* "Lagging units": overdue, then late, then the lowest mean progress, as the collector
 * ordered them. */
static td_err s_text_lagging(FILE *out, const Tiendo__StatusSummary *s, const td_registry_t *reg,
                             const td_date *last_day, const answer_style *style)
{
    static const term_column table[LAG_COLS] = {
        {N_("Code"), TERM_LEFT, 0},
        {N_("Name"), TERM_LEFT, 32},
        {N_("Status"), TERM_LEFT, 0},
        {N_("Mean progress"), TERM_RIGHT, 0},
    };
    enum { CELL = 48 };
    term_column cols[LAG_COLS];
    size_t n = s->n_lagging < TD_STATUS_LAGGING_MAX ? s->n_lagging : TD_STATUS_LAGGING_MAX;
    char(*text)[CELL] = NULL;
    const char **cells = NULL;
    td_err rc = TD_OK;

    if (n == 0)
        return TD_OK;
    answer_columns(cols, table, LAG_COLS);
    text = calloc(n * LAG_COLS, sizeof *text);
    cells = calloc(n * LAG_COLS, sizeof *cells);
    if (text == NULL || cells == NULL) {
        rc = TD_ERR_NOMEM;
        goto cleanup;
    }
    for (size_t r = 0; r < n; r++) {
        const Tiendo__LaggingUnit *lu = s->lagging[r];
        const char *name = answer_name_of(reg, lu->name, lu->unit, last_day);
        char(*row)[CELL] = text + r * LAG_COLS;

        snprintf(row[0], CELL, "%.16s", lu->unit ? lu->unit : "?");
        answer_report_status_text(lu->status, row[2], CELL);
        if (lu->has_mean_progress_percent && isfinite(lu->mean_progress_percent))
            answer_percent_text(lu->mean_progress_percent, row[3], CELL);
        else
            snprintf(row[3], CELL, ANSWER_NONE);
        for (size_t k = 0; k < LAG_COLS; k++)
            cells[r * LAG_COLS + k] = row[k];
        cells[r * LAG_COLS + 1] = name ? name : ""; /* names can be longer than a cell */
    }
    answer_print(out, style, "1", _("Lagging units (overdue, late, then lowest mean progress)"));
    fputc('\n', out);
    rc = term_table(out, cols, LAG_COLS, cells, n, NULL,
                    answer_colors(style) ? s_lagging_color : NULL, (void *) s);
    if (rc == TD_OK)
        fputc('\n', out);

cleanup:
    free(cells);
    free(text);
    return rc;
}

enum {
    S_ITEM = 512,      /* one entry of a list of units: code, name, what it reported through */
    S_NAME_BYTES = 200 /* a name is cut (on a character boundary) to this many bytes there */
};

/* "04 Cao Bằng" (the name as sent, else the registry's for the period; the code alone when
 * neither knows it), then " suffix" when suffix is not NULL. */
static void s_unit_item(char *buf, size_t len, const td_registry_t *reg, const char *sent,
                        const char *code, const td_date *last_day, const char *suffix)
{
    const char *name = answer_name_of(reg, sent, code, last_day);
    int name_len = name != NULL ? (int) td_utf8_cut(name, strlen(name), S_NAME_BYTES) : 0;

    snprintf(buf, len, "%.*s%s%.*s%s%s", TD_CODE_MAX, code ? code : "", name ? " " : "", name_len,
             name ? name : "", suffix ? " " : "", suffix ? suffix : "");
}

/* A unit reported for the period only through the provinces merged into it: no report of
 * its own (no revision), some parts named. */
static int s_through_parts(const Tiendo__UnitReport *u)
{
    return u->n_reported_by_parts > 0 && !u->has_revision;
}

/* "(through 74; partial)", "(through 74, 77)". */
static void s_through_text(const Tiendo__UnitReport *u, char *buf, size_t len)
{
    char codes[S_ITEM / 2] = "";
    size_t used = 0;

    for (size_t k = 0; k < u->n_reported_by_parts && used < sizeof codes; k++)
        used +=
            (size_t) snprintf(codes + used, sizeof codes - used, "%s%.*s", k > 0 ? ", " : "",
                              TD_CODE_MAX, u->reported_by_parts[k] ? u->reported_by_parts[k] : "?");
    /* TRANSLATORS: after a unit reported only through the provinces merged into it: %s
     * their codes ("74, 77"); partial: not every one of them reported */
    if (u->has_partial && u->partial)
        snprintf(buf, len, _("(through %s; partial)"), codes);
    else
        snprintf(buf, len, _("(through %s)"), codes);
}

/* heading then the n units' items, wrapped (answer_print_list). item(ctx, i, buf) writes
 * the i-th. */
typedef void (*s_item_fn)(const void *ctx, size_t i, const td_registry_t *reg,
                          const td_date *last_day, char *buf, size_t len);

static td_err s_text_units(FILE *out, const answer_style *style, const char *heading,
                           const char *sgr, size_t n, s_item_fn item, const void *ctx,
                           const td_registry_t *reg, const td_date *last_day, size_t line_width)
{
    char(*text)[S_ITEM] = calloc(n + 1, sizeof *text);
    const char **items = calloc(n + 1, sizeof *items);
    td_err rc = TD_OK;

    if (text == NULL || items == NULL) {
        rc = TD_ERR_NOMEM;
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        item(ctx, i, reg, last_day, text[i], S_ITEM);
        items[i] = text[i];
    }
    answer_print_list(out, style, heading, sgr, items, n, line_width);

cleanup:
    free(items);
    free(text);
    return rc;
}

/* Items of a list of codes (missing, without a live agent): "04 Cao Bằng". */
static void s_code_item(const void *ctx, size_t i, const td_registry_t *reg,
                        const td_date *last_day, char *buf, size_t len)
{
    char *const *codes = ctx;
    s_unit_item(buf, len, reg, NULL, codes[i] ? codes[i] : "", last_day, NULL);
}

/* Items of the units reported through their parts: "79 Hồ Chí Minh (through 74; partial)".
 * ctx is the summary; i counts only those units. */
static void s_through_item(const void *ctx, size_t i, const td_registry_t *reg,
                           const td_date *last_day, char *buf, size_t len)
{
    const Tiendo__StatusSummary *s = ctx;
    char through[S_ITEM / 2];

    for (size_t k = 0; k < s->n_reported; k++) {
        const Tiendo__UnitReport *u = s->reported[k];
        if (!s_through_parts(u))
            continue;
        if (i-- == 0) {
            s_through_text(u, through, sizeof through);
            s_unit_item(buf, len, reg, u->name, u->unit, last_day, through);
            return;
        }
    }
}

/* Who has not reported, who reported only through the provinces merged into it, which
 * expected units no live agent reports for, and the overdue action-plan tasks. The last
 * three are left out for a collector that sends none of them. */
static td_err s_text_who(FILE *out, const Tiendo__StatusSummary *s, const td_registry_t *reg,
                         const td_date *last_day, const answer_style *style, size_t line_width)
{
    char heading[256], count[32];
    size_t through = 0;
    td_err rc = TD_OK;

    if (s->n_missing == 0 && s->units_expected == 0) {
        fprintf(out, "%s\n", _("No province is expected to report for this period."));
    } else if (s->n_missing == 0) {
        answer_print(out, style, "32", _("All expected provinces have reported."));
        fputc('\n', out);
    } else {
        /* TRANSLATORS: headings of lists of units; %s how many */
        snprintf(heading, sizeof heading, _("Not reported yet (%s):"),
                 td_fmt_count(s->n_missing, count, sizeof count));
        rc = s_text_units(out, style, heading, "33", s->n_missing, s_code_item, s->missing, reg,
                          last_day, line_width);
    }
    for (size_t k = 0; k < s->n_reported; k++)
        through += s_through_parts(s->reported[k]) ? 1 : 0;
    if (rc == TD_OK && through > 0) {
        snprintf(heading, sizeof heading, _("Reported through their merged provinces (%s):"),
                 td_fmt_count(through, count, sizeof count));
        rc = s_text_units(out, style, heading, NULL, through, s_through_item, s, reg, last_day,
                          line_width);
    }
    if (rc == TD_OK && s->n_without_live_agent > 0) {
        snprintf(heading, sizeof heading, _("No live agent (%s):"),
                 td_fmt_count(s->n_without_live_agent, count, sizeof count));
        rc = s_text_units(out, style, heading, "33", s->n_without_live_agent, s_code_item,
                          s->without_live_agent, reg, last_day, line_width);
    }
    if (rc == TD_OK && s->has_tasks_overdue) {
        snprintf(heading, sizeof heading, _("Overdue action-plan tasks: %s"),
                 td_fmt_count(s->tasks_overdue, count, sizeof count));
        answer_print(out, style, s->tasks_overdue > 0 ? "31" : NULL, heading);
        fputs(s->tasks_overdue > 0 ? " (tiendo tasks --status overdue)\n" : "\n", out);
    }
    return rc;
}

td_err answer_status_text(FILE *out, const Tiendo__StatusSummary *s, const td_registry_t *reg,
                          const answer_style *style)
{
    static const term_column table[] = {
        {"#", TERM_RIGHT, 0},
        {N_("Task group"), TERM_LEFT, 44},
        {N_("Not started"), TERM_RIGHT, 0},
        {N_("In progress"), TERM_RIGHT, 0},
        {N_("Completed"), TERM_RIGHT, 0},
        {N_("Mean progress"), TERM_RIGHT, 0},
    };
    enum { NCOLS = sizeof table / sizeof table[0], CELL = 48 };
    term_column columns[NCOLS];
    s_group_row *rows = NULL;
    size_t nrows = 0, line_width = answer_line_width(style);
    char(*text)[CELL] = NULL;
    const char **cells = NULL;
    char line[256], pct[32], reported[32], expected[32], partial[32], count[32];
    td_date last_day_buf;
    const td_date *last_day = answer_period_last_day(s->period, &last_day_buf);
    const char *dataset = s->dataset && s->dataset[0] ? s->dataset : "?";
    const char *period = s->period && s->period[0] ? s->period : "?";
    double completeness = answer_status_completeness(s);
    td_err rc;

    answer_columns(columns, table, NCOLS);
    if (style && style->title_width > 0) {
        columns[1].max_width = style->title_width;
    } else {
        /* Give the titles what the line leaves them, between 16 and 44 columns. The
         * "not reported" count is in the headline, so the table leaves it out. */
        size_t fixed = 0;
        for (size_t c = 0; c < NCOLS; c++)
            fixed += (c == 1 ? 0 : term_width(columns[c].title)) + (c > 0 ? 2 : 0);
        columns[1].max_width = line_width > fixed + 44   ? 44
                               : line_width > fixed + 16 ? line_width - fixed
                                                         : 16;
    }

    /* TRANSLATORS: %s a reporting period ("2026-Q3"); nq06 is the dataset's code */
    if (strcmp(dataset, TD_DEFAULT_DATASET) == 0)
        snprintf(line, sizeof line,
                 _("National summary - Resolution 06-NQ/TW (dataset nq06), period %s"), period);
    else /* TRANSLATORS: %1$s a dataset's code, %2$s a reporting period */
        snprintf(line, sizeof line, _("National summary - dataset %s, period %s"), dataset, period);
    answer_print(out, style, "1", line);
    fputc('\n', out);

    if (completeness < 0)
        snprintf(pct, sizeof pct, "-");
    else
        answer_percent_text(completeness, pct, sizeof pct);
    fprintf(out, "%s ", _("Provinces reported:"));
    td_fmt_count(s->units_reported, reported, sizeof reported);
    td_fmt_count(s->units_expected, expected, sizeof expected);
    /* TRANSLATORS: "33 of 34 (97.1 %)": provinces reported of those expected, the
     * completeness; then how many of them reported only in part */
    if (s->has_units_partial && s->units_partial > 0)
        snprintf(line, sizeof line, _("%s of %s (%s; %s partial)"), reported, expected, pct,
                 td_fmt_count(s->units_partial, partial, sizeof partial));
    else
        snprintf(line, sizeof line, _("%s of %s (%s)"), reported, expected, pct);
    answer_print(out, style,
                 s->units_expected > 0 && s->units_reported >= s->units_expected ? "32" : "33",
                 line);
    fprintf(out, "    ");
    fprintf(out, _("revisions stored: %s"), td_fmt_count(s->revisions_stored, count, sizeof count));
    fputc('\n', out);
    s_text_deadline(out, s, style, line_width);
    fputc('\n', out);

    rc = s_group_rows(s, reg, &rows, &nrows);
    if (rc != TD_OK)
        goto cleanup;
    text = calloc(nrows * NCOLS + 1, sizeof *text);
    cells = calloc(nrows * NCOLS + 1, sizeof *cells);
    if (text == NULL || cells == NULL) {
        rc = TD_ERR_NOMEM;
        goto cleanup;
    }
    for (size_t r = 0; r < nrows; r++) {
        s_group_counts c = s_counts(s, &rows[r]);
        char(*row)[CELL] = text + r * NCOLS;
        snprintf(row[0], CELL, "%" PRIu32, rows[r].group);
        td_fmt_count(c.not_started, row[2], CELL);
        td_fmt_count(c.in_progress, row[3], CELL);
        td_fmt_count(c.completed, row[4], CELL);
        if (c.has_mean)
            answer_percent_text(c.mean, row[5], CELL);
        else
            snprintf(row[5], CELL, "-");
        for (size_t k = 0; k < NCOLS; k++)
            cells[r * NCOLS + k] = row[k];
        /* Titles can be longer than a cell buffer: point at the registry's text. */
        cells[r * NCOLS + 1] =
            rows[r].info ? answer_group_title(rows[r].info) : _("(unknown task group)");
    }
    rc = term_table(out, columns, NCOLS, cells, nrows, NULL, NULL, NULL);
    if (rc != TD_OK)
        goto cleanup;
    fputc('\n', out);
    /* TRANSLATORS: "provinces" ends the footnote "* partial: covers 30 of 34 provinces" */
    rc = answer_indicators_table(out, s->indicators, s->n_indicators, _("Indicators (nation)"),
                                 _("provinces"), reg, style);
    if (rc != TD_OK)
        goto cleanup;
    rc = s_text_lagging(out, s, reg, last_day, style);
    if (rc != TD_OK)
        goto cleanup;

    rc = s_text_who(out, s, reg, last_day, style, line_width);

cleanup:
    free(cells);
    free(text);
    free(rows);
    return rc;
}

static void s_json_lagging(json_t *array, const Tiendo__StatusSummary *s, const td_registry_t *reg,
                           const td_date *last_day, int *failed)
{
    for (size_t i = 0; i < s->n_lagging && !*failed; i++) {
        const Tiendo__LaggingUnit *lu = s->lagging[i];
        json_t *o = json_object();

        td_json_append(array, o, failed);
        if (*failed)
            break;
        td_json_set(o, "unit", td_json_text(lu->unit), failed);
        td_json_set(o, "name", td_json_text(answer_name_of(reg, lu->name, lu->unit, last_day)),
                    failed);
        td_json_set(o, "status", td_json_text_nonempty(lu->status), failed);
        td_json_set(o, "mean_progress_percent",
                    answer_json_percent(lu->has_mean_progress_percent, lu->mean_progress_percent),
                    failed);
    }
}

static void s_json_groups(json_t *array, const Tiendo__StatusSummary *s, const s_group_row *rows,
                          size_t nrows, int *failed)
{
    for (size_t r = 0; r < nrows && !*failed; r++) {
        s_group_counts c = s_counts(s, &rows[r]);
        const td_task_group *info = rows[r].info;
        json_t *g = json_object();

        td_json_append(array, g, failed);
        if (*failed)
            break;
        td_json_set(g, "group", json_integer(rows[r].group), failed);
        td_json_set(g, "title_en", td_json_text(info ? info->title_en : NULL), failed);
        td_json_set(g, "title_vi", td_json_text(info ? info->title_vi : NULL), failed);
        td_json_set(g, "not_started", json_integer(c.not_started), failed);
        td_json_set(g, "in_progress", json_integer(c.in_progress), failed);
        td_json_set(g, "completed", json_integer(c.completed), failed);
        td_json_set(g, "not_reported", json_integer(c.not_reported), failed);
        td_json_set(g, "mean_progress_percent", td_json_real(c.has_mean, c.mean), failed);
    }
}

/* ["74", "77"]: unit codes as JSON strings. A new reference; NULL when out of memory. */
static json_t *s_json_codes(char *const *codes, size_t n)
{
    json_t *array = json_array();
    int failed = 0;

    for (size_t i = 0; array != NULL && i < n && !failed; i++)
        td_json_append(array, td_json_text(codes[i]), &failed);
    if (failed) {
        json_decref(array);
        return NULL;
    }
    return array;
}

/* {"unit", "name"} per code (missing, without_live_agent): names from the registry. */
static void s_json_units(json_t *array, char *const *codes, size_t n, const td_registry_t *reg,
                         const td_date *last_day, int *failed)
{
    for (size_t i = 0; i < n && !*failed; i++) {
        json_t *o = json_object();

        td_json_append(array, o, failed);
        if (*failed)
            break;
        td_json_set(o, "unit", td_json_text(codes[i]), failed);
        td_json_set(o, "name", td_json_text(answer_name_of(reg, NULL, codes[i], last_day)), failed);
    }
}

static void s_json_reported(json_t *array, const Tiendo__StatusSummary *s, const td_registry_t *reg,
                            const td_date *last_day, int *failed)
{
    for (size_t i = 0; i < s->n_reported && !*failed; i++) {
        const Tiendo__UnitReport *u = s->reported[i];
        json_t *o = json_object();

        td_json_append(array, o, failed);
        if (*failed)
            break;
        td_json_set(o, "unit", td_json_text(u->unit), failed);
        td_json_set(o, "name", td_json_text(answer_name_of(reg, u->name, u->unit, last_day)),
                    failed);
        /* A unit reported only through its parts has no revision of its own. */
        td_json_set(o, "revision", u->has_revision ? json_integer(u->revision) : json_null(),
                    failed);
        td_json_set(o, "received_at", td_json_time(u->has_received_at_ms, u->received_at_ms),
                    failed);
        td_json_set(o, "first_received_at",
                    td_json_time(u->has_first_received_at_ms, u->first_received_at_ms), failed);
        td_json_set(o, "status", td_json_text_nonempty(u->status), failed);
        td_json_set(o, "reported_by_parts",
                    s_json_codes(u->reported_by_parts, u->n_reported_by_parts), failed);
        td_json_set(o, "partial", json_boolean(u->has_partial && u->partial), failed);
    }
}

td_err answer_status_json(FILE *out, const Tiendo__StatusSummary *s, const td_registry_t *reg)
{
    json_t *root = json_object(), *groups = json_array(), *reported = json_array(),
           *missing = json_array(), *indicators = json_array(), *lagging = json_array(),
           *no_agent = json_array();
    s_group_row *rows = NULL;
    size_t nrows = 0;
    int failed = 0;
    double completeness = answer_status_completeness(s);
    double timeliness = answer_status_timeliness(s);
    td_date last_day_buf;
    const td_date *last_day = answer_period_last_day(s->period, &last_day_buf);
    td_err rc = TD_OK;

    if (root == NULL || groups == NULL || reported == NULL || missing == NULL ||
        indicators == NULL || lagging == NULL || no_agent == NULL) {
        json_decref(no_agent);
        json_decref(groups);
        json_decref(reported);
        json_decref(missing);
        json_decref(indicators);
        json_decref(lagging);
        json_decref(root);
        return TD_ERR_NOMEM;
    }
    td_json_set(root, "dataset", td_json_text(s->dataset), &failed);
    td_json_set(root, "period", td_json_text(s->period), &failed);
    td_json_set(root, "deadline", td_json_text_nonempty(s->deadline), &failed);
    td_json_set(root, "units_expected", json_integer(s->units_expected), &failed);
    td_json_set(root, "units_reported", json_integer(s->units_reported), &failed);
    td_json_set(root, "units_partial",
                s->has_units_partial ? td_json_u64(s->units_partial) : json_null(), &failed);
    td_json_set(root, "completeness_percent", td_json_real(completeness >= 0, completeness),
                &failed);
    td_json_set(root, "units_on_time",
                s->has_units_on_time ? td_json_u64(s->units_on_time) : json_null(), &failed);
    td_json_set(root, "units_late", s->has_units_late ? td_json_u64(s->units_late) : json_null(),
                &failed);
    td_json_set(root, "units_not_yet_due",
                s->has_units_not_yet_due ? td_json_u64(s->units_not_yet_due) : json_null(),
                &failed);
    td_json_set(root, "units_overdue",
                s->has_units_overdue ? td_json_u64(s->units_overdue) : json_null(), &failed);
    td_json_set(root, "timeliness_percent", td_json_real(timeliness >= 0, timeliness), &failed);
    td_json_set(root, "revisions_stored", td_json_u64(s->revisions_stored), &failed);
    td_json_set(root, "tasks_overdue",
                s->has_tasks_overdue ? td_json_u64(s->tasks_overdue) : json_null(), &failed);
    /* From here root owns the arrays. A failed set has dropped its array and raised failed,
     * and every fill below does nothing once failed is raised. */
    td_json_set(root, "task_groups", groups, &failed);
    td_json_set(root, "indicators", indicators, &failed);
    td_json_set(root, "lagging", lagging, &failed);
    td_json_set(root, "reported", reported, &failed);
    td_json_set(root, "missing", missing, &failed);
    td_json_set(root, "without_live_agent", no_agent, &failed);
    if (!failed)
        rc = s_group_rows(s, reg, &rows, &nrows);
    if (rc == TD_OK) {
        s_json_groups(groups, s, rows, nrows, &failed);
        answer_indicators_values_json(indicators, s->indicators, s->n_indicators, reg, &failed);
        s_json_lagging(lagging, s, reg, last_day, &failed);
        s_json_reported(reported, s, reg, last_day, &failed);
        s_json_units(missing, s->missing, s->n_missing, reg, last_day, &failed);
        s_json_units(no_agent, s->without_live_agent, s->n_without_live_agent, reg, last_day,
                     &failed);
    }
    free(rows);
    if (rc != TD_OK || failed) {
        json_decref(root);
        return rc != TD_OK ? rc : TD_ERR_NOMEM;
    }
    return td_json_print(out, root);
}
