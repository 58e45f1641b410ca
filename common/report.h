/* report.h: a locality's report: JSON form, template, and validation rules. */
#ifndef TIENDO_REPORT_H
#define TIENDO_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "calendar.h"
#include "error.h"
#include "period.h"
#include "registry.h"
#include "tiendo.pb-c.h"

#define TD_MAX_REPORT_JSON 262144 /* bytes of JSON accepted by submit */
#define TD_MAX_JSON_DEPTH  8
#define TD_MAX_TEXT        2000 /* bytes in a note, comment or title */
#define TD_MAX_SHORT_TEXT  200  /* bytes in a name, owner, id */
#define TD_MAX_VALUES      256  /* data values per report */
#define TD_MAX_TASKS       200  /* action-plan tasks per report */

/* Parse a JSON report (docs/report-format.md). Checks shape and types and names the
 * offending field in err ("task_groups[2].progress: must be a number 0..100").
 * On success *out is a malloc-built message: free with td_report_free. Does not
 * consult the registry: call td_report_validate next. */
td_err td_report_from_json(const char *text, size_t len, Tiendo__Report **out, char *err,
                           size_t errlen);

/* The JSON form of a report (malloc'd, caller frees). NULL on no memory. */
char *td_report_to_json(const Tiendo__Report *report);

/* A skeleton to fill in: the six task groups, every catalogue data element with a
 * null value, an empty action plan (malloc'd JSON text, caller frees). */
char *td_report_template(const td_registry_t *reg, const char *unit, const char *dataset,
                         const char *period);

/* The rules both agent and collector apply: known unit (existing during the
 * period), period parses, six distinct task groups 1..6 with status and progress
 * 0..100, known data elements with finite non-negative values, bounded UTF-8 text.
 * Returns TD_OK or TD_ERR_INVALID with a human-readable reason. */
td_err td_report_validate(const Tiendo__Report *report, const td_registry_t *reg, char *reason,
                          size_t reasonlen);

/* A unit's mean progress: the mean of progress_percent over the report's task groups
 * numbered 1..TD_TASK_GROUPS (others are ignored: a stored report may predate a rule).
 * Returns 1 with *mean set, or 0 when the report has no such group. The one definition
 * the status, units and unit answers use. */
int td_report_mean_progress(const Tiendo__Report *report, double *mean);

/* Free a message from td_report_from_json (malloc-built) and NULL *report. */
void td_report_free(Tiendo__Report **report);

/* ---- Validation against the calendar ---- */

/* td_report_validate, then the rules that need the calendar and the time of arrival
 * (now, Unix seconds); the collector applies these on ingest:
 *  - the unit exists during the report's period ("unit '06' (Bắc Kạn) does not exist
 *    during 2025-Q3 (valid until 2025-06-30; successor 19)");
 *  - td_calendar_check for the report's dataset (default nq06): known dataset, a
 *    period type it takes, not in the future, not locked.
 * Returns TD_OK or TD_ERR_INVALID with a human-readable reason. */
td_err td_report_validate_at(const Tiendo__Report *report, const td_registry_t *reg,
                             const td_calendar_t *cal, int64_t now, char *reason, size_t reasonlen);

#endif
