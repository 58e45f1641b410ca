/* query.h: the collector's read-only query socket (the `tiendo` CLI talks to it). */
#ifndef TIENDO_QUERY_H
#define TIENDO_QUERY_H

#include "auth.h"
#include "error.h"
#include "calendar.h"
#include "registry.h"
#include "store.h"

typedef struct query query_t;

/* A query_t and the socket it answers on belong to one thread (the serving loop, which
 * also owns the store: store.h). */

/* store, registry and calendar are borrowed and must outlive the query object; an
 * enrolled office that sent nothing for more than silent_after_ms is "silent" (the agents
 * and status answers). TD_ERR_NOMEM. */
td_err query_open(query_t **out, store_t *store, const td_registry_t *registry,
                  const td_calendar_t *calendar, int64_t silent_after_ms);
/* The authorised keys in force (borrowed; NULL: none), which the agents and status
 * answers name. Call at start and after each reload, between query_handle calls. */
void query_set_auth(query_t *query, const auth_t *auth);
/* Free and NULL *query; accepts NULL. */
void query_close(query_t **query);

/* Answer the requests readable on the ROUTER socket (REQ clients: routing id, empty
 * delimiter, one request frame; docs/protocol.md), at most 64 per call so ingest is not
 * starved. A request that does not decode or cannot be answered gets a response with
 * error_code and error; a message of another shape is dropped. Replies never block: one
 * the socket will not take is dropped. Dropped messages and replies are counted and
 * logged at most once a second each (peer_log.h). */
void query_handle(query_t *query, void *router);

#endif
