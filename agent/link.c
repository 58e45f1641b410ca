/* link.c: the sender's DEALER socket, its monitor and the handshake warnings (see link.h). */
#include "link.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "codec.h"
#include "keys.h"
#include "log.h"

#define S_MONITOR_EVENTS                                                                           \
    (ZMQ_EVENT_CONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED |                \
     ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |                       \
     ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
#define S_REOPEN_FIRST_MS   1000
#define S_REOPEN_DEFAULT_MS 30000
#define S_EVENTS_PER_CALL   64

struct link {
    link_options opts;
    void *ctx, *sock, *monitor;
    unsigned monitor_generation;
    int connected;
    link_handshake handshake;
    int64_t reopen_at;         /* 0 = not planned */
    int64_t reopen_backoff_ms; /* the last delay; doubles up to reconnect_max_ms */
};

/* ---- the judgement ---- */

static int s_due(link_handshake *h, link_say say, int64_t now)
{
    if (h->said_at[say] != 0 && now - h->said_at[say] < LINK_WARN_EVERY_MS)
        return 0;
    h->said_at[say] = now;
    return 1;
}

link_say link_handshake_note(link_handshake *h, uint16_t event, uint32_t value, int64_t now)
{
    (void) value;
    switch (event) {
    case ZMQ_EVENT_CONNECTED:
        h->connected_at = now;
        return LINK_SAY_NOTHING;
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
        /* the warnings keep their once-a-minute limit: a link that flaps does not repeat
         * them every time it comes back */
        h->connected_at = 0;
        h->failing_since = 0;
        h->failures = 0;
        h->quick_closes = 0;
        return LINK_SAY_NOTHING;
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        h->connected_at = 0;
        return s_due(h, LINK_SAY_REFUSED, now) ? LINK_SAY_REFUSED : LINK_SAY_NOTHING;
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        h->connected_at = 0;
        return s_due(h, LINK_SAY_PROTOCOL, now) ? LINK_SAY_PROTOCOL : LINK_SAY_NOTHING;
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: {
        /* a reset or a close before the handshake completed: a restart, a proxy without
         * its collector, or a CURVE server that cannot open our HELLO (wrong key) */
        int quick = h->connected_at != 0 && now - h->connected_at <= LINK_QUICK_CLOSE_MS;
        h->connected_at = 0;
        if (h->failing_since == 0)
            h->failing_since = now;
        h->failures++;
        h->quick_closes = quick ? h->quick_closes + 1 : 0;
        if (h->quick_closes >= LINK_SUSPECT_CLOSES && now - h->failing_since >= LINK_SUSPECT_MS &&
            s_due(h, LINK_SAY_KEEPS_CLOSING, now))
            return LINK_SAY_KEEPS_CLOSING;
        return LINK_SAY_NOTHING;
    }
    default:
        return LINK_SAY_NOTHING;
    }
}

/* ---- the socket ---- */

/* Watch the socket's connection events. Optional: without it only the silence warning
 * tells the operator something is wrong. */
static void s_monitor_setup(link_t *l)
{
    char addr[64];
    snprintf(addr, sizeof addr, "inproc://tiendo-agent-monitor-%p-%u", (void *) l,
             l->monitor_generation++);
    if (zmq_socket_monitor(l->sock, addr, S_MONITOR_EVENTS) != 0)
        return;
    l->monitor = zmq_socket(l->ctx, ZMQ_PAIR);
    int zero = 0;
    if (l->monitor == NULL || zmq_setsockopt(l->monitor, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_connect(l->monitor, addr) != 0) {
        td_debug("connection events unavailable: %s", zmq_strerror(errno));
        if (l->monitor != NULL)
            zmq_close(l->monitor);
        l->monitor = NULL;
        zmq_socket_monitor(l->sock, NULL, 0);
    }
}

/* Make the DEALER socket (and its monitor) in l->ctx and connect it. */
static td_err s_socket_open(link_t *l)
{
    const link_options *o = &l->opts;
    l->sock = zmq_socket(l->ctx, ZMQ_DEALER);
    if (l->sock == NULL) {
        td_error("cannot set up the socket: %s", zmq_strerror(errno));
        return TD_ERR_ZMQ;
    }
    td_err e = td_socket_basics(l->sock, o->zmq_heartbeat_ms, 3 * o->zmq_heartbeat_ms,
                                3 * o->zmq_heartbeat_ms);
    if (e == TD_OK)
        e = td_socket_curve_client(l->sock, o->collector_public, o->public_key, o->secret_key);
    int one = 1, ivl = 100, ivl_max = o->reconnect_max_ms, hwm = 1000;
    int64_t maxmsg = TD_MAX_WIRE_FRAME;
    if (e == TD_OK &&
        (zmq_setsockopt(l->sock, ZMQ_IMMEDIATE, &one, sizeof one) != 0 ||
         zmq_setsockopt(l->sock, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl) != 0 ||
         zmq_setsockopt(l->sock, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof ivl_max) != 0 ||
         zmq_setsockopt(l->sock, ZMQ_SNDHWM, &hwm, sizeof hwm) != 0 ||
         zmq_setsockopt(l->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) != 0))
        e = TD_ERR_ZMQ;
    if (e != TD_OK) {
        if (e == TD_ERR_ZMQ)
            td_error("cannot set up the socket: %s", zmq_strerror(errno));
        return e;
    }
    s_monitor_setup(l);
    if (zmq_connect(l->sock, o->endpoint) != 0) {
        td_error("cannot connect to %s: %s", o->endpoint, zmq_strerror(errno));
        return TD_ERR_CONFIG;
    }
    return TD_OK;
}

static void s_socket_close(link_t *l)
{
    if (l->monitor != NULL && l->sock != NULL)
        zmq_socket_monitor(l->sock, NULL, 0);
    if (l->monitor != NULL)
        zmq_close(l->monitor);
    l->monitor = NULL;
    if (l->sock != NULL)
        zmq_close(l->sock);
    l->sock = NULL;
}

td_err link_open(link_t **out, const link_options *opts)
{
    *out = NULL;
    link_t *l = calloc(1, sizeof *l);
    if (l == NULL)
        return TD_ERR_NOMEM;
    l->opts = *opts;
    l->ctx = zmq_ctx_new();
    if (l->ctx == NULL) {
        td_error("cannot set up ZeroMQ: %s", zmq_strerror(errno));
        free(l);
        return TD_ERR_ZMQ;
    }
    td_err e = s_socket_open(l);
    if (e != TD_OK) {
        link_close(&l);
        return e;
    }
    *out = l;
    return TD_OK;
}

void link_close(link_t **l)
{
    if (l == NULL || *l == NULL)
        return;
    s_socket_close(*l);
    if ((*l)->ctx != NULL)
        zmq_ctx_term((*l)->ctx);
    free(*l);
    *l = NULL;
}

void *link_socket(const link_t *l)
{
    return l->sock;
}

void *link_monitor(const link_t *l)
{
    return l->monitor;
}

int link_connected(const link_t *l)
{
    return l->connected;
}

int link_send(link_t *l, const void *frame, size_t len)
{
    if (zmq_send(l->sock, frame, len, ZMQ_DONTWAIT) >= 0)
        return 0;
    if (errno == EAGAIN || errno == EINTR)
        return 1;
    td_error("cannot send to %s: %s", l->opts.endpoint, zmq_strerror(errno));
    return -1;
}

/* ---- events ---- */

static const char *s_protocol_error_text(uint32_t value)
{
    switch (value) {
    case ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH:
        return "the peer does not speak CURVE";
    case ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC:
        return "cryptographic error";
    case ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE:
        return "key exchange failed";
    default:
        return value >= ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED &&
                       value < ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED
                   ? "the collector's key check failed"
                   : "protocol error";
    }
}

static void s_say(link_t *l, link_say say, uint32_t value, int64_t now)
{
    const link_handshake *h = &l->handshake;
    switch (say) {
    case LINK_SAY_REFUSED:
        td_warn("the collector refused this office's key (status %u): ask its operator to "
                "enrol public key %s",
                (unsigned) value, l->opts.public_key);
        break;
    case LINK_SAY_PROTOCOL:
        td_warn("secure handshake with the collector at %s failed (%s, 0x%08x): check that "
                "--collector-public-key is the collector's current public key and --collector "
                "its agent endpoint",
                l->opts.endpoint, s_protocol_error_text(value), (unsigned) value);
        break;
    case LINK_SAY_KEEPS_CLOSING:
        td_warn("secure handshake with the collector at %s failed %u times in %" PRId64
                " s: the connection closes before it completes (last: %s). Check that "
                "--collector-public-key is the collector's current public key; if it is, the "
                "collector (or a proxy in front of it) is not accepting connections",
                l->opts.endpoint, h->failures, (now - h->failing_since + 999) / 1000,
                zmq_strerror((int) value));
        break;
    case LINK_SAY_NOTHING:
        break;
    }
}

static void s_plan_reopen(link_t *l, int64_t now)
{
    if (l->reopen_at != 0)
        return;
    int64_t max = l->opts.reconnect_max_ms > 0 ? l->opts.reconnect_max_ms : S_REOPEN_DEFAULT_MS;
    l->reopen_backoff_ms = l->reopen_backoff_ms == 0 ? S_REOPEN_FIRST_MS : l->reopen_backoff_ms * 2;
    if (l->reopen_backoff_ms > max)
        l->reopen_backoff_ms = max;
    l->reopen_at = now + l->reopen_backoff_ms;
}

/* One event: frame 1 is u16 event + u32 value (native byte order), frame 2 the endpoint.
 * Returns 0 when none is waiting. */
static int s_next_event(link_t *l, uint16_t *event, uint32_t *value)
{
    zmq_msg_t frame;
    zmq_msg_init(&frame);
    if (zmq_msg_recv(&frame, l->monitor, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&frame);
        return 0;
    }
    *event = 0;
    *value = 0;
    if (zmq_msg_size(&frame) >= 6) {
        memcpy(event, zmq_msg_data(&frame), 2);
        memcpy(value, (const uint8_t *) zmq_msg_data(&frame) + 2, 4);
    }
    int more = zmq_msg_more(&frame);
    zmq_msg_close(&frame);
    while (more) {
        zmq_msg_init(&frame);
        if (zmq_msg_recv(&frame, l->monitor, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&frame);
            break;
        }
        more = zmq_msg_more(&frame);
        zmq_msg_close(&frame);
    }
    return 1;
}

int link_events(link_t *l, int64_t now)
{
    int flags = 0;
    uint16_t event;
    uint32_t value;
    for (int i = 0; l->monitor != NULL && i < S_EVENTS_PER_CALL && s_next_event(l, &event, &value);
         i++) {
        s_say(l, link_handshake_note(&l->handshake, event, value, now), value, now);
        switch (event) {
        case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
            td_debug("connected to %s", l->opts.endpoint);
            l->connected = 1;
            l->reopen_backoff_ms = 0;
            break;
        case ZMQ_EVENT_DISCONNECTED:
            if (l->connected) {
                td_debug("connection to %s lost", l->opts.endpoint);
                flags |= LINK_LOST;
            }
            l->connected = 0;
            break;
        case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
            /* libzmq reconnects by itself */
            td_debug("secure handshake with %s did not complete: %s", l->opts.endpoint,
                     zmq_strerror((int) value));
            break;
        case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
            /* libzmq gives up on this connection: a new socket after a backoff */
            td_debug("secure handshake with %s refused (event 0x%04x, value %u)", l->opts.endpoint,
                     (unsigned) event, (unsigned) value);
            s_plan_reopen(l, now);
            break;
        default:
            break;
        }
    }
    return flags;
}

int64_t link_deadline(const link_t *l)
{
    return l->reopen_at != 0 ? l->reopen_at : INT64_MAX;
}

td_err link_maintain(link_t *l, int64_t now, int *reopened)
{
    *reopened = 0;
    if (l->reopen_at == 0 || now < l->reopen_at)
        return TD_OK;
    td_info("connecting to %s again with a new socket (the last handshake was refused)",
            l->opts.endpoint);
    s_socket_close(l);
    l->connected = 0;
    l->reopen_at = 0;
    *reopened = 1;
    return s_socket_open(l);
}
