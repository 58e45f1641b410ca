/* report_write.c: a report as JSON (the form offices submit), and the template to fill in. */
#include "report_write.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "utf8.h"
#include "clock.h"

#define S_MAX_EXACT_INT 9007199254740992.0 /* 2^53: doubles above it are not all integers */

/* ---- protobuf -> JSON ---------------------------------------------------------- */

/* Reals are printed with 15 significant digits when that reads back exactly (so
 * 1234.56 stays 1234.56), else with 17 for the whole report. */
typedef struct {
    int need17;
} s_out;

static json_t *s_out_number(s_out *o, double v)
{
    char buf[40];

    if (!isfinite(v))
        return json_null();
    if (v > -S_MAX_EXACT_INT && v < S_MAX_EXACT_INT && (double) (long long) v == v)
        return json_integer((json_int_t) v);
    snprintf(buf, sizeof buf, "%.15g", v);
    if (strtod(buf, NULL) != v)
        o->need17 = 1;
    return json_real(v);
}

/* A JSON string; bytes of invalid UTF-8 (an unvalidated message) become '?'. */
static json_t *s_out_string(const char *s)
{
    size_t n = strlen(s);
    char *copy;
    json_t *j;

    if (td_utf8_valid(s, n))
        return json_stringn(s, n);
    copy = strdup(s);
    if (copy == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char) copy[i] >= 0x80)
            copy[i] = '?';
    }
    j = json_stringn(copy, n);
    free(copy);
    return j;
}

/* Set key to value (a new reference, NULL on no memory): returns 0 or -1. */
static int s_set(json_t *obj, const char *key, json_t *value)
{
    return value == NULL ? -1 : json_object_set_new(obj, key, value);
}

static int s_set_string(json_t *obj, const char *key, const char *s)
{
    return s == NULL ? 0 : s_set(obj, key, s_out_string(s));
}

static int s_set_status(json_t *obj, const char *key, int has, Tiendo__TaskStatus st)
{
    if (!has || st < TIENDO__TASK_STATUS__TASK_NOT_STARTED ||
        st > TIENDO__TASK_STATUS__TASK_COMPLETED)
        return 0;
    return s_set(obj, key, json_string(td_task_status_name(st)));
}

static char *s_dump(json_t *root, int need17)
{
    size_t flags =
        JSON_INDENT(2) | JSON_PRESERVE_ORDER | (size_t) JSON_REAL_PRECISION(need17 ? 17 : 15);
    char *text = json_dumps(root, flags);
    char *grown;
    size_t n;

    if (text == NULL)
        return NULL;
    n = strlen(text);
    grown = realloc(text, n + 2); /* files end with a newline */
    if (grown == NULL) {
        free(text);
        return NULL;
    }
    grown[n] = '\n';
    grown[n + 1] = '\0';
    return grown;
}

static int s_out_task_groups(s_out *o, const Tiendo__Report *r, json_t *root)
{
    json_t *arr = json_array();

    if (s_set(root, "task_groups", arr) != 0)
        return -1;
    for (size_t i = 0; i < r->n_task_groups; i++) {
        const Tiendo__TaskGroupProgress *t = r->task_groups[i];
        json_t *obj = json_object();

        if (obj == NULL || json_array_append_new(arr, obj) != 0)
            return -1;
        if (t == NULL)
            continue;
        if ((t->has_group && s_set(obj, "group", json_integer(t->group)) != 0) ||
            s_set_status(obj, "status", t->has_status, t->status) != 0 ||
            (t->has_progress_percent &&
             s_set(obj, "progress", s_out_number(o, t->progress_percent)) != 0) ||
            s_set_string(obj, "note", t->note) != 0)
            return -1;
    }
    return 0;
}

static int s_out_data(s_out *o, const Tiendo__Report *r, json_t *root)
{
    json_t *data = json_object();

    if (s_set(root, "data", data) != 0)
        return -1;
    for (size_t i = 0; i < r->n_values; i++) {
        const Tiendo__DataValue *dv = r->values[i];
        json_t *value;

        if (dv == NULL || dv->element == NULL)
            continue;
        value = dv->has_value ? s_out_number(o, dv->value) : json_null();
        if (dv->comment != NULL) {
            json_t *obj = json_object();

            if (s_set(obj, "value", value) != 0 || s_set_string(obj, "comment", dv->comment)) {
                json_decref(obj);
                return -1;
            }
            value = obj;
        }
        if (value == NULL)
            return -1;
        if (td_utf8_valid(dv->element, strlen(dv->element))) {
            if (json_object_set_new(data, dv->element, value) != 0)
                return -1;
        } else { /* an unvalidated message: show the name with '?' for its bad bytes */
            json_t *key = s_out_string(dv->element);
            int rc = key == NULL ? -1 : json_object_set_new(data, json_string_value(key), value);

            json_decref(key);
            if (rc != 0)
                return -1;
        }
    }
    return 0;
}

static int s_out_action_plan(const Tiendo__Report *r, json_t *root)
{
    json_t *arr = json_array();

    if (s_set(root, "action_plan", arr) != 0)
        return -1;
    for (size_t i = 0; i < r->n_action_plan; i++) {
        const Tiendo__ActionTask *t = r->action_plan[i];
        json_t *obj = json_object();

        if (obj == NULL || json_array_append_new(arr, obj) != 0)
            return -1;
        if (t == NULL)
            continue;
        if (s_set_string(obj, "id", t->id) != 0 || s_set_string(obj, "title", t->title) != 0 ||
            (t->has_task_group && s_set(obj, "task_group", json_integer(t->task_group)) != 0) ||
            s_set_string(obj, "owner", t->owner) != 0)
            return -1;
        if (t->n_co_owners > 0) {
            json_t *co = json_array();
            if (s_set(obj, "co_owners", co) != 0)
                return -1;
            for (size_t k = 0; k < t->n_co_owners; k++) {
                json_t *name = s_out_string(t->co_owners[k]);
                if (name == NULL || json_array_append_new(co, name) != 0)
                    return -1;
            }
        }
        if (s_set_string(obj, "deadline", t->deadline) != 0 ||
            s_set_status(obj, "status", t->has_status, t->status) != 0 ||
            s_set_string(obj, "completed_on", t->completed_on) != 0 ||
            s_set_string(obj, "expected_result", t->expected_result) != 0)
            return -1;
    }
    return 0;
}

char *td_report_to_json(const Tiendo__Report *report)
{
    s_out o = {0};
    json_t *root = NULL;
    char *text = NULL;

    if (report == NULL)
        return NULL;
    root = json_object();
    if (root == NULL)
        return NULL;
    if (s_set_string(root, "unit", report->unit) != 0 ||
        s_set_string(root, "dataset", report->dataset) != 0 ||
        s_set_string(root, "period", report->period) != 0 ||
        s_set_string(root, "prepared_by", report->prepared_by) != 0)
        goto cleanup;
    if (report->has_prepared_at) {
        time_t t = (time_t) report->prepared_at;
        struct tm tm;
        char buf[64];

        if (gmtime_r(&t, &tm) != NULL && strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0 &&
            s_set(root, "prepared_at", json_string(buf)) != 0)
            goto cleanup;
    }
    if (s_out_task_groups(&o, report, root) != 0 || s_out_data(&o, report, root) != 0 ||
        s_out_action_plan(report, root) != 0)
        goto cleanup;
    text = s_dump(root, o.need17);

cleanup:
    json_decref(root);
    return text;
}

char *td_report_template(const td_registry_t *reg, const char *unit, const char *dataset,
                         const char *period)
{
    json_t *root = json_object();
    json_t *groups = NULL, *data = NULL;
    char *text = NULL;
    char now_period[TD_PERIOD_TEXT_MAX];

    if (root == NULL)
        return NULL;
    if (period == NULL) {
        td_period p = td_period_containing(TD_PERIOD_QUARTER, (time_t) (td_now_ms() / 1000));
        period = td_period_format(&p, now_period, sizeof now_period);
    }
    if (s_set(root, "unit", s_out_string(unit != NULL ? unit : "")) != 0 ||
        s_set(root, "dataset", s_out_string(td_dataset_or_default(dataset))) != 0 ||
        s_set(root, "period", s_out_string(period)) != 0 ||
        s_set(root, "prepared_by", json_string("")) != 0)
        goto cleanup;
    groups = json_array();
    if (s_set(root, "task_groups", groups) != 0)
        goto cleanup;
    for (int g = 1; g <= TD_TASK_GROUPS; g++) {
        json_t *obj = json_object();

        if (obj == NULL || json_array_append_new(groups, obj) != 0 ||
            s_set(obj, "group", json_integer(g)) != 0 || s_set(obj, "status", json_null()) != 0 ||
            s_set(obj, "progress", json_null()) != 0 || s_set(obj, "note", json_string("")) != 0)
            goto cleanup;
    }
    data = json_object();
    if (s_set(root, "data", data) != 0)
        goto cleanup;
    if (reg != NULL) {
        const char *const *elements = NULL;
        size_t n = td_registry_elements(reg, &elements);

        for (size_t i = 0; i < n; i++) {
            if (json_object_set_new(data, elements[i], json_null()) != 0)
                goto cleanup;
        }
    }
    if (s_set(root, "action_plan", json_array()) != 0)
        goto cleanup;
    text = s_dump(root, 0);

cleanup:
    json_decref(root);
    return text;
}
