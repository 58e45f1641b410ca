/* test_answers.c: unit tests of the tiendo command's answers: status, agents, indicators,
 * units (sort, JSON, CSV) and one unit, as text and as JSON. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer_agents.h"
#include "answer_indicators.h"
#include "answer_status.h"
#include "answer_unit.h"
#include "answer_units.h"
#include "cli_test.h"
#include "codec.h"
#include "registry.h"
#include "term.h"
#include "timefmt.h"
#include "unit_main.h"

/* ---- formatters ---- */

START_TEST(times_and_ages)
{
    char buf[64];
    ck_assert_str_eq(td_time_rfc3339(0, buf, sizeof buf), "1970-01-01T00:00:00.000Z");
    ck_assert_str_eq(td_time_rfc3339(1795167000123LL, buf, sizeof buf), "2026-11-20T09:30:00.123Z");
    ck_assert_str_eq(td_time_rfc3339(-1, buf, sizeof buf), "1969-12-31T23:59:59.999Z");
    ck_assert_str_eq(td_age_text(100000, 97000, buf, sizeof buf), "3 s ago");
    ck_assert_str_eq(td_age_text(100000, 99500, buf, sizeof buf), "0 s ago");
    ck_assert_str_eq(td_age_text(100000, 200000, buf, sizeof buf), "0 s ago");
    ck_assert_str_eq(td_age_text(10000000, 10000000 - 125000, buf, sizeof buf), "2 min ago");
    ck_assert_str_eq(td_age_text(100000, 0, buf, sizeof buf), "never");
    ck_assert_str_eq(td_offset_text(120, buf, sizeof buf), "+120 ms");
    ck_assert_str_eq(td_offset_text(-3400, buf, sizeof buf), "-3.4 s");
    ck_assert_str_eq(td_offset_text(0, buf, sizeof buf), "0 ms");
    ck_assert_str_eq(td_offset_text(5 * 60000 + 10, buf, sizeof buf), "+5 min");
    ck_assert_str_eq(td_duration_text(90000, buf, sizeof buf), "1 min");
    /* Two units from an hour up (td_duration_text), where the CLI once said "3 h". */
    ck_assert_str_eq(td_duration_text((3 * 3600 + 5 * 60) * 1000LL, buf, sizeof buf), "3 h 5 min");
    ck_assert_str_eq(td_duration_text(3 * 3600 * 1000LL, buf, sizeof buf), "3 h");
    ck_assert_str_eq(
        td_age_text(1000000000, 1000000000 - (2 * 86400 + 4 * 3600) * 1000LL, buf, sizeof buf),
        "2 d 4 h ago");
}
END_TEST

/* ---- status ---- */

/* A summary as the collector would send it: 34 expected, 33 reported (all but 04); by
 * the deadline 2026-12-25, 30 on time, 2 late, 2 overdue; five indicators; three lagging. */
enum { S_INDICATORS = 5, S_LAGGING = 3 };

typedef struct {
    Tiendo__StatusSummary s;
    Tiendo__TaskGroupSummary groups[6];
    Tiendo__TaskGroupSummary *group_ptrs[6];
    Tiendo__UnitReport units[2];
    Tiendo__UnitReport *unit_ptrs[2];
    char *missing[1];
    Tiendo__IndicatorValue indicators[S_INDICATORS];
    Tiendo__IndicatorValue *indicator_ptrs[S_INDICATORS];
    Tiendo__LaggingUnit lagging[S_LAGGING];
    Tiendo__LaggingUnit *lagging_ptrs[S_LAGGING];
} s_summary;

static void s_indicator_init(Tiendo__IndicatorValue *iv, char *id, char *unit, int has_value,
                             double value, char *t2025, char *t2030, uint32_t counted)
{
    static const Tiendo__IndicatorValue i_init = TIENDO__INDICATOR_VALUE__INIT;
    *iv = i_init;
    iv->id = id;
    iv->unit = unit;
    iv->has_value = has_value;
    iv->value = value;
    iv->target_2025 = t2025;
    iv->target_2030 = t2030;
    iv->has_units_counted = 1;
    iv->units_counted = counted;
}

static void s_lagging_init(Tiendo__LaggingUnit *lu, char *unit, char *name, char *status,
                           int has_progress, double progress)
{
    static const Tiendo__LaggingUnit l_init = TIENDO__LAGGING_UNIT__INIT;
    *lu = l_init;
    lu->unit = unit;
    lu->name = name;
    lu->status = status;
    lu->has_mean_progress_percent = has_progress;
    lu->mean_progress_percent = progress;
}

static void s_summary_init(s_summary *x)
{
    static const Tiendo__StatusSummary s_init = TIENDO__STATUS_SUMMARY__INIT;
    static const Tiendo__TaskGroupSummary g_init = TIENDO__TASK_GROUP_SUMMARY__INIT;
    static const Tiendo__UnitReport u_init = TIENDO__UNIT_REPORT__INIT;

    memset(x, 0, sizeof *x);
    x->s = s_init;
    x->s.dataset = "nq06";
    x->s.period = "2026-Q4";
    x->s.has_units_expected = x->s.has_units_reported = x->s.has_revisions_stored = 1;
    x->s.units_expected = 34;
    x->s.units_reported = 33;
    x->s.revisions_stored = 40;
    for (int i = 0; i < 6; i++) {
        x->groups[i] = g_init;
        x->groups[i].has_group = 1;
        x->groups[i].group = (uint32_t) (i + 1);
        x->groups[i].has_not_started = x->groups[i].has_in_progress = 1;
        x->groups[i].has_completed = 1;
        x->groups[i].not_started = 3;
        x->groups[i].in_progress = 20;
        x->groups[i].completed = 10;
        x->groups[i].has_mean_progress_percent = 1;
        x->groups[i].mean_progress_percent = 55.25 + i;
        x->group_ptrs[i] = &x->groups[i];
    }
    x->s.n_task_groups = 6;
    x->s.task_groups = x->group_ptrs;
    x->units[0] = u_init;
    x->units[0].unit = "01";
    x->units[0].name = "Hà Nội";
    x->units[0].has_revision = x->units[0].has_received_at_ms = 1;
    x->units[0].revision = 3;
    x->units[0].received_at_ms = 1795167000123LL;
    x->units[1] = u_init;
    x->units[1].unit = "46";
    x->units[1].name = ""; /* the collector left it out: the registry names it */
    x->units[1].has_revision = 1;
    x->units[1].revision = 1;
    x->unit_ptrs[0] = &x->units[0];
    x->unit_ptrs[1] = &x->units[1];
    x->s.n_reported = 2;
    x->s.reported = x->unit_ptrs;
    x->missing[0] = "04";
    x->s.n_missing = 1;
    x->s.missing = x->missing;

    x->units[0].has_first_received_at_ms = 1;
    x->units[0].first_received_at_ms = 1795167000123LL - 86400000LL; /* a day earlier */
    x->units[0].status = "on_time";
    x->units[1].status = "late"; /* no first_received_at_ms: shown as null */
    x->s.deadline = "2026-12-25";
    x->s.has_units_on_time = x->s.has_units_late = 1;
    x->s.has_units_not_yet_due = x->s.has_units_overdue = 1;
    x->s.units_on_time = 30;
    x->s.units_late = 2;
    x->s.units_not_yet_due = 0;
    x->s.units_overdue = 2;

    s_indicator_init(&x->indicators[0], "T01", "%", 1, 42.7, "below", "below", 33);
    x->indicators[0].has_numerator = x->indicators[0].has_denominator = 1;
    x->indicators[0].numerator = 42700000.0;
    x->indicators[0].denominator = 100000000.0;
    s_indicator_init(&x->indicators[1], "T02", "%", 0, 0.0, "no_data", "no_data", 0);
    s_indicator_init(&x->indicators[2], "T03", "count", 1, 912.0, "below", "below", 33);
    x->indicators[2].has_numerator = 1;
    x->indicators[2].numerator = 912.0;
    s_indicator_init(&x->indicators[3], "T09", "m2/person", 1, 31.5, "within", "below", 30);
    s_indicator_init(&x->indicators[4], "T10", "%", 1, 85.0, "within", "below", 31);
    for (int i = 0; i < S_INDICATORS; i++)
        x->indicator_ptrs[i] = &x->indicators[i];
    x->s.n_indicators = S_INDICATORS;
    x->s.indicators = x->indicator_ptrs;

    s_lagging_init(&x->lagging[0], "04", "Cao Bằng", "overdue", 0, 0.0);
    s_lagging_init(&x->lagging[1], "86", "", "late", 1, 12.34); /* the registry names it */
    s_lagging_init(&x->lagging[2], "01", "Hà Nội", "on_time", 1, 40.0);
    for (int i = 0; i < S_LAGGING; i++)
        x->lagging_ptrs[i] = &x->lagging[i];
    x->s.n_lagging = S_LAGGING;
    x->s.lagging = x->lagging_ptrs;
}

static json_t *s_status_json(const Tiendo__StatusSummary *s, const td_registry_t *reg)
{
    s_mem m;
    json_error_t jerr;
    json_t *root;

    s_mem_open(&m);
    ck_assert_int_eq(answer_status_json(m.f, s, reg), TD_OK);
    s_mem_text(&m);
    root = json_loads(m.buf, 0, &jerr);
    ck_assert_msg(root != NULL, "not JSON: %s\n%s", jerr.text, m.buf);
    ck_assert_msg(strstr(m.buf, "\n  \"dataset\": \"nq06\",\n") != NULL, "indent 2: %s", m.buf);
    free(m.buf);
    return root;
}

START_TEST(status_json_fields_and_values)
{
    static const char *const top[] = {CLI_STATUS_KEYS};
    static const char *const group_keys[] = {
        "group",       "title_en",  "title_vi",     "not_started",
        "in_progress", "completed", "not_reported", "mean_progress_percent"};
    static const char *const unit_keys[] = {CLI_REPORTED_KEYS};
    s_summary x;
    td_registry_t *reg = s_registry();
    json_t *root, *g, *u;

    s_summary_init(&x);
    root = s_status_json(&x.s, reg);
    s_assert_keys(root, top, S_COUNT(top));
    ck_assert_str_eq(json_string_value(json_object_get(root, "dataset")), "nq06");
    ck_assert_str_eq(json_string_value(json_object_get(root, "period")), "2026-Q4");
    ck_assert_int_eq(json_integer_value(json_object_get(root, "units_expected")), 34);
    ck_assert_int_eq(json_integer_value(json_object_get(root, "units_reported")), 33);
    /* 33 / 34 = 97.0588...% shown to one decimal. */
    ck_assert_double_eq_tol(json_real_value(json_object_get(root, "completeness_percent")), 97.1,
                            1e-9);
    ck_assert_int_eq(json_integer_value(json_object_get(root, "revisions_stored")), 40);

    ck_assert_uint_eq(json_array_size(json_object_get(root, "task_groups")), 6);
    g = json_array_get(json_object_get(root, "task_groups"), 1);
    s_assert_keys(g, group_keys, 8);
    ck_assert_int_eq(json_integer_value(json_object_get(g, "group")), 2);
    ck_assert_str_eq(json_string_value(json_object_get(g, "title_en")),
                     "Quality of urban planning");
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(g, "title_vi")), "quy hoạch"));
    ck_assert_int_eq(json_integer_value(json_object_get(g, "not_started")), 3);
    ck_assert_int_eq(json_integer_value(json_object_get(g, "in_progress")), 20);
    ck_assert_int_eq(json_integer_value(json_object_get(g, "completed")), 10);
    ck_assert_int_eq(json_integer_value(json_object_get(g, "not_reported")), 1);
    ck_assert_double_eq_tol(json_real_value(json_object_get(g, "mean_progress_percent")), 56.3,
                            1e-9);

    ck_assert_uint_eq(json_array_size(json_object_get(root, "reported")), 2);
    u = json_array_get(json_object_get(root, "reported"), 0);
    s_assert_keys(u, unit_keys, S_COUNT(unit_keys));
    ck_assert_str_eq(json_string_value(json_object_get(u, "unit")), "01");
    ck_assert_str_eq(json_string_value(json_object_get(u, "name")), "Hà Nội");
    ck_assert_int_eq(json_integer_value(json_object_get(u, "revision")), 3);
    ck_assert_str_eq(json_string_value(json_object_get(u, "received_at")),
                     "2026-11-20T09:30:00.123Z");
    ck_assert_str_eq(json_string_value(json_object_get(u, "first_received_at")),
                     "2026-11-19T09:30:00.123Z");
    ck_assert_str_eq(json_string_value(json_object_get(u, "status")), "on_time");
    u = json_array_get(json_object_get(root, "reported"), 1);
    ck_assert_str_eq(json_string_value(json_object_get(u, "name")), "Huế");
    ck_assert(json_is_null(json_object_get(u, "received_at")));
    ck_assert(json_is_null(json_object_get(u, "first_received_at")));
    ck_assert_str_eq(json_string_value(json_object_get(u, "status")), "late");

    ck_assert_uint_eq(json_array_size(json_object_get(root, "missing")), 1);
    u = json_array_get(json_object_get(root, "missing"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(u, "unit")), "04");
    ck_assert_str_eq(json_string_value(json_object_get(u, "name")), "Cao Bằng");
    json_decref(root);
    td_registry_close(&reg);
}
END_TEST

START_TEST(status_json_nobody_reported)
{
    static const Tiendo__StatusSummary s_init = TIENDO__STATUS_SUMMARY__INIT;
    Tiendo__StatusSummary s = s_init;
    td_registry_t *reg = s_registry();
    json_t *root, *groups;

    s.dataset = "nq06";
    s.period = "2026-Q4";
    s.units_expected = 34;
    root = s_status_json(&s, reg);
    ck_assert_double_eq_tol(json_real_value(json_object_get(root, "completeness_percent")), 0.0,
                            1e-9);
    ck_assert(json_is_real(json_object_get(root, "completeness_percent")));
    groups = json_object_get(root, "task_groups");
    /* The six groups come from the registry even when the collector counted nothing. */
    ck_assert_uint_eq(json_array_size(groups), 6);
    for (size_t i = 0; i < 6; i++) {
        json_t *g = json_array_get(groups, i);
        ck_assert_int_eq(json_integer_value(json_object_get(g, "group")), (json_int_t) i + 1);
        ck_assert_int_eq(json_integer_value(json_object_get(g, "not_reported")), 34);
        ck_assert_int_eq(json_integer_value(json_object_get(g, "completed")), 0);
        ck_assert(json_is_null(json_object_get(g, "mean_progress_percent")));
    }
    ck_assert_uint_eq(json_array_size(json_object_get(root, "reported")), 0);
    json_decref(root);

    /* Nothing expected: completeness is unknown, not 0 or 100. */
    s.units_expected = 0;
    root = s_status_json(&s, NULL);
    ck_assert(json_is_null(json_object_get(root, "completeness_percent")));
    ck_assert_uint_eq(json_array_size(json_object_get(root, "task_groups")), 0);
    json_decref(root);
    td_registry_close(&reg);
}
END_TEST

START_TEST(status_json_mean_null_for_group_without_reports)
{
    s_summary x;
    json_t *root, *g;

    s_summary_init(&x);
    x.groups[5].not_started = x.groups[5].in_progress = x.groups[5].completed = 0;
    x.groups[5].mean_progress_percent = 0.0; /* counted over nobody: must not show as 0% */
    root = s_status_json(&x.s, NULL);        /* no registry: titles and names are null */
    g = json_array_get(json_object_get(root, "task_groups"), 5);
    ck_assert(json_is_null(json_object_get(g, "mean_progress_percent")));
    ck_assert_int_eq(json_integer_value(json_object_get(g, "not_reported")), 34);
    ck_assert(json_is_null(json_object_get(g, "title_en")));
    ck_assert(
        json_is_null(json_object_get(json_array_get(json_object_get(root, "missing"), 0), "name")));
    json_decref(root);
}
END_TEST

START_TEST(status_text_for_people)
{
    s_summary x;
    td_registry_t *reg = s_registry();
    answer_style style = {0, 80, 0};
    s_mem m;
    char *lines[64];
    size_t n, table = 0;

    s_summary_init(&x);
    s_mem_open(&m);
    ck_assert_int_eq(answer_status_text(m.f, &x.s, reg, &style), TD_OK);
    s_mem_text(&m);
    ck_assert_ptr_null(strchr(m.buf, 0x1b)); /* no colour unless asked */
    n = s_lines(m.buf, lines, 64);
    ck_assert_str_eq(lines[0],
                     "National summary - Resolution 06-NQ/TW (dataset nq06), period 2026-Q4");
    ck_assert_str_eq(lines[1], "Provinces reported: 33 of 34 (97.1 %)    revisions stored: 40");
    for (size_t i = 0; i < n; i++)
        if (strstr(lines[i], "Task group") != NULL)
            table = i;
    ck_assert_uint_gt(table, 0);
    for (size_t i = table; i < table + 8; i++) {
        ck_assert_uint_eq(term_width(lines[i]), term_width(lines[table]));
        ck_assert_uint_le(term_width(lines[i]), 80); /* fits the line width asked for */
    }
    ck_assert_ptr_nonnull(strstr(lines[table + 3], "Quality of urban planning"));
    ck_assert_ptr_nonnull(strstr(lines[table + 2], "…")); /* group 1's long title is cut */
    ck_assert_ptr_nonnull(strstr(lines[table + 3], "56.3 %"));
    ck_assert_str_eq(lines[n - 1], "Not reported yet (1): 04 Cao Bằng");
    free(m.buf);

    x.s.n_missing = 0;
    x.s.units_reported = 34;
    s_mem_open(&m);
    answer_status_text(m.f, &x.s, reg, &style);
    s_mem_text(&m);
    ck_assert_ptr_nonnull(strstr(m.buf, "34 of 34 (100.0 %)"));
    n = s_lines(m.buf, lines, 64);
    ck_assert_str_eq(lines[n - 1], "All expected provinces have reported.");
    free(m.buf);
    td_registry_close(&reg);
}
END_TEST

START_TEST(status_text_wraps_long_missing_list)
{
    static char *codes[] = {"01", "04", "08", "11", "12", "14", "15", "19", "20",
                            "22", "24", "25", "31", "33", "37", "38", "40", "42"};
    s_summary x;
    td_registry_t *reg = s_registry();
    answer_style style = {0, 60, 0};
    s_mem m;
    char *lines[64];
    size_t n, first = 0;

    s_summary_init(&x);
    x.s.missing = codes;
    x.s.n_missing = sizeof codes / sizeof codes[0];
    s_mem_open(&m);
    answer_status_text(m.f, &x.s, reg, &style);
    s_mem_text(&m);
    ck_assert_ptr_nonnull(strstr(m.buf, "42 Hà Tĩnh"));
    ck_assert_ptr_nonnull(strstr(m.buf, "15 Lào Cai")); /* the 2025 name of code 15 */
    n = s_lines(m.buf, lines, 64);
    for (size_t i = 0; i < n; i++)
        if (strncmp(lines[i], "Not reported yet (18):", 22) == 0)
            first = i;
    ck_assert_uint_gt(first, 0);
    ck_assert_uint_gt(n - first, 2);
    for (size_t i = first; i < n; i++) {
        ck_assert_uint_le(term_width(lines[i]), 60);
        if (i > first)
            ck_assert_uint_eq(strncmp(lines[i], "  ", 2), 0);
    }
    free(m.buf);
    td_registry_close(&reg);
}
END_TEST

START_TEST(status_json_deadline_and_timeliness)
{
    s_summary x;
    json_t *root;

    s_summary_init(&x);
    root = s_status_json(&x.s, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(root, "deadline")), "2026-12-25");
    ck_assert_int_eq(json_integer_value(json_object_get(root, "units_on_time")), 30);
    ck_assert_int_eq(json_integer_value(json_object_get(root, "units_late")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(root, "units_not_yet_due")), 0);
    ck_assert(json_is_integer(json_object_get(root, "units_not_yet_due")));
    ck_assert_int_eq(json_integer_value(json_object_get(root, "units_overdue")), 2);
    /* On time over expected, not over reported: 30 / 34 = 88.235...% to one decimal. */
    ck_assert(json_is_real(json_object_get(root, "timeliness_percent")));
    ck_assert_double_eq_tol(json_real_value(json_object_get(root, "timeliness_percent")), 88.2,
                            1e-9);
    ck_assert_double_eq_tol(answer_status_timeliness(&x.s), 88.2, 1e-9);
    json_decref(root);

    x.s.units_on_time = 34;
    x.s.units_late = x.s.units_overdue = 0;
    root = s_status_json(&x.s, NULL);
    ck_assert_double_eq_tol(json_real_value(json_object_get(root, "timeliness_percent")), 100.0,
                            1e-9);
    json_decref(root);

    /* Nothing expected: timeliness is unknown, not 0 or 100. */
    x.s.units_expected = 0;
    x.s.units_on_time = 0;
    root = s_status_json(&x.s, NULL);
    ck_assert(json_is_null(json_object_get(root, "timeliness_percent")));
    ck_assert_int_eq(json_integer_value(json_object_get(root, "units_on_time")), 0);
    json_decref(root);
}
END_TEST

START_TEST(status_json_from_a_collector_without_the_new_fields)
{
    static const Tiendo__StatusSummary s_init = TIENDO__STATUS_SUMMARY__INIT;
    Tiendo__StatusSummary s = s_init;
    json_t *root;

    s.dataset = "nq06";
    s.period = "2026-Q4";
    s.has_units_expected = 1;
    s.units_expected = 34;
    root = s_status_json(&s, NULL);
    /* Unknown is null, never a made-up 0. */
    ck_assert(json_is_null(json_object_get(root, "deadline")));
    ck_assert(json_is_null(json_object_get(root, "units_on_time")));
    ck_assert(json_is_null(json_object_get(root, "units_overdue")));
    ck_assert(json_is_null(json_object_get(root, "timeliness_percent")));
    ck_assert(json_is_array(json_object_get(root, "indicators")));
    ck_assert_uint_eq(json_array_size(json_object_get(root, "indicators")), 0);
    ck_assert_uint_eq(json_array_size(json_object_get(root, "lagging")), 0);
    json_decref(root);
}
END_TEST

static json_t *s_indicator_by_id(json_t *root, const char *id)
{
    json_t *list = json_object_get(root, "indicators"), *o;
    size_t i;
    json_array_foreach(list, i, o)
    {
        if (strcmp(json_string_value(json_object_get(o, "id")), id) == 0)
            return o;
    }
    ck_abort_msg("indicator %s not in the JSON", id);
    return NULL;
}

START_TEST(status_json_indicators_against_targets)
{
    static const char *const keys[] = {CLI_INDICATOR_KEYS};
    static const char *const target_keys[] = {"min", "max", "status"};
    s_summary x;
    td_registry_t *reg = s_registry();
    json_t *root, *o, *t;

    s_summary_init(&x);
    root = s_status_json(&x.s, reg);
    ck_assert_uint_eq(json_array_size(json_object_get(root, "indicators")), S_INDICATORS);

    o = s_indicator_by_id(root, "T01");
    s_assert_keys(o, keys, S_COUNT(keys));
    ck_assert_str_eq(json_string_value(json_object_get(o, "name_en")), "Urbanisation rate");
    ck_assert_str_eq(json_string_value(json_object_get(o, "name_vi")), "Tỷ lệ đô thị hóa");
    ck_assert_str_eq(json_string_value(json_object_get(o, "unit")), "%");
    ck_assert_double_eq_tol(json_number_value(json_object_get(o, "value")), 42.7, 1e-9);
    t = json_object_get(o, "target_2025");
    s_assert_keys(t, target_keys, 3);
    ck_assert_double_eq_tol(json_number_value(json_object_get(t, "min")), 45.0, 1e-9);
    ck_assert(json_is_null(json_object_get(t, "max"))); /* "at least 45" */
    ck_assert_str_eq(json_string_value(json_object_get(t, "status")), "below");
    t = json_object_get(o, "target_2030");
    ck_assert_double_eq_tol(json_number_value(json_object_get(t, "min")), 50.0, 1e-9);
    ck_assert(json_is_null(json_object_get(t, "max")));
    ck_assert_str_eq(json_string_value(json_object_get(o, "verified")), "yes");
    ck_assert_int_eq(json_integer_value(json_object_get(o, "units_counted")), 33);
    ck_assert_double_eq_tol(json_number_value(json_object_get(o, "numerator")), 42700000.0, 1e-3);
    ck_assert_double_eq_tol(json_number_value(json_object_get(o, "denominator")), 1e8, 1e-3);

    /* No data: value null (not 0), targets still shown, no sums. */
    o = s_indicator_by_id(root, "T02");
    ck_assert(json_is_null(json_object_get(o, "value")));
    t = json_object_get(o, "target_2025");
    ck_assert_double_eq_tol(json_number_value(json_object_get(t, "min")), 1.5, 1e-9);
    ck_assert_double_eq_tol(json_number_value(json_object_get(t, "max")), 1.9, 1e-9);
    ck_assert_str_eq(json_string_value(json_object_get(t, "status")), "no_data");
    t = json_object_get(o, "target_2030");
    ck_assert_double_eq_tol(json_number_value(json_object_get(t, "min")), 1.9, 1e-9);
    ck_assert_double_eq_tol(json_number_value(json_object_get(t, "max")), 2.3, 1e-9);
    ck_assert_int_eq(json_integer_value(json_object_get(o, "units_counted")), 0);
    ck_assert(json_is_null(json_object_get(o, "numerator")));
    ck_assert(json_is_null(json_object_get(o, "denominator")));

    /* A sum(): a count with a numerator total and no denominator. */
    o = s_indicator_by_id(root, "T03");
    ck_assert_str_eq(json_string_value(json_object_get(o, "unit")), "count");
    ck_assert_double_eq_tol(json_number_value(json_object_get(o, "value")), 912.0, 1e-9);
    ck_assert_double_eq_tol(json_number_value(json_object_get(o, "numerator")), 912.0, 1e-9);
    ck_assert(json_is_null(json_object_get(o, "denominator")));
    t = json_object_get(o, "target_2025");
    ck_assert_double_eq_tol(json_number_value(json_object_get(t, "min")), 950.0, 1e-9);
    ck_assert_double_eq_tol(json_number_value(json_object_get(t, "max")), 1000.0, 1e-9);

    /* T10's targets are only partly confirmed; T04 has no 2030 target at all. */
    o = s_indicator_by_id(root, "T10");
    ck_assert_str_eq(json_string_value(json_object_get(o, "verified")), "partly");
    ck_assert_str_eq(
        json_string_value(json_object_get(json_object_get(o, "target_2030"), "status")), "below");
    json_decref(root);

    x.indicators[0].id = "T04";
    x.indicators[0].target_2030 = "no_target";
    root = s_status_json(&x.s, reg);
    t = json_object_get(s_indicator_by_id(root, "T04"), "target_2030");
    ck_assert(json_is_null(json_object_get(t, "min")));
    ck_assert(json_is_null(json_object_get(t, "max")));
    ck_assert_str_eq(json_string_value(json_object_get(t, "status")), "no_target");
    json_decref(root);

    /* Without the local catalogue: the collector's numbers, null names and bounds. */
    root = s_status_json(&x.s, NULL);
    o = s_indicator_by_id(root, "T03");
    ck_assert(json_is_null(json_object_get(o, "name_en")));
    ck_assert(json_is_null(json_object_get(o, "verified")));
    ck_assert(json_is_null(json_object_get(json_object_get(o, "target_2025"), "min")));
    ck_assert_str_eq(
        json_string_value(json_object_get(json_object_get(o, "target_2025"), "status")), "below");
    ck_assert_double_eq_tol(json_number_value(json_object_get(o, "value")), 912.0, 1e-9);
    json_decref(root);
    td_registry_close(&reg);
}
END_TEST

START_TEST(status_json_lagging_units)
{
    static const char *const keys[] = {"unit", "name", "status", "mean_progress_percent"};
    s_summary x;
    td_registry_t *reg = s_registry();
    json_t *root, *list, *o;

    s_summary_init(&x);
    root = s_status_json(&x.s, reg);
    list = json_object_get(root, "lagging");
    ck_assert_uint_eq(json_array_size(list), S_LAGGING);
    o = json_array_get(list, 0);
    s_assert_keys(o, keys, 4);
    ck_assert_str_eq(json_string_value(json_object_get(o, "unit")), "04");
    ck_assert_str_eq(json_string_value(json_object_get(o, "name")), "Cao Bằng");
    ck_assert_str_eq(json_string_value(json_object_get(o, "status")), "overdue");
    ck_assert(json_is_null(json_object_get(o, "mean_progress_percent"))); /* not reported */
    o = json_array_get(list, 1);
    ck_assert_str_eq(json_string_value(json_object_get(o, "name")), "Vĩnh Long"); /* registry */
    ck_assert_str_eq(json_string_value(json_object_get(o, "status")), "late");
    ck_assert_double_eq_tol(json_real_value(json_object_get(o, "mean_progress_percent")), 12.3,
                            1e-9);
    o = json_array_get(list, 2);
    ck_assert_str_eq(json_string_value(json_object_get(o, "status")), "on_time");
    json_decref(root);
    td_registry_close(&reg);
}
END_TEST

/* The table that follows the line `heading` (blank lines are gone): header, dashes and
 * rows up to a footnote or the next section. Returns the header's index; *rows gets the
 * row count. */
static size_t s_table_after(char **lines, size_t n, const char *heading, size_t *rows)
{
    size_t at = n;
    for (size_t i = 0; i < n; i++)
        if (strcmp(lines[i], heading) == 0)
            at = i + 1;
    ck_assert_msg(at < n, "no '%s'", heading);
    ck_assert_uint_eq(strspn(lines[at + 1], "- "), strlen(lines[at + 1])); /* the dashes */
    *rows = 0;
    while (at + 2 + *rows < n && lines[at + 2 + *rows][0] != '*' &&
           strncmp(lines[at + 2 + *rows], "Lagging units", 13) != 0 &&
           strncmp(lines[at + 2 + *rows], "Not reported", 12) != 0)
        (*rows)++;
    return at;
}

static const char *s_row_of(char **lines, size_t first, size_t count, const char *start)
{
    for (size_t i = first; i < first + count; i++)
        if (strncmp(lines[i], start, strlen(start)) == 0)
            return lines[i];
    ck_abort_msg("no row starting with '%s'", start);
    return NULL;
}

/* The column after the end of needle in line: where a right-aligned cell ends. */
static size_t s_end_of(const char *line, const char *needle)
{
    return s_column_of(line, needle) + term_width(needle);
}

START_TEST(status_text_deadline_indicators_lagging)
{
    s_summary x;
    td_registry_t *reg = s_registry();
    answer_style style = {0, 120, 0};
    s_mem m;
    char *lines[64];
    const char *row;
    size_t n, head, rows;

    s_summary_init(&x);
    s_mem_open(&m);
    ck_assert_int_eq(answer_status_text(m.f, &x.s, reg, &style), TD_OK);
    s_mem_text(&m);
    n = s_lines(m.buf, lines, 64);
    ck_assert_str_eq(lines[1], "Provinces reported: 33 of 34 (97.1 %)    revisions stored: 40");
    ck_assert_str_eq(lines[2], "Deadline 2026-12-25 · on time 30 · late 2 · not yet due 0 · "
                               "overdue 2 · timeliness 88.2 % (on time / expected)");

    head = s_table_after(lines, n, "Indicators (nation)", &rows);
    ck_assert_uint_eq(rows, S_INDICATORS);
    for (size_t i = head; i < head + 2 + rows; i++)
        ck_assert_uint_eq(term_width(lines[i]), term_width(lines[head]));
    row = s_row_of(lines, head + 2, rows, "T01 ");
    ck_assert_ptr_nonnull(strstr(row, "Urbanisation rate "));
    ck_assert_ptr_nonnull(strstr(row, "42.7 %"));
    ck_assert_ptr_nonnull(strstr(row, "≥ 45"));
    ck_assert_ptr_nonnull(strstr(row, "≥ 50"));
    ck_assert_ptr_nonnull(strstr(row, "below"));
    ck_assert_ptr_null(strchr(row, '*')); /* confirmed targets carry no mark */
    /* Values are right-aligned under "Value". */
    ck_assert_uint_eq(s_end_of(row, "42.7 %"), s_end_of(lines[head], "Value"));
    row = s_row_of(lines, head + 2, rows, "T02 ");
    ck_assert_ptr_nonnull(strstr(row, "no data"));
    ck_assert_ptr_nonnull(strstr(row, "1.5–1.9"));
    ck_assert_ptr_nonnull(strstr(row, "1.9–2.3"));
    ck_assert_uint_eq(s_end_of(row, "no data"), s_end_of(lines[head], "Value"));
    row = s_row_of(lines, head + 2, rows, "T03 ");
    ck_assert_ptr_nonnull(strstr(row, " 912 "));
    ck_assert_ptr_nonnull(strstr(row, "950–1,000"));
    ck_assert_uint_eq(s_end_of(row, "912"), s_end_of(lines[head], "Value"));
    row = s_row_of(lines, head + 2, rows, "T09 ");
    ck_assert_ptr_nonnull(strstr(row, "31.5 m2/person"));
    ck_assert_ptr_nonnull(strstr(row, "within"));
    row = s_row_of(lines, head + 2, rows, "T10 ");
    ck_assert_ptr_nonnull(strstr(row, "Urban households with fibre broadband* "));
    ck_assert_ptr_nonnull(strstr(row, "≥ 100"));
    ck_assert_str_eq(lines[head + 2 + rows], "* target not confirmed (verified: partly/no)");

    head =
        s_table_after(lines, n, "Lagging units (overdue, late, then lowest mean progress)", &rows);
    ck_assert_uint_eq(rows, S_LAGGING);
    for (size_t i = head; i < head + 2 + rows; i++)
        ck_assert_uint_eq(term_width(lines[i]), term_width(lines[head]));
    ck_assert_ptr_nonnull(strstr(lines[head + 2], "04    Cao Bằng"));
    ck_assert_ptr_nonnull(strstr(lines[head + 2], "overdue"));
    ck_assert_ptr_nonnull(strstr(lines[head + 2], "—"));
    ck_assert_ptr_nonnull(strstr(lines[head + 3], "Vĩnh Long"));
    ck_assert_ptr_nonnull(strstr(lines[head + 3], "12.3 %"));
    ck_assert_ptr_nonnull(strstr(lines[head + 4], "on time"));
    ck_assert_str_eq(lines[n - 1], "Not reported yet (1): 04 Cao Bằng");
    free(m.buf);
    td_registry_close(&reg);
}
END_TEST

START_TEST(status_text_fits_100_and_80_columns)
{
    static const size_t widths[] = {100, 80};
    s_summary x;
    td_registry_t *reg = s_registry();
    s_mem m;
    char *lines[64];
    size_t n, head, rows;

    s_summary_init(&x);
    for (size_t w = 0; w < 2; w++) {
        answer_style style = {0, widths[w], 0};
        s_mem_open(&m);
        ck_assert_int_eq(answer_status_text(m.f, &x.s, reg, &style), TD_OK);
        s_mem_text(&m);
        n = s_lines(m.buf, lines, 64);
        for (size_t i = 0; i < n; i++)
            ck_assert_msg(term_width(lines[i]) <= widths[w], "%zu columns: '%s'", widths[w],
                          lines[i]);
        /* The deadline line wraps before the timeliness item, which is kept whole. */
        ck_assert_str_eq(lines[2], "Deadline 2026-12-25 · on time 30 · late 2 · not yet due 0 · "
                                   "overdue 2");
        ck_assert_str_eq(lines[3], "  timeliness 88.2 % (on time / expected)");
        head = s_table_after(lines, n, "Indicators (nation)", &rows);
        for (size_t i = head; i < head + 2 + rows; i++)
            ck_assert_uint_eq(term_width(lines[i]), term_width(lines[head]));
        /* A name cut to fit keeps its mark: "…*". */
        if (widths[w] == 80)
            ck_assert_ptr_nonnull(strstr(s_row_of(lines, head + 2, rows, "T10 "), "…*"));
        free(m.buf);
    }
    td_registry_close(&reg);
}
END_TEST

START_TEST(status_text_footnote_only_for_unconfirmed_targets)
{
    s_summary x;
    td_registry_t *reg = s_registry();
    answer_style style = {0, 100, 0};
    s_mem m;

    s_summary_init(&x);
    x.s.n_indicators = 4; /* T01, T02, T03, T09: all verified "yes" */
    s_mem_open(&m);
    answer_status_text(m.f, &x.s, reg, &style);
    s_mem_text(&m);
    ck_assert_ptr_nonnull(strstr(m.buf, "Indicators (nation)"));
    ck_assert_ptr_null(strstr(m.buf, "target not confirmed"));
    ck_assert_ptr_null(strstr(m.buf, "*"));
    free(m.buf);

    /* An older collector: no deadline line, no indicators, no lagging units. */
    x.s.deadline = NULL;
    x.s.has_units_on_time = x.s.has_units_late = 0;
    x.s.has_units_not_yet_due = x.s.has_units_overdue = 0;
    x.s.n_indicators = 0;
    x.s.n_lagging = 0;
    s_mem_open(&m);
    answer_status_text(m.f, &x.s, reg, &style);
    s_mem_text(&m);
    ck_assert_ptr_null(strstr(m.buf, "Deadline"));
    ck_assert_ptr_null(strstr(m.buf, "Indicators"));
    ck_assert_ptr_null(strstr(m.buf, "Lagging"));
    free(m.buf);

    /* No registry: codes and the collector's statuses, "?" for unknown targets. */
    s_summary_init(&x);
    s_mem_open(&m);
    ck_assert_int_eq(answer_status_text(m.f, &x.s, NULL, &style), TD_OK);
    s_mem_text(&m);
    ck_assert_ptr_nonnull(strstr(m.buf, "T10 "));
    ck_assert_ptr_nonnull(strstr(m.buf, "42.7 %"));
    ck_assert_ptr_null(strstr(m.buf, "target not confirmed"));
    free(m.buf);
    td_registry_close(&reg);
}
END_TEST

/* ---- agents ---- */

START_TEST(agents_json_and_text)
{
    static const Tiendo__AgentInfo a_init = TIENDO__AGENT_INFO__INIT;
    static const Tiendo__Heartbeat h_init = TIENDO__HEARTBEAT__INIT;
    static const Tiendo__AgentList l_init = TIENDO__AGENT_LIST__INIT;
    static const char *const keys[] = {CLI_AGENT_KEYS};
    Tiendo__AgentInfo a = a_init, b = a_init, *agents[2] = {&a, &b};
    Tiendo__Heartbeat hb = h_init;
    Tiendo__AgentList list = l_init;
    json_error_t jerr;
    json_t *root, *o;
    s_mem m;
    char *lines[8];
    int64_t now = 1795167000000LL;

    a.public_key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
    a.has_last_seen_ms = 1;
    a.last_seen_ms = now - 3000;
    a.has_epoch = 1;
    a.epoch = 0x00c0ffee12345678ULL;
    a.has_high_water = 1;
    a.high_water = 42;
    hb.agent_version = "0.1.0";
    hb.has_outbox_depth = hb.has_oldest_unsent_age_ms = hb.has_dead_letters = 1;
    hb.outbox_depth = 2;
    hb.oldest_unsent_age_ms = 15000;
    hb.dead_letters = 1;
    hb.has_clock_ms = 1;
    hb.clock_ms = now - 4000 + 1500; /* agent clock 1.5 s ahead */
    a.last_heartbeat = &hb;
    a.has_last_heartbeat_ms = 1;
    a.last_heartbeat_ms = now - 4000;
    b.public_key = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
    list.n_agents = 2;
    list.agents = agents;

    s_mem_open(&m);
    ck_assert_int_eq(answer_agents_json(m.f, &list), TD_OK);
    s_mem_text(&m);
    root = json_loads(m.buf, 0, &jerr);
    ck_assert_msg(root != NULL, "%s", jerr.text);
    free(m.buf);
    ck_assert_uint_eq(json_array_size(json_object_get(root, "agents")), 2);
    o = json_array_get(json_object_get(root, "agents"), 0);
    s_assert_keys(o, keys, S_COUNT(keys));
    ck_assert_str_eq(json_string_value(json_object_get(o, "public_key")), a.public_key);
    ck_assert_str_eq(json_string_value(json_object_get(o, "epoch")), "00c0ffee12345678");
    ck_assert_str_eq(json_string_value(json_object_get(o, "last_seen")),
                     "2026-11-20T09:29:57.000Z");
    ck_assert_int_eq(json_integer_value(json_object_get(o, "high_water")), 42);
    ck_assert_str_eq(json_string_value(json_object_get(o, "agent_version")), "0.1.0");
    ck_assert_int_eq(json_integer_value(json_object_get(o, "outbox_depth")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(o, "oldest_unsent_age_ms")), 15000);
    ck_assert_int_eq(json_integer_value(json_object_get(o, "dead_letters")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(o, "clock_skew_ms")), 1500);
    o = json_array_get(json_object_get(root, "agents"), 1); /* never sent a heartbeat */
    ck_assert(json_is_null(json_object_get(o, "last_seen")));
    ck_assert(json_is_null(json_object_get(o, "agent_version")));
    ck_assert(json_is_null(json_object_get(o, "clock_skew_ms")));
    ck_assert_str_eq(json_string_value(json_object_get(o, "epoch")), "0000000000000000");
    json_decref(root);

    s_mem_open(&m);
    ck_assert_int_eq(answer_agents_text(m.f, &list, now, NULL), TD_OK);
    s_mem_text(&m);
    ck_assert_uint_eq(s_lines(m.buf, lines, 8), 5);
    ck_assert_ptr_nonnull(strstr(lines[3], "rq:rM>}U?@Ln..."));
    ck_assert_ptr_null(strstr(lines[3], "rq:rM>}U?@Lns")); /* only 12 characters */
    ck_assert_ptr_nonnull(strstr(lines[3], "3 s ago"));
    ck_assert_ptr_null(strstr(lines[3], "00c0ffee12345678")); /* the epoch: --json only */
    ck_assert_ptr_nonnull(strstr(lines[3], "15 s"));
    ck_assert_ptr_nonnull(strstr(lines[3], "+1.5 s"));
    ck_assert_ptr_nonnull(strstr(lines[4], "never"));
    ck_assert_uint_eq(term_width(lines[3]), term_width(lines[1]));
    ck_assert_uint_eq(term_width(lines[4]), term_width(lines[1]));
    free(m.buf);

    /* Long waits read in two units: an outbox 3 h 5 min old, an agent silent 2 d 4 h. */
    hb.oldest_unsent_age_ms = (3 * 3600 + 5 * 60) * 1000LL;
    a.last_seen_ms = now - (2 * 86400 + 4 * 3600) * 1000LL;
    s_mem_open(&m);
    ck_assert_int_eq(answer_agents_text(m.f, &list, now, NULL), TD_OK);
    s_mem_text(&m);
    ck_assert_uint_eq(s_lines(m.buf, lines, 8), 5);
    ck_assert_ptr_nonnull(strstr(lines[3], "3 h 5 min"));
    ck_assert_ptr_nonnull(strstr(lines[3], "2 d 4 h ago"));
    ck_assert_uint_eq(term_width(lines[3]), term_width(lines[1]));
    free(m.buf);
}
END_TEST

/* ---- indicators, units, unit, overdue, export ---- */

/* A unit row; progress < 0 means none, revision 0 means not reported. */
static void s_row(Tiendo__UnitRow *r, const char *code, const char *name, const char *status,
                  uint32_t revision, int64_t first_ms, double progress)
{
    static const Tiendo__UnitRow init = TIENDO__UNIT_ROW__INIT;
    *r = init;
    r->unit = (char *) code;
    r->name = (char *) name;
    r->level = "province";
    r->parent = "VN";
    r->status = (char *) status;
    if (revision > 0) {
        r->has_revision = 1;
        r->revision = revision;
        r->has_first_received_at_ms = 1;
        r->first_received_at_ms = first_ms;
        r->has_received_at_ms = 1;
        r->received_at_ms = first_ms + 3600000;
    }
    if (progress >= 0) {
        r->has_mean_progress_percent = 1;
        r->mean_progress_percent = progress;
    }
}

typedef struct {
    Tiendo__UnitRow rows[4];
    Tiendo__UnitRow *ptrs[4];
    Tiendo__UnitList list;
} s_units;

static void s_units_fill(s_units *u)
{
    static const Tiendo__UnitList init = TIENDO__UNIT_LIST__INIT;
    /* 2026-10-03T08:00:00Z = 1791014400000 */
    s_row(&u->rows[0], "79", "Thành phố Hồ Chí Minh", "on_time", 2, 1791014400000, 62.25);
    s_row(&u->rows[1], "01", "Hà Nội", "late", 1, 1791532800000, 40.0);
    s_row(&u->rows[2], "48", "Đà Nẵng, \"city\"", "overdue", 0, 0, -1);
    s_row(&u->rows[3], "02", "Hà Giang", "not_yet_due", 1, 1791014400000, 10.0);
    for (size_t i = 0; i < 4; i++)
        u->ptrs[i] = &u->rows[i];
    u->list = init;
    u->list.dataset = "nq06";
    u->list.period = "2026-Q3";
    u->list.deadline = "2026-10-15";
    u->list.n_units = 4;
    u->list.units = u->ptrs;
}

static void s_assert_order(const Tiendo__UnitList *l, const char *a, const char *b, const char *c,
                           const char *d)
{
    ck_assert_str_eq(l->units[0]->unit, a);
    ck_assert_str_eq(l->units[1]->unit, b);
    ck_assert_str_eq(l->units[2]->unit, c);
    ck_assert_str_eq(l->units[3]->unit, d);
}

START_TEST(units_sorting_orders)
{
    s_units u;
    answer_units_order by;

    s_units_fill(&u);
    ck_assert_int_eq(answer_units_sort_parse("code", &by), 0);
    answer_units_sort(&u.list, by);
    s_assert_order(&u.list, "01", "02", "48", "79");
    ck_assert_int_eq(answer_units_sort_parse("status", &by), 0);
    ck_assert_int_eq(by, ANSWER_UNITS_BY_STATUS);
    answer_units_sort(&u.list, by);
    s_assert_order(&u.list, "48", "01", "02", "79"); /* overdue, late, not_yet_due, on_time */
    answer_units_sort(&u.list, ANSWER_UNITS_BY_PROGRESS);
    s_assert_order(&u.list, "48", "02", "01", "79"); /* none, 10, 40, 62.25 */
    answer_units_sort(&u.list, ANSWER_UNITS_BY_NAME);
    /* strcmp on UTF-8: "Hà G" < "Hà N" < "Th" < "Đ" (U+0110 sorts after ASCII) */
    s_assert_order(&u.list, "02", "01", "79", "48");
    ck_assert_int_eq(answer_units_sort_parse("size", &by), -1);
    ck_assert_int_eq(answer_units_status_rank("overdue"), 0);
    ck_assert_int_eq(answer_units_status_rank("on_time"), 3);
    ck_assert_int_eq(answer_units_status_rank(NULL), 4);
}
END_TEST

START_TEST(units_json_fields)
{
    static const char *const keys[] = {"unit",
                                       "name",
                                       "level",
                                       "parent",
                                       "status",
                                       "revision",
                                       "first_received_at",
                                       "received_at",
                                       "mean_progress_percent",
                                       "tasks_overdue"};
    s_units u;
    s_mem m;
    json_error_t jerr;
    json_t *root, *units, *r0, *r2;
    const char *key;
    json_t *v;
    size_t i = 0;

    s_units_fill(&u);
    s_mem_open(&m);
    ck_assert_int_eq(answer_units_json(m.f, &u.list), TD_OK);
    root = json_loads(s_mem_text(&m), 0, &jerr);
    ck_assert_msg(root != NULL, "%s", jerr.text);
    ck_assert_str_eq(json_string_value(json_object_get(root, "dataset")), "nq06");
    ck_assert_str_eq(json_string_value(json_object_get(root, "period")), "2026-Q3");
    ck_assert_str_eq(json_string_value(json_object_get(root, "deadline")), "2026-10-15");
    units = json_object_get(root, "units");
    ck_assert_int_eq(json_array_size(units), 4);
    r0 = json_array_get(units, 0);
    json_object_foreach(r0, key, v)
    {
        ck_assert_uint_lt(i, 10);
        ck_assert_str_eq(key, keys[i]);
        i++;
    }
    ck_assert_uint_eq(i, 10);
    ck_assert_str_eq(json_string_value(json_object_get(r0, "unit")), "79");
    ck_assert_str_eq(json_string_value(json_object_get(r0, "name")), "Thành phố Hồ Chí Minh");
    ck_assert_int_eq(json_integer_value(json_object_get(r0, "revision")), 2);
    ck_assert_str_eq(json_string_value(json_object_get(r0, "first_received_at")),
                     "2026-10-03T08:00:00.000Z");
    ck_assert_str_eq(json_string_value(json_object_get(r0, "received_at")),
                     "2026-10-03T09:00:00.000Z");
    ck_assert_double_eq_tol(json_real_value(json_object_get(r0, "mean_progress_percent")), 62.3,
                            1e-9);
    r2 = json_array_get(units, 2);
    ck_assert(json_is_null(json_object_get(r2, "revision")));
    ck_assert(json_is_null(json_object_get(r2, "first_received_at")));
    ck_assert(json_is_null(json_object_get(r2, "mean_progress_percent")));
    ck_assert_str_eq(json_string_value(json_object_get(r2, "status")), "overdue");
    json_decref(root);
    free(m.buf);
}
END_TEST

START_TEST(units_csv_quoting)
{
    s_units u;
    s_mem m;
    const char *text;

    s_units_fill(&u);
    /* tasks_overdue last: 3 for 01, 0 for 79, unknown (an older collector) for 48 and 02. */
    u.rows[1].has_tasks_overdue = u.rows[0].has_tasks_overdue = 1;
    u.rows[1].tasks_overdue = 3;
    s_mem_open(&m);
    ck_assert_int_eq(answer_units_csv(m.f, &u.list), TD_OK);
    text = s_mem_text(&m);
    ck_assert_str_eq(text, "unit,name,level,parent,status,revision,first_received_at,"
                           "received_at,mean_progress_percent,tasks_overdue\r\n"
                           "79,Thành phố Hồ Chí Minh,province,VN,on_time,2,"
                           "2026-10-03T08:00:00.000Z,2026-10-03T09:00:00.000Z,62.3,0\r\n"
                           "01,Hà Nội,province,VN,late,1,2026-10-09T08:00:00.000Z,"
                           "2026-10-09T09:00:00.000Z,40.0,3\r\n"
                           "48,\"Đà Nẵng, \"\"city\"\"\",province,VN,overdue,,,,,\r\n"
                           "02,Hà Giang,province,VN,not_yet_due,1,2026-10-03T08:00:00.000Z,"
                           "2026-10-03T09:00:00.000Z,10.0,\r\n");
    free(m.buf);

    s_mem_open(&m);
    answer_units_csv_field(m.f, "line\nbreak");
    fputc('|', m.f);
    answer_units_csv_field(m.f, "bad \xFF byte");
    fputc('|', m.f);
    answer_units_csv_field(m.f, NULL);
    ck_assert_str_eq(s_mem_text(&m), "\"line\nbreak\"|bad \xEF\xBF\xBD byte|");
    free(m.buf);
}
END_TEST

START_TEST(units_text_aligned_and_fits)
{
    s_units u;
    s_mem m;
    char *lines[16];
    size_t n, width;
    answer_style style = {0, 80, 0};

    s_units_fill(&u);
    s_mem_open(&m);
    ck_assert_int_eq(answer_units_text(m.f, &u.list, "Units", &style), TD_OK);
    s_mem_text(&m);
    ck_assert_ptr_nonnull(strstr(m.buf, "Units, nq06 2026-Q3 (deadline 2026-10-15)"));
    ck_assert_ptr_nonnull(strstr(m.buf, "4 units"));
    n = s_lines(m.buf, lines, 16);
    ck_assert_uint_eq(n, 8); /* heading, header, dashes, 4 rows, count */
    ck_assert_ptr_nonnull(strstr(lines[1], "Code"));
    width = term_width(lines[1]);
    ck_assert_uint_le(width, 80);
    for (size_t i = 2; i < 7; i++)
        ck_assert_uint_eq(term_width(lines[i]), width);
    /* Columns line up whatever the names' byte lengths. */
    ck_assert_uint_eq(s_column_of(lines[3], "on time"), s_column_of(lines[1], "Status"));
    ck_assert_uint_eq(s_column_of(lines[4], "late"), s_column_of(lines[1], "Status"));
    ck_assert_uint_eq(s_column_of(lines[3], "2026-10-03"), s_column_of(lines[1], "First"));
    ck_assert_ptr_nonnull(strstr(lines[3], "62.3 %"));
    ck_assert_ptr_nonnull(strstr(lines[5], "\xE2\x80\x94")); /* no revision */
    free(m.buf);
}
END_TEST

static void s_iv(Tiendo__IndicatorValue *iv, const char *id, int has, double v)
{
    static const Tiendo__IndicatorValue init = TIENDO__INDICATOR_VALUE__INIT;
    *iv = init;
    iv->id = (char *) id;
    iv->has_value = has;
    iv->value = v;
    iv->target_2025 = has ? "within" : "no_data";
    iv->target_2030 = has ? "below" : "no_data";
}

/* Two scopes at province level: the nation (T01 45.678, T02 no data) and Hà Nội (T01
 * 12345, T02 1.55). */
typedef struct {
    Tiendo__IndicatorValue v[4];
    Tiendo__IndicatorValue *vn[2], *p01[2];
    Tiendo__IndicatorScope nation, hn;
    Tiendo__IndicatorScope *scopes[2];
    Tiendo__IndicatorTable t;
} s_ind_table;

static void s_ind_table_init(s_ind_table *x, uint32_t nation_reports)
{
    static const Tiendo__IndicatorScope sc_init = TIENDO__INDICATOR_SCOPE__INIT;
    static const Tiendo__IndicatorTable t_init = TIENDO__INDICATOR_TABLE__INIT;

    s_iv(&x->v[0], "T01", 1, 45.678);
    s_iv(&x->v[1], "T02", 0, 0);
    s_iv(&x->v[2], "T01", 1, 12345.0);
    s_iv(&x->v[3], "T02", 1, 1.55);
    x->vn[0] = &x->v[0];
    x->vn[1] = &x->v[1];
    x->p01[0] = &x->v[2];
    x->p01[1] = &x->v[3];
    x->nation = sc_init;
    x->nation.scope = "VN";
    x->nation.name = "Việt Nam";
    x->nation.reports = nation_reports;
    x->nation.n_values = 2;
    x->nation.values = x->vn;
    x->hn = sc_init;
    x->hn.scope = "01";
    x->hn.name = "Hà Nội";
    x->hn.reports = 1;
    x->hn.n_values = 2;
    x->hn.values = x->p01;
    x->scopes[0] = &x->nation;
    x->scopes[1] = &x->hn;
    x->t = t_init;
    x->t.dataset = "nq06";
    x->t.period = "2026-Q3";
    x->t.level = "province";
    x->t.n_scopes = 2;
    x->t.scopes = x->scopes;
}

START_TEST(indicators_json_and_text)
{
    s_ind_table x;
    td_registry_t *reg = s_registry();
    answer_style style = {0, 100, 0};
    json_error_t jerr;
    json_t *root, *s0, *i0;
    s_mem m;
    char *lines[32];
    size_t n, width;

    s_ind_table_init(&x, 63);

    s_mem_open(&m);
    ck_assert_int_eq(answer_indicators_json(m.f, &x.t, reg), TD_OK);
    root = json_loads(s_mem_text(&m), 0, &jerr);
    ck_assert_msg(root != NULL, "%s", jerr.text);
    ck_assert_str_eq(json_string_value(json_object_get(root, "level")), "province");
    ck_assert_int_eq(json_array_size(json_object_get(root, "scopes")), 2);
    s0 = json_array_get(json_object_get(root, "scopes"), 1);
    ck_assert_str_eq(json_string_value(json_object_get(s0, "scope")), "01");
    ck_assert_str_eq(json_string_value(json_object_get(s0, "name")), "Hà Nội");
    ck_assert_int_eq(json_integer_value(json_object_get(s0, "reports")), 1);
    i0 = json_array_get(json_object_get(s0, "indicators"), 1);
    ck_assert_str_eq(json_string_value(json_object_get(i0, "id")), "T02");
    ck_assert_double_eq_tol(json_real_value(json_object_get(i0, "value")), 1.55, 1e-12);
    ck_assert_ptr_nonnull(json_object_get(i0, "name_en")); /* same object as status's */
    ck_assert_str_eq(
        json_string_value(json_object_get(json_object_get(i0, "target_2025"), "status")), "within");
    ck_assert(json_is_null(json_object_get(
        json_array_get(
            json_object_get(json_array_get(json_object_get(root, "scopes"), 0), "indicators"), 1),
        "value")));
    json_decref(root);
    free(m.buf);

    /* Province matrix: a row per scope, aligned, within 100 columns. */
    s_mem_open(&m);
    ck_assert_int_eq(answer_indicators_text(m.f, &x.t, reg, &style), TD_OK);
    s_mem_text(&m);
    n = s_lines(m.buf, lines, 32);
    ck_assert_uint_ge(n, 6);
    ck_assert_ptr_nonnull(strstr(lines[2], "T01"));
    width = term_width(lines[2]);
    ck_assert_uint_le(width, 100);
    ck_assert_uint_eq(term_width(lines[4]), width);
    ck_assert_uint_eq(term_width(lines[5]), width);
    ck_assert_ptr_nonnull(strstr(lines[4], "45.7"));
    ck_assert_ptr_nonnull(strstr(lines[4], "\xE2\x80\x94")); /* T02 no data for VN */
    ck_assert_ptr_nonnull(strstr(lines[5], "12,345"));       /* whole from 10,000 up, grouped */
    ck_assert_ptr_nonnull(strstr(lines[5], "1.6"));
    ck_assert_uint_eq(s_column_of(lines[5], "Hà Nội"), s_column_of(lines[2], "Name"));
    free(m.buf);

    /* Nation level reuses the status table: ID, indicator name, value, targets. */
    x.t.level = "nation";
    x.t.n_scopes = 1;
    s_mem_open(&m);
    ck_assert_int_eq(answer_indicators_text(m.f, &x.t, reg, &style), TD_OK);
    s_mem_text(&m);
    ck_assert_ptr_nonnull(strstr(m.buf, "Indicators (VN Việt Nam, 63 reports)"));
    ck_assert_ptr_nonnull(strstr(m.buf, "2025 target"));
    ck_assert_ptr_nonnull(strstr(m.buf, "45.7 %"));
    ck_assert_ptr_nonnull(strstr(m.buf, "within"));
    free(m.buf);
    td_registry_close(&reg);
}
END_TEST

START_TEST(unit_detail_json_and_text)
{
    static const Tiendo__UnitDetail d_init = TIENDO__UNIT_DETAIL__INIT;
    static const Tiendo__Report r_init = TIENDO__REPORT__INIT;
    static const Tiendo__TaskGroupProgress g_init = TIENDO__TASK_GROUP_PROGRESS__INIT;
    static const Tiendo__RevisionInfo h_init = TIENDO__REVISION_INFO__INIT;
    Tiendo__UnitRow row;
    Tiendo__UnitDetail d = d_init;
    Tiendo__Report rep = r_init;
    Tiendo__TaskGroupProgress g = g_init, *gs[1] = {&g};
    Tiendo__RevisionInfo h1 = h_init, h2 = h_init, *hist[2] = {&h1, &h2};
    td_registry_t *reg = s_registry();
    answer_style style = {0, 100, 0};
    json_error_t jerr;
    json_t *root, *jh;
    s_mem m;

    s_row(&row, "01", "Hà Nội", "on_time", 2, 1791014400000, 50.0);
    g.group = 1;
    g.has_status = 1;
    g.status = TIENDO__TASK_STATUS__TASK_IN_PROGRESS;
    g.has_progress_percent = 1;
    g.progress_percent = 50.0;
    g.note = "Đang triển khai";
    rep.unit = "01";
    rep.dataset = "nq06";
    rep.period = "2026-Q3";
    rep.prepared_by = "Nguyễn Văn A";
    rep.has_prepared_at = 1;
    rep.prepared_at = 1791000000;
    rep.n_task_groups = 1;
    rep.task_groups = gs;
    h1.revision = 1;
    h1.has_received_at_ms = 1;
    h1.received_at_ms = 1791014400000;
    h1.agent_key = "abcdefghijklmnopqrstuvwxyz0123456789ABCD";
    h1.has_epoch = 1;
    h1.epoch = 0xfeedULL;
    h1.has_seq = 1;
    h1.seq = 7;
    h1.prepared_by = "Nguyễn Văn A";
    h2 = h1;
    h2.revision = 2;
    h2.seq = 9;
    d.row = &row;
    d.report = &rep;
    d.n_history = 2;
    d.history = hist;
    d.valid_from = "2008-08-01";
    d.successor = "";

    s_mem_open(&m);
    ck_assert_int_eq(answer_unit_json(m.f, &d), TD_OK);
    root = json_loads(s_mem_text(&m), 0, &jerr);
    ck_assert_msg(root != NULL, "%s", jerr.text);
    ck_assert_str_eq(json_string_value(json_object_get(root, "unit")), "01");
    ck_assert_str_eq(json_string_value(json_object_get(root, "name")), "Hà Nội");
    ck_assert_str_eq(json_string_value(json_object_get(root, "valid_from")), "2008-08-01");
    ck_assert(json_is_null(json_object_get(root, "valid_to")));
    ck_assert(json_is_null(json_object_get(root, "successor")));
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(root, "report"), "unit")),
                     "01");
    ck_assert_str_eq(
        json_string_value(json_object_get(json_object_get(root, "report"), "prepared_by")),
        "Nguyễn Văn A");
    /* The report keeps the file form's keys and order (its values under "data"), and its
     * prepared_at follows the one timestamp rule of --json. */
    {
        static const char *const report_keys[] = {"unit",        "dataset",     "period",
                                                  "prepared_by", "prepared_at", "task_groups"};
        json_t *jr = json_object_get(root, "report");
        const char *key;
        json_t *v;
        size_t k = 0;
        json_object_foreach(jr, key, v)
        {
            (void) v;
            if (k < 6)
                ck_assert_str_eq(key, report_keys[k]);
            k++;
        }
        ck_assert_str_eq(json_string_value(json_object_get(jr, "prepared_at")),
                         "2026-10-03T04:00:00.000Z");
    }
    jh = json_object_get(root, "history");
    ck_assert_int_eq(json_array_size(jh), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(jh, 1), "revision")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(jh, 1), "seq")), 9);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(jh, 0), "epoch")),
                     "000000000000feed");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(jh, 0), "received_at")),
                     "2026-10-03T08:00:00.000Z");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(jh, 0), "agent_key")),
                     h1.agent_key);
    json_decref(root);
    free(m.buf);

    s_mem_open(&m);
    ck_assert_int_eq(answer_unit_text(m.f, &d, reg, &style), TD_OK);
    s_mem_text(&m);
    ck_assert_ptr_nonnull(strstr(m.buf, "Unit 01 Hà Nội"));
    ck_assert_ptr_nonnull(strstr(m.buf, "Valid: 2008-08-01 to \xE2\x80\x94"));
    ck_assert_ptr_nonnull(strstr(m.buf, "in progress"));
    ck_assert_ptr_nonnull(strstr(m.buf, "50.0 %"));
    ck_assert_ptr_nonnull(strstr(m.buf, "Đang triển khai"));
    ck_assert_ptr_nonnull(strstr(m.buf, "Revisions"));
    ck_assert_ptr_nonnull(strstr(m.buf, "abcdefghijkl ")); /* key cut to 12 characters */
    ck_assert_ptr_null(strstr(m.buf, "abcdefghijklm"));
    free(m.buf);

    /* No report yet: says so, still no crash. */
    d.report = NULL;
    d.n_history = 0;
    s_mem_open(&m);
    ck_assert_int_eq(answer_unit_text(m.f, &d, NULL, &style), TD_OK);
    ck_assert_ptr_nonnull(strstr(s_mem_text(&m), "No report for this period."));
    free(m.buf);
    s_mem_open(&m);
    ck_assert_int_eq(answer_unit_json(m.f, &d), TD_OK);
    root = json_loads(s_mem_text(&m), 0, &jerr);
    ck_assert(json_is_null(json_object_get(root, "report")));
    json_decref(root);
    free(m.buf);
    td_registry_close(&reg);
}
END_TEST

/* ---- Vietnamese (the language central staff read by default) ---- */

/* The text f writes under lang. Owned by the caller. */
typedef td_err (*s_writer)(FILE *out, void *ctx);

static char *s_written(td_lang lang, s_writer write, void *ctx)
{
    s_mem m;
    s_language(lang);
    s_mem_open(&m);
    ck_assert_int_eq(write(m.f, ctx), TD_OK);
    s_mem_text(&m);
    s_language(TD_LANG_EN);
    return m.buf;
}

START_TEST(times_and_ages_in_vietnamese)
{
    char buf[64];

    s_language(TD_LANG_VI);
    ck_assert_str_eq(td_age_text(100000, 97000, buf, sizeof buf), "3 giây trước");
    ck_assert_str_eq(td_age_text(100000, 99500, buf, sizeof buf), "0 giây trước");
    ck_assert_str_eq(td_age_text(100000, 0, buf, sizeof buf), "chưa bao giờ");
    ck_assert_str_eq(
        td_age_text(1000000000, 1000000000 - (2 * 86400 + 4 * 3600) * 1000LL, buf, sizeof buf),
        "2 ngày 4 giờ trước");
    ck_assert_str_eq(td_duration_text((3 * 3600 + 5 * 60) * 1000LL, buf, sizeof buf),
                     "3 giờ 5 phút");
    ck_assert_str_eq(td_duration_text(850, buf, sizeof buf), "850 ms");
    ck_assert_str_eq(td_offset_text(-3400, buf, sizeof buf), "-3,4 giây");
    ck_assert_str_eq(td_offset_text(120, buf, sizeof buf), "+120 ms");
    ck_assert_str_eq(td_offset_text(5 * 60000 + 10, buf, sizeof buf), "+5 phút");
    s_language(TD_LANG_EN);
    ck_assert_str_eq(td_offset_text(-3400, buf, sizeof buf), "-3.4 s");
    ck_assert_str_eq(td_age_text(100000, 0, buf, sizeof buf), "never");
}
END_TEST

START_TEST(status_text_in_vietnamese)
{
    s_summary x;
    td_registry_t *reg = s_registry();
    answer_style style = {0, 100, 0};
    s_mem m;
    char *lines[64];
    const char *row;
    size_t n, table = 0, ind = 0, lag = 0;

    s_summary_init(&x);
    x.s.revisions_stored = 1007;
    s_language(TD_LANG_VI);
    s_mem_open(&m);
    ck_assert_int_eq(answer_status_text(m.f, &x.s, reg, &style), TD_OK);
    s_mem_text(&m);
    s_language(TD_LANG_EN);
    n = s_lines(m.buf, lines, 64);
    ck_assert_str_eq(lines[0], "Tổng hợp toàn quốc - Nghị quyết 06-NQ/TW (chế độ báo cáo nq06), "
                               "kỳ báo cáo 2026-Q4");
    ck_assert_str_eq(lines[1], "Số tỉnh đã báo cáo: 33/34 (97,1 %)    số phiên bản đã lưu: 1.007");
    ck_assert_str_eq(lines[2], "Hạn 25/12/2026 · đúng hạn 30 · trễ hạn 2 · chưa đến hạn 0 · "
                               "quá hạn 2");
    ck_assert_str_eq(lines[3], "  tỷ lệ đúng hạn 88,2 % (đúng hạn / phải báo cáo)");
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(term_width(lines[i]) <= 100, "'%s'", lines[i]);
        if (strncmp(lines[i], "#  Nhóm nhiệm vụ", strlen("#  Nhóm nhiệm vụ")) == 0)
            table = i;
        if (strcmp(lines[i], "Chỉ tiêu (toàn quốc)") == 0)
            ind = i + 1;
        if (strncmp(lines[i], "Đơn vị chậm nhất", strlen("Đơn vị chậm nhất")) == 0)
            lag = i + 1;
    }
    ck_assert_uint_gt(table, 0);
    ck_assert_ptr_nonnull(strstr(lines[table], "Chưa triển khai"));
    ck_assert_ptr_nonnull(strstr(lines[table], "Tiến độ bình quân"));
    for (size_t i = table; i < table + 8; i++) /* header, dashes, six groups */
        ck_assert_uint_eq(term_width(lines[i]), term_width(lines[table]));
    /* The registry's Vietnamese titles; percentages with a decimal comma, right-aligned. */
    ck_assert_ptr_nonnull(strstr(lines[table + 3], "Nâng cao chất lượng quy hoạch"));
    ck_assert_ptr_nonnull(strstr(lines[table + 3], "56,3 %"));
    ck_assert_uint_eq(s_end_of(lines[table + 3], "56,3 %"),
                      s_end_of(lines[table], "Tiến độ bình quân"));

    ck_assert_uint_gt(ind, 0);
    ck_assert_ptr_nonnull(strstr(lines[ind], "Chỉ tiêu"));
    ck_assert_ptr_nonnull(strstr(lines[ind], "Mục tiêu 2025"));
    for (size_t i = ind; i < ind + 2 + S_INDICATORS; i++)
        ck_assert_uint_eq(term_width(lines[i]), term_width(lines[ind]));
    row = s_row_of(lines, ind + 2, S_INDICATORS, "T01 ");
    ck_assert_ptr_nonnull(strstr(row, "Tỷ lệ đô thị hóa"));
    ck_assert_ptr_nonnull(strstr(row, "42,7 %"));
    ck_assert_ptr_nonnull(strstr(row, "dưới"));
    ck_assert_uint_eq(s_end_of(row, "42,7 %"), s_end_of(lines[ind], "Giá trị"));
    row = s_row_of(lines, ind + 2, S_INDICATORS, "T02 ");
    ck_assert_ptr_nonnull(strstr(row, "không có số liệu"));
    ck_assert_ptr_nonnull(strstr(row, "1,5–1,9"));
    row = s_row_of(lines, ind + 2, S_INDICATORS, "T03 ");
    ck_assert_ptr_nonnull(strstr(row, "950–1.000"));
    ck_assert_ptr_nonnull(strstr(row, "1.000–1.200"));
    row = s_row_of(lines, ind + 2, S_INDICATORS, "T09 ");
    ck_assert_ptr_nonnull(strstr(row, "31,5 m2/người"));
    ck_assert_ptr_nonnull(strstr(row, "đạt"));
    ck_assert_str_eq(lines[ind + 2 + S_INDICATORS],
                     "* mục tiêu chưa được xác nhận (verified: partly/no)");

    ck_assert_uint_gt(lag, 0);
    ck_assert_ptr_nonnull(strstr(lines[lag], "Trạng thái"));
    ck_assert_ptr_nonnull(strstr(lines[lag + 2], "quá hạn"));
    ck_assert_ptr_nonnull(strstr(lines[lag + 3], "trễ hạn"));
    ck_assert_ptr_nonnull(strstr(lines[lag + 3], "12,3 %"));
    ck_assert_ptr_nonnull(strstr(lines[lag + 4], "đúng hạn"));
    for (size_t i = lag; i < lag + 5; i++)
        ck_assert_uint_eq(term_width(lines[i]), term_width(lines[lag]));
    ck_assert_str_eq(lines[n - 1], "Chưa báo cáo (1): 04 Cao Bằng");
    free(m.buf);
    td_registry_close(&reg);
}
END_TEST

typedef struct {
    const Tiendo__StatusSummary *s;
    const td_registry_t *reg;
    Tiendo__UnitList *units;
} s_machine_ctx;

static td_err s_status_json_writer(FILE *out, void *ctx)
{
    const s_machine_ctx *c = ctx;
    return answer_status_json(out, c->s, c->reg);
}

static td_err s_units_csv_writer(FILE *out, void *ctx)
{
    const s_machine_ctx *c = ctx;
    return answer_units_csv(out, c->units);
}

static td_err s_units_json_writer(FILE *out, void *ctx)
{
    const s_machine_ctx *c = ctx;
    return answer_units_json(out, c->units);
}

/* JSON and CSV are for programs: the same bytes whatever the language. */
START_TEST(json_and_csv_are_the_same_in_every_language)
{
    static const s_writer writers[] = {s_status_json_writer, s_units_csv_writer,
                                       s_units_json_writer};
    s_summary x;
    s_units u;
    td_registry_t *reg = s_registry();
    s_machine_ctx ctx;

    s_summary_init(&x);
    x.s.revisions_stored = 14054900;
    s_units_fill(&u);
    ctx.s = &x.s;
    ctx.reg = reg;
    ctx.units = &u.list;
    for (size_t i = 0; i < S_COUNT(writers); i++) {
        char *en = s_written(TD_LANG_EN, writers[i], &ctx);
        char *vi = s_written(TD_LANG_VI, writers[i], &ctx);
        ck_assert_str_eq(vi, en);
        ck_assert_ptr_null(strstr(en, "14.054.900"));
        ck_assert_ptr_null(strstr(en, "57,"));
        free(vi);
        free(en);
    }
    td_registry_close(&reg);
}
END_TEST

START_TEST(agents_text_in_vietnamese)
{
    static const Tiendo__AgentInfo a_init = TIENDO__AGENT_INFO__INIT;
    static const Tiendo__Heartbeat h_init = TIENDO__HEARTBEAT__INIT;
    static const Tiendo__AgentList l_init = TIENDO__AGENT_LIST__INIT;
    Tiendo__AgentInfo a = a_init, b = a_init, c = a_init, *agents[3] = {&a, &b, &c};
    Tiendo__Heartbeat hb = h_init;
    Tiendo__AgentList list = l_init;
    s_mem m;
    char *lines[8];
    int64_t now = 1795167000000LL;

    a.name = "Sở Xây dựng Hà Nội";
    a.scope = "01/*";
    a.state = "connected";
    a.last_seen_ms = now - 3000;
    hb.has_outbox_depth = hb.has_oldest_unsent_age_ms = 1;
    hb.outbox_depth = 1007;
    hb.oldest_unsent_age_ms = 15000;
    hb.has_clock_ms = 1;
    hb.clock_ms = now - 4000 + 1500; /* 1.5 s ahead */
    a.last_heartbeat = &hb;
    a.has_last_heartbeat_ms = 1;
    a.last_heartbeat_ms = now - 4000;
    b.name = "Sở Xây dựng Huế";
    b.scope = "46/*";
    b.state = "silent";
    b.last_seen_ms = now - (3 * 3600 + 5 * 60) * 1000LL;
    c.name = "Sở Xây dựng Đà Nẵng";
    c.scope = "48/*";
    c.state = "never_connected";
    list.n_agents = 3;
    list.agents = agents;
    list.has_silent_after_ms = 1;
    list.silent_after_ms = 300000;

    s_language(TD_LANG_VI);
    s_mem_open(&m);
    ck_assert_int_eq(answer_agents_text(m.f, &list, now, NULL), TD_OK);
    s_mem_text(&m);
    s_language(TD_LANG_EN);
    ck_assert_uint_eq(s_lines(m.buf, lines, 8), 7);
    ck_assert_str_eq(lines[0], "Trạm gửi báo cáo mà máy chủ tổng hợp biết: 3 (1 đang kết nối, "
                               "1 mất liên lạc, 1 chưa từng kết nối)");
    ck_assert_str_eq(lines[1], "Một trạm bị coi là mất liên lạc sau 5 phút không có tín hiệu.");
    ck_assert_ptr_nonnull(strstr(lines[2], "Tình trạng"));
    ck_assert_ptr_nonnull(strstr(lines[2], "Liên lạc gần nhất"));
    ck_assert_ptr_nonnull(strstr(lines[4], "đang kết nối"));
    ck_assert_ptr_nonnull(strstr(lines[4], "3 giây trước"));
    ck_assert_ptr_nonnull(strstr(lines[4], "1.007 (lâu nhất 15 giây)"));
    ck_assert_ptr_nonnull(strstr(lines[4], "+1,5 giây"));
    ck_assert_ptr_nonnull(strstr(lines[5], "mất liên lạc 3 giờ 5 phút"));
    ck_assert_ptr_nonnull(strstr(lines[5], "3 giờ 5 phút trước"));
    ck_assert_ptr_nonnull(strstr(lines[6], "chưa từng kết nối"));
    ck_assert_ptr_nonnull(strstr(lines[6], "chưa bao giờ"));
    for (size_t i = 3; i < 7; i++)
        ck_assert_uint_eq(term_width(lines[i]), term_width(lines[2]));
    ck_assert_uint_eq(s_column_of(lines[6], "chưa từng kết nối"),
                      s_column_of(lines[2], "Tình trạng"));
    free(m.buf);
}
END_TEST

START_TEST(units_text_in_vietnamese)
{
    s_units u;
    answer_style style = {0, 100, 0};
    s_mem m;
    char *lines[16];
    size_t n;

    s_units_fill(&u);
    s_language(TD_LANG_VI);
    s_mem_open(&m);
    ck_assert_int_eq(answer_units_text(m.f, &u.list, _("Units"), &style), TD_OK);
    s_mem_text(&m);
    s_language(TD_LANG_EN);
    n = s_lines(m.buf, lines, 16);
    ck_assert_uint_eq(n, 8);
    ck_assert_str_eq(lines[0], "Đơn vị, nq06 2026-Q3 (hạn 15/10/2026)");
    ck_assert_ptr_nonnull(strstr(lines[1], "Mã"));
    ck_assert_ptr_nonnull(strstr(lines[1], "Nhận lần đầu"));
    for (size_t i = 2; i < 7; i++)
        ck_assert_uint_eq(term_width(lines[i]), term_width(lines[1]));
    ck_assert_uint_eq(s_column_of(lines[3], "đúng hạn"), s_column_of(lines[1], "Trạng thái"));
    ck_assert_uint_eq(s_column_of(lines[4], "trễ hạn"), s_column_of(lines[1], "Trạng thái"));
    ck_assert_ptr_nonnull(strstr(lines[5], "quá hạn"));
    ck_assert_ptr_nonnull(strstr(lines[6], "chưa đến hạn"));
    ck_assert_uint_eq(s_column_of(lines[3], "03/10/2026"), s_column_of(lines[1], "Nhận lần đầu"));
    ck_assert_ptr_nonnull(strstr(lines[3], "62,3 %"));
    ck_assert_uint_eq(s_end_of(lines[3], "62,3 %"), s_end_of(lines[1], "Tiến độ"));
    ck_assert_str_eq(lines[7], "4 đơn vị");
    free(m.buf);
}
END_TEST

START_TEST(indicators_text_in_vietnamese)
{
    s_ind_table x;
    td_registry_t *reg = s_registry();
    answer_style style = {0, 100, 0};
    s_mem m;
    char *lines[32];
    size_t n;

    s_ind_table_init(&x, 1007);

    s_language(TD_LANG_VI);
    s_mem_open(&m);
    ck_assert_int_eq(answer_indicators_text(m.f, &x.t, reg, &style), TD_OK);
    s_mem_text(&m);
    n = s_lines(m.buf, lines, 32);
    ck_assert_uint_ge(n, 6);
    ck_assert_str_eq(lines[0], "Chỉ tiêu, nq06 2026-Q3");
    ck_assert_str_eq(lines[1], "Chỉ tiêu theo tỉnh");
    ck_assert_ptr_nonnull(strstr(lines[2], "Số báo cáo"));
    for (size_t i = 3; i < 6; i++)
        ck_assert_uint_eq(term_width(lines[i]), term_width(lines[2]));
    ck_assert_ptr_nonnull(strstr(lines[4], "1.007")); /* reports */
    ck_assert_ptr_nonnull(strstr(lines[4], "45,7"));
    ck_assert_ptr_nonnull(strstr(lines[5], "12.345")); /* whole from 10 000 up */
    ck_assert_ptr_nonnull(strstr(lines[5], "1,6"));
    ck_assert_uint_eq(s_column_of(lines[5], "Hà Nội"), s_column_of(lines[2], "Tên"));
    ck_assert_uint_eq(s_end_of(lines[5], "12.345"), s_end_of(lines[2], "T01"));
    free(m.buf);

    x.t.level = "nation";
    x.t.n_scopes = 1;
    s_mem_open(&m);
    ck_assert_int_eq(answer_indicators_text(m.f, &x.t, reg, &style), TD_OK);
    s_mem_text(&m);
    s_language(TD_LANG_EN);
    ck_assert_ptr_nonnull(strstr(m.buf, "Chỉ tiêu (VN Việt Nam, 1.007 báo cáo)"));
    ck_assert_ptr_nonnull(strstr(m.buf, "Mục tiêu 2030"));
    ck_assert_ptr_nonnull(strstr(m.buf, "Tỷ lệ đô thị hóa"));
    ck_assert_ptr_nonnull(strstr(m.buf, "45,7 %"));
    ck_assert_ptr_nonnull(strstr(m.buf, "đạt"));
    ck_assert_ptr_nonnull(strstr(m.buf, "không có số liệu"));
    free(m.buf);
    td_registry_close(&reg);
}
END_TEST

START_TEST(unit_detail_text_in_vietnamese)
{
    static const Tiendo__UnitDetail d_init = TIENDO__UNIT_DETAIL__INIT;
    static const Tiendo__Report r_init = TIENDO__REPORT__INIT;
    static const Tiendo__TaskGroupProgress g_init = TIENDO__TASK_GROUP_PROGRESS__INIT;
    static const Tiendo__DataValue v_init = TIENDO__DATA_VALUE__INIT;
    static const Tiendo__ActionTask a_init = TIENDO__ACTION_TASK__INIT;
    static const Tiendo__RevisionInfo h_init = TIENDO__REVISION_INFO__INIT;
    Tiendo__UnitRow row;
    Tiendo__UnitDetail d = d_init;
    Tiendo__Report rep = r_init;
    Tiendo__TaskGroupProgress g = g_init, *gs[1] = {&g};
    Tiendo__DataValue v1 = v_init, v2 = v_init, *vs[2] = {&v1, &v2};
    Tiendo__ActionTask a = a_init, *as[1] = {&a};
    Tiendo__RevisionInfo h = h_init, *hist[1] = {&h};
    td_registry_t *reg = s_registry();
    answer_style style = {0, 100, 0};
    s_mem m;

    setenv("TZ", "UTC", 1);
    tzset();
    s_row(&row, "01", "Hà Nội", "on_time", 2, 1791014400000, 50.0); /* 2026-10-03 08:00 */
    g.group = 1;
    g.has_status = 1;
    g.status = TIENDO__TASK_STATUS__TASK_IN_PROGRESS;
    g.has_progress_percent = 1;
    g.progress_percent = 50.0;
    v1.element = "total_population";
    v1.has_value = 1;
    v1.value = 14054900;
    v2.element = "natural_land_ha";
    v2.has_value = 1;
    v2.value = 1.5;
    a.id = "KH-02";
    a.title = "Nhà ở xã hội";
    a.task_group = 4;
    a.owner = "Sở Tài chính";
    a.deadline = "2026-08-31";
    a.status = TIENDO__TASK_STATUS__TASK_COMPLETED;
    a.completed_on = "2026-09-10";
    rep.prepared_by = "Nguyễn Văn A";
    rep.has_prepared_at = 1;
    rep.prepared_at = 1791000000; /* 2026-10-03 04:00 UTC */
    rep.n_task_groups = 1;
    rep.task_groups = gs;
    rep.n_values = 2;
    rep.values = vs;
    rep.n_action_plan = 1;
    rep.action_plan = as;
    h.revision = 2;
    h.received_at_ms = 1791014400000;
    h.agent_key = "abcdefghijklmnop";
    d.row = &row;
    d.report = &rep;
    d.n_history = 1;
    d.history = hist;
    d.valid_from = "2008-08-01";

    s_language(TD_LANG_VI);
    s_mem_open(&m);
    ck_assert_int_eq(answer_unit_text(m.f, &d, reg, &style), TD_OK);
    s_mem_text(&m);
    s_language(TD_LANG_EN);
    ck_assert_ptr_nonnull(strstr(m.buf, "Đơn vị 01 Hà Nội\n"));
    ck_assert_ptr_nonnull(strstr(m.buf, "Cấp: tỉnh   Trực thuộc: VN\n"));
    ck_assert_ptr_nonnull(strstr(m.buf, "Hiệu lực: từ 01/08/2008 đến —   Đơn vị kế thừa: —\n"));
    ck_assert_ptr_nonnull(strstr(m.buf, "Trạng thái: đúng hạn   Phiên bản: 2   Nhận lần đầu: "
                                        "03/10/2026   Mới nhất: 03/10/2026 09:00\n"));
    ck_assert_ptr_nonnull(strstr(m.buf, "Người lập: Nguyễn Văn A, lúc 03/10/2026 04:00\n"));
    ck_assert_ptr_nonnull(strstr(m.buf, "Nhóm nhiệm vụ\n"));
    ck_assert_ptr_nonnull(strstr(m.buf, "Hoàn thiện thể chế")); /* the registry's title_vi */
    ck_assert_ptr_nonnull(strstr(m.buf, "đang thực hiện"));
    ck_assert_ptr_nonnull(strstr(m.buf, "50,0 %"));
    ck_assert_ptr_nonnull(strstr(m.buf, "14.054.900"));
    ck_assert_ptr_nonnull(strstr(m.buf, " 1,5"));
    ck_assert_ptr_nonnull(strstr(m.buf, "Kế hoạch hành động\n"));
    ck_assert_ptr_nonnull(strstr(m.buf, "31/08/2026"));
    ck_assert_ptr_nonnull(strstr(m.buf, "hoàn thành 10/09/2026"));
    ck_assert_ptr_nonnull(strstr(m.buf, "Các phiên bản\n"));
    ck_assert_ptr_nonnull(strstr(m.buf, "03/10/2026 08:00"));
    free(m.buf);

    /* The same in English: the registry's English title, dates as ISO days. */
    s_mem_open(&m);
    ck_assert_int_eq(answer_unit_text(m.f, &d, reg, &style), TD_OK);
    s_mem_text(&m);
    ck_assert_ptr_nonnull(strstr(m.buf, "Valid: 2008-08-01 to —   Successor: —\n"));
    ck_assert_ptr_nonnull(strstr(m.buf, "Institutions and policies"));
    ck_assert_ptr_nonnull(strstr(m.buf, "14,054,900"));
    ck_assert_ptr_nonnull(strstr(m.buf, "completed 2026-09-10"));
    ck_assert_ptr_nonnull(strstr(m.buf, "Prepared by Nguyễn Văn A at 2026-10-03 04:00\n"));
    free(m.buf);
    td_registry_close(&reg);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("answers");
    TCase *times = tcase_create("times");
    TCase *status = tcase_create("status");
    TCase *agents = tcase_create("agents");
    TCase *units = tcase_create("units");
    TCase *vietnamese = tcase_create("vietnamese");

    tcase_add_test(times, times_and_ages);
    tcase_add_test(status, status_json_fields_and_values);
    tcase_add_test(status, status_json_nobody_reported);
    tcase_add_test(status, status_json_mean_null_for_group_without_reports);
    tcase_add_test(status, status_text_for_people);
    tcase_add_test(status, status_text_wraps_long_missing_list);
    tcase_add_test(status, status_json_deadline_and_timeliness);
    tcase_add_test(status, status_json_from_a_collector_without_the_new_fields);
    tcase_add_test(status, status_json_indicators_against_targets);
    tcase_add_test(status, status_json_lagging_units);
    tcase_add_test(status, status_text_deadline_indicators_lagging);
    tcase_add_test(status, status_text_fits_100_and_80_columns);
    tcase_add_test(status, status_text_footnote_only_for_unconfirmed_targets);
    tcase_add_test(agents, agents_json_and_text);
    tcase_add_test(units, units_sorting_orders);
    tcase_add_test(units, units_json_fields);
    tcase_add_test(units, units_csv_quoting);
    tcase_add_test(units, units_text_aligned_and_fits);
    tcase_add_test(units, indicators_json_and_text);
    tcase_add_test(units, unit_detail_json_and_text);
    tcase_add_test(vietnamese, times_and_ages_in_vietnamese);
    tcase_add_test(vietnamese, status_text_in_vietnamese);
    tcase_add_test(vietnamese, json_and_csv_are_the_same_in_every_language);
    tcase_add_test(vietnamese, agents_text_in_vietnamese);
    tcase_add_test(vietnamese, units_text_in_vietnamese);
    tcase_add_test(vietnamese, indicators_text_in_vietnamese);
    tcase_add_test(vietnamese, unit_detail_text_in_vietnamese);
    suite_add_tcase(s, times);
    suite_add_tcase(s, status);
    suite_add_tcase(s, agents);
    suite_add_tcase(s, units);
    suite_add_tcase(s, vietnamese);
    return s;
}

int main(void)
{
    return td_unit_run(s_suite());
}
