/* render.c: display-width-aware tables and the text and JSON forms of the collector's answers. */
#include "render.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "indicator.h"
#include "period.h"
#include "report.h"
#include "utf8.h"

typedef struct {
    uint32_t first, last;
} s_range;

#include "unicode_width.inc"
#include "codec.h"

static const char s_ellipsis[] = "\xE2\x80\xA6";    /* U+2026, one column */
static const char s_replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* ---- UTF-8 and display width ---- */

static int s_in_ranges(const s_range *ranges, size_t n, uint32_t cp)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < ranges[mid].first)
            hi = mid;
        else if (cp > ranges[mid].last)
            lo = mid + 1;
        else
            return 1;
    }
    return 0;
}

/* Characters that could move the cursor, change terminal modes or reorder the line if
 * printed as they are; text from the network shows them as U+FFFD. */
static int s_is_unsafe(uint32_t cp)
{
    return cp == TD_UTF8_INVALID || cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == 0x2028 ||
           cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

int render_codepoint_width(uint32_t cp)
{
    if (s_is_unsafe(cp))
        return 1; /* printed as U+FFFD */
    if (cp < 0x300)
        return 1; /* fast path: ASCII and Latin-1/Latin Extended, Vietnamese precomposed */
    if (s_in_ranges(s_zero_width, sizeof s_zero_width / sizeof s_zero_width[0], cp))
        return 0;
    if (s_in_ranges(s_wide, sizeof s_wide / sizeof s_wide[0], cp))
        return 2;
    return 1;
}

size_t render_width(const char *s)
{
    size_t width = 0, len;

    if (s == NULL)
        return 0;
    len = strlen(s);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += td_utf8_decode(s + i, len - i, &cp);
        width += (size_t) render_codepoint_width(cp);
    }
    return width;
}

/* How many bytes of s fit in `limit` columns (combining marks stay with the character they
 * follow), and how many columns they take. */
static size_t s_prefix_fitting(const char *s, size_t len, size_t limit, size_t *used_out)
{
    size_t used = 0, i = 0;

    while (i < len) {
        uint32_t cp;
        size_t n = td_utf8_decode(s + i, len - i, &cp);
        size_t w = (size_t) render_codepoint_width(cp);
        if (w > 0 && used + w > limit)
            break;
        used += w;
        i += n;
    }
    *used_out = used;
    return i;
}

/* Write len bytes of s, replacing malformed sequences and unsafe characters by U+FFFD. */
static void s_write_safe(FILE *out, const char *s, size_t len)
{
    size_t i = 0, clean_from = 0;

    while (i < len) {
        uint32_t cp;
        size_t n = td_utf8_decode(s + i, len - i, &cp);
        int bad = s_is_unsafe(cp) || cp == TD_UTF8_INVALID;
        if (bad) {
            fwrite(s + clean_from, 1, i - clean_from, out);
            fputs(s_replacement, out);
            clean_from = i + n;
        }
        i += n;
    }
    fwrite(s + clean_from, 1, len - clean_from, out);
}

static void s_spaces(FILE *out, size_t n)
{
    while (n-- > 0)
        fputc(' ', out);
}

void render_cell(FILE *out, const char *text, size_t width, render_align align)
{
    size_t len, shown_bytes, used;
    int cut;

    if (text == NULL)
        text = "";
    len = strlen(text);
    if (render_width(text) <= width) {
        shown_bytes = len;
        used = render_width(text);
        cut = 0;
    } else if (width == 0) {
        return;
    } else {
        shown_bytes = s_prefix_fitting(text, len, width - 1, &used);
        used += 1; /* the ellipsis */
        cut = 1;
    }
    if (align == RENDER_RIGHT)
        s_spaces(out, width - used);
    s_write_safe(out, text, shown_bytes);
    if (cut)
        fputs(s_ellipsis, out);
    if (align == RENDER_LEFT)
        s_spaces(out, width - used);
}

void render_cell_sgr(FILE *out, const char *text, size_t width, render_align align, const char *sgr)
{
    int on = sgr != NULL && sgr[0] != '\0';

    if (on)
        fprintf(out, "\x1b[%sm", sgr);
    render_cell(out, text, width, align);
    if (on)
        fputs("\x1b[0m", out);
}

/* ---- Tables ---- */

td_err render_table(FILE *out, const render_column *cols, size_t ncols, const char *const *cells,
                    size_t nrows, const char *indent, render_cell_color_fn color, void *ctx)
{
    size_t *widths;

    if (ncols == 0)
        return TD_OK;
    widths = calloc(ncols, sizeof *widths);
    if (widths == NULL)
        return TD_ERR_NOMEM;
    for (size_t c = 0; c < ncols; c++) {
        widths[c] = render_width(cols[c].title);
        for (size_t r = 0; r < nrows; r++) {
            size_t w = render_width(cells[r * ncols + c]);
            if (w > widths[c])
                widths[c] = w;
        }
        if (cols[c].max_width > 0 && widths[c] > cols[c].max_width)
            widths[c] = cols[c].max_width;
    }

    fputs(indent ? indent : "", out);
    for (size_t c = 0; c < ncols; c++) {
        if (c > 0)
            fputs("  ", out);
        render_cell(out, cols[c].title, widths[c], cols[c].align);
    }
    fputc('\n', out);
    fputs(indent ? indent : "", out);
    for (size_t c = 0; c < ncols; c++) {
        if (c > 0)
            fputs("  ", out);
        for (size_t i = 0; i < widths[c]; i++)
            fputc('-', out);
    }
    fputc('\n', out);
    for (size_t r = 0; r < nrows; r++) {
        fputs(indent ? indent : "", out);
        for (size_t c = 0; c < ncols; c++) {
            if (c > 0)
                fputs("  ", out);
            render_cell_sgr(out, cells[r * ncols + c], widths[c], cols[c].align,
                            color ? color(ctx, r, c) : NULL);
        }
        fputc('\n', out);
    }
    free(widths);
    return TD_OK;
}

/* ---- Small formatters ---- */

char *render_rfc3339(int64_t unix_ms, char *buf, size_t len)
{
    int64_t secs = unix_ms / 1000, ms = unix_ms % 1000;
    time_t t;
    struct tm tm;

    if (ms < 0) { /* floor division for times before 1970 */
        ms += 1000;
        secs -= 1;
    }
    t = (time_t) secs;
    if (gmtime_r(&t, &tm) == NULL) {
        snprintf(buf, len, "invalid time");
        return buf;
    }
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int) ms);
    return buf;
}

char *render_duration(int64_t ms, char *buf, size_t len)
{
    if (ms < 0)
        ms = 0;
    if (ms < 1000)
        snprintf(buf, len, "%" PRId64 " ms", ms);
    else if (ms < 60000)
        snprintf(buf, len, "%" PRId64 " s", ms / 1000);
    else if (ms < 3600000)
        snprintf(buf, len, "%" PRId64 " min", ms / 60000);
    else if (ms < 86400000)
        snprintf(buf, len, "%" PRId64 " h", ms / 3600000);
    else
        snprintf(buf, len, "%" PRId64 " d", ms / 86400000);
    return buf;
}

char *render_age_ago(int64_t now_ms, int64_t then_ms, char *buf, size_t len)
{
    int64_t age;

    if (then_ms <= 0) {
        snprintf(buf, len, "never");
        return buf;
    }
    age = now_ms - then_ms;
    if (age < 1000) {
        snprintf(buf, len, "0 s ago"); /* not "850 ms ago": ages are read at a glance */
        return buf;
    }
    render_duration(age, buf, len);
    strncat(buf, " ago", len - strlen(buf) - 1);
    return buf;
}

char *render_offset(int64_t ms, char *buf, size_t len)
{
    char sign = ms < 0 ? '-' : '+';
    uint64_t mag = ms < 0 ? (uint64_t) 0 - (uint64_t) ms : (uint64_t) ms;

    if (mag == 0)
        snprintf(buf, len, "0 ms");
    else if (mag < 1000)
        snprintf(buf, len, "%c%" PRIu64 " ms", sign, mag);
    else if (mag < 60000)
        snprintf(buf, len, "%c%.1f s", sign, (double) mag / 1000.0);
    else if (mag < 3600000)
        snprintf(buf, len, "%c%" PRIu64 " min", sign, mag / 60000);
    else
        snprintf(buf, len, "%c%" PRIu64 " h", sign, mag / 3600000);
    return buf;
}

/* ---- Status ---- */

/* Round a percentage to one decimal without libm's round(). */
static double s_round1(double x)
{
    double scaled = x * 10.0;
    long long whole = (long long) (scaled < 0 ? scaled - 0.5 : scaled + 0.5);
    return (double) whole / 10.0;
}

double render_completeness_percent(const Tiendo__StatusSummary *s)
{
    if (s->units_expected == 0)
        return -1.0;
    return s_round1(100.0 * (double) s->units_reported / (double) s->units_expected);
}

double render_timeliness_percent(const Tiendo__StatusSummary *s)
{
    if (s->units_expected == 0 || !s->has_units_on_time)
        return -1.0;
    return s_round1(100.0 * (double) s->units_on_time / (double) s->units_expected);
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
        c.mean = s_round1(row->sums->mean_progress_percent);
    }
    return c;
}

/* The last day of the summary's period, for looking up names valid then. */
static const td_date *s_period_last_day(const Tiendo__StatusSummary *s, td_date *buf)
{
    td_period p;
    td_date first;

    if (s->period == NULL || td_period_parse(s->period, &p) != TD_OK)
        return NULL;
    td_period_span(&p, &first, buf);
    return buf;
}

static const char *s_unit_name(const td_registry_t *reg, const char *code, const td_date *on)
{
    const td_unit *u;

    if (reg == NULL || code == NULL)
        return NULL;
    u = td_registry_find(reg, code, on);
    if (u == NULL && on != NULL)
        u = td_registry_find(reg, code, NULL);
    return u ? u->name : NULL;
}

static const char *s_sgr(const render_style *style, const char *code)
{
    return style && style->color ? code : NULL;
}

static void s_print_styled(FILE *out, const render_style *style, const char *sgr, const char *text)
{
    render_cell_sgr(out, text, render_width(text), RENDER_LEFT, s_sgr(style, sgr));
}

/* Copy text into buf cut to `width` columns, with "…" where it was cut; no padding. */
static char *s_fit(const char *text, size_t width, char *buf, size_t len)
{
    size_t used, n;

    if (text == NULL)
        text = "";
    if (render_width(text) <= width) {
        snprintf(buf, len, "%s", text);
    } else if (width == 0) {
        buf[0] = '\0';
    } else {
        n = s_prefix_fitting(text, strlen(text), width - 1, &used);
        snprintf(buf, len, "%.*s%s", (int) n, text, s_ellipsis);
    }
    return buf;
}

/* Print items separated by " · ", starting a new line indented by two spaces where the
 * next item would pass line_width. sgrs[i] may be NULL (no colour). */
static void s_print_items(FILE *out, const render_style *style, const char *const *items,
                          const char *const *sgrs, size_t n, size_t line_width)
{
    size_t col = 0;

    for (size_t i = 0; i < n; i++) {
        size_t w = render_width(items[i]);
        if (i > 0 && col + 3 + w > line_width) {
            fputs("\n  ", out);
            col = 2;
        } else if (i > 0) {
            fputs(" \xC2\xB7 ", out); /* U+00B7 middle dot */
            col += 3;
        }
        s_print_styled(out, style, sgrs[i], items[i]);
        col += w;
    }
    fputc('\n', out);
}

/* The deadline and how many expected units are on time, late, not yet due or overdue.
 * Prints nothing for a collector that sends none of it (older than these fields). */
static void s_text_deadline(FILE *out, const Tiendo__StatusSummary *s, const render_style *style,
                            size_t line_width)
{
    enum { N = 6, LEN = 64 };
    char text[N][LEN];
    const char *items[N], *sgrs[N];
    size_t n = 0;
    double timeliness = render_timeliness_percent(s);

    if ((s->deadline == NULL || s->deadline[0] == '\0') && !s->has_units_on_time &&
        !s->has_units_late && !s->has_units_not_yet_due && !s->has_units_overdue)
        return;
    snprintf(text[n], LEN, "Deadline %.16s",
             s->deadline && s->deadline[0] ? s->deadline : "unknown");
    sgrs[n++] = NULL;
    if (s->has_units_on_time) {
        snprintf(text[n], LEN, "on time %" PRIu32, s->units_on_time);
        sgrs[n++] = NULL;
    }
    if (s->has_units_late) {
        snprintf(text[n], LEN, "late %" PRIu32, s->units_late);
        sgrs[n++] = s->units_late > 0 ? "33" : NULL;
    }
    if (s->has_units_not_yet_due) {
        snprintf(text[n], LEN, "not yet due %" PRIu32, s->units_not_yet_due);
        sgrs[n++] = NULL;
    }
    if (s->has_units_overdue) {
        snprintf(text[n], LEN, "overdue %" PRIu32, s->units_overdue);
        sgrs[n++] = s->units_overdue > 0 ? "31" : NULL;
    }
    if (s->has_units_on_time) {
        if (timeliness < 0)
            snprintf(text[n], LEN, "timeliness \xE2\x80\x94 (on time / expected)");
        else
            snprintf(text[n], LEN, "timeliness %.1f%% (on time / expected)", timeliness);
        sgrs[n++] = NULL;
    }
    for (size_t i = 0; i < n; i++)
        items[i] = text[i];
    /* The deadline date is peer text: s_print_styled writes it through render_cell. */
    s_print_items(out, style, items, sgrs, n, line_width);
}

/* A bound as people write it: 45, 1.5, 1000. */
static char *s_number(double v, char *buf, size_t len)
{
    snprintf(buf, len, "%.10g", v);
    return buf;
}

/* An indicator's target for a year: "≥ 45", "1.5–1.9", "≤ 10", "—" when none is set, "?"
 * when the indicator is not in the local catalogue. */
static char *s_target_text(const td_indicator *ind, int year, char *buf, size_t len)
{
    char lo_text[32], hi_text[32];
    double lo, hi;

    if (ind == NULL) {
        snprintf(buf, len, "?");
        return buf;
    }
    lo = year == 2025 ? ind->target_2025_min : ind->target_2030_min;
    hi = year == 2025 ? ind->target_2025_max : ind->target_2030_max;
    if (isfinite(lo) && isfinite(hi))
        snprintf(buf, len, "%s\xE2\x80\x93%s", s_number(lo, lo_text, sizeof lo_text),
                 s_number(hi, hi_text, sizeof hi_text));
    else if (isfinite(lo))
        snprintf(buf, len, "\xE2\x89\xA5 %s", s_number(lo, lo_text, sizeof lo_text));
    else if (isfinite(hi))
        snprintf(buf, len, "\xE2\x89\xA4 %s", s_number(hi, hi_text, sizeof hi_text));
    else
        snprintf(buf, len, "\xE2\x80\x94");
    return buf;
}

/* How a target status reads in the table: the JSON word, but "no data" and "—" for
 * no_data and no_target; "?" when the collector sent none. */
static const char *s_target_status_text(const char *status)
{
    if (status == NULL || status[0] == '\0')
        return "?";
    if (strcmp(status, "no_target") == 0)
        return "\xE2\x80\x94";
    if (strcmp(status, "no_data") == 0)
        return "no data";
    return status;
}

/* "42.7 %", "31.5 m2/person", "912" (counts carry no unit), "no data" when absent. Values
 * under 10 get two decimals so they can be read against targets like 1.5–1.9. */
static char *s_value_text(const Tiendo__IndicatorValue *iv, const char *unit, char *buf, size_t len)
{
    char number[64];
    int is_count = unit == NULL || unit[0] == '\0' || strcmp(unit, "count") == 0;

    if (!iv->has_value || !isfinite(iv->value)) {
        snprintf(buf, len, "no data");
        return buf;
    }
    if (is_count && iv->value == floor(iv->value) && fabs(iv->value) < 1e15)
        snprintf(number, sizeof number, "%.0f", iv->value);
    else if (fabs(iv->value) < 10.0)
        snprintf(number, sizeof number, "%.2f", iv->value);
    else
        snprintf(number, sizeof number, "%.1f", iv->value);
    if (is_count)
        snprintf(buf, len, "%s", number);
    else
        snprintf(buf, len, "%s %.15s", number, unit);
    return buf;
}

static const td_indicator *s_indicator(const td_registry_t *reg, const char *id)
{
    return reg != NULL && id != NULL ? td_indicator_find(reg, id) : NULL;
}

/* The indicator's unit: the collector's, else the catalogue's, else NULL. */
static const char *s_indicator_unit(const Tiendo__IndicatorValue *iv, const td_indicator *ind)
{
    if (iv->unit != NULL && iv->unit[0] != '\0')
        return iv->unit;
    return ind != NULL ? ind->unit : NULL;
}

static int s_unconfirmed(const td_indicator *ind)
{
    return ind != NULL && strcmp(ind->verified, "yes") != 0;
}

enum { IND_COLS = 7, IND_CELL = 320, LAG_COLS = 4 };

static const char *s_indicator_color(void *ctx, size_t row, size_t col)
{
    Tiendo__IndicatorValue *const *values = ctx;
    const Tiendo__IndicatorValue *iv = values[row];
    const char *status = col == 4 ? iv->target_2025 : col == 6 ? iv->target_2030 : NULL;

    if (status == NULL)
        return NULL;
    if (strcmp(status, "within") == 0)
        return "32";
    if (strcmp(status, "below") == 0 || strcmp(status, "above") == 0)
        return "33";
    return NULL;
}

/* A titled table with one row per indicator the collector computed (the nation's in
 * status, each scope's in indicators). */
static td_err s_text_indicators(FILE *out, Tiendo__IndicatorValue *const *values, size_t n,
                                const char *title, const td_registry_t *reg,
                                const render_style *style, size_t line_width)
{
    static const render_column cols[IND_COLS] = {
        {"ID", RENDER_LEFT, 0},     {"Indicator", RENDER_LEFT, 0},
        {"Value", RENDER_RIGHT, 0}, {"2025 target", RENDER_RIGHT, 0},
        {"Status", RENDER_LEFT, 0}, {"2030 target", RENDER_RIGHT, 0},
        {"Status", RENDER_LEFT, 0},
    };
    size_t other = 0, name_width;
    char(*text)[IND_CELL] = NULL;
    const char **cells = NULL;
    render_column columns[IND_COLS];
    int any_unconfirmed = 0;
    td_err rc = TD_OK;

    if (n == 0)
        return TD_OK;
    text = calloc(n * IND_COLS, sizeof *text);
    cells = calloc(n * IND_COLS, sizeof *cells);
    if (text == NULL || cells == NULL) {
        rc = TD_ERR_NOMEM;
        goto cleanup;
    }
    for (size_t r = 0; r < n; r++) {
        const Tiendo__IndicatorValue *iv = values[r];
        const td_indicator *ind = s_indicator(reg, iv->id);
        char(*row)[IND_CELL] = text + r * IND_COLS;

        snprintf(row[0], IND_CELL, "%.16s", iv->id ? iv->id : "?");
        s_value_text(iv, s_indicator_unit(iv, ind), row[2], IND_CELL);
        s_target_text(ind, 2025, row[3], IND_CELL);
        snprintf(row[4], IND_CELL, "%s", s_target_status_text(iv->target_2025));
        s_target_text(ind, 2030, row[5], IND_CELL);
        snprintf(row[6], IND_CELL, "%s", s_target_status_text(iv->target_2030));
        for (size_t k = 0; k < IND_COLS; k++)
            cells[r * IND_COLS + k] = row[k];
    }
    /* The name takes what the other columns leave of the line, 12..60 columns (12 keeps
     * the table inside 80 columns with the catalogue's widest values). */
    for (size_t c = 0; c < IND_COLS; c++) {
        size_t w = render_width(cols[c].title);
        if (c == 1)
            continue;
        for (size_t r = 0; r < n; r++)
            if (render_width(cells[r * IND_COLS + c]) > w)
                w = render_width(cells[r * IND_COLS + c]);
        other += w + 2;
    }
    name_width = line_width > other + 60 ? 60 : line_width > other + 12 ? line_width - other : 12;
    for (size_t r = 0; r < n; r++) {
        const td_indicator *ind = s_indicator(reg, values[r]->id);
        char *cell = text[r * IND_COLS + 1];
        const char *name = ind != NULL ? ind->name_en : "(not in the local catalogue)";
        if (s_unconfirmed(ind)) {
            /* The mark survives the cut: "Urban households with fibre br…*". */
            s_fit(name, name_width - 1, cell, IND_CELL - 1);
            strcat(cell, "*");
            any_unconfirmed = 1;
        } else {
            s_fit(name, name_width, cell, IND_CELL);
        }
    }
    memcpy(columns, cols, sizeof cols);
    columns[1].max_width = name_width;

    s_print_styled(out, style, "1", title);
    fputc('\n', out);
    rc = render_table(out, columns, IND_COLS, cells, n, NULL,
                      style && style->color ? s_indicator_color : NULL, (void *) values);
    if (rc != TD_OK)
        goto cleanup;
    if (any_unconfirmed)
        fprintf(out, "* target not confirmed (verified: partly/no)\n");
    fputc('\n', out);

cleanup:
    free(cells);
    free(text);
    return rc;
}

static const char *s_lagging_color(void *ctx, size_t row, size_t col)
{
    const Tiendo__StatusSummary *s = ctx;
    const char *status = s->lagging[row]->status;

    if (col != 2 || status == NULL)
        return NULL;
    if (strcmp(status, "overdue") == 0)
        return "31";
    if (strcmp(status, "late") == 0)
        return "33";
    return NULL;
}

/* "Lagging units": overdue, then late, then the lowest mean progress, as the collector
 * ordered them. */
static td_err s_text_lagging(FILE *out, const Tiendo__StatusSummary *s, const td_registry_t *reg,
                             const td_date *last_day, const render_style *style)
{
    static const render_column cols[LAG_COLS] = {
        {"Code", RENDER_LEFT, 0},
        {"Name", RENDER_LEFT, 32},
        {"Status", RENDER_LEFT, 0},
        {"Mean progress", RENDER_RIGHT, 0},
    };
    enum { CELL = 48 };
    size_t n = s->n_lagging < TD_STATUS_LAGGING_MAX ? s->n_lagging : TD_STATUS_LAGGING_MAX;
    char(*text)[CELL] = NULL;
    const char **cells = NULL;
    td_err rc = TD_OK;

    if (n == 0)
        return TD_OK;
    text = calloc(n * LAG_COLS, sizeof *text);
    cells = calloc(n * LAG_COLS, sizeof *cells);
    if (text == NULL || cells == NULL) {
        rc = TD_ERR_NOMEM;
        goto cleanup;
    }
    for (size_t r = 0; r < n; r++) {
        const Tiendo__LaggingUnit *lu = s->lagging[r];
        const char *name =
            lu->name && lu->name[0] ? lu->name : s_unit_name(reg, lu->unit, last_day);
        const char *status = lu->status && lu->status[0] ? lu->status : "?";
        char(*row)[CELL] = text + r * LAG_COLS;

        snprintf(row[0], CELL, "%.16s", lu->unit ? lu->unit : "?");
        /* "not_yet_due" reads "not yet due"; other words pass as they are. */
        snprintf(row[2], CELL, "%.40s", status);
        for (char *p = row[2]; *p; p++)
            if (*p == '_')
                *p = ' ';
        if (lu->has_mean_progress_percent && isfinite(lu->mean_progress_percent))
            snprintf(row[3], CELL, "%.1f%%", s_round1(lu->mean_progress_percent));
        else
            snprintf(row[3], CELL, "\xE2\x80\x94");
        for (size_t k = 0; k < LAG_COLS; k++)
            cells[r * LAG_COLS + k] = row[k];
        cells[r * LAG_COLS + 1] = name ? name : ""; /* names can be longer than a cell */
    }
    s_print_styled(out, style, "1", "Lagging units (overdue, late, then lowest mean progress)");
    fputc('\n', out);
    rc = render_table(out, cols, LAG_COLS, cells, n, NULL,
                      style && style->color ? s_lagging_color : NULL, (void *) s);
    if (rc == TD_OK)
        fputc('\n', out);

cleanup:
    free(cells);
    free(text);
    return rc;
}

td_err render_status_text(FILE *out, const Tiendo__StatusSummary *s, const td_registry_t *reg,
                          const render_style *style)
{
    static const render_column cols[] = {
        {"#", RENDER_RIGHT, 0},           {"Task group", RENDER_LEFT, 44},
        {"Not started", RENDER_RIGHT, 0}, {"In progress", RENDER_RIGHT, 0},
        {"Completed", RENDER_RIGHT, 0},   {"Mean progress", RENDER_RIGHT, 0},
    };
    enum { NCOLS = sizeof cols / sizeof cols[0], CELL = 48 };
    render_column columns[NCOLS];
    s_group_row *rows = NULL;
    size_t nrows = 0, line_width = style && style->line_width ? style->line_width : 80;
    char(*text)[CELL] = NULL;
    const char **cells = NULL;
    char line[256], pct[32];
    td_date last_day_buf;
    const td_date *last_day = s_period_last_day(s, &last_day_buf);
    const char *dataset = s->dataset && s->dataset[0] ? s->dataset : "?";
    const char *period = s->period && s->period[0] ? s->period : "?";
    double completeness = render_completeness_percent(s);
    td_err rc;

    memcpy(columns, cols, sizeof cols);
    if (style && style->title_width > 0) {
        columns[1].max_width = style->title_width;
    } else {
        /* Give the titles what the line leaves them, between 16 and 44 columns. The
         * "not reported" count is in the headline, so the table leaves it out. */
        size_t fixed = 0;
        for (size_t c = 0; c < NCOLS; c++)
            fixed += (c == 1 ? 0 : render_width(cols[c].title)) + (c > 0 ? 2 : 0);
        columns[1].max_width = line_width > fixed + 44   ? 44
                               : line_width > fixed + 16 ? line_width - fixed
                                                         : 16;
    }

    if (strcmp(dataset, TD_DEFAULT_DATASET) == 0)
        snprintf(line, sizeof line,
                 "National summary - Resolution 06-NQ/TW (dataset nq06), period %s", period);
    else
        snprintf(line, sizeof line, "National summary - dataset %s, period %s", dataset, period);
    s_print_styled(out, style, "1", line);
    fputc('\n', out);

    if (completeness < 0)
        snprintf(pct, sizeof pct, "-");
    else
        snprintf(pct, sizeof pct, "%.1f%%", completeness);
    fprintf(out, "Provinces reported: ");
    snprintf(line, sizeof line, "%" PRIu32 " of %" PRIu32 " (%s)", s->units_reported,
             s->units_expected, pct);
    s_print_styled(out, style,
                   s->units_expected > 0 && s->units_reported >= s->units_expected ? "32" : "33",
                   line);
    fprintf(out, "    revisions stored: %" PRIu64 "\n", s->revisions_stored);
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
        snprintf(row[2], CELL, "%" PRIu32, c.not_started);
        snprintf(row[3], CELL, "%" PRIu32, c.in_progress);
        snprintf(row[4], CELL, "%" PRIu32, c.completed);
        if (c.has_mean)
            snprintf(row[5], CELL, "%.1f%%", c.mean);
        else
            snprintf(row[5], CELL, "-");
        for (size_t k = 0; k < NCOLS; k++)
            cells[r * NCOLS + k] = row[k];
        /* Titles can be longer than a cell buffer: point at the registry's text. */
        cells[r * NCOLS + 1] = rows[r].info ? rows[r].info->title_en : "(unknown task group)";
    }
    rc = render_table(out, columns, NCOLS, cells, nrows, NULL, NULL, NULL);
    if (rc != TD_OK)
        goto cleanup;
    fputc('\n', out);
    rc = s_text_indicators(out, s->indicators, s->n_indicators, "Indicators (nation)", reg, style,
                           line_width);
    if (rc != TD_OK)
        goto cleanup;
    rc = s_text_lagging(out, s, reg, last_day, style);
    if (rc != TD_OK)
        goto cleanup;

    if (s->n_missing == 0 && s->units_expected == 0) {
        fprintf(out, "No province is expected to report for this period.\n");
    } else if (s->n_missing == 0) {
        s_print_styled(out, style, "32", "All expected provinces have reported.");
        fputc('\n', out);
    } else {
        size_t col;
        snprintf(line, sizeof line, "Not reported yet (%zu):", s->n_missing);
        s_print_styled(out, style, "33", line);
        col = render_width(line);
        for (size_t i = 0; i < s->n_missing; i++) {
            const char *code = s->missing[i] ? s->missing[i] : "";
            const char *name = s_unit_name(reg, code, last_day);
            char item[TD_CODE_MAX + TD_NAME_MAX + 8];
            size_t w;
            if (name)
                snprintf(item, sizeof item, "%.*s %s", TD_CODE_MAX, code, name);
            else
                snprintf(item, sizeof item, "%.*s", TD_CODE_MAX, code);
            w = render_width(item) + (i + 1 < s->n_missing ? 1 : 0);
            if (col + 1 + w > line_width && col > 2) {
                fputs("\n  ", out);
                col = 2;
            } else {
                fputc(' ', out);
                col += 1;
            }
            render_cell(out, item, render_width(item), RENDER_LEFT);
            if (i + 1 < s->n_missing)
                fputc(',', out);
            col += w;
        }
        fputc('\n', out);
    }

cleanup:
    free(cells);
    free(text);
    free(rows);
    return rc;
}

/* ---- JSON ---- */

static json_t *s_json_string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* json_string refuses invalid UTF-8 (returns NULL); peer text is shown with U+FFFD instead. */
static json_t *s_json_text(const char *s)
{
    json_t *v;
    char *buf;
    size_t len, cap;
    FILE *mem;

    if (s == NULL)
        return json_null();
    v = json_string(s);
    if (v != NULL)
        return v;
    buf = NULL;
    cap = 0;
    mem = open_memstream(&buf, &cap);
    if (mem == NULL)
        return NULL;
    len = strlen(s);
    /* Invalid bytes become U+FFFD; control characters are valid JSON (escaped). */
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = td_utf8_decode(s + i, len - i, &cp);
        if (cp == TD_UTF8_INVALID)
            fputs(s_replacement, mem);
        else
            fwrite(s + i, 1, n, mem);
        i += n;
    }
    fclose(mem);
    v = json_string(buf);
    free(buf);
    return v;
}

static json_t *s_json_u64(uint64_t v)
{
    return json_integer(v > (uint64_t) INT64_MAX ? INT64_MAX : (json_int_t) v);
}

/* Set key to value, taking ownership; records a failure if value is NULL. */
static void s_set(json_t *obj, const char *key, json_t *value, int *failed)
{
    if (value == NULL || json_object_set_new(obj, key, value) != 0)
        *failed = 1;
}

static td_err s_dump(FILE *out, json_t *root)
{
    /* One string, one write: json_dumpf makes an fwrite call per token, which costs
     * more than building the document for thousands of units. */
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    if (text == NULL)
        return TD_ERR_NOMEM;
    size_t len = strlen(text);
    int ok = fwrite(text, 1, len, out) == len && fputc('\n', out) != EOF;
    free(text);
    return ok ? TD_OK : TD_ERR_IO;
}

/* A number the collector may leave out: null when absent or not finite. */
static json_t *s_json_real_or_null(int has, double v)
{
    return has && isfinite(v) ? json_real(v) : json_null();
}

static json_t *s_json_count_or_null(int has, uint32_t v)
{
    return has ? json_integer(v) : json_null();
}

/* Peer text, with "" (left out) as null. */
static json_t *s_json_text_nonempty(const char *s)
{
    return s != NULL && s[0] != '\0' ? s_json_text(s) : json_null();
}

/* {"min", "max", "status"}: bounds from the local catalogue, status from the collector. */
static json_t *s_json_target(const td_indicator *ind, int year, const char *status)
{
    json_t *t = json_object();
    double lo = NAN, hi = NAN;
    int failed = 0;

    if (t == NULL)
        return NULL;
    if (ind != NULL) {
        lo = year == 2025 ? ind->target_2025_min : ind->target_2030_min;
        hi = year == 2025 ? ind->target_2025_max : ind->target_2030_max;
    }
    s_set(t, "min", s_json_real_or_null(1, lo), &failed);
    s_set(t, "max", s_json_real_or_null(1, hi), &failed);
    s_set(t, "status", s_json_text_nonempty(status), &failed);
    if (failed) {
        json_decref(t);
        return NULL;
    }
    return t;
}

static void s_json_indicators(json_t *array, Tiendo__IndicatorValue *const *values, size_t n,
                              const td_registry_t *reg, int *failed)
{
    for (size_t i = 0; i < n && !*failed; i++) {
        const Tiendo__IndicatorValue *iv = values[i];
        const td_indicator *ind = s_indicator(reg, iv->id);
        const char *unit = s_indicator_unit(iv, ind);
        json_t *o = json_object();
        if (o == NULL || json_array_append_new(array, o) != 0) {
            *failed = 1;
            break;
        }
        s_set(o, "id", s_json_text(iv->id), failed);
        s_set(o, "name_en", s_json_string_or_null(ind ? ind->name_en : NULL), failed);
        s_set(o, "name_vi", s_json_string_or_null(ind ? ind->name_vi : NULL), failed);
        s_set(o, "unit", s_json_text_nonempty(unit), failed);
        s_set(o, "value", s_json_real_or_null(iv->has_value, iv->value), failed);
        s_set(o, "target_2025", s_json_target(ind, 2025, iv->target_2025), failed);
        s_set(o, "target_2030", s_json_target(ind, 2030, iv->target_2030), failed);
        s_set(o, "verified", s_json_string_or_null(ind ? ind->verified : NULL), failed);
        s_set(o, "units_counted", s_json_count_or_null(iv->has_units_counted, iv->units_counted),
              failed);
        s_set(o, "numerator", s_json_real_or_null(iv->has_numerator, iv->numerator), failed);
        s_set(o, "denominator", s_json_real_or_null(iv->has_denominator, iv->denominator), failed);
    }
}

static void s_json_lagging(json_t *array, const Tiendo__StatusSummary *s, const td_registry_t *reg,
                           const td_date *last_day, int *failed)
{
    for (size_t i = 0; i < s->n_lagging && !*failed; i++) {
        const Tiendo__LaggingUnit *lu = s->lagging[i];
        const char *name =
            lu->name && lu->name[0] ? lu->name : s_unit_name(reg, lu->unit, last_day);
        json_t *o = json_object();
        if (o == NULL || json_array_append_new(array, o) != 0) {
            *failed = 1;
            break;
        }
        s_set(o, "unit", s_json_text(lu->unit), failed);
        s_set(o, "name", s_json_text(name), failed);
        s_set(o, "status", s_json_text_nonempty(lu->status), failed);
        s_set(o, "mean_progress_percent",
              lu->has_mean_progress_percent && isfinite(lu->mean_progress_percent)
                  ? json_real(s_round1(lu->mean_progress_percent))
                  : json_null(),
              failed);
    }
}

td_err render_status_json(FILE *out, const Tiendo__StatusSummary *s, const td_registry_t *reg)
{
    json_t *root = json_object(), *groups = json_array(), *reported = json_array(),
           *missing = json_array(), *indicators = json_array(), *lagging = json_array();
    s_group_row *rows = NULL;
    size_t nrows = 0;
    int failed = 0;
    double completeness = render_completeness_percent(s);
    double timeliness = render_timeliness_percent(s);
    td_date last_day_buf;
    const td_date *last_day = s_period_last_day(s, &last_day_buf);
    td_err rc;

    if (root == NULL || groups == NULL || reported == NULL || missing == NULL ||
        indicators == NULL || lagging == NULL) {
        json_decref(groups);
        json_decref(reported);
        json_decref(missing);
        json_decref(indicators);
        json_decref(lagging);
        rc = TD_ERR_NOMEM;
        goto cleanup;
    }
    s_set(root, "dataset", s_json_text(s->dataset), &failed);
    s_set(root, "period", s_json_text(s->period), &failed);
    s_set(root, "deadline", s_json_text_nonempty(s->deadline), &failed);
    s_set(root, "units_expected", json_integer(s->units_expected), &failed);
    s_set(root, "units_reported", json_integer(s->units_reported), &failed);
    s_set(root, "completeness_percent", completeness < 0 ? json_null() : json_real(completeness),
          &failed);
    s_set(root, "units_on_time", s_json_count_or_null(s->has_units_on_time, s->units_on_time),
          &failed);
    s_set(root, "units_late", s_json_count_or_null(s->has_units_late, s->units_late), &failed);
    s_set(root, "units_not_yet_due",
          s_json_count_or_null(s->has_units_not_yet_due, s->units_not_yet_due), &failed);
    s_set(root, "units_overdue", s_json_count_or_null(s->has_units_overdue, s->units_overdue),
          &failed);
    s_set(root, "timeliness_percent", timeliness < 0 ? json_null() : json_real(timeliness),
          &failed);
    s_set(root, "revisions_stored", s_json_u64(s->revisions_stored), &failed);
    s_set(root, "task_groups", groups, &failed);
    s_set(root, "indicators", indicators, &failed);
    s_set(root, "lagging", lagging, &failed);
    s_set(root, "reported", reported, &failed);
    s_set(root, "missing", missing, &failed);
    if (failed) { /* the arrays may be gone: do not fill them */
        rc = TD_ERR_NOMEM;
        goto cleanup;
    }

    rc = s_group_rows(s, reg, &rows, &nrows);
    if (rc != TD_OK)
        goto cleanup;
    for (size_t r = 0; r < nrows; r++) {
        s_group_counts c = s_counts(s, &rows[r]);
        json_t *g = json_object();
        if (g == NULL || json_array_append_new(groups, g) != 0) {
            failed = 1;
            break;
        }
        s_set(g, "group", json_integer(rows[r].group), &failed);
        s_set(g, "title_en", s_json_string_or_null(rows[r].info ? rows[r].info->title_en : NULL),
              &failed);
        s_set(g, "title_vi", s_json_string_or_null(rows[r].info ? rows[r].info->title_vi : NULL),
              &failed);
        s_set(g, "not_started", json_integer(c.not_started), &failed);
        s_set(g, "in_progress", json_integer(c.in_progress), &failed);
        s_set(g, "completed", json_integer(c.completed), &failed);
        s_set(g, "not_reported", json_integer(c.not_reported), &failed);
        s_set(g, "mean_progress_percent", c.has_mean ? json_real(c.mean) : json_null(), &failed);
    }
    for (size_t i = 0; i < s->n_reported; i++) {
        const Tiendo__UnitReport *u = s->reported[i];
        const char *name = u->name && u->name[0] ? u->name : s_unit_name(reg, u->unit, last_day);
        char when[32];
        json_t *o = json_object();
        if (o == NULL || json_array_append_new(reported, o) != 0) {
            failed = 1;
            break;
        }
        s_set(o, "unit", s_json_text(u->unit), &failed);
        s_set(o, "name", s_json_text(name), &failed);
        s_set(o, "revision", json_integer(u->revision), &failed);
        s_set(o, "received_at",
              u->has_received_at_ms && u->received_at_ms > 0
                  ? json_string(render_rfc3339(u->received_at_ms, when, sizeof when))
                  : json_null(),
              &failed);
        s_set(o, "first_received_at",
              u->has_first_received_at_ms && u->first_received_at_ms > 0
                  ? json_string(render_rfc3339(u->first_received_at_ms, when, sizeof when))
                  : json_null(),
              &failed);
        s_set(o, "status", s_json_text_nonempty(u->status), &failed);
    }
    s_json_indicators(indicators, s->indicators, s->n_indicators, reg, &failed);
    s_json_lagging(lagging, s, reg, last_day, &failed);
    for (size_t i = 0; i < s->n_missing; i++) {
        json_t *o = json_object();
        if (o == NULL || json_array_append_new(missing, o) != 0) {
            failed = 1;
            break;
        }
        s_set(o, "unit", s_json_text(s->missing[i]), &failed);
        s_set(o, "name", s_json_string_or_null(s_unit_name(reg, s->missing[i], last_day)), &failed);
    }
    if (failed) {
        rc = TD_ERR_NOMEM;
        goto cleanup;
    }
    rc = s_dump(out, root);

cleanup:
    free(rows);
    json_decref(root);
    return rc;
}

/* ---- Agents ---- */

enum { AGENT_COLS = 9, AGENT_CELL = 48 };

typedef struct {
    const Tiendo__AgentList *list;
    int64_t now_ms;
} s_agent_ctx;

static int s_has_skew(const Tiendo__AgentInfo *a)
{
    const Tiendo__Heartbeat *hb = a->last_heartbeat;
    return hb != NULL && hb->has_clock_ms && a->has_last_heartbeat_ms && a->last_heartbeat_ms > 0;
}

static int64_t s_skew_ms(const Tiendo__AgentInfo *a)
{
    /* Positive: the agent's clock is ahead of the collector's. The heartbeat's own clock is
     * compared with when the collector stored it, so network delay adds a little. */
    return a->last_heartbeat->clock_ms - a->last_heartbeat_ms;
}

static const char *s_agent_color(void *ctx, size_t row, size_t col)
{
    const s_agent_ctx *c = ctx;
    const Tiendo__AgentInfo *a = c->list->agents[row];
    const Tiendo__Heartbeat *hb = a->last_heartbeat;

    if (col == 1 && (a->last_seen_ms <= 0 || c->now_ms - a->last_seen_ms > 10 * 60 * 1000))
        return "33"; /* silent for more than ten minutes */
    if (col == 5 && hb != NULL && hb->outbox_depth > 0)
        return "33";
    if (col == 7 && hb != NULL && hb->dead_letters > 0)
        return "31";
    if (col == 8 && s_has_skew(a) && llabs(s_skew_ms(a)) >= 60 * 1000)
        return "33";
    return NULL;
}

td_err render_agents_text(FILE *out, const Tiendo__AgentList *list, int64_t now_ms,
                          const render_style *style)
{
    static const render_column cols[AGENT_COLS] = {
        {"Agent", RENDER_LEFT, 0},          {"Last seen", RENDER_RIGHT, 0},
        {"Epoch", RENDER_LEFT, 0},          {"High water", RENDER_RIGHT, 0},
        {"Version", RENDER_LEFT, 16},       {"Outbox", RENDER_RIGHT, 0},
        {"Oldest unsent", RENDER_RIGHT, 0}, {"Dead letters", RENDER_RIGHT, 0},
        {"Clock skew", RENDER_RIGHT, 0},
    };
    size_t n = list->n_agents;
    char(*text)[AGENT_CELL] = NULL;
    const char **cells = NULL;
    s_agent_ctx ctx = {list, now_ms};
    td_err rc = TD_OK;

    if (n == 0) {
        fprintf(out, "No agent has connected to the collector yet.\n");
        return TD_OK;
    }
    text = calloc(n * AGENT_COLS, sizeof *text);
    cells = calloc(n * AGENT_COLS, sizeof *cells);
    if (text == NULL || cells == NULL) {
        rc = TD_ERR_NOMEM;
        goto cleanup;
    }
    for (size_t r = 0; r < n; r++) {
        const Tiendo__AgentInfo *a = list->agents[r];
        const Tiendo__Heartbeat *hb = a->last_heartbeat;
        char(*row)[AGENT_CELL] = text + r * AGENT_COLS;
        const char *key = a->public_key ? a->public_key : "";

        if (strlen(key) > 12)
            snprintf(row[0], AGENT_CELL, "%.12s...", key);
        else
            snprintf(row[0], AGENT_CELL, "%s", key);
        render_age_ago(now_ms, a->last_seen_ms, row[1], AGENT_CELL);
        snprintf(row[2], AGENT_CELL, "%016" PRIx64, a->epoch);
        snprintf(row[3], AGENT_CELL, "%" PRIu64, a->high_water);
        if (hb == NULL) {
            for (size_t k = 4; k < AGENT_COLS; k++)
                snprintf(row[k], AGENT_CELL, "-");
        } else {
            snprintf(row[4], AGENT_CELL, "%s",
                     hb->agent_version && hb->agent_version[0] ? hb->agent_version : "-");
            snprintf(row[5], AGENT_CELL, "%" PRIu64, hb->outbox_depth);
            if (hb->outbox_depth > 0 && hb->has_oldest_unsent_age_ms)
                render_duration(hb->oldest_unsent_age_ms, row[6], AGENT_CELL);
            else
                snprintf(row[6], AGENT_CELL, "-");
            snprintf(row[7], AGENT_CELL, "%" PRIu64, hb->dead_letters);
            if (s_has_skew(a))
                render_offset(s_skew_ms(a), row[8], AGENT_CELL);
            else
                snprintf(row[8], AGENT_CELL, "-");
        }
        for (size_t k = 0; k < AGENT_COLS; k++)
            cells[r * AGENT_COLS + k] = row[k];
    }
    fprintf(out, "Agents known to the collector: %zu\n\n", n);
    rc = render_table(out, cols, AGENT_COLS, cells, n, NULL,
                      style && style->color ? s_agent_color : NULL, &ctx);

cleanup:
    free(cells);
    free(text);
    return rc;
}

td_err render_agents_json(FILE *out, const Tiendo__AgentList *list)
{
    json_t *root = json_object(), *agents = json_array();
    int failed = 0;
    td_err rc;

    if (root == NULL || agents == NULL) {
        json_decref(agents);
        rc = TD_ERR_NOMEM;
        goto cleanup;
    }
    s_set(root, "agents", agents, &failed);
    if (failed) {
        rc = TD_ERR_NOMEM;
        goto cleanup;
    }
    for (size_t i = 0; i < list->n_agents && !failed; i++) {
        const Tiendo__AgentInfo *a = list->agents[i];
        const Tiendo__Heartbeat *hb = a->last_heartbeat;
        char epoch[17], when[32];
        json_t *o = json_object();

        if (o == NULL || json_array_append_new(agents, o) != 0) {
            failed = 1;
            break;
        }
        snprintf(epoch, sizeof epoch, "%016" PRIx64, a->epoch);
        s_set(o, "public_key", s_json_text(a->public_key), &failed);
        s_set(o, "last_seen",
              a->last_seen_ms > 0 ? json_string(render_rfc3339(a->last_seen_ms, when, sizeof when))
                                  : json_null(),
              &failed);
        s_set(o, "epoch", json_string(epoch), &failed);
        s_set(o, "high_water", s_json_u64(a->high_water), &failed);
        s_set(o, "agent_version", hb ? s_json_text(hb->agent_version) : json_null(), &failed);
        s_set(o, "outbox_depth", hb ? s_json_u64(hb->outbox_depth) : json_null(), &failed);
        s_set(o, "oldest_unsent_age_ms",
              hb && hb->has_oldest_unsent_age_ms ? json_integer(hb->oldest_unsent_age_ms)
                                                 : json_null(),
              &failed);
        s_set(o, "dead_letters", hb ? s_json_u64(hb->dead_letters) : json_null(), &failed);
        s_set(o, "clock_skew_ms", s_has_skew(a) ? json_integer(s_skew_ms(a)) : json_null(),
              &failed);
        s_set(o, "last_heartbeat",
              hb && a->last_heartbeat_ms > 0
                  ? json_string(render_rfc3339(a->last_heartbeat_ms, when, sizeof when))
                  : json_null(),
              &failed);
    }
    if (failed) {
        rc = TD_ERR_NOMEM;
        goto cleanup;
    }
    rc = s_dump(out, root);

cleanup:
    json_decref(root);
    return rc;
}

/* ---- Indicators by scope ---- */

/* A compact matrix cell: the value to one decimal ("—" for no data), whole numbers from
 * 10 000 up so large counts stay narrow. */
static char *s_matrix_value(const Tiendo__IndicatorValue *iv, char *buf, size_t len)
{
    if (iv == NULL || !iv->has_value || !isfinite(iv->value))
        snprintf(buf, len, "\xE2\x80\x94");
    else if (fabs(iv->value) >= 10000.0)
        snprintf(buf, len, "%.0f", iv->value);
    else
        snprintf(buf, len, "%.1f", iv->value);
    return buf;
}

enum { MATRIX_CELL = 64, MATRIX_FIXED = 3, MATRIX_MAX_IDS = 64 };

/* Province level: one row per scope, one column per indicator ID (in the order first seen). */
static td_err s_text_indicator_matrix(FILE *out, const Tiendo__IndicatorTable *t,
                                      const render_style *style, size_t line_width)
{
    const char *ids[MATRIX_MAX_IDS];
    size_t nids = 0, ncols, n = t->n_scopes, other = 0, name_width;
    char(*text)[MATRIX_CELL] = NULL;
    const char **cells = NULL;
    render_column *cols = NULL;
    td_err rc = TD_OK;

    for (size_t s = 0; s < n; s++)
        for (size_t v = 0; v < t->scopes[s]->n_values; v++) {
            const char *id = t->scopes[s]->values[v]->id;
            size_t k;
            if (id == NULL)
                continue;
            for (k = 0; k < nids; k++)
                if (strcmp(ids[k], id) == 0)
                    break;
            if (k == nids && nids < MATRIX_MAX_IDS)
                ids[nids++] = id;
        }
    ncols = MATRIX_FIXED + nids;
    text = calloc((n ? n : 1) * ncols, sizeof *text);
    cells = calloc((n ? n : 1) * ncols, sizeof *cells);
    cols = calloc(ncols, sizeof *cols);
    if (text == NULL || cells == NULL || cols == NULL) {
        rc = TD_ERR_NOMEM;
        goto cleanup;
    }
    cols[0] = (render_column){"Code", RENDER_LEFT, 0};
    cols[1] = (render_column){"Name", RENDER_LEFT, 0};
    cols[2] = (render_column){"Reports", RENDER_RIGHT, 0};
    for (size_t k = 0; k < nids; k++)
        cols[MATRIX_FIXED + k] = (render_column){ids[k], RENDER_RIGHT, 0};
    for (size_t r = 0; r < n; r++) {
        const Tiendo__IndicatorScope *sc = t->scopes[r];
        char(*row)[MATRIX_CELL] = text + r * ncols;

        snprintf(row[0], MATRIX_CELL, "%.16s", sc->scope ? sc->scope : "?");
        snprintf(row[2], MATRIX_CELL, "%" PRIu32, sc->reports);
        for (size_t k = 0; k < nids; k++) {
            const Tiendo__IndicatorValue *iv = NULL;
            for (size_t v = 0; v < sc->n_values; v++)
                if (sc->values[v]->id != NULL && strcmp(sc->values[v]->id, ids[k]) == 0)
                    iv = sc->values[v];
            s_matrix_value(iv, row[MATRIX_FIXED + k], MATRIX_CELL);
        }
        for (size_t k = 0; k < ncols; k++)
            cells[r * ncols + k] = row[k];
    }
    /* The name takes what the numbers leave, 8..30 columns. */
    for (size_t c = 0; c < ncols; c++) {
        size_t w = render_width(cols[c].title);
        if (c == 1)
            continue;
        for (size_t r = 0; r < n; r++)
            if (render_width(cells[r * ncols + c]) > w)
                w = render_width(cells[r * ncols + c]);
        other += w + 2;
    }
    name_width = line_width > other + 30 ? 30 : line_width > other + 8 ? line_width - other : 8;
    for (size_t r = 0; r < n; r++) {
        const char *name = t->scopes[r]->name;
        s_fit(name && name[0] ? name : "", name_width, text[r * ncols + 1], MATRIX_CELL);
    }
    cols[1].max_width = name_width;
    s_print_styled(out, style, "1", "Indicators by province");
    fputc('\n', out);
    rc = render_table(out, cols, ncols, cells, n, NULL, NULL, NULL);
    if (rc == TD_OK)
        fprintf(out, "Values to one decimal in each indicator's unit; \xE2\x80\x94 no data. "
                     "Names and targets: tiendo indicators.\n");

cleanup:
    free(cols);
    free(cells);
    free(text);
    return rc;
}

static const char *s_level(const Tiendo__IndicatorTable *t)
{
    return t->level != NULL && t->level[0] != '\0' ? t->level : "nation";
}

td_err render_indicators_text(FILE *out, const Tiendo__IndicatorTable *t, const td_registry_t *reg,
                              const render_style *style)
{
    size_t line_width = style && style->line_width ? style->line_width : 80;
    td_err rc = TD_OK;

    fprintf(out, "Indicators, %s %s\n\n", t->dataset ? t->dataset : "?",
            t->period ? t->period : "?");
    if (t->n_scopes == 0) {
        fprintf(out, "No indicators for this period.\n");
        return TD_OK;
    }
    if (strcmp(s_level(t), "province") == 0)
        return s_text_indicator_matrix(out, t, style, line_width);
    for (size_t i = 0; i < t->n_scopes && rc == TD_OK; i++) {
        const Tiendo__IndicatorScope *sc = t->scopes[i];
        char title[320];
        snprintf(title, sizeof title, "Indicators (%.16s %.200s, %" PRIu32 " reports)",
                 sc->scope ? sc->scope : "?", sc->name ? sc->name : "", sc->reports);
        rc = s_text_indicators(out, sc->values, sc->n_values, title, reg, style, line_width);
    }
    return rc;
}

td_err render_indicators_json(FILE *out, const Tiendo__IndicatorTable *t, const td_registry_t *reg)
{
    json_t *root = json_object(), *scopes = json_array();
    int failed = 0;
    td_err rc;

    if (root == NULL || scopes == NULL) {
        json_decref(scopes);
        rc = TD_ERR_NOMEM;
        goto cleanup;
    }
    s_set(root, "dataset", s_json_text(t->dataset), &failed);
    s_set(root, "period", s_json_text(t->period), &failed);
    s_set(root, "level", json_string(s_level(t)), &failed);
    s_set(root, "scopes", scopes, &failed);
    for (size_t i = 0; i < t->n_scopes && !failed; i++) {
        const Tiendo__IndicatorScope *sc = t->scopes[i];
        json_t *o = json_object(), *ind = json_array();
        if (o == NULL || ind == NULL || json_array_append_new(scopes, o) != 0) {
            json_decref(ind);
            failed = 1;
            break;
        }
        s_set(o, "scope", s_json_text(sc->scope), &failed);
        s_set(o, "name", s_json_text_nonempty(sc->name), &failed);
        s_set(o, "reports", json_integer(sc->reports), &failed);
        s_set(o, "indicators", ind, &failed);
        if (!failed)
            s_json_indicators(ind, sc->values, sc->n_values, reg, &failed);
    }
    rc = failed ? TD_ERR_NOMEM : s_dump(out, root);

cleanup:
    json_decref(root);
    return rc;
}

/* ---- Units ---- */

int render_sort_parse(const char *word, render_sort *out)
{
    static const char *const names[] = {"code", "name", "progress", "status"};
    for (size_t i = 0; word != NULL && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(word, names[i]) == 0) {
            *out = (render_sort) i;
            return 0;
        }
    return -1;
}

/* overdue 0, late 1, not_yet_due 2, on_time 3, anything else 4. */
int render_status_rank(const char *status)
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
    int rx = render_status_rank(x->status), ry = render_status_rank(y->status);
    return rx != ry ? rx - ry : s_row_code_cmp(a, b);
}

void render_units_sort(Tiendo__UnitList *list, render_sort by)
{
    int (*cmp)(const void *, const void *) = s_row_code_cmp;

    if (list->n_units < 2)
        return;
    if (by == RENDER_SORT_NAME)
        cmp = s_row_name_cmp;
    else if (by == RENDER_SORT_PROGRESS)
        cmp = s_row_progress_cmp;
    else if (by == RENDER_SORT_STATUS)
        cmp = s_row_status_cmp;
    qsort(list->units, list->n_units, sizeof *list->units, cmp);
}

/* "2026-10-03" (UTC) or "—" when never. */
static char *s_date_text(int has, int64_t ms, char *buf, size_t len)
{
    char full[32];
    if (!has || ms <= 0)
        snprintf(buf, len, "\xE2\x80\x94");
    else
        snprintf(buf, len, "%.10s", render_rfc3339(ms, full, sizeof full));
    return buf;
}

enum { UNIT_COLS = 6, UNIT_CELL = 320 };

static const char *s_unit_status_color(void *ctx, size_t row, size_t col)
{
    const Tiendo__UnitList *list = ctx;
    const char *status = list->units[row]->status;

    if (col != 2 || status == NULL)
        return NULL;
    if (strcmp(status, "overdue") == 0)
        return "31";
    if (strcmp(status, "late") == 0)
        return "33";
    return NULL;
}

td_err render_units_text(FILE *out, const Tiendo__UnitList *list, const char *title,
                         const render_style *style)
{
    static const render_column cols[UNIT_COLS] = {
        {"Code", RENDER_LEFT, 0},           {"Name", RENDER_LEFT, 0},
        {"Status", RENDER_LEFT, 0},         {"Revision", RENDER_RIGHT, 0},
        {"First received", RENDER_LEFT, 0}, {"Progress", RENDER_RIGHT, 0},
    };
    size_t n = list->n_units, line_width = style && style->line_width ? style->line_width : 80;
    size_t other = 0, name_width;
    char(*text)[UNIT_CELL] = NULL;
    const char **cells = NULL;
    render_column columns[UNIT_COLS];
    td_err rc = TD_OK;

    s_print_styled(out, style, "1", title ? title : "Units");
    fprintf(out, ", %s %s", list->dataset ? list->dataset : "?", list->period ? list->period : "?");
    if (list->deadline != NULL && list->deadline[0] != '\0')
        fprintf(out, " (deadline %.16s)", list->deadline);
    fputs("\n\n", out);
    if (n == 0) {
        fprintf(out, "No units.\n");
        return TD_OK;
    }
    text = calloc(n * UNIT_COLS, sizeof *text);
    cells = calloc(n * UNIT_COLS, sizeof *cells);
    if (text == NULL || cells == NULL) {
        rc = TD_ERR_NOMEM;
        goto cleanup;
    }
    for (size_t r = 0; r < n; r++) {
        const Tiendo__UnitRow *u = list->units[r];
        char(*row)[UNIT_CELL] = text + r * UNIT_COLS;

        snprintf(row[0], UNIT_CELL, "%.16s", u->unit ? u->unit : "?");
        snprintf(row[2], UNIT_CELL, "%.16s", u->status && u->status[0] ? u->status : "?");
        if (u->has_revision)
            snprintf(row[3], UNIT_CELL, "%" PRIu32, u->revision);
        else
            snprintf(row[3], UNIT_CELL, "\xE2\x80\x94");
        s_date_text(u->has_first_received_at_ms, u->first_received_at_ms, row[4], UNIT_CELL);
        if (s_has_progress(u))
            snprintf(row[5], UNIT_CELL, "%.1f %%", s_round1(u->mean_progress_percent));
        else
            snprintf(row[5], UNIT_CELL, "\xE2\x80\x94");
        for (size_t k = 0; k < UNIT_COLS; k++)
            cells[r * UNIT_COLS + k] = row[k];
    }
    for (size_t c = 0; c < UNIT_COLS; c++) {
        size_t w = render_width(cols[c].title);
        if (c == 1)
            continue;
        for (size_t r = 0; r < n; r++)
            if (render_width(cells[r * UNIT_COLS + c]) > w)
                w = render_width(cells[r * UNIT_COLS + c]);
        other += w + 2;
    }
    name_width = line_width > other + 40 ? 40 : line_width > other + 10 ? line_width - other : 10;
    for (size_t r = 0; r < n; r++) {
        const char *name = list->units[r]->name;
        s_fit(name ? name : "", name_width, text[r * UNIT_COLS + 1], UNIT_CELL);
    }
    memcpy(columns, cols, sizeof cols);
    columns[1].max_width = name_width;
    rc = render_table(out, columns, UNIT_COLS, cells, n, NULL,
                      style && style->color ? s_unit_status_color : NULL, (void *) list);
    if (rc == TD_OK)
        fprintf(out, "%zu unit%s\n", n, n == 1 ? "" : "s");

cleanup:
    free(cells);
    free(text);
    return rc;
}

/* Unix seconds as ms; 0 (shown as never) when out of range. */
static int64_t s_secs_to_ms(int64_t secs)
{
    return secs > 0 && secs < INT64_MAX / 1000 ? secs * 1000 : 0;
}

static json_t *s_json_time_or_null(int has, int64_t ms)
{
    char when[32];
    return has && ms > 0 ? json_string(render_rfc3339(ms, when, sizeof when)) : json_null();
}

/* One unit row's JSON object (fields in docs/cli-json.md order). */
static json_t *s_json_unit_row(const Tiendo__UnitRow *u, int *failed)
{
    json_t *o = json_object();
    if (o == NULL) {
        *failed = 1;
        return NULL;
    }
    s_set(o, "unit", s_json_text(u->unit), failed);
    s_set(o, "name", s_json_text_nonempty(u->name), failed);
    s_set(o, "level", s_json_text_nonempty(u->level), failed);
    s_set(o, "parent", s_json_text_nonempty(u->parent), failed);
    s_set(o, "status", s_json_text_nonempty(u->status), failed);
    s_set(o, "revision", s_json_count_or_null(u->has_revision, u->revision), failed);
    s_set(o, "first_received_at",
          s_json_time_or_null(u->has_first_received_at_ms, u->first_received_at_ms), failed);
    s_set(o, "received_at", s_json_time_or_null(u->has_received_at_ms, u->received_at_ms), failed);
    s_set(o, "mean_progress_percent",
          s_has_progress(u) ? json_real(s_round1(u->mean_progress_percent)) : json_null(), failed);
    return o;
}

td_err render_units_json(FILE *out, const Tiendo__UnitList *list)
{
    json_t *root = json_object(), *units = json_array();
    int failed = 0;
    td_err rc;

    if (root == NULL || units == NULL) {
        json_decref(units);
        rc = TD_ERR_NOMEM;
        goto cleanup;
    }
    s_set(root, "dataset", s_json_text(list->dataset), &failed);
    s_set(root, "period", s_json_text(list->period), &failed);
    s_set(root, "deadline", s_json_text_nonempty(list->deadline), &failed);
    s_set(root, "units", units, &failed);
    for (size_t i = 0; i < list->n_units && !failed; i++) {
        json_t *o = s_json_unit_row(list->units[i], &failed);
        if (o == NULL || json_array_append_new(units, o) != 0)
            failed = 1;
    }
    rc = failed ? TD_ERR_NOMEM : s_dump(out, root);

cleanup:
    json_decref(root);
    return rc;
}

/* One RFC 4180 field: quoted (quotes doubled) when it holds a comma, quote, CR or LF.
 * Invalid UTF-8 becomes U+FFFD so the file stays UTF-8. */
void render_csv_field(FILE *out, const char *s)
{
    size_t len = s ? strlen(s) : 0;
    int quote = s != NULL && strpbrk(s, ",\"\r\n") != NULL;

    if (quote)
        fputc('"', out);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = td_utf8_decode(s + i, len - i, &cp);
        if (cp == TD_UTF8_INVALID)
            fputs(s_replacement, out);
        else if (n == 1 && s[i] == '"')
            fputs("\"\"", out);
        else
            fwrite(s + i, 1, n, out);
        i += n;
    }
    if (quote)
        fputc('"', out);
}

td_err render_units_csv(FILE *out, const Tiendo__UnitList *list)
{
    fputs("unit,name,level,parent,status,revision,first_received_at,received_at,"
          "mean_progress_percent\r\n",
          out);
    for (size_t i = 0; i < list->n_units; i++) {
        const Tiendo__UnitRow *u = list->units[i];
        char buf[64];
        render_csv_field(out, u->unit);
        fputc(',', out);
        render_csv_field(out, u->name);
        fputc(',', out);
        render_csv_field(out, u->level);
        fputc(',', out);
        render_csv_field(out, u->parent);
        fputc(',', out);
        render_csv_field(out, u->status);
        fputc(',', out);
        if (u->has_revision)
            fprintf(out, "%" PRIu32, u->revision);
        fputc(',', out);
        if (u->has_first_received_at_ms && u->first_received_at_ms > 0)
            fputs(render_rfc3339(u->first_received_at_ms, buf, sizeof buf), out);
        fputc(',', out);
        if (u->has_received_at_ms && u->received_at_ms > 0)
            fputs(render_rfc3339(u->received_at_ms, buf, sizeof buf), out);
        fputc(',', out);
        if (s_has_progress(u))
            fprintf(out, "%.1f", s_round1(u->mean_progress_percent));
        fputs("\r\n", out);
    }
    return ferror(out) ? TD_ERR_IO : TD_OK;
}

/* ---- One unit ---- */

static const char *s_task_status_word(Tiendo__TaskStatus st)
{
    switch (st) {
    case TIENDO__TASK_STATUS__TASK_NOT_STARTED:
        return "not_started";
    case TIENDO__TASK_STATUS__TASK_IN_PROGRESS:
        return "in_progress";
    case TIENDO__TASK_STATUS__TASK_COMPLETED:
        return "completed";
    default:
        return "\xE2\x80\x94";
    }
}

static const char *s_dash(const char *s)
{
    return s != NULL && s[0] != '\0' ? s : "\xE2\x80\x94";
}

/* Print a table of nrows x ncols cells in text (each cell UNIT_CELL bytes), under a bold
 * heading. */
static td_err s_titled_table(FILE *out, const render_style *style, const char *title,
                             const render_column *cols, size_t ncols, char (*text)[UNIT_CELL],
                             size_t nrows)
{
    const char **cells = calloc(nrows * ncols + 1, sizeof *cells);
    td_err rc;

    if (cells == NULL)
        return TD_ERR_NOMEM;
    for (size_t i = 0; i < nrows * ncols; i++)
        cells[i] = text[i];
    s_print_styled(out, style, "1", title);
    fputc('\n', out);
    rc = render_table(out, cols, ncols, cells, nrows, NULL, NULL, NULL);
    fputc('\n', out);
    free(cells);
    return rc;
}

td_err render_unit_text(FILE *out, const Tiendo__UnitDetail *d, const td_registry_t *reg,
                        const render_style *style)
{
    static const render_column tg_cols[] = {{"Group", RENDER_RIGHT, 0},
                                            {"Title", RENDER_LEFT, 30},
                                            {"Status", RENDER_LEFT, 0},
                                            {"Progress", RENDER_RIGHT, 0},
                                            {"Note", RENDER_LEFT, 36}};
    static const render_column dv_cols[] = {
        {"Element", RENDER_LEFT, 32}, {"Value", RENDER_RIGHT, 0}, {"Comment", RENDER_LEFT, 40}};
    static const render_column ap_cols[] = {
        {"ID", RENDER_LEFT, 12},    {"Task", RENDER_LEFT, 32},    {"Group", RENDER_RIGHT, 0},
        {"Owner", RENDER_LEFT, 16}, {"Deadline", RENDER_LEFT, 0}, {"Status", RENDER_LEFT, 0}};
    static const render_column hist_cols[] = {{"Revision", RENDER_RIGHT, 0},
                                              {"Received at", RENDER_LEFT, 0},
                                              {"Prepared by", RENDER_LEFT, 28},
                                              {"Agent key", RENDER_LEFT, 0},
                                              {"Seq", RENDER_RIGHT, 0}};
    const Tiendo__UnitRow *u = d->row;
    const Tiendo__Report *rep = d->report;
    const td_task_group *groups = NULL;
    size_t ngroups = reg ? td_registry_task_groups(reg, &groups) : 0;
    char(*text)[UNIT_CELL] = NULL;
    char when[32], first[32];
    size_t rows;
    td_err rc = TD_OK;

    s_print_styled(out, style, "1", "Unit ");
    s_print_styled(out, style, "1", u && u->unit ? u->unit : "?");
    if (u && u->name && u->name[0]) {
        fputc(' ', out);
        s_print_styled(out, style, "1", u->name);
    }
    fputc('\n', out);
    if (u != NULL)
        fprintf(out, "Level: %s   Parent: %s\n", s_dash(u->level), s_dash(u->parent));
    fprintf(out, "Valid: %s to %s   Successor: %s\n", s_dash(d->valid_from), s_dash(d->valid_to),
            s_dash(d->successor));
    if (u != NULL) {
        fprintf(out, "Status: %s", s_dash(u->status));
        if (u->has_revision)
            fprintf(out, "   Revision: %" PRIu32, u->revision);
        fprintf(
            out, "   First received: %s",
            s_date_text(u->has_first_received_at_ms, u->first_received_at_ms, first, sizeof first));
        if (u->has_received_at_ms && u->received_at_ms > 0)
            fprintf(out, "   Latest: %s", render_rfc3339(u->received_at_ms, when, sizeof when));
        fputc('\n', out);
    }
    fputc('\n', out);
    if (rep == NULL) {
        fprintf(out, "No report for this period.\n");
    } else {
        if (rep->prepared_by != NULL || rep->prepared_at > 0)
            fprintf(out, "Prepared by %s at %s\n\n", s_dash(rep->prepared_by),
                    s_secs_to_ms(rep->prepared_at) > 0
                        ? render_rfc3339(s_secs_to_ms(rep->prepared_at), when, sizeof when)
                        : "\xE2\x80\x94");
        rows = rep->n_task_groups;
        if (rows > 0) {
            text = calloc(rows * 5, sizeof *text);
            if (text == NULL)
                return TD_ERR_NOMEM;
            for (size_t r = 0; r < rows; r++) {
                const Tiendo__TaskGroupProgress *g = rep->task_groups[r];
                const char *title = NULL;
                for (size_t k = 0; k < ngroups; k++)
                    if ((uint32_t) groups[k].group == g->group)
                        title = groups[k].title_en;
                snprintf(text[r * 5], UNIT_CELL, "%" PRIu32, g->group);
                snprintf(text[r * 5 + 1], UNIT_CELL, "%s", s_dash(title));
                snprintf(text[r * 5 + 2], UNIT_CELL, "%s", s_task_status_word(g->status));
                if (g->has_progress_percent && isfinite(g->progress_percent))
                    snprintf(text[r * 5 + 3], UNIT_CELL, "%.1f %%", s_round1(g->progress_percent));
                else
                    snprintf(text[r * 5 + 3], UNIT_CELL, "\xE2\x80\x94");
                snprintf(text[r * 5 + 4], UNIT_CELL, "%s", g->note ? g->note : "");
            }
            rc = s_titled_table(out, style, "Task groups", tg_cols, 5, text, rows);
            free(text);
            text = NULL;
            if (rc != TD_OK)
                return rc;
        }
        rows = rep->n_values;
        if (rows > 0) {
            text = calloc(rows * 3, sizeof *text);
            if (text == NULL)
                return TD_ERR_NOMEM;
            for (size_t r = 0; r < rows; r++) {
                const Tiendo__DataValue *v = rep->values[r];
                snprintf(text[r * 3], UNIT_CELL, "%s", v->element ? v->element : "?");
                if (v->has_value && isfinite(v->value))
                    snprintf(text[r * 3 + 1], UNIT_CELL, "%.10g", v->value);
                else
                    snprintf(text[r * 3 + 1], UNIT_CELL, "\xE2\x80\x94");
                snprintf(text[r * 3 + 2], UNIT_CELL, "%s", v->comment ? v->comment : "");
            }
            rc = s_titled_table(out, style, "Data values", dv_cols, 3, text, rows);
            free(text);
            text = NULL;
            if (rc != TD_OK)
                return rc;
        }
        rows = rep->n_action_plan;
        if (rows > 0) {
            text = calloc(rows * 6, sizeof *text);
            if (text == NULL)
                return TD_ERR_NOMEM;
            for (size_t r = 0; r < rows; r++) {
                const Tiendo__ActionTask *a = rep->action_plan[r];
                snprintf(text[r * 6], UNIT_CELL, "%s", s_dash(a->id));
                snprintf(text[r * 6 + 1], UNIT_CELL, "%s", s_dash(a->title));
                snprintf(text[r * 6 + 2], UNIT_CELL, "%" PRIu32, a->task_group);
                snprintf(text[r * 6 + 3], UNIT_CELL, "%s", s_dash(a->owner));
                snprintf(text[r * 6 + 4], UNIT_CELL, "%s", s_dash(a->deadline));
                if (a->status == TIENDO__TASK_STATUS__TASK_COMPLETED && a->completed_on &&
                    a->completed_on[0])
                    snprintf(text[r * 6 + 5], UNIT_CELL, "completed %.16s", a->completed_on);
                else
                    snprintf(text[r * 6 + 5], UNIT_CELL, "%s", s_task_status_word(a->status));
            }
            rc = s_titled_table(out, style, "Action plan", ap_cols, 6, text, rows);
            free(text);
            text = NULL;
            if (rc != TD_OK)
                return rc;
        }
    }
    rows = d->n_history;
    if (rows > 0) {
        text = calloc(rows * 5, sizeof *text);
        if (text == NULL)
            return TD_ERR_NOMEM;
        for (size_t r = 0; r < rows; r++) {
            const Tiendo__RevisionInfo *h = d->history[r];
            snprintf(text[r * 5], UNIT_CELL, "%" PRIu32, h->revision);
            snprintf(text[r * 5 + 1], UNIT_CELL, "%s",
                     h->received_at_ms > 0 ? render_rfc3339(h->received_at_ms, when, sizeof when)
                                           : "\xE2\x80\x94");
            snprintf(text[r * 5 + 2], UNIT_CELL, "%s", s_dash(h->prepared_by));
            snprintf(text[r * 5 + 3], UNIT_CELL, "%.12s", h->agent_key ? h->agent_key : "");
            snprintf(text[r * 5 + 4], UNIT_CELL, "%" PRIu64, h->seq);
        }
        rc = s_titled_table(out, style, "Revisions", hist_cols, 5, text, rows);
        free(text);
    }
    return rc;
}

td_err render_unit_json(FILE *out, const Tiendo__UnitDetail *d)
{
    json_t *root = NULL, *history = json_array(), *report = NULL;
    char *report_text = NULL;
    int failed = 0;
    td_err rc;

    if (d->row != NULL)
        root = s_json_unit_row(d->row, &failed);
    else
        root = json_object();
    if (root == NULL || history == NULL || failed) {
        json_decref(history);
        rc = TD_ERR_NOMEM;
        goto cleanup;
    }
    s_set(root, "valid_from", s_json_text_nonempty(d->valid_from), &failed);
    s_set(root, "valid_to", s_json_text_nonempty(d->valid_to), &failed);
    s_set(root, "successor", s_json_text_nonempty(d->successor), &failed);
    if (d->report != NULL) {
        report_text = td_report_to_json(d->report);
        report = report_text ? json_loads(report_text, 0, NULL) : NULL;
        if (report == NULL)
            failed = 1;
    } else {
        report = json_null();
    }
    s_set(root, "report", report, &failed);
    s_set(root, "history", history, &failed);
    for (size_t i = 0; i < d->n_history && !failed; i++) {
        const Tiendo__RevisionInfo *h = d->history[i];
        char epoch[17];
        json_t *o = json_object();
        if (o == NULL || json_array_append_new(history, o) != 0) {
            failed = 1;
            break;
        }
        snprintf(epoch, sizeof epoch, "%016" PRIx64, h->epoch);
        s_set(o, "revision", json_integer(h->revision), &failed);
        s_set(o, "received_at", s_json_time_or_null(h->has_received_at_ms, h->received_at_ms),
              &failed);
        s_set(o, "agent_key", s_json_text_nonempty(h->agent_key), &failed);
        s_set(o, "epoch", h->has_epoch ? json_string(epoch) : json_null(), &failed);
        s_set(o, "seq", h->has_seq ? s_json_u64(h->seq) : json_null(), &failed);
        s_set(o, "prepared_by", s_json_text_nonempty(h->prepared_by), &failed);
        s_set(o, "prepared_at",
              s_json_time_or_null(h->has_prepared_at, s_secs_to_ms(h->prepared_at)), &failed);
    }
    rc = failed ? TD_ERR_NOMEM : s_dump(out, root);

cleanup:
    free(report_text);
    json_decref(root);
    return rc;
}
