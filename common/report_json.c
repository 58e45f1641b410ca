/* report_json.c: reading a report's JSON form (docs/report-format.md) into a Tiendo__Report. */
#include "report_json.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "report.h"
#include "utf8.h"
#include "clock.h"
#include "i18n.h"

/* Line and column (in characters, 1-based) of a byte offset, as jansson counts them. */
static void s_line_column(const char *text, size_t offset, int *line, int *column)
{
    *line = 1;
    *column = 1;
    for (size_t i = 0; i < offset; i++) {
        unsigned char c = (unsigned char) text[i];

        if (c == '\n') {
            (*line)++;
            *column = 1;
        } else if ((c & 0xc0) != 0x80) {
            (*column)++;
        }
    }
}

/* ---- raw-text walk: nesting depth and field paths ------------------------------ */

typedef struct {
    char kind;       /* '{' or '[' */
    size_t index;    /* element index inside an array */
    const char *key; /* current key inside an object (raw text), or NULL */
    size_t keylen;
    int expect_key;
} s_frame;

static void s_path_format(const s_frame *frames, size_t depth, char *path, size_t pathlen)
{
    size_t o = 0;

    path[0] = '\0';
    for (size_t i = 0; i < depth && o < pathlen; i++) {
        char piece[TD_REPORT_QUOTE_MAX * 2];
        int n;

        if (frames[i].kind == '[') {
            n = snprintf(path + o, pathlen - o, "[%zu]", frames[i].index);
        } else if (frames[i].key != NULL) {
            td_report_quote(piece, sizeof piece, frames[i].key, frames[i].keylen);
            n = snprintf(path + o, pathlen - o, "%s%s", o > 0 ? "." : "", piece);
        } else {
            continue;
        }
        if (n < 0)
            break;
        o += (size_t) n;
    }
}

/* Walk raw JSON text up to byte `stop`, tracking brackets outside strings. This
 * runs before jansson so that deep nesting is refused in O(n) without building
 * anything, and after a jansson error to name the field at the error's offset.
 * It tolerates malformed text (jansson reports that). Returns the offset of the
 * first bracket that would nest deeper than TD_MAX_JSON_DEPTH, or `stop` when
 * none did; path (if not NULL) receives the field path at that point. */
static size_t s_walk(const char *text, size_t stop, char *path, size_t pathlen)
{
    s_frame frames[TD_MAX_JSON_DEPTH];
    size_t depth = 0;
    size_t i;

    for (i = 0; i < stop; i++) {
        char c = text[i];
        s_frame *top = depth > 0 ? &frames[depth - 1] : NULL;

        if (c == '"') {
            size_t start = i + 1;
            size_t j = start;

            while (j < stop && text[j] != '"')
                j += text[j] == '\\' ? 2 : 1;
            if (top != NULL && top->kind == '{' && top->expect_key) {
                top->key = text + start;
                top->keylen = (j < stop ? j : stop) - start;
                if (j < stop)
                    top->expect_key = 0;
            }
            i = j;
        } else if (c == '{' || c == '[') {
            if (depth == TD_MAX_JSON_DEPTH)
                break;
            frames[depth++] = (s_frame){.kind = c, .expect_key = c == '{'};
        } else if (c == '}' || c == ']') {
            if (depth > 0)
                depth--;
        } else if (c == ',' && top != NULL) {
            if (top->kind == '[') {
                top->index++;
            } else {
                top->expect_key = 1;
                top->key = NULL;
            }
        }
    }
    if (path != NULL)
        s_path_format(frames, depth, path, pathlen);
    return i < stop ? i : stop;
}

static size_t s_json_depth(const json_t *v)
{
    size_t deepest = 0;

    if (json_is_object(v)) {
        const char *key;
        json_t *member;

        json_object_foreach((json_t *) v, key, member)
        {
            size_t d = s_json_depth(member);
            if (d > deepest)
                deepest = d;
        }
        return deepest + 1;
    }
    if (json_is_array(v)) {
        size_t idx;
        json_t *member;

        json_array_foreach(v, idx, member)
        {
            size_t d = s_json_depth(member);
            if (d > deepest)
                deepest = d;
        }
        return deepest + 1;
    }
    return 0;
}

/* ---- JSON -> protobuf ---------------------------------------------------------- */

/* The formats given to s_fail are marked N_() so that xgettext collects them (they are
 * reasons, reason.h: English msgids, translated where they are read). */

typedef struct {
    td_reason *why;
    td_err rc;
} s_ctx;

static int s_fail(s_ctx *c, td_err rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int s_fail(s_ctx *c, td_err rc, const char *fmt, ...)
{
    va_list ap;

    c->rc = rc;
    va_start(ap, fmt);
    td_reason_vset(c->why, fmt, ap);
    va_end(ap);
    return -1;
}

static int s_nomem(s_ctx *c)
{
    return s_fail(c, TD_ERR_NOMEM, N_("out of memory while reading the report"));
}

/* A refusal of the field at w (td_report_why_*), as s_fail. */
static int s_invalid(s_ctx *c)
{
    c->rc = TD_ERR_INVALID;
    return -1;
}

/* The first member of obj not in `allowed` (NULL-terminated), quoted into q; NULL when
 * every member is known. */
static const char *s_unknown_key(const json_t *obj, const char *const *allowed, char *q,
                                 size_t qlen)
{
    const char *key;
    json_t *v;

    json_object_foreach((json_t *) obj, key, v)
    {
        size_t i;

        for (i = 0; allowed[i] != NULL; i++) {
            if (strcmp(key, allowed[i]) == 0)
                break;
        }
        if (allowed[i] == NULL)
            return td_report_quote(q, qlen, key, strlen(key));
    }
    return NULL;
}

/* Copy a JSON string of at most max bytes into *out (malloc'd). */
static int s_take_string(s_ctx *c, const td_report_where *w, const json_t *v, size_t max,
                         char **out)
{
    size_t n;

    if (!json_is_string(v)) {
        td_report_why_not_string(c->why, w);
        return s_invalid(c);
    }
    n = json_string_length(v);
    if (n > max) {
        td_report_why_too_long(c->why, w, max, n);
        return s_invalid(c);
    }
    /* jansson has checked the UTF-8 and, without JSON_ALLOW_NUL, refused \u0000. */
    *out = malloc(n + 1);
    if (*out == NULL)
        return s_nomem(c);
    memcpy(*out, json_string_value(v), n + 1);
    return 0;
}

static int s_required(s_ctx *c, const json_t *obj, const char *name, const td_report_where *w,
                      json_t **out)
{
    *out = json_object_get(obj, name);
    if (*out == NULL) {
        td_report_why_missing(c->why, w);
        return s_invalid(c);
    }
    return 0;
}

static int s_json_status(const json_t *v, Tiendo__TaskStatus *out)
{
    return td_task_status_parse(json_string_value(v), out);
}

/* A JSON integer (or a real with an integral value) within [min, max]. */
static int s_json_int(const json_t *v, long long min, long long max, long long *out)
{
    double d;

    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < min || i > max)
            return -1;
        *out = i;
        return 0;
    }
    if (!json_is_real(v))
        return -1;
    d = json_real_value(v);
    if (d < (double) min || d > (double) max || (double) (long long) d != d)
        return -1;
    *out = (long long) d;
    return 0;
}

/* RFC 3339 in UTC: YYYY-MM-DDTHH:MM:SS[.fraction]Z (fraction dropped). */
static int s_parse_utc(const char *s, int64_t *out)
{
    char datebuf[11];
    td_date d;
    int h, m, sec;
    size_t i = 19;

    if (strlen(s) < 20 || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
        return -1;
    memcpy(datebuf, s, 10);
    datebuf[10] = '\0';
    if (td_date_parse(datebuf, &d) != TD_OK)
        return -1;
    for (size_t k = 11; k < 19; k++) {
        if (k != 13 && k != 16 && (s[k] < '0' || s[k] > '9'))
            return -1;
    }
    h = (s[11] - '0') * 10 + (s[12] - '0');
    m = (s[14] - '0') * 10 + (s[15] - '0');
    sec = (s[17] - '0') * 10 + (s[18] - '0');
    if (h > 23 || m > 59 || sec > 59)
        return -1;
    if (s[i] == '.') {
        i++;
        if (s[i] < '0' || s[i] > '9')
            return -1;
        while (s[i] >= '0' && s[i] <= '9' && i < 40)
            i++;
    }
    if ((s[i] != 'Z' && s[i] != 'z') || s[i + 1] != '\0')
        return -1;
    *out = td_date_to_unix(&d) + h * 3600 + m * 60 + sec;
    if (*out < TD_REPORT_TIME_MIN || *out >= TD_REPORT_TIME_MAX)
        return -1;
    return 0;
}

/* A task's deadline or completed_on. */
static int s_take_date(s_ctx *c, const td_report_where *w, const json_t *v, char **out)
{
    td_date d;
    const char *s = json_string_value(v);
    td_report_place p;

    if (s == NULL || strlen(s) != 10 || td_date_parse(s, &d) != TD_OK) {
        td_report_place_of(w, &p);
        if (w->field == TD_FIELD_TASK_DEADLINE)
            return s_fail(c, TD_ERR_INVALID,
                          N_("action_plan[%s%.0s].deadline: must be a date YYYY-MM-DD"), p.at,
                          p.nth);
        return s_fail(c, TD_ERR_INVALID,
                      N_("action_plan[%s%.0s].completed_on: must be a date YYYY-MM-DD"), p.at,
                      p.nth);
    }
    return s_take_string(c, w, v, 10, out);
}

static int s_load_task_group(s_ctx *c, const json_t *obj, size_t idx, Tiendo__TaskGroupProgress *t)
{
    static const char *const allowed[] = {"group", "status", "progress", "note", NULL};
    td_report_where w = {.field = TD_FIELD_GROUP, .index = idx};
    td_report_place p;
    char q[TD_REPORT_QUOTE_MAX * 2];
    const char *unknown;
    json_t *v;
    Tiendo__TaskStatus st;
    long long g;

    td_report_place_of(&w, &p);
    if (!json_is_object(obj))
        return s_fail(c, TD_ERR_INVALID,
                      N_("task_groups[%s%.0s]: must be an object {\"group\", \"status\", "
                         "\"progress\", \"note\"}"),
                      p.at, p.nth);
    if ((unknown = s_unknown_key(obj, allowed, q, sizeof q)) != NULL)
        return s_fail(c, TD_ERR_INVALID, N_("task_groups[%s%.0s]: unknown field '%s'"), p.at, p.nth,
                      unknown);

    w.field = TD_FIELD_GROUP_GROUP;
    if (s_required(c, obj, "group", &w, &v) != 0)
        return -1;
    if (s_json_int(v, 1, TD_TASK_GROUPS, &g) != 0)
        return s_fail(c, TD_ERR_INVALID,
                      N_("task_groups[%s%.0s].group: must be a task group from 1 to 6"), p.at,
                      p.nth);
    t->group = (uint32_t) g;
    t->has_group = 1;
    /* from here on the group is named by its number */
    w.group = t->group;
    w.field = TD_FIELD_GROUP_STATUS;
    td_report_place_of(&w, &p);

    /* null (as the template writes them) is "not filled in": the rules say what is missing */
    if (s_required(c, obj, "status", &w, &v) != 0)
        return -1;
    if (!json_is_null(v)) {
        if (s_json_status(v, &st) != 0)
            return s_fail(c, TD_ERR_INVALID,
                          N_("task_groups[%s%.0s].status: must be one of not_started, "
                             "in_progress, completed"),
                          p.at, p.nth);
        t->status = st;
        t->has_status = 1;
    }

    w.field = TD_FIELD_GROUP_PROGRESS;
    if (s_required(c, obj, "progress", &w, &v) != 0)
        return -1;
    if (!json_is_null(v)) {
        if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 100)
            return s_fail(c, TD_ERR_INVALID,
                          N_("task_groups[%s%.0s].progress: must be a number from 0 to 100"), p.at,
                          p.nth);
        t->progress_percent = json_number_value(v);
        t->has_progress_percent = 1;
    }

    v = json_object_get(obj, "note");
    w.field = TD_FIELD_GROUP_NOTE;
    if (v != NULL && s_take_string(c, &w, v, TD_MAX_TEXT, &t->note) != 0)
        return -1;
    return 0;
}

static int s_load_task_groups(s_ctx *c, const json_t *arr, Tiendo__Report *r)
{
    size_t n;
    int seen[TD_TASK_GROUPS + 1] = {0};

    if (!json_is_array(arr))
        return s_fail(c, TD_ERR_INVALID,
                      N_("task_groups: must be an array of the six task groups"));
    n = json_array_size(arr);
    if (n != TD_TASK_GROUPS)
        return s_fail(
            c, TD_ERR_INVALID,
            N_("task_groups: must list each of the six task groups 1 to 6 once (found %zu)"), n);
    r->task_groups = calloc(n, sizeof *r->task_groups);
    if (r->task_groups == NULL)
        return s_nomem(c);
    for (size_t i = 0; i < n; i++) {
        Tiendo__TaskGroupProgress *t = malloc(sizeof *t);

        if (t == NULL)
            return s_nomem(c);
        tiendo__task_group_progress__init(t);
        r->task_groups[r->n_task_groups++] = t;
        if (s_load_task_group(c, json_array_get(arr, i), i, t) != 0)
            return -1;
        if (seen[t->group]++) {
            td_report_where w = {.field = TD_FIELD_GROUP, .index = i};
            td_report_place p;
            td_report_place_of(&w, &p);
            return s_fail(c, TD_ERR_INVALID,
                          N_("task_groups[%s].group: task group %u is listed twice%.0s"), p.at,
                          t->group, p.nth);
        }
    }
    return 0;
}

static int s_load_value(s_ctx *c, const char *element, const json_t *v, Tiendo__DataValue *dv)
{
    static const char *const allowed[] = {"value", "comment", NULL};
    const json_t *num = v;

    if (json_is_object(v)) {
        json_t *comment;
        char q[TD_REPORT_QUOTE_MAX * 2];
        const char *unknown = s_unknown_key(v, allowed, q, sizeof q);

        if (unknown != NULL)
            return s_fail(c, TD_ERR_INVALID, N_("data.%s: unknown field '%s'"), element, unknown);
        num = json_object_get(v, "value");
        if (num == NULL) {
            td_report_where w = {.field = TD_FIELD_VALUE_VALUE, .element = element};
            td_report_why_missing(c->why, &w);
            return s_invalid(c);
        }
        if (!json_is_number(num) || json_number_value(num) < 0)
            return s_fail(c, TD_ERR_INVALID, N_("data.%s.value: must be a non-negative number"),
                          element);
        comment = json_object_get(v, "comment");
        if (comment != NULL) {
            td_report_where w = {.field = TD_FIELD_VALUE_COMMENT, .element = element};
            if (s_take_string(c, &w, comment, TD_MAX_TEXT, &dv->comment) != 0)
                return -1;
        }
    } else if (!json_is_number(v) || json_number_value(v) < 0) {
        return s_fail(c, TD_ERR_INVALID, N_("data.%s: must be a non-negative number or null"),
                      element);
    }
    dv->element = strdup(element);
    if (dv->element == NULL)
        return s_nomem(c);
    dv->value = json_number_value(num);
    dv->has_value = 1;
    return 0;
}

static int s_load_data(s_ctx *c, const json_t *obj, Tiendo__Report *r)
{
    const char *key;
    json_t *v;
    size_t n = 0;

    if (!json_is_object(obj))
        return s_fail(
            c, TD_ERR_INVALID,
            N_("data: must be an object of data elements, e.g. {\"urban_population\": 1000}"));
    if (json_object_size(obj) > TD_MAX_VALUES)
        return s_fail(c, TD_ERR_INVALID, N_("data: more than %d elements"), TD_MAX_VALUES);
    json_object_foreach((json_t *) obj, key, v)
    {
        char q[TD_REPORT_QUOTE_MAX * 2];

        if (!td_element_name_valid(key))
            return s_fail(c, TD_ERR_INVALID,
                          N_("data: \"%s\" is not a data element name (lower-case letters, "
                             "digits and _)"),
                          td_report_quote(q, sizeof q, key, strlen(key)));
        if (!json_is_null(v))
            n++;
    }
    if (n == 0)
        return 0;
    r->values = calloc(n, sizeof *r->values);
    if (r->values == NULL)
        return s_nomem(c);
    json_object_foreach((json_t *) obj, key, v)
    {
        Tiendo__DataValue *dv;

        if (json_is_null(v))
            continue; /* null: not reported this period */
        dv = malloc(sizeof *dv);
        if (dv == NULL)
            return s_nomem(c);
        tiendo__data_value__init(dv);
        r->values[r->n_values++] = dv;
        if (s_load_value(c, key, v, dv) != 0)
            return -1;
    }
    return 0;
}

/* One field of action-plan task idx. */
static td_report_where s_task_field(td_report_field field, size_t idx)
{
    td_report_where w = {.field = field, .index = idx};
    return w;
}

static int s_load_co_owners(s_ctx *c, const json_t *v, size_t idx, Tiendo__ActionTask *t)
{
    td_report_where w = s_task_field(TD_FIELD_TASK_CO_OWNER, idx);
    td_report_place p;

    td_report_place_of(&w, &p);
    if (!json_is_array(v) || json_array_size(v) > TD_MAX_CO_OWNERS)
        return s_fail(c, TD_ERR_INVALID,
                      N_("action_plan[%s%.0s].co_owners: must be a list of at most %d names"), p.at,
                      p.nth, TD_MAX_CO_OWNERS);
    size_t n = json_array_size(v);
    t->co_owners = n > 0 ? calloc(n, sizeof *t->co_owners) : NULL;
    if (n > 0 && t->co_owners == NULL)
        return s_nomem(c);
    for (size_t k = 0; k < n; k++) {
        w.sub = k;
        if (s_take_string(c, &w, json_array_get(v, k), TD_MAX_SHORT_TEXT,
                          &t->co_owners[t->n_co_owners]) != 0)
            return -1;
        t->n_co_owners++;
    }
    return 0;
}

static int s_load_action(s_ctx *c, const json_t *obj, size_t idx, Tiendo__ActionTask *t)
{
    static const char *const allowed[] = {
        "id",       "title",  "task_group",   "owner",           "co_owners",
        "deadline", "status", "completed_on", "expected_result", NULL};
    td_report_where w = s_task_field(TD_FIELD_TASK, idx);
    td_report_place p;
    char q[TD_REPORT_QUOTE_MAX * 2];
    const char *unknown;
    json_t *v;
    Tiendo__TaskStatus st;
    long long g;

    td_report_place_of(&w, &p);
    if (!json_is_object(obj))
        return s_fail(c, TD_ERR_INVALID, N_("action_plan[%s%.0s]: must be an object"), p.at, p.nth);
    if ((unknown = s_unknown_key(obj, allowed, q, sizeof q)) != NULL)
        return s_fail(c, TD_ERR_INVALID, N_("action_plan[%s%.0s]: unknown field '%s'"), p.at, p.nth,
                      unknown);

    w.field = TD_FIELD_TASK_ID;
    if (s_required(c, obj, "id", &w, &v) != 0 ||
        s_take_string(c, &w, v, TD_MAX_SHORT_TEXT, &t->id) != 0)
        return -1;
    w.field = TD_FIELD_TASK_TITLE;
    if (s_required(c, obj, "title", &w, &v) != 0 ||
        s_take_string(c, &w, v, TD_MAX_TEXT, &t->title) != 0)
        return -1;
    w.field = TD_FIELD_TASK_GROUP;
    if (s_required(c, obj, "task_group", &w, &v) != 0)
        return -1;
    if (s_json_int(v, 1, TD_TASK_GROUPS, &g) != 0)
        return s_fail(c, TD_ERR_INVALID,
                      N_("action_plan[%s%.0s].task_group: must be a task group from 1 to 6"), p.at,
                      p.nth);
    t->task_group = (uint32_t) g;
    t->has_task_group = 1;
    v = json_object_get(obj, "owner");
    w.field = TD_FIELD_TASK_OWNER;
    if (v != NULL && s_take_string(c, &w, v, TD_MAX_SHORT_TEXT, &t->owner) != 0)
        return -1;
    v = json_object_get(obj, "co_owners");
    if (v != NULL && !json_is_null(v) && s_load_co_owners(c, v, idx, t) != 0)
        return -1;
    v = json_object_get(obj, "expected_result");
    w.field = TD_FIELD_TASK_EXPECTED_RESULT;
    if (v != NULL && !json_is_null(v) &&
        s_take_string(c, &w, v, TD_MAX_TEXT, &t->expected_result) != 0)
        return -1;
    w.field = TD_FIELD_TASK_DEADLINE;
    if (s_required(c, obj, "deadline", &w, &v) != 0 || s_take_date(c, &w, v, &t->deadline) != 0)
        return -1;
    w.field = TD_FIELD_TASK_STATUS;
    if (s_required(c, obj, "status", &w, &v) != 0)
        return -1;
    if (s_json_status(v, &st) != 0)
        return s_fail(c, TD_ERR_INVALID,
                      N_("action_plan[%s%.0s].status: must be one of not_started, "
                         "in_progress, completed"),
                      p.at, p.nth);
    t->status = st;
    t->has_status = 1;
    v = json_object_get(obj, "completed_on");
    if (v != NULL) {
        w.field = TD_FIELD_TASK_COMPLETED_ON;
        if (st != TIENDO__TASK_STATUS__TASK_COMPLETED)
            return s_fail(c, TD_ERR_INVALID,
                          N_("action_plan[%s%.0s].completed_on: only allowed when status is "
                             "completed"),
                          p.at, p.nth);
        if (s_take_date(c, &w, v, &t->completed_on) != 0)
            return -1;
    }
    return 0;
}

static int s_load_action_plan(s_ctx *c, const json_t *arr, Tiendo__Report *r)
{
    size_t n;

    if (!json_is_array(arr))
        return s_fail(c, TD_ERR_INVALID, N_("action_plan: must be an array of tasks"));
    n = json_array_size(arr);
    if (n > TD_MAX_TASKS)
        return s_fail(c, TD_ERR_INVALID, N_("action_plan: more than %d tasks"), TD_MAX_TASKS);
    if (n == 0)
        return 0;
    r->action_plan = calloc(n, sizeof *r->action_plan);
    if (r->action_plan == NULL)
        return s_nomem(c);
    for (size_t i = 0; i < n; i++) {
        Tiendo__ActionTask *t = malloc(sizeof *t);

        if (t == NULL)
            return s_nomem(c);
        tiendo__action_task__init(t);
        r->action_plan[r->n_action_plan++] = t;
        if (s_load_action(c, json_array_get(arr, i), i, t) != 0)
            return -1;
    }
    return 0;
}

static int s_load_report(s_ctx *c, const json_t *root, Tiendo__Report *r)
{
    static const char *const allowed[] = {"unit",        "dataset",     "period",
                                          "prepared_by", "prepared_at", "task_groups",
                                          "data",        "action_plan", NULL};
    json_t *v;
    char q[TD_REPORT_QUOTE_MAX * 2];
    const char *unknown;
    td_period p;
    td_report_where unit = {.field = TD_FIELD_UNIT}, dataset = {.field = TD_FIELD_DATASET},
                    period = {.field = TD_FIELD_PERIOD}, by = {.field = TD_FIELD_PREPARED_BY},
                    groups = {.field = TD_FIELD_TASK_GROUPS};

    if (!json_is_object(root))
        return s_fail(c, TD_ERR_INVALID, N_("the report must be a JSON object {...}"));
    if ((unknown = s_unknown_key(root, allowed, q, sizeof q)) != NULL)
        return s_fail(c, TD_ERR_INVALID, N_("unknown field '%s'"), unknown);

    if (s_required(c, root, "unit", &unit, &v) != 0 ||
        s_take_string(c, &unit, v, TD_MAX_SHORT_TEXT, &r->unit) != 0)
        return -1;
    if (!td_unit_code_valid(r->unit))
        return s_fail(c, TD_ERR_INVALID,
                      N_("unit: \"%s\" is not a unit code (e.g. \"01\"; letters, digits, '-', "
                         "'_')"),
                      td_report_quote(q, sizeof q, r->unit, strlen(r->unit)));

    v = json_object_get(root, "dataset");
    if (v != NULL) {
        if (s_take_string(c, &dataset, v, TD_MAX_SHORT_TEXT, &r->dataset) != 0)
            return -1;
        if (!td_dataset_name_valid(r->dataset))
            return s_fail(c, TD_ERR_INVALID,
                          N_("dataset: \"%s\" must be 1 to 16 lower-case letters, digits or _"),
                          td_report_quote(q, sizeof q, r->dataset, strlen(r->dataset)));
    } else {
        r->dataset = strdup(TD_DEFAULT_DATASET);
        if (r->dataset == NULL)
            return s_nomem(c);
    }

    if (s_required(c, root, "period", &period, &v) != 0 ||
        s_take_string(c, &period, v, TD_MAX_SHORT_TEXT, &r->period) != 0)
        return -1;
    if (td_period_parse(r->period, &p) != TD_OK)
        return s_fail(c, TD_ERR_INVALID,
                      N_("period: \"%s\" is not a period (expected e.g. 2026-Q3, 2026-M07, "
                         "2026-H2, 2026-9M, 2026)"),
                      td_report_quote(q, sizeof q, r->period, strlen(r->period)));

    /* Emptiness is td_report_validate's rule, so that a fresh template still parses. */
    if (s_required(c, root, "prepared_by", &by, &v) != 0 ||
        s_take_string(c, &by, v, TD_MAX_SHORT_TEXT, &r->prepared_by) != 0)
        return -1;

    v = json_object_get(root, "prepared_at");
    if (v != NULL) {
        const char *s = json_string_value(v);

        if (s == NULL || s_parse_utc(s, &r->prepared_at) != 0)
            return s_fail(c, TD_ERR_INVALID,
                          N_("prepared_at: must be a UTC time such as 2026-11-20T09:00:00Z"));
    } else {
        r->prepared_at = td_now_ms() / 1000;
    }
    r->has_prepared_at = 1;

    if (s_required(c, root, "task_groups", &groups, &v) != 0 || s_load_task_groups(c, v, r) != 0)
        return -1;
    v = json_object_get(root, "data");
    if (v != NULL && !json_is_null(v) && s_load_data(c, v, r) != 0)
        return -1;
    v = json_object_get(root, "action_plan");
    if (v != NULL && !json_is_null(v) && s_load_action_plan(c, v, r) != 0)
        return -1;
    for (size_t i = 0; i < r->n_action_plan; i++) {
        for (size_t j = 0; j < i; j++) {
            if (strcmp(r->action_plan[i]->id, r->action_plan[j]->id) == 0) {
                td_report_where w = s_task_field(TD_FIELD_TASK_ID, i);
                td_report_place pl;
                td_report_place_of(&w, &pl);
                return s_fail(c, TD_ERR_INVALID, N_("action_plan[%s%.0s].id: \"%s\" is used twice"),
                              pl.at, pl.nth,
                              td_report_quote(q, sizeof q, r->action_plan[i]->id,
                                              strlen(r->action_plan[i]->id)));
            }
        }
    }
    return 0;
}

/* Turn a jansson load error into a message that names the field. */
static td_err s_json_error(const char *text, size_t len, const json_error_t *je, td_reason *why)
{
    char path[TD_REPORT_PATH_MAX];
    size_t stop = je->position > 0 && (size_t) je->position < len ? (size_t) je->position : len;

    s_walk(text, stop, path, sizeof path);
    int in = path[0] != '\0';
    switch (json_error_code(je)) {
    case json_error_out_of_memory:
        td_reason_set(why, "out of memory while reading the report");
        return TD_ERR_NOMEM;
    case json_error_duplicate_key:
        td_reason_set(why, "%s: the field appears twice (line %d, column %d)", in ? path : "?",
                      je->line, je->column);
        return TD_ERR_DECODE;
    case json_error_invalid_utf8:
        if (in)
            td_reason_set(why, "%s: invalid UTF-8 at line %d, column %d (text must be UTF-8)", path,
                          je->line, je->column);
        else
            td_reason_set(why, "invalid UTF-8 at line %d, column %d (text must be UTF-8)", je->line,
                          je->column);
        return TD_ERR_DECODE;
    case json_error_null_character:
    case json_error_null_byte_in_key:
        if (in)
            td_reason_set(why, "%s: NUL characters are not allowed (line %d, column %d)", path,
                          je->line, je->column);
        else
            td_reason_set(why, "NUL characters are not allowed (line %d, column %d)", je->line,
                          je->column);
        return TD_ERR_DECODE;
    case json_error_numeric_overflow:
        if (in)
            td_reason_set(why, "%s: number out of range (line %d, column %d)", path, je->line,
                          je->column);
        else
            td_reason_set(why, "number out of range (line %d, column %d)", je->line, je->column);
        return TD_ERR_DECODE;
    default:
        if (in)
            td_reason_set(why, "JSON syntax error at line %d, column %d (in %s): %s", je->line,
                          je->column, path, je->text);
        else
            td_reason_set(why, "JSON syntax error at line %d, column %d: %s", je->line, je->column,
                          je->text);
        return TD_ERR_DECODE;
    }
}

td_err td_report_parse(const char *text, size_t len, Tiendo__Report **out, td_reason *why)
{
    s_ctx c = {.why = why, .rc = TD_OK};
    Tiendo__Report *r = NULL;
    json_t *root = NULL;
    json_error_t je;
    size_t deep;

    if (out == NULL || (text == NULL && len > 0)) {
        td_reason_set(why, "no report given");
        return TD_ERR_INVALID;
    }
    *out = NULL;
    if (len > TD_MAX_REPORT_JSON) {
        td_reason_set(why, "the report is %zu bytes; at most %d are accepted", len,
                      TD_MAX_REPORT_JSON);
        return TD_ERR_TOOBIG;
    }
    {
        char path[TD_REPORT_PATH_MAX];
        int line, column;

        deep = s_walk(text, len, path, sizeof path);
        if (deep < len) {
            s_line_column(text, deep, &line, &column);
            if (path[0] != '\0')
                td_reason_set(why, "%s: JSON nested deeper than %d levels (line %d, column %d)",
                              path, TD_MAX_JSON_DEPTH, line, column);
            else
                td_reason_set(why, "JSON nested deeper than %d levels (line %d, column %d)",
                              TD_MAX_JSON_DEPTH, line, column);
            return TD_ERR_DECODE;
        }
    }

    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL)
        return s_json_error(text, len, &je, why);
    if (s_json_depth(root) > TD_MAX_JSON_DEPTH) { /* the raw scan should make this unreachable */
        s_fail(&c, TD_ERR_DECODE, N_("JSON nested deeper than %d levels"), TD_MAX_JSON_DEPTH);
        goto cleanup;
    }

    r = malloc(sizeof *r);
    if (r == NULL) {
        s_nomem(&c);
        goto cleanup;
    }
    tiendo__report__init(r);
    if (s_load_report(&c, root, r) != 0)
        goto cleanup;
    *out = r;
    r = NULL;

cleanup:
    if (r != NULL)
        tiendo__report__free_unpacked(r, NULL);
    json_decref(root);
    return c.rc;
}

td_err td_report_from_json(const char *text, size_t len, Tiendo__Report **out, char *err,
                           size_t errlen)
{
    td_reason why;
    td_reason_clear(&why);
    td_err rc = td_report_parse(text, len, out, &why);
    if (rc != TD_OK && err != NULL && errlen > 0)
        snprintf(err, errlen, "%s", why.text);
    return rc;
}
