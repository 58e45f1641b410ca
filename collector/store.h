/* store.h: the collector's LMDB store: delivery state, report revisions, agents. */
#ifndef TIENDO_STORE_H
#define TIENDO_STORE_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "period.h"
#include "tiendo.pb-c.h"

#define STORE_KEY_BYTES  32 /* raw CURVE public key of an agent */
#define STORE_REASON_MAX 256
/* 2: the "gaps" db, pruned revision records (format byte 2), rejection times. A schema 1
 * store is upgraded when a collector opens it for writing; `check` reads both. */
#define STORE_SCHEMA 2

typedef struct store store_t;

/* A transaction. Read-only ones may run beside the single writer. */
typedef struct {
    store_t *store;
    MDB_txn *txn;
} store_txn;

/* Where a revision came from. */
typedef struct {
    uint8_t agent[STORE_KEY_BYTES];
    uint64_t epoch;
    uint64_t seq;
    int64_t received_at_ms;
} store_origin;

/* Open (creating if needed) the store in dir with an initial map of map_bytes that
 * store_grow may double up to max_map_bytes. Clears stale reader slots. Checks the
 * schema version. */
td_err store_open(store_t **out, const char *dir, size_t map_bytes, size_t max_map_bytes, char *err,
                  size_t errlen);
/* Open an existing store for reading only (for `check`): creates nothing, takes no
 * write lock (so it never waits behind a running or stopped collector), and fails with
 * TD_ERR_NOTFOUND when dir holds no store. Write transactions on it fail. */
td_err store_open_read_only(store_t **out, const char *dir, char *err, size_t errlen);
/* Close and NULL *store; accepts NULL. No transaction may be open. */
void store_close(store_t **store);

/* Current map size in bytes, and bytes in use (last page used * page size). */
void store_map_use(store_t *store, size_t *map_bytes, size_t *used_bytes);
/* Double the map (bounded by max_map_bytes). TD_ERR_DISKFULL when at the bound.
 * Only with no transaction open in this process. */
td_err store_grow(store_t *store);
/* mdb_reader_check; returns how many stale slots were cleared (or -1). */
int store_clear_stale_readers(store_t *store);

/* Begin a transaction. Errors: TD_ERR_MAPFULL/TD_ERR_STORE. */
td_err store_begin(store_t *store, int read_only, store_txn *txn);
/* Commit (durable with default sync flags before it returns). MAP_FULL ->
 * TD_ERR_MAPFULL, ENOSPC -> TD_ERR_DISKFULL. The txn is gone either way. */
td_err store_commit(store_txn *txn);
void store_abort(store_txn *txn);

/* Delivery high-water mark of (agent, epoch); 0 when never seen. */
td_err store_delivery_get(store_txn *txn, const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch,
                          uint64_t *high_water);
td_err store_delivery_put(store_txn *txn, const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch,
                          uint64_t high_water);

/* The reason an earlier envelope was rejected, kept so a resend gets the same answer. */
td_err store_rejection_put(store_txn *txn, const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch,
                           uint64_t seq, const char *reason);
/* TD_ERR_NOTFOUND when (agent, epoch, seq) was not rejected. */
td_err store_rejection_get(store_txn *txn, const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch,
                           uint64_t seq, char *reason, size_t reasonlen);

/* Store a report as the next revision of (dataset, period, unit) and make it the
 * latest. The report must have passed td_report_validate. raw/raw_len are the report's
 * bytes as received (stored verbatim); NULL packs `report` instead. */
td_err store_report_put(store_txn *txn, const store_origin *origin, const Tiendo__Report *report,
                        const uint8_t *raw, size_t raw_len, uint32_t *revision_out);

/* Record contact from an agent: last seen, epoch, high water, and (when hb is not
 * NULL) its latest heartbeat. */
td_err store_agent_seen(store_txn *txn, const uint8_t agent[STORE_KEY_BYTES], int64_t seen_ms,
                        uint64_t epoch, uint64_t high_water, const Tiendo__Heartbeat *hb);

/* The latest revision of each unit reported for (dataset, period), in key order, with
 * when its first revision was received (timeliness counts the first submission).
 * Data pointers are valid only during the callback. Return non-zero to stop. */
typedef int (*store_latest_fn)(void *ctx, const char *unit, uint32_t revision,
                               const store_origin *origin, int64_t first_received_at_ms,
                               const uint8_t *report, size_t len);
td_err store_scan_latest(store_txn *txn, const char *dataset, const td_period *period,
                         store_latest_fn fn, void *ctx);

/* Every revision of every report, in key order (natural key, then revision). The
 * natural key identifies (dataset, period, unit); pointers are valid only during the
 * callback. Return non-zero to stop. */
typedef int (*store_revision_fn)(void *ctx, const uint8_t *natural_key, size_t natural_len,
                                 uint32_t revision, const store_origin *origin,
                                 const uint8_t *report, size_t len);
td_err store_scan_revisions(store_txn *txn, store_revision_fn fn, void *ctx);

/* Every revision of one (dataset, period, unit), oldest first. */
td_err store_scan_unit_revisions(store_txn *txn, const char *dataset, const td_period *period,
                                 const char *unit, store_revision_fn fn, void *ctx);

/* Number of entries of the latest table (one per (dataset, period, unit)). */
td_err store_count_latest(store_txn *txn, size_t *count);
/* Number of entries of the revisions table (every revision of every report; mdb_stat,
 * no scan). */
td_err store_count_revisions(store_txn *txn, size_t *count);

/* One stored agent record (heartbeat bytes valid only during the callback). */
typedef struct {
    uint8_t agent[STORE_KEY_BYTES];
    int64_t last_seen_ms;
    uint64_t epoch;
    uint64_t high_water;
    int64_t heartbeat_at_ms; /* 0 when no heartbeat yet */
    const uint8_t *heartbeat;
    size_t heartbeat_len;
} store_agent;
typedef int (*store_agent_fn)(void *ctx, const store_agent *agent);
td_err store_scan_agents(store_txn *txn, store_agent_fn fn, void *ctx);

/* ---- backup, restore gaps, retention (docs/operations.md) ---- */

/* Delivery state with what the agent said it no longer holds: settled_below is the
 * highest Envelope.first_unsettled seen from (agent, epoch) (0: never said). Every seq
 * below it was answered and has left the agent's outbox, so it is never resent. */
td_err store_delivery_read(store_txn *txn, const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch,
                           uint64_t *high_water, uint64_t *settled_below);
td_err store_delivery_write(store_txn *txn, const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch,
                            uint64_t high_water, uint64_t settled_below);

/* A restore gap: seqs first..last of (agent, epoch) were acknowledged by an earlier copy of
 * the store and are not in this one. TD_ERR_EXISTS when that gap is recorded already. */
typedef struct {
    uint8_t agent[STORE_KEY_BYTES];
    uint64_t epoch;
    uint64_t first_seq;
    uint64_t last_seq;
    int64_t recorded_at_ms;
} store_gap;
/* Record seqs first_seq..last_seq of (agent, epoch) as lost (acknowledged before a
 * restore). TD_ERR_EXISTS when a gap starting at first_seq is already recorded;
 * TD_ERR_INVALID for first_seq 0 or last_seq < first_seq. */
td_err store_gap_put(store_txn *txn, const store_gap *gap);
typedef int (*store_gap_fn)(void *ctx, const store_gap *gap);
td_err store_scan_gaps(store_txn *txn, store_gap_fn fn, void *ctx);

/* Revisions whose report body was pruned by retention (their audit record stays). */
td_err store_count_pruned(store_txn *txn, uint64_t *pruned);

/* Hot, compacted copy of the open store into dest_dir/data.mdb (dest_dir is created 0700
 * when missing; TD_ERR_EXISTS when it already holds a data.mdb). Written to a temporary
 * file, fsync'd, then renamed, so a crash never leaves a half copy under the real name.
 * Runs in one read transaction beside a running collector. *bytes_out: size written. */
td_err store_backup(store_t *store, const char *dest_dir, size_t *bytes_out, char *err,
                    size_t errlen);

/* 1 when another process has the store in dir open (a running collector, check or
 * backup), 0 when not, -1 on error (errno). Uses LMDB's own lock-file check. */
int store_in_use(const char *dir);

/* Retention, one bounded write transaction per step so the collector (the other writer)
 * waits at most one step. A cutoff of INT64_MIN turns that part off. */
typedef struct {
    int64_t superseded_cutoff_ms; /* prune bodies of revisions superseded at or before */
    int64_t rejections_cutoff_ms; /* drop rejection reasons recorded at or before */
    int dry_run;                  /* count only, write nothing */
    size_t step_records;          /* records looked at per transaction (0: 2000) */
} store_prune_config;
typedef struct {
    uint64_t revisions_seen;
    uint64_t revisions_pruned; /* bodies removed now (or that would be, dry run) */
    uint64_t already_pruned;
    uint64_t body_bytes_freed; /* report bytes removed */
    uint64_t rejections_seen;
    uint64_t rejections_pruned;
    uint64_t rejections_kept_unsettled; /* old enough, but the agent may still resend */
    uint64_t transactions;
} store_prune_stats;
typedef struct store_prune store_prune_t;
td_err store_prune_open(store_prune_t **out, const store_prune_config *config);
void store_prune_close(store_prune_t **prune);
/* One step; *done is set to 1 when everything was looked at. On TD_ERR_MAPFULL the step
 * wrote nothing: grow the map (store_grow) and call again. */
td_err store_prune_step(store_t *store, store_prune_t *prune, int *done);
const store_prune_stats *store_prune_get_stats(const store_prune_t *prune);

#endif
