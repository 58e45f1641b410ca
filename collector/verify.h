/* verify.h: `tiendo-collector check`: verify a (stopped or running) store end to end. */
#ifndef TIENDO_VERIFY_H
#define TIENDO_VERIFY_H

#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "store.h"

/* The store's invariant (docs/operations.md, "Checking a store"): for every (agent,
 * epoch), each seq from 1 to its delivery mark was decided exactly once, as a stored
 * revision, a rejection (a dead letter at the agent) or a seq lost in a recorded restore
 * gap, so stored + rejected + lost = high_water. unaccounted is what is missing from that
 * sum: 0 unless retention dropped rejection reasons (retention-rejections-days). */

/* What one (agent, epoch) has: every (agent, epoch) with a delivery mark, a revision or
 * a kept rejection reason. */
typedef struct {
    uint8_t agent[STORE_KEY_BYTES];
    uint64_t epoch;
    uint64_t stored;      /* revisions that came from this (agent, epoch) */
    uint64_t first_seq;   /* lowest seq among them (0: none stored) */
    uint64_t last_seq;    /* highest */
    uint64_t duplicates;  /* seqs stored more than once (must be 0) */
    uint64_t high_water;  /* the delivery mark (0: none) */
    uint64_t rejected;    /* seqs whose rejection reason is kept */
    uint64_t lost;        /* seqs in recorded restore gaps */
    uint64_t unaccounted; /* high_water - (distinct stored + rejected + lost), or 0 */
} verify_origin;

/* A revision whose report does not decode, named so the operator can find it (and ask
 * the office that sent it, origin, to submit it again). */
typedef struct {
    char dataset[STORE_NAME_MAX];
    char period[TD_PERIOD_TEXT_MAX];
    char unit[STORE_NAME_MAX];
    uint32_t revision;
    store_origin origin;
} verify_undecodable;
#define VERIFY_LIST_MAX 1000 /* undecodable revisions listed by name; all are counted */

typedef struct {
    uint64_t revisions;          /* revision records */
    uint64_t latest;             /* (dataset, period, unit) entries */
    uint64_t undecodable;        /* records whose report does not decode (must be 0) */
    uint64_t duplicate_origins;  /* (agent, epoch, seq) stored twice (must be 0) */
    uint64_t order_violations;   /* a later revision with a lower seq from the same origin */
    uint64_t pruned;             /* revisions whose body retention removed (audit kept) */
    uint64_t gaps;               /* restore gaps recorded (not order violations) */
    uint64_t reports_lost;       /* seqs in those gaps */
    uint64_t gap_conflicts;      /* a stored revision inside a recorded gap, or a gap above
                                    its delivery mark (must be 0) */
    uint64_t rejected;           /* rejection reasons kept */
    uint64_t above_high_water;   /* revisions and rejection reasons whose seq is above their
                                    (agent, epoch)'s delivery mark: a resend of it would be
                                    decided again (must be 0) */
    uint64_t unaccounted;        /* the origins' unaccounted, summed */
    uint64_t tasks;              /* action-plan task records (schema 3) */
    uint64_t tasks_undecodable;  /* task records that do not decode (must be 0) */
    uint64_t tasks_index_errors; /* due entries missing, without a record, or not the
                                    record's (must be 0) */
    verify_origin *origins;      /* sorted by agent, epoch */
    size_t norigins;
    store_gap *gap_list; /* in key order */
    size_t ngaps;
    verify_undecodable *undecodable_list; /* the first VERIFY_LIST_MAX, in key order */
    size_t nundecodable;
} verify_result;

/* Scan every revision, rejection, delivery mark, gap and task record in one read transaction (safe
 * beside a running collector; the store's threading rules apply, store.h). Fills *out
 * (free with verify_free; on error it is empty). Errors: those of store_begin and the
 * scans (TD_ERR_STORE for a record of the wrong size or format), TD_ERR_NOMEM. A report
 * that does not decode is counted (undecodable), not an error. */
td_err verify_store(store_t *store, verify_result *out);
/* Free what verify_store allocated and zero *result; accepts a zeroed one. */
void verify_free(verify_result *result);

/* Print the result as JSON (docs/operations.md lists the fields). */
void verify_print_json(FILE *out, const verify_result *result);

/* 1 when the store passed: no report or task record undecodable, no due entry astray,
 * nothing stored twice, out of order, above its delivery mark or in conflict with a
 * recorded gap. */
int verify_clean(const verify_result *result);

#endif
