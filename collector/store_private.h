/* store_private.h: what the files of the store module share (store.c: the environment and
 * most tables; store_tasks.c: the tasks table and its rebuild; store_office_log.c: the
 * rejections and restore gaps). Nothing outside them includes it: the layout stays the
 * store's own (store.h). */
#ifndef TIENDO_STORE_PRIVATE_H
#define TIENDO_STORE_PRIVATE_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Named databases. Keys are big-endian composites so cursors walk them in order. */
struct store {
    MDB_env *env;
    MDB_dbi meta;       /* "schema" -> u32 */
    MDB_dbi delivery;   /* agent(32) | epoch(8) -> high water(8) [| settled_below(8)] */
    MDB_dbi rejections; /* agent(32) | epoch(8) | seq(8) -> 0 | time(8) | reason */
    MDB_dbi revisions;  /* natural key | revision(4) -> record */
    MDB_dbi latest;     /* natural key -> revision(4) | origin | first received(8) */
    MDB_dbi agents;     /* agent(32) -> agent record */
    MDB_dbi gaps;       /* agent(32) | epoch(8) | first seq(8) -> last seq(8) | time(8) */
    MDB_dbi tasks;      /* dataset \0 unit \0 task id -> packed Tiendo__TaskInfo */
    MDB_dbi tasks_due;  /* the same key -> status(1) group(1) deadline(10) completed_on(10) */
    int has_gaps;       /* 0: a schema 1 store opened read-only (no gaps db yet) */
    int has_tasks;      /* 0: a schema 1 or 2 store opened read-only (no tasks dbs yet) */
    size_t map_bytes;
    size_t max_map_bytes;
};

#define ORIGIN_BYTES (STORE_KEY_BYTES + 8 + 8 + 8)
#define NATURAL_MAX  (16 + 1 + 4 + 16 + 1)
/* latest value: revision(4) | origin of that revision | first revision's received_at(8) */
#define LATEST_BYTES (4 + ORIGIN_BYTES + 8)
/* Revision record format byte: REVISION_AS_RECEIVED the report as received;
 * REVISION_PRUNED the report cut by retention to its audit fields. */
#define REVISION_AS_RECEIVED 1
#define REVISION_PRUNED      2

/* visit returns 0 to go on, STORE_WALK_STOP to stop (not an error), or a td_err. */
#define STORE_WALK_STOP (-1)
typedef int (*store_visit_fn)(void *ctx, const MDB_val *key, const MDB_val *val);

/* Which keys a walk visits: those that start with prefix (plen 0: all); with resume,
 * only those after resume->key, at most limit of them (0: no limit), resume moving to
 * the last one visited and *finished (may be NULL) set when the end was reached. */
typedef struct {
    const void *prefix;
    size_t plen;
    store_position *resume;
    size_t limit;
    int *finished;
} store_range;

/* agent(32) | epoch(8) | seq(8): the key of a rejection and of a restore gap. */
void store_agent_seq_key(uint8_t k[48], const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch,
                         uint64_t seq);

/* One cursor walk over dbi for every scan of the module. */
td_err store_walk(store_txn *txn, MDB_dbi dbi, const store_range *range, store_visit_fn visit,
                  void *ctx);

/* Fold the action-plan tasks of report (revision `revision` of its (dataset, period, unit),
 * received at received_at_ms) into the tasks table, in txn (store_tasks.c). The report has
 * passed td_report_validate. TD_ERR_NOMEM, or the store's errors. */
td_err store_tasks_fold(store_txn *txn, const Tiendo__Report *report, uint32_t revision,
                        int64_t received_at_ms);

/* Build the tasks table from every revision in the store, in the order they were received
 * (a schema 1 or 2 store opened for writing), in txn. TD_ERR_NOMEM, TD_ERR_MAPFULL (the
 * caller grows the map and starts the upgrade again), the store's errors. */
td_err store_tasks_rebuild(store_txn *txn);

#endif
