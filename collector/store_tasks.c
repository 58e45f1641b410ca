/* store_tasks.c: the tasks table (docs/architecture.md, "Storage layout"): each reported
 * action-plan task folded into its record, the scans, and the rebuild from the revisions. */
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

/* Fold one task into its record: read, td_task_fold, write back. */
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
    tiendo__task_info__free_unpacked(rec, NULL);
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

/* dataset \0 unit \0 id, each part copied out NUL-terminated */
static int s_task_visit(void *vctx, const MDB_val *key, const MDB_val *val)
{
    s_task_walk *w = vctx;
    const uint8_t *k = key->mv_data, *end = k + key->mv_size;
    if (key->mv_size > S_KEY_MAX)
        return TD_ERR_STORE;
    const uint8_t *d_end = memchr(k, 0, key->mv_size);
    const uint8_t *u_end = d_end != NULL ? memchr(d_end + 1, 0, (size_t) (end - d_end - 1)) : NULL;
    if (d_end == NULL || u_end == NULL || d_end - k > 16 || u_end == d_end + 1 ||
        u_end - d_end - 1 >= TD_CODE_MAX)
        return TD_ERR_STORE;
    char dataset[17], unit[TD_CODE_MAX], id[S_ID_MAX + 1];
    size_t dlen = (size_t) (d_end - k), ulen = (size_t) (u_end - d_end - 1),
           ilen = (size_t) (end - u_end - 1);
    memcpy(dataset, k, dlen);
    dataset[dlen] = '\0';
    memcpy(unit, d_end + 1, ulen);
    unit[ulen] = '\0';
    memcpy(id, u_end + 1, ilen);
    id[ilen] = '\0';
    store_task t = {dataset, unit, id, val->mv_data, val->mv_size};
    return w->fn(w->ctx, &t) != 0 ? STORE_WALK_STOP : 0;
}

td_err store_scan_tasks(store_txn *txn, const char *dataset, const char *unit, store_task_fn fn,
                        void *ctx)
{
    if (!txn->store->has_tasks)
        return TD_OK; /* a schema 1 or 2 store read as it is: no task recorded */
    /* dataset \0, and with a unit, unit \0 (no dataset: every key) */
    uint8_t prefix[S_KEY_MAX];
    size_t plen = 0;
    if (dataset != NULL) {
        size_t d = strnlen(dataset, 17), u = unit != NULL ? strnlen(unit, TD_CODE_MAX) : 0;
        if (d > 16 || u >= TD_CODE_MAX)
            return TD_OK; /* a name longer than any stored: nothing */
        memcpy(prefix, dataset, d);
        prefix[d] = 0;
        plen = d + 1;
        if (unit != NULL) {
            memcpy(prefix + plen, unit, u);
            prefix[plen + u] = 0;
            plen += u + 1;
        }
    }
    s_task_walk w = {fn, ctx};
    store_range range = {prefix, plen, NULL, 0, NULL};
    return store_walk(txn, txn->store->tasks, &range, s_task_visit, &w);
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
    if (rc != 0)
        return td_err_from_mdb(rc);
    store_range all = {NULL, 0, NULL, 0, NULL};
    td_err result = store_walk(txn, txn->store->revisions, &all, s_collect, &list);
    if (result == TD_OK && td_arena_open(&arena, 256 << 10) != TD_OK)
        result = TD_ERR_NOMEM;
    if (result == TD_OK)
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
