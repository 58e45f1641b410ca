/* store.c: LMDB layout of the collector (docs/architecture.md, "Storage layout"). */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bytes.h"
#include "log.h"

/* Named databases. Keys are big-endian composites so cursors walk them in order. */
struct store {
    MDB_env *env;
    MDB_dbi meta;       /* "schema" -> u32 */
    MDB_dbi delivery;   /* agent(32) | epoch(8) -> high water u64 */
    MDB_dbi rejections; /* agent(32) | epoch(8) | seq(8) -> reason text */
    MDB_dbi revisions;  /* natural key | revision(4) -> record */
    MDB_dbi latest;     /* natural key -> revision(4) | origin */
    MDB_dbi agents;     /* agent(32) -> agent record */
    size_t map_bytes;
    size_t max_map_bytes;
};

#define ORIGIN_BYTES (STORE_KEY_BYTES + 8 + 8 + 8)
#define NATURAL_MAX  (16 + 1 + 4 + 16 + 1)
/* latest value: revision(4) | origin of that revision | first revision's received_at(8) */
#define LATEST_BYTES (4 + ORIGIN_BYTES + 8)

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

static td_err s_mdb_err(int rc)
{
    switch (rc) {
    case MDB_SUCCESS:
        return TD_OK;
    case MDB_NOTFOUND:
        return TD_ERR_NOTFOUND;
    case MDB_MAP_FULL:
        return TD_ERR_MAPFULL;
    case MDB_KEYEXIST:
        return TD_ERR_EXISTS;
    case ENOSPC:
    case EDQUOT:
        return TD_ERR_DISKFULL;
    case ENOMEM:
        return TD_ERR_NOMEM;
    default:
        return TD_ERR_STORE;
    }
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
    MDB_val key = {6, (void *) "schema"}, val;
    rc = mdb_get(txn, s->meta, &key, &val);
    if (rc == MDB_NOTFOUND && !read_only) {
        uint8_t v[4];
        td_put_be32(v, STORE_SCHEMA);
        val.mv_size = 4;
        val.mv_data = v;
        if ((rc = mdb_put(txn, s->meta, &key, &val, 0)) != 0)
            goto fail;
    } else if (rc != 0) {
        goto fail;
    } else if (val.mv_size != 4 || td_get_be32(val.mv_data) != STORE_SCHEMA) {
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
    return s_mdb_err(rc) == TD_OK ? TD_ERR_STORE : s_mdb_err(rc);
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
        return s_mdb_err(rc) == TD_ERR_NOMEM ? TD_ERR_DISKFULL : TD_ERR_STORE;
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
    return s_mdb_err(rc);
}

td_err store_commit(store_txn *txn)
{
    int rc = mdb_txn_commit(txn->txn);
    txn->txn = NULL;
    if (rc != 0 && rc != MDB_MAP_FULL)
        td_error("LMDB commit failed: %s", mdb_strerror(rc));
    return s_mdb_err(rc);
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
        return s_mdb_err(rc);
    if (val.mv_size != 8)
        return TD_ERR_STORE;
    *high_water = td_get_be64(val.mv_data);
    return TD_OK;
}

td_err store_delivery_put(store_txn *txn, const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch,
                          uint64_t high_water)
{
    uint8_t k[40], v[8];
    memcpy(k, agent, 32);
    td_put_be64(k + 32, epoch);
    td_put_be64(v, high_water);
    MDB_val key = {sizeof k, k}, val = {sizeof v, v};
    return s_mdb_err(mdb_put(txn->txn, txn->store->delivery, &key, &val, 0));
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
    uint8_t k[48];
    s_rejection_key(k, agent, epoch, seq);
    MDB_val key = {sizeof k, k}, val = {strnlen(reason, STORE_REASON_MAX - 1), (void *) reason};
    return s_mdb_err(mdb_put(txn->txn, txn->store->rejections, &key, &val, 0));
}

td_err store_rejection_get(store_txn *txn, const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch,
                           uint64_t seq, char *reason, size_t reasonlen)
{
    uint8_t k[48];
    s_rejection_key(k, agent, epoch, seq);
    MDB_val key = {sizeof k, k}, val;
    int rc = mdb_get(txn->txn, txn->store->rejections, &key, &val);
    if (rc != 0)
        return s_mdb_err(rc);
    size_t n = val.mv_size < reasonlen - 1 ? val.mv_size : reasonlen - 1;
    memcpy(reason, val.mv_data, n);
    reason[n] = '\0';
    return TD_OK;
}

td_err store_report_put(store_txn *txn, const store_origin *origin, const Tiendo__Report *report,
                        const uint8_t *raw, size_t raw_len, uint32_t *revision_out)
{
    td_period period;
    const char *dataset = report->dataset != NULL ? report->dataset : "nq06";
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
        return s_mdb_err(rc);
    }

    /* The revision record: format byte, origin, then the report as packed protobuf,
     * written straight into the reserved page space. */
    size_t packed = raw != NULL ? raw_len : protobuf_c_message_get_packed_size(&report->base);
    td_put_be32(nk + nlen, revision);
    MDB_val rkey = {nlen + 4, nk};
    MDB_val rval = {1 + ORIGIN_BYTES + packed, NULL};
    rc = mdb_put(txn->txn, txn->store->revisions, &rkey, &rval, MDB_RESERVE);
    if (rc != 0)
        return s_mdb_err(rc);
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
        return s_mdb_err(rc);
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
        return s_mdb_err(rc);
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
        return s_mdb_err(rc);
    uint8_t *p = val.mv_data;
    td_put_be64(p, (uint64_t) seen_ms);
    td_put_be64(p + 8, epoch);
    td_put_be64(p + 16, high_water);
    td_put_be64(p + 24, (uint64_t) hb_at);
    memcpy(p + 32, hb_bytes, hb_len);
    return TD_OK;
}

td_err store_scan_latest(store_txn *txn, const char *dataset, const td_period *period,
                         store_latest_fn fn, void *ctx)
{
    uint8_t prefix[NATURAL_MAX];
    size_t plen = s_natural_prefix(prefix, dataset, period);
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn->txn, txn->store->latest, &cur);
    if (rc != 0)
        return s_mdb_err(rc);
    MDB_val key = {plen, prefix}, val;
    td_err result = TD_OK;
    for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
        if (key.mv_size <= plen || memcmp(key.mv_data, prefix, plen) != 0)
            break;
        if (val.mv_size != LATEST_BYTES || key.mv_size > NATURAL_MAX) {
            result = TD_ERR_STORE;
            break;
        }
        char unit[17];
        size_t ulen = key.mv_size - plen - 1;
        if (ulen >= sizeof unit) {
            result = TD_ERR_STORE;
            break;
        }
        memcpy(unit, (const uint8_t *) key.mv_data + plen, ulen);
        unit[ulen] = '\0';
        uint32_t revision = td_get_be32(val.mv_data);
        store_origin origin;
        s_get_origin((const uint8_t *) val.mv_data + 4, &origin);
        uint8_t rk[NATURAL_MAX + 4];
        memcpy(rk, key.mv_data, key.mv_size);
        td_put_be32(rk + key.mv_size, revision);
        MDB_val rkey = {key.mv_size + 4, rk}, rval;
        int grc = mdb_get(txn->txn, txn->store->revisions, &rkey, &rval);
        if (grc != 0 || rval.mv_size < 1 + ORIGIN_BYTES) {
            result = grc != 0 ? s_mdb_err(grc) : TD_ERR_STORE;
            break;
        }
        int64_t first_received =
            (int64_t) td_get_be64((const uint8_t *) val.mv_data + 4 + ORIGIN_BYTES);
        if (fn(ctx, unit, revision, &origin, first_received,
               (const uint8_t *) rval.mv_data + 1 + ORIGIN_BYTES,
               rval.mv_size - 1 - ORIGIN_BYTES) != 0)
            break;
    }
    if (rc != 0 && rc != MDB_NOTFOUND && result == TD_OK)
        result = s_mdb_err(rc);
    mdb_cursor_close(cur);
    return result;
}

td_err store_scan_agents(store_txn *txn, store_agent_fn fn, void *ctx)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn->txn, txn->store->agents, &cur);
    if (rc != 0)
        return s_mdb_err(rc);
    MDB_val key, val;
    td_err result = TD_OK;
    for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
        if (key.mv_size != STORE_KEY_BYTES || val.mv_size < 32) {
            result = TD_ERR_STORE;
            break;
        }
        store_agent a;
        const uint8_t *p = val.mv_data;
        memcpy(a.agent, key.mv_data, STORE_KEY_BYTES);
        a.last_seen_ms = (int64_t) td_get_be64(p);
        a.epoch = td_get_be64(p + 8);
        a.high_water = td_get_be64(p + 16);
        a.heartbeat_at_ms = (int64_t) td_get_be64(p + 24);
        a.heartbeat = p + 32;
        a.heartbeat_len = val.mv_size - 32;
        if (fn(ctx, &a) != 0)
            break;
    }
    if (rc != 0 && rc != MDB_NOTFOUND && result == TD_OK)
        result = s_mdb_err(rc);
    mdb_cursor_close(cur);
    return result;
}

/* Walk revisions from the first key at or after prefix while keys start with it (plen 0:
 * all of them). Revision keys are natural key | revision(4). */
static td_err s_scan_revisions(store_txn *txn, const uint8_t *prefix, size_t plen,
                               store_revision_fn fn, void *ctx)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn->txn, txn->store->revisions, &cur);
    if (rc != 0)
        return s_mdb_err(rc);
    MDB_val key = {plen, (void *) prefix}, val;
    td_err result = TD_OK;
    for (rc = mdb_cursor_get(cur, &key, &val, plen ? MDB_SET_RANGE : MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
        if (plen > 0 && (key.mv_size != plen + 4 || memcmp(key.mv_data, prefix, plen) != 0))
            break;
        if (key.mv_size < 5 || val.mv_size < 1 + ORIGIN_BYTES ||
            ((const uint8_t *) val.mv_data)[0] != 1) {
            result = TD_ERR_STORE;
            break;
        }
        store_origin origin;
        s_get_origin((const uint8_t *) val.mv_data + 1, &origin);
        const uint8_t *k = key.mv_data;
        if (fn(ctx, k, key.mv_size - 4, td_get_be32(k + key.mv_size - 4), &origin,
               (const uint8_t *) val.mv_data + 1 + ORIGIN_BYTES,
               val.mv_size - 1 - ORIGIN_BYTES) != 0)
            break;
    }
    if (rc != 0 && rc != MDB_NOTFOUND && result == TD_OK)
        result = s_mdb_err(rc);
    mdb_cursor_close(cur);
    return result;
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
    return s_mdb_err(rc);
}
