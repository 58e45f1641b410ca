/* test_peer_log.c: log lines a peer causes come at most once a second, with a running count. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "calendar.h"
#include "log.h"
#include "peer_log.h"
#include "query.h"
#include "registry.h"
#include "store.h"

#define DATA_DIR TIENDO_SOURCE_DIR "/data"

static char s_dir[64];
static char s_log_path[128];
static int s_saved_stderr = -1;

/* The log goes to stderr: send it to a file for the test to read. */
static void s_setup(void)
{
    strcpy(s_dir, "/tmp/tiendo-peer-log-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(s_dir));
    snprintf(s_log_path, sizeof s_log_path, "%s/log", s_dir);
    int fd = open(s_log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    fflush(stderr);
    s_saved_stderr = dup(STDERR_FILENO);
    ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);
    close(fd);
    td_log_init("test", TD_LOG_INFO);
}

static void s_teardown(void)
{
    fflush(stderr);
    dup2(s_saved_stderr, STDERR_FILENO);
    close(s_saved_stderr);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Lines of the log so far that contain needle; the last one into last (may be NULL). */
static int s_lines_with(const char *needle, char *last, size_t lastlen)
{
    fflush(stderr);
    FILE *f = fopen(s_log_path, "r");
    ck_assert_ptr_nonnull(f);
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strstr(line, needle) == NULL)
            continue;
        n++;
        if (last != NULL)
            snprintf(last, lastlen, "%s", line);
    }
    fclose(f);
    return n;
}

START_TEST(one_line_a_second_with_the_count)
{
    peer_log log = {0};
    char last[1024] = "";
    /* a burst at one instant: the first event is logged, the rest only counted */
    for (int i = 1; i <= 1000; i++)
        ck_assert_uint_eq(peer_log_event(&log, 5000, "dropped", "bad thing %d", i), (uint64_t) i);
    ck_assert_int_eq(s_lines_with("bad thing", last, sizeof last), 1);
    ck_assert_ptr_nonnull(strstr(last, "WARN: bad thing 1 (1 dropped so far)"));
    /* 999 ms later still nothing; at one second the next line, with every event counted */
    peer_log_event(&log, 5999, "dropped", "bad thing %d", 1001);
    ck_assert_int_eq(s_lines_with("bad thing", NULL, 0), 1);
    peer_log_event(&log, 6999, "refused", "bad thing %d", 1002);
    ck_assert_int_eq(s_lines_with("bad thing", last, sizeof last), 2);
    ck_assert_ptr_nonnull(strstr(last, "bad thing 1002 (1002 refused so far)"));
}
END_TEST

/* docs/security.md, "Bounds": a client flooding the query socket with messages that are
 * not one REQ request gets them dropped, with one log line, not one per message. */
START_TEST(the_query_socket_logs_a_flood_of_bad_messages_once)
{
    char err[256];
    td_registry_t *registry = NULL;
    td_calendar_t *calendar = NULL;
    store_t *store = NULL;
    query_t *query = NULL;
    ck_assert_msg(td_registry_open(&registry, DATA_DIR, err, sizeof err) == TD_OK, "%s", err);
    ck_assert_msg(td_calendar_open(&calendar, DATA_DIR, err, sizeof err) == TD_OK, "%s", err);
    ck_assert_int_eq(store_open(&store, s_dir, 1 << 20, 1 << 20, err, sizeof err), TD_OK);
    ck_assert_int_eq(query_open(&query, store, registry, calendar, 300000), TD_OK);
    void *ctx = zmq_ctx_new();
    void *router = zmq_socket(ctx, ZMQ_ROUTER), *dealer = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(router, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(dealer, ZMQ_LINGER, &linger, sizeof linger);
    ck_assert_int_eq(zmq_bind(router, "inproc://peer-log"), 0);
    ck_assert_int_eq(zmq_connect(dealer, "inproc://peer-log"), 0);

    /* DEALER framing (no empty delimiter): not a REQ request */
    for (int i = 0; i < 50; i++)
        ck_assert_int_eq(zmq_send(dealer, "x", 1, 0), 1);
    int handled = 0;
    zmq_pollitem_t item = {router, 0, ZMQ_POLLIN, 0};
    while (zmq_poll(&item, 1, 200) > 0 && handled++ < 100)
        query_handle(query, router);
    char last[1024] = "";
    ck_assert_int_eq(s_lines_with("dropped a malformed query message", last, sizeof last), 1);
    ck_assert_ptr_nonnull(strstr(last, "(1 dropped so far)"));
    /* none of them got an answer */
    ck_assert_int_eq(zmq_poll(&(zmq_pollitem_t){dealer, 0, ZMQ_POLLIN, 0}, 1, 100), 0);

    zmq_close(dealer);
    zmq_close(router);
    zmq_ctx_term(ctx);
    query_close(&query);
    store_close(&store);
    td_calendar_close(&calendar);
    td_registry_close(&registry);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("peer_log");
    TCase *tc = tcase_create("rate limit");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, one_line_a_second_with_the_count);
    tcase_add_test(tc, the_query_socket_logs_a_flood_of_bad_messages_once);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(s_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
