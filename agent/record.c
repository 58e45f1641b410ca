/* record.c: encoding and decoding of the outbox's records and dead letters (see record.h). */
#include "record.h"

#include <string.h>

#include "bytes.h"
#include "utf8.h"

static void s_copy_label(char *dst, size_t dstlen, const uint8_t *src, size_t len)
{
    if (len >= dstlen)
        len = td_utf8_cut((const char *) src, len, dstlen - 1);
    memcpy(dst, src, len);
    dst[len] = '\0';
}

size_t record_size(const record_view *v)
{
    return RECORD_FIXED + v->unit_len + v->dataset_len + v->period_len + v->report_len;
}

void record_write(uint8_t *p, const record_view *v)
{
    *p++ = RECORD_FORMAT;
    td_put_be64(p, (uint64_t) v->queued_at_ms);
    p += 8;
    *p++ = (uint8_t) v->unit_len;
    memcpy(p, v->unit, v->unit_len);
    p += v->unit_len;
    *p++ = (uint8_t) v->dataset_len;
    memcpy(p, v->dataset, v->dataset_len);
    p += v->dataset_len;
    *p++ = (uint8_t) v->period_len;
    memcpy(p, v->period, v->period_len);
    p += v->period_len;
    td_put_be32(p, (uint32_t) v->report_len);
    p += 4;
    if (v->report != NULL && v->report_len > 0)
        memcpy(p, v->report, v->report_len);
}

void record_set_queued_at(uint8_t *record, int64_t queued_at_ms)
{
    td_put_be64(record + 1, (uint64_t) queued_at_ms);
}

int record_parse(const uint8_t *p, size_t len, record_view *v)
{
    const uint8_t *end = p + len;
    if (len < RECORD_FIXED || p[0] != RECORD_FORMAT)
        return -1;
    p++;
    v->queued_at_ms = (int64_t) td_get_be64(p);
    p += 8;
    const uint8_t **fields[3] = {&v->unit, &v->dataset, &v->period};
    size_t *lens[3] = {&v->unit_len, &v->dataset_len, &v->period_len};
    for (int i = 0; i < 3; i++) {
        if (end - p < 1)
            return -1;
        size_t n = *p++;
        if ((size_t) (end - p) < n)
            return -1;
        *fields[i] = p;
        *lens[i] = n;
        p += n;
    }
    if (end - p < 4)
        return -1;
    size_t n = td_get_be32(p);
    p += 4;
    if ((size_t) (end - p) != n)
        return -1;
    v->report = p;
    v->report_len = n;
    return 0;
}

size_t record_dead_size(const record_reason *why, size_t record_len)
{
    size_t n = RECORD_DEAD_FIXED + why->reason_len + record_len;
    if (why->format_len > 0) {
        n += 2 + why->format_len + 1;
        for (size_t i = 0; i < why->nargs; i++)
            n += 2 + why->arg_lens[i];
    }
    return n;
}

static uint8_t *s_put_text(uint8_t *p, const uint8_t *text, size_t len)
{
    p[0] = (uint8_t) (len >> 8);
    p[1] = (uint8_t) len;
    if (len > 0)
        memcpy(p + 2, text, len);
    return p + 2 + len;
}

void record_dead_write(uint8_t *p, int64_t rejected_at_ms, const record_reason *why,
                       const uint8_t *record, size_t record_len)
{
    int parts = why->format_len > 0;
    p[0] = parts ? RECORD_DEAD_PARTS : RECORD_FORMAT;
    td_put_be64(p + 1, (uint64_t) rejected_at_ms);
    p = s_put_text(p + 9, why->reason, why->reason_len);
    if (parts) {
        p = s_put_text(p, why->format, why->format_len);
        *p++ = (uint8_t) why->nargs;
        for (size_t i = 0; i < why->nargs; i++)
            p = s_put_text(p, why->args[i], why->arg_lens[i]);
    }
    memcpy(p, record, record_len);
}

/* A u16-length text at *p (end bounds it): 0 with *p moved past it, or -1. */
static int s_get_text(const uint8_t **p, const uint8_t *end, const uint8_t **text, size_t *len)
{
    if (end - *p < 2)
        return -1;
    size_t n = ((size_t) (*p)[0] << 8) | (*p)[1];
    if ((size_t) (end - *p - 2) < n)
        return -1;
    *text = *p + 2;
    *len = n;
    *p += 2 + n;
    return 0;
}

int record_dead_parse(const uint8_t *p, size_t len, record_dead_view *d)
{
    const uint8_t *end = p + len;
    memset(d, 0, sizeof *d);
    if (len < RECORD_DEAD_FIXED || (p[0] != RECORD_FORMAT && p[0] != RECORD_DEAD_PARTS))
        return -1;
    int parts = p[0] == RECORD_DEAD_PARTS;
    d->rejected_at_ms = (int64_t) td_get_be64(p + 1);
    p += 9;
    if (s_get_text(&p, end, &d->why.reason, &d->why.reason_len) != 0)
        return -1;
    if (parts) {
        if (s_get_text(&p, end, &d->why.format, &d->why.format_len) != 0 || p == end)
            return -1;
        d->why.nargs = *p++;
        if (d->why.nargs > RECORD_REASON_ARGS)
            return -1;
        for (size_t i = 0; i < d->why.nargs; i++) {
            if (s_get_text(&p, end, &d->why.args[i], &d->why.arg_lens[i]) != 0)
                return -1;
        }
    }
    d->record = p;
    d->record_len = (size_t) (end - p);
    return 0;
}

int record_read(uint64_t seq, const uint8_t *p, size_t len, outbox_record *rec)
{
    record_view v;
    memset(rec, 0, sizeof *rec);
    if (record_parse(p, len, &v) != 0)
        return -1;
    rec->seq = seq;
    rec->queued_at_ms = v.queued_at_ms;
    s_copy_label(rec->unit, sizeof rec->unit, v.unit, v.unit_len);
    s_copy_label(rec->dataset, sizeof rec->dataset, v.dataset, v.dataset_len);
    s_copy_label(rec->period, sizeof rec->period, v.period, v.period_len);
    rec->report = v.report;
    rec->report_len = v.report_len;
    return 0;
}

int record_read_dead(uint64_t seq, const uint8_t *p, size_t len, outbox_record *rec)
{
    record_dead_view d;
    memset(rec, 0, sizeof *rec);
    if (record_dead_parse(p, len, &d) != 0 || record_read(seq, d.record, d.record_len, rec) != 0)
        return -1;
    rec->rejected_at_ms = d.rejected_at_ms;
    s_copy_label(rec->reason, sizeof rec->reason, d.why.reason, d.why.reason_len);
    /* a cut format would not be the code any more: without it, the English text shows */
    if (d.why.format_len > 0 && d.why.format_len < sizeof rec->reason_format) {
        s_copy_label(rec->reason_format, sizeof rec->reason_format, d.why.format, d.why.format_len);
        rec->reason_nargs = d.why.nargs;
        for (size_t i = 0; i < d.why.nargs; i++)
            s_copy_label(rec->reason_args[i], sizeof rec->reason_args[i], d.why.args[i],
                         d.why.arg_lens[i]);
    }
    return 0;
}
