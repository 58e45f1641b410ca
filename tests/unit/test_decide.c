/* test_decide.c: the ingest decision (collector/decide): every answer the protocol gives, the
 * content check against the real registry, calendar and scopes, and the settled claim. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "auth.h"
#include "calendar.h"
#include "codec.h"
#include "decide.h"
#include "i18n.h"
#include "ingest.h"
#include "keys.h"
#include "registry.h"
#include "report.h"
#include "store.h"
#include "zap.h"
#include "unit_main.h"

#define DATA_DIR TIENDO_SOURCE_DIR "/data"

static Tiendo__Envelope s_env(uint64_t epoch, uint64_t seq, int heartbeat)
{
    Tiendo__Envelope env = TIENDO__ENVELOPE__INIT;
    env.version = TD_PROTOCOL_VERSION;
    env.has_epoch = epoch != 0;
    env.epoch = epoch;
    env.has_seq = seq != 0;
    env.seq = seq;
    env.body_case = heartbeat ? TIENDO__ENVELOPE__BODY_HEARTBEAT : TIENDO__ENVELOPE__BODY_REPORT;
    return env;
}

static ingest_facts s_facts(const Tiendo__Envelope *env, uint64_t high_water)
{
    ingest_facts f;
    memset(&f, 0, sizeof f);
    f.enrolled = 1;
    f.envelope = env;
    f.high_water = high_water;
    return f;
}

/* parts are format with the arguments in ap (NULL-ended). */
static void s_assert_vparts(const store_reason_parts *parts, const char *format, va_list ap)
{
    ck_assert_str_eq(parts->format, format);
    int n = 0;
    for (const char *arg; (arg = va_arg(ap, const char *)) != NULL; n++) {
        ck_assert_int_gt(parts->nargs, n);
        ck_assert_str_eq(parts->args[n], arg);
    }
    ck_assert_int_eq(parts->nargs, n);
}

/* The verdict's parts are format with the arguments given (NULL-ended). */
static void s_assert_parts(const store_reason_parts *parts, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    s_assert_vparts(parts, format, ap);
    va_end(ap);
}

/* The content check's answer for unit 79 and a key of the subtree of 01 named name. */
static void s_out_of_scope(ingest_facts *f, td_reason *why, const char *name)
{
    td_reason_set(why, "unit %.16s is outside this agent's scope (%.64s, enrolled as '%.64s')",
                  "79", "01/*", name);
    f->content_reason = why->text;
    f->content_parts = why;
    f->content_kind = INGEST_REJECT_OUT_OF_SCOPE;
}

START_TEST(refused_before_any_state)
{
    Tiendo__Envelope env = s_env(7, 3, 0);
    ingest_facts f = s_facts(&env, 2);
    ingest_verdict v;
    f.enrolled = 0;
    ck_assert_int_eq(ingest_needs(&f), INGEST_NEED_NOTHING);
    ingest_decide(&f, &v);
    ck_assert_int_eq(v.status, TIENDO__ACK_STATUS__ACK_REJECTED);
    ck_assert_int_eq(v.step, INGEST_STEP_ANSWER); /* nothing recorded: re-enrolment resumes */
    ck_assert_int_eq(v.reject_kind, INGEST_REJECT_NOT_ENROLLED);
    ck_assert_uint_eq(v.high_water, 0);
    ck_assert_ptr_nonnull(strstr(v.reason, "not enrolled"));
    s_assert_parts(&v.parts, "this agent's key is not enrolled at the collector (revoked?)", NULL);

    env = s_env(0, 3, 0);
    f = s_facts(&env, 2);
    ck_assert_int_eq(ingest_needs(&f), INGEST_NEED_NOTHING);
    ingest_decide(&f, &v);
    ck_assert_int_eq(v.status, TIENDO__ACK_STATUS__ACK_REJECTED);
    ck_assert_int_eq(v.reject_kind, INGEST_REJECT_PROTOCOL);
    ck_assert_uint_eq(v.high_water, 0);
    ck_assert_str_eq(v.reason, "envelope has no epoch");
    s_assert_parts(&v.parts, "envelope has no epoch", NULL);
}
END_TEST

START_TEST(heartbeat_and_missing_seq)
{
    Tiendo__Envelope env = s_env(7, 0, 1);
    ingest_facts f = s_facts(&env, 41);
    ingest_verdict v;
    ck_assert_int_eq(ingest_needs(&f), INGEST_NEED_NOTHING);
    ingest_decide(&f, &v);
    ck_assert_int_eq(v.status, TIENDO__ACK_STATUS__ACK_OK);
    ck_assert_int_eq(v.step, INGEST_STEP_ANSWER);
    ck_assert_uint_eq(v.high_water, 41);
    ck_assert_str_eq(v.reason, "");
    s_assert_parts(&v.parts, "", NULL);

    env = s_env(7, 0, 0); /* a report without a seq */
    f = s_facts(&env, 41);
    ck_assert_int_eq(ingest_needs(&f), INGEST_NEED_NOTHING);
    ingest_decide(&f, &v);
    ck_assert_int_eq(v.status, TIENDO__ACK_STATUS__ACK_REJECTED);
    ck_assert_int_eq(v.step, INGEST_STEP_ANSWER);
    ck_assert_int_eq(v.reject_kind, INGEST_REJECT_PROTOCOL);
    ck_assert_uint_eq(v.high_water, 41);
    ck_assert_str_eq(v.reason, "report envelope has no seq");
    s_assert_parts(&v.parts, "report envelope has no seq", NULL);
}
END_TEST

START_TEST(go_back_n_sequence)
{
    ingest_verdict v;
    /* the next seq, storable */
    Tiendo__Envelope env = s_env(7, 6, 0);
    ingest_facts f = s_facts(&env, 5);
    ck_assert_int_eq(ingest_needs(&f), INGEST_NEED_CONTENT_CHECK);
    ingest_decide(&f, &v);
    ck_assert_int_eq(v.status, TIENDO__ACK_STATUS__ACK_OK);
    ck_assert_int_eq(v.step, INGEST_STEP_STORE);
    ck_assert_uint_eq(v.high_water, 6);
    f.content_reason = ""; /* "" means storable too */
    ingest_decide(&f, &v);
    ck_assert_int_eq(v.step, INGEST_STEP_STORE);

    /* the next seq, refused: recorded, and the mark still moves */
    f.content_reason = "unit 79 is outside this agent's scope";
    f.content_kind = INGEST_REJECT_OUT_OF_SCOPE;
    ingest_decide(&f, &v);
    ck_assert_int_eq(v.status, TIENDO__ACK_STATUS__ACK_REJECTED);
    ck_assert_int_eq(v.step, INGEST_STEP_RECORD);
    ck_assert_int_eq(v.reject_kind, INGEST_REJECT_OUT_OF_SCOPE);
    ck_assert_uint_eq(v.high_water, 6);
    ck_assert_str_eq(v.reason, "unit 79 is outside this agent's scope");
    s_assert_parts(&v.parts, "", NULL); /* given without parts: none */
    td_reason why;
    s_out_of_scope(&f, &why, "Ha Noi");
    ingest_decide(&f, &v);
    ck_assert_int_eq(v.step, INGEST_STEP_RECORD);
    ck_assert_str_eq(v.reason,
                     "unit 79 is outside this agent's scope (01/*, enrolled as 'Ha Noi')");
    s_assert_parts(&v.parts,
                   "unit %.16s is outside this agent's scope (%.64s, enrolled as '%.64s')", "79",
                   "01/*", "Ha Noi", NULL);

    /* a gap: not stored, go back */
    env = s_env(7, 9, 0);
    f = s_facts(&env, 5);
    ck_assert_int_eq(ingest_needs(&f), INGEST_NEED_NOTHING);
    ingest_decide(&f, &v);
    ck_assert_int_eq(v.status, TIENDO__ACK_STATUS__ACK_RETRY_LATER);
    ck_assert_int_eq(v.step, INGEST_STEP_ANSWER);
    ck_assert_uint_eq(v.high_water, 5);
    ck_assert_str_eq(v.reason, "out of order: expected seq 6");
    s_assert_parts(&v.parts, "out of order: expected seq %llu", "6", NULL);

    /* resends: DUPLICATE, or the kept rejection again */
    for (uint64_t seq = 1; seq <= 5; seq++) {
        env = s_env(7, seq, 0);
        f = s_facts(&env, 5);
        ck_assert_int_eq(ingest_needs(&f), INGEST_NEED_KEPT_REASON);
        ingest_decide(&f, &v);
        ck_assert_int_eq(v.status, TIENDO__ACK_STATUS__ACK_DUPLICATE);
        ck_assert_int_eq(v.step, INGEST_STEP_ANSWER);
        ck_assert_uint_eq(v.high_water, 5);
        f.kept_reason = "task_groups[2].progress: must be a number 0..100";
        ingest_decide(&f, &v);
        ck_assert_int_eq(v.status, TIENDO__ACK_STATUS__ACK_REJECTED);
        ck_assert_int_eq(v.step, INGEST_STEP_ANSWER); /* recorded once, answered again */
        ck_assert_int_eq(v.reject_kind, INGEST_REJECT_RESENT);
        ck_assert_str_eq(v.reason, "task_groups[2].progress: must be a number 0..100");
        s_assert_parts(&v.parts, "", NULL); /* kept by an older collector: text only */
        store_reason_parts kept = {.format = "%s.progress: must be a number from 0 to 100",
                                   .nargs = 1,
                                   .args = {"task_groups[2]"}};
        f.kept_parts = &kept;
        ingest_decide(&f, &v);
        ck_assert_int_eq(v.reject_kind, INGEST_REJECT_RESENT);
        s_assert_parts(&v.parts, kept.format, "task_groups[2]", NULL); /* the same parts */
    }

    /* the first report of a new epoch */
    env = s_env(8, 1, 0);
    f = s_facts(&env, 0);
    ck_assert_int_eq(ingest_needs(&f), INGEST_NEED_CONTENT_CHECK);
    ingest_decide(&f, &v);
    ck_assert_uint_eq(v.high_water, 1);
    ck_assert_int_eq(v.step, INGEST_STEP_STORE);
}
END_TEST

START_TEST(settled_claims)
{
    uint64_t n = 0;
    Tiendo__Envelope env = s_env(7, 10, 0);
    ck_assert_int_eq(ingest_settled_claim(&env, &n), 0); /* none */
    env.has_first_unsettled = 1;
    env.first_unsettled = 0;
    ck_assert_int_eq(ingest_settled_claim(&env, &n), 0);
    env.first_unsettled = 10;
    ck_assert_int_eq(ingest_settled_claim(&env, &n), 1);
    ck_assert_uint_eq(n, 10);
    env.first_unsettled = 11; /* a report cannot claim beyond itself */
    ck_assert_int_eq(ingest_settled_claim(&env, &n), 0);
    env = s_env(7, 0, 1); /* a heartbeat may claim anything it holds */
    env.has_first_unsettled = 1;
    env.first_unsettled = 500;
    ck_assert_int_eq(ingest_settled_claim(&env, &n), 1);
    ck_assert_uint_eq(n, 500);
}
END_TEST

/* ---- the content check, with the real registry, calendar and the subtree scope of 19 ---- */

static Tiendo__Report *s_report(const td_registry_t *reg, const char *unit, const char *period)
{
    char *json = td_report_template(reg, unit, TD_DEFAULT_DATASET, period);
    ck_assert_ptr_nonnull(json);
    Tiendo__Report *r = NULL;
    char err[256];
    ck_assert_msg(td_report_from_json(json, strlen(json), &r, err, sizeof err) == TD_OK, "%s", err);
    free(json);
    free(r->prepared_by);
    r->prepared_by = strdup("Nguyễn Văn A");
    for (size_t i = 0; i < r->n_task_groups; i++) { /* the template says nothing yet */
        r->task_groups[i]->has_status = r->task_groups[i]->has_progress_percent = 1;
        r->task_groups[i]->status = TIENDO__TASK_STATUS__TASK_IN_PROGRESS;
        r->task_groups[i]->progress_percent = 50;
    }
    return r;
}

START_TEST(content_check)
{
    td_registry_t *reg = NULL;
    td_calendar_t *cal = NULL;
    auth_t *auth = NULL;
    char err[512];
    ck_assert_msg(td_registry_open(&reg, DATA_DIR, err, sizeof err) == TD_OK, "%s", err);
    ck_assert_msg(td_calendar_open(&cal, DATA_DIR, err, sizeof err) == TD_OK, "%s", err);
    char z85[TD_Z85_KEY_LEN + 1], secret[TD_Z85_KEY_LEN + 1], text[256];
    uint8_t raw[32];
    ck_assert_int_eq(zmq_curve_keypair(z85, secret), 0);
    ck_assert_ptr_nonnull(zmq_z85_decode(raw, z85));
    snprintf(text, sizeof text, "agent %s 19/* Thai Nguyen office\n", z85);
    ck_assert_msg(auth_parse(&auth, "keys", text, strlen(text), reg, err, sizeof err) == TD_OK,
                  "%s", err);
    const auth_entry *who = auth_find(auth, raw);
    ck_assert_ptr_nonnull(who);
    int64_t now_ms = (int64_t) time(NULL) * 1000;
    td_reason why;
    store_reason_parts parts;

    Tiendo__Envelope env = s_env(7, 1, 0);
    /* Bắc Kạn (06) reporting 2024 under the merged province's scope: storable */
    Tiendo__Report *bac_kan = s_report(reg, "06", "2024-Q4");
    env.report = bac_kan;
    ingest_check_content(&env, auth, who, reg, cal, now_ms, &why);
    ck_assert_str_eq(why.text, "");
    ck_assert_ptr_null(why.format);

    /* Hà Nội (01) is outside the subtree of 19 */
    Tiendo__Report *ha_noi = s_report(reg, "01", "2024-Q4");
    env.report = ha_noi;
    ck_assert_int_eq(ingest_check_content(&env, auth, who, reg, cal, now_ms, &why),
                     INGEST_REJECT_OUT_OF_SCOPE);
    ck_assert_ptr_nonnull(strstr(why.text, "outside this agent's scope"));
    ck_assert_ptr_nonnull(strstr(why.text, "Thai Nguyen office"));
    store_reason_parts_set(&parts, &why);
    s_assert_parts(&parts, "unit %.16s is outside this agent's scope (%.64s, enrolled as '%.64s')",
                   "01", "19/*", "Thai Nguyen office", NULL);

    /* Bắc Kạn after its merger: a rule of the report, before the scope */
    Tiendo__Report *late = s_report(reg, "19", "2024-Q4");
    free(late->unit);
    late->unit = strdup("06");
    free(late->period);
    late->period = strdup("2025-Q4");
    env.report = late;
    ck_assert_int_eq(ingest_check_content(&env, auth, who, reg, cal, now_ms, &why),
                     INGEST_REJECT_VALIDATION);
    ck_assert_ptr_nonnull(strstr(why.text, "does not exist during 2025-Q4"));
    /* the rule's own format and arguments (common/report_rules.c) */
    ck_assert_ptr_nonnull(why.format);
    ck_assert_ptr_nonnull(strstr(why.format, "does not exist during %s"));
    ck_assert_int_ge(why.nargs, 3);
    ck_assert_str_eq(why.args[0], "06");
    store_reason_parts_set(&parts, &why);
    ck_assert_str_eq(parts.format, why.format);
    ck_assert_int_eq(parts.nargs, why.nargs);

    /* an envelope of another protocol version, or without a report */
    env.report = bac_kan;
    env.version = TD_PROTOCOL_VERSION + 1;
    ck_assert_int_eq(ingest_check_content(&env, auth, who, reg, cal, now_ms, &why),
                     INGEST_REJECT_PROTOCOL);
    ck_assert_ptr_nonnull(strstr(why.text, "unsupported protocol version"));
    store_reason_parts_set(&parts, &why);
    s_assert_parts(&parts, "unsupported protocol version %u (this collector speaks %d)", "2", "1",
                   NULL);
    env.version = TD_PROTOCOL_VERSION;
    env.report = NULL;
    ck_assert_int_eq(ingest_check_content(&env, auth, who, reg, cal, now_ms, &why),
                     INGEST_REJECT_PROTOCOL);
    ck_assert_str_eq(why.text, "envelope carries no report");
    store_reason_parts_set(&parts, &why);
    s_assert_parts(&parts, "envelope carries no report", NULL);

    td_report_free(&bac_kan);
    td_report_free(&ha_noi);
    td_report_free(&late);
    auth_close(&auth);
    td_calendar_close(&cal);
    td_registry_close(&reg);
}
END_TEST

/* What the office reads: a verdict's parts rendered by the reader's catalogue (the build
 * tree's, po/parts/vi-collector.po), in the reader's language, and the English text
 * as it was sent. */
static const char *s_read_at_office(const ingest_verdict *v, char *out, size_t len)
{
    const char *args[TD_REASON_ARGS];
    for (int i = 0; i < v->parts.nargs; i++)
        args[i] = v->parts.args[i];
    return td_reason_render_parts(v->parts.format, args, (size_t) v->parts.nargs, v->reason, out,
                                  len);
}

START_TEST(reasons_read_in_the_readers_language)
{
    ingest_verdict refused, out_of_order, scope;
    Tiendo__Envelope env = s_env(7, 3, 0);
    ingest_facts f = s_facts(&env, 2);
    f.enrolled = 0;
    ingest_decide(&f, &refused);
    env = s_env(7, 9, 0);
    f = s_facts(&env, 5);
    ingest_decide(&f, &out_of_order);
    env = s_env(7, 6, 0);
    f = s_facts(&env, 5);
    td_reason why;
    s_out_of_scope(&f, &why, "Sở Xây dựng Hà Nội");
    ingest_decide(&f, &scope);

    char out[512];
    td_i18n_init(TD_LANG_VI);
    ck_assert_str_eq(s_read_at_office(&refused, out, sizeof out),
                     "khóa của trạm này chưa được đăng ký tại máy chủ tổng hợp (đã bị thu hồi?)");
    ck_assert_str_eq(s_read_at_office(&out_of_order, out, sizeof out),
                     "sai thứ tự: máy chủ tổng hợp đang chờ gói số 6");
    ck_assert_str_eq(s_read_at_office(&scope, out, sizeof out),
                     "đơn vị 79 nằm ngoài phạm vi của trạm này (01/*, đăng ký với tên 'Sở Xây dựng "
                     "Hà Nội')");
    /* the verdict itself stays English, whatever the language: it goes on the wire */
    ingest_decide(&f, &scope);
    ck_assert_str_eq(scope.reason, "unit 79 is outside this agent's scope (01/*, enrolled as 'Sở "
                                   "Xây dựng Hà Nội')");
    td_i18n_init(TD_LANG_EN);
    ck_assert_str_eq(s_read_at_office(&out_of_order, out, sizeof out),
                     "out of order: expected seq 6");
    ck_assert_str_eq(s_read_at_office(&scope, out, sizeof out), scope.reason);
}
END_TEST

/* ---- on the wire: the real ingest answering a CURVE agent ---- */

typedef struct {
    void *ctx, *router, *agent;
    zap_t *zap;
    ingest_t *ingest;
} s_wire;

/* Send env from the agent, let the collector's ingest answer it, decode the Ack. */
static Tiendo__Ack *s_send(s_wire *w, const Tiendo__Envelope *env)
{
    static uint8_t buf[TD_MAX_FRAME];
    size_t len = 0;
    Tiendo__Envelope sent = *env;
    sent.has_version = 1; /* in memory the decision reads version alone */
    ck_assert_int_eq(td_message_encode(&sent.base, buf, sizeof buf, &len), TD_OK);
    ck_assert_int_eq(zmq_send(w->agent, buf, len, 0), (int) len);
    for (int round = 0; round < 500; round++) {
        zmq_pollitem_t items[] = {{zap_socket(w->zap), 0, ZMQ_POLLIN, 0},
                                  {w->router, 0, ZMQ_POLLIN, 0},
                                  {w->agent, 0, ZMQ_POLLIN, 0}};
        ck_assert_int_ge(zmq_poll(items, 3, 10), 0);
        if (items[0].revents & ZMQ_POLLIN)
            zap_handle(w->zap);
        if (items[1].revents & ZMQ_POLLIN)
            ingest_drain(w->ingest, w->router);
        if (items[2].revents & ZMQ_POLLIN) {
            int n = zmq_recv(w->agent, buf, sizeof buf, 0);
            ck_assert_int_gt(n, 0);
            Tiendo__Ack *ack = NULL;
            ck_assert_int_eq(td_ack_decode(buf, (size_t) n, &ack), TD_OK);
            return ack;
        }
    }
    ck_abort_msg("no ack within 5 s");
    return NULL;
}

/* The Ack's reason is in parts: format and arguments (NULL-ended). */
static void s_assert_ack_parts(const Tiendo__Ack *ack, const char *format, ...)
{
    ck_assert_ptr_nonnull(ack->reason);
    ck_assert_ptr_nonnull(ack->reason_format);
    ck_assert_uint_le(ack->n_reason_args, TD_REASON_ARGS);
    store_reason_parts parts = {.nargs = (int) ack->n_reason_args};
    snprintf(parts.format, sizeof parts.format, "%s", ack->reason_format);
    for (size_t i = 0; i < ack->n_reason_args; i++)
        snprintf(parts.args[i], sizeof parts.args[i], "%s", ack->reason_args[i]);
    va_list ap;
    va_start(ap, format);
    s_assert_vparts(&parts, format, ap);
    va_end(ap);
}

/* Every REJECTED and RETRY_LATER Ack carries the reason in parts (docs/protocol.md,
 * "Reasons") beside the English text; a resent rejected report gets the same parts, kept
 * in the store. */
START_TEST(acks_carry_the_reason_in_parts)
{
    char dir[] = "/tmp/tiendo-decide-XXXXXX", err[512], text[256];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    td_registry_t *reg = NULL;
    td_calendar_t *cal = NULL;
    auth_t *auth = NULL;
    store_t *store = NULL;
    ck_assert_msg(td_registry_open(&reg, DATA_DIR, err, sizeof err) == TD_OK, "%s", err);
    ck_assert_msg(td_calendar_open(&cal, DATA_DIR, err, sizeof err) == TD_OK, "%s", err);
    ck_assert_int_eq(store_open(&store, dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    char server_pub[TD_Z85_KEY_LEN + 1], server_sec[TD_Z85_KEY_LEN + 1];
    char agent_pub[TD_Z85_KEY_LEN + 1], agent_sec[TD_Z85_KEY_LEN + 1];
    ck_assert_int_eq(zmq_curve_keypair(server_pub, server_sec), 0);
    ck_assert_int_eq(zmq_curve_keypair(agent_pub, agent_sec), 0);
    snprintf(text, sizeof text, "agent %s 19/* Thai Nguyen office\n", agent_pub);
    ck_assert_msg(auth_parse(&auth, "keys", text, strlen(text), reg, err, sizeof err) == TD_OK,
                  "%s", err);

    s_wire w = {0};
    ingest_config config = {16, 1};
    ck_assert_int_eq(ingest_open(&w.ingest, store, reg, cal, &config), TD_OK);
    ingest_set_auth(w.ingest, auth);
    w.ctx = zmq_ctx_new();
    ck_assert_int_eq(zap_open(&w.zap, w.ctx), TD_OK);
    zap_set_auth(w.zap, auth);
    w.router = zmq_socket(w.ctx, ZMQ_ROUTER);
    w.agent = zmq_socket(w.ctx, ZMQ_DEALER);
    ck_assert_int_eq(td_socket_basics(w.router, 0, 0, 0), TD_OK);
    ck_assert_int_eq(td_socket_basics(w.agent, 0, 0, 0), TD_OK);
    ck_assert_int_eq(td_socket_curve_server(w.router, server_sec, ZAP_DOMAIN_AGENTS), TD_OK);
    ck_assert_int_eq(zmq_bind(w.router, "tcp://127.0.0.1:*"), 0);
    char endpoint[256];
    size_t endpoint_len = sizeof endpoint;
    ck_assert_int_eq(zmq_getsockopt(w.router, ZMQ_LAST_ENDPOINT, endpoint, &endpoint_len), 0);
    ck_assert_int_eq(td_socket_curve_client(w.agent, server_pub, agent_pub, agent_sec), TD_OK);
    ck_assert_int_eq(zmq_connect(w.agent, endpoint), 0);

    /* seq 1: Hà Nội, outside the scope of 19 and all under it */
    Tiendo__Envelope env = s_env(9, 1, 0);
    Tiendo__Report *ha_noi = s_report(reg, "01", "2024-Q4");
    env.report = ha_noi;
    Tiendo__Ack *ack = s_send(&w, &env);
    ck_assert_int_eq(ack->status, TIENDO__ACK_STATUS__ACK_REJECTED);
    ck_assert_str_eq(
        ack->reason,
        "unit 01 is outside this agent's scope (19/*, enrolled as 'Thai Nguyen office')");
    s_assert_ack_parts(ack, "unit %.16s is outside this agent's scope (%.64s, enrolled as '%.64s')",
                       "01", "19/*", "Thai Nguyen office", NULL);
    td_ack_free(&ack);

    /* seq 2: a rule of the report (Bắc Kạn after its merger), its format from common/ */
    Tiendo__Report *late = s_report(reg, "19", "2024-Q4");
    free(late->unit);
    late->unit = strdup("06");
    free(late->period);
    late->period = strdup("2025-Q4");
    env = s_env(9, 2, 0);
    env.report = late;
    ack = s_send(&w, &env);
    ck_assert_int_eq(ack->status, TIENDO__ACK_STATUS__ACK_REJECTED);
    ck_assert_ptr_nonnull(strstr(ack->reason, "does not exist during 2025-Q4"));
    ck_assert_ptr_nonnull(ack->reason_format);
    ck_assert_ptr_nonnull(strstr(ack->reason_format, "does not exist during %s"));
    ck_assert_uint_ge(ack->n_reason_args, 3);
    ck_assert_str_eq(ack->reason_args[0], "06");
    char rule_format[STORE_REASON_MAX];
    snprintf(rule_format, sizeof rule_format, "%s", ack->reason_format);
    size_t rule_nargs = ack->n_reason_args;
    td_ack_free(&ack);

    /* resends: the same parts again, from the store */
    env = s_env(9, 1, 0);
    env.report = ha_noi;
    ack = s_send(&w, &env);
    ck_assert_int_eq(ack->status, TIENDO__ACK_STATUS__ACK_REJECTED);
    s_assert_ack_parts(ack, "unit %.16s is outside this agent's scope (%.64s, enrolled as '%.64s')",
                       "01", "19/*", "Thai Nguyen office", NULL);
    td_ack_free(&ack);
    env = s_env(9, 2, 0);
    env.report = late;
    ack = s_send(&w, &env);
    ck_assert_int_eq(ack->status, TIENDO__ACK_STATUS__ACK_REJECTED);
    ck_assert_str_eq(ack->reason_format, rule_format);
    ck_assert_uint_eq(ack->n_reason_args, rule_nargs);
    ck_assert_str_eq(ack->reason_args[0], "06");
    td_ack_free(&ack);

    /* out of order: RETRY_LATER in parts; no seq: REJECTED in parts */
    env = s_env(9, 5, 0);
    env.report = ha_noi;
    ack = s_send(&w, &env);
    ck_assert_int_eq(ack->status, TIENDO__ACK_STATUS__ACK_RETRY_LATER);
    s_assert_ack_parts(ack, "out of order: expected seq %llu", "3", NULL);
    td_ack_free(&ack);
    env = s_env(9, 0, 0);
    env.report = ha_noi;
    ack = s_send(&w, &env);
    ck_assert_int_eq(ack->status, TIENDO__ACK_STATUS__ACK_REJECTED);
    s_assert_ack_parts(ack, "report envelope has no seq", NULL);
    td_ack_free(&ack);

    /* a storable report: no reason, no parts */
    Tiendo__Report *bac_kan = s_report(reg, "06", "2024-Q4");
    env = s_env(9, 3, 0);
    env.report = bac_kan;
    ack = s_send(&w, &env);
    ck_assert_int_eq(ack->status, TIENDO__ACK_STATUS__ACK_OK);
    ck_assert_ptr_null(ack->reason);
    ck_assert_ptr_null(ack->reason_format);
    ck_assert_uint_eq(ack->n_reason_args, 0);
    td_ack_free(&ack);

    zmq_close(w.agent);
    zmq_close(w.router);
    zap_close(&w.zap);
    zmq_ctx_term(w.ctx);
    ingest_close(&w.ingest);
    store_close(&store);
    td_report_free(&ha_noi);
    td_report_free(&late);
    td_report_free(&bac_kan);
    auth_close(&auth);
    td_calendar_close(&cal);
    td_registry_close(&reg);
    snprintf(text, sizeof text, "rm -rf %s", dir);
    ck_assert_int_eq(system(text), 0);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("decide");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, refused_before_any_state);
    tcase_add_test(tc, heartbeat_and_missing_seq);
    tcase_add_test(tc, go_back_n_sequence);
    tcase_add_test(tc, settled_claims);
    tcase_add_test(tc, content_check);
    tcase_add_test(tc, reasons_read_in_the_readers_language);
    suite_add_tcase(s, tc);
    TCase *wire = tcase_create("on the wire");
    tcase_set_timeout(wire, 30);
    tcase_add_test(wire, acks_carry_the_reason_in_parts);
    suite_add_tcase(s, wire);
    return s;
}

int main(void)
{
    return td_unit_run(s_suite());
}
