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

size_t record_dead_size(size_t reason_len, size_t record_len)
{
    return RECORD_DEAD_FIXED + reason_len + record_len;
}

void record_dead_write(uint8_t *p, int64_t rejected_at_ms, const char *reason, size_t reason_len,
                       const uint8_t *record, size_t record_len)
{
    p[0] = RECORD_FORMAT;
    td_put_be64(p + 1, (uint64_t) rejected_at_ms);
    p[9] = (uint8_t) (reason_len >> 8);
    p[10] = (uint8_t) reason_len;
    memcpy(p + RECORD_DEAD_FIXED, reason, reason_len);
    memcpy(p + RECORD_DEAD_FIXED + reason_len, record, record_len);
}

int record_dead_parse(const uint8_t *p, size_t len, record_dead_view *d)
{
    if (len < RECORD_DEAD_FIXED || p[0] != RECORD_FORMAT)
        return -1;
    d->rejected_at_ms = (int64_t) td_get_be64(p + 1);
    d->reason_len = ((size_t) p[9] << 8) | p[10];
    if (len - RECORD_DEAD_FIXED < d->reason_len)
        return -1;
    d->reason = p + RECORD_DEAD_FIXED;
    d->record = p + RECORD_DEAD_FIXED + d->reason_len;
    d->record_len = len - RECORD_DEAD_FIXED - d->reason_len;
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
    s_copy_label(rec->reason, sizeof rec->reason, d.reason, d.reason_len);
    return 0;
}
