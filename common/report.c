/* report.c: a locality's report: JSON <-> protobuf, the template, and the validation rules. */
#include "report.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "utf8.h"

#define S_ELEMENT_MAX   63 /* bytes in a data element name, [a-z0-9_] */
#define S_QUOTE_MAX     40 /* bytes of a user's value echoed in a message */
#define S_PATH_MAX      192
#define S_MAX_EXACT_INT 9007199254740992.0 /* 2^53: doubles above it are not all integers */

/* prepared_at must fall within the years periods may use. */
#define S_TIME_MIN INT64_C(946684800)  /* 2000-01-01T00:00:00Z */
#define S_TIME_MAX INT64_C(4133980800) /* 2101-01-01T00:00:00Z */

static const char *const s_status_names[] = {
    [TIENDO__TASK_STATUS__TASK_NOT_STARTED] = "not_started",
    [TIENDO__TASK_STATUS__TASK_IN_PROGRESS] = "in_progress",
    [TIENDO__TASK_STATUS__TASK_COMPLETED] = "completed",
};
#define S_STATUS_HELP "must be one of not_started, in_progress, completed"
#define S_PERIOD_HELP "(expected e.g. 2026-Q3, 2026-M07, 2026-H2, 2026-9M, 2026)"

/* ---- messages ---------------------------------------------------------------- */

/* A bounded, printable copy of a value for an error message: the text may come from
 * a hostile peer, so control bytes (and every non-ASCII byte of invalid UTF-8)
 * become '?', and long text is cut on a character boundary with "...". */
static const char *s_quote(char *dst, size_t dstlen, const char *src, size_t srclen)
{
    int utf8 = td_utf8_valid(src, srclen);
    size_t o = 0;

    for (size_t i = 0; i < srclen && o + 4 < dstlen; i++) {
        unsigned char c = (unsigned char) src[i];

        if (i >= S_QUOTE_MAX && (c & 0xc0) != 0x80) {
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
        char piece[S_QUOTE_MAX * 2];
        int n;

        if (frames[i].kind == '[') {
            n = snprintf(path + o, pathlen - o, "[%zu]", frames[i].index);
        } else if (frames[i].key != NULL) {
            s_quote(piece, sizeof piece, frames[i].key, frames[i].keylen);
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

typedef struct {
    char *err;
    size_t errlen;
    td_err rc;
} s_ctx;

static int s_fail(s_ctx *c, td_err rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int s_fail(s_ctx *c, td_err rc, const char *fmt, ...)
{
    va_list ap;

    c->rc = rc;
    if (c->err != NULL && c->errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(c->err, c->errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int s_nomem(s_ctx *c)
{
    return s_fail(c, TD_ERR_NOMEM, "out of memory while reading the report");
}

/* "path: " prefix, or "" at the top level. */
static const char *s_at(const char *path, char *buf, size_t len)
{
    if (path[0] == '\0')
        return "";
    snprintf(buf, len, "%s: ", path);
    return buf;
}

/* Refuse members not in `allowed` (NULL-terminated). */
static int s_known_keys(s_ctx *c, const json_t *obj, const char *path, const char *const *allowed)
{
    const char *key;
    json_t *v;

    json_object_foreach((json_t *) obj, key, v)
    {
        size_t i;
        char q[S_QUOTE_MAX * 2], at[S_PATH_MAX + 2];

        for (i = 0; allowed[i] != NULL; i++) {
            if (strcmp(key, allowed[i]) == 0)
                break;
        }
        if (allowed[i] == NULL)
            return s_fail(c, TD_ERR_INVALID, "%sunknown field '%s'", s_at(path, at, sizeof at),
                          s_quote(q, sizeof q, key, strlen(key)));
    }
    return 0;
}

/* Copy a JSON string of at most max bytes into *out (malloc'd). */
static int s_take_string(s_ctx *c, const char *path, const json_t *v, size_t max, char **out)
{
    size_t n;

    if (!json_is_string(v))
        return s_fail(c, TD_ERR_INVALID, "%s: must be a string", path);
    n = json_string_length(v);
    if (n > max)
        return s_fail(c, TD_ERR_INVALID, "%s: longer than %zu bytes (%zu)", path, max, n);
    /* jansson has checked the UTF-8 and, without JSON_ALLOW_NUL, refused \u0000. */
    *out = malloc(n + 1);
    if (*out == NULL)
        return s_nomem(c);
    memcpy(*out, json_string_value(v), n + 1);
    return 0;
}

static int s_required(s_ctx *c, const json_t *obj, const char *name, const char *path, json_t **out)
{
    *out = json_object_get(obj, name);
    if (*out == NULL)
        return s_fail(c, TD_ERR_INVALID, "%s: missing", path);
    return 0;
}

static int s_is_code(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n >= TD_CODE_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
              ch == '-' || ch == '_'))
            return 0;
    }
    return 1;
}

/* [a-z0-9_]{1,max} */
static int s_is_name(const char *s, size_t max)
{
    size_t n = strlen(s);

    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'))
            return 0;
    }
    return 1;
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

static int s_status_parse(const json_t *v, Tiendo__TaskStatus *out)
{
    const char *s = json_string_value(v);

    if (s == NULL)
        return -1;
    for (int i = TIENDO__TASK_STATUS__TASK_NOT_STARTED; i <= TIENDO__TASK_STATUS__TASK_COMPLETED;
         i++) {
        if (strcmp(s, s_status_names[i]) == 0) {
            *out = (Tiendo__TaskStatus) i;
            return 0;
        }
    }
    return -1;
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
    if (*out < S_TIME_MIN || *out >= S_TIME_MAX)
        return -1;
    return 0;
}

static int s_take_date(s_ctx *c, const char *path, const json_t *v, char **out)
{
    td_date d;
    const char *s = json_string_value(v);

    if (s == NULL || strlen(s) != 10 || td_date_parse(s, &d) != TD_OK)
        return s_fail(c, TD_ERR_INVALID, "%s: must be a date YYYY-MM-DD", path);
    return s_take_string(c, path, v, 10, out);
}

static int s_group_number(s_ctx *c, const char *path, const json_t *v, uint32_t *out)
{
    long long g;

    if (s_json_int(v, 1, TD_TASK_GROUPS, &g) != 0)
        return s_fail(c, TD_ERR_INVALID, "%s: must be a task group from 1 to 6", path);
    *out = (uint32_t) g;
    return 0;
}

static int s_load_task_group(s_ctx *c, const json_t *obj, size_t idx, Tiendo__TaskGroupProgress *t)
{
    static const char *const allowed[] = {"group", "status", "progress", "note", NULL};
    char path[S_PATH_MAX], fp[S_PATH_MAX + 16];
    json_t *v;
    Tiendo__TaskStatus st;

    snprintf(path, sizeof path, "task_groups[%zu]", idx);
    if (!json_is_object(obj))
        return s_fail(c, TD_ERR_INVALID,
                      "%s: must be an object {\"group\", \"status\", "
                      "\"progress\", \"note\"}",
                      path);
    if (s_known_keys(c, obj, path, allowed) != 0)
        return -1;

    snprintf(fp, sizeof fp, "%s.group", path);
    if (s_required(c, obj, "group", fp, &v) != 0 || s_group_number(c, fp, v, &t->group) != 0)
        return -1;
    t->has_group = 1;

    snprintf(fp, sizeof fp, "%s.status", path);
    if (s_required(c, obj, "status", fp, &v) != 0)
        return -1;
    if (s_status_parse(v, &st) != 0)
        return s_fail(c, TD_ERR_INVALID, "%s: " S_STATUS_HELP, fp);
    t->status = st;
    t->has_status = 1;

    snprintf(fp, sizeof fp, "%s.progress", path);
    if (s_required(c, obj, "progress", fp, &v) != 0)
        return -1;
    if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 100)
        return s_fail(c, TD_ERR_INVALID, "%s: must be a number from 0 to 100", fp);
    t->progress_percent = json_number_value(v);
    t->has_progress_percent = 1;

    v = json_object_get(obj, "note");
    if (v != NULL) {
        snprintf(fp, sizeof fp, "%s.note", path);
        if (s_take_string(c, fp, v, TD_MAX_TEXT, &t->note) != 0)
            return -1;
    }
    return 0;
}

static int s_load_task_groups(s_ctx *c, const json_t *arr, Tiendo__Report *r)
{
    size_t n;
    int seen[TD_TASK_GROUPS + 1] = {0};

    if (!json_is_array(arr))
        return s_fail(c, TD_ERR_INVALID, "task_groups: must be an array of the six task groups");
    n = json_array_size(arr);
    if (n != TD_TASK_GROUPS)
        return s_fail(c, TD_ERR_INVALID,
                      "task_groups: must list each of the six task groups 1 to 6 once (found %zu)",
                      n);
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
        if (seen[t->group]++)
            return s_fail(c, TD_ERR_INVALID,
                          "task_groups[%zu].group: task group %u is listed twice", i, t->group);
    }
    return 0;
}

static int s_load_value(s_ctx *c, const char *element, const json_t *v, Tiendo__DataValue *dv)
{
    static const char *const allowed[] = {"value", "comment", NULL};
    char path[S_PATH_MAX], fp[S_PATH_MAX + 16];
    const json_t *num = v;

    snprintf(path, sizeof path, "data.%s", element);
    if (json_is_object(v)) {
        json_t *comment;

        if (s_known_keys(c, v, path, allowed) != 0)
            return -1;
        snprintf(fp, sizeof fp, "%s.value", path);
        num = json_object_get(v, "value");
        if (num == NULL)
            return s_fail(c, TD_ERR_INVALID, "%s: missing", fp);
        if (!json_is_number(num) || json_number_value(num) < 0)
            return s_fail(c, TD_ERR_INVALID, "%s: must be a non-negative number", fp);
        comment = json_object_get(v, "comment");
        if (comment != NULL) {
            snprintf(fp, sizeof fp, "%s.comment", path);
            if (s_take_string(c, fp, comment, TD_MAX_TEXT, &dv->comment) != 0)
                return -1;
        }
    } else if (!json_is_number(v) || json_number_value(v) < 0) {
        return s_fail(c, TD_ERR_INVALID, "%s: must be a non-negative number or null", path);
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
            "data: must be an object of data elements, e.g. {\"urban_population\": 1000}");
    if (json_object_size(obj) > TD_MAX_VALUES)
        return s_fail(c, TD_ERR_INVALID, "data: more than %d elements", TD_MAX_VALUES);
    json_object_foreach((json_t *) obj, key, v)
    {
        char q[S_QUOTE_MAX * 2];

        if (!s_is_name(key, S_ELEMENT_MAX))
            return s_fail(c, TD_ERR_INVALID,
                          "data: \"%s\" is not a data element name (lower-case letters, digits "
                          "and _)",
                          s_quote(q, sizeof q, key, strlen(key)));
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

static int s_load_action(s_ctx *c, const json_t *obj, size_t idx, Tiendo__ActionTask *t)
{
    static const char *const allowed[] = {"id",       "title",  "task_group",   "owner",
                                          "deadline", "status", "completed_on", NULL};
    char path[S_PATH_MAX], fp[S_PATH_MAX + 16];
    json_t *v;
    Tiendo__TaskStatus st;

    snprintf(path, sizeof path, "action_plan[%zu]", idx);
    if (!json_is_object(obj))
        return s_fail(c, TD_ERR_INVALID, "%s: must be an object", path);
    if (s_known_keys(c, obj, path, allowed) != 0)
        return -1;

    snprintf(fp, sizeof fp, "%s.id", path);
    if (s_required(c, obj, "id", fp, &v) != 0 ||
        s_take_string(c, fp, v, TD_MAX_SHORT_TEXT, &t->id) != 0)
        return -1;
    snprintf(fp, sizeof fp, "%s.title", path);
    if (s_required(c, obj, "title", fp, &v) != 0 ||
        s_take_string(c, fp, v, TD_MAX_TEXT, &t->title) != 0)
        return -1;
    snprintf(fp, sizeof fp, "%s.task_group", path);
    if (s_required(c, obj, "task_group", fp, &v) != 0 ||
        s_group_number(c, fp, v, &t->task_group) != 0)
        return -1;
    t->has_task_group = 1;
    v = json_object_get(obj, "owner");
    if (v != NULL) {
        snprintf(fp, sizeof fp, "%s.owner", path);
        if (s_take_string(c, fp, v, TD_MAX_SHORT_TEXT, &t->owner) != 0)
            return -1;
    }
    snprintf(fp, sizeof fp, "%s.deadline", path);
    if (s_required(c, obj, "deadline", fp, &v) != 0 || s_take_date(c, fp, v, &t->deadline) != 0)
        return -1;
    snprintf(fp, sizeof fp, "%s.status", path);
    if (s_required(c, obj, "status", fp, &v) != 0)
        return -1;
    if (s_status_parse(v, &st) != 0)
        return s_fail(c, TD_ERR_INVALID, "%s: " S_STATUS_HELP, fp);
    t->status = st;
    t->has_status = 1;
    v = json_object_get(obj, "completed_on");
    if (v != NULL) {
        snprintf(fp, sizeof fp, "%s.completed_on", path);
        if (st != TIENDO__TASK_STATUS__TASK_COMPLETED)
            return s_fail(c, TD_ERR_INVALID, "%s: only allowed when status is completed", fp);
        if (s_take_date(c, fp, v, &t->completed_on) != 0)
            return -1;
    }
    return 0;
}

static int s_load_action_plan(s_ctx *c, const json_t *arr, Tiendo__Report *r)
{
    size_t n;

    if (!json_is_array(arr))
        return s_fail(c, TD_ERR_INVALID, "action_plan: must be an array of tasks");
    n = json_array_size(arr);
    if (n > TD_MAX_TASKS)
        return s_fail(c, TD_ERR_INVALID, "action_plan: more than %d tasks", TD_MAX_TASKS);
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
    char q[S_QUOTE_MAX * 2];
    td_period p;

    if (!json_is_object(root))
        return s_fail(c, TD_ERR_INVALID, "the report must be a JSON object {...}");
    if (s_known_keys(c, root, "", allowed) != 0)
        return -1;

    if (s_required(c, root, "unit", "unit", &v) != 0 ||
        s_take_string(c, "unit", v, TD_MAX_SHORT_TEXT, &r->unit) != 0)
        return -1;
    if (!s_is_code(r->unit))
        return s_fail(c, TD_ERR_INVALID,
                      "unit: \"%s\" is not a unit code (e.g. \"01\"; letters, digits, '-', '_')",
                      s_quote(q, sizeof q, r->unit, strlen(r->unit)));

    v = json_object_get(root, "dataset");
    if (v != NULL) {
        if (s_take_string(c, "dataset", v, TD_MAX_SHORT_TEXT, &r->dataset) != 0)
            return -1;
        if (!td_dataset_name_valid(r->dataset))
            return s_fail(c, TD_ERR_INVALID,
                          "dataset: \"%s\" must be 1 to 16 lower-case letters, digits or _",
                          s_quote(q, sizeof q, r->dataset, strlen(r->dataset)));
    } else {
        r->dataset = strdup(TD_DEFAULT_DATASET);
        if (r->dataset == NULL)
            return s_nomem(c);
    }

    if (s_required(c, root, "period", "period", &v) != 0 ||
        s_take_string(c, "period", v, TD_MAX_SHORT_TEXT, &r->period) != 0)
        return -1;
    if (td_period_parse(r->period, &p) != TD_OK)
        return s_fail(c, TD_ERR_INVALID, "period: \"%s\" is not a period " S_PERIOD_HELP,
                      s_quote(q, sizeof q, r->period, strlen(r->period)));

    /* Emptiness is td_report_validate's rule, so that a fresh template still parses. */
    if (s_required(c, root, "prepared_by", "prepared_by", &v) != 0 ||
        s_take_string(c, "prepared_by", v, TD_MAX_SHORT_TEXT, &r->prepared_by) != 0)
        return -1;

    v = json_object_get(root, "prepared_at");
    if (v != NULL) {
        const char *s = json_string_value(v);

        if (s == NULL || s_parse_utc(s, &r->prepared_at) != 0)
            return s_fail(c, TD_ERR_INVALID,
                          "prepared_at: must be a UTC time such as 2026-11-20T09:00:00Z");
    } else {
        r->prepared_at = td_now_ms() / 1000;
    }
    r->has_prepared_at = 1;

    if (s_required(c, root, "task_groups", "task_groups", &v) != 0 ||
        s_load_task_groups(c, v, r) != 0)
        return -1;
    v = json_object_get(root, "data");
    if (v != NULL && !json_is_null(v) && s_load_data(c, v, r) != 0)
        return -1;
    v = json_object_get(root, "action_plan");
    if (v != NULL && !json_is_null(v) && s_load_action_plan(c, v, r) != 0)
        return -1;
    for (size_t i = 0; i < r->n_action_plan; i++) {
        for (size_t j = 0; j < i; j++) {
            if (strcmp(r->action_plan[i]->id, r->action_plan[j]->id) == 0)
                return s_fail(
                    c, TD_ERR_INVALID, "action_plan[%zu].id: \"%s\" is used twice", i,
                    s_quote(q, sizeof q, r->action_plan[i]->id, strlen(r->action_plan[i]->id)));
        }
    }
    return 0;
}

/* Turn a jansson load error into a message that names the field. */
static td_err s_json_error(const char *text, size_t len, const json_error_t *je, char *err,
                           size_t errlen)
{
    char path[S_PATH_MAX], at[S_PATH_MAX + 8];
    size_t stop = je->position > 0 && (size_t) je->position < len ? (size_t) je->position : len;

    s_walk(text, stop, path, sizeof path);
    if (path[0] != '\0')
        snprintf(at, sizeof at, " (in %s)", path);
    else
        at[0] = '\0';

    switch (json_error_code(je)) {
    case json_error_out_of_memory:
        td_msg(err, errlen, "out of memory while reading the report");
        return TD_ERR_NOMEM;
    case json_error_duplicate_key:
        td_msg(err, errlen, "%s: the field appears twice (line %d, column %d)",
               path[0] ? path : "?", je->line, je->column);
        return TD_ERR_DECODE;
    case json_error_invalid_utf8:
        td_msg(err, errlen, "%s%sinvalid UTF-8 at line %d, column %d (text must be UTF-8)", path,
               path[0] ? ": " : "", je->line, je->column);
        return TD_ERR_DECODE;
    case json_error_null_character:
    case json_error_null_byte_in_key:
        td_msg(err, errlen, "%s%sNUL characters are not allowed (line %d, column %d)", path,
               path[0] ? ": " : "", je->line, je->column);
        return TD_ERR_DECODE;
    case json_error_numeric_overflow:
        td_msg(err, errlen, "%s%snumber out of range (line %d, column %d)", path,
               path[0] ? ": " : "", je->line, je->column);
        return TD_ERR_DECODE;
    default:
        td_msg(err, errlen, "JSON syntax error at line %d, column %d%s: %s", je->line, je->column,
               at, je->text);
        return TD_ERR_DECODE;
    }
}

td_err td_report_from_json(const char *text, size_t len, Tiendo__Report **out, char *err,
                           size_t errlen)
{
    s_ctx c = {.err = err, .errlen = errlen, .rc = TD_OK};
    Tiendo__Report *r = NULL;
    json_t *root = NULL;
    json_error_t je;
    size_t deep;

    if (out == NULL || (text == NULL && len > 0)) {
        td_msg(err, errlen, "no report given");
        return TD_ERR_INVALID;
    }
    *out = NULL;
    if (len > TD_MAX_REPORT_JSON) {
        td_msg(err, errlen, "the report is %zu bytes; at most %d are accepted", len,
               TD_MAX_REPORT_JSON);
        return TD_ERR_TOOBIG;
    }
    {
        char path[S_PATH_MAX];
        int line, column;

        deep = s_walk(text, len, path, sizeof path);
        if (deep < len) {
            s_line_column(text, deep, &line, &column);
            td_msg(err, errlen, "%s%sJSON nested deeper than %d levels (line %d, column %d)", path,
                   path[0] ? ": " : "", TD_MAX_JSON_DEPTH, line, column);
            return TD_ERR_DECODE;
        }
    }

    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL)
        return s_json_error(text, len, &je, err, errlen);
    if (s_json_depth(root) > TD_MAX_JSON_DEPTH) { /* the raw scan should make this unreachable */
        s_fail(&c, TD_ERR_DECODE, "JSON nested deeper than %d levels", TD_MAX_JSON_DEPTH);
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

void td_report_free(Tiendo__Report **report)
{
    if (report == NULL || *report == NULL)
        return;
    tiendo__report__free_unpacked(*report, NULL);
    *report = NULL;
}

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
    return s_set(obj, key, json_string(s_status_names[st]));
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
            s_set_string(obj, "owner", t->owner) != 0 ||
            s_set_string(obj, "deadline", t->deadline) != 0 ||
            s_set_status(obj, "status", t->has_status, t->status) != 0 ||
            s_set_string(obj, "completed_on", t->completed_on) != 0)
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
            s_set(obj, "group", json_integer(g)) != 0 ||
            s_set(obj, "status",
                  json_string(s_status_names[TIENDO__TASK_STATUS__TASK_NOT_STARTED])) != 0 ||
            s_set(obj, "progress", json_integer(0)) != 0 ||
            s_set(obj, "note", json_string("")) != 0)
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

/* ---- validation ----------------------------------------------------------------- */

/* A string field: required or optional, UTF-8, at most max bytes, optionally not blank. */
static int s_check_text(const char *path, const char *s, size_t max, int required, int nonblank,
                        char *reason, size_t reasonlen)
{
    size_t n;

    if (s == NULL) {
        if (!required)
            return 0;
        td_msg(reason, reasonlen, "%s: missing", path);
        return -1;
    }
    n = strlen(s);
    if (n > max) {
        td_msg(reason, reasonlen, "%s: longer than %zu bytes (%zu)", path, max, n);
        return -1;
    }
    if (!td_utf8_valid(s, n)) {
        td_msg(reason, reasonlen, "%s: not valid UTF-8", path);
        return -1;
    }
    if (nonblank && strspn(s, " \t\r\n") == n) {
        td_msg(reason, reasonlen, "%s: must not be empty", path);
        return -1;
    }
    return 0;
}

static int s_valid_status(int has, Tiendo__TaskStatus st)
{
    return has && st >= TIENDO__TASK_STATUS__TASK_NOT_STARTED &&
           st <= TIENDO__TASK_STATUS__TASK_COMPLETED;
}

static int s_check_date(const char *path, const char *s, int required, char *reason,
                        size_t reasonlen)
{
    td_date d;

    if (s == NULL && !required)
        return 0;
    if (s == NULL) {
        td_msg(reason, reasonlen, "%s: missing", path);
        return -1;
    }
    if (strlen(s) != 10 || td_date_parse(s, &d) != TD_OK) {
        char q[S_QUOTE_MAX * 2];
        td_msg(reason, reasonlen, "%s: \"%s\" is not a date YYYY-MM-DD", path,
               s_quote(q, sizeof q, s, strlen(s)));
        return -1;
    }
    return 0;
}

static int s_validate_groups(const Tiendo__Report *r, char *reason, size_t reasonlen)
{
    int seen[TD_TASK_GROUPS + 1] = {0};

    if (r->n_task_groups != TD_TASK_GROUPS || r->task_groups == NULL) {
        td_msg(reason, reasonlen,
               "task_groups: must list each of the six task groups 1 to 6 once (found %zu)",
               r->n_task_groups);
        return -1;
    }
    for (size_t i = 0; i < r->n_task_groups; i++) {
        const Tiendo__TaskGroupProgress *t = r->task_groups[i];
        char path[S_PATH_MAX];

        if (t == NULL) {
            td_msg(reason, reasonlen, "task_groups[%zu]: missing", i);
            return -1;
        }
        if (!t->has_group || t->group < 1 || t->group > TD_TASK_GROUPS) {
            td_msg(reason, reasonlen, "task_groups[%zu].group: must be a task group from 1 to 6",
                   i);
            return -1;
        }
        if (seen[t->group]++) {
            td_msg(reason, reasonlen, "task_groups[%zu].group: task group %u is listed twice", i,
                   t->group);
            return -1;
        }
        if (!s_valid_status(t->has_status, t->status)) {
            td_msg(reason, reasonlen, "task_groups[%zu].status: %s", i,
                   t->has_status ? S_STATUS_HELP : "missing");
            return -1;
        }
        if (!t->has_progress_percent || !isfinite(t->progress_percent) || t->progress_percent < 0 ||
            t->progress_percent > 100) {
            td_msg(reason, reasonlen, "task_groups[%zu].progress: %s", i,
                   t->has_progress_percent ? "must be a number from 0 to 100" : "missing");
            return -1;
        }
        snprintf(path, sizeof path, "task_groups[%zu].note", i);
        if (s_check_text(path, t->note, TD_MAX_TEXT, 0, 0, reason, reasonlen) != 0)
            return -1;
    }
    return 0;
}

static int s_validate_values(const Tiendo__Report *r, const td_registry_t *reg, char *reason,
                             size_t reasonlen)
{
    if (r->n_values > TD_MAX_VALUES) {
        td_msg(reason, reasonlen, "data: more than %d elements (%zu)", TD_MAX_VALUES, r->n_values);
        return -1;
    }
    for (size_t i = 0; i < r->n_values; i++) {
        const Tiendo__DataValue *dv = r->values != NULL ? r->values[i] : NULL;
        char path[S_PATH_MAX];

        if (dv == NULL || dv->element == NULL) {
            td_msg(reason, reasonlen, "data[%zu]: no element name", i);
            return -1;
        }
        if (!s_is_name(dv->element, S_ELEMENT_MAX)) {
            char q[S_QUOTE_MAX * 2];
            td_msg(reason, reasonlen, "data[%zu]: \"%s\" is not a data element name", i,
                   s_quote(q, sizeof q, dv->element, strlen(dv->element)));
            return -1;
        }
        snprintf(path, sizeof path, "data.%s", dv->element);
        if (!td_registry_has_element(reg, dv->element)) {
            td_msg(reason, reasonlen, "%s: not a data element of the indicator catalogue", path);
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(r->values[j]->element, dv->element) == 0) {
                td_msg(reason, reasonlen, "%s: reported twice", path);
                return -1;
            }
        }
        if (!dv->has_value || !isfinite(dv->value) || dv->value < 0) {
            td_msg(reason, reasonlen, "%s: %s", path,
                   dv->has_value ? "must be a finite non-negative number" : "no value");
            return -1;
        }
        strncat(path, ".comment", sizeof path - strlen(path) - 1);
        if (s_check_text(path, dv->comment, TD_MAX_TEXT, 0, 0, reason, reasonlen) != 0)
            return -1;
    }
    return 0;
}

static int s_validate_actions(const Tiendo__Report *r, char *reason, size_t reasonlen)
{
    if (r->n_action_plan > TD_MAX_TASKS) {
        td_msg(reason, reasonlen, "action_plan: more than %d tasks (%zu)", TD_MAX_TASKS,
               r->n_action_plan);
        return -1;
    }
    for (size_t i = 0; i < r->n_action_plan; i++) {
        const Tiendo__ActionTask *t = r->action_plan != NULL ? r->action_plan[i] : NULL;
        char path[S_PATH_MAX];

        if (t == NULL) {
            td_msg(reason, reasonlen, "action_plan[%zu]: missing", i);
            return -1;
        }
#define S_FIELD(name) (snprintf(path, sizeof path, "action_plan[%zu]." name, i), path)
        if (s_check_text(S_FIELD("id"), t->id, TD_MAX_SHORT_TEXT, 1, 1, reason, reasonlen) != 0 ||
            s_check_text(S_FIELD("title"), t->title, TD_MAX_TEXT, 1, 1, reason, reasonlen) != 0 ||
            s_check_text(S_FIELD("owner"), t->owner, TD_MAX_SHORT_TEXT, 0, 0, reason, reasonlen) !=
                0 ||
            s_check_date(S_FIELD("deadline"), t->deadline, 1, reason, reasonlen) != 0 ||
            s_check_date(S_FIELD("completed_on"), t->completed_on, 0, reason, reasonlen) != 0)
            return -1;
        if (!t->has_task_group || t->task_group < 1 || t->task_group > TD_TASK_GROUPS) {
            td_msg(reason, reasonlen, "%s: must be a task group from 1 to 6",
                   S_FIELD("task_group"));
            return -1;
        }
        if (!s_valid_status(t->has_status, t->status)) {
            td_msg(reason, reasonlen, "%s: %s", S_FIELD("status"),
                   t->has_status ? S_STATUS_HELP : "missing");
            return -1;
        }
        if (t->completed_on != NULL && t->status != TIENDO__TASK_STATUS__TASK_COMPLETED) {
            td_msg(reason, reasonlen, "%s: only allowed when status is completed",
                   S_FIELD("completed_on"));
            return -1;
        }
#undef S_FIELD
        for (size_t j = 0; j < i; j++) {
            if (strcmp(r->action_plan[j]->id, t->id) == 0) {
                char q[S_QUOTE_MAX * 2];
                td_msg(reason, reasonlen, "action_plan[%zu].id: \"%s\" is used twice", i,
                       s_quote(q, sizeof q, t->id, strlen(t->id)));
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

td_err td_report_validate(const Tiendo__Report *report, const td_registry_t *reg, char *reason,
                          size_t reasonlen)
{
    char q[S_QUOTE_MAX * 2];
    td_period p;
    const Tiendo__Report *r = report;

    if (r == NULL || reg == NULL) {
        td_msg(reason, reasonlen, r == NULL ? "no report" : "no registry to check the report");
        return TD_ERR_INVALID;
    }
    if (r->unit == NULL || r->unit[0] == '\0') {
        td_msg(reason, reasonlen, "unit: missing");
        return TD_ERR_INVALID;
    }
    if (!s_is_code(r->unit)) {
        td_msg(reason, reasonlen, "unit: \"%s\" is not a unit code",
               s_quote(q, sizeof q, r->unit, strlen(r->unit)));
        return TD_ERR_INVALID;
    }
    if (td_registry_find(reg, r->unit, NULL) == NULL) {
        td_msg(reason, reasonlen, "unit '%s' is not in the registry", r->unit);
        return TD_ERR_INVALID;
    }
    if (r->dataset != NULL && !td_dataset_name_valid(r->dataset)) {
        td_msg(reason, reasonlen, "dataset: \"%s\" must be 1 to 16 lower-case letters, digits or _",
               s_quote(q, sizeof q, r->dataset, strlen(r->dataset)));
        return TD_ERR_INVALID;
    }
    if (r->period == NULL) {
        td_msg(reason, reasonlen, "period: missing");
        return TD_ERR_INVALID;
    }
    if (strlen(r->period) >= TD_PERIOD_TEXT_MAX || td_period_parse(r->period, &p) != TD_OK) {
        td_msg(reason, reasonlen, "period: \"%s\" is not a period " S_PERIOD_HELP,
               s_quote(q, sizeof q, r->period, strlen(r->period)));
        return TD_ERR_INVALID;
    }
    if (s_check_text("prepared_by", r->prepared_by, TD_MAX_SHORT_TEXT, 1, 1, reason, reasonlen) !=
        0)
        return TD_ERR_INVALID;
    if (r->has_prepared_at && (r->prepared_at < S_TIME_MIN || r->prepared_at >= S_TIME_MAX)) {
        td_msg(reason, reasonlen, "prepared_at: %lld is not a time between 2000 and 2100",
               (long long) r->prepared_at);
        return TD_ERR_INVALID;
    }
    if (s_validate_groups(r, reason, reasonlen) != 0 ||
        s_validate_values(r, reg, reason, reasonlen) != 0 ||
        s_validate_actions(r, reason, reasonlen) != 0)
        return TD_ERR_INVALID;
    return TD_OK;
}

/* ---- validation against the calendar ---------------------------------------------- */

/* Why `code` has no record during p: the record that ended last before the period
 * began, else the first one that starts after it ends. Rejections only: a scan of the
 * registry is fine here. */
static void s_not_during(const td_registry_t *reg, const char *code, const td_period *p,
                         char *reason, size_t reasonlen)
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
    if (before != NULL) {
        char successor[TD_CODE_MAX + 16] = "";

        if (before->successor[0] != '\0')
            snprintf(successor, sizeof successor, "; successor %s", before->successor);
        td_msg(reason, reasonlen, "unit '%s' (%s) does not exist during %s (valid until %s%s)",
               code, before->name, period, td_date_format(&before->valid_to, date, sizeof date),
               successor);
    } else if (after != NULL) {
        td_msg(reason, reasonlen, "unit '%s' (%s) does not exist during %s (valid from %s)", code,
               after->name, period, td_date_format(&after->valid_from, date, sizeof date));
    } else {
        td_msg(reason, reasonlen, "unit '%s' does not exist during %s", code, period);
    }
}

td_err td_report_validate_at(const Tiendo__Report *report, const td_registry_t *reg,
                             const td_calendar_t *cal, int64_t now, char *reason, size_t reasonlen)
{
    td_period p;
    td_err rc = td_report_validate(report, reg, reason, reasonlen);

    if (rc != TD_OK)
        return rc;
    if (td_period_parse(report->period, &p) != TD_OK) { /* td_report_validate parsed it */
        td_msg(reason, reasonlen, "period: not a period " S_PERIOD_HELP);
        return TD_ERR_INVALID;
    }
    if (td_registry_find_during(reg, report->unit, &p) == NULL) {
        s_not_during(reg, report->unit, &p, reason, reasonlen);
        return TD_ERR_INVALID;
    }
    return td_calendar_check(cal, td_dataset_or_default(report->dataset), &p, now, reason,
                             reasonlen);
}
