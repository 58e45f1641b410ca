/* answer_indicators.c: indicators against targets for people (tables) and scripts (JSON). */
#include "answer_indicators.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "indicator.h"
#include "json_out.h"
#include "term.h"

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
        snprintf(buf, len, ANSWER_NONE);
    return buf;
}

/* How a target status reads in the table: the JSON word, but "no data" and "—" for
 * no_data and no_target; "?" when the collector sent none. */
static const char *s_target_status_text(const char *status)
{
    if (status == NULL || status[0] == '\0')
        return "?";
    if (strcmp(status, "no_target") == 0)
        return ANSWER_NONE;
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

enum { IND_COLS = 7, IND_CELL = 320 };

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

td_err answer_indicator_table(FILE *out, Tiendo__IndicatorValue *const *values, size_t n,
                              const char *title, const td_registry_t *reg,
                              const answer_style *style)
{
    static const term_column cols[IND_COLS] = {
        {"ID", TERM_LEFT, 0},           {"Indicator", TERM_LEFT, 0}, {"Value", TERM_RIGHT, 0},
        {"2025 target", TERM_RIGHT, 0}, {"Status", TERM_LEFT, 0},    {"2030 target", TERM_RIGHT, 0},
        {"Status", TERM_LEFT, 0},
    };
    size_t name_width;
    char(*text)[IND_CELL] = NULL;
    const char **cells = NULL;
    term_column columns[IND_COLS];
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
    name_width = term_flex_width(cols, IND_COLS, cells, n, 1, answer_line_width(style), 12, 60);
    for (size_t r = 0; r < n; r++) {
        const td_indicator *ind = s_indicator(reg, values[r]->id);
        char *cell = text[r * IND_COLS + 1];
        const char *name = ind != NULL ? ind->name_en : "(not in the local catalogue)";
        if (s_unconfirmed(ind)) {
            /* The mark survives the cut: "Urban households with fibre br…*". */
            term_fit(name, name_width - 1, cell, IND_CELL - 1);
            strcat(cell, "*");
            any_unconfirmed = 1;
        } else {
            term_fit(name, name_width, cell, IND_CELL);
        }
    }
    memcpy(columns, cols, sizeof cols);
    columns[1].max_width = name_width;

    answer_print(out, style, "1", title);
    fputc('\n', out);
    rc = term_table(out, columns, IND_COLS, cells, n, NULL,
                    answer_colors(style) ? s_indicator_color : NULL, (void *) values);
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

void answer_indicator_values_json(json_t *array, Tiendo__IndicatorValue *const *values, size_t n,
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
    }
}

/* A compact matrix cell: the value to one decimal ("—" for no data), whole numbers from
 * 10 000 up so large counts stay narrow. */
static char *s_matrix_value(const Tiendo__IndicatorValue *iv, char *buf, size_t len)
{
    if (iv == NULL || !iv->has_value || !isfinite(iv->value))
        snprintf(buf, len, ANSWER_NONE);
    else if (fabs(iv->value) >= 10000.0)
        snprintf(buf, len, "%.0f", iv->value);
    else
        snprintf(buf, len, "%.1f", iv->value);
    return buf;
}

enum { MATRIX_CELL = 64, MATRIX_FIXED = 3, MATRIX_MAX_IDS = 64 };

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
    cols[0] = (term_column){"Code", TERM_LEFT, 0};
    cols[1] = (term_column){"Name", TERM_LEFT, 0};
    cols[2] = (term_column){"Reports", TERM_RIGHT, 0};
    for (size_t k = 0; k < nids; k++)
        cols[MATRIX_FIXED + k] = (term_column){ids[k], TERM_RIGHT, 0};
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
    name_width = term_flex_width(cols, ncols, cells, n, 1, answer_line_width(style), 8, 30);
    for (size_t r = 0; r < n; r++) {
        const char *name = t->scopes[r]->name;
        term_fit(name && name[0] ? name : "", name_width, text[r * ncols + 1], MATRIX_CELL);
    }
    cols[1].max_width = name_width;
    answer_print(out, style, "1", "Indicators by province");
    fputc('\n', out);
    rc = term_table(out, cols, ncols, cells, n, NULL, NULL, NULL);
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

td_err answer_indicators_text(FILE *out, const Tiendo__IndicatorTable *t, const td_registry_t *reg,
                              const answer_style *style)
{
    td_err rc = TD_OK;

    fprintf(out, "Indicators, %s %s\n\n", t->dataset ? t->dataset : "?",
            t->period ? t->period : "?");
    if (t->n_scopes == 0) {
        fprintf(out, "No indicators for this period.\n");
        return TD_OK;
    }
    if (strcmp(s_level(t), "province") == 0)
        return s_matrix(out, t, style);
    for (size_t i = 0; i < t->n_scopes && rc == TD_OK; i++) {
        const Tiendo__IndicatorScope *sc = t->scopes[i];
        char title[320];
        snprintf(title, sizeof title, "Indicators (%.16s %.200s, %" PRIu32 " reports)",
                 sc->scope ? sc->scope : "?", sc->name ? sc->name : "", sc->reports);
        rc = answer_indicator_table(out, sc->values, sc->n_values, title, reg, style);
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
        answer_indicator_values_json(ind, sc->values, sc->n_values, reg, &failed);
    }
    if (failed) {
        json_decref(root);
        return TD_ERR_NOMEM;
    }
    return td_json_print(out, root);
}
