/* verify.c: proves "each report stored once, in order, every seq accounted for" on a store. */
#include "verify.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "codec.h"
#include "keys.h"
#include "registry.h"
#include "stored.h"

/* One (agent, epoch, seq): of a revision, or of a kept rejection reason. */
typedef struct {
    uint8_t agent[STORE_KEY_BYTES];
    uint64_t epoch;
    uint64_t seq;
} s_origin_seq;

typedef struct {
    s_origin_seq *items;
    size_t n, cap;
} s_seqs;

typedef struct {
    verify_result *result;
    td_arena_t *arena;
    s_seqs revisions, rejections; /* the rejections come in key order: sorted */
    store_delivery *marks;        /* in key order */
    size_t nmarks, marks_cap;
    /* the previous revision, to check order within one natural key */
    uint8_t prev_key[STORE_POSITION_MAX];
    size_t prev_len;
    store_origin prev_origin;
    struct s_dues_list *dues; /* the due entries, for the tasks check */
    td_err rc;
} s_ctx;

static int s_cmp_key(const uint8_t *agent_a, uint64_t epoch_a, const uint8_t *agent_b,
                     uint64_t epoch_b)
{
    int c = memcmp(agent_a, agent_b, STORE_KEY_BYTES);
    if (c != 0)
        return c;
    return epoch_a < epoch_b ? -1 : epoch_a > epoch_b;
}

static int s_cmp_origin(const void *a, const void *b)
{
    const s_origin_seq *x = a, *y = b;
    int c = s_cmp_key(x->agent, x->epoch, y->agent, y->epoch);
    if (c != 0)
        return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static td_err s_seq_add(s_seqs *seqs, const uint8_t *agent, uint64_t epoch, uint64_t seq)
{
    if (seqs->n == seqs->cap) {
        size_t cap = seqs->cap ? seqs->cap * 2 : 1024;
        s_origin_seq *grown = realloc(seqs->items, cap * sizeof *grown);
        if (grown == NULL)
            return TD_ERR_NOMEM;
        seqs->items = grown;
        seqs->cap = cap;
    }
    s_origin_seq *s = &seqs->items[seqs->n++];
    memcpy(s->agent, agent, STORE_KEY_BYTES);
    s->epoch = epoch;
    s->seq = seq;
    return TD_OK;
}

/* Name an undecodable revision in the result's list (the first VERIFY_LIST_MAX). */
static td_err s_undecodable(verify_result *r, const store_revision *rev)
{
    if (r->nundecodable >= VERIFY_LIST_MAX)
        return TD_OK;
    verify_undecodable *grown = realloc(r->undecodable_list, (r->nundecodable + 1) * sizeof *grown);
    if (grown == NULL)
        return TD_ERR_NOMEM;
    r->undecodable_list = grown;
    verify_undecodable *u = &grown[r->nundecodable++];
    memset(u, 0, sizeof *u);
    td_period period;
    if (store_natural_key_parse(rev->natural_key, rev->natural_len, u->dataset, &period, u->unit) ==
        TD_OK)
        td_period_format(&period, u->period, sizeof u->period);
    else
        strcpy(u->unit, "?"); /* the key itself is damaged: the origin still says who */
    u->revision = rev->revision;
    u->origin = rev->origin;
    return TD_OK;
}

static int s_on_revision(void *arg, const store_revision *rev)
{
    s_ctx *ctx = arg;
    const store_origin *origin = &rev->origin;
    ctx->result->revisions++;
    ctx->result->pruned += rev->pruned != 0;
    Tiendo__Report *report = NULL;
    td_arena_reset(ctx->arena);
    if (stored_report_decode(ctx->arena, rev->report, rev->report_len, NULL, &report, NULL, 0) !=
        TD_OK) {
        ctx->result->undecodable++;
        if ((ctx->rc = s_undecodable(ctx->result, rev)) != TD_OK)
            return 1;
    }
    ctx->rc = s_seq_add(&ctx->revisions, origin->agent, origin->epoch, origin->seq);
    if (ctx->rc != TD_OK)
        return 1;
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

static int s_on_rejection(void *arg, const store_rejection *rej)
{
    s_ctx *ctx = arg;
    ctx->result->rejected++;
    ctx->rc = s_seq_add(&ctx->rejections, rej->agent, rej->epoch, rej->seq);
    return ctx->rc != TD_OK;
}

static int s_on_mark(void *arg, const store_delivery *mark)
{
    s_ctx *ctx = arg;
    if (ctx->nmarks == ctx->marks_cap) {
        size_t cap = ctx->marks_cap ? ctx->marks_cap * 2 : 64;
        store_delivery *grown = realloc(ctx->marks, cap * sizeof *grown);
        if (grown == NULL) {
            ctx->rc = TD_ERR_NOMEM;
            return 1;
        }
        ctx->marks = grown;
        ctx->marks_cap = cap;
    }
    ctx->marks[ctx->nmarks++] = *mark;
    return 0;
}

/* The delivery mark of (agent, epoch), 0 when there is none (marks are sorted). */
static uint64_t s_mark(const s_ctx *ctx, const uint8_t *agent, uint64_t epoch)
{
    size_t a = 0, b = ctx->nmarks;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        int c = s_cmp_key(ctx->marks[mid].agent, ctx->marks[mid].epoch, agent, epoch);
        if (c == 0)
            return ctx->marks[mid].high_water;
        if (c < 0)
            a = mid + 1;
        else
            b = mid;
    }
    return 0;
}

/* A recorded gap says its seqs are not in this store: one that is, or a gap above the
 * delivery mark, means the gap (or the store) is wrong. */
static int s_on_gap(void *arg, const store_gap *gap)
{
    s_ctx *ctx = arg;
    verify_result *r = ctx->result;
    store_gap *grown = realloc(r->gap_list, (r->ngaps + 1) * sizeof *grown);
    if (grown == NULL) {
        ctx->rc = TD_ERR_NOMEM;
        return 1;
    }
    r->gap_list = grown;
    r->gap_list[r->ngaps++] = *gap;
    r->gaps++;
    r->reports_lost += gap->last_seq - gap->first_seq + 1;
    const s_seqs *stored = &ctx->revisions; /* sorted by now */
    s_origin_seq lo;
    memcpy(lo.agent, gap->agent, STORE_KEY_BYTES);
    lo.epoch = gap->epoch;
    lo.seq = gap->first_seq;
    size_t a = 0, b = stored->n;
    while (a < b) { /* first stored seq at or after the gap's first */
        size_t mid = a + (b - a) / 2;
        if (s_cmp_origin(&stored->items[mid], &lo) < 0)
            a = mid + 1;
        else
            b = mid;
    }
    if (a < stored->n &&
        s_cmp_key(stored->items[a].agent, stored->items[a].epoch, gap->agent, gap->epoch) == 0 &&
        stored->items[a].seq <= gap->last_seq)
        r->gap_conflicts++;
    if (gap->last_seq < gap->first_seq || gap->last_seq > s_mark(ctx, gap->agent, gap->epoch))
        r->gap_conflicts++;
    return 0;
}

/* The origin for (agent, epoch): the last one when it is that key (keys come in order),
 * else a new one. NULL when out of memory. */
static verify_origin *s_origin(verify_result *r, const uint8_t *agent, uint64_t epoch)
{
    verify_origin *o = r->norigins ? &r->origins[r->norigins - 1] : NULL;
    if (o != NULL && s_cmp_key(o->agent, o->epoch, agent, epoch) == 0)
        return o;
    verify_origin *grown = realloc(r->origins, (r->norigins + 1) * sizeof *grown);
    if (grown == NULL)
        return NULL;
    r->origins = grown;
    o = &r->origins[r->norigins++];
    memset(o, 0, sizeof *o);
    memcpy(o->agent, agent, STORE_KEY_BYTES);
    o->epoch = epoch;
    return o;
}

/* Merge the sorted revisions, rejections, marks and gaps by (agent, epoch) into the
 * origins, in key order. */
static td_err s_origins(s_ctx *ctx)
{
    verify_result *r = ctx->result;
    const s_seqs *st = &ctx->revisions, *rj = &ctx->rejections;
    size_t i = 0, j = 0, m = 0, g = 0;
    while (i < st->n || j < rj->n || m < ctx->nmarks) {
        /* the smallest (agent, epoch) among the three heads */
        const uint8_t *agent = NULL;
        uint64_t epoch = 0;
        if (i < st->n)
            agent = st->items[i].agent, epoch = st->items[i].epoch;
        if (j < rj->n &&
            (agent == NULL || s_cmp_key(rj->items[j].agent, rj->items[j].epoch, agent, epoch) < 0))
            agent = rj->items[j].agent, epoch = rj->items[j].epoch;
        if (m < ctx->nmarks && (agent == NULL || s_cmp_key(ctx->marks[m].agent, ctx->marks[m].epoch,
                                                           agent, epoch) < 0))
            agent = ctx->marks[m].agent, epoch = ctx->marks[m].epoch;
        uint8_t key[STORE_KEY_BYTES];
        memcpy(key, agent, sizeof key);
        verify_origin *o = s_origin(r, key, epoch);
        if (o == NULL)
            return TD_ERR_NOMEM;
        if (m < ctx->nmarks && s_cmp_key(ctx->marks[m].agent, ctx->marks[m].epoch, key, epoch) == 0)
            o->high_water = ctx->marks[m++].high_water;
        for (; i < st->n && s_cmp_key(st->items[i].agent, st->items[i].epoch, key, epoch) == 0;
             i++) {
            uint64_t seq = st->items[i].seq;
            if (o->stored == 0)
                o->first_seq = seq;
            else if (seq == o->last_seq) {
                o->duplicates++;
                r->duplicate_origins++;
            }
            o->stored++;
            o->last_seq = seq;
            r->above_high_water += seq > o->high_water;
        }
        for (; j < rj->n && s_cmp_key(rj->items[j].agent, rj->items[j].epoch, key, epoch) == 0;
             j++) {
            o->rejected++;
            r->above_high_water += rj->items[j].seq > o->high_water;
        }
        for (;
             g < r->ngaps && s_cmp_key(r->gap_list[g].agent, r->gap_list[g].epoch, key, epoch) <= 0;
             g++) {
            const store_gap *gap = &r->gap_list[g];
            if (s_cmp_key(gap->agent, gap->epoch, key, epoch) == 0 &&
                gap->last_seq >= gap->first_seq)
                o->lost += gap->last_seq - gap->first_seq + 1;
        }
        uint64_t accounted = o->stored - o->duplicates + o->rejected + o->lost;
        o->unaccounted = o->high_water > accounted ? o->high_water - accounted : 0;
        r->unaccounted += o->unaccounted;
    }
    return TD_OK;
}

/* A due entry, copied for the comparison with its record. */
typedef struct {
    char dataset[17], unit[TD_CODE_MAX], id[256];
    store_task_due due;
} s_due;

typedef struct s_dues_list {
    s_due *items;
    size_t n, cap, next; /* next: the first not matched with a record yet */
} s_dues;

static int s_on_due(void *arg, const store_task_due *due)
{
    s_ctx *ctx = arg;
    s_dues *d = ctx->dues;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 1024;
        s_due *grown = realloc(d->items, cap * sizeof *grown);
        if (grown == NULL) {
            ctx->rc = TD_ERR_NOMEM;
            return 1;
        }
        d->items = grown;
        d->cap = cap;
    }
    s_due *e = &d->items[d->n++];
    snprintf(e->dataset, sizeof e->dataset, "%s", due->dataset);
    snprintf(e->unit, sizeof e->unit, "%s", due->unit);
    snprintf(e->id, sizeof e->id, "%s", due->task_id);
    e->due = *due;
    return 0;
}

/* The order of the tasks tables' keys (dataset \0 unit \0 id, bytewise). */
static int s_cmp_task_key(const s_due *e, const store_task *t)
{
    int c = strcmp(e->dataset, t->dataset);
    if (c == 0)
        c = strcmp(e->unit, t->unit);
    return c != 0 ? c : strcmp(e->id, t->task_id);
}

/* Each record decodes, and has the due entry its task gives (the due entries were read
 * first, in the same key order). */
static int s_on_task(void *arg, const store_task *task)
{
    s_ctx *ctx = arg;
    s_dues *d = ctx->dues;
    verify_result *r = ctx->result;
    r->tasks++;
    for (; d->next < d->n && s_cmp_task_key(&d->items[d->next], task) < 0; d->next++)
        r->tasks_index_errors++; /* a due entry without a record */
    int paired = d->next < d->n && s_cmp_task_key(&d->items[d->next], task) == 0;
    if (!paired)
        r->tasks_index_errors++; /* a record without a due entry */
    Tiendo__TaskInfo *rec = NULL;
    td_arena_reset(ctx->arena);
    if (stored_task_decode(ctx->arena, task, task->dataset, &rec, NULL, 0) != TD_OK) {
        r->tasks_undecodable++;
    } else if (paired) {
        store_task_due want;
        const store_task_due *got = &d->items[d->next].due;
        store_task_due_of(rec->task, &want);
        if (want.status != got->status || want.task_group != got->task_group ||
            strcmp(want.deadline, got->deadline) != 0 ||
            strcmp(want.completed_on, got->completed_on) != 0)
            r->tasks_index_errors++;
    }
    d->next += (size_t) paired;
    return 0;
}

td_err verify_store(store_t *store, verify_result *out)
{
    memset(out, 0, sizeof *out);
    s_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.result = out;
    store_txn txn = {0};
    td_err rc = td_arena_open(&ctx.arena, 256 << 10);
    if (rc == TD_OK)
        rc = store_begin(store, 1, &txn);
    size_t latest = 0;
    if (rc == TD_OK)
        rc = store_count_latest(&txn, &latest);
    out->latest = latest;
    if (rc == TD_OK)
        rc = store_scan_revisions(&txn, NULL, 0, s_on_revision, &ctx, NULL);
    if (rc == TD_OK && (rc = ctx.rc) == TD_OK)
        rc = store_scan_rejections(&txn, NULL, 0, s_on_rejection, &ctx, NULL);
    if (rc == TD_OK && (rc = ctx.rc) == TD_OK)
        rc = store_scan_delivery(&txn, s_on_mark, &ctx);
    if (rc == TD_OK && (rc = ctx.rc) == TD_OK) {
        if (ctx.revisions.n > 1) /* none: items is NULL, which qsort must not get */
            qsort(ctx.revisions.items, ctx.revisions.n, sizeof *ctx.revisions.items, s_cmp_origin);
        rc = store_scan_gaps(&txn, s_on_gap, &ctx);
    }
    if (rc == TD_OK && (rc = ctx.rc) == TD_OK)
        rc = s_origins(&ctx);
    s_dues dues = {NULL, 0, 0, 0};
    ctx.dues = &dues;
    if (rc == TD_OK)
        rc = store_scan_task_due(&txn, NULL, NULL, s_on_due, &ctx);
    if (rc == TD_OK && (rc = ctx.rc) == TD_OK)
        rc = store_scan_tasks(&txn, NULL, NULL, s_on_task, &ctx);
    if (rc == TD_OK)
        out->tasks_index_errors += dues.n - dues.next; /* due entries after the last record */
    free(dues.items);
    store_abort(&txn);
    td_arena_close(&ctx.arena);
    free(ctx.revisions.items);
    free(ctx.rejections.items);
    free(ctx.marks);
    if (rc != TD_OK)
        verify_free(out);
    return rc;
}

int verify_clean(const verify_result *r)
{
    return r->undecodable == 0 && r->duplicate_origins == 0 && r->order_violations == 0 &&
           r->gap_conflicts == 0 && r->above_high_water == 0 && r->tasks_undecodable == 0 &&
           r->tasks_index_errors == 0;
}

void verify_free(verify_result *result)
{
    free(result->origins);
    free(result->gap_list);
    free(result->undecodable_list);
    memset(result, 0, sizeof *result);
}

/* A code from a key as JSON string content: the store holds validated codes, but this
 * prints what a damaged key holds, so anything JSON would need escaped becomes '?'. */
static const char *s_json_safe(char out[STORE_NAME_MAX], const char *code)
{
    size_t i = 0;
    for (; code[i] != '\0' && i < STORE_NAME_MAX - 1; i++)
        out[i] = (unsigned char) code[i] < 0x20 || (unsigned char) code[i] >= 0x7f ||
                         code[i] == '"' || code[i] == '\\'
                     ? '?'
                     : code[i];
    out[i] = '\0';
    return out;
}

void verify_print_json(FILE *out, const verify_result *r)
{
    fprintf(out,
            "{\n  \"revisions\": %" PRIu64 ",\n  \"latest\": %" PRIu64
            ",\n  \"undecodable\": %" PRIu64 ",\n  \"duplicate_origins\": %" PRIu64
            ",\n  \"order_violations\": %" PRIu64 ",\n  \"pruned\": %" PRIu64
            ",\n  \"gaps\": %" PRIu64 ",\n  \"reports_lost\": %" PRIu64
            ",\n  \"gap_conflicts\": %" PRIu64 ",\n  \"rejected\": %" PRIu64
            ",\n  \"above_high_water\": %" PRIu64 ",\n  \"unaccounted\": %" PRIu64
            ",\n  \"tasks\": %" PRIu64 ",\n  \"tasks_undecodable\": %" PRIu64
            ",\n  \"tasks_index_errors\": %" PRIu64 ",\n  \"origins\": [",
            r->revisions, r->latest, r->undecodable, r->duplicate_origins, r->order_violations,
            r->pruned, r->gaps, r->reports_lost, r->gap_conflicts, r->rejected, r->above_high_water,
            r->unaccounted, r->tasks, r->tasks_undecodable, r->tasks_index_errors);
    for (size_t i = 0; i < r->norigins; i++) {
        const verify_origin *o = &r->origins[i];
        char key[TD_Z85_KEY_LEN + 1];
        zmq_z85_encode(key, o->agent, STORE_KEY_BYTES);
        fprintf(out,
                "%s\n    {\"public_key\": \"%s\", \"epoch\": \"%016" PRIx64
                "\", \"stored\": %" PRIu64 ", \"first_seq\": %" PRIu64 ", \"last_seq\": %" PRIu64
                ", \"duplicates\": %" PRIu64 ", \"high_water\": %" PRIu64 ", \"rejected\": %" PRIu64
                ", \"lost\": %" PRIu64 ", \"unaccounted\": %" PRIu64 "}",
                i ? "," : "", key, o->epoch, o->stored, o->first_seq, o->last_seq, o->duplicates,
                o->high_water, o->rejected, o->lost, o->unaccounted);
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
    fprintf(out, "%s],\n  \"undecodable_list\": [", r->ngaps ? "\n  " : "");
    for (size_t i = 0; i < r->nundecodable; i++) {
        const verify_undecodable *u = &r->undecodable_list[i];
        char key[TD_Z85_KEY_LEN + 1], dataset[STORE_NAME_MAX], unit[STORE_NAME_MAX];
        zmq_z85_encode(key, u->origin.agent, STORE_KEY_BYTES);
        fprintf(out,
                "%s\n    {\"dataset\": \"%s\", \"period\": \"%s\", \"unit\": \"%s\", "
                "\"revision\": %" PRIu32 ", \"public_key\": \"%s\", \"epoch\": \"%016" PRIx64
                "\", \"seq\": %" PRIu64 ", \"received_at_ms\": %" PRId64 "}",
                i ? "," : "", s_json_safe(dataset, u->dataset), u->period,
                s_json_safe(unit, u->unit), u->revision, key, u->origin.epoch, u->origin.seq,
                u->origin.received_at_ms);
    }
    fprintf(out, "%s]\n}\n", r->nundecodable ? "\n  " : "");
}
