/* summary.h: the status and agents answers, and what every answer shares: indicator values
 * by the rules, the merger rule of reporting, freeing and copying answers. */
#ifndef TIENDO_SUMMARY_H
#define TIENDO_SUMMARY_H

#include "error.h"
#include "calendar.h"
#include "offices.h"
#include "registry.h"
#include "rollup.h"
#include "store.h"
#include "tiendo.pb-c.h"

/* Every function here reads the store in one read-only transaction of the calling
 * thread (the store's rules apply, store.h) and builds a malloc-built message that the
 * caller owns. Registry and calendar are borrowed, read only. */

/* Build the StatusSummary of (dataset, period) into *out (free with summary_free): the
 * period's expected units by the merger rule (summary_unit_reporting), the nation's
 * figures (rollup.h), the dataset's tasks overdue today, and the expected units no
 * connected agent of offices (borrowed; NULL: nothing enrolled) may report for.
 * reason gets a user-facing message on TD_ERR_INVALID (period or dataset) and on
 * TD_ERR_STORE when a stored report of the period does not decode (it names the record:
 * the answer is refused rather than leave it out). Other errors: TD_ERR_NOMEM, the
 * store's. *out is NULL on error. */
td_err summary_status(store_t *store, const td_registry_t *registry, const td_calendar_t *calendar,
                      const offices_view *offices, const char *dataset, const char *period,
                      Tiendo__StatusSummary **out, char *reason, size_t reasonlen);

/* Every catalogue indicator's figure at scope of rollup ("VN", or a unit of its map; rollup.h,
 * the rule of docs/data.md), with its source, coverage, check and target status
 * (malloc-built array of malloc-built messages in *out, *n entries; freed with the message
 * holding it). TD_ERR_NOMEM (what was built so far is in *out, *n); TD_ERR_NOTFOUND when
 * scope is not in the rollup. Reads no store. */
td_err summary_indicator_values(const td_registry_t *registry, td_rollup_t *rollup,
                                const char *scope, Tiendo__IndicatorValue ***out, size_t *n);

/* How a unit reported for the rollup's period, by the merger rule (docs/data.md, "Periods
 * that span a merger"): an expected unit counts as reported when it or any of the
 * provinces merged into it reported, timed by its own first receipt, else the earliest
 * part's. For a unit that is not expected (a commune, a predecessor), its own report only:
 * has_own and own_first_ms say whether it has one and when revision 1 came. Pure. */
typedef struct {
    int reported;
    int own;                   /* its own report counts */
    int partial;               /* not its own, and not every part reported */
    int64_t first_received_ms; /* what timeliness counts; 0 when not reported */
} summary_reporting;
void summary_unit_reporting(const td_rollup_t *rollup, const char *unit, int has_own,
                            int64_t own_first_ms, summary_reporting *out);

/* Every office of offices_scan: each enrolled key (name, role, scope, enrolled) with what
 * the agents table says of it (last contact, epoch, high water, latest heartbeat), then
 * the keys of the agents table that are no longer enrolled; each with its state, and the
 * threshold and clock it was judged by. TD_ERR_NOMEM, the store's errors. */
td_err summary_agents(store_t *store, const offices_view *offices, Tiendo__AgentList **out);

/* Free any message built by this module (or views.h) and NULL the pointer. */
void summary_free(ProtobufCMessage **msg);

/* A malloc-built copy of msg, a message decoded into an arena (stored.h), that can be
 * part of an answer summary_free frees; NULL when out of memory. */
ProtobufCMessage *summary_copy(const ProtobufCMessage *msg);

#endif
