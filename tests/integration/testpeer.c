/* testpeer.c: a misbehaving (or hand-driven) agent for integration tests: sends raw
 * frames to the collector over CURVE and prints the acks it gets back. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <zmq.h>

#include "clock.h"
#include "codec.h"
#include "keys.h"
#include "report.h"
#include "sample.h"

static int s_usage(void)
{
    fprintf(stderr,
            "Usage: tiendo-testpeer ENDPOINT SERVER.pub CLIENT.key MODE [N]\n"
            "Modes: garbage N     N frames of pseudo-random bytes\n"
            "       multiframe N  N messages of three frames each\n"
            "       empty N       N empty frames\n"
            "       heartbeat     one heartbeat envelope (epoch 1); prints the ack\n"
            "       seq EPOCH SEQ a report envelope with no report body; prints the ack\n"
            "       report FILE EPOCH SEQ MUTATION  a JSON report changed by MUTATION\n"
            "                     (unit=99, period=P, group=7, progress=140, value=nan|inf|-5,\n"
            "                     element=NAME, note=long|badutf8, none); prints the ack\n"
            "       noread N [SECONDS [TRICKLE_MS]]\n"
            "                     N valid reports (unit 01, months from 2018-M01, random\n"
            "                     epoch, seq 1..N), never reading an ack; prints 'sent N'\n"
            "                     and 'epoch E', then until SECONDS (default 600) have passed\n"
            "                     since the start, sleeps or (TRICKLE_MS > 0) sends one more\n"
            "                     report every TRICKLE_MS ms; prints 'sent M' at the end\n"
            "Other modes print one line per ack received within 2 s:\n"
            "'ack seq=S status=X hw=H reason=R'.\n");
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
        printf(
            "ack seq=%llu status=%s hw=%llu reason=%s\n", (unsigned long long) ack->seq,
            protobuf_c_enum_descriptor_get_value(&tiendo__ack_status__descriptor, (int) ack->status)
                ->name,
            (unsigned long long) ack->high_water, ack->reason ? ack->reason : "");
        td_ack_free(&ack);
        fflush(stdout);
        wait_ms = 500;
    }
}

/* A valid report envelope of realistic size (bench/sample.c): unit 01, the months from
 * 2018-M01 cycling over 100 months. Returns its length, 0 on failure. */
static size_t s_report_envelope(uint8_t *buf, size_t cap, uint64_t epoch, uint64_t seq)
{
    sample_report r;
    char period[16];
    sample_month(18 * 12 + (seq - 1) % 100, period, sizeof period);
    sample_report_fill(&r, "01", period, seq);
    return sample_envelope(buf, cap, epoch, seq, &r.report);
}

/* Send one envelope, retrying on the send timeout until the deadline. 0 on success. */
static int s_send_until(void *sock, const uint8_t *buf, size_t len, int64_t deadline_ms)
{
    while (zmq_send(sock, buf, len, 0) < 0) {
        if ((zmq_errno() != EAGAIN && zmq_errno() != EINTR) || td_mono_ms() >= deadline_ms)
            return -1;
    }
    return 0;
}

/* noread: a peer that sends and never reads, so the collector's queue of acks to it
 * fills up. Its receive buffers are made as small as possible. */
static int s_noread(void *ctx, const char *endpoint, const char *server, const char *pub,
                    const char *secret, long n, long seconds, long trickle_ms)
{
    void *sock = zmq_socket(ctx, ZMQ_DEALER);
    int one = 1, small = 4096, timeout = 1000;
    td_socket_basics(sock, 0, 0, 0);
    td_socket_curve_client(sock, server, pub, secret);
    zmq_setsockopt(sock, ZMQ_RCVHWM, &one, sizeof one);
    zmq_setsockopt(sock, ZMQ_RCVBUF, &small, sizeof small);
    zmq_setsockopt(sock, ZMQ_SNDTIMEO, &timeout, sizeof timeout);
    if (zmq_connect(sock, endpoint) != 0) {
        fprintf(stderr, "tiendo-testpeer: connect %s: %s\n", endpoint, zmq_strerror(zmq_errno()));
        zmq_close(sock);
        return 1;
    }
    uint64_t epoch = 0;
    if (getrandom(&epoch, sizeof epoch, 0) != (ssize_t) sizeof epoch)
        epoch = (uint64_t) td_now_ms();
    epoch |= 1;
    printf("epoch %016llx\n", (unsigned long long) epoch);
    fflush(stdout);
    int64_t deadline = td_mono_ms() + seconds * 1000;
    uint8_t buf[TD_MAX_FRAME];
    uint64_t seq = 0;
    int status = 0;
    while (seq < (uint64_t) n) {
        size_t len = s_report_envelope(buf, sizeof buf, epoch, seq + 1);
        if (len == 0 || s_send_until(sock, buf, len, deadline) != 0) {
            fprintf(stderr, "tiendo-testpeer: could not send report %llu: %s\n",
                    (unsigned long long) seq + 1, zmq_strerror(zmq_errno()));
            status = 1;
            break;
        }
        seq++;
    }
    printf("sent %llu\n", (unsigned long long) seq);
    fflush(stdout);
    while (status == 0 && td_mono_ms() < deadline) {
        if (trickle_ms <= 0) {
            zmq_poll(NULL, 0, 200);
            continue;
        }
        zmq_poll(NULL, 0, trickle_ms);
        size_t len = s_report_envelope(buf, sizeof buf, epoch, seq + 1);
        if (len != 0 && s_send_until(sock, buf, len, deadline) == 0)
            seq++;
    }
    if (trickle_ms > 0) {
        printf("sent %llu\n", (unsigned long long) seq);
        fflush(stdout);
    }
    zmq_close(sock);
    return status;
}

/* Apply a MUTATION ("unit=99", "period=2026-Q5", "dataset=x", "group=7", "progress=140",
 * "value=-5", "value=nan", "value=inf", "element=bogus", "note=long", "note=badutf8",
 * "none") to a parsed report and send it. */
static int s_send_mutated(void *sock, const char *path, uint64_t epoch, uint64_t seq,
                          const char *mutation)
{
    static char text[TD_MAX_REPORT_JSON + 1];
    static char long_note[3001];
    static char bad_utf8[] = "bad \xc3\x28 text";
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 1;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    Tiendo__Report *r = NULL;
    char err[512];
    if (td_report_from_json(text, n, &r, err, sizeof err) != TD_OK) {
        fprintf(stderr, "tiendo-testpeer: %s: %s\n", path, err);
        return 1;
    }
    const char *eq = strchr(mutation, '=');
    const char *value = eq != NULL ? eq + 1 : "";
    size_t key_len = eq != NULL ? (size_t) (eq - mutation) : strlen(mutation);
    char *dup = NULL;
#define KEY(k) (key_len == strlen(k) && strncmp(mutation, k, key_len) == 0)
    if (KEY("unit") || KEY("period") || KEY("dataset")) {
        dup = strdup(value);
        char **field = KEY("unit") ? &r->unit : KEY("period") ? &r->period : &r->dataset;
        free(*field);
        *field = dup;
    } else if (KEY("group") && r->n_task_groups > 0) {
        r->task_groups[0]->group = (uint32_t) strtoul(value, NULL, 10);
    } else if (KEY("progress") && r->n_task_groups > 0) {
        r->task_groups[0]->progress_percent = strtod(value, NULL);
    } else if (KEY("value") && r->n_values > 0) {
        r->values[0]->has_value = 1;
        r->values[0]->value = strtod(value, NULL); /* strtod reads "nan" and "inf" */
    } else if (KEY("element") && r->n_values > 0) {
        free(r->values[0]->element);
        r->values[0]->element = strdup(value);
    } else if (KEY("note") && r->n_task_groups > 0) {
        free(r->task_groups[0]->note);
        if (strcmp(value, "long") == 0) {
            memset(long_note, 'x', sizeof long_note - 1);
            r->task_groups[0]->note = strdup(long_note);
        } else {
            r->task_groups[0]->note = strdup(bad_utf8);
        }
    } else if (!KEY("none")) {
        fprintf(stderr, "tiendo-testpeer: unknown mutation %s\n", mutation);
        td_report_free(&r);
        return 2;
    }
#undef KEY
    Tiendo__Envelope env = TIENDO__ENVELOPE__INIT;
    env.has_version = env.has_epoch = env.has_seq = 1;
    env.version = TD_PROTOCOL_VERSION;
    env.epoch = epoch;
    env.seq = seq;
    env.body_case = TIENDO__ENVELOPE__BODY_REPORT;
    env.report = r;
    static uint8_t buf[TD_MAX_FRAME];
    size_t len = 0;
    int rc = td_message_encode(&env.base, buf, sizeof buf, &len) == TD_OK ? 0 : 1;
    if (rc == 0)
        zmq_send(sock, buf, len, 0);
    td_report_free(&r);
    return rc;
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
    if (strcmp(mode, "noread") == 0) {
        long seconds = argc > 6 ? strtol(argv[6], NULL, 10) : 600;
        long trickle = argc > 7 ? strtol(argv[7], NULL, 10) : 0;
        int rc = s_noread(ctx, argv[1], server, pub, secret, n, seconds, trickle);
        zmq_ctx_term(ctx);
        return rc;
    }
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
    } else if (strcmp(mode, "report") == 0 && argc > 8) {
        /* report FILE EPOCH SEQ MUTATION: a JSON report (shape-checked only), changed
         * in a way the agent's own checks would refuse, sent as one envelope. */
        status = s_send_mutated(sock, argv[5], strtoull(argv[6], NULL, 10),
                                strtoull(argv[7], NULL, 10), argv[8]);
    } else {
        status = s_usage();
    }
    if (status == 0)
        s_print_acks(sock, 2000);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    return status;
}
