/* test_reason.c: messages kept as format + arguments and rendered in the reader's language
 * (common/reason), with a real gettext catalogue made by msgfmt for the test. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "i18n.h"
#include "reason.h"
#include "unit_main.h"

START_TEST(text_and_arguments)
{
    td_reason r;
    td_reason_set(&r, "task_groups[%zu].progress: must be a number from %d to %d", (size_t) 2, 0,
                  100);
    ck_assert_str_eq(r.text, "task_groups[2].progress: must be a number from 0 to 100");
    ck_assert_int_eq(r.nargs, 3);
    ck_assert_str_eq(r.args[0], "2");
    ck_assert_str_eq(r.args[2], "100");
    ck_assert_str_eq(r.format, "task_groups[%zu].progress: must be a number from %d to %d");

    td_reason_set(&r, "unit %.3s is %-4s|%5.1f%%|%lld|%u|%c|%*d", "12345", "ab", 2.25, -7LL, 9u,
                  'x', 4, 3);
    char expect[256];
    snprintf(expect, sizeof expect, "unit %.3s is %-4s|%5.1f%%|%lld|%u|%c|%*d", "12345", "ab", 2.25,
             -7LL, 9u, 'x', 4, 3);
    ck_assert_str_eq(r.text, expect);
    ck_assert_int_eq(r.nargs, 7);
    ck_assert_str_eq(r.args[0], "123");
    ck_assert_str_eq(r.args[1], "ab  ");
    ck_assert_str_eq(r.args[2], "  2.2"); /* 2.25 rounds to even */
    ck_assert_str_eq(r.args[6], "   3");

    /* rendering the untranslated format gives the English text back */
    char out[512];
    ck_assert_str_eq(td_reason_render(&r, out, sizeof out), expect);
    td_reason_clear(&r);
    ck_assert_str_eq(td_reason_render(&r, out, sizeof out), "");
    td_reason_set(NULL, "nothing %d", 1); /* no crash */
}
END_TEST

START_TEST(rendered_in_vietnamese)
{
    char dir[] = "/tmp/tiendo-reason-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char po[128], cmd[1024];
    snprintf(po, sizeof po, "%s/t.po", dir);
    FILE *f = fopen(po, "w");
    ck_assert_ptr_nonnull(f);
    fputs("msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\n"
          "msgid \"unit %s is outside the scope %s\"\n"
          "msgstr \"phạm vi %2$s không gồm đơn vị %1$s\"\n",
          f);
    fclose(f);
    snprintf(cmd, sizeof cmd,
             "mkdir -p %s/vi/LC_MESSAGES && msgfmt -o %s/vi/LC_MESSAGES/tiendo.mo %s", dir, dir,
             po);
    ck_assert_int_eq(system(cmd), 0);
    setenv("TIENDO_LOCALEDIR", dir, 1);
    td_i18n_init(TD_LANG_VI);

    td_reason r;
    td_reason_set(&r, "unit %s is outside the scope %s", "79", "19/*");
    ck_assert_str_eq(r.text, "unit 79 is outside the scope 19/*");
    char out[256];
    ck_assert_str_eq(td_reason_render(&r, out, sizeof out), "phạm vi 19/* không gồm đơn vị 79");

    /* from an Ack's parts; a code this reader does not know falls back to the English */
    const char *args[] = {"79", "19/*"};
    ck_assert_str_eq(
        td_reason_render_parts("unit %s is outside the scope %s", args, 2, "E", out, sizeof out),
        "phạm vi 19/* không gồm đơn vị 79");
    ck_assert_str_eq(
        td_reason_render_parts("a newer collector's %s", args, 2, "english text", out, sizeof out),
        "a newer collector's 79");
    ck_assert_str_eq(td_reason_render_parts("unit %s is outside the scope %s", args, 1,
                                            "english text", out, sizeof out),
                     "english text"); /* too few arguments */
    ck_assert_str_eq(td_reason_render_parts(NULL, NULL, 0, "english text", out, sizeof out),
                     "english text");

    /* td_fail writes the message in the reader's language and keeps its English parts */
    char err[256];
    ck_assert_int_eq(td_fail(TD_ERR_PERMISSION, err, sizeof err, "unit %s is outside the scope %s",
                             "79", "19/*"),
                     TD_ERR_PERMISSION);
    ck_assert_str_eq(err, "phạm vi 19/* không gồm đơn vị 79");
    const td_reason *last = td_reason_last();
    ck_assert_str_eq(last->format, "unit %s is outside the scope %s");
    ck_assert_int_eq(last->nargs, 2);
    ck_assert_str_eq(last->args[1], "19/*");
    ck_assert_str_eq(last->text, "unit 79 is outside the scope 19/*");

    td_i18n_init(TD_LANG_EN);
    ck_assert_str_eq(td_reason_render(&r, out, sizeof out), "unit 79 is outside the scope 19/*");
    td_msg(err, sizeof err, "unit %s is outside the scope %s", "01", "*");
    ck_assert_str_eq(err, "unit 01 is outside the scope *");
    unsetenv("TIENDO_LOCALEDIR");
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* "%.0s": left out of the English text, kept whole for a translation to show. */
START_TEST(argument_for_translations_only)
{
    td_reason r;
    td_reason_set(&r, "task_groups[%s%.0s].progress: must be a number from 0 to 100", "2", "3");
    ck_assert_str_eq(r.text, "task_groups[2].progress: must be a number from 0 to 100");
    ck_assert_int_eq(r.nargs, 2);
    ck_assert_str_eq(r.args[1], "3");
    char out[256];
    ck_assert_str_eq(td_reason_render(&r, out, sizeof out), r.text);
    /* a translation's own precision holds too, cut on a character boundary */
    const char *args[] = {"Bắc Kạn", "3"};
    ck_assert_str_eq(td_reason_render_parts("%.2s|%.0s|", args, 2, "E", out, sizeof out), "B||");
    ck_assert_str_eq(td_reason_render_parts("%2$s %1$.4s", args, 2, "E", out, sizeof out), "3 Bắ");
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("reason");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, text_and_arguments);
    tcase_add_test(tc, rendered_in_vietnamese);
    tcase_add_test(tc, argument_for_translations_only);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return td_unit_run(s_suite());
}
