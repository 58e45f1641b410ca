/* sender.h: `tiendo-agent run`: sends the outbox to the collector (go-back-N window, acks). */
#ifndef TIENDO_AGENT_SENDER_H
#define TIENDO_AGENT_SENDER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "metrics.h"
#include "outbox.h"
#include "tiendo.pb-c.h"

/* ---- the sender loop ---- */

typedef struct {
    const char *endpoint;         /* e.g. tcp://collector.example.vn:7420 */
    const char *collector_public; /* Z85, 40 characters */
    const char *public_key;       /* our key pair, Z85 */
    const char *secret_key;
    size_t window;             /* envelopes in flight, 1..10000 */
    int64_t resend_timeout_ms; /* first resend after this long without an ack */
    int64_t backoff_max_ms;    /* resend and retry-later waits double up to this */
    int64_t heartbeat_ms;      /* heartbeat envelope interval */
    int zmq_heartbeat_ms;      /* ZMTP heartbeat interval; timeout and TTL are 3x */
    int reconnect_max_ms;      /* ZMQ_RECONNECT_IVL_MAX */
    int exit_when_empty;       /* return once the outbox is empty and nothing is in flight */
    td_metrics_t *metrics;     /* borrowed; NULL: none. Opened with sender_metrics_render */
} sender_options;

/* Renders the snapshots sender_run publishes to opts->metrics (at most every 100 ms):
 * tiendo_agent_* metrics (docs/operations.md, "Metrics"). ctx is unused. */
void sender_metrics_render(void *ctx, const void *snapshot, size_t len, td_metrics_text *out);

/* Run the sender until *stop becomes non-zero (a signal handler sets it) or, with
 * exit_when_empty, until the outbox is empty. Makes its own ZeroMQ context and DEALER
 * socket. Returns TD_OK on a clean stop; an error only for what it cannot work around
 * (bad keys, bad endpoint, outbox failures). A collector that is down is not an error:
 * reports stay queued and the loop keeps trying. Single-threaded. */
td_err sender_run(outbox_t *ob, const sender_options *opts, volatile sig_atomic_t *stop);

/* The largest packed size an Envelope carrying report can have (worst-case epoch, seq
 * and time fields). `submit` refuses reports whose bound exceeds TD_MAX_FRAME. */
size_t sender_envelope_bound(const Tiendo__Report *report);

/* ---- the window: pure go-back-N bookkeeping, no I/O (exposed for unit tests) ----
 *
 * The window holds up to `capacity` queued reports loaded from the outbox, in seq order
 * (a ring of slots). A pass sends them in order; the send cursor marks how far the
 * current pass got. Times are monotonic milliseconds supplied by the caller.
 *
 * Rules:
 *  - an ack settles exactly its own seq, never another: OK or DUPLICATE -> delivered,
 *    REJECTED -> rejected (a dead letter). Nothing is inferred from a later ack: if the
 *    REJECTED ack of an earlier seq was lost (e.g. dropped by the collector at its send
 *    high-water mark), that seq stays unsettled until a resend brings its own answer
 *    back (the collector keeps rejection reasons and answers REJECTED again, or
 *    DUPLICATE);
 *  - a settled slot keeps its place until every older slot is settled: the oldest slot
 *    (the head) leaves the window while it is settled, so the head is always unsettled;
 *  - a second ack for a settled seq (duplicated acks, a late ack of an earlier pass)
 *    settles nothing; the first answer stands;
 *  - an ack's high_water settles nothing (a report at or below it may have been
 *    rejected: resending it brings back REJECTED with the reason, or DUPLICATE); a
 *    heartbeat ack (seq 0) settles nothing;
 *  - a RETRY_LATER ack for an unsettled seq of the current pass goes back to the head and
 *    holds sending for the retry backoff (from retry_base_ms, doubling up to
 *    backoff_max_ms); later RETRY_LATER acks for envelopes of the abandoned pass are
 *    ignored because nothing is in flight during the hold;
 *  - the head's timer starts when it is sent in a pass, and restarts when the head
 *    leaves (the next slot becomes the head). When it has run for `timeout`
 *    (resend_timeout_ms, doubling on each expiry up to backoff_max_ms) sending goes back
 *    to the head. Acks of later seqs do not restart it: they show the head's own ack was
 *    lost, and only a resend of the head brings it back;
 *  - a pass skips settled slots: only unsettled reports are (re)sent;
 *  - any settlement is progress: the timeout and the retry backoff return to their base. */

typedef struct sender_window sender_window_t;

typedef struct {
    size_t capacity;
    int64_t resend_timeout_ms;
    int64_t backoff_max_ms;
    int64_t retry_base_ms;
} sender_window_params;

#define SENDER_LABEL_MAX 24

typedef struct {
    uint64_t seq;
    int rejected; /* 0: delivered (OK or DUPLICATE); 1: REJECTED */
    char unit[SENDER_LABEL_MAX];
    char period[SENDER_LABEL_MAX];
} sender_settled;

td_err sender_window_create(sender_window_t **out, const sender_window_params *params);
void sender_window_destroy(sender_window_t **w);

/* Slots in the window: unsettled ones and settled ones behind an unsettled head. 0 means
 * every loaded report has been answered. */
size_t sender_window_count(const sender_window_t *w);
size_t sender_window_unsettled(const sender_window_t *w);   /* loaded, no answer yet */
size_t sender_window_in_flight(const sender_window_t *w);   /* sent in this pass, no answer */
size_t sender_window_room(const sender_window_t *w);        /* how many more may be loaded */
uint64_t sender_window_next_load(const sender_window_t *w); /* scan the outbox from here */
uint64_t sender_window_first_seq(const sender_window_t *w); /* the head; 0 when empty */
int64_t sender_window_timeout(const sender_window_t *w);    /* current resend timeout */

/* Append a report loaded from the outbox. seq must be above every seq loaded before.
 * TD_ERR_INVALID otherwise, TD_ERR_TOOBIG when the window is full. */
td_err sender_window_push(sender_window_t *w, uint64_t seq, const char *unit, const char *period);

/* Returns 1 and the seq to send next when one may be sent at `now`, else 0. Settled
 * slots are skipped. */
int sender_window_next(const sender_window_t *w, int64_t now, uint64_t *seq);
/* The report returned by sender_window_next was handed to the socket. */
void sender_window_sent(sender_window_t *w, int64_t now);

/* Apply one ack (high_water is accepted for the record; see the rules above). Writes the
 * report it settles to out (at most one: its own seq; cap >= 1) and returns how many (0
 * or 1). */
size_t sender_window_ack(sender_window_t *w, uint64_t seq, Tiendo__AckStatus status,
                         uint64_t high_water, int64_t now, sender_settled *out, size_t cap);

/* If the head is in flight and its timer has run out at `now`, go back to it (the next
 * pass resends every unsettled slot from the head on), double the timeout and return 1;
 * else 0. */
int sender_window_check_timeout(sender_window_t *w, int64_t now);

/* The earliest time after `now` the window needs attention (resend timeout, or the end
 * of a hold that has not passed yet); INT64_MAX when none. */
int64_t sender_window_deadline(const sender_window_t *w, int64_t now);

/* Go back to the oldest unsettled report now (e.g. after a reconnect), without a hold. */
void sender_window_rewind(sender_window_t *w);

/* ---- the settlement batch: the answers of one loop round, written in ONE outbox
 * transaction ----
 *
 * The loop adds each report an ack settles (sender_window_ack) and, once per round,
 * writes them all with one outbox_settle: delivered reports leave the outbox, rejected
 * ones become dead letters with the collector's reason. If the write fails the batch
 * keeps everything and the next commit tries again. Not thread-safe. */

typedef struct sender_batch sender_batch_t;

/* A batch for up to capacity settlements (the window's capacity: each slot settles
 * once, and the loop commits before it loads more). */
td_err sender_batch_create(sender_batch_t **out, size_t capacity);
void sender_batch_destroy(sender_batch_t **b); /* accepts NULL; NULLs *b */

size_t sender_batch_count(const sender_batch_t *b);

/* Record one settlement. reason: the collector's reason for a rejection (copied; NULL
 * or "" becomes "rejected without a reason"); ignored for a delivery. TD_ERR_TOOBIG
 * when the batch is full, TD_ERR_NOMEM. */
td_err sender_batch_add(sender_batch_t *b, const sender_settled *s, const char *reason);

/* Called after a successful commit for each settlement of the batch, rejections first
 * (reason is NULL for a delivery). */
typedef void (*sender_settled_fn)(void *ctx, const sender_settled *s, const char *reason);

/* Write every recorded settlement in ONE outbox transaction (outbox_settle, rejections
 * stamped rejected_at_ms), then call fn (may be NULL) for each and empty the batch. An
 * empty batch writes nothing. On error the batch is kept for the next try and err says
 * why. */
td_err sender_batch_commit(sender_batch_t *b, outbox_t *ob, int64_t rejected_at_ms,
                           sender_settled_fn fn, void *ctx, char *err, size_t errlen);

#endif
