/* answer_tasks.h: `tiendo tasks`: the localities' action-plan tasks, as a table and as JSON. */
#ifndef TIENDO_CLI_ANSWER_TASKS_H
#define TIENDO_CLI_ANSWER_TASKS_H

#include <stdio.h>

#include "answer.h"
#include "error.h"
#include "registry.h"
#include "tiendo.pb-c.h"

/* The collector chose, ordered (province, unit, deadline, id) and counted the tasks; these
 * print them as they came. reg (may be NULL) names units the collector did not name. Pure;
 * thread-safe per stream (answer.h). */

/* A state as people read it: "completed on time", "completed late", "in progress",
 * "overdue" for the four words of common/tasks.h; any other word with '_' read as ' ';
 * "—" for NULL or "" (in the reader's language: "hoàn thành đúng hạn" ...). buf needs
 * 48 bytes; returns buf. */
char *answer_task_state_text(const char *state, char *buf, size_t len);

/* For people: "Action-plan tasks, dataset D, as of YYYY-MM-DD", the counts line
 * ("completed on time 1 · completed late 1 · in progress (not yet due) 1 · overdue 1",
 * the counts the collector sent), then one row per task: unit (code and name, 24 columns
 * at most), ID, title (cut to what the line leaves, 12..48 columns), lead owner (20 at
 * most), deadline, state in words (answer_task_state_text; overdue red and completed late
 * yellow with colours), completed on ("—" when not completed); then "N tasks". "No
 * action-plan task matches." for an empty list. Returns TD_OK or TD_ERR_NOMEM. */
td_err answer_tasks_text(FILE *out, const Tiendo__TaskList *list, const td_registry_t *reg,
                         const answer_style *style);

/* {"dataset","as_of","counts":{"completed_on_time","completed_late","in_progress",
 * "overdue"},"tasks":[{"unit","unit_name","province","id","title","task_group","owner",
 * "co_owners","deadline","status","completed_on","expected_result","state","period",
 * "revision","reported_at","history":[{"period","revision","received_at","status",
 * "completed_on","deadline"}]}]} (docs/cli-json.md), with td_json_print. Returns TD_OK,
 * TD_ERR_NOMEM (nothing printed) or TD_ERR_IO. */
td_err answer_tasks_json(FILE *out, const Tiendo__TaskList *list, const td_registry_t *reg);

#endif
