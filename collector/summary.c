/* summary.c: national status and agent list, read from one LMDB read transaction. */
#include "summary.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "codec.h"
#include "indicator.h"
#include "keys.h"
#include "report.h"
#include "stored.h"

/* Per expected unit: reported?, its first submission time and mean progress. */
typedef struct {
    int reported;
    int64_t first_received_ms;
    double mean_progress;
    int has_progress;
} s_unit_state;

typedef struct {
    const td_registry_t *registry;
    const char *dataset;
    const td_period *period;
    td_sums_t *sums;
    td_arena_t *arena;
    s_unit_state *state;
    Tiendo__StatusSummary *summary;
    size_t reported_cap;
    double progress_sum[TD_TASK_GROUPS];
    uint32_t progress_n[TD_TASK_GROUPS];
    const td_unit **expected;
    size_t nexpected;
    unsigned char *expected_seen;
    td_err rc;
    char *reason; /* why rc, for the answer */
    size_t reasonlen;
} s_status_ctx;

void summary_free(ProtobufCMessage **msg)
{
    if (msg == NULL || *msg == NULL)
        return;
    /* Built with malloc: the default allocator frees it. */
    protobuf_c_message_free_unpacked(*msg, NULL);
    *msg = NULL;
}

ProtobufCMessage *summary_copy(const ProtobufCMessage *msg)
{
    /* It unpacks the bytes just packed from a message stored.h decoded within its bound,
     * so this unpack is bounded the same way. */
    size_t len = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = malloc(len ? len : 1);
    if (buf == NULL)
        return NULL;
    protobuf_c_message_pack(msg, buf);
    ProtobufCMessage *copy = protobuf_c_message_unpack(msg->descriptor, NULL, len, buf);
    free(buf);
    return copy;
}

static int s_on_latest(void *arg, const char *unit, uint32_t revision, const store_origin *origin,
                       int64_t first_received_ms, const uint8_t *bytes, size_t len)
{
    s_status_ctx *ctx = arg;
    Tiendo__StatusSummary *sum = ctx->summary;
    sum->revisions_stored += revision;

    Tiendo__Report *report = NULL;
    /* One arena for the whole scan, reset per report: no malloc/free per field. */
    td_arena_reset(ctx->arena);
    stored_report_name name = {ctx->dataset, ctx->period, unit, revision};
    ctx->rc =
        stored_report_decode(ctx->arena, bytes, len, &name, &report, ctx->reason, ctx->reasonlen);
    if (ctx->rc != TD_OK)
        return 1;
    /* The nation's indicators sum every unit's elements, predecessors included. */
    td_indicator_sums_add(ctx->sums, report);
    int expected = -1;
    for (size_t i = 0; i < ctx->nexpected; i++) {
        if (strcmp(ctx->expected[i]->code, unit) == 0) {
            ctx->expected_seen[i] = 1;
            expected = (int) i;
            break;
        }
    }
    if (expected >= 0) {
        s_unit_state *st = &ctx->state[expected];
        st->reported = 1;
        st->first_received_ms = first_received_ms;
        sum->units_reported++;
        for (size_t g = 0; g < report->n_task_groups; g++) {
            const Tiendo__TaskGroupProgress *tg = report->task_groups[g];
            if (tg->group < 1 || tg->group > TD_TASK_GROUPS)
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
        st->has_progress = td_report_mean_progress(report, &st->mean_progress);
    }
    report = NULL; /* lives in the arena */
    /* The headline lists the expected units only; every unit (communes included) is in
     * the units query. Thousands of commune rows here would only slow the answer. */
    if (expected < 0)
        return 0;

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
    ur->has_first_received_at_ms = 1;
    ur->first_received_at_ms = first_received_ms;
    if (ur->unit == NULL || ur->name == NULL) {
        ctx->rc = TD_ERR_NOMEM;
        return 1;
    }
    return 0;
}

/* Lagging order: overdue, then late, then not yet due, then lowest mean progress. */
typedef struct {
    size_t index;
    int rank;
    double progress;
} s_lag;

static int s_cmp_lag(const void *a, const void *b)
{
    const s_lag *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    if (x->progress != y->progress)
        return x->progress < y->progress ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static const char *s_target(const td_indicator *ind, int year, int has, double value)
{
    if (!has)
        return "no_data";
    return td_indicator_target_name(td_indicator_target_status(ind, year, value));
}

/* Statuses, indicators and lagging units, once the scan has filled ctx. */
static td_err s_finish(s_status_ctx *ctx, const td_calendar_t *calendar, const char *dataset,
                       int64_t now)
{
    Tiendo__StatusSummary *sum = ctx->summary;
    const td_period *p = ctx->period;
    char buf[16];
    td_date deadline = td_calendar_deadline(calendar, dataset, p);
    sum->deadline = strdup(td_date_format(&deadline, buf, sizeof buf));
    sum->has_units_on_time = sum->has_units_late = sum->has_units_not_yet_due =
        sum->has_units_overdue = 1;
    s_lag *lags = calloc(ctx->nexpected + 1, sizeof *lags);
    if (sum->deadline == NULL || lags == NULL) {
        free(lags);
        return TD_ERR_NOMEM;
    }
    size_t nlags = 0;
    for (size_t i = 0; i < ctx->nexpected; i++) {
        const s_unit_state *st = &ctx->state[i];
        td_report_status status = td_calendar_status(
            calendar, dataset, p, st->reported ? st->first_received_ms / 1000 : -1, now);
        switch (status) {
        case TD_REPORT_ON_TIME:
            sum->units_on_time++;
            break;
        case TD_REPORT_LATE:
            sum->units_late++;
            break;
        case TD_REPORT_NOT_YET_DUE:
            sum->units_not_yet_due++;
            break;
        default:
            sum->units_overdue++;
            break;
        }
        int rank = status == TD_REPORT_OVERDUE ? 0
                   : status == TD_REPORT_LATE  ? 1
                   : !st->reported             ? 2
                                               : 3;
        lags[nlags++] = (s_lag){i, rank, st->has_progress ? st->mean_progress : 0};
    }
    for (size_t r = 0; r < sum->n_reported; r++) {
        Tiendo__UnitReport *ur = sum->reported[r];
        td_report_status status =
            td_calendar_status(calendar, dataset, p, ur->first_received_at_ms / 1000, now);
        ur->status = strdup(td_calendar_status_name(status));
        if (ur->status == NULL) {
            free(lags);
            return TD_ERR_NOMEM;
        }
    }
    qsort(lags, nlags, sizeof *lags, s_cmp_lag);
    size_t nlag = nlags < TD_STATUS_LAGGING_MAX ? nlags : TD_STATUS_LAGGING_MAX;
    sum->lagging = calloc(nlag + 1, sizeof *sum->lagging);
    if (sum->lagging == NULL) {
        free(lags);
        return TD_ERR_NOMEM;
    }
    for (size_t i = 0; i < nlag; i++) {
        const s_unit_state *st = &ctx->state[lags[i].index];
        const td_unit *u = ctx->expected[lags[i].index];
        Tiendo__LaggingUnit *lu = malloc(sizeof *lu);
        if (lu == NULL) {
            free(lags);
            return TD_ERR_NOMEM;
        }
        tiendo__lagging_unit__init(lu);
        sum->lagging[sum->n_lagging++] = lu;
        lu->unit = strdup(u->code);
        lu->name = strdup(u->name);
        lu->status = strdup(td_calendar_status_name(td_calendar_status(
            calendar, dataset, p, st->reported ? st->first_received_ms / 1000 : -1, now)));
        lu->has_mean_progress_percent = st->has_progress;
        lu->mean_progress_percent = st->mean_progress;
        if (lu->unit == NULL || lu->name == NULL || lu->status == NULL) {
            free(lags);
            return TD_ERR_NOMEM;
        }
    }
    free(lags);

    return summary_indicator_values(ctx->registry, ctx->sums, &sum->indicators, &sum->n_indicators);
}

td_err summary_indicator_values(const td_registry_t *registry, const td_sums_t *sums,
                                Tiendo__IndicatorValue ***out, size_t *n)
{
    const td_indicator *inds;
    size_t nind = td_registry_indicators(registry, &inds);
    *out = calloc(nind + 1, sizeof **out);
    *n = 0;
    if (*out == NULL)
        return TD_ERR_NOMEM;
    for (size_t i = 0; i < nind; i++) {
        const td_indicator *ind = &inds[i];
        Tiendo__IndicatorValue *iv = malloc(sizeof *iv);
        if (iv == NULL)
            return TD_ERR_NOMEM;
        tiendo__indicator_value__init(iv);
        (*out)[(*n)++] = iv;
        double value = 0;
        int has = td_indicator_eval(ind, sums, &value) == TD_OK;
        iv->id = strdup(ind->id);
        iv->unit = strdup(ind->unit);
        iv->has_units_counted = 1;
        iv->units_counted = (uint32_t) td_indicator_coverage(ind, sums);
        if (has) {
            iv->has_value = 1;
            iv->value = value;
        }
        iv->target_2025 = strdup(s_target(ind, 2025, has, value));
        iv->target_2030 = strdup(s_target(ind, 2030, has, value));
        double total;
        if (td_indicator_sums_element(sums, ind->numerator, &total, NULL) == TD_OK) {
            iv->has_numerator = 1;
            iv->numerator = total;
        }
        if (ind->denominator[0] != '\0' &&
            td_indicator_sums_element(sums, ind->denominator, &total, NULL) == TD_OK) {
            iv->has_denominator = 1;
            iv->denominator = total;
        }
        if (iv->id == NULL || iv->unit == NULL || iv->target_2025 == NULL ||
            iv->target_2030 == NULL)
            return TD_ERR_NOMEM;
    }
    return TD_OK;
}

td_err summary_status(store_t *store, const td_registry_t *registry, const td_calendar_t *calendar,
                      const char *dataset, const char *period_text, Tiendo__StatusSummary **out,
                      char *reason, size_t reasonlen)
{
    *out = NULL;
    td_period period;
    if (period_text == NULL || td_period_parse(period_text, &period) != TD_OK) {
        snprintf(reason, reasonlen,
                 "'%s' is not a period (expected e.g. 2026-Q3, 2026-M07, 2026-H2, 2026-9M, 2026)",
                 period_text != NULL ? period_text : "");
        return TD_ERR_INVALID;
    }
    dataset = td_dataset_or_default(dataset);

    s_status_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.registry = registry;
    ctx.dataset = dataset;
    ctx.period = &period;
    ctx.reason = reason;
    ctx.reasonlen = reasonlen;
    size_t nunits = td_registry_units(registry, &(const td_unit *){NULL});
    ctx.expected = calloc(nunits + 1, sizeof *ctx.expected);
    ctx.expected_seen = calloc(nunits + 1, 1);
    ctx.state = calloc(nunits + 1, sizeof *ctx.state);
    Tiendo__StatusSummary *sum = malloc(sizeof *sum);
    td_err rc = TD_ERR_NOMEM;
    store_txn txn = {0};
    if (ctx.expected == NULL || ctx.expected_seen == NULL || ctx.state == NULL || sum == NULL ||
        td_indicator_sums_create(&ctx.sums, registry) != TD_OK ||
        td_arena_open(&ctx.arena, 256 << 10) != TD_OK)
        goto done;
    tiendo__status_summary__init(sum);
    ctx.summary = sum;
    ctx.nexpected = td_registry_expected(registry, &period, ctx.expected, nunits + 1);
    char canonical[TD_PERIOD_TEXT_MAX];
    td_period_format(&period, canonical, sizeof canonical);
    sum->dataset = strdup(dataset);
    sum->period = strdup(canonical);
    sum->task_groups = calloc(TD_TASK_GROUPS, sizeof *sum->task_groups);
    if (sum->dataset == NULL || sum->period == NULL || sum->task_groups == NULL)
        goto done;
    for (int g = 0; g < TD_TASK_GROUPS; g++) {
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
    for (int g = 0; g < TD_TASK_GROUPS; g++) {
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
    rc = s_finish(&ctx, calendar, dataset, (int64_t) time(NULL));
    if (rc != TD_OK)
        goto done;
    *out = sum;
    sum = NULL;
done:
    summary_free((ProtobufCMessage **) &sum);
    td_indicator_sums_destroy(&ctx.sums);
    td_arena_close(&ctx.arena);
    free(ctx.expected);
    free(ctx.expected_seen);
    free(ctx.state);
    return rc;
}

typedef struct {
    Tiendo__AgentList *list;
    size_t cap;
    td_arena_t *arena; /* decoded heartbeats, reset per agent */
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
        /* A heartbeat that does not decode is left out: it is no figure of a report. */
        Tiendo__Heartbeat *hb = NULL;
        td_arena_reset(ctx->arena);
        if (stored_heartbeat_decode(ctx->arena, a, &hb) == TD_OK &&
            (info->last_heartbeat = (Tiendo__Heartbeat *) summary_copy(&hb->base)) == NULL) {
            ctx->rc = TD_ERR_NOMEM;
            return 1;
        }
    }
    return 0;
}

td_err summary_agents(store_t *store, Tiendo__AgentList **out)
{
    *out = NULL;
    s_agents_ctx ctx = {malloc(sizeof(Tiendo__AgentList)), 0, NULL, TD_OK};
    if (ctx.list == NULL || td_arena_open(&ctx.arena, 4 << 10) != TD_OK) {
        free(ctx.list);
        return TD_ERR_NOMEM;
    }
    tiendo__agent_list__init(ctx.list);
    store_txn txn;
    td_err rc = store_begin(store, 1, &txn);
    if (rc == TD_OK) {
        rc = store_scan_agents(&txn, s_on_agent, &ctx);
        store_abort(&txn);
    }
    if (rc == TD_OK)
        rc = ctx.rc;
    td_arena_close(&ctx.arena);
    if (rc != TD_OK) {
        summary_free((ProtobufCMessage **) &ctx.list);
        return rc;
    }
    *out = ctx.list;
    return TD_OK;
}
