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
#define STORE_SCHEMA     1

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

#endif
