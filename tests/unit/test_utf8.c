/* test_utf8.c: the one UTF-8 decoder (common/utf8): code points, validity, cuts. */
#include <check.h>
#include <string.h>

#include "utf8.h"
#include "unit_main.h"

START_TEST(decode_code_points)
{
    uint32_t cp;
    ck_assert_uint_eq(td_utf8_decode("\xE1\xBB\x99", 3, &cp), 3); /* ộ */
    ck_assert_uint_eq(cp, 0x1ED9);
    ck_assert_uint_eq(td_utf8_decode("\xF0\x9F\x98\x80", 4, &cp), 4);
    ck_assert_uint_eq(cp, 0x1F600);
    ck_assert_uint_eq(td_utf8_decode("\xF4\x90\x80\x80", 4, &cp), 1); /* > U+10FFFF */
    ck_assert_uint_eq(cp, TD_UTF8_INVALID);
    ck_assert_uint_eq(td_utf8_decode("\xE1\xBB", 2, &cp), 2); /* cut short */
    ck_assert_uint_eq(cp, TD_UTF8_INVALID);
    ck_assert_uint_eq(td_utf8_decode("\x80", 1, &cp), 1);
    ck_assert_uint_eq(cp, TD_UTF8_INVALID);
    /* a real U+FFFD is a character, not an error */
    ck_assert_uint_eq(td_utf8_decode("\xEF\xBF\xBD", 3, &cp), 3);
    ck_assert_uint_eq(cp, TD_UTF8_REPLACEMENT);
    /* an invalid 4-byte prefix of 3 bytes: one invalid character of 3 bytes */
    ck_assert_uint_eq(td_utf8_decode("\xF0\x90\x80x", 4, &cp), 3);
    ck_assert_uint_eq(cp, TD_UTF8_INVALID);
}
END_TEST

START_TEST(validity)
{
    ck_assert(td_utf8_valid_text("Thừa Thiên Huế"));
    ck_assert(td_utf8_valid_text(""));
    ck_assert(!td_utf8_valid_text(NULL));
    ck_assert(td_utf8_valid_text("\xEF\xBF\xBD"));
    ck_assert(!td_utf8_valid_text("\xC0\xAF"));         /* overlong '/' */
    ck_assert(!td_utf8_valid_text("\xED\xA0\x80"));     /* a surrogate */
    ck_assert(!td_utf8_valid_text("\xF4\x90\x80\x80")); /* over U+10FFFF */
    ck_assert(!td_utf8_valid_text("ab\xE1\xBB"));       /* cut short */
    ck_assert(!td_utf8_valid_text("\xFF"));
    /* a length-bounded check sees NUL bytes as characters and stops at len */
    ck_assert(td_utf8_valid("a\0b", 3));
    ck_assert(td_utf8_valid("ab\xFF", 2));
    ck_assert(!td_utf8_valid("ab\xFF", 3));
}
END_TEST

START_TEST(cuts_on_boundaries)
{
    const char *s = "Hà Nội"; /* H à(2) space N ộ(3) i */
    size_t n = strlen(s);
    ck_assert_uint_eq(td_utf8_cut(s, n, 100), n);
    ck_assert_uint_eq(td_utf8_cut(s, n, 2), 1); /* not inside à */
    ck_assert_uint_eq(td_utf8_cut(s, n, 3), 3); /* after à */
    ck_assert_uint_eq(td_utf8_cut(s, n, 6), 5); /* not inside ộ */
    ck_assert_uint_eq(td_utf8_cut(s, n, 8), 8); /* after ộ */
    ck_assert_uint_eq(td_utf8_cut(s, n, 0), 0);
    for (size_t max = 0; max <= n; max++)
        ck_assert(td_utf8_valid(s, td_utf8_cut(s, n, max)));
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("utf8");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, decode_code_points);
    tcase_add_test(tc, validity);
    tcase_add_test(tc, cuts_on_boundaries);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return td_unit_run(s_suite());
}
