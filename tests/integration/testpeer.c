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
            "       sized N       one heartbeat envelope (epoch 1) of exactly N bytes;\n"
            "                     prints the ack (none when the collector drops the\n"
            "                     connection over the frame size)\n"
            "       report FILE EPOCH SEQ MUTATION  a JSON report changed by MUTATION\n"
            "                     (unit=99, period=P, group=7, progress=140, value=nan|inf|-5,\n"
            "                     element=NAME, note=long|badutf8, none); prints the ack\n"
            "       noread N [SECONDS [TRICKLE_MS]]\n"
            "                     N valid reports (unit 01, months from 2018-M01, random\n"
            "                     epoch, seq 1..N), never reading an ack; prints 'sent N'\n"
            "                     and 'epoch E', then until SECONDS (default 600) have passed\n"
            "                     since the start, sleeps or (TRICKLE_MS > 0) sends one more\n"
            "                     report every TRICKLE_MS ms; prints 'sent M' at the end\n"
            "       hostile SECONDS [KINDS]\n"
            "                     for SECONDS (default 20), cycles through every KIND of bad\n"
            "                     input (default all but huge-multiframe, or a comma-separated\n"
            "                     list of): heartbeat (floods), mutated (reports with NaN,\n"
            "                     infinities, invalid UTF-8), elements (a Report of 32,000\n"
            "                     elements), huge-length (length prefixes of 2^31 bytes and\n"
            "                     more), truncated, garbage, flood (thousands of tiny frames),\n"
            "                     multiframe (messages of 1,000 frames), oversize (frames of\n"
            "                     70 KiB and 1 MiB; the peer reconnects after each),\n"
            "                     huge-multiframe (one message of 4,000 frames, 229 MiB);\n"
            "                     reads and discards the acks; prints 'hostile: sent N\n"
            "                     messages in K kinds (...)'\n"
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
 * "none") to a malloc-built report (td_report_from_json). 0 on success, 2 when the
 * mutation is unknown. */
static int s_mutate(Tiendo__Report *r, const char *mutation)
{
    static char long_note[3001];
    static char bad_utf8[] = "bad \xc3\x28 text";
    const char *eq = strchr(mutation, '=');
    const char *value = eq != NULL ? eq + 1 : "";
    size_t key_len = eq != NULL ? (size_t) (eq - mutation) : strlen(mutation);
#define KEY(k) (key_len == strlen(k) && strncmp(mutation, k, key_len) == 0)
    if (KEY("unit") || KEY("period") || KEY("dataset")) {
        char *dup = strdup(value);
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
        return 2;
    }
#undef KEY
    return 0;
}

/* Pack a report envelope {version 1, epoch, seq, report} into buf. 0 on failure. */
static size_t s_pack_report(uint8_t *buf, size_t cap, uint64_t epoch, uint64_t seq,
                            Tiendo__Report *r)
{
    Tiendo__Envelope env = TIENDO__ENVELOPE__INIT;
    env.has_version = env.has_epoch = env.has_seq = 1;
    env.version = TD_PROTOCOL_VERSION;
    env.epoch = epoch;
    env.seq = seq;
    env.body_case = TIENDO__ENVELOPE__BODY_REPORT;
    env.report = r;
    size_t len = 0;
    return td_message_encode(&env.base, buf, cap, &len) == TD_OK ? len : 0;
}

/* Read a JSON report, apply MUTATION and send it. */
static int s_send_mutated(void *sock, const char *path, uint64_t epoch, uint64_t seq,
                          const char *mutation)
{
    static char text[TD_MAX_REPORT_JSON + 1];
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
    int rc = s_mutate(r, mutation);
    if (rc != 0) {
        td_report_free(&r);
        return rc;
    }
    static uint8_t buf[TD_MAX_FRAME];
    size_t len = s_pack_report(buf, sizeof buf, epoch, seq, r);
    rc = len > 0 ? 0 : 1;
    if (rc == 0)
        zmq_send(sock, buf, len, 0);
    td_report_free(&r);
    return rc;
}

/* ---- hostile: every kind of bad input an enrolled (compromised) agent can send ---- */

/* The kinds of the hostile mode, in the order one cycle sends them. */
enum {
    K_HEARTBEATS,      /* a flood of heartbeat envelopes, some with absurd contents */
    K_MUTATED,         /* reports with NaN, infinities, invalid UTF-8, bad fields */
    K_ELEMENTS,        /* a Report whose repeated fields hold tens of thousands of elements */
    K_HUGE_LENGTH,     /* length prefixes claiming 2^31 bytes and more */
    K_TRUNCATED,       /* valid envelopes cut short */
    K_GARBAGE,         /* pseudo-random bytes, up to 60 KiB */
    K_FLOOD,           /* thousands of frames of 0 to 8 bytes */
    K_MULTIFRAME,      /* messages of 1,000 frames */
    K_OVERSIZE,        /* frames over the collector's 64 KiB ZMQ_MAXMSGSIZE */
    K_HUGE_MULTIFRAME, /* only on request: a 229 MiB message of 4,000 frames */
    K_COUNT
};
#define K_DEFAULT_KINDS ((1u << K_HUGE_MULTIFRAME) - 1) /* when KINDS is not given */

static const char *const s_kind_names[K_COUNT] = {
    "heartbeat", "mutated", "elements",   "huge-length", "truncated",
    "garbage",   "flood",   "multiframe", "oversize",    "huge-multiframe"};

/* Every report mutation sent once per cycle (see s_mutate). */
static const char *const s_mutations[] = {
    "value=nan",      "value=inf",       "value=-inf",       "value=-5",
    "note=badutf8",   "note=long",       "unit=99",          "unit=\xc3\x28",
    "period=2026-Q5", "period=\xff\xfe", "dataset=\xe0\x80", "progress=140",
    "progress=nan",   "group=7",         "element=bogus",    "element=\xf8\x88\x80\x80\x80"};

typedef struct {
    void *ctx;
    const char *endpoint, *server, *pub, *secret;
    void *sock;    /* the DEALER towards the collector */
    void *monitor; /* PAIR receiving the DEALER's socket events */
    int sockets;   /* DEALERs created so far (names the monitor endpoint) */
    int64_t deadline_ms;
    uint32_t random;
    uint64_t epoch, seq;
    char *sample_json; /* a valid report (unit 01) as JSON, mutated per message */
    size_t sample_json_len;
    uint64_t sent[K_COUNT];
    uint64_t refused_sends; /* messages libzmq would not queue (HWM reached) */
    uint64_t handshakes, auth_failures, disconnects;
    int connected;  /* a CURVE session is up (from the socket events) */
    int in_message; /* frames with ZMQ_SNDMORE are queued: finish the message */
    uint64_t acks;  /* answers read and thrown away */
    unsigned kinds; /* bit k set: send kind k */
    uint8_t buf[2 * TD_MAX_FRAME];
} s_hostile;

static uint32_t s_rand(s_hostile *h)
{
    h->random ^= h->random << 13;
    h->random ^= h->random >> 17;
    h->random ^= h->random << 5;
    return h->random;
}

static void s_random_bytes(s_hostile *h, uint8_t *out, size_t len)
{
    for (size_t i = 0; i < len; i++)
        out[i] = (uint8_t) (s_rand(h) >> 24);
}

static uint64_t s_random_epoch(void)
{
    uint64_t epoch = 0;
    if (getrandom(&epoch, sizeof epoch, 0) != (ssize_t) sizeof epoch)
        epoch = (uint64_t) td_now_ms() * 2654435761u;
    return epoch | 1;
}

/* Read and throw away whatever the collector answered. Reading matters: a DEALER
 * whose receive queue is full stops reading its connection, so it would never see
 * the collector close it (and never reconnect). */
static void s_drain_acks(s_hostile *h)
{
    uint8_t ack[512];
    while (h->sock != NULL && zmq_recv(h->sock, ack, sizeof ack, ZMQ_DONTWAIT) >= 0)
        h->acks++;
}

/* Count the DEALER's socket events that arrived within wait_ms (0: only those
 * pending). Returns the bitwise OR of the events seen. */
static int s_events(s_hostile *h, int wait_ms)
{
    int seen = 0;
    int64_t until = td_mono_ms() + wait_ms;
    for (;;) {
        s_drain_acks(h);
        int64_t left = until - td_mono_ms();
        zmq_pollitem_t item = {h->monitor, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, left > 0 ? (long) left : 0) <= 0)
            break;
        zmq_msg_t part;
        zmq_msg_init(&part);
        if (zmq_msg_recv(&part, h->monitor, 0) < 0) {
            zmq_msg_close(&part);
            break;
        }
        uint16_t event = 0;
        if (zmq_msg_size(&part) >= sizeof event)
            memcpy(&event, zmq_msg_data(&part), sizeof event);
        while (zmq_msg_more(&part)) /* the second frame: the endpoint */
            if (zmq_msg_recv(&part, h->monitor, 0) < 0)
                break;
        zmq_msg_close(&part);
        seen |= event;
        if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
            h->handshakes++;
            h->connected = 1;
        } else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ||
                   event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ||
                   event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
            h->auth_failures++;
        } else if (event == ZMQ_EVENT_DISCONNECTED) {
            h->disconnects++;
            h->connected = 0;
        }
    }
    return seen;
}

static void s_hostile_disconnect(s_hostile *h)
{
    if (h->sock != NULL)
        zmq_close(h->sock);
    if (h->monitor != NULL)
        zmq_close(h->monitor);
    h->sock = h->monitor = NULL;
    h->connected = h->in_message = 0;
}

/* A fresh DEALER (and a PAIR receiving its events) connected to the collector. 0 on
 * success. */
static int s_hostile_connect(s_hostile *h)
{
    char monitor_ep[64];
    int ivl = 100, ivl_max = 1000;
    s_hostile_disconnect(h);
    snprintf(monitor_ep, sizeof monitor_ep, "inproc://hostile-monitor-%d", ++h->sockets);
    h->sock = zmq_socket(h->ctx, ZMQ_DEALER);
    h->monitor = zmq_socket(h->ctx, ZMQ_PAIR);
    if (h->sock == NULL || h->monitor == NULL || td_socket_basics(h->sock, 0, 0, 0) != TD_OK ||
        td_socket_curve_client(h->sock, h->server, h->pub, h->secret) != TD_OK ||
        zmq_setsockopt(h->sock, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl) != 0 ||
        zmq_setsockopt(h->sock, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof ivl_max) != 0 ||
        td_socket_basics(h->monitor, 0, 0, 0) != TD_OK ||
        zmq_socket_monitor(h->sock, monitor_ep,
                           ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_DISCONNECTED) !=
            0 ||
        zmq_connect(h->monitor, monitor_ep) != 0 || zmq_connect(h->sock, h->endpoint) != 0) {
        fprintf(stderr, "tiendo-testpeer: cannot set up the hostile socket: %s\n",
                zmq_strerror(zmq_errno()));
        s_hostile_disconnect(h);
        return -1;
    }
    return 0;
}

/* Wait (at most wait_ms) until the DEALER has a CURVE session with the collector. A
 * refused handshake ends the DEALER's attempts (libzmq 4.3 does not reconnect after
 * a ZMTP ERROR), so start over with a new socket at once: an unenrolled peer keeps
 * the collector's ZAP handler busy for the whole wait. 1 when connected. */
static int s_hostile_wait_session(s_hostile *h, int wait_ms)
{
    int64_t until = td_mono_ms() + wait_ms;
    while (!h->connected && td_mono_ms() < until) {
        int seen = s_events(h, 20);
        if ((seen & (ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                     ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)) != 0 &&
            !h->connected && s_hostile_connect(h) != 0)
            return 0;
    }
    return h->connected;
}

/* Queue one frame (flags: ZMQ_SNDMORE or 0) without blocking for long: at the
 * high-water mark wait up to 100 ms for room (not at all without a session), then give
 * up. Counts a message of `kind` when its last frame is queued. 0 when queued, -1 when
 * not (the caller stops that kind for this cycle). */
static int s_hostile_send(s_hostile *h, int kind, const void *data, size_t len, int flags)
{
    if (h->sock == NULL || (!h->in_message && td_mono_ms() >= h->deadline_ms))
        return -1;
    while (zmq_send(h->sock, data, len, flags | ZMQ_DONTWAIT) < 0) {
        if (zmq_errno() != EAGAIN && zmq_errno() != EINTR)
            return -1;
        s_drain_acks(h);
        zmq_pollitem_t item = {h->sock, 0, ZMQ_POLLOUT, 0};
        if (zmq_poll(&item, 1, h->connected ? 100 : 0) <= 0 ||
            (!h->in_message && td_mono_ms() >= h->deadline_ms)) {
            h->refused_sends++;
            return -1;
        }
    }
    h->in_message = (flags & ZMQ_SNDMORE) != 0;
    if (!h->in_message && ++h->sent[kind] % 256 == 0)
        s_drain_acks(h);
    return 0;
}

/* Append a protobuf varint. */
static size_t s_varint(uint8_t *out, uint64_t v)
{
    size_t n = 0;
    do {
        out[n++] = (uint8_t) ((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v != 0);
    return n;
}

/* The start of an Envelope {version 1, epoch, seq} by hand, for bodies no encoder
 * would write. Returns its length (at most 22 bytes). */
static size_t s_envelope_head(uint8_t *out, uint64_t epoch, uint64_t seq)
{
    size_t n = 0;
    out[n++] = 0x08; /* version, varint */
    out[n++] = TD_PROTOCOL_VERSION;
    out[n++] = 0x11; /* epoch, fixed64 little-endian */
    for (int i = 0; i < 8; i++)
        out[n++] = (uint8_t) (epoch >> (8 * i));
    out[n++] = 0x18; /* seq, varint */
    n += s_varint(out + n, seq);
    return n;
}

static void s_kind_heartbeats(s_hostile *h)
{
    static char long_version[TD_MAX_FRAME / 2];
    memset(long_version, 'v', sizeof long_version - 1);
    for (int i = 0; i < 500; i++) {
        Tiendo__Envelope env = TIENDO__ENVELOPE__INIT;
        Tiendo__Heartbeat hb = TIENDO__HEARTBEAT__INIT;
        env.has_version = env.has_epoch = env.has_seq = 1;
        env.version = TD_PROTOCOL_VERSION;
        env.epoch = h->epoch;
        env.seq = 0;
        env.body_case = TIENDO__ENVELOPE__BODY_HEARTBEAT;
        env.heartbeat = &hb;
        if (i % 50 == 1) { /* absurd but well-formed contents */
            hb.agent_version = long_version;
            hb.has_outbox_depth = hb.has_oldest_unsent_age_ms = hb.has_dead_letters = 1;
            hb.has_clock_ms = 1;
            hb.outbox_depth = UINT64_MAX;
            hb.oldest_unsent_age_ms = INT64_MIN;
            hb.dead_letters = UINT64_MAX;
            hb.clock_ms = INT64_MAX;
        } else if (i % 50 == 2) {
            env.epoch = 0; /* no epoch: REJECTED */
        } else if (i % 50 == 3) {
            hb.agent_version = (char *) "bad \xc3\x28 utf-8";
        }
        size_t len = 0;
        if (td_message_encode(&env.base, h->buf, sizeof h->buf, &len) != TD_OK ||
            s_hostile_send(h, K_HEARTBEATS, h->buf, len, 0) != 0)
            return;
    }
}

static void s_kind_mutated(s_hostile *h)
{
    for (size_t i = 0; i < sizeof s_mutations / sizeof s_mutations[0]; i++) {
        Tiendo__Report *r = NULL;
        char err[256];
        if (td_report_from_json(h->sample_json, h->sample_json_len, &r, err, sizeof err) != TD_OK)
            return;
        size_t len = 0;
        if (s_mutate(r, s_mutations[i]) == 0)
            len = s_pack_report(h->buf, sizeof h->buf, h->epoch, h->seq + 1, r);
        td_report_free(&r);
        if (len == 0 || len > TD_MAX_FRAME || s_hostile_send(h, K_MUTATED, h->buf, len, 0) != 0)
            return;
        h->seq++;
    }
}

/* Envelopes whose Report repeats one field (task_groups, values, action_plan: tags 6,
 * 7, 8) as empty elements, two bytes each: 32,000 of them fill a 64 KiB frame and
 * would take protobuf-c about 2 MiB to unpack; 4,000 fit the decoder's budget and
 * reach the validator. */
static void s_kind_elements(s_hostile *h)
{
    static const uint8_t tags[] = {0x32, 0x3a, 0x42};
    static const size_t counts[] = {32000, 4000};
    for (size_t t = 0; t < sizeof tags; t++) {
        for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
            size_t body = 4 + 2 * counts[c]; /* unit "01", then the elements */
            size_t n = s_envelope_head(h->buf, h->epoch, h->seq + 1);
            h->buf[n++] = 0x52; /* report, length-delimited */
            n += s_varint(h->buf + n, body);
            h->buf[n++] = 0x0a;
            h->buf[n++] = 2;
            h->buf[n++] = '0';
            h->buf[n++] = '1';
            for (size_t i = 0; i < counts[c]; i++) {
                h->buf[n++] = tags[t];
                h->buf[n++] = 0;
            }
            if (s_hostile_send(h, K_ELEMENTS, h->buf, n, 0) != 0)
                return;
            if (counts[c] < 10000) /* it decodes, so it takes up its seq */
                h->seq++;
        }
    }
}

/* Length prefixes far beyond the frame: the report field claiming 2^31 bytes, 2^32 + 5
 * (5 once truncated to 32 bits), 2^64 - 1, and a string inside the report claiming
 * 2^31 bytes. */
static void s_kind_huge_length(s_hostile *h)
{
    static const uint64_t claims[] = {(uint64_t) 1 << 31, ((uint64_t) 1 << 32) + 5, UINT64_MAX,
                                      0x7fffffff};
    for (size_t i = 0; i < sizeof claims / sizeof claims[0]; i++) {
        size_t n = s_envelope_head(h->buf, h->epoch, h->seq + 1);
        h->buf[n++] = 0x52;
        if (i < 3) {
            n += s_varint(h->buf + n, claims[i]);
        } else { /* a sane report length, then unit (tag 1) claiming 2^31 bytes */
            n += s_varint(h->buf + n, 16);
            h->buf[n++] = 0x0a;
            n += s_varint(h->buf + n, claims[i] + 1);
        }
        memset(h->buf + n, 'A', 16);
        n += 16;
        if (s_hostile_send(h, K_HUGE_LENGTH, h->buf, n, 0) != 0)
            return;
    }
}

static void s_kind_truncated(s_hostile *h)
{
    size_t full = s_report_envelope(h->buf, sizeof h->buf, h->epoch, h->seq + 1);
    if (full < 2)
        return;
    for (int i = 0; i < 10; i++) {
        size_t cut = i == 0 ? full - 1 : i == 1 ? 1 : 1 + s_rand(h) % (full - 1);
        if (s_hostile_send(h, K_TRUNCATED, h->buf, cut, 0) != 0)
            return;
    }
}

static void s_kind_garbage(s_hostile *h)
{
    for (int i = 0; i < 50; i++) {
        size_t len = i % 10 == 0 ? 60 * 1024 : 1 + s_rand(h) % 4096;
        s_random_bytes(h, h->buf, len);
        if (s_hostile_send(h, K_GARBAGE, h->buf, len, 0) != 0)
            return;
    }
}

static void s_kind_flood(s_hostile *h)
{
    for (int i = 0; i < 3000; i++) {
        size_t len = s_rand(h) % 9;
        s_random_bytes(h, h->buf, len);
        if (s_hostile_send(h, K_FLOOD, h->buf, len, 0) != 0)
            return;
    }
}

/* Three messages of 1,000 frames: one-byte frames; a valid report envelope followed by
 * 999 one-byte frames; 1,000 frames of 1 KiB (1 MiB in one message). */
static void s_kind_multiframe(s_hostile *h)
{
    size_t envelope = s_report_envelope(h->buf, sizeof h->buf, h->epoch, h->seq + 1);
    for (int m = 0; m < 3; m++) {
        for (int f = 0; f < 1000; f++) {
            const void *data = "x";
            size_t len = 1;
            if (m == 1 && f == 0) {
                data = h->buf;
                len = envelope;
            } else if (m == 2) {
                data = h->buf + TD_MAX_FRAME;
                len = 1024;
            }
            if (s_hostile_send(h, K_MULTIFRAME, data, len, f < 999 ? ZMQ_SNDMORE : 0) != 0)
                return;
        }
    }
}

/* One message of 4,000 frames of 60,000 bytes (229 MiB), then a second's pause (this
 * peer holds the message in memory too): each frame is under ZMQ_MAXMSGSIZE, and
 * libzmq holds the frames of a message until its last one has arrived, before the
 * collector can see (and drop) any of it. */
static void s_kind_huge_multiframe(s_hostile *h)
{
    s_random_bytes(h, h->buf, 60000);
    for (int f = 0; f < 4000; f++)
        if (s_hostile_send(h, K_HUGE_MULTIFRAME, h->buf, 60000, f < 3999 ? ZMQ_SNDMORE : 0) != 0)
            return;
    s_events(h, 1000);
}

/* One frame over ZMQ_MAXMSGSIZE (70 KiB, or 1 MiB every other cycle): the collector's
 * libzmq drops the connection as soon as it reads the frame's size. The DEALER keeps
 * what is still queued and reconnects by itself (RECONNECT_IVL); wait (up to 1 s) for
 * the disconnection here, and the next cycle waits for the new session. */
static void s_kind_oversize(s_hostile *h, int cycle)
{
    size_t len = cycle % 2 == 0 ? 70 * 1024 : 1024 * 1024;
    uint8_t *frame = malloc(len);
    if (frame == NULL)
        return;
    s_random_bytes(h, frame, len);
    int rc = s_hostile_send(h, K_OVERSIZE, frame, len, 0);
    free(frame);
    if (rc != 0)
        return;
    int64_t until = td_mono_ms() + 1000;
    while (td_mono_ms() < until && (s_events(h, 50) & ZMQ_EVENT_DISCONNECTED) == 0)
        ;
}

/* hostile SECONDS [KINDS]: cycle through the kinds until SECONDS have passed, on one
 * CURVE connection at a time; each cycle uses a new epoch so that its envelopes in order
 * (seq 1, 2, ...) reach the collector's validator. Prints one summary line. */
static int s_hostile_run(void *ctx, const char *endpoint, const char *server, const char *pub,
                         const char *secret, long seconds, const char *kinds)
{
    s_hostile *h = calloc(1, sizeof *h);
    if (h == NULL)
        return 1;
    int status = 2;
    h->kinds = kinds == NULL ? K_DEFAULT_KINDS : 0;
    for (const char *k = kinds; k != NULL && *k != '\0';) {
        size_t len = strcspn(k, ",");
        int found = 0;
        for (int i = 0; i < K_COUNT; i++) {
            if (strlen(s_kind_names[i]) == len && strncmp(k, s_kind_names[i], len) == 0) {
                h->kinds |= 1u << i;
                found = 1;
            }
        }
        if (!found) {
            fprintf(stderr, "tiendo-testpeer: unknown hostile kind '%.*s'\n", (int) len, k);
            goto cleanup;
        }
        k += len + (k[len] == ',');
    }
    status = 1;
    h->ctx = ctx;
    h->endpoint = endpoint;
    h->server = server;
    h->pub = pub;
    h->secret = secret;
    h->random = (uint32_t) s_random_epoch();
    sample_report sample;
    char period[16];
    sample_report_fill(&sample, "01", sample_month(18 * 12, period, sizeof period), 1);
    h->sample_json = td_report_to_json(&sample.report);
    if (h->sample_json == NULL)
        goto cleanup;
    h->sample_json_len = strlen(h->sample_json);
    h->deadline_ms = td_mono_ms() + seconds * 1000;
    if (s_hostile_connect(h) != 0)
        goto cleanup;
    int cycles = 0;
    while (td_mono_ms() < h->deadline_ms) {
        if (h->sock == NULL && s_hostile_connect(h) != 0)
            goto cleanup;
        s_hostile_wait_session(h, 1000);
        h->epoch = s_random_epoch();
        h->seq = 0;
        if (h->kinds & (1u << K_HEARTBEATS))
            s_kind_heartbeats(h);
        if (h->kinds & (1u << K_MUTATED))
            s_kind_mutated(h);
        if (h->kinds & (1u << K_ELEMENTS))
            s_kind_elements(h);
        if (h->kinds & (1u << K_HUGE_LENGTH))
            s_kind_huge_length(h);
        if (h->kinds & (1u << K_TRUNCATED))
            s_kind_truncated(h);
        if (h->kinds & (1u << K_GARBAGE))
            s_kind_garbage(h);
        if (h->kinds & (1u << K_FLOOD))
            s_kind_flood(h);
        if (h->kinds & (1u << K_MULTIFRAME))
            s_kind_multiframe(h);
        if (h->kinds & (1u << K_HUGE_MULTIFRAME))
            s_kind_huge_multiframe(h);
        if (h->kinds & (1u << K_OVERSIZE))
            s_kind_oversize(h, cycles);
        else
            zmq_poll(NULL, 0, 10); /* without reconnections, a cycle can be very short */
        s_events(h, 0);
        cycles++;
    }
    uint64_t total = 0;
    int nkinds = 0;
    char detail[512] = "";
    size_t used = 0;
    for (int k = 0; k < K_COUNT; k++) {
        total += h->sent[k];
        nkinds += h->sent[k] > 0;
        int w = snprintf(detail + used, sizeof detail - used, "%s%s %llu", k ? ", " : "",
                         s_kind_names[k], (unsigned long long) h->sent[k]);
        if (w > 0 && (size_t) w < sizeof detail - used)
            used += (size_t) w;
    }
    printf("hostile: sent %llu messages in %d kinds (%s; %d cycles, %llu handshakes, "
           "%llu refused, %llu disconnects, %llu sends refused at the HWM, %llu answers read)\n",
           (unsigned long long) total, nkinds, detail, cycles, (unsigned long long) h->handshakes,
           (unsigned long long) h->auth_failures, (unsigned long long) h->disconnects,
           (unsigned long long) h->refused_sends, (unsigned long long) h->acks);
    fflush(stdout);
    status = 0;
cleanup:
    s_hostile_disconnect(h);
    free(h->sample_json);
    free(h);
    return status;
}

/* sized N: one heartbeat envelope (epoch 1) padded to exactly N bytes with its
 * agent_version, to find where the collector's frame limit really is (an ack comes
 * back, or the connection is dropped and nothing does). 0 when sent. */
static int s_send_sized(void *sock, size_t size)
{
    static uint8_t buf[4 * TD_MAX_FRAME];
    static char pad[4 * TD_MAX_FRAME];
    if (size < 32 || size > sizeof buf) {
        fprintf(stderr, "tiendo-testpeer: sized: N must be 32..%zu\n", sizeof buf);
        return 2;
    }
    Tiendo__Envelope env = TIENDO__ENVELOPE__INIT;
    Tiendo__Heartbeat hb = TIENDO__HEARTBEAT__INIT;
    env.has_version = env.has_epoch = env.has_seq = 1;
    env.version = TD_PROTOCOL_VERSION;
    env.epoch = 1;
    env.body_case = TIENDO__ENVELOPE__BODY_HEARTBEAT;
    env.heartbeat = &hb;
    hb.agent_version = pad;
    size_t pad_len = size - 24, len = 0;
    for (int attempt = 0; attempt < 8; attempt++) { /* varint lengths shift the size */
        memset(pad, 'p', pad_len);
        pad[pad_len] = '\0';
        if (td_message_encode(&env.base, buf, sizeof buf, &len) != TD_OK)
            return 1;
        if (len == size)
            break;
        pad_len = len > size ? pad_len - (len - size) : pad_len + (size - len);
    }
    printf("sending a heartbeat envelope of %zu bytes\n", len);
    fflush(stdout);
    return zmq_send(sock, buf, len, 0) == (int) len ? 0 : 1;
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
    if (strcmp(mode, "hostile") == 0) {
        int rc = s_hostile_run(ctx, argv[1], server, pub, secret, argc > 5 ? n : 20,
                               argc > 6 ? argv[6] : NULL);
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
    } else if (strcmp(mode, "sized") == 0) {
        status = s_send_sized(sock, (size_t) n);
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
