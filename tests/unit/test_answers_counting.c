/* test_answers_counting.c: unit tests of what issue 11 added to the tiendo command's answers
 * (docs/data.md, "Roll-up and expected units"): coverage, partial figures and checks in
 * status and indicators, units reported through their merged provinces, units without a
 * live agent, overdue tasks in status and units, and every office named in agents; each
 * from hand-built collector answers, and from answers without any of it. */
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
#include "registry.h"
#include "term.h"
#include "unit_main.h"

/* ---- helpers ---- */

static json_t *s_get(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    ck_assert_msg(v != NULL, "no key %s", key);
    return v;
}

/* The line of text that contains needle (text is split in place; lines points into it). */
static const char *s_line_with(char **lines, size_t n, const char *needle)
{
    for (size_t i = 0; i < n; i++)
        if (strstr(lines[i], needle) != NULL)
            return lines[i];
    ck_abort_msg("no line with '%s'", needle);
    return NULL;
}

static size_t s_index_of(char **lines, size_t n, const char *needle)
{
    for (size_t i = 0; i < n; i++)
        if (strstr(lines[i], needle) != NULL)
            return i;
    ck_abort_msg("no line with '%s'", needle);
    return 0;
}

static int s_ends_with(const char *s, const char *end)
{
    size_t n = strlen(s), m = strlen(end);
    return n >= m && strcmp(s + n - m, end) == 0;
}

/* An indicator value as the collector sends it since issue 11. covered/expected < 0: not
 * sent. */
static void s_value(Tiendo__IndicatorValue *iv, const char *id, double num, double den,
                    const char *source, int covered, int expected, int partial)
{
    static const Tiendo__IndicatorValue init = TIENDO__INDICATOR_VALUE__INIT;
    *iv = init;
    iv->id = (char *) id;
    iv->unit = "%";
    iv->has_value = num >= 0 && den > 0;
    iv->value = iv->has_value ? 100.0 * num / den : 0;
    iv->target_2025 = iv->has_value ? "within" : "no_data";
    iv->target_2030 = iv->has_value ? "below" : "no_data";
    iv->has_units_counted = 1;
    iv->units_counted = covered > 0 ? (uint32_t) covered : 0;
    iv->has_numerator = iv->has_denominator = iv->has_value;
    iv->numerator = num;
    iv->denominator = den;
    iv->source = (char *) source;
    iv->has_units_covered = covered >= 0;
    iv->units_covered = covered >= 0 ? (uint32_t) covered : 0;
    iv->has_units_expected = expected >= 0;
    iv->units_expected = expected >= 0 ? (uint32_t) expected : 0;
    iv->has_partial = 1;
    iv->partial = partial;
}

static void s_check(Tiendo__IndicatorValue *iv, double num, double den, uint32_t covered,
                    uint32_t expected)
{
    iv->has_check_value = iv->has_check_numerator = iv->has_check_denominator = 1;
    iv->check_value = 100.0 * num / den;
    iv->check_numerator = num;
    iv->check_denominator = den;
    iv->has_check_covered = iv->has_check_expected = 1;
    iv->check_covered = covered;
    iv->check_expected = expected;
}

/* ---- status ---- */

/* 2025 (it spans the merger): 01 reported itself, 79 only through 74 (one of its two merged
 * provinces), 04 nothing; no live agent for 48 and 04; 2 overdue action-plan tasks; T01
 * from 2 of 34 provinces (partial), T02 no data. */
typedef struct {
    Tiendo__StatusSummary s;
    Tiendo__UnitReport units[2];
    Tiendo__UnitReport *unit_ptrs[2];
    char *parts[1];
    char *missing[1];
    char *no_agent[2];
    Tiendo__IndicatorValue values[2];
    Tiendo__IndicatorValue *value_ptrs[2];
} s_summary;

static void s_summary_init(s_summary *x)
{
    static const Tiendo__StatusSummary s_init = TIENDO__STATUS_SUMMARY__INIT;
    static const Tiendo__UnitReport u_init = TIENDO__UNIT_REPORT__INIT;

    memset(x, 0, sizeof *x);
    x->s = s_init;
    x->s.dataset = "nq06";
    x->s.period = "2025";
    x->s.units_expected = 34;
    x->s.units_reported = 2;
    x->s.revisions_stored = 3;
    x->s.has_units_partial = 1;
    x->s.units_partial = 1;
    x->s.has_tasks_overdue = 1;
    x->s.tasks_overdue = 2;
    x->units[0] = u_init;
    x->units[0].unit = "01";
    x->units[0].name = "Hà Nội";
    x->units[0].has_revision = x->units[0].has_received_at_ms = 1;
    x->units[0].revision = 2;
    x->units[0].received_at_ms = 1795167000123LL;
    x->units[0].status = "on_time";
    x->units[0].has_partial = 1;
    x->units[1] = u_init;
    x->units[1].unit = "79";
    x->units[1].name = "Hồ Chí Minh";
    x->units[1].has_first_received_at_ms = 1;
    x->units[1].first_received_at_ms = 1795167000123LL;
    x->units[1].status = "late";
    x->parts[0] = "74";
    x->units[1].n_reported_by_parts = 1;
    x->units[1].reported_by_parts = x->parts;
    x->units[1].has_partial = 1;
    x->units[1].partial = 1;
    x->unit_ptrs[0] = &x->units[0];
    x->unit_ptrs[1] = &x->units[1];
    x->s.n_reported = 2;
    x->s.reported = x->unit_ptrs;
    x->missing[0] = "04";
    x->s.n_missing = 1;
    x->s.missing = x->missing;
    x->no_agent[0] = "04";
    x->no_agent[1] = "48";
    x->s.n_without_live_agent = 2;
    x->s.without_live_agent = x->no_agent;
    s_value(&x->values[0], "T01", 5900000, 9470000, "parts", 2, 34, 1);
    s_value(&x->values[1], "T02", -1, 0, NULL, 0, 34, 1);
    x->value_ptrs[0] = &x->values[0];
    x->value_ptrs[1] = &x->values[1];
    x->s.n_indicators = 2;
    x->s.indicators = x->value_ptrs;
}

static json_t *s_status_json(const Tiendo__StatusSummary *s, const td_registry_t *reg)
{
    s_mem m;
    s_mem_open(&m);
    ck_assert_int_eq(answer_status_json(m.f, s, reg), TD_OK);
    return s_mem_json(&m);
}

START_TEST(status_json_counts_once_and_says_what_it_covers)
{
    static const char *const top[] = {CLI_STATUS_KEYS};
    static const char *const unit_keys[] = {CLI_REPORTED_KEYS};
    static const char *const ind_keys[] = {CLI_INDICATOR_KEYS};
    s_summary x;
    td_registry_t *reg = s_registry();
    json_t *root, *u, *o;

    s_summary_init(&x);
    root = s_status_json(&x.s, reg);
    s_assert_keys(root, top, S_COUNT(top));
    ck_assert_int_eq(json_integer_value(s_get(root, "units_reported")), 2);
    ck_assert_int_eq(json_integer_value(s_get(root, "units_partial")), 1);
    ck_assert_int_eq(json_integer_value(s_get(root, "tasks_overdue")), 2);

    u = json_array_get(s_get(root, "reported"), 0); /* 01 reported itself */
    s_assert_keys(u, unit_keys, S_COUNT(unit_keys));
    ck_assert_int_eq(json_integer_value(s_get(u, "revision")), 2);
    ck_assert_uint_eq(json_array_size(s_get(u, "reported_by_parts")), 0);
    ck_assert(json_is_false(s_get(u, "partial")));
    u = json_array_get(s_get(root, "reported"), 1); /* 79 only through 74 */
    s_assert_keys(u, unit_keys, S_COUNT(unit_keys));
    ck_assert_str_eq(json_string_value(s_get(u, "unit")), "79");
    ck_assert(json_is_null(s_get(u, "revision"))); /* no report of its own */
    ck_assert(json_is_null(s_get(u, "received_at")));
    ck_assert_str_eq(json_string_value(s_get(u, "first_received_at")), "2026-11-20T09:30:00.123Z");
    ck_assert_uint_eq(json_array_size(s_get(u, "reported_by_parts")), 1);
    ck_assert_str_eq(json_string_value(json_array_get(s_get(u, "reported_by_parts"), 0)), "74");
    ck_assert(json_is_true(s_get(u, "partial")));

    /* Missing and without a live agent: {"unit", "name"}, names from the registry. */
    ck_assert_uint_eq(json_array_size(s_get(root, "missing")), 1);
    o = s_get(root, "without_live_agent");
    ck_assert_uint_eq(json_array_size(o), 2);
    ck_assert_str_eq(json_string_value(s_get(json_array_get(o, 0), "unit")), "04");
    ck_assert_str_eq(json_string_value(s_get(json_array_get(o, 0), "name")), "Cao Bằng");
    ck_assert_str_eq(json_string_value(s_get(json_array_get(o, 1), "unit")), "48");
    ck_assert_str_eq(json_string_value(s_get(json_array_get(o, 1), "name")), "Đà Nẵng");

    /* The nation's T01: value = numerator / denominator, 2 of 34, partial; no check. */
    o = json_array_get(s_get(root, "indicators"), 0);
    s_assert_keys(o, ind_keys, S_COUNT(ind_keys));
    ck_assert_double_eq_tol(json_real_value(s_get(o, "value")),
                            100.0 * json_real_value(s_get(o, "numerator")) /
                                json_real_value(s_get(o, "denominator")),
                            1e-9);
    ck_assert_str_eq(json_string_value(s_get(o, "source")), "parts");
    ck_assert_int_eq(json_integer_value(s_get(o, "units_covered")), 2);
    ck_assert_int_eq(json_integer_value(s_get(o, "units_expected")), 34);
    ck_assert(json_is_true(s_get(o, "partial")));
    ck_assert(json_is_null(s_get(o, "check")));
    /* T02: no data: source null, covered 0 (never a made-up figure). */
    o = json_array_get(s_get(root, "indicators"), 1);
    ck_assert(json_is_null(s_get(o, "value")));
    ck_assert(json_is_null(s_get(o, "source")));
    ck_assert_int_eq(json_integer_value(s_get(o, "units_covered")), 0);
    json_decref(root);
    td_registry_close(&reg);
}
END_TEST

START_TEST(status_json_from_a_collector_without_the_counting_fields)
{
    static const Tiendo__StatusSummary s_init = TIENDO__STATUS_SUMMARY__INIT;
    static const Tiendo__UnitReport u_init = TIENDO__UNIT_REPORT__INIT;
    static const Tiendo__IndicatorValue i_init = TIENDO__INDICATOR_VALUE__INIT;
    Tiendo__StatusSummary s = s_init;
    Tiendo__UnitReport u = u_init, *units[1] = {&u};
    Tiendo__IndicatorValue iv = i_init, *values[1] = {&iv};
    json_t *root, *o;

    s.dataset = "nq06";
    s.period = "2026-Q3";
    s.units_expected = 34;
    s.units_reported = 1;
    u.unit = "01";
    u.has_revision = 1;
    u.revision = 1;
    s.n_reported = 1;
    s.reported = units;
    iv.id = "T01";
    iv.has_value = 1;
    iv.value = 42.0;
    s.n_indicators = 1;
    s.indicators = values;
    root = s_status_json(&s, NULL);
    /* Unknown is null, an absent list is empty, an unsaid partial is false. */
    ck_assert(json_is_null(s_get(root, "units_partial")));
    ck_assert(json_is_null(s_get(root, "tasks_overdue")));
    ck_assert(json_is_array(s_get(root, "without_live_agent")));
    ck_assert_uint_eq(json_array_size(s_get(root, "without_live_agent")), 0);
    o = json_array_get(s_get(root, "reported"), 0);
    ck_assert_int_eq(json_integer_value(s_get(o, "revision")), 1);
    ck_assert_uint_eq(json_array_size(s_get(o, "reported_by_parts")), 0);
    ck_assert(json_is_false(s_get(o, "partial")));
    o = json_array_get(s_get(root, "indicators"), 0);
    ck_assert(json_is_null(s_get(o, "source")));
    ck_assert(json_is_null(s_get(o, "units_covered")));
    ck_assert(json_is_null(s_get(o, "units_expected")));
    ck_assert(json_is_false(s_get(o, "partial")));
    ck_assert(json_is_null(s_get(o, "check")));
    json_decref(root);
}
END_TEST

START_TEST(status_text_marks_partial_and_names_who)
{
    static const size_t widths[] = {120, 100, 80, 72};
    s_summary x;
    td_registry_t *reg = s_registry();
    s_mem m;
    char *lines[96];
    const char *row;
    size_t n, head;

    s_summary_init(&x);
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
        answer_style style = {0, widths[w], 0};
        s_mem_open(&m);
        ck_assert_int_eq(answer_status_text(m.f, &x.s, reg, &style), TD_OK);
        s_mem_text(&m);
        n = s_lines(m.buf, lines, 96);
        for (size_t i = 0; i < n; i++)
            ck_assert_msg(term_width(lines[i]) <= widths[w], "%zu columns: '%s'", widths[w],
                          lines[i]);
        ck_assert_str_eq(lines[1], "Provinces reported: 2 of 34 (5.9 %; 1 partial)    revisions "
                                   "stored: 3");
        /* The partial figure is marked, and the footnote says what it covers, once. */
        head = s_index_of(lines, n, "Indicators (nation)") + 1;
        row = s_line_with(lines, n, "T01 ");
        ck_assert_ptr_nonnull(strstr(row, "62.3 %*"));
        ck_assert_uint_eq(s_column_of(row, "62.3 %*") + term_width("62.3 %*"),
                          s_column_of(lines[head], "Value") + term_width("Value"));
        ck_assert_str_eq(lines[head + 4], "* partial: covers 2 of 34 provinces");
        for (size_t i = 0, seen = 0; i < n; i++)
            ck_assert_uint_le(seen += strncmp(lines[i], "* partial", 9) == 0, 1);
        /* Coverage beside the value where the line has room for it (and a 12-column name). */
        if (widths[w] >= 80) {
            ck_assert_ptr_nonnull(strstr(lines[head], "Covers"));
            ck_assert_ptr_nonnull(strstr(row, " 2/34 "));
            ck_assert_ptr_nonnull(strstr(s_line_with(lines, n, "T02 "), " 0/34 "));
        } else {
            ck_assert_ptr_null(strstr(lines[head], "Covers"));
        }
        /* Who: missing, through the merged provinces, no live agent, overdue tasks (on
         * lines of their own when the line is wide enough). */
        ck_assert_ptr_nonnull(strstr(s_line_with(lines, n, "Hồ Chí"), "Minh (through 74; "
                                                                      "partial)"));
        if (widths[w] < 100) {
            free(m.buf);
            continue;
        }
        ck_assert_str_eq(lines[n - 4], "Not reported yet (1): 04 Cao Bằng");
        ck_assert_str_eq(lines[n - 3], "Reported through their merged provinces (1): 79 Hồ Chí "
                                       "Minh (through 74; partial)");
        ck_assert_str_eq(lines[n - 2], "No live agent (2): 04 Cao Bằng, 48 Đà Nẵng");
        ck_assert_str_eq(lines[n - 1],
                         "Overdue action-plan tasks: 2 (tiendo tasks --status overdue)");
        free(m.buf);
    }

    /* Every part reported: not partial; a unit with its own report is not "through". */
    x.units[1].partial = 0;
    x.parts[0] = "74";
    x.s.tasks_overdue = 0;
    x.s.n_without_live_agent = 0;
    {
        answer_style style = {0, 100, 0};
        s_mem_open(&m);
        ck_assert_int_eq(answer_status_text(m.f, &x.s, reg, &style), TD_OK);
        s_mem_text(&m);
        n = s_lines(m.buf, lines, 96);
        ck_assert_str_eq(lines[n - 2], "Reported through their merged provinces (1): 79 Hồ Chí "
                                       "Minh (through 74)");
        ck_assert_str_eq(lines[n - 1], "Overdue action-plan tasks: 0");
        ck_assert_ptr_null(strstr(m.buf, "No live agent"));
        free(m.buf);
    }
    td_registry_close(&reg);
}
END_TEST

/* The same summary in Vietnamese: the partial mark's footnote, the lists of who. */
START_TEST(status_text_partial_and_who_in_vietnamese)
{
    s_summary x;
    td_registry_t *reg = s_registry();
    answer_style style = {0, 120, 0};
    s_mem m;
    char *lines[96];
    const char *row;
    size_t n, head;

    s_summary_init(&x);
    s_language(TD_LANG_VI);
    s_mem_open(&m);
    ck_assert_int_eq(answer_status_text(m.f, &x.s, reg, &style), TD_OK);
    s_mem_text(&m);
    s_language(TD_LANG_EN);
    n = s_lines(m.buf, lines, 96);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(term_width(lines[i]) <= 120, "'%s'", lines[i]);
    ck_assert_str_eq(lines[1], "Số tỉnh đã báo cáo: 2/34 (5,9 %; 1 báo cáo một phần)    số phiên "
                               "bản đã lưu: 3");
    head = s_index_of(lines, n, "Chỉ tiêu (toàn quốc)") + 1;
    ck_assert_ptr_nonnull(strstr(lines[head], "Có số liệu"));
    row = s_line_with(lines, n, "T01 ");
    ck_assert_ptr_nonnull(strstr(row, "62,3 %*"));
    ck_assert_ptr_nonnull(strstr(row, " 2/34 "));
    ck_assert_uint_eq(s_column_of(row, "62,3 %*") + term_width("62,3 %*"),
                      s_column_of(lines[head], "Giá trị") + term_width("Giá trị"));
    ck_assert_str_eq(lines[head + 4], "* chưa đầy đủ: mới có 2/34 tỉnh");
    ck_assert_str_eq(lines[n - 4], "Chưa báo cáo (1): 04 Cao Bằng");
    ck_assert_str_eq(lines[n - 3], "Đã báo cáo qua các tỉnh sáp nhập vào (1): 79 Hồ Chí Minh "
                                   "(qua 74; một phần)");
    ck_assert_str_eq(lines[n - 2],
                     "Không có trạm gửi báo cáo hoạt động (2): 04 Cao Bằng, 48 Đà Nẵng");
    ck_assert_str_eq(lines[n - 1], "Nhiệm vụ quá hạn trong kế hoạch hành động: 2 (tiendo tasks "
                                   "--status overdue)");
    free(m.buf);
    td_registry_close(&reg);
}
END_TEST

START_TEST(status_text_without_the_counting_fields_is_as_before)
{
    static const Tiendo__StatusSummary s_init = TIENDO__STATUS_SUMMARY__INIT;
    static const Tiendo__IndicatorValue i_init = TIENDO__INDICATOR_VALUE__INIT;
    Tiendo__StatusSummary s = s_init;
    Tiendo__IndicatorValue iv = i_init, *values[1] = {&iv};
    char *missing[1] = {"04"};
    answer_style style = {0, 100, 0};
    s_mem m;
    char *lines[64];
    size_t n;

    s.dataset = "nq06";
    s.period = "2026-Q3";
    s.units_expected = 34;
    s.units_reported = 33;
    s.n_missing = 1;
    s.missing = missing;
    iv.id = "T01";
    iv.unit = "%";
    iv.has_value = 1;
    iv.value = 42.7;
    s.n_indicators = 1;
    s.indicators = values;
    s_mem_open(&m);
    ck_assert_int_eq(answer_status_text(m.f, &s, NULL, &style), TD_OK);
    s_mem_text(&m);
    ck_assert_ptr_null(strstr(m.buf, "partial"));
    ck_assert_ptr_null(strstr(m.buf, "Covers"));
    ck_assert_ptr_null(strstr(m.buf, "42.7 %*"));
    ck_assert_ptr_null(strstr(m.buf, "live agent"));
    ck_assert_ptr_null(strstr(m.buf, "action-plan"));
    ck_assert_ptr_null(strstr(m.buf, "through"));
    n = s_lines(m.buf, lines, 64);
    ck_assert_str_eq(lines[1], "Provinces reported: 33 of 34 (97.1 %)    revisions stored: 0");
    ck_assert_str_eq(lines[n - 1], "Not reported yet (1): 04");
    free(m.buf);
}
END_TEST

/* ---- indicators ---- */

/* 2026-Q3 by province: the nation from 2 of 34 (partial); Hà Nội's own figure with its 5 of
 * 6 communes' sum as a check; Hồ Chí Minh City from 3 of its 4 wards (partial). */
typedef struct {
    Tiendo__IndicatorTable t;
    Tiendo__IndicatorScope scopes[3];
    Tiendo__IndicatorScope *scope_ptrs[3];
    Tiendo__IndicatorValue values[3][2];
    Tiendo__IndicatorValue *value_ptrs[3][2];
} s_table;

static void s_table_init(s_table *x)
{
    static const Tiendo__IndicatorTable t_init = TIENDO__INDICATOR_TABLE__INIT;
    static const Tiendo__IndicatorScope sc_init = TIENDO__INDICATOR_SCOPE__INIT;
    static const char *const codes[3] = {"VN", "01", "79"};
    static const char *const names[3] = {"Việt Nam", "Hà Nội", "Hồ Chí Minh"};
    static const uint32_t reports[3] = {10, 6, 4};

    memset(x, 0, sizeof *x);
    s_value(&x->values[0][0], "T01", 5900000, 9470000, "parts", 2, 34, 1);
    s_value(&x->values[1][0], "T01", 5000000, 8500000, "own", 1, 1, 0);
    s_check(&x->values[1][0], 710000, 950000, 5, 6);
    s_value(&x->values[2][0], "T01", 900000, 970000, "parts", 3, 4, 1);
    for (size_t i = 0; i < 3; i++) {
        s_value(&x->values[i][1], "T02", -1, 0, NULL, 0, i == 0 ? 34 : 1, 0);
        x->value_ptrs[i][0] = &x->values[i][0];
        x->value_ptrs[i][1] = &x->values[i][1];
        x->scopes[i] = sc_init;
        x->scopes[i].scope = (char *) codes[i];
        x->scopes[i].name = (char *) names[i];
        x->scopes[i].reports = reports[i];
        x->scopes[i].n_values = 2;
        x->scopes[i].values = x->value_ptrs[i];
        x->scope_ptrs[i] = &x->scopes[i];
    }
    x->t = t_init;
    x->t.dataset = "nq06";
    x->t.period = "2026-Q3";
    x->t.level = "province";
    x->t.n_scopes = 3;
    x->t.scopes = x->scope_ptrs;
}

static json_t *s_scope_t01(json_t *root, size_t scope)
{
    return json_array_get(s_get(json_array_get(s_get(root, "scopes"), scope), "indicators"), 0);
}

START_TEST(indicators_json_own_figure_with_its_check)
{
    static const char *const check_keys[] = {"value", "numerator", "denominator", "units_covered",
                                             "units_expected"};
    s_table x;
    s_mem m;
    json_t *root, *o, *c;

    s_table_init(&x);
    s_mem_open(&m);
    ck_assert_int_eq(answer_indicators_json(m.f, &x.t, NULL), TD_OK);
    root = s_mem_json(&m);
    o = s_scope_t01(root, 1); /* Hà Nội: its own report counts each person once */
    ck_assert_str_eq(json_string_value(s_get(o, "source")), "own");
    ck_assert_double_eq_tol(json_real_value(s_get(o, "numerator")), 5000000.0, 1e-6);
    ck_assert_double_eq_tol(json_real_value(s_get(o, "denominator")), 8500000.0, 1e-6);
    ck_assert(json_is_false(s_get(o, "partial")));
    c = s_get(o, "check");
    s_assert_keys(c, check_keys, 5);
    ck_assert_double_eq_tol(json_real_value(s_get(c, "value")), 100.0 * 710000 / 950000, 1e-9);
    ck_assert_double_eq_tol(json_real_value(s_get(c, "numerator")), 710000.0, 1e-6);
    ck_assert_double_eq_tol(json_real_value(s_get(c, "denominator")), 950000.0, 1e-6);
    ck_assert_int_eq(json_integer_value(s_get(c, "units_covered")), 5);
    ck_assert_int_eq(json_integer_value(s_get(c, "units_expected")), 6);
    o = s_scope_t01(root, 2); /* Hồ Chí Minh City: its wards' sum stands for it */
    ck_assert_str_eq(json_string_value(s_get(o, "source")), "parts");
    ck_assert_int_eq(json_integer_value(s_get(o, "units_covered")), 3);
    ck_assert_int_eq(json_integer_value(s_get(o, "units_expected")), 4);
    ck_assert(json_is_true(s_get(o, "partial")));
    ck_assert(json_is_null(s_get(o, "check")));
    json_decref(root);
}
END_TEST

START_TEST(indicators_province_text_marks_partial_and_shows_checks)
{
    s_table x;
    answer_style style = {0, 100, 0};
    s_mem m;
    char *lines[64];
    const char *row;
    size_t n, head, checks;

    s_table_init(&x);
    s_mem_open(&m);
    ck_assert_int_eq(answer_indicators_text(m.f, &x.t, NULL, &style), TD_OK);
    s_mem_text(&m);
    n = s_lines(m.buf, lines, 64);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(term_width(lines[i]) <= 100, "'%s'", lines[i]);
    head = s_index_of(lines, n, "Reports");
    ck_assert_ptr_nonnull(strstr(lines[head + 2], "62.3*")); /* VN: 2 of 34 */
    ck_assert_ptr_nonnull(strstr(lines[head + 3], "58.8 ")); /* 01: own, complete */
    ck_assert_ptr_null(strstr(lines[head + 3], "*"));
    ck_assert_ptr_nonnull(strstr(lines[head + 4], "92.8*")); /* 79: 3 of 4 wards */
    ck_assert_uint_eq(s_column_of(lines[head + 4], "92.8*") + 5,
                      s_column_of(lines[head], "T01") + 3);
    ck_assert_str_eq(s_line_with(lines, n, "* partial"),
                     "* partial: covers only some of its parts: VN T01 2 of 34, 79 T01 3 of 4");
    /* The check beside Hà Nội's own figure: its communes' sum and their count. */
    checks = s_index_of(lines, n, "Own figures beside their parts' sum");
    ck_assert_ptr_nonnull(strstr(lines[checks + 1], "Parts' sum"));
    ck_assert_uint_eq(strspn(lines[checks + 2], "- "), strlen(lines[checks + 2]));
    row = lines[checks + 3];
    ck_assert_msg(strncmp(row, "01  ", 4) == 0, "%s", row);
    ck_assert_ptr_nonnull(strstr(row, "Hà Nội"));
    ck_assert_ptr_nonnull(strstr(row, "T01"));
    ck_assert_ptr_nonnull(strstr(row, "58.8"));
    ck_assert_ptr_nonnull(strstr(row, "74.7 (5/6)"));
    ck_assert_ptr_nonnull(strstr(row, "+15.9"));
    ck_assert_uint_eq(checks + 4, n); /* one check only */
    free(m.buf);

    /* Several figures of a scope that cover the same: one entry. */
    s_value(&x.values[0][1], "T02", 100, 4000, "parts", 2, 34, 1);
    s_mem_open(&m);
    ck_assert_int_eq(answer_indicators_text(m.f, &x.t, NULL, &style), TD_OK);
    s_mem_text(&m);
    n = s_lines(m.buf, lines, 64);
    ck_assert_str_eq(s_line_with(lines, n, "* partial"),
                     "* partial: covers only some of its parts: VN 2 of 34 (2 indicators), 79 T01 "
                     "3 of 4");
    free(m.buf);
    s_value(&x.values[0][1], "T02", -1, 0, NULL, 0, 34, 0);

    /* Without coverage, checks or partial flags: the matrix as before, nothing added. */
    for (size_t i = 0; i < 3; i++)
        for (size_t v = 0; v < 2; v++) {
            Tiendo__IndicatorValue *iv = &x.values[i][v];
            iv->source = NULL;
            iv->has_partial = iv->has_units_covered = iv->has_units_expected = 0;
            iv->has_check_value = iv->has_check_numerator = iv->has_check_denominator = 0;
            iv->has_check_covered = iv->has_check_expected = 0;
        }
    s_mem_open(&m);
    ck_assert_int_eq(answer_indicators_text(m.f, &x.t, NULL, &style), TD_OK);
    s_mem_text(&m);
    ck_assert_ptr_null(strstr(m.buf, "*"));
    ck_assert_ptr_null(strstr(m.buf, "partial"));
    ck_assert_ptr_null(strstr(m.buf, "Own figures"));
    n = s_lines(m.buf, lines, 64);
    ck_assert_uint_eq(strncmp(lines[n - 1], "Values to one decimal", 21), 0);
    free(m.buf);
}
END_TEST

START_TEST(indicators_nation_text_footnote_lists_different_coverages)
{
    s_table x;
    answer_style style = {0, 100, 0};
    s_mem m;
    char *lines[64];
    size_t n;

    s_table_init(&x);
    /* T02 from 30 of 34, T01 from 2 of 34: the footnote names each; T01 of a scope that
     * covers all its parts but one of them only in part. */
    s_value(&x.values[0][1], "T02", 100, 4000, "parts", 30, 34, 1);
    x.t.level = "nation";
    x.t.n_scopes = 1;
    s_mem_open(&m);
    ck_assert_int_eq(answer_indicators_text(m.f, &x.t, NULL, &style), TD_OK);
    s_mem_text(&m);
    n = s_lines(m.buf, lines, 64);
    ck_assert_ptr_nonnull(strstr(s_line_with(lines, n, "T02 "), "2.50 %*"));
    ck_assert_ptr_nonnull(strstr(s_line_with(lines, n, "T02 "), "30/34"));
    ck_assert_str_eq(s_line_with(lines, n, "* partial"),
                     "* partial: covers only some of its provinces: T01 2 of 34, T02 30 of 34");
    free(m.buf);

    x.values[0][0].units_covered = 34;
    x.values[0][1].partial = 0;
    s_mem_open(&m);
    ck_assert_int_eq(answer_indicators_text(m.f, &x.t, NULL, &style), TD_OK);
    s_mem_text(&m);
    n = s_lines(m.buf, lines, 64);
    ck_assert_str_eq(s_line_with(lines, n, "* partial"),
                     "* partial: covers only some of its provinces: T01 34 of 34, a part in part");
    free(m.buf);
}
END_TEST

/* ---- units ---- */

START_TEST(units_overdue_tasks_in_json_and_table)
{
    static const Tiendo__UnitList l_init = TIENDO__UNIT_LIST__INIT;
    static const Tiendo__UnitRow r_init = TIENDO__UNIT_ROW__INIT;
    Tiendo__UnitRow rows[3] = {r_init, r_init, r_init}, *ptrs[3] = {&rows[0], &rows[1], &rows[2]};
    Tiendo__UnitList list = l_init;
    answer_style style = {0, 80, 0};
    s_mem m;
    json_t *root, *units;
    char *lines[16];
    size_t n;

    rows[0].unit = "01";
    rows[0].name = "Hà Nội";
    rows[0].status = "on_time";
    rows[0].has_tasks_overdue = 1;
    rows[0].tasks_overdue = 1;
    rows[1].unit = "48";
    rows[1].name = "Đà Nẵng";
    rows[1].status = "overdue";
    rows[1].has_tasks_overdue = 1; /* 0 overdue tasks: said, so 0 */
    rows[2].unit = "79";
    rows[2].name = "Hồ Chí Minh";
    rows[2].status = "late"; /* no count: unknown */
    list.dataset = "nq06";
    list.period = "2026-Q3";
    list.n_units = 3;
    list.units = ptrs;

    s_mem_open(&m);
    ck_assert_int_eq(answer_units_json(m.f, &list), TD_OK);
    root = s_mem_json(&m);
    units = s_get(root, "units");
    ck_assert_int_eq(json_integer_value(s_get(json_array_get(units, 0), "tasks_overdue")), 1);
    ck_assert(json_is_integer(s_get(json_array_get(units, 1), "tasks_overdue")));
    ck_assert_int_eq(json_integer_value(s_get(json_array_get(units, 1), "tasks_overdue")), 0);
    ck_assert(json_is_null(s_get(json_array_get(units, 2), "tasks_overdue")));
    json_decref(root);

    s_mem_open(&m);
    ck_assert_int_eq(answer_units_text(m.f, &list, "Units", &style), TD_OK);
    s_mem_text(&m);
    n = s_lines(m.buf, lines, 16);
    ck_assert_uint_eq(n, 7);
    ck_assert_ptr_nonnull(strstr(lines[1], "Overdue tasks"));
    for (size_t i = 1; i < 6; i++) {
        ck_assert_uint_le(term_width(lines[i]), 80);
        ck_assert_uint_eq(term_width(lines[i]), term_width(lines[1]));
    }
    /* Right-aligned under the title; "—" where the collector did not count. */
    ck_assert_msg(s_ends_with(lines[3], "  1"), "'%s'", lines[3]);
    ck_assert_msg(s_ends_with(lines[4], "  0"), "'%s'", lines[4]);
    ck_assert_msg(s_ends_with(lines[5], "  \xE2\x80\x94"), "'%s'", lines[5]);
    free(m.buf);

    /* `tiendo unit` starts from the same row: tasks_overdue before valid_from. */
    {
        static const Tiendo__UnitDetail d_init = TIENDO__UNIT_DETAIL__INIT;
        Tiendo__UnitDetail d = d_init;
        const char *key, *before = NULL;
        json_t *v;
        d.row = &rows[0];
        s_mem_open(&m);
        ck_assert_int_eq(answer_unit_json(m.f, &d), TD_OK);
        root = s_mem_json(&m);
        json_object_foreach(root, key, v)
        {
            (void) v;
            if (strcmp(key, "valid_from") == 0)
                break;
            before = key;
        }
        ck_assert_str_eq(before, "tasks_overdue");
        ck_assert_int_eq(json_integer_value(s_get(root, "tasks_overdue")), 1);
        json_decref(root);
    }
}
END_TEST

/* ---- agents ---- */

typedef struct {
    Tiendo__AgentList list;
    Tiendo__AgentInfo agents[6];
    Tiendo__AgentInfo *ptrs[6];
    Tiendo__Heartbeat hb;
} s_offices;

enum { S_NOW = 1795167000 }; /* seconds; the collector's clock */

static void s_office(Tiendo__AgentInfo *a, const char *key, const char *name, const char *role,
                     const char *scope, int enrolled, const char *state, int64_t seen_ago_s)
{
    static const Tiendo__AgentInfo init = TIENDO__AGENT_INFO__INIT;
    *a = init;
    a->public_key = (char *) key;
    a->name = (char *) name;
    a->role = (char *) role;
    a->scope = (char *) scope;
    a->has_enrolled = 1;
    a->enrolled = enrolled;
    a->state = (char *) state;
    if (seen_ago_s >= 0) {
        a->has_last_seen_ms = 1;
        a->last_seen_ms = ((int64_t) S_NOW - seen_ago_s) * 1000;
    }
}

/* Hà Nội connected, Huế silent for 2 h 5 min, Đà Nẵng enrolled but never started, an old
 * office revoked, the ministry's workstation (a query key). */
static void s_offices_init(s_offices *x)
{
    static const Tiendo__AgentList l_init = TIENDO__AGENT_LIST__INIT;
    static const Tiendo__Heartbeat h_init = TIENDO__HEARTBEAT__INIT;

    memset(x, 0, sizeof *x);
    s_office(&x->agents[0], "hnhnhnhnhnhnhnhnhnhnhnhnhnhnhnhnhnhnhnhn", "Sở Xây dựng Hà Nội",
             "agent", "01/*", 1, "connected", 3);
    x->hb = h_init;
    x->hb.agent_version = "0.2.0";
    x->hb.has_outbox_depth = 1;
    x->agents[0].last_heartbeat = &x->hb;
    x->agents[0].has_last_heartbeat_ms = 1;
    x->agents[0].last_heartbeat_ms = ((int64_t) S_NOW - 3) * 1000;
    s_office(&x->agents[1], "huhuhuhuhuhuhuhuhuhuhuhuhuhuhuhuhuhuhuhu", "Sở Xây dựng Huế", "agent",
             "46/*", 1, "silent", 2 * 3600 + 5 * 60);
    s_office(&x->agents[2], "dndndndndndndndndndndndndndndndndndndndn", "Sở Xây dựng Đà Nẵng",
             "agent", "48/*", 1, "never_connected", -1);
    s_office(&x->agents[3], "ololololololololololololololololololol", NULL, NULL, NULL, 0,
             "revoked", 86400);
    s_office(&x->agents[4], "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm", "Bộ Xây dựng", "query", "*",
             1, "never_connected", -1);
    x->list = l_init;
    for (size_t i = 0; i < 5; i++)
        x->ptrs[i] = &x->agents[i];
    x->list.n_agents = 5;
    x->list.agents = x->ptrs;
    x->list.has_silent_after_ms = 1;
    x->list.silent_after_ms = 600000;
    x->list.has_now_ms = 1;
    x->list.now_ms = (int64_t) S_NOW * 1000;
}

START_TEST(agents_json_every_office_named)
{
    static const char *const keys[] = {CLI_AGENT_KEYS};
    s_offices x;
    s_mem m;
    json_t *root, *o;
    const char *key, *last = NULL;
    json_t *v;

    s_offices_init(&x);
    s_mem_open(&m);
    ck_assert_int_eq(answer_agents_json(m.f, &x.list), TD_OK);
    root = s_mem_json(&m);
    json_object_foreach(root, key, v)
    {
        (void) v;
        last = key;
    }
    ck_assert_str_eq(last, "silent_after_seconds");
    ck_assert(json_is_integer(s_get(root, "silent_after_seconds")));
    ck_assert_int_eq(json_integer_value(s_get(root, "silent_after_seconds")), 600);
    ck_assert_uint_eq(json_array_size(s_get(root, "agents")), 5);
    o = json_array_get(s_get(root, "agents"), 0);
    s_assert_keys(o, keys, S_COUNT(keys));
    ck_assert_str_eq(json_string_value(s_get(o, "name")), "Sở Xây dựng Hà Nội");
    ck_assert_str_eq(json_string_value(s_get(o, "role")), "agent");
    ck_assert_str_eq(json_string_value(s_get(o, "scope")), "01/*");
    ck_assert(json_is_true(s_get(o, "enrolled")));
    ck_assert_str_eq(json_string_value(s_get(o, "state")), "connected");
    o = json_array_get(s_get(root, "agents"), 2); /* enrolled, never connected: null times */
    ck_assert_str_eq(json_string_value(s_get(o, "state")), "never_connected");
    ck_assert(json_is_null(s_get(o, "last_seen")));
    ck_assert(json_is_null(s_get(o, "last_heartbeat")));
    ck_assert(json_is_true(s_get(o, "enrolled")));
    o = json_array_get(s_get(root, "agents"), 3); /* revoked, nameless */
    ck_assert(json_is_false(s_get(o, "enrolled")));
    ck_assert_str_eq(json_string_value(s_get(o, "state")), "revoked");
    ck_assert(json_is_null(s_get(o, "name")));
    ck_assert(json_is_null(s_get(o, "scope")));
    json_decref(root);

    /* A threshold that is not whole seconds keeps its milliseconds; none sent: null. */
    x.list.silent_after_ms = 1500;
    s_mem_open(&m);
    ck_assert_int_eq(answer_agents_json(m.f, &x.list), TD_OK);
    root = s_mem_json(&m);
    ck_assert_double_eq_tol(json_real_value(s_get(root, "silent_after_seconds")), 1.5, 1e-12);
    json_decref(root);
    x.list.has_silent_after_ms = 0;
    x.agents[0].has_enrolled = 0;
    x.agents[0].state = NULL;
    s_mem_open(&m);
    ck_assert_int_eq(answer_agents_json(m.f, &x.list), TD_OK);
    root = s_mem_json(&m);
    ck_assert(json_is_null(s_get(root, "silent_after_seconds")));
    ck_assert(json_is_null(s_get(json_array_get(s_get(root, "agents"), 0), "enrolled")));
    ck_assert(json_is_null(s_get(json_array_get(s_get(root, "agents"), 0), "state")));
    json_decref(root);
}
END_TEST

START_TEST(agents_text_states_in_words)
{
    s_offices x;
    answer_style plain = {0, 120, 0}, colour = {1, 120, 0};
    s_mem m;
    char *lines[16];
    size_t n;
    const char *row;

    s_offices_init(&x);
    /* The local clock is a day off: ages are on the collector's. */
    s_mem_open(&m);
    ck_assert_int_eq(answer_agents_text(m.f, &x.list, ((int64_t) S_NOW + 86400) * 1000, &plain),
                     TD_OK);
    s_mem_text(&m);
    ck_assert_ptr_null(strchr(m.buf, 0x1b));
    n = s_lines(m.buf, lines, 16);
    ck_assert_uint_eq(n, 9); /* 2 heading lines, header, dashes, 5 rows */
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(term_width(lines[i]) <= 120, "'%s'", lines[i]);
    ck_assert_uint_le(term_width(lines[2]), 100);
    ck_assert_str_eq(lines[0], "Agents known to the collector: 5 (1 connected, 1 silent, 1 never "
                               "connected, 1 revoked, 1 query key)");
    ck_assert_str_eq(lines[1], "An agent is silent after 10 min without contact.");
    ck_assert_ptr_nonnull(strstr(lines[2], "Name"));
    ck_assert_ptr_nonnull(strstr(lines[2], "Scope"));
    ck_assert_ptr_nonnull(strstr(lines[2], "State"));
    ck_assert_ptr_nonnull(strstr(lines[2], "Last contact"));
    for (size_t i = 2; i < n; i++)
        ck_assert_uint_eq(term_width(lines[i]), term_width(lines[2]));
    row = s_line_with(lines, n, "Hà Nội");
    ck_assert_ptr_nonnull(strstr(row, "01/*"));
    ck_assert_ptr_nonnull(strstr(row, " connected "));
    ck_assert_ptr_nonnull(strstr(row, "3 s ago"));
    ck_assert_ptr_null(strstr(row, "0.2.0"));                 /* the version: --json only */
    ck_assert_ptr_nonnull(strstr(row, "Sở Xây dựng Hà Nội")); /* the whole name */
    ck_assert_ptr_null(strstr(row, "hnhnhnhnhnhn"));          /* named: the key is in --json */
    ck_assert_uint_eq(s_column_of(row, "connected"), s_column_of(lines[2], "State"));
    row = s_line_with(lines, n, "Huế");
    ck_assert_ptr_nonnull(strstr(row, "silent for 2 h 5 min"));
    ck_assert_ptr_nonnull(strstr(row, "2 h 5 min ago"));
    row = s_line_with(lines, n, "Đà Nẵng");
    ck_assert_ptr_nonnull(strstr(row, "never connected"));
    ck_assert_ptr_nonnull(strstr(row, " never "));
    row = s_line_with(lines, n, "olololololol..."); /* no name: its key */
    ck_assert_ptr_nonnull(strstr(row, "revoked"));
    ck_assert_ptr_nonnull(strstr(row, "1 d ago"));
    row = s_line_with(lines, n, "Bộ Xây dựng");
    ck_assert_ptr_nonnull(strstr(row, "query key"));
    ck_assert_ptr_null(strstr(row, "never connected")); /* a workstation, not an office */
    free(m.buf);

    /* Colours add to the words; they never replace them. */
    s_mem_open(&m);
    ck_assert_int_eq(answer_agents_text(m.f, &x.list, 0, &colour), TD_OK);
    s_mem_text(&m);
    ck_assert_ptr_nonnull(strstr(m.buf, "\x1b[33msilent for 2 h 5 min"));
    ck_assert_ptr_nonnull(strstr(m.buf, "\x1b[33mnever connected"));
    free(m.buf);

    /* A collector without the new fields: no counts, "—" for name and state. */
    for (size_t i = 0; i < 5; i++) {
        x.agents[i].name = x.agents[i].role = x.agents[i].scope = x.agents[i].state = NULL;
        x.agents[i].has_enrolled = 0;
    }
    x.list.has_silent_after_ms = x.list.has_now_ms = 0;
    s_mem_open(&m);
    ck_assert_int_eq(answer_agents_text(m.f, &x.list, (int64_t) S_NOW * 1000, &plain), TD_OK);
    s_mem_text(&m);
    n = s_lines(m.buf, lines, 16);
    ck_assert_uint_eq(n, 8);
    ck_assert_str_eq(lines[0], "Agents known to the collector: 5");
    ck_assert_ptr_nonnull(strstr(s_line_with(lines, n, "hnhnhnhnhnhn..."), "3 s ago"));
    free(m.buf);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("answers_counting");
    TCase *status = tcase_create("status");
    TCase *indicators = tcase_create("indicators");
    TCase *units = tcase_create("units");
    TCase *agents = tcase_create("agents");

    tcase_add_test(status, status_json_counts_once_and_says_what_it_covers);
    tcase_add_test(status, status_json_from_a_collector_without_the_counting_fields);
    tcase_add_test(status, status_text_marks_partial_and_names_who);
    tcase_add_test(status, status_text_partial_and_who_in_vietnamese);
    tcase_add_test(status, status_text_without_the_counting_fields_is_as_before);
    tcase_add_test(indicators, indicators_json_own_figure_with_its_check);
    tcase_add_test(indicators, indicators_province_text_marks_partial_and_shows_checks);
    tcase_add_test(indicators, indicators_nation_text_footnote_lists_different_coverages);
    tcase_add_test(units, units_overdue_tasks_in_json_and_table);
    tcase_add_test(agents, agents_json_every_office_named);
    tcase_add_test(agents, agents_text_states_in_words);
    suite_add_tcase(s, status);
    suite_add_tcase(s, indicators);
    suite_add_tcase(s, units);
    suite_add_tcase(s, agents);
    return s;
}

int main(void)
{
    return td_unit_run(s_suite());
}
