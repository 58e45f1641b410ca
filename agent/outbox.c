/* outbox.c: the agent's durable report queue in LMDB (sequence numbers, dead letters). */
#include "outbox.h"

#include <errno.h>
#include <stdarg.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "i18n.h"
#include "record.h"
#include "utf8.h"
#include "mdb_error.h"

#define S_MAX_ATTEMPTS 64
#define S_APP_ERROR    (-1) /* a write callback failed for a reason it put in ob->app_* */

struct outbox {
    MDB_env *env;
    MDB_dbi meta, queue, dead;
    uint64_t epoch;
    char *dir;
    /* set by a transaction callback that fails for a non-LMDB reason */
    td_err app_err;
    char app_msg[256];
};

/* ---- small helpers ---- */

/* mkdir -p with mode 0700 for the components it creates. */
static td_err s_make_dirs(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            td_msg(err, errlen, "%s: not a folder", dir);
            return TD_ERR_INVALID;
        }
        return TD_OK;
    }
    size_t len = strlen(dir);
    char *path = malloc(len + 1);
    if (path == NULL)
        return TD_ERR_NOMEM;
    memcpy(path, dir, len + 1);
    td_err result = TD_OK;
    for (size_t i = 1; i <= len; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char saved = path[i];
        path[i] = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            result = td_err_from_errno(errno);
            td_msg(err, errlen, "cannot create folder %s: %s", path, strerror(errno));
            break;
        }
        path[i] = saved;
    }
    free(path);
    return result;
}

void outbox_record_clear(outbox_record *rec)
{
    if (rec == NULL)
        return;
    free(rec->owned);
    memset(rec, 0, sizeof *rec);
}

char *outbox_record_reason(const outbox_record *rec, char *buf, size_t len)
{
    const char *args[OUTBOX_REASON_ARGS];
    size_t n = rec->reason_nargs < OUTBOX_REASON_ARGS ? rec->reason_nargs : OUTBOX_REASON_ARGS;
    for (size_t i = 0; i < n; i++)
        args[i] = rec->reason_args[i];
    return td_reason_render_parts(rec->reason_format[0] != '\0' ? rec->reason_format : NULL, args,
                                  n, rec->reason, buf, len);
}

static int s_record_own(outbox_record *rec)
{
    uint8_t *copy = malloc(rec->report_len > 0 ? rec->report_len : 1);
    if (copy == NULL)
        return -1;
    if (rec->report_len > 0)
        memcpy(copy, rec->report, rec->report_len);
    rec->owned = copy;
    rec->report = copy;
    return 0;
}

/* ---- transactions with map growth ---- */

/* A transaction callback's failure for its caller: fmt is an English msgid (marked N_ at
 * the call), written in the reader's language. */
static void s_app_error(outbox_t *ob, td_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void s_app_error(outbox_t *ob, td_err code, const char *fmt, ...)
{
    ob->app_err = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ob->app_msg, sizeof ob->app_msg, _(fmt), ap);
    va_end(ap);
}

/* What failed in LMDB, one message each (a whole sentence to translate). */
typedef enum { S_MDB_CREATE, S_MDB_GROW, S_MDB_BEGIN, S_MDB_READ, S_MDB_WRITE } s_mdb_step;

static void s_mdb_err(char *err, size_t errlen, s_mdb_step step, int rc)
{
    switch (step) {
    case S_MDB_CREATE:
        td_msg(err, errlen, "outbox cannot create environment: %s", mdb_strerror(rc));
        break;
    case S_MDB_GROW:
        td_msg(err, errlen, "outbox cannot grow: %s", mdb_strerror(rc));
        break;
    case S_MDB_BEGIN:
        td_msg(err, errlen, "outbox cannot begin a transaction: %s", mdb_strerror(rc));
        break;
    case S_MDB_READ:
        td_msg(err, errlen, "outbox read failed: %s", mdb_strerror(rc));
        break;
    case S_MDB_WRITE:
        td_msg(err, errlen, "outbox write failed: %s", mdb_strerror(rc));
        break;
    }
}

/* Double the map; TD_ERR_MAPFULL when it would pass the limit. */
static td_err s_grow(outbox_t *ob, char *err, size_t errlen)
{
    MDB_envinfo info;
    mdb_env_info(ob->env, &info);
    size_t size = info.me_mapsize;
    if (size >= OUTBOX_MAX_MAP_BYTES) {
        td_msg(err, errlen, "outbox is full: it has reached its limit of %zu MiB",
               OUTBOX_MAX_MAP_BYTES >> 20);
        return TD_ERR_MAPFULL;
    }
    size_t bigger = size * 2 > OUTBOX_MAX_MAP_BYTES ? OUTBOX_MAX_MAP_BYTES : size * 2;
    int rc = mdb_env_set_mapsize(ob->env, bigger);
    if (rc != 0) {
        s_mdb_err(err, errlen, S_MDB_GROW, rc);
        return td_err_from_mdb(rc);
    }
    return TD_OK;
}

typedef int (*s_txn_fn)(outbox_t *ob, MDB_txn *txn, void *ctx);

/* Run fn in a write (or read) transaction and commit it. fn returns an MDB code (or
 * S_APP_ERROR). MDB_MAP_FULL grows the map and runs fn again from the start, so fn must
 * (re)set its outputs on every call. */
static td_err s_run_txn(outbox_t *ob, int readonly, s_txn_fn fn, void *ctx, char *err,
                        size_t errlen)
{
    for (int attempt = 0; attempt < S_MAX_ATTEMPTS; attempt++) {
        MDB_txn *txn = NULL;
        int rc = mdb_txn_begin(ob->env, NULL, readonly ? MDB_RDONLY : 0, &txn);
        if (rc == MDB_MAP_RESIZED) {
            /* another process grew the map: adopt its size */
            mdb_env_set_mapsize(ob->env, 0);
            continue;
        }
        if (rc != 0) {
            s_mdb_err(err, errlen, S_MDB_BEGIN, rc);
            return td_err_from_mdb(rc);
        }
        ob->app_err = TD_OK;
        rc = fn(ob, txn, ctx);
        if (rc == 0 && !readonly)
            rc = mdb_txn_commit(txn);
        else
            mdb_txn_abort(txn);
        if (rc == 0)
            return TD_OK;
        if (rc == S_APP_ERROR) {
            if (err != NULL && errlen > 0)
                snprintf(err, errlen, "%s", ob->app_msg);
            return ob->app_err;
        }
        if (rc == MDB_MAP_FULL) {
            td_err grown = s_grow(ob, err, errlen);
            if (grown != TD_OK)
                return grown;
            continue;
        }
        if (rc == MDB_MAP_RESIZED) {
            mdb_env_set_mapsize(ob->env, 0);
            continue;
        }
        s_mdb_err(err, errlen, readonly ? S_MDB_READ : S_MDB_WRITE, rc);
        return td_err_from_mdb(rc);
    }
    td_msg(err, errlen, "outbox: gave up after repeated map resizes");
    return TD_ERR_STORE;
}

static int s_meta_get_u64(outbox_t *ob, MDB_txn *txn, const char *name, uint64_t *value)
{
    MDB_val key = {strlen(name), (void *) name};
    MDB_val val;
    int rc = mdb_get(txn, ob->meta, &key, &val);
    if (rc != 0)
        return rc;
    if (val.mv_size != 8) {
        s_app_error(ob, TD_ERR_STORE, N_("outbox metadata is corrupt"));
        return S_APP_ERROR;
    }
    *value = td_get_be64(val.mv_data);
    return 0;
}

static int s_meta_put_u64(outbox_t *ob, MDB_txn *txn, const char *name, uint64_t value)
{
    uint8_t buf[8];
    td_put_be64(buf, value);
    MDB_val key = {strlen(name), (void *) name};
    MDB_val val = {8, buf};
    return mdb_put(txn, ob->meta, &key, &val, 0);
}

static uint64_t s_random_epoch(void)
{
    uint64_t epoch = 0;
    while (epoch == 0) {
        ssize_t n = getrandom(&epoch, sizeof epoch, 0);
        if (n != (ssize_t) sizeof epoch) {
            if (n < 0 && errno == EINTR)
                continue;
            /* getrandom cannot fail for 8 bytes once the pool is ready; fall back to
             * the clock mixed with the pid rather than leave the outbox unusable */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            epoch =
                ((uint64_t) ts.tv_sec << 32) ^ (uint64_t) ts.tv_nsec ^ ((uint64_t) getpid() << 16);
        }
    }
    return epoch;
}

static int s_init_txn(outbox_t *ob, MDB_txn *txn, void *ctx)
{
    (void) ctx;
    int rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &ob->meta);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "outbox", MDB_CREATE, &ob->queue);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "dead", MDB_CREATE, &ob->dead);
    if (rc != 0)
        return rc;
    rc = s_meta_get_u64(ob, txn, "epoch", &ob->epoch);
    if (rc == MDB_NOTFOUND) {
        /* a new outbox: its epoch tells the collector this is not a replay of another */
        ob->epoch = s_random_epoch();
        rc = s_meta_put_u64(ob, txn, "epoch", ob->epoch);
        if (rc == 0)
            rc = s_meta_put_u64(ob, txn, "next_seq", 1);
        if (rc == 0) {
            uint8_t fmt[4];
            td_put_be32(fmt, RECORD_FORMAT);
            MDB_val key = {6, "format"};
            MDB_val val = {4, fmt};
            rc = mdb_put(txn, ob->meta, &key, &val, 0);
        }
    }
    return rc;
}

td_err outbox_open(outbox_t **out, const char *dir, size_t map_bytes, char *err, size_t errlen)
{
    *out = NULL;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    td_err result = s_make_dirs(dir, err, errlen);
    if (result != TD_OK)
        return result;
    outbox_t *ob = calloc(1, sizeof *ob);
    if (ob == NULL)
        return TD_ERR_NOMEM;
    ob->dir = strdup(dir);
    if (ob->dir == NULL) {
        result = TD_ERR_NOMEM;
        goto fail;
    }
    int rc = mdb_env_create(&ob->env);
    if (rc != 0) {
        s_mdb_err(err, errlen, S_MDB_CREATE, rc);
        result = td_err_from_mdb(rc);
        goto fail;
    }
    if (map_bytes < OUTBOX_MIN_MAP_BYTES)
        map_bytes = OUTBOX_MIN_MAP_BYTES;
    if (map_bytes > OUTBOX_MAX_MAP_BYTES)
        map_bytes = OUTBOX_MAX_MAP_BYTES;
    rc = mdb_env_set_mapsize(ob->env, map_bytes);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(ob->env, 4);
    if (rc == 0)
        rc = mdb_env_open(ob->env, dir, 0, 0600);
    if (rc != 0) {
        td_msg(err, errlen, "cannot open outbox in %s: %s", dir, mdb_strerror(rc));
        result = td_err_from_mdb(rc);
        goto fail;
    }
    int dead_readers = 0;
    mdb_reader_check(ob->env, &dead_readers);
    /* An existing outbox may be bigger than map_bytes (it grew earlier): LMDB keeps at
     * least the used size, and the first MAP_FULL grows it again. */
    result = s_run_txn(ob, 0, s_init_txn, NULL, err, errlen);
    if (result != TD_OK)
        goto fail;
    *out = ob;
    return TD_OK;
fail:
    outbox_close(&ob);
    return result;
}

void outbox_close(outbox_t **ob)
{
    if (ob == NULL || *ob == NULL)
        return;
    if ((*ob)->env != NULL)
        mdb_env_close((*ob)->env);
    free((*ob)->dir);
    free(*ob);
    *ob = NULL;
}

uint64_t outbox_epoch(const outbox_t *ob)
{
    return ob->epoch;
}

const char *outbox_dir(const outbox_t *ob)
{
    return ob->dir;
}

int outbox_reader_check(outbox_t *ob)
{
    int dead = 0;
    mdb_reader_check(ob->env, &dead);
    return dead;
}

/* ---- enqueue ---- */

static size_t s_strlen_or0(const char *s)
{
    return s == NULL ? 0 : strlen(s);
}

void outbox_prepared_clear(outbox_prepared *p)
{
    if (p == NULL)
        return;
    free(p->record);
    memset(p, 0, sizeof *p);
}

td_err outbox_prepare(const Tiendo__Report *report, outbox_prepared *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    size_t unit_len = s_strlen_or0(report->unit);
    size_t dataset_len = s_strlen_or0(report->dataset);
    size_t period_len = s_strlen_or0(report->period);
    if (unit_len == 0 || period_len == 0) {
        td_msg(err, errlen, "a report needs a unit and a period");
        return TD_ERR_INVALID;
    }
    if (unit_len > RECORD_LABEL_MAX || dataset_len > RECORD_LABEL_MAX ||
        period_len > RECORD_LABEL_MAX) {
        td_msg(err, errlen, "unit, dataset or period text is too long");
        return TD_ERR_INVALID;
    }
    size_t packed_len = protobuf_c_message_get_packed_size(&report->base);
    if (packed_len > OUTBOX_MAX_REPORT) {
        td_msg(err, errlen, "the report is %zu bytes packed; the limit is %u", packed_len,
               OUTBOX_MAX_REPORT);
        return TD_ERR_TOOBIG;
    }
    /* the header with an empty report, then the report packed in place behind it */
    record_view v = {0,
                     (const uint8_t *) report->unit,
                     (const uint8_t *) (report->dataset != NULL ? report->dataset : ""),
                     (const uint8_t *) report->period,
                     unit_len,
                     dataset_len,
                     period_len,
                     NULL,
                     packed_len};
    size_t header_len = record_size(&v) - packed_len;
    uint8_t *record = malloc(header_len + packed_len);
    if (record == NULL) {
        td_msg(err, errlen, "out of memory");
        return TD_ERR_NOMEM;
    }
    record_write(record, &v);
    protobuf_c_message_pack(&report->base, record + header_len);
    out->record = record;
    out->record_len = header_len + packed_len;
    out->report_len = packed_len;
    return TD_OK;
}

typedef struct {
    const outbox_prepared *items;
    size_t n;
    int64_t queued_at_ms;
    uint64_t first_seq;
    uint64_t queued_out;
} s_append_ctx;

/* Take next_seq, store every record under consecutive seqs, bump next_seq. Called again
 * from the start after a map resize, so it only sets its outputs at the end. */
static int s_append_txn(outbox_t *ob, MDB_txn *txn, void *vctx)
{
    s_append_ctx *ctx = vctx;
    uint64_t first = 0;
    int rc = s_meta_get_u64(ob, txn, "next_seq", &first);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < ctx->n; i++) {
        const outbox_prepared *item = &ctx->items[i];
        uint8_t keybuf[8];
        td_put_be64(keybuf, first + i);
        MDB_val key = {8, keybuf};
        MDB_val val = {item->record_len, NULL};
        /* seqs only grow, so every new key is the largest: append is cheaper; reserve
         * the space and write the record with this batch's queue time straight into it */
        rc = mdb_put(txn, ob->queue, &key, &val, MDB_APPEND | MDB_RESERVE);
        if (rc != 0)
            return rc;
        memcpy(val.mv_data, item->record, item->record_len);
        record_set_queued_at(val.mv_data, ctx->queued_at_ms);
    }
    rc = s_meta_put_u64(ob, txn, "next_seq", first + ctx->n);
    if (rc != 0)
        return rc;
    MDB_stat st;
    rc = mdb_stat(txn, ob->queue, &st);
    if (rc != 0)
        return rc;
    ctx->first_seq = first;
    ctx->queued_out = st.ms_entries;
    return 0;
}

td_err outbox_enqueue_many(outbox_t *ob, const outbox_prepared *items, size_t n,
                           int64_t queued_at_ms, uint64_t *first_seq_out, uint64_t *queued_out,
                           char *err, size_t errlen)
{
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (n > OUTBOX_MAX_BATCH) {
        td_msg(err, errlen, "%zu reports at once; the limit is %u", n, OUTBOX_MAX_BATCH);
        return TD_ERR_TOOBIG;
    }
    for (size_t i = 0; i < n; i++) {
        if (items[i].record == NULL || items[i].record_len < RECORD_FIXED) {
            td_msg(err, errlen, "report %zu of the batch was not prepared", i + 1);
            return TD_ERR_INVALID;
        }
    }
    if (n == 0) {
        if (first_seq_out != NULL)
            *first_seq_out = 0;
        if (queued_out != NULL)
            *queued_out = 0;
        return TD_OK;
    }
    s_append_ctx ctx = {items, n, queued_at_ms, 0, 0};
    td_err result = s_run_txn(ob, 0, s_append_txn, &ctx, err, errlen);
    if (result == TD_OK) {
        if (first_seq_out != NULL)
            *first_seq_out = ctx.first_seq;
        if (queued_out != NULL)
            *queued_out = ctx.queued_out;
    }
    return result;
}

/* ---- scans ---- */

typedef struct {
    MDB_dbi dbi;
    int dead;
    uint64_t from_seq;
    size_t max;
    outbox_visit_fn fn;
    void *fn_ctx;
    size_t visited;
} s_scan_ctx;

static int s_scan_txn(outbox_t *ob, MDB_txn *txn, void *vctx)
{
    s_scan_ctx *ctx = vctx;
    ctx->visited = 0;
    MDB_cursor *cursor = NULL;
    int rc = mdb_cursor_open(txn, ctx->dbi, &cursor);
    if (rc != 0)
        return rc;
    uint8_t keybuf[8];
    td_put_be64(keybuf, ctx->from_seq);
    MDB_val key = {8, keybuf};
    MDB_val val;
    rc = mdb_cursor_get(cursor, &key, &val, MDB_SET_RANGE);
    while (rc == 0 && (ctx->max == 0 || ctx->visited < ctx->max)) {
        if (key.mv_size != 8) {
            s_app_error(ob, TD_ERR_STORE, N_("outbox holds a malformed key"));
            rc = S_APP_ERROR;
            break;
        }
        uint64_t seq = td_get_be64(key.mv_data);
        outbox_record rec;
        int bad = ctx->dead ? record_read_dead(seq, val.mv_data, val.mv_size, &rec)
                            : record_read(seq, val.mv_data, val.mv_size, &rec);
        if (bad) {
            s_app_error(ob, TD_ERR_STORE, N_("outbox record #%llu is corrupt"),
                        (unsigned long long) seq);
            rc = S_APP_ERROR;
            break;
        }
        ctx->visited++;
        if (ctx->fn(ctx->fn_ctx, &rec) != 0)
            break;
        rc = mdb_cursor_get(cursor, &key, &val, MDB_NEXT);
    }
    mdb_cursor_close(cursor);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static td_err s_scan(outbox_t *ob, int dead, uint64_t from_seq, size_t max, outbox_visit_fn fn,
                     void *fn_ctx, size_t *visited, char *err, size_t errlen)
{
    s_scan_ctx ctx = {dead ? ob->dead : ob->queue, dead, from_seq, max, fn, fn_ctx, 0};
    td_err result = s_run_txn(ob, 1, s_scan_txn, &ctx, err, errlen);
    if (visited != NULL)
        *visited = ctx.visited;
    return result;
}

td_err outbox_scan(outbox_t *ob, uint64_t from_seq, size_t max, outbox_visit_fn fn, void *ctx,
                   size_t *visited, char *err, size_t errlen)
{
    return s_scan(ob, 0, from_seq, max, fn, ctx, visited, err, errlen);
}

td_err outbox_dead_scan(outbox_t *ob, uint64_t from_seq, size_t max, outbox_visit_fn fn, void *ctx,
                        size_t *visited, char *err, size_t errlen)
{
    return s_scan(ob, 1, from_seq, max, fn, ctx, visited, err, errlen);
}

typedef struct {
    uint64_t seq;
    int found;
    int nomem;
    outbox_record *out;
} s_get_ctx;

static int s_get_visit(void *vctx, const outbox_record *rec)
{
    s_get_ctx *ctx = vctx;
    if (rec->seq == ctx->seq) {
        *ctx->out = *rec;
        ctx->found = 1;
        /* copy the report before the read transaction ends */
        if (s_record_own(ctx->out) != 0)
            ctx->nomem = 1;
    }
    return 1;
}

td_err outbox_dead_get(outbox_t *ob, uint64_t seq, outbox_record *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    s_get_ctx ctx = {seq, 0, 0, out};
    td_err result = s_scan(ob, 1, seq, 1, s_get_visit, &ctx, NULL, err, errlen);
    if (result != TD_OK)
        return result;
    if (ctx.nomem) {
        memset(out, 0, sizeof *out);
        return TD_ERR_NOMEM;
    }
    if (!ctx.found) {
        td_msg(err, errlen, "no dead letter #%llu", (unsigned long long) seq);
        return TD_ERR_NOTFOUND;
    }
    return TD_OK;
}

/* ---- settle: deliveries and rejections in one transaction ---- */

typedef struct {
    const uint64_t *delivered;
    size_t ndelivered;
    const outbox_rejection *rejected;
    size_t nrejected;
    int64_t rejected_at_ms;
    size_t changed;
} s_settle_ctx;

/* The reason of rej as a dead letter keeps it, within the bounds of outbox.h. */
static void s_reason_of(const outbox_rejection *rej, record_reason *why)
{
    const char *reason = rej->reason != NULL ? rej->reason : "";
    const char *format = rej->parts.format != NULL ? rej->parts.format : "";
    memset(why, 0, sizeof *why);
    why->reason = (const uint8_t *) reason;
    why->reason_len = td_utf8_cut(reason, strlen(reason), OUTBOX_REASON_MAX - 1);
    if (format[0] == '\0' || strlen(format) >= OUTBOX_REASON_MAX)
        return; /* none, or one that would be cut: the English text stands alone */
    why->format = (const uint8_t *) format;
    why->format_len = strlen(format);
    why->nargs = rej->parts.nargs < OUTBOX_REASON_ARGS ? rej->parts.nargs : OUTBOX_REASON_ARGS;
    for (size_t i = 0; i < why->nargs; i++) {
        const char *arg = rej->parts.args[i] != NULL ? rej->parts.args[i] : "";
        why->args[i] = (const uint8_t *) arg;
        why->arg_lens[i] = td_utf8_cut(arg, strlen(arg), OUTBOX_REASON_ARG_MAX - 1);
    }
}

static int s_move_to_dead(outbox_t *ob, MDB_txn *txn, const outbox_rejection *rej,
                          int64_t rejected_at_ms, int *moved)
{
    *moved = 0;
    uint8_t keybuf[8];
    td_put_be64(keybuf, rej->seq);
    MDB_val key = {8, keybuf};
    MDB_val val;
    int rc = mdb_get(txn, ob->queue, &key, &val);
    if (rc == MDB_NOTFOUND)
        return 0; /* already settled, e.g. by an earlier ack */
    if (rc != 0)
        return rc;
    record_reason why;
    s_reason_of(rej, &why);
    size_t dead_len = record_dead_size(&why, val.mv_size);
    /* build the dead letter in memory: val points into a page that any later write in
     * this transaction (even to another DB) may spill and free */
    uint8_t *p = malloc(dead_len);
    if (p == NULL)
        return ENOMEM;
    record_dead_write(p, rejected_at_ms, &why, val.mv_data, val.mv_size);
    MDB_val dead_val = {dead_len, p};
    rc = mdb_put(txn, ob->dead, &key, &dead_val, 0);
    free(p);
    if (rc != 0)
        return rc;
    rc = mdb_del(txn, ob->queue, &key, NULL);
    if (rc != 0)
        return rc;
    *moved = 1;
    return 0;
}

static int s_settle_txn(outbox_t *ob, MDB_txn *txn, void *vctx)
{
    s_settle_ctx *ctx = vctx;
    ctx->changed = 0;
    for (size_t i = 0; i < ctx->nrejected; i++) {
        int moved = 0;
        int rc = s_move_to_dead(ob, txn, &ctx->rejected[i], ctx->rejected_at_ms, &moved);
        if (rc != 0)
            return rc;
        ctx->changed += (size_t) moved;
    }
    for (size_t i = 0; i < ctx->ndelivered; i++) {
        uint8_t keybuf[8];
        td_put_be64(keybuf, ctx->delivered[i]);
        MDB_val key = {8, keybuf};
        int rc = mdb_del(txn, ob->queue, &key, NULL);
        if (rc == MDB_NOTFOUND)
            continue;
        if (rc != 0)
            return rc;
        ctx->changed++;
    }
    return 0;
}

td_err outbox_settle(outbox_t *ob, const uint64_t *delivered, size_t ndelivered,
                     const outbox_rejection *rejected, size_t nrejected, int64_t rejected_at_ms,
                     size_t *changed, char *err, size_t errlen)
{
    if (changed != NULL)
        *changed = 0;
    if (ndelivered == 0 && nrejected == 0)
        return TD_OK;
    s_settle_ctx ctx = {delivered, ndelivered, rejected, nrejected, rejected_at_ms, 0};
    td_err result = s_run_txn(ob, 0, s_settle_txn, &ctx, err, errlen);
    if (result == TD_OK && changed != NULL)
        *changed = ctx.changed;
    return result;
}

/* ---- dead letters ---- */

typedef struct {
    uint64_t seq;
    int64_t queued_at_ms;
    uint64_t new_seq;
    uint64_t queued_out;
} s_resubmit_ctx;

static int s_resubmit_txn(outbox_t *ob, MDB_txn *txn, void *vctx)
{
    s_resubmit_ctx *ctx = vctx;
    uint8_t keybuf[8];
    td_put_be64(keybuf, ctx->seq);
    MDB_val key = {8, keybuf};
    MDB_val val;
    int rc = mdb_get(txn, ob->dead, &key, &val);
    if (rc == MDB_NOTFOUND) {
        s_app_error(ob, TD_ERR_NOTFOUND, N_("no dead letter #%llu"), (unsigned long long) ctx->seq);
        return S_APP_ERROR;
    }
    if (rc != 0)
        return rc;
    record_dead_view dead;
    record_view v;
    if (record_dead_parse(val.mv_data, val.mv_size, &dead) != 0 ||
        record_parse(dead.record, dead.record_len, &v) != 0) {
        s_app_error(ob, TD_ERR_STORE, N_("dead letter #%llu is corrupt"),
                    (unsigned long long) ctx->seq);
        return S_APP_ERROR;
    }
    /* copy before any write: the record points into a page a write may spill */
    uint8_t *copy = malloc(dead.record_len);
    if (copy == NULL)
        return ENOMEM;
    memcpy(copy, dead.record, dead.record_len);
    /* same content, new queue time */
    record_set_queued_at(copy, ctx->queued_at_ms);
    MDB_val nval = {dead.record_len, copy};
    uint64_t seq = 0;
    rc = s_meta_get_u64(ob, txn, "next_seq", &seq);
    uint8_t newkey[8];
    td_put_be64(newkey, seq);
    MDB_val nkey = {8, newkey};
    if (rc == 0)
        rc = mdb_put(txn, ob->queue, &nkey, &nval, MDB_APPEND);
    free(copy);
    if (rc != 0)
        return rc;
    rc = mdb_del(txn, ob->dead, &key, NULL);
    if (rc != 0)
        return rc;
    rc = s_meta_put_u64(ob, txn, "next_seq", seq + 1);
    if (rc != 0)
        return rc;
    MDB_stat st;
    rc = mdb_stat(txn, ob->queue, &st);
    if (rc != 0)
        return rc;
    ctx->new_seq = seq;
    ctx->queued_out = st.ms_entries;
    return 0;
}

td_err outbox_dead_resubmit(outbox_t *ob, uint64_t seq, int64_t queued_at_ms, uint64_t *new_seq,
                            uint64_t *queued_out, char *err, size_t errlen)
{
    s_resubmit_ctx ctx = {seq, queued_at_ms, 0, 0};
    td_err result = s_run_txn(ob, 0, s_resubmit_txn, &ctx, err, errlen);
    if (result == TD_OK) {
        if (new_seq != NULL)
            *new_seq = ctx.new_seq;
        if (queued_out != NULL)
            *queued_out = ctx.queued_out;
    }
    return result;
}

static int s_discard_txn(outbox_t *ob, MDB_txn *txn, void *vctx)
{
    uint64_t seq = *(const uint64_t *) vctx;
    uint8_t keybuf[8];
    td_put_be64(keybuf, seq);
    MDB_val key = {8, keybuf};
    int rc = mdb_del(txn, ob->dead, &key, NULL);
    if (rc == MDB_NOTFOUND) {
        s_app_error(ob, TD_ERR_NOTFOUND, N_("no dead letter #%llu"), (unsigned long long) seq);
        return S_APP_ERROR;
    }
    return rc;
}

td_err outbox_dead_discard(outbox_t *ob, uint64_t seq, char *err, size_t errlen)
{
    return s_run_txn(ob, 0, s_discard_txn, &seq, err, errlen);
}

/* ---- stats ---- */

static int s_stats_txn(outbox_t *ob, MDB_txn *txn, void *vctx)
{
    outbox_stats *st = vctx;
    memset(st, 0, sizeof *st);
    st->epoch = ob->epoch;
    int rc = s_meta_get_u64(ob, txn, "next_seq", &st->next_seq);
    if (rc != 0)
        return rc;
    MDB_stat ms;
    rc = mdb_stat(txn, ob->queue, &ms);
    if (rc != 0)
        return rc;
    st->queued = ms.ms_entries;
    rc = mdb_stat(txn, ob->dead, &ms);
    if (rc != 0)
        return rc;
    st->dead = ms.ms_entries;
    MDB_cursor *cursor = NULL;
    rc = mdb_cursor_open(txn, ob->queue, &cursor);
    if (rc != 0)
        return rc;
    MDB_val key, val;
    rc = mdb_cursor_get(cursor, &key, &val, MDB_FIRST);
    if (rc == 0) {
        outbox_record rec;
        if (key.mv_size == 8 &&
            record_read(td_get_be64(key.mv_data), val.mv_data, val.mv_size, &rec) == 0) {
            st->oldest_seq = rec.seq;
            st->oldest_queued_at_ms = rec.queued_at_ms;
        }
    }
    mdb_cursor_close(cursor);
    MDB_envinfo info;
    mdb_env_info(ob->env, &info);
    st->map_bytes = info.me_mapsize;
    st->last_txn_id = (uint64_t) mdb_txn_id(txn);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

td_err outbox_get_stats(outbox_t *ob, outbox_stats *out, char *err, size_t errlen)
{
    return s_run_txn(ob, 1, s_stats_txn, out, err, errlen);
}
