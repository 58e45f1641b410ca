/* sample.h: realistic sample reports and envelopes for benchmarks and test peers. */
#ifndef TIENDO_SAMPLE_H
#define TIENDO_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "tiendo.pb-c.h"

#define SAMPLE_TASKS 5 /* action-plan tasks of sample_report_add_tasks */

/* A report and the storage its fields point into (no heap; copy it, do not free). */
typedef struct {
    Tiendo__Report report;
    Tiendo__TaskGroupProgress groups[6];
    Tiendo__TaskGroupProgress *group_ptrs[6];
    Tiendo__DataValue values[8];
    Tiendo__DataValue *value_ptrs[8];
    char unit[16];
    char period[16];
    Tiendo__ActionTask tasks[SAMPLE_TASKS]; /* sample_report_add_tasks */
    Tiendo__ActionTask *task_ptrs[SAMPLE_TASKS];
} sample_report;

/* A valid report (about 450-550 bytes packed) for unit and period, its numbers derived
 * from n so that consecutive reports differ. */
void sample_report_fill(sample_report *s, const char *unit, const char *period, uint64_t n);

/* Give s's report an action plan of SAMPLE_TASKS tasks, KH-1 to KH-5, with lead owners
 * and co-owners, whose states are the same on any date from 2026 to 2098: KH-1 overdue
 * (due 2020, in progress), KH-2 completed on time, KH-3 completed late, KH-4 and KH-5 in
 * progress (due 2099). KH-5's status moves with stage (not started below 10, in progress
 * below 20, then completed, on time), so its history grows over the periods of a run. */
void sample_report_add_tasks(sample_report *s, int stage);

/* The month period `index` months after 2000-M01 written into buf (>= 16 bytes). */
char *sample_month(uint64_t index, char *buf, size_t len);

/* Pack an Envelope {version 1, epoch, seq, now, report} into buf. 0 on failure. */
size_t sample_envelope(uint8_t *buf, size_t cap, uint64_t epoch, uint64_t seq,
                       const Tiendo__Report *report);

#endif
