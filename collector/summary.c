/* summary.c: national status and agent list, read from one LMDB read transaction. */
#include "summary.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "codec.h"
#include "keys.h"

#define GROUPS 6

typedef struct {
    const td_registry_t *registry;
    const td_period *period;
    Tiendo__StatusSummary *summary;
    size_t reported_cap;
    double progress_sum[GROUPS];
    uint32_t progress_n[GROUPS];
    const td_unit **expected;
    size_t nexpected;
    unsigned char *expected_seen;
    td_err rc;
} s_status_ctx;

void summary_free(ProtobufCMessage **msg)
{
    if (msg == NULL || *msg == NULL)
        return;
    /* Built with malloc: the default allocator frees it. */
    protobuf_c_message_free_unpacked(*msg, NULL);
    *msg = NULL;
}

static int s_on_latest(void *arg, const char *unit, uint32_t revision, const store_origin *origin,
                       const uint8_t *bytes, size_t len)
{
    s_status_ctx *ctx = arg;
    Tiendo__StatusSummary *sum = ctx->summary;
    sum->revisions_stored += revision;

    Tiendo__Report *report = NULL;
    if (td_message_decode(&tiendo__report__descriptor, bytes, len, TD_MAX_FRAME,
                          (ProtobufCMessage **) &report) != TD_OK) {
        ctx->rc = TD_ERR_STORE;
        return 1;
    }
    int expected = 0;
    for (size_t i = 0; i < ctx->nexpected; i++) {
        if (strcmp(ctx->expected[i]->code, unit) == 0) {
            ctx->expected_seen[i] = 1;
            expected = 1;
            break;
        }
    }
    if (expected) {
        sum->units_reported++;
        for (size_t g = 0; g < report->n_task_groups; g++) {
            const Tiendo__TaskGroupProgress *tg = report->task_groups[g];
            if (tg->group < 1 || tg->group > GROUPS)
                continue;
            Tiendo__TaskGroupSummary *out = sum->task_groups[tg->group - 1];
            if (tg->status == TIENDO__TASK_STATUS__TASK_NOT_STARTED)
                out->not_started++;
            else if (tg->status == TIENDO__TASK_STATUS__TASK_IN_PROGRESS)
                out->in_progress++;
            else if (tg->status == TIENDO__TASK_STATUS__TASK_COMPLETED)
                out->completed++;
            ctx->progress_sum[tg->group - 1] += tg->progress_percent;
            ctx->progress_n[tg->group - 1]++;
        }
    }
    td_message_free((ProtobufCMessage **) &report);

    if (sum->n_reported == ctx->reported_cap) {
        size_t cap = ctx->reported_cap ? ctx->reported_cap * 2 : 64;
        Tiendo__UnitReport **grown = realloc(sum->reported, cap * sizeof *grown);
        if (grown == NULL) {
            ctx->rc = TD_ERR_NOMEM;
            return 1;
        }
        sum->reported = grown;
        ctx->reported_cap = cap;
    }
    Tiendo__UnitReport *ur = malloc(sizeof *ur);
    if (ur == NULL) {
        ctx->rc = TD_ERR_NOMEM;
        return 1;
    }
    tiendo__unit_report__init(ur);
    sum->reported[sum->n_reported++] = ur;
    td_date last;
    td_date first;
    td_period_span(ctx->period, &first, &last);
    const td_unit *u = td_registry_find(ctx->registry, unit, &last);
    if (u == NULL)
        u = td_registry_find(ctx->registry, unit, NULL);
    ur->unit = strdup(unit);
    ur->name = strdup(u != NULL ? u->name : "");
    ur->has_revision = 1;
    ur->revision = revision;
    ur->has_received_at_ms = 1;
    ur->received_at_ms = origin->received_at_ms;
    if (ur->unit == NULL || ur->name == NULL) {
        ctx->rc = TD_ERR_NOMEM;
        return 1;
    }
    return 0;
}

td_err summary_status(store_t *store, const td_registry_t *registry, const char *dataset,
                      const char *period_text, Tiendo__StatusSummary **out, char *reason,
                      size_t reasonlen)
{
    *out = NULL;
    td_period period;
    if (period_text == NULL || td_period_parse(period_text, &period) != TD_OK) {
        snprintf(reason, reasonlen,
                 "'%s' is not a period (expected e.g. 2026-Q3, 2026-M07, 2026-H2, 2026-9M, 2026)",
                 period_text != NULL ? period_text : "");
        return TD_ERR_INVALID;
    }
    if (dataset == NULL || dataset[0] == '\0')
        dataset = "nq06";

    s_status_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.registry = registry;
    ctx.period = &period;
    size_t nunits = td_registry_units(registry, &(const td_unit *){NULL});
    ctx.expected = calloc(nunits + 1, sizeof *ctx.expected);
    ctx.expected_seen = calloc(nunits + 1, 1);
    Tiendo__StatusSummary *sum = malloc(sizeof *sum);
    td_err rc = TD_ERR_NOMEM;
    store_txn txn = {0};
    if (ctx.expected == NULL || ctx.expected_seen == NULL || sum == NULL)
        goto done;
    tiendo__status_summary__init(sum);
    ctx.summary = sum;
    ctx.nexpected = td_registry_expected(registry, &period, ctx.expected, nunits + 1);
    char canonical[TD_PERIOD_TEXT_MAX];
    td_period_format(&period, canonical, sizeof canonical);
    sum->dataset = strdup(dataset);
    sum->period = strdup(canonical);
    sum->task_groups = calloc(GROUPS, sizeof *sum->task_groups);
    if (sum->dataset == NULL || sum->period == NULL || sum->task_groups == NULL)
        goto done;
    for (int g = 0; g < GROUPS; g++) {
        Tiendo__TaskGroupSummary *tg = malloc(sizeof *tg);
        if (tg == NULL)
            goto done;
        tiendo__task_group_summary__init(tg);
        tg->has_group = tg->has_not_started = tg->has_in_progress = tg->has_completed = 1;
        tg->group = (uint32_t) g + 1;
        sum->task_groups[sum->n_task_groups++] = tg;
    }
    sum->has_units_expected = sum->has_units_reported = sum->has_revisions_stored = 1;
    sum->units_expected = (uint32_t) ctx.nexpected;

    rc = store_begin(store, 1, &txn);
    if (rc != TD_OK)
        goto done;
    rc = store_scan_latest(&txn, dataset, &period, s_on_latest, &ctx);
    store_abort(&txn);
    if (rc == TD_OK)
        rc = ctx.rc;
    if (rc != TD_OK)
        goto done;
    for (int g = 0; g < GROUPS; g++) {
        if (ctx.progress_n[g] > 0) {
            sum->task_groups[g]->has_mean_progress_percent = 1;
            sum->task_groups[g]->mean_progress_percent = ctx.progress_sum[g] / ctx.progress_n[g];
        }
    }
    size_t nmissing = ctx.nexpected - sum->units_reported;
    sum->missing = calloc(nmissing + 1, sizeof *sum->missing);
    if (sum->missing == NULL) {
        rc = TD_ERR_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < ctx.nexpected; i++) {
        if (!ctx.expected_seen[i]) {
            sum->missing[sum->n_missing] = strdup(ctx.expected[i]->code);
            if (sum->missing[sum->n_missing++] == NULL) {
                rc = TD_ERR_NOMEM;
                goto done;
            }
        }
    }
    *out = sum;
    sum = NULL;
done:
    summary_free((ProtobufCMessage **) &sum);
    free(ctx.expected);
    free(ctx.expected_seen);
    return rc;
}

typedef struct {
    Tiendo__AgentList *list;
    size_t cap;
    td_err rc;
} s_agents_ctx;

static int s_on_agent(void *arg, const store_agent *a)
{
    s_agents_ctx *ctx = arg;
    Tiendo__AgentList *list = ctx->list;
    if (list->n_agents == ctx->cap) {
        size_t cap = ctx->cap ? ctx->cap * 2 : 16;
        Tiendo__AgentInfo **grown = realloc(list->agents, cap * sizeof *grown);
        if (grown == NULL) {
            ctx->rc = TD_ERR_NOMEM;
            return 1;
        }
        list->agents = grown;
        ctx->cap = cap;
    }
    Tiendo__AgentInfo *info = malloc(sizeof *info);
    char *key = malloc(TD_Z85_KEY_LEN + 1);
    if (info == NULL || key == NULL) {
        free(info);
        free(key);
        ctx->rc = TD_ERR_NOMEM;
        return 1;
    }
    tiendo__agent_info__init(info);
    list->agents[list->n_agents++] = info;
    zmq_z85_encode(key, a->agent, STORE_KEY_BYTES);
    info->public_key = key;
    info->has_last_seen_ms = info->has_epoch = info->has_high_water = 1;
    info->last_seen_ms = a->last_seen_ms;
    info->epoch = a->epoch;
    info->high_water = a->high_water;
    if (a->heartbeat_at_ms != 0) {
        info->has_last_heartbeat_ms = 1;
        info->last_heartbeat_ms = a->heartbeat_at_ms;
        /* Unpack with the default allocator so summary_free can free it. */
        info->last_heartbeat = tiendo__heartbeat__unpack(NULL, a->heartbeat_len, a->heartbeat);
    }
    return 0;
}

td_err summary_agents(store_t *store, Tiendo__AgentList **out)
{
    *out = NULL;
    s_agents_ctx ctx = {malloc(sizeof(Tiendo__AgentList)), 0, TD_OK};
    if (ctx.list == NULL)
        return TD_ERR_NOMEM;
    tiendo__agent_list__init(ctx.list);
    store_txn txn;
    td_err rc = store_begin(store, 1, &txn);
    if (rc == TD_OK) {
        rc = store_scan_agents(&txn, s_on_agent, &ctx);
        store_abort(&txn);
    }
    if (rc == TD_OK)
        rc = ctx.rc;
    if (rc != TD_OK) {
        summary_free((ProtobufCMessage **) &ctx.list);
        return rc;
    }
    *out = ctx.list;
    return TD_OK;
}
