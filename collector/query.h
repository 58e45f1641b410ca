/* query.h: the collector's read-only query socket (the `tiendo` CLI talks to it). */
#ifndef TIENDO_QUERY_H
#define TIENDO_QUERY_H

#include "error.h"
#include "calendar.h"
#include "registry.h"
#include "store.h"

typedef struct query query_t;

/* store, registry and calendar are borrowed. */
td_err query_open(query_t **out, store_t *store, const td_registry_t *registry,
                  const td_calendar_t *calendar);
void query_close(query_t **query);

/* Answer every request readable on the ROUTER socket (REQ clients: routing id,
 * empty delimiter, one frame). Bad requests get an error response; replies never
 * block. */
void query_handle(query_t *query, void *router);

#endif
