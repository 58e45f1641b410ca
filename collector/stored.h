/* stored.h: the one way to decode what the store holds (reports, tasks, heartbeats), bounded. */
#ifndef TIENDO_STORED_H
#define TIENDO_STORED_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "error.h"
#include "period.h"
#include "store.h"
#include "tiendo.pb-c.h"

/* Every reader of the store (the answers, check, retention, the metrics exporter) decodes
 * the bytes a scan gave it through these functions: bounded like a frame from the
 * network (at most TD_MAX_FRAME bytes, td_message_decode_in's allocation cap), into an
 * arena the caller owns. The decoded message lives in that arena until td_arena_reset or
 * td_arena_close (never td_message_free it), and borrows nothing from the store: it may
 * outlive the transaction. Pure functions; thread-safe with one arena per thread. */

/* Names a stored report in the message of stored_report_decode. */
typedef struct {
    const char *dataset;
    const td_period *period;
    const char *unit;
    uint32_t revision;
} stored_report_name;

/* Decode a stored report (store_scan_latest's bytes, a store_revision's report) into
 * *out. A record that does not decode means the store is damaged, and an answer built
 * without it would silently leave it out. The one rule for that: TD_ERR_STORE, with reason
 * (may be NULL) naming the record (name may be NULL) and saying to run
 * `tiendo-collector check`; an answer returns it as its error. */
td_err stored_report_decode(td_arena_t *arena, const uint8_t *bytes, size_t len,
                            const stored_report_name *name, Tiendo__Report **out, char *reason,
                            size_t reasonlen);

/* Decode a task record (store_scan_tasks) of dataset into *out. A record that does not
 * decode: TD_ERR_STORE, by the same rule as stored_report_decode, with reason (may be
 * NULL) naming the unit and the task. */
td_err stored_task_decode(td_arena_t *arena, const store_task *task, const char *dataset,
                          Tiendo__TaskInfo **out, char *reason, size_t reasonlen);

/* Decode the latest heartbeat of an agent record (store_scan_agents) into *out.
 * TD_ERR_NOTFOUND when the record holds none, TD_ERR_STORE when it does not decode. */
td_err stored_heartbeat_decode(td_arena_t *arena, const store_agent *agent,
                               Tiendo__Heartbeat **out);

#endif
