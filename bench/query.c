/* query.c: tiendo-bench-query: builds a store with a long history (3,355 units x many
 * periods x revisions, over a million revisions), serves it with the real collector
 * and times `tiendo status`, `indicators` and `units` at 100k and at 1M revisions: the
 * answer must not grow with the length of history (it reads O(units) of the period). */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "clock.h"
#include "codec.h"
#include "keys.h"
#include "sample.h"
#include "store.h"

#define PROVINCES 34

typedef struct {
    const char *collector, *cli, *data_dir;
    int communes, periods, revisions, queries;
    char work[64];
} s_opts;

static const char *const s_provinces[PROVINCES] = {
    "01", "04", "08", "11", "12", "14", "15", "19", "20", "22", "24", "25",
    "31", "33", "37", "38", "40", "42", "44", "46", "48", "51", "52", "56",
    "66", "68", "75", "79", "80", "82", "86", "91", "92", "96"};

/* A registry folder: data/ plus synthetic communes (5-digit codes) under the 34
 * provinces, so the store holds reports of 34 + communes units. */
static int s_make_registry(const s_opts *o, char *dir, size_t len)
{
    snprintf(dir, len, "%s/data", o->work);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "mkdir -p %s && cp %s/*.csv %s/", dir, o->data_dir, dir);
    if (system(cmd) != 0)
        return -1;
    char path[600];
    snprintf(path, sizeof path, "%s/units.csv", dir);
    FILE *f = fopen(path, "a");
    if (f == NULL)
        return -1;
    for (int c = 0; c < o->communes; c++)
        fprintf(f, "%05d,Xã %d,commune,%s,2025-07-01,,\n", 10000 + c, c + 1,
                s_provinces[c % PROVINCES]);
    return fclose(f);
}

static void s_unit(int i, char *buf, size_t len)
{
    if (i < PROVINCES)
        snprintf(buf, len, "%s", s_provinces[i]);
    else
        snprintf(buf, len, "%05d", 10000 + i - PROVINCES);
}

/* Add `revisions` revisions of every (unit, period) to the store. */
static int s_fill(const s_opts *o, const char *state, int revisions, uint64_t *seq)
{
    store_t *store = NULL;
    char err[256];
    /* A map big enough for the whole run (the file stays sparse): no MAP_FULL here. */
    if (store_open(&store, state, (size_t) 8 << 30, (size_t) 64 << 30, err, sizeof err) != TD_OK) {
        fprintf(stderr, "bench: %s\n", err);
        return -1;
    }
    int units = PROVINCES + o->communes;
    sample_report r;
    store_txn txn;
    int in_txn = 0;
    for (int rev = 0; rev < revisions; rev++) {
        for (int p = 0; p < o->periods; p++) {
            char period[16];
            sample_month((uint64_t) (23 * 12 + p), period, sizeof period); /* from 2023-M01 */
            for (int u = 0; u < units; u++) {
                char unit[16];
                s_unit(u, unit, sizeof unit);
                sample_report_fill(&r, unit, period, *seq);
                store_origin origin = {{0}, 1, ++*seq, td_now_ms()};
                memset(origin.agent, 0x5a, sizeof origin.agent);
                if (!in_txn && store_begin(store, 0, &txn) != TD_OK)
                    return -1;
                in_txn = 1;
                td_err rc = store_report_put(&txn, &origin, &r.report, NULL, 0, NULL);
                if (rc == TD_OK && *seq % 5000 == 0) {
                    rc = store_commit(&txn);
                    in_txn = 0;
                }
                if (rc != TD_OK) {
                    fprintf(stderr, "bench: store: %s\n", td_strerror(rc));
                    return -1;
                }
            }
        }
    }
    if (in_txn && store_commit(&txn) != TD_OK)
        return -1;
    store_close(&store);
    return 0;
}

static pid_t s_start(const s_opts *o, const char *state, const char *data, char *query_ep)
{
    char key[128], ep[128], log[128];
    char auth[128], staff[TD_Z85_KEY_LEN + 1], err[256];
    snprintf(auth, sizeof auth, "%s/staff.pub", o->work);
    if (td_keys_load_public(auth, staff, err, sizeof err) != TD_OK) {
        fprintf(stderr, "bench: %s\n", err);
        return -1;
    }
    /* Enrol the staff key for reading: the collector refuses unknown keys. */
    snprintf(auth, sizeof auth, "%s/authorized-keys", o->work);
    FILE *af = fopen(auth, "w");
    if (af == NULL || fprintf(af, "query %s * bench staff\n", staff) < 0 || fclose(af) != 0)
        return -1;
    snprintf(key, sizeof key, "%s/collector.key", o->work);
    snprintf(ep, sizeof ep, "%s/endpoints", o->work);
    snprintf(log, sizeof log, "%s/collector.log", o->work);
    unlink(ep);
    fflush(stdout); /* or the child's copy of the buffer is printed twice */
    pid_t pid = fork();
    if (pid == 0) {
        if (freopen(log, "a", stderr) == NULL)
            _exit(126);
        execl(o->collector, o->collector, "run", "--state-dir", state, "--bind",
              "tcp://127.0.0.1:*", "--query-bind", "tcp://127.0.0.1:*", "--secret-key", key,
              "--data-dir", data, "--endpoint-file", ep, "--authorized-keys", auth, (char *) NULL);
        _exit(127);
    }
    for (int i = 0; i < 400; i++) {
        FILE *f = fopen(ep, "r");
        if (f != NULL) {
            char line[300];
            while (fgets(line, sizeof line, f))
                if (strncmp(line, "query=", 6) == 0)
                    snprintf(query_ep, 256, "%.*s", (int) strcspn(line + 6, "\n"), line + 6);
            fclose(f);
            return pid;
        }
        usleep(50000);
    }
    kill(pid, SIGKILL);
    return -1;
}

static int s_cmp(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

/* Time `tiendo WHAT --json` as a user runs it (process start to exit), n times; returns
 * the median in microseconds, or -1. */
static int s_time_cli(const s_opts *o, const char *data, const char *query_ep, const char *what,
                      uint64_t revisions)
{
    double *ms = calloc((size_t) o->queries, sizeof *ms);
    char pub[128], key[128], period[16];
    snprintf(pub, sizeof pub, "%s/collector.pub", o->work);
    snprintf(key, sizeof key, "%s/staff.key", o->work);
    sample_month((uint64_t) (23 * 12 + o->periods - 1), period, sizeof period);
    for (int q = 0; q < o->queries; q++) {
        fflush(stdout);
        uint64_t t0 = td_mono_ns();
        pid_t pid = fork();
        if (pid == 0) {
            if (freopen("/dev/null", "w", stdout) == NULL)
                _exit(126);
            execl(o->cli, o->cli, what, "--period", period, "--json", "--query", query_ep,
                  "--collector-public-key", pub, "--secret-key", key, "--data-dir", data,
                  (char *) NULL);
            _exit(127);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        ms[q] = (double) (td_mono_ns() - t0) / 1e6;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "bench: tiendo %s failed (status %d)\n", what, status);
            free(ms);
            return -1;
        }
    }
    qsort(ms, (size_t) o->queries, sizeof *ms, s_cmp);
    printf("query: tiendo %s over %" PRIu64 " revisions (%d units in the period): p50 %.1f ms, "
           "p99 %.1f ms, max %.1f ms\n",
           what, revisions, PROVINCES + o->communes, ms[o->queries / 2], ms[o->queries * 99 / 100],
           ms[o->queries - 1]);
    double p50 = ms[o->queries / 2];
    free(ms);
    return (int) (p50 * 1000);
}

int main(int argc, char **argv)
{
    s_opts o = {NULL, NULL, TIENDO_DEFAULT_DATA_DIR, 3321, 30, 10, 30, ""};
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--collector") == 0 && v)
            o.collector = argv[++i];
        else if (strcmp(argv[i], "--cli") == 0 && v)
            o.cli = argv[++i];
        else if (strcmp(argv[i], "--data-dir") == 0 && v)
            o.data_dir = argv[++i];
        else if (strcmp(argv[i], "--communes") == 0 && v)
            o.communes = atoi(argv[++i]);
        else if (strcmp(argv[i], "--periods") == 0 && v)
            o.periods = atoi(argv[++i]);
        else if (strcmp(argv[i], "--revisions") == 0 && v)
            o.revisions = atoi(argv[++i]);
        else if (strcmp(argv[i], "--queries") == 0 && v)
            o.queries = atoi(argv[++i]);
        else {
            fprintf(stderr,
                    "Usage: tiendo-bench-query --collector PATH --cli PATH [--communes 3321]\n"
                    "  [--periods 30] [--revisions 10] [--queries 30] [--data-dir DIR]\n"
                    "Builds a store of (34 + communes) x periods x revisions report\n"
                    "revisions and times `tiendo status` at 1 revision per report and at\n"
                    "all of them: the time must not grow with the history.\n");
            return 2;
        }
    }
    if (o.collector == NULL || o.cli == NULL || o.communes < 0 || o.periods < 1 ||
        o.revisions < 2 || o.queries < 1) {
        fprintf(stderr, "tiendo-bench-query: --collector and --cli are required (see --help)\n");
        return 2;
    }
    snprintf(o.work, sizeof o.work, "/tmp/tiendo-bench-query-XXXXXX");
    if (mkdtemp(o.work) == NULL)
        return 1;
    char data[128], state[128], prefix[128], err[256], query_ep[256];
    snprintf(state, sizeof state, "%s/store", o.work);
    if (s_make_registry(&o, data, sizeof data) != 0)
        return 1;
    snprintf(prefix, sizeof prefix, "%s/collector", o.work);
    td_keys_generate(prefix, err, sizeof err);
    snprintf(prefix, sizeof prefix, "%s/staff", o.work);
    td_keys_generate(prefix, err, sizeof err);

    uint64_t seq = 0;
    int status = 1;
    int small = -1, big = -1;
    uint64_t t0 = td_mono_ns();
    if (s_fill(&o, state, 1, &seq) != 0)
        goto done;
    printf("store: %" PRIu64 " revisions written in %.1f s\n", seq,
           (double) (td_mono_ns() - t0) / 1e9);
    pid_t pid = s_start(&o, state, data, query_ep);
    if (pid < 0)
        goto done;
    small = s_time_cli(&o, data, query_ep, "status", seq);
    if (small > 0 && (s_time_cli(&o, data, query_ep, "indicators", seq) < 0 ||
                      s_time_cli(&o, data, query_ep, "units", seq) < 0))
        small = -1;
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);

    t0 = td_mono_ns();
    if (s_fill(&o, state, o.revisions - 1, &seq) != 0)
        goto done;
    printf("store: %" PRIu64 " revisions in all after %.1f s more\n", seq,
           (double) (td_mono_ns() - t0) / 1e9);
    pid = s_start(&o, state, data, query_ep);
    if (pid < 0)
        goto done;
    big = s_time_cli(&o, data, query_ep, "status", seq);
    if (big > 0 && (s_time_cli(&o, data, query_ep, "indicators", seq) < 0 ||
                    s_time_cli(&o, data, query_ep, "units", seq) < 0))
        big = -1;
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    if (small > 0 && big > 0) {
        printf("ratio: status p50 at %" PRIu64 " revisions / at %" PRIu64 " = %.2f "
               "(1.00: independent of history); budget 50 ms: %s\n",
               seq, seq / o.revisions, (double) big / small, big < 50000 ? "met" : "NOT met");
        status = 0;
    }
done:;
    if (getenv("TIENDO_BENCH_KEEP") != NULL) { /* for profiling: keep the store and keys */
        printf("kept %s\n", o.work);
        return status;
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", o.work);
    if (system(cmd) != 0)
        status = 1;
    return status;
}
