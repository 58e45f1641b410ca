/* test_calendar.c: datasets.csv, Decree 09 windows and deadlines, future and locked periods,
 * report statuses, units during periods, and validation of reports against the calendar. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calendar.h"
#include "i18n.h"
#include "registry.h"
#include "report.h"
#include "unit_main.h"

#define DATA_DIR TIENDO_SOURCE_DIR "/data"

static td_calendar_t *s_cal;  /* data/datasets.csv: nq06, never locked */
static td_calendar_t *s_lock; /* a temporary datasets.csv: nq06 locked 30 days after, yearly */
static td_registry_t *s_reg;
static char s_dir[64];

/* ---- helpers ------------------------------------------------------------------- */

static td_period s_period(const char *text)
{
    td_period p;
    ck_assert_msg(td_period_parse(text, &p) == TD_OK, "'%s' should parse", text);
    return p;
}

static td_date s_date(const char *text)
{
    td_date d;
    ck_assert_msg(td_date_parse(text, &d) == TD_OK, "'%s' should be a date", text);
    return d;
}

/* Unix seconds of "YYYY-MM-DD" at hh:mm:ss UTC. */
static int64_t s_at(const char *date, int h, int m, int s)
{
    td_date d = s_date(date);
    return td_date_to_unix(&d) + h * 3600 + m * 60 + s;
}

static void s_assert_date(const td_date *d, const char *want, const char *what)
{
    char buf[16];
    td_date_format(d, buf, sizeof buf);
    ck_assert_msg(strcmp(buf, want) == 0, "%s: got %s, want %s", what, buf, want);
}

static void s_write(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
    ck_assert_int_eq(fclose(f), 0);
}

static void s_remove(const char *dir, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
}

/* Open a calendar from text written to the temporary folder as datasets.csv. */
static td_err s_open_text(const char *text, td_calendar_t **out, char *err, size_t errlen)
{
    s_write(s_dir, "datasets.csv", text);
    td_err rc = td_calendar_open(out, s_dir, err, errlen);
    s_remove(s_dir, "datasets.csv");
    return rc;
}

#define HEADER "dataset,title,period_types,deadline_day,lock_after_days\n"

static void s_setup(void)
{
    char err[512] = "";
    strcpy(s_dir, "/tmp/td_calendar_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(s_dir));
    ck_assert_msg(td_calendar_open(&s_cal, DATA_DIR, err, sizeof err) == TD_OK, "%s", err);
    ck_assert_msg(s_open_text(HEADER "nq06,\"Resolution 06-NQ/TW progress\",M;Q;H;9M;Y,25,30\n"
                                     "yearly,Yearly survey,Y,20,0\n",
                              &s_lock, err, sizeof err) == TD_OK,
                  "%s", err);
    ck_assert_msg(td_registry_open(&s_reg, DATA_DIR, err, sizeof err) == TD_OK, "%s", err);
}

static void s_teardown(void)
{
    td_calendar_close(&s_cal);
    td_calendar_close(&s_lock);
    td_registry_close(&s_reg);
    rmdir(s_dir);
}

/* ---- datasets.csv -------------------------------------------------------------- */

START_TEST(test_real_datasets)
{
    const td_dataset *all = NULL;
    ck_assert_uint_eq(td_calendar_datasets(s_cal, &all), 1);
    const td_dataset *ds = td_calendar_find(s_cal, "nq06");
    ck_assert_ptr_eq(ds, &all[0]);
    ck_assert_str_eq(ds->title, "Resolution 06-NQ/TW progress");
    ck_assert_int_eq(ds->deadline_day, 25);
    ck_assert_int_eq(ds->lock_after_days, 0);
    const td_period_kind kinds[] = {TD_PERIOD_MONTH, TD_PERIOD_QUARTER, TD_PERIOD_HALF,
                                    TD_PERIOD_NINE_MONTHS, TD_PERIOD_YEAR};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        ck_assert(td_calendar_accepts(ds, kinds[i]));
    ck_assert_ptr_null(td_calendar_find(s_cal, "nq07"));
    ck_assert_ptr_null(td_calendar_find(s_cal, NULL));

    const td_dataset *yearly = td_calendar_find(s_lock, "yearly");
    ck_assert_ptr_nonnull(yearly);
    ck_assert(td_calendar_accepts(yearly, TD_PERIOD_YEAR));
    ck_assert(!td_calendar_accepts(yearly, TD_PERIOD_QUARTER));
    ck_assert(!td_calendar_accepts(yearly, TD_PERIOD_MONTH));
}
END_TEST

START_TEST(test_bad_files)
{
    static const struct {
        const char *text;
        const char *want; /* the whole message */
    } cases[] = {
        {"dataset,title,period_types,deadline_day\nnq06,x,Q,25\n",
         "datasets.csv:1: expected 5 fields, found 4"},
        {"dataset,name,period_types,deadline_day,lock_after_days\n",
         "datasets.csv:1: header field 2 is 'name', expected 'title'"},
        {"# comment\n\n" HEADER "nq06,t,Q,29,0\n",
         "datasets.csv:4: deadline_day '29' must be a whole number from 1 to 28"},
        {HEADER "nq06,t,Q,0,0\n",
         "datasets.csv:2: deadline_day '0' must be a whole number from 1 to 28"},
        {HEADER "nq06,t,Q,25,-1\n", "datasets.csv:2: lock_after_days '-1' must be a whole number "
                                    "from 0 (never locked) to 36600"},
        {HEADER "nq06,t,M;X,25,0\n",
         "datasets.csv:2: period_types has a code other than M, Q, H, 9M and Y"},
        {HEADER "nq06,t,Q;Q,25,0\n", "datasets.csv:2: period_types lists a period code twice"},
        {HEADER "nq06,t,,25,0\n", "datasets.csv:2: period_types must list period codes separated "
                                  "by ';' (M, Q, H, 9M, Y)"},
        {HEADER "nq06,t,Q,25,0\r\nnq06,u,Y,25,0\r\n", "datasets.csv:3: dataset nq06 appears twice"},
        {HEADER "NQ06,t,Q,25,0\n",
         "datasets.csv:2: dataset 'NQ06' must be 1 to 16 characters a-z, 0-9 or _"},
        {HEADER "nq06,\"t,Q,25,0\n", "datasets.csv:2: unterminated quote"},
        {HEADER "nq06,,Q,25,0\n", "datasets.csv:2: title is empty"},
        {HEADER "nq06,\xC3\x28,Q,25,0\n", "datasets.csv:2: title is not valid UTF-8"},
        {HEADER, "datasets.csv: no dataset"},
        {"# only a comment\n", "datasets.csv: no header line"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        td_calendar_t *cal = NULL;
        char err[256] = "";
        ck_assert_int_eq(s_open_text(cases[i].text, &cal, err, sizeof err), TD_ERR_INVALID);
        ck_assert_ptr_null(cal);
        ck_assert_msg(strcmp(err, cases[i].want) == 0, "case %zu: got '%s', want '%s'", i, err,
                      cases[i].want);
    }
    /* A BOM and CRLF line ends, as spreadsheets write them, load. */
    td_calendar_t *cal = NULL;
    char err[256] = "";
    ck_assert_int_eq(
        s_open_text("\xEF\xBB\xBF" HEADER "nq06,t,Q;Y,28,0\r\n", &cal, err, sizeof err), TD_OK);
    ck_assert_int_eq(td_calendar_find(cal, "nq06")->deadline_day, 28);
    td_calendar_close(&cal);
    ck_assert_ptr_null(cal);
    td_calendar_close(&cal); /* NULL is fine */

    ck_assert_int_eq(td_calendar_open(&cal, "/nonexistent/tiendo", err, sizeof err),
                     TD_ERR_NOTFOUND);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/tiendo/datasets.csv: cannot open"));
}
END_TEST

/* ---- windows and deadlines ---------------------------------------------------------- */

START_TEST(test_windows_and_deadlines)
{
    static const struct {
        const char *period, *from, *to, *deadline;
    } cases[] = {
        /* Periods that start in January open on 15 December of the year before. */
        {"2026-M01", "2025-12-15", "2026-01-14", "2026-01-25"},
        {"2026-M02", "2026-01-15", "2026-02-14", "2026-02-25"},
        {"2026-M07", "2026-06-15", "2026-07-14", "2026-07-25"},
        {"2026-M12", "2026-11-15", "2026-12-14", "2026-12-25"},
        {"2026-Q1", "2025-12-15", "2026-03-14", "2026-03-25"},
        {"2026-Q2", "2026-03-15", "2026-06-14", "2026-06-25"},
        {"2026-Q3", "2026-06-15", "2026-09-14", "2026-09-25"},
        {"2026-Q4", "2026-09-15", "2026-12-14", "2026-12-25"},
        {"2026-H1", "2025-12-15", "2026-06-14", "2026-06-25"},
        {"2026-H2", "2026-06-15", "2026-12-14", "2026-12-25"},
        {"2026-9M", "2025-12-15", "2026-09-14", "2026-09-25"},
        {"2026", "2025-12-15", "2026-12-14", "2026-12-25"},
        {"2000-M01", "1999-12-15", "2000-01-14", "2000-01-25"},
        {"2100", "2099-12-15", "2100-12-14", "2100-12-25"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        td_period p = s_period(cases[i].period);
        td_date from, to;
        td_calendar_window(s_cal, "nq06", &p, &from, &to);
        s_assert_date(&from, cases[i].from, cases[i].period);
        s_assert_date(&to, cases[i].to, cases[i].period);
        td_date deadline = td_calendar_deadline(s_cal, "nq06", &p);
        s_assert_date(&deadline, cases[i].deadline, cases[i].period);
        /* An unknown dataset, or no calendar at all, gets the Decree 09 default. */
        deadline = td_calendar_deadline(NULL, "nq06", &p);
        s_assert_date(&deadline, cases[i].deadline, cases[i].period);
        deadline = td_calendar_deadline(s_cal, "unknown", &p);
        s_assert_date(&deadline, cases[i].deadline, cases[i].period);
    }
    /* A dataset's own deadline day. */
    td_period y = s_period("2026");
    td_date d = td_calendar_deadline(s_lock, "yearly", &y);
    s_assert_date(&d, "2026-12-20", "yearly 2026");
    /* Day 28 exists in every February. */
    td_calendar_t *cal = NULL;
    char err[256];
    ck_assert_int_eq(s_open_text(HEADER "m,t,M,28,0\n", &cal, err, sizeof err), TD_OK);
    td_period feb = s_period("2027-M02");
    d = td_calendar_deadline(cal, "m", &feb);
    s_assert_date(&d, "2027-02-28", "2027-M02 day 28");
    td_calendar_close(&cal);
}
END_TEST

/* ---- acceptance: unknown dataset, period type, future, locked -------------------- */

static td_err s_check(const td_calendar_t *cal, const char *dataset, const char *period,
                      int64_t now, char *reason, size_t len)
{
    td_period p = s_period(period);
    td_reason why;
    td_reason_clear(&why);
    td_err rc = td_calendar_check(cal, dataset, &p, now, &why);
    size_t n = strlen(why.text) < len ? strlen(why.text) : len - 1;
    memcpy(reason, why.text, n);
    reason[n] = '\0';
    return rc;
}

START_TEST(test_check_dataset_and_kind)
{
    char reason[256];
    int64_t now = s_at("2026-11-29", 12, 0, 0);
    ck_assert_int_eq(s_check(s_cal, "nq06", "2026-Q4", now, reason, sizeof reason), TD_OK);
    ck_assert_int_eq(s_check(s_cal, "nq07", "2026-Q4", now, reason, sizeof reason), TD_ERR_INVALID);
    ck_assert_str_eq(reason, "dataset 'nq07' is not known (not in datasets.csv)");
    ck_assert_int_eq(s_check(s_cal, "NQ06;rm", "2026-Q4", now, reason, sizeof reason),
                     TD_ERR_INVALID);
    ck_assert_str_eq(reason, "dataset: must be 1 to 16 lower-case letters, digits or _");
    ck_assert_int_eq(s_check(s_lock, "yearly", "2026-Q3", now, reason, sizeof reason),
                     TD_ERR_INVALID);
    ck_assert_str_eq(reason, "period 2026-Q3: dataset 'yearly' does not take periods of this type "
                             "(its period types: Y)");
    ck_assert_int_eq(s_check(s_lock, "yearly", "2026-H1", now, reason, sizeof reason),
                     TD_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(reason, "does not take periods of this type"));
    ck_assert_int_eq(s_check(s_lock, "yearly", "2026", now, reason, sizeof reason), TD_OK);
    /* No calendar: refused, not a crash. */
    ck_assert_int_eq(s_check(NULL, "nq06", "2026", now, reason, sizeof reason), TD_ERR_INVALID);
}
END_TEST

START_TEST(test_check_future)
{
    char reason[256];
    int64_t now = s_at("2026-11-29", 12, 0, 0);
    ck_assert_int_eq(s_check(s_cal, "nq06", "2027-Q1", now, reason, sizeof reason), TD_ERR_INVALID);
    ck_assert_str_eq(reason,
                     "period 2027-Q1 is in the future (its data window opens on 2026-12-15)");
    ck_assert_int_eq(s_check(s_cal, "nq06", "2027", now, reason, sizeof reason), TD_ERR_INVALID);
    ck_assert_str_eq(reason, "period 2027 is in the future (its data window opens on 2026-12-15)");
    ck_assert_int_eq(s_check(s_cal, "nq06", "2027-M01", now, reason, sizeof reason),
                     TD_ERR_INVALID);
    /* Windows already open on 29 Nov 2026, including periods that end later. */
    ck_assert_int_eq(s_check(s_cal, "nq06", "2026-M12", now, reason, sizeof reason), TD_OK);
    ck_assert_int_eq(s_check(s_cal, "nq06", "2026", now, reason, sizeof reason), TD_OK);
    ck_assert_int_eq(s_check(s_cal, "nq06", "2026-Q4", now, reason, sizeof reason), TD_OK);
    /* The window opens at 00:00 UTC of its first day. */
    ck_assert_int_eq(
        s_check(s_cal, "nq06", "2027-Q1", s_at("2026-12-14", 23, 59, 59), reason, sizeof reason),
        TD_ERR_INVALID);
    ck_assert_int_eq(
        s_check(s_cal, "nq06", "2027-Q1", s_at("2026-12-15", 0, 0, 0), reason, sizeof reason),
        TD_OK);
}
END_TEST

START_TEST(test_check_locked)
{
    char reason[256];
    int64_t now = s_at("2026-11-29", 12, 0, 0);
    ck_assert_int_eq(s_check(s_lock, "nq06", "2023-Q1", now, reason, sizeof reason),
                     TD_ERR_INVALID);
    ck_assert_str_eq(reason, "period 2023-Q1 is locked: its deadline 2023-03-25 passed more than "
                             "30 days ago");
    /* lock_after_days 0: never locked. */
    ck_assert_int_eq(s_check(s_cal, "nq06", "2023-Q1", now, reason, sizeof reason), TD_OK);
    ck_assert_int_eq(s_check(s_lock, "yearly", "2020", now, reason, sizeof reason), TD_OK);
    /* 2026-Q3's deadline is 2026-09-25: open through the 30th day after it (25 Oct),
     * locked from 26 Oct 00:00 UTC. */
    ck_assert_int_eq(
        s_check(s_lock, "nq06", "2026-Q3", s_at("2026-10-25", 23, 59, 59), reason, sizeof reason),
        TD_OK);
    ck_assert_int_eq(
        s_check(s_lock, "nq06", "2026-Q3", s_at("2026-10-26", 0, 0, 0), reason, sizeof reason),
        TD_ERR_INVALID);
    ck_assert_str_eq(reason, "period 2026-Q3 is locked: its deadline 2026-09-25 passed more than "
                             "30 days ago");
    /* Across a year end: 2026-M12's deadline 2026-12-25, locked from 2027-01-25. */
    ck_assert_int_eq(
        s_check(s_lock, "nq06", "2026-M12", s_at("2027-01-24", 12, 0, 0), reason, sizeof reason),
        TD_OK);
    ck_assert_int_eq(
        s_check(s_lock, "nq06", "2026-M12", s_at("2027-01-25", 0, 0, 0), reason, sizeof reason),
        TD_ERR_INVALID);
}
END_TEST

/* The same refusals in Vietnamese (the build's catalogue): dates as dd/mm/yyyy, and a
 * data file's error translated where it is made. */
START_TEST(test_messages_in_vietnamese)
{
    td_period p = s_period("2023-Q1");
    td_reason why;
    char out[TD_REASON_TEXT_MAX];
    td_reason_clear(&why);
    ck_assert_int_eq(td_calendar_check(s_lock, "nq06", &p, s_at("2026-11-29", 12, 0, 0), &why),
                     TD_ERR_INVALID);
    td_i18n_init(TD_LANG_VI);
    ck_assert_str_eq(td_reason_render(&why, out, sizeof out),
                     "kỳ báo cáo 2023-Q1 đã khóa sổ: thời hạn gửi báo cáo 25/03/2023 đã qua hơn "
                     "30 ngày");
    p = s_period("2026-Q3");
    ck_assert_int_eq(td_calendar_check(s_lock, "yearly", &p, s_at("2026-11-29", 12, 0, 0), &why),
                     TD_ERR_INVALID);
    ck_assert_str_eq(td_reason_render(&why, out, sizeof out),
                     "kỳ báo cáo 2026-Q3: chế độ báo cáo 'yearly' không có loại kỳ này (các loại "
                     "kỳ của chế độ: Y)");
    td_calendar_t *cal = NULL;
    char err[256] = "";
    ck_assert_int_eq(s_open_text(HEADER "nq06,t,Q,29,0\n", &cal, err, sizeof err), TD_ERR_INVALID);
    ck_assert_str_eq(err, "datasets.csv:2: deadline_day '29' phải là số nguyên từ 1 đến 28");
    ck_assert_int_eq(s_open_text(HEADER "nq06,\"t,Q,25,0\n", &cal, err, sizeof err),
                     TD_ERR_INVALID);
    ck_assert_str_eq(err, "datasets.csv:2: dấu ngoặc kép chưa đóng");
    td_i18n_init(TD_LANG_EN);
    ck_assert_str_eq(td_reason_render(&why, out, sizeof out), why.text);
}
END_TEST

/* ---- report status -------------------------------------------------------------- */

START_TEST(test_status)
{
    td_period q4 = s_period("2026-Q4"); /* deadline 2026-12-25 */
    int64_t last_second = s_at("2026-12-25", 23, 59, 59);
    int64_t next_day = s_at("2026-12-26", 0, 0, 0);
    int64_t later = s_at("2027-02-01", 8, 0, 0);

    ck_assert_int_eq(td_calendar_status(s_cal, "nq06", &q4, last_second, later), TD_REPORT_ON_TIME);
    ck_assert_int_eq(td_calendar_status(s_cal, "nq06", &q4, s_at("2026-11-20", 9, 0, 0), later),
                     TD_REPORT_ON_TIME);
    ck_assert_int_eq(td_calendar_status(s_cal, "nq06", &q4, next_day, later), TD_REPORT_LATE);
    ck_assert_int_eq(td_calendar_status(s_cal, "nq06", &q4, -1, last_second),
                     TD_REPORT_NOT_YET_DUE);
    ck_assert_int_eq(td_calendar_status(s_cal, "nq06", &q4, -1, s_at("2026-11-29", 0, 0, 0)),
                     TD_REPORT_NOT_YET_DUE);
    ck_assert_int_eq(td_calendar_status(s_cal, "nq06", &q4, -1, next_day), TD_REPORT_OVERDUE);
    /* The dataset's own deadline day: yearly's 2026 report is due 2026-12-20. */
    td_period y = s_period("2026");
    ck_assert_int_eq(td_calendar_status(s_lock, "yearly", &y, s_at("2026-12-21", 0, 0, 0), later),
                     TD_REPORT_LATE);
    ck_assert_int_eq(td_calendar_status(s_lock, "yearly", &y, -1, s_at("2026-12-21", 0, 0, 0)),
                     TD_REPORT_OVERDUE);
    ck_assert_int_eq(td_calendar_status(s_cal, "nq06", &y, -1, s_at("2026-12-21", 0, 0, 0)),
                     TD_REPORT_NOT_YET_DUE);

    ck_assert_str_eq(td_calendar_status_name(TD_REPORT_ON_TIME), "on_time");
    ck_assert_str_eq(td_calendar_status_name(TD_REPORT_LATE), "late");
    ck_assert_str_eq(td_calendar_status_name(TD_REPORT_NOT_YET_DUE), "not_yet_due");
    ck_assert_str_eq(td_calendar_status_name(TD_REPORT_OVERDUE), "overdue");
}
END_TEST

/* ---- units during periods -------------------------------------------------------- */

static const td_unit *s_during(const char *code, const char *period)
{
    td_period p = s_period(period);
    return td_registry_find_during(s_reg, code, &p);
}

START_TEST(test_find_during)
{
    /* Bắc Kạn (06) ended on 2025-06-30 and merged into Thái Nguyên (19). */
    ck_assert_str_eq(s_during("06", "2024-Q4")->name, "Bắc Kạn");
    ck_assert_str_eq(s_during("06", "2025-Q2")->name, "Bắc Kạn");
    ck_assert_str_eq(s_during("06", "2025-M06")->name, "Bắc Kạn");
    ck_assert_str_eq(s_during("06", "2025")->name, "Bắc Kạn"); /* overlaps its first half */
    ck_assert_str_eq(s_during("06", "2025-H1")->name, "Bắc Kạn");
    ck_assert_ptr_null(s_during("06", "2025-Q3"));
    ck_assert_ptr_null(s_during("06", "2025-M07"));
    ck_assert_ptr_null(s_during("06", "2025-H2"));
    ck_assert_ptr_null(s_during("06", "2026"));
    /* 19 has two records; a period overlapping both gets the later one. */
    const td_unit *old19 = s_during("19", "2025-Q2");
    const td_unit *new19 = s_during("19", "2025-Q3");
    ck_assert_ptr_nonnull(old19);
    ck_assert_ptr_nonnull(new19);
    ck_assert_ptr_ne(old19, new19);
    s_assert_date(&old19->valid_to, "2025-06-30", "old 19 valid_to");
    s_assert_date(&new19->valid_from, "2025-07-01", "new 19 valid_from");
    ck_assert_ptr_eq(s_during("19", "2025"), new19);
    ck_assert_ptr_eq(s_during("19", "2024-Q4"), old19);
    /* Huế: Thừa Thiên Huế until 2024-12-31, the city of Huế from 2025-01-01, same code. */
    ck_assert_str_eq(s_during("46", "2024-Q4")->name, "Thừa Thiên Huế");
    ck_assert_str_eq(s_during("46", "2025-M01")->name, "Huế");
    ck_assert_str_eq(s_during("01", "2010")->name, "Hà Nội");
    ck_assert_str_eq(s_during("01", "2026-Q4")->name, "Hà Nội");
    ck_assert_ptr_null(s_during("99", "2026"));
}
END_TEST

START_TEST(test_current)
{
    td_date on = s_date("2026-11-29");
    const td_unit *u = td_registry_current(s_reg, "06", &on);
    ck_assert_ptr_nonnull(u);
    ck_assert_str_eq(u->code, "19");
    ck_assert_str_eq(u->name, "Thái Nguyên");
    s_assert_date(&u->valid_from, "2025-07-01", "current 19");
    ck_assert_str_eq(td_registry_current(s_reg, "46", &on)->name, "Huế");
    ck_assert_str_eq(td_registry_current(s_reg, "01", &on)->code, "01");
    ck_assert_str_eq(td_registry_current(s_reg, "19", &on)->name, "Thái Nguyên");
    ck_assert_str_eq(td_registry_current(s_reg, "02", &on)->name, "Tuyên Quang");
    ck_assert_ptr_null(td_registry_current(s_reg, "99", &on));
    /* Before the merger, 06 is itself. */
    td_date before = s_date("2025-06-30");
    ck_assert_str_eq(td_registry_current(s_reg, "06", &before)->name, "Bắc Kạn");
    ck_assert_ptr_null(td_registry_current(s_reg, "06", NULL));
}
END_TEST

/* ---- reports validated against the calendar ---------------------------------------- */

static Tiendo__Report *s_report(const char *unit, const char *period)
{
    char text[2048];
    char err[256] = "";
    Tiendo__Report *r = NULL;
    snprintf(text, sizeof text,
             "{\"unit\": \"%s\", \"period\": \"%s\", \"prepared_by\": \"Sở Xây dựng\","
             " \"task_groups\": ["
             "{\"group\": 1, \"status\": \"in_progress\", \"progress\": 10},"
             "{\"group\": 2, \"status\": \"in_progress\", \"progress\": 20},"
             "{\"group\": 3, \"status\": \"in_progress\", \"progress\": 30},"
             "{\"group\": 4, \"status\": \"in_progress\", \"progress\": 40},"
             "{\"group\": 5, \"status\": \"in_progress\", \"progress\": 50},"
             "{\"group\": 6, \"status\": \"in_progress\", \"progress\": 60}],"
             " \"data\": {\"urban_population\": 95000, \"total_population\": 320000}}",
             unit, period);
    ck_assert_msg(td_report_from_json(text, strlen(text), &r, err, sizeof err) == TD_OK, "%s", err);
    return r;
}

static td_err s_validate_in(const td_registry_t *reg, const td_calendar_t *cal, const char *unit,
                            const char *period, int64_t now, char *reason, size_t len)
{
    Tiendo__Report *r = s_report(unit, period);
    reason[0] = '\0';
    td_err rc = td_report_validate_at(r, reg, cal, now, reason, len);
    td_report_free(&r);
    return rc;
}

static td_err s_validate_at(const td_calendar_t *cal, const char *unit, const char *period,
                            int64_t now, char *reason, size_t len)
{
    return s_validate_in(s_reg, cal, unit, period, now, reason, len);
}

START_TEST(test_validate_at)
{
    char reason[512];
    int64_t now = s_at("2026-11-29", 12, 0, 0);
    ck_assert_int_eq(s_validate_at(s_cal, "06", "2025-Q3", now, reason, sizeof reason),
                     TD_ERR_INVALID);
    ck_assert_str_eq(reason, "unit '06' (Bắc Kạn) does not exist during 2025-Q3 (valid until "
                             "2025-06-30; successor 19)");
    ck_assert_int_eq(s_validate_at(s_cal, "06", "2024-Q4", now, reason, sizeof reason), TD_OK);
    ck_assert_int_eq(s_validate_at(s_cal, "19", "2024-Q4", now, reason, sizeof reason), TD_OK);
    ck_assert_int_eq(s_validate_at(s_cal, "19", "2026-Q4", now, reason, sizeof reason), TD_OK);
    ck_assert_int_eq(s_validate_at(s_cal, "01", "2027-Q1", now, reason, sizeof reason),
                     TD_ERR_INVALID);
    ck_assert_str_eq(reason,
                     "period 2027-Q1 is in the future (its data window opens on 2026-12-15)");
    ck_assert_int_eq(s_validate_at(s_lock, "01", "2023-Q1", now, reason, sizeof reason),
                     TD_ERR_INVALID);
    ck_assert_str_eq(reason, "period 2023-Q1 is locked: its deadline 2023-03-25 passed more than "
                             "30 days ago");
    ck_assert_int_eq(s_validate_at(s_cal, "01", "2023-Q1", now, reason, sizeof reason), TD_OK);
    /* td_report_validate's own rules still come first. */
    ck_assert_int_eq(s_validate_at(s_cal, "99", "2026-Q4", now, reason, sizeof reason),
                     TD_ERR_INVALID);
    ck_assert_str_eq(reason, "unit '99' is not in the registry");
    /* A dataset the calendar does not know. */
    Tiendo__Report *r = s_report("01", "2026-Q4");
    free(r->dataset);
    r->dataset = strdup("nq07");
    ck_assert_int_eq(td_report_validate_at(r, s_reg, s_cal, now, reason, sizeof reason),
                     TD_ERR_INVALID);
    ck_assert_str_eq(reason, "dataset 'nq07' is not known (not in datasets.csv)");
    td_report_free(&r);
}
END_TEST

/* A registry of made-up units: a successor cycle ends the walk with NULL instead of looping,
 * and reports name the nearest validity of a unit that does not exist during their period. */
START_TEST(test_made_up_units)
{
    char err[512] = "";
    char src[512];
    td_registry_t *reg = NULL;
    static const char *const copied[] = {"task-groups.csv", "indicators.csv"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(src, sizeof src, "%s/%s", DATA_DIR, copied[i]);
        FILE *f = fopen(src, "rb");
        ck_assert_ptr_nonnull(f);
        static char buf[65536];
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        s_write(s_dir, copied[i], buf);
    }
    s_write(s_dir, "units.csv",
            "code,name,level,parent,valid_from,valid_to,successor\n"
            "VN,Việt Nam,nation,,,,\n"
            "A1,A,province,VN,,2020-12-31,B1\n"
            "B1,B,province,VN,,2020-12-31,A1\n"
            "C1,C,province,VN,2030-01-01,,\n");
    td_err rc = td_registry_open(&reg, s_dir, err, sizeof err);
    s_remove(s_dir, "units.csv");
    s_remove(s_dir, "task-groups.csv");
    s_remove(s_dir, "indicators.csv");
    ck_assert_msg(rc == TD_OK, "%s", err);
    td_date on = s_date("2026-01-01");
    ck_assert_ptr_null(td_registry_current(reg, "A1", &on));
    ck_assert_ptr_null(td_registry_current(reg, "C1", &on)); /* starts later */
    char reason[512];
    int64_t now = s_at("2026-11-29", 12, 0, 0);
    ck_assert_int_eq(s_validate_in(reg, s_cal, "C1", "2026-Q4", now, reason, sizeof reason),
                     TD_ERR_INVALID);
    ck_assert_str_eq(reason, "unit 'C1' (C) does not exist during 2026-Q4 (valid from 2030-01-01)");
    ck_assert_int_eq(s_validate_in(reg, s_cal, "A1", "2026-Q4", now, reason, sizeof reason),
                     TD_ERR_INVALID);
    ck_assert_str_eq(reason, "unit 'A1' (A) does not exist during 2026-Q4 (valid until "
                             "2020-12-31; successor B1)");
    td_registry_close(&reg);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("calendar");
    TCase *tc = tcase_create("calendar");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, test_real_datasets);
    tcase_add_test(tc, test_bad_files);
    tcase_add_test(tc, test_windows_and_deadlines);
    tcase_add_test(tc, test_check_dataset_and_kind);
    tcase_add_test(tc, test_check_future);
    tcase_add_test(tc, test_check_locked);
    tcase_add_test(tc, test_messages_in_vietnamese);
    tcase_add_test(tc, test_status);
    tcase_add_test(tc, test_find_during);
    tcase_add_test(tc, test_current);
    tcase_add_test(tc, test_made_up_units);
    tcase_add_test(tc, test_validate_at);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return td_unit_run(s_suite());
}
