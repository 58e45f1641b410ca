/* tasks_view.c: the task list with its filters, order and counts, and the overdue counts. */
#include "tasks_view.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "codec.h"
#include "stored.h"
#include "summary.h"
#include "tasks.h"
#include "utf8.h"

/* Room an answer keeps for its other fields and framing. */
#define S_ANSWER_SLACK (64u << 10)

/* ---- the owner filter: lower-cased code points ---- */

/* The text as lower-cased code points (towlower in C.UTF-8: the collector's own locale
 * may be "C", where towlower leaves every non-ASCII letter as it is). malloc'd; NULL when
 * out of memory. Invalid bytes become TD_UTF8_INVALID, which matches only itself. */
static uint32_t *s_lower(const char *text, size_t *n, locale_t lower)
{
    size_t len = strlen(text);
    uint32_t *cps = malloc((len + 1) * sizeof *cps);
    *n = 0;
    if (cps == NULL)
        return NULL;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += td_utf8_decode(text + i, len - i, &cp);
        if (cp != TD_UTF8_INVALID)
            cp = (uint32_t) (lower != (locale_t) 0 ? towlower_l((wint_t) cp, lower)
                                                   : towlower((wint_t) cp));
        cps[(*n)++] = cp;
    }
    return cps;
}

/* Whether needle (lower-cased) occurs in text, compared the same way. */
static int s_contains(const char *text, const uint32_t *needle, size_t nn, locale_t lower,
                      int *failed)
{
    if (text == NULL)
        return 0;
    size_t nt = 0;
    uint32_t *t = s_lower(text, &nt, lower);
    if (t == NULL) {
        *failed = 1;
        return 0;
    }
    int found = 0;
    for (size_t i = 0; !found && i + nn <= nt; i++)
        found = memcmp(t + i, needle, nn * sizeof *needle) == 0;
    free(t);
    return found;
}

/* The task a due entry describes, as td_task_state_of reads it (strings point into due). */
static void s_due_task(const store_task_due *due, Tiendo__ActionTask *t)
{
    tiendo__action_task__init(t);
    t->has_status = t->has_task_group = 1;
    t->status = due->status;
    t->task_group = due->task_group;
    t->deadline = due->deadline[0] != '\0' ? (char *) due->deadline : NULL;
    t->completed_on = due->completed_on[0] != '\0' ? (char *) due->completed_on : NULL;
}

/* ---- per unit: where it is on today's map ---- */

/* The province unit code counts under on `today` (a commune: its parent's; a merged
 * province: its successor), or NULL. */
static const td_unit *s_province_today(const td_registry_t *reg, const char *code,
                                       const td_date *today)
{
    const td_unit *u = td_registry_current(reg, code, today);
    for (int hops = 0; u != NULL && u->level == TD_LEVEL_COMMUNE && hops < 16; hops++)
        u = td_registry_current(reg, u->parent, today);
    return u != NULL && u->level == TD_LEVEL_PROVINCE ? u : NULL;
}

/* ---- the list ---- */

typedef struct {
    const td_registry_t *registry;
    store_txn *txn;
    const char *dataset;
    td_date as_of, today;
    int has_state;
    td_task_state state;
    const char *province; /* NULL: any */
    uint32_t group;       /* 0: any */
    size_t limit;         /* 0: all */
    uint32_t *owner;      /* lower-cased; NULL: any */
    size_t nowner;
    locale_t lower;
    td_arena_t *arena;
    /* the unit of the records being visited (they come unit by unit) */
    char unit[TD_CODE_MAX];
    int unit_kept;
    const char *unit_name, *unit_province;
    /* what is kept */
    Tiendo__TaskInfo **tasks;
    size_t n, cap, matched;
    size_t bytes; /* packed size of what is kept */
    uint32_t counts[TD_TASK_STATE__COUNT];
    td_err rc;
    char *reason;
    size_t reasonlen;
} s_list;

static void s_enter_unit(s_list *l, const char *unit)
{
    snprintf(l->unit, sizeof l->unit, "%s", unit);
    l->unit_kept = l->province == NULL || td_registry_within(l->registry, unit, l->province);
    const td_unit *u = td_registry_find(l->registry, unit, &l->today);
    if (u == NULL)
        u = td_registry_find(l->registry, unit, NULL);
    l->unit_name = u != NULL ? u->name : "";
    const td_unit *p = s_province_today(l->registry, unit, &l->today);
    l->unit_province = p != NULL ? p->code : "";
}

static int s_owner_matches(s_list *l, const Tiendo__ActionTask *t)
{
    int failed = 0;
    int found = s_contains(t->owner, l->owner, l->nowner, l->lower, &failed);
    for (size_t i = 0; !found && !failed && i < t->n_co_owners; i++)
        found = s_contains(t->co_owners[i], l->owner, l->nowner, l->lower, &failed);
    if (failed)
        l->rc = TD_ERR_NOMEM;
    return found;
}

/* Keep a copy of rec (decoded into the arena) with the fields the answer adds. */
static td_err s_keep(s_list *l, const Tiendo__TaskInfo *rec, td_task_state state)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        Tiendo__TaskInfo **grown = realloc(l->tasks, cap * sizeof *grown);
        if (grown == NULL)
            return TD_ERR_NOMEM;
        l->tasks = grown;
        l->cap = cap;
    }
    Tiendo__TaskInfo *copy = (Tiendo__TaskInfo *) summary_copy(&rec->base);
    if (copy == NULL)
        return TD_ERR_NOMEM;
    l->tasks[l->n++] = copy;
    free(copy->unit_name);
    free(copy->province);
    free(copy->state);
    copy->unit_name = strdup(l->unit_name);
    copy->province = strdup(l->unit_province);
    copy->state = strdup(td_task_state_name(state));
    if (copy->unit_name == NULL || copy->province == NULL || copy->state == NULL)
        return TD_ERR_NOMEM;
    l->bytes += tiendo__task_info__get_packed_size(copy) + 8;
    return TD_OK;
}

/* By province (today's map), unit, deadline (none last), id. */
static int s_cmp_task(const void *a, const void *b)
{
    const Tiendo__TaskInfo *x = *(Tiendo__TaskInfo *const *) a;
    const Tiendo__TaskInfo *y = *(Tiendo__TaskInfo *const *) b;
    int c = strcmp(x->province, y->province);
    if (c == 0)
        c = strcmp(x->unit, y->unit);
    const char *dx = x->task->deadline, *dy = y->task->deadline;
    if (c == 0 && (dx == NULL) != (dy == NULL))
        c = dx == NULL ? 1 : -1;
    if (c == 0 && dx != NULL)
        c = strcmp(dx, dy);
    if (c == 0)
        c = strcmp(x->task->id != NULL ? x->task->id : "", y->task->id != NULL ? y->task->id : "");
    return c;
}

/* Earliest deadline first (none last), then the list's order: the tasks a limit keeps. */
static int s_cmp_urgent(const void *a, const void *b)
{
    const char *dx = (*(Tiendo__TaskInfo *const *) a)->task->deadline;
    const char *dy = (*(Tiendo__TaskInfo *const *) b)->task->deadline;
    if ((dx == NULL) != (dy == NULL))
        return dx == NULL ? 1 : -1;
    int c = dx != NULL ? strcmp(dx, dy) : 0;
    return c != 0 ? c : s_cmp_task(a, b);
}

/* Of the tasks kept, keep only the l->limit most urgent (no limit: all). */
static void s_cut(s_list *l)
{
    if (l->limit == 0 || l->n <= l->limit)
        return;
    qsort(l->tasks, l->n, sizeof *l->tasks, s_cmp_urgent);
    for (size_t i = l->limit; i < l->n; i++)
        tiendo__task_info__free_unpacked(l->tasks[i], NULL);
    l->n = l->limit;
    l->bytes = 0;
    for (size_t i = 0; i < l->n; i++)
        l->bytes += tiendo__task_info__get_packed_size(l->tasks[i]) + 8;
}

static int s_on_due(void *arg, const store_task_due *due)
{
    s_list *l = arg;
    if (strcmp(due->unit, l->unit) != 0)
        s_enter_unit(l, due->unit);
    if (!l->unit_kept)
        return 0;
    /* The state and the group first, from the due entry; the record only for tasks still
     * in the running. */
    Tiendo__ActionTask task;
    s_due_task(due, &task);
    td_task_state state = td_task_state_of(&task, &l->as_of);
    if ((l->has_state && state != l->state) || (l->group != 0 && task.task_group != l->group))
        return 0;
    store_task t;
    Tiendo__TaskInfo *rec = NULL;
    td_arena_reset(l->arena);
    if ((l->rc = store_task_get(l->txn, due->dataset, due->unit, due->task_id, &t)) != TD_OK) {
        if (l->rc == TD_ERR_NOTFOUND)
            l->rc = td_fail(TD_ERR_STORE, l->reason, l->reasonlen,
                            "task %s of unit %s (dataset %s) has a due entry and no record: run "
                            "`tiendo-collector check` on the collector's store",
                            due->task_id, due->unit, due->dataset);
        return 1;
    }
    if ((l->rc = stored_task_decode(l->arena, &t, l->dataset, &rec, l->reason, l->reasonlen)) !=
        TD_OK)
        return 1;
    if (l->owner != NULL && !s_owner_matches(l, rec->task))
        return l->rc != TD_OK;
    l->matched++;
    l->counts[state]++;
    /* Past the frame, count on (the reason says how many match) but keep nothing more.
     * With a limit, keep at most twice it, cutting back to the most urgent as it fills. */
    if (l->limit == 0 && l->bytes > TD_MAX_QUERY_FRAME - S_ANSWER_SLACK)
        return 0;
    l->rc = s_keep(l, rec, state);
    if (l->rc == TD_OK && l->limit != 0 && l->n >= 2 * l->limit)
        s_cut(l);
    return l->rc != TD_OK;
}

/* The filters of q into l; TD_ERR_INVALID with reason for a bad one. */
static td_err s_filters(s_list *l, const Tiendo__TasksQuery *q)
{
    l->as_of = l->today;
    if (q->as_of != NULL && q->as_of[0] != '\0' && td_date_parse(q->as_of, &l->as_of) != TD_OK)
        return td_fail(TD_ERR_INVALID, l->reason, l->reasonlen,
                       "as-of '%s' is not a date (expected YYYY-MM-DD)", q->as_of);
    if (q->state != NULL && q->state[0] != '\0') {
        if (td_task_state_parse(q->state, &l->state) != 0)
            return td_fail(TD_ERR_INVALID, l->reason, l->reasonlen,
                           "status must be completed_on_time, completed_late, in_progress or "
                           "overdue, not '%s'",
                           q->state);
        l->has_state = 1;
    }
    if (q->province != NULL && q->province[0] != '\0') {
        if (td_registry_find(l->registry, q->province, NULL) == NULL)
            return td_fail(TD_ERR_INVALID, l->reason, l->reasonlen,
                           "province '%s' is not a unit of the registry", q->province);
        l->province = q->province;
    }
    if (q->has_group) {
        if (q->group < 1 || q->group > TD_TASK_GROUPS)
            return td_fail(TD_ERR_INVALID, l->reason, l->reasonlen,
                           "task group must be 1 to %d, not %u", TD_TASK_GROUPS, q->group);
        l->group = q->group;
    }
    l->limit = q->has_limit ? q->limit : 0;
    if (q->owner != NULL && q->owner[0] != '\0') {
        if (!td_utf8_valid_text(q->owner))
            return td_fail(TD_ERR_INVALID, l->reason, l->reasonlen,
                           "owner: the text is not valid UTF-8");
        if ((l->owner = s_lower(q->owner, &l->nowner, l->lower)) == NULL)
            return TD_ERR_NOMEM;
    }
    return TD_OK;
}

td_err tasks_view_list(store_t *store, const td_registry_t *registry, const Tiendo__TasksQuery *q,
                       int64_t now_ms, Tiendo__TaskList **out, char *reason, size_t reasonlen)
{
    *out = NULL;
    s_list l;
    memset(&l, 0, sizeof l);
    l.registry = registry;
    l.dataset = td_dataset_or_default(q->dataset);
    l.today = td_date_from_time((time_t) (now_ms / 1000));
    l.reason = reason;
    l.reasonlen = reasonlen;
    l.lower = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t) 0);
    Tiendo__TaskList *list = calloc(1, sizeof *list);
    td_err rc = list == NULL ? TD_ERR_NOMEM : s_filters(&l, q);
    if (rc == TD_OK && td_arena_open(&l.arena, 64 << 10) != TD_OK)
        rc = TD_ERR_NOMEM;
    if (rc == TD_OK) {
        store_txn txn;
        rc = store_begin(store, 1, &txn);
        if (rc == TD_OK) {
            l.txn = &txn;
            rc = store_scan_task_due(&txn, l.dataset, NULL, s_on_due, &l);
            store_abort(&txn);
        }
        if (rc == TD_OK)
            rc = l.rc;
    }
    s_cut(&l);
    if (rc == TD_OK && (l.n < (l.limit != 0 && l.limit < l.matched ? l.limit : l.matched) ||
                        l.bytes > TD_MAX_QUERY_FRAME - S_ANSWER_SLACK))
        rc = td_fail(TD_ERR_TOOBIG, reason, reasonlen,
                     "%zu tasks match: more than one answer can carry; ask for fewer with "
                     "--limit, or narrow the list with --status, --province, --group or "
                     "--owner",
                     l.matched);
    char day[16];
    if (rc == TD_OK) {
        if (l.n > 1) /* none: tasks is NULL, which qsort must not get */
            qsort(l.tasks, l.n, sizeof *l.tasks, s_cmp_task);
        tiendo__task_list__init(list);
        list->dataset = strdup(l.dataset);
        list->as_of = strdup(td_date_format(&l.as_of, day, sizeof day));
        list->tasks = l.tasks;
        list->n_tasks = l.n;
        l.tasks = NULL;
        l.n = 0;
        list->has_completed_on_time = list->has_completed_late = list->has_in_progress =
            list->has_overdue = 1;
        list->completed_on_time = l.counts[TD_TASK_COMPLETED_ON_TIME];
        list->completed_late = l.counts[TD_TASK_COMPLETED_LATE];
        list->in_progress = l.counts[TD_TASK_IN_PROGRESS];
        list->overdue = l.counts[TD_TASK_OVERDUE];
        list->has_matched = 1;
        list->matched = (uint32_t) l.matched;
        if (list->dataset == NULL || list->as_of == NULL)
            rc = TD_ERR_NOMEM;
    }
    for (size_t i = 0; i < l.n; i++)
        tiendo__task_info__free_unpacked(l.tasks[i], NULL);
    free(l.tasks);
    free(l.owner);
    td_arena_close(&l.arena);
    if (l.lower != (locale_t) 0)
        freelocale(l.lower);
    if (rc != TD_OK) {
        if (list != NULL && list->base.descriptor != NULL)
            summary_free((ProtobufCMessage **) &list);
        free(list);
        return rc;
    }
    *out = list;
    return TD_OK;
}

/* ---- overdue counts ---- */

typedef struct {
    const char *dataset;
    td_date on;
    uint32_t total;
    tasks_view_count *units; /* NULL: no per-unit counts wanted */
    size_t n, cap;
    int per_unit;
    td_err rc;
    char *reason;
    size_t reasonlen;
} s_overdue;

static int s_on_overdue(void *arg, const store_task_due *t)
{
    s_overdue *o = arg;
    Tiendo__ActionTask task;
    s_due_task(t, &task);
    if (td_task_state_of(&task, &o->on) != TD_TASK_OVERDUE)
        return 0;
    o->total++;
    if (!o->per_unit)
        return 0;
    if (o->n > 0 && strcmp(o->units[o->n - 1].unit, t->unit) == 0) {
        o->units[o->n - 1].overdue++; /* records come unit by unit */
        return 0;
    }
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 64;
        tasks_view_count *grown = realloc(o->units, cap * sizeof *grown);
        if (grown == NULL) {
            o->rc = TD_ERR_NOMEM;
            return 1;
        }
        o->units = grown;
        o->cap = cap;
    }
    snprintf(o->units[o->n].unit, sizeof o->units[o->n].unit, "%s", t->unit);
    o->units[o->n++].overdue = 1;
    return 0;
}

td_err tasks_view_overdue(store_txn *txn, const char *dataset, const char *unit, const td_date *on,
                          uint32_t *total, tasks_view_count **units, size_t *nunits, char *reason,
                          size_t reasonlen)
{
    s_overdue o;
    memset(&o, 0, sizeof o);
    o.dataset = dataset;
    o.on = *on;
    o.per_unit = units != NULL;
    o.reason = reason;
    o.reasonlen = reasonlen;
    *total = 0;
    if (units != NULL) {
        *units = NULL;
        *nunits = 0;
    }
    td_err rc = store_scan_task_due(txn, dataset, unit, s_on_overdue, &o);
    if (rc == TD_OK)
        rc = o.rc;
    if (rc != TD_OK) {
        free(o.units);
        return rc;
    }
    *total = o.total;
    if (units != NULL) {
        *units = o.units;
        *nunits = o.n;
    }
    return TD_OK;
}

static int s_count_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const tasks_view_count *) elem)->unit);
}

uint32_t tasks_view_count_of(const tasks_view_count *units, size_t n, const char *unit)
{
    const tasks_view_count *hit =
        units != NULL ? bsearch(unit, units, n, sizeof *units, s_count_cmp) : NULL;
    return hit != NULL ? hit->overdue : 0;
}
