/* report_json.h: reading the JSON form of a report (docs/report-format.md). */
#ifndef TIENDO_REPORT_JSON_H
#define TIENDO_REPORT_JSON_H

#include <stddef.h>

#include "error.h"
#include "reason.h"
#include "tiendo.pb-c.h"

/* Parse a JSON report of len bytes (at most TD_MAX_REPORT_JSON, nesting at most
 * TD_MAX_JSON_DEPTH). Checks shape and types and names the offending field in err
 * ("task_groups[2].progress: must be a number 0..100"), with line and column for JSON
 * syntax errors. Returns TD_OK with *out a malloc-built message (free with
 * td_report_free), TD_ERR_TOOBIG, TD_ERR_DECODE (not JSON, or bad UTF-8), TD_ERR_INVALID
 * (a field of the wrong shape) or TD_ERR_NOMEM; *out is NULL on error. Does not consult
 * the registry: call td_report_check next. The reason (why, may be NULL) keeps format and
 * arguments so the office reads it in its language (reason.h). Thread-safe. */
td_err td_report_parse(const char *text, size_t len, Tiendo__Report **out, td_reason *why);
/* The same with the English message in err. */
td_err td_report_from_json(const char *text, size_t len, Tiendo__Report **out, char *err,
                           size_t errlen);

#endif
