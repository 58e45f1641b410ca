/* calendar.c: loads data/datasets.csv; deadlines, acceptance checks and report statuses. */
#include "calendar.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "registry.h"
#include "utf8.h"

#define S_FILE         "datasets.csv"
#define S_FILE_MAX     (1024L * 1024) /* a handful of rows; anything near this is a wrong file */
#define S_COLUMNS      5
#define S_MAX_FIELDS   16
#define S_DATASETS_MAX 256
#define S_DAY          INT64_C(86400)

struct td_calendar {
    td_dataset *datasets; /* file order */
    size_t count;
};

/* Codes of period_types, indexed by td_period_kind; the words are for messages. */
static const char *const s_kind_codes[] = {
    [TD_PERIOD_MONTH] = "M",        [TD_PERIOD_QUARTER] = "Q", [TD_PERIOD_HALF] = "H",
    [TD_PERIOD_NINE_MONTHS] = "9M", [TD_PERIOD_YEAR] = "Y",
};
#define S_KINDS (sizeof s_kind_codes / sizeof s_kind_codes[0])

int td_dataset_name_valid(const char *name)
{
    return td_lower_name_valid(name, TD_DATASET_NAME_MAX);
}

const char *td_dataset_or_default(const char *name)
{
    return name != NULL && name[0] != '\0' ? name : TD_DEFAULT_DATASET;
}

/* A decimal integer of plain digits within [min, max]; -1 otherwise. */
static int s_int(const char *s, int min, int max, int *out)
{
    long v = 0;
    if (*s == '\0')
        return -1;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
        if (v > max)
            return -1;
    }
    if (v < min)
        return -1;
    *out = (int) v;
    return 0;
}

/* "M;Q;H;9M;Y" -> a bit per kind; each code once, at least one. */
static int s_kinds(char *text, unsigned *out, const char **why)
{
    unsigned kinds = 0;
    char *save = NULL;
    if (text[0] == '\0' || text[strlen(text) - 1] == ';' || text[0] == ';' ||
        strstr(text, ";;") != NULL) {
        *why = N_("period_types must list period codes separated by ';' (M, Q, H, 9M, Y)");
        return -1;
    }
    for (char *tok = strtok_r(text, ";", &save); tok != NULL; tok = strtok_r(NULL, ";", &save)) {
        size_t k = 0;
        while (k < S_KINDS && strcmp(tok, s_kind_codes[k]) != 0)
            k++;
        if (k == S_KINDS) {
            *why = N_("period_types has a code other than M, Q, H, 9M and Y");
            return -1;
        }
        if (kinds & (1u << k)) {
            *why = N_("period_types lists a period code twice");
            return -1;
        }
        kinds |= 1u << k;
    }
    *out = kinds;
    return 0;
}

/* "datasets.csv:line: " + the reason (fmt: an English msgid, marked N_ at the call, written
 * in the reader's language). Always TD_ERR_INVALID, for `return s_bad(...)`. */
static td_err s_bad(char *err, size_t errlen, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static td_err s_bad(char *err, size_t errlen, int line, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return TD_ERR_INVALID;
    int n = snprintf(err, errlen, "%s:%d: ", S_FILE, line);
    if (n >= 0 && (size_t) n < errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + n, errlen - (size_t) n, _(fmt), ap);
        va_end(ap);
    }
    return TD_ERR_INVALID;
}

static td_err s_row(td_calendar_t *cal, char **f, int line, char *err, size_t errlen)
{
    td_dataset ds;
    const char *why = NULL;
    memset(&ds, 0, sizeof ds);
    if (!td_dataset_name_valid(f[0]))
        return s_bad(err, errlen, line,
                     N_("dataset '%.40s' must be 1 to %d characters a-z, 0-9 or _"), f[0],
                     TD_DATASET_NAME_MAX);
    for (size_t i = 0; i < cal->count; i++) {
        if (strcmp(cal->datasets[i].name, f[0]) == 0)
            return s_bad(err, errlen, line, N_("dataset %s appears twice"), f[0]);
    }
    memcpy(ds.name, f[0], strlen(f[0]) + 1);
    if (f[1][0] == '\0')
        return s_bad(err, errlen, line, N_("title is empty"));
    if (strlen(f[1]) > TD_DATASET_TITLE_MAX)
        return s_bad(err, errlen, line, N_("title is longer than %d bytes"), TD_DATASET_TITLE_MAX);
    if (!td_utf8_valid_text(f[1]))
        return s_bad(err, errlen, line, N_("title is not valid UTF-8"));
    memcpy(ds.title, f[1], strlen(f[1]) + 1);
    if (s_kinds(f[2], &ds.period_kinds, &why) != 0)
        return s_bad(err, errlen, line, "%s", _(why));
    /* Day 28 at most, so every month has the deadline day. */
    if (s_int(f[3], 1, 28, &ds.deadline_day) != 0)
        return s_bad(err, errlen, line,
                     N_("deadline_day '%.40s' must be a whole number from 1 to 28"), f[3]);
    if (s_int(f[4], 0, TD_LOCK_DAYS_MAX, &ds.lock_after_days) != 0)
        return s_bad(
            err, errlen, line,
            N_("lock_after_days '%.40s' must be a whole number from 0 (never locked) to %d"), f[4],
            TD_LOCK_DAYS_MAX);
    if (cal->count == S_DATASETS_MAX)
        return s_bad(err, errlen, line, N_("more than %d datasets"), S_DATASETS_MAX);
    td_dataset *grown = realloc(cal->datasets, (cal->count + 1) * sizeof *grown);
    if (grown == NULL) {
        td_msg(err, errlen, "%s: out of memory", S_FILE);
        return TD_ERR_NOMEM;
    }
    cal->datasets = grown;
    cal->datasets[cal->count++] = ds;
    return TD_OK;
}

/* Lines as in every data/ file: an optional BOM, '#' comments and blank lines skipped,
 * CRLF accepted, the header first. */
static td_err s_parse(td_calendar_t *cal, char *buf, size_t len, char *err, size_t errlen)
{
    static const char *const header[S_COLUMNS] = {"dataset", "title", "period_types",
                                                  "deadline_day", "lock_after_days"};
    char *p = buf, *end = buf + len;
    int line = 0, seen_header = 0;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (p < end) {
        line++;
        char *nl = memchr(p, '\n', (size_t) (end - p));
        char *lend = nl != NULL ? nl : end;
        size_t n = (size_t) (lend - p);
        if (memchr(p, '\0', n) != NULL)
            return s_bad(err, errlen, line, N_("NUL byte in line"));
        *lend = '\0';
        if (n > 0 && p[n - 1] == '\r')
            p[--n] = '\0';
        char *text = p;
        p = lend + 1;
        if (n == 0 || text[0] == '#')
            continue;
        char *f[S_MAX_FIELDS];
        size_t count = 0;
        const char *why = NULL;
        if (td_registry_csv_split(text, f, S_MAX_FIELDS, &count, &why) != 0)
            return s_bad(err, errlen, line, "%s", _(why));
        if (count != S_COLUMNS)
            return s_bad(err, errlen, line, N_("expected %d fields, found %zu"), S_COLUMNS, count);
        if (!seen_header) {
            for (size_t i = 0; i < S_COLUMNS; i++) {
                if (strcmp(f[i], header[i]) != 0)
                    return s_bad(err, errlen, line,
                                 N_("header field %zu is '%.40s', expected '%s'"), i + 1, f[i],
                                 header[i]);
            }
            seen_header = 1;
            continue;
        }
        td_err rc = s_row(cal, f, line, err, errlen);
        if (rc != TD_OK)
            return rc;
    }
    if (!seen_header) {
        td_msg(err, errlen, "%s: no header line", S_FILE);
        return TD_ERR_INVALID;
    }
    if (cal->count == 0) {
        td_msg(err, errlen, "%s: no dataset", S_FILE);
        return TD_ERR_INVALID;
    }
    return TD_OK;
}

td_err td_calendar_open(td_calendar_t **out, const char *data_dir, char *err, size_t errlen)
{
    td_err rc = TD_OK;
    td_calendar_t *cal = NULL;
    FILE *f = NULL;
    char *buf = NULL;
    char path[4096];

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (out == NULL || data_dir == NULL) {
        td_msg(err, errlen, "no data folder given");
        return TD_ERR_INVALID;
    }
    *out = NULL;
    int n = snprintf(path, sizeof path, "%s/%s", data_dir, S_FILE);
    if (n < 0 || (size_t) n >= sizeof path) {
        td_msg(err, errlen, "%s/%s: path too long", data_dir, S_FILE);
        rc = TD_ERR_INVALID;
        goto cleanup;
    }
    cal = calloc(1, sizeof *cal);
    buf = malloc((size_t) S_FILE_MAX + 1);
    if (cal == NULL || buf == NULL) {
        td_msg(err, errlen, "%s: out of memory", path);
        rc = TD_ERR_NOMEM;
        goto cleanup;
    }
    f = fopen(path, "rb");
    if (f == NULL) {
        td_msg(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        rc = td_err_from_errno(errno);
        goto cleanup;
    }
    size_t len = fread(buf, 1, (size_t) S_FILE_MAX + 1, f);
    if (ferror(f)) {
        td_msg(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        rc = TD_ERR_IO;
        goto cleanup;
    }
    if (len > (size_t) S_FILE_MAX) {
        td_msg(err, errlen, "%s: larger than %ld bytes", path, S_FILE_MAX);
        rc = TD_ERR_TOOBIG;
        goto cleanup;
    }
    buf[len] = '\0';
    rc = s_parse(cal, buf, len, err, errlen);
    if (rc != TD_OK)
        goto cleanup;
    *out = cal;
    cal = NULL;

cleanup:
    if (f != NULL)
        fclose(f);
    free(buf);
    td_calendar_close(&cal);
    return rc;
}

void td_calendar_close(td_calendar_t **cal)
{
    if (cal == NULL || *cal == NULL)
        return;
    free((*cal)->datasets);
    free(*cal);
    *cal = NULL;
}

const td_dataset *td_calendar_find(const td_calendar_t *cal, const char *name)
{
    if (cal == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < cal->count; i++) {
        if (strcmp(cal->datasets[i].name, name) == 0)
            return &cal->datasets[i];
    }
    return NULL;
}

size_t td_calendar_datasets(const td_calendar_t *cal, const td_dataset **datasets)
{
    if (datasets != NULL)
        *datasets = cal != NULL ? cal->datasets : NULL;
    return cal != NULL ? cal->count : 0;
}

int td_calendar_accepts(const td_dataset *ds, td_period_kind kind)
{
    return ds != NULL && (unsigned) kind < S_KINDS && (ds->period_kinds & (1u << kind)) != 0;
}

void td_calendar_window(const td_calendar_t *cal, const char *dataset, const td_period *p,
                        td_date *from, td_date *to)
{
    (void) cal; /* one window rule for every dataset today; the signature leaves room */
    (void) dataset;
    td_period_cutoff(p, from, to);
}

td_date td_calendar_deadline(const td_calendar_t *cal, const char *dataset, const td_period *p)
{
    const td_dataset *ds = td_calendar_find(cal, dataset);
    return td_period_deadline(p, ds != NULL ? ds->deadline_day : TD_DEADLINE_DAY);
}

td_err td_calendar_check(const td_calendar_t *cal, const char *dataset, const td_period *p,
                         int64_t now, td_reason *why)
{
    char period[TD_PERIOD_TEXT_MAX], date[16], date_vi[16];
    if (cal == NULL || p == NULL) {
        if (cal == NULL)
            td_reason_set(why, "no dataset calendar to check the report");
        else
            td_reason_set(why, "period: missing");
        return TD_ERR_INVALID;
    }
    if (dataset == NULL || !td_dataset_name_valid(dataset)) {
        if (dataset == NULL)
            td_reason_set(why, "dataset: missing");
        else
            td_reason_set(why, "dataset: must be 1 to 16 lower-case letters, digits or _");
        return TD_ERR_INVALID;
    }
    const td_dataset *ds = td_calendar_find(cal, dataset);
    if (ds == NULL) {
        td_reason_set(why, "dataset '%s' is not known (not in %s)", dataset, S_FILE);
        return TD_ERR_INVALID;
    }
    td_period_format(p, period, sizeof period);
    if (!td_calendar_accepts(ds, p->kind)) {
        char kinds[32] = "";
        for (size_t k = 0; k < S_KINDS; k++) {
            if (ds->period_kinds & (1u << k)) {
                if (kinds[0] != '\0')
                    strcat(kinds, ", ");
                strcat(kinds, s_kind_codes[k]);
            }
        }
        td_reason_set(why,
                      "period %s: dataset '%s' does not take periods of this type (its period "
                      "types: %s)",
                      period, dataset, kinds);
        return TD_ERR_INVALID;
    }
    td_date today = td_date_from_time((time_t) now);
    td_date from;
    td_period_cutoff(p, &from, NULL);
    if (td_date_compare(&from, &today) > 0) {
        /* TRANSLATORS: the period, then the day its window opens in English form and
           (%.0s) as dd/mm/yyyy */
        td_reason_set(why, "period %s is in the future (its data window opens on %s%.0s)", period,
                      td_date_format(&from, date, sizeof date),
                      td_fmt_date_in(TD_LANG_VI, &from, date_vi, sizeof date_vi));
        return TD_ERR_INVALID;
    }
    if (ds->lock_after_days > 0) {
        td_date deadline = td_period_deadline(p, ds->deadline_day);
        /* Locked from the start of day deadline + lock_after_days + 1 (UTC). */
        int64_t locked_at = td_date_to_unix(&deadline) + (ds->lock_after_days + 1) * S_DAY;
        if (now >= locked_at) {
            /* TRANSLATORS: the period, its deadline in English form and (%.0s) as
               dd/mm/yyyy, the days after which a period is locked */
            td_reason_set(why,
                          "period %s is locked: its deadline %s%.0s passed more than %d days ago",
                          period, td_date_format(&deadline, date, sizeof date),
                          td_fmt_date_in(TD_LANG_VI, &deadline, date_vi, sizeof date_vi),
                          ds->lock_after_days);
            return TD_ERR_INVALID;
        }
    }
    return TD_OK;
}

td_report_status td_calendar_status(const td_calendar_t *cal, const char *dataset,
                                    const td_period *p, int64_t received_at, int64_t now)
{
    td_date deadline = td_calendar_deadline(cal, dataset, p);
    int64_t due_end = td_date_to_unix(&deadline) + S_DAY; /* first second after the day */
    if (received_at >= 0)
        return received_at < due_end ? TD_REPORT_ON_TIME : TD_REPORT_LATE;
    return now < due_end ? TD_REPORT_NOT_YET_DUE : TD_REPORT_OVERDUE;
}

const char *td_calendar_status_name(td_report_status status)
{
    switch (status) {
    case TD_REPORT_ON_TIME:
        return "on_time";
    case TD_REPORT_LATE:
        return "late";
    case TD_REPORT_NOT_YET_DUE:
        return "not_yet_due";
    case TD_REPORT_OVERDUE:
        return "overdue";
    }
    return "unknown";
}
