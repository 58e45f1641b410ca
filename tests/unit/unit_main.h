/* unit_main.h: the main() of every Check unit test: run the file's suite, exit 1 on any failure. */
#ifndef TIENDO_UNIT_MAIN_H
#define TIENDO_UNIT_MAIN_H

#include <check.h>

/* Runs suite (fork mode, so each test's timeout and crash stay its own) and returns the
 * process exit status: 0 when every test passed (Check prints "100%: Checks: N, ..."). */
static inline int td_unit_run(Suite *suite)
{
    SRunner *sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures ? 1 : 0;
}

#endif
