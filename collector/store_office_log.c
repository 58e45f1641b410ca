/* store_office_log.c: what the store keeps about an office's reports besides the reports
 * themselves, keyed by agent | epoch | seq (store_agent_seq_key): the rejections the
 * collector answered, so a resent report gets the same answer, and the restore gaps, the
 * sequence ranges a restore from backup lost (docs/operations.md, "Restore"). */
#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "clock.h"
#include "mdb_error.h"
#include "store_private.h"
#include "utf8.h"

/* ---- rejections ---- */

/* A value: 0 | recorded at (8) | text [\0 format \0 (argument \0)*]. The text is the
 * English reason; its parts (docs/protocol.md, "Reasons") follow a NUL, so a collector
 * that does not know them still reads the text (it stops at the NUL), and a value kept
 * before them (schema 2: 0 | time | text; schema 1: the bare text, which never starts
 * with a NUL byte) reads as text without parts. The schema number does not change. */

/* Skip the time prefix of a schema 2 rejection value; *at_ms gets it (0: unknown). */
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

/* The length of the text at the start of a value without its time prefix. */
static size_t s_rejection_text_len(const MDB_val *val)
{
    const char *nul = memchr(val->mv_data, '\0', val->mv_size);
    return nul != NULL ? (size_t) (nul - (const char *) val->mv_data) : val->mv_size;
}

/* The parts after the text (none when absent or malformed: every piece NUL-ended, one
 * format and at most TD_REASON_ARGS arguments, each within its bound). */
static void s_rejection_parts(const MDB_val *val, store_reason_parts *parts)
{
    parts->format[0] = '\0';
    parts->nargs = 0;
    size_t text_len = s_rejection_text_len(val);
    if (text_len == val->mv_size)
        return; /* the text alone */
    const char *p = (const char *) val->mv_data + text_len + 1;
    const char *end = (const char *) val->mv_data + val->mv_size;
    store_reason_parts got = {.format = "", .nargs = 0};
    int piece = 0; /* 0: the format, then the arguments */
    while (p < end) {
        const char *nul = memchr(p, '\0', (size_t) (end - p));
        if (nul == NULL || piece > TD_REASON_ARGS)
            return;
        char *to = piece == 0 ? got.format : got.args[piece - 1];
        size_t n = (size_t) (nul - p);
        if (n >= (piece == 0 ? sizeof got.format : sizeof got.args[0]))
            return;
        memcpy(to, p, n);
        to[n] = '\0';
        piece++;
        p = nul + 1;
    }
    if (got.format[0] == '\0')
        return;
    got.nargs = piece - 1;
    *parts = got;
}

void store_reason_parts_set(store_reason_parts *parts, const td_reason *r)
{
    parts->format[0] = '\0';
    parts->nargs = 0;
    if (r == NULL || r->format == NULL || strlen(r->format) >= sizeof parts->format)
        return;
    memcpy(parts->format, r->format, strlen(r->format) + 1);
    for (int i = 0; i < r->nargs && i < TD_REASON_ARGS; i++) {
        snprintf(parts->args[i], sizeof parts->args[i], "%s", r->args[i]);
        parts->nargs++;
    }
}

td_err store_rejection_put(store_txn *txn, const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch,
                           uint64_t seq, const char *reason, const store_reason_parts *parts)
{
    uint8_t k[48];
    uint8_t v[1 + 8 + STORE_REASON_MAX + sizeof parts->format + sizeof parts->args];
    store_agent_seq_key(k, agent, epoch, seq);
    /* 0 | recorded at (8) | text: the time lets retention age it (schema 2) */
    size_t n = td_utf8_cut(reason, strlen(reason), STORE_REASON_MAX - 1);
    v[0] = 0;
    td_put_be64(v + 1, (uint64_t) td_now_ms());
    memcpy(v + 9, reason, n);
    size_t len = 9 + n;
    if (parts != NULL && parts->format[0] != '\0') {
        /* each piece is NUL-terminated within its array: the value cannot overflow */
        v[len++] = '\0';
        size_t f = strnlen(parts->format, sizeof parts->format - 1);
        memcpy(v + len, parts->format, f);
        len += f;
        v[len++] = '\0';
        for (int i = 0; i < parts->nargs && i < TD_REASON_ARGS; i++) {
            size_t a = strnlen(parts->args[i], sizeof parts->args[i] - 1);
            memcpy(v + len, parts->args[i], a);
            len += a;
            v[len++] = '\0';
        }
    }
    MDB_val key = {sizeof k, k}, val = {len, v};
    return td_err_from_mdb(mdb_put(txn->txn, txn->store->rejections, &key, &val, 0));
}

td_err store_rejection_get(store_txn *txn, const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch,
                           uint64_t seq, char *reason, size_t reasonlen, store_reason_parts *parts)
{
    uint8_t k[48];
    store_agent_seq_key(k, agent, epoch, seq);
    MDB_val key = {sizeof k, k}, val;
    int rc = mdb_get(txn->txn, txn->store->rejections, &key, &val);
    if (rc != 0)
        return td_err_from_mdb(rc);
    int64_t at_ms;
    s_rejection_strip_time(&val, &at_ms);
    size_t text_len = s_rejection_text_len(&val);
    size_t n = text_len < reasonlen - 1 ? text_len : reasonlen - 1;
    memcpy(reason, val.mv_data, n);
    reason[n] = '\0';
    if (parts != NULL)
        s_rejection_parts(&val, parts);
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
    r.reason_len = s_rejection_text_len(&reason);
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
