/* outbox.h: the agent's durable queue of reports (LMDB) with sequence numbers and dead letters. */
#ifndef TIENDO_AGENT_OUTBOX_H
#define TIENDO_AGENT_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "reason.h"
#include "tiendo.pb-c.h"

/* The outbox is one LMDB environment in a folder (state-dir) with three named
 * databases:
 *   meta:   "epoch" -> u64 BE (random, made when the outbox is created, never changed),
 *           "next_seq" -> u64 BE (the number the next queued report gets, from 1),
 *           "format" -> u32 BE (record layout version, 1).
 *   outbox: seq u64 BE -> queued record (byte layout in record.h): queued_at_ms,
 *           unit, dataset, period and the packed Tiendo__Report.
 *   dead:   seq u64 BE -> rejected_at_ms, reason (with its format and arguments when the
 *           collector sent them), then the queued record unchanged (record.h).
 *
 * Several processes may use one outbox at once (`submit` while `run` runs): LMDB
 * serialises writers. One process must open a folder only once, and never use an
 * outbox_t across fork(). An outbox_t is not thread-safe.
 *
 * Every write is one transaction, committed with LMDB's default (synchronous) flags: when
 * a function returns TD_OK the change survives a crash. When the map is full it is doubled
 * (up to OUTBOX_MAX_MAP_BYTES) and the write retried. */

#define OUTBOX_LABEL_MAX      64   /* buffer for unit, dataset, period text */
#define OUTBOX_REASON_MAX     1024 /* buffer for a rejection reason (longer ones are cut) */
#define OUTBOX_REASON_ARGS    TD_REASON_ARGS     /* arguments of a reason kept */
#define OUTBOX_REASON_ARG_MAX TD_REASON_ARG_MAX  /* buffer for one (longer ones are cut) */
#define OUTBOX_MAX_REPORT     65536u             /* bytes of a packed report the outbox accepts */
#define OUTBOX_MAX_MAP_BYTES  ((size_t) 8 << 30) /* the map never grows beyond 8 GiB */
#define OUTBOX_MIN_MAP_BYTES  ((size_t) 1 << 20)
#define OUTBOX_MAX_BATCH      100000u /* reports outbox_enqueue_many queues at once */

typedef struct outbox outbox_t;

/* One queued report or dead letter. In outbox_scan callbacks `report` points into the
 * database and is valid only during the callback; from outbox_dead_get it
 * is malloc'd and owned by the record (free with outbox_record_clear). */
typedef struct {
    uint64_t seq;
    int64_t queued_at_ms; /* Unix ms when it was queued (or re-queued) */
    char unit[OUTBOX_LABEL_MAX];
    char dataset[OUTBOX_LABEL_MAX];
    char period[OUTBOX_LABEL_MAX];
    const uint8_t *report; /* packed Tiendo__Report */
    size_t report_len;
    /* dead letters only (0 / "" for queued reports) */
    int64_t rejected_at_ms;
    char reason[OUTBOX_REASON_MAX]; /* the collector's reason in English */
    /* the same in parts (docs/protocol.md, "Reasons"): "" when the collector sent none
     * (or the dead letter predates them) */
    char reason_format[OUTBOX_REASON_MAX];
    size_t reason_nargs;
    char reason_args[OUTBOX_REASON_ARGS][OUTBOX_REASON_ARG_MAX];
    /* internal: non-NULL when report is owned */
    uint8_t *owned;
} outbox_record;

/* Frees an owned report and zeroes the record; accepts NULL. */
void outbox_record_clear(outbox_record *rec);

/* A dead letter's reason for people: its parts rendered in the language td_i18n_init
 * chose (td_reason_render_parts), or the English text when it has none or they do not
 * fit. Writes buf and returns it. */
char *outbox_record_reason(const outbox_record *rec, char *buf, size_t len);

/* A reason in parts, as an Ack carries them: the English format (the code) and each
 * argument as text, all borrowed. format NULL or "": none. */
typedef struct {
    const char *format;
    const char *const *args;
    size_t nargs;
} outbox_reason_parts;

/* One rejection to record with outbox_settle. */
typedef struct {
    uint64_t seq;
    const char *reason;        /* borrowed; cut to OUTBOX_REASON_MAX - 1 bytes */
    outbox_reason_parts parts; /* borrowed; a format of OUTBOX_REASON_MAX bytes or more is
                                  dropped, arguments past OUTBOX_REASON_ARGS too, and each
                                  is cut to OUTBOX_REASON_ARG_MAX - 1 bytes */
} outbox_rejection;

typedef struct {
    uint64_t epoch;
    uint64_t next_seq;
    uint64_t queued;             /* reports waiting to be delivered */
    uint64_t dead;               /* dead letters */
    uint64_t oldest_seq;         /* 0 when nothing is queued */
    int64_t oldest_queued_at_ms; /* 0 when nothing is queued */
    size_t map_bytes;            /* current size of the LMDB map */
    uint64_t last_txn_id;        /* id of the last committed write transaction: it grows by
                                    one per write, so tests can count transactions */
} outbox_stats;

/* Open (creating when missing) the outbox in dir. The folder is created with mode 0700
 * (parents too) when missing. map_bytes is the initial map size (at least
 * OUTBOX_MIN_MAP_BYTES is used); an existing outbox keeps a larger size. Clears stale
 * reader slots (mdb_reader_check). On error returns a td_err with a message in err. */
td_err outbox_open(outbox_t **out, const char *dir, size_t map_bytes, char *err, size_t errlen);

/* Close and NULL *ob; accepts NULL and *ob == NULL. */
void outbox_close(outbox_t **ob);

/* The outbox's epoch (random, never 0). */
uint64_t outbox_epoch(const outbox_t *ob);

/* The folder the outbox lives in (borrowed). */
const char *outbox_dir(const outbox_t *ob);

/* A report packed into its queued record by outbox_prepare, ready for
 * outbox_enqueue_many. Owned: free with outbox_prepared_clear. */
typedef struct {
    uint8_t *record; /* the record (queue time filled in when it is queued) */
    size_t record_len;
    size_t report_len; /* packed size of the report inside */
} outbox_prepared;

/* Pack report into a record: TD_ERR_TOOBIG over OUTBOX_MAX_REPORT bytes packed,
 * TD_ERR_INVALID without unit or period (or one over 255 bytes), TD_ERR_NOMEM. No outbox
 * access; thread-safe. On error *out is zeroed. Queue it with outbox_enqueue_many. */
td_err outbox_prepare(const Tiendo__Report *report, outbox_prepared *out, char *err, size_t errlen);

/* Frees the record and zeroes *p; accepts NULL and a zeroed item. */
void outbox_prepared_clear(outbox_prepared *p);

/* Queue n prepared reports (at most OUTBOX_MAX_BATCH, else TD_ERR_TOOBIG) in ONE write
 * transaction, in the order given, under consecutive seqs: items[i] gets
 * *first_seq_out + i. All get queued_at_ms as their queue time. When the map fills up
 * the transaction is aborted, the map doubled and the whole batch written again.
 * *queued_out is the number of reports waiting after the commit. All or nothing: on
 * error nothing is queued and no number is used up. n == 0 writes nothing (*first_seq_out
 * = 0). */
td_err outbox_enqueue_many(outbox_t *ob, const outbox_prepared *items, size_t n,
                           int64_t queued_at_ms, uint64_t *first_seq_out, uint64_t *queued_out,
                           char *err, size_t errlen);

/* Calls fn for each queued report with seq >= from_seq, in seq order, at most max
 * (0 = no limit) times, inside one read transaction. fn returns 0 to go on, non-zero to
 * stop. fn must not call other outbox functions. *visited (may be NULL) counts calls. */
typedef int (*outbox_visit_fn)(void *ctx, const outbox_record *rec);
td_err outbox_scan(outbox_t *ob, uint64_t from_seq, size_t max, outbox_visit_fn fn, void *ctx,
                   size_t *visited, char *err, size_t errlen);

/* In ONE write transaction: delete the queued reports in `delivered` (missing ones are
 * skipped) and move each of `rejected` to the dead letters with its reason and
 * rejected_at_ms. *changed (may be NULL) counts the records actually deleted or moved. */
td_err outbox_settle(outbox_t *ob, const uint64_t *delivered, size_t ndelivered,
                     const outbox_rejection *rejected, size_t nrejected, int64_t rejected_at_ms,
                     size_t *changed, char *err, size_t errlen);

/* Dead letters: the same visiting contract as outbox_scan, over the dead store. */
td_err outbox_dead_scan(outbox_t *ob, uint64_t from_seq, size_t max, outbox_visit_fn fn, void *ctx,
                        size_t *visited, char *err, size_t errlen);
/* Copy dead letter seq into *out (owned: outbox_record_clear). TD_ERR_NOTFOUND when there
 * is none, TD_ERR_NOMEM. */
td_err outbox_dead_get(outbox_t *ob, uint64_t seq, outbox_record *out, char *err, size_t errlen);

/* Queue dead letter seq again with its content unchanged under a NEW seq (next_seq),
 * queued_at_ms as its queue time, and delete the dead letter, in one transaction.
 * TD_ERR_NOTFOUND when there is no such dead letter. */
td_err outbox_dead_resubmit(outbox_t *ob, uint64_t seq, int64_t queued_at_ms, uint64_t *new_seq,
                            uint64_t *queued_out, char *err, size_t errlen);

/* Delete dead letter seq. TD_ERR_NOTFOUND when there is none. */
td_err outbox_dead_discard(outbox_t *ob, uint64_t seq, char *err, size_t errlen);

/* Counters and the oldest queued report, from one read transaction. */
td_err outbox_get_stats(outbox_t *ob, outbox_stats *out, char *err, size_t errlen);

/* Clear reader slots left by dead processes (mdb_reader_check); returns how many. */
int outbox_reader_check(outbox_t *ob);

#endif
