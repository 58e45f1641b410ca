/* answer_status.h: `tiendo status`: the national summary of one period, as text and JSON. */
#ifndef TIENDO_CLI_ANSWER_STATUS_H
#define TIENDO_CLI_ANSWER_STATUS_H

#include <stdio.h>

#include "answer.h"
#include "error.h"
#include "registry.h"
#include "tiendo.pb-c.h"

/* reg (may be NULL) is the local registry: task-group titles, indicator names and
 * targets, and the names of units the collector did not name; without it the answer shows
 * numbers and codes. Pure; thread-safe per stream (answer.h). */

/* Completeness in percent, rounded to one decimal (reported / expected * 100); -1 when
 * nothing is expected. */
double answer_status_completeness(const Tiendo__StatusSummary *s);

/* Timeliness in percent, rounded to one decimal (units_on_time / units_expected * 100);
 * -1 when nothing is expected or the collector sent no on-time count. */
double answer_status_timeliness(const Tiendo__StatusSummary *s);

/* For people: headline, provinces reported, the deadline line (left out for a collector
 * that sends none of it), the task-group table (titles cut to style->title_width, or to
 * what style's line width leaves, 16..44 columns), the nation's indicators
 * (answer_indicators_table), lagging units (at most TD_STATUS_LAGGING_MAX) and who has not
 * reported. Returns TD_OK or TD_ERR_NOMEM (the output may then be cut short). */
td_err answer_status_text(FILE *out, const Tiendo__StatusSummary *s, const td_registry_t *reg,
                          const answer_style *style);

/* The same summary as JSON (docs/cli-json.md), fields in the documented order, printed
 * with td_json_print; without reg, titles, indicator names and targets, and the names of
 * missing units are null. Returns TD_OK, TD_ERR_NOMEM (nothing printed) or TD_ERR_IO. */
td_err answer_status_json(FILE *out, const Tiendo__StatusSummary *s, const td_registry_t *reg);

#endif
