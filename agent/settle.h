/* settle.h: the answers of one sender round, written to the outbox in ONE transaction. */
#ifndef TIENDO_AGENT_SETTLE_H
#define TIENDO_AGENT_SETTLE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "outbox.h"
#include "window.h"

/* The loop adds each report an ack settles (window_ack) and, once per round, writes them
 * all with one outbox_settle: delivered reports leave the outbox, rejected ones become
 * dead letters with the collector's reason. If the write fails the batch keeps
 * everything and the next commit tries again. A settle_batch_t is not thread-safe. */

typedef struct settle_batch settle_batch_t;

/* A batch for up to capacity settlements (the window's capacity: each slot settles
 * once, and the loop commits before it loads more), owned by the caller
 * (settle_batch_destroy). TD_ERR_INVALID for capacity 0, TD_ERR_NOMEM; *out is NULL on
 * error. */
td_err settle_batch_create(settle_batch_t **out, size_t capacity);
void settle_batch_destroy(settle_batch_t **b); /* accepts NULL; NULLs *b */

size_t settle_batch_count(const settle_batch_t *b);

/* Record one settlement (copied). reason: the collector's reason for a rejection, in
 * English, and parts (may be NULL) the same in parts (Ack.reason_format, reason_args),
 * all copied; a NULL or "" reason becomes "rejected without a reason" (with that as its
 * format, so it is translated too); ignored for a delivery. TD_ERR_TOOBIG when the batch
 * is full, TD_ERR_NOMEM; nothing is recorded on error. */
td_err settle_batch_add(settle_batch_t *b, const window_settled *s, const char *reason,
                        const outbox_reason_parts *parts);

/* Called after a successful commit for each settlement of the batch, rejections first
 * (reason is NULL for a delivery). Both pointers are valid only during the call. */
typedef void (*settle_fn)(void *ctx, const window_settled *s, const char *reason);

/* Write every recorded settlement in ONE outbox transaction (outbox_settle, rejections
 * stamped rejected_at_ms), then call fn (may be NULL) for each and empty the batch. An
 * empty batch writes nothing. On error (outbox_settle's td_err) the batch is kept for the
 * next try and err says why. */
td_err settle_batch_commit(settle_batch_t *b, outbox_t *ob, int64_t rejected_at_ms, settle_fn fn,
                           void *ctx, char *err, size_t errlen);

#endif
