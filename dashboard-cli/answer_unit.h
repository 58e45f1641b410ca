/* answer_unit.h: `tiendo unit CODE`: one unit's report and revision history, as text and JSON. */
#ifndef TIENDO_CLI_ANSWER_UNIT_H
#define TIENDO_CLI_ANSWER_UNIT_H

#include <stdio.h>

#include "answer.h"
#include "error.h"
#include "registry.h"
#include "tiendo.pb-c.h"

/* Pure; thread-safe per stream (answer.h). */

/* For people: the unit's code and name, level and parent, validity and successor, status,
 * revision, first and latest reception; who prepared the latest revision and when; then
 * tables of its task groups (titles from reg, which may be NULL), data values, action plan
 * and every revision stored ("No report for this period." when there is none). Returns
 * TD_OK or TD_ERR_NOMEM (the output may then be cut short). */
td_err answer_unit_text(FILE *out, const Tiendo__UnitDetail *d, const td_registry_t *reg,
                        const answer_style *style);

/* The unit's row fields (answer_units_row_json), then valid_from, valid_to, successor,
 * "report" (the report file form of docs/report-format.md, td_report_to_json, or null) and
 * "history" (docs/cli-json.md), with td_json_print. Returns TD_OK, TD_ERR_NOMEM (nothing
 * printed) or TD_ERR_IO. */
td_err answer_unit_json(FILE *out, const Tiendo__UnitDetail *d);

#endif
