/* test_decide.c: the ingest decision (collector/decide): every answer the protocol gives, the
 * content check against the real registry, calendar and scopes, and the settled claim. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "auth.h"
#include "calendar.h"
#include "codec.h"
#include "decide.h"
#include "registry.h"
#include "report.h"
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

    env = s_env(0, 3, 0);
    f = s_facts(&env, 2);
    ck_assert_int_eq(ingest_needs(&f), INGEST_NEED_NOTHING);
    ingest_decide(&f, &v);
    ck_assert_int_eq(v.status, TIENDO__ACK_STATUS__ACK_REJECTED);
    ck_assert_int_eq(v.reject_kind, INGEST_REJECT_PROTOCOL);
    ck_assert_uint_eq(v.high_water, 0);
    ck_assert_str_eq(v.reason, "envelope has no epoch");
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

    env = s_env(7, 0, 0); /* a report without a seq */
    f = s_facts(&env, 41);
    ck_assert_int_eq(ingest_needs(&f), INGEST_NEED_NOTHING);
    ingest_decide(&f, &v);
    ck_assert_int_eq(v.status, TIENDO__ACK_STATUS__ACK_REJECTED);
    ck_assert_int_eq(v.step, INGEST_STEP_ANSWER);
    ck_assert_int_eq(v.reject_kind, INGEST_REJECT_PROTOCOL);
    ck_assert_uint_eq(v.high_water, 41);
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

    /* a gap: not stored, go back */
    env = s_env(7, 9, 0);
    f = s_facts(&env, 5);
    ck_assert_int_eq(ingest_needs(&f), INGEST_NEED_NOTHING);
    ingest_decide(&f, &v);
    ck_assert_int_eq(v.status, TIENDO__ACK_STATUS__ACK_RETRY_LATER);
    ck_assert_int_eq(v.step, INGEST_STEP_ANSWER);
    ck_assert_uint_eq(v.high_water, 5);
    ck_assert_str_eq(v.reason, "out of order: expected seq 6");

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
    char reason[STORE_REASON_MAX];

    Tiendo__Envelope env = s_env(7, 1, 0);
    /* Bắc Kạn (06) reporting 2024 under the merged province's scope: storable */
    Tiendo__Report *bac_kan = s_report(reg, "06", "2024-Q4");
    env.report = bac_kan;
    ingest_check_content(&env, auth, who, reg, cal, now_ms, reason, sizeof reason);
    ck_assert_str_eq(reason, "");

    /* Hà Nội (01) is outside the subtree of 19 */
    Tiendo__Report *ha_noi = s_report(reg, "01", "2024-Q4");
    env.report = ha_noi;
    ck_assert_int_eq(ingest_check_content(&env, auth, who, reg, cal, now_ms, reason, sizeof reason),
                     INGEST_REJECT_OUT_OF_SCOPE);
    ck_assert_ptr_nonnull(strstr(reason, "outside this agent's scope"));
    ck_assert_ptr_nonnull(strstr(reason, "Thai Nguyen office"));

    /* Bắc Kạn after its merger: a rule of the report, before the scope */
    Tiendo__Report *late = s_report(reg, "19", "2024-Q4");
    free(late->unit);
    late->unit = strdup("06");
    free(late->period);
    late->period = strdup("2025-Q4");
    env.report = late;
    ck_assert_int_eq(ingest_check_content(&env, auth, who, reg, cal, now_ms, reason, sizeof reason),
                     INGEST_REJECT_VALIDATION);
    ck_assert_ptr_nonnull(strstr(reason, "does not exist during 2025-Q4"));

    /* an envelope of another protocol version, or without a report */
    env.report = bac_kan;
    env.version = TD_PROTOCOL_VERSION + 1;
    ck_assert_int_eq(ingest_check_content(&env, auth, who, reg, cal, now_ms, reason, sizeof reason),
                     INGEST_REJECT_PROTOCOL);
    ck_assert_ptr_nonnull(strstr(reason, "unsupported protocol version"));
    env.version = TD_PROTOCOL_VERSION;
    env.report = NULL;
    ck_assert_int_eq(ingest_check_content(&env, auth, who, reg, cal, now_ms, reason, sizeof reason),
                     INGEST_REJECT_PROTOCOL);
    ck_assert_str_eq(reason, "envelope carries no report");

    td_report_free(&bac_kan);
    td_report_free(&ha_noi);
    td_report_free(&late);
    auth_close(&auth);
    td_calendar_close(&cal);
    td_registry_close(&reg);
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
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return td_unit_run(s_suite());
}
