/* testpeer.c: a misbehaving (or hand-driven) agent for integration tests: sends raw
 * frames to the collector over CURVE and prints the acks it gets back. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "codec.h"
#include "keys.h"

static int s_usage(void)
{
    fprintf(stderr,
            "Usage: tiendo-testpeer ENDPOINT SERVER.pub CLIENT.key MODE [N]\n"
            "Modes: garbage N     N frames of pseudo-random bytes\n"
            "       multiframe N  N messages of three frames each\n"
            "       empty N       N empty frames\n"
            "       heartbeat     one heartbeat envelope (epoch 1); prints the ack\n"
            "       seq EPOCH SEQ a report envelope with no report body; prints the ack\n"
            "Prints one line per ack received within 2 s: 'ack seq=S status=X hw=H reason=R'.\n");
    return 2;
}

static void s_print_acks(void *sock, int wait_ms)
{
    zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
    while (zmq_poll(&item, 1, wait_ms) > 0) {
        uint8_t buf[TD_MAX_FRAME];
        int n = zmq_recv(sock, buf, sizeof buf, 0);
        if (n < 0)
            break;
        Tiendo__Ack *ack = NULL;
        if (td_ack_decode(buf, (size_t) n, &ack) != TD_OK) {
            printf("undecodable answer of %d bytes\n", n);
            continue;
        }
        printf("ack seq=%llu status=%s hw=%llu reason=%s\n", (unsigned long long) ack->seq,
               protobuf_c_enum_descriptor_get_value(&tiendo__ack_status__descriptor,
                                                     (int) ack->status)
                   ->name,
               (unsigned long long) ack->high_water, ack->reason ? ack->reason : "");
        td_ack_free(&ack);
        fflush(stdout);
        wait_ms = 500;
    }
}

int main(int argc, char **argv)
{
    if (argc < 5)
        return s_usage();
    char server[TD_Z85_KEY_LEN + 1], secret[TD_Z85_KEY_LEN + 1], pub[TD_Z85_KEY_LEN + 1];
    char err[512];
    if (td_keys_load_public(argv[2], server, err, sizeof err) != TD_OK ||
        td_keys_load_secret(argv[3], secret, pub, err, sizeof err) != TD_OK) {
        fprintf(stderr, "tiendo-testpeer: %s\n", err);
        return 1;
    }
    const char *mode = argv[4];
    long n = argc > 5 ? strtol(argv[5], NULL, 10) : 1;
    void *ctx = zmq_ctx_new();
    void *sock = zmq_socket(ctx, ZMQ_DEALER);
    td_socket_basics(sock, 0, 0, 0);
    td_socket_curve_client(sock, server, pub, secret);
    if (zmq_connect(sock, argv[1]) != 0) {
        fprintf(stderr, "tiendo-testpeer: connect %s: %s\n", argv[1], zmq_strerror(zmq_errno()));
        return 1;
    }
    uint32_t state = 12345;
    uint8_t buf[4096];
    size_t len = 0;
    int status = 0;
    if (strcmp(mode, "garbage") == 0) {
        for (long i = 0; i < n; i++) {
            size_t size = 1 + (size_t) (state % sizeof buf);
            for (size_t j = 0; j < size; j++) {
                state = state * 1103515245u + 12345u;
                buf[j] = (uint8_t) (state >> 16);
            }
            zmq_send(sock, buf, size, 0);
        }
    } else if (strcmp(mode, "multiframe") == 0) {
        for (long i = 0; i < n; i++) {
            zmq_send(sock, "a", 1, ZMQ_SNDMORE);
            zmq_send(sock, "b", 1, ZMQ_SNDMORE);
            zmq_send(sock, "c", 1, 0);
        }
    } else if (strcmp(mode, "empty") == 0) {
        for (long i = 0; i < n; i++)
            zmq_send(sock, "", 0, 0);
    } else if (strcmp(mode, "heartbeat") == 0 || strcmp(mode, "seq") == 0) {
        Tiendo__Envelope env = TIENDO__ENVELOPE__INIT;
        Tiendo__Heartbeat hb = TIENDO__HEARTBEAT__INIT;
        env.has_version = env.has_epoch = env.has_seq = 1;
        env.version = TD_PROTOCOL_VERSION;
        env.epoch = argc > 5 ? strtoull(argv[5], NULL, 10) : 1;
        env.seq = argc > 6 ? strtoull(argv[6], NULL, 10) : 0;
        if (strcmp(mode, "heartbeat") == 0) {
            env.body_case = TIENDO__ENVELOPE__BODY_HEARTBEAT;
            env.heartbeat = &hb;
        }
        if (td_message_encode(&env.base, buf, sizeof buf, &len) != TD_OK)
            return 1;
        zmq_send(sock, buf, len, 0);
    } else {
        status = s_usage();
    }
    if (status == 0)
        s_print_acks(sock, 2000);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    return status;
}
