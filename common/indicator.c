/* indicator.c: sums data elements over reports and evaluates the catalogue's formulas. */
#include "indicator.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Relative slack when comparing with a target: rates are computed in binary floating
 * point, and a province exactly on its target must not show as "below". */
#define S_TARGET_SLACK 1e-9

/* Sums of one indicator's elements over the reports that gave all of them. */
typedef struct {
    size_t numerator, denominator; /* element indexes; denominator unused for sum() */
    int ratio;
    double num, den;
    size_t reports;
} s_pair;

struct td_sums {
    const char *const *elements; /* borrowed from the registry */
    size_t nelements;
    const td_indicator *indicators; /* borrowed from the registry */
    size_t nindicators;
    double *total;         /* per element */
    size_t *given;         /* per element: reports that gave it */
    s_pair *pairs;         /* per indicator */
    double *scratch;       /* per element: the report being added */
    unsigned char *in_row; /* per element: whether the report being added gives it */
    size_t reports;
};

/* Index of element in the catalogue's element list, or nelements. Linear: the catalogue
 * has a few dozen elements, and this runs once per value added. */
static size_t s_element_index(const td_sums_t *s, const char *element)
{
    size_t i = 0;
    while (i < s->nelements && strcmp(s->elements[i], element) != 0)
        i++;
    return i;
}

td_err td_indicator_sums_create(td_sums_t **out, const td_registry_t *reg)
{
    td_err rc = TD_OK;
    td_sums_t *s = NULL;
    if (out == NULL || reg == NULL)
        return TD_ERR_INVALID;
    *out = NULL;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return TD_ERR_NOMEM;
    s->nelements = td_registry_elements(reg, &s->elements);
    s->nindicators = td_registry_indicators(reg, &s->indicators);
    /* +1: calloc(0) may return NULL, which would read as out of memory. */
    s->total = calloc(s->nelements + 1, sizeof *s->total);
    s->given = calloc(s->nelements + 1, sizeof *s->given);
    s->scratch = calloc(s->nelements + 1, sizeof *s->scratch);
    s->in_row = calloc(s->nelements + 1, sizeof *s->in_row);
    s->pairs = calloc(s->nindicators + 1, sizeof *s->pairs);
    if (s->total == NULL || s->given == NULL || s->scratch == NULL || s->in_row == NULL ||
        s->pairs == NULL) {
        rc = TD_ERR_NOMEM;
        goto cleanup;
    }
    for (size_t i = 0; i < s->nindicators; i++) {
        const td_indicator *ind = &s->indicators[i];
        s->pairs[i].ratio = ind->denominator[0] != '\0';
        s->pairs[i].numerator = s_element_index(s, ind->numerator);
        s->pairs[i].denominator = s->pairs[i].ratio ? s_element_index(s, ind->denominator) : 0;
        /* The registry builds its element list from these very formulas. */
        if (s->pairs[i].numerator == s->nelements ||
            (s->pairs[i].ratio && s->pairs[i].denominator == s->nelements)) {
            rc = TD_ERR_INVALID;
            goto cleanup;
        }
    }
    *out = s;
    s = NULL;

cleanup:
    td_indicator_sums_destroy(&s);
    return rc;
}

void td_indicator_sums_destroy(td_sums_t **sums)
{
    if (sums == NULL || *sums == NULL)
        return;
    td_sums_t *s = *sums;
    free(s->total);
    free(s->given);
    free(s->scratch);
    free(s->in_row);
    free(s->pairs);
    free(s);
    *sums = NULL;
}

void td_indicator_sums_reset(td_sums_t *sums)
{
    if (sums == NULL)
        return;
    memset(sums->total, 0, sums->nelements * sizeof *sums->total);
    memset(sums->given, 0, sums->nelements * sizeof *sums->given);
    for (size_t i = 0; i < sums->nindicators; i++) {
        sums->pairs[i].num = 0;
        sums->pairs[i].den = 0;
        sums->pairs[i].reports = 0;
    }
    sums->reports = 0;
}

td_err td_indicator_sums_add(td_sums_t *sums, const Tiendo__Report *report)
{
    td_err rc = TD_OK;
    if (sums == NULL || report == NULL || (report->n_values > 0 && report->values == NULL))
        return TD_ERR_INVALID;
    /* Gather the report's values first, so a bad one leaves the sums untouched. */
    memset(sums->in_row, 0, sums->nelements * sizeof *sums->in_row);
    for (size_t i = 0; i < report->n_values; i++) {
        const Tiendo__DataValue *dv = report->values[i];
        if (dv == NULL || dv->element == NULL || !dv->has_value)
            continue;
        if (!isfinite(dv->value) || dv->value < 0) {
            rc = TD_ERR_INVALID;
            goto cleanup;
        }
        size_t e = s_element_index(sums, dv->element);
        if (e == sums->nelements)
            continue;
        if (sums->in_row[e]) {
            rc = TD_ERR_INVALID;
            goto cleanup;
        }
        sums->in_row[e] = 1;
        sums->scratch[e] = dv->value;
    }
    for (size_t e = 0; e < sums->nelements; e++) {
        if (sums->in_row[e]) {
            sums->total[e] += sums->scratch[e];
            sums->given[e]++;
        }
    }
    for (size_t i = 0; i < sums->nindicators; i++) {
        s_pair *p = &sums->pairs[i];
        if (!sums->in_row[p->numerator] || (p->ratio && !sums->in_row[p->denominator]))
            continue;
        p->num += sums->scratch[p->numerator];
        if (p->ratio)
            p->den += sums->scratch[p->denominator];
        p->reports++;
    }
    sums->reports++;

cleanup:
    return rc;
}

size_t td_indicator_sums_reports(const td_sums_t *sums)
{
    return sums != NULL ? sums->reports : 0;
}

td_err td_indicator_sums_element(const td_sums_t *sums, const char *element, double *total,
                                 size_t *reports)
{
    if (sums == NULL || element == NULL)
        return TD_ERR_INVALID;
    size_t e = s_element_index(sums, element);
    size_t given = e < sums->nelements ? sums->given[e] : 0;
    if (reports != NULL)
        *reports = given;
    if (total != NULL)
        *total = given > 0 ? sums->total[e] : 0;
    return given > 0 ? TD_OK : TD_ERR_NOTFOUND;
}

const td_indicator *td_indicator_find(const td_registry_t *reg, const char *id)
{
    const td_indicator *inds = NULL;
    size_t n = td_registry_indicators(reg, &inds);
    if (id == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(inds[i].id, id) == 0)
            return &inds[i];
    }
    return NULL;
}

/* ind's pair in the accumulator: by address for the catalogue's own records, else by id. */
static const s_pair *s_pair_of(const td_sums_t *sums, const td_indicator *ind)
{
    if (sums == NULL || ind == NULL)
        return NULL;
    for (size_t i = 0; i < sums->nindicators; i++) {
        if (&sums->indicators[i] == ind || strcmp(sums->indicators[i].id, ind->id) == 0)
            return &sums->pairs[i];
    }
    return NULL;
}

td_err td_indicator_eval(const td_indicator *ind, const td_sums_t *sums, double *value)
{
    const s_pair *p = s_pair_of(sums, ind);
    if (p == NULL || value == NULL)
        return TD_ERR_INVALID;
    if (p->reports == 0)
        return TD_ERR_NOTFOUND;
    return td_indicator_apply(ind, p->num, p->den, value);
}

td_err td_indicator_apply(const td_indicator *ind, double num, double den, double *value)
{
    if (ind->denominator[0] == '\0') {
        *value = num;
        return TD_OK;
    }
    if (den == 0)
        return TD_ERR_NOTFOUND;
    /* Scale before dividing: one rounding, so 29 of 100 is exactly 29, not 28.999... */
    if (strcmp(ind->unit, "%") == 0)
        *value = num * 100.0 / den;
    else
        *value = num / den;
    return TD_OK;
}

size_t td_indicator_coverage(const td_indicator *ind, const td_sums_t *sums)
{
    const s_pair *p = s_pair_of(sums, ind);
    if (p == NULL || (p->ratio && p->den == 0))
        return 0;
    return p->reports;
}

td_target_status td_indicator_target_status(const td_indicator *ind, int year, double value)
{
    double min, max;
    if (ind == NULL || !isfinite(value))
        return TD_TARGET_NONE;
    if (year == 2025) {
        min = ind->target_2025_min;
        max = ind->target_2025_max;
    } else if (year == 2030) {
        min = ind->target_2030_min;
        max = ind->target_2030_max;
    } else {
        return TD_TARGET_NONE;
    }
    if (isnan(min) && isnan(max))
        return TD_TARGET_NONE;
    double slack = S_TARGET_SLACK * fmax(1.0, fabs(value));
    if (!isnan(min) && value < min - slack)
        return TD_TARGET_BELOW;
    if (!isnan(max) && value > max + slack)
        return TD_TARGET_ABOVE;
    return TD_TARGET_WITHIN;
}

const char *td_indicator_target_name(td_target_status status)
{
    switch (status) {
    case TD_TARGET_NONE:
        return "no_target";
    case TD_TARGET_BELOW:
        return "below";
    case TD_TARGET_WITHIN:
        return "within";
    case TD_TARGET_ABOVE:
        return "above";
    }
    return "no_target";
}
