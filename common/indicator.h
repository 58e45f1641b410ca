/* indicator.h: indicators computed from summed data elements, and their targets. */
#ifndef TIENDO_INDICATOR_H
#define TIENDO_INDICATOR_H

#include <stddef.h>

#include "error.h"
#include "registry.h"

/* The formulas of the indicator catalogue (data/indicators.csv) and their targets. The
 * figures they are applied to (which reports, which units) are decided in rollup.h. Pure
 * functions, thread-safe. */

/* Whether a value meets an indicator's target for a year. */
typedef enum {
    TD_TARGET_NONE,   /* no target set for that year, or no value */
    TD_TARGET_BELOW,  /* under the minimum */
    TD_TARGET_WITHIN, /* at or above the minimum and at or under the maximum (if any) */
    TD_TARGET_ABOVE,  /* over the maximum */
} td_target_status;

/* The indicator of reg's catalogue with this id ("T01"), or NULL. */
const td_indicator *td_indicator_find(const td_registry_t *reg, const char *id);

/* The formula of ind applied to summed elements: sum(x) -> num; a / b -> num / den, times
 * 100 when ind->unit is "%" (scaled before dividing: 29 of 100 is exactly 29). TD_OK with
 * *value, or TD_ERR_NOTFOUND ("no data") for a ratio whose denominator is 0. */
td_err td_indicator_apply(const td_indicator *ind, double num, double den, double *value);

/* Compare value with ind's target for year 2025 or 2030 (other years: TD_TARGET_NONE).
 * An unset bound (NaN) does not apply; an empty max means "at least min". A value
 * within a relative 1e-9 of a bound counts as on it (a rate computed as 28.999999999999996
 * meets a target of 29). A non-finite value gives TD_TARGET_NONE. */
td_target_status td_indicator_target_status(const td_indicator *ind, int year, double value);

/* "no_target", "below", "within", "above" (stable: used in JSON output). */
const char *td_indicator_target_name(td_target_status status);

#endif
