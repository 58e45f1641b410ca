/* answer_agents.c: `tiendo agents`: every office the collector knows, as a table and as JSON. */
#include "answer_agents.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "json_out.h"
#include "term.h"
#include "timefmt.h"

enum {
    AGENT_COLS = 7,
    AGENT_CELL = 96,
    COL_NAME = 0,
    COL_SCOPE = 1,
    COL_STATE = 2,
    COL_LAST = 3,
    COL_OUTBOX = 4,
    COL_DEAD = 5,
    COL_SKEW = 6,
};

typedef struct {
    const Tiendo__AgentList *list;
    int64_t now_ms;
} s_agent_ctx;

static int s_has_skew(const Tiendo__AgentInfo *a)
{
    const Tiendo__Heartbeat *hb = a->last_heartbeat;
    return hb != NULL && hb->has_clock_ms && a->has_last_heartbeat_ms && a->last_heartbeat_ms > 0;
}

static int64_t s_skew_ms(const Tiendo__AgentInfo *a)
{
    /* Positive: the agent's clock is ahead of the collector's. The heartbeat's own clock is
     * compared with when the collector stored it, so network delay adds a little. */
    return a->last_heartbeat->clock_ms - a->last_heartbeat_ms;
}

static int s_is(const char *text, const char *word)
{
    return text != NULL && strcmp(text, word) == 0;
}

/* A query key (a `tiendo` workstation) never talks to the agents socket: the collector
 * calls it never connected, which says nothing about it. */
static int s_query_key(const Tiendo__AgentInfo *a)
{
    return s_is(a->role, "query") && !s_is(a->state, "revoked");
}

/* The four states the collector names (AgentInfo.state), and how people read them. */
static const char *const s_states[] = {"connected", "silent", "never_connected", "revoked"};
/* TRANSLATORS: an agent's state (connected, silent, never connected, revoked) */
static const char *const s_state_words[] = {N_("connected"), N_("silent"), N_("never connected"),
                                            N_("revoked")};

/* The translated word of a state the collector names, NULL for another. */
static const char *s_state_word(const char *state)
{
    for (size_t k = 0; k < sizeof s_states / sizeof s_states[0]; k++)
        if (s_is(state, s_states[k]))
            return _(s_state_words[k]);
    return NULL;
}

/* The state in words: "connected", "silent for 2 h 5 min" (since the last contact, on the
 * collector's clock), "never connected", "revoked", "query key" (whatever the collector
 * says of its contact); "—" when the collector sent no state (older than the field). */
static char *s_state_text(const Tiendo__AgentInfo *a, int64_t now_ms, char *buf, size_t len)
{
    char since[32];
    const char *word;

    if (s_query_key(a))
        snprintf(buf, len, "%s", P_("query key", "query keys", 1));
    else if (a->state == NULL || a->state[0] == '\0')
        snprintf(buf, len, ANSWER_NONE);
    else if (s_is(a->state, "silent") && a->last_seen_ms > 0 && now_ms > a->last_seen_ms)
        /* TRANSLATORS: an agent's state: not heard from for %s (a duration, "2 h 5 min") */
        snprintf(buf, len, _("silent for %s"),
                 td_duration_text(now_ms - a->last_seen_ms, since, sizeof since));
    else if ((word = s_state_word(a->state)) != NULL)
        snprintf(buf, len, "%s", word);
    else
        snprintf(buf, len, "%.32s", a->state); /* a word of a newer collector */
    return buf;
}

/* Who it is: the name it was enrolled with, else (a revoked key, an older collector) the
 * first 12 characters of its key and "...". */
static void s_name_text(const Tiendo__AgentInfo *a, char *buf, size_t len)
{
    const char *key = a->public_key != NULL ? a->public_key : "";

    if (a->name != NULL && a->name[0] != '\0')
        snprintf(buf, len, "%s", a->name);
    else if (strlen(key) > 12)
        snprintf(buf, len, "%.12s...", key);
    else
        snprintf(buf, len, "%s", key[0] ? key : ANSWER_NONE);
}

static const char *s_agent_color(void *ctx, size_t row, size_t col)
{
    const s_agent_ctx *c = ctx;
    const Tiendo__AgentInfo *a = c->list->agents[row];
    const Tiendo__Heartbeat *hb = a->last_heartbeat;

    if ((col == COL_STATE || col == COL_LAST) && !s_query_key(a) &&
        (s_is(a->state, "silent") || s_is(a->state, "never_connected")))
        return "33";
    if (col == COL_OUTBOX && hb != NULL && hb->outbox_depth > 0)
        return "33";
    if (col == COL_DEAD && hb != NULL && hb->dead_letters > 0)
        return "31";
    if (col == COL_SKEW && s_has_skew(a) && llabs(s_skew_ms(a)) >= 60 * 1000)
        return "33";
    return NULL;
}

/* "Agents known to the collector: 6 (3 connected, 1 silent, 1 never connected, 1 query
 * key)" and, when the collector sent its threshold, when an agent counts as silent. */
static void s_text_heading(FILE *out, const Tiendo__AgentList *list)
{
    size_t counts[5] = {0, 0, 0, 0, 0}, n = list->n_agents;
    int any = 0, first = 1;
    char threshold[32], count[32];

    for (size_t i = 0; i < n; i++) {
        const Tiendo__AgentInfo *a = list->agents[i];
        if (s_query_key(a)) {
            counts[4]++;
            any = 1;
            continue;
        }
        for (size_t k = 0; k < 4; k++)
            if (s_is(a->state, s_states[k])) {
                counts[k]++;
                any = 1;
            }
    }
    fprintf(out, _("Agents known to the collector: %s"), td_fmt_count(n, count, sizeof count));
    if (any) {
        for (size_t k = 0; k < 5; k++) {
            if (counts[k] == 0)
                continue;
            /* TRANSLATORS: "(3 connected, 1 silent, 2 query keys)" */
            fprintf(out, "%s%s %s", first ? " (" : ", ",
                    td_fmt_count(counts[k], count, sizeof count),
                    k < 4 ? _(s_state_words[k]) : P_("query key", "query keys", counts[k]));
            first = 0;
        }
        fputs(first ? "" : ")", out);
    }
    fputc('\n', out);
    if (list->has_silent_after_ms && list->silent_after_ms > 0) {
        /* TRANSLATORS: %s is a duration ("5 min") */
        fprintf(out, _("An agent is silent after %s without contact."),
                td_duration_text(list->silent_after_ms, threshold, sizeof threshold));
        fputc('\n', out);
    }
    fputc('\n', out);
}

td_err answer_agents_text(FILE *out, const Tiendo__AgentList *list, int64_t now_ms,
                          const answer_style *style)
{
    static const term_column table[AGENT_COLS] = {
        {N_("Name"), TERM_LEFT, 0},        {N_("Scope"), TERM_LEFT, 16},
        {N_("State"), TERM_LEFT, 0},       {N_("Last contact"), TERM_RIGHT, 0},
        {N_("Outbox"), TERM_RIGHT, 0},     {N_("Dead letters"), TERM_RIGHT, 0},
        {N_("Clock skew"), TERM_RIGHT, 0},
    };
    term_column cols[AGENT_COLS];
    size_t n = list->n_agents, name_width;
    char(*text)[AGENT_CELL] = NULL;
    const char **cells = NULL;
    term_column columns[AGENT_COLS];
    s_agent_ctx ctx = {list, list->has_now_ms && list->now_ms > 0 ? list->now_ms : now_ms};
    td_err rc = TD_OK;

    if (n == 0) {
        fprintf(out, "%s\n", _("No agent is enrolled or has connected to the collector yet."));
        return TD_OK;
    }
    answer_columns(cols, table, AGENT_COLS);
    text = calloc(n * AGENT_COLS, sizeof *text);
    cells = calloc(n * AGENT_COLS, sizeof *cells);
    if (text == NULL || cells == NULL) {
        rc = TD_ERR_NOMEM;
        goto cleanup;
    }
    for (size_t r = 0; r < n; r++) {
        const Tiendo__AgentInfo *a = list->agents[r];
        const Tiendo__Heartbeat *hb = a->last_heartbeat;
        char(*row)[AGENT_CELL] = text + r * AGENT_COLS, oldest[32], depth[32];

        snprintf(row[COL_SCOPE], AGENT_CELL, "%.64s",
                 a->scope && a->scope[0] ? a->scope : ANSWER_NONE);
        s_state_text(a, ctx.now_ms, row[COL_STATE], AGENT_CELL);
        td_age_text(ctx.now_ms, a->last_seen_ms, row[COL_LAST], AGENT_CELL);
        if (hb == NULL) {
            for (size_t k = COL_OUTBOX; k <= COL_SKEW; k++)
                snprintf(row[k], AGENT_CELL, "-");
        } else {
            /* "3 (oldest 45 s)": the backlog and how long its oldest report has waited. */
            td_fmt_count(hb->outbox_depth, depth, sizeof depth);
            if (hb->outbox_depth > 0 && hb->has_oldest_unsent_age_ms)
                /* TRANSLATORS: an outbox: %1$s reports waiting, %2$s how long the oldest has */
                snprintf(row[COL_OUTBOX], AGENT_CELL, _("%s (oldest %s)"), depth,
                         td_duration_text(hb->oldest_unsent_age_ms, oldest, sizeof oldest));
            else
                snprintf(row[COL_OUTBOX], AGENT_CELL, "%s", depth);
            td_fmt_count(hb->dead_letters, row[COL_DEAD], AGENT_CELL);
            if (s_has_skew(a))
                td_offset_text(s_skew_ms(a), row[COL_SKEW], AGENT_CELL);
            else
                snprintf(row[COL_SKEW], AGENT_CELL, "-");
        }
        for (size_t k = 0; k < AGENT_COLS; k++)
            cells[r * AGENT_COLS + k] = row[k];
    }
    /* The name takes what the other columns leave of the line, 20..40 columns: offices'
     * names start alike ("Sở Xây dựng ..."), what tells them apart comes last. */
    name_width =
        term_flex_width(cols, AGENT_COLS, cells, n, COL_NAME, answer_line_width(style), 20, 40);
    for (size_t r = 0; r < n; r++) {
        char name[256];
        s_name_text(list->agents[r], name, sizeof name);
        term_fit(name, name_width, text[r * AGENT_COLS + COL_NAME], AGENT_CELL);
    }
    memcpy(columns, cols, sizeof cols);
    columns[COL_NAME].max_width = name_width;
    s_text_heading(out, list);
    rc = term_table(out, columns, AGENT_COLS, cells, n, NULL,
                    answer_colors(style) ? s_agent_color : NULL, &ctx);

cleanup:
    free(cells);
    free(text);
    return rc;
}

/* The threshold in seconds: an integer when it is whole seconds (as configured), else a
 * number with the milliseconds; null when the collector sent none. */
static json_t *s_json_seconds(int has, int64_t ms)
{
    if (!has || ms < 0)
        return json_null();
    if (ms % 1000 == 0)
        return json_integer(ms / 1000);
    return json_real((double) ms / 1000.0);
}

static json_t *s_agent_item(void *ctx, size_t i)
{
    const Tiendo__AgentList *list = ctx;
    const Tiendo__AgentInfo *a = list->agents[i];
    const Tiendo__Heartbeat *hb = a->last_heartbeat;
    char epoch[17];
    json_t *o = json_object();
    int failed = o == NULL;
    td_json_set(o, "public_key", td_json_text(a->public_key), &failed);
    td_json_set(o, "last_seen", td_json_time(1, a->last_seen_ms), &failed);
    td_json_set(o, "epoch", json_string(answer_epoch_text(a->epoch, epoch, sizeof epoch)), &failed);
    td_json_set(o, "high_water", td_json_u64(a->high_water), &failed);
    td_json_set(o, "agent_version", hb ? td_json_text(hb->agent_version) : json_null(), &failed);
    td_json_set(o, "outbox_depth", hb ? td_json_u64(hb->outbox_depth) : json_null(), &failed);
    td_json_set(o, "oldest_unsent_age_ms",
                hb && hb->has_oldest_unsent_age_ms ? json_integer(hb->oldest_unsent_age_ms)
                                                   : json_null(),
                &failed);
    td_json_set(o, "dead_letters", hb ? td_json_u64(hb->dead_letters) : json_null(), &failed);
    td_json_set(o, "clock_skew_ms", s_has_skew(a) ? json_integer(s_skew_ms(a)) : json_null(),
                &failed);
    td_json_set(o, "last_heartbeat", td_json_time(hb != NULL, a->last_heartbeat_ms), &failed);
    td_json_set(o, "name", td_json_text_nonempty(a->name), &failed);
    td_json_set(o, "role", td_json_text_nonempty(a->role), &failed);
    td_json_set(o, "scope", td_json_text_nonempty(a->scope), &failed);
    td_json_set(o, "enrolled", a->has_enrolled ? json_boolean(a->enrolled) : json_null(), &failed);
    td_json_set(o, "state", td_json_text_nonempty(a->state), &failed);
    if (failed) {
        json_decref(o);
        return NULL;
    }
    return o;
}

td_err answer_agents_json(FILE *out, const Tiendo__AgentList *list)
{
    json_t *root = json_object();
    int failed = 0;

    if (root == NULL)
        return TD_ERR_NOMEM;
    td_json_set(root, "agents", json_array(), &failed); /* filled one office at a time */
    td_json_set(root, "silent_after_seconds",
                s_json_seconds(list->has_silent_after_ms, list->silent_after_ms), &failed);
    if (failed) {
        json_decref(root);
        return TD_ERR_NOMEM;
    }
    return td_json_print_list(out, root, "agents", list->n_agents, s_agent_item, (void *) list);
}
