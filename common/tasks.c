/* tasks.c: task states on a date, and folding reported tasks into their records. */
#include "tasks.h"

#include <stdlib.h>
#include <string.h>

static const char *const s_names[TD_TASK_STATE__COUNT] = {
    [TD_TASK_COMPLETED_ON_TIME] = "completed_on_time",
    [TD_TASK_COMPLETED_LATE] = "completed_late",
    [TD_TASK_IN_PROGRESS] = "in_progress",
    [TD_TASK_OVERDUE] = "overdue",
};

const char *td_task_state_name(td_task_state state)
{
    return state < TD_TASK_STATE__COUNT ? s_names[state] : "unknown";
}

int td_task_state_parse(const char *text, td_task_state *out)
{
    for (int i = 0; text != NULL && i < TD_TASK_STATE__COUNT; i++) {
        if (strcmp(text, s_names[i]) == 0) {
            *out = (td_task_state) i;
            return 0;
        }
    }
    return -1;
}

td_task_state td_task_state_of(const Tiendo__ActionTask *t, const td_date *on)
{
    td_date deadline, done;
    int has_deadline = t->deadline != NULL && td_date_parse(t->deadline, &deadline) == TD_OK;
    int passed = has_deadline && td_date_compare(on, &deadline) > 0;
    if (t->has_status && t->status == TIENDO__TASK_STATUS__TASK_COMPLETED) {
        if (t->completed_on != NULL && td_date_parse(t->completed_on, &done) == TD_OK)
            return has_deadline && td_date_compare(&done, &deadline) > 0
                       ? TD_TASK_COMPLETED_LATE
                       : TD_TASK_COMPLETED_ON_TIME;
        return passed ? TD_TASK_COMPLETED_LATE : TD_TASK_COMPLETED_ON_TIME;
    }
    return passed ? TD_TASK_OVERDUE : TD_TASK_IN_PROGRESS;
}

/* A deep copy through the wire form: every string and list of the task, nothing shared. */
static Tiendo__ActionTask *s_copy_task(const Tiendo__ActionTask *t)
{
    size_t len = tiendo__action_task__get_packed_size(t);
    uint8_t *buf = malloc(len + 1);
    if (buf == NULL)
        return NULL;
    tiendo__action_task__pack(t, buf);
    Tiendo__ActionTask *copy = tiendo__action_task__unpack(NULL, len, buf);
    free(buf);
    return copy;
}

static int s_str_eq(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static char *s_dup_or_null(const char *s, int *failed)
{
    if (s == NULL)
        return NULL;
    char *d = strdup(s);
    if (d == NULL)
        *failed = 1;
    return d;
}

/* Does the report (period p, revision, received) come after the record's? */
static int s_newer(const Tiendo__TaskInfo *rec, const td_period *p, uint32_t revision,
                   int64_t received_at_ms)
{
    td_period q;
    if (rec->period == NULL || td_period_parse(rec->period, &q) != TD_OK)
        return 1;
    td_date a, b;
    td_period_span(p, NULL, &a);
    td_period_span(&q, NULL, &b);
    int c = td_date_compare(&a, &b);
    if (c != 0)
        return c > 0;
    if (p->kind == q.kind && p->index == q.index && p->year == q.year)
        return revision > rec->revision;
    return received_at_ms >= rec->reported_at_ms; /* 2026-Q4 and 2026: the later report */
}

td_err td_task_fold(Tiendo__TaskInfo **record, const char *unit, const Tiendo__ActionTask *t,
                    const char *period, uint32_t revision, int64_t received_at_ms)
{
    td_period p;
    if (period == NULL || td_period_parse(period, &p) != TD_OK)
        return TD_ERR_INVALID;
    int failed = 0;
    Tiendo__TaskInfo *rec = *record;
    Tiendo__TaskInfo *fresh = NULL;
    if (rec == NULL) {
        fresh = malloc(sizeof *fresh);
        if (fresh == NULL)
            return TD_ERR_NOMEM;
        tiendo__task_info__init(fresh);
        fresh->unit = s_dup_or_null(unit, &failed);
        if (failed) {
            tiendo__task_info__free_unpacked(fresh, NULL);
            return TD_ERR_NOMEM;
        }
        rec = fresh;
    }
    /* Build what may be needed first, so no memory failure leaves a half-changed record. */
    int newer = s_newer(rec, &p, revision, received_at_ms);
    Tiendo__ActionTask *copy = newer ? s_copy_task(t) : NULL;
    char *period_copy = newer ? s_dup_or_null(period, &failed) : NULL;
    const Tiendo__TaskChange *last = rec->n_history > 0 ? rec->history[rec->n_history - 1] : NULL;
    int changed = last == NULL || last->status != t->status ||
                  !s_str_eq(last->completed_on, t->completed_on) ||
                  !s_str_eq(last->deadline, t->deadline);
    Tiendo__TaskChange *change = NULL;
    Tiendo__TaskChange **grown = NULL;
    if (changed) {
        change = malloc(sizeof *change);
        if (change != NULL) {
            tiendo__task_change__init(change);
            change->period = s_dup_or_null(period, &failed);
            change->has_revision = change->has_received_at_ms = change->has_status = 1;
            change->revision = revision;
            change->received_at_ms = received_at_ms;
            change->status = t->status;
            change->completed_on = s_dup_or_null(t->completed_on, &failed);
            change->deadline = s_dup_or_null(t->deadline, &failed);
        }
        if (rec->n_history < TD_TASK_HISTORY_MAX)
            grown = realloc(rec->history, (rec->n_history + 1) * sizeof *grown);
        else
            grown = rec->history;
    }
    if ((newer && (copy == NULL || (period != NULL && period_copy == NULL))) ||
        (changed && (change == NULL || grown == NULL)) || failed) {
        if (copy != NULL)
            tiendo__action_task__free_unpacked(copy, NULL);
        free(period_copy);
        if (change != NULL)
            tiendo__task_change__free_unpacked(change, NULL);
        if (grown != NULL)
            rec->history = grown; /* realloc succeeded: keep it, the count is unchanged */
        if (fresh != NULL)
            tiendo__task_info__free_unpacked(fresh, NULL);
        return TD_ERR_NOMEM;
    }
    if (newer) {
        if (rec->task != NULL)
            tiendo__action_task__free_unpacked(rec->task, NULL);
        rec->task = copy;
        free(rec->period);
        rec->period = period_copy;
        rec->has_revision = rec->has_reported_at_ms = 1;
        rec->revision = revision;
        rec->reported_at_ms = received_at_ms;
    }
    if (changed) {
        rec->history = grown;
        if (rec->n_history == TD_TASK_HISTORY_MAX) {
            tiendo__task_change__free_unpacked(rec->history[0], NULL);
            memmove(rec->history, rec->history + 1, (rec->n_history - 1) * sizeof *rec->history);
            rec->n_history--;
        }
        rec->history[rec->n_history++] = change;
    }
    *record = rec;
    return TD_OK;
}
