/* store.c: the LMDB layout of the collector (docs/architecture.md, "Storage layout"). */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bytes.h"
#include "calendar.h"
#include "clock.h"
#include "i18n.h"
#include "log.h"
#include "mdb_error.h"
#include "store_private.h"

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

td_err store_natural_key_parse(const uint8_t *natural_key, size_t natural_len,
                               char dataset[STORE_NAME_MAX], td_period *period,
                               char unit[STORE_NAME_MAX])
{
    const uint8_t *d_end = memchr(natural_key, 0, natural_len);
    if (d_end == NULL || natural_len == 0 || natural_key[natural_len - 1] != 0)
        return TD_ERR_STORE;
    size_t dlen = (size_t) (d_end - natural_key);
    if (dlen >= STORE_NAME_MAX || natural_len < dlen + 1 + 4 + 1)
        return TD_ERR_STORE;
    const uint8_t *u = d_end + 1 + 4;
    size_t ulen = natural_len - 1 - (size_t) (u - natural_key);
    if (ulen >= STORE_NAME_MAX || memchr(u, 0, ulen) != NULL)
        return TD_ERR_STORE;
    memcpy(dataset, natural_key, dlen);
    dataset[dlen] = '\0';
    period->year = (d_end[1] << 8) | d_end[2];
    period->kind = (td_period_kind) d_end[3];
    period->index = d_end[4];
    memcpy(unit, u, ulen);
    unit[ulen] = '\0';
    return TD_OK;
}

/* agent(32) | epoch(8) [| seq(8)]: the keys of delivery, rejections and gaps */
static void s_agent_key(uint8_t *k, const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch)
{
    memcpy(k, agent, STORE_KEY_BYTES);
    td_put_be64(k + 32, epoch);
}

void store_agent_seq_key(uint8_t k[48], const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch,
                         uint64_t seq)
{
    s_agent_key(k, agent, epoch);
    td_put_be64(k + 40, seq);
}

/* ---- the environment ---- */

/* Open the tables and check the schema in one transaction; a store of an older schema
 * opened for writing is upgraded in it (schema 1 -> 2 adds the gaps db and changes no
 * record; 2 -> 3 adds the tasks dbs, built from the stored revisions). err says why. */
static td_err s_tables(store_t *s, const char *dir, int read_only, char *err, size_t errlen)
{
    MDB_txn *txn = NULL;
    unsigned create = read_only ? 0 : MDB_CREATE;
    /* A read-only open takes no write lock, so it never waits behind a collector. */
    int rc = mdb_txn_begin(s->env, NULL, read_only ? MDB_RDONLY : 0, &txn);
    if (rc != 0)
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
    rc = mdb_dbi_open(txn, "tasks", create, &s->tasks);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "tasks_due", create, &s->tasks_due);
    if (rc != 0 && !(rc == MDB_NOTFOUND && read_only))
        goto fail;
    s->has_tasks = rc == 0;
    MDB_val key = {6, (void *) "schema"}, val;
    rc = mdb_get(txn, s->meta, &key, &val);
    uint32_t schema = rc == 0 && val.mv_size == 4 ? td_get_be32(val.mv_data) : 0;
    if (rc == 0 && (schema < 1 || schema > STORE_SCHEMA)) {
        td_msg(err, errlen, "%s: store schema %u is not the one this collector knows (%d)", dir,
               schema, STORE_SCHEMA);
        mdb_txn_abort(txn);
        return TD_ERR_STORE;
    }
    if (rc != 0 && !(rc == MDB_NOTFOUND && !read_only))
        goto fail;
    /* Older schemas are read as they are; a collector upgrades them in place. */
    if ((rc == MDB_NOTFOUND || schema < STORE_SCHEMA) && !read_only) {
        if (rc == 0) {
            int64_t start = td_mono_ms();
            td_info("%s: upgrading the store from schema %u to %d", dir, schema, STORE_SCHEMA);
            store_txn t = {s, txn};
            td_err built = store_tasks_rebuild(&t);
            if (built != TD_OK) {
                td_msg(err, errlen, "%s: cannot build the tasks table: %s", dir,
                       _(td_strerror(built)));
                mdb_txn_abort(txn);
                return built;
            }
            td_info("%s: schema %d: tasks table built in %.1f s", dir, STORE_SCHEMA,
                    (double) (td_mono_ms() - start) / 1000.0);
        }
        uint8_t v[4];
        td_put_be32(v, STORE_SCHEMA);
        val.mv_size = 4;
        val.mv_data = v;
        if ((rc = mdb_put(txn, s->meta, &key, &val, 0)) != 0)
            goto fail;
    }
    rc = mdb_txn_commit(txn);
    txn = NULL;
    if (rc == 0)
        return TD_OK;
fail:
    if (txn != NULL)
        mdb_txn_abort(txn);
    snprintf(err, errlen, "%s: %s", dir, mdb_strerror(rc));
    return td_err_from_mdb(rc) == TD_OK ? TD_ERR_STORE : td_err_from_mdb(rc);
}

#define S_OPEN_READ_ONLY 1
#define S_OPEN_EXISTING  2 /* refuse a folder that holds no store */

static td_err s_open(store_t **out, const char *dir, size_t map_bytes, size_t max_map_bytes,
                     int flags, char *err, size_t errlen)
{
    *out = NULL;
    int read_only = (flags & S_OPEN_READ_ONLY) != 0;
    if (read_only || (flags & S_OPEN_EXISTING) != 0) {
        /* Never create a store just to look at or prune it: a mistyped path is an error. */
        char path[4200];
        struct stat st;
        snprintf(path, sizeof path, "%s/data.mdb", dir);
        if (stat(path, &st) != 0) {
            td_msg(err, errlen, "%s: no store here (no data.mdb)", dir);
            return TD_ERR_NOTFOUND;
        }
    }
    store_t *s = calloc(1, sizeof *s);
    int rc;
    if (s == NULL)
        return TD_ERR_NOMEM;
    if (!read_only && mkdir(dir, 0700) != 0 && errno != EEXIST) {
        int e = errno;
        td_msg(err, errlen, "%s: cannot create: %s", dir, strerror(e));
        free(s);
        return td_err_from_errno(e);
    }
    s->map_bytes = map_bytes;
    s->max_map_bytes = max_map_bytes < map_bytes ? map_bytes : max_map_bytes;
    if ((rc = mdb_env_create(&s->env)) != 0)
        goto fail;
    if ((rc = mdb_env_set_maxdbs(s->env, 16)) != 0 ||
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

    td_err code;
    for (;;) {
        code = s_tables(s, dir, read_only, err, errlen);
        /* An upgrade that fills the map (it builds a table) starts again in a bigger one. */
        if (code != TD_ERR_MAPFULL || read_only || s->map_bytes >= s->max_map_bytes)
            break;
        size_t next = s->map_bytes * 2 < s->max_map_bytes ? s->map_bytes * 2 : s->max_map_bytes;
        if ((rc = mdb_env_set_mapsize(s->env, next)) != 0)
            goto fail;
        s->map_bytes = next;
    }
    if (code != TD_OK) {
        mdb_env_close(s->env);
        free(s);
        return code;
    }
    *out = s;
    return TD_OK;
fail:
    snprintf(err, errlen, "%s: %s", dir, mdb_strerror(rc));
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

td_err store_open_existing(store_t **out, const char *dir, size_t map_bytes, size_t max_map_bytes,
                           char *err, size_t errlen)
{
    return s_open(out, dir, map_bytes, max_map_bytes, S_OPEN_EXISTING, err, errlen);
}

td_err store_open_read_only(store_t **out, const char *dir, char *err, size_t errlen)
{
    return s_open(out, dir, 1 << 20, 1 << 20, S_OPEN_READ_ONLY, err, errlen);
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

td_err store_copy_to_fd(store_t *store, int fd, char *err, size_t errlen)
{
    /* One read transaction: a consistent snapshot while the collector keeps writing;
     * MDB_CP_COMPACT leaves out free pages and renumbers the rest. */
    int rc = mdb_env_copyfd2(store->env, fd, MDB_CP_COMPACT);
    for (int tries = 0; rc == MDB_MAP_RESIZED && tries < 3; tries++) {
        /* the collector grew the map since we opened it: adopt its size, start again */
        mdb_env_set_mapsize(store->env, 0);
        if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0)
            return td_fail(td_err_from_errno(errno), err, errlen, "cannot start the copy again: %s",
                           strerror(errno));
        rc = mdb_env_copyfd2(store->env, fd, MDB_CP_COMPACT);
    }
    if (rc == 0)
        return TD_OK;
    td_err code = td_err_from_mdb(rc);
    snprintf(err, errlen, "%s", mdb_strerror(rc)); /* LMDB's words: nothing to translate */
    return code == TD_OK ? TD_ERR_STORE : code;
}

/* ---- transactions ---- */

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

/* ---- one cursor walk for every scan ---- */

td_err store_walk(store_txn *txn, MDB_dbi dbi, const store_range *range, store_visit_fn visit,
                  void *ctx)
{
    store_position *resume = range->resume;
    if (range->finished != NULL)
        *range->finished = 0;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn->txn, dbi, &cur);
    if (rc != 0)
        return td_err_from_mdb(rc);
    MDB_val key = {range->plen, (void *) range->prefix}, val;
    MDB_cursor_op op = range->plen > 0 ? MDB_SET_RANGE : MDB_FIRST;
    if (resume != NULL && resume->len > 0) {
        key.mv_size = resume->len;
        key.mv_data = resume->key;
        op = MDB_SET_RANGE;
    }
    rc = mdb_cursor_get(cur, &key, &val, op);
    if (rc == 0 && resume != NULL && resume->len > 0 && key.mv_size == resume->len &&
        memcmp(key.mv_data, resume->key, resume->len) == 0)
        rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT); /* visited by the previous walk */
    td_err result = TD_OK;
    int ended = 0;
    for (size_t visited = 0;; rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT), visited++) {
        if (range->limit > 0 && visited == range->limit)
            break;
        if (rc == MDB_NOTFOUND ||
            (rc == 0 && range->plen > 0 &&
             (key.mv_size < range->plen || memcmp(key.mv_data, range->prefix, range->plen) != 0))) {
            ended = 1;
            break;
        }
        if (rc != 0) {
            result = td_err_from_mdb(rc);
            break;
        }
        if (resume != NULL) {
            if (key.mv_size > sizeof resume->key) {
                result = TD_ERR_STORE;
                break;
            }
            memcpy(resume->key, key.mv_data, key.mv_size);
            resume->len = key.mv_size;
        }
        int v = visit(ctx, &key, &val);
        if (v == STORE_WALK_STOP)
            break;
        if (v != 0) {
            result = (td_err) v;
            break;
        }
    }
    if (range->finished != NULL)
        *range->finished = ended && result == TD_OK;
    mdb_cursor_close(cur);
    return result;
}

/* ---- delivery state ---- */

static td_err s_delivery_value(const MDB_val *val, uint64_t *high_water, uint64_t *settled_below)
{
    /* 8 bytes: the schema 1 value (or no settled_below said yet); 16: with settled_below */
    if (val->mv_size != 8 && val->mv_size != 16)
        return TD_ERR_STORE;
    *high_water = td_get_be64(val->mv_data);
    *settled_below = val->mv_size == 16 ? td_get_be64((const uint8_t *) val->mv_data + 8) : 0;
    return TD_OK;
}

td_err store_delivery_read(store_txn *txn, const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch,
                           uint64_t *high_water, uint64_t *settled_below)
{
    uint8_t k[40];
    s_agent_key(k, agent, epoch);
    MDB_val key = {sizeof k, k}, val;
    *high_water = 0;
    *settled_below = 0;
    int rc = mdb_get(txn->txn, txn->store->delivery, &key, &val);
    if (rc == MDB_NOTFOUND)
        return TD_OK;
    if (rc != 0)
        return td_err_from_mdb(rc);
    return s_delivery_value(&val, high_water, settled_below);
}

td_err store_delivery_write(store_txn *txn, const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch,
                            uint64_t high_water, uint64_t settled_below)
{
    uint8_t k[40], v[16];
    s_agent_key(k, agent, epoch);
    td_put_be64(v, high_water);
    td_put_be64(v + 8, settled_below);
    MDB_val key = {sizeof k, k}, val = {settled_below > 0 ? 16 : 8, v};
    return td_err_from_mdb(mdb_put(txn->txn, txn->store->delivery, &key, &val, 0));
}

typedef struct {
    store_delivery_fn fn;
    void *ctx;
} s_delivery_walk;

static int s_delivery_visit(void *vctx, const MDB_val *key, const MDB_val *val)
{
    s_delivery_walk *w = vctx;
    store_delivery mark;
    if (key->mv_size != 40 || s_delivery_value(val, &mark.high_water, &mark.settled_below) != 0)
        return TD_ERR_STORE;
    memcpy(mark.agent, key->mv_data, STORE_KEY_BYTES);
    mark.epoch = td_get_be64((const uint8_t *) key->mv_data + 32);
    return w->fn(w->ctx, &mark) != 0 ? STORE_WALK_STOP : 0;
}

td_err store_scan_delivery(store_txn *txn, store_delivery_fn fn, void *ctx)
{
    s_delivery_walk w = {fn, ctx};
    store_range all = {NULL, 0, NULL, 0, NULL};
    return store_walk(txn, txn->store->delivery, &all, s_delivery_visit, &w);
}

/* ---- reports ---- */

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
    p[0] = REVISION_AS_RECEIVED;
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
    td_err folded = store_tasks_fold(txn, report, revision, origin->received_at_ms);
    if (folded != TD_OK)
        return folded;
    if (revision_out != NULL)
        *revision_out = revision;
    return TD_OK;
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
        return STORE_WALK_STOP;
    char dataset[STORE_NAME_MAX], unit[STORE_NAME_MAX];
    td_period period;
    if (val->mv_size != LATEST_BYTES || key->mv_size > NATURAL_MAX ||
        store_natural_key_parse(key->mv_data, key->mv_size, dataset, &period, unit) != TD_OK)
        return TD_ERR_STORE;
    uint32_t revision = td_get_be32(val->mv_data);
    store_origin origin;
    s_get_origin((const uint8_t *) val->mv_data + 4, &origin);
    uint8_t rk[NATURAL_MAX + 4];
    memcpy(rk, key->mv_data, key->mv_size);
    td_put_be32(rk + key->mv_size, revision);
    MDB_val rkey = {key->mv_size + 4, rk}, rval;
    int grc = mdb_get(w->txn->txn, w->txn->store->revisions, &rkey, &rval);
    if (grc != 0)
        return grc == MDB_NOTFOUND ? TD_ERR_STORE : td_err_from_mdb(grc); /* no record */
    if (rval.mv_size < 1 + ORIGIN_BYTES)
        return TD_ERR_STORE;
    int64_t first_received =
        (int64_t) td_get_be64((const uint8_t *) val->mv_data + 4 + ORIGIN_BYTES);
    return w->fn(w->ctx, unit, revision, &origin, first_received,
                 (const uint8_t *) rval.mv_data + 1 + ORIGIN_BYTES,
                 rval.mv_size - 1 - ORIGIN_BYTES) != 0
               ? STORE_WALK_STOP
               : 0;
}

td_err store_scan_latest(store_txn *txn, const char *dataset, const td_period *period,
                         store_latest_fn fn, void *ctx)
{
    uint8_t prefix[NATURAL_MAX];
    size_t plen = s_natural_prefix(prefix, dataset, period);
    s_latest_walk w = {txn, plen, fn, ctx};
    store_range range = {prefix, plen, NULL, 0, NULL};
    return store_walk(txn, txn->store->latest, &range, s_latest_visit, &w);
}

typedef struct {
    size_t plen; /* one natural key (store_scan_unit_revisions), 0: every revision */
    store_revision_fn fn;
    void *ctx;
} s_revision_walk;

static int s_revision_visit(void *vctx, const MDB_val *key, const MDB_val *val)
{
    s_revision_walk *w = vctx;
    if (w->plen > 0 && key->mv_size != w->plen + 4)
        return STORE_WALK_STOP; /* a longer natural key that starts with this one */
    const uint8_t *v = val->mv_data;
    if (key->mv_size < 5 || key->mv_size > NATURAL_MAX + 4 || val->mv_size < 1 + ORIGIN_BYTES ||
        (v[0] != REVISION_AS_RECEIVED && v[0] != REVISION_PRUNED))
        return TD_ERR_STORE;
    const uint8_t *k = key->mv_data;
    store_revision rev;
    rev.natural_key = k;
    rev.natural_len = key->mv_size - 4;
    rev.revision = td_get_be32(k + rev.natural_len);
    s_get_origin(v + 1, &rev.origin);
    rev.pruned = v[0] == REVISION_PRUNED;
    rev.report = v + 1 + ORIGIN_BYTES;
    rev.report_len = val->mv_size - 1 - ORIGIN_BYTES;
    return w->fn(w->ctx, &rev) != 0 ? STORE_WALK_STOP : 0;
}

td_err store_scan_revisions(store_txn *txn, store_position *from, size_t limit,
                            store_revision_fn fn, void *ctx, int *finished)
{
    s_revision_walk w = {0, fn, ctx};
    store_range range = {NULL, 0, from, from != NULL ? limit : 0, finished};
    return store_walk(txn, txn->store->revisions, &range, s_revision_visit, &w);
}

td_err store_scan_unit_revisions(store_txn *txn, const char *dataset, const td_period *period,
                                 const char *unit, store_revision_fn fn, void *ctx)
{
    uint8_t prefix[NATURAL_MAX + 4];
    size_t plen = s_natural_key(prefix, dataset, period, unit);
    s_revision_walk w = {plen, fn, ctx};
    store_range range = {prefix, plen, NULL, 0, NULL};
    return store_walk(txn, txn->store->revisions, &range, s_revision_visit, &w);
}

td_err store_revision_superseded_at(store_txn *txn, const store_revision *revision, int64_t *at_ms)
{
    *at_ms = 0;
    size_t nlen = revision->natural_len;
    if (nlen > NATURAL_MAX)
        return TD_ERR_INVALID;
    MDB_val key = {nlen, (void *) revision->natural_key}, val;
    int rc = mdb_get(txn->txn, txn->store->latest, &key, &val);
    if (rc == MDB_NOTFOUND)
        return TD_OK;
    if (rc != 0)
        return td_err_from_mdb(rc);
    if (val.mv_size != LATEST_BYTES)
        return TD_ERR_STORE;
    if (revision->revision >= td_get_be32(val.mv_data))
        return TD_OK; /* the latest: never superseded */
    uint8_t rk[NATURAL_MAX + 4];
    memcpy(rk, revision->natural_key, nlen);
    td_put_be32(rk + nlen, revision->revision + 1);
    MDB_val rkey = {nlen + 4, rk};
    rc = mdb_get(txn->txn, txn->store->revisions, &rkey, &val);
    if (rc == MDB_NOTFOUND)
        return TD_OK;
    if (rc != 0)
        return td_err_from_mdb(rc);
    if (val.mv_size < 1 + ORIGIN_BYTES)
        return TD_ERR_STORE;
    store_origin next;
    s_get_origin((const uint8_t *) val.mv_data + 1, &next);
    *at_ms = next.received_at_ms;
    return TD_OK;
}

td_err store_revision_prune(store_txn *txn, const uint8_t *natural_key, size_t natural_len,
                            uint32_t revision, const uint8_t *audit, size_t audit_len)
{
    if (natural_len > NATURAL_MAX)
        return TD_ERR_INVALID;
    uint8_t rk[NATURAL_MAX + 4];
    memcpy(rk, natural_key, natural_len);
    td_put_be32(rk + natural_len, revision);
    MDB_val key = {natural_len + 4, rk}, old;
    int rc = mdb_get(txn->txn, txn->store->revisions, &key, &old);
    if (rc != 0)
        return td_err_from_mdb(rc);
    if (old.mv_size < 1 + ORIGIN_BYTES)
        return TD_ERR_STORE;
    uint8_t origin[ORIGIN_BYTES];
    memcpy(origin, (const uint8_t *) old.mv_data + 1, ORIGIN_BYTES); /* the put moves pages */
    MDB_val val = {1 + ORIGIN_BYTES + audit_len, NULL};
    rc = mdb_put(txn->txn, txn->store->revisions, &key, &val, MDB_RESERVE);
    if (rc != 0)
        return td_err_from_mdb(rc);
    uint8_t *p = val.mv_data;
    p[0] = REVISION_PRUNED;
    memcpy(p + 1, origin, ORIGIN_BYTES);
    memcpy(p + 1 + ORIGIN_BYTES, audit, audit_len);
    return TD_OK;
}

static td_err s_count(store_txn *txn, MDB_dbi dbi, size_t *count)
{
    MDB_stat st;
    int rc = mdb_stat(txn->txn, dbi, &st);
    *count = rc == 0 ? st.ms_entries : 0;
    return td_err_from_mdb(rc);
}

td_err store_count_latest(store_txn *txn, size_t *count)
{
    return s_count(txn, txn->store->latest, count);
}

td_err store_count_revisions(store_txn *txn, size_t *count)
{
    return s_count(txn, txn->store->revisions, count);
}

/* ---- agents ---- */

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
    return w->fn(w->ctx, &a) != 0 ? STORE_WALK_STOP : 0;
}

td_err store_scan_agents(store_txn *txn, store_agent_fn fn, void *ctx)
{
    s_agent_walk w = {fn, ctx};
    store_range all = {NULL, 0, NULL, 0, NULL};
    return store_walk(txn, txn->store->agents, &all, s_agent_visit, &w);
}
