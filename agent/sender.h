/* sender.h: `tiendo-agent run`: the loop that delivers the outbox to the collector. */
#ifndef TIENDO_AGENT_SENDER_H
#define TIENDO_AGENT_SENDER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "metrics.h"
#include "outbox.h"
#include "tiendo.pb-c.h"

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
    td_metrics_t *metrics;     /* borrowed; NULL: none. Opened with sender_metrics_render
                                  (sender_metrics.h) */
} sender_options;

/* The loop puts the parts together: window.h decides what to send and what an ack
 * settles, settle.h writes a round's answers in one outbox transaction, link.h owns the
 * socket and explains its connection events, sender_metrics.h is what it publishes. */

/* Run the sender until *stop becomes non-zero (a signal handler sets it) or, with
 * exit_when_empty, until the outbox is empty. ob and opts are borrowed for the call. Makes
 * its own ZeroMQ context and DEALER socket (link.h). Returns TD_OK on a clean stop; an
 * error only for what it cannot work around: TD_ERR_INVALID (window 0), TD_ERR_NOMEM,
 * TD_ERR_ZMQ (bad keys, a socket that fails), TD_ERR_CONFIG (a malformed endpoint). A
 * collector that is down is not an error, nor is a failing outbox write (retried every
 * second): reports stay queued and the loop keeps trying. Single-threaded: call it from
 * one thread, with no other outbox_t user in that thread meanwhile. */
td_err sender_run(outbox_t *ob, const sender_options *opts, volatile sig_atomic_t *stop);

/* The largest packed size an Envelope carrying report can have (worst-case epoch, seq
 * and time fields). `submit` refuses reports whose bound exceeds TD_MAX_FRAME. Pure. */
size_t sender_envelope_bound(const Tiendo__Report *report);

#endif
