/* test_tasks.c: action-plan task states on a date and task records across reports
 * (common/tasks). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tasks.h"
#include "unit_main.h"

static Tiendo__ActionTask s_task(const char *deadline, Tiendo__TaskStatus st, const char *done)
{
    Tiendo__ActionTask t = TIENDO__ACTION_TASK__INIT;
    t.id = (char *) "KH-01";
    t.title = (char *) "Quy hoạch phân khu";
    t.has_task_group = 1;
    t.task_group = 2;
    t.owner = (char *) "Sở Xây dựng";
    t.deadline = (char *) deadline;
    t.has_status = 1;
    t.status = st;
    t.completed_on = (char *) done;
    return t;
}

START_TEST(states_on_a_date)
{
    td_date before = {2026, 6, 29}, on = {2026, 6, 30}, after = {2026, 7, 1};
    Tiendo__ActionTask t = s_task("2026-06-30", TIENDO__TASK_STATUS__TASK_IN_PROGRESS, NULL);
    ck_assert_int_eq(td_task_state_of(&t, &before), TD_TASK_IN_PROGRESS);
    ck_assert_int_eq(td_task_state_of(&t, &on), TD_TASK_IN_PROGRESS); /* due today: not late */
    ck_assert_int_eq(td_task_state_of(&t, &after), TD_TASK_OVERDUE);
    t.status = TIENDO__TASK_STATUS__TASK_NOT_STARTED;
    ck_assert_int_eq(td_task_state_of(&t, &after), TD_TASK_OVERDUE);
    ck_assert_int_eq(td_task_state_of(&t, &before), TD_TASK_IN_PROGRESS);

    t = s_task("2026-06-30", TIENDO__TASK_STATUS__TASK_COMPLETED, "2026-06-30");
    ck_assert_int_eq(td_task_state_of(&t, &after), TD_TASK_COMPLETED_ON_TIME);
    t.completed_on = (char *) "2026-07-02";
    ck_assert_int_eq(td_task_state_of(&t, &after), TD_TASK_COMPLETED_LATE);
    /* late stays late whatever the date it is looked at */
    ck_assert_int_eq(td_task_state_of(&t, &before), TD_TASK_COMPLETED_LATE);

    td_task_state s;
    for (int i = 0; i < TD_TASK_STATE__COUNT; i++) {
        ck_assert_int_eq(td_task_state_parse(td_task_state_name((td_task_state) i), &s), 0);
        ck_assert_int_eq(s, i);
    }
    ck_assert_int_eq(td_task_state_parse("late", &s), -1);
    ck_assert_str_eq(td_task_state_name(TD_TASK_OVERDUE), "overdue");
}
END_TEST

/* One task across two quarters and a late correction of the first: the record follows
 * the newest period, and the history lists each change once. */
START_TEST(record_follows_the_task)
{
    Tiendo__TaskInfo *rec = NULL;
    Tiendo__ActionTask q1 = s_task("2026-06-30", TIENDO__TASK_STATUS__TASK_NOT_STARTED, NULL);
    ck_assert_int_eq(td_task_fold(&rec, "01", &q1, "2026-Q1", 1, 1000), TD_OK);
    ck_assert_str_eq(rec->unit, "01");
    ck_assert_str_eq(rec->period, "2026-Q1");
    ck_assert_uint_eq(rec->n_history, 1);

    /* the same again (revision 2 of Q1, nothing changed): no new history entry */
    ck_assert_int_eq(td_task_fold(&rec, "01", &q1, "2026-Q1", 2, 2000), TD_OK);
    ck_assert_uint_eq(rec->revision, 2);
    ck_assert_uint_eq(rec->n_history, 1);

    Tiendo__ActionTask q2 = s_task("2026-06-30", TIENDO__TASK_STATUS__TASK_IN_PROGRESS, NULL);
    q2.expected_result = (char *) "Quyết định phê duyệt";
    ck_assert_int_eq(td_task_fold(&rec, "01", &q2, "2026-Q2", 1, 3000), TD_OK);
    ck_assert_str_eq(rec->period, "2026-Q2");
    ck_assert_int_eq(rec->task->status, TIENDO__TASK_STATUS__TASK_IN_PROGRESS);
    ck_assert_str_eq(rec->task->expected_result, "Quyết định phê duyệt");
    ck_assert_uint_eq(rec->n_history, 2);

    /* a late revision of Q1 saying "completed" does not undo what Q2 said, but is history */
    Tiendo__ActionTask late =
        s_task("2026-06-30", TIENDO__TASK_STATUS__TASK_COMPLETED, "2026-03-01");
    ck_assert_int_eq(td_task_fold(&rec, "01", &late, "2026-Q1", 3, 4000), TD_OK);
    ck_assert_str_eq(rec->period, "2026-Q2");
    ck_assert_int_eq(rec->task->status, TIENDO__TASK_STATUS__TASK_IN_PROGRESS);
    ck_assert_uint_eq(rec->n_history, 3);
    ck_assert_str_eq(rec->history[2]->period, "2026-Q1");
    ck_assert_uint_eq(rec->history[2]->revision, 3);

    /* Q3: completed late (after the deadline); the record and its state say so */
    Tiendo__ActionTask q3 = s_task("2026-06-30", TIENDO__TASK_STATUS__TASK_COMPLETED, "2026-08-10");
    ck_assert_int_eq(td_task_fold(&rec, "01", &q3, "2026-Q3", 1, 5000), TD_OK);
    td_date today = {2026, 12, 3};
    ck_assert_int_eq(td_task_state_of(rec->task, &today), TD_TASK_COMPLETED_LATE);
    ck_assert_uint_eq(rec->n_history, 4);
    ck_assert_str_eq(rec->history[3]->completed_on, "2026-08-10");

    /* the record survives the wire (it is stored packed) */
    size_t len = tiendo__task_info__get_packed_size(rec);
    uint8_t *buf = malloc(len);
    tiendo__task_info__pack(rec, buf);
    Tiendo__TaskInfo *back = tiendo__task_info__unpack(NULL, len, buf);
    ck_assert_ptr_nonnull(back);
    ck_assert_uint_eq(back->n_history, 4);
    ck_assert_str_eq(back->task->owner, "Sở Xây dựng");
    tiendo__task_info__free_unpacked(back, NULL);
    free(buf);
    tiendo__task_info__free_unpacked(rec, NULL);

    ck_assert_int_eq(td_task_fold(&rec, "01", &q3, "Q3", 1, 0), TD_ERR_INVALID);
}
END_TEST

START_TEST(history_is_bounded)
{
    Tiendo__TaskInfo *rec = NULL;
    for (int i = 0; i < TD_TASK_HISTORY_MAX + 10; i++) {
        Tiendo__ActionTask t = s_task("2026-06-30",
                                      i % 2 ? TIENDO__TASK_STATUS__TASK_IN_PROGRESS
                                            : TIENDO__TASK_STATUS__TASK_NOT_STARTED,
                                      NULL);
        ck_assert_int_eq(td_task_fold(&rec, "79", &t, "2026-Q4", (uint32_t) i + 1, i), TD_OK);
    }
    ck_assert_uint_eq(rec->n_history, TD_TASK_HISTORY_MAX);
    ck_assert_uint_eq(rec->history[0]->revision, 11); /* the oldest ten went */
    ck_assert_uint_eq(rec->history[TD_TASK_HISTORY_MAX - 1]->revision, TD_TASK_HISTORY_MAX + 10);
    tiendo__task_info__free_unpacked(rec, NULL);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("tasks");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, states_on_a_date);
    tcase_add_test(tc, record_follows_the_task);
    tcase_add_test(tc, history_is_bounded);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return td_unit_run(s_suite());
}
