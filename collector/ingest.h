/* ingest.h: the collector's write path: drain envelopes, validate, group commit, ack. */
#ifndef TIENDO_INGEST_H
#define TIENDO_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "error.h"
#include "calendar.h"
#include "metrics.h"
#include "registry.h"
#include "store.h"

typedef struct {
    int batch_max; /* most envelopes in one transaction */
    int batch_ms;  /* most milliseconds spent draining one batch */
} ingest_config;

/* Counters since start (for logs and metrics). Counted once per envelope after its batch
 * is decided, so between two drains they always add up:
 *   received = committed + duplicates + rejected + retry_later
 *   rejected = validation + protocol + out_of_scope + not_enrolled + resent */
typedef struct {
    uint64_t received;     /* decoded envelopes that are not heartbeats */
    uint64_t committed;    /* reports stored (ACK_OK) */
    uint64_t duplicates;   /* ACK_DUPLICATE */
    uint64_t rejected;     /* ACK_REJECTED (all reasons, the five below) */
    uint64_t validation;   /* REJECTED: the report broke a rule (td_report_validate) */
    uint64_t protocol;     /* REJECTED: no epoch/seq/report, unsupported protocol version */
    uint64_t out_of_scope; /* REJECTED: a unit outside the agent key's scope */
    uint64_t not_enrolled; /* REJECTED: the key was revoked while connected */
    uint64_t resent;       /* REJECTED again: a resend of a seq rejected before */
    uint64_t retry_later;  /* ACK_RETRY_LATER */
    uint64_t heartbeats;
    uint64_t malformed; /* frames dropped without an ack */
    uint64_t batches;
    uint64_t gaps;               /* restore gaps recorded (docs/protocol.md, "Restore gap") */
    uint64_t reports_lost;       /* seqs in those gaps: acknowledged earlier, not in this store */
    uint64_t acks_dropped;       /* acks that could not be sent (peer gone or at HWM) */
    td_histogram commit_seconds; /* LMDB commit time of each stored batch */
    td_histogram batch_reports;  /* report envelopes per batch (batches with any) */
} ingest_stats;

/* An ingest_t, the ROUTER socket it drains and the store it writes belong to one thread
 * (the serving loop; store.h: the one writer). Malformed messages are logged at most
 * once a second (peer_log.h). */
typedef struct ingest ingest_t;

/* store, registry and calendar are borrowed and must outlive the ingest object.
 * TD_ERR_NOMEM. */
td_err ingest_open(ingest_t **out, store_t *store, const td_registry_t *registry,
                   const td_calendar_t *calendar, const ingest_config *config);
/* Free and NULL *ingest; accepts NULL. */
void ingest_close(ingest_t **ingest);

/* Receive what is readable on the ROUTER socket (up to the batch bounds), store it in
 * one transaction, then send one Ack per envelope without blocking. Returns the
 * number of messages taken off the socket (0 when none was readable). */
int ingest_drain(ingest_t *ingest, void *router);

/* The keys and scopes to check every envelope against (borrowed; NULL rejects every
 * envelope). Call between drains, e.g. after a SIGHUP reload. */
void ingest_set_auth(ingest_t *ingest, const auth_t *auth);

const ingest_stats *ingest_get_stats(const ingest_t *ingest);

#endif
