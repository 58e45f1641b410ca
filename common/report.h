/* report.h: a locality's report: the bounds and words its modules share. The report's
 * JSON form is read by report_json, written by report_write and checked by report_rules;
 * this header includes all three, so "report.h" is the one include a program needs. */
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
#define TD_MAX_CO_OWNERS   10   /* co-owners of one action-plan task */

#define TD_REPORT_QUOTE_MAX 40  /* bytes of a user's value echoed in a message */
#define TD_REPORT_PATH_MAX  192 /* a field path in a message: "action_plan[12].deadline" */
/* prepared_at must fall within the years periods may use. */
#define TD_REPORT_TIME_MIN  INT64_C(946684800)  /* 2000-01-01T00:00:00Z */
#define TD_REPORT_TIME_MAX  INT64_C(4133980800) /* 2101-01-01T00:00:00Z */
#define TD_TASK_STATUS_HELP "must be one of not_started, in_progress, completed"
#define TD_PERIOD_HELP      "(expected e.g. 2026-Q3, 2026-M07, 2026-H2, 2026-9M, 2026)"

/* "not_started", "in_progress", "completed" (the JSON words, stable); NULL for a value
 * outside the enum. */
const char *td_task_status_name(Tiendo__TaskStatus status);
/* The status called text (one of the words above): 0 with *out set, or -1. */
int td_task_status_parse(const char *text, Tiendo__TaskStatus *out);

/* A bounded, printable copy of srclen bytes of src for an error message, in dst (dstlen
 * bytes, at least 8): the text may come from a hostile peer, so control bytes (and every
 * non-ASCII byte of invalid UTF-8) become '?', and text past TD_REPORT_QUOTE_MAX bytes is
 * cut on a character boundary with "...". Returns dst. */
const char *td_report_quote(char *dst, size_t dstlen, const char *src, size_t srclen);

/* Free a report built by td_report_from_json or unpacked with the default allocator, and
 * NULL *report; accepts NULL. */
void td_report_free(Tiendo__Report **report);

#include "report_json.h"
#include "report_rules.h"
#include "report_write.h"

#endif
