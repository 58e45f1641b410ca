/* test_term.c: unit tests of the tiendo command's terminal text: display width, cells, tables. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_test.h"
#include "term.h"
#include "unit_main.h"

static char *s_cell(const char *text, size_t width, term_align align)
{
    s_mem m;
    s_mem_open(&m);
    term_cell(m.f, text, width, align);
    s_mem_text(&m);
    return m.buf;
}

/* ---- UTF-8 and width ---- */

START_TEST(width_of_vietnamese_names)
{
    ck_assert_uint_eq(term_width("Hà Nội"), 6);
    ck_assert_uint_eq(term_width("Ha\xCC\x80"), 2); /* a + U+0300 combining grave */
    ck_assert_uint_eq(term_width("Thừa Thiên Huế"), 14);
    /* Fully decomposed Huế: e + U+0302 circumflex + U+0301 acute. */
    ck_assert_uint_eq(term_width("Hue\xCC\x82\xCC\x81"), 3);
    ck_assert_uint_eq(term_width("Đắk Lắk"), 7);
    ck_assert_uint_eq(term_width(""), 0);
    ck_assert_uint_eq(term_width(NULL), 0);
}
END_TEST

START_TEST(width_of_wide_and_invalid_text)
{
    ck_assert_uint_eq(term_width("\xE6\xBC\xA2\xE5\xAD\x97"), 4); /* 漢字: East Asian wide */
    ck_assert_uint_eq(term_width("\xEF\xBC\xA1"), 2);             /* fullwidth A */
    ck_assert_uint_eq(term_width("\xF0\x9F\x98\x80"), 2);         /* emoji U+1F600 */
    ck_assert_uint_eq(term_width("a\xE2\x80\x8B"
                                 "b"),
                      2);                             /* zero width space */
    ck_assert_uint_eq(term_width("\xFF\xFE"), 2);     /* two invalid bytes */
    ck_assert_uint_eq(term_width("x\xE1\xBA"), 2);    /* truncated sequence: one U+FFFD */
    ck_assert_uint_eq(term_width("\xC0\xAF"), 2);     /* overlong '/' */
    ck_assert_uint_eq(term_width("\xED\xA0\x80"), 3); /* a UTF-16 surrogate */
    ck_assert_uint_eq(term_width("\x1b[31m"), 5);     /* ESC shows as U+FFFD, one column */
}
END_TEST

/* ---- cells ---- */

START_TEST(cell_pads_by_display_width)
{
    char *s = s_cell("Hà Nội", 10, TERM_LEFT);
    ck_assert_str_eq(s, "Hà Nội    ");
    free(s);
    s = s_cell("Hà Nội", 8, TERM_RIGHT);
    ck_assert_str_eq(s, "  Hà Nội");
    free(s);
    s = s_cell("Ha\xCC\x80", 3, TERM_LEFT);
    ck_assert_str_eq(s, "Ha\xCC\x80 ");
    free(s);
    s = s_cell(NULL, 2, TERM_LEFT);
    ck_assert_str_eq(s, "  ");
    free(s);
}
END_TEST

START_TEST(cell_truncates_with_ellipsis)
{
    char *s = s_cell("Thừa Thiên Huế", 8, TERM_LEFT);
    ck_assert_str_eq(s, "Thừa Th…");
    ck_assert_uint_eq(term_width(s), 8);
    free(s);
    /* Combining marks stay with their letter: "Hà" keeps its grave accent. */
    s = s_cell("Ha\xCC\x80 Noi", 3, TERM_LEFT);
    ck_assert_str_eq(s, "Ha\xCC\x80…");
    free(s);
    /* A wide character that would straddle the edge is left out and the gap padded. */
    s = s_cell("\xE6\xBC\xA2\xE5\xAD\x97\xE6\xBC\xA2", 4, TERM_LEFT);
    ck_assert_str_eq(s, "\xE6\xBC\xA2\xE2\x80\xA6 ");
    ck_assert_uint_eq(term_width(s), 4);
    free(s);
    s = s_cell("Hà Nội", 6, TERM_LEFT); /* exactly fits: not cut */
    ck_assert_str_eq(s, "Hà Nội");
    free(s);
    s = s_cell("abc", 1, TERM_RIGHT);
    ck_assert_str_eq(s, "…");
    free(s);
    s = s_cell("abc", 0, TERM_LEFT);
    ck_assert_str_eq(s, "");
    free(s);
}
END_TEST

START_TEST(cell_neutralises_control_characters)
{
    char *s = s_cell("a\x1b[2Jb\xFF", 8, TERM_LEFT);
    ck_assert_ptr_null(strchr(s, 0x1b));
    ck_assert_str_eq(s, "a\xEF\xBF\xBD[2Jb\xEF\xBF\xBD ");
    ck_assert_uint_eq(term_width(s), 8);
    free(s);
}
END_TEST

/* ---- tables ---- */

START_TEST(table_of_unit_names_aligns)
{
    static const char *const cells[] = {
        "01",
        "Hà Nội",
        "12",
        "46",
        ("Thu\xCC\x9B\xCC\x80"
         "a Thie\xCC\x82n Hue\xCC\x82\xCC\x81"), /* decomposed: 14 columns */
        "3",
        "66",
        "Đắk Lắk",
        "104",
        "04",
        "Cao Ba\xCC\x86\xCC\x80ng",
        "7", /* decomposed Bằng */
        "99",
        "\xE6\xBC\xA2\xE5\xAD\x97",
        "0",
    };
    static const term_column cols[] = {
        {"Code", TERM_LEFT, 0}, {"Name", TERM_LEFT, 0}, {"Reports", TERM_RIGHT, 0}};
    s_mem m;
    char *lines[16];
    size_t n;

    s_mem_open(&m);
    ck_assert_int_eq(term_table(m.f, cols, 3, cells, 5, "  ", NULL, NULL), TD_OK);
    s_mem_text(&m);
    n = s_lines(m.buf, lines, 16);
    ck_assert_uint_eq(n, 7); /* header, dashes, five rows */
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_eq(term_width(lines[i]), term_width(lines[0]));
        ck_assert_uint_eq(strncmp(lines[i], "  ", 2), 0);
    }
    /* Code | Name (14 wide: Thừa Thiên Huế) | Reports, two spaces apart. */
    ck_assert_uint_eq(term_width(lines[0]), 2 + 4 + 2 + 14 + 2 + 7);
    for (size_t i = 2; i < n; i++)
        ck_assert_uint_eq(s_column_of(lines[i], cells[(i - 2) * 3 + 1]), 8);
    ck_assert_uint_eq(s_column_of(lines[4], "104"), 2 + 4 + 2 + 14 + 2 + 4);
    free(m.buf);
}
END_TEST

/* Vietnamese headers and names, precomposed (NFC) in one table and decomposed (NFD:
 * base letters and combining marks) in the other: the same display widths, the same
 * columns, the numbers right-aligned under their header. */
START_TEST(table_with_vietnamese_headers_nfc_and_nfd_alike)
{
    static const char *const nfc[] = {
        "Thừa Thiên Huế", "quá hạn",  "62,3 %", /* */
        "Đắk Lắk",        "đúng hạn", "7,0 %",
    };
    static const char *const nfd[] = {
        "Thu\xCC\x9B\xCC\x80"
        "a Thie\xCC\x82n Hue\xCC\x82\xCC\x81",
        "qua\xCC\x81 ha\xCC\xA3n",
        "62,3 %",
        "\xC4\x90"
        "a\xCC\x86\xCC\x81k La\xCC\x86\xCC\x81k",
        "\xC4\x91u\xCC\x81ng ha\xCC\xA3n",
        "7,0 %",
    };
    static const term_column nfc_cols[] = {
        {"Tên đơn vị", TERM_LEFT, 0}, {"Trạng thái", TERM_LEFT, 0}, {"Tiến độ", TERM_RIGHT, 0}};
    static const term_column nfd_cols[] = {
        {"Te\xCC\x82n \xC4\x91o\xCC\x9Bn vi\xCC\xA3", TERM_LEFT, 0},
        {"Tra\xCC\xA3ng tha\xCC\x81i", TERM_LEFT, 0},
        {"Tie\xCC\x82\xCC\x81n \xC4\x91o\xCC\xA3\xCC\x82", TERM_RIGHT, 0}};
    s_mem a, b;
    char *la[8], *lb[8];
    size_t na, nb;

    ck_assert_uint_eq(term_width(nfd_cols[0].title), 10);
    ck_assert_uint_eq(term_width(nfd[0]), 14);
    s_mem_open(&a);
    s_mem_open(&b);
    ck_assert_int_eq(term_table(a.f, nfc_cols, 3, nfc, 2, NULL, NULL, NULL), TD_OK);
    ck_assert_int_eq(term_table(b.f, nfd_cols, 3, nfd, 2, NULL, NULL, NULL), TD_OK);
    s_mem_text(&a);
    s_mem_text(&b);
    na = s_lines(a.buf, la, 8);
    nb = s_lines(b.buf, lb, 8);
    ck_assert_uint_eq(na, 4);
    ck_assert_uint_eq(nb, 4);
    /* Name (14, the widest cell) | Status (10, its header) | Progress (7, its header). */
    for (size_t i = 0; i < 4; i++) {
        ck_assert_uint_eq(term_width(la[i]), 14 + 2 + 10 + 2 + 7);
        ck_assert_uint_eq(term_width(lb[i]), term_width(la[i]));
    }
    ck_assert_uint_eq(s_column_of(la[2], "quá hạn"), 16);
    ck_assert_uint_eq(s_column_of(lb[2], "qua\xCC\x81 ha\xCC\xA3n"), 16);
    ck_assert_uint_eq(s_column_of(lb[3], "\xC4\x91u\xCC\x81ng"), s_column_of(lb[0], "Tra"));
    ck_assert_uint_eq(s_column_of(la[3], "7,0 %") + 5, 14 + 2 + 10 + 2 + 7);
    ck_assert_uint_eq(s_column_of(lb[3], "7,0 %") + 5, 14 + 2 + 10 + 2 + 7);
    /* Cut to a narrow column, a decomposed letter keeps its marks before the "…". */
    {
        term_column narrow = {nfd_cols[0].title, TERM_LEFT, 6};
        s_mem c;
        s_mem_open(&c);
        ck_assert_int_eq(term_table(c.f, &narrow, 1, &nfd[0], 1, NULL, NULL, NULL), TD_OK);
        ck_assert_ptr_nonnull(strstr(s_mem_text(&c), "Thu\xCC\x9B\xCC\x80"
                                                     "a …"));
        free(c.buf);
    }
    free(a.buf);
    free(b.buf);
}
END_TEST

START_TEST(table_cuts_long_cells)
{
    static const char *const cells[] = {"Thừa Thiên Huế", "x", "Hà Nội", "y"};
    static const term_column cols[] = {{"Name", TERM_LEFT, 8}, {"V", TERM_LEFT, 0}};
    s_mem m;
    char *lines[8];

    s_mem_open(&m);
    term_table(m.f, cols, 2, cells, 2, NULL, NULL, NULL);
    s_mem_text(&m);
    ck_assert_uint_eq(s_lines(m.buf, lines, 8), 4);
    ck_assert_str_eq(lines[0], "Name      V");
    ck_assert_str_eq(lines[1], "--------  -");
    ck_assert_str_eq(lines[2], "Thừa Th…  x");
    ck_assert_str_eq(lines[3], "Hà Nội    y");
    free(m.buf);
}
END_TEST

START_TEST(flex_column_takes_what_the_line_leaves)
{
    static const term_column cols[] = {
        {"Code", TERM_LEFT, 0}, {"Name", TERM_LEFT, 0}, {"Reports", TERM_RIGHT, 0}};
    static const char *const cells[] = {"01", "Hà Nội", "12", "79", "Thành phố Hồ Chí Minh", "3"};

    /* Code (4) and Reports (7), each with two spaces: 15 columns taken. */
    ck_assert_uint_eq(term_flex_width(cols, 3, cells, 2, 1, 40, 8, 30), 25);
    ck_assert_uint_eq(term_flex_width(cols, 3, cells, 2, 1, 100, 8, 30), 30); /* at most max */
    ck_assert_uint_eq(term_flex_width(cols, 3, cells, 2, 1, 20, 8, 30), 8);   /* at least min */
    ck_assert_uint_eq(term_flex_width(cols, 3, cells, 2, 1, 10, 8, 30), 8);   /* line too short */
    ck_assert_uint_eq(term_flex_width(cols, 3, NULL, 0, 1, 40, 8, 30), 25);   /* titles alone */
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("term");
    TCase *width = tcase_create("width");
    TCase *table = tcase_create("table");

    tcase_add_test(width, width_of_vietnamese_names);
    tcase_add_test(width, width_of_wide_and_invalid_text);
    tcase_add_test(width, cell_pads_by_display_width);
    tcase_add_test(width, cell_truncates_with_ellipsis);
    tcase_add_test(width, cell_neutralises_control_characters);
    tcase_add_test(table, table_of_unit_names_aligns);
    tcase_add_test(table, table_with_vietnamese_headers_nfc_and_nfd_alike);
    tcase_add_test(table, table_cuts_long_cells);
    tcase_add_test(table, flex_column_takes_what_the_line_leaves);
    suite_add_tcase(s, width);
    suite_add_tcase(s, table);
    return s;
}

int main(void)
{
    return td_unit_run(s_suite());
}
