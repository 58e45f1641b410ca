/* indicator.c: the catalogue's formulas applied to summed elements, and their targets. */
#include "indicator.h"

#include <math.h>
#include <string.h>

/* Relative slack when comparing with a target: rates are computed in binary floating
 * point, and a province exactly on its target must not show as "below". */
#define S_TARGET_SLACK 1e-9

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
