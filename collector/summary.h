/* summary.h: answers to queries, computed from the store (O(units) per period). */
#ifndef TIENDO_SUMMARY_H
#define TIENDO_SUMMARY_H

#include "error.h"
#include "calendar.h"
#include "indicator.h"
#include "registry.h"
#include "store.h"
#include "tiendo.pb-c.h"

/* Every function here reads the store in one read-only transaction of the calling
 * thread (the store's rules apply, store.h) and builds a malloc-built message that the
 * caller owns. Registry and calendar are borrowed, read only. */

/* Build the StatusSummary of (dataset, period) into *out (free with summary_free).
 * reason gets a user-facing message on TD_ERR_INVALID (period or dataset) and on
 * TD_ERR_STORE when a stored report of the period does not decode (it names the record:
 * the answer is refused rather than leave it out). Other errors: TD_ERR_NOMEM, the
 * store's. *out is NULL on error. */
td_err summary_status(store_t *store, const td_registry_t *registry, const td_calendar_t *calendar,
                      const char *dataset, const char *period, Tiendo__StatusSummary **out,
                      char *reason, size_t reasonlen);

/* Every catalogue indicator evaluated over sums, with its target status (malloc-built
 * array of malloc-built messages in *out, *n entries; freed with the message holding it).
 * TD_ERR_NOMEM (what was built so far is in *out, *n). Reads no store. */
td_err summary_indicator_values(const td_registry_t *registry, const td_sums_t *sums,
                                Tiendo__IndicatorValue ***out, size_t *n);

/* Every agent the collector has heard from. TD_ERR_NOMEM, the store's errors. */
td_err summary_agents(store_t *store, Tiendo__AgentList **out);

/* Free any message built by this module (or views.h) and NULL the pointer. */
void summary_free(ProtobufCMessage **msg);

/* A malloc-built copy of msg, a message decoded into an arena (stored.h), that can be
 * part of an answer summary_free frees; NULL when out of memory. */
ProtobufCMessage *summary_copy(const ProtobufCMessage *msg);

#endif
