/* sender_metrics.h: what `tiendo-agent run` shows on /metrics: a snapshot and its rendering. */
#ifndef TIENDO_AGENT_SENDER_METRICS_H
#define TIENDO_AGENT_SENDER_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "metrics.h"

/* The sender loop fills a snapshot and publishes it (td_metrics_publish, a copy) at most
 * every SENDER_METRICS_EVERY_MS; the exporter's thread renders the latest copy per scrape.
 * The two never share memory, so neither function needs a lock. */

#define SENDER_METRICS_EVERY_MS 100

typedef struct {
    uint64_t queue_depth;
    int64_t oldest_queued_at_ms; /* wall clock; 0 when nothing is queued */
    uint64_t dead_letters;
    uint64_t sent, resends, delivered, rejected; /* since the start of the run */
    int connected;
    int64_t last_answer_mono_ms; /* the last ack (or the start of the run) */
    uint64_t in_flight;
} sender_metrics_snapshot;

/* The td_metrics render callback for opts->metrics of sender_run: tiendo_agent_* metrics
 * (docs/operations.md, "Metrics") from snapshot (a sender_metrics_snapshot of len bytes,
 * or NULL before the first: then only the build info). ctx is unused. Times are read
 * from the clocks at each call. */
void sender_metrics_render(void *ctx, const void *snapshot, size_t len, td_metrics_text *out);

#endif
