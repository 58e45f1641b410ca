/* report_rules.h: the rules a report must meet (the agent at submit and the collector on
 * ingest apply exactly these), and the figures derived from one report. */
#ifndef TIENDO_REPORT_RULES_H
#define TIENDO_REPORT_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "calendar.h"
#include "error.h"
#include "reason.h"
#include "registry.h"
#include "tiendo.pb-c.h"

/* Every rule refuses with a td_reason (reason.h): its English text, and its format and
 * arguments so that the reader sees it in their own language (the agent at submit, the
 * office reading a REJECTED ack). The _validate forms write only the English text. */

/* The rules that need only the registry: known unit (a valid code in the registry),
 * period parses, six distinct task groups 1..TD_TASK_GROUPS with status and progress
 * 0..100, known data elements with finite non-negative values, bounded UTF-8 text,
 * action-plan tasks with their required fields. Returns TD_OK or TD_ERR_INVALID with a
 * human-readable reason naming the field. reg is borrowed; thread-safe. */
td_err td_report_check(const Tiendo__Report *report, const td_registry_t *reg, td_reason *why);
td_err td_report_validate(const Tiendo__Report *report, const td_registry_t *reg, char *reason,
                          size_t reasonlen);

/* td_report_validate, then the rules that need the calendar and the time of arrival
 * (now, Unix seconds); the collector applies these on ingest, the agent at submit:
 *  - the unit exists during the report's period ("unit '06' (Bắc Kạn) does not exist
 *    during 2025-Q3 (valid until 2025-06-30; successor 19)");
 *  - td_calendar_check for the report's dataset (default nq06): known dataset, a
 *    period type it takes, not in the future, not locked.
 * Returns TD_OK or TD_ERR_INVALID with a human-readable reason. */
td_err td_report_check_at(const Tiendo__Report *report, const td_registry_t *reg,
                          const td_calendar_t *cal, int64_t now, td_reason *why);
td_err td_report_validate_at(const Tiendo__Report *report, const td_registry_t *reg,
                             const td_calendar_t *cal, int64_t now, char *reason, size_t reasonlen);

/* A unit's mean progress: the mean of progress_percent over the report's task groups
 * numbered 1..TD_TASK_GROUPS (others are ignored: a stored report may predate a rule).
 * Returns 1 with *mean set, or 0 when the report has no such group. The one definition
 * the status, units and unit answers use. */
int td_report_mean_progress(const Tiendo__Report *report, double *mean);

#endif
