/* period.c: reporting periods, Decree 09 cut-off windows and deadlines, and calendar dates. */
#include "period.h"

#include <stdio.h>
#include <string.h>

static int s_is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int s_days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    if (month == 2 && s_is_leap(year))
        return 29;
    return days[month - 1];
}

/* Reads exactly n ASCII digits; -1 if any of them is not a digit. */
static int s_digits(const char *text, int n)
{
    int value = 0;
    for (int i = 0; i < n; i++) {
        if (text[i] < '0' || text[i] > '9')
            return -1;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

/* First and last month (1..12) of the period. */
static void s_months(const td_period *p, int *first, int *last)
{
    switch (p->kind) {
    case TD_PERIOD_MONTH:
        *first = p->index;
        *last = p->index;
        break;
    case TD_PERIOD_QUARTER:
        *first = 3 * (p->index - 1) + 1;
        *last = 3 * p->index;
        break;
    case TD_PERIOD_HALF:
        *first = 6 * (p->index - 1) + 1;
        *last = 6 * p->index;
        break;
    case TD_PERIOD_NINE_MONTHS:
        *first = 1;
        *last = 9;
        break;
    case TD_PERIOD_YEAR:
    default:
        *first = 1;
        *last = 12;
        break;
    }
}

td_err td_period_parse(const char *text, td_period *out)
{
    td_period p;
    if (text == NULL || out == NULL)
        return TD_ERR_INVALID;
    size_t len = strlen(text);
    if (len < 4)
        return TD_ERR_INVALID;
    p.year = s_digits(text, 4);
    if (p.year < TD_YEAR_MIN || p.year > TD_YEAR_MAX)
        return TD_ERR_INVALID;
    if (len == 4) {
        p.kind = TD_PERIOD_YEAR;
        p.index = 0;
    } else if (len == 7 && text[4] == '-' && strcmp(text + 5, "9M") == 0) {
        p.kind = TD_PERIOD_NINE_MONTHS;
        p.index = 0;
    } else if (len == 8 && text[4] == '-' && text[5] == 'M') {
        p.kind = TD_PERIOD_MONTH;
        p.index = s_digits(text + 6, 2);
        if (p.index < 1 || p.index > 12)
            return TD_ERR_INVALID;
    } else if (len == 7 && text[4] == '-' && text[5] == 'Q') {
        p.kind = TD_PERIOD_QUARTER;
        p.index = s_digits(text + 6, 1);
        if (p.index < 1 || p.index > 4)
            return TD_ERR_INVALID;
    } else if (len == 7 && text[4] == '-' && text[5] == 'H') {
        p.kind = TD_PERIOD_HALF;
        p.index = s_digits(text + 6, 1);
        if (p.index < 1 || p.index > 2)
            return TD_ERR_INVALID;
    } else {
        return TD_ERR_INVALID;
    }
    *out = p;
    return TD_OK;
}

char *td_period_format(const td_period *p, char *buf, size_t len)
{
    if (buf == NULL || len == 0)
        return buf;
    switch (p->kind) {
    case TD_PERIOD_MONTH:
        snprintf(buf, len, "%04d-M%02d", p->year, p->index);
        break;
    case TD_PERIOD_QUARTER:
        snprintf(buf, len, "%04d-Q%d", p->year, p->index);
        break;
    case TD_PERIOD_HALF:
        snprintf(buf, len, "%04d-H%d", p->year, p->index);
        break;
    case TD_PERIOD_NINE_MONTHS:
        snprintf(buf, len, "%04d-9M", p->year);
        break;
    case TD_PERIOD_YEAR:
    default:
        snprintf(buf, len, "%04d", p->year);
        break;
    }
    return buf;
}

void td_period_span(const td_period *p, td_date *first, td_date *last)
{
    int m1, m2;
    s_months(p, &m1, &m2);
    if (first != NULL)
        *first = (td_date){p->year, m1, 1};
    if (last != NULL)
        *last = (td_date){p->year, m2, s_days_in_month(p->year, m2)};
}

/* Every kind follows one rule: from the 15th of the month before the period's first
 * month to the 14th of its last month. For periods starting in January that month is
 * December of the previous year (H1, 9M, year, M01, Q1). */
void td_period_cutoff(const td_period *p, td_date *from, td_date *to)
{
    int m1, m2;
    s_months(p, &m1, &m2);
    if (from != NULL) {
        if (m1 == 1)
            *from = (td_date){p->year - 1, 12, 15};
        else
            *from = (td_date){p->year, m1 - 1, 15};
    }
    if (to != NULL)
        *to = (td_date){p->year, m2, 14};
}

/* Out-of-range days are clamped rather than refused: a deadline always exists. */
td_date td_period_deadline(const td_period *p, int day)
{
    int m1, m2;
    s_months(p, &m1, &m2);
    int max = s_days_in_month(p->year, m2);
    if (day < 1)
        day = 1;
    if (day > max)
        day = max;
    return (td_date){p->year, m2, day};
}

/* For TD_PERIOD_NINE_MONTHS this is the 9M period of the date's year, even after
 * September (there is no other 9M period for it to belong to). */
td_period td_period_containing(td_period_kind kind, time_t now)
{
    td_date d = td_date_from_time(now);
    td_period p = {d.year, kind, 0};
    switch (kind) {
    case TD_PERIOD_MONTH:
        p.index = d.month;
        break;
    case TD_PERIOD_QUARTER:
        p.index = (d.month - 1) / 3 + 1;
        break;
    case TD_PERIOD_HALF:
        p.index = (d.month - 1) / 6 + 1;
        break;
    case TD_PERIOD_NINE_MONTHS:
    case TD_PERIOD_YEAR:
    default:
        p.index = 0;
        break;
    }
    return p;
}

td_err td_date_parse(const char *text, td_date *out)
{
    if (text == NULL || out == NULL || strlen(text) != 10 || text[4] != '-' || text[7] != '-')
        return TD_ERR_INVALID;
    int year = s_digits(text, 4);
    int month = s_digits(text + 5, 2);
    int day = s_digits(text + 8, 2);
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > s_days_in_month(year, month))
        return TD_ERR_INVALID;
    *out = (td_date){year, month, day};
    return TD_OK;
}

/* An unset date formats as the empty string. */
char *td_date_format(const td_date *d, char *buf, size_t len)
{
    if (buf == NULL || len == 0)
        return buf;
    if (!td_date_is_set(d))
        buf[0] = '\0';
    else
        snprintf(buf, len, "%04d-%02d-%02d", d->year, d->month, d->day);
    return buf;
}

int td_date_compare(const td_date *a, const td_date *b)
{
    if (a->year != b->year)
        return a->year < b->year ? -1 : 1;
    if (a->month != b->month)
        return a->month < b->month ? -1 : 1;
    if (a->day != b->day)
        return a->day < b->day ? -1 : 1;
    return 0;
}

int td_date_is_set(const td_date *d)
{
    return d != NULL && (d->year != 0 || d->month != 0 || d->day != 0);
}

td_date td_date_from_time(time_t t)
{
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL)
        return (td_date){0, 0, 0};
    return (td_date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil),
 * so no timegm and no dependence on the TZ environment. */
int64_t td_date_to_unix(const td_date *d)
{
    int64_t y = (int64_t) d->year - (d->month <= 2 ? 1 : 0);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (d->month + 9) % 12; /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + d->day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return days * 86400;
}
