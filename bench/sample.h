/* sample.h: realistic sample reports and envelopes for benchmarks and test peers. */
#ifndef TIENDO_SAMPLE_H
#define TIENDO_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "tiendo.pb-c.h"

/* A report and the storage its fields point into (no heap; copy it, do not free). */
typedef struct {
    Tiendo__Report report;
    Tiendo__TaskGroupProgress groups[6];
    Tiendo__TaskGroupProgress *group_ptrs[6];
    Tiendo__DataValue values[8];
    Tiendo__DataValue *value_ptrs[8];
    char unit[16];
    char period[16];
} sample_report;

/* A valid report (about 450-550 bytes packed) for unit and period, its numbers derived
 * from n so that consecutive reports differ. */
void sample_report_fill(sample_report *s, const char *unit, const char *period, uint64_t n);

/* The month period `index` months after 2000-M01 written into buf (>= 16 bytes). */
char *sample_month(uint64_t index, char *buf, size_t len);

/* Pack an Envelope {version 1, epoch, seq, now, report} into buf. 0 on failure. */
size_t sample_envelope(uint8_t *buf, size_t cap, uint64_t epoch, uint64_t seq,
                       const Tiendo__Report *report);

#endif
