/* period.h: reporting periods (2026-M07, 2026-Q3, 2026-H2, 2026-9M, 2026) and dates. */
#ifndef TIENDO_PERIOD_H
#define TIENDO_PERIOD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"

/* A calendar date; {0,0,0} means "unset / open-ended" where a function says so. */
typedef struct {
    int year, month, day;
} td_date;

typedef enum {
    TD_PERIOD_MONTH,       /* 2026-M07, index 1..12 */
    TD_PERIOD_QUARTER,     /* 2026-Q3,  index 1..4 */
    TD_PERIOD_HALF,        /* 2026-H2,  index 1..2 */
    TD_PERIOD_NINE_MONTHS, /* 2026-9M,  index 0 */
    TD_PERIOD_YEAR,        /* 2026,     index 0 */
} td_period_kind;

typedef struct {
    int year; /* 2000..2100 */
    td_period_kind kind;
    int index;
} td_period;

#define TD_PERIOD_TEXT_MAX 16 /* buffer size that holds any canonical period text */
#define TD_YEAR_MIN        2000
#define TD_YEAR_MAX        2100

/* Parse the canonical text exactly (no spaces, two-digit month). TD_ERR_INVALID otherwise. */
td_err td_period_parse(const char *text, td_period *out);

/* Write the canonical text into buf (at least TD_PERIOD_TEXT_MAX bytes). Returns buf. */
char *td_period_format(const td_period *p, char *buf, size_t len);

/* The calendar span: first and last day of the period (9M: 1 Jan to 30 Sep). */
void td_period_span(const td_period *p, td_date *first, td_date *last);

/* The data cut-off window of Decree 09/2019 Art. 12 (e.g. quarter: the 15th of the
 * month before the quarter to the 14th of its last month). */
void td_period_cutoff(const td_period *p, td_date *from, td_date *to);

/* The default reporting deadline: day `day` (1..28, Decree 09 default 25) of the
 * period's last month. */
td_date td_period_deadline(const td_period *p, int day);

/* The period of the given kind that contains the UTC date of `now`. */
td_period td_period_containing(td_period_kind kind, time_t now);

/* Dates. */
td_err td_date_parse(const char *text, td_date *out);          /* YYYY-MM-DD, checked */
char *td_date_format(const td_date *d, char *buf, size_t len); /* buf >= 11 bytes */
int td_date_compare(const td_date *a, const td_date *b);       /* <0, 0, >0 */
int td_date_is_set(const td_date *d);
td_date td_date_from_time(time_t t); /* UTC */
/* Midnight UTC of the date, as Unix seconds. */
int64_t td_date_to_unix(const td_date *d);

#endif
