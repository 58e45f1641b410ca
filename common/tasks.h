/* tasks.h: action-plan tasks as the centre tracks them: each task's state on a date, and one
 * record per (unit, task id) that follows it across periods and revisions. */
#ifndef TIENDO_TASKS_H
#define TIENDO_TASKS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "period.h"
#include "tiendo.pb-c.h"

#define TD_TASK_HISTORY_MAX 64 /* status changes kept per task (the oldest go first) */

/* A task's state, the way the Government Office tracks assignments. */
typedef enum {
    TD_TASK_COMPLETED_ON_TIME, /* completed, on or before its deadline */
    TD_TASK_COMPLETED_LATE,    /* completed after its deadline */
    TD_TASK_IN_PROGRESS,       /* not completed, the deadline has not passed ("not yet due") */
    TD_TASK_OVERDUE,           /* not completed, the deadline has passed */
    TD_TASK_STATE__COUNT
} td_task_state;

/* The state of t on date `on` (normally today, UTC). A completed task without a readable
 * completion date counts as on time only if its deadline has not passed on `on` (the rules
 * require the date; this guards stored reports of older rules). A deadline that does not
 * parse counts as never passing. Pure. */
td_task_state td_task_state_of(const Tiendo__ActionTask *t, const td_date *on);

/* "completed_on_time", "completed_late", "in_progress", "overdue" (stable: JSON, queries). */
const char *td_task_state_name(td_task_state state);
/* The state called text: 0 with *out, or -1. */
int td_task_state_parse(const char *text, td_task_state *out);

/* Fold one reported task into the record that follows it (a Tiendo__TaskInfo keyed by
 * unit and task id, malloc-built: free with tiendo__task_info__free_unpacked).
 * *record NULL makes a new one. The record's task, period and revision become the
 * reported one's when it comes from a period that ends later than the record's (or the
 * same period, a later revision): a late revision of an old quarter does not undo what a
 * newer quarter said. Every report appends a history entry when the task's status,
 * completion date or deadline differs from the last entry (at most TD_TASK_HISTORY_MAX
 * are kept). Strings are copied. TD_ERR_NOMEM leaves *record as it was; TD_ERR_INVALID
 * for a period that does not parse. Not thread-safe per record. */
td_err td_task_fold(Tiendo__TaskInfo **record, const char *unit, const Tiendo__ActionTask *t,
                    const char *period, uint32_t revision, int64_t received_at_ms);

#endif
