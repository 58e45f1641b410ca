/* test_stored.c: the query answers refuse, naming the record, when a stored report is damaged. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "bytes.h"
#include "calendar.h"
#include "codec.h"
#include "offices.h"
#include "query.h"
#include "registry.h"
#include "store.h"
#include "summary.h"
#include "verify.h"
#include "views.h"
#include "unit_main.h"

#define DATA_DIR TIENDO_SOURCE_DIR "/data"
#define PERIOD   "2026-Q3"

static char s_dir[64];
static td_registry_t *s_reg;
static td_calendar_t *s_cal;
static const offices_view s_offices = {NULL, 300000, 1780000000000};

static void s_setup(void)
{
    char err[256];
    strcpy(s_dir, "/tmp/tiendo-answers-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(s_dir));
    ck_assert_msg(td_registry_open(&s_reg, DATA_DIR, err, sizeof err) == TD_OK, "%s", err);
    ck_assert_msg(td_calendar_open(&s_cal, DATA_DIR, err, sizeof err) == TD_OK, "%s", err);
}

static void s_teardown(void)
{
    char cmd[128];
    td_calendar_close(&s_cal);
    td_registry_close(&s_reg);
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Revision `seq` of unit's report for PERIOD, from agent 0xab epoch 42, six task groups. */
static void s_put(store_t *store, const char *unit, uint64_t seq, double progress)
{
    Tiendo__Report r = TIENDO__REPORT__INIT;
    Tiendo__TaskGroupProgress groups[6], *ptrs[6];
    r.unit = (char *) unit;
    r.period = (char *) PERIOD;
    r.dataset = (char *) "nq06";
    r.prepared_by = (char *) "test";
    for (int g = 0; g < 6; g++) {
        tiendo__task_group_progress__init(&groups[g]);
        groups[g].has_group = groups[g].has_status = groups[g].has_progress_percent = 1;
        groups[g].group = (uint32_t) g + 1;
        groups[g].status = TIENDO__TASK_STATUS__TASK_IN_PROGRESS;
        groups[g].progress_percent = progress;
        ptrs[g] = &groups[g];
    }
    r.n_task_groups = 6;
    r.task_groups = ptrs;
    store_origin o;
    memset(&o, 0, sizeof o);
    memset(o.agent, 0xab, sizeof o.agent);
    o.epoch = 42;
    o.seq = seq;
    o.received_at_ms = 1780000000000 + (int64_t) seq;
    store_txn txn;
    ck_assert_int_eq(store_begin(store, 0, &txn), TD_OK);
    ck_assert_int_eq(store_report_put(&txn, &o, &r, NULL, 0, NULL), TD_OK);
    ck_assert_int_eq(store_delivery_write(&txn, o.agent, 42, seq, 0), TD_OK);
    ck_assert_int_eq(store_commit(&txn), TD_OK);
}

/* Overwrite the report bytes of revision `revision` of unit's PERIOD report with bytes
 * that are no protobuf, through LMDB itself: the origin stays, as a bad disk sector or a
 * bug elsewhere might leave it. */
static void s_corrupt(const char *unit, uint32_t revision)
{
    static const uint8_t garbage[24] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                        0xff, 0xff, 0xff, 0xff, 0x0a, 0x7f, 0x01, 0x02};
    td_period p;
    ck_assert_int_eq(td_period_parse(PERIOD, &p), TD_OK);
    /* docs/architecture.md: dataset \0 year(u16 BE) kind index unit \0 revision(u32 BE) */
    uint8_t k[64];
    size_t n = 0;
    memcpy(k, "nq06", 5);
    n = 5;
    k[n++] = (uint8_t) (p.year >> 8);
    k[n++] = (uint8_t) p.year;
    k[n++] = (uint8_t) p.kind;
    k[n++] = (uint8_t) p.index;
    memcpy(k + n, unit, strlen(unit) + 1);
    n += strlen(unit) + 1;
    td_put_be32(k + n, revision);
    n += 4;

    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi revisions;
    ck_assert_int_eq(mdb_env_create(&env), 0);
    ck_assert_int_eq(mdb_env_set_maxdbs(env, 8), 0);
    ck_assert_int_eq(mdb_env_open(env, s_dir, 0, 0600), 0);
    ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
    ck_assert_int_eq(mdb_dbi_open(txn, "revisions", 0, &revisions), 0);
    MDB_val key = {n, k}, old;
    ck_assert_int_eq(mdb_get(txn, revisions, &key, &old), 0);
    const size_t head = 1 + STORE_KEY_BYTES + 8 + 8 + 8; /* format byte, origin */
    ck_assert_uint_gt(old.mv_size, head);
    uint8_t value[256];
    memcpy(value, old.mv_data, head);
    memcpy(value + head, garbage, sizeof garbage);
    MDB_val val = {head + sizeof garbage, value};
    ck_assert_int_eq(mdb_put(txn, revisions, &key, &val, 0), 0);
    ck_assert_int_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

/* The refusal names the record and says what to run. */
static void s_assert_refused(td_err rc, const char *reason, const char *what)
{
    ck_assert_msg(rc == TD_ERR_STORE, "%s: expected TD_ERR_STORE, got %s (%s)", what,
                  td_strerror(rc), reason);
    ck_assert_msg(strstr(reason, "unit 01 for " PERIOD) != NULL, "%s: reason '%s'", what, reason);
    ck_assert_msg(strstr(reason, "tiendo-collector check") != NULL, "%s: reason '%s'", what,
                  reason);
}

/* Every answer that reads unit 01's latest report of PERIOD. */
static void s_assert_every_answer(store_t *store, int refused)
{
    char reason[512];
    td_err rc;
    ProtobufCMessage *msg = NULL;
    struct {
        const char *what;
        int kind; /* 0 status, 1 indicators, 2 units, 3 unit */
        const char *arg;
        int overdue;
    } answers[] = {
        {"status", 0, NULL, 0},
        {"indicators (nation)", 1, "nation", 0},
        {"indicators (province)", 1, "province", 0},
        {"units", 2, NULL, 0},
        {"units of province 01", 2, "01", 0},
        {"overdue", 2, NULL, 1},
        {"unit 01", 3, "01", 0},
    };
    for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++) {
        reason[0] = '\0';
        switch (answers[i].kind) {
        case 0:
            rc = summary_status(store, s_reg, s_cal, NULL, "nq06", PERIOD,
                                (Tiendo__StatusSummary **) &msg, reason, sizeof reason);
            break;
        case 1:
            rc = views_indicators(store, s_reg, "nq06", PERIOD, answers[i].arg,
                                  (Tiendo__IndicatorTable **) &msg, reason, sizeof reason);
            break;
        case 2:
            rc = views_units(store, s_reg, s_cal, "nq06", PERIOD, answers[i].arg,
                             answers[i].overdue, (Tiendo__UnitList **) &msg, reason, sizeof reason);
            break;
        default:
            rc = views_unit(store, s_reg, s_cal, "nq06", PERIOD, answers[i].arg,
                            (Tiendo__UnitDetail **) &msg, reason, sizeof reason);
            break;
        }
        if (refused) {
            s_assert_refused(rc, reason, answers[i].what);
            ck_assert_ptr_null(msg);
        } else {
            ck_assert_msg(rc == TD_OK, "%s: %s (%s)", answers[i].what, td_strerror(rc), reason);
            ck_assert_ptr_nonnull(msg);
        }
        summary_free(&msg);
    }
}

START_TEST(a_damaged_latest_report_refuses_every_answer)
{
    store_t *store = NULL;
    char err[256], reason[512];
    ck_assert_int_eq(store_open(&store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    s_put(store, "01", 1, 10);
    s_put(store, "79", 2, 20);
    s_put(store, "01", 3, 30); /* revision 2 of 01: the latest */
    s_assert_every_answer(store, 0);
    store_close(&store);

    s_corrupt("01", 2);
    ck_assert_int_eq(store_open_read_only(&store, s_dir, err, sizeof err), TD_OK);
    s_assert_every_answer(store, 1);
    reason[0] = '\0';
    Tiendo__StatusSummary *sum = NULL;
    summary_status(store, s_reg, s_cal, NULL, "nq06", PERIOD, &sum, reason, sizeof reason);
    ck_assert_ptr_nonnull(strstr(reason, "revision 2"));

    /* Answers that do not need that record still come. */
    Tiendo__UnitDetail *detail = NULL;
    ck_assert_int_eq(
        views_unit(store, s_reg, s_cal, "nq06", PERIOD, "79", &detail, reason, sizeof reason),
        TD_OK);
    ck_assert_ptr_nonnull(detail->report);
    summary_free((ProtobufCMessage **) &detail);
    Tiendo__AgentList *agents = NULL;
    ck_assert_int_eq(summary_agents(store, &s_offices, &agents), TD_OK);
    summary_free((ProtobufCMessage **) &agents);

    /* `check`, which the reason points at, finds it. */
    verify_result r;
    ck_assert_int_eq(verify_store(store, &r), TD_OK);
    ck_assert_uint_eq(r.undecodable, 1);
    ck_assert_int_eq(verify_clean(&r), 0);
    /* and names it, with the office that sent it */
    ck_assert_uint_eq(r.nundecodable, 1);
    ck_assert_str_eq(r.undecodable_list[0].dataset, "nq06");
    ck_assert_str_eq(r.undecodable_list[0].period, PERIOD);
    ck_assert_str_eq(r.undecodable_list[0].unit, "01");
    ck_assert_uint_eq(r.undecodable_list[0].revision, 2);
    ck_assert_uint_eq(r.undecodable_list[0].origin.epoch, 42);
    ck_assert_uint_eq(r.undecodable_list[0].origin.seq, 3);
    char *json = NULL;
    size_t json_len = 0;
    FILE *mem = open_memstream(&json, &json_len);
    ck_assert_ptr_nonnull(mem);
    verify_print_json(mem, &r);
    fclose(mem);
    ck_assert_msg(strstr(json, "\"undecodable_list\": [\n    {\"dataset\": \"nq06\", \"period\": "
                               "\"" PERIOD "\", \"unit\": \"01\", \"revision\": 2, ") != NULL,
                  "%s", json);
    free(json);
    verify_free(&r);
    store_close(&store);
}
END_TEST

/* An older revision is part of unit 01's history: the unit answer refuses, the others,
 * which read only the latest revisions, do not. */
START_TEST(a_damaged_old_revision_refuses_the_unit_history)
{
    store_t *store = NULL;
    char err[256], reason[512] = "";
    ck_assert_int_eq(store_open(&store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    s_put(store, "01", 1, 10);
    s_put(store, "01", 2, 30);
    store_close(&store);
    s_corrupt("01", 1);
    ck_assert_int_eq(store_open_read_only(&store, s_dir, err, sizeof err), TD_OK);
    Tiendo__UnitDetail *detail = NULL;
    s_assert_refused(
        views_unit(store, s_reg, s_cal, "nq06", PERIOD, "01", &detail, reason, sizeof reason),
        reason, "unit 01");
    ck_assert_ptr_nonnull(strstr(reason, "revision 1"));
    ck_assert_ptr_null(detail);
    Tiendo__StatusSummary *sum = NULL;
    ck_assert_int_eq(
        summary_status(store, s_reg, s_cal, NULL, "nq06", PERIOD, &sum, reason, sizeof reason),
        TD_OK);
    ck_assert_uint_eq(sum->units_reported, 1);
    summary_free((ProtobufCMessage **) &sum);
    store_close(&store);
}
END_TEST

/* Send request on req, let query answer it, and decode the answer. */
static Tiendo__QueryResponse *s_ask(query_t *query, void *router, void *req,
                                    const Tiendo__QueryRequest *request)
{
    uint8_t buf[256];
    size_t len = 0;
    ck_assert_int_eq(td_message_encode(&request->base, buf, sizeof buf, &len), TD_OK);
    ck_assert_int_eq(zmq_send(req, buf, len, 0), (int) len);
    zmq_pollitem_t item = {router, 0, ZMQ_POLLIN, 0};
    ck_assert_int_eq(zmq_poll(&item, 1, 2000), 1);
    query_handle(query, router);
    zmq_msg_t answer;
    zmq_msg_init(&answer);
    ck_assert_int_ge(zmq_msg_recv(&answer, req, 0), 0);
    Tiendo__QueryResponse *resp = NULL;
    ck_assert_int_eq(td_query_response_decode(zmq_msg_data(&answer), zmq_msg_size(&answer), &resp),
                     TD_OK);
    zmq_msg_close(&answer);
    return resp;
}

/* The response's error is in parts: format and arguments (NULL-ended). */
static void s_assert_error_parts(const Tiendo__QueryResponse *resp, const char *format, ...)
{
    ck_assert_ptr_nonnull(resp->error_format);
    ck_assert_str_eq(resp->error_format, format);
    va_list ap;
    va_start(ap, format);
    size_t n = 0;
    for (const char *arg; (arg = va_arg(ap, const char *)) != NULL; n++) {
        ck_assert_uint_gt(resp->n_error_args, n);
        ck_assert_str_eq(resp->error_args[n], arg);
    }
    va_end(ap);
    ck_assert_uint_eq(resp->n_error_args, n);
}

/* The reason reaches the `tiendo` command: the query socket answers with it, in English
 * and in parts (docs/protocol.md, "Reasons") for the command to show in its language. */
START_TEST(the_query_socket_carries_the_reason)
{
    store_t *store = NULL;
    char err[256];
    ck_assert_int_eq(store_open(&store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    s_put(store, "01", 1, 10);
    store_close(&store);
    s_corrupt("01", 1);
    ck_assert_int_eq(store_open_read_only(&store, s_dir, err, sizeof err), TD_OK);
    query_t *query = NULL;
    ck_assert_int_eq(query_open(&query, store, s_reg, s_cal, 300000), TD_OK);
    void *ctx = zmq_ctx_new();
    void *router = zmq_socket(ctx, ZMQ_ROUTER), *req = zmq_socket(ctx, ZMQ_REQ);
    int linger = 0;
    zmq_setsockopt(router, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(req, ZMQ_LINGER, &linger, sizeof linger);
    ck_assert_int_eq(zmq_bind(router, "inproc://answers"), 0);
    ck_assert_int_eq(zmq_connect(req, "inproc://answers"), 0);

    Tiendo__QueryRequest request = TIENDO__QUERY_REQUEST__INIT;
    Tiendo__StatusQuery status = TIENDO__STATUS_QUERY__INIT;
    status.period = (char *) PERIOD;
    request.query_case = TIENDO__QUERY_REQUEST__QUERY_STATUS;
    request.status = &status;
    Tiendo__QueryResponse *resp = s_ask(query, router, req, &request);
    ck_assert_uint_eq(resp->error_code, TD_ERR_STORE);
    ck_assert_ptr_nonnull(resp->error);
    ck_assert_ptr_nonnull(strstr(resp->error, "unit 01 for " PERIOD));
    ck_assert_ptr_nonnull(strstr(resp->error, "tiendo-collector check"));
    ck_assert_int_eq(resp->result_case, TIENDO__QUERY_RESPONSE__RESULT__NOT_SET);
    s_assert_error_parts(resp,
                         "the stored report of unit %s for %s (dataset %s, revision %u) does not "
                         "decode, and this answer would leave it out: run `tiendo-collector "
                         "check` on the collector's store",
                         "01", PERIOD, "nq06", "1", NULL);
    td_query_response_free(&resp);

    /* a refused argument, and a query this collector does not know */
    status.period = (char *) "2026-Q9";
    resp = s_ask(query, router, req, &request);
    ck_assert_uint_eq(resp->error_code, TD_ERR_INVALID);
    ck_assert_str_eq(resp->error, "'2026-Q9' is not a period (expected e.g. 2026-Q3, 2026-M07, "
                                  "2026-H2, 2026-9M, 2026)");
    s_assert_error_parts(
        resp, "'%s' is not a period (expected e.g. 2026-Q3, 2026-M07, 2026-H2, 2026-9M, 2026)",
        "2026-Q9", NULL);
    td_query_response_free(&resp);
    Tiendo__QueryRequest unknown = TIENDO__QUERY_REQUEST__INIT;
    resp = s_ask(query, router, req, &unknown);
    ck_assert_uint_eq(resp->error_code, TD_ERR_INVALID);
    s_assert_error_parts(resp, "unknown query (this collector speaks protocol %d)", "1", NULL);
    td_query_response_free(&resp);

    /* a success carries no error, in text or parts */
    Tiendo__AgentsQuery agents = TIENDO__AGENTS_QUERY__INIT;
    Tiendo__QueryRequest list = TIENDO__QUERY_REQUEST__INIT;
    list.query_case = TIENDO__QUERY_REQUEST__QUERY_AGENTS;
    list.agents = &agents;
    resp = s_ask(query, router, req, &list);
    ck_assert_uint_eq(resp->error_code, TD_OK);
    ck_assert_ptr_null(resp->error);
    ck_assert_ptr_null(resp->error_format);
    ck_assert_uint_eq(resp->n_error_args, 0);
    td_query_response_free(&resp);

    zmq_close(req);
    zmq_close(router);
    zmq_ctx_term(ctx);
    query_close(&query);
    store_close(&store);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("answers");
    TCase *tc = tcase_create("damaged store");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, a_damaged_latest_report_refuses_every_answer);
    tcase_add_test(tc, a_damaged_old_revision_refuses_the_unit_history);
    tcase_add_test(tc, the_query_socket_carries_the_reason);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return td_unit_run(s_suite());
}
