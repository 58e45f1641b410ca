/* report.h: a locality's report: the bounds and words its modules share. The report's
 * JSON form is read by report_json, written by report_write and checked by report_rules;
 * this header includes all three, so "report.h" is the one include a program needs. */
#ifndef TIENDO_REPORT_H
#define TIENDO_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "calendar.h"
#include "error.h"
#include "period.h"
#include "reason.h"
#include "registry.h"
#include "tiendo.pb-c.h"

#define TD_MAX_REPORT_JSON 262144 /* bytes of JSON accepted by submit */
#define TD_MAX_JSON_DEPTH  8
#define TD_MAX_TEXT        2000 /* bytes in a note, comment or title */
#define TD_MAX_SHORT_TEXT  200  /* bytes in a name, owner, id */
#define TD_MAX_VALUES      256  /* data values per report */
#define TD_MAX_TASKS       200  /* action-plan tasks per report */
#define TD_MAX_CO_OWNERS   10   /* co-owners of one action-plan task */

#define TD_REPORT_QUOTE_MAX 40  /* bytes of a user's value echoed in a message */
#define TD_REPORT_PATH_MAX  192 /* a field path in a message: "action_plan[12].deadline" */
/* prepared_at must fall within the years periods may use. */
#define TD_REPORT_TIME_MIN INT64_C(946684800)  /* 2000-01-01T00:00:00Z */
#define TD_REPORT_TIME_MAX INT64_C(4133980800) /* 2101-01-01T00:00:00Z */

/* "not_started", "in_progress", "completed" (the JSON words, stable); NULL for a value
 * outside the enum. */
const char *td_task_status_name(Tiendo__TaskStatus status);
/* The status called text (one of the words above): 0 with *out set, or -1. */
int td_task_status_parse(const char *text, Tiendo__TaskStatus *out);

/* A bounded, printable copy of srclen bytes of src for an error message, in dst (dstlen
 * bytes, at least 8): the text may come from a hostile peer, so control bytes (and every
 * non-ASCII byte of invalid UTF-8) become '?', and text past TD_REPORT_QUOTE_MAX bytes is
 * cut on a character boundary with "...". Returns dst. */
const char *td_report_quote(char *dst, size_t dstlen, const char *src, size_t srclen);

/* ---- naming a field in a message ----
 * A refusal names the field in two ways at once: the English text gives its JSON path
 * ("task_groups[2].progress", counting list entries from 0 as jq does), and its
 * arguments give a translation what people count by: the task group's number, the
 * entry's place counting from 1 (reason.h, "%.0s"). So the Vietnamese reads "Nhóm nhiệm
 * vụ 3: tiến độ (progress) ..." where the English says "task_groups[2].progress: ...".
 * One format per kind of field and problem: each is a whole sentence to translate. */

typedef enum {
    TD_FIELD_UNIT,
    TD_FIELD_DATASET,
    TD_FIELD_PERIOD,
    TD_FIELD_PREPARED_BY,
    TD_FIELD_TASK_GROUPS,
    TD_FIELD_GROUP,          /* task_groups[i] (entry) */
    TD_FIELD_GROUP_GROUP,    /* task_groups[i].group */
    TD_FIELD_GROUP_STATUS,   /* task_groups[i].status (the group number is known) */
    TD_FIELD_GROUP_PROGRESS, /* task_groups[i].progress (the group number is known) */
    TD_FIELD_GROUP_NOTE,     /* task_groups[i].note (the group number is known) */
    TD_FIELD_VALUE_VALUE,    /* data.ELEMENT.value */
    TD_FIELD_VALUE_COMMENT,  /* data.ELEMENT.comment */
    TD_FIELD_TASK,           /* action_plan[i] (entry) */
    TD_FIELD_TASK_ID,
    TD_FIELD_TASK_TITLE,
    TD_FIELD_TASK_GROUP, /* action_plan[i].task_group */
    TD_FIELD_TASK_OWNER,
    TD_FIELD_TASK_CO_OWNER, /* action_plan[i].co_owners[k] */
    TD_FIELD_TASK_DEADLINE,
    TD_FIELD_TASK_STATUS,
    TD_FIELD_TASK_COMPLETED_ON,
    TD_FIELD_TASK_EXPECTED_RESULT,
} td_report_field;

/* Where a field is: its kind and the numbers or name its path needs. */
typedef struct {
    td_report_field field;
    size_t index;        /* task_groups[index], action_plan[index] */
    size_t sub;          /* co_owners[sub] */
    uint32_t group;      /* the task group's number (GROUP_STATUS, _PROGRESS, _NOTE) */
    const char *element; /* data.ELEMENT (a valid element name) */
} td_report_where;

/* The refusals every field may get, written into why (reason.h) for the field at w. */
void td_report_why_missing(td_reason *why, const td_report_where *w);
void td_report_why_not_string(td_reason *why, const td_report_where *w);
void td_report_why_too_long(td_reason *why, const td_report_where *w, size_t max, size_t len);
void td_report_why_not_utf8(td_reason *why, const td_report_where *w);
void td_report_why_blank(td_reason *why, const td_report_where *w);

/* The arguments of a field's place in a message: `at` its index as the path shows it
 * ("2"), `nth` what people count it by ("3": its place from 1, or its task group's
 * number), and the same for the co-owner of a task. */
typedef struct {
    char at[24], nth[24], sub_at[24], sub_nth[24];
} td_report_place;
void td_report_place_of(const td_report_where *w, td_report_place *out);

/* Free a report built by td_report_from_json or unpacked with the default allocator, and
 * NULL *report; accepts NULL. */
void td_report_free(Tiendo__Report **report);

#include "report_json.h"
#include "report_rules.h"
#include "report_write.h"

#endif
