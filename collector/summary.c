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
#include "rollup.h"
#include "stored.h"
#include "tasks_view.h"

/* Per expected unit: its own latest report, if any (the merger rule adds its parts). */
typedef struct {
    int own;
    uint32_t revision;
    int64_t received_ms, first_received_ms;
    double mean_progress;
    int has_progress;
} s_unit_state;

typedef struct {
    const char *dataset;
    const td_period *period;
    td_rollup_t *rollup;
    td_arena_t *arena;
    s_unit_state *state;
    Tiendo__StatusSummary *summary;
    double progress_sum[TD_TASK_GROUPS];
    uint32_t progress_n[TD_TASK_GROUPS];
    const td_unit **expected; /* in code order (td_registry_expected) */
    size_t nexpected;
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

static int s_unit_code_cmp(const void *key, const void *elem)
{
    return strcmp(key, (*(const td_unit *const *) elem)->code);
}

/* The index of code among the expected units (code order), or -1. */
static long s_expected_index(const s_status_ctx *ctx, const char *code)
{
    const td_unit *const *hit =
        bsearch(code, ctx->expected, ctx->nexpected, sizeof *ctx->expected, s_unit_code_cmp);
    return hit != NULL ? (long) (hit - ctx->expected) : -1;
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
    /* Every report of the period goes into the tree; one outside it (a ministry, a unit
     * that does not exist during the period) is counted nowhere (rollup.h). */
    td_err added = td_rollup_add(ctx->rollup, unit, report, first_received_ms);
    if (added == TD_ERR_NOMEM) {
        ctx->rc = added;
        return 1;
    }
    long expected = s_expected_index(ctx, unit);
    if (expected < 0)
        return 0;
    s_unit_state *st = &ctx->state[expected];
    st->own = 1;
    st->revision = revision;
    st->received_ms = origin->received_at_ms;
    st->first_received_ms = first_received_ms;
    /* Task groups and progress are the unit's own account: a part's report is not it. */
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
    return 0;
}

void summary_unit_reporting(const td_rollup_t *rollup, const char *unit, int has_own,
                            int64_t own_first_ms, summary_reporting *out)
{
    memset(out, 0, sizeof *out);
    td_rollup_unit st;
    if (td_rollup_unit_state(rollup, unit, &st) != TD_OK) {
        /* not an expected unit: it has no parts that report for it */
        out->reported = out->own = has_own;
        out->first_received_ms = has_own ? own_first_ms : 0;
        return;
    }
    out->own = st.own;
    out->reported = st.own || st.parts_reported > 0;
    out->partial = !st.own && st.parts_reported > 0 && st.parts_reported < st.parts;
    out->first_received_ms = st.own ? st.own_first_received_ms : st.parts_first_received_ms;
}

/* The reported[] entry of expected unit i, by the merger rule. */
static td_err s_reported_entry(s_status_ctx *ctx, size_t i, const summary_reporting *how,
                               const char *status)
{
    Tiendo__StatusSummary *sum = ctx->summary;
    const s_unit_state *st = &ctx->state[i];
    const td_unit *u = ctx->expected[i];
    Tiendo__UnitReport *ur = malloc(sizeof *ur);
    if (ur == NULL)
        return TD_ERR_NOMEM;
    tiendo__unit_report__init(ur);
    sum->reported[sum->n_reported++] = ur;
    ur->unit = strdup(u->code);
    ur->name = strdup(u->name);
    ur->status = strdup(status);
    if (ur->unit == NULL || ur->name == NULL || ur->status == NULL)
        return TD_ERR_NOMEM;
    ur->has_first_received_at_ms = 1;
    ur->first_received_at_ms = how->first_received_ms;
    ur->has_partial = 1;
    ur->partial = how->partial;
    if (st->own) {
        ur->has_revision = ur->has_received_at_ms = 1;
        ur->revision = st->revision;
        ur->received_at_ms = st->received_ms;
    }
    const char *parts[64];
    size_t nparts = td_rollup_parts_reported(ctx->rollup, u->code, parts, 64);
    if (nparts > 64)
        nparts = 64; /* no unit of the registry has as many */
    if (nparts > 0) {
        ur->reported_by_parts = calloc(nparts, sizeof *ur->reported_by_parts);
        if (ur->reported_by_parts == NULL)
            return TD_ERR_NOMEM;
        for (size_t k = 0; k < nparts; k++) {
            if ((ur->reported_by_parts[k] = strdup(parts[k])) == NULL)
                return TD_ERR_NOMEM;
            ur->n_reported_by_parts++;
        }
    }
    return TD_OK;
}

/* Lagging order: overdue, then late, then not yet due, then lowest mean progress. */
typedef struct {
    size_t index;
    int rank;
    double progress;
    td_report_status status;
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

/* Every expected unit by the merger rule: reported, missing, statuses, lagging units. */
static td_err s_finish(s_status_ctx *ctx, const td_registry_t *registry,
                       const td_calendar_t *calendar, const char *dataset, int64_t now)
{
    Tiendo__StatusSummary *sum = ctx->summary;
    const td_period *p = ctx->period;
    char buf[16];
    td_date deadline = td_calendar_deadline(calendar, dataset, p);
    sum->deadline = strdup(td_date_format(&deadline, buf, sizeof buf));
    sum->has_units_on_time = sum->has_units_late = sum->has_units_not_yet_due =
        sum->has_units_overdue = sum->has_units_partial = 1;
    s_lag *lags = calloc(ctx->nexpected + 1, sizeof *lags);
    sum->reported = calloc(ctx->nexpected + 1, sizeof *sum->reported);
    sum->missing = calloc(ctx->nexpected + 1, sizeof *sum->missing);
    td_err rc = TD_OK;
    if (sum->deadline == NULL || lags == NULL || sum->reported == NULL || sum->missing == NULL)
        rc = TD_ERR_NOMEM;
    for (size_t i = 0; rc == TD_OK && i < ctx->nexpected; i++) {
        const s_unit_state *st = &ctx->state[i];
        summary_reporting how;
        summary_unit_reporting(ctx->rollup, ctx->expected[i]->code, st->own, st->first_received_ms,
                               &how);
        td_report_status status = td_calendar_status(
            calendar, dataset, p, how.reported ? how.first_received_ms / 1000 : -1, now);
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
        if (how.reported) {
            sum->units_reported++;
            sum->units_partial += how.partial;
            rc = s_reported_entry(ctx, i, &how, td_calendar_status_name(status));
        } else if ((sum->missing[sum->n_missing] = strdup(ctx->expected[i]->code)) == NULL) {
            rc = TD_ERR_NOMEM;
        } else {
            sum->n_missing++;
        }
        int rank = status == TD_REPORT_OVERDUE ? 0
                   : status == TD_REPORT_LATE  ? 1
                   : !how.reported             ? 2
                                               : 3;
        lags[i] = (s_lag){i, rank, st->has_progress ? st->mean_progress : 0, status};
    }
    size_t nlag = ctx->nexpected < TD_STATUS_LAGGING_MAX ? ctx->nexpected : TD_STATUS_LAGGING_MAX;
    if (rc == TD_OK) {
        if (ctx->nexpected > 1) /* qsort takes no NULL base, even for 0 items */
            qsort(lags, ctx->nexpected, sizeof *lags, s_cmp_lag);
        sum->lagging = calloc(nlag + 1, sizeof *sum->lagging);
        if (sum->lagging == NULL)
            rc = TD_ERR_NOMEM;
    }
    for (size_t i = 0; rc == TD_OK && i < nlag; i++) {
        const s_unit_state *st = &ctx->state[lags[i].index];
        const td_unit *u = ctx->expected[lags[i].index];
        Tiendo__LaggingUnit *lu = malloc(sizeof *lu);
        if (lu == NULL) {
            rc = TD_ERR_NOMEM;
            break;
        }
        tiendo__lagging_unit__init(lu);
        sum->lagging[sum->n_lagging++] = lu;
        lu->unit = strdup(u->code);
        lu->name = strdup(u->name);
        lu->status = strdup(td_calendar_status_name(lags[i].status));
        lu->has_mean_progress_percent = st->has_progress;
        lu->mean_progress_percent = st->mean_progress;
        if (lu->unit == NULL || lu->name == NULL || lu->status == NULL)
            rc = TD_ERR_NOMEM;
    }
    free(lags);
    if (rc != TD_OK)
        return rc;
    return summary_indicator_values(registry, ctx->rollup, "VN", &sum->indicators,
                                    &sum->n_indicators);
}

static const char *s_source_name(td_figure_source source)
{
    return source == TD_FIGURE_OWN ? "own" : source == TD_FIGURE_PARTS ? "parts" : NULL;
}

td_err summary_indicator_values(const td_registry_t *registry, td_rollup_t *rollup,
                                const char *scope, Tiendo__IndicatorValue ***out, size_t *n)
{
    const td_indicator *inds;
    size_t nind = td_registry_indicators(registry, &inds);
    *out = calloc(nind + 1, sizeof **out);
    *n = 0;
    if (*out == NULL)
        return TD_ERR_NOMEM;
    for (size_t i = 0; i < nind; i++) {
        const td_indicator *ind = &inds[i];
        td_indicator_figure f;
        td_err rc = td_rollup_indicator(rollup, scope, ind, &f);
        if (rc != TD_OK)
            return rc;
        Tiendo__IndicatorValue *iv = malloc(sizeof *iv);
        if (iv == NULL)
            return TD_ERR_NOMEM;
        tiendo__indicator_value__init(iv);
        (*out)[(*n)++] = iv;
        iv->id = strdup(ind->id);
        iv->unit = strdup(ind->unit);
        iv->has_value = f.has_value;
        iv->value = f.has_value ? f.value : 0;
        iv->target_2025 = strdup(s_target(ind, 2025, f.has_value, f.value));
        iv->target_2030 = strdup(s_target(ind, 2030, f.has_value, f.value));
        iv->has_units_counted = 1;
        iv->units_counted = f.reports;
        /* the sums the value comes from: the same reports */
        iv->has_numerator = f.source != TD_FIGURE_NONE;
        iv->numerator = f.numerator;
        iv->has_denominator = f.source != TD_FIGURE_NONE && ind->denominator[0] != '\0';
        iv->denominator = f.denominator;
        const char *source = s_source_name(f.source);
        iv->source = source != NULL ? strdup(source) : NULL;
        iv->has_units_covered = iv->has_units_expected = iv->has_partial = 1;
        iv->units_covered = f.covered;
        iv->units_expected = f.expected;
        iv->partial = f.partial;
        if (f.has_check) {
            iv->has_check_value = f.check_has_value;
            iv->check_value = f.check_has_value ? f.check_value : 0;
            iv->has_check_numerator = iv->has_check_covered = iv->has_check_expected = 1;
            iv->check_numerator = f.check_numerator;
            iv->has_check_denominator = ind->denominator[0] != '\0';
            iv->check_denominator = f.check_denominator;
            iv->check_covered = f.check_covered;
            iv->check_expected = f.check_expected;
        }
        if (iv->id == NULL || iv->unit == NULL || iv->target_2025 == NULL ||
            iv->target_2030 == NULL || (source != NULL && iv->source == NULL))
            return TD_ERR_NOMEM;
    }
    return TD_OK;
}

/* The expected units no connected agent key may report for, in code order. */
static td_err s_without_live_agent(s_status_ctx *ctx, store_txn *txn, const offices_view *offices)
{
    Tiendo__StatusSummary *sum = ctx->summary;
    unsigned char *live = calloc(ctx->nexpected + 1, 1);
    sum->without_live_agent = calloc(ctx->nexpected + 1, sizeof *sum->without_live_agent);
    if (live == NULL || sum->without_live_agent == NULL) {
        free(live);
        return TD_ERR_NOMEM;
    }
    td_err rc = offices != NULL
                    ? offices_live_units(txn, offices, ctx->expected, ctx->nexpected, live)
                    : TD_OK;
    for (size_t i = 0; rc == TD_OK && i < ctx->nexpected; i++) {
        if (live[i])
            continue;
        if ((sum->without_live_agent[sum->n_without_live_agent] = strdup(ctx->expected[i]->code)) ==
            NULL)
            rc = TD_ERR_NOMEM;
        else
            sum->n_without_live_agent++;
    }
    free(live);
    return rc;
}

td_err summary_status(store_t *store, const td_registry_t *registry, const td_calendar_t *calendar,
                      const offices_view *offices, const char *dataset, const char *period_text,
                      Tiendo__StatusSummary **out, char *reason, size_t reasonlen)
{
    *out = NULL;
    td_period period;
    if (period_text == NULL || td_period_parse(period_text, &period) != TD_OK) {
        return td_fail(
            TD_ERR_INVALID, reason, reasonlen,
            "'%s' is not a period (expected e.g. 2026-Q3, 2026-M07, 2026-H2, 2026-9M, 2026)",
            period_text != NULL ? period_text : "");
    }
    dataset = td_dataset_or_default(dataset);

    s_status_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.dataset = dataset;
    ctx.period = &period;
    ctx.reason = reason;
    ctx.reasonlen = reasonlen;
    size_t nunits = td_registry_units(registry, &(const td_unit *){NULL});
    ctx.expected = calloc(nunits + 1, sizeof *ctx.expected);
    ctx.state = calloc(nunits + 1, sizeof *ctx.state);
    Tiendo__StatusSummary *sum = malloc(sizeof *sum);
    td_err rc = TD_ERR_NOMEM;
    store_txn txn = {0};
    if (ctx.expected == NULL || ctx.state == NULL || sum == NULL ||
        td_arena_open(&ctx.arena, 256 << 10) != TD_OK)
        goto done;
    /* The nation is the same on the period's map and on any later one: the period's. */
    if ((rc = td_rollup_open(&ctx.rollup, registry, &period, NULL)) != TD_OK)
        goto done;
    rc = TD_ERR_NOMEM;
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
    if (rc == TD_OK)
        rc = ctx.rc;
    /* every unit's tasks of the dataset overdue today: one pass, a partial read each */
    int64_t now = (int64_t) time(NULL);
    td_date today = td_date_from_time((time_t) now);
    sum->has_tasks_overdue = 1;
    if (rc == TD_OK)
        rc = tasks_view_overdue(&txn, dataset, NULL, &today, &sum->tasks_overdue, NULL, NULL,
                                reason, reasonlen);
    if (rc == TD_OK)
        rc = s_without_live_agent(&ctx, &txn, offices);
    store_abort(&txn);
    if (rc != TD_OK)
        goto done;
    for (int g = 0; g < TD_TASK_GROUPS; g++) {
        if (ctx.progress_n[g] > 0) {
            sum->task_groups[g]->has_mean_progress_percent = 1;
            sum->task_groups[g]->mean_progress_percent = ctx.progress_sum[g] / ctx.progress_n[g];
        }
    }
    rc = s_finish(&ctx, registry, calendar, dataset, now);
    if (rc != TD_OK)
        goto done;
    *out = sum;
    sum = NULL;
done:
    summary_free((ProtobufCMessage **) &sum);
    td_rollup_close(&ctx.rollup);
    td_arena_close(&ctx.arena);
    free(ctx.expected);
    free(ctx.state);
    return rc;
}

typedef struct {
    Tiendo__AgentList *list;
    size_t cap;
    td_arena_t *arena; /* decoded heartbeats, reset per agent */
    td_err rc;
} s_agents_ctx;

static int s_strdup_to(char **to, const char *from)
{
    *to = from != NULL ? strdup(from) : NULL;
    return from != NULL && *to == NULL;
}

static int s_on_office(void *arg, const office *o)
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
    zmq_z85_encode(key, o->key, STORE_KEY_BYTES);
    info->public_key = key;
    info->has_enrolled = 1;
    info->enrolled = o->entry != NULL;
    int failed = s_strdup_to(&info->state, office_state_name(o->state));
    if (o->entry != NULL)
        failed |= s_strdup_to(&info->name, o->entry->name) |
                  s_strdup_to(&info->role, auth_role_name(o->entry->role)) |
                  s_strdup_to(&info->scope, o->entry->scope_text);
    if (failed) {
        ctx->rc = TD_ERR_NOMEM;
        return 1;
    }
    const store_agent *a = o->agent;
    if (a == NULL)
        return 0; /* enrolled, never made contact: no times, no backlog */
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

td_err summary_agents(store_t *store, const offices_view *offices, Tiendo__AgentList **out)
{
    *out = NULL;
    s_agents_ctx ctx = {malloc(sizeof(Tiendo__AgentList)), 0, NULL, TD_OK};
    if (ctx.list == NULL || td_arena_open(&ctx.arena, 4 << 10) != TD_OK) {
        free(ctx.list);
        return TD_ERR_NOMEM;
    }
    tiendo__agent_list__init(ctx.list);
    ctx.list->has_silent_after_ms = ctx.list->has_now_ms = 1;
    ctx.list->silent_after_ms = offices->silent_after_ms;
    ctx.list->now_ms = offices->now_ms;
    store_txn txn;
    td_err rc = store_begin(store, 1, &txn);
    if (rc == TD_OK) {
        rc = offices_scan(&txn, offices, s_on_office, &ctx);
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
