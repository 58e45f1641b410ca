/* views.c: indicators by province, unit lists and unit detail from one read transaction. */
#include "views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "codec.h"
#include "keys.h"
#include "report.h"
#include "rollup.h"
#include "stored.h"
#include "summary.h"
#include "tasks_view.h"

/* The latest revision of one unit of the period, copied out of the transaction. */
typedef struct {
    char unit[TD_CODE_MAX];
    uint32_t revision;
    int64_t first_received_ms, received_ms;
    uint8_t *bytes;
    size_t len;
} s_latest;

typedef struct {
    s_latest *items;
    size_t n, cap;
    td_err rc;
    tasks_view_count *overdue; /* overdue tasks today per unit (s_load with_tasks) */
    size_t noverdue;
} s_latest_set;

static int s_collect(void *arg, const char *unit, uint32_t revision, const store_origin *origin,
                     int64_t first_received_ms, const uint8_t *bytes, size_t len)
{
    s_latest_set *set = arg;
    if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 64;
        s_latest *grown = realloc(set->items, cap * sizeof *grown);
        if (grown == NULL) {
            set->rc = TD_ERR_NOMEM;
            return 1;
        }
        set->items = grown;
        set->cap = cap;
    }
    s_latest *l = &set->items[set->n];
    snprintf(l->unit, sizeof l->unit, "%s", unit);
    l->revision = revision;
    l->first_received_ms = first_received_ms;
    l->received_ms = origin->received_at_ms;
    l->len = len;
    l->bytes = malloc(len ? len : 1);
    if (l->bytes == NULL) {
        set->rc = TD_ERR_NOMEM;
        return 1;
    }
    memcpy(l->bytes, bytes, len);
    set->n++;
    return 0;
}

static void s_latest_free(s_latest_set *set)
{
    for (size_t i = 0; i < set->n; i++)
        free(set->items[i].bytes);
    free(set->items);
    free(set->overdue);
    memset(set, 0, sizeof *set);
}

/* What a load reads besides the latest reports: with_tasks, the tasks overdue on `today`
 * (of every unit, or of unit when not NULL), in the same transaction. */
typedef struct {
    int with_tasks;
    const char *unit;
    td_date today;
    char *reason;
    size_t reasonlen;
} s_load_tasks;

/* Read every latest report of (dataset, period): in unit-code order (the key order). */
static td_err s_load(store_t *store, const char *dataset, const td_period *p, s_latest_set *set,
                     const s_load_tasks *tasks)
{
    memset(set, 0, sizeof *set);
    store_txn txn;
    td_err rc = store_begin(store, 1, &txn);
    if (rc != TD_OK)
        return rc;
    rc = store_scan_latest(&txn, dataset, p, s_collect, set);
    if (rc == TD_OK)
        rc = set->rc;
    uint32_t total = 0;
    if (rc == TD_OK && tasks != NULL && tasks->with_tasks)
        rc = tasks_view_overdue(&txn, dataset, tasks->unit, &tasks->today, &total, &set->overdue,
                                &set->noverdue, tasks->reason, tasks->reasonlen);
    store_abort(&txn);
    if (rc != TD_OK)
        s_latest_free(set);
    return rc;
}

static const s_latest *s_find(const s_latest_set *set, const char *code)
{
    size_t lo = 0, hi = set->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(set->items[mid].unit, code);
        if (c == 0)
            return &set->items[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The latest report l of unit l->unit, decoded into arena (stored_report_decode: a record
 * that does not decode refuses the answer, reason naming it). */
static td_err s_decode(td_arena_t *arena, const s_latest *l, const char *ds, const td_period *p,
                       Tiendo__Report **out, char *reason, size_t reasonlen)
{
    stored_report_name name = {ds, p, l->unit, l->revision};
    return stored_report_decode(arena, l->bytes, l->len, &name, out, reason, reasonlen);
}

static td_err s_args(const char *dataset, const char *period, td_period *p, const char **ds,
                     char *reason, size_t reasonlen)
{
    if (period == NULL || td_period_parse(period, p) != TD_OK) {
        td_msg(reason, reasonlen,
               "'%s' is not a period (expected e.g. 2026-Q3, 2026-M07, 2026-H2, 2026-9M, 2026)",
               period != NULL ? period : "");
        return TD_ERR_INVALID;
    }
    *ds = td_dataset_or_default(dataset);
    return TD_OK;
}

static const char *s_level_name(td_unit_level level)
{
    switch (level) {
    case TD_LEVEL_NATION:
        return "nation";
    case TD_LEVEL_PROVINCE:
        return "province";
    case TD_LEVEL_COMMUNE:
        return "commune";
    default:
        return "ministry";
    }
}

/* ---- indicators ---- */

td_err views_indicators(store_t *store, const td_registry_t *registry, const char *dataset,
                        const char *period, const char *level, Tiendo__IndicatorTable **out,
                        char *reason, size_t reasonlen)
{
    *out = NULL;
    td_period p;
    const char *ds;
    td_err rc = s_args(dataset, period, &p, &ds, reason, reasonlen);
    if (rc != TD_OK)
        return rc;
    int by_province = level != NULL && strcmp(level, "province") == 0;
    if (level != NULL && level[0] != '\0' && !by_province && strcmp(level, "nation") != 0) {
        return td_fail(TD_ERR_INVALID, reason, reasonlen,
                       "level must be nation or province, not '%s'", level);
    }
    /* Today's map, so provinces compare across the merger (docs/data.md); the nation is
     * the same on any map. */
    td_date today = td_date_from_time(time(NULL));
    td_rollup_t *rollup = NULL;
    s_latest_set set;
    memset(&set, 0, sizeof set);
    Tiendo__IndicatorTable *table = calloc(1, sizeof *table);
    td_arena_t *arena = NULL;
    if (table == NULL || td_arena_open(&arena, 256 << 10) != TD_OK) {
        rc = TD_ERR_NOMEM;
        goto done;
    }
    tiendo__indicator_table__init(table);
    if ((rc = td_rollup_open(&rollup, registry, &p, &today)) != TD_OK ||
        (rc = s_load(store, ds, &p, &set, NULL)) != TD_OK)
        goto done;
    for (size_t i = 0; i < set.n; i++) {
        Tiendo__Report *r = NULL;
        td_arena_reset(arena);
        if ((rc = s_decode(arena, &set.items[i], ds, &p, &r, reason, reasonlen)) != TD_OK)
            goto done;
        /* a unit outside the period's tree is counted nowhere (rollup.h) */
        if (td_rollup_add(rollup, set.items[i].unit, r, set.items[i].first_received_ms) ==
            TD_ERR_NOMEM) {
            rc = TD_ERR_NOMEM;
            goto done;
        }
    }
    const td_unit *const *map = NULL;
    size_t nmap = by_province ? td_rollup_map_units(rollup, &map) : 0;
    table->dataset = strdup(ds);
    char buf[TD_PERIOD_TEXT_MAX];
    table->period = strdup(td_period_format(&p, buf, sizeof buf));
    table->level = strdup(by_province ? "province" : "nation");
    table->scopes = calloc(nmap + 2, sizeof *table->scopes);
    if (table->dataset == NULL || table->period == NULL || table->level == NULL ||
        table->scopes == NULL) {
        rc = TD_ERR_NOMEM;
        goto done;
    }
    for (size_t k = 0; k <= nmap; k++) { /* the nation first, then the map in code order */
        Tiendo__IndicatorScope *scope = malloc(sizeof *scope);
        if (scope == NULL) {
            rc = TD_ERR_NOMEM;
            goto done;
        }
        tiendo__indicator_scope__init(scope);
        table->scopes[table->n_scopes++] = scope;
        const char *code = k == 0 ? "VN" : map[k - 1]->code;
        scope->scope = strdup(code);
        scope->name = strdup(k == 0 ? "Việt Nam" : map[k - 1]->name);
        scope->has_reports = 1;
        scope->reports = td_rollup_reports(rollup, code);
        if (scope->scope == NULL || scope->name == NULL) {
            rc = TD_ERR_NOMEM;
            goto done;
        }
        if ((rc = summary_indicator_values(registry, rollup, code, &scope->values,
                                           &scope->n_values)) != TD_OK)
            goto done;
    }
    *out = table;
    table = NULL;
done:
    s_latest_free(&set);
    summary_free((ProtobufCMessage **) &table);
    td_rollup_close(&rollup);
    td_arena_close(&arena);
    return rc;
}

/* ---- units ---- */

/* What every row of one answer shares. */
typedef struct {
    const td_calendar_t *calendar;
    const char *dataset;
    const td_period *period;
    int64_t now;
    td_arena_t *arena; /* decoded reports, reset per row */
    char *reason;      /* why a row failed, for the answer */
    size_t reasonlen;
    const td_rollup_t *reporting; /* who reported (s_reporting): the merger rule */
} s_rows;

/* The period's tree with every latest report of set added without its values: only who
 * reported and when, what the rows' statuses need (summary_unit_reporting), with no
 * report decoded. */
static td_err s_reporting(const td_registry_t *registry, const td_period *p,
                          const s_latest_set *set, td_rollup_t **out)
{
    td_err rc = td_rollup_open(out, registry, p, NULL);
    Tiendo__Report no_values = TIENDO__REPORT__INIT;
    for (size_t i = 0; rc == TD_OK && i < set->n; i++) {
        rc = td_rollup_add(*out, set->items[i].unit, &no_values, set->items[i].first_received_ms);
        if (rc != TD_ERR_NOMEM)
            rc = TD_OK; /* outside the tree: it reports for nobody else */
    }
    if (rc != TD_OK)
        td_rollup_close(out);
    return rc;
}

/* Fill a row for unit u from its latest report (NULL when not reported) and the
 * overdue tasks of set. */
static td_err s_row(Tiendo__UnitRow *row, const td_unit *u, const s_latest_set *set,
                    const s_rows *rows)
{
    const s_latest *l = s_find(set, u->code);
    tiendo__unit_row__init(row);
    row->has_tasks_overdue = 1;
    row->tasks_overdue = tasks_view_count_of(set->overdue, set->noverdue, u->code);
    row->unit = strdup(u->code);
    row->name = strdup(u->name);
    row->level = strdup(s_level_name(u->level));
    row->parent = strdup(u->parent);
    summary_reporting how;
    summary_unit_reporting(rows->reporting, u->code, l != NULL,
                           l != NULL ? l->first_received_ms : 0, &how);
    td_report_status status =
        td_calendar_status(rows->calendar, rows->dataset, rows->period,
                           how.reported ? how.first_received_ms / 1000 : -1, rows->now);
    row->status = strdup(td_calendar_status_name(status));
    if (row->unit == NULL || row->name == NULL || row->level == NULL || row->parent == NULL ||
        row->status == NULL)
        return TD_ERR_NOMEM;
    if (l == NULL)
        return TD_OK;
    row->has_revision = row->has_first_received_at_ms = row->has_received_at_ms = 1;
    row->revision = l->revision;
    row->first_received_at_ms = l->first_received_ms;
    row->received_at_ms = l->received_ms;
    Tiendo__Report *r = NULL;
    td_arena_reset(rows->arena);
    td_err rc =
        s_decode(rows->arena, l, rows->dataset, rows->period, &r, rows->reason, rows->reasonlen);
    if (rc != TD_OK)
        return rc;
    row->has_mean_progress_percent =
        (protobuf_c_boolean) td_report_mean_progress(r, &row->mean_progress_percent);
    row->task_groups = calloc(r->n_task_groups + 1, sizeof *row->task_groups);
    if (row->task_groups == NULL)
        return TD_ERR_NOMEM;
    for (size_t g = 0; g < r->n_task_groups; g++) {
        row->task_groups[g] = (Tiendo__TaskGroupProgress *) summary_copy(&r->task_groups[g]->base);
        if (row->task_groups[g] == NULL)
            return TD_ERR_NOMEM;
        row->n_task_groups++;
    }
    return TD_OK;
}

td_err views_units(store_t *store, const td_registry_t *registry, const td_calendar_t *calendar,
                   const char *dataset, const char *period, const char *province, int overdue_only,
                   Tiendo__UnitList **out, char *reason, size_t reasonlen)
{
    *out = NULL;
    td_period p;
    const char *ds;
    td_err rc = s_args(dataset, period, &p, &ds, reason, reasonlen);
    if (rc != TD_OK)
        return rc;
    const td_unit *all;
    size_t nall = td_registry_units(registry, &all);
    const td_unit **rows = calloc(nall + 1, sizeof *rows);
    size_t nrows = 0;
    if (rows == NULL)
        return TD_ERR_NOMEM;
    if (province != NULL && province[0] != '\0') {
        const td_unit *prov = td_registry_find_during(registry, province, &p);
        if (prov == NULL || prov->level != TD_LEVEL_PROVINCE) {
            free(rows);
            return td_fail(TD_ERR_INVALID, reason, reasonlen, "'%s' is not a province during %s",
                           province, period);
        }
        rows[nrows++] = prov;
        for (size_t i = 0; i < nall; i++)
            if (strcmp(all[i].parent, province) == 0 &&
                td_registry_find_during(registry, all[i].code, &p) == &all[i])
                rows[nrows++] = &all[i];
    } else {
        nrows = td_registry_expected(registry, &p, rows, nall + 1);
    }
    s_latest_set set;
    td_rollup_t *reporting = NULL;
    s_rows shared = {calendar, ds, &p, (int64_t) time(NULL), NULL, reason, reasonlen, NULL};
    s_load_tasks tasks = {1, NULL, td_date_from_time((time_t) shared.now), reason, reasonlen};
    Tiendo__UnitList *list = calloc(1, sizeof *list);
    if (list == NULL || td_arena_open(&shared.arena, 64 << 10) != TD_OK ||
        (rc = s_load(store, ds, &p, &set, &tasks)) != TD_OK) {
        free(rows);
        free(list);
        td_arena_close(&shared.arena);
        return rc != TD_OK ? rc : TD_ERR_NOMEM;
    }
    rc = s_reporting(registry, &p, &set, &reporting);
    shared.reporting = reporting;
    tiendo__unit_list__init(list);
    char buf[16];
    td_date deadline = td_calendar_deadline(calendar, ds, &p);
    list->dataset = strdup(ds);
    list->period = strdup(td_period_format(&p, buf, sizeof buf));
    list->deadline = strdup(td_date_format(&deadline, buf, sizeof buf));
    list->units = calloc(nrows + 1, sizeof *list->units);
    if (rc == TD_OK && (list->dataset == NULL || list->period == NULL || list->deadline == NULL ||
                        list->units == NULL))
        rc = TD_ERR_NOMEM;
    for (size_t i = 0; i < nrows && rc == TD_OK; i++) {
        Tiendo__UnitRow *row = malloc(sizeof *row);
        if (row == NULL) {
            rc = TD_ERR_NOMEM;
            break;
        }
        rc = s_row(row, rows[i], &set, &shared);
        int keep = !overdue_only || (row->status != NULL && (strcmp(row->status, "late") == 0 ||
                                                             strcmp(row->status, "overdue") == 0));
        if (keep || rc != TD_OK)
            list->units[list->n_units++] = row;
        else
            summary_free((ProtobufCMessage **) &row);
    }
    s_latest_free(&set);
    td_rollup_close(&reporting);
    td_arena_close(&shared.arena);
    free(rows);
    if (rc != TD_OK) {
        summary_free((ProtobufCMessage **) &list);
        return rc;
    }
    *out = list;
    return TD_OK;
}

/* ---- one unit ---- */

typedef struct {
    Tiendo__UnitDetail *detail;
    size_t cap;
    const s_rows *shared;
    const char *unit;
    td_err rc;
} s_history;

static int s_on_revision(void *arg, const store_revision *rev)
{
    s_history *h = arg;
    const store_origin *origin = &rev->origin;
    Tiendo__UnitDetail *d = h->detail;
    if (d->n_history == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 8;
        Tiendo__RevisionInfo **grown = realloc(d->history, cap * sizeof *grown);
        if (grown == NULL) {
            h->rc = TD_ERR_NOMEM;
            return 1;
        }
        d->history = grown;
        h->cap = cap;
    }
    Tiendo__RevisionInfo *ri = malloc(sizeof *ri);
    char *key = malloc(TD_Z85_KEY_LEN + 1);
    if (ri == NULL || key == NULL) {
        free(ri);
        free(key);
        h->rc = TD_ERR_NOMEM;
        return 1;
    }
    tiendo__revision_info__init(ri);
    d->history[d->n_history++] = ri;
    zmq_z85_encode(key, origin->agent, STORE_KEY_BYTES);
    ri->agent_key = key;
    ri->has_revision = ri->has_received_at_ms = ri->has_epoch = ri->has_seq = 1;
    ri->revision = rev->revision;
    ri->received_at_ms = origin->received_at_ms;
    ri->epoch = origin->epoch;
    ri->seq = origin->seq;
    const s_rows *shared = h->shared;
    stored_report_name name = {shared->dataset, shared->period, h->unit, rev->revision};
    Tiendo__Report *r = NULL;
    td_arena_reset(shared->arena);
    h->rc = stored_report_decode(shared->arena, rev->report, rev->report_len, &name, &r,
                                 shared->reason, shared->reasonlen);
    if (h->rc != TD_OK)
        return 1;
    ri->prepared_by = r->prepared_by != NULL ? strdup(r->prepared_by) : NULL;
    ri->has_prepared_at = r->has_prepared_at;
    ri->prepared_at = r->prepared_at;
    if (r->prepared_by != NULL && ri->prepared_by == NULL) {
        h->rc = TD_ERR_NOMEM;
        return 1;
    }
    return 0;
}

td_err views_unit(store_t *store, const td_registry_t *registry, const td_calendar_t *calendar,
                  const char *dataset, const char *period, const char *unit,
                  Tiendo__UnitDetail **out, char *reason, size_t reasonlen)
{
    *out = NULL;
    td_period p;
    const char *ds;
    td_err rc = s_args(dataset, period, &p, &ds, reason, reasonlen);
    if (rc != TD_OK)
        return rc;
    const td_unit *u = unit != NULL ? td_registry_find_during(registry, unit, &p) : NULL;
    if (u == NULL && unit != NULL)
        u = td_registry_find(registry, unit, NULL);
    if (u == NULL) {
        return td_fail(TD_ERR_INVALID, reason, reasonlen, "unit '%s' is not in the registry",
                       unit ? unit : "");
    }
    s_rows shared = {calendar, ds, &p, (int64_t) time(NULL), NULL, reason, reasonlen, NULL};
    td_rollup_t *reporting = NULL;
    Tiendo__UnitDetail *d = calloc(1, sizeof *d);
    if (d == NULL || td_arena_open(&shared.arena, 64 << 10) != TD_OK) {
        free(d);
        return TD_ERR_NOMEM;
    }
    tiendo__unit_detail__init(d);
    s_history h = {d, 0, &shared, u->code, TD_OK};
    store_txn txn;
    rc = store_begin(store, 1, &txn);
    s_latest_set set;
    memset(&set, 0, sizeof set);
    if (rc == TD_OK) {
        rc = store_scan_unit_revisions(&txn, ds, &p, u->code, s_on_revision, &h);
        store_abort(&txn);
    }
    if (rc == TD_OK)
        rc = h.rc;
    s_load_tasks tasks = {1, u->code, td_date_from_time((time_t) shared.now), reason, reasonlen};
    if (rc == TD_OK)
        rc = s_load(store, ds, &p, &set, &tasks);
    if (rc == TD_OK && (rc = s_reporting(registry, &p, &set, &reporting)) == TD_OK) {
        shared.reporting = reporting;
        const s_latest *l = s_find(&set, u->code);
        d->row = malloc(sizeof *d->row);
        rc = d->row == NULL ? TD_ERR_NOMEM : s_row(d->row, u, &set, &shared);
        Tiendo__Report *r = NULL;
        if (rc == TD_OK && l != NULL &&
            (rc = s_decode(shared.arena, l, ds, &p, &r, reason, reasonlen)) == TD_OK &&
            (d->report = (Tiendo__Report *) summary_copy(&r->base)) == NULL)
            rc = TD_ERR_NOMEM;
        char buf[16];
        if (td_date_is_set(&u->valid_from))
            d->valid_from = strdup(td_date_format(&u->valid_from, buf, sizeof buf));
        if (td_date_is_set(&u->valid_to))
            d->valid_to = strdup(td_date_format(&u->valid_to, buf, sizeof buf));
        if (u->successor[0] != '\0')
            d->successor = strdup(u->successor);
    }
    s_latest_free(&set);
    td_rollup_close(&reporting);
    td_arena_close(&shared.arena);
    if (rc != TD_OK) {
        summary_free((ProtobufCMessage **) &d);
        return rc;
    }
    *out = d;
    return TD_OK;
}
