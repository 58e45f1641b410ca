/* clock.h: wall-clock and monotonic time in milliseconds. */
#ifndef TIENDO_CLOCK_H
#define TIENDO_CLOCK_H

#include <stdint.h>

/* Unix time in milliseconds (wall clock, may jump). */
int64_t td_now_ms(void);
/* Monotonic milliseconds since an arbitrary start; use for timeouts. */
int64_t td_mono_ms(void);
/* Monotonic nanoseconds; use for latency measurements. */
uint64_t td_mono_ns(void);

#endif
