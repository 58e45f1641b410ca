/* sender.c: `tiendo-agent run`: the loop that empties the outbox over the link, window by window.
 */
#include "sender.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "clock.h"
#include "codec.h"
#include "i18n.h"
#include "link.h"
#include "log.h"
#include "notify.h"
#include "sender_metrics.h"
#include "settle.h"
#include "window.h"

/* ---- envelopes ---- */

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

/* ---- the loop ---- */

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
    link_t *link;
    window_t *win;
    uint8_t *frame;
    /* settlements waiting for one outbox transaction */
    settle_batch_t *batch;
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
    int rc = link_send(r->link, r->frame, len);
    if (rc < 0)
        r->fatal = TD_ERR_ZMQ;
    return rc;
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
    if (settle_batch_count(r->batch) == 0)
        r->settled_first =
            window_count(r->win) > 0 ? window_first_seq(r->win) : window_next_load(r->win);
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
        window_sent(r->win, now);
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
    while (window_next(r->win, ctx->now, &seq)) {
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
    if (now < r->blocked_until || !window_next(r->win, now, &seq))
        return;
    s_send_ctx ctx = {r, now, 0};
    size_t room = window_count(r->win) - window_in_flight(r->win);
    td_err e = outbox_scan(r->ob, seq, room, s_send_visit, &ctx, NULL, r->err, sizeof r->err);
    if (e != TD_OK) {
        td_error("cannot read the outbox: %s", r->err);
        r->blocked_until = now + S_SETTLE_RETRY_MS;
        return;
    }
    /* window entries past the last record found are missing records */
    while (ctx.stop == 0 && window_next(r->win, now, &seq)) {
        td_error("queued report #%" PRIu64 " is missing from the outbox", seq);
        ctx.stop = s_send_report(r, seq, NULL, 0, now);
    }
    if (ctx.stop == 1)
        r->blocked_until = now + S_BLOCKED_WAIT_MS;
}

static int s_load_visit(void *vctx, const outbox_record *rec)
{
    s_run *r = vctx;
    return window_push(r->win, rec->seq, rec->unit, rec->period) == TD_OK ? 0 : 1;
}

/* Pick up reports queued since the last look (submit runs in other processes). */
static void s_load(s_run *r)
{
    r->loaded_nothing = 0;
    size_t room = window_room(r->win);
    if (room == 0)
        return;
    size_t visited = 0;
    td_err e = outbox_scan(r->ob, window_next_load(r->win), room, s_load_visit, r, &visited, r->err,
                           sizeof r->err);
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
    if (st.queued == 0 && window_count(r->win) == 0 && st.next_seq > env.first_unsettled)
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
        window_rewind(r->win);
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
    uint64_t first = window_first_seq(r->win);
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

    window_settled settled;
    if (window_ack(r->win, seq, status, high_water, now, &settled, 1) == 1) {
        /* the reason in parts too, so the office reads it in its language */
        outbox_reason_parts parts = {ack->reason_format, (const char *const *) ack->reason_args,
                                     ack->n_reason_args};
        td_err e = settle_batch_add(r->batch, &settled, ack->reason, &parts);
        if (e == TD_ERR_NOMEM && settled.rejected) {
            /* TRANSLATORS: a rejection whose reason could not be kept */
            static const char lost[] = N_("rejected (reason lost: no memory)");
            outbox_reason_parts none = {lost, NULL, 0};
            e = settle_batch_add(r->batch, &settled, lost, &none);
        }
        if (e != TD_OK) {
            /* cannot happen (the batch holds a window); stop rather than lose an answer */
            td_error("cannot record the answer for report #%" PRIu64 ": %s", settled.seq,
                     td_strerror(e));
            r->fatal = e;
        }
    }
    if (window_in_flight(r->win) > 0)
        s_expect(r, now);
cleanup:
    td_ack_free(&ack);
}

static void s_receive(s_run *r, int64_t now)
{
    for (int i = 0; i < S_MAX_ACKS_PER_ROUND; i++) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, link_socket(r->link), ZMQ_DONTWAIT) < 0) {
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
                if (zmq_msg_recv(&msg, link_socket(r->link), ZMQ_DONTWAIT) < 0)
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
        if (settle_batch_count(r->batch) >= r->opts->window || r->fatal != TD_OK)
            return;
    }
}

static void s_log_progress(s_run *r, int64_t now, int force)
{
    if (r->log_delivered + r->log_rejected == 0)
        return;
    if (!force && now - r->log_last_at < S_PROGRESS_LOG_MS && window_count(r->win) > 0)
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

static void s_on_settled(void *ctx, const window_settled *s, const char *reason)
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

static void s_metrics_publish(s_run *r, int64_t now)
{
    if (r->opts->metrics == NULL || now - r->metrics_published_at < SENDER_METRICS_EVERY_MS)
        return;
    outbox_stats st;
    if (outbox_get_stats(r->ob, &st, r->err, sizeof r->err) != TD_OK)
        return; /* the previous snapshot stays */
    sender_metrics_snapshot snap = {
        .queue_depth = st.queued,
        .oldest_queued_at_ms = st.queued > 0 ? st.oldest_queued_at_ms : 0,
        .dead_letters = st.dead,
        .sent = r->sent_total,
        .resends = r->resends_total,
        .delivered = r->delivered_total,
        .rejected = r->rejected_total,
        .connected = link_connected(r->link),
        .last_answer_mono_ms = r->last_answer,
        .in_flight = window_in_flight(r->win),
    };
    if (td_metrics_publish(r->opts->metrics, &snap, sizeof snap) == TD_OK)
        r->metrics_published_at = now;
}

/* One outbox transaction for every ack of this round. */
static void s_commit(s_run *r, int64_t now)
{
    if (settle_batch_count(r->batch) == 0 || now < r->settle_retry_at)
        return;
    td_err e =
        settle_batch_commit(r->batch, r->ob, td_now_ms(), s_on_settled, r, r->err, sizeof r->err);
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
    deadline = s_min(deadline, window_deadline(r->win, now));
    if (window_room(r->win) > 0)
        deadline = s_min(deadline, now + S_LOAD_POLL_MS);
    if (settle_batch_count(r->batch) > 0)
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
    deadline = s_min(deadline, link_deadline(r->link));
    if (r->final_deadline > now)
        deadline = s_min(deadline, r->final_deadline);
    int64_t wait = deadline - now;
    if (wait < 0)
        wait = 0;
    return (int) wait;
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
    window_params params = {window, opts->resend_timeout_ms, opts->backoff_max_ms, S_RETRY_BASE_MS};
    result = window_create(&r->win, &params);
    if (result != TD_OK)
        goto cleanup;
    result = TD_ERR_NOMEM;
    r->frame = malloc(TD_MAX_FRAME);
    if (r->frame == NULL)
        goto cleanup;
    result = settle_batch_create(&r->batch, window);
    if (result != TD_OK)
        goto cleanup;
    link_options lo = {opts->endpoint,   opts->collector_public, opts->public_key,
                       opts->secret_key, opts->zmq_heartbeat_ms, opts->reconnect_max_ms};
    result = link_open(&r->link, &lo);
    if (result != TD_OK)
        goto cleanup;

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
        int pending = settle_batch_count(r->batch) > 0;
        int want_send = !pending && now >= r->blocked_until && window_next(r->win, now, &next_seq);
        zmq_pollitem_t items[2] = {
            {link_socket(r->link), 0, (short) (ZMQ_POLLIN | (want_send ? ZMQ_POLLOUT : 0)), 0},
            {link_monitor(r->link), 0, ZMQ_POLLIN, 0},
        };
        int rc =
            zmq_poll(items, items[1].socket != NULL ? 2 : 1, s_poll_timeout(r, now, want_send));
        if (rc < 0) {
            if (errno == EINTR)
                continue; /* the loop condition looks at *stop */
            td_error("poll failed: %s", zmq_strerror(errno));
            result = TD_ERR_ZMQ;
            break;
        }
        now = td_mono_ms();
        /* what was in flight on a lost connection, or on the socket a reopen replaces,
         * may be gone: resend it on the next one instead of waiting for the timeout */
        if (items[1].socket != NULL && (items[1].revents & ZMQ_POLLIN) &&
            (link_events(r->link, now) & LINK_LOST))
            window_rewind(r->win);
        int reopened = 0;
        result = link_maintain(r->link, now, &reopened);
        if (result != TD_OK)
            break;
        if (reopened) {
            window_rewind(r->win);
            continue;
        }
        if (!pending && (items[0].revents & ZMQ_POLLIN))
            s_receive(r, now);
        if (r->fatal == TD_OK)
            s_commit(r, now);
        pending = settle_batch_count(r->batch) > 0;
        if (!pending && r->fatal == TD_OK) {
            if (window_check_timeout(r->win, now))
                td_info("no ack for report #%" PRIu64 "; resending from it (next wait %" PRId64
                        " ms)",
                        window_first_seq(r->win), window_timeout(r->win));
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
        int empty = !pending && r->loaded_nothing && window_count(r->win) == 0;
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
        size_t unanswered = window_in_flight(r->win);
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
            zmq_pollitem_t item = {link_socket(r->link), 0, ZMQ_POLLIN, 0};
            if (zmq_poll(&item, 1, (long) (until - now_ms)) <= 0)
                break;
            s_receive(r, td_mono_ms());
        }
    }
    /* acks received but not yet written: one last try, so fewer duplicates next time */
    s_commit(r, INT64_MAX);
    s_log_progress(r, td_mono_ms(), 1);

cleanup:
    settle_batch_destroy(&r->batch);
    link_close(&r->link);
    window_destroy(&r->win);
    free(r->frame);
    return result;
}
