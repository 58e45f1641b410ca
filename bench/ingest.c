/* ingest.c: tiendo-bench-ingest: N agents send M realistic reports each to a real
 * collector on loopback with durable acks; prints reports/s, ack latency, and in the
 * same run this machine's limits: LMDB at the same transaction size and ZeroMQ CURVE
 * acked messages over loopback. The last line is the ratio to the lower limit. */
#include <errno.h>
#include <inttypes.h>
#include <lmdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "clock.h"
#include "codec.h"
#include "keys.h"
#include "sample.h"

typedef struct {
    int agents;
    int reports;
    int window;
    const char *collector;
    const char *data_dir;
    const char *workdir;
    char (*agent_public)[TD_Z85_KEY_LEN + 1]; /* one key pair per agent, enrolled */
    char (*agent_secret)[TD_Z85_KEY_LEN + 1];
} s_opts;

typedef struct {
    void *sock;
    uint64_t epoch;
    uint64_t next_seq; /* next to send */
    uint64_t acked;    /* count of OK/DUPLICATE */
    uint64_t *sent_ns; /* by seq */
    uint8_t *frames;   /* pre-encoded envelopes, S_FRAME_SLOT bytes each */
    uint16_t *lens;
} s_agent;

/* Envelopes are encoded before the clock starts, so the load generator spends its CPU
 * on sending, not on protobuf: the figures measure the collector. */
#define S_FRAME_SLOT 1024

/* Provinces whose code and borders did not change in 2025: they exist in every
 * period the bench uses (2000-2025), so every report passes the collector's rules. */
static const char *const s_units[] = {"01", "04", "11", "12", "14", "20", "22", "38", "40", "42"};

/* The seq-th report of an agent: one of s_units, a month of 2000-2025. */
static size_t s_envelope(uint8_t *buf, size_t cap, uint64_t epoch, uint64_t seq, int agent)
{
    sample_report r;
    char period[16];
    sample_month(seq % (26 * 12), period, sizeof period);
    sample_report_fill(&r, s_units[agent % (int) (sizeof s_units / sizeof s_units[0])], period,
                       seq);
    return sample_envelope(buf, cap, epoch, seq, &r.report);
}

static int s_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
    return x < y ? -1 : x > y;
}

/* Drive every agent to completion against `endpoint`. When latencies is not NULL,
 * store one ack latency per report. Returns elapsed ns, or 0 on failure. */
static uint64_t s_run_agents(const s_opts *o, void *ctx, const char *endpoint,
                             const char *server_public, uint64_t *latencies, size_t *avg_len)
{
    s_agent *agents = calloc((size_t) o->agents, sizeof *agents);
    zmq_pollitem_t *items = calloc((size_t) o->agents, sizeof *items);
    uint8_t buf[TD_MAX_FRAME];
    size_t nlat = 0, total_len = 0, nlen = 0;
    for (int i = 0; i < o->agents; i++) {
        agents[i].sock = zmq_socket(ctx, ZMQ_DEALER);
        td_socket_basics(agents[i].sock, 0, 0, 0);
        td_socket_curve_client(agents[i].sock, server_public, o->agent_public[i],
                               o->agent_secret[i]);
        int hwm = 0;
        zmq_setsockopt(agents[i].sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
        zmq_setsockopt(agents[i].sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
        zmq_connect(agents[i].sock, endpoint);
        getrandom(&agents[i].epoch, sizeof agents[i].epoch, 0);
        agents[i].epoch |= 1;
        agents[i].next_seq = 1;
        agents[i].sent_ns = calloc((size_t) o->reports + 1, sizeof(uint64_t));
        agents[i].frames = malloc((size_t) o->reports * S_FRAME_SLOT);
        agents[i].lens = calloc((size_t) o->reports + 1, sizeof(uint16_t));
        for (int r = 1; r <= o->reports; r++) {
            size_t len = s_envelope(agents[i].frames + (size_t) (r - 1) * S_FRAME_SLOT,
                                    S_FRAME_SLOT, agents[i].epoch, (uint64_t) r, i);
            agents[i].lens[r] = (uint16_t) len;
            total_len += len;
            nlen++;
        }
        items[i].socket = agents[i].sock;
        items[i].events = ZMQ_POLLIN;
    }
    uint64_t start = td_mono_ns();
    uint64_t total = (uint64_t) o->agents * (uint64_t) o->reports, done = 0;
    int64_t deadline = td_mono_ms() + 600000;
    while (done < total && td_mono_ms() < deadline) {
        for (int i = 0; i < o->agents; i++) {
            s_agent *a = &agents[i];
            while (a->next_seq <= (uint64_t) o->reports &&
                   a->next_seq - 1 - a->acked < (uint64_t) o->window) {
                a->sent_ns[a->next_seq] = td_mono_ns();
                if (zmq_send(a->sock, a->frames + (a->next_seq - 1) * S_FRAME_SLOT,
                             a->lens[a->next_seq], 0) < 0)
                    break;
                a->next_seq++;
            }
        }
        if (zmq_poll(items, o->agents, 1000) < 0 && zmq_errno() != EINTR)
            break;
        for (int i = 0; i < o->agents; i++) {
            if (!(items[i].revents & ZMQ_POLLIN))
                continue;
            int n;
            while ((n = zmq_recv(agents[i].sock, buf, sizeof buf, ZMQ_DONTWAIT)) >= 0) {
                Tiendo__Ack *ack = NULL;
                if (td_ack_decode(buf, (size_t) n, &ack) != TD_OK)
                    continue;
                if (ack->status == TIENDO__ACK_STATUS__ACK_OK ||
                    ack->status == TIENDO__ACK_STATUS__ACK_DUPLICATE) {
                    if (ack->seq >= 1 && ack->seq <= (uint64_t) o->reports && latencies)
                        latencies[nlat++] = td_mono_ns() - agents[i].sent_ns[ack->seq];
                    agents[i].acked++;
                    done++;
                } else {
                    fprintf(stderr, "bench: unexpected ack status %d: %s\n", ack->status,
                            ack->reason ? ack->reason : "");
                    done = total + 1;
                }
                td_ack_free(&ack);
            }
        }
    }
    uint64_t elapsed = td_mono_ns() - start;
    for (int i = 0; i < o->agents; i++) {
        zmq_close(agents[i].sock);
        free(agents[i].sent_ns);
        free(agents[i].frames);
        free(agents[i].lens);
    }
    free(agents);
    free(items);
    if (avg_len != NULL)
        *avg_len = nlen ? total_len / nlen : 0;
    return done == total ? elapsed : 0;
}

/* ---- limit 1: ZeroMQ CURVE echo (ack without storage) ---- */
typedef struct {
    void *ctx;
    const char *secret;
    char endpoint[256];
    volatile int ready, stop;
} s_echo;

static void *s_zap_thread(void *arg)
{
    void *sock = arg;
    for (;;) {
        char frames[8][300];
        int sizes[8], n = 0;
        int more = 1;
        while (more && n < 8) {
            sizes[n] = zmq_recv(sock, frames[n], sizeof frames[n], 0);
            if (sizes[n] < 0) { /* ETERM from zmq_ctx_shutdown: done */
                zmq_close(sock);
                return NULL;
            }
            int64_t m = 0;
            size_t ml = sizeof m;
            zmq_getsockopt(sock, ZMQ_RCVMORE, &m, &ml);
            more = (int) m;
            n++;
        }
        zmq_send(sock, "1.0", 3, ZMQ_SNDMORE);
        zmq_send(sock, frames[1], (size_t) sizes[1], ZMQ_SNDMORE);
        zmq_send(sock, "200", 3, ZMQ_SNDMORE);
        zmq_send(sock, "OK", 2, ZMQ_SNDMORE);
        zmq_send(sock, "bench", 5, ZMQ_SNDMORE);
        zmq_send(sock, "", 0, 0);
    }
}

static void *s_echo_thread(void *arg)
{
    s_echo *e = arg;
    void *sock = zmq_socket(e->ctx, ZMQ_ROUTER);
    td_socket_basics(sock, 0, 0, 0);
    td_socket_curve_server(sock, e->secret, "bench");
    int hwm = 0;
    zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_bind(sock, "tcp://127.0.0.1:*");
    size_t len = sizeof e->endpoint;
    zmq_getsockopt(sock, ZMQ_LAST_ENDPOINT, e->endpoint, &len);
    e->ready = 1;
    uint8_t id[256], buf[TD_MAX_FRAME], ackbuf[128];
    zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
    while (!e->stop) {
        if (zmq_poll(&item, 1, 100) <= 0)
            continue;
        int idn, n;
        while ((idn = zmq_recv(sock, id, sizeof id, ZMQ_DONTWAIT)) >= 0) {
            n = zmq_recv(sock, buf, sizeof buf, 0);
            if (n < 0)
                break;
            /* Do what the collector does per message apart from storage: decode,
             * encode an ack, send it. */
            Tiendo__Envelope *env = NULL;
            if (td_envelope_decode(buf, (size_t) n, &env) != TD_OK)
                continue;
            Tiendo__Ack ack = TIENDO__ACK__INIT;
            ack.has_seq = ack.has_status = ack.has_epoch = 1;
            ack.seq = env->seq;
            ack.epoch = env->epoch;
            ack.status = TIENDO__ACK_STATUS__ACK_OK;
            size_t alen = 0;
            td_message_encode(&ack.base, ackbuf, sizeof ackbuf, &alen);
            td_envelope_free(&env);
            zmq_send(sock, id, (size_t) idn, ZMQ_SNDMORE);
            zmq_send(sock, ackbuf, alen, 0);
        }
    }
    zmq_close(sock);
    return NULL;
}

static double s_zmq_limit(const s_opts *o)
{
    void *ctx = zmq_ctx_new();
    void *zap = zmq_socket(ctx, ZMQ_REP);
    zmq_bind(zap, "inproc://zeromq.zap.01");
    pthread_t zt, et;
    pthread_create(&zt, NULL, s_zap_thread, zap);
    char pub[41], sec[41];
    zmq_curve_keypair(pub, sec);
    s_echo e = {ctx, sec, "", 0, 0};
    pthread_create(&et, NULL, s_echo_thread, &e);
    while (!e.ready)
        usleep(1000);
    uint64_t ns = s_run_agents(o, ctx, e.endpoint, pub, NULL, NULL);
    e.stop = 1;
    pthread_join(et, NULL);
    zmq_ctx_shutdown(ctx); /* the ZAP thread's recv returns ETERM; it closes its socket */
    pthread_join(zt, NULL);
    zmq_ctx_term(ctx);
    return ns ? (double) o->agents * o->reports / ((double) ns / 1e9) : 0;
}

/* ---- limit 2: LMDB with the collector's puts per report at the same txn size ---- */
static double s_lmdb_limit(const s_opts *o, size_t value_len, size_t batch)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/lmdb-limit", o->workdir);
    mkdir(dir, 0700);
    MDB_env *env;
    MDB_dbi rev, latest;
    MDB_txn *txn;
    mdb_env_create(&env);
    mdb_env_set_maxdbs(env, 4);
    mdb_env_set_mapsize(env, (size_t) 8 << 30);
    if (mdb_env_open(env, dir, 0, 0600) != 0)
        return 0;
    mdb_txn_begin(env, NULL, 0, &txn);
    mdb_dbi_open(txn, "revisions", MDB_CREATE, &rev);
    mdb_dbi_open(txn, "latest", MDB_CREATE, &latest);
    mdb_txn_commit(txn);
    uint64_t total = (uint64_t) o->agents * (uint64_t) o->reports;
    uint8_t *value = calloc(1, value_len + 64);
    uint64_t start = td_mono_ns();
    for (uint64_t i = 0; i < total;) {
        mdb_txn_begin(env, NULL, 0, &txn);
        for (size_t b = 0; b < batch && i < total; b++, i++) {
            /* natural key shape: dataset, period, unit (+ revision for history) */
            uint8_t k[32];
            int kl = snprintf((char *) k, sizeof k, "nq06%c%08" PRIu64 "%02d", 0, i / 17,
                              (int) (i % 17));
            MDB_val key = {(size_t) kl + 1, k}, val = {value_len + 57, value};
            mdb_put(txn, latest, &key, &val, 0);
            k[kl + 1] = 0;
            MDB_val rkey = {(size_t) kl + 5, k};
            mdb_put(txn, rev, &rkey, &val, 0);
        }
        if (mdb_txn_commit(txn) != 0)
            return 0;
    }
    uint64_t ns = td_mono_ns() - start;
    mdb_env_close(env);
    free(value);
    return (double) total / ((double) ns / 1e9);
}

/* ---- the real collector ---- */
static pid_t s_start_collector(const s_opts *o, char *endpoint, size_t cap)
{
    char key[512], state[512], epfile[512], log[512];
    snprintf(key, sizeof key, "%s/collector", o->workdir);
    char err[256];
    if (td_keys_generate(key, err, sizeof err) != TD_OK) {
        fprintf(stderr, "bench: %s\n", err);
        return -1;
    }
    /* Enrol every agent's key (scope *): the collector refuses unknown keys. */
    char auth[512];
    snprintf(auth, sizeof auth, "%s/authorized-keys", o->workdir);
    FILE *af = fopen(auth, "w");
    if (af == NULL) {
        fprintf(stderr, "bench: %s: %s\n", auth, strerror(errno));
        return -1;
    }
    for (int i = 0; i < o->agents; i++)
        fprintf(af, "agent %s * bench agent %d\n", o->agent_public[i], i);
    if (fclose(af) != 0)
        return -1;
    snprintf(key, sizeof key, "%s/collector.key", o->workdir);
    snprintf(state, sizeof state, "%s/store", o->workdir);
    snprintf(epfile, sizeof epfile, "%s/endpoints", o->workdir);
    snprintf(log, sizeof log, "%s/collector.log", o->workdir);
    pid_t pid = fork();
    if (pid == 0) {
        freopen(log, "w", stderr);
        execl(o->collector, o->collector, "run", "--state-dir", state, "--bind",
              "tcp://127.0.0.1:*", "--query-bind", "tcp://127.0.0.1:*", "--secret-key", key,
              "--data-dir", o->data_dir, "--endpoint-file", epfile, "--stats-interval-s", "3600",
              "--authorized-keys", auth, (char *) NULL);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) {
        FILE *f = fopen(epfile, "r");
        if (f != NULL) {
            char line[300];
            while (fgets(line, sizeof line, f))
                if (strncmp(line, "agents=", 7) == 0)
                    snprintf(endpoint, cap, "%.*s", (int) strcspn(line + 7, "\n"), line + 7);
            fclose(f);
            return pid;
        }
        usleep(50000);
    }
    kill(pid, SIGKILL);
    return -1;
}

/* CPU seconds (user + system) the process has used so far, from /proc. */
static double s_cpu_seconds(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    unsigned long utime = 0, stime = 0;
    if (p == NULL ||
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
        return 0;
    return (double) (utime + stime) / (double) sysconf(_SC_CLK_TCK);
}

/* Mean batch size from the collector's closing stats line. */
static double s_mean_batch(const s_opts *o)
{
    char path[512], line[2048];
    snprintf(path, sizeof path, "%s/collector.log", o->workdir);
    FILE *f = fopen(path, "r");
    double mean = 0;
    while (f != NULL && fgets(line, sizeof line, f)) {
        unsigned long long stored = 0, batches = 0;
        char *p = strstr(line, "reports received, ");
        char *q = strstr(line, " duplicates, ");
        char *b = strstr(line, " heartbeats, ");
        if (p && q && b && sscanf(p + 18, "%llu stored", &stored) == 1 &&
            sscanf(strstr(b, "malformed, ") + 11, "%llu batches", &batches) == 1 && batches)
            mean = (double) stored / (double) batches;
    }
    if (f)
        fclose(f);
    return mean;
}

int main(int argc, char **argv)
{
    s_opts o = {50, 2000, 200, NULL, TIENDO_DEFAULT_DATA_DIR, NULL, NULL, NULL};
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--agents") == 0 && v)
            o.agents = atoi(argv[++i]);
        else if (strcmp(argv[i], "--reports") == 0 && v)
            o.reports = atoi(argv[++i]);
        else if (strcmp(argv[i], "--window") == 0 && v)
            o.window = atoi(argv[++i]);
        else if (strcmp(argv[i], "--collector") == 0 && v)
            o.collector = argv[++i];
        else if (strcmp(argv[i], "--data-dir") == 0 && v)
            o.data_dir = argv[++i];
        else {
            fprintf(stderr,
                    "Usage: tiendo-bench-ingest --collector PATH [--agents 50] [--reports 2000] "
                    "[--window 200] [--data-dir DIR]\n"
                    "N agents each send M reports (about 500 bytes) to a real collector on\n"
                    "loopback and wait for durable acks; then measures this machine's limits\n"
                    "(LMDB at the same transaction size, ZeroMQ CURVE acked messages).\n");
            return 2;
        }
    }
    if (o.collector == NULL || o.agents < 1 || o.agents > 1000 || o.reports < 1 || o.window < 1) {
        fprintf(stderr, "tiendo-bench-ingest: --collector PATH is required; counts >= 1\n");
        return 2;
    }
    char workdir[] = "/tmp/tiendo-bench-XXXXXX";
    if (mkdtemp(workdir) == NULL)
        return 1;
    o.workdir = workdir;
    o.agent_public = calloc((size_t) o.agents, sizeof *o.agent_public);
    o.agent_secret = calloc((size_t) o.agents, sizeof *o.agent_secret);
    if (o.agent_public == NULL || o.agent_secret == NULL)
        return 1;
    for (int i = 0; i < o.agents; i++)
        zmq_curve_keypair(o.agent_public[i], o.agent_secret[i]);
    uint64_t total = (uint64_t) o.agents * (uint64_t) o.reports;

    char endpoint[256] = "", pubpath[512], server_public[41], err[256];
    pid_t pid = s_start_collector(&o, endpoint, sizeof endpoint);
    snprintf(pubpath, sizeof pubpath, "%s/collector.pub", workdir);
    if (pid < 0 || td_keys_load_public(pubpath, server_public, err, sizeof err) != TD_OK) {
        fprintf(stderr, "bench: collector did not start\n");
        return 1;
    }
    uint64_t *lat = calloc(total, sizeof *lat);
    size_t avg_len = 0;
    void *ctx = zmq_ctx_new();
    printf("ingest: %d agents x %d reports, window %d, CURVE, durable acks\n", o.agents, o.reports,
           o.window);
    uint64_t ns = s_run_agents(&o, ctx, endpoint, server_public, lat, &avg_len);
    zmq_ctx_term(ctx);
    double collector_cpu = s_cpu_seconds(pid);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    if (ns == 0) {
        fprintf(stderr, "bench: not every report was acknowledged\n");
        return 1;
    }
    qsort(lat, total, sizeof *lat, s_cmp_u64);
    double rate = (double) total / ((double) ns / 1e9);
    double batch = s_mean_batch(&o);
    printf("ingest: %.0f reports/s (%" PRIu64 " reports of %zu bytes on average in %.2f s)\n", rate,
           total, avg_len, (double) ns / 1e9);
    printf("ingest: ack latency p50 %.2f ms, p99 %.2f ms; mean batch %.0f reports\n",
           (double) lat[total / 2] / 1e6, (double) lat[total * 99 / 100] / 1e6, batch);
    printf("ingest: collector CPU %.2f s in all, %.1f us per report (both cores: %d)\n",
           collector_cpu, collector_cpu * 1e6 / (double) total,
           (int) sysconf(_SC_NPROCESSORS_ONLN));

    size_t txn_size = batch >= 1 ? (size_t) (batch + 0.5) : 1;
    double lmdb = s_lmdb_limit(&o, avg_len, txn_size);
    printf("limit: LMDB %.0f reports/s (2 puts each, %zu per transaction, default sync)\n", lmdb,
           txn_size);
    double zmq = s_zmq_limit(&o);
    printf("limit: ZeroMQ %.0f acked messages/s (CURVE, loopback, decode+ack, same window)\n", zmq);
    double lower = lmdb < zmq ? lmdb : zmq;
    printf("ratio: %.2f of the lower limit (%s, %.0f/s)\n", lower > 0 ? rate / lower : 0,
           lmdb < zmq ? "LMDB" : "ZeroMQ", lower);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", workdir);
    free(o.agent_public);
    free(o.agent_secret);
    if (system(cmd) != 0)
        return 1;
    return 0;
}
