/* exporter.c: the collector's metrics: snapshots published from the loop, rendered on scrape. */
#include "exporter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "clock.h"
#include "codec.h"
#include "keys.h"
#include "log.h"
#include "metrics.h"
#include "offices.h"
#include "stored.h"
#include "utf8.h"

#define S_PUBLISH_MIN_MS   100  /* at most ten snapshots a second: ingest never waits on us */
#define S_AGENTS_EVERY_MS  2000 /* agents table, map use and revisions: every two seconds */
#define S_AGENT_NAME_MAX   AUTH_NAME_MAX
#define S_SCOPE_LABEL_MAX  256 /* bytes of the scope label (a longer list is cut) */
#define S_MONITOR_EVENTS   (ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED)
#define S_MONITOR_MAX_READ 256

/* One office (offices.h: an enrolled key, or a key of the agents table), as published. */
typedef struct {
    char key[TD_Z85_KEY_LEN + 1];
    char name[S_AGENT_NAME_MAX];   /* from the authorised keys; "" when no longer enrolled */
    char scope[S_SCOPE_LABEL_MAX]; /* as enrolled (cut on a character boundary) */
    int enrolled_agent;            /* an agent key of the authorised keys: the office metrics */
    int in_table;                  /* in the agents table: the agent metrics */
    int64_t last_seen_ms;          /* wall clock; 0 when never */
    int has_heartbeat;
    uint64_t outbox_depth;
    int64_t oldest_unsent_age_ms;
    uint64_t dead_letters;
} s_agent;

/* The snapshot: this header, then nagents s_agent records. Copied as a whole. */
typedef struct {
    ingest_stats ingest;
    zap_stats zap;
    int64_t agents_connected;
    uint64_t map_bytes;
    uint64_t map_used_bytes;
    uint64_t revisions;
    int have_revisions;
    int64_t started_at_ms; /* wall clock */
    int64_t silent_after_ms;
    size_t nagents;
    size_t nknown; /* of them, in the agents table */
} s_head;

struct exporter {
    td_metrics_t *metrics;
    store_t *store;
    int64_t silent_after_ms;
    void *monitor; /* PAIR receiving the agents socket's connection events */
    int64_t connections;
    int64_t started_at_ms;
    /* the latest read of the agents table (refreshed every S_AGENTS_EVERY_MS) */
    s_agent *agents;
    size_t nagents, agents_cap, nknown;
    uint64_t map_bytes, map_used_bytes, revisions;
    int have_revisions;
    int64_t next_refresh;
    /* the snapshot being built */
    uint8_t *buf;
    size_t buf_cap;
    int64_t published_at;
    int stale;
};

/* ---- rendering (on the exporter's thread, from a private copy) ---- */

static void s_rejected(td_metrics_text *t, const ingest_stats *st)
{
    static const char *name = "tiendo_collector_reports_rejected_total";
    td_metrics_family(t, name, "counter",
                      "Reports answered REJECTED (permanent), by reason: validation (a rule of "
                      "the report format), protocol (bad envelope or version), out_of_scope "
                      "(unit outside the key's scope), not_enrolled (key revoked), resent (a "
                      "resend of a report rejected before).");
    const struct {
        const char *reason;
        uint64_t value;
    } rows[] = {
        {"validation", st->validation},
        {"protocol", st->protocol},
        {"out_of_scope", st->out_of_scope},
        {"not_enrolled", st->not_enrolled},
        {"resent", st->resent},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        td_metrics_label l = {"reason", rows[i].reason};
        td_metrics_sample(t, name, &l, 1, (double) rows[i].value);
    }
}

static void s_per_agent(td_metrics_text *t, const s_agent *agents, size_t n, int64_t now_ms)
{
    static const char *depth = "tiendo_collector_agent_outbox_depth";
    static const char *seen = "tiendo_collector_agent_last_seen_seconds";
    static const char *oldest = "tiendo_collector_agent_oldest_unsent_age_seconds";
    static const char *dead = "tiendo_collector_agent_dead_letters";
    td_metrics_family(t, depth, "gauge",
                      "Reports waiting in the agent's outbox, from its latest heartbeat.");
    for (size_t i = 0; i < n; i++) {
        td_metrics_label l[2] = {{"agent", agents[i].key}, {"name", agents[i].name}};
        if (agents[i].in_table && agents[i].has_heartbeat)
            td_metrics_sample(t, depth, l, 2, (double) agents[i].outbox_depth);
    }
    td_metrics_family(t, oldest, "gauge",
                      "Age of the oldest report waiting in the agent's outbox at its latest "
                      "heartbeat (0 when empty).");
    for (size_t i = 0; i < n; i++) {
        td_metrics_label l[2] = {{"agent", agents[i].key}, {"name", agents[i].name}};
        if (agents[i].in_table && agents[i].has_heartbeat)
            td_metrics_sample(t, oldest, l, 2, (double) agents[i].oldest_unsent_age_ms / 1000.0);
    }
    td_metrics_family(t, dead, "gauge",
                      "Reports the collector rejected that wait in the agent's dead letters, "
                      "from its latest heartbeat.");
    for (size_t i = 0; i < n; i++) {
        td_metrics_label l[2] = {{"agent", agents[i].key}, {"name", agents[i].name}};
        if (agents[i].in_table && agents[i].has_heartbeat)
            td_metrics_sample(t, dead, l, 2, (double) agents[i].dead_letters);
    }
    td_metrics_family(t, seen, "gauge", "Seconds since the agent's last message (any envelope).");
    for (size_t i = 0; i < n; i++) {
        td_metrics_label l[2] = {{"agent", agents[i].key}, {"name", agents[i].name}};
        int64_t age = now_ms - agents[i].last_seen_ms;
        if (agents[i].in_table)
            td_metrics_sample(t, seen, l, 2, (double) (age > 0 ? age : 0) / 1000.0);
    }
}

/* Every enrolled office (agent key), contact or not, so an alert can fire for one that
 * never connected (docs/operations.md, Metrics). */
static void s_per_office(td_metrics_text *t, const s_agent *agents, size_t n, int64_t now_ms,
                         int64_t silent_after_ms)
{
    static const char *ever = "tiendo_collector_office_connected_ever";
    static const char *last = "tiendo_collector_office_last_contact_seconds";
    static const char *state = "tiendo_collector_office_state";
    static const office_state states[] = {OFFICE_CONNECTED, OFFICE_SILENT, OFFICE_NEVER_CONNECTED};
    td_metrics_family(t, ever, "gauge",
                      "1 when the enrolled office's agent ever reached the collector (any "
                      "envelope), 0 when it never did.");
    for (size_t i = 0; i < n; i++) {
        const s_agent *a = &agents[i];
        td_metrics_label l[3] = {{"key", a->key}, {"name", a->name}, {"scope", a->scope}};
        if (a->enrolled_agent)
            td_metrics_sample(t, ever, l, 3, a->in_table ? 1 : 0);
    }
    td_metrics_family(t, last, "gauge",
                      "Seconds since the enrolled office's last contact; no sample for an "
                      "office that never connected (see _connected_ever).");
    for (size_t i = 0; i < n; i++) {
        const s_agent *a = &agents[i];
        td_metrics_label l[3] = {{"key", a->key}, {"name", a->name}, {"scope", a->scope}};
        int64_t age = now_ms - a->last_seen_ms;
        if (a->enrolled_agent && a->in_table)
            td_metrics_sample(t, last, l, 3, (double) (age > 0 ? age : 0) / 1000.0);
    }
    td_metrics_family(t, state, "gauge",
                      "1 for the enrolled office's state, 0 for the others: connected (contact "
                      "within silent-after-s), silent (longer ago), never_connected.");
    offices_view view = {NULL, silent_after_ms, now_ms};
    for (size_t i = 0; i < n; i++) {
        const s_agent *a = &agents[i];
        if (!a->enrolled_agent)
            continue;
        office_state now = office_state_of(1, a->in_table ? a->last_seen_ms : 0, &view);
        for (size_t k = 0; k < sizeof states / sizeof states[0]; k++) {
            td_metrics_label l[4] = {{"key", a->key},
                                     {"name", a->name},
                                     {"scope", a->scope},
                                     {"state", office_state_name(states[k])}};
            td_metrics_sample(t, state, l, 4, now == states[k] ? 1 : 0);
        }
    }
}

static void s_render(void *ctx, const void *snapshot, size_t len, td_metrics_text *t)
{
    (void) ctx;
    td_metrics_family(t, "tiendo_collector_build_info", "gauge",
                      "Always 1; the version label says which collector runs.");
    td_metrics_label version = {"version", TIENDO_VERSION};
    td_metrics_sample(t, "tiendo_collector_build_info", &version, 1, 1);
    if (snapshot == NULL || len < sizeof(s_head))
        return; /* not started serving yet */
    s_head head;
    memcpy(&head, snapshot, sizeof head);
    if (len < sizeof head + head.nagents * sizeof(s_agent))
        return;
    const ingest_stats *st = &head.ingest;
    td_metrics_gauge(t, "tiendo_collector_start_time_seconds",
                     "Unix time the collector started (counters start at 0 then).",
                     (double) head.started_at_ms / 1000.0);
    td_metrics_counter(t, "tiendo_collector_reports_received_total",
                       "Report envelopes decoded (heartbeats not included). Always equals "
                       "committed + duplicate + rejected (every reason) + retry_later.",
                       st->received);
    td_metrics_counter(t, "tiendo_collector_reports_committed_total",
                       "Reports stored durably and answered OK.", st->committed);
    td_metrics_counter(t, "tiendo_collector_reports_duplicate_total",
                       "Resent reports already stored, answered DUPLICATE.", st->duplicates);
    s_rejected(t, st);
    td_metrics_counter(t, "tiendo_collector_reports_retry_later_total",
                       "Reports answered RETRY_LATER (out of order after a lost message, or "
                       "the store could not take them: full disk or map).",
                       st->retry_later);
    td_metrics_counter(t, "tiendo_collector_heartbeats_total", "Heartbeat envelopes received.",
                       st->heartbeats);
    td_metrics_counter(t, "tiendo_collector_messages_malformed_total",
                       "Messages dropped without an answer (not one valid Envelope frame).",
                       st->malformed);
    td_metrics_counter(t, "tiendo_collector_acks_dropped_total",
                       "Acks that could not be sent (agent gone or not reading); it resends.",
                       st->acks_dropped);
    td_metrics_counter(t, "tiendo_collector_restore_gaps_total",
                       "Restore gaps met: an agent had reports acknowledged by an earlier copy "
                       "of the store (before a restore) that this store lacks.",
                       st->gaps);
    td_metrics_counter(t, "tiendo_collector_reports_lost_total",
                       "Reports in those gaps: acknowledged before the restore, not stored "
                       "here; the offices must resubmit them.",
                       st->reports_lost);
    td_metrics_counter(t, "tiendo_collector_batches_total",
                       "Batches decided (one LMDB write transaction each).", st->batches);
    td_metrics_histogram(t, "tiendo_collector_commit_seconds",
                         "LMDB commit time (with fsync) of each stored batch.",
                         &st->commit_seconds);
    td_metrics_histogram(t, "tiendo_collector_batch_reports",
                         "Report envelopes per batch (batches with at least one).",
                         &st->batch_reports);
    td_metrics_counter(t, "tiendo_collector_connections_accepted_total",
                       "Connections whose key the collector accepted (agents and queries).",
                       head.zap.accepted);
    td_metrics_counter(t, "tiendo_collector_connections_refused_total",
                       "Connections refused: unknown or revoked key, wrong role, not CURVE.",
                       head.zap.refused);
    td_metrics_gauge(t, "tiendo_collector_agents_connected",
                     "Open connections on the agents socket.", (double) head.agents_connected);
    td_metrics_gauge(t, "tiendo_collector_agents_known",
                     "Agents in the store's agents table (every key that ever delivered).",
                     (double) head.nknown);
    td_metrics_gauge(t, "tiendo_collector_map_size_bytes",
                     "LMDB map size (grows by doubling up to map-max-mb).",
                     (double) head.map_bytes);
    td_metrics_gauge(t, "tiendo_collector_map_used_bytes",
                     "LMDB map in use (last page used x page size).", (double) head.map_used_bytes);
    if (head.have_revisions)
        td_metrics_gauge(t, "tiendo_collector_revisions",
                         "Report revisions stored (every revision of every report).",
                         (double) head.revisions);
    const s_agent *agents = (const s_agent *) ((const uint8_t *) snapshot + sizeof head);
    int64_t now_ms = td_now_ms();
    s_per_agent(t, agents, head.nagents, now_ms);
    s_per_office(t, agents, head.nagents, now_ms, head.silent_after_ms);
}

/* ---- the loop's side ---- */

td_err exporter_open(exporter_t **out, const char *bind, void *zmq_ctx, void *router,
                     store_t *store, int64_t silent_after_ms, char *err, size_t errlen)
{
    *out = NULL;
    exporter_t *e = calloc(1, sizeof *e);
    if (e == NULL) {
        snprintf(err, errlen, "out of memory");
        return TD_ERR_NOMEM;
    }
    e->store = store;
    e->silent_after_ms = silent_after_ms;
    e->started_at_ms = td_now_ms();
    /* Connection counting is optional: without the monitor the gauge stays 0. */
    char addr[64];
    snprintf(addr, sizeof addr, "inproc://tiendo-collector-metrics-%p", (void *) e);
    if (zmq_socket_monitor(router, addr, S_MONITOR_EVENTS) == 0) {
        e->monitor = zmq_socket(zmq_ctx, ZMQ_PAIR);
        int zero = 0;
        if (e->monitor == NULL || zmq_setsockopt(e->monitor, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
            zmq_connect(e->monitor, addr) != 0) {
            td_warn("cannot count connected agents: %s", zmq_strerror(zmq_errno()));
            if (e->monitor != NULL)
                zmq_close(e->monitor);
            e->monitor = NULL;
            zmq_socket_monitor(router, NULL, 0);
        }
    }
    td_err rc = td_metrics_open(&e->metrics, bind, s_render, e, err, errlen);
    if (rc != TD_OK) {
        exporter_close(&e);
        return rc;
    }
    *out = e;
    return TD_OK;
}

void exporter_close(exporter_t **e)
{
    if (e == NULL || *e == NULL)
        return;
    td_metrics_close(&(*e)->metrics);
    if ((*e)->monitor != NULL)
        zmq_close((*e)->monitor);
    free((*e)->agents);
    free((*e)->buf);
    free(*e);
    *e = NULL;
}

const char *exporter_url(const exporter_t *e)
{
    return td_metrics_url(e->metrics);
}

void *exporter_monitor_socket(const exporter_t *e)
{
    return e != NULL ? e->monitor : NULL;
}

void exporter_on_monitor(exporter_t *e)
{
    if (e == NULL || e->monitor == NULL)
        return;
    for (int i = 0; i < S_MONITOR_MAX_READ; i++) {
        zmq_msg_t frame;
        zmq_msg_init(&frame);
        if (zmq_msg_recv(&frame, e->monitor, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&frame);
            return;
        }
        /* first frame: u16 event, u32 value; second: the endpoint */
        uint16_t event = 0;
        if (zmq_msg_size(&frame) >= 6)
            memcpy(&event, zmq_msg_data(&frame), 2);
        int more = zmq_msg_more(&frame);
        zmq_msg_close(&frame);
        while (more) {
            zmq_msg_init(&frame);
            if (zmq_msg_recv(&frame, e->monitor, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close(&frame);
                break;
            }
            more = zmq_msg_more(&frame);
            zmq_msg_close(&frame);
        }
        /* every accepted connection ends with exactly one DISCONNECTED (refused
         * handshakes included) */
        if (event == ZMQ_EVENT_ACCEPTED)
            e->connections++;
        else if (event == ZMQ_EVENT_DISCONNECTED && e->connections > 0)
            e->connections--;
    }
}

typedef struct {
    exporter_t *e;
    td_arena_t *arena; /* decoded heartbeats, reset per agent */
    td_err rc;
} s_scan_ctx;

static int s_office_visit(void *vctx, const office *o)
{
    s_scan_ctx *ctx = vctx;
    exporter_t *e = ctx->e;
    if (e->nagents == e->agents_cap) {
        size_t cap = e->agents_cap > 0 ? e->agents_cap * 2 : 64;
        s_agent *bigger = realloc(e->agents, cap * sizeof *bigger);
        if (bigger == NULL) {
            ctx->rc = TD_ERR_NOMEM;
            return 1;
        }
        e->agents = bigger;
        e->agents_cap = cap;
    }
    s_agent *out = &e->agents[e->nagents];
    memset(out, 0, sizeof *out);
    if (zmq_z85_encode(out->key, o->key, STORE_KEY_BYTES) == NULL)
        return 0;
    if (o->entry != NULL) {
        snprintf(out->name, sizeof out->name, "%s", o->entry->name);
        size_t len = strlen(o->entry->scope_text);
        size_t cut = td_utf8_cut(o->entry->scope_text, len, sizeof out->scope - 1);
        memcpy(out->scope, o->entry->scope_text, cut);
        out->scope[cut] = '\0';
        out->enrolled_agent = o->entry->role == AUTH_ROLE_AGENT;
    }
    const store_agent *a = o->agent;
    if (a != NULL) {
        out->in_table = 1;
        e->nknown++;
        out->last_seen_ms = a->last_seen_ms;
        Tiendo__Heartbeat *hb = NULL;
        td_arena_reset(ctx->arena);
        if (stored_heartbeat_decode(ctx->arena, a, &hb) == TD_OK) {
            out->has_heartbeat = hb->has_outbox_depth;
            out->outbox_depth = hb->outbox_depth;
            out->oldest_unsent_age_ms = hb->has_oldest_unsent_age_ms ? hb->oldest_unsent_age_ms : 0;
            out->dead_letters = hb->has_dead_letters ? hb->dead_letters : 0;
        }
    }
    if (out->in_table || out->enrolled_agent)
        e->nagents++; /* a query key that never used the agents socket is no office */
    return 0;
}

/* The agents table, revisions and map use, in one read transaction of this thread. */
static void s_refresh(exporter_t *e, const auth_t *auth)
{
    size_t map_bytes = 0, used = 0;
    store_map_use(e->store, &map_bytes, &used);
    e->map_bytes = map_bytes;
    e->map_used_bytes = used;
    store_txn txn;
    s_scan_ctx ctx = {e, NULL, TD_OK};
    if (td_arena_open(&ctx.arena, 4 << 10) != TD_OK)
        return;
    if (store_begin(e->store, 1, &txn) != TD_OK) {
        td_arena_close(&ctx.arena);
        return; /* keep the last reading */
    }
    e->nagents = e->nknown = 0;
    offices_view view = {auth, e->silent_after_ms, td_now_ms()};
    td_err rc = offices_scan(&txn, &view, s_office_visit, &ctx);
    if (rc != TD_OK || ctx.rc != TD_OK) /* what was read so far is published */
        td_warn("metrics: cannot read the agents table: %s",
                td_strerror(rc != TD_OK ? rc : ctx.rc));
    size_t revisions = 0;
    e->have_revisions = store_count_revisions(&txn, &revisions) == TD_OK;
    e->revisions = revisions;
    store_abort(&txn);
    td_arena_close(&ctx.arena);
}

void exporter_publish(exporter_t *e, const ingest_stats *ingest, const zap_stats *zap,
                      const auth_t *auth, int64_t now_mono_ms, int force)
{
    if (e == NULL)
        return;
    if (!force && e->published_at != 0 && now_mono_ms - e->published_at < S_PUBLISH_MIN_MS) {
        e->stale = 1;
        return;
    }
    if (force || now_mono_ms >= e->next_refresh) {
        s_refresh(e, auth);
        e->next_refresh = now_mono_ms + S_AGENTS_EVERY_MS;
    }
    size_t need = sizeof(s_head) + e->nagents * sizeof(s_agent);
    if (need > e->buf_cap) {
        uint8_t *bigger = realloc(e->buf, need);
        if (bigger == NULL)
            return; /* the previous snapshot stays; try again next time */
        e->buf = bigger;
        e->buf_cap = need;
    }
    s_head head;
    memset(&head, 0, sizeof head);
    head.ingest = *ingest;
    head.zap = *zap;
    head.agents_connected = e->connections;
    head.map_bytes = e->map_bytes;
    head.map_used_bytes = e->map_used_bytes;
    head.revisions = e->revisions;
    head.have_revisions = e->have_revisions;
    head.started_at_ms = e->started_at_ms;
    head.silent_after_ms = e->silent_after_ms;
    head.nagents = e->nagents;
    head.nknown = e->nknown;
    memcpy(e->buf, &head, sizeof head);
    if (e->nagents > 0)
        memcpy(e->buf + sizeof head, e->agents, e->nagents * sizeof(s_agent));
    if (td_metrics_publish(e->metrics, e->buf, need) != TD_OK)
        return;
    e->published_at = now_mono_ms;
    e->stale = 0;
}

int64_t exporter_due_ms(const exporter_t *e, int64_t now_mono_ms)
{
    if (e == NULL || !e->stale)
        return INT64_MAX;
    int64_t due = e->published_at + S_PUBLISH_MIN_MS - now_mono_ms;
    return due > 0 ? due : 0;
}
