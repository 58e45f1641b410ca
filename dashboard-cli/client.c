/* client.c: asks the collector's query socket one question over CURVE and decodes the answer. */
#include "client.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "clock.h"
#include "codec.h"
#include "i18n.h"
#include "log.h"

/* Read the monitor's pending events; returns the ZMQ_EVENT_HANDSHAKE_FAILED_* event seen
 * (0 when none), so a refused key is told apart from a collector that is away. */
static int s_handshake_failure(void *monitor)
{
    int failed = 0;
    for (;;) {
        zmq_msg_t frame;
        zmq_msg_init(&frame);
        if (zmq_msg_recv(&frame, monitor, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&frame);
            return failed;
        }
        uint16_t event = 0;
        if (zmq_msg_size(&frame) >= 2)
            memcpy(&event, zmq_msg_data(&frame), 2); /* u16 event, native byte order */
        int more = zmq_msg_more(&frame);
        zmq_msg_close(&frame);
        while (more) { /* the endpoint frame */
            zmq_msg_init(&frame);
            if (zmq_msg_recv(&frame, monitor, ZMQ_DONTWAIT) < 0)
                more = 0;
            else
                more = zmq_msg_more(&frame);
            zmq_msg_close(&frame);
        }
        if (event != 0 && failed != ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
            failed = event;
    }
}

#define S_MONITOR_EVENTS                                                                           \
    (ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |                       \
     ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)

td_err client_query(const client_params *p, const Tiendo__QueryRequest *req,
                    Tiendo__QueryResponse **out, char *err, size_t errlen)
{
    uint8_t frame[1024]; /* a question is a version, a dataset and a period: a few bytes */
    void *ctx = NULL, *sock = NULL, *monitor = NULL;
    int64_t max_size = (int64_t) TD_MAX_QUERY_FRAME + TD_CURVE_OVERHEAD, deadline;
    size_t len = 0;
    zmq_msg_t msg;
    int msg_open = 0;
    td_err rc;

    *out = NULL;
    rc = td_message_encode(&req->base, frame, sizeof frame, &len);
    if (rc != TD_OK) {
        td_msg(err, errlen, "cannot encode the question: %s", _(td_strerror(rc)));
        goto cleanup;
    }
    ctx = zmq_ctx_new();
    if (ctx == NULL) {
        td_msg(err, errlen, "cannot start ZeroMQ: %s", zmq_strerror(zmq_errno()));
        rc = TD_ERR_ZMQ;
        goto cleanup;
    }
    sock = zmq_socket(ctx, ZMQ_REQ);
    if (sock == NULL) {
        td_msg(err, errlen, "cannot make a socket: %s", zmq_strerror(zmq_errno()));
        rc = TD_ERR_ZMQ;
        goto cleanup;
    }
    /* LINGER 0: an unanswered question must not keep zmq_ctx_term waiting. MAXMSGSIZE: a
     * broken or hostile peer cannot make us buffer more than the largest real answer. */
    if (td_socket_basics(sock, 0, 0, 0) != TD_OK ||
        td_socket_curve_client(sock, p->server_public, p->public_key, p->secret) != TD_OK ||
        zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &max_size, sizeof max_size) != 0) {
        td_msg(err, errlen, "cannot set up the socket: %s", zmq_strerror(zmq_errno()));
        rc = TD_ERR_ZMQ;
        goto cleanup;
    }
    /* A monitor tells a refused key (ZAP said no) from a collector that does not answer. */
    monitor = zmq_socket(ctx, ZMQ_PAIR);
    if (monitor == NULL ||
        zmq_socket_monitor(sock, "inproc://tiendo-cli-monitor", S_MONITOR_EVENTS) != 0 ||
        zmq_setsockopt(monitor, ZMQ_LINGER, &(int){0}, sizeof(int)) != 0 ||
        zmq_connect(monitor, "inproc://tiendo-cli-monitor") != 0) {
        td_msg(err, errlen, "cannot watch the connection: %s", zmq_strerror(zmq_errno()));
        rc = TD_ERR_ZMQ;
        goto cleanup;
    }
    if (zmq_connect(sock, p->endpoint) != 0) {
        int e = zmq_errno();
        td_msg(err, errlen, "cannot use the query endpoint '%s': %s", p->endpoint, zmq_strerror(e));
        rc =
            e == EINVAL || e == EPROTONOSUPPORT || e == ENOCOMPATPROTO ? TD_ERR_CONFIG : TD_ERR_ZMQ;
        goto cleanup;
    }
    td_debug("asking %s (%zu bytes)", p->endpoint, len);
    /* With ZMQ_IMMEDIATE off (the default) REQ queues the question on the connecting pipe,
     * so this does not block while the collector is away; the poll below times out. */
    if (zmq_send(sock, frame, len, ZMQ_DONTWAIT) < 0) {
        int e = zmq_errno();
        if (e == EAGAIN) {
            rc = TD_ERR_TIMEOUT;
            goto cleanup;
        }
        td_msg(err, errlen, "cannot send the question: %s", zmq_strerror(e));
        rc = TD_ERR_ZMQ;
        goto cleanup;
    }

    deadline = td_mono_ms() + p->timeout_ms;
    for (;;) {
        zmq_pollitem_t items[] = {{sock, 0, ZMQ_POLLIN, 0}, {monitor, 0, ZMQ_POLLIN, 0}};
        int64_t left = deadline - td_mono_ms();
        int n;
        if (left <= 0) {
            rc = TD_ERR_TIMEOUT;
            goto cleanup;
        }
        n = zmq_poll(items, 2, (long) left);
        if (n < 0 && zmq_errno() == EINTR)
            continue; /* a harmless signal (e.g. the terminal was resized) */
        if (n < 0) {
            td_msg(err, errlen, "waiting for the answer failed: %s", zmq_strerror(zmq_errno()));
            rc = TD_ERR_ZMQ;
            goto cleanup;
        }
        if (n > 0 && (items[0].revents & ZMQ_POLLIN))
            break;
        int failed = n > 0 && (items[1].revents & ZMQ_POLLIN) ? s_handshake_failure(monitor) : 0;
        if (failed == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
            td_msg(err, errlen,
                   "the collector at %s refused this workstation's key %s: it is not "
                   "enrolled as a query key (its operator runs `tiendo-collector enrol "
                   "KEY.pub --role query`)",
                   p->endpoint, p->public_key);
            rc = TD_ERR_PERMISSION;
            goto cleanup;
        }
        if (failed != 0) {
            td_msg(err, errlen,
                   "the secure handshake with the collector at %s failed: is "
                   "--collector-public-key the collector's current public key?",
                   p->endpoint);
            rc = TD_ERR_PERMISSION;
            goto cleanup;
        }
    }

    zmq_msg_init(&msg);
    msg_open = 1;
    if (zmq_msg_recv(&msg, sock, ZMQ_DONTWAIT) < 0) {
        td_msg(err, errlen, "cannot receive the answer: %s", zmq_strerror(zmq_errno()));
        rc = TD_ERR_ZMQ;
        goto cleanup;
    }
    if (zmq_msg_more(&msg)) {
        td_msg(err, errlen, "the collector's answer has more than one frame");
        rc = TD_ERR_PROTOCOL;
        goto cleanup;
    }
    rc = td_query_response_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), out);
    if (rc != TD_OK) {
        td_msg(err, errlen, "the collector's answer (%zu bytes) cannot be read: %s",
               zmq_msg_size(&msg), _(td_strerror(rc)));
        goto cleanup;
    }
    if ((*out)->has_version && (*out)->version != TD_PROTOCOL_VERSION)
        td_warn("the collector speaks protocol version %u, this tiendo %d",
                (unsigned) (*out)->version, TD_PROTOCOL_VERSION);

cleanup:
    if (msg_open)
        zmq_msg_close(&msg);
    if (sock != NULL)
        zmq_close(sock);
    if (monitor != NULL)
        zmq_close(monitor);
    if (ctx != NULL)
        zmq_ctx_term(ctx);
    return rc;
}
