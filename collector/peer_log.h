/* peer_log.h: log lines a peer can cause, at most one a second, each with a running count. */
#ifndef TIENDO_PEER_LOG_H
#define TIENDO_PEER_LOG_H

#include <stdint.h>

/* The rule of docs/security.md ("Bounds"): a hostile or broken peer must not flood the
 * log. Each kind of event keeps one peer_log; every event is counted, and a WARN line is
 * written for the first one and then at most once a second, ending with the count so far
 * ("(N dropped so far)"). A peer_log belongs to one thread (the serving loop). */
typedef struct {
    uint64_t count;      /* events so far */
    int64_t last_log_ms; /* monotonic ms of the last line (0: none yet) */
    int logged;          /* a line was written */
} peer_log;

/* Count one event at now_mono_ms (td_mono_ms) and, when a line is due, log
 * "WHAT (COUNT VERB so far)" at WARN, e.g. verb "dropped". Returns the count. */
uint64_t peer_log_event(peer_log *log, int64_t now_mono_ms, const char *verb, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
