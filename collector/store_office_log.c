/* store_office_log.c: what the store keeps about an office's reports besides the reports
 * themselves, keyed by agent | epoch | seq (store_agent_seq_key): the rejections the
 * collector answered, so a resent report gets the same answer, and the restore gaps, the
 * sequence ranges a restore from backup lost (docs/operations.md, "Restore"). */
#include <string.h>

#include "bytes.h"
#include "clock.h"
#include "mdb_error.h"
#include "store_private.h"

/* ---- rejections ---- */

/* Skip the time prefix of a schema 2 rejection value; *at_ms gets it (0: unknown). A
 * schema 1 value is the bare reason, which never starts with a NUL byte. */
static void s_rejection_strip_time(MDB_val *val, int64_t *at_ms)
{
    const uint8_t *p = val->mv_data;
    *at_ms = 0;
    if (val->mv_size >= 9 && p[0] == 0) {
        *at_ms = (int64_t) td_get_be64(p + 1);
        val->mv_data = (void *) (p + 9);
        val->mv_size -= 9;
    }
}

td_err store_rejection_put(store_txn *txn, const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch,
                           uint64_t seq, const char *reason)
{
    uint8_t k[48], v[1 + 8 + STORE_REASON_MAX];
    store_agent_seq_key(k, agent, epoch, seq);
    /* 0 | recorded at (8) | reason: the time lets retention age it (schema 2) */
    size_t n = strnlen(reason, STORE_REASON_MAX - 1);
    v[0] = 0;
    td_put_be64(v + 1, (uint64_t) td_now_ms());
    memcpy(v + 9, reason, n);
    MDB_val key = {sizeof k, k}, val = {9 + n, v};
    return td_err_from_mdb(mdb_put(txn->txn, txn->store->rejections, &key, &val, 0));
}

td_err store_rejection_get(store_txn *txn, const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch,
                           uint64_t seq, char *reason, size_t reasonlen)
{
    uint8_t k[48];
    store_agent_seq_key(k, agent, epoch, seq);
    MDB_val key = {sizeof k, k}, val;
    int rc = mdb_get(txn->txn, txn->store->rejections, &key, &val);
    if (rc != 0)
        return td_err_from_mdb(rc);
    int64_t at_ms;
    s_rejection_strip_time(&val, &at_ms);
    size_t n = val.mv_size < reasonlen - 1 ? val.mv_size : reasonlen - 1;
    memcpy(reason, val.mv_data, n);
    reason[n] = '\0';
    return TD_OK;
}

td_err store_rejection_delete(store_txn *txn, const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch,
                              uint64_t seq)
{
    uint8_t k[48];
    store_agent_seq_key(k, agent, epoch, seq);
    MDB_val key = {sizeof k, k};
    return td_err_from_mdb(mdb_del(txn->txn, txn->store->rejections, &key, NULL));
}

typedef struct {
    store_rejection_fn fn;
    void *ctx;
} s_rejection_walk;

static int s_rejection_visit(void *vctx, const MDB_val *key, const MDB_val *val)
{
    s_rejection_walk *w = vctx;
    if (key->mv_size != 48)
        return TD_ERR_STORE;
    const uint8_t *k = key->mv_data;
    store_rejection r;
    memcpy(r.agent, k, STORE_KEY_BYTES);
    r.epoch = td_get_be64(k + 32);
    r.seq = td_get_be64(k + 40);
    MDB_val reason = *val;
    s_rejection_strip_time(&reason, &r.recorded_at_ms);
    r.reason = reason.mv_data;
    r.reason_len = reason.mv_size;
    return w->fn(w->ctx, &r) != 0 ? STORE_WALK_STOP : 0;
}

td_err store_scan_rejections(store_txn *txn, store_position *from, size_t limit,
                             store_rejection_fn fn, void *ctx, int *finished)
{
    s_rejection_walk w = {fn, ctx};
    store_range range = {NULL, 0, from, from != NULL ? limit : 0, finished};
    return store_walk(txn, txn->store->rejections, &range, s_rejection_visit, &w);
}

/* ---- restore gaps ---- */

td_err store_gap_put(store_txn *txn, const store_gap *gap)
{
    if (!txn->store->has_gaps)
        return TD_ERR_STORE;
    if (gap->first_seq == 0 || gap->last_seq < gap->first_seq)
        return TD_ERR_INVALID; /* an empty or inverted range would count as 2^64 lost */
    uint8_t k[48], v[16];
    store_agent_seq_key(k, gap->agent, gap->epoch, gap->first_seq);
    td_put_be64(v, gap->last_seq);
    td_put_be64(v + 8, (uint64_t) gap->recorded_at_ms);
    MDB_val key = {sizeof k, k}, val = {sizeof v, v};
    return td_err_from_mdb(mdb_put(txn->txn, txn->store->gaps, &key, &val, MDB_NOOVERWRITE));
}

typedef struct {
    store_gap_fn fn;
    void *ctx;
} s_gap_walk;

static int s_gap_visit(void *vctx, const MDB_val *key, const MDB_val *val)
{
    s_gap_walk *w = vctx;
    if (key->mv_size != 48 || val->mv_size != 16)
        return TD_ERR_STORE;
    const uint8_t *k = key->mv_data, *v = val->mv_data;
    store_gap g;
    memcpy(g.agent, k, STORE_KEY_BYTES);
    g.epoch = td_get_be64(k + 32);
    g.first_seq = td_get_be64(k + 40);
    g.last_seq = td_get_be64(v);
    g.recorded_at_ms = (int64_t) td_get_be64(v + 8);
    return w->fn(w->ctx, &g) != 0 ? STORE_WALK_STOP : 0;
}

td_err store_scan_gaps(store_txn *txn, store_gap_fn fn, void *ctx)
{
    if (!txn->store->has_gaps)
        return TD_OK; /* a schema 1 store read as it is: no gap recorded */
    s_gap_walk w = {fn, ctx};
    store_range all = {NULL, 0, NULL, 0, NULL};
    return store_walk(txn, txn->store->gaps, &all, s_gap_visit, &w);
}
