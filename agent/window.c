/* window.c: the go-back-N window, pure bookkeeping (rules in window.h). */
#include "window.h"

#include <stdlib.h>
#include <string.h>

enum { S_UNSETTLED = 0, S_DELIVERED = 1, S_REJECTED = 2 };

typedef struct {
    uint64_t seq;
    int settled; /* S_UNSETTLED, S_DELIVERED or S_REJECTED */
    char unit[WINDOW_LABEL_MAX];
    char period[WINDOW_LABEL_MAX];
} s_slot;

struct window {
    window_params params;
    s_slot *slots;        /* ring of capacity entries, in seq order from head */
    size_t head;          /* index of the oldest slot; it is always unsettled */
    size_t count;         /* slots in the ring */
    size_t nsettled;      /* settled slots waiting behind the unsettled head */
    size_t nsent;         /* send cursor: slots [0, nsent) were passed in this pass */
    size_t nsent_settled; /* settled slots among [0, nsent) */
    uint64_t last_loaded;
    int64_t timeout;     /* current resend timeout */
    int64_t timer_start; /* when the head's timer started */
    int64_t retry_wait;  /* next hold length after a RETRY_LATER */
    int64_t hold_until;  /* no sending before this (RETRY_LATER backoff) */
};

static void s_copy_text(char *dst, size_t len, const char *src)
{
    if (src == NULL)
        src = "";
    size_t n = strlen(src);
    if (n >= len)
        n = len - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

td_err window_create(window_t **out, const window_params *params)
{
    *out = NULL;
    if (params->capacity == 0 || params->resend_timeout_ms <= 0 || params->backoff_max_ms <= 0 ||
        params->retry_base_ms <= 0)
        return TD_ERR_INVALID;
    window_t *w = calloc(1, sizeof *w);
    if (w == NULL)
        return TD_ERR_NOMEM;
    w->slots = calloc(params->capacity, sizeof *w->slots);
    if (w->slots == NULL) {
        free(w);
        return TD_ERR_NOMEM;
    }
    w->params = *params;
    if (w->params.backoff_max_ms < w->params.resend_timeout_ms)
        w->params.backoff_max_ms = w->params.resend_timeout_ms;
    w->timeout = params->resend_timeout_ms;
    w->retry_wait = params->retry_base_ms;
    *out = w;
    return TD_OK;
}

void window_destroy(window_t **w)
{
    if (w == NULL || *w == NULL)
        return;
    free((*w)->slots);
    free(*w);
    *w = NULL;
}

static s_slot *s_at(const window_t *w, size_t i)
{
    return &w->slots[(w->head + i) % w->params.capacity];
}

/* Position of seq in the window, or -1 (slots are in seq order, possibly with gaps). */
static long s_find(const window_t *w, uint64_t seq)
{
    size_t lo = 0, hi = w->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t at = s_at(w, mid)->seq;
        if (at == seq)
            return (long) mid;
        if (at < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* The first unsettled slot at or after position i (count when none). */
static size_t s_skip_settled(const window_t *w, size_t i)
{
    while (i < w->count && s_at(w, i)->settled != S_UNSETTLED)
        i++;
    return i;
}

size_t window_count(const window_t *w)
{
    return w->count;
}

size_t window_unsettled(const window_t *w)
{
    return w->count - w->nsettled;
}

size_t window_in_flight(const window_t *w)
{
    return w->nsent - w->nsent_settled;
}

size_t window_room(const window_t *w)
{
    return w->params.capacity - w->count;
}

uint64_t window_next_load(const window_t *w)
{
    return w->last_loaded + 1;
}

uint64_t window_first_seq(const window_t *w)
{
    return w->count > 0 ? s_at(w, 0)->seq : 0;
}

int64_t window_timeout(const window_t *w)
{
    return w->timeout;
}

td_err window_push(window_t *w, uint64_t seq, const char *unit, const char *period)
{
    if (seq <= w->last_loaded)
        return TD_ERR_INVALID;
    if (w->count == w->params.capacity)
        return TD_ERR_TOOBIG;
    s_slot *slot = &w->slots[(w->head + w->count) % w->params.capacity];
    slot->seq = seq;
    slot->settled = S_UNSETTLED;
    s_copy_text(slot->unit, sizeof slot->unit, unit);
    s_copy_text(slot->period, sizeof slot->period, period);
    w->count++;
    w->last_loaded = seq;
    return TD_OK;
}

int window_next(const window_t *w, int64_t now, uint64_t *seq)
{
    if (now < w->hold_until)
        return 0;
    size_t i = s_skip_settled(w, w->nsent);
    if (i >= w->count)
        return 0;
    *seq = s_at(w, i)->seq;
    return 1;
}

void window_sent(window_t *w, int64_t now)
{
    size_t i = s_skip_settled(w, w->nsent);
    if (i >= w->count)
        return;
    /* the head is unsettled, so a pass that has sent nothing yet starts with the head */
    if (w->nsent == 0)
        w->timer_start = now;
    w->nsent_settled += i - w->nsent; /* the settled slots skipped */
    w->nsent = i + 1;
}

size_t window_ack(window_t *w, uint64_t seq, Tiendo__AckStatus status, uint64_t high_water,
                  int64_t now, window_settled *out, size_t cap)
{
    size_t n = 0;
    /* high_water is not used to settle: a report at or below it may have been rejected,
     * and resending it is the way to learn the reason (the collector answers REJECTED
     * again with the original reason, or DUPLICATE). */
    (void) high_water;
    long at = seq > 0 ? s_find(w, seq) : -1;
    s_slot *slot = at >= 0 ? s_at(w, (size_t) at) : NULL;
    int verdict =
        status == TIENDO__ACK_STATUS__ACK_OK || status == TIENDO__ACK_STATUS__ACK_DUPLICATE
            ? S_DELIVERED
        : status == TIENDO__ACK_STATUS__ACK_REJECTED ? S_REJECTED
                                                     : S_UNSETTLED;
    if (slot != NULL && slot->settled == S_UNSETTLED && verdict != S_UNSETTLED) {
        /* this ack's own seq, and nothing else */
        slot->settled = verdict;
        w->nsettled++;
        if ((size_t) at < w->nsent)
            w->nsent_settled++;
        if (n < cap) {
            window_settled *s = &out[n++];
            s->seq = slot->seq;
            s->rejected = verdict == S_REJECTED;
            memcpy(s->unit, slot->unit, sizeof s->unit);
            memcpy(s->period, slot->period, sizeof s->period);
        }
        /* progress: back to the base timeout and retry wait */
        w->timeout = w->params.resend_timeout_ms;
        w->retry_wait = w->params.retry_base_ms;
        size_t popped = 0;
        while (w->count > 0 && s_at(w, 0)->settled != S_UNSETTLED) {
            w->head = (w->head + 1) % w->params.capacity;
            w->count--;
            w->nsettled--;
            if (w->nsent > 0) {
                w->nsent--;
                w->nsent_settled--;
            }
            popped++;
        }
        if (popped > 0)
            w->timer_start = now; /* a new head: its timer runs from this progress */
    }
    if (status == TIENDO__ACK_STATUS__ACK_RETRY_LATER && slot != NULL &&
        slot->settled == S_UNSETTLED && (size_t) at < w->nsent) {
        /* only an envelope of the current pass triggers a go-back */
        w->nsent = 0;
        w->nsent_settled = 0;
        w->hold_until = now + w->retry_wait;
        w->retry_wait *= 2;
        if (w->retry_wait > w->params.backoff_max_ms)
            w->retry_wait = w->params.backoff_max_ms;
    }
    return n;
}

int window_check_timeout(window_t *w, int64_t now)
{
    /* nsent > 0 means the head (always unsettled) is in flight */
    if (w->nsent == 0 || now - w->timer_start < w->timeout)
        return 0;
    w->nsent = 0;
    w->nsent_settled = 0;
    w->timeout *= 2;
    if (w->timeout > w->params.backoff_max_ms)
        w->timeout = w->params.backoff_max_ms;
    return 1;
}

int64_t window_deadline(const window_t *w, int64_t now)
{
    if (w->nsent > 0)
        return w->timer_start + w->timeout;
    if (w->count > 0 && w->hold_until > now)
        return w->hold_until;
    return INT64_MAX;
}

void window_rewind(window_t *w)
{
    w->nsent = 0;
    w->nsent_settled = 0;
    w->hold_until = 0;
}
