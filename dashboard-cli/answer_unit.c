/* answer_unit.c: `tiendo unit CODE`: one unit's report and revision history, as text and JSON. */
#include "answer_unit.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "answer_units.h"
#include "i18n.h"
#include "json_out.h"
#include "report.h"
#include "term.h"
#include "timefmt.h"

enum { UNIT_CELL = 320 };

static const char *s_dash(const char *s)
{
    return s != NULL && s[0] != '\0' ? s : ANSWER_NONE;
}

/* A reported task status in words: not started, in progress, completed (the report file's
 * not_started, in_progress, completed), in the reader's language; "—" for none. */
static const char *s_task_status_word(Tiendo__TaskStatus st)
{
    /* TRANSLATORS: a task group's or task's status as reported (glossary: not started /
     * in progress / completed) */
    static const char *const words[][2] = {{"not_started", N_("not started")},
                                           {"in_progress", N_("in progress")},
                                           {"completed", N_("completed")}};
    const char *word = td_task_status_name(st);

    for (size_t i = 0; word != NULL && i < sizeof words / sizeof words[0]; i++)
        if (strcmp(word, words[i][0]) == 0)
            return _(words[i][1]);
    return word != NULL ? word : ANSWER_NONE;
}

/* A unit's level in words (the registry's nation, province, commune, ministry). */
static const char *s_level_word(const char *level)
{
    /* TRANSLATORS: a unit's level (glossary: province, commune) */
    static const char *const words[][2] = {{"nation", N_("nation")},
                                           {"province", N_("province")},
                                           {"commune", N_("commune")},
                                           {"ministry", N_("ministry")}};

    for (size_t i = 0; level != NULL && i < sizeof words / sizeof words[0]; i++)
        if (strcmp(level, words[i][0]) == 0)
            return _(words[i][1]);
    return s_dash(level);
}

/* Unix seconds as ms; 0 (shown as never) when out of range. */
static int64_t s_secs_to_ms(int64_t secs)
{
    return secs > 0 && secs < INT64_MAX / 1000 ? secs * 1000 : 0;
}

/* Fills row r (ncols cells of UNIT_CELL bytes) of one section's table. */
typedef void (*s_fill_fn)(const Tiendo__UnitDetail *d, const td_registry_t *reg, size_t r,
                          char (*row)[UNIT_CELL]);

/* One section: a bold heading, a table of nrows rows filled by fill, a blank line. Nothing
 * when nrows is 0. title and the column titles are msgids (N_), translated here. */
static td_err s_section(FILE *out, const answer_style *style, const char *title,
                        const term_column *cols, size_t ncols, size_t nrows, s_fill_fn fill,
                        const Tiendo__UnitDetail *d, const td_registry_t *reg)
{
    char(*text)[UNIT_CELL] = NULL;
    const char **cells = NULL;
    term_column *columns = NULL;
    td_err rc;

    if (nrows == 0)
        return TD_OK;
    columns = calloc(ncols, sizeof *columns);
    text = calloc(nrows * ncols, sizeof *text);
    cells = calloc(nrows * ncols, sizeof *cells);
    if (columns == NULL || text == NULL || cells == NULL) {
        rc = TD_ERR_NOMEM;
        goto cleanup;
    }
    answer_columns(columns, cols, ncols);
    for (size_t r = 0; r < nrows; r++)
        fill(d, reg, r, text + r * ncols);
    for (size_t i = 0; i < nrows * ncols; i++)
        cells[i] = text[i];
    answer_print(out, style, "1", td_tr(title));
    fputc('\n', out);
    rc = term_table(out, columns, ncols, cells, nrows, NULL, NULL, NULL);
    fputc('\n', out);

cleanup:
    free(cells);
    free(text);
    free(columns);
    return rc;
}

static void s_fill_task_group(const Tiendo__UnitDetail *d, const td_registry_t *reg, size_t r,
                              char (*row)[UNIT_CELL])
{
    const Tiendo__TaskGroupProgress *g = d->report->task_groups[r];
    const td_task_group *groups = NULL;
    size_t ngroups = reg ? td_registry_task_groups(reg, &groups) : 0;
    const char *title = NULL;

    for (size_t k = 0; k < ngroups; k++)
        if ((uint32_t) groups[k].group == g->group)
            title = answer_group_title(&groups[k]);
    snprintf(row[0], UNIT_CELL, "%" PRIu32, g->group);
    snprintf(row[1], UNIT_CELL, "%s", s_dash(title));
    snprintf(row[2], UNIT_CELL, "%s", s_task_status_word(g->status));
    if (g->has_progress_percent && isfinite(g->progress_percent))
        answer_percent_text(g->progress_percent, row[3], UNIT_CELL);
    else
        snprintf(row[3], UNIT_CELL, ANSWER_NONE);
    snprintf(row[4], UNIT_CELL, "%s", g->note ? g->note : "");
}

static void s_fill_value(const Tiendo__UnitDetail *d, const td_registry_t *reg, size_t r,
                         char (*row)[UNIT_CELL])
{
    const Tiendo__DataValue *v = d->report->values[r];

    (void) reg;
    snprintf(row[0], UNIT_CELL, "%s", v->element ? v->element : "?");
    if (v->has_value && isfinite(v->value))
        answer_number_text(v->value, row[1], UNIT_CELL);
    else
        snprintf(row[1], UNIT_CELL, ANSWER_NONE);
    snprintf(row[2], UNIT_CELL, "%s", v->comment ? v->comment : "");
}

static void s_fill_action(const Tiendo__UnitDetail *d, const td_registry_t *reg, size_t r,
                          char (*row)[UNIT_CELL])
{
    const Tiendo__ActionTask *a = d->report->action_plan[r];

    (void) reg;
    snprintf(row[0], UNIT_CELL, "%s", s_dash(a->id));
    snprintf(row[1], UNIT_CELL, "%s", s_dash(a->title));
    snprintf(row[2], UNIT_CELL, "%" PRIu32, a->task_group);
    snprintf(row[3], UNIT_CELL, "%s", s_dash(a->owner));
    answer_day_text(a->deadline, row[4], UNIT_CELL);
    if (a->status == TIENDO__TASK_STATUS__TASK_COMPLETED && a->completed_on && a->completed_on[0]) {
        char day[32];
        /* TRANSLATORS: a task's status: completed on %s (a date) */
        snprintf(row[5], UNIT_CELL, _("completed %s"),
                 answer_day_text(a->completed_on, day, sizeof day));
    } else
        snprintf(row[5], UNIT_CELL, "%s", s_task_status_word(a->status));
}

static void s_fill_revision(const Tiendo__UnitDetail *d, const td_registry_t *reg, size_t r,
                            char (*row)[UNIT_CELL])
{
    const Tiendo__RevisionInfo *h = d->history[r];
    (void) reg;
    snprintf(row[0], UNIT_CELL, "%" PRIu32, h->revision);
    td_fmt_time(h->received_at_ms, row[1], UNIT_CELL);
    snprintf(row[2], UNIT_CELL, "%s", s_dash(h->prepared_by));
    snprintf(row[3], UNIT_CELL, "%.12s", h->agent_key ? h->agent_key : "");
    snprintf(row[4], UNIT_CELL, "%" PRIu64, h->seq);
}

/* Who the unit is, what it is now and where its report stands. */
static void s_text_identity(FILE *out, const Tiendo__UnitDetail *d, const answer_style *style)
{
    const Tiendo__UnitRow *u = d->row;
    char when[32], first[32], from[32], to[32], status[48];

    /* TRANSLATORS: the heading of tiendo unit CODE, before the unit's code and name */
    answer_print(out, style, "1", _("Unit"));
    fputc(' ', out);
    answer_print(out, style, "1", u && u->unit ? u->unit : "?");
    if (u && u->name && u->name[0]) {
        fputc(' ', out);
        answer_print(out, style, "1", u->name);
    }
    fputc('\n', out);
    /* TRANSLATORS: "Level: province   Parent: VN" (the parent is a unit's code) */
    if (u != NULL) {
        fprintf(out, _("Level: %s   Parent: %s"), s_level_word(u->level), s_dash(u->parent));
        fputc('\n', out);
    }
    /* TRANSLATORS: when the unit existed: from %1$s to %2$s (dates, "—": open), then the
     * code of the unit that replaced it */
    fprintf(out, _("Valid: %s to %s   Successor: %s"),
            answer_day_text(d->valid_from, from, sizeof from),
            answer_day_text(d->valid_to, to, sizeof to), s_dash(d->successor));
    fputc('\n', out);
    if (u != NULL) {
        fprintf(out, _("Status: %s"),
                u->status && u->status[0]
                    ? answer_report_status_text(u->status, status, sizeof status)
                    : ANSWER_NONE);
        if (u->has_revision) {
            fputs("   ", out);
            fprintf(out, _("Revision: %u"), (unsigned) u->revision);
        }
        fputs("   ", out);
        fprintf(out, _("First received: %s"),
                answer_date_text(u->has_first_received_at_ms, u->first_received_at_ms, first,
                                 sizeof first));
        if (u->has_received_at_ms && u->received_at_ms > 0) {
            fputs("   ", out);
            fprintf(out, _("Latest: %s"), td_fmt_time(u->received_at_ms, when, sizeof when));
        }
        fputc('\n', out);
    }
    fputc('\n', out);
}

td_err answer_unit_text(FILE *out, const Tiendo__UnitDetail *d, const td_registry_t *reg,
                        const answer_style *style)
{
    static const term_column tg_cols[] = {{N_("Group"), TERM_RIGHT, 0},
                                          {N_("Title"), TERM_LEFT, 30},
                                          {N_("Status"), TERM_LEFT, 0},
                                          {N_("Progress"), TERM_RIGHT, 0},
                                          {N_("Note"), TERM_LEFT, 36}};
    static const term_column dv_cols[] = {{N_("Element"), TERM_LEFT, 32},
                                          {N_("Value"), TERM_RIGHT, 0},
                                          {N_("Comment"), TERM_LEFT, 40}};
    static const term_column ap_cols[] = {
        {N_("ID"), TERM_LEFT, 12},    {N_("Task"), TERM_LEFT, 32},    {N_("Group"), TERM_RIGHT, 0},
        {N_("Owner"), TERM_LEFT, 16}, {N_("Deadline"), TERM_LEFT, 0}, {N_("Status"), TERM_LEFT, 0}};
    static const term_column hist_cols[] = {{N_("Revision"), TERM_RIGHT, 0},
                                            {N_("Received at"), TERM_LEFT, 0},
                                            {N_("Prepared by"), TERM_LEFT, 28},
                                            {N_("Agent key"), TERM_LEFT, 0},
                                            {N_("Seq"), TERM_RIGHT, 0}};
    const Tiendo__Report *rep = d->report;
    char when[32];
    td_err rc = TD_OK;

    s_text_identity(out, d, style);
    if (rep == NULL) {
        fprintf(out, "%s\n", _("No report for this period."));
    } else {
        if (rep->prepared_by != NULL || rep->prepared_at > 0) {
            /* TRANSLATORS: who prepared the latest revision (%1$s, a person's name) and when */
            fprintf(out, _("Prepared by %s at %s"), s_dash(rep->prepared_by),
                    td_fmt_time(s_secs_to_ms(rep->prepared_at), when, sizeof when));
            fputs("\n\n", out);
        }
        rc = s_section(out, style, N_("Task groups"), tg_cols, 5, rep->n_task_groups,
                       s_fill_task_group, d, reg);
        if (rc == TD_OK)
            rc = s_section(out, style, N_("Data values"), dv_cols, 3, rep->n_values, s_fill_value,
                           d, reg);
        if (rc == TD_OK)
            rc = s_section(out, style, N_("Action plan"), ap_cols, 6, rep->n_action_plan,
                           s_fill_action, d, reg);
    }
    if (rc == TD_OK)
        rc = s_section(out, style, N_("Revisions"), hist_cols, 5, d->n_history, s_fill_revision, d,
                       reg);
    return rc;
}

/* The latest revision in the report file's own form (docs/report-format.md), null when
 * there is none; NULL when out of memory. */
static json_t *s_json_report(const Tiendo__Report *report)
{
    char *text;
    json_t *v;

    if (report == NULL)
        return json_null();
    text = td_report_to_json(report);
    v = text != NULL ? json_loads(text, 0, NULL) : NULL;
    free(text);
    /* The file form gives prepared_at in whole seconds, as offices write it. In --json every
     * timestamp follows the one rule (td_json_time), which a report file accepts as well
     * (a fraction of a second is allowed there and dropped). The key keeps its place. */
    if (v != NULL && json_object_get(v, "prepared_at") != NULL &&
        json_object_set_new(
            v, "prepared_at",
            td_json_time(report->has_prepared_at, s_secs_to_ms(report->prepared_at))) != 0) {
        json_decref(v);
        return NULL;
    }
    return v;
}

td_err answer_unit_json(FILE *out, const Tiendo__UnitDetail *d)
{
    json_t *root, *history = json_array();
    int failed = 0;

    root = d->row != NULL ? answer_units_row_json(d->row, &failed) : json_object();
    if (root == NULL || history == NULL || failed) {
        json_decref(history);
        json_decref(root);
        return TD_ERR_NOMEM;
    }
    td_json_set(root, "valid_from", td_json_text_nonempty(d->valid_from), &failed);
    td_json_set(root, "valid_to", td_json_text_nonempty(d->valid_to), &failed);
    td_json_set(root, "successor", td_json_text_nonempty(d->successor), &failed);
    td_json_set(root, "report", s_json_report(d->report), &failed);
    td_json_set(root, "history", history, &failed); /* root owns it from here */
    for (size_t i = 0; i < d->n_history && !failed; i++) {
        const Tiendo__RevisionInfo *h = d->history[i];
        char epoch[17];
        json_t *o = json_object();

        td_json_append(history, o, &failed);
        if (failed)
            break;
        td_json_set(o, "revision", json_integer(h->revision), &failed);
        td_json_set(o, "received_at", td_json_time(h->has_received_at_ms, h->received_at_ms),
                    &failed);
        td_json_set(o, "agent_key", td_json_text_nonempty(h->agent_key), &failed);
        td_json_set(o, "epoch",
                    h->has_epoch ? json_string(answer_epoch_text(h->epoch, epoch, sizeof epoch))
                                 : json_null(),
                    &failed);
        td_json_set(o, "seq", h->has_seq ? td_json_u64(h->seq) : json_null(), &failed);
        td_json_set(o, "prepared_by", td_json_text_nonempty(h->prepared_by), &failed);
        td_json_set(o, "prepared_at",
                    td_json_time(h->has_prepared_at, s_secs_to_ms(h->prepared_at)), &failed);
    }
    if (failed) {
        json_decref(root);
        return TD_ERR_NOMEM;
    }
    return td_json_print(out, root);
}
