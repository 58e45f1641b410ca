/* answer_agents.h: `tiendo agents`: every agent the collector knows, as a table and as JSON. */
#ifndef TIENDO_CLI_ANSWER_AGENTS_H
#define TIENDO_CLI_ANSWER_AGENTS_H

#include <stdint.h>
#include <stdio.h>

#include "answer.h"
#include "error.h"
#include "tiendo.pb-c.h"

/* Pure; thread-safe per stream (answer.h). */

/* One row per agent: key (its first 12 characters and "..."), last seen (td_age_text
 * against now_ms, the wall clock in Unix ms), epoch, high water, and from its last
 * heartbeat: version, outbox, oldest unsent (td_duration_text), dead letters, clock skew
 * (td_offset_text; positive: the agent is ahead); "-" where it sent none. With colours,
 * silence over ten minutes, a non-empty outbox, dead letters and a skew of a minute or more
 * stand out. "No agent has connected ..." for an empty list. Returns TD_OK or
 * TD_ERR_NOMEM. */
td_err answer_agents_text(FILE *out, const Tiendo__AgentList *list, int64_t now_ms,
                          const answer_style *style);

/* {"agents":[{"public_key","last_seen","epoch","high_water","agent_version",
 * "outbox_depth","oldest_unsent_age_ms","dead_letters","clock_skew_ms","last_heartbeat"}]}
 * (docs/cli-json.md), times by the JSON rule (td_json_time), with td_json_print. Returns
 * TD_OK, TD_ERR_NOMEM (nothing printed) or TD_ERR_IO. */
td_err answer_agents_json(FILE *out, const Tiendo__AgentList *list);

#endif
