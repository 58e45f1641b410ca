/* test_metrics.c: Prometheus text format helpers and the HTTP exporter (common/metrics.h). */
#include <arpa/inet.h>
#include <check.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "metrics.h"
#include "unit_main.h"

/* ---- text format ---- */

START_TEST(test_counter_and_gauge_lines)
{
    td_metrics_text t = {0};
    td_metrics_counter(&t, "x_total", "Things seen.", 18446744073709551615ULL);
    td_metrics_gauge(&t, "y", "A level.", 0.25);
    td_metrics_gauge(&t, "z", "Whole.", 3);
    ck_assert_int_eq(t.failed, 0);
    ck_assert_str_eq(t.data, "# HELP x_total Things seen.\n"
                             "# TYPE x_total counter\n"
                             "x_total 18446744073709551615\n"
                             "# HELP y A level.\n"
                             "# TYPE y gauge\n"
                             "y 0.25\n"
                             "# HELP z Whole.\n"
                             "# TYPE z gauge\n"
                             "z 3\n");
    ck_assert_uint_eq(t.len, strlen(t.data));
    td_metrics_text_free(&t);
    ck_assert_ptr_null(t.data);
}
END_TEST

START_TEST(test_special_values)
{
    td_metrics_text t = {0};
    td_metrics_sample(&t, "a", NULL, 0, NAN);
    td_metrics_sample(&t, "b", NULL, 0, INFINITY);
    td_metrics_sample(&t, "c", NULL, 0, -INFINITY);
    td_metrics_sample(&t, "d", NULL, 0, -7);
    td_metrics_sample(&t, "e", NULL, 0, 1e300);
    td_metrics_sample(&t, "f", NULL, 0, 715 / 1000.0);
    td_metrics_sample(&t, "g", NULL, 0, nextafter(0.1, 1)); /* needs 17 digits */
    ck_assert_str_eq(t.data,
                     "a NaN\nb +Inf\nc -Inf\nd -7\ne 1e+300\nf 0.715\ng 0.10000000000000002\n");
    td_metrics_text_free(&t);
}
END_TEST

START_TEST(test_label_escaping)
{
    td_metrics_text t = {0};
    td_metrics_family(&t, "m", "gauge", "Help with a \\ backslash\nand a \"quote\".");
    td_metrics_label labels[] = {{"agent", "k\"e\\y\nx"}, {"reason", "plain"}, {"empty", NULL}};
    td_metrics_sample(&t, "m", labels, 3, 5);
    ck_assert_str_eq(t.data, "# HELP m Help with a \\\\ backslash\\nand a \"quote\".\n"
                             "# TYPE m gauge\n"
                             "m{agent=\"k\\\"e\\\\y\\nx\",reason=\"plain\",empty=\"\"} 5\n");
    td_metrics_text_free(&t);
}
END_TEST

START_TEST(test_histogram_cumulative)
{
    static const double bounds[] = {0.125, 1, 10};
    td_histogram h;
    td_histogram_init(&h, bounds, 3);
    double values[] = {0.0625, 0.125, 0.5, 5, 50, 0.125}; /* exact in binary */
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        td_histogram_observe(&h, values[i]);
    ck_assert_uint_eq(h.count, 6);
    td_metrics_text t = {0};
    td_metrics_histogram(&t, "lat_seconds", "Latency.", &h);
    /* 0.125 is in the le="0.125" bucket (upper bounds are inclusive) */
    ck_assert_str_eq(t.data, "# HELP lat_seconds Latency.\n"
                             "# TYPE lat_seconds histogram\n"
                             "lat_seconds_bucket{le=\"0.125\"} 3\n"
                             "lat_seconds_bucket{le=\"1\"} 4\n"
                             "lat_seconds_bucket{le=\"10\"} 5\n"
                             "lat_seconds_bucket{le=\"+Inf\"} 6\n"
                             "lat_seconds_sum 55.8125\n"
                             "lat_seconds_count 6\n");
    td_metrics_text_free(&t);
}
END_TEST

START_TEST(test_histogram_bound_limit)
{
    double bounds[TD_HISTOGRAM_MAX_BOUNDS + 5];
    for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++)
        bounds[i] = (double) i;
    td_histogram h;
    td_histogram_init(&h, bounds, sizeof bounds / sizeof bounds[0]);
    ck_assert_uint_eq(h.nbounds, TD_HISTOGRAM_MAX_BOUNDS);
    td_histogram_observe(&h, 1000);
    ck_assert_uint_eq(h.counts[TD_HISTOGRAM_MAX_BOUNDS], 1);
}
END_TEST

START_TEST(test_long_text_grows)
{
    td_metrics_text t = {0};
    char value[300];
    memset(value, 'v', sizeof value - 1);
    value[sizeof value - 1] = '\0';
    td_metrics_label l = {"long", value};
    for (int i = 0; i < 200; i++)
        td_metrics_sample(&t, "n", &l, 1, i);
    ck_assert_int_eq(t.failed, 0);
    ck_assert_uint_eq(t.len, strlen(t.data));
    ck_assert_ptr_nonnull(strstr(t.data, "\"} 199\n"));
    td_metrics_text_free(&t);
}
END_TEST

/* ---- the exporter, over real HTTP ---- */

typedef struct {
    uint64_t a;
    uint64_t b; /* always 2 * a when published */
} s_snap;

static void s_render(void *ctx, const void *snapshot, size_t len, td_metrics_text *out)
{
    int *calls = ctx;
    (*calls)++;
    if (snapshot == NULL) {
        td_metrics_gauge(out, "test_up", "Nothing published yet.", 0);
        return;
    }
    ck_assert_uint_eq(len, sizeof(s_snap));
    const s_snap *s = snapshot;
    td_metrics_counter(out, "test_a_total", "A.", s->a);
    td_metrics_counter(out, "test_b_total", "B.", s->b);
}

typedef struct {
    int status;
    char head[1024];
    char *body;
} s_response;

/* One HTTP/1.0 request on a fresh connection; reads until the server closes. */
static int s_http(uint16_t port, int family, const char *method, const char *path, s_response *resp)
{
    memset(resp, 0, sizeof *resp);
    int fd = socket(family, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_storage ss;
    socklen_t sl;
    memset(&ss, 0, sizeof ss);
    if (family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *) &ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        a->sin6_addr = in6addr_loopback;
        sl = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *) &ss;
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sl = sizeof *a;
    }
    if (connect(fd, (struct sockaddr *) &ss, sl) != 0) {
        close(fd);
        return -1;
    }
    char req[256];
    int n = snprintf(req, sizeof req, "%s %s HTTP/1.0\r\nHost: localhost\r\n\r\n", method, path);
    if (write(fd, req, (size_t) n) != n) {
        close(fd);
        return -1;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    ssize_t got;
    while ((got = read(fd, buf + len, cap - len - 1)) > 0) {
        len += (size_t) got;
        if (len + 1 >= cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    close(fd);
    buf[len] = '\0';
    char *end = strstr(buf, "\r\n\r\n");
    if (end == NULL || sscanf(buf, "HTTP/1.%*d %d", &resp->status) != 1) {
        free(buf);
        return -1;
    }
    size_t hl = (size_t) (end - buf);
    if (hl >= sizeof resp->head)
        hl = sizeof resp->head - 1;
    memcpy(resp->head, buf, hl);
    resp->body = strdup(end + 4);
    free(buf);
    return 0;
}

START_TEST(test_exporter_serves_snapshots)
{
    int calls = 0;
    char err[256] = "";
    td_metrics_t *m = NULL;
    ck_assert_int_eq(td_metrics_open(&m, "127.0.0.1:0", s_render, &calls, err, sizeof err), TD_OK);
    uint16_t port = td_metrics_port(m);
    ck_assert_uint_ne(port, 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/metrics", (unsigned) port);
    ck_assert_str_eq(td_metrics_url(m), url);

    s_response r;
    ck_assert_int_eq(s_http(port, AF_INET, "GET", "/metrics", &r), 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.head, "Content-Type: text/plain; version=0.0.4"));
    ck_assert_ptr_nonnull(strstr(r.body, "\ntest_up 0\n"));
    free(r.body);

    s_snap snap = {21, 42};
    ck_assert_int_eq(td_metrics_publish(m, &snap, sizeof snap), TD_OK);
    snap.a = 99; /* the exporter keeps its own copy */
    ck_assert_int_eq(s_http(port, AF_INET, "GET", "/metrics", &r), 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "\ntest_a_total 21\n"));
    ck_assert_ptr_nonnull(strstr(r.body, "\ntest_b_total 42\n"));
    free(r.body);

    ck_assert_int_eq(s_http(port, AF_INET, "GET", "/other", &r), 0);
    ck_assert_int_eq(r.status, 404);
    free(r.body);
    ck_assert_int_eq(s_http(port, AF_INET, "GET", "/", &r), 0);
    ck_assert_int_eq(r.status, 404);
    free(r.body);
    ck_assert_int_eq(s_http(port, AF_INET, "POST", "/metrics", &r), 0);
    ck_assert_int_eq(r.status, 405);
    free(r.body);
    ck_assert_int_eq(s_http(port, AF_INET, "HEAD", "/metrics", &r), 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.body, "");
    free(r.body);

    ck_assert_uint_eq(td_metrics_scrapes(m), 3); /* two GETs and one HEAD of /metrics */
    ck_assert_int_eq(calls, 3);

    /* the port is taken while it runs */
    td_metrics_t *second = NULL;
    char bind[32];
    snprintf(bind, sizeof bind, "127.0.0.1:%u", (unsigned) port);
    ck_assert_int_eq(td_metrics_open(&second, bind, s_render, &calls, err, sizeof err), TD_ERR_IO);
    ck_assert_ptr_null(second);
    ck_assert_ptr_nonnull(strstr(err, bind));

    td_metrics_close(&m);
    ck_assert_ptr_null(m);
    td_metrics_close(&m);                                              /* NULL is fine */
    ck_assert_int_ne(s_http(port, AF_INET, "GET", "/metrics", &r), 0); /* nothing listens */
}
END_TEST

START_TEST(test_exporter_bad_binds)
{
    int calls = 0;
    char err[256];
    const char *bad[] = {"",
                         "127.0.0.1",
                         "127.0.0.1:",
                         "127.0.0.1:x1",
                         "127.0.0.1:70000",
                         "::1:9420",
                         "[::1]9420",
                         ":9420",
                         "no-such-host.invalid:9420"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        td_metrics_t *m = NULL;
        err[0] = '\0';
        ck_assert_msg(td_metrics_open(&m, bad[i], s_render, &calls, err, sizeof err) ==
                          TD_ERR_CONFIG,
                      "bind '%s' accepted", bad[i]);
        ck_assert_ptr_null(m);
        ck_assert_msg(err[0] != '\0', "no message for '%s'", bad[i]);
    }
}
END_TEST

START_TEST(test_exporter_localhost_and_ipv6)
{
    int calls = 0;
    char err[256] = "";
    td_metrics_t *m = NULL;
    ck_assert_int_eq(td_metrics_open(&m, "localhost:0", s_render, &calls, err, sizeof err), TD_OK);
    s_response r;
    ck_assert_int_eq(s_http(td_metrics_port(m), AF_INET, "GET", "/metrics", &r), 0);
    ck_assert_int_eq(r.status, 200);
    free(r.body);
    td_metrics_close(&m);

    /* IPv6 loopback, when this machine has one */
    int probe = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    int have_v6 = probe >= 0 && bind(probe, (struct sockaddr *) &a6, sizeof a6) == 0;
    if (probe >= 0)
        close(probe);
    if (!have_v6)
        return;
    ck_assert_int_eq(td_metrics_open(&m, "[::1]:0", s_render, &calls, err, sizeof err), TD_OK);
    char url[64];
    snprintf(url, sizeof url, "http://[::1]:%u/metrics", (unsigned) td_metrics_port(m));
    ck_assert_str_eq(td_metrics_url(m), url);
    ck_assert_int_eq(s_http(td_metrics_port(m), AF_INET6, "GET", "/metrics", &r), 0);
    ck_assert_int_eq(r.status, 200);
    free(r.body);
    td_metrics_close(&m);
}
END_TEST

/* Scrapes racing with publishes always see one whole snapshot (b == 2a). */
typedef struct {
    uint16_t port;
    int scrapes;
    int torn;
    volatile int stop;
} s_scraper;

static void *s_scrape_loop(void *arg)
{
    s_scraper *s = arg;
    while (!s->stop) {
        s_response r;
        if (s_http(s->port, AF_INET, "GET", "/metrics", &r) != 0 || r.status != 200) {
            s->torn++;
            free(r.body);
            continue;
        }
        unsigned long long a = 0, b = 0;
        const char *pa = strstr(r.body, "\ntest_a_total ");
        const char *pb = strstr(r.body, "\ntest_b_total ");
        if (pa != NULL && pb != NULL) {
            sscanf(pa, "\ntest_a_total %llu", &a);
            sscanf(pb, "\ntest_b_total %llu", &b);
            if (b != 2 * a)
                s->torn++;
            s->scrapes++;
        }
        free(r.body);
    }
    return NULL;
}

START_TEST(test_exporter_snapshots_are_consistent)
{
    int calls = 0;
    char err[256] = "";
    td_metrics_t *m = NULL;
    ck_assert_int_eq(td_metrics_open(&m, "127.0.0.1:0", s_render, &calls, err, sizeof err), TD_OK);
    s_snap snap = {0, 0};
    td_metrics_publish(m, &snap, sizeof snap);
    s_scraper sc = {td_metrics_port(m), 0, 0, 0};
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, s_scrape_loop, &sc), 0);
    for (uint64_t i = 1; i <= 2000000 && (sc.scrapes < 200 || i < 100000); i++) {
        snap.a = i;
        snap.b = 2 * i;
        ck_assert_int_eq(td_metrics_publish(m, &snap, sizeof snap), TD_OK);
    }
    sc.stop = 1;
    pthread_join(th, NULL);
    ck_assert_int_gt(sc.scrapes, 10);
    ck_assert_int_eq(sc.torn, 0);
    td_metrics_close(&m);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("format");
    tcase_add_test(tc, test_counter_and_gauge_lines);
    tcase_add_test(tc, test_special_values);
    tcase_add_test(tc, test_label_escaping);
    tcase_add_test(tc, test_histogram_cumulative);
    tcase_add_test(tc, test_histogram_bound_limit);
    tcase_add_test(tc, test_long_text_grows);
    suite_add_tcase(s, tc);
    tc = tcase_create("exporter");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_exporter_serves_snapshots);
    tcase_add_test(tc, test_exporter_bad_binds);
    tcase_add_test(tc, test_exporter_localhost_and_ipv6);
    tcase_add_test(tc, test_exporter_snapshots_are_consistent);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return td_unit_run(s_suite());
}
