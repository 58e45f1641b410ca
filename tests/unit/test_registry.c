/* test_registry.c: the real data/ registry and catalogue, and rejection of malformed files. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "unit_main.h"

#define DATA_DIR TIENDO_SOURCE_DIR "/data"

static td_registry_t *s_reg;
static char s_err[512];

static void s_open_real(void)
{
    s_err[0] = '\0';
    ck_assert_msg(td_registry_open(&s_reg, DATA_DIR, s_err, sizeof s_err) == TD_OK, "open %s: %s",
                  DATA_DIR, s_err);
    ck_assert_ptr_nonnull(s_reg);
}

static void s_close_real(void)
{
    td_registry_close(&s_reg);
}

static td_date s_date(const char *text)
{
    td_date d;
    ck_assert_int_eq(td_date_parse(text, &d), TD_OK);
    return d;
}

static td_period s_period(const char *text)
{
    td_period p;
    ck_assert_int_eq(td_period_parse(text, &p), TD_OK);
    return p;
}

/* The expected units of a period, checked to be provinces in strictly rising code order. */
static size_t s_expected(const char *period, const td_unit **out, size_t max)
{
    td_period p = s_period(period);
    size_t n = td_registry_expected(s_reg, &p, out, max);
    for (size_t i = 0; i < n && i < max; i++) {
        ck_assert_int_eq(out[i]->level, TD_LEVEL_PROVINCE);
        if (i > 0)
            ck_assert_int_lt(strcmp(out[i - 1]->code, out[i]->code), 0);
    }
    return n;
}

static const td_unit *s_in(const td_unit **units, size_t n, const char *code)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(units[i]->code, code) == 0)
            return units[i];
    }
    return NULL;
}

START_TEST(test_expected_2026_q4)
{
    const td_unit *units[128];
    size_t n = s_expected("2026-Q4", units, 128);
    ck_assert_uint_eq(n, 34);
    ck_assert_str_eq(s_in(units, n, "46")->name, "Huế");
    ck_assert_str_eq(s_in(units, n, "01")->name, "Hà Nội");
    ck_assert_ptr_null(s_in(units, n, "06")); /* Bắc Kạn merged into 19 */
    ck_assert_ptr_null(s_in(units, n, "02"));
    /* 2025-Q3 ends 30 Sep 2025, after the 1 July merger: the same 34. */
    ck_assert_uint_eq(s_expected("2025-Q3", units, 128), 34);
    /* Periods spanning the merger count the units of their last day. */
    ck_assert_uint_eq(s_expected("2025", units, 128), 34);
    ck_assert_uint_eq(s_expected("2025-H2", units, 128), 34);
    ck_assert_uint_eq(s_expected("2025-H1", units, 128), 63);
    ck_assert_uint_eq(s_expected("2025-M06", units, 128), 63);
    ck_assert_uint_eq(s_expected("2025-M07", units, 128), 34);
    /* A short buffer is filled as far as it goes and the true count returned. */
    const td_unit *few[5];
    ck_assert_uint_eq(s_expected("2026-Q4", few, 5), 34);
    ck_assert_ptr_eq(few[0], units[0]);
    ck_assert_ptr_eq(few[4], units[4]);
}
END_TEST

START_TEST(test_expected_2024_q4)
{
    const td_unit *units[128];
    size_t n = s_expected("2024-Q4", units, 128);
    ck_assert_uint_eq(n, 63);
    ck_assert_str_eq(s_in(units, n, "46")->name, "Thừa Thiên Huế");
    ck_assert_str_eq(s_in(units, n, "06")->name, "Bắc Kạn");
    ck_assert_str_eq(s_in(units, n, "19")->name, "Thái Nguyên");
    ck_assert_ptr_null(s_in(units, n, "VN"));
}
END_TEST

START_TEST(test_expected_2025_q1)
{
    const td_unit *units[128];
    size_t n = s_expected("2025-Q1", units, 128);
    ck_assert_uint_eq(n, 63);
    /* Thừa Thiên Huế ended on 31 Dec 2024; Huế took its code 46 on 1 Jan 2025. */
    const td_unit *hue = s_in(units, n, "46");
    ck_assert_ptr_nonnull(hue);
    ck_assert_str_eq(hue->name, "Huế");
    size_t count46 = 0;
    for (size_t i = 0; i < n; i++)
        count46 += strcmp(units[i]->code, "46") == 0;
    ck_assert_uint_eq(count46, 1);
    /* The same 62 others as in 2024-Q4. */
    const td_unit *old[128];
    ck_assert_uint_eq(s_expected("2024-Q4", old, 128), 63);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(units[i]->code, "46") != 0)
            ck_assert_ptr_eq(units[i], old[i]);
    }
}
END_TEST

START_TEST(test_find_bac_kan)
{
    td_date before = s_date("2024-06-01");
    td_date after = s_date("2025-08-01");
    td_date last_day = s_date("2025-06-30");
    const td_unit *u = td_registry_find(s_reg, "06", &before);
    ck_assert_ptr_nonnull(u);
    ck_assert_str_eq(u->name, "Bắc Kạn");
    ck_assert_str_eq(u->successor, "19");
    ck_assert_str_eq(u->parent, "VN");
    ck_assert_int_eq(u->level, TD_LEVEL_PROVINCE);
    ck_assert(!td_date_is_set(&u->valid_from));
    ck_assert_int_eq(td_date_compare(&u->valid_to, &last_day), 0);
    ck_assert_ptr_eq(td_registry_find(s_reg, "06", &last_day), u);
    ck_assert_ptr_null(td_registry_find(s_reg, "06", &after));
    /* Its successor exists after the merger. */
    const td_unit *succ = td_registry_find(s_reg, u->successor, &after);
    ck_assert_ptr_nonnull(succ);
    ck_assert_str_eq(succ->name, "Thái Nguyên");
    ck_assert(td_date_is_set(&succ->valid_from));
    ck_assert_ptr_null(td_registry_find(s_reg, "99", NULL));
    ck_assert_ptr_null(td_registry_find(s_reg, "99", &before));
}
END_TEST

START_TEST(test_find_hue_both_sides)
{
    td_date d1 = s_date("2024-12-31");
    td_date d2 = s_date("2025-01-01");
    const td_unit *old = td_registry_find(s_reg, "46", &d1);
    const td_unit *now = td_registry_find(s_reg, "46", &d2);
    ck_assert_ptr_nonnull(old);
    ck_assert_ptr_nonnull(now);
    ck_assert_str_eq(old->name, "Thừa Thiên Huế");
    ck_assert_str_eq(now->name, "Huế");
    /* Without a date: the latest record. */
    ck_assert_ptr_eq(td_registry_find(s_reg, "46", NULL), now);
    const td_unit *tn = td_registry_find(s_reg, "19", NULL);
    ck_assert_ptr_nonnull(tn);
    ck_assert(!td_date_is_set(&tn->valid_to));
    ck_assert(td_date_is_set(&tn->valid_from));
}
END_TEST

START_TEST(test_units_file_order)
{
    const td_unit *units = NULL;
    size_t n = td_registry_units(s_reg, &units);
    ck_assert_uint_eq(n, 88); /* data/units.csv: 1 nation + 87 province records */
    ck_assert_str_eq(units[0].code, "VN");
    ck_assert_int_eq(units[0].level, TD_LEVEL_NATION);
    ck_assert_str_eq(units[0].parent, "");
    ck_assert_str_eq(units[1].code, "01");
}
END_TEST

START_TEST(test_indicators)
{
    const td_indicator *ind = NULL;
    size_t n = td_registry_indicators(s_reg, &ind);
    ck_assert_uint_eq(n, 13);
    ck_assert_str_eq(ind[0].id, "T01");
    ck_assert_str_eq(ind[0].numerator, "urban_population");
    ck_assert_str_eq(ind[0].denominator, "total_population");
    ck_assert_str_eq(ind[0].unit, "%");
    ck_assert_str_eq(ind[0].name_vi, "Tỷ lệ đô thị hóa");
    ck_assert_double_eq(ind[0].target_2025_min, 45.0);
    ck_assert(isnan(ind[0].target_2025_max));
    ck_assert_double_eq(ind[0].target_2030_min, 50.0);
    ck_assert_str_eq(ind[0].verified, "yes");

    ck_assert_str_eq(ind[2].id, "T03");
    ck_assert_str_eq(ind[2].formula, "sum(urban_areas)");
    ck_assert_str_eq(ind[2].numerator, "urban_areas");
    ck_assert_str_eq(ind[2].denominator, "");

    ck_assert_str_eq(ind[1].id, "T02");
    ck_assert_double_eq_tol(ind[1].target_2025_min, 1.5, 1e-12);
    ck_assert_double_eq_tol(ind[1].target_2025_max, 1.9, 1e-12);
    ck_assert_str_eq(ind[12].id, "T13");
    ck_assert_str_eq(ind[12].verified, "no");
    ck_assert_str_eq(ind[9].verified, "partly");
}
END_TEST

START_TEST(test_elements)
{
    const char *const *el = NULL;
    size_t n = td_registry_elements(s_reg, &el);
    ck_assert_uint_ge(n, 4);
    ck_assert_str_eq(el[0], "urban_population");
    ck_assert_str_eq(el[1], "total_population");
    ck_assert_str_eq(el[2], "urban_construction_land_ha");
    ck_assert_str_eq(el[3], "natural_land_ha");
    ck_assert_str_eq(el[4], "urban_areas");
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++)
            ck_assert_str_ne(el[i], el[j]);
    }
    /* Every formula's elements, and nothing else, are listed. */
    const td_indicator *ind = NULL;
    size_t ni = td_registry_indicators(s_reg, &ind);
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < ni; k++) {
            if (strcmp(ind[k].numerator, el[i]) == 0 || strcmp(ind[k].denominator, el[i]) == 0) {
                used++;
                break;
            }
        }
    }
    ck_assert_uint_eq(used, n);
    for (size_t k = 0; k < ni; k++) {
        ck_assert(td_registry_has_element(s_reg, ind[k].numerator));
        if (ind[k].denominator[0] != '\0')
            ck_assert(td_registry_has_element(s_reg, ind[k].denominator));
    }
    ck_assert(!td_registry_has_element(s_reg, "bogus"));
    ck_assert(!td_registry_has_element(s_reg, ""));
}
END_TEST

START_TEST(test_task_groups)
{
    const td_task_group *g = NULL;
    size_t n = td_registry_task_groups(s_reg, &g);
    ck_assert_uint_eq(n, 6);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(g[i].group, (int) i + 1);
    /* A quoted field with commas inside stays one field. */
    ck_assert_str_eq(g[0].title_vi,
                     "Hoàn thiện thể chế, chính sách tạo thuận lợi cho quá trình đô thị hóa, "
                     "công tác quy hoạch, xây dựng, quản lý và phát triển đô thị bền vững");
    ck_assert_str_eq(g[1].title_en, "Quality of urban planning");
}
END_TEST

/* ---- malformed registries, written into a temporary folder ---- */

static char s_dir[64];

static const char *const s_good_units = "# units, with a comment line, holding commas\n"
                                        "code,name,level,parent,valid_from,valid_to,successor\n"
                                        "VN,Việt Nam,nation,,,,\n"
                                        "01,Hà Nội,province,VN,,,\n"
                                        "02,Cũ,province,VN,,2025-06-30,03\n"
                                        "03,Mới,province,VN,2025-07-01,,\n";
static const char *const s_good_groups = "group,title_vi,title_en\n"
                                         "1,\"Một, hai\",\"One, \"\"two\"\"\"\n"
                                         "2,Hai,Two\n"
                                         "3,Ba,Three\n"
                                         "4,Bốn,Four\n"
                                         "5,Năm,Five\n"
                                         "6,Sáu,Six\n";
static const char *const s_good_indicators =
    "id,name_vi,name_en,formula,unit,t2025_min,t2025_max,t2030_min,t2030_max,verified\n"
    "T01,Tỷ lệ,Rate,a_1/b,%,45,,50,,yes\n"
    "T02,Số,Count,sum( c ),count,,,,,no\n";

static void s_tmp_setup(void)
{
    strcpy(s_dir, "/tmp/tiendo-test-registry-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(s_dir));
    s_err[0] = '\0';
}

static void s_tmp_teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", s_dir);
}

static void s_write(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", s_dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* Write the three files (NULL: the good one) and open them. */
static td_err s_open_tmp(const char *units, const char *groups, const char *indicators,
                         td_registry_t **reg)
{
    s_write("units.csv", units != NULL ? units : s_good_units);
    s_write("task-groups.csv", groups != NULL ? groups : s_good_groups);
    s_write("indicators.csv", indicators != NULL ? indicators : s_good_indicators);
    return td_registry_open(reg, s_dir, s_err, sizeof s_err);
}

static void s_rejects(const char *units, const char *groups, const char *indicators,
                      const char *want)
{
    td_registry_t *reg = (td_registry_t *) (void *) s_dir; /* must be reset to NULL on failure */
    ck_assert_int_eq(s_open_tmp(units, groups, indicators, &reg), TD_ERR_INVALID);
    ck_assert_ptr_null(reg);
    ck_assert_str_eq(s_err, want);
}

START_TEST(test_tmp_good)
{
    td_registry_t *reg = NULL;
    ck_assert_msg(s_open_tmp(NULL, NULL, NULL, &reg) == TD_OK, "%s", s_err);
    const td_task_group *g = NULL;
    ck_assert_uint_eq(td_registry_task_groups(reg, &g), 6);
    ck_assert_str_eq(g[0].title_vi, "Một, hai");
    ck_assert_str_eq(g[0].title_en, "One, \"two\"");
    const td_indicator *ind = NULL;
    ck_assert_uint_eq(td_registry_indicators(reg, &ind), 2);
    ck_assert_str_eq(ind[0].numerator, "a_1");
    ck_assert_str_eq(ind[0].denominator, "b");
    ck_assert_str_eq(ind[1].numerator, "c");
    ck_assert(isnan(ind[1].target_2025_min));
    const char *const *el = NULL;
    ck_assert_uint_eq(td_registry_elements(reg, &el), 3);
    td_registry_close(&reg);
    ck_assert_ptr_null(reg);
    td_registry_close(&reg); /* NULL is fine */
    td_registry_close(NULL);
}
END_TEST

START_TEST(test_tmp_bad_level)
{
    s_rejects("code,name,level,parent,valid_from,valid_to,successor\n"
              "VN,Việt Nam,nation,,,,\n"
              "01,Hà Nội,district,VN,,,\n",
              NULL, NULL,
              "units.csv:3: level 'district' must be nation, province, commune or ministry");
}
END_TEST

START_TEST(test_tmp_bad_date)
{
    s_rejects("code,name,level,parent,valid_from,valid_to,successor\n"
              "VN,Việt Nam,nation,,,,\n"
              "\n"
              "01,Hà Nội,province,VN,,2025-02-29,\n",
              NULL, NULL, "units.csv:4: valid_to '2025-02-29' is not a date (YYYY-MM-DD)");
    s_rejects("code,name,level,parent,valid_from,valid_to,successor\n"
              "VN,Việt Nam,nation,,,,\n"
              "01,Hà Nội,province,VN,2025-7-1,,\n",
              NULL, NULL, "units.csv:3: valid_from '2025-7-1' is not a date (YYYY-MM-DD)");
}
END_TEST

START_TEST(test_tmp_bad_formula)
{
    static const char *const bad[] = {"a + b", "a / b / c", "sum(a", "Sum(a)",  "a /",    "/ b",
                                      "a b",   "sum(a,b)",  "A / b", "a-b / c", "avg(a)", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[512], want[256];
        snprintf(text, sizeof text,
                 "id,name_vi,name_en,formula,unit,t2025_min,t2025_max,t2030_min,t2030_max,"
                 "verified\n"
                 "T01,Tỷ lệ,Rate,a / b,%%,45,,50,,yes\n"
                 "T02,Hai,Two,\"%s\",%%,,,,,yes\n", /* quoted: may hold commas */
                 bad[i]);
        if (bad[i][0] == '\0')
            snprintf(want, sizeof want, "indicators.csv:3: formula is empty");
        else
            snprintf(want, sizeof want,
                     "indicators.csv:3: formula '%s' must be 'a / b' or 'sum(a)' over element "
                     "names [a-z0-9_]+ of at most 63 bytes",
                     bad[i]);
        s_rejects(NULL, NULL, text, want);
    }
}
END_TEST

START_TEST(test_tmp_unterminated_quote)
{
    s_rejects(NULL,
              "group,title_vi,title_en\n"
              "1,\"Một, hai,One\n",
              NULL, "task-groups.csv:2: unterminated quote");
    s_rejects(NULL,
              "group,title_vi,title_en\n"
              "1,\"Một\" hai,One\n",
              NULL, "task-groups.csv:2: text after a closing quote");
}
END_TEST

START_TEST(test_tmp_other_errors)
{
    /* Field count, both ways. */
    s_rejects("code,name,level,parent,valid_from,valid_to,successor\n"
              "VN,Việt Nam,nation,,,\n",
              NULL, NULL, "units.csv:2: expected 7 fields, found 6");
    s_rejects("code,name,level,parent,valid_from,valid_to,successor\n"
              "VN,Việt Nam,nation,,,,,\n",
              NULL, NULL, "units.csv:2: expected 7 fields, found 8");
    /* A wrong header. */
    s_rejects("code,name,level,parent,from,valid_to,successor\n", NULL, NULL,
              "units.csv:1: header field 5 is 'from', expected 'valid_from'");
    /* A name over its buffer is refused, never truncated. */
    char units[1024];
    char longname[200];
    memset(longname, 'x', 128);
    longname[128] = '\0';
    snprintf(units, sizeof units,
             "code,name,level,parent,valid_from,valid_to,successor\nVN,%s,nation,,,,\n", longname);
    s_rejects(units, NULL, NULL, "units.csv:2: name is longer than 127 bytes");
    /* Overlapping records of one code. */
    s_rejects("code,name,level,parent,valid_from,valid_to,successor\n"
              "VN,Việt Nam,nation,,,,\n"
              "01,A,province,VN,,2025-06-30,\n"
              "01,B,province,VN,2025-06-30,,\n",
              NULL, NULL, "units.csv:4: validity of 01 overlaps its record on line 3");
    /* Unknown parent and successor. */
    s_rejects("code,name,level,parent,valid_from,valid_to,successor\n"
              "VN,Việt Nam,nation,,,,\n"
              "01,A,province,XX,,,\n",
              NULL, NULL, "units.csv:3: parent 'XX' is not a unit of this file");
    s_rejects("code,name,level,parent,valid_from,valid_to,successor\n"
              "VN,Việt Nam,nation,,,,\n"
              "01,A,province,VN,,2025-06-30,77\n",
              NULL, NULL, "units.csv:3: successor '77' is not a unit of this file");
    /* Task groups: out of range, repeated, missing. */
    s_rejects(NULL, "group,title_vi,title_en\n7,Bảy,Seven\n", NULL,
              "task-groups.csv:2: group '7' must be a number from 1 to 6");
    s_rejects(NULL, "group,title_vi,title_en\n1,A,A\n1,B,B\n", NULL,
              "task-groups.csv:3: group 1 appears twice");
    s_rejects(NULL, "group,title_vi,title_en\n1,A,A\n2,B,B\n", NULL,
              "task-groups.csv: group 3 is missing");
    /* Indicator targets and verification. */
    s_rejects(NULL, NULL,
              "id,name_vi,name_en,formula,unit,t2025_min,t2025_max,t2030_min,t2030_max,verified\n"
              "T01,A,A,a / b,%,4five,,,,yes\n",
              "indicators.csv:2: t2025_min '4five' is not a number");
    s_rejects(NULL, NULL,
              "id,name_vi,name_en,formula,unit,t2025_min,t2025_max,t2030_min,t2030_max,verified\n"
              "T01,A,A,a / b,%,,,nan,,yes\n",
              "indicators.csv:2: t2030_min 'nan' is not a number");
    s_rejects(NULL, NULL,
              "id,name_vi,name_en,formula,unit,t2025_min,t2025_max,t2030_min,t2030_max,verified\n"
              "T01,A,A,a / b,%,50,40,,,yes\n",
              "indicators.csv:2: t2025_min is above t2025_max");
    s_rejects(NULL, NULL,
              "id,name_vi,name_en,formula,unit,t2025_min,t2025_max,t2030_min,t2030_max,verified\n"
              "T01,A,A,a / b,%,,,,,maybe\n",
              "indicators.csv:2: verified 'maybe' must be yes, partly or no");
    s_rejects(NULL, NULL,
              "id,name_vi,name_en,formula,unit,t2025_min,t2025_max,t2030_min,t2030_max,verified\n"
              "T01,A,A,a / b,%,,,,,yes\nT01,B,B,c / d,%,,,,,yes\n",
              "indicators.csv:3: indicator T01 appears twice");
    /* Invalid UTF-8 in a name. */
    s_rejects("code,name,level,parent,valid_from,valid_to,successor\n"
              "VN,Vi\xe1\xbb,nation,,,,\n",
              NULL, NULL, "units.csv:2: name is not valid UTF-8");
}
END_TEST

START_TEST(test_tmp_missing_file)
{
    s_write("units.csv", s_good_units);
    s_write("task-groups.csv", s_good_groups);
    td_registry_t *reg = NULL;
    ck_assert_int_eq(td_registry_open(&reg, s_dir, s_err, sizeof s_err), TD_ERR_NOTFOUND);
    ck_assert_ptr_null(reg);
    ck_assert_msg(strstr(s_err, "indicators.csv: cannot open") != NULL, "got '%s'", s_err);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("registry");
    TCase *real = tcase_create("real data");
    tcase_add_checked_fixture(real, s_open_real, s_close_real);
    tcase_add_test(real, test_expected_2026_q4);
    tcase_add_test(real, test_expected_2024_q4);
    tcase_add_test(real, test_expected_2025_q1);
    tcase_add_test(real, test_find_bac_kan);
    tcase_add_test(real, test_find_hue_both_sides);
    tcase_add_test(real, test_units_file_order);
    tcase_add_test(real, test_indicators);
    tcase_add_test(real, test_elements);
    tcase_add_test(real, test_task_groups);
    suite_add_tcase(s, real);

    TCase *bad = tcase_create("malformed");
    tcase_add_checked_fixture(bad, s_tmp_setup, s_tmp_teardown);
    tcase_add_test(bad, test_tmp_good);
    tcase_add_test(bad, test_tmp_bad_level);
    tcase_add_test(bad, test_tmp_bad_date);
    tcase_add_test(bad, test_tmp_bad_formula);
    tcase_add_test(bad, test_tmp_unterminated_quote);
    tcase_add_test(bad, test_tmp_other_errors);
    tcase_add_test(bad, test_tmp_missing_file);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    return td_unit_run(s_suite());
}
