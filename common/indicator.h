/* indicator.h: indicators computed from summed data elements, and their targets. */
#ifndef TIENDO_INDICATOR_H
#define TIENDO_INDICATOR_H

#include <stddef.h>

#include "error.h"
#include "registry.h"
#include "tiendo.pb-c.h"

/* Running sums of data elements over a set of reports (the units below a province or
 * the nation, predecessors included). An indicator is its formula applied to these
 * sums, never an average of the units' own rates: T01 for two provinces is
 * (urban_1 + urban_2) / (total_1 + total_2) * 100.
 *
 * A ratio indicator sums its numerator and denominator only over the reports that give
 * both, so a unit that reports total_population but not urban_population does not pull
 * the rate down; each element's own total counts every report that gives it.
 * Memory is O(elements + indicators) of the catalogue, whatever the number of reports.
 * Not thread-safe: one accumulator per thread. */
typedef struct td_sums td_sums_t;

/* Whether a value meets an indicator's target for a year. */
typedef enum {
    TD_TARGET_NONE,   /* no target set for that year, or no value */
    TD_TARGET_BELOW,  /* under the minimum */
    TD_TARGET_WITHIN, /* at or above the minimum and at or under the maximum (if any) */
    TD_TARGET_ABOVE,  /* over the maximum */
} td_target_status;

/* An empty accumulator for reg's catalogue. reg is borrowed and must outlive it. */
td_err td_indicator_sums_create(td_sums_t **out, const td_registry_t *reg);
/* Frees and NULLs *sums; accepts NULL and *sums == NULL. */
void td_indicator_sums_destroy(td_sums_t **sums);
/* Back to empty, keeping the memory. */
void td_indicator_sums_reset(td_sums_t *sums);

/* Add one report's data values. Values of elements the catalogue does not use are
 * skipped (a stored report may predate a catalogue change); values without a number
 * are not reported. TD_ERR_INVALID, adding nothing, when a value is negative, NaN or
 * infinite or an element appears twice: only validated reports belong here. */
td_err td_indicator_sums_add(td_sums_t *sums, const Tiendo__Report *report);

/* How many reports have been added since creation or the last reset. */
size_t td_indicator_sums_reports(const td_sums_t *sums);

/* The total of one element and how many reports gave it (either pointer may be NULL).
 * TD_ERR_NOTFOUND when no report gave it or the catalogue has no such element. */
td_err td_indicator_sums_element(const td_sums_t *sums, const char *element, double *total,
                                 size_t *reports);

/* The indicator of reg's catalogue with this id ("T01"), or NULL. */
const td_indicator *td_indicator_find(const td_registry_t *reg, const char *id);

/* Evaluate ind (an indicator of the accumulator's catalogue) over the sums:
 *  - sum(x): the total of x;
 *  - a / b: sum(a) / sum(b) over the reports giving both, times 100 when ind->unit is "%".
 * TD_OK with *value set, or TD_ERR_NOTFOUND meaning "no data": no report gave the
 * elements the formula needs, or the denominator's sum is 0. TD_ERR_INVALID when ind is
 * not in the accumulator's catalogue. */
td_err td_indicator_eval(const td_indicator *ind, const td_sums_t *sums, double *value);

/* The formula of ind applied to summed elements: sum(x) -> num; a / b -> num / den, times
 * 100 when ind->unit is "%" (scaled before dividing: 29 of 100 is exactly 29). TD_OK with
 * *value, or TD_ERR_NOTFOUND ("no data") for a ratio whose denominator is 0. */
td_err td_indicator_apply(const td_indicator *ind, double num, double den, double *value);

/* How many reports went into td_indicator_eval's value for ind (0: no data). */
size_t td_indicator_coverage(const td_indicator *ind, const td_sums_t *sums);

/* Compare value with ind's target for year 2025 or 2030 (other years: TD_TARGET_NONE).
 * An unset bound (NaN) does not apply; an empty max means "at least min". A value
 * within a relative 1e-9 of a bound counts as on it (a rate computed as 28.999999999999996
 * meets a target of 29). A non-finite value gives TD_TARGET_NONE. */
td_target_status td_indicator_target_status(const td_indicator *ind, int year, double value);

/* "no_target", "below", "within", "above" (stable: used in JSON output). */
const char *td_indicator_target_name(td_target_status status);

#endif
