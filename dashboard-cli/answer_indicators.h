/* answer_indicators.h: indicators against their targets, as a table and as JSON (status too). */
#ifndef TIENDO_CLI_ANSWER_INDICATORS_H
#define TIENDO_CLI_ANSWER_INDICATORS_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "answer.h"
#include "error.h"
#include "registry.h"
#include "tiendo.pb-c.h"

/* The one form of an indicator for people and for scripts: `tiendo status` shows the
 * nation's with these two functions, `tiendo indicators` each scope's. reg (may be NULL)
 * is the local catalogue: names, units, targets and the verified flag come from it, the
 * values and the collector's comparison with the targets from the answer. Pure; thread-safe
 * per stream (answer.h). */

/* Print title (bold with colours), then a table of the n values: ID, Indicator (the
 * catalogue's name in the reader's language, "*" when not verified, cut to what the line
 * leaves, 12..60 columns), Value (with its unit, "no data" when absent, "*" after a partial
 * figure), Covers ("31/34": units that gave it of those expected; "own": the scope's own report;
 * the column is left out when the collector sends no coverage, or when the line has no
 * room for it beside a 12-column name), 2025 target ("≥ 45", "1.5–1.9", "≤ 10", "—" none,
 * "?" not in the catalogue) and Status, then the same for 2030; under it a footnote when
 * a name "*" was shown, and one for the partial figures ("* partial: covers 31 of 34
 * provinces" when they all cover the same, else one entry per figure; noun names the
 * parts: "provinces" for the nation); a blank line. n == 0 prints nothing. Returns TD_OK
 * or TD_ERR_NOMEM. */
td_err answer_indicators_table(FILE *out, Tiendo__IndicatorValue *const *values, size_t n,
                               const char *title, const char *noun, const td_registry_t *reg,
                               const answer_style *style);

/* Append one object per value to array, fields in docs/cli-json.md order (id, name_en,
 * name_vi, unit, value, target_2025, target_2030, verified, units_counted, numerator,
 * denominator, source, units_covered, units_expected, partial, check). Sets *failed when
 * out of memory (and stops); does nothing once *failed is set. array stays the caller's. */
void answer_indicators_values_json(json_t *array, Tiendo__IndicatorValue *const *values, size_t n,
                                   const td_registry_t *reg, int *failed);

/* `tiendo indicators`: the heading "Indicators, DATASET PERIOD", then by level: "nation" (or
 * none) one answer_indicators_table per scope, titled "Indicators (CODE NAME, N reports)";
 * "province" one matrix, a row per scope (code, name cut to 8..30 columns, reports) and a
 * column per indicator ID (the first 64 seen) with its value to one decimal (whole from
 * 10 000 up, "—" no data, "*" after a partial figure), the footnote of the partial figures
 * (an entry per scope and coverage: "79 T01 3 of 4", "VN 2 of 34 (13 indicators)"; at most
 * 24), then, when some own figure has a check, the table
 * "Own figures beside their parts' sum": code, name, indicator, own value, the parts' value and
 * how many parts gave it ("74.7 (5/6)"), the difference (parts minus own). Returns TD_OK
 * or TD_ERR_NOMEM. */
td_err answer_indicators_text(FILE *out, const Tiendo__IndicatorTable *t, const td_registry_t *reg,
                              const answer_style *style);

/* {"dataset","period","level","scopes":[{"scope","name","reports","indicators":[...]}]}
 * (docs/cli-json.md) with td_json_print. Returns TD_OK, TD_ERR_NOMEM or TD_ERR_IO. */
td_err answer_indicators_json(FILE *out, const Tiendo__IndicatorTable *t, const td_registry_t *reg);

#endif
