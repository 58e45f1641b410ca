/* settle.c: the settlement batch of a sender round (contract in settle.h). */
#include "settle.h"

#include <stdlib.h>
#include <string.h>

struct settle_batch {
    size_t capacity;
    window_settled *items; /* in the order added */
    char **reasons;        /* per item: malloc'd reason of a rejection, else NULL */
    size_t n;
    /* for outbox_settle */
    uint64_t *delivered;
    outbox_rejection *rejected;
};

td_err settle_batch_create(settle_batch_t **out, size_t capacity)
{
    *out = NULL;
    if (capacity == 0)
        return TD_ERR_INVALID;
    settle_batch_t *b = calloc(1, sizeof *b);
    if (b == NULL)
        return TD_ERR_NOMEM;
    b->capacity = capacity;
    b->items = calloc(capacity, sizeof *b->items);
    b->reasons = calloc(capacity, sizeof *b->reasons);
    b->delivered = calloc(capacity, sizeof *b->delivered);
    b->rejected = calloc(capacity, sizeof *b->rejected);
    if (b->items == NULL || b->reasons == NULL || b->delivered == NULL || b->rejected == NULL) {
        settle_batch_destroy(&b);
        return TD_ERR_NOMEM;
    }
    *out = b;
    return TD_OK;
}

static void s_batch_clear(settle_batch_t *b)
{
    for (size_t i = 0; i < b->n; i++) {
        free(b->reasons[i]);
        b->reasons[i] = NULL;
    }
    b->n = 0;
}

void settle_batch_destroy(settle_batch_t **b)
{
    if (b == NULL || *b == NULL)
        return;
    settle_batch_t *batch = *b;
    if (batch->reasons != NULL)
        s_batch_clear(batch);
    free(batch->items);
    free(batch->reasons);
    free(batch->delivered);
    free(batch->rejected);
    free(batch);
    *b = NULL;
}

size_t settle_batch_count(const settle_batch_t *b)
{
    return b->n;
}

td_err settle_batch_add(settle_batch_t *b, const window_settled *s, const char *reason)
{
    if (b->n >= b->capacity)
        return TD_ERR_TOOBIG;
    char *copy = NULL;
    if (s->rejected) {
        copy = strdup(reason != NULL && reason[0] != '\0' ? reason : "rejected without a reason");
        if (copy == NULL)
            return TD_ERR_NOMEM;
    }
    b->items[b->n] = *s;
    b->reasons[b->n] = copy;
    b->n++;
    return TD_OK;
}

td_err settle_batch_commit(settle_batch_t *b, outbox_t *ob, int64_t rejected_at_ms, settle_fn fn,
                           void *ctx, char *err, size_t errlen)
{
    if (b->n == 0)
        return TD_OK;
    size_t ndelivered = 0, nrejected = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (b->items[i].rejected) {
            b->rejected[nrejected].seq = b->items[i].seq;
            b->rejected[nrejected].reason = b->reasons[i];
            nrejected++;
        } else {
            b->delivered[ndelivered++] = b->items[i].seq;
        }
    }
    td_err e = outbox_settle(ob, b->delivered, ndelivered, b->rejected, nrejected, rejected_at_ms,
                             NULL, err, errlen);
    if (e != TD_OK)
        return e;
    if (fn != NULL) {
        for (size_t i = 0; i < b->n; i++) {
            if (b->items[i].rejected)
                fn(ctx, &b->items[i], b->reasons[i]);
        }
        for (size_t i = 0; i < b->n; i++) {
            if (!b->items[i].rejected)
                fn(ctx, &b->items[i], NULL);
        }
    }
    s_batch_clear(b);
    return TD_OK;
}
