/* settle.c: the settlement batch of a sender round (contract in settle.h). */
#include "settle.h"

#include <stdlib.h>
#include <string.h>

#include "i18n.h"

/* A rejection's reason, copied: English text, format and arguments (malloc'd). */
typedef struct {
    char *text;
    char *format; /* NULL: no parts */
    char **args;
    size_t nargs;
} s_reason_copy;

struct settle_batch {
    size_t capacity;
    window_settled *items;  /* in the order added */
    s_reason_copy *reasons; /* per item: the reason of a rejection, else zeroed */
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

static void s_reason_free(s_reason_copy *r)
{
    free(r->text);
    free(r->format);
    for (size_t i = 0; i < r->nargs; i++)
        free(r->args[i]);
    free(r->args);
    memset(r, 0, sizeof *r);
}

/* Copy reason and parts into *out: 0, or -1 out of memory (then *out is zeroed). */
static int s_reason_copy_of(const char *reason, const outbox_reason_parts *parts,
                            s_reason_copy *out)
{
    /* TRANSLATORS: a rejection the collector gave no reason for */
    static const char no_reason[] = N_("rejected without a reason");
    memset(out, 0, sizeof *out);
    if (reason == NULL || reason[0] == '\0') {
        out->text = strdup(no_reason);
        out->format = strdup(no_reason);
        if (out->text == NULL || out->format == NULL)
            goto nomem;
        return 0;
    }
    out->text = strdup(reason);
    if (out->text == NULL)
        goto nomem;
    if (parts == NULL || parts->format == NULL || parts->format[0] == '\0')
        return 0;
    out->format = strdup(parts->format);
    out->args = parts->nargs > 0 ? calloc(parts->nargs, sizeof *out->args) : NULL;
    if (out->format == NULL || (parts->nargs > 0 && out->args == NULL))
        goto nomem;
    for (; out->nargs < parts->nargs; out->nargs++) {
        const char *arg = parts->args[out->nargs];
        out->args[out->nargs] = strdup(arg != NULL ? arg : "");
        if (out->args[out->nargs] == NULL)
            goto nomem;
    }
    return 0;
nomem:
    s_reason_free(out);
    return -1;
}

static void s_batch_clear(settle_batch_t *b)
{
    for (size_t i = 0; i < b->n; i++)
        s_reason_free(&b->reasons[i]);
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

td_err settle_batch_add(settle_batch_t *b, const window_settled *s, const char *reason,
                        const outbox_reason_parts *parts)
{
    if (b->n >= b->capacity)
        return TD_ERR_TOOBIG;
    s_reason_copy copy;
    memset(&copy, 0, sizeof copy);
    if (s->rejected && s_reason_copy_of(reason, parts, &copy) != 0)
        return TD_ERR_NOMEM;
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
            const s_reason_copy *r = &b->reasons[i];
            b->rejected[nrejected].seq = b->items[i].seq;
            b->rejected[nrejected].reason = r->text;
            b->rejected[nrejected].parts.format = r->format;
            b->rejected[nrejected].parts.args = (const char *const *) r->args;
            b->rejected[nrejected].parts.nargs = r->nargs;
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
                fn(ctx, &b->items[i], b->reasons[i].text);
        }
        for (size_t i = 0; i < b->n; i++) {
            if (!b->items[i].rejected)
                fn(ctx, &b->items[i], NULL);
        }
    }
    s_batch_clear(b);
    return TD_OK;
}
