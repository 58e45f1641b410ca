/* sender_metrics.c: the tiendo_agent_* metrics rendered from the sender's snapshot. */
#include "sender_metrics.h"

#include <string.h>

#include "clock.h"

void sender_metrics_render(void *ctx, const void *snapshot, size_t len, td_metrics_text *t)
{
    (void) ctx;
    td_metrics_family(t, "tiendo_agent_build_info", "gauge",
                      "Always 1; the version label says which agent runs.");
    td_metrics_label version = {"version", TIENDO_VERSION};
    td_metrics_sample(t, "tiendo_agent_build_info", &version, 1, 1);
    if (snapshot == NULL || len != sizeof(sender_metrics_snapshot))
        return; /* the sender has not started yet */
    sender_metrics_snapshot s;
    memcpy(&s, snapshot, sizeof s);
    int64_t wall = td_now_ms(), mono = td_mono_ms();
    td_metrics_gauge(t, "tiendo_agent_queue_depth",
                     "Reports queued in the outbox, not answered by the collector yet.",
                     (double) s.queue_depth);
    int64_t oldest = s.oldest_queued_at_ms > 0 ? wall - s.oldest_queued_at_ms : 0;
    td_metrics_gauge(t, "tiendo_agent_oldest_unsent_age_seconds",
                     "Age of the oldest queued report (0 when the outbox is empty).",
                     (double) (oldest > 0 ? oldest : 0) / 1000.0);
    td_metrics_gauge(t, "tiendo_agent_dead_letters",
                     "Reports the collector rejected, kept as dead letters "
                     "(tiendo-agent dead-letters).",
                     (double) s.dead_letters);
    td_metrics_gauge(t, "tiendo_agent_in_flight", "Reports sent and waiting for their answer.",
                     (double) s.in_flight);
    td_metrics_counter(t, "tiendo_agent_reports_sent_total",
                       "Report envelopes sent (resends included).", s.sent);
    td_metrics_counter(t, "tiendo_agent_resends_total",
                       "Sends of a report already sent before (lost acks, timeouts, "
                       "reconnections).",
                       s.resends);
    td_metrics_counter(t, "tiendo_agent_reports_delivered_total",
                       "Reports the collector answered OK or DUPLICATE (removed from the "
                       "outbox).",
                       s.delivered);
    td_metrics_counter(t, "tiendo_agent_reports_rejected_total",
                       "Reports the collector answered REJECTED (now dead letters).", s.rejected);
    td_metrics_gauge(t, "tiendo_agent_connected",
                     "1 while a secure connection to the collector is up, else 0.",
                     s.connected ? 1 : 0);
    int64_t ack_age = mono - s.last_answer_mono_ms;
    td_metrics_gauge(t, "tiendo_agent_last_ack_age_seconds",
                     "Seconds since the collector last answered (since the start of the run "
                     "when it has not yet).",
                     (double) (ack_age > 0 ? ack_age : 0) / 1000.0);
}
