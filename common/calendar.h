/* calendar.h: datasets and their reporting calendars (periods, deadlines, locks, statuses). */
#ifndef TIENDO_CALENDAR_H
#define TIENDO_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "period.h"
#include "reason.h"

#define TD_DATASET_NAME_MAX  16     /* bytes in a dataset name, [a-z0-9_] */
#define TD_DEFAULT_DATASET   "nq06" /* Resolution 06-NQ/TW: a report without a dataset is this */
#define TD_DATASET_TITLE_MAX 200    /* bytes in a dataset title, UTF-8 */
#define TD_DEADLINE_DAY      25     /* Decree 09/2019/ND-CP: the 25th of the period's last month */
#define TD_LOCK_DAYS_MAX     36600  /* lock_after_days at most about a century */

/* One row of data/datasets.csv. */
typedef struct {
    char name[TD_DATASET_NAME_MAX + 1];
    char title[TD_DATASET_TITLE_MAX + 1];
    unsigned period_kinds; /* bit (1u << td_period_kind) per accepted kind */
    int deadline_day;      /* 1..28 of the period's last month */
    int lock_after_days;   /* 0: never locked */
} td_dataset;

/* Report status of one unit for one period, as the Government Office tracks tasks. */
typedef enum {
    TD_REPORT_ON_TIME,     /* received on or before the deadline day (UTC) */
    TD_REPORT_LATE,        /* received after the deadline day */
    TD_REPORT_NOT_YET_DUE, /* not received, the deadline day has not ended */
    TD_REPORT_OVERDUE,     /* not received, the deadline day has ended */
} td_report_status;

typedef struct td_calendar td_calendar_t;

/* The dataset name rule, the one every program applies (datasets.csv, a report's
 * "dataset", --dataset): 1 to TD_DATASET_NAME_MAX characters of a-z, 0-9 and _. */
int td_dataset_name_valid(const char *name);

/* name, or TD_DEFAULT_DATASET when name is NULL or empty. */
const char *td_dataset_or_default(const char *name);

/* Load <data_dir>/datasets.csv (docs/data.md). Every malformed line fails the load with
 * "datasets.csv:line: reason" in err. Thread-safety: a loaded calendar is read-only and
 * may be shared between threads. */
td_err td_calendar_open(td_calendar_t **out, const char *data_dir, char *err, size_t errlen);
/* Frees and NULLs *cal; accepts NULL and *cal == NULL. */
void td_calendar_close(td_calendar_t **cal);

/* The dataset called name, or NULL. The pointer lives as long as the calendar. */
const td_dataset *td_calendar_find(const td_calendar_t *cal, const char *name);
/* All datasets, in file order. */
size_t td_calendar_datasets(const td_calendar_t *cal, const td_dataset **datasets);
/* Whether the dataset takes periods of this kind (H covers H1 and H2). */
int td_calendar_accepts(const td_dataset *ds, td_period_kind kind);

/* The data cut-off window of the period (Decree 09/2019 Art. 12, the same for every
 * dataset): 2026-Q1 runs from 2025-12-15 to 2026-03-14. */
void td_calendar_window(const td_calendar_t *cal, const char *dataset, const td_period *p,
                        td_date *from, td_date *to);

/* The dataset's deadline for the period: its deadline_day of the period's last month
 * (2026-Q1 -> 2026-03-25 for nq06). An unknown dataset (or cal NULL) gets the Decree 09
 * default, day 25. */
td_date td_calendar_deadline(const td_calendar_t *cal, const char *dataset, const td_period *p);

/* May a report for (dataset, period) be accepted at time now (Unix seconds)? TD_OK, or
 * TD_ERR_INVALID with the reason in why (may be NULL):
 *  - the dataset is not in datasets.csv;
 *  - the dataset does not take this kind of period;
 *  - the period is in the future: its cut-off window opens after today (UTC);
 *  - the period is locked: lock_after_days > 0 and more than that many days have passed
 *    since its deadline day. */
td_err td_calendar_check(const td_calendar_t *cal, const char *dataset, const td_period *p,
                         int64_t now, td_reason *why);

/* The status of one unit's report for (dataset, period). received_at is when the report
 * (its first accepted revision) arrived, in Unix seconds, or negative when none has; now
 * is the current time. The deadline day ends at 23:59:59 UTC. Unknown datasets use the
 * Decree 09 default deadline. */
td_report_status td_calendar_status(const td_calendar_t *cal, const char *dataset,
                                    const td_period *p, int64_t received_at, int64_t now);

/* "on_time", "late", "not_yet_due", "overdue" (stable: used in JSON output); "unknown"
 * for a value outside the enum. */
const char *td_calendar_status_name(td_report_status status);

#endif
