/* answer_tasks.c: `tiendo tasks`: the localities' action-plan tasks, as a table and as JSON. */
#include "answer_tasks.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "json_out.h"
#include "report.h"
#include "tasks.h"
#include "term.h"

/* How people read the four states of common/tasks.h, in td_task_state order. */
/* TRANSLATORS: an action-plan task's state (glossary: on time, late, in progress, overdue) */
static const char *const s_state_words[TD_TASK_STATE__COUNT] = {
    N_("completed on time"),
    N_("completed late"),
    N_("in progress"),
    N_("overdue"),
};

char *answer_task_state_text(const char *state, char *buf, size_t len)
{
    td_task_state st;

    if (state == NULL || state[0] == '\0') {
        snprintf(buf, len, ANSWER_NONE);
    } else if (td_task_state_parse(state, &st) == 0) {
        snprintf(buf, len, "%s", _(s_state_words[st]));
    } else {
        snprintf(buf, len, "%.24s", state);
        for (char *p = buf; *p != '\0'; p++)
            if (*p == '_')
                *p = ' ';
    }
    return buf;
}

static const char *s_dash(const char *s)
{
    return s != NULL && s[0] != '\0' ? s : ANSWER_NONE;
}

enum {
    TASK_COLS = 7,
    TASK_CELL = 320,
    COL_TITLE = 2,
    COL_STATE = 5,
    UNIT_WIDTH = 24,
    ID_WIDTH = 16,
    OWNER_WIDTH = 20,
};

static const char *s_task_color(void *ctx, size_t row, size_t col)
{
    const Tiendo__TaskList *list = ctx;
    const char *state = list->tasks[row]->state;

    if (col != COL_STATE || state == NULL)
        return NULL;
    if (strcmp(state, "overdue") == 0)
        return answer_report_status_sgr("overdue");
    if (strcmp(state, "completed_late") == 0)
        return answer_report_status_sgr("late");
    return NULL;
}

/* "completed on time 1 · completed late 1 · in progress (not yet due) 1 · overdue 1": the
 * counts the collector sent (none: no line). */
static void s_text_counts(FILE *out, const Tiendo__TaskList *list, const answer_style *style)
{
    enum { LEN = 128 };
    char text[4][LEN], count[32];
    const char *items[4], *sgrs[4];
    size_t n = 0;

    /* TRANSLATORS: how many tasks are in each state: "completed on time 3" (%s a count) */
    if (list->has_completed_on_time) {
        snprintf(text[n], LEN, _("completed on time %s"),
                 td_fmt_count(list->completed_on_time, count, sizeof count));
        sgrs[n++] = NULL;
    }
    if (list->has_completed_late) {
        snprintf(text[n], LEN, _("completed late %s"),
                 td_fmt_count(list->completed_late, count, sizeof count));
        sgrs[n++] = list->completed_late > 0 ? answer_report_status_sgr("late") : NULL;
    }
    if (list->has_in_progress) {
        snprintf(text[n], LEN, _("in progress (not yet due) %s"),
                 td_fmt_count(list->in_progress, count, sizeof count));
        sgrs[n++] = NULL;
    }
    if (list->has_overdue) {
        snprintf(text[n], LEN, _("overdue %s"), td_fmt_count(list->overdue, count, sizeof count));
        sgrs[n++] = list->overdue > 0 ? answer_report_status_sgr("overdue") : NULL;
    }
    for (size_t i = 0; i < n; i++)
        items[i] = text[i];
    if (n > 0)
        answer_print_items(out, style, items, sgrs, n, answer_line_width(style));
}

td_err answer_tasks_text(FILE *out, const Tiendo__TaskList *list, const td_registry_t *reg,
                         const answer_style *style)
{
    static const term_column table[TASK_COLS] = {
        {N_("Unit"), TERM_LEFT, 0},         {N_("ID"), TERM_LEFT, 0},
        {N_("Title"), TERM_LEFT, 0},        {N_("Lead owner"), TERM_LEFT, 0},
        {N_("Deadline"), TERM_LEFT, 0},     {N_("State"), TERM_LEFT, 0},
        {N_("Completed on"), TERM_LEFT, 0},
    };
    size_t n = list->n_tasks, title_width;
    char(*text)[TASK_CELL] = NULL;
    const char **cells = NULL;
    term_column cols[TASK_COLS];
    char heading[256], dataset[40], as_of[32], shown[32], matched[32];
    td_err rc = TD_OK;

    snprintf(dataset, sizeof dataset, "%.32s", s_dash(list->dataset));
    /* TRANSLATORS: %1$s the dataset's code (nq06), %2$s the day the states are for */
    snprintf(heading, sizeof heading, _("Action-plan tasks, dataset %s, as of %s"), dataset,
             answer_day_text(list->as_of, as_of, sizeof as_of));
    answer_print(out, style, "1", heading);
    fputc('\n', out);
    s_text_counts(out, list, style);
    fputc('\n', out);
    if (n == 0) {
        fprintf(out, "%s\n", _("No action-plan task matches."));
        return TD_OK;
    }
    answer_columns(cols, table, TASK_COLS);
    text = calloc(n * TASK_COLS, sizeof *text);
    cells = calloc(n * TASK_COLS, sizeof *cells);
    if (text == NULL || cells == NULL) {
        rc = TD_ERR_NOMEM;
        goto cleanup;
    }
    for (size_t r = 0; r < n; r++) {
        const Tiendo__TaskInfo *ti = list->tasks[r];
        const Tiendo__ActionTask *t = ti->task;
        const char *name = answer_name_of(reg, ti->unit_name, ti->unit, NULL);
        char(*row)[TASK_CELL] = text + r * TASK_COLS, unit[TASK_CELL];

        snprintf(unit, sizeof unit, "%.16s%s%.200s", ti->unit ? ti->unit : "?", name ? " " : "",
                 name ? name : "");
        term_fit(unit, UNIT_WIDTH, row[0], TASK_CELL);
        term_fit(t ? s_dash(t->id) : ANSWER_NONE, ID_WIDTH, row[1], TASK_CELL);
        term_fit(t ? s_dash(t->owner) : ANSWER_NONE, OWNER_WIDTH, row[3], TASK_CELL);
        answer_day_text(t ? t->deadline : NULL, row[4], TASK_CELL);
        answer_task_state_text(ti->state, row[COL_STATE], TASK_CELL);
        answer_day_text(t && t->status == TIENDO__TASK_STATUS__TASK_COMPLETED ? t->completed_on
                                                                              : NULL,
                        row[6], TASK_CELL);
        for (size_t k = 0; k < TASK_COLS; k++)
            cells[r * TASK_COLS + k] = row[k];
    }
    /* The title takes what the other columns leave of the line, 12..48 columns. */
    title_width =
        term_flex_width(cols, TASK_COLS, cells, n, COL_TITLE, answer_line_width(style), 12, 48);
    for (size_t r = 0; r < n; r++) {
        const Tiendo__ActionTask *t = list->tasks[r]->task;
        term_fit(t ? s_dash(t->title) : ANSWER_NONE, title_width, text[r * TASK_COLS + COL_TITLE],
                 TASK_CELL);
    }
    cols[COL_TITLE].max_width = title_width;
    rc = term_table(out, cols, TASK_COLS, cells, n, NULL,
                    answer_colors(style) ? s_task_color : NULL, (void *) list);
    td_fmt_count(n, shown, sizeof shown);
    if (rc == TD_OK && list->has_matched && list->matched > n) {
        /* TRANSLATORS: under a cut list: %1$s tasks shown of %2$s that match */
        fprintf(out, _("%s of %s tasks, those with the earliest deadlines (--limit 0 lists all)"),
                shown, td_fmt_count(list->matched, matched, sizeof matched));
        fputc('\n', out);
    } else if (rc == TD_OK) {
        fprintf(out, P_("%s task", "%s tasks", n), shown);
        fputc('\n', out);
    }

cleanup:
    free(cells);
    free(text);
    return rc;
}

static json_t *s_json_count(int has, uint32_t v)
{
    return has ? td_json_u64(v) : json_null();
}

/* A reported status word ("in_progress"), null when the report gave none. */
static json_t *s_json_status(int has, Tiendo__TaskStatus status)
{
    return td_json_text(has ? td_task_status_name(status) : NULL);
}

static json_t *s_json_counts(const Tiendo__TaskList *list)
{
    json_t *c = json_object();
    int failed = 0;

    if (c == NULL)
        return NULL;
    td_json_set(c, "completed_on_time",
                s_json_count(list->has_completed_on_time, list->completed_on_time), &failed);
    td_json_set(c, "completed_late", s_json_count(list->has_completed_late, list->completed_late),
                &failed);
    td_json_set(c, "in_progress", s_json_count(list->has_in_progress, list->in_progress), &failed);
    td_json_set(c, "overdue", s_json_count(list->has_overdue, list->overdue), &failed);
    if (failed) {
        json_decref(c);
        return NULL;
    }
    return c;
}

/* Every change of the task's status, completion date or deadline, oldest first. */
static json_t *s_json_history(const Tiendo__TaskInfo *ti)
{
    json_t *array = json_array();
    int failed = 0;

    for (size_t i = 0; array != NULL && i < ti->n_history && !failed; i++) {
        const Tiendo__TaskChange *h = ti->history[i];
        json_t *o = json_object();

        td_json_append(array, o, &failed);
        if (failed)
            break;
        td_json_set(o, "period", td_json_text_nonempty(h->period), &failed);
        td_json_set(o, "revision", h->has_revision ? td_json_u64(h->revision) : json_null(),
                    &failed);
        td_json_set(o, "received_at", td_json_time(h->has_received_at_ms, h->received_at_ms),
                    &failed);
        td_json_set(o, "status", s_json_status(h->has_status, h->status), &failed);
        td_json_set(o, "completed_on", td_json_text_nonempty(h->completed_on), &failed);
        td_json_set(o, "deadline", td_json_text_nonempty(h->deadline), &failed);
    }
    if (failed) {
        json_decref(array);
        return NULL;
    }
    return array;
}

static json_t *s_json_co_owners(const Tiendo__ActionTask *t)
{
    json_t *array = json_array();
    int failed = 0;

    for (size_t i = 0; array != NULL && t != NULL && i < t->n_co_owners && !failed; i++)
        td_json_append(array, td_json_text(t->co_owners[i]), &failed);
    if (failed) {
        json_decref(array);
        return NULL;
    }
    return array;
}

static json_t *s_json_task(const Tiendo__TaskInfo *ti, const td_registry_t *reg)
{
    static const Tiendo__ActionTask none = TIENDO__ACTION_TASK__INIT;
    const Tiendo__ActionTask *t = ti->task != NULL ? ti->task : &none;
    json_t *o = json_object();
    int failed = 0;

    if (o == NULL)
        return NULL;
    td_json_set(o, "unit", td_json_text(ti->unit), &failed);
    td_json_set(o, "unit_name", td_json_text(answer_name_of(reg, ti->unit_name, ti->unit, NULL)),
                &failed);
    td_json_set(o, "province", td_json_text_nonempty(ti->province), &failed);
    td_json_set(o, "id", td_json_text_nonempty(t->id), &failed);
    td_json_set(o, "title", td_json_text_nonempty(t->title), &failed);
    td_json_set(o, "task_group", t->has_task_group ? td_json_u64(t->task_group) : json_null(),
                &failed);
    td_json_set(o, "owner", td_json_text_nonempty(t->owner), &failed);
    td_json_set(o, "co_owners", s_json_co_owners(ti->task), &failed);
    td_json_set(o, "deadline", td_json_text_nonempty(t->deadline), &failed);
    td_json_set(o, "status", s_json_status(t->has_status, t->status), &failed);
    td_json_set(o, "completed_on", td_json_text_nonempty(t->completed_on), &failed);
    td_json_set(o, "expected_result", td_json_text_nonempty(t->expected_result), &failed);
    td_json_set(o, "state", td_json_text_nonempty(ti->state), &failed);
    td_json_set(o, "period", td_json_text_nonempty(ti->period), &failed);
    td_json_set(o, "revision", ti->has_revision ? td_json_u64(ti->revision) : json_null(), &failed);
    td_json_set(o, "reported_at", td_json_time(ti->has_reported_at_ms, ti->reported_at_ms),
                &failed);
    td_json_set(o, "history", s_json_history(ti), &failed);
    if (failed) {
        json_decref(o);
        return NULL;
    }
    return o;
}

typedef struct {
    const Tiendo__TaskList *list;
    const td_registry_t *reg;
} s_task_items;

static json_t *s_task_item(void *ctx, size_t i)
{
    const s_task_items *x = ctx;
    return s_json_task(x->list->tasks[i], x->reg);
}

td_err answer_tasks_json(FILE *out, const Tiendo__TaskList *list, const td_registry_t *reg)
{
    json_t *root = json_object();
    int failed = 0;

    if (root == NULL)
        return TD_ERR_NOMEM;
    td_json_set(root, "dataset", td_json_text(list->dataset), &failed);
    td_json_set(root, "as_of", td_json_text_nonempty(list->as_of), &failed);
    td_json_set(root, "counts", s_json_counts(list), &failed);
    td_json_set(root, "matched", s_json_count(list->has_matched, list->matched), &failed);
    td_json_set(root, "tasks", json_array(), &failed); /* filled one task at a time */
    if (failed) {
        json_decref(root);
        return TD_ERR_NOMEM;
    }
    s_task_items items = {list, reg};
    return td_json_print_list(out, root, "tasks", list->n_tasks, s_task_item, &items);
}
