/* verify.h: `tiendo-collector check`: verify a (stopped or running) store end to end. */
#ifndef TIENDO_VERIFY_H
#define TIENDO_VERIFY_H

#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "store.h"

/* What one (agent, epoch) has stored. */
typedef struct {
    uint8_t agent[STORE_KEY_BYTES];
    uint64_t epoch;
    uint64_t stored;     /* revisions that came from this (agent, epoch) */
    uint64_t first_seq;  /* lowest seq among them */
    uint64_t last_seq;   /* highest */
    uint64_t duplicates; /* seqs stored more than once (must be 0) */
    uint64_t high_water; /* the delivery mark */
} verify_origin;

typedef struct {
    uint64_t revisions;         /* revision records */
    uint64_t latest;            /* (dataset, period, unit) entries */
    uint64_t undecodable;       /* records whose report does not decode (must be 0) */
    uint64_t duplicate_origins; /* (agent, epoch, seq) stored twice (must be 0) */
    uint64_t order_violations;  /* a later revision with a lower seq from the same origin */
    uint64_t pruned;            /* revisions whose body retention removed (audit kept) */
    uint64_t gaps;              /* restore gaps recorded (not order violations) */
    uint64_t reports_lost;      /* seqs in those gaps */
    uint64_t gap_conflicts;     /* a stored revision inside a recorded gap, or a gap above
                                   its delivery mark (must be 0) */
    verify_origin *origins;     /* sorted by agent, epoch */
    size_t norigins;
    store_gap *gap_list; /* in key order */
    size_t ngaps;
} verify_result;

/* Scan every revision in one read transaction. Free with verify_free. */
td_err verify_store(store_t *store, verify_result *out);
void verify_free(verify_result *result);

/* Print the result as JSON (docs/operations.md lists the fields). */
void verify_print_json(FILE *out, const verify_result *result);

/* 1 when the store passed: nothing undecodable, stored twice, out of order or in
 * conflict with a recorded gap. */
int verify_clean(const verify_result *result);

#endif
