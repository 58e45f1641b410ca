/* test_offices.c: every office, named (collector/offices): the authorised keys merged with
 * the agents table in the agents answer, the office metrics and the status answer's units
 * without a live agent: an office enrolled and never seen, one seen a minute ago, one seen
 * a day ago, one whose key was revoked, and a query key. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zmq.h>

#include "auth.h"
#include "calendar.h"
#include "clock.h"
#include "exporter.h"
#include "ingest.h"
#include "offices.h"
#include "registry.h"
#include "store.h"
#include "summary.h"
#include "zap.h"
#include "unit_main.h"

#define DATA_DIR  TIENDO_SOURCE_DIR "/data"
#define NOW_MS    INT64_C(1780000000000)
#define SILENT_MS INT64_C(300000)

static char s_dir[64];
static td_registry_t *s_reg;
static td_calendar_t *s_cal;
static store_t *s_store;
static auth_t *s_auth;

/* The offices: their keys (Z85 and raw), enrolment and last contact (0: none). */
typedef struct {
    const char *name, *role, *scope;
    int enrolled;
    int64_t seen_ago_ms; /* -1: never */
    char z85[TD_Z85_KEY_LEN + 1];
    uint8_t raw[32];
} s_office;

static s_office s_offices[] = {
    {"Hà Nội office", "agent", "01/*", 1, 60000, "", {0}},     /* connected */
    {"HCMC office", "agent", "79/*", 1, 86400000, "", {0}},    /* silent */
    {"Đà Nẵng office", "agent", "48/*", 1, -1, "", {0}},       /* never connected */
    {"Cần Thơ (revoked)", "agent", "92/*", 0, 30000, "", {0}}, /* revoked */
    {"Staff", "query", "*", 1, -1, "", {0}},                   /* a query key */
};
#define NOFFICES (sizeof s_offices / sizeof s_offices[0])

static void s_setup(void)
{
    char err[512], text[4096] = "";
    ck_assert_msg(td_registry_open(&s_reg, DATA_DIR, err, sizeof err) == TD_OK, "%s", err);
    ck_assert_msg(td_calendar_open(&s_cal, DATA_DIR, err, sizeof err) == TD_OK, "%s", err);
    strcpy(s_dir, "/tmp/tiendo-offices-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(s_dir));
    ck_assert_int_eq(store_open(&s_store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    store_txn txn;
    ck_assert_int_eq(store_begin(s_store, 0, &txn), TD_OK);
    for (size_t i = 0; i < NOFFICES; i++) {
        s_office *o = &s_offices[i];
        char secret[TD_Z85_KEY_LEN + 1];
        ck_assert_int_eq(zmq_curve_keypair(o->z85, secret), 0);
        ck_assert_ptr_nonnull(zmq_z85_decode(o->raw, o->z85));
        if (o->enrolled) {
            size_t len = strlen(text);
            snprintf(text + len, sizeof text - len, "%s %s %s %s\n", o->role, o->z85, o->scope,
                     o->name);
        }
        if (o->seen_ago_ms >= 0)
            ck_assert_int_eq(store_agent_seen(&txn, o->raw, NOW_MS - o->seen_ago_ms, 7, 3, NULL),
                             TD_OK);
    }
    ck_assert_int_eq(store_commit(&txn), TD_OK);
    ck_assert_msg(auth_parse(&s_auth, "keys", text, strlen(text), s_reg, err, sizeof err) == TD_OK,
                  "%s", err);
}

static void s_teardown(void)
{
    auth_close(&s_auth);
    store_close(&s_store);
    td_calendar_close(&s_cal);
    td_registry_close(&s_reg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    ck_assert_int_eq(system(cmd), 0);
}

static const s_office *s_by_key(const char *z85)
{
    for (size_t i = 0; i < NOFFICES; i++)
        if (strcmp(s_offices[i].z85, z85) == 0)
            return &s_offices[i];
    ck_abort_msg("unknown key %s", z85);
    return NULL;
}

START_TEST(states_by_contact_and_enrolment)
{
    offices_view v = {NULL, SILENT_MS, NOW_MS};
    ck_assert_int_eq(office_state_of(1, 0, &v), OFFICE_NEVER_CONNECTED);
    ck_assert_int_eq(office_state_of(1, NOW_MS - SILENT_MS, &v), OFFICE_CONNECTED);
    ck_assert_int_eq(office_state_of(1, NOW_MS - SILENT_MS - 1, &v), OFFICE_SILENT);
    ck_assert_int_eq(office_state_of(1, NOW_MS + 5000, &v), OFFICE_CONNECTED); /* clock behind */
    ck_assert_int_eq(office_state_of(0, NOW_MS, &v), OFFICE_REVOKED);
    ck_assert_int_eq(office_state_of(0, 0, &v), OFFICE_REVOKED);
    ck_assert_str_eq(office_state_name(OFFICE_CONNECTED), "connected");
    ck_assert_str_eq(office_state_name(OFFICE_SILENT), "silent");
    ck_assert_str_eq(office_state_name(OFFICE_NEVER_CONNECTED), "never_connected");
    ck_assert_str_eq(office_state_name(OFFICE_REVOKED), "revoked");
}
END_TEST

/* Every enrolled key, seen or not, then the revoked one, each once, in key order. */
START_TEST(the_agents_answer_names_every_office)
{
    offices_view v = {s_auth, SILENT_MS, NOW_MS};
    Tiendo__AgentList *list = NULL;
    ck_assert_int_eq(summary_agents(s_store, &v, &list), TD_OK);
    ck_assert_uint_eq(list->n_agents, NOFFICES);
    ck_assert(list->has_silent_after_ms && list->has_now_ms);
    ck_assert_int_eq(list->silent_after_ms, SILENT_MS);
    ck_assert_int_eq(list->now_ms, NOW_MS);
    static const char *const expected_state[NOFFICES] = {"connected", "silent", "never_connected",
                                                         "revoked", "never_connected"};
    for (size_t i = 0; i < list->n_agents; i++) {
        const Tiendo__AgentInfo *a = list->agents[i];
        if (i > 0)
            ck_assert_int_lt(memcmp(s_by_key(list->agents[i - 1]->public_key)->raw,
                                    s_by_key(a->public_key)->raw, 32),
                             0);
        const s_office *o = s_by_key(a->public_key);
        ck_assert_str_eq(a->state, expected_state[o - s_offices]);
        ck_assert(a->has_enrolled);
        ck_assert_int_eq(a->enrolled, o->enrolled);
        if (o->enrolled) {
            ck_assert_str_eq(a->name, o->name);
            ck_assert_str_eq(a->role, o->role);
            ck_assert_str_eq(a->scope, o->scope);
        } else {
            ck_assert_ptr_null(a->name); /* the authorised keys no longer say */
            ck_assert_ptr_null(a->scope);
        }
        ck_assert_int_eq(a->has_last_seen_ms, o->seen_ago_ms >= 0);
        if (o->seen_ago_ms >= 0) {
            ck_assert_int_eq(a->last_seen_ms, NOW_MS - o->seen_ago_ms);
            ck_assert_uint_eq(a->high_water, 3);
        }
    }
    summary_free((ProtobufCMessage **) &list);

    /* nothing enrolled: the keys the agents table holds, all revoked */
    offices_view none = {NULL, SILENT_MS, NOW_MS};
    ck_assert_int_eq(summary_agents(s_store, &none, &list), TD_OK);
    ck_assert_uint_eq(list->n_agents, 3); /* the keys that made contact */
    for (size_t i = 0; i < list->n_agents; i++)
        ck_assert_str_eq(list->agents[i]->state, "revoked");
    summary_free((ProtobufCMessage **) &list);
}
END_TEST

/* Only Hà Nội's agent is connected: every other expected unit of 2026-Q3 has no live agent
 * (HCMC's is silent, Đà Nẵng's never came, Cần Thơ's key is revoked). */
START_TEST(status_names_the_units_without_a_live_agent)
{
    offices_view v = {s_auth, SILENT_MS, NOW_MS};
    Tiendo__StatusSummary *sum = NULL;
    char reason[256] = "";
    ck_assert_int_eq(
        summary_status(s_store, s_reg, s_cal, &v, "nq06", "2026-Q3", &sum, reason, sizeof reason),
        TD_OK);
    ck_assert_uint_eq(sum->n_without_live_agent, 33);
    for (size_t i = 0; i < sum->n_without_live_agent; i++)
        ck_assert_str_ne(sum->without_live_agent[i], "01");
    ck_assert_str_eq(sum->without_live_agent[0], "04"); /* code order */
    summary_free((ProtobufCMessage **) &sum);

    /* on the old map (2024), Hà Nội's subtree scope still covers only 01 */
    ck_assert_int_eq(
        summary_status(s_store, s_reg, s_cal, &v, "nq06", "2024", &sum, reason, sizeof reason),
        TD_OK);
    ck_assert_uint_eq(sum->units_expected, 63);
    ck_assert_uint_eq(sum->n_without_live_agent, 62);
    summary_free((ProtobufCMessage **) &sum);

    /* HCMC's agent speaks again: a subtree scope holds the city, and in 2024 the provinces
     * merged into it since (74, 77) */
    store_txn txn;
    ck_assert_int_eq(store_begin(s_store, 0, &txn), TD_OK);
    ck_assert_int_eq(store_agent_seen(&txn, s_offices[1].raw, NOW_MS - 1000, 7, 3, NULL), TD_OK);
    ck_assert_int_eq(store_commit(&txn), TD_OK);
    ck_assert_int_eq(
        summary_status(s_store, s_reg, s_cal, &v, "nq06", "2024", &sum, reason, sizeof reason),
        TD_OK);
    ck_assert_uint_eq(sum->n_without_live_agent, 62 - 3);
    for (size_t i = 0; i < sum->n_without_live_agent; i++) {
        ck_assert_str_ne(sum->without_live_agent[i], "74");
        ck_assert_str_ne(sum->without_live_agent[i], "77");
        ck_assert_str_ne(sum->without_live_agent[i], "79");
    }
    summary_free((ProtobufCMessage **) &sum);

    /* no keys in force: every expected unit */
    ck_assert_int_eq(
        summary_status(s_store, s_reg, s_cal, NULL, "nq06", "2026-Q3", &sum, reason, sizeof reason),
        TD_OK);
    ck_assert_uint_eq(sum->n_without_live_agent, 34);
    summary_free((ProtobufCMessage **) &sum);
}
END_TEST

/* GET path from the exporter at url ("http://127.0.0.1:PORT/metrics"); malloc'd body. */
static char *s_scrape(const char *url)
{
    unsigned port = 0;
    ck_assert_int_eq(sscanf(url, "http://127.0.0.1:%u/", &port), 1);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t) port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *) &a, sizeof a), 0);
    const char *req = "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n";
    ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t) strlen(req));
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    ssize_t got;
    while ((got = read(fd, buf + len, cap - len - 1)) > 0) {
        len += (size_t) got;
        if (len + 1 >= cap)
            buf = realloc(buf, cap *= 2);
    }
    close(fd);
    buf[len] = '\0';
    return buf;
}

/* The line of metric whose labels hold `has` (e.g. the office's name), or NULL. */
static const char *s_line(const char *body, const char *metric, const char *has, char *line,
                          size_t size)
{
    for (const char *p = body; (p = strstr(p, metric)) != NULL; p++) {
        if (p != body && p[-1] != '\n')
            continue;
        const char *end = strchr(p, '\n');
        size_t n = end != NULL ? (size_t) (end - p) : strlen(p);
        if (n >= size || p[strlen(metric)] != '{')
            continue;
        memcpy(line, p, n);
        line[n] = '\0';
        if (strstr(line, has) != NULL)
            return line;
    }
    return NULL;
}

/* Every enrolled office in the metrics, the one that never connected included, with the
 * same states as the agents answer (judged at the scrape). */
START_TEST(office_metrics_cover_every_enrolled_office)
{
    void *ctx = zmq_ctx_new();
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    int linger = 0;
    zmq_setsockopt(router, ZMQ_LINGER, &linger, sizeof linger);
    exporter_t *e = NULL;
    char err[256];
    ck_assert_int_eq(
        exporter_open(&e, "127.0.0.1:0", ctx, router, s_store, SILENT_MS, err, sizeof err), TD_OK);
    /* last contact relative to the real clock, as the exporter renders it */
    store_txn txn;
    int64_t now = td_now_ms();
    ck_assert_int_eq(store_begin(s_store, 0, &txn), TD_OK);
    for (size_t i = 0; i < NOFFICES; i++)
        if (s_offices[i].seen_ago_ms >= 0)
            ck_assert_int_eq(store_agent_seen(&txn, s_offices[i].raw,
                                              now - s_offices[i].seen_ago_ms, 7, 3, NULL),
                             TD_OK);
    ck_assert_int_eq(store_commit(&txn), TD_OK);
    ingest_stats ist;
    zap_stats zst;
    memset(&ist, 0, sizeof ist);
    memset(&zst, 0, sizeof zst);
    exporter_publish(e, &ist, &zst, s_auth, td_mono_ms(), 1);
    char *body = s_scrape(exporter_url(e));
    char line[1024];
    struct {
        const char *name;
        const char *ever, *state;
        int has_last;
    } want[] = {{"Hà Nội office", "1", "connected", 1},
                {"HCMC office", "1", "silent", 1},
                {"Đà Nẵng office", "0", "never_connected", 0}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char has[160];
        snprintf(has, sizeof has, "name=\"%s\"", want[i].name);
        const char *l =
            s_line(body, "tiendo_collector_office_connected_ever", has, line, sizeof line);
        ck_assert_msg(l != NULL, "no connected_ever for %s in\n%s", want[i].name, body);
        ck_assert_msg(strstr(l, "scope=\"") != NULL && strstr(l, "key=\"") != NULL, "%s", l);
        size_t n = strlen(l);
        ck_assert_str_eq(l + n - strlen(want[i].ever), want[i].ever);
        ck_assert_int_eq(s_line(body, "tiendo_collector_office_last_contact_seconds", has, line,
                                sizeof line) != NULL,
                         want[i].has_last);
        /* one state line per state word, 1 for the office's */
        static const char *const words[] = {"connected", "silent", "never_connected"};
        for (size_t k = 0; k < 3; k++) {
            char pattern[220];
            snprintf(pattern, sizeof pattern, "state=\"%s\"", words[k]);
            int found = 0;
            for (const char *p = body; (p = strstr(p, "tiendo_collector_office_state{")) != NULL;
                 p++) {
                const char *end = strchr(p, '\n');
                size_t ln = (size_t) (end - p);
                memcpy(line, p, ln);
                line[ln] = '\0';
                if (strstr(line, has) == NULL || strstr(line, pattern) == NULL)
                    continue;
                found = 1;
                int is = strcmp(words[k], want[i].state) == 0;
                ck_assert_msg(line[ln - 1] == (is ? '1' : '0') && line[ln - 2] == ' ', "%s", line);
            }
            ck_assert_msg(found, "no %s for %s", pattern, has);
        }
    }
    /* the revoked key and the query key are no offices; the agent metrics still list
     * every key that made contact */
    ck_assert_ptr_null(
        s_line(body, "tiendo_collector_office_connected_ever", "Staff", line, sizeof line));
    ck_assert_ptr_nonnull(s_line(body, "tiendo_collector_agent_last_seen_seconds", s_offices[3].z85,
                                 line, sizeof line));
    ck_assert_ptr_null(s_line(body, "tiendo_collector_office_connected_ever", s_offices[3].z85,
                              line, sizeof line));
    ck_assert_ptr_nonnull(strstr(body, "tiendo_collector_agents_known 3\n"));
    free(body);
    exporter_close(&e);
    zmq_close(router);
    zmq_ctx_term(ctx);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("offices");
    TCase *tc = tcase_create("offices");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, states_by_contact_and_enrolment);
    tcase_add_test(tc, the_agents_answer_names_every_office);
    tcase_add_test(tc, status_names_the_units_without_a_live_agent);
    tcase_add_test(tc, office_metrics_cover_every_enrolled_office);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return td_unit_run(s_suite());
}
