/* record.h: the byte layout of the outbox's queued records (format 1) and dead letters
 * (format 1, or 2 with the reason in parts). */
#ifndef TIENDO_AGENT_RECORD_H
#define TIENDO_AGENT_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "outbox.h"

/* All integers big-endian.
 *   queued record: u8 format(=1) | i64 queued_at_ms | u8 len + unit | u8 len + dataset
 *                  | u8 len + period | u32 len + packed Tiendo__Report
 *   dead letter:   u8 format(=1) | i64 rejected_at_ms | u16 len + reason | the queued
 *                  record verbatim (so that resubmitting one is a copy)
 *   dead letter with the reason in parts (docs/protocol.md, "Reasons"):
 *                  u8 format(=2) | i64 rejected_at_ms | u16 len + reason (English)
 *                  | u16 len + reason format | u8 nargs (<= RECORD_REASON_ARGS)
 *                  | nargs x (u16 len + argument) | the queued record verbatim
 * A dead letter without parts is written in format 1, so older agents still read it.
 * Pure functions over caller buffers: no allocation, no I/O; thread-safe. A view points
 * into the bytes it was parsed from (borrowed) and is valid as long as they are. */

#define RECORD_FORMAT      1u
#define RECORD_DEAD_PARTS  2u /* the format byte of a dead letter with reason parts */
#define RECORD_FIXED       (1 + 8 + 1 + 1 + 1 + 4) /* a queued record without its texts */
#define RECORD_DEAD_FIXED  (1 + 8 + 2)             /* a dead letter without reason and record */
#define RECORD_LABEL_MAX   255                     /* bytes of unit, dataset or period */
#define RECORD_REASON_ARGS 8                       /* arguments a reason keeps (TD_REASON_ARGS) */

typedef struct {
    int64_t queued_at_ms;
    const uint8_t *unit, *dataset, *period;
    size_t unit_len, dataset_len, period_len; /* each <= RECORD_LABEL_MAX */
    const uint8_t *report;                    /* the packed report (NULL when report_len 0) */
    size_t report_len;
} record_view;

/* Bytes of the queued record of v. */
size_t record_size(const record_view *v);

/* Write v's record into p (record_size(v) bytes). With report == NULL only the header is
 * written (its length field says report_len): the caller packs the report behind it. */
void record_write(uint8_t *p, const record_view *v);

/* Set the queue time of a queued record in place (enqueue and resubmit stamp it). */
void record_set_queued_at(uint8_t *record, int64_t queued_at_ms);

/* Parse a queued record into *v: 0, or -1 when it is malformed (short, another format,
 * lengths past the end, bytes after the report). */
int record_parse(const uint8_t *p, size_t len, record_view *v);

/* A rejection reason: the English text, and (format_len > 0) its format and arguments.
 * Every length <= 65535. */
typedef struct {
    const uint8_t *reason;
    size_t reason_len;
    const uint8_t *format; /* format_len 0: no parts (format 1 is written) */
    size_t format_len;
    size_t nargs; /* <= RECORD_REASON_ARGS */
    const uint8_t *args[RECORD_REASON_ARGS];
    size_t arg_lens[RECORD_REASON_ARGS];
} record_reason;

/* The parts of a dead letter (pointers into the bytes parsed). */
typedef struct {
    int64_t rejected_at_ms;
    record_reason why;     /* format_len 0 for a dead letter of format 1 */
    const uint8_t *record; /* the queued record inside */
    size_t record_len;
} record_dead_view;

/* Bytes of a dead letter with this reason and queued record. */
size_t record_dead_size(const record_reason *why, size_t record_len);

/* Write a dead letter into p (record_dead_size bytes): format 2 when why has parts, else
 * format 1. */
void record_dead_write(uint8_t *p, int64_t rejected_at_ms, const record_reason *why,
                       const uint8_t *record, size_t record_len);

/* Split a dead letter of format 1 or 2: 0, or -1 when its header is malformed (the record
 * inside is not checked: record_parse it). */
int record_dead_parse(const uint8_t *p, size_t len, record_dead_view *d);

/* Fill *rec from a queued record (the report borrowed from p; the labels copied and cut
 * to whole UTF-8 characters within OUTBOX_LABEL_MAX - 1 bytes): 0, or -1 when malformed
 * (then *rec is zeroed). */
int record_read(uint64_t seq, const uint8_t *p, size_t len, outbox_record *rec);

/* The same for a dead letter: also rejected_at_ms, the reason (cut to
 * OUTBOX_REASON_MAX - 1 bytes) and its parts (a format that does not fit is dropped with
 * its arguments; an argument is cut to OUTBOX_REASON_ARG_MAX - 1 bytes). */
int record_read_dead(uint64_t seq, const uint8_t *p, size_t len, outbox_record *rec);

#endif
