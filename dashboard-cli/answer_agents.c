/* answer_agents.c: `tiendo agents`: every agent the collector knows, as a table and as JSON. */
#include "answer_agents.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json_out.h"
#include "term.h"
#include "timefmt.h"

enum { AGENT_COLS = 9, AGENT_CELL = 48 };

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

static const char *s_agent_color(void *ctx, size_t row, size_t col)
{
    const s_agent_ctx *c = ctx;
    const Tiendo__AgentInfo *a = c->list->agents[row];
    const Tiendo__Heartbeat *hb = a->last_heartbeat;

    if (col == 1 && (a->last_seen_ms <= 0 || c->now_ms - a->last_seen_ms > 10 * 60 * 1000))
        return "33"; /* silent for more than ten minutes */
    if (col == 5 && hb != NULL && hb->outbox_depth > 0)
        return "33";
    if (col == 7 && hb != NULL && hb->dead_letters > 0)
        return "31";
    if (col == 8 && s_has_skew(a) && llabs(s_skew_ms(a)) >= 60 * 1000)
        return "33";
    return NULL;
}

td_err answer_agents_text(FILE *out, const Tiendo__AgentList *list, int64_t now_ms,
                          const answer_style *style)
{
    static const term_column cols[AGENT_COLS] = {
        {"Agent", TERM_LEFT, 0},          {"Last seen", TERM_RIGHT, 0},
        {"Epoch", TERM_LEFT, 0},          {"High water", TERM_RIGHT, 0},
        {"Version", TERM_LEFT, 16},       {"Outbox", TERM_RIGHT, 0},
        {"Oldest unsent", TERM_RIGHT, 0}, {"Dead letters", TERM_RIGHT, 0},
        {"Clock skew", TERM_RIGHT, 0},
    };
    size_t n = list->n_agents;
    char(*text)[AGENT_CELL] = NULL;
    const char **cells = NULL;
    s_agent_ctx ctx = {list, now_ms};
    td_err rc = TD_OK;

    if (n == 0) {
        fprintf(out, "No agent has connected to the collector yet.\n");
        return TD_OK;
    }
    text = calloc(n * AGENT_COLS, sizeof *text);
    cells = calloc(n * AGENT_COLS, sizeof *cells);
    if (text == NULL || cells == NULL) {
        rc = TD_ERR_NOMEM;
        goto cleanup;
    }
    for (size_t r = 0; r < n; r++) {
        const Tiendo__AgentInfo *a = list->agents[r];
        const Tiendo__Heartbeat *hb = a->last_heartbeat;
        char(*row)[AGENT_CELL] = text + r * AGENT_COLS;
        const char *key = a->public_key ? a->public_key : "";

        if (strlen(key) > 12)
            snprintf(row[0], AGENT_CELL, "%.12s...", key);
        else
            snprintf(row[0], AGENT_CELL, "%s", key);
        td_age_text(now_ms, a->last_seen_ms, row[1], AGENT_CELL);
        answer_epoch_text(a->epoch, row[2], AGENT_CELL);
        snprintf(row[3], AGENT_CELL, "%" PRIu64, a->high_water);
        if (hb == NULL) {
            for (size_t k = 4; k < AGENT_COLS; k++)
                snprintf(row[k], AGENT_CELL, "-");
        } else {
            snprintf(row[4], AGENT_CELL, "%s",
                     hb->agent_version && hb->agent_version[0] ? hb->agent_version : "-");
            snprintf(row[5], AGENT_CELL, "%" PRIu64, hb->outbox_depth);
            if (hb->outbox_depth > 0 && hb->has_oldest_unsent_age_ms)
                td_duration_text(hb->oldest_unsent_age_ms, row[6], AGENT_CELL);
            else
                snprintf(row[6], AGENT_CELL, "-");
            snprintf(row[7], AGENT_CELL, "%" PRIu64, hb->dead_letters);
            if (s_has_skew(a))
                td_offset_text(s_skew_ms(a), row[8], AGENT_CELL);
            else
                snprintf(row[8], AGENT_CELL, "-");
        }
        for (size_t k = 0; k < AGENT_COLS; k++)
            cells[r * AGENT_COLS + k] = row[k];
    }
    fprintf(out, "Agents known to the collector: %zu\n\n", n);
    rc = term_table(out, cols, AGENT_COLS, cells, n, NULL,
                    answer_colors(style) ? s_agent_color : NULL, &ctx);

cleanup:
    free(cells);
    free(text);
    return rc;
}

td_err answer_agents_json(FILE *out, const Tiendo__AgentList *list)
{
    json_t *root = json_object(), *agents = json_array();
    int failed = 0;

    if (root == NULL || agents == NULL) {
        json_decref(agents);
        json_decref(root);
        return TD_ERR_NOMEM;
    }
    td_json_set(root, "agents", agents, &failed); /* root owns it from here */
    for (size_t i = 0; i < list->n_agents && !failed; i++) {
        const Tiendo__AgentInfo *a = list->agents[i];
        const Tiendo__Heartbeat *hb = a->last_heartbeat;
        char epoch[17];
        json_t *o = json_object();

        td_json_append(agents, o, &failed);
        if (failed)
            break;
        td_json_set(o, "public_key", td_json_text(a->public_key), &failed);
        td_json_set(o, "last_seen", td_json_time(1, a->last_seen_ms), &failed);
        td_json_set(o, "epoch", json_string(answer_epoch_text(a->epoch, epoch, sizeof epoch)),
                    &failed);
        td_json_set(o, "high_water", td_json_u64(a->high_water), &failed);
        td_json_set(o, "agent_version", hb ? td_json_text(hb->agent_version) : json_null(),
                    &failed);
        td_json_set(o, "outbox_depth", hb ? td_json_u64(hb->outbox_depth) : json_null(), &failed);
        td_json_set(o, "oldest_unsent_age_ms",
                    hb && hb->has_oldest_unsent_age_ms ? json_integer(hb->oldest_unsent_age_ms)
                                                       : json_null(),
                    &failed);
        td_json_set(o, "dead_letters", hb ? td_json_u64(hb->dead_letters) : json_null(), &failed);
        td_json_set(o, "clock_skew_ms", s_has_skew(a) ? json_integer(s_skew_ms(a)) : json_null(),
                    &failed);
        td_json_set(o, "last_heartbeat", td_json_time(hb != NULL, a->last_heartbeat_ms), &failed);
    }
    if (failed) {
        json_decref(root);
        return TD_ERR_NOMEM;
    }
    return td_json_print(out, root);
}
