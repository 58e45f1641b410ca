/* test_answer_tasks.c: unit tests of `tiendo tasks`' answer (answer_tasks.h): the JSON of
 * docs/cli-json.md and the table for people, from hand-built collector answers. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer_tasks.h"
#include "cli_test.h"
#include "term.h"
#include "unit_main.h"

/* Hà Nội's plan on 2026-10-01, as the collector answers it after two revisions: KH-01
 * overdue, KH-02 completed late (its history: in progress, then completed), KH-03
 * completed on time (with a co-owner and an expected result), KH-04 in progress. */
typedef struct {
    Tiendo__TaskList list;
    Tiendo__TaskInfo infos[4];
    Tiendo__TaskInfo *info_ptrs[4];
    Tiendo__ActionTask tasks[4];
    Tiendo__TaskChange changes[2];
    Tiendo__TaskChange *change_ptrs[2];
    char *co_owners[1];
} s_plan;

static void s_task(s_plan *x, size_t i, const char *id, const char *title, uint32_t group,
                   const char *owner, const char *deadline, Tiendo__TaskStatus status,
                   const char *completed_on, const char *state)
{
    static const Tiendo__ActionTask t_init = TIENDO__ACTION_TASK__INIT;
    static const Tiendo__TaskInfo i_init = TIENDO__TASK_INFO__INIT;
    Tiendo__ActionTask *t = &x->tasks[i];
    Tiendo__TaskInfo *ti = &x->infos[i];

    *t = t_init;
    t->id = (char *) id;
    t->title = (char *) title;
    t->has_task_group = 1;
    t->task_group = group;
    t->owner = (char *) owner;
    t->deadline = (char *) deadline;
    t->has_status = 1;
    t->status = status;
    t->completed_on = (char *) completed_on;
    *ti = i_init;
    ti->unit = "01";
    ti->unit_name = "Hà Nội";
    ti->province = "01";
    ti->task = t;
    ti->state = (char *) state;
    ti->period = "2026-Q3";
    ti->has_revision = ti->has_reported_at_ms = 1;
    ti->revision = 2;
    ti->reported_at_ms = 1791014400000LL; /* 2026-10-03T08:00:00Z */
    x->info_ptrs[i] = ti;
}

static void s_plan_init(s_plan *x)
{
    static const Tiendo__TaskList l_init = TIENDO__TASK_LIST__INIT;
    static const Tiendo__TaskChange c_init = TIENDO__TASK_CHANGE__INIT;

    memset(x, 0, sizeof *x);
    s_task(x, 0, "KH-01", "Quy hoạch phân khu", 2, "Sở Xây dựng", "2026-06-30",
           TIENDO__TASK_STATUS__TASK_IN_PROGRESS, NULL, "overdue");
    s_task(x, 1, "KH-02", "Nhà ở xã hội", 4, "Sở Tài chính", "2026-08-31",
           TIENDO__TASK_STATUS__TASK_COMPLETED, "2026-09-10", "completed_late");
    s_task(x, 2, "KH-03", "Đề án nâng loại đô thị", 3, "Sở Xây dựng", "2026-09-30",
           TIENDO__TASK_STATUS__TASK_COMPLETED, "2026-09-20", "completed_on_time");
    s_task(x, 3, "KH-04",
           "Đô thị thông minh: nền tảng số dùng chung cho quản lý đô thị toàn thành phố", 5,
           "Sở Khoa học và Công nghệ", "2030-12-31", TIENDO__TASK_STATUS__TASK_IN_PROGRESS, NULL,
           "in_progress");
    x->co_owners[0] = "Sở Nội vụ";
    x->tasks[2].n_co_owners = 1;
    x->tasks[2].co_owners = x->co_owners;
    x->tasks[2].expected_result = "Quyết định công nhận đô thị loại I";
    for (size_t i = 0; i < 2; i++) {
        x->changes[i] = c_init;
        x->changes[i].period = i == 0 ? "2026-Q2" : "2026-Q3";
        x->changes[i].has_revision = x->changes[i].has_received_at_ms = 1;
        x->changes[i].revision = (uint32_t) i + 1;
        x->changes[i].received_at_ms = 1791014400000LL + (int64_t) i * 3600000;
        x->changes[i].has_status = 1;
        x->changes[i].deadline = "2026-08-31";
        x->change_ptrs[i] = &x->changes[i];
    }
    x->changes[0].status = TIENDO__TASK_STATUS__TASK_IN_PROGRESS;
    x->changes[1].status = TIENDO__TASK_STATUS__TASK_COMPLETED;
    x->changes[1].completed_on = "2026-09-10";
    x->infos[1].n_history = 2;
    x->infos[1].history = x->change_ptrs;
    x->list = l_init;
    x->list.dataset = "nq06";
    x->list.as_of = "2026-10-01";
    x->list.has_completed_on_time = x->list.has_completed_late = 1;
    x->list.has_in_progress = x->list.has_overdue = 1;
    x->list.completed_on_time = x->list.completed_late = 1;
    x->list.in_progress = x->list.overdue = 1;
    x->list.n_tasks = 4;
    x->list.tasks = x->info_ptrs;
    x->list.has_matched = 1;
    x->list.matched = 4;
}

static json_t *s_json(const Tiendo__TaskList *list, const td_registry_t *reg)
{
    s_mem m;

    s_mem_open(&m);
    ck_assert_int_eq(answer_tasks_json(m.f, list, reg), TD_OK);
    return s_mem_json(&m);
}

static const char *s_str(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    ck_assert_msg(json_is_string(v), "%s is not a string", key);
    return json_string_value(v);
}

START_TEST(tasks_json_fields_in_order)
{
    static const char *const top[] = {"dataset", "as_of", "counts", "matched", "tasks"};
    static const char *const count_keys[] = {"completed_on_time", "completed_late", "in_progress",
                                             "overdue"};
    static const char *const task_keys[] = {
        "unit",  "unit_name", "province", "id",          "title",        "task_group",
        "owner", "co_owners", "deadline", "status",      "completed_on", "expected_result",
        "state", "period",    "revision", "reported_at", "history"};
    static const char *const change_keys[] = {"period", "revision",     "received_at",
                                              "status", "completed_on", "deadline"};
    s_plan x;
    json_t *root, *t, *h;

    s_plan_init(&x);
    root = s_json(&x.list, NULL);
    s_assert_keys(root, top, 5);
    ck_assert_int_eq(json_integer_value(json_object_get(root, "matched")), 4);
    ck_assert_str_eq(s_str(root, "dataset"), "nq06");
    ck_assert_str_eq(s_str(root, "as_of"), "2026-10-01");
    s_assert_keys(json_object_get(root, "counts"), count_keys, 4);
    for (size_t i = 0; i < 4; i++)
        ck_assert_int_eq(
            json_integer_value(json_object_get(json_object_get(root, "counts"), count_keys[i])), 1);
    ck_assert_uint_eq(json_array_size(json_object_get(root, "tasks")), 4);

    t = json_array_get(json_object_get(root, "tasks"), 0); /* in the collector's order */
    s_assert_keys(t, task_keys, 17);
    ck_assert_str_eq(s_str(t, "unit"), "01");
    ck_assert_str_eq(s_str(t, "unit_name"), "Hà Nội");
    ck_assert_str_eq(s_str(t, "province"), "01");
    ck_assert_str_eq(s_str(t, "id"), "KH-01");
    ck_assert_str_eq(s_str(t, "title"), "Quy hoạch phân khu");
    ck_assert_int_eq(json_integer_value(json_object_get(t, "task_group")), 2);
    ck_assert_str_eq(s_str(t, "owner"), "Sở Xây dựng");
    ck_assert_uint_eq(json_array_size(json_object_get(t, "co_owners")), 0);
    ck_assert_str_eq(s_str(t, "deadline"), "2026-06-30");
    ck_assert_str_eq(s_str(t, "status"), "in_progress"); /* as reported */
    ck_assert(json_is_null(json_object_get(t, "completed_on")));
    ck_assert(json_is_null(json_object_get(t, "expected_result")));
    ck_assert_str_eq(s_str(t, "state"), "overdue"); /* as the centre follows it */
    ck_assert_str_eq(s_str(t, "period"), "2026-Q3");
    ck_assert_int_eq(json_integer_value(json_object_get(t, "revision")), 2);
    ck_assert_str_eq(s_str(t, "reported_at"), "2026-10-03T08:00:00.000Z");
    ck_assert_uint_eq(json_array_size(json_object_get(t, "history")), 0);

    t = json_array_get(json_object_get(root, "tasks"), 1); /* KH-02 across two revisions */
    ck_assert_str_eq(s_str(t, "state"), "completed_late");
    ck_assert_str_eq(s_str(t, "status"), "completed");
    ck_assert_str_eq(s_str(t, "completed_on"), "2026-09-10");
    h = json_object_get(t, "history");
    ck_assert_uint_eq(json_array_size(h), 2);
    s_assert_keys(json_array_get(h, 0), change_keys, 6);
    ck_assert_str_eq(s_str(json_array_get(h, 0), "period"), "2026-Q2");
    ck_assert_str_eq(s_str(json_array_get(h, 0), "status"), "in_progress");
    ck_assert(json_is_null(json_object_get(json_array_get(h, 0), "completed_on")));
    ck_assert_str_eq(s_str(json_array_get(h, 0), "received_at"), "2026-10-03T08:00:00.000Z");
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(h, 1), "revision")), 2);
    ck_assert_str_eq(s_str(json_array_get(h, 1), "status"), "completed");
    ck_assert_str_eq(s_str(json_array_get(h, 1), "completed_on"), "2026-09-10");
    ck_assert_str_eq(s_str(json_array_get(h, 1), "deadline"), "2026-08-31");

    t = json_array_get(json_object_get(root, "tasks"), 2); /* the "5 rõ": co-owner, result */
    ck_assert_uint_eq(json_array_size(json_object_get(t, "co_owners")), 1);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(t, "co_owners"), 0)),
                     "Sở Nội vụ");
    ck_assert_str_eq(s_str(t, "expected_result"), "Quyết định công nhận đô thị loại I");
    ck_assert_str_eq(s_str(t, "state"), "completed_on_time");
    json_decref(root);
}
END_TEST

START_TEST(tasks_json_unknown_is_null)
{
    static const Tiendo__TaskList l_init = TIENDO__TASK_LIST__INIT;
    static const Tiendo__TaskInfo i_init = TIENDO__TASK_INFO__INIT;
    Tiendo__TaskList list = l_init;
    Tiendo__TaskInfo info = i_init, *infos[1] = {&info};
    td_registry_t *reg = s_registry();
    json_t *root, *t;

    /* Nothing counted, a record without its task, a unit the collector did not name. */
    list.dataset = "nq06";
    info.unit = "46";
    list.n_tasks = 1;
    list.tasks = infos;
    root = s_json(&list, reg);
    ck_assert(json_is_null(json_object_get(root, "as_of")));
    ck_assert(json_is_null(json_object_get(json_object_get(root, "counts"), "overdue")));
    ck_assert(json_is_null(json_object_get(root, "matched")));
    t = json_array_get(json_object_get(root, "tasks"), 0);
    ck_assert_str_eq(s_str(t, "unit_name"), "Huế"); /* from the registry */
    ck_assert(json_is_null(json_object_get(t, "id")));
    ck_assert(json_is_null(json_object_get(t, "task_group")));
    ck_assert(json_is_null(json_object_get(t, "status")));
    ck_assert(json_is_null(json_object_get(t, "state")));
    ck_assert(json_is_null(json_object_get(t, "revision")));
    ck_assert(json_is_null(json_object_get(t, "reported_at")));
    ck_assert(json_is_array(json_object_get(t, "co_owners")));
    ck_assert(json_is_array(json_object_get(t, "history")));
    json_decref(root);

    list.n_tasks = 0;
    root = s_json(&list, reg);
    ck_assert_uint_eq(json_array_size(json_object_get(root, "tasks")), 0);
    json_decref(root);
    td_registry_close(&reg);
}
END_TEST

START_TEST(tasks_text_for_people)
{
    static const size_t widths[] = {120, 100, 80};
    s_plan x;
    s_mem m;
    char *lines[16];
    size_t n;

    s_plan_init(&x);
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
        answer_style style = {0, widths[w], 0};
        s_mem_open(&m);
        ck_assert_int_eq(answer_tasks_text(m.f, &x.list, NULL, &style), TD_OK);
        s_mem_text(&m);
        ck_assert_ptr_null(strchr(m.buf, 0x1b));
        n = s_lines(m.buf, lines, 16);
        ck_assert_uint_eq(n, 9); /* heading, counts, header, dashes, 4 rows, count */
        ck_assert_str_eq(lines[0], "Action-plan tasks, dataset nq06, as of 2026-10-01");
        ck_assert_str_eq(lines[1], "completed on time 1 · completed late 1 · in progress (not "
                                   "yet due) 1 · overdue 1");
        ck_assert_ptr_nonnull(strstr(lines[2], "Unit"));
        ck_assert_ptr_nonnull(strstr(lines[2], "Lead owner"));
        ck_assert_ptr_nonnull(strstr(lines[2], "Completed on"));
        /* Within 100 columns the table fits; at 80 the title keeps 12 columns. */
        for (size_t i = 2; i < 8; i++) {
            if (widths[w] >= 100)
                ck_assert_msg(term_width(lines[i]) <= widths[w], "%zu: '%s'", widths[w], lines[i]);
            ck_assert_uint_eq(term_width(lines[i]), term_width(lines[2]));
        }
        ck_assert_msg(strncmp(lines[4], "01 Hà Nội  KH-01  Quy hoạch ",
                              strlen("01 Hà Nội  KH-01  Quy hoạch ")) == 0,
                      "'%s'", lines[4]);
        ck_assert_ptr_nonnull(strstr(lines[4], "Sở Xây dựng"));
        ck_assert_ptr_nonnull(strstr(lines[4], "2026-06-30"));
        ck_assert_ptr_nonnull(strstr(lines[4], "overdue"));
        ck_assert_uint_eq(s_column_of(lines[4], "overdue"), s_column_of(lines[2], "State"));
        ck_assert_ptr_nonnull(strstr(lines[5], "completed late"));
        ck_assert_uint_eq(s_column_of(lines[5], "2026-09-10"),
                          s_column_of(lines[2], "Completed on"));
        ck_assert_ptr_nonnull(strstr(lines[6], "completed on time"));
        ck_assert_ptr_nonnull(strstr(lines[7], "in progress"));
        ck_assert_ptr_nonnull(strstr(lines[7], "Sở Khoa học và Công…")); /* 20 columns */
        /* The long title is cut to what the line leaves, with "…". */
        ck_assert_ptr_nonnull(strstr(lines[7], "Đô thị th"));
        ck_assert_ptr_nonnull(strstr(lines[7], "…"));
        ck_assert_str_eq(lines[8], "4 tasks");
        free(m.buf);
    }
    /* A list the limit cut says so under the table. */
    x.list.matched = 3355;
    answer_style style = {0, 120, 0};
    s_mem_open(&m);
    ck_assert_int_eq(answer_tasks_text(m.f, &x.list, NULL, &style), TD_OK);
    s_mem_text(&m);
    n = s_lines(m.buf, lines, 16);
    ck_assert_str_eq(lines[n - 1], "4 of 3,355 tasks, those with the earliest deadlines (--limit 0 "
                                   "lists all)");
    free(m.buf);
}
END_TEST

START_TEST(tasks_text_colours_add_to_words_and_empty_list)
{
    s_plan x;
    answer_style colour = {1, 120, 0};
    s_mem m;

    s_plan_init(&x);
    s_mem_open(&m);
    ck_assert_int_eq(answer_tasks_text(m.f, &x.list, NULL, &colour), TD_OK);
    s_mem_text(&m);
    ck_assert_ptr_nonnull(strstr(m.buf, "\x1b[31moverdue"));
    ck_assert_ptr_nonnull(strstr(m.buf, "\x1b[33mcompleted late"));
    free(m.buf);

    x.list.n_tasks = 0;
    x.list.has_completed_on_time = x.list.has_completed_late = 0;
    x.list.has_in_progress = x.list.has_overdue = 0;
    s_mem_open(&m);
    ck_assert_int_eq(answer_tasks_text(m.f, &x.list, NULL, NULL), TD_OK);
    ck_assert_str_eq(s_mem_text(&m), "Action-plan tasks, dataset nq06, as of 2026-10-01\n\n"
                                     "No action-plan task matches.\n");
    free(m.buf);
}
END_TEST

START_TEST(task_states_in_words)
{
    char buf[32];
    ck_assert_str_eq(answer_task_state_text("completed_on_time", buf, sizeof buf),
                     "completed on time");
    ck_assert_str_eq(answer_task_state_text("completed_late", buf, sizeof buf), "completed late");
    ck_assert_str_eq(answer_task_state_text("in_progress", buf, sizeof buf), "in progress");
    ck_assert_str_eq(answer_task_state_text("overdue", buf, sizeof buf), "overdue");
    ck_assert_str_eq(answer_task_state_text("on_hold", buf, sizeof buf), "on hold");
    ck_assert_str_eq(answer_task_state_text(NULL, buf, sizeof buf), "\xE2\x80\x94");
    ck_assert_str_eq(answer_task_state_text("", buf, sizeof buf), "\xE2\x80\x94");
}
END_TEST

START_TEST(tasks_text_in_vietnamese)
{
    s_plan x;
    answer_style style = {0, 120, 0};
    s_mem m;
    char *lines[16];
    size_t n;
    char buf[48];

    s_plan_init(&x);
    x.list.completed_on_time = 1007;
    x.list.matched = 3355;
    s_language(TD_LANG_VI);
    s_mem_open(&m);
    ck_assert_int_eq(answer_tasks_text(m.f, &x.list, NULL, &style), TD_OK);
    s_mem_text(&m);
    ck_assert_str_eq(answer_task_state_text("completed_on_time", buf, sizeof buf),
                     "hoàn thành đúng hạn");
    s_language(TD_LANG_EN);
    n = s_lines(m.buf, lines, 16);
    ck_assert_uint_eq(n, 9);
    ck_assert_str_eq(lines[0], "Nhiệm vụ trong kế hoạch hành động, chế độ báo cáo nq06, tính "
                               "đến ngày 01/10/2026");
    ck_assert_str_eq(lines[1], "hoàn thành đúng hạn 1.007 · hoàn thành trễ hạn 1 · đang thực "
                               "hiện (chưa đến hạn) 1 · quá hạn 1");
    ck_assert_ptr_nonnull(strstr(lines[2], "Đơn vị chủ trì"));
    ck_assert_ptr_nonnull(strstr(lines[2], "Ngày hoàn thành"));
    for (size_t i = 2; i < 8; i++) {
        ck_assert_msg(term_width(lines[i]) <= 120, "'%s'", lines[i]);
        ck_assert_uint_eq(term_width(lines[i]), term_width(lines[2]));
    }
    ck_assert_ptr_nonnull(strstr(lines[4], "30/06/2026"));
    ck_assert_uint_eq(s_column_of(lines[4], "quá hạn"), s_column_of(lines[2], "Tình trạng"));
    ck_assert_ptr_nonnull(strstr(lines[5], "hoàn thành trễ hạn"));
    ck_assert_uint_eq(s_column_of(lines[5], "10/09/2026"),
                      s_column_of(lines[2], "Ngày hoàn thành"));
    ck_assert_ptr_nonnull(strstr(lines[6], "hoàn thành đúng hạn"));
    ck_assert_ptr_nonnull(strstr(lines[7], "đang thực hiện"));
    ck_assert_str_eq(lines[8], "4/3.355 nhiệm vụ, là những nhiệm vụ có thời hạn sớm nhất "
                               "(--limit 0 để liệt kê tất cả)");
    free(m.buf);

    /* JSON is for programs: the same bytes in both languages. */
    {
        char *en, *vi;
        s_mem_open(&m);
        ck_assert_int_eq(answer_tasks_json(m.f, &x.list, NULL), TD_OK);
        en = (char *) s_mem_text(&m);
        s_language(TD_LANG_VI);
        s_mem_open(&m);
        ck_assert_int_eq(answer_tasks_json(m.f, &x.list, NULL), TD_OK);
        vi = (char *) s_mem_text(&m);
        s_language(TD_LANG_EN);
        ck_assert_str_eq(vi, en);
        free(vi);
        free(en);
    }
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("answer_tasks");
    TCase *json = tcase_create("json");
    TCase *text = tcase_create("text");

    tcase_add_test(json, tasks_json_fields_in_order);
    tcase_add_test(json, tasks_json_unknown_is_null);
    tcase_add_test(text, tasks_text_for_people);
    tcase_add_test(text, tasks_text_colours_add_to_words_and_empty_list);
    tcase_add_test(text, task_states_in_words);
    tcase_add_test(text, tasks_text_in_vietnamese);
    suite_add_tcase(s, json);
    suite_add_tcase(s, text);
    return s;
}

int main(void)
{
    return td_unit_run(s_suite());
}
