/* sender.c: `tiendo-agent run`: the go-back-N window and the DEALER loop that empties the outbox.
 */
#include "sender.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "clock.h"
#include "codec.h"
#include "keys.h"
#include "log.h"
#include "notify.h"

/* ======================= the window (pure bookkeeping) ======================= */

enum { S_UNSETTLED = 0, S_DELIVERED = 1, S_REJECTED = 2 };

typedef struct {
    uint64_t seq;
    int settled; /* S_UNSETTLED, S_DELIVERED or S_REJECTED */
    char unit[SENDER_LABEL_MAX];
    char period[SENDER_LABEL_MAX];
} s_slot;

struct sender_window {
    sender_window_params params;
    s_slot *slots;        /* ring of capacity entries, in seq order from head */
    size_t head;          /* index of the oldest slot; it is always unsettled */
    size_t count;         /* slots in the ring */
    size_t nsettled;      /* settled slots waiting behind the unsettled head */
    size_t nsent;         /* send cursor: slots [0, nsent) were passed in this pass */
    size_t nsent_settled; /* settled slots among [0, nsent) */
    uint64_t last_loaded;
    int64_t timeout;     /* current resend timeout */
    int64_t timer_start; /* when the head's timer started */
    int64_t retry_wait;  /* next hold length after a RETRY_LATER */
    int64_t hold_until;  /* no sending before this (RETRY_LATER backoff) */
};

static void s_copy_text(char *dst, size_t len, const char *src)
{
    if (src == NULL)
        src = "";
    size_t n = strlen(src);
    if (n >= len)
        n = len - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

td_err sender_window_create(sender_window_t **out, const sender_window_params *params)
{
    *out = NULL;
    if (params->capacity == 0 || params->resend_timeout_ms <= 0 || params->backoff_max_ms <= 0 ||
        params->retry_base_ms <= 0)
        return TD_ERR_INVALID;
    sender_window_t *w = calloc(1, sizeof *w);
    if (w == NULL)
        return TD_ERR_NOMEM;
    w->slots = calloc(params->capacity, sizeof *w->slots);
    if (w->slots == NULL) {
        free(w);
        return TD_ERR_NOMEM;
    }
    w->params = *params;
    if (w->params.backoff_max_ms < w->params.resend_timeout_ms)
        w->params.backoff_max_ms = w->params.resend_timeout_ms;
    w->timeout = params->resend_timeout_ms;
    w->retry_wait = params->retry_base_ms;
    *out = w;
    return TD_OK;
}

void sender_window_destroy(sender_window_t **w)
{
    if (w == NULL || *w == NULL)
        return;
    free((*w)->slots);
    free(*w);
    *w = NULL;
}

static s_slot *s_at(const sender_window_t *w, size_t i)
{
    return &w->slots[(w->head + i) % w->params.capacity];
}

/* Position of seq in the window, or -1 (slots are in seq order, possibly with gaps). */
static long s_find(const sender_window_t *w, uint64_t seq)
{
    size_t lo = 0, hi = w->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t at = s_at(w, mid)->seq;
        if (at == seq)
            return (long) mid;
        if (at < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* The first unsettled slot at or after position i (count when none). */
static size_t s_skip_settled(const sender_window_t *w, size_t i)
{
    while (i < w->count && s_at(w, i)->settled != S_UNSETTLED)
        i++;
    return i;
}

size_t sender_window_count(const sender_window_t *w)
{
    return w->count;
}

size_t sender_window_unsettled(const sender_window_t *w)
{
    return w->count - w->nsettled;
}

size_t sender_window_in_flight(const sender_window_t *w)
{
    return w->nsent - w->nsent_settled;
}

size_t sender_window_room(const sender_window_t *w)
{
    return w->params.capacity - w->count;
}

uint64_t sender_window_next_load(const sender_window_t *w)
{
    return w->last_loaded + 1;
}

uint64_t sender_window_first_seq(const sender_window_t *w)
{
    return w->count > 0 ? s_at(w, 0)->seq : 0;
}

int64_t sender_window_timeout(const sender_window_t *w)
{
    return w->timeout;
}

td_err sender_window_push(sender_window_t *w, uint64_t seq, const char *unit, const char *period)
{
    if (seq <= w->last_loaded)
        return TD_ERR_INVALID;
    if (w->count == w->params.capacity)
        return TD_ERR_TOOBIG;
    s_slot *slot = &w->slots[(w->head + w->count) % w->params.capacity];
    slot->seq = seq;
    slot->settled = S_UNSETTLED;
    s_copy_text(slot->unit, sizeof slot->unit, unit);
    s_copy_text(slot->period, sizeof slot->period, period);
    w->count++;
    w->last_loaded = seq;
    return TD_OK;
}

int sender_window_next(const sender_window_t *w, int64_t now, uint64_t *seq)
{
    if (now < w->hold_until)
        return 0;
    size_t i = s_skip_settled(w, w->nsent);
    if (i >= w->count)
        return 0;
    *seq = s_at(w, i)->seq;
    return 1;
}

void sender_window_sent(sender_window_t *w, int64_t now)
{
    size_t i = s_skip_settled(w, w->nsent);
    if (i >= w->count)
        return;
    /* the head is unsettled, so a pass that has sent nothing yet starts with the head */
    if (w->nsent == 0)
        w->timer_start = now;
    w->nsent_settled += i - w->nsent; /* the settled slots skipped */
    w->nsent = i + 1;
}

size_t sender_window_ack(sender_window_t *w, uint64_t seq, Tiendo__AckStatus status,
                         uint64_t high_water, int64_t now, sender_settled *out, size_t cap)
{
    size_t n = 0;
    /* high_water is not used to settle: a report at or below it may have been rejected,
     * and resending it is the way to learn the reason (the collector answers REJECTED
     * again with the original reason, or DUPLICATE). */
    (void) high_water;
    long at = seq > 0 ? s_find(w, seq) : -1;
    s_slot *slot = at >= 0 ? s_at(w, (size_t) at) : NULL;
    int verdict =
        status == TIENDO__ACK_STATUS__ACK_OK || status == TIENDO__ACK_STATUS__ACK_DUPLICATE
            ? S_DELIVERED
        : status == TIENDO__ACK_STATUS__ACK_REJECTED ? S_REJECTED
                                                     : S_UNSETTLED;
    if (slot != NULL && slot->settled == S_UNSETTLED && verdict != S_UNSETTLED) {
        /* this ack's own seq, and nothing else */
        slot->settled = verdict;
        w->nsettled++;
        if ((size_t) at < w->nsent)
            w->nsent_settled++;
        if (n < cap) {
            sender_settled *s = &out[n++];
            s->seq = slot->seq;
            s->rejected = verdict == S_REJECTED;
            memcpy(s->unit, slot->unit, sizeof s->unit);
            memcpy(s->period, slot->period, sizeof s->period);
        }
        /* progress: back to the base timeout and retry wait */
        w->timeout = w->params.resend_timeout_ms;
        w->retry_wait = w->params.retry_base_ms;
        size_t popped = 0;
        while (w->count > 0 && s_at(w, 0)->settled != S_UNSETTLED) {
            w->head = (w->head + 1) % w->params.capacity;
            w->count--;
            w->nsettled--;
            if (w->nsent > 0) {
                w->nsent--;
                w->nsent_settled--;
            }
            popped++;
        }
        if (popped > 0)
            w->timer_start = now; /* a new head: its timer runs from this progress */
    }
    if (status == TIENDO__ACK_STATUS__ACK_RETRY_LATER && slot != NULL &&
        slot->settled == S_UNSETTLED && (size_t) at < w->nsent) {
        /* only an envelope of the current pass triggers a go-back */
        w->nsent = 0;
        w->nsent_settled = 0;
        w->hold_until = now + w->retry_wait;
        w->retry_wait *= 2;
        if (w->retry_wait > w->params.backoff_max_ms)
            w->retry_wait = w->params.backoff_max_ms;
    }
    return n;
}

int sender_window_check_timeout(sender_window_t *w, int64_t now)
{
    /* nsent > 0 means the head (always unsettled) is in flight */
    if (w->nsent == 0 || now - w->timer_start < w->timeout)
        return 0;
    w->nsent = 0;
    w->nsent_settled = 0;
    w->timeout *= 2;
    if (w->timeout > w->params.backoff_max_ms)
        w->timeout = w->params.backoff_max_ms;
    return 1;
}

int64_t sender_window_deadline(const sender_window_t *w, int64_t now)
{
    if (w->nsent > 0)
        return w->timer_start + w->timeout;
    if (w->count > 0 && w->hold_until > now)
        return w->hold_until;
    return INT64_MAX;
}

void sender_window_rewind(sender_window_t *w)
{
    w->nsent = 0;
    w->nsent_settled = 0;
    w->hold_until = 0;
}

/* ======================= the settlement batch ======================= */

struct sender_batch {
    size_t capacity;
    sender_settled *items; /* in the order added */
    char **reasons;        /* per item: malloc'd reason of a rejection, else NULL */
    size_t n;
    /* for outbox_settle */
    uint64_t *delivered;
    outbox_rejection *rejected;
};

td_err sender_batch_create(sender_batch_t **out, size_t capacity)
{
    *out = NULL;
    if (capacity == 0)
        return TD_ERR_INVALID;
    sender_batch_t *b = calloc(1, sizeof *b);
    if (b == NULL)
        return TD_ERR_NOMEM;
    b->capacity = capacity;
    b->items = calloc(capacity, sizeof *b->items);
    b->reasons = calloc(capacity, sizeof *b->reasons);
    b->delivered = calloc(capacity, sizeof *b->delivered);
    b->rejected = calloc(capacity, sizeof *b->rejected);
    if (b->items == NULL || b->reasons == NULL || b->delivered == NULL || b->rejected == NULL) {
        sender_batch_destroy(&b);
        return TD_ERR_NOMEM;
    }
    *out = b;
    return TD_OK;
}

static void s_batch_clear(sender_batch_t *b)
{
    for (size_t i = 0; i < b->n; i++) {
        free(b->reasons[i]);
        b->reasons[i] = NULL;
    }
    b->n = 0;
}

void sender_batch_destroy(sender_batch_t **b)
{
    if (b == NULL || *b == NULL)
        return;
    sender_batch_t *batch = *b;
    if (batch->reasons != NULL)
        s_batch_clear(batch);
    free(batch->items);
    free(batch->reasons);
    free(batch->delivered);
    free(batch->rejected);
    free(batch);
    *b = NULL;
}

size_t sender_batch_count(const sender_batch_t *b)
{
    return b->n;
}

td_err sender_batch_add(sender_batch_t *b, const sender_settled *s, const char *reason)
{
    if (b->n >= b->capacity)
        return TD_ERR_TOOBIG;
    char *copy = NULL;
    if (s->rejected) {
        copy = strdup(reason != NULL && reason[0] != '\0' ? reason : "rejected without a reason");
        if (copy == NULL)
            return TD_ERR_NOMEM;
    }
    b->items[b->n] = *s;
    b->reasons[b->n] = copy;
    b->n++;
    return TD_OK;
}

td_err sender_batch_commit(sender_batch_t *b, outbox_t *ob, int64_t rejected_at_ms,
                           sender_settled_fn fn, void *ctx, char *err, size_t errlen)
{
    if (b->n == 0)
        return TD_OK;
    size_t ndelivered = 0, nrejected = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (b->items[i].rejected) {
            b->rejected[nrejected].seq = b->items[i].seq;
            b->rejected[nrejected].reason = b->reasons[i];
            nrejected++;
        } else {
            b->delivered[ndelivered++] = b->items[i].seq;
        }
    }
    td_err e = outbox_settle(ob, b->delivered, ndelivered, b->rejected, nrejected, rejected_at_ms,
                             NULL, err, errlen);
    if (e != TD_OK)
        return e;
    if (fn != NULL) {
        for (size_t i = 0; i < b->n; i++) {
            if (b->items[i].rejected)
                fn(ctx, &b->items[i], b->reasons[i]);
        }
        for (size_t i = 0; i < b->n; i++) {
            if (!b->items[i].rejected)
                fn(ctx, &b->items[i], NULL);
        }
    }
    s_batch_clear(b);
    return TD_OK;
}

/* ======================= envelopes ======================= */

size_t sender_envelope_bound(const Tiendo__Report *report)
{
    Tiendo__Envelope env = TIENDO__ENVELOPE__INIT;
    env.has_version = 1;
    env.version = TD_PROTOCOL_VERSION;
    env.has_epoch = 1;
    env.epoch = UINT64_MAX;
    env.has_seq = 1;
    env.seq = UINT64_MAX;
    env.has_sent_at_ms = 1;
    env.sent_at_ms = INT64_MIN; /* negative int64 varints take the most bytes */
    env.has_first_unsettled = 1;
    env.first_unsettled = UINT64_MAX;
    env.body_case = TIENDO__ENVELOPE__BODY_REPORT;
    env.report = (Tiendo__Report *) report;
    return protobuf_c_message_get_packed_size(&env.base);
}

/* ======================= the loop ======================= */

#define S_RETRY_BASE_MS      100 /* first hold after a RETRY_LATER */
#define S_BLOCKED_WAIT_MS    100 /* after EAGAIN (no connection), before polling for POLLOUT */
#define S_LOAD_POLL_MS       500 /* how often to look for reports submitted meanwhile */
#define S_MAX_POLL_MS        1000
#define S_STOP_GRACE_MS      500    /* on SIGTERM, wait this long for the last heartbeat's ack */
#define S_FINAL_HEARTBEAT_MS 2000   /* exit-when-empty waits this long for its last heartbeat ack */
#define S_HEARTBEAT_RETRY_MS 250    /* a heartbeat that could not be sent is retried this soon */
#define S_SETTLE_RETRY_MS    1000   /* after a failed outbox update */
#define S_PROGRESS_LOG_MS    1000   /* at most one progress line per second */
#define S_SILENCE_REPEAT_MS  300000 /* repeat "not answering" every 5 minutes */
#define S_READER_CHECK_MS    60000
#define S_MAX_ACKS_PER_ROUND 4096

typedef struct {
    outbox_t *ob;
    const sender_options *opts;
    uint64_t epoch;
    void *ctx, *sock;
    sender_window_t *win;
    uint8_t *frame;
    /* settlements waiting for one outbox transaction */
    sender_batch_t *batch;
    int64_t settle_retry_at;
    /* progress aggregated into one INFO line */
    uint64_t log_delivered, log_rejected, log_first, log_last;
    int64_t log_last_at;
    /* is the collector answering? */
    int64_t last_answer;
    int64_t expect_since; /* first send attempt since the last ack, 0 = none */
    int silent_warned;
    int64_t silent_warned_at;
    /* heartbeats */
    int64_t next_heartbeat;
    int64_t heartbeat_sent_at;  /* monotonic ms of the last heartbeat sent, 0 = none */
    int64_t heartbeat_acked_at; /* monotonic ms of the last heartbeat ack, 0 = none */
    int64_t final_deadline;     /* exit-when-empty: when to stop waiting for the last one */
    uint64_t next_seq_known;
    int behind_warned;
    int gap_warned;
    uint64_t settled_first; /* Envelope.first_unsettled: below it, answered AND written */
    /* sending */
    int64_t blocked_until;
    int loaded_nothing;
    /* connection events (zmq_socket_monitor), to explain failures to operators */
    void *monitor;
    unsigned monitor_generation;
    int connected;
    int64_t handshake_warned_at;
    /* libzmq 4.3.4 does not reconnect after a refused handshake (ZAP said no, or the
     * collector's key is wrong): the socket is made again after a backoff, so an office
     * whose key is enrolled later delivers without a restart. */
    int64_t reopen_at;         /* 0 = not planned */
    int64_t reopen_backoff_ms; /* next delay; doubles up to reconnect_max_ms */
    td_err fatal;
    char err[512];
    /* metrics (opts->metrics): counters since start, published by s_metrics_publish */
    uint64_t sent_total, resends_total, delivered_total, rejected_total;
    uint64_t highest_sent; /* a send at or below it is a resend */
    int64_t metrics_published_at;
} s_run;

static void s_expect(s_run *r, int64_t now)
{
    if (r->expect_since == 0)
        r->expect_since = now;
}

/* 0 sent, 1 the socket cannot take it now, -1 fatal socket error. */
static int s_send_frame(s_run *r, size_t len)
{
    if (zmq_send(r->sock, r->frame, len, ZMQ_DONTWAIT) >= 0)
        return 0;
    if (errno == EAGAIN || errno == EINTR)
        return 1;
    td_error("cannot send to %s: %s", r->opts->endpoint, zmq_strerror(errno));
    r->fatal = TD_ERR_ZMQ;
    return -1;
}

static void s_envelope_init(s_run *r, Tiendo__Envelope *env, uint64_t seq)
{
    tiendo__envelope__init(env);
    env->has_version = 1;
    env->version = TD_PROTOCOL_VERSION;
    env->has_epoch = 1;
    env->epoch = r->epoch;
    env->has_seq = 1;
    env->seq = seq;
    env->has_sent_at_ms = 1;
    env->sent_at_ms = td_now_ms();
    /* Everything below the window's head was answered (slots leave the window only when
     * settled); with an empty window, everything loaded so far was. Only once those
     * answers are written to the outbox (no settlement pending), so that a crash cannot
     * make us resend a seq we said was settled. A collector restored from a backup uses
     * it to skip what it lost (docs/protocol.md, "Restore gap"). */
    if (sender_batch_count(r->batch) == 0)
        r->settled_first = sender_window_count(r->win) > 0 ? sender_window_first_seq(r->win)
                                                           : sender_window_next_load(r->win);
    env->has_first_unsettled = 1;
    env->first_unsettled = r->settled_first;
}

/* Send report seq (report == NULL: its record is missing or unreadable; the envelope
 * goes without a body so that the collector rejects it and the sequence moves on). */
static int s_send_report(s_run *r, uint64_t seq, const uint8_t *report, size_t report_len,
                         int64_t now)
{
    Tiendo__Envelope env;
    s_envelope_init(r, &env, seq);
    ProtobufCMessage *msg = NULL;
    if (report != NULL && td_message_decode(&tiendo__report__descriptor, report, report_len,
                                            OUTBOX_MAX_REPORT, &msg) != TD_OK) {
        td_error("queued report #%" PRIu64 " cannot be read back (damaged record); sending it "
                 "without content so that the collector rejects it",
                 seq);
        msg = NULL;
    }
    if (msg != NULL) {
        env.body_case = TIENDO__ENVELOPE__BODY_REPORT;
        env.report = (Tiendo__Report *) msg;
    }
    size_t len = 0;
    td_err e = td_message_encode(&env.base, r->frame, TD_MAX_FRAME, &len);
    if (e != TD_OK && msg != NULL) {
        /* submit refuses these; never put an over-sized frame on the wire */
        td_error("queued report #%" PRIu64 " cannot be encoded (%s); sending it without content "
                 "so that the collector rejects it",
                 seq, td_strerror(e));
        env.body_case = TIENDO__ENVELOPE__BODY__NOT_SET;
        env.report = NULL;
        e = td_message_encode(&env.base, r->frame, TD_MAX_FRAME, &len);
    }
    td_message_free(&msg);
    if (e != TD_OK) {
        td_error("cannot encode an envelope: %s", td_strerror(e));
        r->fatal = e;
        return -1;
    }
    s_expect(r, now);
    int rc = s_send_frame(r, len);
    if (rc == 0) {
        sender_window_sent(r->win, now);
        r->sent_total++;
        if (seq <= r->highest_sent)
            r->resends_total++;
        else
            r->highest_sent = seq;
        td_debug("sent report #%" PRIu64 " (%zu bytes)", seq, len);
    }
    return rc;
}

typedef struct {
    s_run *r;
    int64_t now;
    int stop; /* 1 blocked, -1 fatal */
} s_send_ctx;

static int s_send_visit(void *vctx, const outbox_record *rec)
{
    s_send_ctx *ctx = vctx;
    s_run *r = ctx->r;
    uint64_t seq = 0;
    while (sender_window_next(r->win, ctx->now, &seq)) {
        if (seq > rec->seq)
            return 0; /* not loaded into the window (cannot happen while seqs only grow) */
        int rc;
        if (seq < rec->seq) {
            td_error("queued report #%" PRIu64 " is missing from the outbox", seq);
            rc = s_send_report(r, seq, NULL, 0, ctx->now);
        } else {
            rc = s_send_report(r, seq, rec->report, rec->report_len, ctx->now);
        }
        if (rc != 0) {
            ctx->stop = rc;
            return 1;
        }
        if (seq == rec->seq)
            return 0;
    }
    return 1;
}

/* Send what the window allows, in seq order, reading the reports in one read txn. */
static void s_send_pending(s_run *r, int64_t now)
{
    uint64_t seq = 0;
    if (now < r->blocked_until || !sender_window_next(r->win, now, &seq))
        return;
    s_send_ctx ctx = {r, now, 0};
    size_t room = sender_window_count(r->win) - sender_window_in_flight(r->win);
    td_err e = outbox_scan(r->ob, seq, room, s_send_visit, &ctx, NULL, r->err, sizeof r->err);
    if (e != TD_OK) {
        td_error("cannot read the outbox: %s", r->err);
        r->blocked_until = now + S_SETTLE_RETRY_MS;
        return;
    }
    /* window entries past the last record found are missing records */
    while (ctx.stop == 0 && sender_window_next(r->win, now, &seq)) {
        td_error("queued report #%" PRIu64 " is missing from the outbox", seq);
        ctx.stop = s_send_report(r, seq, NULL, 0, now);
    }
    if (ctx.stop == 1)
        r->blocked_until = now + S_BLOCKED_WAIT_MS;
}

static int s_load_visit(void *vctx, const outbox_record *rec)
{
    s_run *r = vctx;
    return sender_window_push(r->win, rec->seq, rec->unit, rec->period) == TD_OK ? 0 : 1;
}

/* Pick up reports queued since the last look (submit runs in other processes). */
static void s_load(s_run *r)
{
    r->loaded_nothing = 0;
    size_t room = sender_window_room(r->win);
    if (room == 0)
        return;
    size_t visited = 0;
    td_err e = outbox_scan(r->ob, sender_window_next_load(r->win), room, s_load_visit, r, &visited,
                           r->err, sizeof r->err);
    if (e != TD_OK) {
        td_error("cannot read the outbox: %s", r->err);
        return;
    }
    r->loaded_nothing = visited == 0;
}

static void s_heartbeat(s_run *r, int64_t now)
{
    outbox_stats st;
    if (outbox_get_stats(r->ob, &st, r->err, sizeof r->err) != TD_OK) {
        td_error("cannot read the outbox: %s", r->err);
        r->next_heartbeat = now + r->opts->heartbeat_ms;
        return;
    }
    r->next_seq_known = st.next_seq;
    int64_t wall = td_now_ms();
    Tiendo__Heartbeat hb = TIENDO__HEARTBEAT__INIT;
    hb.agent_version = (char *) TIENDO_VERSION;
    hb.has_outbox_depth = 1;
    hb.outbox_depth = st.queued;
    hb.has_oldest_unsent_age_ms = 1;
    hb.oldest_unsent_age_ms = st.oldest_queued_at_ms > 0 && wall > st.oldest_queued_at_ms
                                  ? wall - st.oldest_queued_at_ms
                                  : 0;
    hb.has_dead_letters = 1;
    hb.dead_letters = st.dead;
    hb.has_clock_ms = 1;
    hb.clock_ms = wall;
    Tiendo__Envelope env;
    s_envelope_init(r, &env, 0);
    /* An empty outbox (nothing queued, no answer waiting to be written) has had every
     * seq below its next one answered, even those this run never loaded. */
    if (st.queued == 0 && sender_window_count(r->win) == 0 && st.next_seq > env.first_unsettled)
        env.first_unsettled = st.next_seq;
    env.body_case = TIENDO__ENVELOPE__BODY_HEARTBEAT;
    env.heartbeat = &hb;
    size_t len = 0;
    td_err e = td_message_encode(&env.base, r->frame, TD_MAX_FRAME, &len);
    if (e != TD_OK) {
        td_error("cannot encode a heartbeat: %s", td_strerror(e));
        r->next_heartbeat = now + r->opts->heartbeat_ms;
        return;
    }
    s_expect(r, now);
    int rc = s_send_frame(r, len);
    if (rc == 0) {
        td_debug("heartbeat sent (outbox %" PRIu64 ", dead letters %" PRIu64 ")", st.queued,
                 st.dead);
        r->heartbeat_sent_at = now;
        r->next_heartbeat = now + r->opts->heartbeat_ms;
    } else {
        /* not connected yet: try again soon so the collector learns of us early */
        int64_t retry = r->opts->heartbeat_ms < S_HEARTBEAT_RETRY_MS ? r->opts->heartbeat_ms
                                                                     : S_HEARTBEAT_RETRY_MS;
        r->next_heartbeat = now + retry;
    }
}

static const char *s_status_name(Tiendo__AckStatus status)
{
    switch (status) {
    case TIENDO__ACK_STATUS__ACK_OK:
        return "OK";
    case TIENDO__ACK_STATUS__ACK_DUPLICATE:
        return "DUPLICATE";
    case TIENDO__ACK_STATUS__ACK_REJECTED:
        return "REJECTED";
    case TIENDO__ACK_STATUS__ACK_RETRY_LATER:
        return "RETRY_LATER";
    default:
        return "?";
    }
}

static void s_handle_ack(s_run *r, const void *data, size_t len, int64_t now)
{
    Tiendo__Ack *ack = NULL;
    if (td_ack_decode(data, len, &ack) != TD_OK) {
        td_warn("ignoring a malformed ack from the collector (%zu bytes)", len);
        return;
    }
    if (!ack->has_epoch || ack->epoch != r->epoch) {
        td_warn("ignoring an ack for another outbox (epoch %016" PRIx64 ", ours %016" PRIx64 ")",
                ack->has_epoch ? ack->epoch : 0, r->epoch);
        goto cleanup;
    }
    Tiendo__AckStatus status = ack->has_status ? ack->status : 0;
    if (status < TIENDO__ACK_STATUS__ACK_OK || status > TIENDO__ACK_STATUS__ACK_RETRY_LATER) {
        td_warn("ignoring an ack with an unknown status %d", (int) status);
        goto cleanup;
    }
    uint64_t seq = ack->has_seq ? ack->seq : 0;
    uint64_t high_water = ack->has_high_water ? ack->high_water : 0;
    td_debug("ack #%" PRIu64 " %s (high water %" PRIu64 ")%s%s", seq, s_status_name(status),
             high_water, ack->reason != NULL ? ": " : "", ack->reason != NULL ? ack->reason : "");

    r->last_answer = now;
    if (seq == 0)
        r->heartbeat_acked_at = now;
    if (r->silent_warned) {
        td_info("collector answering again (%s)", r->opts->endpoint);
        r->silent_warned = 0;
        /* envelopes sent into a dead connection are gone: resend from the oldest now */
        sender_window_rewind(r->win);
    }
    r->expect_since = 0;

    if (seq == 0 && r->next_seq_known > 0 && high_water >= r->next_seq_known && !r->behind_warned) {
        td_error("the collector has already processed report #%" PRIu64 " of this outbox, but "
                 "the next number here is #%" PRIu64 ": this outbox was probably restored from "
                 "an old copy. New reports would be taken for duplicates; move %s aside to "
                 "start a fresh outbox (see docs/agent.md)",
                 high_water, r->next_seq_known, outbox_dir(r->ob));
        r->behind_warned = 1;
    }
    uint64_t first = sender_window_first_seq(r->win);
    if (seq == 0 && first > 0 && high_water + 1 < first && !r->gap_warned) {
        /* acks arrive in the order the collector decided, so this is not a race */
        td_error("the collector is waiting for report #%" PRIu64 " of this outbox, which is no "
                 "longer here (the oldest queued is #%" PRIu64 "); nothing after it can be "
                 "delivered. See docs/agent.md, \"collector is waiting for a report\"",
                 high_water + 1, first);
        r->gap_warned = 1;
    }
    if (status == TIENDO__ACK_STATUS__ACK_RETRY_LATER)
        td_debug("collector asked to retry #%" PRIu64 " later (it has everything up to #%" PRIu64
                 ")",
                 seq, high_water);

    sender_settled settled;
    if (sender_window_ack(r->win, seq, status, high_water, now, &settled, 1) == 1) {
        td_err e = sender_batch_add(r->batch, &settled, ack->reason);
        if (e == TD_ERR_NOMEM && settled.rejected)
            e = sender_batch_add(r->batch, &settled, "rejected (reason lost: no memory)");
        if (e != TD_OK) {
            /* cannot happen (the batch holds a window); stop rather than lose an answer */
            td_error("cannot record the answer for report #%" PRIu64 ": %s", settled.seq,
                     td_strerror(e));
            r->fatal = e;
        }
    }
    if (sender_window_in_flight(r->win) > 0)
        s_expect(r, now);
cleanup:
    td_ack_free(&ack);
}

static void s_receive(s_run *r, int64_t now)
{
    for (int i = 0; i < S_MAX_ACKS_PER_ROUND; i++) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, r->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&msg);
            if (errno != EAGAIN && errno != EINTR) {
                td_error("cannot receive from %s: %s", r->opts->endpoint, zmq_strerror(errno));
                r->fatal = TD_ERR_ZMQ;
            }
            return;
        }
        if (zmq_msg_more(&msg)) {
            /* the protocol is one frame per message: drop the whole message */
            int frames = 1;
            while (zmq_msg_more(&msg) && frames < 1000) {
                zmq_msg_close(&msg);
                zmq_msg_init(&msg);
                if (zmq_msg_recv(&msg, r->sock, ZMQ_DONTWAIT) < 0)
                    break;
                frames++;
            }
            zmq_msg_close(&msg);
            td_warn("ignoring a %d-frame message from the collector (acks are one frame)", frames);
            continue;
        }
        s_handle_ack(r, zmq_msg_data(&msg), zmq_msg_size(&msg), now);
        zmq_msg_close(&msg);
        /* every slot settles once, so the buffers hold a round; stop early if full */
        if (sender_batch_count(r->batch) >= r->opts->window || r->fatal != TD_OK)
            return;
    }
}

static void s_log_progress(s_run *r, int64_t now, int force)
{
    if (r->log_delivered + r->log_rejected == 0)
        return;
    if (!force && now - r->log_last_at < S_PROGRESS_LOG_MS && sender_window_count(r->win) > 0)
        return;
    outbox_stats st;
    char waiting[64] = "", range[64], rejected[48] = "";
    if (outbox_get_stats(r->ob, &st, r->err, sizeof r->err) == TD_OK)
        snprintf(waiting, sizeof waiting, "; %" PRIu64 " waiting", st.queued);
    if (r->log_first == r->log_last)
        snprintf(range, sizeof range, "#%" PRIu64, r->log_first);
    else
        snprintf(range, sizeof range, "#%" PRIu64 "-#%" PRIu64, r->log_first, r->log_last);
    if (r->log_rejected > 0)
        snprintf(rejected, sizeof rejected, ", %" PRIu64 " rejected", r->log_rejected);
    td_info("delivered %" PRIu64 " report%s%s (%s)%s", r->log_delivered,
            r->log_delivered == 1 ? "" : "s", rejected, range, waiting);
    r->log_delivered = r->log_rejected = 0;
    r->log_first = r->log_last = 0;
    r->log_last_at = now;
}

static void s_note_progress(s_run *r, uint64_t seq)
{
    if (r->log_first == 0 || seq < r->log_first)
        r->log_first = seq;
    if (seq > r->log_last)
        r->log_last = seq;
}

static void s_on_settled(void *ctx, const sender_settled *s, const char *reason)
{
    s_run *r = ctx;
    if (s->rejected) {
        td_warn("report #%" PRIu64 " (unit %s, period %s) was REJECTED by the collector: %s. "
                "It is kept as a dead letter: see `tiendo-agent dead-letters`",
                s->seq, s->unit, s->period, reason);
        r->log_rejected++;
        r->rejected_total++;
    } else {
        r->log_delivered++;
        r->delivered_total++;
    }
    s_note_progress(r, s->seq);
}

/* ---- metrics: a snapshot published from the loop, rendered on the exporter's thread ---- */

#define S_METRICS_EVERY_MS 100

typedef struct {
    uint64_t queue_depth;
    int64_t oldest_queued_at_ms; /* wall clock; 0 when nothing is queued */
    uint64_t dead_letters;
    uint64_t sent, resends, delivered, rejected;
    int connected;
    int64_t last_answer_mono_ms; /* the last ack (or the start of the run) */
    uint64_t in_flight;
} s_metrics_snapshot;

static void s_metrics_publish(s_run *r, int64_t now)
{
    if (r->opts->metrics == NULL || now - r->metrics_published_at < S_METRICS_EVERY_MS)
        return;
    outbox_stats st;
    if (outbox_get_stats(r->ob, &st, r->err, sizeof r->err) != TD_OK)
        return; /* the previous snapshot stays */
    s_metrics_snapshot snap = {
        .queue_depth = st.queued,
        .oldest_queued_at_ms = st.queued > 0 ? st.oldest_queued_at_ms : 0,
        .dead_letters = st.dead,
        .sent = r->sent_total,
        .resends = r->resends_total,
        .delivered = r->delivered_total,
        .rejected = r->rejected_total,
        .connected = r->connected,
        .last_answer_mono_ms = r->last_answer,
        .in_flight = sender_window_in_flight(r->win),
    };
    if (td_metrics_publish(r->opts->metrics, &snap, sizeof snap) == TD_OK)
        r->metrics_published_at = now;
}

void sender_metrics_render(void *ctx, const void *snapshot, size_t len, td_metrics_text *t)
{
    (void) ctx;
    td_metrics_family(t, "tiendo_agent_build_info", "gauge",
                      "Always 1; the version label says which agent runs.");
    td_metrics_label version = {"version", TIENDO_VERSION};
    td_metrics_sample(t, "tiendo_agent_build_info", &version, 1, 1);
    if (snapshot == NULL || len != sizeof(s_metrics_snapshot))
        return; /* the sender has not started yet */
    s_metrics_snapshot s;
    memcpy(&s, snapshot, sizeof s);
    int64_t wall = td_now_ms(), mono = td_mono_ms();
    td_metrics_gauge(t, "tiendo_agent_queue_depth",
                     "Reports queued in the outbox, not answered by the collector yet.",
                     (double) s.queue_depth);
    int64_t oldest = s.oldest_queued_at_ms > 0 ? wall - s.oldest_queued_at_ms : 0;
    td_metrics_gauge(t, "tiendo_agent_oldest_unsent_age_seconds",
                     "Age of the oldest queued report (0 when the outbox is empty).",
                     (double) (oldest > 0 ? oldest : 0) / 1000.0);
    td_metrics_gauge(t, "tiendo_agent_dead_letters",
                     "Reports the collector rejected, kept as dead letters "
                     "(tiendo-agent dead-letters).",
                     (double) s.dead_letters);
    td_metrics_gauge(t, "tiendo_agent_in_flight", "Reports sent and waiting for their answer.",
                     (double) s.in_flight);
    td_metrics_counter(t, "tiendo_agent_reports_sent_total",
                       "Report envelopes sent (resends included).", s.sent);
    td_metrics_counter(t, "tiendo_agent_resends_total",
                       "Sends of a report already sent before (lost acks, timeouts, "
                       "reconnections).",
                       s.resends);
    td_metrics_counter(t, "tiendo_agent_reports_delivered_total",
                       "Reports the collector answered OK or DUPLICATE (removed from the "
                       "outbox).",
                       s.delivered);
    td_metrics_counter(t, "tiendo_agent_reports_rejected_total",
                       "Reports the collector answered REJECTED (now dead letters).", s.rejected);
    td_metrics_gauge(t, "tiendo_agent_connected",
                     "1 while a secure connection to the collector is up, else 0.",
                     s.connected ? 1 : 0);
    int64_t ack_age = mono - s.last_answer_mono_ms;
    td_metrics_gauge(t, "tiendo_agent_last_ack_age_seconds",
                     "Seconds since the collector last answered (since the start of the run "
                     "when it has not yet).",
                     (double) (ack_age > 0 ? ack_age : 0) / 1000.0);
}

/* One outbox transaction for every ack of this round. */
static void s_commit(s_run *r, int64_t now)
{
    if (sender_batch_count(r->batch) == 0 || now < r->settle_retry_at)
        return;
    td_err e =
        sender_batch_commit(r->batch, r->ob, td_now_ms(), s_on_settled, r, r->err, sizeof r->err);
    if (e != TD_OK) {
        td_error("cannot update the outbox (%s); will retry", r->err);
        r->settle_retry_at = now + S_SETTLE_RETRY_MS;
    }
}

static void s_check_silence(s_run *r, int64_t now)
{
    int64_t limit = 3 * r->opts->heartbeat_ms;
    if (r->expect_since == 0 || now - r->expect_since < limit)
        return;
    if (r->silent_warned && now - r->silent_warned_at < S_SILENCE_REPEAT_MS)
        return;
    td_warn("collector not answering for %" PRId64 " s (endpoint %s); reports stay queued",
            (now - r->last_answer + 999) / 1000, r->opts->endpoint);
    r->silent_warned = 1;
    r->silent_warned_at = now;
}

static int64_t s_min(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static int s_poll_timeout(const s_run *r, int64_t now, int want_send)
{
    int64_t deadline = now + S_MAX_POLL_MS;
    deadline = s_min(deadline, r->next_heartbeat);
    deadline = s_min(deadline, sender_window_deadline(r->win, now));
    if (sender_window_room(r->win) > 0)
        deadline = s_min(deadline, now + S_LOAD_POLL_MS);
    if (sender_batch_count(r->batch) > 0)
        deadline = s_min(deadline, r->settle_retry_at);
    if (!want_send && r->blocked_until > now)
        deadline = s_min(deadline, r->blocked_until);
    if (r->expect_since > 0) {
        int64_t warn_at = r->silent_warned ? r->silent_warned_at + S_SILENCE_REPEAT_MS
                                           : r->expect_since + 3 * r->opts->heartbeat_ms;
        if (warn_at > now)
            deadline = s_min(deadline, warn_at);
    }
    if (r->log_delivered + r->log_rejected > 0)
        deadline = s_min(deadline, r->log_last_at + S_PROGRESS_LOG_MS);
    if (r->reopen_at != 0)
        deadline = s_min(deadline, r->reopen_at);
    if (r->final_deadline > now)
        deadline = s_min(deadline, r->final_deadline);
    int64_t wait = deadline - now;
    if (wait < 0)
        wait = 0;
    return (int) wait;
}

#define S_MONITOR_EVENTS                                                                           \
    (ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |    \
     ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
#define S_HANDSHAKE_WARN_MS 60000

/* Watch the socket's connection events. Optional: without it only the silence warning
 * tells the operator something is wrong. */
static void s_monitor_setup(s_run *r)
{
    char addr[64];
    snprintf(addr, sizeof addr, "inproc://tiendo-agent-monitor-%p-%u", (void *) r,
             r->monitor_generation++);
    if (zmq_socket_monitor(r->sock, addr, S_MONITOR_EVENTS) != 0)
        return;
    r->monitor = zmq_socket(r->ctx, ZMQ_PAIR);
    int zero = 0;
    if (r->monitor == NULL || zmq_setsockopt(r->monitor, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_connect(r->monitor, addr) != 0) {
        td_debug("connection events unavailable: %s", zmq_strerror(errno));
        if (r->monitor != NULL)
            zmq_close(r->monitor);
        r->monitor = NULL;
        zmq_socket_monitor(r->sock, NULL, 0);
    }
}

static void s_handshake_warning(s_run *r, int64_t now, uint16_t event, uint32_t value)
{
    if (r->handshake_warned_at != 0 && now - r->handshake_warned_at < S_HANDSHAKE_WARN_MS)
        return;
    r->handshake_warned_at = now;
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
        td_warn("the collector refused this office's key (status %u): ask its operator to "
                "enrol public key %s",
                (unsigned) value, r->opts->public_key);
    else
        td_warn("secure handshake with the collector at %s failed (%s): check that "
                "--collector-public-key is the collector's current public key",
                r->opts->endpoint, zmq_strerror((int) value));
}

static void s_monitor_events(s_run *r, int64_t now)
{
    for (int i = 0; i < 64; i++) {
        zmq_msg_t frame;
        zmq_msg_init(&frame);
        if (zmq_msg_recv(&frame, r->monitor, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&frame);
            return;
        }
        /* first frame: u16 event, u32 value (native byte order); second: the endpoint */
        uint16_t event = 0;
        uint32_t value = 0;
        if (zmq_msg_size(&frame) >= 6) {
            memcpy(&event, zmq_msg_data(&frame), 2);
            memcpy(&value, (const uint8_t *) zmq_msg_data(&frame) + 2, 4);
        }
        int more = zmq_msg_more(&frame);
        zmq_msg_close(&frame);
        while (more) {
            zmq_msg_init(&frame);
            if (zmq_msg_recv(&frame, r->monitor, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close(&frame);
                break;
            }
            more = zmq_msg_more(&frame);
            zmq_msg_close(&frame);
        }
        switch (event) {
        case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
            td_debug("connected to %s", r->opts->endpoint);
            r->connected = 1;
            r->handshake_warned_at = 0;
            r->reopen_backoff_ms = 0;
            break;
        case ZMQ_EVENT_DISCONNECTED:
            if (r->connected) {
                /* what was in flight on that connection may be lost: resend it on the
                 * next one instead of waiting for the resend timeout */
                td_debug("connection to %s lost", r->opts->endpoint);
                sender_window_rewind(r->win);
            }
            r->connected = 0;
            break;
        case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
            s_handshake_warning(r, now, event, value);
            if (r->reopen_at == 0) {
                int64_t max = r->opts->reconnect_max_ms > 0 ? r->opts->reconnect_max_ms : 30000;
                r->reopen_backoff_ms = r->reopen_backoff_ms == 0 ? 1000 : r->reopen_backoff_ms * 2;
                if (r->reopen_backoff_ms > max)
                    r->reopen_backoff_ms = max;
                r->reopen_at = now + r->reopen_backoff_ms;
            }
            break;
        default:
            break;
        }
    }
}

/* Make the DEALER socket (and its monitor) in r->ctx and connect it. */
static td_err s_socket_open(s_run *r)
{
    const sender_options *o = r->opts;
    r->sock = zmq_socket(r->ctx, ZMQ_DEALER);
    if (r->sock == NULL)
        return TD_ERR_ZMQ;
    td_err e = td_socket_basics(r->sock, o->zmq_heartbeat_ms, 3 * o->zmq_heartbeat_ms,
                                3 * o->zmq_heartbeat_ms);
    if (e != TD_OK)
        return e;
    e = td_socket_curve_client(r->sock, o->collector_public, o->public_key, o->secret_key);
    if (e != TD_OK)
        return e;
    int one = 1, ivl = 100, ivl_max = o->reconnect_max_ms, hwm = 1000;
    int64_t maxmsg = TD_MAX_WIRE_FRAME;
    if (zmq_setsockopt(r->sock, ZMQ_IMMEDIATE, &one, sizeof one) != 0 ||
        zmq_setsockopt(r->sock, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl) != 0 ||
        zmq_setsockopt(r->sock, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof ivl_max) != 0 ||
        zmq_setsockopt(r->sock, ZMQ_SNDHWM, &hwm, sizeof hwm) != 0 ||
        zmq_setsockopt(r->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) != 0)
        return TD_ERR_ZMQ;
    s_monitor_setup(r);
    if (zmq_connect(r->sock, o->endpoint) != 0) {
        td_error("cannot connect to %s: %s", o->endpoint, zmq_strerror(errno));
        return TD_ERR_CONFIG;
    }
    return TD_OK;
}

static void s_socket_close(s_run *r)
{
    if (r->monitor != NULL && r->sock != NULL) {
        zmq_socket_monitor(r->sock, NULL, 0);
    }
    if (r->monitor != NULL)
        zmq_close(r->monitor);
    r->monitor = NULL;
    if (r->sock != NULL)
        zmq_close(r->sock);
    r->sock = NULL;
}

static td_err s_socket_setup(s_run *r)
{
    r->ctx = zmq_ctx_new();
    if (r->ctx == NULL)
        return TD_ERR_ZMQ;
    return s_socket_open(r);
}

/* After a refused handshake: a new socket, and what was in flight is sent again. */
static td_err s_socket_reopen(s_run *r)
{
    td_info("connecting to %s again with a new socket (the last handshake was refused)",
            r->opts->endpoint);
    s_socket_close(r);
    sender_window_rewind(r->win);
    r->connected = 0;
    r->reopen_at = 0;
    td_err e = s_socket_open(r);
    if (e == TD_ERR_ZMQ)
        td_error("cannot set up the socket: %s", zmq_strerror(errno));
    return e;
}

td_err sender_run(outbox_t *ob, const sender_options *opts, volatile sig_atomic_t *stop)
{
    s_run run;
    memset(&run, 0, sizeof run);
    s_run *r = &run;
    r->ob = ob;
    r->opts = opts;
    r->epoch = outbox_epoch(ob);
    td_err result = TD_ERR_NOMEM;
    size_t window = opts->window;
    if (window == 0)
        return TD_ERR_INVALID;
    sender_window_params params = {window, opts->resend_timeout_ms, opts->backoff_max_ms,
                                   S_RETRY_BASE_MS};
    result = sender_window_create(&r->win, &params);
    if (result != TD_OK)
        goto cleanup;
    result = TD_ERR_NOMEM;
    r->frame = malloc(TD_MAX_FRAME);
    if (r->frame == NULL)
        goto cleanup;
    result = sender_batch_create(&r->batch, window);
    if (result != TD_OK)
        goto cleanup;
    result = s_socket_setup(r);
    if (result != TD_OK) {
        if (result == TD_ERR_ZMQ)
            td_error("cannot set up the socket: %s", zmq_strerror(errno));
        goto cleanup;
    }

    int64_t now = td_mono_ms();
    r->last_answer = now;
    r->next_heartbeat = now; /* one right away: its ack tells where the collector is */
    r->log_last_at = now;
    int64_t next_reader_check = now + S_READER_CHECK_MS;
    td_info("sending outbox %s (epoch %016" PRIx64 ") to %s, window %zu", outbox_dir(ob), r->epoch,
            opts->endpoint, window);
    char status_line[300];
    snprintf(status_line, sizeof status_line, "sending outbox %s to %s", outbox_dir(ob),
             opts->endpoint);
    td_notify_ready(status_line);
    int64_t watchdog_ms = td_notify_watchdog_ms(), next_watchdog = 0;

    result = TD_OK;
    while (!*stop) {
        now = td_mono_ms();
        uint64_t next_seq = 0;
        int pending = sender_batch_count(r->batch) > 0;
        int want_send =
            !pending && now >= r->blocked_until && sender_window_next(r->win, now, &next_seq);
        zmq_pollitem_t items[2] = {
            {r->sock, 0, (short) (ZMQ_POLLIN | (want_send ? ZMQ_POLLOUT : 0)), 0},
            {r->monitor, 0, ZMQ_POLLIN, 0},
        };
        int rc = zmq_poll(items, r->monitor != NULL ? 2 : 1, s_poll_timeout(r, now, want_send));
        if (rc < 0) {
            if (errno == EINTR)
                continue; /* the loop condition looks at *stop */
            td_error("poll failed: %s", zmq_strerror(errno));
            result = TD_ERR_ZMQ;
            break;
        }
        now = td_mono_ms();
        if (r->monitor != NULL && (items[1].revents & ZMQ_POLLIN))
            s_monitor_events(r, now);
        if (r->reopen_at != 0 && now >= r->reopen_at) {
            result = s_socket_reopen(r);
            if (result != TD_OK)
                break;
            continue;
        }
        if (!pending && (items[0].revents & ZMQ_POLLIN))
            s_receive(r, now);
        if (r->fatal == TD_OK)
            s_commit(r, now);
        pending = sender_batch_count(r->batch) > 0;
        if (!pending && r->fatal == TD_OK) {
            if (sender_window_check_timeout(r->win, now))
                td_info("no ack for report #%" PRIu64 "; resending from it (next wait %" PRId64
                        " ms)",
                        sender_window_first_seq(r->win), sender_window_timeout(r->win));
            s_load(r);
            s_send_pending(r, now);
        }
        if (r->fatal == TD_OK && now >= r->next_heartbeat)
            s_heartbeat(r, now);
        if (r->fatal != TD_OK) {
            result = r->fatal;
            break;
        }
        s_check_silence(r, now);
        int empty = !pending && r->loaded_nothing && sender_window_count(r->win) == 0;
        s_log_progress(r, now, empty);
        s_metrics_publish(r, now);
        if (opts->exit_when_empty && empty) {
            /* Before leaving, tell the collector the outbox is empty (operators watch
             * the backlog in `tiendo agents`): one last heartbeat, acknowledged or given
             * up after S_FINAL_HEARTBEAT_MS. */
            if (r->final_deadline == 0) {
                r->final_deadline = now + S_FINAL_HEARTBEAT_MS;
                r->heartbeat_sent_at = 0;
                s_heartbeat(r, now);
            } else if (r->heartbeat_sent_at == 0 && now >= r->next_heartbeat) {
                s_heartbeat(r, now);
            }
            int acked = r->heartbeat_sent_at != 0 && r->heartbeat_acked_at >= r->heartbeat_sent_at;
            if (acked || now >= r->final_deadline) {
                td_info("outbox is empty; exiting");
                break;
            }
        }
        if (watchdog_ms > 0 && now >= next_watchdog) {
            td_notify_watchdog();
            next_watchdog = now + watchdog_ms;
        }
        if (now >= next_reader_check) {
            int cleared = outbox_reader_check(ob);
            if (cleared > 0)
                td_info("cleared %d stale outbox reader slot%s", cleared, cleared == 1 ? "" : "s");
            next_reader_check = now + S_READER_CHECK_MS;
        }
    }
    td_notify_stopping();
    if (*stop) {
        size_t unanswered = sender_window_in_flight(r->win);
        if (unanswered > 0)
            td_info("stopping; %zu report%s sent but not answered yet stay%s queued and will "
                    "be sent again",
                    unanswered, unanswered == 1 ? "" : "s", unanswered == 1 ? "s" : "");
        else
            td_info("stopping");
    }
    if (*stop && r->fatal == TD_OK && result == TD_OK) {
        /* Tell the collector where the outbox stands as we go (operators read the backlog
         * in `tiendo agents`), and take what answers arrive within a short grace time. */
        int64_t now_ms = td_mono_ms(), until = now_ms + S_STOP_GRACE_MS;
        r->heartbeat_sent_at = 0;
        s_heartbeat(r, now_ms);
        while (r->heartbeat_sent_at != 0 && r->heartbeat_acked_at < r->heartbeat_sent_at &&
               (now_ms = td_mono_ms()) < until) {
            zmq_pollitem_t item = {r->sock, 0, ZMQ_POLLIN, 0};
            if (zmq_poll(&item, 1, (long) (until - now_ms)) <= 0)
                break;
            s_receive(r, td_mono_ms());
        }
    }
    /* acks received but not yet written: one last try, so fewer duplicates next time */
    s_commit(r, INT64_MAX);
    s_log_progress(r, td_mono_ms(), 1);

cleanup:
    sender_batch_destroy(&r->batch);
    s_socket_close(r);
    if (r->ctx != NULL)
        zmq_ctx_term(r->ctx);
    sender_window_destroy(&r->win);
    free(r->frame);
    return result;
}
