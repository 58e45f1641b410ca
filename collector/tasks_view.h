/* tasks_view.h: the action-plan task answers: `tiendo tasks` (TaskList) and the overdue
 * counts that status and the unit rows carry. */
#ifndef TIENDO_TASKS_VIEW_H
#define TIENDO_TASKS_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "period.h"
#include "registry.h"
#include "store.h"
#include "tiendo.pb-c.h"

/* Both read the tasks tables (store.h) of one dataset in one pass over its due entries;
 * the list decodes the records it keeps through stored.h: a record that does not decode
 * refuses the answer (TD_ERR_STORE, reason naming it). Registry borrowed. Not
 * thread-safe beyond the store's rules. */

/* The tasks of q (docs/cli.md, "tasks"): states on q->as_of (default: today, UTC, from
 * now_ms), kept when they match every filter given: state (td_task_state_parse), province
 * (tasks of units within it, td_registry_within), group (1..TD_TASK_GROUPS), owner (text
 * found in the lead owner or a co-owner, comparing lower-cased code points, Vietnamese
 * letters included). Sorted by province (today's map), unit, deadline (none last), id;
 * each with its unit's name and province; counts by state over the tasks listed.
 * Malloc-built *out for summary_free. TD_ERR_INVALID (reason says which filter is wrong);
 * TD_ERR_TOOBIG when the tasks that match would not fit one answer (reason says how many
 * and which filters narrow it); TD_ERR_NOMEM; TD_ERR_STORE; the store's errors. */
td_err tasks_view_list(store_t *store, const td_registry_t *registry, const Tiendo__TasksQuery *q,
                       int64_t now_ms, Tiendo__TaskList **out, char *reason, size_t reasonlen);

/* Overdue tasks of one unit (in a per-unit count). */
typedef struct {
    char unit[TD_CODE_MAX];
    uint32_t overdue;
} tasks_view_count;

/* Count the tasks of dataset (of every unit, or of unit when not NULL) overdue on date
 * `on`, in txn: *total, and when units is not NULL a malloc'd array in *units (*nunits
 * entries, free it) of the units with any, in code order (bsearch it by unit). One pass
 * over the dataset's due entries (store_scan_task_due: 22 bytes a task, no record
 * decoded). TD_ERR_NOMEM, TD_ERR_STORE, the store's errors. */
td_err tasks_view_overdue(store_txn *txn, const char *dataset, const char *unit, const td_date *on,
                          uint32_t *total, tasks_view_count **units, size_t *nunits, char *reason,
                          size_t reasonlen);

/* The count of unit in units (tasks_view_overdue's array), 0 when it is not there. */
uint32_t tasks_view_count_of(const tasks_view_count *units, size_t n, const char *unit);

#endif
