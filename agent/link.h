/* link.h: the sender's connection to the collector: CURVE DEALER, connection events, warnings. */
#ifndef TIENDO_AGENT_LINK_H
#define TIENDO_AGENT_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* A link owns its ZeroMQ context, its DEALER socket (ZMQ_IMMEDIATE, DONTWAIT sends, ZMTP
 * heartbeats, reconnect backoff, LINGER 0) and a monitor of the socket's connection
 * events. It turns those events into what the operator needs to know (docs/agent.md,
 * "run (log lines)"):
 *  - the collector refused this office's key (ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: ZAP
 *    answered 300, 400 or 500): a warning at once, at most once a minute;
 *  - the handshake broke on a protocol error (ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, a
 *    ZMQ_PROTOCOL_ERROR_* value: the peer is not a CURVE server, or the keys do not
 *    match): a warning at once, at most once a minute;
 *  - the connection closed before the handshake completed
 *    (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, an errno: "Broken pipe", "Connection reset by
 *    peer", or a handshake timeout). That is what a collector restart, a collector killed
 *    while it hung, or a proxy in front of a stopped collector look like, and ALSO what
 *    a wrong --collector-public-key looks like (libzmq's CURVE server closes the
 *    connection without an answer when it cannot open our HELLO). So one such failure
 *    says nothing; the warning naming the collector's key comes only when connections
 *    have kept closing quickly (within LINK_QUICK_CLOSE_MS of being made, at least
 *    LINK_SUSPECT_CLOSES times) for LINK_SUSPECT_MS without one handshake succeeding,
 *    and then at most once a minute while it lasts;
 *  - an established connection lost (ZMQ_EVENT_DISCONNECTED after a handshake): debug
 *    only, and link_events tells the caller to resend what was in flight.
 * libzmq 4.3.4 does not reconnect after a refused handshake (AUTH or PROTOCOL): the link
 * makes a new socket after a backoff (1 s doubling up to reconnect_max_ms, back to 1 s
 * after a handshake succeeds), so a key enrolled later is enough. It reconnects by
 * itself after the other failures.
 *
 * A link is used by one thread (ZeroMQ sockets are not thread-safe). */

#define LINK_QUICK_CLOSE_MS 2000  /* a close this soon after connecting counts as quick */
#define LINK_SUSPECT_CLOSES 3     /* quick closes in a row before the key is suspected ... */
#define LINK_SUSPECT_MS     60000 /* ... lasting this long without a handshake succeeding */
#define LINK_WARN_EVERY_MS  60000 /* each handshake warning at most once a minute */

typedef struct {
    const char *endpoint;         /* e.g. tcp://collector.example.vn:7420 */
    const char *collector_public; /* Z85, 40 characters */
    const char *public_key;       /* this office's key pair, Z85 */
    const char *secret_key;
    int zmq_heartbeat_ms; /* ZMTP heartbeat interval; timeout and TTL are 3x; 0: none */
    int reconnect_max_ms; /* ZMQ_RECONNECT_IVL_MAX and the longest reopen backoff */
} link_options;

typedef struct link link_t;

/* Make the context, the socket and its monitor, and connect to opts->endpoint. The
 * strings of opts are borrowed and must outlive the link. Returns TD_ERR_ZMQ when a
 * socket or option cannot be made (bad keys included), TD_ERR_CONFIG when the endpoint
 * is malformed, TD_ERR_NOMEM; the reason is logged. *out (owned: link_close) is NULL on
 * error. A collector that is down is not an error: the socket keeps reconnecting. */
td_err link_open(link_t **out, const link_options *opts);

/* Close the socket and the monitor, terminate the context, NULL *l; accepts NULL. */
void link_close(link_t **l);

/* The DEALER socket (borrowed; it changes when the link reopens it), to poll and receive. */
void *link_socket(const link_t *l);
/* The monitor socket to poll for ZMQ_POLLIN, or NULL when events are unavailable. */
void *link_monitor(const link_t *l);

/* Send one frame without waiting: 0 sent, 1 the socket cannot take it now (not connected,
 * or at its high-water mark), -1 a socket error (logged). */
int link_send(link_t *l, const void *frame, size_t len);

/* 1 while a handshake has succeeded and the connection has not been lost since. */
int link_connected(const link_t *l);

#define LINK_LOST 1 /* link_events: an established connection was lost */

/* Read the pending connection events at now (monotonic ms), log and warn as above, and
 * plan a reopen after a refused handshake. Returns LINK_LOST when an established
 * connection was lost (what was sent on it may be gone), else 0. */
int link_events(link_t *l, int64_t now);

/* The planned reopen time, or INT64_MAX when none is planned. */
int64_t link_deadline(const link_t *l);

/* When the planned reopen is due at now, close the socket and make a new one (*reopened =
 * 1: the caller resends what was in flight); else nothing (*reopened = 0). An error is
 * one of link_open's. */
td_err link_maintain(link_t *l, int64_t now, int *reopened);

/* ---- the handshake judgement, pure (exposed for unit tests) ---- */

typedef enum {
    LINK_SAY_NOTHING,
    LINK_SAY_REFUSED,       /* the collector refused this office's key */
    LINK_SAY_PROTOCOL,      /* the handshake broke on a protocol error */
    LINK_SAY_KEEPS_CLOSING, /* connections keep closing during the handshake */
} link_say;

/* What the judgement remembers; zero it to start. */
typedef struct {
    int64_t connected_at;  /* the current attempt's ZMQ_EVENT_CONNECTED, 0: none */
    int64_t failing_since; /* the first handshake failure since the last success, 0: none */
    unsigned failures;     /* handshake failures since then */
    unsigned quick_closes; /* quick closes in a row (a slow failure restarts the count) */
    int64_t said_at[4];    /* per link_say: when it was last said, 0: never */
} link_handshake;

/* Take one monitor event (ZMQ_EVENT_*, its value) at now (monotonic ms, > 0) and say which
 * warning, if any, is due now by the rules above. Pure; thread-safe per state. */
link_say link_handshake_note(link_handshake *h, uint16_t event, uint32_t value, int64_t now);

#endif
