/* store_tasks.c: the tasks tables (docs/architecture.md, "Storage layout"): each reported
 * action-plan task folded into its record and due entry, the scans, and the rebuild from
 * the revisions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "calendar.h"
#include "codec.h"
#include "log.h"
#include "mdb_error.h"
#include "registry.h"
#include "store_private.h"
#include "tasks.h"

#define S_ID_MAX     255 /* bytes of a task id in a key (the rules: 200) */
#define S_KEY_MAX    (16 + 1 + TD_CODE_MAX + S_ID_MAX)
#define S_RECORD_MAX ((size_t) 1 << 20) /* far above 64 history entries of full-size tasks */

/* dataset \0 unit \0 task id (no terminator: the id ends the key). 0 when a part is too
 * long for the layout (never after td_report_validate). */
static size_t s_key(uint8_t *key, const char *dataset, const char *unit, const char *id)
{
    size_t d = strnlen(dataset, 17), u = strnlen(unit, TD_CODE_MAX), i = strnlen(id, S_ID_MAX + 1);
    if (d > 16 || u >= TD_CODE_MAX || i > S_ID_MAX)
        return 0;
    memcpy(key, dataset, d);
    key[d] = 0;
    memcpy(key + d + 1, unit, u);
    key[d + 1 + u] = 0;
    memcpy(key + d + 2 + u, id, i);
    return d + 2 + u + i;
}

/* The due entry of a record's task: status(1) group(1) deadline(10) completed_on(10), a
 * date of another length than YYYY-MM-DD's kept as zeros (td_date_parse reads no other). */
#define S_DUE_BYTES 22

static void s_due_date(char to[11], const char *date)
{
    memset(to, 0, 11);
    if (date != NULL && strlen(date) == 10)
        memcpy(to, date, 10);
}

void store_task_due_of(const Tiendo__ActionTask *t, store_task_due *out)
{
    memset(out, 0, sizeof *out);
    out->status = t->has_status && t->status >= 0 && t->status < 256 ? t->status : 0;
    out->task_group = t->has_task_group && t->task_group < 256 ? t->task_group : 0;
    s_due_date(out->deadline, t->deadline);
    s_due_date(out->completed_on, t->completed_on);
}

static void s_due_value(uint8_t v[S_DUE_BYTES], const Tiendo__ActionTask *t)
{
    store_task_due d;
    store_task_due_of(t, &d);
    v[0] = (uint8_t) d.status;
    v[1] = (uint8_t) d.task_group;
    memcpy(v + 2, d.deadline, 10);
    memcpy(v + 12, d.completed_on, 10);
}

/* Fold one task into its record: read, td_task_fold, write back with its due entry. */
static td_err s_fold_one(store_txn *txn, const char *dataset, const char *unit,
                         const Tiendo__ActionTask *t, const char *period, uint32_t revision,
                         int64_t received_at_ms)
{
    uint8_t k[S_KEY_MAX];
    size_t klen = t->id != NULL && t->id[0] != '\0' ? s_key(k, dataset, unit, t->id) : 0;
    if (klen == 0) {
        td_warn("unit %s (dataset %s): a task without an id that fits the store is not followed",
                unit, dataset);
        return TD_OK;
    }
    MDB_val key = {klen, k}, val;
    Tiendo__TaskInfo *rec = NULL;
    int rc = mdb_get(txn->txn, txn->store->tasks, &key, &val);
    if (rc == 0) {
        /* td_task_fold frees and grows the record's parts with malloc: a record it can
         * change is unpacked with the default allocator, bounded by its length. */
        if (val.mv_size <= S_RECORD_MAX)
            rec = tiendo__task_info__unpack(NULL, val.mv_size, val.mv_data);
        if (rec == NULL)
            td_error("task %s of unit %s (dataset %s): its stored record does not decode; it "
                     "starts again from this report (run `tiendo-collector check`)",
                     t->id, unit, dataset);
    } else if (rc != MDB_NOTFOUND) {
        return td_err_from_mdb(rc);
    }
    td_err folded = td_task_fold(&rec, unit, t, period, revision, received_at_ms);
    if (folded != TD_OK) {
        if (rec != NULL)
            tiendo__task_info__free_unpacked(rec, NULL);
        return folded;
    }
    MDB_val out = {tiendo__task_info__get_packed_size(rec), NULL};
    rc = mdb_put(txn->txn, txn->store->tasks, &key, &out, MDB_RESERVE);
    if (rc == 0)
        tiendo__task_info__pack(rec, out.mv_data);
    uint8_t due[S_DUE_BYTES];
    s_due_value(due, rec->task);
    tiendo__task_info__free_unpacked(rec, NULL);
    MDB_val due_val = {sizeof due, due};
    if (rc == 0)
        rc = mdb_put(txn->txn, txn->store->tasks_due, &key, &due_val, 0);
    return td_err_from_mdb(rc);
}

td_err store_tasks_fold(store_txn *txn, const Tiendo__Report *report, uint32_t revision,
                        int64_t received_at_ms)
{
    if (report->n_action_plan == 0)
        return TD_OK;
    if (!txn->store->has_tasks)
        return TD_ERR_PERMISSION; /* a schema 1 or 2 store opened read-only */
    td_period p;
    if (report->unit == NULL || report->period == NULL ||
        td_period_parse(report->period, &p) != TD_OK)
        return TD_ERR_INVALID;
    char period[TD_PERIOD_TEXT_MAX];
    td_period_format(&p, period, sizeof period);
    const char *dataset = td_dataset_or_default(report->dataset);
    for (size_t i = 0; i < report->n_action_plan; i++) {
        if (report->action_plan[i] == NULL)
            continue;
        td_err rc = s_fold_one(txn, dataset, report->unit, report->action_plan[i], period, revision,
                               received_at_ms);
        if (rc != TD_OK)
            return rc;
    }
    return TD_OK;
}

/* ---- scans ---- */

typedef struct {
    store_task_fn fn;
    void *ctx;
} s_task_walk;

/* A key's three parts, copied out NUL-terminated. */
typedef struct {
    char dataset[17], unit[TD_CODE_MAX], id[S_ID_MAX + 1];
} s_key_parts;

/* dataset \0 unit \0 id; -1 for a key of another shape */
static int s_key_parse(const MDB_val *key, s_key_parts *out)
{
    const uint8_t *k = key->mv_data, *end = k + key->mv_size;
    if (key->mv_size > S_KEY_MAX)
        return -1;
    const uint8_t *d_end = memchr(k, 0, key->mv_size);
    const uint8_t *u_end = d_end != NULL ? memchr(d_end + 1, 0, (size_t) (end - d_end - 1)) : NULL;
    if (d_end == NULL || u_end == NULL || d_end - k > 16 || u_end == d_end + 1 ||
        u_end - d_end - 1 >= TD_CODE_MAX)
        return -1;
    size_t dlen = (size_t) (d_end - k), ulen = (size_t) (u_end - d_end - 1),
           ilen = (size_t) (end - u_end - 1);
    memcpy(out->dataset, k, dlen);
    out->dataset[dlen] = '\0';
    memcpy(out->unit, d_end + 1, ulen);
    out->unit[ulen] = '\0';
    memcpy(out->id, u_end + 1, ilen);
    out->id[ilen] = '\0';
    return 0;
}

static int s_task_visit(void *vctx, const MDB_val *key, const MDB_val *val)
{
    s_task_walk *w = vctx;
    s_key_parts kp;
    if (s_key_parse(key, &kp) != 0)
        return TD_ERR_STORE;
    store_task t = {kp.dataset, kp.unit, kp.id, val->mv_data, val->mv_size};
    return w->fn(w->ctx, &t) != 0 ? STORE_WALK_STOP : 0;
}

typedef struct {
    store_task_due_fn fn;
    void *ctx;
} s_due_walk;

static int s_due_visit(void *vctx, const MDB_val *key, const MDB_val *val)
{
    s_due_walk *w = vctx;
    s_key_parts kp;
    if (s_key_parse(key, &kp) != 0 || val->mv_size != S_DUE_BYTES)
        return TD_ERR_STORE;
    const uint8_t *v = val->mv_data;
    store_task_due d = {kp.dataset, kp.unit, kp.id, (Tiendo__TaskStatus) v[0], v[1], "", ""};
    if (v[2] != 0)
        memcpy(d.deadline, v + 2, 10);
    if (v[12] != 0)
        memcpy(d.completed_on, v + 12, 10);
    return w->fn(w->ctx, &d) != 0 ? STORE_WALK_STOP : 0;
}

/* The prefix of a scan: dataset \0, and with a unit, unit \0 (no dataset: every key);
 * -1 for a name longer than any stored (nothing to scan). */
static long s_prefix(uint8_t *prefix, const char *dataset, const char *unit)
{
    if (dataset == NULL)
        return 0;
    size_t d = strnlen(dataset, 17), u = unit != NULL ? strnlen(unit, TD_CODE_MAX) : 0;
    if (d > 16 || u >= TD_CODE_MAX)
        return -1;
    memcpy(prefix, dataset, d);
    prefix[d] = 0;
    size_t plen = d + 1;
    if (unit != NULL) {
        memcpy(prefix + plen, unit, u);
        prefix[plen + u] = 0;
        plen += u + 1;
    }
    return (long) plen;
}

td_err store_scan_tasks(store_txn *txn, const char *dataset, const char *unit, store_task_fn fn,
                        void *ctx)
{
    uint8_t prefix[S_KEY_MAX];
    long plen = s_prefix(prefix, dataset, unit);
    if (!txn->store->has_tasks || plen < 0)
        return TD_OK; /* a schema 1 or 2 store read as it is: no task recorded */
    s_task_walk w = {fn, ctx};
    store_range range = {prefix, (size_t) plen, NULL, 0, NULL};
    return store_walk(txn, txn->store->tasks, &range, s_task_visit, &w);
}

td_err store_scan_task_due(store_txn *txn, const char *dataset, const char *unit,
                           store_task_due_fn fn, void *ctx)
{
    uint8_t prefix[S_KEY_MAX];
    long plen = s_prefix(prefix, dataset, unit);
    if (!txn->store->has_tasks || plen < 0)
        return TD_OK;
    s_due_walk w = {fn, ctx};
    store_range range = {prefix, (size_t) plen, NULL, 0, NULL};
    return store_walk(txn, txn->store->tasks_due, &range, s_due_visit, &w);
}

td_err store_task_get(store_txn *txn, const char *dataset, const char *unit, const char *task_id,
                      store_task *out)
{
    uint8_t k[S_KEY_MAX];
    size_t klen = txn->store->has_tasks ? s_key(k, dataset, unit, task_id) : 0;
    if (klen == 0)
        return TD_ERR_NOTFOUND;
    MDB_val key = {klen, k}, val;
    int rc = mdb_get(txn->txn, txn->store->tasks, &key, &val);
    if (rc != 0)
        return td_err_from_mdb(rc);
    out->dataset = dataset;
    out->unit = unit;
    out->task_id = task_id;
    out->record = val.mv_data;
    out->record_len = val.mv_size;
    return TD_OK;
}

td_err store_count_tasks(store_txn *txn, size_t *count)
{
    *count = 0;
    if (!txn->store->has_tasks)
        return TD_OK;
    MDB_stat st;
    int rc = mdb_stat(txn->txn, txn->store->tasks, &st);
    if (rc == 0)
        *count = st.ms_entries;
    return td_err_from_mdb(rc);
}

/* ---- the rebuild (schema 2 -> 3) ---- */

/* A revision to replay: when it came, and its key. */
typedef struct {
    int64_t received_at_ms;
    uint8_t len;
    uint8_t key[NATURAL_MAX + 4];
} s_pending;

typedef struct {
    s_pending *items;
    size_t n, cap;
    td_err rc;
} s_pending_list;

static int s_collect(void *vctx, const MDB_val *key, const MDB_val *val)
{
    s_pending_list *l = vctx;
    const uint8_t *v = val->mv_data;
    if (key->mv_size < 5 || key->mv_size > NATURAL_MAX + 4 || val->mv_size < 1 + ORIGIN_BYTES)
        return TD_ERR_STORE;
    if (v[0] == REVISION_PRUNED)
        return 0; /* retention kept no action plan */
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4096;
        s_pending *grown = realloc(l->items, cap * sizeof *grown);
        if (grown == NULL)
            return TD_ERR_NOMEM;
        l->items = grown;
        l->cap = cap;
    }
    s_pending *p = &l->items[l->n++];
    p->received_at_ms = (int64_t) td_get_be64(v + 1 + STORE_KEY_BYTES + 16);
    p->len = (uint8_t) key->mv_size;
    memcpy(p->key, key->mv_data, key->mv_size);
    return 0;
}

static int s_pending_cmp(const void *a, const void *b)
{
    const s_pending *x = a, *y = b;
    if (x->received_at_ms != y->received_at_ms)
        return x->received_at_ms < y->received_at_ms ? -1 : 1;
    int c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);
    return c != 0 ? c : (int) x->len - (int) y->len;
}

td_err store_tasks_rebuild(store_txn *txn)
{
    /* Replayed in the order the collector received them, each task's history is the one
     * a live collector would have built (revisions received in the same millisecond go
     * in key order). */
    s_pending_list list = {NULL, 0, 0, TD_OK};
    td_arena_t *arena = NULL;
    size_t undecodable = 0, folded = 0;
    int rc = mdb_drop(txn->txn, txn->store->tasks, 0);
    if (rc == 0)
        rc = mdb_drop(txn->txn, txn->store->tasks_due, 0);
    if (rc != 0)
        return td_err_from_mdb(rc);
    store_range all = {NULL, 0, NULL, 0, NULL};
    td_err result = store_walk(txn, txn->store->revisions, &all, s_collect, &list);
    if (result == TD_OK && td_arena_open(&arena, 256 << 10) != TD_OK)
        result = TD_ERR_NOMEM;
    if (result == TD_OK && list.n > 1) /* none: items is NULL, which qsort must not get */
        qsort(list.items, list.n, sizeof *list.items, s_pending_cmp);
    for (size_t i = 0; result == TD_OK && i < list.n; i++) {
        const s_pending *p = &list.items[i];
        MDB_val key = {p->len, (void *) p->key}, val;
        if ((rc = mdb_get(txn->txn, txn->store->revisions, &key, &val)) != 0) {
            result = td_err_from_mdb(rc);
            break;
        }
        ProtobufCMessage *msg = NULL;
        td_arena_reset(arena);
        if (td_message_decode_in(arena, &tiendo__report__descriptor,
                                 (const uint8_t *) val.mv_data + 1 + ORIGIN_BYTES,
                                 val.mv_size - 1 - ORIGIN_BYTES, TD_MAX_FRAME, &msg) != TD_OK) {
            undecodable++; /* check names it; its tasks cannot be known */
            continue;
        }
        const Tiendo__Report *report = (const Tiendo__Report *) msg;
        folded += report->n_action_plan;
        result = store_tasks_fold(txn, report, td_get_be32(p->key + p->len - 4), p->received_at_ms);
    }
    if (result == TD_OK)
        td_info("tasks table: %zu reported tasks folded from %zu revisions%s", folded, list.n,
                undecodable > 0 ? " (some revisions do not decode: run `tiendo-collector check`)"
                                : "");
    if (undecodable > 0)
        td_warn("%zu stored revision(s) do not decode: their tasks are not in the tasks table",
                undecodable);
    td_arena_close(&arena);
    free(list.items);
    return result;
}
