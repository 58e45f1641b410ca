/* test_report.c: the JSON report format, its errors, the template, validation and reportgen's
 * model. */
#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "i18n.h"
#include "registry.h"
#include "report.h"

/* reportgen's model (bench/reportgen.c) without its main(), to run it for every province. */
#define TIENDO_REPORTGEN_NO_MAIN
#include "../../bench/reportgen.c"
#include "unit_main.h"

static const char *const VALID =
    "{\n"
    "  \"unit\": \"01\",\n"
    "  \"dataset\": \"nq06\",\n"
    "  \"period\": \"2026-Q4\",\n"
    "  \"prepared_by\": \"Phòng Quản lý đô thị\",\n"
    "  \"prepared_at\": \"2026-11-20T09:00:00Z\",\n"
    "  \"task_groups\": [\n"
    "    {\"group\": 1, \"status\": \"completed\", \"progress\": 100, \"note\": \"Đã ban hành\"},\n"
    "    {\"group\": 2, \"status\": \"in_progress\", \"progress\": 62.5},\n"
    "    {\"group\": 3, \"status\": \"in_progress\", \"progress\": 40, \"note\": \"\"},\n"
    "    {\"group\": 4, \"status\": \"in_progress\", \"progress\": 33.3},\n"
    "    {\"group\": 5, \"status\": \"not_started\", \"progress\": 0},\n"
    "    {\"group\": 6, \"status\": \"in_progress\", \"progress\": 12}\n"
    "  ],\n"
    "  \"data\": {\n"
    "    \"urban_population\": 4120000,\n"
    "    \"total_population\": {\"value\": 8700000, \"comment\": \"ước tính\"},\n"
    "    \"urban_areas\": null,\n"
    "    \"natural_land_ha\": 335982.5\n"
    "  },\n"
    "  \"action_plan\": [\n"
    "    {\"id\": \"KH-01\", \"title\": \"Quy hoạch phân khu\", \"task_group\": 2,\n"
    "     \"owner\": \"Sở Xây dựng\", \"deadline\": \"2026-06-30\", \"status\": \"completed\",\n"
    "     \"completed_on\": \"2026-06-15\"},\n"
    "    {\"id\": \"KH-02\", \"title\": \"Nhà ở xã hội\", \"task_group\": 4,\n"
    "     \"owner\": \"Sở Xây dựng\", \"co_owners\": [\"Sở Tài chính\", \"UBND xã\"],\n"
    "     \"deadline\": \"2027-12-31\", \"status\": \"in_progress\",\n"
    "     \"expected_result\": \"2.000 căn hộ nhà ở xã hội\"}\n"
    "  ]\n"
    "}\n";

static td_registry_t *s_reg;

static void s_open_registry(void)
{
    char err[512] = "";

    ck_assert_msg(td_registry_open(&s_reg, TIENDO_SOURCE_DIR "/data", err, sizeof err) == TD_OK,
                  "registry: %s", err);
}

static void s_close_registry(void)
{
    td_registry_close(&s_reg);
}

/* VALID with the first occurrence of `from` replaced by `to` (caller frees). */
static char *s_edit(const char *from, const char *to)
{
    const char *at = strstr(VALID, from);
    size_t n;
    char *out;

    ck_assert_msg(at != NULL, "fixture has no '%s'", from);
    n = strlen(VALID) - strlen(from) + strlen(to);
    out = malloc(n + 1);
    ck_assert_ptr_nonnull(out);
    memcpy(out, VALID, (size_t) (at - VALID));
    strcpy(out + (at - VALID), to);
    strcat(out, at + strlen(from));
    return out;
}

static Tiendo__Report *s_parse_ok(const char *text)
{
    Tiendo__Report *r = NULL;
    char err[512] = "";
    td_err rc = td_report_from_json(text, strlen(text), &r, err, sizeof err);

    ck_assert_msg(rc == TD_OK, "from_json failed (%d): %s", rc, err);
    ck_assert_ptr_nonnull(r);
    return r;
}

/* from_json must fail with rc and a message containing `expect`. */
static void s_parse_fails(const char *text, size_t len, td_err expect_rc, const char *expect)
{
    Tiendo__Report *r = NULL;
    char err[512] = "";
    td_err rc = td_report_from_json(text, len, &r, err, sizeof err);

    ck_assert_msg(rc == expect_rc, "rc %d, expected %d (message: %s)", rc, expect_rc, err);
    ck_assert_ptr_null(r);
    ck_assert_msg(strstr(err, expect) != NULL, "message \"%s\" lacks \"%s\"", err, expect);
}

static void s_edit_fails(const char *from, const char *to, const char *expect)
{
    char *text = s_edit(from, to);

    s_parse_fails(text, strlen(text), TD_ERR_INVALID, expect);
    free(text);
}

/* validate must fail with a reason containing `expect`. */
static void s_invalid(const Tiendo__Report *r, const char *expect)
{
    char reason[512] = "";

    ck_assert_int_eq(td_report_validate(r, s_reg, reason, sizeof reason), TD_ERR_INVALID);
    ck_assert_msg(strstr(reason, expect) != NULL, "reason \"%s\" lacks \"%s\"", reason, expect);
}

static void s_valid(const Tiendo__Report *r)
{
    char reason[512] = "";
    td_err rc = td_report_validate(r, s_reg, reason, sizeof reason);

    ck_assert_msg(rc == TD_OK, "validate: %s", reason);
}

static int s_str_eq(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Same content, field by field. */
static void s_assert_same(const Tiendo__Report *a, const Tiendo__Report *b)
{
    ck_assert(s_str_eq(a->unit, b->unit));
    ck_assert(s_str_eq(a->dataset, b->dataset));
    ck_assert(s_str_eq(a->period, b->period));
    ck_assert(s_str_eq(a->prepared_by, b->prepared_by));
    ck_assert_int_eq(a->has_prepared_at, b->has_prepared_at);
    ck_assert_int_eq(a->prepared_at, b->prepared_at);
    ck_assert_uint_eq(a->n_task_groups, b->n_task_groups);
    for (size_t i = 0; i < a->n_task_groups; i++) {
        const Tiendo__TaskGroupProgress *x = a->task_groups[i], *y = b->task_groups[i];
        ck_assert_uint_eq(x->group, y->group);
        ck_assert_int_eq(x->status, y->status);
        ck_assert(x->progress_percent == y->progress_percent);
        ck_assert(s_str_eq(x->note, y->note));
    }
    ck_assert_uint_eq(a->n_values, b->n_values);
    for (size_t i = 0; i < a->n_values; i++) {
        ck_assert_str_eq(a->values[i]->element, b->values[i]->element);
        ck_assert(a->values[i]->value == b->values[i]->value);
        ck_assert(s_str_eq(a->values[i]->comment, b->values[i]->comment));
    }
    ck_assert_uint_eq(a->n_action_plan, b->n_action_plan);
    for (size_t i = 0; i < a->n_action_plan; i++) {
        const Tiendo__ActionTask *x = a->action_plan[i], *y = b->action_plan[i];
        ck_assert(s_str_eq(x->id, y->id));
        ck_assert(s_str_eq(x->title, y->title));
        ck_assert_uint_eq(x->task_group, y->task_group);
        ck_assert(s_str_eq(x->owner, y->owner));
        ck_assert(s_str_eq(x->deadline, y->deadline));
        ck_assert_int_eq(x->status, y->status);
        ck_assert(s_str_eq(x->completed_on, y->completed_on));
        ck_assert(s_str_eq(x->expected_result, y->expected_result));
        ck_assert_uint_eq(x->n_co_owners, y->n_co_owners);
        for (size_t k = 0; k < x->n_co_owners; k++)
            ck_assert(s_str_eq(x->co_owners[k], y->co_owners[k]));
    }
}

START_TEST(valid_report_parses)
{
    Tiendo__Report *r = s_parse_ok(VALID);

    ck_assert_str_eq(r->unit, "01");
    ck_assert_str_eq(r->dataset, "nq06");
    ck_assert_str_eq(r->period, "2026-Q4");
    ck_assert_str_eq(r->prepared_by, "Phòng Quản lý đô thị");
    ck_assert(r->has_prepared_at);
    ck_assert_int_eq(r->prepared_at, 1795165200); /* 2026-11-20T09:00:00Z */
    ck_assert_uint_eq(r->n_task_groups, 6);
    ck_assert_uint_eq(r->task_groups[0]->group, 1);
    ck_assert_int_eq(r->task_groups[0]->status, TIENDO__TASK_STATUS__TASK_COMPLETED);
    ck_assert(r->task_groups[0]->has_progress_percent &&
              r->task_groups[0]->progress_percent == 100);
    ck_assert_str_eq(r->task_groups[0]->note, "Đã ban hành");
    ck_assert(r->task_groups[1]->progress_percent == 62.5);
    ck_assert_ptr_null(r->task_groups[1]->note);
    ck_assert_int_eq(r->task_groups[4]->status, TIENDO__TASK_STATUS__TASK_NOT_STARTED);
    /* null means not reported: three values, in file order */
    ck_assert_uint_eq(r->n_values, 3);
    ck_assert_str_eq(r->values[0]->element, "urban_population");
    ck_assert(r->values[0]->has_value && r->values[0]->value == 4120000);
    ck_assert_str_eq(r->values[1]->element, "total_population");
    ck_assert(r->values[1]->value == 8700000);
    ck_assert_str_eq(r->values[1]->comment, "ước tính");
    ck_assert_str_eq(r->values[2]->element, "natural_land_ha");
    ck_assert(r->values[2]->value == 335982.5);
    ck_assert_uint_eq(r->n_action_plan, 2);
    ck_assert_str_eq(r->action_plan[0]->id, "KH-01");
    ck_assert_uint_eq(r->action_plan[0]->task_group, 2);
    ck_assert_str_eq(r->action_plan[0]->completed_on, "2026-06-15");
    ck_assert_int_eq(r->action_plan[1]->status, TIENDO__TASK_STATUS__TASK_IN_PROGRESS);
    ck_assert_str_eq(r->action_plan[1]->owner, "Sở Xây dựng");
    ck_assert_uint_eq(r->action_plan[1]->n_co_owners, 2);
    ck_assert_str_eq(r->action_plan[1]->co_owners[1], "UBND xã");
    ck_assert_str_eq(r->action_plan[1]->expected_result, "2.000 căn hộ nhà ở xã hội");
    ck_assert_ptr_null(r->action_plan[1]->completed_on);
    s_valid(r);
    td_report_free(&r);
    ck_assert_ptr_null(r);
}
END_TEST

START_TEST(round_trip_keeps_content)
{
    Tiendo__Report *a = s_parse_ok(VALID);
    char *text = td_report_to_json(a);
    Tiendo__Report *b;
    char *again;

    ck_assert_ptr_nonnull(text);
    ck_assert_ptr_nonnull(strstr(text, "\"prepared_at\": \"2026-11-20T09:00:00Z\""));
    ck_assert_ptr_nonnull(strstr(text, "\"progress\": 33.3")); /* not 33.299999999999997 */
    ck_assert_ptr_nonnull(strstr(text, "\"urban_population\": 4120000"));
    /* keys in the documented order */
    ck_assert(strstr(text, "\"unit\"") < strstr(text, "\"dataset\""));
    ck_assert(strstr(text, "\"prepared_at\"") < strstr(text, "\"task_groups\""));
    ck_assert(strstr(text, "\"task_groups\"") < strstr(text, "\"data\""));
    ck_assert(strstr(text, "\"data\"") < strstr(text, "\"action_plan\""));
    b = s_parse_ok(text);
    s_assert_same(a, b);
    again = td_report_to_json(b);
    ck_assert_str_eq(text, again);
    free(again);
    free(text);
    td_report_free(&a);
    td_report_free(&b);
}
END_TEST

START_TEST(defaults_fill_dataset_and_time)
{
    char *no_dataset = s_edit("  \"dataset\": \"nq06\",\n", "");
    char *text;
    Tiendo__Report *r;
    time_t before = time(NULL);

    text = strdup(no_dataset);
    free(no_dataset);
    {
        char *p = strstr(text, "  \"prepared_at\"");
        char *nl = strchr(p, '\n');
        memmove(p, nl + 1, strlen(nl + 1) + 1);
    }
    r = s_parse_ok(text);
    ck_assert_str_eq(r->dataset, TD_DEFAULT_DATASET);
    ck_assert(r->has_prepared_at);
    ck_assert_int_ge(r->prepared_at, before);
    ck_assert_int_le(r->prepared_at, time(NULL) + 1);
    td_report_free(&r);
    free(text);
}
END_TEST

START_TEST(errors_name_their_field)
{
    s_edit_fails("  \"unit\": \"01\",\n", "", "unit: missing");
    s_edit_fails("\"prepared_by\": \"Phòng Quản lý đô thị\",", "", "prepared_by: missing");
    s_edit_fails("2026-Q4", "2026-Q5",
                 "period: \"2026-Q5\" is not a period (expected e.g. 2026-Q3, 2026-M07, 2026-H2, "
                 "2026-9M, 2026)");
    s_edit_fails(
        "\"progress\": 0},\n    {\"group\": 6, \"status\": \"in_progress\", \"progress\": 12}\n",
        "\"progress\": 0}\n",
        "task_groups: must list each of the six task groups 1 to 6 once (found 5)");
    s_edit_fails("{\"group\": 6,", "{\"group\": 2,",
                 "task_groups[5].group: task group 2 is listed twice");
    s_edit_fails("\"progress\": 40", "\"progress\": 101",
                 "task_groups[2].progress: must be a number from 0 to 100");
    s_edit_fails("\"progress\": 40", "\"progress\": \"x\"",
                 "task_groups[2].progress: must be a number from 0 to 100");
    s_edit_fails("\"progress\": 40", "\"progress\": -0.5",
                 "task_groups[2].progress: must be a number from 0 to 100");
    s_edit_fails("{\"group\": 2,", "{\"group\": 7,",
                 "task_groups[1].group: must be a task group from 1 to 6");
    s_edit_fails("\"status\": \"not_started\"", "\"status\": \"done\"",
                 "task_groups[4].status: must be one of not_started, in_progress, completed");
    s_edit_fails("4120000", "-1", "data.urban_population: must be a non-negative number or null");
    s_edit_fails("4120000", "\"many\"",
                 "data.urban_population: must be a non-negative number or null");
    s_edit_fails("{\"value\": 8700000,", "{\"value\": -3,",
                 "data.total_population.value: must be a non-negative number");
    s_edit_fails("\"comment\": \"ước tính\"", "\"comment\": \"x\", \"source\": \"y\"",
                 "data.total_population: unknown field 'source'");
    s_edit_fails("  \"unit\": \"01\",\n", "  \"unit\": \"01\",\n  \"colour\": \"red\",\n",
                 "unknown field 'colour'");
    s_edit_fails("{\"group\": 5,", "{\"group\": 5, \"weight\": 2,",
                 "task_groups[4]: unknown field 'weight'");
    s_edit_fails("\"deadline\": \"2027-12-31\"", "\"deadline\": \"2027-02-30\"",
                 "action_plan[1].deadline: must be a date YYYY-MM-DD");
    s_edit_fails("\"status\": \"in_progress\",\n",
                 "\"status\": \"in_progress\", \"completed_on\": \"2026-01-01\",\n",
                 "action_plan[1].completed_on: only allowed when status is completed");
    s_edit_fails("\"id\": \"KH-02\"", "\"id\": \"KH-01\"",
                 "action_plan[1].id: \"KH-01\" is used twice");
    s_edit_fails("\"co_owners\": [\"Sở Tài chính\", \"UBND xã\"]",
                 "\"co_owners\": \"Sở Tài chính\"",
                 "action_plan[1].co_owners: must be a list of at most 10 names");
    s_edit_fails("\"task_group\": 4", "\"task_group\": 0",
                 "action_plan[1].task_group: must be a task group from 1 to 6");
    s_edit_fails("2026-11-20T09:00:00Z", "2026-11-20T16:00:00+07:00",
                 "prepared_at: must be a UTC time such as 2026-11-20T09:00:00Z");
    s_edit_fails("\"dataset\": \"nq06\"", "\"dataset\": \"NQ 06\"",
                 "dataset: \"NQ 06\" must be 1 to 16");
    s_edit_fails("\"unit\": \"01\"", "\"unit\": 1", "unit: must be a string");
    s_edit_fails("\"urban_areas\": null", "\"Urban Areas\": 3",
                 "data: \"Urban Areas\" is not a data element name");
    {
        const char *t = "{\"unit\": \"01\", \"period\": \"2026\", \"prepared_by\": \"x\", "
                        "\"task_groups\": 6}";
        s_parse_fails(t, strlen(t), TD_ERR_INVALID, "task_groups: must be an array");
    }
}
END_TEST

START_TEST(json_level_errors_name_their_field)
{
    char *text;

    /* duplicate keys: top level and nested */
    text = s_edit("  \"dataset\": \"nq06\",\n", "  \"unit\": \"02\",\n");
    s_parse_fails(text, strlen(text), TD_ERR_DECODE, "unit: the field appears twice (line 3");
    free(text);
    text = s_edit("{\"group\": 3,", "{\"group\": 3, \"group\": 4,");
    s_parse_fails(text, strlen(text), TD_ERR_DECODE,
                  "task_groups[2].group: the field appears twice");
    free(text);

    /* invalid UTF-8 inside a value */
    text = s_edit("Phòng", "Ph\xff\xfeng");
    s_parse_fails(text, strlen(text), TD_ERR_DECODE, "prepared_by: invalid UTF-8 at line 5");
    free(text);
    /* an overlong encoding of '/' is not UTF-8 either */
    text = s_edit("Đã ban hành", "a\xc0\xaf"
                                 "b");
    s_parse_fails(text, strlen(text), TD_ERR_DECODE, "task_groups[0].note: invalid UTF-8");
    free(text);

    /* plain syntax errors report line and column */
    text = s_edit("\"period\": \"2026-Q4\",", "\"period\" \"2026-Q4\",");
    s_parse_fails(text, strlen(text), TD_ERR_DECODE, "JSON syntax error at line 4, column");
    free(text);
    s_parse_fails("", 0, TD_ERR_DECODE, "JSON syntax error at line 1");
    /* NaN and Infinity are not JSON: they cannot reach a report through a file */
    text = s_edit("4120000", "NaN");
    s_parse_fails(text, strlen(text), TD_ERR_DECODE,
                  "JSON syntax error at line 16, column 27 (in data.urban_population)");
    free(text);
    text = s_edit("4120000", "Infinity");
    s_parse_fails(text, strlen(text), TD_ERR_DECODE, "(in data.urban_population)");
    free(text);
    s_parse_fails("[1, 2]", 6, TD_ERR_INVALID, "must be a JSON object");
    s_parse_fails("{\"a\": 1e999}", 12, TD_ERR_DECODE, "a: number out of range");
}
END_TEST

START_TEST(deep_nesting_is_refused_before_parsing)
{
    /* ten levels: {"unit": [[[[[[[[[ ]]]]]]]]]} */
    const char *deep = "{\"unit\": [[[[[[[[[1]]]]]]]]]}";
    /* eight levels are fine as far as depth goes (then unit is not a string) */
    const char *eight = "{\"unit\": [[[[[[[1]]]]]]]}";
    /* brackets inside strings do not count */
    char *quoted = s_edit("Phòng", "[[[[[[[[[[[[{{{{{{{{");
    Tiendo__Report *r = NULL;
    char err[512];
    char *huge;
    size_t n = 100000; /* 200 KB: under the size limit */

    s_parse_fails(deep, strlen(deep), TD_ERR_DECODE, "nested deeper than 8 levels");
    s_parse_fails(deep, strlen(deep), TD_ERR_DECODE, "unit[0][0][0][0][0][0]");
    s_parse_fails(eight, strlen(eight), TD_ERR_INVALID, "unit: must be a string");
    r = s_parse_ok(quoted);
    td_report_free(&r);
    free(quoted);

    /* far deeper than jansson's own limit: refused cheaply, no crash */
    huge = malloc(2 * n + 1);
    ck_assert_ptr_nonnull(huge);
    memset(huge, '[', n);
    memset(huge + n, ']', n);
    huge[2 * n] = '\0';
    ck_assert_int_eq(td_report_from_json(huge, 2 * n, &r, err, sizeof err), TD_ERR_DECODE);
    ck_assert_ptr_nonnull(strstr(err, "deeper than 8"));
    free(huge);
}
END_TEST

START_TEST(oversized_input_is_refused)
{
    size_t n = TD_MAX_REPORT_JSON + 1;
    char *text = malloc(n);
    Tiendo__Report *r = NULL;
    char err[256] = "";
    size_t pad = n - strlen(VALID);

    ck_assert_ptr_nonnull(text);
    /* a valid report padded with spaces to one byte over the limit */
    memcpy(text, VALID, strlen(VALID));
    memset(text + strlen(VALID), ' ', pad);
    ck_assert_int_eq(td_report_from_json(text, n, &r, err, sizeof err), TD_ERR_TOOBIG);
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(err, "262145 bytes"));
    /* exactly at the limit it is accepted */
    ck_assert_int_eq(td_report_from_json(text, n - 1, &r, err, sizeof err), TD_OK);
    td_report_free(&r);
    free(text);
}
END_TEST

START_TEST(text_bounds)
{
    char note[TD_MAX_TEXT + 2];
    char field[TD_MAX_TEXT + 32];
    char *text;
    Tiendo__Report *r;

    memset(note, 'a', TD_MAX_TEXT + 1);
    note[TD_MAX_TEXT + 1] = '\0';
    snprintf(field, sizeof field, "\"note\": \"%s\"", note);
    s_edit_fails("\"note\": \"Đã ban hành\"", field, "task_groups[0].note: longer than 2000 bytes");
    note[TD_MAX_TEXT] = '\0'; /* exactly the limit is fine */
    snprintf(field, sizeof field, "\"note\": \"%s\"", note);
    text = s_edit("\"note\": \"Đã ban hành\"", field);
    r = s_parse_ok(text);
    s_valid(r);
    td_report_free(&r);
    free(text);

    memset(note, 'b', TD_MAX_SHORT_TEXT + 1);
    note[TD_MAX_SHORT_TEXT + 1] = '\0';
    snprintf(field, sizeof field, "\"prepared_by\": \"%s\"", note);
    s_edit_fails("\"prepared_by\": \"Phòng Quản lý đô thị\"", field,
                 "prepared_by: longer than 200 bytes");
}
END_TEST

START_TEST(too_many_tasks)
{
    const char *cut = strstr(VALID, "\"action_plan\": [");
    size_t cap = (size_t) (cut - VALID) + 64 * (TD_MAX_TASKS + 2);
    char *text = malloc(cap);
    size_t o;

    ck_assert_ptr_nonnull(text);
    o = (size_t) snprintf(text, cap, "%.*s\"action_plan\": [", (int) (cut - VALID), VALID);
    for (int i = 0; i <= TD_MAX_TASKS; i++)
        o += (size_t) snprintf(text + o, cap - o, "%s{\"id\": \"T%d\"}", i ? "," : "", i);
    snprintf(text + o, cap - o, "]}");
    s_parse_fails(text, strlen(text), TD_ERR_INVALID, "action_plan: more than 200 tasks");
    free(text);
}
END_TEST

START_TEST(validate_checks_registry)
{
    Tiendo__Report *r;
    char *text = s_edit("\"unit\": \"01\"", "\"unit\": \"99\"");

    r = s_parse_ok(text); /* a code, but not a unit we know */
    s_invalid(r, "unit '99' is not in the registry");
    td_report_free(&r);
    free(text);

    text = s_edit("\"urban_areas\": null", "\"urban_trams\": 3");
    r = s_parse_ok(text);
    s_invalid(r, "data.urban_trams: not a data element of the indicator catalogue");
    td_report_free(&r);
    free(text);

    text = s_edit("\"Phòng Quản lý đô thị\"", "\"  \"");
    r = s_parse_ok(text);
    s_invalid(r, "prepared_by: must not be empty");
    td_report_free(&r);
    free(text);
}
END_TEST

/* What a hostile peer can send: every field missing or absurd on the protobuf. */
START_TEST(validate_rejects_hostile_messages)
{
    Tiendo__Report *r = s_parse_ok(VALID);
    char *saved;
    Tiendo__DataValue *extra;
    size_t n;
    char bad_utf8[] = "ok \xed\xa0\x80 surrogate";

    s_valid(r);

    r->values[0]->value = NAN;
    s_invalid(r, "data.urban_population: must be a finite non-negative number");
    r->values[0]->value = INFINITY;
    s_invalid(r, "data.urban_population: must be a finite non-negative number");
    r->values[0]->value = -1;
    s_invalid(r, "data.urban_population: must be a finite non-negative number");
    r->values[0]->has_value = 0;
    s_invalid(r, "data.urban_population: no value");
    r->values[0]->has_value = 1;
    r->values[0]->value = 5;
    s_valid(r);

    /* action plan: the "5 rõ" */
    {
        Tiendo__ActionTask *t = r->action_plan[1];
        char *owner = t->owner;
        t->owner = NULL;
        s_invalid(r, "action_plan[1].owner: missing");
        t->owner = (char *) "  ";
        s_invalid(r, "action_plan[1].owner: must not be empty");
        t->owner = owner;
        char *done = r->action_plan[0]->completed_on;
        r->action_plan[0]->completed_on = NULL;
        s_invalid(r, "action_plan[0].completed_on: missing");
        r->action_plan[0]->completed_on = done;
        size_t nco = t->n_co_owners;
        t->n_co_owners = TD_MAX_CO_OWNERS + 1;
        s_invalid(r, "action_plan[1].co_owners: at most 10 names");
        t->n_co_owners = nco;
        char *co = t->co_owners[0];
        t->co_owners[0] = (char *) "";
        s_invalid(r, "action_plan[1].co_owners[0]: must not be empty");
        t->co_owners[0] = co;
        s_valid(r);
    }

    r->task_groups[3]->progress_percent = NAN;
    s_invalid(r, "task_groups[3].progress: must be a number from 0 to 100");
    r->task_groups[3]->progress_percent = -INFINITY;
    s_invalid(r, "task_groups[3].progress: must be a number from 0 to 100");
    r->task_groups[3]->progress_percent = 100.0001;
    s_invalid(r, "task_groups[3].progress: must be a number from 0 to 100");
    r->task_groups[3]->has_progress_percent = 0;
    s_invalid(r, "task_groups[3].progress: not filled in");
    r->task_groups[3]->has_progress_percent = 1;
    r->task_groups[3]->progress_percent = 50;

    r->task_groups[2]->status = (Tiendo__TaskStatus) 9;
    s_invalid(r, "task_groups[2].status: must be one of");
    r->task_groups[2]->has_status = 0;
    s_invalid(r, "task_groups[2].status: not filled in");
    r->task_groups[2]->has_status = 1;
    r->task_groups[2]->status = TIENDO__TASK_STATUS__TASK_IN_PROGRESS;

    r->task_groups[5]->group = 1;
    s_invalid(r, "task_groups[5].group: task group 1 is listed twice");
    r->task_groups[5]->group = 0;
    s_invalid(r, "task_groups[5].group: must be a task group from 1 to 6");
    r->task_groups[5]->group = 6;
    r->n_task_groups = 5;
    s_invalid(r, "task_groups: must list each of the six task groups 1 to 6 once (found 5)");
    r->n_task_groups = 6;
    s_valid(r);

    saved = r->unit;
    r->unit = NULL;
    s_invalid(r, "unit: missing");
    r->unit = saved;
    saved = r->period;
    r->period = NULL;
    s_invalid(r, "period: missing");
    r->period = (char *) "2026-13";
    s_invalid(r, "period: \"2026-13\" is not a period");
    r->period = saved;
    saved = r->prepared_by;
    r->prepared_by = NULL;
    s_invalid(r, "prepared_by: missing");
    r->prepared_by = saved;
    saved = r->dataset;
    r->dataset = (char *) "nq06;DROP";
    s_invalid(r, "dataset: \"nq06;DROP\" must be 1 to 16");
    r->dataset = NULL; /* not set: the default dataset */
    s_valid(r);
    r->dataset = saved;

    saved = r->task_groups[0]->note;
    r->task_groups[0]->note = bad_utf8;
    s_invalid(r, "task_groups[0].note: not valid UTF-8");
    r->task_groups[0]->note = saved;

    r->prepared_at = -5;
    s_invalid(r, "prepared_at");
    r->prepared_at = 1795165200;

    /* a repeated element */
    saved = r->values[1]->element;
    r->values[1]->element = r->values[0]->element;
    s_invalid(r, "data.urban_population: reported twice");
    r->values[1]->element = saved;

    /* action plan */
    r->action_plan[1]->completed_on = (char *) "2026-01-01";
    s_invalid(r, "action_plan[1].completed_on: only allowed when status is completed");
    r->action_plan[1]->completed_on = NULL;
    saved = r->action_plan[1]->deadline;
    r->action_plan[1]->deadline = (char *) "31/12/2027";
    s_invalid(r, "action_plan[1].deadline: \"31/12/2027\" is not a date");
    r->action_plan[1]->deadline = saved;
    r->action_plan[0]->task_group = 9;
    s_invalid(r, "action_plan[0].task_group: must be a task group from 1 to 6");
    r->action_plan[0]->task_group = 2;
    saved = r->action_plan[1]->id;
    r->action_plan[1]->id = r->action_plan[0]->id;
    s_invalid(r, "action_plan[1].id: \"KH-01\" is used twice");
    r->action_plan[1]->id = NULL;
    s_invalid(r, "action_plan[1].id: missing");
    r->action_plan[1]->id = saved;
    s_valid(r);

    /* counts over their bounds are refused before anything is read from them */
    n = r->n_values;
    r->n_values = TD_MAX_VALUES + 1;
    s_invalid(r, "data: more than 256 elements");
    r->n_values = n;
    n = r->n_action_plan;
    r->n_action_plan = TD_MAX_TASKS + 1;
    s_invalid(r, "action_plan: more than 200 tasks");
    r->n_action_plan = n;

    /* a value with no element name */
    extra = r->values[2];
    saved = extra->element;
    extra->element = NULL;
    s_invalid(r, "data[2]: no element name");
    /* to_json still writes an unvalidated message, marking bytes that are not UTF-8 */
    extra->element = bad_utf8;
    r->task_groups[1]->note = bad_utf8;
    {
        char *text = td_report_to_json(r);
        ck_assert_ptr_nonnull(text);
        ck_assert_ptr_nonnull(strstr(text, "\"ok ??? surrogate\": 335982.5"));
        free(text);
    }
    r->task_groups[1]->note = NULL;
    extra->element = saved;
    s_valid(r);

    ck_assert_int_eq(td_report_validate(NULL, s_reg, NULL, 0), TD_ERR_INVALID);
    td_report_free(&r);
}
END_TEST

/* text with the first (or, with all, every) occurrence of from replaced by to (malloc'd). */
static char *s_replace(const char *text, const char *from, const char *to, int all)
{
    size_t cap = strlen(text) * 2 + 64, o = 0;
    char *out = malloc(cap);
    ck_assert_ptr_nonnull(out);
    const char *p = text, *at;
    int done = 0;
    while ((at = strstr(p, from)) != NULL && (all || !done)) {
        memcpy(out + o, p, (size_t) (at - p));
        o += (size_t) (at - p);
        memcpy(out + o, to, strlen(to));
        o += strlen(to);
        p = at + strlen(from);
        done = 1;
    }
    ck_assert_uint_lt(o + strlen(p), cap);
    strcpy(out + o, p);
    return out;
}

START_TEST(template_parses_and_validates_once_filled)
{
    char *tpl = td_report_template(s_reg, "01", NULL, "2026-Q4");
    const char *const *elements = NULL;
    size_t nel = td_registry_elements(s_reg, &elements);
    Tiendo__Report *r;
    char *filled;
    const char *field = "\"prepared_by\": \"\"";

    ck_assert_ptr_nonnull(tpl);
    ck_assert_uint_gt(nel, 10);
    /* the documented order and shape */
    ck_assert_ptr_nonnull(strstr(tpl,
                                 "{\n  \"unit\": \"01\",\n  \"dataset\": \"nq06\",\n  \"period\": "
                                 "\"2026-Q4\",\n  \"prepared_by\": \"\",\n  \"task_groups\": ["));
    ck_assert_ptr_nonnull(strstr(tpl, "\"action_plan\": []"));
    for (size_t i = 0; i < nel; i++) {
        char key[128];
        snprintf(key, sizeof key, "\"%s\": null", elements[i]);
        ck_assert_msg(strstr(tpl, key) != NULL, "template lacks %s", key);
    }

    /* blank is not zero: the template's task groups say nothing yet */
    ck_assert_ptr_nonnull(strstr(tpl, "\"status\": null,\n      \"progress\": null"));
    r = s_parse_ok(tpl);
    ck_assert_uint_eq(r->n_task_groups, 6);
    for (size_t i = 0; i < 6; i++) {
        ck_assert_uint_eq(r->task_groups[i]->group, i + 1);
        ck_assert_int_eq(r->task_groups[i]->has_status, 0);
        ck_assert_int_eq(r->task_groups[i]->has_progress_percent, 0);
        ck_assert_str_eq(r->task_groups[i]->note, "");
    }
    ck_assert_uint_eq(r->n_values, 0);
    ck_assert_uint_eq(r->n_action_plan, 0);
    s_invalid(r, "this report is an unfilled template");
    td_report_free(&r);
    /* one group filled in: the first one still blank is named */
    const char *blank = "\"status\": null,\n      \"progress\": null";
    const char *done = "\"status\": \"in_progress\",\n      \"progress\": 40";
    filled = s_replace(tpl, field, "\"prepared_by\": \"Sở Xây dựng Hà Nội\"", 0);
    char *one = s_replace(filled, blank, done, 0);
    r = s_parse_ok(one);
    s_invalid(r, "task_groups[1].status: not filled in (not_started, in_progress or completed)");
    td_report_free(&r);
    free(one);
    /* every group filled in, the data left empty: valid, and no value is a zero */
    char *all = s_replace(filled, blank, done, 1);
    r = s_parse_ok(all);
    s_valid(r);
    ck_assert_uint_eq(r->n_values, 0);
    td_report_free(&r);
    free(all);
    free(filled);
    free(tpl);
}
END_TEST

static double s_value(const Tiendo__Report *r, const char *element)
{
    for (size_t i = 0; i < r->n_values; i++) {
        if (strcmp(r->values[i]->element, element) == 0)
            return r->values[i]->value;
    }
    ck_abort_msg("no value for %s", element);
    return NAN;
}

static double s_mean_progress(const Tiendo__Report *r)
{
    double sum = 0;

    for (size_t i = 0; i < r->n_task_groups; i++)
        sum += r->task_groups[i]->progress_percent;
    return sum / (double) r->n_task_groups;
}

static Tiendo__Report *s_generate(const char *unit, const char *period, uint64_t seed,
                                  unsigned revision)
{
    Tiendo__Report *gen = NULL;
    char err[256] = "";

    ck_assert_msg(s_model_report(s_reg, unit, period, seed, revision, &gen, err, sizeof err) ==
                      TD_OK,
                  "reportgen %s %s: %s", unit, period, err);
    return gen;
}

/* parts never exceed their wholes */
static void s_assert_le(const Tiendo__Report *r, const char *part, const char *whole)
{
    ck_assert_msg(s_value(r, part) <= s_value(r, whole), "%s: %s %.1f > %s %.1f", r->unit, part,
                  s_value(r, part), whole, s_value(r, whole));
}

START_TEST(reportgen_output_validates_for_every_province)
{
    td_period period;
    const td_unit *units[128];
    size_t n;
    const char *const *elements = NULL;
    size_t nel = td_registry_elements(s_reg, &elements);

    ck_assert_int_eq(td_period_parse("2026-Q4", &period), TD_OK);
    n = td_registry_expected(s_reg, &period, units, 128);
    ck_assert_uint_eq(n, 34);
    for (size_t i = 0; i < n; i++) {
        Tiendo__Report *gen = s_generate(units[i]->code, "2026-Q4", 7, 1);
        char *text = td_report_to_json(gen);
        Tiendo__Report *back;
        double total, urban, per_person;

        ck_assert_ptr_nonnull(text);
        back = s_parse_ok(text); /* through the same path as a user's file */
        s_valid(back);
        s_assert_same(gen, back);
        ck_assert_uint_eq(back->n_values, nel); /* every catalogue element */

        total = s_value(back, "total_population");
        urban = s_value(back, "urban_population");
        ck_assert(total >= 0.3e6 * 0.99 && total <= 9e6 * 1.2);
        ck_assert(urban / total >= 0.2 - 1e-9 && urban / total <= 0.85 + 1e-9);
        per_person = s_value(back, "urban_housing_floor_m2") / urban;
        ck_assert_msg(per_person >= 25 && per_person <= 35, "housing %.1f m2/person", per_person);
        s_assert_le(back, "urban_construction_land_ha", "natural_land_ha");
        s_assert_le(back, "urban_transport_land_ha", "urban_construction_land_ha");
        s_assert_le(back, "urban_areas_class3plus", "urban_areas");
        s_assert_le(back, "urban_areas_class3plus_meeting_criteria", "urban_areas_class3plus");
        s_assert_le(back, "urban_areas_with_plans", "urban_areas");
        s_assert_le(back, "urban_areas_with_renewal_programme", "urban_areas");
        s_assert_le(back, "urban_households_fibre", "urban_households");
        s_assert_le(back, "urban_adults_epayment", "urban_adults");
        s_assert_le(back, "urban_adults", "urban_population");
        s_assert_le(back, "urban_grdp_bn_vnd", "grdp_bn_vnd");
        s_assert_le(back, "digital_economy_grdp_bn_vnd", "grdp_bn_vnd");

        for (size_t g = 0; g < back->n_task_groups; g++) {
            const Tiendo__TaskGroupProgress *t = back->task_groups[g];
            if (t->progress_percent == 0)
                ck_assert_int_eq(t->status, TIENDO__TASK_STATUS__TASK_NOT_STARTED);
            else if (t->progress_percent == 100)
                ck_assert_int_eq(t->status, TIENDO__TASK_STATUS__TASK_COMPLETED);
            else
                ck_assert_int_eq(t->status, TIENDO__TASK_STATUS__TASK_IN_PROGRESS);
        }
        ck_assert(back->n_action_plan >= 2 && back->n_action_plan <= 4);
        free(text);
        td_report_free(&gen);
        td_report_free(&back);
    }
}
END_TEST

START_TEST(reportgen_is_deterministic_and_progress_grows)
{
    Tiendo__Report *a = s_generate("01", "2026-Q4", 42, 1);
    Tiendo__Report *b = s_generate("01", "2026-Q4", 42, 1);
    Tiendo__Report *other = s_generate("01", "2026-Q4", 43, 1);
    Tiendo__Report *rev2 = s_generate("01", "2026-Q4", 42, 2);
    char *ta = td_report_to_json(a), *tb = td_report_to_json(b), *tother = td_report_to_json(other);
    double early = 0, late = 0;
    const td_unit *units[128];
    td_period period;
    size_t n;

    ck_assert_str_eq(ta, tb);
    ck_assert_str_ne(ta, tother);
    ck_assert_int_gt(rev2->prepared_at, a->prepared_at); /* a revision is prepared later */
    ck_assert(s_value(rev2, "total_population") != s_value(a, "total_population"));
    {
        double ratio = s_value(rev2, "total_population") / s_value(a, "total_population");
        ck_assert(ratio > 0.99 && ratio < 1.01);
    }

    /* across the provinces, later periods show more progress */
    ck_assert_int_eq(td_period_parse("2026", &period), TD_OK);
    n = td_registry_expected(s_reg, &period, units, 128);
    for (size_t i = 0; i < n; i++) {
        Tiendo__Report *e = s_generate(units[i]->code, "2023-Q1", 1, 1);
        Tiendo__Report *l = s_generate(units[i]->code, "2029-H2", 1, 1);
        early += s_mean_progress(e);
        late += s_mean_progress(l);
        ck_assert(s_value(l, "total_population") > s_value(e, "total_population"));
        td_report_free(&e);
        td_report_free(&l);
    }
    ck_assert_msg(late > early + 30.0 * (double) n, "early %.1f late %.1f", early / (double) n,
                  late / (double) n);

    free(ta);
    free(tb);
    free(tother);
    td_report_free(&a);
    td_report_free(&b);
    td_report_free(&other);
    td_report_free(&rev2);
}
END_TEST

/* ---- messages in the reader's language ---- */

/* The parser's and the rules' reason for text, in English (its text) and in Vietnamese (its
 * parts rendered with the build's catalogue); rc as td_report_parse/td_report_check give. */
static td_err s_why(const char *text, int rules, td_reason *why)
{
    Tiendo__Report *r = NULL;
    td_reason_clear(why);
    td_err rc = td_report_parse(text, strlen(text), &r, why);
    if (rc == TD_OK && rules)
        rc = td_report_check(r, s_reg, why);
    td_report_free(&r);
    return rc;
}

static void s_says(const char *from, const char *to, int rules, const char *english,
                   const char *vietnamese)
{
    char *text = s_edit(from, to);
    td_reason why;
    char out[TD_REASON_TEXT_MAX];
    ck_assert_int_ne(s_why(text, rules, &why), TD_OK);
    ck_assert_str_eq(why.text, english);
    td_i18n_init(TD_LANG_EN);
    ck_assert_str_eq(td_reason_render(&why, out, sizeof out), english);
    td_i18n_init(TD_LANG_VI);
    ck_assert_str_eq(td_reason_render(&why, out, sizeof out), vietnamese);
    td_i18n_init(TD_LANG_EN);
    free(text);
}

/* A clerk who mistypes a value reads, in Vietnamese, the task group by its number, the
 * task by its place counting from 1 and the field by its name; the English (and the text
 * the collector sends) is the JSON path as before. */
START_TEST(messages_in_vietnamese)
{
    s_says("\"progress\": 40,", "\"progress\": 140,", 0,
           "task_groups[2].progress: must be a number from 0 to 100",
           "nhóm nhiệm vụ 3: tiến độ (progress) phải là một số từ 0 đến 100");
    /* the group's number, not its place: group 5 listed first */
    s_says("{\"group\": 1, \"status\": \"completed\"", "{\"group\": 5, \"status\": \"done\"", 0,
           "task_groups[0].status: must be one of not_started, in_progress, completed",
           "nhóm nhiệm vụ 5: trạng thái (status) phải là not_started (chưa triển khai), "
           "in_progress (đang thực hiện) hoặc completed (hoàn thành)");
    s_says("{\"group\": 2,", "{\"group\": 9,", 0,
           "task_groups[1].group: must be a task group from 1 to 6",
           "mục thứ 2 trong danh sách nhóm nhiệm vụ (task_groups): số hiệu nhóm (group) phải là "
           "một nhóm nhiệm vụ từ 1 đến 6");
    s_says("{\"group\": 6,", "{\"group\": 2,", 0,
           "task_groups[5].group: task group 2 is listed twice",
           "nhóm nhiệm vụ 2 được kê hai lần (lần thứ hai ở mục thứ 6 trong danh sách task_groups)");
    s_says("\"natural_land_ha\": 335982.5", "\"natural_land_ha\": -1", 0,
           "data.natural_land_ha: must be a non-negative number or null",
           "số liệu thành phần natural_land_ha phải là một số không âm, hoặc null khi chưa có số "
           "liệu");
    s_says("\"deadline\": \"2027-12-31\"", "\"deadline\": \"31/12/2027\"", 0,
           "action_plan[1].deadline: must be a date YYYY-MM-DD",
           "nhiệm vụ thứ 2 của kế hoạch hành động: thời hạn (deadline) phải là một ngày dạng "
           "YYYY-MM-DD (năm-tháng-ngày)");
    s_says("\"UBND xã\"", "\" \"", 1, "action_plan[1].co_owners[1]: must not be empty",
           "nhiệm vụ thứ 2 của kế hoạch hành động: đơn vị phối hợp thứ 2 (co_owners) không được "
           "để trống");
    s_says("\"period\": \"2026-Q4\"", "\"period\": \"Q4/2026\"", 0,
           "period: \"Q4/2026\" is not a period (expected e.g. 2026-Q3, 2026-M07, 2026-H2, "
           "2026-9M, 2026)",
           "kỳ báo cáo (period) \"Q4/2026\" không hợp lệ (ví dụ 2026-Q3: quý III/2026, 2026-M07: "
           "tháng 7/2026, 2026-H2: 6 tháng cuối năm 2026, 2026-9M: 9 tháng năm 2026, 2026: năm "
           "2026)");
    s_says("\"unit\": \"01\"", "\"unit\": \"99\"", 1, "unit '99' is not in the registry",
           "đơn vị '99' không có trong danh mục đơn vị hành chính");
}
END_TEST

/* Every field's refusal of every kind has a Vietnamese sentence of its own (no English
 * left, no conversion left over), and its English stays the JSON path. */
START_TEST(every_field_message_is_translated)
{
    typedef void (*why_fn)(td_reason *, const td_report_where *);
    static const why_fn kinds[] = {td_report_why_missing, td_report_why_not_string,
                                   td_report_why_not_utf8, td_report_why_blank};
    char out[TD_REASON_TEXT_MAX];
    for (int f = TD_FIELD_UNIT; f <= TD_FIELD_TASK_EXPECTED_RESULT; f++) {
        td_report_where w = {(td_report_field) f, 2, 1, 3, "urban_population"};
        for (size_t k = 0; k <= sizeof kinds / sizeof kinds[0]; k++) {
            td_reason why;
            if (k < sizeof kinds / sizeof kinds[0])
                kinds[k](&why, &w);
            else
                td_report_why_too_long(&why, &w, 200, 201);
            td_i18n_init(TD_LANG_EN);
            ck_assert_str_eq(td_reason_render(&why, out, sizeof out), why.text);
            ck_assert_msg(strstr(why.text, "[3]") == NULL, "%s", why.text); /* counts from 0 */
            td_i18n_init(TD_LANG_VI);
            td_reason_render(&why, out, sizeof out);
            ck_assert_msg(strcmp(out, why.text) != 0, "not translated: %s", why.format);
            ck_assert_msg(strchr(out, '%') == NULL, "%s", out);
            if (f >= TD_FIELD_GROUP_STATUS && f <= TD_FIELD_GROUP_NOTE)
                ck_assert_msg(strstr(out, "nhóm nhiệm vụ 3") != NULL || strstr(out, "[2]") != NULL,
                              "%s", out);
            td_i18n_init(TD_LANG_EN);
        }
    }
}
END_TEST

/* The calendar's and the registry's refusals, with their dates as Vietnamese write them. */
START_TEST(period_and_unit_messages_in_vietnamese)
{
    td_calendar_t *cal = NULL;
    char err[512] = "", out[TD_REASON_TEXT_MAX];
    ck_assert_msg(td_calendar_open(&cal, TIENDO_SOURCE_DIR "/data", err, sizeof err) == TD_OK, "%s",
                  err);
    char *text = s_edit("\"unit\": \"01\"", "\"unit\": \"06\"");
    Tiendo__Report *r = s_parse_ok(text);
    td_reason why;
    td_reason_clear(&why);
    ck_assert_int_eq(td_report_check_at(r, s_reg, cal, 1790000000, &why), TD_ERR_INVALID);
    ck_assert_str_eq(why.text, "unit '06' (Bắc Kạn) does not exist during 2026-Q4 (valid until "
                               "2025-06-30; successor 19)");
    td_i18n_init(TD_LANG_VI);
    ck_assert_str_eq(td_reason_render(&why, out, sizeof out),
                     "đơn vị '06' (Bắc Kạn) không tồn tại trong kỳ 2026-Q4 (chỉ có hiệu lực đến "
                     "ngày 30/06/2025; đơn vị kế thừa: 19)");
    td_i18n_init(TD_LANG_EN);
    td_report_free(&r);
    free(text);

    td_period p;
    ck_assert_int_eq(td_period_parse("2031-Q1", &p), TD_OK);
    ck_assert_int_eq(td_calendar_check(cal, "nq06", &p, 1790000000, &why), TD_ERR_INVALID);
    ck_assert_str_eq(why.text, "period 2031-Q1 is in the future (its data window opens on "
                               "2030-12-15)");
    td_i18n_init(TD_LANG_VI);
    ck_assert_str_eq(td_reason_render(&why, out, sizeof out),
                     "kỳ báo cáo 2031-Q1 chưa đến (thời gian chốt số liệu bắt đầu từ ngày "
                     "15/12/2030)");
    /* a data file's error, translated where it is made (td_msg, s_bad) */
    td_registry_t *reg = NULL;
    ck_assert_int_ne(td_registry_open(&reg, "/nonexistent", err, sizeof err), TD_OK);
    ck_assert_msg(strstr(err, "không mở được") != NULL, "%s", err);
    td_i18n_init(TD_LANG_EN);
    td_calendar_close(&cal);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("report");
    TCase *json = tcase_create("json");
    TCase *rules = tcase_create("rules");
    TCase *gen = tcase_create("reportgen");

    tcase_add_checked_fixture(json, s_open_registry, s_close_registry);
    tcase_add_test(json, valid_report_parses);
    tcase_add_test(json, round_trip_keeps_content);
    tcase_add_test(json, defaults_fill_dataset_and_time);
    tcase_add_test(json, errors_name_their_field);
    tcase_add_test(json, json_level_errors_name_their_field);
    tcase_add_test(json, deep_nesting_is_refused_before_parsing);
    tcase_add_test(json, oversized_input_is_refused);
    tcase_add_test(json, text_bounds);
    tcase_add_test(json, too_many_tasks);
    suite_add_tcase(s, json);

    tcase_add_checked_fixture(rules, s_open_registry, s_close_registry);
    tcase_add_test(rules, validate_checks_registry);
    tcase_add_test(rules, validate_rejects_hostile_messages);
    tcase_add_test(rules, template_parses_and_validates_once_filled);
    tcase_add_test(rules, messages_in_vietnamese);
    tcase_add_test(rules, every_field_message_is_translated);
    tcase_add_test(rules, period_and_unit_messages_in_vietnamese);
    suite_add_tcase(s, rules);

    tcase_add_checked_fixture(gen, s_open_registry, s_close_registry);
    tcase_set_timeout(gen, 30);
    tcase_add_test(gen, reportgen_output_validates_for_every_province);
    tcase_add_test(gen, reportgen_is_deterministic_and_progress_grows);
    suite_add_tcase(s, gen);
    return s;
}

int main(void)
{
    return td_unit_run(s_suite());
}
