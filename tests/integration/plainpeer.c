/* plainpeer.c: a client that does not use CURVE (plaintext, the NULL mechanism) for the
 * security tests: it must get no answer from the collector on either socket. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "codec.h"
#include "sample.h"

/* Usage: tiendo-plainpeer ENDPOINT agents|query
 * Sends one valid report envelope (agents) or one status question (query) in plaintext
 * and waits 2 s. Exit 0 and "no answer" when nothing came back (the collector refused
 * the connection), 1 and "answered" when it did, 2 on usage or setup errors. */
int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[2], "agents") != 0 && strcmp(argv[2], "query") != 0)) {
        fprintf(stderr, "Usage: tiendo-plainpeer ENDPOINT agents|query\n");
        return 2;
    }
    int agents = strcmp(argv[2], "agents") == 0;
    uint8_t buf[TD_MAX_FRAME];
    size_t len = 0;
    if (agents) {
        sample_report r;
        sample_report_fill(&r, "01", "2024-M01", 1);
        len = sample_envelope(buf, sizeof buf, 77, 1, &r.report);
    } else {
        Tiendo__QueryRequest req = TIENDO__QUERY_REQUEST__INIT;
        Tiendo__StatusQuery status = TIENDO__STATUS_QUERY__INIT;
        req.has_version = 1;
        req.version = TD_PROTOCOL_VERSION;
        req.query_case = TIENDO__QUERY_REQUEST__QUERY_STATUS;
        req.status = &status;
        if (td_message_encode(&req.base, buf, sizeof buf, &len) != TD_OK)
            len = 0;
    }
    if (len == 0) {
        fprintf(stderr, "plainpeer: cannot encode the message\n");
        return 2;
    }
    void *ctx = zmq_ctx_new();
    void *sock = zmq_socket(ctx, agents ? ZMQ_DEALER : ZMQ_REQ);
    int zero = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero);
    if (zmq_connect(sock, argv[1]) != 0 || zmq_send(sock, buf, len, ZMQ_DONTWAIT) < 0) {
        fprintf(stderr, "plainpeer: %s\n", zmq_strerror(zmq_errno()));
        zmq_close(sock);
        zmq_ctx_term(ctx);
        return 2;
    }
    zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
    int answered = zmq_poll(&item, 1, 2000) > 0;
    printf("%s\n", answered ? "answered" : "no answer");
    zmq_close(sock);
    zmq_ctx_term(ctx);
    return answered ? 1 : 0;
}
