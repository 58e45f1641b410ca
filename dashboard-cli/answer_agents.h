/* answer_agents.h: `tiendo agents`: every office the collector knows, as a table and as JSON. */
#ifndef TIENDO_CLI_ANSWER_AGENTS_H
#define TIENDO_CLI_ANSWER_AGENTS_H

#include <stdint.h>
#include <stdio.h>

#include "answer.h"
#include "error.h"
#include "tiendo.pb-c.h"

/* Pure; thread-safe per stream (answer.h). */

/* "Agents known to the collector: N (3 connected, 1 silent, 1 never connected, 1 query
 * key)" (the counts only when the collector sends states), when an agent counts as silent
 * (AgentList.silent_after_ms), then one row per key the collector lists, in its order:
 * name (as enrolled; else the key's first 12 characters and "..."; cut to what the line
 * leaves, 20..40 columns), scope, state in words ("connected", "silent for 2 h 5 min",
 * "never connected", "revoked"; "query key" for a `tiendo` workstation, which never talks
 * to the agents socket; "—" from a collector that sends no state), last contact
 * (td_age_text), and from the last heartbeat: outbox ("3 (oldest 45 s)", td_duration_text),
 * dead letters, clock skew (td_offset_text; positive: the agent is ahead); "-" where it
 * sent none (its version, epoch and high water are in the JSON). Ages are against the
 * collector's clock (AgentList.now_ms), else now_ms (the local wall clock, Unix ms).
 * Colours only add to the words: silent and never connected agents, a non-empty outbox,
 * dead letters and a skew of a minute or more stand out. "No agent is enrolled ..." for
 * an empty list. Returns TD_OK or TD_ERR_NOMEM. */
td_err answer_agents_text(FILE *out, const Tiendo__AgentList *list, int64_t now_ms,
                          const answer_style *style);

/* {"agents":[{"public_key","last_seen","epoch","high_water","agent_version",
 * "outbox_depth","oldest_unsent_age_ms","dead_letters","clock_skew_ms","last_heartbeat",
 * "name","role","scope","enrolled","state"}],"silent_after_seconds"} (docs/cli-json.md),
 * times by the JSON rule (td_json_time), with td_json_print. Returns TD_OK, TD_ERR_NOMEM
 * (nothing printed) or TD_ERR_IO. */
td_err answer_agents_json(FILE *out, const Tiendo__AgentList *list);

#endif
