/* ingest.c: group commit of agent envelopes with go-back-N dedup (docs/protocol.md). */
#include "ingest.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "clock.h"
#include "codec.h"
#include "keys.h"
#include "log.h"
#include "decide.h"
#include "peer_log.h"

#define ROUTING_ID_MAX 256
/* A batch stops growing once its decoded envelopes hold this much memory: a peer
 * sending messages that decode to the per-message cap cannot balloon the collector. */
#define BATCH_ARENA_MAX ((size_t) 64 << 20)

typedef struct {
    uint8_t routing_id[ROUTING_ID_MAX];
    size_t routing_id_len;
    uint8_t agent[STORE_KEY_BYTES];
    Tiendo__Envelope *envelope;  /* in the batch arena */
    const uint8_t *report_bytes; /* the Report as received, in the batch arena */
    size_t report_len;
    /* The answer, decided while the batch is applied. */
    Tiendo__AckStatus status;
    uint64_t high_water;
    char reason[STORE_REASON_MAX]; /* English */
    /* its parts (docs/protocol.md, "Reasons"): in the batch arena; format NULL: none */
    char *reason_format;
    size_t nargs;
    char *reason_args[TD_REASON_ARGS];
    ingest_reject_kind reject_kind; /* of a REJECTED answer, counted by s_count */
    uint64_t gap_first, gap_last;   /* a restore gap this envelope revealed (0, 0: none) */
} s_item;

/* Delivery state of one (agent, epoch) touched by the batch. */
typedef struct {
    uint8_t agent[STORE_KEY_BYTES];
    uint64_t epoch;
    uint64_t high_water;
    uint64_t settled_below; /* highest first_unsettled the agent sent (retention uses it) */
    int dirty;
    const Tiendo__Heartbeat *heartbeat;
} s_peer;

struct ingest {
    store_t *store;
    const td_registry_t *registry;
    const td_calendar_t *calendar;
    const auth_t *auth;
    ingest_config config;
    s_item *items;
    int nitems;
    td_arena_t *arena; /* every decoded envelope of the batch; reset per batch */
    s_peer *peers;
    int npeers;
    ingest_stats stats;
    peer_log malformed_log; /* its count is stats.malformed */
};

td_err ingest_open(ingest_t **out, store_t *store, const td_registry_t *registry,
                   const td_calendar_t *calendar, const ingest_config *config)
{
    *out = NULL;
    ingest_t *ing = calloc(1, sizeof *ing);
    if (ing == NULL)
        return TD_ERR_NOMEM;
    ing->store = store;
    ing->registry = registry;
    ing->calendar = calendar;
    ing->config = *config;
    /* commit latency: an fsync takes 0.1 ms (tmpfs) to a second (a busy disk) */
    static const double commit_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                           0.05,   0.1,   0.25,   0.5,   1,    2.5};
    static const double batch_bounds[] = {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000};
    td_histogram_init(&ing->stats.commit_seconds, commit_bounds,
                      sizeof commit_bounds / sizeof commit_bounds[0]);
    td_histogram_init(&ing->stats.batch_reports, batch_bounds,
                      sizeof batch_bounds / sizeof batch_bounds[0]);
    ing->items = calloc((size_t) config->batch_max, sizeof *ing->items);
    ing->peers = calloc((size_t) config->batch_max, sizeof *ing->peers);
    if (ing->items == NULL || ing->peers == NULL ||
        td_arena_open(&ing->arena, (size_t) 4 << 20) != TD_OK) {
        ingest_close(&ing);
        return TD_ERR_NOMEM;
    }
    *out = ing;
    return TD_OK;
}

void ingest_close(ingest_t **ingest)
{
    if (ingest == NULL || *ingest == NULL)
        return;
    free((*ingest)->items);
    free((*ingest)->peers);
    td_arena_close(&(*ingest)->arena);
    free(*ingest);
    *ingest = NULL;
}

void ingest_set_auth(ingest_t *ingest, const auth_t *auth)
{
    ingest->auth = auth;
}

const ingest_stats *ingest_get_stats(const ingest_t *ingest)
{
    return &ingest->stats;
}

/* Bad input is counted and logged at most once a second (peer_log). */
static void s_malformed(ingest_t *ing, const char *what, const char *peer)
{
    ing->stats.malformed = peer_log_event(&ing->malformed_log, td_mono_ms(), "dropped",
                                          "dropped a bad message from %s: %s",
                                          peer != NULL ? peer : "unknown peer", what);
}

/* Take one whole message off the socket. Returns 1 with an item filled, 0 when the
 * message was bad and dropped, -1 when nothing was readable. */
static int s_receive(ingest_t *ing, void *router, s_item *item)
{
    zmq_msg_t part;
    zmq_msg_init(&part);
    if (zmq_msg_recv(&part, router, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&part);
        return -1;
    }
    /* First part: the routing id ROUTER prepends. */
    item->routing_id_len = zmq_msg_size(&part);
    int ok = item->routing_id_len <= ROUTING_ID_MAX && zmq_msg_more(&part);
    if (ok)
        memcpy(item->routing_id, zmq_msg_data(&part), item->routing_id_len);
    int frames = 0;
    int decoded = 0;
    char peer[TD_Z85_KEY_LEN + 1] = "";
    while (zmq_msg_more(&part)) {
        zmq_msg_close(&part);
        zmq_msg_init(&part);
        if (zmq_msg_recv(&part, router, 0) < 0)
            break;
        if (++frames > 1)
            continue; /* drain the rest of an over-long message */
        const char *user = zmq_msg_gets(&part, "User-Id");
        if (user != NULL && strlen(user) == TD_Z85_KEY_LEN &&
            zmq_z85_decode(item->agent, user) != NULL) {
            memcpy(peer, user, sizeof peer);
        } else {
            ok = 0;
            continue;
        }
        const uint8_t *data = zmq_msg_data(&part);
        size_t size = zmq_msg_size(&part);
        if (td_message_decode_in(ing->arena, &tiendo__envelope__descriptor, data, size,
                                 TD_MAX_FRAME, (ProtobufCMessage **) &item->envelope) != TD_OK)
            continue;
        decoded = 1;
        item->report_bytes = NULL;
        item->report_len = 0;
        if (item->envelope->body_case == TIENDO__ENVELOPE__BODY_REPORT) {
            /* Keep the report's bytes as received: they are what gets stored. */
            const uint8_t *raw;
            size_t raw_len;
            if (td_envelope_report_bytes(data, size, &raw, &raw_len) != TD_OK ||
                (item->report_bytes = td_arena_copy(ing->arena, raw, raw_len)) == NULL)
                decoded = 0;
            item->report_len = raw_len;
        }
    }
    zmq_msg_close(&part);
    if (!ok || frames != 1 || !decoded) {
        item->envelope = NULL;
        s_malformed(ing,
                    !ok           ? "no authenticated key"
                    : frames != 1 ? "not exactly one frame"
                                  : "not a valid Envelope",
                    peer[0] != '\0' ? peer : NULL);
        return 0;
    }
    return 1;
}

static s_peer *s_peer_find(ingest_t *ing, store_txn *txn, const uint8_t *agent, uint64_t epoch,
                           td_err *rc)
{
    for (int i = 0; i < ing->npeers; i++) {
        s_peer *p = &ing->peers[i];
        if (p->epoch == epoch && memcmp(p->agent, agent, STORE_KEY_BYTES) == 0)
            return p;
    }
    s_peer *p = &ing->peers[ing->npeers];
    memcpy(p->agent, agent, STORE_KEY_BYTES);
    p->epoch = epoch;
    p->dirty = 0;
    p->heartbeat = NULL;
    *rc = store_delivery_read(txn, agent, epoch, &p->high_water, &p->settled_below);
    if (*rc != TD_OK)
        return NULL;
    ing->npeers++;
    return p;
}

/* The restore gap (docs/protocol.md): reports acknowledged by an earlier copy of the
 * store (it was restored from a backup). Waiting for them would block the agent forever:
 * record the gap and move the mark past it. */
static td_err s_restore_gap(store_txn *txn, s_item *item, s_peer *peer, int64_t now_ms)
{
    const Tiendo__Envelope *env = item->envelope;
    uint64_t first_unsettled;
    if (!ingest_settled_claim(env, &first_unsettled))
        return TD_OK;
    if (first_unsettled > peer->high_water + 1) {
        store_gap gap;
        memcpy(gap.agent, item->agent, STORE_KEY_BYTES);
        gap.epoch = env->epoch;
        gap.first_seq = peer->high_water + 1;
        gap.last_seq = first_unsettled - 1;
        gap.recorded_at_ms = now_ms;
        td_err rc = store_gap_put(txn, &gap);
        if (rc != TD_OK && rc != TD_ERR_EXISTS)
            return rc;
        item->gap_first = gap.first_seq;
        item->gap_last = gap.last_seq;
        peer->high_water = gap.last_seq;
    }
    /* retention keeps a rejection reason until the agent has moved past it */
    if (first_unsettled > peer->settled_below)
        peer->settled_below = first_unsettled;
    return TD_OK;
}

/* After the commit: log each gap once and count it. */
static void s_log_gaps(ingest_t *ing)
{
    for (int i = 0; i < ing->nitems; i++) {
        const s_item *item = &ing->items[i];
        if (item->gap_first == 0)
            continue;
        char key[TD_Z85_KEY_LEN + 1];
        zmq_z85_encode(key, item->agent, STORE_KEY_BYTES);
        uint64_t lost = item->gap_last - item->gap_first + 1;
        ing->stats.gaps++;
        ing->stats.reports_lost += lost;
        td_warn("agent %s (epoch %016" PRIx64 "): reports #%" PRIu64 "..#%" PRIu64 " (%" PRIu64
                ") were acknowledged earlier but are not in this store; moving on "
                "from #%" PRIu64 ". Restored from a backup? ask the office to resubmit those "
                "reports",
                key, item->envelope->epoch, item->gap_first, item->gap_last, lost,
                item->gap_last + 1);
    }
}

/* The answer's reason (English) and its parts, into item; the parts are copied into the
 * batch arena (only a refused envelope has them), and left out when the arena is full. */
static void s_answer(ingest_t *ing, s_item *item, Tiendo__AckStatus status, const char *reason,
                     const store_reason_parts *parts)
{
    item->status = status;
    /* a verdict's reason already fits (decide.c cuts it where a character ends) */
    size_t n = reason != NULL ? strnlen(reason, sizeof item->reason - 1) : 0;
    memcpy(item->reason, reason != NULL ? reason : "", n);
    item->reason[n] = '\0';
    item->reason_format = NULL;
    item->nargs = 0;
    if (item->reason[0] == '\0' || parts == NULL || parts->format[0] == '\0')
        return;
    char *format = td_arena_copy(ing->arena, parts->format, strlen(parts->format) + 1);
    for (int i = 0; format != NULL && i < parts->nargs && i < TD_REASON_ARGS; i++) {
        item->reason_args[i] =
            td_arena_copy(ing->arena, parts->args[i], strlen(parts->args[i]) + 1);
        if (item->reason_args[i] == NULL)
            return;
        item->nargs++;
    }
    item->reason_format = format;
}

/* Decide one envelope inside the batch transaction (decide.h holds the rules). Only
 * store errors are returned; every verdict on the envelope itself goes into the item. */
static td_err s_apply_one(ingest_t *ing, store_txn *txn, s_item *item, int64_t now_ms)
{
    const Tiendo__Envelope *env = item->envelope;
    const auth_entry *who = auth_find(ing->auth, item->agent);
    td_err rc = TD_OK;
    ingest_facts facts = {0};
    facts.enrolled = who != NULL && who->role == AUTH_ROLE_AGENT;
    facts.envelope = env;
    s_peer *peer = NULL;
    item->gap_first = item->gap_last = 0;
    if (facts.enrolled && env->has_epoch && env->epoch != 0) {
        peer = s_peer_find(ing, txn, item->agent, env->epoch, &rc);
        if (peer == NULL)
            return rc;
        peer->dirty = 1; /* last seen moves on with any message */
        if ((rc = s_restore_gap(txn, item, peer, now_ms)) != TD_OK)
            return rc;
        facts.high_water = peer->high_water;
    }
    char kept[STORE_REASON_MAX];
    store_reason_parts kept_parts;
    td_reason content;
    switch (ingest_needs(&facts)) {
    case INGEST_NEED_KEPT_REASON:
        rc = store_rejection_get(txn, item->agent, env->epoch, env->seq, kept, sizeof kept,
                                 &kept_parts);
        if (rc != TD_OK && rc != TD_ERR_NOTFOUND)
            return rc;
        facts.kept_reason = rc == TD_OK ? kept : NULL;
        facts.kept_parts = rc == TD_OK ? &kept_parts : NULL;
        rc = TD_OK;
        break;
    case INGEST_NEED_CONTENT_CHECK:
        facts.content_kind = ingest_check_content(env, ing->auth, who, ing->registry, ing->calendar,
                                                  now_ms, &content);
        facts.content_reason = content.text;
        facts.content_parts = &content;
        break;
    case INGEST_NEED_NOTHING:
        break;
    }
    ingest_verdict v;
    ingest_decide(&facts, &v);
    if (v.step == INGEST_STEP_RECORD) {
        rc = store_rejection_put(txn, item->agent, env->epoch, env->seq, v.reason, &v.parts);
    } else if (v.step == INGEST_STEP_STORE) {
        store_origin origin;
        memcpy(origin.agent, item->agent, STORE_KEY_BYTES);
        origin.epoch = env->epoch;
        origin.seq = env->seq;
        origin.received_at_ms = now_ms;
        rc =
            store_report_put(txn, &origin, env->report, item->report_bytes, item->report_len, NULL);
    }
    if (rc != TD_OK)
        return rc;
    if (peer != NULL) {
        peer->high_water = v.high_water;
        if (env->body_case == TIENDO__ENVELOPE__BODY_HEARTBEAT)
            peer->heartbeat = env->heartbeat;
    }
    s_answer(ing, item, v.status, v.reason, &v.parts);
    item->high_water = v.high_water;
    item->reject_kind = v.reject_kind;
    return TD_OK;
}

/* Apply the whole batch in one transaction. On MAP_FULL the caller grows the map and
 * calls again: everything is decided afresh from the committed state. */
static td_err s_apply_batch(ingest_t *ing, int64_t now_ms)
{
    store_txn txn;
    ing->npeers = 0;
    td_err rc = store_begin(ing->store, 0, &txn);
    if (rc != TD_OK)
        return rc;
    for (int i = 0; i < ing->nitems && rc == TD_OK; i++)
        rc = s_apply_one(ing, &txn, &ing->items[i], now_ms);
    for (int i = 0; i < ing->npeers && rc == TD_OK; i++) {
        s_peer *p = &ing->peers[i];
        if (!p->dirty)
            continue;
        rc = store_delivery_write(&txn, p->agent, p->epoch, p->high_water, p->settled_below);
        if (rc == TD_OK)
            rc = store_agent_seen(&txn, p->agent, now_ms, p->epoch, p->high_water, p->heartbeat);
    }
    if (rc != TD_OK) {
        store_abort(&txn);
        return rc;
    }
    uint64_t commit_start = td_mono_ns();
    rc = store_commit(&txn);
    if (rc == TD_OK)
        td_histogram_observe(&ing->stats.commit_seconds,
                             (double) (td_mono_ns() - commit_start) / 1e9);
    return rc;
}

/* An Ack's largest encoding: the reason, its format and arguments at their bounds, and
 * the fixed fields. */
#define S_ACK_MAX (2 * STORE_REASON_MAX + TD_REASON_ARGS * (TD_REASON_ARG_MAX + 3) + 128)

static void s_send_acks(ingest_t *ing, void *router, int64_t now_ms)
{
    uint8_t buf[S_ACK_MAX];
    for (int i = 0; i < ing->nitems; i++) {
        s_item *item = &ing->items[i];
        Tiendo__Ack ack = TIENDO__ACK__INIT;
        ack.has_epoch = 1;
        ack.epoch = item->envelope->epoch;
        ack.has_seq = 1;
        ack.seq = item->envelope->has_seq ? item->envelope->seq : 0;
        ack.has_status = 1;
        ack.status = item->status;
        ack.reason = item->reason[0] != '\0' ? item->reason : NULL;
        ack.reason_format = item->reason_format;
        ack.n_reason_args = item->reason_format != NULL ? item->nargs : 0;
        ack.reason_args = ack.n_reason_args > 0 ? item->reason_args : NULL;
        ack.has_high_water = 1;
        ack.high_water = item->high_water;
        ack.has_server_time_ms = 1;
        ack.server_time_ms = now_ms;
        size_t len;
        if (td_message_encode(&ack.base, buf, sizeof buf, &len) != TD_OK)
            continue;
        /* Never block on one slow agent: on EAGAIN/EHOSTUNREACH the ack is dropped
         * and the agent resends, getting DUPLICATE. */
        if (zmq_send(router, item->routing_id, item->routing_id_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) <
                0 ||
            zmq_send(router, buf, len, ZMQ_DONTWAIT) < 0)
            ing->stats.acks_dropped++;
    }
}

/* Count each envelope once, by its final answer: received = committed + duplicates +
 * rejected + retry_later, and rejected = the sum of its reasons (ingest.h). */
static void s_count(ingest_t *ing)
{
    uint64_t reports = 0;
    for (int i = 0; i < ing->nitems; i++) {
        const s_item *item = &ing->items[i];
        if (item->envelope->body_case == TIENDO__ENVELOPE__BODY_HEARTBEAT) {
            ing->stats.heartbeats++;
            continue;
        }
        reports++;
        ing->stats.received++;
        switch (item->status) {
        case TIENDO__ACK_STATUS__ACK_OK:
            ing->stats.committed++;
            break;
        case TIENDO__ACK_STATUS__ACK_DUPLICATE:
            ing->stats.duplicates++;
            break;
        case TIENDO__ACK_STATUS__ACK_REJECTED:
            ing->stats.rejected++;
            switch (item->reject_kind) {
            case INGEST_REJECT_VALIDATION:
                ing->stats.validation++;
                break;
            case INGEST_REJECT_OUT_OF_SCOPE:
                ing->stats.out_of_scope++;
                break;
            case INGEST_REJECT_NOT_ENROLLED:
                ing->stats.not_enrolled++;
                break;
            case INGEST_REJECT_RESENT:
                ing->stats.resent++;
                break;
            default:
                ing->stats.protocol++;
                break;
            }
            break;
        default:
            ing->stats.retry_later++;
            break;
        }
    }
    if (reports > 0)
        td_histogram_observe(&ing->stats.batch_reports, (double) reports);
}

int ingest_drain(ingest_t *ing, void *router)
{
    int taken = 0;
    ing->nitems = 0;
    int64_t start = td_mono_ms();
    while (ing->nitems < ing->config.batch_max) {
        s_item *item = &ing->items[ing->nitems];
        item->envelope = NULL;
        item->gap_first = item->gap_last = 0;
        int got = s_receive(ing, router, item);
        if (got < 0)
            break;
        taken++;
        if (got > 0)
            ing->nitems++;
        if (td_mono_ms() - start >= ing->config.batch_ms ||
            td_arena_bytes(ing->arena) >= BATCH_ARENA_MAX)
            break;
    }
    if (ing->nitems == 0) {
        td_arena_reset(ing->arena);
        return taken;
    }

    int64_t now_ms = td_now_ms();
    td_err rc;
    for (;;) {
        rc = s_apply_batch(ing, now_ms);
        if (rc != TD_ERR_MAPFULL)
            break;
        if (store_grow(ing->store) != TD_OK) {
            rc = TD_ERR_DISKFULL;
            break;
        }
    }
    if (rc != TD_OK) {
        td_error("could not store a batch of %d envelopes (%s); answering RETRY_LATER", ing->nitems,
                 td_strerror(rc));
        td_reason why;
        if (rc == TD_ERR_DISKFULL)
            td_reason_set(&why, "collector storage is full; retry later");
        else
            td_reason_set(&why, "collector storage error; retry later");
        store_reason_parts parts;
        store_reason_parts_set(&parts, &why);
        for (int i = 0; i < ing->nitems; i++) {
            s_answer(ing, &ing->items[i], TIENDO__ACK_STATUS__ACK_RETRY_LATER, why.text, &parts);
            ing->items[i].high_water = 0;
        }
    }
    if (rc == TD_OK)
        s_log_gaps(ing);
    ing->stats.batches++;
    s_count(ing);
    s_send_acks(ing, router, now_ms);
    td_arena_reset(ing->arena);
    return taken;
}
