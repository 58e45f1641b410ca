/* answer_indicators.c: indicators against targets for people (tables) and scripts (JSON). */
#include "answer_indicators.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "indicator.h"
#include "json_out.h"
#include "term.h"

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
        snprintf(buf, len, "%s\xE2\x80\x93%s", answer_number_text(lo, lo_text, sizeof lo_text),
                 answer_number_text(hi, hi_text, sizeof hi_text));
    else if (isfinite(lo))
        snprintf(buf, len, "\xE2\x89\xA5 %s", answer_number_text(lo, lo_text, sizeof lo_text));
    else if (isfinite(hi))
        snprintf(buf, len, "\xE2\x89\xA4 %s", answer_number_text(hi, hi_text, sizeof hi_text));
    else
        snprintf(buf, len, ANSWER_NONE);
    return buf;
}

/* How a target status reads in the table: below, within, above and no data in the
 * reader's language, "—" for no_target, "?" when the collector sent none, a word of a
 * newer collector as it came. */
static const char *s_target_status_text(const char *status)
{
    /* TRANSLATORS: a value against its target (glossary: within / below / above target) */
    static const char *const words[][2] = {
        {"below", N_("below")},
        {"within", N_("within")},
        {"above", N_("above")},
        /* TRANSLATORS: no value to compare with the target; keep it short, the column is
         * narrow, and translate only what follows the '|' */
        {"no_data", N_("target|no data")},
    };

    if (status == NULL || status[0] == '\0')
        return "?";
    if (strcmp(status, "no_target") == 0)
        return ANSWER_NONE;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(status, words[i][0]) == 0)
            return answer_tr_context(words[i][1]);
    return status;
}

/* "42.7 %", "31.5 m2/person", "912" (counts carry no unit), "no data" when absent. Values
 * under 10 get two decimals so they can be read against targets like 1.5–1.9. */
static char *s_value_text(const Tiendo__IndicatorValue *iv, const char *unit, char *buf, size_t len)
{
    char number[64];
    int is_count = unit == NULL || unit[0] == '\0' || strcmp(unit, "count") == 0;

    if (!iv->has_value || !isfinite(iv->value)) {
        snprintf(buf, len, "%s", _("no data"));
        return buf;
    }
    if (is_count && iv->value == floor(iv->value) && fabs(iv->value) < 1e15)
        td_fmt_number(iv->value, 0, number, sizeof number);
    else if (fabs(iv->value) < 10.0)
        td_fmt_number(iv->value, 2, number, sizeof number);
    else
        td_fmt_number(iv->value, 1, number, sizeof number);
    if (is_count)
        snprintf(buf, len, "%s", number);
    else
        snprintf(buf, len, "%s %.31s", number, answer_measure_text(unit));
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

static int s_partial(const Tiendo__IndicatorValue *iv)
{
    return iv->has_partial && iv->partial;
}

/* Marked "*" in tables: a partial figure that is one ("no data" has nothing to mark). */
static int s_marked(const Tiendo__IndicatorValue *iv)
{
    return s_partial(iv) && iv->has_value && isfinite(iv->value);
}

static int s_is_own(const Tiendo__IndicatorValue *iv)
{
    return iv->source != NULL && strcmp(iv->source, "own") == 0;
}

/* Beside an own figure, the parts' sum as a check (the collector sends it only then). */
static int s_has_check(const Tiendo__IndicatorValue *iv)
{
    return iv->has_check_value || iv->has_check_numerator || iv->has_check_denominator ||
           iv->has_check_covered || iv->has_check_expected;
}

/* What a figure covers, for the Covers column: "31/34" (units that gave it of those
 * expected), "own" for a scope's own report, "—" when the collector did not say. */
static char *s_coverage_text(const Tiendo__IndicatorValue *iv, char *buf, size_t len)
{
    char covered[32], expected[32];

    /* TRANSLATORS: in the Covers column: the figure is the scope's own report's */
    if (s_is_own(iv))
        snprintf(buf, len, "%s", _("own"));
    else if (iv->has_units_expected)
        snprintf(
            buf, len, "%s/%s",
            td_fmt_count(iv->has_units_covered ? iv->units_covered : 0, covered, sizeof covered),
            td_fmt_count(iv->units_expected, expected, sizeof expected));
    else
        snprintf(buf, len, ANSWER_NONE);
    return buf;
}

/* One footnote entry: the k partial figures of a scope that cover the same ("VN T01 2 of
 * 34" for one, "VN 2 of 34 (13 indicators)" for several; no scope: "T01 2 of 34"), with ", a
 * part in part" when every part gave it but one of them only in part. */
static void s_partial_item(const char *scope, const Tiendo__IndicatorValue *iv, size_t k, char *buf,
                           size_t len)
{
    char covered[32], expected[32], count[32];
    int n = snprintf(buf, len, "%.16s%s", scope ? scope : "", scope ? " " : "");
    if (n >= 0 && (size_t) n < len && k == 1)
        n += snprintf(buf + n, len - (size_t) n, "%.16s%s", iv->id ? iv->id : "?",
                      iv->has_units_expected ? " " : "");
    if (n < 0 || (size_t) n >= len)
        return;
    td_fmt_count(iv->has_units_covered ? iv->units_covered : 0, covered, sizeof covered);
    td_fmt_count(iv->units_expected, expected, sizeof expected);
    /* TRANSLATORS: a footnote entry: "T01 2 of 34" (2 of the 34 expected units gave it);
     * "a part in part": every part gave it, but one of them only in part */
    if (iv->has_units_expected && iv->has_units_covered && iv->units_covered >= iv->units_expected)
        n += snprintf(buf + n, len - (size_t) n, _("%s of %s, a part in part"), covered, expected);
    else if (iv->has_units_expected)
        n += snprintf(buf + n, len - (size_t) n, _("%s of %s"), covered, expected);
    if (n >= 0 && (size_t) n < len && k > 1) {
        /* TRANSLATORS: after a footnote entry: how many indicators it stands for */
        snprintf(buf + n, len - (size_t) n, P_(" (%s indicator)", " (%s indicators)", k),
                 td_fmt_count(k, count, sizeof count));
    }
}

/* Whether partial figures a and b (of scopes sa and sb, NULL: one scope) go in one entry. */
static int s_same_cover(const char *sa, const Tiendo__IndicatorValue *a, const char *sb,
                        const Tiendo__IndicatorValue *b)
{
    return (sa == NULL || sb == NULL || strcmp(sa, sb) == 0) &&
           a->has_units_expected == b->has_units_expected &&
           a->units_expected == b->units_expected &&
           (a->has_units_covered ? a->units_covered : 0) ==
               (b->has_units_covered ? b->units_covered : 0);
}

enum { S_FOOT_ITEM = 160, S_FOOT_MAX = 24 };

/* The footnote of the partial figures, once under a table: "* partial: covers 31 of 34
 * provinces" when they all cover the same (one scope), else "* partial: covers only some
 * of its provinces:" and an entry per scope and coverage (the first S_FOOT_MAX, then how
 * many more). scopes NULL: the values of one scope; else scopes[i] names values[i]'s. */
static td_err s_partial_footnote(FILE *out, const answer_style *style,
                                 const Tiendo__IndicatorValue *const *values,
                                 const char *const *scopes, size_t n, const char *noun)
{
    char(*text)[S_FOOT_ITEM] = NULL;
    const char **items = NULL;
    unsigned char *done = NULL;
    const Tiendo__IndicatorValue *first = NULL;
    size_t count = 0, shown = 0, entries = 0;
    int same = 1;
    char heading[256], covered[32], expected[32], more[32];

    for (size_t i = 0; i < n; i++) {
        const Tiendo__IndicatorValue *iv = values[i];
        if (!s_marked(iv))
            continue;
        if (first == NULL)
            first = iv;
        same = same && iv->has_units_expected && iv->has_units_covered &&
               iv->units_covered < iv->units_expected &&
               iv->units_covered == first->units_covered &&
               iv->units_expected == first->units_expected;
        count++;
    }
    if (count == 0)
        return TD_OK;
    if (same && scopes == NULL) {
        /* TRANSLATORS: the footnote of partial figures, "* partial: covers 30 of 34
         * provinces": %3$s is the noun ("provinces", "parts") */
        fprintf(out, _("* partial: covers %s of %s %s"),
                td_fmt_count(first->units_covered, covered, sizeof covered),
                td_fmt_count(first->units_expected, expected, sizeof expected), noun);
        fputc('\n', out);
        return TD_OK;
    }
    text = calloc(S_FOOT_MAX + 1, sizeof *text);
    items = calloc(S_FOOT_MAX + 1, sizeof *items);
    done = calloc(n, 1);
    if (text == NULL || items == NULL || done == NULL) {
        free(done);
        free(items);
        free(text);
        return TD_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const char *scope = scopes ? scopes[i] : NULL;
        size_t k = 0;
        if (done[i] || !s_marked(values[i]))
            continue;
        /* Within one table each figure is named; the matrix groups a scope's figures. */
        for (size_t j = i; j < (scopes != NULL ? n : i + 1); j++)
            if (!done[j] && s_marked(values[j]) &&
                s_same_cover(scope, values[i], scopes ? scopes[j] : NULL, values[j])) {
                done[j] = 1;
                k++;
            }
        if (shown < S_FOOT_MAX) {
            s_partial_item(scope, values[i], k, text[shown], S_FOOT_ITEM);
            items[shown] = text[shown];
            shown++;
        }
        entries++;
    }
    if (entries > shown) {
        snprintf(text[shown], S_FOOT_ITEM, _("and %s more (--json)"),
                 td_fmt_count(entries - shown, more, sizeof more));
        items[shown] = text[shown];
        shown++;
    }
    /* TRANSLATORS: %s is the noun ("provinces", "parts"); a list of entries follows */
    snprintf(heading, sizeof heading, _("* partial: covers only some of its %s:"), noun);
    answer_print_list(out, style, heading, NULL, items, shown, answer_line_width(style));
    free(done);
    free(items);
    free(text);
    return TD_OK;
}

/* Columns of the indicator table; Covers is left out when the collector says nothing of
 * coverage, or when the line has no room for it beside a 12-column name. */
enum { IND_COLS = 8, IND_CELL = 320, IND_COVERS = 3, IND_NAME_MIN = 12 };

typedef struct {
    Tiendo__IndicatorValue *const *values;
    size_t ncols; /* IND_COLS, or one less without Covers */
} s_table_ctx;

static const char *s_indicator_color(void *ctx, size_t row, size_t col)
{
    const s_table_ctx *c = ctx;
    const Tiendo__IndicatorValue *iv = c->values[row];
    const char *status = col == c->ncols - 3   ? iv->target_2025
                         : col == c->ncols - 1 ? iv->target_2030
                                               : NULL;

    if (status == NULL)
        return NULL;
    if (strcmp(status, "within") == 0)
        return "32";
    if (strcmp(status, "below") == 0 || strcmp(status, "above") == 0)
        return "33";
    return NULL;
}

td_err answer_indicators_table(FILE *out, Tiendo__IndicatorValue *const *values, size_t n,
                               const char *title, const char *noun, const td_registry_t *reg,
                               const answer_style *style)
{
    static const term_column cols[IND_COLS] = {
        {N_("ID"), TERM_LEFT, 0},
        {N_("Indicator"), TERM_LEFT, 0},
        {N_("Value"), TERM_RIGHT, 0},
        {N_("Covers"), TERM_RIGHT, 0},
        {N_("2025 target"), TERM_RIGHT, 0},
        /* TRANSLATORS: the column after a target: how the value stands against it (a
         * report's status is "Status" alone); translate only what follows the '|' */
        {N_("target|Status"), TERM_LEFT, 0},
        {N_("2030 target"), TERM_RIGHT, 0},
        {N_("target|Status"), TERM_LEFT, 0},
    };
    size_t name_width, ncols = IND_COLS, line_width = answer_line_width(style);
    char(*text)[IND_CELL] = NULL;
    const char **cells = NULL;
    term_column columns[IND_COLS];
    int any_unconfirmed = 0, covers = 0;
    s_table_ctx ctx = {values, IND_COLS};
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
        s_value_text(iv, s_indicator_unit(iv, ind), row[2], IND_CELL - 1);
        if (s_marked(iv))
            strcat(row[2], "*");
        s_coverage_text(iv, row[3], IND_CELL);
        s_target_text(ind, 2025, row[4], IND_CELL);
        snprintf(row[5], IND_CELL, "%s", s_target_status_text(iv->target_2025));
        s_target_text(ind, 2030, row[6], IND_CELL);
        snprintf(row[7], IND_CELL, "%s", s_target_status_text(iv->target_2030));
        covers = covers || iv->has_units_expected || s_is_own(iv);
    }
    answer_columns(columns, cols, IND_COLS);
    for (size_t i = 0; i < n * IND_COLS; i++)
        cells[i] = text[i];
    if (covers && term_flex_width(columns, IND_COLS, cells, n, 1, line_width, 0, 60) < IND_NAME_MIN)
        covers = 0; /* the footnote still names what a partial figure covers */
    if (!covers) {
        ncols = IND_COLS - 1;
        memmove(&columns[IND_COVERS], &columns[IND_COVERS + 1],
                (IND_COLS - IND_COVERS - 1) * sizeof *columns);
        for (size_t r = 0; r < n; r++)
            for (size_t k = 0, out_k = 0; k < IND_COLS; k++)
                if (k != IND_COVERS)
                    cells[r * ncols + out_k++] = text[r * IND_COLS + k];
    }
    ctx.ncols = ncols;
    /* The name takes what the other columns leave of the line, 12..60 columns (12 keeps
     * the table inside 80 columns with the catalogue's widest values). */
    name_width = term_flex_width(columns, ncols, cells, n, 1, line_width, IND_NAME_MIN, 60);
    for (size_t r = 0; r < n; r++) {
        const td_indicator *ind = s_indicator(reg, values[r]->id);
        char *cell = text[r * IND_COLS + 1];
        const char *name =
            ind != NULL ? answer_indicator_name(ind) : _("(not in the local catalogue)");
        if (s_unconfirmed(ind)) {
            /* The mark survives the cut: "Urban households with fibre br…*". */
            term_fit(name, name_width - 1, cell, IND_CELL - 1);
            strcat(cell, "*");
            any_unconfirmed = 1;
        } else {
            term_fit(name, name_width, cell, IND_CELL);
        }
    }
    columns[1].max_width = name_width;

    answer_print(out, style, "1", title);
    fputc('\n', out);
    rc = term_table(out, columns, ncols, cells, n, NULL,
                    answer_colors(style) ? s_indicator_color : NULL, &ctx);
    if (rc != TD_OK)
        goto cleanup;
    if (any_unconfirmed)
        fprintf(out, "%s\n", _("* target not confirmed (verified: partly/no)"));
    rc = s_partial_footnote(out, style, (const Tiendo__IndicatorValue *const *) values, NULL, n,
                            noun);
    fputc('\n', out);

cleanup:
    free(cells);
    free(text);
    return rc;
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
    td_json_set(t, "min", td_json_real(1, lo), &failed);
    td_json_set(t, "max", td_json_real(1, hi), &failed);
    td_json_set(t, "status", td_json_text_nonempty(status), &failed);
    if (failed) {
        json_decref(t);
        return NULL;
    }
    return t;
}

/* {"value", "numerator", "denominator", "units_covered", "units_expected"}: the parts' sum
 * beside an own figure. NULL when out of memory. */
static json_t *s_json_check(const Tiendo__IndicatorValue *iv)
{
    json_t *c = json_object();
    int failed = 0;

    if (c == NULL)
        return NULL;
    td_json_set(c, "value", td_json_real(iv->has_check_value, iv->check_value), &failed);
    td_json_set(c, "numerator", td_json_real(iv->has_check_numerator, iv->check_numerator),
                &failed);
    td_json_set(c, "denominator", td_json_real(iv->has_check_denominator, iv->check_denominator),
                &failed);
    td_json_set(c, "units_covered",
                iv->has_check_covered ? td_json_u64(iv->check_covered) : json_null(), &failed);
    td_json_set(c, "units_expected",
                iv->has_check_expected ? td_json_u64(iv->check_expected) : json_null(), &failed);
    if (failed) {
        json_decref(c);
        return NULL;
    }
    return c;
}

void answer_indicators_values_json(json_t *array, Tiendo__IndicatorValue *const *values, size_t n,
                                   const td_registry_t *reg, int *failed)
{
    for (size_t i = 0; i < n && !*failed; i++) {
        const Tiendo__IndicatorValue *iv = values[i];
        const td_indicator *ind = s_indicator(reg, iv->id);
        const char *unit = s_indicator_unit(iv, ind);
        json_t *o = json_object();
        td_json_append(array, o, failed);
        if (*failed)
            break;
        td_json_set(o, "id", td_json_text(iv->id), failed);
        td_json_set(o, "name_en", td_json_text(ind ? ind->name_en : NULL), failed);
        td_json_set(o, "name_vi", td_json_text(ind ? ind->name_vi : NULL), failed);
        td_json_set(o, "unit", td_json_text_nonempty(unit), failed);
        td_json_set(o, "value", td_json_real(iv->has_value, iv->value), failed);
        td_json_set(o, "target_2025", s_json_target(ind, 2025, iv->target_2025), failed);
        td_json_set(o, "target_2030", s_json_target(ind, 2030, iv->target_2030), failed);
        td_json_set(o, "verified", td_json_text(ind ? ind->verified : NULL), failed);
        td_json_set(o, "units_counted",
                    iv->has_units_counted ? td_json_u64(iv->units_counted) : json_null(), failed);
        td_json_set(o, "numerator", td_json_real(iv->has_numerator, iv->numerator), failed);
        td_json_set(o, "denominator", td_json_real(iv->has_denominator, iv->denominator), failed);
        td_json_set(o, "source", td_json_text_nonempty(iv->source), failed);
        td_json_set(o, "units_covered",
                    iv->has_units_covered ? td_json_u64(iv->units_covered) : json_null(), failed);
        td_json_set(o, "units_expected",
                    iv->has_units_expected ? td_json_u64(iv->units_expected) : json_null(), failed);
        td_json_set(o, "partial", json_boolean(s_partial(iv)), failed);
        td_json_set(o, "check", s_has_check(iv) ? s_json_check(iv) : json_null(), failed);
    }
}

/* A compact matrix cell: the value to one decimal ("—" for no data), whole numbers from
 * 10 000 up so large counts stay narrow. */
static char *s_matrix_number(int has, double v, char *buf, size_t len)
{
    if (!has || !isfinite(v))
        snprintf(buf, len, ANSWER_NONE);
    else
        td_fmt_number(v, fabs(v) >= 10000.0 ? 0 : 1, buf, len);
    return buf;
}

/* The same, with "*" after a partial figure. */
static char *s_matrix_value(const Tiendo__IndicatorValue *iv, char *buf, size_t len)
{
    if (iv == NULL)
        return s_matrix_number(0, 0.0, buf, len);
    s_matrix_number(iv->has_value, iv->value, buf, len);
    if (s_marked(iv) && strlen(buf) + 1 < len)
        strcat(buf, "*");
    return buf;
}

enum { MATRIX_CELL = 64, MATRIX_FIXED = 3, MATRIX_MAX_IDS = 64 };

/* The matrix's footnote of partial figures, "VN T01 2 of 34" each (s_partial_footnote). */
static td_err s_matrix_partial(FILE *out, const Tiendo__IndicatorTable *t,
                               const answer_style *style)
{
    const Tiendo__IndicatorValue **values;
    const char **scopes;
    size_t total = 0, k = 0;
    td_err rc;

    for (size_t i = 0; i < t->n_scopes; i++)
        total += t->scopes[i]->n_values;
    values = calloc(total + 1, sizeof *values);
    scopes = calloc(total + 1, sizeof *scopes);
    if (values == NULL || scopes == NULL) {
        free(scopes);
        free(values);
        return TD_ERR_NOMEM;
    }
    for (size_t i = 0; i < t->n_scopes; i++)
        for (size_t v = 0; v < t->scopes[i]->n_values; v++) {
            values[k] = t->scopes[i]->values[v];
            scopes[k++] = t->scopes[i]->scope ? t->scopes[i]->scope : "?";
        }
    rc = s_partial_footnote(out, style, values, scopes, total, _("parts"));
    free(scopes);
    free(values);
    return rc;
}

enum { CHECK_COLS = 6 };

/* A scope's own figure has a check when its parts gave a figure too. */
static int s_checked(const Tiendo__IndicatorValue *iv)
{
    return s_is_own(iv) && iv->has_value && iv->has_check_value && isfinite(iv->value) &&
           isfinite(iv->check_value);
}

/* Beside each own figure whose parts gave one too, their sum as a check: "Own figures and
 * their parts' sum", a row per (scope, indicator): code, name (8..30 columns), ID, own
 * value, the parts' value with how many of them gave it ("74.7 (5/6)") and the difference
 * (parts minus own). Nothing when no figure has a check. */
static td_err s_checks(FILE *out, const Tiendo__IndicatorTable *t, const answer_style *style)
{
    static const term_column table[CHECK_COLS] = {
        {N_("Code"), TERM_LEFT, 0},        {N_("Name"), TERM_LEFT, 0},
        {N_("Indicator"), TERM_LEFT, 0},   {N_("Own"), TERM_RIGHT, 0},
        {N_("Parts' sum"), TERM_RIGHT, 0}, {N_("Difference"), TERM_RIGHT, 0},
    };
    term_column cols[CHECK_COLS];
    char(*text)[MATRIX_CELL] = NULL;
    const char **cells = NULL;
    size_t n = 0, r = 0, name_width;
    td_err rc = TD_OK;

    for (size_t i = 0; i < t->n_scopes; i++)
        for (size_t v = 0; v < t->scopes[i]->n_values; v++)
            n += s_checked(t->scopes[i]->values[v]) ? 1 : 0;
    if (n == 0)
        return TD_OK;
    answer_columns(cols, table, CHECK_COLS);
    text = calloc(n * CHECK_COLS, sizeof *text);
    cells = calloc(n * CHECK_COLS, sizeof *cells);
    if (text == NULL || cells == NULL) {
        rc = TD_ERR_NOMEM;
        goto cleanup;
    }
    for (size_t i = 0; i < t->n_scopes; i++) {
        const Tiendo__IndicatorScope *sc = t->scopes[i];
        for (size_t v = 0; v < sc->n_values; v++) {
            const Tiendo__IndicatorValue *iv = sc->values[v];
            char(*row)[MATRIX_CELL] = text + r * CHECK_COLS, sum[32], covered[32], expected[32],
            diff[32];
            double difference;
            if (!s_checked(iv))
                continue;
            snprintf(row[0], MATRIX_CELL, "%.16s", sc->scope ? sc->scope : "?");
            snprintf(row[2], MATRIX_CELL, "%.16s", iv->id ? iv->id : "?");
            s_matrix_number(1, iv->value, row[3], MATRIX_CELL);
            snprintf(row[4], MATRIX_CELL, "%s (%s/%s)",
                     s_matrix_number(1, iv->check_value, sum, sizeof sum),
                     td_fmt_count(iv->has_check_covered ? iv->check_covered : 0, covered,
                                  sizeof covered),
                     td_fmt_count(iv->has_check_expected ? iv->check_expected : 0, expected,
                                  sizeof expected));
            /* signed, "+15.9": parts minus own */
            difference = answer_round1(iv->check_value - iv->value);
            snprintf(row[5], MATRIX_CELL, "%s%s", difference < 0 ? "" : "+",
                     td_fmt_number(difference, 1, diff, sizeof diff));
            for (size_t k = 0; k < CHECK_COLS; k++)
                cells[r * CHECK_COLS + k] = row[k];
            r++;
        }
    }
    name_width = term_flex_width(cols, CHECK_COLS, cells, n, 1, answer_line_width(style), 8, 30);
    r = 0;
    for (size_t i = 0; i < t->n_scopes; i++)
        for (size_t v = 0; v < t->scopes[i]->n_values; v++)
            if (s_checked(t->scopes[i]->values[v])) {
                const char *name = t->scopes[i]->name;
                term_fit(name ? name : "", name_width, text[r++ * CHECK_COLS + 1], MATRIX_CELL);
            }
    cols[1].max_width = name_width;
    fputc('\n', out);
    answer_print(out, style, "1",
                 _("Own figures beside their parts' sum (a difference is a question for the "
                   "province)"));
    fputc('\n', out);
    rc = term_table(out, cols, CHECK_COLS, cells, n, NULL, NULL, NULL);

cleanup:
    free(cells);
    free(text);
    return rc;
}

/* Province level: one row per scope, one column per indicator ID (in the order first seen). */
static td_err s_matrix(FILE *out, const Tiendo__IndicatorTable *t, const answer_style *style)
{
    const char *ids[MATRIX_MAX_IDS];
    size_t nids = 0, ncols, n = t->n_scopes, name_width;
    char(*text)[MATRIX_CELL] = NULL;
    const char **cells = NULL;
    term_column *cols = NULL;
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
    cols[0] = (term_column){_("Code"), TERM_LEFT, 0};
    cols[1] = (term_column){_("Name"), TERM_LEFT, 0};
    cols[2] = (term_column){_("Reports"), TERM_RIGHT, 0};
    for (size_t k = 0; k < nids; k++)
        cols[MATRIX_FIXED + k] = (term_column){ids[k], TERM_RIGHT, 0};
    for (size_t r = 0; r < n; r++) {
        const Tiendo__IndicatorScope *sc = t->scopes[r];
        char(*row)[MATRIX_CELL] = text + r * ncols;

        snprintf(row[0], MATRIX_CELL, "%.16s", sc->scope ? sc->scope : "?");
        td_fmt_count(sc->reports, row[2], MATRIX_CELL);
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
    name_width = term_flex_width(cols, ncols, cells, n, 1, answer_line_width(style), 8, 30);
    for (size_t r = 0; r < n; r++) {
        const char *name = t->scopes[r]->name;
        term_fit(name && name[0] ? name : "", name_width, text[r * ncols + 1], MATRIX_CELL);
    }
    cols[1].max_width = name_width;
    answer_print(out, style, "1", _("Indicators by province"));
    fputc('\n', out);
    rc = term_table(out, cols, ncols, cells, n, NULL, NULL, NULL);
    if (rc == TD_OK)
        fprintf(out, "%s\n",
                _("Values to one decimal in each indicator's unit; \xE2\x80\x94 no data. "
                  "Names and targets: tiendo indicators."));
    if (rc == TD_OK)
        rc = s_matrix_partial(out, t, style);
    if (rc == TD_OK)
        rc = s_checks(out, t, style);

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

td_err answer_indicators_text(FILE *out, const Tiendo__IndicatorTable *t, const td_registry_t *reg,
                              const answer_style *style)
{
    td_err rc = TD_OK;

    /* TRANSLATORS: the heading of tiendo indicators: %1$s the dataset, %2$s the period */
    fprintf(out, _("Indicators, %s %s"), t->dataset ? t->dataset : "?",
            t->period ? t->period : "?");
    fputs("\n\n", out);
    if (t->n_scopes == 0) {
        fprintf(out, "%s\n", _("No indicators for this period."));
        return TD_OK;
    }
    if (strcmp(s_level(t), "province") == 0)
        return s_matrix(out, t, style);
    for (size_t i = 0; i < t->n_scopes && rc == TD_OK; i++) {
        const Tiendo__IndicatorScope *sc = t->scopes[i];
        char title[384], scope[256], reports[32];
        snprintf(scope, sizeof scope, "%.16s %.200s", sc->scope ? sc->scope : "?",
                 sc->name ? sc->name : "");
        /* TRANSLATORS: "Indicators (VN Việt Nam, 63 reports)": %1$s the scope's code and
         * name, %2$s how many reports */
        snprintf(title, sizeof title,
                 P_("Indicators (%s, %s report)", "Indicators (%s, %s reports)", sc->reports),
                 scope, td_fmt_count(sc->reports, reports, sizeof reports));
        rc = answer_indicators_table(
            out, sc->values, sc->n_values, title,
            sc->scope != NULL && strcmp(sc->scope, "VN") == 0 ? _("provinces") : _("parts"), reg,
            style);
    }
    return rc;
}

td_err answer_indicators_json(FILE *out, const Tiendo__IndicatorTable *t, const td_registry_t *reg)
{
    json_t *root = json_object(), *scopes = json_array();
    int failed = 0;

    if (root == NULL || scopes == NULL) {
        json_decref(scopes);
        json_decref(root);
        return TD_ERR_NOMEM;
    }
    td_json_set(root, "dataset", td_json_text(t->dataset), &failed);
    td_json_set(root, "period", td_json_text(t->period), &failed);
    td_json_set(root, "level", td_json_text(s_level(t)), &failed);
    td_json_set(root, "scopes", scopes, &failed);
    for (size_t i = 0; i < t->n_scopes && !failed; i++) {
        const Tiendo__IndicatorScope *sc = t->scopes[i];
        json_t *o = json_object(), *ind = json_array();

        td_json_append(scopes, o, &failed);
        if (failed) {
            json_decref(ind);
            break;
        }
        td_json_set(o, "scope", td_json_text(sc->scope), &failed);
        td_json_set(o, "name", td_json_text_nonempty(sc->name), &failed);
        td_json_set(o, "reports", json_integer(sc->reports), &failed);
        td_json_set(o, "indicators", ind, &failed);
        answer_indicators_values_json(ind, sc->values, sc->n_values, reg, &failed);
    }
    if (failed) {
        json_decref(root);
        return TD_ERR_NOMEM;
    }
    return td_json_print(out, root);
}
