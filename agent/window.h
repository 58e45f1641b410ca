/* window.h: the sender's go-back-N window: which queued reports to send, resend or settle. */
#ifndef TIENDO_AGENT_WINDOW_H
#define TIENDO_AGENT_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "tiendo.pb-c.h"

/* Pure bookkeeping: no I/O, no clock (times are monotonic milliseconds supplied by the
 * caller), no logging. A window_t is not thread-safe; the functions keep no other state.
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

typedef struct window window_t;

typedef struct {
    size_t capacity;           /* slots, >= 1 */
    int64_t resend_timeout_ms; /* > 0 */
    int64_t backoff_max_ms;    /* > 0; raised to resend_timeout_ms when below it */
    int64_t retry_base_ms;     /* > 0 */
} window_params;

#define WINDOW_LABEL_MAX 24

/* A report an ack settled, as window_ack reports it (the labels are copies, cut to
 * WINDOW_LABEL_MAX - 1 bytes). */
typedef struct {
    uint64_t seq;
    int rejected; /* 0: delivered (OK or DUPLICATE); 1: REJECTED */
    char unit[WINDOW_LABEL_MAX];
    char period[WINDOW_LABEL_MAX];
} window_settled;

/* A new, empty window in *out (owned: window_destroy). TD_ERR_INVALID for a zero capacity
 * or a time that is not positive, TD_ERR_NOMEM; *out is NULL on error. */
td_err window_create(window_t **out, const window_params *params);
/* Frees the window and NULLs *w; accepts NULL and *w == NULL. */
void window_destroy(window_t **w);

/* Slots in the window: unsettled ones and settled ones behind an unsettled head. 0 means
 * every loaded report has been answered. */
size_t window_count(const window_t *w);
size_t window_unsettled(const window_t *w);   /* loaded, no answer yet */
size_t window_in_flight(const window_t *w);   /* sent in this pass, no answer */
size_t window_room(const window_t *w);        /* how many more may be loaded */
uint64_t window_next_load(const window_t *w); /* scan the outbox from here */
uint64_t window_first_seq(const window_t *w); /* the head; 0 when empty */
int64_t window_timeout(const window_t *w);    /* current resend timeout */

/* Append a report loaded from the outbox (unit and period are copied). seq must be above
 * every seq loaded before: TD_ERR_INVALID otherwise, TD_ERR_TOOBIG when the window is
 * full; nothing changes on error. */
td_err window_push(window_t *w, uint64_t seq, const char *unit, const char *period);

/* Returns 1 and the seq to send next when one may be sent at `now`, else 0. Settled
 * slots are skipped. */
int window_next(const window_t *w, int64_t now, uint64_t *seq);
/* The report returned by window_next was handed to the socket. */
void window_sent(window_t *w, int64_t now);

/* Apply one ack (high_water is accepted for the record; see the rules above). Writes the
 * report it settles to out (at most one: its own seq; cap >= 1) and returns how many (0
 * or 1). */
size_t window_ack(window_t *w, uint64_t seq, Tiendo__AckStatus status, uint64_t high_water,
                  int64_t now, window_settled *out, size_t cap);

/* If the head is in flight and its timer has run out at `now`, go back to it (the next
 * pass resends every unsettled slot from the head on), double the timeout and return 1;
 * else 0. */
int window_check_timeout(window_t *w, int64_t now);

/* The earliest time after `now` the window needs attention (resend timeout, or the end
 * of a hold that has not passed yet); INT64_MAX when none. */
int64_t window_deadline(const window_t *w, int64_t now);

/* Go back to the oldest unsettled report now (e.g. after a reconnect), without a hold. */
void window_rewind(window_t *w);

#endif
