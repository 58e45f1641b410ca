/* report.c: what the report modules share: quoting a value for a message, the task status
 * words, freeing a report. */
#include "report.h"

#include <stdio.h>
#include <string.h>

#include "utf8.h"

static const char *const s_status_names[] = {
    [TIENDO__TASK_STATUS__TASK_NOT_STARTED] = "not_started",
    [TIENDO__TASK_STATUS__TASK_IN_PROGRESS] = "in_progress",
    [TIENDO__TASK_STATUS__TASK_COMPLETED] = "completed",
};

const char *td_task_status_name(Tiendo__TaskStatus status)
{
    if (status < TIENDO__TASK_STATUS__TASK_NOT_STARTED ||
        status > TIENDO__TASK_STATUS__TASK_COMPLETED)
        return NULL;
    return s_status_names[status];
}

int td_task_status_parse(const char *text, Tiendo__TaskStatus *out)
{
    for (int i = TIENDO__TASK_STATUS__TASK_NOT_STARTED;
         text != NULL && i <= TIENDO__TASK_STATUS__TASK_COMPLETED; i++) {
        if (strcmp(text, s_status_names[i]) == 0) {
            *out = (Tiendo__TaskStatus) i;
            return 0;
        }
    }
    return -1;
}

/* A bounded, printable copy of a value for an error message: the text may come from
 * a hostile peer, so control bytes (and every non-ASCII byte of invalid UTF-8)
 * become '?', and long text is cut on a character boundary with "...". */
const char *td_report_quote(char *dst, size_t dstlen, const char *src, size_t srclen)
{
    int utf8 = td_utf8_valid(src, srclen);
    size_t o = 0;

    for (size_t i = 0; i < srclen && o + 4 < dstlen; i++) {
        unsigned char c = (unsigned char) src[i];

        if (i >= TD_REPORT_QUOTE_MAX && (c & 0xc0) != 0x80) {
            memcpy(dst + o, "...", 3);
            o += 3;
            break;
        }
        if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8))
            c = '?';
        dst[o++] = (char) c;
    }
    dst[o] = '\0';
    return dst;
}

/* ---- naming a field in a message ---- */

void td_report_place_of(const td_report_where *w, td_report_place *out)
{
    int by_group = w->field == TD_FIELD_GROUP_STATUS || w->field == TD_FIELD_GROUP_PROGRESS ||
                   w->field == TD_FIELD_GROUP_NOTE;
    snprintf(out->at, sizeof out->at, "%zu", w->index);
    if (by_group)
        snprintf(out->nth, sizeof out->nth, "%u", w->group);
    else
        snprintf(out->nth, sizeof out->nth, "%zu", w->index + 1);
    snprintf(out->sub_at, sizeof out->sub_at, "%zu", w->sub);
    snprintf(out->sub_nth, sizeof out->sub_nth, "%zu", w->sub + 1);
}

/* The JSON path of w, for the one message a field has no format of its own for. */
static const char *s_path(const td_report_where *w, char *buf, size_t len)
{
    static const char *const names[] = {
        [TD_FIELD_UNIT] = "unit",
        [TD_FIELD_DATASET] = "dataset",
        [TD_FIELD_PERIOD] = "period",
        [TD_FIELD_PREPARED_BY] = "prepared_by",
        [TD_FIELD_TASK_GROUPS] = "task_groups",
        [TD_FIELD_GROUP] = "",
        [TD_FIELD_GROUP_GROUP] = ".group",
        [TD_FIELD_GROUP_STATUS] = ".status",
        [TD_FIELD_GROUP_PROGRESS] = ".progress",
        [TD_FIELD_GROUP_NOTE] = ".note",
        [TD_FIELD_VALUE_VALUE] = ".value",
        [TD_FIELD_VALUE_COMMENT] = ".comment",
        [TD_FIELD_TASK] = "",
        [TD_FIELD_TASK_ID] = ".id",
        [TD_FIELD_TASK_TITLE] = ".title",
        [TD_FIELD_TASK_GROUP] = ".task_group",
        [TD_FIELD_TASK_OWNER] = ".owner",
        [TD_FIELD_TASK_CO_OWNER] = ".co_owners",
        [TD_FIELD_TASK_DEADLINE] = ".deadline",
        [TD_FIELD_TASK_STATUS] = ".status",
        [TD_FIELD_TASK_COMPLETED_ON] = ".completed_on",
        [TD_FIELD_TASK_EXPECTED_RESULT] = ".expected_result",
    };
    const char *name = (size_t) w->field < sizeof names / sizeof names[0] ? names[w->field] : "";
    switch (w->field) {
    case TD_FIELD_GROUP:
    case TD_FIELD_GROUP_GROUP:
    case TD_FIELD_GROUP_STATUS:
    case TD_FIELD_GROUP_PROGRESS:
    case TD_FIELD_GROUP_NOTE:
        snprintf(buf, len, "task_groups[%zu]%s", w->index, name);
        break;
    case TD_FIELD_VALUE_VALUE:
    case TD_FIELD_VALUE_COMMENT:
        snprintf(buf, len, "data.%s%s", w->element != NULL ? w->element : "", name);
        break;
    case TD_FIELD_TASK_CO_OWNER:
        snprintf(buf, len, "action_plan[%zu].co_owners[%zu]", w->index, w->sub);
        break;
    case TD_FIELD_TASK:
    case TD_FIELD_TASK_ID:
    case TD_FIELD_TASK_TITLE:
    case TD_FIELD_TASK_GROUP:
    case TD_FIELD_TASK_OWNER:
    case TD_FIELD_TASK_DEADLINE:
    case TD_FIELD_TASK_STATUS:
    case TD_FIELD_TASK_COMPLETED_ON:
    case TD_FIELD_TASK_EXPECTED_RESULT:
        snprintf(buf, len, "action_plan[%zu]%s", w->index, name);
        break;
    default:
        snprintf(buf, len, "%s", name);
        break;
    }
    return buf;
}

/* In the formats below the place comes first: the index as the path shows it, then (as
 * "%.0s", reason.h) the number people count by; a co-owner adds its own two. */

void td_report_why_missing(td_reason *why, const td_report_where *w)
{
    td_report_place p;
    char path[TD_REPORT_PATH_MAX];
    td_report_place_of(w, &p);
    switch (w->field) {
    case TD_FIELD_UNIT:
        td_reason_set(why, "unit: missing");
        return;
    case TD_FIELD_DATASET:
        td_reason_set(why, "dataset: missing");
        return;
    case TD_FIELD_PERIOD:
        td_reason_set(why, "period: missing");
        return;
    case TD_FIELD_PREPARED_BY:
        td_reason_set(why, "prepared_by: missing");
        return;
    case TD_FIELD_TASK_GROUPS:
        td_reason_set(why, "task_groups: missing");
        return;
    case TD_FIELD_GROUP:
        /* TRANSLATORS: %s: the entry's index in the JSON list (from 0); %.0s: its place
           counting from 1 (show it with %2$s, hide the index with %1$.0s) */
        td_reason_set(why, "task_groups[%s%.0s]: missing", p.at, p.nth);
        return;
    case TD_FIELD_GROUP_GROUP:
        td_reason_set(why, "task_groups[%s%.0s].group: missing", p.at, p.nth);
        return;
    case TD_FIELD_GROUP_STATUS:
        /* TRANSLATORS: %s: the entry's index in the JSON list (from 0); %.0s: the task
           group's number 1 to 6 (show it with %2$s, hide the index with %1$.0s) */
        td_reason_set(why, "task_groups[%s%.0s].status: missing", p.at, p.nth);
        return;
    case TD_FIELD_GROUP_PROGRESS:
        td_reason_set(why, "task_groups[%s%.0s].progress: missing", p.at, p.nth);
        return;
    case TD_FIELD_VALUE_VALUE:
        td_reason_set(why, "data.%s.value: missing", w->element);
        return;
    case TD_FIELD_TASK:
        /* TRANSLATORS: %s: the task's index in the JSON list (from 0); %.0s: its place
           counting from 1 (show it with %2$s, hide the index with %1$.0s) */
        td_reason_set(why, "action_plan[%s%.0s]: missing", p.at, p.nth);
        return;
    case TD_FIELD_TASK_ID:
        td_reason_set(why, "action_plan[%s%.0s].id: missing", p.at, p.nth);
        return;
    case TD_FIELD_TASK_TITLE:
        td_reason_set(why, "action_plan[%s%.0s].title: missing", p.at, p.nth);
        return;
    case TD_FIELD_TASK_GROUP:
        td_reason_set(why, "action_plan[%s%.0s].task_group: missing", p.at, p.nth);
        return;
    case TD_FIELD_TASK_OWNER:
        td_reason_set(why, "action_plan[%s%.0s].owner: missing", p.at, p.nth);
        return;
    case TD_FIELD_TASK_CO_OWNER:
        /* TRANSLATORS: the task's index (from 0) and place (from 1), then the same for
           the co-owner in its list */
        td_reason_set(why, "action_plan[%s%.0s].co_owners[%s%.0s]: missing", p.at, p.nth, p.sub_at,
                      p.sub_nth);
        return;
    case TD_FIELD_TASK_DEADLINE:
        td_reason_set(why, "action_plan[%s%.0s].deadline: missing", p.at, p.nth);
        return;
    case TD_FIELD_TASK_STATUS:
        td_reason_set(why, "action_plan[%s%.0s].status: missing", p.at, p.nth);
        return;
    case TD_FIELD_TASK_COMPLETED_ON:
        td_reason_set(why, "action_plan[%s%.0s].completed_on: missing", p.at, p.nth);
        return;
    default:
        /* TRANSLATORS: %s: a field's JSON path, e.g. task_groups[2].note */
        td_reason_set(why, "%s: missing", s_path(w, path, sizeof path));
        return;
    }
}

void td_report_why_not_string(td_reason *why, const td_report_where *w)
{
    td_report_place p;
    char path[TD_REPORT_PATH_MAX];
    td_report_place_of(w, &p);
    switch (w->field) {
    case TD_FIELD_UNIT:
        td_reason_set(why, "unit: must be a string");
        return;
    case TD_FIELD_DATASET:
        td_reason_set(why, "dataset: must be a string");
        return;
    case TD_FIELD_PERIOD:
        td_reason_set(why, "period: must be a string");
        return;
    case TD_FIELD_PREPARED_BY:
        td_reason_set(why, "prepared_by: must be a string");
        return;
    case TD_FIELD_GROUP_NOTE:
        td_reason_set(why, "task_groups[%s%.0s].note: must be a string", p.at, p.nth);
        return;
    case TD_FIELD_VALUE_COMMENT:
        td_reason_set(why, "data.%s.comment: must be a string", w->element);
        return;
    case TD_FIELD_TASK_ID:
        td_reason_set(why, "action_plan[%s%.0s].id: must be a string", p.at, p.nth);
        return;
    case TD_FIELD_TASK_TITLE:
        td_reason_set(why, "action_plan[%s%.0s].title: must be a string", p.at, p.nth);
        return;
    case TD_FIELD_TASK_OWNER:
        td_reason_set(why, "action_plan[%s%.0s].owner: must be a string", p.at, p.nth);
        return;
    case TD_FIELD_TASK_CO_OWNER:
        td_reason_set(why, "action_plan[%s%.0s].co_owners[%s%.0s]: must be a string", p.at, p.nth,
                      p.sub_at, p.sub_nth);
        return;
    case TD_FIELD_TASK_EXPECTED_RESULT:
        td_reason_set(why, "action_plan[%s%.0s].expected_result: must be a string", p.at, p.nth);
        return;
    default:
        td_reason_set(why, "%s: must be a string", s_path(w, path, sizeof path));
        return;
    }
}

void td_report_why_too_long(td_reason *why, const td_report_where *w, size_t max, size_t len)
{
    td_report_place p;
    char path[TD_REPORT_PATH_MAX];
    td_report_place_of(w, &p);
    switch (w->field) {
    case TD_FIELD_UNIT:
        td_reason_set(why, "unit: longer than %zu bytes (%zu)", max, len);
        return;
    case TD_FIELD_DATASET:
        td_reason_set(why, "dataset: longer than %zu bytes (%zu)", max, len);
        return;
    case TD_FIELD_PERIOD:
        td_reason_set(why, "period: longer than %zu bytes (%zu)", max, len);
        return;
    case TD_FIELD_PREPARED_BY:
        td_reason_set(why, "prepared_by: longer than %zu bytes (%zu)", max, len);
        return;
    case TD_FIELD_GROUP_NOTE:
        td_reason_set(why, "task_groups[%s%.0s].note: longer than %zu bytes (%zu)", p.at, p.nth,
                      max, len);
        return;
    case TD_FIELD_VALUE_COMMENT:
        td_reason_set(why, "data.%s.comment: longer than %zu bytes (%zu)", w->element, max, len);
        return;
    case TD_FIELD_TASK_ID:
        td_reason_set(why, "action_plan[%s%.0s].id: longer than %zu bytes (%zu)", p.at, p.nth, max,
                      len);
        return;
    case TD_FIELD_TASK_TITLE:
        td_reason_set(why, "action_plan[%s%.0s].title: longer than %zu bytes (%zu)", p.at, p.nth,
                      max, len);
        return;
    case TD_FIELD_TASK_OWNER:
        td_reason_set(why, "action_plan[%s%.0s].owner: longer than %zu bytes (%zu)", p.at, p.nth,
                      max, len);
        return;
    case TD_FIELD_TASK_CO_OWNER:
        td_reason_set(why, "action_plan[%s%.0s].co_owners[%s%.0s]: longer than %zu bytes (%zu)",
                      p.at, p.nth, p.sub_at, p.sub_nth, max, len);
        return;
    case TD_FIELD_TASK_EXPECTED_RESULT:
        td_reason_set(why, "action_plan[%s%.0s].expected_result: longer than %zu bytes (%zu)", p.at,
                      p.nth, max, len);
        return;
    default:
        td_reason_set(why, "%s: longer than %zu bytes (%zu)", s_path(w, path, sizeof path), max,
                      len);
        return;
    }
}

void td_report_why_not_utf8(td_reason *why, const td_report_where *w)
{
    td_report_place p;
    char path[TD_REPORT_PATH_MAX];
    td_report_place_of(w, &p);
    switch (w->field) {
    case TD_FIELD_PREPARED_BY:
        td_reason_set(why, "prepared_by: not valid UTF-8");
        return;
    case TD_FIELD_GROUP_NOTE:
        td_reason_set(why, "task_groups[%s%.0s].note: not valid UTF-8", p.at, p.nth);
        return;
    case TD_FIELD_VALUE_COMMENT:
        td_reason_set(why, "data.%s.comment: not valid UTF-8", w->element);
        return;
    case TD_FIELD_TASK_ID:
        td_reason_set(why, "action_plan[%s%.0s].id: not valid UTF-8", p.at, p.nth);
        return;
    case TD_FIELD_TASK_TITLE:
        td_reason_set(why, "action_plan[%s%.0s].title: not valid UTF-8", p.at, p.nth);
        return;
    case TD_FIELD_TASK_OWNER:
        td_reason_set(why, "action_plan[%s%.0s].owner: not valid UTF-8", p.at, p.nth);
        return;
    case TD_FIELD_TASK_CO_OWNER:
        td_reason_set(why, "action_plan[%s%.0s].co_owners[%s%.0s]: not valid UTF-8", p.at, p.nth,
                      p.sub_at, p.sub_nth);
        return;
    case TD_FIELD_TASK_EXPECTED_RESULT:
        td_reason_set(why, "action_plan[%s%.0s].expected_result: not valid UTF-8", p.at, p.nth);
        return;
    default:
        td_reason_set(why, "%s: not valid UTF-8", s_path(w, path, sizeof path));
        return;
    }
}

void td_report_why_blank(td_reason *why, const td_report_where *w)
{
    td_report_place p;
    char path[TD_REPORT_PATH_MAX];
    td_report_place_of(w, &p);
    switch (w->field) {
    case TD_FIELD_PREPARED_BY:
        td_reason_set(why, "prepared_by: must not be empty");
        return;
    case TD_FIELD_TASK_ID:
        td_reason_set(why, "action_plan[%s%.0s].id: must not be empty", p.at, p.nth);
        return;
    case TD_FIELD_TASK_TITLE:
        td_reason_set(why, "action_plan[%s%.0s].title: must not be empty", p.at, p.nth);
        return;
    case TD_FIELD_TASK_OWNER:
        td_reason_set(why, "action_plan[%s%.0s].owner: must not be empty", p.at, p.nth);
        return;
    case TD_FIELD_TASK_CO_OWNER:
        td_reason_set(why, "action_plan[%s%.0s].co_owners[%s%.0s]: must not be empty", p.at, p.nth,
                      p.sub_at, p.sub_nth);
        return;
    default:
        td_reason_set(why, "%s: must not be empty", s_path(w, path, sizeof path));
        return;
    }
}

void td_report_free(Tiendo__Report **report)
{
    if (report == NULL || *report == NULL)
        return;
    tiendo__report__free_unpacked(*report, NULL);
    *report = NULL;
}
