/* retention.c: which old records go, in short resumable write transactions. */
#include "retention.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "i18n.h"
#include "log.h"
#include "stored.h"

#define STEP_RECORDS_DEFAULT 2000

struct retention {
    retention_config config;
    retention_stats stats;
    int phase;             /* 0 revisions, 1 rejections, 2 done */
    store_position resume; /* after the last record of the last committed step */
    td_arena_t *arena;     /* decoded reports, reset per revision */
};

/* One write a step makes: a revision's new body, or a rejection reason to drop. */
typedef struct {
    uint8_t natural_key[STORE_POSITION_MAX];
    size_t natural_len;
    uint32_t revision;
    uint8_t *audit; /* malloc'd packed report (revisions) */
    size_t audit_len;
    uint8_t agent[STORE_KEY_BYTES]; /* rejections */
    uint64_t epoch, seq;
} s_change;

typedef struct {
    retention_t *pass;
    store_txn *txn;
    s_change *changes;
    size_t n;
    retention_stats stats; /* of this step, added on commit */
    td_err rc;
} s_step;

int64_t retention_cutoff(long long days, int64_t now_ms)
{
    return days > 0 ? now_ms - (int64_t) days * 86400000 : INT64_MIN;
}

td_err retention_open(retention_t **out, const retention_config *config)
{
    retention_t *p = calloc(1, sizeof *p);
    *out = NULL;
    if (p == NULL || td_arena_open(&p->arena, 64 << 10) != TD_OK) {
        free(p);
        return TD_ERR_NOMEM;
    }
    p->config = *config;
    if (p->config.step_records == 0)
        p->config.step_records = STEP_RECORDS_DEFAULT;
    *out = p;
    return TD_OK;
}

void retention_close(retention_t **pass)
{
    if (pass == NULL || *pass == NULL)
        return;
    td_arena_close(&(*pass)->arena);
    free(*pass);
    *pass = NULL;
}

const retention_stats *retention_get_stats(const retention_t *pass)
{
    return &pass->stats;
}

/* The audit part of a report: who prepared it and when, for which unit and period
 * (docs/operations.md); into change->audit. 0 when there is nothing to gain. */
static td_err s_audit(s_step *step, const store_revision *rev, s_change *change, int *worth_it)
{
    Tiendo__Report *r = NULL;
    *worth_it = 0;
    td_arena_reset(step->pass->arena);
    if (stored_report_decode(step->pass->arena, rev->report, rev->report_len, NULL, &r, NULL, 0) !=
        TD_OK)
        return TD_OK; /* does not decode: leave it as it is for `check` to report */
    Tiendo__Report stub = TIENDO__REPORT__INIT;
    stub.unit = r->unit;
    stub.dataset = r->dataset;
    stub.period = r->period;
    stub.prepared_by = r->prepared_by;
    stub.has_prepared_at = r->has_prepared_at;
    stub.prepared_at = r->prepared_at;
    size_t packed = protobuf_c_message_get_packed_size(&stub.base);
    if (packed >= rev->report_len)
        return TD_OK;
    change->audit = malloc(packed ? packed : 1);
    if (change->audit == NULL)
        return TD_ERR_NOMEM;
    change->audit_len = protobuf_c_message_pack(&stub.base, change->audit);
    *worth_it = 1;
    return TD_OK;
}

static int s_look_revision(void *ctx, const store_revision *rev)
{
    s_step *step = ctx;
    const retention_config *config = &step->pass->config;
    s_change *c = &step->changes[step->n];
    step->stats.revisions_seen++;
    if (rev->pruned) {
        step->stats.already_pruned++;
        return 0;
    }
    int64_t superseded_at;
    int worth_it = 0;
    step->rc = store_revision_superseded_at(step->txn, rev, &superseded_at);
    if (step->rc == TD_OK && superseded_at != 0 && superseded_at <= config->superseded_cutoff_ms)
        step->rc = s_audit(step, rev, c, &worth_it);
    if (step->rc != TD_OK)
        return 1;
    if (!worth_it)
        return 0;
    if (rev->natural_len > sizeof c->natural_key) {
        free(c->audit);
        step->rc = TD_ERR_STORE;
        return 1;
    }
    memcpy(c->natural_key, rev->natural_key, rev->natural_len);
    c->natural_len = rev->natural_len;
    c->revision = rev->revision;
    step->stats.revisions_pruned++;
    step->stats.body_bytes_freed += rev->report_len - c->audit_len;
    step->n++;
    return 0;
}

static int s_look_rejection(void *ctx, const store_rejection *rej)
{
    s_step *step = ctx;
    step->stats.rejections_seen++;
    /* recorded_at 0 (unknown, schema 1) counts as old enough */
    if (rej->recorded_at_ms > step->pass->config.rejections_cutoff_ms)
        return 0;
    /* Only when the agent has said it no longer holds that seq: a resend would
     * otherwise find no reason and be answered DUPLICATE, losing the report. */
    uint64_t high_water, settled_below;
    step->rc = store_delivery_read(step->txn, rej->agent, rej->epoch, &high_water, &settled_below);
    if (step->rc != TD_OK)
        return 1;
    if (rej->seq >= settled_below) {
        step->stats.rejections_kept_unsettled++;
        return 0;
    }
    s_change *c = &step->changes[step->n++];
    memcpy(c->agent, rej->agent, STORE_KEY_BYTES);
    c->epoch = rej->epoch;
    c->seq = rej->seq;
    step->stats.rejections_pruned++;
    return 0;
}

static void s_add_stats(retention_stats *to, const retention_stats *from)
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

td_err retention_step(store_t *store, retention_t *p, int *done)
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
    store_txn txn;
    s_step step;
    memset(&step, 0, sizeof step);
    step.pass = p;
    step.txn = &txn;
    step.changes = calloc(p->config.step_records, sizeof *step.changes);
    if (step.changes == NULL)
        return TD_ERR_NOMEM;
    /* Scan first, write after: the writes never move the cursor under the scan. */
    store_position at = p->resume; /* moved on only when the step commits */
    int finished = 0;
    td_err rc = store_begin(store, p->config.dry_run, &txn);
    if (rc == TD_OK)
        rc = p->phase == 0 ? store_scan_revisions(&txn, &at, p->config.step_records,
                                                  s_look_revision, &step, &finished)
                           : store_scan_rejections(&txn, &at, p->config.step_records,
                                                   s_look_rejection, &step, &finished);
    if (rc == TD_OK)
        rc = step.rc;
    for (size_t i = 0; i < step.n && rc == TD_OK && !p->config.dry_run; i++) {
        const s_change *c = &step.changes[i];
        rc = p->phase == 0 ? store_revision_prune(&txn, c->natural_key, c->natural_len, c->revision,
                                                  c->audit, c->audit_len)
                           : store_rejection_delete(&txn, c->agent, c->epoch, c->seq);
    }
    if (rc == TD_OK && !p->config.dry_run)
        rc = store_commit(&txn);
    else
        store_abort(&txn);
    if (rc == TD_OK) {
        step.stats.transactions = p->config.dry_run ? 0 : 1;
        s_add_stats(&p->stats, &step.stats);
        p->resume = at;
        if (finished) {
            p->phase++;
            memset(&p->resume, 0, sizeof p->resume);
        }
    }
    for (size_t i = 0; i < step.n; i++)
        free(step.changes[i].audit);
    free(step.changes);
    return rc;
}

td_err retention_run(store_t *store, retention_t *pass)
{
    for (int done = 0; !done;) {
        td_err rc = retention_step(store, pass, &done);
        if (rc == TD_ERR_MAPFULL)
            rc = store_grow(store);
        if (rc != TD_OK)
            return rc;
    }
    return TD_OK;
}

void retention_describe(const retention_stats *st, int dry_run, int for_people, char *buf,
                        size_t len)
{
    const uint64_t counts[8] = {st->revisions_pruned,          st->revisions_seen,
                                st->body_bytes_freed,          st->already_pruned,
                                st->rejections_pruned,         st->rejections_seen,
                                st->rejections_kept_unsettled, st->transactions};
    char n[8][32];
    for (int i = 0; i < 8; i++) {
        if (for_people)
            td_fmt_count(counts[i], n[i], sizeof n[i]);
        else
            snprintf(n[i], sizeof n[i], "%" PRIu64, counts[i]);
    }
    if (dry_run)
        td_msg(buf, len,
               "dry run, nothing changed: %s of %s revisions lose their report body (%s bytes; "
               "%s pruned before), %s of %s rejection reasons dropped (%s kept: the agent may "
               "still resend them), %s write transactions",
               n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7]);
    else
        td_msg(buf, len,
               "pruned: %s of %s revisions lose their report body (%s bytes; %s pruned before), "
               "%s of %s rejection reasons dropped (%s kept: the agent may still resend them), "
               "%s write transactions",
               n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7]);
}

void retention_daily_init(retention_daily *daily, long long superseded_days,
                          long long rejections_days)
{
    memset(daily, 0, sizeof *daily);
    daily->superseded_days = superseded_days;
    daily->rejections_days = rejections_days;
}

void retention_daily_round(retention_daily *daily, store_t *store, int64_t now)
{
    if (daily->superseded_days == 0 && daily->rejections_days == 0)
        return;
    if (daily->pass == NULL) {
        if (daily->next_pass_ms == 0)
            daily->next_pass_ms = now + 60000;
        if (now < daily->next_pass_ms)
            return;
        int64_t wall = td_now_ms();
        retention_config config = {retention_cutoff(daily->superseded_days, wall),
                                   retention_cutoff(daily->rejections_days, wall), 0, 0};
        if (retention_open(&daily->pass, &config) != TD_OK)
            return;
    }
    int done = 0;
    td_err rc = retention_step(store, daily->pass, &done);
    if (rc == TD_ERR_MAPFULL && store_grow(store) == TD_OK)
        return; /* the next round tries the step again */
    if (rc != TD_OK || done) {
        if (rc != TD_OK) {
            td_error("retention pass stopped: %s (next pass in 24 h)", td_strerror(rc));
        } else {
            char line[512];
            retention_describe(retention_get_stats(daily->pass), 0, 0, line, sizeof line);
            td_info("retention: %s", line);
        }
        retention_close(&daily->pass);
        daily->next_pass_ms = now + 86400000;
    }
}

void retention_daily_close(retention_daily *daily)
{
    retention_close(&daily->pass);
}
