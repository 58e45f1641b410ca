/* store.h: the collector's LMDB store: the environment, transactions, the tables, their scans. */
#ifndef TIENDO_STORE_H
#define TIENDO_STORE_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "period.h"
#include "reason.h"
#include "tiendo.pb-c.h"

/* The layout (tables, keys, values) is in docs/architecture.md, "Storage layout"; only
 * this module reads or writes the bytes. stored.h decodes the protobuf a record holds,
 * backup.h copies and restores a whole store, retention.h prunes old records through
 * the functions below.
 *
 * Threads and processes. A store_t is one LMDB environment (opened with MDB_NOTLS):
 *  - open a folder once per process, and never use a store_t in a child after fork()
 *    (open a new one there);
 *  - one write transaction at a time: in the collector every write (ingest batches,
 *    retention steps) happens on its one serving thread; another process that writes
 *    (`prune`) waits on LMDB's writer lock;
 *  - read-only transactions may be open beside the writer, in this process or others
 *    (`check`, `backup`); one transaction is used by one thread at a time;
 *  - store_grow and store_close only while this process has no transaction open.
 * A store_txn is not thread-safe. The scans and lookups below are safe in a read-only
 * transaction; the writes fail there with TD_ERR_PERMISSION.
 *
 * Errors: every function returning td_err gives TD_OK on success; TD_ERR_STORE for an
 * LMDB failure or a record of the wrong size or format (a damaged store); TD_ERR_MAPFULL
 * from a write or commit when the map is full (abort, store_grow, replay); TD_ERR_DISKFULL
 * when the disk is full; the other codes are listed per function.
 *
 * Lifetime: pointers a scan or lookup passes out (report bytes, heartbeat bytes, keys,
 * reasons) point into the map and are valid only during the callback, or until the
 * next write in, or the end of, that transaction: copy what must live longer. */

#define STORE_KEY_BYTES  32 /* raw CURVE public key of an agent */
#define STORE_REASON_MAX 256
/* 2: the "gaps" db, pruned revision records (format byte 2), rejection times. 3: the
 * "tasks" db (action-plan tasks, one record per (dataset, unit, task id)). A store of an
 * older schema is upgraded when a collector opens it for writing (2 -> 3 builds the tasks
 * table from the stored revisions); `check` reads every schema as it is. */
#define STORE_SCHEMA       3
#define STORE_POSITION_MAX 64 /* bytes of any key of the store */

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

/* Where a resumable scan stopped: a copy of the last key it visited (len 0: at the
 * start). Owned by the caller, valid across transactions; zero it to start over. */
typedef struct {
    uint8_t key[STORE_POSITION_MAX];
    size_t len;
} store_position;

/* ---- the environment ---- */

/* Open (creating the folder 0700 and the store if needed) the store in dir with an
 * initial map of map_bytes that store_grow may double up to max_map_bytes (an existing
 * file keeps a larger map). Clears stale reader slots and checks the schema (a schema 1
 * store is upgraded). Errors, with err saying why: TD_ERR_NOMEM; an errno code when the
 * folder cannot be made; TD_ERR_STORE for an unknown schema or an LMDB failure;
 * TD_ERR_PERMISSION / TD_ERR_NOTFOUND as LMDB reports them. *out is NULL on error. */
td_err store_open(store_t **out, const char *dir, size_t map_bytes, size_t max_map_bytes, char *err,
                  size_t errlen);
/* As store_open, for writing, but TD_ERR_NOTFOUND (err saying so) when dir holds no
 * data.mdb: `prune` must not make an empty store of a mistyped --state-dir. */
td_err store_open_existing(store_t **out, const char *dir, size_t map_bytes, size_t max_map_bytes,
                           char *err, size_t errlen);
/* Open an existing store for reading only (`check`, `backup`, `prune --dry-run`):
 * creates nothing, takes no write lock (so it never waits behind a running or stopped
 * collector). TD_ERR_NOTFOUND when dir holds no data.mdb; otherwise as store_open.
 * Write transactions on it fail. */
td_err store_open_read_only(store_t **out, const char *dir, char *err, size_t errlen);
/* Close and NULL *store; accepts NULL. No transaction of this process may be open. */
void store_close(store_t **store);

/* Current map size in bytes, and bytes in use (last page used * page size). */
void store_map_use(store_t *store, size_t *map_bytes, size_t *used_bytes);
/* Double the map (bounded by max_map_bytes). TD_ERR_DISKFULL when at the bound or when
 * the system refuses the larger map, TD_ERR_STORE on another LMDB failure. Only with no
 * transaction open in this process. */
td_err store_grow(store_t *store);
/* mdb_reader_check; returns how many stale slots were cleared (or -1). */
int store_clear_stale_readers(store_t *store);

/* Write a compacted snapshot of the whole store to fd (mdb_env_copyfd2 with
 * MDB_CP_COMPACT), from one read transaction: what was committed when it began. Adopts a
 * map grown meanwhile by another process (starting the copy again, at most three times).
 * TD_ERR_STORE / TD_ERR_IO / TD_ERR_DISKFULL, with err saying why. backup.h does the files. */
td_err store_copy_to_fd(store_t *store, int fd, char *err, size_t errlen);

/* ---- transactions ---- */

/* Begin a transaction (read_only 1: beside the writer; 0: waits for the writer lock).
 * Adopts a map another process grew. TD_ERR_MAPFULL / TD_ERR_STORE (logged). */
td_err store_begin(store_t *store, int read_only, store_txn *txn);
/* Commit (durable with LMDB's default sync flags before it returns). TD_ERR_MAPFULL,
 * TD_ERR_DISKFULL, TD_ERR_STORE. The transaction is gone either way. */
td_err store_commit(store_txn *txn);
/* Abort; accepts a transaction already gone. */
void store_abort(store_txn *txn);

/* ---- delivery state: one mark per (agent, epoch) ---- */

/* High-water mark of (agent, epoch) (0 when never seen) and settled_below, the highest
 * Envelope.first_unsettled seen from it (0: never said): every seq below it was answered
 * and has left the agent's outbox, so it is never resent. TD_ERR_STORE for a bad value. */
td_err store_delivery_read(store_txn *txn, const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch,
                           uint64_t *high_water, uint64_t *settled_below);
/* Set both (settled_below 0 keeps the schema 1 value of 8 bytes). */
td_err store_delivery_write(store_txn *txn, const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch,
                            uint64_t high_water, uint64_t settled_below);

typedef struct {
    uint8_t agent[STORE_KEY_BYTES];
    uint64_t epoch;
    uint64_t high_water;
    uint64_t settled_below;
} store_delivery;
typedef int (*store_delivery_fn)(void *ctx, const store_delivery *mark);
/* Every mark, in key order (agent, then epoch). fn returns non-zero to stop. */
td_err store_scan_delivery(store_txn *txn, store_delivery_fn fn, void *ctx);

/* ---- rejections: the reason an envelope was rejected, so a resend gets it again ---- */

/* A rejection reason's parts (docs/protocol.md, "Reasons"): the English printf format it
 * was made from (its stable code and gettext msgid) and each argument as text, so the
 * office reads the reason in its own language. format "" when there are none: a reason
 * kept by a collector that did not keep them (the reader shows the English text). A
 * plain struct: copy freely. */
typedef struct {
    char format[STORE_REASON_MAX];
    int nargs;
    char args[TD_REASON_ARGS][TD_REASON_ARG_MAX];
} store_reason_parts;

/* parts from a td_reason (reason.h): its format (cut to STORE_REASON_MAX - 1 bytes: then
 * none, as a cut code names nothing) and arguments. r NULL, or without a format: none. */
void store_reason_parts_set(store_reason_parts *parts, const td_reason *r);

/* Keep reason (the English text, cut to STORE_REASON_MAX - 1 bytes at a character
 * boundary) and its parts (NULL or format "": none) for (agent, epoch, seq), timed now. */
td_err store_rejection_put(store_txn *txn, const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch,
                           uint64_t seq, const char *reason, const store_reason_parts *parts);
/* The reason into reason (NUL-terminated, cut to reasonlen - 1) and its parts into parts
 * (may be NULL; format "" when the value has none: one kept before parts were, schemas 1
 * and 2 alike). TD_ERR_NOTFOUND when (agent, epoch, seq) was not rejected (or its reason
 * was pruned). */
td_err store_rejection_get(store_txn *txn, const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch,
                           uint64_t seq, char *reason, size_t reasonlen, store_reason_parts *parts);
/* Drop the reason of (agent, epoch, seq) (retention). TD_ERR_NOTFOUND when there is none. */
td_err store_rejection_delete(store_txn *txn, const uint8_t agent[STORE_KEY_BYTES], uint64_t epoch,
                              uint64_t seq);

typedef struct {
    uint8_t agent[STORE_KEY_BYTES];
    uint64_t epoch;
    uint64_t seq;
    int64_t recorded_at_ms; /* 0: unknown (recorded by schema 1) */
    const char *reason;     /* the English text, not NUL-terminated (its parts are not
                               passed); valid during the callback */
    size_t reason_len;
} store_rejection;
typedef int (*store_rejection_fn)(void *ctx, const store_rejection *rejection);
/* Rejections in key order (agent, epoch, seq). With from NULL: all of them. With from:
 * those after *from, at most limit (0: no limit), and *from is moved to the last one
 * visited; *finished (may be NULL) is set to 1 when the table's end was reached. fn
 * returns non-zero to stop (not an error). */
td_err store_scan_rejections(store_txn *txn, store_position *from, size_t limit,
                             store_rejection_fn fn, void *ctx, int *finished);

/* ---- reports: revisions and the latest of each (dataset, period, unit) ---- */

/* Store a report as the next revision of (dataset, period, unit) and make it the
 * latest, and fold its action-plan tasks into their records (td_task_fold; the tasks
 * table below) in the same transaction. The report must have passed td_report_validate.
 * raw/raw_len are the report's bytes as received (stored verbatim); NULL packs `report`
 * instead. *revision_out (may be NULL) gets its revision number. TD_ERR_INVALID when the
 * report has no unit or no period that parses; TD_ERR_NOMEM. */
td_err store_report_put(store_txn *txn, const store_origin *origin, const Tiendo__Report *report,
                        const uint8_t *raw, size_t raw_len, uint32_t *revision_out);

/* The latest revision of each unit reported for (dataset, period), in key order (unit
 * code), with when its first revision was received (timeliness counts the first
 * submission). Data pointers are valid only during the callback. Return non-zero to stop.
 * TD_ERR_STORE when a latest entry has no revision record. */
typedef int (*store_latest_fn)(void *ctx, const char *unit, uint32_t revision,
                               const store_origin *origin, int64_t first_received_at_ms,
                               const uint8_t *report, size_t len);
td_err store_scan_latest(store_txn *txn, const char *dataset, const td_period *period,
                         store_latest_fn fn, void *ctx);

/* One revision record as a scan gives it (pointers valid only during the callback). */
typedef struct {
    const uint8_t *natural_key; /* identifies (dataset, period, unit): compare, copy, pass
                                   back; store_natural_key_parse names it */
    size_t natural_len;
    uint32_t revision;
    store_origin origin;
    int pruned;            /* 1: retention cut the report to its audit fields */
    const uint8_t *report; /* the report as packed protobuf (stored_report_decode) */
    size_t report_len;
} store_revision;
typedef int (*store_revision_fn)(void *ctx, const store_revision *revision);

/* The (dataset, period, unit) a natural key stands for (the inverse of the key
 * store_report_put makes), for messages that must name a record: dataset and unit
 * NUL-terminated. TD_ERR_STORE when natural_key is not one. */
#define STORE_NAME_MAX 17 /* a dataset or unit code and its NUL */
td_err store_natural_key_parse(const uint8_t *natural_key, size_t natural_len,
                               char dataset[STORE_NAME_MAX], td_period *period,
                               char unit[STORE_NAME_MAX]);

/* Every revision of every report in key order (natural key, then revision). With from
 * NULL: all of them; with from, as store_scan_rejections (resumable, at most limit). */
td_err store_scan_revisions(store_txn *txn, store_position *from, size_t limit,
                            store_revision_fn fn, void *ctx, int *finished);
/* Every revision of one (dataset, period, unit), oldest first. */
td_err store_scan_unit_revisions(store_txn *txn, const char *dataset, const td_period *period,
                                 const char *unit, store_revision_fn fn, void *ctx);

/* When a later revision superseded this one (the next revision's received time), in
 * *at_ms; 0 when it is the latest (or its successor is missing). */
td_err store_revision_superseded_at(store_txn *txn, const store_revision *revision, int64_t *at_ms);
/* Replace the body of a revision by audit (a packed report holding only what retention
 * keeps), keeping its origin, and mark it pruned. natural_key/natural_len/revision come
 * from a scan (copied out of it). TD_ERR_NOTFOUND when there is no such revision. */
td_err store_revision_prune(store_txn *txn, const uint8_t *natural_key, size_t natural_len,
                            uint32_t revision, const uint8_t *audit, size_t audit_len);

/* Number of entries of the latest table (one per (dataset, period, unit)). */
td_err store_count_latest(store_txn *txn, size_t *count);
/* Number of entries of the revisions table (every revision of every report; mdb_stat,
 * no scan). */
td_err store_count_revisions(store_txn *txn, size_t *count);

/* ---- action-plan tasks: one record per (dataset, unit, task id) ---- */

/* A task record as store_scan_tasks passes it (valid during the callback only). Records
 * are written by store_report_put and never pruned: each follows its task across periods
 * and revisions (common/tasks.h). */
typedef struct {
    const char *dataset;   /* NUL-terminated */
    const char *unit;      /* the unit code, NUL-terminated */
    const char *task_id;   /* the task's id, NUL-terminated */
    const uint8_t *record; /* a packed Tiendo__TaskInfo (stored_task_decode) */
    size_t record_len;
} store_task;
typedef int (*store_task_fn)(void *ctx, const store_task *task);
/* The task records of dataset (NULL: every dataset's), every unit's (unit NULL) or one
 * unit's, in key order (dataset, unit code, then task id; byte order). fn returns non-zero
 * to stop. None on a schema 1 or 2 store read as it is. */
td_err store_scan_tasks(store_txn *txn, const char *dataset, const char *unit, store_task_fn fn,
                        void *ctx);
/* The record of one task into *out (pointers valid as store_scan_tasks's). TD_ERR_NOTFOUND
 * when there is none. */
td_err store_task_get(store_txn *txn, const char *dataset, const char *unit, const char *task_id,
                      store_task *out);
/* Number of task records, every dataset (mdb_stat, no scan). */
td_err store_count_tasks(store_txn *txn, size_t *count);

/* What a task's state on a date needs (td_task_state_of), kept beside each record in a
 * small table of its own so that counting and filtering by state reads a few bytes per
 * task, not its history. Written with the record, from the record's task. */
typedef struct {
    const char *dataset, *unit, *task_id; /* NUL-terminated, valid during the callback */
    Tiendo__TaskStatus status;
    uint32_t task_group;
    char deadline[11];     /* YYYY-MM-DD as reported; "" when none (or not a date's length) */
    char completed_on[11]; /* the same */
} store_task_due;
typedef int (*store_task_due_fn)(void *ctx, const store_task_due *due);
/* The due fields a task's record gets (status, group, dates; the key parts are left NULL):
 * what the store writes, and what `check` compares the table with. Pure. */
void store_task_due_of(const Tiendo__ActionTask *task, store_task_due *out);
/* The due entries of dataset (NULL: every dataset), every unit's or one unit's, in the key
 * order of store_scan_tasks. TD_ERR_STORE for an entry of the wrong size. */
td_err store_scan_task_due(store_txn *txn, const char *dataset, const char *unit,
                           store_task_due_fn fn, void *ctx);

/* ---- agents ---- */

/* Record contact from an agent: last seen, epoch, high water, and (when hb is not
 * NULL) its latest heartbeat (kept when its packed size is at most 512 bytes). */
td_err store_agent_seen(store_txn *txn, const uint8_t agent[STORE_KEY_BYTES], int64_t seen_ms,
                        uint64_t epoch, uint64_t high_water, const Tiendo__Heartbeat *hb);

/* One stored agent record (heartbeat bytes valid only during the callback; decode them
 * with stored_heartbeat_decode). */
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
/* Every agent record, in key order. fn returns non-zero to stop. */
td_err store_scan_agents(store_txn *txn, store_agent_fn fn, void *ctx);

/* ---- restore gaps (docs/protocol.md, "Restore gap") ---- */

/* Seqs first_seq..last_seq of (agent, epoch) were acknowledged by an earlier copy of the
 * store and are not in this one. */
typedef struct {
    uint8_t agent[STORE_KEY_BYTES];
    uint64_t epoch;
    uint64_t first_seq;
    uint64_t last_seq;
    int64_t recorded_at_ms;
} store_gap;
/* Record a gap. TD_ERR_EXISTS when a gap starting at first_seq is already recorded;
 * TD_ERR_INVALID for first_seq 0 or last_seq < first_seq; TD_ERR_STORE on a schema 1
 * store opened read-only (it has no gaps table). */
td_err store_gap_put(store_txn *txn, const store_gap *gap);
typedef int (*store_gap_fn)(void *ctx, const store_gap *gap);
/* Every gap in key order (none on a schema 1 store). fn returns non-zero to stop. */
td_err store_scan_gaps(store_txn *txn, store_gap_fn fn, void *ctx);

#endif
