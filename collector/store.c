/* store.c: LMDB layout of the collector (docs/architecture.md, "Storage layout"). */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bytes.h"
#include "clock.h"
#include "codec.h"
#include "log.h"
#include "mdb_error.h"
#include "atomic_file.h"
#include "calendar.h"

/* Named databases. Keys are big-endian composites so cursors walk them in order. */
struct store {
    MDB_env *env;
    MDB_dbi meta;       /* "schema" -> u32 */
    MDB_dbi delivery;   /* agent(32) | epoch(8) -> high water u64 */
    MDB_dbi rejections; /* agent(32) | epoch(8) | seq(8) -> reason text */
    MDB_dbi revisions;  /* natural key | revision(4) -> record */
    MDB_dbi latest;     /* natural key -> revision(4) | origin */
    MDB_dbi agents;     /* agent(32) -> agent record */
    MDB_dbi gaps;       /* agent(32) | epoch(8) | first seq(8) -> last seq(8) | time(8) */
    int has_gaps;       /* 0: a schema 1 store opened read-only (no gaps db yet) */
    size_t map_bytes;
    size_t max_map_bytes;
};

#define ORIGIN_BYTES (STORE_KEY_BYTES + 8 + 8 + 8)
#define NATURAL_MAX  (16 + 1 + 4 + 16 + 1)
/* latest value: revision(4) | origin of that revision | first revision's received_at(8) */
#define LATEST_BYTES (4 + ORIGIN_BYTES + 8)
/* Revision record format byte: 1 the report as received; REVISION_PRUNED the report cut
 * by retention to its audit fields (unit, dataset, period, prepared_by, prepared_at). */
#define REVISION_PRUNED 2

static void s_put_origin(uint8_t *p, const store_origin *o)
{
    memcpy(p, o->agent, STORE_KEY_BYTES);
    td_put_be64(p + 32, o->epoch);
    td_put_be64(p + 40, o->seq);
    td_put_be64(p + 48, (uint64_t) o->received_at_ms);
}

static void s_get_origin(const uint8_t *p, store_origin *o)
{
    memcpy(o->agent, p, STORE_KEY_BYTES);
    o->epoch = td_get_be64(p + 32);
    o->seq = td_get_be64(p + 40);
    o->received_at_ms = (int64_t) td_get_be64(p + 48);
}

/* dataset \0 year(2) kind(1) index(1) unit \0: a prefix scan by (dataset, period)
 * finds every unit, and periods of one kind sort by time. */
static size_t s_natural_prefix(uint8_t *key, const char *dataset, const td_period *p)
{
    size_t n = strnlen(dataset, 16);
    memcpy(key, dataset, n);
    key[n++] = 0;
    key[n++] = (uint8_t) (p->year >> 8);
    key[n++] = (uint8_t) p->year;
    key[n++] = (uint8_t) p->kind;
    key[n++] = (uint8_t) p->index;
    return n;
}

static size_t s_natural_key(uint8_t *key, const char *dataset, const td_period *p, const char *unit)
{
    size_t n = s_natural_prefix(key, dataset, p);
    size_t u = strnlen(unit, 16);
    memcpy(key + n, unit, u);
    n += u;
    key[n++] = 0;
    return n;
}

static td_err s_open(store_t **out, const char *dir, size_t map_bytes, size_t max_map_bytes,
                     int read_only, char *err, size_t errlen)
{
    *out = NULL;
    if (read_only) {
        /* Never create a store just to look at it: a mistyped path is an error. */
        char path[4200];
        struct stat st;
        snprintf(path, sizeof path, "%s/data.mdb", dir);
        if (stat(path, &st) != 0) {
            snprintf(err, errlen, "%s: no store here (no data.mdb)", dir);
            return TD_ERR_NOTFOUND;
        }
    }
    store_t *s = calloc(1, sizeof *s);
    MDB_txn *txn = NULL;
    int rc;
    unsigned create = read_only ? 0 : MDB_CREATE;
    if (s == NULL)
        return TD_ERR_NOMEM;
    if (!read_only && mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
        free(s);
        return td_err_from_errno(errno);
    }
    s->map_bytes = map_bytes;
    s->max_map_bytes = max_map_bytes < map_bytes ? map_bytes : max_map_bytes;
    if ((rc = mdb_env_create(&s->env)) != 0)
        goto fail;
    if ((rc = mdb_env_set_maxdbs(s->env, 8)) != 0 ||
        (rc = mdb_env_set_mapsize(s->env, map_bytes)) != 0 ||
        (rc = mdb_env_set_maxreaders(s->env, 126)) != 0)
        goto fail;
    if ((rc = mdb_env_open(s->env, dir, MDB_NOTLS | (read_only ? MDB_RDONLY : 0), 0600)) != 0)
        goto fail;
    int cleared = 0;
    mdb_reader_check(s->env, &cleared);
    if (cleared > 0)
        td_warn("cleared %d stale LMDB reader slot(s) left by a dead process", cleared);
    /* The file may be bigger than our setting (grown by an earlier run): adopt it. */
    MDB_envinfo info;
    mdb_env_info(s->env, &info);
    if (info.me_mapsize > s->map_bytes)
        s->map_bytes = info.me_mapsize;

    /* A read-only open takes no write lock, so it never waits behind a collector. */
    if ((rc = mdb_txn_begin(s->env, NULL, read_only ? MDB_RDONLY : 0, &txn)) != 0)
        goto fail;
    if ((rc = mdb_dbi_open(txn, "meta", create, &s->meta)) != 0 ||
        (rc = mdb_dbi_open(txn, "delivery", create, &s->delivery)) != 0 ||
        (rc = mdb_dbi_open(txn, "rejections", create, &s->rejections)) != 0 ||
        (rc = mdb_dbi_open(txn, "revisions", create, &s->revisions)) != 0 ||
        (rc = mdb_dbi_open(txn, "latest", create, &s->latest)) != 0 ||
        (rc = mdb_dbi_open(txn, "agents", create, &s->agents)) != 0)
        goto fail;
    rc = mdb_dbi_open(txn, "gaps", create, &s->gaps);
    if (rc != 0 && !(rc == MDB_NOTFOUND && read_only))
        goto fail;
    s->has_gaps = rc == 0;
    MDB_val key = {6, (void *) "schema"}, val;
    rc = mdb_get(txn, s->meta, &key, &val);
    /* Schema 1 differs only by what 2 adds (gaps db, pruned records, rejection times):
     * read it as it is, upgrade it in place when opened for writing. */
    int upgrade = rc == 0 && val.mv_size == 4 && td_get_be32(val.mv_data) == 1 &&
                  STORE_SCHEMA == 2 && !read_only;
    if ((rc == MDB_NOTFOUND || upgrade) && !read_only) {
        uint8_t v[4];
        if (upgrade)
            td_info("%s: upgrading the store from schema 1 to %d", dir, STORE_SCHEMA);
        td_put_be32(v, STORE_SCHEMA);
        val.mv_size = 4;
        val.mv_data = v;
        if ((rc = mdb_put(txn, s->meta, &key, &val, 0)) != 0)
            goto fail;
    } else if (rc != 0) {
        goto fail;
    } else if (val.mv_size != 4 ||
               (td_get_be32(val.mv_data) != STORE_SCHEMA && td_get_be32(val.mv_data) != 1)) {
        snprintf(err, errlen, "%s: store schema %u is not the one this collector knows (%d)", dir,
                 val.mv_size == 4 ? td_get_be32(val.mv_data) : 0, STORE_SCHEMA);
        mdb_txn_abort(txn);
        mdb_env_close(s->env);
        free(s);
        return TD_ERR_STORE;
    }
    if ((rc = mdb_txn_commit(txn)) != 0) {
        txn = NULL;
        goto fail;
    }
    *out = s;
    return TD_OK;
fail:
    snprintf(err, errlen, "%s: %s", dir, mdb_strerror(rc));
    if (txn != NULL)
        mdb_txn_abort(txn);
    if (s->env != NULL)
        mdb_env_close(s->env);
    free(s);
    return td_err_from_mdb(rc) == TD_OK ? TD_ERR_STORE : td_err_from_mdb(rc);
}

td_err store_open(store_t **out, const char *dir, size_t map_bytes, size_t max_map_bytes, char *err,
                  size_t errlen)
{
    return s_open(out, dir, map_bytes, max_map_bytes, 0, err, errlen);
}

td_err store_open_read_only(store_t **out, const char *dir, char *err, size_t errlen)
{
    return s_open(out, dir, 1 << 20, 1 << 20, 1, err, errlen);
}

void store_close(store_t **store)
{
    if (store == NULL || *store == NULL)
        return;
    mdb_env_close((*store)->env);
    free(*store);
    *store = NULL;
}

void store_map_use(store_t *store, size_t *map_bytes, size_t *used_bytes)
{
    MDB_envinfo info;
    MDB_stat st;
    mdb_env_info(store->env, &info);
    mdb_env_stat(store->env, &st);
    *map_bytes = info.me_mapsize;
    *used_bytes = (info.me_last_pgno + 1) * (size_t) st.ms_psize;
}

td_err store_grow(store_t *store)
{
    if (store->map_bytes >= store->max_map_bytes)
        return TD_ERR_DISKFULL;
    size_t next = store->map_bytes * 2;
    if (next > store->max_map_bytes)
        next = store->max_map_bytes;
    int rc = mdb_env_set_mapsize(store->env, next);
    if (rc != 0) {
        td_error("cannot grow the LMDB map to %zu MiB: %s", next >> 20, mdb_strerror(rc));
        return td_err_from_mdb(rc) == TD_ERR_NOMEM ? TD_ERR_DISKFULL : TD_ERR_STORE;
    }
    td_info("LMDB map grown from %zu to %zu MiB", store->map_bytes >> 20, next >> 20);
    store->map_bytes = next;
    return TD_OK;
}

int store_clear_stale_readers(store_t *store)
{
    int dead = 0;
    if (mdb_reader_check(store->env, &dead) != 0)
        return -1;
    return dead;
}

td_err store_begin(store_t *store, int read_only, store_txn *txn)
{
    txn->store = store;
    txn->txn = NULL;
    int rc = mdb_txn_begin(store->env, NULL, read_only ? MDB_RDONLY : 0, &txn->txn);
    if (rc == MDB_MAP_RESIZED) {
        /* Another process grew the map: adopt its size and try again. */
        mdb_env_set_mapsize(store->env, 0);
        rc = mdb_txn_begin(store->env, NULL, read_only ? MDB_RDONLY : 0, &txn->txn);
    }
    if (rc != 0) {
        td_error("cannot begin an LMDB transaction: %s", mdb_strerror(rc));
        txn->txn = NULL;
    }
    return td_err_from_mdb(rc);
}

td_err store_commit(store_txn *txn)
{
    int rc = mdb_txn_commit(txn->txn);
    txn->txn = NULL;
    if (rc != 0 && rc != MDB_MAP_FULL)
        td_error("LMDB commit failed: %s", mdb_strerror(rc));
    return td_err_from_mdb(rc);
}

void store_abort(store_txn *txn)
{
    if (txn->txn != NULL)
        mdb_txn_abort(txn->txn);
    txn->txn = NULL;
}

td_err store_delivery_get(store_txn *txn, const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch,
                          uint64_t *high_water)
{
    uint8_t k[40];
    memcpy(k, agent, 32);
    td_put_be64(k + 32, epoch);
    MDB_val key = {sizeof k, k}, val;
    int rc = mdb_get(txn->txn, txn->store->delivery, &key, &val);
    if (rc == MDB_NOTFOUND) {
        *high_water = 0;
        return TD_OK;
    }
    if (rc != 0)
        return td_err_from_mdb(rc);
    if (val.mv_size != 8 && val.mv_size != 16) /* 16: with settled_below (schema 2) */
        return TD_ERR_STORE;
    *high_water = td_get_be64(val.mv_data);
    return TD_OK;
}

td_err store_delivery_put(store_txn *txn, const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch,
                          uint64_t high_water)
{
    uint64_t old_high_water, settled_below;
    td_err rc = store_delivery_read(txn, agent, epoch, &old_high_water, &settled_below);
    return rc != TD_OK ? rc : store_delivery_write(txn, agent, epoch, high_water, settled_below);
}

/* Skip the time prefix of a schema 2 rejection value; *at_ms gets it (0: unknown). */
static void s_rejection_strip_time(MDB_val *val, int64_t *at_ms)
{
    const uint8_t *p = val->mv_data;
    if (at_ms != NULL)
        *at_ms = 0;
    if (val->mv_size >= 9 && p[0] == 0) {
        if (at_ms != NULL)
            *at_ms = (int64_t) td_get_be64(p + 1);
        val->mv_data = (void *) (p + 9);
        val->mv_size -= 9;
    }
}

static void s_rejection_key(uint8_t k[48], const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch,
                            uint64_t seq)
{
    memcpy(k, agent, 32);
    td_put_be64(k + 32, epoch);
    td_put_be64(k + 40, seq);
}

td_err store_rejection_put(store_txn *txn, const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch,
                           uint64_t seq, const char *reason)
{
    uint8_t k[48], v[1 + 8 + STORE_REASON_MAX];
    s_rejection_key(k, agent, epoch, seq);
    /* 0 | recorded at (8) | reason: the time lets retention age it (schema 2; a schema 1
     * value is the bare reason, which never starts with a NUL byte). */
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
    s_rejection_key(k, agent, epoch, seq);
    MDB_val key = {sizeof k, k}, val;
    int rc = mdb_get(txn->txn, txn->store->rejections, &key, &val);
    if (rc != 0)
        return td_err_from_mdb(rc);
    s_rejection_strip_time(&val, NULL);
    size_t n = val.mv_size < reasonlen - 1 ? val.mv_size : reasonlen - 1;
    memcpy(reason, val.mv_data, n);
    reason[n] = '\0';
    return TD_OK;
}

td_err store_report_put(store_txn *txn, const store_origin *origin, const Tiendo__Report *report,
                        const uint8_t *raw, size_t raw_len, uint32_t *revision_out)
{
    td_period period;
    const char *dataset = td_dataset_or_default(report->dataset);
    if (report->unit == NULL || report->period == NULL ||
        td_period_parse(report->period, &period) != TD_OK)
        return TD_ERR_INVALID;
    uint8_t nk[NATURAL_MAX + 4];
    size_t nlen = s_natural_key(nk, dataset, &period, report->unit);
    MDB_val key = {nlen, nk}, val;
    uint32_t revision = 1;
    int64_t first_received = origin->received_at_ms;
    int rc = mdb_get(txn->txn, txn->store->latest, &key, &val);
    if (rc == 0 && val.mv_size == LATEST_BYTES) {
        revision = td_get_be32(val.mv_data) + 1;
        first_received = (int64_t) td_get_be64((const uint8_t *) val.mv_data + 4 + ORIGIN_BYTES);
    } else if (rc == 0) {
        return TD_ERR_STORE;
    } else if (rc != MDB_NOTFOUND) {
        return td_err_from_mdb(rc);
    }

    /* The revision record: format byte, origin, then the report as packed protobuf,
     * written straight into the reserved page space. */
    size_t packed = raw != NULL ? raw_len : protobuf_c_message_get_packed_size(&report->base);
    td_put_be32(nk + nlen, revision);
    MDB_val rkey = {nlen + 4, nk};
    MDB_val rval = {1 + ORIGIN_BYTES + packed, NULL};
    rc = mdb_put(txn->txn, txn->store->revisions, &rkey, &rval, MDB_RESERVE);
    if (rc != 0)
        return td_err_from_mdb(rc);
    uint8_t *p = rval.mv_data;
    p[0] = 1;
    s_put_origin(p + 1, origin);
    if (raw != NULL)
        memcpy(p + 1 + ORIGIN_BYTES, raw, raw_len);
    else
        protobuf_c_message_pack(&report->base, p + 1 + ORIGIN_BYTES);

    uint8_t lv[LATEST_BYTES];
    td_put_be32(lv, revision);
    s_put_origin(lv + 4, origin);
    td_put_be64(lv + 4 + ORIGIN_BYTES, (uint64_t) first_received);
    MDB_val lkey = {nlen, nk}, lval = {sizeof lv, lv};
    rc = mdb_put(txn->txn, txn->store->latest, &lkey, &lval, 0);
    if (rc != 0)
        return td_err_from_mdb(rc);
    if (revision_out != NULL)
        *revision_out = revision;
    return TD_OK;
}

/* Agent record: last_seen(8) epoch(8) high_water(8) heartbeat_at(8) heartbeat bytes. */
td_err store_agent_seen(store_txn *txn, const uint8_t agent[STORE_KEY_BYTES], int64_t seen_ms,
                        uint64_t epoch, uint64_t high_water, const Tiendo__Heartbeat *hb)
{
    MDB_val key = {STORE_KEY_BYTES, (void *) agent}, old;
    uint8_t hb_buf[512];
    size_t hb_len = 0;
    int64_t hb_at = 0;
    const uint8_t *hb_bytes = hb_buf;
    int rc = mdb_get(txn->txn, txn->store->agents, &key, &old);
    if (rc != 0 && rc != MDB_NOTFOUND)
        return td_err_from_mdb(rc);
    if (hb != NULL) {
        if (protobuf_c_message_get_packed_size(&hb->base) <= sizeof hb_buf)
            hb_len = protobuf_c_message_pack(&hb->base, hb_buf);
        hb_at = seen_ms;
    } else if (rc == 0 && old.mv_size >= 32) {
        hb_at = (int64_t) td_get_be64((const uint8_t *) old.mv_data + 24);
        hb_len = old.mv_size - 32;
        if (hb_len > sizeof hb_buf)
            hb_len = 0;
        memcpy(hb_buf, (const uint8_t *) old.mv_data + 32, hb_len);
    }
    MDB_val val = {32 + hb_len, NULL};
    rc = mdb_put(txn->txn, txn->store->agents, &key, &val, MDB_RESERVE);
    if (rc != 0)
        return td_err_from_mdb(rc);
    uint8_t *p = val.mv_data;
    td_put_be64(p, (uint64_t) seen_ms);
    td_put_be64(p + 8, epoch);
    td_put_be64(p + 16, high_water);
    td_put_be64(p + 24, (uint64_t) hb_at);
    memcpy(p + 32, hb_bytes, hb_len);
    return TD_OK;
}

/* One cursor walk for every scan: from the first key at or after prefix (plen 0: the
 * first key) while keys start with prefix. visit returns 0 to go on, S_WALK_STOP to stop
 * (not an error), or a td_err. */
#define S_WALK_STOP (-1)
typedef int (*s_visit_fn)(void *ctx, const MDB_val *key, const MDB_val *val);

static td_err s_walk(store_txn *txn, MDB_dbi dbi, const void *prefix, size_t plen, s_visit_fn visit,
                     void *ctx)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn->txn, dbi, &cur);
    if (rc != 0)
        return td_err_from_mdb(rc);
    MDB_val key = {plen, (void *) prefix}, val;
    td_err result = TD_OK;
    for (rc = mdb_cursor_get(cur, &key, &val, plen ? MDB_SET_RANGE : MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
        if (plen > 0 && (key.mv_size < plen || memcmp(key.mv_data, prefix, plen) != 0))
            break;
        int v = visit(ctx, &key, &val);
        if (v == S_WALK_STOP)
            break;
        if (v != 0) {
            result = (td_err) v;
            break;
        }
    }
    if (rc != 0 && rc != MDB_NOTFOUND && result == TD_OK)
        result = td_err_from_mdb(rc);
    mdb_cursor_close(cur);
    return result;
}

typedef struct {
    store_txn *txn;
    size_t plen;
    store_latest_fn fn;
    void *ctx;
} s_latest_walk;

static int s_latest_visit(void *vctx, const MDB_val *key, const MDB_val *val)
{
    s_latest_walk *w = vctx;
    size_t plen = w->plen;
    if (key->mv_size <= plen)
        return S_WALK_STOP;
    if (val->mv_size != LATEST_BYTES || key->mv_size > NATURAL_MAX)
        return TD_ERR_STORE;
    char unit[17];
    size_t ulen = key->mv_size - plen - 1;
    if (ulen >= sizeof unit)
        return TD_ERR_STORE;
    memcpy(unit, (const uint8_t *) key->mv_data + plen, ulen);
    unit[ulen] = '\0';
    uint32_t revision = td_get_be32(val->mv_data);
    store_origin origin;
    s_get_origin((const uint8_t *) val->mv_data + 4, &origin);
    uint8_t rk[NATURAL_MAX + 4];
    memcpy(rk, key->mv_data, key->mv_size);
    td_put_be32(rk + key->mv_size, revision);
    MDB_val rkey = {key->mv_size + 4, rk}, rval;
    int grc = mdb_get(w->txn->txn, w->txn->store->revisions, &rkey, &rval);
    if (grc != 0)
        return td_err_from_mdb(grc);
    if (rval.mv_size < 1 + ORIGIN_BYTES)
        return TD_ERR_STORE;
    int64_t first_received =
        (int64_t) td_get_be64((const uint8_t *) val->mv_data + 4 + ORIGIN_BYTES);
    return w->fn(w->ctx, unit, revision, &origin, first_received,
                 (const uint8_t *) rval.mv_data + 1 + ORIGIN_BYTES,
                 rval.mv_size - 1 - ORIGIN_BYTES) != 0
               ? S_WALK_STOP
               : 0;
}

td_err store_scan_latest(store_txn *txn, const char *dataset, const td_period *period,
                         store_latest_fn fn, void *ctx)
{
    uint8_t prefix[NATURAL_MAX];
    size_t plen = s_natural_prefix(prefix, dataset, period);
    s_latest_walk w = {txn, plen, fn, ctx};
    return s_walk(txn, txn->store->latest, prefix, plen, s_latest_visit, &w);
}

typedef struct {
    store_agent_fn fn;
    void *ctx;
} s_agent_walk;

static int s_agent_visit(void *vctx, const MDB_val *key, const MDB_val *val)
{
    s_agent_walk *w = vctx;
    if (key->mv_size != STORE_KEY_BYTES || val->mv_size < 32)
        return TD_ERR_STORE;
    store_agent a;
    const uint8_t *p = val->mv_data;
    memcpy(a.agent, key->mv_data, STORE_KEY_BYTES);
    a.last_seen_ms = (int64_t) td_get_be64(p);
    a.epoch = td_get_be64(p + 8);
    a.high_water = td_get_be64(p + 16);
    a.heartbeat_at_ms = (int64_t) td_get_be64(p + 24);
    a.heartbeat = p + 32;
    a.heartbeat_len = val->mv_size - 32;
    return w->fn(w->ctx, &a) != 0 ? S_WALK_STOP : 0;
}

td_err store_scan_agents(store_txn *txn, store_agent_fn fn, void *ctx)
{
    s_agent_walk w = {fn, ctx};
    return s_walk(txn, txn->store->agents, NULL, 0, s_agent_visit, &w);
}

typedef struct {
    size_t plen;
    store_revision_fn fn;
    void *ctx;
} s_revision_walk;

static int s_revision_visit(void *vctx, const MDB_val *key, const MDB_val *val)
{
    s_revision_walk *w = vctx;
    if (w->plen > 0 && key->mv_size != w->plen + 4)
        return S_WALK_STOP; /* a longer natural key that starts with this one */
    const uint8_t *v = val->mv_data;
    if (key->mv_size < 5 || val->mv_size < 1 + ORIGIN_BYTES ||
        (v[0] != 1 && v[0] != REVISION_PRUNED))
        return TD_ERR_STORE;
    store_origin origin;
    s_get_origin(v + 1, &origin);
    const uint8_t *k = key->mv_data;
    return w->fn(w->ctx, k, key->mv_size - 4, td_get_be32(k + key->mv_size - 4), &origin,
                 v + 1 + ORIGIN_BYTES, val->mv_size - 1 - ORIGIN_BYTES) != 0
               ? S_WALK_STOP
               : 0;
}

/* Walk revisions whose keys are prefix | revision(4) (plen 0: all of them). */
static td_err s_scan_revisions(store_txn *txn, const uint8_t *prefix, size_t plen,
                               store_revision_fn fn, void *ctx)
{
    s_revision_walk w = {plen, fn, ctx};
    return s_walk(txn, txn->store->revisions, prefix, plen, s_revision_visit, &w);
}

td_err store_scan_revisions(store_txn *txn, store_revision_fn fn, void *ctx)
{
    return s_scan_revisions(txn, NULL, 0, fn, ctx);
}

td_err store_scan_unit_revisions(store_txn *txn, const char *dataset, const td_period *period,
                                 const char *unit, store_revision_fn fn, void *ctx)
{
    uint8_t prefix[NATURAL_MAX + 4];
    size_t plen = s_natural_key(prefix, dataset, period, unit);
    return s_scan_revisions(txn, prefix, plen, fn, ctx);
}

td_err store_count_latest(store_txn *txn, size_t *count)
{
    MDB_stat st;
    int rc = mdb_stat(txn->txn, txn->store->latest, &st);
    *count = rc == 0 ? st.ms_entries : 0;
    return td_err_from_mdb(rc);
}

td_err store_count_revisions(store_txn *txn, size_t *count)
{
    MDB_stat st;
    int rc = mdb_stat(txn->txn, txn->store->revisions, &st);
    *count = rc == 0 ? st.ms_entries : 0;
    return td_err_from_mdb(rc);
}

/* ---- backup, restore gaps, retention ---- */

static void s_delivery_key(uint8_t k[40], const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch)
{
    memcpy(k, agent, STORE_KEY_BYTES);
    td_put_be64(k + 32, epoch);
}

td_err store_delivery_read(store_txn *txn, const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch,
                           uint64_t *high_water, uint64_t *settled_below)
{
    uint8_t k[40];
    s_delivery_key(k, agent, epoch);
    MDB_val key = {sizeof k, k}, val;
    *high_water = 0;
    *settled_below = 0;
    int rc = mdb_get(txn->txn, txn->store->delivery, &key, &val);
    if (rc == MDB_NOTFOUND)
        return TD_OK;
    if (rc != 0)
        return td_err_from_mdb(rc);
    if (val.mv_size != 8 && val.mv_size != 16)
        return TD_ERR_STORE;
    *high_water = td_get_be64(val.mv_data);
    if (val.mv_size == 16)
        *settled_below = td_get_be64((const uint8_t *) val.mv_data + 8);
    return TD_OK;
}

td_err store_delivery_write(store_txn *txn, const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch,
                            uint64_t high_water, uint64_t settled_below)
{
    uint8_t k[40], v[16];
    s_delivery_key(k, agent, epoch);
    td_put_be64(v, high_water);
    td_put_be64(v + 8, settled_below);
    /* 8 bytes (the schema 1 value) until the agent has said what it settled */
    MDB_val key = {sizeof k, k}, val = {settled_below > 0 ? 16 : 8, v};
    return td_err_from_mdb(mdb_put(txn->txn, txn->store->delivery, &key, &val, 0));
}

td_err store_gap_put(store_txn *txn, const store_gap *gap)
{
    if (!txn->store->has_gaps)
        return TD_ERR_STORE;
    if (gap->first_seq == 0 || gap->last_seq < gap->first_seq)
        return TD_ERR_INVALID; /* an empty or inverted range would count as 2^64 lost */
    uint8_t k[48], v[16];
    s_rejection_key(k, gap->agent, gap->epoch, gap->first_seq);
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
    return w->fn(w->ctx, &g) != 0 ? S_WALK_STOP : 0;
}

td_err store_scan_gaps(store_txn *txn, store_gap_fn fn, void *ctx)
{
    if (!txn->store->has_gaps)
        return TD_OK; /* a schema 1 store read as it is: no gap recorded */
    s_gap_walk w = {fn, ctx};
    return s_walk(txn, txn->store->gaps, NULL, 0, s_gap_visit, &w);
}

static int s_pruned_visit(void *vctx, const MDB_val *key, const MDB_val *val)
{
    (void) key;
    if (val->mv_size > 0 && ((const uint8_t *) val->mv_data)[0] == REVISION_PRUNED)
        (*(uint64_t *) vctx)++;
    return 0;
}

td_err store_count_pruned(store_txn *txn, uint64_t *pruned)
{
    *pruned = 0;
    return s_walk(txn, txn->store->revisions, NULL, 0, s_pruned_visit, pruned);
}

td_err store_backup(store_t *store, const char *dest_dir, size_t *bytes_out, char *err,
                    size_t errlen)
{
    char path[TD_PATH_MAX];
    struct stat st;
    *bytes_out = 0;
    if (mkdir(dest_dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: cannot create: %s", dest_dir, strerror(errno));
        return td_err_from_errno(errno);
    }
    if (snprintf(path, sizeof path, "%s/data.mdb", dest_dir) >= (int) sizeof path)
        return td_fail(TD_ERR_TOOBIG, err, errlen, "%.200s...: path too long", dest_dir);
    if (stat(path, &st) == 0) {
        snprintf(err, errlen, "%s already holds a store (data.mdb); choose an empty folder",
                 dest_dir);
        return TD_ERR_EXISTS;
    }
    td_atomic_file f;
    td_err rc = td_atomic_open(&f, path, 0600, NULL, err, errlen);
    if (rc != TD_OK)
        return rc;
    /* One read transaction: a consistent snapshot while the collector keeps writing;
     * MDB_CP_COMPACT leaves out free pages and renumbers the rest. */
    int mrc = mdb_env_copyfd2(store->env, f.fd, MDB_CP_COMPACT);
    for (int tries = 0; mrc == MDB_MAP_RESIZED && tries < 3; tries++) {
        /* the collector grew the map since we opened it: adopt its size, start again */
        mdb_env_set_mapsize(store->env, 0);
        if (ftruncate(f.fd, 0) != 0 || lseek(f.fd, 0, SEEK_SET) != 0)
            break;
        mrc = mdb_env_copyfd2(store->env, f.fd, MDB_CP_COMPACT);
    }
    if (mrc != 0) {
        snprintf(err, errlen, "copy to %s failed: %s", f.tmp, mdb_strerror(mrc));
        td_atomic_abort(&f);
        return td_err_from_mdb(mrc) == TD_OK ? TD_ERR_STORE : td_err_from_mdb(mrc);
    }
    if (fstat(f.fd, &st) != 0) {
        int e = errno;
        td_atomic_abort(&f);
        return td_fail(td_err_from_errno(e), err, errlen, "%s: %s", path, strerror(e));
    }
    rc = td_atomic_commit(&f, err, errlen);
    if (rc == TD_OK)
        *bytes_out = (size_t) st.st_size;
    return rc;
}

int store_in_use(const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/lock.mdb", dir);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    /* Every process with the environment open holds a shared lock on byte 0 of the lock
     * file (LMDB's mdb_env_excl_lock); an exclusive lock is granted only when none does. */
    struct flock lk;
    memset(&lk, 0, sizeof lk);
    lk.l_type = F_WRLCK;
    lk.l_whence = SEEK_SET;
    lk.l_start = 0;
    lk.l_len = 1;
    int in_use = 0;
    if (fcntl(fd, F_SETLK, &lk) != 0) {
        in_use = errno == EAGAIN || errno == EACCES ? 1 : -1;
    } else {
        lk.l_type = F_UNLCK;
        fcntl(fd, F_SETLK, &lk);
    }
    close(fd);
    return in_use;
}

/* ---- retention ---- */

#define PRUNE_KEY_MAX 64

struct store_prune {
    store_prune_config config;
    store_prune_stats stats;
    int phase; /* 0 revisions, 1 rejections, 2 done */
    uint8_t resume[PRUNE_KEY_MAX];
    size_t resume_len; /* 0: from the start of the phase's db */
};

/* One write of a step: a new value for key (value NULL: delete key). */
typedef struct {
    uint8_t key[PRUNE_KEY_MAX];
    size_t key_len;
    uint8_t *value;
    size_t value_len;
} s_prune_change;

typedef struct {
    s_prune_change *changes;
    size_t n;
    store_prune_stats stats; /* of this step, added on commit */
    uint8_t last[PRUNE_KEY_MAX];
    size_t last_len;
    int finished; /* the cursor reached the end of the db */
} s_prune_step;

td_err store_prune_open(store_prune_t **out, const store_prune_config *config)
{
    *out = calloc(1, sizeof **out);
    if (*out == NULL)
        return TD_ERR_NOMEM;
    (*out)->config = *config;
    if ((*out)->config.step_records == 0)
        (*out)->config.step_records = 2000;
    return TD_OK;
}

void store_prune_close(store_prune_t **prune)
{
    if (prune == NULL || *prune == NULL)
        return;
    free(*prune);
    *prune = NULL;
}

const store_prune_stats *store_prune_get_stats(const store_prune_t *prune)
{
    return &prune->stats;
}

/* The audit part of a report: who prepared it and when, for which unit and period. */
static td_err s_pruned_record(const uint8_t *old, size_t old_len, s_prune_change *change)
{
    ProtobufCMessage *msg = NULL;
    td_err rc = td_message_decode(&tiendo__report__descriptor, old + 1 + ORIGIN_BYTES,
                                  old_len - 1 - ORIGIN_BYTES, TD_MAX_FRAME, &msg);
    if (rc != TD_OK)
        return rc;
    const Tiendo__Report *r = (const Tiendo__Report *) msg;
    Tiendo__Report stub = TIENDO__REPORT__INIT;
    stub.unit = r->unit;
    stub.dataset = r->dataset;
    stub.period = r->period;
    stub.prepared_by = r->prepared_by;
    stub.has_prepared_at = r->has_prepared_at;
    stub.prepared_at = r->prepared_at;
    size_t packed = protobuf_c_message_get_packed_size(&stub.base);
    change->value_len = 1 + ORIGIN_BYTES + packed;
    change->value = malloc(change->value_len);
    if (change->value == NULL) {
        td_message_free(&msg);
        return TD_ERR_NOMEM;
    }
    change->value[0] = REVISION_PRUNED;
    memcpy(change->value + 1, old + 1, ORIGIN_BYTES);
    protobuf_c_message_pack(&stub.base, change->value + 1 + ORIGIN_BYTES);
    td_message_free(&msg);
    return TD_OK;
}

/* Is revision `revision` of natural key nk superseded, and since when? 0 when it is the
 * latest (never pruned) or when its successor is missing. */
static td_err s_superseded_at(store_txn *txn, const uint8_t *nk, size_t nlen, uint32_t revision,
                              int64_t *at_ms)
{
    *at_ms = 0;
    MDB_val key = {nlen, (void *) nk}, val;
    int rc = mdb_get(txn->txn, txn->store->latest, &key, &val);
    if (rc == MDB_NOTFOUND)
        return TD_OK;
    if (rc != 0)
        return td_err_from_mdb(rc);
    if (val.mv_size != LATEST_BYTES)
        return TD_ERR_STORE;
    if (revision >= td_get_be32(val.mv_data))
        return TD_OK;
    uint8_t rk[NATURAL_MAX + 4];
    memcpy(rk, nk, nlen);
    td_put_be32(rk + nlen, revision + 1);
    MDB_val rkey = {nlen + 4, rk};
    rc = mdb_get(txn->txn, txn->store->revisions, &rkey, &val);
    if (rc == MDB_NOTFOUND)
        return TD_OK;
    if (rc != 0)
        return td_err_from_mdb(rc);
    if (val.mv_size < 1 + ORIGIN_BYTES)
        return TD_ERR_STORE;
    *at_ms = (int64_t) td_get_be64((const uint8_t *) val.mv_data + 1 + 48);
    return TD_OK;
}

static td_err s_prune_look(store_txn *txn, const store_prune_t *p, const MDB_val *key,
                           const MDB_val *val, s_prune_step *step)
{
    const uint8_t *k = key->mv_data, *v = val->mv_data;
    s_prune_change *c = &step->changes[step->n];
    if (p->phase == 0) {
        if (key->mv_size < 5 || key->mv_size > NATURAL_MAX + 4 || val->mv_size < 1 + ORIGIN_BYTES)
            return TD_ERR_STORE;
        step->stats.revisions_seen++;
        if (v[0] == REVISION_PRUNED) {
            step->stats.already_pruned++;
            return TD_OK;
        }
        size_t nlen = key->mv_size - 4;
        int64_t superseded_at;
        td_err rc = s_superseded_at(txn, k, nlen, td_get_be32(k + nlen), &superseded_at);
        if (rc != TD_OK || superseded_at == 0 || superseded_at > p->config.superseded_cutoff_ms)
            return rc;
        if (s_pruned_record(v, val->mv_size, c) != TD_OK)
            return TD_OK; /* does not decode: leave it as it is for `check` to report */
        if (c->value_len >= val->mv_size) {
            free(c->value); /* nothing to gain */
            c->value = NULL;
            return TD_OK;
        }
        step->stats.revisions_pruned++;
        step->stats.body_bytes_freed += val->mv_size - c->value_len;
    } else {
        if (key->mv_size != 48)
            return TD_ERR_STORE;
        step->stats.rejections_seen++;
        MDB_val reason = *val;
        int64_t at_ms;
        s_rejection_strip_time(&reason, &at_ms);
        if (at_ms > p->config.rejections_cutoff_ms) /* 0, unknown (schema 1): old enough */
            return TD_OK;
        /* Only when the agent has said it no longer holds that seq: a resend would
         * otherwise find no reason and be answered DUPLICATE, losing the report. */
        uint64_t high_water, settled_below;
        td_err rc = store_delivery_read(txn, k, td_get_be64(k + 32), &high_water, &settled_below);
        if (rc != TD_OK)
            return rc;
        if (td_get_be64(k + 40) >= settled_below) {
            step->stats.rejections_kept_unsettled++;
            return TD_OK;
        }
        step->stats.rejections_pruned++;
        c->value = NULL;
        c->value_len = 0;
    }
    memcpy(c->key, k, key->mv_size);
    c->key_len = key->mv_size;
    step->n++;
    return TD_OK;
}

static td_err s_prune_scan(store_txn *txn, const store_prune_t *p, s_prune_step *step)
{
    MDB_dbi dbi = p->phase == 0 ? txn->store->revisions : txn->store->rejections;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn->txn, dbi, &cur);
    if (rc != 0)
        return td_err_from_mdb(rc);
    MDB_val key = {p->resume_len, (void *) p->resume}, val;
    rc = mdb_cursor_get(cur, &key, &val, p->resume_len ? MDB_SET_RANGE : MDB_FIRST);
    if (rc == 0 && p->resume_len && key.mv_size == p->resume_len &&
        memcmp(key.mv_data, p->resume, p->resume_len) == 0)
        rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT); /* looked at in the last step */
    td_err result = TD_OK;
    size_t looked = 0;
    for (; rc == 0 && looked < p->config.step_records;
         rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT), looked++) {
        if (key.mv_size > PRUNE_KEY_MAX) {
            result = TD_ERR_STORE;
            break;
        }
        result = s_prune_look(txn, p, &key, &val, step);
        if (result != TD_OK)
            break;
        memcpy(step->last, key.mv_data, key.mv_size);
        step->last_len = key.mv_size;
    }
    if (result == TD_OK && rc == MDB_NOTFOUND)
        step->finished = 1;
    else if (result == TD_OK && rc != 0)
        result = td_err_from_mdb(rc);
    mdb_cursor_close(cur);
    return result;
}

static void s_add_stats(store_prune_stats *to, const store_prune_stats *from)
{
    to->revisions_seen += from->revisions_seen;
    to->revisions_pruned += from->revisions_pruned;
    to->already_pruned += from->already_pruned;
    to->body_bytes_freed += from->body_bytes_freed;
    to->rejections_seen += from->rejections_seen;
    to->rejections_pruned += from->rejections_pruned;
    to->rejections_kept_unsettled += from->rejections_kept_unsettled;
    to->transactions += from->transactions;
}

td_err store_prune_step(store_t *store, store_prune_t *p, int *done)
{
    *done = 0;
    if (p->phase == 0 && p->config.superseded_cutoff_ms == INT64_MIN)
        p->phase = 1;
    if (p->phase == 1 && p->config.rejections_cutoff_ms == INT64_MIN)
        p->phase = 2;
    if (p->phase >= 2) {
        *done = 1;
        return TD_OK;
    }
    s_prune_step step;
    memset(&step, 0, sizeof step);
    step.changes = calloc(p->config.step_records, sizeof *step.changes);
    if (step.changes == NULL)
        return TD_ERR_NOMEM;
    store_txn txn;
    td_err rc = store_begin(store, p->config.dry_run, &txn);
    if (rc == TD_OK)
        rc = s_prune_scan(&txn, p, &step);
    MDB_dbi dbi = p->phase == 0 ? store->revisions : store->rejections;
    for (size_t i = 0; i < step.n && rc == TD_OK && !p->config.dry_run; i++) {
        s_prune_change *c = &step.changes[i];
        MDB_val key = {c->key_len, c->key}, val = {c->value_len, c->value};
        int mrc = c->value != NULL ? mdb_put(txn.txn, dbi, &key, &val, 0)
                                   : mdb_del(txn.txn, dbi, &key, NULL);
        rc = td_err_from_mdb(mrc);
    }
    if (rc == TD_OK && !p->config.dry_run)
        rc = store_commit(&txn);
    else
        store_abort(&txn);
    if (rc == TD_OK) {
        step.stats.transactions = p->config.dry_run ? 0 : 1;
        s_add_stats(&p->stats, &step.stats);
        if (step.finished) {
            p->phase++;
            p->resume_len = 0;
        } else {
            memcpy(p->resume, step.last, step.last_len);
            p->resume_len = step.last_len;
        }
    }
    for (size_t i = 0; i < step.n; i++)
        free(step.changes[i].value);
    free(step.changes);
    return rc;
}
