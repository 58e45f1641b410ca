/* verify.c: counts revisions by origin to prove "each report stored once, in order". */
#include "verify.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "codec.h"
#include "keys.h"

typedef struct {
    uint8_t agent[STORE_KEY_BYTES];
    uint64_t epoch;
    uint64_t seq;
} s_origin_seq;

typedef struct {
    verify_result *result;
    td_arena_t *arena; /* decoded reports, reset per revision */
    s_origin_seq *seqs;
    size_t nseqs, cap;
    /* the previous revision, to check order within one natural key */
    uint8_t prev_key[64];
    size_t prev_len;
    store_origin prev_origin;
    td_err rc;
} s_ctx;

static int s_cmp_origin(const void *a, const void *b)
{
    const s_origin_seq *x = a, *y = b;
    int c = memcmp(x->agent, y->agent, STORE_KEY_BYTES);
    if (c != 0)
        return c;
    if (x->epoch != y->epoch)
        return x->epoch < y->epoch ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int s_on_revision(void *arg, const store_revision *rev)
{
    s_ctx *ctx = arg;
    const store_origin *origin = &rev->origin;
    ctx->result->revisions++;
    ctx->result->pruned += rev->pruned != 0;
    Tiendo__Report *report = NULL;
    td_arena_reset(ctx->arena);
    if (store_report_decode(ctx->arena, rev->report, rev->report_len, NULL, &report, NULL, 0) !=
        TD_OK)
        ctx->result->undecodable++;
    if (ctx->nseqs == ctx->cap) {
        size_t cap = ctx->cap ? ctx->cap * 2 : 1024;
        s_origin_seq *grown = realloc(ctx->seqs, cap * sizeof *grown);
        if (grown == NULL) {
            ctx->rc = TD_ERR_NOMEM;
            return 1;
        }
        ctx->seqs = grown;
        ctx->cap = cap;
    }
    s_origin_seq *s = &ctx->seqs[ctx->nseqs++];
    memcpy(s->agent, origin->agent, STORE_KEY_BYTES);
    s->epoch = origin->epoch;
    s->seq = origin->seq;
    /* Revisions of one natural key come in revision order: from one (agent, epoch),
     * a later revision must carry a higher seq (the agent sends in submission order). */
    if (rev->revision > 1 && rev->natural_len == ctx->prev_len &&
        memcmp(rev->natural_key, ctx->prev_key, rev->natural_len) == 0 &&
        memcmp(origin->agent, ctx->prev_origin.agent, STORE_KEY_BYTES) == 0 &&
        origin->epoch == ctx->prev_origin.epoch && origin->seq <= ctx->prev_origin.seq)
        ctx->result->order_violations++;
    if (rev->natural_len <= sizeof ctx->prev_key) {
        memcpy(ctx->prev_key, rev->natural_key, rev->natural_len);
        ctx->prev_len = rev->natural_len;
    }
    ctx->prev_origin = *origin;
    return 0;
}

typedef struct {
    verify_result *result;
    store_txn *txn;
    const s_origin_seq *seqs; /* sorted */
    size_t nseqs;
    td_err rc;
} s_gap_ctx;

/* A recorded gap says its seqs are not in this store: one that is, or a gap above the
 * delivery mark, means the gap (or the store) is wrong. */
static int s_on_gap(void *arg, const store_gap *gap)
{
    s_gap_ctx *g = arg;
    verify_result *r = g->result;
    store_gap *grown = realloc(r->gap_list, (r->ngaps + 1) * sizeof *grown);
    if (grown == NULL) {
        g->rc = TD_ERR_NOMEM;
        return 1;
    }
    r->gap_list = grown;
    r->gap_list[r->ngaps++] = *gap;
    r->gaps++;
    r->reports_lost += gap->last_seq - gap->first_seq + 1;
    s_origin_seq lo;
    memcpy(lo.agent, gap->agent, STORE_KEY_BYTES);
    lo.epoch = gap->epoch;
    lo.seq = gap->first_seq;
    size_t a = 0, b = g->nseqs;
    while (a < b) { /* first stored seq at or after the gap's first */
        size_t mid = a + (b - a) / 2;
        if (s_cmp_origin(&g->seqs[mid], &lo) < 0)
            a = mid + 1;
        else
            b = mid;
    }
    if (a < g->nseqs && memcmp(g->seqs[a].agent, gap->agent, STORE_KEY_BYTES) == 0 &&
        g->seqs[a].epoch == gap->epoch && g->seqs[a].seq <= gap->last_seq)
        r->gap_conflicts++;
    uint64_t high_water = 0, settled_below = 0;
    g->rc = store_delivery_read(g->txn, gap->agent, gap->epoch, &high_water, &settled_below);
    if (g->rc == TD_OK && (gap->last_seq < gap->first_seq || gap->last_seq > high_water))
        r->gap_conflicts++;
    return g->rc != TD_OK;
}

td_err verify_store(store_t *store, verify_result *out)
{
    memset(out, 0, sizeof *out);
    s_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.result = out;
    store_txn txn;
    td_err rc = td_arena_open(&ctx.arena, 256 << 10);
    if (rc == TD_OK)
        rc = store_begin(store, 1, &txn);
    if (rc != TD_OK) {
        td_arena_close(&ctx.arena);
        return rc;
    }
    size_t latest = 0;
    rc = store_count_latest(&txn, &latest);
    out->latest = latest;
    if (rc == TD_OK)
        rc = store_scan_revisions(&txn, NULL, 0, s_on_revision, &ctx, NULL);
    if (rc == TD_OK)
        rc = ctx.rc;
    if (rc != TD_OK) {
        store_abort(&txn);
        td_arena_close(&ctx.arena);
        free(ctx.seqs);
        return rc;
    }
    qsort(ctx.seqs, ctx.nseqs, sizeof *ctx.seqs, s_cmp_origin);
    for (size_t i = 0; i < ctx.nseqs; i++) {
        const s_origin_seq *s = &ctx.seqs[i];
        verify_origin *o = out->norigins ? &out->origins[out->norigins - 1] : NULL;
        if (o == NULL || o->epoch != s->epoch || memcmp(o->agent, s->agent, STORE_KEY_BYTES)) {
            verify_origin *grown = realloc(out->origins, (out->norigins + 1) * sizeof *grown);
            if (grown == NULL) {
                rc = TD_ERR_NOMEM;
                break;
            }
            out->origins = grown;
            o = &out->origins[out->norigins++];
            memset(o, 0, sizeof *o);
            memcpy(o->agent, s->agent, STORE_KEY_BYTES);
            o->epoch = s->epoch;
            o->first_seq = s->seq;
            uint64_t settled_below;
            rc = store_delivery_read(&txn, s->agent, s->epoch, &o->high_water, &settled_below);
            if (rc != TD_OK)
                break;
        } else if (s->seq == ctx.seqs[i - 1].seq) {
            o->duplicates++;
            out->duplicate_origins++;
        }
        o->stored++;
        o->last_seq = s->seq;
    }
    if (rc == TD_OK) {
        s_gap_ctx g = {out, &txn, ctx.seqs, ctx.nseqs, TD_OK};
        rc = store_scan_gaps(&txn, s_on_gap, &g);
        if (rc == TD_OK)
            rc = g.rc;
    }
    store_abort(&txn);
    td_arena_close(&ctx.arena);
    free(ctx.seqs);
    if (rc != TD_OK)
        verify_free(out);
    return rc;
}

int verify_clean(const verify_result *r)
{
    return r->undecodable == 0 && r->duplicate_origins == 0 && r->order_violations == 0 &&
           r->gap_conflicts == 0;
}

void verify_free(verify_result *result)
{
    free(result->origins);
    free(result->gap_list);
    memset(result, 0, sizeof *result);
}

void verify_print_json(FILE *out, const verify_result *r)
{
    fprintf(out,
            "{\n  \"revisions\": %" PRIu64 ",\n  \"latest\": %" PRIu64
            ",\n  \"undecodable\": %" PRIu64 ",\n  \"duplicate_origins\": %" PRIu64
            ",\n  \"order_violations\": %" PRIu64 ",\n  \"pruned\": %" PRIu64
            ",\n  \"gaps\": %" PRIu64 ",\n  \"reports_lost\": %" PRIu64
            ",\n  \"gap_conflicts\": %" PRIu64 ",\n  \"origins\": [",
            r->revisions, r->latest, r->undecodable, r->duplicate_origins, r->order_violations,
            r->pruned, r->gaps, r->reports_lost, r->gap_conflicts);
    for (size_t i = 0; i < r->norigins; i++) {
        const verify_origin *o = &r->origins[i];
        char key[TD_Z85_KEY_LEN + 1];
        zmq_z85_encode(key, o->agent, STORE_KEY_BYTES);
        fprintf(out,
                "%s\n    {\"public_key\": \"%s\", \"epoch\": \"%016" PRIx64
                "\", \"stored\": %" PRIu64 ", \"first_seq\": %" PRIu64 ", \"last_seq\": %" PRIu64
                ", \"duplicates\": %" PRIu64 ", \"high_water\": %" PRIu64 "}",
                i ? "," : "", key, o->epoch, o->stored, o->first_seq, o->last_seq, o->duplicates,
                o->high_water);
    }
    fprintf(out, "%s],\n  \"gap_list\": [", r->norigins ? "\n  " : "");
    for (size_t i = 0; i < r->ngaps; i++) {
        const store_gap *g = &r->gap_list[i];
        char key[TD_Z85_KEY_LEN + 1];
        zmq_z85_encode(key, g->agent, STORE_KEY_BYTES);
        fprintf(out,
                "%s\n    {\"public_key\": \"%s\", \"epoch\": \"%016" PRIx64
                "\", \"first_seq\": %" PRIu64 ", \"last_seq\": %" PRIu64
                ", \"recorded_at_ms\": %" PRId64 "}",
                i ? "," : "", key, g->epoch, g->first_seq, g->last_seq, g->recorded_at_ms);
    }
    fprintf(out, "%s]\n}\n", r->ngaps ? "\n  " : "");
}
