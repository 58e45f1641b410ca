/* report_rules.c: the rules a report must meet, applied by the agent at submit and the
 * collector on ingest (one code path for both). */
#include "report_rules.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report.h"
#include "utf8.h"

/* ---- validation ----------------------------------------------------------------- */

/* A string field: required or optional, UTF-8, at most max bytes, optionally not blank. */
static int s_check_text(const char *path, const char *s, size_t max, int required, int nonblank,
                        td_reason *why)
{
    size_t n;

    if (s == NULL) {
        if (!required)
            return 0;
        td_reason_set(why, "%s: missing", path);
        return -1;
    }
    n = strlen(s);
    if (n > max) {
        td_reason_set(why, "%s: longer than %zu bytes (%zu)", path, max, n);
        return -1;
    }
    if (!td_utf8_valid(s, n)) {
        td_reason_set(why, "%s: not valid UTF-8", path);
        return -1;
    }
    if (nonblank && strspn(s, " \t\r\n") == n) {
        td_reason_set(why, "%s: must not be empty", path);
        return -1;
    }
    return 0;
}

static int s_valid_status(int has, Tiendo__TaskStatus st)
{
    return has && st >= TIENDO__TASK_STATUS__TASK_NOT_STARTED &&
           st <= TIENDO__TASK_STATUS__TASK_COMPLETED;
}

static int s_check_date(const char *path, const char *s, int required, td_reason *why)
{
    td_date d;

    if (s == NULL && !required)
        return 0;
    if (s == NULL) {
        td_reason_set(why, "%s: missing", path);
        return -1;
    }
    if (strlen(s) != 10 || td_date_parse(s, &d) != TD_OK) {
        char q[TD_REPORT_QUOTE_MAX * 2];
        td_reason_set(why, "%s: \"%s\" is not a date YYYY-MM-DD", path,
                      td_report_quote(q, sizeof q, s, strlen(s)));
        return -1;
    }
    return 0;
}

static int s_validate_groups(const Tiendo__Report *r, td_reason *why)
{
    int seen[TD_TASK_GROUPS + 1] = {0};

    if (r->n_task_groups != TD_TASK_GROUPS || r->task_groups == NULL) {
        td_reason_set(why,
                      "task_groups: must list each of the six task groups 1 to 6 once (found %zu)",
                      r->n_task_groups);
        return -1;
    }
    for (size_t i = 0; i < r->n_task_groups; i++) {
        const Tiendo__TaskGroupProgress *t = r->task_groups[i];
        char path[TD_REPORT_PATH_MAX];

        if (t == NULL) {
            td_reason_set(why, "task_groups[%zu]: missing", i);
            return -1;
        }
        if (!t->has_group || t->group < 1 || t->group > TD_TASK_GROUPS) {
            td_reason_set(why, "task_groups[%zu].group: must be a task group from 1 to 6", i);
            return -1;
        }
        if (seen[t->group]++) {
            td_reason_set(why, "task_groups[%zu].group: task group %u is listed twice", i,
                          t->group);
            return -1;
        }
        if (!s_valid_status(t->has_status, t->status)) {
            if (t->has_status)
                td_reason_set(why, "task_groups[%zu].status: " TD_TASK_STATUS_HELP, i);
            else
                td_reason_set(why,
                              "task_groups[%zu].status: not filled in (not_started, in_progress "
                              "or completed)",
                              i);
            return -1;
        }
        if (!t->has_progress_percent || !isfinite(t->progress_percent) || t->progress_percent < 0 ||
            t->progress_percent > 100) {
            if (t->has_progress_percent)
                td_reason_set(why, "task_groups[%zu].progress: must be a number from 0 to 100", i);
            else
                td_reason_set(
                    why, "task_groups[%zu].progress: not filled in (a number from 0 to 100)", i);
            return -1;
        }
        snprintf(path, sizeof path, "task_groups[%zu].note", i);
        if (s_check_text(path, t->note, TD_MAX_TEXT, 0, 0, why) != 0)
            return -1;
    }
    return 0;
}

static int s_validate_values(const Tiendo__Report *r, const td_registry_t *reg, td_reason *why)
{
    if (r->n_values > TD_MAX_VALUES) {
        td_reason_set(why, "data: more than %d elements (%zu)", TD_MAX_VALUES, r->n_values);
        return -1;
    }
    for (size_t i = 0; i < r->n_values; i++) {
        const Tiendo__DataValue *dv = r->values != NULL ? r->values[i] : NULL;
        char path[TD_REPORT_PATH_MAX];

        if (dv == NULL || dv->element == NULL) {
            td_reason_set(why, "data[%zu]: no element name", i);
            return -1;
        }
        if (!td_element_name_valid(dv->element)) {
            char q[TD_REPORT_QUOTE_MAX * 2];
            td_reason_set(why, "data[%zu]: \"%s\" is not a data element name", i,
                          td_report_quote(q, sizeof q, dv->element, strlen(dv->element)));
            return -1;
        }
        snprintf(path, sizeof path, "data.%s", dv->element);
        if (!td_registry_has_element(reg, dv->element)) {
            td_reason_set(why, "%s: not a data element of the indicator catalogue", path);
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(r->values[j]->element, dv->element) == 0) {
                td_reason_set(why, "%s: reported twice", path);
                return -1;
            }
        }
        if (!dv->has_value || !isfinite(dv->value) || dv->value < 0) {
            if (dv->has_value)
                td_reason_set(why, "%s: must be a finite non-negative number", path);
            else
                td_reason_set(why, "%s: no value", path);
            return -1;
        }
        strncat(path, ".comment", sizeof path - strlen(path) - 1);
        if (s_check_text(path, dv->comment, TD_MAX_TEXT, 0, 0, why) != 0)
            return -1;
    }
    return 0;
}

static int s_validate_actions(const Tiendo__Report *r, td_reason *why)
{
    if (r->n_action_plan > TD_MAX_TASKS) {
        td_reason_set(why, "action_plan: more than %d tasks (%zu)", TD_MAX_TASKS, r->n_action_plan);
        return -1;
    }
    for (size_t i = 0; i < r->n_action_plan; i++) {
        const Tiendo__ActionTask *t = r->action_plan != NULL ? r->action_plan[i] : NULL;
        char path[TD_REPORT_PATH_MAX];

        if (t == NULL) {
            td_reason_set(why, "action_plan[%zu]: missing", i);
            return -1;
        }
#define S_FIELD(name) (snprintf(path, sizeof path, "action_plan[%zu]." name, i), path)
        if (s_check_text(S_FIELD("id"), t->id, TD_MAX_SHORT_TEXT, 1, 1, why) != 0 ||
            s_check_text(S_FIELD("title"), t->title, TD_MAX_TEXT, 1, 1, why) != 0 ||
            s_check_text(S_FIELD("owner"), t->owner, TD_MAX_SHORT_TEXT, 1, 1, why) != 0 ||
            s_check_text(S_FIELD("expected_result"), t->expected_result, TD_MAX_TEXT, 0, 0, why) !=
                0 ||
            s_check_date(S_FIELD("deadline"), t->deadline, 1, why) != 0 ||
            s_check_date(S_FIELD("completed_on"), t->completed_on,
                         t->has_status && t->status == TIENDO__TASK_STATUS__TASK_COMPLETED,
                         why) != 0)
            return -1;
        if (t->n_co_owners > TD_MAX_CO_OWNERS || (t->n_co_owners > 0 && t->co_owners == NULL)) {
            td_reason_set(why, "%s: at most %d names", S_FIELD("co_owners"), TD_MAX_CO_OWNERS);
            return -1;
        }
        for (size_t k = 0; k < t->n_co_owners; k++) {
            char cp[TD_REPORT_PATH_MAX + 32];
            snprintf(cp, sizeof cp, "action_plan[%zu].co_owners[%zu]", i, k);
            if (s_check_text(cp, t->co_owners[k], TD_MAX_SHORT_TEXT, 1, 1, why) != 0)
                return -1;
        }
        if (!t->has_task_group || t->task_group < 1 || t->task_group > TD_TASK_GROUPS) {
            td_reason_set(why, "%s: must be a task group from 1 to 6", S_FIELD("task_group"));
            return -1;
        }
        if (!s_valid_status(t->has_status, t->status)) {
            if (t->has_status)
                td_reason_set(why, "%s: " TD_TASK_STATUS_HELP, S_FIELD("status"));
            else
                td_reason_set(why, "%s: missing", S_FIELD("status"));
            return -1;
        }
        if (t->completed_on != NULL && t->status != TIENDO__TASK_STATUS__TASK_COMPLETED) {
            td_reason_set(why, "%s: only allowed when status is completed",
                          S_FIELD("completed_on"));
            return -1;
        }
#undef S_FIELD
        for (size_t j = 0; j < i; j++) {
            if (strcmp(r->action_plan[j]->id, t->id) == 0) {
                char q[TD_REPORT_QUOTE_MAX * 2];
                td_reason_set(why, "action_plan[%zu].id: \"%s\" is used twice", i,
                              td_report_quote(q, sizeof q, t->id, strlen(t->id)));
                return -1;
            }
        }
    }
    return 0;
}

int td_report_mean_progress(const Tiendo__Report *report, double *mean)
{
    double total = 0;
    size_t n = 0;
    for (size_t g = 0; report != NULL && g < report->n_task_groups; g++) {
        const Tiendo__TaskGroupProgress *tg = report->task_groups[g];
        if (tg->group < 1 || tg->group > TD_TASK_GROUPS)
            continue;
        total += tg->progress_percent;
        n++;
    }
    if (n == 0)
        return 0;
    *mean = total / (double) n;
    return 1;
}

/* A blank template: no task group says anything, no data, no action plan. */
static int s_unfilled(const Tiendo__Report *r)
{
    for (size_t i = 0; i < r->n_task_groups; i++) {
        const Tiendo__TaskGroupProgress *t = r->task_groups[i];
        if (t != NULL && (t->has_status || t->has_progress_percent))
            return 0;
    }
    for (size_t i = 0; i < r->n_values; i++) {
        if (r->values[i] != NULL && r->values[i]->has_value)
            return 0;
    }
    return r->n_action_plan == 0;
}

td_err td_report_check(const Tiendo__Report *report, const td_registry_t *reg, td_reason *why)
{
    char q[TD_REPORT_QUOTE_MAX * 2];
    td_period p;
    const Tiendo__Report *r = report;

    if (r == NULL || reg == NULL) {
        if (r == NULL)
            td_reason_set(why, "no report");
        else
            td_reason_set(why, "no registry to check the report");
        return TD_ERR_INVALID;
    }
    if (s_unfilled(r)) {
        td_reason_set(
            why, "this report is an unfilled template: give each of the six task groups a status "
                 "(not_started, in_progress or completed) and a progress from 0 to 100, and fill "
                 "in the data you have (an element left empty counts as no data, never as 0)");
        return TD_ERR_INVALID;
    }
    if (r->unit == NULL || r->unit[0] == '\0') {
        td_reason_set(why, "unit: missing");
        return TD_ERR_INVALID;
    }
    if (!td_unit_code_valid(r->unit)) {
        td_reason_set(why, "unit: \"%s\" is not a unit code",
                      td_report_quote(q, sizeof q, r->unit, strlen(r->unit)));
        return TD_ERR_INVALID;
    }
    if (td_registry_find(reg, r->unit, NULL) == NULL) {
        td_reason_set(why, "unit '%s' is not in the registry", r->unit);
        return TD_ERR_INVALID;
    }
    if (r->dataset != NULL && !td_dataset_name_valid(r->dataset)) {
        td_reason_set(why, "dataset: \"%s\" must be 1 to 16 lower-case letters, digits or _",
                      td_report_quote(q, sizeof q, r->dataset, strlen(r->dataset)));
        return TD_ERR_INVALID;
    }
    if (r->period == NULL) {
        td_reason_set(why, "period: missing");
        return TD_ERR_INVALID;
    }
    if (strlen(r->period) >= TD_PERIOD_TEXT_MAX || td_period_parse(r->period, &p) != TD_OK) {
        td_reason_set(why, "period: \"%s\" is not a period " TD_PERIOD_HELP,
                      td_report_quote(q, sizeof q, r->period, strlen(r->period)));
        return TD_ERR_INVALID;
    }
    if (s_check_text("prepared_by", r->prepared_by, TD_MAX_SHORT_TEXT, 1, 1, why) != 0)
        return TD_ERR_INVALID;
    if (r->has_prepared_at &&
        (r->prepared_at < TD_REPORT_TIME_MIN || r->prepared_at >= TD_REPORT_TIME_MAX)) {
        td_reason_set(why, "prepared_at: %lld is not a time between 2000 and 2100",
                      (long long) r->prepared_at);
        return TD_ERR_INVALID;
    }
    if (s_validate_groups(r, why) != 0 || s_validate_values(r, reg, why) != 0 ||
        s_validate_actions(r, why) != 0)
        return TD_ERR_INVALID;
    return TD_OK;
}

/* ---- validation against the calendar ---------------------------------------------- */

/* Why `code` has no record during p: the record that ended last before the period
 * began, else the first one that starts after it ends. Rejections only: a scan of the
 * registry is fine here. */
static void s_not_during(const td_registry_t *reg, const char *code, const td_period *p,
                         td_reason *why)
{
    const td_unit *units = NULL;
    const td_unit *before = NULL, *after = NULL;
    size_t n = td_registry_units(reg, &units);
    char period[TD_PERIOD_TEXT_MAX], date[16];
    td_date first, last;

    td_period_span(p, &first, &last);
    td_period_format(p, period, sizeof period);
    for (size_t i = 0; i < n; i++) {
        const td_unit *u = &units[i];

        if (strcmp(u->code, code) != 0)
            continue;
        if (td_date_is_set(&u->valid_to) && td_date_compare(&u->valid_to, &first) < 0) {
            if (before == NULL || td_date_compare(&u->valid_to, &before->valid_to) > 0)
                before = u;
        } else if (td_date_is_set(&u->valid_from) && td_date_compare(&u->valid_from, &last) > 0) {
            if (after == NULL || td_date_compare(&u->valid_from, &after->valid_from) < 0)
                after = u;
        }
    }
    if (before != NULL && before->successor[0] != '\0') {
        td_reason_set(why, "unit '%s' (%s) does not exist during %s (valid until %s; successor %s)",
                      code, before->name, period,
                      td_date_format(&before->valid_to, date, sizeof date), before->successor);
    } else if (before != NULL) {
        td_reason_set(why, "unit '%s' (%s) does not exist during %s (valid until %s)", code,
                      before->name, period, td_date_format(&before->valid_to, date, sizeof date));
    } else if (after != NULL) {
        td_reason_set(why, "unit '%s' (%s) does not exist during %s (valid from %s)", code,
                      after->name, period, td_date_format(&after->valid_from, date, sizeof date));
    } else {
        td_reason_set(why, "unit '%s' does not exist during %s", code, period);
    }
}

td_err td_report_check_at(const Tiendo__Report *report, const td_registry_t *reg,
                          const td_calendar_t *cal, int64_t now, td_reason *why)
{
    td_period p;
    td_err rc = td_report_check(report, reg, why);

    if (rc != TD_OK)
        return rc;
    if (td_period_parse(report->period, &p) != TD_OK) { /* td_report_validate parsed it */
        td_reason_set(why, "period: not a period " TD_PERIOD_HELP);
        return TD_ERR_INVALID;
    }
    if (td_registry_find_during(reg, report->unit, &p) == NULL) {
        s_not_during(reg, report->unit, &p, why);
        return TD_ERR_INVALID;
    }
    return td_calendar_check(cal, td_dataset_or_default(report->dataset), &p, now, why);
}

/* The English text of a refusal, for callers that show nothing else. */
static td_err s_text_of(td_err rc, const td_reason *why, char *reason, size_t reasonlen)
{
    if (rc != TD_OK && reason != NULL && reasonlen > 0)
        snprintf(reason, reasonlen, "%s", why->text);
    return rc;
}

td_err td_report_validate(const Tiendo__Report *report, const td_registry_t *reg, char *reason,
                          size_t reasonlen)
{
    td_reason why;
    td_reason_clear(&why);
    return s_text_of(td_report_check(report, reg, &why), &why, reason, reasonlen);
}

td_err td_report_validate_at(const Tiendo__Report *report, const td_registry_t *reg,
                             const td_calendar_t *cal, int64_t now, char *reason, size_t reasonlen)
{
    td_reason why;
    td_reason_clear(&why);
    return s_text_of(td_report_check_at(report, reg, cal, now, &why), &why, reason, reasonlen);
}
