/* test_sender.c: tiendo-agent's sender loop against a scripted collector over real sockets
 * (lost acks, rejections, one outbox transaction per round, silence, heartbeats), and the
 * link's judgement of handshake failures. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "decide.h"
#include "keys.h"
#include "link.h"
#include "i18n.h"
#include "log.h"
#include "outbox.h"
#include "reason.h"
#include "sender.h"
#include "unit_main.h"

/* ---- a scripted collector, run in a child process ----
 *
 * It decides every envelope with the collector's own rules (collector/decide.h:
 * ingest_needs, then ingest_decide), keeping in memory what the real one keeps in its
 * store (the high-water mark, the reasons of rejected seqs), and adds faults on request:
 * reject_seq is the content check's verdict for that seq, the others lose, delay or
 * ignore answers. */

#define S_MAX_SEQ 4096

typedef struct {
    char endpoint[300];
    char secret[TD_Z85_KEY_LEN + 1];
    int bind_after_ms;     /* down for this long at start */
    int ignore_reports_ms; /* after binding: reports get no answer (heartbeats do) */
    uint64_t reject_seq;   /* decided REJECTED "bad report N" (0: none) */
    uint64_t drop_ack_of;  /* the first ack for this seq is dropped (0: none) */
    size_t burst;          /* hold report acks until this many (0: answer at once) */
    int reason_parts;      /* REJECTED acks carry their reason in parts too */
} s_plan;

/* The reason of reject_seq with reason_parts: a report rule's, as the collector sends it. */
static void s_rule_reason(td_reason *r)
{
    td_reason_set(r, "task_groups[%s%.0s].progress: must be a number from 0 to 100", "2", "3");
}

typedef struct {
    uint64_t high_water;
    uint64_t stored[S_MAX_SEQ]; /* seqs stored, in the order stored */
    size_t nstored;
    uint64_t reports_received;
    uint64_t acks_dropped;
    uint64_t rejected_answers; /* REJECTED acks sent */
    uint64_t heartbeats;
    uint64_t heartbeats_complete; /* with every field set */
    uint64_t max_depth;
    int64_t max_age_ms;
    uint64_t max_dead;
    int64_t max_clock_skew_ms;
    char version[32];
} s_result;

typedef struct {
    uint8_t id[256];
    size_t id_len;
    uint8_t ack[512];
    size_t ack_len;
} s_held;

static int64_t s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t s_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void s_send_ack(void *router, const uint8_t *id, size_t id_len, const uint8_t *ack,
                       size_t ack_len)
{
    zmq_send(router, id, id_len, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send(router, ack, ack_len, ZMQ_DONTWAIT);
}

static size_t s_pack_ack(uint8_t *buf, uint64_t epoch, uint64_t seq, Tiendo__AckStatus status,
                         const char *reason, uint64_t high_water, const td_reason *parts)
{
    Tiendo__Ack ack = TIENDO__ACK__INIT;
    char *args[TD_REASON_ARGS];
    if (parts != NULL && parts->format != NULL) {
        ack.reason_format = (char *) parts->format;
        for (int i = 0; i < parts->nargs; i++)
            args[i] = (char *) parts->args[i];
        ack.n_reason_args = (size_t) parts->nargs;
        ack.reason_args = args;
    }
    ack.has_epoch = 1;
    ack.epoch = epoch;
    ack.has_seq = 1;
    ack.seq = seq;
    ack.has_status = 1;
    ack.status = status;
    ack.reason = (char *) reason;
    ack.has_high_water = 1;
    ack.high_water = high_water;
    ack.has_server_time_ms = 1;
    ack.server_time_ms = s_wall_ms();
    return tiendo__ack__pack(&ack, buf);
}

static void s_note_heartbeat(s_result *res, const Tiendo__Heartbeat *hb)
{
    res->heartbeats++;
    if (hb->agent_version == NULL || !hb->has_outbox_depth || !hb->has_oldest_unsent_age_ms ||
        !hb->has_dead_letters || !hb->has_clock_ms)
        return;
    res->heartbeats_complete++;
    snprintf(res->version, sizeof res->version, "%s", hb->agent_version);
    if (hb->outbox_depth > res->max_depth)
        res->max_depth = hb->outbox_depth;
    if (hb->oldest_unsent_age_ms > res->max_age_ms)
        res->max_age_ms = hb->oldest_unsent_age_ms;
    if (hb->dead_letters > res->max_dead)
        res->max_dead = hb->dead_letters;
    int64_t skew = hb->clock_ms - s_wall_ms();
    if (skew < 0)
        skew = -skew;
    if (skew > res->max_clock_skew_ms)
        res->max_clock_skew_ms = skew;
}

/* The child: serve until stop_fd reaches end of file, then write the result. */
static void s_collector_main(const s_plan *plan, int stop_fd, int result_fd)
{
    static s_result res;
    static s_held held[S_MAX_SEQ];
    static char kept[S_MAX_SEQ][STORE_REASON_MAX]; /* "": stored or undecided */
    size_t nheld = 0;
    int dropped = 0;
    td_reason rule;
    s_rule_reason(&rule);
    memset(&res, 0, sizeof res);
    usleep((useconds_t) plan->bind_after_ms * 1000);
    void *ctx = zmq_ctx_new();
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    int one = 1, zero = 0;
    if (zmq_setsockopt(router, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_setsockopt(router, ZMQ_CURVE_SERVER, &one, sizeof one) != 0 ||
        zmq_setsockopt(router, ZMQ_CURVE_SECRETKEY, plan->secret, strlen(plan->secret) + 1) != 0 ||
        zmq_bind(router, plan->endpoint) != 0)
        _exit(10);
    int64_t bound_at = s_now_ms();
    for (;;) {
        zmq_pollitem_t items[2] = {{router, 0, ZMQ_POLLIN, 0}, {NULL, stop_fd, ZMQ_POLLIN, 0}};
        if (zmq_poll(items, 2, 50) < 0 && errno != EINTR)
            _exit(11);
        if (items[1].revents & (ZMQ_POLLIN | ZMQ_POLLERR)) { /* a closed pipe: POLLHUP */
            char c;
            if (read(stop_fd, &c, 1) <= 0)
                break;
        }
        while (1) {
            uint8_t id[256], frame[70000];
            int id_len = zmq_recv(router, id, sizeof id, ZMQ_DONTWAIT);
            if (id_len < 0)
                break;
            int len = zmq_recv(router, frame, sizeof frame, 0);
            if (len < 0 || id_len > (int) sizeof id || len > (int) sizeof frame)
                _exit(12);
            Tiendo__Envelope *env = tiendo__envelope__unpack(NULL, (size_t) len, frame);
            if (env == NULL)
                _exit(13);
            int heartbeat = env->body_case == TIENDO__ENVELOPE__BODY_HEARTBEAT;
            uint64_t seq = env->has_seq ? env->seq : 0, epoch = env->epoch;
            if (heartbeat) {
                s_note_heartbeat(&res, env->heartbeat);
            } else {
                res.reports_received++;
                if (s_now_ms() - bound_at < plan->ignore_reports_ms || seq >= S_MAX_SEQ) {
                    tiendo__envelope__free_unpacked(env, NULL);
                    continue;
                }
            }
            ingest_facts facts;
            memset(&facts, 0, sizeof facts);
            facts.enrolled = 1;
            facts.envelope = env;
            facts.high_water = res.high_water;
            char content_reason[TD_REASON_TEXT_MAX] = "";
            switch (ingest_needs(&facts)) {
            case INGEST_NEED_KEPT_REASON:
                facts.kept_reason = kept[seq][0] != '\0' ? kept[seq] : NULL;
                break;
            case INGEST_NEED_CONTENT_CHECK:
                if (seq == plan->reject_seq && plan->reason_parts)
                    snprintf(content_reason, sizeof content_reason, "%s", rule.text);
                else if (seq == plan->reject_seq)
                    snprintf(content_reason, sizeof content_reason, "bad report %llu",
                             (unsigned long long) seq);
                facts.content_reason = content_reason;
                facts.content_kind = INGEST_REJECT_VALIDATION;
                break;
            case INGEST_NEED_NOTHING:
                break;
            }
            ingest_verdict v;
            ingest_decide(&facts, &v);
            tiendo__envelope__free_unpacked(env, NULL);
            if (v.step == INGEST_STEP_STORE)
                res.stored[res.nstored++] = seq;
            else if (v.step == INGEST_STEP_RECORD)
                snprintf(kept[seq], sizeof kept[seq], "%s", v.reason);
            res.high_water = v.high_water;
            uint8_t ack[512];
            int with_parts = plan->reason_parts && v.status == TIENDO__ACK_STATUS__ACK_REJECTED;
            size_t ack_len =
                s_pack_ack(ack, epoch, seq, v.status, v.reason[0] != '\0' ? v.reason : NULL,
                           v.high_water, with_parts ? &rule : NULL);
            if (heartbeat) {
                s_send_ack(router, id, (size_t) id_len, ack, ack_len);
                continue;
            }
            Tiendo__AckStatus status = v.status;
            if (seq == plan->drop_ack_of && !dropped) {
                dropped = 1; /* as the collector does at its send high-water mark */
                res.acks_dropped++;
                continue;
            }
            if (status == TIENDO__ACK_STATUS__ACK_REJECTED)
                res.rejected_answers++;
            if (plan->burst == 0) {
                s_send_ack(router, id, (size_t) id_len, ack, ack_len);
                continue;
            }
            s_held *h = &held[nheld++];
            memcpy(h->id, id, (size_t) id_len);
            h->id_len = (size_t) id_len;
            memcpy(h->ack, ack, ack_len);
            h->ack_len = ack_len;
            if (nheld >= plan->burst || nheld == S_MAX_SEQ) {
                for (size_t i = 0; i < nheld; i++)
                    s_send_ack(router, held[i].id, held[i].id_len, held[i].ack, held[i].ack_len);
                nheld = 0;
            }
        }
    }
    zmq_close(router);
    zmq_ctx_term(ctx);
    const uint8_t *p = (const uint8_t *) &res;
    size_t left = sizeof res;
    while (left > 0) {
        ssize_t n = write(result_fd, p, left);
        if (n <= 0)
            _exit(14);
        p += n;
        left -= (size_t) n;
    }
    _exit(0);
}

/* ---- the test side ---- */

static char s_dir[64];

typedef struct {
    pid_t pid;
    int stop_fd;   /* close to stop the collector */
    int result_fd; /* read its s_result */
    char server_public[TD_Z85_KEY_LEN + 1];
    char endpoint[300];
} s_collector;

static void s_setup(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/tiendo-sender-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(s_dir));
    /* the loop logs to stderr: keep it in a file the tests read */
    char log[128];
    snprintf(log, sizeof log, "%s/agent.log", s_dir);
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);
    close(fd);
    td_log_init("tiendo-agent", TD_LOG_DEBUG);
}

static void s_teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    int rc = system(cmd);
    (void) rc;
}

/* Start the collector (before any ZeroMQ context or outbox exists in this process). */
static void s_collector_start(s_collector *c, s_plan *plan)
{
    char public_key[TD_Z85_KEY_LEN + 1];
    ck_assert_int_eq(zmq_curve_keypair(public_key, plan->secret), 0);
    memcpy(c->server_public, public_key, sizeof public_key);
    snprintf(plan->endpoint, sizeof plan->endpoint, "ipc://%s/collector.sock", s_dir);
    memcpy(c->endpoint, plan->endpoint, sizeof c->endpoint);
    int stop[2], result[2];
    ck_assert_int_eq(pipe(stop), 0);
    ck_assert_int_eq(pipe(result), 0);
    c->pid = fork();
    ck_assert_int_ge(c->pid, 0);
    if (c->pid == 0) {
        close(stop[1]);
        close(result[0]);
        s_collector_main(plan, stop[0], result[1]);
    }
    close(stop[0]);
    close(result[1]);
    c->stop_fd = stop[1];
    c->result_fd = result[0];
}

static void s_collector_stop(s_collector *c, s_result *res)
{
    close(c->stop_fd);
    uint8_t *p = (uint8_t *) res;
    size_t left = sizeof *res;
    while (left > 0) {
        ssize_t n = read(c->result_fd, p, left);
        ck_assert_int_gt(n, 0);
        p += n;
        left -= (size_t) n;
    }
    close(c->result_fd);
    int status = 0;
    ck_assert_int_eq(waitpid(c->pid, &status, 0), c->pid);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
}

static outbox_t *s_outbox_with(size_t n)
{
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/outbox", s_dir);
    outbox_t *ob = NULL;
    ck_assert_int_eq(outbox_open(&ob, path, 1 << 20, err, sizeof err), TD_OK);
    for (size_t i = 0; i < n; i++) {
        Tiendo__Report r = TIENDO__REPORT__INIT;
        r.unit = "01";
        r.dataset = "nq06";
        r.period = "2026-Q4";
        r.prepared_by = "test";
        outbox_prepared item;
        ck_assert_int_eq(outbox_prepare(&r, &item, err, sizeof err), TD_OK);
        ck_assert_int_eq(
            outbox_enqueue_many(ob, &item, 1, s_wall_ms() - 2000, NULL, NULL, err, sizeof err),
            TD_OK);
        outbox_prepared_clear(&item);
    }
    return ob;
}

/* Run the sender with test timings until the outbox is empty; returns how long it ran. */
static int64_t s_run(outbox_t *ob, const s_collector *c, size_t window)
{
    char public_key[TD_Z85_KEY_LEN + 1], secret[TD_Z85_KEY_LEN + 1];
    ck_assert_int_eq(zmq_curve_keypair(public_key, secret), 0);
    sender_options opts = {
        .endpoint = c->endpoint,
        .collector_public = c->server_public,
        .public_key = public_key,
        .secret_key = secret,
        .window = window,
        .resend_timeout_ms = 200,
        .backoff_max_ms = 400,
        .heartbeat_ms = 100,
        .zmq_heartbeat_ms = 200,
        .reconnect_max_ms = 200,
        .exit_when_empty = 1,
    };
    volatile sig_atomic_t stop = 0;
    int64_t start = s_now_ms();
    ck_assert_int_eq(sender_run(ob, &opts, &stop), TD_OK);
    return s_now_ms() - start;
}

static uint64_t s_txn_id(outbox_t *ob)
{
    outbox_stats st;
    char err[256];
    ck_assert_int_eq(outbox_get_stats(ob, &st, err, sizeof err), TD_OK);
    return st.last_txn_id;
}

/* The agent's log so far (malloc'd). */
static char *s_log_text(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/agent.log", s_dir);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strdup(buf);
}

/* The collector rejects 3 and its REJECTED ack is dropped; 4, 5, 6 are stored and
 * acknowledged. The agent must not count 3 as delivered: it resends it, gets the kept
 * REJECTED, and 3 becomes a dead letter with the collector's reason. */
START_TEST(test_lost_rejection_becomes_a_dead_letter)
{
    s_plan plan = {.reject_seq = 3, .drop_ack_of = 3};
    s_collector c;
    s_collector_start(&c, &plan);
    outbox_t *ob = s_outbox_with(6);
    s_run(ob, &c, 16);
    s_result res;
    s_collector_stop(&c, &res);

    ck_assert_uint_eq(res.acks_dropped, 1);
    ck_assert_uint_eq(res.rejected_answers, 1); /* the answer to the resend */
    ck_assert_uint_eq(res.nstored, 5);
    uint64_t expect[] = {1, 2, 4, 5, 6};
    for (size_t i = 0; i < 5; i++)
        ck_assert_uint_eq(res.stored[i], expect[i]);
    outbox_stats st;
    char err[256];
    ck_assert_int_eq(outbox_get_stats(ob, &st, err, sizeof err), TD_OK);
    ck_assert_uint_eq(st.queued, 0);
    ck_assert_uint_eq(st.dead, 1);
    outbox_record dead;
    ck_assert_int_eq(outbox_dead_get(ob, 3, &dead, err, sizeof err), TD_OK);
    ck_assert_str_eq(dead.reason, "bad report 3");
    outbox_record_clear(&dead);
    outbox_close(&ob);
    char *log = s_log_text();
    ck_assert_msg(strstr(log, "no ack for report #3; resending from it") != NULL, "%s", log);
    ck_assert_msg(strstr(log, "report #3 (unit 01, period 2026-Q4) was REJECTED by the "
                              "collector: bad report 3") != NULL,
                  "%s", log);
    free(log);
}
END_TEST

/* A REJECTED ack with its reason in parts (Ack.reason_format, reason_args): the dead
 * letter keeps them, and the office reads the reason in its own language, also after its
 * lost answer came back on a resend; the English text stays what the log and --json say. */
START_TEST(test_rejection_reason_in_parts)
{
    s_plan plan = {.reject_seq = 2, .drop_ack_of = 2, .reason_parts = 1};
    s_collector c;
    s_collector_start(&c, &plan);
    outbox_t *ob = s_outbox_with(3);
    s_run(ob, &c, 16);
    s_result res;
    s_collector_stop(&c, &res);

    ck_assert_uint_eq(res.nstored, 2);
    outbox_record dead;
    char err[256], text[OUTBOX_REASON_MAX];
    ck_assert_int_eq(outbox_dead_get(ob, 2, &dead, err, sizeof err), TD_OK);
    ck_assert_str_eq(dead.reason, "task_groups[2].progress: must be a number from 0 to 100");
    ck_assert_str_eq(dead.reason_format,
                     "task_groups[%s%.0s].progress: must be a number from 0 to 100");
    ck_assert_uint_eq(dead.reason_nargs, 2);
    ck_assert_str_eq(dead.reason_args[0], "2");
    ck_assert_str_eq(dead.reason_args[1], "3");
    td_i18n_init(TD_LANG_VI);
    ck_assert_str_eq(outbox_record_reason(&dead, text, sizeof text),
                     "nhóm nhiệm vụ 3: tiến độ (progress) phải là một số từ 0 đến 100");
    td_i18n_init(TD_LANG_EN);
    ck_assert_str_eq(outbox_record_reason(&dead, text, sizeof text), dead.reason);
    outbox_record_clear(&dead);
    outbox_close(&ob);
    char *log = s_log_text();
    ck_assert_msg(strstr(log, "was REJECTED by the collector: task_groups[2].progress: must be a "
                              "number from 0 to 100") != NULL,
                  "%s", log);
    free(log);
}
END_TEST

/* The collector answers a whole window at once: the loop writes the answers of a round
 * in one outbox transaction, not one per ack. */
START_TEST(test_round_of_acks_is_one_transaction)
{
    const size_t n = 300;
    s_plan plan = {.burst = n};
    s_collector c;
    s_collector_start(&c, &plan);
    outbox_t *ob = s_outbox_with(n);
    uint64_t before = s_txn_id(ob);
    s_run(ob, &c, n);
    uint64_t writes = s_txn_id(ob) - before;
    s_result res;
    s_collector_stop(&c, &res);
    ck_assert_uint_eq(res.nstored, n);
    ck_assert_uint_eq(res.reports_received, n); /* no resends */
    outbox_stats st;
    char err[256];
    ck_assert_int_eq(outbox_get_stats(ob, &st, err, sizeof err), TD_OK);
    ck_assert_uint_eq(st.queued, 0);
    /* 300 acks arrive together; the socket may hand them over in a few pieces */
    ck_assert_msg(writes >= 1 && writes <= 10, "%llu outbox writes for %zu acks",
                  (unsigned long long) writes, n);
    outbox_close(&ob);
}
END_TEST

/* The collector is down when the agent starts and then silent to reports: the agent
 * warns that it is not answering, keeps everything queued (it does not exit, even with
 * exit-when-empty), says when it answers again, and delivers. Heartbeats carry the
 * outbox's state. */
START_TEST(test_silent_collector_then_recovery)
{
    s_plan plan = {.bind_after_ms = 1200, .ignore_reports_ms = 600};
    s_collector c;
    s_collector_start(&c, &plan);
    outbox_t *ob = s_outbox_with(5);
    int64_t ran = s_run(ob, &c, 16);
    s_result res;
    s_collector_stop(&c, &res);
    ck_assert_int_ge(ran, 1800);
    outbox_stats st;
    char err[256];
    ck_assert_int_eq(outbox_get_stats(ob, &st, err, sizeof err), TD_OK);
    ck_assert_uint_eq(st.queued, 0);
    ck_assert_uint_eq(res.nstored, 5);
    outbox_close(&ob);

    char *log = s_log_text();
    char *warn = strstr(log, "WARN: collector not answering for ");
    ck_assert_msg(warn != NULL, "%s", log);
    ck_assert_msg(strstr(warn, "s (endpoint ipc://") != NULL, "%s", log);
    ck_assert_msg(strstr(warn, "); reports stay queued") != NULL, "%s", log);
    char *again = strstr(warn, "INFO: collector answering again");
    ck_assert_msg(again != NULL, "%s", log);
    free(log);

    ck_assert_uint_ge(res.heartbeats, 3);
    ck_assert_uint_eq(res.heartbeats_complete, res.heartbeats);
    ck_assert_str_eq(res.version, TIENDO_VERSION);
    ck_assert_uint_eq(res.max_depth, 5);    /* while the collector ignored the reports */
    ck_assert_int_ge(res.max_age_ms, 3000); /* queued 2 s before the start, 1.2 s down */
    ck_assert_uint_eq(res.max_dead, 0);
    ck_assert_int_le(res.max_clock_skew_ms, 5000);
}
END_TEST

/* ---- the handshake judgement (link.h), on made-up event sequences ---- */

/* One connection attempt at `at` that closes before the handshake after `close_after` ms
 * with errno err; returns what the judgement says at the close. */
static link_say s_attempt_closed(link_handshake *h, int64_t at, int64_t close_after, int err)
{
    ck_assert_int_eq(link_handshake_note(h, ZMQ_EVENT_CONNECTED, 12, at), LINK_SAY_NOTHING);
    return link_handshake_note(h, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, (uint32_t) err,
                               at + close_after);
}

/* A collector restart (or one killed while it hung): a few resets during the handshake,
 * then a handshake succeeds. Nothing names the collector's key, however often it
 * happens. */
START_TEST(test_handshake_resets_are_not_a_wrong_key)
{
    link_handshake h;
    memset(&h, 0, sizeof h);
    int64_t now = 1000;
    for (int restart = 0; restart < 50; restart++) {
        ck_assert_int_eq(link_handshake_note(&h, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0, now),
                         LINK_SAY_NOTHING);
        now += 30000;
        for (int i = 0; i < 10; i++, now += 300)
            ck_assert_int_eq(s_attempt_closed(&h, now, 2, i % 2 ? ECONNRESET : EPIPE),
                             LINK_SAY_NOTHING);
    }
    /* a hung collector: the handshake times out, again and again, for ten minutes */
    for (int i = 0; i < 20; i++, now += 31000)
        ck_assert_int_eq(s_attempt_closed(&h, now, 30000, EAGAIN), LINK_SAY_NOTHING);
}
END_TEST

/* A wrong --collector-public-key: the collector closes every connection right after our
 * HELLO. After a minute of that the key is named, then at most once a minute. */
START_TEST(test_handshake_closes_for_a_minute_name_the_key)
{
    link_handshake h;
    memset(&h, 0, sizeof h);
    int64_t start = 5000, now = start, first = 0, second = 0;
    for (; now < start + 200000; now += 200) {
        link_say say = s_attempt_closed(&h, now, 1, EPIPE);
        if (say == LINK_SAY_NOTHING)
            continue;
        ck_assert_int_eq(say, LINK_SAY_KEEPS_CLOSING);
        if (first == 0)
            first = now;
        else if (second == 0)
            second = now;
        else
            break;
    }
    ck_assert_int_ge(first - start, LINK_SUSPECT_MS - 1);
    ck_assert_int_le(first - start, LINK_SUSPECT_MS + 200);
    ck_assert_int_ge(second - first, LINK_WARN_EVERY_MS - 1);
    ck_assert_int_le(second - first, LINK_WARN_EVERY_MS + 200);
    ck_assert_uint_ge(h.failures, 300);
    /* a handshake that succeeds starts the count again */
    link_handshake_note(&h, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0, now);
    for (int i = 0; i < 100; i++, now += 200)
        ck_assert_int_eq(s_attempt_closed(&h, now, 1, EPIPE), LINK_SAY_NOTHING);
}
END_TEST

/* A refusal by the collector's key check (ZAP status) or a protocol error is said at
 * once, then at most once a minute, also when the link comes back in between. */
START_TEST(test_handshake_refusals_are_said_at_once)
{
    link_handshake h;
    memset(&h, 0, sizeof h);
    link_handshake_note(&h, ZMQ_EVENT_CONNECTED, 12, 100);
    ck_assert_int_eq(link_handshake_note(&h, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400, 101),
                     LINK_SAY_REFUSED);
    ck_assert_int_eq(link_handshake_note(&h, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400, 1101),
                     LINK_SAY_NOTHING);
    link_handshake_note(&h, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0, 2000);
    ck_assert_int_eq(link_handshake_note(&h, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400, 3000),
                     LINK_SAY_NOTHING);
    ck_assert_int_eq(
        link_handshake_note(&h, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400, 101 + LINK_WARN_EVERY_MS),
        LINK_SAY_REFUSED);
    ck_assert_int_eq(link_handshake_note(&h, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
                                         ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH, 200000),
                     LINK_SAY_PROTOCOL);
    ck_assert_int_eq(link_handshake_note(&h, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
                                         ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC, 200500),
                     LINK_SAY_NOTHING);
    /* neither counts as a connection closing during the handshake */
    ck_assert_uint_eq(h.failures, 0);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("sender");
    TCase *tc = tcase_create("loop");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_lost_rejection_becomes_a_dead_letter);
    tcase_add_test(tc, test_rejection_reason_in_parts);
    tcase_add_test(tc, test_round_of_acks_is_one_transaction);
    tcase_add_test(tc, test_silent_collector_then_recovery);
    suite_add_tcase(s, tc);
    TCase *th = tcase_create("handshake");
    tcase_add_test(th, test_handshake_resets_are_not_a_wrong_key);
    tcase_add_test(th, test_handshake_closes_for_a_minute_name_the_key);
    tcase_add_test(th, test_handshake_refusals_are_said_at_once);
    suite_add_tcase(s, th);
    return s;
}

int main(void)
{
    return td_unit_run(s_suite());
}
