/* retention.h: pruning old records (superseded report bodies, settled rejection reasons). */
#ifndef TIENDO_RETENTION_H
#define TIENDO_RETENTION_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

/* The policy of docs/operations.md, "Retention": what may go and when; store.h does the
 * writes. A pass runs in steps of one bounded write transaction each, so the collector
 * (the other writer) waits at most one step. A retention_t is used by one thread at a
 * time: the thread that may write to the store (store.h). */

/* A cutoff of INT64_MIN turns that part off. */
typedef struct {
    int64_t superseded_cutoff_ms; /* prune bodies of revisions superseded at or before */
    int64_t rejections_cutoff_ms; /* drop rejection reasons recorded at or before */
    int dry_run;                  /* count only, write nothing (a read-only store will do) */
    size_t step_records;          /* records looked at per transaction (0: 2000) */
} retention_config;

typedef struct {
    uint64_t revisions_seen;
    uint64_t revisions_pruned; /* bodies removed now (or that would be, dry run) */
    uint64_t already_pruned;
    uint64_t body_bytes_freed; /* report bytes removed */
    uint64_t rejections_seen;
    uint64_t rejections_pruned;
    uint64_t rejections_kept_unsettled; /* old enough, but the agent may still resend */
    uint64_t transactions;
} retention_stats;

typedef struct retention retention_t;

/* The cutoff for "older than days" at now_ms (Unix ms): INT64_MIN (off) for 0 days. */
int64_t retention_cutoff(long long days, int64_t now_ms);

/* A pass with config (copied). TD_ERR_NOMEM. Close with retention_close. */
td_err retention_open(retention_t **out, const retention_config *config);
/* Free and NULL *pass; accepts NULL. */
void retention_close(retention_t **pass);

/* One step; *done is set to 1 when everything was looked at. On TD_ERR_MAPFULL the step
 * wrote nothing: grow the map (store_grow) and call again. Other errors as store_begin /
 * store_commit; the step then wrote nothing and may be tried again. A revision whose
 * report does not decode is left as it is, for `check` to report. */
td_err retention_step(store_t *store, retention_t *pass, int *done);
/* Every remaining step, growing the map when it is full. Errors as retention_step, and
 * TD_ERR_DISKFULL when the map cannot grow. */
td_err retention_run(store_t *store, retention_t *pass);
/* Counts so far; valid until retention_close. */
const retention_stats *retention_get_stats(const retention_t *pass);

/* The one line that tells what a pass did ("pruned: N of M revisions lose ..."; dry run:
 * "dry run, nothing changed: ..."), without a newline, into buf (cut to len), in the
 * language td_i18n_init chose. for_people: the counts as people read them (td_fmt_count:
 * "1.007", "1,007"); else plain digits, for the log. */
void retention_describe(const retention_stats *stats, int dry_run, int for_people, char *buf,
                        size_t len);

/* The serving collector's own passes: the first a minute after start, then every 24 h,
 * one step per loop round. */
typedef struct {
    long long superseded_days; /* 0 and 0: retention off, rounds do nothing */
    long long rejections_days;
    retention_t *pass;    /* the pass in progress, or NULL */
    int64_t next_pass_ms; /* monotonic ms (0: not scheduled yet) */
} retention_daily;

/* Set up *daily (nothing allocated yet). */
void retention_daily_init(retention_daily *daily, long long superseded_days,
                          long long rejections_days);
/* Call once per loop round with the monotonic time: starts a pass when one is due (cutoffs
 * from the wall clock), runs one step, grows the map when it is full, logs the outcome of
 * a finished or failed pass (one line) and schedules the next one 24 h later. */
void retention_daily_round(retention_daily *daily, store_t *store, int64_t now_mono_ms);
/* Free a pass in progress. */
void retention_daily_close(retention_daily *daily);

#endif
