/* exporter.h: the collector's Prometheus metrics (docs/operations.md, "Metrics"). */
#ifndef TIENDO_EXPORTER_H
#define TIENDO_EXPORTER_H

#include <stdint.h>

#include "auth.h"
#include "error.h"
#include "ingest.h"
#include "store.h"
#include "zap.h"

typedef struct exporter exporter_t;

/* Serve metrics on bind ("HOST:PORT", port 0 picks one; see td_metrics_open). Also
 * watches the connections of the agents socket (router, in zmq_ctx) with
 * zmq_socket_monitor to count connected agents. store is borrowed and read from the
 * caller's thread only (exporter_publish). An enrolled office whose agent sent nothing for
 * more than silent_after_ms is "silent" in the office metrics. Errors as td_metrics_open;
 * err says why. */
td_err exporter_open(exporter_t **out, const char *bind, void *zmq_ctx, void *router,
                     store_t *store, int64_t silent_after_ms, char *err, size_t errlen);
/* Stop serving, stop the monitor, NULL *e; accepts NULL. Before the ZeroMQ context ends. */
void exporter_close(exporter_t **e);

/* "http://HOST:PORT/metrics" (borrowed). */
const char *exporter_url(const exporter_t *e);

/* The monitor socket: poll it for ZMQ_POLLIN and then call exporter_on_monitor. */
void *exporter_monitor_socket(const exporter_t *e);
void exporter_on_monitor(exporter_t *e);

/* Publish a snapshot of the counters for scrapes, at most every 100 ms unless force (a
 * call sooner only marks the snapshot stale; exporter_due_ms says when to call again).
 * Every ~2 s it also reads the agents table merged with auth's keys (offices.h: outbox
 * depths, last contact, every enrolled office), the map use and the number of revisions in
 * one read transaction. auth (borrowed, may be NULL) names agents and lists the offices.
 * Call from the loop that owns ingest, zap and the store, between batches: each snapshot
 * is one consistent moment. */
void exporter_publish(exporter_t *e, const ingest_stats *ingest, const zap_stats *zap,
                      const auth_t *auth, int64_t now_mono_ms, int force);
/* Milliseconds until a stale snapshot should be published (INT64_MAX when none is). */
int64_t exporter_due_ms(const exporter_t *e, int64_t now_mono_ms);

#endif
