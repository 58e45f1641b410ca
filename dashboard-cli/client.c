/* client.c: asks the collector's query socket one question over CURVE and decodes the answer. */
#include "client.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <zmq.h>

#include "clock.h"
#include "codec.h"
#include "log.h"

td_err client_query(const client_params *p, const Tiendo__QueryRequest *req,
                    Tiendo__QueryResponse **out, char *err, size_t errlen)
{
    uint8_t frame[1024]; /* a question is a version, a dataset and a period: a few bytes */
    void *ctx = NULL, *sock = NULL;
    int64_t max_size = (int64_t) TD_MAX_QUERY_FRAME, deadline;
    size_t len = 0;
    zmq_msg_t msg;
    int msg_open = 0;
    td_err rc;

    *out = NULL;
    rc = td_message_encode(&req->base, frame, sizeof frame, &len);
    if (rc != TD_OK) {
        snprintf(err, errlen, "cannot encode the question: %s", td_strerror(rc));
        goto cleanup;
    }
    ctx = zmq_ctx_new();
    if (ctx == NULL) {
        snprintf(err, errlen, "cannot start ZeroMQ: %s", zmq_strerror(zmq_errno()));
        rc = TD_ERR_ZMQ;
        goto cleanup;
    }
    sock = zmq_socket(ctx, ZMQ_REQ);
    if (sock == NULL) {
        snprintf(err, errlen, "cannot make a socket: %s", zmq_strerror(zmq_errno()));
        rc = TD_ERR_ZMQ;
        goto cleanup;
    }
    /* LINGER 0: an unanswered question must not keep zmq_ctx_term waiting. MAXMSGSIZE: a
     * broken or hostile peer cannot make us buffer more than the largest real answer. */
    if (td_socket_basics(sock, 0, 0, 0) != TD_OK ||
        td_socket_curve_client(sock, p->server_public, p->public_key, p->secret) != TD_OK ||
        zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &max_size, sizeof max_size) != 0) {
        snprintf(err, errlen, "cannot set up the socket: %s", zmq_strerror(zmq_errno()));
        rc = TD_ERR_ZMQ;
        goto cleanup;
    }
    if (zmq_connect(sock, p->endpoint) != 0) {
        int e = zmq_errno();
        snprintf(err, errlen, "cannot use the query endpoint '%s': %s", p->endpoint,
                 zmq_strerror(e));
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
        snprintf(err, errlen, "cannot send the question: %s", zmq_strerror(e));
        rc = TD_ERR_ZMQ;
        goto cleanup;
    }

    deadline = td_mono_ms() + p->timeout_ms;
    for (;;) {
        zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
        int64_t left = deadline - td_mono_ms();
        int n;
        if (left <= 0) {
            rc = TD_ERR_TIMEOUT;
            goto cleanup;
        }
        n = zmq_poll(&item, 1, (long) left);
        if (n < 0 && zmq_errno() == EINTR)
            continue; /* a harmless signal (e.g. the terminal was resized) */
        if (n < 0) {
            snprintf(err, errlen, "waiting for the answer failed: %s", zmq_strerror(zmq_errno()));
            rc = TD_ERR_ZMQ;
            goto cleanup;
        }
        if (n > 0 && (item.revents & ZMQ_POLLIN))
            break;
    }

    zmq_msg_init(&msg);
    msg_open = 1;
    if (zmq_msg_recv(&msg, sock, ZMQ_DONTWAIT) < 0) {
        snprintf(err, errlen, "cannot receive the answer: %s", zmq_strerror(zmq_errno()));
        rc = TD_ERR_ZMQ;
        goto cleanup;
    }
    if (zmq_msg_more(&msg)) {
        snprintf(err, errlen, "the collector's answer has more than one frame");
        rc = TD_ERR_PROTOCOL;
        goto cleanup;
    }
    rc = td_query_response_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), out);
    if (rc != TD_OK) {
        snprintf(err, errlen, "the collector's answer (%zu bytes) cannot be read: %s",
                 zmq_msg_size(&msg), td_strerror(rc));
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
    if (ctx != NULL)
        zmq_ctx_term(ctx);
    return rc;
}
