/* report_rules.c: the rules a report must meet, applied by the agent at submit and the
 * collector on ingest (one code path for both). */
#include "report_rules.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "report.h"
#include "utf8.h"

/* ---- validation ----------------------------------------------------------------- */

/* A string field: required or optional, UTF-8, at most max bytes, optionally not blank. */
static int s_check_text(const td_report_where *w, const char *s, size_t max, int required,
                        int nonblank, td_reason *why)
{
    size_t n;

    if (s == NULL) {
        if (!required)
            return 0;
        td_report_why_missing(why, w);
        return -1;
    }
    n = strlen(s);
    if (n > max) {
        td_report_why_too_long(why, w, max, n);
        return -1;
    }
    if (!td_utf8_valid(s, n)) {
        td_report_why_not_utf8(why, w);
        return -1;
    }
    if (nonblank && strspn(s, " \t\r\n") == n) {
        td_report_why_blank(why, w);
        return -1;
    }
    return 0;
}

static int s_valid_status(int has, Tiendo__TaskStatus st)
{
    return has && st >= TIENDO__TASK_STATUS__TASK_NOT_STARTED &&
           st <= TIENDO__TASK_STATUS__TASK_COMPLETED;
}

/* A task's date (deadline or completed_on): YYYY-MM-DD. */
static int s_check_date(const td_report_where *w, const char *s, int required, td_reason *why)
{
    td_date d;

    if (s == NULL && !required)
        return 0;
    if (s == NULL) {
        td_report_why_missing(why, w);
        return -1;
    }
    if (strlen(s) != 10 || td_date_parse(s, &d) != TD_OK) {
        char q[TD_REPORT_QUOTE_MAX * 2];
        td_report_place p;
        td_report_place_of(w, &p);
        td_report_quote(q, sizeof q, s, strlen(s));
        if (w->field == TD_FIELD_TASK_DEADLINE)
            td_reason_set(why, "action_plan[%s%.0s].deadline: \"%s\" is not a date YYYY-MM-DD",
                          p.at, p.nth, q);
        else
            td_reason_set(why, "action_plan[%s%.0s].completed_on: \"%s\" is not a date YYYY-MM-DD",
                          p.at, p.nth, q);
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
        td_report_where w = {.field = TD_FIELD_GROUP, .index = i};
        td_report_place p;

        td_report_place_of(&w, &p);
        if (t == NULL) {
            td_report_why_missing(why, &w);
            return -1;
        }
        if (!t->has_group || t->group < 1 || t->group > TD_TASK_GROUPS) {
            td_reason_set(why, "task_groups[%s%.0s].group: must be a task group from 1 to 6", p.at,
                          p.nth);
            return -1;
        }
        if (seen[t->group]++) {
            /* TRANSLATORS: the entry's index (from 0), the task group's number, then (%.0s)
               the entry's place counting from 1 */
            td_reason_set(why, "task_groups[%s].group: task group %u is listed twice%.0s", p.at,
                          t->group, p.nth);
            return -1;
        }
        /* from here on the group is named by its number */
        w.group = t->group;
        w.field = TD_FIELD_GROUP_STATUS;
        td_report_place_of(&w, &p);
        if (!s_valid_status(t->has_status, t->status)) {
            if (t->has_status)
                td_reason_set(why,
                              "task_groups[%s%.0s].status: must be one of not_started, "
                              "in_progress, completed",
                              p.at, p.nth);
            else
                td_reason_set(why,
                              "task_groups[%s%.0s].status: not filled in (not_started, "
                              "in_progress or completed)",
                              p.at, p.nth);
            return -1;
        }
        if (!t->has_progress_percent || !isfinite(t->progress_percent) || t->progress_percent < 0 ||
            t->progress_percent > 100) {
            if (t->has_progress_percent)
                td_reason_set(why, "task_groups[%s%.0s].progress: must be a number from 0 to 100",
                              p.at, p.nth);
            else
                td_reason_set(why,
                              "task_groups[%s%.0s].progress: not filled in (a number from 0 to "
                              "100)",
                              p.at, p.nth);
            return -1;
        }
        w.field = TD_FIELD_GROUP_NOTE;
        if (s_check_text(&w, t->note, TD_MAX_TEXT, 0, 0, why) != 0)
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
        char at[24];

        snprintf(at, sizeof at, "%zu", i);
        if (dv == NULL || dv->element == NULL) {
            td_reason_set(why, "data[%s]: no element name", at);
            return -1;
        }
        if (!td_element_name_valid(dv->element)) {
            char q[TD_REPORT_QUOTE_MAX * 2];
            td_reason_set(why, "data[%s]: \"%s\" is not a data element name", at,
                          td_report_quote(q, sizeof q, dv->element, strlen(dv->element)));
            return -1;
        }
        if (!td_registry_has_element(reg, dv->element)) {
            td_reason_set(why, "data.%s: not a data element of the indicator catalogue",
                          dv->element);
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(r->values[j]->element, dv->element) == 0) {
                td_reason_set(why, "data.%s: reported twice", dv->element);
                return -1;
            }
        }
        if (!dv->has_value || !isfinite(dv->value) || dv->value < 0) {
            if (dv->has_value)
                td_reason_set(why, "data.%s: must be a finite non-negative number", dv->element);
            else
                td_reason_set(why, "data.%s: no value", dv->element);
            return -1;
        }
        td_report_where w = {.field = TD_FIELD_VALUE_COMMENT, .element = dv->element};
        if (s_check_text(&w, dv->comment, TD_MAX_TEXT, 0, 0, why) != 0)
            return -1;
    }
    return 0;
}

/* One field of action-plan task i. */
static td_report_where s_task_field(td_report_field field, size_t i)
{
    td_report_where w = {.field = field, .index = i};
    return w;
}

static int s_validate_actions(const Tiendo__Report *r, td_reason *why)
{
    if (r->n_action_plan > TD_MAX_TASKS) {
        td_reason_set(why, "action_plan: more than %d tasks (%zu)", TD_MAX_TASKS, r->n_action_plan);
        return -1;
    }
    for (size_t i = 0; i < r->n_action_plan; i++) {
        const Tiendo__ActionTask *t = r->action_plan != NULL ? r->action_plan[i] : NULL;
        td_report_where w = s_task_field(TD_FIELD_TASK, i);
        td_report_place p;

        td_report_place_of(&w, &p);
        if (t == NULL) {
            td_report_why_missing(why, &w);
            return -1;
        }
        int completed = t->has_status && t->status == TIENDO__TASK_STATUS__TASK_COMPLETED;
        td_report_where id = s_task_field(TD_FIELD_TASK_ID, i),
                        title = s_task_field(TD_FIELD_TASK_TITLE, i),
                        owner = s_task_field(TD_FIELD_TASK_OWNER, i),
                        expected = s_task_field(TD_FIELD_TASK_EXPECTED_RESULT, i),
                        deadline = s_task_field(TD_FIELD_TASK_DEADLINE, i),
                        completed_on = s_task_field(TD_FIELD_TASK_COMPLETED_ON, i);
        if (s_check_text(&id, t->id, TD_MAX_SHORT_TEXT, 1, 1, why) != 0 ||
            s_check_text(&title, t->title, TD_MAX_TEXT, 1, 1, why) != 0 ||
            s_check_text(&owner, t->owner, TD_MAX_SHORT_TEXT, 1, 1, why) != 0 ||
            s_check_text(&expected, t->expected_result, TD_MAX_TEXT, 0, 0, why) != 0 ||
            s_check_date(&deadline, t->deadline, 1, why) != 0 ||
            s_check_date(&completed_on, t->completed_on, completed, why) != 0)
            return -1;
        if (t->n_co_owners > TD_MAX_CO_OWNERS || (t->n_co_owners > 0 && t->co_owners == NULL)) {
            td_reason_set(why, "action_plan[%s%.0s].co_owners: at most %d names", p.at, p.nth,
                          TD_MAX_CO_OWNERS);
            return -1;
        }
        for (size_t k = 0; k < t->n_co_owners; k++) {
            td_report_where co = s_task_field(TD_FIELD_TASK_CO_OWNER, i);
            co.sub = k;
            if (s_check_text(&co, t->co_owners[k], TD_MAX_SHORT_TEXT, 1, 1, why) != 0)
                return -1;
        }
        if (!t->has_task_group || t->task_group < 1 || t->task_group > TD_TASK_GROUPS) {
            td_reason_set(why, "action_plan[%s%.0s].task_group: must be a task group from 1 to 6",
                          p.at, p.nth);
            return -1;
        }
        if (!s_valid_status(t->has_status, t->status)) {
            if (t->has_status) {
                td_reason_set(why,
                              "action_plan[%s%.0s].status: must be one of not_started, "
                              "in_progress, completed",
                              p.at, p.nth);
            } else {
                td_report_where st = s_task_field(TD_FIELD_TASK_STATUS, i);
                td_report_why_missing(why, &st);
            }
            return -1;
        }
        if (t->completed_on != NULL && t->status != TIENDO__TASK_STATUS__TASK_COMPLETED) {
            td_reason_set(why,
                          "action_plan[%s%.0s].completed_on: only allowed when status is "
                          "completed",
                          p.at, p.nth);
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(r->action_plan[j]->id, t->id) == 0) {
                char q[TD_REPORT_QUOTE_MAX * 2];
                td_reason_set(why, "action_plan[%s%.0s].id: \"%s\" is used twice", p.at, p.nth,
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
        td_report_where w = {.field = TD_FIELD_UNIT};
        td_report_why_missing(why, &w);
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
        td_report_where w = {.field = TD_FIELD_PERIOD};
        td_report_why_missing(why, &w);
        return TD_ERR_INVALID;
    }
    if (strlen(r->period) >= TD_PERIOD_TEXT_MAX || td_period_parse(r->period, &p) != TD_OK) {
        td_reason_set(why,
                      "period: \"%s\" is not a period (expected e.g. 2026-Q3, 2026-M07, 2026-H2, "
                      "2026-9M, 2026)",
                      td_report_quote(q, sizeof q, r->period, strlen(r->period)));
        return TD_ERR_INVALID;
    }
    td_report_where by = {.field = TD_FIELD_PREPARED_BY};
    if (s_check_text(&by, r->prepared_by, TD_MAX_SHORT_TEXT, 1, 1, why) != 0)
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
    char period[TD_PERIOD_TEXT_MAX], date[16], date_vi[16];
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
    /* the date twice: as the English writes it, and (%.0s) as Vietnamese does, 30/06/2025 */
    if (before != NULL) {
        td_date_format(&before->valid_to, date, sizeof date);
        td_fmt_date_in(TD_LANG_VI, &before->valid_to, date_vi, sizeof date_vi);
    } else if (after != NULL) {
        td_date_format(&after->valid_from, date, sizeof date);
        td_fmt_date_in(TD_LANG_VI, &after->valid_from, date_vi, sizeof date_vi);
    }
    if (before != NULL && before->successor[0] != '\0') {
        /* TRANSLATORS: unit code, unit name, period, the last day in English form and
           (%.0s) as dd/mm/yyyy, the successor's code */
        td_reason_set(why,
                      "unit '%s' (%s) does not exist during %s (valid until %s%.0s; successor %s)",
                      code, before->name, period, date, date_vi, before->successor);
    } else if (before != NULL) {
        td_reason_set(why, "unit '%s' (%s) does not exist during %s (valid until %s%.0s)", code,
                      before->name, period, date, date_vi);
    } else if (after != NULL) {
        td_reason_set(why, "unit '%s' (%s) does not exist during %s (valid from %s%.0s)", code,
                      after->name, period, date, date_vi);
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
        td_reason_set(why, "period: not a period (expected e.g. 2026-Q3, 2026-M07, 2026-H2, "
                           "2026-9M, 2026)");
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
