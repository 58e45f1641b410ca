/* sample.c: builds the sample reports of sample.h. */
#include "sample.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "codec.h"

static const char *const s_elements[8] = {
    "urban_population", "total_population",       "urban_areas", "urban_housing_floor_m2",
    "urban_households", "urban_households_fibre", "grdp_bn_vnd", "urban_grdp_bn_vnd"};

char *sample_month(uint64_t index, char *buf, size_t len)
{
    snprintf(buf, len, "%d-M%02d", 2000 + (int) (index / 12), 1 + (int) (index % 12));
    return buf;
}

void sample_report_fill(sample_report *s, const char *unit, const char *period, uint64_t n)
{
    tiendo__report__init(&s->report);
    snprintf(s->unit, sizeof s->unit, "%s", unit);
    snprintf(s->period, sizeof s->period, "%s", period);
    s->report.unit = s->unit;
    s->report.dataset = (char *) "nq06";
    s->report.period = s->period;
    s->report.prepared_by = (char *) "Sở Xây dựng";
    s->report.has_prepared_at = 1;
    s->report.prepared_at = 1764400000;
    for (int g = 0; g < 6; g++) {
        Tiendo__TaskGroupProgress *tg = &s->groups[g];
        tiendo__task_group_progress__init(tg);
        tg->has_group = tg->has_status = tg->has_progress_percent = 1;
        tg->group = (uint32_t) g + 1;
        tg->status = TIENDO__TASK_STATUS__TASK_IN_PROGRESS;
        tg->progress_percent = 10.0 * g + (double) (n % 10);
        tg->note = (char *) "Đang thực hiện";
        s->group_ptrs[g] = tg;
    }
    for (int v = 0; v < 8; v++) {
        Tiendo__DataValue *dv = &s->values[v];
        tiendo__data_value__init(dv);
        dv->element = (char *) s_elements[v];
        dv->has_value = 1;
        /* wholes above parts: total_population > urban_population and so on */
        dv->value = 1000.0 * (v % 2 ? 3 * (v + 1) : v + 1) + (double) (n % 1000);
        s->value_ptrs[v] = dv;
    }
    s->report.n_task_groups = 6;
    s->report.task_groups = s->group_ptrs;
    s->report.n_values = 8;
    s->report.values = s->value_ptrs;
}

void sample_report_add_tasks(sample_report *s, int stage)
{
    static const char *const ids[SAMPLE_TASKS] = {"KH-1", "KH-2", "KH-3", "KH-4", "KH-5"};
    static const char *const titles[SAMPLE_TASKS] = {
        "Rà soát quy hoạch chung đô thị", "Đề án nâng loại đô thị", "Chương trình phát triển nhà ở",
        "Đô thị thông minh", "Quy hoạch phân khu"};
    static const char *const owners[SAMPLE_TASKS] = {"Sở Xây dựng", "Sở Nội vụ", "Sở Tài chính",
                                                     "Sở Khoa học và Công nghệ", "Sở Xây dựng"};
    static char *co_owners[2] = {(char *) "Sở Tài nguyên và Môi trường", (char *) "UBND cấp xã"};
    static const char *const deadlines[SAMPLE_TASKS] = {"2020-12-31", "2025-06-30", "2025-06-30",
                                                        "2099-12-31", "2099-12-31"};
    for (int i = 0; i < SAMPLE_TASKS; i++) {
        Tiendo__ActionTask *t = &s->tasks[i];
        tiendo__action_task__init(t);
        t->id = (char *) ids[i];
        t->title = (char *) titles[i];
        t->has_task_group = 1;
        t->task_group = (uint32_t) i + 1;
        t->owner = (char *) owners[i];
        t->co_owners = co_owners;
        t->n_co_owners = i % 2 ? 2 : 1;
        t->deadline = (char *) deadlines[i];
        t->expected_result = (char *) "Được phê duyệt";
        t->has_status = 1;
        t->status = TIENDO__TASK_STATUS__TASK_IN_PROGRESS;
        s->task_ptrs[i] = t;
    }
    s->tasks[1].status = s->tasks[2].status = TIENDO__TASK_STATUS__TASK_COMPLETED;
    s->tasks[1].completed_on = (char *) "2025-06-01";
    s->tasks[2].completed_on = (char *) "2025-09-15";
    s->tasks[4].status = stage < 10   ? TIENDO__TASK_STATUS__TASK_NOT_STARTED
                         : stage < 20 ? TIENDO__TASK_STATUS__TASK_IN_PROGRESS
                                      : TIENDO__TASK_STATUS__TASK_COMPLETED;
    s->tasks[4].completed_on = stage < 20 ? NULL : (char *) "2026-01-15";
    s->report.n_action_plan = SAMPLE_TASKS;
    s->report.action_plan = s->task_ptrs;
}

size_t sample_envelope(uint8_t *buf, size_t cap, uint64_t epoch, uint64_t seq,
                       const Tiendo__Report *report)
{
    Tiendo__Envelope env = TIENDO__ENVELOPE__INIT;
    env.has_version = env.has_epoch = env.has_seq = env.has_sent_at_ms = 1;
    env.version = TD_PROTOCOL_VERSION;
    env.epoch = epoch;
    env.seq = seq;
    env.sent_at_ms = td_now_ms();
    env.body_case = TIENDO__ENVELOPE__BODY_REPORT;
    env.report = (Tiendo__Report *) report;
    size_t len = 0;
    if (td_message_encode(&env.base, buf, cap, &len) != TD_OK)
        return 0;
    return len;
}
